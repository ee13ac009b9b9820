/* RFC 4180 CSV with OWASP formula neutralising: a device-chosen client id
 * like "=HYPERLINK(...)" must stay text when the export is opened in a
 * spreadsheet. */
#include "csv.h"

#include <string.h>

static bool needs_neutralising(const char *text, size_t len)
{
	if (len == 0)
		return false;
	switch (text[0]) {
	case '=': case '+': case '-': case '@': case '\t': case '\r':
		return true;
	default:
		return false;
	}
}

static bool needs_quoting(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n')
			return true;
	return false;
}

/* Emits the cell through `put`, one byte at a time, so the file writer and
 * the buffer formatter share one definition of the quoting. */
struct sink {
	FILE *out;
	char *buf;
	size_t size, len;
};

/* The _unlocked stdio calls: a CSV is written by one thread, and a lock
 * per byte made exporting a million things take seconds. */
static void sink_put(struct sink *sink, char c)
{
	if (sink->out)
		putc_unlocked(c, sink->out);
	else if (sink->size && sink->len + 1 < sink->size)
		sink->buf[sink->len] = c;
	sink->len++;
}

static void emit_cell(struct sink *sink, const char *text, size_t len)
{
	bool neutralise = needs_neutralising(text, len);
	bool quote = neutralise || needs_quoting(text, len);

	if (!quote && sink->out) {
		fwrite_unlocked(text, 1, len, sink->out);
		return;
	}
	if (quote)
		sink_put(sink, '"');
	if (neutralise)
		sink_put(sink, '\'');
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '"')
			sink_put(sink, '"');
		sink_put(sink, text[i]);
	}
	if (quote)
		sink_put(sink, '"');
}

void csv_init(struct csv_writer *csv, FILE *out)
{
	csv->out = out;
	csv->row_started = false;
}

static void separate(struct csv_writer *csv)
{
	if (csv->row_started)
		putc_unlocked(',', csv->out);
	csv->row_started = true;
}

void csv_cell(struct csv_writer *csv, const char *text, size_t len)
{
	struct sink sink = {.out = csv->out};

	separate(csv);
	emit_cell(&sink, text, len);
}

void csv_cell_str(struct csv_writer *csv, const char *text)
{
	csv_cell(csv, text ? text : "", text ? strlen(text) : 0);
}

void csv_cell_int(struct csv_writer *csv, long long value)
{
	separate(csv);
	fprintf(csv->out, "%lld", value);
}

void csv_end_row(struct csv_writer *csv)
{
	putc_unlocked('\n', csv->out);
	csv->row_started = false;
}

/* Returns the full length of the formatted cell; writes as much as fits
 * (always NUL-terminated when size > 0), like snprintf. */
size_t csv_format_cell(const char *text, size_t len, char *buf, size_t size)
{
	struct sink sink = {.buf = buf, .size = size};

	emit_cell(&sink, text, len);
	if (size)
		buf[sink.len < size ? sink.len : size - 1] = '\0';
	return sink.len;
}
