/*
 * probe.h - `kassign probe`: a run plan (docs/simulation.md) played by real
 * librdkafka consumers, on librdkafka's mock cluster or on real brokers,
 * and written as a run file. Split in two: probe_plan.c reads the plan
 * with sim's reader (sim.h), checks what the target cannot do and expands
 * its events into a fixed list of member actions (deterministic, no
 * clock); probe.c starts the consumers, plays the
 * actions on the wall clock and turns what the rebalance callbacks saw
 * into the run file. librdkafka stays in probe.c (kp_ prefix: probe).
 */
#ifndef KASSIGN_PROBE_PROBE_H
#define KASSIGN_PROBE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "runfile/runfile.h"

/* What happens to one member at one time. */
enum kp_action_kind {
	KP_START = 0, /* a consumer starts (join, or back from a restart) */
	KP_CLOSE,     /* graceful: rd_kafka_consumer_close, LeaveGroup */
	KP_CRASH,     /* destroyed without close: the coordinator waits for the session */
};

typedef struct kp_action {
	double at_ms;
	int kind;            /* enum kp_action_kind */
	uint32_t member;     /* index into kp_plan.member_name */
	const char *event;   /* run-file event type: join, leave, stop, start */
	uint32_t plan_event; /* index of the plan event it comes from */
} kp_action;

typedef struct kp_plan {
	json_t *doc; /* the plan as run: ks_plan's, defaults filled in */
	int cooperative;
	const char
	    *strategy; /* a librdkafka assignor name (range, roundrobin, cooperative-sticky) */
	int static_membership;
	double session_ms, heartbeat_ms, max_poll_ms;
	double restart_ms, revoke_callback_ms;
	double end_ms; /* < 0: until the last event has settled */

	uint32_t n_topics;
	char **topic_name;   /* [n_topics] */
	uint32_t *topic_off; /* [n_topics + 1]: partition p of topic t is topic_off[t] + p */
	uint32_t n_partitions;

	/* Every member the run ever has: the initial ones (0..n_initial-1) and
	 * those join and scale events add, all subscribing to every topic. */
	uint32_t n_initial;
	uint32_t n_members;
	char **member_name;  /* [n_members] */
	uint32_t *sub_off;   /* [n_members + 1] */
	uint32_t *sub_topic; /* topic indexes */

	kp_action *actions; /* by time, ties in plan order */
	size_t n_actions;
} kp_plan;

/* Where the probe runs; the plan is checked against it (static membership
 * and short sessions are refused on the mock). */
typedef struct kp_target {
	const char *bootstrap; /* NULL: librdkafka's mock cluster */
} kp_target;

/*
 * Reads a plan with sim's reader (ks_plan_load, or ks_plan_from_json when
 * `doc` is not NULL, `where` then naming it in messages), checks it against
 * the target and expands its events. Every problem is one line on stderr
 * naming the file, the field and the rule. Returns 0, or -1 after the
 * messages.
 */
int kp_plan_load(kp_plan *p, const char *where, json_t *doc, const kp_target *target);
void kp_plan_free(kp_plan *p);

/* How the consumers are driven. */
typedef struct kp_options {
	const char *bootstrap; /* NULL: mock cluster */
	double leader_hold_ms; /* < 0: the default (mock: see probe.c; brokers: 0) */
	int quiet;             /* no progress lines on stderr */
	int trace;             /* every librdkafka cgrp debug line on stderr */
	/* with trace: only the lines of these facilities, "HEARTBEAT,JOIN"
	 * (NULL: all); fewer lines slow the consumers they watch less */
	const char *trace_only;
} kp_options;

/*
 * Plays the plan and returns the run (runfile.h's model, for kr_run_write)
 * in *run.
 * Returns 0; 2 when the run could not happen (unreachable bootstrap, broker
 * refused the topics), 1 when the group never settled; both after a message.
 */
int kp_run(const kp_plan *p, const kp_options *o, kr_run **run);

#endif
