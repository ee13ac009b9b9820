/* The message path end to end: NDJSON lines, line reading, ingest into a
 * real journal and fleet, and rebuilding the same fleet from the journal
 * (with and without a snapshot). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "temp_dir.h"
#include "ingest.h"
#include "journal.h"
#include "lines.h"
#include "ndjson.h"
#include "rebuild.h"
#include "same_fleet.h"

static void test_ndjson_bare_payload(void)
{
	const char *line = "{\"clientId\":\"a/b\",\"timestamp\":1000,\"eventType\":\"connected\","
	                   "\"sessionIdentifier\":\"s1\",\"versionNumber\":3,\"ipAddress\":\"10.0.0.1\"}";
	struct event ev;
	struct ndjson_message msg;
	ndjson_decode_line(line, strlen(line), &ev, &msg);
	CHECK_INT(ev.type, EVENT_CONNECTED);
	CHECK_STR(ev.client_id, "a/b");
	CHECK_INT(ev.timestamp_ms, 1000);
	CHECK(msg.topic == NULL);
	CHECK(!msg.has_received);
	/* The raw payload is the line itself. */
	CHECK(msg.raw == line);
	CHECK_INT(msg.raw_len, strlen(line));
	ndjson_message_finish(&msg);
}

static void test_ndjson_envelope_object(void)
{
	/* Spacing kept as written: the journal stores the payload's exact bytes. */
	const char *payload = "{ \"clientId\": \"x\", \"timestamp\": 5, \"eventType\": \"disconnected\","
	                      " \"disconnectReason\": \"CONNECTION_LOST\", \"extra\": {\"payload\": \"}\"} }";
	char line[512];
	snprintf(line, sizeof(line),
	         "{\"topic\": \"$aws/events/presence/disconnected/x\", \"payload\": %s, \"receivedAt\": 777}",
	         payload);
	struct event ev;
	struct ndjson_message msg;
	ndjson_decode_line(line, strlen(line), &ev, &msg);
	CHECK_INT(ev.type, EVENT_DISCONNECTED);
	CHECK_STR(ev.reason, "CONNECTION_LOST");
	CHECK_STR(msg.topic, "$aws/events/presence/disconnected/x");
	CHECK(msg.has_received);
	CHECK_INT(msg.received_ms, 777);
	CHECK_INT(msg.raw_len, strlen(payload));
	CHECK(msg.raw_len == strlen(payload) && memcmp(msg.raw, payload, msg.raw_len) == 0);
	ndjson_message_finish(&msg);
}

static void test_ndjson_envelope_string_payload(void)
{
	const char *line = "{\"topic\":\"$aws/events/presence/connected/x\","
	                   "\"payload\":\"{\\\"clientId\\\":\\\"x\\\",\\\"timestamp\\\":9,\\\"eventType\\\":\\\"connected\\\"}\"}";
	struct event ev;
	struct ndjson_message msg;
	ndjson_decode_line(line, strlen(line), &ev, &msg);
	CHECK_INT(ev.type, EVENT_CONNECTED);
	CHECK_STR(ev.client_id, "x");
	CHECK_INT(ev.timestamp_ms, 9);
	const char *want = "{\"clientId\":\"x\",\"timestamp\":9,\"eventType\":\"connected\"}";
	CHECK(msg.raw_len == strlen(want) && memcmp(msg.raw, want, msg.raw_len) == 0);
	ndjson_message_finish(&msg);
}

static void test_ndjson_envelope_topic_mismatch(void)
{
	const char *line = "{\"topic\":\"$aws/events/presence/connected/other\","
	                   "\"payload\":{\"clientId\":\"x\",\"timestamp\":9,\"eventType\":\"connected\"}}";
	struct event ev;
	struct ndjson_message msg;
	ndjson_decode_line(line, strlen(line), &ev, &msg);
	CHECK_INT(ev.type, EVENT_REJECT);
	CHECK_INT(ev.reject, REJECT_TOPIC_MISMATCH);
	ndjson_message_finish(&msg);
}

