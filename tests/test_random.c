/*
 * test_random.c - every strategy on random groups the size and shape of real
 * ones, with any failure shrunk to a minimal group printed as a scenario.
 *
 * Suites:
 *   realistic    random groups from a handful of partitions to a thousand
 *                topics and thousands of members: overlapping subscription
 *                classes, racks on members and replicas, static members,
 *                previous ownership with stale generations, conflicting,
 *                duplicated and unsubscribed claims. Every strategy of the
 *                table (iterated, so new ones are covered) must return 0, give
 *                an assignment ka_assignment_validate() accepts (a cooperative
 *                strategy may withhold what changes owner), and give it again
 *                from a workspace holding other garbage. The one error allowed
 *                is KA_EKAFKA (Kafka's own answer is not an assignment), and
 *                then on both runs.
 *   shrink       the shrinker itself, on a planted property whose minimal
 *                counterexample is known.
 *   regressions  every scenario in tests/data/random through the same checks:
 *                the cases earlier runs found, kept once fixed.
 *
 * Cases: 120 by default, KT_CASES=N for more, KT_LONG=1 for a million
 * (hours; run it outside CI), KT_SEED / KT_CASE to replay one, and
 * KT_STRATEGY=a,b to check only those strategies while investigating. A failing
 * case is shrunk (greedy delta debugging: drop blocks of members, then
 * topics, partitions, subscriptions, claims, racks, instance ids and
 * generations, keeping each removal that still fails) and printed as a
 * scenario file; `kassign assign --strategy NAME FILE` replays it. While
 * shrinking, each attempt runs in a child process, so a crash shrinks like
 * any other failure.
 */
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "datasets/rng.h"
#include "datasets/scenario.h"
#include "ktest.h"

#define SEED_REALISTIC 0x6b61737369676e21ull
#define N_CASES        120
#define LONG_CASES     1000000
#define MAX_RACKS      6

/* ------------------------------------------------------------------ the description */

typedef struct rg_claim {
	uint32_t topic, partition;
} rg_claim;

typedef struct rg_member {
	char id[40];
	int instance; /* group_instance_id number, -1: none */
	int rack;     /* -1: none */
	int64_t gen;  /* KA_NO_GENERATION: absent */
	uint32_t *subs, n_subs;
	rg_claim *claims;
	uint32_t n_claims;
} rg_member;

typedef struct rg_topic {
	char name[24];
	uint32_t parts;
	uint8_t *racks; /* [parts] replica racks as bits, NULL: unknown */
} rg_topic;

typedef struct rg_group {
	rg_topic *t;
	uint32_t nt;
	rg_member *m;
	uint32_t nm;
	uint32_t n_racks;
} rg_group;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

static void *dup_bytes(const void *p, size_t n)
{
	void *q = xmalloc(n);
	if (n)
		memcpy(q, p, n);
	return q;
}

static void rg_free(rg_group *g)
{
	for (uint32_t i = 0; i < g->nt; i++)
		free(g->t[i].racks);
	for (uint32_t i = 0; i < g->nm; i++) {
		free(g->m[i].subs);
		free(g->m[i].claims);
	}
	free(g->t);
	free(g->m);
	memset(g, 0, sizeof *g);
}

static rg_group rg_copy(const rg_group *g)
{
	rg_group c = *g;
	c.t = dup_bytes(g->t, g->nt * sizeof *g->t);
	c.m = dup_bytes(g->m, g->nm * sizeof *g->m);
	for (uint32_t i = 0; i < g->nt; i++)
		if (g->t[i].racks)
			c.t[i].racks = dup_bytes(g->t[i].racks, g->t[i].parts);
	for (uint32_t i = 0; i < g->nm; i++) {
		c.m[i].subs = dup_bytes(g->m[i].subs, g->m[i].n_subs * sizeof *g->m[i].subs);
		c.m[i].claims =
		    dup_bytes(g->m[i].claims, g->m[i].n_claims * sizeof *g->m[i].claims);
	}
	return c;
}

