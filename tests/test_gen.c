/*
 * test_gen.c - the grid generators (datasets/gen.c) against the rules of
 * gen.h and docs/cli.md: counts, names, the subscription formula, the rack
 * layout, what churn survivors own, determinism and errors.
 *
 * Member ids are recomputed here from the project's RNG (the i-th distinct
 * draw of kd_rng seeded with the spec's seed), which both checks that rule
 * and gives each group member its generation index back.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datasets/gen.h"
#include "datasets/rng.h"
#include "tests/ktest.h"

#define SEED 1

/* ------------------------------------------------------------------ helpers */

static ka_group *gen(const char *grid, int subs, int variant, uint64_t seed, const ka_strategy *s,
		     uint32_t racks, uint32_t replication)
{
	kd_gen_spec spec = {kd_grid_find(grid), subs,         variant, seed, s, racks,
			    replication,        KD_RACKS_EVEN};
	char err[256] = "";
	ka_group *g = NULL;
	int rc = kd_generate(&spec, &g, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "kd_generate(%s, %s, %s, seed %" PRIu64 "): %s\n", grid,
			kd_subs_name(subs), kd_variant_name(variant), seed, err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(g);
	return g;
}

/* The ids gen.c must produce: "consumer-" + 16 hex digits of the i-th
 * distinct draw. */
typedef struct id_entry {
	char id[32];
	uint32_t gen;
} id_entry;

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const id_entry *)a)->id, ((const id_entry *)b)->id);
}

static id_entry *expected_ids(uint64_t seed, uint32_t n)
{
	id_entry *e = calloc(n + 1, sizeof(*e));
	uint64_t *seen = calloc(n + 1, sizeof(*seen));
	CU_ASSERT_FATAL(e != NULL && seen != NULL);
	kd_rng r;
	kd_rng_seed(&r, seed);
	for (uint32_t i = 0; i < n;) {
		uint64_t v = kd_rng_next(&r);
		int dup = 0;
		for (uint32_t j = 0; j < i && n <= 2000; j++)
			dup |= seen[j] == v;
		if (dup)
			continue;
		seen[i] = v;
		snprintf(e[i].id, sizeof(e[i].id), "consumer-%016" PRIx64, v);
		e[i].gen = i;
		i++;
	}
	free(seen);
	qsort(e, n, sizeof(*e), cmp_entry);
	return e;
}

/* Generation index of a member id, or UINT32_MAX. */
static uint32_t gen_index(const id_entry *e, uint32_t n, const char *id)
{
	id_entry key;
	snprintf(key.id, sizeof(key.id), "%s", id);
	const id_entry *hit = bsearch(&key, e, n, sizeof(*e), cmp_entry);
	return hit ? hit->gen : UINT32_MAX;
}

/* The member of g with this id, or UINT32_MAX. */
static uint32_t member_by_id(const ka_group *g, const char *id)
{
	for (uint32_t m = 0; m < g->n_members; m++)
		if (strcmp(g->member_id[m], id) == 0)
			return m;
	return UINT32_MAX;
}

static int subscribes(const ka_group *g, uint32_t m, uint32_t t)
{
	for (uint32_t k = g->sub_off[m]; k < g->sub_off[m + 1]; k++)
		if (g->sub_topic[k] == t)
			return 1;
	return 0;
}

static int same_u32(const uint32_t *a, const uint32_t *b, size_t n)
{
	return n == 0 || memcmp(a, b, n * sizeof(*a)) == 0;
}

/* Every array of two groups, element by element. */
static int groups_equal(const ka_group *a, const ka_group *b)
{
	if (a->n_topics != b->n_topics || a->n_members != b->n_members ||
	    a->n_partitions != b->n_partitions || a->n_racks != b->n_racks ||
	    a->flags != b->flags || strcmp(a->name, b->name) != 0)
		return 0;
	for (uint32_t t = 0; t < a->n_topics; t++)
		if (strcmp(a->topic_name[t], b->topic_name[t]) != 0)
			return 0;
	for (uint32_t m = 0; m < a->n_members; m++)
		if (strcmp(a->member_id[m], b->member_id[m]) != 0 ||
		    (a->instance_id[m] != NULL) != (b->instance_id[m] != NULL) ||
		    a->member_rack[m] != b->member_rack[m] || a->generation[m] != b->generation[m])
			return 0;
	for (uint32_t r = 0; r < a->n_racks; r++)
		if (strcmp(a->rack_name[r], b->rack_name[r]) != 0)
			return 0;
	const uint32_t M = a->n_members, T = a->n_topics, P = a->n_partitions;
	return same_u32(a->topic_off, b->topic_off, T + 1) &&
	       same_u32(a->id_order, b->id_order, M) && same_u32(a->sub_off, b->sub_off, M + 1) &&
	       same_u32(a->sub_topic, b->sub_topic, a->sub_off[M]) &&
	       same_u32(a->own_off, b->own_off, M + 1) &&
	       same_u32(a->own_part, b->own_part, a->own_off[M]) &&
	       same_u32(a->prev_owner, b->prev_owner, P) &&
	       same_u32(a->prack_off, b->prack_off, P + 1) &&
	       (a->prack_off[P] == 0 ||
		memcmp(a->prack, b->prack, a->prack_off[P] * sizeof(*a->prack)) == 0);
}

