/* Lifecycle event parsing: the five types, every reject reason, the topic
 * cross-check and hostile input. Expected values come from
 * core/LIFECYCLE-EVENTS.md and core/event.h. */
#include "build_config.h"

#include "event.h"
#include "json_internal.h"
#include "check.h"

#include <stdlib.h>

static bool parse_str(const char *topic, const char *payload, struct event *ev)
{
	return event_parse(topic, payload, strlen(payload), ev);
}

#define CHECK_HAS(hay, needle) \
	check_report(strstr((hay), (needle)) != NULL, __FILE__, __LINE__, \
	             "\"%s\" contains \"%s\"", (hay), (needle))

/* A detail never carries a raw control byte. */
static bool printable(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static void test_connected(void)
{
	/* The connected example of the AWS developer guide. */
	const char *p = "{\"clientId\":\"186b5\",\"thingName\":\"exampleThing\",\"timestamp\":1573002230757,"
		"\"eventType\":\"connected\",\"sessionIdentifier\":\"00000000-0000-0000-0000-000000000000\","
		"\"principalIdentifier\":\"12345678901234567890123456789012\",\"ipAddress\":\"192.0.2.0\","
		"\"versionNumber\":0}";
	struct event ev;

	CHECK(parse_str("$aws/events/presence/connected/186b5", p, &ev));
	CHECK_INT(ev.type, EVENT_CONNECTED);
	CHECK_INT(ev.reject, REJECT_NONE);
	CHECK_STR(ev.detail, "");
	CHECK_STR(ev.client_id, "186b5");
	CHECK_STR(ev.thing_name, "exampleThing");
	CHECK_INT(ev.timestamp_ms, 1573002230757LL);
	CHECK_STR(ev.session_id, "00000000-0000-0000-0000-000000000000");
	CHECK_STR(ev.principal, "12345678901234567890123456789012");
	CHECK_STR(ev.ip, "192.0.2.0");
	CHECK(ev.has_version);
	CHECK_INT(ev.version, 0);
	CHECK_INT(ev.client_initiated, -1);
	CHECK_STR(ev.reason, "");
	CHECK_INT(ev.topic_count, 0);
}

static void test_disconnected(void)
{
	const char *p = "{\"clientId\":\"186b5\",\"thingName\":\"exampleThing\",\"timestamp\":1573002340451,"
		"\"eventType\":\"disconnected\",\"sessionIdentifier\":\"00000000-0000-0000-0000-000000000000\","
		"\"principalIdentifier\":\"12345678901234567890123456789012\",\"clientInitiatedDisconnect\":true,"
		"\"disconnectReason\":\"CLIENT_INITIATED_DISCONNECT\",\"versionNumber\":7}";
	struct event ev;

	CHECK(parse_str(NULL, p, &ev));
	CHECK_INT(ev.type, EVENT_DISCONNECTED);
	CHECK_INT(ev.reject, REJECT_NONE);
	CHECK_STR(ev.client_id, "186b5");
	CHECK_STR(ev.thing_name, "exampleThing");
	CHECK_INT(ev.timestamp_ms, 1573002340451LL);
	CHECK_STR(ev.session_id, "00000000-0000-0000-0000-000000000000");
	CHECK_STR(ev.principal, "12345678901234567890123456789012");
	CHECK_STR(ev.ip, "");
	CHECK(ev.has_version);
	CHECK_INT(ev.version, 7);
	CHECK_INT(ev.client_initiated, 1);
	CHECK_STR(ev.reason, "CLIENT_INITIATED_DISCONNECT");

	/* false is 0, not absent; a reason we have never heard of is kept */
	CHECK(parse_str("", "{\"clientId\":\"d\",\"timestamp\":5,\"eventType\":\"disconnected\","
	                "\"clientInitiatedDisconnect\":false,\"disconnectReason\":\"SOMETHING_NEW\"}", &ev));
	CHECK_INT(ev.client_initiated, 0);
	CHECK_STR(ev.reason, "SOMETHING_NEW");
	CHECK(!ev.has_version);
}

static void test_connect_failed(void)
{
	const char *p = "{\"clientId\":\"cf-1\",\"thingName\":\"t1\",\"timestamp\":1700000000000,"
		"\"eventType\":\"connect_failed\",\"connectFailureReason\":\"AUTHORIZATION_FAILED\","
		"\"principalIdentifier\":\"abc\",\"sessionIdentifier\":\"s-1\",\"ipAddress\":\"2001:db8::1\"}";
	struct event ev;

	CHECK(parse_str("$aws/events/presence/connect_failed/cf-1", p, &ev));
	CHECK_INT(ev.type, EVENT_CONNECT_FAILED);
	CHECK_STR(ev.client_id, "cf-1");
	CHECK_STR(ev.thing_name, "t1");
	CHECK_INT(ev.timestamp_ms, 1700000000000LL);
	CHECK_STR(ev.reason, "AUTHORIZATION_FAILED");
	CHECK_STR(ev.principal, "abc");
	CHECK_STR(ev.session_id, "s-1");
	CHECK_STR(ev.ip, "2001:db8::1");
	CHECK(!ev.has_version);
	CHECK_INT(ev.client_initiated, -1);

	/* reason takes connectFailureReason here, not disconnectReason */
	CHECK(parse_str(NULL, "{\"clientId\":\"c\",\"timestamp\":1,\"eventType\":\"connect_failed\","
	                "\"disconnectReason\":\"X\"}", &ev));
	CHECK_STR(ev.reason, "");
	/* and disconnectReason is not copied for connected either */
	CHECK(parse_str(NULL, "{\"clientId\":\"c\",\"timestamp\":1,\"eventType\":\"connected\","
	                "\"disconnectReason\":\"X\"}", &ev));
	CHECK_STR(ev.reason, "");
}

static void test_subscriptions(void)
{
	const char *sub = "{\"clientId\":\"186b5\",\"thingName\":\"exampleThing\",\"timestamp\":1460065214626,"
		"\"eventType\":\"subscribed\",\"sessionIdentifier\":\"s-2\",\"principalIdentifier\":\"p-2\","
		"\"topics\":[\"foo/bar\",\"device/sensor/+\",\"x\"]}";
	const char *unsub = "{\"clientId\":\"186b5\",\"timestamp\":1460065214627,"
		"\"eventType\":\"unsubscribed\",\"sessionIdentifier\":\"s-2\",\"principalIdentifier\":\"p-2\","
		"\"topics\":[]}";
	struct event ev;

	CHECK(parse_str("$aws/events/subscriptions/subscribed/186b5", sub, &ev));
	CHECK_INT(ev.type, EVENT_SUBSCRIBED);
	CHECK_STR(ev.client_id, "186b5");
	CHECK_STR(ev.thing_name, "exampleThing");
	CHECK_INT(ev.timestamp_ms, 1460065214626LL);
	CHECK_STR(ev.session_id, "s-2");
	CHECK_STR(ev.principal, "p-2");
	CHECK_INT(ev.topic_count, 3);
	CHECK(!ev.has_version);

	CHECK(parse_str("$aws/events/subscriptions/unsubscribed/186b5", unsub, &ev));
	CHECK_INT(ev.type, EVENT_UNSUBSCRIBED);
	CHECK_STR(ev.thing_name, "");
	CHECK_INT(ev.timestamp_ms, 1460065214627LL);
	CHECK_INT(ev.topic_count, 0);
}

static void test_optional_and_extra(void)
{
	struct event ev;

	/* the minimum: three required fields, nothing else */
	CHECK(parse_str(NULL, "{\"clientId\":\"m\",\"timestamp\":0,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.type, EVENT_CONNECTED);
	CHECK_STR(ev.thing_name, "");
	CHECK(!ev.has_version);
	CHECK_INT(ev.version, 0);

	/* unknown extra fields of any shape are ignored */
	CHECK(parse_str(NULL, "{\"clientId\":\"m\",\"timestamp\":2,\"eventType\":\"connected\","
	                "\"newField\":{\"a\":[1,2,{}]},\"other\":null,\"versionNumber\":3}", &ev));
	CHECK_INT(ev.type, EVENT_CONNECTED);
	CHECK_INT(ev.version, 3);

	/* an optional field that is null counts as absent */
	CHECK(parse_str(NULL, "{\"clientId\":\"m\",\"timestamp\":2,\"eventType\":\"connected\","
	                "\"thingName\":null,\"versionNumber\":null}", &ev));
	CHECK_STR(ev.thing_name, "");
	CHECK(!ev.has_version);

	/* surrounding whitespace and a final newline are fine */
	CHECK(parse_str(NULL, " {\"clientId\":\"m\",\"timestamp\":2,\"eventType\":\"connected\"}\r\n", &ev));

	/* a client id of exactly 128 bytes (the AWS limit) fits */
	char p[400], id[200];
	memset(id, 'a', 128);
	id[128] = '\0';
	snprintf(p, sizeof(p), "{\"clientId\":\"%s\",\"timestamp\":1,\"eventType\":\"connected\"}", id);
	CHECK(parse_str(NULL, p, &ev));
	CHECK_INT(strlen(ev.client_id), 128);

	/* non-ASCII UTF-8 passes as it is */
	CHECK(parse_str(NULL, "{\"clientId\":\"caf\xc3\xa9-\\u00e9\",\"timestamp\":1,\"eventType\":\"connected\"}", &ev));
	CHECK_STR(ev.client_id, "caf\xc3\xa9-\xc3\xa9");
}

static void test_bad_json(void)
{
	struct event ev;

	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"timestamp\":1,", &ev));
	CHECK_INT(ev.type, EVENT_REJECT);
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
	CHECK_HAS(ev.detail, "bad JSON at line 1 column");

	/* trailing garbage after a complete object */
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\"} x", &ev));
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
	CHECK_HAS(ev.detail, "(offset 55)");

	/* two objects on one line */
	CHECK(!parse_str(NULL, "{}{}", &ev));
	CHECK_INT(ev.reject, REJECT_BAD_JSON);

	/* duplicate keys make an event ambiguous */
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"clientId\":\"b\",\"timestamp\":1,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
	CHECK_HAS(ev.detail, "duplicate");

	/* an integer that does not fit in 64 bits */
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"timestamp\":99999999999999999999999,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
}

