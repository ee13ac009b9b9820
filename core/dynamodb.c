/* DynamoDB typed JSON back to plain JSON (see dynamodb.h). The text is
 * written by hand rather than through jansson values, so a number keeps
 * the exact digits DynamoDB stored ("1767225547954", "0.10"). */
#include "build_config.h"

#include "dynamodb.h"
#include "json_internal.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n + 1) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* A JSON string literal; jansson has already checked the UTF-8. */
static void buf_quoted(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	buf_add(b, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			buf_add(b, esc, 2);
		} else {
			buf_add(b, esc, 6);
		}
	}
	buf_add(b, s + run, len - run);
	buf_add(b, "\"", 1);
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number_text(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && s[i] >= '1' && s[i] <= '9')
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (i < len && s[i] == '.') {
		size_t digits = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == digits)
			return false;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t digits = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == digits)
			return false;
	}
	return i == len;
}

struct convert {
	struct buf out;
	char *cause;
	char path[160];             /* where the bad value is, for the cause */
};

static bool fail(struct convert *cv, const char *what)
{
	if (!cv->cause)
		cv->cause = xasprintf("%s: %s", cv->path, what);
	return false;
}

/* Appends ".key" or "[i]" to the path; returns the old length to restore. */
static size_t path_push(struct convert *cv, const char *key, size_t index)
{
	size_t old = strlen(cv->path);
	if (key)
		snprintf(cv->path + old, sizeof cv->path - old, ".%.40s", key);
	else
		snprintf(cv->path + old, sizeof cv->path - old, "[%zu]", index);
	return old;
}

static bool convert_value(struct convert *cv, const json_t *typed, int depth);

static bool convert_number(struct convert *cv, const json_t *v)
{
	if (!json_is_string(v))
		return fail(cv, "a number (N) must be given as a string");
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (!json_number_text(s, len))
		return fail(cv, "a number (N) is not a JSON number");
	buf_add(&cv->out, s, len);
	return true;
}

static bool convert_map(struct convert *cv, const json_t *v, int depth)
{
	const char *key;
	json_t *member;
	bool first = true;

	if (!json_is_object(v))
		return fail(cv, "a map (M) must be an object");
	buf_add(&cv->out, "{", 1);
	json_object_foreach((json_t *)v, key, member) {
		if (!first)
			buf_add(&cv->out, ",", 1);
		first = false;
		buf_quoted(&cv->out, key, strlen(key));
		buf_add(&cv->out, ":", 1);
		size_t old = path_push(cv, key, 0);
		if (!convert_value(cv, member, depth + 1))
			return false;
		cv->path[old] = '\0';
	}
	buf_add(&cv->out, "}", 1);
	return true;
}

/* L (typed values), SS, NS, BS (plain strings). */
static bool convert_list(struct convert *cv, const json_t *v, char kind, int depth)
{
	size_t i;
	json_t *member;

	if (!json_is_array(v))
		return fail(cv, "a list or set must be an array");
	buf_add(&cv->out, "[", 1);
	json_array_foreach((json_t *)v, i, member) {
		if (i > 0)
			buf_add(&cv->out, ",", 1);
		size_t old = path_push(cv, NULL, i);
		bool ok;
		if (kind == 'L')
			ok = convert_value(cv, member, depth + 1);
		else if (kind == 'N')
			ok = convert_number(cv, member);
		else if ((ok = json_is_string(member)))
			buf_quoted(&cv->out, json_string_value(member), json_string_length(member));
		else
			ok = fail(cv, "a string or binary set holds a non-string");
		if (!ok)
			return false;
		cv->path[old] = '\0';
	}
	buf_add(&cv->out, "]", 1);
	return true;
}

