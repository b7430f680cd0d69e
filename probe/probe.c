/*
 * probe.c - real librdkafka consumers playing a run plan (probe.h).
 *
 * One rd_kafka_t and one thread per running consumer, each polling; the
 * main thread starts, closes and crashes them on the wall clock as the
 * plan's actions say. What the run file reports comes from three sources,
 * all recorded under one mutex with the time they happened:
 *   - the rebalance callbacks (assign, revoke, incremental either way):
 *     partition ownership, the member id the coordinator handed out;
 *   - librdkafka's own `cgrp` debug lines, through the log callback: the
 *     JoinGroup response (generation, leader, member count: librdkafka 2.0.2
 *     has no public getter for the generation or the leader), JoinGroup
 *     requests and heartbeats answered "rebalance in progress" (when members
 *     learn of a rebalance), and followers entering wait-sync;
 *   - the actions themselves.
 * Nothing here calls librdkafka while holding the mutex: the log callback
 * runs on librdkafka's threads, which application calls wait on.
 *
 * librdkafka 2.0.2's mock cluster (the default) has quirks the probe works
 * around (docs/simulation.md, "The probe"):
 *   - the coordinator answers a SyncGroup that arrives after the leader's
 *     with REBALANCE_IN_PROGRESS, which starts another rebalance. The
 *     probe holds the leader in its JoinGroup-response log line until every
 *     follower of the generation has moved to wait-sync, plus a margin
 *     (KP_LEADER_MARGIN_MS), at most KP_LEADER_WAIT_MAX_MS;
 *   - a join phase lasts a fixed session.timeout.ms - 1000 (3000 ms for a
 *     first join), static membership is missing and short sessions expire
 *     members waiting in the first join: probe_plan.c refuses those plans.
 *
 * Time 0 of the run is the moment the initial group has settled (every
 * member assigned in one generation, every subscribed partition owned,
 * nothing happening for a heartbeat interval and a half second); the
 * warm-up before it is not part of the run, like a simulation starting from
 * a settled group.
 */
#include "probe/probe.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "cli/cli.h"

#define KP_LEADER_MARGIN_MS   20.0
#define KP_LEADER_WAIT_MAX_MS 2000.0
#define KP_POLL_MS            50
#define KP_NONE               UINT32_MAX

/* ------------------------------------------------------------------ records */

typedef struct kp_cb_rec {
	double t;
	uint32_t cons;
	int assign;  /* 1 assign, 0 revoke */
	int closing; /* the consumer was closing or lost its partitions */
	int32_t gen; /* the consumer's generation then */
	uint32_t n;
	uint32_t *parts; /* global partition indexes */
} kp_cb_rec;

typedef struct kp_join_rec {
	double t;
	uint32_t cons;
	int32_t gen;
	int leader;
	int32_t members; /* the leader's member count */
} kp_join_rec;

typedef struct kp_ev_rec {
	double t;
	const char *type;
	uint32_t member;
	int kind; /* enum kp_action_kind */
} kp_ev_rec;

typedef struct kp_interval {
	double from, to;
	uint32_t member;
} kp_interval;

typedef struct kp_part {
	uint32_t holder; /* consumer (incarnation) holding it, KP_NONE */
	double since;
	kp_interval *iv;
	size_t n_iv, cap_iv;
} kp_part;

typedef struct kp_probe kp_probe;

/* One incarnation of a member: a restart makes a new one. */
typedef struct kp_cons {
	kp_probe *pr;
	uint32_t index;
	uint32_t member;
	rd_kafka_t *rk;
	pthread_t thread;
	int has_thread;
	atomic_int stop; /* 0, or KP_CLOSE / KP_CRASH */
	/* under pr->mu */
	int running; /* started, not stopped by an action */
	int gone;    /* rd_kafka_destroy returned */
	int left;    /* sent a LeaveGroup */
	double stop_t;
	int32_t gen;
	int32_t sync_gen;    /* generation whose SyncGroup it has sent (followers) */
	int assigned;        /* an assign callback since its last JoinGroup response */
	int joining;         /* asked to join, or told of a rebalance, since its last assign */
	char member_id[128]; /* the coordinator's, "" until known */
} kp_cons;

struct kp_probe {
	const kp_plan *plan;
	const kp_options *opt;
	pthread_mutex_t mu;
	int started; /* time 0 is set: intervals and steps are recorded */
	double t0;   /* run time 0, CLOCK_MONOTONIC ms */
	char bootstrap[512];
	char group_id[128];

	kp_cons **cons;
	size_t n_cons, cap_cons;

	kp_part *part;
	uint32_t owned; /* partitions with a holder */
	double *steps;  /* (t, owned) pairs, from t0 */
	size_t n_steps, cap_steps;
	uint32_t double_owned;

	kp_cb_rec *cb;
	size_t n_cb, cap_cb;
	kp_join_rec *join;
	size_t n_join, cap_join;
	double *marks; /* a member learned of, or asked for, a rebalance */
	size_t n_marks, cap_marks;
	kp_ev_rec *ev;
	size_t n_ev, cap_ev;

	double last_activity;
	uint32_t callback_errors;
	double held_ms; /* total leader hold */
	uint32_t holds;
};

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(p, n * elem);
	if (!q) {
		fputs("kassign probe: out of memory\n", stderr);
		exit(KH_EXIT_USAGE);
	}
	*cap = n;
	return q;
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) / 1e6;
}

