/*
 * testgroups.h - groups for the tests: built from compact C descriptions or
 * drawn at random, always through the public builder API.
 *
 * A description is plain data, so a test reads like the scenario it checks:
 *
 *   static const tg_topic topics[] = {{"t0", 3}, {"t1", 3, "a|b|a,b"}};
 *   static const tg_member members[] = {
 *           {"C0", .topics = "t0 t1"},
 *           {"C1", .instance = "i1", .rack = "a", .topics = "t0 t1",
 *            .owned = "t0:0,1 t1:2", .gen = "3"},
 *   };
 *   ka_group *g = TG_BUILD(topics, members);
 *
 * Lists inside strings: subscriptions are names separated by spaces; claims
 * are "topic:p,p,..." items separated by spaces; partition racks are one
 * comma-separated list per partition, partitions separated by '|' (an empty
 * list is a partition with no known rack). Names in descriptions therefore
 * never hold ' ', ',', ':', ';' or '|'; everything else, non-ASCII UTF-8
 * included, is fair game.
 *
 * Random descriptions (tg_random) keep their strings in the description, so
 * a failing case can be printed as a scenario file and replayed with the
 * command line.
 */
#ifndef KASSIGN_TESTS_TESTGROUPS_H
#define KASSIGN_TESTS_TESTGROUPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <datasets/rng.h>
#include <kassign/kassign.h>

#define TG_LEN(a) (sizeof(a) / sizeof((a)[0]))

typedef struct tg_topic {
	const char *name;
	int64_t partitions;
	const char *racks; /* replica racks per partition, "a,b|b||c"; NULL: unknown */
} tg_topic;

typedef struct tg_member {
	const char *id;
	const char *instance; /* group_instance_id, NULL: none */
	const char *rack;     /* client.rack, NULL: none */
	const char *topics;   /* subscriptions, "t0 t1" */
	const char *owned;    /* claims, "t0:0,1 t1:2" */
	const char *gen;      /* generation as text, NULL: absent */
} tg_member;

/* Diagnostics as the builder reported them, names copied. */
#define TG_MAX_DIAGS 256
typedef struct tg_diag {
	int code;
	uint32_t member, other, topic, item;
	int64_t partition;
	char name[80];
} tg_diag;

typedef struct tg_diags {
	size_t n;
	size_t dropped; /* past TG_MAX_DIAGS */
	int call_error; /* first negative return of a builder call, 0 if none */
	tg_diag d[TG_MAX_DIAGS];
} tg_diags;

void tg_diag_collect(void *ctx, const ka_diag *d);

/* How many collected diagnostics carry `code`; the first of them or NULL. */
size_t tg_diag_count(const tg_diags *ds, int code);
const tg_diag *tg_diag_find(const tg_diags *ds, int code);

/*
 * Builds a group from a description. Returns ka_builder_finish's code (or the
 * first failing builder call's) and sets *out on success. Diagnostics go to
 * `diags` when not NULL. Builder calls that fail are counted, not fatal, so
 * tests of bad input can go on to finish.
 */
int tg_build_ex(const tg_topic *topics, size_t n_topics, const tg_member *members, size_t n_members,
		tg_diags *diags, ka_group **out);

/* The same for descriptions that must build: prints the code and returns
 * NULL otherwise. */
ka_group *tg_build(const tg_topic *topics, size_t n_topics, const tg_member *members,
		   size_t n_members);

#define TG_BUILD(topics, members) tg_build((topics), TG_LEN(topics), (members), TG_LEN(members))

/* ------------------------------------------------------------------ random groups */

#define TG_MAX_TOPICS  320
#define TG_MAX_MEMBERS 200
#define TG_ARENA       (1 << 20)

/* Options of tg_random. */
#define TG_HOMOGENEOUS 0x1u /* every member subscribes to the same existing topics */
#define TG_TINY        0x2u /* at most 3 members and 7 partitions (exhaustive checks) */
#define TG_NO_OWNED    0x4u /* no previous ownership */
#define TG_LARGE       0x8u /* up to 40 members, 12 topics, 60 partitions each */
/* 17 to 320 topics, about 20 to 3,200 partitions, 2 to 200 members in a few
 * overlapping subscription classes */
