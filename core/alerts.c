/* The alert rules' state machine and batching (see alerts.h). Per rule, only
 * the things with a state (pending or firing) are stored: an array of
 * entries plus an open-addressing index by thing id, so a fleet of a
 * million mostly-healthy things costs nothing. */
#include "alerts.h"

#include <stdlib.h>
#include <string.h>

#include "view.h"
#include "xalloc.h"

/* Every thing is matched again within this time even without an event of
 * its own: filters on ages (since>10m) change as the fleet's clock moves,
 * and a firing thing must resolve when such a filter stops matching. */
#define RECHECK_MS 60000

enum entry_state { ENTRY_PENDING, ENTRY_FIRING };

struct entry {
	uint32_t thing_id;
	uint8_t state;              /* enum entry_state */
	bool queued;                /* firing and due in the next notification */
	uint8_t status, reason;     /* the thing's when it fired: the labels */
	int64_t started_ms;         /* when it began to match */
	int64_t sent_ms;            /* last notification with it, 0 = none */
};

struct rule_state {
	const struct config_alert *config;
	struct filter *filter;
	struct entry *entries;
	size_t count, cap;
	uint32_t *index;            /* thing id -> entry position + 1; 0 = empty slot */
	size_t index_cap;           /* power of two */
	struct alert_item *resolved; /* resolved alerts waiting to be sent */
	size_t resolved_count, resolved_cap;
	size_t firing;
	size_t queued;              /* firing entries with queued set */
	int64_t queued_since_ms;    /* oldest wait for a notification, 0 = none */
	int64_t last_run_ms;        /* last notification, 0 = none yet */
	bool busy;                  /* a command runs for it */
};

struct mark {
	uint32_t thing_id;
	int64_t first_ms;           /* 0: judge by the thing's own since time */
};

struct alerts {
	struct rule_state *rules;
	size_t rule_count;
	int64_t settle_ms;
	uint8_t *marked;            /* by thing id: already in marks */
	size_t marked_cap;
	struct mark *marks;
	size_t mark_count, mark_cap;
	struct alert_change *changes;
	size_t change_count, change_cap;
	int64_t next_due;
	size_t recheck_next;        /* next thing index of the rolling re-check */
	int64_t recheck_ms;         /* when it last ran */
};

/* ---- Index: thing id -> entry ---- */

static size_t slot_of(uint32_t id, size_t cap)
{
	return (size_t)(id * 2654435761u) & (cap - 1);
}

static void index_put(struct rule_state *r, uint32_t id, uint32_t pos)
{
	size_t i = slot_of(id, r->index_cap);
	while (r->index[i] != 0 && r->entries[r->index[i] - 1].thing_id != id)
		i = (i + 1) & (r->index_cap - 1);
	r->index[i] = pos + 1;
}

static void index_grow(struct rule_state *r)
{
	free(r->index);
	r->index_cap = r->index_cap ? r->index_cap * 2 : 64;
	r->index = xcalloc(r->index_cap, sizeof *r->index);
	for (size_t k = 0; k < r->count; k++)
		index_put(r, r->entries[k].thing_id, (uint32_t)k);
}

static size_t index_slot(const struct rule_state *r, uint32_t id)
{
	if (r->index_cap == 0)
		return SIZE_MAX;
	size_t i = slot_of(id, r->index_cap);
	while (r->index[i] != 0) {
		if (r->entries[r->index[i] - 1].thing_id == id)
			return i;
		i = (i + 1) & (r->index_cap - 1);
	}
	return SIZE_MAX;
}

static struct entry *find(const struct rule_state *r, uint32_t id)
{
	size_t slot = index_slot(r, id);
	return slot == SIZE_MAX ? NULL : &r->entries[r->index[slot] - 1];
}

