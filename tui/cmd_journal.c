/* thingtop journal info|check|vacuum|prune|dump: looking after a journal
 * file. */
#include "build_config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "fleet.h"
#include "journal.h"
#include "journal_dump.h"
#include "live.h"
#include "rebuild.h"
#include "text.h"
#include "timefmt.h"
#include "view.h"
#include "xalloc.h"

const char cmd_journal_usage[] =
	"Usage: thingtop journal info|check|vacuum [-j JOURNAL] [-c CONFIG]\n"
	"       thingtop journal prune [-j JOURNAL] [--retain DURATION] [--max-size SIZE]\n"
	"       thingtop journal forget-session [-j JOURNAL] [--broker HOST[:PORT]]\n"
	"       thingtop journal dump [-j JOURNAL] [--from TIME] [--to TIME]\n"
	"                             [--filter EXPR]\n"
	"\n"
	"  info     path, size, schema, counts, seq and receive-time span, snapshots,\n"
	"           the broker client id, and the gaps: when the recorder was not\n"
	"           listening, and whether events published meanwhile are lost\n"
	"  check    SQLite integrity, every message's bytes against its checksum,\n"
	"           the newest snapshot, and (while the journal has every event) a\n"
	"           rebuild from it against a replay of all events; exit status 1\n"
	"           on any problem\n"
	"  vacuum   compact the file, returning space freed by retention or by the\n"
	"           upgrade to compact rows (not while another thingtop writes the\n"
	"           journal); also upgrades an older journal\n"
	"  dump     the messages as NDJSON envelopes {\"topic\",\"payload\",\"receivedAt\"},\n"
	"           payloads exactly as received, in receive order, received from\n"
	"           --from up to --to; --filter keeps the messages of the things\n"
	"           matching EXPR (as in export); `thingtop import` reads it back\n"
	"  prune    apply retention now: drop events received longer than\n"
	"           DURATION ('30d') before the newest (counted from now if the\n"
	"           newest claims a later time), and the oldest while the\n"
	"           journal holds more than SIZE ('2G'); never past the newest\n"
	"           snapshot\n"
	"  forget-session  end the journal's persistent broker session on purpose\n"
	"           (the broker drops what it queued for it); the next recorder\n"
	"           starts a new one. Not while a recorder runs on the journal.\n"
	"\n"
	"Options:\n"
	"  -j, --journal FILE   the journal (default: journal.path, else\n"
	"                       %s)\n"
	"  -c, --config FILE    config file (journal.path, broker settings)\n"
	"  --broker HOST[:PORT] the broker, for forget-session\n"
	"  -r, --retain DURATION, -m, --max-size SIZE   see prune\n"
	"  -F, --from TIME, -T, --to TIME, -f, --filter EXPR   see dump\n"
	"  -h, --help           this text\n";

static void print_size(const char *label, int64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024;
		u++;
	}
	printf("%-12s%" PRId64 " bytes (%.1f %s)", label, bytes, v, units[u]);
}

static const char *iso(int64_t ms, char *buf, size_t size)
{
	return ms ? time_format_iso(ms, buf, size) : "-";
}

/* The path as it may be shown on a terminal. */
static const char *safe_path(const char *path, char *buf, size_t size)
{
	text_escape(path, strlen(path), buf, size, false);
	return buf;
}

struct gap_list {
	unsigned count, lost;
};

