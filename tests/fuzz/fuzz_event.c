/* libFuzzer harness for the lifecycle event parser. The input is split at
 * its first newline into topic and payload; the whole input is also parsed
 * as a payload with no topic. Every result must be a complete, printable
 * struct event, the same with the plain fast path as without it. */
#include "event.h"
#include "event_plain.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct event *ev, bool ok)
{
	/* A detail goes to terminals and logs: no raw control bytes. */
	for (const char *s = ev->detail; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			abort();
	}
	if (memchr(ev->detail, '\0', sizeof(ev->detail)) == NULL ||
	    memchr(ev->client_id, '\0', sizeof(ev->client_id)) == NULL ||
	    memchr(ev->reason, '\0', sizeof(ev->reason)) == NULL)
		abort();
	if (ok != (ev->type >= EVENT_CONNECTED && ev->type <= EVENT_UNSUBSCRIBED))
		abort();
	if (ok && (ev->reject != REJECT_NONE || ev->client_id[0] == '\0' || ev->detail[0] != '\0'))
		abort();
	if (ev->type == EVENT_REJECT && (ev->reject == REJECT_NONE || ev->reject >= REJECT_COUNT))
		abort();
}

/* event_parse (fast path first) and jansson's path alone agree, byte for
 * byte, whatever garbage the structs held before. */
static bool parse_both(const char *topic, const char *payload, size_t len, struct event *ev)
{
	static struct event slow;
	memset(ev, 0xAA, sizeof *ev);
	memset(&slow, 0x55, sizeof slow);
	bool ok = event_parse(topic, payload, len, ev);
	if (event_parse_json(topic, payload, len, &slow) != ok || memcmp(ev, &slow, sizeof slow) != 0)
		abort();
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	struct event ev;
	bool ok;

	if (nl) {
		/* the topic is a C string: it ends at the newline or a NUL */
		size_t tlen = (size_t)(nl - in);
		char *topic = malloc(tlen + 1);

		memcpy(topic, in, tlen);
		topic[tlen] = '\0';
		ok = parse_both(topic, nl + 1, size - tlen - 1, &ev);
		check(&ev, ok);
		free(topic);
	}
	ok = parse_both(NULL, in, size, &ev);
	check(&ev, ok);
	return 0;
}
