/* The disconnect-reason timeline: disconnects per time bucket, stacked by
 * reason, for the whole fleet or the filtered view. Enter drills down:
 * the grid is filtered to the things that disconnected in the selected
 * bucket (and reason). */
#include "build_config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "timeline.h"
#include "draw.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

static bool counted(const struct timeline *t, const struct app *app, const struct tl_event *e)
{
	if (!t->filtered)
		return true;
	return e->thing_id != 0 && view_find(app->session.view, e->thing_id - 1) != (size_t)-1;
}

#define TL_AXIS_W 6              /* the y axis' labels, left of the bars */

static const char *const mono_fill = "#%@&*+=o~:x$XO/\\";

static int reason_attr(int reason)
{
	return theme_attr((enum theme_element)(THEME_REASON0 + reason % THEME_REASONS));
}

static void bar_glyph(const struct app *app, int reason, char *buf, size_t size)
{
	if (theme_has_color() && reason < THEME_REASONS &&
	    app->theme.style[THEME_REASON0 + reason].fg != THEME_DEFAULT_COLOR)
		snprintf(buf, size, "%s", draw_glyph(GLYPH_BLOCK));
	else
		snprintf(buf, size, "%c", mono_fill[reason % 16]);
}

static void bucket_label(const struct timeline *t, int64_t bucket, char *buf, size_t size)
{
	char iso[TIME_ISO_SIZE];
	time_format_iso(bucket * tl_bucket_sizes[t->zoom], iso, sizeof iso);
	if (tl_bucket_sizes[t->zoom] >= 24 * 60 * 60 * 1000)
		snprintf(buf, size, "%.5s", iso + 5);              /* MM-DD */
	else if (tl_bucket_sizes[t->zoom] >= 6 * 60 * 60 * 1000)
		snprintf(buf, size, "%.2s %.2sh", iso + 8, iso + 11); /* DD HHh */
	else
		snprintf(buf, size, "%.5s", iso + 11);             /* HH:MM */
}

/* Counts per shown bucket and reason, and totals: what one frame draws. */
struct tl_counts {
	int width;
	size_t nr;                   /* reasons, at least 1 */
	size_t *cells;               /* width x nr */
	size_t shown[TL_REASONS], all[TL_REASONS];
	size_t total_shown, total_all, max;
};

/* From the window's cells (counts mode): no row is read. */
static void count_cells(const struct timeline *t, struct tl_counts *c)
{
	int64_t win_first = t->win_from / tl_bucket_sizes[t->zoom];
	for (size_t wb = 0; wb < t->cell_buckets; wb++) {
		int64_t b = win_first + (int64_t)wb - t->first_bucket;
		for (size_t r = 0; r < t->reason_count; r++) {
			size_t n = t->cells[wb * TL_REASONS + r];
			c->all[r] += n;
			c->total_all += n;
			if (b < 0 || b >= c->width)
				continue;
			c->cells[(size_t)b * c->nr + r] += n;
			c->shown[r] += n;
			c->total_shown += n;
		}
	}
}

static void count_events(const struct timeline *t, const struct app *app, struct tl_counts *c)
{
	c->nr = t->reason_count > 0 ? t->reason_count : 1;
	c->cells = xcalloc((size_t)c->width * c->nr, sizeof *c->cells);
	if (t->use_counts)
		count_cells(t, c);
	for (size_t i = 0; i < t->count; i++) {
		const struct tl_event *e = &t->events[i];
		if (!counted(t, app, e))
			continue;
		c->all[e->reason]++;
		c->total_all++;
	}
	int64_t from = t->first_bucket * tl_bucket_sizes[t->zoom];
	int64_t to = (t->first_bucket + c->width) * tl_bucket_sizes[t->zoom];
	for (size_t i = tl_lower_bound(t, from); i < t->count && t->events[i].ts < to; i++) {
		const struct tl_event *e = &t->events[i];
		if (!counted(t, app, e))
			continue;
		int64_t b = tl_bucket_of(t, e->ts) - t->first_bucket;
		c->cells[(size_t)b * c->nr + e->reason]++;
		c->shown[e->reason]++;
		c->total_shown++;
	}
	for (int b = 0; b < c->width; b++) {
		size_t sum = 0;
		for (size_t r = 0; r < c->nr; r++)
			sum += c->cells[(size_t)b * c->nr + r];
		if (sum > c->max)
			c->max = sum;
	}
}

