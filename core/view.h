/* What the grid and `export` show: the column table, the filter language
 * and the sort spec, shared by the TUI and the CSV export so both show the
 * same rows in the same order.
 *
 * Filter language (terms separated by spaces, all must match):
 *   word            client id contains word (case-insensitive)
 *   field:value     the column's text equals value (status:connected,
 *                   reason:CONNECTION_LOST; case-insensitive for status,
 *                   reason and flags, exact otherwise)
 *   field~regex     POSIX extended regex search on the column's text (case-insensitive)
 *   field>N field<N field>=N field<=N   numeric columns (sessions>3, since>10m for age)
 *   registry fields from `thingtop sync`: thing_type:press, groups~line-1,
 *   attr.site:berlin (attribute names of letters, digits and _.@/#-)
 *   !term           negation
 *   "quoted words"  a value with spaces; \" and \\ escape inside quotes
 * Sort spec: col[,-col]... by column name; '-' descending, '+' or none ascending.
 * Errors name the column (1-based) of the offending term. */
#ifndef THINGTOP_VIEW_H
#define THINGTOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet.h"

enum column_id {
	COL_STATUS,
	COL_CLIENT_ID,
	COL_SINCE,         /* ISO 8601 UTC of since_ms in CSV; age in the grid; sorts by time */
	COL_REASON,        /* last disconnect reason */
	COL_IP,
	COL_VERSION,
	COL_SESSION_ID,
	COL_SESSIONS,
	COL_DISCONNECTS,
	COL_DUPLICATES,
	COL_FAILURES,      /* connect failures */
	COL_FLAGS,         /* "settling", "flapping", "uncertain", joined by '|' */
	COL_RECEIVED,      /* since_received_ms, ISO 8601 */
	/* Registry fields (from `thingtop sync`), "" for things without them;
	 * not among the default columns of the grid and the export. */
	COL_THING_TYPE,
	COL_GROUPS,        /* group names joined by ',' */
	COL_ATTR,          /* attr.NAME: the name comes with a column_ref */
	COL_COUNT
};
/* The columns the grid and `export` show unless asked for others. */
#define COL_DEFAULT_COUNT (COL_RECEIVED + 1)
#define VIEW_ATTR_MAX 128

/* A column as named in a filter, sort spec or column list. */
struct column_ref {
	enum column_id id;
	char attr[VIEW_ATTR_MAX + 1];   /* COL_ATTR: the attribute's name */
};

/* How a column's value reads: the filter compares TEXT exactly, KEYWORD
 * case-insensitively, and NUMBER and TIME (an age in the filter and the
 * grid, a date in the CSV) with > < as well. */
enum column_type {
	COLUMN_TEXT,
	COLUMN_KEYWORD,
	COLUMN_NUMBER,
	COLUMN_TIME,
};

/* A cell's text as the filter and the CSV see it (raw, unescaped), at most
 * size-1 bytes; returns the length. attr: COL_ATTR's attribute, else NULL. */
typedef size_t column_cell_fn(const struct fleet *fleet, const struct fleet_thing *thing,
                              const char *attr, char *buf, size_t size);

/* One column of the fleet table, as data: the filter, the sort spec, the
 * CSV export, the grid and `thingtop help columns` all read this table. */
struct column {
	enum column_id id;
	const char *name;         /* filter field, sort spec and CSV header: "client_id" */
	enum column_type type;
	bool right_align;         /* the grid right-aligns it */
	bool numeric;             /* takes > < comparisons (NUMBER and TIME) */
	char sort_key;            /* Shift+letter in the grid, e.g. 'S' for status */
	int default_direction;    /* +1 ascending, -1 descending */
	const char *description;  /* one line for help and the man page */
	column_cell_fn *cell;
};

extern const struct column view_columns[COL_COUNT];
/* The table for those who list it (help, man page): columns 0 to
 * view_column_count()-1 in the grid's default order; NULL past the end. */
