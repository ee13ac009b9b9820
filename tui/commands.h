/* The subcommands of the thingtop program. Each takes the arguments after
 * its name (argv[0] is the subcommand) and returns the process exit code. */
#ifndef THINGTOP_COMMANDS_H
#define THINGTOP_COMMANDS_H

int cmd_import(int argc, char **argv);
/* AWS's fleet index as baseline observations (aws iot search-index). */
int cmd_sync(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
/* A journal played back in the monitor, or headless to an export. */
int cmd_replay(int argc, char **argv);
int cmd_journal(int argc, char **argv);
/* A Nagios-style check: exit 0/1/2/3. */
int cmd_check(int argc, char **argv);
/* The interactive monitor: `thingtop [options]` without a subcommand;
 * argv[0] is "thingtop". */
int cmd_monitor(int argc, char **argv);

#endif
