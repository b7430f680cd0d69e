/*
 * sticky.c - Kafka's StickyAssignor and CooperativeStickyAssignor, and kassign's
 * optimal strategies built on the same procedures
 * (org.apache.kafka.clients.consumer.StickyAssignor, CooperativeStickyAssignor,
 * internals.AbstractStickyAssignor, Kafka 3.5+, rack-aware as of KIP-881).
 *
 * Priorities: balance first, then rack alignment, then stickiness. Previous
 * ownership is the model's prev_owner[]: per partition, the claimant of the
 * highest generation (a tie at the top: nobody). A claim counts only if the
 * claimant still subscribes to the topic.
 *
 * Racks. Kafka decides once for the whole group whether to align racks
 * (RackInfo): yes iff some member has a rack, one of those racks holds a
 * replica of a subscribed partition, and the subscribed partitions do not
 * all have the same replica racks. If not, nothing below about racks
 * happens. If so, a member "mismatches" a partition when it has a rack and
 * no replica is on it (a member without rack never mismatches), and a
 * mismatched claim is dropped before anything else: the partition is
 * revoked, and may come back only through the dealing.
 *
 * Equal subscriptions (Kafka's ConstrainedAssignmentBuilder). With N
 * partitions and M members, minQ = N / M, maxQ = ceil(N / M), and exactly
 * N mod M members end with maxQ. Members are visited in the order of Kafka's
 * HashMap (Java hash buckets; member_id order stands in for insertion order
 * within one, the one place Kafka's answer depends on something unknown):
 * a member owning fewer than minQ keeps them all and waits for more; one
 * owning maxQ or more keeps maxQ while members with maxQ are still wanted;
 * any other keeps minQ and may get one more later. Kept partitions are the
 * first by (partition number, topic), as in Kafka. Then the partitions left,
 * in (topic, partition) order, are dealt round-robin to the members under
 * minQ (by member_id), and after them one each to members at minQ, in the
 * order they reached it. Example: topic t with 3 partitions owned by c1, and
 * c2 joins: minQ 1, maxQ 2, one member gets 2; c1 keeps t-0 and t-1, c2 gets
 * t-2. This keeps sum_i min(o_i, minQ) + min(N mod M, #{o_i >= maxQ})
 * partitions, the most any balanced assignment can keep (docs/metrics.md),
 * in O(P + claims).
 *
 * Rack-aware, the partitions left are first stably sorted by how many
 * members sit on racks holding a replica (fewest first), and a rack-aware
 * round-robin runs before the plain one, over that order: each partition
 * goes to the next member under minQ whose rack holds a replica (cyclically,
 * from just after the member the last such partition went to), else to the
 * first member at minQ that may take one more, in the order they reached
 * minQ, whose rack holds one; a partition no such member takes waits for
 * the plain round-robin. Example: topic t, partitions on racks a, b, a, b;
 * c0 (rack a) owned t-0 and t-1, c1 (rack b) t-2 and t-3. c0 keeps t-0 and
 * c1 t-3, the others are revoked; t-1 (one member on its rack) goes to c1,
 * t-2 to c0: all four are local, where without racks both would keep
 * their claims, two of them off their racks. Kafka scans its member lists
 * for each partition; kassign finds the same member by a search per
 * replica rack, O(P replicas log M + claims).
 *
 * Unequal subscriptions (Kafka's GeneralAssignmentBuilder). Every valid
 * claim is kept (rack-aware: unless mismatched); the other partitions are
 * dealt in Kafka's order (topics by number of subscribers, then name;
 * partitions ascending), each to the least-loaded subscriber (ties by
 * member_id). Rack-aware, Kafka deals twice: first only to subscribers that
 * do not mismatch the partition (a member without rack included), leaving
 * a partition none of them can take, then the rest to any subscriber.
 * Kafka then moves partitions one by one while that improves balance
 * (performReassignments), which can stop short of the best balance. Where
 * the greedy's balance is certified optimal (certify.c) Kafka's loop moves
 * nothing; otherwise replay.c replays it move for move, at every size.
 * That is `sticky`: Kafka's answer, nothing substituted (kafka_run).
 *
 * kassign's own `optimal` (optimal_run) keeps Kafka's answer when it is
 * optimal, and otherwise gives the exact optimum of a min-cost flow
 * (below), whose objective is lexicographic: sum of squared loads, then
 * local placements, then kept partitions. Without racks the greedy keeps
 * every valid claim, so a cheap certificate of its balance decides.
 * Rack-aware, Kafka drops mismatched claims and deals greedily, which can
 * lose locality or stickiness (a claim revoked for its rack can end on
 * another rack no closer): Kafka's answer stays when it keeps every valid
 * claim and reaches the best balance and locality, both found by a flow on
 * counts of member classes and partition groups (kafka_optimal); otherwise
 * the optimum runs, and Kafka's answer (the replay's end) stays only if it
 * reaches all three levels.
 *
 * Cooperative (cooperative-sticky): Kafka's plan, then every partition whose
 * owner changes is withheld from this round (owner KA_NONE): its previous owner must revoke it
 * first, and the follow-up rebalance hands it over. That includes a
 * partition revoked for its rack (as Kafka does since KAFKA-15170). A
 * partition contested by several claimants of the top generation is
 * withheld too, even from a claimant, since the others still believe they
 * own it. In the example above, t-1 and t-2 are withheld: c0 gets t-0, c1
 * t-3, and the next round completes the plan.
 */
#include <string.h>

#include "internal.h"

/* Partition number and topic of p, as Kafka's owned-partition order wants
 * them: by partition number, then topic. */
static inline uint64_t kafka_owned_key(const ka_group *g, uint32_t p, uint32_t t)
{
	return ((uint64_t)(p - g->topic_off[t]) << 32) | t;
}

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

/* ------------------------------------------------------------ racks */

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

/* Numbers the members' racks 1, 2, ... in bit[] (0: no member there), up
 * to 64 of them; returns how many. */
static uint32_t member_rack_bits(const ka_group *g, uint8_t *bit)
{
	uint32_t n = 0;
	memset(bit, 0, g->n_racks);
	for (uint32_t m = 0; m < g->n_members; m++) {
		const uint32_t r = g->member_rack[m];
		if (r != KA_NO_RACK && !bit[r])
			bit[r] = (uint8_t)(++n <= 64 ? n : 1);
	}
	return n;
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
 * Whether every partition of p0..p1 has the k racks of partition ref: the
 * usual case, checked as "k racks each, and the rack list periodic with
 * period k" in branch-free loops that the compiler vectorizes.
 */
static int topic_like(const ka_group *g, uint32_t p0, uint32_t p1, uint32_t ref, uint32_t k)
{
	const uint32_t *off = g->prack_off;
	const uint16_t *rk = g->prack;
	uint32_t bad = 0;
	for (uint32_t p = p0; p < p1; p++)
		bad |= (off[p + 1] - off[p]) ^ k;
	if (bad)
		return 0;
	const uint16_t *x = rk + off[p0], *first = rk + off[ref];
	const size_t n = (size_t)off[p1] - off[p0];
	uint16_t diff = 0;
	for (size_t i = 0; i < k; i++)
		diff |= (uint16_t)(x[i] ^ first[i]);
	for (size_t i = k; i < n; i++)
		diff |= (uint16_t)(x[i] ^ x[i - k]);
	return !diff;
}

/*
 * Kafka's rule (RackInfo), decided once for the whole group: rack-aware iff
 * some member has a rack, one of those racks holds a replica of a
 * partition of a subscribed topic, and those partitions do not all have
 * the same replica racks (their union; an empty set differs from a
 * non-empty union). Two different sets cannot both be the union, so
 * comparing each partition with the first one is enough, and the scan stops
 * once a difference and a member's rack have both been seen:
 * O(partitions x replicas + members).
 */
static int rack_aware(const ka_group *g, uint32_t *n_member_racks)
{
	*n_member_racks = 0;
	if (!(g->flags & KA_GROUP_MEMBER_RACKS) || !(g->flags & KA_GROUP_PARTITION_RACKS))
		return 0;
	rack_bits bits, *mr = &bits;
	memset(mr->w, 0, ((size_t)g->n_racks + 63) / 64 * sizeof *mr->w);
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint32_t r = g->member_rack[m];
		if (r == KA_NO_RACK || rack_bits_has(mr, r))
			continue;
		mr->w[r >> 6] |= (uint64_t)1 << (r & 63);
		(*n_member_racks)++;
	}
	const uint32_t *off = g->prack_off;
	const uint16_t *rk = g->prack;
	uint32_t ref = KA_NONE, k = 0;
	int differs = 0, meets = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		const uint32_t p0 = g->topic_off[t], p1 = g->topic_off[t + 1];
		if (g->tsub_off[t + 1] == g->tsub_off[t] || p0 == p1)
			continue;
		if (ref == KA_NONE) {
			ref = p0;
			k = off[p0 + 1] - off[p0];
			for (uint32_t a = off[p0]; !meets && a < off[p0 + 1]; a++)
				meets = rack_bits_has(mr, rk[a]);
		}
		if (!differs && topic_like(g, p0, p1, ref, k))
			continue; /* nothing new: same sets as ref, meets as ref */
		for (uint32_t p = p0; p < p1; p++) {
			int same = !differs && off[p + 1] - off[p] == k;
			for (uint32_t i = 0; same && i < k; i++)
				same = rk[off[p] + i] == rk[off[ref] + i];
			differs |= !same;
			for (uint32_t a = off[p]; !meets && !same && a < off[p + 1]; a++)
				meets = rack_bits_has(mr, rk[a]);
			if (differs && meets)
				return 1;
		}
	}
	return 0;
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
	const uint8_t *rack_bit;   /* [racks] member_rack_bits (build_classes); rack-aware only */
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

/* 1 when a member of rack r placed on group k is not local (rack-aware only). */
static inline int64_t grp_remote(const ka_group *g, const sides *sd, uint32_t k, uint32_t r)
{
	return !is_local(g, r, sd->grp_rep[k]);
}

/* ------------------------------------------------------------ equal subscriptions */

#define CONSTRAINED_SLABS(X)                                                                       \
	X(keys, uint64_t, K)                                                                       \
	X(key_off, uint32_t, M + 1)                                                                \
	X(last_key, uint64_t, M)                                                                   \
	X(keep, uint32_t, M)                                                                       \
	X(under, uint32_t, M)                                                                      \
	X(exact, uint32_t, M)                                                                      \
	X(count, uint32_t, M)                                                                      \
	X(visit, uint32_t, M)                                                                      \
	X(bucket_off, uint32_t, ka__java_hashmap_capacity(M) + 1)

/* In-place heapsort: claim lists can be long (a member that owned a lot). */
static void sort_keys(uint64_t *v, uint32_t n)
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

/*
 * Of a member's claims keys[0..n), in Kafka's (partition, topic) order, it
 * keeps the first `keep`: the others are dropped (owner KA_NONE).
 */
static void drop_largest(const ka_group *g, uint64_t *keys, uint32_t n, uint32_t keep,
			 uint32_t *owner)
{
	sort_keys(keys, n);
	for (uint32_t i = keep; i < n; i++) {
		uint32_t t = (uint32_t)keys[i];
		owner[g->topic_off[t] + (uint32_t)(keys[i] >> 32)] = KA_NONE;
	}
}

#define RACKRR_SLABS(X)                                                                            \
	X(rr_part, uint32_t, K)                                                                    \
	X(rr_key, uint32_t, K)                                                                     \
	X(rr_sorted, uint32_t, K)                                                                  \
	X(rr_bucket, uint32_t, M + 2)                                                              \
	X(rr_on_rack, uint32_t, R)                                                                 \
	X(rr_rack_off, uint32_t, R + 1)                                                            \
	X(rr_rack_pos, uint32_t, M)                                                                \
	X(rr_slot, uint32_t, M)                                                                    \
	X(rr_next, uint32_t, M + R + 1)                                                            \
	X(rr_ex_next, uint32_t, M)                                                                 \
	X(rr_q_head, uint32_t, R)                                                                  \
	X(rr_q_tail, uint32_t, R)                                                                  \
	X(rr_hint, uint32_t, R)

