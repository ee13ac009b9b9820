/* view.h and export.h on real fleets built with fleet_apply: the filter
 * language, sorting by every column, view_find, and the CSV export.
 * Expected orders are worked out by hand from the fleet below. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "export.h"
#include "fleet.h"
#include "view.h"
#include "xalloc.h"

#define T 1767225600000LL /* 2026-01-01T00:00:00Z */

static uint64_t seq;

static void ev_at(struct fleet *f, enum event_type type, const char *cid, int64_t ts, int64_t received,
                  const char *session, int64_t version, const char *reason, const char *ip)
{
	struct fleet_event e = {0};
	e.type = type;
	e.client_id = cid;
	e.timestamp_ms = ts;
	e.received_ms = received;
	e.has_version = version >= 0;
	e.version = version;
	e.session_id = session;
	e.reason = reason;
	e.ip = ip;
	e.seq = ++seq;
	fleet_apply(f, &e, NULL);
}

static void ev(struct fleet *f, enum event_type type, const char *cid, int64_t ts, const char *session,
               int64_t version, const char *reason, const char *ip)
{
	ev_at(f, type, cid, ts, ts + 100, session, version, reason, ip);
}

/* Thing indexes (first-seen order):
 * 0 sensor-alpha   connected    since T        v1 10.0.0.5     s-a1
 * 1 Sensor-Beta    disconnected since T+60s    v1 10.0.0.20    b1  CONNECTION_LOST
 * 2 gateway-01     connected    since T+120s   v2 192.168.1.2  g2  MQTT_KEEP_ALIVE_TIMEOUT, 2 sessions
 * 3 gateway-02     connected    since T+5s     v1 2001:db8::1  g3  1 duplicate
 * 4 sensor-gamma   unknown      (connect failed)
 * 5 sensor-delta-long-name-000001 disconnected since T+9s v3 10.0.0.4 d1 CLIENT_INITIATED_DISCONNECT
 * 6 sensor-delta-long-name-000002 connected since T+8.5s v3 10.0.0.4 d2
 * 7 =calc          connected    since T+10s    v7 10.0.0.3     e1
 * Clock: T+10min, so nothing is settling or flapping. */
enum { ALPHA, BETA, GW01, GW02, GAMMA, DELTA1, DELTA2, CALC };
#define D1 "sensor-delta-long-name-000001"
#define D2 "sensor-delta-long-name-000002"

static struct fleet *make_fleet(void)
{
	struct fleet_config config;
	fleet_config_defaults(&config);
	struct fleet *f = fleet_create(&config);

	ev(f, EVENT_CONNECTED, "sensor-alpha", T, "s-a1", 1, NULL, "10.0.0.5");
	ev(f, EVENT_CONNECTED, "Sensor-Beta", T + 1000, "b1", 1, NULL, "10.0.0.20");
	ev(f, EVENT_CONNECTED, "gateway-01", T + 2000, "g1", 1, NULL, "192.168.1.1");
	ev(f, EVENT_DISCONNECTED, "gateway-01", T + 3000, "g1", 1, "MQTT_KEEP_ALIVE_TIMEOUT", "192.168.1.1");
	ev(f, EVENT_CONNECTED, "gateway-02", T + 5000, "g3", 1, NULL, "2001:db8::1");
	ev_at(f, EVENT_CONNECTED, "gateway-02", T + 5000, T + 5200, "g3", 1, NULL, "2001:db8::1");
	ev(f, EVENT_CONNECT_FAILED, "sensor-gamma", T + 7000, NULL, -1, "AUTHORIZATION_FAILURE", NULL);
	ev(f, EVENT_CONNECTED, D1, T + 8000, "d1", 3, NULL, "10.0.0.4");
	ev(f, EVENT_CONNECTED, D2, T + 8500, "d2", 3, NULL, "10.0.0.4");
	ev(f, EVENT_DISCONNECTED, D1, T + 9000, "d1", 3, "CLIENT_INITIATED_DISCONNECT", "10.0.0.4");
	ev(f, EVENT_CONNECTED, "=calc", T + 10000, "e1", 7, NULL, "10.0.0.3");
	ev(f, EVENT_DISCONNECTED, "Sensor-Beta", T + 60000, "b1", 1, "CONNECTION_LOST", "10.0.0.20");
	ev(f, EVENT_CONNECTED, "gateway-01", T + 120000, "g2", 2, NULL, "192.168.1.2");
	fleet_set_clock(f, T + 600000);
	return f;
}

static const char *cell(const struct fleet *f, size_t index, enum column_id col)
{
	static char buf[256];
	view_cell_text(f, fleet_thing_at(f, index), col, buf, sizeof buf);
	return buf;
}

