/* Alerts and metrics for `thingtop record` (see record_hooks.h). */
#include "record_hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_service.h"
#include "metrics.h"
#include "timefmt.h"
#include "xalloc.h"

struct record_hooks {
	struct ingest *ingest;
	struct alert_service *alerts;
	struct metrics *metrics;
	char *metrics_file;
	char *journal_path;
	char *broker;
	int64_t metrics_every_ms;
	int64_t next_metrics_ms;    /* monotonic */
	uint64_t rate_base_received;
	int64_t rate_base_ms;
	bool connected;
};

struct record_hooks *record_hooks_create(const struct config *config, struct ingest *ingest,
                                         const char *journal_path, const char *metrics_file,
                                         char **cause)
{
	struct record_hooks *h = xcalloc(1, sizeof *h);
	h->ingest = ingest;
	h->alerts = alert_service_create(config, ingest->fleet, ingest->journal, true, cause);
	if (!h->alerts) {
		free(h);
		return NULL;
	}
	if (!metrics_file)
		metrics_file = config->metrics.file;
	if (metrics_file && *metrics_file) {
		h->metrics = metrics_create();
		h->metrics_file = xstrdup(metrics_file);
		h->journal_path = xstrdup(journal_path);
		h->broker = xasprintf("%s:%d", config->broker.host, config->broker.port);
		h->metrics_every_ms = config->metrics.interval_ms > 0 ? config->metrics.interval_ms : 15000;
		h->rate_base_ms = time_mono_ms();
	}
	return h;
}

static void write_metrics(struct record_hooks *h, int64_t mono)
{
	double secs = (double)(mono - h->rate_base_ms) / 1000.0;
	uint64_t received = h->ingest->stats.received;
	struct metrics_input in = {
		.fleet = h->ingest->fleet,
		.alerts = alert_service_alerts(h->alerts),
		.journal_path = h->journal_path,
		.broker = h->broker,
		.mqtt_connected = h->connected,
		.messages_per_second = secs > 0 ? (double)(received - h->rate_base_received) / secs : 0,
	};
	char *cause = NULL;
	if (!metrics_write(h->metrics, &in, h->metrics_file, &cause)) {
		fprintf(stderr, "thingtop record: %s\n", cause);
		free(cause);
	}
	h->rate_base_received = received;
	h->rate_base_ms = mono;
	h->next_metrics_ms = mono + h->metrics_every_ms;
}

void record_hooks_destroy(struct record_hooks *h)
{
	if (!h)
		return;
	if (h->metrics)
		write_metrics(h, time_mono_ms());
	alert_service_destroy(h->alerts);
	metrics_destroy(h->metrics);
	free(h->metrics_file);
	free(h->journal_path);
	free(h->broker);
	free(h);
}

void record_hooks_event(struct record_hooks *h, const struct event *event)
{
	const struct ingest *in = h->ingest;
	if (in->last.thing_id)
		alert_service_event(h->alerts, in->last.thing_id, fleet_clock(in->fleet));
	if (h->metrics)
		metrics_count(h->metrics, event, fleet_clock(in->fleet));
}

void record_hooks_mqtt(struct record_hooks *h, bool connected)
{
	h->connected = connected;
}

int record_hooks_tick(struct record_hooks *h)
{
	int64_t now = time_now_ms(), mono = time_mono_ms();
	int64_t timeout = -1;
	if (alert_service_active(h->alerts)) {
		alert_service_tick(h->alerts, now);
		char line[1024];
		bool error;
		while (alert_service_take_log(h->alerts, line, sizeof line, &error))
			fprintf(stderr, "thingtop record: %s\n", line);
		int64_t due = alert_service_next_due(h->alerts, now);
		if (due != INT64_MAX)
			timeout = due > now ? due - now : 0;
	}
	if (h->metrics) {
		if (mono >= h->next_metrics_ms)
			write_metrics(h, mono);
		int64_t wait = h->next_metrics_ms - mono;
		if (timeout < 0 || wait < timeout)
			timeout = wait < 0 ? 0 : wait;
	}
	return timeout > 60000 ? 60000 : (int)timeout;
}
