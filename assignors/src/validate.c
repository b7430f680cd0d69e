/*
 * validate.c - is an assignment an assignment: complete, and only to
 * subscribers. Uniqueness needs no check: owner[] holds one owner a
 * partition (the assignment reader reports a partition given twice).
 */
#include "internal.h"

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

uint64_t ka_assignment_validate(const ka_group *g, const uint32_t *owner, int allow_withheld,
				ka_violation_fn fn, void *ctx)
{
	uint64_t bad = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		int subscribed = g->tsub_off[t + 1] > g->tsub_off[t];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			uint32_t m = owner[p];
			int v = 0;
			if (m == KA_NONE) {
				if (subscribed &&
				    !(allow_withheld &&
				      (g->prev_owner[p] != KA_NONE || contested(g, p))))
					v = KA_VUNASSIGNED;
			} else if (m >= g->n_members) {
				v = KA_VBAD_MEMBER;
			} else if (!subscribed || !ka__subscribes(g, m, t)) {
				v = KA_VUNSUBSCRIBED;
			}
			if (v) {
				bad++;
				if (fn)
					fn(ctx, v, p, m);
			}
		}
	}
	return bad;
}
