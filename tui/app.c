/* The monitor's frame (header, footer, status line), its keys and the
 * model's callbacks; the loop is app_loop.c, the screens screen.c and
 * their own files, the ":" commands app_commands.c. */
#include "build_config.h"

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "draw.h"
#include "export.h"
#include "live.h"
#include "rebuild.h"
#include "replay.h"
#include "term.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

#define MIN_COLS 60
#define MIN_ROWS 16

void app_message(struct app *app, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(app->message, sizeof app->message, fmt, ap);
	va_end(ap);
	app->message_error = error;
	app->message_until_ms = time_mono_ms() + (error ? 8000 : 4000);
	app->dirty = true;
}

int64_t app_now_ms(const struct app *app)
{
	return app->replay != NULL ? replay_clock(app->replay) : time_now_ms();
}

uint64_t app_upto_seq(const struct app *app)
{
	return app->replay != NULL ? replay_position(app->replay) : UINT64_MAX;
}

void app_refresh_view(struct app *app)
{
	view_refresh(app->view, app->fleet);
	app->last_view_ms = time_mono_ms();
	app->data_dirty = false;
	app->dirty = true;
	grid_keep_cursor(app);
}

bool app_set_filter(struct app *app, const char *expr)
{
	char *cause = NULL;
	if (!view_set_filter(app->view, expr, &cause)) {
		app_message(app, true, "filter: %s", cause != NULL ? cause : "invalid");
		free(cause);
		return false;
	}
	grid_set_drill(app, "");
	app_refresh_view(app);
	return true;
}

bool app_set_theme(struct app *app, const char *name)
{
	char *cause = NULL;
	struct theme theme;
	if (!theme_load(&theme, name, &cause)) {
		app_message(app, true, "theme: %s (keeping \"%s\")", cause, app->theme.name);
		free(cause);
		return false;
	}
	app->theme = theme;
	theme_apply(&app->theme, term_color_wanted());
	clearok(curscr, TRUE);
	app->dirty = true;
	return true;
}

void app_export(struct app *app, const char *path)
{
	char *made = NULL;
	if (path == NULL || *path == '\0') {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
		char cwd[4096];
		if (getcwd(cwd, sizeof cwd) == NULL)
			snprintf(cwd, sizeof cwd, ".");
		made = xasprintf("%s/thingtop-%s.csv", cwd, stamp);
		path = made;
	}
	char *cause = NULL;
	if (export_view_csv_file(app->view, app->fleet, path, &cause)) {
		char safe[1024];
		text_escape(path, strlen(path), safe, sizeof safe, draw_ascii());
		app_message(app, false, "exported %zu rows to %s", view_count(app->view), safe);
	} else {
		app_message(app, true, "export: %s", cause != NULL ? cause : "failed");
		free(cause);
	}
	free(made);
}

void app_open_activity(struct app *app, uint32_t thing_index)
{
	if (app->journal == NULL) {
		app_message(app, true, "no journal: the activity log needs one");
		return;
	}
	if (activity_load(app, thing_index))
		app_show(app, SCREEN_ACTIVITY);
}

void app_open_timeline(struct app *app)
{
	app_show(app, SCREEN_TIMELINE);
}

/* THINGTOP_UI_TIMING=FILE: each key's time to the finished screen is
 * appended to FILE (tests/bench/bench_ui.sh reads it). */
static FILE *timing_file;
static int64_t timing_key_us;
static int timing_key;
/* THINGTOP_UI_FRAMES=FILE: each frame appends "frame T BUSY", T its
 * CLOCK_MONOTONIC end in ms and BUSY the longest loop turn (poll return to
 * the next poll) since the previous frame: what a key may wait
 * (tests/bench/bench_ui_live.sh reads it). */