static void sleep_ms(double ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ------------------------------------------------------------------ ownership (under mu) */

static void step_record(kp_probe *pr, double t)
{
	if (!pr->started)
		return;
	pr->steps = grow(pr->steps, &pr->cap_steps, 2 * (pr->n_steps + 1), sizeof(*pr->steps));
	pr->steps[pr->n_steps * 2] = t;
	pr->steps[pr->n_steps * 2 + 1] = pr->owned;
	pr->n_steps++;
}

static void part_close(kp_probe *pr, uint32_t p, double t)
{
	kp_part *x = &pr->part[p];
	if (x->holder == KP_NONE)
		return;
	if (pr->started) {
		double from = x->since < pr->t0 ? pr->t0 : x->since;
		x->iv = grow(x->iv, &x->cap_iv, x->n_iv + 1, sizeof(*x->iv));
		x->iv[x->n_iv++] = (kp_interval){from, t, pr->cons[x->holder]->member};
	}
	x->holder = KP_NONE;
	pr->owned--;
	step_record(pr, t);
}

static void part_open(kp_probe *pr, uint32_t p, uint32_t cons, double t)
{
	kp_part *x = &pr->part[p];
	if (x->holder == cons)
		return;
	if (x->holder != KP_NONE) {
		/* Given while another member still holds it: the run says so. */
		pr->double_owned++;
		part_close(pr, p, t);
	}
	x->holder = cons;
	x->since = t;
	pr->owned++;
	step_record(pr, t);
}

static void cons_release_all(kp_probe *pr, uint32_t cons, double t)
{
	for (uint32_t p = 0; p < pr->plan->n_partitions; p++)
		if (pr->part[p].holder == cons)
			part_close(pr, p, t);
}

/* ------------------------------------------------------------------ callbacks */

static uint32_t part_index(const kp_plan *plan, const char *topic, int32_t partition)
{
	for (uint32_t t = 0; t < plan->n_topics; t++)
		if (strcmp(plan->topic_name[t], topic) == 0) {
			if (partition < 0 ||
			    (uint32_t)partition >= plan->topic_off[t + 1] - plan->topic_off[t])
				return KP_NONE;
			return plan->topic_off[t] + (uint32_t)partition;
		}
	return KP_NONE;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	kp_cons *c = opaque;
	kp_probe *pr = c->pr;
	const kp_plan *plan = pr->plan;
	const int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
	const int lost = !assign && rd_kafka_assignment_lost(rk);
	char *mid = rd_kafka_memberid(rk);

	if (!assign && plan->revoke_callback_ms > 0)
		sleep_ms(plan->revoke_callback_ms);

	uint32_t *idx = malloc(((size_t)parts->cnt + 1) * sizeof(*idx));
	uint32_t n = 0;
	for (int i = 0; idx && i < parts->cnt; i++) {
		uint32_t p = part_index(plan, parts->elems[i].topic, parts->elems[i].partition);
		if (p != KP_NONE)
			idx[n++] = p;
	}
	pthread_mutex_lock(&pr->mu);
	double t = mono_ms();
	if (mid && *mid)
		snprintf(c->member_id, sizeof(c->member_id), "%s", mid);
	if (c->running || atomic_load(&c->stop) == KP_CLOSE) {
		pr->cb = grow(pr->cb, &pr->cap_cb, pr->n_cb + 1, sizeof(*pr->cb));
		pr->cb[pr->n_cb++] =
		    (kp_cb_rec){t, c->index, assign, lost || !c->running, c->gen, n, idx};
		idx = NULL;
		kp_cb_rec *r = &pr->cb[pr->n_cb - 1];
		for (uint32_t i = 0; i < r->n; i++) {
			if (assign)
				part_open(pr, r->parts[i], c->index, t);
			else if (pr->part[r->parts[i]].holder == c->index)
				part_close(pr, r->parts[i], t);
		}
		if (assign) {
			c->assigned = 1;
			c->joining = 0;
		} else if (!plan->cooperative) {
			c->assigned = 0;
		}
		pr->last_activity = t;
	}
	pthread_mutex_unlock(&pr->mu);
	free(idx);
	if (mid)
		free(mid);

	rd_kafka_error_t *e = NULL;
	rd_kafka_resp_err_t ae = RD_KAFKA_RESP_ERR_NO_ERROR;
	if (plan->cooperative)
		e = assign ? rd_kafka_incremental_assign(rk, parts)
			   : rd_kafka_incremental_unassign(rk, parts);
	else
		ae = rd_kafka_assign(rk, assign ? parts : NULL);
	if (e || ae) {
		pthread_mutex_lock(&pr->mu);
		pr->callback_errors++;
		pthread_mutex_unlock(&pr->mu);
		if (e)
			rd_kafka_error_destroy(e);
	}
}

/* "... GenerationId 3, Protocol range, LeaderId X (me), my MemberId X,
 * member metadata count 4: (no error)" */
static void on_joingroup_response(kp_cons *c, const char *buf)
{
	kp_probe *pr = c->pr;
	const char *g = strstr(buf, "GenerationId ");
	const char *n = strstr(buf, "member metadata count ");
	if (!g || !n || !strstr(buf, "(no error)"))
		return;
	int32_t gen = (int32_t)strtol(g + 13, NULL, 10);
	int32_t members = (int32_t)strtol(n + 22, NULL, 10);
	int leader = strstr(buf, " (me), ") != NULL;

	pthread_mutex_lock(&pr->mu);
	double t = mono_ms();
	pr->join = grow(pr->join, &pr->cap_join, pr->n_join + 1, sizeof(*pr->join));
	pr->join[pr->n_join++] = (kp_join_rec){t, c->index, gen, leader, members};
	c->gen = gen;
	c->assigned = 0;
	pr->last_activity = t;
	pthread_mutex_unlock(&pr->mu);

	if (!leader || pr->opt->leader_hold_ms == 0)
		return;
	/* Hold the leader: this is its librdkafka main thread, and its
	 * assignor and SyncGroup come after this line. A fixed hold when one
	 * is given; else until its followers have sent their SyncGroup (they
	 * log wait-sync just before), and a margin for the request to reach
	 * the coordinator. */
	double start = mono_ms();
	if (pr->opt->leader_hold_ms > 0) {
		sleep_ms(pr->opt->leader_hold_ms);
	} else {
		for (;;) {
			int32_t synced = 0;
			pthread_mutex_lock(&pr->mu);
			for (size_t i = 0; i < pr->n_cons; i++)
				synced += pr->cons[i] != c && pr->cons[i]->sync_gen == gen;
			pthread_mutex_unlock(&pr->mu);
			if (synced >= members - 1 || mono_ms() - start >= KP_LEADER_WAIT_MAX_MS)
				break;
			sleep_ms(2);
		}
		sleep_ms(KP_LEADER_MARGIN_MS);
	}
	pthread_mutex_lock(&pr->mu);
	pr->held_ms += mono_ms() - start;
	pr->holds++;
	pthread_mutex_unlock(&pr->mu);
}

/* --trace-only: fac is one of the comma-separated list (NULL: all). */
static int trace_wanted(const char *only, const char *fac)
{
	if (!only)
		return 1;
	const size_t n = strlen(fac);
	for (const char *p = only; *p;) {
		const size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, fac, n) == 0)
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)level;
	kp_cons *c = rd_kafka_opaque(rk);
	if (!c)
		return;
	kp_probe *pr = c->pr;
	if (pr->opt->trace && trace_wanted(pr->opt->trace_only, fac))
		fprintf(stderr, "trace %10.1f %s %s %s\n", mono_ms() - pr->t0, rd_kafka_name(rk),
			fac, buf);
	if (strcmp(fac, "JOINGROUP") == 0 && strstr(buf, "JoinGroup response:")) {
		on_joingroup_response(c, buf);
		return;
	}
	int mark =
	    (strstr(buf, "Joining group \"") != NULL) ||
	    (strstr(buf, "heartbeat error response") && strstr(buf, "rebalance in progress"));
	int to_sync = strstr(buf, "changed join state wait-join -> wait-sync") != NULL;
	int left = strcmp(fac, "LEAVE") == 0 && strstr(buf, "leave (in state");
	if (!mark && !to_sync && !left)
		return;
	pthread_mutex_lock(&pr->mu);
	double t = mono_ms();
	if (mark && c->running) {
		pr->marks = grow(pr->marks, &pr->cap_marks, pr->n_marks + 1, sizeof(*pr->marks));
		pr->marks[pr->n_marks++] = t;
		pr->last_activity = t;
		c->joining = 1;
	}
	if (to_sync)
		c->sync_gen = c->gen;
	if (left)
		c->left = 1;
	pthread_mutex_unlock(&pr->mu);
}

