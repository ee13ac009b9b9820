/* Parsing off the receiving thread (ingest_pipe): the same fleet, counts
 * and journal rows as ingest_message one by one, in push order, also when
 * the ring is full; the wake fd says when parsed messages wait. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "temp_dir.h"
#include "ingest.h"
#include "ingest_pipe.h"
#include "journal.h"

#define MESSAGES 5000

/* Message i: lifecycle events of 97 things, a reject and an ignored
 * topic now and then. */
static void message(int i, char *topic, size_t topic_size, char *payload, size_t payload_size)
{
	const char *type = i % 3 ? "connected" : "disconnected";
	snprintf(topic, topic_size, "$aws/events/presence/%s/thing-%d", type, i % 97);
	if (i % 101 == 0) {
		snprintf(payload, payload_size, "not json %d", i);
	} else if (i % 103 == 0) {
		snprintf(topic, topic_size, "$aws/events/thing/thing-%d/created", i);
		snprintf(payload, payload_size, "{}");
	} else {
		snprintf(payload, payload_size,
		         "{\"clientId\":\"thing-%d\",\"timestamp\":%d,\"eventType\":\"%s\","
		         "\"sessionIdentifier\":\"s-%d\",\"versionNumber\":%d}",
		         i % 97, 1000 + i, type, i / 97, i / 97);
	}
}

struct rows {
	char **payloads;
	size_t count;
};

static bool collect(void *ctx, const struct journal_row *row)
{
	struct rows *r = ctx;
	r->payloads = realloc(r->payloads, (r->count + 1) * sizeof *r->payloads);
	r->payloads[r->count++] = strndup(row->payload, row->payload_len);
	return true;
}

static void free_rows(struct rows *r)
{
	for (size_t i = 0; i < r->count; i++)
		free(r->payloads[i]);
	free(r->payloads);
}

static void test_same_as_one_by_one(size_t slots)
{
	struct fleet_config config;
	fleet_config_defaults(&config);
	char *pa = new_path("direct.db"), *pb = new_path("piped.db");
	struct journal *ja = open_rw(pa), *jb = open_rw(pb);
	struct fleet *fa = fleet_create(&config), *fb = fleet_create(&config);
	struct ingest a, b;
	ingest_init(&a, ja, fa);
	ingest_init(&b, jb, fb);
	struct ingest_pipe *pipe = ingest_pipe_create(&b, slots, NULL);
	CHECK(pipe != NULL);
	if (!pipe)
		return;
	char topic[128], payload[256];
	size_t applied = 0;
	for (int i = 0; i < MESSAGES; i++) {
		message(i, topic, sizeof topic, payload, sizeof payload);
		ingest_message(&a, topic, payload, strlen(payload), 5000 + i);
		ingest_pipe_push(pipe, topic, payload, strlen(payload), 5000 + i);
		if (i % 500 == 0)
			applied += ingest_pipe_drain(pipe, false, i % 1000 ? 0 : 7);
	}
	/* A limited drain applies no more than asked, and the fd stays
	 * readable while parsed messages wait. */
	uint64_t before = b.stats.received;
	size_t some = ingest_pipe_drain(pipe, false, 3);
	applied += some;
	CHECK(some <= 3);
	CHECK_INT(b.stats.received - before, some);
	struct pollfd now = { .fd = ingest_pipe_fd(pipe), .events = POLLIN };
	CHECK(some < 3 || poll(&now, 1, 0) == 1);
	/* Woken for the round's messages, the worker says when it has
	 * parsed something. */
	ingest_pipe_kick(pipe);
	struct pollfd pfd = { .fd = ingest_pipe_fd(pipe), .events = POLLIN };
	CHECK(b.stats.received == MESSAGES || poll(&pfd, 1, 5000) == 1);
	applied += ingest_pipe_drain(pipe, true, 0);
	CHECK_INT(b.stats.received, MESSAGES);
	CHECK(applied <= MESSAGES);
	CHECK_INT(b.stats.accepted, a.stats.accepted);
	CHECK_INT(b.stats.rejected, a.stats.rejected);
	CHECK_INT(b.stats.ignored, a.stats.ignored);
	CHECK_INT(b.stats.duplicates, a.stats.duplicates);
	CHECK(a.stats.rejected > 0 && a.stats.ignored > 0);
	ingest_pipe_destroy(pipe);

	size_t la, lb;
	void *sa = fleet_save(fa, &la), *sb = fleet_save(fb, &lb);
	CHECK(la == lb && memcmp(sa, sb, la) == 0);
	free(sa);
	free(sb);
	/* Rows in push order, byte for byte. */
	CHECK(journal_flush(ja, NULL) && journal_flush(jb, NULL));
	struct rows ra = { 0 }, rb = { 0 };
	CHECK(journal_scan(ja, 0, 0, true, collect, &ra, NULL));
	CHECK(journal_scan(jb, 0, 0, true, collect, &rb, NULL));
	CHECK_INT(rb.count, MESSAGES);
	size_t same = 0;
	for (size_t i = 0; i < ra.count && i < rb.count; i++)
		same += strcmp(ra.payloads[i], rb.payloads[i]) == 0;
	CHECK_INT(same, MESSAGES);
	free_rows(&ra);
	free_rows(&rb);
	journal_close(ja);
	journal_close(jb);
	fleet_destroy(fa);
	fleet_destroy(fb);
	free(pa);
	free(pb);
}

int main(void)
{
	if (temp_dir_create("pipe") != 0)
		return 1;
	fprintf(stderr, "-- test_same_as_one_by_one (a ring of 4: full all the time)\n");
	test_same_as_one_by_one(4);
	fprintf(stderr, "-- test_same_as_one_by_one (a ring of 1024)\n");
	test_same_as_one_by_one(1024);
	temp_dir_remove();
	return check_summary();
}
