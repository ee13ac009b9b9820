/* thingtop export: the reconciled fleet view as CSV, filtered and sorted
 * with the same language as the grid, optionally as it stood at a time. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "export.h"
#include "text.h"
#include "timefmt.h"
#include "view.h"
#include "xalloc.h"

const char cmd_export_usage[] =
	"Usage: thingtop export [-j JOURNAL] [--filter EXPR] [--sort SPEC] [--at TIME]\n"
	"                       [--columns LIST] [-o FILE]\n"
	"\n"
	"Writes the reconciled fleet, one row per thing, as CSV (RFC 4180, UTF-8,\n"
	"one header row; cells a spreadsheet would run as formulas are neutralised).\n"
	"Columns: status, client_id, since, last_reason, ip, version, session_id,\n"
	"sessions, disconnects, duplicates, connect_failures, flags, since_received;\n"
	"with --columns also the registry fields `thingtop sync` journaled:\n"
	"thing_type, groups, attr.NAME (one attribute).\n"
	"\n"
	"Options:\n"
	"  -j, --journal FILE   journal to read (default\n"
	"                       %s)\n"
	"  -c, --config FILE    config file for the reconciliation settings\n"
	"  -f, --filter EXPR    only the things matching EXPR, e.g.\n"
	"                         'status:disconnected reason:CONNECTION_LOST'\n"
	"                         'sensor !plant/ sessions>3 since>10m client_id~^gw'\n"
	"  -s, --sort SPEC      order, e.g. 'status,-since' (default status,client_id)\n"
	"  -a, --at TIME        the fleet as it stood at that receive time: ISO 8601\n"
	"                       ('2026-01-01T03:10Z'), epoch ms, or relative ('-2h')\n"
	"  -C, --columns LIST   these columns, comma-separated, e.g.\n"
	"                         'client_id,status,thing_type,attr.site'\n"
	"  -o, --output FILE    write to FILE (atomically) instead of standard output;\n"
	"                       on a terminal, control characters are shown escaped\n"
	"  -h, --help           this text\n"
	"\n"
	"Filter terms (all must match): a bare word matches the client id\n"
	"(substring, any case); field:value equals; field~regex searches; field>N,\n"
	"field<N, >=, <= compare numbers (since compares the age); !term negates;\n"
	"\"quoted values\" may hold spaces.\n";

/* A terminal gets the CSV with control characters made visible: a client
 * id must not be able to drive the terminal. Files and pipes get the
 * exact bytes. */
static void write_escaped_csv(const struct view *view, const struct fleet *fleet,
                              const struct column_ref *columns, int count, FILE *out)
{
	char *csv = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&csv, &len);
	if (!mem)
		return;
	export_view_csv_columns(view, fleet, columns, count, mem);
	fclose(mem);

	size_t escaped_size = 4 * EVENT_PAYLOAD_MAX;
	char *escaped = xmalloc(escaped_size);
	for (size_t start = 0; start < len;) {
		const char *nl = memchr(csv + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - csv) : len;
		text_escape(csv + start, end - start, escaped, escaped_size, false);
		fputs(escaped, out);
		fputc('\n', out);
		start = end + 1;
	}
	free(escaped);
	free(csv);
}

int cmd_export(const struct cmd_entry *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{"journal", required_argument, NULL, 'j'},
		{"config", required_argument, NULL, 'c'},
		{"filter", required_argument, NULL, 'f'},
		{"sort", required_argument, NULL, 's'},
		{"at", required_argument, NULL, 'a'},
		{"output", required_argument, NULL, 'o'},
		{"columns", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct session_options open;
	const char *filter = "", *sort = "", *at = NULL, *output = NULL, *column_list = NULL;
	struct column_ref *columns = NULL;
	int column_count = 0;
	int opt, status = 0;

	cli_options_init(&open, cmd);
	while ((opt = cmd_getopt(cmd, argc, argv, "j:c:f:s:a:o:C:h", options, &status)) != -1) {
		switch (opt) {
		case CMD_EXIT: return status;
		case 'j': open.journal_path = optarg; break;
		case 'c': open.config_path = optarg; break;
		case 'f': filter = optarg; break;
		case 's': sort = optarg; break;
		case 'a': at = optarg; break;
		case 'o': output = optarg; break;
		case 'C': column_list = optarg; break;
		}
	}
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

	int64_t at_ms = 0;
	if (at && !time_parse_point(at, time_now_ms(), &at_ms))
		return cmd_usage_error(cmd, "--at '%s' is not a time (try 2026-01-01T03:10Z or -2h)", at);
	if (at) {
		open.fleet = SESSION_FLEET_AT;
		open.at_ms = at_ms;
	}
	/* Check the filter, sort and columns before the (slower) journal work. */
	struct session session;
	if (!cli_session_load_config(cmd, &open, &session))
		return 1;
	char *cause = NULL;
	if (!view_set_filter(session.view, filter, &cause) || !view_set_sort(session.view, sort, &cause)) {
		cli_print_cause(cmd, cause);
		session_close(&session);
		return 2;
	}
	if (column_list) {
		enum { COLUMNS_MAX = 64 };
		columns = xcalloc(COLUMNS_MAX, sizeof *columns);
		column_count = view_column_list(column_list, columns, COLUMNS_MAX, &cause);
		if (column_count < 0) {
			fprintf(stderr, "thingtop export: --columns: %s\n", cause);
			free(cause);
			free(columns);
			session_close(&session);
			return 2;
		}
	}
	if (!cli_session_open_journal(cmd, &open, &session)) {
		free(columns);
		return 1;
	}

	/* The journal is read and no thing is looked up by name from here
	 * on: its cache and the fleet's index make room for the view's arrays. */
	journal_release_memory(session.journal);
	fleet_drop_index(session.fleet);
	view_refresh_once(session.view, session.fleet);
	if (output) {
		if (!export_view_csv_file_columns(session.view, session.fleet, columns, column_count,
		                                  output, &cause)) {
			cli_print_cause(cmd, cause);
			status = 1;
		}
	} else if (isatty(STDOUT_FILENO)) {
		write_escaped_csv(session.view, session.fleet, columns, column_count, stdout);
	} else {
		export_view_csv_columns(session.view, session.fleet, columns, column_count, stdout);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			perror("thingtop export: standard output");
			status = 1;
		}
	}
	free(columns);
	session_close(&session);
	return status;
}
