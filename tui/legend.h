/* What the monitor's marks and the filter language mean, as data: the help
 * page (help_page.c) and `thingtop help` (cmd_help.c) both print these. */
#ifndef THINGTOP_TUI_LEGEND_H
#define THINGTOP_TUI_LEGEND_H

#include <stddef.h>

/* A flag of the flags column and its mark after the status glyph. */
struct legend_flag {
	const char *name;       /* "settling" */
	const char *mark;       /* "~" */
	const char *meaning;
};
/* Indexes of legend_flags, in its order. */
enum legend_flag_id { LEGEND_SETTLING, LEGEND_FLAPPING, LEGEND_UNCERTAIN };
extern const struct legend_flag legend_flags[];
extern const size_t legend_flag_count;

/* One form of filter term. */
struct legend_filter {
	const char *form;       /* "field:value" */
	const char *meaning;
	const char *example;    /* NULL = none */
};
extern const struct legend_filter legend_filters[];
extern const size_t legend_filter_count;

#endif
