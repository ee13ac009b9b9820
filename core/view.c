/* The column table, cell text, sort specs and the view's rows.
 *
 * Sorting has to stay well under 100 ms for a million things, which a
 * comparison sort cannot do (qsort of 1M pointers: 330-450 ms here). So the
 * sort works in levels: a level is one sort key, and a string key has one
 * level per 8 bytes. Each run of rows still tied is given a 64-bit key for
 * its next level (numbers with the sign bit flipped, strings as 8 case-folded
 * bytes big-endian, inverted for a descending key) and LSD radix sorted,
 * skipping byte positions where every key agrees. Short runs finish with an
 * insertion sort that walks the same levels. After the spec's keys come the
 * client id (folded, then raw) and the thing id, so the order is total. */
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

/* Sort keys (Shift+letter): S status, I client id, A since (age),
 * R reason, P ip, V version, E session, O sessions, D disconnects,
 * U duplicates, F failures, G flags, C received. N is taken by "previous
 * match" and Z by pause. */
const struct column view_columns[COL_COUNT] = {
	[COL_STATUS] = {COL_STATUS, "status", "STATUS", 12, false, false, 'S', +1},
	[COL_CLIENT_ID] = {COL_CLIENT_ID, "client_id", "CLIENT ID", 0, false, false, 'I', +1},
	[COL_SINCE] = {COL_SINCE, "since", "SINCE", 7, true, true, 'A', -1},
	[COL_REASON] = {COL_REASON, "last_reason", "REASON", 20, false, false, 'R', +1},
	[COL_IP] = {COL_IP, "ip", "IP", 15, false, false, 'P', +1},
	[COL_VERSION] = {COL_VERSION, "version", "VER", 5, true, true, 'V', +1},
	[COL_SESSION_ID] = {COL_SESSION_ID, "session_id", "SESSION", 12, false, false, 'E', +1},
	[COL_SESSIONS] = {COL_SESSIONS, "sessions", "SESS", 5, true, true, 'O', -1},
	[COL_DISCONNECTS] = {COL_DISCONNECTS, "disconnects", "DISC", 5, true, true, 'D', -1},
	[COL_DUPLICATES] = {COL_DUPLICATES, "duplicates", "DUP", 4, true, true, 'U', -1},
	[COL_FAILURES] = {COL_FAILURES, "connect_failures", "FAIL", 4, true, true, 'F', -1},
	[COL_FLAGS] = {COL_FLAGS, "flags", "FLAGS", 9, false, false, 'G', -1},
	[COL_RECEIVED] = {COL_RECEIVED, "since_received", "RECEIVED", 7, true, true, 'C', -1},
};

/* Shorter names people will type; the canonical name is what is shown. */
static const struct {
	const char *name;
	enum column_id id;
} column_aliases[] = {
	{"reason", COL_REASON}, {"failures", COL_FAILURES}, {"received", COL_RECEIVED},
	{"age", COL_SINCE}, {"session", COL_SESSION_ID},
};
#define ALIAS_COUNT (sizeof column_aliases / sizeof column_aliases[0])

const struct column *view_column_by_name(const char *name)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (strcasecmp(name, view_columns[i].name) == 0)
			return &view_columns[i];
	for (size_t i = 0; i < ALIAS_COUNT; i++)
		if (strcasecmp(name, column_aliases[i].name) == 0)
			return &view_columns[column_aliases[i].id];
	return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[32];

	if (la >= 31 || lb >= 31)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *view_column_suggest(const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, len = strlen(name);

	for (size_t i = 0; i < COL_COUNT + ALIAS_COUNT; i++) {
		const char *cand = i < COL_COUNT ? view_columns[i].name : column_aliases[i - COL_COUNT].name;
		size_t d = edit_distance(name, cand);
		if (d < best_d) {
			best_d = d;
			best = cand;
		}
	}
	/* Close enough to be a typo, not a different word. */
	if (best && best_d <= 2 && best_d < len)
		return best;
	if (best && best_d <= len / 3)
		return best;
	return NULL;
}

static size_t put_text(char *buf, size_t size, const char *text)
{
	size_t len = strlen(text);
	if (size == 0)
		return 0;
	if (len >= size)
		len = size - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return len;
}

size_t view_cell_text(const struct fleet *fleet, const struct fleet_thing *thing,
                      enum column_id column, char *buf, size_t size)
{
	char tmp[EVENT_IP_MAX + 64];

