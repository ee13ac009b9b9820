/* What AWS already knows about the fleet, as `thingtop sync` reads it:
 * saved or live output of `aws iot search-index --index-name AWS_Things`
 * ({"things": [...], "nextToken": ...}, one page or several, pretty or one
 * a line) and of `aws iot get-thing-connectivity-data` ({"thingName": ...,
 * "connected": ...}). See core/AWS-FIELD.md §1. Each thing
 * becomes an EVENT_BASELINE event (event.h) whose payload is the thing's
 * JSON object. */
#ifndef THINGTOP_BASELINE_H
#define THINGTOP_BASELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "event.h"

/* Saved outputs are read whole; one this big is refused. */
#define BASELINE_TEXT_MAX ((size_t)1 << 30)

struct baseline_item {
	unsigned long line_no;      /* where the item's document starts (1-based) */
	unsigned long thing_no;     /* 1-based count of things in the input */
	struct event event;         /* EVENT_BASELINE, or a reject whose detail says where */
	const char *raw;            /* the thing's JSON text (or the bad document's start) */
	size_t raw_len;
};

struct baseline_reader;

/* Reads `len` bytes of text (borrowed; must outlive the reader). */
struct baseline_reader *baseline_reader_create(const char *text, size_t len);
/* The next thing, valid until the next call; NULL at the end or when the
 * text cannot be read further (baseline_reader_error says why and where). */
struct baseline_item *baseline_reader_next(struct baseline_reader *reader);
const char *baseline_reader_error(const struct baseline_reader *reader);
/* The nextToken of the last search-index page read (NULL when none). */
const char *baseline_reader_next_token(const struct baseline_reader *reader);
void baseline_reader_destroy(struct baseline_reader *reader);

#endif
