/*
 * test_broker_range.c - the `broker-range` strategy (Kafka's group-coordinator
 * RangeAssignor). Kafka's own RangeAssignorTest cases run through the command
 * line (tests/data/kafka-broker-range, acceptance.kafka-broker-range); here:
 *
 *   reference: on random groups, `broker-range` equals a transcription of
 *              Kafka's RangeAssignor written the way Kafka writes it (a list
 *              of remaining members scanned for every partition, a set of
 *              unassigned partitions, the fallback range that replaces a
 *              member's partitions), including KA_EKAFKA exactly where
 *              Kafka's answer gives a partition to two members or to none.
 *   kafka_bug: the co-partitioned rack pass's rule for when a member stops
 *              taking, on a group built to need it; and a group where Kafka's rack pass hands out
 * more extra partitions than there are, so its answer is not an assignment: KA_EKAFKA, and nothing
 * else from the strategy.
 *
 * Random suites print KT_SEED and KT_CASE of a failing case and the group.
 */
#include <inttypes.h>
#include <kassign/kassign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/rng.h"
#include "ktest.h"
#include "testgroups.h"

#define CASES 3000

/* ------------------------------------------------------------------ the transcription */

typedef struct ref {
	const ka_group *g;
	uint8_t *has;                        /* [M * P]: member m holds partition p */
	uint8_t *unassigned;                 /* [P] */
	uint32_t *next_range, *extra, *minq; /* [T] */
} ref;

static bool racks_match(const ka_group *g, uint32_t p, uint32_t m)
{
	if (g->member_rack[m] == KA_NO_RACK)
		return true;
	for (uint32_t j = g->prack_off[p]; j < g->prack_off[p + 1]; j++)
		if (g->prack[j] == g->member_rack[m])
			return true;
	return false;
}

static uint32_t held(const ref *x, uint32_t m, uint32_t t)
{
	const ka_group *g = x->g;
	uint32_t n = 0;
	for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
		n += x->has[(size_t)m * g->n_partitions + p];
	return n;
}

static void give(ref *x, uint32_t m, uint32_t p)
{
	x->has[(size_t)m * x->g->n_partitions + p] = 1;
	x->unassigned[p] = 0;
}

/* addPartitionsToAssignment */
static void add_partitions(ref *x, uint32_t m, uint32_t t)
{
	const ka_group *g = x->g;
	uint32_t N = g->topic_off[t + 1] - g->topic_off[t];
	int64_t quota = x->minq[t];
	if (x->extra[t] > 0) {
		quota++;
		x->extra[t]--;
	}
	int64_t needed = quota - held(x, m, t);
	if (needed <= 0)
		return;
	bool any = false;
	for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
		any |= x->unassigned[p];
	if (any) {
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1] && needed; p++)
			if (x->unassigned[p]) {
				give(x, m, p);
				needed--;
			}
		return;
	}
	uint32_t start = x->next_range[t];
	uint32_t end = start + needed < N ? start + (uint32_t)needed : N;
	x->next_range[t] = end;
	if (start < end) {
		/* memberAssignment.put(topic, RangeSet(start, end)) */
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			x->has[(size_t)m * g->n_partitions + p] = 0;
		for (uint32_t i = start; i < end; i++)
			x->has[(size_t)m * g->n_partitions + g->topic_off[t] + i] = 1;
	}
}

static bool should_use_racks(const ka_group *g, const uint32_t *tops, uint32_t k)
{
	bool consumer = false, overlap = false;
	for (uint32_t m = 0; m < g->n_members; m++)
		consumer |= g->member_rack[m] != KA_NO_RACK;
	if (!consumer)
		return false;
	uint32_t first = KA_NONE;
	bool distinct = false;
	for (uint32_t i = 0; i < k; i++)
		for (uint32_t p = g->topic_off[tops[i]]; p < g->topic_off[tops[i] + 1]; p++) {
			uint32_t a = g->prack_off[p], b = g->prack_off[p + 1];
			if (a == b)
				continue;
			for (uint32_t j = a; j < b; j++)
				for (uint32_t m = 0; m < g->n_members; m++)
					overlap |= g->member_rack[m] == g->prack[j];
			if (first == KA_NONE) {
				first = p;
				continue;
			}
			uint32_t fa = g->prack_off[first], fb = g->prack_off[first + 1];
			if (fb - fa != b - a ||
			    memcmp(g->prack + fa, g->prack + a, (b - a) * 2) != 0)
				distinct = true;
		}
	return overlap && distinct;
}