static void on_log_quiet(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)level;
	(void)fac;
	(void)buf;
}

/* ------------------------------------------------------------------ consumers */

static void *cons_main(void *arg)
{
	kp_cons *c = arg;
	while (!atomic_load(&c->stop)) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, KP_POLL_MS);
		if (m)
			rd_kafka_message_destroy(m);
	}
	int how = atomic_load(&c->stop);
	if (how == KP_CLOSE)
		rd_kafka_consumer_close(c->rk);
	rd_kafka_destroy_flags(c->rk, how == KP_CRASH ? RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE : 0);
	c->rk = NULL;
	pthread_mutex_lock(&c->pr->mu);
	double t = mono_ms();
	cons_release_all(c->pr, c->index, t);
	c->gone = 1;
	c->pr->last_activity = t;
	pthread_mutex_unlock(&c->pr->mu);
	return NULL;
}

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t len)
{
	return rd_kafka_conf_set(conf, k, v, err, len) == RD_KAFKA_CONF_OK ? 0 : -1;
}

static int conf_set_ms(rd_kafka_conf_t *conf, const char *k, double v, char *err, size_t len)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%.0f", v);
	return conf_set(conf, k, buf, err, len);
}

/* Starts member m as a new consumer. Returns 0, or -1 with err set. */
static int cons_start(kp_probe *pr, uint32_t m, char *err, size_t len)
{
	const kp_plan *plan = pr->plan;
	kp_cons *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	c->pr = pr;
	c->member = m;
	c->gen = -1;
	c->sync_gen = -1;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char instance[160];
	const char *name = plan->member_name[m];
	snprintf(instance, sizeof(instance), "i%s", name[0] == 'm' ? name + 1 : name);
	if (conf_set(conf, "bootstrap.servers", pr->bootstrap, err, len) < 0 ||
	    conf_set(conf, "group.id", pr->group_id, err, len) < 0 ||
	    conf_set(conf, "client.id", name, err, len) < 0 ||
	    conf_set(conf, "partition.assignment.strategy", plan->strategy, err, len) < 0 ||
	    conf_set_ms(conf, "session.timeout.ms", plan->session_ms, err, len) < 0 ||
	    conf_set_ms(conf, "heartbeat.interval.ms", plan->heartbeat_ms, err, len) < 0 ||
	    conf_set_ms(conf, "max.poll.interval.ms", plan->max_poll_ms, err, len) < 0 ||
	    conf_set(conf, "enable.auto.commit", "false", err, len) < 0 ||
	    conf_set(conf, "debug", "cgrp", err, len) < 0 ||
	    (plan->static_membership &&
	     conf_set(conf, "group.instance.id", instance, err, len) < 0)) {
		rd_kafka_conf_destroy(conf);
		free(c);
		return -1;
	}
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rd_kafka_conf_set_opaque(conf, c);

	pthread_mutex_lock(&pr->mu);
	pr->cons = grow(pr->cons, &pr->cap_cons, pr->n_cons + 1, sizeof(*pr->cons));
	c->index = (uint32_t)pr->n_cons;
	pr->cons[pr->n_cons++] = c;
	c->running = 1;
	pr->last_activity = mono_ms();
	pthread_mutex_unlock(&pr->mu);

	c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, len);
	if (!c->rk) {
		rd_kafka_conf_destroy(conf);
		pthread_mutex_lock(&pr->mu);
		c->running = 0;
		pthread_mutex_unlock(&pr->mu);
		return -1;
	}
	rd_kafka_poll_set_consumer(c->rk);
	uint32_t n = plan->sub_off[m + 1] - plan->sub_off[m];
	rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)n + 1);
	for (uint32_t i = plan->sub_off[m]; i < plan->sub_off[m + 1]; i++)
		rd_kafka_topic_partition_list_add(subs, plan->topic_name[plan->sub_topic[i]],
						  RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t se = n ? rd_kafka_subscribe(c->rk, subs) : RD_KAFKA_RESP_ERR_NO_ERROR;
	rd_kafka_topic_partition_list_destroy(subs);
	if (se) {
		snprintf(err, len, "subscribe: %s", rd_kafka_err2str(se));
		atomic_store(&c->stop, KP_CRASH);
	}
	if (pthread_create(&c->thread, NULL, cons_main, c) != 0) {
		snprintf(err, len, "cannot start a thread");
		rd_kafka_destroy(c->rk);
		c->rk = NULL;
		return -1;
	}
	c->has_thread = 1;
	return se ? -1 : 0;
}

/* The running incarnation of member m, or NULL. */
static kp_cons *cons_of(kp_probe *pr, uint32_t m)
{
	for (size_t i = pr->n_cons; i-- > 0;)
		if (pr->cons[i]->member == m && pr->cons[i]->running)
			return pr->cons[i];
	return NULL;
}

static void cons_stop(kp_probe *pr, kp_cons *c, int how)
{
	pthread_mutex_lock(&pr->mu);
	c->running = 0;
	double t = mono_ms();
	c->stop_t = t;
	/* A crashed consumer processes nothing from now on; a closing one
	 * gives its partitions up in its revoke callback. */
	if (how == KP_CRASH)
		cons_release_all(pr, c->index, t);
	pr->last_activity = t;
	pthread_mutex_unlock(&pr->mu);
	atomic_store(&c->stop, how);
}

/* ------------------------------------------------------------------ settling */

