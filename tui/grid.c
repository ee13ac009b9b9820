/* The fleet grid: one row per thing of the view, sortable and filterable.
 * As in htop, new data leaves the cursor on its screen row (the thing under
 * it may change); follow mode (F) keeps it on its thing instead. */
#include "build_config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "grid_layout.h"
#include "legend.h"
#include "list_keys.h"
#include "sort_menu.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

/* The grid's own state (moved out of struct app). */
struct grid {
	size_t cursor;              /* row in the view */
	size_t top;                 /* first row shown */
	uint32_t cursor_thing;      /* thing index under the cursor */
	bool has_cursor_thing;
	char *find_text;            /* n / N search */
	bool absolute_time;
	char drill[128];            /* drill-down label (timeline, summary), "" when none */
	struct grid_columns columns;  /* what it shows (:columns) */
	int rows;                   /* data rows that fit, set by the draw */
	bool follow;                /* F: the cursor stays on its thing */
	struct sort_menu menu;      /* F6 */
};

static struct grid *grid_of(const struct app *app)
{
	return app_screen_data(app, SCREEN_GRID);
}

void app_set_cursor_row(struct app *app, size_t row)
{
	struct grid *g = grid_of(app);
	if (g == NULL)
		return;             /* before the screens exist: the grid starts at row 0 */
	size_t count = view_count(app->session.view);
	if (count == 0) {
		g->cursor = 0;
		g->has_cursor_thing = false;
		return;
	}
	if (row >= count)
		row = count - 1;
	g->cursor = row;
	g->cursor_thing = view_row(app->session.view, row);
	g->has_cursor_thing = true;
}

void grid_keep_cursor(struct app *app)
{
	struct grid *g = grid_of(app);
	if (g == NULL)
		return;
	size_t row = (size_t)-1;
	if (g->has_cursor_thing)
		row = view_find(app->session.view, g->cursor_thing);
	app_set_cursor_row(app, row != (size_t)-1 ? row : g->cursor);
}

/* New data: the cursor keeps its row, unless following its thing, or
 * the grid is not shown (back from the activity log, the thing is there). */
void grid_keep_row(struct app *app)
{
	struct grid *g = grid_of(app);
	if (g == NULL)
		return;
	if (g->follow || app->screen != SCREEN_GRID)
		grid_keep_cursor(app);
	else
		app_set_cursor_row(app, g->cursor);
}

bool grid_follow(const struct app *app)
{
	const struct grid *g = grid_of(app);
	return g != NULL && g->follow;
}

const char *grid_drill(const struct app *app)
{
	const struct grid *g = grid_of(app);
	return g != NULL ? g->drill : "";
}

void grid_set_drill(struct app *app, const char *label)
{
	struct grid *g = grid_of(app);
	if (g != NULL)
		snprintf(g->drill, sizeof g->drill, "%s", label);
}

bool grid_absolute_time(const struct app *app)
{
	const struct grid *g = grid_of(app);
	return g != NULL && g->absolute_time;
}

void grid_toggle_absolute_time(struct app *app)
{
	struct grid *g = grid_of(app);
	if (g != NULL)
		g->absolute_time = !g->absolute_time;
}

/* `:columns LIST`; "" says which are shown. */
void grid_set_columns(struct app *app, const char *list)
{
	struct grid *g = grid_of(app);
	char *cause = NULL;
	if (*list != '\0' && !grid_columns_parse(list, &g->columns, &cause)) {
		app_message(app, true, "columns: %s", cause != NULL ? cause : "invalid");
		free(cause);
		return;
	}
	char text[GRID_COLUMNS_MAX * (VIEW_ATTR_MAX + 8)];
	grid_columns_format(&g->columns, text, sizeof text);
	app_message(app, false, "columns: %s", text);
	app->dirty = true;
}

static void *grid_create(struct app *app)
{
	struct grid *g = xcalloc(1, sizeof *g);
	/* --columns, else ui.columns (cmd_monitor.c checked both). */
	const char *list = app->opt.columns != NULL ? app->opt.columns : app->session.config.ui.columns;
	if (list == NULL || !grid_columns_parse(list, &g->columns, NULL))
		grid_columns_default(&g->columns);
	if (view_count(app->session.view) > 0) {
		g->cursor_thing = view_row(app->session.view, 0);
		g->has_cursor_thing = true;
	}
	return g;
}

static void grid_destroy(void *data)
{
	struct grid *g = data;
	if (g == NULL)
		return;
	free(g->find_text);
	free(g);
}

