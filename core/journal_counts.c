/* Disconnects per minute and reason (schema 7): what the timeline draws
 * from without reading a row. The writer adds a batch's disconnects in
 * the batch's own transaction and retention subtracts the rows it deletes
 * in theirs, so the table always equals
 *   SELECT minute of ts_ms, reason text, count(*) FROM events
 *   WHERE type = 2 AND ts_ms IS NOT NULL GROUP BY 1, 2
 * after every commit, a crash included. */
#include "build_config.h"

#include "journal_internal.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

int64_t journal_minute_of(int64_t ts_ms)
{
	int64_t q = ts_ms / 60000;
	return ts_ms % 60000 < 0 ? q - 1 : q;
}

/* thingtop_reason(reason): a stored reason (a 1-byte code, text or NULL)
 * as the text the counts are keyed by ("" for none). */
static void reason_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_value *v = argv[0];
	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL:
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		break;
	case SQLITE_BLOB:
		if (sqlite3_value_bytes(v) == 1) {
			int code = *(const unsigned char *)sqlite3_value_blob(v);
			sqlite3_result_text(ctx, journal_reason_text(code), -1, SQLITE_STATIC);
			break;
		}
		/* An unknown blob counts as its bytes. */
		sqlite3_result_text(ctx, (const char *)sqlite3_value_text(v), sqlite3_value_bytes(v),
		                    SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_result_text(ctx, (const char *)sqlite3_value_text(v), sqlite3_value_bytes(v),
		                    SQLITE_TRANSIENT);
		break;
	}
}

bool journal_counts_register(sqlite3 *db)
{
	return sqlite3_create_function_v2(db, "thingtop_reason", 1,
	                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
	                                  reason_fn, NULL, NULL, NULL) == SQLITE_OK;
}

/* ---- The writer's side: a batch's disconnects, summed, then upserted ---- */

void journal_counts_add(struct journal_counts *c, int64_t ts_ms, const char *reason, size_t len)
{
	if (c->count == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
	}
	c->v[c->count++] = (struct journal_count_key){
		.minute = journal_minute_of(ts_ms), .reason = reason, .len = len,
	};
}

static int cmp_key(const void *a, const void *b)
{
	const struct journal_count_key *x = a, *y = b;
	if (x->minute != y->minute)
		return x->minute < y->minute ? -1 : 1;
	size_t n = x->len < y->len ? x->len : y->len;
	int d = memcmp(x->reason, y->reason, n);
	if (d != 0)
		return d;
	return x->len < y->len ? -1 : x->len > y->len;
}

bool journal_counts_flush(struct journal_counts *c, sqlite3 *db)
{
	if (c->count == 0)
		return true;
	if (c->upsert == NULL &&
	    sqlite3_prepare_v3(db, "INSERT INTO disconnect_counts(minute, reason, n) VALUES (?1, ?2, ?3)"
	                       " ON CONFLICT(minute, reason) DO UPDATE SET n = n + excluded.n",
	                       -1, SQLITE_PREPARE_PERSISTENT, &c->upsert, NULL) != SQLITE_OK)
		return false;
	/* Sorted, equal keys are neighbours: one upsert per key. */
	qsort(c->v, c->count, sizeof *c->v, cmp_key);
	bool ok = true;
	for (size_t i = 0; ok && i < c->count;) {
		size_t j = i + 1;
		while (j < c->count && cmp_key(&c->v[i], &c->v[j]) == 0)
			j++;
		sqlite3_bind_int64(c->upsert, 1, c->v[i].minute);
		sqlite3_bind_text(c->upsert, 2, c->v[i].reason, (int)c->v[i].len, SQLITE_STATIC);
		sqlite3_bind_int64(c->upsert, 3, (sqlite3_int64)(j - i));
		ok = sqlite3_step(c->upsert) == SQLITE_DONE;
		sqlite3_reset(c->upsert);
		i = j;
	}
	sqlite3_clear_bindings(c->upsert);
	c->count = 0;
	return ok;
}

void journal_counts_finish(struct journal_counts *c)
{
	sqlite3_finalize(c->upsert);
	free(c->v);
	*c = (struct journal_counts){ 0 };
}

