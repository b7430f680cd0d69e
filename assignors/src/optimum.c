/*
 * optimum.c - the exact optimum of a group (ka_optimum_compute): the best
 * balance, locality and stickiness any valid assignment can reach, in that
 * order of priority, so that a strategy's figures can be compared with what
 * was possible rather than with a bound.
 *
 * What it computes. Among the valid assignments (every partition of a
 * subscribed topic to one subscriber of its topic, partitions of topics
 * nobody subscribes to to nobody):
 *   1. the load vector over eligible members that is lexicographically
 *      smallest when sorted in descending order ("decreasingly minimal");
 *   2. among those, the most local placements (owner has a rack, and the
 *      partition's replica racks include it);
 *   3. among those, the fewest moves (ka_metrics' definition).
 *
 * Formulation: one min-cost flow.
 *
 *   source -> partition p           capacity 1, cost 0 (p of a subscribed topic)
 *   partition p -> member m         capacity 1, for each subscriber m of p's
 *                                   topic, cost B * [not local] + [moved]
 *   member m -> sink                convex: the k-th unit costs A * (2k - 1)
 *
 * Pa units (the partitions of subscribed topics) are sent. The member -> sink
 * costs add up to A * sum_m load_m^2, so the cost of an assignment is
 *
 *   A * sum load^2 + B * (Pa - local) + moved.
 *
 * Why the weights give the lexicographic priorities. B = Pa + 1 and
 * moved <= Pa < B, so one local placement more outweighs any number of
 * moves. The two lower levels together lie in [0, (B + 1) * Pa] and
 * A = (B + 1) * Pa + 1 exceeds that range, while sum load^2 is an integer:
 * one unit less of it outweighs anything below. So the flow minimizes
 * sum load^2 first, then non-local placements, then moves.
 *
 * Why the sum of squares gives the lexicographic balance. In general it does
 * not: of (3, 3, 3, 0) and (4, 2, 2, 1), the first is lexicographically
 * better and the second has the smaller sum of squares (25 < 27). Here the feasible load
 * vectors are the integer points of a base polyhedron (the polymatroid of
 * f(S) = number of partitions whose topic some member of S subscribes to;
 * a load vector is feasible iff it sums to Pa and x(S) <= f(S) for every S,
 * by Hall's theorem), i.e. an M-convex set. On an M-convex set a separable
 * convex function is minimized exactly where no exchange x + e_i - e_j
 * (staying in the set) improves it (Murota, M-convex minimization), and for
 * strictly convex phi that exchange improves sum phi(x) iff x_j >= x_i + 2.
 * Frank and Murota ("Discrete decreasing minimization", Part I) show the
 * same local condition characterizes the decreasingly minimal elements. So
 * for any strictly convex phi, sum load^2 included, the minimizers are
 * exactly the lexicographically optimal load vectors, and they all share one
 * sorted vector. tests/test_optimum.c checks this by enumeration on
 * thousands of tiny groups. Worked example of why chains matter: A
 * subscribes t1 (3 partitions), B t1 t2, C t2 t3, D t3, with t2 of 2 and t3
 * of 1 partition. Loads (A 3, B 2, C 1, D 0) pass Kafka's isBalanced (no
 * single partition can go to a subscriber holding two fewer), but the
 * optimum shifts one partition along the chain A -> B -> C -> D and reaches
 * (2, 2, 1, 1).
 *
 * Algorithm: successive shortest paths in phases (the primal-dual method).
 * A phase runs Dijkstra on reduced costs with node potentials (binary heap,
 * lazy deletion, stopped when the sink is settled; nodes not settled get the
 * sink's distance added to their potential, which keeps every reduced cost
 * non-negative), then sends one unit along each path of zero reduced cost a
 * depth-first search finds (every such path is a shortest one) until none
 * is left. With equal subscriptions one phase serves every member whose
 * next unit costs the same, so phases number about Pa / M rather than Pa.
 * The convex member -> sink arc is held implicitly: its residual forward
 * cost is the next unit's, A * (2 load + 1), and its backward cost minus the
 * last unit's, which is exact because the unit costs increase. Flow on
 * partition -> member arcs is owner[] itself, so residual backward arcs are
 * found by scanning a member's topics. Ties break by node number and arc
 * order: the output is deterministic.
 *
 * Costs are 64-bit. The potential of the sink is the cost of the latest
 * shortest path, a marginal cost of the flow: positive, non-decreasing, so
 * at most the optimum's total C <= A * Pa^2 + (B + 1) * Pa. Every potential
 * lies in [0, C] and every tentative distance below 2 * (C + W), W the
 * largest arc cost, so C + W <= INT64_MAX / 4 is required; a larger group
 * is KA_ELIMIT (C grows as Pa^4: Pa up to about 30,000 fits).
 *
 * Complexity: at most Pa phases, each a Dijkstra over the
 * E = sum_t partitions(t) * subscribers(t) partition -> member arcs plus
 * O(P + M) others, O((E + P + M) log), and a search whose cursors only move
 * forward, O(E + P + M) plus the paths. The work estimate compared with
 * max_work is that worst case, Pa * (arcs + nodes); equal subscriptions
 * take far less (5,000 partitions, 200 members: 0.1 s optimized). Memory
 * O(P + M) plus O(E) for the heap.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define COST_LIMIT (INT64_MAX / 4)
#define DIST_INF   INT64_MAX

typedef struct heap_item {
	int64_t d;
	uint32_t v;
} heap_item;

typedef struct solver {
	const ka_group *g;
	uint32_t P, M;
	uint32_t src, sink; /* nodes: partitions 0..P-1, members P..P+M-1, src, sink */
	int64_t A, B;
	uint32_t *own;    /* [P] current owner of each partition (the flow) */
	uint32_t *ptopic; /* [P] */
	uint32_t *load;   /* [M] */
	int64_t *pi;      /* [V] potentials */
	int64_t *dist;    /* [V] reduced distances of the last Dijkstra */
	uint32_t *sp;     /* [n_sp] partitions of subscribed topics */
	uint32_t n_sp, V;
	uint32_t *cur;          /* [V] arc cursors of the current phase */
	unsigned char *dead;    /* [V] no path to the sink this phase */
	unsigned char *on_path; /* [V] */
	uint32_t *path;         /* [V] */
	heap_item *heap;
	size_t heap_len, heap_cap;
} solver;

