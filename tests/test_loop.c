/* core/loop.c: timers run when due and in order, sources see their
 * descriptors ready, and a turn waits no longer than the earliest deadline. */
#include "build_config.h"

#include <unistd.h>

#include "check.h"
#include "loop.h"
#include "timefmt.h"

struct record {
	char order[16];
	size_t n;
	struct loop_timer *rearm;  /* re-armed once by its own callback */
	int64_t rearm_ms;
};

static void note(struct record *r, char c)
{
	if (r->n + 1 < sizeof r->order)
		r->order[r->n++] = c;
	r->order[r->n] = '\0';
}

static void timer_a(void *ctx) { note(ctx, 'a'); }
static void timer_b(void *ctx) { note(ctx, 'b'); }

static void timer_again(void *ctx)
{
	struct record *r = ctx;
	note(r, 'r');
	if (r->rearm != NULL) {
		loop_timer_arm(r->rearm, time_mono_ms() + r->rearm_ms);
		r->rearm = NULL;
	}
}

static void test_timers(void)
{
	struct loop *loop = loop_create();
	struct record rec = { .n = 0 };
	struct loop_timer *a = loop_add_timer(loop, timer_a, &rec);
	struct loop_timer *b = loop_add_timer(loop, timer_b, &rec);
	struct loop_timer *idle = loop_add_timer(loop, timer_a, &rec);
	int64_t start = time_mono_ms();
	/* Both due in one turn: the one added first runs first. */
	loop_timer_arm(b, start);
	loop_timer_arm(a, start);
	CHECK(loop_run_once(loop));
	CHECK_STR(rec.order, "ab");
	rec.n = 0;
	rec.order[0] = '\0';
	loop_timer_arm(a, start + 30);
	loop_timer_arm(b, start + 10);
	CHECK(!loop_timer_armed(idle));
	CHECK(loop_run_once(loop));        /* waits for b, runs it */
	CHECK_STR(rec.order, "b");
	CHECK(time_mono_ms() - start >= 10);
	CHECK(loop_run_once(loop));        /* waits for a, runs it */
	CHECK_STR(rec.order, "ba");
	CHECK(time_mono_ms() - start >= 30);
	CHECK(!loop_timer_armed(a));
	CHECK(!loop_timer_armed(b));

	/* arm_by keeps the sooner deadline. */
	loop_timer_arm(a, start + 100000);
	loop_timer_arm_by(a, start);
	loop_timer_arm_by(a, start + 200000);
	loop_run_once(loop);
	CHECK_STR(rec.order, "baa");
	loop_timer_disarm(b);
	CHECK(!loop_timer_armed(b));

	/* A timer that re-arms itself runs again. */
	struct loop_timer *again = loop_add_timer(loop, timer_again, &rec);
	rec.rearm = again;
	rec.rearm_ms = 5;
	loop_timer_arm(again, time_mono_ms());
	loop_run_once(loop);        /* runs, re-arms */
	loop_run_once(loop);        /* waits 5 ms, runs again, not re-armed */
	CHECK_STR(rec.order, "baarr");
	CHECK(!loop_timer_armed(again));
	loop_destroy(loop);
}

struct pipe_source {
	int fd;
	int dispatched, ready;
	int64_t due;               /* asked deadline, INT64_MAX = none */
	char got;
};

static size_t pipe_prepare(void *ctx, struct pollfd *fds, size_t max, int64_t *due_ms)
{
	struct pipe_source *p = ctx;
	if (p->due < *due_ms)
		*due_ms = p->due;
	if (max < 1)
		return 0;
	fds[0] = (struct pollfd){ .fd = p->fd, .events = POLLIN };
	return 1;
}

static void pipe_dispatch(void *ctx, const struct pollfd *fds, size_t count)
{
	struct pipe_source *p = ctx;
	p->dispatched++;
	if (count == 1 && (fds[0].revents & POLLIN)) {
		p->ready++;
		if (read(p->fd, &p->got, 1) != 1)
			p->got = '?';
	}
}

static const struct loop_source_ops pipe_ops = { .prepare = pipe_prepare, .dispatch = pipe_dispatch };

static void test_sources(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	struct loop *loop = loop_create();
	struct pipe_source src = { .fd = fds[0], .due = time_mono_ms() + 20 };
	loop_add_source(loop, &pipe_ops, &src);

	/* Nothing to read: the source's own deadline ends the wait. */
	int64_t start = time_mono_ms();
	CHECK(loop_run_once(loop));
	CHECK(time_mono_ms() - start >= 20);
	CHECK_INT(src.dispatched, 1);
	CHECK_INT(src.ready, 0);

	/* Data waiting: no wait however far the deadline. */
	src.due = INT64_MAX;
	CHECK(write(fds[1], "x", 1) == 1);
	start = time_mono_ms();
	CHECK(loop_run_once(loop));
	CHECK(time_mono_ms() - start < 1000);
	CHECK_INT(src.dispatched, 2);
	CHECK_INT(src.ready, 1);
	CHECK_INT(src.got, 'x');

	/* A timer's deadline also ends a wait on a silent descriptor. */
	struct record rec = { .n = 0 };
	struct loop_timer *t = loop_add_timer(loop, timer_b, &rec);
	loop_timer_arm(t, time_mono_ms() + 15);
	start = time_mono_ms();
	CHECK(loop_run_once(loop));
	CHECK(time_mono_ms() - start >= 15);
	CHECK_INT(src.ready, 1);
	CHECK_STR(rec.order, "b");
	loop_destroy(loop);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	test_timers();
	test_sources();
	return check_summary();
}
