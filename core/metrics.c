/* The Prometheus textfile (see metrics.h). Label values are escaped as the
 * exposition format wants (\\, \", \n); reason names come from devices'
 * brokers, so their number is capped. */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

#define REASONS_MAX 64

struct reason_count {
	char name[EVENT_REASON_MAX + 1];
	uint64_t count;
};

struct reason_table {
	struct reason_count items[REASONS_MAX];
	size_t count;
	uint64_t other;             /* past REASONS_MAX distinct names */
};

struct metrics {
	uint64_t events[EVENT_TYPE_COUNT];
	uint64_t rejects[REJECT_COUNT];
	struct reason_table disconnects;
	int64_t last_event_ms;
};

struct metrics *metrics_create(void)
{
	return xcalloc(1, sizeof(struct metrics));
}

void metrics_destroy(struct metrics *m)
{
	free(m);
}

static void count_reason(struct reason_table *t, const char *name)
{
	for (size_t i = 0; i < t->count; i++) {
		if (strcmp(t->items[i].name, name) == 0) {
			t->items[i].count++;
			return;
		}
	}
	if (t->count == REASONS_MAX) {
		t->other++;
		return;
	}
	snprintf(t->items[t->count].name, sizeof t->items[t->count].name, "%s", name);
	t->items[t->count++].count = 1;
}

void metrics_count(struct metrics *m, const struct event *event, int64_t received_ms)
{
	if ((unsigned)event->type < EVENT_TYPE_COUNT)
		m->events[event->type]++;
	if (event->type == EVENT_REJECT && (unsigned)event->reject < REJECT_COUNT)
		m->rejects[event->reject]++;
	if (event->type == EVENT_DISCONNECTED)
		count_reason(&m->disconnects, event->reason);
	m->last_event_ms = received_ms;
}

static void label(FILE *f, const char *value)
{
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

static void write_fleet(FILE *f, const struct fleet *fleet)
{
	head(f, "thingtop_things", "gauge", "Things by reconciled status.");
	for (int s = 0; s < STATUS_COUNT; s++)
		fprintf(f, "thingtop_things{status=\"%s\"} %zu\n", thing_status_name((enum thing_status)s),
		        fleet_status_count(fleet, (enum thing_status)s));
	size_t by_reason[256] = {0};
	uint64_t disconnects = 0;
	for (size_t i = 0; i < fleet_count(fleet); i++) {
		const struct fleet_thing *t = fleet_thing_at(fleet, i);
		by_reason[t->last_reason]++;
		disconnects += t->disconnects;
	}
	head(f, "thingtop_things_by_last_reason", "gauge",
	     "Things by their last disconnect reason (\"\" = none yet).");
	for (size_t r = 0; r < 256; r++) {
		if (!by_reason[r] && r != 0)
			continue;
		fputs("thingtop_things_by_last_reason{reason=\"", f);
		label(f, fleet_reason_name(fleet, (uint8_t)r));
		fprintf(f, "\"} %zu\n", by_reason[r]);
	}
	head(f, "thingtop_thing_disconnects", "gauge",
	     "Disconnects of all things in the journal, duplicates excluded (export's disconnects column summed).");
	fprintf(f, "thingtop_thing_disconnects %llu\n", (unsigned long long)disconnects);
}

static void write_counters(FILE *f, const struct metrics *m)
{
	head(f, "thingtop_events_total", "counter", "Messages received since the recorder started, by type.");
	for (int t = 0; t < EVENT_TYPE_COUNT; t++)
		fprintf(f, "thingtop_events_total{type=\"%s\"} %llu\n", event_type_name((enum event_type)t),
		        (unsigned long long)m->events[t]);
	head(f, "thingtop_rejects_total", "counter", "Rejected messages since the recorder started, by reason.");
	for (int r = 1; r < REJECT_COUNT; r++)
		fprintf(f, "thingtop_rejects_total{reason=\"%s\"} %llu\n",
		        event_reject_name((enum event_reject)r), (unsigned long long)m->rejects[r]);
	head(f, "thingtop_disconnects_total", "counter",
	     "Disconnect events received since the recorder started, by reason.");
	for (size_t i = 0; i < m->disconnects.count; i++) {
		fputs("thingtop_disconnects_total{reason=\"", f);
		label(f, m->disconnects.items[i].name);
		fprintf(f, "\"} %llu\n", (unsigned long long)m->disconnects.items[i].count);
	}
	if (m->disconnects.other)
		fprintf(f, "thingtop_disconnects_total{reason=\"OTHER\"} %llu\n",
		        (unsigned long long)m->disconnects.other);
}

static void write_rest(FILE *f, const struct metrics *m, const struct metrics_input *in)
{
	head(f, "thingtop_alerts_firing", "gauge", "Firing alerts by rule.");
	for (size_t i = 0; in->alerts && i < alerts_rule_count(in->alerts); i++) {
		fputs("thingtop_alerts_firing{rule=\"", f);
		label(f, alerts_rule(in->alerts, i)->name);
		fprintf(f, "\"} %zu\n", alerts_rule_firing(in->alerts, i));
	}
	if (in->journal_path) {
		char *wal = xasprintf("%s-wal", in->journal_path);
		head(f, "thingtop_journal_bytes", "gauge", "Size of the journal file and its WAL.");
		fprintf(f, "thingtop_journal_bytes %lld\n",
		        (long long)(file_size(in->journal_path) + file_size(wal)));
		free(wal);
	}
	const char *broker = in->broker ? in->broker : "";
	head(f, "thingtop_mqtt_connected", "gauge", "1 while the MQTT connection is up.");
	fputs("thingtop_mqtt_connected{broker=\"", f);
	label(f, broker);
	fprintf(f, "\"} %d\n", in->mqtt_connected ? 1 : 0);
	head(f, "thingtop_mqtt_messages_per_second", "gauge",
	     "Messages per second on the connection over the last interval.");
	fputs("thingtop_mqtt_messages_per_second{broker=\"", f);
	label(f, broker);
	fprintf(f, "\"} %.3f\n", in->messages_per_second);
	head(f, "thingtop_last_event_timestamp_seconds", "gauge",
	     "Receive time of the newest message (Unix seconds, 0 = none yet).");
	fprintf(f, "thingtop_last_event_timestamp_seconds %.3f\n", (double)m->last_event_ms / 1000.0);
}

bool metrics_write(const struct metrics *m, const struct metrics_input *in, const char *path,
                   char **cause)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		set_cause(cause, "metrics file %s: %s", tmp, strerror(errno));
		free(tmp);
		return false;
	}
	write_fleet(f, in->fleet);
	write_counters(f, m);
	write_rest(f, m, in);
	bool ok = fflush(f) == 0 && !ferror(f);
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		set_cause(cause, "metrics file %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return false;
	}
	free(tmp);
	return true;
}
