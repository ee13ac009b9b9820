/* The fast path for plain payloads: see event_plain.h. Every rule here
 * mirrors one of jansson's (the scanner) or of event.c's decode (the
 * event); when in doubt it says no and jansson decides. */
#include "event_plain.h"

#include <string.h>

static size_t skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* The length of the UTF-8 sequence starting at s (n bytes available), 0
 * when jansson would refuse it: a bad lead or continuation byte, an
 * overlong form, a surrogate, a code point past U+10FFFF. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned lead = s[0];
	size_t size;
	uint32_t value;
	if (lead >= 0xC2 && lead <= 0xDF) {
		size = 2;
		value = lead & 0x1F;
	} else if (lead >= 0xE0 && lead <= 0xEF) {
		size = 3;
		value = lead & 0x0F;
	} else if (lead >= 0xF0 && lead <= 0xF4) {
		size = 4;
		value = lead & 0x07;
	} else {
		return 0;
	}
	if (n < size)
		return 0;
	for (size_t i = 1; i < size; i++) {
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
		value = (value << 6) | (s[i] & 0x3F);
	}
	if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF) ||
	    (size == 3 && value < 0x800) || (size == 4 && value < 0x10000))
		return 0;
	return size;
}

/* A string at s[i] == '"' without escapes or control bytes, in valid
 * UTF-8: its bytes in *start, *n; returns the index after its closing
 * quote, 0 when it is not plain. */
static size_t scan_string(const char *s, size_t len, size_t i, size_t *start, size_t *n)
{
	for (size_t j = i + 1; j < len;) {
		unsigned char c = (unsigned char)s[j];
		if (c == '"') {
			*start = i + 1;
			*n = j - i - 1;
			return j + 1;
		}
		if (c == '\\' || c < 0x20)
			return 0;
		if (c < 0x80) {
			j++;
			continue;
		}
		size_t k = utf8_sequence((const unsigned char *)s + j, len - j);
		if (k == 0)
			return 0;
		j += k;
	}
	return 0;
}

/* A non-negative integer at s[i] (a digit) of at most 18 digits, so it
 * fits int64_t as jansson reads it; returns the index after it, 0 when it
 * is longer, has a leading zero, or goes on as a real (".", "e"). */
static size_t scan_integer(const char *s, size_t len, size_t i, int64_t *value)
{
	size_t j = i;
	int64_t v = 0;
	while (j < len && s[j] >= '0' && s[j] <= '9') {
		if (j - i == 18)
			return 0;
		v = v * 10 + (s[j] - '0');
		j++;
	}
	if ((s[i] == '0' && j - i > 1) || (j < len && (s[j] == '.' || s[j] == 'e' || s[j] == 'E')))
		return 0;
	*value = v;
	return j;
}

/* An array of plain strings at s[i] == '[' (subscription events'
 * topics): their count in *count; returns the index after its ']', 0
 * when it is anything else. */
static size_t scan_strings(const char *s, size_t len, size_t i, int64_t *count)
{
	size_t start, n;
	*count = 0;
	i = skip_space(s, len, i + 1);
	if (i < len && s[i] == ']')
		return i + 1;
	for (;;) {
		if (i >= len || s[i] != '"')
			return 0;
		i = scan_string(s, len, i, &start, &n);
		if (i == 0)
			return 0;
		++*count;
		i = skip_space(s, len, i);
		if (i < len && s[i] == ']')
			return i + 1;
		if (i >= len || s[i] != ',')
			return 0;
		i = skip_space(s, len, i + 1);
	}
}

static bool literal_at(const char *s, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word);
	return len - i >= n && memcmp(s + i, word, n) == 0;
}

static bool scan_object(const char *s, size_t len, size_t *at, struct plain_object *obj,
                        struct plain_object *nested);

