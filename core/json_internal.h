/* jansson, for core's own files and the tests only: no public header
 * carries it, so programs built on core need not know which JSON parser
 * it uses. */
#ifndef THINGTOP_JSON_INTERNAL_H
#define THINGTOP_JSON_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dynamodb.h"
#include "event.h"

/* json_loadb, after seeding jansson's hash function once per process
 * (json_object_seed must run before threads parse; pthread_once makes core
 * do it itself, so no program has to). Every parse in core goes through
 * it. The tree's blocks come from the thread's arena (json_arena.c): it
 * must be released (json_decref) on the thread that loaded it. */
json_t *event_json_load(const char *buf, size_t len, size_t flags, json_error_t *error);

/* json_arena.c: jansson's allocator (installed before main), and the
 * parse-time arena it uses between begin and end on the calling thread. */
void json_arena_begin(void);
void json_arena_end(void);

/* JSON documents one after another in a text held in memory (pretty or
 * one a line). Start with {text, len, 0, 1}. */
struct json_docs {
	const char *text;
	size_t len, at;
	unsigned long line;         /* line number at text + at, 1-based */
};
/* The next document (owned by the caller), with its text and the line it
 * starts on; NULL at the end, or at bad JSON with *error (malloc'd) like
 * "line 3 column 7: bad JSON: ...". */
json_t *json_docs_next(struct json_docs *docs, const char **raw, size_t *raw_len,
                       unsigned long *line_no, char **error);

/* The items of one document: the members of `array` when it is one, else
 * `single` (when not NULL), all borrowed from doc, which it owns. Zeroed
 * memory is an empty walk. */
struct json_items {
	json_t *doc;
	const json_t *array;
	const json_t *single;
	size_t next;
};
void json_items_start(struct json_items *items, json_t *doc, const json_t *array,
                      const json_t *single);
/* The next item; NULL when none is left, the document then released. */
const json_t *json_items_next(struct json_items *items);
void json_items_finish(struct json_items *items);

/* event_parse for a payload that is already a parsed JSON value (borrowed). */
bool event_decode(const char *topic, const json_t *payload, struct event *out);

/* One thing object of a search-index page, or a get-thing-connectivity-data
 * document, as a baseline event: client_id = thingName, timestamp =
 * connectivity.timestamp (0 when none), reason = "NONE" when connected,
 * else disconnectReason ("UNKNOWN" when absent), "" when the object has no
 * connectivity at all (fleet indexing without it: registry only). False
 * with *cause for an object that is no thing. */
bool baseline_decode_thing(const json_t *thing, struct event *out, char **cause);

/* One typed value ({"S": ..}, {"N": ..}, {"M": ..}, ...) as plain JSON text,
 * malloc'd in *out (length *len). False with *cause naming the path of the
 * bad value ("event.versionNumber: ...") when it is not valid typed JSON. */
bool dynamodb_value_to_json(const json_t *typed, const char *path, char **out, size_t *len,
                            char **cause);

/* Converts one item (borrowed). False with *cause for an item that is not
 * one the rule writes (no `event` map, bad typed values). */
bool dynamodb_item_convert(const json_t *item, struct dynamodb_message *out, char **cause);

#endif
