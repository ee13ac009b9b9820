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
	char drill[128];            /* timeline drill-down label, "" when none */
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

static void *grid_create(struct app *app)
{
	struct grid *g = xcalloc(1, sizeof *g);
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

/* Grid columns in display order; `drop` says which go first when the
 * terminal is narrow (lower goes first, 0 = never). */
struct grid_column {
	enum column_id column;
	const char *title;
	int width;
	int drop;
};

static const struct grid_column grid_columns[] = {
	{ COL_STATUS, "ST", 4, 0 },
	{ COL_CLIENT_ID, "CLIENT ID", 0, 0 },
	{ COL_SINCE, "SINCE", 8, 0 },
	{ COL_REASON, "LAST REASON", 20, 8 },
	{ COL_IP, "IP", 15, 3 },
	{ COL_SESSIONS, "SESS", 5, 5 },
	{ COL_DISCONNECTS, "DISC", 5, 6 },
	{ COL_VERSION, "VER", 5, 4 },
	{ COL_FAILURES, "FAIL", 5, 2 },
	{ COL_FLAGS, "FLAGS", 18, 1 },
};
#define GRID_COLUMNS (sizeof grid_columns / sizeof grid_columns[0])
#define CLIENT_MIN 20
#define TITLES_Y 2                 /* the column titles' line */
#define FIRST_Y 3                  /* the first row's line */

struct layout {
	int x[GRID_COLUMNS];
	int width[GRID_COLUMNS];   /* 0 = not shown */
};

static void compute_layout(int cols, struct layout *out)
{
	bool shown[GRID_COLUMNS];
	for (size_t i = 0; i < GRID_COLUMNS; i++)
		shown[i] = true;
	for (;;) {
		int fixed = 0;
		for (size_t i = 0; i < GRID_COLUMNS; i++) {
			if (shown[i])
				fixed += grid_columns[i].width + 1;
		}
		if (cols - fixed >= CLIENT_MIN)
			break;
		/* Drop the lowest-priority column still shown. */
		int best = -1;
		for (size_t i = 0; i < GRID_COLUMNS; i++) {
			if (shown[i] && grid_columns[i].drop > 0 &&
			    (best < 0 || grid_columns[i].drop < grid_columns[best].drop))
				best = (int)i;
		}
		if (best < 0)
			break;
		shown[best] = false;
	}
	int fixed = 0;
	for (size_t i = 0; i < GRID_COLUMNS; i++) {
		if (shown[i])
			fixed += grid_columns[i].width + 1;
	}
	int x = 0;
	for (size_t i = 0; i < GRID_COLUMNS; i++) {
		out->x[i] = x;
		if (!shown[i]) {
			out->width[i] = 0;
			continue;
		}
		int w = grid_columns[i].width;
		if (w == 0) {
			w = cols - fixed - 1;
			if (w < 8)
				w = 8;
		}
		out->width[i] = w;
		x += w + 1;
	}
}

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
	snprintf(buf, size, "%s%s%s%s", draw_glyph(g),
	         fleet_thing_settling(app->session.fleet, thing) ? "~" : "",
	         fleet_thing_flapping(app->session.fleet, thing) ? "!" : "",
	         (thing->flags & THING_UNCERTAIN) ? "?" : "");
}

static void draw_row(struct app *app, int y, const struct layout *lay, const struct fleet_thing *thing,
                     bool selected, int64_t now_ms)
{
	int normal = selected ? theme_attr(THEME_CURSOR) : theme_attr(THEME_NORMAL);
	draw_fill(y, 0, app->cols, normal);
	for (size_t i = 0; i < GRID_COLUMNS; i++) {
		int w = lay->width[i];
		if (w == 0)
			continue;
		const struct column *col = &view_columns[grid_columns[i].column];
		char buf[256];
		switch (col->id) {
		case COL_STATUS:
			status_cell(app, thing, buf, sizeof buf);
			draw_text(y, lay->x[i], w, buf, selected ? normal : status_attr(thing), false);
			break;
		case COL_SINCE:
			if (thing->status == STATUS_UNKNOWN || thing->since_ms == 0)
				snprintf(buf, sizeof buf, "-");
			else if (grid_absolute_time(app))
				time_format_iso(thing->since_ms, buf, sizeof buf);
			else /* never negative: device clocks run ahead of ours */
				time_format_age(now_ms > thing->since_ms ? now_ms - thing->since_ms : 0, buf,
				                sizeof buf);
			draw_text(y, lay->x[i], w, buf, normal, true);
			break;
		default: {
			size_t n = view_cell_text(app->session.fleet, thing, col->id, buf, sizeof buf);
			if (col->id == COL_FLAGS && alerts_ui_thing_firing(app, thing->id)) {
				char flags[sizeof buf];
				memcpy(flags, buf, sizeof flags);
				n = (size_t)snprintf(buf, sizeof buf, "firing%s%s", n ? "|" : "", flags);
			}
			if (n >= sizeof buf)
				n = sizeof buf - 1;
			int attr = normal;
			if (col->id == COL_FLAGS && !selected)
				attr = theme_attr(THEME_MARK);
			draw_untrusted(y, lay->x[i], w, buf, n, attr, col->right_align || col->numeric);
			break;
		}
		}
	}
}