/* Kafka's answer into out[]; KA_EKAFKA when it is not an assignment. */
static int ref_assign(const ka_group *g, uint32_t *out)
{
	const uint32_t M = g->n_members, T = g->n_topics, P = g->n_partitions;
	ref x = {.g = g};
	x.has = calloc((size_t)M * P + 1, 1);
	x.unassigned = malloc(P + 1);
	x.next_range = calloc(T + 1, sizeof *x.next_range);
	x.extra = calloc(T + 1, sizeof *x.extra);
	x.minq = calloc(T + 1, sizeof *x.minq);
	uint32_t *cnt = calloc(M + 1, sizeof *cnt);
	bool *remaining = calloc(M + 1, sizeof *remaining);
	memset(x.unassigned, 1, P + 1);
	int rc = 0;

	if (M && (g->flags & KA_GROUP_HOMOGENEOUS)) {
		const uint32_t *tops = g->sub_topic + g->sub_off[0];
		uint32_t k = g->sub_off[1] - g->sub_off[0];
		for (uint32_t i = 0; i < k; i++) {
			uint32_t N = g->topic_off[tops[i] + 1] - g->topic_off[tops[i]];
			x.minq[tops[i]] = N / M;
			x.extra[tops[i]] = N % M;
		}
		if (should_use_racks(g, tops, k)) {
			bool copart = k > 1;
			for (uint32_t i = 1; i < k; i++)
				copart &= g->topic_off[tops[i] + 1] - g->topic_off[tops[i]] ==
					  g->topic_off[tops[0] + 1] - g->topic_off[tops[0]];
			if (copart) {
				uint32_t t0 = tops[0], N = g->topic_off[t0 + 1] - g->topic_off[t0];
				uint32_t left = M;
				for (uint32_t m = 0; m < M; m++)
					remaining[m] = true;
				for (uint32_t i = 0; i < N; i++) {
					uint32_t pick = KA_NONE;
					for (uint32_t m = 0; m < M && pick == KA_NONE; m++) {
						if (!remaining[m] ||
						    cnt[m] >= x.minq[t0] + (x.extra[t0] > 0))
							continue;
						bool all = true;
						for (uint32_t t = 0; t < k; t++)
							all &= racks_match(
							    g, g->topic_off[tops[t]] + i, m);
						if (all)
							pick = m;
					}
					if (pick == KA_NONE)
						continue;
					for (uint32_t t = 0; t < k; t++)
						give(&x, pick, g->topic_off[tops[t]] + i);
					cnt[pick]++;
					uint32_t quota = x.minq[t0] + (cnt[pick] <= x.extra[t0]);
					if (cnt[pick] >= quota) {
						remaining[pick] = false;
						if (--left == 0)
							break;
					}
				}
			} else {
				for (uint32_t i = 0; i < k; i++) {
					uint32_t t = tops[i];
					memset(cnt, 0, M * sizeof *cnt);
					for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1];
					     p++)
						for (uint32_t m = 0; m < M; m++) {
							uint32_t quota =
							    x.minq[t] + (cnt[m] < x.extra[t]);
							if (cnt[m] < quota &&
							    racks_match(g, p, m)) {
								give(&x, m, p);
								cnt[m]++;
								break;
							}
						}
				}
			}
		}
		for (uint32_t m = 0; m < M; m++)
			for (uint32_t i = 0; i < k; i++)
				add_partitions(&x, m, tops[i]);
	} else if (M) {
		for (uint32_t t = 0; t < T; t++) {
			uint32_t n = g->tsub_off[t + 1] - g->tsub_off[t];
			if (n) {
				x.minq[t] = (g->topic_off[t + 1] - g->topic_off[t]) / n;
				x.extra[t] = (g->topic_off[t + 1] - g->topic_off[t]) % n;
			}
		}
		for (uint32_t m = 0; m < M; m++)
			for (uint32_t j = g->sub_off[m]; j < g->sub_off[m + 1]; j++)
				add_partitions(&x, m, g->sub_topic[j]);
	}

	/* Each partition of a subscribed topic held once, or no assignment. */
	for (uint32_t p = 0; p < P && !rc; p++) {
		uint32_t t = ka_group_partition_topic(g, p), n = 0;
		out[p] = KA_NONE;
		for (uint32_t m = 0; m < M; m++)
			if (x.has[(size_t)m * P + p]) {
				n++;
				out[p] = m;
			}
		if (n > 1 || (n == 0 && g->tsub_off[t + 1] > g->tsub_off[t]))
			rc = KA_EKAFKA;
	}
	free(x.has);
	free(x.unassigned);
	free(x.next_range);
	free(x.extra);
	free(x.minq);
	free(cnt);
	free(remaining);
	return rc;
}

