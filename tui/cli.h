/* What the subcommands share: the common options, opening the journal and
 * rebuilding the fleet from it, and printing usage texts. */
#ifndef THINGTOP_CLI_H
#define THINGTOP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/config.h"
#include "fleet.h"
#include "journal.h"

struct cli_common {
	const char *journal_path;   /* NULL = the default journal */
	const char *config_path;    /* NULL = the usual lookup */
};

void cli_common_init(struct cli_common *common);

struct cli_session {
	struct config config;       /* from the config file, or the defaults */
	struct journal *journal;
	struct fleet *fleet;
	char *journal_path;
};

/* Loads the config (-c, $THINGTOP_CONFIG, then the XDG path), opens the
 * journal (-j, else the config's, else the default; with the config's
 * retention when writing) and rebuilds the fleet from it.
 * Prints what went wrong (naming the file) and returns false. */
bool cli_session_open(struct cli_session *session, const struct cli_common *common,
                      enum journal_mode mode);
/* The same, with the fleet as it stood at receive time `at_ms` (its clock
 * set to that time; empty before the first event, an error before the
 * oldest event retention kept). */
bool cli_session_open_at(struct cli_session *session, const struct cli_common *common,
                         enum journal_mode mode, int64_t at_ms);
void cli_session_close(struct cli_session *session);

/* Prints a usage text whose only conversion is one %s for the default
 * journal path. */
void cli_print_usage(FILE *out, const char *usage);

#endif
