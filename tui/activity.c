/* The activity log of one thing: its journal rows newest first, like the
 * AWS console's activity panel, with duplicates and out-of-order arrivals
 * marked, and the raw JSON of one event on Enter. */
#include "build_config.h"

#include <curses.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "payload_topics.h"
#include "text.h"
#include "timefmt.h"
#include "xalloc.h"

#define ACTIVITY_LIMIT 5000
/* An event time this far past its receive time is a clock running ahead. */
#define CLOCK_AHEAD_MS 2000

struct act_row {
	uint64_t seq;
	int64_t received_ms;
	int64_t timestamp_ms;
	enum event_type type;
	bool has_version;
	int64_t version;
	char *session;
	char *detail;            /* reason, ip, topics: what this event type carries */
	char *topic;
	char *payload;
	size_t payload_len;
	bool duplicate;
	bool out_of_order;
	bool gap;                /* not an event: the recorder was not listening here */
};

struct activity {
	uint32_t thing_index;
	char *client_id;
	struct act_row *rows;
	size_t count, cap;
	size_t cursor, top;
	bool autoscroll, wrap, timestamps;
	int64_t loaded_received_ms;   /* the thing's last_received_ms when loaded */
	uint64_t upto_seq;            /* rows past it are not shown (replay) */
	int64_t recheck_ms;           /* reload once more then: the writer commits late */
	int page;
	/* raw JSON of one event */
	bool raw;
	char **lines;
	size_t line_count, line_top;
};

static struct activity *act_of(const struct app *app)
{
	return app_screen_data(app, SCREEN_ACTIVITY);
}

static void *activity_create(struct app *app)
{
	(void)app;
	struct activity *a = xcalloc(1, sizeof *a);
	a->autoscroll = true;
	a->timestamps = true;
	return a;
}

static void free_lines(struct activity *a)
{
	for (size_t i = 0; i < a->line_count; i++)
		free(a->lines[i]);
	free(a->lines);
	a->lines = NULL;
	a->line_count = 0;
	a->line_top = 0;
	a->raw = false;
}

static void free_rows(struct activity *a)
{
	for (size_t i = 0; i < a->count; i++) {
		free(a->rows[i].session);
		free(a->rows[i].detail);
		free(a->rows[i].topic);
		free(a->rows[i].payload);
	}
	a->count = 0;
}

static void activity_destroy(void *data)
{
	struct activity *a = data;
	if (a == NULL)
		return;
	free_rows(a);
	free(a->rows);
	free_lines(a);
	free(a->client_id);
	free(a);
}

static bool collect(void *ctx, const struct journal_row *row)
{
	struct activity *a = ctx;
	if (row->seq > a->upto_seq)
		return true;
	if (a->count == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->rows = xreallocarray(a->rows, a->cap, sizeof *a->rows);
	}
	struct act_row *r = &a->rows[a->count++];
	memset(r, 0, sizeof *r);
	r->seq = row->seq;
	r->received_ms = row->received_ms;
	r->timestamp_ms = row->timestamp_ms;
	r->type = row->type;
	r->has_version = row->has_version;
	r->version = row->version;
	r->session = xstrdup(row->session_id != NULL ? row->session_id : "");
	r->topic = row->topic != NULL ? xstrndup(row->topic, row->topic_len) : xstrdup("");
	r->payload_len = row->payload != NULL ? row->payload_len : 0;
	r->payload = xmalloc(r->payload_len + 1);
	if (r->payload_len > 0)
		memcpy(r->payload, row->payload, r->payload_len);
	r->payload[r->payload_len] = '\0';

	const char *reason = row->reason != NULL ? row->reason : "";
	const char *ip = row->ip != NULL ? row->ip : "";
	switch (row->type) {
	case EVENT_CONNECTED:
		r->detail = xasprintf("ip %s", *ip ? ip : "-");
		break;
	case EVENT_DISCONNECTED:
		r->detail = xstrdup(*reason ? reason : "-");
		break;
	case EVENT_CONNECT_FAILED:
		r->detail = xasprintf("%s%s%s", reason, *ip ? "  ip " : "", ip);
		break;
	case EVENT_SUBSCRIBED:
	case EVENT_UNSUBSCRIBED: {
		char *topics = payload_topics(r->payload, r->payload_len);
		r->detail = topics != NULL ? topics : xstrdup("");
		break;
	}
	default:
		r->detail = xstrdup(reason);
		break;
	}
	return true;
}

