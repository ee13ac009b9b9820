/* The monitor's ":" commands as a table sorted by name (sway's handlers[]):
 * each with its argument usage, a help line and its function. An unknown
 * command lists the known ones. */
#include "build_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

struct app_cmd {
	const char *name;
	const char *args;           /* usage of the argument, NULL = none */
	bool needs_arg;
	const char *help;
	void (*fn)(struct app *app, const char *arg);
};

static void cmd_columns(struct app *app, const char *arg)
{
	grid_set_columns(app, arg);
	app_show(app, SCREEN_GRID);
}

static void cmd_export(struct app *app, const char *arg)
{
	app_export(app, arg);
}

static void cmd_filter(struct app *app, const char *arg)
{
	if (app_set_filter(app, arg))
		app_show(app, SCREEN_GRID);
}

static void cmd_find(struct app *app, const char *arg)
{
	grid_find(app, arg);
}

static const struct app_cmd *command_find(const char *name);

/* `:help` shows the keys; `:help sort` says what :sort takes. */
static void cmd_help(struct app *app, const char *arg)
{
	const struct app_cmd *cmd = *arg != '\0' ? command_find(arg) : NULL;
	if (cmd != NULL)
		app_message(app, false, ":%s%s%s  %s", cmd->name, cmd->args != NULL ? " " : "",
		            cmd->args != NULL ? cmd->args : "", cmd->help);
	else
		help_open(app);
}

static void cmd_quit(struct app *app, const char *arg)
{
	(void)arg;
	app->quit = true;
}

/* `:since 1h` keeps the filter's other terms and replaces its since term. */
static void cmd_since(struct app *app, const char *arg)
{
	int64_t ms;
	bool clear = *arg == '\0' || strcmp(arg, "all") == 0;
	if (!clear && !time_parse_duration(arg, &ms)) {
		app_message(app, true, "since: \"%s\" is not a duration like 10m, 1h, 2d", arg);
		return;
	}
	char *copy = xstrdup(view_filter_text(app->session.view));
	char out[PROMPT_MAX + 64] = "";
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		if (strncmp(t, "since<", 6) == 0 || strncmp(t, "since>", 6) == 0)
			continue;
		n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", n > 0 ? " " : "", t);
		if (n >= sizeof out)
			break;
	}
	free(copy);
	if (!clear && n < sizeof out)
		snprintf(out + n, sizeof out - n, "%ssince<%s", n > 0 ? " " : "", arg);
	if (app_set_filter(app, out))
		app_show(app, SCREEN_GRID);
}

static void cmd_sort(struct app *app, const char *arg)
{
	char *cause = NULL;
	if (view_set_sort(app->session.view, arg, &cause)) {
		app_refresh_view(app);
	} else {
		app_message(app, true, "sort: %s", cause != NULL ? cause : "invalid");
		free(cause);
	}
}

static void cmd_summary(struct app *app, const char *arg)
{
	app_open_summary(app, arg);
}

static void cmd_theme(struct app *app, const char *arg)
{
	if (*arg == '\0' || app_set_theme(app, arg))
		app_message(app, false, "theme: %s", app->theme.name);
}

static void cmd_thing(struct app *app, const char *id)
{
	const struct fleet_thing *thing = fleet_find(app->session.fleet, id);
	if (thing == NULL) {
		app_message(app, true, "no thing \"%s\"", id);
		return;
	}
	uint32_t index = thing->id - 1;
	if (view_find(app->session.view, index) == (size_t)-1)
		app_set_filter(app, "");
	size_t row = view_find(app->session.view, index);
	if (row != (size_t)-1)
		app_set_cursor_row(app, row);
	app_show(app, SCREEN_GRID);
	app_open_activity(app, index);
}

static void cmd_timeline(struct app *app, const char *arg)
{
	(void)arg;
	app_open_timeline(app);
}

/* Sorted by name (strcmp): looked up with bsearch. */
static const struct app_cmd commands[] = {
	{ "columns", "[LIST|default]", false, "the grid's columns, e.g. status,client_id,attr.site (none: say which)", cmd_columns },
	{ "export", "[FILE]", false, "export the filtered, sorted view to CSV", cmd_export },
	{ "filter", "[EXPR]", false, "set the filter (none clears it)", cmd_filter },
	{ "find", "TEXT", false, "find a client id", cmd_find },
	{ "help", "[COMMAND]", false, "the keys of this screen, or what a command takes", cmd_help },
	{ "q", NULL, false, "quit", cmd_quit },
	{ "q!", NULL, false, "quit", cmd_quit },
	{ "quit", NULL, false, "quit", cmd_quit },
	{ "since", "DURATION|all", false, "only things whose status changed within DURATION", cmd_since },
	{ "sort", "SPEC", false, "sort, e.g. -since or status,client_id", cmd_sort },
	{ "summary", "[COLUMN]", false, "count things per value of COLUMN, e.g. attr.site", cmd_summary },
	{ "theme", "[NAME]", false, "switch theme (none: say which)", cmd_theme },
	{ "thing", "CLIENT_ID", true, "the activity log of one thing", cmd_thing },
	{ "timeline", NULL, false, "the disconnect-reason timeline", cmd_timeline },
	{ "w", "[FILE]", false, "export, as in vi", cmd_export },
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static int command_compare(const void *key, const void *entry)
{
	return strcmp(key, ((const struct app_cmd *)entry)->name);
}

static const struct app_cmd *command_find(const char *name)
{
	return bsearch(name, commands, COMMAND_COUNT, sizeof commands[0], command_compare);
}

bool app_command_info(size_t i, const char **name, const char **args, const char **help)
{
	if (i >= COMMAND_COUNT)
		return false;
	*name = commands[i].name;
	*args = commands[i].args;
	*help = commands[i].help;
	return true;
}

static void unknown(struct app *app, const char *name)
{
	char known[256] = "";
	size_t n = 0;
	for (size_t i = 0; i < COMMAND_COUNT && n < sizeof known; i++)
		n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", i > 0 ? ", " : "", commands[i].name);
	char safe[64];
	text_escape(name, strlen(name), safe, sizeof safe, true);
	app_message(app, true, "unknown command \"%s\" (%s)", safe, known);
}

/* Splits "cmd  arg words  " into the command and its trimmed argument. */
static char *split(char *line, char **arg)
{
	while (*line == ' ')
		line++;
	char *p = line;
	while (*p != '\0' && *p != ' ')
		p++;
	if (*p != '\0')
		*p++ = '\0';
	while (*p == ' ')
		p++;
	size_t n = strlen(p);
	while (n > 0 && p[n - 1] == ' ')
		p[--n] = '\0';
	*arg = p;
	return line;
}

void app_command(struct app *app, const char *line)
{
	char *copy = xstrdup(line);
	char *arg;
	char *name = split(copy, &arg);
	if (*name != '\0') {
		const struct app_cmd *cmd = command_find(name);
		if (cmd == NULL)
			unknown(app, name);
		else if (cmd->needs_arg && *arg == '\0')
			app_message(app, true, "usage: :%s %s", cmd->name, cmd->args);
		else
			cmd->fn(app, arg);
	}
	free(copy);
}
