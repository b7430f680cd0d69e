/*
 * test_gap.c - the optimum at any size (ka_optimum_flow) and the gap of an
 * assignment to it (ka_gap_of), which `kassign check`, the sweep and the
 * benchmarks report.
 *
 *   exact: on random groups small enough for ka_optimum_compute (the
 *          unit-step flow, itself checked by exhaustive enumeration), the
 *          flow optimum has the same balance (load_sq, load_min, load_max),
 *          locality and moves; every strategy's gap is 0 or more at the first
 *          level, and a strategy with a zero gap on all levels has exactly
 *          the optimum's figures.
 *
 * Random suites print KT_SEED and KT_CASE of a failing case and the group.
 */
#include <inttypes.h>
#include <kassign/kassign.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/rng.h"
#include "ktest.h"
#include "testgroups.h"

#define CASES 1500

static tg_desc desc;

static void test_exact(void)
{
	uint64_t first, seed = kt_seed(0x6761700000000001ull), end = tg_case_range(CASES, &first);
	uint64_t failures = 0, solved = 0, local_cases = 0, reports = 0;
	for (uint64_t i = first; i < end; i++) {
		kd_rng r;
		tg_case_rng(&r, seed, i);
		tg_random(&r, kd_rng_below(&r, 3) == 0 ? TG_HOMOGENEOUS : 0, &desc);
		ka_group *g = tg_desc_build(&desc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		ka_optimum exact, flow;
		if (ka_optimum_compute(g, 50000000ull, &exact, NULL) != 0) {
			ka_group_free(g);
			continue;
		}
		solved++;
		size_t wsz = ka_optimum_flow_workspace_size(g);
		void *ws = tg_alloc_ws(wsz, 0xA5);
		int rc = ka_optimum_flow(g, ws, wsz, &flow);
		tg_free(ws);
		CU_ASSERT_EQUAL(rc, 0);
		local_cases += exact.local > 0;
		int same = rc == 0 && flow.load_sq == exact.load_sq &&
			   flow.load_min == exact.load_min && flow.load_max == exact.load_max &&
			   flow.local == exact.local && flow.moved == exact.moved;
		/* Every strategy: no balance better than the optimum's. */
		for (size_t s = 0; same && s < ka_strategy_count(); s++) {
			const ka_strategy *st = ka_strategy_at(s);
			if (st->flags & KA_STRATEGY_COOPERATIVE)
				continue; /* withholds partitions: not a full assignment */
			size_t sz = ka_workspace_size(st, g);
			void *sws = tg_alloc_ws(sz, 0);
			uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * sizeof *owner);
			if (ka_assign(st, g, sws, sz, owner) == 0) {
				ka_metrics m = tg_metrics(g, owner);
				ka_gap d;
				ka_gap_of(&m, &flow, &d);
				if (d.load_sq < 0 || (d.load_sq == 0 && d.local < 0) ||
				    (d.load_sq == 0 && d.local == 0 && d.moved < 0))
					same = 0;
			}
			free(owner);
			tg_free(sws);
		}
		if (!same) {
			failures++;
			if (reports++ < 3) {
				fprintf(stderr,
					"\nFAIL flow optimum: sq %" PRIu64 "/%" PRIu64
					" local %u/%u moved "
					"%u/%u (flow/exact); replay with KT_SEED=0x%" PRIx64
					" KT_CASE=%" PRIu64 "\n",
					flow.load_sq, exact.load_sq, flow.local, exact.local,
					flow.moved, exact.moved, seed, i);
				tg_desc_print(stderr, &desc);
			}
		}
		ka_group_free(g);
	}
	CU_ASSERT_EQUAL(failures, 0);
	if (end - first == CASES) {
		CU_ASSERT(solved > CASES / 2);
		CU_ASSERT(local_cases > CASES / 20);
	}
}

static const kt_test exact_tests[] = {{"exact", test_exact}, {NULL, NULL}};
static const kt_suite suites[] = {{"exact", exact_tests}, {NULL, NULL}};

KT_MAIN(suites)
