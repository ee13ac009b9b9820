/* The simulator: reproducible, well-formed, quirks as asked, and its truth
 * agrees with both a plain reading of a quirk-free stream and with the
 * reconciler on a stream with every quirk. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fleet.h"
#include "ingest.h"
#include "simulate.h"

static void test_parse_quirks(void)
{
	unsigned q = 0;
	char *cause = NULL;
	CHECK(simulate_parse_quirks("all", &q, &cause));
	CHECK_INT(q, SIM_ALL);
	CHECK(simulate_parse_quirks("none", &q, &cause));
	CHECK_INT(q, 0);
	CHECK(simulate_parse_quirks("reorder,takeover", &q, &cause));
	CHECK_INT(q, SIM_REORDER | SIM_TAKEOVER);
	CHECK(!simulate_parse_quirks("reorder,bogus", &q, &cause));
	CHECK(cause && strstr(cause, "\"bogus\"") != NULL);
	/* The message lists every quirk, first to last. */
	CHECK(cause && strstr(cause, "(known: all, none, flapping, storms,") != NULL);
	CHECK(cause && strstr(cause, "subscriptions, malformed)") != NULL);
	free(cause);
	CHECK_STR(simulate_quirk_name(SIM_VERSION_RESET), "version-reset");
}

/* Same seed, same stream; another seed, another stream. */
static void test_reproducible(void)
{
	struct simulate_options o;
	simulate_defaults(&o);
	o.things = 50;
	struct simulator *a = simulate_create(&o), *b = simulate_create(&o);
	o.seed = 2;
	struct simulator *c = simulate_create(&o);
	struct simulate_message ma, mb, mc;
	int same = 0, differ = 0;
	for (int i = 0; i < 2000; i++) {
		simulate_next(a, &ma);
		simulate_next(b, &mb);
		simulate_next(c, &mc);
		same += ma.payload_len == mb.payload_len && memcmp(ma.payload, mb.payload, ma.payload_len) == 0;
		differ += ma.payload_len != mc.payload_len || memcmp(ma.payload, mc.payload, ma.payload_len) != 0;
	}
	CHECK_INT(same, 2000);
	CHECK(differ > 1000);
	simulate_destroy(a);
	simulate_destroy(b);
	simulate_destroy(c);
}

/* Every message but the malformed ones parses as a lifecycle event whose
 * client id matches its topic; receive times never go back. */
