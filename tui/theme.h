/* Colour themes: libconfig files under themes/ (see themes/dark.theme for
 * the format), mapped onto curses colour pairs with 256 -> 16 -> 8 colour
 * fallbacks, and attributes only when colour is off (NO_COLOR, --no-color,
 * or a terminal without colours). */
#ifndef THINGTOP_TUI_THEME_H
#define THINGTOP_TUI_THEME_H

#include <stdbool.h>

enum theme_element {
	THEME_NORMAL,
	THEME_HEADER,        /* top line */
	THEME_TITLE,         /* screen title line: counts, filter */
	THEME_COLUMNS,       /* column headings */
	THEME_CURSOR,        /* selected row */
	THEME_CONNECTED,
	THEME_DISCONNECTED,
	THEME_UNKNOWN,
	THEME_MARK,          /* settling / flapping / uncertain, duplicates */
	THEME_FOOTER,
	THEME_FOOTER_KEY,
	THEME_MESSAGE,
	THEME_ERROR,
	THEME_PROMPT,
	THEME_DIM,
	THEME_REASON0,       /* timeline palette, THEME_REASONS entries */
	THEME_COUNT = THEME_REASON0 + 8
};
#define THEME_REASONS 8

enum theme_attr {
	THEME_BOLD = 1 << 0,
	THEME_REVERSE = 1 << 1,
	THEME_UNDERLINE = 1 << 2,
	THEME_DIM_ATTR = 1 << 3,
};

#define THEME_DEFAULT_COLOR (-1)

struct theme_style {
	short fg, bg;        /* 0..255, or THEME_DEFAULT_COLOR */
	unsigned attrs;      /* enum theme_attr */
};

struct theme {
	char name[64];
	struct theme_style style[THEME_COUNT];
};

/* The built-in dark theme (the same as themes/dark.theme). */
void theme_builtin(struct theme *theme);

/* Loads a theme by name ("dark", "light", looked up in
 * $XDG_CONFIG_HOME/thingtop/themes, the installed and the source themes/
 * folders) or by path (anything with a '/' or ending in ".theme"). On an
 * error *theme is untouched and *cause says "FILE:LINE: problem". */
bool theme_load(struct theme *theme, const char *name, char **cause);
/* Parses one theme file. */
bool theme_load_file(struct theme *theme, const char *path, char **cause);

/* Sets up curses colour pairs for the theme (call after initscr);
 * `color` false uses attributes only. */
void theme_apply(const struct theme *theme, bool color);
/* The curses attributes (colour pair included) of an element. */
int theme_attr(enum theme_element element);
bool theme_has_color(void);
/* An element's name in theme files ("footer_key") and what it colours. */
const char *theme_element_name(enum theme_element element);
const char *theme_element_meaning(enum theme_element element);

#endif
