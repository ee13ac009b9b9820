/* The summary screen: the things of the grid's view counted per value of
 * one column (thing type, a group, an attribute, the last reason, ...),
 * split by status, the groups in trouble first (core/summary.h). "Which
 * site is down" at a glance; Enter drills down into the grid. */
#include "build_config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "list_keys.h"
#include "draw.h"
#include "summary.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

#define CHOICES_MAX 40          /* columns c and C cycle through */
/* New data rebuilds the counts at the refresh rate, but no sooner than
 * this many times the last build's time after it: at a million things
 * a build takes half a second (tests/bench/bench_summary.c), and the keys
 * must stay quick. */
#define BUILD_SPACING 5

struct choices {
	struct column_ref refs[CHOICES_MAX];
	int count;
};

struct summary_screen {
	struct column_ref by;
	bool chosen;                /* `by` was set (else the first choice) */
	struct summary *summary;
	size_t cursor, top;
	int rows;                   /* rows that fit, set by the draw */
	bool stale;                 /* new data since the counts were made */
	/* What c and C cycle through, listed once each time the screen opens
	 * (a look at every thing's registry). */
	struct choices choices;
	bool listed;
	int64_t built_ms, build_cost_ms;  /* time_mono_ms() of the last build, its duration */
};

static struct summary_screen *screen_of(const struct app *app)
{
	return app_screen_data(app, SCREEN_SUMMARY);
}

static void *summary_create(struct app *app)
{
	(void)app;
	return xcalloc(1, sizeof(struct summary_screen));
}

static void summary_screen_destroy(void *data)
{
	struct summary_screen *s = data;
	if (s == NULL)
		return;
	summary_destroy(s->summary);
	free(s);
}

/* ---- Which columns to count by ---- */

static void choice_add(struct choices *c, enum column_id id, const char *attr)
{
	if (c->count == CHOICES_MAX)
		return;
	struct column_ref *ref = &c->refs[c->count];
	memset(ref, 0, sizeof *ref);
	ref->id = id;
	if (attr != NULL) {
		if (strlen(attr) > VIEW_ATTR_MAX)
			return;
		for (int i = 0; i < c->count; i++) {
			if (c->refs[i].id == COL_ATTR && strcmp(c->refs[i].attr, attr) == 0)
				return;
		}
		memcpy(ref->attr, attr, strlen(attr) + 1);
	}
	c->count++;
}

static int compare_attr_refs(const void *a, const void *b)
{
	return strcmp(((const struct column_ref *)a)->attr, ((const struct column_ref *)b)->attr);
}

/* The registry columns the view's things have (thing type, groups, the
 * attributes by name), then last_reason, status and flags. */
static void list_choices(const struct app *app, struct choices *c)
{
	const struct fleet *fleet = app->session.fleet;
	const struct view *view = app->session.view;
	bool types = false, groups = false;
	struct choices attrs = { .count = 0 };
	for (size_t row = 0, n = view_count(view); row < n; row++) {
		struct fleet_registry reg;
		if (!fleet_thing_registry(fleet, fleet_thing_at(fleet, view_row(view, row)), &reg))
			continue;
		types |= *reg.thing_type != '\0';
		groups |= *reg.groups != '\0';
		for (size_t i = 0; i < reg.attr_count; i++)
			choice_add(&attrs, COL_ATTR, reg.attr_names[i]);
	}
	c->count = 0;
	if (types)
		choice_add(c, COL_THING_TYPE, NULL);
	if (groups)
		choice_add(c, COL_GROUPS, NULL);
	qsort(attrs.refs, (size_t)attrs.count, sizeof attrs.refs[0], compare_attr_refs);
	for (int i = 0; i < attrs.count; i++)
		choice_add(c, COL_ATTR, attrs.refs[i].attr);
	choice_add(c, COL_REASON, NULL);
	choice_add(c, COL_STATUS, NULL);
	choice_add(c, COL_FLAGS, NULL);
}

static const struct choices *choices_of(struct app *app, struct summary_screen *s)
{
	if (!s->listed) {
		list_choices(app, &s->choices);
		s->listed = true;
	}
	return &s->choices;
}

static bool same_column(const struct column_ref *a, const struct column_ref *b)
{
	return a->id == b->id && (a->id != COL_ATTR || strcmp(a->attr, b->attr) == 0);
}

/* ---- Counting ---- */

