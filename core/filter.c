/* The filter language of view.h: parsed once into terms, matched per thing
 * on every refresh, so matching avoids allocation and formats a cell's
 * text only for terms that need it (regex, exact text). */
#include "view.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

enum term_kind {
	TERM_WORD,      /* client id contains (case-insensitive) */
	TERM_EQUAL,     /* cell text equals */
	TERM_REGEX,
	TERM_COMPARE,
};

enum compare_op { CMP_GT, CMP_LT, CMP_GE, CMP_LE };

struct term {
	enum term_kind kind;
	bool negate;
	enum column_id column;
	struct column_ref *ref; /* registry attribute terms (attr.NAME) only */
	char *value;            /* lower-cased for TERM_WORD */
	int status;             /* TERM_EQUAL on status */
	unsigned flags_mask;    /* TERM_EQUAL on flags; 0 = no flag set */
	enum compare_op op;
	int64_t number;         /* TERM_COMPARE: count, version or age in ms */
	regex_t regex;
};

struct filter {
	struct term *terms;
	size_t count;
	uint32_t *ids;          /* owned; sorted */
	size_t id_count;
	bool has_ids;
};

#define FLAG_SETTLING 1u
#define FLAG_FLAPPING 2u
#define FLAG_UNCERTAIN 4u
#define REGEX_MAX 256

/* Column of a byte offset as the user counts it: characters, 1-based. */
static size_t char_column(const char *expr, size_t offset)
{
	size_t col = 1;
	for (size_t i = 0; i < offset; i++)
		if (((unsigned char)expr[i] & 0xc0) != 0x80)
			col++;
	return col;
}

/* User text echoed in an error: escaped and cut short. */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
	text_escape(s, len, buf, size, false);
	return buf;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Reads a value from expr[*pos]: unquoted up to white space, with "quoted
 * parts" (\" and \\ escapes) anywhere. */
static char *read_value(const char *expr, size_t *pos, char **cause)
{
	size_t i = *pos, len = 0, cap = 16;
	char *out = xmalloc(cap);

	while (expr[i] && !is_space(expr[i])) {
		if (len + 2 >= cap)
			out = xrealloc(out, cap *= 2);
		if (expr[i] != '"') {
			out[len++] = expr[i++];
			continue;
		}
		size_t open = i++;
		while (expr[i] != '"') {
			if (expr[i] == '\0') {
				set_cause(cause, "column %zu: unterminated quote", char_column(expr, open));
				free(out);
				return NULL;
			}
			if (expr[i] == '\\' && (expr[i + 1] == '"' || expr[i + 1] == '\\'))
				i++;
			if (len + 2 >= cap)
				out = xrealloc(out, cap *= 2);
			out[len++] = expr[i++];
		}
		i++;
	}
	out[len] = '\0';
	*pos = i;
	return out;
}

static bool parse_status(struct term *term, size_t col, char **cause)
{
	for (int s = 0; s < STATUS_COUNT; s++) {
		if (strcasecmp(term->value, thing_status_name((enum thing_status)s)) == 0) {
			term->status = s;
			return true;
		}
	}
	char buf[64];
	set_cause(cause, "column %zu: unknown status \"%s\" (valid: connected, disconnected, unknown)",
	          col, shown(term->value, strlen(term->value), buf, sizeof buf));
	return false;
}

static bool parse_flags(struct term *term, size_t col, char **cause)
{
	static const struct {
		const char *name;
		unsigned mask;
	} names[] = {
		{"", 0}, {"settling", FLAG_SETTLING}, {"flapping", FLAG_FLAPPING},
		{"uncertain", FLAG_UNCERTAIN},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcasecmp(term->value, names[i].name) == 0) {
			term->flags_mask = names[i].mask;
			return true;
		}
	}
	char buf[64];
	set_cause(cause, "column %zu: unknown flag \"%s\" (valid: settling, flapping, uncertain, or empty for none)",
	          col, shown(term->value, strlen(term->value), buf, sizeof buf));
	return false;
}

/* glibc's regcomp expands counted repetitions and regexec backtracks on
 * back-references: a typed (or fuzzed) pattern could stall the UI. */