static const char *const rack_names[MAX_RACKS] = {"use1-az1", "use1-az2", "use1-az3",
						  "euw1-az1", "euw1-az2", "euw1-az3"};

static void ignore_diag(void *ctx, const ka_diag *d)
{
	(void)ctx;
	(void)d;
}

/* Through the public builder, as a loader would; NULL when it refuses. */
static ka_group *rg_build(const rg_group *d)
{
	ka_builder *b = ka_builder_new(ignore_diag, NULL);
	if (!b)
		abort();
	for (uint32_t t = 0; t < d->nt; t++) {
		ka_builder_add_topic(b, d->t[t].name, d->t[t].parts);
		for (uint32_t p = 0; d->t[t].racks && p < d->t[t].parts; p++)
			for (uint32_t r = 0; r < d->n_racks; r++)
				if (d->t[t].racks[p] >> r & 1)
					ka_builder_add_partition_rack(b, t, p, rack_names[r]);
	}
	for (uint32_t i = 0; i < d->nm; i++) {
		const rg_member *m = &d->m[i];
		char inst[24];
		snprintf(inst, sizeof inst, "instance-%d", m->instance);
		ka_builder_add_member(b, m->id, m->instance >= 0 ? inst : NULL,
				      m->rack >= 0 ? rack_names[m->rack] : NULL, m->gen);
		ka_builder_subscribe_indices(b, i, m->subs, m->n_subs);
		for (uint32_t k = 0; k < m->n_claims; k++)
			ka_builder_add_owned_index(b, i, m->claims[k].topic, m->claims[k].partition,
						   k);
	}
	ka_group *g = NULL;
	if (ka_builder_finish(b, &g) != 0)
		g = NULL;
	ka_builder_free(b);
	return g;
}

/* The description as a scenario file (claims as given, conflicts and all). */
static void rg_print(FILE *f, const rg_group *d)
{
	fprintf(f, "{\n  \"topics\": [");
	for (uint32_t t = 0; t < d->nt; t++) {
		const rg_topic *tp = &d->t[t];
		fprintf(f, "%s\n    {\"name\": \"%s\", \"partitions\": %" PRIu32, t ? "," : "",
			tp->name, tp->parts);
		if (tp->racks) {
			fprintf(f, ", \"racks\": [");
			for (uint32_t p = 0; p < tp->parts; p++) {
				fprintf(f, "%s[", p ? ", " : "");
				int first = 1;
				for (uint32_t r = 0; r < d->n_racks; r++)
					if (tp->racks[p] >> r & 1) {
						fprintf(f, "%s\"%s\"", first ? "" : ", ",
							rack_names[r]);
						first = 0;
					}
				fprintf(f, "]");
			}
			fprintf(f, "]");
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"members\": [");
	for (uint32_t i = 0; i < d->nm; i++) {
		const rg_member *m = &d->m[i];
		fprintf(f, "%s\n    {\"member_id\": \"%s\"", i ? "," : "", m->id);
		if (m->instance >= 0)
			fprintf(f, ", \"group_instance_id\": \"instance-%d\"", m->instance);
		if (m->rack >= 0)
			fprintf(f, ", \"rack\": \"%s\"", rack_names[m->rack]);
		fprintf(f, ", \"topics\": [");
		for (uint32_t k = 0; k < m->n_subs; k++)
			fprintf(f, "%s\"%s\"", k ? ", " : "", d->t[m->subs[k]].name);
		fprintf(f, "]");
		if (m->n_claims) {
			/* One key per claim keeps the claims' order, which the
			 * builder numbers; keys must differ, so runs of one topic
			 * share a key. */
			fprintf(f, ", \"owned\": {");
			for (uint32_t k = 0; k < m->n_claims;) {
				uint32_t t = m->claims[k].topic, j = k;
				fprintf(f, "%s\"%s\": [", k ? ", " : "", d->t[t].name);
				for (; j < m->n_claims && m->claims[j].topic == t; j++)
					fprintf(f, "%s%" PRIu32, j > k ? ", " : "",
						m->claims[j].partition);
				fprintf(f, "]");
				k = j;
			}
			fprintf(f, "}");
		}
		if (m->gen != KA_NO_GENERATION)
			fprintf(f, ", \"generation\": %" PRId64, m->gen);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ]\n}\n");
}

