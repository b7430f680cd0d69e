/*
 * test_uniform.c - the `uniform` strategy (Kafka's KIP-848 UniformAssignor).
 *
 *   kafka:     the exact assignments Kafka's UniformHomogeneousAssignmentBuilderTest
 *              and UniformHeterogeneousAssignmentBuilderTest assert, rebuilt as
 *              groups, run on `uniform-sorted` (Kafka's tests pass members in
 *              a TreeMap); and a case where the coordinator's HashMap order
 *              (`uniform`) differs from it. Where Kafka's answer follows the iteration order of a
 *              HashSet of topic ids, the topic names here are chosen so that
 *              kassign's name order is that iteration order (see each case).
 *   reference: on random groups, `uniform` and `uniform-sorted` equal a
 *              transcription of Kafka's two builders written the way Kafka
 *              writes them (full sorts, no counting sorts, no truncated
 *              candidate lists), fed the members in a simulated Java HashMap's
 *              order and in member_id order respectively.
 *   property:  on random groups: valid and complete; homogeneous groups within
 *              one partition (max - min <= 1); heterogeneous groups balanced as
 *              docs/metrics.md defines; homogeneous groups move exactly
 *              moved_min partitions; an assignment that is already balanced
 *              (uniform's own, or sticky's) is kept exactly (KAFKA-18688);
 *              after a member leaves a homogeneous group, the survivors move
 *              no more than moved_min.
 *
 * Random suites print KT_SEED and KT_CASE of a failing case and the group.
 */
#include <kassign/kassign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/rng.h"
#include "ktest.h"
#include "testgroups.h"

#define CASES 3000

/* ------------------------------------------------------------------ Kafka's cases */

/*
 * Homogeneous builder. Kafka lists unowned partitions in the order of a
 * HashSet<Uuid> of the subscribed topics; for the test's topic ids
 * (T1-A4s3VTwiI5CTbEp6POw, T2-B4s3VTwiI5YHbPp6YUe, T3-CU8fVTLCz5YMkLoDQsa)
 * the buckets of Uuid.hashCode() give topic2, topic3, topic1. The cases
 * whose answer depends on that order name the topics "h1-topic2" <
 * "h2-topic3" < "h3-topic1". Owned partitions are walked in the order the
 * test lists them (mkOrderedAssignment: topic1 before topic2), which plain
 * names keep. Members are in a TreeMap: A, B, C.
 */
static const tg_topic hfirst_topics[] = {{"h3-topic1", 3, NULL}, {"h2-topic3", 2, NULL}};
static const tg_member hfirst_members[] = {{"A", .topics = "h3-topic1 h2-topic3"},
					   {"B", .topics = "h3-topic1 h2-topic3"}};
static const tg_topic hmore_topics[] = {{"topic3", 2, NULL}};
static const tg_member hmore_members[] = {
    {"A", .topics = "topic3"}, {"B", .topics = "topic3"}, {"C", .topics = "topic3"}};
static const tg_topic hunbal_topics[] = {{"topic1", 3, NULL}, {"topic2", 3, NULL}};
static const tg_member hunbal_members[] = {
    {"A", .topics = "topic1 topic2", .owned = "topic1:0,1 topic2:0,1"},
    {"B", .topics = "topic1 topic2", .owned = "topic1:2 topic2:2"}};
static const tg_topic hadded_topics[] = {{"h3-topic1", 6, NULL}, {"h1-topic2", 5, NULL}};
static const tg_member hadded_members[] = {
    {"A", .topics = "h3-topic1 h1-topic2", .owned = "h3-topic1:0,2 h1-topic2:0"},
    {"B", .topics = "h3-topic1 h1-topic2", .owned = "h3-topic1:1 h1-topic2:1,2"}};
static const tg_topic hjoin_topics[] = {{"topic1", 3, NULL}, {"topic2", 3, NULL}};
static const tg_member hjoin_members[] = {
    {"A", .topics = "topic1 topic2", .owned = "topic1:0,2 topic2:0"},
    {"B", .topics = "topic1 topic2", .owned = "topic1:1 topic2:1,2"},
    {"C", .topics = "topic1 topic2"}};
static const tg_topic hleave_topics[] = {{"h3-topic1", 3, NULL}, {"h1-topic2", 3, NULL}};
static const tg_member hleave_members[] = {
    {"A", .topics = "h3-topic1 h1-topic2", .owned = "h3-topic1:0 h1-topic2:0"},
    {"B", .topics = "h3-topic1 h1-topic2", .owned = "h3-topic1:1 h1-topic2:1"}};