/* One bucket's bar at column x, chart_h rows high from top. */
static void draw_bar(const struct timeline *t, const struct app *app, const struct tl_counts *c,
                     int b, int x, int top, int chart_h)
{
	const size_t *cell = &c->cells[(size_t)b * c->nr];
	size_t sum = 0;
	for (size_t r = 0; r < c->nr; r++)
		sum += cell[r];
	if (t->first_bucket + b == t->selected) {
		for (int y = top; y < top + chart_h; y++)
			draw_fill(y, x, 1, theme_attr(THEME_CURSOR));
	}
	int64_t bf = (t->first_bucket + b) * tl_bucket_sizes[t->zoom];
	if (tl_in_gap(t, bf, bf + tl_bucket_sizes[t->zoom])) {
		/* Not heard: an empty bar here means nothing, say so. */
		for (int y = top; y < top + chart_h; y++)
			draw_text(y, x, 1, draw_ascii() ? ":" : "\u2591", theme_attr(THEME_DIM), false);
	}
	if (sum == 0 || c->max == 0)
		return;
	int h = (int)((sum * (size_t)chart_h + c->max - 1) / c->max);
	char buf[16];
	for (int k = 0; k < h; k++) {
		/* The reason at the middle of this cell's share of the bar. */
		double at = ((double)k + 0.5) * (double)sum / (double)h;
		size_t acc = 0;
		int reason = 0;
		for (size_t r = 0; r < c->nr; r++) {
			acc += cell[r];
			if ((double)acc > at) {
				reason = (int)r;
				break;
			}
		}
		bar_glyph(app, reason, buf, sizeof buf);
		int attr = reason_attr(reason);
		if (t->reason_sel >= 0 && reason != t->reason_sel)
			attr = theme_attr(THEME_DIM);
		draw_text(top + chart_h - 1 - k, x, 1, buf, attr, false);
	}
}

/* The selected bucket and the totals, on line y. */
static void draw_info(const struct timeline *t, const struct app *app, const struct tl_counts *c, int y)
{
	char iso[TIME_ISO_SIZE], iso2[TIME_ISO_SIZE], buf[256];
	time_format_iso(t->selected * tl_bucket_sizes[t->zoom], iso, sizeof iso);
	time_format_iso((t->selected + 1) * tl_bucket_sizes[t->zoom], iso2, sizeof iso2);
	size_t sel_count = 0;
	int64_t sf = t->selected * tl_bucket_sizes[t->zoom], st = sf + tl_bucket_sizes[t->zoom];
	for (size_t i = tl_lower_bound(t, sf); i < t->count && t->events[i].ts < st; i++) {
		if (counted(t, app, &t->events[i]) && (t->reason_sel < 0 || t->events[i].reason == t->reason_sel))
			sel_count++;
	}
	for (size_t r = 0; t->use_counts && r < t->reason_count; r++) {
		if (t->reason_sel < 0 || (int)r == t->reason_sel)
			sel_count += tl_cell(t, t->selected, (int)r);
	}
	char reason_text[128];
	if (t->reason_sel >= 0)
		text_escape(t->reasons[t->reason_sel], strlen(t->reasons[t->reason_sel]), reason_text,
		            sizeof reason_text, draw_ascii());
	snprintf(buf, sizeof buf, "%.16s..%.5s  %zu %s%s  |  total: %zu shown, %zu disconnects",
	         iso, iso2 + 11, sel_count, t->reason_sel >= 0 ? reason_text : "disconnects",
	         tl_in_gap(t, sf, st) ? " (recorder not listening: events missing)" : "", c->total_shown,
	         c->total_all);
	draw_text(y, 0, app->cols, buf, theme_attr(THEME_TITLE), false);
}

/* One line per reason that occurs, from line y to bottom. */
static void draw_legend(const struct timeline *t, const struct app *app, const struct tl_counts *c,
                        int y, int bottom)
{
	int normal = theme_attr(THEME_NORMAL);
	char buf[128];
	for (size_t r = 0; r < t->reason_count && y <= bottom; r++) {
		if (c->all[r] == 0)
			continue;
		char g[8];
		bar_glyph(app, (int)r, g, sizeof g);
		bool sel = t->reason_sel == (int)r;
		draw_text(y, 1, 2, g, reason_attr((int)r), false);
		draw_untrusted(y, 4, 30, t->reasons[r], strlen(t->reasons[r]),
		               sel ? theme_attr(THEME_CURSOR) : normal, false);
		snprintf(buf, sizeof buf, "%8zu shown %8zu total", c->shown[r], c->all[r]);
		draw_text(y, 35, app->cols - 36, buf, normal, false);
		y++;
	}
}

