/* thingtop simulate: a simulated fleet's lifecycle events, published to a
 * broker and/or written as NDJSON, with the ground truth beside them. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "core/config.h"
#include "simulate.h"
#include "timefmt.h"
#include "xalloc.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

const char cmd_simulate_usage[] =
	"Usage: thingtop simulate [--broker HOST[:PORT]] [--qos N] [--rate N/s]\n"
	"                         [--things N] [--events N | --duration S] [--seed N]\n"
	"                         [--quirks all|none|LIST] [--ndjson FILE] [--truth FILE]\n"
	"                         [--realtime]\n"
	"\n"
	"Generates a fleet's lifecycle events (connected, disconnected, subscribed,\n"
	"...) as AWS IoT Core publishes them, quirks included, and publishes them to\n"
	"a broker and/or writes them as NDJSON that `thingtop import` reads; the\n"
	"ground truth (each thing's real last state) can be written beside them.\n"
	"Without --events or --duration it runs until interrupted.\n"
	"\n"
	"Options:\n"
	"  --broker HOST[:PORT] publish to this broker ($aws/events/... topics)\n"
	"  --qos N              publish QoS, 0 or 1 (default 1)\n"
	"  --rate N[/s]         messages per second (default: as fast as it goes; with\n"
	"                       --realtime, the fleet's pace at 10/s)\n"
	"  --things N           fleet size, 1 to 50000000 (default 300)\n"
	"  --events N           stop after N messages\n"
	"  --duration S         stop after S ('30s', '5m'): simulated time for files,\n"
	"                       wall-clock time with --broker or --realtime\n"
	"  --seed N             random seed (default 1): the same seed, the same events\n"
	"  --quirks all|none|LIST\n"
	"                       what real fleets do (default all): flapping, storms,\n"
	"                       reorder, duplicates, skew, version-reset, takeover,\n"
	"                       keepalive, connect-failed, subscriptions, malformed\n"
	"                       (NDJSON only; never sent to a broker)\n"
	"  --ndjson FILE        write the messages as NDJSON envelopes (- = stdout)\n"
	"  --truth FILE         write the ground truth as CSV at the end (- = stdout)\n"
	"  --realtime           timestamps from now, paced like a live fleet\n"
	"  -h, --help           this text\n"
	"\n"
	"Exit status: 0 when every message was written or published, 1 when a file\n"
	"or the broker failed, 2 for a usage error.\n";

static bool parse_u64(const char *text, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-')
		return false;
	*out = v;
	return true;
}

static void sleep_ms(int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static FILE *open_out(const char *path, char **cause)
{
	if (strcmp(path, "-") == 0)
		return stdout;
	FILE *f = fopen(path, "w");
	if (!f)
		set_cause(cause, "%s: %s", path, strerror(errno));
	return f;
}

struct sim_args {
	struct simulate_options so;
	const char *broker, *ndjson_path, *truth_path;
	uint64_t events, qos;
	int64_t duration_ms;
	double rate;
	bool realtime;
};

/* -1 to go on, else the exit status. */
static int parse_args(const struct cmd_entry *cmd, int argc, char **argv, struct sim_args *a)
{
	enum { OPT_BROKER = 256, OPT_QOS, OPT_RATE, OPT_THINGS, OPT_EVENTS, OPT_DURATION, OPT_SEED,
	       OPT_QUIRKS, OPT_NDJSON, OPT_TRUTH, OPT_REALTIME };
	static const struct option longopts[] = {
		{ "broker", required_argument, NULL, OPT_BROKER },
		{ "qos", required_argument, NULL, OPT_QOS },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "things", required_argument, NULL, OPT_THINGS },
		{ "events", required_argument, NULL, OPT_EVENTS },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "quirks", required_argument, NULL, OPT_QUIRKS },
		{ "ndjson", required_argument, NULL, OPT_NDJSON },
		{ "truth", required_argument, NULL, OPT_TRUTH },
		{ "realtime", no_argument, NULL, OPT_REALTIME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct simulate_options *so = &a->so;
	simulate_defaults(so);
	uint64_t things = so->things, seed = so->seed;
	bool quirks_given = false;
	char *cause = NULL;
	int opt, usage_status = 0;
	a->qos = 1;

	while ((opt = cmd_getopt(cmd, argc, argv, "h", longopts, &usage_status)) != -1) {
		switch (opt) {
		case CMD_EXIT: return usage_status;
		case OPT_BROKER: a->broker = optarg; break;
		case OPT_QOS:
			if (!parse_u64(optarg, &a->qos) || a->qos > 1)
				return cmd_usage_error(cmd, "--qos must be 0 or 1");
			break;
		case OPT_RATE: {
			char *end;
			a->rate = strtod(optarg, &end);
			if (end == optarg || (*end && strcmp(end, "/s") != 0) || a->rate <= 0)
				return cmd_usage_error(cmd, "--rate %s: expected messages per second like 500"
				                       " or 500/s", optarg);
			break;
		}
		case OPT_THINGS:
			if (!parse_u64(optarg, &things) || things < 1 || things > 50000000)
				return cmd_usage_error(cmd, "--things must be 1 to 50000000");
			break;
		case OPT_EVENTS:
			if (!parse_u64(optarg, &a->events) || a->events < 1)
				return cmd_usage_error(cmd, "--events must be a positive number");
			break;
		case OPT_DURATION:
			if (!time_parse_duration(optarg, &a->duration_ms) || a->duration_ms <= 0)
				return cmd_usage_error(cmd, "--duration %s: expected a duration like 30s or 5m",
				                       optarg);
			break;
		case OPT_SEED:
			if (!parse_u64(optarg, &seed))
				return cmd_usage_error(cmd, "--seed must be a number");
			break;
		case OPT_QUIRKS:
			if (!simulate_parse_quirks(optarg, &so->quirks, &cause)) {
				int status = cmd_usage_error(cmd, "--quirks: %s", cause);
				free(cause);
				return status;
			}
			quirks_given = true;
			break;
		case OPT_NDJSON: a->ndjson_path = optarg; break;
		case OPT_TRUTH: a->truth_path = optarg; break;
		case OPT_REALTIME: a->realtime = true; break;
		}
	}
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!a->broker && !a->ndjson_path && !a->truth_path)
		return cmd_usage_error(cmd, "nothing to do: give --broker, --ndjson or --truth");
	if ((a->ndjson_path || a->truth_path) && !a->events && !a->duration_ms)
		return cmd_usage_error(cmd, "--ndjson and --truth need --events or --duration");

	/* A broker refuses control characters in topics and cannot carry
	 * unparseable JSON tests as well as a file can. */
	if (a->broker) {
		so->ids_topic_safe = true;
		if (!quirks_given || (so->quirks & SIM_MALFORMED))
			so->quirks &= ~(unsigned)SIM_MALFORMED;
	}
	so->things = (size_t)things;
	so->seed = seed;
	if (a->realtime) {
		so->start_ms = time_now_ms();
		so->mean_interval_ms = (int64_t)((double)things * 1000.0 /
		                                 (a->rate > 0 ? a->rate : 10.0));
	}
	return -1;
}

