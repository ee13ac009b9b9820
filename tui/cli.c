#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rebuild.h"
#include "xalloc.h"

void cli_common_init(struct cli_common *common)
{
	memset(common, 0, sizeof(*common));
}

static bool open_session(struct cli_session *session, const struct cli_common *common,
                         enum journal_mode mode, const int64_t *at_ms)
{
	char *cause = NULL;

	memset(session, 0, sizeof(*session));
	fleet_config_defaults(&session->fleet_config);
	session->journal_path = common->journal_path ? xstrdup(common->journal_path)
	                                             : journal_default_path();
	if (mode == JOURNAL_READ_ONLY && access(session->journal_path, F_OK) != 0) {
		fprintf(stderr, "thingtop: no journal at %s (record or import one first, or pass -j FILE)\n",
		        session->journal_path);
		goto fail;
	}
	session->journal = journal_open(session->journal_path, mode, &cause);
	if (!session->journal)
		goto fail_cause;
	if (!at_ms) {
		session->fleet = rebuild_fleet(session->journal, &session->fleet_config, 0, &cause);
	} else {
		uint64_t seq = journal_seq_at(session->journal, *at_ms);
		session->fleet = seq ? rebuild_fleet(session->journal, &session->fleet_config, seq, &cause)
		                     : fleet_create(&session->fleet_config);
		if (session->fleet)
			fleet_set_clock(session->fleet, *at_ms);
	}
	if (!session->fleet)
		goto fail_cause;
	return true;

fail_cause:
	fprintf(stderr, "thingtop: %s\n", cause);
	free(cause);
fail:
	cli_session_close(session);
	return false;
}

bool cli_session_open(struct cli_session *session, const struct cli_common *common,
                      enum journal_mode mode)
{
	return open_session(session, common, mode, NULL);
}

bool cli_session_open_at(struct cli_session *session, const struct cli_common *common,
                         enum journal_mode mode, int64_t at_ms)
{
	return open_session(session, common, mode, &at_ms);
}

void cli_session_close(struct cli_session *session)
{
	fleet_destroy(session->fleet);
	journal_close(session->journal);
	free(session->journal_path);
	memset(session, 0, sizeof(*session));
}

void cli_print_usage(FILE *out, const char *usage)
{
	/* Not printf: a usage text is no format string. */
	char *path = journal_default_path();
	const char *slot = strstr(usage, "%s");
	if (slot) {
		fwrite(usage, 1, (size_t)(slot - usage), out);
		fputs(path, out);
		fputs(slot + 2, out);
	} else {
		fputs(usage, out);
	}
	free(path);
}
