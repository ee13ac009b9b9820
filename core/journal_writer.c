/* The journal's writer thread. Appends are copied into the filling batch
 * (one byte buffer plus fixed-size records pointing into it, both reused,
 * so a steady stream of appends does not allocate); a full or 200 ms old
 * batch, or one a caller syncs, is queued and the writer commits it in one
 * transaction. When MAX_QUEUED batches wait, appends block: the disk sets
 * the pace. Between batches the same thread does the journal's
 * maintenance (retention and snapshot thinning, below) in small steps.
 *
 * A failed commit (disk full, I/O error, lock timeout) is a state, not a
 * loss: the batch stays at the head of the queue, later appends keep
 * filling memory (callers stop taking work, see journal.h), and the
 * writer tries the same batch again when asked (journal_retry). */
#include "build_config.h"

#include "clock.h"
#include "journal_writer_internal.h"
#include "xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_RECORDS 32768
#define BATCH_BYTES (16u << 20)
#define BATCH_AGE_MS 200
/* A buffer grown past this by a huge payload or snapshot is given back. */
#define BUFFER_KEEP (32u << 20)
/* What maintenance may add to closing a journal. */
#define STOP_MAINTENANCE_MS 500

/* Called with the lock held. */
static struct batch *batch_take(struct journal_writer *w)
{
	struct batch *b = w->spare;
	if (b)
		w->spare = b->next;
	else
		b = xcalloc(1, sizeof *b);
	b->gen = ++w->last_gen;
	b->count = 0;
	b->len = 0;
	b->last_seq = 0;
	b->next = NULL;
	return b;
}

static void batch_give_back(struct journal_writer *w, struct batch *b)
{
	if (b->size > BUFFER_KEEP) {
		free(b->buf);
		b->buf = NULL;
		b->size = 0;
	}
	b->next = w->spare;
	w->spare = b;
}

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->recs);
	free(b->buf);
	free(b);
}

/* Reserves a record and `bytes` of buffer in the filling batch. */
static struct rec *batch_add(struct batch *b, size_t bytes)
{
	if (b->count == b->cap) {
		b->cap = b->cap ? b->cap * 2 : BATCH_RECORDS;
		b->recs = xreallocarray(b->recs, b->cap, sizeof *b->recs);
	}
	if (!b->buf || b->size - b->len < bytes) {
		size_t size = b->size ? b->size : BATCH_BYTES + (1u << 20);
		while (size - b->len < bytes)
			size *= 2;
		b->buf = xrealloc(b->buf, size);
		b->size = size;
	}
	if (b->count == 0)
		b->started_ms = time_mono_ms();
	struct rec *r = &b->recs[b->count++];
	memset(r, 0, sizeof *r);
	r->at = b->len;
	b->len += bytes;
	return r;
}

static bool batch_full(const struct batch *b)
{
	return b->count >= BATCH_RECORDS || b->len >= BATCH_BYTES;
}

/* Moves the filling batch to the queue. Lock held; the queue has room. */
static void queue_filling(struct journal_writer *w)
{
	w->queue[(w->queue_head + w->queue_len) % MAX_QUEUED] = w->filling;
	w->queue_len++;
	w->filling = batch_take(w);
	w->flush_wanted = false;
	pthread_cond_signal(&w->work);
}

static bool has_snapshot(const struct batch *b)
{
	for (size_t i = b->count; i-- > 0;) {
		if (b->recs[i].flags & REC_SNAPSHOT)
			return true;
	}
	return false;
}

/* One maintenance step. Lock held on entry and exit. */
static void maintain(struct journal_writer *w)
{
	struct journal_retention policy = w->retention;
	uint64_t asked = w->maint_asked, pruned = 0;
	char *cause = NULL;
	if (w->maint_turn > 0)
		w->maint_turn--;
	pthread_mutex_unlock(&w->lock);
	enum prune_result r = journal_prune_step(w->db, w->path, &policy, &pruned, &cause);
	pthread_mutex_lock(&w->lock);
	w->pruned += pruned;
	if (r == PRUNE_MORE)
		return;
	if (r == PRUNE_FAILED) {
		/* Ingest goes on; journal_prune reports it. */
		free(w->maint_error);
		w->maint_error = cause;
	}
	/* A request that came in meanwhile needs a step of its own. */
	if (w->maint_asked == asked)
		w->maint_wanted = false;
	w->maint_done = asked;
	pthread_cond_broadcast(&w->done);
}

