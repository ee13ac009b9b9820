/* A minimal test harness: each test file is a program of test functions.
 * CHECK* record a failure with file:line and go on; main() ends with
 * check_summary(), which prints "N passed, N failed" and returns the exit
 * code. */
#ifndef THINGTOP_CHECK_H
#define THINGTOP_CHECK_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) check_report(!!(cond), __FILE__, __LINE__, "%s", #cond)

#define CHECK_INT(got, want) do { \
	long long check_g_ = (long long)(got), check_w_ = (long long)(want); \
	check_report(check_g_ == check_w_, __FILE__, __LINE__, \
	             "%s == %s (got %lld, want %lld)", #got, #want, check_g_, check_w_); \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *check_g_ = (got), *check_w_ = (want); \
	check_report(check_g_ && check_w_ && strcmp(check_g_, check_w_) == 0, __FILE__, __LINE__, \
	             "%s == %s (got \"%s\", want \"%s\")", #got, #want, \
	             check_g_ ? check_g_ : "(null)", check_w_ ? check_w_ : "(null)"); \
} while (0)

__attribute__((format(printf, 4, 5)))
static void check_report(int ok, const char *file, int line, const char *fmt, ...)
{
	if (ok) {
		check_passed++;
		return;
	}
	check_failed++;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s:%d: FAILED: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

#define RUN(test) do { fprintf(stderr, "-- %s\n", #test); test(); } while (0)

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
