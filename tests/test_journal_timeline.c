/* The timeline's journal queries: disconnects after a seq, the time span of
 * all disconnects, a count over a time range, and the per-minute counts
 * (schema 7), which must equal a scan of the rows after appends, retention,
 * the upgrade of an old journal (argv[1]: tests/data/schema2.db) and a
 * writer killed mid-write. On real files. */
#include "build_config.h"

#include "check.h"
#include "temp_dir.h"
#include "journal.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void append_at(struct journal *j, enum event_type type, int64_t ts, int64_t received,
                      const char *reason, bool new_thing)
{
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	snprintf(ev.client_id, sizeof ev.client_id, "a");
	ev.timestamp_ms = ts;
	snprintf(ev.session_id, sizeof ev.session_id, "s");
	if (reason != NULL)
		snprintf(ev.reason, sizeof ev.reason, "%s", reason);
	struct journal_record r = {
		.received_ms = received, .topic = "t", .topic_len = 1, .payload = "{}", .payload_len = 2,
		.event = &ev, .thing_id = 1, .new_thing = new_thing,
	};
	CHECK(journal_append(j, &r) > 0);
}

static void append(struct journal *j, enum event_type type, int64_t ts, const char *reason,
                   bool new_thing)
{
	append_at(j, type, ts, ts, reason, new_thing);
}

struct seen {
	uint64_t seq[16];
	int64_t ts[16];
	char reason[16][32];
	size_t count;
};

static bool collect(void *ctx, const struct journal_row *row)
{
	struct seen *s = ctx;
	if (s->count < 16) {
		s->seq[s->count] = row->seq;
		s->ts[s->count] = row->timestamp_ms;
		snprintf(s->reason[s->count], sizeof s->reason[0], "%s", row->reason);
		s->count++;
	}
	return true;
}

static void test_timeline_queries(void)
{
	char *path = new_path("timeline.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j) {
		free(path);
		return;
	}
	int64_t first = 0, last = 0;
	bool found = true;
	CHECK(journal_disconnect_span(j, 0, &first, &last, &found, NULL));
	CHECK(!found);

	append(j, EVENT_CONNECTED, 1000, NULL, true);          /* seq 1 */
	append(j, EVENT_DISCONNECTED, 5000, "LOST", false);    /* seq 2 */
	append(j, EVENT_DISCONNECTED, 2000, "LATE", false);    /* seq 3: out of ts order */
	append(j, EVENT_CONNECTED, 6000, NULL, false);         /* seq 4 */
	append(j, EVENT_DISCONNECTED, 9000, "LAST", false);    /* seq 5 */
	char *cause = NULL;
	CHECK(journal_flush(j, &cause));
	free(cause);

	CHECK(journal_disconnect_span(j, 0, &first, &last, &found, NULL));
	CHECK(found);
	CHECK_INT(first, 2000);
	CHECK_INT(last, 9000);
	/* Bounded by seq (a replay's position): seq 5 has not happened. */
	CHECK(journal_disconnect_span(j, 4, &first, &last, &found, NULL));
	CHECK_INT(first, 2000);
	CHECK_INT(last, 5000);

	/* After seq 2: the disconnects with seq 3 and 5, in seq order. */
	struct seen s = { .count = 0 };
	CHECK(journal_disconnects_after(j, 2, 0, collect, &s, NULL));
	CHECK_INT(s.count, 2);
	CHECK_INT(s.seq[0], 3);
	CHECK_STR(s.reason[0], "LATE");
	CHECK_INT(s.seq[1], 5);
	CHECK_INT(s.ts[1], 9000);
	/* With an upper bound, and nothing new past the end. */
	s.count = 0;
	CHECK(journal_disconnects_after(j, 0, 3, collect, &s, NULL));
	CHECK_INT(s.count, 2);
	CHECK_INT(s.seq[1], 3);
	s.count = 0;
	CHECK(journal_disconnects_after(j, 5, 0, collect, &s, NULL));
	CHECK_INT(s.count, 0);

	uint64_t n = 99;
	CHECK(journal_disconnect_count(j, 2000, 9000, &n, NULL));
	CHECK_INT(n, 2);     /* 2000 and 5000; 9000 is the open end; connects never */
	CHECK(journal_disconnect_count(j, INT64_MIN, INT64_MAX, &n, NULL));
	CHECK_INT(n, 3);
	CHECK(journal_disconnect_count(j, 6000, 9000, &n, NULL));
	CHECK_INT(n, 0);
	journal_close(j);
	free(path);
}

