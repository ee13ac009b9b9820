/* The subcommands of the thingtop program as data (tmux's cmd_entry): one
 * table with each command's name, summary, usage, what it opens and its
 * function. main.c dispatches from it; `thingtop --help`, the error for an
 * unknown command and `thingtop help` are generated from it. */
#ifndef THINGTOP_COMMANDS_H
#define THINGTOP_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "session.h"

struct option;

struct cmd_entry {
	const char *name;           /* NULL: the monitor, `thingtop [OPTIONS]` */
	const char *summary;        /* one line for `thingtop --help` */
	/* The full -h/--help text: from "Usage:" to the end; its only
	 * conversion is one optional %s for the default journal path. */
	const char *usage;
	bool config;                /* reads the config (-c, $THINGTOP_CONFIG, XDG) */
	enum session_journal journal;  /* what it opens by default (-j, journal.path, default) */
	const char *journal_note;   /* when it opens the journal otherwise, or NULL */
	enum session_fleet fleet;
	bool at;                    /* takes --at TIME */
	int usage_status;           /* exit status of a usage error: 2 (check: 3, Nagios) */
	/* argv[0] is the command's name ("thingtop" for the monitor). */
	int (*run)(const struct cmd_entry *cmd, int argc, char **argv);
};

extern const struct cmd_entry cmd_table[];
extern const size_t cmd_table_count;
/* The entry named `name` (NULL: the monitor), or NULL. */
const struct cmd_entry *cmd_find(const char *name);

/* The full usage ends with what the command opens, generated from the
 * entry: config and journal resolution, journal mode, fleet. */
/* "thingtop export", or "thingtop" for the monitor. */
const char *cmd_title(const struct cmd_entry *cmd, char *buf, size_t size);
void cmd_print_usage(const struct cmd_entry *cmd, FILE *out);
/* `thingtop --help`: synopsis, the commands of the table, the monitor's options. */
void cmd_print_main_usage(FILE *out);
/* "import, sync, export, ..., help": every command of the table. */
void cmd_print_names(FILE *out);

/* The same error for every command: "thingtop CMD: WHAT", the usage's
 * synopsis and where to read more, on stderr. Returns cmd->usage_status. */
int cmd_usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* getopt_long with what every command shares: 'h' (-h, --help) prints
 * the full usage (*status 0); an unknown option or a missing value is a
 * cmd_usage_error (*status = usage_status). Both return CMD_EXIT; else the
 * option as getopt_long returns it, -1 at the end. `longopts` must map
 * "help" to 'h'. */
#define CMD_EXIT (-2)
int cmd_getopt(const struct cmd_entry *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts, int *status);

/* The commands (cmd_*.c). */
int cmd_monitor(const struct cmd_entry *cmd, int argc, char **argv);
int cmd_import(const struct cmd_entry *cmd, int argc, char **argv);
/* AWS's fleet index as baseline observations (aws iot search-index). */
int cmd_sync(const struct cmd_entry *cmd, int argc, char **argv);
int cmd_export(const struct cmd_entry *cmd, int argc, char **argv);
int cmd_record(const struct cmd_entry *cmd, int argc, char **argv);
int cmd_simulate(const struct cmd_entry *cmd, int argc, char **argv);
int cmd_demo(const struct cmd_entry *cmd, int argc, char **argv);
/* A journal played back in the monitor, or headless to an export. */
int cmd_replay(const struct cmd_entry *cmd, int argc, char **argv);
int cmd_journal(const struct cmd_entry *cmd, int argc, char **argv);
/* A Nagios-style check: exit 0/1/2/3. */
int cmd_check(const struct cmd_entry *cmd, int argc, char **argv);
/* `thingtop help [COMMAND|columns|flags|filter]` (cmd_help.c). */
int cmd_help(const struct cmd_entry *cmd, int argc, char **argv);

/* Their usage texts, each defined once, next to its command. */
extern const char cmd_monitor_usage[], cmd_import_usage[], cmd_sync_usage[], cmd_export_usage[],
	cmd_record_usage[], cmd_simulate_usage[], cmd_demo_usage[], cmd_replay_usage[],
	cmd_journal_usage[], cmd_check_usage[], cmd_help_usage[];

#endif
