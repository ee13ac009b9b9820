/* Runs alert commands: `/bin/sh -c COMMAND` in its own process group with
 * the notification on stdin, a timeout, and retries with back-off. Never
 * blocks: stdin is written and output read without waiting, a little at
 * each alert_delivery_poll, and children are reaped with WNOHANG. The
 * command's output is kept (first bytes only) for the log, never passed
 * through. */
#ifndef THINGTOP_ALERT_DELIVERY_H
#define THINGTOP_ALERT_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ALERT_DELIVERY_ATTEMPTS 5   /* tries before a notification is given up */
#define ALERT_DELIVERY_OUTPUT 512   /* bytes of the command's output kept */

struct alert_delivery;

struct alert_delivery *alert_delivery_create(void);
/* Kills the commands still running (their process groups) and reaps them. */
void alert_delivery_destroy(struct alert_delivery *delivery);

/* Queues a run for `rule` now; takes ownership of `payload` (malloc'd).
 * `command` is copied. A failure shows up as a result. */
void alert_delivery_submit(struct alert_delivery *delivery, size_t rule, const char *command,
                           char *payload, int64_t timeout_ms, int64_t now_ms);

/* Does what is due without waiting: starts, feeds, reads, reaps, kills
 * after the timeout, retries. */
void alert_delivery_poll(struct alert_delivery *delivery, int64_t now_ms);
/* When alert_delivery_poll has work next (INT64_MAX when idle). */
int64_t alert_delivery_next_due(const struct alert_delivery *delivery, int64_t now_ms);
size_t alert_delivery_active(const struct alert_delivery *delivery);

struct alert_delivery_result {
	size_t rule;
	bool ok;
	bool final;                 /* no further attempt (success or given up) */
	int attempt;                /* 1-based */
	int64_t retry_in_ms;        /* when !final: the back-off */
	/* "exit status 7", "killed after 30 s timeout", "cannot start: ...",
	 * then the command's output, raw (escape it before showing it). */
	char message[ALERT_DELIVERY_OUTPUT + 128];
};

/* One finished attempt, oldest first. */
bool alert_delivery_take_result(struct alert_delivery *delivery,
                                struct alert_delivery_result *result);

#endif
