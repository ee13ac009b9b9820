/* Sort specs and the view's rows (the column table is in view_columns.c).
 *
 * Sorting has to stay well under 100 ms for a million things, which a
 * comparison sort cannot do (qsort of 1M pointers: 330-450 ms here). The
 * view keeps every thing in client id order across refreshes (client ids
 * never change, so new things are sorted alone and merged in); a refresh
 * filters in that order, then LSD radix sorts the rows stably by each spec
 * key, last key first, so ties always end in client id order. A numeric
 * key is one 64-bit radix sort (sign bit flipped, inverted when
 * descending). A string key takes 8 case-folded bytes big-endian per
 * level: each run still tied goes on to the next 8 bytes, and short runs
 * finish with an insertion sort. */
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "view_internal.h"
#include "xalloc.h"

/* ---- Sort spec ---- */

bool sort_parse(const char *spec, struct sort_spec *out, char **cause)
{
	struct sort_spec s = {0};
	size_t i = 0;

	if (!spec)
		spec = "";
	while (spec[i] == ' ')
		i++;
	if (spec[i] == '\0') {
		s.count = 2;
		s.keys[0].column = COL_STATUS;
		s.keys[0].direction = +1;
		s.keys[1].column = COL_CLIENT_ID;
		s.keys[1].direction = +1;
		*out = s;
		return true;
	}
	for (;;) {
		char name[VIEW_ATTR_MAX + 8], shown[80];
		size_t at, len = 0;
		int direction = +1;
		const struct column *c;
		struct column_ref ref;

		while (spec[i] == ' ')
			i++;
		at = i;
		if (spec[i] == '-' || spec[i] == '+') {
			direction = spec[i] == '-' ? -1 : +1;
			i++;
		}
		while (spec[i] && spec[i] != ',' && spec[i] != ' ') {
			if (len + 1 < sizeof name)
				name[len] = spec[i];
			len++;
			i++;
		}
		if (len == 0) {
			set_cause(cause, "column %zu: expected a column name", at + 1);
			return false;
		}
		if (len >= sizeof name) {
			set_cause(cause, "column %zu: unknown column", at + 1);
			return false;
		}
		name[len] = '\0';
		c = view_column_parse(name, &ref);
		if (!c) {
			const char *near = view_column_suggest(name);
			text_escape(name, len, shown, sizeof shown, false);
			if (near)
				set_cause(cause, "column %zu: unknown column \"%s\" (did you mean \"%s\"?)",
				          at + 1, shown, near);
			else
				set_cause(cause, "column %zu: unknown column \"%s\"", at + 1, shown);
			return false;
		}
		for (int k = 0; k < s.count; k++) {
			if (s.keys[k].column == c->id && strcmp(s.keys[k].attr, ref.attr) == 0) {
				set_cause(cause, "column %zu: %s is already a sort key", at + 1, name);
				return false;
			}
		}
		if (s.count == SORT_KEYS_MAX) {
			set_cause(cause, "column %zu: at most %d sort keys", at + 1, SORT_KEYS_MAX);
			return false;
		}
		s.keys[s.count].column = c->id;
		s.keys[s.count].direction = direction;
		memcpy(s.keys[s.count].attr, ref.attr, sizeof ref.attr);
		s.count++;
		while (spec[i] == ' ')
			i++;
		if (spec[i] == '\0')
			break;
		if (spec[i] != ',') {
			set_cause(cause, "column %zu: expected ',' between sort keys", i + 1);
			return false;
		}
		i++;
	}
	*out = s;
	return true;
}

