/* The column table: names, types, descriptions and cell text. The filter,
 * the sort spec, the CSV export, the grid and `thingtop help columns` all
 * read it, so a column is described once. */
#include "view.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "timefmt.h"
#include "view_internal.h"
#include "xalloc.h"

static size_t put_text(char *buf, size_t size, const char *text)
{
	size_t len = strlen(text);
	if (size == 0)
		return 0;
	if (len >= size)
		len = size - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return len;
}

/* Decimal digits of v: snprintf's format parsing was a third of exporting
 * a million things. */
static size_t put_count(char *buf, size_t size, unsigned long long v)
{
	char digits[21], text[21];
	size_t n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		text[i] = digits[n - 1 - i];
	text[n] = '\0';
	return put_text(buf, size, text);
}

/* ISO 8601 UTC of ms, "" for 0 (never). */
static size_t put_time(char *buf, size_t size, int64_t ms)
{
	char tmp[64] = "";
	if (ms)
		time_format_iso(ms, tmp, sizeof tmp);
	return put_text(buf, size, tmp);
}

#define CELL(fn) static size_t fn(const struct fleet *fleet, const struct fleet_thing *thing, \
                                  const char *attr, char *buf, size_t size)
/* The counters and times differ only in the field they read. */
#define COUNT_CELL(fn, field) CELL(fn) { return put_count(buf, size, thing->field); }
#define TIME_CELL(fn, field) CELL(fn) { return put_time(buf, size, thing->field); }

CELL(cell_status)
{
	return put_text(buf, size, thing_status_name((enum thing_status)thing->status));
}

CELL(cell_client_id)
{
	return put_text(buf, size, thing->client_id);
}

TIME_CELL(cell_since, since_ms)

CELL(cell_reason)
{
	return put_text(buf, size, fleet_reason_name(fleet, thing->last_reason));
}

CELL(cell_ip)
{
	char tmp[EVENT_IP_MAX + 64] = "";
	fleet_thing_ip(thing, tmp, sizeof tmp);
	return put_text(buf, size, tmp);
}

CELL(cell_version)
{
	int64_t version = fleet_thing_version(thing);
	if (version < 0)
		return put_text(buf, size, "");
	return put_count(buf, size, (unsigned long long)version);
}

CELL(cell_session_id)
{
	char id[FLEET_SESSION_ID_BUF];
	return put_text(buf, size, fleet_thing_session_id(fleet, thing, id));
}

COUNT_CELL(cell_sessions, sessions)
COUNT_CELL(cell_disconnects, disconnects)
COUNT_CELL(cell_duplicates, duplicates)
COUNT_CELL(cell_failures, connect_failures)

CELL(cell_flags)
{
	char tmp[64];
	const char *sep = "";
	size_t len = 0;
	tmp[0] = '\0';
	if (fleet_thing_settling(fleet, thing)) {
		len += (size_t)snprintf(tmp + len, sizeof tmp - len, "%ssettling", sep);
		sep = "|";
	}
	if (fleet_thing_flapping(fleet, thing)) {
		len += (size_t)snprintf(tmp + len, sizeof tmp - len, "%sflapping", sep);
		sep = "|";
	}
	if (thing->flags & THING_UNCERTAIN)
		snprintf(tmp + len, sizeof tmp - len, "%suncertain", sep);
	return put_text(buf, size, tmp);
}

TIME_CELL(cell_received, since_received_ms)

CELL(cell_thing_type)
{
	return put_text(buf, size, view_registry_text(fleet, thing, COL_THING_TYPE, NULL));
}

CELL(cell_groups)
{
	return put_text(buf, size, view_registry_text(fleet, thing, COL_GROUPS, NULL));
}

CELL(cell_attr)
{
	return put_text(buf, size, view_registry_text(fleet, thing, COL_ATTR, attr));
}

/* Sort keys (Shift+letter): S status, I client id, A since (age),
 * R reason, P ip, V version, E session, O sessions, D disconnects,
 * U duplicates, X failures, L flags, C received, T thing type, W groups
 * (attr.NAME has none: it needs a name). N is taken by "previous
 * match", Z by pause, F by follow mode and G by the last row. */