static bool convert_value(struct convert *cv, const json_t *typed, int depth)
{
	if (depth > DYNAMODB_DEPTH_MAX)
		return fail(cv, "nested too deep");
	if (!json_is_object(typed) || json_object_size(typed) != 1)
		return fail(cv, "not a typed value (an object with one key: S, N, BOOL, M, L, ...)");
	const char *tag = json_object_iter_key(json_object_iter((json_t *)typed));
	const json_t *v = json_object_iter_value(json_object_iter((json_t *)typed));

	if (strcmp(tag, "S") == 0 || strcmp(tag, "B") == 0) {
		if (!json_is_string(v))
			return fail(cv, "a string (S) or binary (B) value is not a string");
		buf_quoted(&cv->out, json_string_value(v), json_string_length(v));
		return true;
	}
	if (strcmp(tag, "N") == 0)
		return convert_number(cv, v);
	if (strcmp(tag, "BOOL") == 0) {
		if (!json_is_boolean(v))
			return fail(cv, "BOOL is not true or false");
		buf_str(&cv->out, json_is_true(v) ? "true" : "false");
		return true;
	}
	if (strcmp(tag, "NULL") == 0) {
		buf_str(&cv->out, "null");
		return true;
	}
	if (strcmp(tag, "M") == 0)
		return convert_map(cv, v, depth);
	if (strcmp(tag, "L") == 0 || strcmp(tag, "SS") == 0 || strcmp(tag, "NS") == 0 ||
	    strcmp(tag, "BS") == 0)
		return convert_list(cv, v, tag[0] == 'S' ? 'S' : tag[0], depth);
	return fail(cv, "unknown type tag (not S, N, B, BOOL, NULL, M, L, SS, NS, BS)");
}

bool dynamodb_value_to_json(const json_t *typed, const char *path, char **out, size_t *len,
                            char **cause)
{
	struct convert cv = {0};
	snprintf(cv.path, sizeof cv.path, "%s", path);
	if (!convert_value(&cv, typed, 0)) {
		free(cv.out.p);
		if (cause)
			*cause = cv.cause;
		else
			free(cv.cause);
		return false;
	}
	if (!cv.out.p)
		buf_add(&cv.out, "", 0);
	*out = cv.out.p;
	*len = cv.out.len;
	return true;
}

/* A string attribute of the item ({"S": ...}), or of its event map. */
static const char *item_string(const json_t *item, const char *name)
{
	const json_t *v = json_object_get(json_object_get(item, name), "S");
	if (json_is_string(v))
		return json_string_value(v);
	const json_t *event = json_object_get(json_object_get(item, "event"), "M");
	v = json_object_get(json_object_get(event, name), "S");
	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool dynamodb_item_convert(const json_t *item, struct dynamodb_message *out, char **cause)
{
	memset(out, 0, sizeof *out);
	if (!json_is_object(item)) {
		set_cause(cause, "an item is not an object");
		return false;
	}
	const json_t *event = json_object_get(item, "event");
	if (!event) {
		set_cause(cause, "item has no \"event\" attribute (the rule's payload map)");
		return false;
	}
	if (!json_is_object(json_object_get(event, "M"))) {
		set_cause(cause, "item's \"event\" attribute is not a map (M)");
		return false;
	}
	if (!dynamodb_value_to_json(event, "event", &out->payload, &out->payload_len, cause))
		return false;
	/* topic(4) and topic(5) of '$aws/events/presence/+/+'; other families
	 * only for items someone wrote with a wider rule. */
	const char *type = item_string(item, "eventType");
	const char *client = item_string(item, "clientId");
	if (type && client) {
		enum event_type t = event_type_from_name(type);
		const char *family =
			t == EVENT_SUBSCRIBED || t == EVENT_UNSUBSCRIBED ? "subscriptions" : "presence";
		out->topic = xasprintf("$aws/events/%s/%s/%s", family, type, client);
	}
	return true;
}

void dynamodb_message_finish(struct dynamodb_message *msg)
{
	free(msg->topic);
	free(msg->payload);
	memset(msg, 0, sizeof *msg);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The first key of the first object: Items, Item, ... (false when none). */
static bool first_key(const char *head, size_t len, const char *const *keys, size_t count)
{
	size_t i = 0;
	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && is_space(head[i]))
		i++;
	if (i >= len || head[i++] != '{')
		return false;
	while (i < len && is_space(head[i]))
		i++;
	if (i >= len || head[i++] != '"')
		return false;
	for (size_t k = 0; k < count; k++) {
		size_t n = strlen(keys[k]);
		if (len - i > n && memcmp(head + i, keys[k], n) == 0 && head[i + n] == '"')
			return true;
	}
	return false;
}

bool dynamodb_is_export(const char *head, size_t len)
{
	static const char *const keys[] = {"Item"};
	return first_key(head, len, keys, 1);
}

bool dynamodb_detect(const char *head, size_t len)
{
	static const char *const keys[] = {"Items", "Item", "Count", "ScannedCount", "NextToken",
	                                   "LastEvaluatedKey", "ConsumedCapacity"};
	return first_key(head, len, keys, sizeof keys / sizeof keys[0]);
}
