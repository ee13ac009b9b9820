/* Untrusted text (client ids, reasons, topics, file contents) made safe to
 * show: control characters and invalid UTF-8 never reach a terminal raw. */
#ifndef THINGTOP_TEXT_H
#define THINGTOP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies `len` bytes of `in` to `out` (size `out_size`, always
 * NUL-terminated), making every control character visible as `\e`, `\n`,
 * `\t`, `\r`, `\xNN` (C0, DEL and C1 controls alike) and every byte of
 * invalid UTF-8 as `\xNN`. Unicode format characters (bidi controls,
 * zero-width spaces and joiners, U+FEFF, soft hyphen, tags: category Cf)
 * and U+2028/U+2029 become `\u{XXXX}`, so nothing invisible can reorder or
 * shift what is shown. A backslash stays a single backslash. Other valid
 * UTF-8 passes through when `ascii_only` is false; with it, every non-ASCII
 * code point becomes `\u{XXXX}`. Returns the length written (truncated at a
 * character boundary when out is too small). */
size_t text_escape(const char *in, size_t len, char *out, size_t out_size, bool ascii_only);

/* True when `len` bytes of `s` are valid UTF-8 (no overlongs, no surrogates). */
bool text_utf8_valid(const char *s, size_t len);

/* Case-insensitive (ASCII) substring search: true when `needle` occurs in
 * `hay`. An empty needle matches. */
bool text_contains_nocase(const char *hay, const char *needle);
/* ASCII letters to lower case in place; other bytes (UTF-8 too) unchanged. */
void text_fold_ascii(char *s);

/* Display width in terminal cells of valid UTF-8 (wide CJK counted as 2,
 * combining marks as 0); falls back to 1 per byte for invalid input. */
size_t text_display_width(const char *s, size_t len);

/* Levenshtein distance between two short names, ignoring ASCII case, for
 * "did you mean" suggestions; SIZE_MAX when either is over 64 bytes. */
size_t text_edit_distance(const char *a, const char *b);

/* A size in bytes: "123", "64k", "500M", "1.5G", "2TB" (binary multiples
 * k M G T, any case, an optional B). False for anything else, negative
 * or above INT64_MAX. */
bool text_parse_size(const char *text, int64_t *bytes);

#endif
