/* The alert rules' state machine and batching (core/alerts.c) and their
 * Alertmanager JSON (core/alert_json.c), on real fleets built with
 * fleet_apply. The clock is an argument of every call: the tests pass the
 * times they want. Expected times are worked out from the rule settings
 * below (settle 10 s, for 60 s, group_wait 10 s, group_interval 60 s). */
#include "build_config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alert_json.h"
#include "alerts.h"
#include "check.h"
#include "fleet.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define SEC INT64_C(1000)
#define HOUR (3600 * SEC)
#define SETTLE (10 * SEC)

static uint64_t seq;

static void put(struct fleet *f, enum event_type type, const char *client, const char *session,
                int64_t version, int64_t at, const char *reason)
{
	struct fleet_event e = {
		.type = type, .client_id = client, .timestamp_ms = at, .received_ms = at,
		.has_version = version >= 0, .version = version, .session_id = session,
		.reason = reason, .seq = ++seq,
	};
	fleet_apply(f, &e, NULL);
}

static struct fleet *new_fleet(void)
{
	struct fleet_config c;
	fleet_config_defaults(&c);
	c.settle_ms = SETTLE;
	return fleet_create(&c);
}

static struct config_alert rule(const char *name, const char *filter)
{
	return (struct config_alert){
		.name = (char *)name, .filter = (char *)filter, .command = (char *)"true",
		.for_ms = 60 * SEC, .group_wait_ms = 10 * SEC, .group_interval_ms = 60 * SEC,
		.repeat_interval_ms = 4 * HOUR, .timeout_ms = 5 * SEC, .max_alerts = 3,
	};
}

/* Applies an event and tells the engine, as ingest and the service do. */
static void event(struct alerts *a, struct fleet *f, enum event_type type, const char *client,
                  const char *session, int64_t at)
{
	put(f, type, client, session, 1, at, type == EVENT_DISCONNECTED ? "CONNECTION_LOST" : NULL);
	alerts_mark(a, fleet_find(f, client)->id, at);
}

static size_t count_changes(struct alerts *a, enum alert_change_kind kind)
{
	size_t n, k = 0;
	struct alert_change *c = alerts_take_changes(a, &n);
	for (size_t i = 0; i < n; i++)
		k += c[i].kind == kind;
	free(c);
	return k;
}

static void test_fires_once_after_for(void)
{
	struct fleet *f = new_fleet();
	struct config_alert rules[] = { rule("offline", "status:disconnected") };
	struct alerts *a = alerts_create(rules, 1, SETTLE, NULL);
	event(a, f, EVENT_CONNECTED, "dev-1", "s1", T0);
	event(a, f, EVENT_DISCONNECTED, "dev-1", "s1", T0 + 100 * SEC);
	int64_t down = T0 + 100 * SEC;
	alerts_evaluate(a, f, down + 5 * SEC);   /* settling: waits */
	CHECK_INT(alerts_firing_count(a), 0);
	alerts_evaluate(a, f, down + 11 * SEC);  /* pending since `down` */
	CHECK_INT(alerts_firing_count(a), 0);
	CHECK(alerts_next_due(a) <= down + 60 * SEC);
	alerts_evaluate(a, f, down + 59 * SEC);
	CHECK_INT(alerts_firing_count(a), 0);
	CHECK_INT(count_changes(a, ALERT_FIRED), 0);
	alerts_evaluate(a, f, down + 60 * SEC);
	CHECK_INT(alerts_firing_count(a), 1);
	CHECK(alerts_thing_firing(a, fleet_find(f, "dev-1")->id));
	CHECK_INT(count_changes(a, ALERT_FIRED), 1);

	struct alert_batch b;
	CHECK(!alerts_take_batch(a, down + 69 * SEC, &b));  /* group_wait */
	CHECK(alerts_next_due(a) <= down + 70 * SEC);
	CHECK(alerts_take_batch(a, down + 70 * SEC, &b));
	CHECK_INT(b.count, 1);
	CHECK_INT(b.firing, 1);
	CHECK(!b.storm);
	CHECK_INT(b.items[0].started_ms, down);
	CHECK_INT(b.items[0].ended_ms, 0);
	alerts_batch_free(&b);
	alerts_rule_done(a, 0);
	/* Still firing, nothing new: no second notification before the repeat. */
	alerts_evaluate(a, f, down + 2 * HOUR);
	CHECK(!alerts_take_batch(a, down + 2 * HOUR, &b));
	CHECK_INT(alerts_firing_count(a), 1);
	CHECK_INT(count_changes(a, ALERT_FIRED), 0);

	/* Reconnects: resolves, and the resolution is sent. */
	int64_t up = down + 3 * HOUR;
	event(a, f, EVENT_CONNECTED, "dev-1", "s2", up);
	alerts_evaluate(a, f, up + 11 * SEC);
	CHECK_INT(alerts_firing_count(a), 0);
	CHECK_INT(count_changes(a, ALERT_RESOLVED), 1);
	CHECK(alerts_take_batch(a, up + 21 * SEC, &b));
	CHECK_INT(b.count, 1);
	CHECK_INT(b.firing, 0);
	CHECK_INT(b.items[0].ended_ms, up + 11 * SEC);
	alerts_batch_free(&b);
	alerts_destroy(a);
	fleet_destroy(f);
}