static void test_fleet_as_expected(void)
{
	struct fleet *f = make_fleet();
	CHECK_INT(fleet_count(f), 8);
	CHECK_STR(cell(f, GAMMA, COL_CLIENT_ID), "sensor-gamma");
	CHECK_STR(cell(f, CALC, COL_CLIENT_ID), "=calc");
	CHECK_STR(cell(f, ALPHA, COL_STATUS), "connected");
	CHECK_STR(cell(f, BETA, COL_STATUS), "disconnected");
	CHECK_STR(cell(f, GAMMA, COL_STATUS), "unknown");
	CHECK_STR(cell(f, GW01, COL_SINCE), "2026-01-01T00:02:00.000Z");
	CHECK_STR(cell(f, GW01, COL_RECEIVED), "2026-01-01T00:02:00.100Z");
	CHECK_STR(cell(f, GAMMA, COL_SINCE), "");
	CHECK_STR(cell(f, GW01, COL_REASON), "MQTT_KEEP_ALIVE_TIMEOUT");
	CHECK_STR(cell(f, ALPHA, COL_REASON), "");
	CHECK_STR(cell(f, BETA, COL_IP), "10.0.0.20");
	CHECK_STR(cell(f, GW02, COL_IP), "2001:db8::1");
	CHECK_STR(cell(f, GW01, COL_VERSION), "2");
	CHECK_STR(cell(f, GAMMA, COL_VERSION), "");
	CHECK_STR(cell(f, GW01, COL_SESSION_ID), "g2");
	CHECK_STR(cell(f, GW01, COL_SESSIONS), "2");
	CHECK_STR(cell(f, GW01, COL_DISCONNECTS), "1");
	CHECK_STR(cell(f, GW02, COL_DUPLICATES), "1");
	CHECK_STR(cell(f, GAMMA, COL_FAILURES), "1");
	CHECK_STR(cell(f, GAMMA, COL_SESSIONS), "0");
	CHECK_STR(cell(f, ALPHA, COL_FLAGS), "");
	char small[5];
	CHECK_INT(view_cell_text(f, fleet_thing_at(f, GAMMA), COL_CLIENT_ID, small, sizeof small), 4);
	CHECK_STR(small, "sens");
	fleet_destroy(f);
}

static void test_columns(void)
{
	/* Names are CSV headers and filter fields; letters must be unique
	 * (attr.NAME has none: it needs a name). */
	for (int i = 0; i < COL_COUNT; i++) {
		CHECK_INT(view_columns[i].id, i);
		CHECK(view_column_by_name(view_columns[i].name) == &view_columns[i]);
		CHECK((view_columns[i].sort_key == 0) == (i == COL_ATTR));
		for (int j = i + 1; j < COL_COUNT; j++) {
			CHECK(view_columns[i].sort_key != view_columns[j].sort_key);
			CHECK(strcmp(view_columns[i].name, view_columns[j].name) != 0);
		}
	}
	CHECK(view_column_by_name("reason") == &view_columns[COL_REASON]);
	CHECK(view_column_by_name("STATUS") == &view_columns[COL_STATUS]);
	CHECK(view_column_by_name("nope") == NULL);
	CHECK_STR(view_column_suggest("stauts"), "status");
	CHECK_STR(view_column_suggest("versoin"), "version");
	CHECK_STR(view_column_suggest("clientid"), "client_id");
	CHECK(view_column_suggest("zzzzzzzz") == NULL);

	/* The accessor help and the man page list from; numeric columns are
	 * exactly the NUMBER and TIME ones. */
	CHECK_INT(view_column_count(), COL_COUNT);
	CHECK(view_column_at(COL_COUNT) == NULL);
	for (size_t i = 0; i < view_column_count(); i++) {
		const struct column *c = view_column_at(i);
		CHECK(c == &view_columns[i]);
		CHECK(c->description && c->description[0]);
		CHECK(c->cell != NULL);
		CHECK(c->numeric == (c->type == COLUMN_NUMBER || c->type == COLUMN_TIME));
		CHECK(strstr(view_column_names(), c->name) != NULL);
	}
	CHECK(strstr(view_column_names(), "attr.NAME") != NULL);
	CHECK(strstr(view_column_names(), "connect_failures, flags") != NULL);
}

/* Count of matches and a bitmask of which things matched. */
static unsigned match_mask(const struct fleet *f, const char *expr)
{
	char *cause = NULL;
	struct filter *filter = filter_parse(expr, &cause);
	unsigned mask = 0;

	if (!filter) {
		fprintf(stderr, "  filter \"%s\": %s\n", expr, cause);
		free(cause);
		return 0xdead;
	}
	for (size_t i = 0; i < fleet_count(f); i++)
		if (filter_match(filter, f, fleet_thing_at(f, i)))
			mask |= 1u << i;
	filter_destroy(filter);
	return mask;
}

#define B(x) (1u << (x))

