/* thingtop replay: a journal played back in the monitor at the recorded
 * pace times a speed, or headless to an export (tests, benchmarks). */
#include "build_config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app.h"
#include "cli.h"
#include "commands.h"
#include "core/config.h"
#include "export.h"
#include "replay.h"
#include "text.h"
#include "timefmt.h"
#include "view.h"
#include "xalloc.h"

const char cmd_replay_usage[] =
	"Usage: thingtop replay JOURNAL [-c CONFIG] [--speed N|max] [--from TIME]\n"
	"                             [--to TIME] [--theme NAME] [--no-color] [--ascii]\n"
	"                             [--filter EXPR] [--sort SPEC]\n"
	"       thingtop replay JOURNAL --export FILE [--speed max] [--to TIME] ...\n"
	"       thingtop replay JOURNAL --alerts [--from TIME] [--to TIME]\n"
	"\n"
	"Plays a journal back in the monitor (grid, activity log, timeline): its\n"
	"events in receive order, at the recorded pace times the speed. The table\n"
	"at each point is the one the live session had then.\n"
	"\n"
	"Options:\n"
	"  --speed N|max        10 = ten times the recorded pace (default 1); max =\n"
	"                       as fast as it goes\n"
	"  --from TIME          start with the fleet as it stood then\n"
	"  --to TIME            stop with the fleet as it stood then\n"
	"                       TIME: ISO 8601 ('2026-01-01T03:10Z'), epoch ms, or\n"
	"                       relative to the journal's LAST EVENT ('-2h' = two\n"
	"                       hours before the recording ends)\n"
	"  --export FILE        no terminal: replay to the end (or --to), write the\n"
	"                       fleet as `thingtop export` does (FILE - = standard\n"
	"                       output) and print the replay rate on standard error\n"
	"  --alerts             no terminal: list when alerts fired, were sent and\n"
	"                       resolved (fired within --from/--to)\n"
	"  -c, --config FILE    config file (reconciliation settings, theme)\n"
	"  --theme NAME, --no-color, --ascii, --filter EXPR, --sort SPEC\n"
	"                       as for the monitor (--filter and --sort also\n"
	"                       shape the export)\n"
	"  -h, --help           this text\n"
	"\n"
	"Keys (besides the monitor's): Space pause/resume, + - speed x2 /2,\n"
	". one event, ] [ a minute on/back (a bucket on the timeline), g G start/end.\n";

enum {
	OPT_SPEED = 256, OPT_FROM, OPT_TO, OPT_EXPORT, OPT_THEME, OPT_NO_COLOR, OPT_ASCII,
	OPT_FILTER, OPT_SORT, OPT_ALERTS,
};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Writes the replayed fleet as `export` does: FILE - is standard output;
 * /dev/null or a pipe is written to, never renamed over. */
static bool write_export(const struct cmd_entry *cmd, struct session *session, const char *path)
{
	struct stat st;
	char *cause = NULL;
	if (strcmp(path, "-") == 0) {
		export_view_csv(session->view, session->fleet, stdout);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			perror("thingtop replay: standard output");
			return false;
		}
	} else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		FILE *out = fopen(path, "w");
		if (!out) {
			perror("thingtop replay: --export");
			return false;
		}
		export_view_csv(session->view, session->fleet, out);
		if (fclose(out) != 0) {
			perror("thingtop replay: --export");
			return false;
		}
	} else if (!export_view_csv_file(session->view, session->fleet, path, &cause)) {
		cli_print_cause(cmd, cause);
		return false;
	}
	return true;
}

