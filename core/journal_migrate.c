/* Schema 3's row conversion and what the writer and the conversion share:
 * a row's codec context and its binary columns. */
#include "build_config.h"

#include "event.h"
#include "journal_internal.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Rows per transaction: a stop loses at most this much work. */
#define CONVERT_CHUNK 4096

void journal_row_ctx(struct journal_codec_ctx *ctx, enum event_type type, const char *client_id,
                     const char *principal, const char *thing_name, bool has_ts, int64_t ts_ms, bool has_version,
                     int64_t version, const char *session, const char *reason, const char *ip)
{
	bool lifecycle = type >= EVENT_CONNECTED && type <= EVENT_UNSUBSCRIBED;
	*ctx = (struct journal_codec_ctx){
		.client_id = client_id,
		.event_type = lifecycle ? event_type_name(type) : "",
		.session = session,
		.principal = principal,
		.thing_name = thing_name,
		.ip = ip,
		.reason = reason,
		.has_ts = has_ts,
		.ts_ms = ts_ms,
		.has_version = has_version,
		.version = version,
	};
}

/* A NUL-terminated copy of a short field, or "" when it is too long to
 * pack (then it is bound as text anyway). */
static const char *short_copy(char *buf, size_t size, const char *p, size_t len)
{
	if (len >= size)
		return "";
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

void journal_bind_fields(sqlite3_stmt *stmt, int s, int r, int i, const char *session,
                         size_t session_len, const char *reason, size_t reason_len,
                         const char *ip, size_t ip_len, struct journal_packed *packed)
{
	char text[EVENT_SESSION_MAX + EVENT_IP_MAX + EVENT_REASON_MAX];
	size_t n;
	if ((n = journal_pack_session(short_copy(text, sizeof text, session, session_len),
	                              packed->session)) > 0)
		sqlite3_bind_blob(stmt, s, packed->session, (int)n, SQLITE_STATIC);
	else if (session_len)
		sqlite3_bind_text(stmt, s, session, (int)session_len, SQLITE_STATIC);
	int code = journal_reason_code(short_copy(text, sizeof text, reason, reason_len));
	/* A one-byte blob: the column's TEXT affinity would turn an integer
	 * into text. */
	packed->reason = (unsigned char)code;
	if (code > 0)
		sqlite3_bind_blob(stmt, r, &packed->reason, 1, SQLITE_STATIC);
	else if (reason_len)
		sqlite3_bind_text(stmt, r, reason, (int)reason_len, SQLITE_STATIC);
	if ((n = journal_pack_ip(short_copy(text, sizeof text, ip, ip_len), packed->ip)) > 0)
		sqlite3_bind_blob(stmt, i, packed->ip, (int)n, SQLITE_STATIC);
	else if (ip_len)
		sqlite3_bind_text(stmt, i, ip, (int)ip_len, SQLITE_STATIC);
}

bool journal_shapes_load(sqlite3 *db, struct journal_shapes *shapes)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT id, shape FROM shapes WHERE id > ?1 ORDER BY id", -1,
	                            &s, NULL);
	if (rc == SQLITE_OK)
		sqlite3_bind_int64(s, 1, (sqlite3_int64)shapes->count);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!journal_shapes_add(shapes, (unsigned)sqlite3_column_int64(s, 0),
		                        sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1)))
			break;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE;
}

