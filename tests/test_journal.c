/* The SQLite journal and the rebuild from it, on real files in a
 * temporary folder. */
#include "build_config.h"

#include "check.h"
#include "temp_dir.h"
#include "fleet.h"
#include "journal.h"
#include "rebuild.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>


static struct event make_event(enum event_type type, const char *client, int64_t ts,
                               const char *session, int64_t version)
{
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	snprintf(ev.client_id, sizeof ev.client_id, "%s", client);
	ev.timestamp_ms = ts;
	snprintf(ev.session_id, sizeof ev.session_id, "%s", session);
	ev.has_version = version >= 0;
	ev.version = version >= 0 ? version : 0;
	return ev;
}

static struct event make_reject(const char *detail)
{
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = EVENT_REJECT;
	ev.reject = REJECT_MISSING_FIELD;
	snprintf(ev.detail, sizeof ev.detail, "%s", detail);
	return ev;
}

static uint64_t append(struct journal *j, int64_t received, const struct event *ev,
                       uint32_t thing_id, bool new_thing)
{
	char payload[256];
	int len = snprintf(payload, sizeof payload, "{\"clientId\":\"%s\"}", ev->client_id);
	struct journal_record r = {
		.received_ms = received,
		.topic = "$aws/events/presence/x",
		.topic_len = strlen("$aws/events/presence/x"),
		.payload = payload,
		.payload_len = (size_t)len,
		.event = ev,
		.thing_id = thing_id,
		.new_thing = new_thing,
	};
	return journal_append(j, &r);
}

/* Copies of scanned rows. */
struct row_copy {
	struct journal_row row;
	char client[160], session[160], reason[256], ip[80];
	char topic[256], payload[512];
};

struct rows {
	struct row_copy r[64];
	size_t count;
};

static bool collect(void *ctx, const struct journal_row *row)
{
	struct rows *rows = ctx;
	if (rows->count == 64)
		return false;
	struct row_copy *c = &rows->r[rows->count++];
	c->row = *row;
	snprintf(c->client, sizeof c->client, "%s", row->client_id);
	snprintf(c->session, sizeof c->session, "%s", row->session_id);
	snprintf(c->reason, sizeof c->reason, "%s", row->reason);
	snprintf(c->ip, sizeof c->ip, "%s", row->ip);
	if (row->topic_len < sizeof c->topic)
		memcpy(c->topic, row->topic, row->topic_len + 1);
	if (row->payload_len < sizeof c->payload)
		memcpy(c->payload, row->payload, row->payload_len + 1);
	return true;
}

static bool flush(struct journal *j)
{
	char *cause = NULL;
	bool ok = journal_flush(j, &cause);
	if (!ok)
		fprintf(stderr, "journal_flush: %s\n", cause);
	free(cause);
	return ok;
}

/* ---- Writing and reading back ---- */

/* Topics: the canonical one is stored empty and comes back whole; any
 * other topic (or none) comes back exactly as received. */
