/* thingtop: the program's entry point. Picks the subcommand; without one,
 * runs the interactive monitor. */
#include "build_config.h"

#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const char main_usage[] =
	"Usage: thingtop [OPTIONS]            the interactive fleet monitor\n"
	"       thingtop COMMAND [OPTIONS]\n"
	"\n"
	"Shows an IoT fleet's connection status live from AWS IoT Core lifecycle\n"
	"events ($aws/events/presence/..., $aws/events/subscriptions/...) and keeps\n"
	"their history in an SQLite journal.\n"
	"\n"
	"Commands:\n"
	"  (none)     the monitor: fleet grid, activity log, disconnect timeline\n"
	"  record     subscribe to a broker and journal events, headless\n"
	"  import     append NDJSON lifecycle messages (or a DynamoDB table) to a journal\n"
	"  sync       journal AWS's fleet index (registry, connectivity) as a baseline\n"
	"  export     write the reconciled fleet (filtered, sorted) as CSV\n"
	"  simulate   publish (or write as NDJSON) a simulated fleet's events\n"
	"  demo       a private broker, a simulated fleet and the monitor on it\n"
	"  replay     play a journal back in the monitor (--speed, --from, --to)\n"
	"  journal    info, check, vacuum or prune a journal\n"
	"  check      Nagios-style plugin: count matching things, exit 0/1/2/3\n"
	"\n"
	"Monitor options:\n"
	"  -j, --journal FILE   journal (default $XDG_STATE_HOME/thingtop/journal.db)\n"
	"  -c, --config FILE    config file (default $THINGTOP_CONFIG, then\n"
	"                       $XDG_CONFIG_HOME/thingtop/thingtop.conf)\n"
	"  --broker HOST[:PORT] broker to subscribe to (default localhost:1883)\n"
	"  --no-connect         show the journal only, no broker\n"
	"  --follow             read-only on a journal another process records\n"
	"  --theme NAME         colour theme (dark, light, basic16, contrast, mono)\n"
	"  --no-color, --ascii  no colours; no UTF-8 glyphs\n"
	"  --filter EXPR, --sort SPEC   the grid's initial filter and sort\n"
	"\n"
	"'thingtop COMMAND --help' describes each command.\n";

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{"import", cmd_import},
	{"sync", cmd_sync},
	{"export", cmd_export},
	{"record", cmd_record},
	{"simulate", cmd_simulate},
	{"demo", cmd_demo},
	{"replay", cmd_replay},
	{"journal", cmd_journal},
	{"check", cmd_check},
};

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* Seed jansson's hash before any thread may parse. */
	json_object_seed(0);

	if (argc >= 2) {
		const char *name = argv[1];
		if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
			fputs(main_usage, stdout);
			return 0;
		}
		if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
			printf("thingtop %s\n", THINGTOP_VERSION);
			return 0;
		}
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
			if (strcmp(name, commands[i].name) == 0)
				return commands[i].run(argc - 1, argv + 1);
		}
		if (name[0] != '-') {
			fprintf(stderr, "thingtop: unknown command '%s' (see thingtop --help)\n", name);
			return 2;
		}
	}
	return cmd_monitor(argc, argv);
}