#define TITLES_Y 2                 /* the column titles' line */
#define FIRST_Y 3                  /* the first row's line */

static int status_attr(const struct fleet_thing *thing)
{
	switch (thing->status) {
	case STATUS_CONNECTED:
		return theme_attr(THEME_CONNECTED);
	case STATUS_DISCONNECTED:
		return theme_attr(THEME_DISCONNECTED);
	default:
		return theme_attr(THEME_UNKNOWN);
	}
}

static void status_cell(const struct app *app, const struct fleet_thing *thing, char *buf, size_t size)
{
	enum draw_glyph g = thing->status == STATUS_CONNECTED ? GLYPH_CONNECTED :
	                    thing->status == STATUS_DISCONNECTED ? GLYPH_DISCONNECTED : GLYPH_UNKNOWN;
	/* The marks come from the help page's legend: one source. */
	snprintf(buf, size, "%s%s%s%s", draw_glyph(g),
	         fleet_thing_settling(app->session.fleet, thing) ? legend_flags[LEGEND_SETTLING].mark : "",
	         fleet_thing_flapping(app->session.fleet, thing) ? legend_flags[LEGEND_FLAPPING].mark : "",
	         (thing->flags & THING_UNCERTAIN) ? legend_flags[LEGEND_UNCERTAIN].mark : "");
}

/* SINCE and RECEIVED: an age, or the time itself after `a`. */
static void time_cell(const struct app *app, int64_t ms, int64_t now_ms, char *buf, size_t size)
{
	if (ms == 0)
		snprintf(buf, size, "-");
	else if (grid_absolute_time(app))
		time_format_iso(ms, buf, size);
	else /* never negative: device clocks run ahead of ours */
		time_format_age(now_ms > ms ? now_ms - ms : 0, buf, size);
}

static void draw_row(struct app *app, int y, const struct grid_layout *lay, const struct fleet_thing *thing,
                     bool selected, int64_t now_ms)
{
	const struct grid_columns *cols = &grid_of(app)->columns;
	int normal = selected ? theme_attr(THEME_CURSOR) : theme_attr(THEME_NORMAL);
	draw_fill(y, 0, app->cols, normal);
	for (int i = 0; i < lay->count; i++) {
		int w = lay->slot[i].width, x = lay->slot[i].x;
		if (w == 0)
			continue;
		const struct column_ref *ref = &cols->refs[i];
		char buf[256];
		switch (ref->id) {
		case COL_STATUS:
			status_cell(app, thing, buf, sizeof buf);
			draw_text(y, x, w, buf, selected ? normal : status_attr(thing), false);
			break;
		case COL_SINCE:
			time_cell(app, thing->status == STATUS_UNKNOWN ? 0 : thing->since_ms, now_ms, buf, sizeof buf);
			draw_text(y, x, w, buf, normal, true);
			break;
		case COL_RECEIVED:
			time_cell(app, thing->since_received_ms, now_ms, buf, sizeof buf);
			draw_text(y, x, w, buf, normal, true);
			break;
		default: {
			size_t n = view_cell_text_ref(app->session.fleet, thing, ref, buf, sizeof buf);
			if (ref->id == COL_FLAGS && alerts_ui_thing_firing(app, thing->id)) {
				char flags[sizeof buf];
				memcpy(flags, buf, sizeof flags);
				n = (size_t)snprintf(buf, sizeof buf, "firing%s%s", n ? "|" : "", flags);
			}
			if (n >= sizeof buf)
				n = sizeof buf - 1;
			int attr = normal;
			if (ref->id == COL_FLAGS && !selected)
				attr = theme_attr(THEME_MARK);
			draw_untrusted(y, x, w, buf, n, attr, lay->slot[i].right);
			break;
		}
		}
	}
}

/* The sort's first key is this column (and attribute). */
static bool sorted_by(const struct sort_spec *sort, const struct column_ref *ref)
{
	return sort != NULL && sort->count > 0 && sort->keys[0].column == ref->id &&
	       (ref->id != COL_ATTR || strcmp(sort->keys[0].attr, ref->attr) == 0);
}

