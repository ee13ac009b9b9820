/* The replay's part of the monitor: its keys (taken before the screen's)
 * and its state in the header. The engine is core/replay.c. */
#include "build_config.h"

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "replay.h"
#include "timefmt.h"

#define JUMP_MS (60 * 1000)
#define SPEED_MIN (1.0 / 1024)
#define SPEED_TOP 65536.0        /* one step more is max */

const struct key_help replay_help[] = {
	{ "Space", "play", "replay: pause / resume" },
	{ "+ -", "speed", "replay: speed x2 / half (past 65536x: max)" },
	{ ".", "step", "replay: apply one event (pauses)" },
	{ "] [", "jump", "replay: a minute on / back (one bucket on the timeline)" },
	{ "g G", "start/end", "replay: back to the start / on to the end" },
};
const size_t replay_help_count = sizeof replay_help / sizeof replay_help[0];

void replay_status(const struct app *app, char *buf, size_t size)
{
	const struct replay *r = app->session.replay;
	char iso[TIME_ISO_SIZE], speed[32];
	time_format_iso(replay_clock(r), iso, sizeof iso);
	replay_format_speed(replay_speed(r), speed, sizeof speed);
	uint64_t start = replay_start_seq(r), end = replay_end_seq(r), pos = replay_position(r);
	double pct = end > start ? 100.0 * (double)(pos - start) / (double)(end - start) : 100.0;
	const char *state = replay_done(r) ? "  END" : replay_paused(r) ? "  PAUSED" : "";
	snprintf(buf, size, "%s  %s%s  %llu/%llu %.1f%%", iso, speed, state, (unsigned long long)pos,
	         (unsigned long long)end, pct);
}

/* The fleet may have been replaced (a jump back): the view and the open
 * screen follow it. */
static void after_move(struct app *app)
{
	app->session.fleet = replay_fleet(app->session.replay);
	app_fleet_replaced(app);
}

static void change_speed(struct app *app, bool faster)
{
	double s = replay_speed(app->session.replay);
	if (faster)
		s = s == REPLAY_SPEED_MAX || s * 2 > SPEED_TOP ? REPLAY_SPEED_MAX : s * 2;
	else
		s = s == REPLAY_SPEED_MAX ? SPEED_TOP : (s / 2 < SPEED_MIN ? SPEED_MIN : s / 2);
	replay_set_speed(app->session.replay, s);
	char text[32];
	replay_format_speed(s, text, sizeof text);
	app_message(app, false, "speed %s", text);
}

bool replay_key(struct app *app, int key)
{
	struct replay *r = app->session.replay;
	if (r == NULL)
		return false;
	char *cause = NULL;
	bool ok = true;
	const struct screen *screen = &app->screens[app->screen];
	int64_t jump = screen->ops->replay_jump_ms != NULL ?
		screen->ops->replay_jump_ms(app, screen->data) : JUMP_MS;
	switch (key) {
	case ' ':
		replay_set_paused(r, !replay_paused(r));
		app_message(app, false, replay_paused(r) ? "paused (Space resumes)" : "playing");
		return true;
	case '+':
	case '=':
		change_speed(app, true);
		return true;
	case '-':
		change_speed(app, false);
		return true;
	case '.':
		replay_set_paused(r, true);
		ok = replay_step(r, &cause) >= 0;
		break;
	case ']':
		ok = replay_seek_time(r, replay_clock(r) + jump, &cause);
		break;
	case '[':
		ok = replay_seek_time(r, replay_clock(r) - jump, &cause);
		break;
	case 'g':
		ok = replay_seek_start(r, &cause);
		break;
	case 'G':
		ok = replay_seek_end(r, &cause);
		break;
	default:
		return false;
	}
	if (!ok) {
		replay_set_paused(r, true);
		app_message(app, true, "replay: %s", cause != NULL ? cause : "cannot read the journal");
		free(cause);
	}
	after_move(app);
	return true;
}
