/*
 * runfill.c - ks_run_write (sim.h): the simulator's run as the run model
 * (runfile/runfile.h), written by the run file's one writer. The model
 * borrows the run's and the plan's strings; only the ownership intervals
 * are copied, grouped by partition (a counting sort, which keeps the
 * order they were closed in: time order within each partition).
 */
#include "sim/sim.h"

#include <math.h>
#include <stdlib.h>

#include "runfile/runfile.h"

static void fill_context(kr_run *m, const ks_plan *plan, const ks_run *r, const ks_context *ctx,
			 const json_t *assumptions)
{
	kr_context *c = &m->context;
	m->has_context = 1;
	c->kassign_version = ctx->version;
	c->commit = ctx->commit;
	c->date = ctx->date;
	c->lag_step_ms = r->lag_step_ms;
	c->assign_ms = plan->assign_ms >= 0 ? "model" : "measured";
	const char *k;
	const json_t *v;
	size_t i = 0;
	json_object_foreach((json_t *)assumptions, k, v)
	{
		const char *s = json_string_value(v);
		m->context.assumptions[i++] = (kr_pair){k, s ? s : ""};
	}
}

static void fill_lists(kr_run *m, const ks_plan *plan, const ks_run *r)
{
	for (size_t i = 0; i < r->n_members; i++) {
		m->members[i].id = r->members[i].member_id;
		m->members[i].instance_id = r->members[i].instance_id;
	}
	for (uint32_t t = 0; t < r->n_topics; t++)
		m->topics[t] = (kr_topic){plan->topic_name[t], r->topic_parts[t]};
	for (size_t i = 0; i < r->n_events; i++) {
		const ks_run_event *e = &r->events[i];
		kr_event *x = &m->events[i];
		x->t_ms = e->t_ms;
		x->type = e->type;
		if (e->member != UINT32_MAX) {
			x->member = e->member;
		} else {
			x->topic = e->topic;
			x->count = e->count;
		}
	}
	for (size_t i = 0; i < r->n_rebalances; i++) {
		const ks_rebalance *b = &r->rebalances[i];
		m->rebalances[i] = (kr_rebalance){
		    .generation = b->generation,
		    .start_ms = b->start_ms,
		    .end_ms = b->end_ms,
		    .trigger = b->trigger,
		    .kind = b->kind ? b->kind : "eager",
		    .members = b->members,
		    .revoked = b->revoked,
		    .assigned = b->assigned,
		    .moved = b->moved,
		    .assign_ms = b->assign_ms,
		    .stop_the_world_ms = b->stop_the_world_ms,
		    .superseded = b->superseded ? 1 : -1,
		};
	}
	for (size_t i = 0; i < r->n_lag; i++) {
		m->lag[i][0] = r->lag[2 * i];
		m->lag[i][1] = round(r->lag[2 * i + 1]);
	}
}

/* Every partition of the final layout, its intervals in the order they
 * were closed. Returns 0 or -1 (out of memory). */
static int fill_ownership(kr_run *m, const ks_run *r)
{
	const uint32_t P = r->topic_off[r->n_topics];
	size_t *off = calloc((size_t)P + 1, sizeof(*off));
	if (!off)
		return -1;
	for (size_t i = 0; i < r->n_intervals; i++)
		off[r->intervals[i].partition + 1]++;
	for (uint32_t p = 0; p < P; p++)
		off[p + 1] += off[p];
	uint32_t t = 0;
	for (uint32_t p = 0; p < P; p++) {
		while (p >= r->topic_off[t + 1])
			t++;
		m->partitions[p] =
		    (kr_partition){t, p - r->topic_off[t], off[p], off[p + 1] - off[p]};
	}
	for (size_t i = 0; i < r->n_intervals; i++) {
		const ks_interval *iv = &r->intervals[i];
		m->intervals[off[iv->partition]++] =
		    (kr_interval){iv->from_ms, iv->to_ms, iv->member};
	}
	free(off);
	return 0;
}

static void fill_summary(kr_summary *d, const ks_summary *s)
{
	d->duration_ms = s->duration_ms;
	d->rebalances = s->rebalances;
	d->generations = s->generations;
	d->stop_the_world_ms = s->stop_the_world_ms;
	d->partitions_unowned = s->partitions_unowned;
	d->unowned_partition_seconds = round(s->unowned_partition_seconds * 1000) / 1000;
	d->max_lag = round(s->max_lag);
	d->time_to_drain_ms = s->time_to_drain_ms < 0 ? -1 : round(s->time_to_drain_ms);
	d->processed_twice = round(s->processed_twice);
	d->deploy_ms = s->deploy_ms < 0 ? -1 : s->deploy_ms;
	d->lag_message_seconds = round(s->lag_message_seconds);
	d->pauses = s->pauses;
	d->pause_expiries = s->pause_expiries;
	d->ownership_intervals = (double)s->ownership_intervals;
	d->ownership_omitted = s->ownership_omitted ? 1 : 0;
}

int ks_run_write(FILE *f, const ks_plan *plan, const ks_run *r, const ks_context *ctx)
{
	/* When the run omits its intervals, `ownership` is written empty. */
	const size_t n_parts = r->intervals ? r->topic_off[r->n_topics] : 0;
	const size_t n_iv = r->intervals ? r->n_intervals : 0;
	json_t *as = ks_plan_assumptions(plan);
	kr_run *m = kr_run_new();
	int rc = -1;
	if (!as || !m ||
	    kr_run_alloc(m, r->n_members, r->n_topics, r->n_events, r->n_rebalances, n_parts, n_iv,
			 r->n_lag, 0) < 0 ||
	    kr_run_alloc_assumptions(m, json_object_size(as)) < 0 ||
	    (r->intervals && fill_ownership(m, r) < 0))
		goto out;
	m->source = "simulate";
	m->plan = json_incref(plan->json);
	fill_context(m, plan, r, ctx, as);
	fill_lists(m, plan, r);
	m->has_ownership = 1;
	m->has_lag = 1;
	m->has_summary = 1;
	fill_summary(&m->summary, &r->summary);
	rc = kr_run_write(f, m);
out:
	kr_run_free(m);
	json_decref(as);
	return rc;
}
