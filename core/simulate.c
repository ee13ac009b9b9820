/* The simulated fleet: a discrete-event model. Each thing has a next
 * action time in a min-heap; popping the earliest advances the simulated
 * clock and makes the thing act (connect, disconnect, take over its own
 * session, subscribe, fail to connect). The messages an action makes go to
 * a pool; delivery picks from the pool (oldest first, or at random within
 * the reorder window). Truth is the broker's state: is the thing's latest
 * session open. */
#include "simulate.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "simulate_internal.h"
#include "xalloc.h"

#define KEEPALIVE_MS 60000
#define HOUR_MS 3600000LL

enum thing_kind { KIND_NORMAL, KIND_FLAPPER, KIND_FAILER };

struct thing {
	char *client_id;
	char *json_id;                /* JSON-escaped, without quotes */
	size_t id_len;
	int64_t next_ms;              /* next own action */
	int64_t late_ms;              /* pending late disconnect of an old session, INT64_MAX none */
	int64_t skew_ms;
	int64_t version;
	int64_t offline_since;
	int64_t late_version;
	uint32_t heap_pos;
	uint8_t kind;
	bool open;                    /* latest session open: the truth */
	bool ever_connected;
	bool seen;
	bool long_offline;            /* this offline spell lasts over an hour */
	bool storm;                   /* next action is a storm disconnect */
	char session[37];
	char late_session[37];
	char late_reason[32];
};

struct heap_entry {
	int64_t key;
	uint32_t thing;
};

struct pooled {
	uint64_t gen;                 /* generation order */
	bool malformed;
	size_t topic_len, payload_len;
	char topic[SIMULATE_TOPIC_MAX];
	char payload[SIMULATE_PAYLOAD_MAX];
};

struct simulator {
	struct simulate_options opt;
	uint64_t rng[4];
	struct thing *things;
	struct heap_entry *heap;
	size_t heap_len;
	int64_t clock;
	int64_t last_received;
	int64_t next_storm_ms;
	uint64_t gen;
	uint64_t delivered;
	struct pooled *pool;          /* unordered */
	size_t pool_len, pool_cap;
	struct pooled out;            /* the message last handed out */
	bool draining;
};

