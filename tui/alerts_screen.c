/* The monitor's alerts: what fires (the header's count, the grid's
 * "firing" flag) and the alerts screen (rule, thing, since, reason; Enter
 * opens the thing's activity log).
 *
 * Where the list comes from: a live monitor runs the rules itself (like
 * `record`, commands included); a follower shows what the recorder it
 * follows journaled as firing; a replay shows what fired as of the
 * replay's clock, from the same journal rows. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "alert_service.h"
#include "app.h"
#include "list_keys.h"
#include "draw.h"
#include "journal_alerts.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

#define REFRESH_MS 1000
#define RULE_NAME_MAX 64

struct alert_row {
	char rule[RULE_NAME_MAX];
	uint32_t thing_id;
	int64_t started_ms;
};

struct alerts_ui {
	struct alert_service *service;  /* live monitor only */
	struct alert_row *rows;
	size_t count, cap;
	uint8_t *firing;                /* by thing id */
	size_t firing_cap;
	int64_t next_refresh_ms;        /* monotonic */
	int64_t listed_clock;           /* replay: the clock the list is for */
	size_t cursor, top;
};

static void add_row(struct alerts_ui *ui, const char *rule, uint32_t thing_id, int64_t started_ms)
{
	if (ui->count == ui->cap) {
		ui->cap = ui->cap ? ui->cap * 2 : 64;
		ui->rows = xreallocarray(ui->rows, ui->cap, sizeof *ui->rows);
	}
	struct alert_row *r = &ui->rows[ui->count++];
	snprintf(r->rule, sizeof r->rule, "%s", rule);
	r->thing_id = thing_id;
	r->started_ms = started_ms;
}

struct scan_ctx {
	struct alerts_ui *ui;
	int64_t clock;              /* replay: only what fires at this time; 0 = all open */
};

static bool scan_row(void *ctx, const struct journal_alert_row *row)
{
	struct scan_ctx *s = ctx;
	if (s->clock == 0 || row->resolved_ms == 0 || row->resolved_ms > s->clock)
		add_row(s->ui, row->rule, row->thing_id, row->started_ms);
	return true;
}

static void mark_firing(struct alerts_ui *ui, size_t things)
{
	if (ui->firing_cap < things + 1) {
		ui->firing_cap = things + 1;
		ui->firing = xrealloc(ui->firing, ui->firing_cap);
	}
	memset(ui->firing, 0, ui->firing_cap);
	for (size_t i = 0; i < ui->count; i++) {
		if (ui->rows[i].thing_id < ui->firing_cap)
			ui->firing[ui->rows[i].thing_id] = 1;
	}
}

/* Lists what fires now, from the service or the journal. */
static void list_firing(struct app *app)
{
	struct alerts_ui *ui = app->alerts_ui;
	size_t before = ui->count;
	ui->count = 0;
	if (ui->service) {
		size_t n;
		const struct alerts *a = alert_service_alerts(ui->service);
		struct alert_firing *list = alerts_list_firing(a, &n);
		for (size_t i = 0; i < n; i++)
			add_row(ui, alerts_rule(a, list[i].rule)->name, list[i].thing_id, list[i].started_ms);
		free(list);
	} else if (app->session.journal) {
		char *cause = NULL;
		struct scan_ctx s = { .ui = ui, .clock = app->session.replay ? app_now_ms(app) : 0 };
		/* A replay lists what had fired by its clock; a follower what is open. */
		if (!journal_alerts_scan(app->session.journal, s.clock == 0, 0, s.clock ? s.clock + 1 : 0,
		                         scan_row, &s, &cause)) {
			app_message(app, true, "alerts: %s", cause ? cause : "cannot read the journal");
			free(cause);
		}
		ui->listed_clock = s.clock;
	}
	mark_firing(ui, fleet_count(app->session.fleet));
	if (ui->count != before)
		app->dirty = true;
}