/* The first live slot at or after s (union-find with path halving). */
static inline uint32_t live_from(uint32_t *next, uint32_t s)
{
	while (next[s] != s) {
		next[s] = next[next[s]];
		s = next[s];
	}
	return s;
}

/*
 * The first index in [lo, hi) whose pos[] (ascending) is at or past cur, hi
 * if none: galloping from a hint, so that a search starting near the last
 * one, as a round-robin's do, costs O(log distance).
 */
static uint32_t gallop(const uint32_t *pos, uint32_t lo, uint32_t hi, uint32_t hint, uint32_t cur)
{
	uint32_t l, h, step = 1;
	if (hint < hi && pos[hint] < cur) {
		for (l = h = hint + 1; h < hi && pos[h] < cur;) {
			l = h + 1;
			step *= 2;
			h = hi - hint > step ? hint + step : hi;
		}
	} else {
		for (l = h = hint; l > lo && pos[l - 1] >= cur;) {
			h = l - 1;
			step *= 2;
			l = hint - lo > step ? hint - step : lo;
		}
	}
	while (l < h) {
		uint32_t mid = l + (h - l) / 2;
		if (pos[mid] < cur)
			l = mid + 1;
		else
			h = mid;
	}
	return l;
}

/* The members at minQ that may take one more, as Kafka's list, with one
 * queue a rack so that "the first on a rack holding a replica" is a look at
 * the heads: entries are never reordered, only killed (KA_NONE) or cleared
 * (below head). */
typedef struct exact_list {
	uint32_t *m; /* members, KA_NONE once removed */
	uint32_t head, tail, live;
	uint32_t *next, *q_head, *q_tail;
	const uint16_t *rack;
} exact_list;

static void exact_push(exact_list *x, uint32_t m)
{
	uint32_t i = x->tail++, r = x->rack[m];
	x->m[i] = m;
	x->live++;
	if (r == KA_NO_RACK || !x->q_head)
		return;
	x->next[i] = KA_NONE;
	if (x->q_tail[r] == KA_NONE)
		x->q_head[r] = i;
	else
		x->next[x->q_tail[r]] = i;
	x->q_tail[r] = i;
}

/*
 * Kafka's assignRackAwareRoundRobin, then assignRoundRobin, over what the
 * quotas left. The list of members under minQ is a list Kafka indexes
 * cyclically: the next search starts after the member last taken from it,
 * whether that one left the list or not. Members keep their position in the
 * sorted list (under[], KA_NONE once gone), so "the first member at or after
 * position c, cyclically, whose rack holds a replica" is, per replica rack,
 * a binary search in that rack's positions and a union-find over the ones
 * gone: a galloping search from where the last one on that rack ended,
 * instead of Kafka's scan of the whole list.
 */
static void deal_rack_aware(const ka_group *g, ka__ws *w, uint32_t *owner, uint32_t *under,
			    uint32_t n_under, exact_list *x, uint32_t *count, uint32_t minq,
			    uint32_t maxq, uint32_t expected, uint32_t over)
{
	const size_t M = g->n_members, K = g->n_partitions, R = g->n_racks;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	RACKRR_SLABS(X)
#undef X
	const uint16_t *rack = g->member_rack;

	/* The partitions left, in (topic, partition) order, stably sorted by how
	 * many members sit on racks holding a replica (at most M): counting sort. */
	memset(rr_on_rack, 0, R * sizeof *rr_on_rack);
	for (uint32_t m = 0; m < M; m++)
		if (rack[m] != KA_NO_RACK)
			rr_on_rack[rack[m]]++;
	memset(rr_bucket, 0, (M + 2) * sizeof *rr_bucket);
	uint32_t n = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			if (owner[p] != KA_NONE)
				continue;
			uint32_t key = 0;
			for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
				key += rr_on_rack[g->prack[a]];
			rr_part[n] = p;
			rr_key[n++] = key;
			rr_bucket[key + 1]++;
		}
	}
	for (size_t k = 0; k <= M; k++)
		rr_bucket[k + 1] += rr_bucket[k];
	for (uint32_t i = 0; i < n; i++)
		rr_sorted[rr_bucket[rr_key[i]]++] = rr_part[i];

	/* Positions of the members under minQ by rack; rack r's slots are
	 * rr_rack_off[r] + r .. rr_rack_off[r + 1] + r, the last a sentinel. */
	memset(rr_rack_off, 0, (R + 1) * sizeof *rr_rack_off);
	for (uint32_t q = 0; q < n_under; q++)
		if (rack[under[q]] != KA_NO_RACK)
			rr_rack_off[rack[under[q]] + 1]++;
	for (size_t r = 0; r < R; r++)
		rr_rack_off[r + 1] += rr_rack_off[r];
	for (uint32_t s = 0; s <= rr_rack_off[R] + R; s++)
		rr_next[s] = s;
	memcpy(rr_q_head, rr_rack_off, R * sizeof *rr_q_head); /* cursors for now */
	for (uint32_t q = 0; q < n_under; q++) {
		uint32_t r = rack[under[q]];
		if (r == KA_NO_RACK) {
			rr_slot[q] = KA_NONE;
			continue;
		}
		rr_rack_pos[rr_q_head[r]] = q;
		rr_slot[q] = rr_q_head[r]++ + r;
	}

	/* The list at minQ, re-queued by rack. */
	memset(rr_q_head, 0xff, R * sizeof *rr_q_head);
	memset(rr_q_tail, 0xff, R * sizeof *rr_q_tail);
	uint32_t tail = x->tail;
	x->tail = x->live = 0;
	x->next = rr_ex_next;
	x->q_head = rr_q_head;
	x->q_tail = rr_q_tail;
	x->rack = rack;
	for (uint32_t i = 0; i < tail; i++)
		exact_push(x, x->m[i]);

	memcpy(rr_hint, rr_rack_off, R * sizeof *rr_hint);
	uint32_t cur = 0, live = n_under;
	for (uint32_t i = 0; i < n; i++) {
		const uint32_t p = rr_sorted[i], a0 = g->prack_off[p], a1 = g->prack_off[p + 1];
		uint32_t m = KA_NONE, best = KA_NONE, best_d = UINT32_MAX;
		for (uint32_t a = a0; live && a < a1; a++) {
			uint32_t r = g->prack[a], lo = rr_rack_off[r], hi = rr_rack_off[r + 1];
			if (lo == hi)
				continue;
			uint32_t l = rr_hint[r] = gallop(rr_rack_pos, lo, hi, rr_hint[r], cur);
			uint32_t s = live_from(rr_next, l + r);
			if (s == hi + r)
				s = live_from(rr_next, lo + r); /* wrap around */
			if (s == hi + r)
				continue;
			uint32_t q = rr_rack_pos[s - r], d = q >= cur ? q - cur : q + n_under - cur;
			if (d < best_d) {
				best_d = d;
				best = q;
			}
		}
		if (best != KA_NONE) {
			m = under[best];
			if (count[m] + 1 >= minq) {
				under[best] = KA_NONE;
				rr_next[rr_slot[best]] = rr_slot[best] + 1;
				live--;
				/* At minQ it may take one more only while members with
				 * maxQ are still wanted. */
				if (count[m] + 1 < maxq && over < expected)
					exact_push(x, m);
			}
			cur = best + 1;
		} else if (x->live) {
			uint32_t e = KA_NONE;
			for (uint32_t a = a0; a < a1; a++) {
				uint32_t r = g->prack[a], h = rr_q_head[r];
				while (h != KA_NONE && (h < x->head || x->m[h] == KA_NONE))
					h = rr_ex_next[h];
				rr_q_head[r] = h;
				if (h != KA_NONE && h < e)
					e = h;
			}
			if (e != KA_NONE) {
				m = x->m[e];
				if (count[m] + 1 == maxq) {
					x->m[e] = KA_NONE;
					x->live--;
					/* Enough members at maxQ: the rest stay at minQ. */
					if (++over == expected) {
						x->head = x->tail;
						x->live = 0;
					}
				}
			}
		}
		if (m != KA_NONE) {
			owner[p] = m;
			count[m]++;
			rr_sorted[i] = KA_NONE;
		}
	}

	/* Kafka's plain round-robin over the rest, in the same order (see
	 * assign_constrained for the list semantics). */
	x->q_head = NULL;
	uint32_t pos = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = rr_sorted[i], m;
		if (p == KA_NONE)
			continue;
		while (pos < n_under && under[pos] == KA_NONE)
			pos++;
		if (pos == n_under && live) {
			pos = 0;
			while (under[pos] == KA_NONE)
				pos++;
		}
		if (pos < n_under) {
			m = under[pos];
			if (++count[m] == minq) {
				under[pos] = KA_NONE;
				live--;
				exact_push(x, m);
			}
			pos++;
		} else {
			while (x->head < x->tail && x->m[x->head] == KA_NONE)
				x->head++;
			assert(x->head < x->tail);
			m = x->m[x->head++];
			count[m]++;
		}
		owner[p] = m;
	}
}

static void assign_constrained(const ka_group *g, ka__ws *w, int racks, uint32_t *owner)
{
	const size_t M = g->n_members, K = g->n_partitions;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	CONSTRAINED_SLABS(X)
#undef X
	uint64_t N = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		uint32_t P = g->topic_off[t + 1] - g->topic_off[t];
		if (g->tsub_off[t + 1] > g->tsub_off[t])
			N += P;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			owner[p] = KA_NONE;
	}
	if (!M || !N)
		return;
	const uint32_t minq = (uint32_t)(N / M), maxq = minq + (N % M != 0);
	const uint32_t expected = (uint32_t)(N % M);
	uint32_t over = 0, n_under = 0, e_head = 0, e_tail = 0;

	/*
	 * One sweep over the partitions keeps every valid claim (owner =
	 * prev_owner, written in order rather than member by member), counts
	 * each member's claims and notes its last one in Kafka's (partition,
	 * topic) order. Rack-aware, Kafka revokes a mismatched claim before
	 * the quotas: it counts for nothing.
	 */
	memset(count, 0, M * sizeof *count);
	memset(last_key, 0, M * sizeof *last_key);
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			uint32_t m = g->prev_owner[p];
			if (racks && m != KA_NONE && mismatch(g, m, p))
				m = KA_NONE;
			owner[p] = m;
			if (m == KA_NONE)
				continue;
			count[m]++;
			uint64_t key = kafka_owned_key(g, p, t);
			if (key > last_key[m])
				last_key[m] = key;
		}
	}

	/* Quotas, in Kafka's visiting order; keep[m] is what m may keep. */
	ka__java_hashmap_order(g, visit, bucket_off, keep);
	int gather = 0;
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = visit[i], n = count[m], k;
		if (n < minq) {
			k = n;
			under[n_under++] = m;
		} else if (n >= maxq && over < expected) {
			k = maxq;
			if (++over == expected)
				e_head = e_tail = 0; /* nobody else may exceed minQ */
		} else {
			k = minq;
			if (over < expected)
				exact[e_tail++] = m;
		}
		keep[m] = k;
		if (n == k + 1) {
			uint32_t t = (uint32_t)last_key[m];
			owner[g->topic_off[t] + (uint32_t)(last_key[m] >> 32)] = KA_NONE;
		} else if (n > k + 1) {
			gather = 1;
		}
	}

	/* Members dropping several claims: their keys, bucketed, and the
	 * largest dropped. */
	if (gather) {
		memset(key_off, 0, (M + 1) * sizeof *key_off);
		for (uint32_t m = 0; m < M; m++)
			key_off[m + 1] = count[m] > keep[m] + 1 ? count[m] : 0;
		for (size_t m = 0; m < M; m++)
			key_off[m + 1] += key_off[m];
		uint32_t *cursor = visit; /* free until the lists are sorted below */
		memcpy(cursor, key_off, M * sizeof *cursor);
		for (uint32_t t = 0; t < g->n_topics; t++) {
			if (g->tsub_off[t + 1] == g->tsub_off[t])
				continue;
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
				uint32_t m = owner[p]; /* the claims still counted */
				if (m != KA_NONE && key_off[m + 1] > key_off[m])
					keys[cursor[m]++] = kafka_owned_key(g, p, t);
			}
		}
		for (uint32_t m = 0; m < M; m++)
			if (key_off[m + 1] > key_off[m])
				drop_largest(g, keys + key_off[m], key_off[m + 1] - key_off[m],
					     keep[m], owner);
	}
	/* What each member holds now: its claims, capped at keep[m]. */
	for (uint32_t m = 0; m < M; m++)
		count[m] = count[m] < keep[m] ? count[m] : keep[m];

	/* Kafka sorts both lists by member_id before dealing: flag, then sweep
	 * members in that order (visit[] is free now). */
	memset(visit, 0, M * sizeof *visit);
	for (uint32_t i = 0; i < n_under; i++)
		visit[under[i]] = 1;
	for (uint32_t i = e_head; i < e_tail; i++)
		visit[exact[i]] = 2;
	n_under = e_tail = e_head = 0;
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[i];
		if (visit[m] == 1)
			under[n_under++] = m;
		else if (visit[m] == 2)
			exact[e_tail++] = m;
	}
	if (racks) {
		exact_list x = {exact, 0, e_tail, e_tail, NULL, NULL, NULL, g->member_rack};
		deal_rack_aware(g, w, owner, under, n_under, &x, count, minq, maxq, expected, over);
		return;
	}

	/*
	 * Round-robin over the rest, in (topic, partition) order, as Kafka's
	 * iterator over its list of members under minQ: cyclically, a member
	 * leaving the list (marked KA_NONE) when it reaches minQ and joining
	 * the queue of members that may take one more; once the list is
	 * empty, the queue in order.
	 */
	uint32_t pos = 0, live = n_under;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			if (owner[p] != KA_NONE)
				continue;
			while (pos < n_under && under[pos] == KA_NONE)
				pos++;
			if (pos == n_under && live) {
				pos = 0;
				while (under[pos] == KA_NONE)
					pos++;
			}
			uint32_t m;
			if (pos < n_under) {
				m = under[pos];
				if (++count[m] == minq) {
					under[pos] = KA_NONE;
					live--;
					exact[e_tail++] = m;
				}
				pos++;
			} else {
				assert(e_head < e_tail);
				m = exact[e_head++];
				count[m]++;
			}
			owner[p] = m;
		}
	}
}

