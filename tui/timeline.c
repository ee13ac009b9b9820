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
#include "draw.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

#define TL_REASONS 16            /* distinct reasons kept apart; the rest is "other" */
#define TL_OTHER (TL_REASONS - 1)
/* Opening shows every disconnect when that many fit its buckets; else the
 * finest zoom whose last page holds at most this many (a journal of
 * millions opens at once; zooming out then loads what it shows). */
#define TL_OPEN_ROWS 20000

static const int64_t bucket_sizes[] = {
	60 * 1000, 5 * 60 * 1000, 15 * 60 * 1000, 60 * 60 * 1000, 6 * 60 * 60 * 1000, 24 * 60 * 60 * 1000,
};
static const char *const bucket_names[] = { "1m", "5m", "15m", "1h", "6h", "1d" };
#define ZOOMS (int)(sizeof bucket_sizes / sizeof bucket_sizes[0])

struct tl_event {
	int64_t ts;
	uint32_t thing_id;
	uint8_t reason;
};

/* Only the disconnects of a window around the shown buckets are kept (a
 * page each side): memory follows what is shown, not the journal. The
 * window is reloaded when the shown range leaves it (scrolling, zoom) and
 * new rows are appended by seq as they arrive. */
struct timeline {
	struct tl_event *events;     /* by ts, within [win_from, win_to) */
	size_t count, cap;
	int64_t win_from, win_to;
	char *reasons[TL_REASONS];
	size_t reason_count;
	uint64_t seen_seq;           /* rows up to here are in (or outside the window) */
	bool reloading;              /* loading the window: rows past seen_seq come by update */
	bool unsorted;               /* rows appended out of ts order */
	uint64_t upto_seq;           /* rows past it are not shown (replay) */
	bool span_found;             /* first_ts, last_ts: of every disconnect */
	int64_t first_ts, last_ts;
	int zoom;
	int64_t first_bucket;        /* leftmost shown */
	int64_t selected;            /* selected bucket */
	int reason_sel;              /* -1 all, else a reason index */
	bool filtered;               /* only things of the grid's view */
	int visible;                 /* buckets that fit, set by the draw */
	/* Times the recorder was not listening and events were lost: shaded. */
	struct tl_gap { int64_t from, to; } *gaps;
	size_t gap_count;
};

static void *timeline_create(struct app *app)
{
	(void)app;
	struct timeline *t = xcalloc(1, sizeof *t);
	t->zoom = -1;
	t->reason_sel = -1;
	return t;
}

static void timeline_destroy(void *data)
{
	struct timeline *t = data;
	if (t == NULL)
		return;
	free(t->events);
	free(t->gaps);
	for (size_t i = 0; i < t->reason_count; i++)
		free(t->reasons[i]);
	free(t);
}

static bool collect_gap(void *ctx, const struct journal_gap *gap)
{
	struct timeline *t = ctx;
	if (!gap->lost || gap->after_seq >= t->upto_seq)
		return true;
	t->gaps = xreallocarray(t->gaps, t->gap_count + 1, sizeof *t->gaps);
	t->gaps[t->gap_count++] = (struct tl_gap){ gap->from_ms, gap->to_ms };
	return true;
}

/* True when [from, to) overlaps a time the recorder lost events. */
static bool in_gap(const struct timeline *t, int64_t from, int64_t to)
{
	for (size_t i = 0; i < t->gap_count; i++) {
		if (t->gaps[i].from < to && t->gaps[i].to > from)
			return true;
	}
	return false;
}

static uint8_t intern_reason(struct timeline *t, const char *reason)
{
	if (reason == NULL || *reason == '\0')
		reason = "(none)";
	for (size_t i = 0; i < t->reason_count; i++) {
		if (strcmp(t->reasons[i], reason) == 0)
			return (uint8_t)i;
	}
	if (t->reason_count < TL_OTHER) {
		t->reasons[t->reason_count] = xstrdup(reason);
		return (uint8_t)t->reason_count++;
	}
	if (t->reason_count == TL_OTHER)
		t->reasons[t->reason_count++] = xstrdup("other");
	return TL_OTHER;
}