/* Counts again from the view; the cursor stays on its group. */
static void rebuild(struct app *app, struct summary_screen *s)
{
	if (!s->chosen) {
		s->by = choices_of(app, s)->refs[0];
		s->chosen = true;
	}
	const struct summary_group *g = s->summary != NULL ? summary_group_at(s->summary, s->cursor) : NULL;
	char *value = g != NULL ? xstrdup(g->value) : NULL;
	summary_destroy(s->summary);
	int64_t start = time_mono_ms();
	s->summary = summary_build(app->session.fleet, app->session.view, &s->by);
	s->built_ms = time_mono_ms();
	s->build_cost_ms = s->built_ms - start;
	s->stale = false;
	s->cursor = 0;
	for (size_t i = 0; value != NULL && i < summary_count(s->summary); i++) {
		if (strcmp(summary_group_at(s->summary, i)->value, value) == 0)
			s->cursor = i;
	}
	free(value);
	app->dirty = true;
}

/* Another column: the counts start again at the first row. */
static void set_column(struct summary_screen *s, const struct column_ref *by)
{
	s->by = *by;
	s->chosen = true;
	summary_destroy(s->summary);
	s->summary = NULL;
	s->cursor = s->top = 0;
}

static void count_by(struct app *app, struct summary_screen *s, const struct column_ref *by)
{
	set_column(s, by);
	rebuild(app, s);
}

/* c and C: the next or previous column of the choices. */
static void cycle(struct app *app, struct summary_screen *s, int step)
{
	const struct choices *c = choices_of(app, s);
	int at = -1;
	for (int i = 0; i < c->count; i++) {
		if (same_column(&c->refs[i], &s->by))
			at = i;
	}
	if (at < 0)
		at = step > 0 ? c->count - 1 : 0;
	struct column_ref by = c->refs[(at + step + c->count) % c->count];
	count_by(app, s, &by);
}

void app_open_summary(struct app *app, const char *column)
{
	struct summary_screen *s = screen_of(app);
	if (column != NULL && *column != '\0') {
		struct column_ref by;
		if (view_column_parse(column, &by) == NULL) {
			const char *near = view_column_suggest(column);
			char safe[64];
			text_escape(column, strlen(column), safe, sizeof safe, draw_ascii());
			app_message(app, true, "summary: no column \"%s\"%s%s%s (%s)", safe,
			            near != NULL ? ", did you mean \"" : "", near != NULL ? near : "",
			            near != NULL ? "\"?" : "", view_column_names());
			return;
		}
		set_column(s, &by);
	}
	app_show(app, SCREEN_SUMMARY);
}

static bool summary_enter(struct app *app, void *data)
{
	struct summary_screen *s = data;
	s->listed = false;
	rebuild(app, s);
	return true;
}

/* A replay jump: the counts of the new fleet at once. */
static void summary_enter_again(struct app *app, void *data)
{
	summary_enter(app, data);
}

/* Rebuilds for new data when the last build is far enough behind. */
static void catch_up(struct app *app, struct summary_screen *s)
{
	if (s->stale && time_mono_ms() >= s->built_ms + BUILD_SPACING * s->build_cost_ms)
		rebuild(app, s);
}

static void summary_update(struct app *app, void *data)
{
	struct summary_screen *s = data;
	s->stale = true;
	catch_up(app, s);
}

/* ---- Drill-down ---- */

/* The grid, restricted to the things of the group under the cursor (on
 * top of the filter's terms, as the timeline's drill-down). */
static void drill_down(struct app *app, struct summary_screen *s)
{
	const struct summary_group *g = summary_group_at(s->summary, s->cursor);
	if (g == NULL)
		return;
	uint32_t *ids = NULL;
	size_t n = summary_group_ids(app->session.fleet, app->session.view, &s->by, g->value, &ids);
	char name[VIEW_ATTR_MAX + 8], label[128];
	view_column_ref_name(&s->by, name, sizeof name);
	snprintf(label, sizeof label, "%.40s=%.48s: %zu things", name, *g->value != '\0' ? g->value : "(none)", n);
	if (n == 0) {
		app_message(app, true, "%s: none left in the view", name);
		return;
	}
	char *expr = xstrdup(view_filter_text(app->session.view));
	char *cause = NULL;
	bool ok = view_set_filter(app->session.view, expr, &cause) && view_filter(app->session.view) != NULL;
	free(expr);
	if (!ok) {
		app_message(app, true, "drill-down: %s", cause != NULL ? cause : "no filter");
		free(cause);
		free(ids);
		return;
	}
	filter_set_ids(view_filter(app->session.view), ids, n);
	grid_set_drill(app, label);
	app_show(app, SCREEN_GRID);
	app_refresh_view(app);
	app_set_cursor_row(app, 0);
}

/* ---- Drawing ---- */

/* Columns after the value: things, disconnected, its share, connected,
 * unknown, uncertain; then the bar takes what is left. */