/* ------------------------------------------------------------ unequal subscriptions */

#define GENERAL_SLABS(X)                                                                           \
	X(load, uint32_t, M)                                                                       \
	X(id_rank, uint32_t, M)                                                                    \
	X(sort_key, uint64_t, M)                                                                   \
	X(pend, uint32_t, M)                                                                       \
	X(active, uint32_t, M)                                                                     \
	X(merge_tmp, uint32_t, M)                                                                  \
	X(cls_off, uint32_t, C + 1)                                                                \
	X(cls_level, uint32_t, C)                                                                  \
	X(cls_pos, uint32_t, C)                                                                    \
	X(cls_active, uint32_t, C)                                                                 \
	X(cls_pend, uint32_t, C)                                                                   \
	X(topic_order, uint32_t, T)                                                                \
	X(by_count, uint32_t, M + 2)                                                               \
	X(tcls_off, uint32_t, T + 1)                                                               \
	X(tcls_cur, uint32_t, T)                                                                   \
	X(tcls, uint32_t, SC)

/*
 * The least-loaded member of one subscription class, ties by member_id, as
 * water filling: members whose starting load is at most the current level L
 * are "active" and sit at L or L + 1; those at L are taken in member_id
 * order by a cursor over the active list (kept sorted by member_id), and
 * when all are at L + 1 the level rises and the members starting there are
 * merged in. Loads only grow, so each member is passed once a level.
 */
typedef struct filler {
	const ka_group *g;
	const uint32_t *load, *id_rank;
	uint32_t *pend, *active, *tmp;
	const uint32_t *off;
	uint32_t *level, *pos, *n_active, *n_pend;
} filler;

/* The next member of class c to receive a partition, or KA_NONE. */
static uint32_t filler_next(filler *f, uint32_t c)
{
	uint32_t *act = f->active + f->off[c];
	const uint32_t *pend = f->pend + f->off[c];
	uint32_t size = f->off[c + 1] - f->off[c];
	for (;;) {
		while (f->pos[c] < f->n_active[c] && f->load[act[f->pos[c]]] != f->level[c])
			f->pos[c]++;
		if (f->pos[c] < f->n_active[c])
			return act[f->pos[c]];
		if (f->n_active[c] == 0 && f->n_pend[c] == size)
			return KA_NONE;
		/* Everybody active is at level + 1 (or nobody is active yet). */
		f->level[c] = f->n_active[c] ? f->level[c] + 1 : f->load[pend[f->n_pend[c]]];
		uint32_t from = f->n_pend[c];
		while (f->n_pend[c] < size && f->load[pend[f->n_pend[c]]] == f->level[c])
			f->n_pend[c]++;
		/* Merge pend[from..n_pend) (member_id order) into the active list. */
		uint32_t i = 0, j = from, k = 0, na = f->n_active[c];
		while (i < na || j < f->n_pend[c]) {
			int take_active = j == f->n_pend[c] ||
					  (i < na && f->id_rank[act[i]] < f->id_rank[pend[j]]);
			f->tmp[k++] = take_active ? act[i++] : pend[j++];
		}
		memcpy(act, f->tmp, k * sizeof *act);
		f->n_active[c] = k;
		f->pos[c] = 0;
	}
}

/* filler_next, the usual case inline: the member at pos is still at level. */
static inline uint32_t filler_peek(filler *f, uint32_t c)
{
	const uint32_t pos = f->pos[c];
	if (pos < f->n_active[c]) {
		const uint32_t m = f->active[f->off[c] + pos];
		if (f->load[m] == f->level[c])
			return m;
	}
	return filler_next(f, c);
}

/* What the greedy's passes share. */
typedef struct dealing {
	const ka_group *g;
	const sides *sd;
	filler *fl;
	uint32_t *load;
	const uint32_t *id_rank, *topic_order;
	uint32_t nt;
	const uint32_t *tcls_off, *tcls;
	const uint8_t *rack_bit; /* member_rack_bits, NULL past 64 member racks */
} dealing;

/*
 * One pass of Kafka's greedy over the partitions left, in its order: each
 * to the least-loaded subscriber, ties by member_id. A topic's subscribers
 * are whole classes: the candidates are each class's next member. With
 * rack_match, only classes whose members do not mismatch the partition
 * take part, and a partition none of them can take is left.
 */
static void deal_general(const dealing *dl, int rack_match, uint32_t *owner)
{
	const ka_group *g = dl->g;
	const uint16_t *cls_rack = dl->sd->cls_rack;
	uint32_t *load = dl->load;
	const uint32_t *id_rank = dl->id_rank;
	for (uint32_t i = 0; i < dl->nt; i++) {
		uint32_t t = dl->topic_order[i];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			if (owner[p] != KA_NONE)
				continue;
			uint32_t best = KA_NONE;
			const uint64_t held =
			    rack_match && dl->rack_bit ? rack_mask(g, dl->rack_bit, p) : 0;
			for (uint32_t k = dl->tcls_off[t]; k < dl->tcls_off[t + 1]; k++) {
				uint32_t c = dl->tcls[k], r = rack_match ? cls_rack[c] : KA_NO_RACK;
				if (r != KA_NO_RACK &&
				    !(dl->rack_bit ? (int)((held >> (dl->rack_bit[r] - 1)) & 1)
						   : has_rack(g, p, r)))
					continue;
				uint32_t m = filler_peek(dl->fl, c);
				if (m != KA_NONE &&
				    (best == KA_NONE || load[m] < load[best] ||
				     (load[m] == load[best] && id_rank[m] < id_rank[best])))
					best = m;
			}
			if (best == KA_NONE) {
				assert(rack_match);
				continue;
			}
			owner[p] = best;
			load[best]++;
		}
	}
}

/* Slabs are sized by the bounds of dims; the classes themselves are sides'. */
#define GENERAL_SIZES const size_t M = g->n_members, T = g->n_topics, C = d->cls, SC = d->cls_subs

static void assign_general(const ka_group *g, const dims *d, const sides *sd, ka__ws *w,
			   uint32_t *owner)
{
	GENERAL_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	GENERAL_SLABS(X)
#undef X
	const uint32_t NC = sd->n_cls, *cls_of = sd->cls_of;
	assert(NC <= C);
	(void)C;
	(void)SC;
	for (uint32_t i = 0; i < M; i++)
		id_rank[g->id_order[i]] = i;
	for (uint32_t p = 0; p < g->n_partitions; p++)
		owner[p] = KA_NONE;
	memset(load, 0, M * sizeof *load);

	/* Every valid claim is kept; rack-aware, unless it is mismatched. A
	 * member's claims ascend, so its topics are found by topic_from and its
	 * subscription is looked up once per topic. */
	for (uint32_t m = 0; m < M; m++) {
		uint32_t t = 0, last_t = KA_NONE;
		int valid = 0;
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			if (g->prev_owner[p] != m)
				continue;
			topic_from(g, p, &t);
			if (t != last_t) {
				last_t = t;
				valid = ka__subscribes(g, m, t);
			}
			if (valid && !(sd->racks && mismatch(g, m, p))) {
				owner[p] = m;
				load[m]++;
			}
		}
	}

	/* Classes' members by (starting load, member_id): the pending lists. */
	for (uint32_t m = 0; m < M; m++)
		sort_key[m] = ((uint64_t)load[m] << 32) | id_rank[m];
	sort_keys(sort_key, (uint32_t)M);
	memset(cls_off, 0, (NC + 1) * sizeof *cls_off);
	for (uint32_t m = 0; m < M; m++)
		cls_off[cls_of[m] + 1]++;
	for (size_t c = 0; c < NC; c++)
		cls_off[c + 1] += cls_off[c];
	memcpy(cls_pos, cls_off, NC * sizeof *cls_pos); /* cursors for now */
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[(uint32_t)sort_key[i]];
		pend[cls_pos[cls_of[m]]++] = m;
	}
	memset(cls_level, 0, NC * sizeof *cls_level);
	memset(cls_pos, 0, NC * sizeof *cls_pos);
	memset(cls_active, 0, NC * sizeof *cls_active);
	memset(cls_pend, 0, NC * sizeof *cls_pend);
	filler fl = {g,       load,      id_rank, pend,       active,  merge_tmp,
		     cls_off, cls_level, cls_pos, cls_active, cls_pend};

	/* Topics by number of subscribers, then name (Kafka's TopicComparator):
	 * a stable counting sort of topics already in name order. */
	memset(by_count, 0, (M + 2) * sizeof *by_count);
	for (uint32_t t = 0; t < T; t++)
		if (g->tsub_off[t + 1] > g->tsub_off[t] && g->topic_off[t + 1] > g->topic_off[t])
			by_count[g->tsub_off[t + 1] - g->tsub_off[t] + 1]++;
	for (size_t k = 0; k <= M; k++)
		by_count[k + 1] += by_count[k];
	uint32_t nt = by_count[M + 1];
	for (uint32_t t = 0; t < T; t++)
		if (g->tsub_off[t + 1] > g->tsub_off[t] && g->topic_off[t + 1] > g->topic_off[t])
			topic_order[by_count[g->tsub_off[t + 1] - g->tsub_off[t]]++] = t;

	/* The classes subscribing to each topic, from one member of each class. */
	memset(tcls_off, 0, (T + 1) * sizeof *tcls_off);
	for (uint32_t c = 0, scan = 0; c < NC; c++) {
		uint32_t m = class_rep(sd, c, &scan);
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			tcls_off[g->sub_topic[s] + 1]++;
	}
	for (size_t t = 0; t < T; t++)
		tcls_off[t + 1] += tcls_off[t];
	assert(tcls_off[T] <= SC);
	memcpy(tcls_cur, tcls_off, T * sizeof *tcls_cur);
	for (uint32_t c = 0, scan = 0; c < NC; c++) {
		uint32_t m = class_rep(sd, c, &scan);
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			tcls[tcls_cur[g->sub_topic[s]]++] = c;
	}

	/*
	 * Deal the rest: each partition to the least-loaded subscriber (ties by
	 * member_id). Rack-aware, Kafka deals twice: first only to subscribers
	 * that do not mismatch (a member without rack never does), leaving a
	 * partition no such subscriber takes, then what is left to anyone.
	 */
	const uint8_t *bits = sd->racks && d->member_racks <= 64 ? sd->rack_bit : NULL;
	const dealing dl = {g, sd, &fl, load, id_rank, topic_order, nt, tcls_off, tcls, bits};
	if (sd->racks)
		deal_general(&dl, 1, owner);
	deal_general(&dl, 0, owner);
}

