/* The grid's sort menu (F6, htop's): the sortable columns of core's
 * column table in a popup at the left; arrows and Enter choose, Esc
 * cancels. */
#ifndef THINGTOP_TUI_SORT_MENU_H
#define THINGTOP_TUI_SORT_MENU_H

#include <stdbool.h>

#include "view.h"

struct sort_menu {
	bool open;
	int at;                     /* the highlighted entry */
	int top;                    /* first entry shown */
	int y, x, width, shown;     /* where the entries were drawn */
};

/* Opens the menu on the column sorted by now. */
void sort_menu_open(struct sort_menu *m, const struct sort_spec *current);
/* A key while open: true when it chose, with *column set; the menu
 * closes on Enter, Esc, F6 and q, and ignores other keys. */
bool sort_menu_key(struct sort_menu *m, int key, enum column_id *column);
/* A click while open: on an entry chooses it, elsewhere closes. */
bool sort_menu_click(struct sort_menu *m, int y, int x, enum column_id *column);
/* Draws over the rows from `y`, at most `rows` lines. */
void sort_menu_draw(struct sort_menu *m, int y, int rows, const struct sort_spec *current);

#endif
