/* The event journal: an SQLite database (WAL) holding every received
 * message raw, rejects included, in receive order, plus the parsed columns
 * needed to query it, and periodic snapshots of the fleet table.
 *
 * Appends are buffered and committed in batches by a writer thread, so the
 * caller never waits on the disk; journal_flush waits. Other processes may
 * read the journal while one writes it (WAL): open them JOURNAL_READ_ONLY.
 *
 * Schema 7 (journal_schema.c has the migrations, PRAGMA user_version):
 *   things(id INTEGER PRIMARY KEY, client_id TEXT UNIQUE, principal,
 *          thing_name)                      the first event's, kept once
 *   events(seq INTEGER PRIMARY KEY, received_ms, type, thing_id, ts_ms,
 *          version, session, reason, ip, topic BLOB, payload BLOB, body BLOB)
 *     session a 16-byte blob for a UUID, ip 4/16 bytes, reason a 1-byte
 *     code for AWS's reasons (else text); body the payload's compact form
 *     (journal_codec.h), payload empty (a schema-2 row not yet converted
 *     keeps its payload and has no body)
 *     index (seq >> 18, thing_id); partial indexes (ts_ms) for disconnects,
 *     (type) for rows without a thing
 *   shapes(id INTEGER PRIMARY KEY, shape BLOB)  key orders of bodies
 *   snapshots(seq INTEGER PRIMARY KEY, received_ms, created_ms, data BLOB,
 *             raw_len)                   compressed when raw_len is set
 *     (zstd; deflate in journals written before it)
 *   meta(key TEXT PRIMARY KEY, value)
 *   alerts(rule, thing_id, started_ms, fired_ms, sent_ms, resolved_ms)
 *     written and read by journal_alerts.c
 *   disconnect_counts(minute, reason, n)  disconnects per minute of ts_ms
 *     and reason text, kept with the rows (journal_counts.c) */
#ifndef THINGTOP_JOURNAL_H
#define THINGTOP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define JOURNAL_SCHEMA_VERSION 7

enum journal_mode {
	JOURNAL_READ_WRITE,       /* creates the file and its folder when missing */
	JOURNAL_READ_ONLY,        /* a viewer beside a writer; never blocks it */
};

struct journal;

/* Opens (and creates or migrates) a journal. NULL with *cause naming the
 * file and the problem. A read-only open never creates or changes a file,
 * and needs only read access to the journal and its -wal and -shm. */
struct journal *journal_open(const char *path, enum journal_mode mode, char **cause);
/* The same; a journal (and folder) this creates gets `file_mode` (like
 * 0640: its -wal and -shm follow it; a folder gets search and read where
 * the file does), whatever the umask. */
#define JOURNAL_FILE_MODE_DEFAULT 0600
struct journal *journal_open_mode(const char *path, enum journal_mode mode, unsigned file_mode,
                                  char **cause);
/* Commits everything appended, stops the writer, closes. Accepts NULL. */
void journal_close(struct journal *journal);
const char *journal_path(const struct journal *journal);
/* Gives the reading connection's page cache back, and the free heap with
 * it, for a program that is done reading for a while (export, once the
 * fleet is rebuilt): its peak memory is then the fleet's, not both. */
void journal_release_memory(struct journal *journal);

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

/* Queues one record and returns its seq (0 on a read-only handle). Blocks
 * only when the writer is more than a few batches behind. A queued record
 * is committed within ~250 ms, or at the next journal_sync. */
uint64_t journal_append(struct journal *journal, const struct journal_record *record);

/* ---- Durability and failure ----
 *
 * A commit that fails (disk full, I/O error, a lock held too long, a file
 * made read-only) puts the journal in a failed state: nothing is dropped,
 * the batch waits in memory, and journal_sync/journal_flush report the
 * cause until a journal_retry succeeds. Appends still work meanwhile (what
 * is already in hand is kept), so a caller that cannot keep up must stop
 * taking work itself: `record` exits, the monitor stops reading from the
 * broker until the journal writes again. */

