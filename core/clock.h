/* The program's clocks, in one place. Wall time is ms since the Unix
 * epoch, UTC (what events and the journal record); monotonic time only
 * measures intervals (deadlines, batch ages, frame timing). */
#ifndef THINGTOP_CLOCK_H
#define THINGTOP_CLOCK_H

#include <stdint.h>

/* Wall clock now, ms since the epoch. */
int64_t time_now_ms(void);
/* Monotonic clock, ms. */
int64_t time_mono_ms(void);
/* Monotonic clock, µs: for timing loop turns and frames. */
int64_t time_mono_us(void);

#endif
