/* The grid's columns: which of core's columns it shows (the default set,
 * `:columns`, ui.columns, --columns), their titles and widths, and where
 * each goes at a terminal width. */
#ifndef THINGTOP_TUI_GRID_LAYOUT_H
#define THINGTOP_TUI_GRID_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "view.h"

#define GRID_COLUMNS_MAX 16

struct grid_columns {
	int count;
	struct column_ref refs[GRID_COLUMNS_MAX];
};

/* status, client_id, since, last_reason, ip, sessions, disconnects,
 * version, connect_failures, flags. */
void grid_columns_default(struct grid_columns *out);
/* A column list as view_column_list reads it ("status,client_id,attr.site"),
 * or "default"; false with *cause, *out untouched. */
bool grid_columns_parse(const char *list, struct grid_columns *out, char **cause);
/* Back to a list: "status,client_id,attr.site". */
void grid_columns_format(const struct grid_columns *cols, char *buf, size_t size);

struct grid_slot {
	int x, width;               /* width 0: not shown at this terminal width */
	char title[40];
	bool right;                 /* numbers and ages are right-aligned */
};

struct grid_layout {
	int count;                  /* as in the grid_columns it was made from */
	struct grid_slot slot[GRID_COLUMNS_MAX];
};

/* Places the columns in `width` cells: the client id takes what is left
 * (at least 20); when that is too little, the columns that matter least
 * (flags, failures, ip, ...) are left out first. */
void grid_layout_compute(const struct grid_columns *cols, int width, struct grid_layout *out);

#endif
