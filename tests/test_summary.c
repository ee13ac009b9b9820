/* The summary screen's counts: things per column value, split by status,
 * the groups in trouble first, and the ids a drill-down restricts to. */
#include "build_config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fleet.h"
#include "summary.h"
#include "view.h"

#define T0 INT64_C(1767225600000)

static uint64_t seq;

/* Registry fields only (no connectivity): the events decide the status. */
static void baseline(struct fleet *f, const char *client, const char *payload)
{
	struct fleet_event e = {
		.type = EVENT_BASELINE, .client_id = client, .timestamp_ms = T0, .received_ms = T0,
		.seq = ++seq, .payload = payload, .payload_len = strlen(payload),
	};
	fleet_apply(f, &e, NULL);
}

static void presence(struct fleet *f, const char *client, enum event_type type)
{
	struct fleet_event e = {
		.type = type, .client_id = client, .timestamp_ms = T0 + 60000, .received_ms = T0 + 60000,
		.session_id = "s-1", .reason = type == EVENT_DISCONNECTED ? "CONNECTION_LOST" : NULL,
		.seq = ++seq,
	};
	fleet_apply(f, &e, NULL);
}

/* berlin: a1, a2 down; lyon: a3 up, a4 down; paris: a5 never seen; bare: up,
 * no registry. */
static struct fleet *site_fleet(void)
{
	struct fleet *f = fleet_create(NULL);
	baseline(f, "a1", "{\"thingTypeName\":\"press\",\"thingGroupNames\":[\"g1\",\"g2\"],"
	                  "\"attributes\":{\"site\":\"berlin\"}}");
	baseline(f, "a2", "{\"thingTypeName\":\"robot\",\"thingGroupNames\":[\"g2\"],"
	                  "\"attributes\":{\"site\":\"berlin\"}}");
	baseline(f, "a3", "{\"thingTypeName\":\"press\",\"thingGroupNames\":[\"g1\"],"
	                  "\"attributes\":{\"site\":\"lyon\"}}");
	baseline(f, "a4", "{\"thingTypeName\":\"press\",\"thingGroupNames\":[\"g3\"],"
	                  "\"attributes\":{\"site\":\"lyon\"}}");
	baseline(f, "a5", "{\"thingTypeName\":\"robot\",\"attributes\":{\"site\":\"paris\"}}");
	presence(f, "a1", EVENT_CONNECTED);
	presence(f, "a1", EVENT_DISCONNECTED);
	presence(f, "a2", EVENT_DISCONNECTED);
	presence(f, "a3", EVENT_CONNECTED);
	presence(f, "a4", EVENT_DISCONNECTED);
	presence(f, "bare", EVENT_CONNECTED);
	return f;
}

static struct summary *summarize(struct fleet *f, struct view *v, const char *column)
{
	struct column_ref ref;
	CHECK(view_column_parse(column, &ref) != NULL);
	view_refresh(v, f);
	return summary_build(f, v, &ref);
}

/* "value:connected/disconnected/unknown" for each group, in order. */
static const char *groups_text(const struct summary *s)
{
	static char out[512];
	out[0] = '\0';
	for (size_t i = 0; i < summary_count(s); i++) {
		const struct summary_group *g = summary_group_at(s, i);
		char one[96];
		snprintf(one, sizeof one, "%s%s:%zu/%zu/%zu", i ? " " : "", g->value,
		         g->count[STATUS_CONNECTED], g->count[STATUS_DISCONNECTED],
		         g->count[STATUS_UNKNOWN]);
		strcat(out, one);
	}
	return out;
}

static void test_by_attribute(void)
{
	struct fleet *f = site_fleet();
	struct view *v = view_create();
	struct summary *s = summarize(f, v, "attr.site");
	/* berlin has the most things down; paris's never-seen thing outranks
	 * the healthy rest. */
	CHECK_STR(groups_text(s), "berlin:0/2/0 lyon:1/1/0 paris:0/0/1 :1/0/0");
	CHECK_INT(summary_group_at(s, 0)->total, 2);
	CHECK(summary_group_at(s, summary_count(s)) == NULL);
	summary_destroy(s);
	view_destroy(v);
	fleet_destroy(f);
}

static void test_groups_count_each_membership(void)
{
	struct fleet *f = site_fleet();
	struct view *v = view_create();
	struct summary *s = summarize(f, v, "groups");
	/* g3 and g1 have one thing down each; g3's share (1 of 1) is worse. */
	CHECK_STR(groups_text(s), "g2:0/2/0 g3:0/1/0 g1:1/1/0 :1/0/1");
	uint32_t *ids = NULL;
	size_t n = summary_group_ids(f, v, summary_column(s), "g1", &ids);
	CHECK_INT(n, 2);
	/* a1 and a3, the first and third thing seen */
	CHECK(n == 2 && ids[0] == 1 && ids[1] == 3);
	free(ids);
	/* "g" is not a group of anyone, though it prefixes them all */
	CHECK_INT(summary_group_ids(f, v, summary_column(s), "g", &ids), 0);
	CHECK(ids == NULL);
	summary_destroy(s);
	view_destroy(v);
	fleet_destroy(f);
}

static void test_follows_the_filter(void)
{
	struct fleet *f = site_fleet();
	struct view *v = view_create();
	char *cause = NULL;
	CHECK(view_set_filter(v, "thing_type:press", &cause));
	struct summary *s = summarize(f, v, "status");
	CHECK_STR(groups_text(s), "disconnected:0/2/0 connected:1/0/0");
	summary_destroy(s);
	s = summarize(f, v, "last_reason");
	CHECK_INT(summary_count(s), 2);
	summary_destroy(s);
	view_destroy(v);
	fleet_destroy(f);
}

static void test_empty_view(void)
{
	struct fleet *f = fleet_create(NULL);
	struct view *v = view_create();
	struct summary *s = summarize(f, v, "thing_type");
	CHECK_INT(summary_count(s), 0);
	summary_destroy(s);
	view_destroy(v);
	fleet_destroy(f);
}

int main(void)
{
	RUN(test_by_attribute);
	RUN(test_groups_count_each_membership);
	RUN(test_follows_the_filter);
	RUN(test_empty_view);
	return check_summary();
}