static void test_well_formed(void)
{
	struct simulate_options o;
	simulate_defaults(&o);
	o.things = 200;
	struct simulator *sim = simulate_create(&o);
	struct simulate_message m;
	struct event ev;
	int bad = 0, malformed = 0, rejected_malformed = 0, back = 0;
	int64_t last = 0;
	int types[EVENT_TYPE_COUNT] = {0};
	for (int i = 0; i < 20000; i++) {
		simulate_next(sim, &m);
		if (m.received_ms < last)
			back++;
		last = m.received_ms;
		char topic[300];
		memcpy(topic, m.topic, m.topic_len);
		topic[m.topic_len] = '\0';
		bool ok = event_parse(topic, m.payload, m.payload_len, &ev);
		if (m.malformed) {
			malformed++;
			rejected_malformed += ev.type == EVENT_REJECT;
			continue;
		}
		if (!ok)
			bad++;
		types[ev.type]++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(back, 0);
	CHECK(malformed > 0);
	CHECK_INT(rejected_malformed, malformed);
	CHECK(types[EVENT_CONNECTED] > 0);
	CHECK(types[EVENT_DISCONNECTED] > 0);
	CHECK(types[EVENT_CONNECT_FAILED] > 0);
	CHECK(types[EVENT_SUBSCRIBED] > 0);
	simulate_destroy(sim);
}

/* Without quirks, delivery is in order and each session closes before the
 * next opens, so a thing's status is simply its last presence event. */
static void test_truth_plain(void)
{
	struct simulate_options o;
	simulate_defaults(&o);
	o.things = 100;
	o.quirks = 0;
	struct simulator *sim = simulate_create(&o);
	struct fleet_config fc;
	fleet_config_defaults(&fc);
	char last[100][16];
	memset(last, 0, sizeof last);
	struct simulate_message m;
	struct event ev;
	for (int i = 0; i < 5000; i++) {
		simulate_next(sim, &m);
		char topic[300];
		memcpy(topic, m.topic, m.topic_len);
		topic[m.topic_len] = '\0';
		event_parse(topic, m.payload, m.payload_len, &ev);
		int n = -1;
		if (sscanf(ev.client_id, "thing-%d", &n) == 1 && n < 100 && n >= 0 &&
		    (ev.type == EVENT_CONNECTED || ev.type == EVENT_DISCONNECTED))
			snprintf(last[n], sizeof last[n], "%s", ev.type == EVENT_CONNECTED ? "connected" : "disconnected");
	}
	while (simulate_drain(sim, &m))
		CHECK(0); /* nothing held back without quirks */
	int agree = 0, checked = 0;
	for (size_t i = 5; i < 100; i++) {
		const char *want = last[i][0] ? last[i] : "unknown";
		checked++;
		agree += strcmp(want, simulate_thing_status(sim, i)) == 0;
	}
	CHECK_INT(agree, checked);
	simulate_destroy(sim);
}

/* With every quirk, the reconciler must land exactly on the truth. */
static void test_truth_vs_reconciler(void)
{
	struct simulate_options o;
	simulate_defaults(&o);
	o.things = 500;
	o.seed = 11;
	struct simulator *sim = simulate_create(&o);
	struct fleet_config fc;
	fleet_config_defaults(&fc);
	struct fleet *fleet = fleet_create(&fc);
	struct ingest ing;
	ingest_init(&ing, NULL, fleet);
	struct simulate_message m;
	char topic[300];
	for (int i = 0; i < 30000 || simulate_drain(sim, &m); i++) {
		if (i < 30000)
			simulate_next(sim, &m);
		memcpy(topic, m.topic, m.topic_len);
		topic[m.topic_len] = '\0';
		ingest_message(&ing, topic, m.payload, m.payload_len, m.received_ms);
	}
	CHECK(ing.stats.duplicates > 0);
	CHECK(ing.stats.stale > 0);
	int wrong = 0, seen = 0;
	for (size_t i = 0; i < simulate_thing_count(sim); i++) {
		const struct fleet_thing *t = fleet_find(fleet, simulate_thing_id(sim, i));
		if (!t)
			continue;
		seen++;
		if (strcmp(thing_status_name((enum thing_status)t->status), simulate_thing_status(sim, i)) != 0) {
			if (wrong++ < 5)
				fprintf(stderr, "thing %s: fleet %s, truth %s\n", simulate_thing_id(sim, i),
				        thing_status_name((enum thing_status)t->status), simulate_thing_status(sim, i));
		}
	}
	CHECK(seen > 450);
	CHECK_INT(wrong, 0);
	fleet_destroy(fleet);
	simulate_destroy(sim);
}

/* The truth file: header, sorted by client id, quoted where needed. */
static void test_truth_file(void)
{
	struct simulate_options o;
	simulate_defaults(&o);
	o.things = 8;
	struct simulator *sim = simulate_create(&o);
	struct simulate_message m;
	for (int i = 0; i < 400; i++)
		simulate_next(sim, &m);
	while (simulate_drain(sim, &m))
		;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(simulate_write_truth(sim, f));
	fclose(f);
	CHECK(strncmp(buf, "client_id,status\n", 17) == 0);
	CHECK(strstr(buf, "\n\"quote\"\"d \"\"id\"\"\",") != NULL);
	CHECK(strstr(buf, "\n\"sensor,with,commas\",") != NULL);
	/* Sorted bytewise: "capteur" < "esc" < "plant" < "quote" < "sensor" < "thing". */
	const char *order[] = { "\ncapteur", "\nesc\x1b", "\nplant/line-3", "\n\"quote", "\n\"sensor", "\nthing-000005" };
	const char *prev = buf;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *at = strstr(buf, order[i]);
		CHECK(at != NULL && at > prev);
		if (at)
			prev = at;
	}
	free(buf);
	simulate_destroy(sim);
}

int main(void)
{
	RUN(test_parse_quirks);
	RUN(test_reproducible);
	RUN(test_well_formed);
	RUN(test_truth_plain);
	RUN(test_truth_vs_reconciler);
	RUN(test_truth_file);
	return check_summary();
}
