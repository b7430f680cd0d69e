/*
 * gen.c - the deterministic grid generators of gen.h.
 *
 * Everything random is drawn from one kd_rng seeded with spec->seed, in a
 * fixed order, so a spec names one group. Layout rules (also in docs/cli.md):
 *
 *   - topics "t" + index, zero-padded to max(4, digits of topics-1) so that
 *     name order (the model's order) equals index order;
 *   - member i (generation order, 0-based) is "consumer-" + 16 lowercase hex
 *     digits of the i-th distinct draw; ids are random, so the model's member
 *     order (by member_id) is a random permutation of generation order, as it
 *     is with Kafka's UUID-suffixed ids. churn-add's newcomer takes draw M, so
 *     the first M members are those of the fresh group of the same seed;
 *   - heterogeneous: member i subscribes to topic j iff (i + j) % 3 != 0;
 *   - racks, layout even: member i on "rack-(i % R)"; partition q (global,
 *     topic-major) has replicas on racks (q + k) % R for k < K = min(replication,
 *     R). skewed-members: members fill rack 0 with R, rack 1 with R-1, ...,
 *     rack R-1 with 1 in turn (rack r holds about (R - r) / (R (R + 1) / 2) of
 *     them), replicas even. one-rack-replicas: replica 0 of every partition on
 *     rack 0, replica k > 0 on rack 1 + (q + k - 1) % (R - 1), members even.
 *     memberless-rack: member i on rack i % (R - 1), so rack R-1 has nobody,
 *     replicas even over all R racks. In every layout replica 0 is the
 *     partition's leader.
 *
 * The churn variants run the spec's strategy on the fresh group and hand its
 * answer back as the survivors' owned partitions (generation 1), which is
 * what a group looks like after one stable generation.
 */
#include "datasets/gen.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/rng.h"

#define KD_ID_PREFIX     "consumer-"
#define KD_ID_PREFIX_LEN 9
#define KD_ID_LEN        (KD_ID_PREFIX_LEN + 16)
#define KD_DEFAULT_RACKS 3u
#define KD_DEFAULT_REPL  3u

static const kd_grid grids[] = {
    {"G-seed", 3, 1, 7, 1},         {"G-storm", 100, 1, 200, 1},    {"G-1k", 1000, 100, 100, 1},
    {"G-10k", 10000, 100, 1000, 1}, {"G-1M", 10000, 1000, 1000, 0},
};

#define N_GRIDS (sizeof(grids) / sizeof(grids[0]))

/*
 * Kafka's JMH assignor benchmarks (jmh-benchmarks/.../assignor/
 * ClientSideAssignorBenchmark and ServerSideAssignorBenchmark) share one
 * parameter grid: memberCount 100, 500, 1000, 5000, 10000 x
 * partitionsToMemberRatio 5, 10, 50 x topicCount 10, 100, 1000, with
 * partitionsPerTopic = memberCount * ratio / topicCount in integer division,
 * as Kafka computes it. Kafka's m100-r5-t1000 point has topics of 0
 * partitions (500 / 1000), which the model refuses, so it is left out: 44
 * points. Written out rather than computed so a name is a constant.
 */