static void test_grace_period(void)
{
	struct fleet *f = new_fleet();
	struct config_alert rules[] = { rule("offline", "status:disconnected") };
	struct alerts *a = alerts_create(rules, 1, SETTLE, NULL);
	/* Back within the settle time: never even pending. */
	event(a, f, EVENT_CONNECTED, "quick", "s1", T0);
	event(a, f, EVENT_DISCONNECTED, "quick", "s1", T0 + 100 * SEC);
	event(a, f, EVENT_CONNECTED, "quick", "s2", T0 + 105 * SEC);
	/* Back after the settle time but within `for`: pending, then dropped. */
	event(a, f, EVENT_CONNECTED, "slow", "s1", T0);
	event(a, f, EVENT_DISCONNECTED, "slow", "s1", T0 + 100 * SEC);
	for (int64_t t = T0 + 100 * SEC; t < T0 + 140 * SEC; t += SEC)
		alerts_evaluate(a, f, t);
	event(a, f, EVENT_CONNECTED, "slow", "s2", T0 + 140 * SEC);
	for (int64_t t = T0 + 140 * SEC; t < T0 + 400 * SEC; t += SEC)
		alerts_evaluate(a, f, t);
	CHECK_INT(alerts_firing_count(a), 0);
	CHECK_INT(count_changes(a, ALERT_FIRED), 0);
	struct alert_batch b;
	CHECK(!alerts_take_batch(a, T0 + 400 * SEC, &b));
	alerts_destroy(a);
	fleet_destroy(f);
}

static void test_resolved_before_sent(void)
{
	struct fleet *f = new_fleet();
	struct config_alert rules[] = { rule("offline", "status:disconnected") };
	rules[0].group_wait_ms = 30 * SEC;
	struct alerts *a = alerts_create(rules, 1, SETTLE, NULL);
	event(a, f, EVENT_CONNECTED, "d", "s1", T0);
	event(a, f, EVENT_DISCONNECTED, "d", "s1", T0 + SEC);
	alerts_evaluate(a, f, T0 + 12 * SEC);
	alerts_evaluate(a, f, T0 + 61 * SEC);
	CHECK_INT(alerts_firing_count(a), 1);
	event(a, f, EVENT_CONNECTED, "d", "s2", T0 + 70 * SEC);
	alerts_evaluate(a, f, T0 + 81 * SEC);
	CHECK_INT(alerts_firing_count(a), 0);
	/* Alertmanager never heard of it: nothing to send. */
	struct alert_batch b;
	CHECK(!alerts_take_batch(a, T0 + 200 * SEC, &b));
	alerts_destroy(a);
	fleet_destroy(f);
}

