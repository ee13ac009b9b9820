/* CSV output: RFC 4180 quoting, UTF-8, CRLF-free ("\n" line ends, as most
 * tools expect), and spreadsheet formula neutralising (OWASP): a cell that
 * starts with = + - @ TAB or CR gets a leading single quote. */
#ifndef THINGTOP_CSV_H
#define THINGTOP_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct csv_writer {
	FILE *out;                  /* borrowed */
	bool row_started;
};

void csv_init(struct csv_writer *csv, FILE *out);
/* One cell; quoted when it holds , " CR or LF (or had to be neutralised). */
void csv_cell(struct csv_writer *csv, const char *text, size_t len);
void csv_cell_str(struct csv_writer *csv, const char *text);
/* A number the program made itself: never neutralised (-5 stays -5). */
void csv_cell_int(struct csv_writer *csv, long long value);
void csv_end_row(struct csv_writer *csv);
/* Writes the cell's text as csv_cell would into buf (for tests). */
size_t csv_format_cell(const char *text, size_t len, char *buf, size_t size);

#endif