#define NUM_W 7
#define SHARE_W 6
#define FIXED_W (5 * (NUM_W + 1) + SHARE_W + 1)
#define VALUE_MIN 12
#define VALUE_MAX 40
#define BAR_MAX 100

struct summary_layout {
	int value_w, bar_w, num_x, bar_x;
};

/* The value column gets half of what the numbers leave (12 to 40 cells),
 * the bar the rest. */
static void layout(int cols, struct summary_layout *l)
{
	int avail = cols - FIXED_W;
	l->value_w = avail / 2 < VALUE_MIN ? VALUE_MIN : avail / 2 > VALUE_MAX ? VALUE_MAX : avail / 2;
	l->bar_w = avail - l->value_w - 1;
	if (l->bar_w > BAR_MAX)
		l->bar_w = BAR_MAX;
	if (l->bar_w < 4) {
		l->bar_w = 0;
		l->value_w = avail;
	}
	l->num_x = l->value_w + 1;
	l->bar_x = l->num_x + FIXED_W;
}

static void draw_titles(struct app *app, const struct summary_screen *s, const struct summary_layout *l)
{
	int attr = theme_attr(THEME_COLUMNS);
	draw_fill(2, 0, app->cols, attr);
	char name[VIEW_ATTR_MAX + 8];
	view_column_ref_name(&s->by, name, sizeof name);
	draw_text(2, 0, l->value_w, name, attr, false);
	static const char *const titles[] = { "THINGS", "DISCONN", "DISC%", "CONN", "UNKNOWN", "UNCERT" };
	int x = l->num_x;
	for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
		int w = i == 2 ? SHARE_W : NUM_W;
		draw_text(2, x, w, titles[i], attr, true);
		x += w + 1;
	}
	if (l->bar_w > 0)
		draw_text(2, l->bar_x, l->bar_w, "SHARE", attr, false);
}

/* Cells of `count` out of `total` in `width`, at least one when nonzero. */
static int cells(size_t count, size_t total, int width)
{
	if (count == 0 || total == 0)
		return 0;
	int n = (int)((count * (size_t)width + total / 2) / total);
	return n < 1 ? 1 : n;
}

/* A bar as long as the group is against the largest one: disconnected,
 * unknown, then connected, each in its colour and its own glyph (for
 * screens without colour). */
static void draw_bar(int y, int x, int width, const struct summary_group *g, size_t largest, bool selected)
{
	int len = cells(g->total, largest, width);
	int down = cells(g->count[STATUS_DISCONNECTED], g->total, len);
	int unknown = cells(g->count[STATUS_UNKNOWN], g->total, len);
	if (down + unknown > len)
		unknown = len - down;
	const struct {
		int n;
		const char *glyph;
		enum theme_element color;
	} parts[] = {
		{ down, draw_glyph(GLYPH_BLOCK), THEME_DISCONNECTED },
		{ unknown, draw_ascii() ? "?" : "\u2592", THEME_UNKNOWN },
		{ len - down - unknown, draw_ascii() ? "=" : "\u2591", THEME_CONNECTED },
	};
	for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
		int attr = theme_attr(parts[p].color) | (selected ? A_REVERSE : 0);
		for (int i = 0; i < parts[p].n; i++)
			x += draw_text_clip(y, x, 1, parts[p].glyph, attr);
	}
}

static void draw_group(struct app *app, int y, const struct summary_layout *l,
                       const struct summary_group *g, size_t largest, bool selected)
{
	int attr = theme_attr(selected ? THEME_CURSOR : THEME_NORMAL);
	draw_fill(y, 0, app->cols, attr);
	if (*g->value == '\0')
		draw_text(y, 0, l->value_w, "(none)", selected ? attr : theme_attr(THEME_DIM), false);
	else
		draw_untrusted(y, 0, l->value_w, g->value, strlen(g->value), attr, false);
	size_t numbers[] = { g->total, g->count[STATUS_DISCONNECTED], 0, g->count[STATUS_CONNECTED],
	                     g->count[STATUS_UNKNOWN], g->uncertain };
	int x = l->num_x;
	for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		char buf[32];
		int w = i == 2 ? SHARE_W : NUM_W;
		if (i == 2)
			snprintf(buf, sizeof buf, "%zu%%", g->count[STATUS_DISCONNECTED] * 100 / g->total);
		else
			snprintf(buf, sizeof buf, "%zu", numbers[i]);
		int a = attr;
		if (i == 1 && numbers[i] > 0 && !selected)
			a = theme_attr(THEME_DISCONNECTED);
		draw_text(y, x, w, buf, a, true);
		x += w + 1;
	}
	if (l->bar_w > 0)
		draw_bar(y, l->bar_x, l->bar_w, g, largest, selected);
}

