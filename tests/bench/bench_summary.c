/* Summary screen model benchmark: summary_build over a fleet of things
 * with registry fields (thing type, two groups, a site), per column, and
 * the ids of the largest group (drill-down). CPU time of this thread.
 * Usage: bench_summary [things] (default 1,000,000) */
#include "build_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet.h"
#include "summary.h"
#include "view.h"
#include "xalloc.h"

#define T0 INT64_C(1767225600000)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct fleet *make_fleet(size_t n)
{
	static const char *const types[] = { "press", "robot", "sensor" };
	static const char *const sites[] = { "berlin", "lyon", "porto", "oslo", "riga" };
	struct fleet *f = fleet_create(NULL);
	uint64_t seq = 0;
	for (size_t i = 0; i < n; i++) {
		char id[48], payload[256];
		snprintf(id, sizeof id, "factory-%02zu/sensor-%07zu", i % 97, i);
		int len = snprintf(payload, sizeof payload,
		                   "{\"thingName\":\"%s\",\"thingTypeName\":\"%s\",\"thingGroupNames\":"
		                   "[\"plant-%zu\",\"line-%zu\"],\"attributes\":{\"site\":\"%s\"}}",
		                   id, types[i % 3], i % 4, i % 7, sites[i % 5]);
		struct fleet_event b = {
			.type = EVENT_BASELINE, .client_id = id, .timestamp_ms = T0, .received_ms = T0,
			.seq = ++seq, .payload = payload, .payload_len = (size_t)len,
		};
		fleet_apply(f, &b, NULL);
		struct fleet_event e = {
			.type = i % 6 == 0 ? EVENT_DISCONNECTED : EVENT_CONNECTED, .client_id = id,
			.timestamp_ms = T0 + 60000, .received_ms = T0 + 60000, .session_id = "s-1",
			.reason = i % 6 == 0 ? "CONNECTION_LOST" : NULL, .seq = ++seq,
		};
		fleet_apply(f, &e, NULL);
	}
	return f;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
	struct fleet *f = make_fleet(n);
	struct view *v = view_create();
	view_refresh(v, f);
	static const char *const columns[] = { "attr.site", "thing_type", "groups", "last_reason", "status" };
	for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
		struct column_ref ref;
		view_column_parse(columns[c], &ref);
		double t = now_s();
		struct summary *s = summary_build(f, v, &ref);
		double build = now_s() - t;
		const struct summary_group *g = summary_group_at(s, 0);
		uint32_t *ids = NULL;
		t = now_s();
		size_t count = g != NULL ? summary_group_ids(f, v, &ref, g->value, &ids) : 0;
		double drill = now_s() - t;
		printf("summary of %zu things by %-11s %3zu values: build %7.1f ms, drill-down ids"
		       " (%zu) %6.1f ms\n", n, columns[c], summary_count(s), build * 1000, count,
		       drill * 1000);
		free(ids);
		summary_destroy(s);
	}
	view_destroy(v);
	fleet_destroy(f);
	return 0;
}
