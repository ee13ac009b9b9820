/* NDJSON import lines: a bare lifecycle payload, or an envelope
 * {"topic": ..., "payload": <object or JSON string>, "receivedAt": <ms>}. */
#ifndef THINGTOP_NDJSON_H
#define THINGTOP_NDJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* The longest line read: a payload AWS would send, even wrapped in an
 * envelope, in base64 as `journal dump` may write it. Longer lines are
 * rejected as oversize. */
#define NDJSON_LINE_MAX ((EVENT_PAYLOAD_MAX + 2) / 3 * 4 + 16 * 1024)

struct ndjson_message {
	char *topic;                /* malloc'd or NULL */
	const char *raw;            /* the payload bytes to journal */
	size_t raw_len;
	char *raw_owned;            /* set when raw had to be re-serialised */
	bool has_received;
	int64_t received_ms;
};

/* Decodes one line (without its newline) into *event and *msg. A line
 * that is not a valid message still yields a reject event, so it can be
 * journaled and counted; free msg with ndjson_message_finish. */
void ndjson_decode_line(const char *line, size_t len, struct event *event, struct ndjson_message *msg);
void ndjson_message_finish(struct ndjson_message *msg);
/* ndjson_decode_line without the plain fast path (event_plain.h): the
 * reference its tests and fuzzers compare it with. */
void ndjson_decode_line_json(const char *line, size_t len, struct event *event,
                             struct ndjson_message *msg);

/* Clock sanity for a decoded line against the wall clock `now_ms`: a
 * receivedAt before 2010 or more than a day ahead makes the line a reject
 * (and is dropped, so it moves no receive clock); a lifecycle timestamp
 * implausible against the line's receive time (its receivedAt, else now)
 * makes it one too (REJECT_IMPLAUSIBLE_TIMESTAMP). */
void ndjson_check_times(struct event *event, struct ndjson_message *msg, int64_t now_ms);

#endif