/* ------------------------------------------------------------ the exact optimum */

/*
 * The optimum by two min-cost flows (flow.c). The network: S -> group (its
 * partitions) -> class (cost 1: a partition its new owner did not own) ->
 * member, plus group -> member at cost 0 for the member's own valid claims
 * in the group. Members of a class without a valid claim are
 * interchangeable: one node. The flow fixes how many partitions of each
 * group each member keeps and how many it receives; the partitions
 * themselves are then dealt: kept claims lowest partition first, the rest
 * from each group's pool in order.
 *
 * Stage 1, balance, on classes: S -> group -> class, each class with a
 * convex arc to Z spread over its members (sum of squared loads; flow.c).
 * Members of a class are interchangeable for balance, so this is the
 * balance problem itself, on a few nodes, and every path carries what is
 * left of a class's level at once. Its final potentials pi are an optimal
 * dual, and the most balanced assignments are exactly the flows of the
 * member network that keep complementary slackness with them (the usual
 * argument: cost = sum of reduced costs times flow + a constant, and the
 * optimum reaches its lower bound): nothing on a group -> class arc (or
 * group -> member claim) of positive reduced cost, and a member of class c
 * at a load l with 2l - 1 <= pi(Z) - pi(c) <= 2l + 1, so one load, or l
 * and l + 1 when the bound is met, which lets classes at one level trade
 * the unit above it.
 *
 * Stage 2, movement (and locality), on members: the network above with
 * only those arcs, each member's load held in its range [lo, hi] by a
 * range arc to Z (flow.c): lo units at cost 0, hi - lo more at cost
 * `weight`, more than the other costs along any cycle, so that every lo
 * fills. Its costs are small, so its phases are few and its paths carry
 * whole claims. A member-level convex flow instead needs a path per unit
 * of load above the lowest: about a million at G-1M.
 *
 * Without rack-aware assignment groups are topic classes and classes
 * subscription classes. Rack-aware, groups are (topic, members' racks
 * holding a replica) and classes (subscription class, rack), so that every
 * group -> class and group -> member arc places partitions that are all
 * local or all not; a placement that is not local costs B more. With L =
 * min(nodes, demand), which bounds the moves along a cycle and in all,
 * B = L + 1 puts one more local placement above any number of moves, and
 * the weight (B + 1) L + 1 above both: lexicographically, balance, then
 * locality, then stickiness.
 */
#define OPT_SLABS(X)                                                                               \
	X(group_node, uint32_t, G)                                                                 \
	X(member_node, uint32_t, M)                                                                \
	X(fresh_n, uint32_t, C)                                                                    \
	X(cls_n, uint32_t, C)                                                                      \
	X(cls_lo, uint32_t, C)                                                                     \
	X(cls_hi, uint32_t, C)                                                                     \
	X(bal_supply, uint32_t, NT)                                                                \
	X(bal_mark, uint32_t, NT)                                                                  \
	X(run_member, uint32_t, R)                                                                 \
	X(run_group, uint32_t, R)                                                                  \
	X(run_arc, uint32_t, R)                                                                    \
	X(tc_arc, uint32_t, GA)                                                                    \
	X(tc_group, uint32_t, GA)                                                                  \
	X(class_first, uint32_t, C + 1)                                                            \
	X(cm_arc, uint32_t, M)                                                                     \
	X(cf_arc, uint32_t, C)                                                                     \
	X(quota, uint32_t, M)                                                                      \
	X(cls_off, uint32_t, C + 1)                                                                \
	X(cls_members, uint32_t, M)                                                                \
	X(pool_cur, uint32_t, G)                                                                   \
	X(opt_owner, uint32_t, P)                                                                  \
	X(claims, uint8_t, P)                                                                      \
	X(grun, uint32_t, GR)                                                                      \
	X(grun_mark, uint32_t, GR)

/* Runs of valid claims: (member, topic) pairs with at least one. */
static size_t claim_runs(const ka_group *g)
{
	size_t runs = 0;
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint32_t t = 0, last = KA_NONE;
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			topic_from(g, p, &t);
			if (g->prev_owner[p] == m && t != last && ka__subscribes(g, m, t)) {
				runs++;
				last = t;
			}
		}
	}
	return runs;
}

static size_t sat_mul(size_t a, size_t b)
{
	return a && b > SIZE_MAX / a ? SIZE_MAX : a * b;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* Distinct racks of members (the locality optimum counts them itself). */
static uint32_t count_member_racks(const ka_group *g)
{
	rack_bits bits, *mr = &bits;
	uint32_t n = 0;
	memset(mr->w, 0, ((size_t)g->n_racks + 63) / 64 * sizeof *mr->w);
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint32_t r = g->member_rack[m];
		if (r == KA_NO_RACK || rack_bits_has(mr, r))
			continue;
		mr->w[r >> 6] |= (uint64_t)1 << (r & 63);
		n++;
	}
	return n;
}

/* How racks enter the objective: not at all (the movement bound), under
 * Kafka's enabling rule (sticky), or whenever both sides have racks
 * (locality). */
enum { RACKS_OFF = 0, RACKS_KAFKA = 1, RACKS_FORCED = 2 };

/* Sizes for a group under one of the rack modes above. */
static void dims_compute(const ka_group *g, dims *d, int with_racks)
{
	d->member_racks = 0;
	if (with_racks == RACKS_FORCED) {
		d->racks =
		    (g->flags & KA_GROUP_MEMBER_RACKS) && (g->flags & KA_GROUP_PARTITION_RACKS);
		if (d->racks)
			d->member_racks = count_member_racks(g);
	} else {
		d->racks = with_racks ? rack_aware(g, &d->member_racks) : 0;
	}
	d->cls = d->cls_subs = d->grp = d->grp_arcs = d->runs = d->table = 0;
	if (!d->racks && (g->flags & KA_GROUP_HOMOGENEOUS))
		return; /* the constrained path needs none of these */
	const size_t M = g->n_members, C = g->n_member_classes, SC = ka__class_subscriptions(g);
	const size_t runs = claim_runs(g);
	if (!d->racks) {
		/* Topics with the same subscribers are interchangeable: a group. */
		d->cls = C;
		d->cls_subs = d->grp_arcs = SC;
		d->grp = g->n_topic_classes;
		d->runs = runs;
		return;
	}
	/* A topic splits into one group per subset of the members' racks at
	 * most, a subscription class into one class per rack (or none). */
	const size_t per_topic = d->member_racks < 31 ? (size_t)1 << d->member_racks : SIZE_MAX;
	const size_t per_class = (size_t)d->member_racks + 1;
	d->cls = min_size(M, sat_mul(C, per_class));
	d->cls_subs = min_size(g->sub_off[M], sat_mul(SC, per_class));
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (g->tsub_off[t + 1] > g->tsub_off[t])
			d->grp += min_size(g->topic_off[t + 1] - g->topic_off[t], per_topic);
	size_t class_groups = 0;
	for (uint32_t m = 0, next = 0; m < M; m++)
		if (g->member_class[m] == next) {
			next++;
			for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++) {
				uint32_t t = g->sub_topic[s];
				class_groups +=
				    min_size(g->topic_off[t + 1] - g->topic_off[t], per_topic);
			}
		}
	d->grp_arcs = sat_mul(class_groups, per_class);
	d->runs = min_size(g->own_off[M], sat_mul(runs, per_topic));
	d->table = 16;
	while (d->table < 2 * d->grp)
		d->table *= 2;
}

#define OPT_SIZES                                                                                  \
	const size_t M = g->n_members, P = g->n_partitions, G = d->grp, C = d->cls;                \
	const size_t GA = d->grp_arcs, R = d->runs, GR = G, NT = g->n_topic_classes;               \
	const uint32_t V = (uint32_t)(2 + G + 2 * C + M), V1 = (uint32_t)(2 + NT + C);             \
	const size_t A = G + GA + M + C + R, A1 = NT + GA

static size_t optimal_size(const ka_group *g, const dims *d)
{
	OPT_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	OPT_SLABS(X)
#undef X
	return total + max_size(ka__flow_size(V1, A1), ka__flow_size(V, A));
}

/* The three levels of an assignment: sum of squared loads over members,
 * local placements (rack-aware only, else 0), and partitions kept by their
 * previous owner. */
typedef struct levels {
	uint64_t sq, local, kept;
} levels;

/*
 * The levels of an assignment; without sides (no racks) locality stays 0.
 * Rack-aware, a placement is local when the member's rack bit is set in its
 * partition group's rack mask (build_groups), or by is_local past 64
 * member racks.
 */
static levels objective(const ka_group *g, const sides *sd, const uint32_t *owner, uint32_t *load)
{
	const uint64_t *key = sd ? sd->grp_key : NULL;
	const uint32_t *grp = sd ? sd->grp_of : NULL, RK = g->n_racks;
	const uint8_t *bit = sd ? sd->rack_bit : NULL;
	uint64_t kept = 0, local = 0;
	memset(load, 0, g->n_members * sizeof *load);
	for (uint32_t p = 0; p < g->n_partitions; p++) {
		const uint32_t m = owner[p];
		if (m == KA_NONE)
			continue;
		load[m]++;
		kept += m == g->prev_owner[p];
		if (!sd)
			continue;
		const uint32_t r = g->member_rack[m];
		if (!key) {
			local += (uint64_t)is_local(g, r, p);
		} else {
			/* bit 0: no member rack, never local */
			const uint32_t b = r < RK ? bit[r] : 0;
			local += (key[grp[p]] >> ((b - 1) & 63)) & (b != 0);
		}
	}
	levels v = {0, local, kept};
	for (uint32_t m = 0; m < g->n_members; m++)
		v.sq += (uint64_t)load[m] * load[m];
	return v;
}

/* a * b + c while it stays within INT64_MAX / 4, else -1. */
static int64_t cost_bound(uint64_t a, uint64_t b, uint64_t c)
{
	const uint64_t lim = INT64_MAX / 4;
	if (a && b > lim / a)
		return -1;
	if (c > lim - a * b)
		return -1;
	return (int64_t)(a * b + c);
}

/*
 * Returns the optimal assignment, in a slab of the workspace. Rack-aware,
 * *exact tells whether locality was part of the objective: not when its
 * weights would not fit in 64 bits (a group far past any real one), and the
 * flow falls back to balance, then stickiness.
 */