/* ---- Per-minute counts against the rows ---- */

#define TALLY_MAX 4096

/* (minute, reason) -> n, from either side. */
struct tally {
	struct cell {
		int64_t minute;
		char reason[80];
		uint64_t n;
	} v[TALLY_MAX];
	size_t count;
	uint64_t total;
};

static void tally_add(struct tally *t, int64_t minute, const char *reason, uint64_t n)
{
	t->total += n;
	for (size_t i = 0; i < t->count; i++) {
		if (t->v[i].minute == minute && strcmp(t->v[i].reason, reason) == 0) {
			t->v[i].n += n;
			return;
		}
	}
	CHECK(t->count < TALLY_MAX);
	if (t->count == TALLY_MAX)
		return;
	t->v[t->count].minute = minute;
	snprintf(t->v[t->count].reason, sizeof t->v[0].reason, "%s", reason);
	t->v[t->count++].n = n;
}

static uint64_t tally_get(const struct tally *t, int64_t minute, const char *reason)
{
	for (size_t i = 0; i < t->count; i++) {
		if (t->v[i].minute == minute && strcmp(t->v[i].reason, reason) == 0)
			return t->v[i].n;
	}
	return 0;
}

static bool add_cell(void *ctx, int64_t minute, const char *reason, uint64_t n)
{
	tally_add(ctx, minute, reason, n);
	return true;
}

/* The minute by another route than the code's: shift, then divide. */
static int64_t minute_of(int64_t ts)
{
	return (ts - ((ts % 60000) + 60000) % 60000) / 60000;
}

static bool add_row(void *ctx, const struct journal_row *row)
{
	tally_add(ctx, minute_of(row->timestamp_ms), row->reason, 1);
	return true;
}

static int64_t sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* The counts of journal j equal its rows: every (minute, reason) both
 * ways, and the totals. Returns the counts' total. */
static uint64_t check_counts(struct journal *j, const char *when)
{
	static struct tally counts, rows;
	memset(&counts, 0, sizeof counts);
	memset(&rows, 0, sizeof rows);
	uint64_t upto = 0;
	bool available = false;
	char *cause = NULL;
	CHECK(journal_disconnect_counts(j, INT64_MIN, INT64_MAX, add_cell, &counts, &upto, &available,
	                                &cause));
	free(cause);
	CHECK(available);
	CHECK(journal_disconnects(j, INT64_MIN, INT64_MAX, add_row, &rows, NULL));
	if (counts.count != rows.count || counts.total != rows.total)
		fprintf(stderr, "%s: %zu cells, %llu disconnects counted; rows: %zu, %llu\n", when,
		        counts.count, (unsigned long long)counts.total, rows.count,
		        (unsigned long long)rows.total);
	CHECK_INT(counts.count, rows.count);
	CHECK_INT(counts.total, rows.total);
	for (size_t i = 0; i < counts.count; i++)
		CHECK_INT(counts.v[i].n, tally_get(&rows, counts.v[i].minute, counts.v[i].reason));
	CHECK(upto == journal_last_seq(j));
	return counts.total;
}

static uint64_t count_of(struct journal *j, int64_t minute, const char *reason)
{
	static struct tally t;
	memset(&t, 0, sizeof t);
	uint64_t upto;
	bool available;
	CHECK(journal_disconnect_counts(j, minute, minute + 1, add_cell, &t, &upto, &available, NULL));
	return tally_get(&t, minute, reason);
}

