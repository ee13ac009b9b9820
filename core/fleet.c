/* The reconciled fleet table: things, client ids, reasons and counts
 * (see fleet.h; the rules that apply events are in fleet_apply.c). */
#include "build_config.h"

#include "fleet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "fleet_internal.h"
#include "journal_codec.h"
#include "xalloc.h"

#define ARENA_BLOCK 65536

_Static_assert(sizeof(struct fleet_thing) == 184, "a thing record grew: see fleet.h");

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
	while (fleet->table && size < 2 * count + 2)
		size *= 2;
	if (size != fleet->table_size)
		table_rehash(fleet, size);
	chunks_reserve(fleet, count);
	fleet->reserved = count;
}

/* huge: ask for a huge page (all 2 MiB count as used at once). */
static struct fleet_thing *chunk_alloc(bool huge)
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
	if (huge)
		madvise(at, size, MADV_HUGEPAGE);
#else
	(void)huge;
#endif
	return (struct fleet_thing *)at;
}

/* Index every thing again (after fleet_drop_index). Their names are read
 * through the things: where in the arena each lies is not known here. */
static void index_rebuild(struct fleet *fleet)
{
	size_t size = 1024;
	while (size < 2 * fleet->count + 2)
		size *= 2;
	fleet->table = xcalloc(size, sizeof *fleet->table);
	fleet->table_size = size;
	for (size_t i = 0; i < fleet->count; i++) {
		const char *id = fleet_thing_mut(fleet, i)->client_id;
		table_put(fleet->table, size, fleet_hash_bytes(id, strlen(id)),
		          (struct fleet_slot){ (uint32_t)(i + 1), FLEET_NAME_VIA_THING });
	}
}

void fleet_drop_index(struct fleet *fleet)
{
	free(fleet->table);
	fleet->table = NULL;
	fleet->table_size = 0;
}

struct fleet_thing *fleet_lookup(const struct fleet *fleet, const char *client_id, size_t len,
                                 uint64_t hash)
{
	/* The index is a cache of the things: rebuilding it changes no
	 * thing, so a const fleet may do it (fleets are used by one thread). */
	if (!fleet->table)
		index_rebuild((struct fleet *)fleet);
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

	if (fleet->table && 2 * (index + 1) > fleet->table_size)
		table_rehash(fleet, fleet->table_size * 2);
	if (index / FLEET_CHUNK_THINGS >= fleet->chunk_count)
		chunks_reserve(fleet, fleet->chunk_count * FLEET_CHUNK_THINGS * 2);
	size_t chunk_index = index / FLEET_CHUNK_THINGS;
	struct fleet_thing **chunk = &fleet->chunks[chunk_index];
	if (!*chunk) {
		/* The last chunk a known count (a snapshot's) fills only in part
		 * stays in small pages, which count only as they are used. */
		size_t reserved = fleet->reserved;
		bool partial = reserved > 0 && chunk_index == (reserved - 1) / FLEET_CHUNK_THINGS &&
		               reserved % FLEET_CHUNK_THINGS != 0;
		*chunk = chunk_alloc(!partial);
	}

	struct fleet_thing *thing = &(*chunk)[index % FLEET_CHUNK_THINGS];
	memset(thing, 0, sizeof *thing);
	uint32_t name;
	thing->client_id = arena_copy(fleet, client_id, len, &name);
	thing->id = (uint32_t)(index + 1);
	thing->status = STATUS_UNKNOWN;

	if (fleet->table)
		table_put(fleet->table, fleet->table_size, hash, (struct fleet_slot){ thing->id, name });

	fleet->count++;
	fleet->status_count[STATUS_UNKNOWN]++;
	return thing;
}

static uint32_t text_slot_of(const struct fleet_thing *thing)
{
	uint32_t slot;
	memcpy(&slot, thing->session_uuid, sizeof slot);
	return slot;
}

void fleet_thing_set_session_uuid(struct fleet_thing *thing, const uint8_t uuid[16])
{
	memcpy(thing->session_uuid, uuid, sizeof thing->session_uuid);
	thing->session_kind = SESSION_ID_UUID;
}

