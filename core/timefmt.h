/* Times and durations as users read and type them. All times are
 * milliseconds since the Unix epoch, UTC. */
#ifndef THINGTOP_TIMEFMT_H
#define THINGTOP_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most callers format a time they have just read. */
#include "clock.h"

/* "2026-01-01T00:00:00.000Z" (24 chars + NUL: buf of at least 25).
 * Returns buf. */
#define TIME_ISO_SIZE 32
char *time_format_iso(int64_t ms, char *buf, size_t size);

/* Compact age like htop: "45s", "3m12s", "2h05m", "3d04h". Negative ages
 * (clock skew) are shown as "-12s". Returns buf. */
char *time_format_age(int64_t age_ms, char *buf, size_t size);

/* Parses a duration "500ms", "45s", "10m", "2h", "30d", "1w", or a
 * combination "1h30m"; a bare number is seconds. Returns false for
 * anything else. */
bool time_parse_duration(const char *s, int64_t *ms);

/* Parses a point in time: ISO 8601 ("2026-01-01", "2026-01-01T03:10",
 * "2026-01-01T03:10:05.123Z", "...+02:00"; without zone means UTC), epoch
 * milliseconds (13+ digits) or seconds ("@1767225600"), or relative to
 * `now_ms` ("-2h", "now", "now-15m"). Returns false with nothing set for
 * anything else. */
bool time_parse_point(const char *s, int64_t now_ms, int64_t *ms);

#endif
