/* The journal's alerts table (see journal_alerts.h). */
#include "journal_alerts.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal_internal.h"
#include "xalloc.h"

/* Rows wait here for the thread; rule names are borrowed from the rules. */
struct queued {
	enum alert_change_kind kind;
	const char *rule;
	uint32_t thing_id;
	int64_t started_ms, at_ms;
};

struct journal_alerts {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *fired, *sent, *resolved;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct queued *queue;       /* under lock */
	size_t count, cap;
	bool stopping;              /* under lock */
	char *error;                /* under lock: the last write's failure */
};

/* Writes a batch in one transaction on this thread's connection. */
static bool write_rows(struct journal_alerts *ja, const struct queued *rows, size_t count,
                       char **cause)
{
	if (sqlite3_exec(ja->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		journal_db_cause(ja->db, ja->path, "cannot write alerts", cause);
		return false;
	}
	for (size_t i = 0; i < count; i++) {
		const struct queued *c = &rows[i];
		sqlite3_stmt *s = c->kind == ALERT_FIRED ? ja->fired
		                : c->kind == ALERT_SENT ? ja->sent : ja->resolved;
		sqlite3_bind_text(s, 1, c->rule, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, c->thing_id);
		sqlite3_bind_int64(s, 3, c->started_ms);
		sqlite3_bind_int64(s, 4, c->at_ms);
		int rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			journal_db_cause(ja->db, ja->path, "cannot write alerts", cause);
			sqlite3_exec(ja->db, "ROLLBACK", NULL, NULL, NULL);
			return false;
		}
	}
	if (sqlite3_exec(ja->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		journal_db_cause(ja->db, ja->path, "cannot commit alerts", cause);
		sqlite3_exec(ja->db, "ROLLBACK", NULL, NULL, NULL);
		return false;
	}
	return true;
}

/* The writer thread: takes what is queued, writes it, and waits a little
 * before the next transaction so that bursts share one (each takes the
 * journal's write lock from the event writer for a moment). */
static void *run(void *arg)
{
	struct journal_alerts *ja = arg;
	pthread_mutex_lock(&ja->lock);
	for (;;) {
		while (ja->count == 0 && !ja->stopping)
			pthread_cond_wait(&ja->wake, &ja->lock);
		if (ja->count == 0 && ja->stopping)
			break;
		struct queued *rows = ja->queue;
		size_t count = ja->count;
		ja->queue = NULL;
		ja->count = ja->cap = 0;
		bool stopping = ja->stopping;
		pthread_mutex_unlock(&ja->lock);
		char *cause = NULL;
		bool ok = write_rows(ja, rows, count, &cause);
		free(rows);
		if (!stopping)
			usleep(250 * 1000);
		pthread_mutex_lock(&ja->lock);
		if (!ok) {
			free(ja->error);
			ja->error = cause;
		}
	}
	pthread_mutex_unlock(&ja->lock);
	return NULL;
}

void journal_alerts_close(struct journal_alerts *ja)
{
	if (!ja)
		return;
	if (ja->started) {
		pthread_mutex_lock(&ja->lock);
		ja->stopping = true;
		pthread_cond_signal(&ja->wake);
		pthread_mutex_unlock(&ja->lock);
		pthread_join(ja->thread, NULL);
	}
	pthread_mutex_destroy(&ja->lock);
	pthread_cond_destroy(&ja->wake);
	sqlite3_finalize(ja->fired);
	sqlite3_finalize(ja->sent);
	sqlite3_finalize(ja->resolved);
	sqlite3_close(ja->db);
	free(ja->queue);
	free(ja->error);
	free(ja->path);
	free(ja);
}

struct journal_alerts *journal_alerts_open(const struct journal *journal, char **cause)
{
	struct journal_alerts *ja = xcalloc(1, sizeof *ja);
	pthread_mutex_init(&ja->lock, NULL);
	pthread_cond_init(&ja->wake, NULL);
	ja->path = xstrdup(journal_path(journal));
	ja->db = journal_db_open(ja->path, false, false, cause);
	if (!ja->db)
		goto fail;
	if (sqlite3_prepare_v2(ja->db,
	                       "INSERT OR IGNORE INTO alerts(rule, thing_id, started_ms, fired_ms)"
	                       " VALUES (?1, ?2, ?3, ?4)", -1, &ja->fired, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ja->db,
	                       "UPDATE alerts SET sent_ms = ?4 WHERE rule = ?1 AND thing_id = ?2"
	                       " AND started_ms = ?3", -1, &ja->sent, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ja->db,
	                       "UPDATE alerts SET resolved_ms = ?4 WHERE rule = ?1 AND thing_id = ?2"
	                       " AND started_ms = ?3", -1, &ja->resolved, NULL) != SQLITE_OK) {
		journal_db_cause(ja->db, ja->path, "cannot prepare the alerts table", cause);
		goto fail;
	}
	int err = pthread_create(&ja->thread, NULL, run, ja);
	if (err != 0) {
		set_cause(cause, "journal %s: cannot start the alerts writer: %s", ja->path, strerror(err));
		goto fail;
	}
	ja->started = true;
	return ja;
fail:
	journal_alerts_close(ja);
	return NULL;
}

void journal_alerts_write(struct journal_alerts *ja, const struct alerts *alerts,
                          const struct alert_change *changes, size_t count)
{
	if (count == 0)
		return;
	pthread_mutex_lock(&ja->lock);
	if (ja->count + count > ja->cap) {
		ja->cap = ja->count + count > 2 * ja->cap ? ja->count + count : 2 * ja->cap;
		ja->queue = xreallocarray(ja->queue, ja->cap, sizeof *ja->queue);
	}
	for (size_t i = 0; i < count; i++) {
		const struct alert_change *c = &changes[i];
		ja->queue[ja->count++] = (struct queued){
			.kind = c->kind, .rule = alerts_rule(alerts, c->rule)->name,
			.thing_id = c->thing_id, .started_ms = c->started_ms, .at_ms = c->at_ms,
		};
	}
	pthread_cond_signal(&ja->wake);
	pthread_mutex_unlock(&ja->lock);
}

char *journal_alerts_take_error(struct journal_alerts *ja)
{
	pthread_mutex_lock(&ja->lock);
	char *error = ja->error;
	ja->error = NULL;
	pthread_mutex_unlock(&ja->lock);
	return error;
}

static int64_t column_ms(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, col);
}

