/* Recording live: see live.h for the rules. */
#include "live.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_pipe.h"
#include "intake.h"
#include "rate_watch.h"
#include "rebuild.h"
#include "resync.h"
#include "timefmt.h"
#include "xalloc.h"

/* One broker connection; several share the subscriptions. */
struct live_conn {
	struct live *live;
	int index;                       /* 1-based */
	struct mqtt_source *src;
	bool connected;
	bool noted_refused;              /* coverage: this connection's refusal is noted */
	struct rate_watch rate;
};

struct live {
	struct ingest *ingest;           /* borrowed */
	struct journal *journal;         /* ingest's */
	struct live_conn conns[CONFIG_CONNECTIONS_MAX];
	int conn_count;
	int connected;                   /* connections up */
	int max_rate;                    /* broker.max_rate */
	char rate_warning[256];
	struct intake *intake;           /* each round, durable before the next */
	struct ingest_pipe *pipe;        /* parses off this thread, applies in order */
	unsigned round_messages;         /* read since the last intake write */
	struct live_options opt;
	struct live_callbacks cb;
	void *ctx;
	char *client_id;
	struct live_status status;
	char journal_error[512];
	int64_t next_retry_ms;
	struct resync *resync;           /* NULL unless aws.sync_interval */
	char sync_error[768];
};

static void changed(struct live *live)
{
	if (live->cb.on_change)
		live->cb.on_change(live->ctx, &live->status);
}

static void on_applied(void *ctx, const struct event *event)
{
	struct live *live = ctx;
	if (live->cb.on_message)
		live->cb.on_message(live->ctx, event);
}

static void on_message(void *ctx, const char *topic, const void *payload, size_t len)
{
	struct live_conn *conn = ctx;
	struct live *live = conn->live;
	int64_t now = time_now_ms();
	rate_watch_count(&conn->rate);
	live->round_messages++;
	if (len > EVENT_PAYLOAD_MAX) {
		/* A reject that keeps its first EVENT_PAYLOAD_MAX bytes: applied
		 * here, in order, so no buffer of the pipe or the intake log
		 * grows to its size (an intake copy recovered after a crash
		 * reads as that long). */
		ingest_pipe_drain(live->pipe, true, 0);
		intake_add(live->intake, journal_next_seq(live->journal), now, topic, payload,
		           EVENT_PAYLOAD_MAX);
		ingest_message(live->ingest, topic, payload, len, now);
		on_applied(live, &live->ingest->scratch);
		return;
	}
	/* The seq it will get once the messages ahead of it are applied. */
	uint64_t seq = journal_next_seq(live->journal) + ingest_pipe_pending(live->pipe);
	intake_add(live->intake, seq, now, topic, payload, len);
	ingest_pipe_push(live->pipe, topic, payload, len, now);
}


/* Coverage rows follow the connections' transitions: listening starts
 * when the first one is up and ends when the last one goes down (members
 * of a shared subscription stand in for each other). */
static void note_connection(struct live_conn *conn, const struct mqtt_status *st)
{
	struct live *live = conn->live;
	int64_t now = time_now_ms();
	if (st->state == MQTT_CONNECTED) {
		if (!conn->connected) {
			conn->connected = true;
			conn->noted_refused = false;
			if (live->connected++ == 0)
				journal_note_coverage(live->journal,
				                      st->session_present ? COVERAGE_CONNECTED_RESUMED
				                                          : COVERAGE_CONNECTED_NEW,
				                      now, mqtt_source_client_id(conn->src));
		}
		if (st->filters_pending == 0 && st->filters_refused > 0 && !conn->noted_refused) {
			journal_note_coverage(live->journal, COVERAGE_REFUSED, now, st->refused);
			conn->noted_refused = true;
		}
	} else if (st->state != MQTT_CONNECTING && conn->connected) {
		conn->connected = false;
		if (--live->connected == 0)
			journal_note_coverage(live->journal, COVERAGE_DISCONNECTED, now,
			                      *st->reason ? st->reason : mqtt_state_name(st->state));
	}
}

static void on_state(void *ctx, const struct mqtt_status *st)
{
	struct live_conn *conn = ctx;
	struct live *live = conn->live;
	live->status.broker = st;
	live->status.connection = conn->index;
	live->status.connected = live->connected;
	note_connection(conn, st);
	live->status.connected = live->connected;
	changed(live);
}

static void suspend_all(struct live *live, const char *why)
{
	for (int i = 0; i < live->conn_count; i++)
		mqtt_source_suspend(live->conns[i].src, why);
}

