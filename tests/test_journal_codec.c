/* The journal's payload codec: every payload shape comes back byte for
 * byte, the shapes AWS sends shrink to a few bytes, and damage is seen. */
#include "check.h"
#include "event.h"
#include "journal_codec.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const struct journal_codec_ctx aws_ctx = {
	.client_id = "sensor-1",
	.event_type = "connected",
	.session = "1f0a9867-627e-7a44-662a-e1577c8e8d7f",
	.principal = "100023757a1b2c3d4",
	.thing_name = "exampleThing",
	.ip = "10.0.0.1",
	.reason = "",
	.has_ts = true,
	.ts_ms = 1767226117417,
	.has_version = true,
	.version = 3,
};

/* Encodes and decodes `len` bytes; returns the blob's size. */
static size_t round_trip(const char *payload, size_t len, const struct journal_codec_ctx *ctx)
{
	struct journal_codec_buf blob = { 0 }, back = { 0 };
	journal_codec_encode(payload, len, ctx, NULL, &blob, NULL);
	bool crc_ok = false;
	CHECK(journal_codec_decode(blob.p, blob.len, ctx, NULL, &back, &crc_ok));
	CHECK(crc_ok);
	CHECK_INT(back.len, len);
	CHECK(back.len == len && memcmp(back.p, payload, len) == 0);
	size_t size = blob.len;
	free(blob.p);
	free(back.p);
	return size;
}

static size_t round_trip_str(const char *payload, const struct journal_codec_ctx *ctx)
{
	return round_trip(payload, strlen(payload), ctx);
}

static void test_aws_shape_is_small(void)
{
	const char *p = "{\"clientId\":\"sensor-1\",\"timestamp\":1767226117417,\"eventType\":\"connected\","
	                "\"sessionIdentifier\":\"1f0a9867-627e-7a44-662a-e1577c8e8d7f\","
	                "\"principalIdentifier\":\"100023757a1b2c3d4\",\"ipAddress\":\"10.0.0.1\","
	                "\"versionNumber\":3}";
	/* Header (5) + count + 7 entry bytes. */
	CHECK_INT(round_trip_str(p, &aws_ctx), 13);
	/* AWS's documented order, with the thing name (the thing's, kept
	 * once like its principal). */
	const char *doc = "{\"clientId\":\"sensor-1\",\"thingName\":\"exampleThing\","
	                  "\"timestamp\":1767226117417,\"eventType\":\"connected\","
	                  "\"sessionIdentifier\":\"1f0a9867-627e-7a44-662a-e1577c8e8d7f\","
	                  "\"principalIdentifier\":\"100023757a1b2c3d4\",\"ipAddress\":\"10.0.0.1\","
	                  "\"versionNumber\":3}";
	CHECK_INT(round_trip_str(doc, &aws_ctx), 14);
	/* The same with Python's default separators. */
	const char *spaced = "{\"clientId\": \"sensor-1\", \"timestamp\": 1767226117417, "
	                     "\"eventType\": \"connected\", \"versionNumber\": 3}";
	CHECK_INT(round_trip_str(spaced, &aws_ctx), 10);
}

static void test_key_orders_and_other_values(void)
{
	/* Foreign order, a different timestamp, a boolean, a topic list, an
	 * unknown field: all in the template, the differences stored. */
	const char *p = "{\"versionNumber\":3,\"eventType\":\"disconnected\",\"clientId\":\"sensor-1\","
	                "\"timestamp\":17,\"clientInitiatedDisconnect\":true,\"disconnectReason\":null,"
	                "\"topics\":[\"a/b\",\"c\"],\"extra\":{\"x\":[1,2,{\"y\":\"}\"}]}}";
	size_t n = round_trip_str(p, &aws_ctx);
	CHECK(n < strlen(p));
	CHECK(n > 5);
	/* Empty object, and no context at all. */
	struct journal_codec_ctx empty = { .client_id = "", .event_type = "", .session = "",
	                                   .principal = "", .thing_name = "", .ip = "",
	                                   .reason = "" };
	round_trip_str("{}", &empty);
	round_trip_str(p, &empty);
	round_trip_str("{\"timestamp\":1,\"versionNumber\":2}", &empty);
}