	tmp[0] = '\0';
	switch (column) {
	case COL_STATUS:
		return put_text(buf, size, thing_status_name((enum thing_status)thing->status));
	case COL_CLIENT_ID:
		return put_text(buf, size, thing->client_id);
	case COL_SINCE:
		if (thing->since_ms)
			time_format_iso(thing->since_ms, tmp, sizeof tmp);
		break;
	case COL_REASON:
		return put_text(buf, size, fleet_reason_name(fleet, thing->last_reason));
	case COL_IP:
		fleet_thing_ip(thing, tmp, sizeof tmp);
		break;
	case COL_VERSION:
		if (thing->version >= 0)
			snprintf(tmp, sizeof tmp, "%lld", (long long)thing->version);
		break;
	case COL_SESSION_ID:
		return put_text(buf, size, thing->session_id);
	case COL_SESSIONS:
		snprintf(tmp, sizeof tmp, "%u", (unsigned)thing->sessions);
		break;
	case COL_DISCONNECTS:
		snprintf(tmp, sizeof tmp, "%u", (unsigned)thing->disconnects);
		break;
	case COL_DUPLICATES:
		snprintf(tmp, sizeof tmp, "%u", (unsigned)thing->duplicates);
		break;
	case COL_FAILURES:
		snprintf(tmp, sizeof tmp, "%u", (unsigned)thing->connect_failures);
		break;
	case COL_FLAGS: {
		const char *sep = "";
		size_t len = 0;
		if (fleet_thing_settling(fleet, thing)) {
			len += (size_t)snprintf(tmp + len, sizeof tmp - len, "%ssettling", sep);
			sep = "|";
		}
		if (fleet_thing_flapping(fleet, thing)) {
			len += (size_t)snprintf(tmp + len, sizeof tmp - len, "%sflapping", sep);
			sep = "|";
		}
		if (thing->flags & THING_UNCERTAIN)
			snprintf(tmp + len, sizeof tmp - len, "%suncertain", sep);
		break;
	}
	case COL_RECEIVED:
		if (thing->since_received_ms)
			time_format_iso(thing->since_received_ms, tmp, sizeof tmp);
		break;
	case COL_COUNT:
		break;
	}
	return put_text(buf, size, tmp);
}

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
		char name[32], shown[80];
		size_t at, len = 0;
		int direction = +1;
		const struct column *c;

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
		c = view_column_by_name(name);
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
			if (s.keys[k].column == c->id) {
				set_cause(cause, "column %zu: %s is already a sort key", at + 1, c->name);
				return false;
			}
		}
		if (s.count == SORT_KEYS_MAX) {
			set_cause(cause, "column %zu: at most %d sort keys", at + 1, SORT_KEYS_MAX);
			return false;
		}
		s.keys[s.count].column = c->id;
		s.keys[s.count].direction = direction;
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
		int n = snprintf(buf + len, size - len, "%s%s%s", k ? "," : "",
		                 spec->keys[k].direction < 0 ? "-" : "", view_columns[spec->keys[k].column].name);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

/* ---- The sort engine ---- */

enum {
	KEY_CLIENT_RAW = COL_COUNT, /* client id, byte order, not folded */
	KEY_THING_ID,
	KEYS_MAX = SORT_KEYS_MAX + 3,
	SMALL_RUN = 24,
};

struct sort_ctx {
	const struct fleet *fleet;
	int count;
	int kind[KEYS_MAX];
	int direction[KEYS_MAX];
};

struct pair {
	uint64_t key;
	const struct fleet_thing *thing;
};

