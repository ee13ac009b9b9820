/* Times and durations as users read and type them. Parsers are strict:
 * anything left over or out of range is a rejection, never a guess. */
#include "timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

char *time_format_iso(int64_t ms, char *buf, size_t size)
{
	/* Floor division, so times before 1970 keep a positive millisecond part. */
	int64_t secs = ms / 1000, rem = ms % 1000;
	struct tm tm;
	time_t t;

	if (rem < 0) {
		rem += 1000;
		secs--;
	}
	t = (time_t)secs;
	if (size == 0)
		return buf;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "?");
		return buf;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)rem);
	return buf;
}

char *time_format_age(int64_t age_ms, char *buf, size_t size)
{
	const char *sign = "";
	uint64_t s;

	if (age_ms < 0) {
		sign = "-";
		s = (uint64_t)(-(age_ms + 1)) + 1;
	} else {
		s = (uint64_t)age_ms;
	}
	s /= 1000;
	if (s < 60)
		snprintf(buf, size, "%s%us", sign, (unsigned)s);
	else if (s < 3600)
		snprintf(buf, size, "%s%um%02us", sign, (unsigned)(s / 60), (unsigned)(s % 60));
	else if (s < 86400)
		snprintf(buf, size, "%s%uh%02um", sign, (unsigned)(s / 3600), (unsigned)(s / 60 % 60));
	else
		snprintf(buf, size, "%s%llud%02uh", sign, (unsigned long long)(s / 86400),
		         (unsigned)(s / 3600 % 24));
	return buf;
}

/* Reads 1+ decimal digits; false on none or overflow. */
static bool read_number(const char **sp, int64_t *out)
{
	const char *s = *sp;
	int64_t v = 0;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
		s++;
	}
	*sp = s;
	*out = v;
	return true;
}

/* Exactly `n` digits. */
static bool read_fixed(const char **sp, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*sp)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*sp += n;
	*out = v;
	return true;
}

bool time_parse_duration(const char *s, int64_t *ms)
{
	/* Units largest first; a combination must go from larger to smaller. */
	static const struct {
		const char *name;
		int64_t ms;
	} units[] = {
		{"w", 7 * 86400000LL}, {"d", 86400000LL}, {"h", 3600000LL},
		{"ms", 1}, {"m", 60000LL}, {"s", 1000LL},
	};
	static const int rank[] = {0, 1, 2, 5, 3, 4}; /* order of the units above by size */
	int64_t total = 0, v;
	int last_rank = -1;

	if (!s || !read_number(&s, &v))
		return false;
	if (*s == '\0') {
		if (v > INT64_MAX / 1000)
			return false;
		*ms = v * 1000;
		return true;
	}
	for (;;) {
		size_t u;
		for (u = 0; u < sizeof units / sizeof units[0]; u++)
			if (strncmp(s, units[u].name, strlen(units[u].name)) == 0)
				break;
		if (u == sizeof units / sizeof units[0] || rank[u] <= last_rank)
			return false;
		last_rank = rank[u];
		s += strlen(units[u].name);
		if (v > (INT64_MAX - total) / units[u].ms)
			return false;
		total += v * units[u].ms;
		if (*s == '\0')
			break;
		if (!read_number(&s, &v))
			return false;
	}
	*ms = total;
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

static bool parse_iso(const char *s, int64_t *ms)
{
	int year, mon, day, hour = 0, min = 0, sec = 0, frac_ms = 0, offset_min = 0;
	struct tm tm;

	if (!read_fixed(&s, 4, &year) || *s++ != '-' || !read_fixed(&s, 2, &mon) ||
	    *s++ != '-' || !read_fixed(&s, 2, &day))
		return false;
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon))
		return false;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (!read_fixed(&s, 2, &hour) || *s++ != ':' || !read_fixed(&s, 2, &min))
			return false;
		if (*s == ':') {
			s++;
			if (!read_fixed(&s, 2, &sec))
				return false;
			if (*s == '.') {
				int digits = 0;
				s++;
				while (*s >= '0' && *s <= '9') {
					if (digits < 3)
						frac_ms = frac_ms * 10 + (*s - '0');
					digits++;
					s++;
				}
				if (digits == 0 || digits > 9)
					return false;
				for (int d = digits; d < 3; d++)
					frac_ms *= 10;
			}
		}
		if (hour > 23 || min > 59 || sec > 59)
			return false;
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int sign = *s++ == '-' ? -1 : 1, oh, om;
			if (!read_fixed(&s, 2, &oh))
				return false;
			if (*s == ':')
				s++;
			if (!read_fixed(&s, 2, &om) || oh > 23 || om > 59)
				return false;
			offset_min = sign * (oh * 60 + om);
		}
	}
	if (*s != '\0')
		return false;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*ms = ((int64_t)timegm(&tm) - (int64_t)offset_min * 60) * 1000 + frac_ms;
	return true;
}

bool time_parse_point(const char *s, int64_t now_ms, int64_t *ms)
{
	int64_t v;
	const char *p;

	if (!s)
		return false;
	if (strncmp(s, "now", 3) == 0) {
		if (s[3] == '\0') {
			*ms = now_ms;
			return true;
		}
		if ((s[3] == '-' || s[3] == '+') && time_parse_duration(s + 4, &v)) {
			*ms = s[3] == '-' ? now_ms - v : now_ms + v;
			return true;
		}
		return false;
	}
	if (s[0] == '-') {
		if (!time_parse_duration(s + 1, &v))
			return false;
		*ms = now_ms - v;
		return true;
	}
	if (s[0] == '@') {
		p = s + 1;
		if (!read_number(&p, &v) || *p != '\0' || v > INT64_MAX / 1000)
			return false;
		*ms = v * 1000;
		return true;
	}
	p = s;
	if (read_number(&p, &v) && *p == '\0') {
		/* Only epoch milliseconds: shorter numbers are too ambiguous. */
		if (p - s < 13)
			return false;
		*ms = v;
		return true;
	}
	return parse_iso(s, ms);
}
