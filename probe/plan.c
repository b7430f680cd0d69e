/*
 * probe_plan.c - a run plan (docs/simulation.md) for `kassign probe`: read
 * and validated by the simulator's reader (sim/plan.c, ks_plan_load), then
 * checked against what librdkafka 2.0.2 and its mock cluster can do, and
 * its events expanded into member actions.
 *
 * The expansion is a dry run of the events in time order (ties in plan
 * order) over the set of running members, so that `leave` by count,
 * `scale` and `rolling-restart` name their members before any consumer
 * starts, and a plan that would stop a member that is not running is
 * refused up front rather than half-way through a run.
 */
#include "probe/probe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kassign/kassign.h>

#include "sim/sim.h"

/* More consumers than this would each need their own librdkafka threads
 * (four or so) on one machine: beyond it the probe measures the machine. */
#define KP_MAX_MEMBERS 1000
/* Partitions per topic the probe creates (on the mock: in memory). */
#define KP_MAX_TOPIC_PARTITIONS 100000

/* Messages as sim/plan.c writes them: "plan.json: place: rule". */
static void plan_error(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void plan_error(const char *path, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "kassign probe: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void plan_warning(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void plan_warning(const char *path, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "kassign probe: %s: warning: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void msg_to_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "kassign probe: %s\n", line);
}

static char *dup_name(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fputs("kassign probe: out of memory\n", stderr);
		exit(2);
	}
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fputs("kassign probe: out of memory\n", stderr);
		exit(2);
	}
	return q;
}

/* A member that subscribes to every topic, named m%04u (the first such
 * name not taken). */
static uint32_t add_member(kp_plan *p)
{
	char name[32];
	for (uint32_t k = p->n_members;; k++) {
		snprintf(name, sizeof(name), "m%04u", k);
		uint32_t i;
		for (i = 0; i < p->n_members; i++)
			if (strcmp(p->member_name[i], name) == 0)
				break;
		if (i == p->n_members)
			break;
	}
	uint32_t m = p->n_members++;
	p->member_name = xrealloc(p->member_name, p->n_members * sizeof(*p->member_name));
	p->member_name[m] = dup_name(name);
	p->sub_off = xrealloc(p->sub_off, (p->n_members + 1) * sizeof(*p->sub_off));
	if (m == 0)
		p->sub_off[0] = 0;
	p->sub_topic =
	    xrealloc(p->sub_topic, (p->sub_off[m] + p->n_topics) * sizeof(*p->sub_topic));
	for (uint32_t t = 0; t < p->n_topics; t++)
		p->sub_topic[p->sub_off[m] + t] = t;
	p->sub_off[m + 1] = p->sub_off[m] + p->n_topics;
	return m;
}

static void add_topic(kp_plan *p, const char *name, uint32_t partitions)
{
	uint32_t t = p->n_topics++;
	p->topic_name = xrealloc(p->topic_name, p->n_topics * sizeof(*p->topic_name));
	p->topic_name[t] = dup_name(name);
	p->topic_off = xrealloc(p->topic_off, (p->n_topics + 1) * sizeof(*p->topic_off));
	if (t == 0)
		p->topic_off[0] = 0;
	p->topic_off[t + 1] = p->topic_off[t] + partitions;
	p->n_partitions = p->topic_off[t + 1];
}

static void push_action(kp_plan *p, double at, int kind, uint32_t member, const char *event,
			uint32_t plan_event)
{
	p->actions = xrealloc(p->actions, (p->n_actions + 1) * sizeof(*p->actions));
	kp_action *a = &p->actions[p->n_actions++];
	a->at_ms = at;
	a->kind = kind;
	a->member = member;
	a->event = event;
	a->plan_event = plan_event;
}

/* A pending action of the dry run: the second half of a restart. */
typedef struct pending {
	double at_ms;
	uint32_t member;
	uint32_t plan_event;
} pending;

/* The dry run's state: who runs, and the restarts waiting to start. */
typedef struct dry_run {
	kp_plan *p;
	const char *path;
	uint8_t *running; /* [p->n_members] */
	pending *pend;
	size_t n_pend;
} dry_run;

/* The earliest pending start, when it comes no later than the next event
 * (next: NULL when none is left), is pushed. Returns 1 when one was. */