static void test_ndjson_rejects(void)
{
	struct event ev;
	struct ndjson_message msg;

	ndjson_decode_line("", 0, &ev, &msg);
	CHECK_INT(ev.type, EVENT_REJECT);
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
	CHECK(strstr(ev.detail, "empty") != NULL);
	ndjson_message_finish(&msg);

	ndjson_decode_line("not json at all", 15, &ev, &msg);
	CHECK_INT(ev.type, EVENT_REJECT);
	CHECK_INT(ev.reject, REJECT_BAD_JSON);
	ndjson_message_finish(&msg);

	ndjson_decode_line("[1,2]", 5, &ev, &msg);
	CHECK_INT(ev.reject, REJECT_NOT_OBJECT);
	ndjson_message_finish(&msg);

	const char *bad_topic = "{\"topic\":5,\"payload\":{}}";
	ndjson_decode_line(bad_topic, strlen(bad_topic), &ev, &msg);
	CHECK_INT(ev.reject, REJECT_MISTYPED_FIELD);
	CHECK(strstr(ev.detail, "topic") != NULL);
	ndjson_message_finish(&msg);

	const char *bad_received = "{\"topic\":\"t\",\"payload\":{},\"receivedAt\":\"yesterday\"}";
	ndjson_decode_line(bad_received, strlen(bad_received), &ev, &msg);
	CHECK_INT(ev.reject, REJECT_MISTYPED_FIELD);
	CHECK(strstr(ev.detail, "receivedAt") != NULL);
	ndjson_message_finish(&msg);

	/* Invalid UTF-8 in a bare line is the parser's reject reason. */
	const char bad_utf8[] = "{\"clientId\":\"\xff\",\"timestamp\":1,\"eventType\":\"connected\"}";
	ndjson_decode_line(bad_utf8, sizeof(bad_utf8) - 1, &ev, &msg);
	CHECK_INT(ev.reject, REJECT_INVALID_UTF8);
	ndjson_message_finish(&msg);
}

static void test_ndjson_envelope_escaped_strings(void)
{
	/* Quotes and backslashes inside strings must not end the payload early. */
	const char *payload = "{\"clientId\":\"q\\\"x\\\\\",\"timestamp\":5,\"eventType\":\"connected\","
	                      "\"note\":\"}{\\\\\"}";
	char line[512];
	snprintf(line, sizeof(line), "{\"payload\": %s, \"topic\": \"$aws/events/presence/connected/q\\\"x\\\\\"}",
	         payload);
	struct event ev;
	struct ndjson_message msg;
	ndjson_decode_line(line, strlen(line), &ev, &msg);
	CHECK_INT(ev.type, EVENT_CONNECTED);
	CHECK_STR(ev.client_id, "q\"x\\");
	CHECK_INT(msg.raw_len, strlen(payload));
	CHECK(msg.raw_len == strlen(payload) && memcmp(msg.raw, payload, msg.raw_len) == 0);
	ndjson_message_finish(&msg);
}

struct counted_reader {
	const unsigned char *data;
	size_t len;
	size_t calls, largest;
};

static bool read_counted(void *ctx, void *buf, size_t len, size_t offset)
{
	struct counted_reader *r = ctx;
	r->calls++;
	if (len > r->largest)
		r->largest = len;
	if (offset > r->len || len > r->len - offset)
		return false;
	memcpy(buf, r->data + offset, len);
	return true;
}

/* A snapshot several times the loader's 1 MiB window streams back into
 * the same fleet: saving the loaded fleet gives the same bytes. */
