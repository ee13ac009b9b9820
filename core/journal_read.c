/* Reading the journal on the caller's own connection: in WAL mode a
 * reader sees the last commit and never waits for the writer's batch. */
#include "build_config.h"

#include "journal_internal.h"
#include "xalloc.h"

#include <stdio.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ROW_COLUMNS "seq, received_ms, type, thing_id, ts_ms, version, session, reason, ip"

/* Column numbers of a row query: ROW_COLUMNS, then the optional ones. */
enum { COL_SEQ, COL_RECEIVED, COL_TYPE, COL_THING, COL_TS, COL_VERSION, COL_SESSION,
       COL_REASON, COL_IP, COL_TOPIC, COL_PAYLOAD, COL_CLIENT, COL_BODY, COL_PRINCIPAL,
       COL_THING_NAME };

static const char *const query_sql[QUERY_COUNT] = {
	[QUERY_SCAN] = "SELECT " ROW_COLUMNS " FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
	[QUERY_SCAN_RAW] = "SELECT e.seq, e.received_ms, e.type, e.thing_id, e.ts_ms, e.version,"
	                   " e.session, e.reason, e.ip, e.topic, e.payload, t.client_id, e.body,"
	                   " t.principal, t.thing_name FROM events e LEFT JOIN things t"
	                   " ON t.id = e.thing_id WHERE e.seq > ?1 AND e.seq <= ?2 ORDER BY e.seq",
	[QUERY_THING_EVENTS] = "SELECT e.seq, e.received_ms, e.type, e.thing_id, e.ts_ms, e.version,"
	                       " e.session, e.reason, e.ip, e.topic, e.payload, t.client_id, e.body,"
	                       " t.principal, t.thing_name FROM events e LEFT JOIN things t"
	                       " ON t.id = e.thing_id WHERE (e.seq >> " JOURNAL_BLOCK_BITS_SQL ") = ?2"
	                       " AND e.thing_id = ?1 ORDER BY e.seq DESC LIMIT ?3",
	/* "type = 2" literally, so the partial index applies. */
	[QUERY_DISCONNECTS] = "SELECT " ROW_COLUMNS " FROM events"
	                      " WHERE type = 2 AND ts_ms >= ?1 AND ts_ms < ?2 ORDER BY ts_ms, seq",
	[QUERY_THINGS] = "SELECT id, client_id FROM things WHERE id > ?1 ORDER BY id",
	[QUERY_LAST_SEQ] = "SELECT max(seq) FROM events",
	/* Forwards from a snapshot: see journal_seq_at. */
	[QUERY_SEQ_AT] = "SELECT seq, received_ms FROM events WHERE seq > ?1 ORDER BY seq",
	[QUERY_SNAPSHOT_AT] = ("SELECT seq FROM snapshots WHERE received_ms <= ?1"
	                       " ORDER BY seq DESC LIMIT 1"),
	[QUERY_FIRST_SEQ] = "SELECT min(seq) FROM events",
	[QUERY_LAST_THING] = "SELECT max(id) FROM things",
	/* Not length(data): that reads the whole blob (sqlite3_blob_bytes
	 * gives it). */
	[QUERY_LOAD_SNAPSHOT] = ("SELECT seq, raw_len FROM snapshots WHERE seq <= ?1"
	                         " ORDER BY seq DESC LIMIT 1"),
};

/* The cached statement, or a fresh one when a callback runs a query of
 * the same kind inside the first (*temp then says to finalize it). */
static sqlite3_stmt *query_get(struct journal *j, enum journal_query q, bool *temp, char **cause)
{
	sqlite3_stmt **slot = &j->query[q];
	*temp = *slot && sqlite3_stmt_busy(*slot);
	if (*slot && !*temp)
		return *slot;
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v3(j->db, query_sql[q], -1, *temp ? 0 : SQLITE_PREPARE_PERSISTENT, &stmt,
	                       NULL) != SQLITE_OK) {
		journal_db_cause(j->db, j->path, "cannot read", cause);
		sqlite3_finalize(stmt);
		return NULL;
	}
	if (!*temp)
		*slot = stmt;
	return stmt;
}