/* ------------------------------------------------------------------ drawing a group */

static uint32_t log_uniform(kd_rng *r, uint32_t lo, uint32_t hi)
{
	/* Sizes spread over orders of magnitude: as many groups of 2..20 as of
	 * 200..2000. */
	double x = (double)kd_rng_below(r, 1u << 20) / (double)(1u << 20);
	double v = (double)lo * pow((double)hi / (double)lo, x);
	uint32_t n = (uint32_t)v;
	return n < lo ? lo : n > hi ? hi : n;
}

static int chance(kd_rng *r, uint32_t num, uint32_t den)
{
	return kd_rng_below(r, den) < num;
}

static void rg_random(kd_rng *r, rg_group *d)
{
	memset(d, 0, sizeof *d);
	uint32_t size = kd_rng_below(r, 20); /* 0..13 small, 14..18 medium, 19 large */
	uint32_t max_t = size < 14 ? 30 : size < 19 ? 200 : 1000;
	uint32_t max_m = size < 14 ? 40 : size < 19 ? 400 : 3000;
	uint32_t max_p = size < 14 ? 16 : size < 19 ? 32 : 64;
	d->nt = log_uniform(r, 1, max_t);
	d->nm = log_uniform(r, 1, max_m);
	/* At most 40 000 partitions: a real large group, still seconds under
	 * the sanitizers. */
	uint32_t cap_p = 40000 / d->nt;
	if (max_p > cap_p)
		max_p = cap_p ? cap_p : 1;
	d->n_racks = chance(r, 2, 5) ? 0 : 1 + kd_rng_below(r, MAX_RACKS);

	d->t = xmalloc(d->nt * sizeof *d->t);
	int same_count = chance(r, 1, 3); /* co-partitioned topics */
	uint32_t count0 = kd_rng_below(r, max_p + 1);
	uint32_t rack_mode = d->n_racks ? kd_rng_below(r, 4) : 0;
	for (uint32_t t = 0; t < d->nt; t++) {
		rg_topic *tp = &d->t[t];
		/* Names whose byte order and length order differ. */
		snprintf(tp->name, sizeof tp->name, "%s%" PRIu32, chance(r, 1, 4) ? "Orders-" : "t",
			 t * 7919 % 100003);
		tp->parts = same_count ? count0 : kd_rng_below(r, max_p + 1);
		if (chance(r, 1, 30))
			tp->parts = 0;
		tp->racks = NULL;
		if (!rack_mode || chance(r, 1, 10))
			continue;
		tp->racks = xmalloc(tp->parts + 1);
		for (uint32_t p = 0; p < tp->parts; p++) {
			uint32_t rf = rack_mode == 1 ? 1 : rack_mode == 2 ? 3 : kd_rng_below(r, 4);
			uint8_t bits = 0;
			for (uint32_t k = 0; k < rf; k++)
				bits |= (uint8_t)(1u << ((p + k) % d->n_racks));
			tp->racks[p] = bits;
		}
	}

	/* Subscription classes: random topic subsets of varied density, which
	 * overlap; most members take one, a few their own. */
	uint32_t n_classes = chance(r, 3, 10) ? 1 : 1 + kd_rng_below(r, 8);
	uint32_t *cls_n = xmalloc(n_classes * sizeof *cls_n);
	uint32_t **cls = xmalloc(n_classes * sizeof *cls);
	for (uint32_t c = 0; c < n_classes; c++) {
		cls[c] = xmalloc(d->nt * sizeof **cls);
		uint32_t density = kd_rng_below(r, 4); /* all, half, a tenth, a few */
		cls_n[c] = 0;
		for (uint32_t t = 0; t < d->nt; t++) {
			int on = density == 0   ? 1
				 : density == 1 ? chance(r, 1, 2)
				 : density == 2 ? chance(r, 1, 10)
						: chance(r, 3, d->nt + 2);
			if (on)
				cls[c][cls_n[c]++] = t;
		}
	}
	int statics = chance(r, 1, 3);
	uint32_t gen = 1 + kd_rng_below(r, 20);
	d->m = xmalloc(d->nm * sizeof *d->m);
	for (uint32_t i = 0; i < d->nm; i++) {
		rg_member *m = &d->m[i];
		memset(m, 0, sizeof *m);
		/* Kafka's client ids: a name, a counter, a random suffix. */
		snprintf(m->id, sizeof m->id, "%s-%" PRIu32 "-%08" PRIx32 "%" PRIu32,
			 chance(r, 1, 5) ? "Consumer" : "consumer",
			 kd_rng_below(r, 10 * d->nm + 10), (uint32_t)kd_rng_next(r), i);
		m->instance = statics && !chance(r, 1, 10) ? (int)i : -1;
		if (m->instance >= 0 && i > 0 && chance(r, 1, 50))
			m->instance = 0; /* a shared instance id: the broker fences one */
		m->rack = d->n_racks && !chance(r, 1, 5) ? (int)kd_rng_below(r, d->n_racks) : -1;
		m->gen = KA_NO_GENERATION;
		m->subs = xmalloc((d->nt + 1) * sizeof *m->subs);
		if (chance(r, 1, 10)) {
			for (uint32_t t = 0; t < d->nt; t++)
				if (chance(r, 1, 3))
					m->subs[m->n_subs++] = t;
		} else {
			/* Skewed: the first classes are the popular ones. */
			uint32_t c = kd_rng_below(r, kd_rng_below(r, n_classes) + 1);
			memcpy(m->subs, cls[c], cls_n[c] * sizeof *m->subs);
			m->n_subs = cls_n[c];
		}
	}
	for (uint32_t c = 0; c < n_classes; c++)
		free(cls[c]);
	free(cls);
	free(cls_n);

	/* Previous ownership: a past assignment among the members still here
	 * (some joined since and own nothing), with stale generations, claims
	 * on topics no longer subscribed, conflicts and repeats. */
	if (chance(r, 3, 10))
		return;
	uint32_t *cap = xmalloc((d->nm + 1) * sizeof *cap);
	for (uint32_t i = 0; i < d->nm; i++) {
		cap[i] = 16;
		d->m[i].claims = xmalloc(cap[i] * sizeof *d->m[i].claims);
		if (!chance(r, 1, 5))
			d->m[i].gen = chance(r, 1, 6) ? (int64_t)gen - 1 - kd_rng_below(r, 2) : gen;
	}
	uint32_t *subscribers = xmalloc((d->nm + 1) * sizeof *subscribers);
	for (uint32_t t = 0; t < d->nt; t++) {
		uint32_t ns = 0;
		for (uint32_t i = 0; i < d->nm; i++)
			for (uint32_t k = 0; k < d->m[i].n_subs; k++)
				if (d->m[i].subs[k] == t) {
					if (d->m[i].gen != KA_NO_GENERATION)
						subscribers[ns++] = i;
					break;
				}
		for (uint32_t p = 0; p < d->t[t].parts; p++) {
			uint32_t n = chance(r, 1, 8) ? 0 : chance(r, 1, 30) ? 2 : 1;
			for (uint32_t c = 0; c < n; c++) {
				uint32_t i = ns && !chance(r, 1, 40)
						 ? subscribers[kd_rng_below(r, ns)]
						 : kd_rng_below(r, d->nm);
				rg_member *m = &d->m[i];
				if (m->n_claims + 2 > cap[i]) {
					cap[i] *= 2;
					m->claims = realloc(m->claims, cap[i] * sizeof *m->claims);
					if (!m->claims)
						abort();
				}
				m->claims[m->n_claims++] = (rg_claim){t, p};
				if (chance(r, 1, 200)) /* listed twice */
					m->claims[m->n_claims++] = (rg_claim){t, p};
			}
		}
	}
	free(subscribers);
	free(cap);
}

