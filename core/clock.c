#include "clock.h"

#include <time.h>

static struct timespec read_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts;
}

int64_t time_now_ms(void)
{
	struct timespec ts = read_clock(CLOCK_REALTIME);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts = read_clock(CLOCK_MONOTONIC);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_us(void)
{
	struct timespec ts = read_clock(CLOCK_MONOTONIC);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
