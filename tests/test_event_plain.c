/* The plain fast path (event_plain.h) against the jansson path it stands
 * in for: on the simulator's stream, on hand-written edge cases, and on
 * every one-byte change of a few payloads, the two give the same event
 * (and for import lines, the same message), byte for byte. And the fast
 * path does take the plain payloads, or it gains nothing. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event_plain.h"
#include "ndjson.h"
#include "simulate.h"

static int mismatches;

/* Both paths into structs filled with different garbage first, so a
 * field one of them forgets to set shows too. */
static void same_parse(const char *topic, const char *payload, size_t len)
{
	struct event fast, slow;
	memset(&fast, 0xAA, sizeof fast);
	memset(&slow, 0x55, sizeof slow);
	bool ok_fast = event_parse(topic, payload, len, &fast);
	bool ok_slow = event_parse_json(topic, payload, len, &slow);
	if (ok_fast != ok_slow || memcmp(&fast, &slow, sizeof fast) != 0) {
		if (mismatches++ < 5)
			fprintf(stderr, "paths differ on %.*s (topic %s): %s / %s\n", (int)len, payload,
			        topic ? topic : "none", fast.detail, slow.detail);
		CHECK(!"the fast path agrees with jansson's");
	}
}

static bool same_text(const char *a, size_t a_len, const char *b, size_t b_len)
{
	return a_len == b_len && memcmp(a, b, a_len) == 0;
}

static void same_line(const char *line, size_t len)
{
	struct event fast, slow;
	struct ndjson_message mf, ms;
	memset(&fast, 0xAA, sizeof fast);
	memset(&slow, 0x55, sizeof slow);
	ndjson_decode_line(line, len, &fast, &mf);
	ndjson_decode_line_json(line, len, &slow, &ms);
	bool same = memcmp(&fast, &slow, sizeof fast) == 0 && mf.has_received == ms.has_received &&
	            mf.received_ms == ms.received_ms && same_text(mf.raw, mf.raw_len, ms.raw, ms.raw_len) &&
	            (mf.topic ? ms.topic && strcmp(mf.topic, ms.topic) == 0 : !ms.topic);
	if (!same) {
		if (mismatches++ < 5)
			fprintf(stderr, "lines differ on %.*s: %s / %s\n", (int)len, line, fast.detail,
			        slow.detail);
		CHECK(!"the fast path reads the line as jansson's does");
	}
	ndjson_message_finish(&mf);
	ndjson_message_finish(&ms);
}

static bool takes(const char *topic, const char *payload, size_t len)
{
	struct plain_object obj;
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.client_initiated = -1;
	return plain_scan(payload, len, &obj, NULL) && plain_event(topic, &obj, &ev);
}

/* Every message of a simulated fleet with all quirks, as a payload and as
 * an import line. */
static void test_simulator_stream(void)
{
	struct simulate_options o;
	simulate_defaults(&o);
	o.things = 200;
	struct simulator *sim = simulate_create(&o);
	struct simulate_message msg;
	int taken = 0, valid = 0;
	char *line = NULL;
	size_t line_cap = 0;
	for (int i = 0; i < 20000 && simulate_next(sim, &msg); i++) {
		same_parse(msg.topic, msg.payload, msg.payload_len);
		same_parse(NULL, msg.payload, msg.payload_len);
		struct event ev;
		if (event_parse_json(msg.topic, msg.payload, msg.payload_len, &ev)) {
			valid++;
			taken += takes(msg.topic, msg.payload, msg.payload_len);
		}
		FILE *f = open_memstream(&line, &line_cap);
		simulate_write_ndjson(&msg, f);
		fclose(f);
		same_line(line, strlen(line) - 1);
		free(line); /* each stream makes a buffer of its own */
		line = NULL;
		/* The payload alone, as a bare line. */
		same_line(msg.payload, msg.payload_len);
	}
	simulate_destroy(sim);
	CHECK(valid > 15000);
	/* Only the simulator's odd ones (escapes, fractions, ...) go the slow way. */
	fprintf(stderr, "fast path took %d of %d valid events\n", taken, valid);
	CHECK(taken >= valid * 97 / 100);
}

static const char *const edge_payloads[] = {
	/* taken */
	"{\"clientId\":\"a\",\"timestamp\":1767225600000,\"eventType\":\"connected\"}",
	" \t\r\n{ \"clientId\" : \"a\" , \"timestamp\" : 1767225600000 , \"eventType\" : \"connected\" } \n",
	"{\"clientId\":\"a\",\"timestamp\":0,\"eventType\":\"disconnected\",\"disconnectReason\":null,"
	"\"clientInitiatedDisconnect\":false,\"versionNumber\":null,\"thingName\":null}",
	"{\"clientId\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\",\"timestamp\":999999999999999999,\"eventType\":\"connected\",\"x\":[]}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connect_failed\",\"connectFailureReason\":\"AUTH_ERROR\","
	"\"disconnectReason\":\"CONNECTION_LOST\",\"extra\":true,\"topics\":[\"x\"]}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"subscribed\",\"topics\":[ \"a/b\" , \"\" ]}",
	"{\"clientId\":\"\x7f\",\"timestamp\":1,\"eventType\":\"unsubscribed\",\"\":\"\"}",
	/* left to jansson: each must still agree */
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\",\"clientId\":\"b\"}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\",\"x\":1,\"x\":2}",
	"{\"clientId\":\"a\",\"timestamp\":1234567890123456789,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\",\"timestamp\":9223372036854775808,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\",\"timestamp\":01,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\",\"timestamp\":-0,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\",\"timestamp\":-5,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\",\"timestamp\":1.0,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\",\"timestamp\":1e3,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\\u0041\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\\u0000\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"Connected\"}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\",\"versionNumber\":\"1\"}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\",\"clientInitiatedDisconnect\":1}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"subscribed\",\"topics\":[\"t\",1]}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"subscribed\",\"topics\":[\"t\",]}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"subscribed\",\"topics\":[\"t\\n\"]}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"subscribed\",\"x\":{\"y\":1}}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\"} x",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\",}",
	"{\"clientId\":\"a\",\"timestamp\":truex,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\"",
	"{\"clientId\":\"\xc0\x80\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"\xe0\x80\x80\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"\xed\xa0\x80\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"\xf0\x80\x80\x80\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"\xf4\x90\x80\x80\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"\xf5\x80\x80\x80\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"\xc3\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"{\"clientId\":\"a\x01\",\"timestamp\":1,\"eventType\":\"connected\"}",
	"[{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\"}]",
	"{}",
	"",
};

static void test_edge_cases(void)
{
	size_t n = sizeof edge_payloads / sizeof edge_payloads[0];
	int taken = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = edge_payloads[i];
		same_parse(NULL, p, strlen(p));
		same_parse("$aws/events/presence/connected/a", p, strlen(p));
		same_parse("$aws/events/presence/connected/b", p, strlen(p));
		same_line(p, strlen(p));
		taken += takes(NULL, p, strlen(p));
	}
	/* The first eight are plain and valid; no other is taken. */
	CHECK_INT(taken, 8);
	for (size_t i = 0; i < 8; i++)
		CHECK(takes(NULL, edge_payloads[i], strlen(edge_payloads[i])));
}

