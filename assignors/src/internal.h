/*
 * internal.h - what the library's own files share and nobody else sees.
 * Internal non-static names are ka__ (libuv's rule).
 */
#ifndef KASSIGN_INTERNAL_H
#define KASSIGN_INTERNAL_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#ifndef KA_STATIC_LINKING_ONLY
#define KA_STATIC_LINKING_ONLY
#endif
#include <kassign/kassign.h>

#define KA__ALIGN 64u

/* A ka_group.flags bit of the library's own: a leader view filled into the
 * caller's storage (ka_group_leader_view), which ka_group_free leaves alone. */
#define KA__GROUP_BORROWED 0x80000000u

/* ------------------------------------------------------------ workspace */

/*
 * Bump allocation inside a caller-provided workspace (zstd's static
 * workspace). A strategy sizes its workspace with ka__ws_need() calls in the
 * same order as the ka__ws_take() calls of its assign function, so the two
 * can never disagree about layout.
 */
typedef struct ka__ws {
	unsigned char *base;
	size_t size;
	size_t used;
} ka__ws;

static inline size_t ka__ws_round(size_t n)
{
	return (n + (KA__ALIGN - 1)) & ~(size_t)(KA__ALIGN - 1);
}

/* Adds a slab of `count` elements of `elem` bytes to a running size. */
static inline size_t ka__ws_need(size_t total, size_t count, size_t elem)
{
	return total + ka__ws_round(count * elem);
}

static inline void ka__ws_init(ka__ws *w, void *base, size_t size)
{
	w->base = (unsigned char *)base;
	w->size = size;
	w->used = 0;
}

/* A 64-byte aligned slab; the caller checked the size up front. */
static inline void *ka__ws_take(ka__ws *w, size_t count, size_t elem)
{
	size_t n = ka__ws_round(count * elem);
	assert(w->used + n <= w->size);
	void *p = w->base + w->used;
	w->used += n;
	return p;
}

/* ------------------------------------------------------------ the model */