static void query_put(sqlite3_stmt *stmt, bool temp)
{
	if (temp) {
		sqlite3_finalize(stmt);
		return;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

void journal_read_finish(struct journal *j)
{
	journal_shapes_clear(&j->shapes);
	for (int i = 0; i < QUERY_COUNT; i++) {
		sqlite3_finalize(j->query[i]);
		j->query[i] = NULL;
	}
}

/* A reader opened immutable (no writer had the file) switches to an
 * ordinary read-only connection once a writer has made the -wal and -shm,
 * or reopens when the file changed (a writer came and went): an immutable
 * connection would not see, or would misread, what was written. Only
 * between queries. */
void journal_refresh_reader(struct journal *j)
{
	if (!j->immutable ||
	    (!journal_files_writer_seen(j->path) && journal_files_stamp(j->path) == j->stamp))
		return;
	for (sqlite3_stmt *s = sqlite3_next_stmt(j->db, NULL); s; s = sqlite3_next_stmt(j->db, s)) {
		if (sqlite3_stmt_busy(s))
			return;
	}
	bool immutable;
	uint64_t stamp;
	sqlite3 *db = journal_files_open_reader(j->path, &immutable, &stamp, NULL);
	if (!db)
		return;
	journal_read_finish(j);
	/* _v2: an open snapshot blob keeps the old one alive until closed. */
	sqlite3_close_v2(j->db);
	j->db = db;
	j->immutable = immutable;
	j->stamp = stamp;
}

static sqlite3_int64 seq_bound(uint64_t seq)
{
	return seq == 0 || seq > INT64_MAX ? INT64_MAX : (sqlite3_int64)seq;
}

static const char *text_or_empty(sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	return t ? t : "";
}

/* Blobs come back through column_text: the same bytes, NUL-terminated. */
static const char *bytes_of(sqlite3_stmt *s, int col, size_t *len)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	*len = t ? (size_t)sqlite3_column_bytes(s, col) : 0;
	return t ? t : "";
}

/* A lifecycle event's topic is stored empty when it is the one AWS uses
 * for its type and client id (journal_writer.c): rebuilt here into
 * topic_buf, of JOURNAL_TOPIC_MAX bytes. */
static void restore_topic(struct journal_row *row, char *topic_buf)
{
	const char *family = journal_topic_family(row->type);
	if (!family || !row->client_id[0])
		return;
	/* Joined by hand: snprintf was a twentieth of a rebuild's time. */
	const char *parts[] = { "$aws/events/", family, "/", event_type_name(row->type), "/",
	                        row->client_id };
	size_t n = 0;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		size_t len = strlen(parts[i]);
		if (n + len >= JOURNAL_TOPIC_MAX)
			return;
		memcpy(topic_buf + n, parts[i], len);
		n += len;
	}
	topic_buf[n] = '\0';
	row->topic = topic_buf;
	row->topic_len = n;
}

/* Where a row's text is rebuilt: valid until the next row. */
struct row_bufs {
	struct journal *j;          /* its shapes */
	char topic[JOURNAL_TOPIC_MAX];
	char session[48], ip[48];
	struct journal_codec_buf payload;
};

/* Session and IP may be packed (a blob), a reason a code (an integer). */
static const char *field_text(sqlite3_stmt *s, int col, char *buf)
{
	switch (sqlite3_column_type(s, col)) {
	case SQLITE_BLOB:
		if (col == COL_REASON)
			return journal_reason_text(sqlite3_column_bytes(s, col) == 1
			                           ? *(const unsigned char *)sqlite3_column_blob(s, col) : 0);
		return col == COL_SESSION
		       ? journal_unpack_session(sqlite3_column_blob(s, col),
		                                (size_t)sqlite3_column_bytes(s, col), buf)
		       : journal_unpack_ip(sqlite3_column_blob(s, col),
		                           (size_t)sqlite3_column_bytes(s, col), buf);
	default:
		return text_or_empty(s, col);
	}
}

/* A schema-3 row's payload from its body; a row not yet converted keeps
 * it in payload. */