/* ------------------------------------------------------------------ suites */

static tg_desc desc;
static int reports;

static void test_reference(void)
{
	uint64_t first, seed = kt_seed(0x62726b72616e6701ull), end = tg_case_range(CASES, &first);
	const ka_strategy *s = tg_strategy("broker-range");
	uint64_t failures = 0, racked = 0, bugs = 0;
	for (uint64_t i = first; i < end; i++) {
		kd_rng r;
		tg_case_rng(&r, seed, i);
		uint32_t opts = kd_rng_below(&r, 4) ? TG_HOMOGENEOUS : 0;
		if (kd_rng_below(&r, 8) == 0)
			opts |= TG_LARGE;
		tg_random(&r, opts, &desc);
		ka_group *g = tg_desc_build(&desc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *want = malloc(((size_t)g->n_partitions + 1) * sizeof *want);
		uint32_t *got = malloc(((size_t)g->n_partitions + 1) * sizeof *got);
		int want_rc = ref_assign(g, want);
		size_t wsz = ka_workspace_size(s, g);
		void *ws = tg_alloc_ws(wsz, 0xA5);
		int rc = ka_assign(s, g, ws, wsz, got);
		bool same = rc == want_rc;
		for (uint32_t p = 0; same && !rc && p < g->n_partitions; p++)
			same = got[p] == want[p];
		bugs += want_rc != 0;
		racked += (g->flags & KA_GROUP_HOMOGENEOUS) && (g->flags & KA_GROUP_MEMBER_RACKS) &&
			  (g->flags & KA_GROUP_PARTITION_RACKS);
		if (!same) {
			failures++;
			if (reports++ < 3) {
				fprintf(stderr,
					"\nFAIL reference: rc %d, Kafka %d; replay with "
					"KT_SEED=0x%" PRIx64 " KT_CASE=%" PRIu64 "\n",
					rc, want_rc, seed, i);
				tg_desc_print(stderr, &desc);
				if (!rc) {
					fprintf(stderr, "  broker-range: ");
					tg_print_assignment(stderr, g, got);
				}
				if (!want_rc) {
					fprintf(stderr, "  Kafka:        ");
					tg_print_assignment(stderr, g, want);
				}
			}
		}
		tg_free(ws);
		free(want);
		free(got);
		ka_group_free(g);
	}
	CU_ASSERT_EQUAL(failures, 0);
	/* The draw must reach the rack pass, and Kafka's bug, often enough. */
	if (end - first == CASES) {
		CU_ASSERT(racked > CASES / 10);
		CU_ASSERT(bugs > 0);
	}
}

/* Kafka's rack pass lets every member reach minQ + 1 while the extras are
 * fewer than minQ + 1; the completion then gives A nothing left, and the
 * range from partition 0 that replaces A's partition 4 belongs to B. */
static const tg_topic bug_topics[] = {{"t", 5, "r1|r1|r2|r2|r0"}};
static const tg_member bug_members[] = {{"A", .rack = "r0", .topics = "t"},
					{"B", .rack = "r1", .topics = "t"},
					{"C", .rack = "r2", .topics = "t"}};

static void test_kafka_bug(void)
{
	ka_group *g = TG_BUILD(bug_topics, bug_members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	const ka_strategy *s = tg_strategy("broker-range");
	uint32_t want[5], got[5];
	CU_ASSERT_EQUAL(ref_assign(g, want), KA_EKAFKA);
	size_t wsz = ka_workspace_size(s, g);
	void *ws = tg_alloc_ws(wsz, 0);
	CU_ASSERT_EQUAL(ka_assign(s, g, ws, wsz, got), KA_EKAFKA);
	tg_free(ws);
	ka_group_free(g);
}

/* Co-partitioned rack pass with minQ > extras > 0 (5 partitions, 2 members):
 * a member leaves at minQ once its count is past the extras, though the
 * filter alone would let it take minQ + 1. B, on rack a, stops at 0 and 1;
 * partition 2 (only on rack a) waits for the completion, where A takes it
 * with the extra slot, and partition 4 (on no member's rack). */
static const tg_topic rule_topics[] = {{"t1", 5, "a|a|a|b|c"}, {"t2", 5, "a|a|a|b|c"}};
static const tg_member rule_members[] = {{"A", .rack = "b", .topics = "t1 t2"},
					 {"B", .rack = "a", .topics = "t1 t2"}};

static void test_leave_rule(void)
{
	ka_group *g = TG_BUILD(rule_topics, rule_members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t want[10];
	CU_ASSERT_EQUAL(ref_assign(g, want), 0);
	const char *kafka = "A t1:2,3,4 t2:2,3,4; B t1:0,1 t2:0,1";
	CU_ASSERT(tg_expect(g, want, kafka, "transcription"));
	uint32_t *got = tg_run(tg_strategy("broker-range"), g, 0x5A);
	CU_ASSERT(tg_expect(g, got, kafka, "broker-range"));
	free(got);
	ka_group_free(g);
}

/* Rack lists whose flat run repeats the first partition's though the lists
 * differ: t2's a,b,c | a | b,c reads a,b,c,a,b,c like t1's. The sets are
 * distinct, so Kafka runs the rack pass; a check of the racks alone, not of
 * where each list starts, would skip it. */
static const tg_topic periodic_topics[] = {{"t1", 3, "a,b,c|a,b,c|a,b,c"},
					   {"t2", 3, "a,b,c|a|b,c"}};
static const tg_member periodic_members[] = {{"A", .rack = "b", .topics = "t1 t2"},
					     {"B", .rack = "a", .topics = "t1 t2"}};

static void test_periodic_racks(void)
{
	ka_group *g = TG_BUILD(periodic_topics, periodic_members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	const uint32_t tops[] = {0, 1};
	CU_ASSERT(should_use_racks(g, tops, 2));
	uint32_t want[6];
	CU_ASSERT_EQUAL(ref_assign(g, want), 0);
	uint32_t *got = tg_run(tg_strategy("broker-range"), g, 0x5A);
	for (uint32_t p = 0; p < 6; p++)
		CU_ASSERT_EQUAL(got[p], want[p]);
	free(got);
	ka_group_free(g);
}

static const kt_test reference_tests[] = {{"reference", test_reference}, {NULL, NULL}};
static const kt_test bug_tests[] = {{"kafka_bug", test_kafka_bug},
				    {"leave_rule", test_leave_rule},
				    {"periodic_racks", test_periodic_racks},
				    {NULL, NULL}};

static const kt_suite suites[] = {
    {"reference", reference_tests}, {"kafka_bug", bug_tests}, {NULL, NULL}};

KT_MAIN(suites)
