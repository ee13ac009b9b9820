/* NDJSON import lines. A plain line that holds a valid event takes the
 * fast path (event_plain.h); any other is parsed once with jansson, and
 * only a line that is not valid JSON is handed to event_parse as bytes,
 * so its reject reason (bad JSON, invalid UTF-8, NUL, ...) is the
 * parser's own. */
#include "ndjson.h"
#include "event_plain.h"
#include "journal_dump.h"
#include "json_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"


static void reject(struct event *event, enum event_reject why, const char *detail)
{
	event_set_reject(event, why, "%s", detail);
}

/* Skips a JSON string starting at json[i] == '"'; returns the index after
 * it. memchr finds each candidate closing quote; one preceded by an odd
 * run of backslashes is escaped. */
static size_t skip_string(const char *json, size_t len, size_t i)
{
	size_t start = i + 1;
	for (i = start; i < len;) {
		const char *quote = memchr(json + i, '"', len - i);
		if (!quote)
			return len;
		size_t at = (size_t)(quote - json);
		size_t backslashes = 0;
		while (at - backslashes > start && json[at - backslashes - 1] == '\\')
			backslashes++;
		if (backslashes % 2 == 0)
			return at + 1;
		i = at + 1;
	}
	return len;
}

/* Skips one JSON value starting at json[i] (no leading space). */
static size_t skip_value(const char *json, size_t len, size_t i)
{
	int depth = 0;
	while (i < len) {
		char c = json[i];
		if (c == '"') {
			i = skip_string(json, len, i);
		} else if (c == '{' || c == '[') {
			depth++;
			i++;
		} else if (c == '}' || c == ']') {
			if (--depth < 0)
				return i;
			i++;
			if (depth == 0)
				return i;
		} else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
			return i;
		} else {
			i++;
		}
	}
	return i;
}

static size_t skip_space(const char *json, size_t len, size_t i)
{
	while (i < len && (json[i] == ' ' || json[i] == '\t' || json[i] == '\r' || json[i] == '\n'))
		i++;
	return i;
}

/* Finds the exact bytes of a top-level member's value in a JSON object that
 * jansson has already accepted, so an envelope's payload is journaled as it
 * was written, without re-serialising it. */
static bool find_member(const char *json, size_t len, const char *key, size_t *start, size_t *end)
{
	size_t key_len = strlen(key);
	bool found = false;
	size_t i = skip_space(json, len, 0);
	if (i >= len || json[i] != '{')
		return false;
	i++;
	for (;;) {
		i = skip_space(json, len, i);
		if (i >= len || json[i] != '"')
			return false;
		size_t key_start = i + 1;
		i = skip_string(json, len, i);
		bool match = i - key_start - 1 == key_len && memcmp(json + key_start, key, key_len) == 0;
		i = skip_space(json, len, i);
		if (i >= len || json[i] != ':')
			return false;
		i = skip_space(json, len, i + 1);
		size_t value_end = skip_value(json, len, i);
		if (match) {
			/* The last one wins, as in jansson. */
			*start = i;
			*end = value_end;
			found = true;
		}
		i = skip_space(json, len, value_end);
		if (i < len && json[i] == '}')
			return found;
		if (i >= len || json[i] != ',')
			return false;
		i++;
	}
}

static bool is_envelope(const json_t *root)
{
	return (json_object_get(root, "payload") != NULL ||
	        json_object_get(root, "payloadBase64") != NULL) &&
	       (json_object_get(root, "topic") != NULL || json_object_get(root, "topicBase64") != NULL ||
	        json_object_get(root, "receivedAt") != NULL);
}

/* An optional base64 member (written by `journal dump`) into *out
 * (malloc'd, NUL-terminated); false with a reject when it is not base64. */
static bool take_base64(const json_t *root, const char *key, struct event *event, char **out,
                        size_t *len)
{
	const json_t *v = json_object_get(root, key);
	if (!v || json_is_null(v))
		return true;
	size_t n = 0;
	unsigned char *bytes = json_is_string(v)
	                       ? journal_base64_decode(json_string_value(v), json_string_length(v), &n)
	                       : NULL;
	if (!bytes) {
		char detail[80];
		snprintf(detail, sizeof detail, "envelope field \"%s\" is not base64", key);
		reject(event, REJECT_MISTYPED_FIELD, detail);
		return false;
	}
	*out = (char *)bytes;
	(*out)[n] = '\0';
	if (len)
		*len = n;
	return true;
}

static void decode_envelope(const char *line, size_t len, const json_t *root, struct event *event,
                            struct ndjson_message *msg)
{
	const json_t *topic = json_object_get(root, "topic");
	const json_t *payload = json_object_get(root, "payload");
	const json_t *received = json_object_get(root, "receivedAt");

