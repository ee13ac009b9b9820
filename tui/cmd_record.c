/* thingtop record: headless subscriber. Every message goes through ingest
 * (parse, reconcile, journal) until SIGINT/SIGTERM, then everything is
 * committed. One stderr line per connection state change and a periodic
 * rate line. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/config.h"
#include "ingest.h"
#include "journal.h"
#include "mqtt_source.h"
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
	struct ingest ingest;
	struct mqtt_source *src;
	const char *host;
	int port;
	bool quiet;
	struct record_hooks *hooks;  /* record_hooks: alerts and metrics */
};

static void on_message(void *ctx, const char *topic, const void *payload, size_t len)
{
	struct recorder *rec = ctx;
	ingest_message(&rec->ingest, topic, payload, len, time_now_ms());
	record_hooks_event(rec->hooks);  /* record_hooks */
}

static void on_state(void *ctx, const struct mqtt_status *status)
{
	struct recorder *rec = ctx;
	if (rec->hooks)  /* record_hooks */
		record_hooks_mqtt(rec->hooks, status->state == MQTT_CONNECTED);
	if (rec->quiet && status->state != MQTT_BACKING_OFF)
		return;
	char reason[400];
	text_escape(status->reason, strlen(status->reason), reason, sizeof reason, false);
	switch (status->state) {
	case MQTT_CONNECTING:
		fprintf(stderr, "thingtop record: connecting to %s:%d\n", rec->host, rec->port);
		break;
	case MQTT_CONNECTED:
		fprintf(stderr, "thingtop record: connected to %s:%d as %s%s\n", rec->host, rec->port,
		        rec->src ? mqtt_source_client_id(rec->src) : "?",
		        status->session_present ? " (session resumed)" : "");
		break;
	case MQTT_BACKING_OFF: {
		int64_t wait = status->next_try_ms - time_mono_ms();
		fprintf(stderr, "thingtop record: %s:%d: %s; retrying in %.1f s\n", rec->host, rec->port,
		        reason, wait > 0 ? (double)wait / 1000.0 : 0.0);
		break;
	}
	case MQTT_STOPPED:
		fprintf(stderr, "thingtop record: disconnected\n");
		break;
	}
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: thingtop record [-c FILE] [--broker HOST[:PORT]] [-j JOURNAL] [--qos N]\n"
	        "                       [--quiet] [--stats-interval SECONDS] [--metrics-file PATH]\n"
	        "Subscribes to the lifecycle events and journals them until SIGINT or SIGTERM.\n"
	        "Runs the config's alert rules; --metrics-file (or metrics.file) writes\n"
	        "Prometheus metrics for node_exporter's textfile collector.\n");
}

static void rate_line(struct recorder *rec, uint64_t *last_received, int64_t *last_ms)
{
	int64_t now = time_mono_ms();
	const struct ingest_stats *st = &rec->ingest.stats;
	double secs = (double)(now - *last_ms) / 1000.0;
	double rate = secs > 0 ? (double)(st->received - *last_received) / secs : 0.0;
	fprintf(stderr,
	        "thingtop record: received %" PRIu64 " (%.0f msg/s), rejected %" PRIu64
	        ", duplicates %" PRIu64 ", things %zu, connected %zu\n",
	        st->received, rate, st->rejected, st->duplicates, fleet_count(rec->ingest.fleet),
	        fleet_status_count(rec->ingest.fleet, STATUS_CONNECTED));
	*last_received = st->received;
	*last_ms = now;
}

