/* Baselines from `thingtop sync` in the fleet (core/fleet_baseline.c):
 * each branch of the rule in core/RECONCILIATION.md ("Baselines") with a
 * hand-written case, in both arrival orders where order could matter, the
 * registry side table, and snapshots carrying both. (test_fleet.c holds
 * the session rules and is already long.) */
#include "build_config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fleet.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01 */
#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define WINDOW (30 * MIN)          /* the default order window */

static uint64_t seq;

static void event(struct fleet *f, enum event_type type, const char *session, int64_t version,
                  int64_t ts, const char *reason)
{
	struct fleet_event e = {
		.type = type, .client_id = "press-7", .timestamp_ms = ts, .received_ms = ts,
		.has_version = true, .version = version, .session_id = session, .reason = reason,
		.seq = ++seq,
	};
	fleet_apply(f, &e, NULL);
}

/* reason: "NONE" connected, else the disconnect reason, "" no connectivity. */
static void baseline(struct fleet *f, int64_t ts, const char *reason, const char *payload)
{
	struct fleet_event e = {
		.type = EVENT_BASELINE, .client_id = "press-7", .timestamp_ms = ts,
		.received_ms = T0 + 10 * HOUR, .reason = reason, .seq = ++seq,
		.payload = payload, .payload_len = payload ? strlen(payload) : 0,
	};
	fleet_apply(f, &e, NULL);
}

static const struct fleet_thing *press(const struct fleet *f)
{
	return fleet_find(f, "press-7");
}

static bool uncertain(const struct fleet *f)
{
	return press(f)->flags & THING_UNCERTAIN;
}

static void test_baseline_alone_connected(void)
{
	struct fleet *f = fleet_create(NULL);
	baseline(f, T0, "NONE", NULL);
	CHECK_INT(press(f)->status, STATUS_CONNECTED);
	CHECK_INT(press(f)->since_ms, T0);
	CHECK_INT(press(f)->since_received_ms, T0 + 10 * HOUR);
	CHECK(!uncertain(f));
	CHECK_INT(fleet_status_count(f, STATUS_CONNECTED), 1);
	CHECK_INT(fleet_status_count(f, STATUS_UNKNOWN), 0);
	fleet_destroy(f);
}

static void test_baseline_alone_disconnected(void)
{
	struct fleet *f = fleet_create(NULL);
	baseline(f, T0, "CONNECTION_LOST", NULL);
	CHECK_INT(press(f)->status, STATUS_DISCONNECTED);
	CHECK_INT(press(f)->since_ms, T0);
	CHECK_STR(fleet_reason_name(f, press(f)->last_reason), "CONNECTION_LOST");
	fleet_destroy(f);
}

/* connected: false without a timestamp: registered, never connected. */
static void test_never_connected(void)
{
	struct fleet *f = fleet_create(NULL);
	baseline(f, 0, "UNKNOWN", NULL);
	CHECK_INT(press(f)->status, STATUS_UNKNOWN);
	CHECK_STR(fleet_reason_name(f, press(f)->last_reason), FLEET_REASON_NEVER_CONNECTED);
	CHECK_INT(press(f)->since_ms, 0);
	/* Any event outranks a baseline without a time. */
	event(f, EVENT_CONNECTED, "s1", 1, T0 - 5 * HOUR, NULL);
	CHECK_INT(press(f)->status, STATUS_CONNECTED);
	CHECK_INT(press(f)->since_ms, T0 - 5 * HOUR);
	CHECK(!uncertain(f));
	fleet_destroy(f);
}

/* No connectivity in the index (indexing off): registry only. */
static void test_registry_only(void)
{
	struct fleet *f = fleet_create(NULL);
	event(f, EVENT_CONNECTED, "s1", 1, T0, NULL);
	baseline(f, 0, "", "{\"thingName\":\"press-7\",\"thingTypeName\":\"press\"}");
	CHECK_INT(press(f)->status, STATUS_CONNECTED);
	CHECK_INT(press(f)->since_ms, T0);
	struct fleet_registry reg;
	CHECK(fleet_thing_registry(f, press(f), &reg));
	CHECK_STR(reg.thing_type, "press");
	/* And the thing's events still go on as without a baseline. */
	event(f, EVENT_DISCONNECTED, "s1", 1, T0 + MIN, "CONNECTION_LOST");
	CHECK_INT(press(f)->status, STATUS_DISCONNECTED);
	fleet_destroy(f);
}