/* Marks duplicates by the reconciler's own rule (a scratch fleet of this
 * one thing sees its rows in receive order, as the real one did) and
 * out-of-order arrivals (older timestamp than something received before):
 * rows are newest first. */
static void mark_rows(struct activity *a, const struct fleet_config *config)
{
	struct fleet *scratch = fleet_create(config);
	int64_t newest_ts = INT64_MIN;
	for (size_t k = a->count; k-- > 0;) {
		struct act_row *r = &a->rows[k];
		const struct fleet_event ev = {
			.type = r->type, .client_id = a->client_id, .timestamp_ms = r->timestamp_ms,
			.received_ms = r->received_ms, .has_version = r->has_version, .version = r->version,
			.session_id = r->session, .reason = "", .ip = "", .seq = r->seq,
		};
		struct fleet_result result;
		fleet_apply(scratch, &ev, &result);
		r->duplicate = result.duplicate;
		if (r->timestamp_ms != 0) {
			if (r->timestamp_ms < newest_ts)
				r->out_of_order = true;
			else
				newest_ts = r->timestamp_ms;
		}
	}
	fleet_destroy(scratch);
}

/* Room for one more row at `at`, the rows from there moved down. */
static struct act_row *insert_row(struct activity *a, size_t at)
{
	if (a->count == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->rows = xreallocarray(a->rows, a->cap, sizeof *a->rows);
	}
	memmove(&a->rows[at + 1], &a->rows[at], (a->count - at) * sizeof *a->rows);
	a->count++;
	memset(&a->rows[at], 0, sizeof a->rows[at]);
	return &a->rows[at];
}

/* A gap with events lost that falls after this thing's oldest row shown
 * gets a row of its own where it happened: what the log shows around it
 * may be missing events. */
static bool add_gap(void *ctx, const struct journal_gap *gap)
{
	struct activity *a = ctx;
	if (!gap->lost || a->count == 0 || gap->after_seq < a->rows[a->count - 1].seq ||
	    gap->after_seq >= a->upto_seq)
		return true;
	size_t at = 0;
	while (at < a->count && a->rows[at].seq > gap->after_seq)
		at++;
	char from[TIME_ISO_SIZE], to[TIME_ISO_SIZE];
	time_format_iso(gap->from_ms, from, sizeof from);
	if (gap->to_ms == INT64_MAX)
		snprintf(to, sizeof to, "now");
	else
		time_format_iso(gap->to_ms, to, sizeof to);
	struct act_row *r = insert_row(a, at);
	r->gap = true;
	r->seq = gap->after_seq;
	r->received_ms = gap->from_ms;
	r->timestamp_ms = gap->from_ms;
	r->type = EVENT_IGNORED;
	r->session = xstrdup("");
	r->topic = xstrdup("");
	r->payload = xstrdup("");
	r->detail = xasprintf("recorder not listening %s .. %s: events of this time are missing (%s)",
	                      from, to, gap->why);
	return true;
}

bool activity_load(struct app *app, uint32_t thing_index)
{
	struct activity *a = act_of(app);
	const struct fleet_thing *thing = fleet_thing_at(app->session.fleet, thing_index);
	uint64_t keep_seq = a->thing_index == thing_index && a->cursor < a->count ? a->rows[a->cursor].seq : 0;
	bool same = a->thing_index == thing_index && a->client_id != NULL;
	free_rows(a);
	if (!same) {
		free_lines(a);
		a->cursor = a->top = 0;
		/* The receive time only fits beside the rest in a wide terminal. */
		a->timestamps = app->cols >= 100;
	}
	a->thing_index = thing_index;
	free(a->client_id);
	a->client_id = xstrdup(thing->client_id);
	a->loaded_received_ms = thing->last_received_ms;
	a->upto_seq = app_upto_seq(app);

	char *cause = NULL;
	if (!journal_thing_events(app->session.journal, thing->id, ACTIVITY_LIMIT, collect, a, &cause)) {
		app_message(app, true, "activity: %s", cause != NULL ? cause : "cannot read the journal");
		free(cause);
		return false;
	}
	mark_rows(a, &app->session.config.reconcile);
	if (!journal_gaps(app->session.journal, add_gap, a, &cause)) {
		app_message(app, true, "activity: %s", cause != NULL ? cause : "cannot read the gaps");
		free(cause);
	}
	if (same && !a->autoscroll && keep_seq != 0) {
		for (size_t i = 0; i < a->count; i++) {
			if (a->rows[i].seq == keep_seq)
				a->cursor = i;
		}
	} else if (same && a->autoscroll) {
		a->cursor = 0;
	}
	if (a->cursor >= a->count)
		a->cursor = a->count > 0 ? a->count - 1 : 0;
	return true;
}

