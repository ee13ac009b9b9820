/* The reconciled fleet table: each rule of core/RECONCILIATION.md with a small
 * hand-written history, snapshots, and a shuffled-history property test. */
#include "build_config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fleet.h"
#include "fleet_internal.h"
#include "fleet_snapshot_internal.h"

#define T0 INT64_C(1700000000000)
#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

/* The latest session's id as text, valid to the end of the statement's block. */
#define SESSION_ID(fleet, thing) fleet_thing_session_id((fleet), (thing), (char[FLEET_SESSION_ID_BUF]){0})

/* Reason ids fixed by aws-lifecycle-events.md's table order. */
enum {
	R_AUTH_ERROR = 1,
	R_CLIENT_INITIATED_DISCONNECT = 2,
	R_CONNECTION_LOST = 4,
	R_DUPLICATE_CLIENTID = 5,
	R_MQTT_KEEP_ALIVE_TIMEOUT = 7,
	R_SERVER_INITIATED_DISCONNECT = 9,
	R_THROTTLED = 11,
	R_CUSTOMAUTH_TTL_EXPIRATION = 13,
};

struct ev {
	enum event_type type;
	const char *client;
	const char *session;  /* NULL: none */
	bool nover;           /* no versionNumber */
	int64_t version;
	int64_t ts;
	int64_t recv;         /* 0: same as ts */
	const char *reason;
	const char *ip;
};

static uint64_t next_seq;

static struct fleet_result put_seq(struct fleet *fleet, struct ev e, uint64_t seq)
{
	struct fleet_event fe = {
		.type = e.type,
		.client_id = e.client ? e.client : "thing-1",
		.timestamp_ms = e.ts,
		.received_ms = e.recv ? e.recv : e.ts,
		.has_version = !e.nover,
		.version = e.version,
		.session_id = e.session,
		.reason = e.reason,
		.ip = e.ip,
		.seq = seq,
	};
	struct fleet_result result;
	fleet_apply(fleet, &fe, &result);
	return result;
}

static struct fleet_result put(struct fleet *fleet, struct ev e)
{
	return put_seq(fleet, e, ++next_seq);
}

#define CONN EVENT_CONNECTED
#define DISC EVENT_DISCONNECTED

static const struct fleet_thing *thing1(const struct fleet *fleet)
{
	return fleet_find(fleet, "thing-1");
}

static void test_simple_connect(void)
{
	struct fleet *f = fleet_create(NULL);
	struct fleet_result r = put(f, (struct ev){ CONN, .session = "s1", .version = 0, .ts = T0,
	                                            .ip = "192.0.2.1" });
	const struct fleet_thing *t = thing1(f);
	char ip[EVENT_IP_MAX + 1];

	CHECK(r.new_thing);
	CHECK(r.status_changed);
	CHECK(!r.duplicate && !r.stale);
	CHECK_INT(r.thing_id, 1);
	CHECK(t != NULL);
	CHECK_INT(t->id, 1);
	CHECK_INT(t->status, STATUS_CONNECTED);
	CHECK_INT(t->since_ms, T0);
	CHECK_INT(t->since_received_ms, T0);
	CHECK_INT(t->sessions, 1);
	CHECK_INT(fleet_thing_version(t), 0);
	CHECK_STR(SESSION_ID(f, t), "s1");
	CHECK_STR(fleet_thing_ip(t, ip, sizeof ip), "192.0.2.1");
	CHECK_INT(t->ip_family, 4);
	CHECK(!(t->flags & THING_UNCERTAIN));
	CHECK_INT(fleet_count(f), 1);
	CHECK_INT(fleet_status_count(f, STATUS_CONNECTED), 1);
	CHECK_STR(thing_status_name(STATUS_CONNECTED), "connected");
	fleet_destroy(f);
}

static void test_connect_disconnect(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "s1", .version = 3, .ts = T0 });
	struct fleet_result r = put(f, (struct ev){ DISC, .session = "s1", .version = 3, .ts = T0 + MIN,
	                                            .reason = "CLIENT_INITIATED_DISCONNECT" });
	const struct fleet_thing *t = thing1(f);

	CHECK(r.status_changed && !r.new_thing && !r.stale && !r.duplicate);
	CHECK_INT(t->status, STATUS_DISCONNECTED);
	CHECK_INT(t->since_ms, T0 + MIN);
	CHECK_INT(t->last_reason, R_CLIENT_INITIATED_DISCONNECT);
	CHECK_STR(fleet_reason_name(f, t->last_reason), "CLIENT_INITIATED_DISCONNECT");
	CHECK_INT(t->sessions, 1);
	CHECK_INT(t->disconnects, 1);
	CHECK_INT(fleet_status_count(f, STATUS_CONNECTED), 0);
	CHECK_INT(fleet_status_count(f, STATUS_DISCONNECTED), 1);
	fleet_destroy(f);
}

static void test_disconnect_before_connect(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ DISC, .session = "s1", .version = 1, .ts = T0 + MIN, .reason = "CONNECTION_LOST" });
	struct fleet_result r = put(f, (struct ev){ CONN, .session = "s1", .version = 1, .ts = T0,
	                                            .ip = "2001:db8::7" });
	const struct fleet_thing *t = thing1(f);
	char ip[EVENT_IP_MAX + 1];

	CHECK(!r.status_changed && !r.duplicate && !r.stale);
	CHECK_INT(t->status, STATUS_DISCONNECTED);
	CHECK_INT(t->since_ms, T0 + MIN);
	CHECK_INT(t->sessions, 1);
	CHECK_INT(t->last_reason, R_CONNECTION_LOST);
	CHECK_INT(t->ip_family, 6);
	CHECK_STR(fleet_thing_ip(t, ip, sizeof ip), "2001:db8::7");
	fleet_destroy(f);
}

/* The old connection gets DUPLICATE_CLIENTID, published after the new one's
 * connect: the thing is online. */
static void test_late_duplicate_clientid(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "old", .version = 1, .ts = T0 });
	put(f, (struct ev){ CONN, .session = "new", .version = 2, .ts = T0 + 2 * MIN, .ip = "198.51.100.4" });
	struct fleet_result r = put(f, (struct ev){ DISC, .session = "old", .version = 1,
	                                            .ts = T0 + 2 * MIN + 30 * SEC,
	                                            .reason = "DUPLICATE_CLIENTID" });
	const struct fleet_thing *t = thing1(f);

	CHECK(r.stale);
	CHECK(!r.status_changed && !r.duplicate);
	CHECK_INT(t->status, STATUS_CONNECTED);
	CHECK_INT(t->last_reason, R_DUPLICATE_CLIENTID);
	CHECK_INT(t->since_ms, T0 + 2 * MIN);
	CHECK_STR(SESSION_ID(f, t), "new");
	CHECK_INT(fleet_thing_version(t), 2);
	CHECK_INT(t->sessions, 2);
	CHECK_INT(t->disconnects, 1);
	CHECK(!(t->flags & THING_UNCERTAIN));
	fleet_destroy(f);
}

static void test_late_keep_alive_timeout(void)
{
	/* Without versions: the connect timestamps, 10 minutes apart, decide. */
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "a", .nover = true, .ts = T0 });
	put(f, (struct ev){ CONN, .session = "b", .nover = true, .ts = T0 + 10 * MIN });
	struct fleet_result r = put(f, (struct ev){ DISC, .session = "a", .nover = true,
	                                            .ts = T0 + 10 * MIN + 20 * SEC,
	                                            .reason = "MQTT_KEEP_ALIVE_TIMEOUT" });
	const struct fleet_thing *t = thing1(f);

	CHECK(r.stale && !r.status_changed);
	CHECK_INT(t->status, STATUS_CONNECTED);
	CHECK_INT(t->last_reason, R_MQTT_KEEP_ALIVE_TIMEOUT);
	CHECK_STR(SESSION_ID(f, t), "b");
	CHECK_INT(fleet_thing_version(t), -1);
	fleet_destroy(f);
}

static void test_reversed_timestamps_in_session(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "s", .version = 4, .ts = T0 + 5 * SEC });
	struct fleet_result r = put(f, (struct ev){ DISC, .session = "s", .version = 4, .ts = T0,
	                                            .reason = "CONNECTION_LOST" });
	CHECK(r.status_changed && !r.stale);
	CHECK_INT(thing1(f)->status, STATUS_DISCONNECTED);
	CHECK_INT(thing1(f)->since_ms, T0);
	fleet_destroy(f);
}

/* A disconnect seen before its connect places its session by the
 * disconnect's time; the connect, seen later, moves it back behind a
 * newer session. */
static void test_connect_reorders_session(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ DISC, .session = "a", .nover = true, .ts = T0 + 10 * MIN,
	                    .reason = "DUPLICATE_CLIENTID" });
	struct fleet_result r = put(f, (struct ev){ CONN, .session = "b", .nover = true, .ts = T0 + 5 * MIN });
	CHECK(r.stale);
	CHECK_INT(thing1(f)->status, STATUS_DISCONNECTED);
	r = put(f, (struct ev){ CONN, .session = "a", .nover = true, .ts = T0, .recv = T0 + 11 * MIN });
	CHECK(r.status_changed && !r.stale);
	CHECK_INT(thing1(f)->status, STATUS_CONNECTED);
	CHECK_INT(thing1(f)->since_ms, T0 + 5 * MIN);
	CHECK_INT(thing1(f)->since_received_ms, T0 + 11 * MIN);
	CHECK_INT(thing1(f)->last_reason, R_DUPLICATE_CLIENTID);
	CHECK_INT(thing1(f)->sessions, 2);
	fleet_destroy(f);
}

