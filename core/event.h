/* One AWS IoT Core lifecycle event, parsed from an MQTT message (topic and
 * JSON payload bytes). See core/LIFECYCLE-EVENTS.md.
 *
 * Parsing never fails hard: a message that is not a valid lifecycle event
 * comes back as EVENT_REJECT with a reason, a message of another $aws/events
 * family as EVENT_IGNORED. Both are still journaled by the caller. */
#ifndef THINGTOP_EVENT_H
#define THINGTOP_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVENT_PAYLOAD_MAX (128 * 1024) /* AWS IoT's own message size limit */
#define EVENT_CLIENT_ID_MAX 128        /* bytes of UTF-8, AWS limit */
#define EVENT_SESSION_MAX 128
#define EVENT_PRINCIPAL_MAX 256
#define EVENT_IP_MAX 64
#define EVENT_REASON_MAX 96
#define EVENT_DETAIL_MAX 200
/* Plausible times: none before 2010-01-01T00:00:00Z (AWS IoT Core came
 * later), none more than a day after the receive time (clock skew). */
#define EVENT_TIME_MIN_MS INT64_C(1262304000000)
#define EVENT_TIME_AHEAD_MAX_MS INT64_C(86400000)

/* Stored in the journal as integers: never renumber. */
enum event_type {
	EVENT_REJECT = 0,       /* not a valid lifecycle event; see reject */
	EVENT_CONNECTED = 1,
	EVENT_DISCONNECTED = 2,
	EVENT_CONNECT_FAILED = 3,
	EVENT_SUBSCRIBED = 4,
	EVENT_UNSUBSCRIBED = 5,
	EVENT_IGNORED = 6,      /* another $aws/events family: counted, not used */
	/* A thing as `thingtop sync` found it in AWS's fleet index (registry
	 * and connectivity): payload = the thing's JSON object, timestamp =
	 * connectivity.timestamp or 0, reason = "NONE" when connected, else
	 * its disconnectReason ("UNKNOWN" when none). Never parsed from MQTT. */
	EVENT_BASELINE = 7,
	EVENT_TYPE_COUNT
};

enum event_reject {
	REJECT_NONE = 0,
	REJECT_BAD_JSON,        /* syntax error, bad nesting, trailing garbage */
	REJECT_NOT_OBJECT,      /* valid JSON, but not an object */
	REJECT_MISSING_FIELD,   /* clientId, timestamp or eventType absent */
	REJECT_MISTYPED_FIELD,  /* a known field with the wrong JSON type */
	REJECT_BAD_VALUE,       /* right type, impossible value (empty or oversize client id, ...) */
	REJECT_UNKNOWN_TYPE,    /* eventType not one of the five */
	REJECT_INVALID_UTF8,
	REJECT_NUL_IN_STRING,
	REJECT_OVERSIZE,        /* payload over EVENT_PAYLOAD_MAX */
	REJECT_TOPIC_MISMATCH,  /* topic names another event type or client id */
	REJECT_IMPLAUSIBLE_TIMESTAMP, /* before 2010, or over a day after its receive time */
	REJECT_COUNT
};

struct event {
	enum event_type type;
	enum event_reject reject;     /* REJECT_NONE unless type is EVENT_REJECT */
	/* Human-readable reason for a reject or an ignore, with the field name
	 * or byte offset: "missing field \"timestamp\"",
	 * "bad JSON at line 1 column 17 (offset 16): ...". Empty otherwise. */
	char detail[EVENT_DETAIL_MAX];

	/* All strings are NUL-terminated UTF-8; "" means absent. */
	char client_id[EVENT_CLIENT_ID_MAX + 1];
	char thing_name[EVENT_CLIENT_ID_MAX + 1];
	char session_id[EVENT_SESSION_MAX + 1];
	char principal[EVENT_PRINCIPAL_MAX + 1];
	char ip[EVENT_IP_MAX + 1];
	/* disconnectReason (disconnected) or connectFailureReason (connect_failed) */
	char reason[EVENT_REASON_MAX + 1];

	int64_t timestamp_ms;
	bool has_version;
	int64_t version;
	int client_initiated;        /* -1 absent, 0 false, 1 true */
	int topic_count;             /* subscribed/unsubscribed: topics[] length */
};

/* The disconnect and connect-failure reasons AWS documents
 * (core/LIFECYCLE-EVENTS.md), then "AUTHORIZATION_FAILED", "NONE" and
 * "UNKNOWN". Files store positions in this list (the journal's columns
 * index + 1, fleet snapshots ids 1 .. 13), so: append only, never
 * reorder. */
#define EVENT_KNOWN_REASONS 16
extern const char *const event_known_reasons[EVENT_KNOWN_REASONS];

/* "connected", "disconnected", "connect_failed", "subscribed",
 * "unsubscribed", "reject", "ignored". */
const char *event_type_name(enum event_type type);
/* Inverse of event_type_name for the five lifecycle types; EVENT_REJECT
 * when the name is none of them. */
enum event_type event_type_from_name(const char *name);
/* "bad_json", "not_object", "missing_field", ... */
const char *event_reject_name(enum event_reject reject);

/* Parses `len` bytes of payload received on `topic` (NULL or "" when the
 * topic is unknown, e.g. a bare NDJSON line; then no cross-check). Always
 * fills *out completely; returns true for the five lifecycle types. */
bool event_parse(const char *topic, const char *payload, size_t len, struct event *out);

/* Makes *out a reject, everything else cleared, whose detail is the
 * formatted text (cut to EVENT_DETAIL_MAX): for readers that find a bad
 * line or document before any payload is parsed. */
void event_set_reject(struct event *out, enum event_reject why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True when `t_ms` is a plausible time for something received (or
 * observed) at `reference_ms`: not before 2010, at most a day after it. */
bool event_time_plausible(int64_t t_ms, int64_t reference_ms);

/* Makes a lifecycle event whose timestamp is implausible against its
 * receive time a reject (REJECT_IMPLAUSIBLE_TIMESTAMP), so a wrong clock
 * or a microsecond timestamp never reaches the fleet or retention. Returns
 * false when it did. Rejects and ignored messages are left alone. */
bool event_check_time(struct event *event, int64_t received_ms);

/* Classifies a topic: sets *type to the lifecycle type that the topic
 * names and *client_id_at to the offset of the client id in it. Returns
 * false for a topic outside $aws/events/presence|subscriptions. */
bool event_topic_parse(const char *topic, enum event_type *type, size_t *client_id_at);

#endif