const struct column view_columns[COL_COUNT] = {
	[COL_STATUS] = {COL_STATUS, "status", COLUMN_KEYWORD, false, false, 'S', +1,
		"connected, disconnected or unknown (never seen either), as reconciled"
		" from the lifecycle events (see flags)", cell_status},
	[COL_CLIENT_ID] = {COL_CLIENT_ID, "client_id", COLUMN_TEXT, false, false, 'I', +1,
		"the MQTT client id (the thing's name)", cell_client_id},
	[COL_SINCE] = {COL_SINCE, "since", COLUMN_TIME, true, true, 'A', -1,
		"when the current status began: the device's timestamp of the event that"
		" set it. CSV: ISO 8601 UTC; grid: the age (now minus that"
		" time); filter: since>10m compares the age; empty when never seen", cell_since},
	[COL_REASON] = {COL_REASON, "last_reason", COLUMN_KEYWORD, false, false, 'R', +1,
		"the last disconnect reason AWS reported (CONNECTION_LOST,"
		" CLIENT_INITIATED_DISCONNECT, DUPLICATE_CLIENTID, ...)", cell_reason},
	[COL_IP] = {COL_IP, "ip", COLUMN_TEXT, false, false, 'P', +1,
		"the address of the latest connect (ipAddress)", cell_ip},
	[COL_VERSION] = {COL_VERSION, "version", COLUMN_NUMBER, true, true, 'V', +1,
		"the latest session's versionNumber; empty when none was reported", cell_version},
	[COL_SESSION_ID] = {COL_SESSION_ID, "session_id", COLUMN_TEXT, false, false, 'E', +1,
		"the latest session's sessionIdentifier", cell_session_id},
	[COL_SESSIONS] = {COL_SESSIONS, "sessions", COLUMN_NUMBER, true, true, 'O', -1,
		"distinct sessions seen", cell_sessions},
	[COL_DISCONNECTS] = {COL_DISCONNECTS, "disconnects", COLUMN_NUMBER, true, true, 'D', -1,
		"disconnects, duplicate deliveries excluded", cell_disconnects},
	[COL_DUPLICATES] = {COL_DUPLICATES, "duplicates", COLUMN_NUMBER, true, true, 'U', -1,
		"connect or disconnect events delivered more than once", cell_duplicates},
	[COL_FAILURES] = {COL_FAILURES, "connect_failures", COLUMN_NUMBER, true, true, 'X', -1,
		"refused connects (connect failures)", cell_failures},
	[COL_FLAGS] = {COL_FLAGS, "flags", COLUMN_KEYWORD, false, false, 'L', -1,
		"settling, flapping, uncertain (see below), joined by '|'; empty when none", cell_flags},
	[COL_RECEIVED] = {COL_RECEIVED, "since_received", COLUMN_TIME, true, true, 'C', -1,
		"when thingtop received the event that set the status: the receive"
		" time, not the device's clock (compare with since for clock skew)."
		" CSV: ISO 8601 UTC; grid: the age", cell_received},
	[COL_THING_TYPE] = {COL_THING_TYPE, "thing_type", COLUMN_TEXT, false, false, 'T', +1,
		"the registry's thing type (from thingtop sync); empty without it", cell_thing_type},
	[COL_GROUPS] = {COL_GROUPS, "groups", COLUMN_TEXT, false, false, 'W', +1,
		"the registry's thing groups, joined by ','; empty without thingtop sync", cell_groups},
	[COL_ATTR] = {COL_ATTR, "attr", COLUMN_TEXT, false, false, 0, +1,
		"attr.NAME: the registry attribute NAME (from thingtop sync), in --columns"
		" and filters, e.g. attr.site:berlin", cell_attr},
};

size_t view_column_count(void)
{
	return COL_COUNT;
}

const struct column *view_column_at(size_t i)
{
	return i < COL_COUNT ? &view_columns[i] : NULL;
}

const char *view_column_names(void)
{
	static char names[COL_COUNT * 24];
	if (!names[0]) {
		size_t len = 0;
		for (size_t i = 0; i < COL_COUNT; i++)
			len += (size_t)snprintf(names + len, sizeof names - len, "%s%s%s", i ? ", " : "",
			                        view_columns[i].name, i == COL_ATTR ? ".NAME" : "");
	}
	return names;
}

/* Shorter names people will type; the canonical name is what is shown. */
static const struct {
	const char *name;
	enum column_id id;
} column_aliases[] = {
	{"reason", COL_REASON}, {"failures", COL_FAILURES}, {"received", COL_RECEIVED},
	{"age", COL_SINCE}, {"session", COL_SESSION_ID},
};
#define ALIAS_COUNT (sizeof column_aliases / sizeof column_aliases[0])

