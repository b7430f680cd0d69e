/*
 * test_metrics.c - ka_metrics_compute and ka_assignment_validate.
 *
 * Suites:
 *   hand       small groups with every figure worked out by hand;
 *   validate   each violation kind counted, withheld partitions;
 *   exhaustive tiny random groups where every valid assignment is
 *              enumerated, so balance and the fewest moves of a balanced
 *              assignment are known exactly; larger random groups checked
 *              against the definitions computed here.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ktest.h"
#include "testgroups.h"

#define SEED_METRICS 0x6b61737369676e20ull
#define N_TINY       600
#define N_LARGE      1500

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (1.0 + fabs(b));
}

/* Metrics of owner[] given as an expectation string ("c1 t0:0,1; ..."). */
static int metrics_of(const ka_group *g, const char *assignment, ka_metrics *m)
{
	uint32_t *owner = malloc(sizeof *owner * ((size_t)g->n_partitions + 1));
	for (uint32_t p = 0; p < g->n_partitions; p++)
		owner[p] = KA_NONE;
	/* parse by asking tg_expect to accept our own array: fill it first */
	char seg[512], tok[256], name[256], num[32];
	const char *s = assignment;
	while (*s) {
		s = tg_next_token(s, ";", seg, sizeof seg);
		const char *q = seg;
		while (*q == ' ')
			q++;
		if (!*q)
			continue;
		q = tg_next_token(q, " ", tok, sizeof tok);
		uint32_t mem = tg_member_index(g, tok);
		while (*q) {
			q = tg_next_token(q, " ", tok, sizeof tok);
			const char *ps = tg_next_token(tok, ":", name, sizeof name);
			uint32_t t = tg_topic_id(g, name);
			while (*ps && t != KA_NONE) {
				ps = tg_next_token(ps, ",", num, sizeof num);
				owner[g->topic_off[t] + strtoul(num, NULL, 10)] = mem;
			}
		}
	}
	/* the parse is right when tg_expect reads the string back as equal */
	int ok = tg_expect(g, owner, assignment, "metrics_of parse");
	size_t size = ka_metrics_workspace_size(g);
	void *ws = tg_alloc_ws(size, 0xA5);
	int rc = ka_metrics_compute(g, owner, ws, size, m);
	if (size > 0) {
		ka_metrics spare;
		CU_ASSERT_EQUAL(ka_metrics_compute(g, owner, ws, size - 1, &spare), KA_EWORKSPACE);
	}
	tg_free(ws);
	free(owner);
	return ok ? rc : -100;
}

/* ------------------------------------------------------------------ hand suite */

static const tg_topic seed_topics[] = {{"t0", 7, NULL}};
static const tg_member seed_members[] = {
    {"c1", .topics = "t0"}, {"c2", .topics = "t0"}, {"c3", .topics = "t0"}};

