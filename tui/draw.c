/* Safe, clipped text drawing. */
#include "build_config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "draw.h"
#include "text.h"

static bool ascii_mode;

static const char *const utf8_glyphs[GLYPH_COUNT] = {
	[GLYPH_CONNECTED] = "\u25cf",      /* ● */
	[GLYPH_DISCONNECTED] = "\u25cb",   /* ○ */
	[GLYPH_UNKNOWN] = "?",
	[GLYPH_UP] = "\u25b2",             /* ▲ */
	[GLYPH_DOWN] = "\u25bc",           /* ▼ */
	[GLYPH_HLINE] = "\u2500",
	[GLYPH_VLINE] = "\u2502",
	[GLYPH_BLOCK] = "\u2588",
	[GLYPH_ELLIPSIS] = "\u2026",
};

static const char *const ascii_glyphs[GLYPH_COUNT] = {
	[GLYPH_CONNECTED] = "*",
	[GLYPH_DISCONNECTED] = "o",
	[GLYPH_UNKNOWN] = "?",
	[GLYPH_UP] = "^",
	[GLYPH_DOWN] = "v",
	[GLYPH_HLINE] = "-",
	[GLYPH_VLINE] = "|",
	[GLYPH_BLOCK] = "#",
	[GLYPH_ELLIPSIS] = "~",
};

void draw_set_ascii(bool ascii)
{
	ascii_mode = ascii;
}

bool draw_ascii(void)
{
	return ascii_mode;
}

const char *draw_glyph_form(enum draw_glyph glyph, bool ascii)
{
	return ascii ? ascii_glyphs[glyph] : utf8_glyphs[glyph];
}

const char *draw_glyph(enum draw_glyph glyph)
{
	return ascii_mode ? ascii_glyphs[glyph] : utf8_glyphs[glyph];
}

/* Bytes of `s` that fit in `width` cells; *cells gets the cells used. */
static size_t fit(const char *s, size_t len, int width, int *cells)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t at = 0;
	int used = 0;
	while (at < len) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s + at, len - at, &st);
		int w;
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			/* Cannot happen after text_escape; be safe anyway. */
			n = 1;
			w = 1;
			memset(&st, 0, sizeof st);
		} else {
			w = wcwidth(wc);
			if (w < 0)
				w = 1;
		}
		if (used + w > width)
			break;
		used += w;
		at += n;
	}
	*cells = used;
	return at;
}

static int draw_clipped(int y, int x, int width, const char *s, size_t len, int attr, bool right,
                        bool pad)
{
	if (width <= 0)
		return 0;
	int cells;
	size_t n = fit(s, len, width, &cells);
	bool truncated = n < len;
	if (truncated && width >= 2) {
		/* Make room for the ellipsis. */
		n = fit(s, len, width - 1, &cells);
	}
	int total = cells + (truncated && width >= 2 ? 1 : 0);
	attr_t old_attr;
	short old_pair;
	attr_get(&old_attr, &old_pair, NULL);
	attrset((attr_t)attr);
	int cx = x;
	if (pad && right && total < width) {
		mvhline(y, x, ' ', width - total);
		cx += width - total;
	}
	mvaddnstr(y, cx, s, (int)n);
	cx += cells;
	if (truncated && width >= 2) {
		addstr(draw_glyph(GLYPH_ELLIPSIS));
		cx++;
	}
	if (pad && cx < x + width)
		mvhline(y, cx, ' ', x + width - cx);
	attr_set(old_attr, old_pair, NULL);
	return pad ? width : total;
}

int draw_untrusted(int y, int x, int width, const char *s, size_t len, int attr, bool right)
{
	char buf[1024];
	/* Only the first cells can show; escape a bounded prefix. */
	if (len > 256)
		len = 256;
	size_t n = text_escape(s != NULL ? s : "", s != NULL ? len : 0, buf, sizeof buf, ascii_mode);
	return draw_clipped(y, x, width, buf, n, attr, right, true);
}

int draw_text(int y, int x, int width, const char *s, int attr, bool right)
{
	return draw_clipped(y, x, width, s, strlen(s), attr, right, true);
}

int draw_text_clip(int y, int x, int width, const char *s, int attr)
{
	return draw_clipped(y, x, width, s, strlen(s), attr, false, false);
}

void draw_fill(int y, int x, int width, int attr)
{
	if (width <= 0)
		return;
	attr_t old_attr;
	short old_pair;
	attr_get(&old_attr, &old_pair, NULL);
	attrset((attr_t)attr);
	mvhline(y, x, ' ', width);
	attr_set(old_attr, old_pair, NULL);
}

int draw_width(const char *s)
{
	int cells;
	fit(s, strlen(s), 1 << 20, &cells);
	return cells;
}