static bool attr_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_.@/#-", c) != NULL;
}

const struct column *view_column_parse(const char *name, struct column_ref *out)
{
	memset(out, 0, sizeof *out);
	if (strncasecmp(name, "attr.", 5) == 0) {
		size_t len = strlen(name + 5);
		if (len == 0 || len > VIEW_ATTR_MAX)
			return NULL;
		for (size_t i = 0; i < len; i++)
			if (!attr_char(name[5 + i]))
				return NULL;
		out->id = COL_ATTR;
		memcpy(out->attr, name + 5, len + 1);
		return &view_columns[COL_ATTR];
	}
	const struct column *c = view_column_by_name(name);
	if (!c || c->id == COL_ATTR)
		return NULL;
	out->id = c->id;
	return c;
}

void view_column_ref_name(const struct column_ref *ref, char *buf, size_t size)
{
	if (ref->id == COL_ATTR)
		snprintf(buf, size, "attr.%s", ref->attr);
	else
		snprintf(buf, size, "%s", view_columns[ref->id].name);
}

int view_column_list(const char *list, struct column_ref *refs, int max, char **cause)
{
	int count = 0;
	size_t i = 0;
	while (list[i]) {
		size_t len = strcspn(list + i, ",");
		char name[VIEW_ATTR_MAX + 8], shown[80];
		if (len == 0 || len >= sizeof name) {
			set_cause(cause, "column list, entry %d: %s", count + 1,
			          len ? "too long" : "empty");
			return -1;
		}
		memcpy(name, list + i, len);
		name[len] = '\0';
		if (count == max) {
			set_cause(cause, "column list: at most %d columns", max);
			return -1;
		}
		if (!view_column_parse(name, &refs[count])) {
			const char *near = view_column_suggest(name);
			text_escape(name, len, shown, sizeof shown, false);
			set_cause(cause, "column list, entry %d: unknown column \"%s\"%s%s%s", count + 1, shown,
			          near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
			return -1;
		}
		count++;
		i += len;
		if (list[i] == ',')
			i++;
	}
	if (count == 0) {
		set_cause(cause, "column list: no columns");
		return -1;
	}
	return count;
}

const struct column *view_column_by_name(const char *name)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (strcasecmp(name, view_columns[i].name) == 0)
			return &view_columns[i];
	for (size_t i = 0; i < ALIAS_COUNT; i++)
		if (strcasecmp(name, column_aliases[i].name) == 0)
			return &view_columns[column_aliases[i].id];
	return NULL;
}

const char *view_column_suggest(const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, len = strlen(name);

	for (size_t i = 0; i < COL_COUNT + ALIAS_COUNT; i++) {
		const char *cand = i < COL_COUNT ? view_columns[i].name : column_aliases[i - COL_COUNT].name;
		size_t d = text_edit_distance(name, cand);
		if (d < best_d) {
			best_d = d;
			best = cand;
		}
	}
	/* Close enough to be a typo, not a different word. */
	if (best && best_d <= 2 && best_d < len)
		return best;
	if (best && best_d <= len / 3)
		return best;
	return NULL;
}

const char *view_registry_text(const struct fleet *fleet, const struct fleet_thing *thing,
                               enum column_id column, const char *attr)
{
	struct fleet_registry reg;
	fleet_thing_registry(fleet, thing, &reg);
	if (column == COL_THING_TYPE)
		return reg.thing_type;
	if (column == COL_GROUPS)
		return reg.groups;
	const char *value = attr ? fleet_registry_attr(&reg, attr) : NULL;
	return value ? value : "";
}

size_t view_cell_text(const struct fleet *fleet, const struct fleet_thing *thing,
                      enum column_id column, char *buf, size_t size)
{
	if ((unsigned)column >= COL_COUNT || column == COL_ATTR)
		return put_text(buf, size, "");
	return view_columns[column].cell(fleet, thing, NULL, buf, size);
}

size_t view_cell_text_ref(const struct fleet *fleet, const struct fleet_thing *thing,
                          const struct column_ref *ref, char *buf, size_t size)
{
	return view_columns[ref->id].cell(fleet, thing, ref->id == COL_ATTR ? ref->attr : NULL, buf, size);
}
