/*
 * test_optimum.c - ka_optimum_compute, the exact optimum (balance, then
 * locality, then stickiness).
 *
 * Suites:
 *   hand    small groups worked out by hand: equal subscriptions (the moves
 *           match docs/metrics.md's formula), chains of subscriptions where
 *           the best balance is not obvious, locality beating stickiness,
 *           balance beating locality, topics nobody subscribes to;
 *   brute   thousands of tiny random groups (up to 4 members, 7 partitions)
 *           where every valid assignment is enumerated: the lexicographic
 *           best (sorted-descending loads, then most local, then fewest
 *           moves) must equal the solver's figures, and the solver's
 *           assignment must reach them. The same enumeration checks the
 *           claim the solver rests on: the assignments of least sum of
 *           squared loads are exactly the lexicographically balanced ones;
 *   random  larger random groups: a valid assignment reaching the figures
 *           it reports, no single reassignment improving it, the exact
 *           moved_min of docs/metrics.md reached with equal subscriptions
 *           and no racks, deterministic output;
 *   limits  KA_ELIMIT for a small max_work and for weights past 64 bits,
 *           KA_EINVAL, empty groups.
 *
 * Random suites print KT_SEED and KT_CASE of a failing case and the group as
 * a scenario file (tests/testgroups.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ktest.h"
#include "testgroups.h"

#define SEED_BRUTE   0x6f7074696d756d01ull
#define SEED_RANDOM  0x6f7074696d756d02ull
#define N_BRUTE      10000
#define N_RANDOM     1000
#define MAX_REPORTS  3
#define WORK_NOLIMIT UINT64_MAX
#define WORK_RANDOM  20000000u /* keeps the large random groups within seconds under ASan */
#define TINY_MEMBERS 4
#define TINY_PARTS   7

/* ------------------------------------------------------------------ helpers */

static uint32_t *new_owner(const ka_group *g)
{
	uint32_t *o = malloc(sizeof *o * ((size_t)g->n_partitions + 1));
	memset(o, 0xEE, sizeof *o * ((size_t)g->n_partitions + 1));
	return o;
}

static bool eligible(const ka_group *g, uint32_t m)
{
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (g->topic_off[t + 1] > g->topic_off[t] && tg_subscribes(g, m, t))
			return true;
	return false;
}

static bool topic_subscribed(const ka_group *g, uint32_t t)
{
	for (uint32_t m = 0; m < g->n_members; m++)
		if (tg_subscribes(g, m, t))
			return true;
	return false;
}

static bool local_to(const ka_group *g, uint32_t p, uint32_t m)
{
	if (g->member_rack[m] == KA_NO_RACK)
		return false;
	for (uint32_t j = g->prack_off[p]; j < g->prack_off[p + 1]; j++)
		if (g->prack[j] == g->member_rack[m])
			return true;
	return false;
}

/* The figures of an assignment computed here, from the definitions. */
typedef struct figures {
	uint32_t n_elig;
	uint32_t vec[TG_MAX_MEMBERS]; /* loads of eligible members, descending */
	uint64_t sq;
	uint32_t local, moved;
} figures;

