#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "timefmt.h"

void cli_options_init(struct session_options *options, const struct cmd_entry *cmd)
{
	memset(options, 0, sizeof *options);
	options->journal = cmd->journal;
	options->fleet = cmd->fleet;
}

void cli_print_cause(const struct cmd_entry *cmd, char *cause)
{
	char title[64], shown[4096];
	const char *text = cause ? cause : "failed";
	text_escape(text, strlen(text), shown, sizeof shown, false);
	fprintf(stderr, "%s: %s\n", cmd_title(cmd, title, sizeof title), shown);
	free(cause);
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

bool cli_session_load_config(const struct cmd_entry *cmd, const struct session_options *options,
                             struct session *session)
{
	char *cause = NULL;
	if (session_load_config(session, options, &cause))
		return true;
	cli_print_cause(cmd, cause);
	session_close(session);
	return false;
}

bool cli_session_open_journal(const struct cmd_entry *cmd, const struct session_options *options,
                              struct session *session)
{
	char *cause = NULL;
	if (!session_open_journal(session, options, &cause)) {
		cli_print_cause(cmd, cause);
		session_close(session);
		return false;
	}
	if (options->fleet == SESSION_FLEET_AT) {
		int64_t at_ms = options->at_ms;
		journal_gaps(session->journal, warn_gap, &at_ms, NULL);
	}
	return true;
}

bool cli_session_open(const struct cmd_entry *cmd, const struct session_options *options,
                      struct session *session)
{
	return cli_session_load_config(cmd, options, session) &&
	       cli_session_open_journal(cmd, options, session);
}
