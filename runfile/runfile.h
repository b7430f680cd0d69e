/*
 * runfile.h - the run file (docs/simulation.md: the output of `kassign
 * simulate` and `kassign probe`, the input of `kassign timeline` and
 * `kassign report`): its model, its reader and its writer, in one place so
 * that what one side knows the other does too.
 *
 *   producers (sim/runfill.c, probe/probe.c) fill a kr_run -> kr_run_write
 *   kr_run_load / kr_run_read_buf / kr_run_parse -> kr_run -> the viewers
 *
 * The model holds every field the writer writes; a run file read and
 * written again is the same bytes (tests/test_runfile.c checks it). The
 * reader checks what the model and the viewers rely on: a known field of
 * the wrong type or out of range is one message naming the place and the
 * rule; fields it does not know are ignored (the contract's rule); the
 * optional parts (`plan`, `context`, `ownership`, `lag`, `summary`, and
 * every optional field of an entry) may be missing. A member id that
 * appears in `events` or `ownership` but not in `members` is added to the
 * member list unlisted, so a probe whose member ids change on a rejoin
 * still draws every one of them.
 *
 * Strings belong to the producer: the reader's point into the document it
 * holds, kr_run_strdup's into the run's own pool, and a producer may also
 * point at its own memory as long as it outlives the run. Arrays are the
 * run's (kr_run_free frees them); kr_run_alloc sizes them. Optional
 * numbers are NAN when absent.
 */
#ifndef KASSIGN_RUNFILE_RUNFILE_H
#define KASSIGN_RUNFILE_RUNFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* The version of the contract this module reads and writes (kassign_run). */
#define KR_RUN_VERSION 1

/* The longest run a run file may describe, in ms (1e12, about 31 years). */
#define KR_RUN_MAX_MS 1e12

/* Where a member is, as its events say (kr_run_event_state). */
enum kr_member_state {
	KR_ABSENT,  /* not in the group: before its join, after leave or expire */
	KR_PRESENT, /* in the group */
	KR_STOPPED, /* stopped (crash, or the stop of a restart) until start or expire */
};

/* A list of strings: strs[first .. first + n) of kr_run; absent when !present. */
typedef struct kr_strlist {
	size_t first, n;
	int present;
} kr_strlist;

typedef struct kr_member {
	const char *id;
	const char *instance_id;           /* group_instance_id; NULL when none */
	kr_strlist coordinator_member_ids; /* probe: the ids the coordinator gave it */
	kr_strlist topics;                 /* probe: its subscription */
	int listed;        /* 1: in `members` (written); 0: seen only in events or ownership */
	int initial_state; /* reader: ABSENT when its first event is a join (or it is
			      not listed), else PRESENT */
	int final_state;   /* reader: after its last event */
} kr_member;

typedef struct kr_event {
	double t_ms;
	const char *type;
	int64_t member; /* index into members, -1 when the event names none */
	int64_t topic;  /* index into topics, -1 when none (partitions-added names one) */
	double count;   /* partitions-added: how many; NAN when absent */
} kr_event;

typedef struct kr_rebalance {
	int64_t generation;
	double start_ms, end_ms;
	const char *trigger; /* NULL when absent */
	const char *kind;    /* NULL when absent */
	double members, revoked, assigned, moved, assign_ms, stop_the_world_ms; /* NAN: absent */
	int superseded; /* -1 absent, else 0 or 1 */
} kr_rebalance;

typedef struct kr_interval {
	double from_ms, to_ms;
	uint32_t member; /* index into members */
} kr_interval;

/* One entry of `ownership`: intervals[first .. first + n) of kr_run, in
 * time order. */
typedef struct kr_partition {
	uint32_t topic; /* index into topics */
	uint32_t partition;
	size_t first, n;
} kr_partition;

typedef struct kr_topic {
	const char *name;
	uint32_t partitions;
} kr_topic;

typedef struct kr_pair {
	const char *key, *value;
} kr_pair;

/* `context`: where and how the run was made. Strings NULL, numbers NAN and
 * booleans -1 when absent. */
typedef struct kr_context {
	const char *kassign_version, *commit, *date;
	/* probe */
	const char *host, *librdkafka_version, *bootstrap, *group_id;
	double leader_hold_ms;
	int settled;
	const char *not_measured;
	/* simulate */
	double lag_step_ms;
	const char *assign_ms; /* "measured" or "model" */
	kr_pair *assumptions;  /* the settings and assumptions behind the figures, in order */
	size_t n_assumptions;
	int has_assumptions;
} kr_context;

/* `summary`: numbers NAN when absent; the nullable ones (time_to_drain_ms,
 * deploy_ms) are -1 for null; booleans (ownership_omitted) 0 or 1. */
typedef struct kr_summary {
	double duration_ms, rebalances, generations, stop_the_world_ms, partitions_unowned,
	    unowned_partition_seconds, max_lag, time_to_drain_ms, processed_twice, deploy_ms,
	    lag_message_seconds, pauses, pause_expiries, ownership_intervals, ownership_omitted,
	    double_owned, callback_errors;
} kr_summary;

