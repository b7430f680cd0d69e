/*
 * certify.c - is a complete assignment's load vector the most balanced one?
 *
 * The most balanced (lexicographically smallest sorted descending) load
 * vector is the one with no improving exchange: no chain of single-partition
 * moves from a member holding L to one holding L - 2 or less. Members of a
 * subscription class can take the same partitions, so the question splits:
 *
 *   - inside a class, loads must differ by at most one;
 *   - between classes: class a can pass a partition to class b, directly or
 *     through other classes (each passing one on and taking one, its load
 *     unchanged), when the graph  class -> topic (the class holds a partition
 *     of it) -> class (subscribes to it)  has a path from a to b. The
 *     assignment is optimal iff for every class a, its largest load is at
 *     most one more than the smallest load of any class reachable from a.
 *
 * Strongly connected components (Tarjan, iterative) and a minimum over each
 * component's successors decide it in O(partitions + class subscriptions),
 * whatever the loads, where a flow would need a phase per level of load.
 */
#include <string.h>

#include "internal.h"

#define NO_VALUE UINT32_MAX

size_t ka__certify_size(const ka_group *g)
{
	size_t M = g->n_members, C = g->n_member_classes, T = g->n_topics, P = g->n_partitions;
	size_t V = C + T, t = 0;
	t = ka__ws_need(t, M, sizeof(uint32_t));     /* load */
	t = ka__ws_need(t, C, sizeof(uint32_t));     /* class min */
	t = ka__ws_need(t, C, sizeof(uint32_t));     /* class max */
	t = ka__ws_need(t, C + 1, sizeof(uint32_t)); /* class -> topic offsets */
	t = ka__ws_need(t, P, sizeof(uint32_t));     /* class -> topic edges (<= partitions) */
	t = ka__ws_need(t, C, sizeof(uint32_t));     /* stamps */
	t = ka__ws_need(t, T + 1, sizeof(uint32_t)); /* topic -> class offsets */
	size_t sc = ka__class_subscriptions(g);
	t = ka__ws_need(t, sc, sizeof(uint32_t));    /* topic -> class edges */
	t = ka__ws_need(t, V, sizeof(uint32_t));     /* tarjan index */
	t = ka__ws_need(t, V, sizeof(uint32_t));     /* low */
	t = ka__ws_need(t, V, sizeof(uint32_t));     /* component / reach value */
	t = ka__ws_need(t, V, sizeof(uint32_t));     /* scc stack */
	t = ka__ws_need(t, V, sizeof(uint32_t));     /* call stack: node */
	t = ka__ws_need(t, V, sizeof(uint32_t));     /* call stack: edge cursor */
	t = ka__ws_need(t, V, sizeof(uint32_t));     /* component minimum */
	return t;
}

typedef struct graph {
	uint32_t C;
	const uint32_t *c_off, *c_to; /* class -> topic (topic ids) */
	const uint32_t *t_off, *t_to; /* topic -> class */
} graph;

/* Edges of node v (classes 0..C-1, then topics) as [*b, *e) into *to. */
static inline const uint32_t *edges(const graph *gr, uint32_t v, uint32_t *n, uint32_t *shift)
{
	if (v < gr->C) {
		*n = gr->c_off[v + 1] - gr->c_off[v];
		*shift = gr->C; /* topic ids map to nodes C + t */
		return gr->c_to + gr->c_off[v];
	}
	uint32_t t = v - gr->C;
	*n = gr->t_off[t + 1] - gr->t_off[t];
	*shift = 0;
	return gr->t_to + gr->t_off[t];
}

