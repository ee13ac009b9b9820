/* Parsing off the receiving thread: the receiver pushes raw messages, a
 * worker thread parses them (the JSON decode is most of a message's cost),
 * and the receiver applies them to the fleet and the journal in push order
 * (ingest_event). Used by `record`, whose one thread otherwise reads the
 * socket, parses, reconciles and journals in turn. */
#ifndef THINGTOP_INGEST_PIPE_H
#define THINGTOP_INGEST_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"

struct ingest_pipe;

/* Starts the worker; `slots` messages may wait (at least 2). NULL with
 * *cause when no thread or eventfd can be had. */
struct ingest_pipe *ingest_pipe_create(struct ingest *ingest, size_t slots, char **cause);
/* Applies everything pushed, stops the worker, frees. Accepts NULL. */
void ingest_pipe_destroy(struct ingest_pipe *pipe);

/* Readable when parsed messages wait to be applied (poll it beside the
 * socket, then call ingest_pipe_drain). */
int ingest_pipe_fd(const struct ingest_pipe *pipe);

/* Copies one message in. When every slot is taken, applies what is parsed
 * first (waiting for the worker if need be), so it never deadlocks. The
 * worker starts on it at the next kick (or drain with `all`), or once a
 * few dozen wait. */
void ingest_pipe_push(struct ingest_pipe *pipe, const char *topic, const void *payload,
                      size_t len, int64_t received_ms);
/* Wakes the worker for what was pushed: call after a receive round. */
void ingest_pipe_kick(struct ingest_pipe *pipe);

/* Applies the parsed messages in push order, at most `max` (0 = no
 * limit; the fd stays readable when more wait), so that a receiver gets
 * back to its socket (and its QoS 1 acknowledgements) soon; with `all`,
 * waits for and applies every message pushed. Returns how many were
 * applied. */
size_t ingest_pipe_drain(struct ingest_pipe *pipe, bool all, size_t max);

/* Called after each message is applied, with its parsed event (borrowed
 * for the call; ingest->scratch is not it, the event lives in the pipe).
 * NULL: none. */
typedef void (*ingest_pipe_applied_fn)(void *ctx, const struct event *event);
void ingest_pipe_on_applied(struct ingest_pipe *pipe, ingest_pipe_applied_fn fn, void *ctx);

/* Messages pushed and not applied yet (the receiver's own count): the next
 * push will get journal seq journal_next_seq() + this. */
uint64_t ingest_pipe_pending(const struct ingest_pipe *pipe);

#endif