static void test_whitespace_and_escapes(void)
{
	round_trip_str("{ \"clientId\":\"sensor-1\" }", &aws_ctx);
	round_trip_str("{\"clientId\" : \"sensor-1\"}", &aws_ctx);
	round_trip_str("{\"clientId\":\"sensor-1\",\n\"timestamp\":1767226117417}\n", &aws_ctx);
	round_trip_str("{\"clientId\": \"sensor-1\",\"timestamp\":1767226117417}", &aws_ctx);
	round_trip_str("{\"clientId\":\"sensor-1\",  \"timestamp\":1}", &aws_ctx);
	/* Escapes: the context renders \u001b and \" as jansson does; other
	 * spellings of the same string stay as written. */
	struct journal_codec_ctx esc = aws_ctx;
	esc.client_id = "esc\x1b[31mred \"q\" \\ /";
	CHECK(round_trip_str("{\"clientId\":\"esc\\u001b[31mred \\\"q\\\" \\\\ /\"}", &esc) <= 8);
	round_trip_str("{\"clientId\":\"esc\\u001B[31mred \\\"q\\\" \\\\ \\/\"}", &esc);
	round_trip_str("{\"clientId\":\"\\u00e9t\\u00E9 caf\xc3\xa9 \xe6\xb8\xa9\\ud83d\\ude00\"}", &esc);
	round_trip_str("{\"k\\\"ey\":\"v\",\"\\u0063lientId\":\"sensor-1\"}", &aws_ctx);
}

static void test_rejects_come_back_whole(void)
{
	struct journal_codec_ctx empty = { .client_id = "", .event_type = "", .session = "",
	                                   .principal = "", .thing_name = "", .ip = "",
	                                   .reason = "" };
	round_trip_str("", &empty);
	round_trip_str("not json", &empty);
	round_trip_str("{", &empty);
	round_trip_str("{\"a\":", &empty);
	round_trip_str("{\"a\":1,}", &empty);
	round_trip_str("{\"a\":\"unterminated}", &empty);
	round_trip_str("[1,2,3]", &empty);
	round_trip_str("\"a string\"", &empty);
	round_trip_str("5", &empty);
	/* Invalid UTF-8 and NUL bytes. */
	round_trip("{\"clientId\":\"\xff\xfe\x80\"}", 17, &empty);
	round_trip("{\"clientId\":\"a\0b\"}", 18, &empty);
	round_trip("\0\0\0", 3, &empty);
	/* Oversize: a repetitive payload deflates. */
	size_t big = EVENT_PAYLOAD_MAX + 100;
	char *p = malloc(big);
	for (size_t i = 0; i < big; i++)
		p[i] = "{\"x\":[1,2,3]} "[i % 14];
	CHECK(round_trip(p, big, &empty) < big / 10);
	/* Random bytes: no gain, stored whole. */
	srand(13);
	for (size_t i = 0; i < 4096; i++)
		p[i] = (char)rand();
	CHECK_INT(round_trip(p, 4096, &empty), 4096 + 5);
	free(p);
}

static void test_damage_is_seen(void)
{
	const char *p = "{\"clientId\":\"sensor-1\",\"timestamp\":1767226117417}";
	struct journal_codec_buf blob = { 0 }, back = { 0 };
	journal_codec_encode(p, strlen(p), &aws_ctx, NULL, &blob, NULL);
	bool crc_ok = true;
	/* The context changed under it: the CRC says so. */
	struct journal_codec_ctx other = aws_ctx;
	other.ts_ms = 5;
	CHECK(!journal_codec_decode(blob.p, blob.len, &other, NULL, &back, &crc_ok));
	CHECK(!crc_ok);
	/* A flipped CRC byte, a cut blob, a bad mode. */
	blob.p[2] ^= 1;
	CHECK(!journal_codec_decode(blob.p, blob.len, &aws_ctx, NULL, &back, NULL));
	blob.p[2] ^= 1;
	CHECK(journal_codec_decode(blob.p, blob.len, &aws_ctx, NULL, &back, NULL));
	CHECK(!journal_codec_decode(blob.p, blob.len - 1, &aws_ctx, NULL, &back, NULL));
	CHECK(!journal_codec_decode(blob.p, 3, &aws_ctx, NULL, &back, NULL));
	blob.p[0] = 9;
	CHECK(!journal_codec_decode(blob.p, blob.len, &aws_ctx, NULL, &back, NULL));
	free(blob.p);
	free(back.p);
}

