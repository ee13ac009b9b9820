/* Fleet snapshots read back (the format: fleet_snapshot.c), from memory
 * or streamed from the journal through a window, checked as they come. */
#include "build_config.h"

#include "fleet.h"

#include <stdlib.h>
#include <string.h>

#include "fleet_internal.h"
#include "fleet_snapshot_internal.h"
#include "journal_codec.h"
#include "xalloc.h"

/* Reads the snapshot through a window of WINDOW bytes, refilled from the
 * caller's read function, so a snapshot is never held whole in memory.
 * Fields are read whole: the longest is a u16-length string. */
#define WINDOW (256u << 10)

struct reader {
	const uint8_t *p;
	const uint8_t *end;         /* end of the bytes in the window */
	uint8_t *buf;
	size_t window_at;           /* snapshot offset of buf[0] */
	size_t content_end;         /* offset where the things end (the checksum follows) */
	fleet_snapshot_read_fn read;
	void *ctx;
	bool short_read;
	/* The checksum runs over the bytes as they are read, so a stored
	 * (deflated) snapshot is read once, not once to check and once to load. */
	struct checksum sum;
	uint8_t carry[32];          /* read bytes not yet a whole 32-byte block */
	size_t carry_len;
};

/* Adds bytes just read (in snapshot order) to the running checksum. */
static void sum_feed(struct reader *r, const uint8_t *p, size_t len)
{
	if (r->carry_len > 0) {
		size_t n = 32 - r->carry_len < len ? 32 - r->carry_len : len;
		memcpy(r->carry + r->carry_len, p, n);
		r->carry_len += n;
		p += n;
		len -= n;
		if (r->carry_len < 32)
			return;
		checksum_blocks(&r->sum, r->carry, 32);
		r->carry_len = 0;
	}
	size_t blocks = len & ~(size_t)31;
	checksum_blocks(&r->sum, p, blocks);
	memcpy(r->carry, p + blocks, len - blocks);
	r->carry_len = len - blocks;
}

static size_t reader_offset(const struct reader *r)
{
	return r->window_at + (size_t)(r->p - r->buf);
}

/* Makes `len` bytes available at r->p, reading more when needed. */
static bool refill(struct reader *r, size_t len)
{
	size_t kept = (size_t)(r->end - r->p);
	size_t at = reader_offset(r);
	if (len > WINDOW || at + len > r->content_end)
		return false;
	memmove(r->buf, r->p, kept);
	size_t want = WINDOW - kept;
	if (want > r->content_end - (at + kept))
		want = r->content_end - (at + kept);
	if (want > 0 && !r->read(r->ctx, r->buf + kept, want, at + kept))
		return false;
	sum_feed(r, r->buf + kept, want);
	r->window_at = at;
	r->p = r->buf;
	r->end = r->buf + kept + want;
	return kept + want >= len;
}

static const uint8_t *get_bytes(struct reader *r, size_t len)
{
	if ((size_t)(r->end - r->p) < len && !refill(r, len)) {
		r->short_read = true;
		r->p = r->end;
		return NULL;
	}
	const uint8_t *at = r->p;
	r->p += len;
	return at;
}

