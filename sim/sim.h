/*
 * sim.h - the rebalance simulator (ks_ prefix): one consumer group run
 * through time on a model of Kafka's group protocols (docs/simulation.md).
 *
 *   ks_plan_load() / ks_plan_preset()  -> ks_plan  (validated, defaults filled)
 *   ks_simulate(plan)                   -> ks_run   (everything the run file holds)
 *   ks_run_write(run, plan, FILE)       -> the run file (docs/simulation.md)
 *   ks_run_free(), ks_plan_free()
 *
 * The simulation is a discrete-event loop over one queue ordered by time,
 * then by insertion: no wall clock and no randomness except member ids drawn
 * from the plan's seed. The one measured quantity is the assignor's own time
 * (the real kassign strategy runs at every rebalance); model.assign_ms
 * replaces it for runs that must be reproducible to the bit.
 */
#ifndef KASSIGN_SIM_SIM_H
#define KASSIGN_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <kassign/kassign.h>

enum ks_protocol { KS_EAGER, KS_COOPERATIVE, KS_CONSUMER };
enum ks_coordinator { KS_COORD_KAFKA, KS_COORD_RDKAFKA_MOCK };
enum ks_client { KS_CLIENT_JAVA, KS_CLIENT_LIBRDKAFKA };
enum ks_event_type {
	KS_EV_JOIN,
	KS_EV_LEAVE,
	KS_EV_CRASH,
	KS_EV_RESTART,
	KS_EV_ROLLING_RESTART,
	KS_EV_SCALE,
	KS_EV_ADD_PARTITIONS,
	KS_EV_PAUSE,
	KS_EV_SLOW_BATCH
};
enum ks_stop { KS_STOP_CLOSE, KS_STOP_KILL }; /* how a restart stops a member */

typedef struct ks_plan_event {
	double at_ms;
	int type;           /* enum ks_event_type */
	uint32_t count;     /* join, leave, crash, rolling-restart, add-partitions */
	int64_t member;     /* leave, crash, restart: member index, -1: by count */
	double gap_ms;      /* rolling-restart */
	uint32_t to;        /* scale */
	uint32_t topic;     /* add-partitions: index into topic_name */
	int notice_now;     /* add-partitions */
	int stop;           /* restart, rolling-restart: enum ks_stop */
	double duration_ms; /* pause, slow-batch */
	uint32_t index;     /* its place in the plan's events array (for messages) */
} ks_plan_event;

typedef struct ks_plan {
	json_t *json; /* the plan as run, defaults filled in (owned) */
	const char *name;
	/* The starting group: members named m0000... or a scenario's. */
	ka_group *scenario;    /* NULL for {"members", "topics"} */
	int scenario_borrowed; /* the caller's (ks_plan_from_json_group): not freed */
	uint32_t members;
	uint32_t n_topics;
	char **topic_name;     /* [n_topics], Java String order of names */
	uint32_t *topic_parts; /* [n_topics] */

	int protocol; /* enum ks_protocol */
	const ka_strategy *strategy;
	int static_membership;
	int coordinator; /* enum ks_coordinator */
	int client;      /* enum ks_client: whose consumer the members run */

	double session_ms, heartbeat_ms, max_poll_ms, rebalance_timeout_ms, initial_delay_ms;
	double auto_commit_ms, metadata_age_ms;
	double rtt_ms, commit_ms, revoke_cb_ms, restart_ms, produce_rate, capacity;
	double assign_ms; /* < 0: measured */
	/* The poll loop: a member processes max.poll.records per poll() at
	 * record_ms a record (record_dist "fixed" or "exponential"); it joins a
	 * rebalance, and runs its revoke callback, at its next poll. */
	uint32_t max_poll_records;
	double record_ms;
	int record_exponential;
	int auto_commit; /* enable.auto.commit; false: a commit after each batch */
	uint64_t seed;
	/* model.followup_race (librdkafka, cooperative): the probability that
	 * a heartbeat sent on a SyncGroup response is answered after the
	 * JoinGroup of a member revoking in the same generation (a race
	 * between threads; engine.c, race_heartbeat). */
	double followup_race;
	/* faults.pauses_per_hour > 0: each member pauses (GC, network) at
	 * random moments drawn from the seed; lengths follow a Pareto law. */
	double pause_per_hour, pause_min_ms, pause_alpha, pause_max_ms;
	/* faults.crashes_per_hour > 0: each member is killed at random
	 * moments (mid-batch) and restarted after restart_ms. */
	double crash_per_hour;

	ks_plan_event *events; /* sorted by at_ms, then plan order */
	size_t n_events;
	double end_ms;     /* < 0: until settled and drained (at most 24 h) */
	int timeline_full; /* write the ownership timeline whatever its size */
} ks_plan;

/* Messages name the file (or the preset) and the place:
 * "plan.json: events[2].count: 120 restarts but 100 members". */
typedef void (*ks_msg_fn)(void *ctx, const char *line);

/* Loads a plan file. Returns 0, or -1 after reporting every error. */
int ks_plan_load(const char *path, ks_plan **out, ks_msg_fn fn, void *ctx);

/* A plan from a JSON document (takes a reference of its own); `where`
 * names it in messages. */
