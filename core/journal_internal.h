/* Shared between the journal's files only: journal.c (open, close, the
 * public wrappers), journal_schema.c (connections and migrations),
 * journal_writer.c (the batching writer thread), journal_read.c (queries
 * on the caller's connection). */
#ifndef THINGTOP_JOURNAL_INTERNAL_H
#define THINGTOP_JOURNAL_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "journal.h"
#include "journal_codec.h"

/* Cached statements of the reading connection. */
enum journal_query {
	QUERY_SCAN,
	QUERY_SCAN_RAW,
	QUERY_THING_EVENTS,
	QUERY_DISCONNECTS,
	QUERY_THINGS,
	QUERY_LAST_SEQ,
	QUERY_SEQ_AT,
	QUERY_SNAPSHOT_AT,
	QUERY_FIRST_SEQ,
	QUERY_LOAD_SNAPSHOT,
	QUERY_LAST_THING,
	QUERY_COUNT
};

struct journal_writer;

struct journal {
	char *path;
	enum journal_mode mode;
	sqlite3 *db;                          /* reading connection, caller's thread */
	sqlite3_stmt *query[QUERY_COUNT];     /* prepared on first use */
	struct journal_writer *writer;        /* NULL when read-only */
	int lock_fd;                          /* flock'd while writing, else -1 */
	uint64_t next_seq;                    /* read-only handles: MAX(seq)+1 at open */
	bool immutable;                       /* db reads a file no writer had open */
	uint64_t stamp;                       /* journal_files_stamp when db was opened */
	struct journal_shapes shapes;         /* of the bodies read so far */
};

/* What a row read ahead takes in memory (journal_scan_ahead.c: 48 bytes
 * and its strings, ~70): thinning (journal_prune.c) counts the rows read
 * while a snapshot loads by it. */
#define JOURNAL_AHEAD_ROW_BYTES 120

/* journal_schema.c */

/* Opens a connection with the busy timeout and per-connection pragmas.
 * `writer` selects the write-side tuning. */
sqlite3 *journal_db_open(const char *path, bool read_only, bool writer, char **cause);
/* A read-only connection by URI ("file:...?mode=ro..."); `path` names
 * the journal in messages. */
sqlite3 *journal_db_open_uri(const char *uri, const char *path, char **cause);
/* PRAGMA user_version, -1 with *cause (e.g. not an SQLite file). */
int journal_db_version(sqlite3 *db, const char *path, char **cause);
/* Brings a read-write connection from its version up to `target`, one
 * transaction per step; refuses a newer or foreign database. */
bool journal_db_migrate(sqlite3 *db, const char *path, int target, char **cause);
/* A message for an SQLite error on this file: "journal X: what: sqlite's". */
void journal_db_cause(sqlite3 *db, const char *path, const char *what, char **cause);

/* journal_writer.c stores a lifecycle event's topic as an empty blob
 * when it is the canonical "$aws/events/FAMILY/TYPE/CLIENT_ID" (about a
 * tenth of a row); journal_read.c rebuilds it. NULL topic = none known. */
#define JOURNAL_TOPIC_MAX (64 + EVENT_CLIENT_ID_MAX)
/* Seqs per block of the thing index (schema 6): events_thing is keyed by
 * (seq >> JOURNAL_BLOCK_BITS, thing_id), so a batch of appends touches
 * only the newest block's part of it, not every page of a thing index
 * that grows with the journal (that wrote ~100 MB of WAL per batch on a
 * 10M-event journal). Both spellings must agree. */
#define JOURNAL_BLOCK_BITS 18
#define JOURNAL_BLOCK_BITS_SQL "18"
/* A reader's page cache, KiB (journal_schema.c). */
#define READER_CACHE_KIB "2048"
/* Busy timeouts: the writer waits this long for a lock (then the batch
 * fails and is retried), other connections longer. */
#define JOURNAL_WRITER_BUSY_MS 1000
#define JOURNAL_READER_BUSY_MS 5000
/* "presence" or "subscriptions" for the lifecycle types, else NULL. */
const char *journal_topic_family(enum event_type type);

/* journal_files.c */

/* Gets the writer's file ready: creates missing folders and the file
 * (with exactly file_mode), refuses a folder, an unwritable folder or
 * -wal/-shm files this user cannot write, and takes the writer's flock.
 * The locked descriptor, or -1 with *cause. */
