/* Periodic snapshots, time travel (journal_seq_at + rebuild) and retention,
 * on real journals in a temporary folder, fed through ingest like live
 * messages. */
#include "build_config.h"

#include "check.h"
#include "temp_dir.h"
#include "fleet.h"
#include "ingest.h"
#include "journal.h"
#include "journal_internal.h"
#include "rebuild.h"
#include "same_fleet.h"
#include "timefmt.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct fleet_config config;

#define BASE_MS 1767225600000LL   /* 2026-01-01T00:00:00Z */

/* A small fleet's traffic: event i (1-based) is received at BASE_MS + i s.
 * Things connect and disconnect in turn with new sessions; every 17th
 * message repeats the previous one (a duplicate), every 53rd is garbage
 * (a reject). Deterministic. */
struct traffic {
	int things;
	int *session;               /* per thing: sessions so far */
	bool *connected;
	char last_topic[128], last_payload[512];
	uint32_t rng;
};

static void traffic_init(struct traffic *t, int things)
{
	memset(t, 0, sizeof *t);
	t->things = things;
	t->session = calloc((size_t)things, sizeof *t->session);
	t->connected = calloc((size_t)things, sizeof *t->connected);
	t->rng = 12345;
}

static void traffic_finish(struct traffic *t)
{
	free(t->session);
	free(t->connected);
}

static void traffic_next(struct traffic *t, int i, char *topic, size_t tsize, char *payload,
                         size_t psize)
{
	t->rng = t->rng * 1103515245u + 12345u;
	if (i % 53 == 0) {
		snprintf(topic, tsize, "$aws/events/presence/connected/x");
		snprintf(payload, psize, "{not json %d", i);
		return;
	}
	if (i % 17 == 0 && t->last_topic[0]) {
		snprintf(topic, tsize, "%s", t->last_topic);
		snprintf(payload, psize, "%s", t->last_payload);
		return;
	}
	int k = (int)((t->rng >> 8) % (uint32_t)t->things);
	bool connect = !t->connected[k];
	if (connect)
		t->session[k]++;
	t->connected[k] = connect;
	int64_t ts = BASE_MS + (int64_t)i * 1000 - 300;
	snprintf(topic, tsize, "$aws/events/presence/%s/dev-%03d",
	         connect ? "connected" : "disconnected", k);
	snprintf(payload, psize,
	         "{\"clientId\":\"dev-%03d\",\"timestamp\":%lld,\"eventType\":\"%s\","
	         "\"sessionIdentifier\":\"%08d-0000-0000-0000-%012d\",\"principalIdentifier\":\"p\","
	         "\"ipAddress\":\"10.0.%d.%d\",\"versionNumber\":%d%s}",
	         k, (long long)ts, connect ? "connected" : "disconnected", k, t->session[k],
	         k / 256, k % 256, t->session[k],
	         connect ? "" : ",\"disconnectReason\":\"CONNECTION_LOST\"");
	snprintf(t->last_topic, sizeof t->last_topic, "%s", topic);
	snprintf(t->last_payload, sizeof t->last_payload, "%s", payload);
}

static int64_t received_at(int i)
{
	return BASE_MS + (int64_t)i * 1000;
}

/* Ingests events from+1 .. to; `copies` (may be NULL) gets a copy of the
 * live fleet after each event whose number is listed in `at`. */
static void feed(struct ingest *in, struct traffic *t, int from, int to, const int *at,
                 struct fleet **copies, size_t n_at)
{
	char topic[128], payload[512];
	for (int i = from + 1; i <= to; i++) {
		traffic_next(t, i, topic, sizeof topic, payload, sizeof payload);
		ingest_message(in, topic, payload, strlen(payload), received_at(i));
		for (size_t k = 0; k < n_at; k++) {
			if (at[k] == i) {
				size_t len;
				void *data = fleet_save(in->fleet, &len);
				copies[k] = fleet_load(data, len, &config, NULL);
				free(data);
			}
		}
	}
}