static void test_repeat_and_group_interval(void)
{
	struct fleet *f = new_fleet();
	struct config_alert rules[] = { rule("offline", "status:disconnected") };
	struct alerts *a = alerts_create(rules, 1, SETTLE, NULL);
	event(a, f, EVENT_CONNECTED, "a", "s1", T0);
	event(a, f, EVENT_CONNECTED, "b", "s1", T0);
	event(a, f, EVENT_DISCONNECTED, "a", "s1", T0 + 100 * SEC);
	event(a, f, EVENT_DISCONNECTED, "b", "s1", T0 + 120 * SEC);
	struct alert_batch b;
	int runs = 0;
	int64_t run_at[4] = {0};
	for (int64_t t = T0 + 100 * SEC; t <= T0 + 300 * SEC; t += SEC) {
		alerts_evaluate(a, f, t);
		while (alerts_take_batch(a, t, &b)) {
			if (runs < 4)
				run_at[runs] = t;
			runs++;
			CHECK_INT(b.count, 1);
			alerts_batch_free(&b);
			alerts_rule_done(a, 0);
		}
	}
	/* a fires at +160 s, sent at +170 s; b fires at +180 s and waits
	 * for the group interval: +230 s. */
	CHECK_INT(runs, 2);
	CHECK_INT(run_at[0], T0 + 170 * SEC);
	CHECK_INT(run_at[1], T0 + 230 * SEC);
	/* Four hours after each was sent, both are sent again together. */
	int64_t t = T0 + 230 * SEC + 4 * HOUR;
	alerts_evaluate(a, f, t);
	CHECK(!alerts_take_batch(a, t, &b));
	CHECK(alerts_take_batch(a, t + 10 * SEC, &b));
	CHECK_INT(b.firing, 2);
	alerts_batch_free(&b);
	/* A command that gave up: its firing alerts go out again. */
	alerts_rule_failed(a, 0, t + 10 * SEC);
	alerts_evaluate(a, f, t + 80 * SEC);
	CHECK(alerts_take_batch(a, t + 80 * SEC, &b));
	CHECK_INT(b.firing, 2);
	alerts_batch_free(&b);
	/* A busy rule (its command still running) gets no second batch. */
	alerts_evaluate(a, f, t + 5 * HOUR);
	CHECK(!alerts_take_batch(a, t + 5 * HOUR, &b));
	alerts_rule_done(a, 0);
	alerts_evaluate(a, f, t + 5 * HOUR);
	CHECK(!alerts_take_batch(a, t + 5 * HOUR, &b));  /* group_wait */
	CHECK(alerts_take_batch(a, t + 5 * HOUR + 10 * SEC, &b));
	alerts_batch_free(&b);
	alerts_destroy(a);
	fleet_destroy(f);
}

