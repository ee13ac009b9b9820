/* Baselines from `thingtop sync` and the registry side table (see
 * RECONCILIATION.md, "Baselines"). A baseline is weaker evidence than a
 * lifecycle event: it decides a thing's status only while no event of the
 * thing is newer than the baseline's timestamp minus the ordering window;
 * otherwise the events decide, and where they disagree with a baseline
 * within the window the thing is flagged uncertain. The result does not
 * depend on whether the baseline came before or after the events. */
#include "build_config.h"

#include <stdlib.h>
#include <string.h>

#include "fleet_internal.h"
#include "json_internal.h"
#include "xalloc.h"

/* Registry limits: AWS allows 128-byte type and group names, 50
 * attributes of 128-byte names and 800-byte values, 10 groups per thing
 * in a hierarchy; a little more is kept, the rest is cut. */
#define REGISTRY_NAME_MAX 128
#define REGISTRY_VALUE_MAX 800
#define REGISTRY_ATTRS_MAX 64
#define REGISTRY_GROUPS_MAX 2048

/* The side table: an open-addressing map from thing index to position. */

static size_t slot_of(uint32_t index, size_t size)
{
	uint64_t h = (uint64_t)index * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 32) & (size - 1);
}

struct fleet_extra *fleet_extra_find(const struct fleet *fleet, size_t index)
{
	if (!fleet->extra_slots_size)
		return NULL;
	size_t mask = fleet->extra_slots_size - 1;
	for (size_t at = slot_of((uint32_t)index, fleet->extra_slots_size);; at = (at + 1) & mask) {
		uint32_t pos = fleet->extra_slots[at];
		if (pos == 0)
			return NULL;
		if (fleet->extras[pos - 1].index == index)
			return &fleet->extras[pos - 1];
	}
}

static void slots_rebuild(struct fleet *fleet, size_t size)
{
	free(fleet->extra_slots);
	fleet->extra_slots = xcalloc(size, sizeof *fleet->extra_slots);
	fleet->extra_slots_size = size;
	for (size_t i = 0; i < fleet->extra_count; i++) {
		size_t at = slot_of(fleet->extras[i].index, size);
		while (fleet->extra_slots[at])
			at = (at + 1) & (size - 1);
		fleet->extra_slots[at] = (uint32_t)i + 1;
	}
}

struct fleet_extra *fleet_extra_get(struct fleet *fleet, size_t index)
{
	struct fleet_extra *x = fleet_extra_find(fleet, index);
	if (x)
		return x;
	if (fleet->extra_count == fleet->extra_cap) {
		fleet->extra_cap = fleet->extra_cap ? fleet->extra_cap * 2 : 64;
		fleet->extras = xreallocarray(fleet->extras, fleet->extra_cap, sizeof *fleet->extras);
	}
	x = &fleet->extras[fleet->extra_count++];
	memset(x, 0, sizeof *x);
	x->index = (uint32_t)index;
	if (fleet->extra_count * 2 > fleet->extra_slots_size)
		slots_rebuild(fleet, fleet->extra_slots_size ? fleet->extra_slots_size * 2 : 128);
	else {
		size_t mask = fleet->extra_slots_size - 1;
		size_t at = slot_of((uint32_t)index, fleet->extra_slots_size);
		while (fleet->extra_slots[at])
			at = (at + 1) & mask;
		fleet->extra_slots[at] = (uint32_t)fleet->extra_count;
	}
	return x;
}

static void registry_free(struct fleet_extra *x)
{
	free(x->thing_type);
	free(x->groups);
	for (size_t i = 0; i < x->attr_count; i++) {
		free(x->attr_names[i]);
		free(x->attr_values[i]);
	}
	free(x->attr_names);
	free(x->attr_values);
	x->thing_type = x->groups = NULL;
	x->attr_names = x->attr_values = NULL;
	x->attr_count = 0;
}

void fleet_extra_set_registry(struct fleet_extra *x, char *thing_type, char *groups,
                              size_t attr_count, char **names, char **values)
{
	registry_free(x);
	x->thing_type = thing_type;
	x->groups = groups;
	x->attr_count = attr_count;
	x->attr_names = names;
	x->attr_values = values;
}