static void summary_draw(struct app *app, void *data)
{
	struct summary_screen *s = data;
	catch_up(app, s);
	size_t count = summary_count(s->summary);
	char name[VIEW_ATTR_MAX + 8], right[VIEW_ATTR_MAX + 64];
	view_column_ref_name(&s->by, name, sizeof name);
	snprintf(right, sizeof right, "by %s  %zu values  %zu things", name, count,
	         view_count(app->session.view));
	app_draw_header(app, right);
	struct summary_layout l;
	layout(app->cols, &l);
	draw_titles(app, s, &l);

	int first = 3, rows = app->rows - first - 2;
	if (rows < 1)
		rows = 1;
	s->rows = rows;
	if (s->cursor >= count)
		s->cursor = count > 0 ? count - 1 : 0;
	if (s->cursor < s->top)
		s->top = s->cursor;
	if (s->cursor >= s->top + (size_t)rows)
		s->top = s->cursor - (size_t)rows + 1;
	size_t largest = 1;
	for (size_t i = 0; i < count; i++) {
		if (summary_group_at(s->summary, i)->total > largest)
			largest = summary_group_at(s->summary, i)->total;
	}
	for (int r = 0; r < rows; r++) {
		size_t i = s->top + (size_t)r;
		if (i < count) {
			draw_group(app, first + r, &l, summary_group_at(s->summary, i), largest, i == s->cursor);
			continue;
		}
		draw_fill(first + r, 0, app->cols, theme_attr(THEME_NORMAL));
		if (count == 0 && r == rows / 2)
			draw_text(first + r, 0, app->cols, fleet_count(app->session.fleet) == 0 ? "no things yet" :
			          "no thing matches the filter", theme_attr(THEME_DIM), false);
	}
	app_draw_footer(app, summary_screen.help, summary_screen.help_count);
}

/* ---- Keys ---- */

static bool summary_key(struct app *app, void *data, int key)
{
	struct summary_screen *s = data;
	size_t count = summary_count(s->summary);
	size_t page = s->rows > 1 ? (size_t)s->rows - 1 : 1;
	if (list_move_key(key, &s->cursor, count, page))
		return true;
	switch (key) {
	case KEY_ESC:
	case 'q':
		app_show(app, SCREEN_GRID);
		return true;
	case 'c':
	case KEY_FN(KEY_RIGHT):
	case 'l':
		cycle(app, s, +1);
		return true;
	case 'C':
	case KEY_FN(KEY_LEFT):
	case 'h':
		cycle(app, s, -1);
		return true;
	case 'b':
		prompt_open(&app->prompt, PROMPT_COMMAND, "summary ");
		return true;
	case '\n':
	case '\r':
	case KEY_FN(KEY_ENTER):
		drill_down(app, s);
		return true;
	default:
		return false;
	}
}

/* A click selects the row under it, a double click drills down, as
 * Enter does. */
static void summary_mouse(struct app *app, void *data, const struct app_mouse *m)
{
	struct summary_screen *s = data;
	size_t i = s->top + (size_t)(m->y - 3);
	if (m->y < 3 || m->y >= 3 + s->rows || i >= summary_count(s->summary))
		return;
	s->cursor = i;
	if (m->kind == APP_MOUSE_DOUBLE)
		drill_down(app, s);
}

static const struct key_help summary_help[] = {
	{ "Esc", "back", "back to the grid (q too)" },
	{ "Enter", "drill", "the grid with the things of the selected value only" },
	{ "c C", "column", "count by the next / previous column (Right Left too)" },
	{ "b", "by", "type the column: :summary COLUMN (attr.site, groups, ip...)" },
	{ "Up Down j k", NULL, "move the cursor" },
	{ "PgUp PgDn g G", NULL, "page, first, last row (Home End too)" },
	{ "?", "help", "this help (F1 too)" },
	{ "DISCONN CONN", NULL, "things disconnected, connected; UNKNOWN: never seen" },
	{ "UNCERT DISC%", NULL, "of those, flagged uncertain; the disconnected share" },
	{ "order", NULL, "most disconnected first; counts follow the grid's filter" },
};

const struct screen_ops summary_screen = {
	.title = "Summary",
	.shows_filter = true,
	.shows_ages = true,         /* redrawn each second: a build put off by catch_up comes then */
	.create = summary_create,
	.destroy = summary_screen_destroy,
	.enter = summary_enter,
	.update = summary_update,
	.fleet_replaced = summary_enter_again,
	.draw = summary_draw,
	.key = summary_key,
	.mouse = summary_mouse,
	.help = summary_help,
	.help_count = sizeof summary_help / sizeof summary_help[0],
};
