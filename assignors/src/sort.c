/*
 * sort.c - the one sort of the project: a stable bottom-up merge sort into
 * a scratch array the caller provides, so it never allocates and can run
 * inside ka_assign's workspace. Three element kinds share one body
 * (SORT_BODY): plain uint32 and uint64 values ascending, and uint32 indices
 * ordered by a comparator with a context (C17's qsort has no context, and a
 * static one would make concurrent callers race).
 *
 * Stability is part of the contract: callers whose comparator ties (topics
 * with equal partition counts, members with equal keys) rely on ties keeping
 * their input order, so outputs are the same whatever the algorithm inside.
 */
#include "internal.h"

#include <string.h>

/* Merges runs of width w, 2w, ... between v and tmp; the result is copied
 * back into v when it ends in tmp. LESS(a, b): a sorts strictly before b. */
#define SORT_BODY(T, LESS)                                                                         \
	do {                                                                                       \
		T *src = v, *dst = tmp;                                                            \
		for (size_t w = 1; w < n; w *= 2) {                                                \
			for (size_t lo = 0; lo < n; lo += 2 * w) {                                 \
				const size_t mid = lo + w < n ? lo + w : n;                        \
				const size_t hi = mid + w < n ? mid + w : n;                       \
				size_t i = lo, j = mid, k = lo;                                    \
				while (i < mid && j < hi)                                          \
					dst[k++] = LESS(src[j], src[i]) ? src[j++] : src[i++];     \
				while (i < mid)                                                    \
					dst[k++] = src[i++];                                       \
				while (j < hi)                                                     \
					dst[k++] = src[j++];                                       \
			}                                                                          \
			T *t = src;                                                                \
			src = dst;                                                                 \
			dst = t;                                                                   \
		}                                                                                  \
		if (src != v)                                                                      \
			memcpy(v, src, n * sizeof *v);                                             \
	} while (0)

#define VALUE_LESS(a, b) ((a) < (b))
#define CMP_LESS(a, b)   (cmp(ctx, (a), (b)) < 0)

void ka_sort_u32(uint32_t *v, size_t n, uint32_t *tmp)
{
	SORT_BODY(uint32_t, VALUE_LESS);
}

void ka_sort_u64(uint64_t *v, size_t n, uint64_t *tmp)
{
	SORT_BODY(uint64_t, VALUE_LESS);
}

void ka_sort_u32_by(uint32_t *v, size_t n, uint32_t *tmp, ka_sort_cmp cmp, const void *ctx)
{
	SORT_BODY(uint32_t, CMP_LESS);
}
