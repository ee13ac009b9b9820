/* Alert rules: which things fire, when, and which notifications are due.
 * Pure logic: every call takes the time as an argument, nothing here runs
 * a process or touches a file (alert_delivery.c runs the commands,
 * alert_service.c ties both to the journal).
 *
 * Per rule and thing: none -> pending (matches the filter) -> firing
 * (matched continuously for the rule's `for`) -> resolved (stopped
 * matching; a pending thing that stops matching never fires). A thing
 * whose status is settling or uncertain keeps its state until it settles.
 *
 * Cost per event: alerts_mark only notes the thing id; alerts_evaluate
 * (once a second or when alerts_next_due says) matches the noted things
 * against the rules and sweeps the pending and firing ones. It also notes
 * a slice of the fleet each time, so that every thing is matched again
 * within a minute: filters on ages (since>10m) change without an event of
 * the thing, as the fleet's clock moves. */
#ifndef THINGTOP_ALERTS_H
#define THINGTOP_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fleet.h"

struct alerts;

/* `rules` is borrowed and must outlive the engine. NULL with *cause when a
 * filter does not parse. settle_ms: a status younger than this waits. */
struct alerts *alerts_create(const struct config_alert *rules, size_t count, int64_t settle_ms,
                             char **cause);
void alerts_destroy(struct alerts *alerts);
size_t alerts_rule_count(const struct alerts *alerts);
const struct config_alert *alerts_rule(const struct alerts *alerts, size_t rule);
/* Index of the rule named `name`, or -1. */
int alerts_rule_find(const struct alerts *alerts, const char *name);

/* Thing `thing_id` (1-based) may have changed at `now_ms`. Cheap. */
void alerts_mark(struct alerts *alerts, uint32_t thing_id, int64_t now_ms);
/* Every thing of the fleet may have changed (startup). */
void alerts_mark_all(struct alerts *alerts, const struct fleet *fleet);

/* A firing alert read back from the journal: firing since started_ms,
 * last sent at sent_ms (0 = never sent: it is queued again); its labels
 * are taken from the thing as it is now. */
void alerts_restore(struct alerts *alerts, size_t rule, const struct fleet_thing *thing,
                    int64_t started_ms, int64_t sent_ms);

/* Matches the marked things, fires the pending ones whose `for` has
 * passed, queues repeats. */
void alerts_evaluate(struct alerts *alerts, const struct fleet *fleet, int64_t now_ms);
/* The earliest time alerts_evaluate or alerts_take_batch has work, or
 * INT64_MAX. Valid after alerts_evaluate. */
int64_t alerts_next_due(const struct alerts *alerts);

/* One alert in a notification. ended_ms is 0 while firing. Status and
 * reason are the thing's when it fired: they are labels, and Alertmanager
 * knows an alert by its labels, so a resolution must carry the same. */
struct alert_item {
	uint32_t thing_id;
	int64_t started_ms;
	int64_t ended_ms;
	uint8_t status;             /* enum thing_status */
	uint8_t reason;             /* reason id (fleet_reason_name) */
};

struct alert_batch {
	size_t rule;
	struct alert_item *items;   /* firing first, then resolved */
	size_t count;
	size_t firing;              /* items[0 .. firing-1] are firing */
	bool storm;                 /* firing > the rule's max_alerts: add a summary */
};

/* A notification due now for a rule with no command running: true and
 * *batch filled (free it with alerts_batch_free). The rule counts as busy
 * until alerts_rule_done. */
bool alerts_take_batch(struct alerts *alerts, int64_t now_ms, struct alert_batch *batch);
void alerts_batch_free(struct alert_batch *batch);
void alerts_rule_done(struct alerts *alerts, size_t rule);
/* The same when the command gave up: the firing alerts of that batch are
 * queued again (resolutions are not: Alertmanager times alerts out). */
void alerts_rule_failed(struct alerts *alerts, size_t rule, int64_t now_ms);

/* What happened, for the journal. */
enum alert_change_kind {
	ALERT_FIRED,
	ALERT_RESOLVED,
	ALERT_SENT,
};

struct alert_change {
	enum alert_change_kind kind;
	size_t rule;
	uint32_t thing_id;
	int64_t started_ms;         /* identifies the alert with rule and thing */
	int64_t at_ms;
};

/* The changes since the last call (malloc'd array, or NULL when none). */
struct alert_change *alerts_take_changes(struct alerts *alerts, size_t *count);

/* ---- What is firing ---- */
size_t alerts_firing_count(const struct alerts *alerts);
size_t alerts_rule_firing(const struct alerts *alerts, size_t rule);
/* True when the thing fires for any rule. */
bool alerts_thing_firing(const struct alerts *alerts, uint32_t thing_id);

struct alert_firing {
	size_t rule;
	uint32_t thing_id;
	int64_t started_ms;
};
/* Every firing alert (malloc'd array, or NULL when none), by rule. */
struct alert_firing *alerts_list_firing(const struct alerts *alerts, size_t *count);

#endif
