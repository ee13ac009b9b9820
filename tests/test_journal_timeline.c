/* The timeline's journal queries: disconnects after a seq, the time span of
 * all disconnects and a count over a time range, on a real file. */
#include "build_config.h"

#include "check.h"
#include "temp_dir.h"
#include "journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void append(struct journal *j, enum event_type type, int64_t ts, const char *reason,
                   bool new_thing)
{
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	snprintf(ev.client_id, sizeof ev.client_id, "a");
	ev.timestamp_ms = ts;
	snprintf(ev.session_id, sizeof ev.session_id, "s");
	if (reason != NULL)
		snprintf(ev.reason, sizeof ev.reason, "%s", reason);
	struct journal_record r = {
		.received_ms = ts, .topic = "t", .topic_len = 1, .payload = "{}", .payload_len = 2,
		.event = &ev, .thing_id = 1, .new_thing = new_thing,
	};
	CHECK(journal_append(j, &r) > 0);
}

struct seen {
	uint64_t seq[16];
	int64_t ts[16];
	char reason[16][32];
	size_t count;
};

static bool collect(void *ctx, const struct journal_row *row)
{
	struct seen *s = ctx;
	if (s->count < 16) {
		s->seq[s->count] = row->seq;
		s->ts[s->count] = row->timestamp_ms;
		snprintf(s->reason[s->count], sizeof s->reason[0], "%s", row->reason);
		s->count++;
	}
	return true;
}

static void test_timeline_queries(void)
{
	char *path = new_path("timeline.db");
	struct journal *j = open_rw(path);
	CHECK(j != NULL);
	if (!j) {
		free(path);
		return;
	}
	int64_t first = 0, last = 0;
	bool found = true;
	CHECK(journal_disconnect_span(j, 0, &first, &last, &found, NULL));
	CHECK(!found);

	append(j, EVENT_CONNECTED, 1000, NULL, true);          /* seq 1 */
	append(j, EVENT_DISCONNECTED, 5000, "LOST", false);    /* seq 2 */
	append(j, EVENT_DISCONNECTED, 2000, "LATE", false);    /* seq 3: out of ts order */
	append(j, EVENT_CONNECTED, 6000, NULL, false);         /* seq 4 */
	append(j, EVENT_DISCONNECTED, 9000, "LAST", false);    /* seq 5 */
	char *cause = NULL;
	CHECK(journal_flush(j, &cause));
	free(cause);

	CHECK(journal_disconnect_span(j, 0, &first, &last, &found, NULL));
	CHECK(found);
	CHECK_INT(first, 2000);
	CHECK_INT(last, 9000);
	/* Bounded by seq (a replay's position): seq 5 has not happened. */
	CHECK(journal_disconnect_span(j, 4, &first, &last, &found, NULL));
	CHECK_INT(first, 2000);
	CHECK_INT(last, 5000);

	/* After seq 2: the disconnects with seq 3 and 5, in seq order. */
	struct seen s = { .count = 0 };
	CHECK(journal_disconnects_after(j, 2, 0, collect, &s, NULL));
	CHECK_INT(s.count, 2);
	CHECK_INT(s.seq[0], 3);
	CHECK_STR(s.reason[0], "LATE");
	CHECK_INT(s.seq[1], 5);
	CHECK_INT(s.ts[1], 9000);
	/* With an upper bound, and nothing new past the end. */
	s.count = 0;
	CHECK(journal_disconnects_after(j, 0, 3, collect, &s, NULL));
	CHECK_INT(s.count, 2);
	CHECK_INT(s.seq[1], 3);
	s.count = 0;
	CHECK(journal_disconnects_after(j, 5, 0, collect, &s, NULL));
	CHECK_INT(s.count, 0);

	uint64_t n = 99;
	CHECK(journal_disconnect_count(j, 2000, 9000, &n, NULL));
	CHECK_INT(n, 2);     /* 2000 and 5000; 9000 is the open end; connects never */
	CHECK(journal_disconnect_count(j, INT64_MIN, INT64_MAX, &n, NULL));
	CHECK_INT(n, 3);
	CHECK(journal_disconnect_count(j, 6000, 9000, &n, NULL));
	CHECK_INT(n, 0);
	journal_close(j);
	free(path);
}

int main(void)
{
	if (temp_dir_create("journal-timeline") != 0)
		return 1;
	RUN(test_timeline_queries);
	temp_dir_remove();
	return check_summary();
}