int journal_files_take(const char *path, unsigned file_mode, char **cause);
/* A read-only connection that never creates a file; *immutable when it
 * reads the file as it is (no -wal and -shm: no writer had it open). */
sqlite3 *journal_files_open_reader(const char *path, bool *immutable, uint64_t *stamp,
                                   char **cause);
/* Changes when the file is written, replaced or resized: its mtime,
 * size and inode mixed; 0 when it cannot be read. */
uint64_t journal_files_stamp(const char *path);
/* True when the journal's -wal and -shm exist (a writer has been there). */
bool journal_files_writer_seen(const char *path);
/* The schema step that brings compact rows (journal_schema.c). */
#define JOURNAL_COMPACT_VERSION 4

/* journal_migrate.c: converts schema-2 rows to the compact form, one
 * chunk per transaction, resuming where an interrupted run stopped. */
bool journal_convert_rows(sqlite3 *db, const char *path, char **cause);
/* The same with `chunk` rows per transaction (tests). */
bool journal_convert_rows_chunked(sqlite3 *db, const char *path, size_t chunk, char **cause);

/* What a row gives its codec (journal_codec.h), from the row as stored:
 * the same on writing and reading. */
void journal_row_ctx(struct journal_codec_ctx *ctx, enum event_type type, const char *client_id,
                     const char *principal, const char *thing_name, bool has_ts, int64_t ts_ms, bool has_version,
                     int64_t version, const char *session, const char *reason, const char *ip);
/* Loads the shapes table's rows past those already in *shapes. */
bool journal_shapes_load(sqlite3 *db, struct journal_shapes *shapes);
/* Inserts the shapes the table does not have yet (inside the caller's
 * transaction, beside the rows that use them). */
bool journal_shapes_save(sqlite3 *db, const struct journal_shapes *shapes);
/* Binds session (?s), reason (?r) and ip (?i) in their binary forms,
 * packed into *packed; it and the texts must last until the step. */
struct journal_packed {
	unsigned char session[16], ip[16], reason;
};
void journal_bind_fields(sqlite3_stmt *stmt, int s, int r, int i, const char *session,
                         size_t session_len, const char *reason, size_t reason_len,
                         const char *ip, size_t ip_len, struct journal_packed *packed);

/* journal_compress.c: snapshots compressed whole (zstd), read back as a
 * stream that reads forwards (and starts again when asked for an earlier
 * offset); deflated ones, of journals written before, read as well. */
bool journal_compress(const void *data, size_t len, struct journal_codec_buf *out);
struct journal_decompressor;
struct journal_decompressor *journal_decompressor_create(sqlite3_blob *blob);
bool journal_decompressor_read(struct journal_decompressor *decompressor, void *buf, size_t len,
                           size_t offset);
void journal_decompressor_destroy(struct journal_decompressor *decompressor);

/* journal_encode.c: rows to their compact form on the writer's
 * connection (journal_codec.h). */
struct journal_encoder {
	sqlite3 *db;
	sqlite3_stmt *attrs_stmt;
	char **attrs;                 /* by thing id: "principal\0thing name\0" */
	size_t attrs_cap;
	struct journal_shapes shapes;
	struct journal_codec_buf body, scratch[2];
};
/* What a row stores besides its body; strings NUL-terminated. */
struct journal_encoder_row {
	enum event_type type;
	uint32_t thing_id;
	const char *client_id, *session, *reason, *ip;
	bool has_ts, has_version;
	int64_t ts_ms, version;
	const char *payload;
	size_t payload_len;
	uint32_t payload_crc;        /* journal_codec_crc of the payload */
};
bool journal_encoder_init(struct journal_encoder *encoder, sqlite3 *db, const char *path,
                          char **cause);
void journal_encoder_finish(struct journal_encoder *encoder);
/* A thing added by this run: its row in things holds these. */
void journal_encoder_new_thing(struct journal_encoder *encoder, uint32_t id, const char *principal,
                               size_t principal_len, const char *name, size_t name_len);
/* The row's body, valid until the next call. */
const struct journal_codec_buf *journal_encoder_body(struct journal_encoder *encoder,
                                                     const struct journal_encoder_row *row);