static const kd_grid jmh_grids[] = {
    {"jmh-m100-r5-t10", 100, 10, 50, 0},           {"jmh-m100-r5-t100", 100, 100, 5, 0},
    {"jmh-m100-r10-t10", 100, 10, 100, 0},         {"jmh-m100-r10-t100", 100, 100, 10, 0},
    {"jmh-m100-r10-t1000", 100, 1000, 1, 0},       {"jmh-m100-r50-t10", 100, 10, 500, 0},
    {"jmh-m100-r50-t100", 100, 100, 50, 0},        {"jmh-m100-r50-t1000", 100, 1000, 5, 0},
    {"jmh-m500-r5-t10", 500, 10, 250, 0},          {"jmh-m500-r5-t100", 500, 100, 25, 0},
    {"jmh-m500-r5-t1000", 500, 1000, 2, 0},        {"jmh-m500-r10-t10", 500, 10, 500, 0},
    {"jmh-m500-r10-t100", 500, 100, 50, 0},        {"jmh-m500-r10-t1000", 500, 1000, 5, 0},
    {"jmh-m500-r50-t10", 500, 10, 2500, 0},        {"jmh-m500-r50-t100", 500, 100, 250, 0},
    {"jmh-m500-r50-t1000", 500, 1000, 25, 0},      {"jmh-m1000-r5-t10", 1000, 10, 500, 0},
    {"jmh-m1000-r5-t100", 1000, 100, 50, 0},       {"jmh-m1000-r5-t1000", 1000, 1000, 5, 0},
    {"jmh-m1000-r10-t10", 1000, 10, 1000, 0},      {"jmh-m1000-r10-t100", 1000, 100, 100, 0},
    {"jmh-m1000-r10-t1000", 1000, 1000, 10, 0},    {"jmh-m1000-r50-t10", 1000, 10, 5000, 0},
    {"jmh-m1000-r50-t100", 1000, 100, 500, 0},     {"jmh-m1000-r50-t1000", 1000, 1000, 50, 0},
    {"jmh-m5000-r5-t10", 5000, 10, 2500, 0},       {"jmh-m5000-r5-t100", 5000, 100, 250, 0},
    {"jmh-m5000-r5-t1000", 5000, 1000, 25, 0},     {"jmh-m5000-r10-t10", 5000, 10, 5000, 0},
    {"jmh-m5000-r10-t100", 5000, 100, 500, 0},     {"jmh-m5000-r10-t1000", 5000, 1000, 50, 0},
    {"jmh-m5000-r50-t10", 5000, 10, 25000, 0},     {"jmh-m5000-r50-t100", 5000, 100, 2500, 0},
    {"jmh-m5000-r50-t1000", 5000, 1000, 250, 0},   {"jmh-m10000-r5-t10", 10000, 10, 5000, 0},
    {"jmh-m10000-r5-t100", 10000, 100, 500, 0},    {"jmh-m10000-r5-t1000", 10000, 1000, 50, 0},
    {"jmh-m10000-r10-t10", 10000, 10, 10000, 0},   {"jmh-m10000-r10-t100", 10000, 100, 1000, 0},
    {"jmh-m10000-r10-t1000", 10000, 1000, 100, 0}, {"jmh-m10000-r50-t10", 10000, 10, 50000, 0},
    {"jmh-m10000-r50-t100", 10000, 100, 5000, 0},  {"jmh-m10000-r50-t1000", 10000, 1000, 500, 0},
};

#define N_JMH_GRIDS (sizeof(jmh_grids) / sizeof(jmh_grids[0]))

static const char *const subs_names[] = {"homogeneous", "heterogeneous"};
static const char *const variant_names[] = {"fresh", "churn-remove", "churn-add", "racks"};
static const char *const layout_names[] = {"even", "skewed-members", "one-rack-replicas",
					   "memberless-rack"};

size_t kd_grid_count(void)
{
	return N_GRIDS;
}

const kd_grid *kd_grid_at(size_t i)
{
	return i < N_GRIDS ? &grids[i] : NULL;
}

size_t kd_jmh_grid_count(void)
{
	return N_JMH_GRIDS;
}

const kd_grid *kd_jmh_grid_at(size_t i)
{
	return i < N_JMH_GRIDS ? &jmh_grids[i] : NULL;
}

int kd_grid_parse(const char *name, kd_grid *out)
{
	unsigned long long v[3];
	const char *s = name;
	for (int i = 0; i < 3; i++) {
		if (!s || *s < '0' || *s > '9')
			return -1;
		char *end;
		v[i] = strtoull(s, &end, 10);
		if (v[i] == 0 || v[i] > KA_MAX_PARTITIONS || *end != (i < 2 ? 'x' : '\0'))
			return -1;
		s = end + 1;
	}
	if (v[0] > KA_MAX_MEMBERS || v[1] > KA_MAX_TOPICS || v[1] * v[2] > KA_MAX_PARTITIONS)
		return -1;
	*out = (kd_grid){name, (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2], 0};
	return 0;
}

const kd_grid *kd_grid_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < N_GRIDS; i++)
		if (strcmp(grids[i].name, name) == 0)
			return &grids[i];
	for (size_t i = 0; i < N_JMH_GRIDS; i++)
		if (strcmp(jmh_grids[i].name, name) == 0)
			return &jmh_grids[i];
	return NULL;
}

