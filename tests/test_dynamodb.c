/* DynamoDB typed JSON to lifecycle payloads (core/dynamodb.c) and reading
 * scan pages and export lines (core/dynamodb_reader.c). Expected texts are
 * written by hand from aws-field.md §2. */
#include "build_config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dynamodb.h"
#include "json_internal.h"
#include "ndjson.h"
#include "temp_dir.h"

static char *convert_text(const char *typed_json, char **cause)
{
	json_error_t error;
	json_t *typed = json_loads(typed_json, JSON_DECODE_ANY, &error);
	char *out = NULL;
	size_t len = 0;
	*cause = NULL;
	if (!typed)
		return NULL;
	if (!dynamodb_value_to_json(typed, "event", &out, &len, cause))
		out = NULL;
	else
		CHECK_INT(strlen(out), len);
	json_decref(typed);
	return out;
}

static void expect_json(const char *typed, const char *want)
{
	char *cause;
	char *got = convert_text(typed, &cause);
	CHECK_STR(got, want);
	if (cause)
		fprintf(stderr, "   cause: %s\n", cause);
	free(got);
	free(cause);
}

static void expect_error(const char *typed, const char *want_cause)
{
	char *cause;
	char *got = convert_text(typed, &cause);
	CHECK(got == NULL);
	CHECK_STR(cause, want_cause);
	free(got);
	free(cause);
}

static void test_values(void)
{
	expect_json("{\"S\": \"press-7\"}", "\"press-7\"");
	expect_json("{\"N\": \"1767225547954\"}", "1767225547954");
	/* Exact digits, even where a double would round them. */
	expect_json("{\"N\": \"0.10\"}", "0.10");
	expect_json("{\"N\": \"12345678901234567890123\"}", "12345678901234567890123");
	expect_json("{\"N\": \"-1.5e+3\"}", "-1.5e+3");
	expect_json("{\"BOOL\": true}", "true");
	expect_json("{\"BOOL\": false}", "false");
	expect_json("{\"NULL\": true}", "null");
	expect_json("{\"M\": {}}", "{}");
	expect_json("{\"L\": []}", "[]");
	expect_json("{\"M\": {\"a\": {\"L\": [{\"N\": \"1\"}, {\"S\": \"x\"}, {\"M\": {\"b\": {\"NULL\": true}}}]}}}",
	            "{\"a\":[1,\"x\",{\"b\":null}]}");
	expect_json("{\"SS\": [\"a\", \"b\"]}", "[\"a\",\"b\"]");
	expect_json("{\"NS\": [\"1\", \"2.50\"]}", "[1,2.50]");
	expect_json("{\"B\": \"aGk=\"}", "\"aGk=\"");
	/* Escapes: quote, backslash, control characters; UTF-8 kept. */
	expect_json("{\"S\": \"a\\\"b\\\\c\\n\\u0001Gerät\"}", "\"a\\\"b\\\\c\\u000a\\u0001Gerät\"");
	expect_json("{\"M\": {\"k\\\"ey\": {\"S\": \"v\"}}}", "{\"k\\\"ey\":\"v\"}");
}

static void test_bad_values(void)
{
	expect_error("{\"N\": 12}", "event: a number (N) must be given as a string");
	expect_error("{\"N\": \"+1\"}", "event: a number (N) is not a JSON number");
	expect_error("{\"N\": \"1.\"}", "event: a number (N) is not a JSON number");
	expect_error("{\"N\": \"01\"}", "event: a number (N) is not a JSON number");
	expect_error("{\"N\": \"\"}", "event: a number (N) is not a JSON number");
	expect_error("{\"N\": \"1e\"}", "event: a number (N) is not a JSON number");
	expect_error("{\"S\": \"a\", \"N\": \"1\"}",
	             "event: not a typed value (an object with one key: S, N, BOOL, M, L, ...)");
	expect_error("\"plain\"", "event: not a typed value (an object with one key: S, N, BOOL, M, L, ...)");
	expect_error("{\"X\": 1}", "event: unknown type tag (not S, N, B, BOOL, NULL, M, L, SS, NS, BS)");
	expect_error("{\"BOOL\": \"yes\"}", "event: BOOL is not true or false");
	expect_error("{\"M\": {\"a\": {\"L\": [{\"S\": \"ok\"}, {\"N\": \"x\"}]}}}",
	             "event.a[1]: a number (N) is not a JSON number");
	expect_error("{\"SS\": [\"a\", 1]}", "event[1]: a string or binary set holds a non-string");
	expect_error("{\"M\": []}", "event: a map (M) must be an object");

	/* Deeper than the limit: refused, not recursed into. */
	char deep[2048] = "";
	for (int i = 0; i < DYNAMODB_DEPTH_MAX + 2; i++)
		strcat(deep, "{\"L\":[");
	strcat(deep, "{\"NULL\":true}");
	for (int i = 0; i < DYNAMODB_DEPTH_MAX + 2; i++)
		strcat(deep, "]}");
	char *cause;
	char *got = convert_text(deep, &cause);
	CHECK(got == NULL);
	CHECK(cause && strstr(cause, "nested too deep"));
	free(got);
	free(cause);
}

