/* The grid's column set and its layout at a width. Titles and widths are
 * the grid's own (core's table has the names, types and cells). */
#include "build_config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grid_layout.h"
#include "xalloc.h"

/* How the grid shows a column: `drop` says which go first when the
 * terminal is narrow (lower goes first, 0 = never); width 0 takes the
 * room that is left (the client id). */
struct grid_style {
	const char *title;
	int width;
	int drop;
};

static const struct grid_style styles[COL_COUNT] = {
	[COL_STATUS] = { "ST", 4, 0 },
	[COL_CLIENT_ID] = { "CLIENT ID", 0, 0 },
	[COL_SINCE] = { "SINCE", 8, 0 },
	[COL_REASON] = { "LAST REASON", 20, 8 },
	[COL_IP] = { "IP", 15, 3 },
	[COL_VERSION] = { "VER", 5, 4 },
	[COL_SESSION_ID] = { "SESSION", 36, 2 },
	[COL_SESSIONS] = { "SESS", 5, 5 },
	[COL_DISCONNECTS] = { "DISC", 5, 6 },
	[COL_DUPLICATES] = { "DUP", 5, 4 },
	[COL_FAILURES] = { "FAIL", 5, 2 },
	[COL_FLAGS] = { "FLAGS", 18, 1 },
	[COL_RECEIVED] = { "RECEIVED", 8, 3 },
	[COL_THING_TYPE] = { "TYPE", 12, 7 },
	[COL_GROUPS] = { "GROUPS", 20, 7 },
	[COL_ATTR] = { NULL, 0, 7 },     /* the attribute's name, its own width */
};
#define CLIENT_MIN 20
#define ATTR_MIN 10
#define ATTR_MAX 24

static const enum column_id default_columns[] = {
	COL_STATUS, COL_CLIENT_ID, COL_SINCE, COL_REASON, COL_IP, COL_SESSIONS,
	COL_DISCONNECTS, COL_VERSION, COL_FAILURES, COL_FLAGS,
};

void grid_columns_default(struct grid_columns *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < sizeof default_columns / sizeof default_columns[0]; i++)
		out->refs[out->count++].id = default_columns[i];
}

bool grid_columns_parse(const char *list, struct grid_columns *out, char **cause)
{
	if (strcasecmp(list, "default") == 0) {
		grid_columns_default(out);
		return true;
	}
	struct grid_columns cols = { 0 };
	cols.count = view_column_list(list, cols.refs, GRID_COLUMNS_MAX, cause);
	if (cols.count < 0)
		return false;
	*out = cols;
	return true;
}

void grid_columns_format(const struct grid_columns *cols, char *buf, size_t size)
{
	size_t n = 0;
	if (size > 0)
		buf[0] = '\0';
	for (int i = 0; i < cols->count && n < size; i++) {
		char name[VIEW_ATTR_MAX + 8];
		view_column_ref_name(&cols->refs[i], name, sizeof name);
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i > 0 ? "," : "", name);
	}
}

/* The fixed width of a column; 0 for the one that takes the rest. */
static int column_width(const struct column_ref *ref)
{
	if (ref->id != COL_ATTR)
		return styles[ref->id].width;
	int w = (int)strlen(ref->attr) + 1;
	return w < ATTR_MIN ? ATTR_MIN : w > ATTR_MAX ? ATTR_MAX : w;
}

static void column_title(const struct column_ref *ref, char *buf, size_t size)
{
	if (ref->id != COL_ATTR) {
		snprintf(buf, size, "%s", styles[ref->id].title);
		return;
	}
	/* Attribute names are letters, digits and _.@/#- (view_column_parse). */
	size_t i = 0;
	for (; ref->attr[i] != '\0' && i + 1 < size; i++)
		buf[i] = (char)toupper((unsigned char)ref->attr[i]);
	buf[i] = '\0';
}

static int fixed_width(const struct grid_columns *cols, const bool *shown)
{
	int fixed = 0;
	for (int i = 0; i < cols->count; i++) {
		if (shown[i])
			fixed += column_width(&cols->refs[i]) + 1;
	}
	return fixed;
}

void grid_layout_compute(const struct grid_columns *cols, int width, struct grid_layout *out)
{
	bool shown[GRID_COLUMNS_MAX];
	bool flexible = false;
	for (int i = 0; i < cols->count; i++) {
		shown[i] = true;
		flexible |= column_width(&cols->refs[i]) == 0;
	}
	/* Without a client id column, the columns need only fit. */
	int need = flexible ? CLIENT_MIN : 0;
	while (width - fixed_width(cols, shown) < need) {
		/* Drop the lowest-priority column still shown. */
		int best = -1;
		for (int i = 0; i < cols->count; i++) {
			int drop = styles[cols->refs[i].id].drop;
			if (shown[i] && drop > 0 && (best < 0 || drop < styles[cols->refs[best].id].drop))
				best = i;
		}
		if (best < 0)
			break;
		shown[best] = false;
	}
	int fixed = fixed_width(cols, shown);
	int x = 0;
	out->count = cols->count;
	for (int i = 0; i < cols->count; i++) {
		const struct column_ref *ref = &cols->refs[i];
		struct grid_slot *slot = &out->slot[i];
		column_title(ref, slot->title, sizeof slot->title);
		const struct column *col = &view_columns[ref->id];
		slot->right = col->right_align || col->numeric;
		slot->x = x;
		slot->width = 0;
		if (!shown[i])
			continue;
		int w = column_width(ref);
		if (w == 0 && (w = width - fixed - 1) < 8)
			w = 8;
		slot->width = w;
		x += w + 1;
	}
}
