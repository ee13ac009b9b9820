/* The meanings of the flags and the filter forms (legend.h). */
#include "build_config.h"

#include "legend.h"

const struct legend_flag legend_flags[] = {
	[LEGEND_SETTLING] = {"settling", "~", "the status changed within reconcile.settle (10 s):"
	                                      " it may still flip as late or reordered events arrive"},
	[LEGEND_FLAPPING] = {"flapping", "!", "more than reconcile.flap_sessions sessions started within"
	                                      " reconcile.flap_window (5 in 10 min)"},
	[LEGEND_UNCERTAIN] = {"uncertain", "?", "events contradicted each other and the status rests"
	                                        " on arrival order, not timestamps (core/RECONCILIATION.md)"},
};
const size_t legend_flag_count = sizeof legend_flags / sizeof legend_flags[0];

const struct legend_filter legend_filters[] = {
	{"word", "the client id contains word (any case)", "plant"},
	{"field:value", "the column's text equals value (any case for status, last_reason and flags)",
	 "status:disconnected"},
	{"field~regex", "POSIX extended regex search (any case)", "client_id~^gw"},
	{"field>N <N >=N <=N", "numeric columns; since compares the age", "sessions>3 since<10m"},
	{"!term", "negation", "!plant/"},
	{"\"quoted words\"", "a value with spaces; \\\" and \\\\ escape inside quotes",
	 "reason:\"MQTT KEEP ALIVE\""},
	{"term term", "terms are separated by spaces and all must match",
	 "status:connected flags:flapping"},
};
const size_t legend_filter_count = sizeof legend_filters / sizeof legend_filters[0];
