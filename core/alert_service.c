/* Glue between the alert rules, their commands and the journal (see
 * alert_service.h). */
#include "alert_service.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_delivery.h"
#include "alert_json.h"
#include "journal_alerts.h"
#include "text.h"
#include "xalloc.h"

/* Matching runs at most this often however fast events come; marks wait. */
#define EVALUATE_EVERY_MS 200
#define LOG_MAX 64

struct log_line {
	char *text;
	bool error;
};

struct alert_service {
	const struct fleet *fleet;
	struct alerts *alerts;
	struct alert_delivery *delivery;  /* NULL unless delivering */
	struct journal_alerts *journal;   /* NULL unless delivering */
	int64_t last_evaluate_ms;
	struct log_line log[LOG_MAX];
	size_t log_count;
	struct alert_service_stats stats;
};

__attribute__((format(printf, 3, 4)))
static void logf_(struct alert_service *s, bool error, const char *fmt, ...)
{
	if (s->log_count == LOG_MAX) {
		free(s->log[0].text);
		memmove(s->log, s->log + 1, (LOG_MAX - 1) * sizeof *s->log);
		s->log_count--;
	}
	va_list ap;
	va_start(ap, fmt);
	s->log[s->log_count++] = (struct log_line){ .text = xvasprintf(fmt, ap), .error = error };
	va_end(ap);
}

struct restore_ctx {
	struct alerts *alerts;
	const struct fleet *fleet;
};

static bool restore_row(void *ctx, const struct journal_alert_row *row)
{
	struct restore_ctx *r = ctx;
	int rule = alerts_rule_find(r->alerts, row->rule);
	/* A rule removed from the config, or a thing pruned: forget it. */
	if (rule >= 0 && row->thing_id >= 1 && row->thing_id <= fleet_count(r->fleet))
		alerts_restore(r->alerts, (size_t)rule, fleet_thing_at(r->fleet, row->thing_id - 1),
		               row->started_ms, row->sent_ms);
	return true;
}

struct alert_service *alert_service_create(const struct config *config, const struct fleet *fleet,
                                           struct journal *journal, bool deliver, char **cause)
{
	struct alert_service *s = xcalloc(1, sizeof *s);
	s->fleet = fleet;
	s->alerts = alerts_create(config->alerts, config->alert_count, config->reconcile.settle_ms,
	                          cause);
	if (!s->alerts)
		goto fail;
	if (config->alert_count == 0)
		return s;
	if (journal) {
		struct restore_ctx r = { .alerts = s->alerts, .fleet = fleet };
		if (!journal_alerts_scan(journal, true, 0, 0, restore_row, &r, cause))
			goto fail;
	}
	if (deliver && journal) {
		s->journal = journal_alerts_open(journal, cause);
		if (!s->journal)
			goto fail;
		s->delivery = alert_delivery_create();
	}
	alerts_mark_all(s->alerts, fleet);
	return s;
fail:
	alert_service_destroy(s);
	return NULL;
}

void alert_service_destroy(struct alert_service *s)
{
	if (!s)
		return;
	alert_delivery_destroy(s->delivery);
	journal_alerts_close(s->journal);
	alerts_destroy(s->alerts);
	for (size_t i = 0; i < s->log_count; i++)
		free(s->log[i].text);
	free(s);
}

void alert_service_event(struct alert_service *s, uint32_t thing_id, int64_t now_ms)
{
	alerts_mark(s->alerts, thing_id, now_ms);
}

static void send_batches(struct alert_service *s, int64_t now_ms)
{
	struct alert_batch batch;
	while (alerts_take_batch(s->alerts, now_ms, &batch)) {
		const struct config_alert *rule = alerts_rule(s->alerts, batch.rule);
		if (!s->delivery || !rule->command || !*rule->command) {
			alerts_rule_done(s->alerts, batch.rule);
		} else {
			char *json = alert_batch_json(&batch, rule, s->fleet, now_ms);
			alert_delivery_submit(s->delivery, batch.rule, rule->command, json, rule->timeout_ms,
			                      now_ms);
			logf_(s, false, "alert %s: sending %zu firing, %zu resolved%s", rule->name,
			      batch.firing, batch.count - batch.firing, batch.storm ? " (storm summary)" : "");
		}
		alerts_batch_free(&batch);
	}
}

