/* Drawing text safely: untrusted strings go through text_escape, and every
 * string is clipped to a number of cells so nothing spills over a column. */
#ifndef THINGTOP_TUI_DRAW_H
#define THINGTOP_TUI_DRAW_H

#include <stdbool.h>
#include <stddef.h>

enum draw_glyph {
	GLYPH_CONNECTED,
	GLYPH_DISCONNECTED,
	GLYPH_UNKNOWN,
	GLYPH_UP,            /* sort ascending */
	GLYPH_DOWN,
	GLYPH_HLINE,
	GLYPH_VLINE,
	GLYPH_BLOCK,         /* timeline bar */
	GLYPH_ELLIPSIS,
	GLYPH_COUNT
};

void draw_set_ascii(bool ascii);
bool draw_ascii(void);
const char *draw_glyph(enum draw_glyph glyph);
/* The glyph in one form whatever the mode, for the help's legend. */
const char *draw_glyph_form(enum draw_glyph glyph, bool ascii);

/* Draws `len` bytes of untrusted `s` escaped, at (y, x), clipped and
 * padded to `width` cells (right-aligned when asked). Returns cells used. */
int draw_untrusted(int y, int x, int width, const char *s, size_t len, int attr, bool right);
/* The same for the program's own text (valid UTF-8, no control chars). */
int draw_text(int y, int x, int width, const char *s, int attr, bool right);
/* Draws without padding; returns the cells used. */
int draw_text_clip(int y, int x, int width, const char *s, int attr);
/* Fills `width` cells with spaces. */
void draw_fill(int y, int x, int width, int attr);
/* Display cells of our own UTF-8 text. */
int draw_width(const char *s);

#endif