static bool retention_set(const struct journal_writer *w)
{
	return w->retention.retain_ms > 0 || w->retention.max_bytes > 0;
}

/* Commits the batch at the head of the queue; on failure it stays there
 * for journal_retry. Lock held on entry and exit. */
static void commit_head(struct journal_writer *w)
{
	struct batch *b = w->queue[w->queue_head];
	char *cause = NULL;
	pthread_mutex_unlock(&w->lock);
	bool ok = journal_writer_commit_batch(w, b, &cause);
	pthread_mutex_lock(&w->lock);
	if (!ok) {
		w->error = cause ? cause : xstrdup("cannot write");
		pthread_cond_broadcast(&w->done);
		return;
	}
	w->queue_head = (w->queue_head + 1) % MAX_QUEUED;
	w->queue_len--;
	w->committed_gen = b->gen;
	if (b->last_seq > w->committed_seq)
		w->committed_seq = b->last_seq;
	if (retention_set(w) || has_snapshot(b))
		w->maint_wanted = true;
	w->maint_turn = 2;
	batch_give_back(w, b);
	pthread_cond_broadcast(&w->done);
}

static void *writer_main(void *arg)
{
	struct journal_writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		bool can_maintain = w->maint_wanted && !w->error && !w->stopping;
		/* Under a steady stream, two steps (up to as many rows as a
		 * batch adds) after each batch, so pruning keeps up. */
		if (can_maintain && w->maint_turn > 0) {
			maintain(w);
			continue;
		}
		if (w->queue_len > 0 && !w->error) {
			commit_head(w);
			continue;
		}
		struct batch *f = w->filling;
		if (f->count > 0 && w->queue_len < MAX_QUEUED &&
		    (w->stopping || w->flush_wanted || time_mono_ms() - f->started_ms >= BATCH_AGE_MS)) {
			queue_filling(w);
			continue;
		}
		if (can_maintain) {
			maintain(w);
			continue;
		}
		if (w->stopping)
			break;
		if (f->count == 0 || w->error) {
			pthread_cond_wait(&w->work, &w->lock);
			continue;
		}
		int64_t due = f->started_ms + BATCH_AGE_MS;
		struct timespec ts = { .tv_sec = due / 1000, .tv_nsec = (due % 1000) * 1000000 };
		pthread_cond_timedwait(&w->work, &w->lock, &ts);
	}
	/* Everything is committed: tidy up for a moment (thinning the
	 * snapshots of a short run), leaving longer work to the next run. */
	int64_t until = time_mono_ms() + STOP_MAINTENANCE_MS;
	while (w->maint_wanted && !w->error && time_mono_ms() < until)
		maintain(w);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---- The caller's side ---- */

struct journal_writer *journal_writer_start(sqlite3 *db, const char *path, uint64_t next_seq,
                                            char **cause)
{
	struct journal_writer *w = xcalloc(1, sizeof *w);
	w->db = db;
	w->path = xstrdup(path);
	w->next_seq = next_seq;
	w->committed_seq = next_seq - 1;
	if (!journal_encoder_init(&w->encoder, db, path, cause))
		goto fail;
	if (!journal_writer_prepare(w, cause))
		goto fail;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->work, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&w->done, NULL);
	pthread_mutex_init(&w->lock, NULL);
	w->filling = batch_take(w);
	/* Finish whatever an earlier run left (a half-pruned prefix). */
	w->maint_wanted = true;
	w->checkpointer = journal_checkpointer_start(db, path, cause);
	int err = w->checkpointer ? pthread_create(&w->thread, NULL, writer_main, w) : -1;
	if (err != 0) {
		if (err > 0)
			set_cause(cause, "journal %s: cannot start the writer thread: %s", path, strerror(err));
		journal_checkpointer_stop(w->checkpointer, db);
		pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->done);
		pthread_mutex_destroy(&w->lock);
		batch_free(w->filling);
		goto fail;
	}
	return w;