/* Where the messages go: an NDJSON file and/or a broker. */
struct sim_outputs {
	FILE *ndjson;
	struct simulate_publisher *pub;
};

static bool emit(struct sim_outputs *out, const struct simulate_message *msg, char **cause)
{
	if (out->ndjson)
		simulate_write_ndjson(msg, out->ndjson);
	/* Malformed messages (a quirk of files) are not published. */
	return !out->pub || msg->malformed || simulate_publish(out->pub, msg, cause);
}

/* Generates the stream until its count, duration or a signal, paced as
 * asked, then what the model still holds back, so the truth is complete. */
static bool stream(struct simulator *sim, const struct sim_args *args, struct sim_outputs *out,
                   char **cause)
{
	bool wall_clock = args->broker || args->realtime;
	int64_t wall_start = time_mono_ms();
	int64_t sim_start = args->so.start_ms;
	struct simulate_message msg;
	uint64_t n = 0;
	while (!stop_requested && !(args->events && n >= args->events)) {
		if (args->duration_ms && !wall_clock && simulate_clock(sim) - sim_start >= args->duration_ms)
			break;
		if (args->duration_ms && wall_clock && time_mono_ms() - wall_start >= args->duration_ms)
			break;
		simulate_next(sim, &msg);
		n++;
		if (args->realtime)
			sleep_ms((msg.received_ms - sim_start) - (time_mono_ms() - wall_start));
		else if (args->rate > 0)
			sleep_ms((int64_t)((double)n * 1000.0 / args->rate) - (time_mono_ms() - wall_start));
		if (!emit(out, &msg, cause))
			return false;
	}
	while (simulate_drain(sim, &msg))
		if (!emit(out, &msg, cause))
			return false;
	return !out->pub || simulate_publisher_flush(out->pub, cause);
}

int cmd_simulate(const struct cmd_entry *cmd, int argc, char **argv)
{
	struct sim_args args = { 0 };
	int parsed = parse_args(cmd, argc, argv, &args);
	if (parsed >= 0)
		return parsed;
	char *cause = NULL;

	int status = 1;
	struct config config;
	config_defaults(&config);
	struct simulator *sim = simulate_create(&args.so);
	struct sim_outputs out = { 0 };
	FILE *truth = NULL;

	if (args.broker) {
		if (!config_apply_broker_arg(&config, args.broker, &cause))
			goto fail;
		out.pub = simulate_publisher_create(config.broker.host, config.broker.port, (int)args.qos,
		                                    &cause);
		if (!out.pub)
			goto fail;
	}
	if (args.ndjson_path && !(out.ndjson = open_out(args.ndjson_path, &cause)))
		goto fail;
	if (out.ndjson && out.ndjson != stdout) {
		static char buf[1 << 20];
		setvbuf(out.ndjson, buf, _IOFBF, sizeof buf);
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!stream(sim, &args, &out, &cause))
		goto fail;
	if (out.ndjson && (fflush(out.ndjson) != 0 || ferror(out.ndjson))) {
		set_cause(&cause, "%s: %s", args.ndjson_path, strerror(errno));
		goto fail;
	}
	if (args.truth_path) {
		if (!(truth = open_out(args.truth_path, &cause)))
			goto fail;
		if (!simulate_write_truth(sim, truth) || fflush(truth) != 0) {
			set_cause(&cause, "%s: %s", args.truth_path, strerror(errno));
			goto fail;
		}
	}
	fprintf(stderr, "thingtop simulate: %" PRIu64 " messages, %zu things\n", simulate_delivered(sim),
	        simulate_thing_count(sim));
	status = 0;
	goto out;
fail:
	fprintf(stderr, "thingtop simulate: %s\n", cause ? cause : "failed");
out:
	if (out.ndjson && out.ndjson != stdout)
		fclose(out.ndjson);
	if (truth && truth != stdout)
		fclose(truth);
	simulate_publisher_destroy(out.pub);
	simulate_destroy(sim);
	config_finish(&config);
	free(cause);
	return status;
}
