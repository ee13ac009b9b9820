/* The journal's maintenance, on the writer's thread and connection, no
 * lock held (journal_writer.c calls it between batches).
 *
 * One small step at a time between batches: retention (by age and by
 * size) and thinning of the snapshots.
 *
 * The one invariant: rebuild = a snapshot + every row after it. So rows
 * are only ever deleted as a prefix up to (not including) a snapshot's
 * seq C; that snapshot then becomes the base, and the rows from C on stay.
 * A prefix half deleted by an interrupted run is finished first on the
 * next step, whatever the limits say by then.
 *
 * Space: deleted pages go to SQLite's freelist and new rows reuse them, so
 * the file stops growing at its limit; only `thingtop journal vacuum`
 * gives them back to the filesystem. */
#include "build_config.h"

#include "journal_internal.h"
#include "timefmt.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Rows per DELETE (half a writer batch): a few milliseconds, so a queued
 * batch never waits long. */
#define PRUNE_CHUNK 16384
/* Snapshots kept: the newest (a journal opens from it), the oldest base
 * (the empty fleet before row 1 while nothing was pruned, else the
 * oldest snapshot), and between them as few as keep an --at anywhere
 * under its 3 s goal: loading a snapshot then replaying the rows after
 * it, up to the next one kept, fits AT_BUDGET_MS. With a retention limit
 * also about one per SPREAD-th of the journal's seq span, so that it can
 * be pruned that finely.
 * Measured on the 2-core dev machine, release build, 1M things
 * (bench_journal.sh's journal):
 * - opening the journal and exporting take 0.1 s of the 3 s, so
 *   AT_BUDGET_MS leaves 0.3 s for them;
 * - a format-4 snapshot loads in 0.43-0.97 s for 81-90 MB uncompressed
 *   (LOAD_NS_PER_BYTE: 12, the slow end; up to half of it the kernel
 *   zeroing the fleet's new memory);
 * - meanwhile a reader on a connection of its own (journal_ahead_start)
 *   reads the rows after it, as many as fit in the snapshot's own size
 *   at JOURNAL_AHEAD_ROW_BYTES a row: ~700k;
 * - the rest replay at 2.3M-2.8M rows/s after a load, and at 2.1M-2.6M
 *   rows/s onto the empty fleet (which creates its things as they come);
 *   REPLAY_ROWS_PER_MS and REPLAY_FROM_EMPTY_ROWS_PER_MS take 1500, the
 *   slow end: this machine's speed drifts by a third and more.
 * So an --at replays at most ~3.2M rows after a 1M-thing snapshot and
 * 4.05M after the empty fleet: of an import's snapshots, one per million
 * rows, 10M rows keep 4M, 7M and 10M.
 * SNAPSHOTS_MAX bounds their number on huge journals. */
/* Only the newest is kept whatever the gaps: the one before it is kept
 * only when --at needs it. */
#define SNAPSHOTS_RECENT 1
#define SNAPSHOTS_SPREAD 4
#define AT_BUDGET_MS 2700
#define REPLAY_ROWS_PER_MS 1500
#define REPLAY_FROM_EMPTY_ROWS_PER_MS 1500
#define LOAD_NS_PER_BYTE 12
#define SNAPSHOTS_MAX 32
#define SNAPSHOTS_PER_STEP 16

struct snap {
	uint64_t seq;
	int64_t received_ms;
	int64_t bytes;                 /* uncompressed size: what loading it costs */
};

struct state {
	uint64_t first, last;          /* seq span of the events, 0 when empty */
	int64_t last_received_ms;
	int64_t used_bytes;            /* pages in use (file minus freelist) */
	struct snap *snaps;            /* ascending seq */
	size_t count;
};

static bool read_int(sqlite3 *db, const char *sql, int64_t *a, int64_t *b)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*a = sqlite3_column_int64(s, 0);
		if (b)
			*b = sqlite3_column_int64(s, 1);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE;
}

