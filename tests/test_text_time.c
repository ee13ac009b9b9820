/* text.h and timefmt.h: escaping untrusted text, UTF-8, widths, and time
 * formats and parsers. Epoch values are computed by hand (days since 1970
 * times 86400). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "text.h"
#include "timefmt.h"

static const char *esc(const char *in, size_t len, bool ascii)
{
	static char out[256];
	text_escape(in, len, out, sizeof out, ascii);
	return out;
}

#define ESC(lit) esc(lit, sizeof(lit) - 1, false)
#define ESCA(lit) esc(lit, sizeof(lit) - 1, true)

static void test_escape_controls(void)
{
	CHECK_STR(ESC("evil\x1b]0;pwned\x07"), "evil\\e]0;pwned\\x07");
	CHECK_STR(ESC("a\x1b[31mb"), "a\\e[31mb");
	CHECK_STR(ESC("\r\n\t"), "\\r\\n\\t");
	CHECK_STR(ESC("x\x7fy"), "x\\x7Fy");
	CHECK_STR(ESC("\x01\x1f"), "\\x01\\x1F");
	/* C1 controls: U+009B (CSI) and U+0085 (NEL) as UTF-8. */
	CHECK_STR(ESC("a\xc2\x9b" "2Jb"), "a\\x9B2Jb");
	CHECK_STR(ESC("\xc2\x85"), "\\x85");
	CHECK_STR(ESC("\xc2\x80\xc2\x9f"), "\\x80\\x9F");
	/* U+00A0 is the first non-control after C1: passes through. */
	CHECK_STR(ESC("\xc2\xa0"), "\xc2\xa0");
	CHECK_STR(ESC("back\\slash"), "back\\slash");
	/* A NUL inside the length is a control too. */
	CHECK_STR(esc("a\0b", 3, false), "a\\x00b");
}

