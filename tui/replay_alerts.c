/* thingtop replay JOURNAL --alerts: when alerts fired, were sent and
 * resolved, from the journal's alerts table, within --from/--to (by fired
 * time). One line per firing, oldest first; client ids escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "journal_alerts.h"
#include "replay.h"
#include "text.h"
#include "timefmt.h"

static bool print_row(void *ctx, const struct journal_alert_row *row)
{
	(void)ctx;
	char rule[256], client[4 * EVENT_CLIENT_ID_MAX + 1];
	char started[32], fired[32], sent[32] = "-", resolved[32] = "-";
	text_escape(row->rule, strlen(row->rule), rule, sizeof rule, false);
	text_escape(row->client_id, strlen(row->client_id), client, sizeof client, false);
	time_format_iso(row->started_ms, started, sizeof started);
	time_format_iso(row->fired_ms, fired, sizeof fired);
	if (row->sent_ms)
		time_format_iso(row->sent_ms, sent, sizeof sent);
	if (row->resolved_ms)
		time_format_iso(row->resolved_ms, resolved, sizeof resolved);
	printf("%s  %s  %s  matching since %s  sent %s  resolved %s\n", fired, rule,
	       *client ? client : "?", started, sent, resolved);
	return true;
}

int replay_print_alerts(struct journal *journal, const struct app_options *opt)
{
	char *cause = NULL;
	int status = 1;
	struct replay_range range;
	if (!replay_range_parse(&range, journal, opt->replay_from, opt->replay_to, &cause)) {
		status = 2;
		goto out;
	}
	printf("FIRED  RULE  THING  (times UTC)\n");
	if (journal_alerts_scan(journal, false, range.has_from ? range.from_ms : 0,
	                        range.has_to ? range.to_ms + 1 : 0, print_row, NULL, &cause))
		status = fflush(stdout) == 0 ? 0 : 1;
out:
	if (cause)
		fprintf(stderr, "thingtop replay: %s\n", cause);
	free(cause);
	return status;
}
