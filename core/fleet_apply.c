/* Applying events to the fleet table: the reconciliation rules of
 * core/RECONCILIATION.md (sessions, duplicates, flapping, out-of-order
 * events). The table itself (things, names, reasons) is fleet.c's. */
#include "build_config.h"

#include "fleet.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "fleet_internal.h"

void fleet_set_status(struct fleet *fleet, struct fleet_thing *thing, uint8_t status)
{
	fleet->status_count[thing->status]--;
	fleet->status_count[status]++;
	thing->status = status;
}

static void set_ip(struct fleet_thing *thing, const char *ip)
{
	memset(thing->ip, 0, sizeof thing->ip);
	memset(thing->ip_text, 0, sizeof thing->ip_text);
	thing->ip_family = 0;
	if (!ip || !*ip)
		return;
	if (inet_pton(AF_INET, ip, thing->ip) == 1) {
		thing->ip_family = 4;
	} else if (inet_pton(AF_INET6, ip, thing->ip) == 1) {
		thing->ip_family = 6;
	} else {
		size_t len = strnlen(ip, sizeof thing->ip_text - 1);
		/* Cut on a UTF-8 boundary: never half a character. */
		if (ip[len] != '\0')
			while (len > 0 && ((unsigned char)ip[len] & 0xc0) == 0x80)
				len--;
		memset(thing->ip, 0, sizeof thing->ip);
		memcpy(thing->ip_text, ip, len);
		thing->ip_family = 255;
	}
}

static bool far_apart(int64_t a, int64_t b, int64_t window)
{
	uint64_t d = a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
	return d > (uint64_t)window;
}

/* Is a later than b (a is "after" b)? Sets *by_arrival when only arrival
 * order could tell them apart. */
static bool session_later(const struct fleet *fleet, const struct fleet_session *a,
                          const struct fleet_session *b, bool *by_arrival)
{
	*by_arrival = false;
	if (far_apart(a->ts_ms, b->ts_ms, fleet->config.order_window_ms))
		return a->ts_ms > b->ts_ms;
	if ((a->flags & b->flags & SESSION_HAS_VERSION) && a->version != b->version)
		return a->version > b->version;
	if (a->ts_ms != b->ts_ms)
		return a->ts_ms > b->ts_ms;
	*by_arrival = true;
	return (int32_t)(a->arrival - b->arrival) > 0;
}

static bool session_used(const struct fleet_session *s)
{
	return s->flags & (SESSION_CONNECT_SEEN | SESSION_DISCONNECT_SEEN);
}

static bool session_open(const struct fleet_session *s)
{
	return (s->flags & SESSION_CONNECT_SEEN) && !(s->flags & SESSION_DISCONNECT_SEEN);
}

static bool session_anonymous(const struct fleet_session *s)
{
	return !(s->flags & (SESSION_HAS_ID | SESSION_HAS_VERSION));
}

/* What find_anonymous and find_keyed return besides a session index. */
enum {
	MATCH_NEW = -1,           /* a session not seen (or no longer kept) */
	MATCH_REPEAT = -2,        /* an exact repeat: a duplicate */
};

/* Can an event at ts of a version-keyed session belong to kept session s
 * (same version)? Versions only repeat after a reset, which needs about an
 * hour offline, so an event far outside s's time span is another session. */
static bool version_pairs(const struct fleet *fleet, const struct fleet_thing *thing, int i,
                          int64_t ts, bool connect)
{
	const struct fleet_session *s = &thing->session[i];
	int64_t w = fleet->config.order_window_ms;

	if (connect) {
		if (s->flags & SESSION_CONNECT_SEEN)
			return !far_apart(s->ts_ms, ts, w);
		/* s.ts is its disconnect's: a connect comes before, give or take. */
		return ts <= s->ts_ms || !far_apart(s->ts_ms, ts, w);
	}
	if (!(s->flags & SESSION_CONNECT_SEEN))
		return !far_apart(s->ts_ms, ts, w);
	if ((s->flags & SESSION_DISCONNECT_SEEN) && i == 0 && thing->status == STATUS_DISCONNECTED)
		return !far_apart(thing->since_ms, ts, w); /* since is its disconnect's */
	return ts >= s->ts_ms || !far_apart(s->ts_ms, ts, w);
}

