/*
 * sort.h - the body of the project's one sort (sort.c), for the library's
 * own files: a stable bottom-up merge sort into caller scratch. The
 * exported ka_sort_* (kassign.h) are these functions compiled once. A hot
 * caller in the library (range's topics by partition count, the builder's
 * subscription lists) instantiates KA__SORT_BODY with its own LESS
 * expression, or calls the inline functions below, so that nothing is
 * called through a pointer at every comparison inside a timed call.
 */
#ifndef KASSIGN_SORT_H
#define KASSIGN_SORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define KA__SORT_INLINE static inline __attribute__((always_inline))
#else
#define KA__SORT_INLINE static inline
#endif

/* Merges runs of width w, 2w, ... between v and tmp; the result is copied
 * back into v when it ends in tmp. LESS(a, b): a sorts strictly before b,
 * so an element of the right run passes one of the left only when strictly
 * less: ties keep their input order. */
#define KA__SORT_BODY(T, LESS)                                                                     \
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

#define KA__VALUE_LESS(a, b) ((a) < (b))
#define KA__CMP_LESS(a, b)   (cmp(ctx, (a), (b)) < 0)

KA__SORT_INLINE void ka__sort_u32(uint32_t *v, size_t n, uint32_t *tmp)
{
	KA__SORT_BODY(uint32_t, KA__VALUE_LESS);
}

KA__SORT_INLINE void ka__sort_u64(uint64_t *v, size_t n, uint64_t *tmp)
{
	KA__SORT_BODY(uint64_t, KA__VALUE_LESS);
}

KA__SORT_INLINE void ka__sort_u32_by(uint32_t *v, size_t n, uint32_t *tmp,
				     int (*cmp)(const void *ctx, uint32_t x, uint32_t y),
				     const void *ctx)
{
	KA__SORT_BODY(uint32_t, KA__CMP_LESS);
}

#endif
