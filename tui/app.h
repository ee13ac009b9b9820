/* The monitor's state: the model (journal, fleet, view, live source), the
 * screens, and what is dirty. An event loop (core/loop.h) in app_loop.c
 * drives it; each screen is a const `struct screen_ops` with its own state. */
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
	SCREEN_SUMMARY,
	SCREEN_COUNT
};

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
	const char *columns;        /* --columns LIST, else ui.columns */
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
	bool live;                  /* connected to a broker (not journal-only) */
	bool following;             /* polling a journal another process writes */
	char broker_state[96];      /* host:port */
	char conn_state[64];        /* connected, backing off, ... */
	/* Sticky while it lasts: the journal cannot be written ("" = fine);
	 * the broker refused subscriptions or a connection is near its rate
	 * limit; the last periodic re-sync failed. Kept apart because they
	 * change on different calls (a re-sync's change carries no broker
	 * state); the header shows the broker's first (app_warning). */
	char not_recording[512];
	char broker_warning[256];
	char sync_warning[256];
	bool lost_data;             /* quit while not recording: exit non-zero */

	struct theme theme;
	int rows, cols;

	/* Each screen's ops and own state (made by app_loop.c's run); `screen`
	 * is the one shown. */
	struct screen {
		const struct screen_ops *ops;
		void *data;
	} screens[SCREEN_COUNT];
	enum app_screen screen;
	bool help;                  /* the help page instead of the current screen */
	int help_top, help_lines, help_page; /* help.c: first line shown, lines, lines a page */
	struct prompt prompt;
	char filter_before[PROMPT_MAX]; /* the filter when the / prompt opened */
	char prompt_error[512];     /* why the filter being typed does not parse */

	struct alerts_ui *alerts_ui;  /* alerts_screen.c: the rules, also when not shown */

	/* what changed */
	bool dirty;                 /* redraw needed */
	bool data_dirty;            /* fleet changed since the view was refreshed */
	bool paused;
	bool filter_preview;        /* the filter prompt changed: preview it */
	int64_t last_draw_ms;
	int64_t last_view_ms;
	struct app_loop *loop;      /* app_loop.c: the event loop and its timers */

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

/* A mouse click, decoded (mouse.c); the wheel arrives as Up / Down keys. */
enum app_mouse_kind { APP_MOUSE_CLICK, APP_MOUSE_DOUBLE, APP_MOUSE_WHEEL_UP, APP_MOUSE_WHEEL_DOWN };
struct app_mouse {
	enum app_mouse_kind kind;
	int y, x;
};
/* Reads the mouse event curses queued (after KEY_MOUSE); false when it
 * is none this program handles. */
bool app_mouse_read(struct app_mouse *m);

/* A screen's lifecycle (tmux's window_mode). `data` is what create
 * returned; every hook but draw and key may be NULL. */
struct screen_ops {
	const char *title;
	bool shows_filter;          /* the title line shows the filter and drill-down */
	bool shows_ages;            /* redrawn each second: ages change with the clock */
	void *(*create)(struct app *app);
	void (*destroy)(void *data);
	/* Before it is shown; false keeps the screen that was shown. */
	bool (*enter)(struct app *app, void *data);
	/* New data arrived (the view was refreshed), while shown. */
	void (*update)(struct app *app, void *data);
	/* The fleet was replaced (a replay jump), while shown. */
	void (*fleet_replaced)(struct app *app, void *data);
	void (*draw)(struct app *app, void *data);
	bool (*key)(struct app *app, void *data, int key);   /* true when handled */
	/* A click or double click at a screen cell; NULL = clicks do nothing. */
	void (*mouse)(struct app *app, void *data, const struct app_mouse *m);
	/* How far the replay's ] [ jump here, ms; NULL = a minute. */
	int64_t (*replay_jump_ms)(struct app *app, void *data);
	const struct key_help *help;
	size_t help_count;
};

extern const struct screen_ops grid_screen, activity_screen, timeline_screen, alerts_screen;
extern const struct screen_ops summary_screen;

/* Creates and destroys every screen's state (screen.c; app_loop_run calls them). */
void app_screens_create(struct app *app);
void app_screens_destroy(struct app *app);
/* Shows a screen after its enter hook agrees; false when it refused. */
bool app_show(struct app *app, enum app_screen screen);
/* A screen's state, NULL before app_screens_create. */
void *app_screen_data(const struct app *app, enum app_screen screen);
/* The fleet was replaced: refreshes the view and tells the shown screen. */
void app_fleet_replaced(struct app *app);

