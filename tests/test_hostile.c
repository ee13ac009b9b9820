/* Bounds on hostile input through the one ingest path: oversize payloads
 * are journaled cut to AWS's limit with their full size, implausible
 * timestamps become rejects, and NDJSON receive times are checked
 * against the wall clock. Real journals in a temporary folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "temp_dir.h"
#include "ingest.h"
#include "journal.h"
#include "ndjson.h"
#include "ndjson_reader.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define DAY_MS INT64_C(86400000)

struct seen {
	int rows;
	enum event_type type;
	size_t payload_len;
	char reason[EVENT_DETAIL_MAX];
	char payload_head[8];
};

static bool keep_last(void *ctx, const struct journal_row *row)
{
	struct seen *seen = ctx;
	seen->rows++;
	seen->type = row->type;
	seen->payload_len = row->payload_len;
	snprintf(seen->reason, sizeof seen->reason, "%s", row->reason);
	memcpy(seen->payload_head, row->payload, row->payload_len < 7 ? row->payload_len : 7);
	return true;
}

/* A 10 MB payload: one reject row holding the first 128 KiB, its detail
 * naming the full size; the fleet is untouched. */
static void test_oversize_payload_cut(void)
{
	char *path = new_path("oversize.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j) {
		free(path);
		return;
	}
	struct fleet_config config;
	fleet_config_defaults(&config);
	struct fleet *fleet = fleet_create(&config);
	struct ingest in;
	ingest_init(&in, j, fleet);

	size_t big = 10u * 1000 * 1000;
	char *payload = malloc(big);
	CHECK(payload != NULL);
	if (!payload)
		return;
	memset(payload, 'x', big);
	memcpy(payload, "{\"pad\":\"", 8);
	CHECK_INT(ingest_message(&in, "$aws/events/presence/connected/big", payload, big, T0),
	          EVENT_REJECT);
	CHECK_INT(in.scratch.reject, REJECT_OVERSIZE);
	free(payload);
	CHECK(journal_flush(j, NULL));

	struct seen seen = {0};
	CHECK(journal_scan(j, 0, 0, true, keep_last, &seen, NULL));
	CHECK_INT(seen.rows, 1);
	CHECK_INT(seen.type, EVENT_REJECT);
	CHECK_INT(seen.payload_len, 128 * 1024);
	CHECK(memcmp(seen.payload_head, "{\"pad\":", 7) == 0);
	CHECK(strstr(seen.reason, "10000000 bytes") != NULL);
	CHECK_INT(fleet_count(fleet), 0);
	CHECK_INT(in.stats.rejected, 1);
	journal_close(j);
	fleet_destroy(fleet);
	free(path);
}

static enum event_type put(struct ingest *in, const char *client, int64_t ts, int64_t received)
{
	char topic[128], payload[256];
	snprintf(topic, sizeof topic, "$aws/events/presence/connected/%s", client);
	snprintf(payload, sizeof payload,
	         "{\"clientId\":\"%s\",\"timestamp\":%lld,\"eventType\":\"connected\","
	         "\"sessionIdentifier\":\"s\",\"versionNumber\":1}", client, (long long)ts);
	return ingest_message(in, topic, payload, strlen(payload), received);
}

/* Before 2010, or over a day after the receive time: a reject that never
 * reaches the fleet; a day of clock skew is still fine. */
static void test_implausible_timestamps(void)
{
	struct fleet_config config;
	fleet_config_defaults(&config);
	struct fleet *fleet = fleet_create(&config);
	struct ingest in;
	ingest_init(&in, NULL, fleet);

	CHECK_INT(put(&in, "micro", T0 * 1000, T0), EVENT_REJECT);
	CHECK_INT(in.scratch.reject, REJECT_IMPLAUSIBLE_TIMESTAMP);
	CHECK_STR(event_reject_name(in.scratch.reject), "implausible_timestamp");
	CHECK(strstr(in.scratch.detail, "more than a day after") != NULL);
	CHECK_INT(put(&in, "seconds", T0 / 1000, T0), EVENT_REJECT);
	CHECK_INT(in.scratch.reject, REJECT_IMPLAUSIBLE_TIMESTAMP);
	CHECK(strstr(in.scratch.detail, "before 2010") != NULL);
	CHECK_INT(put(&in, "edge-early", INT64_C(1262304000000) - 1, T0), EVENT_REJECT);
	CHECK_INT(put(&in, "edge-late", T0 + DAY_MS + 1, T0), EVENT_REJECT);
	CHECK_INT(in.stats.rejected, 4);
	CHECK_INT(fleet_count(fleet), 0);

	CHECK_INT(put(&in, "skewed", T0 + DAY_MS, T0), EVENT_CONNECTED);
	CHECK_INT(put(&in, "old", INT64_C(1262304000000), T0), EVENT_CONNECTED);
	CHECK_INT(put(&in, "late", T0 - 30 * DAY_MS, T0), EVENT_CONNECTED);
	CHECK_INT(fleet_count(fleet), 3);
	CHECK_INT(fleet_clock(fleet), T0);
	fleet_destroy(fleet);
}

