/* Untrusted text made safe to show. Everything a device controls goes
 * through text_escape before a terminal sees it. */
#include "text.h"

#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* Decodes one UTF-8 sequence at s (len > 0 bytes available). Returns its
 * length and sets *cp, or 0 when the bytes there are not valid UTF-8
 * (overlong forms, surrogates and values past U+10FFFF included). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t need;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return need;
}

bool text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* Unicode's format characters (category Cf: bidi controls, zero-width
 * spaces and joiners, invisible operators, tags) and the line and
 * paragraph separators. Shown raw they reorder or shift what follows, so
 * an id could disguise itself or push the grid's columns. */
static const uint32_t format_chars[][2] = {
	{0x00ad, 0x00ad}, {0x0600, 0x0605}, {0x061c, 0x061c}, {0x06dd, 0x06dd},
	{0x070f, 0x070f}, {0x0890, 0x0891}, {0x08e2, 0x08e2}, {0x180e, 0x180e},
	{0x200b, 0x200f}, {0x2028, 0x202e}, {0x2060, 0x2064}, {0x2066, 0x206f},
	{0xfeff, 0xfeff}, {0xfff9, 0xfffb}, {0x110bd, 0x110bd}, {0x110cd, 0x110cd},
	{0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0001, 0xe0001},
	{0xe0020, 0xe007f},
};

static bool is_format_char(uint32_t cp)
{
	if (cp < 0xad)
		return false;
	for (size_t i = 0; i < sizeof format_chars / sizeof format_chars[0]; i++) {
		if (cp < format_chars[i][0])
			return false;
		if (cp <= format_chars[i][1])
			return true;
	}
	return false;
}

size_t text_escape(const char *in, size_t len, char *out, size_t out_size, bool ascii_only)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0;

	if (out_size == 0)
		return 0;
	while (i < len) {
		char piece[16];
		size_t plen;
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0) {
			/* One invalid byte; decoding resumes at the next one. */
			plen = (size_t)snprintf(piece, sizeof piece, "\\x%02X", p[i]);
			n = 1;
		} else if (cp == 0x1b) {
			plen = (size_t)snprintf(piece, sizeof piece, "\\e");
		} else if (cp == '\n') {
			plen = (size_t)snprintf(piece, sizeof piece, "\\n");
		} else if (cp == '\t') {
			plen = (size_t)snprintf(piece, sizeof piece, "\\t");
		} else if (cp == '\r') {
			plen = (size_t)snprintf(piece, sizeof piece, "\\r");
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			plen = (size_t)snprintf(piece, sizeof piece, "\\x%02X", (unsigned)cp);
		} else if (cp >= 0x80 && (ascii_only || is_format_char(cp))) {
			plen = (size_t)snprintf(piece, sizeof piece, "\\u{%04X}", (unsigned)cp);
		} else {
			memcpy(piece, p + i, n);
			plen = n;
		}
		if (o + plen >= out_size)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		i += n;
	}
	out[o] = '\0';
	return o;
}

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 'a' - 'A') : c;
}

void text_fold_ascii(char *s)
{
	for (; *s; s++)
		*s = (char)fold((unsigned char)*s);
}

bool text_contains_nocase(const char *hay, const char *needle)
{
	const unsigned char *n = (const unsigned char *)needle;
	unsigned char first = fold(n[0]);

	if (first == '\0')
		return true;
	for (const unsigned char *h = (const unsigned char *)hay; *h; h++) {
		if (fold(*h) != first)
			continue;
		size_t k = 1;
		while (n[k] && fold(h[k]) == fold(n[k]))
			k++;
		if (n[k] == '\0')
			return true;
	}
	return false;
}

/* wcwidth() answers for the current LC_CTYPE, which the program may never
 * have set; so ask a private C.UTF-8 locale, made once. */
static pthread_once_t width_once = PTHREAD_ONCE_INIT;
static locale_t width_locale;

static void width_locale_init(void)
{
	width_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Used only when no UTF-8 locale exists: combining marks and the common
 * wide (East Asian, emoji) ranges. */
static int fallback_width(uint32_t cp)
{
	static const uint32_t zero[][2] = {
		{0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd}, {0x0610, 0x061a},
		{0x064b, 0x065f}, {0x0e31, 0x0e31}, {0x0e34, 0x0e3a}, {0x1ab0, 0x1aff},
		{0x1dc0, 0x1dff}, {0x200b, 0x200f}, {0x20d0, 0x20ff}, {0xfe00, 0xfe0f},
		{0xfe20, 0xfe2f},
	};
	static const uint32_t wide[][2] = {
		{0x1100, 0x115f}, {0x2e80, 0x303e}, {0x3041, 0x33ff}, {0x3400, 0x4dbf},
		{0x4e00, 0x9fff}, {0xa000, 0xa4cf}, {0xac00, 0xd7a3}, {0xf900, 0xfaff},
		{0xfe30, 0xfe4f}, {0xff00, 0xff60}, {0xffe0, 0xffe6}, {0x1f300, 0x1f64f},
		{0x1f900, 0x1f9ff}, {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
	};
	for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
		if (cp >= zero[i][0] && cp <= zero[i][1])
			return 0;
	for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return 2;
	return 1;
}

size_t text_display_width(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, width = 0;
	locale_t old = (locale_t)0;

	pthread_once(&width_once, width_locale_init);
	if (width_locale)
		old = uselocale(width_locale);
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		int w;

		if (n == 0) {
			width++;
			i++;
			continue;
		}
		if (width_locale)
			w = wcwidth((wchar_t)cp);
		else
			w = fallback_width(cp);
		/* Control characters (-1) are shown escaped elsewhere; count one. */
		width += w < 0 ? 1 : (size_t)w;
		i += n;
	}
	if (width_locale)
		uselocale(old);
	return width;
}

size_t text_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

bool text_parse_size(const char *text, int64_t *bytes)
{
	/* Digits and one optional fraction only: strtod would also take
	 * "inf", hex floats and leading blanks. */
	const char *p = text;
	double v = 0, scale = 1;
	bool digits = false, fraction = false;
	for (; isdigit((unsigned char)*p) || (*p == '.' && !fraction); p++) {
		if (*p == '.') {
			fraction = true;
			continue;
		}
		digits = true;
		if (fraction)
			v += (*p - '0') * (scale /= 10);
		else
			v = v * 10 + (*p - '0');
	}
	if (!digits)
		return false;
	double mult = 1;
	switch (*p) {
	case 'k': case 'K': mult = 1024.0; p++; break;
	case 'm': case 'M': mult = 1024.0 * 1024; p++; break;
	case 'g': case 'G': mult = 1024.0 * 1024 * 1024; p++; break;
	case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; p++; break;
	default: break;
	}
	if (*p == 'B' || *p == 'b')
		p++;
	/* 9.2e18 stays below INT64_MAX after rounding to double. */
	if (*p != '\0' || v * mult > 9.2e18)
		return false;
	*bytes = (int64_t)(v * mult);
	return true;
}
