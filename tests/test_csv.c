/* csv.h: RFC 4180 quoting and OWASP formula neutralising. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "csv.h"

static const char *cell(const char *text)
{
	static char buf[256];
	csv_format_cell(text, strlen(text), buf, sizeof buf);
	return buf;
}

static void test_quoting(void)
{
	CHECK_STR(cell("plain"), "plain");
	CHECK_STR(cell(""), "");
	CHECK_STR(cell("a,b"), "\"a,b\"");
	CHECK_STR(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
	CHECK_STR(cell("line1\nline2"), "\"line1\nline2\"");
	CHECK_STR(cell("cr\rhere"), "\"cr\rhere\"");
	CHECK_STR(cell("caf\xc3\xa9 \xe6\x97\xa5"), "caf\xc3\xa9 \xe6\x97\xa5");
	CHECK_STR(cell("a=b"), "a=b");
	CHECK_STR(cell("x-1"), "x-1");
	CHECK_STR(cell("2026-01-01T00:00:00.000Z"), "2026-01-01T00:00:00.000Z");
}

static void test_neutralising(void)
{
	CHECK_STR(cell("=1+1"), "\"'=1+1\"");
	CHECK_STR(cell("-2"), "\"'-2\"");
	CHECK_STR(cell("+x"), "\"'+x\"");
	CHECK_STR(cell("@x"), "\"'@x\"");
	CHECK_STR(cell("\tx"), "\"'\tx\"");
	CHECK_STR(cell("\rx"), "\"'\rx\"");
	CHECK_STR(cell("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
}

static void test_format_length(void)
{
	char small[4];
	/* Like snprintf: the full length back, as much as fits written. */
	CHECK_INT(csv_format_cell("a,b", 3, small, sizeof small), 5);
	CHECK_STR(small, "\"a,");
	CHECK_INT(csv_format_cell("abc", 3, NULL, 0), 3);
}

static void test_writer(void)
{
	char *data = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&data, &size);
	struct csv_writer csv;

	csv_init(&csv, out);
	csv_cell_str(&csv, "a");
	csv_cell_int(&csv, -5);
	csv_cell_str(&csv, "x,y");
	csv_cell(&csv, "q\"", 2);
	csv_end_row(&csv);
	csv_cell_str(&csv, "=z");
	csv_cell_str(&csv, "");
	csv_end_row(&csv);
	csv_cell_int(&csv, 42);
	csv_end_row(&csv);
	fclose(out);
	CHECK_STR(data, "a,-5,\"x,y\",\"q\"\"\"\n\"'=z\",\n42\n");
	free(data);
}

int main(void)
{
	RUN(test_quoting);
	RUN(test_neutralising);
	RUN(test_format_length);
	RUN(test_writer);
	return check_summary();
}