static void test_snapshot_streams_in_pieces(void)
{
	struct fleet_config config;
	fleet_config_defaults(&config);
	struct fleet *fleet = fleet_create(&config);
	char id[64], session[64];
	for (int i = 0; i < 20000; i++) {
		snprintf(id, sizeof(id), "streamed-thing-%05d", i);
		snprintf(session, sizeof(session), "s-%d", i);
		struct fleet_event ev = {
			.type = i % 3 ? EVENT_CONNECTED : EVENT_DISCONNECTED, .client_id = id,
			.timestamp_ms = 1000 + i, .received_ms = 2000 + i, .has_version = true,
			.version = i % 7, .session_id = session, .reason = "CONNECTION_LOST",
			.ip = "192.0.2.1", .seq = (uint64_t)i + 1,
		};
		fleet_apply(fleet, &ev, NULL);
	}
	size_t len, len2;
	unsigned char *saved = fleet_save(fleet, &len);
	CHECK(len > 1u << 20); /* more than one window */
	struct counted_reader reader = { .data = saved, .len = len };
	char *cause = NULL;
	struct fleet *loaded = fleet_load_stream(len, read_counted, &reader, &config, &cause);
	CHECK(loaded != NULL);
	CHECK(reader.largest <= 1u << 20);
	CHECK(reader.calls >= 2 * (len >> 20));
	if (loaded) {
		CHECK_INT(fleet_count(loaded), 20000);
		unsigned char *again = fleet_save(loaded, &len2);
		CHECK(len2 == len && memcmp(again, saved, len) == 0);
		free(again);
		fleet_destroy(loaded);
	}
	/* One damaged byte past the first window is caught before anything is built. */
	saved[len / 2] ^= 0x40;
	reader = (struct counted_reader){ .data = saved, .len = len };
	loaded = fleet_load_stream(len, read_counted, &reader, &config, &cause);
	CHECK(loaded == NULL);
	CHECK(cause && strstr(cause, "checksum") != NULL);
	free(cause);
	free(saved);
	fleet_destroy(fleet);
}

static void test_line_reader(void)
{
	FILE *f = tmpfile();
	fputs("one\r\ntwo\n\n", f);
	for (int i = 0; i < 100; i++)
		fputc('x', f);
	fputs("\nlast", f);
	rewind(f);

	struct line_reader reader;
	const char *line;
	size_t len;
	bool truncated;
	line_reader_init(&reader, f, 50);
	CHECK(line_reader_next(&reader, &line, &len, &truncated));
	CHECK(len == 3 && memcmp(line, "one", 3) == 0 && !truncated);
	CHECK(line_reader_next(&reader, &line, &len, &truncated));
	CHECK(len == 3 && memcmp(line, "two", 3) == 0);
	CHECK(line_reader_next(&reader, &line, &len, &truncated));
	CHECK_INT(len, 0);
	CHECK(line_reader_next(&reader, &line, &len, &truncated));
	CHECK(truncated);
	CHECK_INT(len, 50);
	CHECK_INT(reader.line_no, 4);
	CHECK(line_reader_next(&reader, &line, &len, &truncated));
	CHECK(len == 4 && memcmp(line, "last", 4) == 0 && !truncated);
	CHECK_INT(reader.line_no, 5);
	CHECK(!line_reader_next(&reader, &line, &len, &truncated));
	line_reader_finish(&reader);
	fclose(f);
}

/* Times below are relative to T0: ingest rejects timestamps before 2010. */
#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

static void put(struct ingest *in, const char *type, const char *client, const char *session,
                int64_t ts, int version, const char *reason, int64_t received)
{
	char payload[512];
	ts += T0;
	received += T0;
	if (strcmp(type, "disconnected") == 0)
		snprintf(payload, sizeof(payload),
		         "{\"clientId\":\"%s\",\"timestamp\":%lld,\"eventType\":\"disconnected\","
		         "\"sessionIdentifier\":\"%s\",\"versionNumber\":%d,\"disconnectReason\":\"%s\"}",
		         client, (long long)ts, session, version, reason);
	else
		snprintf(payload, sizeof(payload),
		         "{\"clientId\":\"%s\",\"timestamp\":%lld,\"eventType\":\"%s\","
		         "\"sessionIdentifier\":\"%s\",\"versionNumber\":%d,\"ipAddress\":\"192.0.2.7\"}",
		         client, (long long)ts, type, session, version);
	char topic[256];
	snprintf(topic, sizeof(topic), "$aws/events/presence/%s/%s", type, client);
	ingest_message(in, topic, payload, strlen(payload), received);
}

static const struct fleet_thing *find(const struct fleet *fleet, const char *id)
{
	const struct fleet_thing *t = fleet_find(fleet, id);
	CHECK(t != NULL);
	return t;
}

