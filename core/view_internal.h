/* Shared by view.c (sorting) and view_columns.c (cells); not for callers. */
#ifndef THINGTOP_VIEW_INTERNAL_H
#define THINGTOP_VIEW_INTERNAL_H

#include "view.h"

/* The registry text a column shows ("" when none); attr for COL_ATTR.
 * Borrowed from the fleet until it changes. */
const char *view_registry_text(const struct fleet *fleet, const struct fleet_thing *thing,
                               enum column_id column, const char *attr);

#endif