/* ---- Retention's side ---- */

#define CHUNK_DISCONNECTS "FROM events WHERE seq < ?1 AND +type = 2 AND ts_ms IS NOT NULL"
#define MINUTE_SQL "(ts_ms / 60000 - (ts_ms % 60000 < 0))"

/* Runs sql with ?1..?3 bound; a row's two columns go to out (when given:
 * *found says whether the first is not NULL). */
static bool run_bound(sqlite3 *db, const char *sql, const sqlite3_int64 in[3], int64_t out[2],
                      bool *found)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	for (int i = 0; rc == SQLITE_OK && i < sqlite3_bind_parameter_count(s); i++)
		sqlite3_bind_int64(s, i + 1, in[i]);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && out) {
		*found = sqlite3_column_type(s, 0) != SQLITE_NULL;
		out[0] = sqlite3_column_int64(s, 0);
		out[1] = sqlite3_column_int64(s, 1);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE;
}

/* "+type": the rows by seq (the rowid), not the whole partial ts index. */
bool journal_counts_subtract(sqlite3 *db, uint64_t below_seq)
{
	sqlite3_int64 in[3] = { below_seq > INT64_MAX ? INT64_MAX : (sqlite3_int64)below_seq, 0, 0 };
	int64_t range[2];
	bool found = false;
	if (!run_bound(db, "SELECT min(" MINUTE_SQL "), max(" MINUTE_SQL ") " CHUNK_DISCONNECTS, in,
	               range, &found))
		return false;
	if (!found)
		return true;          /* no disconnect among them */
	in[1] = range[0];
	in[2] = range[1];
	/* Rows whose count drops to 0 go, within the minutes touched only. */
	return run_bound(db, "UPDATE disconnect_counts AS c SET n = c.n - d.k FROM (SELECT "
	                 MINUTE_SQL " AS m, thingtop_reason(reason) AS r, count(*) AS k "
	                 CHUNK_DISCONNECTS " GROUP BY 1, 2) AS d WHERE c.minute = d.m AND"
	                 " c.reason = d.r", in, NULL, NULL) &&
	       run_bound(db, "DELETE FROM disconnect_counts WHERE minute >= ?2 AND minute <= ?3"
	                 " AND n <= 0", in, NULL, NULL);
}

/* ---- Reading ---- */

static bool read_counts(struct journal *j, int64_t from, int64_t to, journal_count_fn fn,
                        void *ctx, uint64_t *upto_seq)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(j->db, "SELECT ifnull(max(seq), 0) FROM events", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*upto_seq = (uint64_t)sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(j->db, "SELECT minute, reason, n FROM disconnect_counts"
		                        " WHERE minute >= ?1 AND minute < ?2 ORDER BY minute", -1, &s,
		                        NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, from);
		sqlite3_bind_int64(s, 2, to);
	}
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *reason = (const char *)sqlite3_column_text(s, 1);
		if (!fn(ctx, sqlite3_column_int64(s, 0), reason ? reason : "",
		        (uint64_t)sqlite3_column_int64(s, 2))) {
			rc = SQLITE_DONE;
			break;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE;
}

bool journal_disconnect_counts(struct journal *j, int64_t from_minute, int64_t to_minute,
                               journal_count_fn fn, void *ctx, uint64_t *upto_seq,
                               bool *available, char **cause)
{
	*available = false;
	*upto_seq = 0;
	journal_refresh_reader(j);
	/* One read transaction: the counts and the seq they reach agree. */
	if (sqlite3_exec(j->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		journal_db_cause(j->db, j->path, "cannot read", cause);
		return false;
	}
	int version = journal_db_version(j->db, j->path, cause);
	bool ok = version >= 0;
	*available = version >= JOURNAL_COUNTS_VERSION;
	if (ok && *available && !read_counts(j, from_minute, to_minute, fn, ctx, upto_seq)) {
		journal_db_cause(j->db, j->path, "cannot read the disconnect counts", cause);
		ok = false;
	}
	sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
	return ok;
}