int ka__certify_balance(const ka_group *g, const uint32_t *owner, ka__ws *w)
{
	const uint32_t M = g->n_members, C = g->n_member_classes, T = g->n_topics;
	const uint32_t V = C + T;
	uint32_t *load = ka__ws_take(w, M, sizeof(uint32_t));
	uint32_t *cmin = ka__ws_take(w, C, sizeof(uint32_t));
	uint32_t *cmax = ka__ws_take(w, C, sizeof(uint32_t));
	uint32_t *c_off = ka__ws_take(w, (size_t)C + 1, sizeof(uint32_t));
	uint32_t *c_to = ka__ws_take(w, g->n_partitions, sizeof(uint32_t));
	uint32_t *stamp = ka__ws_take(w, C, sizeof(uint32_t));
	uint32_t *t_off = ka__ws_take(w, (size_t)T + 1, sizeof(uint32_t));

	/* Loads; each class's smallest and largest (eligible classes only). */
	memset(load, 0, (size_t)M * sizeof *load);
	for (uint32_t p = 0; p < g->n_partitions; p++)
		if (owner[p] != KA_NONE)
			load[owner[p]]++;
	for (uint32_t c = 0; c < C; c++) {
		cmin[c] = NO_VALUE;
		cmax[c] = 0;
	}
	for (uint32_t m = 0; m < M; m++) {
		int eligible = 0;
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1] && !eligible; s++)
			eligible = g->topic_off[g->sub_topic[s] + 1] > g->topic_off[g->sub_topic[s]];
		if (!eligible)
			continue;
		uint32_t c = g->member_class[m];
		if (load[m] < cmin[c])
			cmin[c] = load[m];
		if (load[m] > cmax[c])
			cmax[c] = load[m];
	}
	for (uint32_t c = 0; c < C; c++)
		if (cmin[c] != NO_VALUE && cmax[c] > cmin[c] + 1)
			return 0;

	/* class -> topic: the class holds a partition of the topic. */
	memset(c_off, 0, ((size_t)C + 1) * sizeof *c_off);
	for (uint32_t c = 0; c < C; c++)
		stamp[c] = KA_NONE;
	for (uint32_t t = 0; t < T; t++)
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			if (owner[p] == KA_NONE)
				continue;
			uint32_t c = g->member_class[owner[p]];
			if (stamp[c] != t) {
				stamp[c] = t;
				c_off[c + 1]++;
			}
		}
	for (uint32_t c = 0; c < C; c++)
		c_off[c + 1] += c_off[c];
	/* Fill, in topic order: a repeat of a class's edge can only be its last. */
	memcpy(stamp, c_off, (size_t)C * sizeof *stamp); /* cursors now */
	for (uint32_t t = 0; t < T; t++)
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			if (owner[p] == KA_NONE)
				continue;
			uint32_t c = g->member_class[owner[p]];
			uint32_t at = stamp[c];
			if (at == c_off[c] || c_to[at - 1] != t)
				c_to[stamp[c]++] = t;
		}

	/* topic -> class: the classes subscribing, from one member of each. */
	memset(t_off, 0, ((size_t)T + 1) * sizeof *t_off);
	for (uint32_t m = 0, next = 0; m < M; m++)
		if (g->member_class[m] == next) {
			next++;
			for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
				t_off[g->sub_topic[s] + 1]++;
		}
	for (uint32_t t = 0; t < T; t++)
		t_off[t + 1] += t_off[t];
	uint32_t *t_to = ka__ws_take(w, t_off[T], sizeof(uint32_t));
	uint32_t *index = ka__ws_take(w, V, sizeof(uint32_t));
	uint32_t *low = ka__ws_take(w, V, sizeof(uint32_t));
	uint32_t *comp = ka__ws_take(w, V, sizeof(uint32_t));
	uint32_t *sstack = ka__ws_take(w, V, sizeof(uint32_t));
	uint32_t *cnode = ka__ws_take(w, V, sizeof(uint32_t));
	uint32_t *cedge = ka__ws_take(w, V, sizeof(uint32_t));
	uint32_t *cval = ka__ws_take(w, V, sizeof(uint32_t));
	memcpy(index, t_off, (size_t)T * sizeof *index); /* cursors for now */
	for (uint32_t m = 0, next = 0; m < M; m++)
		if (g->member_class[m] == next) {
			for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
				t_to[index[g->sub_topic[s]]++] = next;
			next++;
		}
	graph gr = {C, c_off, c_to, t_off, t_to};

	/*
	 * Tarjan: a component is complete when its root pops; every component
	 * reachable from it is complete already, so its minimum (over its
	 * classes' smallest loads and its successors' minima) is final then.
	 */
	for (uint32_t v = 0; v < V; v++)
		index[v] = KA_NONE;
	uint32_t counter = 0, sp = 0, n_comp = 0;
	for (uint32_t root = 0; root < V; root++) {
		if (index[root] != KA_NONE)
			continue;
		uint32_t depth = 0;
		cnode[depth] = root;
		cedge[depth] = 0;
		index[root] = low[root] = counter++;
		sstack[sp++] = root;
		comp[root] = KA_NONE;
		while (1) {
			uint32_t v = cnode[depth], n, shift;
			const uint32_t *to = edges(&gr, v, &n, &shift);
			if (cedge[depth] < n) {
				uint32_t u = to[cedge[depth]++] + shift;
				if (index[u] == KA_NONE) {
					index[u] = low[u] = counter++;
					sstack[sp++] = u;
					comp[u] = KA_NONE;
					cnode[++depth] = u;
					cedge[depth] = 0;
				} else if (comp[u] == KA_NONE && index[u] < low[v]) {
					low[v] = index[u]; /* on the stack */
				}
				continue;
			}
			if (low[v] == index[v]) {
				/* Pop the component; its minimum. */
				uint32_t best = NO_VALUE, k = sp;
				do {
					uint32_t x = sstack[--k];
					comp[x] = n_comp;
					if (x < C && cmin[x] < best)
						best = cmin[x];
				} while (sstack[k] != v);
				for (uint32_t i = k; i < sp; i++) {
					uint32_t x = sstack[i], nx, sx;
					const uint32_t *tx = edges(&gr, x, &nx, &sx);
					for (uint32_t e = 0; e < nx; e++) {
						uint32_t y = comp[tx[e] + sx];
						if (y != n_comp && cval[y] < best)
							best = cval[y];
					}
				}
				cval[n_comp++] = best;
				sp = k;
			}
			if (!depth)
				break;
			uint32_t parent = cnode[--depth];
			if (low[v] < low[parent])
				low[parent] = low[v];
		}
	}

	/* Every class's largest load at most one over what it can reach. */
	for (uint32_t c = 0; c < C; c++)
		if (cmin[c] != NO_VALUE && cval[comp[c]] != NO_VALUE && cmax[c] > cval[comp[c]] + 1)
			return 0;
	return 1;
}
