/* The grid's sort menu: one entry per column with a sort key, in the
 * order of core's column table, so a new column shows up here by itself. */
#include "build_config.h"

#include <curses.h>
#include <stdio.h>

#include "app.h"
#include "list_keys.h"
#include "draw.h"
#include "sort_menu.h"

#define MENU_WIDTH 24

/* The column of entry `i`, or COL_COUNT past the end. */
static enum column_id entry_column(int i)
{
	int n = 0;
	for (int c = 0; c < COL_COUNT; c++) {
		if (view_columns[c].sort_key == 0)
			continue;
		if (n++ == i)
			return (enum column_id)c;
	}
	return COL_COUNT;
}

static int entry_count(void)
{
	int n = 0;
	while (entry_column(n) != COL_COUNT)
		n++;
	return n;
}

void sort_menu_open(struct sort_menu *m, const struct sort_spec *current)
{
	m->open = true;
	m->at = 0;
	m->top = 0;
	for (int i = 0; current != NULL && current->count > 0 && i < entry_count(); i++) {
		if (entry_column(i) == current->keys[0].column)
			m->at = i;
	}
}

bool sort_menu_key(struct sort_menu *m, int key, enum column_id *column)
{
	int count = entry_count();
	int page = m->shown > 1 ? m->shown - 1 : 1;
	size_t at = (size_t)m->at;
	if (list_move_key(key, &at, (size_t)count, (size_t)page)) {
		m->at = (int)at;
		return false;
	}
	switch (key) {
	case '\n':
	case '\r':
	case KEY_FN(KEY_ENTER):
		m->open = false;
		*column = entry_column(m->at);
		return true;
	case KEY_ESC:
	case KEY_FN(KEY_F(6)):
	case 'q':
		m->open = false;
		return false;
	default:
		return false;
	}
}

bool sort_menu_click(struct sort_menu *m, int y, int x, enum column_id *column)
{
	int i = m->top + (y - m->y);
	if (x < m->x || x >= m->x + m->width || y < m->y || y >= m->y + m->shown || i >= entry_count()) {
		m->open = false;
		return false;
	}
	m->at = i;
	m->open = false;
	*column = entry_column(i);
	return true;
}

void sort_menu_draw(struct sort_menu *m, int y, int rows, const struct sort_spec *current)
{
	int count = entry_count();
	int title = theme_attr(THEME_COLUMNS);
	draw_text(y, 0, MENU_WIDTH, " Sort by (Enter, Esc)", title, false);
	m->y = y + 1;
	m->x = 0;
	m->width = MENU_WIDTH;
	m->shown = rows - 1 < count ? rows - 1 : count;
	if (m->shown < 1)
		m->shown = 1;
	/* Keep the highlighted entry in view when the terminal is short. */
	if (m->at < m->top)
		m->top = m->at;
	if (m->at >= m->top + m->shown)
		m->top = m->at - m->shown + 1;
	for (int r = 0; r < m->shown && m->top + r < count; r++) {
		int i = m->top + r;
		const struct column *col = &view_columns[entry_column(i)];
		const char *arrow = "";
		if (current != NULL && current->count > 0 && current->keys[0].column == col->id)
			arrow = draw_glyph(current->keys[0].direction > 0 ? GLYPH_UP : GLYPH_DOWN);
		char text[64];
		snprintf(text, sizeof text, " %c %s%s", col->sort_key, col->name, arrow);
		int attr = theme_attr(i == m->at ? THEME_CURSOR : THEME_NORMAL);
		draw_text(m->y + r, 0, MENU_WIDTH - 1, text, attr, false);
		draw_text(m->y + r, MENU_WIDTH - 1, 1, draw_glyph(GLYPH_VLINE), theme_attr(THEME_DIM), false);
	}
}
