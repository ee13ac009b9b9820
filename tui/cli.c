#include "cli.h"

#include "text.h"
#include "timefmt.h"

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
	if (!config_load(&session->config, common->config_path, &cause))
		goto fail_cause;
	if (common->journal_path)
		session->journal_path = xstrdup(common->journal_path);
	else if (session->config.journal.path)
		session->journal_path = xstrdup(session->config.journal.path);
	else
		session->journal_path = journal_default_path();
	if (mode == JOURNAL_READ_ONLY && access(session->journal_path, F_OK) != 0) {
		fprintf(stderr, "thingtop: no journal at %s (record or import one first, or pass -j FILE)\n",
		        session->journal_path);
		goto fail;
	}
	session->journal = journal_open_mode(session->journal_path, mode, session->config.journal.mode,
	                                     &cause);
	if (!session->journal)
		goto fail_cause;
	if (mode == JOURNAL_READ_WRITE)
		journal_set_retention(session->journal, session->config.journal.retain_ms,
		                      session->config.journal.max_size);

	const struct fleet_config *fleet_config = &session->config.reconcile;
	if (!at_ms) {
		session->fleet = rebuild_fleet(session->journal, fleet_config, 0, &cause);
	} else {
		uint64_t seq = journal_seq_at(session->journal, *at_ms);
		if (seq == 0 && journal_first_seq(session->journal) > 1) {
			set_cause(&cause, "%s: the events before that time were pruned by retention",
			          session->journal_path);
			goto fail_cause;
		}
		session->fleet = seq ? rebuild_fleet(session->journal, fleet_config, seq, &cause)
		                     : fleet_create(fleet_config);
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

/* A time inside a gap of the recorder's: say what that means for the
 * table as of then. */
static bool warn_gap(void *ctx, const struct journal_gap *gap)
{
	const int64_t *at_ms = ctx;
	if (*at_ms < gap->from_ms || *at_ms >= gap->to_ms)
		return true;
	char from[TIME_ISO_SIZE], to[TIME_ISO_SIZE], why[600];
	time_format_iso(gap->from_ms, from, sizeof from);
	if (gap->to_ms == INT64_MAX)
		snprintf(to, sizeof to, "now");
	else
		time_format_iso(gap->to_ms, to, sizeof to);
	text_escape(gap->why, strlen(gap->why), why, sizeof why, false);
	fprintf(stderr, "thingtop: warning: --at falls where the recorder was not listening (%s .. %s: %s);"
	        " %s\n", from, to, why,
	        gap->lost ? "events of that time are missing from the journal, so statuses may be wrong"
	                  : "events of that time were received later, so statuses as of then may be behind");
	return false;
}

bool cli_session_open_at(struct cli_session *session, const struct cli_common *common,
                         enum journal_mode mode, int64_t at_ms)
{
	if (!open_session(session, common, mode, &at_ms))
		return false;
	journal_gaps(session->journal, warn_gap, &at_ms, NULL);
	return true;
}

void cli_session_close(struct cli_session *session)
{
	fleet_destroy(session->fleet);
	journal_close(session->journal);
	free(session->journal_path);
	config_finish(&session->config);
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
