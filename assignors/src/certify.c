/*
 * certify.c - certificates that an assignment is already optimal, cheaper
 * than computing the optimum: whether a complete assignment's load vector
 * is the most balanced one (ka__certify_balance), and whether Kafka's
 * rack-aware sticky answer is optimal on balance, locality and stickiness
 * all three (ka__certify_kafka, at the end of this file).
 *
 * Balance. The most balanced (lexicographically smallest sorted descending)
 * load vector is the one with no improving exchange: no chain of
 * single-partition moves from a member holding L to one holding L - 2 or
 * less. Members of a
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
#include "sticky.h"

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
	t = ka__ws_need(t, sc, sizeof(uint32_t)); /* topic -> class edges */
	t = ka__ws_need(t, V, sizeof(uint32_t));  /* tarjan index */
	t = ka__ws_need(t, V, sizeof(uint32_t));  /* low */
	t = ka__ws_need(t, V, sizeof(uint32_t));  /* component / reach value */
	t = ka__ws_need(t, V, sizeof(uint32_t));  /* scc stack */
	t = ka__ws_need(t, V, sizeof(uint32_t));  /* call stack: node */
	t = ka__ws_need(t, V, sizeof(uint32_t));  /* call stack: edge cursor */
	t = ka__ws_need(t, V, sizeof(uint32_t));  /* component minimum */
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

/* Loads, and each class's smallest and largest (eligible classes only:
 * cmin NO_VALUE for the others). 0 when a class's loads differ by two. */
static int class_loads(const ka_group *g, const uint32_t *owner, uint32_t *load, uint32_t *cmin,
		       uint32_t *cmax)
{
	const uint32_t M = g->n_members, C = g->n_member_classes;
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
			eligible =
			    g->topic_off[g->sub_topic[s] + 1] > g->topic_off[g->sub_topic[s]];
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
	return 1;
}

/* class -> topic (c_off, c_to): the class holds a partition of the topic.
 * stamp[C] is scratch. */
static void class_topics(const ka_group *g, const uint32_t *owner, uint32_t *c_off, uint32_t *c_to,
			 uint32_t *stamp)
{
	const uint32_t C = g->n_member_classes, T = g->n_topics;
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
}

/* topic -> class: the offsets (t_off), counted from one member of each
 * class. */
static void topic_class_counts(const ka_group *g, uint32_t *t_off)
{
	const uint32_t M = g->n_members, T = g->n_topics;
	memset(t_off, 0, ((size_t)T + 1) * sizeof *t_off);
	for (uint32_t m = 0, next = 0; m < M; m++)
		if (g->member_class[m] == next) {
			next++;
			for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
				t_off[g->sub_topic[s] + 1]++;
		}
	for (uint32_t t = 0; t < T; t++)
		t_off[t + 1] += t_off[t];
}

/* topic -> class: the edges (t_to), cursor[T] scratch. */
static void topic_class_edges(const ka_group *g, const uint32_t *t_off, uint32_t *t_to,
			      uint32_t *cursor)
{
	memcpy(cursor, t_off, (size_t)g->n_topics * sizeof *cursor);
	for (uint32_t m = 0, next = 0; m < g->n_members; m++)
		if (g->member_class[m] == next) {
			for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
				t_to[cursor[g->sub_topic[s]]++] = next;
			next++;
		}
}

/* Tarjan's scratch, V entries each. */
typedef struct tarjan {
	uint32_t *index, *low, *comp, *sstack, *cnode, *cedge, *cval;
} tarjan;

/*
 * Tarjan: a component is complete when its root pops; every component
 * reachable from it is complete already, so its minimum (over its
 * classes' smallest loads and its successors' minima) is final then.
 * Leaves each node's component in comp[] and each component's minimum in
 * cval[].
 */