static const tg_topic hunsub_topics[] = {{"topic1", 2, NULL}, {"topic2", 2, NULL}};
static const tg_member hunsub_members[] = {{"A", .topics = "topic2", .owned = "topic1:0 topic2:0"},
					   {"B", .topics = "topic2", .owned = "topic1:1 topic2:1"}};
static const tg_topic hnone_topics[] = {{"topic1", 3, NULL}};
static const tg_member hnone_members[] = {{.id = "A"}};

/*
 * Heterogeneous builder. Its orders are all sorts: topics by partitions per
 * subscriber, subscribers, then topic id (the test's ids compare like the
 * names), members by member id (the test's TestGroupSpecImpl sorts them).
 * Kafka's tests force the heterogeneous builder; kassign, like the group
 * coordinator, picks it from the subscriptions, so the one case whose
 * members all subscribe alike gets an idle member C to stay heterogeneous.
 */
static const tg_topic xfirst_topics[] = {{"topic1", 3, NULL}, {"topic3", 6, NULL}};
static const tg_member xfirst_members[] = {{"A", .topics = "topic1 topic3"},
					   {"B", .topics = "topic3"}};
static const tg_topic xmore_topics[] = {{"topic3", 1, NULL}, {"topic1", 2, NULL}};
static const tg_member xmore_members[] = {
    {"A", .topics = "topic3"}, {"B", .topics = "topic3"}, {"C", .topics = "topic1"}};
static const tg_topic xunbal_topics[] = {
    {"topic1", 6, NULL}, {"topic2", 4, NULL}, {"topic3", 4, NULL}};
static const tg_member xunbal_members[] = {
    {"A", .topics = "topic1", .owned = "topic1:0,1,2"},
    {"B", .topics = "topic1 topic2", .owned = "topic1:3 topic2:0"},
    {"C", .topics = "topic1 topic2 topic3", .owned = "topic1:4,5 topic2:1,2,3 topic3:0,1,2,3"}};
static const tg_topic xadded_topics[] = {
    {"topic1", 6, NULL}, {"topic2", 5, NULL}, {"topic3", 3, NULL}, {"topic4", 3, NULL}};
static const tg_member xadded_members[] = {
    {"A", .topics = "topic1 topic3", .owned = "topic1:0,1,2,3 topic3:0,1"},
    {"B", .topics = "topic1 topic2 topic3 topic4", .owned = "topic2:0,1,2 topic4:0,1,2"}};
static const tg_topic xjoin_topics[] = {{"topic1", 6, NULL}, {"topic2", 7, NULL}};
static const tg_member xjoin_members[] = {
    {"A", .topics = "topic1", .owned = "topic1:0,2 topic2:0"},
    {"B", .topics = "topic1 topic2", .owned = "topic1:1 topic2:1,2"},
    {"C", .topics = "topic1 topic2"}};
static const tg_topic xleave_topics[] = {
    {"topic1", 3, NULL}, {"topic2", 8, NULL}, {"topic3", 3, NULL}};
static const tg_member xleave_members[] = {
    {"A", .topics = "topic1 topic3", .owned = "topic1:0,1,2 topic3:0,1"},
    {"B", .topics = "topic2", .owned = "topic2:3,4,5,6"}};
static const tg_topic xunsub_topics[] = {{"topic1", 3, NULL}, {"topic2", 5, NULL}};
static const tg_member xunsub_members[] = {
    {"A", .topics = "topic1", .owned = "topic1:0,2 topic2:1,3"},
    {"B", .topics = "topic1 topic2", .owned = "topic1:1 topic2:0,2,4"}};
static const tg_topic xrunout_topics[] = {
    {"topic1", 2, NULL}, {"topic2", 2, NULL}, {"topic3", 2, NULL}};
static const tg_member xrunout_members[] = {
    {"A", .topics = "topic1 topic2 topic3", .owned = "topic1:0,1 topic2:0,1 topic3:0,1"},
    {"B", .topics = "topic1 topic2 topic3"},
    {.id = "C"}};
static const tg_topic xidle_topics[] = {{"topic1", 3, NULL}};
static const tg_member xidle_members[] = {{"A", .topics = "topic1"}, {.id = "B"}};

/* kassign's own: KAFKA-18688, a balanced group where the member with the
 * extra partition comes last. Kafka before 4.1 gave the extra slot to A and
 * moved a partition from C to A. */
static const tg_topic k18688_topics[] = {{"t", 7, NULL}};
static const tg_member k18688_members[] = {{"A", .topics = "t", .owned = "t:0,1"},
					   {"B", .topics = "t", .owned = "t:2,3"},
					   {"C", .topics = "t", .owned = "t:4,5,6"}};
