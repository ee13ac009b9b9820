/* Reading a stream line by line with a cap on the line length, so one
 * enormous line cannot eat the memory: its first `max_len` bytes come back
 * flagged as truncated and the rest is skipped. */
#ifndef THINGTOP_LINES_H
#define THINGTOP_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct line_reader {
	FILE *in;                   /* borrowed */
	size_t max_len;
	char *buf;
	size_t start, end, cap;     /* unread bytes are buf[start..end) */
	bool eof;
	bool skipping;              /* the rest of an overlong line is still to skip */
	unsigned long line_no;      /* 1-based number of the line last returned */
};

void line_reader_init(struct line_reader *reader, FILE *in, size_t max_len);
void line_reader_finish(struct line_reader *reader);

/* The next line without its "\n" (and without a "\r" before it). Sets
 * *line (valid until the next call) and *len; *truncated when the line was
 * longer than max_len. Returns false at end of input or on a read error
 * (ferror(in) tells which). */
bool line_reader_next(struct line_reader *reader, const char **line, size_t *len, bool *truncated);

/* After a truncated line, once its start has been copied: skips the rest
 * of it now (the buffer is reused) and returns how many bytes that was,
 * so the line's full length can be reported. 0 when nothing is pending. */
size_t line_reader_skip_rest(struct line_reader *reader);

#endif