static void test_storm_and_json(void)
{
	struct fleet *f = new_fleet();
	struct config_alert rules[] = {
		rule("offline", "status:disconnected !reason:CLIENT_INITIATED_DISCONNECT"),
		rule("never", "status:unknown"),
	};
	struct alerts *a = alerts_create(rules, 2, SETTLE, NULL);
	char name[32];
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "dev-%02d", i);
		put(f, EVENT_CONNECTED, name, "s", 1, T0, NULL);
		put(f, EVENT_DISCONNECTED, name, "s", 1, T0 + SEC,
		    i < 7 ? "CONNECTION_LOST" : i < 9 ? "MQTT_KEEP_ALIVE_TIMEOUT" : "CLIENT_INITIATED_DISCONNECT");
	}
	alerts_mark_all(a, f);
	alerts_evaluate(a, f, T0 + 20 * SEC);
	alerts_evaluate(a, f, T0 + 61 * SEC);
	CHECK_INT(alerts_rule_firing(a, 0), 9);
	CHECK_INT(alerts_rule_firing(a, 1), 0);
	struct alert_batch b;
	CHECK(alerts_take_batch(a, T0 + 71 * SEC, &b));
	CHECK_INT(b.rule, 0);
	CHECK_INT(b.firing, 9);
	CHECK(b.storm);  /* more than max_alerts 3 */
	char *text = alert_batch_json(&b, &rules[0], f, T0 + 71 * SEC);
	json_error_t err;
	json_t *doc = json_loads(text, 0, &err);
	CHECK(json_is_array(doc));
	CHECK_INT(json_array_size(doc), 10);
	bool seen[10] = {false};
	for (size_t i = 0; i < 9 && doc; i++) {
		json_t *alert = json_array_get(doc, i);
		json_t *labels = json_object_get(alert, "labels");
		CHECK_STR(json_string_value(json_object_get(labels, "alertname")), "offline");
		CHECK_STR(json_string_value(json_object_get(labels, "status")), "disconnected");
		const char *cid = json_string_value(json_object_get(labels, "client_id"));
		int n = cid && strncmp(cid, "dev-0", 5) == 0 ? cid[5] - '0' : -1;
		CHECK(n >= 0 && n < 9 && !seen[n]);
		if (n >= 0 && n < 10)
			seen[n] = true;
		CHECK_STR(json_string_value(json_object_get(labels, "reason")),
		          n < 7 ? "CONNECTION_LOST" : "MQTT_KEEP_ALIVE_TIMEOUT");
		CHECK_STR(json_string_value(json_object_get(alert, "startsAt")), "2026-01-01T00:00:01.000Z");
		CHECK(json_object_get(alert, "endsAt") == NULL);
		const char *summary = json_string_value(
			json_object_get(json_object_get(alert, "annotations"), "summary"));
		CHECK(summary && strstr(summary, cid ? cid : "?"));
	}
	json_t *storm = json_array_get(doc, 9);
	json_t *ann = json_object_get(storm, "annotations");
	CHECK_STR(json_string_value(json_object_get(json_object_get(storm, "labels"), "storm")), "true");
	CHECK_INT(json_integer_value(json_object_get(ann, "count_CONNECTION_LOST")), 7);
	CHECK_INT(json_integer_value(json_object_get(ann, "count_MQTT_KEEP_ALIVE_TIMEOUT")), 2);
	const char *summary = json_string_value(json_object_get(ann, "summary"));
	CHECK(summary && strstr(summary, "9 things firing"));
	json_decref(doc);
	free(text);
	alerts_batch_free(&b);
	alerts_destroy(a);
	fleet_destroy(f);
}

/* Thing type and groups, where sync journaled them, are labels. */
static void test_registry_labels(void)
{
	struct fleet *f = new_fleet();
	struct config_alert rules[] = { rule("offline", "status:disconnected") };
	rules[0].for_ms = 0;
	struct alerts *a = alerts_create(rules, 1, SETTLE, NULL);
	static const char registry[] =
		"{\"thingName\":\"press-7\",\"thingTypeName\":\"press\","
		"\"thingGroupNames\":[\"plant-3\",\"line-1\"]}";
	struct fleet_event base = {
		.type = EVENT_BASELINE, .client_id = "press-7", .timestamp_ms = 0,
		.received_ms = T0 - HOUR, .reason = "", .seq = ++seq,
		.payload = registry, .payload_len = strlen(registry),
	};
	fleet_apply(f, &base, NULL);
	put(f, EVENT_CONNECTED, "press-7", "s", 1, T0, NULL);
	put(f, EVENT_DISCONNECTED, "press-7", "s", 1, T0 + SEC, "CONNECTION_LOST");
	put(f, EVENT_CONNECTED, "other", "s", 1, T0, NULL);
	put(f, EVENT_DISCONNECTED, "other", "s", 1, T0 + SEC, "CONNECTION_LOST");
	alerts_mark_all(a, f);
	alerts_evaluate(a, f, T0 + 20 * SEC);
	alerts_evaluate(a, f, T0 + 61 * SEC);
	struct alert_batch b;
	CHECK(alerts_take_batch(a, T0 + 71 * SEC, &b));
	char *text = alert_batch_json(&b, &rules[0], f, T0 + 71 * SEC);
	json_t *doc = json_loads(text, 0, NULL);
	CHECK_INT(json_array_size(doc), 2);
	for (size_t i = 0; i < json_array_size(doc); i++) {
		json_t *labels = json_object_get(json_array_get(doc, i), "labels");
		const char *cid = json_string_value(json_object_get(labels, "client_id"));
		json_t *type = json_object_get(labels, "thing_type");
		json_t *groups = json_object_get(labels, "groups");
		if (cid && strcmp(cid, "press-7") == 0) {
			CHECK_STR(json_string_value(type), "press");
			CHECK_STR(json_string_value(groups), "plant-3,line-1");
		} else {
			CHECK(type == NULL && groups == NULL);
		}
	}
	json_decref(doc);
	free(text);
	alerts_batch_free(&b);
	alerts_destroy(a);
	fleet_destroy(f);
}

