/*
 * broker_range.c - Kafka's group-coordinator RangeAssignor
 * (org.apache.kafka.coordinator.group.assignor.RangeAssignor, the assignor a
 * KIP-848 consumer gets with group.remote.assignor=range), as in Kafka's trunk
 * after 4.1, where it gained a rack-aware pass. It is not the client's range
 * (range.c): it never looks at the current target assignment, matches racks
 * only when every member subscribes to the same topics, and matches them by a
 * different rule.
 *
 * Members are sorted as Kafka's sortMemberIds sorts them: static members
 * first, by instance id, then the others by member id (Java String order):
 * the model's member order. Per topic, with n subscribers and P partitions,
 * minQ = P / n and the first P % n subscribers in that order take minQ + 1.
 * Without the rack pass each takes the next consecutive range, so topics of
 * equal size and subscribers are co-partitioned. Example: members A < B,
 * topics t1 (3 partitions) and t3 (2): A t1 [0,1] t3 [0], B t1 [2] t3 [1].
 *
 * The rack pass runs only for a homogeneous group, when some member has a
 * rack, some subscribed partition has a replica on one of the members' racks,
 * and the subscribed partitions do not all sit on the same set of racks.
 *   - All subscribed topics of one partition count (two or more topics):
 *     partition i of every topic goes to the first member, in order, that
 *     is still taking and whose rack holds partition i of every topic. A
 *     member takes at most minQ + 1 if there are extras, and leaves once it
 *     reaches minQ + 1, or minQ when its count is past the number of extras.
 *   - Otherwise, topic by topic: each partition in order goes to the first
 *     member with fewer than minQ + (count < extras) partitions on its rack.
 * A member without a rack matches every partition. Then every member in
 * order gets minQ, plus one while extras last, topped up from the lowest
 * unassigned partitions. When the rack pass gave members more extras than
 * there are, a later member finds nothing left, and Kafka then hands it a
 * range from partition 0 that replaces what it held: partitions owned twice
 * and others by nobody. That is not an assignment owner[] can hold;
 * broker-range returns KA_EKAFKA there rather than a different answer.
 *
 * Topics nobody subscribes to, or missing from the scenario, are left out
 * (the coordinator resolves subscribed names against its metadata and passes
 * topic ids of existing topics only).
 *
 * Cost: O(P) writes without the rack pass. Whether it runs is Kafka's test
 * over every subscribed partition's racks; a topic whose partitions all sit
 * on the first one's racks is checked in two sweeps over its arrays. With
 * the pass, the members wait in one queue per rack (and one for members
 * without a rack); a member's leaving is permanent and only the front member
 * of a queue ever takes a partition, so every decision looks at the replica
 * racks of the partition only:
 * O(P x replicas + T x (M + R)) where Kafka scans every member per partition.
 */
#include <string.h>

#include "internal.h"

/* The rack pass is possible only for these groups; others need no workspace. */
static int rack_pass_possible(const ka_group *g)
{
	const uint32_t need =
	    KA_GROUP_HOMOGENEOUS | KA_GROUP_MEMBER_RACKS | KA_GROUP_PARTITION_RACKS;
	return (g->flags & need) == need && g->n_members > 0;
}

#define BRANGE_SLABS(X)                                                                            \
	X(cnt, uint32_t, M)                                                                        \
	X(boff, uint32_t, R + 2)                                                                   \
	X(bcur, uint32_t, R + 1)                                                                   \
	X(bmem, uint32_t, M)                                                                       \
	X(mark, uint8_t, R + 1)                                                                    \
	X(alive, uint8_t, A)

#define BRANGE_SIZES                                                                               \
	size_t M = g->n_members, R = g->n_racks, A = g->prack_off[g->n_partitions];                \
	(void)M;                                                                                   \
	(void)R;                                                                                   \
	(void)A

size_t ka__broker_range_workspace_size(const ka_group *g)
{
	if (!rack_pass_possible(g))
		return 0;
	BRANGE_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	BRANGE_SLABS(X)
#undef X
	return total;
}

