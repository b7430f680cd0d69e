/*
 * test_locality.c - the `locality` strategy against the exact optimum.
 *
 *   examples: hand-made groups where locality matters, one of them where
 *             Kafka's rule (KIP-881) keeps `sticky` from aligning racks.
 *   optimal:  on random groups (most with racks), `locality` is valid,
 *             exactly as balanced as ka_optimum_compute (same sum of squared
 *             loads), exactly as local (ka_optimum.local) and moves exactly
 *             as few partitions (ka_optimum.moved); equal subscriptions give
 *             max - min <= 1; it is never less local than `sticky`, nor than
 *             `range` wherever range is as balanced as the optimum (range
 *             may buy locality with balance, which locality never does);
 *             and on the skewed rack layouts of `kassign gen` (small
 *             custom grids) exactly as balanced and local as the optimum.
 *
 * Groups come from tests/testgroups.c; a failure prints the seed and case.
 */
#include <kassign/kassign.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/gen.h"
#include "datasets/rng.h"
#include "testgroups.h"
#include "ktest.h"

#define CASES 4000

/* ------------------------------------------------------------ examples */

/* Swapped claims on a two-rack topic: all four move to be local (Kafka's
 * rule is on here, so sticky does the same). */
static void test_swap(void)
{
	static const tg_topic topics[] = {{"t", 4, "a|a|b|b"}};
	static const tg_member members[] = {
	    {"c0", .rack = "a", .topics = "t", .owned = "t:2,3", .gen = "1"},
	    {"c1", .rack = "b", .topics = "t", .owned = "t:0,1", .gen = "1"},
	};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t *owner = tg_run(tg_strategy("locality"), g, 1);
	CU_ASSERT(tg_expect(g, owner, "c0 t:0,1; c1 t:2,3", "locality"));
	free(owner);
	ka_group_free(g);
}

/*
 * Every partition on rack a only: Kafka's rule is off (all partitions have
 * the same replica racks), so sticky keeps c1's two claims off its rack.
 * Balance wants loads 2, 1, 1: locality leaves c1 one partition, the one of
 * its claims, and puts the other three on rack a.
 */
static void test_rule_off(void)
{
	static const tg_topic topics[] = {{"t", 4, "a|a|a|a"}};
	static const tg_member members[] = {
	    {"c0", .rack = "a", .topics = "t"},
	    {"c1", .rack = "b", .topics = "t", .owned = "t:0,1", .gen = "1"},
	    {"c2", .rack = "a", .topics = "t"},
	};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t *loc = tg_run(tg_strategy("locality"), g, 1);
	uint32_t *st = tg_run(tg_strategy("sticky"), g, 1);
	ka_metrics ml = tg_metrics(g, loc), ms = tg_metrics(g, st);
	CU_ASSERT_EQUAL(ml.local, 3);
	CU_ASSERT_EQUAL(ms.local, 2);
	CU_ASSERT_EQUAL(ml.moved, 1);
	CU_ASSERT_EQUAL(ml.load_max - ml.load_min, 1);
	CU_ASSERT_EQUAL((loc[0] == 1) + (loc[1] == 1), 1); /* c1 keeps one of its claims */
	CU_ASSERT_EQUAL((loc[2] == 1) + (loc[3] == 1), 0);
	free(loc);
	free(st);
	ka_group_free(g);
}

/* A member without a rack is never local: it gets what balance forces on it
 * and nothing a racked member could take locally. Unequal subscriptions. */
static void test_no_rack_member(void)
{
	static const tg_topic topics[] = {{"t", 4, "a|b|a|b"}, {"u", 2, "a|a"}};
	static const tg_member members[] = {
	    {"c0", .rack = "a", .topics = "t u"},
	    {"c1", .rack = "b", .topics = "t"},
	    {"c2", .topics = "t u"},
	};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t *owner = tg_run(tg_strategy("locality"), g, 1);
	ka_metrics m = tg_metrics(g, owner);
	ka_optimum opt;
	CU_ASSERT_EQUAL_FATAL(ka_optimum_compute(g, 100000000ull, &opt, NULL), 0);
	CU_ASSERT_EQUAL(tg_sum_sq(g, owner), opt.load_sq);
	CU_ASSERT_EQUAL(m.local, opt.local);
	CU_ASSERT_EQUAL(m.local, 4); /* loads 2, 2, 2: c2's two are remote */
	free(owner);
	ka_group_free(g);
}