/* Strings at and past their limits: the byte counts decide. */
static void test_limits(void)
{
	static const struct {
		const char *key;
		size_t limit;
		const char *type;
		bool kept;               /* false: the event type ignores the field */
	} fields[] = {
		{ "clientId", EVENT_CLIENT_ID_MAX, "connected", true },
		{ "thingName", EVENT_CLIENT_ID_MAX, "connected", true },
		{ "sessionIdentifier", EVENT_SESSION_MAX, "connected", true },
		{ "principalIdentifier", EVENT_PRINCIPAL_MAX, "connected", true },
		{ "ipAddress", EVENT_IP_MAX, "connected", true },
		{ "disconnectReason", EVENT_REASON_MAX, "disconnected", true },
		{ "connectFailureReason", EVENT_REASON_MAX, "connect_failed", true },
		{ "disconnectReason", EVENT_REASON_MAX, "connected", false },
	};
	char value[400], payload[600];
	for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
		for (size_t len = fields[f].limit - 1; len <= fields[f].limit + 1; len++) {
			memset(value, 'v', len);
			value[len] = '\0';
			if (strcmp(fields[f].key, "clientId") == 0)
				snprintf(payload, sizeof payload,
				         "{\"clientId\":\"%s\",\"timestamp\":1,\"eventType\":\"%s\"}", value,
				         fields[f].type);
			else
				snprintf(payload, sizeof payload,
				         "{\"clientId\":\"c\",\"timestamp\":1,\"eventType\":\"%s\",\"%s\":\"%s\"}",
				         fields[f].type, fields[f].key, value);
			same_parse(NULL, payload, strlen(payload));
			/* A kept field over its limit is a reject, never taken. */
			bool reject = fields[f].kept && len > fields[f].limit;
			CHECK(takes(NULL, payload, strlen(payload)) == !reject);
		}
	}
}

/* Every position of two payloads and an envelope changed to each of a set
 * of bytes that matter to JSON or UTF-8, deleted, or doubled. */
static void test_one_byte_changes(void)
{
	static const char *const bases[] = {
		"{\"clientId\":\"th-1\",\"timestamp\":1767225617626,\"eventType\":\"disconnected\","
		"\"clientInitiatedDisconnect\":true,\"sessionIdentifier\":\"5bb2d2bd-a703-5d20-360e-d807cb44679b\","
		"\"principalIdentifier\":\"4575\",\"disconnectReason\":\"CLIENT_INITIATED_DISCONNECT\",\"versionNumber\":3}",
		"{\"clientId\":\"\xc3\xa9t\xc3\xa9\",\"timestamp\":1,\"eventType\":\"connected\",\"ipAddress\":null}",
		"{\"topic\":\"$aws/events/presence/connected/a\",\"payload\":{\"clientId\":\"a\",\"timestamp\":1,"
		"\"eventType\":\"connected\"},\"receivedAt\":1767225600187}",
	};
	static const unsigned char bytes[] = { '"', '\\', '{', '}', '[', ',', ':', ' ', '\n', '0', '9', '-',
	                                       '.', 'e', 'n', 'x', 0x00, 0x1f, 0x7f, 0x80, 0xbf, 0xc0,
	                                       0xc3, 0xe0, 0xed, 0xf0, 0xf4, 0xf5, 0xff };
	char buf[512];
	for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
		size_t len = strlen(bases[b]);
		for (size_t at = 0; at < len; at++) {
			for (size_t k = 0; k < sizeof bytes; k++) {
				memcpy(buf, bases[b], len);
				buf[at] = (char)bytes[k];
				same_parse(NULL, buf, len);
				same_line(buf, len);
			}
			memcpy(buf, bases[b], at);
			memcpy(buf + at, bases[b] + at + 1, len - at - 1);
			same_parse(NULL, buf, len - 1);
			same_line(buf, len - 1);
			memcpy(buf, bases[b], at + 1);
			memcpy(buf + at + 1, bases[b] + at, len - at);
			same_parse(NULL, buf, len + 1);
			same_line(buf, len + 1);
		}
	}
}

int main(void)
{
	RUN(test_simulator_stream);
	RUN(test_edge_cases);
	RUN(test_limits);
	RUN(test_one_byte_changes);
	return check_summary();
}
