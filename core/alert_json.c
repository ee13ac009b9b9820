/* A notification as Prometheus Alertmanager's v2 API takes it (POST
 * /api/v2/alerts): a JSON array of {labels, annotations, startsAt,
 * endsAt}. Labels identify an alert, so they hold only what names it
 * (rule, client id) plus the thing's state as it was sent. */
#include "alert_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "xalloc.h"

/* Device text is valid UTF-8 once parsed, but never trust that here. */
static json_t *text(const char *s)
{
	json_t *v = json_string(s);
	return v ? v : json_string("(invalid UTF-8)");
}

static json_t *iso(int64_t ms)
{
	char buf[32];
	return json_string(time_format_iso(ms, buf, sizeof buf));
}

static json_t *one_alert(const struct config_alert *rule, const struct fleet *fleet,
                         const struct alert_item *item)
{
	const struct fleet_thing *t = item->thing_id >= 1 && item->thing_id <= fleet_count(fleet)
		? fleet_thing_at(fleet, item->thing_id - 1) : NULL;
	json_t *labels = json_object();
	json_object_set_new(labels, "alertname", text(rule->name));
	json_object_set_new(labels, "client_id", text(t ? t->client_id : "?"));
	json_t *annotations = json_object();
	char since[32] = "", summary[400];
	const char *reason = fleet_reason_name(fleet, item->reason);
	const char *status = thing_status_name((enum thing_status)item->status);
	json_object_set_new(labels, "status", json_string(status));
	if (*reason)
		json_object_set_new(labels, "reason", text(reason));
	/* Thing type and groups where `thingtop sync` journaled them. */
	struct fleet_registry registry;
	if (t && fleet_thing_registry(fleet, t, &registry)) {
		if (*registry.thing_type)
			json_object_set_new(labels, "thing_type", text(registry.thing_type));
		if (*registry.groups)
			json_object_set_new(labels, "groups", text(registry.groups));
	}
	if (t)
		time_format_iso(t->since_ms, since, sizeof since);
	if (item->ended_ms)
		snprintf(summary, sizeof summary, "%s: %s no longer matches %s", rule->name,
		         t ? t->client_id : "?", rule->filter);
	else
		snprintf(summary, sizeof summary, "%s: %s %s since %s%s%s", rule->name,
		         t ? t->client_id : "?", status, since, *reason ? ", " : "", reason);
	json_object_set_new(annotations, "summary", text(summary));
	json_t *alert = json_object();
	json_object_set_new(alert, "labels", labels);
	json_object_set_new(alert, "annotations", annotations);
	json_object_set_new(alert, "startsAt", iso(item->started_ms));
	if (item->ended_ms)
		json_object_set_new(alert, "endsAt", iso(item->ended_ms));
	return alert;
}

/* A storm: one more alert saying how many fire, by last disconnect reason. */
static json_t *summary_alert(const struct config_alert *rule, const struct fleet *fleet,
                             const struct alert_batch *batch, int64_t now_ms)
{
	size_t counts[256] = {0};
	for (size_t i = 0; i < batch->firing; i++)
		counts[batch->items[i].reason]++;
	json_t *labels = json_object();
	json_object_set_new(labels, "alertname", text(rule->name));
	json_object_set_new(labels, "client_id", json_string("*"));
	json_object_set_new(labels, "storm", json_string("true"));
	json_t *annotations = json_object();
	char *summary = xasprintf("%s: %zu things firing", rule->name, batch->firing);
	for (size_t r = 0; r < 256; r++) {
		if (!counts[r])
			continue;
		const char *name = r ? fleet_reason_name(fleet, (uint8_t)r) : "";
		char *more = xasprintf("%s%s %s %zu", summary, strchr(summary, '(') ? "," : " (",
		                       *name ? name : "no reason", counts[r]);
		free(summary);
		summary = more;
		char key[128];
		snprintf(key, sizeof key, "count_%s", *name ? name : "none");
		json_object_set_new(annotations, key, json_integer((json_int_t)counts[r]));
	}
	char *closed = xasprintf("%s%s", summary, strchr(summary, '(') ? ")" : "");
	json_object_set_new(annotations, "summary", text(closed));
	free(closed);
	free(summary);
	json_t *alert = json_object();
	json_object_set_new(alert, "labels", labels);
	json_object_set_new(alert, "annotations", annotations);
	json_object_set_new(alert, "startsAt", iso(now_ms));
	return alert;
}

char *alert_batch_json(const struct alert_batch *batch, const struct config_alert *rule,
                       const struct fleet *fleet, int64_t now_ms)
{
	json_t *array = json_array();
	for (size_t i = 0; i < batch->count; i++)
		json_array_append_new(array, one_alert(rule, fleet, &batch->items[i]));
	if (batch->storm)
		json_array_append_new(array, summary_alert(rule, fleet, batch, now_ms));
	char *out = json_dumps(array, JSON_COMPACT);
	json_decref(array);
	return out ? out : xstrdup("[]");
}