static bool read_state(sqlite3 *db, struct state *st)
{
	int64_t first = 0, last = 0, pages = 0, free_pages = 0, page_size = 0;
	*st = (struct state){ 0 };
	if (!read_int(db, "SELECT ifnull(min(seq), 0) FROM events", &first, NULL) ||
	    !read_int(db, "SELECT seq, received_ms FROM events ORDER BY seq DESC LIMIT 1", &last,
	              &st->last_received_ms) ||
	    !read_int(db, "PRAGMA page_count", &pages, NULL) ||
	    !read_int(db, "PRAGMA freelist_count", &free_pages, NULL) ||
	    !read_int(db, "PRAGMA page_size", &page_size, NULL))
		return false;
	st->first = (uint64_t)first;
	st->last = (uint64_t)last;
	st->used_bytes = (pages - free_pages) * page_size;

	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int rc = sqlite3_prepare_v2(db,
	                            "SELECT seq, received_ms, ifnull(raw_len, length(data))"
	                            " FROM snapshots ORDER BY seq",
	                            -1, &s, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (st->count == cap) {
			cap = cap ? cap * 2 : 16;
			st->snaps = xreallocarray(st->snaps, cap, sizeof *st->snaps);
		}
		st->snaps[st->count++] = (struct snap){
			.seq = (uint64_t)sqlite3_column_int64(s, 0),
			.received_ms = sqlite3_column_int64(s, 1),
			.bytes = sqlite3_column_int64(s, 2),
		};
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE;
}

/* The first snapshot with seq >= seq, or NULL. */
static const struct snap *snap_from(const struct state *st, uint64_t seq)
{
	for (size_t i = 0; i < st->count; i++) {
		if (st->snaps[i].seq >= seq)
			return &st->snaps[i];
	}
	return NULL;
}

/* Rows with seq < the result are to go (0: none). Always a snapshot's
 * seq, never past the newest snapshot. */
static uint64_t prune_cut(const struct state *st, const struct journal_retention *policy,
                          int64_t now_ms)
{
	uint64_t cut = 0;
	if (st->first == 0)
		return 0;
	/* Pruned before (first > 1) but not up to a snapshot: finish that. */
	const struct snap *base = snap_from(st, st->first - 1);
	if (st->first > 1 && base && base->seq > st->first)
		cut = base->seq;
	if (policy->retain_ms > 0) {
		/* A snapshot's receive time is its fleet clock: no row before it
		 * was received later, so everything before it is old enough.
		 * Measured from the newest row, but never from past the wall
		 * clock: a row dated far ahead must not age the rest out. */
		int64_t newest = st->last_received_ms < now_ms ? st->last_received_ms : now_ms;
		int64_t oldest = newest - policy->retain_ms;
		for (size_t i = 0; i < st->count; i++) {
			if (st->snaps[i].received_ms <= oldest && st->snaps[i].seq > cut &&
			    st->snaps[i].seq <= st->last)
				cut = st->snaps[i].seq;
		}
	}
	if (policy->max_bytes > 0 && st->used_bytes > policy->max_bytes) {
		/* One snapshot further each time; the next step measures again. */
		const struct snap *next = snap_from(st, st->first + 1);
		if (next && next->seq > cut && next->seq <= st->last)
			cut = next->seq;
	}
	return cut > st->first ? cut : 0;
}

/* The rows kept after snapshot k before the next one: at most what an
 * --at can read while loading k and replay after it in its budget; with
 * a retention limit
 * also at most a quarter of the span (rows go only up to a snapshot, so
 * the spacing is how finely the limit can be kept); but never so little
 * that more than SNAPSHOTS_MAX are kept. */
static uint64_t snap_gap(const struct snap *k, uint64_t span, bool limited)
{
	int64_t load_ms = k->bytes / (1000000 / LOAD_NS_PER_BYTE);
	int64_t left_ms = AT_BUDGET_MS - load_ms;
	/* Seq 0: the empty fleet before row 1 (or a snapshot of it). */
	uint64_t rate = k->seq == 0 ? REPLAY_FROM_EMPTY_ROWS_PER_MS : REPLAY_ROWS_PER_MS;
	uint64_t ahead = (uint64_t)k->bytes / JOURNAL_AHEAD_ROW_BYTES;
	uint64_t gap = left_ms > 0 ? ahead + (uint64_t)left_ms * rate : 0;
	if (limited && gap > span / SNAPSHOTS_SPREAD)
		gap = span / SNAPSHOTS_SPREAD;
	if (gap < span / SNAPSHOTS_MAX)
		gap = span / SNAPSHOTS_MAX;
	return gap ? gap : 1;
}

/* A snapshot that no longer earns its place, or NULL. */
static const struct snap *snap_to_drop(const struct state *st, bool limited)
{
	if (st->count == 0)
		return NULL;
	/* Rows after it are gone: it can never be used again. */
	if (st->first > 1 && st->snaps[0].seq + 1 < st->first)
		return &st->snaps[0];
	if (st->first == 0)
		return NULL;
	/* From the oldest base up: one goes when the hole it leaves, from the
	 * last kept to the one after it, stays within the gap the last kept
	 * allows (snap_gap): so no --at replays more than that. Deciding from
	 * the old end keeps earlier choices stable as new snapshots arrive.
	 * The newest always stays. The oldest base is the empty fleet before
	 * the first row while none was pruned, else the oldest snapshot. */
	uint64_t span = st->last > st->first ? st->last - st->first : 1;
	static const struct snap empty_fleet = { 0 };
	bool whole = st->first <= 1;
	const struct snap *kept = whole ? &empty_fleet : &st->snaps[0];
	for (size_t i = whole ? 0 : 1; i + SNAPSHOTS_RECENT < st->count; i++) {
		if (st->snaps[i + 1].seq - kept->seq <= snap_gap(kept, span, limited))
			return &st->snaps[i];
		kept = &st->snaps[i];
	}
	return NULL;
}

static bool run_delete(sqlite3 *db, const char *sql, uint64_t value, int *changes)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, value > INT64_MAX ? INT64_MAX : (sqlite3_int64)value);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	*changes = sqlite3_changes(db);
	return rc == SQLITE_DONE;
}

