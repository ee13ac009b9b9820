/* Lifecycle event parsing: a plain payload that is a valid event takes the
 * fast path (event_plain.h); any other, one json_loadb, then direct
 * json_object_get lookups into a fixed-size struct (no other allocation).
 * Everything taken from the message and put into `detail` is escaped, so a
 * detail is always safe to print. */
#include "build_config.h"

#include "event.h"
#include "event_plain.h"
#include "json_internal.h"
#include "text.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* How much of an untrusted value a detail quotes (escaped form). */
#define QUOTE_MAX 72

static const char *const type_names[EVENT_TYPE_COUNT] = {
	[EVENT_REJECT] = "reject",
	[EVENT_CONNECTED] = "connected",
	[EVENT_DISCONNECTED] = "disconnected",
	[EVENT_CONNECT_FAILED] = "connect_failed",
	[EVENT_SUBSCRIBED] = "subscribed",
	[EVENT_UNSUBSCRIBED] = "unsubscribed",
	[EVENT_IGNORED] = "ignored",
	[EVENT_BASELINE] = "baseline",
};

static const char *const reject_names[REJECT_COUNT] = {
	[REJECT_NONE] = "none",
	[REJECT_BAD_JSON] = "bad_json",
	[REJECT_NOT_OBJECT] = "not_object",
	[REJECT_MISSING_FIELD] = "missing_field",
	[REJECT_MISTYPED_FIELD] = "mistyped_field",
	[REJECT_BAD_VALUE] = "bad_value",
	[REJECT_UNKNOWN_TYPE] = "unknown_type",
	[REJECT_INVALID_UTF8] = "invalid_utf8",
	[REJECT_NUL_IN_STRING] = "nul_in_string",
	[REJECT_OVERSIZE] = "oversize",
	[REJECT_TOPIC_MISMATCH] = "topic_mismatch",
	[REJECT_IMPLAUSIBLE_TIMESTAMP] = "implausible_timestamp",
};

const char *const event_known_reasons[EVENT_KNOWN_REASONS] = {
	"AUTH_ERROR", "CLIENT_INITIATED_DISCONNECT", "CLIENT_ERROR", "CONNECTION_LOST",
	"DUPLICATE_CLIENTID", "FORBIDDEN_ACCESS", "MQTT_KEEP_ALIVE_TIMEOUT", "SERVER_ERROR",
	"SERVER_INITIATED_DISCONNECT", "API_INITIATED_DISCONNECT", "THROTTLED",
	"WEBSOCKET_TTL_EXPIRATION", "CUSTOMAUTH_TTL_EXPIRATION", "AUTHORIZATION_FAILED",
	"NONE", "UNKNOWN",
};

/* The two topic families that carry lifecycle events, and the event
 * names that may follow each. */
static const struct {
	const char *prefix;
	enum event_type type;
} topic_kinds[] = {
	{ "$aws/events/presence/connected/", EVENT_CONNECTED },
	{ "$aws/events/presence/disconnected/", EVENT_DISCONNECTED },
	{ "$aws/events/presence/connect_failed/", EVENT_CONNECT_FAILED },
	{ "$aws/events/subscriptions/subscribed/", EVENT_SUBSCRIBED },
	{ "$aws/events/subscriptions/unsubscribed/", EVENT_UNSUBSCRIBED },
};

const char *event_type_name(enum event_type type)
{
	if ((unsigned)type >= EVENT_TYPE_COUNT)
		return "unknown";
	return type_names[type];
}

enum event_type event_type_from_name(const char *name)
{
	if (!name)
		return EVENT_REJECT;
	for (int t = EVENT_CONNECTED; t <= EVENT_UNSUBSCRIBED; t++) {
		if (strcmp(name, type_names[t]) == 0)
			return (enum event_type)t;
	}
	return EVENT_REJECT;
}

const char *event_reject_name(enum event_reject reject)
{
	if ((unsigned)reject >= REJECT_COUNT)
		return "unknown";
	return reject_names[reject];
}

bool event_topic_parse(const char *topic, enum event_type *type, size_t *client_id_at)
{
	if (!topic || strncmp(topic, "$aws/events/", 12) != 0)
		return false;
	for (size_t i = 0; i < sizeof(topic_kinds) / sizeof(topic_kinds[0]); i++) {
		size_t n = strlen(topic_kinds[i].prefix);
		if (strncmp(topic, topic_kinds[i].prefix, n) == 0) {
			if (type)
				*type = topic_kinds[i].type;
			if (client_id_at)
				*client_id_at = n;
			return true;
		}
	}
	return false;
}

