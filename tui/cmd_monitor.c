/* `thingtop [options]`: the interactive monitor. Parses its options, opens
 * the session (and the live source or a replay), starts the terminal and
 * runs app.c's loop. */
#include "build_config.h"

#include <curses.h>
#include <term.h>
#include <getopt.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "cli.h"
#include "commands.h"
#include "draw.h"
#include "grid_layout.h"
#include "live.h"
#include "replay.h"
#include "term.h"
#include "xalloc.h"

const char cmd_monitor_usage[] =
	"Usage: thingtop [-j JOURNAL] [-c CONFIG] [--no-connect] [--follow]\n"
	"                [--broker HOST[:PORT]] [--theme NAME] [--no-color] [--ascii]\n"
	"                [--filter EXPR] [--sort SPEC] [--columns LIST]\n"
	"\n"
	"The interactive monitor: subscribes to the broker, journals what arrives\n"
	"and shows the fleet (grid, activity log, disconnect timeline; ? for keys).\n"
	"\n"
	"Options:\n"
	"  -j, --journal FILE   the event journal (default: journal.path, else\n"
	"                       %s)\n"
	"  -c, --config FILE    config file (default $THINGTOP_CONFIG, then\n"
	"                       $XDG_CONFIG_HOME/thingtop/thingtop.conf)\n"
	"  --no-connect         show the journal only (followed while another process\n"
	"                       writes it)\n"
	"  --follow             the same: follow a journal that `thingtop record` writes\n"
	"  --broker HOST[:PORT] the MQTT broker (overrides the config; default\n"
	"                       localhost:1883)\n"
	"  --aws-endpoint HOST  AWS IoT Core: HOST, port 443, ALPN, the Amazon root CA\n"
	"  --cafile F, --capath D, --cert F, --key F, --alpn P, -V 311|5\n"
	"                       TLS and protocol as for mosquitto_sub\n"
	"  --id CLIENT_ID       MQTT client id (default: the journal's own, so a restart\n"
	"                       resumes the broker session)\n"
	"  --clean-session      start a new broker session (what it queued is dropped)\n"
	"  --theme NAME         dark, light, 16color, high-contrast, mono or FILE.theme\n"
	"  --no-color           no colours (also NO_COLOR=1)\n"
	"  --ascii              ASCII only: no UTF-8 glyphs or borders\n"
	"  --filter EXPR        start with this filter (see thingtop help filter)\n"
	"  --sort SPEC          start with this sort, e.g. -since or status,client_id\n"
	"  --columns LIST       the grid's columns, e.g. status,client_id,attr.site\n"
	"                       (default: ui.columns, else the usual ten)\n"
	"  -h, --help           this text\n";

