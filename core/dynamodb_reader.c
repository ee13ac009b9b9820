/* Reading DynamoDB output item by item (see dynamodb.h). Export files and
 * scan pages written one a line are read a line at a time, so a
 * million-item export never sits in memory; pretty-printed scan output is
 * read whole and split into its JSON documents. */
#include "build_config.h"

#include "dynamodb.h"
#include "json_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "ndjson.h"
#include "timefmt.h"
#include "xalloc.h"

/* Pretty-printed scan output is held whole: past this, ask for one page a line. */
#define SLURP_MAX ((size_t)1 << 30)

struct dynamodb_reader {
	struct line_reader lines;
	bool started;               /* a first document was seen */
	bool slurped;               /* document mode: the whole text is in memory */
	char *text;
	size_t text_len;
	struct json_docs docs;      /* over text, once slurped */
	struct json_items items;    /* the current document's Items, or its Item */
	unsigned long doc_line;
	unsigned long item_no;
	char *error;
	struct dynamodb_message msg;
	char *item_text;
	struct dynamodb_record rec;
};

struct dynamodb_reader *dynamodb_reader_create(FILE *in)
{
	struct dynamodb_reader *r = xcalloc(1, sizeof *r);
	line_reader_init(&r->lines, in, DYNAMODB_LINE_MAX);
	return r;
}

/* Makes the current record a reject: "line N: what". */
static void reject(struct dynamodb_reader *r, enum event_reject why, const char *raw, size_t len,
                   const char *what)
{
	event_set_reject(&r->rec.event, why, "line %lu: %s", r->rec.line_no, what);
	r->rec.topic = NULL;
	r->rec.raw = raw;
	r->rec.raw_len = len;
}

/* Reads all that is left, after the first line already read. */
static bool slurp(struct dynamodb_reader *r, const char *first, size_t first_len)
{
	size_t cap = first_len + 65536;
	r->text = xmalloc(cap);
	memcpy(r->text, first, first_len);
	r->text[first_len] = '\n';
	r->text_len = first_len + 1;
	unsigned long first_line = r->lines.line_no;
	const char *line;
	size_t len;
	bool truncated;
	/* The line reader keeps lines whole up to its limit; a pretty page
	 * has short lines, so this only copies. */
	while (line_reader_next(&r->lines, &line, &len, &truncated)) {
		if (truncated || r->text_len + len + 1 > SLURP_MAX) {
			r->error = xasprintf("line %lu: a scan output written over several lines is held "
			                     "whole, and this one is over %zu MiB: write one page a line "
			                     "(--output json | jq -c .)", r->lines.line_no, SLURP_MAX >> 20);
			return false;
		}
		if (cap - r->text_len < len + 2) {
			cap = (r->text_len + len + 2) * 2;
			r->text = xrealloc(r->text, cap);
		}
		memcpy(r->text + r->text_len, line, len);
		r->text_len += len;
		r->text[r->text_len++] = '\n';
	}
	r->slurped = true;
	r->docs = (struct json_docs){.text = r->text, .len = r->text_len, .line = first_line};
	return true;
}

enum doc { DOC_OK, DOC_BAD, DOC_AGAIN, DOC_END };

static enum doc take_document(struct dynamodb_reader *r, json_t *doc, const char *raw, size_t len)
{
	r->started = true;
	const json_t *items = json_object_get(doc, "Items");
	const json_t *item = json_object_get(doc, "Item");
	json_items_start(&r->items, doc, items, json_is_object(item) ? item : NULL);
	if (!json_is_array(items) && !json_is_object(item) &&
	    (!json_is_object(doc) || !json_object_get(doc, "Count"))) {
		reject(r, REJECT_MISSING_FIELD, raw, len,
		       "a document with neither \"Items\" (scan) nor \"Item\" (export)");
		return DOC_BAD;
	}
	return DOC_OK;
}

static enum doc next_line_document(struct dynamodb_reader *r)
{
	const char *line;
	size_t len;
	bool truncated;
	do {
		if (!line_reader_next(&r->lines, &line, &len, &truncated)) {
			if (ferror(r->lines.in))
				r->error = xasprintf("read error after line %lu: %s", r->lines.line_no,
				                     strerror(errno));
			return DOC_END;
		}
	} while (len == 0 || strspn(line, " \t\r") == len);
	r->rec.line_no = r->doc_line = r->lines.line_no;
	if (truncated) {
		line_reader_skip_rest(&r->lines);
		reject(r, REJECT_OVERSIZE, line, len < EVENT_PAYLOAD_MAX ? len : EVENT_PAYLOAD_MAX,
		       "over the 8 MiB line limit");
		return DOC_BAD;
	}
	json_error_t error;
	json_t *doc = event_json_load(line, len, JSON_REJECT_DUPLICATES, &error);
	if (!doc && !r->started) {
		/* Not one document a line: pretty-printed scan output. */
		return slurp(r, line, len) ? DOC_AGAIN : DOC_END;
	}
	if (!doc) {
		char what[EVENT_DETAIL_MAX];
		snprintf(what, sizeof what, "bad JSON at column %d: %s", error.column, error.text);
		reject(r, REJECT_BAD_JSON, line, len, what);
		return DOC_BAD;
	}
	return take_document(r, doc, line, len);
}

