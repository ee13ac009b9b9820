/* Recording live: see live.h for the rules. */
#include "live.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake.h"
#include "timefmt.h"
#include "xalloc.h"

struct live {
	struct ingest *ingest;           /* borrowed */
	struct journal *journal;         /* ingest's */
	struct mqtt_source *src;
	struct intake *intake;           /* each round, durable before the next */
	unsigned round_messages;         /* read since the last intake write */
	struct live_options opt;
	struct live_callbacks cb;
	void *ctx;
	char *client_id;
	struct live_status status;
	char journal_error[512];
	int64_t next_retry_ms;
	bool noted_connected;            /* coverage: a connect is noted, its end not yet */
	bool noted_refused;              /* coverage: this connection's refusal is noted */
};

static void changed(struct live *live)
{
	if (live->cb.on_change)
		live->cb.on_change(live->ctx, &live->status);
}

static void on_message(void *ctx, const char *topic, const void *payload, size_t len)
{
	struct live *live = ctx;
	int64_t now = time_now_ms();
	intake_add(live->intake, journal_next_seq(live->journal), now, topic, payload, len);
	live->round_messages++;
	enum event_type type = ingest_message(live->ingest, topic, payload, len, now);
	if (live->cb.on_message)
		live->cb.on_message(live->ctx, type);
}

/* Coverage rows follow the connection's transitions. */
static void note_connection(struct live *live, const struct mqtt_status *st)
{
	int64_t now = time_now_ms();
	if (st->state == MQTT_CONNECTED) {
		if (!live->noted_connected) {
			journal_note_coverage(live->journal, st->session_present ? COVERAGE_CONNECTED_RESUMED
			                                                          : COVERAGE_CONNECTED_NEW,
			                      now, live->client_id);
			live->noted_connected = true;
			live->noted_refused = false;
		}
		if (st->filters_pending == 0 && st->filters_refused > 0 && !live->noted_refused) {
			journal_note_coverage(live->journal, COVERAGE_REFUSED, now, st->refused);
			live->noted_refused = true;
		}
	} else if (st->state != MQTT_CONNECTING && live->noted_connected) {
		journal_note_coverage(live->journal, COVERAGE_DISCONNECTED, now,
		                      *st->reason ? st->reason : mqtt_state_name(st->state));
		live->noted_connected = false;
	}
}

static void on_state(void *ctx, const struct mqtt_status *st)
{
	struct live *live = ctx;
	live->status.broker = st;
	note_connection(live, st);
	changed(live);
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
		mqtt_source_suspend(live->src, why);
	}
	changed(live);
}

/* The round read so far goes to the intake log; the journal's health is
 * looked at. False (failing) when either cannot keep what comes. */
static bool keep_round(struct live *live, char **cause)
{
	if (!intake_write_round(live->intake, cause))
		return false;
	live->round_messages = 0;
	if (journal_failed(live->journal, cause))
		return false;
	intake_release(live->intake, journal_committed_seq(live->journal));
	return true;
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
	/* Back only once what was held in memory is committed. */
	if (keep_round(live, &cause) && journal_sync(live->journal, 0, &cause) == 1) {
		live->status.recording = true;
		live->journal_error[0] = '\0';
		mqtt_source_resume(live->src);
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

	struct config with_id = *config;
	with_id.broker.client_id = live->client_id;
	live->src = mqtt_source_create(&with_id, on_message, on_state, live, cause);
	if (!live->src)
		goto fail;
	mqtt_source_set_round_limit(live->src, LIVE_ROUND_MESSAGES);
	return live;
fail:
	live_destroy(live);
	return NULL;
}

void live_destroy(struct live *live)
{
	if (!live)
		return;
	mqtt_source_destroy(live->src);
	intake_destroy(live->intake, false);
	free(live->client_id);
	free(live);
}

int live_fd(const struct live *live)
{
	if (!live->status.recording)
		return -1;
	return mqtt_source_fd(live->src);
}

bool live_wants_write(const struct live *live)
{
	return live_fd(live) >= 0 && mqtt_source_wants_write(live->src);
}

int live_next_timeout_ms(const struct live *live)
{
	if (!live->status.recording) {
		int64_t wait = live->next_retry_ms - time_mono_ms();
		return wait < 0 ? 0 : wait > 500 ? 500 : (int)wait;
	}
	return mqtt_source_next_timeout_ms(live->src);
}

void live_dispatch(struct live *live)
{
	if (!live->status.recording) {
		try_recover(live);
		return;
	}
	mqtt_source_dispatch(live->src);
	char *cause = NULL;
	if (!keep_round(live, &cause))
		enter_failure(live, cause);
	free(cause);
}

const struct live_status *live_status(const struct live *live)
{
	return &live->status;
}

const char *live_tls_warning(const struct live *live)
{
	return mqtt_source_tls_warning(live->src);
}

bool live_stop(struct live *live, uint64_t *lost, char **cause)
{
	struct journal *journal = live->journal;
	mqtt_source_stop(live->src);
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
	struct config clean = *config;
	clean.broker.client_id = id;
	clean.broker.clean_session = true;
	clean.topic_count = 0;      /* connect only */
	struct forget f = { 0 };
	struct mqtt_source *src = mqtt_source_create(&clean, NULL, forget_state, &f, cause);
	bool ok = false;
	if (!src)
		goto out;
	int64_t until = time_mono_ms() + timeout_ms;
	while (!f.done && time_mono_ms() < until) {
		struct pollfd pfd = { .fd = mqtt_source_fd(src), .events = POLLIN };
		if (mqtt_source_wants_write(src))
			pfd.events |= POLLOUT;
		int wait = mqtt_source_next_timeout_ms(src);
		poll(&pfd, pfd.fd >= 0 ? 1 : 0, wait > 100 ? 100 : wait);
		mqtt_source_dispatch(src);
	}
	if (!f.done || f.why[0]) {
		set_cause(cause, "%s:%d: %s", config->broker.host, config->broker.port,
		          f.why[0] ? f.why : "no answer from the broker");
		goto out;
	}
	mqtt_source_stop(src);
	journal_note_coverage(journal, COVERAGE_DISCONNECTED, time_now_ms(),
	                      "broker session ended on purpose (journal forget-session)");
	ok = journal_flush(journal, cause);
out:
	mqtt_source_destroy(src);
	free(id);
	return ok;
}