void fleet_extras_free(struct fleet *fleet)
{
	for (size_t i = 0; i < fleet->extra_count; i++)
		registry_free(&fleet->extras[i]);
	free(fleet->extras);
	free(fleet->extra_slots);
	fleet->extras = NULL;
	fleet->extra_slots = NULL;
	fleet->extra_count = fleet->extra_cap = fleet->extra_slots_size = 0;
}

bool fleet_thing_registry(const struct fleet *fleet, const struct fleet_thing *thing,
                          struct fleet_registry *out)
{
	memset(out, 0, sizeof *out);
	out->thing_type = out->groups = "";
	const struct fleet_extra *x = fleet->extra_count ? fleet_extra_find(fleet, thing->id - 1) : NULL;
	if (!x || (!x->thing_type && !x->groups && !x->attr_count))
		return false;
	out->thing_type = x->thing_type ? x->thing_type : "";
	out->groups = x->groups ? x->groups : "";
	out->attr_count = x->attr_count;
	out->attr_names = (const char *const *)x->attr_names;
	out->attr_values = (const char *const *)x->attr_values;
	return true;
}

const char *fleet_registry_attr(const struct fleet_registry *registry, const char *name)
{
	for (size_t i = 0; i < registry->attr_count; i++)
		if (strcmp(registry->attr_names[i], name) == 0)
			return registry->attr_values[i];
	return NULL;
}

/* Registry fields from a search-index thing object. Strings are cut at
 * their limits (on a UTF-8 boundary); non-string attributes are skipped,
 * and so are ones with an empty name: AWS allows none, and a snapshot
 * could not keep one. */

static char *cut_dup(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1);
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	return xstrndup(s, len);
}

static char *join_groups(const json_t *list)
{
	size_t i;
	const json_t *g;
	char *out = NULL;
	size_t len = 0;

	json_array_foreach((json_t *)list, i, g) {
		if (!json_is_string(g))
			continue;
		char *name = cut_dup(json_string_value(g), REGISTRY_NAME_MAX);
		size_t n = strlen(name);
		if (len + n + 2 > REGISTRY_GROUPS_MAX || strchr(name, ',')) {
			free(name);
			continue;
		}
		out = xrealloc(out, len + n + 2);
		if (len)
			out[len++] = ',';
		memcpy(out + len, name, n + 1);
		len += n;
		free(name);
	}
	return out;
}