static void rebuild_payload(sqlite3_stmt *s, struct journal_row *row, struct row_bufs *bufs)
{
	if (sqlite3_column_type(s, COL_BODY) == SQLITE_NULL) {
		row->payload = bytes_of(s, COL_PAYLOAD, &row->payload_len);
		return;
	}
	struct journal_codec_ctx ctx;
	journal_row_ctx(&ctx, row->type, row->client_id, text_or_empty(s, COL_PRINCIPAL),
	                text_or_empty(s, COL_THING_NAME),
	                sqlite3_column_type(s, COL_TS) != SQLITE_NULL, row->timestamp_ms,
	                row->has_version, row->version, row->session_id, row->reason, row->ip);
	const void *body = sqlite3_column_blob(s, COL_BODY);
	size_t len = (size_t)sqlite3_column_bytes(s, COL_BODY);
	struct journal_shapes *shapes = &bufs->j->shapes;
	size_t known = shapes->count;
	row->damaged = !journal_codec_decode(body, len, &ctx, shapes, &bufs->payload, NULL);
	/* A shape added since we last looked: read the new ones, once. */
	if (row->damaged && journal_shapes_load(bufs->j->db, shapes) && shapes->count > known)
		row->damaged = !journal_codec_decode(body, len, &ctx, shapes, &bufs->payload, NULL);
	row->payload = (const char *)bufs->payload.p;
	row->payload_len = bufs->payload.len;
}

static void fill_row(sqlite3_stmt *s, struct journal_row *row, bool raw, bool client,
                     struct row_bufs *bufs)
{
	*row = (struct journal_row){
		.seq = (uint64_t)sqlite3_column_int64(s, COL_SEQ),
		.received_ms = sqlite3_column_int64(s, COL_RECEIVED),
		.type = (enum event_type)sqlite3_column_int(s, COL_TYPE),
		.thing_id = (uint32_t)sqlite3_column_int64(s, COL_THING),
		.client_id = client ? text_or_empty(s, COL_CLIENT) : "",
		.timestamp_ms = sqlite3_column_int64(s, COL_TS),
		.has_version = sqlite3_column_type(s, COL_VERSION) != SQLITE_NULL,
		.version = sqlite3_column_int64(s, COL_VERSION),
		.session_id = field_text(s, COL_SESSION, bufs->session),
		.reason = field_text(s, COL_REASON, NULL),
		.ip = field_text(s, COL_IP, bufs->ip),
		.topic = "",
		.payload = "",
	};
	if (raw) {
		/* Asked before column_text converts it: NULL is "no topic". */
		bool stored = sqlite3_column_type(s, COL_TOPIC) != SQLITE_NULL;
		row->topic = bytes_of(s, COL_TOPIC, &row->topic_len);
		if (stored && row->topic_len == 0)
			restore_topic(row, bufs->topic);
		rebuild_payload(s, row, bufs);
	}
}

/* Steps a bound row query to its end, or until fn says stop. */
static bool run_rows(struct journal *j, sqlite3_stmt *s, bool temp, bool raw, bool client,
                     journal_row_fn fn, void *ctx, char **cause)
{
	struct journal_row row;
	struct row_bufs *bufs = xcalloc(1, sizeof *bufs);
	bufs->j = j;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		fill_row(s, &row, raw, client, bufs);
		if (!fn(ctx, &row)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	free(bufs->payload.p);
	free(bufs);
	if (rc != SQLITE_DONE)
		journal_db_cause(j->db, j->path, "cannot read", cause);
	query_put(s, temp);
	return rc == SQLITE_DONE;
}

bool journal_scan(struct journal *j, uint64_t after_seq, uint64_t upto_seq, bool with_raw,
                  journal_row_fn fn, void *ctx, char **cause)
{
	bool temp;
	sqlite3_stmt *s = query_get(j, with_raw ? QUERY_SCAN_RAW : QUERY_SCAN, &temp, cause);
	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, after_seq > INT64_MAX ? INT64_MAX : (sqlite3_int64)after_seq);
	sqlite3_bind_int64(s, 2, seq_bound(upto_seq));
	return run_rows(j, s, temp, with_raw, with_raw, fn, ctx, cause);
}

