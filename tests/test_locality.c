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
 *             may buy locality with balance, which locality never does).
 *
 * Groups come from tests/testgroups.c; a failure prints the seed and case.
 */
#include <kassign/kassign.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/rng.h"
#include "testgroups.h"
#include "ktest.h"

#define CASES 4000

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
	CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
	CU_ASSERT_EQUAL(ka_metrics_compute(g, owner, ws, n, &m), 0);
	free(ws);
	return m;
}

static uint64_t sum_sq(const ka_group *g, const uint32_t *owner)
{
	uint64_t *load = calloc(g->n_members + 1, sizeof *load), sq = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(load);
	for (uint32_t p = 0; p < g->n_partitions; p++)
		if (owner[p] != KA_NONE)
			load[owner[p]]++;
	for (uint32_t m = 0; m < g->n_members; m++)
		sq += load[m] * load[m];
	free(load);
	return sq;
}

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
	uint32_t *owner = run(strategy("locality"), g);
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
	uint32_t *loc = run(strategy("locality"), g);
	uint32_t *st = run(strategy("sticky"), g);
	ka_metrics ml = metrics(g, loc), ms = metrics(g, st);
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
	uint32_t *owner = run(strategy("locality"), g);
	ka_metrics m = metrics(g, owner);
	ka_optimum opt;
	CU_ASSERT_EQUAL_FATAL(ka_optimum_compute(g, 100000000ull, &opt, NULL), 0);
	CU_ASSERT_EQUAL(sum_sq(g, owner), opt.load_sq);
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
	uint32_t *a = run(strategy("locality"), g), *b = run(strategy("sticky"), g);
	CU_ASSERT(memcmp(a, b, g->n_partitions * sizeof *a) == 0);
	free(a);
	free(b);
	ka_group_free(g);
}

/* ------------------------------------------------------------ random groups */

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
	uint64_t first, seed = kt_seed(0x6c6f63616cull), n = tg_case_range(CASES, &first);
	const ka_strategy *s = strategy("locality"), *st = strategy("sticky"),
			  *rg = strategy("range");
	uint64_t with_racks = 0, gained = 0;
	for (uint64_t i = first; i < first + n; i++) {
		ka_group *g = random_group(seed, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *owner = run(s, g), *so = run(st, g), *ro = run(rg, g);
		ka_optimum opt;
		CU_ASSERT_EQUAL_FATAL(ka_optimum_compute(g, 400000000ull, &opt, NULL), 0);
		ka_metrics m = metrics(g, owner), ms = metrics(g, so), mr = metrics(g, ro);
		bool ok = ka_assignment_validate(g, owner, 0, NULL, NULL) == 0;
		ok = ok && sum_sq(g, owner) == opt.load_sq;
		ok = ok && m.local == opt.local && m.moved == opt.moved;
		ok = ok && m.balanced;
		if (g->flags & KA_GROUP_HOMOGENEOUS)
			ok = ok && m.load_max - m.load_min <= 1;
		ok = ok && m.local >= ms.local;
		if (sum_sq(g, ro) == opt.load_sq)
			ok = ok && m.local >= mr.local;
		with_racks += m.rack_known > 0;
		gained += m.local > ms.local;
		CU_ASSERT(ok);
		if (!ok) {
			report("locality is not the optimum", seed, i, &desc);
			fprintf(stderr,
				"  sum_sq %" PRIu64 " (optimum %" PRIu64 "), local %u (optimum %u, "
				"sticky %u, range %u), moved %u (optimum %u), balanced %d\n  got: ",
				sum_sq(g, owner), opt.load_sq, m.local, opt.local, ms.local,
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
		" more local than sticky\n",
		n, with_racks, gained);
}

static const kt_test example_tests[] = {{"swap", test_swap},
					{"rule off", test_rule_off},
					{"member without rack", test_no_rack_member},
					{"no racks", test_no_racks},
					{NULL, NULL}};
static const kt_test optimal_tests[] = {{"optimal", test_optimal}, {NULL, NULL}};

static const kt_suite suites[] = {
    {"examples", example_tests}, {"optimal", optimal_tests}, {NULL, NULL}};

KT_MAIN(suites)