/* Every stopped consumer gone, every running one assigned in one
 * generation and not rejoining, every partition one of them subscribes to
 * owned, and nothing seen for `quiet` ms. */
static int settled(kp_probe *pr, double now, double quiet, uint32_t *assigned, uint32_t *running)
{
	const kp_plan *plan = pr->plan;
	int ok = now - pr->last_activity >= quiet;
	int32_t gen = INT32_MIN;
	*assigned = *running = 0;
	uint8_t *want = calloc(plan->n_partitions + 1, 1);
	for (size_t i = 0; i < pr->n_cons; i++) {
		const kp_cons *c = pr->cons[i];
		if (!c->running && !c->gone && c->has_thread)
			ok = 0; /* still closing: its LeaveGroup may be yet to come */
		/* Gone without a LeaveGroup (a crash; or a cooperative member
		 * closing with no partitions, which librdkafka 2.0.2 lets go
		 * silently): the coordinator notices at the session timeout
		 * (the mock looks once a second), the others at a heartbeat. */
		if (!c->running && c->gen >= 0 && !c->left &&
		    now < c->stop_t + plan->session_ms + 1100 + plan->heartbeat_ms)
			ok = 0;
		if (!c->running)
			continue;
		(*running)++;
		*assigned += c->assigned;
		if (!c->assigned || c->joining || (gen != INT32_MIN && c->gen != gen))
			ok = 0;
		gen = c->gen;
		for (uint32_t k = plan->sub_off[c->member];
		     want && k < plan->sub_off[c->member + 1]; k++) {
			uint32_t t = plan->sub_topic[k];
			memset(want + plan->topic_off[t], 1,
			       plan->topic_off[t + 1] - plan->topic_off[t]);
		}
	}
	for (uint32_t p = 0; want && p < plan->n_partitions; p++)
		if (want[p] && pr->part[p].holder == KP_NONE)
			ok = 0;
	free(want);
	return ok;
}

/* ------------------------------------------------------------------ the cluster */

static int mock_start(kp_probe *pr, rd_kafka_t **host, rd_kafka_mock_cluster_t **mc)
{
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, on_log_quiet);
	*host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!*host) {
		rd_kafka_conf_destroy(conf);
		kh_error("probe", "cannot start librdkafka: %s", err);
		return -1;
	}
	*mc = rd_kafka_mock_cluster_new(*host, 1);
	if (!*mc) {
		kh_error("probe", "cannot start librdkafka's mock cluster");
		return -1;
	}
	snprintf(pr->bootstrap, sizeof(pr->bootstrap), "%s", rd_kafka_mock_cluster_bootstraps(*mc));
	for (uint32_t t = 0; t < pr->plan->n_topics; t++) {
		int n = (int)(pr->plan->topic_off[t + 1] - pr->plan->topic_off[t]);
		rd_kafka_resp_err_t e =
		    rd_kafka_mock_topic_create(*mc, pr->plan->topic_name[t], n, 1);
		if (e) {
			kh_error("probe", "mock cluster: cannot create topic %s: %s",
				 pr->plan->topic_name[t], rd_kafka_err2str(e));
			return -1;
		}
	}
	snprintf(pr->group_id, sizeof(pr->group_id), "kassign-probe");
	return 0;
}

/* Real brokers: reachable within a few seconds, topics there with the
 * plan's partition counts (created when missing). */
static int brokers_check(kp_probe *pr)
{
	const kp_plan *plan = pr->plan;
	char err[512];
	snprintf(pr->bootstrap, sizeof(pr->bootstrap), "%s", pr->opt->bootstrap);
	snprintf(pr->group_id, sizeof(pr->group_id), "kassign-probe-%ld-%ld", (long)getpid(),
		 (long)time(NULL));
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, on_log_quiet);
	if (conf_set(conf, "bootstrap.servers", pr->bootstrap, err, sizeof(err)) < 0) {
		rd_kafka_conf_destroy(conf);
		kh_error("probe", "--bootstrap %s: %s", pr->bootstrap, err);
		return -1;
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		kh_error("probe", "--bootstrap %s: %s", pr->bootstrap, err);
		return -1;
	}
	int rc = -1;
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, 5000);
	if (e) {
		kh_error("probe", "--bootstrap %s: no broker answered within 5 s (%s)",
			 pr->bootstrap, rd_kafka_err2str(e));
		goto out;
	}
	rd_kafka_NewTopic_t **nt = calloc(plan->n_topics + 1, sizeof(*nt));
	size_t n_new = 0;
	for (uint32_t t = 0; nt && t < plan->n_topics; t++) {
		int want = (int)(plan->topic_off[t + 1] - plan->topic_off[t]);
		int found = -1;
		for (int i = 0; i < md->topic_cnt; i++)
			if (strcmp(md->topics[i].topic, plan->topic_name[t]) == 0 &&
			    !md->topics[i].err)
				found = md->topics[i].partition_cnt;
		if (found >= 0 && found != want) {
			kh_error("probe", "--bootstrap %s: topic %s has %d partitions, the plan %d",
				 pr->bootstrap, plan->topic_name[t], found, want);
			goto free_new;
		}
		if (found < 0)
			nt[n_new++] =
			    rd_kafka_NewTopic_new(plan->topic_name[t], want, -1, err, sizeof(err));
	}
	if (n_new) {
		rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
		rd_kafka_AdminOptions_t *ao =
		    rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
		rd_kafka_AdminOptions_set_request_timeout(ao, 10000, err, sizeof(err));
		rd_kafka_CreateTopics(rk, nt, n_new, ao, q);
		rd_kafka_AdminOptions_destroy(ao);
		rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
		const rd_kafka_CreateTopics_result_t *res =
		    ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
		size_t cnt = 0;
		const rd_kafka_topic_result_t **tr =
		    res ? rd_kafka_CreateTopics_result_topics(res, &cnt) : NULL;
		int bad = !ev || rd_kafka_event_error(ev);
		for (size_t i = 0; !bad && i < cnt; i++)
			if (rd_kafka_topic_result_error(tr[i]) &&
			    rd_kafka_topic_result_error(tr[i]) !=
				RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
				kh_error("probe", "--bootstrap %s: cannot create topic %s: %s",
					 pr->bootstrap, rd_kafka_topic_result_name(tr[i]),
					 rd_kafka_topic_result_error_string(tr[i]));
				bad = 2;
			}
		if (bad == 1)
			kh_error("probe", "--bootstrap %s: cannot create topics: %s", pr->bootstrap,
				 ev ? rd_kafka_event_error_string(ev) : "no answer within 15 s");
		if (ev)
			rd_kafka_event_destroy(ev);
		rd_kafka_queue_destroy(q);
		if (bad)
			goto free_new;
	}
	rc = 0;