static uint64_t query_seq(struct journal *j, enum journal_query q, bool bind, int64_t value);

/* journal_thing_events' rows: counts them, notes the caller stopping. */
struct thing_walk {
	journal_row_fn fn;
	void *ctx;
	size_t left;                /* rows still wanted; SIZE_MAX: all */
	bool stopped;
};

static bool walk_row(void *ctx, const struct journal_row *row)
{
	struct thing_walk *w = ctx;
	if (w->left != SIZE_MAX)
		w->left--;
	if (!w->fn(w->ctx, row)) {
		w->stopped = true;
		return false;
	}
	return w->left > 0;
}

/* The thing index is by block of seqs first (schema 6, journal_schema.c),
 * so the newest rows come from the newest block down. */
bool journal_thing_events(struct journal *j, uint32_t thing_id, size_t limit,
                          journal_row_fn fn, void *ctx, char **cause)
{
	struct thing_walk w = { .fn = fn, .ctx = ctx, .left = limit == 0 ? SIZE_MAX : limit };
	uint64_t first = query_seq(j, QUERY_FIRST_SEQ, false, 0);
	uint64_t last = query_seq(j, QUERY_LAST_SEQ, false, 0);
	if (last == 0)
		return true;
	uint64_t lowest = first >> JOURNAL_BLOCK_BITS;
	for (uint64_t b = (last >> JOURNAL_BLOCK_BITS) + 1; b-- > lowest;) {
		bool temp;
		sqlite3_stmt *s = query_get(j, QUERY_THING_EVENTS, &temp, cause);
		if (!s)
			return false;
		sqlite3_bind_int64(s, 1, thing_id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)b);
		sqlite3_bind_int64(s, 3, w.left > INT64_MAX ? -1 : (sqlite3_int64)w.left);
		if (!run_rows(j, s, temp, true, true, walk_row, &w, cause))
			return false;
		if (w.stopped || w.left == 0)
			break;
	}
	return true;
}

bool journal_disconnects(struct journal *j, int64_t from_ms, int64_t to_ms,
                         journal_row_fn fn, void *ctx, char **cause)
{
	bool temp;
	sqlite3_stmt *s = query_get(j, QUERY_DISCONNECTS, &temp, cause);
	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	return run_rows(j, s, temp, false, false, fn, ctx, cause);
}

/* A statement of its own, finalized by run_rows: the timeline asks these
 * a few times a second at most, so no cached slot. */
static sqlite3_stmt *prepare_once(struct journal *j, const char *sql, char **cause)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(j->db, sql, -1, &s, NULL) != SQLITE_OK) {
		journal_db_cause(j->db, j->path, "cannot read", cause);
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

bool journal_disconnects_after(struct journal *j, uint64_t after_seq, uint64_t upto_seq,
                               journal_row_fn fn, void *ctx, char **cause)
{
	journal_refresh_reader(j);
	/* The seq range first (the rowid), then "type = 2" on those rows only. */
	sqlite3_stmt *s = prepare_once(j, "SELECT " ROW_COLUMNS " FROM events WHERE seq > ?1 AND"
	                               " seq <= ?2 AND type = 2 ORDER BY seq", cause);
	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, after_seq > INT64_MAX ? INT64_MAX : (sqlite3_int64)after_seq);
	sqlite3_bind_int64(s, 2, seq_bound(upto_seq));
	return run_rows(j, s, true, false, false, fn, ctx, cause);
}