static int subscribed(const ka_group *g, uint32_t t)
{
	return g->tsub_off[t + 1] > g->tsub_off[t];
}

static int is_local(const ka_group *g, uint32_t p, uint32_t m)
{
	uint16_t r = g->member_rack[m];
	if (r == KA_NO_RACK)
		return 0;
	for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
		if (g->prack[a] == r)
			return 1;
	return 0;
}

static int is_moved(const ka_group *g, uint32_t p, uint32_t m)
{
	uint32_t prev = g->prev_owner[p];
	return prev != KA_NONE && prev != m;
}

static int64_t arc_cost(const solver *s, uint32_t p, uint32_t m)
{
	return (is_local(s->g, p, m) ? 0 : s->B) + is_moved(s->g, p, m);
}

static int eligible(const ka_group *g, uint32_t m)
{
	for (uint32_t k = g->sub_off[m]; k < g->sub_off[m + 1]; k++) {
		uint32_t t = g->sub_topic[k];
		if (g->topic_off[t + 1] > g->topic_off[t])
			return 1;
	}
	return 0;
}

/* a * b into *r if it stays at or below `limit`. */
static int mul_within(uint64_t a, uint64_t b, uint64_t limit, uint64_t *r)
{
	if (a && b > limit / a)
		return 0;
	*r = a * b;
	return 1;
}

static int add_within(uint64_t a, uint64_t b, uint64_t limit, uint64_t *r)
{
	if (a > limit || b > limit - a)
		return 0;
	*r = a + b;
	return 1;
}

/* ------------------------------------------------------------ heap */

static int heap_less(heap_item a, heap_item b)
{
	return a.d < b.d || (a.d == b.d && a.v < b.v);
}

static void heap_push(solver *s, int64_t d, uint32_t v)
{
	assert(s->heap_len < s->heap_cap);
	heap_item it = {d, v};
	size_t i = s->heap_len++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!heap_less(it, s->heap[up]))
			break;
		s->heap[i] = s->heap[up];
		i = up;
	}
	s->heap[i] = it;
}

static heap_item heap_pop(solver *s)
{
	heap_item top = s->heap[0], last = s->heap[--s->heap_len];
	size_t i = 0, n = s->heap_len;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && heap_less(s->heap[c + 1], s->heap[c]))
			c++;
		if (!heap_less(s->heap[c], last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n)
		s->heap[i] = last;
	return top;
}

