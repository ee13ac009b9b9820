/* The replay engine: rows in seq order, each applied when the replay
 * clock reaches its receive time, turned into fleet events exactly as
 * core/rebuild.c does (so a replay and a rebuild agree), and jumps back
 * through rebuild_fleet, which starts from the newest snapshot. */
#include "build_config.h"

#include "replay.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rebuild.h"
#include "thing_names.h"
#include "timefmt.h"
#include "xalloc.h"

/* A forward seek further than this rebuilds from a snapshot instead of
 * applying the rows one by one. */
#define SEEK_APPLY_MAX 200000
/* Rows between two looks at the clock when working to a budget. */
#define BUDGET_CHECK_ROWS 64
/* A jump on in time by at most this lets the clock run there. */
#define SEEK_RUN_MAX_MS (2 * 60 * 1000)

struct replay {
	struct journal *journal;    /* borrowed */
	struct fleet_config config;
	struct fleet *fleet;
	struct thing_names names;   /* read once, and again past its end as a recorded journal grows */

	uint64_t start_seq, end_seq;
	uint64_t pos;               /* last row applied */
	int64_t start_clock, end_clock;
	int64_t clock;
	double clock_frac;          /* sub-millisecond remainder at slow speeds */
	double speed;               /* 0 = max */
	bool paused;
	bool has_wall;
	int64_t last_wall;

	bool next_known;            /* next_received holds the row after pos */
	int64_t next_received;
	uint64_t applied;
};

/* ---- Applying rows ---- */

struct apply {
	struct replay *r;
	int64_t due_until;          /* rows received later are not due */
	long limit;                 /* rows at most (0 = no limit) */
	int64_t deadline;           /* monotonic ms (0 = none) */
	long count;
	bool stopped;               /* the scan ended early: rows remain */
	bool out_of_time;
	uint64_t missing_seq;       /* a row whose thing has no name */
	uint32_t missing_id;
	int64_t last_received;
	char *error;
};

/* A thing's name, reading the things table past its known end once when
 * the journal grew since. */
static const char *name_of(void *ctx, uint32_t id)
{
	struct apply *a = ctx;
	struct replay *r = a->r;
	const char *name = thing_names_find(&r->names, id);
	if (name || a->error)
		return name;
	uint32_t after = thing_names_last(&r->names);
	if (id <= after)
		return NULL;
	if (!journal_things_after(r->journal, after, thing_names_add, &r->names, &a->error))
		return NULL;
	return thing_names_find(&r->names, id);
}

static bool apply_row(void *ctx, const struct journal_row *row)
{
	struct apply *a = ctx;
	struct replay *r = a->r;
	if (row->received_ms > a->due_until) {
		r->next_known = true;
		r->next_received = row->received_ms;
		a->stopped = true;
		return false;
	}
	if (a->deadline && a->count > 0 && a->count % BUDGET_CHECK_ROWS == 0 &&
	    time_mono_ms() >= a->deadline) {
		r->next_known = true;
		r->next_received = row->received_ms;
		a->stopped = a->out_of_time = true;
		return false;
	}
	const char *client_id;
	if (!rebuild_row_client(r->fleet, row, name_of, a, &client_id)) {
		a->missing_seq = row->seq;
		a->missing_id = row->thing_id;
		a->stopped = true;
		return false;
	}
	struct fleet_event ev;
	rebuild_event_from_row(row, client_id, &ev);
	fleet_apply(r->fleet, &ev, NULL);
	r->pos = row->seq;
	r->next_known = false;
	a->last_received = row->received_ms;
	a->count++;
	if (a->limit && a->count >= a->limit) {
		a->stopped = true;
		return false;
	}
	return true;
}

/* Applies the rows after pos up to upto_seq that are due. */
static bool apply_rows(struct replay *r, struct apply *a, uint64_t upto_seq, char **cause)
{
	a->r = r;
	a->last_received = INT64_MIN;
	if (r->pos >= upto_seq)
		return true;
	bool ok = journal_scan(r->journal, r->pos, upto_seq, false, apply_row, a, cause);
	r->applied += (uint64_t)a->count;
	if (!ok)
		return false;
	if (a->error) {
		set_cause(cause, "%s", a->error);
		free(a->error);
		a->error = NULL;
		return false;
	}
	if (a->missing_seq) {
		set_cause(cause, "journal %s: event %llu names thing %u, which its things table lacks",
		          journal_path(r->journal), (unsigned long long)a->missing_seq, a->missing_id);
		return false;
	}
	/* No row left up to upto_seq (seqs may have gaps). */
	if (!a->stopped)
		r->pos = upto_seq;
	return true;
}