/* Events older than the baseline minus the window: the baseline decides,
 * whichever came first. */
static void test_events_older(void)
{
	for (int order = 0; order < 2; order++) {
		struct fleet *f = fleet_create(NULL);
		if (order)
			baseline(f, T0, "NONE", NULL);
		event(f, EVENT_CONNECTED, "s1", 1, T0 - 3 * HOUR, NULL);
		event(f, EVENT_DISCONNECTED, "s1", 1, T0 - 2 * HOUR, "MQTT_KEEP_ALIVE_TIMEOUT");
		if (!order)
			baseline(f, T0, "NONE", NULL);
		CHECK_INT(press(f)->status, STATUS_CONNECTED);
		CHECK_INT(press(f)->since_ms, T0);
		CHECK(!uncertain(f));
		/* The events' counters are the events'. */
		CHECK_INT(press(f)->sessions, 1);
		CHECK_INT(press(f)->disconnects, 1);
		fleet_destroy(f);
	}
}

/* An event newer than baseline + window: the events decide, no doubt. */
static void test_events_newer(void)
{
	for (int order = 0; order < 2; order++) {
		struct fleet *f = fleet_create(NULL);
		if (order)
			baseline(f, T0, "NONE", NULL);
		event(f, EVENT_DISCONNECTED, "s9", 4, T0 + HOUR, "CONNECTION_LOST");
		if (!order)
			baseline(f, T0, "NONE", NULL);
		CHECK_INT(press(f)->status, STATUS_DISCONNECTED);
		CHECK_INT(press(f)->since_ms, T0 + HOUR);
		CHECK_STR(fleet_reason_name(f, press(f)->last_reason), "CONNECTION_LOST");
		CHECK(!uncertain(f));
		fleet_destroy(f);
	}
}

/* An event inside the window that disagrees: the events decide (they are
 * the stronger evidence), and the thing is flagged uncertain. */
static void test_disagree_within_window(void)
{
	int64_t at[] = { T0 - WINDOW + MIN, T0 + 5 * MIN, T0 + WINDOW };
	for (size_t i = 0; i < 3; i++) {
		for (int order = 0; order < 2; order++) {
			struct fleet *f = fleet_create(NULL);
			if (order)
				baseline(f, T0, "NONE", NULL);
			event(f, EVENT_DISCONNECTED, "s2", 2, at[i], "DUPLICATE_CLIENTID");
			if (!order)
				baseline(f, T0, "NONE", NULL);
			CHECK_INT(press(f)->status, STATUS_DISCONNECTED);
			CHECK(uncertain(f));
			fleet_destroy(f);
		}
	}
}

/* Inside the window and agreeing: nothing to doubt. */
static void test_agree_within_window(void)
{
	struct fleet *f = fleet_create(NULL);
	event(f, EVENT_CONNECTED, "s3", 3, T0 - 2 * MIN, NULL);
	baseline(f, T0, "NONE", NULL);
	CHECK_INT(press(f)->status, STATUS_CONNECTED);
	CHECK_INT(press(f)->since_ms, T0 - 2 * MIN);
	CHECK(!uncertain(f));
	fleet_destroy(f);
}

/* connect_failed is no session event: a baseline still decides. */
static void test_activity_only(void)
{
	struct fleet *f = fleet_create(NULL);
	event(f, EVENT_CONNECT_FAILED, NULL, 0, T0 + HOUR, "AUTHORIZATION_FAILED");
	baseline(f, T0, "CLIENT_INITIATED_DISCONNECT", NULL);
	CHECK_INT(press(f)->status, STATUS_DISCONNECTED);
	CHECK_INT(press(f)->connect_failures, 1);
	fleet_destroy(f);
}

/* Of two baselines the newer timestamp wins, whatever their order. */
static void test_two_baselines(void)
{
	for (int order = 0; order < 2; order++) {
		struct fleet *f = fleet_create(NULL);
		baseline(f, order ? T0 : T0 + HOUR, order ? "NONE" : "SERVER_INITIATED_DISCONNECT", NULL);
		baseline(f, order ? T0 + HOUR : T0, order ? "SERVER_INITIATED_DISCONNECT" : "NONE", NULL);
		CHECK_INT(press(f)->status, STATUS_DISCONNECTED);
		CHECK_INT(press(f)->since_ms, T0 + HOUR);
		fleet_destroy(f);
	}
}

/* A baseline overruled by events, then events older than it: the session
 * rules see their own state, not the baseline's. */
