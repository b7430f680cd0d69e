/*
 * kassign.h - Kafka consumer-group partition assignors, as a C library.
 *
 * The one public header of libkassign. Everything else in the project (the
 * loader, the generators, the command line, the benchmarks, the tests) uses
 * the library through this file only.
 *
 * Life cycle:
 *
 *   ka_builder_new()  -> add topics, members, subscriptions, claims
 *   ka_builder_finish() -> ka_group *   (an opaque, read-only model)
 *   ka_workspace_size(strategy, group)      -> caller allocates, 64-byte aligned
 *   ka_assign(strategy, group, ws, size, owner)   (no allocation, no I/O)
 *   ka_assignment_validate() / ka_metrics_compute()
 *   ka_group_free()
 *
 * The library never prints, exits or aborts on bad input: functions return 0
 * or a negative KA_E* code (ka_strerror names it) and report the place of a
 * problem through a ka_diag callback. Hot loops work by contract and only
 * assert() their preconditions.
 *
 * Threads: the library has no global mutable state. A finished ka_group is
 * read-only, so any number of threads may call every function that takes a
 * const ka_group * on the same group at once (ka_assign, ka_metrics_compute,
 * ka_optimum_compute, ka_assignment_validate, the accessors), each with its
 * own workspace and output arrays. A ka_builder is used by one thread at a
 * time. ka_group_free must not run while another call uses the group. The
 * strategy table and the version are constant.
 *
 * Two tiers, as zstd has: what follows by default is the stable interface
 * (ka_group and ka_strategy are opaque, read through accessors). The
 * definitions of the model's structs and a few helpers sit behind
 * KA_STATIC_LINKING_ONLY at the end; kassign's own programs define it, and a
 * program that does is tied to this exact version of the library.
 */
#ifndef KASSIGN_KASSIGN_H
#define KASSIGN_KASSIGN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ version */

#define KA_VERSION_MAJOR  0
#define KA_VERSION_MINOR  1
#define KA_VERSION_PATCH  0
#define KA_VERSION_STRING "0.1.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH, as zstd numbers its versions. */
#define KA_VERSION_NUMBER (KA_VERSION_MAJOR * 10000 + KA_VERSION_MINOR * 100 + KA_VERSION_PATCH)

/* @return the version of the library linked in, KA_VERSION_NUMBER's form
 * (compare it with the header's KA_VERSION_NUMBER). */
unsigned ka_version_number(void);

/* @return the version of the library linked in as "MAJOR.MINOR.PATCH"
 * (static, never NULL). */
const char *ka_version_string(void);

/* ------------------------------------------------------------------ limits */

/* Sizes the model is built for. A count past one of these is KA_ELIMIT, never
 * an overflow. Subscriptions count member-topic pairs after pattern expansion;
 * owned claims count member-partition pairs. */
#define KA_MAX_MEMBERS       100000u
#define KA_MAX_PARTITIONS    10000000u
#define KA_MAX_TOPICS        1000000u
#define KA_MAX_RACKS         65535u
#define KA_MAX_SUBSCRIPTIONS 200000000u
#define KA_MAX_CLAIMS        20000000u
#define KA_MAX_NAME          65535u /* bytes in one member id, topic or rack name */

#define KA_NONE    UINT32_MAX /* no member, no topic, no partition */
#define KA_NO_RACK UINT16_MAX /* member without client.rack */
#define KA_NO_GENERATION (-1) /* Kafka's DEFAULT_GENERATION: generation absent */

/* ------------------------------------------------------------------ errors */

