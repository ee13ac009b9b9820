/* The fleet table's insides, shared by fleet.c and fleet_snapshot.c only.
 *
 * Things live in fixed-size chunks (stable pointers, no big realloc copies),
 * client ids in a string arena, and an open-addressing table of uint32
 * indexes finds a thing by client id without allocating. */
#ifndef THINGTOP_FLEET_INTERNAL_H
#define THINGTOP_FLEET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fleet.h"

/* A chunk of things is one aligned 2 MiB block, so that it can be one huge
 * page: with a million things, TLB misses dominate a lookup otherwise. */
#define FLEET_CHUNK_BYTES ((size_t)2 << 20)
#define FLEET_CHUNK_THINGS (FLEET_CHUNK_BYTES / sizeof(struct fleet_thing))
#define FLEET_REASON_IDS 256      /* ids 0 .. 255; 0 is "" */
#define FLEET_REASON_SLOTS 512    /* name -> id hash slots, power of two */
#define FLEET_KNOWN_REASONS 13    /* fixed ids 1 .. 13: event_known_reasons' first 13 */

/* An index slot names the thing and, so that a lookup can compare the
 * client id without first reading the thing, where its string lives:
 * arena block << 16 | offset (FLEET_NAME_VIA_THING when that does not fit). */
struct fleet_slot {
	uint32_t index;           /* thing index + 1; 0 = empty */
	uint32_t name;
};
#define FLEET_NAME_VIA_THING UINT32_MAX

/* What a baseline (`thingtop sync`) told about a thing, kept in a side
 * table only for things that had one (fleet_baseline.c). */
enum extra_flags {
	EXTRA_BASELINE = 1 << 0,         /* base_* hold a baseline */
	EXTRA_BASE_CONNECTED = 1 << 1,
};

struct fleet_extra {
	uint32_t index;                  /* the thing's index */
	uint8_t base_flags;              /* enum extra_flags */
	uint8_t base_reason;             /* reason id (NEVER_CONNECTED without a timestamp) */
	uint8_t ev_status;               /* the thing as its events alone left it: */
	uint8_t ev_flags;                /* the baseline is laid over these */
	uint8_t ev_last_reason;
	int64_t base_ts_ms;              /* connectivity.timestamp, 0 when none */
	int64_t base_received_ms;
	int64_t ev_since_ms, ev_since_received_ms;
	int64_t events_ts_ms;            /* newest connect/disconnect timestamp, 0 = none */
	char *thing_type;                /* registry fields; NULL when none */
	char *groups;
	size_t attr_count;
	char **attr_names, **attr_values;
};

struct fleet {
	struct fleet_config config;
	uint64_t identity;        /* fleet_identity */

	struct fleet_thing **chunks;
	size_t chunk_count;
	size_t count;
	size_t reserved;          /* the count fleet_reserve was last told, 0 if never */

	struct fleet_slot *table;
	size_t table_size;        /* power of two, at least twice count */

	char **arena;             /* blocks of client id strings */
	size_t arena_blocks;
	char *arena_at;
	size_t arena_left;

	char *reasons[FLEET_REASON_IDS];
	size_t reason_count;      /* ids 0 .. reason_count - 1 are valid */
	uint8_t reason_slots[FLEET_REASON_SLOTS]; /* reason id; 0 = empty */

	size_t status_count[STATUS_COUNT];
	int64_t clock;
	uint64_t last_seq;

	/* Session ids that are not lowercase UUIDs (rare: AWS's all are),
	 * one slot per thing that has one; freed slots are reused. */
	char (*session_texts)[FLEET_SESSION_ID_MAX + 1];
	size_t session_text_count, session_text_cap;
	uint32_t *free_session_texts;
	size_t free_session_text_count;

	struct fleet_extra *extras;      /* side table, in no particular order */
	size_t extra_count, extra_cap;
	uint32_t *extra_slots;           /* thing index -> extras position + 1; 0 = empty */
	size_t extra_slots_size;         /* power of two, 0 until the first extra */
};

/* A little-endian 64-bit word at p (any alignment), on any host. */
static inline uint64_t fleet_load_le64(const void *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* A fixed, unseeded 64-bit hash (FNV-style, a word at a time): session keys
 * must be the same in every run, so snapshots and replays are reproducible. */
uint64_t fleet_hash_bytes(const void *data, size_t len);

/* Makes room in the index for `count` things without rehashing. */
void fleet_reserve(struct fleet *fleet, size_t count);

/* The thing with this client id (len bytes, hash from fleet_hash_bytes). */
struct fleet_thing *fleet_lookup(const struct fleet *fleet, const char *client_id, size_t len,
                                 uint64_t hash);

/* Sets the latest session's id (NULL or "" for none; cut at
 * FLEET_SESSION_ID_MAX bytes). */
void fleet_thing_set_session_id(struct fleet *fleet, struct fleet_thing *thing, const char *session_id);
/* The same for a lowercase UUID's 16 bytes, on a thing that has no
 * session id yet (a snapshot's, as loaded). */
void fleet_thing_set_session_uuid(struct fleet_thing *thing, const uint8_t uuid[16]);

/* The index of a thing whose client id an earlier thing has too, or
 * SIZE_MAX (a snapshot's check): sorts the names' hashes rather than
 * indexing them, so a loaded fleet needs no index until a lookup. */
size_t fleet_find_duplicate(const struct fleet *fleet);

/* Appends a new thing (the caller checked it is absent), status unknown. */
struct fleet_thing *fleet_thing_new(struct fleet *fleet, const char *client_id, size_t len,
                                    uint64_t hash);

static inline struct fleet_thing *fleet_thing_mut(const struct fleet *fleet, size_t index)
{
	return &fleet->chunks[index / FLEET_CHUNK_THINGS][index % FLEET_CHUNK_THINGS];
}

/* The status bookkeeping shared with fleet_baseline.c. */
void fleet_set_status(struct fleet *fleet, struct fleet_thing *thing, uint8_t status);
uint8_t fleet_reason_intern(struct fleet *fleet, const char *name);

/* The side table (fleet_baseline.c). find: NULL when the thing has none;
 * get: creates it. Pointers are valid until the next get. */
struct fleet_extra *fleet_extra_find(const struct fleet *fleet, size_t index);
struct fleet_extra *fleet_extra_get(struct fleet *fleet, size_t index);
void fleet_extras_free(struct fleet *fleet);
/* Takes ownership of the strings (malloc'd, NULL for none). */
void fleet_extra_set_registry(struct fleet_extra *x, char *thing_type, char *groups,
                              size_t attr_count, char **names, char **values);

/* A baseline event for a thing; and around a connect/disconnect of a
 * thing with a baseline: before puts the events' own state back, after
 * keeps it and lays the baseline over it again. */
void fleet_baseline_apply(struct fleet *fleet, struct fleet_thing *thing,
                          const struct fleet_event *event);
void fleet_baseline_before(struct fleet *fleet, struct fleet_thing *thing, struct fleet_extra *x);
void fleet_baseline_after(struct fleet *fleet, struct fleet_thing *thing, struct fleet_extra *x,
                          int64_t event_ts_ms);

/* Gives `name` the next reason id, whether or not it is already known
 * (lookups find the first id of a name). */
void fleet_reason_append(struct fleet *fleet, const char *name, size_t len);

#endif
