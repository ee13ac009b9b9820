/* The journal writer's commits (writer thread, no lock held): a queued
 * batch becomes one transaction of thing rows, event rows with their
 * compact bodies, snapshots, meta and coverage rows. */
#include "build_config.h"

#include "journal_writer_internal.h"

#include <string.h>

static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_THING] = "INSERT INTO things(id, client_id, principal, thing_name)"
	               " VALUES (?1, ?2, ?3, ?4)",
	/* The payload's compact form goes to body (journal_codec.h). */
	[STMT_EVENT] = "INSERT INTO events(seq, received_ms, type, thing_id, ts_ms, version,"
	               " session, reason, ip, topic, payload, body)"
	               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, X'', ?11)",
	[STMT_SNAPSHOT] = ("INSERT OR REPLACE INTO snapshots(seq, received_ms, created_ms, data,"
	                   " raw_len) VALUES (?1, ?2, ?3, ?4, ?5)"),
	[STMT_META] = "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
	[STMT_COVERAGE] = "INSERT INTO coverage(at_ms, seq, kind, detail) VALUES (?1, ?2, ?3, ?4)",
};

bool journal_writer_prepare(struct journal_writer *w, char **cause)
{
	for (int i = 0; i < STMT_COUNT; i++) {
		if (sqlite3_prepare_v3(w->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->stmt[i],
		                       NULL) != SQLITE_OK) {
			journal_db_cause(w->db, w->path, "cannot prepare", cause);
			return false;
		}
	}
	return true;
}

void journal_writer_finalize(struct journal_writer *w)
{
	for (int i = 0; i < STMT_COUNT; i++) {
		sqlite3_finalize(w->stmt[i]);
		w->stmt[i] = NULL;
	}
}

static bool step_reset(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE;
}

static bool commit_things(struct journal_writer *w, const struct batch *b)
{
	sqlite3_stmt *s = w->stmt[STMT_THING];
	for (size_t i = 0; i < b->count; i++) {
		const struct rec *r = &b->recs[i];
		if (!(r->flags & REC_NEW_THING))
			continue;
		const char *p = b->buf + r->at + r->topic_len + r->payload_len;
		const char *principal = p + r->client_len + r->session_len + r->reason_len + r->ip_len;
		const char *name = principal + r->principal_len;
		sqlite3_bind_int64(s, 1, r->thing_id);
		sqlite3_bind_text(s, 2, p, r->client_len, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, principal, r->principal_len, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, name, r->name_len, SQLITE_STATIC);
		if (!step_reset(s))
			return false;
		journal_encoder_new_thing(&w->encoder, r->thing_id, principal, r->principal_len, name,
		                          r->name_len);
	}
	return true;
}

/* A meta or coverage record: rare, small, in order with the events. */
static bool commit_side_row(struct journal_writer *w, const struct rec *r, const char *p)
{
	if (r->flags & REC_META) {
		sqlite3_stmt *s = w->stmt[STMT_META];
		sqlite3_bind_text(s, 1, p, (int)r->topic_len, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, p + r->topic_len, (int)r->payload_len, SQLITE_STATIC);
		return step_reset(s);
	}
	sqlite3_stmt *s = w->stmt[STMT_COVERAGE];
	sqlite3_bind_int64(s, 1, r->ts_ms);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)r->seq);
	sqlite3_bind_int(s, 3, r->type);
	if (r->payload_len)
		sqlite3_bind_text(s, 4, p, (int)r->payload_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 4);
	return step_reset(s);
}

static bool commit_snapshot(struct journal_writer *w, const struct rec *r, const char *p)
{
	sqlite3_stmt *snap = w->stmt[STMT_SNAPSHOT];
	sqlite3_bind_int64(snap, 1, (sqlite3_int64)r->seq);
	sqlite3_bind_int64(snap, 2, r->received_ms);
	sqlite3_bind_int64(snap, 3, r->ts_ms);
	sqlite3_bind_blob64(snap, 4, p, r->payload_len, SQLITE_STATIC);
	if (r->flags & REC_COMPRESSED)
		sqlite3_bind_int64(snap, 5, r->version);
	return step_reset(snap);
}