const char *kd_subs_name(int subs)
{
	if (subs < 0 || (size_t)subs >= sizeof(subs_names) / sizeof(subs_names[0]))
		return NULL;
	return subs_names[subs];
}

int kd_subs_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(subs_names) / sizeof(subs_names[0]); i++)
		if (strcmp(subs_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *kd_variant_name(int variant)
{
	if (variant < 0 || (size_t)variant >= sizeof(variant_names) / sizeof(variant_names[0]))
		return NULL;
	return variant_names[variant];
}

int kd_variant_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(variant_names) / sizeof(variant_names[0]); i++)
		if (strcmp(variant_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *kd_variant_label(const kd_gen_spec *spec, char *buf, size_t len)
{
	const char *name = kd_variant_name(spec->variant);
	int n = snprintf(buf, len, "%s", name ? name : "?");
	if (spec->variant != KD_VARIANT_RACKS)
		return buf;
	const char *layout = kd_rack_layout_name(spec->rack_layout);
	if (spec->rack_layout != KD_RACKS_EVEN && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "-%s", layout ? layout : "?");
	if (spec->racks && spec->racks != KD_DEFAULT_RACKS && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "-%uracks", spec->racks);
	/* Named for the replication the group has: a rack holds one replica
	 * at most, so --racks 3 --replication 5 is rf3, the default. */
	const uint32_t racks = spec->racks ? spec->racks : KD_DEFAULT_RACKS;
	uint32_t rf = spec->replication ? spec->replication : KD_DEFAULT_REPL;
	if (rf > racks)
		rf = racks;
	if (rf != KD_DEFAULT_REPL && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "-rf%u", rf);
	return buf;
}

const char *kd_rack_layout_name(int layout)
{
	if (layout < 0 || (size_t)layout >= sizeof(layout_names) / sizeof(layout_names[0]))
		return NULL;
	return layout_names[layout];
}

int kd_rack_layout_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(layout_names) / sizeof(layout_names[0]); i++)
		if (strcmp(layout_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------------ helpers */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Keeps the builder's first error so it can be named in err. */
typedef struct diag_keep {
	int code;
	char name[128];
} diag_keep;

static void keep_first_error(void *ctx, const ka_diag *d)
{
	diag_keep *k = ctx;
	if (d->code >= 0 || k->code < 0)
		return;
	k->code = d->code;
	snprintf(k->name, sizeof(k->name), "%s", d->name ? d->name : "");
}

/*
 * Draws n distinct ids in generation order. Collisions are astronomically
 * rare at 64 bits, but a duplicate member id is an error to the builder, so
 * a repeat is redrawn; an open-addressing set keeps that check O(1).
 */
static int draw_ids(uint64_t seed, uint32_t n, uint64_t *ids)
{
	size_t cap = 16;
	while (cap < 2 * (size_t)n)
		cap <<= 1;
	uint64_t *slot = calloc(cap, sizeof(*slot));
	unsigned char *used = calloc(cap, 1);
	if (!slot || !used) {
		free(slot);
		free(used);
		return -1;
	}
	kd_rng r;
	kd_rng_seed(&r, seed);
	for (uint32_t i = 0; i < n;) {
		uint64_t v = kd_rng_next(&r);
		size_t h = (size_t)((v * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
		while (used[h] && slot[h] != v)
			h = (h + 1) & (cap - 1);
		if (used[h])
			continue; /* collision: redraw */
		used[h] = 1;
		slot[h] = v;
		ids[i++] = v;
	}
	free(slot);
	free(used);
	return 0;
}

static void format_id(char *buf, uint64_t v)
{
	snprintf(buf, KD_ID_LEN + 1, KD_ID_PREFIX "%016" PRIx64, v);
}

static int subscribes(int subs, uint32_t member, uint32_t topic)
{
	return subs == KD_SUBS_HOMOGENEOUS || ((uint64_t)member + topic) % 3 != 0;
}

/* Decimal digits of v (at least 1). */
static unsigned digits(uint32_t v)
{
	unsigned d = 1;
	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

/* What each member of the fresh group was given, by generation index, as
 * CSR lists ascending by partition: the builder takes a member's claims
 * only while it is the last member added. */
typedef struct prev_plan {
	uint32_t n_members;
	uint32_t *off;   /* [n_members + 1] */
	uint32_t *topic; /* [off[n_members]]: topic input index */
	uint32_t *part;  /* [off[n_members]]: partition number within the topic */
} prev_plan;

static void prev_plan_free(prev_plan *pp)
{
	free(pp->off);
	free(pp->topic);
	free(pp->part);
}

typedef struct id_pos {
	uint64_t id;
	uint32_t gen;
} id_pos;

static int cmp_id_pos(const void *a, const void *b)
{
	const id_pos *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct build_args {
	const kd_gen_spec *spec;
	const uint64_t *ids;
	uint32_t n_members; /* members to add, generation order 0..n-1 */
	uint32_t first_new; /* members >= this get no generation (churn-add) */
	uint32_t racks;     /* 0: no racks */
	uint32_t replication;
	int layout;            /* enum kd_rack_layout */
	const prev_plan *prev; /* NULL: nobody owns anything */
} build_args;

/* Rack of replica k of the partition with global index q (gen.c's header). */
static uint32_t replica_rack(int layout, uint32_t racks, uint64_t q, uint32_t k)
{
	if (layout == KD_RACKS_ONE_RACK_REPLICAS)
		return k == 0 ? 0 : 1 + (uint32_t)((q + k - 1) % (racks - 1));
	return (uint32_t)((q + k) % racks);
}

/* Rack of member i (generation order). *walk carries skewed-members' state
 * from member to member (0 before the first): the current rack in the high
 * half, how many members it still takes in the low half. */
static uint32_t member_rack_of(int layout, uint32_t racks, uint32_t i, uint64_t *walk)
{
	switch (layout) {
	case KD_RACKS_SKEWED_MEMBERS: {
		uint32_t r = (uint32_t)(*walk >> 32), left = (uint32_t)*walk;
		if (left == 0) { /* first call */
			r = 0;
			left = racks;
		}
		const uint32_t out = r;
		if (--left == 0) {
			r = (r + 1) % racks;
			left = racks - r;
		}
		*walk = (uint64_t)r << 32 | left;
		return out;
	}
	case KD_RACKS_MEMBERLESS_RACK:
		return i % (racks - 1);
	default:
		return i % racks;
	}
}

#define KD_RACK_NAME 16 /* "rack-65534" and its NUL fit */

/* The group's name: the grid, subscriptions, variant and seed, then what
 * else the variant depends on (racks and layout, or the strategy whose
 * assignment the members keep). */
static void group_name(const build_args *a, char *name, size_t len)
{
	const kd_grid *grid = a->spec->grid;
	const int subs = a->spec->subs;
	if (a->spec->variant == KD_VARIANT_RACKS)
		snprintf(name, len, "%s/%s/%s/seed-%" PRIu64 "/racks-%u/replication-%u%s%s",
			 grid->name, kd_subs_name(subs), kd_variant_name(a->spec->variant),
			 a->spec->seed, a->racks, a->replication,
			 a->layout != KD_RACKS_EVEN ? "/" : "",
			 a->layout != KD_RACKS_EVEN ? kd_rack_layout_name(a->layout) : "");
	else if (a->prev)
		snprintf(name, len, "%s/%s/%s/seed-%" PRIu64 "/%s", grid->name, kd_subs_name(subs),
			 kd_variant_name(a->spec->variant), a->spec->seed, a->spec->strategy->name);
	else
		snprintf(name, len, "%s/%s/%s/seed-%" PRIu64, grid->name, kd_subs_name(subs),
			 kd_variant_name(a->spec->variant), a->spec->seed);
}

/* The topics t0000.. (zero-padded to at least 4 digits, so names sort as
 * numbers), and with racks each partition's replicas and leader. `rack`
 * holds a->racks names of KD_RACK_NAME bytes. Returns 0 or a KA_E* code. */
static int64_t add_topics(ka_builder *b, const build_args *a, const char *rack)
{
	const kd_grid *grid = a->spec->grid;
	const unsigned need = digits(grid->topics ? grid->topics - 1 : 0);
	const int width = need < 4 ? 4 : (int)need;
	const uint32_t reps =
	    a->racks ? (a->replication < a->racks ? a->replication : a->racks) : 0;
	int64_t code;
	uint64_t q = 0; /* global partition index, topic-major */
	for (uint32_t t = 0; t < grid->topics; t++) {
		char tname[32];
		snprintf(tname, sizeof(tname), "t%0*u", width, t);
		if ((code = ka_builder_add_topic(b, tname, grid->partitions_per_topic)) < 0)
			return code;
		for (uint32_t p = 0; reps && p < grid->partitions_per_topic; p++, q++) {
			for (uint32_t k = 0; k < reps; k++) {
				const size_t r = replica_rack(a->layout, a->racks, q, k);
				code =
				    ka_builder_add_partition_rack(b, t, p, rack + r * KD_RACK_NAME);
				if (code < 0)
					return code;
			}
			const size_t lead = replica_rack(a->layout, a->racks, q, 0);
			code = ka_builder_set_partition_leader(b, t, p, rack + lead * KD_RACK_NAME);
			if (code < 0)
				return code;
		}
	}
	return 0;
}

/* The members in generation order, each with its rack, its subscriptions
 * and (churn) the partitions it was given in the fresh group. Returns 0
 * or a KA_E* code. */
static int64_t add_members(ka_builder *b, const build_args *a, const char *rack)
{
	const kd_grid *grid = a->spec->grid;
	const int subs = a->spec->subs;
	int64_t code;
	uint64_t walk = 0;
	for (uint32_t i = 0; i < a->n_members; i++) {
		char id[KD_ID_LEN + 1];
		format_id(id, a->ids[i]);
		const int64_t gen = a->prev && i < a->first_new ? 1 : KA_NO_GENERATION;
		const char *mrack =
		    a->racks ? rack + (size_t)member_rack_of(a->layout, a->racks, i, &walk) *
					  KD_RACK_NAME
			     : NULL;
		if ((code = ka_builder_add_member(b, id, NULL, mrack, gen)) < 0)
			return code;
		for (uint32_t t = 0; t < grid->topics; t++)
			if (subscribes(subs, i, t) &&
			    (code = ka_builder_subscribe_index(b, i, t)) < 0)
				return code;
		if (a->prev && i < a->first_new && i < a->prev->n_members)
			for (uint32_t k = a->prev->off[i]; k < a->prev->off[i + 1]; k++)
				if ((code = ka_builder_add_owned_index(
					 b, i, a->prev->topic[k], a->prev->part[k], KA_NONE)) < 0)
					return code;
	}
	return 0;
}

/* The group of a: its name, topics (and racks), members, through the
 * library's builder. Returns 0, or -1 with err set. */
static int build(const build_args *a, ka_group **out, char *err, size_t errlen)
{
	const kd_grid *grid = a->spec->grid;
	diag_keep keep = {0, ""};
	char *rack = NULL; /* a->racks names of KD_RACK_NAME bytes */
	int64_t code = 0;
	ka_builder *b = ka_builder_new(keep_first_error, &keep);
	if (!b) {
		code = KA_ENOMEM;
		goto fail;
	}
	char name[256];
	group_name(a, name, sizeof(name));
	if ((code = ka_builder_set_name(b, name)) < 0)
		goto fail;
	if (a->racks) {
		rack = malloc((size_t)a->racks * KD_RACK_NAME);
		if (!rack) {
			code = KA_ENOMEM;
			goto fail;
		}
		for (uint32_t r = 0; r < a->racks; r++)
			snprintf(rack + (size_t)r * KD_RACK_NAME, KD_RACK_NAME, "rack-%u", r);
	}
	if ((code = add_topics(b, a, rack)) < 0 || (code = add_members(b, a, rack)) < 0 ||
	    (code = ka_builder_finish(b, out)) < 0)
		goto fail;
	ka_builder_free(b);
	free(rack);
	return 0;

fail:
	/* The diag callback saw the first error with its name; the return code
	 * alone is the fallback (a call refused before any diagnostic). */
	if (keep.code < 0)
		set_err(err, errlen, "%s: building the group failed: %s%s%s%s", grid->name,
			ka_strerror(keep.code), keep.name[0] ? " (\"" : "", keep.name,
			keep.name[0] ? "\")" : "");
	else
		set_err(err, errlen, "%s: building the group failed: %s", grid->name,
			ka_strerror((int)code));
	if (b)
		ka_builder_free(b);
	free(rack);
	return -1;
}

/* Parses the 16 hex digits of one of our member ids; -1 when it is not one. */
static int parse_id(const char *s, uint64_t *v)
{
	if (strncmp(s, KD_ID_PREFIX, KD_ID_PREFIX_LEN) != 0 || strlen(s) != KD_ID_LEN)
		return -1;
	uint64_t x = 0;
	for (const char *c = s + KD_ID_PREFIX_LEN; *c; c++) {
		int d = *c >= '0' && *c <= '9'   ? *c - '0'
			: *c >= 'a' && *c <= 'f' ? *c - 'a' + 10
						 : -1;
		if (d < 0)
			return -1;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return 0;
}

/* m2g[m]: the generation index of the model's member m, found by its id
 * among the generated ones (byid: scratch of n_members). Returns 0, or -1
 * with err set. */
static int map_members(const ka_group *g, const uint64_t *ids, id_pos *byid, uint32_t *m2g,
		       const char *gname, char *err, size_t errlen)
{
	const uint32_t n_m = g->n_members;
	for (uint32_t i = 0; i < n_m; i++)
		byid[i] = (id_pos){ids[i], i};
	qsort(byid, n_m, sizeof(*byid), cmp_id_pos);
	for (uint32_t m = 0; m < n_m; m++) {
		id_pos key = {0, 0};
		const id_pos *hit = NULL;
		if (parse_id(g->member_id[m], &key.id) == 0)
			hit = bsearch(&key, byid, n_m, sizeof(*byid), cmp_id_pos);
		if (!hit) {
			set_err(err, errlen, "%s: internal: member \"%s\" is not a generated id",
				gname, g->member_id[m]);
			return -1;
		}
		m2g[m] = hit->gen;
	}
	return 0;
}

/* topic_input[t]: the input index of the model's topic t, read from its
 * name. Returns 0, or -1 with err set. */
static int map_topics(const kd_gen_spec *spec, const ka_group *g, uint32_t *topic_input, char *err,
		      size_t errlen)
{
	for (uint32_t t = 0; t < g->n_topics; t++) {
		char *end = NULL;
		const unsigned long ti = strtoul(g->topic_name[t] + 1, &end, 10);
		if (g->topic_name[t][0] != 't' || *end || ti >= spec->grid->topics) {
			set_err(err, errlen, "%s: internal: topic \"%s\" is not a generated name",
				spec->grid->name, g->topic_name[t]);
			return -1;
		}
		topic_input[t] = (uint32_t)ti;
	}
	return 0;
}

/* The owners into pp's lists by generation index: a counting sort, so
 * partitions stay ascending (fill: scratch of n_members). Returns 0, or
 * -1 with err set when an owner is past the members. */
static int list_by_member(const kd_gen_spec *spec, const ka_group *g, const uint32_t *owner,
			  const uint32_t *m2g, const uint32_t *topic_input, uint32_t *fill,
			  prev_plan *pp, char *err, size_t errlen)
{
	const uint32_t n_m = g->n_members, n_p = g->n_partitions;
	for (uint32_t p = 0; p < n_p; p++) {
		const uint32_t o = owner[p];
		if (o == KA_NONE)
			continue;
		if (o >= n_m) {
			set_err(err, errlen, "%s: strategy %s gave partition %u to member %u of %u",
				spec->grid->name, spec->strategy->name, p, o, n_m);
			return -1;
		}
		pp->off[m2g[o] + 1]++;
	}
	for (uint32_t i = 0; i < n_m; i++) {
		pp->off[i + 1] += pp->off[i];
		fill[i] = pp->off[i];
	}
	for (uint32_t t = 0; t < g->n_topics; t++)
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			if (owner[p] == KA_NONE)
				continue;
			const uint32_t k = fill[m2g[owner[p]]]++;
			pp->topic[k] = topic_input[t];
			pp->part[k] = p - g->topic_off[t];
		}
	return 0;
}

/*
 * Runs the strategy on the fresh group and lists, per generation index,
 * the partitions it was given. The model orders members by id and topics
 * by name, so both are mapped back through the names, not assumed.
 */
static int plan_previous(const kd_gen_spec *spec, const ka_group *g, const uint64_t *ids,
			 prev_plan *pp, char *err, size_t errlen)
{
	const char *gname = spec->grid->name;
	const ka_strategy *s = spec->strategy;
	const uint32_t n_m = g->n_members, n_p = g->n_partitions;
	void *ws = NULL;
	uint32_t *owner = NULL, *m2g = NULL, *topic_input = NULL, *fill = NULL;
	id_pos *byid = NULL;
	int rc = -1;

	memset(pp, 0, sizeof(*pp));
	pp->n_members = n_m;
	const size_t ws_size = ka_workspace_size(s, g);
	const size_t ws_alloc = ws_size ? (ws_size + 63) / 64 * 64 : 64;
	ws = ws_alloc >= ws_size ? aligned_alloc(64, ws_alloc) : NULL;
	owner = malloc(((size_t)n_p + 1) * sizeof(*owner));
	m2g = malloc(((size_t)n_m + 1) * sizeof(*m2g));
	fill = malloc(((size_t)n_m + 1) * sizeof(*fill));
	byid = malloc(((size_t)n_m + 1) * sizeof(*byid));
	topic_input = malloc(((size_t)g->n_topics + 1) * sizeof(*topic_input));
	pp->off = calloc((size_t)n_m + 1, sizeof(*pp->off));
	pp->topic = malloc(((size_t)n_p + 1) * sizeof(*pp->topic));
	pp->part = malloc(((size_t)n_p + 1) * sizeof(*pp->part));
	if (!ws || !owner || !m2g || !fill || !byid || !topic_input || !pp->off || !pp->topic ||
	    !pp->part) {
		set_err(err, errlen, "%s: out of memory", gname);
		goto out;
	}
	const int arc = ka_assign(s, g, ws, ws_size, owner);
	if (arc < 0) {
		set_err(err, errlen, "%s: strategy %s failed on the fresh group: %s", gname,
			s->name, ka_strerror(arc));
		goto out;
	}
	if (map_members(g, ids, byid, m2g, gname, err, errlen) < 0 ||
	    map_topics(spec, g, topic_input, err, errlen) < 0 ||
	    list_by_member(spec, g, owner, m2g, topic_input, fill, pp, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	free(ws);
	free(owner);
	free(m2g);
	free(fill);
	free(byid);
	free(topic_input);
	if (rc < 0)
		prev_plan_free(pp);
	return rc;
}

int kd_gen_check(const kd_gen_spec *spec, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!spec || !spec->grid) {
		set_err(err, errlen, "no grid given");
		return -1;
	}
	const kd_grid *grid = spec->grid;
	if (!kd_subs_name(spec->subs)) {
		set_err(err, errlen, "%s: unknown subscription mode %d", grid->name, spec->subs);
		return -1;
	}
	if (!kd_variant_name(spec->variant)) {
		set_err(err, errlen, "%s: unknown variant %d", grid->name, spec->variant);
		return -1;
	}
	const int churn =
	    spec->variant == KD_VARIANT_CHURN_REMOVE || spec->variant == KD_VARIANT_CHURN_ADD;
	if (churn && !spec->strategy) {
		set_err(err, errlen,
			"churn variants need a strategy (whose previous assignment the survivors "
			"keep)");
		return -1;
	}
	if (spec->variant == KD_VARIANT_CHURN_REMOVE && grid->members == 0) {
		set_err(err, errlen, "%s: churn-remove needs at least one member to leave",
			grid->name);
		return -1;
	}
	/* The model's limits (KA_MAX_*), checked before anything is built:
	 * churn-add needs room for the member it adds. */
	const uint64_t members = (uint64_t)grid->members + (spec->variant == KD_VARIANT_CHURN_ADD);
	if (members > KA_MAX_MEMBERS) {
		set_err(err, errlen,
			"%s: %u members%s is past the limit of %u members (KA_MAX_MEMBERS)",
			grid->name, grid->members,
			spec->variant == KD_VARIANT_CHURN_ADD ? " plus the one churn-add adds" : "",
			KA_MAX_MEMBERS);
		return -1;
	}
	const uint64_t partitions = (uint64_t)grid->topics * grid->partitions_per_topic;
	if (grid->topics > KA_MAX_TOPICS || partitions > KA_MAX_PARTITIONS) {
		set_err(err, errlen,
			"%s: %u topics of %u partitions is past the limits of %u topics and %u "
			"partitions (KA_MAX_TOPICS, KA_MAX_PARTITIONS)",
			grid->name, grid->topics, grid->partitions_per_topic, KA_MAX_TOPICS,
			KA_MAX_PARTITIONS);
		return -1;
	}
	if (members * grid->topics > KA_MAX_SUBSCRIPTIONS) {
		set_err(err, errlen,
			"%s: %" PRIu64 " members subscribed to %u topics is past the limit of %u "
			"subscriptions (KA_MAX_SUBSCRIPTIONS)",
			grid->name, members, grid->topics, KA_MAX_SUBSCRIPTIONS);
		return -1;
	}
	uint32_t racks = 0, replication = 0;
	if (spec->variant == KD_VARIANT_RACKS) {
		racks = spec->racks ? spec->racks : KD_DEFAULT_RACKS;
		replication = spec->replication ? spec->replication : KD_DEFAULT_REPL;
		if (racks > KA_MAX_RACKS) {
			set_err(err, errlen, "%s: %u racks is past the limit of %u", grid->name,
				racks, KA_MAX_RACKS);
			return -1;
		}
		if (replication > racks)
			replication = racks; /* a rack holds one replica at most */
		if (partitions * replication > KD_MAX_REPLICAS) {
			set_err(err, errlen,
				"%s: %" PRIu64
				" partitions with %u replicas each is past the limit "
				"of %u replicas in a generated group",
				grid->name, partitions, replication, KD_MAX_REPLICAS);
			return -1;
		}
		if (!kd_rack_layout_name(spec->rack_layout)) {
			set_err(err, errlen, "%s: unknown rack layout %d", grid->name,
				spec->rack_layout);
			return -1;
		}
		if (spec->rack_layout == KD_RACKS_MEMBERLESS_RACK && racks < 2) {
			set_err(err, errlen,
				"%s: rack layout memberless-rack needs at least 2 racks (one of "
				"them without members), not %u",
				grid->name, racks);
			return -1;
		}
	}
	return 0;
}

int kd_generate(const kd_gen_spec *spec, ka_group **out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!out) {
		set_err(err, errlen, "no place for the group (out is NULL)");
		return -1;
	}
	*out = NULL;
	if (kd_gen_check(spec, err, errlen) < 0)
		return -1;
	const kd_grid *grid = spec->grid;
	uint32_t racks = 0, replication = 0;
	if (spec->variant == KD_VARIANT_RACKS) {
		racks = spec->racks ? spec->racks : KD_DEFAULT_RACKS;
		replication = spec->replication ? spec->replication : KD_DEFAULT_REPL;
		if (replication > racks)
			replication = racks;
	}
	const int churn =
	    spec->variant == KD_VARIANT_CHURN_REMOVE || spec->variant == KD_VARIANT_CHURN_ADD;

	const uint32_t n_ids = grid->members + (spec->variant == KD_VARIANT_CHURN_ADD);
	uint64_t *ids = malloc(((size_t)n_ids + 1) * sizeof(*ids));
	if (!ids || draw_ids(spec->seed, n_ids, ids) < 0) {
		free(ids);
		set_err(err, errlen, "%s: out of memory", grid->name);
		return -1;
	}

	const int layout = spec->variant == KD_VARIANT_RACKS ? spec->rack_layout : KD_RACKS_EVEN;
	build_args a = {spec, ids, grid->members, grid->members, racks, replication, layout, NULL};
	int rc;
	if (!churn) {
		rc = build(&a, out, err, errlen);
	} else {
		ka_group *fresh = NULL;
		prev_plan pp;
		rc = build(&a, &fresh, err, errlen);
		if (rc == 0)
			rc = plan_previous(spec, fresh, ids, &pp, err, errlen);
		ka_group_free(fresh);
		if (rc == 0) {
			if (spec->variant == KD_VARIANT_CHURN_REMOVE) {
				a.n_members = grid->members - 1; /* member M-1 leaves */
				a.first_new = grid->members - 1;
			} else {
				a.n_members = grid->members + 1; /* member M joins */
				a.first_new = grid->members;
			}
			a.prev = &pp;
			rc = build(&a, out, err, errlen);
			prev_plan_free(&pp);
		}
	}
	free(ids);
	return rc;
}
