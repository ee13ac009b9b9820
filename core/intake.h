/* The intake log: each receive round's raw messages, written beside the
 * journal with one write() before the round is acknowledged to the broker
 * (mqtt_source_flush) and the next is read.
 *
 * Why: the journal commits in batches (every 200 ms or 32k rows, what
 * keeps its WAL small and ingest fast), and the broker forgets a QoS 1
 * message once acknowledged. A written file survives the death of the
 * process (the kernel has it), so the next start re-ingests whatever the
 * journal had not committed yet; a round read but not yet written was not
 * acknowledged, and the broker sends it again.
 * Committing each small round to SQLite instead was measured: every commit
 * rewrites the index pages its rows touch, the WAL grew to 6x the data and
 * passive checkpoints never caught up.
 *
 * Files: "<journal>-intake" (the current one, 8 MiB reserved on the disk
 * when it is made, so a full disk fails the journal but never this) and
 * "<journal>-intake.old" (the one before, until the journal has committed
 * all of it). A zero length ends the records. Records:
 *   u32 length of the rest, u32 check (FNV-1a of the rest), u64 seq,
 *   i64 received_ms, u32 topic length, topic, payload
 * all little-endian; a torn or damaged record ends the recovery there. */
#ifndef THINGTOP_INTAKE_H
#define THINGTOP_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct intake;

/* Creates (truncating) the current intake file of the journal at
 * `journal_path`, with the given file mode. NULL with *cause. */
struct intake *intake_create(const char *journal_path, mode_t mode, char **cause);
/* Closes and removes both files: call once the journal has committed
 * every message appended. Accepts NULL. */
void intake_destroy(struct intake *intake, bool remove_files);

/* Adds one message to the round in memory. Borrowed, copied. */
void intake_add(struct intake *intake, uint64_t seq, int64_t received_ms, const char *topic,
                const void *payload, size_t len);
/* Writes the round with one write() into blocks reserved when the file was
 * made (no fsync: this guards against the death of the process, which the
 * kernel outlives). False with *cause (EIO, or no room for a new file
 * when the journal lags 8 MiB behind); the round stays in memory for a
 * retry. */
bool intake_write_round(struct intake *intake, char **cause);
/* Forgets the round not written: for a caller that did not acknowledge
 * it (the broker sends those messages again). */
void intake_drop_round(struct intake *intake);
/* True when writing the round now would fail for want of room: the
 * journal lags a whole file behind (a backlog drained faster than the
 * disk commits). The caller waits for the journal, then releases. */
bool intake_must_wait(const struct intake *intake);
/* Messages up to committed_seq are in the journal: the files are rotated
 * and the older one removed once all of it is committed. */
void intake_release(struct intake *intake, uint64_t committed_seq);

/* Reads what an earlier run left (".old" first), calling fn for every
 * record with seq > after_seq, in order; stops quietly at a torn record.
 * Sets *count to the records handed over. False with *cause when a file
 * exists but cannot be read. */
typedef void (*intake_fn)(void *ctx, int64_t received_ms, const char *topic, const char *payload,
                          size_t len);
bool intake_recover(const char *journal_path, uint64_t after_seq, intake_fn fn, void *ctx,
                    uint64_t *count, char **cause);

#endif