static void reach_minima(const graph *gr, uint32_t V, const uint32_t *cmin, const tarjan *tj)
{
	const uint32_t C = gr->C;
	uint32_t *index = tj->index, *low = tj->low, *comp = tj->comp, *sstack = tj->sstack;
	uint32_t *cnode = tj->cnode, *cedge = tj->cedge, *cval = tj->cval;
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
			const uint32_t *to = edges(gr, v, &n, &shift);
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
					const uint32_t *tx = edges(gr, x, &nx, &sx);
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
	if (!class_loads(g, owner, load, cmin, cmax))
		return 0;
	class_topics(g, owner, c_off, c_to, stamp);
	topic_class_counts(g, t_off);
	uint32_t *t_to = ka__ws_take(w, t_off[T], sizeof(uint32_t));
	tarjan tj;
	tj.index = ka__ws_take(w, V, sizeof(uint32_t));
	tj.low = ka__ws_take(w, V, sizeof(uint32_t));
	tj.comp = ka__ws_take(w, V, sizeof(uint32_t));
	tj.sstack = ka__ws_take(w, V, sizeof(uint32_t));
	tj.cnode = ka__ws_take(w, V, sizeof(uint32_t));
	tj.cedge = ka__ws_take(w, V, sizeof(uint32_t));
	tj.cval = ka__ws_take(w, V, sizeof(uint32_t));
	topic_class_edges(g, t_off, t_to, tj.index); /* index: cursors for now */
	const graph gr = {C, c_off, c_to, t_off, t_to};
	reach_minima(&gr, V, cmin, &tj);

	/* Every class's largest load at most one over what it can reach. */
	const uint32_t *comp = tj.comp, *cval = tj.cval;
	for (uint32_t c = 0; c < C; c++)
		if (cmin[c] != NO_VALUE && cval[comp[c]] != NO_VALUE && cmax[c] > cval[comp[c]] + 1)
			return 0;
	return 1;
}

/* ------------------------------------------------------------ Kafka's rack-aware answer */

#define CERT_SLABS(X)                                                                              \
	X(ct_table, uint32_t, d->table)                                                            \
	X(ct_key, uint64_t, G)                                                                     \
	X(ct_tc, uint32_t, G)                                                                      \
	X(ct_n, uint32_t, G)                                                                       \
	X(ct_first, uint32_t, NT + 2)                                                              \
	X(ct_by_tc, uint32_t, G)                                                                   \
	X(ct_mark, uint32_t, NT)                                                                   \
	X(ct_cls_n, uint32_t, NC)                                                                  \
	X(ct_arc, uint32_t, GA)                                                                    \
	X(ct_arc_k, uint32_t, GA)                                                                  \
	X(ct_arc_c, uint32_t, GA)

#define CERT_SIZES const size_t G = d->grp, GA = d->grp_arcs, NC = d->cls, NT = g->n_topic_classes

size_t ka__certify_kafka_size(const ka_group *g, const dims *d)
{
	CERT_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	CERT_SLABS(X)
#undef X
	return total + ka__flow_size((uint32_t)(2 + G + NC), G + GA);
}

/* What the phases of ka__certify_kafka share: the slabs, the groups
 * found (n of them), the member classes and the members' rack bits. */
typedef struct cert {
	const ka_group *g;
	const sides *sd;
	const uint8_t *bit;
	size_t mask;
#define X(name, type, n) type *name;
	CERT_SLABS(X)
#undef X
	uint32_t n;
} cert;

/* One pass over the partitions: the groups' sizes (ct_n), Kafka's levels
 * into *kafka and load[], and the valid claims, which it returns. */