static bool regex_reasonable(const char *re, const char **why)
{
	int intervals = 0, repeats = 0;
	bool after_repeat = false;

	if (strlen(re) > REGEX_MAX) {
		*why = "longer than 256 bytes";
		return false;
	}
	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1] >= '1' && p[1] <= '9') {
			*why = "back-references are not supported";
			return false;
		}
		if (*p == '\\' && p[1]) {
			p++;
			after_repeat = false;
			continue;
		}
		if (*p == '[') {
			/* A bracket expression's characters are literal. */
			const char *q = p + 1;
			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']')
				q++;
			if (!*q)
				break; /* regcomp reports the unbalanced bracket */
			p = q;
			after_repeat = false;
			continue;
		}
		if (*p == '*' || *p == '+' || *p == '?' || *p == '{') {
			/* "a+++" and friends make glibc's compiler blow up. */
			if (after_repeat || ++repeats > 16) {
				*why = "too many repetition operators";
				return false;
			}
			after_repeat = true;
		} else {
			after_repeat = false;
		}
		if (*p == '{') {
			long n = 0;
			for (const char *q = p + 1; *q && *q != '}'; q++) {
				if (*q >= '0' && *q <= '9') {
					n = n * 10 + (*q - '0');
					if (n > 100)
						break;
				} else {
					n = 0;
				}
			}
			if (n > 100 || ++intervals > 2) {
				*why = "repetition counts are limited to two, each at most 100";
				return false;
			}
		}
	}
	return true;
}

static bool parse_compare_value(struct term *term, const struct column *c, size_t col, char **cause)
{
	char buf[64];
	const char *v = term->value;

	if (c->type == COLUMN_TIME) {
		if (time_parse_duration(v, &term->number))
			return true;
		set_cause(cause, "column %zu: %s takes a duration like 30s, 10m, 2h or 1d, not \"%s\"",
		          col, c->name, shown(v, strlen(v), buf, sizeof buf));
		return false;
	}
	char *end;
	long long n = strtoll(v, &end, 10);
	if (*v && (*v == '-' || (*v >= '0' && *v <= '9')) && *end == '\0' && n > -1000000000000LL &&
	    n < 1000000000000000000LL) {
		term->number = n;
		return true;
	}
	set_cause(cause, "column %zu: %s takes a number, not \"%s\"", col, c->name,
	          shown(v, strlen(v), buf, sizeof buf));
	return false;
}

static void term_finish(struct term *term)
{
	if (term->kind == TERM_REGEX)
		regfree(&term->regex);
	free(term->value);
	free(term->ref);
}

/* The field of a field:value term, expr[name_at..name_end), into the
 * term's column (and ref for attr.NAME) and `name` (as typed); NULL with
 * *cause naming the unknown field. */
static const struct column *parse_field(struct term *term, const char *expr, size_t name_at,
                                        size_t name_end, char name[VIEW_ATTR_MAX + 8], char **cause)
{
	size_t len = name_end - name_at, col = char_column(expr, name_at);
	const struct column *c = NULL;
	struct column_ref ref;
	char buf[64];

	if (len < VIEW_ATTR_MAX + 8) {
		memcpy(name, expr + name_at, len);
		name[len] = '\0';
		c = view_column_parse(name, &ref);
	}
	if (!c) {
		const char *near = len < VIEW_ATTR_MAX + 8 ? view_column_suggest(name) : NULL;
		if (near)
			set_cause(cause, "column %zu: unknown field \"%s\" (did you mean \"%s\"?)", col,
			          shown(expr + name_at, len, buf, sizeof buf), near);
		else
			set_cause(cause, "column %zu: unknown field \"%s\" (fields: %s)", col,
			          shown(expr + name_at, len, buf, sizeof buf), view_column_names());
		return NULL;
	}
	term->column = c->id;
	if (c->id == COL_ATTR) {
		term->ref = xmalloc(sizeof *term->ref);
		*term->ref = ref;
	}
	return c;
}

/* The operator at expr[*i] (one of : ~ < > <= >=) into the term. */
static void parse_operator(struct term *term, const char *expr, size_t *i)
{
	switch (expr[(*i)++]) {
	case ':':
		term->kind = TERM_EQUAL;
		break;
	case '~':
		term->kind = TERM_REGEX;
		break;
	default:
		term->kind = TERM_COMPARE;
		term->op = expr[*i - 1] == '>' ? CMP_GT : CMP_LT;
		if (expr[*i] == '=') {
			term->op = term->op == CMP_GT ? CMP_GE : CMP_LE;
			(*i)++;
		}
		break;
	}
}