static void sort_desc(uint32_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = v[i], j = i;
		while (j > 0 && v[j - 1] < x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void figures_of(const ka_group *g, const uint32_t *owner, figures *f)
{
	uint32_t load[TG_MAX_MEMBERS] = {0};
	memset(f, 0, sizeof *f);
	for (uint32_t t = 0; t < g->n_topics; t++) {
		bool sub = topic_subscribed(g, t);
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			uint32_t o = owner[p];
			if (o < g->n_members) {
				load[o]++;
				f->local += local_to(g, p, o);
			}
			f->moved += sub && g->prev_owner[p] != KA_NONE && o != g->prev_owner[p];
		}
	}
	for (uint32_t m = 0; m < g->n_members; m++)
		if (eligible(g, m)) {
			f->vec[f->n_elig++] = load[m];
			f->sq += (uint64_t)load[m] * load[m];
		}
	sort_desc(f->vec, f->n_elig);
}

/* <0 when a is better: smaller sorted-descending loads, then more local,
 * then fewer moves. */
static int compare_figures(const figures *a, const figures *b)
{
	for (uint32_t i = 0; i < a->n_elig; i++)
		if (a->vec[i] != b->vec[i])
			return a->vec[i] < b->vec[i] ? -1 : 1;
	if (a->local != b->local)
		return a->local > b->local ? -1 : 1;
	if (a->moved != b->moved)
		return a->moved < b->moved ? -1 : 1;
	return 0;
}

static void print_figures(FILE *f, const char *label, const figures *x)
{
	fprintf(f, "%s: loads (", label);
	for (uint32_t i = 0; i < x->n_elig; i++)
		fprintf(f, "%s%u", i ? " " : "", x->vec[i]);
	fprintf(f, ") sq %" PRIu64 " local %u moved %u\n", x->sq, x->local, x->moved);
}

static void print_optimum(FILE *f, const ka_optimum *o)
{
	fprintf(f, "solver: load %u..%u sq %" PRIu64 " local %u moved %u\n", o->load_min,
		o->load_max, o->load_sq, o->local, o->moved);
}

/* Whether *o states the figures f (load_min/max read off the sorted loads). */
static bool optimum_states(const ka_optimum *o, const figures *f)
{
	uint32_t mx = f->n_elig ? f->vec[0] : 0, mn = f->n_elig ? f->vec[f->n_elig - 1] : 0;
	return o->load_max == mx && o->load_min == mn && o->load_sq == f->sq &&
	       o->local == f->local && o->moved == f->moved;
}

/*
 * The solver's assignment is valid and reaches what it reports: checked with
 * ka_assignment_validate and ka_metrics_compute (the library's definitions)
 * and with figures_of (this file's). Returns false, printing why, otherwise.
 */
static bool owner_reaches(const ka_group *g, const uint32_t *owner, const ka_optimum *o)
{
	bool ok = true;
	uint64_t bad = ka_assignment_validate(g, owner, 0, NULL, NULL);
	if (bad) {
		fprintf(stderr, "assignment has %" PRIu64 " violations\n", bad);
		ok = false;
	}
	size_t size = ka_metrics_workspace_size(g);
	void *ws = tg_alloc_ws(size, 0xA5);
	ka_metrics m;
	int rc = ka_metrics_compute(g, owner, ws, size, &m);
	tg_free(ws);
	if (rc != 0 || m.moved != o->moved || m.local != o->local || m.load_min != o->load_min ||
	    m.load_max != o->load_max || m.n_assigned != m.n_assignable) {
		fprintf(stderr,
			"metrics of the assignment: rc %d load %u..%u local %u moved %u "
			"assigned %u of %u\n",
			rc, m.load_min, m.load_max, m.local, m.moved, m.n_assigned, m.n_assignable);
		ok = false;
	}
	figures f;
	figures_of(g, owner, &f);
	if (!optimum_states(o, &f)) {
		print_figures(stderr, "recomputed", &f);
		ok = false;
	}
	if (!ok)
		print_optimum(stderr, o);
	return ok;
}

/* Solves with no work limit and checks the assignment; the figures go to *o. */
static void solve_checked(const ka_group *g, ka_optimum *o)
{
	uint32_t *owner = new_owner(g);
	memset(o, 0x5A, sizeof *o);
	CU_ASSERT_EQUAL_FATAL(ka_optimum_compute(g, WORK_NOLIMIT, o, owner), 0);
	bool ok = owner_reaches(g, owner, o);
	if (!ok)
		tg_print_assignment(stderr, g, owner);
	CU_ASSERT(ok);
	free(owner);
}

/* docs/metrics.md's fewest moves with equal subscriptions. */
static uint32_t moved_min_formula(const ka_group *g)
{
	uint32_t M = g->n_members, N = 0, prev = 0, kept = 0, over = 0;
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (topic_subscribed(g, t))
			N += g->topic_off[t + 1] - g->topic_off[t];
	uint32_t q = N / M, r = N % M;
	for (uint32_t m = 0; m < M; m++) {
		uint32_t o = 0;
		for (uint32_t p = 0; p < g->n_partitions; p++)
			o += g->prev_owner[p] == m &&
			     tg_subscribes(g, m, ka_group_partition_topic(g, p));
		prev += o;
		kept += o < q ? o : q;
		over += o > q;
	}
	kept += over < r ? over : r;
	return prev - kept;
}

/* ------------------------------------------------------------------ hand suite */

/* 7 partitions, 3 members, owned (4, 3, 0): q = 2, r = 1, so the best keeps
 * 2 + 2 + 0 + min(1, 2) = 5 of 7: 2 moves. */
static void test_equal_subscriptions(void)
{
	static const tg_topic topics[] = {{"t0", 7, NULL}};
	static const tg_member members[] = {
	    {"c1", .topics = "t0", .owned = "t0:0,1,2,3", .gen = "1"},
	    {"c2", .topics = "t0", .owned = "t0:4,5,6", .gen = "1"},
	    {"c3", .topics = "t0"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_optimum o;
	solve_checked(g, &o);
	CU_ASSERT_EQUAL(o.load_min, 2);
	CU_ASSERT_EQUAL(o.load_max, 3);
	CU_ASSERT_EQUAL(o.load_sq, 9 + 4 + 4);
	CU_ASSERT_EQUAL(o.local, 0);
	CU_ASSERT_EQUAL(o.moved, 2);
	CU_ASSERT_EQUAL(o.moved, moved_min_formula(g));
	ka_group_free(g);
}

/* The same with 10 partitions over 4 members, everything owned by one:
 * loads 3, 3, 2, 2 and the owner keeps 3 (q = 2, r = 2: 2 + min(2, 1)). */
static void test_equal_one_owner(void)
{
	static const tg_topic topics[] = {{"a", 6, NULL}, {"b", 4, NULL}};
	static const tg_member members[] = {
	    {"c1", .topics = "a b"},
	    {"c2", .topics = "a b", .owned = "a:0,1,2,3,4,5 b:0,1,2,3", .gen = "4"},
	    {"c3", .topics = "a b"},
	    {"c4", .topics = "a b"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_optimum o;
	solve_checked(g, &o);
	CU_ASSERT_EQUAL(o.load_min, 2);
	CU_ASSERT_EQUAL(o.load_max, 3);
	CU_ASSERT_EQUAL(o.load_sq, 9 + 9 + 4 + 4);
	CU_ASSERT_EQUAL(o.moved, 7);
	CU_ASSERT_EQUAL(o.moved, moved_min_formula(g));
	ka_group_free(g);
}

/*
 * A subscribes t1 (4 partitions), B t1 and t2, C t2 (2 partitions). C can
 * only ever hold t2, so the best is C both of t2 and A, B two of t1 each:
 * (2, 2, 2). Previously A held all of t1 and B, C one of t2 each: B must
 * give its t2 partition to C and take two of A's: 3 moves.
 */
static void test_shared_topic(void)
{
	static const tg_topic topics[] = {{"t1", 4, NULL}, {"t2", 2, NULL}};
	static const tg_member members[] = {
	    {"A", .topics = "t1", .owned = "t1:0,1,2,3", .gen = "1"},
	    {"B", .topics = "t1 t2", .owned = "t2:1", .gen = "1"},
	    {"C", .topics = "t2", .owned = "t2:0", .gen = "1"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_optimum o;
	solve_checked(g, &o);
	CU_ASSERT_EQUAL(o.load_min, 2);
	CU_ASSERT_EQUAL(o.load_max, 2);
	CU_ASSERT_EQUAL(o.load_sq, 12);
	CU_ASSERT_EQUAL(o.moved, 3);
	ka_group_free(g);
}

/*
 * A chain: A t1 (3), B t1 t2 (2), C t2 t3 (1), D t3. A all of t1, B all of
 * t2, C t3 gives (3, 2, 1, 0), which Kafka's isBalanced accepts (no single
 * partition can go to a subscriber of its topic with two fewer), yet one
 * partition passed along the chain A -> B -> C -> D gives (2, 2, 1, 1). With
 * that start, the optimum moves exactly the three partitions of the chain.
 */
static void test_chain(void)
{
	static const tg_topic topics[] = {{"t1", 3, NULL}, {"t2", 2, NULL}, {"t3", 1, NULL}};
	static const tg_member members[] = {{"A", .topics = "t1", .owned = "t1:0,1,2", .gen = "1"},
					    {"B", .topics = "t1 t2", .owned = "t2:0,1", .gen = "1"},
					    {"C", .topics = "t2 t3", .owned = "t3:0", .gen = "1"},
					    {"D", .topics = "t3"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_optimum o;
	solve_checked(g, &o);
	CU_ASSERT_EQUAL(o.load_max, 2);
	CU_ASSERT_EQUAL(o.load_min, 1);
	CU_ASSERT_EQUAL(o.load_sq, 4 + 4 + 1 + 1);
	CU_ASSERT_EQUAL(o.moved, 3);

	/* The start itself: balanced by Kafka's test, not by the optimum's. */
	uint32_t owner[6];
	for (uint32_t p = 0; p < 6; p++)
		owner[p] = g->prev_owner[p];
	size_t size = ka_metrics_workspace_size(g);
	void *ws = tg_alloc_ws(size, 0);
	ka_metrics m;
	CU_ASSERT_EQUAL_FATAL(ka_metrics_compute(g, owner, ws, size, &m), 0);
	tg_free(ws);
	CU_ASSERT_EQUAL(m.load_max, 3);
	CU_ASSERT_EQUAL(m.load_min, 0);
	CU_ASSERT_EQUAL(m.balanced, 1);
	ka_group_free(g);
}

/*
 * Two members with one partition each either way; the racks say c1 (rack a)
 * should hold t0:0 (replica on a) and c2 (rack b) t0:1, the previous
 * generation had it the other way round. Locality comes first: both move.
 * The answer is unique.
 */
static void test_locality_beats_stickiness(void)
{
	static const tg_topic topics[] = {{"t0", 2, "a|b"}};
	static const tg_member members[] = {
	    {"c1", .rack = "a", .topics = "t0", .owned = "t0:1", .gen = "1"},
	    {"c2", .rack = "b", .topics = "t0", .owned = "t0:0", .gen = "1"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t owner[2];
	ka_optimum o;
	CU_ASSERT_EQUAL_FATAL(ka_optimum_compute(g, WORK_NOLIMIT, &o, owner), 0);
	CU_ASSERT(tg_expect(g, owner, "c1 t0:0; c2 t0:1", "locality before stickiness"));
	CU_ASSERT_EQUAL(o.local, 2);
	CU_ASSERT_EQUAL(o.moved, 2);
	CU_ASSERT_EQUAL(o.load_min, 1);
	CU_ASSERT_EQUAL(o.load_max, 1);
	CU_ASSERT(owner_reaches(g, owner, &o));
	ka_group_free(g);
}

/*
 * Every replica on rack a: c1 (rack a) would make all four local, but
 * balance comes first: two each, two local. c1 held all four, so two move;
 * a third case gives c2 a rack without replicas and c3 no rack at all:
 * nothing changes for the local count but the loads spread over three.
 */
static void test_balance_beats_locality(void)
{
	static const tg_topic topics[] = {{"t0", 4, "a|a|a|a"}};
	static const tg_member members[] = {
	    {"c1", .rack = "a", .topics = "t0", .owned = "t0:0,1,2,3", .gen = "2"},
	    {"c2", .rack = "b", .topics = "t0"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_optimum o;
	solve_checked(g, &o);
	CU_ASSERT_EQUAL(o.load_min, 2);
	CU_ASSERT_EQUAL(o.load_max, 2);
	CU_ASSERT_EQUAL(o.local, 2);
	CU_ASSERT_EQUAL(o.moved, 2);
	ka_group_free(g);

	static const tg_member three[] = {
	    {"c1", .rack = "a", .topics = "t0", .owned = "t0:0,1,2,3", .gen = "2"},
	    {"c2", .rack = "b", .topics = "t0"},
	    {"c3", .topics = "t0"}};
	g = TG_BUILD(topics, three);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	solve_checked(g, &o);
	CU_ASSERT_EQUAL(o.load_min, 1);
	CU_ASSERT_EQUAL(o.load_max, 2);
	CU_ASSERT_EQUAL(o.load_sq, 6);
	/* c1 holds two (the largest load goes where it is local) and keeps them */
	CU_ASSERT_EQUAL(o.local, 2);
	CU_ASSERT_EQUAL(o.moved, 2);
	ka_group_free(g);
}

/*
 * Locality with partial knowledge: t0:2 has no known replica racks and c2 no
 * rack; neither ever counts as local. Locality still picks who takes what:
 * c1 (a) t0:0, c3 (b) t0:1; the others fill the balance.
 */
static void test_locality_partial(void)
{
	static const tg_topic topics[] = {{"t0", 4, "a|b||a,b"}};
	static const tg_member members[] = {
	    {"c1", .rack = "a", .topics = "t0", .owned = "t0:1", .gen = "1"},
	    {"c2", .topics = "t0", .owned = "t0:0", .gen = "1"},
	    {"c3", .rack = "b", .topics = "t0"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_optimum o;
	solve_checked(g, &o);
	CU_ASSERT_EQUAL(o.load_min, 1);
	CU_ASSERT_EQUAL(o.load_max, 2);
	/* loads (2, 1, 1): the best has 3 local (t0:0 c1, t0:1 c3, t0:3 either)
	 * and moves both previously owned partitions */
	CU_ASSERT_EQUAL(o.local, 3);
	CU_ASSERT_EQUAL(o.moved, 2);
	ka_group_free(g);
}

/*
 * Topics nobody subscribes to are never assigned and their claims never
 * count; members subscribed to nothing or only to an empty topic are not
 * eligible (load_min stays 2, not 0); a claim by a member that left the
 * topic is a forced move.
 */
static void test_unsubscribed(void)
{
	static const tg_topic topics[] = {{"e", 0, NULL}, {"t0", 4, NULL}, {"x", 3, NULL}};
	static const tg_member members[] = {
	    {"c1", .topics = "t0", .owned = "x:0,1,2 t0:0", .gen = "1"},
	    {"c2", .topics = "t0"},
	    {"c3", .topics = "e"},
	    {.id = "c4", .owned = "t0:1", .gen = "3"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t *owner = new_owner(g);
	ka_optimum o;
	CU_ASSERT_EQUAL_FATAL(ka_optimum_compute(g, WORK_NOLIMIT, &o, owner), 0);
	uint32_t x = tg_topic_id(g, "x");
	CU_ASSERT_FATAL(x != KA_NONE);
	for (uint32_t p = g->topic_off[x]; p < g->topic_off[x + 1]; p++)
		CU_ASSERT_EQUAL(owner[p], KA_NONE);
	CU_ASSERT_EQUAL(o.load_min, 2);
	CU_ASSERT_EQUAL(o.load_max, 2);
	CU_ASSERT_EQUAL(o.load_sq, 8);
	CU_ASSERT_EQUAL(o.moved, 1); /* t0:1: c4 does not subscribe t0 any more */
	CU_ASSERT(owner_reaches(g, owner, &o));
	free(owner);
	ka_group_free(g);
}

/* ------------------------------------------------------------------ brute suite */

/* A tiny random description with up to 4 members and 7 partitions (tg_random's
 * TG_TINY stops at 3 members): subscriptions, racks on both sides sometimes,
 * claims by subscribers and others with random generations, so ties leave
 * partitions without previous owner. */
static const char *arena_dup(tg_desc *d, const char *s)
{
	size_t n = strlen(s) + 1;
	if (d->used + n > TG_ARENA) {
		fprintf(stderr, "test_optimum: arena full\n");
		abort();
	}
	char *p = memcpy(d->arena + d->used, s, n);
	d->used += n;
	return p;
}

static bool chance(kd_rng *r, uint32_t num, uint32_t den)
{
	return kd_rng_below(r, den) < num;
}

static void tiny_desc(kd_rng *r, tg_desc *d)
{
	static const char *const tnames[] = {"t0", "t1", "t2"};
	static const char *const mnames[] = {"c0", "c1", "c2", "c3"};
	static const char *const racks[] = {"a", "b", "c"};
	memset(d, 0, offsetof(tg_desc, arena));
	uint32_t nt = 1 + kd_rng_below(r, 3), total = 0;
	bool prack = chance(r, 2, 3);
	bool full = chance(r, 1, 2); /* the last topic takes what is left: 4^7 assignments */
	for (uint32_t t = 0; t < nt; t++) {
		uint32_t c = full && t + 1 == nt ? TINY_PARTS - total : kd_rng_below(r, 5);
		if (total + c > TINY_PARTS)
			c = TINY_PARTS - total;
		total += c;
		d->topics[t].name = tnames[t];
		d->topics[t].partitions = c;
		if (!prack || chance(r, 1, 5))
			continue;
		char buf[64] = "";
		for (uint32_t p = 0; p < c; p++) {
			if (p)
				strcat(buf, "|");
			bool first = true;
			for (uint32_t k = 0; k < 3; k++)
				if (chance(r, 2, 5)) {
					strcat(buf, first ? "" : ",");
					strcat(buf, racks[k]);
					first = false;
				}
		}
		d->topics[t].racks = arena_dup(d, buf);
	}
	d->n_topics = nt;

	uint32_t nm = chance(r, 1, 2) ? TINY_MEMBERS : 1 + kd_rng_below(r, TINY_MEMBERS);
	uint32_t rack_mode = kd_rng_below(r, 3); /* none, all, some */
	char owned[TINY_MEMBERS][128];
	for (uint32_t i = 0; i < nm; i++) {
		tg_member *m = &d->members[i];
		m->id = mnames[i];
		if (rack_mode == 1 || (rack_mode == 2 && chance(r, 1, 2)))
			m->rack = racks[kd_rng_below(r, 3)];
		char buf[32] = "";
		for (uint32_t t = 0; t < nt; t++)
			if (chance(r, 3, 5)) {
				strcat(buf, buf[0] ? " " : "");
				strcat(buf, tnames[t]);
			}
		m->topics = arena_dup(d, buf);
		if (chance(r, 4, 5)) {
			snprintf(buf, sizeof buf, "%u", kd_rng_below(r, 3));
			m->gen = arena_dup(d, buf);
		}
		owned[i][0] = '\0';
	}
	d->n_members = nm;
	if (chance(r, 1, 4))
		return; /* no previous ownership */
	for (uint32_t t = 0; t < nt; t++)
		for (uint32_t p = 0; p < d->topics[t].partitions; p++) {
			uint32_t claims = chance(r, 2, 5) ? 0 : chance(r, 4, 5) ? 1 : 2;
			uint32_t first = KA_NONE;
			for (uint32_t c = 0; c < claims; c++) {
				uint32_t mi = kd_rng_below(r, nm);
				if (mi == first)
					continue;
				first = mi;
				size_t l = strlen(owned[mi]);
				snprintf(owned[mi] + l, sizeof owned[mi] - l, "%s%s:%u",
					 l ? " " : "", tnames[t], p);
			}
		}
	for (uint32_t i = 0; i < nm; i++)
		if (owned[i][0])
			d->members[i].owned = arena_dup(d, owned[i]);
}

/* Every valid assignment, depth first, figures kept incrementally. */
typedef struct brute {
	const ka_group *g;
	uint32_t n; /* partitions of subscribed topics */
	uint32_t part[TINY_PARTS];
	uint32_t n_subs[TINY_PARTS], subs[TINY_PARTS][TINY_MEMBERS];
	bool elig[TINY_MEMBERS];
	uint32_t load[TINY_MEMBERS], local, moved;
	uint32_t *owner;

	figures best; /* lexicographic best of (loads, -local, moves) */
	uint32_t *best_owner;
	bool have_best;
	/* the claim: least sum of squares <=> lexicographically best loads */
	uint64_t min_sq, max_sq;
	uint32_t min_sq_vec[TINY_MEMBERS];
	bool min_sq_mixed; /* two different sorted vectors share the least sum of squares */
	uint64_t leaves;
} brute;

static void brute_leaf(brute *b)
{
	figures f;
	memset(&f, 0, sizeof f); /* the vectors are compared whole */
	for (uint32_t m = 0; m < b->g->n_members; m++)
		if (b->elig[m]) {
			f.vec[f.n_elig++] = b->load[m];
			f.sq += (uint64_t)b->load[m] * b->load[m];
		}
	sort_desc(f.vec, f.n_elig);
	f.local = b->local;
	f.moved = b->moved;
	b->leaves++;

	if (b->leaves == 1 || f.sq < b->min_sq) {
		b->min_sq = f.sq;
		memcpy(b->min_sq_vec, f.vec, sizeof b->min_sq_vec);
		b->min_sq_mixed = false;
	} else if (f.sq == b->min_sq && memcmp(b->min_sq_vec, f.vec, sizeof b->min_sq_vec) != 0) {
		b->min_sq_mixed = true;
	}
	if (f.sq > b->max_sq)
		b->max_sq = f.sq;
	if (!b->have_best || compare_figures(&f, &b->best) < 0) {
		b->best = f;
		b->have_best = true;
		memcpy(b->best_owner, b->owner, sizeof *b->owner * b->g->n_partitions);
	}
}

static void brute_walk(brute *b, uint32_t k)
{
	if (k == b->n) {
		brute_leaf(b);
		return;
	}
	const ka_group *g = b->g;
	uint32_t p = b->part[k];
	for (uint32_t i = 0; i < b->n_subs[k]; i++) {
		uint32_t m = b->subs[k][i];
		bool loc = local_to(g, p, m);
		bool mv = g->prev_owner[p] != KA_NONE && g->prev_owner[p] != m;
		b->owner[p] = m;
		b->load[m]++;
		b->local += loc;
		b->moved += mv;
		brute_walk(b, k + 1);
		b->load[m]--;
		b->local -= loc;
		b->moved -= mv;
	}
	b->owner[p] = KA_NONE;
}

static void brute_solve(const ka_group *g, brute *b)
{
	memset(b, 0, sizeof *b);
	b->g = g;
	b->owner = new_owner(g);
	b->best_owner = new_owner(g);
	for (uint32_t p = 0; p < g->n_partitions; p++)
		b->owner[p] = KA_NONE;
	for (uint32_t m = 0; m < g->n_members; m++)
		b->elig[m] = eligible(g, m);
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (!topic_subscribed(g, t))
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			uint32_t k = b->n++;
			b->part[k] = p;
			for (uint32_t m = 0; m < g->n_members; m++)
				if (tg_subscribes(g, m, t))
					b->subs[k][b->n_subs[k]++] = m;
		}
	}
	brute_walk(b, 0);
}

static void brute_free(brute *b)
{
	free(b->owner);
	free(b->best_owner);
}

static int reports;

static void report(const char *what, uint64_t seed, uint64_t i, const tg_desc *d)
{
	if (++reports > MAX_REPORTS)
		return;
	fprintf(stderr, "\nFAIL %s: replay with KT_SEED=0x%016" PRIx64 " KT_CASE=%" PRIu64 "\n",
		what, seed, i);
	fprintf(stderr, "scenario: ");
	tg_desc_print(stderr, d);
}

static void test_brute_force(void)
{
	uint64_t seed = kt_seed(SEED_BRUTE), first;
	uint64_t end = tg_case_range(N_BRUTE, &first);
	uint64_t failures = 0, cases = 0, claim_cases = 0, claim_nontrivial = 0;
	uint64_t claim_broken = 0, four = 0, racked = 0, leaves = 0;
	tg_desc *d = malloc(sizeof *d);
	reports = 0;
	for (uint64_t i = first; i < end; i++) {
		kd_rng r;
		tg_case_rng(&r, seed, i);
		if (chance(&r, 1, 3))
			tg_random(&r, TG_TINY | (chance(&r, 1, 4) ? TG_HOMOGENEOUS : 0), d);
		else
			tiny_desc(&r, d);
		ka_group *g = tg_desc_build(d);
		if (!g || g->n_members > TINY_MEMBERS || g->n_partitions > TINY_PARTS) {
			failures++;
			report("tiny group did not build within bounds", seed, i, d);
			ka_group_free(g);
			continue;
		}
		cases++;
		four += g->n_members == TINY_MEMBERS;
		brute b;
		brute_solve(g, &b);
		leaves += b.leaves;

		/* The claim, independent of the solver. */
		claim_cases++;
		claim_nontrivial += b.max_sq > b.min_sq;
		racked += b.best.local > 0;
		if (b.min_sq_mixed || b.min_sq != b.best.sq ||
		    memcmp(b.min_sq_vec, b.best.vec, sizeof b.min_sq_vec) != 0) {
			claim_broken++;
			failures++;
			report("least sum of squares is not the lexicographic balance", seed, i, d);
			print_figures(stderr, "lexicographic best", &b.best);
		}

		uint32_t *owner = new_owner(g);
		ka_optimum o;
		memset(&o, 0x5A, sizeof o);
		int rc = ka_optimum_compute(g, WORK_NOLIMIT, &o, owner);
		bool ok = rc == 0 && optimum_states(&o, &b.best);
		if (!ok) {
			failures++;
			report("optimum differs from the enumeration", seed, i, d);
			if (reports <= MAX_REPORTS) {
				fprintf(stderr, "rc %d\n", rc);
				print_figures(stderr, "enumeration", &b.best);
				print_optimum(stderr, &o);
				fprintf(stderr, "an optimal assignment: ");
				tg_print_assignment(stderr, g, b.best_owner);
			}
		} else {
			figures got;
			figures_of(g, owner, &got);
			if (!owner_reaches(g, owner, &o) || compare_figures(&got, &b.best) != 0) {
				failures++;
				report("the solver's assignment misses its figures", seed, i, d);
				if (reports <= MAX_REPORTS) {
					print_figures(stderr, "assignment", &got);
					tg_print_assignment(stderr, g, owner);
				}
			}
		}
		free(owner);
		brute_free(&b);
		ka_group_free(g);
	}
	free(d);
	printf("\n  brute: %" PRIu64 " groups (%" PRIu64 " with 4 members, %" PRIu64
	       " with local placements), %" PRIu64 " assignments enumerated; "
	       "sum of squares = lexicographic balance held in %" PRIu64 " of %" PRIu64 " (%" PRIu64
	       " with more than one sum of squares)\n",
	       cases, four, racked, leaves, claim_cases - claim_broken, claim_cases,
	       claim_nontrivial);
	if (failures)
		fprintf(stderr, "%" PRIu64 " failures (seed 0x%016" PRIx64 ")\n", failures, seed);
	CU_ASSERT_EQUAL(failures, 0);
	if (end - first >= 1000) {
		/* the generators still reach what they are meant to */
		CU_ASSERT(four >= (end - first) / 20);
		CU_ASSERT(racked >= (end - first) / 20);
		CU_ASSERT(claim_nontrivial >= (end - first) / 4);
	}
}

/* ------------------------------------------------------------------ random suite */

/*
 * No single partition moved to another subscriber of its topic gives better
 * figures. A weaker test than enumeration, but it reaches groups of any size.
 * Each move changes two loads, one local flag and one move flag, so it is
 * scored from the current figures.
 */
static bool no_better_single_move(const ka_group *g, const uint32_t *owner, const figures *f)
{
	uint32_t M = g->n_members;
	uint32_t *load = calloc((size_t)M + 1, sizeof *load);
	bool *elig = calloc((size_t)M + 1, sizeof *elig);
	bool ok = true;
	for (uint32_t p = 0; p < g->n_partitions; p++)
		if (owner[p] < M)
			load[owner[p]]++;
	for (uint32_t m = 0; m < M; m++)
		elig[m] = eligible(g, m);
	for (uint32_t p = 0; p < g->n_partitions && ok; p++) {
		uint32_t o = owner[p], prev = g->prev_owner[p];
		if (o >= M)
			continue;
		uint32_t t = ka_group_partition_topic(g, p);
		for (uint32_t k = g->tsub_off[t]; k < g->tsub_off[t + 1] && ok; k++) {
			uint32_t m = g->tsub_member[k];
			if (m == o)
				continue;
			figures h = *f;
			h.local = f->local - local_to(g, p, o) + local_to(g, p, m);
			h.moved = f->moved - (prev != KA_NONE && prev != o) +
				  (prev != KA_NONE && prev != m);
			load[o]--;
			load[m]++;
			h.n_elig = 0;
			for (uint32_t i = 0; i < M; i++)
				if (elig[i])
					h.vec[h.n_elig++] = load[i];
			sort_desc(h.vec, h.n_elig);
			load[o]++;
			load[m]--;
			if (compare_figures(&h, f) < 0) {
				fprintf(stderr,
					"moving partition %u from member %u to %u is better\n", p,
					o, m);
				print_figures(stderr, "after the move", &h);
				ok = false;
			}
		}
	}
	free(load);
	free(elig);
	return ok;
}

static void test_random(void)
{
	uint64_t seed = kt_seed(SEED_RANDOM), first;
	uint64_t end = tg_case_range(N_RANDOM, &first);
	uint64_t failures = 0, solved = 0, limited = 0, exact = 0;
	tg_desc *d = malloc(sizeof *d);
	reports = 0;
	for (uint64_t i = first; i < end; i++) {
		kd_rng r;
		tg_case_rng(&r, seed, i);
		uint32_t opts = chance(&r, 1, 8) ? TG_LARGE : 0;
		opts |= chance(&r, 1, 2) ? TG_HOMOGENEOUS : 0;
		tg_random(&r, opts, d);
		ka_group *g = tg_desc_build(d);
		if (!g) {
			failures++;
			report("random group did not build", seed, i, d);
			continue;
		}
		uint32_t *owner = new_owner(g), *again = new_owner(g);
		ka_optimum o, o2, o3;
		int rc = ka_optimum_compute(g, WORK_RANDOM, &o, owner);
		if (rc == KA_ELIMIT) {
			limited++;
			goto next;
		}
		solved++;
		bool ok = rc == 0 && owner_reaches(g, owner, &o);
		figures f;
		figures_of(g, owner, &f);
		ok = ok && no_better_single_move(g, owner, &f);

		/* the same answer twice, and without owner[] */
		ok = ok && ka_optimum_compute(g, WORK_RANDOM, &o2, again) == 0 &&
		     memcmp(owner, again, sizeof *owner * g->n_partitions) == 0 &&
		     memcmp(&o, &o2, sizeof o) == 0;
		ok = ok && ka_optimum_compute(g, WORK_RANDOM, &o3, NULL) == 0 &&
		     memcmp(&o, &o3, sizeof o) == 0;

		/* against docs/metrics.md: the optimum is balanced in Kafka's sense
		 * and never beats the lower bound of moves; with equal subscriptions
		 * loads differ by at most one, and without a locality level the
		 * moves are exactly the formula's */
		size_t size = ka_metrics_workspace_size(g);
		void *ws = tg_alloc_ws(size, 0xA5);
		ka_metrics m;
		ok = ok && ka_metrics_compute(g, owner, ws, size, &m) == 0 && m.balanced &&
		     o.moved >= m.moved_min;
		tg_free(ws);
		bool racks =
		    (g->flags & KA_GROUP_MEMBER_RACKS) && (g->flags & KA_GROUP_PARTITION_RACKS);
		if (ok && m.moved_min_exact && (g->flags & KA_GROUP_HOMOGENEOUS) && g->n_members) {
			ok = o.load_max - o.load_min <= 1 && (racks || o.moved == m.moved_min);
			exact += !racks;
		}
		if (!ok) {
			failures++;
			report("optimum on a random group", seed, i, d);
			if (reports <= MAX_REPORTS) {
				print_optimum(stderr, &o);
				fprintf(stderr, "metrics: balanced %d moved_min %u exact %d\n",
					m.balanced, m.moved_min, m.moved_min_exact);
				tg_print_assignment(stderr, g, owner);
			}
		}
	next:
		free(owner);
		free(again);
		ka_group_free(g);
	}
	free(d);
	printf("\n  random: %" PRIu64 " solved, %" PRIu64 " past the work limit, %" PRIu64
	       " matched docs/metrics.md's exact moved_min\n",
	       solved, limited, exact);
	if (failures)
		fprintf(stderr, "%" PRIu64 " failures (seed 0x%016" PRIx64 ")\n", failures, seed);
	CU_ASSERT_EQUAL(failures, 0);
	if (end - first >= 100) {
		CU_ASSERT(solved >= (end - first) * 3 / 4);
		CU_ASSERT(exact > 0);
	}
}

/* ------------------------------------------------------------------ limits suite */

static void test_work_limit(void)
{
	static const tg_topic topics[] = {{"t0", 6, NULL}, {"t1", 5, NULL}};
	static const tg_member members[] = {
	    {"c1", .topics = "t0 t1"}, {"c2", .topics = "t0"}, {"c3", .topics = "t1"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t owner[11];
	for (uint32_t p = 0; p < 11; p++)
		owner[p] = 12345;
	ka_optimum o;
	memset(&o, 0x5A, sizeof o);
	ka_optimum untouched = o;
	CU_ASSERT_EQUAL(ka_optimum_compute(g, 0, &o, owner), KA_ELIMIT);
	CU_ASSERT_EQUAL(ka_optimum_compute(g, 10, &o, owner), KA_ELIMIT);
	/* nothing written when refused */
	CU_ASSERT_EQUAL(memcmp(&o, &untouched, sizeof o), 0);
	CU_ASSERT_EQUAL(owner[0], 12345);
	/* 11 partitions x (arcs + nodes): a few hundred units of work */
	CU_ASSERT_EQUAL(ka_optimum_compute(g, 100000, &o, owner), 0);
	CU_ASSERT_EQUAL(o.load_min, 3);
	CU_ASSERT_EQUAL(o.load_max, 4);
	CU_ASSERT(owner_reaches(g, owner, &o));

	/* the smallest max_work that is enough, found by bisection, is monotone */
	uint64_t lo = 0, hi = 100000;
	while (lo + 1 < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (ka_optimum_compute(g, mid, &o, NULL) == 0)
			hi = mid;
		else
			lo = mid;
	}
	CU_ASSERT_EQUAL(ka_optimum_compute(g, hi, &o, NULL), 0);
	CU_ASSERT_EQUAL(ka_optimum_compute(g, hi - 1, &o, NULL), KA_ELIMIT);
	CU_ASSERT(hi >= 11); /* at least one unit a partition */
	ka_group_free(g);
}

/* 40,000 partitions on one member: the weights grow as partitions^4 and no
 * longer fit 64 bits, whatever max_work allows. */
static void test_weight_limit(void)
{
	static const tg_topic topics[] = {{"big", 40000, NULL}};
	static const tg_member members[] = {{"c1", .topics = "big"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_optimum o;
	CU_ASSERT_EQUAL(ka_optimum_compute(g, WORK_NOLIMIT, &o, NULL), KA_ELIMIT);
	ka_group_free(g);
}

static void test_empty_and_invalid(void)
{
	ka_optimum o;
	static const tg_topic topics[] = {{"t0", 3, NULL}, {"e", 0, NULL}};
	static const tg_member nobody_subscribes[] = {{"c1", .owned = "t0:0", .gen = "1"},
						      {"c2", .topics = "e"}};
	ka_group *g = TG_BUILD(topics, nobody_subscribes);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t owner[3] = {1, 2, 3};
	memset(&o, 0x5A, sizeof o);
	/* nothing to assign: no work, so even max_work 0 is enough */
	CU_ASSERT_EQUAL(ka_optimum_compute(g, 0, &o, owner), 0);
	CU_ASSERT_EQUAL(o.load_min, 0);
	CU_ASSERT_EQUAL(o.load_max, 0);
	CU_ASSERT_EQUAL(o.load_sq, 0);
	CU_ASSERT_EQUAL(o.local, 0);
	CU_ASSERT_EQUAL(o.moved, 0);
	for (uint32_t p = 0; p < 3; p++)
		CU_ASSERT_EQUAL(owner[p], KA_NONE);
	CU_ASSERT_EQUAL(ka_optimum_compute(NULL, 0, &o, owner), KA_EINVAL);
	CU_ASSERT_EQUAL(ka_optimum_compute(g, 0, NULL, owner), KA_EINVAL);
	ka_group_free(g);

	static const tg_member lone[] = {{"c1", .topics = "t0"}};
	static const tg_topic none[] = {{"t0", 0, NULL}};
	g = TG_BUILD(none, lone);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(ka_optimum_compute(g, 0, &o, NULL), 0);
	CU_ASSERT_EQUAL(o.load_max, 0);
	ka_group_free(g);
}

/* ------------------------------------------------------------------ suites */

static const kt_test hand_tests[] = {{"equal_subscriptions", test_equal_subscriptions},
				     {"equal_one_owner", test_equal_one_owner},
				     {"shared_topic", test_shared_topic},
				     {"chain", test_chain},
				     {"locality_beats_stickiness", test_locality_beats_stickiness},
				     {"balance_beats_locality", test_balance_beats_locality},
				     {"locality_partial", test_locality_partial},
				     {"unsubscribed", test_unsubscribed},
				     {NULL, NULL}};
static const kt_test brute_tests[] = {{"brute_force", test_brute_force}, {NULL, NULL}};
static const kt_test random_tests[] = {{"random", test_random}, {NULL, NULL}};
static const kt_test limits_tests[] = {{"work_limit", test_work_limit},
				       {"weight_limit", test_weight_limit},
				       {"empty_and_invalid", test_empty_and_invalid},
				       {NULL, NULL}};

static const kt_suite suites[] = {{"hand", hand_tests},
				  {"brute", brute_tests},
				  {"random", random_tests},
				  {"limits", limits_tests},
				  {NULL, NULL}};

KT_MAIN(suites)
