/* A small event loop: one poll() over registered sources and timers
 * (sway's loop.h, redis's ae.h). A source adds its file descriptors and
 * its own next deadline each turn (so a library that reconnects can hand
 * out a new fd), and is dispatched after every wait. A timer runs once
 * when due; its callback re-arms it if it wants to run again.
 *
 * One turn (loop_run_once): due timers run in the order they were added,
 * then sources prepare, poll() waits for the earliest deadline, and every
 * source is dispatched with what poll() returned for its descriptors. */
#ifndef THINGTOP_LOOP_H
#define THINGTOP_LOOP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct loop_timer;

typedef void (*loop_timer_fn)(void *ctx);

struct loop_source_ops {
	/* Adds up to `max` descriptors to `fds` and returns how many; may arm
	 * timers (counted in this turn's wait) and lower
	 * *due_ms (time_mono_ms(), INT64_MAX = no deadline) to when it wants to be
	 * dispatched at the latest. NULL = no descriptors, no deadline. */
	size_t (*prepare)(void *ctx, struct pollfd *fds, size_t max, int64_t *due_ms);
	/* After every wait, ready or not: a signal (a resize) also ends the
	 * wait. `fds` are the ones prepare added, with revents set. */
	void (*dispatch)(void *ctx, const struct pollfd *fds, size_t count);
};

/* At most this many descriptors in one turn, all sources together: the
 * monitor polls stdin, up to 64 broker connections and a re-sync child. */
#define LOOP_FDS_MAX 80

struct loop *loop_create(void);
/* Frees the loop, its timers and sources (not their contexts). */
void loop_destroy(struct loop *loop);

/* `ops` and `ctx` are borrowed and must outlive the loop. */
void loop_add_source(struct loop *loop, const struct loop_source_ops *ops, void *ctx);

/* A new timer, disarmed; owned by the loop. */
struct loop_timer *loop_add_timer(struct loop *loop, loop_timer_fn fn, void *ctx);
/* Runs the timer once at `due_ms` (time_mono_ms() clock); replaces an earlier arming. */
void loop_timer_arm(struct loop_timer *timer, int64_t due_ms);
/* Arms the timer for `due_ms` unless it is already due sooner. */
void loop_timer_arm_by(struct loop_timer *timer, int64_t due_ms);
void loop_timer_disarm(struct loop_timer *timer);
bool loop_timer_armed(const struct loop_timer *timer);

/* One turn. False when poll() failed other than by a signal (errno set). */
bool loop_run_once(struct loop *loop);

#endif