static void set_clock(struct replay *r, int64_t ms);

/* ---- Flat out: the rows read on a second thread (journal_scan_ahead) ---- */

/* The reader owns the journal meanwhile: a thing without a name is an
 * error here, not a reason to read the things table again. */
static bool apply_batch(void *ctx, const struct journal_row *rows, size_t count)
{
	struct apply *a = ctx;
	struct replay *r = a->r;
	for (size_t i = 0; i < count; i++) {
		const struct journal_row *row = &rows[i];
		if (row->thing_id > fleet_count(r->fleet) && !thing_names_find(&r->names, row->thing_id)) {
			a->missing_seq = row->seq;
			a->missing_id = row->thing_id;
			return false;
		}
		apply_row(a, row);
	}
	return true;
}

long replay_run(struct replay *r, char **cause)
{
	if (r->pos >= r->end_seq) {
		if (r->end_clock > r->clock)
			set_clock(r, r->end_clock);
		return 0;
	}
	struct apply a = { .r = r, .due_until = INT64_MAX, .last_received = INT64_MIN };
	bool ok = journal_scan_ahead(r->journal, r->pos, r->end_seq, apply_batch, &a, cause);
	r->applied += (uint64_t)a.count;
	if (!ok)
		return -1;
	if (a.missing_seq) {
		set_cause(cause, "journal %s: event %llu names thing %u, which its things table lacks",
		          journal_path(r->journal), (unsigned long long)a.missing_seq, a.missing_id);
		return -1;
	}
	r->pos = r->end_seq;
	int64_t clock = a.last_received > r->clock ? a.last_received : r->clock;
	set_clock(r, r->end_clock > clock ? r->end_clock : clock);
	return a.count;
}

/* The receive time of the first row after `after_seq` (up to upto_seq). */
struct probe {
	bool found;
	int64_t received_ms;
};

static bool probe_row(void *ctx, const struct journal_row *row)
{
	struct probe *p = ctx;
	p->found = true;
	p->received_ms = row->received_ms;
	return false;
}

static bool received_after(struct journal *journal, uint64_t after_seq, uint64_t upto_seq,
                           struct probe *p, char **cause)
{
	*p = (struct probe){ 0 };
	if (upto_seq <= after_seq)
		return true;
	return journal_scan(journal, after_seq, upto_seq, false, probe_row, p, cause);
}

/* ---- Positioning ---- */

static void set_clock(struct replay *r, int64_t ms)
{
	r->clock = ms;
	r->clock_frac = 0;
	fleet_set_clock(r->fleet, ms);
}

/* The fleet rebuilt as of `seq`, replacing the current one. */
static bool rebuild_to(struct replay *r, uint64_t seq, char **cause)
{
	struct fleet *fleet = seq == 0 ? fleet_create(&r->config)
	                               : rebuild_fleet(r->journal, &r->config, seq, cause);
	if (!fleet)
		return false;
	fleet_destroy(r->fleet);
	r->fleet = fleet;
	r->pos = seq;
	r->next_known = false;
	return true;
}

static uint64_t clamp_seq(const struct replay *r, uint64_t seq)
{
	if (seq < r->start_seq)
		return r->start_seq;
	if (seq > r->end_seq)
		return r->end_seq;
	return seq;
}

/* Rows up to `seq` applied, the fastest way, with the fleet's clock not
 * past clock_ms (a fleet's clock never goes back: that takes a rebuild). */
static bool move_to(struct replay *r, uint64_t seq, int64_t clock_ms, char **cause)
{
	seq = clamp_seq(r, seq);
	bool back = seq < r->pos || fleet_clock(r->fleet) > clock_ms;
	if (!back && seq == r->pos)
		return true;
	if (!back && seq - r->pos <= SEEK_APPLY_MAX) {
		struct apply a = { .due_until = INT64_MAX };
		uint64_t applied = r->applied;
		bool ok = apply_rows(r, &a, seq, cause);
		r->applied = applied;
		return ok;
	}
	return rebuild_to(r, seq, cause);
}