static void test_empty(void)
{
	struct event ev;

	CHECK(!event_parse(NULL, "", 0, &ev));
	CHECK_INT(ev.type, EVENT_REJECT);
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
	CHECK_HAS(ev.detail, "empty");
	CHECK(!event_parse(NULL, NULL, 0, &ev));
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
	CHECK(!parse_str(NULL, " \n", &ev));
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
	CHECK_HAS(ev.detail, "line 2");
}

static void test_deep_nesting(void)
{
	size_t n = 60000; /* 120,000 bytes: under EVENT_PAYLOAD_MAX */
	char *p = malloc(2 * n + 1);
	struct event ev;

	memset(p, '[', n);
	memset(p + n, ']', n);
	CHECK(!event_parse(NULL, p, 2 * n, &ev));
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
	CHECK_HAS(ev.detail, "depth");

	/* 2,000 levels is still under jansson's limit: valid, but no object */
	CHECK(!event_parse(NULL, p + n - 2000, 4000, &ev));
	CHECK_INT(ev.reject, REJECT_NOT_OBJECT);
	free(p);
}

static void test_not_object(void)
{
	struct event ev;

	CHECK(!parse_str(NULL, "[1,2]", &ev));
	CHECK_INT(ev.reject, REJECT_NOT_OBJECT);
	CHECK_HAS(ev.detail, "array");
	CHECK(!parse_str(NULL, "42", &ev));
	CHECK_INT(ev.reject, REJECT_NOT_OBJECT);
	CHECK_HAS(ev.detail, "number");
	CHECK(!parse_str(NULL, "null", &ev));
	CHECK_INT(ev.reject, REJECT_NOT_OBJECT);
	CHECK(!event_decode(NULL, NULL, &ev));
	CHECK_INT(ev.reject, REJECT_NOT_OBJECT);
}

