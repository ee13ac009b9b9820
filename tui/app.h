/* The monitor's state: the model (journal, fleet, view, live source), what
 * each screen needs, and what is dirty. One poll() loop in app.c drives it;
 * each screen is a draw/handle-key pair chosen by `screen`. */
#ifndef THINGTOP_TUI_APP_H
#define THINGTOP_TUI_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "fleet.h"
#include "ingest.h"
#include "journal.h"
#include "session.h"
#include "view.h"
#include "prompt.h"
#include "theme.h"

/* Keys as one int: characters are their code point, curses function keys
 * are shifted past Unicode so the two never collide. */
#define KEY_FN(k) (0x110000 + (k))
#define KEY_CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27

enum app_screen {
	SCREEN_GRID,
	SCREEN_ACTIVITY,
	SCREEN_TIMELINE,
	SCREEN_ALERTS,
	SCREEN_COUNT
};

struct activity;
struct timeline;
struct live;
struct live_callbacks;
struct replay;
struct alerts_ui;

struct app_options {
	const char *journal_path;
	const char *config_path;
	const char *broker;
	const char *client_id;      /* --id */
	/* mosquitto_sub's connection flags: --cafile, --capath, --cert, --key,
	 * --alpn, -V, --aws-endpoint (config_apply_flags) */
	const char *cafile, *capath, *cert, *key, *alpn, *protocol, *aws_endpoint;
	bool clean_session;
	const char *theme;
	const char *filter;
	const char *sort;
	bool no_connect;
	bool follow;
	bool no_color;
	bool ascii;
	/* thingtop replay */
	bool replay;
	double replay_speed;        /* REPLAY_SPEED_MAX (0) = max */
	const char *replay_from, *replay_to;
};

struct app {
	struct app_options opt;
	/* config, journal_path, journal, fleet, view and the replay (which
	 * owns the fleet then), opened by cmd_monitor.c */
	struct session session;
	struct live *live_source;   /* recording from a broker (live) */
	struct ingest ingest;
	bool live;                  /* connected to a broker (not journal-only) */
	bool following;             /* polling a journal another process writes */
	char broker_state[96];      /* host:port */
	char conn_state[64];        /* connected, backing off, ... */
	/* Sticky while it lasts: the journal cannot be written ("" = fine),
	 * and the broker refused subscriptions or a connection is near its
	 * rate limit. */
	char not_recording[512];
	char refused[256];
	bool lost_data;             /* quit while not recording: exit non-zero */

	bool ascii;                 /* ASCII glyphs and escapes only */
	struct theme theme;
	int rows, cols;

	enum app_screen screen;
	bool help;                  /* help overlay over the current screen */
	struct prompt prompt;

	/* grid */
	size_t cursor;              /* row in the view */
	size_t top;                 /* first row shown */
	uint32_t cursor_thing;      /* thing index under the cursor */
	bool has_cursor_thing;
	char *find_text;            /* n / N search */
	bool absolute_time;
	char drill[128];            /* timeline drill-down label, "" when none */
	int grid_rows;              /* data rows that fit, set by the draw */

	struct activity *activity;
	struct timeline *timeline;
	struct alerts_ui *alerts_ui;  /* alerts_screen.c */

	/* what changed */
	bool dirty;                 /* redraw needed */
	bool data_dirty;            /* fleet changed since the view was refreshed */
	bool paused;
	bool filter_preview;        /* the filter prompt changed: preview it */
	int64_t last_draw_ms;
	int64_t last_view_ms;
	int64_t next_follow_ms;
	int64_t next_tick_ms;

	/* event rate over the last seconds */
	uint64_t events;
	uint64_t rate_base_events;
	int64_t rate_base_ms;
	double rate;

	char message[512];
	bool message_error;
	int64_t message_until_ms;

	bool quit;
};

/* One line of key help: `keys` as shown, `hint` for the footer (NULL =
 * not in the footer), `desc` for the help overlay. */
struct key_help {
	const char *keys;
	const char *hint;
	const char *desc;
};

struct screen_ops {
	const char *title;
	void (*draw)(struct app *app);
	bool (*key)(struct app *app, int key);   /* true when handled */
	const struct key_help *help;
	size_t help_count;
};

extern const struct screen_ops grid_screen, activity_screen, timeline_screen, alerts_screen;

/* Status-line message, kept a few seconds. */
void app_message(struct app *app, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Refreshes the view from the fleet, keeping the cursor on its thing. */
void app_refresh_view(struct app *app);
void app_set_cursor_row(struct app *app, size_t row);
/* Runs a ":" command line. */
void app_command(struct app *app, const char *line);
void app_export(struct app *app, const char *path);
bool app_set_theme(struct app *app, const char *name);
bool app_set_filter(struct app *app, const char *expr);
void app_open_activity(struct app *app, uint32_t thing_index);
void app_open_timeline(struct app *app);

/* Shared drawing of the frame: header line, footer key hints, status line. */
void app_draw_header(struct app *app, const char *title_right);
void app_draw_footer(struct app *app, const struct key_help *help, size_t count);

/* Screens' own state (activity.c, timeline.c). */
struct activity *activity_create(void);
void activity_destroy(struct activity *activity);
bool activity_load(struct activity *activity, struct app *app, uint32_t thing_index);
/* Reloads when the thing has new events (live updates). */
void activity_update(struct activity *activity, struct app *app);

struct timeline *timeline_create(void);
void timeline_destroy(struct timeline *timeline);
bool timeline_load(struct timeline *timeline, struct app *app);
/* The width of one bucket at the current zoom, ms. */
int64_t timeline_bucket_ms(const struct timeline *timeline);
void timeline_update(struct timeline *timeline, struct app *app);

/* "Now" for ages and the timeline: the replay clock when replaying, else
 * the wall clock. */
int64_t app_now_ms(const struct app *app);
/* Journal rows with a larger seq are not shown: the replay position, or
 * UINT64_MAX (no bound). */
uint64_t app_upto_seq(const struct app *app);

/* cmd_monitor.c: the whole monitor with parsed options (also cmd_replay):
 * session, terminal, loop; the exit status. */
int app_run(const struct app_options *opt);
/* app.c: the loop until quit, and the live source's callbacks into it. */
void app_loop(struct app *app);
extern const struct live_callbacks app_live_callbacks;

/* alerts_screen.c: alert rules in the monitor. open prints its error and
 * returns false; tick returns when it is due next (monotonic ms). */
bool alerts_ui_open(struct app *app);
void alerts_ui_close(struct app *app);
void alerts_ui_event(struct app *app);
int64_t alerts_ui_tick(struct app *app, int64_t mono_ms);
bool alerts_ui_thing_firing(const struct app *app, uint32_t thing_id);
/* "  ● 3 firing" for the header, "" when nothing fires. */
void alerts_ui_header(const struct app *app, char *buf, size_t size);
void app_open_alerts(struct app *app);

/* help.c */
void help_draw(struct app *app, const struct screen_ops *ops);

/* replay_ui.c: the replay's keys, before the screen's; true when handled. */
bool replay_key(struct app *app, int key);
/* Header text: "2026-01-01T00:02:03.000Z  10x  PAUSED  12/34 35.3%". */
void replay_status(const struct app *app, char *buf, size_t size);
extern const struct key_help replay_help[];
/* replay_alerts.c: `replay --alerts`, the alert history; exit status. */
int replay_print_alerts(struct journal *journal, const struct app_options *opt);
extern const size_t replay_help_count;

#endif
