/* The fleet view as CSV: the one function behind `thingtop export` and
 * the TUI's Ctrl-S, so both write the same bytes. */
#ifndef THINGTOP_EXPORT_H
#define THINGTOP_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "fleet.h"
#include "view.h"

/* Header row, then one row per thing of the view in its order, the
 * default columns (view_columns up to COL_DEFAULT_COUNT). The view must be
 * refreshed. */
void export_view_csv(const struct view *view, const struct fleet *fleet, FILE *out);
/* The same with the columns asked for (columns NULL: the default ones). */
void export_view_csv_columns(const struct view *view, const struct fleet *fleet,
                             const struct column_ref *columns, int count, FILE *out);

/* Writes to `path` atomically (temp file + rename). */
bool export_view_csv_file(const struct view *view, const struct fleet *fleet, const char *path,
                          char **cause);
bool export_view_csv_file_columns(const struct view *view, const struct fleet *fleet,
                                  const struct column_ref *columns, int count, const char *path,
                                  char **cause);

#endif
