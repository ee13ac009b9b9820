#include "lines.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define LINES_CHUNK (1 << 20)

void line_reader_init(struct line_reader *reader, FILE *in, size_t max_len)
{
	memset(reader, 0, sizeof(*reader));
	reader->in = in;
	reader->max_len = max_len;
	reader->cap = max_len + LINES_CHUNK;
	reader->buf = xmalloc(reader->cap);
}

void line_reader_finish(struct line_reader *reader)
{
	free(reader->buf);
	reader->buf = NULL;
}

/* Moves unread bytes to the front and reads more; false at EOF. */
static bool fill(struct line_reader *reader)
{
	if (reader->eof)
		return false;
	if (reader->start > 0) {
		memmove(reader->buf, reader->buf + reader->start, reader->end - reader->start);
		reader->end -= reader->start;
		reader->start = 0;
	}
	size_t got = fread(reader->buf + reader->end, 1, reader->cap - reader->end, reader->in);
	reader->end += got;
	if (got == 0)
		reader->eof = true;
	return got > 0;
}

/* Skips the rest of an overlong line, up to and including its newline;
 * returns the bytes skipped before the newline. */
static size_t skip_line(struct line_reader *reader)
{
	size_t skipped = 0;
	for (;;) {
		char *nl = memchr(reader->buf + reader->start, '\n', reader->end - reader->start);
		if (nl) {
			skipped += (size_t)(nl - reader->buf) - reader->start;
			reader->start = (size_t)(nl - reader->buf) + 1;
			return skipped;
		}
		skipped += reader->end - reader->start;
		reader->start = reader->end;
		if (!fill(reader))
			return skipped;
	}
}

size_t line_reader_skip_rest(struct line_reader *reader)
{
	if (!reader->skipping)
		return 0;
	reader->skipping = false;
	return skip_line(reader);
}

bool line_reader_next(struct line_reader *reader, const char **line, size_t *len, bool *truncated)
{
	*truncated = false;
	if (reader->skipping) {
		/* The rest of the overlong line returned last time. */
		skip_line(reader);
		reader->skipping = false;
	}
	for (;;) {
		char *begin = reader->buf + reader->start;
		size_t avail = reader->end - reader->start;
		char *nl = memchr(begin, '\n', avail);
		if (nl || (reader->eof && avail > 0) || avail > reader->max_len) {
			size_t n = nl ? (size_t)(nl - begin) : avail;
			if (n > reader->max_len) {
				n = reader->max_len;
				*truncated = true;
				reader->start += n;
				reader->skipping = true;
			} else {
				reader->start += nl ? n + 1 : n;
			}
			if (n > 0 && begin[n - 1] == '\r' && !*truncated)
				n--;
			*line = begin;
			*len = n;
			reader->line_no++;
			return true;
		}
		if (!fill(reader) && reader->end == reader->start)
			return false;
	}
}
