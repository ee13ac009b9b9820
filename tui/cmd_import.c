/* thingtop import: NDJSON lines into the journal, through the same path
 * as live messages. Bad lines are journaled as rejects and reported with
 * their line number; they never stop the import. A journal that cannot be
 * written does: the import stops at the first failed commit and says how
 * much was kept. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dynamodb.h"
#include "input.h"
#include "ingest.h"
#include "journal.h"
#include "ndjson.h"
#include "ndjson_reader.h"
#include "rebuild.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"
#include "cli.h"

#define REJECTS_SHOWN 10
/* Lines between two looks at the journal's health. */
#define HEALTH_EVERY 4096
/* Two decoders keep up with one journal writer on a 2-core machine. */
#define IMPORT_WORKERS 2

const char cmd_import_usage[] =
	"Usage: thingtop import [-j JOURNAL] [-c CONFIG] [-q] [--format F] FILE...\n"
	"\n"
	"Appends lifecycle messages to the journal and reconciles them. Files may be\n"
	"gzip-compressed. Formats (--format, else told from each file's start):\n"
	"  ndjson    one message a line (below)\n"
	"  dynamodb  the seed article's DynamoDB table: `aws dynamodb scan --output json`\n"
	"            pages, or DynamoDB-JSON export files (one {\"Item\": ...} a line);\n"
	"            each item's \"event\" map is the payload, its topic is rebuilt from\n"
	"            eventType and clientId, its receive time is its timestamp\n"
	"\n"
	"NDJSON:\n"
	"FILE '-' reads standard input. Each line is either a bare lifecycle payload\n"
	"or an envelope {\"topic\": ..., \"payload\": <object or JSON string>,\n"
	"\"receivedAt\": <ms since epoch>}. Lines are applied in file order.\n"
	"Without receivedAt, a line's receive time is its event timestamp, kept\n"
	"from going backwards.\n"
	"\n"
	"Malformed lines are journaled as rejects, reported with their line number\n"
	"(the first 10), and counted; they never stop the import. A journal that\n"
	"cannot be written (full disk, I/O error) stops it: the summary then says\n"
	"how many lines were committed.\n"
	"\n"
	"Options:\n"
	"  -j, --journal FILE   journal to append to (default\n"
	"                       %s)\n"
	"  -c, --config FILE    config file for the reconciliation settings\n"
	"  -q, --quiet          no per-line messages, only the summary\n"
	"  -f, --format F       auto (default), ndjson or dynamodb\n"
	"  -h, --help           this text\n"
	"\n"
	"Exit status: 0 when every line was read and committed (rejects included),\n"
	"1 when the journal or an input file cannot be used, 2 for a usage error.\n";

struct import_run {
	struct ingest *ingest;       /* the session's */
	int64_t clock_ms;           /* receive clock for lines without receivedAt */
	unsigned long rejects_shown;
	bool quiet;
	bool journal_failed;        /* stop reading: nothing more can be kept */
};

/* The receive time of a line: its envelope's receivedAt, else its event
 * timestamp, never earlier than the previous line's. */
static int64_t receive_time(struct import_run *run, const struct event *event,
                            bool has_received, int64_t received_ms)
{
	int64_t t = run->clock_ms;
	if (has_received)
		t = received_ms;
	else if (event->type != EVENT_REJECT && event->type != EVENT_IGNORED && event->timestamp_ms > t)
		t = event->timestamp_ms;
	else if (t == 0)
		t = time_now_ms();
	if (t > run->clock_ms)
		run->clock_ms = t;
	return t;
}

/* line_no 0: the detail names the place itself. */
static void report_reject(struct import_run *run, const char *name, unsigned long line_no,
                          const struct event *event)
{
	if (run->quiet || ++run->rejects_shown > REJECTS_SHOWN)
		return;
	char safe_name[256], safe_detail[EVENT_DETAIL_MAX * 4];
	text_escape(name, strlen(name), safe_name, sizeof(safe_name), false);
	text_escape(event->detail, strlen(event->detail), safe_detail, sizeof(safe_detail), false);
	if (line_no)
		fprintf(stderr, "thingtop: %s:%lu: rejected (%s): %s\n", safe_name, line_no,
		        event_reject_name(event->reject), safe_detail);
	else
		fprintf(stderr, "thingtop: %s: rejected (%s): %s\n", safe_name,
		        event_reject_name(event->reject), safe_detail);
}

/* DynamoDB scan pages (dynamodb.h): no receive times, so each item's is
 * its timestamp, kept from going backwards; the reconciler does not depend
 * on the partition order they come in. Export files (one item a line) go
 * through import_stream, decoded on worker threads. */
static bool import_dynamodb(struct import_run *run, FILE *in, const char *name)
{
	struct dynamodb_reader *reader = dynamodb_reader_create(in);
	struct dynamodb_record *rec;

	while ((rec = dynamodb_reader_next(reader))) {
		event_check_time(&rec->event, time_now_ms());
		int64_t received = receive_time(run, &rec->event, false, 0);
		if (rec->event.type == EVENT_REJECT)
			report_reject(run, name, 0, &rec->event);
		ingest_event(run->ingest, rec->topic, rec->raw, rec->raw_len, &rec->event, received);
		if (run->ingest->stats.received % HEALTH_EVERY == 0 &&
		    journal_failed(run->ingest->journal, NULL)) {
			run->journal_failed = true;
			break;
		}
	}
	const char *error = dynamodb_reader_error(reader);
	if (error && !run->journal_failed) {
		char safe_name[256];
		text_escape(name, strlen(name), safe_name, sizeof(safe_name), false);
		fprintf(stderr, "thingtop: %s: %s (the items before were imported)\n", safe_name, error);
	}
	bool ok = !error;
	dynamodb_reader_destroy(reader);
	return ok;
}