fail:
	journal_writer_finalize(w);
	journal_encoder_finish(&w->encoder);
	journal_counts_finish(&w->counts);
	sqlite3_close(db);
	free(w->path);
	free(w);
	return NULL;
}

void journal_writer_stop(struct journal_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	journal_checkpointer_stop(w->checkpointer, w->db);

	journal_writer_finalize(w);
	journal_encoder_finish(&w->encoder);
	journal_counts_finish(&w->counts);
	/* The last connection to close checkpoints and removes the WAL. */
	sqlite3_close(w->db);
	/* Batches a failing journal could not commit: reported by the caller
	 * (journal_committed_seq), dropped here. */
	for (size_t i = 0; i < w->queue_len; i++)
		batch_free(w->queue[(w->queue_head + i) % MAX_QUEUED]);
	batch_free(w->filling);
	while (w->spare) {
		struct batch *b = w->spare;
		w->spare = b->next;
		batch_free(b);
	}
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->lock);
	free(w->error);
	free(w->maint_error);

	free(w->path);
	free(w);
}

uint64_t journal_writer_next_seq(struct journal_writer *w)
{
	pthread_mutex_lock(&w->lock);
	uint64_t seq = w->next_seq;
	pthread_mutex_unlock(&w->lock);
	return seq;
}

/* Makes room for one more record: queues a full filling batch, waiting
 * while MAX_QUEUED are ahead of it. While the journal is failing the
 * filling batch just grows: the caller has stopped taking work, and what
 * it still hands over is kept for the retry. Lock held. */
static void make_room(struct journal_writer *w)
{
	if (!batch_full(w->filling))
		return;
	while (w->queue_len >= MAX_QUEUED && !w->error)
		pthread_cond_wait(&w->done, &w->lock);
	if (w->queue_len < MAX_QUEUED)
		queue_filling(w);
}

static void note_first(struct journal_writer *w)
{
	/* The writer sleeps without a deadline while nothing is filling. */
	if (w->filling->count == 1)
		pthread_cond_signal(&w->work);
}

/* A field's length, bounded by its size in struct event (and so by the
 * buffers encode_payload copies it into). */
static size_t field_len(const char *s, size_t max)
{
	return strnlen(s, max);
}

const char *journal_topic_family(enum event_type type)
{
	switch (type) {
	case EVENT_CONNECTED:
	case EVENT_DISCONNECTED:
	case EVENT_CONNECT_FAILED:
		return "presence";
	case EVENT_SUBSCRIBED:
	case EVENT_UNSUBSCRIBED:
		return "subscriptions";
	default:
		return NULL;
	}
}

/* True when the topic is exactly "$aws/events/FAMILY/TYPE/CLIENT_ID" for
 * the event: then it is stored empty (see journal_internal.h). */
static bool topic_is_canonical(const char *topic, size_t len, const struct event *ev)
{
	static const char prefix[] = "$aws/events/";
	const char *family = ev ? journal_topic_family(ev->type) : NULL;
	if (!family)
		return false;
	const char *type = event_type_name(ev->type);
	size_t pl = sizeof(prefix) - 1, fl = strlen(family), tl = strlen(type);
	size_t cl = strlen(ev->client_id);
	if (len != pl + fl + 1 + tl + 1 + cl)
		return false;
	const char *t = topic;
	if (memcmp(t, prefix, pl) != 0 || memcmp(t += pl, family, fl) != 0 || t[fl] != '/')
		return false;
	t += fl + 1;
	return memcmp(t, type, tl) == 0 && t[tl] == '/' && memcmp(t + tl + 1, ev->client_id, cl) == 0;
}