static void test_counts_after_appends(void)
{
	char *path = new_path("counts.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j) {
		free(path);
		return;
	}
	append(j, EVENT_CONNECTED, 1000, NULL, true);
	/* Before 1970: minutes -1 (two) and -2 (one). */
	append(j, EVENT_DISCONNECTED, -1, "CONNECTION_LOST", false);
	append(j, EVENT_DISCONNECTED, -60000, "CONNECTION_LOST", false);
	append(j, EVENT_DISCONNECTED, -60001, "CONNECTION_LOST", false);
	CHECK(journal_flush(j, NULL));
	/* Three batches over a few minutes: an AWS reason (stored as a code),
	 * a reason of our own (text), none. */
	for (int batch = 0; batch < 3; batch++) {
		for (int i = 0; i < 200; i++) {
			int64_t ts = 3 * 60000 + (int64_t)(i * 7 + batch * 13) % 5 * 60000 + i;
			const char *reason = i % 3 == 0 ? "CONNECTION_LOST" : i % 3 == 1 ? "odd reason" : NULL;
			append(j, i % 4 == 3 ? EVENT_CONNECTED : EVENT_DISCONNECTED, ts, reason, false);
		}
		CHECK(journal_flush(j, NULL));
	}
	CHECK_INT(check_counts(j, "appends"), 3 + 3 * 150);
	CHECK_INT(count_of(j, -1, "CONNECTION_LOST"), 2);
	CHECK_INT(count_of(j, -2, "CONNECTION_LOST"), 1);
	/* The table itself, by plain SQL: one count per disconnect with a time. */
	journal_close(j);
	CHECK_INT(sql_int(path, "SELECT sum(n) FROM disconnect_counts"),
	          sql_int(path, "SELECT count(*) FROM events WHERE type = 2 AND ts_ms IS NOT NULL"));
	free(path);
}

#define BASE_MS 1767225600000LL   /* 2026-01-01T00:00:00Z, a whole minute */

static void test_counts_after_prune(void)
{
	char *path = new_path("prune.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j) {
		free(path);
		return;
	}
	/* Row i received at BASE + i s; every even one a disconnect. */
	for (int i = 1; i <= 3000; i++) {
		const char *reason = i % 6 == 0 ? "MQTT_KEEP_ALIVE_TIMEOUT" : "CONNECTION_LOST";
		append_at(j, i % 2 ? EVENT_CONNECTED : EVENT_DISCONNECTED, BASE_MS + i * 1000LL,
		          BASE_MS + i * 1000LL, reason, i == 1);
		if (i == 1000 || i == 1990)
			CHECK(journal_save_snapshot(j, (uint64_t)i, BASE_MS + i * 1000LL, "x", 1, NULL));
	}
	CHECK(journal_flush(j, NULL));
	CHECK_INT(check_counts(j, "before prune"), 1500);
	/* Keep 500 s: rows before the snapshot at 1990 go, mid-minute 33. */
	journal_set_retention(j, 500 * 1000, 0);
	/* The writer may start on it before journal_prune asks: the rows gone
	 * are told by the first seq left. */
	uint64_t pruned = 0;
	char *cause = NULL;
	CHECK(journal_prune(j, &pruned, &cause));
	free(cause);
	CHECK(pruned <= 1989);
	CHECK_INT(journal_first_seq(j), 1990);
	CHECK_INT(check_counts(j, "after prune"), (3000 - 1990) / 2 + 1);
	/* Minute 33 (rows 1980..2039) keeps its rows from 1990 on: 1990..2038
	 * even, 25 disconnects, 8 of them (multiples of 6) keep-alive. */
	CHECK_INT(count_of(j, BASE_MS / 60000 + 33, "CONNECTION_LOST"), 25 - 8);
	CHECK_INT(count_of(j, BASE_MS / 60000 + 33, "MQTT_KEEP_ALIVE_TIMEOUT"), 8);
	CHECK_INT(count_of(j, BASE_MS / 60000 + 32, "CONNECTION_LOST"), 0);
	journal_close(j);
	/* No row of a minute left empty. */
	CHECK_INT(sql_int(path, "SELECT count(*) FROM disconnect_counts WHERE n <= 0"), 0);
	free(path);
}