/* Consecutive ranges over the subscribers subs[0..n) in order. */
static void plain_ranges(const uint32_t *subs, uint32_t n, uint32_t off, uint32_t P,
			 uint32_t *owner)
{
	uint32_t q = P / n, r = P % n, p = off;
	for (uint32_t i = 0; i < n && p < off + P; i++) {
		uint32_t len = q + (i < r);
		for (uint32_t k = 0; k < len; k++)
			owner[p++] = subs[i];
	}
}

/* ------------------------------------------------------------ the rack pass */

typedef struct brange {
	const ka_group *g;
	uint32_t *cnt;  /* [M] partitions taken in the rack pass */
	uint32_t *boff; /* [R + 2] queue b holds bmem[boff[b]..boff[b+1]) */
	uint32_t *bcur; /* [R + 1] front of each queue */
	uint32_t *bmem; /* [M] members by rack (no rack last), in order */
	uint8_t *mark;  /* [R + 1] racks some member has */
	/* [replica racks] co-partitioned: whether the j-th replica rack of
	 * partition i of the first topic holds partition i of every topic */
	uint8_t *alive;
	uint32_t R;
} brange;

static inline int same_racks(const ka_group *g, uint32_t p, uint32_t q)
{
	uint32_t a = g->prack_off[p], n = g->prack_off[p + 1] - a, b = g->prack_off[q];
	if (n != g->prack_off[q + 1] - b)
		return 0;
	for (uint32_t j = 0; j < n; j++)
		if (g->prack[a + j] != g->prack[b + j])
			return 0;
	return 1;
}

/* Whether partitions p..e-1 all have partition first's rack list, checked
 * over the whole run at once: each list as long as first's, so the offsets
 * step by that length, and the racks one list apart equal (the flat array
 * is first's list over and over). A sufficient test, used to skip a topic;
 * false sends the caller through the topic partition by partition. */
static int uniform_run(const ka_group *g, uint32_t first, uint32_t p, uint32_t e)
{
	const uint32_t *off = g->prack_off;
	const uint32_t n = off[first + 1] - off[first], base = off[p];
	/* p's list is first's, so off[e] >= base + n; the racks, which differ
	 * early where the lists do, go before the offsets. */
	if (n == 0 || p >= e || !same_racks(g, first, p) ||
	    memcmp(g->prack + base, g->prack + base + n,
		   (size_t)(off[e] - base - n) * sizeof *g->prack) != 0)
		return 0;
	unsigned stepped = 1;
	for (uint32_t q = p; q <= e; q++)
		stepped &= off[q] == base + (q - p) * n;
	return stepped;
}

/* Kafka's shouldUseRackAwareAssignment over the subscribed topics tops[0..k):
 * a member rack among the replica racks, and two distinct non-empty replica
 * rack sets. */
static int use_racks(brange *x, const uint32_t *tops, uint32_t k)
{
	const ka_group *g = x->g;
	int overlap = 0;
	uint32_t first = KA_NONE, distinct = 0;
	for (uint32_t i = 0; i < k && !(overlap && distinct); i++) {
		const uint32_t end = g->topic_off[tops[i] + 1];
		/* A topic on the first partition's racks throughout changes
		 * neither answer; with three replicas on three racks every
		 * topic is such a run, and the scan reads each list once. */
		if (first != KA_NONE && uniform_run(g, first, g->topic_off[tops[i]], end))
			continue;
		for (uint32_t p = g->topic_off[tops[i]]; p < end; p++) {
			uint32_t a = g->prack_off[p], b = g->prack_off[p + 1];
			if (a == b)
				continue;
			for (uint32_t j = a; j < b && !overlap; j++)
				overlap = x->mark[g->prack[j]];
			if (first == KA_NONE)
				first = p;
			else if (!distinct && !same_racks(g, first, p))
				distinct = 1;
			if (overlap && distinct)
				break;
		}
	}
	return overlap && distinct;
}

static void reset_queues(brange *x)
{
	memcpy(x->bcur, x->boff, (size_t)(x->R + 1) * sizeof *x->bcur);
	memset(x->cnt, 0, (size_t)x->g->n_members * sizeof *x->cnt);
}

static inline uint32_t front(const brange *x, uint32_t b)
{
	return x->bcur[b] < x->boff[b + 1] ? x->bmem[x->bcur[b]] : KA_NONE;
}

/* The first member still taking among those without a rack and those on
 * one of partition p's replica racks; ok[j] (NULL: all) says whether the j-th
 * of those racks qualifies. */