static void test_filter_semantics(void)
{
	struct fleet *f = make_fleet();
	CHECK_INT(match_mask(f, ""), 0xff);
	CHECK_INT(match_mask(f, "   "), 0xff);
	CHECK_INT(match_mask(f, "status:connected"), B(ALPHA) | B(GW01) | B(GW02) | B(DELTA2) | B(CALC));
	CHECK_INT(match_mask(f, "status:DISCONNECTED"), B(BETA) | B(DELTA1));
	CHECK_INT(match_mask(f, "status:unknown"), B(GAMMA));
	CHECK_INT(match_mask(f, "reason:connection_lost"), B(BETA));
	CHECK_INT(match_mask(f, "last_reason:\"CONNECTION_LOST\""), B(BETA));
	CHECK_INT(match_mask(f, "reason:"), B(ALPHA) | B(GW02) | B(GAMMA) | B(DELTA2) | B(CALC));
	/* Bare words: client id substring, case-insensitive. */
	CHECK_INT(match_mask(f, "sensor"), B(ALPHA) | B(BETA) | B(GAMMA) | B(DELTA1) | B(DELTA2));
	CHECK_INT(match_mask(f, "SENSOR-B"), B(BETA));
	CHECK_INT(match_mask(f, "!sensor"), B(GW01) | B(GW02) | B(CALC));
	CHECK_INT(match_mask(f, "\"long-name-000001\""), B(DELTA1));
	CHECK_INT(match_mask(f, "sensor status:connected"), B(ALPHA) | B(DELTA2));
	CHECK_INT(match_mask(f, "sensor !status:connected"), B(BETA) | B(GAMMA) | B(DELTA1));
	CHECK_INT(match_mask(f, "client_id:Sensor-Beta"), B(BETA));
	CHECK_INT(match_mask(f, "client_id:sensor-beta"), 0);   /* exact for client ids */
	/* Regex: extended, case-insensitive, a search. */
	CHECK_INT(match_mask(f, "client_id~^gate"), B(GW01) | B(GW02));
	CHECK_INT(match_mask(f, "client_id~^SENSOR-(alpha|beta)$"), B(ALPHA) | B(BETA));
	CHECK_INT(match_mask(f, "ip~^10\\.0\\.0\\.[0-9]$"), B(ALPHA) | B(DELTA1) | B(DELTA2) | B(CALC));
	CHECK_INT(match_mask(f, "!reason~lost|timeout"), ~(B(BETA) | B(GW01)) & 0xff);
	CHECK_INT(match_mask(f, "ip:10.0.0.4"), B(DELTA1) | B(DELTA2));
	CHECK_INT(match_mask(f, "session_id:g2"), B(GW01));
	CHECK_INT(match_mask(f, "version:"), B(GAMMA));
	CHECK_INT(match_mask(f, "flags:"), 0xff);
	CHECK_INT(match_mask(f, "flags:flapping"), 0);
	/* Numbers. */
	CHECK_INT(match_mask(f, "sessions>1"), B(GW01));
	CHECK_INT(match_mask(f, "sessions>=1"), 0xff & ~B(GAMMA));
	CHECK_INT(match_mask(f, "disconnects>0"), B(BETA) | B(GW01) | B(DELTA1));
	CHECK_INT(match_mask(f, "duplicates>=1"), B(GW02));
	CHECK_INT(match_mask(f, "failures>0"), B(GAMMA));
	CHECK_INT(match_mask(f, "version>2"), B(DELTA1) | B(DELTA2) | B(CALC));
	CHECK_INT(match_mask(f, "version<2"), B(ALPHA) | B(BETA) | B(GW02)); /* no version: no match */
	CHECK_INT(match_mask(f, "version<=2 version>=2"), B(GW01));
	/* since compares the age at the fleet clock (T+600s): alpha 600 s,
	 * beta 540, gw01 480, gw02 595, delta1 591, delta2 591.5, calc 590. */
	CHECK_INT(match_mask(f, "since>595s"), B(ALPHA));
	CHECK_INT(match_mask(f, "since>590s"), B(ALPHA) | B(GW02) | B(DELTA1) | B(DELTA2));
	CHECK_INT(match_mask(f, "since>=590s"), B(ALPHA) | B(GW02) | B(DELTA1) | B(DELTA2) | B(CALC));
	CHECK_INT(match_mask(f, "since<9m"), B(GW01));
	CHECK_INT(match_mask(f, "since<=9m"), B(GW01) | B(BETA));
	CHECK_INT(match_mask(f, "since>10m"), 0);
	CHECK_INT(match_mask(f, "!since>1m"), B(GAMMA)); /* never had a status */
	CHECK_INT(match_mask(f, "received>591s"), B(ALPHA) | B(GW02) | B(DELTA2)); /* received = ts + 100 ms */
	fleet_destroy(f);
}