static void collect_results(struct alert_service *s, int64_t now_ms)
{
	struct alert_delivery_result r;
	while (alert_delivery_take_result(s->delivery, &r)) {
		const char *name = alerts_rule(s->alerts, r.rule)->name;
		s->stats.runs++;
		if (r.final && r.ok)
			alerts_rule_done(s->alerts, r.rule);
		else if (r.final)
			alerts_rule_failed(s->alerts, r.rule, now_ms);
		if (r.ok)
			continue;
		s->stats.failures++;
		char shown[sizeof r.message * 4];
		text_escape(r.message, strlen(r.message), shown, sizeof shown, false);
		if (r.final) {
			s->stats.given_up++;
			logf_(s, true, "alert %s: command failed (attempt %d, giving up): %s", name,
			      r.attempt, shown);
		} else {
			logf_(s, true, "alert %s: command failed (attempt %d, retrying in %.0f s): %s", name,
			      r.attempt, (double)r.retry_in_ms / 1000.0, shown);
		}
	}
}

static void journal_changes(struct alert_service *s)
{
	size_t n;
	struct alert_change *changes = alerts_take_changes(s->alerts, &n);
	if (s->journal) {
		journal_alerts_write(s->journal, s->alerts, changes, n);
		char *cause = journal_alerts_take_error(s->journal);
		if (cause)
			logf_(s, true, "alerts: %s", cause);
		free(cause);
	}
	free(changes);
}

void alert_service_tick(struct alert_service *s, int64_t now_ms)
{
	if (alerts_rule_count(s->alerts) == 0)
		return;
	if (s->delivery) {
		alert_delivery_poll(s->delivery, now_ms);
		collect_results(s, now_ms);
	}
	int64_t due = alerts_next_due(s->alerts);
	if (due < s->last_evaluate_ms + EVALUATE_EVERY_MS)
		due = s->last_evaluate_ms + EVALUATE_EVERY_MS;
	if (now_ms < due)
		return;
	s->last_evaluate_ms = now_ms;
	alerts_evaluate(s->alerts, s->fleet, now_ms);
	send_batches(s, now_ms);
	journal_changes(s);
	if (s->delivery)
		alert_delivery_poll(s->delivery, now_ms);
}

int64_t alert_service_next_due(const struct alert_service *s, int64_t now_ms)
{
	if (alerts_rule_count(s->alerts) == 0)
		return INT64_MAX;
	int64_t due = alerts_next_due(s->alerts);
	if (due < s->last_evaluate_ms + EVALUATE_EVERY_MS)
		due = s->last_evaluate_ms + EVALUATE_EVERY_MS;
	if (s->delivery) {
		int64_t d = alert_delivery_next_due(s->delivery, now_ms);
		if (d < due)
			due = d;
	}
	return due;
}

bool alert_service_take_log(struct alert_service *s, char *buf, size_t size, bool *error)
{
	if (s->log_count == 0)
		return false;
	snprintf(buf, size, "%s", s->log[0].text);
	if (error)
		*error = s->log[0].error;
	free(s->log[0].text);
	memmove(s->log, s->log + 1, (s->log_count - 1) * sizeof *s->log);
	s->log_count--;
	return true;
}

const struct alerts *alert_service_alerts(const struct alert_service *s)
{
	return s->alerts;
}

bool alert_service_active(const struct alert_service *s)
{
	return s && alerts_rule_count(s->alerts) > 0;
}

const struct alert_service_stats *alert_service_stats(const struct alert_service *s)
{
	return &s->stats;
}