static bool print_gap(void *ctx, const struct journal_gap *gap)
{
	struct gap_list *list = ctx;
	char a[TIME_ISO_SIZE], b[TIME_ISO_SIZE], age[32], why[600];
	list->count++;
	list->lost += gap->lost;
	bool open = gap->to_ms == INT64_MAX;
	text_escape(gap->why, strlen(gap->why), why, sizeof why, false);
	time_format_age(open ? time_now_ms() - gap->from_ms : gap->to_ms - gap->from_ms, age, sizeof age);
	printf("  %s .. %s  %s  %s%s%s\n", iso(gap->from_ms, a, sizeof a),
	       open ? "now" : iso(gap->to_ms, b, sizeof b), age,
	       gap->lost ? "LOST: events published meanwhile are missing" :
	       open ? "not listening (a resumed broker session would deliver what it queued)" :
	              "covered: the broker kept the session and delivered what it queued",
	       "; ", why);
	if (gap->unclean)
		printf("    the recorder died: its last receive round (at most %d messages) was not"
		       " acknowledged; at QoS 1 the broker sent it again, at QoS 0 it may be missing\n",
		       LIVE_ROUND_MESSAGES);
	return true;
}

/* The broker client id and the gaps in what was heard. */
static int print_coverage(struct journal *j)
{
	char *id = journal_get_meta(j, "client_id");
	char safe[300];
	printf("%-12s%s\n", "client id", id ? safe_path(id, safe, sizeof safe) : "- (never recorded live)");
	free(id);
	struct gap_list list = { 0 };
	char *cause = NULL;
	printf("gaps\n");
	if (!journal_gaps(j, print_gap, &list, &cause)) {
		fprintf(stderr, "thingtop journal: %s\n", cause);
		free(cause);
		return 1;
	}
	if (list.count == 0)
		printf("  none: listening without a break since the first connect\n");
	else
		printf("  %u gap(s), %u with events lost\n", list.count, list.lost);
	return 0;
}

static int do_info(struct journal *j)
{
	struct journal_info info;
	char *cause = NULL;
	if (!journal_get_info(j, &info, &cause)) {
		fprintf(stderr, "thingtop journal: %s\n", cause);
		free(cause);
		return 1;
	}
	char a[TIME_ISO_SIZE], b[TIME_ISO_SIZE], path[1024];
	printf("%-12s%s\n", "journal", safe_path(journal_path(j), path, sizeof path));
	print_size("size", info.file_bytes);
	printf(", database + WAL\n");
	print_size("free", info.free_bytes);
	printf(", reused before the file grows\n");
	printf("%-12s%d\n", "schema", info.schema_version);
	printf("%-12s%" PRIu64 "\n", "events", info.events);
	printf("%-12s%" PRIu64 "\n", "rejects", info.rejects);
	printf("%-12s%" PRIu64 "\n", "ignored", info.ignored);
	printf("%-12s%" PRIu64 "\n", "things", info.things);
	/* Their share of the file: what thinning (journal_prune.c) keeps down. */
	printf("%-12s%" PRIu64 " (%" PRIu64 " bytes, %.1f %% of the file)\n", "snapshots",
	       info.snapshots, info.snapshot_bytes,
	       info.file_bytes ? 100.0 * (double)info.snapshot_bytes / (double)info.file_bytes : 0.0);
	printf("%-12s%" PRIu64 " .. %" PRIu64 "%s\n", "seq", info.first_seq, info.last_seq,
	       info.first_seq > 1 ? " (older rows pruned)" : "");
	printf("%-12s%s .. %s\n", "received", iso(info.first_received_ms, a, sizeof a),
	       iso(info.last_received_ms, b, sizeof b));
	if (info.newest_snapshot_seq)
		printf("%-12sseq %" PRIu64 ", received %s, %" PRId64 " bytes\n", "newest snap",
		       info.newest_snapshot_seq, iso(info.newest_snapshot_received_ms, a, sizeof a),
		       info.newest_snapshot_bytes);
	else
		printf("%-12snone\n", "newest snap");
	return print_coverage(j);
}

/* Two fleets hold the same table; the clocks are lined up first (a
 * snapshot's clock may have been set past its last event). */
static bool same_fleet(struct fleet *a, struct fleet *b)
{
	fleet_set_clock(a, fleet_clock(b));
	fleet_set_clock(b, fleet_clock(a));
	size_t la, lb;
	void *da = fleet_save(a, &la), *db = fleet_save(b, &lb);
	bool same = la == lb && memcmp(da, db, la) == 0;
	free(da);
	free(db);
	return same;
}

