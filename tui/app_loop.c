/* The monitor's event loop (core/loop.h): stdin and the MQTT descriptors
 * as sources, and timers for following the journal, replay slices, the
 * one-second tick, alert rules, refreshing the view and drawing. Handlers
 * change the model and mark it dirty; drawing happens at most ~20 times a
 * second. */
#include "build_config.h"

#include <stdlib.h>
#include <unistd.h>

#include "app.h"
#include "live.h"
#include "loop.h"
#include "rebuild.h"
#include "replay.h"
#include "term.h"
#include "timefmt.h"
#include "xalloc.h"

#define DRAW_MIN_MS 50          /* at most 20 frames a second */
#define REPLAY_SLICE_MS 8       /* replay work per turn: keys stay responsive */
#define FOLLOW_MS 500
#define TICK_MS 1000

struct app_loop {
	struct loop *loop;
	/* In the order they run when due in the same turn. */
	struct loop_timer *follow, *replay, *tick, *alerts, *view, *draw;
	int interval;               /* view refresh, ms */
};

static void follow(void *ctx)
{
	struct app *app = ctx;
	char *cause = NULL;
	long n = rebuild_catch_up(app->session.journal, app->session.fleet, &cause);
	if (n < 0) {
		app_message(app, true, "journal: %s", cause != NULL ? cause : "read failed");
		free(cause);
	} else if (n > 0) {
		app->events += (uint64_t)n;
		app->data_dirty = true;
	}
	loop_timer_arm(app->loop->follow, time_mono_ms() + FOLLOW_MS);
}

/* One slice of replay work; the clock in the header counts as a change. */
static void replay_slice(void *ctx)
{
	struct app *app = ctx;
	char *cause = NULL;
	int64_t clock = replay_clock(app->session.replay);
	long n = replay_advance(app->session.replay, time_mono_ms(), REPLAY_SLICE_MS, &cause);
	if (n < 0) {
		replay_set_paused(app->session.replay, true);
		app_message(app, true, "replay: %s", cause != NULL ? cause : "cannot read the journal");
		free(cause);
		return;
	}
	if (n > 0) {
		app->events += (uint64_t)n;
		app->data_dirty = true;
	}
	if (replay_clock(app->session.replay) != clock)
		app->dirty = true;
}

static void update_rate(struct app *app, int64_t now)
{
	int64_t dt = now - app->rate_base_ms;
	if (dt < 1000)
		return;
	double rate = (double)(app->events - app->rate_base_events) * 1000.0 / (double)dt;
	if (rate != app->rate)
		app->dirty = true;
	app->rate = rate;
	app->rate_base_events = app->events;
	app->rate_base_ms = now;
}

/* Ages and the rate change with the clock; a message runs out. */
static void tick(void *ctx)
{
	struct app *app = ctx;
	int64_t now = time_mono_ms();
	update_rate(app, now);
	if (app->screens[app->screen].ops->shows_ages)
		app->dirty = true;
	if (app->message[0] != '\0' && now >= app->message_until_ms)
		app->dirty = true;
	loop_timer_arm(app->loop->tick, now + TICK_MS);
}

static void alerts(void *ctx)
{
	struct app *app = ctx;
	loop_timer_arm(app->loop->alerts, alerts_ui_tick(app, time_mono_ms()));
}

static void refresh(void *ctx)
{
	struct app *app = ctx;
	app_refresh_data(app);
	struct screen *s = &app->screens[app->screen];
	if (s->ops->update != NULL)
		s->ops->update(app, s->data);
}

static void draw(void *ctx)
{
	app_draw(ctx);
}

/* Arms the timers that depend on what is dirty, before each wait. */
static void arm_for_state(struct app *app)
{
	struct app_loop *l = app->loop;
	int64_t now = time_mono_ms();
	if (app->data_dirty && !app->paused)
		loop_timer_arm(l->view, app->last_view_ms + l->interval);
	else
		loop_timer_disarm(l->view);
	if (app->dirty)
		loop_timer_arm(l->draw, app->last_draw_ms + DRAW_MIN_MS);
	else
		loop_timer_disarm(l->draw);
	if (app->session.replay != NULL) {
		int64_t wait = replay_next_due_ms(app->session.replay);
		/* The clock in the header moves while playing. */
		if (wait < 0 || wait > l->interval)
			wait = replay_paused(app->session.replay) || replay_done(app->session.replay) ? -1 : l->interval;
		if (wait >= 0)
			loop_timer_arm(l->replay, now + wait);
		else
			loop_timer_disarm(l->replay);
	}
}

static size_t stdin_prepare(void *ctx, struct pollfd *fds, size_t max, int64_t *due_ms)
{
	struct app *app = ctx;
	(void)due_ms;
	arm_for_state(app);
	app_turn_end();
	if (max < 1)
		return 0;
	fds[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	return 1;
}

/* Always read: a resize ends the wait as a signal, then is KEY_RESIZE. */
static void stdin_dispatch(void *ctx, const struct pollfd *fds, size_t count)
{
	(void)fds;
	(void)count;
	app_turn_start();
	app_read_keys(ctx);
}

static const struct loop_source_ops stdin_source = {
	.prepare = stdin_prepare,
	.dispatch = stdin_dispatch,
};

static int refresh_interval_ms(const struct app *app)
{
	int hz = app->session.config.ui.refresh_hz;
	if (hz < 1)
		hz = 10;
	int ms = 1000 / hz;
	return ms < DRAW_MIN_MS ? DRAW_MIN_MS : ms;
}

static void loop_setup(struct app *app, struct app_loop *l)
{
	l->loop = loop_create();
	l->interval = refresh_interval_ms(app);
	l->follow = loop_add_timer(l->loop, follow, app);
	l->replay = loop_add_timer(l->loop, replay_slice, app);
	l->tick = loop_add_timer(l->loop, tick, app);
	l->alerts = loop_add_timer(l->loop, alerts, app);
	l->view = loop_add_timer(l->loop, refresh, app);
	l->draw = loop_add_timer(l->loop, draw, app);
	loop_add_source(l->loop, &stdin_source, app);
	if (app->session.live != NULL)
		loop_add_source(l->loop, &live_loop_source, app->session.live);
	int64_t now = time_mono_ms();
	if (app->following)
		loop_timer_arm(l->follow, now);
	loop_timer_arm(l->tick, now + TICK_MS);
	loop_timer_arm(l->alerts, now);
}

void app_loop_alerts_due(struct app *app)
{
	if (app->loop != NULL)
		loop_timer_arm_by(app->loop->alerts, time_mono_ms());
}

void app_loop_run(struct app *app)
{
	struct app_loop l = { 0 };
	app->loop = &l;
	app_screens_create(app);
	loop_setup(app, &l);
	app->rate_base_ms = time_mono_ms();
	app->dirty = true;
	app_turn_start();
	while (!app->quit && !term_should_quit()) {
		if (!loop_run_once(l.loop))
			break;
	}
	loop_destroy(l.loop);
	app->loop = NULL;
	app_screens_destroy(app);
}
