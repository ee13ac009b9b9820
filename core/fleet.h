/* The reconciled fleet table: per thing, is it connected now, since when,
 * and why did it last go away. Implements core/RECONCILIATION.md (baselines
 * from `thingtop sync` included): sessions decide, the latest session wins,
 * old sessions never turn a newer one off, duplicates change nothing, and
 * fallbacks on arrival order are flagged "uncertain".
 *
 * The table keeps per thing only what decides the status and what the grid
 * shows (the two most recent sessions); history lives in the journal. */
#ifndef THINGTOP_FLEET_H
#define THINGTOP_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct fleet_config {
	int64_t order_window_ms;  /* sessions further apart than this: trust timestamps (30 min) */
	int64_t settle_ms;        /* a status younger than this is "settling" (10 s) */
	int flap_sessions;        /* more than this many sessions ... (5, at most FLEET_FLAP_MAX - 1) */
	int64_t flap_window_ms;   /* ... within this window is "flapping" (10 min) */
};

void fleet_config_defaults(struct fleet_config *config);

/* Stored in snapshots and used as sort order: never renumber. */
enum thing_status {
	STATUS_UNKNOWN = 0,       /* never seen connected or disconnected */
	STATUS_CONNECTED = 1,
	STATUS_DISCONNECTED = 2,
	STATUS_COUNT
};
const char *thing_status_name(enum thing_status status);

#define FLEET_SESSIONS_KEPT 2
#define FLEET_FLAP_MAX 8

/* Session bookkeeping, only for fleet.c and snapshots. */
enum session_flags {
	SESSION_CONNECT_SEEN = 1 << 0,
	SESSION_DISCONNECT_SEEN = 1 << 1,
	SESSION_HAS_ID = 1 << 2,       /* key is a hash of sessionIdentifier */
	SESSION_HAS_VERSION = 1 << 3,
};

struct fleet_session {
	uint64_t key;             /* hash of sessionIdentifier, or of the version when it has none */
	int64_t ts_ms;            /* connect timestamp when seen, else disconnect timestamp */
	int64_t version;
	uint32_t arrival;         /* low 32 bits of the journal seq of its first event */
	uint8_t flags;            /* enum session_flags */
	uint8_t reason;           /* reason id of its disconnect */
	uint16_t unused;
};

/* Flags of a thing that do not depend on the clock. */
enum thing_flags {
	THING_UNCERTAIN = 1 << 0,   /* the status rests on an arrival-order fallback */
};

/* Where a thing's session id is (fleet_thing_session_id reads it). */
enum session_id_kind {
	SESSION_ID_NONE = 0,
	SESSION_ID_UUID = 1,        /* a lowercase UUID, packed in session_uuid */
	SESSION_ID_TEXT = 2,        /* any other text: session_uuid holds its slot in a side table */
};

/* One thing. Read-only outside fleet.c. 184 bytes, so that a 2 MiB chunk
 * holds 11,397: the fields are ordered to leave no padding. */
struct fleet_thing {
	const char *client_id;      /* owned by the fleet, NUL-terminated */
	int64_t since_ms;           /* timestamp of the event that set the current status */
	int64_t since_received_ms;  /* receive time of that event */
	int64_t last_received_ms;   /* receive time of the latest event of any kind */
	union {
		uint8_t ip[16];         /* binary address (family 4 or 6) */
		char ip_text[10];       /* short non-IP text (family 255) */
	};
	uint8_t session_uuid[16];   /* see session_kind; fleet_thing_session_id */
	uint32_t id;                /* 1-based, dense, in first-seen order; also the journal's thing id */
	uint32_t sessions;          /* distinct sessions seen */
	uint32_t disconnects;       /* disconnects, duplicates excluded */
	uint32_t duplicates;
	uint32_t connect_failures;
	uint8_t status : 2;         /* enum thing_status */
	uint8_t flags : 2;          /* enum thing_flags */
	uint8_t session_kind : 2;   /* enum session_id_kind */
	uint8_t last_reason;        /* reason id (fleet_reason_name); 0 = none yet */
	uint8_t ip_family;          /* 0 none, 4, 6, or 255: ip_text holds unparsed text */
	uint8_t flap_next;          /* next slot of flap_ring */
	uint32_t flap_ring[FLEET_FLAP_MAX]; /* receive seconds of recent session starts */
	struct fleet_session session[FLEET_SESSIONS_KEPT]; /* [0] latest */
};

/* The latest session's version, -1 when none. */
static inline int64_t fleet_thing_version(const struct fleet_thing *thing)
{
	return thing->session[0].flags ? thing->session[0].version : -1;
}

/* The latest session's id ("" when none), at most FLEET_SESSION_ID_MAX
 * bytes; buf of FLEET_SESSION_ID_BUF bytes. */
#define FLEET_SESSION_ID_MAX 36
#define FLEET_SESSION_ID_BUF 48
struct fleet;
const char *fleet_thing_session_id(const struct fleet *fleet, const struct fleet_thing *thing,
                                   char *buf);

/* What applying one event did. */
struct fleet_result {
	uint32_t thing_id;          /* 0 for events that name no thing */
	bool new_thing;             /* first event of this client id */
	bool status_changed;
	bool duplicate;             /* a connect/disconnect of a session already seen */
	bool stale;                 /* an older session's event: counted, status untouched */
};

