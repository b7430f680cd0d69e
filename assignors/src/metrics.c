/*
 * metrics.c - balance, movement and locality of an assignment, one
 * definition for the checker, the sweep, the benchmarks and the tests
 * (docs/metrics.md).
 *
 * The movement bound. With equal subscriptions a balanced assignment gives
 * every member q = N / M or q + 1 partitions, exactly r = N % M of them q + 1.
 * Member i can keep at most min(o_i, its load) of the o_i partitions it owned,
 * so the most any balanced assignment keeps is
 *     sum_i min(o_i, q) + min(r, #{i : o_i > q})
 * and that is reachable (everybody may take anything), so the fewest moves is
 * exact. With unequal subscriptions only the forced moves are counted (a
 * previous owner that no longer subscribes to the topic must lose it): a
 * proven lower bound, not the optimum, and flagged as such.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

/* Loads and claims per member, then (unequal subscriptions) the flow that
 * gives moved_opt, 64-byte aligned after them. */
static size_t base_size(const ka_group *g)
{
	return ka__ws_round(((size_t)g->n_members + 1) * 2 * sizeof(uint32_t));
}

size_t ka_metrics_workspace_size(const ka_group *g)
{
	size_t opt =
	    (g->flags & KA_GROUP_HOMOGENEOUS) ? 0 : ka__optimum_min_moves_size(g) + KA__ALIGN;
	return base_size(g) + opt;
}

/* One pass over the partitions: what is assignable, assigned, moved and
 * local, each member's load, and each member's claims it may keep
 * (kept_of: it still subscribes). */
static void count_partitions(const ka_group *g, const uint32_t *owner, uint32_t *load,
			     uint32_t *kept_of, ka_metrics *m)
{
	const uint32_t M = g->n_members;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		uint32_t off = g->topic_off[t], end = g->topic_off[t + 1];
		int subscribed = g->tsub_off[t + 1] > g->tsub_off[t];
		for (uint32_t p = off; p < end; p++) {
			uint32_t o = owner[p], prev = g->prev_owner[p];
			if (subscribed) {
				m->n_assignable++;
				if (prev != KA_NONE) {
					m->prev_owned++;
					if (o != prev)
						m->moved++;
					if (ka__subscribes(g, prev, t))
						kept_of[prev]++;
				}
			}
			if (o == KA_NONE || o >= M)
				continue;
			m->n_assigned++;
			load[o]++;
			uint16_t r = g->member_rack[o];
			if (r != KA_NO_RACK && g->prack_off[p + 1] > g->prack_off[p]) {
				m->rack_known++;
				for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
					if (g->prack[a] == r) {
						m->local++;
						break;
					}
			}
		}
	}
}

/* Load over members that could take a partition: min, max, mean, stddev,
 * sum of squares. */
static void load_figures(const ka_group *g, const uint32_t *load, ka_metrics *m)
{
	double sum = 0, sq = 0;
	for (uint32_t i = 0; i < g->n_members; i++) {
		int eligible = 0;
		for (uint32_t s = g->sub_off[i]; s < g->sub_off[i + 1] && !eligible; s++)
			eligible =
			    g->topic_off[g->sub_topic[s] + 1] > g->topic_off[g->sub_topic[s]];
		if (!eligible)
			continue;
		if (!m->n_eligible || load[i] < m->load_min)
			m->load_min = load[i];
		if (load[i] > m->load_max)
			m->load_max = load[i];
		m->n_eligible++;
		sum += load[i];
		sq += (double)load[i] * load[i];
		m->load_sq += (uint64_t)load[i] * load[i];
	}
	if (m->n_eligible) {
		m->load_mean = sum / m->n_eligible;
		double var = sq / m->n_eligible - m->load_mean * m->load_mean;
		m->load_stddev = var > 0 ? sqrt(var) : 0;
	}
}

/* Balanced: no partition's owner holds two more than a subscriber of its topic. */
static int is_balanced(const ka_group *g, const uint32_t *owner, const uint32_t *load)
{
	const uint32_t M = g->n_members;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		uint32_t lo = UINT32_MAX, hi = 0;
		for (uint32_t s = g->tsub_off[t]; s < g->tsub_off[t + 1]; s++)
			if (load[g->tsub_member[s]] < lo)
				lo = load[g->tsub_member[s]];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			if (owner[p] < M && load[owner[p]] > hi)
				hi = load[owner[p]];
		if (lo != UINT32_MAX && hi >= lo + 2)
			return 0;
	}
	return 1;
}

/* The movement bound (see the top of this file), and the fewest moves of
 * any most balanced assignment from the optimum (optimum_flow.c) in the
 * workspace after base_size. */
static void movement_figures(const ka_group *g, const uint32_t *kept_of, void *ws, ka_metrics *m)
{
	const uint32_t M = g->n_members;
	uint32_t keepable = 0;
	for (uint32_t i = 0; i < M; i++)
		keepable += kept_of[i];
	if ((g->flags & KA_GROUP_HOMOGENEOUS) && M) {
		uint32_t q = m->n_assignable / M, r = m->n_assignable % M, kept = 0, over = 0;
		for (uint32_t i = 0; i < M; i++) {
			kept += kept_of[i] < q ? kept_of[i] : q;
			over += kept_of[i] > q;
		}
		kept += over < r ? over : r;
		m->moved_min = m->prev_owned - kept;
		m->moved_min_exact = 1;
		m->moved_opt = m->moved_min;
	} else {
		m->moved_min = m->prev_owned - keepable;
		m->moved_min_exact = M == 0 || m->prev_owned == 0;
		/* The flow wants 64-byte aligned scratch; ws is only 8-aligned. */
		unsigned char *rest = (unsigned char *)ws + base_size(g);
		unsigned char *aligned = (unsigned char *)(((uintptr_t)rest + KA__ALIGN - 1) &
							   ~(uintptr_t)(KA__ALIGN - 1));
		m->moved_opt =
		    m->prev_owned ? ka__optimum_min_moves(g, aligned, ka__optimum_min_moves_size(g))
				  : 0;
	}
}

int ka_metrics_compute(const ka_group *g, const uint32_t *owner, void *ws, size_t ws_size,
		       ka_metrics *out)
{
	if (ws_size < ka_metrics_workspace_size(g))
		return KA_EWORKSPACE;
	const uint32_t M = g->n_members;
	uint32_t *load = ws;          /* partitions a member holds */
	uint32_t *kept_of = load + M; /* partitions whose previous owner it is */
	ka_metrics m;
	memset(&m, 0, sizeof m);
	memset(load, 0, (size_t)M * 2 * sizeof *load);
	count_partitions(g, owner, load, kept_of, &m);
	load_figures(g, load, &m);
	m.balanced = is_balanced(g, owner, load);
	movement_figures(g, kept_of, ws, &m);
	*out = m;
	return 0;
}