/* -1 to go on, else the exit status. */
static int parse_args(const struct cmd_entry *cmd, struct app_options *opt, int argc, char **argv)
{
	enum { OPT_NO_CONNECT = 256, OPT_FOLLOW, OPT_BROKER, OPT_ID, OPT_CAFILE, OPT_CAPATH, OPT_CERT,
	       OPT_KEY, OPT_ALPN, OPT_AWS, OPT_CLEAN, OPT_THEME, OPT_NO_COLOR, OPT_ASCII, OPT_FILTER,
	       OPT_SORT, OPT_COLUMNS };
	static const struct option options[] = {
		{"journal", required_argument, NULL, 'j'},
		{"config", required_argument, NULL, 'c'},
		{"no-connect", no_argument, NULL, OPT_NO_CONNECT},
		{"follow", no_argument, NULL, OPT_FOLLOW},
		{"broker", required_argument, NULL, OPT_BROKER},
		{"id", required_argument, NULL, OPT_ID},
		{"cafile", required_argument, NULL, OPT_CAFILE},
		{"capath", required_argument, NULL, OPT_CAPATH},
		{"cert", required_argument, NULL, OPT_CERT},
		{"key", required_argument, NULL, OPT_KEY},
		{"alpn", required_argument, NULL, OPT_ALPN},
		{"protocol", required_argument, NULL, 'V'},
		{"aws-endpoint", required_argument, NULL, OPT_AWS},
		{"clean-session", no_argument, NULL, OPT_CLEAN},
		{"theme", required_argument, NULL, OPT_THEME},
		{"no-color", no_argument, NULL, OPT_NO_COLOR},
		{"no-colour", no_argument, NULL, OPT_NO_COLOR},
		{"ascii", no_argument, NULL, OPT_ASCII},
		{"filter", required_argument, NULL, OPT_FILTER},
		{"sort", required_argument, NULL, OPT_SORT},
		{"columns", required_argument, NULL, OPT_COLUMNS},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c, status = 0;
	optind = 0;  /* from the start, also when `demo` parsed its own before */
	while ((c = cmd_getopt(cmd, argc, argv, "j:c:V:h", options, &status)) != -1) {
		switch (c) {
		case CMD_EXIT: return status;
		case 'j': opt->journal_path = optarg; break;
		case 'c': opt->config_path = optarg; break;
		case 'V': opt->protocol = optarg; break;
		case OPT_NO_CONNECT: opt->no_connect = true; break;
		case OPT_FOLLOW: opt->follow = true; break;
		case OPT_BROKER: opt->broker = optarg; break;
		case OPT_ID: opt->client_id = optarg; break;
		case OPT_CAFILE: opt->cafile = optarg; break;
		case OPT_CAPATH: opt->capath = optarg; break;
		case OPT_CERT: opt->cert = optarg; break;
		case OPT_KEY: opt->key = optarg; break;
		case OPT_ALPN: opt->alpn = optarg; break;
		case OPT_AWS: opt->aws_endpoint = optarg; break;
		case OPT_CLEAN: opt->clean_session = true; break;
		case OPT_THEME: opt->theme = optarg; break;
		case OPT_NO_COLOR: opt->no_color = true; break;
		case OPT_ASCII: opt->ascii = true; break;
		case OPT_FILTER: opt->filter = optarg; break;
		case OPT_SORT: opt->sort = optarg; break;
		case OPT_COLUMNS: opt->columns = optarg; break;
		}
	}
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* The command-line flags over the config file. */
static bool apply_flags(struct config *config, const struct app_options *opt, char **cause)
{
	const struct config_flags flags = {
		.broker = opt->broker, .aws_endpoint = opt->aws_endpoint, .cafile = opt->cafile,
		.capath = opt->capath, .cert = opt->cert, .key = opt->key, .alpn = opt->alpn,
		.protocol = opt->protocol, .qos = -1,
	};
	if (!config_apply_flags(config, &flags, cause))
		return false;
	if (opt->client_id != NULL) {
		free(config->broker.client_id);
		config->broker.client_id = xstrdup(opt->client_id);
	}
	if (opt->clean_session)
		config->broker.clean_session = true;
	return true;
}

/* The live monitor journals like `thingtop record`: the same periodic
 * snapshots and retention (the session set it). */
static bool start_live(struct app *app, char **cause)
{
	const struct live_options options = { .retry = true };
	if (!session_start_live(&app->session, &options, &app_live_callbacks, app, cause))
		return false;
	app->live = true;
	/* No warning merely because the client certificate is not signed by
	 * the server's CA (normal on AWS IoT): the chain check only explains
	 * a refusal (mqtt_source.c). */
	snprintf(app->broker_state, sizeof app->broker_state, "%s:%d",
	         app->session.config.broker.host != NULL ? app->session.config.broker.host : "?",
	         app->session.config.broker.port);
	snprintf(app->conn_state, sizeof app->conn_state, "connecting");
	return true;
}

/* The grid reads --columns (else ui.columns) when it is made: wrong
 * names are said here, before the terminal starts. */
static bool check_columns(const struct cmd_entry *cmd, struct app *app)
{
	const char *list = app->opt.columns;
	const char *from = "--columns";
	if (list == NULL) {
		list = app->session.config.ui.columns;
		from = "ui.columns";
	}
	struct grid_columns columns;
	char *cause = NULL;
	if (list == NULL || grid_columns_parse(list, &columns, &cause))
		return true;
	cli_print_cause(cmd, xasprintf("%s: %s", from, cause));
	free(cause);
	return false;
}

static bool open_model(const struct cmd_entry *cmd, struct app *app)
{
	const struct app_options *opt = &app->opt;
	bool connect = !opt->no_connect && !opt->follow && !opt->replay;
	struct session_options open;
	cli_options_init(&open, cmd);
	open.config_path = opt->config_path;
	open.journal_path = opt->journal_path;
	/* A viewer never creates a journal. */
	if (!connect)
		open.journal = SESSION_JOURNAL_READ;
	if (opt->replay) {
		open.fleet = SESSION_FLEET_REPLAY;
		open.replay_from = opt->replay_from;
		open.replay_to = opt->replay_to;
	}
	if (!cli_session_load_config(cmd, &open, &app->session))
		return false;
	char *cause = NULL;
	if (!apply_flags(&app->session.config, opt, &cause)) {
		cli_print_cause(cmd, cause);
		return false;
	}
	if (opt->filter != NULL && !view_set_filter(app->session.view, opt->filter, &cause)) {
		cli_print_cause(cmd, xasprintf("--filter: %s", cause));
		free(cause);
		return false;
	}
	if (opt->sort != NULL && !view_set_sort(app->session.view, opt->sort, &cause)) {
		cli_print_cause(cmd, xasprintf("--sort: %s", cause));
		free(cause);
		return false;
	}
	if (!check_columns(cmd, app))
		return false;
	if (!cli_session_open_journal(cmd, &open, &app->session))
		return false;
	if (app->session.replay != NULL)
		replay_set_speed(app->session.replay, opt->replay_speed);
	view_refresh(app->session.view, app->session.fleet);
	app_set_cursor_row(app, 0);

	if (connect && !start_live(app, &cause)) {
		cli_print_cause(cmd, cause);
		return false;
	} else if (!connect && !opt->replay) {
		app->following = true;
	}
	return alerts_ui_open(app);
}

static void close_model(struct app *app)
{
	if (app->session.live != NULL) {
		char *cause = NULL;
		uint64_t lost = 0;
		app->lost_data = !live_status(app->session.live)->recording;
		if (!session_stop_live(&app->session, &lost, &cause)) {
			fprintf(stderr, "thingtop: %s\n", cause != NULL ? cause : "cannot commit the journal");
			if (lost > 0)
				fprintf(stderr, "thingtop: %" PRIu64 " message(s) received and acknowledged to the"
				        " broker could not be journaled: they are lost\n", lost);
			app->lost_data = true;
			free(cause);
		}
	}
	alerts_ui_close(app);
	session_close(&app->session);
}

static bool locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

/* The theme asked for (else the config's), or with fewer than 256 colours
 * and none asked for, the one made for 8 and 16 colours, readable on dark
 * and light backgrounds. The error shows in the status line. */
static void choose_theme(struct app *app)
{
	const char *theme_name = app->opt.theme != NULL ? app->opt.theme : app->session.config.ui.theme;
	bool theme_chosen = app->opt.theme != NULL ||
	                    (theme_name != NULL && strcmp(theme_name, "default") != 0);
	int colors = tigetnum("colors");  /* COLORS is set only by start_color */
	if (!theme_chosen && term_color_wanted() && has_colors() && colors >= 0 && colors < 256) {
		struct theme basic;
		if (theme_load(&basic, "16color", NULL))
			app->theme = basic;
	}
}

static int monitor_run(const struct cmd_entry *cmd, const struct app_options *opt)
{
	struct app *app = xcalloc(1, sizeof *app);
	app->opt = *opt;
	setlocale(LC_ALL, "");
	if (!open_model(cmd, app)) {
		close_model(app);
		free(app);
		return 1;
	}
	const struct config *config = &app->session.config;
	draw_set_ascii(app->opt.ascii || config->ui.ascii || !locale_is_utf8());

	/* The theme is read before the screen starts; its error shows in the status line. */
	char *theme_error = NULL;
	const char *theme_name = app->opt.theme != NULL ? app->opt.theme : config->ui.theme;
	if (!theme_load(&app->theme, theme_name, &theme_error))
		theme_builtin(&app->theme);

	bool color = !app->opt.no_color && config->ui.color != CONFIG_COLOR_NEVER;
	if (config->ui.color != CONFIG_COLOR_ALWAYS && getenv("NO_COLOR") != NULL &&
	    *getenv("NO_COLOR") != '\0')
		color = false;
	if (!term_start(color, config->ui.mouse)) {
		fprintf(stderr, "thingtop: cannot start the terminal (TERM=%s)\n",
		        getenv("TERM") != NULL ? getenv("TERM") : "");
		free(theme_error);
		close_model(app);
		free(app);
		return 1;
	}
	choose_theme(app);
	theme_apply(&app->theme, term_color_wanted());
	getmaxyx(stdscr, app->rows, app->cols);
	if (theme_error != NULL) {
		app_message(app, true, "theme: %s (using the default)", theme_error);
		free(theme_error);
	}
	app_loop(app);
	term_stop();
	close_model(app);
	/* Quitting while the journal fails: what was in hand is reported
	 * above, and the status tells a script or service it happened. */
	int status = app->lost_data ? 1 : 0;
	free(app);
	return status;
}

int app_run(const struct app_options *opt)
{
	return monitor_run(cmd_find(opt->replay ? "replay" : NULL), opt);
}

int cmd_monitor(const struct cmd_entry *cmd, int argc, char **argv)
{
	struct app_options opt = { 0 };
	int status = parse_args(cmd, &opt, argc, argv);
	return status >= 0 ? status : monitor_run(cmd, &opt);
}