/* The file's worked example: A keeps 2 of 3, B gives its extra slot up, C
 * joins with the last extra slot and takes the unowned 4 and A's 2. */
static const tg_topic example_topics[] = {{"t0", 5, NULL}};
static const tg_member example_members[] = {{"A", .topics = "t0", .owned = "t0:0,1,2"},
					    {"B", .topics = "t0", .owned = "t0:3"},
					    {"C", .topics = "t0"}};
/* Conflicting claims: the higher generation keeps it; members by member_id,
 * not by static id. */
static const tg_topic conflict_topics[] = {{"t", 5, NULL}};
static const tg_member conflict_members[] = {
    {"B", .instance = "a", .topics = "t", .owned = "t:0,1,2", .gen = "1"},
    {"A", .instance = "b", .topics = "t", .owned = "t:0,1", .gen = "2"}};

typedef struct known_case {
	const char *label;
	const tg_topic *topics;
	size_t n_topics;
	const tg_member *members;
	size_t n_members;
	const char *expected;
} known_case;

#define CASE(label, group, expected)                                                               \
	{                                                                                          \
		label, group##_topics, TG_LEN(group##_topics), group##_members,                    \
		    TG_LEN(group##_members), expected                                              \
	}

static const known_case known_cases[] = {
    CASE("testFirstAssignmentTwoMembersTwoTopicsNoMemberRacks", hfirst,
	 "A h2-topic3:0,1; B h3-topic1:0,1,2"),
    CASE("homogeneous testFirstAssignmentNumMembersGreaterThanTotalNumPartitions", hmore,
	 "B topic3:0; C topic3:1"),
    CASE("testReassignmentForTwoMembersTwoTopicsGivenUnbalancedPrevAssignment", hunbal,
	 "A topic1:0,1 topic2:0; B topic1:2 topic2:1,2"),
    CASE("testReassignmentWhenPartitionsAreAddedForTwoMembersTwoTopics", hadded,
	 "A h3-topic1:0,2 h1-topic2:0,3,4; B h3-topic1:1,3,4,5 h1-topic2:1,2"),
    CASE("testReassignmentWhenOneMemberAddedAfterInitialAssignmentWithTwoMembersTwoTopics", hjoin,
	 "A topic1:0,2; B topic1:1 topic2:1; C topic2:0,2"),
    CASE("testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithThreeMembersTwoTopics",
	 hleave, "A h3-topic1:0 h1-topic2:0,2; B h3-topic1:1,2 h1-topic2:1"),
    CASE("homogeneous testReassignmentWhenOneSubscriptionRemoved...", hunsub,
	 "A topic2:0; B topic2:1"),
    CASE("testOneMemberNoTopicSubscription", hnone, ""),
    CASE("testFirstAssignmentTwoMembersTwoTopics", xfirst,
	 "A topic1:0,1,2 topic3:4; B topic3:0,1,2,3,5"),
    CASE("heterogeneous testFirstAssignmentNumMembersGreaterThanTotalNumPartitions", xmore,
	 "A topic3:0; C topic1:0,1"),
    CASE("testReassignmentForTwoMembersThreeTopicsGivenUnbalancedPrevAssignment", xunbal,
	 "A topic1:0,1,2,5; B topic1:3 topic2:0,1,2,3; C topic1:4 topic3:0,1,2,3"),
    CASE("testReassignmentWhenPartitionsAreAddedForTwoMembers", xadded,
	 "A topic1:0,1,2,3,4,5 topic3:0,1,2; B topic2:0,1,2,3,4 topic4:0,1,2"),
    CASE("testReassignmentWhenOneMemberAddedAndPartitionsAddedTwoMembersTwoTopics", xjoin,
	 "A topic1:0,2,3,4,5; B topic1:1 topic2:1,2,6; C topic2:0,3,4,5"),
    CASE("testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithThreeMembersThreeTopics",
	 xleave, "A topic1:0,1,2 topic3:0,1,2; B topic2:0,1,2,3,4,5,6,7"),
    CASE("heterogeneous testReassignmentWhenOneSubscriptionRemoved...", xunsub,
	 "A topic1:0,1,2; B topic2:0,1,2,3,4"),
    CASE("testReassignmentWhenTopicPartitionsRunOutAndMembersHaveNoPartitions", xrunout,
	 "A topic2:0 topic3:0,1; B topic1:0,1 topic2:1"),
    CASE("testFirstAssignmentWithTwoMembersIncludingOneWithoutSubscriptions", xidle,
	 "A topic1:0,1,2"),
    CASE("KAFKA-18688: balanced, extra partition last", k18688, "A t:0,1; B t:2,3; C t:4,5,6"),
    CASE("uniform.c worked example", example, "A t0:0,1; B t0:3; C t0:2,4"),
    CASE("conflicting claims, member_id order", conflict, "A t:0,1; B t:2,3,4"),
};

static void test_kafka_cases(void)
{
	/* Kafka's tests pass the members in a TreeMap: uniform-sorted. */
	const ka_strategy *s = tg_strategy("uniform-sorted");
	size_t ok_count = 0;
	for (size_t i = 0; i < TG_LEN(known_cases); i++) {
		const known_case *kc = &known_cases[i];
		ka_group *g = tg_build(kc->topics, kc->n_topics, kc->members, kc->n_members);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *owner = tg_run(s, g, 0xA5);
		int ok = tg_expect(g, owner, kc->expected, kc->label);
		CU_ASSERT(ok);
		ok_count += (size_t)ok;
		free(owner);
		ka_group_free(g);
	}
	CU_ASSERT_EQUAL(ok_count, TG_LEN(known_cases));
}

/* The coordinator's order: "a" (hash 97, bucket 1) comes before "B" (hash
 * 66, bucket 2) in TargetAssignmentBuilder's HashMap, though "B" < "a" in
 * String order. Fresh, neither holds anything: the first member visited
 * leaves the extra slot to the last (KAFKA-18688) and takes partition 0. */
static const tg_topic order_topics[] = {{"t0", 3, NULL}};
static const tg_member order_members[] = {{"B", .topics = "t0"}, {"a", .topics = "t0"}};

static void test_coordinator_order(void)
{
	ka_group *g = TG_BUILD(order_topics, order_members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t *owner = tg_run(tg_strategy("uniform"), g, 0xA5);
	CU_ASSERT(tg_expect(g, owner, "a t0:0; B t0:1,2", "uniform (HashMap order)"));
	free(owner);
	owner = tg_run(tg_strategy("uniform-sorted"), g, 0xA5);
	CU_ASSERT(tg_expect(g, owner, "B t0:0; a t0:1,2", "uniform-sorted (TreeMap order)"));
	free(owner);
	ka_group_free(g);
}

/* ------------------------------------------------------------------ Kafka, transcribed */

/* The members in the order the builders see them: rank r is member
 * ref_ord[r] (member_id order for uniform-sorted, the coordinator's HashMap
 * order for uniform). */
static const uint32_t *ref_ord;

/* String.hashCode of UTF-8 text, decoded to UTF-16 units. */
static uint32_t java_hash(const char *s)
{
	uint32_t h = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp = *p++;
		if (cp >= 0xF0 && (p[0] & 0xC0) == 0x80 && (p[1] & 0xC0) == 0x80 &&
		    (p[2] & 0xC0) == 0x80)
			cp = (cp & 7) << 18 | (p[0] & 0x3Fu) << 12 | (p[1] & 0x3Fu) << 6 |
			     (p[2] & 0x3Fu),
			p += 3;
		else if (cp >= 0xE0 && (p[0] & 0xC0) == 0x80 && (p[1] & 0xC0) == 0x80)
			cp = (cp & 15) << 12 | (p[0] & 0x3Fu) << 6 | (p[1] & 0x3Fu), p += 2;
		else if (cp >= 0xC0 && (p[0] & 0xC0) == 0x80)
			cp = (cp & 31) << 6 | (p[0] & 0x3Fu), p += 1;
		if (cp >= 0x10000)
			h = 31 * (31 * h + (0xD800 + ((cp - 0x10000) >> 10))) +
			    (0xDC00 + ((cp - 0x10000) & 0x3FF));
		else
			h = 31 * h + cp;
	}
	return h;
}

/*
 * TargetAssignmentBuilder's HashMap<String, ...> of members, put one by one
 * (member_id order standing in for the coordinator's), as java.util.HashMap
 * grows: a table of 16 buckets doubled whenever the size passes 3/4 of it,
 * each bucket split into the entries that stay and those that move up by the
 * old capacity, both in order. Iteration: bucket by bucket.
 */
static void java_hashmap_members(const ka_group *g, uint32_t *order)
{
	const uint32_t M = g->n_members;
	uint32_t cap = 16, size = 0;
	uint32_t *slot = malloc((M + 1) * sizeof *slot), *hash = malloc((M + 1) * sizeof *hash);
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[i], h = java_hash(g->member_id[m]);
		hash[m] = h ^ (h >> 16);
		slot[m] = hash[m] & (cap - 1);
		if (++size > cap / 4 * 3) {
			for (uint32_t j = 0; j <= i; j++) {
				uint32_t x = g->id_order[j];
				slot[x] = hash[x] & (2 * cap - 1);
			}
			cap *= 2;
		}
	}
	uint32_t n = 0;
	for (uint32_t b = 0; b < cap; b++)
		for (uint32_t i = 0; i < M; i++)
			if (slot[g->id_order[i]] == b)
				order[n++] = g->id_order[i];
	free(slot);
	free(hash);
}

