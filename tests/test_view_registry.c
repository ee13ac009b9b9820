/* Registry columns (thing_type, groups, attr.NAME) from `thingtop sync`
 * baselines in the filter language, the sort spec and the CSV export.
 * (test_view.c holds the other columns and is already long.) */
#include "build_config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "export.h"
#include "fleet.h"
#include "view.h"

#define T0 INT64_C(1767225600000)

static uint64_t seq;

static void baseline(struct fleet *f, const char *client, const char *payload)
{
	struct fleet_event e = {
		.type = EVENT_BASELINE, .client_id = client, .timestamp_ms = T0, .received_ms = T0,
		.reason = "NONE", .seq = ++seq, .payload = payload, .payload_len = strlen(payload),
	};
	fleet_apply(f, &e, NULL);
}

static struct fleet *registry_fleet(void)
{
	struct fleet *f = fleet_create(NULL);
	baseline(f, "press-7", "{\"thingTypeName\":\"press\",\"thingGroupNames\":[\"plant-3\",\"line-1\"],"
	                       "\"attributes\":{\"site\":\"berlin\",\"fw\":\"4.2.1\"}}");
	baseline(f, "robot-2", "{\"thingTypeName\":\"robot\",\"thingGroupNames\":[\"line-12\"],"
	                       "\"attributes\":{\"site\":\"lyon\",\"serial.no\":\"R-9\"}}");
	baseline(f, "press-9", "{\"thingTypeName\":\"press\",\"attributes\":{\"site\":\"aachen\"}}");
	struct fleet_event e = { .type = EVENT_CONNECTED, .client_id = "bare", .timestamp_ms = T0,
	                         .received_ms = T0, .session_id = "s", .seq = ++seq };
	fleet_apply(f, &e, NULL);
	return f;
}

/* The client ids of the view's rows, joined by ' '. */
static const char *rows(struct view *view, const struct fleet *f)
{
	static char out[256];
	out[0] = '\0';
	view_refresh(view, f);
	for (size_t r = 0; r < view_count(view); r++) {
		if (r)
			strcat(out, " ");
		strcat(out, fleet_thing_at(f, view_row(view, r))->client_id);
	}
	return out;
}

static const char *filtered(struct view *view, const struct fleet *f, const char *expr)
{
	char *cause = NULL;
	if (!view_set_filter(view, expr, &cause)) {
		fprintf(stderr, "   %s: %s\n", expr, cause);
		free(cause);
		return "(error)";
	}
	return rows(view, f);
}

static void test_filter(void)
{
	struct fleet *f = registry_fleet();
	struct view *v = view_create();
	CHECK_STR(filtered(v, f, "attr.site:berlin"), "press-7");
	CHECK_STR(filtered(v, f, "thing_type:press"), "press-7 press-9");
	CHECK_STR(filtered(v, f, "groups~line-1"), "press-7 robot-2");
	CHECK_STR(filtered(v, f, "groups~(^|,)line-1(,|$)"), "press-7");
	CHECK_STR(filtered(v, f, "!attr.site:berlin"), "bare press-9 robot-2");
	CHECK_STR(filtered(v, f, "attr.serial.no:R-9"), "robot-2");
	CHECK_STR(filtered(v, f, "attr.nothing:x"), "");
	CHECK_STR(filtered(v, f, "thing_type:"), "bare");
	char *cause = NULL;
	CHECK(!view_set_filter(v, "attr.site>3", &cause));
	CHECK(cause && strstr(cause, "attr.site is not numeric"));
	free(cause);
	cause = NULL;
	CHECK(!view_set_filter(v, "attr.:x", &cause));
	free(cause);
	cause = NULL;
	CHECK(!view_set_filter(v, "thing_typ:press", &cause));
	CHECK(cause && strstr(cause, "did you mean \"thing_type\""));
	free(cause);
	view_destroy(v);
	fleet_destroy(f);
}

static void test_sort(void)
{
	struct fleet *f = registry_fleet();
	struct view *v = view_create();
	char *cause = NULL, buf[128];
	CHECK(view_set_sort(v, "attr.site", &cause));
	CHECK_STR(rows(v, f), "bare press-9 press-7 robot-2");
	CHECK(view_set_sort(v, "-thing_type,attr.site", &cause));
	CHECK_STR(rows(v, f), "robot-2 press-9 press-7 bare");
	sort_format(view_sort(v), buf, sizeof buf);
	CHECK_STR(buf, "-thing_type,attr.site");
	CHECK(view_set_sort(v, "groups,client_id", &cause));
	CHECK_STR(rows(v, f), "bare press-9 robot-2 press-7");
	CHECK(!view_set_sort(v, "attr.site,attr.site", &cause));
	CHECK(cause && strstr(cause, "already a sort key"));
	free(cause);
	cause = NULL;
	CHECK(view_set_sort(v, "attr.site,attr.fw", &cause));
	view_destroy(v);
	fleet_destroy(f);
}

static void test_column_list(void)
{
	struct column_ref refs[4];
	char *cause = NULL, name[64];
	CHECK_INT(view_column_list("client_id,thing_type,attr.site,reason", refs, 4, &cause), 4);
	CHECK_INT(refs[1].id, COL_THING_TYPE);
	CHECK_INT(refs[2].id, COL_ATTR);
	CHECK_STR(refs[2].attr, "site");
	view_column_ref_name(&refs[3], name, sizeof name);
	CHECK_STR(name, "last_reason");
	CHECK_INT(view_column_list("status,attr", refs, 4, &cause), -1);
	CHECK(cause && strstr(cause, "entry 2: unknown column \"attr\""));
	free(cause);
	cause = NULL;
	CHECK_INT(view_column_list("a,b,c,d,e", refs, 4, &cause), -1);
	free(cause);
	cause = NULL;
	CHECK_INT(view_column_list("status,,ip", refs, 4, &cause), -1);
	CHECK(cause && strstr(cause, "entry 2: empty"));
	free(cause);
}

static void test_export(void)
{
	struct fleet *f = registry_fleet();
	struct view *v = view_create();
	char *cause = NULL;
	CHECK(view_set_sort(v, "client_id", &cause));
	view_refresh(v, f);
	struct column_ref refs[4];
	CHECK_INT(view_column_list("client_id,thing_type,groups,attr.site", refs, 4, &cause), 4);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	export_view_csv_columns(v, f, refs, 4, out);
	fclose(out);
	CHECK_STR(text, "client_id,thing_type,groups,attr.site\n"
	                "bare,,,\n"
	                "press-7,press,\"plant-3,line-1\",berlin\n"
	                "press-9,press,,aachen\n"
	                "robot-2,robot,line-12,lyon\n");
	free(text);
	/* The default columns are the old thirteen. */
	out = open_memstream(&text, &len);
	export_view_csv(v, f, out);
	fclose(out);
	const char *want = "status,client_id,since,last_reason,ip,version,session_id,sessions,"
	                   "disconnects,duplicates,connect_failures,flags,since_received\nconnected,bare,";
	CHECK(strncmp(text, want, strlen(want)) == 0);
	free(text);
	view_destroy(v);
	fleet_destroy(f);
}

int main(void)
{
	RUN(test_filter);
	RUN(test_sort);
	RUN(test_column_list);
	RUN(test_export);
	return check_summary();
}