/* ------------------------------------------------------------------ the property */

static void *ws_alloc(size_t size, int fill)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, size ? size : 64) != 0)
		abort();
	memset(p, fill, size ? size : 64);
	return p;
}

/* What is running, for the crash handler: a crash in the main loop names
 * its case and strategy before the process dies. */
static char crash_note[512];
static char crash_case[160];

static void on_crash(int sig)
{
	(void)!write(2, crash_note, strlen(crash_note));
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Whether name is one of the comma-separated names of list. */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len + (e != NULL);
	}
	return 0;
}

/* In a child the parent reports the crash. */
static void quiet_crashes(void)
{
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
}

/* Every strategy on g: 0 when all hold, else 1 with what failed in `what`. */
static int check_group(const ka_group *g, char *what, size_t cap)
{
	uint32_t *a = xmalloc(((size_t)g->n_partitions + 1) * sizeof *a);
	uint32_t *b = xmalloc(((size_t)g->n_partitions + 1) * sizeof *b);
	int bad = 0;
	const char *only = getenv("KT_STRATEGY");
	for (size_t i = 0; i < ka_strategy_count() && !bad; i++) {
		const ka_strategy *s = ka_strategy_at(i);
		if (only && *only && !listed(only, s->name))
			continue;
		snprintf(crash_note, sizeof crash_note,
			 "\nrealistic: strategy %s crashed on %s; KT_CASE alone shrinks it\n",
			 s->name, crash_case);
		size_t n = ka_workspace_size(s, g);
		void *ws = ws_alloc(n, 0x00);
		int rc = ka_assign(s, g, ws, n, a);
		free(ws);
		int withheld = (s->flags & KA_STRATEGY_COOPERATIVE) != 0;
		uint64_t v = rc == 0 ? ka_assignment_validate(g, a, withheld, NULL, NULL) : 0;
		int rc2 = -1;
		if ((rc == 0 && v == 0) || rc == KA_EKAFKA) {
			ws = ws_alloc(n, 0xa5);
			rc2 = ka_assign(s, g, ws, n, b);
			free(ws);
		}
		/* KA_EKAFKA: the strategy says Kafka's own answer is no assignment
		 * and gives none, which is allowed, if said every time. */
		if (rc == KA_EKAFKA && rc2 == KA_EKAFKA)
			continue;
		if (rc != 0)
			snprintf(what, cap, "%s returned %d (%s)", s->name, rc, ka_strerror(rc));
		else if (v != 0)
			snprintf(what, cap, "%s: invalid assignment (%" PRIu64 " violations)",
				 s->name, v);
		else if (rc2 != 0 || memcmp(a, b, (size_t)g->n_partitions * sizeof *a) != 0)
			snprintf(what, cap, "%s: another answer from the same group", s->name);
		else
			continue;
		bad = 1;
	}
	free(a);
	free(b);
	return bad;
}