static bool kind_is_text(int kind)
{
	return kind == COL_CLIENT_ID || kind == KEY_CLIENT_RAW || kind == COL_REASON ||
	       kind == COL_SESSION_ID;
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

static const char *text_of(const struct sort_ctx *ctx, const struct fleet_thing *thing, int kind)
{
	switch (kind) {
	case COL_REASON:
		return fleet_reason_name(ctx->fleet, thing->last_reason);
	case COL_SESSION_ID:
		return thing->session_id;
	default:
		return thing->client_id;
	}
}

static uint64_t flags_weight(const struct fleet *fleet, const struct fleet_thing *thing)
{
	/* Most alarming weighs most: flapping, then uncertain, then settling. */
	return (fleet_thing_flapping(fleet, thing) ? 4u : 0u) | (thing->flags & THING_UNCERTAIN ? 2u : 0u) |
	       (fleet_thing_settling(fleet, thing) ? 1u : 0u);
}

/* The 64-bit key of level (k, off) of a thing: ascending order of keys is
 * the wanted order. */
static uint64_t level_key(const struct sort_ctx *ctx, const struct fleet_thing *t, int k, size_t off)
{
	int kind = ctx->kind[k];
	uint64_t v = 0;

	if (kind_is_text(kind)) {
		const unsigned char *s = (const unsigned char *)text_of(ctx, t, kind) + off;
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
		switch (kind) {
		case COL_STATUS: v = t->status; break;
		case COL_SINCE: v = flip(t->since_ms); break;
		case COL_RECEIVED: v = flip(t->since_received_ms); break;
		case COL_VERSION: v = flip(t->version); break;
		case COL_SESSIONS: v = t->sessions; break;
		case COL_DISCONNECTS: v = t->disconnects; break;
		case COL_DUPLICATES: v = t->duplicates; break;
		case COL_FAILURES: v = t->connect_failures; break;
		case COL_FLAGS: v = flags_weight(ctx->fleet, t); break;
		default: v = t->id; break;
		}
	}
	return ctx->direction[k] < 0 ? ~v : v;
}

/* Does key k go on past level (k, off) for things tied up to here? */
static bool level_more(const struct sort_ctx *ctx, const struct fleet_thing *t, int k, size_t off)
{
	int kind = ctx->kind[k];

	if (kind_is_text(kind))
		return strnlen(text_of(ctx, t, kind) + off, 8) == 8;
	if (kind == COL_IP) {
		unsigned char b[32];
		return ip_bytes(t, b) > off + 8;
	}
	return false;
}

static int compare_from(const struct sort_ctx *ctx, const struct fleet_thing *a,
                        const struct fleet_thing *b, int k, size_t off)
{
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

static void sort_run(const struct sort_ctx *ctx, struct pair *pairs, struct pair *tmp, size_t n,
                     int k, size_t off)
{
	if (n <= SMALL_RUN) {
		for (size_t i = 1; i < n; i++) {
			struct pair p = pairs[i];
			size_t j = i;
			while (j > 0 && compare_from(ctx, p.thing, pairs[j - 1].thing, k, off) < 0) {
				pairs[j] = pairs[j - 1];
				j--;
			}
			pairs[j] = p;
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		pairs[i].key = level_key(ctx, pairs[i].thing, k, off);
	radix_sort(pairs, tmp, n);
	for (size_t start = 0; start < n;) {
		size_t end = start + 1;
		while (end < n && pairs[end].key == pairs[start].key)
			end++;
		if (end - start > 1) {
			if (level_more(ctx, pairs[start].thing, k, off))
				sort_run(ctx, pairs + start, tmp + start, end - start, k, off + 8);
			else if (k + 1 < ctx->count)
				sort_run(ctx, pairs + start, tmp + start, end - start, k + 1, 0);
		}
		start = end;
	}
}

static void sort_ctx_init(struct sort_ctx *ctx, const struct fleet *fleet, const struct sort_spec *spec)
{
	bool has_client = false;

	ctx->fleet = fleet;
	ctx->count = 0;
	for (int k = 0; k < spec->count && k < SORT_KEYS_MAX; k++) {
		ctx->kind[ctx->count] = spec->keys[k].column;
		ctx->direction[ctx->count++] = spec->keys[k].direction < 0 ? -1 : +1;
		if (spec->keys[k].column == COL_CLIENT_ID)
			has_client = true;
	}
	if (!has_client) {
		ctx->kind[ctx->count] = COL_CLIENT_ID;
		ctx->direction[ctx->count++] = +1;
	}
	ctx->kind[ctx->count] = KEY_CLIENT_RAW;
	ctx->direction[ctx->count++] = +1;
	ctx->kind[ctx->count] = KEY_THING_ID;
	ctx->direction[ctx->count++] = +1;
}

/* ---- View ---- */

struct view {
	char *filter_text;
	struct filter *filter;
	struct sort_spec sort;
	uint32_t *rows;          /* thing indexes in view order */
	size_t count;
	uint32_t *row_of;        /* thing index -> row, UINT32_MAX when filtered out */
	size_t things;           /* fleet_count at the last refresh */
	struct pair *pairs, *tmp;
	size_t capacity;
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

void view_refresh(struct view *view, const struct fleet *fleet)
{
	size_t n = fleet_count(fleet), m = 0;
	bool all = filter_is_empty(view->filter);
	struct sort_ctx ctx;

	if (n > view->capacity) {
		free(view->pairs);
		free(view->tmp);
		free(view->rows);
		view->pairs = xreallocarray(NULL, n, sizeof *view->pairs);
		view->tmp = xreallocarray(NULL, n, sizeof *view->tmp);
		view->rows = xreallocarray(NULL, n, sizeof *view->rows);
		view->capacity = n;
	}
	if (n != view->things || !view->row_of) {
		free(view->row_of);
		view->row_of = xreallocarray(NULL, n ? n : 1, sizeof *view->row_of);
		view->things = n;
	}
	for (size_t i = 0; i < n; i++) {
		const struct fleet_thing *thing = fleet_thing_at(fleet, i);
		if (all || filter_match(view->filter, fleet, thing))
			view->pairs[m++].thing = thing;
	}
	sort_ctx_init(&ctx, fleet, &view->sort);
	sort_run(&ctx, view->pairs, view->tmp, m, 0, 0);

	memset(view->row_of, 0xff, n * sizeof *view->row_of);
	for (size_t r = 0; r < m; r++) {
		uint32_t index = view->pairs[r].thing->id - 1;
		view->rows[r] = index;
		view->row_of[index] = (uint32_t)r;
	}
	view->count = m;
}

size_t view_count(const struct view *view)
{
	return view->count;
}

uint32_t view_row(const struct view *view, size_t row)
{
	return row < view->count ? view->rows[row] : UINT32_MAX;
}

size_t view_find(const struct view *view, uint32_t thing_index)
{
	if (thing_index >= view->things || view->row_of[thing_index] == UINT32_MAX)
		return (size_t)-1;
	return view->row_of[thing_index];
}