enum ka_error {
	KA_OK = 0,
	KA_EINVAL = -1,     /* an argument breaks the function's contract */
	KA_ENOMEM = -2,     /* allocation failed (builder, never ka_assign) */
	KA_ELIMIT = -3,     /* a count past the limits above */
	KA_EDUPMEMBER = -4, /* two members with one member_id */
	KA_EDUPTOPIC = -5,  /* two topics with one name */
	KA_EWORKSPACE = -6, /* workspace smaller than ka_workspace_size() */
	KA_ESTATE = -7,     /* call out of life-cycle order */
	KA_ERANGE = -8,     /* partition count or generation out of its range */
	KA_ELEADER = -9,    /* a partition's leader rack is not one of its replica racks */
	KA_EKAFKA = -10     /* Kafka's own answer is not an assignment (a partition given twice) */
};

/* @return a static description of code, never NULL ("unknown error" for
 * codes outside enum ka_error). */
const char *ka_strerror(int code);

/* ------------------------------------------------------------------ the group model */

/* Flags of ka_group.flags. */
#define KA_GROUP_HOMOGENEOUS     0x1u /* every member subscribes to the same topic set */
#define KA_GROUP_OWNED           0x2u /* some member claims owned partitions */
#define KA_GROUP_MEMBER_RACKS    0x4u /* some member has a rack */
#define KA_GROUP_PARTITION_RACKS 0x8u /* some partition has replica racks */
#define KA_GROUP_STATIC          0x10u /* some member has a group_instance_id */
#define KA_GROUP_LEADER_RACKS    0x20u /* some partition has a leader rack */

/*
 * One consumer group at the moment a rebalance runs: its topics, members,
 * subscriptions, previous ownership and racks, read-only once built.
 *
 * Topics are numbered 0..n_topics-1 in Java String order of their names (the
 * order Kafka's assignors iterate). A partition is one global index: the
 * partitions of topic t are ka_group_topic_first(g, t) onward, so an
 * assignment is an array owner[n_partitions] of member numbers. Members are
 * numbered in the order of Kafka's AbstractPartitionAssignor.MemberInfo
 * (group_instance_id first, then member_id). The full model is described
 * with its struct under KA_STATIC_LINKING_ONLY.
 */
typedef struct ka_group ka_group;

/* Accessors. g must be a group from ka_builder_finish (or a leader view);
 * indices must be in range (checked by assert only). */

/* @return the scenario's label, "" when none. */
const char *ka_group_name(const ka_group *g);
/* @return the number of topics, members, partitions (over all topics) and
 * distinct racks. */
uint32_t ka_group_topic_count(const ka_group *g);
uint32_t ka_group_member_count(const ka_group *g);
uint32_t ka_group_partition_count(const ka_group *g);
uint32_t ka_group_rack_count(const ka_group *g);
/* @return KA_GROUP_* flags. */
uint32_t ka_group_flags(const ka_group *g);
/* @return topic t's name (lives as long as g). */
const char *ka_group_topic_name(const ka_group *g, uint32_t t);
/* @return the global index of topic t's partition 0. */
uint32_t ka_group_topic_first(const ka_group *g, uint32_t t);
/* @return topic t's partition count. */
uint32_t ka_group_topic_partitions(const ka_group *g, uint32_t t);
/* @return member m's member_id (lives as long as g). */
const char *ka_group_member_id(const ka_group *g, uint32_t m);
/* @return member m's group_instance_id, NULL when it has none. */
const char *ka_group_member_instance_id(const ka_group *g, uint32_t m);
/* @return member m's rack name, NULL when it has none. */
const char *ka_group_member_rack(const ka_group *g, uint32_t m);
/* @return the number of topics member m subscribes to; *topics (when not
 * NULL) receives the list, ascending topic numbers, living as long as g. */
uint32_t ka_group_member_topics(const ka_group *g, uint32_t m, const uint32_t **topics);
/* @return the member that keeps partition p from the previous assignment,
 * KA_NONE when nobody does (no claim, or a tie). */
uint32_t ka_group_previous_owner(const ka_group *g, uint32_t p);

/* @return the topic holding global partition p (binary search). */
uint32_t ka_group_partition_topic(const ka_group *g, uint32_t p);