free_new:
	for (size_t i = 0; nt && i < n_new; i++)
		rd_kafka_NewTopic_destroy(nt[i]);
	free(nt);
out:
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_destroy(rk);
	return rc;
}

/* ------------------------------------------------------------------ the run file */

/* Times in the run file: to a tenth of a millisecond. */
static double ms(double t)
{
	return round(t * 10) / 10;
}

/* Time within [a, b] (absolute ms) during which no partition was owned. */
static double zero_owned_time(const kp_probe *pr, double a, double b, uint32_t owned_at_t0)
{
	double z = 0, t = pr->t0;
	uint32_t owned = owned_at_t0;
	for (size_t i = 0; i <= pr->n_steps; i++) {
		double next = i < pr->n_steps ? pr->steps[2 * i] : b;
		if (next > b)
			next = b;
		if (owned == 0) {
			double lo = t > a ? t : a, hi = next;
			if (hi > lo)
				z += hi - lo;
		}
		if (i < pr->n_steps) {
			t = pr->steps[2 * i];
			owned = (uint32_t)pr->steps[2 * i + 1];
		}
		if (t >= b)
			break;
	}
	return z;
}

static const char *gen_kind(const kp_plan *plan, uint32_t assigned, uint32_t revoked)
{
	if (!plan->cooperative)
		return "eager";
	return assigned == 0 && revoked > 0 ? "cooperative-revoke" : "cooperative-assign";
}

typedef struct gen_info {
	int32_t gen;
	double first_resp;
	int32_t members;
	double start, end;
	uint32_t assigned, revoked, moved;
	int has_cb;
	char trigger[256];
} gen_info;

/* The generations whose JoinGroup responses came after time 0 (and after
 * gen0, the settled one), by generation, each with its first response
 * and its member count (the leader's, else the responses counted).
 * Returns the array, *n entries (NULL when none). */
static gen_info *collect_generations(const kp_probe *pr, double end, int32_t gen0, size_t *n_out)
{
	gen_info *gi = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < pr->n_join; i++) {
		const kp_join_rec *j = &pr->join[i];
		if (j->t < pr->t0 || j->t > end || j->gen <= gen0)
			continue;
		size_t k;
		for (k = 0; k < n; k++)
			if (gi[k].gen == j->gen)
				break;
		if (k == n) {
			gi = grow(gi, &cap, n + 1, sizeof(*gi));
			memset(&gi[n], 0, sizeof(gi[n]));
			gi[n].gen = j->gen;
			gi[n].first_resp = j->t;
			gi[n].members = -1;
			n++;
		}
		if (j->t < gi[k].first_resp)
			gi[k].first_resp = j->t;
		if (j->leader)
			gi[k].members = j->members;
	}
	/* by generation (first responses come in that order too) */
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && gi[b].gen < gi[b - 1].gen; b--) {
			gen_info tmp = gi[b];
			gi[b] = gi[b - 1];
			gi[b - 1] = tmp;
		}
	for (size_t k = 0; k < n; k++) {
		gi[k].start = gi[k].first_resp;
		gi[k].end = gi[k].first_resp;
		if (gi[k].members < 0) {
			gi[k].members = 0;
			for (size_t i = 0; i < pr->n_join; i++)
				gi[k].members += pr->join[i].gen == gi[k].gen;
		}
	}
	*n_out = n;
	return gi;
}

/* Callbacks: assignments, and cooperative revocations of a running
 * member, belong to the member's generation; eager revocations and those
 * of a closing or expired member to the next one. Each adds its
 * partitions to the generation's assigned or revoked count and widens its
 * window. The last owner of each partition (from the owner at time 0)
 * tells whether an assignment moved it. */
static void count_callbacks(const kp_probe *pr, double end, gen_info *gi, size_t n)
{
	const kp_plan *plan = pr->plan;
	uint32_t *last = malloc(((size_t)plan->n_partitions + 1) * sizeof(*last));
	for (uint32_t p = 0; last && p < plan->n_partitions; p++)
		last[p] = KP_NONE;
	for (uint32_t p = 0; last && p < plan->n_partitions; p++) {
		const kp_part *x = &pr->part[p];
		/* The owner at t0: the first interval starting at t0. */
		for (size_t i = 0; i < x->n_iv; i++)
			if (x->iv[i].from <= pr->t0) {
				last[p] = x->iv[i].member;
				break;
			}
		if (last[p] == KP_NONE && x->holder != KP_NONE && x->since <= pr->t0)
			last[p] = pr->cons[x->holder]->member;
	}
	for (size_t i = 0; i < pr->n_cb; i++) {
		const kp_cb_rec *r = &pr->cb[i];
		if (r->t < pr->t0 || r->t > end)
			continue;
		size_t k = n;
		if (r->assign || (plan->cooperative && !r->closing)) {
			for (k = 0; k < n; k++)
				if (gi[k].gen == r->gen)
					break;
		} else {
			for (k = 0; k < n; k++)
				if (gi[k].first_resp > r->t)
					break;
		}
		uint32_t member = pr->cons[r->cons]->member;
		for (uint32_t q = 0; last && r->assign && q < r->n; q++) {
			if (k < n && last[r->parts[q]] != member)
				gi[k].moved++;
			last[r->parts[q]] = member;
		}
		if (k == n)
			continue;
		if (r->assign)
			gi[k].assigned += r->n;
		else
			gi[k].revoked += r->n;
		if (r->t > gi[k].end)
			gi[k].end = r->t;
		if (!r->assign && r->t < gi[k].start)
			gi[k].start = r->t;
	}
	free(last);
}

/* Starts: the first member that sent a JoinGroup for it, learned of it
 * from a heartbeat or revoked for it, after the previous generation's
 * responses (every JoinGroup of that one came before them). Triggers:
 * the actions in that window, else a follow-up (after a cooperative
 * revocation) or a rejoin. */