static bool compile_regex(struct term *term, size_t col, char **cause)
{
	const char *why;
	char buf[64];
	int rc;

	if (!regex_reasonable(term->value, &why)) {
		set_cause(cause, "column %zu: bad regex: %s", col, why);
		return false;
	}
	rc = regcomp(&term->regex, term->value, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc != 0) {
		char msg[128];
		regerror(rc, &term->regex, msg, sizeof msg);
		set_cause(cause, "column %zu: bad regex \"%s\": %s", col,
		          shown(term->value, strlen(term->value), buf, sizeof buf), msg);
		return false;
	}
	return true;
}

/* Checks and prepares a field term's value, which starts at column col. */
static bool parse_field_value(struct term *term, const struct column *c, size_t col, char **cause)
{
	if (term->kind == TERM_COMPARE)
		return parse_compare_value(term, c, col, cause);
	if (term->kind == TERM_EQUAL && term->column == COL_STATUS)
		return parse_status(term, col, cause);
	if (term->kind == TERM_EQUAL && term->column == COL_FLAGS)
		return parse_flags(term, col, cause);
	if (term->kind == TERM_REGEX)
		return compile_regex(term, col, cause);
	return true;
}

/* Parses the term at expr[*pos]; on success appends it to the filter. */
static bool parse_term(struct filter *filter, const char *expr, size_t *pos, char **cause)
{
	struct term term = {.kind = TERM_WORD};
	size_t i = *pos, name_at, name_end;

	if (expr[i] == '!') {
		term.negate = true;
		i++;
		if (expr[i] == '\0' || is_space(expr[i])) {
			set_cause(cause, "column %zu: '!' needs a term after it", char_column(expr, i - 1));
			return false;
		}
	}
	name_at = i;
	name_end = i;
	while ((expr[name_end] >= 'a' && expr[name_end] <= 'z') ||
	       (expr[name_end] >= 'A' && expr[name_end] <= 'Z') || expr[name_end] == '_')
		name_end++;
	/* attr.NAME: an attribute name takes digits and _.@/#- too. */
	if (name_end - name_at == 4 && strncasecmp(expr + name_at, "attr", 4) == 0 &&
	    expr[name_end] == '.')
		while (expr[name_end] && !is_space(expr[name_end]) && !strchr(":~<>\"", expr[name_end]))
			name_end++;
	if (name_end > name_at && strchr(":~<>", expr[name_end]) && expr[name_end]) {
		char name[VIEW_ATTR_MAX + 8];
		const struct column *c = parse_field(&term, expr, name_at, name_end, name, cause);
		if (!c)
			return false;
		i = name_end;
		parse_operator(&term, expr, &i);
		if (term.kind == TERM_COMPARE && !c->numeric) {
			set_cause(cause, "column %zu: %s is not numeric: use %s:value or %s~regex",
			          char_column(expr, name_at), name, name, name);
			goto fail;
		}
		size_t value_at = i;
		term.value = read_value(expr, &i, cause);
		if (!term.value || !parse_field_value(&term, c, char_column(expr, value_at), cause))
			goto fail;
	} else {
		term.value = read_value(expr, &i, cause);
		if (!term.value)
			return false;
		text_fold_ascii(term.value);
	}
	filter->terms = xreallocarray(filter->terms, filter->count + 1, sizeof *filter->terms);
	filter->terms[filter->count++] = term;
	*pos = i;
	return true;
fail:
	free(term.value);
	free(term.ref);
	return false;
}

struct filter *filter_parse(const char *expr, char **cause)
{
	struct filter *filter = xcalloc(1, sizeof *filter);
	size_t i = 0;

	if (!expr)
		return filter;
	for (;;) {
		while (is_space(expr[i]))
			i++;
		if (expr[i] == '\0')
			break;
		if (!parse_term(filter, expr, &i, cause)) {
			filter_destroy(filter);
			return NULL;
		}
	}
	return filter;
}

void filter_destroy(struct filter *filter)
{
	if (!filter)
		return;
	for (size_t i = 0; i < filter->count; i++)
		term_finish(&filter->terms[i]);
	free(filter->terms);
	free(filter->ids);
	free(filter);
}