static void activity_update(struct app *app, void *data)
{
	struct activity *a = data;
	if (a->client_id == NULL)
		return;
	if (a->thing_index >= fleet_count(app->session.fleet)) {
		/* A replay went back to before this thing's first event. */
		app_show(app, SCREEN_GRID);
		return;
	}
	const struct fleet_thing *thing = fleet_thing_at(app->session.fleet, a->thing_index);
	int64_t now = time_mono_ms();
	if (thing->last_received_ms != a->loaded_received_ms) {
		a->recheck_ms = now + 600;
	} else if (a->recheck_ms == 0 || now < a->recheck_ms) {
		return;
	} else {
		a->recheck_ms = 0;
	}
	activity_load(app, a->thing_index);
	app->dirty = true;
}

static const char *type_label(enum event_type type)
{
	return event_type_name(type);
}

static void format_time(const struct activity *a, int64_t ms, bool with_date, char *buf, size_t size)
{
	char iso[TIME_ISO_SIZE];
	if (ms == 0) {
		snprintf(buf, size, "-");
		return;
	}
	time_format_iso(ms, iso, sizeof iso);
	/* "2026-01-01T03:10:05.123Z" -> "01-01 03:10:05.123" or "03:10:05.123" */
	if (strlen(iso) < 23) {
		snprintf(buf, size, "%s", iso);
		return;
	}
	(void)a;
	if (with_date)
		snprintf(buf, size, "%.5s %.12s", iso + 5, iso + 11);
	else
		snprintf(buf, size, "%.12s", iso + 11);
}

static void draw_raw(struct app *app)
{
	struct activity *a = act_of(app);
	int first = 2, rows = app->rows - first - 2;
	if (a->line_top + (size_t)rows > a->line_count)
		a->line_top = a->line_count > (size_t)rows ? a->line_count - (size_t)rows : 0;
	for (int r = 0; r < rows; r++) {
		size_t i = a->line_top + (size_t)r;
		draw_fill(first + r, 0, app->cols, theme_attr(THEME_NORMAL));
		if (i < a->line_count)
			draw_untrusted(first + r, 1, app->cols - 2, a->lines[i], strlen(a->lines[i]),
			               theme_attr(THEME_NORMAL), false);
	}
}