static void enter_failure(struct live *live, const char *cause)
{
	bool was = !live->status.recording;
	snprintf(live->journal_error, sizeof live->journal_error, "%s", cause ? cause : "cannot write");
	live->status.recording = false;
	live->next_retry_ms = time_mono_ms() + LIVE_RETRY_MS;
	if (!was) {
		live->status.failing_since_ms = time_mono_ms();
		char why[600];
		snprintf(why, sizeof why, "not recording: %s", live->journal_error);
		suspend_all(live, why);
	}
	changed(live);
}

/* The round read so far goes to the intake log; the journal's health is
 * looked at. False (failing) when either cannot keep what comes; *kept
 * says whether the round is in the log, so that it may be acknowledged. */
static bool keep_round(struct live *live, bool *kept, char **cause)
{
	*kept = false;
	/* Back-pressure, not failure: every message is applied and its rows
	 * committed before the round goes on (the broker holds the rest). */
	if (intake_must_wait(live->intake)) {
		ingest_pipe_drain(live->pipe, true, 0);
		if (journal_sync(live->journal, true, cause) < 0)
			return false;
		intake_release(live->intake, journal_committed_seq(live->journal));
	}
	if (!intake_write_round(live->intake, cause))
		return false;
	*kept = true;
	live->round_messages = 0;
	if (journal_failed(live->journal, cause))
		return false;
	intake_release(live->intake, journal_committed_seq(live->journal));
	return true;
}

/* A round the intake log could not take is not acknowledged: at QoS 1
 * the connection drops with its acknowledgements unsent and the broker
 * sends the round again, so it is no longer ours to keep or to count as
 * lost. (Its messages went on to the journal too: should the journal
 * commit them after all, the second copies are duplicates, which
 * reconciliation expects of QoS 1.) */
static void hold_back_round(struct live *live, struct mqtt_source *src, const char *cause)
{
	char why[600];
	snprintf(why, sizeof why, "not recording: %s", cause ? cause : "cannot write");
	if (mqtt_source_suspend_unacked(src, why)) {
		intake_drop_round(live->intake);
		live->round_messages = 0;
	}
}

static void try_recover(struct live *live)
{
	if (!live->opt.retry)
		return;
	if (time_mono_ms() >= live->next_retry_ms) {
		journal_retry(live->journal);
		live->next_retry_ms = time_mono_ms() + LIVE_RETRY_MS;
	}
	char *cause = NULL;
	bool kept;
	/* Back only once what was held in memory is committed. */
	if (keep_round(live, &kept, &cause) && journal_sync(live->journal, false, &cause) == 1) {
		live->status.recording = true;
		live->journal_error[0] = '\0';
		for (int i = 0; i < live->conn_count; i++)
			mqtt_source_resume(live->conns[i].src);
		changed(live);
	} else if (cause && strcmp(cause, live->journal_error) != 0) {
		enter_failure(live, cause);
	}
	free(cause);
}

static void recover_message(void *ctx, int64_t received_ms, const char *topic, const char *payload,
                            size_t len)
{
	struct live *live = ctx;
	ingest_message(live->ingest, topic, payload, len, received_ms);
}

/* Messages an earlier run had read (and acknowledged) but not committed
 * when it died: re-ingested from its intake log, then a fresh log. */
static bool recover_intake(struct live *live, unsigned file_mode, uint64_t *recovered,
                           char **cause)
{
	const char *path = journal_path(live->journal);
	if (!intake_recover(path, journal_committed_seq(live->journal), recover_message, live,
	                    recovered, cause))
		return false;
	if (*recovered > 0 && !journal_flush(live->journal, cause))
		return false;
	live->intake = intake_create(path, (mode_t)file_mode, cause);
	return live->intake != NULL;
}

/* Connection k of n: the client id "<id>-k" and "$share/<group>/<filter>"
 * when n > 1, so the broker hands each message to one of them. */
