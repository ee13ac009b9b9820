/* Reading `aws iot search-index` pages and connectivity documents
 * (core/baseline.c) over the document walk they share with the DynamoDB
 * reader (core/json_docs.c). Expected values are written by hand from the
 * inputs below. */
#include "build_config.h"

#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "check.h"
#include "json_internal.h"

static void test_docs(void)
{
	/* Two documents, the second pretty over three lines, then bad JSON
	 * on line 6. */
	const char text[] = "{\"a\":1}\n\n{\n \"b\": 2\n}\n  {\"c\": }";
	struct json_docs docs = {.text = text, .len = strlen(text), .line = 1};
	const char *raw;
	size_t len;
	unsigned long line = 0;
	char *error = NULL;

	json_t *doc = json_docs_next(&docs, &raw, &len, &line, &error);
	CHECK(doc != NULL);
	CHECK_INT(line, 1);
	CHECK_INT(len, 7);
	CHECK(strncmp(raw, "{\"a\":1}", 7) == 0);
	json_decref(doc);

	doc = json_docs_next(&docs, &raw, &len, &line, &error);
	CHECK(doc != NULL);
	CHECK_INT(line, 3);
	CHECK(json_integer_value(json_object_get(doc, "b")) == 2);
	json_decref(doc);

	doc = json_docs_next(&docs, &raw, &len, &line, &error);
	CHECK(doc == NULL);
	CHECK(error && strncmp(error, "line 6 column ", 14) == 0);
	CHECK(error && strstr(error, "bad JSON") != NULL);
	free(error);

	/* Only white space left: the end, no error. */
	struct json_docs blank = {.text = " \n\t", .len = 3, .line = 1};
	CHECK(json_docs_next(&blank, &raw, &len, &line, &error) == NULL);
	CHECK(error == NULL);
}

static void test_items(void)
{
	json_t *doc = json_loads("{\"list\": [1, 2], \"one\": 3}", 0, NULL);
	struct json_items items = {0};

	json_items_start(&items, doc, json_object_get(doc, "list"), json_object_get(doc, "one"));
	CHECK_INT(json_integer_value(json_items_next(&items)), 1);
	CHECK_INT(json_integer_value(json_items_next(&items)), 2);
	CHECK(json_items_next(&items) == NULL);
	CHECK(items.doc == NULL);

	/* Not an array: the single item. */
	doc = json_loads("{\"list\": 5, \"one\": 3}", 0, NULL);
	json_items_start(&items, doc, json_object_get(doc, "list"), json_object_get(doc, "one"));
	CHECK_INT(json_integer_value(json_items_next(&items)), 3);
	CHECK(json_items_next(&items) == NULL);
	json_items_finish(&items);
}

static void test_reader(void)
{
	const char text[] =
		"{\"things\": [{\"thingName\": \"press-1\", \"connectivity\": {\"connected\": true,"
		" \"timestamp\": 1767225600000}}, {\"thingName\": 5}], \"nextToken\": \"tok\"}\n"
		"{\n  \"thingName\": \"press-2\",\n  \"connected\": false\n}\n"
		"{\"neither\": 1}\n";
	struct baseline_reader *r = baseline_reader_create(text, strlen(text));

	struct baseline_item *item = baseline_reader_next(r);
	CHECK(item && item->event.type == EVENT_BASELINE);
	CHECK(item && strcmp(item->event.client_id, "press-1") == 0);
	CHECK(item && item->line_no == 1 && item->thing_no == 1);
	CHECK_STR(baseline_reader_next_token(r), "tok");

	item = baseline_reader_next(r);
	CHECK(item && item->event.type == EVENT_REJECT && item->thing_no == 2);
	CHECK(item && strncmp(item->event.detail, "line 1: thing 2:", 16) == 0);

	item = baseline_reader_next(r);
	CHECK(item && item->event.type == EVENT_BASELINE && item->line_no == 2);
	CHECK(item && strcmp(item->event.client_id, "press-2") == 0);

	item = baseline_reader_next(r);
	CHECK(item && item->event.type == EVENT_REJECT && item->line_no == 6);
	CHECK(item && item->event.reject == REJECT_MISSING_FIELD);

	CHECK(baseline_reader_next(r) == NULL);
	CHECK(baseline_reader_error(r) == NULL);
	baseline_reader_destroy(r);
}

int main(void)
{
	RUN(test_docs);
	RUN(test_items);
	RUN(test_reader);
	return check_summary();
}
