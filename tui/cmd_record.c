/* thingtop record: headless subscriber. Every message goes through ingest
 * (parse, reconcile, journal), a round at a time, committed before the next
 * round is read (core/live.c), until SIGINT, SIGTERM, SIGHUP or SIGQUIT;
 * then everything is committed. A journal that cannot be written ends it
 * with status 1 at once: the broker keeps queueing for our session, and the
 * service manager restarts us. One stderr line per connection state change
 * and a periodic rate line. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "core/config.h"
#include "ingest.h"
#include "journal.h"
#include "live.h"
#include "rebuild.h"
#include "record_hooks.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct recorder {
	struct ingest *ingest;      /* the session's */
	struct live *live;          /* the session's, while listening */
	const char *host;
	int port;
	bool quiet;
	bool refusal_reported;
	bool connected;
	bool suspended;
	bool listening;             /* every SUBACK is in */
	char rate_warning[256];     /* the last one printed */
	char sync_error[768];       /* the last re-sync failure printed */
	uint64_t syncs;             /* re-syncs reported */
	unsigned filters;           /* topic filters subscribed */
	struct record_hooks *hooks;  /* record_hooks: alerts and metrics */
};

/* Each refused filter once per connection, with the policy it needs. */
static void report_refused(struct recorder *rec, const struct mqtt_status *st)
{
	if (st->filters_pending > 0 || st->filters_refused == 0 || rec->refusal_reported)
		return;
	rec->refusal_reported = true;
	char *list = xstrdup(st->refused);
	for (char *save = NULL, *f = strtok_r(list, ", ", &save); f; f = strtok_r(NULL, ", ", &save)) {
		char *hint = live_policy_hint(f);
		char safe[400];
		text_escape(f, strlen(f), safe, sizeof safe, false);
		fprintf(stderr, "thingtop record: the broker refused the subscription to %s (SUBACK 0x80);"
		        " on AWS IoT the policy needs: %s\n", safe, hint);
		free(hint);
	}
	free(list);
}

static void on_message(void *ctx, const struct event *event)
{
	struct recorder *rec = ctx;
	record_hooks_event(rec->hooks, event);  /* record_hooks */
}

/* The re-sync (aws.sync_interval): each run's outcome, once. */
static void report_sync(struct recorder *rec, const struct live_status *status)
{
	if (strcmp(status->sync_error, rec->sync_error) != 0 && *status->sync_error)
		fprintf(stderr, "thingtop record: %s\n", status->sync_error);
	snprintf(rec->sync_error, sizeof rec->sync_error, "%s", status->sync_error);
	if (status->syncs != rec->syncs && !rec->quiet)
		fprintf(stderr, "thingtop record: re-synced %llu things from AWS\n",
		        (unsigned long long)status->sync_things);
	rec->syncs = status->syncs;
}

static void on_change(void *ctx, const struct live_status *status)
{
	struct recorder *rec = ctx;
	const struct mqtt_status *st = status->broker;
	report_sync(rec, status);
	if (rec->hooks && st)  /* record_hooks */
		record_hooks_mqtt(rec->hooks, st->state == MQTT_CONNECTED);
	if (!st)
		return;
	bool was_connected = rec->connected;
	rec->connected = st->state == MQTT_CONNECTED;
	if (st->state == MQTT_SUSPENDED && rec->suspended)
		return; /* said once */
	rec->suspended = st->state == MQTT_SUSPENDED;
	if (st->state == MQTT_CONNECTED)
		report_refused(rec, st);
	else
		rec->refusal_reported = false;
	bool listening = st->state == MQTT_CONNECTED && st->filters_pending == 0;
	if (listening && !rec->listening && !rec->quiet)
		fprintf(stderr, "thingtop record: listening: %u of %u filter(s) granted\n",
		        rec->filters - st->filters_refused, rec->filters);
	rec->listening = listening;
	if (*status->rate_warning && strcmp(status->rate_warning, rec->rate_warning) != 0)
		fprintf(stderr, "thingtop record: warning: %s\n", status->rate_warning);
	snprintf(rec->rate_warning, sizeof rec->rate_warning, "%s", status->rate_warning);
	if (rec->quiet && st->state != MQTT_BACKING_OFF)
		return;
	char reason[700];
	text_escape(st->reason, strlen(st->reason), reason, sizeof reason, false);
	switch (st->state) {
	case MQTT_CONNECTING:
		fprintf(stderr, "thingtop record: connecting to %s:%d\n", rec->host, rec->port);
		break;
	case MQTT_CONNECTED:
		if (was_connected)
			break; /* a SUBACK: reported above */
		fprintf(stderr, "thingtop record: connected to %s:%d as %s%s\n", rec->host, rec->port,
		        status->client_id,
		        st->session_present ? " (session resumed)" : " (new session: the broker kept nothing for us)");
		break;
	case MQTT_BACKING_OFF: {
		int64_t wait = st->next_try_ms - time_mono_ms();
		fprintf(stderr, "thingtop record: %s:%d: %s; retrying in %.1f s\n", rec->host, rec->port,
		        reason, wait > 0 ? (double)wait / 1000.0 : 0.0);
		break;
	}
	case MQTT_SUSPENDED:
		fprintf(stderr, "thingtop record: stopped reading: %s\n", reason);
		break;
	case MQTT_STOPPED:
		fprintf(stderr, "thingtop record: disconnected\n");
		break;
	}
}