int ks_plan_from_json(const char *where, json_t *doc, ks_plan **out, ks_msg_fn fn, void *ctx);

/* The same, with the group that the plan's group.scenario names already
 * loaded (the plan borrows it: it must outlive the plan), so that a caller
 * running many plans on one scenario reads it, and reports its warnings,
 * once. NULL: load the file. */
int ks_plan_from_json_group(const char *where, json_t *doc, const ka_group *scenario, ks_plan **out,
			    ks_msg_fn fn, void *ctx);

/* Presets: plans with a name. ks_preset_json returns a new document or NULL. */
size_t ks_preset_count(void);
const char *ks_preset_name(size_t i);
const char *ks_preset_summary(size_t i);
json_t *ks_preset_json(const char *name);

void ks_plan_free(ks_plan *p);

/* The settings and assumptions behind a run's figures, as a new JSON
 * object of short strings, in the order to show them: how members stop
 * (kill or close), the session and heartbeat and who sets them, rollout
 * gating, the poll loop's processing time, commits, faults. The table,
 * the run file (context.assumptions) and the HTML report all show it. */
json_t *ks_plan_assumptions(const ks_plan *p);

/* ------------------------------------------------------------------ runs */

typedef struct ks_member_info {
	char *member_id;
	char *instance_id; /* NULL when none */
	uint32_t slot;     /* which named member (m0003) this incarnation is */
} ks_member_info;

typedef struct ks_rebalance {
	int32_t generation;
	double start_ms, end_ms;
	char trigger[96];
	const char *kind; /* "eager", "cooperative-revoke", "cooperative-assign", "reconcile" */
	uint32_t members, revoked, assigned, moved;
	double assign_ms, stop_the_world_ms;
	int superseded; /* a newer rebalance started before this one completed */
} ks_rebalance;

typedef struct ks_run_event {
	double t_ms;
	const char *type; /* join, leave, stop, start, expire, partitions-added */
	uint32_t member;  /* index into members (incarnation), or UINT32_MAX */
	uint32_t count;   /* partitions-added */
	uint32_t topic;
} ks_run_event;

typedef struct ks_interval {
	uint32_t partition; /* global index in the final topic layout */
	uint32_t member;    /* index into members */
	double from_ms, to_ms;
} ks_interval;

typedef struct ks_summary {
	double duration_ms;
	uint32_t rebalances;
	int32_t generations;
	double stop_the_world_ms;
	uint32_t partitions_unowned;
	double unowned_partition_seconds;
	double max_lag;
	double time_to_drain_ms; /* -1: never drained */
	double processed_twice;
	int ownership_omitted;
	uint64_t ownership_intervals;
	double deploy_ms; /* first stop of a planned event to the last member back (-1: none) */
	double lag_message_seconds; /* the integral of total lag over the run */
	uint32_t pauses;            /* pauses that began (plan events and drawn) */
	uint32_t pause_expiries;    /* of them, those that outlasted the session */
} ks_summary;

typedef struct ks_run {
	ks_member_info *members;
	size_t n_members;
	ks_run_event *events;
	size_t n_events;
	ks_rebalance *rebalances;
	size_t n_rebalances;
	ks_interval *intervals; /* NULL when omitted */
	size_t n_intervals;
	double *lag; /* pairs t, messages */
	size_t n_lag;
	double lag_step_ms;
	uint32_t n_topics;
	uint32_t *topic_parts; /* final partition counts, in topic_name order */
	uint32_t *topic_off;   /* [n_topics + 1] global index of each topic's partition 0 */
	ks_summary summary;
	/* Not in the run file: the state at the end, for checks. */
	uint32_t *final_owner; /* [partitions, final layout]: member processing it, or UINT32_MAX */
	uint8_t *final_in_group; /* [n_members]: alive and in the group at the end */
} ks_run;

/* Runs the plan. Returns 0, or -1 with a message in err (out of memory, an
 * assignor error), or KS_EINTERNAL when a strategy's output failed
 * validation against its group (a defect of kassign; err says which
 * partition). */
#define KS_EINTERNAL (-3)
int ks_simulate(const ks_plan *plan, ks_run **out, char *err, size_t errlen);
void ks_run_free(ks_run *r);

/* What the run file's context says besides the plan. */
typedef struct ks_context {
	const char *version, *commit, *date;
} ks_context;

/* Writes the run file. Returns 0 or -1 (write error). */
int ks_run_write(FILE *f, const ks_plan *plan, const ks_run *run, const ks_context *ctx);

/* ------------------------------------------------------------------ sizing */

/* The smallest member count for `parts` partitions sharing `rate`
 * messages/s whose busiest member, ceil(parts / members) partitions, stays
 * within capacity * (1 - headroom); at least 2 when there are 2 partitions
 * (a crash leaves somebody). When one partition alone is above the
 * headroom but within capacity, *headroom_unmet is set and the answer is
 * one member per partition. Returns -1 when one partition is above
 * capacity (no count keeps up), else 0. */
int ks_safe_members(uint64_t parts, double rate, double capacity, double headroom,
		    uint32_t *members, int *headroom_unmet);

#endif