/* Whether member m subscribes to topic t: binary search of its sorted list. */
static inline int ka__subscribes(const ka_group *g, uint32_t m, uint32_t t)
{
	uint32_t lo = g->sub_off[m], hi = g->sub_off[m + 1];
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->sub_topic[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->sub_off[m + 1] && g->sub_topic[lo] == t;
}

/* Subscriptions of one member of each subscription class: the size of the
 * topic -> class lists (classes are numbered in order of first member). */
static inline size_t ka__class_subscriptions(const ka_group *g)
{
	size_t total = 0;
	for (uint32_t m = 0, next = 0; m < g->n_members; m++)
		if (g->member_class[m] == next) {
			next++;
			total += g->sub_off[m + 1] - g->sub_off[m];
		}
	return total;
}

/* ------------------------------------------------------------ strings */

/* Open-addressing map from NUL-terminated strings (not copied) to uint32. */
typedef struct ka__strmap {
	const char **keys;
	uint32_t *vals;
	uint64_t *hashes;
	size_t cap; /* power of two */
	size_t len;
} ka__strmap;

int ka__strmap_init(ka__strmap *m, size_t expect);
void ka__strmap_free(ka__strmap *m);
/* Value of key, or KA_NONE. */
uint32_t ka__strmap_get(const ka__strmap *m, const char *key);
/* Inserts key -> val unless present; returns the value now stored, or KA_NONE
 * when out of memory. */
uint32_t ka__strmap_put(ka__strmap *m, const char *key, uint32_t val);

uint64_t ka__hash_bytes(const void *data, size_t len, uint64_t seed);
uint64_t ka__hash_u32(const uint32_t *v, size_t n);

/* Java's hashing (javastr.c), where Kafka's answer follows a HashMap's
 * iteration order. */
size_t ka__java_hashmap_capacity(size_t n);   /* of a map grown to n entries */
uint32_t ka__java_string_hash(const char *s); /* String.hashCode, UTF-16 */
/* Members in the iteration order of a HashMap keyed by member_id, into
 * visit[M]; bucket_off[capacity + 1] and tmp[M] are scratch. */
void ka__java_hashmap_order(const ka_group *g, uint32_t *visit, uint32_t *bucket_off,
			    uint32_t *tmp);

/* ------------------------------------------------------------ min-cost flow (flow.c) */

typedef struct ka__flow {
	uint32_t n, S, Z, n_arcs, max_arcs;
	int64_t weight; /* of the sink arcs */
	uint32_t *head, *next, *to;
	int64_t *cap, *cost;
	uint32_t *sink_n;            /* units per level of u's convex arc to Z; 0 = none */
	int64_t *sink_x;             /* flow on u's sink arc */
	uint32_t *sink_lo, *sink_hi; /* u's range arc to Z, when not convex */
	/* Potentials. After ka__flow_run, cost + pi[u] - pi[v] is >= 0 on
	 * every arc u -> v with room left and <= 0 on every arc carrying flow
	 * (a sink arc: its next unit and its last one): an optimal dual. */
	int64_t *pi, *dist;
	uint32_t *heap, *heap_pos, *level, *iter, *queue, *path;
} ka__flow;

/* Workspace for a network of `nodes` nodes and `arcs` plain arcs. */
size_t ka__flow_size(uint32_t nodes, size_t arcs);
void ka__flow_init(ka__flow *f, ka__ws *w, uint32_t nodes, size_t arcs, uint32_t S, uint32_t Z,
		   int64_t weight);
/* A plain arc u -> v (cap < 0: unbounded), cost >= 0; returns its index. */
uint32_t ka__flow_arc(ka__flow *f, uint32_t u, uint32_t v, int64_t cap, int64_t cost);
/* u's convex arc to Z, spreading over `units_per_level` members. */
void ka__flow_sink(ka__flow *f, uint32_t u, uint32_t units_per_level);
/* u's range arc to Z instead: lo units at cost 0, hi - lo more at weight. */
void ka__flow_sink_range(ka__flow *f, uint32_t u, uint32_t lo, uint32_t hi);
/* Sends up to `demand` units S -> Z at minimum cost; returns what was sent. */
int64_t ka__flow_run(ka__flow *f, int64_t demand);
/* Flow on a plain arc. */
int64_t ka__flow_on(const ka__flow *f, uint32_t arc);

/* ------------------------------------------------------------ balance certificate (certify.c) */

/* Workspace of ka__certify_balance. */
size_t ka__certify_size(const ka_group *g);
/* 1 when owner[]'s load vector is the most balanced one (lexicographically
 * smallest sorted descending), else 0. Every assignable partition must have
 * an owner. */
int ka__certify_balance(const ka_group *g, const uint32_t *owner, ka__ws *w);

/* ------------------------------------------------------------ Kafka's balancing loop (replay.c) */

/*
 * Kafka's general sticky path ends with a balancing loop
 * (GeneralAssignmentBuilder.balance/performReassignments) whose moves
 * decide its exact answer. ka__replay_balance runs it on the greedy's
 * assignment `greedy` (kept[p]: p was kept from its previous owner;
 * revocation: some valid claim was dropped, which skips Kafka's first pass)
 * and writes Kafka's final assignment to out[]. Returns 1 when out[] holds
 * it, 0 where Kafka would throw or make an invalid move.
 */
size_t ka__replay_size(const ka_group *g);
int ka__replay_balance(const ka_group *g, ka__ws *w, const uint32_t *greedy, const uint8_t *kept,
		       int revocation, uint32_t *out);

/* ------------------------------------------------------------ the optimum (optimum_flow.c) */

/* The fewest moves among the most balanced assignments, racks left out;
 * for ka_metrics.moved_opt. */
size_t ka__optimum_min_moves_size(const ka_group *g);
uint32_t ka__optimum_min_moves(const ka_group *g, void *ws, size_t ws_size);
/* The optimum of balance, then locality whenever members and partitions both
 * have racks (not only under Kafka's rule), then moves; *exact is 0 when
 * locality had to be left out (weights past 64 bits). For locality.c. */
size_t ka__optimum_locality_size(const ka_group *g);
int ka__optimum_locality(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner, int *exact);
/* The best assignment: ka__optimum_locality, or where no assignment is more
 * local than another the optimal plan. The locality strategy and gap.c. */
size_t ka__optimum_best_size(const ka_group *g);
int ka__optimum_best(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);

/* ------------------------------------------------------------ strategies */

size_t ka__range_workspace_size(const ka_group *g);
int ka__range_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
size_t ka__roundrobin_workspace_size(const ka_group *g);
int ka__roundrobin_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
size_t ka__sticky_workspace_size(const ka_group *g);
int ka__sticky_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
size_t ka__cooperative_sticky_workspace_size(const ka_group *g);
int ka__cooperative_sticky_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
size_t ka__locality_workspace_size(const ka_group *g);
int ka__locality_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
/* kassign's exact optimum (balance, then locality under Kafka's rack rule,
 * then moves), and the cooperative rounds of it and of locality. */
size_t ka__optimal_workspace_size(const ka_group *g);
int ka__optimal_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
size_t ka__cooperative_optimal_workspace_size(const ka_group *g);
int ka__cooperative_optimal_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
size_t ka__cooperative_locality_workspace_size(const ka_group *g);
int ka__cooperative_locality_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
size_t ka__locality_leader_workspace_size(const ka_group *g);
int ka__locality_leader_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
size_t ka__uniform_workspace_size(const ka_group *g);
int ka__uniform_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
size_t ka__uniform_sorted_workspace_size(const ka_group *g);
int ka__uniform_sorted_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
size_t ka__broker_range_workspace_size(const ka_group *g);
int ka__broker_range_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);

#endif
