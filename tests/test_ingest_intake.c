/* The intake log when the journal lags: a round that would need a third
 * file (the current one full, the ".old" one not yet committed) is
 * announced by intake_must_wait before intake_write_round fails, and a
 * release of what the journal committed makes room again; the records all
 * come back from intake_recover. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "temp_dir.h"
#include "intake.h"

/* 64 KiB payloads: 8 MiB (one file) is about 128 of them. */
#define PAYLOAD 65536

static void count_record(void *ctx, int64_t received_ms, const char *topic, const char *payload,
                         size_t len)
{
	(void)received_ms;
	(void)topic;
	(void)payload;
	if (len == PAYLOAD)
		(*(int *)ctx)++;
}

static void test_lagging_journal(void)
{
	char *path = new_path("lag.db");
	char *cause = NULL;
	struct intake *in = intake_create(path, 0600, &cause);
	CHECK(in != NULL);
	if (!in) {
		free(path);
		return;
	}
	char *payload = malloc(PAYLOAD);
	memset(payload, 'x', PAYLOAD);
	uint64_t seq = 0;
	bool waited = false, failed = false;
	/* Nothing is committed: the first file fills, is set aside, the
	 * second fills; then the log asks to wait. */
	while (seq < 400 && !waited) {
		if (intake_must_wait(in)) {
			waited = true;
			break;
		}
		seq++;
		intake_add(in, seq, 1000 + (int64_t)seq, "t/x", payload, PAYLOAD);
		if (intake_must_wait(in)) {
			waited = true;
			/* Writing anyway is the failure it announced. */
			failed = !intake_write_round(in, &cause);
			break;
		}
		CHECK(intake_write_round(in, &cause));
	}
	CHECK(waited);
	CHECK(failed);
	CHECK(seq > 128 && seq < 300);
	free(cause);
	cause = NULL;
	/* The journal commits the first file's records: room again. */
	intake_release(in, seq - 1);
	CHECK(!intake_must_wait(in));
	CHECK(intake_write_round(in, &cause));
	int recovered = 0;
	uint64_t count = 0;
	CHECK(intake_recover(path, seq - 1, count_record, &recovered, &count, &cause));
	CHECK_INT(recovered, 1);
	intake_destroy(in, true);
	free(payload);
	free(cause);
	free(path);
}

int main(void)
{
	if (temp_dir_create("intake") != 0)
		return 1;
	fprintf(stderr, "-- test_lagging_journal\n");
	test_lagging_journal();
	temp_dir_remove();
	return check_summary();
}
