/*
 * runfile.h - a run file (docs/simulation.md: the output of `kassign
 * simulate` and `kassign probe`) read into flat arrays for the timeline
 * picture and the HTML report.
 *
 * Reading checks what the pictures and tables rely on and nothing more:
 * fields the reader does not know are ignored (the contract's rule), the
 * optional parts (`ownership`, `lag`, `summary`, `plan`, `context`) may be
 * missing. A member id that appears in `events` or `ownership` but not in
 * `members` is added to the member list, so a probe whose member ids change
 * on a rejoin still draws every one of them.
 */
#ifndef KASSIGN_RUNFILE_RUNFILE_H
#define KASSIGN_RUNFILE_RUNFILE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Where a member is, as its events say (kh_run_event_state). */
enum kh_member_state {
	KH_ABSENT,  /* not in the group: before its join, after leave or expire */
	KH_PRESENT, /* in the group */
	KH_STOPPED, /* stopped (crash, or the stop of a restart) until start or expire */
};

typedef struct kh_run_member {
	const char *id;
	const char *instance_id; /* NULL when none */
	int listed;              /* 1: in `members`; 0: seen only in events or ownership */
	int initial_state;       /* ABSENT when its first event is a join (or it is not
				    listed), else PRESENT */
	int final_state;         /* after its last event */
} kh_run_member;

typedef struct kh_run_event {
	double t_ms;
	const char *type;
	int64_t member; /* index into members, -1 when the event names none */
} kh_run_event;

/* Optional numeric fields are NAN when absent. */
typedef struct kh_run_rebalance {
	int64_t generation;
	double start_ms, end_ms;
	const char *trigger; /* NULL when absent */
	const char *kind;    /* NULL when absent */
	double members, revoked, assigned, moved, assign_ms, stop_the_world_ms;
} kh_run_rebalance;

typedef struct kh_run_interval {
	double from_ms, to_ms;
	uint32_t member;
} kh_run_interval;

/* One entry of `ownership`: intervals[first .. first + n) of kh_run. */
typedef struct kh_run_partition {
	uint32_t topic; /* index into topics */
	uint32_t partition;
	size_t first, n;
} kh_run_partition;

typedef struct kh_run_topic {
	const char *name;
	uint32_t partitions;
} kh_run_topic;

typedef struct kh_run {
	json_t *root;          /* held; every string above points into it */
	const char *source;    /* "simulate", "probe", ... ("" when absent) */
	const char *name;      /* plan.name, "" when absent */
	const char *protocol;  /* plan.protocol, "" when absent */
	const char *strategy;  /* plan.strategy, "" when absent */
	int static_membership; /* plan.static_membership: 1, 0, -1 unknown */
	double duration_ms;    /* summary.duration_ms, else plan.end_ms, else the last time seen */

	kh_run_member *members;
	size_t n_members;
	kh_run_topic *topics;
	size_t n_topics;
	kh_run_event *events; /* in file order */
	size_t n_events;
	size_t *event_order; /* indexes of events in time order (file order on ties) */
	kh_run_rebalance *rebalances;
	size_t n_rebalances;

	int has_ownership; /* 0: `ownership` absent (summary.ownership_omitted) */
	kh_run_partition *partitions;
	size_t n_partitions;
	kh_run_interval *intervals;
	size_t n_intervals;

	double (*lag)[2]; /* [t_ms, messages] */
	size_t n_lag;

	const json_t *summary; /* NULL when absent */
	const json_t *context; /* NULL when absent */

	/* Private: the member-id hash (open addressing, index + 1, 0 empty). */
	uint32_t *slots;
	size_t n_slots;
	size_t cap_members;
} kh_run;

/* The longest run a run file may describe, in ms (1e12, about 31 years). */
#define KH_RUN_MAX_MS 1e12

/*
 * Reads a run document (the reference to root is taken, not stolen).
 * Returns 0, or -1 with one line in err naming the place and the rule
 * ("rebalances[2].end_ms: must be a number >= start_ms (60000), not 100").
 */
int kh_run_parse(json_t *root, kh_run **out, char *err, size_t errlen);

/* Reads a run file; err then also names the file (and line, column). */
int kh_run_load(const char *path, kh_run **out, char *err, size_t errlen);

void kh_run_free(kh_run *run);

/* The state an event of this type leaves its member in (join and start:
 * present, stop: stopped, leave and expire: absent; others: unchanged). */
int kh_run_event_state(const char *type, int state);

/* Member index of id, -1 when unknown. */
int64_t kh_run_member_find(const kh_run *run, const char *id);

#endif
