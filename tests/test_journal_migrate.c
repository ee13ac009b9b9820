/* Schema 2 to 3 in place: a journal made by the previous release
 * (tests/data/schema2.db, argv[1]) keeps every message byte for byte,
 * also when the upgrade is interrupted and resumed. */
#include "check.h"
#include "fleet.h"
#include "journal_internal.h"
#include "temp_dir.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct message {
	int64_t seq, received_ms;
	bool has_topic;
	char *topic, *payload;
	size_t topic_len, payload_len;
};

static struct message expected[64];
static size_t expected_count;

static char *dup_column(sqlite3_stmt *s, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(s, col);
	*len = (size_t)sqlite3_column_bytes(s, col);
	char *copy = malloc(*len + 1);
	if (*len)
		memcpy(copy, p, *len);
	copy[*len] = '\0';
	return copy;
}

/* The messages as schema 2 holds them, read with plain SQL. */
static void read_expected(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "SELECT seq, received_ms, topic, payload FROM events ORDER BY seq",
	                         -1, &s, NULL) == SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW && expected_count < 64) {
		struct message *m = &expected[expected_count++];
		m->seq = sqlite3_column_int64(s, 0);
		m->received_ms = sqlite3_column_int64(s, 1);
		m->has_topic = sqlite3_column_type(s, 2) != SQLITE_NULL;
		m->topic = dup_column(s, 2, &m->topic_len);
		m->payload = dup_column(s, 3, &m->payload_len);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
}

struct seen {
	size_t count, same;
};

static bool compare_row(void *ctx, const struct journal_row *row)
{
	struct seen *seen = ctx;
	size_t i = seen->count++;
	if (i >= expected_count)
		return true;
	const struct message *m = &expected[i];
	bool same = (int64_t)row->seq == m->seq && row->received_ms == m->received_ms &&
	            !row->damaged && row->payload_len == m->payload_len &&
	            memcmp(row->payload, m->payload, m->payload_len) == 0;
	/* A canonical topic was stored empty by schema 2 and is rebuilt. */
	if (m->has_topic && m->topic_len > 0)
		same = same && row->topic_len == m->topic_len &&
		       memcmp(row->topic, m->topic, m->topic_len) == 0;
	else if (m->has_topic)
		same = same && strncmp(row->topic, "$aws/events/", 12) == 0;
	if (!same)
		fprintf(stderr, "row %" PRIu64 " differs\n", row->seq);
	seen->same += same;
	return true;
}

static void check_messages(const char *path, enum journal_mode mode)
{
	char *cause = NULL;
	struct journal *j = journal_open(path, mode, &cause);
	CHECK(j != NULL);
	if (!j) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return;
	}
	struct seen seen = { 0 };
	CHECK(journal_scan(j, 0, 0, true, compare_row, &seen, NULL));
	CHECK_INT(seen.count, expected_count);
	CHECK_INT(seen.same, expected_count);
	journal_close(j);
}

static int64_t query_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t v = -1;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

static bool exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	bool ok = sqlite3_open(path, &db) == SQLITE_OK &&
	          sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(db);
	return ok;
}

static void test_interrupted_upgrade(const char *source)
{
	char *path = new_path("schema2.db");
	CHECK(temp_copy_file(source, path));
	CHECK_INT(query_int(path, "PRAGMA user_version"), 2);
	read_expected(path);
	CHECK(expected_count > 20);
	/* Stands for a crash: any row past seq 12 fails to convert. */
	CHECK(exec_sql(path, "CREATE TRIGGER stop BEFORE UPDATE OF body ON events"
	                     " WHEN NEW.seq > 12 BEGIN SELECT RAISE(ABORT, 'interrupted'); END;"));

	char *cause = NULL;
	sqlite3 *db = journal_db_open(path, false, true, &cause);
	CHECK(db != NULL);
	/* The schema step commits on its own; the first chunk holds seq 13. */
	CHECK(!journal_db_migrate(db, path, JOURNAL_SCHEMA_VERSION, &cause));
	CHECK(cause && strstr(cause, "interrupted"));
	free(cause);
	cause = NULL;
	CHECK_INT(query_int(path, "PRAGMA user_version"), JOURNAL_SCHEMA_VERSION);
	CHECK_INT(query_int(path, "SELECT count(*) FROM events WHERE body IS NOT NULL"), 0);
	/* Five rows a transaction: two chunks land, the third fails. */
	CHECK(!journal_convert_rows_chunked(db, path, 5, &cause));
	free(cause);
	cause = NULL;
	sqlite3_close(db);
	CHECK_INT(query_int(path, "SELECT value FROM meta WHERE key = 'convert_after'"), 10);
	CHECK_INT(query_int(path, "SELECT count(*) FROM events WHERE body IS NOT NULL"), 10);

	/* Half converted, it reads the same. */
	check_messages(path, JOURNAL_READ_ONLY);

	/* The next read-write open finishes the work. */
	CHECK(exec_sql(path, "DROP TRIGGER stop"));
	check_messages(path, JOURNAL_READ_WRITE);
	CHECK_INT(query_int(path, "SELECT count(*) FROM meta WHERE key = 'convert_after'"), 0);
	CHECK_INT(query_int(path, "SELECT count(*) FROM events WHERE body IS NULL OR length(payload)"),
	          0);
	CHECK_INT(query_int(path, "SELECT count(*) FROM things WHERE client_id = 'plant/line-1/press-1'"
	                          " AND principal = 'aaa'"), 1);
	check_messages(path, JOURNAL_READ_ONLY);

	/* Its snapshots (format 1, stored whole) still load. */
	struct journal *j = journal_open(path, JOURNAL_READ_ONLY, NULL);
	uint64_t seq = 0;
	void *data = NULL;
	size_t len = 0;
	CHECK(j && journal_load_snapshot(j, 0, &seq, &data, &len, NULL));
	CHECK_INT(seq, expected_count);
	cause = NULL;
	struct fleet *f = data ? fleet_load(data, len, NULL, &cause) : NULL;
	CHECK(f != NULL);
	CHECK_INT(f ? fleet_count(f) : 0, 9);
	fleet_destroy(f);
	free(data);
	free(cause);
	journal_close(j);
	free(path);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_journal_migrate SCHEMA2_DB\n");
		return 2;
	}
	if (temp_dir_create("migrate") != 0)
		return 1;
	fprintf(stderr, "-- test_interrupted_upgrade\n");
	test_interrupted_upgrade(argv[1]);
	temp_dir_remove();
	for (size_t i = 0; i < expected_count; i++) {
		free(expected[i].topic);
		free(expected[i].payload);
	}
	return check_summary();
}