static struct journal_info info_of(struct journal *j)
{
	struct journal_info info;
	CHECK(journal_get_info(j, &info, NULL));
	return info;
}

static bool prune(struct journal *j, uint64_t *pruned)
{
	char *cause = NULL;
	bool ok = journal_prune(j, pruned, &cause);
	if (!ok)
		fprintf(stderr, "journal_prune: %s\n", cause);
	free(cause);
	return ok;
}

/* ---- Periodic snapshots and time travel ---- */

#define AT_POINTS 6

/* The connection's page cache size (PRAGMA cache_size). */
static int64_t cache_size_of(struct journal *j)
{
	sqlite3_stmt *s = NULL;
	int64_t size = 0;
	if (sqlite3_prepare_v2(j->db, "PRAGMA cache_size", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		size = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return size;
}

static void test_snapshots_and_at(void)
{
	char *path = new_path("at.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	struct traffic t;
	traffic_init(&t, 40);
	ingest_init(&in, j, live);
	in.snapshot_every = 100;
	/* A retention limit (one that prunes nothing here) keeps a snapshot
	 * every quarter of the span, so --at has some to start from; without
	 * one the empty fleet before row 1 serves (test_thinning_no_limit). */
	journal_set_retention(j, 365LL * 24 * 3600 * 1000, 0);
	/* Points between snapshots, on them, and at the ends. */
	const int at[AT_POINTS] = { 1, 57, 700, 1555, 2400, 3000 };
	struct fleet *copies[AT_POINTS] = { 0 };
	feed(&in, &t, 0, 3000, at, copies, AT_POINTS);
	CHECK(ingest_checkpoint(&in, NULL));
	CHECK(prune(j, NULL));

	/* Every 100 events one was stored; thinning keeps the newest and
	 * about one per quarter of the span: at most 10. */
	struct journal_info info = info_of(j);
	CHECK(info.snapshots >= 5);
	CHECK(info.snapshots <= 10);
	CHECK_INT(info.newest_snapshot_seq, 3000);
	CHECK_INT(info.last_seq, 3000);
	uint64_t seq;
	void *data;
	size_t len;
	CHECK(journal_load_snapshot(j, 0, &seq, &data, &len, NULL));
	CHECK_INT(seq, 3000);
	free(data);
	/* Early on the empty fleet before row 1 is the base (within a
	 * quarter of the span), later a kept snapshot. */
	CHECK(journal_load_snapshot(j, 199, &seq, &data, &len, NULL));
	CHECK(seq == 0 && data == NULL);
	free(data);
	CHECK(journal_load_snapshot(j, 1555, &seq, &data, &len, NULL));
	CHECK(seq >= 1555 - 750 && seq <= 1555 && seq % 100 == 0);
	free(data);

	/* Snapshots are read past the journal's page cache, which is then as
	 * it was. */
	int64_t cache = cache_size_of(j);
	CHECK_INT(cache, -atoll(READER_CACHE_KIB));

	/* Event i was received at BASE + i s: half a second later is still i. */
	CHECK_INT(journal_seq_at(j, received_at(1) - 1), 0);
	struct fleet *before = rebuild_fleet_at(j, &config, received_at(1) - 1, NULL);
	CHECK(before && fleet_last_seq(before) == 0 && fleet_count(before) == 0);
	fleet_destroy(before);
	for (int k = 0; k < AT_POINTS; k++) {
		uint64_t s = journal_seq_at(j, received_at(at[k]) + 500);
		CHECK_INT(s, at[k]);
		CHECK_INT(journal_seq_at(j, received_at(at[k])), at[k]);
		struct fleet *fast = rebuild_fleet(j, &config, s, NULL);
		struct fleet *slow = rebuild_fleet_replay(j, &config, s, NULL);
		/* In one pass, stopping at the first row received later. */
		struct fleet *by_time = rebuild_fleet_at(j, &config, received_at(at[k]) + 500, NULL);
		CHECK(fast && slow && by_time && copies[k]);
		if (fast && slow && by_time && copies[k]) {
			CHECK_INT(fleet_last_seq(fast), at[k]);
			CHECK_INT(fleet_last_seq(by_time), at[k]);
			CHECK(same_fleet(fast, slow));
			CHECK(same_fleet(fast, copies[k]));
			CHECK(same_fleet(by_time, copies[k]));
		}
		fleet_destroy(by_time);
		fleet_destroy(fast);
		fleet_destroy(slow);
		fleet_destroy(copies[k]);
	}
	CHECK_INT(journal_seq_at(j, received_at(9999)), 3000);
	struct fleet *now = rebuild_fleet(j, &config, 0, NULL);
	CHECK(now && same_fleet(now, live));
	fleet_destroy(now);
	CHECK_INT(cache_size_of(j), cache);

	traffic_finish(&t);
	journal_close(j);
	fleet_destroy(live);
	free(path);
}

/* Without a retention limit, a journal whose every --at replays fewer
 * rows than the budget allows (journal_prune.c) keeps only its newest
 * snapshot: the empty fleet before row 1 is the base of the rest. And a
 * run's end adds no snapshot right after a periodic one, only after
 * enough rows (a quarter of the things) since. */
static void test_thinning_no_limit(void)
{
	char *path = new_path("nolimit.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	struct traffic t;
	traffic_init(&t, 40);
	ingest_init(&in, j, live);
	in.snapshot_every = 100;
	const int at[] = { 1555 };
	struct fleet *copy = NULL;
	feed(&in, &t, 0, 3000, at, &copy, 1);
	CHECK(ingest_checkpoint(&in, NULL));
	CHECK_INT(in.snapshots_saved, 30);
	CHECK(prune(j, NULL));
	struct journal_info info = info_of(j);
	CHECK_INT(info.snapshots, 1);
	CHECK_INT(info.newest_snapshot_seq, 3000);
	struct fleet *mid = rebuild_fleet_at(j, &config, received_at(1555) + 500, NULL);
	CHECK(mid && copy && fleet_last_seq(mid) == 1555 && same_fleet(mid, copy));
	fleet_destroy(mid);
	fleet_destroy(copy);

	/* 20 rows later, more than a quarter of the 40 things: a snapshot. */
	CHECK(fleet_count(live) == 40);
	feed(&in, &t, 3000, 3020, NULL, NULL, 0);
	CHECK(ingest_checkpoint(&in, NULL));
	CHECK_INT(in.snapshots_saved, 31);
	CHECK(prune(j, NULL));
	CHECK_INT(info_of(j).newest_snapshot_seq, 3020);
	struct fleet *now = rebuild_fleet(j, &config, 0, NULL);
	CHECK(now && same_fleet(now, live));
	fleet_destroy(now);
	traffic_finish(&t);
	journal_close(j);
	fleet_destroy(live);
	free(path);
}

/* A snapshot whose load alone fills an --at's time budget (journal_prune.c:
 * 2.7 s at 12 ns a byte) leaves no time to replay rows after it, so
 * thinning keeps its neighbours: all 30 snapshots, where the same journal
 * with small ones keeps at most 10. */
static void test_costly_snapshots_stay(void)
{
	char *path = new_path("costly.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	struct traffic t;
	traffic_init(&t, 40);
	ingest_init(&in, j, live);
	in.snapshot_every = 100;
	feed(&in, &t, 0, 3000, NULL, NULL, 0);
	CHECK(ingest_checkpoint(&in, NULL));
	/* Thinning done (it also runs while the rows go in), then one every
	 * 100 rows, each said to be 240 MB undeflated: thinning reads only
	 * their seq and size, so stand-ins with the size do. */
	CHECK(prune(j, NULL));
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	/* Rows before the first went (as pruning leaves them), so the oldest
	 * snapshot is the base, not the empty fleet before row 1. */
	CHECK(sqlite3_exec(db,
	                   "WITH RECURSIVE n(s) AS (SELECT 100 UNION ALL SELECT s + 100 FROM n"
	                   " WHERE s < 2900) INSERT OR IGNORE INTO snapshots"
	                   " SELECT s, 0, 0, x'00', 1 FROM n;"
	                   "UPDATE snapshots SET raw_len = 240000000;"
	                   "DELETE FROM events WHERE seq < 100",
	                   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(prune(j, NULL));
	CHECK_INT(info_of(j).snapshots, 30);

	/* Loaded fast, they thin out as before. */
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	CHECK(sqlite3_exec(db, "UPDATE snapshots SET raw_len = 1000", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(prune(j, NULL));
	CHECK(info_of(j).snapshots <= 10);
	traffic_finish(&t);
	journal_close(j);
	fleet_destroy(live);
	free(path);
}

static uint64_t append_at(struct journal *j, int64_t received)
{
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = EVENT_REJECT;
	snprintf(ev.detail, sizeof ev.detail, "test");
	struct journal_record r = { .received_ms = received, .payload = "x", .payload_len = 1,
	                            .event = &ev };
	return journal_append(j, &r);
}

/* Receive times that go back (an import's receivedAt): "at T" is the
 * longest run from the start received by T, as the fleet's clock says. */
static void test_seq_at_going_back(void)
{
	char *path = new_path("back.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	append_at(j, 100);
	append_at(j, 300);
	append_at(j, 200);
	append_at(j, 400);
	CHECK(journal_flush(j, NULL));
	CHECK_INT(journal_seq_at(j, 50), 0);
	CHECK_INT(journal_seq_at(j, 100), 1);
	CHECK_INT(journal_seq_at(j, 250), 1);    /* row 2 came at 300 */
	CHECK_INT(journal_seq_at(j, 300), 3);
	CHECK_INT(journal_seq_at(j, 399), 3);
	CHECK_INT(journal_seq_at(j, 400), 4);
	/* A snapshot's time is its clock: the scan starts after it. */
	CHECK(journal_save_snapshot(j, 3, 300, "s", 1, NULL));
	CHECK(journal_flush(j, NULL));
	CHECK_INT(journal_seq_at(j, 350), 3);
	CHECK_INT(journal_seq_at(j, 250), 1);
	journal_close(j);
	free(path);
}

/* ---- Retention ---- */

static int64_t file_bytes(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* The same traffic into two journals, one pruned to max_bytes as it
 * goes: the pruned one stays near its limit, its fleet equals the other. */
static void test_max_size(void)
{
	char *kept_path = new_path("kept.db"), *pruned_path = new_path("pruned.db");
	struct journal *kept = open_rw(kept_path), *small = open_rw(pruned_path);
	CHECK(kept && small);
	if (!kept || !small)
		return;
	/* Compact rows (schema 3): 64000 events are a few MiB. */
	const int64_t limit = 1 << 20;
	journal_set_retention(small, 0, limit);
	struct fleet *f1 = fleet_create(&config), *f2 = fleet_create(&config);
	struct ingest a, b;
	struct traffic t1, t2;
	traffic_init(&t1, 50);
	traffic_init(&t2, 50);
	ingest_init(&a, kept, f1);
	ingest_init(&b, small, f2);
	a.snapshot_every = b.snapshot_every = 1000;
	a.snapshot_interval_ms = b.snapshot_interval_ms = 0;
	for (int round = 0; round < 8; round++) {
		feed(&a, &t1, round * 8000, (round + 1) * 8000, NULL, NULL, 0);
		feed(&b, &t2, round * 8000, (round + 1) * 8000, NULL, NULL, 0);
		CHECK(journal_flush(small, NULL));
	}
	CHECK(ingest_checkpoint(&a, NULL));
	CHECK(ingest_checkpoint(&b, NULL));
	uint64_t n = 0;
	CHECK(prune(small, &n));

	struct journal_info ik = info_of(kept), is = info_of(small);
	CHECK_INT(ik.first_seq, 1);
	CHECK_INT(ik.last_seq, 64000);
	CHECK_INT(is.last_seq, 64000);
	CHECK(is.first_seq > 1);
	/* Pruned only up to snapshots, which come every 1000 events. */
	CHECK_INT(is.first_seq % 1000, 0);
	CHECK(is.used_bytes <= limit);
	CHECK(is.used_bytes > limit / 2);
	CHECK(ik.file_bytes > 3 * limit);
	CHECK_INT(is.things, 50);
	struct fleet *r1 = rebuild_fleet(kept, &config, 0, NULL);
	struct fleet *r2 = rebuild_fleet(small, &config, 0, NULL);
	CHECK(r1 && r2 && same_fleet(r1, r2) && same_fleet(r2, f2));
	fleet_destroy(r1);
	fleet_destroy(r2);
	/* --at a time whose rows are gone: an error, not a wrong table. */
	char *cause = NULL;
	struct fleet *gone = rebuild_fleet(small, &config, is.first_seq - 10, &cause);
	CHECK(gone == NULL);
	CHECK(cause && strstr(cause, "pruned"));
	free(cause);

	journal_close(kept);
	journal_close(small);
	/* The file itself: at most the limit plus what one batch and one
	 * snapshot interval add before pruning catches up. */
	CHECK(file_bytes(pruned_path) <= 2 * limit);
	traffic_finish(&t1);
	traffic_finish(&t2);
	fleet_destroy(f1);
	fleet_destroy(f2);
	free(kept_path);
	free(pruned_path);
}

static void test_retain_time(void)
{
	char *path = new_path("retain.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	struct traffic t;
	traffic_init(&t, 30);
	ingest_init(&in, j, live);
	in.snapshot_every = 100;
	/* Keep 600 s of the 3000 s span, set before the rows come (as the
	 * config file sets it): the snapshots are thinned for it as they come. */
	journal_set_retention(j, 600 * 1000, 0);
	feed(&in, &t, 0, 3000, NULL, NULL, 0);
	CHECK(ingest_checkpoint(&in, NULL));
	CHECK(prune(j, NULL));
	struct journal_info info = info_of(j);
	CHECK(info.first_seq > 1);
	/* Nothing younger than 600 s before the newest row went... */
	CHECK(info.first_received_ms <= received_at(3000) - 600 * 1000);
	/* ... and the cut is a snapshot. */
	uint64_t seq;
	void *data;
	size_t len;
	CHECK(journal_load_snapshot(j, info.first_seq, &seq, &data, &len, NULL));
	CHECK_INT(seq, info.first_seq);
	free(data);
	CHECK_INT(info.events + info.rejects + info.ignored, 3000 - info.first_seq + 1);
	struct fleet *after = rebuild_fleet(j, &config, 0, NULL);
	CHECK(after && same_fleet(live, after));
	fleet_destroy(after);
	traffic_finish(&t);
	journal_close(j);
	fleet_destroy(live);
	free(path);
}

static int count_rows(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int n = -1;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

/* The tightest limits still stop at the newest snapshot; without one,
 * nothing goes. */
static void test_never_past_snapshot(void)
{
	char *path = new_path("guard.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	struct traffic t;
	traffic_init(&t, 20);
	ingest_init(&in, j, live);
	feed(&in, &t, 0, 300, NULL, NULL, 0);
	journal_set_retention(j, 1, 1);
	CHECK(prune(j, NULL));
	CHECK_INT(journal_first_seq(j), 1);          /* no snapshot yet */
	CHECK(ingest_checkpoint(&in, NULL));          /* snapshot at 300 */
	feed(&in, &t, 300, 1000, NULL, NULL, 0);
	CHECK(journal_flush(j, NULL));
	/* Pruning may run as soon as the snapshot commits. */
	CHECK(prune(j, NULL));
	CHECK_INT(journal_first_seq(j), 300);
	CHECK_INT(journal_last_seq(j), 1000);
	struct journal_info info = info_of(j);
	CHECK_INT(info.events + info.rejects + info.ignored, 701);
	CHECK_INT(info.snapshots, 1);
	struct fleet *after = rebuild_fleet(j, &config, 0, NULL);
	CHECK(after && same_fleet(after, live));
	fleet_destroy(after);
	traffic_finish(&t);
	journal_close(j);
	fleet_destroy(live);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM events WHERE seq >= 300"), 701);
	free(path);
}

/* A run that stopped half way through a prefix: the next one finishes it
 * up to the snapshot, so a rebuild works again. */
static void test_interrupted_prune(void)
{
	char *path = new_path("half.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	struct traffic t;
	traffic_init(&t, 20);
	ingest_init(&in, j, live);
	feed(&in, &t, 0, 100, NULL, NULL, 0);
	CHECK(ingest_checkpoint(&in, NULL));
	feed(&in, &t, 100, 200, NULL, NULL, 0);
	CHECK(ingest_checkpoint(&in, NULL));
	feed(&in, &t, 200, 300, NULL, NULL, 0);
	CHECK(journal_flush(j, NULL));
	struct fleet *before = rebuild_fleet(j, &config, 0, NULL);
	journal_close(j);
	exec_sql(path, "DELETE FROM events WHERE seq < 150");

	j = open_rw(path);
	CHECK(j != NULL);
	if (j) {
		CHECK(prune(j, NULL));
		CHECK_INT(journal_first_seq(j), 200);
		struct journal_info info = info_of(j);
		CHECK_INT(info.snapshots, 1);
		CHECK_INT(info.newest_snapshot_seq, 200);
		struct fleet *after = rebuild_fleet(j, &config, 0, NULL);
		CHECK(before && after && same_fleet(before, after));
		fleet_destroy(after);
		journal_close(j);
	}
	fleet_destroy(before);
	traffic_finish(&t);
	fleet_destroy(live);
	free(path);
}

/* A row received "55,000 years ahead" (a microsecond timestamp taken for
 * milliseconds) must not age the rest out: retention counts back from the
 * wall clock, whatever the rows say. */
static void test_retain_future_row(void)
{
	char *path = new_path("future.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	struct traffic t;
	char topic[128], payload[512];
	traffic_init(&t, 30);
	ingest_init(&in, j, live);
	in.snapshot_every = 100;
	/* A limit from the start (as the config file sets it): snapshots are
	 * then kept a quarter of the span apart, to prune up to. */
	journal_set_retention(j, INT64_C(90) * 24 * 3600 * 1000, 0);
	int64_t base = time_now_ms() - 3000 * 1000;
	for (int i = 1; i <= 3000; i++) {
		traffic_next(&t, i, topic, sizeof topic, payload, sizeof payload);
		ingest_message(&in, topic, payload, strlen(payload), base + (int64_t)i * 1000);
	}
	int64_t future = INT64_C(1767225600000) * 1000;
	snprintf(payload, sizeof payload,
	         "{\"clientId\":\"odd\",\"timestamp\":%lld,\"eventType\":\"connected\"}",
	         (long long)future);
	ingest_message(&in, "$aws/events/presence/connected/odd", payload, strlen(payload), future);
	CHECK(ingest_checkpoint(&in, NULL));
	CHECK(journal_flush(j, NULL));
	int all = count_rows(path, "SELECT count(*) FROM events");
	CHECK_INT(all, 3001);

	/* Everything is younger than 90 days by the wall clock: all stays. */
	journal_set_retention(j, INT64_C(90) * 24 * 3600 * 1000, 0);
	CHECK(prune(j, NULL));
	CHECK_INT(count_rows(path, "SELECT count(*) FROM events"), all);

	/* Keep 600 s: older rows may go, none of the last 600 s does. */
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE received_ms >= %lld",
	         (long long)(time_now_ms() - 600 * 1000));
	int young = count_rows(path, sql);
	CHECK(young >= 600);
	journal_set_retention(j, 600 * 1000, 0);
	CHECK(prune(j, NULL));
	CHECK_INT(count_rows(path, sql), young);
	CHECK(count_rows(path, "SELECT count(*) FROM events") < all);
	traffic_finish(&t);
	journal_close(j);
	fleet_destroy(live);
	free(path);
}

/* Thinning by the --at budget on a journal of 10M rows with a 1M-thing
 * snapshot every million (as bench_journal.sh's import writes them),
 * worked out from journal_prune.c's model: the empty fleet before row 1
 * is a base for 2.7 s * 1500 rows/ms = 4.05M rows, so 4M stays (5M is
 * past it); a 90 MB snapshot loads in 90M * 12 ns = 1.08 s while 90M /
 * 120 = 750k rows are read, leaving 1.62 s * 1500 rows/ms: 3.18M rows,
 * so 7M stays (8M is past it); the newest always does. Thinning reads
 * only the seqs and sizes, so two real rows (renumbered 1 and 10M) and
 * stand-in snapshots do. */
static void test_thinning_by_budget(void)
{
	char *path = new_path("budget.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	struct traffic t;
	traffic_init(&t, 2);
	ingest_init(&in, j, live);
	feed(&in, &t, 0, 2, NULL, NULL, 0);
	CHECK(ingest_checkpoint(&in, NULL));
	exec_sql(path, "UPDATE events SET seq = 10000000 WHERE seq = 2;"
	               "DELETE FROM snapshots;"
	               "WITH RECURSIVE n(s) AS (SELECT 1000000 UNION ALL SELECT s + 1000000 FROM n"
	               " WHERE s < 10000000) INSERT INTO snapshots SELECT s, 0, 0, x'00', 90000000"
	               " FROM n;");
	CHECK_INT(count_rows(path, "SELECT count(*) FROM snapshots"), 10);
	CHECK(prune(j, NULL));
	CHECK_INT(count_rows(path, "SELECT count(*) FROM snapshots"), 3);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM snapshots WHERE seq IN"
	                           " (4000000, 7000000, 10000000)"),
	          3);

	/* 180 MB, loaded in 2.16 s while 1.5M rows are read, leaving 0.54 s:
	 * 2.31M rows, so 6M and 8M stay. */
	exec_sql(path, "DELETE FROM snapshots;"
	               "WITH RECURSIVE n(s) AS (SELECT 1000000 UNION ALL SELECT s + 1000000 FROM n"
	               " WHERE s < 10000000) INSERT INTO snapshots SELECT s, 0, 0, x'00', 180000000"
	               " FROM n;");
	CHECK(prune(j, NULL));
	CHECK_INT(count_rows(path, "SELECT count(*) FROM snapshots WHERE seq IN"
	                           " (4000000, 6000000, 8000000, 10000000)"),
	          4);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM snapshots"), 4);
	traffic_finish(&t);
	journal_close(j);
	fleet_destroy(live);
	free(path);
}

/* ---- Reading rows while the snapshot loads (journal_ahead_start) ---- */

/* An --at whose replay is long (20000 rows and more) reads the rows on a
 * connection of its own while the snapshot loads, and stops reading at
 * the first row received after the time asked: the fleet is the live one
 * at that time, and at the end. */
static void test_at_reads_while_loading(void)
{
	enum { SNAPSHOT_AT = 4000, MIDDLE = 27000, LAST = 30000 };
	char *path = new_path("overlap.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	struct traffic t;
	traffic_init(&t, 300);
	ingest_init(&in, j, live);
	const int at[] = { MIDDLE };
	struct fleet *copy = NULL;
	feed(&in, &t, 0, SNAPSHOT_AT, NULL, NULL, 0);
	CHECK(ingest_checkpoint(&in, NULL));
	feed(&in, &t, SNAPSHOT_AT, LAST, at, &copy, 1);
	CHECK(journal_flush(j, NULL));
	/* The only snapshot: the base of both rebuilds below, and far enough
	 * back for the rows to be read ahead. */
	struct journal_info info = info_of(j);
	CHECK_INT(info.snapshots, 1);
	CHECK_INT(info.newest_snapshot_seq, SNAPSHOT_AT);
	CHECK(MIDDLE - SNAPSHOT_AT >= 20000);

	struct fleet *mid = rebuild_fleet_at(j, &config, received_at(MIDDLE) + 500, NULL);
	CHECK(mid && copy);
	if (mid && copy) {
		CHECK_INT(fleet_last_seq(mid), MIDDLE);
		CHECK(same_fleet(mid, copy));
	}
	struct fleet *now = rebuild_fleet(j, &config, 0, NULL);
	CHECK(now && fleet_last_seq(now) == LAST && same_fleet(now, live));
	fleet_destroy(now);
	fleet_destroy(mid);
	fleet_destroy(copy);
	traffic_finish(&t);
	journal_close(j);
	fleet_destroy(live);
	free(path);
}

struct ahead_count {
	uint64_t rows, last_seq;
	bool in_order;
};

static bool count_batch(void *ctx, const struct journal_row *rows, size_t count)
{
	struct ahead_count *c = ctx;
	for (size_t i = 0; i < count; i++) {
		if (rows[i].seq != c->last_seq + 1 || rows[i].session_id == NULL || rows[i].ip == NULL)
			c->in_order = false;
		c->last_seq = rows[i].seq;
		c->rows++;
	}
	return true;
}

/* The reader's own connection sees the journal as of its start: when
 * retention pruned past where the caller means to start, it says so
 * rather than hand over rows with a hole before them. From where the
 * rows begin it hands over every one, in order, whatever its budget; and
 * one dropped before it is done stops its thread. */
static void test_read_ahead_after_prune(void)
{
	char *path = new_path("ahead-pruned.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	struct traffic t;
	traffic_init(&t, 30);
	ingest_init(&in, j, live);
	in.snapshot_every = 1000;
	journal_set_retention(j, 6000 * 1000, 0);
	feed(&in, &t, 0, 30000, NULL, NULL, 0);
	CHECK(ingest_checkpoint(&in, NULL));
	CHECK(prune(j, NULL));
	uint64_t first = journal_first_seq(j), last = journal_last_seq(j);
	CHECK(first > 1);

	char *cause = NULL;
	struct ahead_count c = { .in_order = true };
	struct journal_ahead *a = journal_ahead_start(j, 0, last, INT64_MAX, 0);
	CHECK(a != NULL);
	CHECK(!journal_ahead_finish(a, count_batch, &c, &cause));
	CHECK(cause && strstr(cause, "pruned by retention"));
	CHECK_INT(c.rows, 0);
	free(cause);
	cause = NULL;

	c = (struct ahead_count){ .last_seq = first - 1, .in_order = true };
	a = journal_ahead_start(j, first - 1, last, INT64_MAX, 0);
	CHECK(a != NULL);
	CHECK(journal_ahead_finish(a, count_batch, &c, &cause));
	CHECK_INT(c.rows, last - first + 1);
	CHECK_INT(c.last_seq, last);
	CHECK(c.in_order);

	a = journal_ahead_start(j, first - 1, last, INT64_MAX, 0);
	CHECK(a != NULL);
	CHECK(journal_ahead_finish(a, NULL, NULL, NULL));
	free(cause);
	traffic_finish(&t);
	journal_close(j);
	fleet_destroy(live);
	free(path);
}

int main(void)
{
	if (temp_dir_create("retention") != 0)
		return 1;
	fleet_config_defaults(&config);
	RUN(test_snapshots_and_at);
	RUN(test_costly_snapshots_stay);
	RUN(test_thinning_no_limit);
	RUN(test_thinning_by_budget);
	RUN(test_seq_at_going_back);
	RUN(test_max_size);
	RUN(test_retain_time);
	RUN(test_never_past_snapshot);
	RUN(test_interrupted_prune);
	RUN(test_retain_future_row);
	RUN(test_at_reads_while_loading);
	RUN(test_read_ahead_after_prune);
	temp_dir_remove();
	return check_summary();
}