static bool start_connections(struct live *live, const struct config *config, char **cause)
{
	int n = config->broker.connections > 0 ? config->broker.connections : 1;
	live->max_rate = config->broker.max_rate;
	live->status.connections = n;
	for (int k = 1; k <= n; k++) {
		struct live_conn *conn = &live->conns[k - 1];
		struct config c = *config;
		char *id = n > 1 ? xasprintf("%s-%d", live->client_id, k) : xstrdup(live->client_id);
		char *shared[CONFIG_TOPICS_MAX];
		c.broker.client_id = id;
		for (size_t i = 0; i < c.topic_count; i++) {
			shared[i] = n > 1 ? xasprintf("$share/%s/%s", config->broker.share_group, config->topics[i])
			                  : xstrdup(config->topics[i]);
			c.topics[i] = shared[i];
		}
		conn->live = live;
		conn->index = k;
		conn->src = mqtt_source_create(&c, on_message, on_state, conn, cause);
		for (size_t i = 0; i < c.topic_count; i++)
			free(shared[i]);
		free(id);
		if (!conn->src)
			return false;
		live->conn_count = k;
		mqtt_source_set_round_limit(conn->src, LIVE_ROUND_MESSAGES);
	}
	return true;
}

struct live *live_create(const struct config *config, struct ingest *ingest,
                         const struct live_options *options, const struct live_callbacks *cb,
                         void *ctx, char **cause)
{
	struct journal *journal = ingest->journal;
	if (!journal) {
		set_cause(cause, "recording needs a journal");
		return NULL;
	}
	struct live *live = xcalloc(1, sizeof *live);
	live->ingest = ingest;
	live->journal = journal;
	live->opt = *options;
	if (cb)
		live->cb = *cb;
	live->ctx = ctx;
	live->status.recording = true;
	live->status.journal_error = live->journal_error;
	live->status.rate_warning = live->rate_warning;
	live->status.sync_error = live->sync_error;

	/* One client id per journal: a restart resumes the broker session. */
	if (config->broker.client_id && *config->broker.client_id) {
		live->client_id = xstrdup(config->broker.client_id);
	} else {
		live->client_id = journal_get_meta(journal, "client_id");
		if (!live->client_id) {
			live->client_id = config_make_client_id();
			journal_set_meta(journal, "client_id", live->client_id);
		}
	}
	live->status.client_id = live->client_id;
	uint64_t recovered = 0;
	if (!recover_intake(live, config->journal.mode, &recovered, cause) ||
	    !journal_begin_recording(journal, time_now_ms(), recovered, cause))
		goto fail;

	live->pipe = ingest_pipe_create(ingest, LIVE_PIPE_SLOTS, cause);
	if (!live->pipe)
		goto fail;
	ingest_pipe_on_applied(live->pipe, on_applied, live);
	if (!start_connections(live, config, cause))
		goto fail;
	live->resync = resync_create(config);
	/* Rebuilds must read the baseline rows' payloads (registry fields). */
	if (live->resync)
		journal_set_meta(journal, REBUILD_META_BASELINE, "1");
	return live;
fail:
	live_destroy(live);
	return NULL;
}

void live_destroy(struct live *live)
{
	if (!live)
		return;
	resync_destroy(live->resync);
	for (int i = 0; i < live->conn_count; i++)
		mqtt_source_destroy(live->conns[i].src);
	ingest_pipe_destroy(live->pipe);
	intake_destroy(live->intake, false);
	free(live->client_id);
	free(live);
}

size_t live_pollfds(const struct live *live, struct pollfd *fds, size_t max)
{
	size_t n = 0;
	if (max > 0 && live->pipe)
		fds[n++] = (struct pollfd){ .fd = ingest_pipe_fd(live->pipe), .events = POLLIN };
	if (!live->status.recording)
		return n;
	for (int i = 0; i < live->conn_count && n < max; i++) {
		const struct mqtt_source *src = live->conns[i].src;
		int fd = mqtt_source_fd(src);
		if (fd >= 0)
			fds[n++] = (struct pollfd){
				.fd = fd,
				.events = POLLIN | (mqtt_source_wants_write(src) ? POLLOUT : 0),
			};
	}
	/* Last: with every connection taking a slot it may not fit, and the
	 * re-sync's timeout looks at its pipe anyway. */
	if (live->resync)
		n += resync_pollfds(live->resync, fds + n, max - n);
	return n;
}

int live_next_timeout_ms(const struct live *live)
{
	if (!live->status.recording) {
		int64_t wait = live->next_retry_ms - time_mono_ms();
		return wait < 0 ? 0 : wait > 500 ? 500 : (int)wait;
	}
	int wait = 60000;
	for (int i = 0; i < live->conn_count; i++) {
		int w = mqtt_source_next_timeout_ms(live->conns[i].src);
		if (w < wait)
			wait = w;
	}
	if (live->resync) {
		int w = resync_next_timeout_ms(live->resync);
		if (w < wait)
			wait = w;
	}
	/* The rate windows close once a second. */
	return wait > 1000 ? 1000 : wait;
}