static void test_filter_ids(void)
{
	struct fleet *f = make_fleet();
	struct filter *filter = filter_parse("sensor", NULL);
	uint32_t *ids = xmalloc(3 * sizeof *ids);
	/* Thing ids are index + 1: Sensor-Beta 2, gateway-02 4, =calc 8. */
	ids[0] = 2;
	ids[1] = 4;
	ids[2] = 8;
	filter_set_ids(filter, ids, 3);
	CHECK(!filter_is_empty(filter));
	unsigned mask = 0;
	for (size_t i = 0; i < fleet_count(f); i++)
		if (filter_match(filter, f, fleet_thing_at(f, i)))
			mask |= 1u << i;
	CHECK_INT(mask, B(BETA));
	filter_destroy(filter);

	struct view *view = view_create();
	ids = xmalloc(2 * sizeof *ids);
	ids[0] = 4;
	ids[1] = 8;
	filter_set_ids(view_filter(view), ids, 2);
	view_refresh(view, f);
	CHECK_INT(view_count(view), 2);
	CHECK_INT(view_row(view, 0), CALC);  /* both connected: "=calc" < "gateway-02" */
	CHECK_INT(view_row(view, 1), GW02);
	filter_set_ids(view_filter(view), NULL, 0);
	view_refresh(view, f);
	CHECK_INT(view_count(view), 8);
	view_destroy(view);
	fleet_destroy(f);
}

static void check_error(const char *expr, const char *want)
{
	char *cause = NULL;
	struct filter *filter = filter_parse(expr, &cause);
	CHECK(filter == NULL);
	CHECK_STR(cause, want);
	filter_destroy(filter);
	free(cause);
}

static void test_filter_errors(void)
{
	check_error("sensor stauts:connected", "column 8: unknown field \"stauts\" (did you mean \"status\"?)");
	/* Columns count characters: "résumé " is 7 of them in 9 bytes. */
	check_error("r\xc3\xa9sum\xc3\xa9 stauts:x", "column 8: unknown field \"stauts\" (did you mean \"status\"?)");
	check_error("!versoin>1", "column 2: unknown field \"versoin\" (did you mean \"version\"?)");
	check_error("status:online",
	            "column 8: unknown status \"online\" (valid: connected, disconnected, unknown)");
	check_error("status:", "column 8: unknown status \"\" (valid: connected, disconnected, unknown)");
	check_error("client_id>3", "column 1: client_id is not numeric: use client_id:value or client_id~regex");
	check_error("x sessions>abc", "column 12: sessions takes a number, not \"abc\"");
	check_error("since>10q", "column 7: since takes a duration like 30s, 10m, 2h or 1d, not \"10q\"");
	check_error("a \"bc", "column 3: unterminated quote");
	check_error("reason:\"abc\\\"", "column 8: unterminated quote");
	check_error("a !", "column 3: '!' needs a term after it");
	check_error("flags:weird",
	            "column 7: unknown flag \"weird\" (valid: settling, flapping, uncertain, or empty for none)");
}

static void test_filter_errors_more(void)
{
	char *cause = NULL;
	struct filter *filter = filter_parse("ok client_id~(", &cause);
	CHECK(filter == NULL);
	CHECK(cause && strncmp(cause, "column 14: bad regex \"(\": ", 26) == 0);
	free(cause);
	cause = NULL;
	filter = filter_parse("zzzzzzzz:1", &cause);
	CHECK(filter == NULL);
	CHECK(cause && strncmp(cause, "column 1: unknown field \"zzzzzzzz\" (fields: status, client_id,", 62) == 0);
	free(cause);
	cause = NULL;
	filter = filter_parse("client_id~(a)\\1", &cause);
	CHECK(filter == NULL);
	CHECK_STR(cause, "column 11: bad regex: back-references are not supported");
	free(cause);
	/* A control character in an echoed value is shown escaped. */
	cause = NULL;
	filter = filter_parse("status:\x1b[2J", &cause);
	CHECK(filter == NULL);
	CHECK(cause && strstr(cause, "\"\\e[2J\"") && !strchr(cause, 0x1b));
	free(cause);
	/* Quoted values with escapes, and words that only look like fields. */
	filter = filter_parse("\"a \\\"b\\\\\" x-y:z 123:4", &cause);
	CHECK(filter != NULL);
	filter_destroy(filter);
}