/* ------------------------------------------------------------ shortest paths */

/* `cost` is the arc's true cost; the reduced cost is non-negative by the
 * potentials' invariant. */
static int64_t reduced(const solver *s, uint32_t u, uint32_t v, int64_t cost)
{
	int64_t rc = cost + s->pi[u] - s->pi[v];
	assert(rc >= 0);
	return rc;
}

static int64_t sink_cost(const solver *s, uint32_t m)
{
	return s->A * (2 * (int64_t)s->load[m] + 1);
}

static void relax(solver *s, uint32_t u, uint32_t v, int64_t cost)
{
	int64_t nd = s->dist[u] + reduced(s, u, v, cost);
	if (nd < s->dist[v]) {
		s->dist[v] = nd;
		heap_push(s, nd, v);
	}
}

static void scan_source(solver *s)
{
	for (uint32_t i = 0; i < s->n_sp; i++)
		if (s->own[s->sp[i]] == KA_NONE)
			relax(s, s->src, s->sp[i], 0);
}

static void scan_partition(solver *s, uint32_t p)
{
	const ka_group *g = s->g;
	uint32_t t = s->ptopic[p];
	/* The backward arc to the source leads nowhere useful: the source is
	 * settled first. */
	for (uint32_t k = g->tsub_off[t]; k < g->tsub_off[t + 1]; k++) {
		uint32_t m = g->tsub_member[k];
		if (m != s->own[p])
			relax(s, p, s->P + m, arc_cost(s, p, m));
	}
}

static void scan_member(solver *s, uint32_t m)
{
	const ka_group *g = s->g;
	uint32_t node = s->P + m;
	/* Backward arcs: the partitions m holds may move on. */
	for (uint32_t k = g->sub_off[m]; k < g->sub_off[m + 1]; k++) {
		uint32_t t = g->sub_topic[k];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			if (s->own[p] == m)
				relax(s, node, p, -arc_cost(s, p, m));
	}
	relax(s, node, s->sink, sink_cost(s, m));
}

/* Dijkstra from the source, stopped once the sink is settled, then the
 * potentials move by min(distance, the sink's): afterwards every shortest
 * path consists of arcs of reduced cost 0 and every reduced cost is >= 0. */
static void shortest_paths(solver *s)
{
	for (uint32_t v = 0; v < s->V; v++)
		s->dist[v] = DIST_INF;
	s->heap_len = 0;
	s->dist[s->src] = 0;
	heap_push(s, 0, s->src);
	while (s->heap_len) {
		heap_item it = heap_pop(s);
		if (it.d != s->dist[it.v])
			continue; /* stale: improved after it was pushed */
		if (it.v == s->sink)
			break;
		if (it.v == s->src)
			scan_source(s);
		else if (it.v < s->P)
			scan_partition(s, it.v);
		else
			scan_member(s, it.v - s->P);
	}
	/* There is always a path while a partition is unassigned: it has a
	 * subscriber, and every member reaches the sink. */
	int64_t D = s->dist[s->sink];
	assert(D != DIST_INF);
	for (uint32_t v = 0; v < s->V; v++)
		s->pi[v] += s->dist[v] < D ? s->dist[v] : D;
}

/* ------------------------------------------------------------ augmenting */

/*
 * After shortest_paths() every path of zero reduced cost is a shortest path,
 * so units go along as many of them as a depth-first search finds before
 * Dijkstra runs again (the primal-dual method): with equal subscriptions one
 * search serves every member whose next unit costs the same. Each node keeps
 * a cursor on its arcs for the phase, and nodes found dead stay dead.
 * Augmenting only adds arcs out of nodes that were on the path, which a dead
 * node could not reach, and raises the reduced cost of the used member ->
 * sink arc by 2A; an arc passed over that becomes usable again later in the
 * phase (a reversed arc) is only found by the next phase. None of this
 * affects optimality, only how many units one Dijkstra serves; the first
 * search of a phase starts from fresh cursors and always finds a path.
 */
static int admissible(const solver *s, uint32_t u, uint32_t v, int64_t cost)
{
	return !s->dead[v] && !s->on_path[v] && reduced(s, u, v, cost) == 0;
}

/* The head of u's current admissible arc, moving its cursor up to it, or
 * KA_NONE once u has none left. */