/* The replay without a terminal: to the end, then the export. */
static int replay_headless(const struct cmd_entry *cmd, const struct app_options *opt,
                           const char *export_path)
{
	char *cause = NULL;
	struct session session;
	struct session_options open;
	cli_options_init(&open, cmd);
	open.config_path = opt->config_path;
	open.journal_path = opt->journal_path;
	open.replay_from = opt->replay_from;
	open.replay_to = opt->replay_to;

	if (!cli_session_load_config(cmd, &open, &session))
		return 1;
	if ((opt->filter && !view_set_filter(session.view, opt->filter, &cause)) ||
	    (opt->sort && !view_set_sort(session.view, opt->sort, &cause))) {
		cli_print_cause(cmd, cause);
		session_close(&session);
		return 2;
	}
	int64_t t0 = now_us();
	if (!session_open_journal(&session, &open, &cause)) {
		int status = session.bad_range ? 2 : 1;
		cli_print_cause(cmd, cause);
		session_close(&session);
		return status;
	}
	struct replay *replay = session.replay;
	replay_set_speed(replay, opt->replay_speed);
	int64_t t1 = now_us();
	if (opt->replay_speed == REPLAY_SPEED_MAX && replay_run(replay, &cause) < 0)
		goto fail;
	while (!replay_done(replay)) {
		if (replay_advance(replay, time_mono_ms(), 0, &cause) < 0)
			goto fail;
		int64_t wait = replay_next_due_ms(replay);
		if (wait > 0) {
			struct timespec ts = { .tv_sec = wait / 1000, .tv_nsec = (wait % 1000) * 1000000 };
			if (wait > 100)
				ts = (struct timespec){ .tv_nsec = 100 * 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	int64_t t2 = now_us();
	uint64_t n = replay_applied(replay);
	double secs = (double)(t2 - t1) / 1e6;
	fprintf(stderr, "thingtop replay: %llu events in %.3f s (%.0f events/s; opening %.3f s)\n",
	        (unsigned long long)n, secs, secs > 0 ? (double)n / secs : 0.0,
	        (double)(t1 - t0) / 1e6);

	/* A jump back would have replaced it: read it now. */
	session.fleet = replay_fleet(replay);
	view_refresh(session.view, session.fleet);
	int status = write_export(cmd, &session, export_path) ? 0 : 1;
	session_close(&session);
	return status;

fail:
	cli_print_cause(cmd, cause);
	session_close(&session);
	return 1;
}

int cmd_replay(const struct cmd_entry *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{"journal", required_argument, NULL, 'j'},
		{"config", required_argument, NULL, 'c'},
		{"speed", required_argument, NULL, OPT_SPEED},
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{"export", required_argument, NULL, OPT_EXPORT},
		{"theme", required_argument, NULL, OPT_THEME},
		{"no-color", no_argument, NULL, OPT_NO_COLOR},
		{"no-colour", no_argument, NULL, OPT_NO_COLOR},
		{"ascii", no_argument, NULL, OPT_ASCII},
		{"filter", required_argument, NULL, OPT_FILTER},
		{"sort", required_argument, NULL, OPT_SORT},
		{"help", no_argument, NULL, 'h'},
		{"alerts", no_argument, NULL, OPT_ALERTS},
		{0},
	};
	bool alerts = false;
	struct app_options opt = { .replay = true, .replay_speed = 1.0 };
	const char *export_path = NULL;
	int c, status = 0;
	while ((c = cmd_getopt(cmd, argc, argv, "j:c:h", options, &status)) != -1) {
		switch (c) {
		case CMD_EXIT: return status;
		case 'j': opt.journal_path = optarg; break;
		case 'c': opt.config_path = optarg; break;
		case OPT_SPEED:
			if (!replay_parse_speed(optarg, &opt.replay_speed))
				return cmd_usage_error(cmd, "--speed \"%s\" is not a speed (try 10, 0.5 or max)",
				                       optarg);
			break;
		case OPT_FROM: opt.replay_from = optarg; break;
		case OPT_TO: opt.replay_to = optarg; break;
		case OPT_EXPORT: export_path = optarg; break;
		case OPT_THEME: opt.theme = optarg; break;
		case OPT_NO_COLOR: opt.no_color = true; break;
		case OPT_ASCII: opt.ascii = true; break;
		case OPT_FILTER: opt.filter = optarg; break;
		case OPT_SORT: opt.sort = optarg; break;
		case OPT_ALERTS: alerts = true; break;
		}
	}
	if (optind < argc && opt.journal_path == NULL)
		opt.journal_path = argv[optind++];
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (opt.journal_path == NULL)
		return cmd_usage_error(cmd, "which journal? (thingtop replay JOURNAL)");
	if (alerts) {
		struct session_options open;
		struct session session;
		cli_options_init(&open, cmd);
		open.config_path = opt.config_path;
		open.journal_path = opt.journal_path;
		open.fleet = SESSION_FLEET_NONE;
		if (!cli_session_open(cmd, &open, &session))
			return 1;
		status = replay_print_alerts(session.journal, &opt);
		session_close(&session);
		return status;
	}
	if (export_path)
		return replay_headless(cmd, &opt, export_path);
	return app_run(&opt);
}