static void find_starts_and_triggers(const kp_probe *pr, gen_info *gi, size_t n)
{
	const kp_plan *plan = pr->plan;
	for (size_t k = 0; k < n; k++) {
		double lo = k ? gi[k - 1].first_resp : pr->t0;
		for (size_t i = 0; i < pr->n_marks; i++)
			if (pr->marks[i] > lo && pr->marks[i] < gi[k].start)
				gi[k].start = pr->marks[i];
		size_t len = 0;
		for (size_t i = 0; i < pr->n_ev; i++) {
			const kp_ev_rec *e = &pr->ev[i];
			if (e->t <= lo || e->t > gi[k].first_resp)
				continue;
			if (len < sizeof(gi[k].trigger) - 40)
				len += (size_t)snprintf(
				    gi[k].trigger + len, sizeof(gi[k].trigger) - len, "%s%s %s",
				    len ? ", " : "", e->kind == KP_CRASH ? "crash" : e->type,
				    plan->member_name[e->member]);
		}
		if (!len)
			snprintf(gi[k].trigger, sizeof(gi[k].trigger), "%s",
				 plan->cooperative && k && gi[k - 1].revoked ? "follow-up"
									     : "rejoin");
	}
}

/* The generations seen after time 0, in order: the run file's
 * rebalances. Returns the array (*n_gens entries), NULL when out of memory. */
static gen_info *build_rebalances(kp_probe *pr, double end, size_t *n_gens, int32_t gen0)
{
	size_t n;
	gen_info *gi = collect_generations(pr, end, gen0, &n);
	count_callbacks(pr, end, gi, n);
	find_starts_and_triggers(pr, gi, n);
	*n_gens = n;
	if (!gi)
		gi = calloc(1, sizeof(*gi));
	return gi;
}

/* context: where and how the probe ran. */
static int fill_context(kr_run *run, const kp_probe *pr, int was_settled)
{
	char date[40], host[256];
	kh_date_now(date, sizeof(date));
	if (gethostname(host, sizeof(host)) != 0 || !host[0])
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	kr_context *c = &run->context;
	run->has_context = 1;
	c->kassign_version = KA_VERSION_STRING;
	c->commit = kh_build_commit();
	c->date = kr_run_strdup(run, date);
	c->host = kr_run_strdup(run, host);
	c->librdkafka_version = rd_kafka_version_str();
	c->bootstrap = pr->opt->bootstrap ? pr->opt->bootstrap : "mock";
	c->group_id = kr_run_strdup(run, pr->group_id);
	c->leader_hold_ms = ms(pr->holds ? pr->held_ms / pr->holds : 0);
	c->settled = was_settled;
	c->not_measured = "lag, max_lag, time_to_drain_ms, processed_twice: the probe produces "
			  "no messages";
	return c->date && c->host && c->group_id ? 0 : -1;
}

/* members: every member the plan has, the ids the coordinator gave it and
 * its subscription. */
static int fill_members(kr_run *run, const kp_probe *pr)
{
	const kp_plan *plan = pr->plan;
	size_t s = 0;
	for (uint32_t m = 0; m < plan->n_members; m++) {
		kr_member *o = &run->members[m];
		o->id = plan->member_name[m];
		if (plan->static_membership) {
			const char *name = plan->member_name[m];
			char inst[160];
			snprintf(inst, sizeof(inst), "i%s", name[0] == 'm' ? name + 1 : name);
			if (!(o->instance_id = kr_run_strdup(run, inst)))
				return -1;
		}
		o->coordinator_member_ids = (kr_strlist){s, 0, 1};
		for (size_t i = 0; i < pr->n_cons; i++)
			if (pr->cons[i]->member == m && pr->cons[i]->member_id[0]) {
				if (!(run->strs[s++] = kr_run_strdup(run, pr->cons[i]->member_id)))
					return -1;
				o->coordinator_member_ids.n++;
			}
		o->topics = (kr_strlist){s, plan->sub_off[m + 1] - plan->sub_off[m], 1};
		for (uint32_t k = plan->sub_off[m]; k < plan->sub_off[m + 1]; k++)
			run->strs[s++] = plan->topic_name[plan->sub_topic[k]];
	}
	return 0;
}

static int fill_rebalances(kr_run *run, const kp_probe *pr, const gen_info *gi,
			   uint32_t owned_at_t0)
{
	for (size_t k = 0; k < run->n_rebalances; k++) {
		kr_rebalance *r = &run->rebalances[k];
		r->generation = gi[k].gen;
		r->start_ms = ms(gi[k].start - pr->t0);
		r->end_ms = ms(gi[k].end - pr->t0);
		if (!(r->trigger = kr_run_strdup(run, gi[k].trigger)))
			return -1;
		r->kind = gen_kind(pr->plan, gi[k].assigned, gi[k].revoked);
		r->members = gi[k].members;
		r->revoked = gi[k].revoked;
		r->assigned = gi[k].assigned;
		r->moved = gi[k].moved;
		r->stop_the_world_ms = ms(zero_owned_time(pr, gi[k].start, gi[k].end, owned_at_t0));
	}
	return 0;
}

/* ownership, and the summary's unowned partitions and time. */
static void fill_ownership(kr_run *run, const kp_probe *pr, double end)
{
	const kp_plan *plan = pr->plan;
	uint8_t *subscribed = calloc(plan->n_partitions + 1, 1);
	for (uint32_t k = 0; subscribed && k < plan->sub_off[plan->n_members]; k++) {
		uint32_t t = plan->sub_topic[k];
		memset(subscribed + plan->topic_off[t], 1,
		       plan->topic_off[t + 1] - plan->topic_off[t]);
	}
	uint32_t unowned_parts = 0;
	double unowned_ms = 0;
	size_t n_iv = 0;
	for (uint32_t p = 0; p < plan->n_partitions; p++) {
		const kp_part *x = &pr->part[p];
		uint32_t t = 0;
		while (plan->topic_off[t + 1] <= p)
			t++;
		run->partitions[p] = (kr_partition){t, p - plan->topic_off[t], n_iv, x->n_iv};
		/* intervals are in time order; owned time is their union */
		double covered_to = pr->t0, owned_ms = 0;
		for (size_t i = 0; i < x->n_iv; i++) {
			run->intervals[n_iv++] = (kr_interval){
			    ms(x->iv[i].from - pr->t0), ms(x->iv[i].to - pr->t0), x->iv[i].member};
			double a = x->iv[i].from > covered_to ? x->iv[i].from : covered_to;
			if (x->iv[i].to > a) {
				owned_ms += x->iv[i].to - a;
				covered_to = x->iv[i].to;
			}
		}
		double gap = (end - pr->t0) - owned_ms;
		if (subscribed && subscribed[p] && gap > 0.05) {
			unowned_parts++;
			unowned_ms += gap;
		}
	}
	free(subscribed);
	run->summary.partitions_unowned = unowned_parts;
	run->summary.unowned_partition_seconds = round(unowned_ms) / 1000.0;
}

/* The run file of what the callbacks saw (runfile.h's model). NULL when
 * out of memory. */