static void draw_column_titles(struct app *app, int y, const struct grid_layout *lay)
{
	const struct grid_columns *cols = &grid_of(app)->columns;
	int attr = theme_attr(THEME_COLUMNS);
	draw_fill(y, 0, app->cols, attr);
	const struct sort_spec *sort = view_sort(app->session.view);
	for (int i = 0; i < lay->count; i++) {
		const struct grid_slot *slot = &lay->slot[i];
		if (slot->width == 0)
			continue;
		char title[64];
		const char *arrow = "";
		if (sorted_by(sort, &cols->refs[i]))
			arrow = draw_glyph(sort->keys[0].direction > 0 ? GLYPH_UP : GLYPH_DOWN);
		snprintf(title, sizeof title, "%s%s", slot->title, arrow);
		bool right = slot->right && draw_width(title) < slot->width;
		draw_text(y, slot->x, slot->width, title, attr, right);
	}
}

/* "sort: sessions▼ (hidden)  " when the sort's first column is not shown
 * at this width (or not a grid column at all), else "". */
static void hidden_sort(const struct app *app, const struct grid *g, const struct grid_layout *lay,
                        char *buf, size_t size)
{
	buf[0] = '\0';
	const struct sort_spec *sort = view_sort(app->session.view);
	if (sort == NULL || sort->count == 0)
		return;
	for (int i = 0; i < g->columns.count && i < lay->count; i++) {
		const struct column_ref *ref = &g->columns.refs[i];
		if (ref->id == sort->keys[0].column && lay->slot[i].width > 0 &&
		    (ref->id != COL_ATTR || strcmp(ref->attr, sort->keys[0].attr) == 0))
			return;
	}
	struct column_ref ref = { .id = sort->keys[0].column };
	snprintf(ref.attr, sizeof ref.attr, "%s", sort->keys[0].attr);
	char name[VIEW_ATTR_MAX + 32], safe[VIEW_ATTR_MAX * 4];
	view_column_ref_name(&ref, name, sizeof name);
	text_escape(name, strlen(name), safe, sizeof safe, draw_ascii());
	snprintf(buf, size, "sort: %s%s (hidden)  ", safe,
	         draw_glyph(sort->keys[0].direction > 0 ? GLYPH_UP : GLYPH_DOWN));
}

static void grid_draw(struct app *app, void *data)
{
	struct grid *g = data;
	struct grid_layout lay;
	grid_layout_compute(&g->columns, app->cols, &lay);
	char right[VIEW_ATTR_MAX * 4 + 96], hidden[VIEW_ATTR_MAX * 4 + 48];
	hidden_sort(app, g, &lay, hidden, sizeof hidden);
	snprintf(right, sizeof right, "%s%zu/%zu", hidden, view_count(app->session.view),
	         fleet_count(app->session.fleet));
	app_draw_header(app, right);

	draw_column_titles(app, TITLES_Y, &lay);

	int first = FIRST_Y;
	int rows = app->rows - first - 2;
	if (rows < 1)
		rows = 1;
	g->rows = rows;
	size_t count = view_count(app->session.view);
	if (g->cursor >= count)
		g->cursor = count > 0 ? count - 1 : 0;
	if (g->cursor < g->top)
		g->top = g->cursor;
	if (g->cursor >= g->top + (size_t)rows)
		g->top = g->cursor - (size_t)rows + 1;
	if (g->top + (size_t)rows > count)
		g->top = count > (size_t)rows ? count - (size_t)rows : 0;

	int64_t now = app_now_ms(app);
	for (int r = 0; r < rows; r++) {
		size_t row = g->top + (size_t)r;
		int y = first + r;
		if (row >= count) {
			draw_fill(y, 0, app->cols, theme_attr(THEME_NORMAL));
			if (count == 0 && r == rows / 2) {
				const char *msg = fleet_count(app->session.fleet) == 0 ? "no things yet" :
				                  "no thing matches the filter (Esc clears it)";
				draw_text(y, 0, app->cols, msg, theme_attr(THEME_DIM), false);
			}
			continue;
		}
		const struct fleet_thing *thing = fleet_thing_at(app->session.fleet, view_row(app->session.view, row));
		draw_row(app, y, &lay, thing, row == g->cursor, now);
	}
	if (g->menu.open)
		sort_menu_draw(&g->menu, first, rows, view_sort(app->session.view));
	app_draw_footer(app, grid_screen.help, grid_screen.help_count);
}

