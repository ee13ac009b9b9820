/* The fleet view as CSV: the one function behind `thingtop export` and
 * the TUI's Ctrl-S, so both write the same bytes. */
#ifndef THINGTOP_EXPORT_H
#define THINGTOP_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "fleet.h"
#include "view.h"

/* Header row, then one row per thing of the view in its order, every
 * column of view_columns. The view must be refreshed. */
void export_view_csv(const struct view *view, const struct fleet *fleet, FILE *out);

/* Writes to `path` atomically (temp file + rename). */
bool export_view_csv_file(const struct view *view, const struct fleet *fleet, const char *path,
                          char **cause);

#endif
