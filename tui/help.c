/* The help page: the shown screen's help_page.c content, full screen,
 * wrapped to the terminal's width and scrolled like less. */
#include "build_config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "help.h"
#include "xalloc.h"

/* The help page's own keys: its footer and help_key. */
static const struct key_help page_keys[] = {
	{ "q Esc ?", "close", "back to the screen" },
	{ "Up Down j k", "scroll", "a line up / down" },
	{ "PgUp PgDn", "page", "a page up / down (Space, Ctrl-B, Ctrl-F too)" },
	{ "g G", "top/end", "first / last line (Home End too)" },
};

#define KEY_COL_MAX 22

/* One screen line: an entry's key (first line only) and a piece of its text. */
struct help_row {
	const struct help_entry *entry;
	bool with_key;
	const char *text;
	int len;
};

struct help_rows {
	struct help_row *rows;
	size_t count, cap;
};

static void push(struct help_rows *out, const struct help_entry *e, bool with_key, const char *text,
                 int len)
{
	if (out->count == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 128;
		out->rows = xreallocarray(out->rows, out->cap, sizeof *out->rows);
	}
	out->rows[out->count++] = (struct help_row){ e, with_key, text, len };
}

/* Cells of `len` bytes of our own UTF-8 text: continuation bytes take none. */
static int cells(const char *s, int len)
{
	int n = 0;
	for (int i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Splits `text` into lines of at most `width` cells, at spaces. */
static void wrap(struct help_rows *out, const struct help_entry *e, bool with_key, const char *text,
                 int width)
{
	do {
		int len = (int)strlen(text), cut = len;
		if (cells(text, len) > width) {
			cut = 0;
			for (int i = 0; text[i] != '\0' && cells(text, i) <= width; i++)
				if (text[i] == ' ' && cells(text, i) <= width)
					cut = i;
			if (cut == 0) /* one long word: cut it where the width ends */
				while (text[cut] != '\0' && cells(text, cut + 1) <= width)
					cut++;
		}
		push(out, e, with_key, text, cut);
		with_key = false;
		text += cut;
		while (*text == ' ')
			text++;
	} while (*text != '\0');
}

static int key_column(const struct help_page *page, int cols)
{
	int kw = 0;
	for (size_t i = 0; i < page->count; i++) {
		int w = draw_width(page->entries[i].key);
		if (page->entries[i].kind == HELP_ENTRY && w > kw && w <= KEY_COL_MAX)
			kw = w;
	}
	return kw < cols / 3 ? kw : cols / 3;
}

static void layout(const struct help_page *page, int cols, int kw, struct help_rows *out)
{
	for (size_t i = 0; i < page->count; i++) {
		const struct help_entry *e = &page->entries[i];
		if (e->kind == HELP_HEADING) {
			if (i > 0)
				push(out, e, false, "", 0);
			wrap(out, e, false, e->text, cols - 2);
		} else if (e->kind == HELP_TEXT) {
			wrap(out, e, false, e->text, cols - 4);
		} else if (draw_width(e->key) > kw) {
			/* A long key gets a line of its own. */
			push(out, e, true, "", 0);
			wrap(out, e, false, e->text, cols - kw - 5);
		} else {
			wrap(out, e, true, e->text, cols - kw - 5);
		}
	}
}

static void draw_row(const struct help_row *r, int y, int cols, int kw)
{
	int attr = theme_attr(THEME_NORMAL);
	draw_fill(y, 0, cols, attr);
	char text[1024];
	int n = r->len < (int)sizeof text - 1 ? r->len : (int)sizeof text - 1;
	memcpy(text, r->text, (size_t)n);
	text[n] = '\0';
	const struct help_entry *e = r->entry;
	if (e->kind == HELP_HEADING) {
		draw_text(y, 1, cols - 2, text, theme_attr(THEME_COLUMNS) | A_BOLD, false);
		return;
	}
	if (e->kind == HELP_TEXT) {
		draw_text(y, 3, cols - 4, text, attr, false);
		return;
	}
	if (r->with_key) {
		int kattr = e->key_attr != 0 ? e->key_attr : theme_attr(THEME_FOOTER_KEY);
		draw_text_clip(y, 2, cols - 3, e->key, kattr);
	}
	draw_text(y, kw + 4, cols - kw - 5, text, attr, false);
}

static void draw_frame(struct app *app, const struct screen_ops *ops)
{
	int hattr = theme_attr(THEME_HEADER);
	draw_fill(0, 0, app->cols, hattr);
	char title[160], where[64];
	snprintf(title, sizeof title, "Help: %s", ops->title);
	int last = app->help_top + app->help_page;
	snprintf(where, sizeof where, "lines %d-%d of %d", app->help_lines > 0 ? app->help_top + 1 : 0,
	         last < app->help_lines ? last : app->help_lines, app->help_lines);
	draw_text_clip(0, 1, app->cols - 2, title, hattr | A_BOLD);
	int ww = draw_width(where);
	draw_text(0, app->cols - ww - 1, ww, where, hattr, false);

	int y = app->rows - 1, fattr = theme_attr(THEME_FOOTER), kattr = theme_attr(THEME_FOOTER_KEY);
	draw_fill(y, 0, app->cols, fattr);
	int x = 0;
	for (size_t i = 0; i < sizeof page_keys / sizeof page_keys[0]; i++) {
		int need = draw_width(page_keys[i].keys) + draw_width(page_keys[i].hint) + 2;
		if (x + need > app->cols)
			break;
		x += draw_text_clip(y, x, app->cols - x, page_keys[i].keys, kattr);
		x += draw_text_clip(y, x, app->cols - x, " ", fattr);
		x += draw_text_clip(y, x, app->cols - x, page_keys[i].hint, fattr);
		x += draw_text_clip(y, x, app->cols - x, "  ", fattr);
	}
}

static void clamp(struct app *app)
{
	int max = app->help_lines - app->help_page;
	if (app->help_top > max)
		app->help_top = max;
	if (app->help_top < 0)
		app->help_top = 0;
}

/* Builds and wraps the page at this width; sets its size in app. */
static int prepare(struct app *app, const struct screen_ops *ops, struct help_page *page,
                   struct help_rows *rows)
{
	help_page_build(page, app, ops);
	int kw = key_column(page, app->cols);
	layout(page, app->cols, kw, rows);
	/* Line 0 is the title; the last two the status line and the keys. */
	app->help_page = app->rows - 3;
	app->help_lines = (int)rows->count;
	clamp(app);
	return kw;
}

static void release(struct help_page *page, struct help_rows *rows)
{
	free(rows->rows);
	help_page_free(page);
}

void help_open(struct app *app)
{
	app->help = true;
	app->help_top = 0;
	app->dirty = true;
	/* Its size now: keys that come before the first draw scroll right. */
	struct help_page page = { 0 };
	struct help_rows rows = { 0 };
	getmaxyx(stdscr, app->rows, app->cols);
	prepare(app, app->screens[app->screen].ops, &page, &rows);
	release(&page, &rows);
}

void help_draw(struct app *app, const struct screen_ops *ops)
{
	struct help_page page = { 0 };
	struct help_rows rows = { 0 };
	int kw = prepare(app, ops, &page, &rows);
	for (int i = 0; i < app->help_page; i++) {
		size_t at = (size_t)(app->help_top + i);
		if (at < rows.count)
			draw_row(&rows.rows[at], 1 + i, app->cols, kw);
		else
			draw_fill(1 + i, 0, app->cols, theme_attr(THEME_NORMAL));
	}
	draw_frame(app, ops);
	release(&page, &rows);
}

void help_key(struct app *app, int key)
{
	int page = app->help_page > 1 ? app->help_page - 1 : 1;
	switch (key) {
	case KEY_FN(KEY_UP):
	case 'k':
		app->help_top--;
		break;
	case KEY_FN(KEY_DOWN):
	case 'j':
	case '\n':
	case '\r':
		app->help_top++;
		break;
	case KEY_FN(KEY_PPAGE):
	case KEY_CTRL('b'):
		app->help_top -= page;
		break;
	case KEY_FN(KEY_NPAGE):
	case KEY_CTRL('f'):
	case ' ':
		app->help_top += page;
		break;
	case KEY_FN(KEY_HOME):
	case KEY_FN(KEY_FIND):      /* \e[1~ in some terminfo entries */
	case 'g':
		app->help_top = 0;
		break;
	case KEY_FN(KEY_END):
	case KEY_FN(KEY_SELECT):    /* \e[4~ likewise */
	case 'G':
		app->help_top = app->help_lines;
		break;
	case 'q':
	case KEY_ESC:
	case '?':
	case KEY_FN(KEY_F(1)):
		app->help = false;
		return;
	default:
		return;
	}
	clamp(app);
}