typedef struct ref {
	const ka_group *g;
	uint32_t M;
	int *size;     /* by rank */
	uint32_t *own; /* by partition: rank or KA_NONE */
} ref;

static bool ref_valid_claim(const ka_group *g, uint32_t m, uint32_t p)
{
	return g->prev_owner[p] == m && tg_subscribes(g, m, ka_group_partition_topic(g, p));
}

/* UniformHomogeneousAssignmentBuilder (Kafka 4.1), topics in name order. */
static void ref_homogeneous(const ka_group *g, uint32_t *out)
{
	uint32_t M = g->n_members, P = g->n_partitions, N = 0, n = 0;
	uint32_t *list = malloc((P + 1) * sizeof *list);
	uint32_t *unf_m = malloc((M + 1) * sizeof *unf_m), *unf_q = malloc((M + 1) * sizeof *unf_q);
	for (uint32_t p = 0; p < P; p++)
		out[p] = KA_NONE;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		bool sub = M && tg_subscribes(g, 0, t);
		if (!sub)
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++, N++)
			if (g->prev_owner[p] == KA_NONE)
				list[n++] = p;
	}
	if (M && N) {
		uint32_t minq = N / M, rem = N % M, nu = 0;
		for (uint32_t i = 0; i < M; i++) {
			uint32_t m = ref_ord[i];
			uint32_t quota = minq;
			bool extra = false;
			if (rem > 0) {
				quota++;
				extra = true;
			}
			for (uint32_t p = 0; p < P; p++) {
				if (!ref_valid_claim(g, m, p))
					continue;
				if (quota > 0) {
					quota--;
					out[p] = m;
				} else {
					list[n++] = p;
				}
			}
			if (quota > 0 && extra && M - i > rem) {
				quota--;
				extra = false;
			}
			if (quota > 0) {
				unf_m[nu] = m;
				unf_q[nu++] = quota;
			}
			if (extra)
				rem--;
		}
		uint32_t idx = 0;
		for (uint32_t u = 0; u < nu; u++)
			for (uint32_t k = 0; k < unf_q[u] && idx < n; k++)
				out[list[idx++]] = unf_m[u];
		CU_ASSERT_EQUAL(idx, n);
	}
	free(list);
	free(unf_m);
	free(unf_q);
}