static void test_topics_round_trip(void)
{
	char *path = new_path("topics.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	static const char canonical[] = "$aws/events/subscriptions/subscribed/a/b";
	static const char other[] = "$aws/events/presence/connected/not-a/b";
	struct event sub = make_event(EVENT_SUBSCRIBED, "a/b", 1000, "s", -1);
	struct event con = make_event(EVENT_CONNECTED, "a/b", 2000, "s", 1);
	struct event dis = make_event(EVENT_DISCONNECTED, "a/b", 3000, "s", 1);
	struct journal_record r1 = { .received_ms = 1, .topic = canonical, .topic_len = sizeof canonical - 1,
	                             .payload = "{}", .payload_len = 2, .event = &sub, .thing_id = 1, .new_thing = true };
	struct journal_record r2 = { .received_ms = 2, .topic = other, .topic_len = sizeof other - 1,
	                             .payload = "{}", .payload_len = 2, .event = &con, .thing_id = 1 };
	struct journal_record r3 = { .received_ms = 3, .payload = "{}", .payload_len = 2, .event = &dis,
	                             .thing_id = 1 };
	CHECK_INT(journal_append(j, &r1), 1);
	CHECK_INT(journal_append(j, &r2), 2);
	CHECK_INT(journal_append(j, &r3), 3);
	CHECK(flush(j));
	struct rows rows = { .count = 0 };
	char *cause = NULL;
	CHECK(journal_thing_events(j, 1, 0, collect, &rows, &cause));
	CHECK_INT(rows.count, 3);
	if (rows.count == 3) {
		/* newest first */
		CHECK_INT(rows.r[0].row.topic_len, 0);
		CHECK_STR(rows.r[1].topic, other);
		CHECK_STR(rows.r[2].topic, canonical);
	}
	rows.count = 0;
	CHECK(journal_scan(j, 0, 0, true, collect, &rows, &cause));
	CHECK(rows.count == 3 && strcmp(rows.r[0].topic, canonical) == 0);
	journal_close(j);
	free(path);
}

static void test_round_trip(void)
{
	char *path = new_path("deeper/still/journal.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	/* The missing folders were made, private to the user. */
	char *dir = strdup(path);
	*strrchr(dir, '/') = '\0';
	struct stat st;
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	free(dir);
	CHECK_INT(journal_next_seq(j), 1);

	/* Invalid UTF-8 and a NUL inside the payload; a topic with slashes. */
	static const char payload[] = "{\"clientId\":\"\xff\xfe\"}\0after-nul";
	static const char topic[] = "$aws/events/presence/connected/dev/1";
	struct event ev = make_event(EVENT_CONNECTED, "dev/1", 1700000000123, "sess-1", 42);
	snprintf(ev.ip, sizeof ev.ip, "192.0.2.7");
	struct journal_record r = {
		.received_ms = 1700000000500,
		.topic = topic, .topic_len = sizeof topic - 1,
		.payload = payload, .payload_len = sizeof payload - 1,
		.event = &ev, .thing_id = 1, .new_thing = true,
	};
	CHECK_INT(journal_append(j, &r), 1);

	struct event rej = make_reject("missing field \"timestamp\"");
	struct journal_record rr = {
		.received_ms = 1700000000600, .payload = "{}", .payload_len = 2, .event = &rej,
	};
	CHECK_INT(journal_append(j, &rr), 2);

	struct event dis = make_event(EVENT_DISCONNECTED, "dev/1", 1700000000900, "sess-1", -1);
	snprintf(dis.reason, sizeof dis.reason, "CONNECTION_LOST");
	CHECK_INT(append(j, 1700000001000, &dis, 1, false), 3);
	CHECK(flush(j));

	struct rows rows = { .count = 0 };
	char *cause = NULL;
	CHECK(journal_scan(j, 0, 0, true, collect, &rows, &cause));
	CHECK_INT(rows.count, 3);
	struct journal_row *a = &rows.r[0].row;
	CHECK_INT(a->seq, 1);
	CHECK_INT(a->received_ms, 1700000000500);
	CHECK_INT(a->type, EVENT_CONNECTED);
	CHECK_INT(a->thing_id, 1);
	CHECK_INT(a->timestamp_ms, 1700000000123);
	CHECK(a->has_version);
	CHECK_INT(a->version, 42);
	CHECK_STR(rows.r[0].session, "sess-1");
	CHECK_STR(rows.r[0].ip, "192.0.2.7");
	CHECK_STR(rows.r[0].reason, "");
	CHECK_STR(rows.r[0].client, "dev/1");
	CHECK_INT(a->topic_len, sizeof topic - 1);
	CHECK(memcmp(rows.r[0].topic, topic, sizeof topic) == 0);
	CHECK_INT(a->payload_len, sizeof payload - 1);
	CHECK(memcmp(rows.r[0].payload, payload, sizeof payload) == 0);

	struct journal_row *b = &rows.r[1].row;
	CHECK_INT(b->seq, 2);
	CHECK_INT(b->type, EVENT_REJECT);
	CHECK_INT(b->thing_id, 0);
	CHECK_INT(b->timestamp_ms, 0);
	CHECK(!b->has_version);
	CHECK_STR(rows.r[1].reason, "missing field \"timestamp\"");
	CHECK_INT(b->topic_len, 0);
	CHECK_STR(rows.r[1].payload, "{}");

	struct journal_row *c = &rows.r[2].row;
	CHECK_INT(c->seq, 3);
	CHECK_INT(c->type, EVENT_DISCONNECTED);
	CHECK(!c->has_version);
	CHECK_STR(rows.r[2].reason, "CONNECTION_LOST");

	/* Without raw: no topic, no payload. */
	rows.count = 0;
	CHECK(journal_scan(j, 1, 2, false, collect, &rows, &cause));
	CHECK_INT(rows.count, 1);
	CHECK_INT(rows.r[0].row.seq, 2);
	CHECK_INT(rows.r[0].row.payload_len, 0);
	journal_close(j);

	/* In the file: blobs, NULLs for what is absent. */
	sqlite3 *db;
	CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	sqlite3_stmt *s;
	CHECK(sqlite3_prepare_v2(db, "SELECT typeof(payload), typeof(topic), typeof(thing_id),"
	                         " typeof(ts_ms), typeof(version) FROM events WHERE seq = 2",
	                         -1, &s, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(s) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(s, 0), "blob");
	CHECK_STR((const char *)sqlite3_column_text(s, 1), "null");
	CHECK_STR((const char *)sqlite3_column_text(s, 2), "null");
	CHECK_STR((const char *)sqlite3_column_text(s, 3), "null");
	CHECK_STR((const char *)sqlite3_column_text(s, 4), "null");
	sqlite3_finalize(s);
	CHECK(sqlite3_prepare_v2(db, "SELECT id, client_id FROM things", -1, &s, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(s) == SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(s, 0), 1);
	CHECK_STR((const char *)sqlite3_column_text(s, 1), "dev/1");
	CHECK(sqlite3_step(s) == SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);

	/* Reopened, it goes on after the last seq. */
	j = open_rw(path);
	CHECK(j != NULL);
	if (j) {
		CHECK_INT(journal_next_seq(j), 4);
		CHECK_INT(journal_last_seq(j), 3);
		journal_close(j);
	}
	free(path);
}

struct seq_check {
	uint64_t expect;
	bool in_order;
};

static bool check_order(void *ctx, const struct journal_row *row)
{
	struct seq_check *c = ctx;
	if (row->seq != c->expect)
		c->in_order = false;
	c->expect++;
	return true;
}

static void test_many_appends(void)
{
	char *path = new_path("many.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	bool gap_free = true;
	for (uint64_t i = 1; i <= 20000; i++) {
		char client[32];
		snprintf(client, sizeof client, "thing-%llu", (unsigned long long)(i % 100));
		struct event ev = make_event(EVENT_CONNECTED, client, (int64_t)i, "s", -1);
		uint32_t id = (uint32_t)(i % 100) + 1;
		if (append(j, (int64_t)i, &ev, id, i <= 100) != i)
			gap_free = false;
	}
	CHECK(gap_free);
	CHECK_INT(journal_next_seq(j), 20001);
	CHECK(flush(j));
	CHECK_INT(journal_last_seq(j), 20000);
	struct seq_check c = { .expect = 1, .in_order = true };
	CHECK(journal_scan(j, 0, 0, false, check_order, &c, NULL));
	CHECK(c.in_order);
	CHECK_INT(c.expect, 20001);
	/* A scan that stops early is not an error. */
	struct rows rows = { .count = 0 };
	CHECK(journal_scan(j, 100, 0, false, collect, &rows, NULL));
	CHECK_INT(rows.count, 64);
	CHECK_INT(rows.r[0].row.seq, 101);
	journal_close(j);
	free(path);
}

static void test_commit_without_flush(void)
{
	/* A queued record is committed within ~250 ms without a flush. */
	char *path = new_path("timer.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct event ev = make_event(EVENT_CONNECTED, "a", 1, "s", -1);
	CHECK_INT(append(j, 1, &ev, 1, true), 1);
	uint64_t seen = 0;
	for (int i = 0; i < 100 && seen == 0; i++) {
		usleep(10000);
		seen = journal_last_seq(j);
	}
	CHECK_INT(seen, 1);
	journal_close(j);
	free(path);
}

/* Things a (1) and b (2), interleaved: a at seqs 1 3 5 7 8, b at 2 4 6. */
static void fill_two_things(struct journal *j)
{
	static const char *const who = "abababaa";
	for (int i = 0; i < 8; i++) {
		const char *client = who[i] == 'a' ? "a" : "b";
		struct event ev = make_event(i % 2 ? EVENT_DISCONNECTED : EVENT_CONNECTED, client,
		                             1000 + i, "s", i);
		append(j, 5000 + i, &ev, who[i] == 'a' ? 1 : 2, i < 2);
	}
}

static void test_thing_events(void)
{
	char *path = new_path("thing.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	fill_two_things(j);
	CHECK(flush(j));
	struct rows rows = { .count = 0 };
	CHECK(journal_thing_events(j, 1, 3, collect, &rows, NULL));
	CHECK_INT(rows.count, 3);
	CHECK_INT(rows.r[0].row.seq, 8);
	CHECK_INT(rows.r[1].row.seq, 7);
	CHECK_INT(rows.r[2].row.seq, 5);
	CHECK_STR(rows.r[0].client, "a");
	CHECK_STR(rows.r[0].payload, "{\"clientId\":\"a\"}");
	rows.count = 0;
	CHECK(journal_thing_events(j, 2, 0, collect, &rows, NULL));
	CHECK_INT(rows.count, 3);
	CHECK_INT(rows.r[0].row.seq, 6);
	CHECK_INT(rows.r[2].row.seq, 2);
	CHECK_STR(rows.r[2].client, "b");
	rows.count = 0;
	CHECK(journal_thing_events(j, 3, 0, collect, &rows, NULL));
	CHECK_INT(rows.count, 0);

	journal_close(j);
	free(path);
}

/* The thing index is by block of 2^18 seqs: rows spread over four
 * blocks (seqs moved apart in the file) still come newest first, and a
 * limit stops inside a block. */
static void test_thing_events_blocks(void)
{
	char *path = new_path("blocks.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	fill_two_things(j);
	CHECK(flush(j));
	journal_close(j);
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "UPDATE events SET seq = seq * 100000", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	j = journal_open(path, JOURNAL_READ_ONLY, NULL);
	CHECK(j != NULL);
	if (!j)
		return;
	/* a at 1e5 (block 0), 3e5 and 5e5 (block 1), 7e5 (2), 8e5 (3). */
	struct rows rows = { .count = 0 };
	CHECK(journal_thing_events(j, 1, 3, collect, &rows, NULL));
	CHECK_INT(rows.count, 3);
	CHECK_INT(rows.r[0].row.seq, 800000);
	CHECK_INT(rows.r[1].row.seq, 700000);
	CHECK_INT(rows.r[2].row.seq, 500000);
	rows.count = 0;
	CHECK(journal_thing_events(j, 1, 0, collect, &rows, NULL));
	CHECK_INT(rows.count, 5);
	CHECK_INT(rows.r[3].row.seq, 300000);
	CHECK_INT(rows.r[4].row.seq, 100000);
	CHECK_STR(rows.r[4].client, "a");
	rows.count = 0;
	CHECK(journal_thing_events(j, 2, 0, collect, &rows, NULL));
	CHECK_INT(rows.count, 3);
	CHECK_INT(rows.r[0].row.seq, 600000);
	CHECK_INT(rows.r[2].row.seq, 200000);
	journal_close(j);
	free(path);
}

struct thing_list {
	int count;
	uint32_t ids[8];
	char names[8][16];
};

static bool list_thing(void *ctx, uint32_t id, const char *client_id)
{
	struct thing_list *t = ctx;
	if (t->count < 8) {
		t->ids[t->count] = id;
		snprintf(t->names[t->count], sizeof t->names[0], "%s", client_id);
	}
	t->count++;
	return true;
}

static void test_things(void)
{
	char *path = new_path("things.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	const char *names[] = { "zeta", "alpha", "mid/dle" };
	for (int i = 0; i < 3; i++) {
		struct event ev = make_event(EVENT_CONNECTED, names[i], 1, "s", -1);
		append(j, 1, &ev, (uint32_t)i + 1, true);
	}
	CHECK(flush(j));
	struct thing_list t = { 0 };
	CHECK(journal_things(j, list_thing, &t, NULL));
	CHECK_INT(t.count, 3);
	CHECK_INT(t.ids[0], 1);
	CHECK_STR(t.names[0], "zeta");
	CHECK_INT(t.ids[2], 3);
	CHECK_STR(t.names[2], "mid/dle");
	struct thing_list after = { 0 };
	CHECK(journal_things_after(j, 2, list_thing, &after, NULL));
	CHECK_INT(after.count, 1);
	CHECK_INT(after.ids[0], 3);
	journal_close(j);
	free(path);
}

static void test_disconnects(void)
{
	char *path = new_path("disc.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	/* Appended out of timestamp order; a connect at 2000 must not show. */
	struct event d3 = make_event(EVENT_DISCONNECTED, "a", 3000, "s", -1);
	struct event d1 = make_event(EVENT_DISCONNECTED, "a", 1000, "s", -1);
	struct event c2 = make_event(EVENT_CONNECTED, "a", 2000, "s", -1);
	struct event d2 = make_event(EVENT_DISCONNECTED, "a", 2000, "s", -1);
	append(j, 10, &d3, 1, true);     /* seq 1 */
	append(j, 11, &d1, 1, false);    /* seq 2 */
	append(j, 12, &c2, 1, false);    /* seq 3 */
	append(j, 13, &d2, 1, false);    /* seq 4 */
	CHECK(flush(j));
	struct rows rows = { .count = 0 };
	CHECK(journal_disconnects(j, 2000, 3000, collect, &rows, NULL));
	CHECK_INT(rows.count, 1);
	CHECK_INT(rows.r[0].row.seq, 4);
	rows.count = 0;
	CHECK(journal_disconnects(j, 1000, 3001, collect, &rows, NULL));
	CHECK_INT(rows.count, 3);
	CHECK_INT(rows.r[0].row.timestamp_ms, 1000);
	CHECK_INT(rows.r[1].row.timestamp_ms, 2000);
	CHECK_INT(rows.r[2].row.timestamp_ms, 3000);
	rows.count = 0;
	CHECK(journal_disconnects(j, 1001, 2000, collect, &rows, NULL));
	CHECK_INT(rows.count, 0);
	journal_close(j);
	free(path);
}

static void test_seq_at(void)
{
	char *path = new_path("seqat.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	CHECK_INT(journal_seq_at(j, 1000), 0);
	struct event ev = make_event(EVENT_CONNECTED, "a", 1, "s", -1);
	append(j, 100, &ev, 1, true);
	append(j, 200, &ev, 1, false);
	append(j, 300, &ev, 1, false);
	CHECK(flush(j));
	CHECK_INT(journal_seq_at(j, 99), 0);
	CHECK_INT(journal_seq_at(j, 100), 1);
	CHECK_INT(journal_seq_at(j, 250), 2);
	CHECK_INT(journal_seq_at(j, 300), 3);
	CHECK_INT(journal_seq_at(j, 1000000), 3);
	journal_close(j);
	free(path);
}

static void test_snapshots(void)
{
	char *path = new_path("snap.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	uint64_t seq = 99;
	void *data = NULL;
	size_t len = 0;
	CHECK(journal_load_snapshot(j, 0, &seq, &data, &len, NULL));
	CHECK_INT(seq, 0);
	CHECK(data == NULL);

	/* A retention limit (one that prunes nothing) keeps thinning from
	 * dropping the snapshot at 10: the empty fleet before row 1 would
	 * otherwise serve as well. */
	journal_set_retention(j, INT64_C(365) * 24 * 3600 * 1000, 0);
	/* Queued behind the appends: committed together with them. */
	struct event ev = make_event(EVENT_CONNECTED, "a", 1, "s", -1);
	for (int i = 0; i < 20; i++)
		append(j, 100 + i, &ev, 1, i == 0);
	CHECK(journal_save_snapshot(j, 10, 109, "ten", 3, NULL));
	CHECK(journal_save_snapshot(j, 20, 119, "twenty\0x", 8, NULL));
	CHECK(flush(j));

	CHECK(journal_load_snapshot(j, 15, &seq, &data, &len, NULL));
	CHECK_INT(seq, 10);
	CHECK_INT(len, 3);
	CHECK(data && memcmp(data, "ten", 3) == 0);
	free(data);
	CHECK(journal_load_snapshot(j, 0, &seq, &data, &len, NULL));
	CHECK_INT(seq, 20);
	CHECK_INT(len, 8);
	CHECK(data && memcmp(data, "twenty\0x", 8) == 0);
	free(data);
	CHECK(journal_load_snapshot(j, 20, &seq, &data, &len, NULL));
	CHECK_INT(seq, 20);
	free(data);
	CHECK(journal_load_snapshot(j, 9, &seq, &data, &len, NULL));
	CHECK_INT(seq, 0);
	CHECK(data == NULL);
	journal_close(j);
	free(path);
}

/* A zstd frame starts with its magic number, 0xFD2FB528 little-endian. */
static bool is_zstd_frame(const unsigned char *p, size_t len)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	return len >= 4 && memcmp(p, magic, 4) == 0;
}

/* The stored blob of snapshot `seq` (a copy) and its raw_len. */
static unsigned char *stored_snapshot(const char *path, int64_t seq, size_t *len, int64_t *raw_len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	unsigned char *copy = NULL;
	*len = 0;
	*raw_len = -1;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT data, ifnull(raw_len, -1) FROM snapshots WHERE seq = ?1", -1,
	                       &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, seq);
		if (sqlite3_step(s) == SQLITE_ROW) {
			*len = (size_t)sqlite3_column_bytes(s, 0);
			copy = malloc(*len ? *len : 1);
			memcpy(copy, sqlite3_column_blob(s, 0), *len);
			*raw_len = sqlite3_column_int64(s, 1);
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return copy;
}

static bool replace_snapshot(const char *path, int64_t seq, const void *data, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	bool ok = sqlite3_open(path, &db) == SQLITE_OK &&
	          sqlite3_prepare_v2(db, "UPDATE snapshots SET data = ?1 WHERE seq = ?2", -1, &s,
	                             NULL) == SQLITE_OK &&
	          sqlite3_bind_blob(s, 1, data, (int)len, SQLITE_TRANSIENT) == SQLITE_OK &&
	          sqlite3_bind_int64(s, 2, seq) == SQLITE_OK && sqlite3_step(s) == SQLITE_DONE &&
	          sqlite3_changes(db) == 1;
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ok;
}

/* Loads the newest snapshot and compares it with `want`: whole, then as
 * a loader streams it, a few bytes at a time (the decompressor then often
 * holds output it has not handed over yet, down to the last bytes). */
static bool snapshot_reads_back(struct journal *j, const unsigned char *want, size_t want_len)
{
	uint64_t seq = 0;
	void *data = NULL;
	size_t len = 0;
	bool ok = journal_load_snapshot(j, 0, &seq, &data, &len, NULL) && seq == 5 &&
	          len == want_len && data && memcmp(data, want, len) == 0;
	free(data);
	struct journal_snapshot *snap = NULL;
	ok = ok && journal_snapshot_open(j, 0, &snap, &seq, &len, NULL) && snap && len == want_len;
	unsigned char piece[7];
	for (size_t at = 0; ok && at < want_len; at += sizeof piece) {
		size_t n = want_len - at < sizeof piece ? want_len - at : sizeof piece;
		ok = journal_snapshot_read(snap, piece, n, at) && memcmp(piece, want + at, n) == 0;
	}
	journal_snapshot_close(snap);
	return ok;
}

/* Snapshots are stored compressed with zstd; one deflated by the code
 * before zstd (zlib) still reads back, and damage is an error, not
 * wrong bytes. */
static void test_snapshot_codecs(void)
{
	char *path = new_path("codecs.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	/* Half text that repeats (it shrinks), half noise (it does not). */
	size_t raw_len = 300000;
	unsigned char *raw = malloc(raw_len);
	uint32_t noise = 12345;
	for (size_t i = 0; i < raw_len; i++) {
		noise = noise * 1103515245u + 12345u;
		raw[i] = i >= raw_len / 2 ? (unsigned char)"thing-0001 connected "[i % 21] : (uint8_t)(noise >> 24);
	}
	struct event ev = make_event(EVENT_CONNECTED, "a", 1, "s", -1);
	for (int i = 0; i < 5; i++)
		append(j, 100 + i, &ev, 1, i == 0);
	CHECK(journal_save_snapshot(j, 5, 104, raw, raw_len, NULL));
	CHECK(flush(j));

	size_t stored_len;
	int64_t stored_raw_len;
	unsigned char *stored = stored_snapshot(path, 5, &stored_len, &stored_raw_len);
	CHECK(stored != NULL);
	CHECK(stored && is_zstd_frame(stored, stored_len));
	CHECK_INT(stored_raw_len, (int64_t)raw_len);
	CHECK(stored_len < raw_len * 3 / 4);
	CHECK(snapshot_reads_back(j, raw, raw_len));

	/* As the code before zstd stored it: deflated, same raw_len. */
	uLongf deflated_len = compressBound(raw_len);
	unsigned char *deflated = malloc(deflated_len);
	CHECK(compress2(deflated, &deflated_len, raw, raw_len, 1) == Z_OK);
	CHECK(deflated[0] == 0x78);
	CHECK(replace_snapshot(path, 5, deflated, deflated_len));
	CHECK(snapshot_reads_back(j, raw, raw_len));

	/* A damaged zstd blob: one byte in the middle changed. */
	if (stored) {
		stored[stored_len / 2] ^= 0x5a;
		CHECK(replace_snapshot(path, 5, stored, stored_len));
		char *cause = NULL;
		uint64_t seq = 0;
		void *data = NULL;
		size_t len = 0;
		bool loaded = journal_load_snapshot(j, 0, &seq, &data, &len, &cause);
		CHECK(!loaded || len != raw_len || memcmp(data, raw, raw_len) != 0);
		if (!loaded)
			CHECK(cause && strstr(cause, "snapshot"));
		free(data);
		free(cause);
	}
	free(stored);
	free(deflated);
	free(raw);
	journal_close(j);
	free(path);
}

static void test_info(void)
{
	char *path = new_path("info.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct journal_info info;
	CHECK(journal_get_info(j, &info, NULL));
	CHECK_INT(info.events + info.rejects + info.ignored, 0);
	CHECK_INT(info.last_seq, 0);
	CHECK_INT(info.schema_version, JOURNAL_SCHEMA_VERSION);

	struct event c = make_event(EVENT_CONNECTED, "a", 1, "s", -1);
	struct event d = make_event(EVENT_DISCONNECTED, "b", 1, "s", -1);
	struct event r = make_reject("bad");
	struct event ig = make_reject("other family");
	ig.type = EVENT_IGNORED;
	ig.reject = REJECT_NONE;
	append(j, 1000, &c, 1, true);
	append(j, 1100, &r, 0, false);
	append(j, 1200, &d, 2, true);
	append(j, 1300, &ig, 0, false);
	append(j, 1400, &r, 0, false);
	append(j, 1500, &c, 1, false);
	CHECK(journal_save_snapshot(j, 6, 1500, "s", 1, NULL));
	CHECK(flush(j));
	CHECK(journal_get_info(j, &info, NULL));
	CHECK_INT(info.events, 3);
	CHECK_INT(info.rejects, 2);
	CHECK_INT(info.ignored, 1);
	CHECK_INT(info.things, 2);
	CHECK_INT(info.snapshots, 1);
	CHECK_INT(info.first_seq, 1);
	CHECK_INT(info.last_seq, 6);
	CHECK_INT(info.first_received_ms, 1000);
	CHECK_INT(info.last_received_ms, 1500);
	CHECK(info.file_bytes > 0);
	CHECK_INT(info.schema_version, JOURNAL_SCHEMA_VERSION);
	journal_close(j);
	free(path);
}

/* ---- Schema versions and bad files ---- */

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "sql: %s\n", err);
		CHECK(!"sql failed");
	}
	sqlite3_free(err);
	sqlite3_close(db);
}

static void test_migration(void)
{
	char *path = new_path("v1.db");
	char *cause = NULL;
	CHECK(journal_create_at_version(path, 1, &cause));
	free(cause);
	cause = NULL;
	exec_sql(path,
	         "INSERT INTO things(id, client_id) VALUES (1, 'old-thing');"
	         "INSERT INTO events(seq, received_ms, type, thing_id, ts_ms, payload)"
	         " VALUES (1, 500, 1, 1, 400, x'7b7d');"
	         "INSERT INTO events(seq, received_ms, type, thing_id, ts_ms, payload)"
	         " VALUES (2, 600, 2, 1, 550, x'7b7d');");

	/* Read-only cannot upgrade: says so. */
	struct journal *ro = journal_open(path, JOURNAL_READ_ONLY, &cause);
	CHECK(ro == NULL);
	CHECK(cause && strstr(cause, "schema 1") && strstr(cause, path));
	free(cause);
	cause = NULL;

	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct journal_info info;
	CHECK(journal_get_info(j, &info, NULL));
	CHECK_INT(info.schema_version, JOURNAL_SCHEMA_VERSION);
	CHECK_INT(info.events, 2);
	CHECK_INT(info.things, 1);
	CHECK_INT(journal_next_seq(j), 3);
	struct rows rows = { .count = 0 };
	CHECK(journal_thing_events(j, 1, 0, collect, &rows, NULL));
	CHECK_INT(rows.count, 2);
	CHECK_STR(rows.r[0].client, "old-thing");
	CHECK_INT(rows.r[0].row.timestamp_ms, 550);
	/* The new table works. */
	CHECK(journal_save_snapshot(j, 2, 600, "x", 1, NULL));
	CHECK(flush(j));
	uint64_t seq;
	void *data;
	size_t len;
	CHECK(journal_load_snapshot(j, 0, &seq, &data, &len, NULL));
	CHECK_INT(seq, 2);
	free(data);
	journal_close(j);
	free(path);
}

static void test_too_new(void)
{
	char *path = new_path("v-next.db");
	char sql[64], schema[32];
	snprintf(sql, sizeof sql, "CREATE TABLE x(a); PRAGMA user_version = %d;",
	         JOURNAL_SCHEMA_VERSION + 1);
	snprintf(schema, sizeof schema, "schema %d", JOURNAL_SCHEMA_VERSION + 1);
	exec_sql(path, sql);
	char *cause = NULL;
	CHECK(journal_open(path, JOURNAL_READ_WRITE, &cause) == NULL);
	char up_to[32];
	snprintf(up_to, sizeof up_to, "up to %d", JOURNAL_SCHEMA_VERSION);
	CHECK(cause && strstr(cause, schema) && strstr(cause, up_to) &&
	      strstr(cause, "upgrade thingtop") && strstr(cause, path));
	free(cause);
	cause = NULL;
	CHECK(journal_open(path, JOURNAL_READ_ONLY, &cause) == NULL);
	CHECK(cause && strstr(cause, schema));
	free(cause);
	free(path);
}

static void test_foreign_files(void)
{
	char *path = new_path("notes.txt");
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	for (int i = 0; i < 100; i++)
		fputs("these are my notes, not a database\n", f);
	fclose(f);
	char *cause = NULL;
	CHECK(journal_open(path, JOURNAL_READ_WRITE, &cause) == NULL);
	CHECK(cause && strstr(cause, path) && strstr(cause, "not an SQLite database"));
	free(cause);
	cause = NULL;
	CHECK(journal_open(path, JOURNAL_READ_ONLY, &cause) == NULL);
	CHECK(cause && strstr(cause, path));
	free(cause);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size == 100 * 35);
	free(path);

	/* Somebody else's SQLite database is left alone. */
	path = new_path("other.db");
	exec_sql(path, "CREATE TABLE recipes(name TEXT);");
	cause = NULL;
	CHECK(journal_open(path, JOURNAL_READ_WRITE, &cause) == NULL);
	CHECK(cause && strstr(cause, "not a thingtop journal"));
	free(cause);
	free(path);

	/* A missing file cannot be opened read-only. */
	path = new_path("missing.db");
	cause = NULL;
	CHECK(journal_open(path, JOURNAL_READ_ONLY, &cause) == NULL);
	CHECK(cause && strstr(cause, path));
	free(cause);
	CHECK(access(path, F_OK) != 0);
	free(path);
}

/* ---- Readers beside a writer ---- */

struct reader_args {
	const char *path;
	uint64_t want;
	uint64_t seen;
	bool opened;
};

static void *reader_thread(void *arg)
{
	struct reader_args *a = arg;
	struct journal *ro = journal_open(a->path, JOURNAL_READ_ONLY, NULL);
	a->opened = ro != NULL;
	for (int i = 0; ro && i < 500 && a->seen < a->want; i++) {
		a->seen = journal_last_seq(ro);
		usleep(10000);
	}
	journal_close(ro);
	return NULL;
}

static void test_reader_beside_writer(void)
{
	char *path = new_path("shared.db");
	struct journal *w = open_rw(path);
	CHECK(w != NULL);
	if (!w)
		return;
	struct event ev = make_event(EVENT_CONNECTED, "a", 1, "s", -1);
	append(w, 1, &ev, 1, true);
	CHECK(flush(w));

	char *cause = NULL;
	struct journal *ro = journal_open(path, JOURNAL_READ_ONLY, &cause);
	CHECK(ro != NULL);
	free(cause);
	cause = NULL;
	if (ro) {
		CHECK_INT(journal_last_seq(ro), 1);
		CHECK_INT(journal_next_seq(ro), 2);
		for (int i = 0; i < 9; i++)
			append(w, 2 + i, &ev, 1, false);
		CHECK(flush(w));
		CHECK_INT(journal_last_seq(ro), 10);
		struct rows rows = { .count = 0 };
		CHECK(journal_scan(ro, 8, 0, true, collect, &rows, NULL));
		CHECK_INT(rows.count, 2);
		/* A read-only handle writes nothing. */
		CHECK_INT(journal_append(ro, &(struct journal_record){ .event = &ev }), 0);
		CHECK(!journal_save_snapshot(ro, 1, 1, "x", 1, &cause));
		CHECK(cause && strstr(cause, "read-only"));
		free(cause);
		cause = NULL;
	}

	/* A second writer is turned away with a clear reason. */
	CHECK(journal_open(path, JOURNAL_READ_WRITE, &cause) == NULL);
	CHECK(cause && strstr(cause, "another thingtop"));
	free(cause);

	/* A reader in another thread follows the writer's commits. */
	struct reader_args args = { .path = path, .want = 1010 };
	pthread_t t;
	CHECK(pthread_create(&t, NULL, reader_thread, &args) == 0);
	for (int i = 0; i < 1000; i++) {
		append(w, 100 + i, &ev, 1, false);
		if (i % 100 == 99)
			flush(w);
	}
	pthread_join(t, NULL);
	CHECK(args.opened);
	CHECK_INT(args.seen, 1010);
	journal_close(ro);
	journal_close(w);
	free(path);
}

static void test_writer_error(void)
{
	char *path = new_path("error.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct event ev = make_event(EVENT_CONNECTED, "dup", 1, "s", -1);
	append(j, 1, &ev, 1, true);
	CHECK(flush(j));
	/* The same client id as a new thing with another id breaks the
	 * things table's uniqueness: that batch fails, the first stays. */
	append(j, 2, &ev, 2, true);
	char *cause = NULL;
	CHECK(!journal_flush(j, &cause));
	CHECK(cause && strstr(cause, path) && strstr(cause, "UNIQUE"));
	free(cause);
	cause = NULL;
	CHECK(journal_failed(j, NULL));
	/* A failing journal keeps what it is handed (the caller stops taking
	 * more); a retry of a batch that can never commit fails again. */
	CHECK_INT(append(j, 3, &ev, 1, false), 3);
	journal_retry(j);
	CHECK(!journal_flush(j, &cause));
	free(cause);
	CHECK_INT(journal_committed_seq(j), 1);
	journal_close(j);

	j = open_rw(path);
	CHECK(j != NULL);
	if (j) {
		CHECK_INT(journal_last_seq(j), 1);
		journal_close(j);
	}
	free(path);
}

/* A lock held by another process fails the commit (a state, not a loss);
 * once it is released, a retry commits everything that waited. */
static void test_writer_recovers(void)
{
	char *path = new_path("locked.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct event a = make_event(EVENT_CONNECTED, "a", 1, "s1", -1);
	append(j, 1, &a, 1, true);
	CHECK(flush(j));

	sqlite3 *other = NULL;
	CHECK(sqlite3_open(path, &other) == SQLITE_OK);
	CHECK(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
	struct event b = make_event(EVENT_CONNECTED, "b", 2, "s2", -1);
	CHECK_INT(append(j, 2, &b, 2, true), 2);
	char *cause = NULL;
	CHECK_INT(journal_sync(j, true, &cause), -1);
	CHECK(cause && strstr(cause, path) && strstr(cause, "locked"));
	free(cause);
	cause = NULL;
	/* Still failing while the lock is held; more appends wait in memory. */
	struct event c = make_event(EVENT_DISCONNECTED, "b", 2, "s2", -1);
	CHECK_INT(append(j, 3, &c, 2, false), 3);
	CHECK(journal_failed(j, NULL));
	CHECK_INT(journal_committed_seq(j), 1);

	CHECK(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(other);
	journal_retry(j);
	CHECK(journal_flush(j, &cause));
	free(cause);
	CHECK(!journal_failed(j, NULL));
	CHECK_INT(journal_committed_seq(j), 3);
	journal_close(j);

	j = journal_open(path, JOURNAL_READ_ONLY, NULL);
	CHECK(j != NULL);
	if (j) {
		CHECK_INT(journal_last_seq(j), 3);
		journal_close(j);
	}
	free(path);
}

static void test_default_path(void)
{
	char *old_state = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("XDG_STATE_HOME", "/var/state-x", 1);
	char *p = journal_default_path();
	CHECK_STR(p, "/var/state-x/thingtop/journal.db");
	free(p);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/ann", 1);
	p = journal_default_path();
	CHECK_STR(p, "/home/ann/.local/state/thingtop/journal.db");
	free(p);
	if (old_state)
		setenv("XDG_STATE_HOME", old_state, 1);
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_state);
	free(old_home);
}

/* ---- Rebuilding the fleet ---- */

/* a: connects (session a1) then disconnects; b: connects later; junk in
 * between. Seqs: 1 a conn, 2 reject, 3 b conn, 4 a disc, 5 ignored. */
static void fill_fleet(struct journal *j)
{
	struct event a_c = make_event(EVENT_CONNECTED, "a", 10000, "a1", 1);
	struct event rej = make_reject("bad JSON at line 1");
	struct event b_c = make_event(EVENT_CONNECTED, "b", 11000, "b1", 1);
	struct event a_d = make_event(EVENT_DISCONNECTED, "a", 12000, "a1", 1);
	snprintf(a_d.reason, sizeof a_d.reason, "CONNECTION_LOST");
	struct event ign = make_reject("");
	ign.type = EVENT_IGNORED;
	append(j, 10100, &a_c, 1, true);
	append(j, 10200, &rej, 0, false);
	append(j, 11100, &b_c, 2, true);
	append(j, 12100, &a_d, 1, false);
	append(j, 12200, &ign, 0, false);
}

static void check_final_fleet(const struct fleet *f)
{
	CHECK_INT(fleet_count(f), 2);
	if (fleet_count(f) != 2)
		return;
	const struct fleet_thing *a = fleet_find(f, "a");
	const struct fleet_thing *b = fleet_find(f, "b");
	CHECK(a && a->id == 1 && a->status == STATUS_DISCONNECTED);
	CHECK(b && b->id == 2 && b->status == STATUS_CONNECTED);
	if (a)
		CHECK_STR(fleet_reason_name(f, a->last_reason), "CONNECTION_LOST");
	CHECK_INT(fleet_last_seq(f), 5);
}

static void test_rebuild(void)
{
	char *path = new_path("rebuild.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet_config config;
	fleet_config_defaults(&config);
	fill_fleet(j);
	CHECK(flush(j));

	char *cause = NULL;
	struct fleet *f = rebuild_fleet(j, &config, 0, &cause);
	CHECK(f != NULL);
	if (f)
		check_final_fleet(f);

	/* As of seq 2: only a, still connected. */
	struct fleet *early = rebuild_fleet(j, &config, 2, &cause);
	CHECK(early != NULL);
	if (early) {
		CHECK_INT(fleet_count(early), 1);
		const struct fleet_thing *a = fleet_find(early, "a");
		CHECK(a && a->status == STATUS_CONNECTED);
		CHECK_INT(fleet_last_seq(early), 2);
	}

	/* From a snapshot of the early fleet plus the rows after it. */
	if (early) {
		size_t len;
		void *data = fleet_save(early, &len);
		CHECK(journal_save_snapshot(j, 2, 10200, data, len, NULL));
		free(data);
		CHECK(flush(j));
		struct fleet *g = rebuild_fleet(j, &config, 0, &cause);
		CHECK(g != NULL);
		if (g)
			check_final_fleet(g);
		fleet_destroy(g);
	}

	/* A damaged snapshot falls back to a full replay. */
	CHECK(journal_save_snapshot(j, 4, 12100, "garbage", 7, NULL));
	CHECK(flush(j));
	struct fleet *h = rebuild_fleet(j, &config, 0, &cause);
	CHECK(h != NULL);
	if (h)
		check_final_fleet(h);
	fleet_destroy(h);

	/* Follow mode: a reader catches up on the writer's new rows. */
	struct journal *ro = journal_open(path, JOURNAL_READ_ONLY, NULL);
	CHECK(ro != NULL);
	struct fleet *follow = ro ? rebuild_fleet(ro, &config, 0, &cause) : NULL;
	CHECK(follow != NULL);
	if (follow) {
		CHECK_INT(rebuild_catch_up(ro, follow, &cause), 0);
		struct event b_d = make_event(EVENT_DISCONNECTED, "b", 13000, "b1", 1);
		struct event c_c = make_event(EVENT_CONNECTED, "c", 13100, "c1", 1);
		append(j, 13100, &b_d, 2, false);
		append(j, 13200, &c_c, 3, true);
		CHECK(flush(j));
		CHECK_INT(rebuild_catch_up(ro, follow, &cause), 2);
		CHECK_INT(fleet_count(follow), 3);
		const struct fleet_thing *b = fleet_find(follow, "b");
		const struct fleet_thing *c = fleet_find(follow, "c");
		CHECK(b && b->status == STATUS_DISCONNECTED);
		CHECK(c && c->id == 3 && c->status == STATUS_CONNECTED);
		CHECK_INT(fleet_last_seq(follow), 7);
	}
	free(cause);
	fleet_destroy(follow);
	fleet_destroy(early);
	fleet_destroy(f);
	journal_close(ro);
	journal_close(j);
	free(path);
}

/* A compressed snapshot damaged in its content, in its zstd frame header,
 * or cut short: a rebuild does not trust it and replays every row instead,
 * which gives the same fleet. */
static void test_rebuild_damaged_snapshot(void)
{
	char *path = new_path("damaged-snapshot.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j)
		return;
	struct fleet_config config;
	fleet_config_defaults(&config);
	fill_fleet(j);
	CHECK(flush(j));
	struct fleet *early = rebuild_fleet(j, &config, 2, NULL);
	CHECK(early != NULL);
	if (!early) {
		journal_close(j);
		free(path);
		return;
	}
	size_t len;
	void *data = fleet_save(early, &len);
	CHECK(journal_save_snapshot(j, 2, 10200, data, len, NULL));
	free(data);
	fleet_destroy(early);
	CHECK(flush(j));

	size_t stored_len;
	int64_t raw_len;
	unsigned char *stored = stored_snapshot(path, 2, &stored_len, &raw_len);
	CHECK(stored && stored_len > 16 && is_zstd_frame(stored, stored_len));
	if (!stored || stored_len <= 16) {
		free(stored);
		journal_close(j);
		free(path);
		return;
	}
	unsigned char *damaged = malloc(stored_len);
	/* In the middle; the frame header's descriptor byte; half of it gone. */
	const size_t at[] = { stored_len / 2, 4, 0 };
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		memcpy(damaged, stored, stored_len);
		size_t damaged_len = stored_len;
		if (at[k])
			damaged[at[k]] ^= 0xa5;
		else
			damaged_len = stored_len / 2;
		CHECK(replace_snapshot(path, 2, damaged, damaged_len));
		char *cause = NULL;
		struct fleet *f = rebuild_fleet(j, &config, 0, &cause);
		CHECK(f != NULL);
		if (f)
			check_final_fleet(f);
		fleet_destroy(f);
		free(cause);
	}
	free(damaged);
	free(stored);
	journal_close(j);
	free(path);
}

int main(void)
{
	if (temp_dir_create("journal") != 0)
		return 1;
	RUN(test_round_trip);
	RUN(test_topics_round_trip);
	RUN(test_many_appends);
	RUN(test_commit_without_flush);
	RUN(test_thing_events);
	RUN(test_thing_events_blocks);
	RUN(test_things);
	RUN(test_disconnects);
	RUN(test_seq_at);
	RUN(test_snapshots);
	RUN(test_snapshot_codecs);
	RUN(test_info);
	RUN(test_migration);
	RUN(test_too_new);
	RUN(test_foreign_files);
	RUN(test_reader_beside_writer);
	RUN(test_writer_error);
	RUN(test_writer_recovers);
	RUN(test_default_path);
	RUN(test_rebuild);
	RUN(test_rebuild_damaged_snapshot);
	temp_dir_remove();
	return check_summary();
}