static int start_pending(dry_run *d, const ks_plan_event *next)
{
	size_t best = d->n_pend;
	for (size_t k = 0; k < d->n_pend; k++)
		if (best == d->n_pend || d->pend[k].at_ms < d->pend[best].at_ms)
			best = k;
	if (best == d->n_pend || (next && d->pend[best].at_ms > next->at_ms))
		return 0;
	push_action(d->p, d->pend[best].at_ms, KP_START, d->pend[best].member, "start",
		    d->pend[best].plan_event);
	d->running[d->pend[best].member] = 1;
	d->pend[best] = d->pend[--d->n_pend];
	return 1;
}

/* join, or scale up: k new members start. Returns 0, or -1 after a
 * message. */
static int expand_join(dry_run *d, const ks_plan_event *e, const char *where, uint32_t alive)
{
	kp_plan *p = d->p;
	uint32_t k = e->type == KS_EV_JOIN ? e->count : e->to - alive;
	if (p->n_members + k > KP_MAX_MEMBERS) {
		plan_error(d->path, "%s: more than %d members in the run", where, KP_MAX_MEMBERS);
		return -1;
	}
	d->running = xrealloc(d->running, p->n_members + k);
	for (uint32_t j = 0; j < k; j++) {
		uint32_t m = add_member(p);
		d->running[m] = 1;
		push_action(p, e->at_ms, KP_START, m, "join", e->index);
	}
	return 0;
}

/* leave, crash, or scale down: the member named, or that many running
 * members, the ones that joined last first. Returns 0, or -1 after a
 * message. */
static int expand_stop(dry_run *d, const ks_plan_event *e, const char *where, uint32_t alive)
{
	kp_plan *p = d->p;
	int crash = e->type == KS_EV_CRASH;
	uint32_t k = e->type == KS_EV_SCALE ? alive - e->to : e->count;
	if (e->member >= 0) {
		if (!d->running[e->member]) {
			plan_error(d->path, "%s: member %s is not running then", where,
				   p->member_name[e->member]);
			return -1;
		}
		d->running[e->member] = 0;
		push_action(p, e->at_ms, crash ? KP_CRASH : KP_CLOSE, (uint32_t)e->member,
			    crash ? "stop" : "leave", e->index);
		return 0;
	}
	if (k > alive) {
		plan_error(d->path, "%s: %u members to stop, %u running", where, k, alive);
		return -1;
	}
	for (uint32_t m = p->n_members; k && m-- > 0;)
		if (d->running[m]) {
			d->running[m] = 0;
			push_action(p, e->at_ms, crash ? KP_CRASH : KP_CLOSE, m,
				    crash ? "stop" : "leave", e->index);
			k--;
		}
	return 0;
}

/* restart: the member stops now and its start waits restart_ms among the
 * pending ones. Returns 0, or -1 after a message. */
static int expand_restart(dry_run *d, const ks_plan_event *e, const char *where)
{
	kp_plan *p = d->p;
	if (!d->running[e->member]) {
		plan_error(d->path, "%s: member %s is not running then", where,
			   p->member_name[e->member]);
		return -1;
	}
	d->running[e->member] = 0;
	push_action(p, e->at_ms, e->stop == KS_STOP_KILL ? KP_CRASH : KP_CLOSE, (uint32_t)e->member,
		    "stop", e->index);
	d->pend = xrealloc(d->pend, (d->n_pend + 1) * sizeof(*d->pend));
	d->pend[d->n_pend++] = (pending){e->at_ms + p->restart_ms, (uint32_t)e->member, e->index};
	return 0;
}

/* rolling-restart: count running members, in member order, each stopped
 * and started again restart_ms later, the next one gap_ms after that.
 * Returns 0, or -1 after a message. */
static int expand_rolling(dry_run *d, const ks_plan_event *e, const char *where, uint32_t alive)
{
	kp_plan *p = d->p;
	if (e->count > alive) {
		plan_error(d->path, "%s: %u restarts, %u members running", where, e->count, alive);
		return -1;
	}
	double t = e->at_ms;
	uint32_t k = 0;
	for (uint32_t m = 0; m < p->n_members && k < e->count; m++) {
		if (!d->running[m])
			continue;
		/* Stopped now or later: the dry run keeps it running until its
		 * own stop, which is pushed in time order with the rest by
		 * sorting at the end. */
		push_action(p, t, e->stop == KS_STOP_KILL ? KP_CRASH : KP_CLOSE, m, "stop",
			    e->index);
		push_action(p, t + p->restart_ms, KP_START, m, "start", e->index);
		t += p->restart_ms + e->gap_ms;
		k++;
	}
	return 0;
}