/* Decoding runs on worker threads (ndjson_reader); reconciling and
 * journaling stay here, in file order. */
static bool import_stream(struct import_run *run, FILE *in, const char *name, ndjson_decode_fn decode)
{
	char *cause = NULL;
	struct ndjson_reader *reader =
		decode ? ndjson_reader_create_decoder(in, DYNAMODB_LINE_MAX, IMPORT_WORKERS, decode, &cause)
		       : ndjson_reader_create(in, NDJSON_LINE_MAX, IMPORT_WORKERS, &cause);
	if (!reader) {
		fprintf(stderr, "thingtop: %s\n", cause);
		free(cause);
		return false;
	}
	const struct ndjson_line *line;
	unsigned long last_line = 0;

	while ((line = ndjson_reader_next(reader))) {
		const struct event *event = &line->event;
		int64_t received = receive_time(run, event, line->msg.has_received, line->msg.received_ms);
		if (event->type == EVENT_REJECT)
			report_reject(run, name, line->line_no, event);
		ingest_event(run->ingest, line->msg.topic, line->msg.raw, line->msg.raw_len, event,
		             received);
		last_line = line->line_no;
		if (run->ingest->stats.received % HEALTH_EVERY == 0 &&
		    journal_failed(run->ingest->journal, NULL)) {
			run->journal_failed = true;
			break;
		}
	}
	bool ok = !ndjson_reader_failed(reader);
	if (!ok)
		fprintf(stderr, "thingtop: %s: read error after line %lu: %s\n", name, last_line,
		        strerror(errno));
	ndjson_reader_destroy(reader);
	return ok;
}

int cmd_import(const struct cmd_entry *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{"journal", required_argument, NULL, 'j'},
		{"config", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct session_options open;
	struct import_run run = {0};
	const char *format = "auto";
	int opt, usage_status = 0;

	cli_options_init(&open, cmd);
	while ((opt = cmd_getopt(cmd, argc, argv, "j:c:qf:h", options, &usage_status)) != -1) {
		switch (opt) {
		case CMD_EXIT: return usage_status;
		case 'j': open.journal_path = optarg; break;
		case 'c': open.config_path = optarg; break;
		case 'q': run.quiet = true; break;
		case 'f': format = optarg; break;
		}
	}
	if (strcmp(format, "auto") != 0 && strcmp(format, "ndjson") != 0 &&
	    strcmp(format, "dynamodb") != 0) {
		return cmd_usage_error(cmd, "unknown format '%s' (auto, ndjson or dynamodb)", format);
	}
	if (optind >= argc)
		return cmd_usage_error(cmd, "no input file (use - for standard input)");

	struct session session;
	if (!cli_session_open(cmd, &open, &session))
		return 1;
	run.ingest = &session.ingest;
	run.clock_ms = fleet_clock(session.fleet);

	int status = 0;
	int64_t started = time_mono_ms();
	for (int i = optind; i < argc; i++) {
		const char *name = argv[i];
		struct input in;
		char *open_cause = NULL;
		if (!input_open(&in, name, &open_cause)) {
			fprintf(stderr, "thingtop import: %s\n", open_cause);
			free(open_cause);
			status = 1;
			continue;
		}
		const char *shown = strcmp(name, "-") == 0 ? "<stdin>" : name;
		bool dynamodb = strcmp(format, "dynamodb") == 0 ||
		                (strcmp(format, "auto") == 0 && dynamodb_detect(in.head, in.head_len));
		bool ok;
		if (dynamodb && dynamodb_is_export(in.head, in.head_len))
			ok = import_stream(&run, in.file, shown, dynamodb_decode_export_line);
		else if (dynamodb)
			ok = import_dynamodb(&run, in.file, shown);
		else
			ok = import_stream(&run, in.file, shown, NULL);
		if (!ok)
			status = 1;
		input_close(&in);
		if (run.journal_failed)
			break;
	}

	char *cause = NULL;
	uint64_t first_seq = fleet_last_seq(session.fleet) - run.ingest->stats.received + 1;
	if (!ingest_checkpoint(run.ingest, &cause)) {
		uint64_t committed = journal_committed_seq(session.journal);
		uint64_t kept = committed >= first_seq ? committed - first_seq + 1 : 0;
		fprintf(stderr, "thingtop import: %s\n", cause);
		fprintf(stderr, "thingtop import: stopped: the first %llu of the %llu lines read were"
		        " committed; the rest were not imported\n", (unsigned long long)kept,
		        (unsigned long long)run.ingest->stats.received);
		free(cause);
		session_close(&session);
		return 1;
	}
	double seconds = (double)(time_mono_ms() - started) / 1000.0;
	const struct ingest_stats *st = &run.ingest->stats;
	if (st->rejected > REJECTS_SHOWN && !run.quiet)
		fprintf(stderr, "thingtop: ... and %llu more rejected lines\n",
		        (unsigned long long)(st->rejected - REJECTS_SHOWN));
	fprintf(stderr,
	        "imported %llu lines: %llu accepted, %llu duplicates, %llu rejected, %llu ignored "
	        "(%.2f s, %.0f lines/s) into %s\n",
	        (unsigned long long)st->received, (unsigned long long)st->accepted,
	        (unsigned long long)st->duplicates, (unsigned long long)st->rejected,
	        (unsigned long long)st->ignored, seconds,
	        seconds > 0 ? (double)st->received / seconds : 0.0, journal_path(session.journal));
	session_close(&session);
	return status;
}