uint64_t journal_writer_append(struct journal_writer *w, const struct journal_record *record)
{
	const struct event *ev = record->event;
	enum event_type type = ev ? ev->type : EVENT_REJECT;
	bool lifecycle = type != EVENT_REJECT && type != EVENT_IGNORED;
	const char *reason = !ev ? "" : lifecycle ? ev->reason : ev->detail;
	/* An empty topic is no topic; a canonical one is stored empty. */
	bool has_topic = record->topic && record->topic_len > 0;
	size_t topic_len = has_topic && !topic_is_canonical(record->topic, record->topic_len, ev)
	                   ? record->topic_len : 0;
	size_t payload_len = record->payload ? record->payload_len : 0;
	size_t client_len = record->thing_id && ev ? field_len(ev->client_id, EVENT_CLIENT_ID_MAX) : 0;
	size_t session_len = ev ? field_len(ev->session_id, EVENT_SESSION_MAX) : 0;
	size_t reason_len = field_len(reason, EVENT_DETAIL_MAX);
	size_t ip_len = ev ? field_len(ev->ip, EVENT_IP_MAX) : 0;
	size_t principal_len = record->new_thing && ev ? field_len(ev->principal, EVENT_PRINCIPAL_MAX)
	                                               : 0;
	size_t name_len = record->new_thing && ev ? field_len(ev->thing_name, EVENT_CLIENT_ID_MAX) : 0;
	/* Here, not on the writer's thread: that one is import's slowest. */
	uint32_t payload_crc = journal_codec_crc(payload_len ? record->payload : "", payload_len);

	pthread_mutex_lock(&w->lock);
	make_room(w);
	struct rec *r = batch_add(w->filling, topic_len + payload_len + client_len + session_len +
	                                      reason_len + ip_len + principal_len + name_len);
	r->seq = w->next_seq++;
	w->filling->last_seq = r->seq;
	r->received_ms = record->received_ms;
	r->type = (uint8_t)type;
	r->thing_id = record->thing_id;
	if (ev && (lifecycle || ev->timestamp_ms != 0)) {
		r->flags |= REC_HAS_TS;
		r->ts_ms = ev->timestamp_ms;
	}
	if (ev && ev->has_version) {
		r->flags |= REC_HAS_VERSION;
		r->version = ev->version;
	}
	if (has_topic)
		r->flags |= REC_HAS_TOPIC;
	if (client_len && record->new_thing)
		r->flags |= REC_NEW_THING;
	r->topic_len = topic_len;
	r->payload_len = payload_len;
	r->client_len = (uint16_t)client_len;
	r->session_len = (uint16_t)session_len;
	r->reason_len = (uint16_t)reason_len;
	r->ip_len = (uint16_t)ip_len;
	r->principal_len = (uint16_t)principal_len;
	r->name_len = (uint16_t)name_len;
	r->payload_crc = payload_crc;
	char *p = w->filling->buf + r->at;
	if (topic_len)
		memcpy(p, record->topic, topic_len);
	p += topic_len;
	if (payload_len)
		memcpy(p, record->payload, payload_len);
	p += payload_len;
	if (client_len)
		memcpy(p, ev->client_id, client_len);
	p += client_len;
	if (session_len)
		memcpy(p, ev->session_id, session_len);
	p += session_len;
	memcpy(p, reason, reason_len);
	p += reason_len;
	if (ip_len)
		memcpy(p, ev->ip, ip_len);
	p += ip_len;
	if (principal_len)
		memcpy(p, ev->principal, principal_len);
	p += principal_len;
	if (name_len)
		memcpy(p, ev->thing_name, name_len);
	uint64_t seq = r->seq;
	note_first(w);
	pthread_mutex_unlock(&w->lock);
	return seq;
}

bool journal_writer_snapshot(struct journal_writer *w, uint64_t seq, int64_t received_ms,
                             const void *data, size_t len, char **cause)
{
	/* Compressed on the caller's thread (a checkpoint's), not the writer's. */
	struct journal_codec_buf packed = { 0 };
	bool compressed = journal_compress(data, len, &packed) && packed.len < len;
	size_t raw_len = len;
	if (compressed) {
		data = packed.p;
		len = packed.len;
	}
	pthread_mutex_lock(&w->lock);
	make_room(w);
	struct rec *r = batch_add(w->filling, len);
	r->flags = REC_SNAPSHOT | (compressed ? REC_COMPRESSED : 0);
	r->version = (int64_t)raw_len;
	r->seq = seq;
	r->received_ms = received_ms;
	r->ts_ms = time_now_ms();
	r->payload_len = len;
	if (len)
		memcpy(w->filling->buf + r->at, data, len);
	note_first(w);
	pthread_mutex_unlock(&w->lock);
	free(packed.p);
	return true;
}