void fleet_thing_set_session_id(struct fleet *fleet, struct fleet_thing *thing, const char *session_id)
{
	/* The free list has room: it grows with the slots (below). */
	if (thing->session_kind == SESSION_ID_TEXT)
		fleet->free_session_texts[fleet->free_session_text_count++] = text_slot_of(thing);
	memset(thing->session_uuid, 0, sizeof thing->session_uuid);
	thing->session_kind = SESSION_ID_NONE;
	if (!session_id || !*session_id)
		return;
	char cut[FLEET_SESSION_ID_MAX + 1] = "";
	memcpy(cut, session_id, strnlen(session_id, FLEET_SESSION_ID_MAX));
	unsigned char uuid[16];
	if (journal_pack_session(cut, uuid)) {
		fleet_thing_set_session_uuid(thing, uuid);
		return;
	}
	uint32_t slot;
	if (fleet->free_session_text_count > 0) {
		slot = fleet->free_session_texts[--fleet->free_session_text_count];
	} else {
		if (fleet->session_text_count == fleet->session_text_cap) {
			fleet->session_text_cap = fleet->session_text_cap ? fleet->session_text_cap * 2 : 16;
			fleet->session_texts = xreallocarray(fleet->session_texts, fleet->session_text_cap,
			                                     sizeof *fleet->session_texts);
			fleet->free_session_texts = xreallocarray(fleet->free_session_texts,
			                                          fleet->session_text_cap,
			                                          sizeof *fleet->free_session_texts);
		}
		slot = (uint32_t)fleet->session_text_count++;
	}
	memcpy(fleet->session_texts[slot], cut, sizeof cut);
	memcpy(thing->session_uuid, &slot, sizeof slot);
	thing->session_kind = SESSION_ID_TEXT;
}

const char *fleet_thing_session_id(const struct fleet *fleet, const struct fleet_thing *thing,
                                   char *buf)
{
	switch (thing->session_kind) {
	case SESSION_ID_UUID:
		return journal_unpack_session(thing->session_uuid, 16, buf);
	case SESSION_ID_TEXT:
		return fleet->session_texts[text_slot_of(thing)];
	default:
		return "";
	}
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
		fleet_reason_append(fleet, event_known_reasons[i], strlen(event_known_reasons[i]));
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
	free(fleet->session_texts);
	free(fleet->free_session_texts);
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

const struct fleet_thing *fleet_append_thing(struct fleet *fleet, const char *client_id)
{
	size_t len = strlen(client_id);
	return fleet_thing_new(fleet, client_id, len, fleet->table ? fleet_hash_bytes(client_id, len) : 0);
}

/* Sorts hashes by 11-bit digits, least significant first (6 passes). */
static void sort_hashes(uint64_t *v, uint64_t *tmp, size_t n)
{
	for (int shift = 0; shift < 64; shift += 11) {
		size_t count[2048] = {0};
		for (size_t i = 0; i < n; i++)
			count[(v[i] >> shift) & 2047]++;
		size_t at = 0;
		for (size_t d = 0; d < 2048; d++) {
			size_t c = count[d];
			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(v[i] >> shift) & 2047]++] = v[i];
		uint64_t *swap = v;
		v = tmp;
		tmp = swap;
	}
	/* Six passes: the sorted hashes are back in the first array. */
}

static uint64_t name_hash(const struct fleet *fleet, size_t index)
{
	const char *id = fleet_thing_mut(fleet, index)->client_id;
	return fleet_hash_bytes(id, strlen(id));
}

/* Among the things whose name hashes to h, the first that has an
 * earlier one's name, or SIZE_MAX (equal hashes, different names). */
static size_t duplicate_among(const struct fleet *fleet, uint64_t h)
{
	size_t *same = NULL, count = 0, cap = 0, found = SIZE_MAX;
	for (size_t i = 0; i < fleet->count && found == SIZE_MAX; i++) {
		if (name_hash(fleet, i) != h)
			continue;
		const char *name = fleet_thing_mut(fleet, i)->client_id;
		for (size_t k = 0; k < count && found == SIZE_MAX; k++)
			if (strcmp(fleet_thing_mut(fleet, same[k])->client_id, name) == 0)
				found = i;
		if (count == cap) {
			cap = cap ? cap * 2 : 4;
			same = xreallocarray(same, cap, sizeof *same);
		}
		same[count++] = i;
	}
	free(same);
	return found;
}

size_t fleet_find_duplicate(const struct fleet *fleet)
{
	size_t n = fleet->count, found = SIZE_MAX;
	if (n < 2)
		return SIZE_MAX;
	uint64_t *hashes = xreallocarray(NULL, n, sizeof *hashes);
	uint64_t *tmp = xreallocarray(NULL, n, sizeof *tmp);
	for (size_t i = 0; i < n; i++)
		hashes[i] = name_hash(fleet, i);
	sort_hashes(hashes, tmp, n);
	/* Only names with equal hashes (a duplicate, or a rare collision)
	 * are compared, once per such hash. */
	for (size_t k = 0; k + 1 < n && found == SIZE_MAX; k++) {
		if (hashes[k] != hashes[k + 1])
			continue;
		found = duplicate_among(fleet, hashes[k]);
		while (k + 1 < n && hashes[k + 1] == hashes[k])
			k++;
	}
	free(hashes);
	free(tmp);
	return found;
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