bool journal_shapes_save(sqlite3 *db, const struct journal_shapes *shapes)
{
	sqlite3_stmt *s = NULL;
	int64_t saved = -1;
	if (sqlite3_prepare_v2(db, "SELECT ifnull(max(id), 0) FROM shapes", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		saved = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (saved < 0)
		return false;
	if ((size_t)saved >= shapes->count)
		return true;
	bool ok = sqlite3_prepare_v2(db, "INSERT INTO shapes(id, shape) VALUES (?1, ?2)", -1, &s,
	                             NULL) == SQLITE_OK;
	for (size_t id = (size_t)saved + 1; ok && id <= shapes->count; id++) {
		sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
		sqlite3_bind_blob(s, 2, shapes->v[id - 1].bytes, (int)shapes->v[id - 1].len,
		                  SQLITE_STATIC);
		ok = sqlite3_step(s) == SQLITE_DONE;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return ok;
}

/* ---- Converting schema-2 rows ---- */

struct old_row {
	int64_t seq, ts_ms, version;
	int type;
	uint32_t thing_id;
	bool has_ts, has_version;
	char *session, *reason, *ip, *payload;
	size_t payload_len;
};

enum convert_stmt { C_AFTER, C_ROWS, C_THING, C_SET_PRINCIPAL, C_UPDATE, C_PROGRESS, C_DONE,
                    C_COUNT };

static const char *const convert_sql[C_COUNT] = {
	[C_AFTER] = "SELECT value FROM meta WHERE key = 'convert_after'",
	[C_ROWS] = "SELECT seq, type, thing_id, ts_ms, version, session, reason, ip, payload"
	           " FROM events WHERE seq > ?1 AND body IS NULL ORDER BY seq LIMIT ?2",
	[C_THING] = "SELECT client_id, principal, thing_name FROM things WHERE id = ?1",
	[C_SET_PRINCIPAL] = "UPDATE things SET principal = ?2, thing_name = ?3 WHERE id = ?1",
	[C_UPDATE] = "UPDATE events SET session = ?2, reason = ?3, ip = ?4, payload = X'', body = ?5"
	             " WHERE seq = ?1",
	[C_PROGRESS] = "UPDATE meta SET value = ?1 WHERE key = 'convert_after'",
	[C_DONE] = "DELETE FROM meta WHERE key = 'convert_after'",
};

static char *column_dup(sqlite3_stmt *s, int col, size_t *len)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, col) : 0;
	char *copy = xmalloc(n + 1);
	if (n)
		memcpy(copy, t, n);
	copy[n] = '\0';
	if (len)
		*len = n;
	return copy;
}

static bool step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE;
}

/* Reads up to a chunk of unconverted rows after `after`. */
static bool read_chunk(sqlite3_stmt *s, int64_t after, size_t chunk, struct old_row *rows,
                       size_t *count)
{
	*count = 0;
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)chunk);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct old_row *r = &rows[(*count)++];
		r->seq = sqlite3_column_int64(s, 0);
		r->type = sqlite3_column_int(s, 1);
		r->thing_id = (uint32_t)sqlite3_column_int64(s, 2);
		r->has_ts = sqlite3_column_type(s, 3) != SQLITE_NULL;
		r->ts_ms = sqlite3_column_int64(s, 3);
		r->has_version = sqlite3_column_type(s, 4) != SQLITE_NULL;
		r->version = sqlite3_column_int64(s, 4);
		r->session = column_dup(s, 5, NULL);
		r->reason = column_dup(s, 6, NULL);
		r->ip = column_dup(s, 7, NULL);
		r->payload = column_dup(s, 8, &r->payload_len);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE;
}

/* The thing's client id, principal and thing name; the last two are set
 * from this row's payload when the thing has none yet (its first row). */
static bool thing_of(sqlite3_stmt **st, const struct old_row *r, char **client_id,
                     char **principal, char **thing_name)
{
	sqlite3_stmt *s = st[C_THING];
	sqlite3_bind_int64(s, 1, r->thing_id);
	bool found = sqlite3_step(s) == SQLITE_ROW;
	bool known = found && sqlite3_column_type(s, 1) != SQLITE_NULL;
	*client_id = found ? column_dup(s, 0, NULL) : xstrdup("");
	*principal = found ? column_dup(s, 1, NULL) : xstrdup("");
	*thing_name = found ? column_dup(s, 2, NULL) : xstrdup("");
	sqlite3_reset(s);
	if (!found || known)
		return true;
	struct event *ev = xmalloc(sizeof *ev);
	event_parse(NULL, r->payload, r->payload_len, ev);
	free(*principal);
	free(*thing_name);
	*principal = xstrdup(ev->principal);
	*thing_name = xstrdup(ev->thing_name);
	free(ev);
	s = st[C_SET_PRINCIPAL];
	sqlite3_bind_int64(s, 1, r->thing_id);
	sqlite3_bind_text(s, 2, *principal, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, *thing_name, -1, SQLITE_STATIC);
	return step_done(s);
}