/* Asks for everything appended so far to be committed now and, with
 * `wait`, waits for it. 1 when all of it is committed (in the WAL: safe
 * from the death of the process), 0 when not yet, -1 while the journal is
 * failing, with *cause. */
int journal_sync(struct journal *journal, bool wait, char **cause);
/* Waits until everything appended so far is committed; false with *cause
 * while the journal is failing. */
bool journal_flush(struct journal *journal, char **cause);
/* Tries a failed journal again: the writer retries its waiting batch; the
 * next journal_sync tells how that went. */
void journal_retry(struct journal *journal);
/* True (with *cause) while the journal is failing; never waits. */
bool journal_failed(struct journal *journal, char **cause);
/* The highest seq committed so far; what was appended above it would be
 * lost if the process ended now. */
uint64_t journal_committed_seq(struct journal *journal);

/* ---- Settings kept in the journal (meta table) ---- */

/* The value of `key`, newly allocated, or NULL when unset. */
char *journal_get_meta(struct journal *journal, const char *key);
/* Queued like an append: committed with the next batch. */
void journal_set_meta(struct journal *journal, const char *key, const char *value);

/* ---- Coverage: when the recorder was listening (journal_coverage.c) ---- */

enum journal_coverage_kind {
	COVERAGE_START = 1,          /* a recorder started on this journal */
	COVERAGE_CONNECTED_NEW,      /* CONNACK without our session: the broker kept nothing */
	COVERAGE_CONNECTED_RESUMED,  /* CONNACK with session present: it queued for us */
	COVERAGE_DISCONNECTED,       /* our connection went down; detail says why */
	COVERAGE_REFUSED,            /* SUBACK refused filters; detail names them */
	COVERAGE_STOP,               /* a clean stop: everything received was committed */
	COVERAGE_UNCLEAN_STOP,       /* found at the next start: the last run died */
};

/* Queues a coverage row at at_ms (wall clock), tied to the last seq. */
void journal_note_coverage(struct journal *journal, enum journal_coverage_kind kind, int64_t at_ms,
                           const char *detail);
/* For a recorder that starts: notes an unclean stop of the previous run
 * (its last coverage row is not a stop), with how many of its messages
 * were recovered from its intake log, and this start. Read-write only. */
bool journal_begin_recording(struct journal *journal, int64_t now_ms, uint64_t recovered,
                             char **cause);

/* A time the recorder was not listening. */
struct journal_gap {
	int64_t from_ms, to_ms;      /* wall clock; to_ms is INT64_MAX while it lasts */
	uint64_t after_seq;          /* the last event journaled before it */
	bool lost;                   /* events published meanwhile are lost: the broker kept
	                              * no session, or a subscription was refused */
	bool unclean;                /* it began with the recorder's death: its last receive
	                              * round was not acknowledged (at QoS 0, missing) */
	const char *why;             /* valid during the callback */
};
typedef bool (*journal_gap_fn)(void *ctx, const struct journal_gap *gap);
/* Every gap, oldest first. A gap that ended with the broker's queue
 * resumed is listed with lost = false. */
bool journal_gaps(struct journal *journal, journal_gap_fn fn, void *ctx, char **cause);

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
	bool damaged;                /* with_raw: the payload could not be rebuilt or fails its
	                              * checksum (payload is then empty) */
};

/* Return false to stop the scan early (not an error). */
typedef bool (*journal_row_fn)(void *ctx, const struct journal_row *row);

/* Every row with after_seq < seq <= upto_seq (0 = no upper bound) in seq
 * order. */
bool journal_scan(struct journal *journal, uint64_t after_seq, uint64_t upto_seq, bool with_raw,
                  journal_row_fn fn, void *ctx, char **cause);

/* journal_scan (without raw rows) read on a second thread, handed to fn a
 * batch at a time in seq order; fn returns false to stop (not an error).
 * The journal is the reader thread's until this returns: fn must not use
 * it. The rows' strings live until fn returns. */
typedef bool (*journal_batch_fn)(void *ctx, const struct journal_row *rows, size_t count);
bool journal_scan_ahead(struct journal *journal, uint64_t after_seq, uint64_t upto_seq,
                        journal_batch_fn fn, void *ctx, char **cause);