static int check_snapshot(struct journal *j, const struct fleet_config *config, int *problems)
{
	uint64_t seq;
	void *data;
	size_t len;
	char *cause = NULL;
	if (!journal_load_snapshot(j, 0, &seq, &data, &len, &cause)) {
		printf("snapshot: the newest does not load: %s\n", cause);
		free(cause);
		(*problems)++;
		return 0;
	}
	if (seq == 0) {
		printf("snapshot: none yet (opening replays every event)\n");
		return 0;
	}
	struct fleet *f = fleet_load(data, len, config, &cause);
	free(data);
	if (!f) {
		printf("snapshot: the newest (seq %" PRIu64 ") does not load: %s\n", seq, cause);
		free(cause);
		(*problems)++;
		return 0;
	}
	if (fleet_last_seq(f) != seq) {
		printf("snapshot: the newest is stored at seq %" PRIu64 " but reflects seq %" PRIu64 "\n",
		       seq, fleet_last_seq(f));
		(*problems)++;
	} else {
		printf("snapshot: the newest (seq %" PRIu64 ", %zu things) loads\n", seq,
		       fleet_count(f));
	}
	fleet_destroy(f);
	return 1;
}

static void check_rebuild(struct journal *j, const struct fleet_config *config, int *problems)
{
	char *cause = NULL;
	struct fleet *from_snapshot = rebuild_fleet(j, config, 0, &cause);
	if (!from_snapshot) {
		printf("rebuild: fails: %s\n", cause);
		free(cause);
		(*problems)++;
		return;
	}
	uint64_t first = journal_first_seq(j);
	if (first > 1) {
		printf("rebuild: works (%zu things); no full replay to compare with: rows before seq"
		       " %" PRIu64 " were pruned\n", fleet_count(from_snapshot), first);
		fleet_destroy(from_snapshot);
		return;
	}
	struct fleet *replayed = rebuild_fleet_replay(j, config, 0, &cause);
	if (!replayed) {
		printf("rebuild: a replay of every event fails: %s\n", cause);
		free(cause);
		(*problems)++;
	} else if (!same_fleet(from_snapshot, replayed)) {
		printf("rebuild: the snapshot plus later events differs from a replay of every event\n");
		(*problems)++;
	} else {
		printf("rebuild: from the snapshot equals a replay of every event (%zu things)\n",
		       fleet_count(replayed));
	}
	fleet_destroy(replayed);
	fleet_destroy(from_snapshot);
}

struct body_check {
	uint64_t rows, damaged, first_damaged;
};

static bool count_damaged(void *ctx, const struct journal_row *row)
{
	struct body_check *c = ctx;
	c->rows++;
	if (row->damaged && c->damaged++ == 0)
		c->first_damaged = row->seq;
	return true;
}

/* Every message rebuilt and compared with its stored checksum. */
static void check_messages(struct journal *j, int *problems)
{
	struct body_check c = { 0 };
	char *cause = NULL;
	if (!journal_scan(j, 0, 0, true, count_damaged, &c, &cause)) {
		printf("messages: cannot check: %s\n", cause);
		free(cause);
		(*problems)++;
	} else if (c.damaged) {
		printf("messages: %" PRIu64 " of %" PRIu64 " cannot be rebuilt to their checksum"
		       " (first: seq %" PRIu64 ")\n", c.damaged, c.rows, c.first_damaged);
		(*problems)++;
	} else {
		printf("messages: %" PRIu64 " rebuilt, checksums ok\n", c.rows);
	}
}

