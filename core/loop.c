/* The event loop of loop.h: a fixed list of sources and timers, scanned
 * each turn. The monitor has a handful of each, so a list is enough. */
#include "build_config.h"

#include <errno.h>
#include <stdlib.h>

#include "loop.h"
#include "timefmt.h"
#include "xalloc.h"

struct loop_timer {
	loop_timer_fn fn;
	void *ctx;
	int64_t due_ms;
	bool armed;
};

struct loop_source {
	const struct loop_source_ops *ops;
	void *ctx;
};

struct loop {
	struct loop_timer **timers;
	size_t timer_count;
	struct loop_source *sources;
	size_t source_count;
};

struct loop *loop_create(void)
{
	return xcalloc(1, sizeof(struct loop));
}

void loop_destroy(struct loop *loop)
{
	if (loop == NULL)
		return;
	for (size_t i = 0; i < loop->timer_count; i++)
		free(loop->timers[i]);
	free(loop->timers);
	free(loop->sources);
	free(loop);
}

void loop_add_source(struct loop *loop, const struct loop_source_ops *ops, void *ctx)
{
	loop->sources = xreallocarray(loop->sources, loop->source_count + 1, sizeof *loop->sources);
	loop->sources[loop->source_count++] = (struct loop_source){ ops, ctx };
}

struct loop_timer *loop_add_timer(struct loop *loop, loop_timer_fn fn, void *ctx)
{
	struct loop_timer *t = xcalloc(1, sizeof *t);
	t->fn = fn;
	t->ctx = ctx;
	loop->timers = xreallocarray(loop->timers, loop->timer_count + 1, sizeof *loop->timers);
	loop->timers[loop->timer_count++] = t;
	return t;
}

void loop_timer_arm(struct loop_timer *timer, int64_t due_ms)
{
	timer->due_ms = due_ms;
	timer->armed = true;
}

void loop_timer_arm_by(struct loop_timer *timer, int64_t due_ms)
{
	if (!timer->armed || due_ms < timer->due_ms)
		loop_timer_arm(timer, due_ms);
}

void loop_timer_disarm(struct loop_timer *timer)
{
	timer->armed = false;
}

bool loop_timer_armed(const struct loop_timer *timer)
{
	return timer->armed;
}

static void run_due_timers(struct loop *loop)
{
	int64_t now = time_mono_ms();
	for (size_t i = 0; i < loop->timer_count; i++) {
		struct loop_timer *t = loop->timers[i];
		if (t->armed && t->due_ms <= now) {
			t->armed = false;   /* the callback re-arms it if it wants */
			t->fn(t->ctx);
		}
	}
}

bool loop_run_once(struct loop *loop)
{
	struct pollfd fds[LOOP_FDS_MAX];
	size_t first[LOOP_FDS_MAX], count[LOOP_FDS_MAX];
	size_t nfds = 0, ns = loop->source_count < LOOP_FDS_MAX ? loop->source_count : LOOP_FDS_MAX;
	int64_t due = INT64_MAX;
	for (size_t i = 0; i < ns; i++) {
		const struct loop_source *s = &loop->sources[i];
		first[i] = nfds;
		count[i] = 0;
		if (s->ops->prepare != NULL)
			count[i] = s->ops->prepare(s->ctx, fds + nfds, LOOP_FDS_MAX - nfds, &due);
		nfds += count[i];
	}
	/* After prepare: a source may arm timers there. */
	for (size_t i = 0; i < loop->timer_count; i++) {
		if (loop->timers[i]->armed && loop->timers[i]->due_ms < due)
			due = loop->timers[i]->due_ms;
	}
	int64_t now = time_mono_ms();
	int timeout = -1;
	if (due != INT64_MAX)
		timeout = due <= now ? 0 : (due - now > 60000 ? 60000 : (int)(due - now));
	int r = poll(fds, (nfds_t)nfds, timeout);
	if (r < 0 && errno != EINTR)
		return false;
	if (r < 0) {
		for (size_t i = 0; i < nfds; i++)
			fds[i].revents = 0;
	}
	for (size_t i = 0; i < ns; i++) {
		const struct loop_source *s = &loop->sources[i];
		if (s->ops->dispatch != NULL)
			s->ops->dispatch(s->ctx, fds + first[i], count[i]);
	}
	run_due_timers(loop);
	return true;
}