/* Subscriber ranks of topic t, ascending, into v; returns how many. */
static uint32_t ref_subscribers(const ka_group *g, uint32_t t, uint32_t *v)
{
	uint32_t n = 0;
	for (uint32_t r = 0; r < g->n_members; r++)
		if (tg_subscribes(g, ref_ord[r], t))
			v[n++] = r;
	return n;
}

/* memberComparator: size, then index; an insertion sort. */
static void ref_sort_members(const int *size, uint32_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = v[i], j = i;
		while (j > 0 &&
		       (size[v[j - 1]] > size[x] || (size[v[j - 1]] == size[x] && v[j - 1] > x))) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

typedef struct rbal {
	uint32_t *sorted;
	int n;
	int least_end, least_count, least_next;
	int most_start, most_end, most_count, most_next;
} rbal;

static int rbal_init(rbal *b, const int *size, uint32_t *subs, int n)
{
	b->sorted = subs;
	b->n = n;
	ref_sort_members(size, subs, (uint32_t)n);
	b->least_end = 0;
	b->least_count = size[subs[0]] - 1;
	b->least_next = 0;
	b->most_start = n;
	b->most_end = n;
	b->most_count = size[subs[n - 1]] + 1;
	b->most_next = n - 1;
	return size[subs[n - 1]] - size[subs[0]];
}

static int rbal_least(rbal *b, const int *size)
{
	if (b->least_next >= b->least_end) {
		b->least_count++;
		while (b->least_end < b->n && size[b->sorted[b->least_end]] == b->least_count)
			b->least_end++;
		b->least_next = 0;
	}
	return (int)b->sorted[b->least_next++];
}

static int rbal_most(rbal *b, const int *size)
{
	if (b->most_next < b->most_start) {
		if (b->most_end <= b->most_start && b->most_start > 0)
			b->most_count = size[b->sorted[b->most_start - 1]];
		else
			b->most_count--;
		while (b->most_start > 0 && size[b->sorted[b->most_start - 1]] == b->most_count)
			b->most_start--;
		b->most_next = b->most_end - 1;
	}
	if (b->most_next < 0)
		return -1;
	return (int)b->sorted[b->most_next--];
}

static void rbal_exclude(rbal *b)
{
	uint32_t x = b->sorted[b->most_next + 1];
	b->sorted[b->most_next + 1] = b->sorted[b->most_end - 1];
	b->sorted[b->most_end - 1] = x;
	b->most_end--;
}

/* topicComparator: partitions per subscriber desc, subscribers asc, id asc. */
static bool ref_topic_before(const ka_group *g, const uint32_t *nsub, uint32_t a, uint32_t b)
{
	double ra = (double)(g->topic_off[a + 1] - g->topic_off[a]) / nsub[a];
	double rb = (double)(g->topic_off[b + 1] - g->topic_off[b]) / nsub[b];
	if (ra != rb)
		return ra > rb;
	if (nsub[a] != nsub[b])
		return nsub[a] < nsub[b];
	return a < b;
}

/* UniformHeterogeneousAssignmentBuilder (KAFKA-17710), unbounded passes. */
static void ref_heterogeneous(const ka_group *g, uint32_t *out)
{
	uint32_t M = g->n_members, T = g->n_topics, P = g->n_partitions;
	int *size = calloc(M + 1, sizeof *size);
	uint32_t *rank_own = malloc((P + 1) * sizeof *rank_own);
	uint32_t *nsub = calloc(T + 1, sizeof *nsub), *topics = malloc((T + 1) * sizeof *topics);
	uint32_t *subs = malloc((M + 1) * sizeof *subs), nt = 0;
	for (uint32_t p = 0; p < P; p++)
		rank_own[p] = KA_NONE;
	for (uint32_t r = 0; r < M; r++) {
		uint32_t m = ref_ord[r];
		for (uint32_t p = 0; p < P; p++)
			if (ref_valid_claim(g, m, p)) {
				rank_own[p] = r;
				size[r]++;
			}
	}
	for (uint32_t t = 0; t < T; t++) {
		nsub[t] = ref_subscribers(g, t, subs);
		if (nsub[t])
			topics[nt++] = t;
	}
	for (uint32_t i = 1; i < nt; i++) /* insertion sort: stable, small */
		for (uint32_t j = i; j > 0 && ref_topic_before(g, nsub, topics[j], topics[j - 1]);
		     j--) {
			uint32_t x = topics[j];
			topics[j] = topics[j - 1];
			topics[j - 1] = x;
		}
	/* assignRemainingPartitions */
	for (uint32_t i = 0; i < nt; i++) {
		uint32_t t = topics[i];
		rbal b;
		rbal_init(&b, size, subs, (int)ref_subscribers(g, t, subs));
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			if (rank_own[p] == KA_NONE) {
				int r = rbal_least(&b, size);
				rank_own[p] = (uint32_t)r;
				size[r]++;
			}
	}
	/* balance */
	uint32_t nb = 0;
	for (uint32_t i = 0; i < nt; i++)
		if (nsub[topics[i]] >= 2)
			topics[nb++] = topics[i];
	int last = -1;
	uint32_t *parts = malloc((P + 1) * sizeof *parts);
	int *start = malloc((M + 1) * sizeof *start), *end = malloc((M + 1) * sizeof *end);
	for (bool done = nb == 0; !done;) {
		for (uint32_t ti = 0; ti < nb && !done; ti++) {
			if ((int)ti == last) {
				done = true;
				break;
			}
			uint32_t t = topics[ti], moved = 0;
			rbal b;
			int imbalance = rbal_init(&b, size, subs, (int)ref_subscribers(g, t, subs));
			if (imbalance > 1) {
				/* partitions grouped by owner, then by partition */
				uint32_t np = 0;
				for (uint32_t r = 0; r < M; r++) {
					start[r] = end[r] = (int)np;
					for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1];
					     p++)
						if (rank_own[p] == r)
							parts[np++] = p;
					end[r] = (int)np;
				}
				while (b.most_count - b.least_count > 1) {
					int most;
					for (;;) {
						most = rbal_most(&b, size);
						if (most == -1 || end[most] - start[most] > 0)
							break;
						rbal_exclude(&b);
					}
					if (most == -1)
						break;
					uint32_t p = parts[--end[most]];
					int least = rbal_least(&b, size);
					if (b.most_count - b.least_count <= 1)
						break;
					size[rank_own[p]]--;
					rank_own[p] = (uint32_t)least;
					size[least]++;
					moved++;
				}
			}
			if (moved > 0 || last == -1)
				last = (int)ti;
		}
	}
	for (uint32_t p = 0; p < P; p++)
		out[p] = rank_own[p] == KA_NONE ? KA_NONE : ref_ord[rank_own[p]];
	free(parts);
	free(start);
	free(end);
	free(size);
	free(rank_own);
	free(nsub);
	free(topics);
	free(subs);
}

