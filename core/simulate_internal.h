/* Shared by the simulator's files (simulate*.c); not for callers. */
#ifndef THINGTOP_SIMULATE_INTERNAL_H
#define THINGTOP_SIMULATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define SIMULATE_TOPIC_MAX 256
#define SIMULATE_PAYLOAD_MAX 768

/* `len` bytes of `in` as the inside of a JSON string, NUL-terminated in
 * out (stops short rather than overflow `size`); returns the length. */
size_t simulate_json_escape(const char *in, size_t len, char *out, size_t size);
/* Appends s or the decimal v at p (room is the caller's); returns the end. */
char *simulate_put_str(char *p, const char *s);
char *simulate_put_int(char *p, int64_t v);

#endif
