/* Prometheus text exposition for node_exporter's textfile collector: the
 * recorder's counters since it started plus the fleet's gauges, written to
 * a temp file and renamed so a reader never sees half a file.
 *
 * The fleet gauges count exactly what `export` lists: things by status,
 * things by last disconnect reason, the sum of the disconnects column. */
#ifndef THINGTOP_METRICS_H
#define THINGTOP_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "alerts.h"
#include "event.h"
#include "fleet.h"

struct metrics;

struct metrics *metrics_create(void);
void metrics_destroy(struct metrics *metrics);

/* Counts one ingested message (after parsing). */
void metrics_count(struct metrics *metrics, const struct event *event, int64_t received_ms);

/* What the writer reads besides its counters; pointers borrowed, alerts
 * may be NULL. */
struct metrics_input {
	const struct fleet *fleet;
	const struct alerts *alerts;
	const char *journal_path;   /* its size (database + WAL) is reported */
	const char *broker;         /* "host:port" label */
	bool mqtt_connected;
	double messages_per_second; /* over the last interval */
};

/* Writes the whole exposition to `path` atomically. */
bool metrics_write(const struct metrics *metrics, const struct metrics_input *in, const char *path,
                   char **cause);

#endif