enum prune_result journal_prune_step(sqlite3 *db, const char *path,
                                     const struct journal_retention *policy, uint64_t *pruned,
                                     char **cause)
{
	struct state st;
	enum prune_result result = PRUNE_DONE;
	int changes = 0;
	if (!read_state(db, &st)) {
		journal_db_cause(db, path, "cannot read for pruning", cause);
		result = PRUNE_FAILED;
		goto out;
	}
	uint64_t cut = prune_cut(&st, policy, time_now_ms());
	if (cut) {
		uint64_t below = cut - st.first > PRUNE_CHUNK ? st.first + PRUNE_CHUNK : cut;
		/* The rows and their disconnect counts go in one transaction. */
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    !journal_counts_subtract(db, below) ||
		    !run_delete(db, "DELETE FROM events WHERE seq < ?1", below, &changes) ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			journal_db_cause(db, path, "cannot prune events", cause);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			result = PRUNE_FAILED;
			goto out;
		}
		*pruned += (uint64_t)changes;
		result = PRUNE_MORE;
		goto out;
	}
	/* Dropping a snapshot is cheap (its pages go to the freelist): a
	 * handful per step. */
	const struct snap *drop;
	bool limited = policy->retain_ms > 0 || policy->max_bytes > 0;
	for (int n = 0; n < SNAPSHOTS_PER_STEP && (drop = snap_to_drop(&st, limited)); n++) {
		if (!run_delete(db, "DELETE FROM snapshots WHERE seq = ?1", drop->seq, &changes)) {
			journal_db_cause(db, path, "cannot prune snapshots", cause);
			result = PRUNE_FAILED;
			goto out;
		}
		size_t i = (size_t)(drop - st.snaps);
		memmove(&st.snaps[i], &st.snaps[i + 1], (st.count - i - 1) * sizeof *st.snaps);
		st.count--;
		result = PRUNE_MORE;
	}
out:
	free(st.snaps);
	return result;
}

