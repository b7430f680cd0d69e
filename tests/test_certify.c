/*
 * test_certify.c - the balance certificate (assignors/src/certify.c, an
 * internal function: this test reaches past the public header on purpose)
 * against the exact optimum: an assignment is certified most balanced
 * exactly when its sum of squared loads is ka_optimum_compute's.
 *
 * Assignments: every strategy's, and random valid ones (mostly unbalanced).
 */
#include <kassign/kassign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "assignors/src/internal.h"
#include "datasets/rng.h"
#include "testgroups.h"
#include "ktest.h"

#define CASES 3000

static tg_desc desc;

static bool certified(const ka_group *g, const uint32_t *owner)
{
	size_t n = ka__certify_size(g);
	void *mem = tg_alloc_ws(n, 1);
	ka__ws w;
	ka__ws_init(&w, mem, n);
	int ok = ka__certify_balance(g, owner, &w);
	tg_free(mem);
	return ok == 1;
}

static uint64_t load_sq(const ka_group *g, const uint32_t *owner)
{
	ka_metrics m;
	size_t n = ka_metrics_workspace_size(g);
	void *ws = malloc(n + 8);
	ka_metrics_compute(g, owner, ws, n, &m);
	free(ws);
	return m.load_sq;
}

/* One checked assignment; prints the case on disagreement. */
static bool agree(const ka_group *g, const uint32_t *owner, uint64_t best, const char *what,
		  uint64_t seed, uint64_t i)
{
	bool is_best = load_sq(g, owner) == best, cert = certified(g, owner);
	if (is_best == cert)
		return true;
	fprintf(stderr,
		"\nFAIL %s: certificate says %d, sum of squares %" PRIu64 " vs optimum %" PRIu64
		", replay with KT_SEED=0x%" PRIx64 " KT_CASE=%" PRIu64 "\n",
		what, cert, load_sq(g, owner), best, seed, i);
	tg_desc_print(stderr, &desc);
	tg_print_assignment(stderr, g, owner);
	return false;
}

static void test_agrees_with_optimum(void)
{
	uint64_t first, seed = kt_seed(0x63657274ull), n = tg_case_range(CASES, &first);
	uint64_t certified_best = 0, rejected = 0;
	for (uint64_t i = first; i < first + n; i++) {
		kd_rng r;
		tg_case_rng(&r, seed, i);
		uint32_t opts = kd_rng_below(&r, 8) == 0 ? TG_LARGE : 0;
		tg_random(&r, opts, &desc);
		ka_group *g = tg_desc_build(&desc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		ka_optimum opt;
		CU_ASSERT_EQUAL_FATAL(ka_optimum_compute(g, 400000000ull, &opt, NULL), 0);
		uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * sizeof *owner);
		bool ok = true;
		for (size_t k = 0; ok && k < ka_strategy_count(); k++) {
			const ka_strategy *s = ka_strategy_at(k);
			if (s->flags & KA_STRATEGY_COOPERATIVE)
				continue; /* withholds partitions: not complete */
			size_t wsn = ka_workspace_size(s, g);
			void *ws = tg_alloc_ws(wsn, 1);
			int rc = ka_assign(s, g, ws, wsn, owner);
			tg_free(ws);
			if (rc == KA_EKAFKA)
				continue; /* Kafka's own answer is no assignment: none to certify */
			CU_ASSERT_EQUAL(rc, 0);
			ok = agree(g, owner, opt.load_sq, s->name, seed, i);
			certified_best += load_sq(g, owner) == opt.load_sq;
		}
		/* Random valid assignments: each partition to a random subscriber. */
		for (int trial = 0; ok && trial < 4; trial++) {
			for (uint32_t t = 0; t < g->n_topics; t++) {
				uint32_t ns = g->tsub_off[t + 1] - g->tsub_off[t];
				for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
					owner[p] = ns ? g->tsub_member[g->tsub_off[t] +
								       kd_rng_below(&r, ns)]
						      : KA_NONE;
			}
			ok = agree(g, owner, opt.load_sq, "random assignment", seed, i);
			rejected += load_sq(g, owner) != opt.load_sq;
		}
		CU_ASSERT(ok);
		free(owner);
		ka_group_free(g);
		if (!ok)
			return;
	}
	/* Both answers must have been exercised, or the test proves little. */
	CU_ASSERT(certified_best > n);
	CU_ASSERT(rejected > n);
}

static const kt_test tests[] = {{"agrees with the optimum", test_agrees_with_optimum},
				{NULL, NULL}};
static const kt_suite suites[] = {{"certify", tests}, {NULL, NULL}};

KT_MAIN(suites)