static void open_raw(struct app *app)
{
	struct activity *a = act_of(app);
	if (a->cursor >= a->count || a->rows[a->cursor].gap)
		return;
	const struct act_row *r = &a->rows[a->cursor];
	free_lines(a);
	char *text = NULL;
	json_error_t err;
	json_t *root = json_loadb(r->payload, r->payload_len, JSON_DECODE_ANY, &err);
	if (root != NULL) {
		char *dump = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
		json_decref(root);
		text = xasprintf("topic: %s\nseq %llu\n\n%s", r->topic, (unsigned long long)r->seq,
		                 dump != NULL ? dump : "");
		free(dump);
	} else {
		text = xasprintf("topic: %s\nseq %llu\nnot valid JSON: %s (line %d column %d)\n\n%s", r->topic,
		                 (unsigned long long)r->seq, err.text, err.line, err.column, r->payload);
	}
	size_t cap = 16;
	a->lines = xreallocarray(NULL, cap, sizeof *a->lines);
	char *p = text;
	for (;;) {
		char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (a->line_count == cap) {
			cap *= 2;
			a->lines = xreallocarray(a->lines, cap, sizeof *a->lines);
		}
		a->lines[a->line_count++] = xstrndup(p, n);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	free(text);
	a->raw = true;
	a->line_top = 0;
}

/* Lines one row takes: one, or its detail wrapped (up to 4). */
static int row_height(const struct activity *a, const struct act_row *r, int detail_width)
{
	if (!a->wrap || detail_width <= 0)
		return 1;
	char buf[1024];
	size_t n = text_escape(r->detail, strlen(r->detail), buf, sizeof buf, draw_ascii());
	int w = (int)text_display_width(buf, n);
	int h = (w + detail_width - 1) / detail_width;
	if (h < 1)
		h = 1;
	return h > 4 ? 4 : h;
}

struct act_layout {
	int x_ts, w_ts, x_rx, w_rx, x_type, w_type, x_sess, w_sess, x_ver, w_ver, x_mark, w_mark, x_det, w_det;
};

static void act_layout(const struct app *app, struct act_layout *l)
{
	int x = 1;
	l->x_ts = x;
	l->w_ts = 18;
	x += l->w_ts + 1;
	l->x_rx = x;
	l->w_rx = act_of(app)->timestamps ? 12 : 0;
	if (l->w_rx)
		x += l->w_rx + 1;
	l->x_type = x;
	l->w_type = 12;
	x += l->w_type + 1;
	l->x_sess = x;
	l->w_sess = app->cols >= 150 ? 36 : 8;
	x += l->w_sess + 1;
	l->x_ver = x;
	l->w_ver = 3;
	x += l->w_ver + 1;
	l->x_mark = x;
	l->w_mark = 8;
	x += l->w_mark + 1;
	l->x_det = x;
	l->w_det = app->cols - x - 1;
}

static void draw_headings(struct app *app, const struct act_layout *l)
{
	int cattr = theme_attr(THEME_COLUMNS);
	draw_fill(2, 0, app->cols, cattr);
	draw_text(2, l->x_ts, l->w_ts, "EVENT TIME (UTC)", cattr, false);
	if (l->w_rx)
		draw_text(2, l->x_rx, l->w_rx, "RECEIVED", cattr, false);
	draw_text(2, l->x_type, l->w_type, "TYPE", cattr, false);
	draw_text(2, l->x_sess, l->w_sess, "SESSION", cattr, false);
	draw_text(2, l->x_ver, l->w_ver, "VER", cattr, true);
	draw_text(2, l->x_mark, l->w_mark, "MARK", cattr, false);
	draw_text(2, l->x_det, l->w_det, "REASON / IP / TOPICS", cattr, false);
}

/* Untrusted text escaped, then wrapped over at most `lines` lines of a
 * column `width` cells wide at x, never splitting a UTF-8 character. */
static void draw_wrapped(int y, int lines, int x, int width, const char *text, int attr)
{
	char esc[1024];
	size_t n = text_escape(text, strlen(text), esc, sizeof esc, draw_ascii());
	size_t at = 0;
	for (int k = 0; k < lines && at < n; k++) {
		/* Take as many bytes as fit in the column. */
		size_t take = 0;
		int cells = 0;
		while (at + take < n) {
			size_t cl = 1;
			while (at + take + cl < n && (esc[at + take + cl] & 0xc0) == 0x80)
				cl++;
			int cw = (int)text_display_width(esc + at + take, cl);
			if (cells + cw > width)
				break;
			cells += cw;
			take += cl;
		}
		if (take == 0)
			break;
		char part[1024];
		memcpy(part, esc + at, take);
		part[take] = '\0';
		draw_text(y + k, x, width, part, attr, false);
		at += take;
	}
}

static void draw_list(struct app *app)
{
	struct activity *a = act_of(app);
	struct act_layout l;
	act_layout(app, &l);
	draw_headings(app, &l);

	int first = 3, rows = app->rows - first - 2;
	a->page = rows;
	if (a->cursor < a->top)
		a->top = a->cursor;
	/* Keep the cursor row on screen, with wrapped rows taking more lines. */
	for (;;) {
		int used = 0;
		for (size_t i = a->top; i <= a->cursor && i < a->count; i++)
			used += row_height(a, &a->rows[i], l.w_det);
		if (used <= rows || a->top >= a->cursor)
			break;
		a->top++;
	}
	int y = first;
	for (size_t i = a->top; i < a->count && y < first + rows; i++) {
		const struct act_row *r = &a->rows[i];
		bool sel = i == a->cursor;
		int attr = sel ? theme_attr(THEME_CURSOR) : theme_attr(THEME_NORMAL);
		int h = row_height(a, r, l.w_det);
		for (int k = 0; k < h && y + k < first + rows; k++)
			draw_fill(y + k, 0, app->cols, attr);
		char buf[64];
		format_time(a, r->timestamp_ms, true, buf, sizeof buf);
		draw_text(y, l.x_ts, l.w_ts, buf, attr, false);
		if (l.w_rx) {
			format_time(a, r->received_ms, false, buf, sizeof buf);
			draw_text(y, l.x_rx, l.w_rx, buf, attr, false);
		}
		int tattr = attr;
		if (!sel && r->type == EVENT_CONNECTED)
			tattr = theme_attr(THEME_CONNECTED);
		else if (!sel && (r->type == EVENT_DISCONNECTED || r->type == EVENT_CONNECT_FAILED))
			tattr = theme_attr(THEME_DISCONNECTED);
		if (r->gap)
			tattr = sel ? attr : theme_attr(THEME_ERROR);
		draw_text(y, l.x_type, l.w_type, r->gap ? "NOT HEARD" : type_label(r->type), tattr, false);
		draw_untrusted(y, l.x_sess, l.w_sess, r->session, strlen(r->session), attr, false);
		if (r->has_version)
			snprintf(buf, sizeof buf, "%lld", (long long)r->version);
		else
			snprintf(buf, sizeof buf, "-");
		draw_text(y, l.x_ver, l.w_ver, buf, attr, true);
		/* The device's clock ahead of ours: said here, where both times
		 * stand side by side, and never as a negative age in the grid. */
		bool ahead = !r->gap && r->timestamp_ms - r->received_ms > CLOCK_AHEAD_MS;
		snprintf(buf, sizeof buf, "%s%s%s%s%s", r->duplicate ? "dup" : "",
		         r->duplicate && r->out_of_order ? "," : "", r->out_of_order ? "late" : "",
		         ahead && (r->duplicate || r->out_of_order) ? "," : "", ahead ? "ahead" : "");
		draw_text(y, l.x_mark, l.w_mark, buf, sel ? attr : theme_attr(THEME_MARK), false);
		if (h <= 1)
			draw_untrusted(y, l.x_det, l.w_det, r->detail, strlen(r->detail), attr, false);
		else
			draw_wrapped(y, first + rows - y < h ? first + rows - y : h, l.x_det, l.w_det,
			             r->detail, attr);
		y += h;
	}
	for (; y < first + rows; y++)
		draw_fill(y, 0, app->cols, theme_attr(THEME_NORMAL));
	if (a->count == 0)
		draw_text(first + 1, 1, app->cols - 2, "no events of this thing in the journal",
		          theme_attr(THEME_DIM), false);
}

static void activity_draw(struct app *app, void *data)
{
	struct activity *a = data;
	char right[96];
	snprintf(right, sizeof right, "%zu events%s%s", a->count, a->autoscroll ? "  autoscroll" : "",
	         a->wrap ? "  wrap" : "");
	app_draw_header(app, right);
	/* The title line names the thing (untrusted). */
	char title[512];
	snprintf(title, sizeof title, "%s: %s", a->raw ? "Raw event" : "Activity", a->client_id);
	int rw = draw_width(right);
	draw_untrusted(1, 1, app->cols - rw - 3, title, strlen(title), theme_attr(THEME_TITLE), false);
	if (a->raw)
		draw_raw(app);
	else
		draw_list(app);
	app_draw_footer(app, activity_screen.help, activity_screen.help_count);
}

static bool activity_key(struct app *app, void *data, int key)
{
	struct activity *a = data;
	size_t page = a->page > 1 ? (size_t)a->page - 1 : 1;
	if (a->raw) {
		switch (key) {
		case KEY_ESC:
		case 'q':
		case KEY_FN(KEY_LEFT):
		case KEY_FN(KEY_BACKSPACE):
			free_lines(a);
			return true;
		case KEY_FN(KEY_UP):
		case 'k':
			if (a->line_top > 0)
				a->line_top--;
			return true;
		case KEY_FN(KEY_DOWN):
		case 'j':
			a->line_top++;
			return true;
		case KEY_FN(KEY_PPAGE):
			a->line_top = a->line_top > page ? a->line_top - page : 0;
			return true;
		case KEY_FN(KEY_NPAGE):
		case ' ':
			a->line_top += page;
			return true;
		case KEY_FN(KEY_HOME):
		case 'g':
			a->line_top = 0;
			return true;
		default:
			return false;
		}
	}
	switch (key) {
	case KEY_ESC:
	case 'q':
	case KEY_FN(KEY_LEFT):
		app_show(app, SCREEN_GRID);
		return true;
	case KEY_FN(KEY_UP):
	case 'k':
		if (a->cursor > 0)
			a->cursor--;
		a->autoscroll = a->cursor == 0 && a->autoscroll;
		return true;
	case KEY_FN(KEY_DOWN):
	case 'j':
		if (a->cursor + 1 < a->count)
			a->cursor++;
		a->autoscroll = false;
		return true;
	case KEY_FN(KEY_PPAGE):
		a->cursor = a->cursor > page ? a->cursor - page : 0;
		return true;
	case KEY_FN(KEY_NPAGE):
	case ' ':
		a->cursor = a->cursor + page < a->count ? a->cursor + page : (a->count > 0 ? a->count - 1 : 0);
		a->autoscroll = false;
		return true;
	case KEY_FN(KEY_HOME):
	case 'g':
		a->cursor = 0;
		return true;
	case KEY_FN(KEY_END):
	case 'G':
		a->cursor = a->count > 0 ? a->count - 1 : 0;
		a->autoscroll = false;
		return true;
	case '\n':
	case '\r':
	case KEY_FN(KEY_ENTER):
	case KEY_FN(KEY_RIGHT):
		open_raw(app);
		return true;
	case 's':
		a->autoscroll = !a->autoscroll;
		if (a->autoscroll)
			a->cursor = 0;
		app_message(app, false, "autoscroll %s", a->autoscroll ? "on" : "off");
		return true;
	case 'w':
		a->wrap = !a->wrap;
		return true;
	case 't':
		a->timestamps = !a->timestamps;
		return true;
	default:
		return false;
	}
}

/* A click selects the event under it (rows may wrap over several lines),
 * a double click opens its raw JSON, as Enter does. The raw page ignores
 * clicks. */
static void activity_mouse(struct app *app, void *data, const struct app_mouse *m)
{
	struct activity *a = data;
	if (a->raw || m->y < 3 || m->y >= 3 + a->page)
		return;
	struct act_layout l;
	act_layout(app, &l);
	int y = 3;
	for (size_t i = a->top; i < a->count; i++) {
		y += row_height(a, &a->rows[i], l.w_det);
		if (m->y < y) {
			a->cursor = i;
			a->autoscroll = a->autoscroll && i == 0;
			if (m->kind == APP_MOUSE_DOUBLE)
				open_raw(app);
			return;
		}
	}
}

static const struct key_help activity_help[] = {
	{ "Esc", "back", "back to the grid (q too)" },
	{ "Enter", "raw", "the event's raw JSON, pretty-printed (Esc back)" },
	{ "s", "autoscroll", "autoscroll: keep the newest event selected as events arrive" },
	{ "w", "wrap", "wrap long reasons and topic lists" },
	{ "t", "received", "show / hide the receive time" },
	{ "Ctrl-S", NULL, "export the grid's view to CSV" },
	{ "?", "help", "this help (F1 too)" },
	{ "Up Down PgUp PgDn", NULL, "move; newest events are at the top" },
	{ "MARK", NULL, "dup: a duplicate delivery; late: older timestamp than an event received before it; ahead: the device's clock is over 2 s ahead of the receive time" },
};

const struct screen_ops activity_screen = {
	.title = "Activity",
	.shows_ages = true,
	.create = activity_create,
	.destroy = activity_destroy,
	.update = activity_update,
	.fleet_replaced = activity_update,
	.draw = activity_draw,
	.key = activity_key,
	.mouse = activity_mouse,
	.help = activity_help,
	.help_count = sizeof activity_help / sizeof activity_help[0],
};
