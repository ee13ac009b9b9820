/* Replaying a journal: a clock in recorded (receive) time that follows the
 * wall clock times a speed, and the fleet built by the rows it has reached,
 * in receive order, through the same fleet_apply as the live session, so
 * the table at any point is the one the live session had then.
 *
 * A row is due when its received_ms is <= the clock; rows are applied in
 * seq order and the first row not yet due holds back the ones after it
 * (journal_seq_at reads "at" the same way), so a replay stopped at time T
 * equals `thingtop export --at T`.
 *
 * The caller drives it from its loop with replay_advance and a time budget,
 * so a fast replay never blocks the loop for long. No terminal in here. */
#ifndef THINGTOP_REPLAY_H
#define THINGTOP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet.h"
#include "journal.h"

/* Speed 0 means "as fast as possible" (--speed max). */
#define REPLAY_SPEED_MAX 0.0
#define REPLAY_SPEED_LIMIT 1e6

struct replay;

struct replay_range {
	bool has_from, has_to;
	int64_t from_ms;            /* start at the fleet as of this receive time */
	int64_t to_ms;              /* stop at the fleet as of this receive time */
};

/* Parses --from / --to texts (either may be NULL) with time_parse_point;
 * relative times ("-2h", "now-15m") count from the journal's last receive
 * time, the end of the recording, not from the wall clock. False with
 * *cause naming the option. */
bool replay_range_parse(struct replay_range *range, struct journal *journal, const char *from,
                        const char *to, char **cause);

/* Opens a replay over `journal` (borrowed, must outlive it) positioned at
 * the start of `range` (everything when no bound is set). Reads the things
 * table and, with a start time, rebuilds the fleet up to it. NULL with
 * *cause on a read error or an empty range. */
struct replay *replay_create(struct journal *journal, const struct fleet_config *config,
                             const struct replay_range *range, char **cause);
void replay_destroy(struct replay *replay);

/* The fleet as of the replay position. Borrowed: a jump back replaces it,
 * so read it again after replay_seek*. */
struct fleet *replay_fleet(const struct replay *replay);

void replay_set_speed(struct replay *replay, double speed);
double replay_speed(const struct replay *replay);
/* "max", "10x", "0.25x" in buf. */
void replay_format_speed(double speed, char *buf, size_t size);
/* "max", "10", "0.5", "2x": false for anything else (or <= 0). */
bool replay_parse_speed(const char *s, double *speed);

void replay_set_paused(struct replay *replay, bool paused);
bool replay_paused(const struct replay *replay);

/* Moves the clock on by the wall time since the last call (times the
 * speed; unless paused) and applies the rows now due, for at most
 * budget_ms of work (0 = no limit). At speed max every row is due. When
 * the budget runs out first the clock waits for the rows (the replay
 * slows down rather than skipping). Returns the rows applied, -1 with
 * *cause on a read error. */
long replay_advance(struct replay *replay, int64_t wall_ms, int64_t budget_ms, char **cause);

/* Applies every row left, as fast as it goes: the journal is read on a
 * second thread meanwhile, so nothing else may use `journal` until it
 * returns (headless replays). Leaves the clock at the end. Returns the
 * rows applied, -1 with *cause. */
long replay_run(struct replay *replay, char **cause);

/* Wall ms until replay_advance has something to do (a row falls due or
 * the clock reaches the end), 0 = now, -1 = nothing until a key. */
int64_t replay_next_due_ms(const struct replay *replay);

/* Applies the next row only, moving the clock to its receive time.
 * Returns 1, 0 at the end, -1 on error. */
long replay_step(struct replay *replay, char **cause);

/* Puts the position at a receive time (clamped to the range): forward by
 * applying rows, back (or far forward) by rebuilding from the newest
 * snapshot; the fleet as it stood at that time, the clock at it. */
bool replay_seek_time(struct replay *replay, int64_t ms, char **cause);
/* Back to the start of the range / on to its end. */
bool replay_seek_start(struct replay *replay, char **cause);
bool replay_seek_end(struct replay *replay, char **cause);

/* The replay clock (recorded time, ms since the epoch). */
int64_t replay_clock(const struct replay *replay);
/* Seq of the last row applied (start_seq before the first). */
uint64_t replay_position(const struct replay *replay);
/* Rows after start_seq up to end_seq are played. */
uint64_t replay_start_seq(const struct replay *replay);
uint64_t replay_end_seq(const struct replay *replay);
/* Every row applied and the clock at the end. */
bool replay_done(const struct replay *replay);
/* Rows applied since create (seeks excluded): for the rate. */
uint64_t replay_applied(const struct replay *replay);

#endif