/* The dry run: events in time order over the running members. Restarts
 * come back as pending starts, merged in time order with later events (a
 * start at the time of an event goes first). Returns 0, or -1 after a
 * message. */
static int expand_events(kp_plan *p, const char *path, const ks_plan *ks)
{
	const ks_plan_event *ev = ks->events; /* already in time order, ties in plan order */
	const size_t n_ev = ks->n_events;
	json_t *jev = json_object_get(ks->json, "events");
	dry_run d = {p, path, xrealloc(NULL, p->n_members), NULL, 0};
	int rc = 0;
	for (uint32_t m = 0; m < p->n_members; m++)
		d.running[m] = 1;
	size_t i = 0;
	while (rc == 0) {
		if (start_pending(&d, i < n_ev ? &ev[i] : NULL))
			continue;
		if (i == n_ev)
			break;
		const ks_plan_event *e = &ev[i++];
		const char *type =
		    json_string_value(json_object_get(json_array_get(jev, e->index), "type"));
		char where[96];
		snprintf(where, sizeof(where), "events[%u] (%s at %g ms)", e->index, type,
			 e->at_ms);
		uint32_t alive = 0;
		for (uint32_t m = 0; m < p->n_members; m++)
			alive += d.running[m];
		if (e->type == KS_EV_JOIN || (e->type == KS_EV_SCALE && e->to > alive))
			rc = expand_join(&d, e, where, alive);
		else if (e->type == KS_EV_LEAVE || e->type == KS_EV_CRASH || e->type == KS_EV_SCALE)
			rc = expand_stop(&d, e, where, alive);
		else if (e->type == KS_EV_RESTART)
			rc = expand_restart(&d, e, where);
		else if (e->type == KS_EV_ROLLING_RESTART)
			rc = expand_rolling(&d, e, where, alive);
	}
	free(d.running);
	free(d.pend);
	return rc;
}

static int action_cmp(const void *a, const void *b)
{
	const kp_action *x = a, *y = b;
	if (x->at_ms != y->at_ms)
		return x->at_ms < y->at_ms ? -1 : 1;
	/* A stop before a start at the same time; else plan order. */
	if (x->plan_event != y->plan_event)
		return x->plan_event < y->plan_event ? -1 : 1;
	return (x->kind == KP_START) - (y->kind == KP_START);
}

/* The actions in time order must stop only running members and start only
 * stopped ones (rolling restarts overlapping other events can break it). */
static int check_actions(kp_plan *p, const char *path)
{
	if (p->n_actions)
		qsort(p->actions, p->n_actions, sizeof(*p->actions), action_cmp);
	uint8_t *running = xrealloc(NULL, p->n_members);
	for (uint32_t m = 0; m < p->n_members; m++)
		running[m] = m < p->n_initial;
	int rc = 0;
	for (size_t i = 0; i < p->n_actions && rc == 0; i++) {
		const kp_action *a = &p->actions[i];
		int start = a->kind == KP_START;
		if (running[a->member] == start) {
			plan_error(path, "events[%u]: member %s is %s at %g ms", a->plan_event,
				   p->member_name[a->member],
				   start ? "already running" : "not running", a->at_ms);
			rc = -1;
		}
		running[a->member] = (uint8_t)start;
	}
	free(running);
	return rc;
}

/* The protocol, the assignor and the client settings: what librdkafka
 * 2.0.2's consumers (and, without --bootstrap, its mock cluster) accept.
 * Every problem is reported. Returns 1 when there is one, else 0. */
