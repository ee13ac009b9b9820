/* The disconnect timeline's state, shared by its two files: the window of
 * journal rows it keeps (timeline_window.c) and the screen that draws it
 * and takes its keys (timeline.c). */
#ifndef THINGTOP_TUI_TIMELINE_H
#define THINGTOP_TUI_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"

#define TL_REASONS 16            /* distinct reasons kept apart; the rest is "other" */
#define TL_OTHER (TL_REASONS - 1)
/* Opening shows every disconnect when that many fit its buckets; else the
 * finest zoom whose last page holds at most this many (a journal of
 * millions opens at once; zooming out then loads what it shows). */
#define TL_OPEN_ROWS 20000

#define TL_ZOOMS 6
extern const int64_t tl_bucket_sizes[TL_ZOOMS];
extern const char *const tl_bucket_names[TL_ZOOMS];

struct tl_event {
	int64_t ts;
	uint32_t thing_id;
	uint8_t reason;
};

/* Only the disconnects of a window around the shown buckets are kept (a
 * quarter page each side): memory follows what is shown, not the journal. The
 * window is reloaded when the shown range leaves it (scrolling, zoom) and
 * new rows are appended by seq as they arrive. */
struct timeline {
	struct tl_event *events;     /* by ts, within [win_from, win_to) */
	size_t count, cap;
	int64_t win_from, win_to;
	/* The whole fleet live is drawn from the journal's disconnect counts
	 * (per minute and reason): no row is kept, the cells are the window's
	 * buckets at the zoom they were loaded for. Rows are read where counts
	 * cannot serve: the filtered view, a replay, an older journal, and a
	 * drill-down's things. */
	bool use_counts;
	size_t *cells;               /* by window bucket, then reason (TL_REASONS) */
	size_t cell_buckets;
	uint64_t cells_seq;          /* the cells hold the rows up to here */
	int win_zoom;                /* the zoom and scope the window was loaded for */
	bool win_filtered;
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
	int axis_y;                  /* the time axis' line, set by the draw */
	/* Times the recorder was not listening and events were lost: shaded. */
	struct tl_gap { int64_t from, to; } *gaps;
	size_t gap_count;
};

/* The screen's lifecycle (timeline_screen's hooks). */
void *timeline_create(struct app *app);
void timeline_destroy(void *data);
bool timeline_enter(struct app *app, void *data);
void timeline_update(struct app *app, void *data);
int64_t timeline_bucket_ms(struct app *app, void *data);

/* True when [from, to) overlaps a time the recorder lost events. */
bool tl_in_gap(const struct timeline *t, int64_t from, int64_t to);
/* First kept event with ts >= from. */
size_t tl_lower_bound(const struct timeline *t, int64_t from);
int64_t tl_bucket_of(const struct timeline *t, int64_t ts);
/* Loads the rows (or counts) around the shown buckets (after a scroll, a
 * zoom or a change of scope). */
bool tl_load_window(struct timeline *t, struct app *app);
/* True when the shown buckets need another window: outside it, or another
 * zoom or scope than it was loaded for. */
bool tl_window_stale(const struct timeline *t, int width);
/* Counts mode: the count of bucket (of the current zoom) and reason. */
size_t tl_cell(const struct timeline *t, int64_t bucket, int reason);
/* The things that disconnected in [from, to) (the selected reason only,
 * the filtered view's only when filtered), sorted and unique, read from
 * the journal; their number, 0 with *ids NULL when none. */
size_t tl_bucket_things(struct timeline *t, struct app *app, int64_t from, int64_t to,
                        uint32_t **ids);

#endif