static void test_events_keep_their_state(void)
{
	struct fleet *f = fleet_create(NULL);
	baseline(f, T0, "CONNECTION_LOST", NULL);
	event(f, EVENT_CONNECTED, "s5", 5, T0 + HOUR, NULL);
	CHECK_INT(press(f)->status, STATUS_CONNECTED);
	CHECK_INT(press(f)->since_ms, T0 + HOUR);
	/* A late disconnect of an older session changes nothing. */
	event(f, EVENT_DISCONNECTED, "s4", 4, T0 - HOUR, "DUPLICATE_CLIENTID");
	CHECK_INT(press(f)->status, STATUS_CONNECTED);
	CHECK_INT(press(f)->since_ms, T0 + HOUR);
	event(f, EVENT_DISCONNECTED, "s5", 5, T0 + 2 * HOUR, "CLIENT_INITIATED_DISCONNECT");
	CHECK_INT(press(f)->status, STATUS_DISCONNECTED);
	CHECK_STR(fleet_reason_name(f, press(f)->last_reason), "CLIENT_INITIATED_DISCONNECT");
	CHECK_INT(fleet_status_count(f, STATUS_DISCONNECTED), 1);
	CHECK_INT(fleet_status_count(f, STATUS_CONNECTED), 0);
	fleet_destroy(f);
}

static void test_registry_fields(void)
{
	struct fleet *f = fleet_create(NULL);
	baseline(f, T0, "NONE",
	         "{\"thingName\":\"press-7\",\"thingTypeName\":\"press\","
	         "\"thingGroupNames\":[\"plant-3\",\"line-1\",7],"
	         "\"attributes\":{\"site\":\"berlin\",\"fw\":\"4.2.1\",\"n\":3}}");
	struct fleet_registry reg;
	CHECK(fleet_thing_registry(f, press(f), &reg));
	CHECK_STR(reg.thing_type, "press");
	CHECK_STR(reg.groups, "plant-3,line-1");
	CHECK_INT(reg.attr_count, 2);
	CHECK_STR(fleet_registry_attr(&reg, "site"), "berlin");
	CHECK_STR(fleet_registry_attr(&reg, "fw"), "4.2.1");
	CHECK(fleet_registry_attr(&reg, "n") == NULL);
	/* A newer baseline replaces the fields. */
	baseline(f, T0 + MIN, "NONE", "{\"thingName\":\"press-7\",\"attributes\":{}}");
	CHECK(!fleet_thing_registry(f, press(f), &reg));
	CHECK_STR(reg.thing_type, "");
	/* Broken JSON leaves none, and no crash. */
	baseline(f, T0 + 2 * MIN, "NONE", "{\"thingTypeName\":");
	CHECK(!fleet_thing_registry(f, press(f), &reg));

	struct fleet_event other = { .type = EVENT_CONNECTED, .client_id = "other", .timestamp_ms = T0,
	                             .received_ms = T0, .session_id = "o", .seq = ++seq };
	fleet_apply(f, &other, NULL);
	CHECK(!fleet_thing_registry(f, fleet_find(f, "other"), &reg));
	fleet_destroy(f);
}