static const ka_strategy *first_strategy(void)
{
	CU_ASSERT_FATAL(ka_strategy_count() > 0);
	return ka_strategy_at(0);
}

/* ------------------------------------------------------------------ determinism */

static void test_same_spec_same_group(void)
{
	const ka_strategy *s = first_strategy();
	for (int subs = 0; subs < 2; subs++)
		for (int v = 0; v < 4; v++) {
			ka_group *a = gen("G-1k", subs, v, 42, s, 0, 0);
			ka_group *b = gen("G-1k", subs, v, 42, s, 0, 0);
			if (a && b) {
				int eq = groups_equal(a, b);
				if (!eq)
					fprintf(stderr, "G-1k %s %s seed 42: groups differ\n",
						kd_subs_name(subs), kd_variant_name(v));
				CU_ASSERT(eq);
			}
			ka_group_free(a);
			ka_group_free(b);
		}
}

static void test_seeds_differ(void)
{
	ka_group *a = gen("G-storm", KD_SUBS_HOMOGENEOUS, KD_VARIANT_FRESH, 1, NULL, 0, 0);
	ka_group *b = gen("G-storm", KD_SUBS_HOMOGENEOUS, KD_VARIANT_FRESH, 2, NULL, 0, 0);
	CU_ASSERT_FATAL(a && b);
	uint32_t shared = 0;
	for (uint32_t m = 0; m < a->n_members; m++)
		shared += member_by_id(b, a->member_id[m]) != UINT32_MAX;
	CU_ASSERT_EQUAL(shared, 0);
	CU_ASSERT_STRING_NOT_EQUAL(a->name, b->name);
	ka_group_free(a);
	ka_group_free(b);
}

static void test_ids_follow_the_rng(void)
{
	const uint64_t seed = kt_seed(7);
	ka_group *g = gen("G-storm", KD_SUBS_HOMOGENEOUS, KD_VARIANT_FRESH, seed, NULL, 0, 0);
	CU_ASSERT_FATAL(g != NULL);
	id_entry *e = expected_ids(seed, g->n_members);
	uint32_t gen_seen[100] = {0};
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint32_t i = gen_index(e, g->n_members, g->member_id[m]);
		if (i == UINT32_MAX)
			fprintf(stderr, "seed %" PRIu64 ": unexpected member id %s\n", seed,
				g->member_id[m]);
		CU_ASSERT_FATAL(i < 100);
		gen_seen[i]++;
	}
	for (uint32_t i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(gen_seen[i], 1);
	/* Member order is by id, so it is not generation order: a random
	 * permutation of 100 being the identity would be a broken generator. */
	uint32_t in_place = 0;
	for (uint32_t m = 0; m < g->n_members; m++)
		in_place += gen_index(e, g->n_members, g->member_id[m]) == m;
	CU_ASSERT(in_place < g->n_members);
	free(e);
	ka_group_free(g);
}

/* ------------------------------------------------------------------ grids */

static void test_grid_table(void)
{
	static const struct {
		const char *name;
		uint32_t m, t, ppt;
		int def;
	} want[] = {
	    {"G-seed", 3, 1, 7, 1},         {"G-storm", 100, 1, 200, 1},
	    {"G-1k", 1000, 100, 100, 1},    {"G-10k", 10000, 100, 1000, 1},
	    {"G-1M", 10000, 1000, 1000, 0},
	};
	CU_ASSERT_EQUAL_FATAL(kd_grid_count(), 5);
	for (size_t i = 0; i < 5; i++) {
		const kd_grid *g = kd_grid_at(i);
		CU_ASSERT_FATAL(g != NULL);
		CU_ASSERT_STRING_EQUAL(g->name, want[i].name);
		CU_ASSERT_EQUAL(g->members, want[i].m);
		CU_ASSERT_EQUAL(g->topics, want[i].t);
		CU_ASSERT_EQUAL(g->partitions_per_topic, want[i].ppt);
		CU_ASSERT_EQUAL(g->in_default, want[i].def);
		CU_ASSERT_PTR_EQUAL(kd_grid_find(want[i].name), g);
	}
	CU_ASSERT_PTR_NULL(kd_grid_at(5));
	CU_ASSERT_PTR_NULL(kd_grid_find("G-2k"));
	CU_ASSERT_PTR_NULL(kd_grid_find(NULL));
}

