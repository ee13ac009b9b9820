/* The timeline's rows: only the disconnects of a window around the shown
 * buckets are kept, loaded by time when the shown range leaves the window,
 * and new rows are added by seq as they arrive (timeline.h). */
#include "build_config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"
#include "xalloc.h"

const int64_t tl_bucket_sizes[] = {
	60 * 1000, 5 * 60 * 1000, 15 * 60 * 1000, 60 * 60 * 1000, 6 * 60 * 60 * 1000, 24 * 60 * 60 * 1000,
};
const char *const tl_bucket_names[] = { "1m", "5m", "15m", "1h", "6h", "1d" };

void *timeline_create(struct app *app)
{
	(void)app;
	struct timeline *t = xcalloc(1, sizeof *t);
	t->zoom = -1;
	t->win_zoom = -1;
	t->reason_sel = -1;
	return t;
}

void timeline_destroy(void *data)
{
	struct timeline *t = data;
	if (t == NULL)
		return;
	free(t->events);
	free(t->cells);
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
bool tl_in_gap(const struct timeline *t, int64_t from, int64_t to)
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
size_t tl_lower_bound(const struct timeline *t, int64_t from)
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
	if (t->use_counts) {
		/* Counted once: the cells already hold the rows up to cells_seq. */
		if (row->seq > t->cells_seq) {
			size_t b = (size_t)(tl_bucket_of(t, row->timestamp_ms) - t->win_from / tl_bucket_sizes[t->zoom]);
			t->cells[b * TL_REASONS + intern_reason(t, row->reason)]++;
		}
		return true;
	}
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

int64_t tl_bucket_of(const struct timeline *t, int64_t ts)
{
	return floor_div(ts, tl_bucket_sizes[t->zoom]);
}

/* The smallest zoom that shows every disconnect in `width` buckets. */
static void fit_zoom(struct timeline *t, int width, int64_t now_ms)
{
	if (!t->span_found) {
		t->zoom = 1;
		t->selected = tl_bucket_of(t, now_ms);
		t->first_bucket = t->selected - width + 1;
		return;
	}
	int64_t lo = t->first_ts, hi = t->last_ts;
	t->zoom = TL_ZOOMS - 1;
	for (int z = 0; z < TL_ZOOMS; z++) {
		if (floor_div(hi, tl_bucket_sizes[z]) - floor_div(lo, tl_bucket_sizes[z]) < width) {
			t->zoom = z;
			break;
		}
	}
	t->selected = tl_bucket_of(t, hi);
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
		int64_t size = tl_bucket_sizes[z];
		int64_t last = floor_div(t->last_ts, size);
		uint64_t n = 0;
		if (!journal_disconnect_count(app->session.journal, (last - width + 1) * size, (last + 1) * size, &n,
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
	t->selected = tl_bucket_of(t, t->last_ts);
	t->first_bucket = t->selected - width + 1;
}

/* What the loaded rows reach: the fleet's last row, or the replay
 * position (which also moves back); never past what the journal has
 * committed (the fleet may be ahead of it), so no row is passed over. */
static uint64_t loaded_mark(const struct app *app)
{
	uint64_t mark = app->session.replay != NULL ? app_upto_seq(app) : fleet_last_seq(app->session.fleet);
	uint64_t committed = journal_last_seq(app->session.journal);
	return committed < mark ? committed : mark;
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

static bool add_count(void *ctx, int64_t minute, const char *reason, uint64_t n)
{
	struct timeline *t = ctx;
	int64_t b = floor_div(minute, tl_bucket_sizes[t->zoom] / 60000) - t->win_from / tl_bucket_sizes[t->zoom];
	if (b >= 0 && (size_t)b < t->cell_buckets)
		t->cells[(size_t)b * TL_REASONS + intern_reason(t, reason)] += (size_t)n;
	return true;
}

/* Counts serve the whole fleet, live. */
static bool counts_wanted(const struct timeline *t, const struct app *app)
{
	return !t->filtered && app->session.replay == NULL;
}

/* The window from the journal's counts: false when it has none (then
 * rows are read), else *ok says how the read went. */
static bool load_counts(struct timeline *t, struct app *app, bool *ok)
{
	size_t n = (size_t)((t->win_to - t->win_from) / tl_bucket_sizes[t->zoom]);
	t->cells = xreallocarray(t->cells, n * TL_REASONS, sizeof *t->cells);
	memset(t->cells, 0, n * TL_REASONS * sizeof *t->cells);
	t->cell_buckets = n;
	t->use_counts = true;
	uint64_t upto = 0;
	bool available = false;
	char *cause = NULL;
	*ok = journal_disconnect_counts(app->session.journal, t->win_from / 60000, t->win_to / 60000,
	                                add_count, t, &upto, &available, &cause);
	if (*ok && !available) {
		t->use_counts = false;
		return false;
	}
	if (!*ok)
		return !load_failed(app, cause);
	/* The counts reach upto: rows past it come by update; rows between
	 * seen_seq and it only move the span. */
	t->cells_seq = upto;
	if (upto > t->seen_seq)
		*ok = journal_disconnects_after(app->session.journal, t->seen_seq, upto, collect, t, &cause) ||
		      load_failed(app, cause);
	t->seen_seq = upto;
	return true;
}

/* Loads the window: the shown buckets and a quarter page each side. */
bool tl_load_window(struct timeline *t, struct app *app)
{
	int width = t->visible > 0 ? t->visible : 1;
	int64_t size = tl_bucket_sizes[t->zoom];
	t->win_from = (t->first_bucket - width / 4) * size;
	t->win_to = (t->first_bucket + width + width / 4) * size;
	t->win_zoom = t->zoom;
	t->win_filtered = t->filtered;
	t->count = 0;
	bool done = false;
	if (counts_wanted(t, app) && load_counts(t, app, &done))
		return done;
	t->use_counts = false;
	char *cause = NULL;
	t->reloading = true;
	bool ok = journal_disconnects(app->session.journal, t->win_from, t->win_to, collect, t, &cause);
	t->reloading = false;
	merge_tail(t, 0);
	return ok || load_failed(app, cause);
}

static bool no_count(void *ctx, int64_t minute, const char *reason, uint64_t n)
{
	(void)ctx, (void)minute, (void)reason, (void)n;
	return false;
}

static bool counts_available(struct app *app)
{
	uint64_t upto;
	bool available = false;
	return journal_disconnect_counts(app->session.journal, 0, 0, no_count, NULL, &upto, &available,
	                                 NULL) && available;
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
	if (!journal_disconnect_span(app->session.journal, t->seen_seq, &t->first_ts, &t->last_ts,
	                             &t->span_found, &cause))
		return load_failed(app, cause);
	t->gap_count = 0;
	if (!journal_gaps(app->session.journal, collect_gap, t, &cause)) {
		app_message(app, true, "timeline: %s", cause != NULL ? cause : "cannot read the gaps");
		free(cause);
	}
	if (t->zoom < 0) {
		t->visible = app->cols > 20 ? (app->cols - 8) / 2 : 10;
		fit_zoom(t, t->visible, app_now_ms(app));
		/* Rows cost per row, counts per bucket: only rows need a bound. */
		if (!counts_wanted(t, app) || !counts_available(app))
			bound_zoom(t, app, t->visible);
	}
	return tl_load_window(t, app);
}

bool timeline_enter(struct app *app, void *data)
{
	if (app->session.journal == NULL) {
		app_message(app, true, "no journal: the timeline needs one");
		return false;
	}
	return timeline_load(data, app);
}

int64_t timeline_bucket_ms(struct app *app, void *data)
{
	const struct timeline *t = data;
	(void)app;
	return tl_bucket_sizes[t->zoom >= 0 ? t->zoom : 0];
}

/* New rows only: those past seen_seq, by seq. A replay going back reloads. */
void timeline_update(struct app *app, void *data)
{
	struct timeline *t = data;
	uint64_t mark = loaded_mark(app);
	bool back = app->session.replay != NULL && (mark < t->seen_seq || app_upto_seq(app) < t->upto_seq);
	if (mark <= t->seen_seq && !back)
		return;
	int64_t last = tl_bucket_of(t, app_now_ms(app));
	bool at_end = t->selected >= last - 1;
	if (back) {
		timeline_load(t, app);
	} else {
		char *cause = NULL;
		t->upto_seq = app_upto_seq(app);
		int64_t start = app_timing_now_us();
		uint64_t rows = mark - t->seen_seq;
		size_t head = t->count;
		bool ok = journal_disconnects_after(app->session.journal, t->seen_seq, mark, collect, t, &cause);
		merge_tail(t, head);
		if (!ok) {
			load_failed(app, cause);
			return;
		}
		t->seen_seq = mark;
		app_timing_note("timeline-update %" PRIu64 " rows %.3f ms window %zu rows %zu buckets\n",
		                rows, (double)(app_timing_now_us() - start) / 1000.0, t->count,
		                t->use_counts ? t->cell_buckets : 0);
	}
	if (at_end && t->span_found) {
		int64_t nb = tl_bucket_of(t, t->last_ts);
		if (nb > t->selected)
			t->selected = nb;
	}
	app->dirty = true;
}

bool tl_window_stale(const struct timeline *t, int width)
{
	int64_t size = tl_bucket_sizes[t->zoom];
	return t->first_bucket * size < t->win_from || (t->first_bucket + width) * size > t->win_to ||
	       t->win_zoom != t->zoom || t->win_filtered != t->filtered;
}

size_t tl_cell(const struct timeline *t, int64_t bucket, int reason)
{
	int64_t b = bucket - t->win_from / tl_bucket_sizes[t->zoom];
	if (!t->use_counts || b < 0 || (size_t)b >= t->cell_buckets || reason < 0 || reason >= TL_REASONS)
		return 0;
	return t->cells[(size_t)b * TL_REASONS + (size_t)reason];
}

/* A drill-down's rows: those the chart counts, of the selected reason. */
struct bucket_walk {
	struct timeline *t;
	struct app *app;
	uint32_t *ids;
	size_t count, cap;
};

static bool collect_thing(void *ctx, const struct journal_row *row)
{
	struct bucket_walk *w = ctx;
	struct timeline *t = w->t;
	if (row->seq > t->upto_seq || row->seq > t->seen_seq || row->thing_id == 0)
		return true;
	if (t->filtered && view_find(w->app->session.view, row->thing_id - 1) == (size_t)-1)
		return true;
	if (t->reason_sel >= 0 && intern_reason(t, row->reason) != t->reason_sel)
		return true;
	if (w->count == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->ids = xreallocarray(w->ids, w->cap, sizeof *w->ids);
	}
	w->ids[w->count++] = row->thing_id;
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

size_t tl_bucket_things(struct timeline *t, struct app *app, int64_t from, int64_t to,
                        uint32_t **ids)
{
	struct bucket_walk w = { .t = t, .app = app };
	char *cause = NULL;
	if (!journal_disconnects(app->session.journal, from, to, collect_thing, &w, &cause)) {
		load_failed(app, cause);
		w.count = 0;
	}
	if (w.count > 0)
		qsort(w.ids, w.count, sizeof *w.ids, cmp_u32);
	size_t u = 0;
	for (size_t i = 0; i < w.count; i++) {
		if (u == 0 || w.ids[u - 1] != w.ids[i])
			w.ids[u++] = w.ids[i];
	}
	if (u == 0) {
		free(w.ids);
		w.ids = NULL;
	}
	*ids = w.ids;
	return u;
}
