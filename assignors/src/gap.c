/*
 * gap.c - how far an assignment is from the best one, level by level, for
 * groups of any size: the checker, the sweep and the benchmarks all call it
 * (docs/metrics.md, "Distance from the optimum").
 *
 * The best assignment is the lexicographic optimum of docs/design.md: the
 * most balanced load vector, then the most partitions on a member whose rack
 * holds a replica, then the fewest moves. optimum_flow.c computes exactly
 * that (ka__optimum_best, which the `locality` strategy gives too: a
 * min-cost flow over partition groups and member classes, not over
 * partitions), so the optimum of a million partitions takes a
 * fraction of a second where ka_optimum_compute's unit-step flow would not
 * finish. Its figures are counted the way ka_metrics_compute counts them.
 *
 * The most balanced load vector also has the least sum of squared loads (a
 * decreasingly minimal point of the polymatroid of feasible load vectors
 * minimizes every separable convex function), so one number, load_sq, says
 * how far an assignment's balance is from the best. The gap is signed: an
 * assignment less balanced than the optimum may well be more local or move
 * less; the levels below the first that differs are for information.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

size_t ka_optimum_flow_workspace_size(const ka_group *g)
{
	if (!g)
		return 0;
	size_t n = ka__ws_need(0, (size_t)g->n_partitions + 1, sizeof(uint32_t));
	n = ka__ws_need(n, (size_t)g->n_members + 1, sizeof(uint32_t));
	return n + ka__ws_round(ka__optimum_best_size(g));
}

/* load_min, load_max, load_sq over eligible members, local and moved. */
static void count(const ka_group *g, const uint32_t *owner, uint32_t *load, ka_optimum *out)
{
	const uint32_t M = g->n_members;
	memset(out, 0, sizeof *out);
	memset(load, 0, (size_t)M * sizeof *load);
	for (uint32_t t = 0; t < g->n_topics; t++) {
		int subscribed = g->tsub_off[t + 1] > g->tsub_off[t];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			uint32_t o = owner[p], prev = g->prev_owner[p];
			if (subscribed && prev != KA_NONE && o != prev)
				out->moved++;
			if (o >= M)
				continue;
			load[o]++;
			uint16_t r = g->member_rack[o];
			if (r == KA_NO_RACK)
				continue;
			for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
				if (g->prack[a] == r) {
					out->local++;
					break;
				}
		}
	}
	int first = 1;
	for (uint32_t i = 0; i < M; i++) {
		int eligible = 0;
		for (uint32_t s = g->sub_off[i]; s < g->sub_off[i + 1] && !eligible; s++)
			eligible =
			    g->topic_off[g->sub_topic[s] + 1] > g->topic_off[g->sub_topic[s]];
		if (!eligible)
			continue;
		if (first || load[i] < out->load_min)
			out->load_min = load[i];
		if (load[i] > out->load_max)
			out->load_max = load[i];
		first = 0;
		out->load_sq += (uint64_t)load[i] * load[i];
	}
}

int ka_optimum_flow(const ka_group *g, void *ws, size_t ws_size, ka_optimum *out)
{
	if (!g || !out || ((uintptr_t)ws & (KA__ALIGN - 1)))
		return KA_EINVAL;
	if (ws_size < ka_optimum_flow_workspace_size(g))
		return KA_EWORKSPACE;
	ka__ws w;
	ka__ws_init(&w, ws, ws_size);
	uint32_t *owner = ka__ws_take(&w, (size_t)g->n_partitions + 1, sizeof *owner);
	uint32_t *load = ka__ws_take(&w, (size_t)g->n_members + 1, sizeof *load);
	size_t need = ka__optimum_best_size(g);
	void *rest = ka__ws_take(&w, need, 1);
	int rc = ka__optimum_best(g, rest, need, owner);
	if (rc)
		return rc;
	count(g, owner, load, out);
	return 0;
}

void ka_gap_of(const ka_metrics *m, const ka_optimum *best, ka_gap *out)
{
	out->load_sq = (int64_t)m->load_sq - (int64_t)best->load_sq;
	out->local = (int64_t)best->local - (int64_t)m->local;
	out->moved = (int64_t)m->moved - (int64_t)best->moved;
}

int ka_gap_compute(const ka_group *g, const ka_metrics *m, ka_gap *out)
{
	if (!g || !m || !out)
		return KA_EINVAL;
	size_t n = ka_optimum_flow_workspace_size(g);
	size_t alloc = ka__ws_round(n ? n : 1);
	void *ws = aligned_alloc(KA__ALIGN, alloc);
	if (!ws)
		return KA_ENOMEM;
	ka_optimum best;
	int rc = ka_optimum_flow(g, ws, alloc, &best);
	free(ws);
	if (rc)
		return rc;
	ka_gap_of(m, &best, out);
	return 0;
}
