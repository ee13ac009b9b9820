/* The reconciled fleet table (see fleet.h and reconciliation.md). */
#include "build_config.h"

#include "fleet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "fleet_internal.h"
#include "xalloc.h"

#define ARENA_BLOCK 65536

const char *const fleet_known_reasons[FLEET_KNOWN_REASONS] = {
	"AUTH_ERROR",
	"CLIENT_INITIATED_DISCONNECT",
	"CLIENT_ERROR",
	"CONNECTION_LOST",
	"DUPLICATE_CLIENTID",
	"FORBIDDEN_ACCESS",
	"MQTT_KEEP_ALIVE_TIMEOUT",
	"SERVER_ERROR",
	"SERVER_INITIATED_DISCONNECT",
	"API_INITIATED_DISCONNECT",
	"THROTTLED",
	"WEBSOCKET_TTL_EXPIRATION",
	"CUSTOMAUTH_TTL_EXPIRATION",
};

void fleet_config_defaults(struct fleet_config *config)
{
	config->order_window_ms = 30 * 60 * 1000;
	config->settle_ms = 10 * 1000;
	config->flap_sessions = 5;
	config->flap_window_ms = 10 * 60 * 1000;
}

const char *thing_status_name(enum thing_status status)
{
	switch (status) {
	case STATUS_CONNECTED:
		return "connected";
	case STATUS_DISCONNECTED:
		return "disconnected";
	case STATUS_UNKNOWN:
	case STATUS_COUNT:
		break;
	}
	return "unknown";
}

uint64_t fleet_hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)len * 0x100000001b3ULL);

	/* Eight bytes a step (client and session ids are 20-40 bytes), then
	 * a murmur3 finalizer so every bit of the key reaches the low bits
	 * that index the table. */
	for (; len >= 8; p += 8, len -= 8) {
		h = (h ^ fleet_load_le64(p)) * 0x100000001b3ULL;
		h ^= h >> 32;
	}
	uint64_t tail = 0;
	for (size_t i = 0; i < len; i++)
		tail |= (uint64_t)p[i] << (8 * i);
	h = (h ^ tail) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

void fleet_event_from_event(const struct event *event, int64_t received_ms, uint64_t seq,
                            struct fleet_event *out)
{
	memset(out, 0, sizeof *out);
	out->type = event->type;
	out->client_id = event->client_id;
	out->timestamp_ms = event->timestamp_ms;
	out->received_ms = received_ms;
	out->has_version = event->has_version;
	out->version = event->version;
	out->session_id = event->session_id;
	out->reason = event->reason;
	out->ip = event->ip;
	out->seq = seq;
}

/* Reasons. */

static uint8_t *reason_slot(struct fleet *fleet, const char *name, size_t len)
{
	size_t mask = FLEET_REASON_SLOTS - 1;
	size_t at = fleet_hash_bytes(name, len) & mask;

	/* At most 255 ids in 512 slots: an empty slot always exists. */
	for (;;) {
		uint8_t *slot = &fleet->reason_slots[at];
		if (*slot == 0)
			return slot;
		const char *have = fleet->reasons[*slot];
		if (strncmp(have, name, len) == 0 && have[len] == '\0')
			return slot;
		at = (at + 1) & mask;
	}
}

void fleet_reason_append(struct fleet *fleet, const char *name, size_t len)
{
	if (fleet->reason_count >= FLEET_REASON_IDS)
		return;
	uint8_t id = (uint8_t)fleet->reason_count++;
	fleet->reasons[id] = xstrndup(name, len);
	uint8_t *slot = reason_slot(fleet, name, len);
	if (*slot == 0)
		*slot = id;
}

uint8_t fleet_reason_intern(struct fleet *fleet, const char *name)
{
	if (!name || !*name)
		return 0;
	size_t len = strnlen(name, EVENT_REASON_MAX);
	uint8_t *slot = reason_slot(fleet, name, len);
	if (*slot != 0)
		return *slot;
	if (fleet->reason_count < FLEET_REASON_IDS - 1) {
		fleet_reason_append(fleet, name, len);
		return *slot;
	}
	/* Past 255 distinct reasons the last id is a shared "OTHER". */
	if (fleet->reason_count == FLEET_REASON_IDS - 1)
		fleet_reason_append(fleet, "OTHER", 5);
	return FLEET_REASON_IDS - 1;
}