static const char *order(struct view *view)
{
	static char buf[64];
	size_t n = view_count(view), len = 0;
	for (size_t r = 0; r < n && len + 2 < sizeof buf; r++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%u", (unsigned)view_row(view, r));
	buf[len] = '\0';
	return buf;
}

static const char *sorted(struct view *view, const struct fleet *f, const char *spec)
{
	char *cause = NULL;
	if (!view_set_sort(view, spec, &cause)) {
		fprintf(stderr, "  sort \"%s\": %s\n", spec, cause);
		free(cause);
		return "error";
	}
	view_refresh(view, f);
	return order(view);
}

static void test_sort_columns(void)
{
	struct fleet *f = make_fleet();
	struct view *view = view_create();

	/* Index digits: 0 alpha 1 Beta 2 gw01 3 gw02 4 gamma 5 delta1 6 delta2 7 =calc.
	 * Client ids fold case: "=calc" < "gateway-0*" < "sensor-alpha" <
	 * "Sensor-Beta" < "sensor-delta-*" < "sensor-gamma". */
	CHECK_STR(sorted(view, f, ""), "47230615");            /* unknown, connected, disconnected */
	CHECK_STR(sorted(view, f, "status"), "47230615");
	CHECK_STR(sorted(view, f, "-status"), "15723064");
	CHECK_STR(sorted(view, f, "client_id"), "72301564");
	CHECK_STR(sorted(view, f, "-client_id"), "46510327");
	CHECK_STR(sorted(view, f, "since"), "40365712");        /* by time; never = oldest */
	CHECK_STR(sorted(view, f, "-since"), "21756304");
	CHECK_STR(sorted(view, f, "since_received"), "40365712");
	CHECK_STR(sorted(view, f, "last_reason"), "73064512"); /* "" first, then C-I-D, C-L, M-K-A-T */
	CHECK_STR(sorted(view, f, "-last_reason"), "21573064");
	/* IPs numerically: none, 10.0.0.3, .4 .4, .5, .20, 192.168.1.2, then IPv6. */
	CHECK_STR(sorted(view, f, "ip"), "47560123");
	CHECK_STR(sorted(view, f, "-ip"), "32105674");
	CHECK_STR(sorted(view, f, "version"), "43012567");      /* none, 1 1 1, 2, 3 3, 7 */
	CHECK_STR(sorted(view, f, "-version"), "75623014");
	CHECK_STR(sorted(view, f, "session_id"), "41567230");   /* "", b1 d1 d2 e1 g2 g3 s-a1 */
	CHECK_STR(sorted(view, f, "-session_id"), "03276514");
	CHECK_STR(sorted(view, f, "-sessions"), "27301564");
	CHECK_STR(sorted(view, f, "sessions"), "47301562");
	CHECK_STR(sorted(view, f, "-disconnects"), "21573064");
	CHECK_STR(sorted(view, f, "disconnects"), "73064215");
	CHECK_STR(sorted(view, f, "-duplicates"), "37201564");
	CHECK_STR(sorted(view, f, "-connect_failures"), "47230156");
	CHECK_STR(sorted(view, f, "flags"), "72301564");        /* all equal: client id decides */
	/* Several keys. */
	CHECK_STR(sorted(view, f, "-disconnects,-since"), "21576304");
	CHECK_STR(sorted(view, f, "status,-version"), "47623051");
	CHECK_STR(sorted(view, f, "-status, since"), "51036724");
	CHECK_STR(sorted(view, f, "ip,-client_id"), "47650123");
	view_destroy(view);
	fleet_destroy(f);
}

static void test_sort_parse(void)
{
	struct sort_spec spec;
	char buf[128], *cause = NULL;

	CHECK(sort_parse("", &spec, NULL));
	CHECK_INT(spec.count, 2);
	CHECK_INT(spec.keys[0].column, COL_STATUS);
	CHECK_INT(spec.keys[1].column, COL_CLIENT_ID);
	CHECK(sort_parse("status,-since", &spec, NULL));
	sort_format(&spec, buf, sizeof buf);
	CHECK_STR(buf, "status,-since");
	CHECK(sort_parse("+reason, -failures,ip", &spec, NULL));
	sort_format(&spec, buf, sizeof buf);
	CHECK_STR(buf, "last_reason,-connect_failures,ip");
	CHECK(!sort_parse("status,stauts", &spec, &cause));
	CHECK_STR(cause, "column 8: unknown column \"stauts\" (did you mean \"status\"?)");
	free(cause);
	cause = NULL;
	CHECK(!sort_parse("status,,ip", &spec, &cause));
	CHECK_STR(cause, "column 8: expected a column name");
	free(cause);
	cause = NULL;
	CHECK(!sort_parse("ip,-ip", &spec, &cause));
	CHECK_STR(cause, "column 4: ip is already a sort key");
	free(cause);
	cause = NULL;
	CHECK(!sort_parse("ip,since,status,version,sessions", &spec, &cause));
	CHECK_STR(cause, "column 25: at most 4 sort keys");
	free(cause);
	cause = NULL;
	CHECK(!sort_parse("ip since", &spec, &cause));
	CHECK_STR(cause, "column 4: expected ',' between sort keys");
	free(cause);

	/* A bad spec or filter leaves the view's setting alone. */
	struct view *view = view_create();
	CHECK(view_set_sort(view, "-ip", NULL));
	cause = NULL;
	CHECK(!view_set_sort(view, "nonsense", &cause));
	free(cause);
	sort_format(view_sort(view), buf, sizeof buf);
	CHECK_STR(buf, "-ip");
	CHECK(view_set_filter(view, "status:connected", NULL));
	cause = NULL;
	CHECK(!view_set_filter(view, "status:bogus", &cause));
	free(cause);
	CHECK_STR(view_filter_text(view), "status:connected");
	view_destroy(view);
}

static void test_view_find(void)
{
	struct fleet *f = make_fleet();
	struct view *view = view_create();

	view_refresh(view, f); /* "47230615" */
	CHECK_INT(view_count(view), 8);
	CHECK_INT(view_find(view, GAMMA), 0);
	CHECK_INT(view_find(view, CALC), 1);
	CHECK_INT(view_find(view, BETA), 6);
	CHECK_INT(view_find(view, DELTA1), 7);
	CHECK(view_find(view, 8) == (size_t)-1);
	CHECK(view_set_filter(view, "status:connected", NULL));
	view_refresh(view, f); /* "72306" */
	CHECK_INT(view_count(view), 5);
	CHECK_STR(order(view), "72306");
	CHECK(view_find(view, GAMMA) == (size_t)-1);
	CHECK(view_find(view, BETA) == (size_t)-1);
	CHECK_INT(view_find(view, ALPHA), 3);
	CHECK_INT(view_find(view, DELTA2), 4);
	CHECK(view_row(view, 5) == UINT32_MAX);
	view_destroy(view);
	fleet_destroy(f);
}

/* An export's one refresh sorts only the matches: the rows are those of
 * a refresh that keeps the whole client order, for every filter and sort. */
static void test_refresh_once(void)
{
	struct fleet *f = make_fleet();
	static const char *const filters[] = { "status:connected", "status:disconnected",
	                                       "client_id~a", "reason:CONNECTION_LOST", "" };
	static const char *const sorts[] = { "client_id", "-client_id", "status", "-since",
	                                     "session_id", "ip,-client_id", "reason,since" };
	for (size_t i = 0; i < sizeof filters / sizeof *filters; i++) {
		for (size_t k = 0; k < sizeof sorts / sizeof *sorts; k++) {
			struct view *kept = view_create(), *once = view_create();
			CHECK(view_set_filter(kept, filters[i], NULL) && view_set_filter(once, filters[i], NULL));
			CHECK(view_set_sort(kept, sorts[k], NULL) && view_set_sort(once, sorts[k], NULL));
			view_refresh(kept, f);
			view_refresh_once(once, f);
			char want[64];
			snprintf(want, sizeof want, "%s", order(kept));
			if (strcmp(order(once), want) != 0)
				fprintf(stderr, "  filter \"%s\" sort \"%s\": %s, not %s\n", filters[i],
				        sorts[k], order(once), want);
			CHECK_STR(order(once), want);
			CHECK(view_count(once) > 0);
			view_destroy(kept);
			view_destroy(once);
		}
	}
	fleet_destroy(f);
}

/* Settling and flapping depend on the fleet clock. */
static void test_flags(void)
{
	struct fleet_config config;
	fleet_config_defaults(&config);
	struct fleet *f = fleet_create(&config);
	char sid[8];

	ev(f, EVENT_CONNECTED, "steady", T, "st", 1, NULL, NULL);
	/* Six sessions within a minute: more than five in ten minutes. */
	for (int i = 0; i < 6; i++) {
		snprintf(sid, sizeof sid, "f%d", i);
		ev(f, EVENT_CONNECTED, "flappy", T + 10000 * i, sid, i + 1, NULL, NULL);
		ev(f, EVENT_DISCONNECTED, "flappy", T + 10000 * i + 5000, sid, i + 1, "CONNECTION_LOST", NULL);
	}
	ev(f, EVENT_CONNECTED, "fresh", T + 55000, "fr", 1, NULL, NULL);
	/* Clock T+55.1s: fresh (0.1 s) and flappy (last event 0.1 s ago) settle. */
	CHECK_STR(cell(f, 0, COL_FLAGS), "");
	CHECK_STR(cell(f, 1, COL_FLAGS), "settling|flapping");
	CHECK_STR(cell(f, 2, COL_FLAGS), "settling");
	CHECK_INT(match_mask(f, "flags:settling"), B(1) | B(2));
	CHECK_INT(match_mask(f, "flags:FLAPPING"), B(1));
	CHECK_INT(match_mask(f, "flags:"), B(0));

	struct view *view = view_create();
	CHECK(view_set_sort(view, "-flags", NULL));
	view_refresh(view, f);
	CHECK_STR(order(view), "120");   /* flapping outweighs settling */
	fleet_set_clock(f, T + 120000);
	CHECK_STR(cell(f, 1, COL_FLAGS), "flapping");
	CHECK_STR(cell(f, 2, COL_FLAGS), "");
	view_refresh(view, f);
	CHECK_STR(order(view), "120");   /* 1 flapping, then "fresh" < "steady" */
	CHECK(view_set_sort(view, "flags", NULL));
	view_refresh(view, f);
	CHECK_STR(order(view), "201");
	view_destroy(view);
	fleet_destroy(f);
}

/* Many things with long shared prefixes, so runs of equal keys go through
 * the radix levels: each consecutive pair must be in order by a plain
 * comparison written from the spec. */
static int ref_cmp(const struct fleet *f, const struct fleet_thing *a, const struct fleet_thing *b,
                   enum column_id col)
{
	int64_t x, y;
	switch (col) {
	case COL_STATUS: x = a->status; y = b->status; break;
	case COL_SINCE: x = a->since_ms; y = b->since_ms; break;
	case COL_VERSION: x = fleet_thing_version(a); y = fleet_thing_version(b); break;
	case COL_SESSIONS: x = a->sessions; y = b->sessions; break;
	case COL_DISCONNECTS: x = a->disconnects; y = b->disconnects; break;
	case COL_REASON:
		return strcasecmp(fleet_reason_name(f, a->last_reason), fleet_reason_name(f, b->last_reason));
	case COL_SESSION_ID:
	{
		char sa[FLEET_SESSION_ID_BUF], sb[FLEET_SESSION_ID_BUF];
		return strcasecmp(fleet_thing_session_id(f, a, sa), fleet_thing_session_id(f, b, sb));
	}
	default:
		return strcasecmp(a->client_id, b->client_id);
	}
	return x < y ? -1 : x > y;
}

static void test_sort_many(void)
{
	struct fleet_config config;
	fleet_config_defaults(&config);
	struct fleet *f = fleet_create(&config);
	char cid[64], sid[16];
	unsigned r = 12345;
	const char *reasons[] = {"CONNECTION_LOST", "MQTT_KEEP_ALIVE_TIMEOUT", "SERVER_ERROR", "Custom"};

	for (int i = 0; i < 3000; i++) {
		r = r * 1103515245u + 12345u;
		unsigned v = r >> 8;
		/* Case and long shared prefixes vary; some ids differ only in case. */
		snprintf(cid, sizeof cid, "%s-plant-%02u-line-%04u", v % 3 ? "sensor" : "SENSOR", v % 7, v % 1000);
		snprintf(sid, sizeof sid, "s%u", v % 50);
		ev(f, EVENT_CONNECTED, cid, T + (int64_t)(v % 5000) * 1000, sid, v % 9, NULL, NULL);
		if (v % 4 == 0)
			ev(f, EVENT_DISCONNECTED, cid, T + (int64_t)(v % 5000) * 1000 + 500, sid, v % 9,
			   reasons[v % 4 == 0 ? (v / 4) % 4 : 0], NULL);
	}
	struct view *view = view_create();
	const enum column_id cols[] = {COL_STATUS, COL_CLIENT_ID, COL_SINCE, COL_REASON, COL_VERSION,
	                               COL_SESSION_ID, COL_SESSIONS, COL_DISCONNECTS};
	for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
		for (int dir = -1; dir <= 1; dir += 2) {
			struct sort_spec spec = {.count = 1};
			spec.keys[0].column = cols[c];
			spec.keys[0].direction = dir;
			view_set_sort_spec(view, &spec);
			view_refresh(view, f);
			CHECK_INT(view_count(view), fleet_count(f));
			int bad = 0;
			for (size_t i = 1; i < view_count(view); i++) {
				const struct fleet_thing *a = fleet_thing_at(f, view_row(view, i - 1));
				const struct fleet_thing *b = fleet_thing_at(f, view_row(view, i));
				int d = ref_cmp(f, a, b, cols[c]) * dir;
				if (d == 0 && cols[c] != COL_CLIENT_ID)
					d = strcasecmp(a->client_id, b->client_id);
				/* -client_id is exactly client_id reversed, raw tie-break included. */
				if (d == 0)
					d = strcmp(a->client_id, b->client_id) * (cols[c] == COL_CLIENT_ID ? dir : 1);
				if (d >= 0)
					bad++;
			}
			CHECK_INT(bad, 0);
			if (bad)
				fprintf(stderr, "  column %d direction %d\n", cols[c], dir);
			/* view_find agrees with view_row everywhere. */
			int lost = 0;
			for (size_t i = 0; i < view_count(view); i++)
				if (view_find(view, view_row(view, i)) != i)
					lost++;
			CHECK_INT(lost, 0);
		}
	}

	/* New things are merged into the kept client order. */
	for (int i = 0; i < 500; i++) {
		r = r * 1103515245u + 12345u;
		snprintf(cid, sizeof cid, "%s-plant-%02u-new-%04u", r % 2 ? "Sensor" : "sensor", (r >> 8) % 7, i);
		ev(f, EVENT_CONNECTED, cid, T, "n", 1, NULL, NULL);
	}
	CHECK(view_set_sort(view, "client_id", NULL));
	view_refresh(view, f);
	CHECK_INT(view_count(view), fleet_count(f));
	int bad = 0;
	for (size_t i = 1; i < view_count(view); i++) {
		const char *a = fleet_thing_at(f, view_row(view, i - 1))->client_id;
		const char *b = fleet_thing_at(f, view_row(view, i))->client_id;
		int d = strcasecmp(a, b);
		if (d > 0 || (d == 0 && strcmp(a, b) >= 0))
			bad++;
	}
	CHECK_INT(bad, 0);
	fleet_destroy(f);

	/* Another fleet in the same view: the kept order is not reused. */
	f = make_fleet();
	view_refresh(view, f);
	CHECK_STR(order(view), "72301564");
	view_destroy(view);
	fleet_destroy(f);
}

