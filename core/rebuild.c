/* Rebuilding the fleet from the journal: the newest usable snapshot, then
 * every row after it, through the same fleet_apply as live events, so a
 * replay gives the same table the live run had.
 *
 * Rows carry thing ids, not client ids: things already in the fleet are
 * named by the fleet itself; the client ids of newer things are read from
 * the things table once per rebuild or catch-up. A thing enters the fleet
 * with its first event (as it did live), so a fleet as of an earlier seq
 * holds only the things seen by then. */
#include "build_config.h"

#include "rebuild.h"
#include "thing_names.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Below this many rows a second thread costs more than it saves. */
#define SCAN_AHEAD_MIN_ROWS 20000
/* What a replay from the empty fleet reads ahead, a thing, while the
 * things' names are read: they take 0.16 s a million, in which ~450k rows
 * could be read, 54 bytes a thing; half of that is most of the gain, for
 * an eighth of the fleet's memory. */
#define NAMES_AHEAD_BYTES_PER_THING 32

struct replay {
	struct fleet *fleet;
	struct thing_names names;
	long applied;
	uint64_t missing_seq;       /* a row whose thing has no name: the journal is damaged */
	uint32_t missing_id;
	int64_t until_ms;           /* the first row received later ends the replay */
};

static bool is_lifecycle(enum event_type type)
{
	return type != EVENT_REJECT && type != EVENT_IGNORED;
}

bool rebuild_row_client(struct fleet *fleet, const struct journal_row *row, rebuild_name_fn *name,
                        void *ctx, const char **client_id)
{
	uint32_t thing_id = row->thing_id;
	size_t count = fleet_count(fleet);

	*client_id = NULL;
	if (!is_lifecycle(row->type) || !thing_id)
		return true;
	if (thing_id <= count) {
		*client_id = fleet_thing_at(fleet, thing_id - 1)->client_id;
		return true;
	}
	for (uint32_t id = (uint32_t)count + 1; id <= thing_id; id++) {
		const char *known = name(ctx, id);
		if (known)
			fleet_append_thing(fleet, known);
		else if (id == thing_id)
			return false;
	}
	/* The fleet's own string: the event finds its thing by the hint. */
	*client_id = fleet_thing_at(fleet, fleet_count(fleet) - 1)->client_id;
	return true;
}

static const char *name_of(void *ctx, uint32_t thing_id)
{
	struct replay *r = ctx;
	return thing_names_find(&r->names, thing_id);
}

void rebuild_event_from_row(const struct journal_row *row, const char *client_id,
                            struct fleet_event *out)
{
	bool lifecycle = is_lifecycle(row->type);
	*out = (struct fleet_event){
		.type = lifecycle && !client_id ? EVENT_REJECT : row->type,
		.client_id = client_id,
		.timestamp_ms = row->timestamp_ms,
		.received_ms = row->received_ms,
		.has_version = row->has_version,
		.version = row->version,
		.session_id = row->session_id,
		/* A reject's reason column holds its detail, not a reason. */
		.reason = lifecycle ? row->reason : "",
		.ip = row->ip,
		.seq = row->seq,
		.thing_id = lifecycle ? row->thing_id : 0,
		/* Registry fields, when the scan read the raw rows. */
		.payload = row->type == EVENT_BASELINE ? row->payload : NULL,
		.payload_len = row->type == EVENT_BASELINE ? row->payload_len : 0,
	};
}

static bool apply_row(void *ctx, const struct journal_row *row)
{
	struct replay *r = ctx;
	const char *client_id;
	if (row->received_ms > r->until_ms)
		return false;
	if (!rebuild_row_client(r->fleet, row, name_of, r, &client_id)) {
		r->missing_seq = row->seq;
		r->missing_id = row->thing_id;
		return false;
	}
	struct fleet_event ev;
	rebuild_event_from_row(row, client_id, &ev);
	fleet_apply(r->fleet, &ev, NULL);
	r->applied++;
	return true;
}