static void test_version_reset(void)
{
	/* v7 went away; two hours later the version restarted at 0. */
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "s7", .version = 7, .ts = T0 });
	put(f, (struct ev){ DISC, .session = "s7", .version = 7, .ts = T0 + MIN, .reason = "CONNECTION_LOST" });
	struct fleet_result r = put(f, (struct ev){ CONN, .session = "s0", .version = 0, .ts = T0 + 2 * HOUR });
	CHECK(r.status_changed && !r.stale);
	CHECK_INT(thing1(f)->status, STATUS_CONNECTED);
	CHECK_INT(fleet_thing_version(thing1(f)), 0);
	CHECK_INT(thing1(f)->last_reason, R_CONNECTION_LOST);
	fleet_destroy(f);

	/* The same, arriving new session first. */
	f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "s0", .version = 0, .ts = T0 + 2 * HOUR });
	r = put(f, (struct ev){ CONN, .session = "s7", .version = 7, .ts = T0 });
	CHECK(r.stale);
	r = put(f, (struct ev){ DISC, .session = "s7", .version = 7, .ts = T0 + MIN, .reason = "CONNECTION_LOST" });
	CHECK(r.stale && !r.status_changed);
	CHECK_INT(thing1(f)->status, STATUS_CONNECTED);
	CHECK_INT(fleet_thing_version(thing1(f)), 0);
	CHECK_STR(SESSION_ID(f, thing1(f)), "s0");
	fleet_destroy(f);
}

static void test_version_orders_close_sessions(void)
{
	/* v6 is the newer session though its timestamp reads two minutes
	 * earlier than v5's: within the order window the version decides. */
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "v6", .version = 6, .ts = T0 + MIN });
	struct fleet_result r = put(f, (struct ev){ CONN, .session = "v5", .version = 5, .ts = T0 + 3 * MIN });
	CHECK(r.stale);
	r = put(f, (struct ev){ DISC, .session = "v5", .version = 5, .ts = T0 + 4 * MIN,
	                        .reason = "DUPLICATE_CLIENTID" });
	CHECK(r.stale);
	CHECK_INT(thing1(f)->status, STATUS_CONNECTED);
	CHECK_STR(SESSION_ID(f, thing1(f)), "v6");
	CHECK_INT(thing1(f)->since_ms, T0 + MIN);
	CHECK(!(thing1(f)->flags & THING_UNCERTAIN));
	fleet_destroy(f);

	/* Past the window, timestamps win over versions. */
	struct fleet_config c;
	fleet_config_defaults(&c);
	c.order_window_ms = MIN;
	f = fleet_create(&c);
	put(f, (struct ev){ CONN, .session = "v6", .version = 6, .ts = T0 + MIN });
	r = put(f, (struct ev){ CONN, .session = "v5", .version = 5, .ts = T0 + 3 * MIN });
	CHECK(!r.stale);
	CHECK_STR(SESSION_ID(f, thing1(f)), "v5");
	fleet_destroy(f);
}

static void test_tie_arrival_uncertain(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "first", .nover = true, .ts = T0 });
	struct fleet_result r = put(f, (struct ev){ CONN, .session = "second", .nover = true, .ts = T0 });
	CHECK(!r.stale);
	CHECK(thing1(f)->flags & THING_UNCERTAIN);
	r = put(f, (struct ev){ DISC, .session = "first", .nover = true, .ts = T0 + SEC,
	                        .reason = "DUPLICATE_CLIENTID" });
	CHECK(r.stale);
	CHECK_INT(thing1(f)->status, STATUS_CONNECTED);
	CHECK_STR(SESSION_ID(f, thing1(f)), "second");
	CHECK(thing1(f)->flags & THING_UNCERTAIN);

	/* A clearly later session lifts the doubt. */
	put(f, (struct ev){ CONN, .session = "third", .nover = true, .ts = T0 + HOUR });
	CHECK(!(thing1(f)->flags & THING_UNCERTAIN));

	/* Equal versions do not decide either. */
	fleet_destroy(f);
	f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "x", .version = 2, .ts = T0 });
	put(f, (struct ev){ DISC, .session = "y", .version = 2, .ts = T0, .reason = "AUTH_ERROR" });
	CHECK_INT(thing1(f)->status, STATUS_DISCONNECTED);
	CHECK(thing1(f)->flags & THING_UNCERTAIN);
	fleet_destroy(f);
}

static void test_duplicates(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "s", .version = 1, .ts = T0 });
	struct fleet_result r = put(f, (struct ev){ CONN, .session = "s", .version = 1, .ts = T0,
	                                            .recv = T0 + 5 * SEC });
	const struct fleet_thing *t = thing1(f);
	CHECK(r.duplicate && !r.status_changed && !r.stale && !r.new_thing);
	CHECK_INT(t->duplicates, 1);
	CHECK_INT(t->sessions, 1);
	CHECK_INT(t->since_received_ms, T0);

	put(f, (struct ev){ DISC, .session = "s", .version = 1, .ts = T0 + MIN, .reason = "CONNECTION_LOST" });
	r = put(f, (struct ev){ DISC, .session = "s", .version = 1, .ts = T0 + MIN, .reason = "THROTTLED" });
	CHECK(r.duplicate);
	CHECK_INT(t->duplicates, 2);
	CHECK_INT(t->disconnects, 1);
	CHECK_INT(t->last_reason, R_CONNECTION_LOST);
	r = put(f, (struct ev){ CONN, .session = "s", .version = 1, .ts = T0 });
	CHECK(r.duplicate);
	CHECK_INT(t->duplicates, 3);
	CHECK_INT(t->status, STATUS_DISCONNECTED);
	CHECK_INT(t->since_ms, T0 + MIN);
	fleet_destroy(f);
}

static void test_paired_by_version(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .version = 3, .ts = T0 });
	put(f, (struct ev){ CONN, .version = 4, .ts = T0 + MIN });
	struct fleet_result r = put(f, (struct ev){ DISC, .version = 3, .ts = T0 + 90 * SEC,
	                                            .reason = "DUPLICATE_CLIENTID" });
	const struct fleet_thing *t = thing1(f);
	CHECK(r.stale && !r.status_changed);
	CHECK_INT(t->status, STATUS_CONNECTED);
	CHECK_INT(fleet_thing_version(t), 4);
	CHECK_STR(SESSION_ID(f, t), "");
	CHECK(!(t->flags & THING_UNCERTAIN));
	CHECK_INT(t->session[0].flags, SESSION_CONNECT_SEEN | SESSION_HAS_VERSION);

	r = put(f, (struct ev){ DISC, .version = 4, .ts = T0 + 2 * MIN, .reason = "CONNECTION_LOST" });
	CHECK(r.status_changed && !r.stale);
	CHECK_INT(t->status, STATUS_DISCONNECTED);
	r = put(f, (struct ev){ DISC, .version = 4, .ts = T0 + 2 * MIN, .reason = "CONNECTION_LOST" });
	CHECK(r.duplicate);
	CHECK_INT(t->sessions, 2);
	CHECK_INT(t->disconnects, 2);

	/* After a reset, version 4 again two hours later is a new session. */
	r = put(f, (struct ev){ CONN, .version = 4, .ts = T0 + 2 * HOUR });
	CHECK(!r.duplicate && r.status_changed);
	CHECK_INT(t->status, STATUS_CONNECTED);
	CHECK_INT(t->sessions, 3);
	fleet_destroy(f);
}

static void test_no_session_no_version(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .nover = true, .ts = T0 });
	const struct fleet_thing *t = thing1(f);
	CHECK_INT(t->status, STATUS_CONNECTED);
	CHECK(t->flags & THING_UNCERTAIN);

	struct fleet_result r = put(f, (struct ev){ DISC, .nover = true, .ts = T0 + MIN,
	                                            .reason = "CONNECTION_LOST" });
	CHECK(r.status_changed);
	CHECK_INT(t->status, STATUS_DISCONNECTED);
	CHECK_INT(t->sessions, 1);
	CHECK(t->flags & THING_UNCERTAIN);
	r = put(f, (struct ev){ DISC, .nover = true, .ts = T0 + MIN, .reason = "CONNECTION_LOST" });
	CHECK(r.duplicate);
	CHECK_INT(t->disconnects, 1);

	r = put(f, (struct ev){ CONN, .nover = true, .ts = T0 + 2 * MIN });
	CHECK(r.status_changed);
	CHECK_INT(t->status, STATUS_CONNECTED);
	CHECK_INT(t->sessions, 2);
	r = put(f, (struct ev){ CONN, .nover = true, .ts = T0 + 2 * MIN });
	CHECK(r.duplicate);

	/* A disconnect with nothing open makes a closed session. */
	fleet_destroy(f);
	f = fleet_create(NULL);
	put(f, (struct ev){ DISC, .nover = true, .ts = T0, .reason = "AUTH_ERROR" });
	t = thing1(f);
	CHECK_INT(t->status, STATUS_DISCONNECTED);
	CHECK_INT(t->last_reason, R_AUTH_ERROR);
	CHECK(t->flags & THING_UNCERTAIN);
	fleet_destroy(f);
}

static void test_activity_only_unknown(void)
{
	struct fleet *f = fleet_create(NULL);
	struct fleet_result r = put(f, (struct ev){ EVENT_CONNECT_FAILED, .ts = T0,
	                                            .reason = "AUTHORIZATION_FAILED" });
	CHECK(r.new_thing && !r.status_changed);
	put(f, (struct ev){ EVENT_SUBSCRIBED, .session = "s", .ts = T0 + SEC });
	put(f, (struct ev){ EVENT_UNSUBSCRIBED, .session = "s", .ts = T0 + 2 * SEC });
	put(f, (struct ev){ EVENT_CONNECT_FAILED, .ts = T0 + 3 * SEC });
	const struct fleet_thing *t = thing1(f);
	CHECK_INT(t->status, STATUS_UNKNOWN);
	CHECK_INT(t->connect_failures, 2);
	CHECK_INT(t->sessions, 0);
	CHECK_INT(t->last_received_ms, T0 + 3 * SEC);
	CHECK_INT(fleet_status_count(f, STATUS_UNKNOWN), 1);
	CHECK(!fleet_thing_settling(f, t));

	/* Rejects and ignored events touch only the clock and last_seq. */
	struct fleet_event reject = { .type = EVENT_REJECT, .client_id = "thing-2",
	                              .received_ms = T0 + HOUR, .seq = 1000 };
	fleet_apply(f, &reject, &r);
	CHECK_INT(r.thing_id, 0);
	CHECK_INT(fleet_count(f), 1);
	CHECK_INT(fleet_clock(f), T0 + HOUR);
	CHECK_INT(fleet_last_seq(f), 1000);
	fleet_destroy(f);
}