/* The predicate a shrink keeps: a group that builds and fails. */
typedef int (*rg_pred)(const rg_group *d);

static int fails_in_process(const rg_group *d)
{
	ka_group *g = rg_build(d);
	if (!g)
		return 0;
	char what[256];
	int bad = check_group(g, what, sizeof what);
	ka_group_free(g);
	return bad;
}

/* In a child, so that a crash counts as failing rather than ending the run. */
static int fails_isolated(const rg_group *d)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return fails_in_process(d);
	if (pid == 0) {
		quiet_crashes();
		_exit(fails_in_process(d) ? 1 : 0);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) < 0)
		return 0;
	return WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

/* check_group in a child: what failed comes back through a pipe, or which
 * signal ended it. */
static void check_group_isolated(const ka_group *g, char *what, size_t cap)
{
	int fd[2];
	fflush(NULL);
	if (pipe(fd) != 0) {
		check_group(g, what, cap);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		quiet_crashes();
		close(fd[0]);
		char w[256] = "";
		check_group(g, w, sizeof w);
		(void)!write(fd[1], w, strlen(w));
		_exit(0);
	}
	close(fd[1]);
	ssize_t n = pid > 0 ? read(fd[0], what, cap - 1) : -1;
	close(fd[0]);
	int status = 0;
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (pid > 0 && WIFSIGNALED(status))
		snprintf(what, cap, "a crash (signal %d)", WTERMSIG(status));
	else
		what[n > 0 ? n : 0] = '\0';
}