static void test_missing(void)
{
	struct event ev;

	CHECK(!parse_str(NULL, "{\"timestamp\":1,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_MISSING_FIELD);
	CHECK_STR(ev.detail, "missing field \"clientId\"");
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_MISSING_FIELD);
	CHECK_STR(ev.detail, "missing field \"timestamp\"");
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"timestamp\":1}", &ev));
	CHECK_INT(ev.reject, REJECT_MISSING_FIELD);
	CHECK_STR(ev.detail, "missing field \"eventType\"");
	CHECK(!parse_str(NULL, "{}", &ev));
	CHECK_INT(ev.reject, REJECT_MISSING_FIELD);
}

static void check_mistyped(const char *payload, const char *field)
{
	struct event ev;

	CHECK(!parse_str(NULL, payload, &ev));
	CHECK_INT(ev.type, EVENT_REJECT);
	CHECK_INT(ev.reject, REJECT_MISTYPED_FIELD);
	CHECK_HAS(ev.detail, field);
}

#define BASE "\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\""

static void test_mistyped(void)
{
	check_mistyped("{\"clientId\":5,\"timestamp\":1,\"eventType\":\"connected\"}", "\"clientId\"");
	check_mistyped("{\"clientId\":null,\"timestamp\":1,\"eventType\":\"connected\"}", "\"clientId\"");
	check_mistyped("{\"clientId\":\"a\",\"timestamp\":\"1\",\"eventType\":\"connected\"}", "\"timestamp\"");
	/* a real number is not an integer, even with a zero fraction */
	check_mistyped("{\"clientId\":\"a\",\"timestamp\":1.0,\"eventType\":\"connected\"}", "\"timestamp\"");
	check_mistyped("{\"clientId\":\"a\",\"timestamp\":1573002230757.5,\"eventType\":\"connected\"}", "\"timestamp\"");
	check_mistyped("{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":1}", "\"eventType\"");
	check_mistyped("{" BASE ",\"thingName\":1}", "\"thingName\"");
	check_mistyped("{" BASE ",\"sessionIdentifier\":[]}", "\"sessionIdentifier\"");
	check_mistyped("{" BASE ",\"principalIdentifier\":{}}", "\"principalIdentifier\"");
	check_mistyped("{" BASE ",\"ipAddress\":true}", "\"ipAddress\"");
	check_mistyped("{" BASE ",\"versionNumber\":\"3\"}", "\"versionNumber\"");
	check_mistyped("{" BASE ",\"versionNumber\":3.5}", "\"versionNumber\"");
	check_mistyped("{" BASE ",\"clientInitiatedDisconnect\":\"true\"}", "\"clientInitiatedDisconnect\"");
	check_mistyped("{" BASE ",\"clientInitiatedDisconnect\":1}", "\"clientInitiatedDisconnect\"");
	check_mistyped("{" BASE ",\"disconnectReason\":0}", "\"disconnectReason\"");
	check_mistyped("{" BASE ",\"connectFailureReason\":0}", "\"connectFailureReason\"");
	check_mistyped("{" BASE ",\"topics\":\"a/b\"}", "\"topics\"");
	check_mistyped("{" BASE ",\"topics\":[\"a\",2]}", "\"topics\"[1]");
}