/* No racks at all: locality is sticky. */
static void test_no_racks(void)
{
	static const tg_topic topics[] = {{"t", 5, NULL}};
	static const tg_member members[] = {
	    {"c0", .topics = "t", .owned = "t:0,1,2", .gen = "2"},
	    {"c1", .topics = "t", .owned = "t:3", .gen = "2"},
	    {"c2", .topics = "t"},
	};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t *a = tg_run(tg_strategy("locality"), g, 1),
		 *b = tg_run(tg_strategy("sticky"), g, 1);
	CU_ASSERT(memcmp(a, b, g->n_partitions * sizeof *a) == 0);
	free(a);
	free(b);
	ka_group_free(g);
}

/* ------------------------------------------------------------ random groups */

static tg_desc desc; /* large: one at a time */

static void test_optimal(void)
{
	uint64_t first, seed = kt_seed(0x6c6f63616cull), n = tg_case_range(CASES, &first);
	const ka_strategy *s = tg_strategy("locality"), *st = tg_strategy("sticky"),
			  *rg = tg_strategy("range");
	uint64_t with_racks = 0, gained = 0, beyond = 0;
	for (uint64_t i = first; i < first + n; i++) {
		ka_group *g = tg_random_case(seed, i, &desc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *owner = tg_run(s, g, 1), *so = tg_run(st, g, 1), *ro = tg_run(rg, g, 1);
		ka_optimum opt;
		/* Wide groups (past 16 topics) get a smaller budget, and past it
		 * are only checked valid: the independent solver is slow there. */
		const int rc = ka_optimum_compute(
		    g, desc.n_topics > 16 ? 3000000ull : 400000000ull, &opt, NULL);
		ka_metrics m = tg_metrics(g, owner), ms = tg_metrics(g, so), mr = tg_metrics(g, ro);
		bool ok = ka_assignment_validate(g, owner, 0, NULL, NULL) == 0;
		if (rc == KA_ELIMIT && desc.n_topics > 16) {
			beyond++;
			CU_ASSERT(ok);
			if (!ok)
				tg_report("locality is not valid", seed, i, &desc);
			free(owner);
			free(so);
			free(ro);
			ka_group_free(g);
			if (!ok)
				return;
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		ok = ok && tg_sum_sq(g, owner) == opt.load_sq;
		ok = ok && m.local == opt.local && m.moved == opt.moved;
		ok = ok && m.balanced;
		if (g->flags & KA_GROUP_HOMOGENEOUS)
			ok = ok && m.load_max - m.load_min <= 1;
		/* Kafka's sticky and range can be more local by being less
		 * balanced: compare only with an answer as balanced. */
		if (tg_sum_sq(g, so) == opt.load_sq)
			ok = ok && m.local >= ms.local;
		if (tg_sum_sq(g, ro) == opt.load_sq)
			ok = ok && m.local >= mr.local;
		with_racks += m.rack_known > 0;
		gained += m.local > ms.local;
		CU_ASSERT(ok);
		if (!ok) {
			tg_report("locality is not the optimum", seed, i, &desc);
			fprintf(stderr,
				"  sum_sq %" PRIu64 " (optimum %" PRIu64 "), local %u (optimum %u, "
				"sticky %u, range %u), moved %u (optimum %u), balanced %d\n  got: ",
				tg_sum_sq(g, owner), opt.load_sq, m.local, opt.local, ms.local,
				mr.local, m.moved, opt.moved, m.balanced);
			tg_print_assignment(stderr, g, owner);
		}
		free(owner);
		free(so);
		free(ro);
		ka_group_free(g);
		if (!ok)
			return;
	}
	/* The random groups must exercise racks, and locality must beat
	 * sticky somewhere, or this suite proves little. */
	if (n >= 1000) {
		CU_ASSERT(with_racks > n / 4);
		CU_ASSERT(gained > 0);
	}
	fprintf(stderr,
		"locality: %" PRIu64 " groups, %" PRIu64 " with racks, %" PRIu64
		" more local than sticky, %" PRIu64 " past the solver (checked valid)\n",
		n, with_racks, gained, beyond);
}

/*
 * The skewed rack layouts of `kassign gen` (datasets/gen.c) on small custom
 * grids: locality reaches the exact optimum on every one. Fresh groups, so
 * this checks balance and locality; the random groups above check moves.
 */
/* One group past 64 member racks: the grouping without bit masks. */
static void check_many_racks(void)
{
	kd_grid grid;
	CU_ASSERT_EQUAL_FATAL(kd_grid_parse("70x2x45", &grid), 0);
	const kd_gen_spec spec = {.grid = &grid,
				  .subs = KD_SUBS_HETEROGENEOUS,
				  .variant = KD_VARIANT_RACKS,
				  .seed = 5,
				  .racks = 70,
				  .replication = 2,
				  .rack_layout = KD_RACKS_EVEN};
	char err[256];
	ka_group *g = NULL;
	CU_ASSERT_EQUAL_FATAL(kd_generate(&spec, &g, err, sizeof err), 0);
	CU_ASSERT_EQUAL(g->n_racks, 70); /* a member on each */
	uint32_t *owner = tg_run(tg_strategy("locality"), g, 1);
	ka_optimum opt;
	CU_ASSERT_EQUAL_FATAL(ka_optimum_compute(g, 400000000ull, &opt, NULL), 0);
	ka_metrics m = tg_metrics(g, owner);
	CU_ASSERT_EQUAL(tg_sum_sq(g, owner), opt.load_sq);
	CU_ASSERT_EQUAL(m.local, opt.local);
	CU_ASSERT(m.local > 0);
	free(owner);
	ka_group_free(g);
}

static void test_layouts(void)
{
	check_many_racks();
	uint64_t first, seed = kt_seed(0x6c61796f7574ull), n = tg_case_range(400, &first);
	const ka_strategy *s = tg_strategy("locality");
	for (uint64_t i = first; i < first + n; i++) {
		kd_rng r;
		tg_case_rng(&r, seed, i);
		char name[64];
		snprintf(name, sizeof name, "%ux%ux%u", 2 + (unsigned)kd_rng_below(&r, 9),
			 1 + (unsigned)kd_rng_below(&r, 3), 1 + (unsigned)kd_rng_below(&r, 9));
		kd_grid grid;
		CU_ASSERT_EQUAL_FATAL(kd_grid_parse(name, &grid), 0);
		const uint32_t racks = 2 + (uint32_t)kd_rng_below(&r, 3);
		const kd_gen_spec spec = {.grid = &grid,
					  .subs = (int)kd_rng_below(&r, 2),
					  .variant = KD_VARIANT_RACKS,
					  .seed = i,
					  .racks = racks,
					  .replication = 1 + (uint32_t)kd_rng_below(&r, racks),
					  .rack_layout = (int)kd_rng_below(&r, 4)};
		char err[256];
		ka_group *g = NULL;
		CU_ASSERT_EQUAL_FATAL(kd_generate(&spec, &g, err, sizeof err), 0);
		uint32_t *owner = tg_run(s, g, 1);
		ka_optimum opt;
		CU_ASSERT_EQUAL_FATAL(ka_optimum_compute(g, 400000000ull, &opt, NULL), 0);
		ka_metrics m = tg_metrics(g, owner);
		const bool ok = ka_assignment_validate(g, owner, 0, NULL, NULL) == 0 &&
				tg_sum_sq(g, owner) == opt.load_sq && m.local == opt.local &&
				m.balanced;
		CU_ASSERT(ok);
		if (!ok)
			fprintf(
			    stderr,
			    "\nFAIL layout %s: replay with KT_SEED=0x%" PRIx64 " KT_CASE=%" PRIu64
			    ": local %u (optimum %u), sum_sq %" PRIu64 " (optimum %" PRIu64 ")\n",
			    g->name, seed, i, m.local, opt.local, tg_sum_sq(g, owner), opt.load_sq);
		free(owner);
		/* Generated groups name replica 0 the leader: locality-leader is
		 * the optimum of the leader view. */
		ka_group view;
		CU_ASSERT_EQUAL_FATAL(ka_group_leader_view(g, &view), 0);
		owner = tg_run(tg_strategy("locality-leader"), g, 1);
		CU_ASSERT_EQUAL_FATAL(ka_optimum_compute(&view, 400000000ull, &opt, NULL), 0);
		m = tg_metrics(&view, owner);
		const bool lok = ka_assignment_validate(g, owner, 0, NULL, NULL) == 0 &&
				 tg_sum_sq(g, owner) == opt.load_sq && m.local == opt.local &&
				 m.balanced;
		CU_ASSERT(lok);
		if (!lok)
			fprintf(stderr,
				"\nFAIL leader layout %s: replay with KT_SEED=0x%" PRIx64
				" KT_CASE=%" PRIu64 ": leader-local %u (optimum %u)\n",
				g->name, seed, i, m.local, opt.local);
		free(owner);
		ka_group_free(g);
		if (!ok || !lok)
			return;
	}
}

/* Both replicas local for locality; only the leader for locality-leader. */
static void test_leader(void)
{
	static const tg_topic topics[] = {{"t", 2, "a,b|a,b"}};
	static const tg_member members[] = {
	    {"c0", .rack = "a", .topics = "t", .owned = "t:1", .gen = "1"},
	    {"c1", .rack = "b", .topics = "t", .owned = "t:0", .gen = "1"},
	};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_FALSE(g->flags & KA_GROUP_LEADER_RACKS);
	uint32_t *owner = tg_run(tg_strategy("locality-leader"), g, 1);
	CU_ASSERT(tg_expect(g, owner, "c0 t:1; c1 t:0", "no leaders: sticky"));
	free(owner);
	ka_group_free(g);

	ka_builder *b = ka_builder_new(NULL, NULL);
	CU_ASSERT_FATAL(b != NULL);
	CU_ASSERT_EQUAL(ka_builder_add_topic(b, "t", 2), 0);
	for (uint32_t p = 0; p < 2; p++) {
		CU_ASSERT_EQUAL(ka_builder_add_partition_rack(b, 0, p, "a"), 0);
		CU_ASSERT_EQUAL(ka_builder_add_partition_rack(b, 0, p, "b"), 0);
	}
	CU_ASSERT_EQUAL(ka_builder_set_partition_leader(b, 0, 0, "a"), 0);
	CU_ASSERT_EQUAL(ka_builder_set_partition_leader(b, 0, 1, "b"), 0);
	CU_ASSERT_EQUAL(ka_builder_add_member(b, "c0", NULL, "a", 1), 0);
	CU_ASSERT_EQUAL(ka_builder_subscribe(b, 0, "t", 0), 0);
	CU_ASSERT_EQUAL(ka_builder_add_owned(b, 0, "t", 1, 0), 0);
	CU_ASSERT_EQUAL(ka_builder_add_member(b, "c1", NULL, "b", 1), 1);
	CU_ASSERT_EQUAL(ka_builder_subscribe(b, 1, "t", 0), 0);
	CU_ASSERT_EQUAL(ka_builder_add_owned(b, 1, "t", 0, 0), 0);
	CU_ASSERT_EQUAL_FATAL(ka_builder_finish(b, &g), 0);
	ka_builder_free(b);
	CU_ASSERT(g->flags & KA_GROUP_LEADER_RACKS);
	owner = tg_run(tg_strategy("locality"), g, 1);
	CU_ASSERT(tg_expect(g, owner, "c0 t:1; c1 t:0", "locality keeps both (all local)"));
	free(owner);
	owner = tg_run(tg_strategy("locality-leader"), g, 1);
	CU_ASSERT(tg_expect(g, owner, "c0 t:0; c1 t:1", "locality-leader swaps to the leaders"));
	free(owner);
	ka_group_free(g);

	/* A leader off the partition's racks fails the build. */
	b = ka_builder_new(NULL, NULL);
	CU_ASSERT_FATAL(b != NULL);
	CU_ASSERT_EQUAL(ka_builder_add_topic(b, "t", 1), 0);
	CU_ASSERT_EQUAL(ka_builder_add_partition_rack(b, 0, 0, "a"), 0);
	CU_ASSERT_EQUAL(ka_builder_set_partition_leader(b, 0, 0, "b"), 0);
	g = NULL;
	CU_ASSERT_EQUAL(ka_builder_finish(b, &g), KA_ELEADER);
	CU_ASSERT_PTR_NULL(g);
	ka_builder_free(b);
}

static const kt_test example_tests[] = {{"swap", test_swap},
					{"rule off", test_rule_off},
					{"member without rack", test_no_rack_member},
					{"no racks", test_no_racks},
					{"leader racks", test_leader},
					{NULL, NULL}};
static const kt_test optimal_tests[] = {
    {"optimal", test_optimal}, {"skewed rack layouts", test_layouts}, {NULL, NULL}};

static const kt_suite suites[] = {
    {"examples", example_tests}, {"optimal", optimal_tests}, {NULL, NULL}};

KT_MAIN(suites)