static void test_settling(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .session = "s", .version = 0, .ts = T0 - 3 * SEC, .recv = T0 });
	const struct fleet_thing *t = thing1(f);
	CHECK_INT(fleet_clock(f), T0);
	CHECK_INT(t->since_received_ms, T0);
	CHECK(fleet_thing_settling(f, t));
	fleet_set_clock(f, T0 + 9999);
	CHECK(fleet_thing_settling(f, t));
	fleet_set_clock(f, T0 + 10000);
	CHECK(!fleet_thing_settling(f, t));
	fleet_set_clock(f, T0); /* the clock never goes back */
	CHECK_INT(fleet_clock(f), T0 + 10000);
	fleet_destroy(f);
}

static void sessions_at(struct fleet *f, const char *client, int n, int64_t step)
{
	for (int i = 0; i < n; i++) {
		char sid[16];
		snprintf(sid, sizeof sid, "s%d", i);
		put(f, (struct ev){ CONN, .client = client, .session = sid, .version = i,
		                    .ts = T0 + i * step });
		put(f, (struct ev){ DISC, .client = client, .session = sid, .version = i,
		                    .ts = T0 + i * step + SEC, .reason = "CONNECTION_LOST" });
	}
}

static void test_flapping(void)
{
	struct fleet *f = fleet_create(NULL);
	sessions_at(f, "five", 5, MIN);
	CHECK(!fleet_thing_flapping(f, fleet_find(f, "five")));
	sessions_at(f, "six", 6, MIN);            /* starts at T0 .. T0+5min */
	fleet_set_clock(f, T0 + 5 * MIN + 2 * SEC);
	CHECK(fleet_thing_flapping(f, fleet_find(f, "six")));
	fleet_set_clock(f, T0 + 10 * MIN + 30 * SEC); /* the first start left the window */
	CHECK(!fleet_thing_flapping(f, fleet_find(f, "six")));
	sessions_at(f, "hourly", 6, 12 * MIN);   /* six over an hour */
	CHECK(!fleet_thing_flapping(f, fleet_find(f, "hourly")));
	CHECK_INT(fleet_find(f, "hourly")->sessions, 6);
	fleet_destroy(f);
}

static void test_reasons(void)
{
	struct fleet *f = fleet_create(NULL);
	CHECK_INT(fleet_reason_count(f), 14);
	CHECK_STR(fleet_reason_name(f, 0), "");
	CHECK_STR(fleet_reason_name(f, 1), "AUTH_ERROR");
	CHECK_STR(fleet_reason_name(f, R_DUPLICATE_CLIENTID), "DUPLICATE_CLIENTID");
	CHECK_STR(fleet_reason_name(f, R_CUSTOMAUTH_TTL_EXPIRATION), "CUSTOMAUTH_TTL_EXPIRATION");

	put(f, (struct ev){ DISC, .client = "a", .session = "s", .ts = T0, .reason = "BRAND_NEW\x1b[31m" });
	CHECK_INT(fleet_find(f, "a")->last_reason, 14);
	CHECK_STR(fleet_reason_name(f, 14), "BRAND_NEW\x1b[31m");
	put(f, (struct ev){ DISC, .client = "b", .session = "s", .ts = T0, .reason = "BRAND_NEW\x1b[31m" });
	CHECK_INT(fleet_find(f, "b")->last_reason, 14);
	CHECK_INT(fleet_reason_count(f), 15);

	/* 255 ids at most: the last one is a shared "OTHER". */
	for (int i = 0; i < 300; i++) {
		char reason[32];
		snprintf(reason, sizeof reason, "R%d", i);
		put(f, (struct ev){ DISC, .client = "c", .session = reason, .ts = T0 + i * HOUR,
		                    .reason = reason });
	}
	CHECK_INT(fleet_reason_count(f), 256);
	CHECK_STR(fleet_reason_name(f, 254), "R239");
	CHECK_STR(fleet_reason_name(f, 255), "OTHER");
	CHECK_INT(fleet_find(f, "c")->last_reason, 255);
	CHECK_STR(fleet_reason_name(f, 200), "R185");
	fleet_destroy(f);
}

static void test_status_counts_and_lookup(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .client = "on", .session = "1", .ts = T0 });
	put(f, (struct ev){ CONN, .client = "off", .session = "2", .ts = T0 });
	put(f, (struct ev){ DISC, .client = "off", .session = "2", .ts = T0 + SEC });
	put(f, (struct ev){ EVENT_SUBSCRIBED, .client = "quiet", .ts = T0 });
	CHECK_INT(fleet_status_count(f, STATUS_CONNECTED), 1);
	CHECK_INT(fleet_status_count(f, STATUS_DISCONNECTED), 1);
	CHECK_INT(fleet_status_count(f, STATUS_UNKNOWN), 1);
	put(f, (struct ev){ CONN, .client = "quiet", .session = "3", .ts = T0 });
	CHECK_INT(fleet_status_count(f, STATUS_CONNECTED), 2);
	CHECK_INT(fleet_status_count(f, STATUS_UNKNOWN), 0);

	CHECK_INT(fleet_count(f), 3);
	CHECK_STR(fleet_thing_at(f, 1)->client_id, "off");
	CHECK_INT(fleet_thing_at(f, 2)->id, 3);
	CHECK(fleet_thing_at(f, 3) == NULL);
	CHECK(fleet_find(f, "of") == NULL);
	CHECK(fleet_find(f, "") == NULL);

	/* As a rebuild names a thing its rows will need (rebuild.c). */
	const struct fleet_thing *t = fleet_append_thing(f, "plant/line-3/press-7");
	CHECK_INT(t->id, 4);
	CHECK_INT(t->status, STATUS_UNKNOWN);
	CHECK(fleet_find(f, "plant/line-3/press-7") == t);
	CHECK_INT(fleet_count(f), 4);

	/* Many things: the index grows, pointers stay put. */
	const struct fleet_thing *first = fleet_find(f, "on");
	for (int i = 0; i < 5000; i++) {
		char id[32];
		snprintf(id, sizeof id, "dev-%05d", i);
		put(f, (struct ev){ CONN, .client = id, .session = "s", .ts = T0 });
	}
	CHECK(fleet_find(f, "on") == first);
	CHECK_INT(fleet_find(f, "dev-04321")->id, 4 + 4321 + 1);
	CHECK_INT(fleet_status_count(f, STATUS_CONNECTED), 5002);
	fleet_destroy(f);
}

static void test_ip_forms(void)
{
	struct fleet *f = fleet_create(NULL);
	char ip[EVENT_IP_MAX + 1];
	put(f, (struct ev){ CONN, .client = "a", .session = "1", .ts = T0, .ip = "not an ip address" });
	const struct fleet_thing *t = fleet_find(f, "a");
	CHECK_INT(t->ip_family, 255);
	/* ip_text keeps sizeof - 1 = 9 bytes */
	CHECK_STR(fleet_thing_ip(t, ip, sizeof ip), "not an ip");
	put(f, (struct ev){ CONN, .client = "b", .session = "1", .ts = T0, .ip = "abcdefghi\xc3\xa9" });
	CHECK_STR(fleet_find(f, "b")->ip_text, "abcdefghi"); /* never half a character */
	put(f, (struct ev){ CONN, .client = "c", .session = "1", .ts = T0 });
	CHECK_INT(fleet_find(f, "c")->ip_family, 0);
	CHECK_STR(fleet_thing_ip(fleet_find(f, "c"), ip, sizeof ip), "");

	struct event e = { .type = EVENT_CONNECTED, .timestamp_ms = T0, .has_version = true, .version = 9 };
	strcpy(e.client_id, "d");
	strcpy(e.session_id, "0123456789012345678901234567890123456789");
	strcpy(e.ip, "10.1.2.3");
	struct fleet_event fe;
	fleet_event_from_event(&e, T0 + 1, 77, &fe);
	CHECK_INT(fe.received_ms, T0 + 1);
	CHECK_INT(fe.seq, 77);
	fleet_apply(f, &fe, NULL);
	t = fleet_find(f, "d");
	CHECK_STR(SESSION_ID(f, t), "012345678901234567890123456789012345");
	CHECK_INT(fleet_thing_version(t), 9);
	CHECK_STR(fleet_thing_ip(t, ip, sizeof ip), "10.1.2.3");
	fleet_destroy(f);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static bool things_equal(const struct fleet *fa, const struct fleet_thing *a,
                         const struct fleet *fb, const struct fleet_thing *b)
{
	bool same = strcmp(a->client_id, b->client_id) == 0 && a->id == b->id &&
	            a->status == b->status && a->flags == b->flags &&
	            a->last_reason == b->last_reason && a->ip_family == b->ip_family &&
	            a->since_ms == b->since_ms && a->since_received_ms == b->since_received_ms &&
	            a->last_received_ms == b->last_received_ms &&
	            memcmp(a->ip, b->ip, sizeof a->ip) == 0 &&
	            strcmp(SESSION_ID(fa, a), SESSION_ID(fb, b)) == 0 &&
	            a->session_kind == b->session_kind &&
	            fleet_thing_version(a) == fleet_thing_version(b) && a->sessions == b->sessions &&
	            a->disconnects == b->disconnects && a->duplicates == b->duplicates &&
	            a->connect_failures == b->connect_failures &&
	            memcmp(a->flap_ring, b->flap_ring, sizeof a->flap_ring) == 0 &&
	            a->flap_next == b->flap_next;
	for (int i = 0; i < FLEET_SESSIONS_KEPT; i++) {
		const struct fleet_session *x = &a->session[i], *y = &b->session[i];
		same = same && x->key == y->key && x->ts_ms == y->ts_ms && x->version == y->version &&
		       x->arrival == y->arrival && x->flags == y->flags && x->reason == y->reason;
	}
	return same;
}

static bool fleets_equal(const struct fleet *a, const struct fleet *b)
{
	if (fleet_count(a) != fleet_count(b) || fleet_clock(a) != fleet_clock(b) ||
	    fleet_last_seq(a) != fleet_last_seq(b) || fleet_reason_count(a) != fleet_reason_count(b))
		return false;
	for (int s = 0; s < STATUS_COUNT; s++)
		if (fleet_status_count(a, s) != fleet_status_count(b, s))
			return false;
	for (size_t i = 0; i < fleet_reason_count(a); i++)
		if (strcmp(fleet_reason_name(a, (uint8_t)i), fleet_reason_name(b, (uint8_t)i)) != 0)
			return false;
	for (size_t i = 0; i < fleet_count(a); i++) {
		const struct fleet_thing *t = fleet_thing_at(a, i);
		if (!things_equal(a, t, b, fleet_thing_at(b, i)) || fleet_find(b, t->client_id) != fleet_thing_at(b, i))
			return false;
	}
	return true;
}

/* A small fleet touching every field. */
static struct fleet *sample_fleet(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .client = "a", .session = "old", .version = 1, .ts = T0, .ip = "192.0.2.9" });
	put(f, (struct ev){ CONN, .client = "a", .session = "new", .version = 2, .ts = T0 + MIN,
	                    .ip = "2001:db8::1" });
	put(f, (struct ev){ DISC, .client = "a", .session = "old", .version = 1, .ts = T0 + MIN,
	                    .reason = "DUPLICATE_CLIENTID" });
	put(f, (struct ev){ DISC, .client = "a", .session = "old", .version = 1, .ts = T0 + MIN,
	                    .reason = "DUPLICATE_CLIENTID" });
	put(f, (struct ev){ CONN, .client = "b", .nover = true, .ts = T0, .ip = "weird" });
	put(f, (struct ev){ DISC, .client = "b", .nover = true, .ts = T0 + SEC, .reason = "NEW_REASON" });
	put(f, (struct ev){ EVENT_CONNECT_FAILED, .client = "c", .ts = T0 });
	put(f, (struct ev){ CONN, .client = "plant/line-3/press-7", .version = 5, .ts = T0 });
	return f;
}

