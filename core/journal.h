/* The event journal: an SQLite database (WAL) holding every received
 * message raw, rejects included, in receive order, plus the parsed columns
 * needed to query it, and periodic snapshots of the fleet table.
 *
 * Appends are buffered and committed in batches by a writer thread, so the
 * caller never waits on the disk; journal_flush waits. Other processes may
 * read the journal while one writes it (WAL): open them JOURNAL_READ_ONLY.
 *
 * Schema (see journal.c for the migrations, PRAGMA user_version):
 *   things(id INTEGER PRIMARY KEY, client_id TEXT UNIQUE)
 *   events(seq INTEGER PRIMARY KEY, received_ms, topic BLOB, payload BLOB,
 *          type, thing_id, ts_ms, version, session, reason, ip)
 *     index (thing_id, seq); partial index (ts_ms) for disconnects
 *   snapshots(seq INTEGER PRIMARY KEY, received_ms, created_ms, data BLOB)
 *   meta(key TEXT PRIMARY KEY, value)
 *   alerts(rule, thing_id, started_ms, fired_ms, sent_ms, resolved_ms)
 *     written and read by journal_alerts.c */
#ifndef THINGTOP_JOURNAL_H
#define THINGTOP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define JOURNAL_SCHEMA_VERSION 3

enum journal_mode {
	JOURNAL_READ_WRITE,       /* creates the file and its folder when missing */
	JOURNAL_READ_ONLY,        /* a viewer beside a writer; never blocks it */
};

struct journal;

/* Opens (and creates or migrates) a journal. NULL with *cause naming the
 * file and the problem. */
struct journal *journal_open(const char *path, enum journal_mode mode, char **cause);
/* Commits everything appended, stops the writer, closes. Accepts NULL. */
void journal_close(struct journal *journal);
const char *journal_path(const struct journal *journal);

/* The default journal path: $XDG_STATE_HOME/thingtop/journal.db, else
 * ~/.local/state/thingtop/journal.db. Newly allocated. */
char *journal_default_path(void);

/* One received message with its parsed columns. Everything is borrowed and
 * copied by journal_append. */
struct journal_record {
	int64_t received_ms;
	const char *topic;           /* may be NULL */
	size_t topic_len;
	const char *payload;         /* raw bytes as received */
	size_t payload_len;
	const struct event *event;   /* parsed (type, client id, timestamp, ...) */
	uint32_t thing_id;           /* fleet id, 0 for rejects and ignored */
	bool new_thing;              /* first event of this thing: adds it to things */
};

/* The seq the next append will get (receive order, 1-based, gap-free
 * within a writer's life). */
uint64_t journal_next_seq(const struct journal *journal);

/* Queues one record; returns its seq, or 0 when the writer has failed (the
 * error comes from journal_flush). Blocks only when the writer is more than
 * a few batches behind. A queued record is committed within ~250 ms. */
uint64_t journal_append(struct journal *journal, const struct journal_record *record);

/* Waits until everything appended so far is committed. */
bool journal_flush(struct journal *journal, char **cause);

/* ---- Reading ---- */

/* One journal row. Strings are NUL-terminated ("" when absent) and valid
 * only during the callback; payload and topic only when asked for. */
struct journal_row {
	uint64_t seq;
	int64_t received_ms;
	enum event_type type;
	uint32_t thing_id;
	const char *client_id;       /* "" for rejects; filled by journal_thing_events and raw scans */
	int64_t timestamp_ms;        /* 0 for rejects without one */
	bool has_version;
	int64_t version;
	const char *session_id;
	const char *reason;          /* disconnect/failure reason, or reject/ignore detail */
	const char *ip;
	const char *topic;           /* with_raw only */
	size_t topic_len;
	const char *payload;         /* with_raw only */
	size_t payload_len;
};

/* Return false to stop the scan early (not an error). */
typedef bool (*journal_row_fn)(void *ctx, const struct journal_row *row);

/* Every row with after_seq < seq <= upto_seq (0 = no upper bound) in seq
 * order. */
bool journal_scan(struct journal *journal, uint64_t after_seq, uint64_t upto_seq, bool with_raw,
                  journal_row_fn fn, void *ctx, char **cause);

/* One thing's rows, newest first, at most `limit` (0 = all), raw included. */
bool journal_thing_events(struct journal *journal, uint32_t thing_id, size_t limit,
                          journal_row_fn fn, void *ctx, char **cause);

/* Disconnect rows with from_ms <= timestamp < to_ms, by timestamp. */
bool journal_disconnects(struct journal *journal, int64_t from_ms, int64_t to_ms,
                         journal_row_fn fn, void *ctx, char **cause);

/* Every (id, client_id) of the things table in id order. */
typedef bool (*journal_thing_fn)(void *ctx, uint32_t id, const char *client_id);
bool journal_things(struct journal *journal, journal_thing_fn fn, void *ctx, char **cause);
/* The same for the things with id > after_id only (catching up). */
bool journal_things_after(struct journal *journal, uint32_t after_id, journal_thing_fn fn,
                          void *ctx, char **cause);