/*
 * g seen through its leaders: each partition's replica racks are its
 * leader's rack alone (none where unknown), so every function that counts
 * locality (ka_assign, ka_metrics_compute, ka_optimum_compute) counts a
 * placement local only on the leader's rack. The view shares g's arrays: it
 * must not be used after g is freed, and is freed itself with
 * ka_group_free (which then frees the view alone, never g's arrays).
 * @return 0 with *view set; KA_EINVAL when g or view is NULL; KA_ENOMEM.
 */
int ka_group_leader_view_new(const ka_group *g, ka_group **view);

/* Frees a group and everything it owns (a leader view: the view alone).
 * NULL is a no-op. */
void ka_group_free(ka_group *g);

/* ------------------------------------------------------------------ building a group */

/* Diagnostic codes: errors are KA_E*, warnings are these (all > 0). */
enum ka_warning {
	KA_WUNKNOWN_TOPIC = 1,     /* subscription to a topic not in the scenario: ignored */
	KA_WNO_SUBSCRIPTION,       /* member subscribes to no existing topic */
	KA_WOWNED_UNKNOWN_TOPIC,   /* claim on a topic not in the scenario: dropped */
	KA_WOWNED_OUT_OF_RANGE,    /* claim past the topic's partition count: dropped */
	KA_WOWNED_UNSUBSCRIBED,    /* claim on a topic the member does not subscribe: kept in
				      own_part (it counts for movement), assignors drop it */
	KA_WOWNED_CONFLICT,        /* claimed by several members of the same, highest
				      generation: nobody keeps it */
	KA_WOWNED_DUPLICATE,       /* the same member claims a partition twice: once counts */
	KA_WDUP_SUBSCRIPTION,      /* the same member lists a topic twice: once counts */
	KA_WDUP_INSTANCE_ID,       /* two members share a group_instance_id */
	KA_WDUP_PARTITION_RACK     /* a rack listed twice for one partition: once counts */
};

/*
 * What a diagnostic is about. Indices are input indices: the order in which
 * topics and members were added to the builder (so a loader can name the
 * place in its file). Fields that do not apply are KA_NONE / -1 / NULL.
 */
typedef struct ka_diag {
	int code;          /* KA_E* (< 0) or KA_W* (> 0) */
	uint32_t member;   /* input index of the member */
	uint32_t other;    /* input index of a second member (duplicates, conflicts) */
	uint32_t topic;    /* input index of the topic (KA_EDUPTOPIC: the later one;
			      `other` then holds the first one's topic index) */
	uint32_t item;     /* input index of the subscription or claim within the member */
	int64_t partition; /* partition number within the topic */
	const char *name;  /* the name at fault; valid during the callback only */
} ka_diag;

typedef void (*ka_diag_fn)(void *ctx, const ka_diag *d);

typedef struct ka_builder ka_builder;

/* A builder reports every diagnostic through fn (may be NULL), with ctx.
 * @return the builder, NULL when out of memory. */
ka_builder *ka_builder_new(ka_diag_fn fn, void *ctx);
/* Frees a builder, finished or not. NULL is a no-op. */
void ka_builder_free(ka_builder *b);

/*
 * Every adding call below: @return 0 (or the input index), KA_EINVAL for a
 * NULL or out-of-range argument, KA_ESTATE once finished (or out of order,
 * as each says), KA_ENOMEM (after which the builder only fails), or the
 * code it names. Warnings are not errors: the call returns 0.
 */

/* Copies the label. @return 0, KA_EINVAL, KA_ESTATE, KA_ENOMEM. */
int ka_builder_set_name(ka_builder *b, const char *name);

/*
 * Adds a topic with `partitions` partitions (0 allowed) and returns its input
 * index (>= 0). A topic that breaks a rule (negative count, the partition
 * total past KA_MAX_PARTITIONS) is still recorded, so input indices follow
 * the caller's order; the rule is reported through the callback and fails
 * finish. Negative returns: KA_EINVAL, KA_ESTATE (a member was added already:
 * topics come first), KA_ELIMIT (past KA_MAX_TOPICS, not recorded),
 * KA_ENOMEM. Duplicate names are reported at finish (KA_EDUPTOPIC).
 */
