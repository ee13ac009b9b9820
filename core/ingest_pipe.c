/* See ingest_pipe.h. A ring of slots with three counters that only grow:
 * pushed (the receiver's), parsed (the worker's) and applied (the
 * receiver's); slot i % size is owned by the worker while parsed <= i <
 * pushed and by the receiver otherwise. */
#include "build_config.h"

#include "ingest_pipe.h"
#include "xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The worker wakes the receiver when it catches up, and at least this
 * often during a long burst. */
#define WAKE_EVERY 256
/* Pushes wake the worker once per receive round (ingest_pipe_kick), and
 * at least this often: a wake per message cost more than parsing one. */
#define KICK_EVERY 64

struct slot {
	char *topic;                 /* NULL when none */
	char *payload;
	size_t len, cap;
	int64_t received_ms;
	struct event event;
};

struct ingest_pipe {
	struct ingest *ingest;
	struct slot *slots;
	size_t size;
	uint64_t pushed, parsed, applied;
	unsigned unkicked;           /* pushed since the worker was last woken */
	bool stopping;
	int wake_fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;         /* to the worker: a message was pushed, or stop */
	pthread_cond_t done;         /* from the worker: a message was parsed */
	ingest_pipe_applied_fn on_applied;
	void *applied_ctx;
};

static void wake(struct ingest_pipe *p)
{
	uint64_t one = 1;
	/* A full counter means a wake is already pending. */
	while (write(p->wake_fd, &one, sizeof one) < 0 && errno == EINTR)
		;
}

static void *worker_main(void *arg)
{
	struct ingest_pipe *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->parsed == p->pushed) {
			if (p->stopping)
				break;
			pthread_cond_wait(&p->work, &p->lock);
			continue;
		}
		struct slot *s = &p->slots[p->parsed % p->size];
		pthread_mutex_unlock(&p->lock);
		event_parse(s->topic, s->payload, s->len, &s->event);
		pthread_mutex_lock(&p->lock);
		p->parsed++;
		pthread_cond_broadcast(&p->done);
		if (p->parsed == p->pushed || p->parsed % WAKE_EVERY == 0)
			wake(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct ingest_pipe *ingest_pipe_create(struct ingest *ingest, size_t slots, char **cause)
{
	struct ingest_pipe *p = xcalloc(1, sizeof *p);
	p->ingest = ingest;
	p->size = slots < 2 ? 2 : slots;
	p->slots = xcalloc(p->size, sizeof *p->slots);
	p->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->wake_fd < 0) {
		set_cause(cause, "eventfd: %s", strerror(errno));
		free(p->slots);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	int err = pthread_create(&p->thread, NULL, worker_main, p);
	if (err != 0) {
		set_cause(cause, "cannot start the parsing thread: %s", strerror(err));
		pthread_cond_destroy(&p->work);
		pthread_cond_destroy(&p->done);
		pthread_mutex_destroy(&p->lock);
		close(p->wake_fd);
		free(p->slots);
		free(p);
		return NULL;
	}
	return p;
}

void ingest_pipe_destroy(struct ingest_pipe *p)
{
	if (!p)
		return;
	ingest_pipe_drain(p, true, 0);
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	for (size_t i = 0; i < p->size; i++) {
		free(p->slots[i].topic);
		free(p->slots[i].payload);
	}
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	close(p->wake_fd);
	free(p->slots);
	free(p);
}

int ingest_pipe_fd(const struct ingest_pipe *p)
{
	return p->wake_fd;
}

/* Applies slots [applied, upto) without the lock: they are the
 * receiver's. */
static size_t apply(struct ingest_pipe *p, uint64_t upto)
{
	size_t n = 0;
	for (; p->applied < upto; p->applied++, n++) {
		struct slot *s = &p->slots[p->applied % p->size];
		ingest_event(p->ingest, s->topic, s->payload, s->len, &s->event, s->received_ms);
		if (p->on_applied)
			p->on_applied(p->applied_ctx, &s->event);
	}
	return n;
}

void ingest_pipe_on_applied(struct ingest_pipe *p, ingest_pipe_applied_fn fn, void *ctx)
{
	p->on_applied = fn;
	p->applied_ctx = ctx;
}

uint64_t ingest_pipe_pending(const struct ingest_pipe *p)
{
	return p->pushed - p->applied;
}

/* Under the lock. */
static void kick_locked(struct ingest_pipe *p)
{
	if (p->unkicked) {
		p->unkicked = 0;
		pthread_cond_signal(&p->work);
	}
}

void ingest_pipe_kick(struct ingest_pipe *p)
{
	pthread_mutex_lock(&p->lock);
	kick_locked(p);
	pthread_mutex_unlock(&p->lock);
}

size_t ingest_pipe_drain(struct ingest_pipe *p, bool all, size_t max)
{
	uint64_t counter;
	while (read(p->wake_fd, &counter, sizeof counter) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&p->lock);
	if (all)
		kick_locked(p);
	while (all && p->parsed < p->pushed)
		pthread_cond_wait(&p->done, &p->lock);
	uint64_t upto = p->parsed;
	pthread_mutex_unlock(&p->lock);
	/* Stopped at the limit: come back soon for the rest (a wake when
	 * exactly `max` were ready is only a spare turn). */
	if (!all && max > 0 && upto - p->applied >= max) {
		upto = p->applied + max;
		wake(p);
	}
	return apply(p, upto);
}

void ingest_pipe_push(struct ingest_pipe *p, const char *topic, const void *payload,
                      size_t len, int64_t received_ms)
{
	pthread_mutex_lock(&p->lock);
	if (p->pushed - p->applied == p->size) {
		/* Full: the oldest must be applied to free its slot. */
		kick_locked(p);
		while (p->parsed == p->applied)
			pthread_cond_wait(&p->done, &p->lock);
		uint64_t upto = p->parsed;
		pthread_mutex_unlock(&p->lock);
		apply(p, upto);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	/* The slot at pushed is the receiver's until pushed moves. */
	struct slot *s = &p->slots[p->pushed % p->size];
	free(s->topic);
	s->topic = topic ? xstrdup(topic) : NULL;
	if (s->cap < len + 1) {
		s->cap = len + 1;
		s->payload = xrealloc(s->payload, s->cap);
	}
	if (len)
		memcpy(s->payload, payload, len);
	s->payload[len] = '\0';
	s->len = len;
	s->received_ms = received_ms;
	pthread_mutex_lock(&p->lock);
	p->pushed++;
	if (++p->unkicked >= KICK_EVERY)
		kick_locked(p);
	pthread_mutex_unlock(&p->lock);
}