/* The kept session an event with a session id or a version belongs to. */
static int find_keyed(const struct fleet *fleet, const struct fleet_thing *thing,
                      const struct fleet_session *in, bool connect)
{
	for (int i = 0; i < FLEET_SESSIONS_KEPT; i++) {
		const struct fleet_session *s = &thing->session[i];
		if (!session_used(s) || s->key != in->key)
			continue;
		if ((s->flags & SESSION_HAS_ID) != (in->flags & SESSION_HAS_ID))
			continue;
		if (in->flags & SESSION_HAS_ID)
			return i;
		if ((s->flags & SESSION_HAS_VERSION) && s->version == in->version &&
		    version_pairs(fleet, thing, i, in->ts_ms, connect))
			return i;
	}
	return MATCH_NEW;
}

/* Without id or version: a connect starts a new session, a disconnect
 * closes the latest open one. Returns the session index or MATCH_*. */
static int find_anonymous(const struct fleet *fleet, const struct fleet_thing *thing, int64_t ts,
                          bool connect)
{
	for (int i = 0; i < FLEET_SESSIONS_KEPT; i++) {
		const struct fleet_session *s = &thing->session[i];
		if (!session_used(s) || !session_anonymous(s))
			continue;
		if (connect && (s->flags & SESSION_CONNECT_SEEN) && s->ts_ms == ts)
			return MATCH_REPEAT;
		if (!connect && (s->flags & SESSION_DISCONNECT_SEEN)) {
			if (!(s->flags & SESSION_CONNECT_SEEN) && s->ts_ms == ts)
				return MATCH_REPEAT;
			if (i == 0 && thing->status == STATUS_DISCONNECTED && thing->since_ms == ts)
				return MATCH_REPEAT;
		}
	}
	if (connect)
		return MATCH_NEW;
	for (int i = 0; i < FLEET_SESSIONS_KEPT; i++) {
		const struct fleet_session *s = &thing->session[i];
		if (session_used(s) && session_anonymous(s) && session_open(s) &&
		    (ts >= s->ts_ms || !far_apart(s->ts_ms, ts, fleet->config.order_window_ms)))
			return i;
	}
	return MATCH_NEW;
}

static void flap_push(struct fleet_thing *thing, int64_t received_ms)
{
	int64_t secs = received_ms / 1000;
	thing->flap_ring[thing->flap_next] = secs > 0 && secs <= UINT32_MAX ? (uint32_t)secs : 0;
	thing->flap_next = (uint8_t)((thing->flap_next + 1) % FLEET_FLAP_MAX);
}

static void swap_sessions(struct fleet_thing *thing, int a, int b)
{
	struct fleet_session tmp = thing->session[a];
	thing->session[a] = thing->session[b];
	thing->session[b] = tmp;
}

/* Moves session `at`, whose timestamp changed, to its place. */
static int resort(const struct fleet *fleet, struct fleet_thing *thing, int at)
{
	bool by_arrival;

	while (at > 0 && session_later(fleet, &thing->session[at], &thing->session[at - 1], &by_arrival)) {
		swap_sessions(thing, at, at - 1);
		at--;
	}
	while (at + 1 < FLEET_SESSIONS_KEPT && session_used(&thing->session[at + 1]) &&
	       session_later(fleet, &thing->session[at + 1], &thing->session[at], &by_arrival)) {
		swap_sessions(thing, at, at + 1);
		at++;
	}
	return at;
}

/* Inserts a session not seen before; returns its index, or
 * FLEET_SESSIONS_KEPT when it is older than every kept one (dropped). */
static int insert_session(const struct fleet *fleet, struct fleet_thing *thing,
                          const struct fleet_session *in)
{
	bool by_arrival;
	int at = 0;

	while (at < FLEET_SESSIONS_KEPT && session_used(&thing->session[at]) &&
	       !session_later(fleet, in, &thing->session[at], &by_arrival))
		at++;
	if (at == FLEET_SESSIONS_KEPT)
		return at;
	memmove(&thing->session[at + 1], &thing->session[at],
	        (FLEET_SESSIONS_KEPT - 1 - at) * sizeof thing->session[0]);
	thing->session[at] = *in;
	return at;
}