int64_t ka_builder_add_topic(ka_builder *b, const char *name, int64_t partitions);

/* Adds one replica rack of a partition of a topic (input index). A NULL or
 * empty rack adds nothing. @return 0, KA_EINVAL, KA_ESTATE, KA_ELIMIT (past
 * KA_MAX_RACKS distinct racks), KA_ENOMEM. */
int ka_builder_add_partition_rack(ka_builder *b, uint32_t topic, uint32_t partition,
				  const char *rack);

/*
 * Sets the rack of a partition's leader (a later call replaces it; NULL or ""
 * leaves it unknown). The leader is one of the partition's replicas, so the
 * rack must be one of those added by ka_builder_add_partition_rack(): finish
 * reports KA_ELEADER (topic, partition and rack in the diagnostic) and fails
 * otherwise. @return 0, KA_EINVAL, KA_ESTATE, KA_ELIMIT, KA_ENOMEM.
 */
int ka_builder_set_partition_leader(ka_builder *b, uint32_t topic, uint32_t partition,
				    const char *rack);

/* Adds a member and returns its input index. instance_id and rack may be NULL
 * (an empty rack is no rack, as Kafka's RangeAssignor filters it);
 * generation is KA_NO_GENERATION (-1) when absent, else 0..INT32_MAX (outside
 * that: KA_ERANGE reported, recorded as absent, finish fails). Like topics, a
 * member breaking a rule is still recorded; past KA_MAX_MEMBERS it is not.
 * @return the input index (>= 0), or KA_EINVAL (NULL member_id), KA_ESTATE,
 * KA_ELIMIT, KA_ENOMEM. */
int64_t ka_builder_add_member(ka_builder *b, const char *member_id, const char *instance_id,
			      const char *rack, int64_t generation);

/*
 * Subscriptions and claims belong to the member added last: `member` must be
 * that member's index (else KA_ESTATE), so a loader adds a member and then
 * everything it has. This keeps the builder at 4 bytes a subscription.
 *
 * Subscribes a member to a topic by name; an unknown name is a warning
 * (KA_WUNKNOWN_TOPIC) and is ignored. `item` is echoed in the diagnostic.
 * @return 0, KA_EINVAL, KA_ESTATE, KA_ELIMIT (past KA_MAX_SUBSCRIPTIONS),
 * KA_ENOMEM.
 */
int ka_builder_subscribe(ka_builder *b, uint32_t member, const char *topic, uint32_t item);

/* Subscribes a member to a topic by input index (pattern expansion,
 * generators). @return as ka_builder_subscribe; KA_EINVAL for a topic index
 * past those added. */
int ka_builder_subscribe_index(ka_builder *b, uint32_t member, uint32_t topic);

/* The same for n topics at once (a pattern's matches): one call a member.
 * @return as ka_builder_subscribe_index. */
int ka_builder_subscribe_indices(ka_builder *b, uint32_t member, const uint32_t *topics, size_t n);

/* Records that a member owns partition `partition` of topic `topic` (by name)
 * going into this rebalance. Unknown topics and partitions out of range are
 * warnings and are dropped. @return 0, KA_EINVAL, KA_ESTATE, KA_ELIMIT (past
 * KA_MAX_CLAIMS), KA_ENOMEM. */
int ka_builder_add_owned(ka_builder *b, uint32_t member, const char *topic, int64_t partition,
			 uint32_t item);

/* The same by topic input index (a loader that resolved the name itself).
 * @return as ka_builder_add_owned. */
int ka_builder_add_owned_index(ka_builder *b, uint32_t member, uint32_t topic, int64_t partition,
			       uint32_t item);

