/* The monitor's frame around a screen: the header (what we record or
 * replay, the rate, the counts), the title line, the footer's key hints and
 * the status line (a message or the prompt). */
#include "build_config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "text.h"
#include "timefmt.h"

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
const char *app_warning(const struct app *app)
{
	return app->broker_warning[0] != '\0' ? app->broker_warning : app->sync_warning;
}

static void header_state(const struct app *app, char *state, size_t size, char *where,
                         size_t where_size)
{
	const char *name = app->session.journal_path != NULL ? strrchr(app->session.journal_path, '/') : NULL;
	name = name != NULL ? name + 1 : (app->session.journal_path != NULL ? app->session.journal_path : "-");
	char firing[64];
	alerts_ui_header(app, firing, sizeof firing);
	/* Follow mode (F) goes with PAUSED: both say why the grid holds still
	 * or not. */
	char paused[32];
	snprintf(paused, sizeof paused, "%s%s", app->paused ? "  PAUSED" : "",
	         grid_follow(app) ? "  FOLLOW" : "");
	if (app->session.replay != NULL) {
		char status[160];
		replay_status(app, status, sizeof status);
		snprintf(state, size, "replay %s%s%s", status, grid_follow(app) ? "  FOLLOW" : "", firing);
		snprintf(where, where_size, "%s", name);
	} else if (app->live && *app_warning(app) != '\0') {
		snprintf(state, size, "%s  %.1f ev/s%s%s", app_warning(app), app->rate, paused, firing);
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
		if (app->live && *app_warning(app) != '\0')
			attr = theme_attr(THEME_ERROR) | A_BOLD;
		draw_fill(0, 0, app->cols, attr);
		char state[512], where[300], counts[160];
		header_state(app, state, sizeof state, where, sizeof where);
		/* The journal's name and the broker are untrusted text. */
		char safe_state[700], safe_where[400];
		text_escape(state, strlen(state), safe_state, sizeof safe_state, draw_ascii());
		text_escape(where, strlen(where), safe_where, sizeof safe_where, draw_ascii());
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
	const struct screen_ops *ops = app->screens[app->screen].ops;
	int n = snprintf(title, sizeof title, "%s", ops->title);
	if (ops->shows_filter) {
		if (filter != NULL && *filter != '\0')
			n += snprintf(title + n, sizeof title - (size_t)n, "  filter: %s", filter);
		if (*grid_drill(app) != '\0')
			n += snprintf(title + n, sizeof title - (size_t)n, "  [%s]", grid_drill(app));
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

/* Byte offset of 1-based character column `col` in `text`. */
static size_t column_offset(const char *text, size_t col)
{
	size_t at = 0;
	for (size_t c = 1; c < col && text[at] != '\0'; c++) {
		at++;
		while ((text[at] & 0xc0) == 0x80)
			at++;
	}
	return at;
}

/* Why the filter being typed does not parse, on the line under the
 * prompt (the footer's): a caret under the column the parser names, when
 * that column is on screen, and the parser's words beside it. */
static void draw_prompt_error(struct app *app, int x0, const char *start)
{
	int y = app->rows - 1, attr = theme_attr(THEME_ERROR);
	draw_fill(y, 0, app->cols, theme_attr(THEME_NORMAL));
	const char *msg = app->prompt_error;
	size_t col = 0;
	int caret = -1;
	if (sscanf(msg, "column %zu:", &col) == 1 && col > 0) {
		const char *at = app->prompt.text + column_offset(app->prompt.text, col);
		if (at >= start) {
			char shown[PROMPT_MAX * 4];
			text_escape(start, (size_t)(at - start), shown, sizeof shown, draw_ascii());
			caret = x0 + draw_width(shown);
		}
	}
	if (caret < 0 || caret >= app->cols) {
		draw_untrusted(y, 0, app->cols, msg, strlen(msg), attr, false);
		return;
	}
	draw_text_clip(y, caret, 1, "^", attr | A_BOLD);
	int mw = draw_width(msg);
	if (caret + 2 + mw <= app->cols || caret < app->cols / 2)
		draw_untrusted(y, caret + 2, app->cols - caret - 2, msg, strlen(msg), attr, false);
	else
		draw_untrusted(y, 0, caret - 1, msg, strlen(msg), attr, true);
}

void app_draw_status_line(struct app *app)
{
	int y = app->rows - 2;
	if (app->prompt.kind != PROMPT_NONE) {
		int attr = theme_attr(THEME_PROMPT);
		draw_fill(y, 0, app->cols, attr);
		const char *label = prompt_label(&app->prompt);
		int lw = draw_text_clip(y, 0, app->cols, label, attr);
		/* Show the end of long input, so the cursor stays visible. */
		char shown[PROMPT_MAX * 4];
		text_escape(app->prompt.text, app->prompt.pos, shown, sizeof shown, draw_ascii());
		int before = draw_width(shown);
		int room = app->cols - lw - 1;
		const char *start = app->prompt.text;
		while (before > room && *start != '\0') {
			start++;
			while ((*start & 0xc0) == 0x80)
				start++;
			text_escape(start, app->prompt.text + app->prompt.pos - start, shown, sizeof shown,
			            draw_ascii());
			before = draw_width(shown);
		}
		draw_untrusted(y, lw, room, start, strlen(start), attr, false);
		if (app->prompt.kind == PROMPT_FILTER && app->prompt_error[0] != '\0')
			draw_prompt_error(app, lw, start);
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