/* The fleet whose format-2 snapshot (written by the release before
 * format 3) is kept below: the sample, a flapping thing, and a thing with
 * UUID sessions, its seqs counted from 1000. */
static struct fleet *format2_fleet(void)
{
	next_seq = 1000;
	struct fleet *f = sample_fleet();
	sessions_at(f, "flappy", 7, MIN);
	put(f, (struct ev){ CONN, .client = "u", .session = "4f1c2a9e-0b7d-4c55-9a1e-3d2f6b8c7a10",
	                    .version = 3, .ts = T0 + SEC, .recv = T0 + 2 * SEC, .ip = "10.0.0.7" });
	put(f, (struct ev){ CONN, .client = "u", .session = "e2b4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b",
	                    .version = 4, .ts = T0 + 3 * MIN, .recv = T0 + 3 * MIN + 40 });
	fleet_set_clock(f, T0 + 6 * MIN);
	return f;
}

static const unsigned char format2_snapshot[] = {
	0x54, 0x54, 0x46, 0x4c, 0x45, 0x45, 0x54, 0x0a, 0x02, 0x00, 0x00, 0x00,
	0x02, 0x08, 0x00, 0x00, 0xc4, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x28, 0xea, 0xea, 0xcf, 0x8b, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x0a, 0x41, 0x55, 0x54, 0x48, 0x5f,
	0x45, 0x52, 0x52, 0x4f, 0x52, 0x1b, 0x43, 0x4c, 0x49, 0x45, 0x4e, 0x54,
	0x5f, 0x49, 0x4e, 0x49, 0x54, 0x49, 0x41, 0x54, 0x45, 0x44, 0x5f, 0x44,
	0x49, 0x53, 0x43, 0x4f, 0x4e, 0x4e, 0x45, 0x43, 0x54, 0x0c, 0x43, 0x4c,
	0x49, 0x45, 0x4e, 0x54, 0x5f, 0x45, 0x52, 0x52, 0x4f, 0x52, 0x0f, 0x43,
	0x4f, 0x4e, 0x4e, 0x45, 0x43, 0x54, 0x49, 0x4f, 0x4e, 0x5f, 0x4c, 0x4f,
	0x53, 0x54, 0x12, 0x44, 0x55, 0x50, 0x4c, 0x49, 0x43, 0x41, 0x54, 0x45,
	0x5f, 0x43, 0x4c, 0x49, 0x45, 0x4e, 0x54, 0x49, 0x44, 0x10, 0x46, 0x4f,
	0x52, 0x42, 0x49, 0x44, 0x44, 0x45, 0x4e, 0x5f, 0x41, 0x43, 0x43, 0x45,
	0x53, 0x53, 0x17, 0x4d, 0x51, 0x54, 0x54, 0x5f, 0x4b, 0x45, 0x45, 0x50,
	0x5f, 0x41, 0x4c, 0x49, 0x56, 0x45, 0x5f, 0x54, 0x49, 0x4d, 0x45, 0x4f,
	0x55, 0x54, 0x0c, 0x53, 0x45, 0x52, 0x56, 0x45, 0x52, 0x5f, 0x45, 0x52,
	0x52, 0x4f, 0x52, 0x1b, 0x53, 0x45, 0x52, 0x56, 0x45, 0x52, 0x5f, 0x49,
	0x4e, 0x49, 0x54, 0x49, 0x41, 0x54, 0x45, 0x44, 0x5f, 0x44, 0x49, 0x53,
	0x43, 0x4f, 0x4e, 0x4e, 0x45, 0x43, 0x54, 0x18, 0x41, 0x50, 0x49, 0x5f,
	0x49, 0x4e, 0x49, 0x54, 0x49, 0x41, 0x54, 0x45, 0x44, 0x5f, 0x44, 0x49,
	0x53, 0x43, 0x4f, 0x4e, 0x4e, 0x45, 0x43, 0x54, 0x09, 0x54, 0x48, 0x52,
	0x4f, 0x54, 0x54, 0x4c, 0x45, 0x44, 0x18, 0x57, 0x45, 0x42, 0x53, 0x4f,
	0x43, 0x4b, 0x45, 0x54, 0x5f, 0x54, 0x54, 0x4c, 0x5f, 0x45, 0x58, 0x50,
	0x49, 0x52, 0x41, 0x54, 0x49, 0x4f, 0x4e, 0x19, 0x43, 0x55, 0x53, 0x54,
	0x4f, 0x4d, 0x41, 0x55, 0x54, 0x48, 0x5f, 0x54, 0x54, 0x4c, 0x5f, 0x45,
	0x58, 0x50, 0x49, 0x52, 0x41, 0x54, 0x49, 0x4f, 0x4e, 0x0a, 0x4e, 0x45,
	0x57, 0x5f, 0x52, 0x45, 0x41, 0x53, 0x4f, 0x4e, 0x06, 0x00, 0x00, 0x00,
	0x01, 0x61, 0x01, 0x00, 0x05, 0x06, 0x90, 0xdf, 0x24, 0x90, 0xdf, 0x24,
	0x90, 0xdf, 0x24, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x6e, 0x65, 0x77,
	0x00, 0x04, 0x02, 0x01, 0x01, 0x00, 0xd3, 0x05, 0xdb, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x90, 0xdf, 0x24, 0x04, 0xea, 0x07,
	0x0d, 0x00, 0x01, 0x25, 0x4c, 0x78, 0x4f, 0x4f, 0x9f, 0x7b, 0xc5, 0xd0,
	0x88, 0x2c, 0x02, 0xe9, 0x07, 0x0f, 0x05, 0x01, 0x62, 0x02, 0x01, 0x0e,
	0xff, 0x80, 0xf9, 0x2b, 0x80, 0xf9, 0x2b, 0x80, 0xf9, 0x2b, 0x00, 0x00,
	0x05, 0x77, 0x65, 0x69, 0x72, 0x64, 0x01, 0x01, 0x01, 0x00, 0x00, 0xd3,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x88, 0x2c, 0x01, 0xed, 0x07,
	0x03, 0x0e, 0x00, 0x01, 0x63, 0x00, 0x00, 0x00, 0x00, 0xd0, 0xa8, 0xd7,
	0xfe, 0xf9, 0x62, 0xd0, 0xa8, 0xd7, 0xfe, 0xf9, 0x62, 0xd0, 0x88, 0x2c,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x70, 0x6c, 0x61, 0x6e,
	0x74, 0x2f, 0x6c, 0x69, 0x6e, 0x65, 0x2d, 0x33, 0x2f, 0x70, 0x72, 0x65,
	0x73, 0x73, 0x2d, 0x37, 0x01, 0x00, 0x00, 0x00, 0xd0, 0x88, 0x2c, 0xd0,
	0x88, 0x2c, 0xd0, 0x88, 0x2c, 0x00, 0x00, 0x00, 0x0a, 0x01, 0x00, 0x00,
	0x00, 0xd3, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01,
	0x8d, 0xf5, 0xcf, 0x59, 0xc5, 0x1a, 0xc5, 0x38, 0xd0, 0x88, 0x2c, 0x0a,
	0xf0, 0x07, 0x09, 0x00, 0x00, 0x06, 0x66, 0x6c, 0x61, 0x70, 0x70, 0x79,
	0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x73, 0x36, 0x00,
	0x0c, 0x07, 0x07, 0x00, 0x00, 0xd3, 0x05, 0xdb, 0x04, 0xe3, 0x03, 0xeb,
	0x02, 0xf3, 0x01, 0x7b, 0x03, 0x00, 0x07, 0x02, 0xd0, 0x0f, 0x0c, 0xfd,
	0x07, 0x0f, 0x04, 0x01, 0x18, 0x3c, 0x1e, 0xaa, 0x45, 0x08, 0x11, 0xb2,
	0x90, 0xb9, 0x07, 0x0a, 0xfb, 0x07, 0x0f, 0x04, 0x01, 0x75, 0x01, 0x00,
	0x00, 0x00, 0x90, 0x8c, 0x16, 0xc0, 0x8b, 0x16, 0xc0, 0x8b, 0x16, 0x00,
	0xff, 0xe2, 0xb4, 0xd6, 0xf8, 0x1a, 0x3c, 0x4e, 0x5f, 0x8a, 0x9b, 0x0c,
	0x1d, 0x2e, 0x3f, 0x4a, 0x5b, 0x00, 0x08, 0x02, 0x00, 0x00, 0x00, 0xcf,
	0x05, 0xeb, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x90,
	0x8c, 0x16, 0x08, 0x80, 0x08, 0x0d, 0x00, 0x01, 0x16, 0x09, 0x11, 0x28,
	0x66, 0x37, 0x10, 0x26, 0x80, 0xf9, 0x2b, 0x06, 0xff, 0x07, 0x0d, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x87, 0x39, 0x69, 0x07, 0xed, 0x00, 0xa5, 0x1e,
};

