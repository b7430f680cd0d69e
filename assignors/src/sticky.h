/*
 * sticky.h - what the sticky family's files share and nobody else sees: the
 * strategies sticky, cooperative-sticky, optimal and cooperative-optimal
 * (sticky.c), Kafka's two procedures (sticky_constrained.c for equal
 * subscriptions, sticky_general.c for unequal ones, whose balancing loop is
 * replay.c), the member classes and partition groups that the greedy, the
 * certificate and the optimum work on (sticky_groups.c), the certificate
 * that Kafka's rack-aware answer is already optimal (certify.c) and the
 * optimum itself (optimum_flow.c). locality.c and metrics.c reach the
 * optimum through internal.h only.
 *
 * A call first computes its `dims` (whether Kafka's rack rule holds, and
 * bounds on the classes and groups), which size the workspace; then it
 * builds its `sides` (the classes and groups) inside that workspace. Every
 * module sizes its own slabs (its *_size function) in the order its assign
 * function takes them.
 */
#ifndef KASSIGN_STICKY_H
#define KASSIGN_STICKY_H

#include <string.h>

#include "internal.h"

/*
 * The topic of p, searching forward from *t (p ascending across calls):
 * galloping, since a member's claims can be spread over many topics.
 */
static inline uint32_t topic_from(const ka_group *g, uint32_t p, uint32_t *t)
{
	if (g->topic_off[*t + 1] > p)
		return *t;
	uint32_t lo = *t + 1, step = 1, hi = lo;
	while (hi < g->n_topics && g->topic_off[hi + 1] <= p) {
		lo = hi + 1;
		hi += step;
		step *= 2;
	}
	if (hi >= g->n_topics)
		hi = g->n_topics - 1;
	/* The first topic in [lo, hi] whose end is past p. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->topic_off[mid + 1] <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	*t = lo;
	return lo;
}

/* A set of rack ids: 8 KiB, on rack_aware's stack only (sizing takes no
 * workspace, and a large frame kept across the assignment slows its hot
 * loops down measurably). */
typedef struct rack_bits {
	uint64_t w[((size_t)KA_MAX_RACKS + 64) / 64];
} rack_bits;

static inline int rack_bits_has(const rack_bits *b, uint32_t r)
{
	return (int)((b->w[r >> 6] >> (r & 63)) & 1u);
}

/* Whether a replica of p is on rack r (a partition's racks are ascending). */
static inline int has_rack(const ka_group *g, uint32_t p, uint32_t r)
{
	for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
		if (g->prack[a] >= r)
			return g->prack[a] == r;
	return 0;
}

/* Kafka's racksMismatch: m has a rack and no replica of p is on it. */
static inline int mismatch(const ka_group *g, uint32_t m, uint32_t p)
{
	uint32_t r = g->member_rack[m];
	return r != KA_NO_RACK && !has_rack(g, p, r);
}

/* The members' racks holding a replica of p, as a mask of their bits
 * (bit[r]: 1 + rack r's bit, 0 for a rack no member sits on). */
static inline uint64_t rack_mask(const ka_group *g, const uint8_t *bit, uint32_t p)
{
	uint64_t k = 0;
	for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++) {
		const uint32_t b = bit[g->prack[a]];
		k |= b ? (uint64_t)1 << (b - 1) : 0;
	}
	return k;
}

/*
 * Locality as ka_optimum_compute and ka_metrics count it: a member on rack r
 * is local to p when it has a rack and a replica of p is there. Everything
 * else (no rack, no replica racks, another rack) is "not local" alike, so
 * the optimum maximizes local placements, the figure the metrics report.
 */
static inline int is_local(const ka_group *g, uint32_t r, uint32_t p)
{
	return r != KA_NO_RACK && has_rack(g, p, r);
}

/*
 * What one call needs to know before it takes its workspace: whether the
 * rule holds, and bounds on the classes and groups below (`sides`), so that
 * sizing and assigning agree without a pass over the partitions' groups.
 */
typedef struct dims {
	int racks;
	uint32_t member_racks; /* distinct racks of members */
	size_t cls, cls_subs;  /* member classes, and their subscriptions */
	size_t grp, grp_arcs;  /* partition groups, and group -> class pairs */
	size_t runs;           /* (member, group) pairs with a valid claim */
	size_t table;          /* hash slots for grouping partitions */
} dims;

