/* Parsed columns in binary (see journal_codec.h): each packs only what
 * unpacks to the very same text, so a row always reads back as written. */
#include "build_config.h"

#include "journal_codec.h"
#include "event.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Reasons are stored as their index in event_known_reasons + 1. */
#define REASON_COUNT EVENT_KNOWN_REASONS
static const char *const *const reasons = event_known_reasons;

/* Each byte's value as a lowercase hex digit, or -1. */
static const signed char hex_digit[256] = {
	['0'] = 0 + 1, ['1'] = 1 + 1, ['2'] = 2 + 1, ['3'] = 3 + 1, ['4'] = 4 + 1,
	['5'] = 5 + 1, ['6'] = 6 + 1, ['7'] = 7 + 1, ['8'] = 8 + 1, ['9'] = 9 + 1,
	['a'] = 10 + 1, ['b'] = 11 + 1, ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1,
	['f'] = 15 + 1,
};

static int hex_value(char c)
{
	return hex_digit[(unsigned char)c] - 1;
}

size_t journal_pack_session(const char *text, unsigned char out[16])
{
	/* 8-4-4-4-12 lowercase hex digits: where each byte's two digits are.
	 * A rebuild packs every row's session id, so no loop over text. */
	static const unsigned char at[16] = { 0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34 };
	if (strnlen(text, 37) != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
	    text[23] != '-')
		return 0;
	int bad = 0;
	for (size_t n = 0; n < 16; n++) {
		int hi = hex_value(text[at[n]]), lo = hex_value(text[at[n] + 1]);
		bad |= hi | lo;
		out[n] = (unsigned char)((unsigned)hi << 4 | (unsigned)lo);
	}
	return bad < 0 ? 0 : 16;
}

const char *journal_unpack_session(const void *bytes, size_t len, char *buf)
{
	const unsigned char *b = bytes;
	static const char digits[] = "0123456789abcdef";
	char *p = buf;
	if (len != 16) {
		buf[0] = '\0';
		return buf;
	}
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = digits[b[i] >> 4];
		*p++ = digits[b[i] & 15];
	}
	*p = '\0';
	return buf;
}

size_t journal_pack_ip(const char *text, unsigned char out[16])
{
	char back[INET6_ADDRSTRLEN];
	if (inet_pton(AF_INET, text, out) == 1 && inet_ntop(AF_INET, out, back, sizeof back) &&
	    strcmp(back, text) == 0)
		return 4;
	if (inet_pton(AF_INET6, text, out) == 1 && inet_ntop(AF_INET6, out, back, sizeof back) &&
	    strcmp(back, text) == 0)
		return 16;
	return 0;
}

/* Dotted decimal, as inet_ntop writes it (glibc's goes through sprintf,
 * a tenth of a rebuild's reading). */
static void format_ipv4(const unsigned char *b, char *out)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			*out++ = (char)('0' + v / 100);
		if (v >= 10)
			*out++ = (char)('0' + v / 10 % 10);
		*out++ = (char)('0' + v % 10);
		*out++ = i < 3 ? '.' : '\0';
	}
}

const char *journal_unpack_ip(const void *bytes, size_t len, char *buf)
{
	buf[0] = '\0';
	if (len == 4)
		format_ipv4(bytes, buf);
	else if (len == 16)
		inet_ntop(AF_INET6, bytes, buf, INET6_ADDRSTRLEN);
	return buf;
}

int journal_reason_code(const char *text)
{
	for (size_t i = 0; i < REASON_COUNT; i++) {
		if (strcmp(text, reasons[i]) == 0)
			return (int)i + 1;
	}
	return 0;
}

const char *journal_reason_text(int code)
{
	return code >= 1 && (size_t)code <= REASON_COUNT ? reasons[code - 1] : "";
}
