/* What the snapshot writer (fleet_snapshot.c, which documents the
 * format) and its reader (fleet_snapshot_load.c) share: the format's
 * constants and the checksum. */
#ifndef THINGTOP_FLEET_SNAPSHOT_INTERNAL_H
#define THINGTOP_FLEET_SNAPSHOT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "fleet_internal.h"

#define SNAPSHOT_MAGIC "TTFLEET\n"
#define SNAPSHOT_FORMAT 4
#define SNAPSHOT_FORMAT_3 3
#define SNAPSHOT_FORMAT_2 2
/* The least a format-2, 3 or 4 thing record takes. */
#define THING_MIN_2 24
#define SNAPSHOT_FORMAT_NO_EXTRAS 1
/* Format 4 stores its things in groups, each group field by field: one
 * column per field below (and per kept session, one per session field),
 * so that the compressor sees like next to like. A loader holds one group
 * whole, so a group is a sixteenth of the things (570 KB of 100k things'
 * 9 MB), at least SNAPSHOT_GROUP_MIN (smaller columns compress worse) and
 * at most SNAPSHOT_GROUP_THINGS. */
#define SNAPSHOT_GROUP_THINGS 65536
#define SNAPSHOT_GROUP_MIN 4096
enum snapshot_column {
	COLUMN_ID_LEN,
	COLUMN_ID,
	COLUMN_STATUS,
	COLUMN_FLAGS,
	COLUMN_LAST_REASON,
	COLUMN_IP_FAMILY,
	COLUMN_SINCE,
	COLUMN_SINCE_RECEIVED,
	COLUMN_LAST_RECEIVED,
	COLUMN_IP_LEN,
	COLUMN_IP,
	COLUMN_SESSION_HEAD,
	COLUMN_SESSION_ID,
	COLUMN_IP_TEXT,
	COLUMN_VERSION,
	COLUMN_SESSIONS,
	COLUMN_DISCONNECTS,
	COLUMN_DUPLICATES,
	COLUMN_CONNECT_FAILURES,
	COLUMN_FLAP,
	COLUMN_FLAP_NEXT,
	COLUMN_SESSION_FIRST,       /* then SESSION_COLUMNS per kept session */
};
enum session_column {
	SESSION_COLUMN_HEAD,
	SESSION_COLUMN_KEY,
	SESSION_COLUMN_TS,
	SESSION_COLUMN_VERSION,
	SESSION_COLUMN_ARRIVAL,
	SESSION_COLUMN_FLAGS,
	SESSION_COLUMN_REASON,
	SESSION_COLUMNS,
};
#define COLUMN_COUNT (COLUMN_SESSION_FIRST + FLEET_SESSIONS_KEPT * SESSION_COLUMNS)
#define SESSION_COLUMN(kept, field) (COLUMN_SESSION_FIRST + (kept) * SESSION_COLUMNS + (field))

#define EXTRA_FIXED (4 + 5 + 5 * 8 + 3 * 2)
#define HEADER_SIZE (8 + 4 + 4 + 8 + 8 + 8)
#define SESSION_SIZE (8 + 8 + 8 + 4 + 1 + 1)
/* Everything in a thing record but its variable-length strings. */
#define THING_FIXED (4 + 4 + 4 + 24 + 16 + 1 + 1 + 8 + 16 + 4 * FLEET_FLAP_MAX + 1 + \
                     FLEET_SESSIONS_KEPT * SESSION_SIZE)

static inline uint64_t checksum_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* An FNV-style hash of little-endian words in four interleaved lanes (for
 * speed), folded together at the end. Each step is a bijection of a lane's
 * state, so any single damaged word always changes the result. It runs
 * over 32-byte blocks as they come (checksum_blocks), then the last < 32
 * bytes (checksum_finish), so a snapshot can be checked in pieces. */
struct checksum {
	uint64_t lane[4];
};

static inline void checksum_init(struct checksum *c)
{
	for (int k = 0; k < 4; k++)
		c->lane[k] = 0xcbf29ce484222325ULL + (uint64_t)k;
}

/* len is a multiple of 32. */
static inline void checksum_blocks(struct checksum *c, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 32 <= len; i += 32)
		for (int k = 0; k < 4; k++)
			c->lane[k] = checksum_mix(c->lane[k], fleet_load_le64(p + i + 8 * k));
}

/* The last len < 32 bytes; `total` is the length of everything hashed. */
static inline uint64_t checksum_finish(struct checksum *c, const uint8_t *p, size_t len, size_t total)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8)
		c->lane[0] = checksum_mix(c->lane[0], fleet_load_le64(p + i));
	uint64_t tail = total & 7;
	for (int b = 0; i < len; i++, b++)
		tail |= (uint64_t)p[i] << (8 * (b + 1));
	uint64_t h = checksum_mix(c->lane[0], tail);
	for (int k = 1; k < 4; k++)
		h = checksum_mix(h, c->lane[k]);
	return h;
}

#endif