/* ------------------------------------------------------------------ shrinking */

static void drop_topic(rg_group *d, uint32_t t)
{
	free(d->t[t].racks);
	memmove(d->t + t, d->t + t + 1, (d->nt - t - 1) * sizeof *d->t);
	d->nt--;
	for (uint32_t i = 0; i < d->nm; i++) {
		rg_member *m = &d->m[i];
		uint32_t w = 0;
		for (uint32_t k = 0; k < m->n_subs; k++)
			if (m->subs[k] != t)
				m->subs[w++] = m->subs[k] - (m->subs[k] > t);
		m->n_subs = w;
		w = 0;
		for (uint32_t k = 0; k < m->n_claims; k++)
			if (m->claims[k].topic != t) {
				m->claims[w] = m->claims[k];
				m->claims[w++].topic -= m->claims[k].topic > t;
			}
		m->n_claims = w;
	}
}

static void drop_member(rg_group *d, uint32_t i)
{
	free(d->m[i].subs);
	free(d->m[i].claims);
	memmove(d->m + i, d->m + i + 1, (d->nm - i - 1) * sizeof *d->m);
	d->nm--;
}

/* Its last partition, and the claims on it. */
static void drop_partition(rg_group *d, uint32_t t)
{
	uint32_t p = --d->t[t].parts;
	for (uint32_t i = 0; i < d->nm; i++) {
		rg_member *m = &d->m[i];
		uint32_t w = 0;
		for (uint32_t k = 0; k < m->n_claims; k++)
			if (m->claims[k].topic != t || m->claims[k].partition != p)
				m->claims[w++] = m->claims[k];
		m->n_claims = w;
	}
}

enum edit {
	DROP_MEMBERS,
	DROP_TOPICS,
	DROP_PARTITION,
	DROP_CLAIM,
	DROP_SUB,
	NO_RACK,
	NO_INSTANCE,
	NO_GENERATION,
	NO_PARTITION_RACKS
};

static void apply(rg_group *c, enum edit e, uint32_t i, uint32_t k)
{
	rg_member *m = e >= DROP_CLAIM && e <= NO_GENERATION ? &c->m[i] : NULL;
	switch (e) {
	case DROP_MEMBERS: /* k of them from i */
		while (k--)
			drop_member(c, i);
		break;
	case DROP_TOPICS:
		while (k--)
			drop_topic(c, i);
		break;
	case DROP_PARTITION:
		drop_partition(c, i);
		break;
	case DROP_CLAIM:
		memmove(m->claims + k, m->claims + k + 1,
			(m->n_claims - k - 1) * sizeof *m->claims);
		m->n_claims--;
		break;
	case DROP_SUB:
		memmove(m->subs + k, m->subs + k + 1, (m->n_subs - k - 1) * sizeof *m->subs);
		m->n_subs--;
		break;
	case NO_RACK:
		m->rack = -1;
		break;
	case NO_INSTANCE:
		m->instance = -1;
		break;
	case NO_GENERATION:
		m->gen = KA_NO_GENERATION;
		break;
	case NO_PARTITION_RACKS:
		free(c->t[i].racks);
		c->t[i].racks = NULL;
		break;
	}
}

/* Tries an edit on a copy; keeps the copy when it still fails. */
static int try_edit(rg_group *d, rg_pred pred, unsigned *tries, enum edit e, uint32_t i, uint32_t k)
{
	rg_group c = rg_copy(d);
	apply(&c, e, i, k);
	++*tries;
	if (pred(&c)) {
		rg_free(d);
		*d = c;
		return 1;
	}
	rg_free(&c);
	return 0;
}

/* Greedy delta debugging: blocks of members and topics (halves, quarters,
 * ... ones), then single partitions, subscriptions, claims, racks and the
 * rest, round after round until nothing more can go. Returns the number of
 * attempts. */
