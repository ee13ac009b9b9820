#include "ndjson_reader.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "timefmt.h"
#include "xalloc.h"

#define CHUNK_LINES 256
#define CHUNK_SLOTS 8

enum slot_state { SLOT_EMPTY, SLOT_FILLED, SLOT_DECODING, SLOT_DECODED };

/* A chunk of consecutive lines: their text, then their decoded form. */
struct slot {
	enum slot_state state;
	size_t count;
	bool last;                  /* the reader stopped after this chunk */
	char *text;
	size_t text_len, text_cap;
	size_t offset[CHUNK_LINES]; /* where each line starts in text */
	struct ndjson_line line[CHUNK_LINES];
};

struct ndjson_reader {
	struct line_reader lines;
	ndjson_decode_fn decode;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	pthread_t reader_thread;
	bool reader_started;
	pthread_t *workers;
	int worker_count;
	bool stopping;
	bool read_error;
	size_t filled;              /* chunks filled so far */
	size_t decoding;            /* chunks handed to workers so far */
	size_t consumed;            /* chunks the caller has finished */
	size_t position;            /* next line in the current chunk */
	bool current_ready;         /* the current chunk is decoded (caller's thread only) */
	struct slot slot[CHUNK_SLOTS];
};

static struct slot *slot_of(struct ndjson_reader *r, size_t chunk)
{
	return &r->slot[chunk % CHUNK_SLOTS];
}

static struct ndjson_line *slot_add_line(struct slot *s, unsigned long line_no, const char *text,
                                         size_t len, bool truncated)
{
	if (s->text_cap - s->text_len < len) {
		s->text_cap = (s->text_len + len) * 2;
		s->text = xrealloc(s->text, s->text_cap);
	}
	memcpy(s->text + s->text_len, text, len);
	s->offset[s->count] = s->text_len;
	s->text_len += len;
	struct ndjson_line *line = &s->line[s->count++];
	line->line_no = line_no;
	line->len = len;
	line->full_len = len;
	line->truncated = truncated;
	return line;
}

