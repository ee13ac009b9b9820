/* journal_scan with the reading on a second thread: reading rows out of
 * SQLite costs about as much as reconciling them, so a reader thread
 * scans the journal into batches (the rows' strings copied into the
 * batch) while the caller's thread works through the previous ones. */
#include "build_config.h"

#include "journal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define BATCH_ROWS 1024
#define BATCHES 4

struct batch {
	struct journal_row rows[BATCH_ROWS];
	size_t count;
	char *text;                 /* the rows' strings, NUL-terminated */
	size_t text_len, text_cap;
};

struct ahead {
	struct journal *journal;
	uint64_t after_seq, upto_seq;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch batch[BATCHES];
	size_t head, tail;          /* filled batches: head .. tail-1 (mod BATCHES) */
	bool eof, stop, failed;
	char *cause;
	struct batch *filling;
};

/* Offsets stand in for the string pointers until the batch is complete
 * (the text buffer may move while it fills). */
static size_t batch_text(struct batch *b, const char *s)
{
	size_t len = strlen(s) + 1;
	if (b->text_cap - b->text_len < len) {
		while (b->text_cap - b->text_len < len)
			b->text_cap = b->text_cap ? b->text_cap * 2 : 65536;
		b->text = xrealloc(b->text, b->text_cap);
	}
	size_t at = b->text_len;
	memcpy(b->text + at, s, len);
	b->text_len += len;
	return at;
}

static void batch_fix(struct batch *b)
{
	for (size_t i = 0; i < b->count; i++) {
		struct journal_row *row = &b->rows[i];
		row->session_id = b->text + (uintptr_t)row->session_id;
		row->reason = b->text + (uintptr_t)row->reason;
		row->ip = b->text + (uintptr_t)row->ip;
	}
}

/* Hands the filled batch over and waits for a free one. False to stop. */
static bool hand_over(struct ahead *a)
{
	batch_fix(a->filling);
	pthread_mutex_lock(&a->lock);
	a->tail++;
	pthread_cond_broadcast(&a->changed);
	while (!a->stop && a->tail - a->head == BATCHES)
		pthread_cond_wait(&a->changed, &a->lock);
	bool go = !a->stop;
	a->filling = &a->batch[a->tail % BATCHES];
	pthread_mutex_unlock(&a->lock);
	a->filling->count = 0;
	a->filling->text_len = 0;
	return go;
}

static bool copy_row(void *ctx, const struct journal_row *row)
{
	struct ahead *a = ctx;
	struct batch *b = a->filling;
	struct journal_row *copy = &b->rows[b->count++];
	*copy = *row;
	copy->client_id = "";
	copy->topic = copy->payload = "";
	copy->topic_len = copy->payload_len = 0;
	copy->session_id = (const char *)(uintptr_t)batch_text(b, row->session_id);
	copy->reason = (const char *)(uintptr_t)batch_text(b, row->reason);
	copy->ip = (const char *)(uintptr_t)batch_text(b, row->ip);
	return b->count < BATCH_ROWS || hand_over(a);
}

static void *reader_main(void *arg)
{
	struct ahead *a = arg;
	char *cause = NULL;
	a->filling = &a->batch[0];
	bool ok = journal_scan(a->journal, a->after_seq, a->upto_seq, false, copy_row, a, &cause);
	if (ok && a->filling->count > 0)
		hand_over(a);
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

/* Gives each filled batch to fn until the reader is done or fn stops. */
static void consume(struct ahead *a, journal_batch_fn fn, void *ctx)
{
	for (;;) {
		pthread_mutex_lock(&a->lock);
		while (a->head == a->tail && !a->eof)
			pthread_cond_wait(&a->changed, &a->lock);
		bool empty = a->head == a->tail;
		pthread_mutex_unlock(&a->lock);
		if (empty)
			return;
		struct batch *b = &a->batch[a->head % BATCHES];
		bool go = fn(ctx, b->rows, b->count);
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

bool journal_scan_ahead(struct journal *journal, uint64_t after_seq, uint64_t upto_seq,
                        journal_batch_fn fn, void *ctx, char **cause)
{
	struct ahead *a = xcalloc(1, sizeof *a);
	a->journal = journal;
	a->after_seq = after_seq;
	a->upto_seq = upto_seq;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->changed, NULL);
	pthread_t reader;
	int err = pthread_create(&reader, NULL, reader_main, a);
	bool ok = err == 0;
	if (ok) {
		consume(a, fn, ctx);
		pthread_join(reader, NULL);
		ok = !a->failed;
		if (!ok)
			set_cause(cause, "%s", a->cause != NULL ? a->cause : "cannot read the journal");
	} else {
		set_cause(cause, "journal %s: cannot start a reader thread: %s", journal_path(journal),
		          strerror(err));
	}
	free(a->cause);
	for (size_t i = 0; i < BATCHES; i++)
		free(a->batch[i].text);
	pthread_cond_destroy(&a->changed);
	pthread_mutex_destroy(&a->lock);
	free(a);
	return ok;
}