#define BARE "{\"clientId\":\"a\",\"timestamp\":%lld,\"eventType\":\"connected\"}"

static void decode(const char *line, struct event *ev, struct ndjson_message *msg, int64_t now)
{
	ndjson_decode_line(line, strlen(line), ev, msg);
	ndjson_check_times(ev, msg, now);
}

/* Import lines: a receivedAt implausible against the wall clock is a
 * reject and dropped (it moves no receive clock); without one, the
 * timestamp is checked against the wall clock. */
static void test_ndjson_times(void)
{
	struct event ev;
	struct ndjson_message msg;
	char line[512];
	char body[256];

	snprintf(body, sizeof body, BARE, (long long)T0);
	snprintf(line, sizeof line, "{\"payload\":%s,\"receivedAt\":%lld}", body, (long long)T0 * 1000);
	decode(line, &ev, &msg, T0);
	CHECK_INT(ev.type, EVENT_REJECT);
	CHECK_INT(ev.reject, REJECT_IMPLAUSIBLE_TIMESTAMP);
	CHECK(strstr(ev.detail, "receivedAt") != NULL);
	CHECK(!msg.has_received);
	ndjson_message_finish(&msg);

	snprintf(line, sizeof line, "{\"payload\":%s,\"receivedAt\":777}", body);
	decode(line, &ev, &msg, T0);
	CHECK_INT(ev.reject, REJECT_IMPLAUSIBLE_TIMESTAMP);
	CHECK(!msg.has_received);
	ndjson_message_finish(&msg);

	/* A good receivedAt, a timestamp two days after it. */
	snprintf(body, sizeof body, BARE, (long long)(T0 + 2 * DAY_MS));
	snprintf(line, sizeof line, "{\"payload\":%s,\"receivedAt\":%lld}", body, (long long)T0);
	decode(line, &ev, &msg, T0 + 3 * DAY_MS);
	CHECK_INT(ev.reject, REJECT_IMPLAUSIBLE_TIMESTAMP);
	CHECK(msg.has_received);
	ndjson_message_finish(&msg);

	/* No receivedAt: a microsecond timestamp against the wall clock. */
	snprintf(line, sizeof line, BARE, (long long)T0 * 1000);
	decode(line, &ev, &msg, T0);
	CHECK_INT(ev.reject, REJECT_IMPLAUSIBLE_TIMESTAMP);
	ndjson_message_finish(&msg);

	snprintf(line, sizeof line, BARE, (long long)T0);
	decode(line, &ev, &msg, T0 + 1000);
	CHECK_INT(ev.type, EVENT_CONNECTED);
	ndjson_message_finish(&msg);
}

/* An import line of 1 MB: rejected with its full size named, only its
 * start kept; the next line is read normally. */
static void test_ndjson_long_line(void)
{
	char *path = new_path("long.ndjson");
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f) {
		free(path);
		return;
	}
	fputs("{\"payload\":\"", f);
	for (int i = 0; i < 1000000 - 16; i++)
		fputc('y', f);
	fputs("\"}\n", f);
	fprintf(f, "{\"clientId\":\"a\",\"timestamp\":%lld,\"eventType\":\"connected\"}\n",
	        (long long)T0);
	long total = ftell(f);
	fclose(f);
	CHECK(total > 1000000);

	f = fopen(path, "r");
	struct ndjson_reader *r = ndjson_reader_create(f, NDJSON_LINE_MAX, 2, NULL);
	CHECK(r != NULL);
	const struct ndjson_line *line = ndjson_reader_next(r);
	CHECK(line != NULL);
	if (line) {
		CHECK(line->truncated);
		CHECK_INT(line->full_len, 1000000 - 16 + 14);
		CHECK_INT(line->event.reject, REJECT_OVERSIZE);
		CHECK(strstr(line->event.detail, "999998 bytes") != NULL);
	}
	line = ndjson_reader_next(r);
	CHECK(line != NULL);
	if (line) {
		CHECK_INT(line->line_no, 2);
		CHECK_INT(line->event.type, EVENT_CONNECTED);
	}
	CHECK(ndjson_reader_next(r) == NULL);
	ndjson_reader_destroy(r);
	fclose(f);
	free(path);
}

int main(void)
{
	if (temp_dir_create("hostile") != 0)
		return 1;
	RUN(test_oversize_payload_cut);
	RUN(test_implausible_timestamps);
	RUN(test_ndjson_times);
	RUN(test_ndjson_long_line);
	temp_dir_remove();
	return check_summary();
}