static int check_client(const ks_plan *ks, const char *path, const kp_target *target)
{
	int bad = 0;
	if (ks->protocol == KS_CONSUMER) {
		plan_error(path, "protocol: \"consumer\" (KIP-848) is not in librdkafka 2.0.2; the "
				 "probe runs \"eager\" and \"cooperative\"");
		bad = 1;
	}
	const char *sn = ks->strategy->name;
	if (strcmp(sn, "range") != 0 && strcmp(sn, "roundrobin") != 0 &&
	    strcmp(sn, "cooperative-sticky") != 0) {
		plan_error(path,
			   "strategy: \"%s\" is not a client-side assignor of librdkafka; "
			   "librdkafka 2.0.2's consumers offer range, roundrobin and "
			   "cooperative-sticky",
			   sn);
		bad = 1;
	} else if (ks->protocol == KS_EAGER && strcmp(sn, "cooperative-sticky") == 0) {
		/* librdkafka takes the protocol from the assignor */
		plan_error(path, "strategy: cooperative-sticky runs under protocol \"cooperative\" "
				 "in librdkafka, not \"eager\"");
		bad = 1;
	}
	if (ks->static_membership && !target->bootstrap) {
		plan_error(path, "static_membership: librdkafka 2.0.2's mock cluster does not "
				 "support group.instance.id; run the plan against brokers with "
				 "--bootstrap, or without static membership");
		bad = 1;
	}
	if (ks->session_ms > 3600000) {
		plan_error(path, "config.session.timeout.ms: %g is above librdkafka's 3600000",
			   ks->session_ms);
		bad = 1;
	}
	if (ks->session_ms < 3500 && !target->bootstrap) {
		plan_error(path,
			   "config.session.timeout.ms: %g ms is under 3500 ms: librdkafka "
			   "2.0.2's mock cluster holds a first join for 3000 ms and expires "
			   "members waiting in it",
			   ks->session_ms);
		bad = 1;
	}
	if (ks->max_poll_ms < ks->session_ms) {
		plan_error(path,
			   "config.max.poll.interval.ms: %g must be at least "
			   "session.timeout.ms (%g) for librdkafka",
			   ks->max_poll_ms, ks->session_ms);
		bad = 1;
	}
	if (ks->rebalance_timeout_ms != ks->max_poll_ms)
		plan_warning(path, "config.rebalance.timeout.ms: librdkafka takes it from "
				   "max.poll.interval.ms; ignored");
	return bad;
}

/* The group, its events and faults: what the probe can start and play
 * with real consumers; a scenario's owned partitions and racks are said
 * to be ignored. Every problem is reported. Returns 1 when there is one,
 * else 0. */
static int check_group(const ks_plan *ks, const char *path)
{
	int bad = 0;
	if (ks->members < 1) {
		plan_error(path, "group: no member at the start; the probe's time 0 is the "
				 "group settled after its first join");
		bad = 1;
	}
	if (ks->members > KP_MAX_MEMBERS) {
		plan_error(path, "group: %u members, the probe runs at most %u", ks->members,
			   KP_MAX_MEMBERS);
		bad = 1;
	}
	for (uint32_t t = 0; t < ks->n_topics; t++)
		if (ks->topic_parts[t] < 1 || ks->topic_parts[t] > KP_MAX_TOPIC_PARTITIONS) {
			plan_error(path,
				   "group: topic %s has %u partitions, the probe creates 1..%u",
				   ks->topic_name[t], ks->topic_parts[t], KP_MAX_TOPIC_PARTITIONS);
			bad = 1;
		}
	for (size_t i = 0; i < ks->n_events; i++)
		if (ks->events[i].type == KS_EV_ADD_PARTITIONS) {
			plan_error(path,
				   "events[%u]: add-partitions is not supported by the probe "
				   "(librdkafka's mock cluster cannot add partitions to a topic)",
				   ks->events[i].index);
			bad = 1;
		} else if (ks->events[i].type == KS_EV_PAUSE ||
			   ks->events[i].type == KS_EV_SLOW_BATCH) {
			plan_error(path,
				   "events[%u]: %s is not supported by the probe (a real "
				   "consumer cannot be paused from outside)",
				   ks->events[i].index,
				   ks->events[i].type == KS_EV_PAUSE ? "pause" : "slow-batch");
			bad = 1;
		}
	if (ks->pause_per_hour > 0) {
		plan_error(path, "faults: random pauses are not supported by the probe");
		bad = 1;
	}
	const ka_group *g = ks->scenario;
	if (g && (g->flags & KA_GROUP_OWNED))
		plan_warning(path, "group.scenario: owned partitions ignored (real consumers "
				   "start with no assignment; the probe's time 0 is the group "
				   "settled after its first join)");
	if (g && g->n_racks)
		plan_warning(path, "group.scenario: racks ignored by the probe");
	return bad;
}

