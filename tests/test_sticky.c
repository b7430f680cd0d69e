/*
 * test_sticky.c - the sticky family against the exact optimum.
 *
 *   optimal:     on random groups, `sticky` is valid, exactly as balanced as
 *                ka_optimum_compute (same sum of squared loads, which is the
 *                lexicographic optimum), and, where racks play no part, moves
 *                exactly as few partitions; with equal subscriptions that is
 *                also docs/metrics.md's closed form.
 *   cooperative: `cooperative-sticky` is the sticky plan with some partitions
 *                withheld, never a partition revoked from one member and
 *                given to another in the same round (Kafka's check), and
 *                only partitions whose ownership changes are withheld.
 *   followup:    the next round, with this round's result as owned, is
 *                complete and moves nothing: the plan is reached in two rounds.
 *
 * Groups come from tests/testgroups.c; a failure prints the seed and case.
 */
#include <kassign/kassign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/rng.h"
#include "testgroups.h"
#include "ktest.h"

#define CASES 2500

static const ka_strategy *strategy(const char *name)
{
	const ka_strategy *s = ka_strategy_find(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

/* Runs a strategy into a fresh owner array (caller frees). */
static uint32_t *run(const ka_strategy *s, const ka_group *g)
{
	size_t n = ka_workspace_size(s, g);
	void *ws = tg_alloc_ws(n, 1);
	uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * sizeof *owner);
	CU_ASSERT_PTR_NOT_NULL_FATAL(owner);
	CU_ASSERT_EQUAL(ka_assign(s, g, ws, n, owner), 0);
	tg_free(ws);
	return owner;
}

static ka_metrics metrics(const ka_group *g, const uint32_t *owner)
{
	ka_metrics m;
	size_t n = ka_metrics_workspace_size(g);
	void *ws = malloc(n + 8);
	ka_metrics_compute(g, owner, ws, n, &m);
	free(ws);
	return m;
}

static uint64_t sum_sq(const ka_group *g, const uint32_t *owner)
{
	uint64_t *load = calloc(g->n_members + 1, sizeof *load), sq = 0;
	for (uint32_t p = 0; p < g->n_partitions; p++)
		if (owner[p] != KA_NONE)
			load[owner[p]]++;
	for (uint32_t m = 0; m < g->n_members; m++)
		sq += load[m] * load[m];
	free(load);
	return sq;
}

static bool racks_matter(const ka_group *g)
{
	return (g->flags & KA_GROUP_MEMBER_RACKS) && (g->flags & KA_GROUP_PARTITION_RACKS);
}

static void report(const char *what, uint64_t seed, uint64_t i, const tg_desc *d)
{
	fprintf(stderr, "\nFAIL %s: replay with KT_SEED=0x%" PRIx64 " KT_CASE=%" PRIu64 "\n", what,
		seed, i);
	tg_desc_print(stderr, d);
}

static tg_desc desc; /* large: one at a time */

static ka_group *random_group(uint64_t seed, uint64_t i)
{
	kd_rng r;
	tg_case_rng(&r, seed, i);
	uint32_t opts = 0;
	if (kd_rng_below(&r, 3) == 0)
		opts |= TG_HOMOGENEOUS;
	if (kd_rng_below(&r, 10) == 0)
		opts |= TG_LARGE;
	tg_random(&r, opts, &desc);
	return tg_desc_build(&desc);
}

static void test_optimal(void)
{
	uint64_t first, seed = kt_seed(0x737469636b79ull), n = tg_case_range(CASES, &first);
	const ka_strategy *s = strategy("sticky");
	for (uint64_t i = first; i < first + n; i++) {
		ka_group *g = random_group(seed, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *owner = run(s, g);
		ka_optimum opt;
		int rc = ka_optimum_compute(g, 400000000ull, &opt, NULL);
		CU_ASSERT_EQUAL(rc, 0);
		bool ok = ka_assignment_validate(g, owner, 0, NULL, NULL) == 0;
		ok = ok && sum_sq(g, owner) == opt.load_sq;
		ka_metrics m = metrics(g, owner);
		if (!racks_matter(g))
			ok = ok && m.moved == opt.moved;
		if (g->flags & KA_GROUP_HOMOGENEOUS)
			ok = ok && m.moved == m.moved_min && m.load_max - m.load_min <= 1;
		ok = ok && m.balanced;
		CU_ASSERT(ok);
		if (!ok) {
			report("sticky is not the optimum", seed, i, &desc);
			fprintf(stderr, "  sum_sq %" PRIu64 " (optimum %" PRIu64 "), moved %u "
					"(optimum %u, bound %u), balanced %d\n  got: ",
				sum_sq(g, owner), opt.load_sq, m.moved, opt.moved, m.moved_min,
				m.balanced);
			tg_print_assignment(stderr, g, owner);
		}
		free(owner);
		ka_group_free(g);
		if (!ok)
			return;
	}
}

/* Whether member m lists p among its owned partitions. */
static bool claims(const ka_group *g, uint32_t m, uint32_t p)
{
	for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++)
		if (g->own_part[k] == p)
			return true;
	return false;
}

static void test_cooperative(void)
{
	uint64_t first, seed = kt_seed(0x636f6f70ull), n = tg_case_range(CASES, &first);
	const ka_strategy *eager = strategy("sticky"), *coop = strategy("cooperative-sticky");
	CU_ASSERT(coop->flags & KA_STRATEGY_COOPERATIVE);
	for (uint64_t i = first; i < first + n; i++) {
		ka_group *g = random_group(seed, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *plan = run(eager, g), *round = run(coop, g);
		bool ok = ka_assignment_validate(g, round, 1, NULL, NULL) == 0;
		for (uint32_t p = 0; ok && p < g->n_partitions; p++) {
			/* this round is the plan, some partitions withheld */
			ok = round[p] == plan[p] || round[p] == KA_NONE;
			if (!ok)
				break;
			/* withheld: its ownership changes (some claimant loses it) */
			if (round[p] == KA_NONE && plan[p] != KA_NONE) {
				bool someone_loses = false;
				for (uint32_t m = 0; m < g->n_members; m++)
					someone_loses |= m != plan[p] && claims(g, m, p);
				ok = someone_loses;
			}
			/* no direct handover: given to a non-claimant while a claimant loses it */
			if (round[p] != KA_NONE && !claims(g, round[p], p))
				for (uint32_t m = 0; m < g->n_members; m++)
					if (m != round[p] && claims(g, m, p))
						ok = false;
		}
		CU_ASSERT(ok);
		if (!ok) {
			report("cooperative round", seed, i, &desc);
			fprintf(stderr, "  plan:  ");
			tg_print_assignment(stderr, g, plan);
			fprintf(stderr, "  round: ");
			tg_print_assignment(stderr, g, round);
		}
		free(plan);
		free(round);
		ka_group_free(g);
		if (!ok)
			return;
	}
}

/* The same group with owned = this round's result, generation 1 for all. */
static ka_group *next_round(const ka_group *g, const uint32_t *owner)
{
	ka_builder *b = ka_builder_new(NULL, NULL);
	for (uint32_t t = 0; t < g->n_topics; t++)
		ka_builder_add_topic(b, g->topic_name[t], g->topic_off[t + 1] - g->topic_off[t]);
	for (uint32_t t = 0; t < g->n_topics; t++)
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
				ka_builder_add_partition_rack(b, t, p - g->topic_off[t],
							      g->rack_name[g->prack[a]]);
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint16_t r = g->member_rack[m];
		ka_builder_add_member(b, g->member_id[m], g->instance_id[m],
				      r == KA_NO_RACK ? NULL : g->rack_name[r], 1);
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			ka_builder_subscribe_index(b, m, g->sub_topic[s]);
		for (uint32_t t = 0; t < g->n_topics; t++)
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
				if (owner[p] == m)
					ka_builder_add_owned_index(b, m, t, p - g->topic_off[t], KA_NONE);
	}
	ka_group *out = NULL;
	CU_ASSERT_EQUAL(ka_builder_finish(b, &out), 0);
	ka_builder_free(b);
	return out;
}

static void test_followup(void)
{
	uint64_t first, seed = kt_seed(0x666f6c6cull), n = tg_case_range(CASES, &first);
	const ka_strategy *coop = strategy("cooperative-sticky");
	for (uint64_t i = first; i < first + n; i++) {
		ka_group *g = random_group(seed, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *round = run(coop, g);
		/* Topics and members are in the model's order in both groups. */
		ka_group *g2 = next_round(g, round);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g2);
		uint32_t *second = run(coop, g2);
		ka_metrics m = metrics(g2, second);
		bool ok = ka_assignment_validate(g2, second, 0, NULL, NULL) == 0 && m.moved == 0 &&
			  m.balanced;
		CU_ASSERT(ok);
		if (!ok) {
			report("follow-up round", seed, i, &desc);
			fprintf(stderr, "  moved %u, balanced %d\n  first:  ", m.moved, m.balanced);
			tg_print_assignment(stderr, g, round);
			fprintf(stderr, "  second: ");
			tg_print_assignment(stderr, g2, second);
		}
		free(round);
		free(second);
		ka_group_free(g2);
		ka_group_free(g);
		if (!ok)
			return;
	}
}

static const kt_test optimal_tests[] = {{"optimal", test_optimal}, {NULL, NULL}};
static const kt_test cooperative_tests[] = {{"cooperative", test_cooperative}, {NULL, NULL}};
static const kt_test followup_tests[] = {{"followup", test_followup}, {NULL, NULL}};

static const kt_suite suites[] = {{"optimal", optimal_tests},
				  {"cooperative", cooperative_tests},
				  {"followup", followup_tests},
				  {NULL, NULL}};

KT_MAIN(suites)
