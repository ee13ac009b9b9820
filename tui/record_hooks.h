/* What `thingtop record` does besides journaling: alert rules and the
 * Prometheus metrics file. Kept out of cmd_record.c so its loop makes only
 * a few calls (each marked "record_hooks" there). */
#ifndef THINGTOP_TUI_RECORD_HOOKS_H
#define THINGTOP_TUI_RECORD_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "ingest.h"

struct record_hooks;

/* metrics_file overrides the config's metrics.file (NULL = the config's).
 * Prints nothing; NULL with *cause. */
struct record_hooks *record_hooks_create(const struct config *config, struct ingest *ingest,
                                         const char *journal_path, const char *metrics_file,
                                         char **cause);
/* Writes the metrics one last time. Accepts NULL. */
void record_hooks_destroy(struct record_hooks *hooks);

/* After each message is applied, with its parsed event. */
void record_hooks_event(struct record_hooks *hooks, const struct event *event);
void record_hooks_mqtt(struct record_hooks *hooks, bool connected);
/* Each loop turn: alerts, commands, metrics; log lines go to stderr.
 * Returns the poll timeout it needs (ms, -1 = none). */
int record_hooks_tick(struct record_hooks *hooks);

#endif
