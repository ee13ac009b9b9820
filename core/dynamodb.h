/* The seed article's DynamoDB table as an import source: `aws dynamodb
 * scan --output json` pages ({"Items": [...]}, one or several, pretty or
 * one a line) and DynamoDB-JSON export files (one {"Item": ...} a line).
 * Each item was written by the rule `SELECT * as event, timestamp, version,
 * topic(4) as eventType, topic(5) as clientId FROM
 * '$aws/events/presence/+/+'` (core/AWS-FIELD.md §2): its typed
 * `event` map is turned back into the plain JSON payload (numbers keep their
 * exact digits) and its topic is rebuilt from eventType and clientId. */
#ifndef THINGTOP_DYNAMODB_H
#define THINGTOP_DYNAMODB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "event.h"

/* The longest line read in export files; a scan page written on one line
 * is a few MB of typed JSON (a page holds at most 1 MB of data). */
#define DYNAMODB_LINE_MAX ((size_t)8 << 20)
/* Deeper typed values are refused (jansson's own limit is 2048). */
#define DYNAMODB_DEPTH_MAX 64

struct dynamodb_message {
	char *topic;                /* malloc'd */
	char *payload;              /* malloc'd plain JSON text of the event map */
	size_t payload_len;
};

/* An item converted (json_internal.h: dynamodb_item_convert). */
void dynamodb_message_finish(struct dynamodb_message *msg);

/* Does text starting with these bytes look like DynamoDB output (its first
 * object's first key is Items, Item, Count, ScannedCount, NextToken or
 * LastEvaluatedKey)? */
bool dynamodb_detect(const char *head, size_t len);

/* Does the text start like an export file ({"Item": ...} a line)? Those
 * are decoded a line at a time on worker threads (ndjson_reader). */
bool dynamodb_is_export(const char *head, size_t len);

struct ndjson_message;
/* One export line into an event and message, for
 * ndjson_reader_create_decoder: thread-safe; a bad line (or an item the
 * rule did not write) is a reject whose detail says what is wrong. */
void dynamodb_decode_export_line(const char *line, size_t len, struct event *event,
                                 struct ndjson_message *msg);

/* One item read back, ready for ingest_event. */
struct dynamodb_record {
	unsigned long line_no;      /* line where the item's document starts (1-based) */
	unsigned long item_no;      /* 1-based count of items in the input */
	const char *topic;          /* NULL for a reject without one */
	const char *raw;            /* payload to journal: the converted event, or the item */
	size_t raw_len;
	struct event event;         /* parsed, or a reject whose detail says where */
};

struct dynamodb_reader;

/* Reads `in` (borrowed). */
struct dynamodb_reader *dynamodb_reader_create(FILE *in);
/* The next item, valid until the next call (the caller may change its
 * event, e.g. to check its clock); NULL at the end, or when the
 * input cannot be read further (dynamodb_reader_error then says why and
 * where). */
struct dynamodb_record *dynamodb_reader_next(struct dynamodb_reader *reader);
const char *dynamodb_reader_error(const struct dynamodb_reader *reader);
void dynamodb_reader_destroy(struct dynamodb_reader *reader);

#endif