/* What librdkafka 2.0.2 and the target can run of a valid plan; every
 * problem is reported. Returns 0 or -1. */
static int check_target(const ks_plan *ks, const char *path, const kp_target *target)
{
	const int bad_client = check_client(ks, path, target);
	const int bad_group = check_group(ks, path);
	return bad_client || bad_group ? -1 : 0;
}

/* The starting group: topics in ks_plan's order, members with their
 * subscriptions (a scenario's, or every topic). */
static void copy_group(kp_plan *p, const ks_plan *ks)
{
	for (uint32_t t = 0; t < ks->n_topics; t++)
		add_topic(p, ks->topic_name[t], ks->topic_parts[t]);
	const ka_group *g = ks->scenario;
	if (!g) {
		for (uint32_t m = 0; m < ks->members; m++)
			add_member(p);
		return;
	}
	p->member_name = xrealloc(NULL, g->n_members * sizeof(*p->member_name));
	p->sub_off = xrealloc(NULL, (g->n_members + 1) * sizeof(*p->sub_off));
	p->sub_topic = xrealloc(NULL, g->sub_off[g->n_members] * sizeof(*p->sub_topic));
	for (uint32_t m = 0; m < g->n_members; m++)
		p->member_name[m] = dup_name(g->member_id[m]);
	memcpy(p->sub_off, g->sub_off, (g->n_members + 1) * sizeof(*p->sub_off));
	memcpy(p->sub_topic, g->sub_topic, g->sub_off[g->n_members] * sizeof(*p->sub_topic));
	p->n_members = g->n_members;
}

int kp_plan_load(kp_plan *p, const char *where, json_t *doc, const kp_target *target)
{
	memset(p, 0, sizeof(*p));
	ks_plan *ks = NULL;
	/* librdkafka's mock broker does not bound session.timeout.ms as a Kafka
	 * broker does (group.min.session.timeout.ms 6000): a plan for the mock
	 * says so, unless it sets the bound itself. */
	json_t *own = NULL;
	if (!target->bootstrap) {
		own =
		    doc ? json_deep_copy(doc) : json_load_file(where, JSON_REJECT_DUPLICATES, NULL);
		json_t *b = json_is_object(own) ? json_object_get(own, "broker") : NULL;
		if (json_is_object(own) && !b)
			json_object_set_new(own, "broker", b = json_object());
		if (json_is_object(b) && !json_object_get(b, "group.min.session.timeout.ms"))
			json_object_set_new(b, "group.min.session.timeout.ms", json_integer(1));
		if (!json_is_object(own)) {
			json_decref(own);
			own = NULL;
		}
	}
	int rc = own   ? ks_plan_from_json(where, own, &ks, msg_to_stderr, NULL)
		 : doc ? ks_plan_from_json(where, doc, &ks, msg_to_stderr, NULL)
		       : ks_plan_load(where, &ks, msg_to_stderr, NULL);
	json_decref(own);
	if (rc < 0)
		return -1;
	if (check_target(ks, where, target) < 0)
		goto fail;
	p->doc = json_incref(ks->json);
	p->cooperative = ks->protocol == KS_COOPERATIVE;
	p->strategy = ks->strategy->name;
	p->static_membership = ks->static_membership;
	p->session_ms = ks->session_ms;
	p->heartbeat_ms = ks->heartbeat_ms;
	p->max_poll_ms = ks->max_poll_ms;
	p->restart_ms = ks->restart_ms;
	p->revoke_callback_ms = ks->revoke_cb_ms;
	p->end_ms = ks->end_ms;
	copy_group(p, ks);
	p->n_initial = p->n_members;
	if (expand_events(p, where, ks) < 0 || check_actions(p, where) < 0)
		goto fail;
	ks_plan_free(ks);
	return 0;
fail:
	ks_plan_free(ks);
	kp_plan_free(p);
	return -1;
}

void kp_plan_free(kp_plan *p)
{
	json_decref(p->doc);
	for (uint32_t t = 0; t < p->n_topics; t++)
		free(p->topic_name[t]);
	for (uint32_t m = 0; m < p->n_members; m++)
		free(p->member_name[m]);
	free(p->topic_name);
	free(p->topic_off);
	free(p->member_name);
	free(p->sub_off);
	free(p->sub_topic);
	free(p->actions);
	memset(p, 0, sizeof(*p));
}
