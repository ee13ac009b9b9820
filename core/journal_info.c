/* What `journal info` and `journal check` ask of a journal: counts, sizes
 * and SQLite's integrity check, each in one read transaction. */
#include "build_config.h"

#include "journal_internal.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- Info: a handful of one-off queries in one read transaction ---- */

struct info_query {
	const char *sql;
	void (*take)(sqlite3_stmt *s, struct journal_info *info);
};

static void take_total(sqlite3_stmt *s, struct journal_info *info)
{
	info->events += (uint64_t)sqlite3_column_int64(s, 0);
}

/* Rows without a thing: rejects, ignored (and lifecycle events journaled
 * without a fleet). Through their own partial index, so cheap. */
static void take_thingless(sqlite3_stmt *s, struct journal_info *info)
{
	uint64_t n = (uint64_t)sqlite3_column_int64(s, 1);
	switch (sqlite3_column_int(s, 0)) {
	case EVENT_REJECT:
		info->rejects += n;
		info->events -= n;
		break;
	case EVENT_IGNORED:
		info->ignored += n;
		info->events -= n;
		break;
	default:
		break;
	}
}

static void take_things(sqlite3_stmt *s, struct journal_info *info)
{
	info->things = (uint64_t)sqlite3_column_int64(s, 0);
}

static void take_snapshots(sqlite3_stmt *s, struct journal_info *info)
{
	info->snapshots = (uint64_t)sqlite3_column_int64(s, 0);
}

static void take_snapshot_bytes(sqlite3_stmt *s, struct journal_info *info)
{
	info->snapshot_bytes = (uint64_t)sqlite3_column_int64(s, 0);
}

static void take_newest_snapshot(sqlite3_stmt *s, struct journal_info *info)
{
	info->newest_snapshot_seq = (uint64_t)sqlite3_column_int64(s, 0);
	info->newest_snapshot_received_ms = sqlite3_column_int64(s, 1);
	info->newest_snapshot_bytes = sqlite3_column_int64(s, 2);
}

static void take_free(sqlite3_stmt *s, struct journal_info *info)
{
	info->free_bytes = sqlite3_column_int64(s, 0);
	info->used_bytes = sqlite3_column_int64(s, 1);
}

static void take_first(sqlite3_stmt *s, struct journal_info *info)
{
	info->first_seq = (uint64_t)sqlite3_column_int64(s, 0);
	info->first_received_ms = sqlite3_column_int64(s, 1);
}

static void take_last(sqlite3_stmt *s, struct journal_info *info)
{
	info->last_seq = (uint64_t)sqlite3_column_int64(s, 0);
	info->last_received_ms = sqlite3_column_int64(s, 1);
}

static const struct info_query info_queries[] = {
	{ "SELECT count(*) FROM events", take_total },
	{ "SELECT type, count(*) FROM events WHERE thing_id IS NULL GROUP BY type", take_thingless },
	{ "SELECT count(*) FROM things", take_things },
	{ "SELECT count(*) FROM snapshots", take_snapshots },
	/* length() of a blob reads its size from the record header only. */
	{ "SELECT ifnull(sum(length(data)), 0) FROM snapshots", take_snapshot_bytes },
	{ "SELECT seq, received_ms, length(data) FROM snapshots ORDER BY seq DESC LIMIT 1",
	  take_newest_snapshot },
	{ "SELECT f.freelist_count * s.page_size, (c.page_count - f.freelist_count) * s.page_size"
	  " FROM pragma_freelist_count f, pragma_page_size s, pragma_page_count c",
	  take_free },
	/* Receive times of the first and last rows, in receive order. */
	{ "SELECT seq, received_ms FROM events ORDER BY seq LIMIT 1", take_first },
	{ "SELECT seq, received_ms FROM events ORDER BY seq DESC LIMIT 1", take_last },
};

static int64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

bool journal_get_info(struct journal *j, struct journal_info *info, char **cause)
{
	*info = (struct journal_info){ 0 };
	info->schema_version = journal_db_version(j->db, j->path, cause);
	if (info->schema_version < 0)
		return false;
	if (sqlite3_exec(j->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		journal_db_cause(j->db, j->path, "cannot read", cause);
		return false;
	}
	bool ok = true;
	for (size_t i = 0; ok && i < sizeof info_queries / sizeof info_queries[0]; i++) {
		sqlite3_stmt *s = NULL;
		int rc = sqlite3_prepare_v2(j->db, info_queries[i].sql, -1, &s, NULL);
		if (rc == SQLITE_OK) {
			while ((rc = sqlite3_step(s)) == SQLITE_ROW)
				info_queries[i].take(s, info);
		}
		if (rc != SQLITE_DONE) {
			journal_db_cause(j->db, j->path, "cannot read", cause);
			ok = false;
		}
		sqlite3_finalize(s);
	}
	sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
	char *wal = xasprintf("%s-wal", j->path);
	info->file_bytes = file_size(j->path) + file_size(wal);
	free(wal);
	return ok;
}

#define INTEGRITY_LINES 20

bool journal_integrity(struct journal *j, char **problems, char **cause)
{
	*problems = NULL;
	char sql[48];
	snprintf(sql, sizeof sql, "PRAGMA integrity_check(%d)", INTEGRITY_LINES);
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(j->db, sql, -1, &s, NULL);
	size_t len = 0;
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		const char *line = (const char *)sqlite3_column_text(s, 0);
		if (line == NULL)
			continue;
		if (strcmp(line, "ok") == 0)
			continue;
		size_t n = strlen(line);
		*problems = xrealloc(*problems, len + n + 2);
		memcpy(*problems + len, line, n);
		len += n;
		(*problems)[len++] = '\n';
		(*problems)[len] = '\0';
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		journal_db_cause(j->db, j->path, "cannot check", cause);
		free(*problems);
		*problems = NULL;
		return false;
	}
	return true;
}