static const uint32_t *assign_optimal(const ka_group *g, const dims *d, const sides *sd, ka__ws *w,
				      int *exact)
{
	OPT_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	OPT_SLABS(X)
#undef X
	uint32_t *out = opt_owner;
	(void)V;
	const uint32_t NC = sd->n_cls, NG = sd->n_grp, S = 0, Z = 1;
	assert(NC <= C && NG <= G);
	uint32_t next_node = 2;

	/* Groups that can be assigned, and members with valid claims. */
	int64_t demand = 0;
	for (uint32_t k = 0; k < NG; k++) {
		uint32_t n = sd->grp_off[k + 1] - sd->grp_off[k], t = grp_topic(sd, k);
		group_node[k] = n && g->tsub_off[t + 1] > g->tsub_off[t] ? next_node++ : KA_NONE;
		if (group_node[k] != KA_NONE)
			demand += n;
	}
	const uint32_t class_base = next_node;
	next_node += NC;
	const uint32_t fresh_base = next_node;
	next_node += NC;
	memset(fresh_n, 0, NC * sizeof *fresh_n);
	if (GR)
		memset(grun_mark, 0xff, GR * sizeof *grun_mark);
	/* Runs: (member, group) pairs with valid claims, run_arc[] counting them
	 * until the arcs are made. Without racks a member's claims on a topic
	 * are consecutive; with them a group's are not, hence grun. */
	size_t n_runs = 0;
	for (uint32_t m = 0; m < M; m++) {
		member_node[m] = KA_NONE;
		const size_t first = n_runs;
		uint32_t t = 0, last_t = KA_NONE, last_k = KA_NONE;
		int valid = 0;
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			topic_from(g, p, &t);
			if (g->prev_owner[p] != m)
				continue;
			if (t != last_t) {
				last_t = t;
				valid = ka__subscribes(g, m, t);
			}
			if (!valid)
				continue;
			uint32_t gk = grp_of_part(sd, p, t);
			if (GR ? grun_mark[gk] != m : gk != last_k) {
				if (GR) {
					grun_mark[gk] = m;
					grun[gk] = (uint32_t)n_runs;
				}
				last_k = gk;
				run_member[n_runs] = m;
				run_group[n_runs] = gk;
				run_arc[n_runs++] = 0;
			}
			run_arc[GR ? grun[gk] : n_runs - 1]++;
		}
		assert(n_runs <= R);
		if (n_runs > first)
			member_node[m] = next_node++;
		else if (g->sub_off[m + 1] > g->sub_off[m])
			fresh_n[sd->cls_of[m]]++;
	}

	/* The (group, class) pairs: from one member of each class; a group
	 * spanning several topics (a topic class) is listed once (pool_cur,
	 * free until the dealing, marks the class that listed it last). */
	size_t n_tc = 0;
	for (uint32_t k = 0; k < NG; k++)
		pool_cur[k] = KA_NONE;
	for (uint32_t c = 0, scan = 0; c < NC; c++) {
		uint32_t m = class_rep(sd, c, &scan);
		class_first[c] = (uint32_t)n_tc;
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++) {
			uint32_t t = g->sub_topic[s];
			for (uint32_t k = grp_begin(sd, t); k < grp_end(sd, t); k++) {
				if (group_node[k] == KA_NONE || pool_cur[k] == c)
					continue;
				pool_cur[k] = c;
				tc_group[n_tc++] = k;
			}
		}
	}
	assert(n_tc <= GA);
	class_first[NC] = (uint32_t)n_tc;

	/*
	 * Stage 1: the most balanced class loads, and the potentials. Groups
	 * of one topic class (the same subscribers) link to the same classes,
	 * so for balance they are one node (rack-aware, a topic's groups).
	 */
	const size_t mark = w->used;
	const uint32_t bal_cls = 2 + (uint32_t)NT;
	memset(bal_supply, 0, NT * sizeof *bal_supply);
	memset(bal_mark, 0xff, NT * sizeof *bal_mark);
	for (uint32_t k = 0; k < NG; k++)
		if (group_node[k] != KA_NONE)
			bal_supply[g->topic_class[grp_topic(sd, k)]] +=
			    sd->grp_off[k + 1] - sd->grp_off[k];
	ka__flow f;
	ka__flow_init(&f, w, V1, A1, S, Z, 1);
	for (uint32_t tc = 0; tc < NT; tc++)
		if (bal_supply[tc])
			ka__flow_arc(&f, S, 2 + tc, bal_supply[tc], 0);
	for (uint32_t c = 0; c < NC; c++)
		for (uint32_t j = class_first[c]; j < class_first[c + 1]; j++) {
			const uint32_t tc = g->topic_class[grp_topic(sd, tc_group[j])];
			if (bal_mark[tc] != c) {
				bal_mark[tc] = c;
				ka__flow_arc(&f, 2 + tc, bal_cls + c, -1, 0);
			}
		}
	memset(cls_n, 0, NC * sizeof *cls_n);
	for (uint32_t m = 0; m < M; m++)
		cls_n[sd->cls_of[m]] += g->sub_off[m + 1] > g->sub_off[m];
	for (uint32_t c = 0; c < NC; c++)
		if (class_first[c + 1] > class_first[c])
			ka__flow_sink(&f, bal_cls + c, cls_n[c]);
	int64_t sent = ka__flow_run(&f, demand);
	assert(sent == demand);
	/* A member of class c ends at l with the unit from l to l + 1, which
	 * costs 2l + 1, taken when below pi(Z) - pi(c) and free at it. */
	for (uint32_t c = 0; c < NC; c++) {
		const int64_t slack = f.pi[Z] - f.pi[bal_cls + c];
		cls_lo[c] = slack > 1 ? (uint32_t)(slack / 2) : 0;
		cls_hi[c] = slack > 0 ? (uint32_t)((slack + 1) / 2) : 0;
	}
	/* Arcs of reduced cost 0 stay (KA_NONE marks the others): a group
	 * takes its topic class's potential, and the difference from a
	 * class's is that reduced cost, never below 0. */
	for (uint32_t c = 0; c < NC; c++)
		for (uint32_t j = class_first[c]; j < class_first[c + 1]; j++) {
			const uint32_t tc = g->topic_class[grp_topic(sd, tc_group[j])];
			tc_arc[j] = f.pi[2 + tc] == f.pi[bal_cls + c] ? 0 : KA_NONE;
		}
	for (size_t r = 0; r < n_runs; r++) {
		const uint32_t tc = g->topic_class[grp_topic(sd, run_group[r])];
		if (f.pi[2 + tc] != f.pi[bal_cls + sd->cls_of[run_member[r]]])
			run_arc[r] = 0;
	}
	w->used = mark;

	/* Stage 2. */
	int64_t weight = (int64_t)next_node + 1, B = 0;
	*exact = 1;
	if (sd->racks) {
		/* Every cost flow.c meets (distances, potentials) stays below
		 * weight + (nodes + 2) (B + 1): a quarter of the range left for
		 * its sums. */
		uint64_t L = (uint64_t)next_node < (uint64_t)demand ? next_node : (uint64_t)demand;
		int64_t b = (int64_t)L + 1, wt = cost_bound((uint64_t)b + 1, L, 1);
		int64_t paths = cost_bound((uint64_t)next_node + 2, (uint64_t)b + 1, 0);
		if (wt >= 0 && paths >= 0 && cost_bound(1, (uint64_t)wt, (uint64_t)paths) >= 0) {
			B = b;
			weight = wt;
		} else {
			*exact = 0;
		}
	}
	ka__flow_init(&f, w, next_node, A, S, Z, weight);
	for (uint32_t k = 0; k < NG; k++)
		if (group_node[k] != KA_NONE)
			ka__flow_arc(&f, S, group_node[k], sd->grp_off[k + 1] - sd->grp_off[k], 0);
	for (uint32_t c = 0; c < NC; c++)
		for (uint32_t j = class_first[c]; j < class_first[c + 1]; j++) {
			if (tc_arc[j] == KA_NONE)
				continue;
			const uint32_t k = tc_group[j];
			int64_t cost = 1 + (B ? B * grp_remote(g, sd, k, sd->cls_rack[c]) : 0);
			tc_arc[j] = ka__flow_arc(&f, group_node[k], class_base + c, -1, cost);
		}
	for (uint32_t m = 0; m < M; m++)
		if (member_node[m] != KA_NONE) {
			const uint32_t c = sd->cls_of[m];
			cm_arc[m] = ka__flow_arc(&f, class_base + c, member_node[m], -1, 0);
			ka__flow_sink_range(&f, member_node[m], cls_lo[c], cls_hi[c]);
		}
	for (uint32_t c = 0; c < NC; c++)
		if (fresh_n[c]) {
			cf_arc[c] = ka__flow_arc(&f, class_base + c, fresh_base + c, -1, 0);
			ka__flow_sink_range(&f, fresh_base + c, cls_lo[c] * fresh_n[c],
					    cls_hi[c] * fresh_n[c]);
		}
	for (size_t r = 0; r < n_runs; r++) {
		uint32_t m = run_member[r], k = run_group[r];
		int64_t cost = B ? B * grp_remote(g, sd, k, g->member_rack[m]) : 0;
		run_arc[r] = ka__flow_arc(&f, group_node[k], member_node[m], run_arc[r], cost);
	}
	sent = ka__flow_run(&f, demand);
	assert(sent == demand);
	(void)sent;

	/*
	 * Kept claims. Where a member keeps fewer than it claims, it keeps first
	 * the partitions nobody else claims: one that another member also
	 * lists (an older generation's claim) can go to that member without a
	 * handover, as in Kafka. Then lowest first. run_arc[] becomes what each
	 * run keeps.
	 */
	memset(claims, 0, P);
	for (uint32_t k = 0; k < g->own_off[M]; k++)
		if (claims[g->own_part[k]] < 255)
			claims[g->own_part[k]]++;
	for (size_t p = 0; p < P; p++)
		out[p] = KA_NONE;
	for (size_t r0 = 0, r1; r0 < n_runs; r0 = r1) {
		const uint32_t m = run_member[r0];
		for (r1 = r0; r1 < n_runs && run_member[r1] == m; r1++) {
			run_arc[r1] = (uint32_t)ka__flow_on(&f, run_arc[r1]);
			if (GR) {
				grun_mark[run_group[r1]] = m;
				grun[run_group[r1]] = (uint32_t)r1;
			}
		}
		for (int shared = 0; shared < 2; shared++) {
			uint32_t t = 0;
			size_t next_run = r0;
			for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
				uint32_t p = g->own_part[k];
				if (g->prev_owner[p] != m || out[p] != KA_NONE ||
				    (claims[p] > 1) != shared)
					continue;
				size_t r;
				if (GR) {
					/* a claim on a topic m no longer takes has no run */
					topic_from(g, p, &t);
					uint32_t gk = grp_of_part(sd, p, t);
					if (gk == KA_NONE || grun_mark[gk] != m)
						continue;
					r = grun[gk];
				} else {
					/* runs of m ascend by topic, as its claims do */
					topic_from(g, p, &t);
					while (next_run < r1 && run_group[next_run] < t)
						next_run++;
					if (next_run == r1 || run_group[next_run] != t)
						continue;
					r = next_run;
				}
				if (run_arc[r]) {
					out[p] = m;
					run_arc[r]--;
				}
			}
		}
	}

	/* What each member receives through its class. */
	memset(cls_off, 0, (NC + 1) * sizeof *cls_off);
	for (uint32_t m = 0; m < M; m++)
		cls_off[sd->cls_of[m] + 1]++;
	for (size_t c = 0; c < NC; c++)
		cls_off[c + 1] += cls_off[c];
	memcpy(quota, cls_off, NC * sizeof *quota); /* cursors for now */
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[i];
		cls_members[quota[sd->cls_of[m]]++] = m;
	}
	for (size_t c = 0; c < NC; c++) {
		int64_t fresh_units = fresh_n[c] ? ka__flow_on(&f, cf_arc[c]) : 0;
		uint32_t share = fresh_n[c] ? (uint32_t)(fresh_units / fresh_n[c]) : 0;
		uint32_t extra = fresh_n[c] ? (uint32_t)(fresh_units % fresh_n[c]) : 0;
		for (uint32_t i = cls_off[c]; i < cls_off[c + 1]; i++) {
			uint32_t m = cls_members[i];
			if (member_node[m] != KA_NONE)
				quota[m] = (uint32_t)ka__flow_on(&f, cm_arc[m]);
			else if (g->sub_off[m + 1] > g->sub_off[m])
				quota[m] = share + (extra ? (extra--, 1) : 0);
			else
				quota[m] = 0;
		}
	}

	/* Deal each class its groups' pools, member after member. */
	for (uint32_t k = 0; k < NG; k++)
		pool_cur[k] = sd->grp_off[k];
	for (size_t c = 0; c < NC; c++) {
		uint32_t i = cls_off[c];
		for (uint32_t j = class_first[c]; j < class_first[c + 1]; j++) {
			const uint32_t k = tc_group[j], t = grp_topic(sd, k);
			int64_t units = tc_arc[j] == KA_NONE ? 0 : ka__flow_on(&f, tc_arc[j]);
			while (units > 0) {
				while (quota[cls_members[i]] == 0)
					i++;
				uint32_t m = cls_members[i];
				/* First what m itself still lists as owned: rack-aware,
				 * in any topic of the group (grp_of), else in topic t. */
				uint32_t lo = g->own_off[m], hi = g->own_off[m + 1];
				while (!sd->grp_of && lo < hi) {
					uint32_t mid = lo + (hi - lo) / 2;
					if (g->own_part[mid] < g->topic_off[t])
						lo = mid + 1;
					else
						hi = mid;
				}
				const uint32_t end =
				    sd->grp_of ? g->topic_off[g->n_topics] : g->topic_off[t + 1];
				for (uint32_t e = lo; units && quota[m] && e < g->own_off[m + 1] &&
						      g->own_part[e] < end;
				     e++) {
					uint32_t p = g->own_part[e];
					if (out[p] == KA_NONE &&
					    (!sd->grp_of || sd->grp_of[p] == k)) {
						out[p] = m;
						quota[m]--;
						units--;
					}
				}
				/* Then the group's pool, as much as m takes. */
				for (; units && quota[m]; quota[m]--, units--) {
					while (out[grp_at(sd, pool_cur[k])] != KA_NONE)
						pool_cur[k]++;
					out[grp_at(sd, pool_cur[k]++)] = m;
				}
			}
		}
	}
	return out;
}