/* Linear probing deletion: shift later members of the cluster back. */
static void index_delete(struct rule_state *r, size_t slot)
{
	size_t mask = r->index_cap - 1, hole = slot;
	r->index[hole] = 0;
	for (size_t i = (hole + 1) & mask; r->index[i] != 0; i = (i + 1) & mask) {
		size_t home = slot_of(r->entries[r->index[i] - 1].thing_id, r->index_cap);
		/* Movable when its home is not within (hole, i]. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			r->index[hole] = r->index[i];
			r->index[i] = 0;
			hole = i;
		}
	}
}

static struct entry *add_entry(struct rule_state *r, uint32_t id, int64_t started_ms)
{
	if ((r->count + 1) * 2 > r->index_cap)
		index_grow(r);
	if (r->count == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->entries = xreallocarray(r->entries, r->cap, sizeof *r->entries);
	}
	struct entry *e = &r->entries[r->count];
	*e = (struct entry){ .thing_id = id, .state = ENTRY_PENDING, .started_ms = started_ms };
	index_put(r, id, (uint32_t)r->count);
	r->count++;
	return e;
}

static void remove_entry(struct rule_state *r, struct entry *e)
{
	size_t pos = (size_t)(e - r->entries);
	if (e->state == ENTRY_FIRING)
		r->firing--;
	if (e->queued && --r->queued == 0 && r->resolved_count == 0)
		r->queued_since_ms = 0;  /* nothing left to send */
	index_delete(r, index_slot(r, e->thing_id));
	size_t last = r->count - 1;
	if (pos != last) {
		r->entries[pos] = r->entries[last];
		r->index[index_slot(r, r->entries[pos].thing_id)] = (uint32_t)pos + 1;
	}
	r->count--;
}

/* ---- Lifecycle ---- */

struct alerts *alerts_create(const struct config_alert *rules, size_t count, int64_t settle_ms,
                             char **cause)
{
	struct alerts *a = xcalloc(1, sizeof *a);
	a->rules = xcalloc(count ? count : 1, sizeof *a->rules);
	a->settle_ms = settle_ms;
	a->next_due = INT64_MAX;
	for (size_t i = 0; i < count; i++) {
		a->rules[i].config = &rules[i];
		a->rules[i].filter = filter_parse(rules[i].filter, cause);
		a->rule_count = i + 1;
		if (!a->rules[i].filter) {
			alerts_destroy(a);
			return NULL;
		}
	}
	return a;
}

void alerts_destroy(struct alerts *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->rule_count; i++) {
		filter_destroy(a->rules[i].filter);
		free(a->rules[i].entries);
		free(a->rules[i].index);
		free(a->rules[i].resolved);
	}
	free(a->rules);
	free(a->marked);
	free(a->marks);
	free(a->changes);
	free(a);
}

size_t alerts_rule_count(const struct alerts *a)
{
	return a->rule_count;
}

const struct config_alert *alerts_rule(const struct alerts *a, size_t rule)
{
	return a->rules[rule].config;
}

int alerts_rule_find(const struct alerts *a, const char *name)
{
	for (size_t i = 0; i < a->rule_count; i++) {
		if (strcmp(a->rules[i].config->name, name) == 0)
			return (int)i;
	}
	return -1;
}

static void add_change(struct alerts *a, enum alert_change_kind kind, size_t rule,
                       const struct entry *e, int64_t at_ms)
{
	if (a->change_count == a->change_cap) {
		a->change_cap = a->change_cap ? a->change_cap * 2 : 64;
		a->changes = xreallocarray(a->changes, a->change_cap, sizeof *a->changes);
	}
	a->changes[a->change_count++] = (struct alert_change){
		.kind = kind, .rule = rule, .thing_id = e->thing_id,
		.started_ms = e->started_ms, .at_ms = at_ms,
	};
}

/* ---- Marks ---- */

static void mark(struct alerts *a, uint32_t id, int64_t first_ms)
{
	if (id == 0)
		return;
	if (id >= a->marked_cap) {
		size_t cap = a->marked_cap ? a->marked_cap : 1024;
		while (cap <= id)
			cap *= 2;
		a->marked = xrealloc(a->marked, cap);
		memset(a->marked + a->marked_cap, 0, cap - a->marked_cap);
		a->marked_cap = cap;
	}
	if (a->marked[id])
		return;
	a->marked[id] = 1;
	if (a->mark_count == a->mark_cap) {
		a->mark_cap = a->mark_cap ? a->mark_cap * 2 : 256;
		a->marks = xreallocarray(a->marks, a->mark_cap, sizeof *a->marks);
	}
	a->marks[a->mark_count++] = (struct mark){ .thing_id = id, .first_ms = first_ms };
	if (a->rule_count > 0)
		a->next_due = 0;
}