static void *read_lines(void *arg)
{
	struct ndjson_reader *r = arg;
	bool more = true;
	while (more) {
		pthread_mutex_lock(&r->lock);
		struct slot *s = slot_of(r, r->filled);
		while (s->state != SLOT_EMPTY && !r->stopping)
			pthread_cond_wait(&r->changed, &r->lock);
		bool stop = r->stopping;
		pthread_mutex_unlock(&r->lock);
		if (stop)
			break;

		s->count = 0;
		s->text_len = 0;
		s->last = false;
		const char *text;
		size_t len;
		bool truncated;
		while (s->count < CHUNK_LINES &&
		       (more = line_reader_next(&r->lines, &text, &len, &truncated))) {
			struct ndjson_line *line = slot_add_line(s, r->lines.line_no, text, len, truncated);
			/* Its start is copied: skip the rest now to know its size. */
			if (truncated)
				line->full_len += line_reader_skip_rest(&r->lines);
		}

		pthread_mutex_lock(&r->lock);
		if (!more) {
			s->last = true;
			r->read_error = ferror(r->lines.in) != 0;
		}
		s->state = SLOT_FILLED;
		r->filled++;
		pthread_cond_broadcast(&r->changed);
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

static void decode_ndjson(const char *text, size_t len, struct event *event, struct ndjson_message *msg)
{
	ndjson_decode_line(text, len, event, msg);
	ndjson_check_times(event, msg, time_now_ms());
}

static void decode_line(struct ndjson_line *line, size_t max_len, ndjson_decode_fn decode)
{
	if (!line->truncated) {
		decode(line->text, line->len, &line->event, &line->msg);
		return;
	}
	memset(&line->msg, 0, sizeof(line->msg));
	event_set_reject(&line->event, REJECT_OVERSIZE,
	                 "line of %zu bytes is over the %zu-byte limit (its first %d bytes are kept)",
	                 line->full_len, max_len, EVENT_PAYLOAD_MAX);
	line->msg.raw = line->text;
	line->msg.raw_len = line->len;
}

static void *decode_chunks(void *arg)
{
	struct ndjson_reader *r = arg;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct slot *s = slot_of(r, r->decoding);
		while (!r->stopping && (r->decoding == r->filled || s->state != SLOT_FILLED)) {
			pthread_cond_wait(&r->changed, &r->lock);
			s = slot_of(r, r->decoding);
		}
		if (r->stopping)
			break;
		r->decoding++;
		s->state = SLOT_DECODING;
		pthread_mutex_unlock(&r->lock);

		for (size_t i = 0; i < s->count; i++) {
			s->line[i].text = s->text + s->offset[i];
			decode_line(&s->line[i], r->lines.max_len, r->decode);
		}

		pthread_mutex_lock(&r->lock);
		s->state = SLOT_DECODED;
		pthread_cond_broadcast(&r->changed);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct ndjson_reader *ndjson_reader_create(FILE *in, size_t max_len, int workers, char **cause)
{
	return ndjson_reader_create_decoder(in, max_len, workers, decode_ndjson, cause);
}

struct ndjson_reader *ndjson_reader_create_decoder(FILE *in, size_t max_len, int workers,
                                                   ndjson_decode_fn decode, char **cause)
{
	struct ndjson_reader *r = xcalloc(1, sizeof(*r));
	int wanted = workers < 1 ? 1 : workers, err;
	r->decode = decode;
	line_reader_init(&r->lines, in, max_len);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->changed, NULL);
	r->workers = xcalloc((size_t)wanted, sizeof(*r->workers));
	err = pthread_create(&r->reader_thread, NULL, read_lines, r);
	if (err != 0)
		goto fail;
	r->reader_started = true;
	/* worker_count counts the started ones, which destroy joins. */
	for (; r->worker_count < wanted; r->worker_count++) {
		err = pthread_create(&r->workers[r->worker_count], NULL, decode_chunks, r);
		if (err != 0)
			goto fail;
	}
	return r;
fail:
	set_cause(cause, "cannot start the NDJSON reader's threads: %s", strerror(err));
	ndjson_reader_destroy(r);
	return NULL;
}

/* Gives a finished chunk back to the reader. Lock held. */
static void release_chunk(struct ndjson_reader *r, struct slot *s)
{
	for (size_t i = 0; i < s->count; i++)
		ndjson_message_finish(&s->line[i].msg);
	s->state = SLOT_EMPTY;
	r->consumed++;
	r->position = 0;
	pthread_cond_broadcast(&r->changed);
}

const struct ndjson_line *ndjson_reader_next(struct ndjson_reader *r)
{
	/* A decoded chunk is the caller's until it is released: no lock for
	 * the lines inside it. */
	struct slot *current = slot_of(r, r->consumed);
	if (r->current_ready && r->position < current->count)
		return &current->line[r->position++];
	pthread_mutex_lock(&r->lock);
	r->current_ready = false;
	for (;;) {
		struct slot *s = slot_of(r, r->consumed);
		while (s->state != SLOT_DECODED || r->consumed >= r->filled)
			pthread_cond_wait(&r->changed, &r->lock);
		if (r->position < s->count) {
			const struct ndjson_line *line = &s->line[r->position++];
			r->current_ready = true;
			pthread_mutex_unlock(&r->lock);
			return line;
		}
		bool last = s->last;
		release_chunk(r, s);
		if (last) {
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
	}
}

bool ndjson_reader_failed(const struct ndjson_reader *r)
{
	return r->read_error;
}

void ndjson_reader_destroy(struct ndjson_reader *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
	if (r->reader_started)
		pthread_join(r->reader_thread, NULL);
	for (int i = 0; i < r->worker_count; i++)
		pthread_join(r->workers[i], NULL);
	for (size_t i = 0; i < CHUNK_SLOTS; i++) {
		struct slot *s = &r->slot[i];
		if (s->state == SLOT_DECODED || s->state == SLOT_DECODING)
			for (size_t k = 0; k < s->count; k++)
				ndjson_message_finish(&s->line[k].msg);
		free(s->text);
	}
	free(r->workers);
	pthread_cond_destroy(&r->changed);
	pthread_mutex_destroy(&r->lock);
	line_reader_finish(&r->lines);
	free(r);
}