const char cmd_record_usage[] =
	"Usage: thingtop record [-c FILE] [--broker HOST[:PORT] | --aws-endpoint HOST]\n"
	"                       [-j JOURNAL] [--qos N] [-V 311|5] [--cafile F]\n"
	"                       [--capath D] [--cert F] [--key F] [--alpn P]\n"
	"                       [--id CLIENT_ID] [--clean-session] [--connections N]\n"
	"                       [--quiet] [--stats-interval SECONDS]\n"
	"                       [--metrics-file PATH]\n"
	"\n"
	"Subscribes to the lifecycle events and journals them until SIGINT, SIGTERM,\n"
	"SIGHUP or SIGQUIT, then commits everything and exits 0.\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE    config file (default $THINGTOP_CONFIG, then\n"
	"                       $XDG_CONFIG_HOME/thingtop/thingtop.conf)\n"
	"  --broker HOST[:PORT] the broker (default: broker.host, localhost:1883)\n"
	"  -j, --journal FILE   the journal (default: journal.path, else\n"
	"                       %s)\n"
	"  --qos N              subscription QoS, 0..2 (default 1)\n"
	"  -V, --protocol V     311 (default) or 5\n"
	"  --aws-endpoint HOST  AWS IoT Core: HOST, port 443, ALPN x-amzn-mqtt-ca, the\n"
	"                       Amazon root CA (aws.endpoint)\n"
	"  --cafile F, --capath D, --cert F, --key F, --alpn P\n"
	"                       TLS as for mosquitto_sub (tls.ca_file, ... in the config)\n"
	"  --id CLIENT_ID       MQTT client id (default: the journal's own, made once,\n"
	"                       so a restart resumes the broker session)\n"
	"  --clean-session      start a new broker session (what it queued is dropped)\n"
	"  --connections N      N connections sharing the subscriptions\n"
	"                       ($share/GROUP/..., ids CLIENT_ID-1..N): AWS delivers\n"
	"                       ~100 messages/s to one\n"
	"                       (broker.connections, broker.share_group)\n"
	"  -q, --quiet          only errors\n"
	"  --stats-interval S   a rate line every S seconds (default 10, 0 = none)\n"
	"  --metrics-file PATH  Prometheus metrics for node_exporter's textfile collector\n"
	"                       (metrics.file, metrics.interval)\n"
	"  -h, --help           this text\n"
	"\n"
	"Runs the config's alert rules (alerts = ...) while it records.\n"
	"\n"
	"Exit status: 0 after a clean stop; 1 when the journal cannot be written\n"
	"(full disk, I/O error, lock timeout: the broker keeps queueing for the\n"
	"session, so a restart loses nothing), when the broker refuses every\n"
	"subscription, or on a setup error; 2 on a usage error.\n";

static void rate_line(struct recorder *rec, uint64_t *last_received, int64_t *last_ms)
{
	int64_t now = time_mono_ms();
	const struct ingest_stats *st = &rec->ingest->stats;
	double secs = (double)(now - *last_ms) / 1000.0;
	double rate = secs > 0 ? (double)(st->received - *last_received) / secs : 0.0;
	fprintf(stderr,
	        "thingtop record: received %" PRIu64 " (%.0f msg/s), rejected %" PRIu64
	        ", duplicates %" PRIu64 ", things %zu, connected %zu\n",
	        st->received, rate, st->rejected, st->duplicates, fleet_count(rec->ingest->fleet),
	        fleet_status_count(rec->ingest->fleet, STATUS_CONNECTED));
	*last_received = st->received;
	*last_ms = now;
}