static void test_escape_utf8(void)
{
	CHECK_STR(ESC("\xff"), "\\xFF");
	CHECK_STR(ESC("a\xc3"), "a\\xC3");                  /* truncated sequence */
	CHECK_STR(ESC("\xc0\xaf"), "\\xC0\\xAF");            /* overlong '/' */
	CHECK_STR(ESC("\xed\xa0\x80"), "\\xED\\xA0\\x80");  /* surrogate */
	CHECK_STR(ESC("\xe2\x28\xa1"), "\\xE2(\\xA1");       /* bad continuation, resync */
	CHECK_STR(ESC("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");
	CHECK_STR(ESCA("caf\xc3\xa9 \xe2\x9c\x93"), "caf\\u{00E9} \\u{2713}");
	CHECK_STR(ESCA("\xf0\x9f\x98\x80"), "\\u{1F600}");
	CHECK_STR(ESCA("\x1b\xff"), "\\e\\xFF");
	CHECK_STR(ESCA("plain"), "plain");
}

/* Format characters (Unicode category Cf) and the line/paragraph
 * separators: invisible, yet they reorder or shift what follows. UTF-8
 * bytes written out by hand. */
static void test_escape_format_chars(void)
{
	/* RIGHT-TO-LEFT OVERRIDE would show "dev-gnp.exe" as "dev-exe.png". */
	CHECK_STR(ESC("dev-\xe2\x80\xaegnp.exe"), "dev-\\u{202E}gnp.exe");
	CHECK_STR(ESC("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"),
	          "\\u{202A}\\u{202B}\\u{202C}\\u{202D}");
	/* Isolates U+2066..2069, zero-width space/joiners, marks LRM/RLM. */
	CHECK_STR(ESC("\xe2\x81\xa6\xe2\x81\xa9"), "\\u{2066}\\u{2069}");
	CHECK_STR(ESC("a\xe2\x80\x8b" "b\xe2\x80\x8d" "c\xe2\x80\x8f"), "a\\u{200B}b\\u{200D}c\\u{200F}");
	CHECK_STR(ESC("\xe2\x81\xa0\xe2\x81\xa4"), "\\u{2060}\\u{2064}");
	/* BOM / zero-width no-break space, soft hyphen, Arabic letter mark. */
	CHECK_STR(ESC("\xef\xbb\xbfid"), "\\u{FEFF}id");
	CHECK_STR(ESC("a\xc2\xad" "b"), "a\\u{00AD}b");
	CHECK_STR(ESC("\xd8\x9c"), "\\u{061C}");
	/* Line and paragraph separators; a tag character (plane 14). */
	CHECK_STR(ESC("\xe2\x80\xa8\xe2\x80\xa9"), "\\u{2028}\\u{2029}");
	CHECK_STR(ESC("\xf3\xa0\x80\x81"), "\\u{E0001}");
	/* Neighbours that are ordinary text pass through: U+200A (hair
	 * space), U+2010 (hyphen), U+202F (narrow no-break space), U+2065,
	 * U+FEFE (Arabic presentation form), U+00AC (not sign). */
	CHECK_STR(ESC("\xe2\x80\x8a\xe2\x80\x90\xe2\x80\xaf"), "\xe2\x80\x8a\xe2\x80\x90\xe2\x80\xaf");
	CHECK_STR(ESC("\xef\xbb\xbe\xc2\xac"), "\xef\xbb\xbe\xc2\xac");
	/* The same in ASCII-only mode. */
	CHECK_STR(ESCA("\xe2\x80\xae"), "\\u{202E}");
	/* An escaped id has no zero-width cells left: its width is its length. */
	char out[64];
	size_t n = text_escape("ab\xe2\x80\x8b\xe2\x80\xae", 8, out, sizeof out, false);
	CHECK_INT(text_display_width(out, n), n);
}

static void test_escape_truncation(void)
{
	char out[8];
	CHECK_INT(text_escape("ab\x1b" "c", 4, out, 5, false), 4);
	CHECK_STR(out, "ab\\e");
	/* Never half an escape: "ab\x" would mislead. */
	CHECK_INT(text_escape("ab\x07", 3, out, 5, false), 2);
	CHECK_STR(out, "ab");
	/* Never half a UTF-8 character. */
	CHECK_INT(text_escape("a\xc3\xa9", 3, out, 3, false), 1);
	CHECK_STR(out, "a");
	CHECK_INT(text_escape("abc", 3, out, 1, false), 0);
	CHECK_STR(out, "");
}

static void test_utf8_valid(void)
{
	CHECK(text_utf8_valid("h\xc3\xa9llo", 6));
	CHECK(text_utf8_valid("\xf0\x9f\x98\x80", 4));
	CHECK(text_utf8_valid("", 0));
	CHECK(!text_utf8_valid("\xc0\x80", 2));            /* overlong NUL */
	CHECK(!text_utf8_valid("\xe0\x80\xaf", 3));        /* overlong */
	CHECK(!text_utf8_valid("\xed\xa0\x80", 3));        /* surrogate */
	CHECK(!text_utf8_valid("\xf4\x90\x80\x80", 4));    /* past U+10FFFF */
	CHECK(!text_utf8_valid("\xe2\x82", 2));            /* truncated */
	CHECK(!text_utf8_valid("\x80", 1));
}

static void test_contains_width(void)
{
	CHECK(text_contains_nocase("Sensor-ABC-1", "abc"));
	CHECK(text_contains_nocase("x", ""));
	CHECK(!text_contains_nocase("abc", "abcd"));
	CHECK(!text_contains_nocase("sensor", "snr"));
	CHECK(text_contains_nocase("aaab", "aab"));
	CHECK(text_contains_nocase("sensor-abc", "ABC"));
	CHECK(!text_contains_nocase("", "a"));
	char folded[] = "Sensor-ÄBC_1";
	text_fold_ascii(folded);
	CHECK_STR(folded, "sensor-Äbc_1");
	CHECK_INT(text_display_width("abc", 3), 3);
	CHECK_INT(text_display_width("\xe6\x97\xa5\xe6\x9c\xac", 6), 4); /* two CJK, wide */
	CHECK_INT(text_display_width("e\xcc\x81", 3), 1);                /* e + combining acute */
	CHECK_INT(text_display_width("\xff\xfe", 2), 2);                 /* invalid: 1 per byte */
	CHECK_INT(text_display_width("caf\xc3\xa9", 5), 4);
}

static void test_format_iso(void)
{
	char buf[TIME_ISO_SIZE];
	CHECK_STR(time_format_iso(0, buf, sizeof buf), "1970-01-01T00:00:00.000Z");
	/* 56 years with 14 leap days: 20454 days. */
	CHECK_STR(time_format_iso(1767225600000LL, buf, sizeof buf), "2026-01-01T00:00:00.000Z");
	/* 19723 days to 2024, + 59 to Feb 29, + 45296 s. */
	CHECK_STR(time_format_iso(1709210096789LL, buf, sizeof buf), "2024-02-29T12:34:56.789Z");
	CHECK_STR(time_format_iso(-1, buf, sizeof buf), "1969-12-31T23:59:59.999Z");
}

static void test_format_age(void)
{
	char buf[32];
	CHECK_STR(time_format_age(0, buf, sizeof buf), "0s");
	CHECK_STR(time_format_age(45000, buf, sizeof buf), "45s");
	CHECK_STR(time_format_age(59999, buf, sizeof buf), "59s");
	CHECK_STR(time_format_age(60000, buf, sizeof buf), "1m00s");
	CHECK_STR(time_format_age(192000, buf, sizeof buf), "3m12s");
	CHECK_STR(time_format_age(7500000, buf, sizeof buf), "2h05m");
	CHECK_STR(time_format_age(273600000, buf, sizeof buf), "3d04h");
	CHECK_STR(time_format_age(-12000, buf, sizeof buf), "-12s");
	CHECK_STR(time_format_age(-3720000, buf, sizeof buf), "-1h02m");
}

static void test_parse_duration(void)
{
	int64_t ms = -7;
	CHECK(time_parse_duration("500ms", &ms) && ms == 500);
	CHECK(time_parse_duration("45s", &ms) && ms == 45000);
	CHECK(time_parse_duration("10m", &ms) && ms == 600000);
	CHECK(time_parse_duration("2h", &ms) && ms == 7200000);
	CHECK(time_parse_duration("30d", &ms) && ms == 2592000000LL);
	CHECK(time_parse_duration("1w", &ms) && ms == 604800000LL);
	CHECK(time_parse_duration("1h30m", &ms) && ms == 5400000);
	CHECK(time_parse_duration("1m30s250ms", &ms) && ms == 90250);
	CHECK(time_parse_duration("90", &ms) && ms == 90000);
	ms = -7;
	const char *bad[] = {"", "h", "1x", "1h1h", "1m1h", "-5s", "1.5h", "1h30", "5 m", "1hh",
	                     "99999999999999999999s", "m5"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		bool ok = time_parse_duration(bad[i], &ms);
		CHECK(!ok);
		if (ok)
			fprintf(stderr, "  accepted duration \"%s\"\n", bad[i]);
	}
	CHECK_INT(ms, -7);
}

static void test_parse_point(void)
{
	const int64_t now = 1767225600000LL;
	int64_t ms = 0;
	CHECK(time_parse_point("2026-01-01", now, &ms) && ms == 1767225600000LL);
	CHECK(time_parse_point("2026-01-01T03:10", now, &ms) && ms == 1767237000000LL);
	CHECK(time_parse_point("2026-01-01T00:00:00Z", now, &ms) && ms == 1767225600000LL);
	CHECK(time_parse_point("2024-02-29T12:34:56.789Z", now, &ms) && ms == 1709210096789LL);
	CHECK(time_parse_point("2026-01-01T02:00:00+02:00", now, &ms) && ms == 1767225600000LL);
	CHECK(time_parse_point("2025-12-31T22:30:00-01:30", now, &ms) && ms == 1767225600000LL);
	CHECK(time_parse_point("1999-12-31T23:59:59.999", now, &ms) && ms == 946684799999LL);
	CHECK(time_parse_point("1767225600000", now, &ms) && ms == 1767225600000LL);
	CHECK(time_parse_point("@1767225600", now, &ms) && ms == 1767225600000LL);
	CHECK(time_parse_point("now", now, &ms) && ms == now);
	CHECK(time_parse_point("-2h", now, &ms) && ms == now - 7200000);
	CHECK(time_parse_point("now-15m", now, &ms) && ms == now - 900000);
	ms = 42;
	const char *bad[] = {"", "yesterday", "2026-13-01", "2026-00-10", "2026-02-29", "2026-04-31",
	                     "2026-01-01T24:00", "2026-01-01T00:60", "2026-01-01T00:00:60",
	                     "2026-01-01x", "2026-01-01T00:00:00Zjunk", "2026-1-01", "12345",
	                     "@12a", "@", "now-", "now-5x", "--2h", "nowish", "2026-01-01T",
	                     "2026-01-01T00:00:00.Z", "2026-01-01T00:00+2", "2026-01-01Z"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		bool ok = time_parse_point(bad[i], now, &ms);
		CHECK(!ok);
		if (ok)
			fprintf(stderr, "  accepted point \"%s\"\n", bad[i]);
	}
	CHECK_INT(ms, 42);
	/* Leap day in a leap year is fine, and 2000 was one (divisible by 400). */
	CHECK(time_parse_point("2000-02-29", now, &ms) && ms == 951782400000LL);
	CHECK(!time_parse_point("1900-02-29", now, &ms));
}

static void test_round_trip(void)
{
	const int64_t values[] = {0, 1, 999, 1767225600000LL, 1709210096789LL, 4102444799999LL};
	char buf[TIME_ISO_SIZE];
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		int64_t back = -1;
		time_format_iso(values[i], buf, sizeof buf);
		CHECK(time_parse_point(buf, 0, &back));
		CHECK_INT(back, values[i]);
	}
	CHECK(time_now_ms() > 1767225600000LL - 86400000LL * 365);
	int64_t a = time_mono_ms(), b = time_mono_ms();
	CHECK(b >= a);
}

int main(void)
{
	RUN(test_escape_controls);
	RUN(test_escape_utf8);
	RUN(test_escape_format_chars);
	RUN(test_escape_truncation);
	RUN(test_utf8_valid);
	RUN(test_contains_width);
	RUN(test_format_iso);
	RUN(test_format_age);
	RUN(test_parse_duration);
	RUN(test_parse_point);
	RUN(test_round_trip);
	return check_summary();
}