static void ref_uniform(const ka_group *g, uint32_t *out)
{
	if (g->flags & KA_GROUP_HOMOGENEOUS)
		ref_homogeneous(g, out);
	else
		ref_heterogeneous(g, out);
}

/* ------------------------------------------------------------------ random groups */

static tg_desc desc; /* large: one at a time */
static int reports;

static void report(const char *what, uint64_t seed, uint64_t i, const ka_group *g,
		   const uint32_t *got, const uint32_t *want)
{
	if (reports++ >= 3)
		return;
	fprintf(stderr, "\nFAIL %s: replay with KT_SEED=0x%" PRIx64 " KT_CASE=%" PRIu64 "\n", what,
		seed, i);
	tg_desc_print(stderr, &desc);
	if (got) {
		fprintf(stderr, "  uniform:  ");
		tg_print_assignment(stderr, g, got);
	}
	if (want) {
		fprintf(stderr, "  expected: ");
		tg_print_assignment(stderr, g, want);
	}
}

static ka_group *random_group(uint64_t seed, uint64_t i)
{
	kd_rng r;
	tg_case_rng(&r, seed, i);
	uint32_t opts = 0;
	if (kd_rng_below(&r, 2) == 0)
		opts |= TG_HOMOGENEOUS;
	if (kd_rng_below(&r, 8) == 0)
		opts |= TG_LARGE;
	if (kd_rng_below(&r, 4) == 0)
		opts |= TG_NO_OWNED;
	tg_random(&r, opts, &desc);
	return tg_desc_build(&desc);
}