/* The same fleet as format 3 wrote it (the release before format 4):
 * format2_snapshot loaded and saved again by that release. */
static const unsigned char format3_snapshot[] = {
	0x54, 0x54, 0x46, 0x4c, 0x45, 0x45, 0x54, 0x0a, 0x03, 0x00, 0x00, 0x00,
	0x02, 0x08, 0x00, 0x00, 0xa3, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x28, 0xea, 0xea, 0xcf, 0x8b, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x0a, 0x41, 0x55, 0x54, 0x48, 0x5f,
	0x45, 0x52, 0x52, 0x4f, 0x52, 0x1b, 0x43, 0x4c, 0x49, 0x45, 0x4e, 0x54,
	0x5f, 0x49, 0x4e, 0x49, 0x54, 0x49, 0x41, 0x54, 0x45, 0x44, 0x5f, 0x44,
	0x49, 0x53, 0x43, 0x4f, 0x4e, 0x4e, 0x45, 0x43, 0x54, 0x0c, 0x43, 0x4c,
	0x49, 0x45, 0x4e, 0x54, 0x5f, 0x45, 0x52, 0x52, 0x4f, 0x52, 0x0f, 0x43,
	0x4f, 0x4e, 0x4e, 0x45, 0x43, 0x54, 0x49, 0x4f, 0x4e, 0x5f, 0x4c, 0x4f,
	0x53, 0x54, 0x12, 0x44, 0x55, 0x50, 0x4c, 0x49, 0x43, 0x41, 0x54, 0x45,
	0x5f, 0x43, 0x4c, 0x49, 0x45, 0x4e, 0x54, 0x49, 0x44, 0x10, 0x46, 0x4f,
	0x52, 0x42, 0x49, 0x44, 0x44, 0x45, 0x4e, 0x5f, 0x41, 0x43, 0x43, 0x45,
	0x53, 0x53, 0x17, 0x4d, 0x51, 0x54, 0x54, 0x5f, 0x4b, 0x45, 0x45, 0x50,
	0x5f, 0x41, 0x4c, 0x49, 0x56, 0x45, 0x5f, 0x54, 0x49, 0x4d, 0x45, 0x4f,
	0x55, 0x54, 0x0c, 0x53, 0x45, 0x52, 0x56, 0x45, 0x52, 0x5f, 0x45, 0x52,
	0x52, 0x4f, 0x52, 0x1b, 0x53, 0x45, 0x52, 0x56, 0x45, 0x52, 0x5f, 0x49,
	0x4e, 0x49, 0x54, 0x49, 0x41, 0x54, 0x45, 0x44, 0x5f, 0x44, 0x49, 0x53,
	0x43, 0x4f, 0x4e, 0x4e, 0x45, 0x43, 0x54, 0x18, 0x41, 0x50, 0x49, 0x5f,
	0x49, 0x4e, 0x49, 0x54, 0x49, 0x41, 0x54, 0x45, 0x44, 0x5f, 0x44, 0x49,
	0x53, 0x43, 0x4f, 0x4e, 0x4e, 0x45, 0x43, 0x54, 0x09, 0x54, 0x48, 0x52,
	0x4f, 0x54, 0x54, 0x4c, 0x45, 0x44, 0x18, 0x57, 0x45, 0x42, 0x53, 0x4f,
	0x43, 0x4b, 0x45, 0x54, 0x5f, 0x54, 0x54, 0x4c, 0x5f, 0x45, 0x58, 0x50,
	0x49, 0x52, 0x41, 0x54, 0x49, 0x4f, 0x4e, 0x19, 0x43, 0x55, 0x53, 0x54,
	0x4f, 0x4d, 0x41, 0x55, 0x54, 0x48, 0x5f, 0x54, 0x54, 0x4c, 0x5f, 0x45,
	0x58, 0x50, 0x49, 0x52, 0x41, 0x54, 0x49, 0x4f, 0x4e, 0x0a, 0x4e, 0x45,
	0x57, 0x5f, 0x52, 0x45, 0x41, 0x53, 0x4f, 0x4e, 0x06, 0x00, 0x00, 0x00,
	0x01, 0x61, 0x01, 0x00, 0x05, 0x06, 0x90, 0xdf, 0x24, 0x00, 0x00, 0x10,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x03, 0x6e, 0x65, 0x77, 0x00, 0x04, 0x02, 0x01,
	0x01, 0x00, 0xd3, 0x05, 0xdb, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x0e, 0xea, 0x07, 0x0d, 0x00, 0x01, 0x25, 0x4c, 0x78, 0x4f, 0x4f,
	0x9f, 0x7b, 0xc5, 0xbf, 0xa9, 0x07, 0x01, 0xe9, 0x07, 0x0f, 0x05, 0x01,
	0x62, 0x02, 0x01, 0x0e, 0xff, 0x80, 0xf9, 0x2b, 0x00, 0x00, 0x00, 0x00,
	0x05, 0x77, 0x65, 0x69, 0x72, 0x64, 0x01, 0x01, 0x01, 0x00, 0x00, 0xd3,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xcf, 0x0f, 0xed, 0x07, 0x03, 0x0e,
	0x00, 0x01, 0x63, 0x00, 0x00, 0x00, 0x00, 0xd0, 0xa8, 0xd7, 0xfe, 0xf9,
	0x62, 0x00, 0x80, 0xa0, 0xab, 0xfe, 0xf9, 0x62, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x14, 0x70, 0x6c, 0x61, 0x6e, 0x74, 0x2f, 0x6c, 0x69,
	0x6e, 0x65, 0x2d, 0x33, 0x2f, 0x70, 0x72, 0x65, 0x73, 0x73, 0x2d, 0x37,
	0x01, 0x00, 0x00, 0x00, 0xd0, 0x88, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x01, 0x00, 0x00, 0x00, 0xd3, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x0d, 0x8d, 0xf5, 0xcf, 0x59, 0xc5, 0x1a, 0xc5, 0x38,
	0xf0, 0x07, 0x09, 0x00, 0x00, 0x06, 0x66, 0x6c, 0x61, 0x70, 0x70, 0x79,
	0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x73, 0x36, 0x00,
	0x0c, 0x07, 0x07, 0x00, 0x00, 0xd3, 0x05, 0xdb, 0x04, 0xe3, 0x03, 0xeb,
	0x02, 0xf3, 0x01, 0x7b, 0x03, 0x00, 0x07, 0x06, 0xcf, 0x0f, 0xfd, 0x07,
	0x0f, 0x04, 0x01, 0x18, 0x3c, 0x1e, 0xaa, 0x45, 0x08, 0x11, 0xb2, 0xbf,
	0xa9, 0x07, 0x01, 0xfb, 0x07, 0x0f, 0x04, 0x01, 0x75, 0x01, 0x00, 0x00,
	0x00, 0x90, 0x8c, 0x16, 0x50, 0x00, 0x00, 0xff, 0xe2, 0xb4, 0xd6, 0xf8,
	0x1a, 0x3c, 0x4e, 0x5f, 0x8a, 0x9b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b,
	0x00, 0x08, 0x02, 0x00, 0x00, 0x00, 0xcf, 0x05, 0xeb, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x0e, 0x80, 0x08, 0x0d, 0x00, 0x01, 0x16,
	0x09, 0x11, 0x28, 0x66, 0x37, 0x10, 0x26, 0xef, 0xec, 0x15, 0x01, 0xff,
	0x07, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x85, 0x1c, 0x8d, 0x59, 0x80,
	0xe4, 0x6f, 0x29,
};

/* Old snapshots still load: the bytes above equal the fleet they were
 * saved from, and it goes on like a fleet that never was saved. */
static void check_old_snapshot_loads(const unsigned char *bytes, size_t len, int format)
{
	CHECK_INT(bytes[8], format);
	struct fleet *f = format2_fleet();
	char *cause = NULL;
	struct fleet *g = fleet_load(bytes, len, NULL, &cause);
	CHECK(g != NULL);
	CHECK(cause == NULL);
	free(cause);
	if (!g) {
		fleet_destroy(f);
		return;
	}
	CHECK(fleets_equal(f, g));
	CHECK_STR(SESSION_ID(g, fleet_find(g, "u")), "e2b4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b");
	CHECK_INT(fleet_thing_version(fleet_find(g, "u")), 4);
	struct ev more = { DISC, .client = "u", .session = "e2b4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b",
	                   .version = 4, .ts = T0 + HOUR, .reason = "CONNECTION_LOST" };
	uint64_t seq = ++next_seq;
	put_seq(f, more, seq);
	put_seq(g, more, seq);
	CHECK(fleets_equal(f, g));
	CHECK_INT(fleet_find(g, "u")->status, STATUS_DISCONNECTED);
	fleet_destroy(g);
	fleet_destroy(f);
}

static void test_snapshot_format2_loads(void)
{
	check_old_snapshot_loads(format2_snapshot, sizeof format2_snapshot, 2);
}

static void test_snapshot_format3_loads(void)
{
	check_old_snapshot_loads(format3_snapshot, sizeof format3_snapshot, 3);
}