/* Takes ownership of `ids` (sorted thing ids); NULL lifts the restriction. */
void filter_set_ids(struct filter *filter, uint32_t *ids, size_t count)
{
	free(filter->ids);
	filter->ids = ids;
	filter->id_count = ids ? count : 0;
	filter->has_ids = ids != NULL;
}

static unsigned thing_flag_mask(const struct fleet *fleet, const struct fleet_thing *thing)
{
	unsigned mask = 0;
	if (fleet_thing_settling(fleet, thing))
		mask |= FLAG_SETTLING;
	if (fleet_thing_flapping(fleet, thing))
		mask |= FLAG_FLAPPING;
	if (thing->flags & THING_UNCERTAIN)
		mask |= FLAG_UNCERTAIN;
	return mask;
}

/* The number a comparison reads; false when the thing has none (never
 * seen, no version), so such things match no comparison. */
static bool numeric_value(const struct fleet *fleet, const struct fleet_thing *thing,
                          enum column_id column, int64_t *v)
{
	switch (column) {
	case COL_SINCE:
		*v = fleet_clock(fleet) - thing->since_ms;
		return thing->since_ms != 0;
	case COL_RECEIVED:
		*v = fleet_clock(fleet) - thing->since_received_ms;
		return thing->since_received_ms != 0;
	case COL_VERSION:
		*v = fleet_thing_version(thing);
		return *v >= 0;
	case COL_SESSIONS:
		*v = thing->sessions;
		return true;
	case COL_DISCONNECTS:
		*v = thing->disconnects;
		return true;
	case COL_DUPLICATES:
		*v = thing->duplicates;
		return true;
	case COL_FAILURES:
		*v = thing->connect_failures;
		return true;
	default:
		return false;
	}
}

static void cell_text(const struct term *term, const struct fleet *fleet,
                      const struct fleet_thing *thing, char *buf, size_t size)
{
	if (term->ref)
		view_cell_text_ref(fleet, thing, term->ref, buf, size);
	else
		view_cell_text(fleet, thing, term->column, buf, size);
}

static bool term_match(const struct term *term, const struct fleet *fleet,
                       const struct fleet_thing *thing)
{
	char buf[1024];  /* attribute values run to 800 bytes */
	int64_t v;

	switch (term->kind) {
	case TERM_WORD:
		return text_contains_nocase(thing->client_id, term->value);
	case TERM_EQUAL:
		switch (term->column) {
		case COL_STATUS:
			return thing->status == term->status;
		case COL_FLAGS: {
			unsigned mask = thing_flag_mask(fleet, thing);
			return term->flags_mask ? (mask & term->flags_mask) != 0 : mask == 0;
		}
		case COL_REASON:
			return strcasecmp(fleet_reason_name(fleet, thing->last_reason), term->value) == 0;
		case COL_CLIENT_ID:
			return strcmp(thing->client_id, term->value) == 0;
		default:
			cell_text(term, fleet, thing, buf, sizeof buf);
			return strcmp(buf, term->value) == 0;
		}
	case TERM_REGEX:
		if (term->column == COL_CLIENT_ID)
			return regexec(&term->regex, thing->client_id, 0, NULL, 0) == 0;
		cell_text(term, fleet, thing, buf, sizeof buf);
		return regexec(&term->regex, buf, 0, NULL, 0) == 0;
	case TERM_COMPARE:
		if (!numeric_value(fleet, thing, term->column, &v))
			return false;
		switch (term->op) {
		case CMP_GT: return v > term->number;
		case CMP_LT: return v < term->number;
		case CMP_GE: return v >= term->number;
		case CMP_LE: return v <= term->number;
		}
		return false;
	}
	return false;
}

static int id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

bool filter_match(const struct filter *filter, const struct fleet *fleet, const struct fleet_thing *thing)
{
	if (filter->has_ids &&
	    !bsearch(&thing->id, filter->ids, filter->id_count, sizeof *filter->ids, id_cmp))
		return false;
	for (size_t i = 0; i < filter->count; i++) {
		const struct term *term = &filter->terms[i];
		if (term_match(term, fleet, thing) == term->negate)
			return false;
	}
	return true;
}

bool filter_is_empty(const struct filter *filter)
{
	return filter->count == 0 && !filter->has_ids;
}