static void registry_from_payload(struct fleet_extra *x, const char *payload, size_t len)
{
	json_t *root = event_json_load(payload, len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	const json_t *type = json_object_get(root, "thingTypeName");
	const json_t *groups = json_object_get(root, "thingGroupNames");
	json_t *attrs = json_object_get(root, "attributes");
	char *thing_type = json_is_string(type) ? cut_dup(json_string_value(type), REGISTRY_NAME_MAX) : NULL;
	char *group_text = json_is_array(groups) ? join_groups(groups) : NULL;
	size_t count = 0;
	char **names = NULL, **values = NULL;
	if (json_is_object(attrs) && json_object_size(attrs) > 0) {
		const char *key;
		json_t *value;
		names = xcalloc(REGISTRY_ATTRS_MAX, sizeof *names);
		values = xcalloc(REGISTRY_ATTRS_MAX, sizeof *values);
		json_object_foreach(attrs, key, value) {
			if (count == REGISTRY_ATTRS_MAX || !json_is_string(value) || !*key)
				continue;
			names[count] = cut_dup(key, REGISTRY_NAME_MAX);
			values[count] = cut_dup(json_string_value(value), REGISTRY_VALUE_MAX);
			count++;
		}
	}
	fleet_extra_set_registry(x, thing_type, group_text, count, names, values);
	json_decref(root);
}

/* Reconciling. */

/* The newest event timestamp the kept sessions still show: the state of
 * a thing that had events before its first baseline. */
static int64_t sessions_newest_ts(const struct fleet_thing *thing)
{
	int64_t newest = 0;
	for (int i = 0; i < FLEET_SESSIONS_KEPT; i++) {
		const struct fleet_session *s = &thing->session[i];
		if ((s->flags & (SESSION_CONNECT_SEEN | SESSION_DISCONNECT_SEEN)) && s->ts_ms > newest)
			newest = s->ts_ms;
	}
	if (thing->status == STATUS_DISCONNECTED && thing->since_ms > newest)
		newest = thing->since_ms;
	return newest;
}

static void keep_event_state(struct fleet_extra *x, const struct fleet_thing *thing)
{
	x->ev_status = thing->status;
	x->ev_flags = thing->flags;
	x->ev_last_reason = thing->last_reason;
	x->ev_since_ms = thing->since_ms;
	x->ev_since_received_ms = thing->since_received_ms;
}

void fleet_baseline_before(struct fleet *fleet, struct fleet_thing *thing, struct fleet_extra *x)
{
	fleet_set_status(fleet, thing, x->ev_status);
	thing->flags = x->ev_flags;
	thing->last_reason = x->ev_last_reason;
	thing->since_ms = x->ev_since_ms;
	thing->since_received_ms = x->ev_since_received_ms;
}

static uint8_t baseline_status(const struct fleet_extra *x)
{
	if (x->base_flags & EXTRA_BASE_CONNECTED)
		return STATUS_CONNECTED;
	return x->base_ts_ms ? STATUS_DISCONNECTED : STATUS_UNKNOWN;
}

/* Lays the baseline over the events' state, which the thing holds now. */
static void resolve(struct fleet *fleet, struct fleet_thing *thing, struct fleet_extra *x)
{
	int64_t window = fleet->config.order_window_ms;
	uint8_t base = baseline_status(x);
	bool no_events = x->events_ts_ms == 0 && thing->status == STATUS_UNKNOWN;
	bool events_older = x->base_ts_ms != 0 && x->events_ts_ms < x->base_ts_ms - window;

	if (no_events || events_older) {
		fleet_set_status(fleet, thing, base);
		thing->since_ms = x->base_ts_ms;
		thing->since_received_ms = x->base_received_ms;
		if (base != STATUS_CONNECTED)
			thing->last_reason = x->base_reason;
		thing->flags &= (uint8_t)~THING_UNCERTAIN;
		return;
	}
	/* The events decide; a disagreement they cannot be ordered against
	 * (within the window, either side) is flagged. */
	if (x->base_ts_ms != 0 && thing->status != base && x->events_ts_ms <= x->base_ts_ms + window)
		thing->flags |= THING_UNCERTAIN;
}

void fleet_baseline_after(struct fleet *fleet, struct fleet_thing *thing, struct fleet_extra *x,
                          int64_t event_ts_ms)
{
	if (event_ts_ms > x->events_ts_ms)
		x->events_ts_ms = event_ts_ms;
	keep_event_state(x, thing);
	resolve(fleet, thing, x);
}

/* Is baseline (ts, arrival later) newer than the one kept? Timestamps
 * order baselines; without one, or with equal ones, the later one wins. */
static bool baseline_newer(const struct fleet_extra *x, int64_t ts)
{
	return !(x->base_flags & EXTRA_BASELINE) || ts == 0 || x->base_ts_ms == 0 ||
	       ts >= x->base_ts_ms;
}

void fleet_baseline_apply(struct fleet *fleet, struct fleet_thing *thing,
                          const struct fleet_event *event)
{
	struct fleet_extra *x = fleet_extra_get(fleet, thing->id - 1);
	if (event->payload)
		registry_from_payload(x, event->payload, event->payload_len);
	/* No connectivity (indexing off): registry fields only. */
	if (!event->reason || !*event->reason || !baseline_newer(x, event->timestamp_ms))
		return;
	if (x->base_flags & EXTRA_BASELINE) {
		fleet_baseline_before(fleet, thing, x);
	} else {
		keep_event_state(x, thing);
		x->events_ts_ms = sessions_newest_ts(thing);
	}
	bool connected = strcmp(event->reason, "NONE") == 0;
	x->base_flags = EXTRA_BASELINE | (connected ? EXTRA_BASE_CONNECTED : 0);
	x->base_ts_ms = event->timestamp_ms;
	x->base_received_ms = event->received_ms;
	x->base_reason = connected ? 0
	                 : fleet_reason_intern(fleet, event->timestamp_ms ? event->reason
	                                                                  : FLEET_REASON_NEVER_CONNECTED);
	resolve(fleet, thing, x);
}