/* Status, since, reason and uncertainty from the kept sessions. */
static void thing_refresh(struct fleet *fleet, struct fleet_thing *thing,
                          const struct fleet_event *event, int64_t since_ms,
                          bool latest_changed, struct fleet_result *result)
{
	const struct fleet_session *latest = &thing->session[0];
	uint8_t status = session_open(latest) ? STATUS_CONNECTED : STATUS_DISCONNECTED;
	bool by_arrival = false;

	if (status != thing->status || latest_changed) {
		thing->since_ms = since_ms;
		thing->since_received_ms = event->received_ms;
	}
	if (status != thing->status) {
		fleet_set_status(fleet, thing, status);
		result->status_changed = true;
	}
	for (int i = 0; i < FLEET_SESSIONS_KEPT; i++) {
		if (thing->session[i].flags & SESSION_DISCONNECT_SEEN) {
			thing->last_reason = thing->session[i].reason;
			break;
		}
	}
	if (session_used(&thing->session[1]))
		session_later(fleet, &thing->session[0], &thing->session[1], &by_arrival);
	if (session_anonymous(latest) || by_arrival)
		thing->flags |= THING_UNCERTAIN;
	else
		thing->flags &= (uint8_t)~THING_UNCERTAIN;
}

/* The session an event speaks of, keyed by its session id, else by its
 * version; neither makes it anonymous. */
static struct fleet_session session_of(const struct fleet_event *event)
{
	struct fleet_session in = {0};

	in.ts_ms = event->timestamp_ms;
	in.arrival = (uint32_t)event->seq;
	in.version = event->has_version ? event->version : -1;
	if (event->has_version)
		in.flags |= SESSION_HAS_VERSION;
	if (event->session_id && *event->session_id) {
		in.flags |= SESSION_HAS_ID;
		in.key = fleet_hash_bytes(event->session_id, strlen(event->session_id));
	} else if (event->has_version) {
		uint8_t le[8];
		for (int i = 0; i < 8; i++)
			le[i] = (uint8_t)((uint64_t)event->version >> (8 * i));
		in.key = fleet_hash_bytes(le, sizeof le);
	}
	return in;
}

static void apply_session(struct fleet *fleet, struct fleet_thing *thing,
                          const struct fleet_event *event, struct fleet_result *result)
{
	bool connect = event->type == EVENT_CONNECTED;
	uint8_t seen = connect ? SESSION_CONNECT_SEEN : SESSION_DISCONNECT_SEEN;
	struct fleet_session in = session_of(event);
	bool latest_changed = false;
	int64_t since_ms = event->timestamp_ms;
	int at;

	if (session_anonymous(&in))
		at = find_anonymous(fleet, thing, in.ts_ms, connect);
	else
		at = find_keyed(fleet, thing, &in, connect);
	if (at >= 0 && (thing->session[at].flags & seen))
		at = MATCH_REPEAT;
	if (at == MATCH_REPEAT) {
		thing->duplicates++;
		result->duplicate = true;
		return;
	}

	if (!connect)
		thing->disconnects++;
	if (at >= 0) {
		struct fleet_session *s = &thing->session[at];
		s->flags |= seen;
		if (connect)
			s->ts_ms = event->timestamp_ms;
		else
			s->reason = fleet_reason_intern(fleet, event->reason);
		int now = resort(fleet, thing, at);
		if (now > 0)
			result->stale = true;
		if (now == 0 && at == 0) {
			if (connect)
				set_ip(thing, event->ip);
		} else if (now == 0) {
			latest_changed = true;
			fleet_thing_set_session_id(fleet, thing, event->session_id);
			set_ip(thing, connect ? event->ip : NULL);
		} else if (at == 0) {
			/* An older session became the latest again; its id and
			 * ip are not kept, only its version. When open, it has
			 * been connected since its own connect. */
			latest_changed = true;
			if (session_open(&thing->session[0]))
				since_ms = thing->session[0].ts_ms;
			fleet_thing_set_session_id(fleet, thing, NULL);
			set_ip(thing, NULL);
		}
	} else {
		in.flags |= seen;
		if (!connect)
			in.reason = fleet_reason_intern(fleet, event->reason);
		thing->sessions++;
		flap_push(thing, event->received_ms);
		at = insert_session(fleet, thing, &in);
		if (at == 0) {
			latest_changed = true;
			fleet_thing_set_session_id(fleet, thing, event->session_id);
			set_ip(thing, connect ? event->ip : NULL);
		} else {
			result->stale = true;
			bool kept_closed = false;
			for (int i = 0; i < FLEET_SESSIONS_KEPT; i++)
				if (thing->session[i].flags & SESSION_DISCONNECT_SEEN)
					kept_closed = true;
			if (at == FLEET_SESSIONS_KEPT && !connect && !kept_closed && thing->last_reason == 0)
				thing->last_reason = in.reason;
		}
	}
	thing_refresh(fleet, thing, event, since_ms, latest_changed, result);
	/* An older session's connect can still reorder the sessions and so
	 * change the status; "stale" promises the status was untouched. */
	if (result->status_changed)
		result->stale = false;
}

