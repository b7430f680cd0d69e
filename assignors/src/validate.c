/*
 * validate.c - is an assignment an assignment: complete, and only to
 * subscribers. Uniqueness needs no check: owner[] holds one owner a
 * partition (the assignment reader reports a partition given twice).
 */
#include "internal.h"

#include <stdlib.h>

/* Whether p is contested (claimed by several members of the top generation). */
static int contested(const ka_group *g, uint32_t p)
{
	uint32_t lo = 0, hi = g->n_contested;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->contested[mid] < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->n_contested && g->contested[lo] == p;
}

/*
 * "Does m subscribe to t" is the same question for every member of m's
 * subscription class, so it is answered once per topic and class (a binary
 * search in one member's list) and remembered in seen[class] for the rest of
 * the topic: one pass over owner[] at about a nanosecond a partition, where
 * a search per partition costs 30 ns and more on a million partitions with
 * long subscription lists. Without memory for the two arrays, the search is
 * made per partition.
 */
uint64_t ka_assignment_validate(const ka_group *g, const uint32_t *owner, int allow_withheld,
				ka_violation_fn fn, void *ctx)
{
	const uint32_t nc = g->n_member_classes;
	uint32_t *rep = malloc(((size_t)nc + 1) * sizeof(*rep));
	uint32_t *seen = calloc((size_t)nc + 1, sizeof(*seen));
	if (!g->member_class || !rep || !seen) {
		free(rep);
		free(seen);
		rep = seen = NULL;
	}
	if (seen)
		for (uint32_t m = g->n_members; m-- > 0;)
			rep[g->member_class[m]] = m;
	uint64_t bad = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		const int subscribed = g->tsub_off[t + 1] > g->tsub_off[t];
		const uint32_t yes = 2 * t + 2, no = 2 * t + 3; /* seen[c] for this topic */
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			const uint32_t m = owner[p];
			/* The common case first: a member whose class is known to
			 * subscribe (KA_NONE is past n_members). */
			if (seen && m < g->n_members && seen[g->member_class[m]] == yes)
				continue;
			int v = 0;
			if (m == KA_NONE) {
				if (subscribed &&
				    !(allow_withheld &&
				      (g->prev_owner[p] != KA_NONE || contested(g, p))))
					v = KA_VUNASSIGNED;
			} else if (m >= g->n_members) {
				v = KA_VBAD_MEMBER;
			} else if (!subscribed) {
				v = KA_VUNSUBSCRIBED;
			} else if (!seen) {
				v = ka__subscribes(g, m, t) ? 0 : KA_VUNSUBSCRIBED;
			} else {
				const uint32_t c = g->member_class[m];
				if (seen[c] != yes && seen[c] != no)
					seen[c] = ka__subscribes(g, rep[c], t) ? yes : no;
				v = seen[c] == yes ? 0 : KA_VUNSUBSCRIBED;
			}
			if (v) {
				bad++;
				if (fn)
					fn(ctx, v, p, m);
			}
		}
	}
	free(rep);
	free(seen);
	return bad;
}