static void test_uncertain_waits(void)
{
	struct fleet *f = new_fleet();
	struct config_alert rules[] = { rule("online", "status:connected") };
	rules[0].for_ms = 0;
	struct alerts *a = alerts_create(rules, 1, SETTLE, NULL);
	/* Two sessions, same timestamp, no versions: ordered by arrival. */
	put(f, EVENT_CONNECTED, "u", "first", -1, T0, NULL);
	put(f, EVENT_CONNECTED, "u", "second", -1, T0, NULL);
	const struct fleet_thing *t = fleet_find(f, "u");
	CHECK(t->flags & THING_UNCERTAIN);
	alerts_mark(a, t->id, T0);
	alerts_evaluate(a, f, T0 + 20 * SEC);
	alerts_evaluate(a, f, T0 + 30 * SEC);
	CHECK_INT(alerts_firing_count(a), 0);
	put(f, EVENT_CONNECTED, "u", "third", -1, T0 + HOUR, NULL);
	CHECK(!(t->flags & THING_UNCERTAIN));
	alerts_mark(a, t->id, T0 + HOUR);
	alerts_evaluate(a, f, T0 + HOUR + 5 * SEC);   /* settling */
	CHECK_INT(alerts_firing_count(a), 0);
	alerts_evaluate(a, f, T0 + HOUR + 11 * SEC);
	alerts_evaluate(a, f, T0 + HOUR + 12 * SEC);
	CHECK_INT(alerts_firing_count(a), 1);
	alerts_destroy(a);
	fleet_destroy(f);
}

static void test_restore(void)
{
	struct fleet *f = new_fleet();
	struct config_alert rules[] = { rule("offline", "status:disconnected") };
	put(f, EVENT_CONNECTED, "x", "s", 1, T0, NULL);
	put(f, EVENT_DISCONNECTED, "x", "s", 1, T0 + SEC, "CONNECTION_LOST");
	put(f, EVENT_CONNECTED, "y", "s", 1, T0, NULL);
	put(f, EVENT_DISCONNECTED, "y", "s", 1, T0 + SEC, "CONNECTION_LOST");
	struct alerts *a = alerts_create(rules, 1, SETTLE, NULL);
	CHECK_INT(alerts_rule_find(a, "offline"), 0);
	CHECK_INT(alerts_rule_find(a, "nope"), -1);
	/* x was sent an hour ago, y fired but was never sent. */
	alerts_restore(a, 0, fleet_find(f, "x"), T0 + SEC, T0 + HOUR);
	alerts_restore(a, 0, fleet_find(f, "y"), T0 + SEC, 0);
	alerts_mark_all(a, f);
	int64_t now = T0 + 2 * HOUR;
	alerts_evaluate(a, f, now);
	CHECK_INT(alerts_firing_count(a), 2);
	CHECK_INT(count_changes(a, ALERT_FIRED), 0);  /* not fired again */
	struct alert_batch b;
	CHECK(alerts_take_batch(a, now + 10 * SEC, &b));
	CHECK_INT(b.firing, 1);
	CHECK_INT(b.items[0].thing_id, fleet_find(f, "y")->id);
	alerts_batch_free(&b);
	alerts_destroy(a);
	fleet_destroy(f);
}