static void test_bad_value(void)
{
	char p[600], id[300];
	struct event ev;

	CHECK(!parse_str(NULL, "{\"clientId\":\"\",\"timestamp\":1,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_BAD_VALUE);
	CHECK_HAS(ev.detail, "\"clientId\" is empty");

	memset(id, 'a', 129);
	id[129] = '\0';
	snprintf(p, sizeof(p), "{\"clientId\":\"%s\",\"timestamp\":1,\"eventType\":\"connected\"}", id);
	CHECK(!parse_str(NULL, p, &ev));
	CHECK_INT(ev.reject, REJECT_BAD_VALUE);
	CHECK_HAS(ev.detail, "\"clientId\" is 129 bytes");

	/* 65 bytes do not fit the 64-byte ipAddress */
	memset(id, '1', 65);
	id[65] = '\0';
	snprintf(p, sizeof(p), "{" BASE ",\"ipAddress\":\"%s\"}", id);
	CHECK(!parse_str(NULL, p, &ev));
	CHECK_INT(ev.reject, REJECT_BAD_VALUE);
	CHECK_HAS(ev.detail, "\"ipAddress\" is 65 bytes");

	memset(id, 'r', 97);
	id[97] = '\0';
	snprintf(p, sizeof(p), "{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"disconnected\","
	         "\"disconnectReason\":\"%s\"}", id);
	CHECK(!parse_str(NULL, p, &ev));
	CHECK_INT(ev.reject, REJECT_BAD_VALUE);
	CHECK_HAS(ev.detail, "\"disconnectReason\"");

	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"timestamp\":-1,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_BAD_VALUE);
	CHECK_HAS(ev.detail, "\"timestamp\" is negative");
	CHECK(!parse_str(NULL, "{" BASE ",\"versionNumber\":-3}", &ev));
	CHECK_INT(ev.reject, REJECT_BAD_VALUE);
	CHECK_HAS(ev.detail, "\"versionNumber\" is negative (-3)");
}

static void test_unknown_type(void)
{
	struct event ev;

	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"rebooted\"}", &ev));
	CHECK_INT(ev.type, EVENT_REJECT);
	CHECK_INT(ev.reject, REJECT_UNKNOWN_TYPE);
	CHECK_HAS(ev.detail, "\"rebooted\"");
	/* names are case-sensitive */
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"Connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_UNKNOWN_TYPE);
	/* the two internal names are not event types either */
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"ignored\"}", &ev));
	CHECK_INT(ev.reject, REJECT_UNKNOWN_TYPE);

	/* an escape sequence in the value comes out escaped */
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"x\\u001b[2Jy\"}", &ev));
	CHECK_INT(ev.reject, REJECT_UNKNOWN_TYPE);
	CHECK(printable(ev.detail));
	CHECK_HAS(ev.detail, "\\e[2Jy");
}