bool replay_seek_time(struct replay *r, int64_t ms, char **cause)
{
	/* At the start is the start, not the rows received at that time. */
	if (ms <= r->start_clock)
		return replay_seek_start(r, cause);
	if (ms > r->end_clock)
		ms = r->end_clock;
	if (ms >= r->clock && ms - r->clock <= SEEK_RUN_MAX_MS) {
		/* A short way on: just let the clock run there. */
		struct apply a = { .due_until = ms };
		uint64_t applied = r->applied;
		bool ok = apply_rows(r, &a, r->end_seq, cause);
		r->applied = applied;
		if (!ok)
			return false;
		set_clock(r, ms);
		return true;
	}
	if (!move_to(r, journal_seq_at(r->journal, ms), ms, cause))
		return false;
	set_clock(r, ms);
	return true;
}

bool replay_seek_start(struct replay *r, char **cause)
{
	if (!move_to(r, r->start_seq, r->start_clock, cause))
		return false;
	set_clock(r, r->start_clock);
	return true;
}

bool replay_seek_end(struct replay *r, char **cause)
{
	if (!move_to(r, r->end_seq, INT64_MAX, cause))
		return false;
	set_clock(r, r->end_clock > fleet_clock(r->fleet) ? r->end_clock : fleet_clock(r->fleet));
	return true;
}

/* ---- Life ---- */

bool replay_range_parse(struct replay_range *range, struct journal *journal, const char *from,
                        const char *to, char **cause)
{
	*range = (struct replay_range){ 0 };
	uint64_t last = journal_last_seq(journal);
	struct probe end;
	if (!received_after(journal, last > 0 ? last - 1 : 0, last, &end, cause))
		return false;
	int64_t now = end.found ? end.received_ms : time_now_ms();
	if (from && !time_parse_point(from, now, &range->from_ms)) {
		set_cause(cause, "--from \"%s\" is not a time (try 2026-01-01T03:10Z or -2h)", from);
		return false;
	}
	if (to && !time_parse_point(to, now, &range->to_ms)) {
		set_cause(cause, "--to \"%s\" is not a time (try 2026-01-01T03:10Z or -2h)", to);
		return false;
	}
	range->has_from = from != NULL;
	range->has_to = to != NULL;
	if (from && to && range->to_ms < range->from_ms) {
		set_cause(cause, "--to is before --from");
		return false;
	}
	return true;
}

struct replay *replay_create(struct journal *journal, const struct fleet_config *config,
                             const struct replay_range *range, char **cause)
{
	struct replay *r = xcalloc(1, sizeof *r);
	r->journal = journal;
	r->config = *config;
	r->speed = 1.0;
	if (range->has_from && range->has_to && range->to_ms < range->from_ms) {
		set_cause(cause, "the end of the replay is before its start");
		goto fail;
	}
	/* The last seq first: every thing its rows name is in the table then. */
	uint64_t last = journal_last_seq(journal);
	if (!journal_things(journal, thing_names_add, &r->names, cause))
		goto fail;

	r->start_seq = range->has_from ? journal_seq_at(journal, range->from_ms) : 0;
	r->end_seq = range->has_to ? journal_seq_at(journal, range->to_ms) : last;
	if (r->end_seq < r->start_seq)
		r->end_seq = r->start_seq;

	struct probe first, final;
	if (!received_after(journal, r->start_seq, r->end_seq, &first, cause))
		goto fail;
	if (!received_after(journal, r->end_seq > 0 ? r->end_seq - 1 : 0, r->end_seq, &final, cause))
		goto fail;
	if (range->has_from)
		r->start_clock = range->from_ms;
	else
		r->start_clock = first.found ? first.received_ms : (final.found ? final.received_ms : 0);
	if (range->has_to)
		r->end_clock = range->to_ms;
	else
		r->end_clock = final.found ? final.received_ms : r->start_clock;
	if (r->end_clock < r->start_clock)
		r->end_clock = r->start_clock;

	r->pos = UINT64_MAX;        /* nothing yet: move_to rebuilds */
	if (!rebuild_to(r, r->start_seq, cause))
		goto fail;
	set_clock(r, r->start_clock);
	return r;

fail:
	replay_destroy(r);
	return NULL;
}

void replay_destroy(struct replay *r)
{
	if (!r)
		return;
	fleet_destroy(r->fleet);
	thing_names_finish(&r->names);
	free(r);
}

struct fleet *replay_fleet(const struct replay *r)
{
	return r->fleet;
}