/* A small history with a late old-session disconnect and a duplicate. */
static void feed_history(struct ingest *in)
{
	put(in, "connected", "alpha", "a1", 1000, 1, NULL, 1100);
	put(in, "connected", "beta", "b1", 1000, 1, NULL, 1200);
	put(in, "disconnected", "beta", "b1", 5000, 1, "CONNECTION_LOST", 5100);
	put(in, "connected", "alpha", "a2", 9000, 2, NULL, 9100);
	/* alpha's old session closed late: must not turn alpha off */
	put(in, "disconnected", "alpha", "a1", 9500, 1, "DUPLICATE_CLIENTID", 9600);
	put(in, "disconnected", "beta", "b1", 5000, 1, "CONNECTION_LOST", 9700); /* duplicate */
	ingest_message(in, "$aws/events/presence/connected/gamma", "{oops", 5, T0 + 9800);
}

static void test_ingest_and_rebuild(void)
{
	char *cause = NULL;
	struct fleet_config config;
	fleet_config_defaults(&config);
	char *path = new_path("ingest.db");

	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j) {
		free(path);
		return;
	}
	struct fleet *live = fleet_create(&config);
	struct ingest in;
	ingest_init(&in, j, live);
	feed_history(&in);

	CHECK_INT(in.stats.received, 7);
	CHECK_INT(in.stats.rejected, 1);
	CHECK_INT(in.stats.duplicates, 1);
	CHECK_INT(in.stats.accepted, 5);
	CHECK_INT(in.stats.stale, 1);
	CHECK_INT(find(live, "alpha")->status, STATUS_CONNECTED);
	CHECK_INT(find(live, "beta")->status, STATUS_DISCONNECTED);
	CHECK(journal_flush(j, &cause));

	/* Everything received is in the journal, the reject too. */
	struct journal_info info;
	CHECK(journal_get_info(j, &info, &cause));
	CHECK_INT(info.events + info.rejects, 7);
	CHECK_INT(info.rejects, 1);
	CHECK_INT(info.things, 2);

	/* A full replay (no snapshot yet) rebuilds the same table. */
	struct fleet *replayed = rebuild_fleet(j, &config, 0, &cause);
	CHECK(replayed != NULL);
	if (replayed) {
		CHECK_INT(fleet_count(replayed), 2);
		CHECK_INT(find(replayed, "alpha")->status, STATUS_CONNECTED);
		CHECK_INT(find(replayed, "alpha")->id, find(live, "alpha")->id);
		CHECK_STR(fleet_reason_name(replayed, find(replayed, "beta")->last_reason), "CONNECTION_LOST");
		CHECK_INT(find(replayed, "beta")->duplicates, 1);
		CHECK_INT(fleet_last_seq(replayed), 7);
		fleet_destroy(replayed);
	}

	/* Checkpoint, then more events: snapshot + tail must equal the live table. */
	CHECK(ingest_checkpoint(&in, &cause));
	put(&in, "disconnected", "alpha", "a2", 20000, 2, "MQTT_KEEP_ALIVE_TIMEOUT", 20100);
	put(&in, "connected", "beta", "b2", 8000000, 0, NULL, 8000100); /* version reset after 2 h */
	CHECK(journal_flush(j, &cause));
	journal_close(j);

	j = journal_open(path, JOURNAL_READ_ONLY, &cause);
	CHECK(j != NULL);
	free(path);
	if (!j) {
		fleet_destroy(live);
		return;
	}
	replayed = rebuild_fleet(j, &config, 0, &cause);
	CHECK(replayed != NULL);
	if (replayed) {
		CHECK_INT(find(replayed, "alpha")->status, STATUS_DISCONNECTED);
		CHECK_STR(fleet_reason_name(replayed, find(replayed, "alpha")->last_reason),
		          "MQTT_KEEP_ALIVE_TIMEOUT");
		CHECK_INT(find(replayed, "beta")->status, STATUS_CONNECTED);
		CHECK_INT(find(replayed, "beta")->since_ms, T0 + 8000000);
		CHECK_INT(fleet_status_count(replayed, STATUS_CONNECTED), 1);
		CHECK_INT(fleet_status_count(replayed, STATUS_DISCONNECTED), 1);
		CHECK_INT(fleet_last_seq(replayed), 9);
		fleet_destroy(replayed);
	}

	/* As of seq 3 (before alpha's second session): alpha connected by a1, beta down. */
	replayed = rebuild_fleet(j, &config, 3, &cause);
	CHECK(replayed != NULL);
	if (replayed) {
		CHECK_INT(find(replayed, "alpha")->since_ms, T0 + 1000);
		CHECK_INT(find(replayed, "beta")->status, STATUS_DISCONNECTED);
		CHECK_INT(fleet_last_seq(replayed), 3);
		fleet_destroy(replayed);
	}
	journal_close(j);
	fleet_destroy(live);
	free(cause);
}