/* ---- Random numbers: xoshiro256**, seeded by splitmix64 ---- */

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(struct simulator *sim)
{
	uint64_t *s = sim->rng;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static uint64_t below(struct simulator *sim, uint64_t n)
{
	return n ? rnd(sim) % n : 0;
}

static bool chance(struct simulator *sim, unsigned per_thousand)
{
	return below(sim, 1000) < per_thousand;
}

static int64_t exp_ms(struct simulator *sim, int64_t mean)
{
	double u = ((double)(rnd(sim) >> 11) + 1.0) / 9007199254740993.0;
	int64_t v = (int64_t)(-log(u) * (double)mean);
	return v < 1 ? 1 : v;
}

static bool on(const struct simulator *sim, unsigned quirk)
{
	return (sim->opt.quirks & quirk) != 0;
}

static void make_client_id(struct simulator *sim, size_t i, char *buf, size_t size)
{
	/* A few awkward ids so every consumer is exercised: '/', ',', '"',
	 * UTF-8 and an escape character (a broker refuses control characters
	 * in topics, so there a visible backslash form stands in). */
	switch (i) {
	case 0: snprintf(buf, size, "plant/line-3/press-7"); return;
	case 1: snprintf(buf, size, "sensor,with,commas"); return;
	case 2: snprintf(buf, size, "quote\"d \"id\""); return;
	case 3: snprintf(buf, size, "capteur-t\xc3\xa9l\xc3\xa9-\xe6\xb8\xa9\xe5\xba\xa6"); return;
	case 4:
		snprintf(buf, size, sim->opt.ids_topic_safe ? "esc\\e[31mred" : "esc\x1b[31mred");
		return;
	default: snprintf(buf, size, "thing-%06zu", i); return;
	}
}

static void make_session(struct simulator *sim, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a = rnd(sim), b = rnd(sim);
	int n = 0;
	for (int i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[n++] = '-';
		uint64_t src = i < 16 ? a : b;
		out[n++] = hex[(src >> ((i % 16) * 4)) & 15];
	}
	out[n] = '\0';
}

/* ---- Heap of things by their next action ---- */

static int64_t key_of(const struct thing *t)
{
	return t->late_ms < t->next_ms ? t->late_ms : t->next_ms;
}

static void heap_swap(struct simulator *sim, size_t a, size_t b)
{
	struct heap_entry ea = sim->heap[a], eb = sim->heap[b];
	sim->heap[a] = eb;
	sim->heap[b] = ea;
	sim->things[eb.thing].heap_pos = (uint32_t)a;
	sim->things[ea.thing].heap_pos = (uint32_t)b;
}

/* Restores heap order after the key of the thing at `pos` changed. The
 * keys live in the heap itself so sifting stays in cache. */
static void heap_fix(struct simulator *sim, size_t pos)
{
	struct heap_entry *h = sim->heap;
	h[pos].key = key_of(&sim->things[h[pos].thing]);
	while (pos > 0) {
		size_t parent = (pos - 1) / 2;
		if (h[parent].key <= h[pos].key)
			break;
		heap_swap(sim, pos, parent);
		pos = parent;
	}
	for (;;) {
		size_t l = 2 * pos + 1, r = l + 1, m = pos;
		if (l < sim->heap_len && h[l].key < h[m].key)
			m = l;
		if (r < sim->heap_len && h[r].key < h[m].key)
			m = r;
		if (m == pos)
			break;
		heap_swap(sim, pos, m);
		pos = m;
	}
}

/* ---- Making messages ---- */

static struct pooled *pool_add(struct simulator *sim)
{
	if (sim->pool_len == sim->pool_cap) {
		sim->pool_cap = sim->pool_cap ? sim->pool_cap * 2 : 64;
		sim->pool = xreallocarray(sim->pool, sim->pool_cap, sizeof *sim->pool);
	}
	struct pooled *m = &sim->pool[sim->pool_len++];
	m->gen = sim->gen++;
	m->malformed = false;
	return m;
}

static void set_topic(struct pooled *m, const char *family, const char *type, const struct thing *t)
{
	char *p = simulate_put_str(m->topic, "$aws/events/");
	p = simulate_put_str(p, family);
	*p++ = '/';
	p = simulate_put_str(p, type);
	*p++ = '/';
	size_t room = SIMULATE_TOPIC_MAX - 1 - (size_t)(p - m->topic);
	size_t len = t->id_len < room ? t->id_len : room;
	memcpy(p, t->client_id, len);
	p[len] = '\0';
	m->topic_len = (size_t)(p - m->topic) + len;
}

static int64_t stamp(struct simulator *sim, const struct thing *t, int64_t at)
{
	if (!on(sim, SIM_SKEW))
		return at;
	int64_t skew = t->skew_ms + (int64_t)below(sim, 4001) - 2000;
	if (skew > 120000)
		skew = 120000;
	if (skew < -120000)
		skew = -120000;
	return at + skew;
}

static void emit(struct simulator *sim, size_t index, const char *type, int64_t at,
                 const char *session, int64_t version, const char *reason)
{
	struct thing *t = &sim->things[index];
	struct pooled *m = pool_add(sim);
	bool presence = strcmp(type, "subscribed") != 0 && strcmp(type, "unsubscribed") != 0;
	set_topic(m, presence ? "presence" : "subscriptions", type, t);

	char *p = m->payload;
	p = simulate_put_str(p, "{\"clientId\":\"");
	p = simulate_put_str(p, t->json_id);
	p = simulate_put_str(p, "\",\"timestamp\":");
	p = simulate_put_int(p, stamp(sim, t, at));
	p = simulate_put_str(p, ",\"eventType\":\"");
	p = simulate_put_str(p, type);
	p = simulate_put_str(p, "\",\"sessionIdentifier\":\"");
	p = simulate_put_str(p, session);
	p = simulate_put_str(p, "\",\"principalIdentifier\":\"");
	p = simulate_put_int(p, 100000000 + (int64_t)index * 7919);
	p = simulate_put_str(p, "a1b2c3d4\"");
	if (strcmp(type, "connected") == 0 || strcmp(type, "connect_failed") == 0) {
		p = simulate_put_str(p, ",\"ipAddress\":\"");
		if (index % 7 == 3) {
			p = simulate_put_str(p, "2001:db8::");
			p = simulate_put_int(p, (int64_t)(index % 9000) + 1);
		} else {
			p = simulate_put_str(p, "10.");
			p = simulate_put_int(p, (int64_t)(index >> 16) & 255);
			*p++ = '.';
			p = simulate_put_int(p, (int64_t)(index >> 8) & 255);
			*p++ = '.';
			p = simulate_put_int(p, (int64_t)index & 255);
		}
		*p++ = '"';
	}
	if (presence && strcmp(type, "connect_failed") != 0) {
		p = simulate_put_str(p, ",\"versionNumber\":");
		p = simulate_put_int(p, version);
	}
	if (strcmp(type, "disconnected") == 0) {
		p = simulate_put_str(p, ",\"clientInitiatedDisconnect\":");
		p = simulate_put_str(p, strcmp(reason, "CLIENT_INITIATED_DISCONNECT") == 0 ? "true" : "false");
		p = simulate_put_str(p, ",\"disconnectReason\":\"");
		p = simulate_put_str(p, reason);
		*p++ = '"';
	} else if (strcmp(type, "connect_failed") == 0) {
		p = simulate_put_str(p, ",\"connectFailureReason\":\"AUTHORIZATION_FAILED\"");
	} else if (!presence) {
		p = simulate_put_str(p, ",\"topics\":[\"devices/");
		p = simulate_put_int(p, (int64_t)index);
		p = simulate_put_str(p, "/cmd\"]");
	}
	*p++ = '}';
	*p = '\0';
	m->payload_len = (size_t)(p - m->payload);
	t->seen = true;

	if (on(sim, SIM_DUPLICATES) && chance(sim, 20)) {
		struct pooled *dup = pool_add(sim);
		uint64_t gen = dup->gen;
		*dup = sim->pool[sim->pool_len - 2];
		dup->gen = gen;
	}
}

static void emit_malformed(struct simulator *sim)
{
	size_t index = (size_t)below(sim, sim->opt.things);
	struct thing *t = &sim->things[index];
	struct pooled *m = pool_add(sim);
	m->malformed = true;
	set_topic(m, "presence", "connected", t);
	const char *body;
	switch (below(sim, 4)) {
	case 0: body = "{\"clientId\":\"thing-cut\",\"timest"; break;
	case 1: body = "[1,2,3]"; break;
	case 2: body = "{\"eventType\":\"connected\",\"timestamp\":\"soon\"}"; break;
	default: body = "\xff\xfe not json"; break;
	}
	m->payload_len = strlen(body);
	memcpy(m->payload, body, m->payload_len + 1);
}

static const char *pick_reason(struct simulator *sim)
{
	static const char *const reasons[] = {
		"CLIENT_INITIATED_DISCONNECT", "CLIENT_INITIATED_DISCONNECT", "CONNECTION_LOST",
		"CONNECTION_LOST", "MQTT_KEEP_ALIVE_TIMEOUT", "SERVER_INITIATED_DISCONNECT",
		"THROTTLED", "AUTH_ERROR", "CLIENT_ERROR",
	};
	return reasons[below(sim, sizeof reasons / sizeof reasons[0])];
}

static int64_t mean_for(const struct simulator *sim, const struct thing *t)
{
	return t->kind == KIND_FLAPPER ? sim->opt.mean_interval_ms / 20 + 1 : sim->opt.mean_interval_ms;
}

static void new_session(struct simulator *sim, struct thing *t, int64_t now)
{
	/* AWS restarts versions only after about an hour offline; a takeover
	 * or a keep-alive reconnect happens while the old session is open. */
	bool reset = on(sim, SIM_VERSION_RESET) && t->ever_connected && !t->open &&
	             now - t->offline_since > HOUR_MS;
	if (reset)
		t->version = (int64_t)below(sim, 2);
	else if (t->ever_connected)
		t->version += 1 + (chance(sim, 200) ? (int64_t)below(sim, 3) : 0);
	make_session(sim, t->session);
	t->open = true;
	t->ever_connected = true;
}

/* One action of thing `index` at the simulated time `now`. */
static void act(struct simulator *sim, size_t index, int64_t now)
{
	struct thing *t = &sim->things[index];
	int64_t mean = mean_for(sim, t);

	if (t->late_ms <= t->next_ms) {
		emit(sim, index, "disconnected", t->late_ms, t->late_session, t->late_version, t->late_reason);
		t->late_ms = INT64_MAX;
		return;
	}
	if (t->kind == KIND_FAILER) {
		char session[37];
		make_session(sim, session);
		emit(sim, index, "connect_failed", now, session, 0, NULL);
		t->next_ms = now + exp_ms(sim, mean);
		return;
	}
	if (!t->open) {
		if (on(sim, SIM_CONNECT_FAILED) && chance(sim, 60)) {
			char session[37];
			make_session(sim, session);
			emit(sim, index, "connect_failed", now, session, 0, NULL);
			t->next_ms = now + 1000 + exp_ms(sim, 5000);
			return;
		}
		new_session(sim, t, now);
		t->long_offline = false;
		emit(sim, index, "connected", now, t->session, t->version, NULL);
		t->next_ms = now + exp_ms(sim, mean);
		return;
	}

	/* Connected. */
	unsigned roll = (unsigned)below(sim, 1000);
	if (!t->storm && on(sim, SIM_SUBSCRIPTIONS) && roll < 200) {
		emit(sim, index, chance(sim, 700) ? "subscribed" : "unsubscribed", now, t->session, 0, NULL);
		t->next_ms = now + exp_ms(sim, mean / 2 + 1);
		return;
	}
	if (!t->storm && on(sim, SIM_TAKEOVER) && roll >= 200 && roll < 260) {
		/* A second connection with the same client id: the new session
		 * connects, then the old one is closed with DUPLICATE_CLIENTID. */
		char old_session[37];
		memcpy(old_session, t->session, sizeof old_session);
		int64_t old_version = t->version;
		new_session(sim, t, now);
		emit(sim, index, "connected", now, t->session, t->version, NULL);
		emit(sim, index, "disconnected", now + (int64_t)below(sim, 50), old_session, old_version,
		     "DUPLICATE_CLIENTID");
		t->next_ms = now + exp_ms(sim, mean);
		return;
	}
	if (!t->storm && on(sim, SIM_KEEPALIVE) && roll >= 260 && roll < 320 && t->late_ms == INT64_MAX) {
		/* Silent network loss: the device reconnects within seconds, the
		 * broker notices the old session only after 1.5 x keep-alive. */
		memcpy(t->late_session, t->session, sizeof t->late_session);
		t->late_version = t->version;
		snprintf(t->late_reason, sizeof t->late_reason, "MQTT_KEEP_ALIVE_TIMEOUT");
		t->late_ms = now + KEEPALIVE_MS * 3 / 2;
		int64_t back = now + 2000 + (int64_t)below(sim, 20000);
		new_session(sim, t, back);
		emit(sim, index, "connected", back, t->session, t->version, NULL);
		t->next_ms = back + exp_ms(sim, mean);
		if (t->next_ms <= t->late_ms)
			t->next_ms = t->late_ms + 1;
		return;
	}
	const char *reason = t->storm ? (chance(sim, 500) ? "CONNECTION_LOST" : "SERVER_INITIATED_DISCONNECT")
	                              : pick_reason(sim);
	emit(sim, index, "disconnected", now, t->session, t->version, reason);
	t->open = false;
	t->offline_since = now;
	if (t->storm) {
		t->storm = false;
		t->next_ms = now + 3000 + (int64_t)below(sim, 60000);
	} else if (on(sim, SIM_VERSION_RESET) && t->kind == KIND_NORMAL && chance(sim, 80)) {
		t->long_offline = true;
		t->next_ms = now + HOUR_MS + 5 * 60000 + (int64_t)below(sim, 2 * HOUR_MS);
	} else {
		t->next_ms = now + exp_ms(sim, mean / 2 + 1);
	}
}

static void start_storm(struct simulator *sim, int64_t now)
{
	size_t count = sim->opt.things / 5 + 1;
	for (size_t k = 0; k < count; k++) {
		size_t index = (size_t)below(sim, sim->opt.things);
		struct thing *t = &sim->things[index];
		if (!t->open || t->kind != KIND_NORMAL || t->storm || t->late_ms != INT64_MAX)
			continue;
		t->storm = true;
		t->next_ms = now + (int64_t)below(sim, 2000);
		heap_fix(sim, t->heap_pos);
	}
}

/* Runs one step of the model: the earliest thing acts. */
static void step(struct simulator *sim)
{
	if (on(sim, SIM_MALFORMED) && chance(sim, 2)) {
		emit_malformed(sim);
		return;
	}
	size_t index = sim->heap[0].thing;
	struct thing *t = &sim->things[index];
	int64_t now = key_of(t);
	if (now > sim->clock)
		sim->clock = now;
	if (on(sim, SIM_STORMS) && sim->clock >= sim->next_storm_ms) {
		sim->next_storm_ms = sim->clock + sim->opt.mean_interval_ms * 4 + exp_ms(sim, sim->opt.mean_interval_ms * 4);
		start_storm(sim, sim->clock);
		if (sim->heap[0].thing != index)
			return; /* a storm victim now comes first */
	}
	act(sim, index, now);
	heap_fix(sim, t->heap_pos);
}

/* ---- Public ---- */

struct simulator *simulate_create(const struct simulate_options *options)
{
	struct simulator *sim = xcalloc(1, sizeof *sim);
	sim->opt = *options;
	if (sim->opt.things < 1)
		sim->opt.things = 1;
	if (sim->opt.mean_interval_ms < 100)
		sim->opt.mean_interval_ms = 100;
	if (sim->opt.reorder_window < 1)
		sim->opt.reorder_window = 1;
	uint64_t x = options->seed;
	for (int i = 0; i < 4; i++) {
		x += 0x9e3779b97f4a7c15ULL;
		uint64_t z = x;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		sim->rng[i] = z ^ (z >> 31);
	}
	sim->clock = sim->opt.start_ms;
	sim->last_received = sim->opt.start_ms;
	sim->next_storm_ms = sim->opt.start_ms + sim->opt.mean_interval_ms * 2;
	size_t n = sim->opt.things;
	sim->things = xcalloc(n, sizeof *sim->things);
	sim->heap = xcalloc(n, sizeof *sim->heap);
	for (size_t i = 0; i < n; i++) {
		struct thing *t = &sim->things[i];
		char id[64], esc[200];
		make_client_id(sim, i, id, sizeof id);
		t->client_id = xstrdup(id);
		t->id_len = strlen(id);
		simulate_json_escape(id, strlen(id), esc, sizeof esc);
		t->json_id = xstrdup(esc);
		t->late_ms = INT64_MAX;
		t->skew_ms = (int64_t)below(sim, 240001) - 120000;
		t->version = (int64_t)below(sim, 5);
		t->kind = KIND_NORMAL;
		if (on(sim, SIM_CONNECT_FAILED) && i > 5 && chance(sim, 20))
			t->kind = KIND_FAILER;
		else if (on(sim, SIM_FLAPPING) && i > 5 && chance(sim, 30))
			t->kind = KIND_FLAPPER;
		t->next_ms = sim->opt.start_ms + (int64_t)below(sim, (uint64_t)sim->opt.mean_interval_ms);
		sim->heap[i].thing = (uint32_t)i;
		sim->heap[i].key = key_of(t);
		t->heap_pos = (uint32_t)i;
	}
	for (size_t i = 0; i < n; i++) {
		sim->heap_len = i + 1;
		heap_fix(sim, i);
	}
	return sim;
}

void simulate_destroy(struct simulator *sim)
{
	if (!sim)
		return;
	for (size_t i = 0; i < sim->opt.things; i++) {
		free(sim->things[i].client_id);
		free(sim->things[i].json_id);
	}
	free(sim->things);
	free(sim->heap);
	free(sim->pool);
	free(sim);
}

static void hand_out(struct simulator *sim, size_t slot, struct simulate_message *out)
{
	sim->out = sim->pool[slot];
	sim->pool[slot] = sim->pool[--sim->pool_len];
	if (sim->clock > sim->last_received)
		sim->last_received = sim->clock;
	sim->delivered++;
	out->topic = sim->out.topic;
	out->topic_len = sim->out.topic_len;
	out->payload = sim->out.payload;
	out->payload_len = sim->out.payload_len;
	out->received_ms = sim->last_received;
	out->malformed = sim->out.malformed;
}

static size_t oldest(const struct simulator *sim)
{
	size_t best = 0;
	for (size_t i = 1; i < sim->pool_len; i++) {
		if (sim->pool[i].gen < sim->pool[best].gen)
			best = i;
	}
	return best;
}

static size_t choose(struct simulator *sim)
{
	if (!on(sim, SIM_REORDER))
		return oldest(sim);
	size_t o = oldest(sim);
	/* Hard bound: nothing waits more than two windows. */
	if (sim->gen - sim->pool[o].gen >= (uint64_t)sim->opt.reorder_window * 2 || chance(sim, 300))
		return o;
	return (size_t)below(sim, sim->pool_len);
}

bool simulate_next(struct simulator *sim, struct simulate_message *out)
{
	size_t want = on(sim, SIM_REORDER) ? (size_t)sim->opt.reorder_window : 1;
	while (sim->pool_len < want)
		step(sim);
	hand_out(sim, choose(sim), out);
	return true;
}

bool simulate_drain(struct simulator *sim, struct simulate_message *out)
{
	if (!sim->draining) {
		sim->draining = true;
		/* Late disconnects already decided by the broker still happen. */
		for (size_t i = 0; i < sim->opt.things; i++) {
			struct thing *t = &sim->things[i];
			if (t->late_ms != INT64_MAX) {
				if (t->late_ms > sim->clock)
					sim->clock = t->late_ms;
				emit(sim, i, "disconnected", t->late_ms, t->late_session, t->late_version, t->late_reason);
				t->late_ms = INT64_MAX;
			}
		}
	}
	if (!sim->pool_len)
		return false;
	hand_out(sim, choose(sim), out);
	return true;
}

uint64_t simulate_delivered(const struct simulator *sim)
{
	return sim->delivered;
}

int64_t simulate_clock(const struct simulator *sim)
{
	return sim->clock;
}

size_t simulate_thing_count(const struct simulator *sim)
{
	return sim->opt.things;
}

const char *simulate_thing_id(const struct simulator *sim, size_t index)
{
	return sim->things[index].client_id;
}

const char *simulate_thing_status(const struct simulator *sim, size_t index)
{
	const struct thing *t = &sim->things[index];
	if (t->open)
		return "connected";
	return t->ever_connected ? "disconnected" : "unknown";
}

static int compare_ids(const void *a, const void *b)
{
	const struct thing *const *x = a, *const *y = b;
	return strcmp((*x)->client_id, (*y)->client_id);
}

bool simulate_write_truth(const struct simulator *sim, FILE *out)
{
	size_t n = 0;
	const struct thing **list = xcalloc(sim->opt.things, sizeof *list);
	for (size_t i = 0; i < sim->opt.things; i++) {
		if (sim->things[i].seen)
			list[n++] = &sim->things[i];
	}
	qsort(list, n, sizeof *list, compare_ids);
	struct csv_writer csv;
	csv_init(&csv, out);
	csv_cell_str(&csv, "client_id");
	csv_cell_str(&csv, "status");
	csv_end_row(&csv);
	for (size_t i = 0; i < n; i++) {
		csv_cell_str(&csv, list[i]->client_id);
		csv_cell_str(&csv, simulate_thing_status(sim, (size_t)(list[i] - sim->things)));
		csv_end_row(&csv);
	}
	free(list);
	return !ferror(out);
}