/*
 * The same group with owned = owner[], generation 1 for all, leaving out
 * member `drop` (KA_NONE: nobody). Topics and members keep the model's order.
 */
static ka_group *regroup(const ka_group *g, const uint32_t *owner, uint32_t drop)
{
	ka_builder *b = ka_builder_new(NULL, NULL);
	for (uint32_t t = 0; t < g->n_topics; t++)
		ka_builder_add_topic(b, g->topic_name[t], g->topic_off[t + 1] - g->topic_off[t]);
	uint32_t k = 0;
	for (uint32_t m = 0; m < g->n_members; m++) {
		if (m == drop)
			continue;
		uint16_t r = g->member_rack[m];
		ka_builder_add_member(b, g->member_id[m], g->instance_id[m],
				      r == KA_NO_RACK ? NULL : g->rack_name[r], 1);
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			ka_builder_subscribe_index(b, k, g->sub_topic[s]);
		for (uint32_t t = 0; t < g->n_topics; t++)
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
				if (owner[p] == m)
					ka_builder_add_owned_index(b, k, t, p - g->topic_off[t],
								   KA_NONE);
		k++;
	}
	ka_group *out = NULL;
	CU_ASSERT_EQUAL(ka_builder_finish(b, &out), 0);
	ka_builder_free(b);
	return out;
}

/* owner[] of g and owner2[] of a regrouped g2 name the same members. */
static bool same_assignment(const ka_group *g, const uint32_t *a, const ka_group *g2,
			    const uint32_t *b)
{
	for (uint32_t p = 0; p < g->n_partitions; p++) {
		if ((a[p] == KA_NONE) != (b[p] == KA_NONE))
			return false;
		if (a[p] != KA_NONE && strcmp(g->member_id[a[p]], g2->member_id[b[p]]) != 0)
			return false;
	}
	return true;
}