/* A rebuild long enough to read on a second thread (journal_scan_ahead,
 * from 20000 rows) gives the table the live run had, at the end and as of
 * a seq in the middle; late, duplicate and rejected messages included. */
static void test_long_rebuild_reads_ahead(void)
{
	enum { ROWS = 30000, THINGS = 300, MIDDLE = 24001 };
	static const char *const reasons[] = { "CONNECTION_LOST", "MQTT_KEEP_ALIVE_TIMEOUT",
	                                       "CLIENT_INITIATED_DISCONNECT" };
	char *cause = NULL;
	struct fleet_config config;
	fleet_config_defaults(&config);
	char *path = new_path("ahead.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j) {
		free(path);
		return;
	}
	struct fleet *live = fleet_create(&config), *middle = fleet_create(&config);
	struct ingest in, in_middle;
	ingest_init(&in, j, live);
	ingest_init(&in_middle, NULL, middle);
	for (int i = 0; i < ROWS; i++) {
		char client[32], session[40];
		int thing = (i * 7919) % THINGS, round = i / THINGS;
		snprintf(client, sizeof client, "ahead-%03d", thing);
		/* Every tenth session's disconnect comes late, after the next connect. */
		snprintf(session, sizeof session, "s-%d-%d", thing, round / 2 - (round % 20 == 1));
		bool connect = round % 2 == 0;
		int64_t ts = 1000LL * i + (thing % 7) * 300;
		struct ingest *targets[2] = { &in, i < MIDDLE ? &in_middle : NULL };
		for (int t = 0; t < 2 && targets[t]; t++) {
			if (i % 97 == 0)
				ingest_message(targets[t], "$aws/events/presence/connected/x", "{bad", 4, T0 + ts);
			else
				put(targets[t], connect ? "connected" : "disconnected", client, session, ts,
				    round / 2 + 1, reasons[i % 3], ts + 50);
			if (i % 50 == 0 && i % 97 != 0) /* a duplicate of the same message */
				put(targets[t], connect ? "connected" : "disconnected", client, session, ts,
				    round / 2 + 1, reasons[i % 3], ts + 60);
		}
	}
	CHECK(journal_flush(j, &cause));
	uint64_t middle_seq = fleet_last_seq(middle);

	struct fleet *rebuilt = rebuild_fleet_replay(j, &config, 0, &cause);
	CHECK(rebuilt != NULL);
	if (rebuilt) {
		CHECK_INT(fleet_count(rebuilt), THINGS);
		CHECK_INT(fleet_last_seq(rebuilt), fleet_last_seq(live));
		CHECK(fleet_last_seq(live) > ROWS);
		CHECK(same_fleet(live, rebuilt));
		fleet_destroy(rebuilt);
	}
	rebuilt = rebuild_fleet_replay(j, &config, middle_seq, &cause);
	CHECK(rebuilt != NULL);
	if (rebuilt) {
		CHECK_INT(fleet_last_seq(rebuilt), middle_seq);
		CHECK_INT(fleet_status_count(rebuilt, STATUS_CONNECTED),
		          fleet_status_count(middle, STATUS_CONNECTED));
		CHECK(same_fleet(middle, rebuilt));
		fleet_destroy(rebuilt);
	}
	journal_close(j);
	fleet_destroy(live);
	fleet_destroy(middle);
	free(path);
	free(cause);
}

int main(void)
{
	if (temp_dir_create("ingest") != 0)
		return 1;
	RUN(test_ndjson_bare_payload);
	RUN(test_ndjson_envelope_object);
	RUN(test_ndjson_envelope_string_payload);
	RUN(test_ndjson_envelope_topic_mismatch);
	RUN(test_ndjson_rejects);
	RUN(test_ndjson_envelope_escaped_strings);
	RUN(test_snapshot_streams_in_pieces);
	RUN(test_long_rebuild_reads_ahead);
	RUN(test_line_reader);
	RUN(test_ingest_and_rebuild);
	temp_dir_remove();
	return check_summary();
}