static void timeline_draw(struct app *app, void *data)
{
	struct timeline *t = data;
	char right[96];
	snprintf(right, sizeof right, "bucket %s  %s", tl_bucket_names[t->zoom],
	         t->filtered ? "filtered view" : "whole fleet");
	app_draw_header(app, right);

	int axis_w = TL_AXIS_W;
	int width = (app->cols - axis_w - 1) / 2;
	if (width < 1)
		width = 1;
	t->visible = width;
	if (t->selected < t->first_bucket)
		t->first_bucket = t->selected;
	if (t->selected >= t->first_bucket + width)
		t->first_bucket = t->selected - width + 1;
	if (tl_window_stale(t, width))
		tl_load_window(t, app);

	struct tl_counts c = { .width = width };
	count_events(t, app, &c);

	/* Legend below the chart: one line per reason that occurs. */
	int legend_lines = 0;
	for (size_t r = 0; r < t->reason_count; r++)
		legend_lines += c.all[r] > 0 ? 1 : 0;
	int top = 2;
	int bottom = app->rows - 3;                /* last line above status and footer */
	int max_legend = (bottom - top) / 2 - 2;
	if (legend_lines > max_legend)
		legend_lines = max_legend > 0 ? max_legend : 0;
	int info_y = bottom - legend_lines - 1;    /* selected bucket and totals */
	int axis_y = info_y - 1;
	int chart_h = axis_y - top;
	if (chart_h < 1)
		chart_h = 1;
	t->axis_y = axis_y;
	for (int y = top; y <= bottom; y++)
		draw_fill(y, 0, app->cols, theme_attr(THEME_NORMAL));

	/* Y axis: the maximum at the top. */
	char buf[64];
	snprintf(buf, sizeof buf, "%zu", c.max);
	draw_text(top, 0, axis_w - 1, buf, theme_attr(THEME_DIM), true);
	draw_text(top + chart_h - 1, 0, axis_w - 1, "0", theme_attr(THEME_DIM), true);
	for (int b = 0; b < width; b++)
		draw_bar(t, app, &c, b, axis_w + b * 2, top, chart_h);

	/* Time axis labels every ~8 buckets. */
	draw_fill(axis_y, 0, app->cols, theme_attr(THEME_DIM));
	for (int b = 0; b < width; b += 8) {
		bucket_label(t, t->first_bucket + b, buf, sizeof buf);
		int x = axis_w + b * 2;
		draw_text_clip(axis_y, x, app->cols - x, buf, theme_attr(THEME_DIM));
	}
	draw_info(t, app, &c, info_y);
	draw_legend(t, app, &c, info_y + 1, bottom);
	free(c.cells);
	app_draw_footer(app, timeline_screen.help, timeline_screen.help_count);
}

/* Filters the grid to the things that disconnected in the selected bucket. */
static void drill_down(struct app *app, struct timeline *t)
{
	int64_t from = t->selected * tl_bucket_sizes[t->zoom], to = from + tl_bucket_sizes[t->zoom];
	uint32_t *ids = NULL;
	size_t u = tl_bucket_things(t, app, from, to, &ids);
	if (u == 0) {
		app_message(app, true, "no disconnects in this bucket");
		return;
	}
	/* A fresh filter with the same terms, restricted to these things. */
	char *expr = xstrdup(view_filter_text(app->session.view));
	char *cause = NULL;
	if (!view_set_filter(app->session.view, expr, &cause) || view_filter(app->session.view) == NULL) {
		app_message(app, true, "drill-down: %s", cause != NULL ? cause : "no filter");
		free(cause);
		free(expr);
		free(ids);
		return;
	}
	free(expr);
	filter_set_ids(view_filter(app->session.view), ids, u);
	char iso[TIME_ISO_SIZE];
	time_format_iso(from, iso, sizeof iso);
	char label[128];
	snprintf(label, sizeof label, "%.16s +%s %s: %zu things", iso, tl_bucket_names[t->zoom],
	         t->reason_sel >= 0 ? t->reasons[t->reason_sel] : "all reasons", u);
	grid_set_drill(app, label);
	app_show(app, SCREEN_GRID);
	app_refresh_view(app);
	app_set_cursor_row(app, 0);
}