/* A connect or disconnect. A thing with a baseline has the baseline laid
 * over its status: the events' own state goes back in first, so the
 * session rules never see the baseline (RECONCILIATION.md, "Baselines"). */
static void apply_lifecycle(struct fleet *fleet, struct fleet_thing *thing,
                            const struct fleet_event *event, struct fleet_result *result)
{
	struct fleet_extra *x = fleet->extra_count ? fleet_extra_find(fleet, thing->id - 1) : NULL;
	if (!x || !(x->base_flags & EXTRA_BASELINE)) {
		apply_session(fleet, thing, event, result);
		return;
	}
	uint8_t before = thing->status;
	fleet_baseline_before(fleet, thing, x);
	apply_session(fleet, thing, event, result);
	fleet_baseline_after(fleet, thing, x, event->timestamp_ms);
	result->status_changed = thing->status != before;
	if (result->status_changed)
		result->stale = false;
}

static void apply_baseline(struct fleet *fleet, struct fleet_thing *thing,
                           const struct fleet_event *event, struct fleet_result *result)
{
	uint8_t before = thing->status;
	fleet_baseline_apply(fleet, thing, event);
	result->status_changed = thing->status != before;
}

/* The thing a rebuild names by id (event->thing_id), or NULL. The hint
 * is taken only when the client id is that thing's own string, so a
 * wrong id can never touch another thing. */
static struct fleet_thing *known_thing(struct fleet *fleet, const struct fleet_event *event)
{
	if (event->thing_id == 0 || event->thing_id > fleet->count)
		return NULL;
	struct fleet_thing *thing = fleet_thing_mut(fleet, event->thing_id - 1);
	return thing->client_id == event->client_id ? thing : NULL;
}

void fleet_apply(struct fleet *fleet, const struct fleet_event *event, struct fleet_result *result)
{
	struct fleet_result dummy;

	if (!result)
		result = &dummy;
	memset(result, 0, sizeof *result);

	if (event->received_ms > fleet->clock)
		fleet->clock = event->received_ms;
	if (event->seq > fleet->last_seq)
		fleet->last_seq = event->seq;

	switch (event->type) {
	case EVENT_CONNECTED:
	case EVENT_DISCONNECTED:
	case EVENT_CONNECT_FAILED:
	case EVENT_SUBSCRIBED:
	case EVENT_UNSUBSCRIBED:
	case EVENT_BASELINE:
		break;
	case EVENT_REJECT:
	case EVENT_IGNORED:
	case EVENT_TYPE_COUNT:
	default:
		return;
	}
	if (!event->client_id)
		return;

	/* A replayed row names its thing by the fleet's own string, found
	 * without reading the string: a cache miss for most rows of a long
	 * replay. */
	struct fleet_thing *thing = known_thing(fleet, event);
	if (!thing) {
		if (!*event->client_id)
			return;
		size_t len = strlen(event->client_id);
		uint64_t hash = fleet_hash_bytes(event->client_id, len);
		thing = fleet_lookup(fleet, event->client_id, len, hash);
		if (!thing) {
			thing = fleet_thing_new(fleet, event->client_id, len, hash);
			result->new_thing = true;
		}
	}
	result->thing_id = thing->id;
	if (event->received_ms > thing->last_received_ms)
		thing->last_received_ms = event->received_ms;

	if (event->type == EVENT_CONNECTED || event->type == EVENT_DISCONNECTED)
		apply_lifecycle(fleet, thing, event, result);
	else if (event->type == EVENT_BASELINE)
		apply_baseline(fleet, thing, event, result);
	else if (event->type == EVENT_CONNECT_FAILED)
		thing->connect_failures++;
}