__attribute__((format(printf, 3, 4)))
static bool reject(struct event *out, enum event_reject why, const char *fmt, ...)
{
	va_list ap;

	out->type = EVENT_REJECT;
	out->reject = why;
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
	va_end(ap);
	return false;
}

void event_set_reject(struct event *out, enum event_reject why, const char *fmt, ...)
{
	va_list ap;

	memset(out, 0, sizeof *out);
	out->type = EVENT_REJECT;
	out->reject = why;
	out->client_initiated = -1;
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof out->detail, fmt, ap);
	va_end(ap);
}

/* Escapes untrusted bytes into `buf` (QUOTE_MAX) for quoting in a detail. */
static const char *quote(char *buf, const char *s, size_t len)
{
	text_escape(s, len, buf, QUOTE_MAX, false);
	return buf;
}

static bool reject_json(struct event *out, const char *payload, size_t len,
                        const json_error_t *err)
{
	char text[QUOTE_MAX * 2];
	const char *nul;
	int offset;

	switch (json_error_code(err)) {
	case json_error_invalid_utf8:
		/* here jansson's position is the bad byte itself */
		if (err->position >= 0 && (size_t)err->position < len)
			return reject(out, REJECT_INVALID_UTF8, "invalid UTF-8 byte 0x%02x at line %d (offset %d)",
			              (unsigned char)payload[err->position], err->line, err->position);
		return reject(out, REJECT_INVALID_UTF8, "invalid UTF-8 at line %d", err->line);
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return reject(out, REJECT_NUL_IN_STRING, "\\u0000 in a string at line %d (offset %d)",
		              err->line, err->position > 0 ? err->position - 1 : 0);
	default:
		break;
	}
	/* jansson calls a raw NUL byte a control character (or trailing
	 * garbage); name it for what it is when the parser got that far. */
	nul = memchr(payload, '\0', len);
	if (nul && nul - payload <= err->position)
		return reject(out, REJECT_NUL_IN_STRING, "NUL byte at offset %td", nul - payload);
	if (len == 0)
		return reject(out, REJECT_BAD_JSON, "empty payload");
	/* Otherwise position counts the offending byte as read (and at the
	 * end of input, there is no byte). */
	offset = err->position;
	if (json_error_code(err) != json_error_premature_end_of_input && offset > 0)
		offset--;
	text_escape(err->text, strnlen(err->text, sizeof(err->text) - 1), text, sizeof(text), false);
	return reject(out, REJECT_BAD_JSON, "bad JSON at line %d column %d (offset %d): %s",
	              err->line, err->column, offset, text);
}

/* Type-checks an optional string field and copies it to `dst` (when not
 * NULL); null counts as absent. */
static bool get_string(struct event *out, const json_t *obj, const char *key,
                       char *dst, size_t dst_size)
{
	const json_t *v = json_object_get(obj, key);
	size_t len;

	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v))
		return reject(out, REJECT_MISTYPED_FIELD, "field \"%s\" is not a string", key);
	if (!dst)
		return true;
	len = json_string_length(v);
	if (len >= dst_size)
		return reject(out, REJECT_BAD_VALUE, "field \"%s\" is %zu bytes, over the %zu-byte limit",
		              key, len, dst_size - 1);
	/* json_loadb refuses \u0000, but a value built in memory (event_decode)
	 * may hold one */
	if (memchr(json_string_value(v), '\0', len))
		return reject(out, REJECT_NUL_IN_STRING, "NUL in field \"%s\"", key);
	memcpy(dst, json_string_value(v), len);
	dst[len] = '\0';
	return true;
}

static bool get_integer(struct event *out, const json_t *obj, const char *key,
                        bool *present, int64_t *dst)
{
	const json_t *v = json_object_get(obj, key);

	*present = false;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v))
		return reject(out, REJECT_MISTYPED_FIELD, "field \"%s\" is not an integer", key);
	*dst = json_integer_value(v);
	if (*dst < 0)
		return reject(out, REJECT_BAD_VALUE, "field \"%s\" is negative (%" PRId64 ")", key, *dst);
	*present = true;
	return true;
}