static uint64_t score_kafka(cert *ct, const uint32_t *owner, uint32_t *load, levels *kafka)
{
	const ka_group *g = ct->g;
	const uint32_t *tcls = g->topic_class;
	const uint8_t *ct_bit = ct->bit;
	uint32_t *ct_table = ct->ct_table, *ct_tc = ct->ct_tc, *ct_n = ct->ct_n;
	uint64_t *ct_key = ct->ct_key;
	const size_t mask = ct->mask;
	uint64_t kept = 0, local = 0, claims = 0;
	uint32_t n = 0;
	memset(load, 0, g->n_members * sizeof *load);
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		const uint32_t c = tcls[t];
		uint32_t last = KA_NONE;
		int last_valid = 0;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			const uint64_t k = rack_mask(g, ct_bit, p);
			uint32_t *slot = group_slot(ct_table, mask, ct_key, ct_tc, k, c);
			if (*slot == KA_NONE) {
				*slot = n;
				ct_key[n] = k;
				ct_tc[n] = c;
				ct_n[n++] = 0;
			}
			ct_n[*slot]++;
			const uint32_t m = owner[p], prev = g->prev_owner[p];
			if (prev != KA_NONE) {
				if (prev != last) {
					last = prev;
					last_valid = ka__subscribes(g, prev, t);
				}
				claims += (uint64_t)last_valid;
			}
			if (m == KA_NONE)
				continue;
			load[m]++;
			kept += m == prev;
			const uint32_t r = g->member_rack[m], b = r != KA_NO_RACK ? ct_bit[r] : 0;
			local += b ? (k >> (b - 1)) & 1 : 0;
		}
	}
	ct->n = n;
	*kafka = (levels){0, local, kept};
	for (uint32_t m = 0; m < g->n_members; m++)
		kafka->sq += (uint64_t)load[m] * load[m];
	return claims;
}

/* The groups by topic class (ct_first, ct_by_tc), for each member class's
 * arcs; returns the partitions in all. */
static uint64_t groups_by_class(const cert *ct)
{
	const size_t NT = ct->g->n_topic_classes;
	uint32_t *ct_first = ct->ct_first;
	uint64_t demand = 0;
	memset(ct_first, 0, (NT + 2) * sizeof *ct_first);
	for (uint32_t k = 0; k < ct->n; k++) {
		ct_first[ct->ct_tc[k] + 2]++;
		demand += ct->ct_n[k];
	}
	for (size_t tc = 0; tc < NT; tc++)
		ct_first[tc + 2] += ct_first[tc + 1];
	for (uint32_t k = 0; k < ct->n; k++)
		ct->ct_by_tc[ct_first[ct->ct_tc[k] + 1]++] = k;
	return demand;
}

/* Whether a member of rack r is local to group k (its mask holds r's bit). */
static inline int cert_local(const cert *ct, uint32_t k, uint32_t r)
{
	const uint32_t b = r != KA_NO_RACK ? ct->bit[r] : 0;
	return b && ((ct->ct_key[k] >> (b - 1)) & 1);
}

/* The network, groups -> member classes (cost 1: not local) -> Z (convex
 * over the class's members, weighted above locality); returns the number
 * of group -> class arcs (ct_arc, ct_arc_k, ct_arc_c). */
static size_t cert_network(const cert *ct, ka__flow *f, size_t GA)
{
	const ka_group *g = ct->g;
	const sides *sd = ct->sd;
	const uint32_t n = ct->n, NCs = sd->n_cls, *tcls = g->topic_class;
	const uint32_t *ct_first = ct->ct_first, *ct_by_tc = ct->ct_by_tc, *ct_cls_n = ct->ct_cls_n;
	uint32_t *ct_mark = ct->ct_mark;
	for (uint32_t k = 0; k < n; k++)
		ka__flow_arc(f, 0, 2 + k, ct->ct_n[k], 0);
	memset(ct_mark, 0xff, g->n_topic_classes * sizeof *ct_mark);
	size_t n_arcs = 0;
	for (uint32_t c = 0, scan = 0; c < NCs; c++) {
		const uint32_t m = class_rep(sd, c, &scan), r = sd->cls_rack[c];
		if (!ct_cls_n[c])
			continue;
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++) {
			const uint32_t tc = tcls[g->sub_topic[s]];
			if (ct_mark[tc] == c)
				continue;
			ct_mark[tc] = c;
			for (uint32_t j = ct_first[tc]; j < ct_first[tc + 1]; j++) {
				const uint32_t k = ct_by_tc[j];
				const int remote = !cert_local(ct, k, r);
				assert(n_arcs < GA);
				ct->ct_arc_k[n_arcs] = k;
				ct->ct_arc_c[n_arcs] = c;
				ct->ct_arc[n_arcs++] =
				    ka__flow_arc(f, 2 + k, 2 + n + c, -1, remote);
			}
		}
		ka__flow_sink(f, 2 + n + c, ct_cls_n[c]);
	}
	(void)GA;
	return n_arcs;
}