/* The seq of the last committed row (0 for an empty journal), as another
 * process sees it: a follower polls this. */
uint64_t journal_last_seq(struct journal *journal);
/* The seq of the last committed row with received_ms <= at_ms (0 if none).
 * Receive times need not grow with seq (an import's receivedAt may go
 * back), so "at" is read as the fleet's clock, which never goes back: the
 * end of the longest run of rows from the start whose receive times are
 * all <= at_ms. The same as above when receive times never go back. Found
 * from the newest snapshot at or before at_ms (its received_ms is that
 * clock) plus a scan of the rows after it, so it costs no more than the
 * rebuild that follows it. */
uint64_t journal_seq_at(struct journal *journal, int64_t at_ms);
/* The seq of the oldest row still in the journal (0 when empty); above 1
 * once retention has pruned it. */
uint64_t journal_first_seq(struct journal *journal);

struct journal_info {
	uint64_t events, rejects, ignored, things, snapshots;
	uint64_t first_seq, last_seq;
	int64_t first_received_ms, last_received_ms;
	int64_t file_bytes;          /* database + WAL */
	int schema_version;
	/* Added for `thingtop journal info`: */
	int64_t free_bytes;          /* freelist pages, reused before the file grows */
	int64_t used_bytes;          /* pages in use: what journal.max_size limits */
	uint64_t newest_snapshot_seq;        /* 0 when none */
	int64_t newest_snapshot_received_ms;
	int64_t newest_snapshot_bytes;
	uint64_t snapshot_bytes;     /* all snapshots */
};
bool journal_get_info(struct journal *journal, struct journal_info *info, char **cause);

/* ---- Snapshots of the fleet table ---- */

/* Stores a snapshot that reflects every row up to and including `seq`
 * (queued behind the appends before it, so it never gets ahead of them). */
bool journal_save_snapshot(struct journal *journal, uint64_t seq, int64_t received_ms,
                           const void *data, size_t len, char **cause);
/* The newest snapshot with seq <= at_most_seq (0 = newest of all). Sets
 * *data (malloc'd) and *len; returns true with *seq = 0 when there is none. */
bool journal_load_snapshot(struct journal *journal, uint64_t at_most_seq, uint64_t *seq,
                           void **data, size_t *len, char **cause);

/* ---- Retention ----
 *
 * Rows are pruned oldest first and only up to a snapshot (which becomes the
 * base of every rebuild), never past the newest snapshot, so the rebuilt
 * fleet stays what it was; rejects and ignored rows go the same way. The
 * things table is kept. Work runs on the writer thread in small steps
 * between batches, so appends never wait for it; freed pages are reused
 * (the file stops growing), `thingtop journal vacuum` returns them.
 * Snapshots are thinned at the same time: the newest few, the oldest
 * usable one, and between them one per sixth of the journal's span or per
 * million rows, whichever is closer (at most 32), so an --at replays
 * about a million rows at most. */

/* retain_ms: rows received longer than this before the newest row go (0 =
 * keep for ever). max_bytes: while the pages in use exceed it, the oldest
 * rows up to the next snapshot go (0 = no limit). Read-write only. */
void journal_set_retention(struct journal *journal, int64_t retain_ms, int64_t max_bytes);
/* Commits what is queued and runs the maintenance due until none is left
 * (waits). *events_pruned (may be NULL) gets the rows deleted meanwhile. */
bool journal_prune(struct journal *journal, uint64_t *events_pruned, char **cause);

/* ---- Maintenance commands ---- */

/* Rewrites the file compactly (VACUUM), giving freed pages back to the
 * filesystem. Read-write handles only, so never while another process
 * writes it; readers beside it keep working. Takes about as long as
 * copying the file and needs as much free disk. */
bool journal_vacuum(struct journal *journal, char **cause);
/* PRAGMA integrity_check. True when it ran; *problems is then NULL for a
 * sound file, else its first findings (malloc'd, one per line). */
bool journal_integrity(struct journal *journal, char **problems, char **cause);

/* The same, streamed: snapshots are large, so rebuild reads them piece by
 * piece. Opens the newest snapshot with seq <= at_most_seq (0 = newest);
 * *snapshot is NULL when there is none. journal_snapshot_read fits
 * fleet_snapshot_read_fn (fleet.h). */
struct journal_snapshot;
bool journal_snapshot_open(struct journal *journal, uint64_t at_most_seq,
                           struct journal_snapshot **snapshot, uint64_t *seq, size_t *len,
                           char **cause);
bool journal_snapshot_read(void *snapshot, void *buf, size_t len, size_t offset);
void journal_snapshot_close(struct journal_snapshot *snapshot);

/* Test hook: creates a journal at an older schema version, for migration
 * tests. */
bool journal_create_at_version(const char *path, int version, char **cause);

#endif