static void test_item(void)
{
	const char *text =
		"{\"clientId\": {\"S\": \"press-7\"}, \"timestamp\": {\"N\": \"1767225547954\"},"
		" \"eventType\": {\"S\": \"connected\"}, \"event\": {\"M\": {\"clientId\": {\"S\": \"press-7\"},"
		" \"eventType\": {\"S\": \"connected\"}, \"timestamp\": {\"N\": \"1767225547954\"},"
		" \"versionNumber\": {\"N\": \"3\"}}}}";
	json_t *item = json_loads(text, 0, NULL);
	struct dynamodb_message msg;
	char *cause = NULL;
	CHECK(dynamodb_item_convert(item, &msg, &cause));
	CHECK_STR(msg.topic, "$aws/events/presence/connected/press-7");
	CHECK_STR(msg.payload, "{\"clientId\":\"press-7\",\"eventType\":\"connected\","
	                       "\"timestamp\":1767225547954,\"versionNumber\":3}");
	dynamodb_message_finish(&msg);
	json_decref(item);

	/* Without the item's own eventType/clientId: taken from the event map;
	 * subscription events get their own family. */
	item = json_loads("{\"event\": {\"M\": {\"clientId\": {\"S\": \"c\"}, \"eventType\": {\"S\": \"subscribed\"}}}}",
	                  0, NULL);
	CHECK(dynamodb_item_convert(item, &msg, &cause));
	CHECK_STR(msg.topic, "$aws/events/subscriptions/subscribed/c");
	dynamodb_message_finish(&msg);
	json_decref(item);

	item = json_loads("{\"clientId\": {\"S\": \"c\"}}", 0, NULL);
	CHECK(!dynamodb_item_convert(item, &msg, &cause));
	CHECK(cause && strstr(cause, "no \"event\" attribute"));
	free(cause);
	cause = NULL;
	json_decref(item);

	item = json_loads("{\"event\": {\"S\": \"text\"}}", 0, NULL);
	CHECK(!dynamodb_item_convert(item, &msg, &cause));
	CHECK(cause && strstr(cause, "not a map"));
	free(cause);
	json_decref(item);
}

static void test_detect(void)
{
	CHECK(dynamodb_detect("{\"Items\": [", 11));
	CHECK(dynamodb_detect("\n  {\n    \"Count\": 3", 19));
	CHECK(dynamodb_detect("{\"Item\": {", 10));
	CHECK(dynamodb_detect("\xef\xbb\xbf{\"Items\":[]}", 15));
	CHECK(!dynamodb_detect("{\"ItemsX\": 1}", 13));
	CHECK(!dynamodb_detect("{\"topic\": \"$aws\"}", 17));
	CHECK(!dynamodb_detect("{\"clientId\": \"Items\"}", 21));
	CHECK(!dynamodb_detect("{\"Item", 6));
	CHECK(!dynamodb_detect("", 0));
	CHECK(!dynamodb_detect("[{\"Items\": 1}]", 14));
}

#define ITEM(client, type, ts) \
	"{\"clientId\":{\"S\":\"" client "\"},\"eventType\":{\"S\":\"" type "\"}," \
	"\"event\":{\"M\":{\"clientId\":{\"S\":\"" client "\"},\"eventType\":{\"S\":\"" type "\"}," \
	"\"timestamp\":{\"N\":\"" ts "\"}}}}"

static FILE *text_file(const char *text)
{
	FILE *f = tmpfile();
	fputs(text, f);
	rewind(f);
	return f;
}

static void test_reader_pages(void)
{
	/* Two pretty-printed scan pages, the first with a NextToken. */
	FILE *f = text_file("{\n  \"Items\": [\n    " ITEM("a", "connected", "1767225600000") ",\n    "
	                    ITEM("b", "disconnected", "1767225600001") "\n  ],\n  \"Count\": 2,\n"
	                    "  \"NextToken\": \"t1\"\n}\n{\n  \"Items\": [\n    "
	                    ITEM("c", "connected", "1767225600002") "\n  ],\n  \"Count\": 1\n}\n");
	struct dynamodb_reader *r = dynamodb_reader_create(f);
	struct dynamodb_record *rec;
	const char *want[] = {"a", "b", "c"};
	unsigned long want_line[] = {1, 1, 9};
	int n = 0;
	while ((rec = dynamodb_reader_next(r))) {
		if (n < 3) {
			CHECK_STR(rec->event.client_id, want[n]);
			CHECK_INT(rec->item_no, n + 1);
			CHECK_INT(rec->line_no, want_line[n]);
		}
		n++;
	}
	CHECK_INT(n, 3);
	CHECK(dynamodb_reader_error(r) == NULL);
	dynamodb_reader_destroy(r);
	fclose(f);
}

