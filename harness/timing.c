/*
 * timing.c - how the assign call is timed: the clock is read right around
 * the call and nothing else, so setup (group, workspace, output array) never
 * counts. Median, min and max rather than a mean: a preempted run is an
 * outlier to show, not to average in.
 */
#include "harness/harness.h"

#include <stdlib.h>
#include <time.h>

uint64_t kh_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int kh_time_assign(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size,
		   uint32_t *owner, uint32_t warmup, uint32_t runs, uint64_t *samples_ns)
{
	for (uint32_t i = 0; i < warmup; i++) {
		int rc = ka_assign(s, g, ws, ws_size, owner);
		if (rc < 0)
			return rc;
	}
	for (uint32_t i = 0; i < runs; i++) {
		const uint64_t t0 = kh_now_ns();
		const int rc = ka_assign(s, g, ws, ws_size, owner);
		const uint64_t t1 = kh_now_ns();
		if (rc < 0)
			return rc;
		samples_ns[i] = t1 - t0;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void kh_timing_summarize(uint64_t *samples_ns, uint32_t n, kh_timing *t)
{
	t->runs = n;
	if (!n) {
		t->median_ns = t->min_ns = t->max_ns = 0;
		return;
	}
	qsort(samples_ns, n, sizeof(*samples_ns), cmp_u64);
	t->min_ns = (double)samples_ns[0];
	t->max_ns = (double)samples_ns[n - 1];
	t->median_ns = n % 2 ? (double)samples_ns[n / 2]
			     : ((double)samples_ns[n / 2 - 1] + (double)samples_ns[n / 2]) / 2;
}
