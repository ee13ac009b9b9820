/* journal_scan with the reading on a second thread: reading rows out of
 * SQLite costs about as much as reconciling them, so a reader thread
 * scans the journal into batches (the rows' strings copied into the
 * batch) while the caller's thread works through the previous ones.
 *
 * journal_ahead_start goes further for a rebuild: the reader gets a
 * connection of its own and starts before the caller loads the snapshot,
 * so that the load and the first rows' reading run side by side, on two
 * cores. A rebuild of 1M things spends about half a second loading, in
 * which the reader reads ~1.3M rows; the batches it may fill meanwhile
 * are bounded by the caller's budget. */
#include "build_config.h"

#include "journal_internal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define BATCH_ROWS 1024
#define BATCHES_MIN 4
/* A batch's bytes, for the budget. */
#define BATCH_BYTES_GUESS (BATCH_ROWS * JOURNAL_AHEAD_ROW_BYTES)

/* A row as a batch keeps it: 48 bytes against a journal_row's 128, so
 * that a budget holds more of them. A batch is turned back into
 * journal_rows (struct journal_ahead's rows) as it is consumed. */
struct ahead_row {
	uint64_t seq;
	int64_t received_ms, timestamp_ms, version;
	uint32_t thing_id;
	uint32_t text;              /* offset of "session\0reason\0ip\0" in the batch's text */
	uint8_t type;
	bool has_version;
};

struct batch {
	struct ahead_row rows[BATCH_ROWS];
	size_t count;
	char *text;
	size_t text_len, text_cap;
};

struct journal_ahead {
	struct journal *journal;    /* the reader's: its own, or the caller's */
	bool own;                   /* journal is ours to close */
	uint64_t after_seq, upto_seq;
	int64_t until_ms;           /* the first row received later is the last read */
	pthread_t reader;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch **batch;       /* a ring of `batches`, each made when first filled */
	size_t batches;
	size_t head, tail;          /* filled batches: head .. tail-1 (mod batches) */
	bool started, eof, stop, failed;
	char *cause;
	struct batch *filling;
	struct journal_row rows[BATCH_ROWS]; /* the batch being consumed, as journal rows */
};

static struct batch *batch_at(struct journal_ahead *a, size_t index)
{
	struct batch **slot = &a->batch[index % a->batches];
	if (!*slot)
		*slot = xcalloc(1, sizeof **slot);
	return *slot;
}

static void batch_text(struct batch *b, const char *s)
{
	size_t len = strlen(s) + 1;
	if (b->text_cap - b->text_len < len) {
		while (b->text_cap - b->text_len < len)
			b->text_cap = b->text_cap ? b->text_cap * 2 : 65536;
		b->text = xrealloc(b->text, b->text_cap);
	}
	memcpy(b->text + b->text_len, s, len);
	b->text_len += len;
}

/* Hands the filled batch over and waits for a free one. False to stop. */
static bool hand_over(struct journal_ahead *a)
{
	pthread_mutex_lock(&a->lock);
	a->tail++;
	pthread_cond_broadcast(&a->changed);
	while (!a->stop && a->tail - a->head == a->batches)
		pthread_cond_wait(&a->changed, &a->lock);
	bool go = !a->stop;
	pthread_mutex_unlock(&a->lock);
	a->filling = batch_at(a, a->tail);
	a->filling->count = 0;
	a->filling->text_len = 0;
	return go;
}

static bool copy_row(void *ctx, const struct journal_row *row)
{
	struct journal_ahead *a = ctx;
	struct batch *b = a->filling;
	b->rows[b->count++] = (struct ahead_row){
		.seq = row->seq,
		.received_ms = row->received_ms,
		.timestamp_ms = row->timestamp_ms,
		.version = row->version,
		.thing_id = row->thing_id,
		.text = (uint32_t)b->text_len,
		.type = (uint8_t)row->type,
		.has_version = row->has_version,
	};
	batch_text(b, row->session_id);
	batch_text(b, row->reason);
	batch_text(b, row->ip);
	/* The consumer stops at this row: reading further is wasted. */
	if (row->received_ms > a->until_ms)
		return false;
	return b->count < BATCH_ROWS || hand_over(a);
}

/* On a connection of its own the reader's view starts here, after the
 * caller chose its starting point: retention may have pruned past it
 * meanwhile, which the reader must not mistake for no rows. */
