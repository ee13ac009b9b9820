/* The one path every received message takes, from MQTT, import or a
 * simulator: parse, reconcile, journal. */
#ifndef THINGTOP_INGEST_H
#define THINGTOP_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "fleet.h"
#include "journal.h"

struct ingest_stats {
	uint64_t received;          /* every message */
	uint64_t accepted;          /* lifecycle events that were not duplicates */
	uint64_t duplicates;
	uint64_t stale;             /* older sessions' events (accepted too) */
	uint64_t rejected;
	uint64_t ignored;           /* other $aws/events families */
};

struct ingest {
	struct journal *journal;    /* borrowed; may be NULL (nothing journaled) */
	struct fleet *fleet;        /* borrowed */
	struct ingest_stats stats;
	struct event scratch;       /* reused to avoid a large stack frame per message */
	uint64_t snapshot_every;    /* events between snapshots (0 = never) */
	uint64_t since_snapshot;
	/* Also a snapshot after this much receive time (once as many events
	 * as there are things came), so pruning by age has recent snapshots
	 * to prune up to. Set by ingest_init. */
	int64_t snapshot_interval_ms;
	int64_t last_snapshot_ms;   /* receive time of the last snapshot */
	uint64_t snapshots_saved;   /* by this ingest, periodic or not */
	struct fleet_result last;   /* what the latest event did (alerts watch it) */
};

/* Defaults for importers and recorders. A snapshot costs ~57 bytes per
 * thing (format 4, zstd) and rows ~93 bytes each, so a snapshot waits for
 * at least as many events as there are things, and for a million; thinning
 * (journal_prune.c) then keeps only as many as `export --at` needs to stay
 * under its 3 s: on bench_journal.sh's 10M events over 1M things, 3 of the
 * 10 written, 13.7 % of the journal. */
#define INGEST_SNAPSHOT_EVERY 1000000
#define INGEST_SNAPSHOT_INTERVAL_MS (60 * 60 * 1000)

void ingest_init(struct ingest *ingest, struct journal *journal, struct fleet *fleet);

/* Parses and ingests one message. Returns the event's type (EVENT_REJECT
 * for rejects) and leaves the parsed event in ingest->scratch. */
enum event_type ingest_message(struct ingest *ingest, const char *topic, const char *payload,
                               size_t len, int64_t received_ms);

/* Ingests an event parsed by the caller; `raw` is what gets journaled, at
 * most its first EVENT_PAYLOAD_MAX bytes. A lifecycle event with an
 * implausible timestamp (event_check_time) is journaled as a reject. */
void ingest_event(struct ingest *ingest, const char *topic, const char *raw, size_t raw_len,
                  const struct event *event, int64_t received_ms);

/* Commits the journal and stores a snapshot of the fleet (waits for the
 * disk: for the end of a run; periodic snapshots are only queued). When
 * this run saved one fewer events ago than a quarter of the things, that
 * one stands for the end: opening the journal replays those few rows in
 * less time than a snapshot takes to load, and a second snapshot of the
 * whole fleet so close would only double what the journal's end costs. */
bool ingest_checkpoint(struct ingest *ingest, char **cause);

#endif