static void test_names(void)
{
	static const char *const subs[] = {"homogeneous", "heterogeneous"};
	static const char *const variants[] = {"fresh", "churn-remove", "churn-add", "racks"};
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_STRING_EQUAL(kd_subs_name(i), subs[i]);
		CU_ASSERT_EQUAL(kd_subs_parse(subs[i]), i);
	}
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_STRING_EQUAL(kd_variant_name(i), variants[i]);
		CU_ASSERT_EQUAL(kd_variant_parse(variants[i]), i);
	}
	CU_ASSERT_PTR_NULL(kd_subs_name(2));
	CU_ASSERT_PTR_NULL(kd_subs_name(-1));
	CU_ASSERT_PTR_NULL(kd_variant_name(4));
	CU_ASSERT_EQUAL(kd_subs_parse("Homogeneous"), -1);
	CU_ASSERT_EQUAL(kd_variant_parse("churn"), -1);
	CU_ASSERT_EQUAL(kd_variant_parse(NULL), -1);
	static const char *const layouts[] = {"even", "skewed-members", "one-rack-replicas",
					      "memberless-rack"};
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_STRING_EQUAL(kd_rack_layout_name(i), layouts[i]);
		CU_ASSERT_EQUAL(kd_rack_layout_parse(layouts[i]), i);
	}
	CU_ASSERT_PTR_NULL(kd_rack_layout_name(4));
	CU_ASSERT_EQUAL(kd_rack_layout_parse("skewed"), -1);
}

static int is_member_id(const char *s)
{
	if (strncmp(s, "consumer-", 9) != 0 || strlen(s) != 25)
		return 0;
	for (const char *c = s + 9; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return 0;
	return 1;
}

static void check_fresh_grid(const char *name)
{
	const kd_grid *grid = kd_grid_find(name);
	ka_group *g = gen(name, KD_SUBS_HOMOGENEOUS, KD_VARIANT_FRESH, SEED, NULL, 0, 0);
	CU_ASSERT_FATAL(grid && g);
	CU_ASSERT_EQUAL(g->n_members, grid->members);
	CU_ASSERT_EQUAL(g->n_topics, grid->topics);
	CU_ASSERT_EQUAL(g->n_partitions, grid->topics * grid->partitions_per_topic);
	CU_ASSERT_EQUAL(g->n_racks, 0);
	CU_ASSERT(g->flags & KA_GROUP_HOMOGENEOUS);
	CU_ASSERT_FALSE(g->flags & (KA_GROUP_OWNED | KA_GROUP_STATIC | KA_GROUP_MEMBER_RACKS |
				    KA_GROUP_PARTITION_RACKS));
	CU_ASSERT_EQUAL(g->sub_off[g->n_members], (uint64_t)grid->members * grid->topics);
	const int width = grid->topics - 1 >= 10000 ? 5 : 4;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		char want[32];
		snprintf(want, sizeof(want), "t%0*u", width, t);
		CU_ASSERT_STRING_EQUAL(g->topic_name[t], want);
		CU_ASSERT_EQUAL(g->topic_off[t + 1] - g->topic_off[t], grid->partitions_per_topic);
	}
	uint32_t bad = 0;
	for (uint32_t m = 0; m < g->n_members; m++)
		bad += !is_member_id(g->member_id[m]) || g->instance_id[m] != NULL ||
		       g->generation[m] != KA_NO_GENERATION || g->own_off[m + 1] != 0;
	CU_ASSERT_EQUAL(bad, 0);
	ka_group_free(g);
}

static void test_grid_counts(void)
{
	for (size_t i = 0; i < kd_grid_count(); i++)
		if (kd_grid_at(i)->in_default)
			check_fresh_grid(kd_grid_at(i)->name);
}

static void test_grid_1m(void)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check_fresh_grid("G-1M");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Checked by eye (the budget is ~1 s in a Release build), not asserted:
	 * sanitizer and Debug builds are several times slower. */
	printf("\n  G-1M generated and checked in %.3f s\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
}

/* ------------------------------------------------------------------ subscriptions */

static void check_subscriptions(const ka_group *g, uint64_t seed, int subs, uint32_t n_ids)
{
	id_entry *e = expected_ids(seed, n_ids);
	uint32_t wrong = 0;
	for (uint32_t m = 0; m < g->n_members; m++) {
		const uint32_t i = gen_index(e, n_ids, g->member_id[m]);
		CU_ASSERT_FATAL(i != UINT32_MAX);
		for (uint32_t t = 0; t < g->n_topics; t++) {
			const int want = subs == KD_SUBS_HOMOGENEOUS || (i + t) % 3 != 0;
			wrong += subscribes(g, m, t) != want;
		}
	}
	if (wrong)
		fprintf(stderr, "%s seed %" PRIu64 ": %u subscriptions off the formula\n", g->name,
			seed, wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	free(e);
}

static void test_heterogeneous_formula(void)
{
	const ka_strategy *s = first_strategy();
	static const char *const grids[] = {"G-seed", "G-storm", "G-1k"};
	for (size_t k = 0; k < 3; k++) {
		const kd_grid *grid = kd_grid_find(grids[k]);
		for (int v = 0; v < 4; v++) {
			ka_group *g = gen(grids[k], KD_SUBS_HETEROGENEOUS, v, SEED, s, 0, 0);
			CU_ASSERT_FATAL(g != NULL);
			check_subscriptions(g, SEED, KD_SUBS_HETEROGENEOUS,
					    grid->members + (v == KD_VARIANT_CHURN_ADD));
			/* With one topic the sets are {t0} and {}: whether that is
			 * homogeneous is the library's call, so only G-1k is asked. */
			if (grid->topics > 2)
				CU_ASSERT_FALSE(g->flags & KA_GROUP_HOMOGENEOUS);
			ka_group_free(g);
		}
	}
}

static void test_homogeneous(void)
{
	ka_group *g = gen("G-1k", KD_SUBS_HOMOGENEOUS, KD_VARIANT_FRESH, SEED, NULL, 0, 0);
	CU_ASSERT_FATAL(g != NULL);
	check_subscriptions(g, SEED, KD_SUBS_HOMOGENEOUS, g->n_members);
	CU_ASSERT(g->flags & KA_GROUP_HOMOGENEOUS);
	ka_group_free(g);
}

/* ------------------------------------------------------------------ racks */

/* Runs s on g; owner is malloc'ed. */
static uint32_t *assign(const ka_strategy *s, const ka_group *g)
{
	size_t ws_size = ka_workspace_size(s, g);
	void *ws = aligned_alloc(64, ws_size ? (ws_size + 63) / 64 * 64 : 64);
	uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * sizeof(*owner));
	CU_ASSERT_FATAL(ws && owner);
	int rc = ka_assign(s, g, ws, ws_size, owner);
	if (rc != 0)
		fprintf(stderr, "%s on %s: %s\n", s->name, g->name, ka_strerror(rc));
	CU_ASSERT_EQUAL(rc, 0);
	free(ws);
	return owner;
}

static uint32_t rack_number(const ka_group *g, uint16_t r)
{
	CU_ASSERT_FATAL(r < g->n_racks);
	CU_ASSERT_FATAL(strncmp(g->rack_name[r], "rack-", 5) == 0);
	return (uint32_t)strtoul(g->rack_name[r] + 5, NULL, 10);
}

/*
 * Where docs/cli.md's rack layouts put member i and replica k of partition
 * q. skewed-members is computed from its definition (the slot i takes in a
 * cycle of R + (R-1) + ... + 1 members), not by gen.c's walk.
 */
static uint32_t want_member_rack(int layout, uint32_t racks, uint32_t i)
{
	if (layout == KD_RACKS_SKEWED_MEMBERS) {
		uint64_t slot = i % ((uint64_t)racks * (racks + 1) / 2);
		uint32_t r = 0;
		while (slot >= racks - r)
			slot -= racks - r++;
		return r;
	}
	return layout == KD_RACKS_MEMBERLESS_RACK ? i % (racks - 1) : i % racks;
}

static uint32_t want_replica_rack(int layout, uint32_t racks, uint32_t q, uint32_t k)
{
	if (layout == KD_RACKS_ONE_RACK_REPLICAS)
		return k == 0 ? 0 : 1 + (q + k - 1) % (racks - 1);
	return (q + k) % racks;
}