const char *fleet_reason_name(const struct fleet *fleet, uint8_t reason_id)
{
	if (reason_id == 0 || reason_id >= fleet->reason_count)
		return "";
	return fleet->reasons[reason_id];
}

size_t fleet_reason_count(const struct fleet *fleet)
{
	return fleet->reason_count;
}

/* The index of things by client id. */

static const char *slot_name(const struct fleet *fleet, struct fleet_slot slot)
{
	if (slot.name == FLEET_NAME_VIA_THING)
		return fleet_thing_mut(fleet, slot.index - 1)->client_id;
	return fleet->arena[slot.name >> 16] + (slot.name & 0xffff);
}

static void table_put(struct fleet_slot *table, size_t size, uint64_t hash, struct fleet_slot slot)
{
	size_t mask = size - 1;
	size_t at = hash & mask;
	while (table[at].index != 0)
		at = (at + 1) & mask;
	table[at] = slot;
}

static void table_rehash(struct fleet *fleet, size_t size)
{
	struct fleet_slot *table = xcalloc(size, sizeof *table);

	for (size_t i = 0; i < fleet->table_size; i++) {
		if (fleet->table[i].index == 0)
			continue;
		const char *id = slot_name(fleet, fleet->table[i]);
		table_put(table, size, fleet_hash_bytes(id, strlen(id)), fleet->table[i]);
	}
	free(fleet->table);
	fleet->table = table;
	fleet->table_size = size;
}

static void chunks_reserve(struct fleet *fleet, size_t count)
{
	size_t chunks = (count + FLEET_CHUNK_THINGS - 1) / FLEET_CHUNK_THINGS;
	if (chunks > fleet->chunk_count) {
		fleet->chunks = xreallocarray(fleet->chunks, chunks, sizeof *fleet->chunks);
		for (size_t i = fleet->chunk_count; i < chunks; i++)
			fleet->chunks[i] = NULL;
		fleet->chunk_count = chunks;
	}
}

void fleet_reserve(struct fleet *fleet, size_t count)
{
	size_t size = fleet->table_size;
	while (size < 2 * count + 2)
		size *= 2;
	if (size != fleet->table_size)
		table_rehash(fleet, size);
	chunks_reserve(fleet, count);
}

static struct fleet_thing *chunk_alloc(void)
{
	/* Map twice the size and trim to an aligned block. */
	size_t size = FLEET_CHUNK_BYTES;
	char *map = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "thingtop: out of memory (mapping %zu bytes)\n", 2 * size);
		abort();
	}
	char *at = (char *)(((uintptr_t)map + size - 1) & ~(uintptr_t)(size - 1));
	if (at > map)
		munmap(map, (size_t)(at - map));
	if (at + size < map + 2 * size)
		munmap(at + size, (size_t)(map + 2 * size - (at + size)));
#ifdef MADV_HUGEPAGE
	madvise(at, size, MADV_HUGEPAGE);
#endif
	return (struct fleet_thing *)at;
}

struct fleet_thing *fleet_lookup(const struct fleet *fleet, const char *client_id, size_t len,
                                 uint64_t hash)
{
	size_t mask = fleet->table_size - 1;
	size_t at = hash & mask;

	for (;;) {
		struct fleet_slot slot = fleet->table[at];
		if (slot.index == 0)
			return NULL;
		struct fleet_thing *thing = fleet_thing_mut(fleet, slot.index - 1);
		/* The apply that follows reads the whole thing: fetch it while
		 * the client id is compared. */
		for (size_t line = 0; line < sizeof *thing; line += 64)
			__builtin_prefetch((const char *)thing + line);
		const char *name = slot_name(fleet, slot);
		if (memcmp(name, client_id, len) == 0 && name[len] == '\0')
			return thing;
		at = (at + 1) & mask;
	}
}