bool alerts_ui_open(struct app *app)
{
	struct alerts_ui *ui = xcalloc(1, sizeof *ui);
	app->alerts_ui = ui;
	if (app->live && app->session.config.alert_count > 0) {
		char *cause = NULL;
		ui->service = alert_service_create(&app->session.config, app->session.fleet, app->session.journal, true, &cause);
		if (!ui->service) {
			fprintf(stderr, "thingtop: alerts: %s\n", cause ? cause : "cannot start");
			free(cause);
			return false;
		}
	}
	list_firing(app);
	return true;
}

void alerts_ui_close(struct app *app)
{
	struct alerts_ui *ui = app->alerts_ui;
	if (!ui)
		return;
	alert_service_destroy(ui->service);
	free(ui->rows);
	free(ui->firing);
	free(ui);
	app->alerts_ui = NULL;
}

void alerts_ui_event(struct app *app)
{
	struct alerts_ui *ui = app->alerts_ui;
	if (ui && ui->service && app->session.ingest.last.thing_id)
		alert_service_event(ui->service, app->session.ingest.last.thing_id, fleet_clock(app->session.fleet));
}

int64_t alerts_ui_tick(struct app *app, int64_t mono_ms)
{
	struct alerts_ui *ui = app->alerts_ui;
	if (!ui)
		return INT64_MAX;
	int64_t due = INT64_MAX;
	if (ui->service) {
		int64_t now = time_now_ms();
		alert_service_tick(ui->service, now);
		char line[1024];
		bool error;
		while (alert_service_take_log(ui->service, line, sizeof line, &error)) {
			if (error)
				app_message(app, true, "%s", line);
		}
		int64_t next = alert_service_next_due(ui->service, now);
		if (next != INT64_MAX)
			due = mono_ms + (next > now ? next - now : 0);
	}
	if (mono_ms >= ui->next_refresh_ms) {
		list_firing(app);
		ui->next_refresh_ms = mono_ms + REFRESH_MS;
	}
	return due < ui->next_refresh_ms ? due : ui->next_refresh_ms;
}

bool alerts_ui_thing_firing(const struct app *app, uint32_t thing_id)
{
	const struct alerts_ui *ui = app->alerts_ui;
	return ui && thing_id < ui->firing_cap && ui->firing[thing_id];
}

void alerts_ui_header(const struct app *app, char *buf, size_t size)
{
	const struct alerts_ui *ui = app->alerts_ui;
	if (!ui || ui->count == 0)
		buf[0] = '\0';
	else
		snprintf(buf, size, "  %s %zu firing", draw_glyph(GLYPH_DISCONNECTED), ui->count);
}

void app_open_alerts(struct app *app)
{
	app_show(app, SCREEN_ALERTS);
}

static bool alerts_enter(struct app *app, void *data)
{
	(void)data;
	list_firing(app);
	return true;
}

/* ---- The screen ---- */

static void draw_row(struct app *app, int y, const struct alert_row *r, bool selected, int64_t now)
{
	int attr = theme_attr(selected ? THEME_CURSOR : THEME_NORMAL);
	draw_fill(y, 0, app->cols, attr);
	const struct fleet_thing *t = r->thing_id >= 1 && r->thing_id <= fleet_count(app->session.fleet)
		? fleet_thing_at(app->session.fleet, r->thing_id - 1) : NULL;
	int rule_w = 20, since_w = 10, reason_w = 28;
	int thing_w = app->cols - rule_w - since_w - reason_w - 4;
	draw_untrusted(y, 0, rule_w, r->rule, strlen(r->rule), attr, false);
	const char *cid = t ? t->client_id : "?";
	draw_untrusted(y, rule_w + 1, thing_w, cid, strlen(cid), attr, false);
	char since[32];
	if (grid_absolute_time(app))
		time_format_iso(r->started_ms, since, sizeof since);
	else
		time_format_age(now - r->started_ms, since, sizeof since);
	draw_text(y, rule_w + thing_w + 2, since_w, since, attr, true);
	const char *reason = t ? fleet_reason_name(app->session.fleet, t->last_reason) : "";
	draw_untrusted(y, app->cols - reason_w, reason_w, reason, strlen(reason), attr, false);
}