int journal_writer_sync(struct journal_writer *w, bool wait, char **cause)
{
	pthread_mutex_lock(&w->lock);
	uint64_t target = w->filling->gen - (w->filling->count == 0);
	if (w->filling->count > 0) {
		w->flush_wanted = true;
		pthread_cond_signal(&w->work);
	}
	int rc = 0;
	while (wait && w->committed_gen < target && !w->error)
		pthread_cond_wait(&w->done, &w->lock);
	if (w->error) {
		set_cause(cause, "%s", w->error);
		rc = -1;
	} else if (w->committed_gen >= target) {
		rc = 1;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

/* Queues a meta or coverage record (see commit_side_row). */
static void append_side_row(struct journal_writer *w, uint8_t flag, uint8_t type, int64_t at_ms,
                            const char *key, const char *value)
{
	size_t key_len = key ? strlen(key) : 0, value_len = value ? strlen(value) : 0;
	pthread_mutex_lock(&w->lock);
	make_room(w);
	struct rec *r = batch_add(w->filling, key_len + value_len);
	r->flags = flag;
	r->type = type;
	r->seq = w->next_seq - 1;
	r->ts_ms = at_ms;
	r->topic_len = key_len;
	r->payload_len = value_len;
	memcpy(w->filling->buf + r->at, key ? key : "", key_len);
	memcpy(w->filling->buf + r->at + key_len, value ? value : "", value_len);
	note_first(w);
	pthread_mutex_unlock(&w->lock);
}

void journal_writer_set_meta(struct journal_writer *w, const char *key, const char *value)
{
	append_side_row(w, REC_META, 0, 0, key, value);
}

void journal_writer_note_coverage(struct journal_writer *w, int kind, int64_t at_ms,
                                  const char *detail)
{
	append_side_row(w, REC_COVERAGE, (uint8_t)kind, at_ms, NULL, detail);
}

bool journal_writer_flush(struct journal_writer *w, char **cause)
{
	return journal_writer_sync(w, true, cause) == 1;
}

void journal_writer_retry(struct journal_writer *w)
{
	pthread_mutex_lock(&w->lock);
	if (w->error) {
		free(w->error);
		w->error = NULL;
		pthread_cond_signal(&w->work);
	}
	pthread_mutex_unlock(&w->lock);
}

bool journal_writer_failed(struct journal_writer *w, char **cause)
{
	pthread_mutex_lock(&w->lock);
	bool failed = w->error != NULL;
	if (failed)
		set_cause(cause, "%s", w->error);
	pthread_mutex_unlock(&w->lock);
	return failed;
}

uint64_t journal_writer_committed_seq(struct journal_writer *w)
{
	pthread_mutex_lock(&w->lock);
	uint64_t seq = w->committed_seq;
	pthread_mutex_unlock(&w->lock);
	return seq;
}

void journal_writer_set_retention(struct journal_writer *w, const struct journal_retention *policy)
{
	pthread_mutex_lock(&w->lock);
	w->retention = *policy;
	w->maint_wanted = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
}

bool journal_writer_prune(struct journal_writer *w, uint64_t *pruned, char **cause)
{
	if (!journal_writer_flush(w, cause))
		return false;
	pthread_mutex_lock(&w->lock);
	uint64_t before = w->pruned;
	uint64_t asked = ++w->maint_asked;
	free(w->maint_error);
	w->maint_error = NULL;
	w->maint_wanted = true;
	pthread_cond_signal(&w->work);
	while (w->maint_done < asked && !w->error)
		pthread_cond_wait(&w->done, &w->lock);
	const char *error = w->error ? w->error : w->maint_error;
	if (error)
		set_cause(cause, "%s", error);
	if (pruned)
		*pruned = w->pruned - before;
	pthread_mutex_unlock(&w->lock);
	return error == NULL;
}
