/* The monitor's loop: one poll() over stdin, the MQTT socket, the journal
 * follow timer and the redraw timer. Handlers change the model and mark it
 * dirty; drawing happens once per turn, at most ~20 times a second. */
#include "build_config.h"

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
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

#define DRAW_MIN_MS 50          /* at most 20 frames a second */
#define REPLAY_SLICE_MS 8       /* replay work per loop turn: keys stay responsive */
#define FOLLOW_MS 500
#define MIN_COLS 60
#define MIN_ROWS 16

static const struct screen_ops *const screens[SCREEN_COUNT] = {
	[SCREEN_GRID] = &grid_screen,
	[SCREEN_ACTIVITY] = &activity_screen,
	[SCREEN_TIMELINE] = &timeline_screen,
	[SCREEN_ALERTS] = &alerts_screen,
};

void app_message(struct app *app, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(app->message, sizeof app->message, fmt, ap);
	va_end(ap);
	app->message_error = error;
	app->message_until_ms = time_mono_ms() + (error ? 8000 : 4000);
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

void app_set_cursor_row(struct app *app, size_t row)
{
	size_t count = view_count(app->session.view);
	if (count == 0) {
		app->cursor = 0;
		app->has_cursor_thing = false;
		return;
	}
	if (row >= count)
		row = count - 1;
	app->cursor = row;
	app->cursor_thing = view_row(app->session.view, row);
	app->has_cursor_thing = true;
}

void app_refresh_view(struct app *app)
{
	view_refresh(app->session.view, app->session.fleet);
	app->last_view_ms = time_mono_ms();
	app->data_dirty = false;
	app->dirty = true;
	size_t row = (size_t)-1;
	if (app->has_cursor_thing)
		row = view_find(app->session.view, app->cursor_thing);
	app_set_cursor_row(app, row != (size_t)-1 ? row : app->cursor);
}

bool app_set_filter(struct app *app, const char *expr)
{
	char *cause = NULL;
	if (!view_set_filter(app->session.view, expr, &cause)) {
		app_message(app, true, "filter: %s", cause != NULL ? cause : "invalid");
		free(cause);
		return false;
	}
	app->drill[0] = '\0';
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

void app_export(struct app *app, const char *path)
{
	char *made = NULL;
	if (path == NULL || *path == '\0') {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
		char cwd[4096];
		if (getcwd(cwd, sizeof cwd) == NULL)
			snprintf(cwd, sizeof cwd, ".");
		made = xasprintf("%s/thingtop-%s.csv", cwd, stamp);
		path = made;
	}
	char *cause = NULL;
	if (export_view_csv_file(app->session.view, app->session.fleet, path, &cause)) {
		char safe[1024];
		text_escape(path, strlen(path), safe, sizeof safe, app->ascii);
		app_message(app, false, "exported %zu rows to %s", view_count(app->session.view), safe);
	} else {
		app_message(app, true, "export: %s", cause != NULL ? cause : "failed");
		free(cause);
	}
	free(made);
}

void app_open_activity(struct app *app, uint32_t thing_index)
{
	if (app->session.journal == NULL) {
		app_message(app, true, "no journal: the activity log needs one");
		return;
	}
	if (!activity_load(app->activity, app, thing_index))
		return;
	app->screen = SCREEN_ACTIVITY;
	app->dirty = true;
}

void app_open_timeline(struct app *app)
{
	if (app->session.journal == NULL) {
		app_message(app, true, "no journal: the timeline needs one");
		return;
	}
	if (!timeline_load(app->timeline, app))
		return;
	app->screen = SCREEN_TIMELINE;
	app->dirty = true;
}

/* ---- Frame: header, title, footer, status line ---- */

/* The status counts, as wide as `form` allows: 0 long, 1 short, 2 none. */
static void header_counts(const struct app *app, int form, char *buf, size_t size)
{
	size_t c = fleet_status_count(app->session.fleet, STATUS_CONNECTED);
	size_t d = fleet_status_count(app->session.fleet, STATUS_DISCONNECTED);
	size_t u = fleet_status_count(app->session.fleet, STATUS_UNKNOWN);
	if (form == 0)
		snprintf(buf, size, "%s %zu connected  %s %zu disconnected  %s %zu unknown",
		         draw_glyph(GLYPH_CONNECTED), c, draw_glyph(GLYPH_DISCONNECTED), d,
		         draw_glyph(GLYPH_UNKNOWN), u);
	else if (form == 1)
		snprintf(buf, size, "%s%zu %s%zu %s%zu", draw_glyph(GLYPH_CONNECTED), c,
		         draw_glyph(GLYPH_DISCONNECTED), d, draw_glyph(GLYPH_UNKNOWN), u);
	else
		buf[0] = '\0';
}

/* What the header must say first, whatever the width: whether we record
 * (or replay, or follow), the event rate, PAUSED, firing alerts; then,
 * where there is room, where from (`where`). */
static void header_state(const struct app *app, char *state, size_t size, char *where,
                         size_t where_size)
{
	const char *name = app->session.journal_path != NULL ? strrchr(app->session.journal_path, '/') : NULL;
	name = name != NULL ? name + 1 : (app->session.journal_path != NULL ? app->session.journal_path : "-");
	char firing[64];
	alerts_ui_header(app, firing, sizeof firing);
	const char *paused = app->paused ? "  PAUSED" : "";
	if (app->session.replay != NULL) {
		char status[160];
		replay_status(app, status, sizeof status);
		snprintf(state, size, "replay %s%s", status, firing);
		snprintf(where, where_size, "%s", name);
	} else if (app->live && app->refused[0] != '\0') {
		snprintf(state, size, "%s  %.1f ev/s%s%s", app->refused, app->rate, paused, firing);
		snprintf(where, where_size, "%s", app->broker_state);
	} else if (app->live) {
		snprintf(state, size, "%s  %.1f ev/s%s%s", app->conn_state, app->rate, paused, firing);
		snprintf(where, where_size, "thingtop  %s", app->broker_state);
	} else {
		snprintf(state, size, "%s  %.1f ev/s%s%s", app->following ? "following" : "journal",
		         app->rate, paused, firing);
		snprintf(where, where_size, "thingtop  %s", name);
	}
}

void app_draw_header(struct app *app, const char *title_right)
{
	int attr = theme_attr(THEME_HEADER);
	if (app->live && app->not_recording[0] != '\0') {
		/* Unmissable: the one thing the header says until it is over. */
		attr = theme_attr(THEME_ERROR) | A_REVERSE | A_BOLD;
		draw_fill(0, 0, app->cols, attr);
		draw_untrusted(0, 0, app->cols, app->not_recording, strlen(app->not_recording), attr, false);
	} else {
		if (app->live && app->refused[0] != '\0')
			attr = theme_attr(THEME_ERROR) | A_BOLD;
		draw_fill(0, 0, app->cols, attr);
		char state[512], where[300], counts[160];
		header_state(app, state, sizeof state, where, sizeof where);
		/* The journal's name and the broker are untrusted text. */
		char safe_state[700], safe_where[400];
		text_escape(state, strlen(state), safe_state, sizeof safe_state, app->ascii);
		text_escape(where, strlen(where), safe_where, sizeof safe_where, app->ascii);
		int sw = draw_width(safe_state), ww = draw_width(safe_where);
		/* Where from goes first, then the counts shrink; never the state. */
		static const struct { bool where; int form; } fits[] = {
			{ true, 0 }, { false, 0 }, { false, 1 }, { false, 2 },
		};
		bool with_where = false;
		int cw = 0;
		for (size_t i = 0; i < sizeof fits / sizeof fits[0]; i++) {
			with_where = fits[i].where && ww > 0;
			header_counts(app, fits[i].form, counts, sizeof counts);
			cw = draw_width(counts);
			int need = sw + (with_where ? 2 + ww : 0) + (cw > 0 ? 2 + cw : 0);
			if (need <= app->cols)
				break;
		}
		int x = draw_text_clip(0, 0, app->cols, safe_state, attr);
		if (with_where && ww > 0) {
			x += draw_text_clip(0, x, app->cols - x, "  ", attr);
			draw_text_clip(0, x, app->cols - x, safe_where, attr);
		}
		if (cw > 0 && cw < app->cols - sw)
			draw_text(0, app->cols - cw, cw, counts, attr, false);
	}

	/* Title line: screen, filter, drill-down, and what the screen adds. */
	int tattr = theme_attr(THEME_TITLE);
	draw_fill(1, 0, app->cols, tattr);
	char title[PROMPT_MAX + 256];
	const char *filter = view_filter_text(app->session.view);
	int n = snprintf(title, sizeof title, "%s", screens[app->screen]->title);
	if (app->screen == SCREEN_GRID || app->screen == SCREEN_TIMELINE) {
		if (filter != NULL && *filter != '\0')
			n += snprintf(title + n, sizeof title - (size_t)n, "  filter: %s", filter);
		if (app->drill[0] != '\0')
			n += snprintf(title + n, sizeof title - (size_t)n, "  [%s]", app->drill);
	}
	int rw = title_right != NULL ? draw_width(title_right) : 0;
	draw_untrusted(1, 1, app->cols - rw - 3, title, strlen(title), tattr, false);
	if (rw > 0)
		draw_text(1, app->cols - rw - 1, rw, title_right, tattr, false);
}

void app_draw_footer(struct app *app, const struct key_help *help, size_t count)
{
	int y = app->rows - 1;
	int fattr = theme_attr(THEME_FOOTER);
	int kattr = theme_attr(THEME_FOOTER_KEY);
	draw_fill(y, 0, app->cols, fattr);
	/* "? help" always shows, at the right end; the other hints fill
	 * what is left from the left. */
	static const char help_hint[] = "help";
	int help_w = draw_width("?") + 1 + draw_width(help_hint);
	int room = app->cols - help_w - 1;
	if (room > 0) {
		int hx = app->cols - help_w;
		hx += draw_text_clip(y, hx, app->cols - hx, "?", kattr);
		hx += draw_text_clip(y, hx, app->cols - hx, " ", fattr);
		draw_text_clip(y, hx, app->cols - hx, help_hint, fattr);
	}
	int x = 0;
	size_t extra = app->session.replay != NULL ? replay_help_count : 0;
	for (size_t i = 0; i < extra + count; i++) {
		const struct key_help *h = i < extra ? &replay_help[i] : &help[i - extra];
		if (h->hint == NULL)
			continue;
		const char *key = h->keys;
		/* "S C ..." is too long for the footer: show its first word. */
		char first[16];
		size_t k = strcspn(key, " ");
		if (k >= sizeof first)
			k = sizeof first - 1;
		memcpy(first, key, k);
		first[k] = '\0';
		if (strcmp(first, "?") == 0)
			continue; /* drawn at the right end */
		int need = draw_width(first) + draw_width(h->hint) + 2;
		if (x + need > room)
			break;
		x += draw_text_clip(y, x, app->cols - x, first, kattr);
		x += draw_text_clip(y, x, app->cols - x, " ", fattr);
		x += draw_text_clip(y, x, app->cols - x, h->hint, fattr);
		x += draw_text_clip(y, x, app->cols - x, " ", fattr);
	}
}

static void draw_status_line(struct app *app)
{
	int y = app->rows - 2;
	if (app->prompt.kind != PROMPT_NONE) {
		int attr = theme_attr(THEME_PROMPT);
		draw_fill(y, 0, app->cols, attr);
		const char *label = prompt_label(&app->prompt);
		int lw = draw_text_clip(y, 0, app->cols, label, attr);
		/* Show the end of long input, so the cursor stays visible. */
		char shown[PROMPT_MAX * 4];
		text_escape(app->prompt.text, app->prompt.pos, shown, sizeof shown, app->ascii);
		int before = draw_width(shown);
		int room = app->cols - lw - 1;
		const char *start = app->prompt.text;
		while (before > room && *start != '\0') {
			start++;
			while ((*start & 0xc0) == 0x80)
				start++;
			text_escape(start, app->prompt.text + app->prompt.pos - start, shown, sizeof shown,
			            app->ascii);
			before = draw_width(shown);
		}
		draw_untrusted(y, lw, room, start, strlen(start), attr, false);
		move(y, lw + before);
		curs_set(1);
		return;
	}
	curs_set(0);
	if (app->message[0] != '\0' && time_mono_ms() < app->message_until_ms) {
		int attr = theme_attr(app->message_error ? THEME_ERROR : THEME_MESSAGE);
		draw_fill(y, 0, app->cols, theme_attr(THEME_NORMAL));
		draw_untrusted(y, 0, app->cols, app->message, strlen(app->message), attr, false);
	} else {
		app->message[0] = '\0';
		draw_fill(y, 0, app->cols, theme_attr(THEME_NORMAL));
	}
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
static int64_t turn_max_us;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void draw(struct app *app)
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
		screens[app->screen]->draw(app);
		if (app->help)
			help_draw(app, screens[app->screen]);
		draw_status_line(app);
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

/* ---- Commands ---- */

static char *next_word(char **p)
{
	while (**p == ' ')
		(*p)++;
	char *w = *p;
	while (**p != '\0' && **p != ' ')
		(*p)++;
	if (**p != '\0')
		*(*p)++ = '\0';
	while (**p == ' ')
		(*p)++;
	return w;
}

/* `:since 1h` keeps the filter's other terms and replaces its since term. */
static void command_since(struct app *app, const char *arg)
{
	int64_t ms;
	bool clear = *arg == '\0' || strcmp(arg, "all") == 0;
	if (!clear && !time_parse_duration(arg, &ms)) {
		app_message(app, true, "since: \"%s\" is not a duration like 10m, 1h, 2d", arg);
		return;
	}
	char *copy = xstrdup(view_filter_text(app->session.view));
	char out[PROMPT_MAX + 64] = "";
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		if (strncmp(t, "since<", 6) == 0 || strncmp(t, "since>", 6) == 0)
			continue;
		n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", n > 0 ? " " : "", t);
		if (n >= sizeof out)
			break;
	}
	free(copy);
	if (!clear && n < sizeof out)
		snprintf(out + n, sizeof out - n, "%ssince<%s", n > 0 ? " " : "", arg);
	if (app_set_filter(app, out))
		app->screen = SCREEN_GRID;
}

static void command_thing(struct app *app, const char *id)
{
	const struct fleet_thing *thing = fleet_find(app->session.fleet, id);
	if (thing == NULL) {
		app_message(app, true, "no thing \"%s\"", id);
		return;
	}
	uint32_t index = thing->id - 1;
	if (view_find(app->session.view, index) == (size_t)-1)
		app_set_filter(app, "");
	size_t row = view_find(app->session.view, index);
	if (row != (size_t)-1)
		app_set_cursor_row(app, row);
	app->screen = SCREEN_GRID;
	app_open_activity(app, index);
}

void app_command(struct app *app, const char *line)
{
	char *copy = xstrdup(line);
	char *p = copy;
	char *cmd = next_word(&p);
	char *arg = p;
	size_t al = strlen(arg);
	while (al > 0 && arg[al - 1] == ' ')
		arg[--al] = '\0';

	if (*cmd == '\0') {
		/* nothing */
	} else if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0 || strcmp(cmd, "q!") == 0) {
		app->quit = true;
	} else if (strcmp(cmd, "thing") == 0) {
		if (*arg == '\0')
			app_message(app, true, "usage: :thing CLIENT_ID");
		else
			command_thing(app, arg);
	} else if (strcmp(cmd, "export") == 0 || strcmp(cmd, "w") == 0) {
		app_export(app, arg);
	} else if (strcmp(cmd, "theme") == 0) {
		if (*arg == '\0')
			app_message(app, false, "theme: %s", app->theme.name);
		else if (app_set_theme(app, arg))
			app_message(app, false, "theme: %s", app->theme.name);
	} else if (strcmp(cmd, "since") == 0) {
		command_since(app, arg);
	} else if (strcmp(cmd, "filter") == 0) {
		if (app_set_filter(app, arg))
			app->screen = SCREEN_GRID;
	} else if (strcmp(cmd, "sort") == 0) {
		char *cause = NULL;
		if (view_set_sort(app->session.view, arg, &cause)) {
			app_refresh_view(app);
		} else {
			app_message(app, true, "sort: %s", cause != NULL ? cause : "invalid");
			free(cause);
		}
	} else if (strcmp(cmd, "find") == 0) {
		free(app->find_text);
		app->find_text = xstrdup(arg);
		grid_screen.key(app, 'n');
	} else if (strcmp(cmd, "timeline") == 0) {
		app_open_timeline(app);
	} else if (strcmp(cmd, "help") == 0) {
		app->help = true;
	} else {
		app_message(app, true, "unknown command \"%s\" (thing, export, theme, since, filter, sort, "
		            "find, timeline, help, q)", cmd);
	}
	free(copy);
}

/* ---- Keys ---- */

static void prompt_done(struct app *app, enum prompt_result result)
{
	enum prompt_kind kind = app->prompt.kind;
	char text[PROMPT_MAX];
	memcpy(text, app->prompt.text, sizeof text);
	prompt_close(&app->prompt);
	switch (kind) {
	case PROMPT_FILTER:
		if (result == PROMPT_CANCEL)
			app_set_filter(app, "");
		else
			app_set_filter(app, text);
		break;
	case PROMPT_FIND:
		if (result == PROMPT_ACCEPT && text[0] != '\0') {
			free(app->find_text);
			app->find_text = xstrdup(text);
			grid_screen.key(app, 'n');
		}
		break;
	case PROMPT_COMMAND:
		if (result == PROMPT_ACCEPT)
			app_command(app, text);
		break;
	case PROMPT_NONE:
		break;
	}
}

static void handle_key(struct app *app, int key)
{
	app->dirty = true;
	if (key == KEY_CTRL('c')) {
		app->quit = true;
		return;
	}
	if (key == KEY_FN(KEY_RESIZE)) {
		getmaxyx(stdscr, app->rows, app->cols);
		clearok(curscr, TRUE);
		return;
	}
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
		app->help = false;
		return;
	}
	if (app->cols < MIN_COLS || app->rows < MIN_ROWS) {
		if (key == 'q')
			app->quit = true;
		return;
	}
	if (replay_key(app, key))
		return;
	if (screens[app->screen]->key(app, key))
		return;
	switch (key) {
	case '?':
	case KEY_FN(KEY_F(1)):
		app->help = true;
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
		app_export(app, NULL);
		break;
	case 'Z':
		app->paused = !app->paused;
		if (!app->paused && app->data_dirty)
			app_refresh_view(app);
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

/* Applies the filter being typed; a half-typed term that does not parse
 * yet keeps the old rows. */
static void preview_filter(struct app *app)
{
	app->filter_preview = false;
	if (app->prompt.kind != PROMPT_FILTER)
		return;
	char *cause = NULL;
	if (view_set_filter(app->session.view, app->prompt.text, &cause)) {
		app->drill[0] = '\0';
		app_refresh_view(app);
		app->message[0] = '\0';
	} else {
		app_message(app, true, "%s", cause != NULL ? cause : "invalid filter");
		free(cause);
	}
}

static void read_keys(struct app *app)
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
	/* The re-sync's failure goes where warnings go, unless one is there. */
	if (!app->refused[0] || strncmp(app->refused, "re-sync", 7) == 0)
		snprintf(app->refused, sizeof app->refused, "%s", live->sync_error);
	if (status == NULL)
		return;
	if (status->state == MQTT_CONNECTED && status->filters_refused > 0)
		snprintf(app->refused, sizeof app->refused, "subscription refused: %s", status->refused);
	else if (*live->rate_warning)
		snprintf(app->refused, sizeof app->refused, "%s", live->rate_warning);
	else if (*live->sync_error)
		snprintf(app->refused, sizeof app->refused, "%s", live->sync_error);
	else if (status->state == MQTT_CONNECTED)
		app->refused[0] = '\0';
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

static void follow(struct app *app)
{
	char *cause = NULL;
	long n = rebuild_catch_up(app->session.journal, app->session.fleet, &cause);
	if (n < 0) {
		app_message(app, true, "journal: %s", cause != NULL ? cause : "read failed");
		free(cause);
	} else if (n > 0) {
		app->events += (uint64_t)n;
		app->data_dirty = true;
	}
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

/* One slice of replay work; the clock in the header counts as a change. */
static void replay_turn(struct app *app, int64_t now)
{
	char *cause = NULL;
	int64_t clock = replay_clock(app->session.replay);
	long n = replay_advance(app->session.replay, now, REPLAY_SLICE_MS, &cause);
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

static int refresh_interval_ms(const struct app *app)
{
	int hz = app->session.config.ui.refresh_hz;
	if (hz < 1)
		hz = 10;
	int ms = 1000 / hz;
	return ms < DRAW_MIN_MS ? DRAW_MIN_MS : ms;
}

static void run(struct app *app)
{
	int64_t now = time_mono_ms();
	app->next_follow_ms = now;
	app->next_tick_ms = now + 1000;
	app->rate_base_ms = now;
	app->dirty = true;
	int interval = refresh_interval_ms(app);
	int64_t turn_start_us = now_us();

	while (!app->quit && !term_should_quit()) {
		now = time_mono_ms();
		if (app->following && now >= app->next_follow_ms) {
			follow(app);
			app->next_follow_ms = now + FOLLOW_MS;
		}
		if (app->session.replay != NULL)
			replay_turn(app, now);
		if (now >= app->next_tick_ms) {
			/* Ages and the rate change with the clock. */
			update_rate(app, now);
			if (app->screen != SCREEN_TIMELINE)
				app->dirty = true;
			if (app->message[0] != '\0' && now >= app->message_until_ms)
				app->dirty = true;
			app->next_tick_ms = now + 1000;
		}
		int64_t alerts_due = alerts_ui_tick(app, now);
		if (app->data_dirty && !app->paused && now - app->last_view_ms >= interval) {
			app_refresh_view(app);
			if (app->screen == SCREEN_ACTIVITY)
				activity_update(app->activity, app);
			else if (app->screen == SCREEN_TIMELINE)
				timeline_update(app->timeline, app);
		}
		if (app->dirty && now - app->last_draw_ms >= DRAW_MIN_MS)
			draw(app);

		/* Sleep until the next thing that is due. */
		int64_t due = app->next_tick_ms < alerts_due ? app->next_tick_ms : alerts_due;
		if (app->following && app->next_follow_ms < due)
			due = app->next_follow_ms;
		if (app->dirty && app->last_draw_ms + DRAW_MIN_MS < due)
			due = app->last_draw_ms + DRAW_MIN_MS;
		if (app->data_dirty && !app->paused && app->last_view_ms + interval < due)
			due = app->last_view_ms + interval;
		if (app->session.replay != NULL) {
			int64_t wait = replay_next_due_ms(app->session.replay);
			/* The clock in the header moves while playing. */
			if (wait < 0 || wait > interval)
				wait = replay_paused(app->session.replay) || replay_done(app->session.replay) ? -1 : interval;
			if (wait >= 0 && now + wait < due)
				due = now + wait;
		}
		struct pollfd fds[2 + CONFIG_CONNECTIONS_MAX];
		int nfds = 0;
		fds[nfds++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		if (app->live_source != NULL) {
			int64_t mt = now + live_next_timeout_ms(app->live_source);
			if (mt < due)
				due = mt;
			nfds += (int)live_pollfds(app->live_source, fds + nfds,
			                          sizeof fds / sizeof fds[0] - (size_t)nfds);
		}
		int timeout = due > now ? (int)(due - now) : 0;
		if (frames_file != NULL && now_us() - turn_start_us > turn_max_us)
			turn_max_us = now_us() - turn_start_us;
		int r = poll(fds, (nfds_t)nfds, timeout);
		turn_start_us = now_us();
		if (r < 0 && errno != EINTR)
			break;
		/* Always try: a resize arrives as EINTR and then KEY_RESIZE. */
		read_keys(app);
		if (app->live_source != NULL)
			live_dispatch(app->live_source);
	}
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
	run(app);
	if (timing_file != NULL)
		fclose(timing_file);
	if (frames_file != NULL)
		fclose(frames_file);
}