static bool convert_row(sqlite3_stmt **st, const struct old_row *r, struct journal_shapes *shapes,
                        struct journal_codec_buf *blob)
{
	char *client_id = xstrdup(""), *principal = xstrdup(""), *thing_name = xstrdup("");
	bool ok = true;
	if (r->thing_id) {
		free(client_id);
		free(principal);
		free(thing_name);
		ok = thing_of(st, r, &client_id, &principal, &thing_name);
	}
	struct journal_codec_ctx ctx;
	journal_row_ctx(&ctx, (enum event_type)r->type, client_id, principal, thing_name, r->has_ts, r->ts_ms,
	                r->has_version, r->version, r->session, r->reason, r->ip);
	journal_codec_encode(r->payload, r->payload_len, &ctx, shapes, blob, NULL);
	sqlite3_stmt *u = st[C_UPDATE];
	sqlite3_bind_int64(u, 1, r->seq);
	struct journal_packed packed;
	journal_bind_fields(u, 2, 3, 4, r->session, strlen(r->session), r->reason, strlen(r->reason),
	                    r->ip, strlen(r->ip), &packed);
	sqlite3_bind_blob64(u, 5, blob->p, blob->len, SQLITE_STATIC);
	ok = ok && step_done(u);
	free(client_id);
	free(principal);
	free(thing_name);
	return ok;
}

static void free_rows(struct old_row *rows, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(rows[i].session);
		free(rows[i].reason);
		free(rows[i].ip);
		free(rows[i].payload);
	}
}

/* One chunk in one transaction; *finished once no row is left. */
static bool convert_chunk(sqlite3 *db, const char *path, sqlite3_stmt **st, size_t chunk,
                          struct old_row *rows, struct journal_shapes *shapes,
                          struct journal_codec_buf *blob, bool *finished, char **cause)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		journal_db_cause(db, path, "cannot convert rows to their compact form", cause);
		return false;
	}
	size_t count = 0;
	/* Read again inside the transaction: another process may be ahead. */
	int rc = sqlite3_step(st[C_AFTER]);
	*finished = rc != SQLITE_ROW;
	int64_t after = rc == SQLITE_ROW ? sqlite3_column_int64(st[C_AFTER], 0) : 0;
	sqlite3_reset(st[C_AFTER]);
	bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
	if (ok && !*finished)
		ok = read_chunk(st[C_ROWS], after, chunk, rows, &count);
	for (size_t i = 0; ok && i < count; i++)
		ok = convert_row(st, &rows[i], shapes, blob);
	ok = ok && journal_shapes_save(db, shapes);
	if (ok && !*finished && count == 0) {
		ok = step_done(st[C_DONE]);
		*finished = true;
	} else if (ok && count > 0) {
		sqlite3_bind_int64(st[C_PROGRESS], 1, rows[count - 1].seq);
		ok = step_done(st[C_PROGRESS]);
	}
	free_rows(rows, count);
	if (ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return true;
	journal_db_cause(db, path, "cannot convert rows to their compact form", cause);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

bool journal_convert_rows(sqlite3 *db, const char *path, char **cause)
{
	return journal_convert_rows_chunked(db, path, CONVERT_CHUNK, cause);
}

bool journal_convert_rows_chunked(sqlite3 *db, const char *path, size_t chunk, char **cause)
{
	sqlite3_stmt *st[C_COUNT] = { 0 };
	struct old_row *rows = xcalloc(chunk, sizeof *rows);
	struct journal_codec_buf blob = { 0 };
	struct journal_shapes shapes = { 0 };
	bool ok = journal_shapes_load(db, &shapes), finished = false;
	for (int i = 0; ok && i < C_COUNT; i++)
		ok = sqlite3_prepare_v2(db, convert_sql[i], -1, &st[i], NULL) == SQLITE_OK;
	if (!ok)
		journal_db_cause(db, path, "cannot convert rows to their compact form", cause);
	while (ok && !finished)
		ok = convert_chunk(db, path, st, chunk, rows, &shapes, &blob, &finished, cause);
	for (int i = 0; i < C_COUNT; i++)
		sqlite3_finalize(st[i]);
	free(rows);
	free(blob.p);
	journal_shapes_clear(&shapes);
	return ok;
}