/*
 * Validates, sorts and interns everything into a new group. Errors (duplicate
 * names, limits) are reported through the diag callback, every one of them,
 * and the first code is returned with *out left NULL. Warnings do not stop
 * the build. The builder can only be freed afterwards.
 * @return 0 with *out set (free it with ka_group_free); else *out is NULL
 * and the code is KA_EINVAL (NULL argument), KA_ESTATE (finished twice),
 * KA_ENOMEM, or the first error reported (KA_EDUPMEMBER, KA_EDUPTOPIC,
 * KA_ELIMIT, KA_ERANGE, KA_ELEADER).
 */
int ka_builder_finish(ka_builder *b, ka_group **out);

/* ------------------------------------------------------------------ strategies */

#define KA_STRATEGY_DETERMINISTIC 0x1u /* Kafka's answer is unique: match it exactly */
#define KA_STRATEGY_COOPERATIVE   0x2u /* withholds partitions that change owner */
#define KA_STRATEGY_STICKY        0x4u /* uses previous ownership */
#define KA_STRATEGY_RACK_AWARE    0x8u /* uses member and partition racks */
#define KA_STRATEGY_KAFKA         0x10u /* Kafka's own (kafka_name), exactly; else kassign's own */

/* A strategy of the library's table (opaque: ka_assign is the one way to run
 * it, so its workspace and alignment are always checked). */
typedef struct ka_strategy ka_strategy;

/* @return the name the command line and results use ("range", ...). */
const char *ka_strategy_name(const ka_strategy *s);
/* @return the Kafka class it reproduces, or a sentence saying it is kassign's own. */
const char *ka_strategy_kafka_name(const ka_strategy *s);
/* @return a one-line summary. */
const char *ka_strategy_summary(const ka_strategy *s);
/* @return KA_STRATEGY_* flags. */
uint32_t ka_strategy_flags(const ka_strategy *s);

/* The one table of strategies, in a fixed order.
 * @return the number of strategies. */
size_t ka_strategy_count(void);
/* @return strategy i, NULL when i >= ka_strategy_count(). */
const ka_strategy *ka_strategy_at(size_t i);

/* @return the strategy of that name, NULL when there is none. */
const ka_strategy *ka_strategy_find(const char *name);

/* @return the bytes of workspace ka_assign() needs for this group (0
 * allowed; 0 also for a NULL argument). */
size_t ka_workspace_size(const ka_strategy *s, const ka_group *g);

/*
 * Assigns the group's partitions. owner[] has g->n_partitions entries and is
 * fully written: the member given each partition, or KA_NONE for partitions
 * of topics nobody subscribes to (and, for cooperative strategies, partitions
 * withheld this round). ws must be 64-byte aligned and at least
 * ka_workspace_size() bytes; its contents on entry do not matter. No
 * allocation, I/O or global state.
 * @return 0, KA_EWORKSPACE (ws smaller than ka_workspace_size), KA_EINVAL
 * (a NULL argument, or ws not 64-byte aligned), or KA_EKAFKA (a strategy that reproduces Kafka's own
 * procedure where Kafka's answer is not an assignment).
 */
int ka_assign(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size,
	      uint32_t *owner);

/* ------------------------------------------------------------------ checking an assignment */

enum ka_violation {
	KA_VUNASSIGNED = 1, /* a partition of a subscribed topic has no owner */
	KA_VUNSUBSCRIBED,   /* a partition's owner does not subscribe to its topic */
	KA_VBAD_MEMBER      /* owner[] holds a member id past n_members */
};

typedef void (*ka_violation_fn)(void *ctx, int violation, uint32_t partition, uint32_t member);

/*
 * Checks completeness (every partition of a subscribed topic has an owner)
 * and subscription validity (only subscribers own partitions). Uniqueness is
 * structural: owner[] holds one owner a partition. Calls fn (may be NULL) for
 * each violation and returns how many there were. If allow_withheld is set,
 * an unassigned partition that had a previous owner, or was contested, is
 * allowed (a cooperative first round withholds it).
 * @return the number of violations (0: valid).
 */