static void test_snapshot_round_trip(void)
{
	struct fleet *f = sample_fleet();
	sessions_at(f, "flappy", 7, MIN);
	fleet_set_clock(f, T0 + 6 * MIN);
	size_t len;
	void *data = fleet_save(f, &len);
	char *cause = NULL;
	struct fleet *g = fleet_load(data, len, NULL, &cause);

	CHECK(g != NULL);
	CHECK(cause == NULL);
	if (!g) {
		free(cause);
		free(data);
		fleet_destroy(f);
		return;
	}
	CHECK(fleets_equal(f, g));
	CHECK_INT(fleet_status_count(g, STATUS_CONNECTED), 2);
	CHECK_INT(fleet_status_count(g, STATUS_DISCONNECTED), 2);
	CHECK_INT(fleet_status_count(g, STATUS_UNKNOWN), 1);
	CHECK(fleet_thing_flapping(g, fleet_find(g, "flappy")));
	CHECK_STR(fleet_reason_name(g, fleet_find(g, "b")->last_reason), "NEW_REASON");

	/* Saving the loaded copy gives the same bytes. */
	size_t len2;
	void *data2 = fleet_save(g, &len2);
	CHECK(len2 == len && memcmp(data, data2, len) == 0);
	free(data2);

	/* Both go on alike. */
	struct ev more[] = {
		{ DISC, .client = "a", .session = "new", .version = 2, .ts = T0 + HOUR, .reason = "THROTTLED" },
		{ DISC, .client = "a", .session = "new", .version = 2, .ts = T0 + HOUR, .reason = "THROTTLED" },
		{ CONN, .client = "b", .nover = true, .ts = T0 + HOUR },
		{ DISC, .client = "b", .nover = true, .ts = T0 + HOUR + SEC, .reason = "NEW_REASON_2" },
		{ CONN, .client = "c", .session = "x", .version = 0, .ts = T0 + HOUR },
		{ CONN, .client = "new-thing", .session = "y", .version = 0, .ts = T0 + HOUR },
		{ DISC, .client = "plant/line-3/press-7", .version = 5, .ts = T0 + 2 * MIN },
	};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		uint64_t seq = ++next_seq;
		struct fleet_result ra = put_seq(f, more[i], seq), rb = put_seq(g, more[i], seq);
		CHECK(memcmp(&ra, &rb, sizeof ra) == 0);
	}
	CHECK(fleets_equal(f, g));
	CHECK_INT(fleet_find(g, "a")->last_reason, R_THROTTLED);
	CHECK_INT(fleet_find(g, "a")->duplicates, 2);
	CHECK_INT(fleet_find(g, "new-thing")->id, fleet_count(f));
	fleet_destroy(g);
	free(data);
	fleet_destroy(f);

	/* An empty fleet round-trips too. */
	f = fleet_create(NULL);
	data = fleet_save(f, &len);
	g = fleet_load(data, len, NULL, NULL);
	CHECK(g != NULL && fleet_count(g) == 0);
	fleet_destroy(g);
	fleet_destroy(f);
	free(data);
}

/* A fleet is split into format-4 groups of a sixteenth of its things
 * (at least SNAPSHOT_GROUP_MIN): things on either side of each seam, and
 * in the short last group, round-trip. */
static void test_snapshot_groups(void)
{
	struct fleet *f = fleet_create(NULL);
	size_t n = 32 * SNAPSHOT_GROUP_MIN + 777, group = n / 16;
	for (size_t i = 0; i < n; i++) {
		char client[32], session[40];
		snprintf(client, sizeof client, "group-thing-%zu", i);
		snprintf(session, sizeof session, "%08zx-0000-4000-8000-%012zx", i, i * 7919);
		int64_t ts = T0 + (int64_t)i * 13;
		put(f, (struct ev){ CONN, .client = client, .session = session, .version = (int64_t)i % 5,
		                    .ts = ts, .ip = i % 3 ? "10.1.2.3" : "2001:db8::7" });
		if (i % 4 == 0)
			put(f, (struct ev){ DISC, .client = client, .session = session,
			                    .version = (int64_t)i % 5, .ts = ts + 500,
			                    .reason = i % 8 ? "CONNECTION_LOST" : "SERVER_INITIATED_DISCONNECT" });
	}
	fleet_set_clock(f, T0 + (int64_t)n * 13 + MIN);
	size_t len;
	uint8_t *data = fleet_save(f, &len);
	/* The first group's count follows the header, reasons and thing count. */
	size_t at = 40 + 2 + 4;
	for (size_t i = 1; i < fleet_reason_count(f); i++)
		at += 1 + strlen(fleet_reason_name(f, (uint8_t)i));
	CHECK_INT(data[at] | data[at + 1] << 8 | data[at + 2] << 16, group);
	char *cause = NULL;
	struct fleet *g = fleet_load(data, len, NULL, &cause);
	CHECK(g != NULL && cause == NULL);
	CHECK(g && fleet_count(g) == n);
	CHECK(g && fleets_equal(f, g));
	char seam[32];
	snprintf(seam, sizeof seam, "group-thing-%zu", 16 * group);
	const struct fleet_thing *last_group = g ? fleet_find(g, seam) : NULL;
	CHECK(last_group && last_group->id == 16 * group + 1);
	CHECK(g && fleet_status_count(g, STATUS_DISCONNECTED) == (n + 3) / 4);
	free(cause);
	fleet_destroy(g);
	free(data);
	fleet_destroy(f);

	/* A small fleet is one group of all its things. */
	f = fleet_create(NULL);
	for (size_t i = 0; i < 3; i++) {
		char client[16];
		snprintf(client, sizeof client, "small-%zu", i);
		put(f, (struct ev){ CONN, .client = client, .session = "s", .version = 1, .ts = T0 });
	}
	data = fleet_save(f, &len);
	CHECK_INT(data[at] | data[at + 1] << 8, 3);
	g = fleet_load(data, len, NULL, NULL);
	CHECK(g && fleets_equal(f, g));
	fleet_destroy(g);
	free(data);
	fleet_destroy(f);
}

/* Format 4 stores times, versions, flap rings and arrivals as
 * differences from their neighbours: values far apart or at the ends of
 * their range, and sessions that differ from the thing in every way,
 * still round-trip. */
static void test_snapshot_extremes(void)
{
	struct fleet *f = fleet_create(NULL);
	fleet_set_clock(f, T0);
	const int64_t ends[] = { INT64_MIN, INT64_MAX, 0, -1, T0, -T0 };
	const size_t n = sizeof ends / sizeof ends[0];
	for (size_t i = 0; i < n * n; i++) {
		char id[16];
		snprintf(id, sizeof id, "x%zu", i);
		struct fleet_thing *t = (struct fleet_thing *)fleet_append_thing(f, id);
		int64_t a = ends[i % n], b = ends[i / n];
		t->since_ms = a;
		t->since_received_ms = b;
		t->last_received_ms = a;
		char session_id[16];
		snprintf(session_id, sizeof session_id, "s%zu", i);
		fleet_thing_set_session_id(f, t, session_id);
		t->session[0] = (struct fleet_session){ .key = i % 2 ? 0 : UINT64_MAX - i, .ts_ms = b,
		                                        .version = a, .arrival = UINT32_MAX, .flags = 3 };
		t->session[1] = (struct fleet_session){ .key = i, .ts_ms = i % 3 ? a : b,
		                                        .version = i % 3 ? INT64_MIN : a, .reason = 1 };
		t->flap_ring[i % FLEET_FLAP_MAX] = UINT32_MAX - (uint32_t)i;
		/* A full ring whose neighbours lie at opposite ends. */
		if (i % 5 == 0) {
			for (size_t k = 0; k < FLEET_FLAP_MAX; k++)
				t->flap_ring[k] = k % 2 ? 1 : UINT32_MAX - (uint32_t)k;
			t->flap_next = (uint8_t)(i % FLEET_FLAP_MAX);
		}
		/* Arrivals on both sides of the last seq's low 32 bits. */
		if (i % 4 == 1)
			t->session[1].arrival = (uint32_t)i;
	}
	/* Low 32 bits 3: most arrivals are "later" modulo 2^32. */
	f->last_seq = ((uint64_t)7 << 32) + 3;
	size_t len;
	uint8_t *data = fleet_save(f, &len);
	CHECK_INT(data[8], 4); /* the format written */
	char *cause = NULL;
	struct fleet *g = fleet_load(data, len, NULL, &cause);
	CHECK(g != NULL && cause == NULL);
	CHECK(g && fleets_equal(f, g));
	CHECK(g && fleet_thing_at(g, 1)->session[0].ts_ms == INT64_MIN);
	CHECK(g && fleet_thing_at(g, 1)->since_ms == INT64_MAX);
	free(cause);
	fleet_destroy(g);
	free(data);
	fleet_destroy(f);
}

static void reseal(uint8_t *data, size_t len);

/* A session head byte format 3 does not know is refused by name. */
static void test_snapshot_bad_session_head(void)
{
	struct fleet *f = fleet_create(NULL);
	fleet_append_thing(f, "a");
	size_t len;
	uint8_t *data = fleet_save(f, &len);
	/* The thing's last session head (0: never seen) comes just before
	 * the u32 extra count and the u64 checksum. */
	CHECK_INT(data[len - 13], 0);
	const uint8_t bad[] = { 3, 16, 0x80 };
	for (size_t i = 0; i < sizeof bad; i++) {
		data[len - 13] = bad[i];
		reseal(data, len);
		char *cause = NULL;
		CHECK(fleet_load(data, len, NULL, &cause) == NULL);
		CHECK(cause && strstr(cause, "bad session"));
		free(cause);
	}
	free(data);
	fleet_destroy(f);
}

/* The snapshot checksum as documented in fleet_snapshot.c, to forge
 * snapshots whose checksum is right but whose content is not. */
static uint64_t doc_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static uint64_t doc_word(const uint8_t *p)
{
	uint64_t w = 0;
	for (int b = 0; b < 8; b++)
		w |= (uint64_t)p[b] << (8 * b);
	return w;
}