/* A batch read ahead (journal_scan_ahead): the things its rows name are
 * fetched into the cache first, all at once, rather than each missed in
 * turn while applying. Names come from the table read before the scan:
 * the journal is the reader's meanwhile. */
static bool apply_batch(void *ctx, const struct journal_row *rows, size_t count)
{
	struct replay *r = ctx;
	size_t known = fleet_count(r->fleet);
	for (size_t i = 0; i < count; i++) {
		if (rows[i].thing_id && rows[i].thing_id <= known)
			__builtin_prefetch(fleet_thing_at(r->fleet, rows[i].thing_id - 1));
	}
	for (size_t i = 0; i < count; i++) {
		if (!apply_row(r, &rows[i]))
			return false;
	}
	return true;
}

/* A journal `thingtop sync` wrote to has baseline rows whose registry
 * fields live in their payload: only then are the raw rows read. */
static bool needs_raw_rows(struct journal *journal)
{
	char *baselines = journal_get_meta(journal, REBUILD_META_BASELINE);
	bool with_raw = baselines != NULL;
	free(baselines);
	return with_raw;
}

/* Applies the rows after_seq < seq <= upto_seq (upto_seq resolved), up
 * to the first one received after until_ms: from `ahead` when the caller
 * started reading them already (it is finished here either way). */
static long replay(struct journal *journal, struct fleet *fleet, uint64_t after_seq,
                   uint64_t upto_seq, int64_t until_ms, struct journal_ahead *ahead, char **cause)
{
	struct replay r = { .fleet = fleet, .until_ms = until_ms };
	long result = -1;
	bool ok;
	/* Every thing a row up to upto_seq names was committed with that row,
	 * so reading the things now finds them all. */
	if (!journal_things_after(journal, (uint32_t)fleet_count(fleet), thing_names_add, &r.names, cause))
		goto out;
	/* A long replay reads on a second thread; raw rows (registry fields)
	 * and short catch-ups stay on this one. */
	bool with_raw = !ahead && needs_raw_rows(journal);
	if (ahead)
		ok = journal_ahead_finish(ahead, apply_batch, &r, cause);
	else if (with_raw || upto_seq - after_seq < SCAN_AHEAD_MIN_ROWS)
		ok = journal_scan(journal, after_seq, upto_seq, with_raw, apply_row, &r, cause);
	else
		ok = journal_scan_ahead(journal, after_seq, upto_seq, apply_batch, &r, cause);
	ahead = NULL;
	if (!ok)
		goto out;
	if (r.missing_seq) {
		set_cause(cause, "journal %s: event %llu names thing %u, which its things table lacks",
		          journal_path(journal), (unsigned long long)r.missing_seq, r.missing_id);
		goto out;
	}
	result = r.applied;
out:
	journal_ahead_finish(ahead, NULL, NULL, NULL);
	thing_names_finish(&r.names);
	return result;
}

/* Starts reading the rows after_seq < seq <= upto_seq on a second
 * connection, up to `budget` bytes ahead, for a replay long enough to
 * gain from it and that needs no raw rows; NULL otherwise (replay then
 * reads them itself). */
static struct journal_ahead *read_ahead(struct journal *journal, uint64_t after_seq,
                                        uint64_t upto_seq, int64_t until_ms, size_t budget)
{
	if (upto_seq < after_seq + SCAN_AHEAD_MIN_ROWS || needs_raw_rows(journal))
		return NULL;
	return journal_ahead_start(journal, after_seq, upto_seq, until_ms, budget);
}

/* Where a rebuild ends: at upto_seq (0 = all), or at the first row
 * received after until_ms; and the newest snapshot it may start from. */
struct rebuild_end {
	uint64_t upto_seq;
	int64_t until_ms;
	uint64_t snapshot_upto;     /* 0: no snapshot */
};

/* The fleet from the newest snapshot at or before end.snapshot_upto plus
 * the rows after it up to the end. */
