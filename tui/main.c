/* thingtop: the program's entry point. Picks the subcommand from the
 * command table (commands.c); without one, runs the interactive monitor. */
#include "build_config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "text.h"

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");

	const struct cmd_entry *monitor = cmd_find(NULL);
	if (argc >= 2) {
		const char *name = argv[1];
		if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
			cmd_print_main_usage(stdout);
			return 0;
		}
		if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
			printf("thingtop %s\n", THINGTOP_VERSION);
			return 0;
		}
		if (name[0] != '-') {
			const struct cmd_entry *cmd = cmd_find(name);
			if (cmd)
				return cmd->run(cmd, argc - 1, argv + 1);
			char shown[1024];
			text_escape(name, strlen(name), shown, sizeof shown, false);
			fprintf(stderr, "thingtop: unknown command '%s'; the commands are: ", shown);
			cmd_print_names(stderr);
			fprintf(stderr, " (see thingtop --help)\n");
			return monitor->usage_status;
		}
	}
	return monitor->run(monitor, argc, argv);
}