static uint64_t doc_checksum(const uint8_t *p, size_t len)
{
	uint64_t lane[4];
	size_t i = 0;
	for (int k = 0; k < 4; k++)
		lane[k] = 0xcbf29ce484222325ULL + (uint64_t)k;
	for (; i + 32 <= len; i += 32)
		for (int k = 0; k < 4; k++)
			lane[k] = doc_mix(lane[k], doc_word(p + i + 8 * k));
	for (; i + 8 <= len; i += 8)
		lane[0] = doc_mix(lane[0], doc_word(p + i));
	uint64_t tail = len & 7;
	for (int b = 0; i < len; i++, b++)
		tail |= (uint64_t)p[i] << (8 * (b + 1));
	uint64_t h = doc_mix(lane[0], tail);
	for (int k = 1; k < 4; k++)
		h = doc_mix(h, lane[k]);
	return h;
}

static void reseal(uint8_t *data, size_t len)
{
	uint64_t sum = doc_checksum(data, len - 8);
	for (int b = 0; b < 8; b++)
		data[len - 8 + b] = (uint8_t)(sum >> (8 * b));
}

static uint32_t doc_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where column c of the format-4 group at `group` starts. */
static size_t column_at(const uint8_t *data, size_t group, int c)
{
	size_t at = group + 4 + 4 * (size_t)COLUMN_COUNT;
	for (int k = 0; k < c; k++)
		at += doc_u32(data + group + 4 + 4 * (size_t)k);
	return at;
}

static void test_snapshot_damage(void)
{
	struct fleet *f = sample_fleet();
	size_t len;
	uint8_t *data = fleet_save(f, &len);
	uint8_t *copy = malloc(len);
	int loaded = 0, causes = 0;

	for (size_t cut = 0; cut < len; cut++) {
		char *cause = NULL;
		struct fleet *g = fleet_load(data, cut, NULL, &cause);
		loaded += g != NULL;
		causes += cause != NULL;
		fleet_destroy(g);
		free(cause);
	}
	CHECK_INT(loaded, 0);
	CHECK_INT(causes, (long long)len);

	loaded = 0;
	for (size_t at = 0; at < len; at++) {
		memcpy(copy, data, len);
		copy[at] ^= 0x20;
		struct fleet *g = fleet_load(copy, len, NULL, NULL);
		loaded += g != NULL;
		fleet_destroy(g);
	}
	CHECK_INT(loaded, 0);

	/* Checksum right, content wrong: each field is still checked. The
	 * first group starts after the 40-byte header, the reason table and
	 * the thing count: u32 count, u32 length per column, the columns. */
	size_t group = 40 + 2 + 4;
	for (size_t i = 1; i < fleet_reason_count(f); i++)
		group += 1 + strlen(fleet_reason_name(f, (uint8_t)i));
	CHECK_INT(doc_u32(data + group), fleet_count(f));
	size_t id_len_at = column_at(data, group, COLUMN_ID_LEN);
	size_t id_at = column_at(data, group, COLUMN_ID);
	size_t status_at = column_at(data, group, COLUMN_STATUS);
	char *cause = NULL;
	memcpy(copy, data, len);
	CHECK_INT(copy[id_len_at], 1); /* client id "a": varint length 1 */
	CHECK_INT(copy[id_at], 'a');
	copy[status_at] = 7;
	reseal(copy, len);
	CHECK(fleet_load(copy, len, NULL, &cause) == NULL);
	CHECK(cause && strstr(cause, "bad status"));
	free(cause);
	cause = NULL;

	memcpy(copy, data, len);
	copy[id_at] = 'b'; /* "a" renamed "b": two things called "b" */
	reseal(copy, len);
	CHECK(fleet_load(copy, len, NULL, &cause) == NULL);
	CHECK(cause && strstr(cause, "duplicate client id"));
	free(cause);
	cause = NULL;

	memcpy(copy, data, len);
	copy[id_len_at] = 0x7f; /* a client id longer than its column */
	reseal(copy, len);
	CHECK(fleet_load(copy, len, NULL, &cause) == NULL);
	CHECK(cause && strstr(cause, "truncated"));
	free(cause);
	cause = NULL;

	/* Column lengths that do not add up: one byte moved from the status
	 * column to the one after it. */
	memcpy(copy, data, len);
	size_t status_len_at = group + 4 + 4 * COLUMN_STATUS;
	copy[status_len_at]--;
	copy[status_len_at + 4]++;
	reseal(copy, len);
	CHECK(fleet_load(copy, len, NULL, &cause) == NULL);
	CHECK(cause != NULL);
	free(cause);
	cause = NULL;

	memcpy(copy, data, len);
	copy[group] = 0; /* a group of no things */
	reseal(copy, len);
	CHECK(fleet_load(copy, len, NULL, &cause) == NULL);
	CHECK(cause && strstr(cause, "bad group"));
	free(cause);
	cause = NULL;

	/* Random damage behind a right checksum never crashes the loader. */
	int odd = 0;
	for (int round = 0; round < 3000; round++) {
		memcpy(copy, data, len);
		for (int k = 0; k < 1 + round % 4; k++)
			copy[40 + rng() % (len - 48)] = (uint8_t)rng();
		reseal(copy, len);
		cause = NULL;
		struct fleet *g = fleet_load(copy, len, NULL, &cause);
		odd += (g == NULL) != (cause != NULL);
		if (g)
			odd += fleet_status_count(g, STATUS_UNKNOWN) + fleet_status_count(g, STATUS_CONNECTED) +
			       fleet_status_count(g, STATUS_DISCONNECTED) != fleet_count(g);
		fleet_destroy(g);
		free(cause);
	}
	CHECK_INT(odd, 0);

	memcpy(copy, data, len);
	copy[8] = 99; /* format */
	CHECK(fleet_load(copy, len, NULL, &cause) == NULL);
	CHECK(cause && strstr(cause, "format 99"));
	free(cause);

	free(copy);
	free(data);
	fleet_destroy(f);
}

/* Property: a scripted history applied in any order with bounded lateness
 * and duplicates ends as it does in order. */
struct script_event {
	enum event_type type;
	int session;
	int64_t version;
	int64_t ts;
	const char *reason;
};

static const struct script_event script[] = {
	{ CONN, 1, 1, 0, NULL },
	{ DISC, 1, 1, 10 * MIN, "CONNECTION_LOST" },
	{ CONN, 2, 2, 12 * MIN, NULL },
	{ CONN, 3, 3, 19 * MIN, NULL },          /* skewed before s2's disconnect */
	{ DISC, 2, 2, 20 * MIN + 45 * SEC, "DUPLICATE_CLIENTID" },
	{ DISC, 3, 3, 40 * MIN, "MQTT_KEEP_ALIVE_TIMEOUT" },
	{ CONN, 4, 4, 41 * MIN, NULL },
	{ DISC, 4, 4, 45 * MIN, "CLIENT_INITIATED_DISCONNECT" },
	{ CONN, 5, 0, 3 * HOUR, NULL },          /* versions reset after 2 h offline */
	{ DISC, 5, 0, 3 * HOUR + 5 * MIN, "SERVER_INITIATED_DISCONNECT" },
	{ CONN, 6, 1, 3 * HOUR + 6 * MIN, NULL },
	{ CONN, 7, 2, 3 * HOUR + 5 * MIN + 50 * SEC, NULL }, /* kicks s6 */
	{ DISC, 6, 1, 3 * HOUR + 7 * MIN, "DUPLICATE_CLIENTID" },
	{ DISC, 7, 2, 3 * HOUR + 30 * MIN, "THROTTLED" },
};
#define SCRIPT_LEN (sizeof script / sizeof script[0])

static void script_put(struct fleet *f, const struct script_event *e, bool with_ids, uint64_t seq)
{
	char sid[40];
	snprintf(sid, sizeof sid, "5e55%04d-0000-0000-0000-000000000000", e->session);
	put_seq(f, (struct ev){ e->type, .session = with_ids ? sid : NULL, .version = e->version,
	                        .ts = T0 + e->ts, .recv = T0 + e->ts + 500, .reason = e->reason,
	                        .ip = e->type == CONN ? "203.0.113.5" : NULL }, seq);
}

static void property_run(size_t len, bool with_ids, int rounds, int *failures)
{
	struct fleet *want = fleet_create(NULL);
	for (size_t i = 0; i < len; i++)
		script_put(want, &script[i], with_ids, i + 1);
	const struct fleet_thing *w = thing1(want);

	for (int round = 0; round < rounds; round++) {
		/* Each event lands up to 3 places late, some twice. */
		int order[2 * SCRIPT_LEN], key[2 * SCRIPT_LEN];
		size_t n = 0;
		for (size_t i = 0; i < len; i++) {
			order[n] = (int)i;
			key[n++] = (int)i * 4 + (int)(rng() % 13);
			if (rng() % 4 == 0) {
				order[n] = (int)i;
				key[n++] = (int)i * 4 + (int)(rng() % 16);
			}
		}
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && key[j - 1] > key[j]; j--) {
				int k = key[j], o = order[j];
				key[j] = key[j - 1], order[j] = order[j - 1];
				key[j - 1] = k, order[j - 1] = o;
			}
		struct fleet *got = fleet_create(NULL);
		for (size_t i = 0; i < n; i++)
			script_put(got, &script[order[i]], with_ids, i + 1);
		const struct fleet_thing *g = thing1(got);
		bool same = g->status == w->status && g->since_ms == w->since_ms &&
		            g->last_reason == w->last_reason &&
		            fleet_thing_version(g) == fleet_thing_version(w) &&
		            strcmp(SESSION_ID(got, g), SESSION_ID(want, w)) == 0 && g->ip_family == w->ip_family &&
		            g->flags == w->flags;
		if (!same && (*failures)++ < 3) {
			fprintf(stderr, "shuffled history (%zu events, ids %d) ends %s since %lld reason %d,"
			        " in order %s since %lld reason %d; order:",
			        len, with_ids, thing_status_name(g->status), (long long)(g->since_ms - T0),
			        g->last_reason, thing_status_name(w->status),
			        (long long)(w->since_ms - T0), w->last_reason);
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, " %d", order[i]);
			fputc('\n', stderr);
		}
		fleet_destroy(got);
	}
	fleet_destroy(want);
}

