/* Fuzzes the NDJSON import line decoder (envelopes, bare payloads, garbage)
 * and, through it, the event parser on envelope payloads, then the clock
 * checks of the line's times. The plain fast path must read every line as
 * jansson's path does. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event event;
	struct ndjson_message msg;

	static struct event slow;
	struct ndjson_message slow_msg;
	memset(&event, 0xAA, sizeof event);
	memset(&slow, 0x55, sizeof slow);
	ndjson_decode_line((const char *)data, size, &event, &msg);
	ndjson_decode_line_json((const char *)data, size, &slow, &slow_msg);
	if (memcmp(&event, &slow, sizeof slow) != 0 || msg.has_received != slow_msg.has_received ||
	    msg.received_ms != slow_msg.received_ms || msg.raw_len != slow_msg.raw_len ||
	    memcmp(msg.raw, slow_msg.raw, msg.raw_len) != 0 || !msg.topic != !slow_msg.topic ||
	    (msg.topic && strcmp(msg.topic, slow_msg.topic) != 0))
		__builtin_trap();
	ndjson_message_finish(&slow_msg);
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
