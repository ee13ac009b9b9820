/* The monitor's frame (header, footer, status line), its keys and the
 * model's callbacks; the loop is app_loop.c, the screens screen.c and
 * their own files, the ":" commands app_commands.c. */
#include "build_config.h"

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "draw.h"
#include "export.h"
#include "live.h"
#include "rebuild.h"
#include "replay.h"
#include "term.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

#define MIN_COLS 60
#define MIN_ROWS 16
#define MESSAGE_INFO_MS 4000

void app_message(struct app *app, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(app->message, sizeof app->message, fmt, ap);
	va_end(ap);
	app->message_error = error;
	/* An error waits for the reader: the next key clears it (handle_key). */
	app->message_until_ms = error ? INT64_MAX : time_mono_ms() + MESSAGE_INFO_MS;
	app->dirty = true;
}

int64_t app_now_ms(const struct app *app)
{
	return app->session.replay != NULL ? replay_clock(app->session.replay) : time_now_ms();
}

uint64_t app_upto_seq(const struct app *app)
{
	return app->session.replay != NULL ? replay_position(app->session.replay) : UINT64_MAX;
}

static void refresh_from_fleet(struct app *app, bool by_data)
{
	view_refresh(app->session.view, app->session.fleet);
	app->last_view_ms = time_mono_ms();
	app->data_dirty = false;
	app->dirty = true;
	if (by_data)
		grid_keep_row(app);
	else
		grid_keep_cursor(app);
}

void app_refresh_view(struct app *app)
{
	refresh_from_fleet(app, false);
}

void app_refresh_data(struct app *app)
{
	refresh_from_fleet(app, true);
}

bool app_set_filter(struct app *app, const char *expr)
{
	char *cause = NULL;
	if (!view_set_filter(app->session.view, expr, &cause)) {
		app_message(app, true, "filter: %s", cause != NULL ? cause : "invalid");
		free(cause);
		return false;
	}
	grid_set_drill(app, "");
	app_refresh_view(app);
	return true;
}

bool app_set_theme(struct app *app, const char *name)
{
	char *cause = NULL;
	struct theme theme;
	if (!theme_load(&theme, name, &cause)) {
		app_message(app, true, "theme: %s (keeping \"%s\")", cause, app->theme.name);
		free(cause);
		return false;
	}
	app->theme = theme;
	theme_apply(&app->theme, term_color_wanted());
	clearok(curscr, TRUE);
	app->dirty = true;
	return true;
}

void app_open_activity(struct app *app, uint32_t thing_index)
{
	if (app->session.journal == NULL) {
		app_message(app, true, "no journal: the activity log needs one");
		return;
	}
	if (activity_load(app, thing_index))
		app_show(app, SCREEN_ACTIVITY);
}

void app_open_timeline(struct app *app)
{
	app_show(app, SCREEN_TIMELINE);
}

/* THINGTOP_UI_TIMING=FILE: each key's time to the finished screen is
 * appended to FILE (tests/bench/bench_ui.sh reads it). */
static FILE *timing_file;
static int64_t timing_key_us;
static int timing_key;
/* THINGTOP_UI_FRAMES=FILE: each frame appends "frame T BUSY", T its
 * CLOCK_MONOTONIC end in ms and BUSY the longest loop turn (poll return to
 * the next poll) since the previous frame: what a key may wait
 * (tests/bench/bench_ui_live.sh reads it). */