static void test_reader_lines(void)
{
	FILE *f = text_file("{\"Item\":" ITEM("a", "connected", "1767225600000") "}\n"
	                    "\n"
	                    "{\"Item\": broken\n"
	                    "{\"Other\": 1}\n"
	                    "{\"Item\":" ITEM("b", "rebooted", "1767225600000") "}\n"
	                    "{\"Items\":[" ITEM("c", "connected", "1767225600000") "]}\n");
	struct dynamodb_reader *r = dynamodb_reader_create(f);
	struct dynamodb_record *rec = dynamodb_reader_next(r);
	CHECK(rec && rec->event.type == EVENT_CONNECTED && rec->line_no == 1);
	CHECK(rec && rec->topic && strcmp(rec->topic, "$aws/events/presence/connected/a") == 0);
	rec = dynamodb_reader_next(r);
	CHECK(rec && rec->event.type == EVENT_REJECT && rec->event.reject == REJECT_BAD_JSON);
	CHECK(rec && strncmp(rec->event.detail, "line 3: bad JSON", 16) == 0);
	CHECK(rec && rec->raw_len == strlen("{\"Item\": broken"));
	rec = dynamodb_reader_next(r);
	CHECK(rec && rec->event.reject == REJECT_MISSING_FIELD && strstr(rec->event.detail, "line 4"));
	rec = dynamodb_reader_next(r);
	/* As live: an unknown type under presence/ is another event family. */
	CHECK(rec && rec->event.type == EVENT_IGNORED);
	rec = dynamodb_reader_next(r);
	CHECK(rec && rec->event.type == EVENT_CONNECTED && rec->line_no == 6 && rec->item_no == 3);
	CHECK(dynamodb_reader_next(r) == NULL);
	CHECK(dynamodb_reader_error(r) == NULL);
	dynamodb_reader_destroy(r);
	fclose(f);
}

static void test_reader_cut(void)
{
	/* Pretty output cut short: an error with a line, the first page kept. */
	FILE *f = text_file("{\n \"Items\": [" ITEM("a", "connected", "1767225600000") "]\n}\n"
	                    "{\n \"Items\": [\n" ITEM("b", "connected", "1767225600000"));
	struct dynamodb_reader *r = dynamodb_reader_create(f);
	struct dynamodb_record *rec = dynamodb_reader_next(r);
	CHECK(rec && strcmp(rec->event.client_id, "a") == 0);
	CHECK(dynamodb_reader_next(r) == NULL);
	const char *error = dynamodb_reader_error(r);
	CHECK(error && strncmp(error, "line 7 column", 13) == 0);
	if (error)
		fprintf(stderr, "   error: %s\n", error);
	dynamodb_reader_destroy(r);
	fclose(f);
}

static void test_export_line(void)
{
	CHECK(dynamodb_is_export("{\"Item\": {", 10));
	CHECK(!dynamodb_is_export("{\"Items\": [", 11));
	struct event e;
	struct ndjson_message msg;
	const char *line = "{\"Item\":" ITEM("a", "disconnected", "1767225600000") "}";
	dynamodb_decode_export_line(line, strlen(line), &e, &msg);
	CHECK_INT(e.type, EVENT_DISCONNECTED);
	CHECK_STR(msg.topic, "$aws/events/presence/disconnected/a");
	CHECK(msg.raw && strncmp(msg.raw, "{\"clientId\":\"a\",", 16) == 0);
	ndjson_message_finish(&msg);
	dynamodb_decode_export_line("{\"Item\": 3}", 11, &e, &msg);
	CHECK_INT(e.reject, REJECT_MISSING_FIELD);
	CHECK(msg.raw_len == 11);
	ndjson_message_finish(&msg);
	dynamodb_decode_export_line("{\"Item\": {\"event\": {\"M\": {\"n\": {\"N\": \"x\"}}}}}", 45, &e,
	                            &msg);
	CHECK_INT(e.reject, REJECT_MISTYPED_FIELD);
	CHECK_STR(e.detail, "event.n: a number (N) is not a JSON number");
	ndjson_message_finish(&msg);
	dynamodb_decode_export_line("{\"Item\"", 7, &e, &msg);
	CHECK_INT(e.reject, REJECT_BAD_JSON);
	ndjson_message_finish(&msg);
	/* A timestamp from another decade: a reject, as for NDJSON. */
	line = "{\"Item\":" ITEM("a", "connected", "99") "}";
	dynamodb_decode_export_line(line, strlen(line), &e, &msg);
	CHECK_INT(e.reject, REJECT_IMPLAUSIBLE_TIMESTAMP);
	ndjson_message_finish(&msg);
}

int main(void)
{
	RUN(test_values);
	RUN(test_bad_values);
	RUN(test_item);
	RUN(test_detect);
	RUN(test_reader_pages);
	RUN(test_reader_lines);
	RUN(test_reader_cut);
	RUN(test_export_line);
	return check_summary();
}
