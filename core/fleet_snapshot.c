/* Fleet snapshots: the whole table as a portable byte string.
 *
 * Format 4 (written) differs from format 3 only in the thing records:
 * groups of things stored field by field (put_group), since a snapshot
 * is compressed whole and a column of like values compresses better than
 * records that mix them. Format 3 wrote each thing as one record of the
 * same fields (get_thing3 in fleet_snapshot_load.c), times and versions
 * as deltas from their neighbours; format 2 (a third of format 1's size)
 * differs from 3 only in those deltas (get_thing2). All four are read.
 *
 * Format 1, every integer little-endian:
 *   magic "TTFLEET\n", u32 format, u8 sessions kept, u8 flap ring size,
 *   u16 zero, u64 total length, i64 clock, u64 last_seq,
 *   u16 reason count N, then ids 1 .. N-1: u8 length + bytes,
 *   u32 thing count, then (format 4) groups (put_group) or (format 1) per
 *   thing (id = position + 1):
 *     u32 client id length + bytes, u32 id, u8 status, flags, last_reason,
 *     ip_family, i64 since_ms, since_received_ms, last_received_ms,
 *     16 bytes ip, u8 length + session_id, u8 length + ip_text, i64 version,
 *     u32 sessions, disconnects, duplicates, connect_failures,
 *     u32 x FLEET_FLAP_MAX flap ring, u8 flap_next,
 *     per kept session: u64 key, i64 ts_ms, i64 version, u32 arrival,
 *     u8 flags, u8 reason,
 *   (formats 2-4) u32 extra count, then per thing with a baseline or registry
 *     fields (fleet_baseline.c): u32 thing index, u8 base_flags,
 *     base_reason, ev_status, ev_flags, ev_last_reason, i64 base_ts_ms,
 *     base_received_ms, ev_since_ms, ev_since_received_ms, events_ts_ms,
 *     u16 length + thing type, u16 length + groups, u16 attribute count,
 *     per attribute u16 length + name, u16 length + value,
 *   u64 checksum of everything before it (see checksum()).
 * Status counts are not stored: they are recomputed on load. Format 1
 * (no extras) still loads. */
#include "build_config.h"

#include "fleet.h"

#include <stdlib.h>
#include <string.h>

#include "fleet_internal.h"
#include "fleet_snapshot_internal.h"
#include "journal_codec.h"
#include "xalloc.h"

static uint64_t checksum(const uint8_t *p, size_t len)
{
	struct checksum c;
	checksum_init(&c);
	size_t blocks = len & ~(size_t)31;
	checksum_blocks(&c, p, blocks);
	return checksum_finish(&c, p + blocks, len - blocks, len);
}

struct writer {
	uint8_t *buf;
	size_t len;
	size_t size;
};

static void put_bytes(struct writer *w, const void *data, size_t len)
{
	if (w->len + len > w->size) {
		while (w->len + len > w->size)
			w->size *= 2;
		w->buf = xrealloc(w->buf, w->size);
	}
	if (len)
		memcpy(w->buf + w->len, data, len);
	w->len += len;
}