static kr_run *build_run(kp_probe *pr, double end, int32_t gen0, uint32_t owned_at_t0,
			 int was_settled)
{
	const kp_plan *plan = pr->plan;
	size_t n_gens = 0, n_iv = 0, n_strs = plan->sub_off[plan->n_members];
	for (uint32_t p = 0; p < plan->n_partitions; p++)
		n_iv += pr->part[p].n_iv;
	for (size_t i = 0; i < pr->n_cons; i++)
		n_strs += pr->cons[i]->member_id[0] != 0;
	gen_info *gi = build_rebalances(pr, end, &n_gens, gen0);
	kr_run *run = kr_run_new();
	if (!gi || !run ||
	    kr_run_alloc(run, plan->n_members, plan->n_topics, pr->n_ev, n_gens, plan->n_partitions,
			 n_iv, 0, n_strs) < 0 ||
	    fill_context(run, pr, was_settled) < 0 || fill_members(run, pr) < 0 ||
	    fill_rebalances(run, pr, gi, owned_at_t0) < 0) {
		free(gi);
		kr_run_free(run);
		return NULL;
	}
	free(gi);
	run->source = "probe";
	run->plan = json_incref(plan->doc);
	for (uint32_t t = 0; t < plan->n_topics; t++)
		run->topics[t] =
		    (kr_topic){plan->topic_name[t], plan->topic_off[t + 1] - plan->topic_off[t]};
	for (size_t i = 0; i < pr->n_ev; i++) {
		kr_event *e = &run->events[i];
		e->t_ms = ms(pr->ev[i].t - pr->t0);
		e->type = pr->ev[i].type;
		e->member = pr->ev[i].member;
	}
	run->has_ownership = 1;
	fill_ownership(run, pr, end);
	run->has_summary = 1;
	kr_summary *s = &run->summary;
	s->duration_ms = ms(end - pr->t0);
	s->rebalances = (double)n_gens;
	s->generations = (double)n_gens;
	s->stop_the_world_ms =
	    ms(plan->n_partitions ? zero_owned_time(pr, pr->t0, end, owned_at_t0) : 0);
	s->double_owned = pr->double_owned;
	s->callback_errors = pr->callback_errors;
	return run;
}

/* ------------------------------------------------------------------ the run */

