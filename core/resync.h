/* The periodic re-sync of `record` and the monitor (config
 * aws.sync_interval): every interval, what `thingtop sync` does without
 * files, run inside the recording loop (live.c) without ever waiting.
 *
 * - The AWS CLI's search-index runs as a child (aws_cli.h) whose output
 *   is read as it comes, from the caller's poll(); each page, once
 *   complete, is parsed (baseline.h) and its things handed over a batch
 *   at a time, and the next page (nextToken) is started after it.
 * - A run that fails (no `aws`, an error exit, a page that is no JSON)
 *   is reported in resync_error() and tried again at the next interval;
 *   what it handed over before stays.
 * - One run at a time: a run still going when the next is due is left
 *   to finish, and that turn is skipped.
 * - The first run starts at once (the starting state), then every
 *   interval from the start of the previous one. Its things are not in
 *   the intake log (live.h): a kill -9 loses those not yet committed, and
 *   the next start syncs again at once. */
#ifndef THINGTOP_RESYNC_H
#define THINGTOP_RESYNC_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baseline.h"
#include "config.h"

/* The fleet index query a re-sync asks (as `thingtop sync`'s default). */
#define RESYNC_QUERY "thingName:*"

struct resync;

/* NULL when config's aws.sync_interval is 0 (off). `config` is borrowed
 * for the call. */
struct resync *resync_create(const struct config *config);
/* Kills and reaps a running child. Accepts NULL. */
void resync_destroy(struct resync *resync);

/* The child's output pipe, while one runs: 0 or 1 entries. */
size_t resync_pollfds(const struct resync *resync, struct pollfd *fds, size_t max);
/* When resync_dispatch must run next (0 while things wait to be handed
 * over). */
int resync_next_timeout_ms(const struct resync *resync);

/* One turn: starts a run when one is due and `allowed` (false: the
 * caller cannot take things now; the run waits for the next interval),
 * reads the child and moves to the next page. True when resync_error()
 * or resync_done() changed. */
bool resync_dispatch(struct resync *resync, bool allowed);

/* Things of the current page not yet handed over. */
bool resync_pending(const struct resync *resync);
/* Hands over at most `max` things (baselines, or rejects saying where),
 * each to fn, in page order. Returns how many. */
typedef void (*resync_thing_fn)(void *ctx, const struct baseline_item *item);
size_t resync_take(struct resync *resync, size_t max, resync_thing_fn fn, void *ctx);

/* "" or why the last run failed (and when the next one is). */
const char *resync_error(const struct resync *resync);
/* Runs completed, and the things the last one handed over. */
uint64_t resync_done(const struct resync *resync, uint64_t *things);

#endif