static bool nothing(void *ctx, int64_t minute, const char *reason, uint64_t n)
{
	(void)minute, (void)reason, (void)n;
	(*(int *)ctx)++;
	return true;
}

/* The previous release's journal: upgraded straight to the counts, and by
 * way of schema 6, which a viewer still reads (without counts). */
static void test_counts_after_upgrade(const char *schema2)
{
	char *path = new_path("schema2.db");
	CHECK(temp_copy_file(schema2, path));
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (j) {
		/* Its reasons were text when counted, codes after the conversion. */
		CHECK_INT(check_counts(j, "schema 2 upgraded"), 7);
		CHECK_INT(count_of(j, 1767225601000LL / 60000, "CLIENT_INITIATED_DISCONNECT"), 3);
		append(j, EVENT_DISCONNECTED, 1767225601000LL, "CLIENT_INITIATED_DISCONNECT", false);
		CHECK(journal_flush(j, NULL));
		CHECK_INT(count_of(j, 1767225601000LL / 60000, "CLIENT_INITIATED_DISCONNECT"), 4);
		check_counts(j, "schema 2 upgraded, appended");
		journal_close(j);
	}
	free(path);

	path = new_path("schema6.db");
	CHECK(temp_copy_file(schema2, path));
	char *cause = NULL;
	CHECK(journal_create_at_version(path, 6, &cause));
	free(cause);
	cause = NULL;
	j = journal_open(path, JOURNAL_READ_ONLY, &cause);
	CHECK(j != NULL);
	free(cause);
	if (j) {
		int calls = 0;
		uint64_t upto;
		bool available = true;
		CHECK(journal_disconnect_counts(j, INT64_MIN, INT64_MAX, nothing, &calls, &upto, &available,
		                                NULL));
		CHECK(!available);
		CHECK_INT(calls, 0);
		uint64_t n = 0;
		CHECK(journal_disconnect_count(j, INT64_MIN, INT64_MAX, &n, NULL));
		CHECK_INT(n, 7);
		journal_close(j);
	}
	CHECK_INT(sql_int(path, "PRAGMA user_version"), 6);
	j = open_rw(path);
	CHECK(j != NULL);
	if (j) {
		CHECK_INT(check_counts(j, "schema 6 upgraded"), 7);
		journal_close(j);
	}
	free(path);
}

/* A writer killed with SIGKILL while it commits batch after batch: what
 * is in the file has its rows and its counts, or neither. */
static void test_counts_after_kill(void)
{
	char *path = new_path("killed.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	journal_close(j);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		j = journal_open(path, JOURNAL_READ_WRITE, NULL);
		if (!j)
			_exit(1);
		for (int64_t i = 0;; i++) {
			append(j, EVENT_DISCONNECTED, BASE_MS + i * 997, i % 2 ? "CONNECTION_LOST" : "x", i == 0);
			if (i % 300 == 0)
				journal_sync(j, false, NULL);
		}
	}
	/* Until rows are in the file, then a little longer. */
	for (int tries = 0; tries < 200 && sql_int(path, "SELECT count(*) FROM events") < 3000; tries++)
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	nanosleep(&(struct timespec){ .tv_nsec = 137 * 1000 * 1000 }, NULL);
	kill(pid, SIGKILL);
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	j = journal_open(path, JOURNAL_READ_ONLY, NULL);
	CHECK(j != NULL);
	if (j) {
		CHECK(check_counts(j, "killed") >= 3000);
		journal_close(j);
	}
	free(path);
}

int main(int argc, char **argv)
{
	if (temp_dir_create("journal-timeline") != 0)
		return 1;
	RUN(test_timeline_queries);
	RUN(test_counts_after_appends);
	RUN(test_counts_after_prune);
	if (argc > 1)
		test_counts_after_upgrade(argv[1]);
	else
		CHECK(!"usage: test_journal_timeline tests/data/schema2.db");
	RUN(test_counts_after_kill);
	temp_dir_remove();
	return check_summary();
}