static uint32_t first_taker(const brange *x, uint32_t p, const uint8_t *ok)
{
	const ka_group *g = x->g;
	uint32_t best = front(x, x->R), a = g->prack_off[p];
	for (uint32_t j = a; j < g->prack_off[p + 1]; j++) {
		uint32_t c = front(x, g->prack[j]);
		if (c < best && (!ok || ok[j - a]))
			best = c;
	}
	return best;
}

static inline uint32_t queue_of(const brange *x, uint32_t m)
{
	uint16_t r = x->g->member_rack[m];
	return r == KA_NO_RACK ? x->R : r;
}

/* assignCoPartitionedWithRackMatching: partition i of all k topics at once.
 * Writes the first topic only; the others get the same pattern after its
 * completion (their counts and unassigned partitions are the same). Which
 * racks hold partition i of every topic is found topic by topic first, so
 * memory is read in order. */
static void copartitioned(brange *x, const uint32_t *tops, uint32_t k, uint32_t *owner)
{
	const ka_group *g = x->g;
	uint32_t off0 = g->topic_off[tops[0]], N = g->topic_off[tops[0] + 1] - off0;
	uint32_t M = g->n_members, q = N / M, extra = N % M, cap = q + (extra > 0);
	const uint32_t base = g->prack_off[off0];
	memset(x->alive, 1, g->prack_off[off0 + N] - base);
	/* Both rack lists are ascending: one merge a partition, no search. */
	const uint32_t *prack_off = g->prack_off;
	const uint16_t *prack = g->prack;
	for (uint32_t t = 1; t < k; t++) {
		uint32_t off = g->topic_off[tops[t]];
		for (uint32_t i = 0; i < N; i++) {
			uint32_t a = prack_off[off0 + i], a_end = prack_off[off0 + i + 1];
			uint32_t b = prack_off[off + i], b_end = prack_off[off + i + 1];
			uint8_t *alive = x->alive + (a - base);
			for (uint32_t j = a; j < a_end; j++) {
				if (!alive[j - a])
					continue;
				uint16_t r = prack[j];
				while (b < b_end && prack[b] < r)
					b++;
				alive[j - a] = (uint8_t)(b < b_end && prack[b] == r);
			}
		}
	}
	reset_queues(x);
	for (uint32_t i = 0; i < N; i++) {
		uint32_t p = off0 + i;
		uint32_t m = first_taker(x, p, x->alive + (g->prack_off[p] - base));
		if (m == KA_NONE)
			continue;
		owner[p] = m;
		uint32_t c = ++x->cnt[m];
		/* Leaves remainingMembers at its quota; the filter stops it at cap. */
		if (c >= q + (c <= extra) || c >= cap)
			x->bcur[queue_of(x, m)]++;
	}
}

/* assignTopicWithRackMatching for one topic. */
static void lone_topic(brange *x, uint32_t t, uint32_t *owner)
{
	const ka_group *g = x->g;
	uint32_t off = g->topic_off[t], N = g->topic_off[t + 1] - off, M = g->n_members;
	uint32_t q = N / M, extra = N % M;
	/* count < q + (count < extra) holds exactly while count < cap. */
	uint32_t cap = q + (q < extra);
	reset_queues(x);
	for (uint32_t p = off; p < off + N; p++) {
		uint32_t m = first_taker(x, p, NULL);
		if (m == KA_NONE)
			continue;
		owner[p] = m;
		if (++x->cnt[m] >= cap)
			x->bcur[queue_of(x, m)]++;
	}
}

/* completeAssignment for one topic after its rack pass: each member in order
 * tops up to minQ (+ 1 while extras last) from the lowest unassigned
 * partitions. Returns KA_EKAFKA where Kafka's fallback range would overwrite
 * a member's partitions with others' (see the top of the file). */
