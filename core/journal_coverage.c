/* Coverage: when the recorder was listening, read back as gaps, and the
 * small settings kept in the meta table. Rows are written through the
 * writer's queue (journal_writer.c), so they land in order with the events
 * around them; this file only reads them, on the caller's connection. */
#include "build_config.h"

#include "journal_internal.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *journal_get_meta(struct journal *j, const char *key)
{
	sqlite3_stmt *s = NULL;
	char *value = NULL;
	if (sqlite3_prepare_v2(j->db, "SELECT value FROM meta WHERE key = ?1", -1, &s, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
			value = xstrdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	return value;
}

/* The last coverage row's kind and time, and the last event's receive
 * time; kind 0 when there is no coverage row yet. */
static bool last_activity(struct journal *j, int *kind, int64_t *at_ms, char **cause)
{
	static const char sql[] =
		"SELECT (SELECT kind FROM coverage ORDER BY id DESC LIMIT 1),"
		" max(ifnull((SELECT at_ms FROM coverage ORDER BY id DESC LIMIT 1), 0),"
		"     ifnull((SELECT received_ms FROM events ORDER BY seq DESC LIMIT 1), 0))";
	sqlite3_stmt *s = NULL;
	bool ok = sqlite3_prepare_v2(j->db, sql, -1, &s, NULL) == SQLITE_OK &&
	          sqlite3_step(s) == SQLITE_ROW;
	if (ok) {
		*kind = sqlite3_column_int(s, 0);
		*at_ms = sqlite3_column_int64(s, 1);
	} else {
		journal_db_cause(j->db, j->path, "cannot read coverage", cause);
	}
	sqlite3_finalize(s);
	return ok;
}

bool journal_begin_recording(struct journal *j, int64_t now_ms, uint64_t recovered, char **cause)
{
	int kind = 0;
	int64_t at_ms = 0;
	if (!j->writer) {
		set_cause(cause, "journal %s is open read-only", j->path);
		return false;
	}
	if (!last_activity(j, &kind, &at_ms, cause))
		return false;
	/* The last run wrote no stop: it was killed, lost power or crashed.
	 * Its last sign of life is the newer of its last row and event. */
	if (kind != 0 && kind != COVERAGE_STOP) {
		char detail[160];
		snprintf(detail, sizeof detail, "the recorder died (killed, crashed or lost power);"
		         " %llu message(s) recovered from its intake log", (unsigned long long)recovered);
		journal_note_coverage(j, COVERAGE_UNCLEAN_STOP, at_ms, detail);
	}
	journal_note_coverage(j, COVERAGE_START, now_ms, NULL);
	return journal_flush(j, cause);
}

/* Walks the coverage rows and reports the spans between listening. */
struct gap_walk {
	bool listening;              /* connected with every filter granted */
	bool seen_connect;           /* history starts at the first connect */
	bool down;                   /* a span is open */
	struct journal_gap gap;
	char why[512];
};

static void open_gap(struct gap_walk *g, int64_t at_ms, uint64_t seq, const char *why,
                     bool unclean, bool lost)
{
	if (g->down) {
		/* Already down (a stop after a lost connection): the first
		 * cause stands, an unclean end or a refusal adds to it. */
		g->gap.unclean |= unclean;
		g->gap.lost |= lost;
		return;
	}
	g->down = true;
	g->listening = false;
	g->gap = (struct journal_gap){ .from_ms = at_ms, .after_seq = seq, .unclean = unclean,
	                               .lost = lost, .why = g->why };
	snprintf(g->why, sizeof g->why, "%s", why);
}

bool journal_gaps(struct journal *j, journal_gap_fn fn, void *ctx, char **cause)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(j->db, "SELECT at_ms, seq, kind, ifnull(detail, '') FROM coverage"
	                       " ORDER BY id", -1, &s, NULL) != SQLITE_OK) {
		journal_db_cause(j->db, j->path, "cannot read coverage", cause);
		return false;
	}
	struct gap_walk g = { 0 };
	int rc;
	bool go_on = true;
	while (go_on && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t at = sqlite3_column_int64(s, 0);
		uint64_t seq = (uint64_t)sqlite3_column_int64(s, 1);
		int kind = sqlite3_column_int(s, 2);
		const char *detail = (const char *)sqlite3_column_text(s, 3);
		char why[512];
		switch (kind) {
		case COVERAGE_CONNECTED_NEW:
		case COVERAGE_CONNECTED_RESUMED:
			if (g.down && g.seen_connect) {
				g.gap.to_ms = at;
				/* Without our session the broker queued nothing meanwhile. */
				if (kind == COVERAGE_CONNECTED_NEW)
					g.gap.lost = true;
				go_on = fn(ctx, &g.gap);
			}
			g.down = false;
			g.listening = true;
			g.seen_connect = true;
			break;
		case COVERAGE_REFUSED:
			snprintf(why, sizeof why, "subscription refused: %s", detail);
			open_gap(&g, at, seq, why, false, true);
			break;
		case COVERAGE_DISCONNECTED:
			if (g.listening || g.down)
				open_gap(&g, at, seq, *detail ? detail : "disconnected", false, false);
			break;
		case COVERAGE_STOP:
			if (g.seen_connect)
				open_gap(&g, at, seq, "stopped", false, false);
			break;
		case COVERAGE_UNCLEAN_STOP:
			if (g.seen_connect)
				open_gap(&g, at, seq, *detail ? detail : "the recorder died", true, false);
			break;
		default:
			break;
		}
	}
	if (go_on && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		journal_db_cause(j->db, j->path, "cannot read coverage", cause);
		sqlite3_finalize(s);
		return false;
	}
	sqlite3_finalize(s);
	if (go_on && g.down && g.seen_connect) {
		g.gap.to_ms = INT64_MAX;
		fn(ctx, &g.gap);
	}
	return true;
}