static bool decode_required(struct event *out, const json_t *obj)
{
	const json_t *cid = json_object_get(obj, "clientId");
	const json_t *ts = json_object_get(obj, "timestamp");
	const json_t *et = json_object_get(obj, "eventType");
	char q[QUOTE_MAX];
	bool present;

	if (!cid)
		return reject(out, REJECT_MISSING_FIELD, "missing field \"clientId\"");
	if (!ts)
		return reject(out, REJECT_MISSING_FIELD, "missing field \"timestamp\"");
	if (!et)
		return reject(out, REJECT_MISSING_FIELD, "missing field \"eventType\"");

	if (!json_is_string(cid))
		return reject(out, REJECT_MISTYPED_FIELD, "field \"clientId\" is not a string");
	if (json_string_length(cid) == 0)
		return reject(out, REJECT_BAD_VALUE, "field \"clientId\" is empty");
	if (!get_string(out, obj, "clientId", out->client_id, sizeof(out->client_id)))
		return false;

	if (!get_integer(out, obj, "timestamp", &present, &out->timestamp_ms))
		return false;
	if (!present)
		return reject(out, REJECT_MISTYPED_FIELD, "field \"timestamp\" is not an integer");

	if (!json_is_string(et))
		return reject(out, REJECT_MISTYPED_FIELD, "field \"eventType\" is not a string");
	out->type = event_type_from_name(json_string_value(et));
	if (strlen(json_string_value(et)) != json_string_length(et))
		out->type = EVENT_REJECT;
	if (out->type == EVENT_REJECT)
		return reject(out, REJECT_UNKNOWN_TYPE, "unknown eventType \"%s\"",
		              quote(q, json_string_value(et), json_string_length(et)));
	return true;
}

static bool decode_optional(struct event *out, const json_t *obj)
{
	const json_t *v;

	if (!get_string(out, obj, "thingName", out->thing_name, sizeof(out->thing_name)) ||
	    !get_string(out, obj, "sessionIdentifier", out->session_id, sizeof(out->session_id)) ||
	    !get_string(out, obj, "principalIdentifier", out->principal, sizeof(out->principal)) ||
	    !get_string(out, obj, "ipAddress", out->ip, sizeof(out->ip)) ||
	    !get_integer(out, obj, "versionNumber", &out->has_version, &out->version))
		return false;

	v = json_object_get(obj, "clientInitiatedDisconnect");
	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v))
			return reject(out, REJECT_MISTYPED_FIELD, "field \"clientInitiatedDisconnect\" is not a boolean");
		out->client_initiated = json_is_true(v);
	}

	/* Both reason fields are type-checked; `reason` keeps the one that
	 * belongs to this event type. */
	if (!get_string(out, obj, "disconnectReason",
	                out->type == EVENT_DISCONNECTED ? out->reason : NULL, sizeof(out->reason)) ||
	    !get_string(out, obj, "connectFailureReason",
	                out->type == EVENT_CONNECT_FAILED ? out->reason : NULL, sizeof(out->reason)))
		return false;

	v = json_object_get(obj, "topics");
	if (v && !json_is_null(v)) {
		if (!json_is_array(v))
			return reject(out, REJECT_MISTYPED_FIELD, "field \"topics\" is not an array");
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (!json_is_string(json_array_get(v, i)))
				return reject(out, REJECT_MISTYPED_FIELD, "field \"topics\"[%zu] is not a string", i);
		}
		out->topic_count = (int)json_array_size(v);
	}
	return true;
}

/* The part after the topic gate: payload fields, then the cross-check
 * against what the topic says. */
static bool decode(const char *topic, bool lifecycle_topic, enum event_type topic_type,
                   size_t cid_at, const json_t *payload, struct event *out)
{
	char q1[QUOTE_MAX], q2[QUOTE_MAX];
	const char *topic_cid;

	if (!json_is_object(payload))
		return reject(out, REJECT_NOT_OBJECT, "payload is a JSON %s, not an object",
		              json_is_array(payload) ? "array" :
		              json_is_string(payload) ? "string" :
		              json_is_number(payload) ? "number" :
		              json_is_boolean(payload) ? "boolean" : "null");
	if (!decode_required(out, payload) || !decode_optional(out, payload))
		return false;
	if (!lifecycle_topic)
		return true;

	if (topic_type != out->type)
		return reject(out, REJECT_TOPIC_MISMATCH, "topic says %s, payload says %s",
		              event_type_name(topic_type), event_type_name(out->type));
	topic_cid = topic + cid_at;
	if (strcmp(topic_cid, out->client_id) != 0)
		return reject(out, REJECT_TOPIC_MISMATCH, "topic client id \"%s\", payload clientId \"%s\"",
		              quote(q1, topic_cid, strlen(topic_cid)),
		              quote(q2, out->client_id, strlen(out->client_id)));
	return true;
}