static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	/* An SSH session that closes sends SIGHUP: stop as cleanly as for the
	 * others, never die with a round uncommitted. */
	const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
		sigaction(stops[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* False with *cause when recording cannot go on: the journal failed, or
 * the broker refused every subscription (nothing can ever arrive: the
 * operator must fix the policy). */
static bool still_recording(const struct recorder *rec, char **cause)
{
	const struct live_status *ls = live_status(rec->live);
	if (!ls->recording) {
		set_cause(cause, "%s", ls->journal_error);
		return false;
	}
	const struct mqtt_status *st = ls->broker;
	if (st && st->state == MQTT_CONNECTED && st->filters_pending == 0 &&
	    st->filters_refused == rec->filters) {
		set_cause(cause, "the broker refused every subscription (%s)", st->refused);
		return false;
	}
	return true;
}

/* Alert rules and the metrics file: ticked every turn, due again when
 * they say. */
static size_t hooks_prepare(void *ctx, struct pollfd *fds, size_t max, int64_t *due_ms)
{
	struct recorder *rec = ctx;
	(void)fds;
	(void)max;
	int wait = record_hooks_tick(rec->hooks);
	if (wait >= 0 && time_mono_ms() + wait < *due_ms)
		*due_ms = time_mono_ms() + wait;
	return 0;
}

static const struct loop_source_ops hooks_source = { .prepare = hooks_prepare };

struct rate_report {
	struct recorder *rec;
	struct loop_timer *timer;
	int64_t every_ms;
	uint64_t last_received;
	int64_t last_ms;
};

static void report_rate(void *ctx)
{
	struct rate_report *r = ctx;
	rate_line(r->rec, &r->last_received, &r->last_ms);
	loop_timer_arm(r->timer, r->last_ms + r->every_ms);
}

/* Runs the loop (the broker connections, the hooks, the rate line every
 * stats_ms unless quiet) until a stop signal or a reason to give up;
 * false with *cause for the latter. */
static bool record_loop(struct recorder *rec, bool quiet, int64_t stats_ms, char **cause)
{
	struct loop *loop = loop_create();
	loop_add_source(loop, &live_loop_source, rec->live);
	loop_add_source(loop, &hooks_source, rec);
	struct rate_report rate = { .rec = rec, .every_ms = stats_ms, .last_ms = time_mono_ms() };
	rate.timer = loop_add_timer(loop, report_rate, &rate);
	if (stats_ms > 0 && !quiet)
		loop_timer_arm(rate.timer, rate.last_ms + stats_ms);
	bool ok = true;
	while (ok && !stop_requested) {
		ok = still_recording(rec, cause);
		if (ok && !loop_run_once(loop)) {
			set_cause(cause, "poll: %s", strerror(errno));
			ok = false;
		}
	}
	loop_destroy(loop);
	return ok;
}

struct record_args {
	struct session_options open;
	struct config_flags flags;
	const char *client_id;
	int connections;
	bool quiet, clean_session;
	int64_t stats_ms;
	const char *metrics_file;  /* record_hooks */
};

/* -1 to go on, else the exit status. */
static int parse_args(const struct cmd_entry *cmd, int argc, char **argv, struct record_args *a)
{
	enum { OPT_BROKER = 256, OPT_QOS, OPT_QUIET, OPT_STATS, OPT_ID, OPT_CLEAN, OPT_CONNS,
	       OPT_METRICS, OPT_CAFILE, OPT_CAPATH, OPT_CERT, OPT_KEY, OPT_ALPN, OPT_AWS };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "broker", required_argument, NULL, OPT_BROKER },
		{ "journal", required_argument, NULL, 'j' },
		{ "qos", required_argument, NULL, OPT_QOS },
		{ "id", required_argument, NULL, OPT_ID },
		{ "clean-session", no_argument, NULL, OPT_CLEAN },
		{ "connections", required_argument, NULL, OPT_CONNS },
		{ "cafile", required_argument, NULL, OPT_CAFILE },
		{ "capath", required_argument, NULL, OPT_CAPATH },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "alpn", required_argument, NULL, OPT_ALPN },
		{ "protocol", required_argument, NULL, 'V' },
		{ "aws-endpoint", required_argument, NULL, OPT_AWS },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "stats-interval", required_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ "metrics-file", required_argument, NULL, OPT_METRICS },
		{ NULL, 0, NULL, 0 },
	};
	int opt, usage_status = 0;
	a->flags.qos = -1;
	a->stats_ms = 10000;
	cli_options_init(&a->open, cmd);
	while ((opt = cmd_getopt(cmd, argc, argv, "c:j:qhV:", longopts, &usage_status)) != -1) {
		switch (opt) {
		case CMD_EXIT: return usage_status;
		case 'c': a->open.config_path = optarg; break;
		case OPT_BROKER: a->flags.broker = optarg; break;
		case OPT_CAFILE: a->flags.cafile = optarg; break;
		case OPT_CAPATH: a->flags.capath = optarg; break;
		case OPT_CERT: a->flags.cert = optarg; break;
		case OPT_KEY: a->flags.key = optarg; break;
		case OPT_ALPN: a->flags.alpn = optarg; break;
		case 'V': a->flags.protocol = optarg; break;
		case OPT_AWS: a->flags.aws_endpoint = optarg; break;
		case 'j': a->open.journal_path = optarg; break;
		case OPT_QOS:
			if (strcmp(optarg, "0") && strcmp(optarg, "1") && strcmp(optarg, "2"))
				return cmd_usage_error(cmd, "--qos must be 0, 1 or 2");
			a->flags.qos = atoi(optarg);
			break;
		case OPT_ID:
			if (!*optarg || strlen(optarg) > 128)
				return cmd_usage_error(cmd, "--id must be 1 to 128 bytes");
			a->client_id = optarg;
			break;
		case OPT_CLEAN: a->clean_session = true; break;
		case OPT_CONNS:
			a->connections = atoi(optarg);
			if (a->connections < 1 || a->connections > CONFIG_CONNECTIONS_MAX)
				return cmd_usage_error(cmd, "--connections must be 1 to %d",
				                       CONFIG_CONNECTIONS_MAX);
			break;
		case 'q':
		case OPT_QUIET: a->quiet = true; break;
		case OPT_STATS:
			if (!time_parse_duration(optarg, &a->stats_ms) || a->stats_ms < 0)
				return cmd_usage_error(cmd, "--stats-interval %s: expected seconds (0 = none)",
				                       optarg);
			break;
		case OPT_METRICS: a->metrics_file = optarg; break;  /* record_hooks */
		}
	}
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