/* One end of the disconnects' time span through the partial ts index. */
static bool span_end(struct journal *j, const char *sql, uint64_t upto_seq, int64_t *ms,
                     bool *found, char **cause)
{
	sqlite3_stmt *s = prepare_once(j, sql, cause);
	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, seq_bound(upto_seq));
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ms = sqlite3_column_int64(s, 0);
		*found = true;
	} else if (rc != SQLITE_DONE) {
		journal_db_cause(j->db, j->path, "cannot read", cause);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool journal_disconnect_span(struct journal *j, uint64_t upto_seq, int64_t *first_ms,
                             int64_t *last_ms, bool *found, char **cause)
{
	journal_refresh_reader(j);
	*found = false;
	return span_end(j, "SELECT ts_ms FROM events WHERE type = 2 AND ts_ms IS NOT NULL AND"
	                " seq <= ?1 ORDER BY ts_ms LIMIT 1", upto_seq, first_ms, found, cause) &&
	       span_end(j, "SELECT ts_ms FROM events WHERE type = 2 AND ts_ms IS NOT NULL AND"
	                " seq <= ?1 ORDER BY ts_ms DESC LIMIT 1", upto_seq, last_ms, found, cause);
}

bool journal_disconnect_count(struct journal *j, int64_t from_ms, int64_t to_ms, uint64_t *count,
                              char **cause)
{
	/* Only the partial ts index is read: no row is decoded. */
	sqlite3_stmt *s = prepare_once(j, "SELECT count(*) FROM events WHERE type = 2 AND"
	                               " ts_ms >= ?1 AND ts_ms < ?2", cause);
	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*count = (uint64_t)sqlite3_column_int64(s, 0);
	else
		journal_db_cause(j->db, j->path, "cannot read", cause);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW;
}

bool journal_things_after(struct journal *j, uint32_t after_id, journal_thing_fn fn, void *ctx,
                          char **cause)
{
	bool temp;
	sqlite3_stmt *s = query_get(j, QUERY_THINGS, &temp, cause);
	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, after_id);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!fn(ctx, (uint32_t)sqlite3_column_int64(s, 0), text_or_empty(s, 1))) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		journal_db_cause(j->db, j->path, "cannot read things", cause);
	query_put(s, temp);
	return rc == SQLITE_DONE;
}

bool journal_things(struct journal *j, journal_thing_fn fn, void *ctx, char **cause)
{
	return journal_things_after(j, 0, fn, ctx, cause);
}

/* A one-integer query; 0 when it has no row or fails. */
static uint64_t query_seq(struct journal *j, enum journal_query q, bool bind, int64_t value)
{
	bool temp;
	sqlite3_stmt *s = query_get(j, q, &temp, NULL);
	if (!s)
		return 0;
	if (bind)
		sqlite3_bind_int64(s, 1, value);
	uint64_t seq = 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		seq = (uint64_t)sqlite3_column_int64(s, 0);
	query_put(s, temp);
	return seq;
}

uint64_t journal_last_seq(struct journal *j)
{
	/* What a follower asks each time: the moment to see a new writer. */
	journal_refresh_reader(j);
	return query_seq(j, QUERY_LAST_SEQ, false, 0);
}

uint32_t journal_last_thing_id(struct journal *j)
{
	return (uint32_t)query_seq(j, QUERY_LAST_THING, false, 0);
}

uint64_t journal_first_seq(struct journal *j)
{
	return query_seq(j, QUERY_FIRST_SEQ, false, 0);
}

uint64_t journal_snapshot_seq_at(struct journal *j, int64_t at_ms)
{
	return query_seq(j, QUERY_SNAPSHOT_AT, true, at_ms);
}

/* No index on received_ms: it would not help, the question being "the
 * longest prefix in seq order", not "which rows". Snapshots store the
 * fleet clock, which bounds every row before them, so the newest snapshot
 * at or before at_ms starts the scan, and the scan stops at the first row
 * received later than at_ms. */
uint64_t journal_seq_at(struct journal *j, int64_t at_ms)
{
	uint64_t seq = journal_snapshot_seq_at(j, at_ms);
	bool temp;
	sqlite3_stmt *s = query_get(j, QUERY_SEQ_AT, &temp, NULL);
	if (!s)
		return seq;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
	while (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 1) <= at_ms)
		seq = (uint64_t)sqlite3_column_int64(s, 0);
	query_put(s, temp);
	return seq;
}


struct journal_snapshot {
	sqlite3_blob *blob;
	struct journal_decompressor *decompressor; /* when stored compressed */
	sqlite3 *db;
	int64_t cache_size;                 /* the connection's, restored at close */
};

