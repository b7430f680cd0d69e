/*
 * flow.c - min-cost flow for assignment networks (primal-dual).
 *
 * The network: a source S, a sink Z, plain arcs with integer capacities and
 * non-negative costs, and at most one sink arc u -> Z per node, either
 * convex, its k-th unit (k = 1, 2, ...) costing
 * weight * (2 * floor((k - 1) / n_u) + 1): the marginal cost of spreading X
 * units as evenly as possible over n_u members, sum of squared loads times
 * weight (minimizing it is the lexicographically most balanced load vector:
 * strictly convex separable costs over a base polyhedron; checked against
 * exhaustive search in tests/test_optimum.c); or a range [lo, hi]: lo units
 * at cost 0, hi - lo more at weight each, no more.
 *
 * Each phase runs Dijkstra on reduced costs from S until Z is settled,
 * raises the potentials by min(d(v), d(Z)) (which keeps every residual
 * reduced cost >= 0), and
 * pushes a blocking flow (Dinic) over the arcs of reduced cost 0. A convex
 * arc is admissible only for the units left at its current level, so phases
 * number about the levels of load times the distinct lower-level path costs.
 *
 * Memory comes from the caller's workspace (ka__flow_size); nothing here
 * allocates.
 */
#include <string.h>

#include "internal.h"

#define INF_CAP  ((int64_t)1 << 40)
#define INF_DIST INT64_MAX

size_t ka__flow_size(uint32_t nodes, size_t arcs)
{
	size_t n = nodes, a = 2 * arcs, t = 0;
	t = ka__ws_need(t, n, sizeof(uint32_t));     /* head */
	t = ka__ws_need(t, a, sizeof(uint32_t));     /* next */
	t = ka__ws_need(t, a, sizeof(uint32_t));     /* to */
	t = ka__ws_need(t, a, sizeof(int64_t));      /* cap */
	t = ka__ws_need(t, a, sizeof(int64_t));      /* cost */
	t = ka__ws_need(t, n, sizeof(uint32_t));     /* sink_n */
	t = ka__ws_need(t, n, sizeof(int64_t));      /* sink_x */
	t = ka__ws_need(t, n, sizeof(uint32_t));     /* sink_lo */
	t = ka__ws_need(t, n, sizeof(uint32_t));     /* sink_hi */
	t = ka__ws_need(t, n, sizeof(int64_t));      /* pi */
	t = ka__ws_need(t, n, sizeof(int64_t));      /* dist */
	t = ka__ws_need(t, n, sizeof(uint32_t));     /* heap */
	t = ka__ws_need(t, n, sizeof(uint32_t));     /* heap_pos */
	t = ka__ws_need(t, n, sizeof(uint32_t));     /* level */
	t = ka__ws_need(t, n, sizeof(uint32_t));     /* iter */
	t = ka__ws_need(t, n, sizeof(uint32_t));     /* queue / stack */
	t = ka__ws_need(t, n + 1, sizeof(uint32_t)); /* path arcs */
	return t;
}

void ka__flow_init(ka__flow *f, ka__ws *w, uint32_t nodes, size_t arcs, uint32_t S, uint32_t Z,
		   int64_t weight)
{
	size_t n = nodes, a = 2 * arcs;
	f->n = nodes;
	f->S = S;
	f->Z = Z;
	f->weight = weight;
	f->n_arcs = 0;
	f->max_arcs = (uint32_t)a;
	f->head = ka__ws_take(w, n, sizeof(uint32_t));
	f->next = ka__ws_take(w, a, sizeof(uint32_t));
	f->to = ka__ws_take(w, a, sizeof(uint32_t));
	f->cap = ka__ws_take(w, a, sizeof(int64_t));
	f->cost = ka__ws_take(w, a, sizeof(int64_t));
	f->sink_n = ka__ws_take(w, n, sizeof(uint32_t));
	f->sink_x = ka__ws_take(w, n, sizeof(int64_t));
	f->sink_lo = ka__ws_take(w, n, sizeof(uint32_t));
	f->sink_hi = ka__ws_take(w, n, sizeof(uint32_t));
	f->pi = ka__ws_take(w, n, sizeof(int64_t));
	f->dist = ka__ws_take(w, n, sizeof(int64_t));
	f->heap = ka__ws_take(w, n, sizeof(uint32_t));
	f->heap_pos = ka__ws_take(w, n, sizeof(uint32_t));
	f->level = ka__ws_take(w, n, sizeof(uint32_t));
	f->iter = ka__ws_take(w, n, sizeof(uint32_t));
	f->queue = ka__ws_take(w, n, sizeof(uint32_t));
	f->path = ka__ws_take(w, n + 1, sizeof(uint32_t));
	for (uint32_t v = 0; v < nodes; v++) {
		f->head[v] = KA_NONE;
		f->sink_n[v] = 0;
		f->sink_x[v] = 0;
		f->sink_lo[v] = 0;
		f->sink_hi[v] = 0;
		f->pi[v] = 0;
	}
}