/* The payload's compact form. */
static const struct journal_codec_buf *encode_payload(struct journal_writer *w,
                                                      const struct rec *r, const char *payload)
{
	const char *p = payload + r->payload_len;
	char client[EVENT_CLIENT_ID_MAX + 1], session[EVENT_SESSION_MAX + 1];
	char reason[EVENT_DETAIL_MAX + 1], ip[EVENT_IP_MAX + 1];
	/* Each was cut to its event.h size by journal_writer_append. */
	memcpy(client, p, r->client_len);
	client[r->client_len] = '\0';
	p += r->client_len;
	memcpy(session, p, r->session_len);
	session[r->session_len] = '\0';
	p += r->session_len;
	memcpy(reason, p, r->reason_len);
	reason[r->reason_len] = '\0';
	p += r->reason_len;
	memcpy(ip, p, r->ip_len);
	ip[r->ip_len] = '\0';
	struct journal_encoder_row row = {
		.type = (enum event_type)r->type, .thing_id = r->thing_id, .client_id = client,
		.session = session, .reason = reason, .ip = ip,
		.has_ts = r->flags & REC_HAS_TS, .ts_ms = r->ts_ms,
		.has_version = r->flags & REC_HAS_VERSION, .version = r->version,
		.payload = payload, .payload_len = r->payload_len, .payload_crc = r->payload_crc,
	};
	return journal_encoder_body(&w->encoder, &row);
}

static bool commit_rows(struct journal_writer *w, const struct batch *b)
{
	sqlite3_stmt *ev = w->stmt[STMT_EVENT];
	for (size_t i = 0; i < b->count; i++) {
		const struct rec *r = &b->recs[i];
		const char *p = b->buf + r->at;
		if (r->flags & (REC_META | REC_COVERAGE)) {
			if (!commit_side_row(w, r, p))
				return false;
			continue;
		}
		if (r->flags & REC_SNAPSHOT) {
			if (!commit_snapshot(w, r, p))
				return false;
			continue;
		}
		sqlite3_bind_int64(ev, 1, (sqlite3_int64)r->seq);
		sqlite3_bind_int64(ev, 2, r->received_ms);
		sqlite3_bind_int(ev, 3, r->type);
		if (r->thing_id)
			sqlite3_bind_int64(ev, 4, r->thing_id);
		if (r->flags & REC_HAS_TS)
			sqlite3_bind_int64(ev, 5, r->ts_ms);
		if (r->flags & REC_HAS_VERSION)
			sqlite3_bind_int64(ev, 6, r->version);
		if (r->flags & REC_HAS_TOPIC)
			sqlite3_bind_blob64(ev, 10, p, r->topic_len, SQLITE_STATIC);
		p += r->topic_len;
		const struct journal_codec_buf *body = encode_payload(w, r, p);
		sqlite3_bind_blob64(ev, 11, body->p, body->len, SQLITE_STATIC);
		p += r->payload_len + r->client_len;
		const char *reason = p + r->session_len, *ip = reason + r->reason_len;
		struct journal_packed packed;
		journal_bind_fields(ev, 7, 8, 9, p, r->session_len, reason, r->reason_len, ip, r->ip_len,
		                    &packed);
		if (!step_reset(ev))
			return false;
		if (r->type == EVENT_DISCONNECTED && (r->flags & REC_HAS_TS))
			journal_counts_add(&w->counts, r->ts_ms, reason, r->reason_len);
	}
	/* Counted in the same transaction: the rows and their counts commit
	 * (or roll back) together. */
	if (!journal_counts_flush(&w->counts, w->db))
		return false;
	/* New shapes go with the rows that use them (and again after a
	 * rolled back batch: the table is asked what it holds). */
	return journal_encoder_save_shapes(&w->encoder);
}

/* One batch, one transaction: things first, so every event's thing is
 * there when the transaction becomes visible. */
bool journal_writer_commit_batch(struct journal_writer *w, const struct batch *b, char **cause)
{
	if (!step_reset(w->stmt[STMT_BEGIN])) {
		journal_db_cause(w->db, w->path, "cannot start a transaction", cause);
		return false;
	}
	w->counts.count = 0;
	if (!commit_things(w, b) || !commit_rows(w, b) || !step_reset(w->stmt[STMT_COMMIT])) {
		journal_db_cause(w->db, w->path, "cannot write", cause);
		step_reset(w->stmt[STMT_ROLLBACK]);
		return false;
	}
	return true;
}