/* ------------------------------------------------------------ rack-aware classes and groups */

#define PREP_SLABS(X)                                                                              \
	X(sub_of, uint32_t, M)                                                                     \
	X(sub_rep, uint32_t, NC)                                                                   \
	X(sub_rack, uint16_t, NC)                                                                  \
	X(sub_bit, uint8_t, RK)

#define PREP_SCRATCH(X)                                                                            \
	X(ps_off, uint32_t, C + 1)                                                                 \
	X(ps_order, uint32_t, M)                                                                   \
	X(ps_mark, uint32_t, RK + 1)                                                               \
	X(ps_id, uint32_t, RK + 1)

#define PREP_SIZES                                                                                 \
	const size_t M = g->n_members, C = g->n_member_classes, NC = d->cls, RK = g->n_racks

/*
 * (subscription class, rack) pairs: numbered class by class, a class's
 * racks in order of their first member; no rack counts as a rack here. And
 * the members' racks numbered for the rack masks (member_rack_bits).
 */
static void build_classes(const ka_group *g, const dims *d, ka__ws *w, sides *sd)
{
	PREP_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	PREP_SLABS(X)
	const size_t mark = w->used;
	PREP_SCRATCH(X)
#undef X
	memset(ps_off, 0, (C + 1) * sizeof *ps_off);
	for (uint32_t m = 0; m < M; m++)
		ps_off[g->member_class[m] + 1]++;
	for (size_t c = 0; c < C; c++)
		ps_off[c + 1] += ps_off[c];
	memcpy(sub_rep, ps_off, C * sizeof *sub_rep); /* cursors for now: NC >= C */
	for (uint32_t m = 0; m < M; m++)
		ps_order[sub_rep[g->member_class[m]]++] = m;
	memset(ps_mark, 0xff, (RK + 1) * sizeof *ps_mark);
	uint32_t n = 0;
	for (uint32_t c = 0; c < C; c++)
		for (uint32_t i = ps_off[c]; i < ps_off[c + 1]; i++) {
			uint32_t m = ps_order[i], r = g->member_rack[m];
			if (r == KA_NO_RACK)
				r = (uint32_t)RK;
			if (ps_mark[r] != c) {
				ps_mark[r] = c;
				ps_id[r] = n;
				sub_rep[n] = m;
				sub_rack[n++] = g->member_rack[m];
			}
			sub_of[m] = ps_id[r];
		}
	assert(n <= NC);
	w->used = mark;
	sd->racks = 1;
	sd->n_cls = n;
	sd->cls_of = sub_of;
	sd->cls_rep = sub_rep;
	sd->cls_rack = sub_rack;
	member_rack_bits(g, sub_bit);
	sd->rack_bit = sub_bit;
}

#define GROUP_SLABS(X)                                                                             \
	X(gr_of, uint32_t, P)                                                                      \
	X(gr_topic, uint32_t, G)                                                                   \
	X(gr_rep, uint32_t, G)                                                                     \
	X(gr_first, uint32_t, T + 1)                                                               \
	X(gr_off, uint32_t, G + 1)                                                                 \
	X(gr_part, uint32_t, P)                                                                    \
	X(gr_key, uint64_t, G)

#define GROUP_SIZES const size_t P = g->n_partitions, T = g->n_topics, G = d->grp

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

/* Topic class c and the members' racks holding a replica of p, hashed. */
static uint64_t group_hash(const ka_group *g, const uint8_t *mr, uint32_t c, uint32_t p)
{
	uint64_t h = 0xcbf29ce484222325ull ^ c;
	for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
		if (mr[g->prack[a]])
			h = (h ^ (g->prack[a] + 1u)) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

/* Whether the same members' racks hold a replica of p and of q. */
static int same_group(const ka_group *g, const uint8_t *mr, uint32_t p, uint32_t q)
{
	uint32_t a = g->prack_off[p], ae = g->prack_off[p + 1];
	uint32_t b = g->prack_off[q], be = g->prack_off[q + 1];
	for (;; a++, b++) {
		while (a < ae && !mr[g->prack[a]])
			a++;
		while (b < be && !mr[g->prack[b]])
			b++;
		if (a == ae || b == be)
			return a == ae && b == be;
		if (g->prack[a] != g->prack[b])
			return 0;
	}
}

/*
 * Partition groups: (topic class, members' racks holding a replica), through
 * a hash table over representatives, then renumbered so that each topic
 * class's groups are consecutive (classes in order, a class's groups in
 * order of their first partition). Topics of one class have the same
 * subscribers, so their partitions with the same racks are interchangeable
 * for balance and locality, and claims are counted per (member, group):
 * the flow stays exact with 3 groups instead of 3,000 on G-1M racks. Only
 * member racks matter: a replica on a rack no member sits on changes
 * nobody's locality.
 */
static void build_groups(const ka_group *g, const dims *d, ka__ws *w, sides *sd)
{
	GROUP_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	GROUP_SLABS(X)
#undef X
	const size_t mark = w->used, mask = d->table - 1;
	const uint32_t NT = g->n_topic_classes, *tcls = g->topic_class;
	uint32_t *table = ka__ws_take(w, d->table, sizeof(uint32_t));
	uint32_t *gr_cls = ka__ws_take(w, G, sizeof(uint32_t)); /* a group's topic class */
	const uint8_t *mr = sd->rack_bit;                       /* the members' racks */
	uint64_t *key = gr_key;
	memset(table, 0xff, d->table * sizeof *table);
	/* Up to 64 member racks (the usual case) a partition's racks are a bit
	 * mask (mr[r]: 1 + its bit, 0 for no member there), hashed and compared
	 * as one word; past that, the rack lists themselves (mr[r] != 0 for a
	 * member's rack). */
	const int masks = d->member_racks <= 64;
	/* First-seen numbering; gr_first counts each class's groups. */
	memset(gr_first, 0, ((size_t)NT + 1) * sizeof *gr_first);
	uint32_t n = 0;
	for (uint32_t t = 0; t < T && masks; t++) {
		const int subscribed = g->tsub_off[t + 1] > g->tsub_off[t];
		const uint32_t c = tcls[t];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			gr_of[p] = KA_NONE;
			if (!subscribed)
				continue;
			const uint64_t k = rack_mask(g, mr, p);
			uint32_t *slot = group_slot(table, mask, key, gr_cls, k, c);
			if (*slot == KA_NONE) {
				*slot = n;
				gr_topic[n] = t;
				gr_rep[n] = p;
				key[n] = k;
				gr_cls[n++] = c;
				gr_first[c + 1]++;
			}
			gr_of[p] = *slot;
		}
	}
	for (uint32_t t = 0; t < T && !masks; t++) {
		const int subscribed = g->tsub_off[t + 1] > g->tsub_off[t];
		const uint32_t c = tcls[t];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			gr_of[p] = KA_NONE;
			if (!subscribed)
				continue;
			for (size_t i = group_hash(g, mr, c, p) & mask;; i = (i + 1) & mask) {
				uint32_t e = table[i];
				if (e == KA_NONE) {
					table[i] = n;
					gr_topic[n] = t;
					gr_rep[n] = p;
					gr_first[c + 1]++;
					gr_of[p] = n++;
					break;
				}
				if (tcls[gr_topic[e]] == c && same_group(g, mr, gr_rep[e], p)) {
					gr_of[p] = e;
					break;
				}
			}
		}
	}
	assert(n <= G);
	for (uint32_t c = 0; c < NT; c++)
		gr_first[c + 1] += gr_first[c];
	/* Renumber by class: table[0, n) the new ids, table[n, 2n) scratch
	 * (n <= table / 2), gr_off the cursors for now. */
	uint32_t *renum = table, *tmp = table + n;
	memcpy(gr_off, gr_first, (size_t)NT * sizeof *gr_off);
	for (uint32_t k = 0; k < n; k++)
		renum[k] = gr_off[tcls[gr_topic[k]]]++;
	memcpy(tmp, gr_topic, (size_t)n * sizeof *tmp);
	for (uint32_t k = 0; k < n; k++)
		gr_topic[renum[k]] = tmp[k];
	memcpy(tmp, gr_rep, (size_t)n * sizeof *tmp);
	for (uint32_t k = 0; k < n; k++)
		gr_rep[renum[k]] = tmp[k];
	for (uint32_t k = 0; masks && k < n; k++)
		key[k] = rack_mask(g, mr, gr_rep[k]);
	memset(gr_off, 0, ((size_t)n + 1) * sizeof *gr_off);
	for (uint32_t p = 0; p < P; p++)
		if (gr_of[p] != KA_NONE) {
			gr_of[p] = renum[gr_of[p]];
			gr_off[gr_of[p] + 1]++;
		}
	for (uint32_t k = 0; k < n; k++)
		gr_off[k + 1] += gr_off[k];
	memcpy(table, gr_off, n * sizeof *table); /* cursors now */
	for (uint32_t p = 0; p < P; p++)
		if (gr_of[p] != KA_NONE)
			gr_part[table[gr_of[p]]++] = p;
	w->used = mark;
	sd->n_grp = n;
	sd->grp_off = gr_off;
	sd->grp_part = gr_part;
	sd->grp_of = gr_of;
	sd->grp_topic = gr_topic;
	sd->grp_first = gr_first;
	sd->grp_of_tp = tcls;
	sd->grp_rep = gr_rep;
	sd->grp_key = masks ? gr_key : NULL;
}

/* ------------------------------------------------------------ Kafka's answer, certified */

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