static void zoom(struct timeline *t, int step)
{
	int z = t->zoom + step;
	if (z < 0 || z >= TL_ZOOMS)
		return;
	int64_t mid = t->selected * tl_bucket_sizes[t->zoom] + tl_bucket_sizes[t->zoom] / 2;
	t->zoom = z;
	t->selected = tl_bucket_of(t, mid);
	t->first_bucket = t->selected - t->visible / 2;
}

static bool timeline_key(struct app *app, void *data, int key)
{
	struct timeline *t = data;
	int page = t->visible > 1 ? t->visible - 1 : 1;
	switch (key) {
	case KEY_ESC:
	case 'q':
		app_show(app, SCREEN_GRID);
		return true;
	case KEY_FN(KEY_LEFT):
	case 'h':
		t->selected--;
		return true;
	case KEY_FN(KEY_RIGHT):
	case 'l':
		t->selected++;
		return true;
	case KEY_FN(KEY_PPAGE):
	case '[':
		t->selected -= page;
		t->first_bucket -= page;
		return true;
	case KEY_FN(KEY_NPAGE):
	case ']':
		t->selected += page;
		t->first_bucket += page;
		return true;
	case KEY_FN(KEY_HOME):
	case 'g':
		if (t->span_found)
			t->selected = tl_bucket_of(t, t->first_ts);
		return true;
	case KEY_FN(KEY_END):
	case 'G':
		if (t->span_found)
			t->selected = tl_bucket_of(t, t->last_ts);
		return true;
	case '+':
	case '=':
	case 'i':
		zoom(t, -1);
		return true;
	case '-':
	case 'o':
		zoom(t, +1);
		return true;
	case KEY_FN(KEY_UP):
	case 'k':
		if (t->reason_sel >= 0)
			t->reason_sel--;
		return true;
	case KEY_FN(KEY_DOWN):
	case 'j':
		if (t->reason_sel + 1 < (int)t->reason_count)
			t->reason_sel++;
		return true;
	case 'f':
		t->filtered = !t->filtered;
		return true;
	case '\n':
	case '\r':
	case KEY_FN(KEY_ENTER):
		drill_down(app, t);
		return true;
	default:
		return false;
	}
}

/* A click on the chart (or its time axis) selects the bucket under it,
 * a double click drills down, as Enter does. */
static void timeline_mouse(struct app *app, void *data, const struct app_mouse *m)
{
	struct timeline *t = data;
	int dx = m->x - TL_AXIS_W;
	if (m->y < 2 || m->y > t->axis_y || dx < 0 || dx / 2 >= t->visible)
		return;
	t->selected = t->first_bucket + dx / 2;
	if (m->kind == APP_MOUSE_DOUBLE)
		drill_down(app, t);
}

static const struct key_help timeline_help[] = {
	{ "Esc", "back", "back to the grid (q too)" },
	{ "Enter", "drill", "filter the grid to the things that disconnected in the selected bucket (and reason)" },
	{ "Left Right", "move", "select a bucket (h l); PgUp PgDn [ ] scroll a page; Home End first, last" },
	{ "i o + -", "zoom", "bucket size 1m 5m 15m 1h 6h 1d (in a replay: i o, + - set its speed)" },
	{ "Up Down", "reason", "select a reason (Up past the first: all reasons)" },
	{ "f", "scope", "whole fleet / the grid's filtered view" },
	{ "?", "help", "this help (F1 too)" },
};

const struct screen_ops timeline_screen = {
	.title = "Disconnects",
	.shows_filter = true,
	.create = timeline_create,
	.destroy = timeline_destroy,
	.enter = timeline_enter,
	.update = timeline_update,
	.fleet_replaced = timeline_update,
	.replay_jump_ms = timeline_bucket_ms,
	.draw = timeline_draw,
	.key = timeline_key,
	.mouse = timeline_mouse,
	.help = timeline_help,
	.help_count = sizeof timeline_help / sizeof timeline_help[0],
};