/*
 * Whether Kafka's rack-aware answer (owner) is already optimal, decided
 * without building the optimum: no assignment keeps more than the valid
 * claims, and the most local of the most balanced assignments is found on
 * counts alone, by a min-cost flow from partition groups (counted here,
 * never listed) to member classes, with the classes' convex balance costs
 * weighted above any difference in locality. When Kafka's answer keeps
 * every valid claim and reaches both optimal figures, nothing beats it on
 * any level. One pass over the partitions and a flow on a few nodes, where
 * the optimum takes several passes; past 64 member racks, not tried. The
 * pass scores Kafka's answer too (*kafka, and *scored set), for the
 * comparison with the optimum when the certificate fails.
 */
int ka__certify_kafka(const ka_group *g, const dims *d, const sides *sd, ka__ws *w,
		      const uint32_t *owner, uint32_t *load, levels *kafka, int *scored)
{
	*scored = 0;
	if (d->member_racks > 64)
		return 0;
	CERT_SIZES;
	cert ct = {.g = g, .sd = sd, .bit = sd->rack_bit, .mask = d->table - 1};
#define X(name, type, n) ct.name = ka__ws_take(w, (n), sizeof(type));
	CERT_SLABS(X)
#undef X
	memset(ct.ct_table, 0xff, d->table * sizeof *ct.ct_table);
	const uint64_t claims = score_kafka(&ct, owner, load, kafka);
	assert(ct.n <= G);
	*scored = 1;
	if (kafka->kept != claims)
		return 0;
	const uint64_t demand = groups_by_class(&ct);

	/* Every cost the flow meets stays below weight (2 demand + 1) times
	 * the nodes: a quarter of the range. */
	const uint32_t n = ct.n, NCs = sd->n_cls, V = 2 + n + NCs;
	const int64_t weight = (int64_t)demand + 1;
	if (cost_bound((uint64_t)weight, 2 * demand + 1, 0) < 0 ||
	    cost_bound((uint64_t)weight * (2 * demand + 1), (uint64_t)V + 2, 0) < 0)
		return 0;
	memset(ct.ct_cls_n, 0, NCs * sizeof *ct.ct_cls_n);
	for (uint32_t m = 0; m < g->n_members; m++)
		ct.ct_cls_n[sd->cls_of[m]] += g->sub_off[m + 1] > g->sub_off[m];
	ka__flow f;
	ka__flow_init(&f, w, V, n + GA, 0, 1, weight);
	const size_t n_arcs = cert_network(&ct, &f, GA);
	if (ka__flow_run(&f, (int64_t)demand) != (int64_t)demand)
		return 0; /* cannot happen: Kafka assigned them */

	/* The optimum's loads spread evenly within each class, its remote
	 * placements on the arcs. */
	uint64_t sq_opt = 0, remote_opt = 0;
	for (uint32_t c = 0; c < NCs; c++) {
		const uint64_t x = (uint64_t)f.sink_x[2 + n + c], nc = ct.ct_cls_n[c];
		if (!nc)
			continue;
		const uint64_t q = x / nc, extra = x % nc;
		sq_opt += extra * (q + 1) * (q + 1) + (nc - extra) * q * q;
	}
	for (size_t a = 0; a < n_arcs; a++)
		if (!cert_local(&ct, ct.ct_arc_k[a], sd->cls_rack[ct.ct_arc_c[a]]))
			remote_opt += (uint64_t)ka__flow_on(&f, ct.ct_arc[a]);
	return kafka->sq == sq_opt && kafka->local == demand - remote_opt;
}