static int complete_topic(brange *x, uint32_t t, uint32_t *owner)
{
	const ka_group *g = x->g;
	uint32_t off = g->topic_off[t], N = g->topic_off[t + 1] - off, M = g->n_members;
	uint32_t q = N / M, extra = N % M, cur = off, next_range = 0;
	for (uint32_t m = 0; m < M; m++) {
		uint32_t quota = q;
		if (extra) {
			quota++;
			extra--;
		}
		if (quota <= x->cnt[m])
			continue;
		uint32_t need = quota - x->cnt[m];
		while (cur < off + N && owner[cur] != KA_NONE)
			cur++;
		if (cur < off + N) {
			for (; need && cur < off + N; cur++)
				if (owner[cur] == KA_NONE) {
					owner[cur] = m;
					need--;
				}
			continue;
		}
		/* Nothing left: Kafka puts RangeSet(nextRange, end) in place of
		 * what m holds. Harmless only where that is exactly what m holds. */
		uint32_t end = next_range + need < N ? next_range + need : N;
		if (next_range < end) {
			if (x->cnt[m] != end - next_range)
				return KA_EKAFKA;
			for (uint32_t p = next_range; p < end; p++)
				if (owner[off + p] != m)
					return KA_EKAFKA;
			next_range = end;
		}
	}
	return 0;
}

/* The rack pass and its completion; 1 when it ran, 0 when Kafka's rule says
 * plain ranges, or KA_EKAFKA. */
static int assign_with_racks(const ka_group *g, ka__ws *w, uint32_t *owner)
{
	BRANGE_SIZES;
	brange x = {.g = g, .R = (uint32_t)R};
#define X(name, type, n) x.name = ka__ws_take(w, (n), sizeof(type));
	BRANGE_SLABS(X)
#undef X
	const uint32_t *tops = g->sub_topic + g->sub_off[0];
	uint32_t k = g->sub_off[1] - g->sub_off[0];

	memset(x.mark, 0, R + 1);
	memset(x.boff, 0, (R + 2) * sizeof *x.boff);
	for (uint32_t m = 0; m < M; m++) {
		uint32_t b = queue_of(&x, m);
		if (b < R)
			x.mark[b] = 1;
		x.boff[b + 1]++;
	}
	if (!use_racks(&x, tops, k))
		return 0;
	for (size_t b = 0; b <= R; b++)
		x.boff[b + 1] += x.boff[b];
	memcpy(x.bcur, x.boff, (R + 1) * sizeof *x.bcur);
	for (uint32_t m = 0; m < M; m++)
		x.bmem[x.bcur[queue_of(&x, m)]++] = m;

	for (uint32_t i = 0; i < k; i++)
		for (uint32_t p = g->topic_off[tops[i]]; p < g->topic_off[tops[i] + 1]; p++)
			owner[p] = KA_NONE;
	int copart = k > 1;
	for (uint32_t i = 1; i < k && copart; i++)
		copart = g->topic_off[tops[i] + 1] - g->topic_off[tops[i]] ==
			 g->topic_off[tops[0] + 1] - g->topic_off[tops[0]];
	if (copart) {
		copartitioned(&x, tops, k, owner);
		int rc = complete_topic(&x, tops[0], owner);
		if (rc)
			return rc;
		uint32_t off0 = g->topic_off[tops[0]], N = g->topic_off[tops[0] + 1] - off0;
		for (uint32_t i = 1; i < k; i++)
			memcpy(owner + g->topic_off[tops[i]], owner + off0,
			       (size_t)N * sizeof *owner);
		return 1;
	}
	for (uint32_t i = 0; i < k; i++) {
		lone_topic(&x, tops[i], owner);
		int rc = complete_topic(&x, tops[i], owner);
		if (rc)
			return rc;
	}
	return 1;
}

int ka__broker_range_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	if (ws_size < ka__broker_range_workspace_size(g))
		return KA_EWORKSPACE;
	const uint32_t *tsub = g->tsub_member;
	int ranged = 0;
	if (rack_pass_possible(g)) {
		ka__ws w;
		ka__ws_init(&w, ws, ws_size);
		ranged = assign_with_racks(g, &w, owner);
		if (ranged < 0)
			return ranged;
	}
	for (uint32_t t = 0; t < g->n_topics; t++) {
		uint32_t off = g->topic_off[t], P = g->topic_off[t + 1] - off;
		uint32_t n = g->tsub_off[t + 1] - g->tsub_off[t];
		if (!n)
			for (uint32_t p = off; p < off + P; p++)
				owner[p] = KA_NONE;
		else if (!ranged)
			plain_ranges(tsub + g->tsub_off[t], n, off, P, owner);
	}
	return 0;
}
