/* thingtop sync: the fleet's starting state from AWS. Every thing of the
 * fleet index (aws iot search-index, run here or saved to files) becomes a
 * baseline row in the journal, raw JSON kept, and a baseline in the fleet:
 * weaker evidence than lifecycle events (core/RECONCILIATION.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_cli.h"
#include "baseline.h"
#include "cli.h"
#include "commands.h"
#include "ingest.h"
#include "input.h"
#include "journal.h"
#include "rebuild.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

#define REJECTS_SHOWN 10
#define DEFAULT_QUERY "thingName:*"

const char cmd_sync_usage[] =
	"Usage: thingtop sync [-j JOURNAL] [-c CONFIG] [-q] [--profile P] [--region R]\n"
	"                     [--query Q] [FILE...]\n"
	"\n"
	"Journals what AWS IoT's fleet index knows of every thing (registry: thing\n"
	"type, groups, attributes; connectivity: connected, since, last disconnect\n"
	"reason) as baseline observations, so a fleet that is already connected shows\n"
	"up before its devices reconnect. A baseline decides a thing's status only\n"
	"where no lifecycle event of it is newer (within reconcile.order_window).\n"
	"\n"
	"Without FILE it runs the AWS CLI (apt install awscli):\n"
	"  aws iot search-index --index-name AWS_Things --query-string Q --output json\n"
	"following nextToken, with --profile/--region (config aws.profile, aws.region;\n"
	"default: the CLI's own) and the extra arguments of config aws.cli_args.\n"
	"FILE (or - for standard input; gzip is fine) holds saved output of\n"
	"search-index (one page or several, pretty-printed or one a line) or of\n"
	"`aws iot get-thing-connectivity-data`.\n"
	"\n"
	"Options:\n"
	"  -j, --journal FILE   journal to append to (default\n"
	"                       %s)\n"
	"  -c, --config FILE    config file\n"
	"  -q, --quiet          no per-thing messages, only the summary\n"
	"      --profile P      AWS CLI profile\n"
	"      --region R       AWS region\n"
	"      --query Q        fleet index query (default " DEFAULT_QUERY ")\n"
	"  -h, --help           this text\n"
	"\n"
	"Exit status: 0 when every thing was read and committed (rejects included),\n"
	"1 when the AWS CLI, an input or the journal failed, 2 for a usage error.\n";

struct sync_run {
	struct ingest *ingest;       /* the session's */
	int64_t now_ms;
	unsigned long rejects_shown;
	unsigned long connected, disconnected, never, registry_only;
	bool quiet;
};

static void report_reject(struct sync_run *run, const char *name, const struct event *event)
{
	if (run->quiet || ++run->rejects_shown > REJECTS_SHOWN)
		return;
	char safe_name[256], safe_detail[EVENT_DETAIL_MAX * 4];
	text_escape(name, strlen(name), safe_name, sizeof safe_name, false);
	text_escape(event->detail, strlen(event->detail), safe_detail, sizeof safe_detail, false);
	fprintf(stderr, "thingtop: %s: rejected (%s): %s\n", safe_name,
	        event_reject_name(event->reject), safe_detail);
}

static void count(struct sync_run *run, const struct event *e)
{
	if (e->type != EVENT_BASELINE)
		return;
	if (!*e->reason)
		run->registry_only++;
	else if (strcmp(e->reason, "NONE") == 0)
		run->connected++;
	else if (e->timestamp_ms == 0)
		run->never++;
	else
		run->disconnected++;
}

/* Journals every thing of one text; false when it could not be read to the end. */
static bool sync_text(struct sync_run *run, const char *text, size_t len, const char *name,
                      char **next_token)
{
	struct baseline_reader *reader = baseline_reader_create(text, len);
	struct baseline_item *item;
	while ((item = baseline_reader_next(reader))) {
		/* A connectivity time before 2010 or in the future: a reject. */
		if (item->event.type == EVENT_BASELINE && item->event.timestamp_ms != 0)
			event_check_time(&item->event, run->now_ms);
		if (item->event.type == EVENT_REJECT)
			report_reject(run, name, &item->event);
		count(run, &item->event);
		ingest_event(run->ingest, NULL, item->raw, item->raw_len, &item->event, run->now_ms);
	}
	const char *error = baseline_reader_error(reader);
	if (error) {
		char safe_name[256];
		text_escape(name, strlen(name), safe_name, sizeof safe_name, false);
		fprintf(stderr, "thingtop sync: %s: %s (the things before were journaled)\n", safe_name,
		        error);
	}
	if (next_token) {
		const char *token = baseline_reader_next_token(reader);
		*next_token = token ? xstrdup(token) : NULL;
	}
	baseline_reader_destroy(reader);
	return error == NULL;
}