static void search(struct app *app, struct grid *g, int direction)
{
	if (g->find_text == NULL || *g->find_text == '\0') {
		app_message(app, true, "no search text: press f to find a client id");
		return;
	}
	size_t count = view_count(app->session.view);
	for (size_t i = 1; i <= count; i++) {
		size_t row = direction > 0 ? (g->cursor + i) % count : (g->cursor + count - i) % count;
		const struct fleet_thing *thing = fleet_thing_at(app->session.fleet, view_row(app->session.view, row));
		if (text_contains_nocase(thing->client_id, g->find_text)) {
			size_t old = g->cursor;
			app_set_cursor_row(app, row);
			if ((direction > 0 && row <= old) || (direction < 0 && row >= old))
				app_message(app, false, "search wrapped");
			return;
		}
	}
	app_message(app, true, "no client id contains \"%s\"", g->find_text);
}

void grid_find(struct app *app, const char *text)
{
	struct grid *g = grid_of(app);
	free(g->find_text);
	g->find_text = xstrdup(text);
	search(app, g, +1);
}

/* Shift+letter or < >: sort by a column; the same column again reverses. */
/* Sorts by one column (an attribute's too); the same column again
 * reverses. `say` puts the new order on the status line. */
static void sort_by_ref(struct app *app, const struct column_ref *ref, bool say)
{
	const struct sort_spec *cur = view_sort(app->session.view);
	struct sort_spec spec = { 0 };
	spec.count = 1;
	spec.keys[0].column = ref->id;
	spec.keys[0].direction = view_columns[ref->id].default_direction;
	memcpy(spec.keys[0].attr, ref->attr, sizeof spec.keys[0].attr);
	if (say && sorted_by(cur, ref))
		spec.keys[0].direction = -cur->keys[0].direction;
	view_set_sort_spec(app->session.view, &spec);
	app_refresh_view(app);
	if (!say)
		return;
	char text[VIEW_ATTR_MAX + 64];
	sort_format(&spec, text, sizeof text);
	app_message(app, false, "sort: %s", text);
}

static void sort_by(struct app *app, enum column_id column)
{
	struct column_ref ref = { .id = column };
	sort_by_ref(app, &ref, true);
}

static void sort_step(struct app *app, int step)
{
	const struct grid_columns *cols = &grid_of(app)->columns;
	struct grid_layout lay;
	grid_layout_compute(cols, app->cols, &lay);
	const struct sort_spec *cur = view_sort(app->session.view);
	int at = -1;
	for (int i = 0; i < cols->count; i++) {
		if (sorted_by(cur, &cols->refs[i]))
			at = i;
	}
	if (at < 0 && step < 0)
		at = 0;
	for (int n = 0; n < cols->count; n++) {
		at = (at + step + cols->count) % cols->count;
		if (lay.slot[at].width > 0)
			break;
	}
	sort_by_ref(app, &cols->refs[at], false);
}

static void toggle_follow(struct app *app, struct grid *g)
{
	g->follow = !g->follow;
	if (g->follow)
		grid_keep_cursor(app);
	app_message(app, false, g->follow ? "follow: the cursor stays on its thing (F ends)" :
	            "follow off: the cursor keeps its row");
}

static bool grid_key(struct app *app, void *data, int key)
{
	struct grid *g = data;
	size_t count = view_count(app->session.view);
	size_t page = g->rows > 1 ? (size_t)g->rows - 1 : 1;
	/* The menu takes the keys while open; F10 still quits. */
	if (g->menu.open && key != KEY_FN(KEY_F(10))) {
		enum column_id column;
		if (sort_menu_key(&g->menu, key, &column))
			sort_by(app, column);
		return true;
	}
	size_t row = g->cursor;
	if (list_move_key(key, &row, count, page)) {
		app_set_cursor_row(app, row);
		return true;
	}
	switch (key) {
	case 'F':
	case KEY_FN(KEY_F(5)):
		toggle_follow(app, g);
		return true;
	case KEY_FN(KEY_F(6)):
		sort_menu_open(&g->menu, view_sort(app->session.view));
		return true;
	case '\n':
	case '\r':
	case KEY_FN(KEY_ENTER):
		if (count > 0)
			app_open_activity(app, view_row(app->session.view, g->cursor));
		return true;
	case KEY_FN(KEY_F(4)):
	case '/':
		prompt_open(&app->prompt, PROMPT_FILTER, view_filter_text(app->session.view));
		return true;
	case KEY_FN(KEY_F(3)):
	case 'f':
		prompt_open(&app->prompt, PROMPT_FIND, g->find_text);
		return true;
	case 'n':
		search(app, g, +1);
		return true;
	case 'N':
		search(app, g, -1);
		return true;
	case 't':
		app_open_timeline(app);
		return true;
	case 's':
		app_open_summary(app, NULL);
		return true;
	case '!':
		app_open_alerts(app);
		return true;
	case 'a':
		g->absolute_time = !g->absolute_time;
		return true;
	case '<':
		sort_step(app, -1);
		return true;
	case '>':
		sort_step(app, +1);
		return true;
	case KEY_ESC:
		if (g->drill[0] != '\0' || *view_filter_text(app->session.view) != '\0') {
			app_set_filter(app, "");
			app_message(app, false, "filter cleared");
		}
		return true;
	case 'q':
		app->quit = true;
		return true;
	default:
		break;
	}
	if (key >= 'A' && key <= 'Z') {
		for (int c = 0; c < COL_COUNT; c++) {
			if (view_columns[c].sort_key == key) {
				sort_by(app, (enum column_id)c);
				return true;
			}
		}
	}
	return false;
}

