/* Opening a command's session (core/session.h) as its table entry says,
 * with its errors printed the one way every command prints them. */
#ifndef THINGTOP_CLI_H
#define THINGTOP_CLI_H

#include <stdbool.h>

#include "commands.h"
#include "session.h"

/* The options the entry asks for (journal mode, fleet); -j and -c left
 * unset for the command's parser to fill in. */
void cli_options_init(struct session_options *options, const struct cmd_entry *cmd);

/* session_open, and with SESSION_FLEET_AT a warning when that time falls
 * where the recorder was not listening. Prints "thingtop CMD: cause" and
 * returns false on failure (the session is closed then). */
bool cli_session_open(const struct cmd_entry *cmd, const struct session_options *options,
                      struct session *session);
/* The same in two steps, for commands that put flags over the config
 * before the journal opens. */
bool cli_session_load_config(const struct cmd_entry *cmd, const struct session_options *options,
                             struct session *session);
bool cli_session_open_journal(const struct cmd_entry *cmd, const struct session_options *options,
                              struct session *session);

/* Prints "thingtop CMD: cause" (escaped) on stderr and frees cause. */
void cli_print_cause(const struct cmd_entry *cmd, char *cause);

#endif
