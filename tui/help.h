/* The help page's content (help_page.c), made from the tables it explains:
 * the screen's and the replay's keys, the ":" commands, core's columns, the
 * filter forms, the glyphs, the flags and the theme's colours. help.c wraps
 * and scrolls it. */
#ifndef THINGTOP_TUI_HELP_H
#define THINGTOP_TUI_HELP_H

#include <stddef.h>

#include "app.h"

enum help_kind {
	HELP_HEADING,
	HELP_ENTRY,         /* a key (or name) and what it does */
	HELP_TEXT,
};

struct help_entry {
	enum help_kind kind;
	char key[64];
	int key_attr;       /* curses attributes for the key, 0 = the usual */
	char *text;
};

struct help_page {
	struct help_entry *entries;
	size_t count, cap;
};

void help_page_build(struct help_page *page, const struct app *app, const struct screen_ops *ops);
void help_page_free(struct help_page *page);

#endif