#define TG_WIDE 0x10u

typedef struct tg_desc {
	tg_topic topics[TG_MAX_TOPICS];
	size_t n_topics;
	tg_member members[TG_MAX_MEMBERS];
	size_t n_members;
	size_t used;
	char arena[TG_ARENA];
} tg_desc;

/* Draws a random description: up to 8 members, 5 topics of 0..12
 * partitions (TG_LARGE: 40, 12, 60; TG_WIDE: see above), names that
 * exercise Java String order, racks, instance ids, claims and generations,
 * and the warnings Kafka tolerates (unknown topics, stale claims). It
 * always builds. */
void tg_random(kd_rng *r, uint32_t opts, tg_desc *d);

/* Builds a description (tg_build on its arrays). */
ka_group *tg_desc_build(const tg_desc *d);

/* The per-case generator of the random suites: case `index` of a run seeded
 * `seed` is replayable alone (KT_SEED=seed KT_CASE=index). */
void tg_case_rng(kd_rng *r, uint64_t seed, uint64_t index);

/* KT_CASES (else `fallback`) cases; with KT_CASE set, only that one:
 * *first = KT_CASE, return value first + 1. */
uint64_t tg_case_range(uint64_t fallback, uint64_t *first);

/* Writes a description as a scenario document (shared/SCENARIO_FORMAT.md). */
void tg_desc_print(FILE *f, const tg_desc *d);

/* Case `index` of a random suite seeded `seed`: one in 3 homogeneous, one
 * in 10 TG_LARGE, one in 7 (index % 7 == 3) TG_WIDE instead, described in
 * *d (large: keep one at a time) and built. */
ka_group *tg_random_case(uint64_t seed, uint64_t index, tg_desc *d);

/* A failing case on stderr: what failed, how to replay it, its scenario. */
void tg_report(const char *what, uint64_t seed, uint64_t index, const tg_desc *d);

/* ------------------------------------------------------------------ looking things up */

uint32_t tg_topic_id(const ka_group *g, const char *name);   /* KA_NONE when absent */
uint32_t tg_member_index(const ka_group *g, const char *id); /* KA_NONE when absent */

/* 1 when member m subscribes topic t, read from the member -> topics list. */
int tg_subscribes(const ka_group *g, uint32_t m, uint32_t t);

/*
 * Compares owner[] with an expected assignment written like a description:
 * "C0 t0:0,1 t1:0; C1 t0:2". Members and partitions not listed must own and
 * be owned by nobody. Prints both sides, labelled, when they differ. Returns
 * 1 when equal, 0 otherwise (also for an expectation that names an unknown
 * member, topic or partition).
 */
int tg_expect(const ka_group *g, const uint32_t *owner, const char *expected, const char *label);

/* Writes owner[] in the form tg_expect reads. */
void tg_print_assignment(FILE *f, const ka_group *g, const uint32_t *owner);

/* Copies the next token of s (up to one of the bytes of `seps`, or the end)
 * into buf and returns the rest: "" once s is used up, NULL only for NULL s.
 * Empty tokens are returned as such. Aborts on a token longer than cap - 1. */
const char *tg_next_token(const char *s, const char *seps, char *buf, size_t cap);

/* A 64-byte aligned buffer of exactly `size` bytes filled with `fill` (so a
 * read past the end trips ASan); never NULL for size 0. tg_free() frees it. */
void *tg_alloc_ws(size_t size, int fill);
void tg_free(void *p);

/* The strategy of that name (a fatal CUnit assertion when there is none). */
const ka_strategy *tg_strategy(const char *name);

/* Runs s on g in an exactly sized workspace filled with `fill` into a fresh
 * owner array (caller frees), asserting that ka_assign returned 0. */
uint32_t *tg_run(const ka_strategy *s, const ka_group *g, int fill);

/* ka_metrics_compute of owner[], asserting that it returned 0. */
ka_metrics tg_metrics(const ka_group *g, const uint32_t *owner);

/* Sum over members of their squared loads. */
uint64_t tg_sum_sq(const ka_group *g, const uint32_t *owner);

#endif
