#include "qs_time.h"

#include <time.h>

qs_tstamp
qs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (qs_tstamp)ts.tv_sec * QS_NS_PER_S + (qs_tstamp)ts.tv_nsec;
}

int64_t
qs_wall_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}