/* Inserts the shapes the table lacks (in the batch's transaction). */
bool journal_encoder_save_shapes(struct journal_encoder *encoder);

/* journal_checkpoint.c: WAL checkpoints off the writer's thread. */
struct journal_checkpointer;
/* Opens its own connection to `path` and hooks the writer's commits. */
struct journal_checkpointer *journal_checkpointer_start(sqlite3 *writer_db, const char *path,
                                                        char **cause);
/* Unhooks, waits for a running checkpoint, closes. Accepts NULL. */
void journal_checkpointer_stop(struct journal_checkpointer *checkpointer, sqlite3 *writer_db);

/* journal_writer.c */

/* Starts the writer thread; takes ownership of db (a read-write
 * connection used only by that thread from now on). */
struct journal_writer *journal_writer_start(sqlite3 *db, const char *path, uint64_t next_seq,
                                            char **cause);
/* Commits what is queued, stops the thread, closes its connection. */
void journal_writer_stop(struct journal_writer *writer);
uint64_t journal_writer_next_seq(struct journal_writer *writer);
uint64_t journal_writer_append(struct journal_writer *writer, const struct journal_record *record);
bool journal_writer_snapshot(struct journal_writer *writer, uint64_t seq, int64_t received_ms,
                             const void *data, size_t len, char **cause);
bool journal_writer_flush(struct journal_writer *writer, char **cause);
int journal_writer_sync(struct journal_writer *writer, bool wait, char **cause);
void journal_writer_retry(struct journal_writer *writer);
bool journal_writer_failed(struct journal_writer *writer, char **cause);
uint64_t journal_writer_committed_seq(struct journal_writer *writer);
void journal_writer_set_meta(struct journal_writer *writer, const char *key, const char *value);
void journal_writer_note_coverage(struct journal_writer *writer, int kind, int64_t at_ms,
                                  const char *detail);

/* journal_prune.c: retention and snapshot thinning, one small step at a
 * time, on the writer's connection. */
struct journal_retention {
	int64_t retain_ms;          /* 0 = keep for ever */
	int64_t max_bytes;          /* 0 = no limit */
};
enum prune_result { PRUNE_DONE, PRUNE_MORE, PRUNE_FAILED };
/* Does one small piece of work (a chunk of events or one snapshot) and
 * adds the events deleted to *pruned. */
enum prune_result journal_prune_step(sqlite3 *db, const char *path,
                                     const struct journal_retention *policy, uint64_t *pruned,
                                     char **cause);

/* journal_writer.c, maintenance */
void journal_writer_set_retention(struct journal_writer *writer,
                                  const struct journal_retention *policy);
/* Runs maintenance until nothing is left to do; waits. */
bool journal_writer_prune(struct journal_writer *writer, uint64_t *pruned, char **cause);

/* journal_counts.c: disconnects per minute and reason (schema 7), kept
 * by the writer in each batch's transaction and by retention in each of
 * its deletes. */
#define JOURNAL_COUNTS_VERSION 7
/* floor(ts_ms / 60000), also for times before 1970. */
int64_t journal_minute_of(int64_t ts_ms);
/* Adds thingtop_reason(stored reason) to a connection: the reason text
 * counts are keyed by (the migration and retention use it). */
bool journal_counts_register(sqlite3 *db);
struct journal_count_key {
	int64_t minute;
	const char *reason;           /* borrowed until the flush */
	size_t len;
};
struct journal_counts {
	struct journal_count_key *v;
	size_t count, cap;
	sqlite3_stmt *upsert;
};
void journal_counts_add(struct journal_counts *counts, int64_t ts_ms, const char *reason,
                        size_t len);
/* Adds what was collected to the table (inside the batch's transaction)
 * and empties the collection, also on failure. */
bool journal_counts_flush(struct journal_counts *counts, sqlite3 *db);
void journal_counts_finish(struct journal_counts *counts);
/* Takes the disconnects among the rows seq < below_seq off the counts
 * (inside the transaction that deletes those rows). */
bool journal_counts_subtract(sqlite3 *db, uint64_t below_seq);

/* journal_read.c */

/* Finalizes the cached statements. */
void journal_read_finish(struct journal *journal);
/* Reopens a reader that read the file immutable once a writer came
 * (between queries only). */
void journal_refresh_reader(struct journal *journal);

#endif