static void test_utf8(void)
{
	struct event ev;

	/* an invalid byte in a value */
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\xff\",\"timestamp\":1,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.type, EVENT_REJECT);
	CHECK_INT(ev.reject, REJECT_INVALID_UTF8);
	CHECK_HAS(ev.detail, "0xff at line 1 (offset 14)");
	CHECK(printable(ev.detail));

	/* ... in a key */
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\",\"k\xc3\":1,\"timestamp\":1,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_INVALID_UTF8);

	/* an overlong encoding of '/' and a lone surrogate escape */
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\xc0\xaf\",\"timestamp\":1,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_INVALID_UTF8);
	CHECK(!parse_str(NULL, "{\"clientId\":\"a\\ud800\",\"timestamp\":1,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
	CHECK(printable(ev.detail));
}

static void test_nul(void)
{
	static const char raw_in_string[] = "{\"clientId\":\"a\0b\",\"timestamp\":1,\"eventType\":\"connected\"}";
	static const char raw_after[] = "{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\"}\0";
	struct event ev;

	CHECK(!parse_str(NULL, "{\"clientId\":\"a\\u0000b\",\"timestamp\":1,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_NUL_IN_STRING);
	CHECK_HAS(ev.detail, "\\u0000");
	CHECK(!parse_str(NULL, "{\"client\\u0000Id\":\"a\",\"timestamp\":1,\"eventType\":\"connected\"}", &ev));
	CHECK_INT(ev.reject, REJECT_NUL_IN_STRING);

	CHECK(!event_parse(NULL, raw_in_string, sizeof(raw_in_string) - 1, &ev));
	CHECK_INT(ev.reject, REJECT_NUL_IN_STRING);
	CHECK_STR(ev.detail, "NUL byte at offset 14");

	/* a C string's terminator sent along with the JSON */
	CHECK(!event_parse(NULL, raw_after, sizeof(raw_after) - 1, &ev));
	CHECK_INT(ev.reject, REJECT_NUL_IN_STRING);
	CHECK_STR(ev.detail, "NUL byte at offset 54");
}

static void test_oversize(void)
{
	size_t n = EVENT_PAYLOAD_MAX + 1;
	char *p = malloc(n);
	struct event ev;

	memset(p, ' ', n);
	CHECK(!event_parse(NULL, p, n, &ev));
	CHECK_INT(ev.reject, REJECT_OVERSIZE);
	CHECK_HAS(ev.detail, "131073 bytes");

	/* exactly the limit is parsed (and is valid JSON with padding) */
	const char *obj = "{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\"}";
	memcpy(p, obj, strlen(obj));
	CHECK(event_parse(NULL, p, EVENT_PAYLOAD_MAX, &ev));
	CHECK_INT(ev.type, EVENT_CONNECTED);
	free(p);
}

static void test_topic_parse(void)
{
	enum event_type t = EVENT_REJECT;
	size_t at = 0;

	CHECK(event_topic_parse("$aws/events/presence/connected/abc", &t, &at));
	CHECK_INT(t, EVENT_CONNECTED);
	CHECK_INT(at, 31);
	CHECK(event_topic_parse("$aws/events/presence/disconnected/x", &t, &at));
	CHECK_INT(t, EVENT_DISCONNECTED);
	CHECK(event_topic_parse("$aws/events/presence/connect_failed/x", &t, &at));
	CHECK_INT(t, EVENT_CONNECT_FAILED);
	CHECK(event_topic_parse("$aws/events/subscriptions/subscribed/x", &t, &at));
	CHECK_INT(t, EVENT_SUBSCRIBED);
	CHECK(event_topic_parse("$aws/events/subscriptions/unsubscribed/plant/line-3/press-7", &t, &at));
	CHECK_INT(t, EVENT_UNSUBSCRIBED);
	CHECK_INT(at, 39);
	CHECK(!event_topic_parse("$aws/events/thing/mything/created", &t, &at));
	CHECK(!event_topic_parse("$aws/events/presence/connectedx/a", &t, &at));
	CHECK(!event_topic_parse("$aws/events/presence/connected", &t, &at));
	CHECK(!event_topic_parse("devices/a/status", &t, &at));
	CHECK(!event_topic_parse(NULL, &t, &at));
}

static void test_topic_crosscheck(void)
{
	const char *conn = "{\"clientId\":\"plant/line-3/press-7\",\"timestamp\":9,\"eventType\":\"connected\"}";
	struct event ev;

	/* a client id with '/' takes everything after the fourth level */
	CHECK(parse_str("$aws/events/presence/connected/plant/line-3/press-7", conn, &ev));
	CHECK_STR(ev.client_id, "plant/line-3/press-7");

	CHECK(!parse_str("$aws/events/presence/disconnected/plant/line-3/press-7", conn, &ev));
	CHECK_INT(ev.type, EVENT_REJECT);
	CHECK_INT(ev.reject, REJECT_TOPIC_MISMATCH);
	CHECK_HAS(ev.detail, "disconnected");

	CHECK(!parse_str("$aws/events/presence/connected/plant/line-3", conn, &ev));
	CHECK_INT(ev.reject, REJECT_TOPIC_MISMATCH);
	CHECK_HAS(ev.detail, "\"plant/line-3\"");

	/* an untrusted topic client id is escaped in the detail */
	CHECK(!parse_str("$aws/events/presence/connected/\x1b]0;pwned\x07", conn, &ev));
	CHECK_INT(ev.reject, REJECT_TOPIC_MISMATCH);
	CHECK(printable(ev.detail));

	/* a subscriptions topic for a presence payload */
	CHECK(!parse_str("$aws/events/subscriptions/subscribed/plant/line-3/press-7", conn, &ev));
	CHECK_INT(ev.reject, REJECT_TOPIC_MISMATCH);

	/* another $aws/events family: ignored without reading the payload */
	CHECK(!parse_str("$aws/events/thing/mything/updated", "{\"versionNumber\":3", &ev));
	CHECK_INT(ev.type, EVENT_IGNORED);
	CHECK_INT(ev.reject, REJECT_NONE);
	CHECK_HAS(ev.detail, "$aws/events/thing/mything/updated");
	CHECK(!parse_str("devices/\x1b[31m", conn, &ev));
	CHECK_INT(ev.type, EVENT_IGNORED);
	CHECK(printable(ev.detail));

	/* topic payload errors still win over the cross-check */
	CHECK(!parse_str("$aws/events/presence/connected/a", "{", &ev));
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
}

static void test_decode(void)
{
	json_t *j = json_pack("{s:s, s:I, s:s, s:I}", "clientId", "dev-9", "timestamp",
	                      (json_int_t)1700000000123LL, "eventType", "disconnected",
	                      "versionNumber", (json_int_t)4);
	struct event ev;

	CHECK(event_decode("$aws/events/presence/disconnected/dev-9", j, &ev));
	CHECK_INT(ev.type, EVENT_DISCONNECTED);
	CHECK_STR(ev.client_id, "dev-9");
	CHECK_INT(ev.timestamp_ms, 1700000000123LL);
	CHECK_INT(ev.version, 4);
	CHECK(!event_decode("$aws/events/presence/disconnected/dev-8", j, &ev));
	CHECK_INT(ev.reject, REJECT_TOPIC_MISMATCH);
	json_decref(j);

	/* a value built in memory may carry a NUL that json_loadb would refuse */
	j = json_pack("{s:s%, s:I, s:s}", "clientId", "ab\0cd", (size_t)5, "timestamp",
	              (json_int_t)1, "eventType", "connected");
	CHECK(!event_decode(NULL, j, &ev));
	CHECK_INT(ev.reject, REJECT_NUL_IN_STRING);
	CHECK_HAS(ev.detail, "\"clientId\"");
	json_decref(j);
	j = json_pack("{s:s, s:I, s:s%}", "clientId", "a", "timestamp", (json_int_t)1,
	              "eventType", "connected\0x", (size_t)11);
	CHECK(!event_decode(NULL, j, &ev));
	CHECK_INT(ev.reject, REJECT_UNKNOWN_TYPE);
	CHECK(printable(ev.detail));
	json_decref(j);
}

static void test_names(void)
{
	CHECK_STR(event_type_name(EVENT_CONNECTED), "connected");
	CHECK_STR(event_type_name(EVENT_CONNECT_FAILED), "connect_failed");
	CHECK_STR(event_type_name(EVENT_UNSUBSCRIBED), "unsubscribed");
	CHECK_STR(event_type_name(EVENT_REJECT), "reject");
	CHECK_STR(event_type_name(EVENT_IGNORED), "ignored");
	CHECK_INT(event_type_from_name("disconnected"), EVENT_DISCONNECTED);
	CHECK_INT(event_type_from_name("subscribed"), EVENT_SUBSCRIBED);
	CHECK_INT(event_type_from_name("reject"), EVENT_REJECT);
	CHECK_INT(event_type_from_name("ignored"), EVENT_REJECT);
	CHECK_INT(event_type_from_name(""), EVENT_REJECT);
	CHECK_STR(event_reject_name(REJECT_BAD_JSON), "bad_json");
	CHECK_STR(event_reject_name(REJECT_NOT_OBJECT), "not_object");
	CHECK_STR(event_reject_name(REJECT_MISSING_FIELD), "missing_field");
	CHECK_STR(event_reject_name(REJECT_TOPIC_MISMATCH), "topic_mismatch");
	for (int r = 0; r < REJECT_COUNT; r++)
		CHECK(strcmp(event_reject_name((enum event_reject)r), "unknown") != 0);
}

/* A reject after some fields were read still leaves a clean struct. */
static void test_reinit(void)
{
	struct event ev;

	CHECK(parse_str(NULL, "{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"subscribed\",\"topics\":[\"t\"],"
	                "\"versionNumber\":1}", &ev));
	CHECK(!parse_str(NULL, "[]", &ev));
	CHECK_STR(ev.client_id, "");
	CHECK_INT(ev.topic_count, 0);
	CHECK(!ev.has_version);
	CHECK_INT(ev.client_initiated, -1);
}

/* Files store positions in this list: a reorder would misread every
 * journal and snapshot written before it. */
static void test_known_reasons(void)
{
	static const char *const expected[] = {
		"AUTH_ERROR", "CLIENT_INITIATED_DISCONNECT", "CLIENT_ERROR", "CONNECTION_LOST",
		"DUPLICATE_CLIENTID", "FORBIDDEN_ACCESS", "MQTT_KEEP_ALIVE_TIMEOUT", "SERVER_ERROR",
		"SERVER_INITIATED_DISCONNECT", "API_INITIATED_DISCONNECT", "THROTTLED",
		"WEBSOCKET_TTL_EXPIRATION", "CUSTOMAUTH_TTL_EXPIRATION", "AUTHORIZATION_FAILED",
		"NONE", "UNKNOWN",
	};
	CHECK_INT(EVENT_KNOWN_REASONS, sizeof expected / sizeof expected[0]);
	for (size_t i = 0; i < EVENT_KNOWN_REASONS; i++)
		CHECK_STR(event_known_reasons[i], expected[i]);
}


/* Trees from event_json_load come from the thread's arena (json_arena.c).
 * A tree kept while another is parsed must stay intact, a big document
 * must parse past the arena's size, and a json_dumps result must be
 * freeable with free(), since it escapes the parse. */
static void test_parse_arena(void)
{
	json_error_t err;
	const char *first = "{\"a\":\"first tree\",\"n\":[1,2,3]}";
	json_t *kept = event_json_load(first, strlen(first), 0, &err);
	CHECK(kept != NULL);
	for (int i = 0; i < 200; i++) {
		char text[64];
		int n = snprintf(text, sizeof text, "{\"b\":\"tree %d\",\"c\":{\"d\":%d}}", i, i);
		json_t *other = event_json_load(text, (size_t)n, JSON_REJECT_DUPLICATES, &err);
		CHECK_INT(json_integer_value(json_object_get(json_object_get(other, "c"), "d")), i);
		json_decref(other);
	}
	CHECK_STR(json_string_value(json_object_get(kept, "a")), "first tree");
	CHECK_INT(json_integer_value(json_array_get(json_object_get(kept, "n"), 2)), 3);

	/* 4000 members, some 100 kB of blocks: most of them from malloc. */
	size_t cap = 200000, len = 0;
	char *big = malloc(cap);
	big[len++] = '{';
	for (int i = 0; i < 4000; i++)
		len += (size_t)snprintf(big + len, cap - len, "%s\"key%d\":\"value %d\"", i ? "," : "", i, i);
	big[len++] = '}';
	json_t *doc = event_json_load(big, len, JSON_REJECT_DUPLICATES, &err);
	CHECK_INT(json_object_size(doc), 4000);
	CHECK_STR(json_string_value(json_object_get(doc, "key3999")), "value 3999");
	char *text = json_dumps(json_object_get(kept, "n"), JSON_COMPACT);
	CHECK_STR(text, "[1,2,3]");
	free(text);
	json_decref(doc);
	json_decref(kept);
	free(big);
}

int main(void)
{
	RUN(test_known_reasons);
	RUN(test_connected);
	RUN(test_disconnected);
	RUN(test_connect_failed);
	RUN(test_subscriptions);
	RUN(test_optional_and_extra);
	RUN(test_bad_json);
	RUN(test_empty);
	RUN(test_deep_nesting);
	RUN(test_not_object);
	RUN(test_missing);
	RUN(test_mistyped);
	RUN(test_bad_value);
	RUN(test_unknown_type);
	RUN(test_utf8);
	RUN(test_nul);
	RUN(test_oversize);
	RUN(test_topic_parse);
	RUN(test_topic_crosscheck);
	RUN(test_decode);
	RUN(test_names);
	RUN(test_reinit);
	RUN(test_parse_arena);
	return check_summary();
}