static void test_load_balanced(void)
{
	ka_group *g = TG_BUILD(seed_topics, seed_members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_metrics m;
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,1,2; c2 t0:3,4; c3 t0:5,6", &m), 0);
	CU_ASSERT_EQUAL(m.n_assigned, 7);
	CU_ASSERT_EQUAL(m.n_assignable, 7);
	CU_ASSERT_EQUAL(m.n_eligible, 3);
	CU_ASSERT_EQUAL(m.load_min, 2);
	CU_ASSERT_EQUAL(m.load_max, 3);
	CU_ASSERT(near(m.load_mean, 7.0 / 3.0));
	CU_ASSERT(near(m.load_stddev, sqrt(2.0) / 3.0)); /* sqrt(((2/3)^2 + 2 (1/3)^2) / 3) */
	CU_ASSERT_EQUAL(m.balanced, 1);
	CU_ASSERT_EQUAL(m.prev_owned, 0);
	CU_ASSERT_EQUAL(m.moved, 0);
	CU_ASSERT_EQUAL(m.moved_min, 0);
	CU_ASSERT_EQUAL(m.rack_known, 0);
	CU_ASSERT_EQUAL(m.local, 0);

	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,1,2,3,4; c2 t0:5; c3 t0:6", &m), 0);
	CU_ASSERT_EQUAL(m.load_min, 1);
	CU_ASSERT_EQUAL(m.load_max, 5);
	CU_ASSERT(near(m.load_mean, 7.0 / 3.0));
	CU_ASSERT(near(m.load_stddev, sqrt(96.0 / 27.0))); /* 5,1,1 around 7/3 */
	CU_ASSERT_EQUAL(m.balanced, 0);

	/* a partition withheld (cooperative round): counted out of n_assigned */
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,1; c2 t0:3,4; c3 t0:5,6", &m), 0);
	CU_ASSERT_EQUAL(m.n_assigned, 6);
	CU_ASSERT_EQUAL(m.n_assignable, 7);
	CU_ASSERT_EQUAL(m.load_min, 2);
	CU_ASSERT_EQUAL(m.load_max, 2);
	CU_ASSERT(near(m.load_stddev, 0.0));
	ka_group_free(g);
}

/* max - min > 1 only because of subscriptions is balanced; one partition
 * that could move to a subscriber with two fewer is not. */
static void test_balanced_by_subscription(void)
{
	static const tg_topic topics[] = {{"e", 0, NULL}, {"t0", 4, NULL}, {"t1", 2, NULL}};
	static const tg_member members[] = {
	    {"c1", .topics = "t0 t1"},
	    {"c2", .topics = "t1"},
	    {.id = "c3"},           /* no subscription: not eligible */
	    {"c4", .topics = "e"}}; /* only an empty topic: neither */
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_metrics m;
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,1,2,3; c2 t1:0,1", &m), 0);
	CU_ASSERT_EQUAL(m.n_eligible, 2);
	CU_ASSERT_EQUAL(m.n_assignable, 6);
	CU_ASSERT_EQUAL(m.load_min, 2);
	CU_ASSERT_EQUAL(m.load_max, 4);
	CU_ASSERT(near(m.load_mean, 3.0));
	CU_ASSERT(near(m.load_stddev, 1.0));
	CU_ASSERT_EQUAL(m.balanced, 1);

	/* t1:0 on c1 (5) could go to c2 (1) */
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,1,2,3 t1:0; c2 t1:1", &m), 0);
	CU_ASSERT_EQUAL(m.load_min, 1);
	CU_ASSERT_EQUAL(m.load_max, 5);
	CU_ASSERT_EQUAL(m.balanced, 0);

	ka_group_free(g);
}

/* Equal subscriptions: max kept = sum min(o_i, q) + min(r, #{o_i > q}). */
static void test_movement_equal(void)
{
	static const tg_member members[] = {
	    {"c1", .topics = "t0", .owned = "t0:0,1,2,3", .gen = "1"},
	    {"c2", .topics = "t0", .owned = "t0:4,5,6", .gen = "1"},
	    {"c3", .topics = "t0"}};
	ka_group *g = TG_BUILD(seed_topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_metrics m;
	/* q = 2, r = 1, o = (4, 3, 0): kept 2 + 2 + 0 + min(1, 2) = 5 */
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,1,2; c2 t0:3,4; c3 t0:5,6", &m), 0);
	CU_ASSERT_EQUAL(m.prev_owned, 7);
	CU_ASSERT_EQUAL(m.moved, 3); /* 3, 5, 6 */
	CU_ASSERT_EQUAL(m.moved_min, 2);
	CU_ASSERT_EQUAL(m.moved_min_exact, 1);
	CU_ASSERT_EQUAL(m.balanced, 1);
	/* an assignment that reaches the bound */
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,1,2; c2 t0:4,5; c3 t0:3,6", &m), 0);
	CU_ASSERT_EQUAL(m.moved, 2);
	CU_ASSERT_EQUAL(m.moved_min, 2);
	/* withheld (cooperative first round): owned by nobody is moved */
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,1; c2 t0:4,5; c3 t0:3,6", &m), 0);
	CU_ASSERT_EQUAL(m.moved, 3); /* 2 to nobody, 3, 6 */
	CU_ASSERT_EQUAL(m.n_assigned, 6);
	ka_group_free(g);
}

/* Ties leave a partition without previous owner; claims on a topic nobody
 * subscribes must move (to nobody). */
static void test_movement_conflicts(void)
{
	static const tg_topic topics[] = {{"t0", 4, NULL}, {"t1", 2, NULL}};
	static const tg_member members[] = {
	    {"c1", .topics = "t0", .owned = "t0:0,1 t1:0", .gen = "2"},
	    {"c2", .topics = "t0", .owned = "t0:1,2 t1:1", .gen = "2"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(g->prev_owner[1], KA_NONE);
	ka_metrics m;
	/* prev: t0:0 c1, t0:2 c2 (t0:1 is contested; t1 has no subscriber, so
	 * its claims are nobody's move). q = 2, o = (1, 1): kept 2. */
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,1; c2 t0:2,3", &m), 0);
	CU_ASSERT_EQUAL(m.n_assignable, 4);
	CU_ASSERT_EQUAL(m.prev_owned, 2);
	CU_ASSERT_EQUAL(m.moved, 0);
	CU_ASSERT_EQUAL(m.moved_min, 0);
	CU_ASSERT_EQUAL(m.moved_min_exact, 1);
	/* swapping moves both kept partitions of t0 */
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c2 t0:0,1; c1 t0:2,3", &m), 0);
	CU_ASSERT_EQUAL(m.moved, 2);
	ka_group_free(g);
}

static void test_locality(void)
{
	static const tg_topic topics[] = {{"t0", 4, "a|b|a,b|"}};
	static const tg_member members[] = {{"c1", .rack = "a", .topics = "t0"},
					    {"c2", .topics = "t0"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_metrics m;
	/* p0 local, p1 remote, p2 owner without rack, p3 replicas unknown */
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,1,3; c2 t0:2", &m), 0);
	CU_ASSERT_EQUAL(m.rack_known, 2);
	CU_ASSERT_EQUAL(m.local, 1);
	CU_ASSERT_EQUAL(m.balanced, 0);
	CU_ASSERT_EQUAL_FATAL(metrics_of(g, "c1 t0:0,2; c2 t0:1,3", &m), 0);
	CU_ASSERT_EQUAL(m.rack_known, 2);
	CU_ASSERT_EQUAL(m.local, 2);
	CU_ASSERT_EQUAL(m.balanced, 1);
	ka_group_free(g);
}

/* ------------------------------------------------------------------ validate suite */

typedef struct seen {
	uint64_t kind[4];
	uint32_t part[16], member[16];
	int vio[16];
	size_t n;
} seen;

static void record(void *ctx, int violation, uint32_t partition, uint32_t member)
{
	seen *s = ctx;
	if (violation >= 1 && violation <= 3)
		s->kind[violation]++;
	else
		s->kind[0]++;
	if (s->n < 16) {
		s->vio[s->n] = violation;
		s->part[s->n] = partition;
		s->member[s->n++] = member;
	}
}

static bool saw(const seen *s, int violation, uint32_t partition, uint32_t member)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->vio[i] == violation && s->part[i] == partition && s->member[i] == member)
			return true;
	return false;
}

static void test_validate_kinds(void)
{
	static const tg_topic topics[] = {{"t0", 3, NULL}, {"t1", 2, NULL}, {"t2", 1, NULL}};
	static const tg_member members[] = {{"c1", .topics = "t0", .owned = "t0:1", .gen = "1"},
					    {"c2", .topics = "t0 t1"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t c1 = tg_member_index(g, "c1"), c2 = tg_member_index(g, "c2");
	/* t0:0 fine, t0:1 unassigned (withheld: c1 owned it), t0:2 member 7,
	 * t1:0 to c1 who does not subscribe t1, t1:1 fine, t2:0 to c1 though
	 * nobody subscribes t2 */
	uint32_t owner[6] = {c1, KA_NONE, 7, c1, c2, c1};
	seen s = {0};
	CU_ASSERT_EQUAL(ka_assignment_validate(g, owner, 0, record, &s), 4);
	CU_ASSERT_EQUAL(s.kind[KA_VUNASSIGNED], 1);
	CU_ASSERT_EQUAL(s.kind[KA_VBAD_MEMBER], 1);
	CU_ASSERT_EQUAL(s.kind[KA_VUNSUBSCRIBED], 2);
	CU_ASSERT_EQUAL(s.kind[0], 0);
	CU_ASSERT(saw(&s, KA_VUNASSIGNED, 1, KA_NONE));
	CU_ASSERT(saw(&s, KA_VBAD_MEMBER, 2, 7));
	CU_ASSERT(saw(&s, KA_VUNSUBSCRIBED, 3, c1));
	CU_ASSERT(saw(&s, KA_VUNSUBSCRIBED, 5, c1));

	/* withheld allowed: t0:1 had an owner */
	memset(&s, 0, sizeof s);
	CU_ASSERT_EQUAL(ka_assignment_validate(g, owner, 1, record, &s), 3);
	CU_ASSERT_EQUAL(s.kind[KA_VUNASSIGNED], 0);
	/* but not for a partition nobody owned before */
	owner[0] = KA_NONE;
	CU_ASSERT_EQUAL(ka_assignment_validate(g, owner, 1, NULL, NULL), 4);
	CU_ASSERT_EQUAL(ka_assignment_validate(g, owner, 0, NULL, NULL), 5);

	/* and a clean one */
	uint32_t fine[6] = {c1, c2, c1, c2, c2, KA_NONE};
	CU_ASSERT_EQUAL(ka_assignment_validate(g, fine, 0, record, &s), 0);
	ka_group_free(g);
}

/* ------------------------------------------------------------------ exhaustive suite */

/* The definitions of docs/metrics.md, computed directly. */
typedef struct figures {
	uint32_t n_assigned, n_assignable, n_eligible, load_min, load_max;
	double mean, stddev;
	int balanced;
	uint32_t prev_owned, moved, rack_known, local;
} figures;

static bool topic_has_subscriber(const ka_group *g, uint32_t t)
{
	for (uint32_t m = 0; m < g->n_members; m++)
		if (tg_subscribes(g, m, t))
			return true;
	return false;
}

static bool eligible(const ka_group *g, uint32_t m)
{
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (g->topic_off[t + 1] > g->topic_off[t] && tg_subscribes(g, m, t))
			return true;
	return false;
}

static bool is_balanced(const ka_group *g, const uint32_t *owner, const uint32_t *load)
{
	for (uint32_t p = 0; p < g->n_partitions; p++) {
		uint32_t o = owner[p];
		if (o >= g->n_members)
			continue;
		uint32_t t = ka_group_partition_topic(g, p);
		for (uint32_t m = 0; m < g->n_members; m++)
			if (m != o && tg_subscribes(g, m, t) && load[m] + 2 <= load[o])
				return false;
	}
	return true;
}

static void figures_of(const ka_group *g, const uint32_t *owner, figures *f)
{
	uint32_t M = g->n_members;
	uint32_t *load = calloc(M + 1, sizeof *load);
	memset(f, 0, sizeof *f);
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (topic_has_subscriber(g, t))
			f->n_assignable += g->topic_off[t + 1] - g->topic_off[t];
	for (uint32_t p = 0; p < g->n_partitions; p++) {
		uint32_t o = owner[p], prev = g->prev_owner[p];
		if (o < M) {
			f->n_assigned++;
			load[o]++;
			if (g->member_rack[o] != KA_NO_RACK &&
			    g->prack_off[p + 1] > g->prack_off[p]) {
				f->rack_known++;
				for (uint32_t j = g->prack_off[p]; j < g->prack_off[p + 1]; j++)
					f->local += g->prack[j] == g->member_rack[o];
			}
		}
		/* Movement counts partitions someone could take (docs/metrics.md). */
		if (prev != KA_NONE && topic_has_subscriber(g, ka_group_partition_topic(g, p))) {
			f->prev_owned++;
			f->moved += o != prev;
		}
	}
	double sum = 0, sq = 0;
	f->load_min = UINT32_MAX;
	for (uint32_t m = 0; m < M; m++) {
		if (!eligible(g, m))
			continue;
		f->n_eligible++;
		f->load_min = load[m] < f->load_min ? load[m] : f->load_min;
		f->load_max = load[m] > f->load_max ? load[m] : f->load_max;
		sum += load[m];
	}
	if (!f->n_eligible)
		f->load_min = 0;
	f->mean = f->n_eligible ? sum / f->n_eligible : 0.0;
	for (uint32_t m = 0; m < M; m++)
		if (eligible(g, m))
			sq += (load[m] - f->mean) * (load[m] - f->mean);
	f->stddev = f->n_eligible ? sqrt(sq / f->n_eligible) : 0.0;
	f->balanced = is_balanced(g, owner, load);
	free(load);
}

static bool equal_subscriptions(const ka_group *g)
{
	for (uint32_t m = 1; m < g->n_members; m++)
		for (uint32_t t = 0; t < g->n_topics; t++)
			if (tg_subscribes(g, m, t) != tg_subscribes(g, 0, t))
				return false;
	return g->n_members > 0;
}

/* Equal subscriptions: the fewest moves of a balanced assignment. */
static uint32_t moved_min_equal(const ka_group *g, const figures *f)
{
	uint32_t n = f->n_eligible, P = f->n_assignable;
	uint32_t q = n ? P / n : 0, r = n ? P % n : 0, kept = 0, over = 0;
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint32_t o = 0;
		for (uint32_t p = 0; p < g->n_partitions; p++)
			o += g->prev_owner[p] == m &&
			     tg_subscribes(g, m, ka_group_partition_topic(g, p));
		kept += o < q ? o : q;
		over += o > q;
	}
	kept += r < over ? r : over;
	return f->prev_owned - kept;
}

/* Every valid assignment of a tiny group: the fewest moves of a balanced
 * one. Returns UINT32_MAX when there is none (cannot happen: some balanced
 * assignment always exists). */
static uint32_t moved_min_brute(const ka_group *g)
{
	uint32_t P = g->n_partitions, M = g->n_members;
	uint32_t *owner = malloc(sizeof *owner * (P + 1));
	uint32_t *load = calloc(M + 1, sizeof *load);
	uint32_t subs[8][4], ns[8], idx[8] = {0}, best = UINT32_MAX;
	for (uint32_t p = 0; p < P; p++) {
		uint32_t t = ka_group_partition_topic(g, p);
		ns[p] = 0;
		for (uint32_t m = 0; m < M; m++)
			if (tg_subscribes(g, m, t))
				subs[p][ns[p]++] = m;
	}
	for (;;) {
		memset(load, 0, sizeof *load * (M + 1));
		uint32_t moved = 0;
		for (uint32_t p = 0; p < P; p++) {
			owner[p] = ns[p] ? subs[p][idx[p]] : KA_NONE;
			if (owner[p] != KA_NONE)
				load[owner[p]]++;
			moved += ns[p] && g->prev_owner[p] != KA_NONE && owner[p] != g->prev_owner[p];
		}
		if (moved < best && is_balanced(g, owner, load))
			best = moved;
		uint32_t p = 0;
		while (p < P && (ns[p] == 0 || ++idx[p] == ns[p])) {
			idx[p] = 0;
			p++;
		}
		if (p == P)
			break;
	}
	free(owner);
	free(load);
	return best;
}

static int reports;

static void report(const char *what, uint64_t seed, uint64_t i, const tg_desc *d, const ka_group *g,
		   const uint32_t *owner, const ka_metrics *m, const figures *f)
{
	if (++reports > 3)
		return;
	fprintf(stderr,
		"\nFAIL %s: replay with KT_SEED=0x%016" PRIx64 " KT_CASE=%" PRIu64 "\nscenario: ",
		what, seed, i);
	tg_desc_print(stderr, d);
	fprintf(stderr, "assignment: ");
	tg_print_assignment(stderr, g, owner);
	fprintf(stderr,
		"library: assigned %u assignable %u eligible %u load %u..%u mean %g sd %g balanced "
		"%d prev %u moved %u moved_min %u exact %d rack_known %u local %u\n",
		m->n_assigned, m->n_assignable, m->n_eligible, m->load_min, m->load_max,
		m->load_mean, m->load_stddev, m->balanced, m->prev_owned, m->moved, m->moved_min,
		m->moved_min_exact, m->rack_known, m->local);
	fprintf(stderr,
		"by hand: assigned %u assignable %u eligible %u load %u..%u mean %g sd %g balanced "
		"%d prev %u moved %u rack_known %u local %u\n",
		f->n_assigned, f->n_assignable, f->n_eligible, f->load_min, f->load_max, f->mean,
		f->stddev, f->balanced, f->prev_owned, f->moved, f->rack_known, f->local);
}

/* A valid assignment drawn at random (each partition to a random
 * subscriber, a few previously owned ones withheld), so unbalanced ones are
 * checked too. */
static void random_assignment(kd_rng *r, const ka_group *g, uint32_t *owner)
{
	for (uint32_t p = 0; p < g->n_partitions; p++) {
		uint32_t t = ka_group_partition_topic(g, p), subs[TG_MAX_MEMBERS], ns = 0;
		for (uint32_t m = 0; m < g->n_members && ns < TG_MAX_MEMBERS; m++)
			if (tg_subscribes(g, m, t))
				subs[ns++] = m;
		owner[p] = ns ? subs[kd_rng_below(r, ns)] : KA_NONE;
		/* now and then withheld, as a cooperative round does */
		if (g->prev_owner[p] != KA_NONE && kd_rng_below(r, 8) == 0)
			owner[p] = KA_NONE;
	}
}

static void check_random(bool tiny, uint64_t n_default, uint64_t seed_salt)
{
	/* KT_SEED replays; the salt keeps the two suites' groups apart */
	uint64_t seed = kt_seed(SEED_METRICS), first;
	uint64_t end = tg_case_range(n_default, &first);
	uint64_t failures = 0, checked = 0, exact_checked = 0, brute_checked = 0;
	tg_desc *d = malloc(sizeof *d);
	reports = 0;
	for (uint64_t i = first; i < end; i++) {
		kd_rng r;
		tg_case_rng(&r, seed ^ seed_salt, i);
		uint32_t opts = tiny ? TG_TINY : kd_rng_below(&r, 10) == 0 ? TG_LARGE : 0;
		tg_random(&r, opts | (kd_rng_below(&r, 2) ? TG_HOMOGENEOUS : 0), d);
		ka_group *g = tg_desc_build(d);
		if (!g) {
			failures++;
			continue;
		}
		uint32_t brute = tiny ? moved_min_brute(g) : UINT32_MAX;
		bool equal = equal_subscriptions(g);
		size_t size = ka_metrics_workspace_size(g);
		void *ws = tg_alloc_ws(size, 0xA5);
		uint32_t *owner = malloc(sizeof *owner * ((size_t)g->n_partitions + 1));
		/* every strategy's answer, and two random valid assignments */
		size_t ns = ka_strategy_count();
		for (size_t k = 0; k < ns + 2; k++) {
			if (k < ns) {
				const ka_strategy *s = ka_strategy_at(k);
				size_t wsz = ka_workspace_size(s, g);
				void *aws = tg_alloc_ws(wsz, 0xA5);
				int rc = ka_assign(s, g, aws, wsz, owner);
				tg_free(aws);
				if (rc != 0)
					continue; /* test_strategies reports it */
			} else {
				random_assignment(&r, g, owner);
			}
			ka_metrics m;
			figures f;
			memset(&m, 0x5A, sizeof m);
			if (ka_metrics_compute(g, owner, ws, size, &m) != 0) {
				failures++;
				continue;
			}
			figures_of(g, owner, &f);
			checked++;
			bool ok = m.n_assigned == f.n_assigned &&
				  m.n_assignable == f.n_assignable &&
				  m.n_eligible == f.n_eligible && m.load_min == f.load_min &&
				  m.load_max == f.load_max && near(m.load_mean, f.mean) &&
				  near(m.load_stddev, f.stddev) && m.balanced == f.balanced &&
				  m.prev_owned == f.prev_owned && m.moved == f.moved &&
				  m.rack_known == f.rack_known && m.local == f.local;
			if (!ok) {
				failures++;
				report("metrics differ from the definitions", seed, i, d, g, owner,
				       &m, &f);
			}
			/* moved_min: a bound every balanced assignment respects */
			if (m.moved_min > f.prev_owned || (f.balanced && m.moved < m.moved_min)) {
				failures++;
				report("moved_min above a balanced assignment's moves", seed, i, d,
				       g, owner, &m, &f);
			}
			if (equal) {
				exact_checked++;
				uint32_t want = moved_min_equal(g, &f);
				if (m.moved_min != want || !m.moved_min_exact) {
					failures++;
					fprintf(stderr,
						"equal subscriptions: moved_min %u (exact %d), "
						"formula %u\n",
						m.moved_min, m.moved_min_exact, want);
					report("moved_min for equal subscriptions", seed, i, d, g,
					       owner, &m, &f);
				}
			}
			if (tiny) {
				brute_checked++;
				bool bad = brute == UINT32_MAX || m.moved_min > brute ||
					   (m.moved_min_exact && m.moved_min != brute);
				if (bad) {
					failures++;
					fprintf(stderr,
						"exhaustive: fewest moves of a balanced assignment "
						"%u, moved_min %u (exact %d)\n",
						brute, m.moved_min, m.moved_min_exact);
					report("moved_min against every assignment", seed, i, d, g,
					       owner, &m, &f);
				}
			}
		}
		tg_free(ws);
		free(owner);
		ka_group_free(g);
	}
	free(d);
	if (failures)
		fprintf(stderr, "%" PRIu64 " failures (seed 0x%016" PRIx64 ")\n", failures, seed);
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT(checked >= (end - first) * 2);
	if (end - first >= 100) {
		CU_ASSERT(exact_checked > 0);
		CU_ASSERT(!tiny || brute_checked > 0);
	}
}

static void test_exhaustive_tiny(void)
{
	check_random(true, N_TINY, 0);
}

static void test_definitions_random(void)
{
	check_random(false, N_LARGE, 0x1234);
}

/* ------------------------------------------------------------------ suites */

static const kt_test hand_tests[] = {{"load_balanced", test_load_balanced},
				     {"balanced_by_subscription", test_balanced_by_subscription},
				     {"movement_equal", test_movement_equal},
				     {"movement_conflicts", test_movement_conflicts},
				     {"locality", test_locality},
				     {NULL, NULL}};
static const kt_test validate_tests[] = {{"kinds", test_validate_kinds}, {NULL, NULL}};
static const kt_test exhaustive_tests[] = {{"tiny_exhaustive", test_exhaustive_tiny},
					   {"definitions_random", test_definitions_random},
					   {NULL, NULL}};

static const kt_suite suites[] = {{"hand", hand_tests},
				  {"validate", validate_tests},
				  {"exhaustive", exhaustive_tests},
				  {NULL, NULL}};

KT_MAIN(suites)