static void put_le(struct writer *w, uint64_t v, int bytes)
{
	uint8_t b[8];
	for (int i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_bytes(w, b, (size_t)bytes);
}

static void put_u8(struct writer *w, uint8_t v) { put_le(w, v, 1); }
static void put_u16(struct writer *w, uint16_t v) { put_le(w, v, 2); }
static void put_u32(struct writer *w, uint32_t v) { put_le(w, v, 4); }
static void put_u64(struct writer *w, uint64_t v) { put_le(w, v, 8); }
static void put_i64(struct writer *w, int64_t v) { put_le(w, (uint64_t)v, 8); }

static void put_str8(struct writer *w, const char *s, size_t max)
{
	size_t len = strnlen(s, max);
	put_u8(w, (uint8_t)len);
	put_bytes(w, s, len);
}

static void put_varint(struct writer *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	put_bytes(w, b, n);
}

/* Signed as unsigned, small magnitudes small (zigzag). */
static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* Times relative to the fleet's clock (most are recent). */
static void put_time(struct writer *w, int64_t clock, int64_t ms)
{
	put_varint(w, zigzag((int64_t)((uint64_t)clock - (uint64_t)ms)));
}

/* The difference a - b, small when they are close (zigzag). */
static uint64_t delta(int64_t a, int64_t b)
{
	return zigzag((int64_t)((uint64_t)a - (uint64_t)b));
}

/* A session's head byte (kind in bits 0-1: 0 all zero, 1 its u64 key
 * is stored, 2 the key is the hash of the thing's session id; bit 2:
 * version equals the reference; bit 3: ts_ms equals the reference). */
static uint8_t session_head(const struct fleet_session *s, uint64_t sid_hash, int64_t ref_ts,
                            int64_t ref_version)
{
	bool empty = !s->key && !s->ts_ms && !s->version && !s->arrival && !s->flags && !s->reason;
	if (empty)
		return 0;
	return (uint8_t)((s->key == sid_hash ? 2 : 1) | (s->version == ref_version ? 4 : 0) |
	                 (s->ts_ms == ref_ts ? 8 : 0));
}

/* Kept session k into its columns: the head byte; unless the head says
 * otherwise, the u64 key and the deltas of ts_ms and version from the
 * reference; varint arrival as its distance back from the fleet's last
 * seq (low 32 bits, modulo 2^32); u8 flags; u8 reason. */
static void put_session4(struct writer *col, size_t k, const struct fleet_session *s,
                         uint64_t sid_hash, int64_t ref_ts, int64_t ref_version, uint64_t last_seq)
{
	uint8_t head = session_head(s, sid_hash, ref_ts, ref_version);
	put_u8(&col[SESSION_COLUMN(k, SESSION_COLUMN_HEAD)], head);
	if (head == 0)
		return;
	if ((head & 3) == 1)
		put_u64(&col[SESSION_COLUMN(k, SESSION_COLUMN_KEY)], s->key);
	if (!(head & 8))
		put_varint(&col[SESSION_COLUMN(k, SESSION_COLUMN_TS)], delta(s->ts_ms, ref_ts));
	if (!(head & 4))
		put_varint(&col[SESSION_COLUMN(k, SESSION_COLUMN_VERSION)], delta(s->version, ref_version));
	put_varint(&col[SESSION_COLUMN(k, SESSION_COLUMN_ARRIVAL)],
	           (uint32_t)((uint32_t)last_seq - s->arrival));
	put_u8(&col[SESSION_COLUMN(k, SESSION_COLUMN_FLAGS)], s->flags);
	put_u8(&col[SESSION_COLUMN(k, SESSION_COLUMN_REASON)], s->reason);
}

/* The flap ring from its newest slot back: 0 for an empty slot, else 1 +
 * zigzag of (the slot before's value, at first the clock's second) minus
 * this one: session starts lie close together. */
static void put_flap_ring(struct writer *col, const struct fleet_thing *t, int64_t clock)
{
	int64_t before = clock / 1000;
	for (size_t k = 0; k < FLEET_FLAP_MAX; k++) {
		uint32_t v = t->flap_ring[(t->flap_next + FLEET_FLAP_MAX - 1 - k) % FLEET_FLAP_MAX];
		put_varint(col, v ? 1 + zigzag(before - (int64_t)v) : 0);
		if (v)
			before = v;
	}
}

/* Format 4's thing into the group's columns, the one place that reads a
 * thing's fields (get_thing4 is its mirror): varint client id length,
 * its bytes (the id is the position), u8 status, flags, last_reason,
 * ip_family, since_ms as put_time, since_received_ms as delta from
 * since_ms, last_received_ms as delta from since_received_ms (times of
 * one event lie close), varint n and the ip's first n bytes (the rest
 * zero), the session id's head (0xff: 16 bytes of a lowercase UUID
 * follow, else its length) and bytes, u8 length + ip_text, zigzag
 * version, varint counters, the flap ring (put_flap_ring), u8
 * flap_next, then the kept sessions (put_session4), each against the one
 * before it (the first against since_ms and the thing's version). */
static void put_thing4(struct writer *col, const struct fleet *fleet, const struct fleet_thing *t)
{
	size_t id_len = strlen(t->client_id);
	put_varint(&col[COLUMN_ID_LEN], id_len);
	put_bytes(&col[COLUMN_ID], t->client_id, id_len);
	put_u8(&col[COLUMN_STATUS], t->status);
	put_u8(&col[COLUMN_FLAGS], t->flags);
	put_u8(&col[COLUMN_LAST_REASON], t->last_reason);
	put_u8(&col[COLUMN_IP_FAMILY], t->ip_family);
	put_time(&col[COLUMN_SINCE], fleet->clock, t->since_ms);
	put_varint(&col[COLUMN_SINCE_RECEIVED], delta(t->since_received_ms, t->since_ms));
	put_varint(&col[COLUMN_LAST_RECEIVED], delta(t->last_received_ms, t->since_received_ms));
	/* ip and ip_text share their bytes: only the family's one is written. */
	bool text_ip = t->ip_family == 255;
	size_t ip_len = text_ip ? 0 : sizeof t->ip;
	while (ip_len > 0 && t->ip[ip_len - 1] == 0)
		ip_len--;
	put_varint(&col[COLUMN_IP_LEN], ip_len);
	put_bytes(&col[COLUMN_IP], t->ip, ip_len);
	char sid_buf[FLEET_SESSION_ID_BUF];
	const char *session_id = fleet_thing_session_id(fleet, t, sid_buf);
	if (t->session_kind == SESSION_ID_UUID) {
		put_u8(&col[COLUMN_SESSION_HEAD], 0xff);
		put_bytes(&col[COLUMN_SESSION_ID], t->session_uuid, 16);
	} else {
		size_t len = strnlen(session_id, FLEET_SESSION_ID_MAX);
		put_u8(&col[COLUMN_SESSION_HEAD], (uint8_t)len);
		put_bytes(&col[COLUMN_SESSION_ID], session_id, len);
	}
	put_str8(&col[COLUMN_IP_TEXT], text_ip ? t->ip_text : "", sizeof t->ip_text - 1);
	int64_t version = fleet_thing_version(t);
	put_varint(&col[COLUMN_VERSION], zigzag(version));
	put_varint(&col[COLUMN_SESSIONS], t->sessions);
	put_varint(&col[COLUMN_DISCONNECTS], t->disconnects);
	put_varint(&col[COLUMN_DUPLICATES], t->duplicates);
	put_varint(&col[COLUMN_CONNECT_FAILURES], t->connect_failures);
	put_flap_ring(&col[COLUMN_FLAP], t, fleet->clock);
	put_u8(&col[COLUMN_FLAP_NEXT], t->flap_next);
	uint64_t sid_hash = fleet_hash_bytes(session_id, strlen(session_id));
	int64_t ref_ts = t->since_ms, ref_version = version;
	for (size_t k = 0; k < FLEET_SESSIONS_KEPT; k++) {
		put_session4(col, k, &t->session[k], sid_hash, ref_ts, ref_version, fleet->last_seq);
		ref_ts = t->session[k].ts_ms;
		ref_version = t->session[k].version;
	}
}

/* Things first .. first + count - 1 as one group: u32 count, u32 length
 * of each column, then the columns in enum snapshot_column's order. */
static void put_group(struct writer *w, struct writer *col, const struct fleet *fleet, size_t first,
                      size_t count)
{
	for (size_t c = 0; c < COLUMN_COUNT; c++)
		col[c].len = 0;
	for (size_t i = first; i < first + count; i++)
		put_thing4(col, fleet, fleet_thing_at(fleet, i));
	put_u32(w, (uint32_t)count);
	for (size_t c = 0; c < COLUMN_COUNT; c++)
		put_u32(w, (uint32_t)col[c].len);
	for (size_t c = 0; c < COLUMN_COUNT; c++)
		put_bytes(w, col[c].buf, col[c].len);
}

static void put_str16(struct writer *w, const char *s)
{
	size_t len = s ? strnlen(s, UINT16_MAX) : 0;
	put_u16(w, (uint16_t)len);
	put_bytes(w, s, len);
}

static void put_extra(struct writer *w, const struct fleet_extra *x)
{
	put_u32(w, x->index);
	put_u8(w, x->base_flags);
	put_u8(w, x->base_reason);
	put_u8(w, x->ev_status);
	put_u8(w, x->ev_flags);
	put_u8(w, x->ev_last_reason);
	put_i64(w, x->base_ts_ms);
	put_i64(w, x->base_received_ms);
	put_i64(w, x->ev_since_ms);
	put_i64(w, x->ev_since_received_ms);
	put_i64(w, x->events_ts_ms);
	put_str16(w, x->thing_type);
	put_str16(w, x->groups);
	put_u16(w, (uint16_t)x->attr_count);
	for (size_t i = 0; i < x->attr_count; i++) {
		put_str16(w, x->attr_names[i]);
		put_str16(w, x->attr_values[i]);
	}
}

void *fleet_save(const struct fleet *fleet, size_t *len)
{
	struct writer w = { .size = 4096 + fleet->count * 96 };

	w.buf = xmalloc(w.size);
	put_bytes(&w, SNAPSHOT_MAGIC, 8);
	put_u32(&w, SNAPSHOT_FORMAT);
	put_u8(&w, FLEET_SESSIONS_KEPT);
	put_u8(&w, FLEET_FLAP_MAX);
	put_u16(&w, 0);
	put_u64(&w, 0); /* total length, filled in below */
	put_i64(&w, fleet->clock);
	put_u64(&w, fleet->last_seq);

	put_u16(&w, (uint16_t)fleet->reason_count);
	for (size_t i = 1; i < fleet->reason_count; i++)
		put_str8(&w, fleet->reasons[i], EVENT_REASON_MAX);

	put_u32(&w, (uint32_t)fleet->count);
	struct writer col[COLUMN_COUNT];
	for (size_t c = 0; c < COLUMN_COUNT; c++)
		col[c] = (struct writer){ .buf = xmalloc(4096), .size = 4096 };
	size_t group = fleet->count / 16;
	if (group < SNAPSHOT_GROUP_MIN)
		group = SNAPSHOT_GROUP_MIN;
	if (group > SNAPSHOT_GROUP_THINGS)
		group = SNAPSHOT_GROUP_THINGS;
	for (size_t first = 0; first < fleet->count; first += group) {
		size_t left = fleet->count - first;
		put_group(&w, col, fleet, first, left < group ? left : group);
	}
	for (size_t c = 0; c < COLUMN_COUNT; c++)
		free(col[c].buf);
	put_u32(&w, (uint32_t)fleet->extra_count);
	for (size_t i = 0; i < fleet->extra_count; i++)
		put_extra(&w, &fleet->extras[i]);

	uint64_t total = w.len + 8;
	for (int b = 0; b < 8; b++)
		w.buf[16 + b] = (uint8_t)(total >> (8 * b));
	put_u64(&w, checksum(w.buf, w.len));
	*len = w.len;
	return w.buf;
}