/* Copies a client id into the arena; *ref says where (see fleet_slot). */
static char *arena_copy(struct fleet *fleet, const char *s, size_t len, uint32_t *ref)
{
	if (len + 1 > fleet->arena_left) {
		/* Long strings get a block of their own; the current one stays. */
		size_t size = len + 1 > ARENA_BLOCK / 4 ? len + 1 : ARENA_BLOCK;
		char *block = xmalloc(size);
		fleet->arena = xreallocarray(fleet->arena, fleet->arena_blocks + 1, sizeof *fleet->arena);
		fleet->arena[fleet->arena_blocks++] = block;
		if (size == ARENA_BLOCK) {
			fleet->arena_at = block;
			fleet->arena_left = size;
		} else {
			memcpy(block, s, len);
			block[len] = '\0';
			*ref = fleet->arena_blocks - 1 < 0xffff ? (uint32_t)(fleet->arena_blocks - 1) << 16
			                                         : FLEET_NAME_VIA_THING;
			return block;
		}
	}
	char *out = fleet->arena_at;
	size_t block = fleet->arena_blocks - 1;
	size_t offset = (size_t)(out - fleet->arena[block]);
	*ref = block < 0xffff ? (uint32_t)(block << 16 | offset) : FLEET_NAME_VIA_THING;
	memcpy(out, s, len);
	out[len] = '\0';
	fleet->arena_at += len + 1;
	fleet->arena_left -= len + 1;
	return out;
}

struct fleet_thing *fleet_thing_new(struct fleet *fleet, const char *client_id, size_t len,
                                    uint64_t hash)
{
	size_t index = fleet->count;

	if (2 * (index + 1) > fleet->table_size)
		table_rehash(fleet, fleet->table_size * 2);
	if (index / FLEET_CHUNK_THINGS >= fleet->chunk_count)
		chunks_reserve(fleet, fleet->chunk_count * FLEET_CHUNK_THINGS * 2);
	struct fleet_thing **chunk = &fleet->chunks[index / FLEET_CHUNK_THINGS];
	if (!*chunk)
		*chunk = chunk_alloc();

	struct fleet_thing *thing = &(*chunk)[index % FLEET_CHUNK_THINGS];
	memset(thing, 0, sizeof *thing);
	uint32_t name;
	thing->client_id = arena_copy(fleet, client_id, len, &name);
	thing->id = (uint32_t)(index + 1);
	thing->status = STATUS_UNKNOWN;
	thing->version = -1;

	table_put(fleet->table, fleet->table_size, hash, (struct fleet_slot){ thing->id, name });

	fleet->count++;
	fleet->status_count[STATUS_UNKNOWN]++;
	return thing;
}

uint64_t fleet_identity(const struct fleet *fleet)
{
	return fleet->identity;
}

struct fleet *fleet_create(const struct fleet_config *config)
{
	static _Atomic uint64_t identities;
	struct fleet *fleet = xcalloc(1, sizeof *fleet);

	fleet->identity = ++identities;

	if (config)
		fleet->config = *config;
	else
		fleet_config_defaults(&fleet->config);
	if (fleet->config.order_window_ms < 0)
		fleet->config.order_window_ms = 0;
	if (fleet->config.flap_sessions < 0)
		fleet->config.flap_sessions = 0;
	if (fleet->config.flap_sessions > FLEET_FLAP_MAX - 1)
		fleet->config.flap_sessions = FLEET_FLAP_MAX - 1;

	fleet->table_size = 1024;
	fleet->table = xcalloc(fleet->table_size, sizeof *fleet->table);
	chunks_reserve(fleet, FLEET_CHUNK_THINGS);

	fleet_reason_append(fleet, "", 0);
	for (size_t i = 0; i < FLEET_KNOWN_REASONS; i++)
		fleet_reason_append(fleet, fleet_known_reasons[i], strlen(fleet_known_reasons[i]));
	return fleet;
}

void fleet_destroy(struct fleet *fleet)
{
	if (!fleet)
		return;
	for (size_t i = 0; i < fleet->chunk_count; i++)
		if (fleet->chunks[i])
			munmap(fleet->chunks[i], FLEET_CHUNK_BYTES);
	free(fleet->chunks);
	free(fleet->table);
	for (size_t i = 0; i < fleet->arena_blocks; i++)
		free(fleet->arena[i]);
	free(fleet->arena);
	for (size_t i = 0; i < fleet->reason_count; i++)
		free(fleet->reasons[i]);
	fleet_extras_free(fleet);
	free(fleet);
}

size_t fleet_count(const struct fleet *fleet)
{
	return fleet->count;
}

const struct fleet_thing *fleet_thing_at(const struct fleet *fleet, size_t index)
{
	if (index >= fleet->count)
		return NULL;
	return fleet_thing_mut(fleet, index);
}

