/* Alert rows in the journal (table `alerts`, schema 3): one row per firing
 * of a rule for a thing, with when it began to match, fired, was last sent
 * and resolved. A restarted recorder reads the open ones back; `replay
 * --alerts` lists them.
 *
 * Rows are written by a thread of their own on a connection of their own
 * (not the event writer's), one transaction per burst, so the caller
 * never waits for the journal's write lock. */
#ifndef THINGTOP_JOURNAL_ALERTS_H
#define THINGTOP_JOURNAL_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerts.h"
#include "journal.h"

struct journal_alerts;

/* A connection and a writer thread for a journal opened read-write. */
struct journal_alerts *journal_alerts_open(const struct journal *journal, char **cause);
/* Writes what is still queued, stops the thread. Accepts NULL. */
void journal_alerts_close(struct journal_alerts *ja);

/* Queues changes (alerts_take_changes) for the thread. The rules' names
 * are borrowed until journal_alerts_close. */
void journal_alerts_write(struct journal_alerts *ja, const struct alerts *alerts,
                          const struct alert_change *changes, size_t count);
/* The last write's failure (malloc'd), or NULL. */
char *journal_alerts_take_error(struct journal_alerts *ja);

/* One row; strings valid during the callback only. sent_ms and
 * resolved_ms are 0 when not (yet). */
struct journal_alert_row {
	const char *rule;
	uint32_t thing_id;
	const char *client_id;      /* "" when the thing is unknown */
	int64_t started_ms, fired_ms, sent_ms, resolved_ms;
};
typedef bool (*journal_alert_fn)(void *ctx, const struct journal_alert_row *row);

/* Rows fired within [from_ms, to_ms) by fired time (to_ms 0 = no bound);
 * only the unresolved ones when open_only. Reads on the journal's own
 * connection, so read-only journals work too. */
bool journal_alerts_scan(struct journal *journal, bool open_only, int64_t from_ms, int64_t to_ms,
                         journal_alert_fn fn, void *ctx, char **cause);

#endif