static void test_shapes(void)
{
	const char *a = "{\"clientId\":\"sensor-1\",\"timestamp\":1767226117417,\"eventType\":\"connected\","
	                "\"ipAddress\":\"10.0.0.1\",\"versionNumber\":3}";
	const char *b = "{\"clientId\":\"sensor-1\",\"timestamp\":1767226117417,\"eventType\":\"connected\","
	                "\"ipAddress\":\"10.0.0.9\",\"versionNumber\":3}";
	struct journal_shapes shapes = { 0 }, loaded = { 0 };
	struct journal_codec_buf blob = { 0 }, back = { 0 };
	journal_codec_encode(a, strlen(a), &aws_ctx, &shapes, &blob, NULL);
	CHECK_INT(shapes.count, 1);
	/* Header (5) + shape id (1): the key order lives in the shape. */
	CHECK_INT(blob.len, 6);
	CHECK(journal_codec_decode(blob.p, blob.len, &aws_ctx, &shapes, &back, NULL));
	CHECK(back.len == strlen(a) && memcmp(back.p, a, back.len) == 0);
	/* Without the shapes it cannot be read; with a copy it can. */
	CHECK(!journal_codec_decode(blob.p, blob.len, &aws_ctx, NULL, &back, NULL));
	CHECK(!journal_codec_decode(blob.p, blob.len, &aws_ctx, &loaded, &back, NULL));
	CHECK(journal_shapes_add(&loaded, 1, shapes.v[0].bytes, shapes.v[0].len));
	CHECK(!journal_shapes_add(&loaded, 3, shapes.v[0].bytes, shapes.v[0].len));
	CHECK(journal_codec_decode(blob.p, blob.len, &aws_ctx, &loaded, &back, NULL));
	/* Another IP: its value spelled out, and so another shape (a value
	 * kind is part of the shape), which the copy lacks. */
	journal_codec_encode(b, strlen(b), &aws_ctx, &shapes, &blob, NULL);
	CHECK_INT(shapes.count, 2);
	CHECK_INT(blob.len, 6 + 1 + 10);
	CHECK(!journal_codec_decode(blob.p, blob.len, &aws_ctx, &loaded, &back, NULL));
	CHECK(journal_codec_decode(blob.p, blob.len, &aws_ctx, &shapes, &back, NULL));
	CHECK(back.len == strlen(b) && memcmp(back.p, b, back.len) == 0);
	/* With that IP in the context, b takes the first shape. */
	struct journal_codec_ctx other = aws_ctx;
	other.ip = "10.0.0.9";
	journal_codec_encode(b, strlen(b), &other, &shapes, &blob, NULL);
	CHECK_INT(shapes.count, 2);
	CHECK_INT(blob.len, 6);
	CHECK(journal_shapes_find(&shapes, shapes.v[1].bytes, shapes.v[1].len) == 2);
	journal_shapes_clear(&shapes);
	journal_shapes_clear(&loaded);
	free(blob.p);
	free(back.p);
}

/* Random edits of real shapes (a byte changed, a separator, quote,
 * backslash or space put in), each through the codec and back. */