static FILE *frames_file;
static int64_t turn_max_us, turn_start_us;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void app_timing_note(const char *fmt, ...)
{
	if (timing_file == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(timing_file, fmt, ap);
	va_end(ap);
	fflush(timing_file);
}

int64_t app_timing_now_us(void)
{
	return now_us();
}

void app_turn_start(void)
{
	turn_start_us = now_us();
}

void app_turn_end(void)
{
	if (frames_file != NULL && now_us() - turn_start_us > turn_max_us)
		turn_max_us = now_us() - turn_start_us;
}

void app_draw(struct app *app)
{
	getmaxyx(stdscr, app->rows, app->cols);
	erase();
	if (app->cols < MIN_COLS || app->rows < MIN_ROWS) {
		char msg[96];
		snprintf(msg, sizeof msg, "terminal too small (need %dx%d)", MIN_COLS, MIN_ROWS);
		int w = (int)strlen(msg);
		mvaddnstr(app->rows / 2, app->cols > w ? (app->cols - w) / 2 : 0, msg, app->cols);
		if (app->rows > 1)
			mvaddnstr(app->rows / 2 + 1, 0, "q quits", app->cols);
		curs_set(0);
	} else {
		struct screen *s = &app->screens[app->screen];
		s->ops->draw(app, s->data);
		if (app->help)
			help_draw(app, s->ops);
		app_draw_status_line(app);
	}
	refresh();
	app->dirty = false;
	app->last_draw_ms = time_mono_ms();
	if (timing_file != NULL && timing_key_us != 0) {
		fprintf(timing_file, "key %d %.3f ms\n", timing_key, (double)(now_us() - timing_key_us) / 1000.0);
		fflush(timing_file);
		timing_key_us = 0;
	}
	if (frames_file != NULL) {
		fprintf(frames_file, "frame %.3f %.3f\n", (double)now_us() / 1000.0,
		        (double)turn_max_us / 1000.0);
		fflush(frames_file);
		turn_max_us = 0;
	}
}

/* ---- Keys ---- */

static void prompt_done(struct app *app, enum prompt_result result)
{
	enum prompt_kind kind = app->prompt.kind;
	char text[PROMPT_MAX];
	memcpy(text, app->prompt.text, sizeof text);
	prompt_close(&app->prompt);
	switch (kind) {
	case PROMPT_FILTER:
		if (result == PROMPT_CANCEL)
			app_set_filter(app, "");
		else
			app_set_filter(app, text);
		break;
	case PROMPT_FIND:
		if (result == PROMPT_ACCEPT && text[0] != '\0')
			grid_find(app, text);
		break;
	case PROMPT_COMMAND:
		if (result == PROMPT_ACCEPT)
			app_command(app, text);
		break;
	case PROMPT_NONE:
		break;
	}
}

static void handle_key(struct app *app, int key)
{
	app->dirty = true;
	if (key == KEY_CTRL('c')) {
		app->quit = true;
		return;
	}
	if (key == KEY_FN(KEY_RESIZE)) {
		getmaxyx(stdscr, app->rows, app->cols);
		clearok(curscr, TRUE);
		return;
	}
	if (app->prompt.kind != PROMPT_NONE) {
		enum prompt_result r = prompt_key(&app->prompt, key);
		if (r != PROMPT_EDITING) {
			prompt_done(app, r);
		} else if (app->prompt.kind == PROMPT_FILTER) {
			/* Live preview, once per batch of keys (see read_keys). */
			app->filter_preview = true;
		}
		return;
	}
	if (app->help) {
		app->help = false;
		return;
	}
	if (app->cols < MIN_COLS || app->rows < MIN_ROWS) {
		if (key == 'q')
			app->quit = true;
		return;
	}
	if (replay_key(app, key))
		return;
	struct screen *s = &app->screens[app->screen];
	if (s->ops->key(app, s->data, key))
		return;
	switch (key) {
	case '?':
	case KEY_FN(KEY_F(1)):
		app->help = true;
		break;
	case KEY_FN(KEY_F(10)):
		app->quit = true;
		break;
	case KEY_CTRL('z'):
		/* Suspend like the terminal's own Ctrl-Z would (raw mode took
		 * it from the terminal): the whole job stops, and curses brings
		 * the screen back when the shell's `fg` continues us. */
		endwin();
		kill(0, SIGTSTP);
		clearok(curscr, TRUE);
		break;
	case ':':
		prompt_open(&app->prompt, PROMPT_COMMAND, NULL);
		break;
	case KEY_CTRL('s'):
		app_export(app, NULL);
		break;
	case 'Z':
		app->paused = !app->paused;
		if (!app->paused && app->data_dirty)
			app_refresh_view(app);
		app_message(app, false, app->paused ? "paused: events are still recorded (Z resumes)" :
		            "resumed");
		break;
	case KEY_CTRL('l'):
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
}

/* Applies the filter being typed; a half-typed term that does not parse
 * yet keeps the old rows. */
static void preview_filter(struct app *app)
{
	app->filter_preview = false;
	if (app->prompt.kind != PROMPT_FILTER)
		return;
	char *cause = NULL;
	if (view_set_filter(app->view, app->prompt.text, &cause)) {
		grid_set_drill(app, "");
		app_refresh_view(app);
		app->message[0] = '\0';
	} else {
		app_message(app, true, "%s", cause != NULL ? cause : "invalid filter");
		free(cause);
	}
}

void app_read_keys(struct app *app)
{
	if (app->filter_preview)
		preview_filter(app);
	for (int i = 0; i < 256; i++) {
		wint_t wch;
		int r = get_wch(&wch);
		if (r == ERR)
			break;
		if (timing_file != NULL && timing_key_us == 0) {
			timing_key_us = now_us();
			timing_key = (int)wch;
		}
		handle_key(app, r == KEY_CODE_YES ? KEY_FN((int)wch) : (int)wch);
		if (app->quit)
			break;
	}
	if (app->filter_preview)
		preview_filter(app);
}

/* ---- Live data ---- */

static void on_message(void *ctx, const struct event *event)
{
	struct app *app = ctx;
	(void)event;
	alerts_ui_event(app);
	app_loop_alerts_due(app);
	app->events++;
	app->data_dirty = true;
}

static void on_change(void *ctx, const struct live_status *live)
{
	struct app *app = ctx;
	const struct mqtt_status *status = live->broker;
	if (!live->recording)
		snprintf(app->not_recording, sizeof app->not_recording, "NOT RECORDING: %s (retrying)",
		         live->journal_error);
	else
		app->not_recording[0] = '\0';
	app->dirty = true;
	if (status == NULL)
		return;
	if (status->state == MQTT_CONNECTED && status->filters_refused > 0)
		snprintf(app->refused, sizeof app->refused, "subscription refused: %s", status->refused);
	else if (*live->rate_warning)
		snprintf(app->refused, sizeof app->refused, "%s", live->rate_warning);
	else if (status->state == MQTT_CONNECTED)
		app->refused[0] = '\0';
	char host[64];
	text_escape(app->config.broker.host != NULL ? app->config.broker.host : "?",
	            app->config.broker.host != NULL ? strlen(app->config.broker.host) : 1,
	            host, sizeof host, false);
	snprintf(app->broker_state, sizeof app->broker_state, "%s:%d", host, app->config.broker.port);
	snprintf(app->conn_state, sizeof app->conn_state, "%s", mqtt_state_name(status->state));
	/* The whole reason, where it has room: the status line. */
	if (status->state == MQTT_BACKING_OFF || status->state == MQTT_STOPPED)
		app_message(app, true, "broker %s: %s%s%s", app->broker_state,
		            mqtt_state_name(status->state),
		            status->reason != NULL && *status->reason != '\0' ? ": " : "",
		            status->reason != NULL ? status->reason : "");
}

static void run(struct app *app)
{
	app_loop_run(app);
}

/* ---- Setup ---- */

static const char usage[] =
	"usage: thingtop [-j JOURNAL] [--no-connect] [--follow] [--broker HOST[:PORT]] [-c CONFIG]\n"
	"                [--theme NAME] [--no-color] [--ascii] [--filter EXPR] [--sort SPEC]\n"
	"       thingtop COMMAND ...   (import, export, record, simulate, demo; see thingtop --help)\n"
	"\n"
	"  -j, --journal FILE   the event journal (default: %s)\n"
	"  --no-connect         show the journal only (follows it while another process writes)\n"
	"  --follow             the same: follow a journal that `thingtop record` writes\n"
	"  --broker HOST[:PORT] the MQTT broker (overrides the config)\n"
	"  --aws-endpoint HOST  AWS IoT Core: HOST, port 443, ALPN, the Amazon root CA\n"
	"  --cafile F, --capath D, --cert F, --key F, --alpn P, -V 311|5\n"
	"                       TLS and protocol as for mosquitto_sub\n"
	"  --id CLIENT_ID       MQTT client id (default: the journal's own, so a restart\n"
	"                       resumes the broker session)\n"
	"  --clean-session      start a new broker session (what it queued is dropped)\n"
	"  -c, --config FILE    the config file\n"
	"  --theme NAME         dark, light, 16color, high-contrast, mono, or a .theme file\n"
	"  --no-color           no colours (also NO_COLOR=1)\n"
	"  --ascii              ASCII only: no UTF-8 glyphs or borders\n"
	"  --filter EXPR        start with this filter (see ? in the grid)\n"
	"  --sort SPEC          start with this sort, e.g. -since or status,client_id\n";

static void print_usage(FILE *out)
{
	char *path = journal_default_path();
	fprintf(out, usage, path != NULL ? path : "~/.local/state/thingtop/journal.db");
	free(path);
}

static int parse_args(struct app_options *opt, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **target = NULL;
		if (strcmp(a, "-j") == 0 || strcmp(a, "--journal") == 0)
			target = &opt->journal_path;
		else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
			target = &opt->config_path;
		else if (strcmp(a, "--broker") == 0)
			target = &opt->broker;
		else if (strcmp(a, "--id") == 0)
			target = &opt->client_id;
		else if (strcmp(a, "--cafile") == 0)
			target = &opt->cafile;
		else if (strcmp(a, "--capath") == 0)
			target = &opt->capath;
		else if (strcmp(a, "--cert") == 0)
			target = &opt->cert;
		else if (strcmp(a, "--key") == 0)
			target = &opt->key;
		else if (strcmp(a, "--alpn") == 0)
			target = &opt->alpn;
		else if (strcmp(a, "-V") == 0 || strcmp(a, "--protocol") == 0)
			target = &opt->protocol;
		else if (strcmp(a, "--aws-endpoint") == 0)
			target = &opt->aws_endpoint;
		else if (strcmp(a, "--clean-session") == 0)
			opt->clean_session = true;
		else if (strcmp(a, "--theme") == 0)
			target = &opt->theme;
		else if (strcmp(a, "--filter") == 0)
			target = &opt->filter;
		else if (strcmp(a, "--sort") == 0)
			target = &opt->sort;
		else if (strcmp(a, "--no-connect") == 0)
			opt->no_connect = true;
		else if (strcmp(a, "--follow") == 0)
			opt->follow = true;
		else if (strcmp(a, "--no-color") == 0 || strcmp(a, "--no-colour") == 0)
			opt->no_color = true;
		else if (strcmp(a, "--ascii") == 0)
			opt->ascii = true;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			print_usage(stdout);
			return 0;
		} else {
			/* --opt=value */
			const char *eq = strchr(a, '=');
			static const char *const with_value[] = { "--journal", "--config", "--broker", "--theme",
			                                          "--filter", "--sort" };
			if (eq != NULL) {
				for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
					size_t n = strlen(with_value[k]);
					if ((size_t)(eq - a) == n && strncmp(a, with_value[k], n) == 0) {
						const char **t[] = { &opt->journal_path, &opt->config_path, &opt->broker,
						                     &opt->theme, &opt->filter, &opt->sort };
						*t[k] = eq + 1;
						goto next;
					}
				}
			}
			fprintf(stderr, "thingtop: unknown option \"%s\"\n", a);
			print_usage(stderr);
			return 2;
		}
		if (target != NULL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "thingtop: %s needs a value\n", a);
				return 2;
			}
			*target = argv[++i];
		}