/* One value at s[*at]; *at moves past it. */
static bool scan_value(const char *s, size_t len, size_t *at, struct plain_member *m,
                       struct plain_object *nested)
{
	size_t i = *at, start;
	if (i >= len)
		return false;
	char c = s[i];
	if (c == '"') {
		i = scan_string(s, len, i, &start, &m->len);
		if (i == 0)
			return false;
		m->kind = PLAIN_STRING;
		m->text = s + start;
	} else if (c >= '0' && c <= '9') {
		i = scan_integer(s, len, i, &m->integer);
		m->kind = PLAIN_INTEGER;
	} else if (c == '[') {
		i = scan_strings(s, len, i, &m->integer);
		m->kind = PLAIN_STRINGS;
	} else if (c == 't' && literal_at(s, len, i, "true")) {
		i += 4;
		m->kind = PLAIN_TRUE;
	} else if (c == 'f' && literal_at(s, len, i, "false")) {
		i += 5;
		m->kind = PLAIN_FALSE;
	} else if (c == 'n' && literal_at(s, len, i, "null")) {
		i += 4;
		m->kind = PLAIN_NULL;
	} else if (c == '{' && nested && nested->count < 0) {
		/* Only one, and flat. */
		start = i;
		if (!scan_object(s, len, &i, nested, NULL))
			return false;
		m->kind = PLAIN_OBJECT;
		m->text = s + start;
		m->len = i - start;
	} else {
		return false;
	}
	if (i == 0) /* a number or an array that is not plain */
		return false;
	*at = i;
	return true;
}

/* jansson refuses a repeated key (JSON_REJECT_DUPLICATES). */
static bool keys_unique(const struct plain_object *obj)
{
	for (int a = 1; a < obj->count; a++) {
		const struct plain_member *m = &obj->m[a];
		for (int b = 0; b < a; b++) {
			if (obj->m[b].key_len == m->key_len && memcmp(obj->m[b].key, m->key, m->key_len) == 0)
				return false;
		}
	}
	return true;
}

/* An object at s[*at] == '{'; *at moves past its '}'. */
static bool scan_object(const char *s, size_t len, size_t *at, struct plain_object *obj,
                        struct plain_object *nested)
{
	size_t i = skip_space(s, len, *at + 1);
	obj->count = 0;
	if (i < len && s[i] == '}') {
		*at = i + 1;
		return true;
	}
	for (;;) {
		if (i >= len || s[i] != '"' || obj->count == PLAIN_MEMBERS_MAX)
			return false;
		struct plain_member *m = &obj->m[obj->count++];
		size_t key_start;
		i = scan_string(s, len, i, &key_start, &m->key_len);
		if (i == 0)
			return false;
		m->key = s + key_start;
		i = skip_space(s, len, i);
		if (i >= len || s[i] != ':')
			return false;
		i = skip_space(s, len, i + 1);
		if (!scan_value(s, len, &i, m, nested))
			return false;
		i = skip_space(s, len, i);
		if (i < len && s[i] == '}') {
			*at = i + 1;
			return keys_unique(obj);
		}
		if (i >= len || s[i] != ',')
			return false;
		i = skip_space(s, len, i + 1);
	}
}

bool plain_scan(const char *s, size_t len, struct plain_object *obj, struct plain_object *nested)
{
	if (nested)
		nested->count = -1; /* not used yet */
	size_t i = skip_space(s, len, 0);
	if (i >= len || s[i] != '{' || !scan_object(s, len, &i, obj, nested))
		return false;
	return skip_space(s, len, i) == len;
}

const struct plain_member *plain_find(const struct plain_object *obj, const char *key)
{
	size_t n = strlen(key);
	for (int i = 0; i < obj->count; i++) {
		if (obj->m[i].key_len == n && memcmp(obj->m[i].key, key, n) == 0)
			return &obj->m[i];
	}
	return NULL;
}

/* ---- The event: event.c's decode, for the members it accepts ---- */

static bool is_absent(const struct plain_member *m)
{
	return !m || m->kind == PLAIN_NULL;
}

/* An optional string that fits `size` with its NUL (get_string's rule). */
static bool string_fits(const struct plain_member *m, size_t size)
{
	return is_absent(m) || (m->kind == PLAIN_STRING && m->len < size);
}