static unsigned rg_shrink(rg_group *d, rg_pred pred)
{
	unsigned tries = 0;
	for (int changed = 1; changed;) {
		changed = 0;
		for (uint32_t block = d->nm / 2 ? d->nm / 2 : 1;; block /= 2) {
			for (uint32_t i = 0; i + block <= d->nm;) {
				if (try_edit(d, pred, &tries, DROP_MEMBERS, i, block))
					changed = 1;
				else
					i += block;
			}
			if (block <= 1)
				break;
		}
		for (uint32_t block = d->nt / 2 ? d->nt / 2 : 1;; block /= 2) {
			for (uint32_t t = 0; t + block <= d->nt;) {
				if (try_edit(d, pred, &tries, DROP_TOPICS, t, block))
					changed = 1;
				else
					t += block;
			}
			if (block <= 1)
				break;
		}
		for (uint32_t t = 0; t < d->nt; t++)
			while (d->t[t].parts > 0 && try_edit(d, pred, &tries, DROP_PARTITION, t, 0))
				changed = 1;
		for (uint32_t i = 0; i < d->nm; i++) {
			for (uint32_t k = 0; k < d->m[i].n_claims;)
				if (try_edit(d, pred, &tries, DROP_CLAIM, i, k))
					changed = 1;
				else
					k++;
			for (uint32_t k = 0; k < d->m[i].n_subs;)
				if (try_edit(d, pred, &tries, DROP_SUB, i, k))
					changed = 1;
				else
					k++;
			if (d->m[i].rack >= 0 && try_edit(d, pred, &tries, NO_RACK, i, 0))
				changed = 1;
			if (d->m[i].instance >= 0 && try_edit(d, pred, &tries, NO_INSTANCE, i, 0))
				changed = 1;
			if (d->m[i].gen != KA_NO_GENERATION &&
			    try_edit(d, pred, &tries, NO_GENERATION, i, 0))
				changed = 1;
		}
		for (uint32_t t = 0; t < d->nt; t++)
			if (d->t[t].racks && try_edit(d, pred, &tries, NO_PARTITION_RACKS, t, 0))
				changed = 1;
	}
	return tries;
}

/* ------------------------------------------------------------------ suites */

static uint64_t n_cases(uint64_t *first)
{
	const char *one = getenv("KT_CASE"), *many = getenv("KT_CASES"), *lng = getenv("KT_LONG");
	*first = 0;
	if (one && *one) {
		*first = strtoull(one, NULL, 0);
		return *first + 1;
	}
	if (many && *many)
		return strtoull(many, NULL, 0);
	return lng && *lng && strcmp(lng, "0") != 0 ? LONG_CASES : N_CASES;
}

static void test_realistic(void)
{
	uint64_t seed = kt_seed(SEED_REALISTIC), first, end = n_cases(&first);
	unsigned failures = 0;
	uint64_t partitions = 0;
	/* One case alone (KT_CASE): checked in a child, so that a crash is
	 * shrunk like any other failure. */
	int alone = end - first == 1;
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);
	for (uint64_t c = first; c < end && failures < 3; c++) {
		snprintf(crash_case, sizeof crash_case, "KT_SEED=0x%" PRIx64 " KT_CASE=%" PRIu64,
			 seed, c);
		kd_rng r;
		kd_rng_seed(&r, seed ^ (c * 0x9e3779b97f4a7c15ull));
		rg_group d;
		rg_random(&r, &d);
		ka_group *g = rg_build(&d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		partitions += g->n_partitions;
		char what[256] = "a crash";
		int bad = alone ? fails_isolated(&d) : check_group(g, what, sizeof what);
		if (alone && bad)
			check_group_isolated(g, what, sizeof what);
		ka_group_free(g);
		CU_ASSERT_FALSE(bad);
		if (bad) {
			failures++;
			fprintf(stderr,
				"\nrealistic: %s; replay with KT_SEED=0x%" PRIx64
				" KT_CASE=%" PRIu64 "\nshrinking...\n",
				what, seed, c);
			unsigned tries = rg_shrink(&d, fails_isolated);
			ka_group *s = rg_build(&d);
			if (s)
				check_group_isolated(s, what, sizeof what);
			fprintf(stderr, "after %u attempts: %s\n", tries, s ? what : "?");
			ka_group_free(s);
			fprintf(stderr, "minimal scenario:\n");
			rg_print(stderr, &d);
		}
		rg_free(&d);
		if (end - first >= 100000 && (c + 1) % 100000 == 0)
			fprintf(stderr, "realistic: %" PRIu64 " groups\n", c + 1);
	}
	printf("(%" PRIu64 " groups, %" PRIu64 " partitions) ", end - first, partitions);
}