static void test_property_shuffled(void)
{
	int failures = 0;

	/* The full script ends disconnected; cut before the last event it
	 * ends connected (s7 open, s6 kicked). */
	property_run(SCRIPT_LEN, true, 200, &failures);
	property_run(SCRIPT_LEN - 1, true, 200, &failures);
	property_run(SCRIPT_LEN, false, 200, &failures);
	property_run(SCRIPT_LEN - 1, false, 200, &failures);
	CHECK_INT(failures, 0);

	/* The hand-derived in-order outcome. */
	struct fleet *f = fleet_create(NULL);
	for (size_t i = 0; i < SCRIPT_LEN - 1; i++)
		script_put(f, &script[i], true, i + 1);
	CHECK_INT(thing1(f)->status, STATUS_CONNECTED);
	CHECK_INT(thing1(f)->since_ms, T0 + 3 * HOUR + 5 * MIN + 50 * SEC);
	CHECK_INT(thing1(f)->last_reason, R_DUPLICATE_CLIENTID);
	CHECK_INT(fleet_thing_version(thing1(f)), 2);
	CHECK_INT(thing1(f)->sessions, 7);
	script_put(f, &script[SCRIPT_LEN - 1], true, SCRIPT_LEN);
	CHECK_INT(thing1(f)->status, STATUS_DISCONNECTED);
	CHECK_INT(thing1(f)->last_reason, R_THROTTLED);
	fleet_destroy(f);
}

/* A rebuild's thing_id hint finds the thing without its client id's
 * hash, and only when the client id is that thing's own string: a hint
 * naming another thing, or a copy of the string, goes by the name. */
static void test_thing_id_hint(void)
{
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .client = "alpha", .session = "1", .ts = T0 });
	put(f, (struct ev){ CONN, .client = "beta", .session = "2", .ts = T0 });
	const struct fleet_thing *alpha = fleet_find(f, "alpha"), *beta = fleet_find(f, "beta");

	struct fleet_event e = { .type = EVENT_DISCONNECTED, .client_id = beta->client_id,
	                         .timestamp_ms = T0 + SEC, .received_ms = T0 + SEC,
	                         .session_id = "2", .reason = "CONNECTION_LOST", .seq = 10,
	                         .thing_id = beta->id };
	struct fleet_result r;
	fleet_apply(f, &e, &r);
	CHECK_INT(r.thing_id, beta->id);
	CHECK_INT(beta->status, STATUS_DISCONNECTED);
	CHECK_INT(alpha->status, STATUS_CONNECTED);

	/* A wrong hint (alpha's id with beta's name) leaves alpha alone. */
	e = (struct fleet_event){ .type = EVENT_CONNECTED, .client_id = beta->client_id,
	                          .timestamp_ms = T0 + 2 * SEC, .received_ms = T0 + 2 * SEC,
	                          .session_id = "3", .seq = 11, .thing_id = alpha->id };
	fleet_apply(f, &e, &r);
	CHECK_INT(r.thing_id, beta->id);
	CHECK_INT(beta->status, STATUS_CONNECTED);
	CHECK_STR(SESSION_ID(f, alpha), "1");

	/* A hint past the fleet, with a new name: a new thing as usual. */
	e = (struct fleet_event){ .type = EVENT_CONNECTED, .client_id = "gamma",
	                          .timestamp_ms = T0, .received_ms = T0 + 3 * SEC,
	                          .session_id = "4", .seq = 12, .thing_id = 99 };
	fleet_apply(f, &e, &r);
	CHECK(r.new_thing);
	CHECK_INT(r.thing_id, 3);
	CHECK_INT(fleet_count(f), 3);

	/* The next id, in a fleet loaded from a snapshot (no index yet): the
	 * thing is added, and found by name once the index is built. */
	size_t len;
	void *data = fleet_save(f, &len);
	struct fleet *g = fleet_load(data, len, NULL, NULL);
	free(data);
	CHECK(g != NULL);
	if (g) {
		e = (struct fleet_event){ .type = EVENT_CONNECTED, .client_id = "delta",
		                          .timestamp_ms = T0, .received_ms = T0 + 4 * SEC,
		                          .session_id = "5", .seq = 13, .thing_id = 4 };
		fleet_apply(g, &e, &r);
		CHECK(r.new_thing);
		CHECK_INT(r.thing_id, 4);
		CHECK_INT(fleet_count(g), 4);
		CHECK(fleet_find(g, "delta") == fleet_thing_at(g, 3));
		CHECK(fleet_find(g, "beta") == fleet_thing_at(g, 1));
		CHECK_INT(fleet_find(g, "delta")->status, STATUS_CONNECTED);
	}
	fleet_destroy(g);
	fleet_destroy(f);
}

/* Without its index a fleet still finds every thing by name: the first
 * lookup builds it again, new things included. */
static void test_drop_index(void)
{
	struct fleet *f = fleet_create(NULL);
	char name[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "thing-%d", i);
		put(f, (struct ev){ CONN, .client = name, .session = "s", .ts = T0 });
	}
	fleet_drop_index(f);
	put(f, (struct ev){ DISC, .client = "thing-1500", .session = "s", .ts = T0 + SEC,
	                    .reason = "CONNECTION_LOST" });
	CHECK_INT(fleet_count(f), 3000);
	CHECK_INT(fleet_find(f, "thing-1500")->id, 1501);
	CHECK_INT(fleet_find(f, "thing-1500")->status, STATUS_DISCONNECTED);

	/* Things added after the index went are found with the others, and
	 * one already there is not added again. */
	fleet_drop_index(f);
	put(f, (struct ev){ CONN, .client = "late", .session = "s", .ts = T0 + SEC });
	const struct fleet_thing *added = fleet_find(f, "late");
	CHECK(added && added->id == 3001);
	fleet_drop_index(f);
	put(f, (struct ev){ CONN, .client = "thing-7", .session = "s2", .ts = T0 + SEC });
	CHECK_INT(fleet_find(f, "thing-7")->id, 8);
	CHECK_INT(fleet_count(f), 3001);
	for (int i = 0; i < 3000; i += 299) {
		snprintf(name, sizeof name, "thing-%d", i);
		CHECK_INT(fleet_find(f, name)->id, i + 1);
	}
	CHECK(fleet_find(f, "late") == added);
	CHECK(fleet_find(f, "thing-3000") == NULL);
	fleet_destroy(f);
}

/* Session ids that are not UUIDs live in a side table whose slots are
 * reused: no thing ever shows another's. */
static void test_session_id_slots(void)
{
	static const char uuid[] = "e2b4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b";
	struct fleet *f = fleet_create(NULL);
	put(f, (struct ev){ CONN, .client = "a", .session = "alpha", .version = 1, .ts = T0 });
	put(f, (struct ev){ CONN, .client = "b", .session = "beta", .version = 1, .ts = T0 });
	put(f, (struct ev){ CONN, .client = "a", .session = uuid, .version = 2, .ts = T0 + MIN });
	put(f, (struct ev){ CONN, .client = "c", .session = "gamma", .version = 1, .ts = T0 });
	put(f, (struct ev){ CONN, .client = "b", .session = "BETA-2", .version = 2, .ts = T0 + MIN });
	CHECK_STR(SESSION_ID(f, fleet_find(f, "a")), uuid);
	CHECK_INT(fleet_find(f, "a")->session_kind, SESSION_ID_UUID);
	CHECK_STR(SESSION_ID(f, fleet_find(f, "b")), "BETA-2");
	CHECK_STR(SESSION_ID(f, fleet_find(f, "c")), "gamma");
	/* An uppercase UUID is text: its bytes are kept as they came. */
	put(f, (struct ev){ CONN, .client = "c", .session = "E2B4D6F8-1A3C-4E5F-8A9B-0C1D2E3F4A5B",
	                    .version = 2, .ts = T0 + MIN });
	CHECK_STR(SESSION_ID(f, fleet_find(f, "c")), "E2B4D6F8-1A3C-4E5F-8A9B-0C1D2E3F4A5B");
	CHECK_STR(SESSION_ID(f, fleet_find(f, "b")), "BETA-2");

	size_t len;
	void *data = fleet_save(f, &len);
	struct fleet *g = fleet_load(data, len, NULL, NULL);
	CHECK(g && fleets_equal(f, g));
	free(data);
	fleet_destroy(g);
	fleet_destroy(f);
}

/* A snapshot's check for a name given twice, on a fleet too big to
 * compare every pair. */
static void test_find_duplicate(void)
{
	struct fleet *f = fleet_create(NULL);
	char name[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "thing-%d", i);
		fleet_append_thing(f, name);
	}
	CHECK(fleet_find_duplicate(f) == SIZE_MAX);
	fleet_append_thing(f, "thing-17");
	fleet_append_thing(f, "thing-5000");
	CHECK_INT(fleet_find_duplicate(f), 5000);
	fleet_destroy(f);
}

int main(void)
{
	RUN(test_simple_connect);
	RUN(test_connect_disconnect);
	RUN(test_disconnect_before_connect);
	RUN(test_late_duplicate_clientid);
	RUN(test_late_keep_alive_timeout);
	RUN(test_reversed_timestamps_in_session);
	RUN(test_connect_reorders_session);
	RUN(test_version_reset);
	RUN(test_version_orders_close_sessions);
	RUN(test_tie_arrival_uncertain);
	RUN(test_duplicates);
	RUN(test_paired_by_version);
	RUN(test_no_session_no_version);
	RUN(test_activity_only_unknown);
	RUN(test_settling);
	RUN(test_flapping);
	RUN(test_reasons);
	RUN(test_status_counts_and_lookup);
	RUN(test_ip_forms);
	RUN(test_snapshot_round_trip);
	RUN(test_snapshot_format2_loads);
	RUN(test_snapshot_format3_loads);
	RUN(test_snapshot_groups);
	RUN(test_snapshot_extremes);
	RUN(test_snapshot_bad_session_head);
	RUN(test_snapshot_damage);
	RUN(test_property_shuffled);
	RUN(test_thing_id_hint);
	RUN(test_drop_index);
	RUN(test_session_id_slots);
	RUN(test_find_duplicate);
	return check_summary();
}
