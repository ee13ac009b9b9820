/* The command table and what every command shares: usage, errors and
 * option parsing (commands.h). */
#include "commands.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "text.h"

/* The monitor first; then `thingtop --help` order. */
const struct cmd_entry cmd_table[] = {
	{
		.name = NULL,
		.summary = "the monitor: fleet grid, activity log, timeline, summary, alerts",
		.usage = cmd_monitor_usage,
		.config = true, .journal = SESSION_JOURNAL_WRITE, .fleet = SESSION_FLEET_REBUILT,
		.journal_note = "read-only with --no-connect or --follow",
		.usage_status = 2, .run = cmd_monitor,
	},
	{
		.name = "record",
		.summary = "subscribe to a broker and journal events, headless",
		.usage = cmd_record_usage,
		.config = true, .journal = SESSION_JOURNAL_WRITE, .fleet = SESSION_FLEET_REBUILT,
		.usage_status = 2, .run = cmd_record,
	},
	{
		.name = "import",
		.summary = "append NDJSON lifecycle messages (or a DynamoDB table) to a journal",
		.usage = cmd_import_usage,
		.config = true, .journal = SESSION_JOURNAL_WRITE, .fleet = SESSION_FLEET_REBUILT,
		.usage_status = 2, .run = cmd_import,
	},
	{
		.name = "sync",
		.summary = "journal AWS's fleet index (registry, connectivity) as a baseline",
		.usage = cmd_sync_usage,
		.config = true, .journal = SESSION_JOURNAL_WRITE, .fleet = SESSION_FLEET_REBUILT,
		.usage_status = 2, .run = cmd_sync,
	},
	{
		.name = "export",
		.summary = "write the reconciled fleet (filtered, sorted) as CSV",
		.usage = cmd_export_usage,
		.config = true, .journal = SESSION_JOURNAL_READ, .fleet = SESSION_FLEET_REBUILT,
		.at = true, .usage_status = 2, .run = cmd_export,
	},
	{
		.name = "simulate",
		.summary = "publish (or write as NDJSON) a simulated fleet's events",
		.usage = cmd_simulate_usage,
		.usage_status = 2, .run = cmd_simulate,
	},
	{
		.name = "demo",
		.summary = "a private broker, a simulated fleet and the monitor on it",
		.usage = cmd_demo_usage,
		.usage_status = 2, .run = cmd_demo,
	},
	{
		.name = "replay",
		.summary = "play a journal back in the monitor (--speed, --from, --to)",
		.usage = cmd_replay_usage,
		.config = true, .journal = SESSION_JOURNAL_READ, .fleet = SESSION_FLEET_REPLAY,
		.journal_note = "replay names it: thingtop replay JOURNAL",
		.usage_status = 2, .run = cmd_replay,
	},
	{
		.name = "journal",
		.summary = "info, check, vacuum, prune, dump; forget the broker session",
		.usage = cmd_journal_usage,
		.config = true, .journal = SESSION_JOURNAL_READ, .fleet = SESSION_FLEET_NONE,
		.journal_note = "read-write for vacuum, prune and forget-session",
		.usage_status = 2, .run = cmd_journal,
	},
	{
		.name = "check",
		.summary = "Nagios-style plugin: count matching things, exit 0/1/2/3",
		.usage = cmd_check_usage,
		.config = true, .journal = SESSION_JOURNAL_READ, .fleet = SESSION_FLEET_REBUILT,
		.usage_status = 3, .run = cmd_check,
	},
	{
		.name = "help",
		.summary = "a command's usage, or what columns, flags and filters mean",
		.usage = cmd_help_usage,
		.usage_status = 2, .run = cmd_help,
	},
};
const size_t cmd_table_count = sizeof cmd_table / sizeof cmd_table[0];

const struct cmd_entry *cmd_find(const char *name)
{
	for (size_t i = 0; i < cmd_table_count; i++) {
		const char *n = cmd_table[i].name;
		if (name ? n && strcmp(n, name) == 0 : n == NULL)
			return &cmd_table[i];
	}
	return NULL;
}

const char *cmd_title(const struct cmd_entry *cmd, char *buf, size_t size)
{
	snprintf(buf, size, "thingtop%s%s", cmd->name ? " " : "", cmd->name ? cmd->name : "");
	return buf;
}

/* Not printf: a usage text is no format string. */
static void print_text(FILE *out, const char *text, size_t len)
{
	const char *slot = memmem(text, len, "%s", 2);
	if (!slot) {
		fwrite(text, 1, len, out);
		return;
	}
	char *path = journal_default_path();
	fwrite(text, 1, (size_t)(slot - text), out);
	fputs(path ? path : "$XDG_STATE_HOME/thingtop/journal.db", out);
	fwrite(slot + 2, 1, len - (size_t)(slot - text) - 2, out);
	free(path);
}

/* What the entry says it opens, as a closing paragraph of its usage. */
static void print_opens(const struct cmd_entry *cmd, FILE *out)
{
	static const char *const journal[] = {
		[SESSION_JOURNAL_READ] = "read-only; it must exist",
		[SESSION_JOURNAL_WRITE] = "read-write; made when missing",
		[SESSION_JOURNAL_UPKEEP] = "read-write; it must exist",
	};
	static const char *const fleet[] = {
		[SESSION_FLEET_REBUILT] = "rebuilt from the journal",
		[SESSION_FLEET_AT] = "the journal's as of a time",
		[SESSION_FLEET_REPLAY] = "replayed from the journal",
	};
	if (!cmd->config && cmd->journal == SESSION_JOURNAL_NONE)
		return;
	fputs("\nOpens:\n", out);
	if (cmd->config)
		fputs("  config   -c FILE, else $THINGTOP_CONFIG, else\n"
		      "           $XDG_CONFIG_HOME/thingtop/thingtop.conf\n", out);
	if (cmd->journal != SESSION_JOURNAL_NONE) {
		fprintf(out, "  journal  -j FILE, else the config's journal.path, else the default;\n"
		        "           %s\n", journal[cmd->journal]);
		if (cmd->journal_note)
			fprintf(out, "           (%s)\n", cmd->journal_note);
	}
	if (cmd->fleet != SESSION_FLEET_NONE)
		fprintf(out, "  fleet    %s%s\n", fleet[cmd->fleet], cmd->at ? ", or as of --at TIME" : "");
}

void cmd_print_usage(const struct cmd_entry *cmd, FILE *out)
{
	print_text(out, cmd->usage, strlen(cmd->usage));
	print_opens(cmd, out);
}

void cmd_print_names(FILE *out)
{
	const char *sep = "";
	for (size_t i = 0; i < cmd_table_count; i++) {
		if (cmd_table[i].name) {
			fprintf(out, "%s%s", sep, cmd_table[i].name);
			sep = ", ";
		}
	}
}

void cmd_print_main_usage(FILE *out)
{
	fputs("Usage: thingtop [OPTIONS]            the interactive fleet monitor\n"
	      "       thingtop COMMAND [OPTIONS]\n"
	      "       thingtop help [COMMAND|columns|flags|filter]\n"
	      "\n"
	      "Shows an IoT fleet's connection status live from AWS IoT Core lifecycle\n"
	      "events ($aws/events/presence/..., $aws/events/subscriptions/...) and keeps\n"
	      "their history in an SQLite journal.\n"
	      "\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < cmd_table_count; i++)
		fprintf(out, "  %-10s %s\n", cmd_table[i].name ? cmd_table[i].name : "(none)",
		        cmd_table[i].summary);
	fputs("\n'thingtop COMMAND --help' describes each command. The monitor:\n\n", out);
	cmd_print_usage(cmd_find(NULL), out);
}

int cmd_usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
{
	char title[64], what[1024], shown[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	/* What went wrong may quote an argument: no raw control characters. */
	text_escape(what, strlen(what), shown, sizeof shown, false);
	cmd_title(cmd, title, sizeof title);
	fprintf(stderr, "%s: %s\n", title, shown);
	/* The synopsis: the usage up to its first blank line. */
	const char *end = strstr(cmd->usage, "\n\n");
	size_t len = end ? (size_t)(end - cmd->usage) + 1 : strlen(cmd->usage);
	print_text(stderr, cmd->usage, len);
	fprintf(stderr, "Try '%s --help' for more.\n", title);
	return cmd->usage_status;
}

int cmd_getopt(const struct cmd_entry *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts, int *status)
{
	/* A leading ':' tells a missing value (':') from an unknown option ('?'). */
	char spec[128];
	snprintf(spec, sizeof spec, ":%s", shortopts);
	opterr = 0;
	int opt = getopt_long(argc, argv, spec, longopts, NULL);
	if (opt == 'h') {
		cmd_print_usage(cmd, stdout);
		*status = 0;
		return CMD_EXIT;
	}
	if (opt == '?' || opt == ':') {
		/* A long option's text (up to any '='), else the short one. */
		const char *last = optind > 0 && optind <= argc ? argv[optind - 1] : "";
		char shortname[3] = { '-', (char)optopt, '\0' };
		bool is_long = strncmp(last, "--", 2) == 0 || optopt <= 0 || optopt > 127;
		const char *arg = is_long ? last : shortname;
		size_t len = strcspn(arg, "=");
		*status = opt == '?' ? cmd_usage_error(cmd, "unknown option '%.*s'", (int)len, arg)
		                     : cmd_usage_error(cmd, "option '%.*s' needs a value", (int)len, arg);
		return CMD_EXIT;
	}
	return opt;
}