int cmd_record(int argc, char **argv)
{
	enum { OPT_BROKER = 256, OPT_QOS, OPT_QUIET, OPT_STATS, OPT_HELP, OPT_METRICS };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "broker", required_argument, NULL, OPT_BROKER },
		{ "journal", required_argument, NULL, 'j' },
		{ "qos", required_argument, NULL, OPT_QOS },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "stats-interval", required_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "metrics-file", required_argument, NULL, OPT_METRICS },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *broker = NULL, *journal_path = NULL;
	int qos = -1;
	bool quiet = false;
	int64_t stats_ms = 10000;
	const char *metrics_file = NULL;  /* record_hooks */
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:j:q", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case OPT_BROKER: broker = optarg; break;
		case 'j': journal_path = optarg; break;
		case OPT_QOS:
			if (strcmp(optarg, "0") && strcmp(optarg, "1") && strcmp(optarg, "2")) {
				fprintf(stderr, "thingtop record: --qos must be 0, 1 or 2\n");
				return 2;
			}
			qos = atoi(optarg);
			break;
		case 'q':
		case OPT_QUIET: quiet = true; break;
		case OPT_STATS:
			if (!time_parse_duration(optarg, &stats_ms) || stats_ms < 0) {
				fprintf(stderr, "thingtop record: --stats-interval %s: expected seconds (0 = none)\n", optarg);
				return 2;
			}
			break;
		case OPT_HELP: usage(stdout); return 0;
		case OPT_METRICS: metrics_file = optarg; break;  /* record_hooks */
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "thingtop record: unexpected argument %s\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	int status = 1;
	char *cause = NULL;
	char *default_journal = NULL;
	struct config config;
	struct journal *journal = NULL;
	struct fleet *fleet = NULL;
	struct recorder rec = { .quiet = quiet };

	if (!config_load(&config, config_path, &cause))
		goto fail;
	if (broker && !config_apply_broker_arg(&config, broker, &cause))
		goto fail;
	if (qos >= 0)
		config.broker.qos = qos;
	if (!journal_path)
		journal_path = config.journal.path ? config.journal.path : (default_journal = journal_default_path());

	/* A bad certificate fails before anything is created on disk. */
	if (!mqtt_source_check_tls(&config, &cause))
		goto fail;
	journal = journal_open(journal_path, JOURNAL_READ_WRITE, &cause);
	if (!journal)
		goto fail;
	fleet = rebuild_fleet(journal, &config.reconcile, 0, &cause);
	if (!fleet)
		goto fail;
	journal_set_retention(journal, config.journal.retain_ms, config.journal.max_size);
	ingest_init(&rec.ingest, journal, fleet);
	rec.ingest.snapshot_every = INGEST_SNAPSHOT_EVERY;
	rec.host = config.broker.host;
	rec.port = config.broker.port;

	/* record_hooks: alert rules and the metrics file. */
	rec.hooks = record_hooks_create(&config, &rec.ingest, journal_path, metrics_file, &cause);
	if (!rec.hooks)
		goto fail;

	rec.src = mqtt_source_create(&config, on_message, on_state, &rec, &cause);
	if (!rec.src)
		goto fail;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!quiet)
		fprintf(stderr, "thingtop record: journal %s\n", journal_path);
	if (mqtt_source_tls_warning(rec.src))
		fprintf(stderr, "thingtop record: warning: %s\n", mqtt_source_tls_warning(rec.src));
	uint64_t last_received = 0;
	int64_t last_rate_ms = time_mono_ms();
	while (!stop_requested) {
		struct pollfd pfd = { .fd = mqtt_source_fd(rec.src), .events = POLLIN };
		if (mqtt_source_wants_write(rec.src))
			pfd.events |= POLLOUT;
		int timeout = mqtt_source_next_timeout_ms(rec.src);
		int hooks_timeout = record_hooks_tick(rec.hooks);  /* record_hooks */
		if (hooks_timeout >= 0 && (timeout < 0 || hooks_timeout < timeout))
			timeout = hooks_timeout;
		if (stats_ms > 0 && !quiet) {
			int64_t until = last_rate_ms + stats_ms - time_mono_ms();
			if (until < timeout)
				timeout = until < 0 ? 0 : (int)until;
		}
		int n = poll(&pfd, pfd.fd >= 0 ? 1 : 0, timeout);
		if (n < 0 && errno != EINTR) {
			set_cause(&cause, "poll: %s", strerror(errno));
			goto fail;
		}
		if (stop_requested)
			break;
		mqtt_source_dispatch(rec.src);
		if (stats_ms > 0 && !quiet && time_mono_ms() - last_rate_ms >= stats_ms)
			rate_line(&rec, &last_received, &last_rate_ms);
	}

	mqtt_source_stop(rec.src);
	if (!ingest_checkpoint(&rec.ingest, &cause))
		goto fail;
	if (!quiet)
		rate_line(&rec, &last_received, &last_rate_ms);
	status = 0;
	goto out;
fail:
	fprintf(stderr, "thingtop record: %s\n", cause ? cause : "failed");
out:
	mqtt_source_destroy(rec.src);
	record_hooks_destroy(rec.hooks);  /* record_hooks */
	journal_close(journal);
	fleet_destroy(fleet);
	free(default_journal);
	free(cause);
	config_finish(&config);
	return status;
}