/* Which of the grid's columns has its title at x; -1 between or past them. */
static int column_at(const struct app *app, const struct grid *g, int x)
{
	struct grid_layout lay;
	grid_layout_compute(&g->columns, app->cols, &lay);
	for (int i = 0; i < lay.count; i++) {
		const struct grid_slot *slot = &lay.slot[i];
		if (slot->width > 0 && x >= slot->x && x <= slot->x + slot->width)
			return i;
	}
	return -1;
}

/* A click selects a row, a double click opens its activity log, a click
 * on a column title sorts by it (again reverses). */
static void grid_mouse(struct app *app, void *data, const struct app_mouse *m)
{
	struct grid *g = data;
	if (g->menu.open) {
		enum column_id column;
		if (sort_menu_click(&g->menu, m->y, m->x, &column))
			sort_by(app, column);
		return;
	}
	if (m->y == TITLES_Y) {
		int i = column_at(app, g, m->x);
		if (i >= 0)
			sort_by_ref(app, &g->columns.refs[i], true);
		return;
	}
	if (m->y < FIRST_Y || m->y >= FIRST_Y + g->rows)
		return;
	size_t row = g->top + (size_t)(m->y - FIRST_Y);
	if (row >= view_count(app->session.view))
		return;
	app_set_cursor_row(app, row);
	if (m->kind == APP_MOUSE_DOUBLE)
		app_open_activity(app, view_row(app->session.view, row));
}

static const struct key_help grid_help[] = {
	{ "q", "quit", "quit (Ctrl-C always quits)" },
	{ "Enter", "log", "activity log of the thing under the cursor" },
	{ "/", "filter", "filter as you type (Enter applies, Esc clears; the syntax is below)" },
	{ "f n N", "find", "find a client id, then next / previous match" },
	{ "S I A R ...", "sort", "sort (again reverses): S status, I client id, A since, R reason, P ip, V version, O sessions, D disconnects, X failures, L flags, T thing type, W groups" },
	{ "< >", NULL, "sort by the previous / next column" },
	{ "F6", NULL, "sort menu: Up Down, Enter sorts (the same column again reverses), Esc cancels" },
	{ "F F5", "follow", "follow mode: the cursor stays on its thing as rows move (FOLLOW in the header); off, it keeps its row" },
	{ "t", "timeline", "disconnect-reason timeline" },
	{ "s", "summary", "things per thing type, group, attribute, reason, ... by status (:summary COLUMN)" },
	{ "!", "alerts", "firing alerts (rule, thing, since, reason)" },
	{ "a", NULL, "toggle age / absolute time in SINCE" },
	{ "Ctrl-S", "export", "export the filtered, sorted view to CSV: a prompt with a file in Downloads or home (Enter writes, Esc cancels)" },
	{ "Z", "pause", "pause / resume the view (events keep being recorded)" },
	{ ":", "cmd", "command: thing ID, export FILE, theme NAME, since 1h, filter EXPR, sort SPEC, find TEXT, columns LIST, summary COLUMN, q" },
	{ "?", "help", "this help (F1 too)" },
	{ "Up Down j k", NULL, "move the cursor" },
	{ "PgUp PgDn g G", NULL, "page, first, last row (Home End too)" },
	{ "Esc", NULL, "clear the filter and the timeline's or summary's drill-down" },
};

const struct screen_ops grid_screen = {
	.title = "Fleet",
	.shows_filter = true,
	.shows_ages = true,
	.create = grid_create,
	.destroy = grid_destroy,
	.draw = grid_draw,
	.key = grid_key,
	.mouse = grid_mouse,
	.help = grid_help,
	.help_count = sizeof grid_help / sizeof grid_help[0],
};