void alerts_mark(struct alerts *a, uint32_t thing_id, int64_t now_ms)
{
	if (a->rule_count > 0)
		mark(a, thing_id, now_ms);
}

void alerts_mark_all(struct alerts *a, const struct fleet *fleet)
{
	if (a->rule_count == 0)
		return;
	for (size_t i = 0; i < fleet_count(fleet); i++)
		mark(a, (uint32_t)(i + 1), 0);
}

void alerts_restore(struct alerts *a, size_t rule, const struct fleet_thing *thing,
                    int64_t started_ms, int64_t sent_ms)
{
	uint32_t thing_id = thing->id;
	struct rule_state *r = &a->rules[rule];
	struct entry *e = find(r, thing_id);
	if (!e)
		e = add_entry(r, thing_id, started_ms);
	if (e->state != ENTRY_FIRING)
		r->firing++;
	e->state = ENTRY_FIRING;
	e->started_ms = started_ms;
	e->sent_ms = sent_ms;
	e->status = thing->status;
	e->reason = thing->last_reason;
	a->next_due = 0;
}

/* ---- Evaluation ---- */

static bool waits(const struct alerts *a, const struct fleet_thing *t, int64_t now_ms)
{
	if (t->flags & THING_UNCERTAIN)
		return true;
	return t->status != STATUS_UNKNOWN && now_ms - t->since_received_ms < a->settle_ms;
}

static void queue(struct rule_state *r, struct entry *e, int64_t now_ms)
{
	if (e->queued)
		return;
	e->queued = true;
	r->queued++;
	if (r->queued_since_ms == 0)
		r->queued_since_ms = now_ms;
}

static void resolve(struct alerts *a, size_t rule, struct entry *e, int64_t now_ms)
{
	struct rule_state *r = &a->rules[rule];
	if (e->state == ENTRY_FIRING) {
		add_change(a, ALERT_RESOLVED, rule, e, now_ms);
		/* Alertmanager never heard of it: nothing to resolve there. */
		if (e->sent_ms != 0) {
			if (r->resolved_count == r->resolved_cap) {
				r->resolved_cap = r->resolved_cap ? r->resolved_cap * 2 : 16;
				r->resolved = xreallocarray(r->resolved, r->resolved_cap, sizeof *r->resolved);
			}
			r->resolved[r->resolved_count++] = (struct alert_item){
				.thing_id = e->thing_id, .started_ms = e->started_ms, .ended_ms = now_ms,
				.status = e->status, .reason = e->reason,
			};
			if (r->queued_since_ms == 0)
				r->queued_since_ms = now_ms;
		}
	}
	remove_entry(r, e);
}

static void evaluate_thing(struct alerts *a, const struct fleet *fleet,
                           const struct fleet_thing *t, int64_t first_ms, int64_t now_ms)
{
	/* Matching began when the current status did, or at the first change
	 * seen since, whichever is later. */
	int64_t start = t->since_received_ms > first_ms ? t->since_received_ms : first_ms;
	if (start == 0 || start > now_ms)
		start = now_ms;
	for (size_t i = 0; i < a->rule_count; i++) {
		struct rule_state *r = &a->rules[i];
		bool match = filter_match(r->filter, fleet, t);
		struct entry *e = find(r, t->id);
		if (match && !e)
			add_entry(r, t->id, start);
		else if (!match && e)
			resolve(a, i, e, now_ms);
	}
}