/*
 * What the greedy and the optimum work on. Members fall into classes of
 * interchangeable members: subscription classes, or, rack-aware, (class,
 * rack) pairs. Partitions fall into groups of interchangeable partitions:
 * topics, or, rack-aware, (topic, which members' racks hold a replica)
 * pairs: partitions of a group are alike for balance and locality both.
 */
typedef struct sides {
	int racks;
	uint32_t n_cls;
	const uint32_t *cls_of;   /* [M] */
	const uint32_t *cls_rep;  /* [n_cls] first member, NULL: found by scanning cls_of */
	const uint16_t *cls_rack; /* [n_cls] its members' rack; rack-aware only */
	uint32_t n_grp;
	const uint32_t *grp_off;   /* [n_grp + 1] */
	const uint32_t *grp_part;  /* partitions by group, ascending; NULL: grp_off[k].. */
	const uint32_t *grp_of;    /* [P] NULL: the topic */
	const uint32_t *grp_topic; /* [n_grp] NULL: k */
	const uint32_t *grp_first; /* [T + 1] groups of each topic, or with grp_of_tp of
				      each topic class, consecutive; NULL: see below */
	const uint32_t *grp_of_tp; /* [T] the topic's class: without grp_first its one
				      group (topic classes); NULL: k = t */
	const uint32_t *grp_rep;   /* [n_grp] one partition of each; rack-aware only */
	const uint64_t *grp_key;   /* [n_grp] the member racks (bits) holding a replica of
				      its partitions; NULL past 64 member racks */
	const uint8_t *rack_bit; /* [racks] member_rack_bits (ka__classes_build); rack-aware only */
} sides;

/*
 * The first member of class c, for c = 0, 1, ... in turn (*scan from 0).
 * Subscription classes are numbered in order of their first member, so a
 * forward scan finds each one.
 */
static inline uint32_t class_rep(const sides *sd, uint32_t c, uint32_t *scan)
{
	if (sd->cls_rep)
		return sd->cls_rep[c];
	while (sd->cls_of[*scan] != c)
		(*scan)++;
	return *scan;
}

static inline uint32_t grp_begin(const sides *sd, uint32_t t)
{
	const uint32_t c = sd->grp_of_tp ? sd->grp_of_tp[t] : t;
	return sd->grp_first ? sd->grp_first[c] : c;
}

static inline uint32_t grp_end(const sides *sd, uint32_t t)
{
	const uint32_t c = sd->grp_of_tp ? sd->grp_of_tp[t] : t;
	return sd->grp_first ? sd->grp_first[c + 1] : c + 1;
}

/* The group of partition p of topic t. */
static inline uint32_t grp_of_part(const sides *sd, uint32_t p, uint32_t t)
{
	return sd->grp_of ? sd->grp_of[p] : sd->grp_of_tp ? sd->grp_of_tp[t] : t;
}

static inline uint32_t grp_topic(const sides *sd, uint32_t k)
{
	return sd->grp_topic ? sd->grp_topic[k] : k;
}

/* The partition at position i of the group lists (grp_off). */
static inline uint32_t grp_at(const sides *sd, uint32_t i)
{
	return sd->grp_part ? sd->grp_part[i] : i;
}

/* In-place heapsort: claim lists can be long (a member that owned a lot). */
static inline void sort_keys(uint64_t *v, uint32_t n)
{
	for (uint32_t end = n, start = n / 2;;) {
		uint32_t root;
		if (start > 0) {
			root = --start;
		} else {
			if (end <= 1)
				return;
			uint64_t tmp = v[--end];
			v[end] = v[0];
			v[0] = tmp;
			root = 0;
		}
		for (;;) {
			uint32_t child = 2 * root + 1;
			if (child >= end)
				break;
			if (child + 1 < end && v[child + 1] > v[child])
				child++;
			if (v[root] >= v[child])
				break;
			uint64_t tmp = v[root];
			v[root] = v[child];
			v[child] = tmp;
			root = child;
		}
	}
}

static inline size_t sat_mul(size_t a, size_t b)
{
	return a && b > SIZE_MAX / a ? SIZE_MAX : a * b;
}

static inline size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static inline size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* How racks enter the objective: not at all (the movement bound), under
 * Kafka's enabling rule (sticky), or whenever both sides have racks
 * (locality). */