uint64_t ka_assignment_validate(const ka_group *g, const uint32_t *owner, int allow_withheld,
				ka_violation_fn fn, void *ctx);

/*
 * The quality figures of docs/metrics.md, one definition everywhere.
 *
 * Balance is over eligible members: those subscribed to at least one topic
 * with partitions. `balanced` is 1 when no partition could move from its
 * owner to another subscriber of its topic holding at least two fewer.
 *
 * Movement counts partitions of subscribed topics with a previous owner
 * (prev_owner[]) now owned by another member or by nobody (a partition nobody
 * can take is not an assignor's move). moved_min is the fewest moves any balanced
 * assignment needs from the same start; moved_min_exact says whether it is
 * the exact optimum (equal subscriptions) or only a proven lower bound.
 *
 * Locality counts assigned partitions whose owner has a rack and whose
 * replicas' racks are known; local is those where the owner's rack holds a
 * replica.
 */
typedef struct ka_metrics {
	uint32_t n_assigned;   /* partitions with an owner */
	uint32_t n_assignable; /* partitions of subscribed topics */
	uint32_t n_eligible;   /* members that could take a partition */
	uint32_t load_min;
	uint32_t load_max;
	double load_mean;
	double load_stddev; /* population standard deviation */
	uint64_t load_sq;   /* sum of squared loads: the balance level of ka_optimum */
	int balanced;

	uint32_t prev_owned; /* partitions of subscribed topics with a previous owner */
	uint32_t moved;
	uint32_t moved_min;
	int moved_min_exact;
	uint32_t moved_opt; /* fewest moves among the most balanced assignments */

	uint32_t rack_known; /* assigned, owner has a rack, replica racks known */
	uint32_t local;
} ka_metrics;

/* @return the bytes of scratch the metrics need; the caller allocates it
 * (aligned to 8). */
size_t ka_metrics_workspace_size(const ka_group *g);

/* Fills *m. owner[] as ka_assign() writes it.
 * @return 0, or KA_EWORKSPACE (ws too small). */
int ka_metrics_compute(const ka_group *g, const uint32_t *owner, void *ws, size_t ws_size,
		       ka_metrics *m);

/* ------------------------------------------------------------------ the exact optimum */

/*
 * The best any valid assignment can do on this group, solved exactly (a
 * min-cost flow), in the sticky family's order of priorities:
 *
 *   1. balance: the load vector over eligible members that is the
 *      lexicographically smallest when sorted in descending order (for equal
 *      subscriptions: every load is floor(N/M) or ceil(N/M));
 *   2. then locality: the most partitions on a member whose rack holds a
 *      replica (only counts partitions whose replica racks are known and
 *      whose candidate owner has a rack; with no racks this level is void);
 *   3. then stickiness: the fewest moves (ka_metrics' definition).
 *
 * `max_work` bounds the solver's effort (assignable partitions x (arcs +
 * nodes) of its network, its worst case); a larger group, or one whose
 * weights would overflow 64 bits (about 30,000 partitions), returns
 * KA_ELIMIT without solving, so a caller can offer the optimum for small
 * groups only. KA_EINVAL for a NULL group or out. If owner is not NULL it
 * receives one optimal assignment (n_partitions entries). Allocates its own
 * scratch (not a timed call).
 * @return 0 with *out filled, KA_EINVAL, KA_ELIMIT or KA_ENOMEM.
 */
typedef struct ka_optimum {
	uint32_t load_min; /* over eligible members, as in ka_metrics */
	uint32_t load_max;
	uint64_t load_sq;  /* sum of squared loads: one number for the balance level */
	uint32_t local;    /* most local placements among optimally balanced ones */
	uint32_t moved;    /* fewest moves among optimally balanced, most local ones */
} ka_optimum;