static void test_snapshot(void)
{
	struct fleet *f = fleet_create(NULL);
	baseline(f, T0, "NONE", "{\"thingTypeName\":\"press\",\"attributes\":{\"site\":\"berlin\"}}");
	event(f, EVENT_DISCONNECTED, "s2", 2, T0 + 5 * MIN, "DUPLICATE_CLIENTID");
	size_t len;
	void *data = fleet_save(f, &len);
	char *cause = NULL;
	struct fleet *g = fleet_load(data, len, NULL, &cause);
	CHECK(g != NULL);
	if (!g) {
		fprintf(stderr, "   %s\n", cause);
		free(cause);
		free(data);
		fleet_destroy(f);
		return;
	}
	struct fleet_registry reg;
	CHECK(fleet_thing_registry(g, fleet_find(g, "press-7"), &reg));
	CHECK_STR(fleet_registry_attr(&reg, "site"), "berlin");
	CHECK_STR(reg.thing_type, "press");
	CHECK_INT(fleet_find(g, "press-7")->status, STATUS_DISCONNECTED);
	CHECK(fleet_find(g, "press-7")->flags & THING_UNCERTAIN);
	size_t len2;
	void *data2 = fleet_save(g, &len2);
	CHECK(len == len2 && memcmp(data, data2, len) == 0);
	free(data2);
	/* The loaded fleet still knows the baseline: an old event does not
	 * make the events decide; an older baseline does not override. */
	struct fleet *both[2] = { f, g };
	for (int i = 0; i < 2; i++) {
		struct fleet_event e = { .type = EVENT_CONNECTED, .client_id = "press-7",
		                         .timestamp_ms = T0 + 2 * HOUR, .received_ms = T0 + 2 * HOUR,
		                         .session_id = "s3", .has_version = true, .version = 3, .seq = 100 };
		fleet_apply(both[i], &e, NULL);
		CHECK_INT(fleet_find(both[i], "press-7")->status, STATUS_CONNECTED);
		CHECK(!(fleet_find(both[i], "press-7")->flags & THING_UNCERTAIN));
	}
	/* An attribute with an empty name (AWS allows none) is dropped, so
	 * the snapshot still loads (the fuzzer found one that did not). */
	baseline(g, T0 + 3 * HOUR, "NONE",
	         "{\"thingName\":\"press-7\",\"attributes\":{\"\":\"NONE\",\"site\":\"oslo\"}}");
	CHECK(fleet_thing_registry(g, fleet_find(g, "press-7"), &reg));
	CHECK_INT(reg.attr_count, 1);
	CHECK_STR(fleet_registry_attr(&reg, "site"), "oslo");
	size_t len3;
	void *data3 = fleet_save(g, &len3);
	struct fleet *h = fleet_load(data3, len3, NULL, &cause);
	CHECK(h != NULL);
	if (h) {
		CHECK(fleet_thing_registry(h, fleet_find(h, "press-7"), &reg));
		CHECK_STR(fleet_registry_attr(&reg, "site"), "oslo");
	}
	free(cause);
	cause = NULL;
	fleet_destroy(h);
	free(data3);
	/* Damage inside the extras is caught by the checksum, and a cut too. */
	((unsigned char *)data)[len - 20] ^= 1;
	struct fleet *bad = fleet_load(data, len, NULL, &cause);
	CHECK(bad == NULL);
	free(cause);
	cause = NULL;
	bad = fleet_load(data, len - 30, NULL, &cause);
	CHECK(bad == NULL);
	free(cause);
	free(data);
	fleet_destroy(f);
	fleet_destroy(g);
}

/* Every arrival order of one history gives the same status. */
static void test_any_order(void)
{
	enum { N = 5 };
	int perm[N] = { 0, 1, 2, 3, 4 };
	int results[2] = { 0, 0 };
	/* 120 orders: Heap's algorithm, iteratively. */
	int c[N] = { 0 };
	int i = 0;
	for (bool first = true; first || i < N;) {
		if (!first) {
			if (c[i] < i) {
				int j = i % 2 ? c[i] : 0, tmp = perm[j];
				perm[j] = perm[i];
				perm[i] = tmp;
				c[i]++;
				i = 0;
			} else {
				c[i++] = 0;
				continue;
			}
		}
		first = false;
		struct fleet *f = fleet_create(NULL);
		for (int k = 0; k < N; k++) {
			switch (perm[k]) {
			case 0: baseline(f, T0, "CONNECTION_LOST", NULL); break;
			case 1: event(f, EVENT_CONNECTED, "s1", 1, T0 - 4 * HOUR, NULL); break;
			case 2: event(f, EVENT_DISCONNECTED, "s1", 1, T0 - 3 * HOUR, "CONNECTION_LOST"); break;
			case 3: event(f, EVENT_CONNECTED, "s2", 0, T0 + 2 * HOUR, NULL); break;
			case 4: event(f, EVENT_DISCONNECTED, "s1", 1, T0 - 3 * HOUR, "CONNECTION_LOST"); break;
			}
		}
		results[press(f)->status == STATUS_CONNECTED && !uncertain(f)]++;
		fleet_destroy(f);
	}
	CHECK_INT(results[1], 120);
	CHECK_INT(results[0], 0);
}

int main(void)
{
	RUN(test_baseline_alone_connected);
	RUN(test_baseline_alone_disconnected);
	RUN(test_never_connected);
	RUN(test_registry_only);
	RUN(test_events_older);
	RUN(test_events_newer);
	RUN(test_disagree_within_window);
	RUN(test_agree_within_window);
	RUN(test_activity_only);
	RUN(test_two_baselines);
	RUN(test_events_keep_their_state);
	RUN(test_registry_fields);
	RUN(test_snapshot);
	RUN(test_any_order);
	return check_summary();
}
