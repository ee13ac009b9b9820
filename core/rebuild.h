/* Rebuilding the fleet table from a journal: the newest snapshot at or
 * before the point asked for, then the events after it. */
#ifndef THINGTOP_REBUILD_H
#define THINGTOP_REBUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "fleet.h"
#include "journal.h"

/* Set in the journal's meta table by whoever journals EVENT_BASELINE rows
 * (`thingtop sync`): rebuilds then read raw rows for the registry fields. */
#define REBUILD_META_BASELINE "baseline_rows"

/* The fleet as of `upto_seq` (0 = everything committed). NULL with *cause
 * when the journal cannot be read. */
struct fleet *rebuild_fleet(struct journal *journal, const struct fleet_config *config,
                            uint64_t upto_seq, char **cause);

/* The fleet as of receive time at_ms: the same as rebuild_fleet at
 * journal_seq_at(at_ms), in one pass over the rows instead of two (the
 * replay stops at the first row received later). */
struct fleet *rebuild_fleet_at(struct journal *journal, const struct fleet_config *config,
                               int64_t at_ms, char **cause);

/* The same from the first row on, ignoring every snapshot (to check them).
 * Fails on a journal whose oldest rows were pruned. */
struct fleet *rebuild_fleet_replay(struct journal *journal, const struct fleet_config *config,
                                   uint64_t upto_seq, char **cause);

/* Applies committed rows after fleet_last_seq() (follow mode). Returns the
 * number of rows applied, -1 on error. */
long rebuild_catch_up(struct journal *journal, struct fleet *fleet, char **cause);

/* The reconciler's view of one journal row. `client_id` is the name of the
 * row's thing (NULL when it names none); a lifecycle row without a thing
 * (journaled without a fleet) only moves the clock, like a reject. */
void rebuild_event_from_row(const struct journal_row *row, const char *client_id,
                            struct fleet_event *out);

/* The client id of a thing the fleet may not hold yet, or NULL. */
typedef const char *rebuild_name_fn(void *ctx, uint32_t thing_id);

/* The name of the thing a row is about, into *client_id (NULL for a row
 * that names none: rejects, ignored messages, rows without a thing). A
 * thing the fleet lacks enters it here, after those before it that have
 * no event of their own, as ids enter it in order (fleet_append_thing: no
 * lookup, the journal gives no name two ids). False when the thing has no
 * name: the journal is damaged. */
bool rebuild_row_client(struct fleet *fleet, const struct journal_row *row, rebuild_name_fn *name,
                        void *ctx, const char **client_id);

#endif