static void evaluate_marks(struct alerts *a, const struct fleet *fleet, int64_t now_ms)
{
	size_t kept = 0;
	size_t things = fleet_count(fleet);
	for (size_t k = 0; k < a->mark_count; k++) {
		struct mark m = a->marks[k];
		if (m.thing_id > things) {
			a->marked[m.thing_id] = 0;
			continue;
		}
		const struct fleet_thing *t = fleet_thing_at(fleet, m.thing_id - 1);
		if (!(t->flags & THING_UNCERTAIN) && waits(a, t, now_ms)) {
			a->marks[kept++] = m;  /* settling: look again once it settled */
			continue;
		}
		a->marked[m.thing_id] = 0;
		if (!(t->flags & THING_UNCERTAIN))
			evaluate_thing(a, fleet, t, m.first_ms, now_ms);
	}
	a->mark_count = kept;
}

static int64_t min64(int64_t x, int64_t y)
{
	return x < y ? x : y;
}

/* Fires pending entries whose `for` passed; queues repeats. Returns the
 * earliest time this rule has timer work. */
static int64_t sweep_rule(struct alerts *a, const struct fleet *fleet, size_t rule, int64_t now_ms)
{
	struct rule_state *r = &a->rules[rule];
	const struct config_alert *c = r->config;
	int64_t due = INT64_MAX;
	for (size_t k = 0; k < r->count;) {
		struct entry *e = &r->entries[k];
		if (e->state == ENTRY_PENDING) {
			int64_t fire_at = e->started_ms + c->for_ms;
			const struct fleet_thing *t = e->thing_id <= fleet_count(fleet)
				? fleet_thing_at(fleet, e->thing_id - 1) : NULL;
			if (fire_at > now_ms || !t || waits(a, t, now_ms)) {
				due = min64(due, fire_at > now_ms ? fire_at : now_ms + 1000);
				k++;
				continue;
			}
			/* Time-based filters (since>10m) change without an event. */
			if (!filter_match(r->filter, fleet, t)) {
				remove_entry(r, e);
				continue;
			}
			e->state = ENTRY_FIRING;
			e->status = t->status;
			e->reason = t->last_reason;
			r->firing++;
			add_change(a, ALERT_FIRED, rule, e, now_ms);
			queue(r, e, now_ms);
		} else if (!e->queued) {
			if (e->sent_ms == 0 || now_ms - e->sent_ms >= c->repeat_interval_ms)
				queue(r, e, now_ms);
			else
				due = min64(due, e->sent_ms + c->repeat_interval_ms);
		}
		k++;
	}
	if (r->queued_since_ms != 0 && !r->busy) {
		int64_t send_at = r->queued_since_ms + c->group_wait_ms;
		if (r->last_run_ms != 0)
			send_at = send_at > r->last_run_ms + c->group_interval_ms
				? send_at : r->last_run_ms + c->group_interval_ms;
		due = min64(due, send_at);
	}
	return due;
}

/* Marks the next slice of the fleet, sized so that all of it comes round
 * every RECHECK_MS. */
static void recheck_slice(struct alerts *a, const struct fleet *fleet, int64_t now_ms)
{
	size_t things = fleet_count(fleet);
	if (a->recheck_ms == 0 || now_ms < a->recheck_ms)
		a->recheck_ms = now_ms;
	int64_t elapsed = now_ms - a->recheck_ms;
	if (things == 0 || a->rule_count == 0 || elapsed <= 0)
		return;
	size_t slice = (size_t)((double)things * (double)elapsed / RECHECK_MS) + 1;
	if (slice > things)
		slice = things;
	for (size_t k = 0; k < slice; k++) {
		if (a->recheck_next >= things)
			a->recheck_next = 0;
		mark(a, (uint32_t)(++a->recheck_next), now_ms);
	}
	a->recheck_ms = now_ms;
}

void alerts_evaluate(struct alerts *a, const struct fleet *fleet, int64_t now_ms)
{
	recheck_slice(a, fleet, now_ms);
	evaluate_marks(a, fleet, now_ms);
	int64_t due = a->mark_count > 0 || (a->rule_count > 0 && fleet_count(fleet) > 0)
		? now_ms + 1000 : INT64_MAX;
	for (size_t i = 0; i < a->rule_count; i++)
		due = min64(due, sweep_rule(a, fleet, i, now_ms));
	a->next_due = due;
}

int64_t alerts_next_due(const struct alerts *a)
{
	return a->next_due;
}