static const char *column_text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	return t ? (const char *)t : "";
}

bool journal_alerts_scan(struct journal *journal, bool open_only, int64_t from_ms, int64_t to_ms,
                         journal_alert_fn fn, void *ctx, char **cause)
{
	sqlite3_stmt *s = NULL;
	/* Two texts, so that the open ones come from their partial index: a
	 * follower asks every second, however long the history. */
	const char *sql = open_only
		? "SELECT a.rule, a.thing_id, t.client_id, a.started_ms, a.fired_ms, a.sent_ms,"
		  " a.resolved_ms FROM alerts a LEFT JOIN things t ON t.id = a.thing_id"
		  " WHERE a.resolved_ms IS NULL AND a.fired_ms >= ?1 AND (?2 = 0 OR a.fired_ms < ?2)"
		  " ORDER BY a.fired_ms, a.rule, a.thing_id"
		: "SELECT a.rule, a.thing_id, t.client_id, a.started_ms, a.fired_ms, a.sent_ms,"
		  " a.resolved_ms FROM alerts a LEFT JOIN things t ON t.id = a.thing_id"
		  " WHERE a.fired_ms >= ?1 AND (?2 = 0 OR a.fired_ms < ?2)"
		  " ORDER BY a.fired_ms, a.rule, a.thing_id";
	if (sqlite3_prepare_v2(journal->db, sql, -1, &s, NULL) != SQLITE_OK) {
		journal_db_cause(journal->db, journal->path, "cannot read alerts", cause);
		return false;
	}
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct journal_alert_row row = {
			.rule = column_text(s, 0),
			.thing_id = (uint32_t)sqlite3_column_int64(s, 1),
			.client_id = column_text(s, 2),
			.started_ms = column_ms(s, 3),
			.fired_ms = column_ms(s, 4),
			.sent_ms = column_ms(s, 5),
			.resolved_ms = column_ms(s, 6),
		};
		if (!fn(ctx, &row)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	bool ok = rc == SQLITE_DONE;
	if (!ok)
		journal_db_cause(journal->db, journal->path, "cannot read alerts", cause);
	sqlite3_finalize(s);
	return ok;
}
