/* Alertmanager v2 JSON for one notification (alert_json.c). */
#ifndef THINGTOP_ALERT_JSON_H
#define THINGTOP_ALERT_JSON_H

#include <stdint.h>

#include "alerts.h"

/* The batch's alerts as a JSON array, labels from the fleet as it is now;
 * plus a summary alert (counts by reason) for a storm. malloc'd. */
char *alert_batch_json(const struct alert_batch *batch, const struct config_alert *rule,
                       const struct fleet *fleet, int64_t now_ms);

#endif