int ka_optimum_compute(const ka_group *g, uint64_t max_work, ka_optimum *out, uint32_t *owner);

/*
 * The same optimum's figures at any size (load_min, load_max, load_sq, local,
 * moved; the lexicographic order above), from kassign's flow over partition
 * groups and member classes (the `locality` strategy) instead of the
 * unit-step flow: linear-ish, about 0.2 s at a million partitions. ws is
 * 64-byte aligned, ka_optimum_flow_workspace_size() bytes. No allocation.
 * @return (the size function) the bytes of workspace; (ka_optimum_flow) 0
 * with *out filled, KA_EINVAL or KA_EWORKSPACE.
 */
size_t ka_optimum_flow_workspace_size(const ka_group *g);
int ka_optimum_flow(const ka_group *g, void *ws, size_t ws_size, ka_optimum *out);

/*
 * An assignment's distance from the optimum, level by level, signed:
 * positive is worse than the optimum. load_sq: sum of squared loads above
 * the least possible (0 = most balanced); local: local placements short of
 * the most possible at that balance; moved: moves above the fewest possible
 * at that balance and locality. A level below one that is not 0 compares
 * against an optimum the assignment does not share, for information only.
 * Fills *out; returns nothing.
 */
typedef struct ka_gap {
	int64_t load_sq;
	int64_t local;
	int64_t moved;
} ka_gap;

/* Fills *out from m and best. No return value: it cannot fail. */
void ka_gap_of(const ka_metrics *m, const ka_optimum *best, ka_gap *out);
/* The same in one call, for an assignment whose metrics are m: computes the
 * optimum in scratch of its own (not a timed call).
 * @return 0, KA_EINVAL or KA_ENOMEM. */
int ka_gap_compute(const ka_group *g, const ka_metrics *m, ka_gap *out);

/* ------------------------------------------------------------------ utilities */

/* Compares two UTF-8 strings as Java's String.compareTo does (UTF-16 code
 * units). Invalid UTF-8 bytes compare as themselves.
 * @return < 0, 0 or > 0 as a sorts before, with or after b. */
int ka_java_strcmp(const char *a, const char *b);

/* ------------------------------------------------------------------ for kassign's own tools */

/*
 * What follows is for the programs of this project (which define
 * KA_STATIC_LINKING_ONLY before including this header): it may change
 * between versions, so a program built against an installed libkassign
 * should not use it.
 */
#ifdef KA_STATIC_LINKING_ONLY

/*
 * One consumer group at the moment a rebalance runs, as flat arrays.
 *
 * Topics are numbered 0..n_topics-1 in Java String order of their names (the
 * order TreeSet<String> gives, which is what Kafka's assignors iterate). A
 * partition is one global index: partition k of topic t is topic_off[t] + k.
 *
 * Members are numbered 0..n_members-1 in the order of Kafka's
 * AbstractPartitionAssignor.MemberInfo: members with a group_instance_id
 * first, by it, then the others by member_id (Java String order; equal
 * instance ids, which a broker would fence, fall back to member_id). The
 * sticky family orders by member_id alone: id_order lists members that way.
 *
 * Subscriptions are CSR lists both ways, each list ascending. Topics nobody
 * subscribes to stay in the model (they are written back out) but are never
 * assigned. Unknown topic names were dropped by the builder with a warning.
 *
 * Previous ownership: own_off/own_part are each member's claims on existing
 * partitions, ascending and distinct. prev_owner[] resolves them per
 * partition: the claimant with the highest generation keeps it; if two or
 * more claimants share the highest generation, nobody does (KA_NONE).
 *
 * All arrays are owned by the group and live until ka_group_free().
 */
struct ka_group {
	const char *name; /* scenario label, "" when none */
	uint32_t n_topics;
	uint32_t n_members;
	uint32_t n_partitions;
	uint32_t n_racks;
	uint32_t flags;

	/* topics */
	const char *const *topic_name; /* [n_topics] */
	const uint32_t *topic_off;     /* [n_topics + 1] */

