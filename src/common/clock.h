/* The monotonic clock in nanoseconds, for timeouts and the engine's time statistics. */
#ifndef TALKIE_COMMON_CLOCK_H
#define TALKIE_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t tk_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif
