/*
 * test_verify.c - the check every command makes before an assignment leaves
 * kassign (kh_assignment_verify, cli/util.c, over the library's
 * ka_assignment_validate): the validator, which asks "does m subscribe to
 * t" once per topic and subscription class, must report exactly the
 * violations, in order, that the rule read literally (a search of the
 * owner's own list for every partition, written out here) gives, and the
 * message must name the first.
 *
 * Each generated group (every grid size up to G-1k, both subscription
 * modes, every variant) is assigned by every strategy, which must pass;
 * then copies of the output are broken at seeded random partitions, one
 * way at a time (no owner, a member that does not subscribe, a member
 * number past the last), and the two checks must agree on every copy.
 */
#include <kassign/kassign.h>

#include "datasets/gen.h"
#include "datasets/rng.h"
#include "harness/harness.h"
#include "tests/ktest.h"

/* A member that does not subscribe to partition p's topic, or KA_NONE. */
static uint32_t non_subscriber(const ka_group *g, uint32_t p, kd_rng *rng)
{
	const uint32_t t = ka_group_partition_topic(g, p);
	const uint32_t start = g->n_members ? kd_rng_below(rng, g->n_members) : 0;
	for (uint32_t k = 0; k < g->n_members; k++) {
		const uint32_t m = (start + k) % g->n_members;
		int subs = 0;
		for (uint32_t i = g->sub_off[m]; i < g->sub_off[m + 1]; i++)
			subs |= g->sub_topic[i] == t;
		if (!subs)
			return m;
	}
	return KA_NONE;
}

/* The rules read literally: every partition on its own. */
static int literal_rule(const ka_group *g, const uint32_t *owner, int allow, uint32_t p)
{
	const uint32_t t = ka_group_partition_topic(g, p), m = owner[p];
	const int subscribed = g->tsub_off[t + 1] > g->tsub_off[t];
	if (m == KA_NONE) {
		int contested = 0;
		for (uint32_t i = 0; i < g->n_contested; i++)
			contested |= g->contested[i] == p;
		return subscribed && !(allow && (g->prev_owner[p] != KA_NONE || contested))
			   ? KA_VUNASSIGNED
			   : 0;
	}
	if (m >= g->n_members)
		return KA_VBAD_MEMBER;
	for (uint32_t i = g->sub_off[m]; i < g->sub_off[m + 1]; i++)
		if (g->sub_topic[i] == t)
			return 0;
	return KA_VUNSUBSCRIBED;
}

typedef struct seen_list {
	uint32_t n, p[64];
	int rule[64];
} seen_list;

static void note(void *ctx, int rule, uint32_t p, uint32_t m)
{
	(void)m;
	seen_list *l = ctx;
	if (l->n < 64) {
		l->p[l->n] = p;
		l->rule[l->n] = rule;
	}
	l->n++;
}

static void agree(const ka_strategy *s, const ka_group *g, const uint32_t *owner, const char *what)
{
	char first[512];
	const int allow = (s->flags & KA_STRATEGY_COOPERATIVE) != 0;
	seen_list want_l = {0}, got_l = {0};
	for (uint32_t p = 0; p < g->n_partitions; p++) {
		const int r = literal_rule(g, owner, allow, p);
		if (r)
			note(&want_l, r, p, owner[p]);
	}
	const uint64_t want = want_l.n;
	CU_ASSERT_EQUAL(ka_assignment_validate(g, owner, allow, note, &got_l), want);
	CU_ASSERT_EQUAL(got_l.n, want_l.n);
	for (uint32_t i = 0; i < got_l.n && i < want_l.n && i < 64; i++) {
		CU_ASSERT_EQUAL(got_l.p[i], want_l.p[i]);
		CU_ASSERT_EQUAL(got_l.rule[i], want_l.rule[i]);
	}
	const uint64_t got = kh_assignment_verify(s, g, owner, first, sizeof(first));
	if (got != want)
		fprintf(stderr, "%s on %s (%s): verify %llu, the rule %llu (%s)\n", s->name,
			g->name, what, (unsigned long long)got, (unsigned long long)want, first);
	CU_ASSERT_EQUAL(got, want);
	CU_ASSERT_EQUAL(got != 0, first[0] != '\0');
}