static uint64_t get_le(struct reader *r, int bytes)
{
	const uint8_t *b = get_bytes(r, (size_t)bytes);
	uint64_t v = 0;
	if (!b)
		return 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static uint8_t get_u8(struct reader *r) { return (uint8_t)get_le(r, 1); }
static uint16_t get_u16(struct reader *r) { return (uint16_t)get_le(r, 2); }
static uint32_t get_u32(struct reader *r) { return (uint32_t)get_le(r, 4); }
static uint64_t get_u64(struct reader *r) { return get_le(r, 8); }
static int64_t get_i64(struct reader *r) { return (int64_t)get_le(r, 8); }

/* A string of at most max bytes with no NUL into out[max + 1]. */
static bool get_str8(struct reader *r, char *out, size_t max)
{
	size_t len = get_u8(r);
	const uint8_t *b = get_bytes(r, len);
	if (!b || len > max || memchr(b, '\0', len))
		return false;
	memcpy(out, b, len);
	memset(out + len, 0, max + 1 - len);
	return true;
}

static uint64_t get_varint(struct reader *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		const uint8_t *b = get_bytes(r, 1);
		if (!b)
			return 0;
		v |= (uint64_t)(*b & 0x7f) << shift;
		if (!(*b & 0x80))
			return v;
	}
	r->short_read = true;
	return 0;
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static int64_t get_time(struct reader *r, int64_t clock)
{
	return (int64_t)((uint64_t)clock - (uint64_t)unzigzag(get_varint(r)));
}

/* What a thing record holds that cannot go into the thing before it is
 * checked: its bit fields (a bad value would be cut to fit), the bytes
 * ip and ip_text share, the session id (kept by fleet.c) and the
 * version (the latest session's, not stored apart). */
struct thing_fields {
	uint8_t status, flags, last_reason, ip_family, flap_next;
	uint8_t ip[16];
	char ip_text[10];
	char session_id[FLEET_SESSION_ID_MAX + 1];
	uint8_t session_uuid[16];   /* session_id packed, when it came packed */
	bool session_packed;
	int64_t version;
};

/* The checks every thing record passes, whatever its format; then the
 * fields go into the thing. */
static const char *check_thing(const struct reader *r, struct fleet *fleet, struct fleet_thing *t,
                               const struct thing_fields *f)
{
	for (size_t i = 0; i < FLEET_SESSIONS_KEPT; i++) {
		if (t->session[i].flags & ~0x0f)
			return "bad session flags";
		if (t->session[i].reason >= fleet->reason_count)
			return "bad session reason";
	}
	if (r->short_read)
		return "truncated";
	if (f->status >= STATUS_COUNT)
		return "bad status";
	if (f->flags & ~THING_UNCERTAIN)
		return "bad flags";
	if (f->last_reason >= fleet->reason_count)
		return "bad reason";
	if (f->ip_family != 0 && f->ip_family != 4 && f->ip_family != 6 && f->ip_family != 255)
		return "bad ip family";
	if (f->flap_next >= FLEET_FLAP_MAX)
		return "bad flap ring";
	t->status = f->status;
	t->flags = f->flags;
	t->last_reason = f->last_reason;
	t->ip_family = f->ip_family;
	t->flap_next = f->flap_next;
	if (f->ip_family == 255)
		memcpy(t->ip_text, f->ip_text, sizeof t->ip_text);
	else
		memcpy(t->ip, f->ip, sizeof t->ip);
	if (f->session_packed)
		fleet_thing_set_session_uuid(t, f->session_uuid);
	else
		fleet_thing_set_session_id(fleet, t, f->session_id);
	return NULL;
}

/* A new thing for the client id of `id_len` bytes read next. */
static const char *get_client(struct reader *r, struct fleet *fleet, size_t id_len,
                              struct fleet_thing **out)
{
	const char *id = (const char *)get_bytes(r, id_len);
	if (!id)
		return "truncated";
	if (id_len == 0 || memchr(id, '\0', id_len))
		return "bad client id";
	/* Duplicates are looked for once all are read (get_tables). */
	*out = fleet_thing_new(fleet, id, id_len, 0);
	return NULL;
}

/* Format 2's session id: 0xff + a packed UUID (kept in uuid as well, so
 * the thing takes it as it is), or a short string. */
static bool get_session2(struct reader *r, char *out, size_t max, uint8_t uuid[16], bool *packed)
{
	const uint8_t *tag = get_bytes(r, 1);
	*packed = false;
	if (!tag)
		return false;
	if (*tag != 0xff) {
		r->p--;         /* the tag is the string's length: still in the window */
		return get_str8(r, out, max);
	}
	const uint8_t *b = get_bytes(r, 16);
	if (!b || max < 36)
		return false;
	char text[48];
	journal_unpack_session(b, 16, text);
	memcpy(out, text, 36);
	memset(out + 36, 0, max + 1 - 36);
	memcpy(uuid, b, 16);
	*packed = true;
	return true;
}

/* What formats 2 and 3 start a thing record with alike: varint client id
 * length + bytes (the id is the position), u8 status, flags, last_reason,
 * ip_family, and since_ms (get_time). */
static const char *get_thing_head(struct reader *r, struct fleet *fleet, struct fleet_thing **out,
                                  struct thing_fields *f)
{
	const char *error = get_client(r, fleet, (size_t)get_varint(r), out);
	if (error)
		return error;
	f->status = get_u8(r);
	f->flags = get_u8(r);
	f->last_reason = get_u8(r);
	f->ip_family = get_u8(r);
	(*out)->since_ms = get_time(r, fleet->clock);
	return NULL;
}

/* What formats 2 and 3 write alike between the times and the sessions:
 * the ip, session id and ip text, version, counters and flap ring. */
static const char *get_thing_middle(struct reader *r, struct fleet_thing *t, struct thing_fields *f,
                                    int64_t clock)
{
	uint64_t ip_len = get_varint(r);
	const uint8_t *ip = ip_len <= sizeof f->ip ? get_bytes(r, ip_len) : NULL;
	if (!ip)
		return r->short_read ? "truncated" : "bad ip";
	memcpy(f->ip, ip, ip_len);
	if (!get_session2(r, f->session_id, FLEET_SESSION_ID_MAX, f->session_uuid, &f->session_packed) ||
	    !get_str8(r, f->ip_text, sizeof f->ip_text - 1))
		return r->short_read ? "truncated" : "bad session id or ip text";
	f->version = unzigzag(get_varint(r));
	t->sessions = (uint32_t)get_varint(r);
	t->disconnects = (uint32_t)get_varint(r);
	t->duplicates = (uint32_t)get_varint(r);
	t->connect_failures = (uint32_t)get_varint(r);
	int64_t clock_s = clock / 1000;
	for (size_t i = 0; i < FLEET_FLAP_MAX; i++) {
		uint64_t v = get_varint(r);
		t->flap_ring[i] = v ? (uint32_t)(clock_s - unzigzag(v - 1)) : 0;
	}
	f->flap_next = get_u8(r);
	return NULL;
}

/* Format 2's thing record: varint client id length + bytes (the id is
 * the position), u8 status, flags, last_reason, ip_family, the three
 * times (get_time), varint n + the ip's first n bytes, the session id
 * (get_session2), u8 length + ip_text, zigzag version, varint counters,
 * flap ring (0 or 1 + zigzag of clock seconds - value), u8 flap_next,
 * per kept session u8 0 (all zero), 1 (u64 key follows) or 2 (the key is
 * the hash of the thing's session id), time, zigzag version, varint
 * arrival, u8 flags, u8 reason. */
static const char *get_thing2(struct reader *r, struct fleet *fleet)
{
	struct fleet_thing *t;
	struct thing_fields f = {0};
	const char *error = get_thing_head(r, fleet, &t, &f);
	if (error)
		return error;
	int64_t clock = fleet->clock;
	t->since_received_ms = get_time(r, clock);
	t->last_received_ms = get_time(r, clock);
	error = get_thing_middle(r, t, &f, clock);
	if (error)
		return error;
	for (size_t i = 0; i < FLEET_SESSIONS_KEPT; i++) {
		struct fleet_session *s = &t->session[i];
		uint8_t kind = get_u8(r);
		if (kind == 0)
			continue;
		if (kind > 2)
			return "bad session";
		s->key = kind == 1 ? get_u64(r)
		                   : fleet_hash_bytes(f.session_id, strlen(f.session_id));
		s->ts_ms = get_time(r, clock);
		s->version = unzigzag(get_varint(r));
		s->arrival = (uint32_t)get_varint(r);
		s->flags = get_u8(r);
		s->reason = get_u8(r);
	}
	return check_thing(r, fleet, t, &f);
}

/* a + the zigzag delta read next: put_thing3's delta undone. */
static int64_t get_delta(struct reader *r, int64_t a)
{
	return (int64_t)((uint64_t)a + (uint64_t)unzigzag(get_varint(r)));
}

/* Format 3's session (put_session3 in fleet_snapshot.c). */
static const char *get_session3(struct reader *r, struct fleet_session *s, uint64_t sid_hash,
                                int64_t ref_ts, int64_t ref_version)
{
	uint8_t head = get_u8(r);
	if (head == 0)
		return NULL;
	if (head > 15 || (head & 3) == 0 || (head & 3) == 3)
		return "bad session";
	s->key = (head & 3) == 1 ? get_u64(r) : sid_hash;
	s->ts_ms = head & 8 ? ref_ts : get_delta(r, ref_ts);
	s->version = head & 4 ? ref_version : get_delta(r, ref_version);
	s->arrival = (uint32_t)get_varint(r);
	s->flags = get_u8(r);
	s->reason = get_u8(r);
	return NULL;
}

/* Format 3's thing record (put_thing3 in fleet_snapshot.c, its mirror). */
static const char *get_thing3(struct reader *r, struct fleet *fleet)
{
	struct fleet_thing *t;
	struct thing_fields f = {0};
	const char *error = get_thing_head(r, fleet, &t, &f);
	if (error)
		return error;
	int64_t clock = fleet->clock;
	t->since_received_ms = get_delta(r, t->since_ms);
	t->last_received_ms = get_delta(r, t->since_received_ms);
	error = get_thing_middle(r, t, &f, clock);
	if (error)
		return error;
	uint64_t sid_hash = fleet_hash_bytes(f.session_id, strlen(f.session_id));
	int64_t ref_ts = t->since_ms, ref_version = f.version;
	for (size_t i = 0; i < FLEET_SESSIONS_KEPT; i++) {
		error = get_session3(r, &t->session[i], sid_hash, ref_ts, ref_version);
		if (error)
			return error;
		ref_ts = t->session[i].ts_ms;
		ref_version = t->session[i].version;
	}
	return check_thing(r, fleet, t, &f);
}

/* A reader over bytes already in memory (one of format 4's columns):
 * its window holds them all, so it never reads more. */
static void memory_reader(struct reader *r, uint8_t *p, size_t len)
{
	*r = (struct reader){ .p = p, .end = p + len, .buf = p, .content_end = len };
}

/* Format 4's kept session k (put_session4 in fleet_snapshot.c). */
static const char *get_session4(struct reader *col, size_t k, struct fleet_session *s,
                                uint64_t sid_hash, int64_t ref_ts, int64_t ref_version,
                                uint64_t last_seq)
{
	uint8_t head = get_u8(&col[SESSION_COLUMN(k, SESSION_COLUMN_HEAD)]);
	if (head == 0)
		return NULL;
	if (head > 15 || (head & 3) == 0 || (head & 3) == 3)
		return "bad session";
	s->key = (head & 3) == 1 ? get_u64(&col[SESSION_COLUMN(k, SESSION_COLUMN_KEY)]) : sid_hash;
	s->ts_ms = head & 8 ? ref_ts : get_delta(&col[SESSION_COLUMN(k, SESSION_COLUMN_TS)], ref_ts);
	s->version = head & 4 ? ref_version
	                      : get_delta(&col[SESSION_COLUMN(k, SESSION_COLUMN_VERSION)], ref_version);
	s->arrival = (uint32_t)last_seq -
	             (uint32_t)get_varint(&col[SESSION_COLUMN(k, SESSION_COLUMN_ARRIVAL)]);
	s->flags = get_u8(&col[SESSION_COLUMN(k, SESSION_COLUMN_FLAGS)]);
	s->reason = get_u8(&col[SESSION_COLUMN(k, SESSION_COLUMN_REASON)]);
	return NULL;
}

/* Format 4's flap ring (put_flap_ring): from the newest slot back. */
static void get_flap_ring(struct reader *r, struct fleet_thing *t, uint8_t flap_next, int64_t clock)
{
	int64_t before = clock / 1000;
	for (size_t k = 0; k < FLEET_FLAP_MAX; k++) {
		uint64_t v = get_varint(r);
		uint32_t value = v ? (uint32_t)(before - unzigzag(v - 1)) : 0;
		t->flap_ring[(flap_next + FLEET_FLAP_MAX - 1 - k) % FLEET_FLAP_MAX] = value;
		if (value)
			before = value;
	}
}

/* Format 4's session id: head 0xff and a packed UUID (kept in f as well,
 * so the thing takes it as it is), else head bytes of text. */
static bool get_session_id4(struct reader *col, struct thing_fields *f)
{
	uint8_t head = get_u8(&col[COLUMN_SESSION_HEAD]);
	size_t len = head == 0xff ? 16 : head;
	const uint8_t *b = get_bytes(&col[COLUMN_SESSION_ID], len);
	if (!b || (head != 0xff && (len > FLEET_SESSION_ID_MAX || memchr(b, '\0', len))))
		return false;
	if (head == 0xff) {
		journal_unpack_session(b, 16, f->session_id);
		memcpy(f->session_uuid, b, 16);
		f->session_packed = true;
	} else {
		memcpy(f->session_id, b, len);
	}
	return true;
}

/* Format 4's thing from its group's columns (put_thing4 in
 * fleet_snapshot.c, its mirror). */
static const char *get_thing4(struct reader *col, struct fleet *fleet)
{
	struct fleet_thing *t;
	struct thing_fields f = {0};
	const char *error =
		get_client(&col[COLUMN_ID], fleet, (size_t)get_varint(&col[COLUMN_ID_LEN]), &t);
	if (error)
		return error;
	f.status = get_u8(&col[COLUMN_STATUS]);
	f.flags = get_u8(&col[COLUMN_FLAGS]);
	f.last_reason = get_u8(&col[COLUMN_LAST_REASON]);
	f.ip_family = get_u8(&col[COLUMN_IP_FAMILY]);
	int64_t clock = fleet->clock;
	t->since_ms = get_time(&col[COLUMN_SINCE], clock);
	t->since_received_ms = get_delta(&col[COLUMN_SINCE_RECEIVED], t->since_ms);
	t->last_received_ms = get_delta(&col[COLUMN_LAST_RECEIVED], t->since_received_ms);
	uint64_t ip_len = get_varint(&col[COLUMN_IP_LEN]);
	const uint8_t *ip = ip_len <= sizeof f.ip ? get_bytes(&col[COLUMN_IP], ip_len) : NULL;
	if (!ip)
		return "bad ip";
	memcpy(f.ip, ip, ip_len);
	if (!get_session_id4(col, &f) ||
	    !get_str8(&col[COLUMN_IP_TEXT], f.ip_text, sizeof f.ip_text - 1))
		return "bad session id or ip text";
	f.version = unzigzag(get_varint(&col[COLUMN_VERSION]));
	t->sessions = (uint32_t)get_varint(&col[COLUMN_SESSIONS]);
	t->disconnects = (uint32_t)get_varint(&col[COLUMN_DISCONNECTS]);
	t->duplicates = (uint32_t)get_varint(&col[COLUMN_DUPLICATES]);
	t->connect_failures = (uint32_t)get_varint(&col[COLUMN_CONNECT_FAILURES]);
	f.flap_next = get_u8(&col[COLUMN_FLAP_NEXT]);
	get_flap_ring(&col[COLUMN_FLAP], t, f.flap_next, clock);
	uint64_t sid_hash = fleet_hash_bytes(f.session_id, strlen(f.session_id));
	int64_t ref_ts = t->since_ms, ref_version = f.version;
	for (size_t k = 0; k < FLEET_SESSIONS_KEPT; k++) {
		error = get_session4(col, k, &t->session[k], sid_hash, ref_ts, ref_version,
		                     fleet->last_seq);
		if (error)
			return error;
		ref_ts = t->session[k].ts_ms;
		ref_version = t->session[k].version;
	}
	for (size_t c = 0; c < COLUMN_COUNT; c++) {
		if (col[c].short_read)
			return "truncated column";
	}
	return check_thing(&col[0], fleet, t, &f);
}

/* A format-4 group's columns, read whole (a few MB) before its things. */
struct group_buf {
	uint8_t *p;
	size_t cap;
};

/* One format-4 group (put_group): at most things_left things, counted in
 * *index as they are read. */
static const char *get_group4(struct reader *r, struct fleet *fleet, size_t things_left,
                              size_t *index, struct group_buf *g)
{
	size_t count = get_u32(r);
	size_t len[COLUMN_COUNT], total = 0;
	for (size_t c = 0; c < COLUMN_COUNT; c++) {
		len[c] = get_u32(r);
		total += len[c];
	}
	if (r->short_read)
		return "truncated";
	if (count == 0 || count > SNAPSHOT_GROUP_THINGS || count > things_left ||
	    total > r->content_end - reader_offset(r))
		return "bad group";
	if (g->cap < total) {
		g->p = xrealloc(g->p, total);
		g->cap = total;
	}
	for (size_t done = 0; done < total;) {
		size_t n = total - done < WINDOW ? total - done : WINDOW;
		const uint8_t *b = get_bytes(r, n);
		if (!b)
			return "truncated";
		memcpy(g->p + done, b, n);
		done += n;
	}
	struct reader col[COLUMN_COUNT];
	for (size_t c = 0, at = 0; c < COLUMN_COUNT; at += len[c], c++)
		memory_reader(&col[c], g->p + at, len[c]);
	for (size_t i = 0; i < count; i++, (*index)++) {
		const char *error = get_thing4(col, fleet);
		if (error)
			return error;
		fleet->status_count[fleet_thing_at(fleet, *index)->status]++;
	}
	for (size_t c = 0; c < COLUMN_COUNT; c++) {
		if (col[c].p != col[c].end)
			return "bad column length";
	}
	return NULL;
}

/* Reads thing number `index` (format 1) into the fleet; returns an error
 * or NULL. */
static const char *get_thing(struct reader *r, struct fleet *fleet, size_t index)
{
	struct fleet_thing *t;
	struct thing_fields f = {0};
	const char *error = get_client(r, fleet, get_u32(r), &t);
	if (error)
		return error;

	if (get_u32(r) != index + 1)
		return "thing ids out of order";
	f.status = get_u8(r);
	f.flags = get_u8(r);
	f.last_reason = get_u8(r);
	f.ip_family = get_u8(r);
	t->since_ms = get_i64(r);
	t->since_received_ms = get_i64(r);
	t->last_received_ms = get_i64(r);
	const uint8_t *ip = get_bytes(r, sizeof f.ip);
	if (ip)
		memcpy(f.ip, ip, sizeof f.ip);
	if (!get_str8(r, f.session_id, FLEET_SESSION_ID_MAX) ||
	    !get_str8(r, f.ip_text, sizeof f.ip_text - 1))
		return r->short_read ? "truncated" : "bad session id or ip text";
	f.version = get_i64(r);
	t->sessions = get_u32(r);
	t->disconnects = get_u32(r);
	t->duplicates = get_u32(r);
	t->connect_failures = get_u32(r);
	for (size_t i = 0; i < FLEET_FLAP_MAX; i++)
		t->flap_ring[i] = get_u32(r);
	f.flap_next = get_u8(r);
	for (size_t i = 0; i < FLEET_SESSIONS_KEPT; i++) {
		struct fleet_session *s = &t->session[i];
		s->key = get_u64(r);
		s->ts_ms = get_i64(r);
		s->version = get_i64(r);
		s->arrival = get_u32(r);
		s->flags = get_u8(r);
		s->reason = get_u8(r);
	}
	return check_thing(r, fleet, t, &f);
}

/* A string of a u16 length: NULL when empty. */
static bool get_str16(struct reader *r, char **out)
{
	size_t len = get_u16(r);
	const uint8_t *b = get_bytes(r, len);
	*out = NULL;
	if (!b || memchr(b, '\0', len))
		return false;
	if (len)
		*out = xstrndup((const char *)b, len);
	return true;
}

static const char *get_registry(struct reader *r, struct fleet_extra *x)
{
	char *type, *groups;
	if (!get_str16(r, &type))
		return "bad thing type";
	if (!get_str16(r, &groups)) {
		free(type);
		return "bad groups";
	}
	size_t count = get_u16(r);
	char **names = count ? xcalloc(count, sizeof *names) : NULL;
	char **values = count ? xcalloc(count, sizeof *values) : NULL;
	fleet_extra_set_registry(x, type, groups, count, names, values);
	for (size_t i = 0; i < count; i++)
		if (!get_str16(r, &names[i]) || !get_str16(r, &values[i]) || !names[i])
			return "bad attribute";
	for (size_t i = 0; i < count; i++)
		if (!values[i])
			values[i] = xstrdup("");
	return NULL;
}

/* Reads one side-table entry; returns an error or NULL. */
static const char *get_extra(struct reader *r, struct fleet *fleet)
{
	uint32_t index = get_u32(r);
	if (r->short_read)
		return "truncated";
	if (index >= fleet->count)
		return "extra of no thing";
	if (fleet_extra_find(fleet, index))
		return "duplicate extra";
	struct fleet_extra *x = fleet_extra_get(fleet, index);
	x->base_flags = get_u8(r);
	x->base_reason = get_u8(r);
	x->ev_status = get_u8(r);
	x->ev_flags = get_u8(r);
	x->ev_last_reason = get_u8(r);
	x->base_ts_ms = get_i64(r);
	x->base_received_ms = get_i64(r);
	x->ev_since_ms = get_i64(r);
	x->ev_since_received_ms = get_i64(r);
	x->events_ts_ms = get_i64(r);
	const char *error = get_registry(r, x);
	if (r->short_read)
		return "truncated";
	if (error)
		return error;
	if (x->base_flags & ~(EXTRA_BASELINE | EXTRA_BASE_CONNECTED) || x->ev_status >= STATUS_COUNT ||
	    x->ev_flags & ~THING_UNCERTAIN)
		return "bad baseline";
	if (x->base_reason >= fleet->reason_count || x->ev_last_reason >= fleet->reason_count)
		return "bad baseline reason";
	return NULL;
}

/* Reads what the parser left unread (all of it, unless loading failed),
 * then compares the running checksum with the one stored at the end. */
static bool sum_matches(struct reader *r, bool *read_failed)
{
	size_t at = r->window_at + (size_t)(r->end - r->buf);
	while (at < r->content_end) {
		size_t n = r->content_end - at > WINDOW ? WINDOW : r->content_end - at;
		if (!r->read(r->ctx, r->buf, n, at)) {
			*read_failed = true;
			return false;
		}
		sum_feed(r, r->buf, n);
		at += n;
	}
	r->p = r->end = r->buf;
	r->window_at = at;
	uint8_t stored[8];
	if (!r->read(r->ctx, stored, 8, r->content_end)) {
		*read_failed = true;
		return false;
	}
	return checksum_finish(&r->sum, r->carry, r->carry_len, r->content_end) ==
	       fleet_load_le64(stored);
}

/* A snapshot already in memory, read like a stored one. */
struct memory_snapshot {
	const uint8_t *data;
	size_t len;
};

static bool read_memory(void *ctx, void *buf, size_t len, size_t offset)
{
	const struct memory_snapshot *m = ctx;
	if (offset > m->len || len > m->len - offset)
		return false;
	memcpy(buf, m->data + offset, len);
	return true;
}

struct fleet *fleet_load(const void *data, size_t len, const struct fleet_config *config, char **cause)
{
	struct memory_snapshot memory = { data, len };
	if (!data) {
		set_cause(cause, "fleet snapshot truncated: %zu bytes", len);
		return NULL;
	}
	return fleet_load_stream(len, read_memory, &memory, config, cause);
}

/* Magic, format and layout; the format, or 0 with *cause set. */
static uint32_t get_header(struct reader *r, size_t len, char **cause)
{
	const uint8_t *magic = get_bytes(r, 8);
	if (!magic) {
		set_cause(cause, "fleet snapshot unreadable");
		return 0;
	}
	if (memcmp(magic, SNAPSHOT_MAGIC, 8) != 0) {
		set_cause(cause, "not a fleet snapshot (bad magic)");
		return 0;
	}
	uint32_t format = get_u32(r);
	if (format != SNAPSHOT_FORMAT && format != SNAPSHOT_FORMAT_3 &&
	    format != SNAPSHOT_FORMAT_2 && format != SNAPSHOT_FORMAT_NO_EXTRAS) {
		set_cause(cause, "fleet snapshot format %u not supported (want %d)", format,
		          SNAPSHOT_FORMAT);
		return 0;
	}
	uint8_t kept = get_u8(r), flap = get_u8(r);
	get_u16(r);
	if (kept != FLEET_SESSIONS_KEPT || flap != FLEET_FLAP_MAX) {
		set_cause(cause, "fleet snapshot layout differs (%u sessions, %u flap slots)", kept, flap);
		return 0;
	}
	uint64_t total = get_u64(r);
	if (total != len) {
		set_cause(cause, "fleet snapshot %s: %zu bytes, expected %llu",
		          len < total ? "truncated" : "has trailing bytes", len, (unsigned long long)total);
		return 0;
	}
	return format;
}

static const char *get_reasons(struct reader *r, struct fleet *fleet)
{
	size_t reasons = get_u16(r);
	if (reasons < 1 + FLEET_KNOWN_REASONS || reasons > FLEET_REASON_IDS)
		return "bad reason count";
	for (size_t i = 1; i < reasons; i++) {
		char name[EVENT_REASON_MAX + 1];
		if (!get_str8(r, name, EVENT_REASON_MAX))
			return r->short_read ? "truncated reason table" : "bad reason name";
		if (i <= FLEET_KNOWN_REASONS) {
			if (strcmp(name, event_known_reasons[i - 1]) != 0)
				return "known reasons renumbered";
		} else {
			fleet_reason_append(fleet, name, strlen(name));
		}
	}
	return NULL;
}

/* Things, then (formats 2-4) extras; *index is the thing being read. */
static const char *get_tables(struct reader *r, struct fleet *fleet, uint32_t format, size_t *index)
{
	size_t count = get_u32(r);
	if (r->short_read ||
	    count > (r->content_end - reader_offset(r)) / (format == 1 ? THING_FIXED : THING_MIN_2))
		return "bad thing count";
	/* No index while loading: the first lookup builds it. */
	fleet_drop_index(fleet);
	fleet_reserve(fleet, count);
	struct group_buf group = { 0 };
	for (*index = 0; *index < count;) {
		const char *error = NULL;
		if (format == SNAPSHOT_FORMAT) {
			error = get_group4(r, fleet, count - *index, index, &group);
		} else {
			error = format == SNAPSHOT_FORMAT_3   ? get_thing3(r, fleet)
			        : format == SNAPSHOT_FORMAT_2 ? get_thing2(r, fleet)
			                                      : get_thing(r, fleet, *index);
			if (!error)
				fleet->status_count[fleet_thing_at(fleet, (*index)++)->status]++;
		}
		if (error) {
			free(group.p);
			return error;
		}
	}
	free(group.p);
	fleet->status_count[STATUS_UNKNOWN] -= count;
	*index = fleet_find_duplicate(fleet);
	if (*index != SIZE_MAX)
		return "duplicate client id";
	*index = count;
	if (format != SNAPSHOT_FORMAT_NO_EXTRAS) {
		size_t extras = get_u32(r);
		if (r->short_read || extras > count ||
		    extras > (r->content_end - reader_offset(r)) / EXTRA_FIXED)
			return "bad extra count";
		for (size_t i = 0; i < extras; i++) {
			const char *error = get_extra(r, fleet);
			if (error)
				return error;
		}
	}
	if (reader_offset(r) != r->content_end)
		return "trailing bytes after the things";
	return NULL;
}

/* The snapshot is read once: the checksum is computed as the bytes come,
 * and compared before the fleet is handed out. When loading fails, the
 * rest is read too, so damage is reported as damage, not as the first
 * odd field it produced. */
struct fleet *fleet_load_stream(size_t len, fleet_snapshot_read_fn read, void *ctx,
                                const struct fleet_config *config, char **cause)
{
	struct reader r = { .content_end = len - 8, .read = read, .ctx = ctx };
	struct fleet *fleet = NULL;
	size_t index = 0;
	bool read_failed = false;

	if (len < HEADER_SIZE + 8) {
		set_cause(cause, "fleet snapshot truncated: %zu bytes", len);
		return NULL;
	}
	checksum_init(&r.sum);
	r.buf = xmalloc(WINDOW);
	r.p = r.end = r.buf;
	uint32_t format = get_header(&r, len, cause);
	if (format == 0)
		goto out;

	fleet = fleet_create(config);
	fleet->clock = get_i64(&r);
	fleet->last_seq = get_u64(&r);
	const char *error = get_reasons(&r, fleet);
	if (!error)
		error = get_tables(&r, fleet, format, &index);
	size_t offset = reader_offset(&r);
	bool intact = sum_matches(&r, &read_failed);
	if (!intact || error) {
		if (!intact)
			set_cause(cause, read_failed ? "fleet snapshot unreadable"
			                             : "fleet snapshot damaged (checksum mismatch)");
		else
			set_cause(cause, "fleet snapshot damaged: %s (thing %zu, offset %zu)", error,
			          index, offset);
		fleet_destroy(fleet);
		fleet = NULL;
	}
out:
	free(r.buf);
	return fleet;
}