/* The summary's fields in the order they are written, their kind and
 * what they mean: the writer, the reader and the report's table all walk
 * this list. */
enum kr_field_kind { KR_NUMBER, KR_NULLABLE, KR_BOOLEAN };
typedef struct kr_summary_field {
	const char *key;
	size_t offset;       /* of the double in kr_summary */
	int kind;            /* enum kr_field_kind */
	const char *meaning; /* for a reader of the report; NULL when the key says it */
} kr_summary_field;
extern const kr_summary_field kr_summary_fields[];
extern const size_t kr_n_summary_fields;

/* The field d of s (the offset is a double's: the cast through void is
 * aligned). */
static inline double *kr_summary_at(kr_summary *s, const kr_summary_field *d)
{
	return (double *)(void *)((char *)s + d->offset);
}

static inline double kr_summary_get(const kr_summary *s, const kr_summary_field *d)
{
	return *(const double *)(const void *)((const char *)s + d->offset);
}

typedef struct kr_run {
	const char *source; /* "simulate", "probe", ...; NULL when absent */
	json_t *plan;       /* the plan as run (held); NULL when absent */

	int has_context;
	kr_context context;

	kr_member *members;
	size_t n_members;
	kr_topic *topics;
	size_t n_topics;
	kr_event *events; /* in file order */
	size_t n_events;
	kr_rebalance *rebalances;
	size_t n_rebalances;

	int has_ownership; /* 0: `ownership` absent */
	kr_partition *partitions;
	size_t n_partitions;
	kr_interval *intervals;
	size_t n_intervals;

	int has_lag;
	double (*lag)[2]; /* [t_ms, messages] */
	size_t n_lag;

	int has_summary;
	kr_summary summary;

	const char **strs; /* the strings of kr_strlist */
	size_t n_strs;

	/* Derived by the reader, for the viewers (not written). */
	const char *name;      /* plan.name, "" when absent */
	const char *protocol;  /* plan.protocol, "" when absent */
	const char *strategy;  /* plan.strategy, "" when absent */
	int static_membership; /* plan.static_membership: 1, 0, -1 unknown */
	double duration_ms;    /* summary.duration_ms, else plan.end_ms, else the last time seen */
	size_t *event_order;   /* indexes of events in time order (file order on ties) */

	/* Private. */
	json_t *root;         /* the document read, held: the reader's strings point into it */
	struct kr_pool *pool; /* kr_run_strdup's strings */
	uint32_t *slots;      /* the member-id hash (open addressing, index + 1, 0 empty) */
	size_t n_slots;
	size_t cap_members;
} kr_run;

/* ------------------------------------------------------------------ building */

/* An empty run: every optional part absent, the context's and summary's
 * fields absent. NULL when out of memory. */
kr_run *kr_run_new(void);

/*
 * Sizes the run's arrays (zeroed; each optional number NAN, each optional
 * boolean -1, each event's member and topic -1), for a producer to fill.
 * Returns 0 or -1 (out of memory; the run is left as it was).
 */
int kr_run_alloc(kr_run *run, size_t n_members, size_t n_topics, size_t n_events,
		 size_t n_rebalances, size_t n_partitions, size_t n_intervals, size_t n_lag,
		 size_t n_strs);

/* The assumptions' pairs (context.assumptions), present. Returns 0 or -1. */
int kr_run_alloc_assumptions(kr_run *run, size_t n);

/* A copy of s that lives as long as the run; NULL when out of memory. */
const char *kr_run_strdup(kr_run *run, const char *s);

void kr_run_free(kr_run *run);

/* ------------------------------------------------------------------ writing */

/*
 * Writes the run file, streamed: no document is built, so a run of
 * millions of intervals costs no more memory than the run itself. Numbers
 * are written whole when they are whole, else with 12 significant digits;
 * the plan, small, goes through jansson. Returns 0, or -1 on a write error
 * (or out of memory).
 */
int kr_run_write(FILE *f, const kr_run *run);

/* ------------------------------------------------------------------ reading */

/*
 * Reads a run document (the reference to root is taken, not stolen).
 * Returns 0, or -1 with one line in err naming the place and the rule
 * ("rebalances[2].end_ms: must be a number >= start_ms (60000), not 100").
 */
int kr_run_parse(json_t *root, kr_run **out, char *err, size_t errlen);

/* Reads a run file; err then also names the file (and line, column):
 * "FILE: error: PLACE: RULE" (docs/cli.md). */
int kr_run_load(const char *path, kr_run **out, char *err, size_t errlen);

/* The same from a buffer; `name` stands for the file in messages. */
int kr_run_read_buf(const char *buf, size_t len, const char *name, kr_run **out, char *err,
		    size_t errlen);

/* The state an event of this type leaves its member in (join and start:
 * present, stop: stopped, leave and expire: absent; others: unchanged). */
int kr_run_event_state(const char *type, int state);

/* Member index of id, -1 when unknown (reader's runs only). */
int64_t kr_run_member_find(const kr_run *run, const char *id);

#endif