int cmd_record(const struct cmd_entry *cmd, int argc, char **argv)
{
	struct record_args args = { 0 };
	int parsed = parse_args(cmd, argc, argv, &args);
	if (parsed >= 0)
		return parsed;
	const struct session_options open = args.open;
	bool quiet = args.quiet;
	int64_t stats_ms = args.stats_ms;

	int status = 1;
	char *cause = NULL;
	struct session session;
	struct recorder rec = { .quiet = quiet };

	if (!cli_session_load_config(cmd, &open, &session))
		return 1;
	struct config *config = &session.config;
	if (!config_apply_flags(config, &args.flags, &cause))
		goto fail;
	if (args.client_id) {
		free(config->broker.client_id);
		config->broker.client_id = xstrdup(args.client_id);
	}
	if (args.clean_session)
		config->broker.clean_session = true;
	if (args.connections)
		config->broker.connections = args.connections;
	const char *journal_path = session.journal_path;

	/* A bad certificate fails before anything is created on disk. */
	if (!mqtt_source_check_tls(config, &cause))
		goto fail;
	if (!cli_session_open_journal(cmd, &open, &session))
		return 1;
	rec.ingest = &session.ingest;
	rec.host = config->broker.host;
	rec.port = config->broker.port;
	rec.filters = (unsigned)config->topic_count;

	/* record_hooks: alert rules and the metrics file. */
	rec.hooks = record_hooks_create(config, rec.ingest, journal_path, args.metrics_file, &cause);
	if (!rec.hooks)
		goto fail;

	catch_stop_signals();
	const struct live_options options = { .retry = false };
	const struct live_callbacks callbacks = { .on_message = on_message, .on_change = on_change };
	if (!session_start_live(&session, &options, &callbacks, &rec, &cause))
		goto fail;
	rec.live = session.live;

	if (!quiet)
		fprintf(stderr, "thingtop record: journal %s\n", journal_path);
	bool ok = record_loop(&rec, quiet, stats_ms, &cause);
	uint64_t lost = 0;
	char *stop_cause = NULL;
	bool stopped = session_stop_live(&session, &lost, &stop_cause);
	rec.live = NULL;
	if (!ok) {
		fprintf(stderr, "thingtop record: %s\n", cause ? cause : "failed");
	} else if (!stopped) {
		fprintf(stderr, "thingtop record: %s\n", stop_cause ? stop_cause : "cannot commit");
	} else {
		if (!quiet)
			fprintf(stderr, "thingtop record: stopped; %" PRIu64 " messages received, all journaled\n",
			        rec.ingest->stats.received);
		status = 0;
	}
	if (lost > 0)
		fprintf(stderr, "thingtop record: %" PRIu64 " message(s) received and acknowledged to the"
		        " broker could not be journaled: they are lost\n", lost);
	else if (status != 0)
		fprintf(stderr, "thingtop record: nothing received was lost: what is not journaled yet"
		        " is kept in %s-intake for the next start, and unread events stay queued at the"
		        " broker for this session\n", journal_path);
	free(stop_cause);
	goto out;
fail:
	fprintf(stderr, "thingtop record: %s\n", cause ? cause : "failed");
out:
	record_hooks_destroy(rec.hooks);  /* record_hooks */
	free(cause);
	session_close(&session);
	return status;
}