/* The same, read on a connection of its own that starts now, so that the
 * caller can do something else meanwhile (load a snapshot): rows are read
 * up to max_bytes ahead of journal_ahead_finish, and up to the first one
 * received after until_ms. NULL when it cannot start (then read as
 * above). Finish with fn NULL to drop it. */
struct journal_ahead;
struct journal_ahead *journal_ahead_start(struct journal *journal, uint64_t after_seq,
                                          uint64_t upto_seq, int64_t until_ms, size_t max_bytes);
bool journal_ahead_finish(struct journal_ahead *ahead, journal_batch_fn fn, void *ctx,
                          char **cause);

/* One thing's rows, newest first, at most `limit` (0 = all), raw included. */
bool journal_thing_events(struct journal *journal, uint32_t thing_id, size_t limit,
                          journal_row_fn fn, void *ctx, char **cause);

/* Disconnect rows with from_ms <= timestamp < to_ms, by timestamp. */
bool journal_disconnects(struct journal *journal, int64_t from_ms, int64_t to_ms,
                         journal_row_fn fn, void *ctx, char **cause);

/* Disconnect rows with after_seq < seq <= upto_seq (0 = no bound), in seq
 * order: what arrived since a reader last looked (the timeline's update). */
bool journal_disconnects_after(struct journal *journal, uint64_t after_seq, uint64_t upto_seq,
                               journal_row_fn fn, void *ctx, char **cause);
/* The earliest and latest disconnect timestamps among rows seq <= upto_seq
 * (0 = no bound); *found false when there is none. */
bool journal_disconnect_span(struct journal *journal, uint64_t upto_seq, int64_t *first_ms,
                             int64_t *last_ms, bool *found, char **cause);

/* How many disconnect rows have from_ms <= timestamp < to_ms (all rows,
 * from the timestamp index alone: cheap, for sizing a window). */
bool journal_disconnect_count(struct journal *journal, int64_t from_ms, int64_t to_ms,
                              uint64_t *count, char **cause);

/* Disconnects per minute (floor of ts_ms / 60000) and reason text ("" for
 * none), from_minute <= minute < to_minute, by minute, without reading a
 * row. *upto_seq gets the last seq they include (read together). When the
 * journal has no counts (an older schema, opened read-only), returns true
 * with *available false: read the rows instead. */
typedef bool (*journal_count_fn)(void *ctx, int64_t minute, const char *reason, uint64_t n);
bool journal_disconnect_counts(struct journal *journal, int64_t from_minute, int64_t to_minute,
                               journal_count_fn fn, void *ctx, uint64_t *upto_seq,
                               bool *available, char **cause);

/* Every (id, client_id) of the things table in id order. */
typedef bool (*journal_thing_fn)(void *ctx, uint32_t id, const char *client_id);
bool journal_things(struct journal *journal, journal_thing_fn fn, void *ctx, char **cause);
/* The same for the things with id > after_id only (catching up). */
bool journal_things_after(struct journal *journal, uint32_t after_id, journal_thing_fn fn,
                          void *ctx, char **cause);

/* The id of the newest thing in the things table, 0 when none. */
uint32_t journal_last_thing_id(struct journal *journal);

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
/* The newest snapshot that journal_seq_at starts from: the seq of the
 * newest one received at or before at_ms, 0 when none. */
uint64_t journal_snapshot_seq_at(struct journal *journal, int64_t at_ms);
/* The seq of the oldest row still in the journal (0 when empty); above 1
 * once retention has pruned it. */
uint64_t journal_first_seq(struct journal *journal);

struct journal_info {
	uint64_t events, rejects, ignored, things, snapshots;
	uint64_t first_seq, last_seq;
	int64_t first_received_ms, last_received_ms;
	int64_t file_bytes;          /* database + WAL */
	int schema_version;
	/* Space and snapshots, as `thingtop journal info` shows them: */
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
 * keep for ever); measured from the wall clock instead when the newest
 * row claims a later receive time, so a bad clock never ages rows out. max_bytes: while the pages in use exceed it, the oldest
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