void sort_format(const struct sort_spec *spec, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (int k = 0; k < spec->count && len < size; k++) {
		char name[VIEW_ATTR_MAX + 8];
		struct column_ref ref = {.id = spec->keys[k].column};
		memcpy(ref.attr, spec->keys[k].attr, sizeof ref.attr);
		ref.attr[VIEW_ATTR_MAX] = '\0';
		view_column_ref_name(&ref, name, sizeof name);
		int n = snprintf(buf + len, size - len, "%s%s%s", k ? "," : "",
		                 spec->keys[k].direction < 0 ? "-" : "", name);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

/* ---- The sort engine ---- */

enum {
	KEY_CLIENT_RAW = COL_COUNT, /* client id, byte order, not folded */
	KEY_THING_ID,
	KEYS_MAX = 3,
	SMALL_RUN = 24,
};

/* The keys one string sort walks through, level by level. */
struct sort_ctx {
	const struct fleet *fleet;
	const char *attr;        /* COL_ATTR keys: the attribute */
	int count;
	int kind[KEYS_MAX];
	int direction[KEYS_MAX];
};

/* Packed: 12 bytes, not 16, as two of these arrays span the whole fleet. */
struct __attribute__((packed)) pair {
	uint64_t key;
	uint32_t index;  /* fleet_thing_at index */
};

static bool kind_is_registry(int kind)
{
	return kind == COL_THING_TYPE || kind == COL_GROUPS || kind == COL_ATTR;
}

static bool kind_is_text(int kind)
{
	return kind == COL_CLIENT_ID || kind == KEY_CLIENT_RAW || kind == COL_SESSION_ID ||
	       kind_is_registry(kind);
}

static uint64_t flip(int64_t v)
{
	return (uint64_t)v ^ (UINT64_C(1) << 63);
}

/* IPs sort none < IPv4 < IPv6 < other text, addresses numerically: the
 * bytes are a family rank followed by the address. */
static size_t ip_bytes(const struct fleet_thing *thing, unsigned char *out)
{
	switch (thing->ip_family) {
	case 4:
		out[0] = 1;
		memcpy(out + 1, thing->ip, 4);
		return 5;
	case 6:
		out[0] = 2;
		memcpy(out + 1, thing->ip, 16);
		return 17;
	case 255: {
		size_t n = strnlen(thing->ip_text, sizeof thing->ip_text);
		out[0] = 3;
		memcpy(out + 1, thing->ip_text, n);
		return n + 1;
	}
	default:
		return 0;
	}
}

/* buf: FLEET_SESSION_ID_BUF bytes, for a session id made from its bytes. */
static const char *text_of(const struct sort_ctx *ctx, const struct fleet_thing *thing, int kind,
                           char *buf)
{
	if (kind_is_registry(kind))
		return view_registry_text(ctx->fleet, thing, (enum column_id)kind, ctx->attr);
	return kind == COL_SESSION_ID ? fleet_thing_session_id(ctx->fleet, thing, buf) : thing->client_id;
}

/* The 64-bit key of level (k, off) of a thing for a string-like key:
 * 8 bytes from offset `off`, folded unless raw, big-endian, zero padded. */
static uint64_t level_key(const struct sort_ctx *ctx, const struct fleet_thing *t, int k, size_t off)
{
	int kind = ctx->kind[k];
	uint64_t v = 0;

	if (kind_is_text(kind)) {
		char buf[FLEET_SESSION_ID_BUF];
		const unsigned char *s = (const unsigned char *)text_of(ctx, t, kind, buf) + off;
		int i = 0;
		if (kind == KEY_CLIENT_RAW) {
			for (; i < 8 && s[i]; i++)
				v = v << 8 | s[i];
		} else {
			for (; i < 8 && s[i]; i++)
				v = v << 8 | (s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32u : s[i]);
		}
		if (i > 0 && i < 8)
			v <<= 8 * (8 - i);
	} else if (kind == COL_IP) {
		unsigned char b[32] = {0};
		ip_bytes(t, b);
		for (int i = 0; i < 8; i++)
			v = v << 8 | b[off + (size_t)i];
	} else {
		v = t->id;
	}
	return ctx->direction[k] < 0 ? ~v : v;
}

/* Does key k go on past level (k, off) for things tied up to here? */
static bool level_more(const struct sort_ctx *ctx, const struct fleet_thing *t, int k, size_t off)
{
	int kind = ctx->kind[k];

	if (kind_is_text(kind)) {
		char buf[FLEET_SESSION_ID_BUF];
		return strnlen(text_of(ctx, t, kind, buf) + off, 8) == 8;
	}
	if (kind == COL_IP) {
		unsigned char b[32];
		return ip_bytes(t, b) > off + 8;
	}
	return false;
}

static int compare_from(const struct sort_ctx *ctx, uint32_t ia, uint32_t ib, int k, size_t off)
{
	const struct fleet_thing *a = fleet_thing_at(ctx->fleet, ia), *b = fleet_thing_at(ctx->fleet, ib);

	while (k < ctx->count) {
		uint64_t ka = level_key(ctx, a, k, off), kb = level_key(ctx, b, k, off);
		if (ka != kb)
			return ka < kb ? -1 : 1;
		if (level_more(ctx, a, k, off)) {
			off += 8;
		} else {
			k++;
			off = 0;
		}
	}
	return 0;
}

/* Stable LSD radix sort of n pairs by key; tmp has room for n. */
static void radix_sort(struct pair *pairs, struct pair *tmp, size_t n)
{
	size_t count[8][256] = {{0}};
	struct pair *src = pairs, *dst = tmp;

	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		uint64_t key = pairs[i].key;
		for (int b = 0; b < 8; b++)
			count[b][(key >> (8 * b)) & 0xff]++;
	}
	for (int b = 0; b < 8; b++) {
		size_t offset[256], sum = 0;
		unsigned first = (pairs[0].key >> (8 * b)) & 0xff;

		if (count[b][first] == n)
			continue; /* every key has the same byte here */
		for (int v = 0; v < 256; v++) {
			offset[v] = sum;
			sum += count[b][v];
		}
		for (size_t i = 0; i < n; i++)
			dst[offset[(src[i].key >> (8 * b)) & 0xff]++] = src[i];
		struct pair *swap = src;
		src = dst;
		dst = swap;
	}
	if (src != pairs)
		memcpy(pairs, src, n * sizeof *pairs);
}

/* Stable sort of a run tied before level (k, off): radix on the level's
 * key, then the same for each run still tied, down to the last key. */
static void sort_run(const struct sort_ctx *ctx, struct pair *pairs, struct pair *tmp, size_t n,
                     int k, size_t off, bool keys_ready)
{
	if (n <= SMALL_RUN && !keys_ready) {
		for (size_t i = 1; i < n; i++) {
			struct pair p = pairs[i];
			size_t j = i;
			while (j > 0 && compare_from(ctx, p.index, pairs[j - 1].index, k, off) < 0) {
				pairs[j] = pairs[j - 1];
				j--;
			}
			pairs[j] = p;
		}
		return;
	}
	if (!keys_ready)
		for (size_t i = 0; i < n; i++)
			pairs[i].key = level_key(ctx, fleet_thing_at(ctx->fleet, pairs[i].index), k, off);
	radix_sort(pairs, tmp, n);
	for (size_t start = 0; start < n;) {
		size_t end = start + 1;
		while (end < n && pairs[end].key == pairs[start].key)
			end++;
		if (end - start > 1) {
			const struct fleet_thing *t = fleet_thing_at(ctx->fleet, pairs[start].index);
			if (level_more(ctx, t, k, off))
				sort_run(ctx, pairs + start, tmp + start, end - start, k, off + 8, false);
			else if (k + 1 < ctx->count)
				sort_run(ctx, pairs + start, tmp + start, end - start, k + 1, 0, false);
		}
		start = end;
	}
}

static uint64_t flags_weight(const struct fleet *fleet, const struct fleet_thing *thing)
{
	/* Most alarming weighs most: flapping, then uncertain, then settling. */
	return (fleet_thing_flapping(fleet, thing) ? 4u : 0u) | (thing->flags & THING_UNCERTAIN ? 2u : 0u) |
	       (fleet_thing_settling(fleet, thing) ? 1u : 0u);
}

static int reason_cmp(const struct fleet *fleet, uint8_t a, uint8_t b)
{
	const char *x = fleet_reason_name(fleet, a), *y = fleet_reason_name(fleet, b);
	int d = strcasecmp(x, y);
	return d ? d : strcmp(x, y);
}

/* Reason ids ranked by their names (folded, then raw): at most 256 of
 * them, so an insertion sort. */
static void reason_ranks(const struct fleet *fleet, uint8_t rank[256])
{
	uint8_t ids[256];
	size_t count = fleet_reason_count(fleet);

	if (count > 256)
		count = 256;
	memset(rank, 0, 256);
	for (size_t i = 0; i < count; i++) {
		size_t j = i;
		while (j > 0 && reason_cmp(fleet, (uint8_t)i, ids[j - 1]) < 0) {
			ids[j] = ids[j - 1];
			j--;
		}
		ids[j] = (uint8_t)i;
	}
	for (size_t i = 0; i < count; i++)
		rank[ids[i]] = (uint8_t)i;
}

static uint64_t numeric_key(const struct fleet *fleet, const struct fleet_thing *t, enum column_id column,
                            const uint8_t *reason_rank)
{
	switch (column) {
	case COL_STATUS: return t->status;
	case COL_SINCE: return flip(t->since_ms);
	case COL_RECEIVED: return flip(t->since_received_ms);
	case COL_VERSION: return flip(fleet_thing_version(t));
	case COL_SESSIONS: return t->sessions;
	case COL_DISCONNECTS: return t->disconnects;
	case COL_DUPLICATES: return t->duplicates;
	case COL_FAILURES: return t->connect_failures;
	case COL_FLAGS: return flags_weight(fleet, t);
	case COL_REASON: return reason_rank[t->last_reason];
	default: return t->id;
	}
}

/* ---- View ---- */

struct view {
	char *filter_text;
	struct filter *filter;
	struct sort_spec sort;
	uint32_t *rows;          /* thing indexes in view order */
	size_t count;
	uint32_t *row_of;        /* thing index -> row, UINT32_MAX when filtered out */
	bool row_of_valid;       /* row_of matches rows (see make_row_of) */
	size_t things;           /* fleet_count at the last refresh */
	struct pair *pairs, *tmp;  /* tmp: radix scratch, also per-thing keys and matches before it */
	size_t capacity;

	/* Every thing index in client id order (folded, then raw), kept
	 * across refreshes: client ids never change, so new things are
	 * sorted alone and merged in. Each refresh starts from this order and
	 * radix sorts stably by the spec's keys, last key first. */
	uint32_t *by_client;
	size_t ranked;
	uint64_t ranked_fleet;   /* fleet_identity of the fleet ranked */
};

struct view *view_create(void)
{
	struct view *view = xcalloc(1, sizeof *view);
	view->filter_text = xstrdup("");
	view->filter = filter_parse("", NULL);
	sort_parse("", &view->sort, NULL);
	return view;
}

void view_destroy(struct view *view)
{
	if (!view)
		return;
	free(view->filter_text);
	filter_destroy(view->filter);
	free(view->rows);
	free(view->row_of);
	free(view->pairs);
	free(view->tmp);
	free(view->by_client);
	free(view);
}

bool view_set_filter(struct view *view, const char *expr, char **cause)
{
	struct filter *filter = filter_parse(expr ? expr : "", cause);
	if (!filter)
		return false;
	filter_destroy(view->filter);
	view->filter = filter;
	free(view->filter_text);
	view->filter_text = xstrdup(expr ? expr : "");
	return true;
}

bool view_set_sort(struct view *view, const char *spec, char **cause)
{
	struct sort_spec s;
	if (!sort_parse(spec, &s, cause))
		return false;
	view->sort = s;
	return true;
}

void view_set_sort_spec(struct view *view, const struct sort_spec *spec)
{
	view->sort = *spec;
	if (view->sort.count > SORT_KEYS_MAX)
		view->sort.count = SORT_KEYS_MAX;
	if (view->sort.count < 0)
		view->sort.count = 0;
}

const char *view_filter_text(const struct view *view)
{
	return view->filter_text;
}

const struct sort_spec *view_sort(const struct view *view)
{
	return &view->sort;
}

struct filter *view_filter(struct view *view)
{
	return view->filter;
}

/* The client order: client id folded, then as is, then thing id (total). */
static struct sort_ctx client_order(const struct fleet *fleet)
{
	return (struct sort_ctx){
		.fleet = fleet,
		.count = 3,
		.kind = {COL_CLIENT_ID, KEY_CLIENT_RAW, KEY_THING_ID},
		.direction = {+1, +1, +1},
	};
}

/* Brings by_client up to date with the fleet's things. */
static void update_client_order(struct view *view, const struct fleet *fleet)
{
	size_t n = fleet_count(fleet), old, fresh;
	struct sort_ctx ctx = client_order(fleet);

	/* A fleet only ever gains things at its end; another fleet (even
	 * one at the same address) starts the ranking over. */
	if (fleet_identity(fleet) != view->ranked_fleet || n < view->ranked)
		view->ranked = 0;
	old = view->ranked;
	if (old == n)
		return;
	fresh = n - old;
	view->by_client = xreallocarray(view->by_client, n, sizeof *view->by_client);

	/* Sort the new things alone (pairs and tmp have room for n). */
	for (size_t i = 0; i < fresh; i++)
		view->pairs[i].index = (uint32_t)(old + i);
	sort_run(&ctx, view->pairs, view->tmp, fresh, 0, 0, false);

	/* Merge: each new thing goes after the old ones that sort before it,
	 * found by binary search, so a few new things cost little more than
	 * moving the old order along. */
	uint32_t *merged = (uint32_t *)view->tmp;
	size_t at = 0, out = 0;
	for (size_t i = 0; i < fresh; i++) {
		uint32_t index = view->pairs[i].index;
		size_t lo = at, hi = old;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (compare_from(&ctx, view->by_client[mid], index, 0, 0) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		memcpy(merged + out, view->by_client + at, (lo - at) * sizeof *merged);
		out += lo - at;
		at = lo;
		merged[out++] = index;
	}
	memcpy(merged + out, view->by_client + at, (old - at) * sizeof *merged);
	memcpy(view->by_client, merged, n * sizeof *merged);

	view->ranked = n;
	view->ranked_fleet = fleet_identity(fleet);
}

/* Stable sort of the rows by one column. */
static void sort_by_column(struct view *view, const struct fleet *fleet, size_t m,
                           enum column_id column, const char *attr, int direction,
                           const uint8_t *reason_rank)
{
	size_t n = fleet_count(fleet);
	bool text = column == COL_SESSION_ID || column == COL_IP || kind_is_registry(column);
	struct sort_ctx ctx = {.fleet = fleet, .attr = attr, .count = 1, .kind = {(int)column},
	                       .direction = {direction}};

	/* The first level's keys in thing order read the fleet sequentially;
	 * the rows then pick theirs from a compact array. */
	if (m > n / 4) {
		/* tmp is free until the radix sort: it holds a key per thing
		 * (8 of its 12 bytes a thing), saving an array the fleet's size. */
		uint64_t *keys = (uint64_t *)(void *)view->tmp;
		for (size_t i = 0; i < n; i++) {
			const struct fleet_thing *t = fleet_thing_at(fleet, i);
			keys[i] = text ? level_key(&ctx, t, 0, 0) : numeric_key(fleet, t, column, reason_rank);
		}
		for (size_t r = 0; r < m; r++)
			view->pairs[r].key = keys[view->pairs[r].index];
	} else {
		for (size_t r = 0; r < m; r++) {
			const struct fleet_thing *t = fleet_thing_at(fleet, view->pairs[r].index);
			view->pairs[r].key = text ? level_key(&ctx, t, 0, 0) : numeric_key(fleet, t, column, reason_rank);
		}
	}
	if (text) {
		/* Strings longer than 8 bytes go on level by level where tied. */
		sort_run(&ctx, view->pairs, view->tmp, m, 0, 0, true);
		return;
	}
	if (direction < 0)
		for (size_t r = 0; r < m; r++)
			view->pairs[r].key = ~view->pairs[r].key;
	radix_sort(view->pairs, view->tmp, m);
}

/* once: no later refresh will come (an export), so with a filter only the
 * matches are put in client order, and no order of every thing is kept. */
static void refresh(struct view *view, const struct fleet *fleet, bool once)
{
	size_t n = fleet_count(fleet), m = 0;
	int last = view->sort.count;
	bool reverse = false;
	uint8_t reason_rank[256];

	if (n > view->capacity) {
		free(view->pairs);
		free(view->tmp);
		free(view->rows);
		view->pairs = xreallocarray(NULL, n, sizeof *view->pairs);
		view->tmp = xreallocarray(NULL, n, sizeof *view->tmp);
		view->rows = xreallocarray(NULL, n, sizeof *view->rows);
		view->capacity = n;
	}
	view->things = n;
	view->row_of_valid = false;
	bool matches_only = once && !filter_is_empty(view->filter);
	if (!matches_only)
		update_client_order(view, fleet);

	/* Filter in thing order (sequential reads), collect in client order. */
	if (filter_is_empty(view->filter)) {
		for (size_t i = 0; i < n; i++)
			view->pairs[i].index = view->by_client[i];
		m = n;
	} else if (matches_only) {
		for (size_t i = 0; i < n; i++)
			if (filter_match(view->filter, fleet, fleet_thing_at(fleet, i)))
				view->pairs[m++].index = (uint32_t)i;
		struct sort_ctx ctx = client_order(fleet);
		sort_run(&ctx, view->pairs, view->tmp, m, 0, 0, false);
	} else {
		/* tmp is free before sorting: a byte a thing for the matches. */
		uint8_t *match = (uint8_t *)view->tmp;
		for (size_t i = 0; i < n; i++)
			match[i] = filter_match(view->filter, fleet, fleet_thing_at(fleet, i));
		for (size_t i = 0; i < n; i++)
			if (match[view->by_client[i]])
				view->pairs[m++].index = view->by_client[i];
	}

	/* Client ids are unique, so keys after a client_id key change nothing;
	 * a descending client_id key is the client order reversed. */
	for (int k = 0; k < view->sort.count; k++) {
		if (view->sort.keys[k].column == COL_CLIENT_ID) {
			last = k;
			reverse = view->sort.keys[k].direction < 0;
			break;
		}
	}
	if (reverse) {
		for (size_t a = 0, b = m; a + 1 < b; a++, b--) {
			struct pair p = view->pairs[a];
			view->pairs[a] = view->pairs[b - 1];
			view->pairs[b - 1] = p;
		}
	}
	reason_ranks(fleet, reason_rank);
	for (int k = last - 1; k >= 0; k--)
		sort_by_column(view, fleet, m, view->sort.keys[k].column, view->sort.keys[k].attr,
		               view->sort.keys[k].direction < 0 ? -1 : +1, reason_rank);

	for (size_t r = 0; r < m; r++)
		view->rows[r] = view->pairs[r].index;
	view->count = m;
}

void view_refresh(struct view *view, const struct fleet *fleet)
{
	refresh(view, fleet, false);
}

void view_refresh_once(struct view *view, const struct fleet *fleet)
{
	refresh(view, fleet, true);
}

size_t view_count(const struct view *view)
{
	return view->count;
}

uint32_t view_row(const struct view *view, size_t row)
{
	return row < view->count ? view->rows[row] : UINT32_MAX;
}

/* row_of is made on the first find after a refresh: an export never
 * asks, and saves its 4 bytes a thing. */
static void make_row_of(struct view *view)
{
	size_t n = view->things;
	view->row_of = xreallocarray(view->row_of, n ? n : 1, sizeof *view->row_of);
	memset(view->row_of, 0xff, n * sizeof *view->row_of);
	for (size_t r = 0; r < view->count; r++)
		view->row_of[view->rows[r]] = (uint32_t)r;
	view->row_of_valid = true;
}

size_t view_find(struct view *view, uint32_t thing_index)
{
	if (thing_index >= view->things)
		return (size_t)-1;
	if (!view->row_of_valid)
		make_row_of(view);
	if (view->row_of[thing_index] == UINT32_MAX)
		return (size_t)-1;
	return view->row_of[thing_index];
}
