/* Alerts in a running program: the rules (alerts.c), their commands
 * (alert_delivery.c) and their journal rows (journal_alerts.c) driven from
 * the caller's poll loop. record and the monitor make three calls: one per
 * ingested event, one per loop turn, one for the loop's timeout. */
#ifndef THINGTOP_ALERT_SERVICE_H
#define THINGTOP_ALERT_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerts.h"
#include "config.h"
#include "fleet.h"
#include "journal.h"

struct alert_service;

/* config, fleet and journal are borrowed. Firing alerts are read back from
 * the journal; with `deliver` (a read-write journal) commands run and
 * changes are journaled, else the service only tracks what fires. NULL
 * with *cause when the rules or the journal's alerts cannot be read.
 * Returns a service with no rules when config has none. */
struct alert_service *alert_service_create(const struct config *config, const struct fleet *fleet,
                                           struct journal *journal, bool deliver, char **cause);
void alert_service_destroy(struct alert_service *service);

/* The thing changed (an ingested event). */
void alert_service_event(struct alert_service *service, uint32_t thing_id, int64_t now_ms);
/* Does what is due; never waits for a command or long for the disk. */
void alert_service_tick(struct alert_service *service, int64_t now_ms);
/* When alert_service_tick has work next (INT64_MAX: nothing planned). */
int64_t alert_service_next_due(const struct alert_service *service, int64_t now_ms);

/* A log line (escaped, printable) when there is one: command failures,
 * retries, give-ups, sends. */
bool alert_service_take_log(struct alert_service *service, char *buf, size_t size, bool *error);

const struct alerts *alert_service_alerts(const struct alert_service *service);
bool alert_service_active(const struct alert_service *service);  /* has rules */

struct alert_service_stats {
	uint64_t runs;              /* command runs started, retries included */
	uint64_t failures;          /* runs that failed */
	uint64_t given_up;          /* notifications dropped after the last retry */
};
const struct alert_service_stats *alert_service_stats(const struct alert_service *service);

#endif