static void progress(const kp_probe *pr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void progress(const kp_probe *pr, const char *fmt, ...)
{
	if (pr->opt->quiet)
		return;
	va_list ap;
	fprintf(stderr, "probe: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void record_event(kp_probe *pr, double t, const kp_action *a)
{
	pthread_mutex_lock(&pr->mu);
	pr->ev = grow(pr->ev, &pr->cap_ev, pr->n_ev + 1, sizeof(*pr->ev));
	pr->ev[pr->n_ev++] = (kp_ev_rec){t, a->event, a->member, a->kind};
	pthread_mutex_unlock(&pr->mu);
}

/* Waits until settled or `limit` (absolute ms); 1 when settled. */
static int wait_settled(kp_probe *pr, double limit, double quiet)
{
	uint32_t assigned = 0, running = 0;
	for (;;) {
		pthread_mutex_lock(&pr->mu);
		int ok = settled(pr, mono_ms(), quiet, &assigned, &running);
		pthread_mutex_unlock(&pr->mu);
		if (ok) {
			if (pr->opt->trace) {
				fprintf(
				    stderr,
				    "trace %10.1f settled (member/running/assigned/generation):",
				    mono_ms() - pr->t0);
				for (size_t i = 0; i < pr->n_cons; i++)
					fprintf(stderr, " %s/%d/%d/%d",
						pr->plan->member_name[pr->cons[i]->member],
						pr->cons[i]->running, pr->cons[i]->assigned,
						pr->cons[i]->gen);
				fprintf(stderr, " last %.1f\n", pr->last_activity - pr->t0);
			}
			return 1;
		}
		if (mono_ms() >= limit) {
			progress(pr, "not settled: %u of %u running members assigned", assigned,
				 running);
			return 0;
		}
		sleep_ms(KP_POLL_MS);
	}
}

/* The probe's state before any consumer: every partition without a
 * holder. Returns 0, or -1 when out of memory. */
static int probe_init(kp_probe *pr, const kp_plan *plan, const kp_options *opt)
{
	memset(pr, 0, sizeof(*pr));
	pr->plan = plan;
	pr->opt = opt;
	pthread_mutex_init(&pr->mu, NULL);
	pr->part = calloc(plan->n_partitions + 1, sizeof(*pr->part));
	for (uint32_t p = 0; pr->part && p < plan->n_partitions; p++)
		pr->part[p].holder = KP_NONE;
	return pr->part ? 0 : -1;
}

/* The initial members start, and the group must settle before time 0
 * (within a margin that grows with the session and the member count).
 * Returns KH_EXIT_OK, or the exit status after a message. */
static int start_group(kp_probe *pr, double quiet)
{
	const kp_plan *plan = pr->plan;
	char err[512];
	progress(pr, "%s, group %s: starting %u consumers (%s, %s)",
		 pr->opt->bootstrap ? pr->opt->bootstrap : "librdkafka mock cluster", pr->group_id,
		 plan->n_initial, plan->cooperative ? "cooperative" : "eager", plan->strategy);
	for (uint32_t m = 0; m < plan->n_initial; m++)
		if (cons_start(pr, m, err, sizeof(err)) < 0) {
			kh_error("probe", "member %s: %s", plan->member_name[m], err);
			return KH_EXIT_USAGE;
		}
	const double warm_s = 30 + 4 * plan->session_ms / 1000 + 0.05 * plan->n_initial;
	if (!wait_settled(pr, mono_ms() + warm_s * 1000, quiet)) {
		kh_error("probe", "the initial group did not settle within %.0f s", warm_s);
		return KH_EXIT_FAIL;
	}
	return KH_EXIT_OK;
}

/* Time 0: from now on intervals and steps are recorded. *gen0 is the
 * settled generation (the newest of a running member), *owned_at_t0 the
 * partitions held then; earlier rebalance marks are dropped. */
static void start_clock(kp_probe *pr, int32_t *gen0, uint32_t *owned_at_t0)
{
	pthread_mutex_lock(&pr->mu);
	pr->t0 = mono_ms();
	pr->started = 1;
	*gen0 = INT32_MIN;
	for (size_t i = 0; i < pr->n_cons; i++)
		if (pr->cons[i]->running && pr->cons[i]->gen > *gen0)
			*gen0 = pr->cons[i]->gen;
	*owned_at_t0 = pr->owned;
	pr->n_marks = 0;
	pthread_mutex_unlock(&pr->mu);
	progress(pr, "settled in generation %d; time 0", *gen0);
}

/* The plan's actions, each at its time on the wall clock. Returns 0, or
 * -1 after a message when a consumer could not start. */
static int play_actions(kp_probe *pr)
{
	const kp_plan *plan = pr->plan;
	char err[512];
	for (size_t i = 0; i < plan->n_actions; i++) {
		const kp_action *a = &plan->actions[i];
		sleep_ms(pr->t0 + a->at_ms - mono_ms());
		double t = mono_ms();
		record_event(pr, t, a);
		progress(pr, "%8.0f ms  %s %s", t - pr->t0, a->event, plan->member_name[a->member]);
		if (a->kind == KP_START) {
			if (cons_start(pr, a->member, err, sizeof(err)) < 0) {
				kh_error("probe", "member %s: %s", plan->member_name[a->member],
					 err);
				return -1;
			}
		} else {
			pthread_mutex_lock(&pr->mu);
			kp_cons *c = cons_of(pr, a->member);
			pthread_mutex_unlock(&pr->mu);
			if (c)
				cons_stop(pr, c, a->kind);
		}
	}
	return 0;
}

/* The end of the run: the plan's end_ms, or once the group has settled
 * after the last event (*was_settled 0, with a warning, when it did not
 * within six sessions and a minute). Returns the end, in ms of the
 * monotonic clock. */
static double wait_end(kp_probe *pr, double quiet, int *was_settled)
{
	const kp_plan *plan = pr->plan;
	*was_settled = 1;
	if (plan->end_ms >= 0) {
		sleep_ms(pr->t0 + plan->end_ms - mono_ms());
		return pr->t0 + plan->end_ms;
	}
	double last = plan->n_actions ? pr->t0 + plan->actions[plan->n_actions - 1].at_ms : pr->t0;
	*was_settled = wait_settled(pr, last + 6 * plan->session_ms + 60000, quiet);
	const double end = mono_ms();
	if (!*was_settled) {
		fprintf(stderr,
			"kassign probe: warning: the group had not settled %.0f s "
			"after the last event; the run ends there\n",
			(end - last) / 1000);
	}
	return end;
}

/* Every ownership interval closed at `end`, and what happened after it
 * (moments, while waiting) cut there. Under pr->mu. */
static void close_intervals(kp_probe *pr, double end)
{
	const kp_plan *plan = pr->plan;
	for (uint32_t p = 0; p < plan->n_partitions; p++) {
		kp_part *x = &pr->part[p];
		if (x->holder != KP_NONE && x->since < end) {
			x->iv = grow(x->iv, &x->cap_iv, x->n_iv + 1, sizeof(*x->iv));
			double from = x->since < pr->t0 ? pr->t0 : x->since;
			x->iv[x->n_iv++] = (kp_interval){from, end, pr->cons[x->holder]->member};
		}
	}
	for (uint32_t p = 0; p < plan->n_partitions; p++) {
		kp_part *x = &pr->part[p];
		size_t k = 0;
		for (size_t i = 0; i < x->n_iv; i++) {
			if (x->iv[i].from >= end)
				continue;
			if (x->iv[i].to > end)
				x->iv[i].to = end;
			x->iv[k++] = x->iv[i];
		}
		x->n_iv = k;
	}
}

/* Every running consumer closed, and every consumer thread joined. */
static void stop_consumers(kp_probe *pr)
{
	for (size_t i = 0; i < pr->n_cons; i++) {
		kp_cons *c = pr->cons[i];
		if (c->running)
			cons_stop(pr, c, KP_CLOSE);
	}
	for (size_t i = 0; i < pr->n_cons; i++)
		if (pr->cons[i]->has_thread)
			pthread_join(pr->cons[i]->thread, NULL);
}

/* Everything the probe holds freed, the mock cluster and its host last. */
static void probe_free(kp_probe *pr, rd_kafka_t *host, rd_kafka_mock_cluster_t *mc)
{
	for (size_t i = 0; i < pr->n_cons; i++)
		free(pr->cons[i]);
	free(pr->cons);
	for (size_t i = 0; i < pr->n_cb; i++)
		free(pr->cb[i].parts);
	free(pr->cb);
	free(pr->join);
	free(pr->marks);
	free(pr->ev);
	free(pr->steps);
	for (uint32_t p = 0; pr->part && p < pr->plan->n_partitions; p++)
		free(pr->part[p].iv);
	free(pr->part);
	if (mc)
		rd_kafka_mock_cluster_destroy(mc);
	if (host)
		rd_kafka_destroy(host);
	pthread_mutex_destroy(&pr->mu);
}

int kp_run(const kp_plan *plan, const kp_options *opt, kr_run **out)
{
	kp_probe pr_s;
	kp_probe *pr = &pr_s;
	*out = NULL;
	int rc = KH_EXIT_USAGE;
	rd_kafka_t *host = NULL;
	rd_kafka_mock_cluster_t *mc = NULL;
	const double quiet = plan->heartbeat_ms + 500;

	if (probe_init(pr, plan, opt) < 0) {
		kh_error("probe", "out of memory");
		goto out;
	}
	if (opt->bootstrap ? brokers_check(pr) < 0 : mock_start(pr, &host, &mc) < 0)
		goto out;
	if ((rc = start_group(pr, quiet)) != KH_EXIT_OK)
		goto stop;
	int32_t gen0;
	uint32_t owned_at_t0;
	start_clock(pr, &gen0, &owned_at_t0);
	if (play_actions(pr) < 0) {
		rc = KH_EXIT_USAGE;
		goto stop;
	}
	int was_settled;
	const double end = wait_end(pr, quiet, &was_settled);

	/* Close every interval at the end, then build the file. */
	pthread_mutex_lock(&pr->mu);
	close_intervals(pr, end);
	*out = build_run(pr, end, gen0, owned_at_t0, was_settled);
	pthread_mutex_unlock(&pr->mu);
	if (*out) {
		rc = KH_EXIT_OK;
	} else {
		kh_error("probe", "out of memory");
		rc = KH_EXIT_USAGE;
	}
	progress(pr, "done at %.0f ms; closing the consumers", end - pr->t0);
stop:
	stop_consumers(pr);
out:
	probe_free(pr, host, mc);
	if (rc != KH_EXIT_OK) {
		kr_run_free(*out);
		*out = NULL;
	}
	return rc;
}