/* ---- Notifications ---- */

static bool rule_due(const struct rule_state *r, int64_t now_ms)
{
	const struct config_alert *c = r->config;
	if (r->busy || r->queued_since_ms == 0)
		return false;
	if (now_ms < r->queued_since_ms + c->group_wait_ms)
		return false;
	return r->last_run_ms == 0 || now_ms >= r->last_run_ms + c->group_interval_ms;
}

bool alerts_take_batch(struct alerts *a, int64_t now_ms, struct alert_batch *batch)
{
	for (size_t i = 0; i < a->rule_count; i++) {
		struct rule_state *r = &a->rules[i];
		if (!rule_due(r, now_ms))
			continue;
		memset(batch, 0, sizeof *batch);
		batch->rule = i;
		batch->items = xcalloc(r->queued + r->resolved_count + 1, sizeof *batch->items);
		for (size_t k = 0; k < r->count; k++) {
			struct entry *e = &r->entries[k];
			if (!e->queued)
				continue;
			e->queued = false;
			e->sent_ms = now_ms;
			add_change(a, ALERT_SENT, i, e, now_ms);
			batch->items[batch->count++] = (struct alert_item){
				.thing_id = e->thing_id, .started_ms = e->started_ms,
				.status = e->status, .reason = e->reason,
			};
		}
		batch->firing = batch->count;
		if (r->resolved_count)
			memcpy(batch->items + batch->count, r->resolved,
			       r->resolved_count * sizeof *r->resolved);
		batch->count += r->resolved_count;
		batch->storm = batch->firing > (size_t)r->config->max_alerts;
		r->queued = 0;
		r->resolved_count = 0;
		r->queued_since_ms = 0;
		r->last_run_ms = now_ms;
		r->busy = true;
		return true;
	}
	return false;
}

void alerts_batch_free(struct alert_batch *batch)
{
	free(batch->items);
	memset(batch, 0, sizeof *batch);
}

void alerts_rule_done(struct alerts *a, size_t rule)
{
	a->rules[rule].busy = false;
	a->next_due = 0;
}

void alerts_rule_failed(struct alerts *a, size_t rule, int64_t now_ms)
{
	struct rule_state *r = &a->rules[rule];
	for (size_t k = 0; k < r->count; k++) {
		struct entry *e = &r->entries[k];
		if (e->state == ENTRY_FIRING && e->sent_ms == r->last_run_ms)
			queue(r, e, now_ms);
	}
	alerts_rule_done(a, rule);
}

struct alert_change *alerts_take_changes(struct alerts *a, size_t *count)
{
	struct alert_change *out = a->changes;
	*count = a->change_count;
	a->changes = NULL;
	a->change_count = a->change_cap = 0;
	return out;
}

/* ---- What is firing ---- */

size_t alerts_firing_count(const struct alerts *a)
{
	size_t n = 0;
	for (size_t i = 0; i < a->rule_count; i++)
		n += a->rules[i].firing;
	return n;
}

size_t alerts_rule_firing(const struct alerts *a, size_t rule)
{
	return a->rules[rule].firing;
}

bool alerts_thing_firing(const struct alerts *a, uint32_t thing_id)
{
	for (size_t i = 0; i < a->rule_count; i++) {
		const struct entry *e = find(&a->rules[i], thing_id);
		if (e && e->state == ENTRY_FIRING)
			return true;
	}
	return false;
}

struct alert_firing *alerts_list_firing(const struct alerts *a, size_t *count)
{
	size_t n = alerts_firing_count(a), k = 0;
	*count = 0;
	if (n == 0)
		return NULL;
	struct alert_firing *out = xcalloc(n, sizeof *out);
	for (size_t i = 0; i < a->rule_count; i++) {
		const struct rule_state *r = &a->rules[i];
		for (size_t j = 0; j < r->count; j++) {
			if (r->entries[j].state == ENTRY_FIRING)
				out[k++] = (struct alert_firing){
					.rule = i, .thing_id = r->entries[j].thing_id,
					.started_ms = r->entries[j].started_ms,
				};
		}
	}
	*count = k;
	return out;
}
