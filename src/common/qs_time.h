/*
 * qs_time.h — the one time type of the project.
 *
 * A qs_tstamp counts nanoseconds on a monotonic clock. Protocol cores never
 * read a clock: they take |now| as a parameter and report their next
 * deadline, with QS_TSTAMP_NONE meaning "no deadline" (pull-model timers,
 * as in ngtcp2). Only glue code calls qs_now().
 */
#ifndef QS_TIME_H
#define QS_TIME_H

#include <stdint.h>
#include <sys/time.h>

typedef uint64_t qs_tstamp;

/* QS_TSTAMP_NONE is the deadline of a core that has nothing to do. */
#define QS_TSTAMP_NONE UINT64_MAX

#define QS_NS_PER_US 1000ULL
#define QS_NS_PER_MS 1000000ULL
#define QS_NS_PER_S 1000000000ULL

/* qs_now returns the current CLOCK_MONOTONIC time. Glue code only. */
qs_tstamp qs_now(void);

/* qs_wall_now_s returns the current CLOCK_REALTIME time in whole seconds,
 * for timestamps that must survive a reboot (the KME's key store). */
int64_t qs_wall_now_s(void);

/* qs_tstamp_add returns |t| + |d|, saturating at QS_TSTAMP_NONE. */
static inline qs_tstamp
qs_tstamp_add(qs_tstamp t, uint64_t d)
{
	return (t > QS_TSTAMP_NONE - d) ? QS_TSTAMP_NONE : t + d;
}

/* qs_tstamp_min returns the earlier of two deadlines. */
static inline qs_tstamp
qs_tstamp_min(qs_tstamp a, qs_tstamp b)
{
	return a < b ? a : b;
}

/* qs_tstamp_timeval writes the time from |now| until |deadline| to |tv|,
 * rounded up to a whole microsecond (zero once the deadline has passed):
 * how glue code arms its one timer with a core's next expiry. A timer that
 * fires early would only re-arm; rounding up avoids that. */
static inline void
qs_tstamp_timeval(qs_tstamp deadline, qs_tstamp now, struct timeval *tv)
{
	uint64_t us = deadline > now
	    ? (deadline - now + QS_NS_PER_US - 1) / QS_NS_PER_US
	    : 0;

	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
}

#endif /* QS_TIME_H */
