/* thingtop help [COMMAND|columns|flags|filter]: a command's usage, or what
 * the columns (of the grid, export's CSV and the filter), the flags and the
 * filter language mean. The column list comes from core's table
 * (view_columns), descriptions included. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "fleet.h"
#include "legend.h"
#include "view.h"

const char cmd_help_usage[] =
	"Usage: thingtop help [COMMAND|columns|flags|filter]\n"
	"\n"
	"Without a topic, the program's usage and its commands. With a COMMAND, its\n"
	"full usage (the same as thingtop COMMAND --help). Topics:\n"
	"  columns  every column of the grid, the CSV export and the filter, and\n"
	"           every flag value\n"
	"  flags    the flag values and the statuses\n"
	"  filter   the filter language and the sort spec\n"
	"\n"
	"Options:\n"
	"  -h, --help           this text\n";

/* The text wrapped at 78 columns, indented by `indent`. */
static void print_wrapped(const char *text, int indent)
{
	int col = indent;
	while (*text) {
		size_t word = strcspn(text, " ");
		if (col > indent && col + 1 + (int)word > 78) {
			printf("\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		fwrite(text, 1, word, stdout);
		col += (int)word;
		text += word;
		while (*text == ' ')
			text++;
	}
	putchar('\n');
}

static void print_flags(void)
{
	printf("Flags (the flags column; filter flags:NAME, flags: for none):\n");
	for (size_t i = 0; i < legend_flag_count; i++) {
		printf("  %-16s ", legend_flags[i].name);
		print_wrapped(legend_flags[i].meaning, 19);
	}
	printf("\nStatuses (the status column; filter status:NAME):\n");
	for (int s = 0; s < STATUS_COUNT; s++)
		printf("  %s\n", thing_status_name((enum thing_status)s));
}

static void print_columns(void)
{
	printf("Columns (names for --columns, --sort, filter fields and the CSV header;\n"
	       "the CSV export writes the first %d unless --columns says otherwise):\n",
	       COL_DEFAULT_COUNT);
	for (int i = 0; i < COL_COUNT; i++) {
		const struct column *c = &view_columns[i];
		printf("  %-16s ", c->name);
		print_wrapped(c->description, 19);
	}
	putchar('\n');
	print_flags();
}

static void print_filter(void)
{
	fputs("Filter (thingtop export --filter, check --filter, the monitor's / key):\n", stdout);
	for (size_t i = 0; i < legend_filter_count; i++) {
		const struct legend_filter *f = &legend_filters[i];
		char text[256];
		snprintf(text, sizeof text, "%s%s%s", f->meaning, f->example != NULL ? ", e.g. " : "",
		         f->example != NULL ? f->example : "");
		printf("  %-18s ", f->form);
		print_wrapped(text, 21);
	}
	fputs("Fields are the column names (thingtop help columns), attr.NAME included.\n"
	      "\n"
	      "Sort (--sort): col[,-col]... by column name; '-' descending, e.g.\n"
	      "  status,-since\n", stdout);
}

int cmd_help(const struct cmd_entry *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt, status = 0;
	while ((opt = cmd_getopt(cmd, argc, argv, "h", options, &status)) != -1) {
		if (opt == CMD_EXIT)
			return status;
	}
	if (optind + 1 < argc)
		return cmd_usage_error(cmd, "one topic at a time");
	const char *topic = optind < argc ? argv[optind] : NULL;
	const struct cmd_entry *about = topic ? cmd_find(topic) : NULL;
	if (!topic)
		cmd_print_main_usage(stdout);
	else if (about)
		cmd_print_usage(about, stdout);
	else if (strcmp(topic, "columns") == 0)
		print_columns();
	else if (strcmp(topic, "flags") == 0)
		print_flags();
	else if (strcmp(topic, "filter") == 0)
		print_filter();
	else
		return cmd_usage_error(cmd, "no help on '%s' (a command, columns, flags or filter)",
		                       topic);
	return 0;
}
