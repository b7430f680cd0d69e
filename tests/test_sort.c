/*
 * test_sort.c - the project's one sort (assignors/src/sort.c) against a
 * plain insertion sort, which is stable by construction: every length up to
 * 70 and some longer ones, values drawn from small ranges so that ties are
 * common, and a comparator that looks at a key only, so that a sort that
 * loses the input order of ties is caught.
 */
#include <kassign/kassign.h>

#include "datasets/rng.h"
#include "tests/ktest.h"

/* Keys for the comparator tests: index i sorts by key[i] alone. */
static int by_key(const void *ctx, uint32_t x, uint32_t y)
{
	const uint32_t *key = ctx;
	return (key[x] > key[y]) - (key[x] < key[y]);
}

static void insertion_by_key(uint32_t *v, size_t n, const uint32_t *key)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = v[i];
		size_t j = i;
		for (; j > 0 && key[v[j - 1]] > key[x]; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void insertion_u32(uint32_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void insertion_u64(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static const size_t lengths[] = {0,  1,  2,  3,  4,  5,   7,   8,   9,   15,  16,   17,  31,
				 32, 33, 63, 64, 65, 100, 127, 128, 129, 257, 1000, 1025};

static void test_values(void)
{
	kd_rng r;
	kd_rng_seed(&r, kt_seed(1));
	uint32_t a[1025], b[1025], tmp[1025];
	uint64_t c[1025], d[1025], tmp64[1025];
	unsigned bad = 0;
	for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
		const size_t n = lengths[li];
		for (int round = 0; round < 20; round++) {
			const uint32_t range = round % 2 ? 4 : UINT32_MAX;
			for (size_t i = 0; i < n; i++) {
				a[i] =
				    round % 2 ? kd_rng_below(&r, range) : (uint32_t)kd_rng_next(&r);
				c[i] = kd_rng_next(&r) >> (round % 2 ? 62 : 0);
				b[i] = a[i];
				d[i] = c[i];
			}
			ka_sort_u32(a, n, tmp);
			ka_sort_u64(c, n, tmp64);
			insertion_u32(b, n);
			insertion_u64(d, n);
			for (size_t i = 0; i < n; i++)
				bad += a[i] != b[i] || c[i] != d[i];
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_stable(void)
{
	kd_rng r;
	kd_rng_seed(&r, kt_seed(2));
	uint32_t key[1025], v[1025], w[1025], tmp[1025];
	unsigned bad = 0;
	for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
		const size_t n = lengths[li];
		for (int round = 0; round < 20; round++) {
			for (size_t i = 0; i < n; i++) {
				key[i] = kd_rng_below(&r, 1 + (uint32_t)round);
				/* A shuffled start, so the input order is not the index order. */
				v[i] = (uint32_t)i;
			}
			for (size_t i = n; i > 1; i--) {
				size_t j = kd_rng_below(&r, (uint32_t)i);
				uint32_t t = v[i - 1];
				v[i - 1] = v[j];
				v[j] = t;
			}
			for (size_t i = 0; i < n; i++)
				w[i] = v[i];
			ka_sort_u32_by(v, n, tmp, by_key, key);
			insertion_by_key(w, n, key);
			for (size_t i = 0; i < n; i++)
				bad += v[i] != w[i];
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static const kt_test sort_tests[] = {
    {"values ascending, u32 and u64", test_values},
    {"by a comparator, ties in input order", test_stable},
    {NULL, NULL},
};

static const kt_suite suites[] = {
    {"sort", sort_tests},
    {NULL, NULL},
};

KT_MAIN(suites)
