/* The help page's sections, each generated from the table it explains. */
#include "build_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "help.h"
#include "legend.h"
#include "view.h"
#include "xalloc.h"

static void add(struct help_page *page, enum help_kind kind, const char *key, int key_attr,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add(struct help_page *page, enum help_kind kind, const char *key, int key_attr,
                const char *fmt, ...)
{
	if (page->count == page->cap) {
		page->cap = page->cap ? page->cap * 2 : 64;
		page->entries = xreallocarray(page->entries, page->cap, sizeof *page->entries);
	}
	struct help_entry *e = &page->entries[page->count++];
	e->kind = kind;
	snprintf(e->key, sizeof e->key, "%s", key != NULL ? key : "");
	e->key_attr = key_attr;
	va_list ap;
	va_start(ap, fmt);
	e->text = xvasprintf(fmt, ap);
	va_end(ap);
}

static void add_keys(struct help_page *page, const char *heading, const struct key_help *keys,
                     size_t count)
{
	add(page, HELP_HEADING, NULL, 0, "%s", heading);
	for (size_t i = 0; i < count; i++)
		add(page, HELP_ENTRY, keys[i].keys, 0, "%s", keys[i].desc);
}

static void add_commands(struct help_page *page)
{
	add(page, HELP_HEADING, NULL, 0, "Commands (: then Enter)");
	const char *name, *args, *help;
	for (size_t i = 0; app_command_info(i, &name, &args, &help); i++) {
		char key[64];
		snprintf(key, sizeof key, ":%s%s%s", name, args != NULL ? " " : "", args != NULL ? args : "");
		add(page, HELP_ENTRY, key, 0, "%s", help);
	}
}

static void add_columns(struct help_page *page)
{
	add(page, HELP_HEADING, NULL, 0, "Columns (filter fields, :sort names, CSV header)");
	for (size_t i = 0; i < view_column_count(); i++) {
		const struct column *c = view_column_at(i);
		if (c->sort_key != '\0')
			add(page, HELP_ENTRY, c->name, 0, "%s (sort: Shift-%c)", c->description, c->sort_key);
		else
			add(page, HELP_ENTRY, c->name, 0, "%s", c->description);
	}
}

static void add_filter(struct help_page *page)
{
	add(page, HELP_HEADING, NULL, 0, "Filter syntax (/ prompt, :filter)");
	for (size_t i = 0; i < legend_filter_count; i++) {
		const struct legend_filter *f = &legend_filters[i];
		if (f->example != NULL)
			add(page, HELP_ENTRY, f->form, 0, "%s, e.g. %s", f->meaning, f->example);
		else
			add(page, HELP_ENTRY, f->form, 0, "%s", f->meaning);
	}
	add(page, HELP_TEXT, NULL, 0, "Fields: %s. A wrong term keeps the previous filter; the "
	    "prompt shows the column where it is wrong.", view_column_names());
}

/* What each glyph the screens draw means. */
static const struct {
	enum draw_glyph glyph;
	const char *meaning;
} glyph_meanings[] = {
	{ GLYPH_CONNECTED, "connected" },
	{ GLYPH_DISCONNECTED, "disconnected" },
	{ GLYPH_UNKNOWN, "status unknown: never seen connected or disconnected" },
	{ GLYPH_UP, "sorted ascending by this column" },
	{ GLYPH_DOWN, "sorted descending by this column" },
	{ GLYPH_BLOCK, "a bar of the timeline" },
	{ GLYPH_ELLIPSIS, "text cut to fit the column" },
};

static void add_glyphs(struct help_page *page)
{
	bool ascii = draw_ascii();
	add(page, HELP_HEADING, NULL, 0, "Glyphs");
	for (size_t i = 0; i < sizeof glyph_meanings / sizeof glyph_meanings[0]; i++) {
		enum draw_glyph g = glyph_meanings[i].glyph;
		const char *other = draw_glyph_form(g, !ascii);
		/* In ASCII mode the UTF-8 forms are not drawn at all. */
		if (ascii || strcmp(other, draw_glyph_form(g, false)) == 0)
			add(page, HELP_ENTRY, draw_glyph(g), 0, "%s", glyph_meanings[i].meaning);
		else
			add(page, HELP_ENTRY, draw_glyph(g), 0, "%s (%s with --ascii)", glyph_meanings[i].meaning,
			    other);
	}
}

static void add_flags(struct help_page *page)
{
	add(page, HELP_HEADING, NULL, 0, "Flags (a mark after the status glyph, e.g. %s%s; the flags column)",
	    draw_glyph(GLYPH_CONNECTED), legend_flags[0].mark);
	for (size_t i = 0; i < legend_flag_count; i++) {
		char key[64];
		snprintf(key, sizeof key, "%s %s", legend_flags[i].mark, legend_flags[i].name);
		add(page, HELP_ENTRY, key, theme_attr(THEME_MARK), "%s", legend_flags[i].meaning);
	}
}

static void add_colours(struct help_page *page, const struct app *app)
{
	add(page, HELP_HEADING, NULL, 0, "Colours (theme \"%s\"; each name in its colour)", app->theme.name);
	for (int e = 0; e < THEME_REASON0; e++)
		add(page, HELP_ENTRY, theme_element_name((enum theme_element)e), theme_attr((enum theme_element)e),
		    "%s", theme_element_meaning((enum theme_element)e));
	char key[64];
	snprintf(key, sizeof key, "%s-%d", theme_element_name(THEME_REASON0), THEME_REASONS - 1);
	add(page, HELP_ENTRY, key, theme_attr(THEME_REASON0), "%s", theme_element_meaning(THEME_REASON0));
}

void help_page_build(struct help_page *page, const struct app *app, const struct screen_ops *ops)
{
	char heading[96];
	snprintf(heading, sizeof heading, "Keys of %s", ops->title);
	add_keys(page, heading, ops->help, ops->help_count);
	if (app->session.replay != NULL)
		add_keys(page, "Keys of the replay (on every screen)", replay_help, replay_help_count);
	add_commands(page);
	add_columns(page);
	add_filter(page);
	add_glyphs(page);
	add_flags(page);
	add_colours(page, app);
}

void help_page_free(struct help_page *page)
{
	for (size_t i = 0; i < page->count; i++)
		free(page->entries[i].text);
	free(page->entries);
	page->entries = NULL;
	page->count = page->cap = 0;
}
