/*
 * runmodel.c - the run model's life cycle (runfile.h): an empty run, its
 * arrays sized for a producer, a string pool for producers whose strings
 * die before the run is written, and the summary's one list of fields.
 */
#include "runfile/runfile.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Every summary field in the order it is written: simulate's figures, then
 * the probe's own (a probe writes the first six and these two). The
 * meanings are docs/simulation.md's, shortened. */
#define F(k, kind, meaning)                                                                        \
	{                                                                                          \
#k, offsetof(kr_summary, k), kind, meaning                                         \
	}
const kr_summary_field kr_summary_fields[] = {
    F(duration_ms, KR_NUMBER, "length of the run"),
    F(rebalances, KR_NUMBER, "rebalances the coordinator ran"),
    F(generations, KR_NUMBER, "generations created"),
    F(stop_the_world_ms, KR_NUMBER, "time during which no partition was processed"),
    F(partitions_unowned, KR_NUMBER, "distinct partitions unowned at some moment after time 0"),
    F(unowned_partition_seconds, KR_NUMBER, "unowned partitions integrated over time"),
    F(max_lag, KR_NUMBER, "largest total lag, messages"),
    F(time_to_drain_ms, KR_NULLABLE,
      "from the last event until lag is below one second of production"),
    F(processed_twice, KR_NUMBER, "messages processed again after a partition changed owner"),
    F(deploy_ms, KR_NULLABLE, NULL),
    F(lag_message_seconds, KR_NUMBER, NULL),
    F(pauses, KR_NUMBER, NULL),
    F(pause_expiries, KR_NUMBER, NULL),
    F(ownership_intervals, KR_NUMBER, NULL),
    F(ownership_omitted, KR_BOOLEAN, "per-partition ownership left out of the file (too large)"),
    F(double_owned, KR_NUMBER, NULL),
    F(callback_errors, KR_NUMBER, NULL),
};
#undef F
const size_t kr_n_summary_fields = sizeof(kr_summary_fields) / sizeof(kr_summary_fields[0]);

/* The string pool: chunks, each a header and its bytes. */
struct kr_pool {
	struct kr_pool *next;
	size_t used, cap;
	char bytes[];
};

kr_run *kr_run_new(void)
{
	kr_run *run = calloc(1, sizeof(*run));
	if (!run)
		return NULL;
	kr_context *c = &run->context;
	c->leader_hold_ms = NAN;
	c->lag_step_ms = NAN;
	c->settled = -1;
	for (size_t i = 0; i < kr_n_summary_fields; i++)
		*kr_summary_at(&run->summary, &kr_summary_fields[i]) = NAN;
	run->name = run->protocol = run->strategy = "";
	run->static_membership = -1;
	return run;
}

/* n elements of size elem, zeroed (at least one, so NULL means failure). */
static void *zalloc(size_t n, size_t elem)
{
	return calloc(n ? n : 1, elem);
}

int kr_run_alloc(kr_run *run, size_t n_members, size_t n_topics, size_t n_events,
		 size_t n_rebalances, size_t n_partitions, size_t n_intervals, size_t n_lag,
		 size_t n_strs)
{
	kr_member *m = zalloc(n_members, sizeof(*m));
	kr_topic *t = zalloc(n_topics, sizeof(*t));
	kr_event *e = zalloc(n_events, sizeof(*e));
	kr_rebalance *b = zalloc(n_rebalances, sizeof(*b));
	kr_partition *p = zalloc(n_partitions, sizeof(*p));
	kr_interval *iv = zalloc(n_intervals, sizeof(*iv));
	double(*lag)[2] = zalloc(n_lag, sizeof(*lag));
	const char **s = zalloc(n_strs, sizeof(*s));
	if (!m || !t || !e || !b || !p || !iv || !lag || !s) {
		free(m);
		free(t);
		free(e);
		free(b);
		free(p);
		free(iv);
		free(lag);
		free(s);
		return -1;
	}
	for (size_t i = 0; i < n_members; i++)
		m[i].listed = 1;
	for (size_t i = 0; i < n_events; i++) {
		e[i].member = e[i].topic = -1;
		e[i].count = NAN;
	}
	for (size_t i = 0; i < n_rebalances; i++) {
		kr_rebalance *x = &b[i];
		x->start_ms = x->end_ms = NAN;
		x->members = x->revoked = x->assigned = x->moved = NAN;
		x->assign_ms = x->stop_the_world_ms = NAN;
		x->superseded = -1;
	}
	free(run->members);
	free(run->topics);
	free(run->events);
	free(run->rebalances);
	free(run->partitions);
	free(run->intervals);
	free(run->lag);
	free(run->strs);
	run->members = m;
	run->n_members = run->cap_members = n_members;
	run->topics = t;
	run->n_topics = n_topics;
	run->events = e;
	run->n_events = n_events;
	run->rebalances = b;
	run->n_rebalances = n_rebalances;
	run->partitions = p;
	run->n_partitions = n_partitions;
	run->intervals = iv;
	run->n_intervals = n_intervals;
	run->lag = lag;
	run->n_lag = n_lag;
	run->strs = s;
	run->n_strs = n_strs;
	return 0;
}

int kr_run_alloc_assumptions(kr_run *run, size_t n)
{
	kr_pair *a = zalloc(n, sizeof(*a));
	if (!a)
		return -1;
	free(run->context.assumptions);
	run->context.assumptions = a;
	run->context.n_assumptions = n;
	run->context.has_assumptions = 1;
	return 0;
}

const char *kr_run_strdup(kr_run *run, const char *s)
{
	const size_t len = strlen(s) + 1;
	struct kr_pool *p = run->pool;
	if (!p || p->cap - p->used < len) {
		const size_t cap = len > 4096 ? len : 4096;
		p = malloc(sizeof(*p) + cap);
		if (!p)
			return NULL;
		p->next = run->pool;
		p->used = 0;
		p->cap = cap;
		run->pool = p;
	}
	char *d = p->bytes + p->used;
	memcpy(d, s, len);
	p->used += len;
	return d;
}

int kr_run_event_state(const char *type, int state)
{
	if (strcmp(type, "join") == 0 || strcmp(type, "start") == 0)
		return KR_PRESENT;
	if (strcmp(type, "stop") == 0)
		return KR_STOPPED;
	if (strcmp(type, "leave") == 0 || strcmp(type, "expire") == 0)
		return KR_ABSENT;
	return state;
}

void kr_run_free(kr_run *run)
{
	if (!run)
		return;
	json_decref(run->plan);
	json_decref(run->root);
	free(run->context.assumptions);
	free(run->members);
	free(run->slots);
	free(run->topics);
	free(run->events);
	free(run->event_order);
	free(run->rebalances);
	free(run->partitions);
	free(run->intervals);
	free(run->lag);
	free(run->strs);
	while (run->pool) {
		struct kr_pool *next = run->pool->next;
		free(run->pool);
		run->pool = next;
	}
	free(run);
}