/* Every connection, the re-sync's child and the caller's own (stdin). */
_Static_assert(CONFIG_CONNECTIONS_MAX + 2 <= LOOP_FDS_MAX, "a loop polls every connection");

static size_t loop_prepare(void *ctx, struct pollfd *fds, size_t max, int64_t *due_ms)
{
	struct live *live = ctx;
	int64_t due = time_mono_ms() + live_next_timeout_ms(live);
	if (due < *due_ms)
		*due_ms = due;
	return live_pollfds(live, fds, max);
}

static void loop_dispatch(void *ctx, const struct pollfd *fds, size_t count)
{
	(void)fds;
	(void)count;
	live_dispatch(ctx);
}

const struct loop_source_ops live_loop_source = {
	.prepare = loop_prepare,
	.dispatch = loop_dispatch,
};

/* A connection whose rate stays near the broker's per-connection limit is
 * probably losing events (AWS drops the excess without a word). */
static void watch_rates(struct live *live)
{
	int64_t now = time_mono_ms();
	double total = 0;
	int hot = 0;
	for (int i = 0; i < live->conn_count; i++) {
		struct live_conn *conn = &live->conns[i];
		if (rate_watch_tick(&conn->rate, now, 0.8 * live->max_rate) && !hot)
			hot = conn->index;
		total += conn->rate.rate;
	}
	char warning[sizeof live->rate_warning] = "";
	if (hot) {
		int want = (int)(total / (0.5 * live->max_rate)) + 1;
		snprintf(warning, sizeof warning,
		         "connection %d at %.0f msg/s, near the broker's limit of %d/s a connection:"
		         " events are probably being dropped; set broker.connections to %d or more",
		         hot, live->conns[hot - 1].rate.rate, live->max_rate,
		         want > live->conn_count ? want : live->conn_count + 1);
	}
	if (strcmp(warning, live->rate_warning) != 0) {
		snprintf(live->rate_warning, sizeof live->rate_warning, "%s", warning);
		changed(live);
	}
}

/* A re-synced thing: journaled and reconciled like `thingtop sync`'s. */
static void feed_baseline(void *ctx, const struct baseline_item *item)
{
	struct live *live = ctx;
	ingest_event(live->ingest, NULL, item->raw, item->raw_len, &item->event, time_now_ms());
	on_applied(live, &item->event);
}

/* The re-sync's turn: its things go in after every message received
 * before them (the pipe applied first), a batch at a time; none while the
 * journal is failing (a run due then waits for the next interval). */
static void run_resync(struct live *live)
{
	if (live->status.recording && resync_pending(live->resync)) {
		ingest_pipe_drain(live->pipe, true, 0);
		resync_take(live->resync, LIVE_RESYNC_BATCH, feed_baseline, live);
	}
	if (resync_dispatch(live->resync, live->status.recording)) {
		snprintf(live->sync_error, sizeof live->sync_error, "%s", resync_error(live->resync));
		live->status.syncs = resync_done(live->resync, &live->status.sync_things);
		/* No connection changed: none to report again. */
		const struct mqtt_status *broker = live->status.broker;
		live->status.broker = NULL;
		changed(live);
		live->status.broker = broker;
	}
}

void live_dispatch(struct live *live)
{
	/* A bounded slice, so the sockets (and their acknowledgements) and the
	 * screen get their turn; the pipe's fd stays readable for the rest. */
	ingest_pipe_drain(live->pipe, false, LIVE_APPLY_BATCH);
	if (!live->status.recording) {
		try_recover(live);
		if (live->resync)
			run_resync(live);
		return;
	}
	for (int i = 0; i < live->conn_count && live->status.recording; i++) {
		mqtt_source_dispatch(live->conns[i].src);
		ingest_pipe_kick(live->pipe);
		char *cause = NULL;
		bool kept;
		/* Acknowledged only once kept: the intake log has the round. */
		if (keep_round(live, &kept, &cause)) {
			mqtt_source_flush(live->conns[i].src);
		} else {
			if (!kept)
				hold_back_round(live, live->conns[i].src, cause);
			enter_failure(live, cause);
		}
		free(cause);
	}
	if (live->resync && live->status.recording)
		run_resync(live);
	watch_rates(live);
}

const struct live_status *live_status(const struct live *live)
{
	return &live->status;
}