static void test_mutations(void)
{
	static const char *const bases[] = {
		"{\"clientId\":\"sensor-1\",\"timestamp\":1767226117417,\"eventType\":\"connected\","
		"\"sessionIdentifier\":\"1f0a9867-627e-7a44-662a-e1577c8e8d7f\",\"versionNumber\":3}",
		"{\"clientId\": \"sensor-1\", \"topics\": [\"a/b\", \"c\"], \"x\": {\"y\": null}}",
		"{\"clientId\":\"esc\\u001b[31m\\\"\",\"clientInitiatedDisconnect\":true}",
	};
	static const char inserts[] = ",:\"\\ {}[]\x01\xff";
	struct journal_shapes shapes = { 0 };
	struct journal_codec_buf blob = { 0 }, back = { 0 }, work[2] = { { 0 } };
	int bad = 0;
	srand(7);
	for (int round = 0; round < 20000; round++) {
		char p[256];
		const char *base = bases[round % 3];
		size_t len = strlen(base);
		memcpy(p, base, len);
		for (int edits = 1 + rand() % 3; edits > 0 && len < sizeof p - 1; edits--) {
			size_t at = (size_t)rand() % len;
			char c = inserts[rand() % (sizeof inserts - 1)];
			if (rand() % 2) {
				p[at] = c;
			} else {
				memmove(p + at + 1, p + at, len - at);
				p[at] = c;
				len++;
			}
		}
		journal_codec_encode(p, len, &aws_ctx, &shapes, &blob, work);
		if (!journal_codec_decode(blob.p, blob.len, &aws_ctx, &shapes, &back, NULL) ||
		    back.len != len || memcmp(back.p, p, len) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(shapes.count > 1);
	journal_shapes_clear(&shapes);
	free(blob.p);
	free(back.p);
	free(work[0].p);
	free(work[1].p);
}

static void test_columns(void)
{
	unsigned char b[16];
	char buf[48];
	CHECK_INT(journal_pack_session("1f0a9867-627e-7a44-662a-e1577c8e8d7f", b), 16);
	CHECK_STR(journal_unpack_session(b, 16, buf), "1f0a9867-627e-7a44-662a-e1577c8e8d7f");
	CHECK_INT(journal_pack_session("1F0A9867-627E-7A44-662A-E1577C8E8D7F", b), 0);
	CHECK_INT(journal_pack_session("1f0a9867-627e-7a44-662a-e1577c8e8d7", b), 0);
	CHECK_INT(journal_pack_session("1f0a9867x627e-7a44-662a-e1577c8e8d7f", b), 0);
	CHECK_INT(journal_pack_session("g1", b), 0);
	CHECK_INT(journal_pack_session("1f0a9867-627e-7a44-662a-e1577c8e8d7f0", b), 0);
	/* Every byte value in every place: packed exactly when the text is
	 * still 8-4-4-4-12 lowercase hex, and then it unpacks to itself. */
	int wrong = 0;
	for (size_t at = 0; at < 36; at++) {
		for (int c = 1; c < 256; c++) {
			char text[37] = "1f0a9867-627e-7a44-662a-e1577c8e8d7f";
			text[at] = (char)c;
			bool dash = at == 8 || at == 13 || at == 18 || at == 23;
			bool ok = dash ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
			size_t n = journal_pack_session(text, b);
			wrong += n != (ok ? 16u : 0u);
			if (n == 16)
				wrong += strcmp(journal_unpack_session(b, 16, buf), text) != 0;
		}
	}
	CHECK_INT(wrong, 0);
	CHECK_INT(journal_pack_ip("192.0.2.10", b), 4);
	CHECK_STR(journal_unpack_ip(b, 4, buf), "192.0.2.10");
	CHECK_INT(journal_pack_ip("2001:db8::1", b), 16);
	CHECK_STR(journal_unpack_ip(b, 16, buf), "2001:db8::1");
	CHECK_INT(journal_pack_ip("2001:DB8::1", b), 0);
	CHECK_INT(journal_pack_ip("2001:db8:0::1", b), 0);
	CHECK_INT(journal_pack_ip("010.0.0.1", b), 0);
	CHECK_INT(journal_pack_ip("", b), 0);
	/* IPv4 text as inet_ntop writes it, for every byte value in each place. */
	int differ = 0;
	for (unsigned v = 0; v < 256 * 4; v++) {
		unsigned char a[4] = { 10, 0, 200, 99 };
		a[v / 256] = (unsigned char)(v % 256);
		char want[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET, a, want, sizeof want);
		differ += strcmp(journal_unpack_ip(a, 4, buf), want) != 0;
	}
	CHECK_INT(differ, 0);
	CHECK_INT(journal_reason_code("CONNECTION_LOST"), 4);
	CHECK_STR(journal_reason_text(journal_reason_code("AUTHORIZATION_FAILED")),
	          "AUTHORIZATION_FAILED");
	CHECK_INT(journal_reason_code("connection_lost"), 0);
	CHECK_STR(journal_reason_text(0), "");
	CHECK_STR(journal_reason_text(999), "");
}

int main(void)
{
	RUN(test_aws_shape_is_small);
	RUN(test_key_orders_and_other_values);
	RUN(test_whitespace_and_escapes);
	RUN(test_rejects_come_back_whole);
	RUN(test_damage_is_seen);
	RUN(test_shapes);
	RUN(test_mutations);
	RUN(test_columns);
	return check_summary();
}