/* Starts *out afresh and classifies the topic. Returns false when the
 * message is of another family (then *out is complete: EVENT_IGNORED). */
static bool begin(const char *topic, struct event *out, bool *lifecycle,
                  enum event_type *topic_type, size_t *cid_at)
{
	char q[QUOTE_MAX];

	memset(out, 0, sizeof(*out));
	out->client_initiated = -1;
	*lifecycle = false;
	*topic_type = EVENT_REJECT;
	*cid_at = 0;
	if (!topic || !*topic)
		return true;
	if (event_topic_parse(topic, topic_type, cid_at)) {
		*lifecycle = true;
		return true;
	}
	out->type = EVENT_IGNORED;
	snprintf(out->detail, sizeof(out->detail), "not a lifecycle topic: %s",
	         quote(q, topic, strlen(topic)));
	return false;
}

static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_json(void)
{
	json_object_seed(0);
}

json_t *event_json_load(const char *buf, size_t len, size_t flags, json_error_t *error)
{
	pthread_once(&seed_once, seed_json);
	json_arena_begin();
	json_t *root = json_loadb(buf, len, flags, error);
	json_arena_end();
	return root;
}

/* event_parse, with the plain fast path (event_plain.h) or without. */
static bool parse(const char *topic, const char *payload, size_t len, struct event *out,
                  bool fast)
{
	enum event_type topic_type;
	size_t cid_at;
	bool lifecycle, ok;
	json_error_t err;
	json_t *root;

	if (!begin(topic, out, &lifecycle, &topic_type, &cid_at))
		return false;
	if (len > EVENT_PAYLOAD_MAX)
		return reject(out, REJECT_OVERSIZE, "payload is %zu bytes, over the %d-byte limit",
		              len, EVENT_PAYLOAD_MAX);
	if (!payload)
		payload = "";
	if (fast) {
		struct plain_object obj;
		if (plain_scan(payload, len, &obj, NULL) && plain_event(topic, &obj, out))
			return true;
	}
	/* JSON_DECODE_ANY so that `5` is "not an object", not a syntax error;
	 * duplicate keys would make the event ambiguous. */
	root = event_json_load(payload, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (!root)
		return reject_json(out, payload, len, &err);
	ok = decode(topic, lifecycle, topic_type, cid_at, root, out);
	json_decref(root);
	return ok;
}

bool event_parse(const char *topic, const char *payload, size_t len, struct event *out)
{
	return parse(topic, payload, len, out, true);
}

bool event_parse_json(const char *topic, const char *payload, size_t len, struct event *out)
{
	return parse(topic, payload, len, out, false);
}

bool event_decode(const char *topic, const json_t *payload, struct event *out)
{
	enum event_type topic_type;
	size_t cid_at;
	bool lifecycle;

	if (!begin(topic, out, &lifecycle, &topic_type, &cid_at))
		return false;
	if (!payload)
		return reject(out, REJECT_NOT_OBJECT, "no payload");
	return decode(topic, lifecycle, topic_type, cid_at, payload, out);
}

bool event_time_plausible(int64_t t_ms, int64_t reference_ms)
{
	return t_ms >= EVENT_TIME_MIN_MS && (reference_ms > INT64_MAX - EVENT_TIME_AHEAD_MAX_MS ||
	                                     t_ms <= reference_ms + EVENT_TIME_AHEAD_MAX_MS);
}

bool event_check_time(struct event *event, int64_t received_ms)
{
	if (event->type == EVENT_REJECT || event->type == EVENT_IGNORED ||
	    event_time_plausible(event->timestamp_ms, received_ms))
		return true;
	const char *why = event->timestamp_ms < EVENT_TIME_MIN_MS ? "before 2010"
	                  : "more than a day after its receive time";
	return reject(event, REJECT_IMPLAUSIBLE_TIMESTAMP, "timestamp %" PRId64 " is %s (%" PRId64 ")",
	              event->timestamp_ms, why, received_ms);
}
