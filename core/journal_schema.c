/* The journal's connections and schema. PRAGMA user_version is the schema
 * version; each migration step takes it one version up in its own
 * transaction, so an interrupted upgrade leaves a consistent file. */
#include "build_config.h"

#include "journal_internal.h"
#include "xalloc.h"

#include <stdio.h>

/* Page size of a new file: larger pages mean fewer b-tree splits for the
 * ~400-byte event rows and fewer WAL frames per batch. */
#define NEW_PAGE_SIZE 8192

/* steps[n] takes a journal from version n to n + 1. Append only. */
static const char *const steps[JOURNAL_SCHEMA_VERSION] = {
	/* 1: things and events. Columns that every scan reads come first and
	 * the raw bytes last, so reading them never walks a large payload's
	 * overflow pages. */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	"INSERT INTO meta(key, value) VALUES ('application', 'thingtop');"
	"CREATE TABLE things(id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE);"
	"CREATE TABLE events(seq INTEGER PRIMARY KEY, received_ms INTEGER NOT NULL,"
	" type INTEGER NOT NULL, thing_id INTEGER, ts_ms INTEGER, version INTEGER,"
	" session TEXT, reason TEXT, ip TEXT, topic BLOB, payload BLOB NOT NULL);"
	"CREATE INDEX events_thing ON events(thing_id, seq);"
	"CREATE INDEX events_disconnected ON events(ts_ms) WHERE type = 2;",
	/* 2: fleet snapshots, keyed by the last seq they reflect. */
	"CREATE TABLE snapshots(seq INTEGER PRIMARY KEY, received_ms INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL, data BLOB NOT NULL);",
	/* 3: when the recorder was listening (journal_coverage.c): its MQTT
	 * connection's ups and downs, refused subscriptions, clean and
	 * unclean stops. `seq` is the last event seq when it happened. */
	"CREATE TABLE coverage(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
	" seq INTEGER NOT NULL, kind INTEGER NOT NULL, detail TEXT);",
	/* 4: compact rows (journal_codec.h). A row's payload moves to `body`
	 * in its compact form (payload left empty); rows still without a body
	 * are schema-2 rows, converted after this step a chunk at a time
	 * (journal_migrate.c) while meta 'convert_after' names the last seq
	 * done. Things keep the principal and thing name of their first event; shapes the
	 * bodies' key orders; a snapshot with raw_len is deflated. */
	"ALTER TABLE events ADD COLUMN body BLOB;"
	"ALTER TABLE things ADD COLUMN principal TEXT;"
	"ALTER TABLE things ADD COLUMN thing_name TEXT;"
	"ALTER TABLE snapshots ADD COLUMN raw_len INTEGER;"
	"CREATE TABLE shapes(id INTEGER PRIMARY KEY, shape BLOB NOT NULL);"
	"INSERT INTO meta(key, value) VALUES ('convert_after', 0);",
	/* 5: alerts (journal_alerts.c): one row per firing, by rule and thing. */
	"CREATE TABLE alerts(rule TEXT NOT NULL, thing_id INTEGER NOT NULL,"
	" started_ms INTEGER NOT NULL, fired_ms INTEGER NOT NULL, sent_ms INTEGER,"
	" resolved_ms INTEGER, PRIMARY KEY(rule, thing_id, started_ms)) WITHOUT ROWID;"
	"CREATE INDEX alerts_fired ON alerts(fired_ms);"
	"CREATE INDEX alerts_open ON alerts(fired_ms) WHERE resolved_ms IS NULL;",
	/* 6: the thing index by block of seqs, then thing (the rowid, seq,
	 * orders each thing's rows): appends touch the newest block's pages
	 * only (JOURNAL_BLOCK_BITS in journal_internal.h). Rows without a
	 * thing (rejects, ignored), which journal info counts, get a small
	 * index of their own. */
	"DROP INDEX events_thing;"
	"CREATE INDEX events_thing ON events(seq >> " JOURNAL_BLOCK_BITS_SQL ", thing_id);"
	"CREATE INDEX events_thingless ON events(type) WHERE thing_id IS NULL;",
	/* 7: disconnects per minute and reason text (journal_counts.c), so
	 * the timeline never reads rows to draw; filled here from the rows
	 * already there. thingtop_reason gives a stored reason's text. */
	"CREATE TABLE disconnect_counts(minute INTEGER NOT NULL, reason TEXT NOT NULL,"
	" n INTEGER NOT NULL, PRIMARY KEY(minute, reason)) WITHOUT ROWID;"
	"INSERT INTO disconnect_counts(minute, reason, n)"
	" SELECT ts_ms / 60000 - (ts_ms % 60000 < 0), thingtop_reason(reason), count(*)"
	" FROM events WHERE type = 2 AND ts_ms IS NOT NULL GROUP BY 1, 2;",
};

void journal_db_cause(sqlite3 *db, const char *path, const char *what, char **cause)
{
	int code = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
	const char *msg = db ? sqlite3_errmsg(db) : "out of memory";
	if ((code & 0xff) == SQLITE_NOTADB)
		set_cause(cause, "journal %s: not an SQLite database (%s)", path, msg);
	else if ((code & 0xff) == SQLITE_FULL)
		set_cause(cause, "journal %s: %s: disk full (%s)", path, what, msg);
	else
		set_cause(cause, "journal %s: %s: %s", path, what, msg);
}

static bool exec(sqlite3 *db, const char *path, const char *sql, const char *what, char **cause)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return true;
	journal_db_cause(db, path, what, cause);
	return false;
}