/* A snapshot's pages are read once, in order: through the connection's
 * cache they would only push out what it holds (a writer's 64 MiB) and
 * add that much to the peak memory of a load. */
#define SNAPSHOT_CACHE_KIB "-64"

static int64_t cache_size(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int64_t size = -2000; /* SQLite's default */
	if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		size = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return size;
}

static void set_cache_size(sqlite3 *db, const char *size)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size = %s", size);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
}

bool journal_snapshot_open(struct journal *j, uint64_t at_most_seq, struct journal_snapshot **out,
                           uint64_t *seq, size_t *len, char **cause)
{
	*out = NULL;
	*seq = 0;
	*len = 0;
	bool temp;
	sqlite3_stmt *s = query_get(j, QUERY_LOAD_SNAPSHOT, &temp, cause);
	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, seq_bound(at_most_seq));
	int rc = sqlite3_step(s);
	bool ok = rc == SQLITE_DONE;
	if (rc == SQLITE_ROW) {
		sqlite3_blob *blob = NULL;
		/* Opened while the query still holds its read transaction, so
		 * the row cannot be thinned away in between. */
		if (sqlite3_blob_open(j->db, "main", "snapshots", "data", sqlite3_column_int64(s, 0), 0,
		                      &blob) == SQLITE_OK) {
			*out = xcalloc(1, sizeof(**out));
			(*out)->blob = blob;
			(*out)->db = j->db;
			(*out)->cache_size = cache_size(j->db);
			sqlite3_db_release_memory(j->db);
			set_cache_size(j->db, SNAPSHOT_CACHE_KIB);
			*seq = (uint64_t)sqlite3_column_int64(s, 0);
			*len = (size_t)sqlite3_blob_bytes(blob);
			ok = true;
			if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
				*len = (size_t)sqlite3_column_int64(s, 1);
				(*out)->decompressor = journal_decompressor_create(blob);
				if (!(*out)->decompressor) {
					set_cause(cause, "journal %s: cannot decompress a snapshot", j->path);
					journal_snapshot_close(*out);
					*out = NULL;
					ok = false;
				}
			}
		} else {
			journal_db_cause(j->db, j->path, "cannot read snapshot", cause);
			sqlite3_blob_close(blob);
		}
	} else if (rc != SQLITE_DONE) {
		journal_db_cause(j->db, j->path, "cannot read snapshot", cause);
	}
	query_put(s, temp);
	return ok;
}

bool journal_snapshot_read(void *snapshot, void *buf, size_t len, size_t offset)
{
	struct journal_snapshot *snap = snapshot;
	if (snap->decompressor)
		return journal_decompressor_read(snap->decompressor, buf, len, offset);
	if (len > INT_MAX || offset > INT_MAX)
		return false;
	return sqlite3_blob_read(snap->blob, buf, (int)len, (int)offset) == SQLITE_OK;
}

void journal_snapshot_close(struct journal_snapshot *snapshot)
{
	if (!snapshot)
		return;
	journal_decompressor_destroy(snapshot->decompressor);
	sqlite3_blob_close(snapshot->blob);
	char size[32];
	snprintf(size, sizeof size, "%" PRId64, snapshot->cache_size);
	set_cache_size(snapshot->db, size);
	free(snapshot);
}

bool journal_load_snapshot(struct journal *j, uint64_t at_most_seq, uint64_t *seq, void **data,
                           size_t *len, char **cause)
{
	struct journal_snapshot *snap;
	*data = NULL;
	if (!journal_snapshot_open(j, at_most_seq, &snap, seq, len, cause))
		return false;
	if (!snap)
		return true;
	*data = xmalloc(*len ? *len : 1);
	bool ok = journal_snapshot_read(snap, *data, *len, 0);
	journal_snapshot_close(snap);
	if (!ok) {
		journal_db_cause(j->db, j->path, "cannot read snapshot", cause);
		free(*data);
		*data = NULL;
		*len = 0;
		*seq = 0;
	}
	return ok;
}
