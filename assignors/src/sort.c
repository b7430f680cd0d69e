/*
 * sort.c - the one sort of the project: a stable bottom-up merge sort into
 * a scratch array the caller provides, so it never allocates and can run
 * inside ka_assign's workspace (the body is sort.h's). Three element kinds:
 * plain uint32 and uint64 values ascending, and uint32 indices ordered by a
 * comparator with a context (C17's qsort has no context, and a static one
 * would make concurrent callers race).
 *
 * Stability is part of the contract: callers whose comparator ties (topics
 * with equal partition counts, members with equal keys) rely on ties keeping
 * their input order, so outputs are the same whatever the algorithm inside.
 */
#include "internal.h"
#include "sort.h"

void ka_sort_u32(uint32_t *v, size_t n, uint32_t *tmp)
{
	ka__sort_u32(v, n, tmp);
}

void ka_sort_u64(uint64_t *v, size_t n, uint64_t *tmp)
{
	ka__sort_u64(v, n, tmp);
}

void ka_sort_u32_by(uint32_t *v, size_t n, uint32_t *tmp, ka_sort_cmp cmp, const void *ctx)
{
	ka__sort_u32_by(v, n, tmp, cmp, ctx);
}