static FILE *frames_file;
static int64_t turn_max_us, turn_start_us;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void app_timing_note(const char *fmt, ...)
{
	if (timing_file == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(timing_file, fmt, ap);
	va_end(ap);
	fflush(timing_file);
}

int64_t app_timing_now_us(void)
{
	return now_us();
}

void app_turn_start(void)
{
	turn_start_us = now_us();
}

void app_turn_end(void)
{
	if (frames_file != NULL && now_us() - turn_start_us > turn_max_us)
		turn_max_us = now_us() - turn_start_us;
}

void app_draw(struct app *app)
{
	getmaxyx(stdscr, app->rows, app->cols);
	erase();
	if (app->cols < MIN_COLS || app->rows < MIN_ROWS) {
		char msg[96];
		snprintf(msg, sizeof msg, "terminal too small (need %dx%d)", MIN_COLS, MIN_ROWS);
		int w = (int)strlen(msg);
		mvaddnstr(app->rows / 2, app->cols > w ? (app->cols - w) / 2 : 0, msg, app->cols);
		if (app->rows > 1)
			mvaddnstr(app->rows / 2 + 1, 0, "q quits", app->cols);
		curs_set(0);
	} else {
		struct screen *s = &app->screens[app->screen];
		if (app->help)
			help_draw(app, s->ops);
		else
			s->ops->draw(app, s->data);
		app_draw_status_line(app);
	}
	refresh();
	app->dirty = false;
	app->last_draw_ms = time_mono_ms();
	if (timing_file != NULL && timing_key_us != 0) {
		fprintf(timing_file, "key %d %.3f ms\n", timing_key, (double)(now_us() - timing_key_us) / 1000.0);
		fflush(timing_file);
		timing_key_us = 0;
	}
	if (frames_file != NULL) {
		fprintf(frames_file, "frame %.3f %.3f\n", (double)now_us() / 1000.0,
		        (double)turn_max_us / 1000.0);
		fflush(frames_file);
		turn_max_us = 0;
	}
}

/* ---- Keys ---- */

/* Back to the filter from before the / prompt: a wrong one never replaces it. */
static void restore_filter(struct app *app)
{
	if (strcmp(view_filter_text(app->session.view), app->filter_before) == 0)
		return;
	char *cause = NULL;
	if (view_set_filter(app->session.view, app->filter_before, &cause))
		app_refresh_view(app);
	free(cause);
}

/* Enter on a wrong filter: the previous one stays, and the error says so. */
static void keep_filter(struct app *app)
{
	restore_filter(app);
	char why[sizeof app->message];
	const char *cause = strncmp(app->message, "filter: ", 8) == 0 ? app->message + 8 : app->message;
	snprintf(why, sizeof why, "%s", cause);
	app_message(app, true, "filter unchanged, %s", why);
}

static void prompt_done(struct app *app, enum prompt_result result)
{
	enum prompt_kind kind = app->prompt.kind;
	char text[PROMPT_MAX];
	memcpy(text, app->prompt.text, sizeof text);
	prompt_close(&app->prompt);
	switch (kind) {
	case PROMPT_FILTER:
		app->prompt_error[0] = '\0';
		if (result == PROMPT_CANCEL)
			app_set_filter(app, "");
		else if (!app_set_filter(app, text))
			keep_filter(app);
		break;
	case PROMPT_FIND:
		if (result == PROMPT_ACCEPT && text[0] != '\0')
			grid_find(app, text);
		break;
	case PROMPT_COMMAND:
		if (result == PROMPT_ACCEPT)
			app_command(app, text);
		break;
	case PROMPT_NONE:
		break;
	}
}

static void handle_key(struct app *app, int key);

/* The wheel scrolls as three Up / Down keys would; a click goes to the
 * shown screen, unless a prompt or the help is over it. */
static void handle_mouse(struct app *app)
{
	struct app_mouse m;
	if (!app_mouse_read(&m))
		return;
	if (m.kind == APP_MOUSE_WHEEL_UP || m.kind == APP_MOUSE_WHEEL_DOWN) {
		if (app->prompt.kind != PROMPT_NONE)
			return;
		for (int i = 0; i < 3; i++)
			handle_key(app, KEY_FN(m.kind == APP_MOUSE_WHEEL_UP ? KEY_UP : KEY_DOWN));
		return;
	}
	struct screen *s = &app->screens[app->screen];
	if (app->prompt.kind != PROMPT_NONE || app->help || app->cols < MIN_COLS ||
	    app->rows < MIN_ROWS || s->ops->mouse == NULL)
		return;
	s->ops->mouse(app, s->data, &m);
}

static void handle_key(struct app *app, int key)
{
	app->dirty = true;
	if (key == KEY_CTRL('c')) {
		app->quit = true;
		return;
	}
	if (key == KEY_FN(KEY_MOUSE)) {
		handle_mouse(app);
		return;
	}
	if (key == KEY_FN(KEY_RESIZE)) {
		getmaxyx(stdscr, app->rows, app->cols);
		clearok(curscr, TRUE);
		return;
	}
	/* An error has been seen once a key comes. */
	if (app->message_error)
		app->message[0] = '\0';
	if (app->prompt.kind != PROMPT_NONE) {
		enum prompt_result r = prompt_key(&app->prompt, key);
		if (r != PROMPT_EDITING) {
			prompt_done(app, r);
		} else if (app->prompt.kind == PROMPT_FILTER) {
			/* Live preview, once per batch of keys (see read_keys). */
			app->filter_preview = true;
		}
		return;
	}
	if (app->help) {
		help_key(app, key);
		return;
	}
	if (app->cols < MIN_COLS || app->rows < MIN_ROWS) {
		if (key == 'q')
			app->quit = true;
		return;
	}
	if (replay_key(app, key))
		return;
	struct screen *s = &app->screens[app->screen];
	if (s->ops->key(app, s->data, key)) {
		if (app->prompt.kind == PROMPT_FILTER) {
			snprintf(app->filter_before, sizeof app->filter_before, "%s",
			         view_filter_text(app->session.view));
			app->prompt_error[0] = '\0';
		}
		return;
	}
	switch (key) {
	case '?':
	case KEY_FN(KEY_F(1)):
		help_open(app);
		break;
	case KEY_FN(KEY_F(10)):
		app->quit = true;
		break;
	case KEY_CTRL('z'):
		/* Suspend like the terminal's own Ctrl-Z would (raw mode took
		 * it from the terminal): the whole job stops, and curses brings
		 * the screen back when the shell's `fg` continues us. */
		endwin();
		kill(0, SIGTSTP);
		clearok(curscr, TRUE);
		break;
	case ':':
		prompt_open(&app->prompt, PROMPT_COMMAND, NULL);
		break;
	case KEY_CTRL('s'):
		app_export_prompt(app);
		break;
	case 'Z':
		app->paused = !app->paused;
		if (!app->paused && app->data_dirty)
			app_refresh_data(app);
		app_message(app, false, app->paused ? "paused: events are still recorded (Z resumes)" :
		            "resumed");
		break;
	case KEY_CTRL('l'):
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
}

/* Applies the filter being typed; one that does not parse shows the
 * rows of the filter from before the prompt, and the prompt says why. */
static void preview_filter(struct app *app)
{
	app->filter_preview = false;
	if (app->prompt.kind != PROMPT_FILTER)
		return;
	char *cause = NULL;
	if (view_set_filter(app->session.view, app->prompt.text, &cause)) {
		grid_set_drill(app, "");
		app_refresh_view(app);
		app->prompt_error[0] = '\0';
	} else {
		snprintf(app->prompt_error, sizeof app->prompt_error, "%s", cause != NULL ? cause : "invalid filter");
		free(cause);
		restore_filter(app);
	}
	app->dirty = true;
}

void app_read_keys(struct app *app)
{
	if (app->filter_preview)
		preview_filter(app);
	for (int i = 0; i < 256; i++) {
		wint_t wch;
		int r = get_wch(&wch);
		if (r == ERR)
			break;
		if (timing_file != NULL && timing_key_us == 0) {
			timing_key_us = now_us();
			timing_key = (int)wch;
		}
		handle_key(app, r == KEY_CODE_YES ? KEY_FN((int)wch) : (int)wch);
		if (app->quit)
			break;
	}
	if (app->filter_preview)
		preview_filter(app);
}

/* ---- Live data ---- */

static void on_message(void *ctx, const struct event *event)
{
	struct app *app = ctx;
	(void)event;
	alerts_ui_event(app);
	app_loop_alerts_due(app);
	app->events++;
	app->data_dirty = true;
}

static void on_change(void *ctx, const struct live_status *live)
{
	struct app *app = ctx;
	const struct mqtt_status *status = live->broker;
	if (!live->recording)
		snprintf(app->not_recording, sizeof app->not_recording, "NOT RECORDING: %s (retrying)",
		         live->journal_error);
	else
		app->not_recording[0] = '\0';
	app->dirty = true;
	snprintf(app->sync_warning, sizeof app->sync_warning, "%s", live->sync_error);
	if (status == NULL)
		return;
	if (status->state == MQTT_CONNECTED && status->filters_refused > 0)
		snprintf(app->broker_warning, sizeof app->broker_warning, "subscription refused: %s",
		         status->refused);
	else if (*live->rate_warning)
		snprintf(app->broker_warning, sizeof app->broker_warning, "%s", live->rate_warning);
	else if (status->state == MQTT_CONNECTED)
		app->broker_warning[0] = '\0';
	char host[64];
	text_escape(app->session.config.broker.host != NULL ? app->session.config.broker.host : "?",
	            app->session.config.broker.host != NULL ? strlen(app->session.config.broker.host) : 1,
	            host, sizeof host, false);
	snprintf(app->broker_state, sizeof app->broker_state, "%s:%d", host, app->session.config.broker.port);
	snprintf(app->conn_state, sizeof app->conn_state, "%s", mqtt_state_name(status->state));
	/* The whole reason, where it has room: the status line. */
	if (status->state == MQTT_BACKING_OFF || status->state == MQTT_STOPPED)
		app_message(app, true, "broker %s: %s%s%s", app->broker_state,
		            mqtt_state_name(status->state),
		            status->reason != NULL && *status->reason != '\0' ? ": " : "",
		            status->reason != NULL ? status->reason : "");
}

/* ---- What cmd_monitor.c starts ---- */

const struct live_callbacks app_live_callbacks = { .on_message = on_message, .on_change = on_change };

void app_loop(struct app *app)
{
	const char *timing = getenv("THINGTOP_UI_TIMING");
	if (timing != NULL && *timing != '\0')
		timing_file = fopen(timing, "a");
	const char *frames = getenv("THINGTOP_UI_FRAMES");
	if (frames != NULL && *frames != '\0')
		frames_file = fopen(frames, "a");
	app_loop_run(app);
	if (timing_file != NULL)
		fclose(timing_file);
	if (frames_file != NULL)
		fclose(frames_file);
}