/* Status-line message: an error stays until the next key, information
 * fades after a few seconds. */
void app_message(struct app *app, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Refreshes the view from the fleet, keeping the cursor on its thing
 * (after a key: sort, filter, jump). */
void app_refresh_view(struct app *app);
/* The same after new data: the grid's cursor keeps its screen row unless
 * follow mode is on (htop). */
void app_refresh_data(struct app *app);
/* Moves the grid's cursor (a no-op before the grid exists). */
void app_set_cursor_row(struct app *app, size_t row);
/* Runs a ":" command line (app_commands.c). */
void app_command(struct app *app, const char *line);
/* export_prompt.c: writes the view as CSV to `path` (NULL or "" = the
 * default path); Ctrl-S opens the ":export" prompt with the default path. */
void app_export(struct app *app, const char *path);
void app_export_prompt(struct app *app);
/* $XDG_DOWNLOAD_DIR, else ~/Downloads when it exists, else $HOME, and
 * thingtop-YYYYMMDD-HHMMSS.csv (UTC). */
void app_export_default_path(char *buf, size_t size);
/* The ":" commands in table order, for the help page; false past the end. */
bool app_command_info(size_t i, const char **name, const char **args, const char **help);
bool app_set_theme(struct app *app, const char *name);
bool app_set_filter(struct app *app, const char *expr);
void app_open_activity(struct app *app, uint32_t thing_index);
void app_open_timeline(struct app *app);
/* The summary screen counting by `column` ("attr.site"); NULL or "" keeps
 * the column it had (summary_screen.c). */
void app_open_summary(struct app *app, const char *column);

/* Loads the activity log of a thing into its screen (activity.c). */
bool activity_load(struct app *app, uint32_t thing_index);

/* The grid's state that other screens use (grid.c). */
void grid_keep_cursor(struct app *app);
void grid_keep_row(struct app *app);
bool grid_follow(const struct app *app);   /* F: the cursor stays on its thing */
void grid_find(struct app *app, const char *text);
const char *grid_drill(const struct app *app);
void grid_set_drill(struct app *app, const char *label);
bool grid_absolute_time(const struct app *app);
void grid_toggle_absolute_time(struct app *app);
/* `:columns LIST` (grid_layout.h); "" says which are shown. */
void grid_set_columns(struct app *app, const char *list);

/* app_loop.c: the loop until quit; a new event may make an alert due. */
void app_loop_run(struct app *app);
void app_loop_alerts_due(struct app *app);
/* app.c, for the loop: draw a frame, read the keys waiting, and mark a
 * loop turn's start and end (THINGTOP_UI_FRAMES). */
void app_draw(struct app *app);
void app_read_keys(struct app *app);
void app_turn_start(void);
/* A line for THINGTOP_UI_TIMING's file (benchmarks), when it is set. */
void app_timing_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int64_t app_timing_now_us(void);
void app_turn_end(void);

/* Shared drawing of the frame: header line, footer key hints, status line
 * (app_frame.c). */
/* The warning the header shows while live: the broker's, else the
 * re-sync's; "" when none. */
const char *app_warning(const struct app *app);
void app_draw_header(struct app *app, const char *title_right);
void app_draw_footer(struct app *app, const struct key_help *help, size_t count);
void app_draw_status_line(struct app *app);

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

/* help.c: the full-screen help page of the shown screen; help_key takes
 * every key while it is open. */
void help_open(struct app *app);
void help_draw(struct app *app, const struct screen_ops *ops);
void help_key(struct app *app, int key);

/* replay_ui.c: the replay's keys, before the screen's; true when handled. */
bool replay_key(struct app *app, int key);
/* Header text: "2026-01-01T00:02:03.000Z  10x  PAUSED  12/34 35.3%". */
void replay_status(const struct app *app, char *buf, size_t size);
extern const struct key_help replay_help[];
/* replay_alerts.c: `replay --alerts`, the alert history; exit status. */
int replay_print_alerts(struct journal *journal, const struct app_options *opt);
extern const size_t replay_help_count;

#endif
