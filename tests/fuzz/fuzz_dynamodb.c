/* Fuzzes the DynamoDB reader (scan pages, export lines, pretty-printed
 * documents) and, through it, the typed-JSON converter and the event
 * parser on the payloads it rebuilds. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dynamodb.h"
#include "json_internal.h"
#include "ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	struct dynamodb_reader *reader = dynamodb_reader_create(in);
	struct dynamodb_record *rec;
	while ((rec = dynamodb_reader_next(reader))) {
		/* Whatever came in, the result is one of the known types, and a
		 * converted payload is itself valid JSON. A number keeps its
		 * text (DynamoDB's N has up to 38 digits), so jansson may find
		 * it too big to hold: that is the one refusal allowed. */
		if ((unsigned)rec->event.type >= EVENT_TYPE_COUNT)
			__builtin_trap();
		if (rec->event.type == EVENT_REJECT && rec->event.reject == REJECT_NONE)
			__builtin_trap();
		if (rec->raw_len > 0 && rec->event.type != EVENT_REJECT) {
			json_error_t err;
			json_t *back = json_loadb(rec->raw, rec->raw_len, JSON_DECODE_ANY, &err);
			if (!back && json_error_code(&err) != json_error_numeric_overflow)
				__builtin_trap();
			json_decref(back);
		}
	}
	dynamodb_reader_destroy(reader);
	fclose(in);

	/* The whole input as one export line, as the worker threads decode it. */
	static struct event event;
	struct ndjson_message msg;
	dynamodb_decode_export_line((const char *)data, size, &event, &msg);
	if ((unsigned)event.type >= EVENT_TYPE_COUNT ||
	    (event.type == EVENT_REJECT && event.reject == REJECT_NONE))
		__builtin_trap();
	ndjson_message_finish(&msg);
	return 0;
}