uint32_t ka__flow_arc(ka__flow *f, uint32_t u, uint32_t v, int64_t cap, int64_t cost)
{
	assert(f->n_arcs + 2 <= f->max_arcs && cost >= 0);
	uint32_t a = f->n_arcs;
	f->to[a] = v;
	f->cap[a] = cap < 0 ? INF_CAP : cap;
	f->cost[a] = cost;
	f->next[a] = f->head[u];
	f->head[u] = a;
	f->to[a + 1] = u;
	f->cap[a + 1] = 0;
	f->cost[a + 1] = -cost;
	f->next[a + 1] = f->head[v];
	f->head[v] = a + 1;
	f->n_arcs += 2;
	return a;
}

void ka__flow_sink(ka__flow *f, uint32_t u, uint32_t units_per_level)
{
	f->sink_n[u] = units_per_level;
}

void ka__flow_sink_range(ka__flow *f, uint32_t u, uint32_t lo, uint32_t hi)
{
	assert(lo <= hi);
	f->sink_lo[u] = lo;
	f->sink_hi[u] = hi;
}

/* Whether u -> Z takes another unit; its cost, and how many units are left
 * at that cost. */
static inline int sink_open(const ka__flow *f, uint32_t u)
{
	return f->sink_n[u] || f->sink_x[u] < f->sink_hi[u];
}

static inline int64_t sink_cost(const ka__flow *f, uint32_t u)
{
	if (!f->sink_n[u])
		return f->sink_x[u] < f->sink_lo[u] ? 0 : f->weight;
	return f->weight * (2 * (f->sink_x[u] / f->sink_n[u]) + 1);
}

static inline int64_t sink_room(const ka__flow *f, uint32_t u)
{
	if (!f->sink_n[u])
		return (f->sink_x[u] < f->sink_lo[u] ? f->sink_lo[u] : f->sink_hi[u]) -
		       f->sink_x[u];
	return f->sink_n[u] - f->sink_x[u] % f->sink_n[u];
}

/* ------------------------------------------------------------ Dijkstra */

static void heap_up(ka__flow *f, uint32_t i)
{
	uint32_t v = f->heap[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2, pv = f->heap[parent];
		if (f->dist[pv] < f->dist[v] || (f->dist[pv] == f->dist[v] && pv < v))
			break;
		f->heap[i] = pv;
		f->heap_pos[pv] = i;
		i = parent;
	}
	f->heap[i] = v;
	f->heap_pos[v] = i;
}

static void heap_down(ka__flow *f, uint32_t i, uint32_t len)
{
	uint32_t v = f->heap[i];
	for (;;) {
		uint32_t l = 2 * i + 1, best = i, bv = v;
		for (uint32_t c = l; c < l + 2 && c < len; c++) {
			uint32_t cv = f->heap[c];
			if (f->dist[cv] < f->dist[bv] || (f->dist[cv] == f->dist[bv] && cv < bv)) {
				best = c;
				bv = cv;
			}
		}
		if (best == i)
			break;
		f->heap[i] = bv;
		f->heap_pos[bv] = i;
		i = best;
	}
	f->heap[i] = v;
	f->heap_pos[v] = i;
}

/* Shortest reduced distances from S; returns 0 when Z is unreachable. */
static int dijkstra(ka__flow *f)
{
	const uint32_t n = f->n, Z = f->Z;
	uint32_t len = 0;
	for (uint32_t v = 0; v < n; v++) {
		f->dist[v] = INF_DIST;
		f->heap_pos[v] = KA_NONE;
	}
	f->dist[f->S] = 0;
	f->heap[len++] = f->S;
	f->heap_pos[f->S] = 0;
	while (len) {
		uint32_t u = f->heap[0];
		f->heap_pos[u] = KA_NONE - 1; /* settled */
		if (--len) {
			f->heap[0] = f->heap[len];
			f->heap_pos[f->heap[0]] = 0;
			heap_down(f, 0, len);
		}
		/* Settled: every node still queued or unreached is at least as far,
		 * and raising it by d(Z) below keeps reduced costs >= 0. */
		if (u == Z)
			break;
		int64_t du = f->dist[u];
		for (uint32_t a = f->head[u]; a != KA_NONE; a = f->next[a]) {
			if (f->cap[a] <= 0)
				continue;
			uint32_t v = f->to[a];
			int64_t nd = du + f->cost[a] + f->pi[u] - f->pi[v];
			assert(f->cost[a] + f->pi[u] - f->pi[v] >= 0);
			if (nd < f->dist[v]) {
				f->dist[v] = nd;
				if (f->heap_pos[v] == KA_NONE) {
					f->heap[len] = v;
					heap_up(f, len++);
				} else {
					heap_up(f, f->heap_pos[v]);
				}
			}
		}
		if (sink_open(f, u)) {
			int64_t nd = du + sink_cost(f, u) + f->pi[u] - f->pi[Z];
			if (nd < f->dist[Z]) {
				f->dist[Z] = nd;
				if (f->heap_pos[Z] == KA_NONE) {
					f->heap[len] = Z;
					heap_up(f, len++);
				} else {
					heap_up(f, f->heap_pos[Z]);
				}
			}
		}
	}
	if (f->dist[Z] == INF_DIST)
		return 0;
	int64_t dz = f->dist[Z];
	for (uint32_t v = 0; v < n; v++)
		f->pi[v] += f->dist[v] < dz ? f->dist[v] : dz;
	return 1;
}