static void copy_string(const struct plain_member *m, char *dst)
{
	if (is_absent(m))
		return;
	memcpy(dst, m->text, m->len);
	dst[m->len] = '\0';
}

bool plain_event(const char *topic, const struct plain_object *obj, struct event *out)
{
	const struct plain_member *client_id = plain_find(obj, "clientId");
	const struct plain_member *timestamp = plain_find(obj, "timestamp");
	const struct plain_member *event_type = plain_find(obj, "eventType");
	const struct plain_member *thing_name = plain_find(obj, "thingName");
	const struct plain_member *session = plain_find(obj, "sessionIdentifier");
	const struct plain_member *principal = plain_find(obj, "principalIdentifier");
	const struct plain_member *ip = plain_find(obj, "ipAddress");
	const struct plain_member *version = plain_find(obj, "versionNumber");
	const struct plain_member *initiated = plain_find(obj, "clientInitiatedDisconnect");
	const struct plain_member *disconnect_reason = plain_find(obj, "disconnectReason");
	const struct plain_member *failure_reason = plain_find(obj, "connectFailureReason");
	const struct plain_member *topics = plain_find(obj, "topics");

	/* Required: clientId (not empty), timestamp, a known eventType. */
	if (!client_id || client_id->kind != PLAIN_STRING || client_id->len == 0 ||
	    client_id->len > EVENT_CLIENT_ID_MAX || !timestamp || timestamp->kind != PLAIN_INTEGER ||
	    !event_type || event_type->kind != PLAIN_STRING)
		return false;
	char type_name[16];
	if (event_type->len >= sizeof type_name)
		return false;
	memcpy(type_name, event_type->text, event_type->len);
	type_name[event_type->len] = '\0';
	enum event_type type = event_type_from_name(type_name);
	if (type == EVENT_REJECT)
		return false;

	/* Optional: each absent, null, or of its type and size. A reason is
	 * sized only where it is kept (decode passes NULL for the other). */
	if (!string_fits(thing_name, sizeof out->thing_name) ||
	    !string_fits(session, sizeof out->session_id) ||
	    !string_fits(principal, sizeof out->principal) || !string_fits(ip, sizeof out->ip) ||
	    !(is_absent(version) || version->kind == PLAIN_INTEGER) ||
	    !(is_absent(initiated) || initiated->kind == PLAIN_TRUE || initiated->kind == PLAIN_FALSE) ||
	    !string_fits(disconnect_reason, type == EVENT_DISCONNECTED ? sizeof out->reason : SIZE_MAX) ||
	    !string_fits(failure_reason, type == EVENT_CONNECT_FAILED ? sizeof out->reason : SIZE_MAX) ||
	    !(is_absent(topics) || topics->kind == PLAIN_STRINGS))
		return false;

	/* The topic: a lifecycle one must agree; another family is
	 * jansson's path's to report as ignored. */
	if (topic && *topic) {
		enum event_type topic_type;
		size_t cid_at;
		if (!event_topic_parse(topic, &topic_type, &cid_at) || topic_type != type ||
		    strlen(topic + cid_at) != client_id->len ||
		    memcmp(topic + cid_at, client_id->text, client_id->len) != 0)
			return false;
	}

	out->type = type;
	copy_string(client_id, out->client_id);
	out->timestamp_ms = timestamp->integer;
	copy_string(thing_name, out->thing_name);
	copy_string(session, out->session_id);
	copy_string(principal, out->principal);
	copy_string(ip, out->ip);
	if (!is_absent(version)) {
		out->has_version = true;
		out->version = version->integer;
	}
	if (!is_absent(initiated))
		out->client_initiated = initiated->kind == PLAIN_TRUE;
	if (type == EVENT_DISCONNECTED)
		copy_string(disconnect_reason, out->reason);
	else if (type == EVENT_CONNECT_FAILED)
		copy_string(failure_reason, out->reason);
	if (!is_absent(topics))
		out->topic_count = (int)topics->integer;
	return true;
}