static enum doc next_text_document(struct dynamodb_reader *r)
{
	const char *raw;
	size_t len;
	json_t *doc = json_docs_next(&r->docs, &raw, &len, &r->doc_line, &r->error);
	if (!doc)
		return DOC_END;
	r->rec.line_no = r->doc_line;
	return take_document(r, doc, raw, len < EVENT_PAYLOAD_MAX ? len : EVENT_PAYLOAD_MAX);
}

static struct dynamodb_record *item_record(struct dynamodb_reader *r, const json_t *item)
{
	char *cause = NULL;

	dynamodb_message_finish(&r->msg);
	free(r->item_text);
	r->item_text = NULL;
	r->rec.item_no = ++r->item_no;
	r->rec.line_no = r->doc_line;
	if (dynamodb_item_convert(item, &r->msg, &cause)) {
		r->rec.topic = r->msg.topic;
		r->rec.raw = r->msg.payload;
		r->rec.raw_len = r->msg.payload_len;
		event_parse(r->msg.topic, r->msg.payload, r->msg.payload_len, &r->rec.event);
		return &r->rec;
	}
	r->item_text = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!r->item_text)
		r->item_text = xstrdup("");
	char what[EVENT_DETAIL_MAX];
	snprintf(what, sizeof what, "item %lu: %s", r->item_no, cause);
	free(cause);
	bool missing = !json_object_get(item, "event");
	reject(r, missing ? REJECT_MISSING_FIELD : REJECT_MISTYPED_FIELD, r->item_text,
	       strlen(r->item_text), what);
	return &r->rec;
}

struct dynamodb_record *dynamodb_reader_next(struct dynamodb_reader *r)
{
	for (;;) {
		const json_t *item = json_items_next(&r->items);
		if (item)
			return item_record(r, item);
		if (r->error)
			return NULL;
		enum doc got = r->slurped ? next_text_document(r) : next_line_document(r);
		if (got == DOC_END)
			return NULL;
		if (got == DOC_BAD) {
			r->rec.item_no = r->item_no;
			return &r->rec;
		}
	}
}

const char *dynamodb_reader_error(const struct dynamodb_reader *r)
{
	return r->error;
}

void dynamodb_reader_destroy(struct dynamodb_reader *r)
{
	if (!r)
		return;
	json_items_finish(&r->items);
	dynamodb_message_finish(&r->msg);
	free(r->item_text);
	free(r->text);
	free(r->error);
	line_reader_finish(&r->lines);
	free(r);
}

void dynamodb_decode_export_line(const char *line, size_t len, struct event *event,
                                 struct ndjson_message *msg)
{
	memset(msg, 0, sizeof *msg);
	msg->raw = line;
	msg->raw_len = len;
	json_error_t error;
	json_t *doc = event_json_load(line, len, JSON_REJECT_DUPLICATES, &error);
	const json_t *item = json_object_get(doc, "Item");
	if (!doc || !json_is_object(item)) {
		char what[EVENT_DETAIL_MAX];
		if (!doc)
			snprintf(what, sizeof what, "bad JSON at column %d: %s", error.column, error.text);
		event_set_reject(event, doc ? REJECT_MISSING_FIELD : REJECT_BAD_JSON, "%s",
		                 doc ? "not an export line {\"Item\": {...}}" : what);
		json_decref(doc);
		return;
	}
	struct dynamodb_message converted;
	char *cause = NULL;
	if (!dynamodb_item_convert(item, &converted, &cause)) {
		event_set_reject(event, json_object_get(item, "event") ? REJECT_MISTYPED_FIELD
		                                                       : REJECT_MISSING_FIELD, "%s", cause);
		free(cause);
		json_decref(doc);
		return;
	}
	json_decref(doc);
	msg->topic = converted.topic;
	msg->raw_owned = converted.payload;
	msg->raw = converted.payload;
	msg->raw_len = converted.payload_len;
	event_parse(msg->topic, msg->raw, msg->raw_len, event);
	event_check_time(event, time_now_ms());
}