static int do_check(struct journal *j, const struct fleet_config *config)
{
	int problems = 0;
	char *found = NULL, *cause = NULL;
	if (!journal_integrity(j, &found, &cause)) {
		printf("integrity: cannot check: %s\n", cause);
		free(cause);
		problems++;
	} else if (found) {
		char safe[4096];
		text_escape(found, strlen(found), safe, sizeof safe, false);
		printf("integrity: damaged:\n%s", safe);
		free(found);
		problems++;
	} else {
		printf("integrity: ok\n");
	}
	check_messages(j, &problems);
	if (check_snapshot(j, config, &problems) || problems == 0)
		check_rebuild(j, config, &problems);
	printf("%s\n", problems ? "problems found" : "journal ok");
	return problems ? 1 : 0;
}

static int do_vacuum(struct journal *j)
{
	struct journal_info before, after;
	char *cause = NULL;
	bool ok = journal_get_info(j, &before, &cause) && journal_vacuum(j, &cause) &&
	          journal_get_info(j, &after, &cause);
	if (!ok) {
		fprintf(stderr, "thingtop journal: %s\n", cause);
		free(cause);
		return 1;
	}
	printf("vacuumed: %" PRId64 " -> %" PRId64 " bytes\n", before.file_bytes, after.file_bytes);
	return 0;
}

static int do_prune(struct journal *j, int64_t retain_ms, int64_t max_bytes)
{
	char *cause = NULL;
	uint64_t pruned = 0;
	journal_set_retention(j, retain_ms, max_bytes);
	if (!journal_prune(j, &pruned, &cause)) {
		fprintf(stderr, "thingtop journal: %s\n", cause);
		free(cause);
		return 1;
	}
	printf("pruned %" PRIu64 " rows; the journal now starts at seq %" PRIu64 "\n", pruned,
	       journal_first_seq(j));
	return 0;
}

/* The things matching a filter expression in the rebuilt fleet, as a
 * mask by thing id. */
static bool *filter_things(struct journal *j, const struct fleet_config *config, const char *expr,
                           size_t *len, char **cause)
{
	struct filter *filter = filter_parse(expr, cause);
	if (!filter)
		return NULL;
	struct fleet *fleet = rebuild_fleet(j, config, 0, cause);
	bool *mask = NULL;
	if (fleet) {
		*len = fleet_count(fleet) + 1;
		mask = xcalloc(*len, sizeof *mask);
		for (size_t i = 0; i < fleet_count(fleet); i++) {
			const struct fleet_thing *t = fleet_thing_at(fleet, i);
			mask[t->id] = filter_match(filter, fleet, t);
		}
	}
	fleet_destroy(fleet);
	filter_destroy(filter);
	return mask;
}

struct dump_args {
	const char *from, *to, *filter;
};

static int do_dump(struct journal *j, const struct fleet_config *config,
                   const struct dump_args *args)
{
	struct journal_dump_options options = { 0 };
	int64_t now = time_now_ms();
	if ((args->from && !time_parse_point(args->from, now, &options.from_ms)) ||
	    (args->to && !time_parse_point(args->to, now, &options.to_ms))) {
		fprintf(stderr, "thingtop journal: --from/--to '%s' is not a time (try "
		        "2026-01-01T03:10Z or -2h)\n", args->from ? args->from : args->to);
		return 2;
	}
	char *cause = NULL;
	bool *mask = NULL;
	if (args->filter && args->filter[0]) {
		mask = filter_things(j, config, args->filter, &options.things_len, &cause);
		if (!mask) {
			fprintf(stderr, "thingtop journal: %s\n", cause);
			free(cause);
			return 2;
		}
		options.things = mask;
	}
	/* Payloads are untrusted: on a terminal every control character is
	 * escaped (the text still imports to the same bytes). */
	options.terminal = isatty(STDOUT_FILENO);
	int status = 0;
	if (!journal_dump(j, stdout, &options, NULL, &cause)) {
		char safe[1024];
		text_escape(cause, strlen(cause), safe, sizeof safe, false);
		fprintf(stderr, "thingtop journal: %s\n", safe);
		free(cause);
		status = 1;
	}
	free(mask);
	return status;
}

