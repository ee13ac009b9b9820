/* thingtop check: a Nagios-style plugin. Counts the things matching a
 * filter in the journal's fleet (as `export` rebuilds it) and prints one
 * line with performance data; the exit status is the verdict. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "text.h"
#include "view.h"

enum { CHECK_OK, CHECK_WARNING, CHECK_CRITICAL, CHECK_UNKNOWN };

static const char *const verdicts[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

const char cmd_check_usage[] =
	"Usage: thingtop check [-j JOURNAL] [-c CONFIG] --filter EXPR\n"
	"                      --warning N --critical M\n"
	"\n"
	"Counts the things matching EXPR (the filter language of export and the\n"
	"monitor) and prints one Nagios/Icinga plugin line with performance data:\n"
	"  THINGTOP WARNING - 12 things match 'status:disconnected' | things=12;10;50\n"
	"Exit status: 0 OK, 1 WARNING (more than N things), 2 CRITICAL (more than\n"
	"M), 3 UNKNOWN (the journal cannot be read, or bad arguments).\n"
	"\n"
	"Options:\n"
	"  -j, --journal FILE   journal to read (default\n"
	"                       %s)\n"
	"  -c, --config FILE    config file for the reconciliation settings\n"
	"  -f, --filter EXPR    which things to count (default: all)\n"
	"  -w, --warning N      WARNING above N things\n"
	"  -C, --critical M     CRITICAL above M things\n"
	"  -h, --help           this text\n";

static bool parse_count(const char *text, long *out)
{
	char *end;
	long n = strtol(text, &end, 10);
	if (end == text || *end || n < 0)
		return false;
	*out = n;
	return true;
}

/* Usage errors are UNKNOWN too: a monitoring system shows the line. */
static int unknown(const char *what)
{
	printf("THINGTOP UNKNOWN - %s\n", what);
	return CHECK_UNKNOWN;
}

int cmd_check(const struct cmd_entry *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{"journal", required_argument, NULL, 'j'},
		{"config", required_argument, NULL, 'c'},
		{"filter", required_argument, NULL, 'f'},
		{"warning", required_argument, NULL, 'w'},
		{"critical", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct session_options open;
	const char *filter_text = "";
	long warning = -1, critical = -1;
	int opt, status = CHECK_OK;

	cli_options_init(&open, cmd);
	while ((opt = cmd_getopt(cmd, argc, argv, "j:c:f:w:C:h", options, &status)) != -1) {
		switch (opt) {
		case CMD_EXIT: return status;
		case 'j': open.journal_path = optarg; break;
		case 'c': open.config_path = optarg; break;
		case 'f': filter_text = optarg; break;
		case 'w':
			if (!parse_count(optarg, &warning))
				return unknown("--warning expects a count of things");
			break;
		case 'C':
			if (!parse_count(optarg, &critical))
				return unknown("--critical expects a count of things");
			break;
		}
	}
	if (optind < argc)
		return unknown("unexpected argument (see thingtop check --help)");
	if (warning < 0 || critical < 0)
		return unknown("--warning N and --critical M are required");

	char *cause = NULL;
	struct filter *filter = filter_parse(filter_text, &cause);
	if (!filter) {
		char line[600];
		snprintf(line, sizeof line, "--filter: %s", cause);
		free(cause);
		char shown[2400];
		text_escape(line, strlen(line), shown, sizeof shown, false);
		return unknown(shown);
	}
	struct session session;
	if (!cli_session_open(cmd, &open, &session)) {
		filter_destroy(filter);
		return unknown("cannot read the journal (see standard error)");
	}
	size_t count = 0;
	for (size_t i = 0; i < fleet_count(session.fleet); i++) {
		if (filter_match(filter, session.fleet, fleet_thing_at(session.fleet, i)))
			count++;
	}
	int verdict = (long)count > critical ? CHECK_CRITICAL
	            : (long)count > warning ? CHECK_WARNING : CHECK_OK;
	char shown[1024];
	text_escape(filter_text, strlen(filter_text), shown, sizeof shown, true);
	/* Perfdata: label=value;warn;crit;min */
	printf("THINGTOP %s - %zu thing%s match%s%s%s%s | things=%zu;%ld;%ld;0\n", verdicts[verdict],
	       count, count == 1 ? "" : "s", count == 1 ? "es" : "", *shown ? " '" : "", shown,
	       *shown ? "'" : "", count, warning, critical);
	filter_destroy(filter);
	session_close(&session);
	return verdict;
}
