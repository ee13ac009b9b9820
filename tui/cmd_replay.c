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
#include "commands.h"
#include "core/config.h"
#include "export.h"
#include "replay.h"
#include "text.h"
#include "timefmt.h"
#include "view.h"
#include "xalloc.h"

static const char replay_usage[] =
	"Usage: thingtop replay JOURNAL [--speed N|max] [--from TIME] [--to TIME]\n"
	"                        [--theme NAME] [--no-color] [--ascii] [--filter EXPR] [--sort SPEC]\n"
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

/* The replay without a terminal: to the end, then the export. */
static int replay_headless(const struct app_options *opt, const char *export_path)
{
	char *cause = NULL;
	struct config config;
	struct journal *journal = NULL;
	struct replay *replay = NULL;
	struct view *view = view_create();
	int status = 1;

	if (!config_load(&config, opt->config_path, &cause)) {
		fprintf(stderr, "thingtop replay: %s\n", cause);
		free(cause);
		view_destroy(view);
		return 1;
	}
	if ((opt->filter && !view_set_filter(view, opt->filter, &cause)) ||
	    (opt->sort && !view_set_sort(view, opt->sort, &cause))) {
		fprintf(stderr, "thingtop replay: %s\n", cause);
		status = 2;
		goto out;
	}
	journal = journal_open(opt->journal_path, JOURNAL_READ_ONLY, &cause);
	if (!journal)
		goto fail;
	struct replay_range range;
	if (!replay_range_parse(&range, journal, opt->replay_from, opt->replay_to, &cause)) {
		status = 2;
		fprintf(stderr, "thingtop replay: %s\n", cause);
		goto out;
	}
	int64_t t0 = now_us();
	replay = replay_create(journal, &config.reconcile, &range, &cause);
	if (!replay)
		goto fail;
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

	struct fleet *fleet = replay_fleet(replay);
	view_refresh(view, fleet);
	struct stat st;
	if (strcmp(export_path, "-") == 0) {
		export_view_csv(view, fleet, stdout);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			perror("thingtop replay: standard output");
			goto out;
		}
	} else if (stat(export_path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* /dev/null, a pipe: written to, never renamed over. */
		FILE *out = fopen(export_path, "w");
		if (!out) {
			perror("thingtop replay: --export");
			goto out;
		}
		export_view_csv(view, fleet, out);
		if (fclose(out) != 0) {
			perror("thingtop replay: --export");
			goto out;
		}
	} else if (!export_view_csv_file(view, fleet, export_path, &cause)) {
		goto fail;
	}
	status = 0;
	goto out;

fail:
	fprintf(stderr, "thingtop replay: %s\n", cause != NULL ? cause : "failed");
out:
	free(cause);
	replay_destroy(replay);
	journal_close(journal);
	view_destroy(view);
	config_finish(&config);
	return status;
}

int cmd_replay(int argc, char **argv)
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
	int c;
	while ((c = getopt_long(argc, argv, "j:c:h", options, NULL)) != -1) {
		switch (c) {
		case 'j': opt.journal_path = optarg; break;
		case 'c': opt.config_path = optarg; break;
		case OPT_SPEED:
			if (!replay_parse_speed(optarg, &opt.replay_speed)) {
				fprintf(stderr, "thingtop replay: --speed \"%s\" is not a speed (try 10, 0.5 or max)\n",
				        optarg);
				return 2;
			}
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
		case 'h': fputs(replay_usage, stdout); return 0;
		default: fputs(replay_usage, stderr); return 2;
		}
	}
	if (optind < argc && opt.journal_path == NULL)
		opt.journal_path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "thingtop replay: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (opt.journal_path == NULL) {
		fputs("thingtop replay: which journal? (thingtop replay JOURNAL)\n", stderr);
		return 2;
	}
	/* A replay never writes: a missing file is an error, not a new journal. */
	FILE *probe = fopen(opt.journal_path, "rb");
	if (!probe) {
		char safe[1024];
		text_escape(opt.journal_path, strlen(opt.journal_path), safe, sizeof safe, false);
		fprintf(stderr, "thingtop replay: no journal at %s\n", safe);
		return 1;
	}
	fclose(probe);
	if (alerts)
		return replay_print_alerts(&opt);
	if (export_path)
		return replay_headless(&opt, export_path);
	return app_run(&opt);
}
