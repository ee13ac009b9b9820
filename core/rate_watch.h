/* A connection's message rate, and whether it stays near a limit: AWS IoT
 * delivers at most ~100 messages/s to one connection and silently drops
 * the rest, so a rate that sits near it means events are being lost. */
#ifndef THINGTOP_RATE_WATCH_H
#define THINGTOP_RATE_WATCH_H

#include <stdbool.h>
#include <stdint.h>

/* Seconds a rate must stay above the threshold before it counts. */
#define RATE_WATCH_SUSTAINED 10

struct rate_watch {
	int64_t window_start_ms;
	uint64_t count;               /* messages in the current window */
	double rate;                  /* messages/s over the last whole window */
	int hot_windows;              /* windows in a row above the threshold */
};

/* Counts one message. */
static inline void rate_watch_count(struct rate_watch *w)
{
	w->count++;
}

/* Closes the one-second window when it is over (now_ms, any monotonic
 * clock). True while the rate has been above `threshold` for
 * RATE_WATCH_SUSTAINED whole windows in a row. */
bool rate_watch_tick(struct rate_watch *w, int64_t now_ms, double threshold);

#endif