static uint32_t next_arc(solver *s, uint32_t u)
{
	const ka_group *g = s->g;
	if (u == s->src) {
		for (; s->cur[u] < s->n_sp; s->cur[u]++) {
			uint32_t p = s->sp[s->cur[u]];
			if (s->own[p] == KA_NONE && admissible(s, u, p, 0))
				return p;
		}
		return KA_NONE;
	}
	if (u < s->P) {
		uint32_t t = s->ptopic[u];
		if (s->cur[u] < g->tsub_off[t])
			s->cur[u] = g->tsub_off[t];
		for (; s->cur[u] < g->tsub_off[t + 1]; s->cur[u]++) {
			uint32_t m = g->tsub_member[s->cur[u]];
			if (m != s->own[u] && admissible(s, u, s->P + m, arc_cost(s, u, m)))
				return s->P + m;
		}
		return KA_NONE;
	}
	/* A member: the sink first (shortest paths), then the partitions it
	 * holds; cur is a position in the concatenation of its topics'
	 * partitions, after one slot for the sink. */
	uint32_t m = u - s->P;
	if (s->cur[u] == 0) {
		if (admissible(s, u, s->sink, sink_cost(s, m)))
			return s->sink;
		s->cur[u] = 1;
	}
	uint32_t pos = 1;
	for (uint32_t k = g->sub_off[m]; k < g->sub_off[m + 1]; k++) {
		uint32_t t = g->sub_topic[k];
		uint32_t n = g->topic_off[t + 1] - g->topic_off[t];
		if (s->cur[u] >= pos + n) {
			pos += n;
			continue;
		}
		for (; s->cur[u] < pos + n; s->cur[u]++) {
			uint32_t p = g->topic_off[t] + (s->cur[u] - pos);
			if (s->own[p] == m && admissible(s, u, p, -arc_cost(s, p, m)))
				return p;
		}
		pos += n;
	}
	return KA_NONE;
}

/* One path of zero reduced cost from the source to the sink, on s->path;
 * its length, or 0 when there is none. */
static uint32_t find_path(solver *s)
{
	uint32_t depth = 1;
	s->path[0] = s->src;
	s->on_path[s->src] = 1;
	while (depth) {
		uint32_t u = s->path[depth - 1];
		if (u == s->sink)
			return depth;
		uint32_t v = next_arc(s, u);
		if (v == KA_NONE) {
			s->dead[u] = 1;
			s->on_path[u] = 0;
			depth--;
			continue;
		}
		s->on_path[v] = 1;
		s->path[depth++] = v;
	}
	return 0;
}

/* path: source, p0, m0, p1, m1, ..., mk, sink; p(j+1) was mj's, now m(j+1)'s. */
static void augment(solver *s, uint32_t len)
{
	for (uint32_t j = 1; j + 2 < len; j += 2)
		s->own[s->path[j]] = s->path[j + 1] - s->P;
	s->load[s->path[len - 2] - s->P]++;
	for (uint32_t j = 0; j < len; j++)
		s->on_path[s->path[j]] = 0;
}

static void solve(solver *s, uint64_t units)
{
	while (units) {
		shortest_paths(s);
		memset(s->cur, 0, s->V * sizeof *s->cur);
		memset(s->dead, 0, s->V);
		uint32_t len;
		while (units && (len = find_path(s)) != 0) {
			augment(s, len);
			units--;
		}
	}
}

/* ------------------------------------------------------------ entry */

/* The solver's arrays, from the heap; 0 or KA_ENOMEM (some may be set,
 * solver_free frees them all). */
static int solver_alloc(solver *s, uint64_t Pa)
{
	const size_t P = s->P, M = s->M, V = s->V;
	s->own = malloc((P + 1) * sizeof *s->own);
	s->ptopic = malloc((P + 1) * sizeof *s->ptopic);
	s->sp = malloc(((size_t)Pa + 1) * sizeof *s->sp);
	s->load = calloc(M + 1, sizeof *s->load);
	s->pi = calloc(V, sizeof *s->pi);
	s->dist = malloc(V * sizeof *s->dist);
	s->cur = malloc(V * sizeof *s->cur);
	s->dead = malloc(V);
	s->on_path = calloc(V, 1);
	s->path = malloc(V * sizeof *s->path);
	s->heap = malloc(s->heap_cap * sizeof *s->heap);
	if (!s->own || !s->ptopic || !s->sp || !s->load || !s->pi || !s->dist || !s->cur ||
	    !s->dead || !s->on_path || !s->path || !s->heap)
		return KA_ENOMEM;
	return 0;
}