const struct fleet_thing *fleet_find(const struct fleet *fleet, const char *client_id)
{
	if (!client_id || !*client_id)
		return NULL;
	size_t len = strlen(client_id);
	return fleet_lookup(fleet, client_id, len, fleet_hash_bytes(client_id, len));
}

const struct fleet_thing *fleet_add_thing(struct fleet *fleet, uint32_t id, const char *client_id)
{
	/* Ids are dense, so a journal's increasing ids land on index id - 1. */
	(void)id;
	size_t len = strlen(client_id);
	uint64_t hash = fleet_hash_bytes(client_id, len);
	struct fleet_thing *thing = fleet_lookup(fleet, client_id, len, hash);
	if (thing)
		return thing;
	return fleet_thing_new(fleet, client_id, len, hash);
}

size_t fleet_status_count(const struct fleet *fleet, enum thing_status status)
{
	if ((unsigned)status >= STATUS_COUNT)
		return 0;
	return fleet->status_count[status];
}

int64_t fleet_clock(const struct fleet *fleet)
{
	return fleet->clock;
}

void fleet_set_clock(struct fleet *fleet, int64_t now_ms)
{
	if (now_ms > fleet->clock)
		fleet->clock = now_ms;
}

uint64_t fleet_last_seq(const struct fleet *fleet)
{
	return fleet->last_seq;
}

bool fleet_thing_settling(const struct fleet *fleet, const struct fleet_thing *thing)
{
	if (thing->status == STATUS_UNKNOWN)
		return false;
	return fleet->clock - thing->since_received_ms < fleet->config.settle_ms;
}

bool fleet_thing_flapping(const struct fleet *fleet, const struct fleet_thing *thing)
{
	int64_t from = fleet->clock - fleet->config.flap_window_ms;
	int starts = 0;

	for (size_t i = 0; i < FLEET_FLAP_MAX; i++) {
		int64_t at = (int64_t)thing->flap_ring[i] * 1000;
		if (thing->flap_ring[i] != 0 && at >= from && at <= fleet->clock)
			starts++;
	}
	return starts > fleet->config.flap_sessions;
}

const char *fleet_thing_ip(const struct fleet_thing *thing, char *buf, size_t size)
{
	if (size == 0)
		return "";
	buf[0] = '\0';
	switch (thing->ip_family) {
	case 4:
		if (!inet_ntop(AF_INET, thing->ip, buf, (socklen_t)size))
			buf[0] = '\0';
		break;
	case 6:
		if (!inet_ntop(AF_INET6, thing->ip, buf, (socklen_t)size))
			buf[0] = '\0';
		break;
	case 255:
		snprintf(buf, size, "%s", thing->ip_text);
		break;
	default:
		break;
	}
	return buf;
}

/* Applying events. */

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

static void set_session_id(struct fleet_thing *thing, const char *session_id)
{
	memset(thing->session_id, 0, sizeof thing->session_id);
	if (session_id)
		memcpy(thing->session_id, session_id, strnlen(session_id, sizeof thing->session_id - 1));
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

static void apply_session(struct fleet *fleet, struct fleet_thing *thing,
                          const struct fleet_event *event, struct fleet_result *result)
{
	bool connect = event->type == EVENT_CONNECTED;
	uint8_t seen = connect ? SESSION_CONNECT_SEEN : SESSION_DISCONNECT_SEEN;
	struct fleet_session in = {0};
	bool latest_changed = false;
	int64_t since_ms = event->timestamp_ms;
	int at;

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
			thing->version = thing->session[0].version;
			set_session_id(thing, event->session_id);
			set_ip(thing, connect ? event->ip : NULL);
		} else if (at == 0) {
			/* An older session became the latest again; its id and
			 * ip are not kept, only its version. When open, it has
			 * been connected since its own connect. */
			latest_changed = true;
			if (session_open(&thing->session[0]))
				since_ms = thing->session[0].ts_ms;
			thing->version = thing->session[0].version;
			set_session_id(thing, NULL);
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
			thing->version = in.version;
			set_session_id(thing, event->session_id);
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
	if (!event->client_id || !*event->client_id)
		return;

	size_t len = strlen(event->client_id);
	uint64_t hash = fleet_hash_bytes(event->client_id, len);
	struct fleet_thing *thing = fleet_lookup(fleet, event->client_id, len, hash);
	if (!thing) {
		thing = fleet_thing_new(fleet, event->client_id, len, hash);
		result->new_thing = true;
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