static bool check_start(struct journal_ahead *a, char **cause)
{
	if (sqlite3_exec(a->journal->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		journal_db_cause(a->journal->db, a->journal->path, "cannot read", cause);
		return false;
	}
	uint64_t first = journal_first_seq(a->journal);
	if (first > a->after_seq + 1) {
		set_cause(cause, "journal %s: its rows before seq %llu were pruned by retention",
		          a->journal->path, (unsigned long long)first);
		return false;
	}
	return true;
}

static void *reader_main(void *arg)
{
	struct journal_ahead *a = arg;
	char *cause = NULL;
	a->filling = batch_at(a, 0);
	bool ok = !a->own || check_start(a, &cause);
	pthread_mutex_lock(&a->lock);
	a->started = true;
	pthread_cond_broadcast(&a->changed);
	pthread_mutex_unlock(&a->lock);
	if (ok)
		ok = journal_scan(a->journal, a->after_seq, a->upto_seq, false, copy_row, a, &cause);
	if (ok && a->filling->count > 0)
		hand_over(a);
	if (a->own)
		sqlite3_exec(a->journal->db, "COMMIT", NULL, NULL, NULL);
	pthread_mutex_lock(&a->lock);
	a->eof = true;
	if (!ok) {
		a->failed = true;
		a->cause = cause;
	}
	pthread_cond_broadcast(&a->changed);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

static const struct journal_row *batch_rows(struct journal_ahead *a, const struct batch *b)
{
	for (size_t i = 0; i < b->count; i++) {
		const struct ahead_row *in = &b->rows[i];
		const char *session = b->text + in->text;
		const char *reason = session + strlen(session) + 1;
		a->rows[i] = (struct journal_row){
			.seq = in->seq,
			.received_ms = in->received_ms,
			.type = (enum event_type)in->type,
			.thing_id = in->thing_id,
			.client_id = "",
			.timestamp_ms = in->timestamp_ms,
			.has_version = in->has_version,
			.version = in->version,
			.session_id = session,
			.reason = reason,
			.ip = reason + strlen(reason) + 1,
			.topic = "",
			.payload = "",
		};
	}
	return a->rows;
}

/* Gives each filled batch to fn until the reader is done or fn stops. */
static void consume(struct journal_ahead *a, journal_batch_fn fn, void *ctx)
{
	for (;;) {
		pthread_mutex_lock(&a->lock);
		while (a->head == a->tail && !a->eof)
			pthread_cond_wait(&a->changed, &a->lock);
		bool empty = a->head == a->tail;
		pthread_mutex_unlock(&a->lock);
		if (empty)
			return;
		struct batch *b = a->batch[a->head % a->batches];
		bool go = fn(ctx, batch_rows(a, b), b->count);
		pthread_mutex_lock(&a->lock);
		a->head++;
		if (!go)
			a->stop = true;
		pthread_cond_broadcast(&a->changed);
		pthread_mutex_unlock(&a->lock);
		if (!go)
			return;
	}
}

static struct journal_ahead *ahead_new(struct journal *journal, bool own, uint64_t after_seq,
                                       uint64_t upto_seq, int64_t until_ms, size_t batches)
{
	struct journal_ahead *a = xcalloc(1, sizeof *a);
	a->journal = journal;
	a->own = own;
	a->after_seq = after_seq;
	a->upto_seq = upto_seq;
	a->until_ms = until_ms;
	a->batches = batches;
	a->batch = xcalloc(batches, sizeof *a->batch);
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->changed, NULL);
	return a;
}

static void ahead_free(struct journal_ahead *a)
{
	if (a->own)
		journal_close(a->journal);
	free(a->cause);
	for (size_t i = 0; i < a->batches; i++) {
		if (a->batch[i])
			free(a->batch[i]->text);
		free(a->batch[i]);
	}
	free(a->batch);
	pthread_cond_destroy(&a->changed);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

struct journal_ahead *journal_ahead_start(struct journal *journal, uint64_t after_seq,
                                          uint64_t upto_seq, int64_t until_ms, size_t max_bytes)
{
	/* Without a connection or a thread the caller reads as before. */
	struct journal *own = journal_open(journal->path, JOURNAL_READ_ONLY, NULL);
	if (!own)
		return NULL;
	size_t batches = max_bytes / BATCH_BYTES_GUESS;
	struct journal_ahead *a = ahead_new(own, true, after_seq, upto_seq, until_ms,
	                                    batches < BATCHES_MIN ? BATCHES_MIN : batches);
	if (pthread_create(&a->reader, NULL, reader_main, a) != 0) {
		ahead_free(a);
		return NULL;
	}
	/* The reader's view is then fixed: no later prune can hide rows. */
	pthread_mutex_lock(&a->lock);
	while (!a->started)
		pthread_cond_wait(&a->changed, &a->lock);
	pthread_mutex_unlock(&a->lock);
	return a;
}

bool journal_ahead_finish(struct journal_ahead *a, journal_batch_fn fn, void *ctx, char **cause)
{
	if (!a)
		return true;
	if (fn) {
		consume(a, fn, ctx);
	} else {
		pthread_mutex_lock(&a->lock);
		a->stop = true;
		pthread_cond_broadcast(&a->changed);
		pthread_mutex_unlock(&a->lock);
	}
	pthread_join(a->reader, NULL);
	bool ok = !fn || !a->failed;
	if (!ok)
		set_cause(cause, "%s", a->cause != NULL ? a->cause : "cannot read the journal");
	ahead_free(a);
	return ok;
}

bool journal_scan_ahead(struct journal *journal, uint64_t after_seq, uint64_t upto_seq,
                        journal_batch_fn fn, void *ctx, char **cause)
{
	struct journal_ahead *a = ahead_new(journal, false, after_seq, upto_seq, INT64_MAX,
	                                    BATCHES_MIN);
	int err = pthread_create(&a->reader, NULL, reader_main, a);
	if (err != 0) {
		set_cause(cause, "journal %s: cannot start a reader thread: %s", journal_path(journal),
		          strerror(err));
		ahead_free(a);
		return false;
	}
	return journal_ahead_finish(a, fn, ctx, cause);
}