static void test_many_things(void)
{
	/* Enough entries to grow and shrink the index many times. */
	struct fleet *f = new_fleet();
	struct config_alert rules[] = { rule("offline", "status:disconnected") };
	rules[0].for_ms = 0;
	struct alerts *a = alerts_create(rules, 1, SETTLE, NULL);
	char name[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "n%d", i);
		put(f, EVENT_DISCONNECTED, name, "s", 1, T0, "CONNECTION_LOST");
	}
	alerts_mark_all(a, f);
	alerts_evaluate(a, f, T0 + 11 * SEC);
	alerts_evaluate(a, f, T0 + 12 * SEC);
	CHECK_INT(alerts_firing_count(a), 3000);
	for (int i = 0; i < 3000; i += 2) {
		snprintf(name, sizeof name, "n%d", i);
		put(f, EVENT_CONNECTED, name, "s2", 2, T0 + 20 * SEC, NULL);
		alerts_mark(a, fleet_find(f, name)->id, T0 + 20 * SEC);
	}
	alerts_evaluate(a, f, T0 + 31 * SEC);
	CHECK_INT(alerts_firing_count(a), 1500);
	bool ok = true;
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "n%d", i);
		ok = ok && alerts_thing_firing(a, fleet_find(f, name)->id) == (i % 2 == 1);
	}
	CHECK(ok);
	size_t n;
	struct alert_firing *list = alerts_list_firing(a, &n);
	CHECK_INT(n, 1500);
	free(list);
	alerts_destroy(a);
	fleet_destroy(f);
}

/* A filter on age starts to match with no event of the thing itself: the
 * rolling re-check finds it within a minute of the fleet's clock moving. */
static void test_age_filter(void)
{
	struct fleet *f = new_fleet();
	struct config_alert rules[] = { rule("long-gone", "status:disconnected since>30s") };
	rules[0].for_ms = 0;
	struct alerts *a = alerts_create(rules, 1, SETTLE, NULL);
	event(a, f, EVENT_CONNECTED, "old", "s1", T0);
	event(a, f, EVENT_DISCONNECTED, "old", "s1", T0 + SEC);
	alerts_evaluate(a, f, T0 + 12 * SEC);
	CHECK_INT(alerts_firing_count(a), 0);
	/* Another thing's event moves the fleet's clock past 30 s. */
	event(a, f, EVENT_CONNECTED, "other", "s1", T0 + 40 * SEC);
	int64_t fired_at = 0;
	for (int64_t t = T0 + 40 * SEC; t <= T0 + 110 * SEC && !fired_at; t += SEC) {
		alerts_evaluate(a, f, t);
		if (alerts_firing_count(a) == 1)
			fired_at = t;
	}
	CHECK(fired_at > 0 && fired_at <= T0 + 101 * SEC);
	CHECK(alerts_thing_firing(a, fleet_find(f, "old")->id));
	CHECK(!alerts_thing_firing(a, fleet_find(f, "other")->id));
	alerts_destroy(a);
	fleet_destroy(f);
}

static void test_bad_filter(void)
{
	struct config_alert rules[] = { rule("bad", "stauts:x") };
	char *cause = NULL;
	CHECK(alerts_create(rules, 1, SETTLE, &cause) == NULL);
	CHECK(cause && strstr(cause, "stauts"));
	free(cause);
}

int main(void)
{
	RUN(test_fires_once_after_for);
	RUN(test_grace_period);
	RUN(test_resolved_before_sent);
	RUN(test_repeat_and_group_interval);
	RUN(test_storm_and_json);
	RUN(test_registry_labels);
	RUN(test_uncertain_waits);
	RUN(test_restore);
	RUN(test_many_things);
	RUN(test_age_filter);
	RUN(test_bad_filter);
	return check_summary();
}