next:;
	}
	return -1;
}

static bool open_model(struct app *app)
{
	char *cause = NULL;
	const struct app_options *opt = &app->opt;
	bool connect = !opt->no_connect && !opt->follow && !opt->replay;

	if (!config_load(&app->config, opt->config_path, &cause)) {
		fprintf(stderr, "thingtop: %s\n", cause);
		free(cause);
		return false;
	}
	const struct config_flags flags = {
		.broker = opt->broker, .aws_endpoint = opt->aws_endpoint, .cafile = opt->cafile,
		.capath = opt->capath, .cert = opt->cert, .key = opt->key, .alpn = opt->alpn,
		.protocol = opt->protocol, .qos = -1,
	};
	if (!config_apply_flags(&app->config, &flags, &cause)) {
		fprintf(stderr, "thingtop: %s\n", cause);
		free(cause);
		return false;
	}
	if (opt->client_id != NULL) {
		free(app->config.broker.client_id);
		app->config.broker.client_id = xstrdup(opt->client_id);
	}
	if (opt->clean_session)
		app->config.broker.clean_session = true;
	if (opt->journal_path != NULL)
		app->journal_path = xstrdup(opt->journal_path);
	else if (app->config.journal.path != NULL)
		app->journal_path = xstrdup(app->config.journal.path);
	else
		app->journal_path = journal_default_path();

	/* A viewer never creates a journal. A missing file is far more often a
	 * wrong -j than a recorder not started yet, so say so and exit instead
	 * of waiting for it. */
	struct stat st;
	if (!connect && stat(app->journal_path, &st) != 0 && errno == ENOENT) {
		fprintf(stderr, "thingtop: no journal at %s (a viewer only reads a journal: start "
		        "`thingtop record -j FILE` first, or give the right -j)\n", app->journal_path);
		return false;
	}
	app->journal = journal_open_mode(app->journal_path, connect ? JOURNAL_READ_WRITE : JOURNAL_READ_ONLY,
	                                 app->config.journal.mode, &cause);
	if (app->journal == NULL) {
		fprintf(stderr, "thingtop: %s\n", cause != NULL ? cause : "cannot open the journal");
		free(cause);
		return false;
	}
	if (opt->replay) {
		struct replay_range range;
		if (!replay_range_parse(&range, app->journal, opt->replay_from, opt->replay_to, &cause)) {
			fprintf(stderr, "thingtop replay: %s\n", cause);
			free(cause);
			return false;
		}
		app->replay = replay_create(app->journal, &app->config.reconcile, &range, &cause);
		if (app->replay == NULL) {
			fprintf(stderr, "thingtop replay: %s\n", cause != NULL ? cause : "cannot read the journal");
			free(cause);
			return false;
		}
		replay_set_speed(app->replay, opt->replay_speed);
		app->fleet = replay_fleet(app->replay);
	} else {
		app->fleet = rebuild_fleet(app->journal, &app->config.reconcile, 0, &cause);
	}
	if (app->fleet == NULL) {
		fprintf(stderr, "thingtop: %s\n", cause != NULL ? cause : "cannot read the journal");
		free(cause);
		return false;
	}
	app->view = view_create();
	if (opt->filter != NULL && !view_set_filter(app->view, opt->filter, &cause)) {
		fprintf(stderr, "thingtop: --filter: %s\n", cause);
		free(cause);
		return false;
	}
	if (opt->sort != NULL && !view_set_sort(app->view, opt->sort, &cause)) {
		fprintf(stderr, "thingtop: --sort: %s\n", cause);
		free(cause);
		return false;
	}
	view_refresh(app->view, app->fleet);
	app_set_cursor_row(app, 0);

	if (connect) {
		/* The live monitor journals like `thingtop record`: the same
		 * periodic snapshots and retention. */
		journal_set_retention(app->journal, app->config.journal.retain_ms,
		                      app->config.journal.max_size);
		ingest_init(&app->ingest, app->journal, app->fleet);
		app->ingest.snapshot_every = INGEST_SNAPSHOT_EVERY;
		const struct live_options options = { .retry = true };
		const struct live_callbacks callbacks = { .on_message = on_message, .on_change = on_change };
		app->live_source = live_create(&app->config, &app->ingest, &options, &callbacks, app, &cause);
		if (app->live_source == NULL) {
			fprintf(stderr, "thingtop: %s\n", cause != NULL ? cause : "cannot set up MQTT");
			free(cause);
			return false;
		}
		app->live = true;
		/* No warning merely because the client certificate is not
		 * signed by the server's CA (normal on AWS IoT): the chain
		 * check only explains a refusal (mqtt_source.c). */
		snprintf(app->broker_state, sizeof app->broker_state, "%s:%d",
		         app->config.broker.host != NULL ? app->config.broker.host : "?",
		         app->config.broker.port);
		snprintf(app->conn_state, sizeof app->conn_state, "connecting");
	} else if (!opt->replay) {
		app->following = true;
	}
	return alerts_ui_open(app);
}

