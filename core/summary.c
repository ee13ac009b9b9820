/* Counting things per column value: collect (value, status) pairs of the
 * view's rows, sort them by value, and fold each run into one group. Sorting
 * keeps this simple and O(n log n) whatever the number of distinct values. */
#include "summary.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct summary {
	struct column_ref by;
	struct summary_group *groups;
	size_t count;
	char *text;                 /* every value, NUL-separated; groups point here */
};

struct pair {
	size_t offset;              /* of the value in the text buffer */
	uint8_t status;
	bool uncertain;
};

struct collect {
	struct pair *pairs;
	size_t count, capacity;
	char *text;
	size_t text_len, text_capacity;
};

static void collect_add(struct collect *c, const char *value, size_t len,
                        const struct fleet_thing *thing)
{
	if (c->count == c->capacity) {
		c->capacity = c->capacity ? c->capacity * 2 : 256;
		c->pairs = xreallocarray(c->pairs, c->capacity, sizeof(*c->pairs));
	}
	while (c->text_len + len + 1 > c->text_capacity) {
		c->text_capacity = c->text_capacity ? c->text_capacity * 2 : 4096;
		c->text = xrealloc(c->text, c->text_capacity);
	}
	memcpy(c->text + c->text_len, value, len);
	c->text[c->text_len + len] = '\0';
	c->pairs[c->count++] = (struct pair){
		.offset = c->text_len,
		.status = thing->status < STATUS_COUNT ? thing->status : STATUS_UNKNOWN,
		.uncertain = (thing->flags & THING_UNCERTAIN) != 0,
	};
	c->text_len += len + 1;
}

/* Calls add once per value of the thing's cell: once, or once per group. */
static void thing_values(const struct fleet *fleet, const struct fleet_thing *thing,
                         const struct column_ref *by, struct collect *c)
{
	char cell[1024];
	view_cell_text_ref(fleet, thing, by, cell, sizeof(cell));
	size_t len = strlen(cell);
	if (by->id != COL_GROUPS || len == 0) {
		collect_add(c, cell, len, thing);
		return;
	}
	const char *start = cell;
	for (;;) {
		const char *comma = strchr(start, ',');
		size_t part = comma ? (size_t)(comma - start) : strlen(start);
		collect_add(c, start, part, thing);
		if (!comma)
			break;
		start = comma + 1;
	}
}

static const char *sort_text;   /* qsort has no context argument in C11 */

static int compare_pairs(const void *a, const void *b)
{
	const struct pair *pa = a, *pb = b;
	return strcmp(sort_text + pa->offset, sort_text + pb->offset);
}

static int compare_trouble(const void *a, const void *b)
{
	const struct summary_group *ga = a, *gb = b;
	size_t da = ga->count[STATUS_DISCONNECTED], db = gb->count[STATUS_DISCONNECTED];
	if (da != db)
		return da > db ? -1 : 1;
	/* da/ta against db/tb without division */
	unsigned long long sa = (unsigned long long)da * gb->total;
	unsigned long long sb = (unsigned long long)db * ga->total;
	if (sa != sb)
		return sa > sb ? -1 : 1;
	size_t ua = ga->count[STATUS_UNKNOWN], ub = gb->count[STATUS_UNKNOWN];
	if (ua != ub)
		return ua > ub ? -1 : 1;
	return strcmp(ga->value, gb->value);
}

struct summary *summary_build(const struct fleet *fleet, const struct view *view,
                              const struct column_ref *by)
{
	struct collect c = {0};
	size_t rows = view_count(view);
	for (size_t row = 0; row < rows; row++)
		thing_values(fleet, fleet_thing_at(fleet, view_row(view, row)), by, &c);

	sort_text = c.text;
	if (c.count)
		qsort(c.pairs, c.count, sizeof(*c.pairs), compare_pairs);

	struct summary *s = xcalloc(1, sizeof(*s));
	s->by = *by;
	s->text = c.text;
	s->groups = c.count ? xcalloc(c.count, sizeof(*s->groups)) : NULL;
	for (size_t i = 0; i < c.count; i++) {
		const char *value = c.text + c.pairs[i].offset;
		if (s->count == 0 || strcmp(s->groups[s->count - 1].value, value) != 0)
			s->groups[s->count++].value = value;
		struct summary_group *g = &s->groups[s->count - 1];
		g->count[c.pairs[i].status]++;
		g->uncertain += c.pairs[i].uncertain;
		g->total++;
	}
	free(c.pairs);
	if (s->count)
		qsort(s->groups, s->count, sizeof(*s->groups), compare_trouble);
	return s;
}

void summary_destroy(struct summary *summary)
{
	if (!summary)
		return;
	free(summary->groups);
	free(summary->text);
	free(summary);
}

size_t summary_count(const struct summary *summary)
{
	return summary->count;
}

const struct summary_group *summary_group_at(const struct summary *summary, size_t index)
{
	return index < summary->count ? &summary->groups[index] : NULL;
}

const struct column_ref *summary_column(const struct summary *summary)
{
	return &summary->by;
}

static bool thing_has_value(const struct fleet *fleet, const struct fleet_thing *thing,
                            const struct column_ref *by, const char *value)
{
	char cell[1024];
	view_cell_text_ref(fleet, thing, by, cell, sizeof(cell));
	size_t len = strlen(cell);
	if (by->id != COL_GROUPS || len == 0)
		return strcmp(cell, value) == 0;
	size_t want = strlen(value);
	for (const char *start = cell;;) {
		const char *comma = strchr(start, ',');
		size_t part = comma ? (size_t)(comma - start) : strlen(start);
		if (part == want && memcmp(start, value, part) == 0)
			return true;
		if (!comma)
			return false;
		start = comma + 1;
	}
}

static int compare_ids(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

size_t summary_group_ids(const struct fleet *fleet, const struct view *view,
                         const struct column_ref *by, const char *value, uint32_t **ids)
{
	size_t count = 0, rows = view_count(view);
	*ids = NULL;
	for (size_t row = 0; row < rows; row++) {
		const struct fleet_thing *thing = fleet_thing_at(fleet, view_row(view, row));
		if (!thing_has_value(fleet, thing, by, value))
			continue;
		if (!*ids)
			*ids = xmalloc(rows * sizeof(**ids));
		(*ids)[count++] = thing->id;
	}
	if (count)
		qsort(*ids, count, sizeof(**ids), compare_ids);
	return count;
}
