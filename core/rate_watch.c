/* A connection's sustained message rate: see rate_watch.h. */
#include "rate_watch.h"

bool rate_watch_tick(struct rate_watch *w, int64_t now_ms, double threshold)
{
	if (w->window_start_ms == 0) {
		w->window_start_ms = now_ms;
		w->count = 0;
		return false;
	}
	int64_t elapsed = now_ms - w->window_start_ms;
	if (elapsed < 1000)
		return w->hot_windows >= RATE_WATCH_SUSTAINED;
	w->rate = (double)w->count * 1000.0 / (double)elapsed;
	/* A long quiet stretch (no tick for seconds) is not a hot one. */
	w->hot_windows = w->rate > threshold && elapsed < 2000 ? w->hot_windows + 1 : 0;
	w->window_start_ms = now_ms;
	w->count = 0;
	return w->hot_windows >= RATE_WATCH_SUSTAINED;
}
