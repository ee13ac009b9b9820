/* Recording live: the MQTT source feeding ingest and the journal, with the
 * rules that keep what the broker handed over, shared by `thingtop record`
 * and the monitor.
 *
 * - Durable before acknowledged: each dispatch reads at most a small
 *   round of messages and writes them to the intake log (intake.h), which
 *   the kernel keeps if the process dies; only then are their QoS 1
 *   acknowledgements sent (libmosquitto holds them till
 *   mqtt_source_flush). The journal commits in its usual batches, and the
 *   next start re-ingests from the intake log whatever it had not
 *   committed.
 * - A failing journal stops the reading: the connection is closed cleanly
 *   so the broker keeps queueing for our persistent session; with
 *   `retry` the journal is tried again every few seconds and reading
 *   resumes once a write succeeds.
 * - One client id per journal (kept in it), so every restart resumes the
 *   same broker session; with broker.connections = N > 1, connections
 *   "<id>-1".."<id>-N" share the subscriptions ($share/<group>/...), and a
 *   connection whose rate stays near broker.max_rate is reported.
 * - Coverage: connects (with the session-present flag), disconnects,
 *   refused subscriptions, starts and stops go into the journal, so gaps
 *   in what was heard are known (journal_gaps).
 * - With aws.sync_interval, the fleet index is read again every interval
 *   (resync.h) and its things are journaled as baselines, as `thingtop
 *   sync` does, in order with the messages received before them; a failed
 *   re-sync is reported in the status and never stops the recording. */
#ifndef THINGTOP_LIVE_H
#define THINGTOP_LIVE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ingest.h"
#include "loop.h"
#include "mqtt_source.h"

/* Messages read between two intake writes (and acknowledgements). */
#define LIVE_ROUND_MESSAGES 32
/* Parsing runs on a thread of its own (ingest_pipe.h): messages that may
 * wait for it, and applied per turn at most. */
#define LIVE_PIPE_SLOTS 4096
#define LIVE_APPLY_BATCH 512
/* How often a failing journal is tried again (with `retry`). */
#define LIVE_RETRY_MS 3000
/* Re-sync things journaled per turn, so the sockets get theirs. */
#define LIVE_RESYNC_BATCH 512

struct live_status {
	const struct mqtt_status *broker;   /* the state of the connection that changed last;
	                                       NULL when only the re-sync changed */
	int connection;                     /* which one that is, 1-based */
	int connections, connected;         /* how many there are, and are up */
	const char *rate_warning;           /* "" or: a connection near the broker's rate limit */
	const char *client_id;
	bool recording;                     /* false while the journal is failing */
	const char *journal_error;          /* why not, "" while recording */
	int64_t failing_since_ms;           /* time_mono_ms() of the failure */
	const char *sync_error;             /* "" or why the last re-sync failed (aws.sync_interval) */
	uint64_t syncs;                     /* re-syncs completed */
	uint64_t sync_things;               /* things the last one journaled */
};

struct live_callbacks {
	/* A message went through ingest: its parsed event, borrowed for the
	 * call (ingest->last has what the fleet made of it). */
	void (*on_message)(void *ctx, const struct event *event);
	/* The connection or the journal changed state. */
	void (*on_change)(void *ctx, const struct live_status *status);
};

struct live_options {
	/* Try a failed journal again every LIVE_RETRY_MS and resume (the
	 * monitor); record instead exits and lets systemd restart it. */
	bool retry;
};

struct live;

/* Sets up the source for `ingest` (whose journal must be read-write) and
 * notes the start in the journal, and an unclean stop of the previous run.
 * The client id is config's broker.client_id, else the journal's own
 * (made and stored on first use). `config` is borrowed for the call,
 * `ingest` for the life of the live. NULL with *cause. */
struct live *live_create(const struct config *config, struct ingest *ingest,
                         const struct live_options *options, const struct live_callbacks *cb,
                         void *ctx, char **cause);
void live_destroy(struct live *live);

/* For the caller's poll(): the sockets to poll now (at most `max`, none
 * while not recording), and when live_dispatch must run again. At most
 * one a connection and one for the re-sync's child. */
size_t live_pollfds(const struct live *live, struct pollfd *fds, size_t max);
int live_next_timeout_ms(const struct live *live);
/* The same as a source of a core/loop.h loop (its ctx: the struct live):
 * its sockets and deadline, and live_dispatch after every wait. */
extern const struct loop_source_ops live_loop_source;

/* One turn: reads a round of messages (after the previous round is
 * committed), commits it, and handles failure and recovery. */
void live_dispatch(struct live *live);

const struct live_status *live_status(const struct live *live);

/* Stops cleanly: disconnects (the broker keeps our session), commits
 * everything with a final snapshot (retrying a failed journal once) and
 * notes the stop. False with *cause when something received could not be
 * committed: it stays in the intake log for the next start, but for what
 * could not be written there either, counted in *lost (may be NULL). */
bool live_stop(struct live *live, uint64_t *lost, char **cause);

/* Ends the journal's broker session on purpose: connects once with its
 * client id and a clean session, so the broker drops what it queued for
 * it, and notes that in the journal (read-write). Waits up to timeout_ms
 * for the broker. False with *cause. */
bool live_forget_session(const struct config *config, struct journal *journal, int timeout_ms,
                         char **cause);

/* The AWS IoT policy statement a refused filter needs, newly allocated. */
char *live_policy_hint(const char *filter);

#endif
