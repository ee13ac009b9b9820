/* Reading search-index pages and connectivity documents (see baseline.h). */
#include "build_config.h"

#include "baseline.h"
#include "json_internal.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static bool copy_string(const json_t *v, char *out, size_t size)
{
	size_t len = json_string_length(v);
	if (len == 0 || len >= size || memchr(json_string_value(v), '\0', len))
		return false;
	memcpy(out, json_string_value(v), len + 1);
	return true;
}

/* Connectivity, from a thing's "connectivity" object or a
 * get-thing-connectivity-data document (the same three fields). */
static bool decode_connectivity(const json_t *c, struct event *out, char **cause)
{
	const json_t *connected = json_object_get(c, "connected");
	const json_t *ts = json_object_get(c, "timestamp");
	const json_t *reason = json_object_get(c, "disconnectReason");

	if (!json_is_boolean(connected)) {
		set_cause(cause, "field \"connected\" is %s", connected ? "not true or false" : "missing");
		return false;
	}
	if (ts && !json_is_null(ts)) {
		if (!json_is_integer(ts) || json_integer_value(ts) < 0) {
			set_cause(cause, "field \"timestamp\" is not a time in ms");
			return false;
		}
		out->timestamp_ms = json_integer_value(ts);
	}
	if (reason && !json_is_null(reason) && !json_is_string(reason)) {
		set_cause(cause, "field \"disconnectReason\" is not a string");
		return false;
	}
	const char *why = json_is_string(reason) ? json_string_value(reason) : "";
	if (json_is_true(connected))
		why = "NONE";
	else if (!*why || strcmp(why, "NONE") == 0)
		why = "UNKNOWN";
	snprintf(out->reason, sizeof out->reason, "%s", why);
	return true;
}

bool baseline_decode_thing(const json_t *thing, struct event *out, char **cause)
{
	memset(out, 0, sizeof *out);
	out->type = EVENT_BASELINE;
	out->client_initiated = -1;
	if (!json_is_object(thing)) {
		set_cause(cause, "a thing is not an object");
		return false;
	}
	const json_t *name = json_object_get(thing, "thingName");
	if (!json_is_string(name)) {
		set_cause(cause, "field \"thingName\" is %s", name ? "not a string" : "missing");
		return false;
	}
	if (!copy_string(name, out->client_id, sizeof out->client_id)) {
		set_cause(cause, "field \"thingName\" is empty, over %d bytes or holds a NUL",
		          EVENT_CLIENT_ID_MAX);
		return false;
	}
	memcpy(out->thing_name, out->client_id, sizeof out->thing_name);
	const json_t *c = json_object_get(thing, "connectivity");
	if (c && !json_is_object(c)) {
		set_cause(cause, "field \"connectivity\" is not an object");
		return false;
	}
	if (!c && json_object_get(thing, "connected"))
		c = thing;  /* get-thing-connectivity-data */
	return !c || decode_connectivity(c, out, cause);
}

struct baseline_reader {
	struct json_docs docs;
	unsigned long doc_line;
	unsigned long thing_no;
	struct json_items things;   /* a page's "things", or one connectivity document */
	char *next_token;
	char *error;
	char *raw;
	struct baseline_item item;
};

struct baseline_reader *baseline_reader_create(const char *text, size_t len)
{
	struct baseline_reader *r = xcalloc(1, sizeof *r);
	r->docs = (struct json_docs){.text = text, .len = len, .line = 1};
	return r;
}

static void reject(struct baseline_reader *r, enum event_reject why, const char *what,
                   const char *raw, size_t raw_len)
{
	event_set_reject(&r->item.event, why, "line %lu: %s", r->item.line_no, what);
	r->item.raw = raw;
	r->item.raw_len = raw_len > EVENT_PAYLOAD_MAX ? EVENT_PAYLOAD_MAX : raw_len;
}

static struct baseline_item *thing_item(struct baseline_reader *r, const json_t *thing)
{
	char *cause = NULL;
	free(r->raw);
	r->raw = json_dumps(thing, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!r->raw)
		r->raw = xstrdup("");
	r->item.thing_no = ++r->thing_no;
	r->item.line_no = r->doc_line;
	r->item.raw = r->raw;
	r->item.raw_len = strlen(r->raw);
	if (baseline_decode_thing(thing, &r->item.event, &cause))
		return &r->item;
	char what[EVENT_DETAIL_MAX];
	snprintf(what, sizeof what, "thing %lu: %s", r->thing_no, cause);
	free(cause);
	reject(r, REJECT_MISTYPED_FIELD, what, r->raw, strlen(r->raw));
	return &r->item;
}

/* Reads the next document; false at the end or on an error. *bad is set
 * (and the item is a reject) for a document that is no known output. */
static bool next_document(struct baseline_reader *r, bool *bad)
{
	const char *raw;
	size_t raw_len;

	*bad = false;
	json_t *doc = json_docs_next(&r->docs, &raw, &raw_len, &r->doc_line, &r->error);
	if (!doc)
		return false;
	r->item.line_no = r->doc_line;
	const json_t *things = json_object_get(doc, "things");
	bool single = json_is_object(doc) && json_object_get(doc, "thingName");
	json_items_start(&r->things, doc, things, single ? doc : NULL);
	if (json_is_array(things)) {
		const json_t *token = json_object_get(doc, "nextToken");
		free(r->next_token);
		r->next_token = json_is_string(token) && json_string_length(token) > 0
		                ? xstrdup(json_string_value(token)) : NULL;
		return true;
	}
	if (single)
		return true;
	*bad = true;
	r->item.thing_no = r->thing_no;
	reject(r, REJECT_MISSING_FIELD,
	       "neither a search-index page (\"things\") nor a thing's connectivity (\"thingName\")",
	       raw, raw_len);
	return true;
}

struct baseline_item *baseline_reader_next(struct baseline_reader *r)
{
	for (;;) {
		const json_t *thing = json_items_next(&r->things);
		if (thing)
			return thing_item(r, thing);
		if (r->error)
			return NULL;
		bool bad;
		if (!next_document(r, &bad))
			return NULL;
		if (bad)
			return &r->item;
	}
}

const char *baseline_reader_error(const struct baseline_reader *r)
{
	return r->error;
}

const char *baseline_reader_next_token(const struct baseline_reader *r)
{
	return r->next_token;
}

void baseline_reader_destroy(struct baseline_reader *r)
{
	if (!r)
		return;
	json_items_finish(&r->things);
	free(r->next_token);
	free(r->error);
	free(r->raw);
	free(r);
}
