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
 * it. */
json_t *event_json_load(const char *buf, size_t len, size_t flags, json_error_t *error);

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