size_t view_column_count(void);
const struct column *view_column_at(size_t i);
/* The column names a filter takes, for messages: "status, client_id, ...,
 * attr.NAME". */
const char *view_column_names(void);
const struct column *view_column_by_name(const char *name);
/* The column name (or alias) nearest to a misspelt `name`, or NULL when
 * none is close; for "did you mean" messages. */
const char *view_column_suggest(const char *name);

/* "status", "reason" (an alias) or "attr.site" into *out; NULL when no
 * such column. */
const struct column *view_column_parse(const char *name, struct column_ref *out);
/* The canonical name: "last_reason", "attr.site". */
void view_column_ref_name(const struct column_ref *ref, char *buf, size_t size);

/* A cell's text as the filter and the CSV see it (raw, unescaped).
 * COL_ATTR needs view_cell_text_ref. */
size_t view_cell_text(const struct fleet *fleet, const struct fleet_thing *thing,
                      enum column_id column, char *buf, size_t size);
size_t view_cell_text_ref(const struct fleet *fleet, const struct fleet_thing *thing,
                          const struct column_ref *ref, char *buf, size_t size);
/* A list "status,client_id,attr.site" into refs (at most max); returns the
 * count, or -1 with *cause naming the bad entry. */
int view_column_list(const char *list, struct column_ref *refs, int max, char **cause);

/* ---- Filter ---- */
struct filter;
/* NULL with *cause like "column 8: unknown field \"stauts\" (did you mean \"status\"?)". */
struct filter *filter_parse(const char *expr, char **cause);
void filter_destroy(struct filter *filter);
bool filter_match(const struct filter *filter, const struct fleet *fleet, const struct fleet_thing *thing);
/* Restricts the filter to a fixed set of thing ids (timeline drill-down),
 * on top of its terms; takes ownership of the sorted array `ids`. */
void filter_set_ids(struct filter *filter, uint32_t *ids, size_t count);
/* True when the filter matches everything (no terms, no id restriction). */
bool filter_is_empty(const struct filter *filter);

/* ---- Sort ---- */
#define SORT_KEYS_MAX 4
struct sort_spec {
	int count;
	struct {
		enum column_id column;
		int direction;  /* +1 or -1 */
		char attr[VIEW_ATTR_MAX + 1]; /* COL_ATTR: the attribute */
	} keys[SORT_KEYS_MAX];
};
/* "" gives the default order (status, then client_id). */
bool sort_parse(const char *spec, struct sort_spec *out, char **cause);
/* Back to text: "status,-since". */
void sort_format(const struct sort_spec *spec, char *buf, size_t size);

/* ---- View: the filtered, sorted rows ---- */
struct view;
struct view *view_create(void);
void view_destroy(struct view *view);
/* Both keep the old setting and return false with *cause on an error. */
bool view_set_filter(struct view *view, const char *expr, char **cause);
bool view_set_sort(struct view *view, const char *spec, char **cause);
void view_set_sort_spec(struct view *view, const struct sort_spec *spec);
const char *view_filter_text(const struct view *view);
const struct sort_spec *view_sort(const struct view *view);
struct filter *view_filter(struct view *view);

/* Recomputes the rows from the fleet (all things, filtered, sorted; ties
 * broken by client id so the order is total). Fast enough for a million
 * things well under 100 ms: see view.c. */
void view_refresh(struct view *view, const struct fleet *fleet);
/* The same for a view refreshed only once (an export): with a filter, the
 * matches alone are sorted, not every thing by client id first. */
void view_refresh_once(struct view *view, const struct fleet *fleet);
size_t view_count(const struct view *view);
/* The thing index (fleet_thing_at) of row `row`. */
uint32_t view_row(const struct view *view, size_t row);
/* Row of a thing index, or (size_t)-1 when filtered out. */
size_t view_find(struct view *view, uint32_t thing_index);

#endif