enum { RACKS_OFF = 0, RACKS_KAFKA = 1, RACKS_FORCED = 2 };

/* The three levels of an assignment: sum of squared loads over members,
 * local placements (rack-aware only, else 0), and partitions kept by their
 * previous owner. */
typedef struct levels {
	uint64_t sq, local, kept;
} levels;

/* a * b + c while it stays within INT64_MAX / 4, else -1. */
static inline int64_t cost_bound(uint64_t a, uint64_t b, uint64_t c)
{
	const uint64_t lim = INT64_MAX / 4;
	if (a && b > lim / a)
		return -1;
	if (c > lim - a * b)
		return -1;
	return (int64_t)(a * b + c);
}

/*
 * The slot of group (topic class c, rack mask k) in an open-addressing table
 * of group numbers (KA_NONE: free), key[] and cls[] a group's mask and
 * class: the group's slot, or the free one where it goes.
 */
static inline uint32_t *group_slot(uint32_t *table, size_t mask, const uint64_t *key,
				   const uint32_t *cls, uint64_t k, uint32_t c)
{
	const uint64_t h = (k ^ ((uint64_t)c << 32 | c)) * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 32) & mask;
	while (table[i] != KA_NONE && (key[table[i]] != k || cls[table[i]] != c))
		i = (i + 1) & mask;
	return &table[i];
}

/* ------------------------------------------------------------ classes and groups (sticky_groups.c)
 */

/* The bounds of one call under a rack mode (RACKS_*), before any workspace. */
void ka__dims_compute(const ka_group *g, dims *d, int with_racks);
/* Rack-aware: (subscription class, rack) classes into sd (slabs that stay),
 * with scratch released again. */
size_t ka__classes_size(const ka_group *g, const dims *d);
size_t ka__classes_scratch_size(const ka_group *g, const dims *d);
void ka__classes_build(const ka_group *g, const dims *d, ka__ws *w, sides *sd);
/* Rack-aware: partition groups (topic class, members' racks holding a
 * replica) into sd, after ka__classes_build. */
size_t ka__groups_size(const ka_group *g, const dims *d);
size_t ka__groups_scratch_size(const ka_group *g, const dims *d);
void ka__groups_build(const ka_group *g, const dims *d, ka__ws *w, sides *sd);

/* ------------------------------------------------------------ Kafka's procedures */

/* Equal subscriptions: Kafka's ConstrainedAssignmentBuilder, rack-aware or
 * not (sticky_constrained.c). Writes owner[] for every partition. */
size_t ka__constrained_size(const ka_group *g, int racks);
void ka__constrained_assign(const ka_group *g, ka__ws *w, int racks, uint32_t *owner);
/* Unequal subscriptions: the greedy of Kafka's GeneralAssignmentBuilder, up
 * to its balancing loop (sticky_general.c). */
size_t ka__general_size(const ka_group *g, const dims *d);
void ka__general_assign(const ka_group *g, const dims *d, const sides *sd, ka__ws *w,
			uint32_t *owner);
/* The balancing loop (replay.c) run on the greedy's answer: Kafka's final
 * answer in a slab taken first (it outlasts what follows), or NULL where
 * the group is not replayed or Kafka has no answer. ka__general_replay_size
 * is the room for it in front of `rest`. */
const uint32_t *ka__general_replay(const ka_group *g, ka__ws *w, const uint32_t *greedy, int racks);
size_t ka__general_replay_size(const ka_group *g, size_t rest);

/* ------------------------------------------------------------ the certificate (certify.c) */

/* 1 when Kafka's rack-aware answer owner[] is already optimal on all three
 * levels; scores it into *kafka (*scored set) on the way. */
size_t ka__certify_kafka_size(const ka_group *g, const dims *d);
int ka__certify_kafka(const ka_group *g, const dims *d, const sides *sd, ka__ws *w,
		      const uint32_t *owner, uint32_t *load, levels *kafka, int *scored);

/* ------------------------------------------------------------ the optimum (optimum_flow.c) */

/* The `optimal` plan: Kafka's answer where it is optimal, else the optimum. */
size_t ka__optimal_plan_size(const ka_group *g, const dims *d);
int ka__optimal_plan(const ka_group *g, const dims *d, void *ws, size_t ws_size, uint32_t *owner);

#endif