static void check_layout(const char *grid_name, int subs, uint32_t racks, uint32_t replication,
			 int layout, uint32_t want_racks, uint32_t want_reps)
{
	const kd_grid *grid = kd_grid_find(grid_name);
	const kd_gen_spec spec = {.grid = grid,
				  .subs = subs,
				  .variant = KD_VARIANT_RACKS,
				  .seed = SEED,
				  .racks = racks,
				  .replication = replication,
				  .rack_layout = layout};
	char err[256] = "";
	ka_group *g = NULL;
	if (kd_generate(&spec, &g, err, sizeof err) != 0)
		fprintf(stderr, "%s %s: %s\n", grid_name, kd_rack_layout_name(layout), err);
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT(g->flags & KA_GROUP_MEMBER_RACKS);
	CU_ASSERT(g->flags & KA_GROUP_PARTITION_RACKS);
	CU_ASSERT_EQUAL(g->n_racks, want_racks);
	CU_ASSERT_EQUAL(g->own_off[g->n_members], 0);
	CU_ASSERT_EQUAL(layout != KD_RACKS_EVEN,
			strstr(g->name, kd_rack_layout_name(layout)) != NULL);

	id_entry *e = expected_ids(SEED, grid->members);
	uint32_t wrong = 0;
	for (uint32_t m = 0; m < g->n_members; m++) {
		const uint32_t i = gen_index(e, grid->members, g->member_id[m]);
		CU_ASSERT_FATAL(i != UINT32_MAX);
		wrong +=
		    g->member_rack[m] == KA_NO_RACK ||
		    rack_number(g, g->member_rack[m]) != want_member_rack(layout, want_racks, i);
	}
	/* Topic t is the t-th by name, so global index = topic-major q. */
	for (uint32_t q = 0; q < g->n_partitions; q++) {
		wrong += g->prack_off[q + 1] - g->prack_off[q] != want_reps;
		for (uint32_t k = 0; k < want_reps; k++) {
			const uint32_t want = want_replica_rack(layout, want_racks, q, k);
			int found = 0;
			for (uint32_t x = g->prack_off[q]; x < g->prack_off[q + 1]; x++)
				found |= rack_number(g, g->prack[x]) == want;
			wrong += !found;
		}
	}
	if (wrong)
		fprintf(stderr, "%s racks %u replication %u layout %s: %u misplaced\n", grid_name,
			racks, replication, kd_rack_layout_name(layout), wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	free(e);
	ka_group_free(g);
}

static void check_racks(const char *grid_name, int subs, uint32_t racks, uint32_t replication,
			uint32_t want_racks, uint32_t want_reps)
{
	check_layout(grid_name, subs, racks, replication, KD_RACKS_EVEN, want_racks, want_reps);
}

static void test_racks_default(void)
{
	check_racks("G-seed", KD_SUBS_HOMOGENEOUS, 0, 0, 3, 3);
	check_racks("G-1k", KD_SUBS_HETEROGENEOUS, 0, 0, 3, 3);
}

static void test_racks_custom(void)
{
	check_racks("G-storm", KD_SUBS_HOMOGENEOUS, 5, 2, 5, 2);
	check_racks("G-storm", KD_SUBS_HOMOGENEOUS, 2, 5, 2, 2); /* capped at R */
	check_racks("G-storm", KD_SUBS_HETEROGENEOUS, 1, 0, 1, 1);
	check_racks("G-storm", KD_SUBS_HOMOGENEOUS, 100, 1, 100, 1);
}

static void test_rack_layouts(void)
{
	for (int layout = KD_RACKS_SKEWED_MEMBERS; layout <= KD_RACKS_MEMBERLESS_RACK; layout++) {
		check_layout("G-storm", KD_SUBS_HOMOGENEOUS, 0, 0, layout, 3, 3);
		check_layout("G-storm", KD_SUBS_HOMOGENEOUS, 4, 1, layout, 4, 1);
		check_layout("G-1k", KD_SUBS_HETEROGENEOUS, 5, 2, layout, 5, 2);
		check_layout("G-storm", KD_SUBS_HOMOGENEOUS, 2, 3, layout, 2, 2);
	}
	check_layout("G-storm", KD_SUBS_HOMOGENEOUS, 1, 1, KD_RACKS_SKEWED_MEMBERS, 1, 1);
	check_layout("G-storm", KD_SUBS_HOMOGENEOUS, 1, 1, KD_RACKS_ONE_RACK_REPLICAS, 1, 1);
}

/* Members per rack and partitions per rack, counted by hand for G-storm
 * (100 members, 200 partitions) with 3 racks and one replica. */
static void test_rack_layout_counts(void)
{
	static const struct {
		int layout;
		uint32_t members[3], replicas[3];
	} want[] = {
	    {KD_RACKS_EVEN, {34, 33, 33}, {67, 67, 66}},
	    {KD_RACKS_SKEWED_MEMBERS, {51, 33, 16}, {67, 67, 66}}, /* 16 cycles of 6, then 3 + 1 */
	    {KD_RACKS_ONE_RACK_REPLICAS, {34, 33, 33}, {200, 0, 0}},
	    {KD_RACKS_MEMBERLESS_RACK, {50, 50, 0}, {67, 67, 66}},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const kd_gen_spec spec = {.grid = kd_grid_find("G-storm"),
					  .variant = KD_VARIANT_RACKS,
					  .seed = SEED,
					  .racks = 3,
					  .replication = 1,
					  .rack_layout = want[i].layout};
		char err[256];
		ka_group *g = NULL;
		CU_ASSERT_EQUAL_FATAL(kd_generate(&spec, &g, err, sizeof err), 0);
		uint32_t members[3] = {0}, replicas[3] = {0};
		for (uint32_t m = 0; m < g->n_members; m++)
			members[rack_number(g, g->member_rack[m])]++;
		for (uint32_t x = 0; x < g->prack_off[g->n_partitions]; x++)
			replicas[rack_number(g, g->prack[x])]++;
		for (int r = 0; r < 3; r++) {
			CU_ASSERT_EQUAL(members[r], want[i].members[r]);
			CU_ASSERT_EQUAL(replicas[r], want[i].replicas[r]);
		}
		ka_group_free(g);
	}
}

/*
 * Every strategy gives a valid assignment on every layout; the ones that
 * promise balance (the sticky family, uniform, locality) keep it; and
 * locality is at least as local as any strategy that is as balanced.
 */
static void check_layout_strategies(const char *grid, int subs, int layout, uint32_t replication)
{
	const kd_gen_spec spec = {.grid = kd_grid_find(grid),
				  .subs = subs,
				  .variant = KD_VARIANT_RACKS,
				  .seed = SEED,
				  .racks = 3,
				  .replication = replication,
				  .rack_layout = layout};
	char err[256];
	ka_group *g = NULL;
	CU_ASSERT_EQUAL_FATAL(kd_generate(&spec, &g, err, sizeof err), 0);
	const size_t mws_size = ka_metrics_workspace_size(g);
	void *mws = malloc(mws_size ? mws_size : 1);
	CU_ASSERT_FATAL(mws != NULL);
	uint32_t *lo = assign(ka_strategy_find("locality"), g);
	ka_metrics ml;
	CU_ASSERT_EQUAL(ka_metrics_compute(g, lo, mws, mws_size, &ml), 0);
	for (size_t i = 0; i < ka_strategy_count(); i++) {
		const ka_strategy *s = ka_strategy_at(i);
		uint32_t *owner = assign(s, g);
		const int coop = (s->flags & KA_STRATEGY_COOPERATIVE) != 0;
		const int promises = (s->flags & KA_STRATEGY_STICKY) != 0;
		const uint64_t bad = ka_assignment_validate(g, owner, coop, NULL, NULL);
		ka_metrics m;
		CU_ASSERT_EQUAL(ka_metrics_compute(g, owner, mws, mws_size, &m), 0);
		const int ok = bad == 0 && (!promises || m.balanced) &&
			       (m.load_sq != ml.load_sq || m.local <= ml.local);
		if (!ok)
			fprintf(stderr,
				"%s on %s: %" PRIu64 " violations, balanced %d, local %u (locality "
				"%u)\n",
				s->name, g->name, bad, m.balanced, m.local, ml.local);
		CU_ASSERT(ok);
		free(owner);
	}
	free(lo);
	free(mws);
	ka_group_free(g);
}

static void test_rack_layouts_every_strategy(void)
{
	static const char *const grids[] = {"G-storm", "G-1k"};
	for (size_t k = 0; k < 2; k++)
		for (int subs = 0; subs < 2; subs++)
			for (int layout = 0; layout <= KD_RACKS_MEMBERLESS_RACK; layout++)
				for (uint32_t repl = 1; repl <= 3; repl++)
					check_layout_strategies(grids[k], subs, layout, repl);
}

static void test_no_racks_elsewhere(void)
{
	const ka_strategy *s = first_strategy();
	for (int v = 0; v < 3; v++) { /* fresh, churn-remove, churn-add */
		ka_group *g = gen("G-seed", KD_SUBS_HOMOGENEOUS, v, SEED, s, 5, 2);
		CU_ASSERT_FATAL(g != NULL);
		CU_ASSERT_EQUAL(g->n_racks, 0);
		ka_group_free(g);
	}
}

/* ------------------------------------------------------------------ churn */

/*
 * The members of `churned` that were in `fresh` own exactly what s gave them
 * there, with generation 1; members new to it own nothing and have no
 * generation. Returns how many members the two share.
 */
static uint32_t check_kept(const ka_strategy *s, const ka_group *fresh, const ka_group *churned)
{
	uint32_t *owner = assign(s, fresh);
	uint32_t shared = 0, wrong = 0;
	CU_ASSERT_EQUAL_FATAL(fresh->n_partitions, churned->n_partitions);
	for (uint32_t c = 0; c < churned->n_members; c++) {
		const uint32_t f = member_by_id(fresh, churned->member_id[c]);
		const uint32_t *own = churned->own_part + churned->own_off[c];
		const uint32_t n_own = churned->own_off[c + 1] - churned->own_off[c];
		if (f == UINT32_MAX) {
			wrong += n_own != 0 || churned->generation[c] != KA_NO_GENERATION;
			continue;
		}
		shared++;
		wrong += churned->generation[c] != 1;
		uint32_t k = 0;
		for (uint32_t p = 0; p < fresh->n_partitions; p++)
			if (owner[p] == f)
				wrong += k >= n_own || own[k++] != p;
		wrong += k != n_own;
	}
	if (wrong)
		fprintf(stderr, "%s, %s: %u ownership mismatches\n", churned->name, s->name, wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	free(owner);
	return shared;
}

static void check_churn(const ka_strategy *s, const char *grid_name, int subs)
{
	const kd_grid *grid = kd_grid_find(grid_name);
	ka_group *fresh = gen(grid_name, subs, KD_VARIANT_FRESH, SEED, NULL, 0, 0);
	ka_group *rm = gen(grid_name, subs, KD_VARIANT_CHURN_REMOVE, SEED, s, 0, 0);
	ka_group *add = gen(grid_name, subs, KD_VARIANT_CHURN_ADD, SEED, s, 0, 0);
	CU_ASSERT_FATAL(fresh && rm && add);

	/* churn-remove: M-1 members, all from the fresh group, the one that left
	 * being generation index M-1. */
	CU_ASSERT_EQUAL(rm->n_members, grid->members - 1);
	CU_ASSERT_EQUAL(check_kept(s, fresh, rm), grid->members - 1);
	id_entry *e = expected_ids(SEED, grid->members + 1);
	for (uint32_t m = 0; m < fresh->n_members; m++) {
		const uint32_t i = gen_index(e, grid->members + 1, fresh->member_id[m]);
		const int present = member_by_id(rm, fresh->member_id[m]) != UINT32_MAX;
		CU_ASSERT_EQUAL(present, i != grid->members - 1);
	}
	CU_ASSERT(rm->flags & KA_GROUP_OWNED);

	/* churn-add: M+1 members, the newcomer being generation index M. */
	CU_ASSERT_EQUAL(add->n_members, grid->members + 1);
	CU_ASSERT_EQUAL(check_kept(s, fresh, add), grid->members);
	uint32_t newcomers = 0;
	for (uint32_t m = 0; m < add->n_members; m++)
		if (gen_index(e, grid->members + 1, add->member_id[m]) == grid->members)
			newcomers++;
	CU_ASSERT_EQUAL(newcomers, 1);

	/* Everything assigned before is owned by someone still there, except
	 * the leaver's share in churn-remove. */
	uint32_t owned_add = add->own_off[add->n_members];
	uint32_t *fo = assign(s, fresh);
	uint32_t assigned = 0;
	for (uint32_t p = 0; p < fresh->n_partitions; p++)
		assigned += fo[p] != KA_NONE;
	CU_ASSERT_EQUAL(owned_add, assigned);
	free(fo);
	free(e);
	ka_group_free(fresh);
	ka_group_free(rm);
	ka_group_free(add);
}

static void test_churn_every_strategy(void)
{
	static const char *const grids[] = {"G-seed", "G-storm", "G-1k"};
	for (size_t i = 0; i < ka_strategy_count(); i++)
		for (size_t k = 0; k < 3; k++)
			for (int subs = 0; subs < 2; subs++)
				check_churn(ka_strategy_at(i), grids[k], subs);
}

static void test_churn_name_carries_strategy(void)
{
	const ka_strategy *s = first_strategy();
	ka_group *g = gen("G-seed", KD_SUBS_HOMOGENEOUS, KD_VARIANT_CHURN_REMOVE, SEED, s, 0, 0);
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(g->name, s->name));
	CU_ASSERT_PTR_NOT_NULL(strstr(g->name, "churn-remove"));
	ka_group_free(g);
}

/* ------------------------------------------------------------------ errors */

static void expect_error(const kd_gen_spec *spec, const char *want)
{
	char err[512] = "unchanged";
	ka_group *g = (ka_group *)(uintptr_t)1; /* must be reset to NULL */
	CU_ASSERT_EQUAL(kd_generate(spec, &g, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(g);
	if (!strstr(err, want))
		fprintf(stderr, "error message \"%s\" lacks \"%s\"\n", err, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
}

static void test_errors(void)
{
	const kd_grid *seed = kd_grid_find("G-seed");
	kd_gen_spec spec = {seed, KD_SUBS_HOMOGENEOUS, KD_VARIANT_CHURN_REMOVE, 1, NULL, 0, 0, 0};
	expect_error(&spec, "churn variants need a strategy (whose previous assignment the "
			    "survivors keep)");
	spec.variant = KD_VARIANT_CHURN_ADD;
	expect_error(&spec, "churn variants need a strategy");

	spec = (kd_gen_spec){NULL, KD_SUBS_HOMOGENEOUS, KD_VARIANT_FRESH, 1, NULL, 0, 0, 0};
	expect_error(&spec, "grid");
	spec.grid = seed;
	spec.subs = 2;
	expect_error(&spec, "subscription");
	spec.subs = KD_SUBS_HOMOGENEOUS;
	spec.variant = -1;
	expect_error(&spec, "variant");
	spec.variant = KD_VARIANT_RACKS;
	spec.racks = KA_MAX_RACKS + 1;
	expect_error(&spec, "racks");
	spec.racks = 1;
	spec.rack_layout = KD_RACKS_MEMBERLESS_RACK;
	expect_error(&spec, "rack layout memberless-rack needs at least 2 racks");
	spec.racks = 3;
	spec.rack_layout = 4;
	expect_error(&spec, "unknown rack layout 4");

	static const kd_grid huge = {"G-huge", KA_MAX_MEMBERS + 1, 1, 1, 0};
	spec = (kd_gen_spec){&huge, KD_SUBS_HOMOGENEOUS, KD_VARIANT_FRESH, 1, NULL, 0, 0, 0};
	expect_error(&spec, "limit");

	/* NULL spec and NULL/short error buffers must not crash. */
	ka_group *g = NULL;
	CU_ASSERT_EQUAL(kd_generate(NULL, &g, NULL, 0), -1);
	CU_ASSERT_EQUAL(kd_generate(NULL, NULL, NULL, 0), -1);
	char tiny[8];
	spec = (kd_gen_spec){seed, KD_SUBS_HOMOGENEOUS, KD_VARIANT_CHURN_ADD, 1, NULL, 0, 0, 0};
	CU_ASSERT_EQUAL(kd_generate(&spec, &g, tiny, sizeof(tiny)), -1);
	CU_ASSERT_EQUAL(strlen(tiny), sizeof(tiny) - 1);
}

static void test_small_custom_grids(void)
{
	/* Edge shapes: one member leaving leaves an empty group; no partitions. */
	const ka_strategy *s = first_strategy();
	static const kd_grid one = {"G-one", 1, 2, 3, 0};
	static const kd_grid empty = {"G-empty", 4, 2, 0, 0};
	kd_gen_spec spec = {&one, KD_SUBS_HOMOGENEOUS, KD_VARIANT_CHURN_REMOVE, 3, s, 0, 0, 0};
	char err[256];
	ka_group *g = NULL;
	CU_ASSERT_EQUAL(kd_generate(&spec, &g, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_EQUAL(g->n_members, 0);
	CU_ASSERT_EQUAL(g->n_partitions, 6);
	ka_group_free(g);
	spec = (kd_gen_spec){&empty, KD_SUBS_HETEROGENEOUS, KD_VARIANT_CHURN_ADD, 3, s, 0, 0, 0};
	CU_ASSERT_EQUAL(kd_generate(&spec, &g, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_EQUAL(g->n_members, 5);
	CU_ASSERT_EQUAL(g->n_partitions, 0);
	ka_group_free(g);
}

/* ------------------------------------------------------------------ registration */

/* Custom grids MxTxP for scaling series: counts, and every malformed form. */
static void test_grid_parse(void)
{
	kd_grid g;
	CU_ASSERT_EQUAL_FATAL(kd_grid_parse("10000x1000x125", &g), 0);
	CU_ASSERT_EQUAL(g.members, 10000);
	CU_ASSERT_EQUAL(g.topics, 1000);
	CU_ASSERT_EQUAL(g.partitions_per_topic, 125);
	CU_ASSERT_STRING_EQUAL(g.name, "10000x1000x125");
	CU_ASSERT_EQUAL(g.in_default, 0);
	const char *bad[] = {"",        "G-1k",      "10x10",      "10x10x",     "x10x10",
			     "10x0x10", "10x10x10x", "10 x10x10", "-1x10x10",    "10x10x10a",
			     "100001x1x1", "1x1000x10001", "1x1x10000001"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = kd_grid_parse(bad[i], &g);
		CU_ASSERT_EQUAL(rc, -1);
		if (rc != -1)
			fprintf(stderr, "accepted '%s'\n", bad[i]);
	}
	/* a custom grid generates like a named one */
	kd_gen_spec spec = {NULL, KD_SUBS_HETEROGENEOUS, KD_VARIANT_FRESH, 7, NULL, 0, 0, 0};
	CU_ASSERT_EQUAL_FATAL(kd_grid_parse("5x4x3", &g), 0);
	spec.grid = &g;
	ka_group *grp = NULL;
	char err[256];
	CU_ASSERT_EQUAL_FATAL(kd_generate(&spec, &grp, err, sizeof err), 0);
	CU_ASSERT_EQUAL(grp->n_members, 5);
	CU_ASSERT_EQUAL(grp->n_topics, 4);
	CU_ASSERT_EQUAL(grp->n_partitions, 12);
	ka_group_free(grp);
}

static const kt_test determinism_tests[] = {
    {"same spec, same group", test_same_spec_same_group},
    {"different seeds, different ids", test_seeds_differ},
    {"ids are the RNG's draws", test_ids_follow_the_rng},
    {NULL, NULL},
};
static const kt_test grid_tests[] = {
    {"grid table", test_grid_table},
    {"names", test_names},
    {"counts of the default grids", test_grid_counts},
    {NULL, NULL},
};
static const kt_test large_tests[] = {
    {"G-1M counts", test_grid_1m},
    {NULL, NULL},
};
static const kt_test subs_tests[] = {
    {"heterogeneous formula", test_heterogeneous_formula},
    {"homogeneous", test_homogeneous},
    {NULL, NULL},
};
static const kt_test racks_tests[] = {
    {"default layout", test_racks_default},
    {"custom racks and replication", test_racks_custom},
    {"skewed layouts", test_rack_layouts},
    {"skewed layout counts", test_rack_layout_counts},
    {"every strategy on every layout", test_rack_layouts_every_strategy},
    {"no racks in other variants", test_no_racks_elsewhere},
    {NULL, NULL},
};
static const kt_test churn_tests[] = {
    {"survivors keep the strategy's assignment", test_churn_every_strategy},
    {"name carries the strategy", test_churn_name_carries_strategy},
    {NULL, NULL},
};
static const kt_test error_tests[] = {
    {"errors", test_errors},
    {"small custom grids", test_small_custom_grids},
    {"custom grids by name", test_grid_parse},
    {NULL, NULL},
};

static const kt_suite suites[] = {
    {"determinism", determinism_tests},
    {"grids", grid_tests},
    {"large", large_tests},
    {"subscriptions", subs_tests},
    {"racks", racks_tests},
    {"churn", churn_tests},
    {"errors", error_tests},
    {NULL, NULL},
};

KT_MAIN(suites)