bool live_stop(struct live *live, uint64_t *lost, char **cause)
{
	struct journal *journal = live->journal;
	/* A re-sync still running is killed (and reaped): what it journaled stays. */
	resync_destroy(live->resync);
	live->resync = NULL;
	for (int i = 0; i < live->conn_count; i++)
		mqtt_source_stop(live->conns[i].src);
	ingest_pipe_drain(live->pipe, true, 0);
	bool kept = intake_write_round(live->intake, NULL);
	if (kept)
		live->round_messages = 0;
	/* A failing journal gets one more try: the disk may have room again. */
	journal_retry(journal);
	bool ok = ingest_checkpoint(live->ingest, cause);
	if (ok) {
		journal_note_coverage(journal, COVERAGE_STOP, time_now_ms(), NULL);
		ok = journal_flush(journal, cause);
	}
	/* Committed: the intake log has nothing the journal lacks. Else it
	 * stays for the next start, which journals what it holds. */
	if (ok) {
		intake_destroy(live->intake, true);
		live->intake = NULL;
	}
	uint64_t appended = journal_next_seq(journal) - 1;
	uint64_t committed = journal_committed_seq(journal);
	uint64_t missing = appended > committed ? appended - committed : 0;
	if (lost)
		*lost = ok ? 0 : missing < live->round_messages ? missing : live->round_messages;
	return ok;
}

char *live_policy_hint(const char *filter)
{
	/* AWS matches policy resources with its own wildcard '*'. */
	char *resource = xstrdup(filter);
	for (char *p = resource; *p; p++) {
		if (*p == '#' || *p == '+')
			*p = '*';
	}
	char *hint = xasprintf("{\"Effect\": \"Allow\", \"Action\": \"iot:Subscribe\", \"Resource\": "
	                       "\"arn:aws:iot:REGION:ACCOUNT:topicfilter/%s\"}", resource);
	free(resource);
	return hint;
}

struct forget {
	bool done;
	char why[640];
};

static void forget_state(void *ctx, const struct mqtt_status *st)
{
	struct forget *f = ctx;
	if (st->state == MQTT_CONNECTED) {
		f->done = true;
	} else if (st->state == MQTT_BACKING_OFF) {
		snprintf(f->why, sizeof f->why, "%s", st->reason);
		f->done = true;
	}
}

/* One connection with a clean session under `id`: the broker drops the
 * session it kept for it. */
static bool forget_one(const struct config *config, const char *id, int timeout_ms, char **cause)
{
	struct config clean = *config;
	clean.broker.client_id = (char *)id;
	clean.broker.clean_session = true;
	clean.topic_count = 0;      /* connect only */
	struct forget f = { 0 };
	struct mqtt_source *src = mqtt_source_create(&clean, NULL, forget_state, &f, cause);
	if (!src)
		return false;
	int64_t until = time_mono_ms() + timeout_ms;
	while (!f.done && time_mono_ms() < until) {
		struct pollfd pfd = { .fd = mqtt_source_fd(src), .events = POLLIN };
		if (mqtt_source_wants_write(src))
			pfd.events |= POLLOUT;
		int wait = mqtt_source_next_timeout_ms(src);
		poll(&pfd, pfd.fd >= 0 ? 1 : 0, wait > 100 ? 100 : wait);
		mqtt_source_dispatch(src);
		mqtt_source_flush(src);
	}
	bool ok = f.done && !f.why[0];
	if (!ok)
		set_cause(cause, "%s:%d: %s", config->broker.host, config->broker.port,
		          f.why[0] ? f.why : "no answer from the broker");
	else
		mqtt_source_stop(src);
	mqtt_source_destroy(src);
	return ok;
}

bool live_forget_session(const struct config *config, struct journal *journal, int timeout_ms,
                         char **cause)
{
	char *id = config->broker.client_id && *config->broker.client_id
	           ? xstrdup(config->broker.client_id) : journal_get_meta(journal, "client_id");
	if (!id) {
		set_cause(cause, "journal %s has no broker session yet (no client id kept)",
		          journal_path(journal));
		return false;
	}
	int n = config->broker.connections > 1 ? config->broker.connections : 1;
	bool ok = true;
	for (int k = 1; k <= n && ok; k++) {
		char *one = n > 1 ? xasprintf("%s-%d", id, k) : xstrdup(id);
		ok = forget_one(config, one, timeout_ms, cause);
		free(one);
	}
	free(id);
	if (!ok)
		return false;
	/* Down, and cleanly so: the next start is no unclean one. */
	journal_note_coverage(journal, COVERAGE_DISCONNECTED, time_now_ms(),
	                      "broker session ended on purpose (journal forget-session)");
	journal_note_coverage(journal, COVERAGE_STOP, time_now_ms(), NULL);
	return journal_flush(journal, cause);
}