/* `name` is what SQLite opens (a path, or a URI with SQLITE_OPEN_URI);
 * `path` names the journal in messages. */
static sqlite3 *open_with(const char *name, int flags, const char *path, bool writer, char **cause)
{
	sqlite3 *db = NULL;
	/* Each connection is used by one thread at a time: no SQLite mutex. */
	if (sqlite3_open_v2(name, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		journal_db_cause(db, path, "cannot open", cause);
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	/* The writer gives up on a lock sooner: a foreign process holding the
	 * journal's write lock is a failure it must report (record exits, the
	 * monitor stops reading) rather than sit on unacknowledged rounds. */
	sqlite3_busy_timeout(db, writer ? JOURNAL_WRITER_BUSY_MS : JOURNAL_READER_BUSY_MS);
	const char *tuning = writer
		/* 64 MiB of cache keeps both indexes' hot pages in memory; the
		 * WAL is checkpointed by journal_checkpoint.c (every 32 MiB, off
		 * the writer's thread) and cut back to 64 MiB. */
		? "PRAGMA synchronous = NORMAL;"
		  "PRAGMA cache_size = -65536;"
		  "PRAGMA temp_store = MEMORY;"
		  "PRAGMA journal_size_limit = 67108864;"
		/* Readers scan in order and read snapshots through the cache: a
		 * small cache and no mmap keep a viewer's memory to its fleet. */
		: "PRAGMA cache_size = -" READER_CACHE_KIB ";"
		  "PRAGMA mmap_size = 0;";
	if (!journal_counts_register(db)) {
		journal_db_cause(db, path, "cannot configure", cause);
		sqlite3_close(db);
		return NULL;
	}
	if (!exec(db, path, tuning, "cannot configure", cause)) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

sqlite3 *journal_db_open(const char *path, bool read_only, bool writer, char **cause)
{
	return open_with(path, read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                 path, writer, cause);
}

sqlite3 *journal_db_open_uri(const char *uri, const char *path, char **cause)
{
	return open_with(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, path, false, cause);
}

int journal_db_version(sqlite3 *db, const char *path, char **cause)
{
	sqlite3_stmt *stmt = NULL;
	int version = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW)
		journal_db_cause(db, path, "cannot read", cause);
	else
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return version;
}

/* A file at version 0 must be empty: never add our tables to someone
 * else's database. */
static bool check_empty(sqlite3 *db, const char *path, char **cause)
{
	sqlite3_stmt *stmt = NULL;
	bool ok = false;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema", -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW)
		journal_db_cause(db, path, "cannot read", cause);
	else if (sqlite3_column_int(stmt, 0) != 0)
		set_cause(cause, "journal %s: an SQLite database that is not a thingtop journal", path);
	else
		ok = true;
	sqlite3_finalize(stmt);
	return ok;
}

static bool migrate_step(sqlite3 *db, const char *path, int from, char **cause)
{
	char sql[64];
	if (!exec(db, path, "BEGIN IMMEDIATE", "cannot start upgrade", cause))
		return false;
	/* Another process may have upgraded it while we waited for the lock. */
	int now = journal_db_version(db, path, cause);
	if (now < 0)
		goto fail;
	if (now == from) {
		if (from == 0 && !check_empty(db, path, cause))
			goto fail;
		char what[48];
		snprintf(what, sizeof what, "cannot upgrade to schema %d", from + 1);
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", from + 1);
		if (!exec(db, path, steps[from], what, cause) || !exec(db, path, sql, what, cause))
			goto fail;
	}
	if (!exec(db, path, "COMMIT", "cannot commit upgrade", cause))
		goto fail;
	return true;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

bool journal_db_migrate(sqlite3 *db, const char *path, int target, char **cause)
{
	int version = journal_db_version(db, path, cause);
	if (version < 0)
		return false;
	if (version > JOURNAL_SCHEMA_VERSION) {
		set_cause(cause, "journal %s has schema %d, this thingtop knows up to %d: upgrade thingtop",
		          path, version, JOURNAL_SCHEMA_VERSION);
		return false;
	}
	if (version == 0) {
		/* Settable only before the first table; WAL is a property of the
		 * file from then on. */
		char sql[48];
		snprintf(sql, sizeof sql, "PRAGMA page_size = %d", NEW_PAGE_SIZE);
		if (!exec(db, path, sql, "cannot set page size", cause))
			return false;
	}
	sqlite3_stmt *stmt = NULL;
	bool wal = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL) == SQLITE_OK &&
	           sqlite3_step(stmt) == SQLITE_ROW &&
	           sqlite3_stricmp((const char *)sqlite3_column_text(stmt, 0), "wal") == 0;
	sqlite3_finalize(stmt);
	if (!wal) {
		journal_db_cause(db, path, "cannot switch to WAL mode", cause);
		return false;
	}
	for (int v = version; v < target; v++) {
		if (!migrate_step(db, path, v, cause))
			return false;
	}
	return target < JOURNAL_COMPACT_VERSION || journal_convert_rows(db, path, cause);
}

bool journal_create_at_version(const char *path, int version, char **cause)
{
	if (version < 0 || version > JOURNAL_SCHEMA_VERSION) {
		set_cause(cause, "journal %s: no schema version %d", path, version);
		return false;
	}
	sqlite3 *db = journal_db_open(path, false, false, cause);
	if (!db)
		return false;
	bool ok = journal_db_migrate(db, path, version, cause);
	sqlite3_close(db);
	return ok;
}