/* A planted property with a known minimal counterexample: "some topic of
 * at least 3 partitions has two subscribers, one with a rack". The shrinker
 * must get from a random group to exactly that: 1 topic of 3 partitions, 2
 * members, one rack, no claims. */
static int planted(const rg_group *d)
{
	for (uint32_t t = 0; t < d->nt; t++) {
		if (d->t[t].parts < 3)
			continue;
		uint32_t subs = 0, racked = 0;
		for (uint32_t i = 0; i < d->nm; i++)
			for (uint32_t k = 0; k < d->m[i].n_subs; k++)
				if (d->m[i].subs[k] == t) {
					subs++;
					racked += d->m[i].rack >= 0;
				}
		if (subs >= 2 && racked >= 1)
			return 1;
	}
	return 0;
}

static void test_shrink(void)
{
	unsigned shrunk = 0;
	for (uint64_t c = 0; c < 40; c++) {
		kd_rng r;
		kd_rng_seed(&r, 0x736872696e6bull ^ c);
		rg_group d;
		rg_random(&r, &d);
		if (!planted(&d)) {
			rg_free(&d);
			continue;
		}
		rg_shrink(&d, planted);
		shrunk++;
		CU_ASSERT_EQUAL(d.nt, 1);
		CU_ASSERT_EQUAL(d.nm, 2);
		if (d.nt == 1 && d.nm == 2) {
			CU_ASSERT_EQUAL(d.t[0].parts, 3);
			CU_ASSERT_PTR_NULL(d.t[0].racks);
			CU_ASSERT_EQUAL(d.m[0].n_subs + d.m[1].n_subs, 2);
			CU_ASSERT_EQUAL(d.m[0].n_claims + d.m[1].n_claims, 0);
			CU_ASSERT_EQUAL((d.m[0].rack >= 0) + (d.m[1].rack >= 0), 1);
			CU_ASSERT_EQUAL(d.m[0].instance + d.m[1].instance, -2);
			CU_ASSERT_EQUAL(d.m[0].gen, KA_NO_GENERATION);
			CU_ASSERT_EQUAL(d.m[1].gen, KA_NO_GENERATION);
		}
		rg_free(&d);
	}
	CU_ASSERT(shrunk >= 5); /* the planted property is common enough to test */
}

static void test_regressions(void)
{
	const char *src = getenv("KA_SOURCE_DIR");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/data/random", src ? src : ".");
	DIR *dh = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dh);
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		ka_group *g = NULL;
		CU_ASSERT_EQUAL(kd_scenario_load(path, &g, NULL, NULL), 0);
		if (!g) {
			fprintf(stderr, "%s does not load\n", path);
			continue;
		}
		char what[256];
		int bad = check_group(g, what, sizeof what);
		CU_ASSERT_FALSE(bad);
		if (bad)
			fprintf(stderr, "%s: %s\n", path, what);
		ka_group_free(g);
		n++;
	}
	closedir(dh);
	CU_ASSERT(n > 0);
}

static const kt_test realistic_tests[] = {
    {"every strategy, valid and deterministic", test_realistic}, {NULL, NULL}};
static const kt_test shrink_tests[] = {{"planted property shrinks to its minimum", test_shrink},
				       {NULL, NULL}};
static const kt_test regression_tests[] = {{"tests/data/random", test_regressions}, {NULL, NULL}};
static const kt_suite suites[] = {{"realistic", realistic_tests},
				  {"shrink", shrink_tests},
				  {"regressions", regression_tests},
				  {NULL, NULL}};

int main(int argc, char **argv)
{
	return kt_run(suites, argc, argv);
}