/* First event with ts >= from. */
static size_t lower_bound(const struct timeline *t, int64_t from)
{
	size_t lo = 0, hi = t->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->events[mid].ts < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Keeps a row of the window, in ts order: new rows mostly go at the end. */
static bool collect(void *ctx, const struct journal_row *row)
{
	struct timeline *t = ctx;
	if (row->seq > t->upto_seq || (t->reloading && row->seq > t->seen_seq))
		return true;
	if (!t->span_found || row->timestamp_ms > t->last_ts)
		t->last_ts = row->timestamp_ms;
	if (!t->span_found || row->timestamp_ms < t->first_ts)
		t->first_ts = row->timestamp_ms;
	t->span_found = true;
	if (row->timestamp_ms < t->win_from || row->timestamp_ms >= t->win_to)
		return true;
	if (t->count == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->events = xreallocarray(t->events, t->cap, sizeof *t->events);
	}
	/* Appended; an update sorts what it added in one go (merge_tail). */
	size_t at = t->count;
	if (at > 0 && t->events[at - 1].ts > row->timestamp_ms)
		t->unsorted = true;
	t->events[at] = (struct tl_event){
		.ts = row->timestamp_ms,
		.thing_id = row->thing_id,
		.reason = intern_reason(t, row->reason),
	};
	t->count++;
	return true;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t bucket_of(const struct timeline *t, int64_t ts)
{
	return floor_div(ts, bucket_sizes[t->zoom]);
}

/* The smallest zoom that shows every disconnect in `width` buckets. */
static void fit_zoom(struct timeline *t, int width, int64_t now_ms)
{
	if (!t->span_found) {
		t->zoom = 1;
		t->selected = bucket_of(t, now_ms);
		t->first_bucket = t->selected - width + 1;
		return;
	}
	int64_t lo = t->first_ts, hi = t->last_ts;
	t->zoom = ZOOMS - 1;
	for (int z = 0; z < ZOOMS; z++) {
		if (floor_div(hi, bucket_sizes[z]) - floor_div(lo, bucket_sizes[z]) < width) {
			t->zoom = z;
			break;
		}
	}
	t->selected = bucket_of(t, hi);
	t->first_bucket = t->selected - width + 1;
}

/* Zooms in until the page ending at the last disconnect holds at most
 * TL_OPEN_ROWS rows: counted from the index, cheap next to loading them. */
static void bound_zoom(struct timeline *t, const struct app *app, int width)
{
	if (!t->span_found)
		return;
	int fit = t->zoom;
	for (int z = 0; z <= fit; z++) {
		int64_t size = bucket_sizes[z];
		int64_t last = floor_div(t->last_ts, size);
		uint64_t n = 0;
		if (!journal_disconnect_count(app->journal, (last - width + 1) * size, (last + 1) * size, &n,
		                              NULL))
			return;
		if (n > TL_OPEN_ROWS && z > 0)
			break;
		t->zoom = z;
		if (n > TL_OPEN_ROWS)
			break;
	}
	if (t->zoom == fit)
		return;
	t->selected = bucket_of(t, t->last_ts);
	t->first_bucket = t->selected - width + 1;
}

/* What the loaded rows reach: the fleet's last row, or the replay
 * position (which also moves back). */
static uint64_t loaded_mark(const struct app *app)
{
	return app->replay != NULL ? app_upto_seq(app) : fleet_last_seq(app->fleet);
}

static bool load_failed(struct app *app, char *cause)
{
	app_message(app, true, "timeline: %s", cause != NULL ? cause : "cannot read the journal");
	free(cause);
	return false;
}

static int cmp_event_ts(const void *a, const void *b)
{
	int64_t x = ((const struct tl_event *)a)->ts, y = ((const struct tl_event *)b)->ts;
	return x < y ? -1 : x > y;
}

/* Puts the rows appended since `head` (the sorted part) in ts order: sorts
 * the new rows alone, then merges only when they reach back into the head.
 * Rows arriving in time order (a live feed) cost nothing here. */
static void merge_tail(struct timeline *t, size_t head)
{
	if (!t->unsorted)
		return;
	t->unsorted = false;
	struct tl_event *e = t->events;
	size_t n = t->count - head;
	qsort(e + head, n, sizeof *e, cmp_event_ts);
	if (head == 0 || e[head - 1].ts <= e[head].ts)
		return;
	/* The head rows after the first new one: the only ones that move. */
	size_t from = 0, hi = head;
	while (from < hi) {
		size_t mid = from + (hi - from) / 2;
		if (e[mid].ts <= e[head].ts)
			from = mid + 1;
		else
			hi = mid;
	}
	size_t left = head - from;
	struct tl_event *tmp = xreallocarray(NULL, left, sizeof *tmp);
	memcpy(tmp, e + from, left * sizeof *tmp);
	size_t i = 0, j = head, k = from;
	while (i < left && j < t->count)
		e[k++] = tmp[i].ts <= e[j].ts ? tmp[i++] : e[j++];
	while (i < left)
		e[k++] = tmp[i++];
	free(tmp);
}

/* Loads the window: the shown buckets and a quarter page each side. */
static bool load_window(struct timeline *t, struct app *app)
{
	int width = t->visible > 0 ? t->visible : 1;
	int64_t size = bucket_sizes[t->zoom];
	t->win_from = (t->first_bucket - width / 4) * size;
	t->win_to = (t->first_bucket + width + width / 4) * size;
	t->count = 0;
	char *cause = NULL;
	t->reloading = true;
	bool ok = journal_disconnects(app->journal, t->win_from, t->win_to, collect, t, &cause);
	t->reloading = false;
	merge_tail(t, 0);
	return ok || load_failed(app, cause);
}

static bool timeline_load(struct timeline *t, struct app *app)
{
	t->count = 0;
	for (size_t i = 0; i < t->reason_count; i++)
		free(t->reasons[i]);
	t->reason_count = 0;
	char *cause = NULL;
	t->seen_seq = loaded_mark(app);
	/* In a replay, rows after its position have not happened yet. */
	t->upto_seq = app_upto_seq(app);
	if (!journal_disconnect_span(app->journal, t->seen_seq, &t->first_ts, &t->last_ts,
	                             &t->span_found, &cause))
		return load_failed(app, cause);
	t->gap_count = 0;
	if (!journal_gaps(app->journal, collect_gap, t, &cause)) {
		app_message(app, true, "timeline: %s", cause != NULL ? cause : "cannot read the gaps");
		free(cause);
	}
	if (t->zoom < 0) {
		t->visible = app->cols > 20 ? (app->cols - 8) / 2 : 10;
		fit_zoom(t, t->visible, app_now_ms(app));
		bound_zoom(t, app, t->visible);
	}
	return load_window(t, app);
}

static bool timeline_enter(struct app *app, void *data)
{
	if (app->journal == NULL) {
		app_message(app, true, "no journal: the timeline needs one");
		return false;
	}
	return timeline_load(data, app);
}

static int64_t timeline_bucket_ms(struct app *app, void *data)
{
	const struct timeline *t = data;
	(void)app;
	return bucket_sizes[t->zoom >= 0 ? t->zoom : 0];
}

/* New rows only: those past seen_seq, by seq. A replay going back reloads. */
static void timeline_update(struct app *app, void *data)
{
	struct timeline *t = data;
	uint64_t mark = loaded_mark(app);
	if (mark == t->seen_seq)
		return;
	int64_t last = bucket_of(t, app_now_ms(app));
	bool at_end = t->selected >= last - 1;
	if (mark < t->seen_seq || app_upto_seq(app) < t->upto_seq) {
		timeline_load(t, app);
	} else {
		char *cause = NULL;
		t->upto_seq = app_upto_seq(app);
		int64_t start = app_timing_now_us();
		uint64_t rows = mark - t->seen_seq;
		size_t head = t->count;
		bool ok = journal_disconnects_after(app->journal, t->seen_seq, mark, collect, t, &cause);
		merge_tail(t, head);
		if (!ok) {
			load_failed(app, cause);
			return;
		}
		t->seen_seq = mark;
		app_timing_note("timeline-update %" PRIu64 " rows %.3f ms window %zu\n", rows,
		                (double)(app_timing_now_us() - start) / 1000.0, t->count);
	}
	if (at_end && t->span_found) {
		int64_t nb = bucket_of(t, t->last_ts);
		if (nb > t->selected)
			t->selected = nb;
	}
	app->dirty = true;
}

static bool counted(const struct timeline *t, const struct app *app, const struct tl_event *e)
{
	if (!t->filtered)
		return true;
	return e->thing_id != 0 && view_find(app->view, e->thing_id - 1) != (size_t)-1;
}

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
	time_format_iso(bucket * bucket_sizes[t->zoom], iso, sizeof iso);
	if (bucket_sizes[t->zoom] >= 24 * 60 * 60 * 1000)
		snprintf(buf, size, "%.5s", iso + 5);              /* MM-DD */
	else if (bucket_sizes[t->zoom] >= 6 * 60 * 60 * 1000)
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

static void count_events(const struct timeline *t, const struct app *app, struct tl_counts *c)
{
	c->nr = t->reason_count > 0 ? t->reason_count : 1;
	c->cells = xcalloc((size_t)c->width * c->nr, sizeof *c->cells);
	for (size_t i = 0; i < t->count; i++) {
		const struct tl_event *e = &t->events[i];
		if (!counted(t, app, e))
			continue;
		c->all[e->reason]++;
		c->total_all++;
	}
	int64_t from = t->first_bucket * bucket_sizes[t->zoom];
	int64_t to = (t->first_bucket + c->width) * bucket_sizes[t->zoom];
	for (size_t i = lower_bound(t, from); i < t->count && t->events[i].ts < to; i++) {
		const struct tl_event *e = &t->events[i];
		if (!counted(t, app, e))
			continue;
		int64_t b = bucket_of(t, e->ts) - t->first_bucket;
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
	int64_t bf = (t->first_bucket + b) * bucket_sizes[t->zoom];
	if (in_gap(t, bf, bf + bucket_sizes[t->zoom])) {
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
	time_format_iso(t->selected * bucket_sizes[t->zoom], iso, sizeof iso);
	time_format_iso((t->selected + 1) * bucket_sizes[t->zoom], iso2, sizeof iso2);
	size_t sel_count = 0;
	int64_t sf = t->selected * bucket_sizes[t->zoom], st = sf + bucket_sizes[t->zoom];
	for (size_t i = lower_bound(t, sf); i < t->count && t->events[i].ts < st; i++) {
		if (counted(t, app, &t->events[i]) && (t->reason_sel < 0 || t->events[i].reason == t->reason_sel))
			sel_count++;
	}
	char reason_text[128];
	if (t->reason_sel >= 0)
		text_escape(t->reasons[t->reason_sel], strlen(t->reasons[t->reason_sel]), reason_text,
		            sizeof reason_text, draw_ascii());
	snprintf(buf, sizeof buf, "%.16s..%.5s  %zu %s%s  |  total: %zu shown, %zu disconnects",
	         iso, iso2 + 11, sel_count, t->reason_sel >= 0 ? reason_text : "disconnects",
	         in_gap(t, sf, st) ? " (recorder not listening: events missing)" : "", c->total_shown,
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
	snprintf(right, sizeof right, "bucket %s  %s", bucket_names[t->zoom],
	         t->filtered ? "filtered view" : "whole fleet");
	app_draw_header(app, right);

	int axis_w = 6;
	int width = (app->cols - axis_w - 1) / 2;
	if (width < 1)
		width = 1;
	t->visible = width;
	if (t->selected < t->first_bucket)
		t->first_bucket = t->selected;
	if (t->selected >= t->first_bucket + width)
		t->first_bucket = t->selected - width + 1;
	int64_t size = bucket_sizes[t->zoom];
	if (t->first_bucket * size < t->win_from || (t->first_bucket + width) * size > t->win_to)
		load_window(t, app);

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

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Filters the grid to the things that disconnected in the selected bucket. */
static void drill_down(struct app *app, struct timeline *t)
{
	int64_t from = t->selected * bucket_sizes[t->zoom], to = from + bucket_sizes[t->zoom];
	size_t n = 0, cap = 64;
	uint32_t *ids = xreallocarray(NULL, cap, sizeof *ids);
	for (size_t i = lower_bound(t, from); i < t->count && t->events[i].ts < to; i++) {
		const struct tl_event *e = &t->events[i];
		if (e->thing_id == 0 || !counted(t, app, e))
			continue;
		if (t->reason_sel >= 0 && e->reason != t->reason_sel)
			continue;
		if (n == cap) {
			cap *= 2;
			ids = xreallocarray(ids, cap, sizeof *ids);
		}
		ids[n++] = e->thing_id;
	}
	if (n == 0) {
		free(ids);
		app_message(app, true, "no disconnects in this bucket");
		return;
	}
	qsort(ids, n, sizeof *ids, cmp_u32);
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if (u == 0 || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	}
	/* A fresh filter with the same terms, restricted to these things. */
	char *expr = xstrdup(view_filter_text(app->view));
	char *cause = NULL;
	if (!view_set_filter(app->view, expr, &cause) || view_filter(app->view) == NULL) {
		app_message(app, true, "drill-down: %s", cause != NULL ? cause : "no filter");
		free(cause);
		free(expr);
		free(ids);
		return;
	}
	free(expr);
	filter_set_ids(view_filter(app->view), ids, u);
	char iso[TIME_ISO_SIZE];
	time_format_iso(from, iso, sizeof iso);
	char label[128];
	snprintf(label, sizeof label, "%.16s +%s %s: %zu things", iso, bucket_names[t->zoom],
	         t->reason_sel >= 0 ? t->reasons[t->reason_sel] : "all reasons", u);
	grid_set_drill(app, label);
	app_show(app, SCREEN_GRID);
	app_refresh_view(app);
	app_set_cursor_row(app, 0);
}

static void zoom(struct timeline *t, int step)
{
	int z = t->zoom + step;
	if (z < 0 || z >= ZOOMS)
		return;
	int64_t mid = t->selected * bucket_sizes[t->zoom] + bucket_sizes[t->zoom] / 2;
	t->zoom = z;
	t->selected = bucket_of(t, mid);
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
			t->selected = bucket_of(t, t->first_ts);
		return true;
	case KEY_FN(KEY_END):
	case 'G':
		if (t->span_found)
			t->selected = bucket_of(t, t->last_ts);
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
	.help = timeline_help,
	.help_count = sizeof timeline_help / sizeof timeline_help[0],
};
