/*
 * gen.h - deterministic scenario generators for the grids of docs/design.md.
 *
 * A grid fixes members, topics and partitions per topic; a subscription mode
 * and a variant shape the group; the seed fixes everything random (member
 * ids). The same spec always gives the same group, byte for byte when written.
 */
#ifndef KASSIGN_DATASETS_GEN_H
#define KASSIGN_DATASETS_GEN_H

#include <stddef.h>
#include <stdint.h>

#include <kassign/kassign.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kd_grid {
	const char *name; /* "G-seed", "G-storm", "G-1k", "G-10k", "G-1M" */
	uint32_t members;
	uint32_t topics;
	uint32_t partitions_per_topic;
	int in_default; /* part of the default sweep */
} kd_grid;

size_t kd_grid_count(void);
const kd_grid *kd_grid_at(size_t i);
const kd_grid *kd_grid_find(const char *name); /* NULL when unknown; finds JMH points too */

/*
 * The points of Kafka's JMH assignor benchmarks, named
 * "jmh-m<members>-r<partitions per member>-t<topics>" (see gen.c). Not in
 * kd_grid_at's table and never in the default sweep; `sweep --grid
 * jmh-client` (or jmh-server) runs them all.
 */
size_t kd_jmh_grid_count(void);
const kd_grid *kd_jmh_grid_at(size_t i);

/*
 * A custom grid written MxTxP (members x topics x partitions per topic, e.g.
 * 10000x1000x125, for scaling series): fills *out (its name points into
 * `name`, which must outlive it) and returns 0, or -1 when `name` is not of
 * that form or a count is 0 or past the model's limits.
 */
int kd_grid_parse(const char *name, kd_grid *out);

enum kd_subs { KD_SUBS_HOMOGENEOUS, KD_SUBS_HETEROGENEOUS };
enum kd_variant {
	KD_VARIANT_FRESH,
	KD_VARIANT_CHURN_REMOVE,
	KD_VARIANT_CHURN_ADD,
	KD_VARIANT_RACKS
};

/*
 * How the racks variant places members and replicas (docs/cli.md, gen):
 * even spreads both round-robin; the others are the skewed cases where
 * Kafka's KIP-881 rule or a greedy falls short.
 */
enum kd_rack_layout {
	KD_RACKS_EVEN,              /* members i % R, replicas (q + k) % R */
	KD_RACKS_SKEWED_MEMBERS,    /* members R : R-1 : ... : 1 over the racks, replicas even */
	KD_RACKS_ONE_RACK_REPLICAS, /* every partition on rack-0, its other replicas even */
	KD_RACKS_MEMBERLESS_RACK    /* members on racks 0..R-2 only, replicas even over R */
};

/* Names as the command line and results spell them; -1 when unknown. */
const char *kd_subs_name(int subs);
int kd_subs_parse(const char *name);
const char *kd_variant_name(int variant);
int kd_variant_parse(const char *name);
const char *kd_rack_layout_name(int layout);
int kd_rack_layout_parse(const char *name);

typedef struct kd_gen_spec {
	const kd_grid *grid;
	int subs;    /* enum kd_subs */
	int variant; /* enum kd_variant */
	uint64_t seed;
	const ka_strategy *strategy; /* churn variants: whose previous assignment */
	uint32_t racks;              /* racks variant: number of racks (0 = 3) */
	uint32_t replication;        /* racks variant: replicas per partition (0 = 3) */
	int rack_layout;             /* racks variant: enum kd_rack_layout (0 = even) */
} kd_gen_spec;

/*
 * The variant as result files name it: the variant's name, and for racks
 * with other than the defaults, what differs: "racks-skewed-members-rf1"
 * (layout, then "-<R>racks" and "-rf<K>" when not 3). Returns buf.
 */
const char *kd_variant_label(const kd_gen_spec *spec, char *buf, size_t len);

/* Replica entries (partitions x effective replication) a generated group may
 * hold: the racks variant's bound, checked before anything is built. */
#define KD_MAX_REPLICAS 100000000u

/*
 * Whether kd_generate can build spec's group: the model's limits (members,
 * with churn-add's extra one; topics; partitions; subscriptions) and the
 * racks variant's, checked in O(1) before anything is allocated. Returns 0,
 * or -1 with a message in err naming the grid and the limit.
 */
int kd_gen_check(const kd_gen_spec *spec, char *err, size_t errlen);

/* Builds the group (kd_gen_check first). Returns 0, or -1 with a message in err. */
int kd_generate(const kd_gen_spec *spec, ka_group **out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