/* One event as the reconciler needs it, from a parsed message or a journal
 * row. Strings are borrowed; NULL or "" means absent. */
struct fleet_event {
	enum event_type type;
	const char *client_id;
	int64_t timestamp_ms;
	int64_t received_ms;
	bool has_version;
	int64_t version;
	const char *session_id;
	const char *reason;
	const char *ip;
	uint64_t seq;               /* journal sequence number: arrival order */
	/* A rebuild's hint, 0 when none: the journal's id of the thing, whose
	 * client_id is then the fleet's own string (fleet_thing_at(id - 1)),
	 * so the thing is found without hashing its client id. */
	uint32_t thing_id;
	/* EVENT_BASELINE only: the thing's JSON object (registry fields), or
	 * NULL when the caller did not read it (the status needs only the
	 * timestamp and reason). */
	const char *payload;
	size_t payload_len;
};

void fleet_event_from_event(const struct event *event, int64_t received_ms, uint64_t seq,
                            struct fleet_event *out);

struct fleet *fleet_create(const struct fleet_config *config);
void fleet_destroy(struct fleet *fleet);

/* Applies one event. EVENT_REJECT and EVENT_IGNORED only advance the clock
 * and last_seq. Returns the outcome in *result (may be NULL). */
void fleet_apply(struct fleet *fleet, const struct fleet_event *event, struct fleet_result *result);

/* Frees the index of things by client id (16 bytes a thing at most):
 * for a fleet that is only read from now on, as export's. A later lookup
 * (fleet_find, an apply) builds it again. */
void fleet_drop_index(struct fleet *fleet);

/* Appends a thing with the next id (fleet_count() + 1) without looking
 * its name up: for a rebuild, whose journal never gives a name two ids
 * (things.client_id is UNIQUE), so it needs no index. */
const struct fleet_thing *fleet_append_thing(struct fleet *fleet, const char *client_id);

size_t fleet_count(const struct fleet *fleet);
/* A number no other fleet of this process has had: caches keyed by it
 * (the view's client order) notice a new fleet even at an old address. */
uint64_t fleet_identity(const struct fleet *fleet);
/* index 0 .. fleet_count()-1; the thing's id is index + 1. */
const struct fleet_thing *fleet_thing_at(const struct fleet *fleet, size_t index);
const struct fleet_thing *fleet_find(const struct fleet *fleet, const char *client_id);
/* Things per status, kept up to date on every apply. */
size_t fleet_status_count(const struct fleet *fleet, enum thing_status status);

/* A baseline (EVENT_BASELINE, from `thingtop sync`) that says a
 * registered thing never connected leaves it unknown with this reason. */
#define FLEET_REASON_NEVER_CONNECTED "NEVER_CONNECTED"

/* Registry fields of a thing, kept only for things a baseline named them
 * for (a side table: the thing records stay small). Strings are owned by
 * the fleet, valid until the next apply to that thing. */
struct fleet_registry {
	const char *thing_type;     /* "" when none */
	const char *groups;         /* group names joined with ',' ("" when none) */
	size_t attr_count;
	const char *const *attr_names;
	const char *const *attr_values;
};
/* False when the thing has no registry fields. */
bool fleet_thing_registry(const struct fleet *fleet, const struct fleet_thing *thing,
                          struct fleet_registry *out);
/* The value of attribute `name`, or NULL. */
const char *fleet_registry_attr(const struct fleet_registry *registry, const char *name);

/* Reason names are interned to small ids (1 .. 255); 0 is "". Known AWS
 * reasons have fixed ids; unknown ones are added as they come (shown as
 * they are); past 255 distinct reasons, further ones share "OTHER". */
const char *fleet_reason_name(const struct fleet *fleet, uint8_t reason_id);
size_t fleet_reason_count(const struct fleet *fleet); /* ids 1 .. count-1 are valid */

/* The fleet's clock: the newest receive time applied, or later when set.
 * Settling and flapping are judged against it. */
int64_t fleet_clock(const struct fleet *fleet);
void fleet_set_clock(struct fleet *fleet, int64_t now_ms);
uint64_t fleet_last_seq(const struct fleet *fleet);

bool fleet_thing_settling(const struct fleet *fleet, const struct fleet_thing *thing);
bool fleet_thing_flapping(const struct fleet *fleet, const struct fleet_thing *thing);
/* The latest session's ip as text ("" when none). buf of EVENT_IP_MAX + 1. */
const char *fleet_thing_ip(const struct fleet_thing *thing, char *buf, size_t size);

/* Snapshots (fleet_snapshot.c): the whole table as a versioned, portable
 * byte string, so a journal opens without replaying every event.
 * fleet_save returns a malloc'd buffer; fleet_load returns NULL with *cause
 * for a damaged or unknown snapshot. */
void *fleet_save(const struct fleet *fleet, size_t *len);
struct fleet *fleet_load(const void *data, size_t len, const struct fleet_config *config, char **cause);

/* The same, reading the snapshot piece by piece (it is ~90 bytes a thing
 * uncompressed: holding it whole beside the fleet would add half again). `read`
 * copies `len` bytes at `offset` into buf and returns false on failure. */
typedef bool (*fleet_snapshot_read_fn)(void *ctx, void *buf, size_t len, size_t offset);
struct fleet *fleet_load_stream(size_t len, fleet_snapshot_read_fn read, void *ctx,
                                const struct fleet_config *config, char **cause);

#endif