	/* members */
	const char *const *member_id;   /* [n_members] */
	const char *const *instance_id; /* [n_members], NULL where none */
	const uint16_t *member_rack;    /* [n_members], KA_NO_RACK where none */
	const int32_t *generation;      /* [n_members], KA_NO_GENERATION where absent */
	const uint32_t *id_order;       /* [n_members]: members by member_id alone */

	/* subscriptions */
	const uint32_t *sub_off;     /* [n_members + 1] */
	const uint32_t *sub_topic;   /* [sub_off[n_members]] topic ids, ascending */
	const uint32_t *tsub_off;    /* [n_topics + 1] */
	const uint32_t *tsub_member; /* [tsub_off[n_topics]] member ids, ascending */
	/* Topics with the same subscriber list share a class, numbered from 0 in
	 * order of their first topic (Kafka's range groups co-partitioned topics
	 * by subscriber set). */
	const uint32_t *topic_class; /* [n_topics] */
	uint32_t n_topic_classes;
	/* Members with the same subscriptions share a class, numbered the same way. */
	const uint32_t *member_class; /* [n_members] */
	uint32_t n_member_classes;

	/* previous ownership */
	const uint32_t *own_off;    /* [n_members + 1] */
	const uint32_t *own_part;   /* [own_off[n_members]] partitions, ascending */
	const uint32_t *prev_owner; /* [n_partitions], KA_NONE where nobody keeps it */
	/* Partitions claimed by two or more members sharing the highest
	 * generation: nobody keeps them, and a cooperative round withholds them
	 * even from a claimant (the other one still believes it owns them). */
	const uint32_t *contested; /* [n_contested], ascending */
	uint32_t n_contested;

	/* racks, interned to 0..n_racks-1 in order of first appearance */
	const char *const *rack_name; /* [n_racks] */
	const uint32_t *prack_off;    /* [n_partitions + 1] */
	const uint16_t *prack;        /* replica racks of each partition, ascending, distinct */
	/* The leader's rack of each partition, in prack's form: a list of one
	 * rack, or none where unknown. Always allocated (empty lists when no
	 * leader is known), so ka_group_leader_view() can swap it in. */
	const uint32_t *lrack_off; /* [n_partitions + 1] */
	const uint16_t *lrack;     /* [lrack_off[n_partitions]] */
};

/*
 * Fills *view with g seen through its leaders (ka_group_leader_view_new),
 * in the caller's storage. The view lives as long as g; ka_group_free on
 * it does nothing. @return 0, or KA_EINVAL when g or view is NULL.
 */
int ka_group_leader_view(const ka_group *g, ka_group *view);

struct ka_strategy {
	const char *name;       /* as the command line and results spell it */
	const char *kafka_name; /* the Kafka class reproduced */
	const char *summary;    /* one line */
	uint32_t flags;
	size_t (*workspace_size)(const ka_group *g);
	int (*assign)(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner);
};

/* x sorts before y: < 0; ties: 0 (they keep their input order). */
typedef int (*ka_sort_cmp)(const void *ctx, uint32_t x, uint32_t y);

/*
 * The project's one sort: stable, O(n log n), no allocation: tmp holds n
 * elements of scratch (its contents on return are unspecified). v and tmp
 * must not overlap. ka_sort_u32 and ka_sort_u64 sort values ascending;
 * ka_sort_u32_by sorts by cmp, called with ctx.
 */
void ka_sort_u32(uint32_t *v, size_t n, uint32_t *tmp);
void ka_sort_u64(uint64_t *v, size_t n, uint64_t *tmp);
void ka_sort_u32_by(uint32_t *v, size_t n, uint32_t *tmp, ka_sort_cmp cmp, const void *ctx);

#endif /* KA_STATIC_LINKING_ONLY */

#ifdef __cplusplus
}
#endif

#endif /* KASSIGN_KASSIGN_H */