static size_t certify_size(const ka_group *g, const dims *d)
{
	CERT_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	CERT_SLABS(X)
#undef X
	return total + ka__flow_size((uint32_t)(2 + G + NC), G + GA);
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
static int kafka_optimal(const ka_group *g, const dims *d, const sides *sd, ka__ws *w,
			 const uint32_t *owner, uint32_t *load, levels *kafka, int *scored)
{
	*scored = 0;
	if (d->member_racks > 64)
		return 0;
	CERT_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	CERT_SLABS(X)
#undef X
	const uint32_t *tcls = g->topic_class;
	const size_t mask = d->table - 1;
	memset(ct_table, 0xff, d->table * sizeof *ct_table);
	memset(load, 0, g->n_members * sizeof *load);
	const uint8_t *ct_bit = sd->rack_bit;

	/* One pass: the groups' sizes, Kafka's levels, the valid claims. */
	uint64_t kept = 0, local = 0, claims = 0;
	uint32_t n = 0;
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
	assert(n <= G);
	*kafka = (levels){0, local, kept};
	for (uint32_t m = 0; m < g->n_members; m++)
		kafka->sq += (uint64_t)load[m] * load[m];
	*scored = 1;
	if (kept != claims)
		return 0;

	/* The groups by topic class, for each member class's arcs. */
	memset(ct_first, 0, (NT + 2) * sizeof *ct_first);
	uint64_t demand = 0;
	for (uint32_t k = 0; k < n; k++) {
		ct_first[ct_tc[k] + 2]++;
		demand += ct_n[k];
	}
	for (size_t tc = 0; tc < NT; tc++)
		ct_first[tc + 2] += ct_first[tc + 1];
	for (uint32_t k = 0; k < n; k++)
		ct_by_tc[ct_first[ct_tc[k] + 1]++] = k;

	/* Every cost the flow meets stays below weight (2 demand + 1) times
	 * the nodes: a quarter of the range. */
	const uint32_t NCs = sd->n_cls, V = 2 + n + NCs;
	const int64_t weight = (int64_t)demand + 1;
	if (cost_bound((uint64_t)weight, 2 * demand + 1, 0) < 0 ||
	    cost_bound((uint64_t)weight * (2 * demand + 1), (uint64_t)V + 2, 0) < 0)
		return 0;
	memset(ct_cls_n, 0, NCs * sizeof *ct_cls_n);
	for (uint32_t m = 0; m < g->n_members; m++)
		ct_cls_n[sd->cls_of[m]] += g->sub_off[m + 1] > g->sub_off[m];
	ka__flow f;
	ka__flow_init(&f, w, V, n + GA, 0, 1, weight);
	for (uint32_t k = 0; k < n; k++)
		ka__flow_arc(&f, 0, 2 + k, ct_n[k], 0);
	memset(ct_mark, 0xff, NT * sizeof *ct_mark);
	size_t n_arcs = 0;
	for (uint32_t c = 0, scan = 0; c < NCs; c++) {
		const uint32_t m = class_rep(sd, c, &scan), r = sd->cls_rack[c];
		const uint32_t b = r != KA_NO_RACK ? ct_bit[r] : 0;
		if (!ct_cls_n[c])
			continue;
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++) {
			const uint32_t tc = tcls[g->sub_topic[s]];
			if (ct_mark[tc] == c)
				continue;
			ct_mark[tc] = c;
			for (uint32_t j = ct_first[tc]; j < ct_first[tc + 1]; j++) {
				const uint32_t k = ct_by_tc[j];
				const int remote = !(b && ((ct_key[k] >> (b - 1)) & 1));
				assert(n_arcs < GA);
				ct_arc_k[n_arcs] = k;
				ct_arc_c[n_arcs] = c;
				ct_arc[n_arcs++] = ka__flow_arc(&f, 2 + k, 2 + n + c, -1, remote);
			}
		}
		ka__flow_sink(&f, 2 + n + c, ct_cls_n[c]);
	}
	if (ka__flow_run(&f, (int64_t)demand) != (int64_t)demand)
		return 0; /* cannot happen: Kafka assigned them */

	/* The optimum's loads spread evenly within each class, its remote
	 * placements on the arcs. */
	uint64_t sq_opt = 0, remote_opt = 0;
	for (uint32_t c = 0; c < NCs; c++) {
		const uint64_t x = (uint64_t)f.sink_x[2 + n + c], nc = ct_cls_n[c];
		if (!nc)
			continue;
		const uint64_t q = x / nc, extra = x % nc;
		sq_opt += extra * (q + 1) * (q + 1) + (nc - extra) * q * q;
	}
	for (size_t a = 0; a < n_arcs; a++) {
		const uint32_t k = ct_arc_k[a], r = sd->cls_rack[ct_arc_c[a]];
		const uint32_t b = r != KA_NO_RACK ? ct_bit[r] : 0;
		if (!(b && ((ct_key[k] >> (b - 1)) & 1)))
			remote_opt += (uint64_t)ka__flow_on(&f, ct_arc[a]);
	}
	return kafka->sq == sq_opt && local == demand - remote_opt;
}

/* ------------------------------------------------------------ the strategies */

/* build_groups' scratch: the hash slots, a class a group. */
static size_t groups_scratch_size(const ka_group *g, const dims *d)
{
	(void)g;
	return ka__ws_need(ka__ws_need(0, d->table, sizeof(uint32_t)), d->grp, sizeof(uint32_t));
}

static size_t general_size(const ka_group *g, const dims *d)
{
	GENERAL_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	GENERAL_SLABS(X)
#undef X
	return total;
}

static size_t constrained_size(const ka_group *g, int racks)
{
	size_t M = g->n_members, K = g->n_partitions, R = g->n_racks, total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	CONSTRAINED_SLABS(X)
	if (racks) {
		RACKRR_SLABS(X)
	}
#undef X
	return total;
}

static size_t prep_size(const ka_group *g, const dims *d)
{
	PREP_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	PREP_SLABS(X)
#undef X
	(void)C;
	return total;
}

static size_t prep_scratch_size(const ka_group *g, const dims *d)
{
	PREP_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	PREP_SCRATCH(X)
#undef X
	(void)NC;
	return total;
}

static size_t groups_size(const ka_group *g, const dims *d)
{
	GROUP_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	GROUP_SLABS(X)
#undef X
	return total;
}

/*
 * For Kafka's balancing loop (replay.c): the partitions its greedy kept from
 * their previous owner, and whether a claim on a subscribed topic was
 * dropped (no longer subscribed, or rack-aware mismatched), which makes
 * Kafka skip its first pass.
 */
static int kept_claims(const ka_group *g, int racks, uint8_t *kept)
{
	int revocation = 0;
	uint32_t t = 0;
	for (uint32_t p = 0; p < g->n_partitions; p++) {
		topic_from(g, p, &t);
		const uint32_t m = g->prev_owner[p];
		kept[p] = 0;
		if (m == KA_NONE || g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		if (ka__subscribes(g, m, t) && !(racks && mismatch(g, m, p)))
			kept[p] = 1;
		else
			revocation = 1;
	}
	return revocation;
}

/* The replay's answer, in a slab that outlasts the optimum (taken first),
 * or NULL when the group is not replayed. */
static const uint32_t *kafka_replay(const ka_group *g, ka__ws *w, const uint32_t *greedy, int racks)
{
	if (!ka__replay_size(g))
		return NULL;
	uint32_t *rep = ka__ws_take(w, g->n_partitions, sizeof(uint32_t));
	const size_t mark = w->used;
	uint8_t *kept = ka__ws_take(w, g->n_partitions, 1);
	const int revocation = kept_claims(g, racks, kept);
	const int ok = ka__replay_balance(g, w, greedy, kept, revocation, rep);
	w->used = mark;
	return ok ? rep : NULL;
}

/*
 * Whether `optimal` tries Kafka's balancing loop (to keep Kafka's answer
 * where its end is optimal too): on groups up to 65,536 partitions +
 * subscriptions + members. The loop is quadratic; past that the optimum is
 * given directly. `sticky` replays it at every size.
 */
static int replay_small(const ka_group *g)
{
	return (uint64_t)g->n_partitions + g->sub_off[g->n_members] + g->n_members <= 65536;
}

/* Room for kafka_replay() in front of `rest`. */
static size_t replay_part(const ka_group *g, size_t rest)
{
	const size_t r = ka__replay_size(g);
	if (!r)
		return rest;
	const size_t P = g->n_partitions;
	return ka__ws_need(0, P, sizeof(uint32_t)) + max_size(ka__ws_need(0, P, 1) + r, rest);
}

/* a at least as good as b: balance, then locality, then stickiness. */
static int at_least(levels a, levels b)
{
	if (a.sq != b.sq)
		return a.sq < b.sq;
	if (a.local != b.local)
		return a.local > b.local;
	return a.kept >= b.kept;
}

/*
 * Layout: the loads (for the objective), rack-aware the member classes,
 * then from one mark either Kafka's procedure or what comes after it (the
 * balance certificate, or the groups and the optimum).
 */
static size_t optimal_run_size(const ka_group *g, const dims *d)
{
	const int homogeneous = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
	const size_t load = ka__ws_need(0, g->n_members, sizeof(uint32_t));
	if (!d->racks) {
		if (homogeneous)
			return constrained_size(g, 0);
		size_t NT = g->n_topic_classes, tc = 0;
		tc = ka__ws_need(tc, NT, sizeof(uint32_t));              /* tc_topic */
		tc = ka__ws_need(tc, NT + 1, sizeof(uint32_t));          /* tc_off */
		tc = ka__ws_need(tc, g->n_partitions, sizeof(uint32_t)); /* tc_part */
		tc = ka__ws_need(tc, NT, sizeof(uint32_t));              /* tc_cur */
		size_t later =
		    max_size(replay_part(g, tc + optimal_size(g, d)), ka__certify_size(g));
		return max_size(general_size(g, d), later) + load;
	}
	size_t kafka = homogeneous ? constrained_size(g, 1) : general_size(g, d);
	size_t table = groups_scratch_size(g, d);
	size_t after = groups_size(g, d) + max_size(table, optimal_size(g, d));
	if (!homogeneous)
		after = replay_part(g, after);
	after = max_size(after, max_size(certify_size(g, d), ka__certify_size(g)));
	return load + prep_size(g, d) + max_size(prep_scratch_size(g, d), max_size(kafka, after));
}

/*
 * Kafka's procedure, kept when it is optimal. Without racks, the greedy
 * keeps every valid claim: when it is also as balanced as the optimum it is
 * the optimum (nothing can keep more), and it is Kafka's own answer;
 * otherwise the optimum stands. Rack-aware, Kafka drops mismatched claims,
 * so neither locality nor stickiness is certain: Kafka's answer stays when
 * kafka_optimal certifies it, else the optimum runs and Kafka's answer
 * stays only if it reaches all three levels.
 */
static int optimal_run(const ka_group *g, const dims *d, void *ws, size_t ws_size, uint32_t *owner)
{
	ka__ws w;
	ka__ws_init(&w, ws, ws_size);
	const int homogeneous = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
	if (!d->racks && homogeneous) {
		assign_constrained(g, &w, 0, owner);
		return 0;
	}
	uint32_t *load = ka__ws_take(&w, g->n_members, sizeof(uint32_t));
	if (!d->racks) {
		const sides sd = {.n_cls = g->n_member_classes,
				  .cls_of = g->member_class,
				  .n_grp = g->n_topics,
				  .grp_off = g->topic_off};
		const size_t mark = w.used;
		assign_general(g, d, &sd, &w, owner);
		levels kafka = objective(g, NULL, owner, load);
		w.used = mark;
		if (ka__certify_balance(g, owner, &w))
			return 0;
		w.used = mark;
		const uint32_t *rep = replay_small(g) ? kafka_replay(g, &w, owner, 0) : NULL;
		/*
		 * The optimum works on topic classes: topics with the same
		 * subscribers are interchangeable, so a group of them is one
		 * supply node (3 instead of 1,000 on the heterogeneous grids).
		 */
		const uint32_t T = g->n_topics, NT = g->n_topic_classes, P = g->n_partitions;
		uint32_t *tc_topic = ka__ws_take(&w, NT, sizeof(uint32_t));
		uint32_t *tc_off = ka__ws_take(&w, (size_t)NT + 1, sizeof(uint32_t));
		uint32_t *tc_part = ka__ws_take(&w, P, sizeof(uint32_t));
		uint32_t *tc_cur = ka__ws_take(&w, NT, sizeof(uint32_t));
		memset(tc_off, 0, ((size_t)NT + 1) * sizeof *tc_off);
		for (uint32_t t = T; t-- > 0;) {
			tc_topic[g->topic_class[t]] = t; /* ends as the first topic */
			tc_off[g->topic_class[t] + 1] += g->topic_off[t + 1] - g->topic_off[t];
		}
		for (uint32_t k = 0; k < NT; k++)
			tc_off[k + 1] += tc_off[k];
		memcpy(tc_cur, tc_off, NT * sizeof *tc_cur);
		for (uint32_t t = 0; t < T; t++)
			for (uint32_t q = g->topic_off[t]; q < g->topic_off[t + 1]; q++)
				tc_part[tc_cur[g->topic_class[t]]++] = q;
		const sides tc = {.n_cls = g->n_member_classes,
				  .cls_of = g->member_class,
				  .n_grp = NT,
				  .grp_off = tc_off,
				  .grp_part = tc_part,
				  .grp_topic = tc_topic,
				  .grp_of_tp = g->topic_class};
		int exact;
		const uint32_t *opt = assign_optimal(g, d, &tc, &w, &exact);
		levels best = objective(g, NULL, opt, load);
		assert(best.sq <= kafka.sq);
		if (rep && at_least(objective(g, NULL, rep, load), best))
			memcpy(owner, rep, g->n_partitions * sizeof *owner); /* Kafka's, optimal */
		else if (best.sq < kafka.sq)
			memcpy(owner, opt, g->n_partitions * sizeof *owner);
		return 0;
	}

	sides sd;
	memset(&sd, 0, sizeof sd);
	build_classes(g, d, &w, &sd);
	const size_t mark = w.used;
	if (homogeneous)
		assign_constrained(g, &w, 1, owner);
	else
		assign_general(g, d, &sd, &w, owner);
	w.used = mark;
	levels kafka;
	int scored = 0;
	/* Unequal subscriptions: Kafka's greedy can fall short of the best
	 * balance, and certify.c tells that cheaper than kafka_optimal. */
	const int balanced = homogeneous || ka__certify_balance(g, owner, &w);
	w.used = mark;
	if (balanced && kafka_optimal(g, d, &sd, &w, owner, load, &kafka, &scored))
		return 0;
	w.used = mark;
	const uint32_t *rep =
	    homogeneous || !replay_small(g) ? NULL : kafka_replay(g, &w, owner, 1);
	build_groups(g, d, &w, &sd);
	int exact;
	const uint32_t *opt = assign_optimal(g, d, &sd, &w, &exact);
	/* Kafka's greedy short of the best balance (which the optimum always
	 * reaches) and not replayed: the optimum, without scoring either. */
	if (!balanced && !rep) {
		memcpy(owner, opt, g->n_partitions * sizeof *owner);
		return 0;
	}
	const levels best = objective(g, &sd, opt, load);
	if (rep && at_least(objective(g, &sd, rep, load), best)) {
		memcpy(owner, rep, g->n_partitions * sizeof *owner); /* Kafka's, optimal */
		return 0;
	}
	if (!scored)
		kafka = objective(g, &sd, owner, load);
	/* Exact, the optimum is never worse; kept only where Kafka falls short. */
	const int better =
	    best.sq < kafka.sq ||
	    (best.sq == kafka.sq &&
	     (best.local > kafka.local || (best.local == kafka.local && best.kept > kafka.kept)));
	assert(better || !exact ||
	       (best.sq == kafka.sq && best.local == kafka.local && best.kept == kafka.kept));
	assert(better || balanced);
	if (better)
		memcpy(owner, opt, g->n_partitions * sizeof *owner);
	return 0;
}

/*
 * Kafka's own procedure, with nothing substituted: equal subscriptions the
 * constrained path; otherwise the greedy, and, unless its balance is
 * certified optimal (then Kafka's isBalanced() holds from the start and its
 * loop moves nothing), the balancing loop replayed move for move (replay.c).
 * Where Kafka would throw, or move a partition to a member that no longer
 * subscribes (a previous owner it does not check), there is no answer of
 * Kafka's to give: the greedy's stands.
 */
static size_t kafka_run_size(const ka_group *g, const dims *d)
{
	const int homogeneous = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
	if (!d->racks && homogeneous)
		return constrained_size(g, 0);
	if (!d->racks)
		return max_size(general_size(g, d),
				max_size(ka__certify_size(g), replay_part(g, 0)));
	if (homogeneous)
		return prep_size(g, d) + max_size(prep_scratch_size(g, d), constrained_size(g, 1));
	const size_t after =
	    max_size(general_size(g, d), max_size(ka__certify_size(g), replay_part(g, 0)));
	return prep_size(g, d) + max_size(prep_scratch_size(g, d), after);
}

static int kafka_run(const ka_group *g, const dims *d, void *ws, size_t ws_size, uint32_t *owner)
{
	ka__ws w;
	ka__ws_init(&w, ws, ws_size);
	const int homogeneous = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
	if (!d->racks && homogeneous) {
		assign_constrained(g, &w, 0, owner);
		return 0;
	}
	sides sd;
	memset(&sd, 0, sizeof sd);
	if (d->racks) {
		build_classes(g, d, &w, &sd);
		if (homogeneous) {
			assign_constrained(g, &w, 1, owner);
			return 0;
		}
	} else {
		sd.n_cls = g->n_member_classes;
		sd.cls_of = g->member_class;
		sd.n_grp = g->n_topics;
		sd.grp_off = g->topic_off;
	}
	const size_t mark = w.used;
	assign_general(g, d, &sd, &w, owner);
	w.used = mark;
	if (ka__certify_balance(g, owner, &w))
		return 0;
	w.used = mark;
	const uint32_t *rep = kafka_replay(g, &w, owner, d->racks);
	if (rep)
		memcpy(owner, rep, g->n_partitions * sizeof *owner);
	return 0;
}

size_t ka__sticky_workspace_size(const ka_group *g)
{
	dims d;
	dims_compute(g, &d, RACKS_KAFKA);
	return kafka_run_size(g, &d);
}

int ka__sticky_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	dims d;
	dims_compute(g, &d, RACKS_KAFKA);
	if (ws_size < kafka_run_size(g, &d))
		return KA_EWORKSPACE;
	return kafka_run(g, &d, ws, ws_size, owner);
}