/* ------------------------------------------------------------ blocking flow */

static inline int admissible(const ka__flow *f, uint32_t u, uint32_t a)
{
	return f->cap[a] > 0 && f->cost[a] + f->pi[u] - f->pi[f->to[a]] == 0;
}

static inline int sink_admissible(const ka__flow *f, uint32_t u)
{
	return sink_open(f, u) && sink_cost(f, u) + f->pi[u] - f->pi[f->Z] == 0;
}

/* BFS levels over admissible arcs; returns whether Z is reached. */
static int bfs(ka__flow *f)
{
	uint32_t qh = 0, qt = 0;
	for (uint32_t v = 0; v < f->n; v++)
		f->level[v] = KA_NONE;
	f->level[f->S] = 0;
	f->queue[qt++] = f->S;
	while (qh < qt) {
		uint32_t u = f->queue[qh++];
		if (u == f->Z)
			continue;
		for (uint32_t a = f->head[u]; a != KA_NONE; a = f->next[a]) {
			uint32_t v = f->to[a];
			if (f->level[v] == KA_NONE && admissible(f, u, a)) {
				f->level[v] = f->level[u] + 1;
				f->queue[qt++] = v;
			}
		}
		if (f->level[f->Z] == KA_NONE && sink_admissible(f, u)) {
			f->level[f->Z] = f->level[u] + 1;
			f->queue[qt++] = f->Z;
		}
	}
	return f->level[f->Z] != KA_NONE;
}

/*
 * One augmenting path at a time along increasing levels, with current-arc
 * pointers (iter) so that the phase is O(V E) at worst; iterative, since
 * paths can be long. iter[u] == KA_NONE - 1 means "the sink arc is next".
 */
static int64_t augment(ka__flow *f, int64_t limit)
{
	const uint32_t S = f->S, Z = f->Z;
	int64_t total = 0;
	for (uint32_t v = 0; v < f->n; v++)
		f->iter[v] = f->head[v];
	while (total < limit) {
		uint32_t depth = 0, u = S;
		/* Walk forward to Z, retreating from dead ends. */
		for (;;) {
			if (u == Z)
				break;
			uint32_t a = f->iter[u];
			int moved = 0;
			while (a != KA_NONE && a != KA_NONE - 1) {
				uint32_t v = f->to[a];
				if (f->level[v] == f->level[u] + 1 && admissible(f, u, a)) {
					f->path[depth++] = a;
					u = v;
					moved = 1;
					break;
				}
				a = f->iter[u] = f->next[a];
			}
			if (moved)
				continue;
			if (a == KA_NONE)
				a = f->iter[u] = KA_NONE - 1;
			if (f->level[Z] == f->level[u] + 1 && sink_admissible(f, u)) {
				f->path[depth++] = KA_NONE - 1 - u; /* the sink arc of u */
				u = Z;
				continue;
			}
			/* Dead end: drop u from this phase and retreat. */
			f->level[u] = KA_NONE;
			if (!depth)
				return total;
			uint32_t back = f->path[--depth];
			u = f->to[back ^ 1];
			f->iter[u] = f->next[back];
		}
		/* Bottleneck and push. */
		int64_t push = limit - total;
		for (uint32_t i = 0; i < depth; i++) {
			uint32_t a = f->path[i];
			int64_t c = a >= f->max_arcs ? sink_room(f, KA_NONE - 1 - a) : f->cap[a];
			if (c < push)
				push = c;
		}
		for (uint32_t i = 0; i < depth; i++) {
			uint32_t a = f->path[i];
			if (a >= f->max_arcs) {
				f->sink_x[KA_NONE - 1 - a] += push;
			} else {
				f->cap[a] -= push;
				f->cap[a ^ 1] += push;
			}
		}
		total += push;
	}
	return total;
}

int64_t ka__flow_run(ka__flow *f, int64_t demand)
{
	int64_t sent = 0;
	while (sent < demand && dijkstra(f)) {
		while (sent < demand && bfs(f)) {
			int64_t pushed = augment(f, demand - sent);
			if (!pushed)
				break;
			sent += pushed;
		}
	}
	return sent;
}

int64_t ka__flow_on(const ka__flow *f, uint32_t arc)
{
	return f->cap[arc ^ 1];
}
