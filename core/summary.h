/* The summary screen's model: the things of a view counted per value of one
 * column (thing type, a group, an attribute, the last reason, ...), split by
 * status, the groups in trouble first. "Which site is down" at a glance. */
#ifndef THINGTOP_SUMMARY_H
#define THINGTOP_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "fleet.h"
#include "view.h"

struct summary_group {
	const char *value;              /* the cell text; "" for things without one */
	size_t count[STATUS_COUNT];     /* things per enum thing_status */
	size_t uncertain;               /* of those, flagged uncertain */
	size_t total;
};

struct summary;

/* Counts the rows of `view` (filtered, as the grid shows them) per value of
 * column `by`. For `groups` a thing counts once in each of its groups. The
 * groups come sorted by trouble: most disconnected first, then the larger
 * disconnected share, then most never-seen, then by value. */
struct summary *summary_build(const struct fleet *fleet, const struct view *view,
                              const struct column_ref *by);
void summary_destroy(struct summary *summary);
size_t summary_count(const struct summary *summary);
const struct summary_group *summary_group_at(const struct summary *summary, size_t index);
/* The column the summary counts by. */
const struct column_ref *summary_column(const struct summary *summary);

/* The ids (fleet_thing.id, sorted) of the rows of `view` whose `by` cell
 * holds `value` (for groups: one of its groups is `value`); for the grid's
 * drill-down (filter_set_ids takes the array). Returns the count; *ids is
 * NULL when it is 0. */
size_t summary_group_ids(const struct fleet *fleet, const struct view *view,
                         const struct column_ref *by, const char *value, uint32_t **ids);

#endif