static void test_reference(void)
{
	uint64_t first, seed = kt_seed(0x756e69666f726d01ull), end = tg_case_range(CASES, &first);
	const ka_strategy *strat[2] = {tg_strategy("uniform"), tg_strategy("uniform-sorted")};
	uint64_t hom = 0, moved_some = 0, failures = 0, orders_differ = 0;
	reports = 0;
	for (uint64_t i = first; i < end; i++) {
		ka_group *g = random_group(seed, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *hashed = malloc(((size_t)g->n_members + 1) * sizeof *hashed);
		java_hashmap_members(g, hashed);
		orders_differ += memcmp(hashed, g->id_order, g->n_members * sizeof *hashed) != 0;
		for (int k = 0; k < 2; k++) {
			const ka_strategy *s = strat[k];
			ref_ord = k == 0 ? hashed : g->id_order;
			uint32_t *owner = tg_run(s, g, 0xA5);
			uint32_t *want = malloc(((size_t)g->n_partitions + 1) * sizeof *want);
			ref_uniform(g, want);
			bool ok = memcmp(owner, want, (size_t)g->n_partitions * sizeof *owner) == 0;
			if (!ok) {
				failures++;
				report(
				    k == 0
					? "uniform differs from Kafka's procedure (HashMap order)"
					: "uniform-sorted differs from Kafka's procedure",
				    seed, i, g, owner, want);
			}
			moved_some += k == 0 && tg_metrics(g, owner).moved > 0;
			free(owner);
			free(want);
		}
		hom += (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
		free(hashed);
		ka_group_free(g);
	}
	/* The two orders must differ often, or this compares nothing new. */
	if (end - first >= 1000)
		CU_ASSERT(orders_differ > (end - first) / 4);
	CU_ASSERT_EQUAL(failures, 0);
	if (end - first >= 1000) {
		CU_ASSERT(hom > (end - first) / 4);
		CU_ASSERT(moved_some > (end - first) / 10);
	}
}

static void test_properties(void)
{
	uint64_t first, seed = kt_seed(0x756e69666f726d02ull), end = tg_case_range(CASES, &first);
	const ka_strategy *s = tg_strategy("uniform"), *sticky = ka_strategy_find("sticky");
	uint64_t failures = 0, kept_sticky = 0, removals = 0;
	reports = 0;
	for (uint64_t i = first; i < end; i++) {
		ka_group *g = random_group(seed, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		bool hom = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
		uint32_t *owner = tg_run(s, g, 0xA5);
		ka_metrics m = tg_metrics(g, owner);
		if (ka_assignment_validate(g, owner, 0, NULL, NULL) != 0) {
			failures++;
			report("invalid or incomplete assignment", seed, i, g, owner, NULL);
		}
		if (hom && m.n_eligible && m.load_max - m.load_min > 1) {
			failures++;
			report("homogeneous: loads differ by more than one", seed, i, g, owner,
			       NULL);
		}
		if (!m.balanced) {
			failures++;
			report("not balanced (docs/metrics.md)", seed, i, g, owner, NULL);
		}
		if (hom && (m.moved != m.moved_min || !m.moved_min_exact)) {
			failures++;
			report("homogeneous: more moves than moved_min", seed, i, g, owner, NULL);
		}

		/* KAFKA-18688: a balanced assignment is kept as it is, ours... */
		ka_group *g2 = regroup(g, owner, KA_NONE);
		uint32_t *again = tg_run(s, g2, 0xA5);
		if (!same_assignment(g, owner, g2, again)) {
			failures++;
			report("a balanced assignment was not kept", seed, i, g, owner, NULL);
		}
		free(again);
		ka_group_free(g2);
		/* ...and sticky's (the most balanced one). */
		uint32_t *st = tg_run(sticky, g, 0xA5);
		if (tg_metrics(g, st).balanced) {
			g2 = regroup(g, st, KA_NONE);
			again = tg_run(s, g2, 0xA5);
			kept_sticky++;
			if (!same_assignment(g, st, g2, again)) {
				failures++;
				report("sticky's balanced assignment was not kept", seed, i, g, st,
				       NULL);
			}
			free(again);
			ka_group_free(g2);
		}
		free(st);

		/* A member leaves a homogeneous group: no more moves than needed. */
		if (hom && g->n_members > 1) {
			uint32_t drop = (uint32_t)(i % g->n_members);
			g2 = regroup(g, owner, drop);
			again = tg_run(s, g2, 0xA5);
			ka_metrics m2 = tg_metrics(g2, again);
			removals++;
			if (m2.moved != m2.moved_min || m2.load_max - m2.load_min > 1) {
				failures++;
				report("member removal moved more than moved_min", seed, i, g,
				       owner, NULL);
				fprintf(stderr, "  dropped %s: moved %u, moved_min %u\n",
					g->member_id[drop], m2.moved, m2.moved_min);
			}
			free(again);
			ka_group_free(g2);
		}
		free(owner);
		ka_group_free(g);
	}
	CU_ASSERT_EQUAL(failures, 0);
	if (end - first >= 1000) {
		CU_ASSERT(kept_sticky > (end - first) / 2);
		CU_ASSERT(removals > (end - first) / 5);
	}
}

/* ------------------------------------------------------------------ suites */

static const kt_test kafka_tests[] = {
    {"kafka_cases", test_kafka_cases}, {"coordinator_order", test_coordinator_order}, {NULL, NULL}};
static const kt_test reference_tests[] = {{"reference", test_reference}, {NULL, NULL}};
static const kt_test property_tests[] = {{"properties", test_properties}, {NULL, NULL}};

static const kt_suite suites[] = {{"kafka", kafka_tests},
				  {"reference", reference_tests},
				  {"property", property_tests},
				  {NULL, NULL}};

KT_MAIN(suites)
