/* `thingtop journal dump`: the journal's messages as NDJSON envelopes
 * {"topic":...,"payload":...,"receivedAt":...}, one a line, in receive
 * order, which `thingtop import` reads back to the same messages.
 *
 * The payload is its exact received text: embedded as it is when that
 * text is one JSON value other than a string (the import takes those
 * bytes as written), else as a JSON string of it, else (invalid UTF-8 or
 * a NUL byte) as "payloadBase64". A topic that is not UTF-8 goes as
 * "topicBase64" the same way. */
#ifndef THINGTOP_JOURNAL_DUMP_H
#define THINGTOP_JOURNAL_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "journal.h"

struct journal_dump_options {
	int64_t from_ms, to_ms;      /* receive time from <= t < to; 0 = unbounded */
	const bool *things;          /* NULL = all rows; else only rows whose thing id
	                              * indexes a true entry (rejects never) */
	size_t things_len;
	bool terminal;               /* out is a terminal: no payload embedded, and DEL and
	                              * the C1 controls escaped too (the same text once
	                              * parsed) */
};

/* Writes the rows to out. *lines (may be NULL) gets the number written.
 * A row whose payload cannot be rebuilt stops the dump with *cause. */
bool journal_dump(struct journal *journal, FILE *out, const struct journal_dump_options *options,
                  uint64_t *lines, char **cause);

/* Appends one envelope line for a message to a malloc'd buffer (*buf,
 * *len, *cap), newline included. `parsed`: the payload is known to be
 * JSON jansson takes (a lifecycle event's), so it is not parsed again. */
void journal_dump_line(char **buf, size_t *len, size_t *cap, const char *topic, size_t topic_len,
                       bool has_topic, const char *payload, size_t payload_len,
                       int64_t received_ms, bool parsed, bool terminal);

/* Base64 (RFC 4648) back to bytes: a malloc'd buffer and *len; NULL for
 * text that is not base64. */
unsigned char *journal_base64_decode(const char *text, size_t text_len, size_t *len);

#endif