static struct fleet *rebuild_from(struct journal *journal, const struct fleet_config *config,
                                  struct rebuild_end end, char **cause)
{
	uint64_t upto_seq = end.upto_seq ? end.upto_seq : journal_last_seq(journal);
	bool use_snapshot = end.snapshot_upto > 0;
	uint64_t snap_seq = 0;
	size_t len = 0;
	struct journal_snapshot *snapshot = NULL;
	if (use_snapshot &&
	    !journal_snapshot_open(journal, end.snapshot_upto, &snapshot, &snap_seq, &len, cause))
		return NULL;
	struct fleet *fleet = NULL;
	struct journal_ahead *ahead = NULL;
	if (snapshot) {
		/* The rows after the snapshot are read while it loads, as many
		 * as the snapshot has bytes: less than half the fleet's memory. */
		ahead = read_ahead(journal, snap_seq, upto_seq, end.until_ms, len);
		/* A damaged or unknown snapshot only costs time: replay it all. */
		fleet = fleet_load_stream(len, journal_snapshot_read, snapshot, config, NULL);
		if (!fleet) {
			snap_seq = 0;
			journal_ahead_finish(ahead, NULL, NULL, NULL);
			ahead = NULL;
		}
		journal_snapshot_close(snapshot);
	}
	/* Retention deletes rows only up to a snapshot: rows missing between
	 * the starting point and the first row left mean that point is gone. */
	uint64_t first = journal_first_seq(journal);
	if (upto_seq > snap_seq && first > snap_seq + 1) {
		set_cause(cause, "journal %s: its rows before seq %llu were pruned by retention%s",
		          journal_path(journal), (unsigned long long)first,
		          use_snapshot ? " and no usable snapshot covers them" : "");
		journal_ahead_finish(ahead, NULL, NULL, NULL);
		fleet_destroy(fleet);
		return NULL;
	}
	if (!fleet) {
		/* From the empty fleet the rows are read while the things' names are. */
		fleet = fleet_create(config);
		ahead = read_ahead(journal, 0, upto_seq, end.until_ms,
		                   NAMES_AHEAD_BYTES_PER_THING * (size_t)journal_last_thing_id(journal));
	}
	if (upto_seq > snap_seq &&
	    replay(journal, fleet, snap_seq, upto_seq, end.until_ms, ahead, cause) < 0) {
		fleet_destroy(fleet);
		return NULL;
	}
	return fleet;
}

struct fleet *rebuild_fleet(struct journal *journal, const struct fleet_config *config,
                            uint64_t upto_seq, char **cause)
{
	uint64_t upto = upto_seq ? upto_seq : journal_last_seq(journal);
	struct rebuild_end end = { .upto_seq = upto, .until_ms = INT64_MAX, .snapshot_upto = upto };
	return rebuild_from(journal, config, end, cause);
}

struct fleet *rebuild_fleet_at(struct journal *journal, const struct fleet_config *config,
                               int64_t at_ms, char **cause)
{
	/* The snapshot journal_seq_at would start from: every row up to it
	 * was received by then. */
	struct rebuild_end end = { .upto_seq = 0, .until_ms = at_ms,
	                           .snapshot_upto = journal_snapshot_seq_at(journal, at_ms) };
	return rebuild_from(journal, config, end, cause);
}

struct fleet *rebuild_fleet_replay(struct journal *journal, const struct fleet_config *config,
                                   uint64_t upto_seq, char **cause)
{
	struct rebuild_end end = { .upto_seq = upto_seq, .until_ms = INT64_MAX };
	return rebuild_from(journal, config, end, cause);
}

long rebuild_catch_up(struct journal *journal, struct fleet *fleet, char **cause)
{
	uint64_t after = fleet_last_seq(fleet);
	uint64_t upto = journal_last_seq(journal);
	if (upto <= after)
		return 0;
	return replay(journal, fleet, after, upto, INT64_MAX, NULL, cause);
}