size_t ka__optimal_workspace_size(const ka_group *g)
{
	dims d;
	dims_compute(g, &d, RACKS_KAFKA);
	return optimal_run_size(g, &d);
}

int ka__optimal_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	dims d;
	dims_compute(g, &d, RACKS_KAFKA);
	if (ws_size < optimal_run_size(g, &d))
		return KA_EWORKSPACE;
	return optimal_run(g, &d, ws, ws_size, owner);
}

/* Room for the withholding's bit set after the plan. */
static size_t cooperative_size(size_t plan, const ka_group *g)
{
	return max_size(plan, ((size_t)g->n_partitions + 7) / 8);
}

/*
 * A cooperative round of kassign's own plans: every partition whose owner
 * changes while another member still lists it as owned waits for the
 * follow-up round (that member revokes it first), and so does a partition
 * contested by several claimants of the top generation. What keeps its
 * previous owner, or goes to a member nobody else claims it from, is given
 * now.
 */
static void withhold_handovers(const ka_group *g, void *ws, uint32_t *owner)
{
	uint8_t *others = ws; /* bit p: a member other than its new owner lists p */
	memset(others, 0, ((size_t)g->n_partitions + 7) / 8);
	for (uint32_t m = 0; m < g->n_members; m++)
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			const uint32_t p = g->own_part[k];
			if (owner[p] != m)
				others[p >> 3] |= (uint8_t)(1u << (p & 7));
		}
	for (uint32_t p = 0; p < g->n_partitions; p++)
		if (owner[p] != g->prev_owner[p] && (others[p >> 3] >> (p & 7) & 1))
			owner[p] = KA_NONE;
	for (uint32_t i = 0; i < g->n_contested; i++)
		owner[g->contested[i]] = KA_NONE;
}

/* A kassign plan's cooperative round: the plan, then its handovers withheld. */
static int cooperative_round(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner,
			     size_t need, int (*plan)(const ka_group *, void *, size_t, uint32_t *))
{
	if (ws_size < need)
		return KA_EWORKSPACE;
	int rc = plan(g, ws, ws_size, owner);
	if (rc == 0)
		withhold_handovers(g, ws, owner);
	return rc;
}

size_t ka__cooperative_optimal_workspace_size(const ka_group *g)
{
	return cooperative_size(ka__optimal_workspace_size(g), g);
}

int ka__cooperative_optimal_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	return cooperative_round(g, ws, ws_size, owner, ka__cooperative_optimal_workspace_size(g),
				 ka__optimal_assign);
}

size_t ka__cooperative_locality_workspace_size(const ka_group *g)
{
	return cooperative_size(ka__locality_workspace_size(g), g);
}

int ka__cooperative_locality_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	return cooperative_round(g, ws, ws_size, owner, ka__cooperative_locality_workspace_size(g),
				 ka__locality_assign);
}

size_t ka__cooperative_sticky_workspace_size(const ka_group *g)
{
	return cooperative_size(ka__sticky_workspace_size(g), g);
}

int ka__cooperative_sticky_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	if (ws_size < ka__cooperative_sticky_workspace_size(g))
		return KA_EWORKSPACE;
	int rc = ka__sticky_assign(g, ws, ws_size, owner);
	if (rc)
		return rc;
	if (g->flags & KA_GROUP_HOMOGENEOUS) {
		/* Kafka's constrained path: claims beyond a quota, and contested
		 * partitions, dealt to someone. */
		for (uint32_t p = 0; p < g->n_partitions; p++) {
			uint32_t prev = g->prev_owner[p];
			if (prev != KA_NONE && owner[p] != prev)
				owner[p] = KA_NONE;
		}
		for (uint32_t i = 0; i < g->n_contested; i++)
			owner[g->contested[i]] = KA_NONE;
		return 0;
	}
	/*
	 * Kafka's general path: a partition is withheld when its new owner did
	 * not list it as owned and some other member did (that one must revoke
	 * it first). A member still listing an older generation's claim may
	 * take the partition back at once.
	 */
	uint8_t *owner_claims = ws; /* bit p: the new owner lists p */
	memset(owner_claims, 0, ((size_t)g->n_partitions + 7) / 8);
	for (uint32_t m = 0; m < g->n_members; m++)
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			if (owner[p] == m)
				owner_claims[p >> 3] |= (uint8_t)(1u << (p & 7));
		}
	for (uint32_t m = 0; m < g->n_members; m++)
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			if (owner[p] != KA_NONE && owner[p] != m &&
			    !(owner_claims[p >> 3] & (1u << (p & 7))))
				owner[p] = KA_NONE;
		}
	return 0;
}

/*
 * The fewest moves among the most balanced assignments, racks left out:
 * the sticky plan without locality is exactly that (docs/metrics.md).
 */
size_t ka__min_moves_size(const ka_group *g)
{
	dims d;
	dims_compute(g, &d, RACKS_OFF);
	return ka__ws_need(optimal_run_size(g, &d), g->n_partitions, sizeof(uint32_t));
}

uint32_t ka__min_moves(const ka_group *g, void *ws, size_t ws_size)
{
	dims d;
	dims_compute(g, &d, RACKS_OFF);
	size_t plan = optimal_run_size(g, &d);
	assert(ws_size >= ka__min_moves_size(g));
	(void)ws_size; /* read by the assertion only */
	uint32_t *owner =
	    (uint32_t *)(void *)((unsigned char *)ws + plan); /* plan: 64-byte slabs */
	optimal_run(g, &d, ws, plan, owner);
	uint32_t moved = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			moved += g->prev_owner[p] != KA_NONE && owner[p] != g->prev_owner[p];
	}
	return moved;
}

/*
 * The lexicographic optimum (balance, locality, moves) with locality counted
 * whenever members and partitions both have racks, Kafka's rule or not: the
 * locality strategy (locality.c). Without racks on both sides locality is
 * void and the sticky plan without racks is that optimum. Otherwise the
 * rack-aware classes and groups and the min-cost flow, without Kafka's
 * procedure in front.
 */
static size_t optimum_size(const ka_group *g, const dims *d)
{
	if (!d->racks)
		return optimal_run_size(g, d);
	size_t table = groups_scratch_size(g, d);
	size_t after = groups_size(g, d) + max_size(table, optimal_size(g, d));
	return prep_size(g, d) + max_size(prep_scratch_size(g, d), after);
}

size_t ka__sticky_optimum_size(const ka_group *g)
{
	dims d;
	dims_compute(g, &d, RACKS_FORCED);
	return optimum_size(g, &d);
}

int ka__sticky_optimum(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner, int *exact)
{
	dims d;
	dims_compute(g, &d, RACKS_FORCED);
	if (ws_size < optimum_size(g, &d))
		return KA_EWORKSPACE;
	*exact = 1;
	if (!d.racks)
		return optimal_run(g, &d, ws, ws_size, owner);
	ka__ws w;
	ka__ws_init(&w, ws, ws_size);
	sides sd;
	memset(&sd, 0, sizeof sd);
	build_classes(g, &d, &w, &sd);
	build_groups(g, &d, &w, &sd);
	const uint32_t *opt = assign_optimal(g, &d, &sd, &w, exact);
	memcpy(owner, opt, g->n_partitions * sizeof *owner);
	return 0;
}