static const char *header =
	"status,client_id,since,last_reason,ip,version,session_id,sessions,disconnects,"
	"duplicates,connect_failures,flags,since_received\n";

static void test_export(void)
{
	struct fleet *f = make_fleet();
	struct view *view = view_create();
	char *data = NULL, *cause = NULL;
	size_t size = 0;

	CHECK(view_set_filter(view, "client_id~^(gateway|=calc)", NULL));
	CHECK(view_set_sort(view, "-since", NULL));
	view_refresh(view, f);
	FILE *out = open_memstream(&data, &size);
	export_view_csv(view, f, out);
	fclose(out);
	char want[2048];
	snprintf(want, sizeof want, "%s%s%s%s", header,
	         "connected,gateway-01,2026-01-01T00:02:00.000Z,MQTT_KEEP_ALIVE_TIMEOUT,192.168.1.2,2,g2,2,1,0,0,,"
	         "2026-01-01T00:02:00.100Z\n",
	         "connected,\"'=calc\",2026-01-01T00:00:10.000Z,,10.0.0.3,7,e1,1,0,0,0,,"
	         "2026-01-01T00:00:10.100Z\n",
	         "connected,gateway-02,2026-01-01T00:00:05.000Z,,2001:db8::1,1,g3,1,0,1,0,,"
	         "2026-01-01T00:00:05.100Z\n");
	CHECK_STR(data, want);

	/* The file variant writes the same bytes, atomically. */
	char dir[] = "/tmp/thingtop-view-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char *path = xasprintf("%s/out.csv", dir);
	CHECK(export_view_csv_file(view, f, path, &cause));
	FILE *in = fopen(path, "r");
	char back[2048] = "";
	size_t n = in ? fread(back, 1, sizeof back - 1, in) : 0;
	back[n] = '\0';
	if (in)
		fclose(in);
	CHECK_STR(back, want);
	char *tmp = xasprintf("%s.tmp", path);
	CHECK(access(tmp, F_OK) != 0);
	unlink(path);
	free(tmp);
	free(path);

	/* Errors name the path. */
	path = xasprintf("%s/missing/out.csv", dir);
	CHECK(!export_view_csv_file(view, f, path, &cause));
	CHECK(cause && strstr(cause, "/missing/out.csv") != NULL);
	free(cause);
	free(path);
	rmdir(dir);

	/* An empty view is just the header. */
	CHECK(view_set_filter(view, "nothing-matches-this", NULL));
	view_refresh(view, f);
	free(data);
	data = NULL;
	out = open_memstream(&data, &size);
	export_view_csv(view, f, out);
	fclose(out);
	CHECK_STR(data, header);
	free(data);
	view_destroy(view);
	fleet_destroy(f);
}

