/* Fuzzes the NDJSON import line decoder (envelopes, bare payloads, garbage)
 * and, through it, the event parser on envelope payloads, then the clock
 * checks of the line's times. */
#include <stddef.h>
#include <stdint.h>

#include "ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event event;
	struct ndjson_message msg;

	ndjson_decode_line((const char *)data, size, &event, &msg);
	/* 2026-01-01: the clock checks on whatever times came in. */
	ndjson_check_times(&event, &msg, INT64_C(1767225600000));
	/* Whatever came in, the result is one of the known types. */
	if ((unsigned)event.type >= EVENT_TYPE_COUNT)
		__builtin_trap();
	if (event.type == EVENT_REJECT && event.reject == REJECT_NONE)
		__builtin_trap();
	ndjson_message_finish(&msg);
	return 0;
}
