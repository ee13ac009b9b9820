/* libFuzzer harness for the filter language and sort specs: parse the
 * input, match it against a small fleet (and refresh a view with it), and
 * free everything. Nothing may crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fleet *fleet;

static void add(enum event_type type, const char *cid, int64_t ts, const char *session, const char *reason,
                const char *ip)
{
	static uint64_t seq;
	struct fleet_event e = {0};
	e.type = type;
	e.client_id = cid;
	e.timestamp_ms = ts;
	e.received_ms = ts + 50;
	e.has_version = true;
	e.version = 1;
	e.session_id = session;
	e.reason = reason;
	e.ip = ip;
	e.seq = ++seq;
	fleet_apply(fleet, &e, NULL);
}

static void make_fleet(void)
{
	struct fleet_config config;
	const int64_t t = 1767225600000LL;

	fleet_config_defaults(&config);
	fleet = fleet_create(&config);
	add(EVENT_CONNECTED, "sensor-1", t, "a", NULL, "10.0.0.1");
	add(EVENT_CONNECTED, "Sensor-2", t + 1000, "b", NULL, "2001:db8::2");
	add(EVENT_DISCONNECTED, "Sensor-2", t + 2000, "b", "CONNECTION_LOST", "2001:db8::2");
	add(EVENT_CONNECT_FAILED, "gw\x1b]0;x\x07", t + 3000, NULL, "AUTHORIZATION_FAILURE", NULL);
	add(EVENT_CONNECTED, "=calc", t + 4000, "c", NULL, "not-an-ip");
	fleet_set_clock(fleet, t + 60000);
}

/* Error messages echo the input: they must reach a terminal escaped. */
static void check_cause(const char *cause)
{
	for (const unsigned char *p = (const unsigned char *)cause; p && *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *expr = malloc(size + 1);
	char *cause = NULL;
	struct sort_spec spec;

	if (!fleet)
		make_fleet();
	memcpy(expr, data, size);
	expr[size] = '\0';

	struct filter *filter = filter_parse(expr, &cause);
	if (filter) {
		for (size_t i = 0; i < fleet_count(fleet); i++)
			filter_match(filter, fleet, fleet_thing_at(fleet, i));
		filter_destroy(filter);
	} else if (!cause) {
		abort();
	}
	check_cause(cause);
	free(cause);
	cause = NULL;

	if (sort_parse(expr, &spec, &cause)) {
		char text[256];
		struct view *view = view_create();
		sort_format(&spec, text, sizeof text);
		view_set_sort_spec(view, &spec);
		view_refresh(view, fleet);
		view_destroy(view);
	}
	check_cause(cause);
	free(cause);
	free(expr);
	return 0;
}