/* One view over a fleet that is replaced by another (a replay jumping
 * back rebuilds it, maybe at the same address): the client order must be
 * the new fleet's, not a stale one. */
static void test_new_fleet_same_view(void)
{
	struct view *view = view_create();
	struct fleet *a = fleet_create(NULL);
	ev(a, EVENT_CONNECTED, "m", 1000, "1", 1, NULL, NULL);
	ev(a, EVENT_CONNECTED, "b", 1000, "1", 1, NULL, NULL);
	ev(a, EVENT_CONNECTED, "x", 1000, "1", 1, NULL, NULL);
	CHECK_STR(sorted(view, a, "client_id"), "102"); /* b, m, x */
	fleet_destroy(a);
	struct fleet *b = fleet_create(NULL);
	ev(b, EVENT_CONNECTED, "z", 1000, "1", 1, NULL, NULL);
	ev(b, EVENT_CONNECTED, "y", 1000, "1", 1, NULL, NULL);
	ev(b, EVENT_CONNECTED, "a", 1000, "1", 1, NULL, NULL);
	CHECK_STR(sorted(view, b, "client_id"), "210"); /* a, y, z */
	CHECK(fleet_identity(b) != 0);
	fleet_destroy(b);
	view_destroy(view);
}

int main(void)
{
	RUN(test_fleet_as_expected);
	RUN(test_columns);
	RUN(test_filter_semantics);
	RUN(test_filter_ids);
	RUN(test_filter_errors);
	RUN(test_filter_errors_more);
	RUN(test_sort_parse);
	RUN(test_sort_columns);
	RUN(test_view_find);
	RUN(test_refresh_once);
	RUN(test_flags);
	RUN(test_sort_many);
	RUN(test_export);
	RUN(test_new_fleet_same_view);
	return check_summary();
}
