/* The simulator's words: quirk names, default options and the NDJSON
 * form of its messages. The model itself is simulate.c. */
#include "simulate.h"

#include <stdio.h>
#include <string.h>

#include "simulate_internal.h"
#include "xalloc.h"

static const char *const quirk_names[] = {
	"flapping", "storms", "reorder", "duplicates", "skew", "version-reset",
	"takeover", "keepalive", "connect-failed", "subscriptions", "malformed",
};
#define QUIRK_COUNT (sizeof quirk_names / sizeof quirk_names[0])

const char *simulate_quirk_name(enum simulate_quirk quirk)
{
	for (size_t i = 0; i < QUIRK_COUNT; i++) {
		if (quirk == (1u << i))
			return quirk_names[i];
	}
	return "?";
}

bool simulate_parse_quirks(const char *text, unsigned *quirks, char **cause)
{
	if (strcmp(text, "all") == 0) {
		*quirks = SIM_ALL;
		return true;
	}
	if (strcmp(text, "none") == 0 || !*text) {
		*quirks = 0;
		return true;
	}
	unsigned result = 0;
	const char *p = text;
	while (*p) {
		size_t len = strcspn(p, ",");
		size_t i;
		for (i = 0; i < QUIRK_COUNT; i++) {
			if (strlen(quirk_names[i]) == len && strncmp(p, quirk_names[i], len) == 0)
				break;
		}
		if (i == QUIRK_COUNT) {
			char known[256];
			size_t at = 0;
			for (size_t k = 0; k < QUIRK_COUNT; k++)
				at += (size_t)snprintf(known + at, sizeof known - at, ", %s", quirk_names[k]);
			set_cause(cause, "unknown quirk \"%.*s\" (known: all, none%s)", (int)len, p, known);
			return false;
		}
		result |= 1u << i;
		p += len;
		if (*p == ',')
			p++;
	}
	*quirks = result;
	return true;
}

void simulate_defaults(struct simulate_options *options)
{
	memset(options, 0, sizeof *options);
	options->seed = 1;
	options->things = 300;
	options->quirks = SIM_ALL;
	options->start_ms = 1767225600000LL; /* 2026-01-01T00:00:00Z */
	options->mean_interval_ms = 600000;
	options->reorder_window = 32;
}

size_t simulate_json_escape(const char *in, size_t len, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	for (size_t i = 0; i < len && n + 7 < size; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(out + n, "\\u00", 4);
			out[n + 4] = hex[c >> 4];
			out[n + 5] = hex[c & 15];
			n += 6;
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

char *simulate_put_str(char *p, const char *s)
{
	size_t len = strlen(s);
	memcpy(p, s, len);
	return p + len;
}

char *simulate_put_int(char *p, int64_t v)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)-(v + 1) + 1 : (uint64_t)v;
	if (v < 0)
		*p++ = '-';
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		*p++ = tmp[--n];
	return p;
}

void simulate_write_ndjson(const struct simulate_message *msg, FILE *out)
{
	char line[SIMULATE_TOPIC_MAX * 6 + SIMULATE_PAYLOAD_MAX * 6 + 64];
	char *p = simulate_put_str(line, "{\"topic\":\"");
	p += simulate_json_escape(msg->topic, msg->topic_len, p, SIMULATE_TOPIC_MAX * 6);
	p = simulate_put_str(p, "\",\"payload\":");
	if (msg->malformed) {
		*p++ = '"';
		p += simulate_json_escape(msg->payload, msg->payload_len, p, SIMULATE_PAYLOAD_MAX * 6);
		*p++ = '"';
	} else {
		memcpy(p, msg->payload, msg->payload_len);
		p += msg->payload_len;
	}
	p = simulate_put_str(p, ",\"receivedAt\":");
	p = simulate_put_int(p, msg->received_ms);
	*p++ = '}';
	*p++ = '\n';
	fwrite(line, 1, (size_t)(p - line), out);
}

