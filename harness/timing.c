/*
 * timing.c - how the assign call is timed: the clock is read right around
 * the calls and nothing else, so setup (group, workspace, output array)
 * never counts.
 *
 * One timed sample is a batch of back-to-back calls. A batch of one is the
 * rule; a call too short to time alone (G-seed assigns 7 partitions in
 * about as long as clock_gettime takes) is batched until one sample lasts
 * KH_SAMPLE_MIN_NS or 200 times the empty-sample overhead, whichever is
 * longer, which keeps the timer's share under 0.5 %. That is Google
 * Benchmark's iteration count, and the result file says so (`iterations`).
 *
 * The median leads, with min and max beside it: a preempted run is an
 * outlier to show, not to average in. Mean, stddev and cv are there for
 * Google Benchmark's aggregates.
 */
#include "harness/harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One sample lasts at least this long, whatever the overhead. */
#define KH_SAMPLE_MIN_NS 10000.0
/* ...and at least this many times the overhead of an empty sample. */
#define KH_SAMPLE_OVERHEAD_FACTOR 200.0
#define KH_BATCH_MAX              1000000u

uint64_t kh_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One batch of `iters` calls, timed as a whole; 0 or the ka_assign error. */
static int time_batch(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size,
		      uint32_t *owner, uint32_t iters, uint64_t *ns)
{
	int rc = 0;
	const uint64_t t0 = kh_now_ns();
	for (uint32_t k = 0; k < iters; k++)
		rc |= ka_assign(s, g, ws, ws_size, owner);
	const uint64_t t1 = kh_now_ns();
	*ns = t1 - t0;
	/* Every error code is negative, so the OR of codes is negative when any
	 * call failed; the error itself is found again by one more call. */
	return rc < 0 ? ka_assign(s, g, ws, ws_size, owner) : 0;
}

int kh_time_assign(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size,
		   uint32_t *owner, uint32_t warmup, uint32_t iters, uint32_t runs,
		   double *samples_ns)
{
	for (uint32_t i = 0; i < warmup; i++) {
		int rc = ka_assign(s, g, ws, ws_size, owner);
		if (rc < 0)
			return rc;
	}
	if (iters == 0)
		iters = 1;
	for (uint32_t i = 0; i < runs; i++) {
		uint64_t ns;
		const int rc = time_batch(s, g, ws, ws_size, owner, iters, &ns);
		if (rc < 0)
			return rc;
		samples_ns[i] = (double)ns / iters;
	}
	return 0;
}

int kh_calibrate(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size, uint32_t *owner,
		 double overhead_ns, uint32_t *iters)
{
	const double target = KH_SAMPLE_OVERHEAD_FACTOR * overhead_ns > KH_SAMPLE_MIN_NS
				  ? KH_SAMPLE_OVERHEAD_FACTOR * overhead_ns
				  : KH_SAMPLE_MIN_NS;
	/* Grow the batch geometrically (at most 10x a step, so one slow first
	 * call cannot make a huge batch), then size it from the last batch. */
	uint32_t k = 1;
	for (;;) {
		uint64_t ns;
		const int rc = time_batch(s, g, ws, ws_size, owner, k, &ns);
		if (rc < 0)
			return rc;
		if ((double)ns >= target || k >= KH_BATCH_MAX) {
			*iters = k;
			return 0;
		}
		double grow = ns ? target * 1.1 / (double)ns : 10.0;
		grow = grow < 1.5 ? 1.5 : grow > 10.0 ? 10.0 : grow;
		const double next = ceil((double)k * grow);
		k = next > KH_BATCH_MAX ? KH_BATCH_MAX : (uint32_t)next;
	}
}

/*
 * The empty call: the same shape as ka_assign, reached through a volatile
 * pointer so the compiler keeps the call and the loop around it.
 */
static int empty_assign(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size,
			uint32_t *owner)
{
	(void)s;
	(void)g;
	(void)ws;
	(void)ws_size;
	(void)owner;
	return 0;
}

static int (*volatile empty_call)(const ka_strategy *, const ka_group *, void *, size_t,
				  uint32_t *) = empty_assign;
static volatile uint32_t empty_iters = 1;

double kh_time_overhead(uint32_t runs)
{
	if (runs == 0)
		runs = 1;
	double *samples = malloc((size_t)runs * sizeof(*samples));
	if (!samples)
		return 0;
	for (uint32_t i = 0; i < runs; i++) {
		int rc = 0;
		const uint32_t iters = empty_iters;
		const uint64_t t0 = kh_now_ns();
		for (uint32_t k = 0; k < iters; k++)
			rc |= empty_call(NULL, NULL, NULL, 0, NULL);
		const uint64_t t1 = kh_now_ns();
		samples[i] = (double)(t1 - t0) + (rc < 0);
	}
	kh_timing t;
	kh_timing_summarize(samples, runs, &t);
	free(samples);
	return t.median_ns;
}

static int cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double kh_median(double *v, uint32_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void kh_timing_summarize(const double *samples_ns, uint32_t n, kh_timing *t)
{
	memset(t, 0, sizeof(*t));
	t->runs = n;
	if (!n)
		return;
	double *v = malloc((size_t)n * sizeof(*v));
	double sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += samples_ns[i];
	t->mean_ns = sum / n;
	double sq = 0;
	for (uint32_t i = 0; i < n; i++)
		sq += (samples_ns[i] - t->mean_ns) * (samples_ns[i] - t->mean_ns);
	/* Sample standard deviation, as Google Benchmark's aggregate. */
	t->stddev_ns = n > 1 ? sqrt(sq / (n - 1)) : 0;
	t->cv = t->mean_ns > 0 ? t->stddev_ns / t->mean_ns : 0;
	if (!v) { /* no scratch: min and max by scan, the mean stands for the median */
		t->min_ns = t->max_ns = samples_ns[0];
		for (uint32_t i = 1; i < n; i++) {
			t->min_ns = samples_ns[i] < t->min_ns ? samples_ns[i] : t->min_ns;
			t->max_ns = samples_ns[i] > t->max_ns ? samples_ns[i] : t->max_ns;
		}
		t->median_ns = t->mean_ns;
		return;
	}
	memcpy(v, samples_ns, (size_t)n * sizeof(*v));
	t->median_ns = kh_median(v, n);
	t->min_ns = v[0];
	t->max_ns = v[n - 1];
	free(v);
}