static bool sync_file(struct sync_run *run, const char *path)
{
	struct input in;
	char *cause = NULL;
	if (!input_open(&in, path, &cause)) {
		fprintf(stderr, "thingtop sync: %s\n", cause);
		free(cause);
		return false;
	}
	size_t cap = 1 << 20, len = 0;
	char *text = xmalloc(cap);
	size_t n;
	while ((n = fread(text + len, 1, cap - len, in.file)) > 0) {
		len += n;
		if (len == cap) {
			if (cap > BASELINE_TEXT_MAX)
				break;
			cap *= 2;
			text = xrealloc(text, cap);
		}
	}
	bool ok = !ferror(in.file) && len <= BASELINE_TEXT_MAX;
	const char *shown = strcmp(path, "-") == 0 ? "<stdin>" : path;
	if (!ok)
		fprintf(stderr, "thingtop sync: %s: %s\n", shown,
		        len > BASELINE_TEXT_MAX ? "over 1 GiB: split it into pages" : strerror(errno));
	else
		ok = sync_text(run, text, len, shown, NULL);
	free(text);
	input_close(&in);
	return ok;
}

/* Pages from the AWS CLI, following nextToken. */
static bool sync_cli(struct sync_run *run, const struct aws_cli_options *options, const char *query)
{
	char *token = NULL;
	unsigned long page = 0;
	bool ok = true;
	do {
		size_t len;
		char *cause = NULL;
		char *text = aws_cli_search_index(options, query, token, &len, &cause);
		if (!text) {
			fprintf(stderr, "thingtop sync: %s\n", cause);
			free(cause);
			ok = false;
			break;
		}
		char name[64];
		snprintf(name, sizeof name, "search-index page %lu", ++page);
		char *next = NULL;
		ok = sync_text(run, text, len, name, &next);
		free(text);
		if (next && token && strcmp(next, token) == 0) {
			fprintf(stderr, "thingtop sync: the AWS CLI returned the same nextToken twice; stopped\n");
			free(next);
			next = NULL;
			ok = false;
		}
		free(token);
		token = next;
	} while (ok && token);
	free(token);
	return ok;
}

int cmd_sync(const struct cmd_entry *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{"journal", required_argument, NULL, 'j'},
		{"config", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{"profile", required_argument, NULL, 'P'},
		{"region", required_argument, NULL, 'R'},
		{"query", required_argument, NULL, 'Q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct session_options open;
	struct sync_run run = {0};
	const char *profile = NULL, *region = NULL, *query = DEFAULT_QUERY;
	int opt, usage_status = 0;

	cli_options_init(&open, cmd);
	while ((opt = cmd_getopt(cmd, argc, argv, "j:c:qh", options, &usage_status)) != -1) {
		switch (opt) {
		case CMD_EXIT: return usage_status;
		case 'j': open.journal_path = optarg; break;
		case 'c': open.config_path = optarg; break;
		case 'q': run.quiet = true; break;
		case 'P': profile = optarg; break;
		case 'R': region = optarg; break;
		case 'Q': query = optarg; break;
		}
	}
	bool from_cli = optind >= argc;
	if (from_cli && !aws_cli_available("aws")) {
		fprintf(stderr, "thingtop sync: the AWS CLI (aws) is not installed or not on PATH: "
		        "install it (apt install awscli) or pass saved search-index output as FILE\n");
		return 1;
	}

	struct session session;
	if (!cli_session_open(cmd, &open, &session))
		return 1;
	run.ingest = &session.ingest;
	run.now_ms = time_now_ms();
	/* Rebuilds must read these rows' payloads (registry fields). */
	journal_set_meta(session.journal, REBUILD_META_BASELINE, "1");

	int status = 0;
	int64_t started = time_mono_ms();
	if (from_cli) {
		struct aws_cli_options o = {
			.program = "aws",
			.profile = profile ? profile : session.config.aws.profile,
			.region = region ? region : session.config.aws.region,
			.extra = session.config.aws.cli_args,
			.extra_count = session.config.aws.cli_arg_count,
		};
		if (!sync_cli(&run, &o, query))
			status = 1;
	}
	for (int i = optind; i < argc; i++)
		if (!sync_file(&run, argv[i]))
			status = 1;

	char *cause = NULL;
	if (!ingest_checkpoint(run.ingest, &cause)) {
		fprintf(stderr, "thingtop sync: %s\n", cause);
		free(cause);
		session_close(&session);
		return 1;
	}
	double seconds = (double)(time_mono_ms() - started) / 1000.0;
	const struct ingest_stats *st = &run.ingest->stats;
	fprintf(stderr,
	        "synced %llu things: %lu connected, %lu disconnected, %lu never connected, "
	        "%lu without connectivity, %llu rejected (%.2f s, %.0f things/s) into %s\n",
	        (unsigned long long)st->received, run.connected, run.disconnected, run.never,
	        run.registry_only, (unsigned long long)st->rejected, seconds,
	        seconds > 0 ? (double)st->received / seconds : 0.0, journal_path(session.journal));
	session_close(&session);
	return status;
}
