/* Reading an NDJSON stream with the JSON decoding spread over worker
 * threads, so a bulk import uses every core: one thread reads lines into
 * chunks, workers decode whole chunks, and the caller takes the decoded
 * lines back in file order. */
#ifndef THINGTOP_NDJSON_READER_H
#define THINGTOP_NDJSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "event.h"
#include "ndjson.h"

struct ndjson_line {
	unsigned long line_no;      /* 1-based */
	const char *text;           /* the line without its newline */
	size_t len;
	bool truncated;             /* longer than the limit: only its start is in text */
	size_t full_len;            /* the line's whole length (len unless truncated) */
	struct event event;         /* decoded (a reject for a bad or truncated line) */
	struct ndjson_message msg;  /* raw payload and envelope fields */
};

struct ndjson_reader;

/* Reads `in` (borrowed) with `workers` decoding threads (at least 1);
 * lines longer than max_len bytes are truncated and rejected. NULL with
 * *cause when the threads cannot start. */
struct ndjson_reader *ndjson_reader_create(FILE *in, size_t max_len, int workers, char **cause);

/* The same with another line format: `decode` (run on worker threads, so
 * thread-safe) fills the event and message of one line, as
 * ndjson_decode_line and ndjson_check_times do for NDJSON. */
typedef void (*ndjson_decode_fn)(const char *line, size_t len, struct event *event,
                                 struct ndjson_message *msg);
struct ndjson_reader *ndjson_reader_create_decoder(FILE *in, size_t max_len, int workers,
                                                   ndjson_decode_fn decode, char **cause);
/* The next line in file order, valid until the next call; NULL at the end
 * of input or after a read error (ndjson_reader_failed tells). */
const struct ndjson_line *ndjson_reader_next(struct ndjson_reader *reader);
bool ndjson_reader_failed(const struct ndjson_reader *reader);
void ndjson_reader_destroy(struct ndjson_reader *reader);

#endif