static void alerts_draw(struct app *app, void *data)
{
	(void)data;
	struct alerts_ui *ui = app->alerts_ui;
	if (app->session.replay && app_now_ms(app) != ui->listed_clock)
		list_firing(app);
	char right[48];
	snprintf(right, sizeof right, "%zu firing", ui->count);
	app_draw_header(app, right);
	int cattr = theme_attr(THEME_COLUMNS);
	draw_fill(2, 0, app->cols, cattr);
	int thing_w = app->cols - 20 - 10 - 28 - 4;
	draw_text(2, 0, 20, "RULE", cattr, false);
	draw_text(2, 21, thing_w, "THING", cattr, false);
	draw_text(2, 21 + thing_w + 1, 10, "SINCE", cattr, true);
	draw_text(2, app->cols - 28, 28, "REASON", cattr, false);
	int first = 3, rows = app->rows - first - 2;
	if (rows < 1)
		rows = 1;
	if (ui->cursor >= ui->count)
		ui->cursor = ui->count ? ui->count - 1 : 0;
	if (ui->cursor < ui->top)
		ui->top = ui->cursor;
	if (ui->cursor >= ui->top + (size_t)rows)
		ui->top = ui->cursor - (size_t)rows + 1;
	int64_t now = app_now_ms(app);
	for (int i = 0; i < rows; i++) {
		size_t k = ui->top + (size_t)i;
		if (k < ui->count) {
			draw_row(app, first + i, &ui->rows[k], k == ui->cursor, now);
			continue;
		}
		draw_fill(first + i, 0, app->cols, theme_attr(THEME_NORMAL));
		if (ui->count == 0 && i == rows / 2)
			draw_text(first + i, 0, app->cols,
			          app->session.config.alert_count == 0 && !app->following && !app->session.replay
			          ? "no alert rules (see the alerts list in thingtop.conf)" : "nothing fires",
			          theme_attr(THEME_DIM), false);
	}
	app_draw_footer(app, alerts_screen.help, alerts_screen.help_count);
}

static bool alerts_key(struct app *app, void *data, int key)
{
	(void)data;
	struct alerts_ui *ui = app->alerts_ui;
	size_t page = app->rows > 6 ? (size_t)app->rows - 6 : 1;
	if (list_move_key(key, &ui->cursor, ui->count, page))
		return true;
	switch (key) {
	case KEY_ESC:
	case 'q':
	case KEY_FN(KEY_LEFT):
		app_show(app, SCREEN_GRID);
		return true;
	case '\n':
	case '\r':
	case KEY_FN(KEY_ENTER):
		if (ui->cursor < ui->count && ui->rows[ui->cursor].thing_id >= 1 &&
		    ui->rows[ui->cursor].thing_id <= fleet_count(app->session.fleet))
			app_open_activity(app, ui->rows[ui->cursor].thing_id - 1);
		return true;
	case 'a':
		grid_toggle_absolute_time(app);
		return true;
	default:
		return false;
	}
}

/* A click selects the alert under it, a double click opens its thing's
 * activity log, as Enter does. */
static void alerts_mouse(struct app *app, void *data, const struct app_mouse *m)
{
	struct alerts_ui *ui = app->alerts_ui;
	int rows = app->rows - 3 - 2;
	size_t k = ui->top + (size_t)(m->y - 3);
	if (m->y < 3 || m->y >= 3 + rows || k >= ui->count)
		return;
	ui->cursor = k;
	if (m->kind == APP_MOUSE_DOUBLE)
		alerts_key(app, data, '\n');
}

static const struct key_help alerts_help[] = {
	{ "q Esc", "back", "back to the fleet grid" },
	{ "Enter", "log", "activity log of the thing under the cursor" },
	{ "a", NULL, "toggle age / absolute time in SINCE (when it began to match)" },
	{ "Up Down j k", NULL, "move the cursor" },
	{ "PgUp PgDn", NULL, "page" },
	{ "?", "help", "this help (F1 too)" },
};

const struct screen_ops alerts_screen = {
	.title = "Alerts",
	.shows_ages = true,
	.enter = alerts_enter,
	.draw = alerts_draw,
	.key = alerts_key,
	.mouse = alerts_mouse,
	.help = alerts_help,
	.help_count = sizeof alerts_help / sizeof alerts_help[0],
};