static int do_forget_session(struct journal *j, const struct config *config)
{
	char *cause = NULL;
	if (!live_forget_session(config, j, 10000, &cause)) {
		char safe[1024];
		text_escape(cause, strlen(cause), safe, sizeof safe, false);
		fprintf(stderr, "thingtop journal: forget-session: %s\n", safe);
		free(cause);
		return 1;
	}
	printf("the broker session of %s is ended; the next recorder starts a new one\n",
	       journal_path(j));
	return 0;
}

int cmd_journal(const struct cmd_entry *cmd, int argc, char **argv)
{
	enum { OPT_BROKER = 256 };
	static const struct option options[] = {
		{"journal", required_argument, NULL, 'j'},
		{"config", required_argument, NULL, 'c'},
		{"broker", required_argument, NULL, OPT_BROKER},
		{"retain", required_argument, NULL, 'r'},
		{"max-size", required_argument, NULL, 'm'},
		{"from", required_argument, NULL, 'F'},
		{"to", required_argument, NULL, 'T'},
		{"filter", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct session_options open;
	const char *broker = NULL;
	int64_t retain_ms = 0, max_bytes = 0;
	struct dump_args dump = { 0 };
	int opt, status = 0;
	cli_options_init(&open, cmd);
	while ((opt = cmd_getopt(cmd, argc, argv, "j:c:r:m:F:T:f:h", options, &status)) != -1) {
		switch (opt) {
		case CMD_EXIT: return status;
		case 'j': open.journal_path = optarg; break;
		case 'c': open.config_path = optarg; break;
		case OPT_BROKER: broker = optarg; break;
		case 'F': dump.from = optarg; break;
		case 'T': dump.to = optarg; break;
		case 'f': dump.filter = optarg; break;
		case 'r':
			if (!time_parse_duration(optarg, &retain_ms) || retain_ms <= 0)
				return cmd_usage_error(cmd, "--retain '%s' is not a duration (try 30d)", optarg);
			break;
		case 'm':
			if (!text_parse_size(optarg, &max_bytes) || max_bytes <= 0)
				return cmd_usage_error(cmd, "--max-size '%s' is not a size (try 2G)", optarg);
			break;
		}
	}
	if (optind + 1 != argc)
		return cmd_usage_error(cmd, "say info, check, vacuum, prune, dump or forget-session");
	const char *what = argv[optind];
	bool forget = strcmp(what, "forget-session") == 0;
	bool writes = strcmp(what, "vacuum") == 0 || strcmp(what, "prune") == 0 || forget;
	if (!writes && strcmp(what, "info") != 0 && strcmp(what, "check") != 0 &&
	    strcmp(what, "dump") != 0)
		return cmd_usage_error(cmd, "unknown action '%s' (say info, check, vacuum, prune, dump"
		                       " or forget-session)", what);
	if (strcmp(what, "prune") == 0 && retain_ms == 0 && max_bytes == 0)
		return cmd_usage_error(cmd, "prune needs --retain or --max-size");

	if (writes)
		open.journal = SESSION_JOURNAL_UPKEEP;
	struct session session;
	if (!cli_session_load_config(cmd, &open, &session))
		return 1;
	char *cause = NULL;
	if (broker && !config_apply_broker_arg(&session.config, broker, &cause)) {
		cli_print_cause(cmd, cause);
		session_close(&session);
		return 1;
	}
	if (!cli_session_open_journal(cmd, &open, &session))
		return 1;
	struct journal *j = session.journal;
	if (strcmp(what, "info") == 0)
		status = do_info(j);
	else if (strcmp(what, "check") == 0)
		status = do_check(j, &session.config.reconcile);
	else if (strcmp(what, "vacuum") == 0)
		status = do_vacuum(j);
	else if (forget)
		status = do_forget_session(j, &session.config);
	else if (strcmp(what, "dump") == 0)
		status = do_dump(j, &session.config.reconcile, &dump);
	else
		status = do_prune(j, retain_ms, max_bytes);
	session_close(&session);
	return status;
}
