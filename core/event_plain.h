/* The fast path for the payloads AWS sends: a flat JSON object of plain
 * members (strings without escapes, integers of up to 18 digits, true,
 * false, null, arrays of such strings), read in one pass without building
 * a jansson tree.
 *
 * Why: jansson's tree (a hash table, an allocation per value) was most of
 * an event's parsing cost, and parsing most of a message's cost in
 * `record` and `import` (issue 13).
 *
 * It only ever says yes: what it takes is a valid lifecycle event, with
 * exactly the fields the jansson path (event.c) would give it. Anything
 * else (an escape, nesting, a fraction, a negative number, a duplicate
 * key, a non-lifecycle topic, any reject) makes it return false without
 * touching *out, and the caller parses with jansson, which owns every
 * reject and its detail. The fuzzers (fuzz_event, fuzz_ndjson) and
 * test_event_plain check that the two paths agree. For core's own files
 * and the tests. */
#ifndef THINGTOP_EVENT_PLAIN_H
#define THINGTOP_EVENT_PLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum plain_kind {
	PLAIN_STRING, PLAIN_INTEGER, PLAIN_TRUE, PLAIN_FALSE, PLAIN_NULL,
	PLAIN_STRINGS,               /* an array of plain strings (topics) */
	PLAIN_OBJECT,                /* only where plain_scan was given `nested` */
};

struct plain_member {
	const char *key;             /* its bytes, without quotes */
	size_t key_len;
	enum plain_kind kind;
	const char *text;            /* a string's bytes without quotes; an object's whole text */
	size_t len;
	int64_t integer;             /* PLAIN_INTEGER: its value (0 .. 10^18 - 1);
	                                PLAIN_STRINGS: how many */
};

/* More members than this: not plain (AWS's events have at most 11). */
#define PLAIN_MEMBERS_MAX 32
struct plain_object {
	struct plain_member m[PLAIN_MEMBERS_MAX];
	int count;
};

/* Scans `len` bytes that must be one object (whitespace around it
 * allowed) into *obj, pointing into s. With `nested`, one member's value
 * may itself be a flat plain object, scanned into *nested. False when the
 * text is not that, or not valid JSON. */
bool plain_scan(const char *s, size_t len, struct plain_object *obj, struct plain_object *nested);

/* The member named `key`, or NULL. */
const struct plain_member *plain_find(const struct plain_object *obj, const char *key);

/* Fills *out (already cleared the way event_parse starts) from a scanned
 * payload received on `topic` (NULL or "": no cross-check), when it is a
 * valid lifecycle event; false, *out untouched, otherwise. */
bool plain_event(const char *topic, const struct plain_object *obj, struct event *out);

/* event_parse without the fast path: the reference the tests and fuzzers
 * compare the fast path with. */
bool event_parse_json(const char *topic, const char *payload, size_t len, struct event *out);

#endif