	if (topic && !json_is_null(topic)) {
		if (!json_is_string(topic)) {
			reject(event, REJECT_MISTYPED_FIELD, "envelope field \"topic\" is not a string");
			return;
		}
		msg->topic = xstrndup(json_string_value(topic), json_string_length(topic));
	} else if (!take_base64(root, "topicBase64", event, &msg->topic, NULL)) {
		return;
	}
	if (received && !json_is_null(received)) {
		if (!json_is_integer(received)) {
			reject(event, REJECT_MISTYPED_FIELD, "envelope field \"receivedAt\" is not an integer");
			return;
		}
		msg->has_received = true;
		msg->received_ms = json_integer_value(received);
	}
	if (!payload) {
		/* `journal dump` writes bytes that are not UTF-8 in base64. */
		size_t n = 0;
		if (!take_base64(root, "payloadBase64", event, &msg->raw_owned, &n))
			return;
		msg->raw = msg->raw_owned;
		msg->raw_len = n;
		event_parse(msg->topic, msg->raw, msg->raw_len, event);
		return;
	}
	if (json_is_string(payload)) {
		/* The payload as the broker delivered it: parse those bytes. */
		msg->raw_owned = xstrndup(json_string_value(payload), json_string_length(payload));
		msg->raw = msg->raw_owned;
		msg->raw_len = json_string_length(payload);
		event_parse(msg->topic, msg->raw, msg->raw_len, event);
		return;
	}
	size_t start, end;
	if (find_member(line, len, "payload", &start, &end)) {
		msg->raw = line + start;
		msg->raw_len = end - start;
	} else {
		/* A key written with escapes ("pay\u006coad"): serialise instead. */
		msg->raw_owned = json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!msg->raw_owned)
			msg->raw_owned = xstrdup("");
		msg->raw = msg->raw_owned;
		msg->raw_len = strlen(msg->raw_owned);
	}
	event_decode(msg->topic, payload, event);
}

/* The fast path: a plain envelope whose payload is a plain object, or a
 * bare plain payload, that is a valid lifecycle event; decided as
 * is_envelope and decode_envelope would. False, *msg untouched, for any
 * other line. */
static bool decode_plain(const char *line, size_t len, struct event *event,
                         struct ndjson_message *msg)
{
	struct plain_object root, payload;
	if (!plain_scan(line, len, &root, &payload) || plain_find(&root, "payloadBase64"))
		return false;
	const struct plain_member *topic = plain_find(&root, "topic");
	const struct plain_member *body = plain_find(&root, "payload");
	const struct plain_member *received = plain_find(&root, "receivedAt");
	const struct plain_member *topic_base64 = plain_find(&root, "topicBase64");
	memset(event, 0, sizeof *event);
	event->client_initiated = -1;
	if (!body || !(topic || received || topic_base64))
		return plain_event(NULL, &root, event); /* a bare payload */
	if (body->kind != PLAIN_OBJECT || topic_base64 ||
	    (topic && topic->kind != PLAIN_STRING) || (received && received->kind != PLAIN_INTEGER))
		return false;
	char *topic_text = topic ? xstrndup(topic->text, topic->len) : NULL;
	if (!plain_event(topic_text, &payload, event)) {
		free(topic_text);
		return false;
	}
	msg->topic = topic_text;
	msg->raw = body->text;
	msg->raw_len = body->len;
	if (received) {
		msg->has_received = true;
		msg->received_ms = received->integer;
	}
	return true;
}

static void decode_line(const char *line, size_t len, struct event *event,
                        struct ndjson_message *msg, bool fast)
{
	memset(msg, 0, sizeof(*msg));
	msg->raw = line;
	msg->raw_len = len;

	if (len == 0) {
		reject(event, REJECT_BAD_JSON, "empty line");
		return;
	}
	if (len > NDJSON_LINE_MAX) {
		char detail[80];
		snprintf(detail, sizeof(detail), "line of %zu bytes is over the %d-byte limit", len,
		         NDJSON_LINE_MAX);
		reject(event, REJECT_OVERSIZE, detail);
		return;
	}

	if (fast && decode_plain(line, len, event, msg))
		return;
	json_error_t error;
	json_t *root = event_json_load(line, len, JSON_REJECT_DUPLICATES, &error);
	if (!root || !json_is_object(root) || !is_envelope(root)) {
		/* A bare payload, or no JSON at all: the event parser decides. */
		if (root && json_is_object(root))
			event_decode(NULL, root, event);
		else
			event_parse(NULL, line, len, event);
		json_decref(root);
		return;
	}
	decode_envelope(line, len, root, event, msg);
	json_decref(root);
}

void ndjson_decode_line(const char *line, size_t len, struct event *event, struct ndjson_message *msg)
{
	decode_line(line, len, event, msg, true);
}

void ndjson_decode_line_json(const char *line, size_t len, struct event *event,
                             struct ndjson_message *msg)
{
	decode_line(line, len, event, msg, false);
}

void ndjson_message_finish(struct ndjson_message *msg)
{
	free(msg->topic);
	free(msg->raw_owned);
	memset(msg, 0, sizeof(*msg));
}

void ndjson_check_times(struct event *event, struct ndjson_message *msg, int64_t now_ms)
{
	if (msg->has_received && !event_time_plausible(msg->received_ms, now_ms)) {
		char detail[EVENT_DETAIL_MAX];
		snprintf(detail, sizeof detail, "envelope receivedAt %" PRId64 " is %s", msg->received_ms,
		         msg->received_ms < EVENT_TIME_MIN_MS ? "before 2010"
		                                              : "more than a day ahead of the clock");
		msg->has_received = false;
		reject(event, REJECT_IMPLAUSIBLE_TIMESTAMP, detail);
		return;
	}
	event_check_time(event, msg->has_received ? msg->received_ms : now_ms);
}