/* ---- Speed and pause ---- */

void replay_set_speed(struct replay *r, double speed)
{
	if (speed < 0 || speed > REPLAY_SPEED_LIMIT || isnan(speed))
		speed = REPLAY_SPEED_MAX;
	r->speed = speed;
	r->clock_frac = 0;
}

double replay_speed(const struct replay *r)
{
	return r->speed;
}

void replay_format_speed(double speed, char *buf, size_t size)
{
	if (speed == REPLAY_SPEED_MAX)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%gx", speed);
}

bool replay_parse_speed(const char *s, double *speed)
{
	if (strcmp(s, "max") == 0) {
		*speed = REPLAY_SPEED_MAX;
		return true;
	}
	char *end;
	double v = strtod(s, &end);
	if (end == s)
		return false;
	if (*end == 'x' || *end == 'X')
		end++;
	if (*end != '\0' || !(v > 0) || v > REPLAY_SPEED_LIMIT)
		return false;
	*speed = v;
	return true;
}

void replay_set_paused(struct replay *r, bool paused)
{
	r->paused = paused;
	r->has_wall = false;        /* the pause does not count as played time */
}

bool replay_paused(const struct replay *r)
{
	return r->paused;
}

/* ---- Playing ---- */

long replay_advance(struct replay *r, int64_t wall_ms, int64_t budget_ms, char **cause)
{
	int64_t dt = r->has_wall ? wall_ms - r->last_wall : 0;
	r->has_wall = true;
	r->last_wall = wall_ms;
	if (r->paused || replay_done(r))
		return 0;

	int64_t before = r->clock;
	int64_t due_until = INT64_MAX;
	if (r->speed != REPLAY_SPEED_MAX) {
		double step = (double)(dt > 0 ? dt : 0) * r->speed + r->clock_frac;
		double whole = floor(step);
		r->clock_frac = step - whole;
		if (whole > (double)(r->end_clock - r->clock))
			r->clock = r->end_clock;
		else
			r->clock += (int64_t)whole;
		due_until = r->clock;
	}

	struct apply a = { .due_until = due_until };
	if (r->pos < r->end_seq && !(r->next_known && r->next_received > due_until)) {
		if (budget_ms > 0)
			a.deadline = time_mono_ms() + budget_ms;
		if (!apply_rows(r, &a, r->end_seq, cause))
			return -1;
	}
	if (r->speed == REPLAY_SPEED_MAX || a.out_of_time) {
		/* The clock stands at the rows applied; it waits for the rest. */
		int64_t clock = a.count > 0 && a.last_received > before ? a.last_received : before;
		r->clock = clock;
		r->clock_frac = 0;
		if (r->pos >= r->end_seq)
			r->clock = r->end_clock > clock ? r->end_clock : clock;
	}
	fleet_set_clock(r->fleet, r->clock);
	return a.count;
}

int64_t replay_next_due_ms(const struct replay *r)
{
	if (r->paused || replay_done(r))
		return -1;
	if (r->speed == REPLAY_SPEED_MAX)
		return 0;
	int64_t target;
	if (r->pos < r->end_seq) {
		if (!r->next_known)
			return 0;
		target = r->next_received;
	} else {
		target = r->end_clock;
	}
	if (target <= r->clock)
		return 0;
	double wait = ceil(((double)(target - r->clock) - r->clock_frac) / r->speed);
	return wait > (double)INT32_MAX ? INT32_MAX : (int64_t)wait;
}

long replay_step(struct replay *r, char **cause)
{
	if (r->pos >= r->end_seq)
		return 0;
	struct apply a = { .due_until = INT64_MAX, .limit = 1 };
	if (!apply_rows(r, &a, r->end_seq, cause))
		return -1;
	if (a.count > 0 && a.last_received > r->clock)
		set_clock(r, a.last_received);
	return a.count;
}

/* ---- State ---- */

int64_t replay_clock(const struct replay *r)
{
	return r->clock;
}

uint64_t replay_position(const struct replay *r)
{
	return r->pos;
}

uint64_t replay_start_seq(const struct replay *r)
{
	return r->start_seq;
}

uint64_t replay_end_seq(const struct replay *r)
{
	return r->end_seq;
}

bool replay_done(const struct replay *r)
{
	return r->pos >= r->end_seq && r->clock >= r->end_clock;
}

uint64_t replay_applied(const struct replay *r)
{
	return r->applied;
}