static void solver_free(solver *s)
{
	free(s->own);
	free(s->ptopic);
	free(s->sp);
	free(s->load);
	free(s->pi);
	free(s->dist);
	free(s->cur);
	free(s->dead);
	free(s->on_path);
	free(s->path);
	free(s->heap);
}

/* The optimum's figures, counted from the solver's assignment. */
static ka_optimum solver_figures(const solver *s)
{
	const ka_group *g = s->g;
	ka_optimum o;
	memset(&o, 0, sizeof o);
	int any = 0;
	for (uint32_t m = 0; m < s->M; m++) {
		if (!eligible(g, m))
			continue;
		uint32_t l = s->load[m];
		if (!any || l < o.load_min)
			o.load_min = l;
		if (l > o.load_max)
			o.load_max = l;
		o.load_sq += (uint64_t)l * l;
		any = 1;
	}
	for (uint32_t p = 0; p < s->P; p++) {
		uint32_t m = s->own[p];
		if (m == KA_NONE)
			continue;
		o.local += (uint32_t)is_local(g, p, m);
		o.moved += (uint32_t)is_moved(g, p, m);
	}
	return o;
}

int ka_optimum_compute(const ka_group *g, uint64_t max_work, ka_optimum *out, uint32_t *owner)
{
	if (!g || !out)
		return KA_EINVAL;
	const uint32_t P = g->n_partitions, M = g->n_members;

	/* Sizes, the work estimate and the weights, before any allocation. */
	uint64_t Pa = 0, E = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		uint64_t n = g->topic_off[t + 1] - g->topic_off[t];
		uint64_t subs = g->tsub_off[t + 1] - g->tsub_off[t];
		if (!subs)
			continue;
		Pa += n;
		E += n * subs; /* <= 1e7 * 1e5 by the model's limits */
	}
	uint64_t nodes = (uint64_t)P + M + 2;
	uint64_t arcs = 2 * Pa + E + 2 * (uint64_t)M;
	uint64_t work;
	if (!mul_within(Pa, arcs + nodes, UINT64_MAX, &work))
		work = UINT64_MAX;
	if (work > max_work)
		return KA_ELIMIT;

	/* The weights and the bound on costs of the top of this file:
	 * lower = (B + 1) Pa, A = lower + 1, W = A (2 Pa - 1), C = A Pa^2 + lower. */
	uint64_t B = Pa + 1, A = 0, W = 0, C = 0, lower = 0, top = 0, need = 0;
	const uint64_t lim = COST_LIMIT;
	int fits = mul_within(B + 1, Pa, lim, &lower) && add_within(lower, 1, lim, &A) &&
		   mul_within(A, Pa ? 2 * Pa - 1 : 1, lim, &W) &&
		   mul_within(A, Pa * Pa, lim, &top) && add_within(top, lower, lim, &C) &&
		   add_within(C, W, lim, &need);
	if (!fits)
		return KA_ELIMIT;

	solver s;
	memset(&s, 0, sizeof s);
	s.g = g;
	s.P = P;
	s.M = M;
	s.src = P + M;
	s.sink = P + M + 1;
	s.A = (int64_t)A;
	s.B = (int64_t)B;
	/* Pushes in one Dijkstra: at most one an arc relaxed, plus the source's. */
	s.heap_cap = (size_t)(arcs + 1);
	if ((uint64_t)s.heap_cap != arcs + 1 || s.heap_cap > SIZE_MAX / sizeof(heap_item))
		return KA_ENOMEM;
	s.V = (uint32_t)nodes;
	int rc = solver_alloc(&s, Pa);
	if (rc == 0) {
		for (uint32_t t = 0; t < g->n_topics; t++)
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
				s.own[p] = KA_NONE;
				s.ptopic[p] = t;
				if (subscribed(g, t))
					s.sp[s.n_sp++] = p;
			}
		solve(&s, Pa);
		*out = solver_figures(&s);
		if (owner)
			memcpy(owner, s.own, (size_t)P * sizeof *owner);
	}
	solver_free(&s);
	return rc;
}