static void draw_column_titles(struct app *app, int y, const struct layout *lay)
{
	int attr = theme_attr(THEME_COLUMNS);
	draw_fill(y, 0, app->cols, attr);
	const struct sort_spec *sort = view_sort(app->session.view);
	for (size_t i = 0; i < GRID_COLUMNS; i++) {
		if (lay->width[i] == 0)
			continue;
		const struct column *col = &view_columns[grid_columns[i].column];
		char title[64];
		const char *arrow = "";
		if (sort != NULL && sort->count > 0 && sort->keys[0].column == col->id)
			arrow = draw_glyph(sort->keys[0].direction > 0 ? GLYPH_UP : GLYPH_DOWN);
		snprintf(title, sizeof title, "%s%s", grid_columns[i].title, arrow);
		bool right = (col->right_align || col->numeric || col->id == COL_SINCE) &&
		             draw_width(title) < lay->width[i];
		draw_text(y, lay->x[i], lay->width[i], title, attr, right);
	}
}

static void grid_draw(struct app *app, void *data)
{
	struct grid *g = data;
	char right[64];
	snprintf(right, sizeof right, "%zu/%zu", view_count(app->session.view), fleet_count(app->session.fleet));
	app_draw_header(app, right);

	struct layout lay;
	compute_layout(app->cols, &lay);
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
static void sort_by(struct app *app, enum column_id column)
{
	const struct sort_spec *cur = view_sort(app->session.view);
	struct sort_spec spec = { 0 };
	spec.count = 1;
	spec.keys[0].column = column;
	spec.keys[0].direction = view_columns[column].default_direction;
	if (cur != NULL && cur->count > 0 && cur->keys[0].column == column)
		spec.keys[0].direction = -cur->keys[0].direction;
	view_set_sort_spec(app->session.view, &spec);
	app_refresh_view(app);
	char text[128];
	sort_format(&spec, text, sizeof text);
	app_message(app, false, "sort: %s", text);
}

static void sort_step(struct app *app, int step)
{
	struct layout lay;
	compute_layout(app->cols, &lay);
	const struct sort_spec *cur = view_sort(app->session.view);
	int at = -1;
	for (size_t i = 0; i < GRID_COLUMNS; i++) {
		if (cur != NULL && cur->count > 0 && grid_columns[i].column == cur->keys[0].column)
			at = (int)i;
	}
	for (size_t n = 0; n < GRID_COLUMNS; n++) {
		at = (at + step + (int)GRID_COLUMNS) % (int)GRID_COLUMNS;
		if (lay.width[at] > 0)
			break;
	}
	enum column_id column = grid_columns[at].column;
	struct sort_spec spec = { 0 };
	spec.count = 1;
	spec.keys[0].column = column;
	spec.keys[0].direction = view_columns[column].default_direction;
	view_set_sort_spec(app->session.view, &spec);
	app_refresh_view(app);
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
	switch (key) {
	case 'F':
	case KEY_FN(KEY_F(5)):
		toggle_follow(app, g);
		return true;
	case KEY_FN(KEY_F(6)):
		sort_menu_open(&g->menu, view_sort(app->session.view));
		return true;
	case KEY_FN(KEY_UP):
	case 'k':
		if (g->cursor > 0)
			app_set_cursor_row(app, g->cursor - 1);
		return true;
	case KEY_FN(KEY_DOWN):
	case 'j':
		app_set_cursor_row(app, g->cursor + 1);
		return true;
	case KEY_FN(KEY_PPAGE):
	case KEY_CTRL('b'):
		app_set_cursor_row(app, g->cursor > page ? g->cursor - page : 0);
		return true;
	case KEY_FN(KEY_NPAGE):
	case KEY_CTRL('f'):
	case ' ':
		app_set_cursor_row(app, g->cursor + page);
		return true;
	case KEY_FN(KEY_HOME):
	case 'g':
		app_set_cursor_row(app, 0);
		return true;
	case KEY_FN(KEY_END):
	case 'G':
		app_set_cursor_row(app, count > 0 ? count - 1 : 0);
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

/* Which column title is at x; -1 between or past them. */
static int column_at(const struct app *app, int x)
{
	struct layout lay;
	compute_layout(app->cols, &lay);
	for (size_t i = 0; i < GRID_COLUMNS; i++) {
		if (lay.width[i] > 0 && x >= lay.x[i] && x <= lay.x[i] + lay.width[i])
			return (int)i;
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
		int i = column_at(app, m->x);
		if (i >= 0)
			sort_by(app, grid_columns[i].column);
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
	{ "/", "filter", "filter (Enter applies, Esc clears; !term negates; status:connected reason:X since<10m sessions>3 field~regex)" },
	{ "f n N", "find", "find a client id, then next / previous match" },
	{ "S I A R ...", "sort", "sort (again reverses): S status, I client id, A since, R reason, P ip, V version, O sessions, D disconnects, X failures, L flags, T thing type, W groups" },
	{ "< >", NULL, "sort by the previous / next column" },
	{ "F6", NULL, "sort menu: Up Down, Enter sorts (the same column again reverses), Esc cancels" },
	{ "F F5", "follow", "follow mode: the cursor stays on its thing as rows move (FOLLOW in the header); off, it keeps its row" },
	{ "t", "timeline", "disconnect-reason timeline" },
	{ "!", "alerts", "firing alerts (rule, thing, since, reason)" },
	{ "a", NULL, "toggle age / absolute time in SINCE" },
	{ "Ctrl-S", "export", "export the filtered, sorted view to CSV" },
	{ "Z", "pause", "pause / resume the view (events keep being recorded)" },
	{ ":", "cmd", "command: thing ID, export FILE, theme NAME, since 1h, filter EXPR, sort SPEC, find TEXT, q" },
	{ "?", "help", "this help (F1 too)" },
	{ "Up Down j k", NULL, "move the cursor" },
	{ "PgUp PgDn g G", NULL, "page, first, last row (Home End too)" },
	{ "Esc", NULL, "clear the filter and the timeline drill-down" },
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