static void close_model(struct app *app)
{
	if (app->live_source != NULL) {
		char *cause = NULL;
		uint64_t lost = 0;
		app->lost_data = !live_status(app->live_source)->recording;
		if (!live_stop(app->live_source, &lost, &cause)) {
			fprintf(stderr, "thingtop: %s\n", cause != NULL ? cause : "cannot commit the journal");
			if (lost > 0)
				fprintf(stderr, "thingtop: %" PRIu64 " message(s) received and acknowledged to the"
				        " broker could not be journaled: they are lost\n", lost);
			app->lost_data = true;
			free(cause);
		}
		live_destroy(app->live_source);
	}
	alerts_ui_close(app);
	view_destroy(app->view);
	if (app->replay != NULL)
		replay_destroy(app->replay);        /* owns the fleet */
	else
		fleet_destroy(app->fleet);
	journal_close(app->journal);
	free(app->journal_path);
	config_finish(&app->config);
}

static bool locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

int app_main(int argc, char **argv)
{
	struct app_options opt = { 0 };
	int rc = parse_args(&opt, argc, argv);
	if (rc >= 0)
		return rc;
	return app_run(&opt);
}

int app_run(const struct app_options *opt)
{
	struct app *app = xcalloc(1, sizeof *app);
	app->opt = *opt;
	setlocale(LC_ALL, "");
	if (!open_model(app)) {
		close_model(app);
		free(app);
		return 1;
	}
	draw_set_ascii(app->opt.ascii || app->config.ui.ascii || !locale_is_utf8());

	/* The theme is read before the screen starts; its error shows in the status line. */
	char *theme_error = NULL;
	const char *theme_name = app->opt.theme != NULL ? app->opt.theme : app->config.ui.theme;
	if (!theme_load(&app->theme, theme_name, &theme_error))
		theme_builtin(&app->theme);

	bool color = !app->opt.no_color && app->config.ui.color != CONFIG_COLOR_NEVER;
	if (app->config.ui.color != CONFIG_COLOR_ALWAYS && getenv("NO_COLOR") != NULL &&
	    *getenv("NO_COLOR") != '\0')
		color = false;
	if (!term_start(color, app->config.ui.mouse)) {
		fprintf(stderr, "thingtop: cannot start the terminal (TERM=%s)\n",
		        getenv("TERM") != NULL ? getenv("TERM") : "");
		free(theme_error);
		close_model(app);
		free(app);
		return 1;
	}
	/* Fewer than 256 colours and no theme asked for: the one made for 8
	 * and 16 colours, readable on dark and light backgrounds. */
	bool theme_chosen = app->opt.theme != NULL ||
	                    (theme_name != NULL && strcmp(theme_name, "default") != 0);
	int colors = tigetnum("colors");  /* COLORS is set only by start_color */
	if (!theme_chosen && term_color_wanted() && has_colors() && colors >= 0 && colors < 256) {
		struct theme basic;
		if (theme_load(&basic, "16color", NULL))
			app->theme = basic;
	}
	theme_apply(&app->theme, term_color_wanted());
	getmaxyx(stdscr, app->rows, app->cols);
	if (theme_error != NULL) {
		app_message(app, true, "theme: %s (using the default)", theme_error);
		free(theme_error);
	}
	const char *timing = getenv("THINGTOP_UI_TIMING");
	if (timing != NULL && *timing != '\0')
		timing_file = fopen(timing, "a");
	const char *frames = getenv("THINGTOP_UI_FRAMES");
	if (frames != NULL && *frames != '\0')
		frames_file = fopen(frames, "a");
	run(app);
	term_stop();
	if (timing_file != NULL)
		fclose(timing_file);
	if (frames_file != NULL)
		fclose(frames_file);
	close_model(app);
	/* Quitting while the journal fails: what was in hand is reported
	 * above, and the status tells a script or service it happened. */
	int status = app->lost_data ? 1 : 0;
	free(app);
	return status;
}