static void test_agrees(void)
{
	kd_rng rng;
	kd_rng_seed(&rng, kt_seed(0x5eed));
	static const char *grids[] = {"G-seed", "G-storm", "G-1k", "3x5x2", "40x17x1"};
	size_t checked = 0, broken = 0;
	for (size_t gi = 0; gi < sizeof(grids) / sizeof(grids[0]); gi++) {
		kd_grid custom;
		const kd_grid *grid = kd_grid_find(grids[gi]);
		if (!grid) {
			CU_ASSERT_EQUAL_FATAL(kd_grid_parse(grids[gi], &custom), 0);
			grid = &custom;
		}
		for (int subs = 0; subs < 2; subs++)
			for (int variant = 0; variant < 4; variant++)
				for (size_t si = 0; si < ka_strategy_count(); si++) {
					const ka_strategy *s = ka_strategy_at(si);
					kd_gen_spec spec = {.grid = grid,
							    .subs = subs,
							    .variant = variant,
							    .seed = 1 + si,
							    .strategy = s};
					ka_group *g = NULL;
					char err[256];
					if (kd_generate(&spec, &g, err, sizeof(err)) < 0) {
						fprintf(stderr, "%s: %s\n", grids[gi], err);
						CU_FAIL("generate");
						continue;
					}
					const size_t wsz = ka_workspace_size(s, g);
					void *ws = kh_aligned_alloc(wsz);
					uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * 4);
					uint32_t *copy = malloc(((size_t)g->n_partitions + 1) * 4);
					CU_ASSERT_FATAL(ws && owner && copy);
					if (ka_assign(s, g, ws, wsz, owner) == 0) {
						agree(s, g, owner, "as assigned");
						checked++;
						for (int k = 0; k < 12 && g->n_partitions; k++) {
							memcpy(copy, owner,
							       (size_t)g->n_partitions * 4);
							const uint32_t p =
							    kd_rng_below(&rng, g->n_partitions);
							const char *what = "no owner";
							if (k % 3 == 0) {
								copy[p] = KA_NONE;
							} else if (k % 3 == 1) {
								copy[p] =
								    non_subscriber(g, p, &rng);
								what = "a non-subscriber";
							} else {
								copy[p] =
								    g->n_members + (uint32_t)k;
								what = "a member past the last";
							}
							agree(s, g, copy, what);
							broken++;
						}
					}
					free(ws);
					free(owner);
					free(copy);
					ka_group_free(g);
				}
	}
	CU_ASSERT(checked > 100);
	CU_ASSERT(broken > 1000);
}

/* Hand-made: the first violation is named by partition and member. */
static void test_message(void)
{
	kd_grid grid;
	CU_ASSERT_EQUAL_FATAL(kd_grid_parse("2x2x3", &grid), 0);
	kd_gen_spec spec = {.grid = &grid, .seed = 1};
	ka_group *g = NULL;
	char err[256], first[512];
	CU_ASSERT_EQUAL_FATAL(kd_generate(&spec, &g, err, sizeof(err)), 0);
	const ka_strategy *s = ka_strategy_find("range");
	uint32_t owner[6] = {0, 0, 1, 0, 0, 1};
	CU_ASSERT_EQUAL(kh_assignment_verify(s, g, owner, first, sizeof(first)), 0);
	CU_ASSERT_STRING_EQUAL(first, "");
	owner[4] = KA_NONE;
	owner[5] = 7;
	CU_ASSERT_EQUAL(kh_assignment_verify(s, g, owner, first, sizeof(first)), 2);
	char name[64];
	kh_partition_name(g, 4, name, sizeof(name));
	CU_ASSERT_PTR_NOT_NULL(strstr(first, name));
	CU_ASSERT_PTR_NOT_NULL(strstr(first, "unassigned"));
	ka_group_free(g);
}

static const kt_test verify_tests[] = {
    {"agrees with ka_assignment_validate on broken outputs", test_agrees},
    {"names the first violation", test_message},
    {NULL, NULL},
};

static const kt_suite suites[] = {
    {"verify", verify_tests},
    {NULL, NULL},
};

KT_MAIN(suites)
