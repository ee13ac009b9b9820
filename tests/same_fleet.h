/* Two fleets compared field by field, for tests that rebuild a fleet one
 * way and check it against one built another way. */
#ifndef THINGTOP_SAME_FLEET_H
#define THINGTOP_SAME_FLEET_H

#include <stdbool.h>
#include <string.h>

#include "fleet.h"

/* Every field of every thing, and the fleet's own counters. */
static inline bool same_fleet(const struct fleet *a, const struct fleet *b)
{
	int bad = 0;
#define SAME(x, y) do { if ((x) != (y)) bad++; } while (0)
	SAME(fleet_count(a), fleet_count(b));
	SAME(fleet_last_seq(a), fleet_last_seq(b));
	SAME(fleet_clock(a), fleet_clock(b));
	for (int s = 0; s < STATUS_COUNT; s++)
		SAME(fleet_status_count(a, (enum thing_status)s), fleet_status_count(b, (enum thing_status)s));
	for (size_t i = 0; !bad && i < fleet_count(a) && i < fleet_count(b); i++) {
		const struct fleet_thing *x = fleet_thing_at(a, i), *y = fleet_thing_at(b, i);
		char sx[FLEET_SESSION_ID_BUF], sy[FLEET_SESSION_ID_BUF];
		if (strcmp(x->client_id, y->client_id) != 0 ||
		    strcmp(fleet_thing_session_id(a, x, sx), fleet_thing_session_id(b, y, sy)) != 0 ||
		    memcmp(x->ip, y->ip, sizeof x->ip) != 0 ||
		    strcmp(fleet_reason_name(a, x->last_reason), fleet_reason_name(b, y->last_reason)) != 0 ||
		    memcmp(x->flap_ring, y->flap_ring, sizeof x->flap_ring) != 0)
			bad++;
		SAME(x->id, y->id);
		SAME(x->status, y->status);
		SAME(x->flags, y->flags);
		SAME(x->ip_family, y->ip_family);
		SAME(x->since_ms, y->since_ms);
		SAME(x->since_received_ms, y->since_received_ms);
		SAME(x->last_received_ms, y->last_received_ms);
		SAME(x->session_kind, y->session_kind);
		SAME(fleet_thing_version(x), fleet_thing_version(y));
		SAME(x->sessions, y->sessions);
		SAME(x->disconnects, y->disconnects);
		SAME(x->duplicates, y->duplicates);
		SAME(x->connect_failures, y->connect_failures);
		SAME(x->flap_next, y->flap_next);
		for (int s = 0; s < FLEET_SESSIONS_KEPT; s++) {
			SAME(x->session[s].key, y->session[s].key);
			SAME(x->session[s].ts_ms, y->session[s].ts_ms);
			SAME(x->session[s].version, y->session[s].version);
			SAME(x->session[s].arrival, y->session[s].arrival);
			SAME(x->session[s].flags, y->session[s].flags);
			SAME(fleet_reason_name(a, x->session[s].reason)[0],
			     fleet_reason_name(b, y->session[s].reason)[0]);
		}
	}
#undef SAME
	return bad == 0;
}

#endif
