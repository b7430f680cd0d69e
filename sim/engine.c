/*
 * engine.c - the discrete-event simulation of one consumer group
 * (docs/simulation.md has the model in prose; this file follows it).
 *
 * Three kinds of things live here:
 *
 *   processes ("slots", m0003): what the plan's events start and stop;
 *   members (incarnations): what the coordinator knows, one per member id.
 *     A dynamic member gets a new member id each time its process starts,
 *     so a killed member and its restarted process are two members until
 *     the first one's session expires; a static member keeps its id;
 *   partitions: who processes each one now (proc), who holds it on paper
 *     (the last assignment), its lag while nobody processes it.
 *
 * The classic protocol follows Kafka's GroupCoordinator: a trigger (a new
 * member's JoinGroup, a LeaveGroup, a session expiry, a rejoin) moves the
 * group to PreparingRebalance; members learn it from the response of their
 * next heartbeat (or their SyncGroup), eager ones revoke everything, every
 * one rejoins; the join completes as soon as every known member has joined,
 * or at the rebalance timeout, dropping the missing ones; members parked in
 * the join are kept alive until it completes. The leader's assignment (the
 * real kassign strategy, on the group as it stands, with owned partitions
 * and generations) returns through SyncGroup. Cooperative members then
 * revoke what they lost and rejoin, which is the follow-up rebalance.
 * With librdkafka's client a heartbeat sent on a SyncGroup response races
 * that rejoin; thread scheduling decides it, so the outcome is a seeded
 * draw (race_heartbeat, model.followup_race).
 *
 * Heartbeats are not events: a member's heartbeats fall on a fixed grid from
 * its last assignment, so the next one after any moment is computed when a
 * rebalance needs it. Auto commits are a grid too. Lag is integrated
 * analytically: each member processes at its capacity shared over its
 * partitions, a partition nobody processes grows at the produce rate, and
 * the only events lag needs are the moments a member catches up. Work per
 * rebalance is O(P + M log M); per member event it is O(its partitions).
 */
#include "sim/sim.h"
#include "datasets/rng.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NONE            UINT32_MAX
#define DAY_MS          86400000.0
#define OWNERSHIP_LIMIT 2000000u
/* kassign probe's leader hold on librdkafka's mock (probe/probe.c). */
#define MOCK_HOLD_MARGIN_MS 20.0
#define MOCK_HOLD_MAX_MS    2000.0

enum ev_type {
	EV_PLAN,         /* a = plan event index */
	EV_STOP,         /* a = slot, b = stop kind (enum ks_stop or STOP_LEAVE/STOP_CRASH) */
	EV_START,        /* a = slot */
	EV_JOIN_ARRIVE,  /* a = member, b = member's join token */
	EV_LEAVE_ARRIVE, /* a = member */
	EV_DISCOVER,     /* a = member, b = round */
	EV_DEADLINE,     /* b = round */
	EV_ASSIGN,       /* b = round */
	EV_EXPIRE,       /* a = member, b = expiry token */
	EV_DRAIN,        /* a = member, b = drain token */
	EV_STATIC_BACK,  /* a = member, b = expiry token */
	EV_METADATA,     /* a = topic, b = partition count to reach */
	EV_ROLL,         /* a = rolling restart index */
	EV_HEARTBEAT,    /* KIP-848: a = member, b = heartbeat token */
	EV_ACK,          /* KIP-848: a = member; revoked partitions freed */
	EV_TARGET,       /* KIP-848: b = target epoch: the target is computed */
	EV_PAUSE,        /* a = slot, b = index into pauses */
	EV_PAUSE_END,    /* a = member, b = pause token */
	EV_POLL,         /* a = member, b = round: its next poll() after learning of it */
	EV_COOP_REVOKE,  /* a = member, b = revoke token: the revoke callback in poll() */
	EV_848_REVOKE,   /* a = member, b = revoke token */
	EV_POLL_TIMEOUT, /* a = member, b = pause token: max.poll.interval.ms passed */
	EV_LOST,         /* a = member, b = join token: its poll() after ILLEGAL_GENERATION */
	EV_CLOSE,        /* a = slot, b = stop kind: the batch in flight done, close() */
	EV_CRASH         /* a = slot: a random kill (faults.crashes_per_hour) */
};

enum stop_kind { STOP_LEAVE = 2, STOP_CRASH = 3 }; /* after KS_STOP_CLOSE, KS_STOP_KILL */

typedef struct event {
	double t;
	uint64_t seq;
	uint32_t type, a;
	uint64_t b;
} event;

enum rejoin_why { WHY_REJOIN, WHY_METADATA };

enum mstate { MS_DOWN, MS_JOIN, MS_SYNC, MS_STABLE };
enum cstate { CS_EMPTY, CS_PREPARING, CS_COMPLETING, CS_STABLE };

typedef struct slot {
	char *name;
	char *instance;
	const char *rack;
	const uint32_t *subs; /* topic ids, ascending */
	uint32_t n_subs;
	uint32_t mem; /* current member, NONE before the first start */
	int alive;
	int roll;     /* rolling restart waiting for this process to be back, -1 none */
	int stopping; /* a stop is scheduled or under way (scale, leave by count) */
} slot;

typedef struct member {
	uint32_t slot;
	int alive, in_group, state;
	uint32_t joined_round;
	int32_t generation;
	uint64_t join_tok, exp_tok;
	double hb_base;
	/* librdkafka: the last heartbeat sent before its JoinGroup, and
	 * whether this consumer has sent any (its timer is never reset). */
	double hb_last;
	int hb_sent;
	/* librdkafka, cooperative: the generation on whose assignment its
	 * heartbeat went out at once (racing that generation's follow-up,
	 * race_heartbeat), and the one whose assignment it revoked from (its
	 * JoinGroup starts that generation's follow-up). */
	int32_t race_gen, revoke_gen;
	double race_t; /* when that heartbeat went out */
	/* processing */
	uint32_t *proc;
	uint32_t n_proc;
	size_t cap_proc;
	double lag, lag_t, es; /* es: the lag slope now */
	uint64_t drain_tok;
	int dirty; /* its catch-up moment needs scheduling */
	double commit_base, last_commit;
	/* static: paper partitions to resume after a restart */
	uint32_t *held;
	uint32_t n_held;
	size_t cap_held;
	/* KIP-848 */
	int hb_pending;
	uint64_t hb_tok;
	uint32_t *rev; /* partitions being revoked, freed at the acknowledgement */
	uint32_t n_rev;
	size_t cap_rev;
	uint32_t mismatch; /* partitions where its paper and its target differ */
	int why;           /* what its next rejoin is for (enum rejoin_why) */
	/* a pause (GC, network): the process is there but silent */
	int paused;
	int stalled;        /* the pause is a slow batch: heartbeats go on */
	int poll_timed_out; /* the slow batch outlasted max.poll.interval.ms */
	uint64_t pause_tok;
	/* the poll loop */
	uint32_t poll_round; /* the round whose join waits for its next poll */
	double poll_phase;   /* fixed record times: where its batches start, in batches */
	int revoke_pending;
	uint64_t revoke_tok;
	double pause_lost;         /* consumed since the last commit when the pause began */
	double stop_lc, stop_rate; /* proc_stop_all: last commit and rate, taken once */
	int stop_set;
	int left_static; /* KIP-848: its last stop was a temporary leave (epoch -2) */
	int closing;     /* 1: close() called, the poll thread finishes its batch first; 2: done */
} member;

typedef struct pause {
	double t, d;
	uint32_t slot;
} pause;

typedef struct rolling {
	uint32_t left; /* restarts still to start */
	double gap;
	int stop;
	uint32_t next_slot;
	uint32_t waiting; /* slot being restarted, NONE when none */
} rolling;

struct sim {
	const ks_plan *plan;
	ks_run *run;
	char *err;
	size_t errlen;
	int failed;
	int internal; /* failed because an assignor's output was invalid */

	/* queue */
	event *heap;
	size_t n_heap, cap_heap;
	uint64_t seq;

	/* topics and partitions (internal ids in creation order) */
	uint32_t n_topics;
	uint32_t *tparts; /* partitions per topic now */
	uint32_t **tpid;  /* [topic][k] internal id */
	uint32_t P, cap_p;
	uint32_t *ptopic, *pnum;
	uint32_t *proc, *paper, *last_holder, *pos, *target;
	double *plag, *pt, *iv_from;
	uint8_t *touched;
	uint32_t *kid_of; /* scratch: group index of each internal id at a rebalance */

	/* processes and members */
	slot *slots;
	uint32_t n_slots;
	size_t cap_slots;
	member *mem;
	uint32_t n_mem;
	size_t cap_mem;
	uint32_t *all_topics;
	kd_rng rng;
	kd_rng prng;      /* the poll loop's draws, a stream of their own */
	kd_rng race_rng;  /* the follow-up races' draws (race_heartbeat) */
	int race_trigger; /* the trigger under way is a follow-up a revoker starts */

	/* coordinator */
	int cs;
	uint32_t round;
	int32_t generation;
	uint32_t n_in_group, n_joined;
	double round_start;
	char trigger[96];
	int initial;
	double deadline_t;
	uint32_t *pending; /* the assignment on its way to the members, by internal id */
	int has_pending;
	size_t cur_rb; /* index of the open rebalance record, SIZE_MAX none */

	/* KIP-848 */
	uint32_t *tgt_off, *tgt_list, tgt_n;
	size_t cap_tgt;
	uint32_t epoch;
	uint32_t n_mismatch;

	/* accumulators; rates in messages per ms */
	double r, c;
	double last_t;
	uint32_t n_processing;
	double G, gslope;
	double stw, ups, twice, max_lag;
	double thr_below_since; /* lag below one second of production since, -1 when above */
	double next_sample, last_event_t;
	size_t cap_lag, cap_iv, cap_ev, cap_rb, cap_members;
	uint32_t n_unowned_ever;
	double stw_at_rb_start;
	uint32_t round_revoked; /* eager: partitions revoked in this round's rejoins */
	double deploy_first, deploy_last;

	rolling *rolls;
	size_t n_rolls, cap_rolls;
	pause *pauses;
	size_t n_pauses, cap_pauses;
	double lag_int; /* messages x ms */
	uint32_t n_paused, n_pause_expired;
	uint32_t *dirty;
	size_t n_dirty, cap_dirty;
	double stw_round_start;
};

/* ------------------------------------------------------------------ small helpers */

/* The first violation of an assignor's output (ka_assignment_validate). */
typedef struct first_violation {
	int rule;
	uint32_t partition, member;
} first_violation;

static void note_violation(void *ctx, int rule, uint32_t partition, uint32_t who)
{
	first_violation *v = ctx;
	if (!v->rule)
		*v = (first_violation){rule, partition, who};
}

static void fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct sim *s, const char *fmt, ...)
{
	if (s->failed)
		return;
	s->failed = 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
}

static int grow(struct sim *s, void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q) {
		fail(s, "out of memory");
		return -1;
	}
	*p = q;
	*cap = n;
	return 0;
}

#define GROW(s, arr, cap, need) grow((s), (void **)&(arr), &(cap), (need), sizeof(*(arr)))

static void push(struct sim *s, double t, uint32_t type, uint32_t a, uint64_t b)
{
	if (GROW(s, s->heap, s->cap_heap, s->n_heap + 1) < 0)
		return;
	event e = {t, s->seq++, type, a, b};
	size_t i = s->n_heap++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		const event *u = &s->heap[up];
		if (u->t < e.t || (u->t == e.t && u->seq < e.seq))
			break;
		s->heap[i] = *u;
		i = up;
	}
	s->heap[i] = e;
}

static event pop(struct sim *s)
{
	event top = s->heap[0];
	event e = s->heap[--s->n_heap];
	size_t i = 0, n = s->n_heap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n &&
		    (s->heap[c + 1].t < s->heap[c].t ||
		     (s->heap[c + 1].t == s->heap[c].t && s->heap[c + 1].seq < s->heap[c].seq)))
			c++;
		if (e.t < s->heap[c].t || (e.t == s->heap[c].t && e.seq < s->heap[c].seq))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n)
		s->heap[i] = e;
	return top;
}

/* The first point of the grid base + k * step (k >= 1) at or after t:
 * the next heartbeat after one at `base` (an assignment resets the timer). */
static double grid_next(double base, double step, double t)
{
	if (t <= base)
		return base + step;
	return base + ceil((t - base) / step - 1e-9) * step;
}

static double grid_last(double base, double step, double t)
{
	if (t <= base)
		return base;
	return base + floor((t - base) / step + 1e-9) * step;
}

/* Uniform in (0, 1]. */
static double unit(kd_rng *r)
{
	return ((kd_rng_next(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

/* A Gamma(shape a >= 1, scale 1) draw (Marsaglia and Tsang's method). */
static double gamma_draw(kd_rng *r, double a)
{
	const double d = a - 1.0 / 3, c = 1 / sqrt(9 * d);
	for (;;) {
		double x, v;
		do {
			x = sqrt(-2 * log(unit(r))) * cos(6.283185307179586 * unit(r));
			v = 1 + c * x;
		} while (v <= 0);
		v = v * v * v;
		const double u = unit(r);
		if (u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)))
			return d * v;
	}
}

static double hb_interval(const ks_plan *p)
{
	/* librdkafka 2.0.2's mock answers heartbeats at most about twice a second. */
	if (p->coordinator == KS_COORD_RDKAFKA_MOCK && p->heartbeat_ms < 500)
		return 500;
	return p->heartbeat_ms;
}

static int rdk(const struct sim *s)
{
	return s->plan->client == KS_CLIENT_LIBRDKAFKA;
}

/* The member has its assignment at t and its heartbeat timer starts
 * again. The Java consumer resets the timer there (the heartbeat thread
 * is enabled at the JoinGroup response, AbstractCoordinator
 * HeartbeatThread.enable -> Heartbeat.resetTimeouts): the first heartbeat
 * is an interval later. librdkafka 2.0.2 never resets it: it sends no
 * heartbeat while it joins or syncs, and afterwards the next one goes out
 * once an interval has passed since the last one sent, at once for a
 * consumer that never sent one (rdkafka_cgrp.c,
 * rd_kafka_cgrp_join_state_serve: rd_interval on rkcg_heartbeat_intvl,
 * initialised once in rd_kafka_cgrp_new; rdinterval.h rd_interval0 fires
 * at its first call). hb_base - I is then a heartbeat sent. Returns 1
 * when a heartbeat goes out at t (librdkafka only). */
static int hb_restart(struct sim *s, member *m, double t)
{
	if (!rdk(s)) {
		m->hb_base = t;
		return 0;
	}
	const double I = hb_interval(s->plan);
	const int now = !(m->hb_sent && m->hb_last + I > t);
	m->hb_base = now ? t - I : m->hb_last;
	m->hb_sent = 1;
	return now;
}

static const char *mem_name(struct sim *s, uint32_t m)
{
	return s->run->members[m].member_id;
}

static void add_run_event(struct sim *s, double t, const char *type, uint32_t m)
{
	ks_run *r = s->run;
	if (GROW(s, r->events, s->cap_ev, r->n_events + 1) < 0)
		return;
	r->events[r->n_events++] = (ks_run_event){t, type, m, 0, 0};
	if (t > s->last_event_t)
		s->last_event_t = t;
}

/* ------------------------------------------------------------------ accumulators and lag */

static double lag_step(const struct sim *s)
{
	(void)s;
	return 1000.0;
}

/* Brings the run's integrals (unowned partition-seconds, stop-the-world,
 * total lag, its samples) to time t; nothing changed since last_t. */
static void advance(struct sim *s, double t)
{
	if (t <= s->last_t)
		return;
	const double dt = t - s->last_t;
	const double P = s->P;
	const double thr = P * s->r * 1000.0;
	while (s->next_sample <= t) {
		double v = s->G + s->gslope * (s->next_sample - s->last_t);
		if (v < 0)
			v = 0;
		ks_run *r = s->run;
		if (GROW(s, r->lag, s->cap_lag, 2 * r->n_lag + 2) < 0)
			return;
		r->lag[2 * r->n_lag] = s->next_sample;
		r->lag[2 * r->n_lag + 1] = v;
		r->n_lag++;
		s->next_sample += lag_step(s);
	}
	s->ups += (P - s->n_processing) * dt / 1000.0;
	if (s->n_processing == 0 && s->P > 0)
		s->stw += dt;
	double g1 = s->G + s->gslope * dt;
	if (g1 < 0) {
		/* Lag reaches 0 within dt and stays there. */
		if (s->gslope < 0)
			s->lag_int += s->G * (s->G / -s->gslope) / 2;
		g1 = 0;
	} else {
		s->lag_int += (s->G + g1) / 2 * dt;
	}
	/* Lag is linear between events: a crossing of the threshold is exact. */
	if (s->G >= thr && g1 < thr)
		s->thr_below_since = s->last_t + (s->G - thr) / (s->G - g1) * dt;
	else if (g1 >= thr)
		s->thr_below_since = -1;
	s->G = g1;
	if (g1 > s->max_lag)
		s->max_lag = g1;
	s->last_t = t;
}

/* The member's lag slope: it processes at capacity while behind or
 * overloaded, else keeps up with production. */
static double member_slope(const struct sim *s, const member *m)
{
	const double in = m->n_proc * s->r;
	if (m->lag > 0 || in > s->c)
		return in - s->c;
	return 0;
}

static void member_advance(member *m, double t)
{
	if (t > m->lag_t) {
		m->lag += m->es * (t - m->lag_t);
		if (m->lag < 1e-9)
			m->lag = 0;
		m->lag_t = t;
	}
}

static void member_reslope(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	s->gslope -= m->es;
	m->es = member_slope(s, m);
	s->gslope += m->es;
	m->drain_tok++;
	/* The moment it catches up is scheduled once the event is over: a
	 * rebalance changes a member's partitions many times at one instant. */
	if (!m->dirty) {
		m->dirty = 1;
		if (GROW(s, s->dirty, s->cap_dirty, s->n_dirty + 1) == 0)
			s->dirty[s->n_dirty++] = mi;
	}
	(void)t;
}

static void schedule_drains(struct sim *s, double t)
{
	for (size_t i = 0; i < s->n_dirty; i++) {
		member *m = &s->mem[s->dirty[i]];
		m->dirty = 0;
		if (m->lag > 0 && m->es < 0)
			push(s, t + m->lag / -m->es, EV_DRAIN, s->dirty[i], m->drain_tok);
	}
	s->n_dirty = 0;
}

/* Messages a member of this partition consumes per ms. */
static double part_rate(const struct sim *s, const member *m)
{
	if (!m->n_proc)
		return 0;
	const double in = m->n_proc * s->r;
	return ((m->lag > 0 || in > s->c) ? s->c : in) / m->n_proc;
}

/* The records of the batch a member is processing: a full max.poll.records
 * while it is behind; keeping up at utilisation u, a poll returns what
 * arrived while the previous batch was processed, about 1 / (1 - u)
 * records. */
static double batch_records(const struct sim *s, const member *m)
{
	const ks_plan *pl = s->plan;
	const double u = m->n_proc * s->r * pl->record_ms;
	double n = pl->max_poll_records;
	if (m->lag <= 0 && u < 1 && 1 / (1 - u) < n)
		n = 1 / (1 - u);
	return n;
}

/* What is left (left = 1) or done (left = 0) at t of the batch member m
 * is processing. Fixed record times: batches of n records follow one
 * another from the member's phase (starting members spread over one batch,
 * as their heartbeats are). Exponential ones: the batch under way is
 * length-biased (a long batch is more likely to be the one under way), a
 * Gamma(n + 1) sum of record times, and t falls at a uniform point of it,
 * drawn from the seed. A member holding nothing waits inside poll(): 0. */
static double batch_at(struct sim *s, const member *m, double t, int left)
{
	const ks_plan *pl = s->plan;
	if (pl->record_ms <= 0 || m->n_proc == 0)
		return 0;
	const double n = batch_records(s, m);
	if (pl->record_exponential) {
		const double b = pl->record_ms * gamma_draw(&s->prng, n + 1);
		return unit(&s->prng) * b;
	}
	const double b = pl->record_ms * n;
	const double x = t / b - m->poll_phase;
	double f = x - floor(x);
	if (f < 1e-9 || f > 1 - 1e-9)
		f = 0;
	return left ? (f == 0 ? 0 : (1 - f) * b) : f * b;
}

static double batch_part(struct sim *s, const member *m, double t)
{
	return batch_at(s, m, t, 1);
}

/* The member's last commit before t: the auto-commit grid, or with
 * enable.auto.commit false the end of the previous batch. */
static double last_commit(struct sim *s, const member *m, double t)
{
	double a;
	if (s->plan->auto_commit)
		a = grid_last(m->commit_base, s->plan->auto_commit_ms, t);
	else
		a = t - batch_at(s, m, t, 0);
	return a > m->last_commit ? a : m->last_commit;
}

static void close_interval(struct sim *s, uint32_t p, uint32_t mi, double t)
{
	ks_run *r = s->run;
	r->summary.ownership_intervals++;
	if (r->summary.ownership_omitted || t <= s->iv_from[p])
		return;
	if (r->n_intervals >= OWNERSHIP_LIMIT && !s->plan->timeline_full) {
		r->summary.ownership_omitted = 1;
		free(r->intervals);
		r->intervals = NULL;
		r->n_intervals = 0;
		return;
	}
	if (GROW(s, r->intervals, s->cap_iv, r->n_intervals + 1) < 0)
		return;
	r->intervals[r->n_intervals++] = (ks_interval){p, mi, s->iv_from[p], t};
}

/* Member mi starts processing partition p at t. */
static void proc_start(struct sim *s, uint32_t p, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	assert(s->proc[p] == NONE && m->alive);
	member_advance(m, t);
	if (GROW(s, m->proc, m->cap_proc, m->n_proc + 1) < 0)
		return;
	s->pos[p] = m->n_proc;
	m->proc[m->n_proc++] = p;
	s->proc[p] = mi;
	s->iv_from[p] = t;
	m->lag += s->plag[p] + s->r * (t - s->pt[p]);
	if (t > s->pt[p] && !s->touched[p]) {
		s->touched[p] = 1;
		s->n_unowned_ever++;
	}
	s->gslope -= s->r;
	s->n_processing++;
	member_reslope(s, mi, t);
}

/* Member mi stops processing p at t; without a commit, what it consumed
 * since its last commit will be processed again. */
static void proc_stop(struct sim *s, uint32_t p, double t, int committed)
{
	const uint32_t mi = s->proc[p];
	member *m = &s->mem[mi];
	member_advance(m, t);
	double share = m->lag / m->n_proc;
	if (!committed) {
		/* Taken once for all of a member's partitions that stop together:
		 * its batch and its rate are those before the first one stops. */
		double since = m->stop_set ? m->stop_lc : last_commit(s, m, t);
		if (since < s->iv_from[p])
			since = s->iv_from[p];
		double again = (m->stop_set ? m->stop_rate : part_rate(s, m)) * (t - since);
		s->twice += again;
		share += again;
		s->G += again;
	}
	m->lag -= share;
	if (m->lag < 1e-9)
		m->lag = 0;
	uint32_t i = s->pos[p], last = m->proc[--m->n_proc];
	m->proc[i] = last;
	s->pos[last] = i;
	s->proc[p] = NONE;
	s->plag[p] = share;
	s->pt[p] = t;
	s->gslope += s->r;
	s->n_processing--;
	close_interval(s, p, mi, t);
	member_reslope(s, mi, t);
}

/* Everything member mi processes stops at t. */
static void proc_stop_all(struct sim *s, uint32_t mi, double t, int committed)
{
	member *m = &s->mem[mi];
	if (!committed && m->n_proc) {
		m->stop_lc = last_commit(s, m, t);
		m->stop_rate = part_rate(s, m);
		m->stop_set = 1;
	}
	while (m->n_proc)
		proc_stop(s, m->proc[m->n_proc - 1], t, committed);
	m->stop_set = 0;
	if (committed)
		m->last_commit = t;
}

/* ------------------------------------------------------------------ members */

static uint32_t member_new(struct sim *s, uint32_t si, double t)
{
	slot *sl = &s->slots[si];
	ks_run *r = s->run;
	if (GROW(s, s->mem, s->cap_mem, s->n_mem + 1) < 0 ||
	    GROW(s, r->members, s->cap_members, r->n_members + 1) < 0)
		return NONE;
	const uint32_t mi = s->n_mem++;
	member *m = &s->mem[mi];
	memset(m, 0, sizeof(*m));
	m->slot = si;
	m->generation = KA_NO_GENERATION;
	m->race_gen = m->revoke_gen = KA_NO_GENERATION;
	m->joined_round = UINT32_MAX;
	m->lag_t = t;
	m->commit_base = t;
	m->last_commit = t;
	/* Kafka's member id is client.id plus a random UUID; the suffix here is
	 * drawn from the plan's seed, so a restarted process sorts elsewhere
	 * among the member ids, as in Kafka. */
	char id[160];
	snprintf(id, sizeof(id), "%s-%08x", sl->name, (unsigned)(kd_rng_next(&s->rng) >> 32));
	ks_member_info *info = &r->members[r->n_members++];
	info->member_id = strdup(id);
	info->instance_id = sl->instance ? strdup(sl->instance) : NULL;
	info->slot = si;
	if (!info->member_id || (sl->instance && !info->instance_id))
		fail(s, "out of memory");
	sl->mem = mi;
	return mi;
}

/* The moment a member is back for a rolling restart: it holds an
 * assignment again (a readiness check on the consumer). */
static void member_back(struct sim *s, uint32_t mi, double t)
{
	slot *sl = &s->slots[s->mem[mi].slot];
	if (sl->roll < 0 || sl->mem != mi || !sl->alive)
		return;
	rolling *ro = &s->rolls[sl->roll];
	sl->roll = -1;
	ro->waiting = NONE;
	if (t > s->deploy_last)
		s->deploy_last = t;
	if (ro->left)
		push(s, t + ro->gap, EV_ROLL, (uint32_t)(ro - s->rolls), 0);
}

static void held_add(struct sim *s, uint32_t mi, uint32_t p)
{
	member *m = &s->mem[mi];
	if (GROW(s, m->held, m->cap_held, m->n_held + 1) == 0)
		m->held[m->n_held++] = p;
}

static void expire_at(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	m->exp_tok++;
	push(s, t + s->plan->session_ms, EV_EXPIRE, mi, m->exp_tok);
}

/* ------------------------------------------------------------------ the assignor */

static int cmp_member_id(const void *ctx, uint32_t x, uint32_t y)
{
	const ks_run *r = ctx;
	return strcmp(r->members[x].member_id, r->members[y].member_id);
}

static void diag_ignore(void *ctx, const ka_diag *d)
{
	(void)ctx;
	(void)d;
}

/* Each member's paper partitions as a CSR list by position in part[]:
 * idx[member] is its position (NONE outside part[]), its partitions are
 * list[cnt[i] .. cnt[i + 1]). Without with_owned every list is empty. */
static void paper_lists(const struct sim *s, const uint32_t *part, uint32_t n, int with_owned,
			const uint32_t *holder, uint32_t *idx, uint32_t *cnt, uint32_t *list)
{
	for (uint32_t i = 0; i < s->n_mem; i++)
		idx[i] = NONE;
	for (uint32_t i = 0; i < n; i++)
		idx[part[i]] = i;
	if (!with_owned)
		return;
	for (uint32_t p = 0; p < s->P; p++)
		if (holder[p] != NONE && idx[holder[p]] != NONE)
			cnt[idx[holder[p]] + 1]++;
	for (uint32_t i = 0; i < n; i++)
		cnt[i + 1] += cnt[i];
	for (uint32_t p = 0; p < s->P; p++)
		if (holder[p] != NONE && idx[holder[p]] != NONE)
			list[cnt[idx[holder[p]]]++] = p;
	for (uint32_t i = n; i > 0; i--)
		cnt[i] = cnt[i - 1];
	cnt[0] = 0;
}

/* The group the assignor sees: members part[n] as they stand (part[] is
 * sorted here by member id), their subscriptions, racks, instance ids
 * when static, and, if with_owned, the partitions holder[] gives them on
 * paper with their generation. NULL after reporting a failure. */
static ka_group *assignor_group(struct sim *s, uint32_t *part, uint32_t n, int with_owned,
				const uint32_t *holder)
{
	const ks_plan *pl = s->plan;
	ka_builder *b = ka_builder_new(diag_ignore, NULL);
	uint32_t *tmp = malloc((size_t)(n ? n : 1) * sizeof(*tmp));
	uint32_t *cnt = calloc((size_t)n + 1, sizeof(*cnt));
	uint32_t *list = malloc((size_t)(s->P ? s->P : 1) * sizeof(*list));
	uint32_t *idx = malloc((size_t)(s->n_mem ? s->n_mem : 1) * sizeof(*idx));
	ka_group *g = NULL;
	if (!b || !tmp || !cnt || !list || !idx) {
		fail(s, "out of memory");
		goto out;
	}
	ka_sort_u32_by(part, n, tmp, cmp_member_id, s->run);
	for (uint32_t t = 0; t < s->n_topics; t++)
		if (ka_builder_add_topic(b, pl->topic_name[t], s->tparts[t]) < 0)
			goto builder;
	paper_lists(s, part, n, with_owned, holder, idx, cnt, list);
	for (uint32_t i = 0; i < n; i++) {
		const member *m = &s->mem[part[i]];
		const slot *sl = &s->slots[m->slot];
		const ks_member_info *info = &s->run->members[part[i]];
		int64_t gen = with_owned && cnt[i + 1] > cnt[i] ? m->generation : KA_NO_GENERATION;
		if (gen < 0)
			gen = KA_NO_GENERATION;
		if (ka_builder_add_member(b, info->member_id, info->instance_id, sl->rack, gen) <
			0 ||
		    ka_builder_subscribe_indices(b, i, sl->subs, sl->n_subs) < 0)
			goto builder;
		for (uint32_t k = cnt[i]; with_owned && k < cnt[i + 1]; k++)
			if (ka_builder_add_owned_index(b, i, s->ptopic[list[k]], s->pnum[list[k]],
						       k - cnt[i]) < 0)
				goto builder;
	}
	int rc = ka_builder_finish(b, &g);
	if (rc < 0)
		fail(s, "building the group for the assignor: %s", ka_strerror(rc));
	goto out;
builder:
	fail(s, "building the group for the assignor failed");
out:
	ka_builder_free(b);
	free(tmp);
	free(cnt);
	free(list);
	free(idx);
	if (s->failed) {
		ka_group_free(g);
		return NULL;
	}
	return g;
}

/* Runs the strategy on g into owner[] and checks its answer. Returns the
 * assignor's measured time in ms, or -1 after reporting a failure. */
static double assignor_call(struct sim *s, const ka_group *g, uint32_t *owner)
{
	const ks_plan *pl = s->plan;
	size_t wsz = ka_workspace_size(pl->strategy, g);
	void *ws = aligned_alloc(64, (wsz + 63) / 64 * 64 + 64);
	if (!ws) {
		fail(s, "out of memory");
		return -1;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = ka_assign(pl->strategy, g, ws, wsz, owner);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(ws);
	if (rc < 0) {
		fail(s, "strategy %s: %s", pl->strategy->name, ka_strerror(rc));
		return -1;
	}
	/* No invalid assignment is counted: the strategy's output is checked
	 * against its group (a cooperative round may withhold a partition that
	 * changes owner), and a failure ends the run as an internal error. */
	first_violation fv = {0};
	const uint64_t nv = ka_assignment_validate(
	    g, owner, (pl->strategy->flags & KA_STRATEGY_COOPERATIVE) != 0, note_violation, &fv);
	if (nv) {
		const uint32_t t = ka_group_partition_topic(g, fv.partition);
		s->internal = 1;
		fail(s,
		     "internal error: strategy %s produced an invalid assignment (%llu "
		     "violation%s): partition %s-%u %s%s",
		     pl->strategy->name, (unsigned long long)nv, nv == 1 ? "" : "s",
		     g->topic_name[t], fv.partition - g->topic_off[t],
		     fv.rule == KA_VUNASSIGNED     ? "is unassigned, its topic has subscribers"
		     : fv.rule == KA_VUNSUBSCRIBED ? "is given to a non-subscriber, "
						   : "is given to no member of the group",
		     fv.rule == KA_VUNSUBSCRIBED ? g->member_id[fv.member] : "");
		return -1;
	}
	return (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
}

/* owner[] (by group partition, group member) into out[] (by internal
 * partition id, simulator member). Group member k is part[j] for the j
 * whose member id it has: part[] is sorted by member id, so a binary
 * search finds it; gm[] is scratch for the group's members. */
static void assignor_owners(const struct sim *s, const uint32_t *part, uint32_t n,
			    const ka_group *g, const uint32_t *owner, uint32_t *gm, uint32_t *out)
{
	for (uint32_t k = 0; k < g->n_members; k++) {
		size_t lo = 0, hi = n;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = strcmp(s->run->members[part[mid]].member_id, g->member_id[k]);
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		gm[k] = part[lo];
	}
	for (uint32_t t = 0; t < s->n_topics; t++)
		for (uint32_t k = 0; k < s->tparts[t]; k++) {
			uint32_t o = owner[g->topic_off[t] + k];
			out[s->tpid[t][k]] = o == KA_NONE ? NONE : gm[o];
		}
}

/*
 * Runs the plan's strategy on the group made of members part[n] as they
 * stand: subscriptions, racks, instance ids when static, and, if
 * with_owned, the partitions each holds on paper with its generation.
 * out[] (by internal partition id) receives the owner member, NONE where
 * the strategy withholds or nobody subscribes. Returns the assignor's time
 * in ms (model.assign_ms when set), or -1 on failure.
 */
static double run_assignor(struct sim *s, uint32_t *part, uint32_t n, int with_owned,
			   const uint32_t *holder, uint32_t *out)
{
	ka_group *g = assignor_group(s, part, n, with_owned, holder);
	if (!g)
		return -1;
	uint32_t *owner = malloc((size_t)(g->n_partitions ? g->n_partitions : 1) * sizeof(*owner));
	uint32_t *gm = malloc((size_t)(g->n_members ? g->n_members : 1) * sizeof(*gm));
	double ms = -1;
	if (!owner || !gm) {
		fail(s, "out of memory");
	} else {
		ms = assignor_call(s, g, owner);
		if (ms >= 0)
			assignor_owners(s, part, n, g, owner, gm, out);
		if (ms >= 0 && s->plan->assign_ms >= 0)
			ms = s->plan->assign_ms;
	}
	free(owner);
	free(gm);
	ka_group_free(g);
	return s->failed ? -1 : ms;
}

/* ------------------------------------------------------------------ the classic coordinator */

static ks_rebalance *open_record(struct sim *s, double start, const char *kind)
{
	ks_run *r = s->run;
	if (GROW(s, r->rebalances, s->cap_rb, r->n_rebalances + 1) < 0)
		return NULL;
	s->cur_rb = r->n_rebalances++;
	ks_rebalance *rb = &r->rebalances[s->cur_rb];
	memset(rb, 0, sizeof(*rb));
	rb->start_ms = start;
	rb->kind = kind;
	snprintf(rb->trigger, sizeof(rb->trigger), "%s", s->trigger);
	s->stw_at_rb_start = s->plan->protocol == KS_CONSUMER ? s->stw : s->stw_round_start;
	return rb;
}

static void close_record(struct sim *s, double end, int superseded)
{
	if (s->cur_rb == SIZE_MAX)
		return;
	ks_rebalance *rb = &s->run->rebalances[s->cur_rb];
	rb->end_ms = end;
	rb->superseded = superseded;
	rb->stop_the_world_ms = s->stw - s->stw_at_rb_start;
	s->cur_rb = SIZE_MAX;
}

static void complete_join(struct sim *s, double t);

static int race_heartbeat(struct sim *s, uint32_t mi, double t, double h);

/* A member learns of the rebalance from its next heartbeat's response:
 * the first heartbeat that reaches the coordinator after it began. */
static void schedule_discovery(struct sim *s, uint32_t mi, double t)
{
	const member *m = &s->mem[mi];
	const double half = s->plan->rtt_ms / 2;
	double h = grid_next(m->hb_base, hb_interval(s->plan), t - half);
	if (race_heartbeat(s, mi, t, h)) {
		push(s, t + half, EV_DISCOVER, mi, s->round);
		return;
	}
	push(s, h + s->plan->rtt_ms, EV_DISCOVER, mi, s->round);
}

/* librdkafka 2.0.2, cooperative: a member whose heartbeat went out on its
 * SyncGroup response (rdkafka_cgrp.c, rd_kafka_cgrp_join_state_serve, in
 * join state wait-assign-call) races the JoinGroup that a member revoking
 * in the same generation sends moments later (after its revoke callback
 * and the assign callback that follows it, rd_kafka_cgrp_incr_unassign_done
 * then rd_kafka_cgrp_rejoin). Both leave in the burst of thread wake-ups
 * that the SyncGroup responses cause, and which reaches the coordinator
 * first is decided by thread scheduling, not by anything a plan says.
 * The heartbeat is queued first (the code path's order, the model's
 * timing); with probability model.followup_race it is answered after the
 * JoinGroup, REBALANCE_IN_PROGRESS, once the application's assign call
 * has been served, and the member rejoins at once
 * (rd_kafka_cgrp_handle_Heartbeat -> rd_kafka_cgrp_group_is_rebalancing;
 * a response served while it still waits for the assign call is dropped,
 * which the probability includes). Otherwise it learns at its next
 * heartbeat, an interval later. t is the follow-up's start, h the member's
 * next heartbeat by the model's timing. Records the draw as a run event
 * and returns 1 when the member catches the follow-up. */
static int race_heartbeat(struct sim *s, uint32_t mi, double t, double h)
{
	const member *m = &s->mem[mi];
	const double I = hb_interval(s->plan);
	/* Only the heartbeat sent on the SyncGroup response races, and only
	 * when the model has it arrive first (the next one is then an
	 * interval after it). */
	if (!s->race_trigger || m->race_gen != s->generation || h <= m->race_t + 1e-9 ||
	    h > m->race_t + I + 1e-9)
		return 0;
	const int caught = unit(&s->race_rng) <= s->plan->followup_race;
	add_run_event(s, t, caught ? "race-caught" : "race-missed", mi);
	return caught;
}

/* Something asks for a rebalance at t (coordinator time). */
static void trigger(struct sim *s, double t, const char *why)
{
	const ks_plan *pl = s->plan;
	if (s->cs == CS_PREPARING)
		return;
	snprintf(s->trigger, sizeof(s->trigger), "%s", why);
	if (s->cs == CS_COMPLETING) {
		/* The assignment in flight is dropped; SyncGroup answers
		 * REBALANCE_IN_PROGRESS, so those waiting rejoin at once. */
		close_record(s, t, 1);
		s->has_pending = 0;
	}
	const int was = s->cs;
	s->cs = CS_PREPARING;
	s->round++;
	s->n_joined = 0;
	s->round_revoked = 0;
	s->round_start = t;
	s->stw_round_start = s->stw;
	s->initial = was == CS_EMPTY;
	double deadline;
	if (pl->coordinator == KS_COORD_RDKAFKA_MOCK)
		deadline = t + pl->session_ms - 1000;
	else if (s->initial)
		deadline = t + pl->initial_delay_ms;
	else
		deadline = t + pl->rebalance_timeout_ms;
	s->deadline_t = deadline;
	push(s, deadline, EV_DEADLINE, 0, s->round);
	for (uint32_t mi = 0; mi < s->n_mem; mi++) {
		member *m = &s->mem[mi];
		if (!m->in_group || !m->alive)
			continue;
		if (m->state == MS_SYNC)
			push(s, t + pl->rtt_ms, EV_JOIN_ARRIVE, mi, ++m->join_tok);
		else if (m->state == MS_STABLE)
			schedule_discovery(s, mi, t);
	}
}

static void maybe_complete(struct sim *s, double t)
{
	if (s->cs != CS_PREPARING || s->initial || s->plan->coordinator == KS_COORD_RDKAFKA_MOCK)
		return;
	if (s->n_joined == s->n_in_group && s->n_in_group > 0)
		complete_join(s, t);
}

static void mark_joined(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	if (m->joined_round == s->round)
		return;
	m->joined_round = s->round;
	m->state = MS_JOIN;
	m->hb_last = grid_last(m->hb_base, hb_interval(s->plan), t);
	s->n_joined++;
	if (s->initial && s->plan->coordinator == KS_COORD_KAFKA) {
		/* InitialDelayedJoin: each join extends the wait by the delay,
		 * up to the rebalance timeout. */
		double d = t + s->plan->initial_delay_ms;
		double cap = s->round_start + s->plan->rebalance_timeout_ms;
		s->deadline_t = d < cap ? d : cap;
		push(s, s->deadline_t, EV_DEADLINE, 0, s->round);
	}
}

static void remove_member(struct sim *s, uint32_t mi, double t, const char *why)
{
	member *m = &s->mem[mi];
	if (!m->in_group)
		return;
	m->in_group = 0;
	s->n_in_group--;
	if (m->joined_round == s->round && s->cs == CS_PREPARING)
		s->n_joined--;
	m->joined_round = UINT32_MAX;
	m->exp_tok++;
	/* Its partitions on paper become nobody's. */
	for (uint32_t i = 0; i < m->n_held; i++)
		if (s->paper[m->held[i]] == mi)
			s->paper[m->held[i]] = NONE;
	m->n_held = 0;
	if (s->n_in_group == 0) {
		if (s->cs == CS_COMPLETING || s->cs == CS_PREPARING)
			close_record(s, t, 1);
		s->cs = CS_EMPTY;
		s->has_pending = 0;
		return;
	}
	if (s->cs == CS_PREPARING)
		maybe_complete(s, t);
	else
		trigger(s, t, why);
}

static int is_static(const struct sim *s, uint32_t si);
static void pause_forfeit(struct sim *s, uint32_t mi);
static int missed(const struct sim *s, uint32_t mi);

/* The join phase ends: the generation is made, the leader assigns. */
static void complete_join(struct sim *s, double t)
{
	const ks_plan *pl = s->plan;
	char why[128];
	/* Kafka drops the dynamic members that did not rejoin in time and
	 * keeps the static ones, which leave only when their session expires
	 * (GroupMetadataManager.completeClassicGroupJoin removes
	 * notYetRejoinedMembers that are not static); librdkafka 2.0.2's mock
	 * keeps every one in the generation's member list. */
	for (uint32_t mi = 0; mi < s->n_mem && pl->coordinator == KS_COORD_KAFKA; mi++) {
		member *m = &s->mem[mi];
		if (m->in_group && m->joined_round != s->round && !is_static(s, m->slot)) {
			pause_forfeit(s, mi);
			/* Did not rejoin within the rebalance timeout. */
			snprintf(why, sizeof(why), "timeout %s", mem_name(s, mi));
			m->in_group = 0;
			s->n_in_group--;
			m->exp_tok++;
			add_run_event(s, t, "expire", mi);
		}
	}
	if (s->n_in_group == 0) {
		s->cs = CS_EMPTY;
		return;
	}
	s->generation++;
	uint32_t *part = malloc((size_t)s->n_in_group * sizeof(*part));
	if (!part) {
		fail(s, "out of memory");
		return;
	}
	uint32_t n = 0;
	for (uint32_t mi = 0; mi < s->n_mem; mi++)
		if (s->mem[mi].in_group)
			part[n++] = mi;
	/* Eager members revoked everything before rejoining and send no owned
	 * partitions; only StickyAssignor's user data carries the previous
	 * assignment through an eager round. */
	const int owned =
	    pl->protocol != KS_EAGER || ((pl->strategy->flags & KA_STRATEGY_STICKY) &&
					 !(pl->strategy->flags & KA_STRATEGY_COOPERATIVE));
	double a = run_assignor(s, part, n, owned, s->paper, s->pending);
	free(part);
	if (a < 0)
		return;
	s->has_pending = 1;
	s->cs = CS_COMPLETING;
	ks_rebalance *rb =
	    open_record(s, s->round_start, pl->protocol == KS_EAGER ? "eager" : NULL);
	if (!rb)
		return;
	rb->generation = s->generation;
	rb->members = n;
	rb->assign_ms = a;
	for (uint32_t mi = 0; mi < s->n_mem; mi++) {
		member *m = &s->mem[mi];
		if (!m->in_group || missed(s, mi))
			continue;
		m->state = m->alive ? MS_SYNC : m->state;
		/* The join kept members alive; their session runs again from here
		 * (a member in a slow batch heartbeats on). */
		if (!m->alive && !(m->stalled && !m->poll_timed_out))
			expire_at(s, mi, t);
	}
	/* Join response to the leader, its assignment, its SyncGroup, the
	 * responses to everyone. On librdkafka's mock as kassign probe drives
	 * it, the leader is held until every follower has sent its SyncGroup,
	 * plus 20 ms, and at most 2 s plus 20 ms when a follower never will
	 * (probe/probe.c, KP_LEADER_MARGIN_MS, KP_LEADER_WAIT_MAX_MS): the
	 * mock refuses a follower's SyncGroup that comes after the leader's. */
	double hold = 0;
	if (pl->coordinator == KS_COORD_RDKAFKA_MOCK) {
		hold = MOCK_HOLD_MARGIN_MS;
		for (uint32_t mi = 0; mi < s->n_mem; mi++)
			if (s->mem[mi].in_group && missed(s, mi)) {
				hold = MOCK_HOLD_MAX_MS + MOCK_HOLD_MARGIN_MS;
				break;
			}
	}
	push(s, t + 1.5 * pl->rtt_ms + a + hold, EV_ASSIGN, 0, s->round);
}

/* librdkafka 2.0.2's mock keeps a member that did not rejoin in the
 * generation: it never sends that generation's SyncGroup, so it neither
 * learns of its assignment nor takes its new generation; it goes on with
 * what it had until a heartbeat is answered ILLEGAL_GENERATION. */
static int missed(const struct sim *s, uint32_t mi)
{
	const member *m = &s->mem[mi];
	return s->plan->coordinator == KS_COORD_RDKAFKA_MOCK && m->alive &&
	       m->joined_round != s->round && m->state == MS_STABLE;
}

/* Every member receives the generation's assignment. */
static void deliver(struct sim *s, double t)
{
	const ks_plan *pl = s->plan;
	ks_rebalance *rb = &s->run->rebalances[s->cur_rb];
	uint32_t revoked = 0, assigned = 0, moved = 0;
	uint8_t *rejoin = calloc(s->n_mem ? s->n_mem : 1, 1);
	double *wait = calloc(s->n_mem ? s->n_mem : 1, sizeof(*wait));
	if (!rejoin || !wait) {
		free(rejoin);
		free(wait);
		fail(s, "out of memory");
		return;
	}
	/* Cooperative: the revoke callback runs in the member's next poll();
	 * until then it goes on processing what it lost (nobody else has it:
	 * the assignor withholds a partition that changes owner). */
	for (uint32_t mi = 0; mi < s->n_mem && pl->protocol == KS_COOPERATIVE; mi++) {
		wait[mi] = s->mem[mi].alive ? batch_part(s, &s->mem[mi], t) : 0;
	}
	for (uint32_t mi = 0; mi < s->n_mem; mi++)
		s->mem[mi].n_held = 0;
	for (uint32_t p = 0; p < s->P; p++) {
		const uint32_t nw = s->pending[p], cur = s->proc[p];
		if (cur != NONE && cur != nw && nw == NONE && wait[cur] > 0) {
			rejoin[cur] = 2;
			revoked++;
		} else if (cur != NONE && cur != nw) {
			/* Cooperative: revoke what was lost (with a commit). */
			proc_stop(s, p, t, 1);
			s->mem[cur].last_commit = t;
			rejoin[cur] = 1;
			revoked++;
		}
		if (nw != NONE && s->proc[p] != nw) {
			assigned++;
			if (s->last_holder[p] != NONE && s->last_holder[p] != nw)
				moved++;
		}
		s->paper[p] = nw;
		if (nw != NONE) {
			s->last_holder[p] = nw;
			member *m = &s->mem[nw];
			if (m->alive && s->proc[p] == NONE && !missed(s, nw))
				proc_start(s, p, nw, t);
			else if (!m->alive)
				held_add(s, nw, p);
		}
	}
	if (pl->protocol == KS_EAGER)
		revoked = s->round_revoked;
	rb->revoked = revoked;
	rb->assigned = assigned;
	rb->moved = moved;
	if (pl->protocol == KS_COOPERATIVE)
		rb->kind = revoked && !assigned ? "cooperative-revoke" : "cooperative-assign";
	s->cs = CS_STABLE;
	s->has_pending = 0;
	close_record(s, t, 0);
	for (uint32_t mi = 0; mi < s->n_mem; mi++) {
		member *m = &s->mem[mi];
		if (!m->in_group || missed(s, mi))
			continue;
		m->generation = s->generation;
		if (!m->alive)
			continue;
		m->state = MS_STABLE;
		const int hb_now = hb_restart(s, m, t);
		if (hb_now && pl->protocol == KS_COOPERATIVE) {
			m->race_gen = s->generation;
			m->race_t = t;
		}
		if (rejoin[mi])
			m->revoke_gen = s->generation;
		member_back(s, mi, t);
		if (rejoin[mi] == 2)
			push(s, t + wait[mi], EV_COOP_REVOKE, mi, ++m->revoke_tok);
		else if (rejoin[mi] && pl->protocol == KS_COOPERATIVE)
			push(s, t + pl->commit_ms + pl->revoke_cb_ms + pl->rtt_ms / 2,
			     EV_JOIN_ARRIVE, mi, ++m->join_tok);
	}
	free(rejoin);
	free(wait);
}

/* A cooperative member's poll() runs the revoke callback for what the
 * generation took away (with a commit), then rejoins. */
static void coop_revoke(struct sim *s, uint32_t mi, double t)
{
	const ks_plan *pl = s->plan;
	member *m = &s->mem[mi];
	if (!m->alive || !m->in_group || m->closing)
		return;
	int any = 0;
	for (uint32_t i = m->n_proc; i-- > 0;) {
		const uint32_t p = m->proc[i];
		if (s->paper[p] != mi) {
			proc_stop(s, p, t, 1);
			any = 1;
		}
	}
	if (!any)
		return;
	m->last_commit = t;
	push(s, t + pl->commit_ms + pl->revoke_cb_ms + pl->rtt_ms / 2, EV_JOIN_ARRIVE, mi,
	     ++m->join_tok);
}

/* ------------------------------------------------------------------ KIP-848 */

/* The coordinator's view of who owns p changes to v; keeps the per-member
 * mismatch counts (paper against target) and the group's total. */
static void set_paper(struct sim *s, uint32_t p, uint32_t v)
{
	const uint32_t old = s->paper[p], tg = s->target[p];
	if (old == v)
		return;
	if (old != tg) {
		s->n_mismatch--;
		if (old != NONE)
			s->mem[old].mismatch--;
		if (tg != NONE)
			s->mem[tg].mismatch--;
	}
	s->paper[p] = v;
	if (v != tg) {
		s->n_mismatch++;
		if (v != NONE)
			s->mem[v].mismatch++;
		if (tg != NONE)
			s->mem[tg].mismatch++;
	}
}

static void heartbeat_soon(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	if (m->hb_pending || !m->alive || !m->in_group)
		return;
	m->hb_pending = 1;
	double h = grid_next(m->hb_base, hb_interval(s->plan), t);
	push(s, h + s->plan->rtt_ms, EV_HEARTBEAT, mi, ++m->hb_tok);
}

static void check_reconciled(struct sim *s, double t)
{
	if (s->cur_rb != SIZE_MAX && s->n_mismatch == 0)
		close_record(s, t, 0);
}

/* The group changed at t: a new epoch and its target. */
static void new_target(struct sim *s, double t, const char *why)
{
	snprintf(s->trigger, sizeof(s->trigger), "%s", why);
	if (s->cur_rb != SIZE_MAX)
		close_record(s, t, 1);
	s->epoch++;
	uint32_t *part = malloc((size_t)(s->n_in_group ? s->n_in_group : 1) * sizeof(*part));
	if (!part) {
		fail(s, "out of memory");
		return;
	}
	uint32_t n = 0;
	for (uint32_t mi = 0; mi < s->n_mem; mi++)
		if (s->mem[mi].in_group)
			part[n++] = mi;
	double a = 0;
	if (n)
		a = run_assignor(s, part, n, 1, s->target, s->pending);
	else
		for (uint32_t p = 0; p < s->P; p++)
			s->pending[p] = NONE;
	free(part);
	if (a < 0)
		return;
	ks_rebalance *rb = open_record(s, t, "reconcile");
	if (!rb)
		return;
	rb->generation = (int32_t)s->epoch;
	rb->members = n;
	rb->assign_ms = a;
	push(s, t + a, EV_TARGET, 0, s->epoch);
}

static void install_target(struct sim *s, double t)
{
	ks_rebalance *rb = &s->run->rebalances[s->cur_rb];
	for (uint32_t mi = 0; mi < s->n_mem; mi++)
		s->mem[mi].mismatch = 0;
	s->n_mismatch = 0;
	uint32_t moved = 0;
	for (uint32_t p = 0; p < s->P; p++) {
		const uint32_t nw = s->pending[p];
		if (nw != NONE && s->target[p] != NONE && s->target[p] != nw)
			moved++;
		s->target[p] = nw;
		if (s->paper[p] != nw) {
			s->n_mismatch++;
			if (s->paper[p] != NONE)
				s->mem[s->paper[p]].mismatch++;
			if (nw != NONE)
				s->mem[nw].mismatch++;
		}
	}
	rb->moved = moved;
	/* Each member's target as a CSR list, so a heartbeat looks at its own
	 * partitions only. */
	free(s->tgt_off);
	s->tgt_n = s->n_mem;
	s->tgt_off = calloc((size_t)s->tgt_n + 1, sizeof(*s->tgt_off));
	if (!s->tgt_off || GROW(s, s->tgt_list, s->cap_tgt, s->P + 1) < 0) {
		fail(s, "out of memory");
		return;
	}
	for (uint32_t p = 0; p < s->P; p++)
		if (s->target[p] != NONE)
			s->tgt_off[s->target[p] + 1]++;
	for (uint32_t i = 0; i < s->tgt_n; i++)
		s->tgt_off[i + 1] += s->tgt_off[i];
	for (uint32_t p = 0; p < s->P; p++)
		if (s->target[p] != NONE)
			s->tgt_list[s->tgt_off[s->target[p]]++] = p;
	for (uint32_t i = s->tgt_n; i > 0; i--)
		s->tgt_off[i] = s->tgt_off[i - 1];
	s->tgt_off[0] = 0;
	for (uint32_t mi = 0; mi < s->n_mem; mi++)
		if (s->mem[mi].mismatch)
			heartbeat_soon(s, mi, t);
	check_reconciled(s, t);
}

/* Member mi revokes what its target lost: commit, revoke callback, and
 * the acknowledgement that frees them. Returns how many. */
static uint32_t revoke_848(struct sim *s, uint32_t mi, double t)
{
	const ks_plan *pl = s->plan;
	member *m = &s->mem[mi];
	ks_rebalance *rb = s->cur_rb != SIZE_MAX ? &s->run->rebalances[s->cur_rb] : NULL;
	uint32_t nrev = 0;
	for (uint32_t i = m->n_proc; i-- > 0;) {
		uint32_t p = m->proc[i];
		if (s->target[p] != mi) {
			proc_stop(s, p, t, 1);
			if (GROW(s, m->rev, m->cap_rev, m->n_rev + 1) < 0)
				return nrev;
			m->rev[m->n_rev++] = p;
			nrev++;
		}
	}
	if (nrev) {
		m->last_commit = t;
		if (rb)
			rb->revoked += nrev;
		push(s, t + pl->commit_ms + pl->revoke_cb_ms + pl->rtt_ms, EV_ACK, mi, 0);
	}
	return nrev;
}

/* A heartbeat's response reaches member mi at t: it is told to revoke what
 * its target lost and given what its target gained and nobody holds. */
static void heartbeat(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	m->hb_pending = 0;
	if (!m->alive || !m->in_group)
		return;
	ks_rebalance *rb = s->cur_rb != SIZE_MAX ? &s->run->rebalances[s->cur_rb] : NULL;
	uint32_t nrev = 0;
	if (!m->revoke_pending) {
		/* The revocation runs in the application thread's next poll(). */
		int lost = 0;
		for (uint32_t i = 0; i < m->n_proc && !lost; i++)
			lost = s->target[m->proc[i]] != mi;
		const double w = lost ? batch_part(s, m, t) : 0;
		if (w > 0) {
			m->revoke_pending = 1;
			push(s, t + w, EV_848_REVOKE, mi, ++m->revoke_tok);
		} else if (lost) {
			nrev = revoke_848(s, mi, t);
		}
	}
	/* Partitions of its target that are free. A full scan of the target
	 * only happens while the member is not reconciled. */
	if (m->mismatch && mi < s->tgt_n) {
		for (uint32_t k = s->tgt_off[mi]; k < s->tgt_off[mi + 1]; k++) {
			const uint32_t p = s->tgt_list[k];
			if (s->target[p] == mi && s->paper[p] == NONE) {
				set_paper(s, p, mi);
				proc_start(s, p, mi, t);
				if (rb)
					rb->assigned++;
			}
		}
	}
	if (m->mismatch == 0)
		member_back(s, mi, t);
	else if (!nrev && !m->revoke_pending)
		heartbeat_soon(s, mi, t + 1e-6);
	check_reconciled(s, t);
}

static void ack(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	for (uint32_t i = 0; i < m->n_rev; i++)
		if (s->paper[m->rev[i]] == mi)
			set_paper(s, m->rev[i], NONE);
	m->n_rev = 0;
	/* Those waiting for the freed partitions learn at their next heartbeat;
	 * this member goes on heartbeating while it is not reconciled. */
	if (m->mismatch)
		heartbeat_soon(s, mi, t);
	check_reconciled(s, t);
}

/* ------------------------------------------------------------------ processes */

static int is_static(const struct sim *s, uint32_t si)
{
	return s->plan->static_membership && s->slots[si].instance;
}

/* Removes member mi under the consumer protocol: its partitions are free
 * at once and the group gets a new target. */
static void remove_848(struct sim *s, uint32_t mi, double t, const char *why)
{
	member *m = &s->mem[mi];
	if (!m->in_group)
		return;
	m->in_group = 0;
	s->n_in_group--;
	m->exp_tok++;
	for (uint32_t p = 0; p < s->P; p++)
		if (s->paper[p] == mi)
			set_paper(s, p, NONE);
	m->n_held = 0;
	m->n_rev = 0;
	new_target(s, t, why);
}

static void drop_member(struct sim *s, uint32_t mi, double t, const char *why)
{
	if (s->plan->protocol == KS_CONSUMER)
		remove_848(s, mi, t, why);
	else
		remove_member(s, mi, t, why);
}

/* Process si stops at t. kind: KS_STOP_CLOSE (a restart's graceful
 * close), KS_STOP_KILL, STOP_LEAVE (leaves for good, gracefully),
 * STOP_CRASH (gone without a word). */
static void stop_process(struct sim *s, uint32_t si, double t, int kind)
{
	const ks_plan *pl = s->plan;
	slot *sl = &s->slots[si];
	if (!sl->alive || sl->mem == NONE)
		return;
	const uint32_t mi = sl->mem;
	member *m = &s->mem[mi];
	const int graceful = kind == KS_STOP_CLOSE || kind == STOP_LEAVE;
	if (m->closing == 1 && graceful)
		return; /* already closing: its batch is under way */
	if (graceful && !m->closing) {
		/* close() is called from the poll thread, which first finishes
		 * the batch under way (processing, and so holding, its
		 * partitions meanwhile): then commit, revoke, leave. */
		const double w = batch_part(s, m, t);
		if (w > 0) {
			m->closing = 1;
			if (kind == STOP_LEAVE)
				sl->stopping = 1;
			push(s, t + w, EV_CLOSE, si, (uint64_t)kind);
			return;
		}
	}
	m->closing = 0;
	if (is_static(s, si)) {
		/* What it held, to resume if it is back within the session. */
		m->n_held = 0;
		for (uint32_t i = 0; i < m->n_proc; i++)
			held_add(s, mi, m->proc[i]);
	}
	proc_stop_all(s, mi, t, graceful);
	sl->alive = 0;
	m->alive = 0;
	m->state = MS_DOWN;
	m->hb_pending = 0;
	m->hb_tok++;
	add_run_event(s, t, kind == STOP_LEAVE ? "leave" : "stop", mi);
	if (m->in_group) {
		if (graceful && !is_static(s, si)) {
			/* close(): commit, the revoke callback, then LeaveGroup. */
			push(s, t + pl->commit_ms + pl->revoke_cb_ms + pl->rtt_ms / 2,
			     EV_LEAVE_ARRIVE, mi, 0);
		} else if (graceful && pl->protocol == KS_CONSUMER) {
			/* KIP-848: a static member's close is a heartbeat with epoch
			 * -2, a temporary leave: the coordinator keeps its
			 * assignment for its instance id until the session ends. */
			m->left_static = 1;
			m->exp_tok++;
			push(s,
			     t + pl->commit_ms + pl->revoke_cb_ms + pl->rtt_ms / 2 + pl->session_ms,
			     EV_EXPIRE, mi, m->exp_tok);
		} else {
			/* A static member's classic close sends nothing; a killed one
			 * cannot: the coordinator waits for the session to run out
			 * from the last heartbeat that reached it. */
			m->left_static = 0;
			double last = grid_last(m->hb_base, hb_interval(pl), t);
			m->exp_tok++;
			push(s, last + pl->rtt_ms / 2 + pl->session_ms, EV_EXPIRE, mi, m->exp_tok);
		}
	}
	if (kind == KS_STOP_CLOSE || kind == KS_STOP_KILL)
		push(s, t + pl->restart_ms, EV_START, si, 0);
	if (kind == STOP_LEAVE || kind == STOP_CRASH)
		sl->stopping = 1;
}

/* Process si starts at t (first start or back from a restart). */
static void start_process(struct sim *s, uint32_t si, double t, const char *what)
{
	const ks_plan *pl = s->plan;
	slot *sl = &s->slots[si];
	if (sl->alive)
		return;
	sl->alive = 1;
	uint32_t mi = sl->mem;
	if (mi != NONE && is_static(s, si) && s->mem[mi].in_group && pl->protocol == KS_CONSUMER &&
	    !s->mem[mi].left_static) {
		/* KIP-848: the old member still holds the instance id (it was
		 * killed, it never sent the epoch -2 leave), so the new process's
		 * first heartbeat is answered UNRELEASED_INSTANCE_ID
		 * (GroupMetadataManager.throwIfInstanceIdIsUnreleased). The Java
		 * consumer takes it as fatal (ConsumerHeartbeatRequestManager
		 * handleSpecificError -> handleFatalFailure): the process fails
		 * and its supervisor starts it again restart_ms later, until the
		 * old member's session has ended. */
		sl->alive = 0;
		add_run_event(s, t, "refused", mi);
		push(s, t + pl->rtt_ms + pl->restart_ms, EV_START, si, 0);
		return;
	}
	if (mi != NONE && is_static(s, si) && s->mem[mi].in_group) {
		/* A static member back within its session: the same member. */
		member *m = &s->mem[mi];
		m->left_static = 0;
		m->alive = 1;
		m->exp_tok++;
		m->lag_t = t;
		m->commit_base = m->last_commit = t;
		m->hb_base = t;
		m->hb_sent = 0;
		add_run_event(s, t, what, mi);
		if (pl->protocol == KS_CONSUMER)
			push(s, t + pl->rtt_ms, EV_STATIC_BACK, mi, m->exp_tok);
		else
			push(s, t + pl->rtt_ms / 2, EV_JOIN_ARRIVE, mi, ++m->join_tok);
		return;
	}
	mi = member_new(s, si, t);
	if (mi == NONE)
		return;
	member *m = &s->mem[mi];
	m->alive = 1;
	m->hb_base = t;
	m->hb_sent = 0;
	add_run_event(s, t, what, mi);
	if (pl->protocol == KS_CONSUMER) {
		/* The first heartbeat (epoch 0) is the join. */
		push(s, t + pl->rtt_ms, EV_JOIN_ARRIVE, mi, ++m->join_tok);
		return;
	}
	/* KIP-394: a dynamic member's first JoinGroup is answered
	 * MEMBER_ID_REQUIRED and sent again with the id. */
	const double first = is_static(s, si) ? pl->rtt_ms / 2 : 1.5 * pl->rtt_ms;
	push(s, t + first, EV_JOIN_ARRIVE, mi, ++m->join_tok);
}

/* What member mi consumed since its last commit: a new owner of its
 * partitions processes it again if the member never commits it. */
static double uncommitted(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	const double rate = part_rate(s, m), lc = last_commit(s, m, t);
	double lost = 0;
	for (uint32_t i = 0; i < m->n_proc; i++) {
		const double since = lc > s->iv_from[m->proc[i]] ? lc : s->iv_from[m->proc[i]];
		lost += rate * (t - since);
	}
	return lost;
}

/* Process si pauses at t for d ms: no heartbeat, no processing, no commit
 * (a long GC pause, a network partition). Back within its session it
 * carries on as if nothing happened; later, the coordinator has expired it,
 * its partitions went to others, who process again what it had not
 * committed, and it rejoins (its next heartbeat is refused). */
static void pause_process(struct sim *s, uint32_t si, double t, double d, int stall)
{
	const ks_plan *pl = s->plan;
	slot *sl = &s->slots[si];
	if (!sl->alive || sl->stopping || sl->mem == NONE)
		return;
	const uint32_t mi = sl->mem;
	member *m = &s->mem[mi];
	if (!m->alive || m->closing)
		return;
	m->pause_lost = uncommitted(s, mi, t);
	m->n_held = 0;
	for (uint32_t i = 0; i < m->n_proc; i++)
		held_add(s, mi, m->proc[i]);
	/* Stopped, not lost: the loss is counted if the session runs out. */
	while (m->n_proc)
		proc_stop(s, m->proc[m->n_proc - 1], t, 1);
	sl->alive = 0;
	m->alive = 0;
	m->paused = 1;
	m->pause_tok++;
	m->hb_pending = 0;
	m->hb_tok++;
	m->stalled = stall;
	m->poll_timed_out = 0;
	add_run_event(s, t, stall ? "slow-batch" : "pause", mi);
	if (stall) {
		/* The heartbeat thread goes on; max.poll.interval.ms after the
		 * last poll() it gives up on the member. */
		if (d > pl->max_poll_ms)
			push(s, t + pl->max_poll_ms, EV_POLL_TIMEOUT, mi, m->pause_tok);
	} else {
		s->n_paused++;
		if (m->in_group) {
			double last = grid_last(m->hb_base, hb_interval(pl), t);
			m->exp_tok++;
			push(s, last + pl->rtt_ms / 2 + pl->session_ms, EV_EXPIRE, mi, m->exp_tok);
		}
	}
	push(s, t + d, EV_PAUSE_END, mi, m->pause_tok);
}

/* A slow batch passed max.poll.interval.ms: the heartbeat thread leaves
 * the group for a dynamic member (LeaveGroup, AbstractCoordinator's
 * maybeLeaveGroup); a static one sends nothing and stops heartbeating, so
 * the coordinator expires it at the end of its session. Either way its
 * generation is reset: its next poll() rejoins. */
static void poll_timeout(struct sim *s, uint32_t mi, double t)
{
	const ks_plan *pl = s->plan;
	member *m = &s->mem[mi];
	m->poll_timed_out = 1;
	add_run_event(s, t, "poll-timeout", mi);
	if (!m->in_group)
		return;
	if (!is_static(s, m->slot)) {
		push(s, t + pl->rtt_ms / 2, EV_LEAVE_ARRIVE, mi, 0);
	} else {
		double last = grid_last(m->hb_base, hb_interval(pl), t);
		m->exp_tok++;
		push(s, last + pl->rtt_ms / 2 + pl->session_ms, EV_EXPIRE, mi, m->exp_tok);
	}
}

/* A paused member is dropped from the group: what it had consumed and not
 * committed goes back to its partitions, to be processed again. */
static void pause_forfeit(struct sim *s, uint32_t mi)
{
	member *m = &s->mem[mi];
	if (!m->paused || m->pause_lost <= 0)
		return;
	if (!m->stalled)
		s->n_pause_expired++;
	uint32_t n = 0;
	for (uint32_t i = 0; i < m->n_held; i++)
		n += s->proc[m->held[i]] == NONE;
	for (uint32_t i = 0; i < m->n_held && n; i++)
		if (s->proc[m->held[i]] == NONE)
			s->plag[m->held[i]] += m->pause_lost / n;
	if (n) {
		s->twice += m->pause_lost;
		s->G += m->pause_lost;
	}
	m->pause_lost = 0;
}

static void start_process(struct sim *s, uint32_t si, double t, const char *what);
static void schedule_discovery(struct sim *s, uint32_t mi, double t);
static void heartbeat_soon(struct sim *s, uint32_t mi, double t);

static void pause_end(struct sim *s, uint32_t mi, double t)
{
	const ks_plan *pl = s->plan;
	member *m = &s->mem[mi];
	slot *sl = &s->slots[m->slot];
	m->paused = 0;
	m->stalled = 0;
	if (!m->in_group) {
		/* Fenced (UNKNOWN_MEMBER_ID): it rejoins, as a new member when
		 * dynamic, with its group.instance.id when static. */
		m->n_held = 0;
		start_process(s, m->slot, t, "start");
		return;
	}
	if (m->poll_timed_out) {
		/* A static member whose generation was reset by a poll timeout,
		 * still within its session: its JoinGroup gets its assignment
		 * back, as after a restart. */
		m->poll_timed_out = 0;
		m->state = MS_DOWN;
		start_process(s, m->slot, t, "rejoin");
		return;
	}
	sl->alive = 1;
	m->alive = 1;
	m->exp_tok++;
	m->lag_t = t;
	m->commit_base = t;
	hb_restart(s, m, t);
	add_run_event(s, t, "resume", mi);
	for (uint32_t i = 0; i < m->n_held; i++) {
		const uint32_t p = m->held[i];
		if (s->paper[p] == mi && s->proc[p] == NONE)
			proc_start(s, p, mi, t);
	}
	m->n_held = 0;
	if (pl->protocol == KS_CONSUMER) {
		m->state = MS_STABLE;
		if (m->mismatch)
			heartbeat_soon(s, mi, t);
		return;
	}
	if (s->cs == CS_PREPARING && m->joined_round != s->round) {
		m->state = MS_STABLE;
		schedule_discovery(s, mi, t);
	} else if (s->cs == CS_COMPLETING) {
		m->state = MS_SYNC;
	} else if (s->cs == CS_STABLE) {
		m->state = MS_STABLE;
		m->generation = s->generation;
	}
}

/* A static member's JoinGroup while the group is stable: the coordinator
 * swaps it in and hands back its assignment, no rebalance (KIP-345). */
static void static_back(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	if (!m->alive || !m->in_group)
		return;
	if (s->plan->protocol != KS_CONSUMER && (s->cs != CS_STABLE || m->state != MS_SYNC))
		return;
	for (uint32_t i = 0; i < m->n_held; i++) {
		const uint32_t p = m->held[i];
		if (s->paper[p] == mi && s->proc[p] == NONE)
			proc_start(s, p, mi, t);
	}
	m->n_held = 0;
	m->state = MS_STABLE;
	hb_restart(s, m, t);
	if (s->plan->protocol == KS_CONSUMER) {
		if (m->mismatch)
			heartbeat_soon(s, mi, t);
		else
			member_back(s, mi, t);
	} else {
		m->generation = s->generation;
		member_back(s, mi, t);
	}
}

static void join_arrive(struct sim *s, uint32_t mi, double t)
{
	const ks_plan *pl = s->plan;
	member *m = &s->mem[mi];
	char why[128];
	if (!m->alive)
		return;
	if (pl->protocol == KS_CONSUMER) {
		if (m->in_group)
			return;
		m->in_group = 1;
		s->n_in_group++;
		m->state = MS_STABLE;
		snprintf(why, sizeof(why), "join %s", mem_name(s, mi));
		new_target(s, t, why);
		return;
	}
	if (!m->in_group) {
		m->in_group = 1;
		s->n_in_group++;
		snprintf(why, sizeof(why), "join %s", mem_name(s, mi));
		trigger(s, t, why);
		mark_joined(s, mi, t);
		maybe_complete(s, t);
		return;
	}
	if (m->state == MS_DOWN) {
		/* A static member back from a restart. */
		if (s->cs == CS_STABLE) {
			m->state = MS_SYNC;
			push(s, t + 1.5 * pl->rtt_ms, EV_STATIC_BACK, mi, m->exp_tok);
			return;
		}
		if (s->cs == CS_COMPLETING) {
			/* The assignment on its way to the leader names the old
			 * member id: Kafka starts a new rebalance
			 * (updateStaticMemberThenRebalanceOrCompleteJoin). */
			snprintf(why, sizeof(why), "static rejoin %s", mem_name(s, mi));
			trigger(s, t, why);
			mark_joined(s, mi, t);
			maybe_complete(s, t);
			return;
		}
	}
	if (s->cs != CS_PREPARING) {
		snprintf(why, sizeof(why), "%s %s", m->why == WHY_METADATA ? "metadata" : "rejoin",
			 mem_name(s, mi));
		/* A revoker's JoinGroup: the follow-up of the generation it
		 * revoked in, which heartbeats sent on that generation's
		 * SyncGroup responses race (race_heartbeat). */
		s->race_trigger =
		    rdk(s) && pl->protocol == KS_COOPERATIVE && m->revoke_gen == s->generation;
		m->revoke_gen = KA_NO_GENERATION;
		trigger(s, t, why);
		s->race_trigger = 0;
	}
	if (pl->protocol == KS_EAGER && m->n_proc) {
		/* A member rejoining on its own (the leader after a metadata
		 * change) revokes first too. */
		s->round_revoked += m->n_proc;
		proc_stop_all(s, mi, t, 1);
	}
	m->why = WHY_REJOIN;
	mark_joined(s, mi, t);
	maybe_complete(s, t);
}

/* The member's next poll() after learning of the rebalance: onJoinPrepare
 * (commit; eager also revokes everything), then the JoinGroup. */
static void join_at_poll(struct sim *s, uint32_t mi, double t)
{
	const ks_plan *pl = s->plan;
	member *m = &s->mem[mi];
	/* On librdkafka's mock the join may have ended before this poll():
	 * the JoinGroup then starts another rebalance. */
	const int late = pl->coordinator == KS_COORD_RDKAFKA_MOCK && s->cs != CS_PREPARING &&
			 m->generation != s->generation;
	if ((s->cs != CS_PREPARING && !late) || !m->alive || !m->in_group ||
	    (!late && m->joined_round == s->round) || m->state != MS_STABLE || m->closing)
		return;
	double d = pl->commit_ms;
	if (pl->protocol == KS_EAGER) {
		s->round_revoked += m->n_proc;
		proc_stop_all(s, mi, t, 1);
		d += pl->revoke_cb_ms;
	}
	if (rdk(s) && pl->protocol == KS_COOPERATIVE)
		d = 0; /* straight from the heartbeat's response, nothing to commit */
	else
		m->last_commit = t;
	m->state = MS_JOIN;
	push(s, t + d + pl->rtt_ms / 2, EV_JOIN_ARRIVE, mi, ++m->join_tok);
}

/* A member that missed a generation on librdkafka's mock heartbeats with
 * the old one: the mock answers ILLEGAL_GENERATION
 * (rdkafka_mock_cgrp.c, rd_kafka_mock_cgrp_check_state). The consumer
 * takes its assignment as lost and rejoins (librdkafka 2.0.2:
 * rd_kafka_cgrp_handle_Heartbeat -> rd_kafka_cgrp_revoke_all_rejoin_maybe
 * with lost; the Java consumer: AbstractCoordinator HeartbeatResponseHandler
 * -> resetGenerationOnResponseError, then onPartitionsLost). The lost
 * callback runs in its next poll(); nothing is committed (the generation
 * is gone). Its JoinGroup starts a rebalance, which drops the generation
 * still syncing (the mock's rd_kafka_mock_cgrp_rebalance aborts it). */
static void illegal_generation(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	m->state = MS_JOIN;
	const double w = m->n_proc ? batch_part(s, m, t) : 0;
	push(s, t + w, EV_LOST, mi, ++m->join_tok);
}

static void lost_rejoin(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	if (!m->alive || !m->in_group)
		return;
	if (s->plan->protocol == KS_EAGER)
		s->round_revoked += m->n_proc;
	proc_stop_all(s, mi, t, 0);
	/* It owns nothing now: its JoinGroup claims nothing. */
	for (uint32_t p = 0; p < s->P; p++)
		if (s->paper[p] == mi)
			s->paper[p] = NONE;
	push(s, t + s->plan->rtt_ms / 2, EV_JOIN_ARRIVE, mi, ++m->join_tok);
}

/* A heartbeat's response says the group is rebalancing; the heartbeat
 * thread only notes it: the member acts at its next poll(), once the batch
 * under way is processed. */
static void discover(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	if (s->cs != CS_PREPARING && m->alive && m->in_group && m->state == MS_STABLE &&
	    s->plan->coordinator == KS_COORD_RDKAFKA_MOCK && m->generation != s->generation) {
		illegal_generation(s, mi, t);
		return;
	}
	if (s->cs != CS_PREPARING || !m->alive || !m->in_group || m->joined_round == s->round ||
	    m->state != MS_STABLE)
		return;
	/* librdkafka's cooperative consumer rejoins from its background
	 * thread on the heartbeat's response (rdkafka_cgrp.c,
	 * rd_kafka_cgrp_group_is_rebalancing); the Java consumer, and an
	 * eager librdkafka one (its revoke callback), wait for poll(). */
	if (m->poll_round != s->round && !(rdk(s) && s->plan->protocol == KS_COOPERATIVE)) {
		const double w = batch_part(s, m, t);
		if (w > 0) {
			m->poll_round = s->round;
			push(s, t + w, EV_POLL, mi, s->round);
			return;
		}
	}
	join_at_poll(s, mi, t);
}

static void expire(struct sim *s, uint32_t mi, double t)
{
	member *m = &s->mem[mi];
	char why[128];
	if (!m->in_group || m->alive)
		return;
	/* Members parked in the join are kept until it completes. */
	if (s->plan->protocol != KS_CONSUMER && s->cs == CS_PREPARING &&
	    m->joined_round == s->round)
		return;
	add_run_event(s, t, "expire", mi);
	snprintf(why, sizeof(why), "expire %s", mem_name(s, mi));
	pause_forfeit(s, mi);
	drop_member(s, mi, t, why);
}

/* ------------------------------------------------------------------ plan events */

static uint32_t add_slot(struct sim *s, const char *name, const char *instance, const char *rack,
			 const uint32_t *subs, uint32_t n_subs)
{
	if (GROW(s, s->slots, s->cap_slots, s->n_slots + 1) < 0)
		return NONE;
	slot *sl = &s->slots[s->n_slots];
	memset(sl, 0, sizeof(*sl));
	char buf[32];
	if (!name) {
		snprintf(buf, sizeof(buf), "m%04u", s->n_slots);
		name = buf;
	}
	sl->name = strdup(name);
	if (instance)
		sl->instance = strdup(instance);
	else if (s->plan->static_membership) {
		snprintf(buf, sizeof(buf), "i%s", sl->name + (sl->name[0] == 'm'));
		sl->instance = strdup(buf);
	}
	sl->rack = rack;
	sl->subs = subs;
	sl->n_subs = n_subs;
	sl->mem = NONE;
	sl->roll = -1;
	if (!sl->name || (s->plan->static_membership && !sl->instance)) {
		fail(s, "out of memory");
		return NONE;
	}
	return s->n_slots++;
}

/* Processes alive and not on their way out, from the last one: whom a
 * leave by count or a scale-in stops. */
static uint32_t last_alive(struct sim *s)
{
	for (uint32_t i = s->n_slots; i-- > 0;)
		if (s->slots[i].alive && !s->slots[i].stopping && s->slots[i].roll < 0)
			return i;
	return NONE;
}

static uint32_t count_alive(const struct sim *s)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->n_slots; i++)
		n += s->slots[i].alive && !s->slots[i].stopping;
	return n;
}

static void join_new(struct sim *s, double t, uint32_t count)
{
	const slot *first = &s->slots[0];
	for (uint32_t k = 0; k < count; k++) {
		uint32_t si = add_slot(s, NULL, NULL, first->rack, first->subs, first->n_subs);
		if (si == NONE)
			return;
		start_process(s, si, t, "join");
	}
}

static void add_partitions(struct sim *s, uint32_t topic, uint32_t count, double t)
{
	const uint32_t n = s->P + count;
	size_t cap = s->cap_p;
	if (n > cap) {
		size_t c = cap ? cap : 16;
		while (c < n)
			c *= 2;
#define RE(a) (a = realloc(a, c * sizeof(*(a))))
		if (!RE(s->ptopic) || !RE(s->pnum) || !RE(s->proc) || !RE(s->paper) ||
		    !RE(s->last_holder) || !RE(s->pos) || !RE(s->target) || !RE(s->pending) ||
		    !RE(s->plag) || !RE(s->pt) || !RE(s->iv_from) || !RE(s->touched)) {
			fail(s, "out of memory");
			return;
		}
#undef RE
		s->cap_p = c;
	}
	uint32_t *ids = realloc(s->tpid[topic], ((size_t)s->tparts[topic] + count) * sizeof(*ids));
	if (!ids) {
		fail(s, "out of memory");
		return;
	}
	s->tpid[topic] = ids;
	for (uint32_t k = 0; k < count; k++) {
		const uint32_t p = s->P + k;
		s->ptopic[p] = topic;
		s->pnum[p] = s->tparts[topic] + k;
		ids[s->tparts[topic] + k] = p;
		s->proc[p] = s->paper[p] = s->last_holder[p] = s->target[p] = s->pending[p] = NONE;
		s->pos[p] = 0;
		s->plag[p] = 0;
		s->pt[p] = t;
		s->iv_from[p] = t;
		s->touched[p] = 0;
	}
	s->tparts[topic] += count;
	s->P = n;
	s->gslope += s->r * count;
}

static void roll_next(struct sim *s, uint32_t ri, double t)
{
	rolling *ro = &s->rolls[ri];
	while (ro->left) {
		uint32_t si = ro->next_slot++;
		if (si >= s->n_slots) {
			ro->left = 0;
			break;
		}
		slot *sl = &s->slots[si];
		if (!sl->alive || sl->stopping || sl->roll >= 0)
			continue;
		ro->left--;
		ro->waiting = si;
		sl->roll = (int)ri;
		if (s->deploy_first < 0)
			s->deploy_first = t;
		stop_process(s, si, t, ro->stop);
		return;
	}
}

static void plan_event(struct sim *s, const ks_plan_event *e, double t)
{
	const ks_plan *pl = s->plan;
	switch (e->type) {
	case KS_EV_JOIN:
		join_new(s, t, e->count);
		break;
	case KS_EV_LEAVE:
	case KS_EV_CRASH: {
		const int kind = e->type == KS_EV_LEAVE ? STOP_LEAVE : STOP_CRASH;
		if (e->member >= 0) {
			stop_process(s, (uint32_t)e->member, t, kind);
			break;
		}
		for (uint32_t k = 0; k < e->count; k++) {
			uint32_t si = last_alive(s);
			if (si != NONE)
				stop_process(s, si, t, kind);
		}
		break;
	}
	case KS_EV_RESTART:
		if (s->deploy_first < 0)
			s->deploy_first = t;
		stop_process(s, (uint32_t)e->member, t, e->stop);
		break;
	case KS_EV_ROLLING_RESTART: {
		if (GROW(s, s->rolls, s->cap_rolls, s->n_rolls + 1) < 0)
			return;
		rolling *ro = &s->rolls[s->n_rolls++];
		ro->left = e->count;
		ro->gap = e->gap_ms;
		ro->stop = e->stop;
		ro->next_slot = 0;
		ro->waiting = NONE;
		roll_next(s, (uint32_t)(s->n_rolls - 1), t);
		break;
	}
	case KS_EV_SCALE: {
		uint32_t n = count_alive(s);
		if (e->to > n)
			join_new(s, t, e->to - n);
		for (; n > e->to; n--) {
			uint32_t si = last_alive(s);
			if (si == NONE)
				break;
			stop_process(s, si, t, STOP_LEAVE);
		}
		break;
	}
	case KS_EV_PAUSE:
	case KS_EV_SLOW_BATCH:
		pause_process(s, (uint32_t)e->member, t, e->duration_ms,
			      e->type == KS_EV_SLOW_BATCH);
		break;
	case KS_EV_ADD_PARTITIONS: {
		add_partitions(s, e->topic, e->count, t);
		ks_run *r = s->run;
		if (GROW(s, r->events, s->cap_ev, r->n_events + 1) < 0)
			return;
		r->events[r->n_events++] =
		    (ks_run_event){t, "partitions-added", UINT32_MAX, e->count, e->topic};
		s->last_event_t = t;
		/* The broker knows at once (KIP-848); a classic leader notices at
		 * its next metadata refresh. */
		double when = t;
		if (pl->protocol != KS_CONSUMER && !e->notice_now)
			when = grid_next(0, pl->metadata_age_ms, t + 1e-9);
		push(s, when, EV_METADATA, e->topic, 0);
		break;
	}
	}
}

static void metadata(struct sim *s, double t)
{
	if (s->plan->protocol == KS_CONSUMER) {
		new_target(s, t, "partitions added");
		return;
	}
	/* The leader (any live member of the group stands in) rejoins. */
	for (uint32_t mi = 0; mi < s->n_mem; mi++) {
		member *m = &s->mem[mi];
		if (m->in_group && m->alive) {
			m->why = WHY_METADATA;
			push(s, t + s->plan->rtt_ms / 2, EV_JOIN_ARRIVE, mi, ++m->join_tok);
			return;
		}
	}
}

/* ------------------------------------------------------------------ the run */

/* Events of processes and their poll loops: the plan's, restarts and
 * rollouts, closes, crashes, pauses. Returns 0 for another kind. */
static int dispatch_process(struct sim *s, const event *e)
{
	const double t = e->t;
	member *m = e->a < s->n_mem ? &s->mem[e->a] : NULL;
	switch (e->type) {
	case EV_PLAN:
		plan_event(s, &s->plan->events[e->a], t);
		return 1;
	case EV_START:
		start_process(s, e->a, t, "start");
		return 1;
	case EV_ROLL:
		roll_next(s, e->a, t);
		return 1;
	case EV_CLOSE: {
		const slot *sl = &s->slots[e->a];
		if (sl->alive && sl->mem != NONE && s->mem[sl->mem].closing == 1) {
			s->mem[sl->mem].closing = 2;
			stop_process(s, e->a, t, (int)e->b);
		}
		return 1;
	}
	case EV_CRASH:
		if (!s->slots[e->a].stopping && s->slots[e->a].roll < 0)
			stop_process(s, e->a, t, KS_STOP_KILL);
		return 1;
	case EV_PAUSE:
		pause_process(s, e->a, t, s->pauses[e->b].d, 0);
		return 1;
	case EV_PAUSE_END:
		if (m && e->b == m->pause_tok && m->paused)
			pause_end(s, e->a, t);
		return 1;
	case EV_POLL_TIMEOUT:
		if (m && e->b == m->pause_tok && m->paused && m->stalled)
			poll_timeout(s, e->a, t);
		return 1;
	case EV_DRAIN:
		if (m && e->b == m->drain_tok) {
			member_advance(m, t);
			m->lag = 0;
			member_reslope(s, e->a, t);
		}
		return 1;
	}
	return 0;
}

/* Events of the classic protocol: requests reaching the coordinator, its
 * deadlines and assignments, members learning of a rebalance and
 * rejoining. Returns 0 for another kind. */
static int dispatch_classic(struct sim *s, const event *e)
{
	const double t = e->t;
	member *m = e->a < s->n_mem ? &s->mem[e->a] : NULL;
	switch (e->type) {
	case EV_JOIN_ARRIVE:
		if (m && e->b == m->join_tok)
			join_arrive(s, e->a, t);
		return 1;
	case EV_LEAVE_ARRIVE: {
		char why[128];
		snprintf(why, sizeof(why), "%s %s",
			 m && m->poll_timed_out ? "poll-timeout" : "leave", mem_name(s, e->a));
		pause_forfeit(s, e->a);
		drop_member(s, e->a, t, why);
		return 1;
	}
	case EV_DISCOVER:
		if (e->b == s->round)
			discover(s, e->a, t);
		return 1;
	case EV_DEADLINE:
		if (e->b == s->round && s->cs == CS_PREPARING && t >= s->deadline_t - 1e-9)
			complete_join(s, t);
		return 1;
	case EV_ASSIGN:
		if (e->b == s->round && s->cs == CS_COMPLETING && s->has_pending)
			deliver(s, t);
		return 1;
	case EV_EXPIRE:
		if (m && e->b == m->exp_tok)
			expire(s, e->a, t);
		return 1;
	case EV_STATIC_BACK:
		if (m && e->b == m->exp_tok)
			static_back(s, e->a, t);
		return 1;
	case EV_METADATA:
		metadata(s, t);
		return 1;
	case EV_POLL:
		if (e->b == s->round)
			join_at_poll(s, e->a, t);
		return 1;
	case EV_COOP_REVOKE:
		if (m && e->b == m->revoke_tok)
			coop_revoke(s, e->a, t);
		return 1;
	case EV_LOST:
		if (m && e->b == m->join_tok && !m->closing)
			lost_rejoin(s, e->a, t);
		return 1;
	}
	return 0;
}

/* Events of KIP-848: heartbeats, acknowledgements, a new target, a
 * revocation due at a poll(). */
static void dispatch_848(struct sim *s, const event *e)
{
	const double t = e->t;
	member *m = e->a < s->n_mem ? &s->mem[e->a] : NULL;
	switch (e->type) {
	case EV_HEARTBEAT:
		if (m && e->b == m->hb_tok)
			heartbeat(s, e->a, t);
		break;
	case EV_ACK:
		ack(s, e->a, t);
		break;
	case EV_TARGET:
		if (e->b == s->epoch && s->cur_rb != SIZE_MAX)
			install_target(s, t);
		break;
	case EV_848_REVOKE:
		if (m && e->b == m->revoke_tok && m->revoke_pending) {
			m->revoke_pending = 0;
			if (m->alive && m->in_group && !m->closing) {
				if (!revoke_848(s, e->a, t) && m->mismatch)
					heartbeat_soon(s, e->a, t);
				check_reconciled(s, t);
			}
		}
		break;
	}
}

static void dispatch(struct sim *s, const event *e)
{
	if (!dispatch_process(s, e) && !dispatch_classic(s, e))
		dispatch_848(s, e);
}

/* faults.pauses_per_hour: each starting process pauses at the moments of
 * a Poisson process, for a Pareto-distributed time (heavy-tailed: most
 * pauses are short, a few are long, as GC and network stalls are). Drawn
 * from their own stream of the seed, so member ids do not change. */
static void draw_pauses(struct sim *s, uint32_t n_slots)
{
	const ks_plan *pl = s->plan;
	if (pl->pause_per_hour <= 0 || pl->end_ms <= 0)
		return;
	kd_rng r;
	kd_rng_seed(&r, pl->seed ^ 0x7061757365ull);
	const double mean_gap = 3600000.0 / pl->pause_per_hour;
	for (uint32_t si = 0; si < n_slots; si++) {
		double t = 0;
		for (;;) {
			t += -log(unit(&r)) * mean_gap;
			if (t >= pl->end_ms)
				break;
			double d = pl->pause_min_ms * pow(unit(&r), -1.0 / pl->pause_alpha);
			if (d > pl->pause_max_ms)
				d = pl->pause_max_ms;
			if (GROW(s, s->pauses, s->cap_pauses, s->n_pauses + 1) < 0)
				return;
			s->pauses[s->n_pauses] = (pause){t, d, si};
			push(s, t, EV_PAUSE, si, s->n_pauses++);
		}
	}
}

/* faults.crashes_per_hour: each starting process is killed at the
 * moments of a Poisson process (its own stream of the seed) and its
 * supervisor starts it again restart_ms later. A kill lands in the middle
 * of the batch under way: what the member consumed since its last commit
 * is processed again by the next owner. */
static void draw_crashes(struct sim *s, uint32_t n_slots)
{
	const ks_plan *pl = s->plan;
	if (pl->crash_per_hour <= 0 || pl->end_ms <= 0)
		return;
	kd_rng r;
	kd_rng_seed(&r, pl->seed ^ 0x6372617368ull);
	const double mean_gap = 3600000.0 / pl->crash_per_hour;
	for (uint32_t si = 0; si < n_slots; si++)
		for (double t = -log(unit(&r)) * mean_gap; t < pl->end_ms;
		     t += -log(unit(&r)) * mean_gap)
			push(s, t, EV_CRASH, si, 0);
}

/* The plan's topics and their partitions; every partition starts
 * unowned on paper. */
static int setup_topics(struct sim *s)
{
	const ks_plan *pl = s->plan;
	s->n_topics = pl->n_topics;
	s->tparts = calloc(s->n_topics ? s->n_topics : 1, sizeof(*s->tparts));
	s->tpid = calloc(s->n_topics ? s->n_topics : 1, sizeof(*s->tpid));
	s->all_topics = malloc((s->n_topics ? s->n_topics : 1) * sizeof(*s->all_topics));
	if (!s->tparts || !s->tpid || !s->all_topics) {
		fail(s, "out of memory");
		return -1;
	}
	for (uint32_t t = 0; t < s->n_topics; t++) {
		s->all_topics[t] = t;
		add_partitions(s, t, pl->topic_parts[t], 0);
	}
	s->gslope = 0; /* partitions all start processed below */
	return s->failed ? -1 : 0;
}

/* The starting group's M processes and members, stable in generation 1:
 * the scenario's members, or m0000... subscribing to every topic. */
static int setup_members(struct sim *s, uint32_t M)
{
	const ks_plan *pl = s->plan;
	const ka_group *g = pl->scenario;
	const double I = hb_interval(pl);
	for (uint32_t i = 0; i < M; i++) {
		uint32_t si;
		if (g) {
			const char *rack = g->member_rack[i] == KA_NO_RACK
					       ? NULL
					       : g->rack_name[g->member_rack[i]];
			si = add_slot(s, g->member_id[i], g->instance_id[i], rack,
				      g->sub_topic + g->sub_off[i],
				      g->sub_off[i + 1] - g->sub_off[i]);
		} else {
			si = add_slot(s, NULL, NULL, NULL, s->all_topics, s->n_topics);
		}
		if (si == NONE)
			return -1;
		uint32_t mi = member_new(s, si, 0);
		if (mi == NONE)
			return -1;
		member *m = &s->mem[mi];
		s->slots[si].alive = 1;
		m->alive = 1;
		m->in_group = 1;
		m->state = MS_STABLE;
		m->generation = 1;
		/* Members started at different moments: their heartbeats and
		 * auto commits are spread over one interval. */
		m->hb_base = -(I * i) / M;
		if (rdk(s)) {
			/* librdkafka's timer is never reset, so a group formed in
			 * one generation heartbeats in phase, from its first
			 * assignment: here I + 500 ms before time 0, the moment
			 * kassign probe calls such a group settled. */
			m->hb_base = -(I + 500);
			m->hb_sent = 1;
		}
		m->commit_base = m->last_commit = -(pl->auto_commit_ms * i) / M;
		m->poll_phase = (double)i / M;
		m->lag_t = 0;
	}
	return 0;
}

/* Time 0's assignment: the scenario's owned partitions, or the strategy's
 * answer on the group as it starts; its owners process from time 0. */
static int setup_assignment(struct sim *s, uint32_t M)
{
	const ka_group *g = s->plan->scenario;
	int have_owned = g && g->own_off[g->n_members] > 0;
	if (have_owned) {
		for (uint32_t t = 0; t < s->n_topics; t++)
			for (uint32_t k = 0; k < s->tparts[t]; k++) {
				uint32_t o = g->prev_owner[g->topic_off[t] + k];
				s->pending[s->tpid[t][k]] = o == KA_NONE ? NONE : o;
			}
	} else if (M) {
		uint32_t *part = malloc((size_t)M * sizeof(*part));
		if (!part) {
			fail(s, "out of memory");
			return -1;
		}
		for (uint32_t i = 0; i < M; i++)
			part[i] = i;
		double a = run_assignor(s, part, M, 0, NULL, s->pending);
		free(part);
		if (a < 0)
			return -1;
	}
	for (uint32_t p = 0; p < s->P; p++) {
		const uint32_t o = M ? s->pending[p] : NONE;
		s->paper[p] = s->target[p] = s->last_holder[p] = o;
		if (o != NONE)
			proc_start(s, p, o, 0);
	}
	/* proc_start took r off the slope per processed partition. */
	s->gslope += s->r * s->P;
	return 0;
}

static int setup(struct sim *s)
{
	const ks_plan *pl = s->plan;
	const ka_group *g = pl->scenario;
	s->r = pl->produce_rate / 1000.0;
	s->c = pl->capacity / 1000.0;
	s->cur_rb = SIZE_MAX;
	s->thr_below_since = 0;
	s->deploy_first = s->deploy_last = -1;
	kd_rng_seed(&s->rng, pl->seed);
	kd_rng_seed(&s->prng, pl->seed ^ 0x706f6c6cull);
	kd_rng_seed(&s->race_rng, pl->seed ^ 0x72616365ull);
	if (setup_topics(s) < 0)
		return -1;
	const uint32_t M = g ? g->n_members : pl->members;
	if (setup_members(s, M) < 0)
		return -1;
	s->n_in_group = M;
	s->generation = 1;
	s->epoch = 1;
	s->cs = M ? CS_STABLE : CS_EMPTY;
	s->run->n_topics = s->n_topics;
	if (setup_assignment(s, M) < 0)
		return -1;
	schedule_drains(s, 0);
	for (size_t i = 0; i < pl->n_events; i++)
		push(s, pl->events[i].at_ms, EV_PLAN, (uint32_t)i, 0);
	draw_pauses(s, M);
	draw_crashes(s, M);
	return s->failed ? -1 : 0;
}

static void sim_free(struct sim *s)
{
	free(s->heap);
	for (uint32_t t = 0; t < s->n_topics && s->tpid; t++)
		free(s->tpid[t]);
	free(s->tpid);
	free(s->tparts);
	free(s->ptopic);
	free(s->pnum);
	free(s->proc);
	free(s->paper);
	free(s->last_holder);
	free(s->pos);
	free(s->target);
	free(s->pending);
	free(s->plag);
	free(s->pt);
	free(s->iv_from);
	free(s->touched);
	free(s->tgt_off);
	free(s->tgt_list);
	for (uint32_t i = 0; i < s->n_slots; i++) {
		free(s->slots[i].name);
		free(s->slots[i].instance);
	}
	free(s->slots);
	for (uint32_t i = 0; i < s->n_mem; i++) {
		free(s->mem[i].proc);
		free(s->mem[i].held);
		free(s->mem[i].rev);
	}
	free(s->mem);
	free(s->all_topics);
	free(s->rolls);
	free(s->dirty);
	free(s->pauses);
}

void ks_run_free(ks_run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_members; i++) {
		free(r->members[i].member_id);
		free(r->members[i].instance_id);
	}
	free(r->members);
	free(r->events);
	free(r->rebalances);
	free(r->intervals);
	free(r->lag);
	free(r->topic_parts);
	free(r->topic_off);
	free(r->final_owner);
	free(r->final_in_group);
	free(r);
}

/* The run's end: end_ms, or once everything settled and lag is back
 * under one second of production, then one more second (at most a day). */
static double run_end(const struct sim *s)
{
	double end = s->plan->end_ms;
	if (end >= 0)
		return end;
	end = s->last_t;
	const double thr = s->P * s->r * 1000.0;
	if (s->G >= thr && thr > 0)
		end = DAY_MS;
	else if (s->thr_below_since > end)
		end = s->thr_below_since;
	end = ceil((end + 1000) / 1000) * 1000;
	return end > DAY_MS ? DAY_MS : end;
}

/* The final layout of topics, who owns what at the end, and the
 * ownership intervals still open, closed at end. */
static int run_close(struct sim *s, double end)
{
	ks_run *r = s->run;
	r->n_topics = s->n_topics;
	r->topic_parts = malloc((s->n_topics ? s->n_topics : 1) * sizeof(uint32_t));
	r->topic_off = malloc((s->n_topics + 1) * sizeof(uint32_t));
	r->final_owner = malloc((s->P ? s->P : 1) * sizeof(uint32_t));
	r->final_in_group = calloc(s->n_mem ? s->n_mem : 1, 1);
	if (!r->topic_parts || !r->topic_off || !r->final_owner || !r->final_in_group)
		return -1;
	r->topic_off[0] = 0;
	for (uint32_t t = 0; t < s->n_topics; t++) {
		r->topic_parts[t] = s->tparts[t];
		r->topic_off[t + 1] = r->topic_off[t] + s->tparts[t];
	}
	for (uint32_t mi = 0; mi < s->n_mem; mi++)
		r->final_in_group[mi] = s->mem[mi].in_group && s->mem[mi].alive;
	for (uint32_t p = 0; p < s->P; p++) {
		const uint32_t o = s->proc[p];
		r->final_owner[r->topic_off[s->ptopic[p]] + s->pnum[p]] = o;
		if (o != NONE)
			close_interval(s, p, o, end);
		else if (end > s->pt[p] && !s->touched[p]) {
			s->touched[p] = 1;
			s->n_unowned_ever++;
		}
	}
	if (s->cur_rb != SIZE_MAX)
		close_record(s, end, 1);
	return 0;
}

/* Long runs keep one lag sample per lag_step_ms, at most 10,000; the
 * intervals name partitions by their place in the final layout. */
static void run_thin(struct sim *s, double end)
{
	ks_run *r = s->run;
	r->lag_step_ms = 1000;
	if (end > 10000e3) {
		r->lag_step_ms = 1000 * ceil(end / 10000e3);
		const size_t k = (size_t)(r->lag_step_ms / 1000);
		size_t w = 0;
		for (size_t i = 0; i < r->n_lag; i += k) {
			r->lag[2 * w] = r->lag[2 * i];
			r->lag[2 * w + 1] = r->lag[2 * i + 1];
			w++;
		}
		r->n_lag = w;
	}
	for (size_t i = 0; i < r->n_intervals; i++) {
		const uint32_t p = r->intervals[i].partition;
		r->intervals[i].partition = r->topic_off[s->ptopic[p]] + s->pnum[p];
	}
}

static void run_summary(const struct sim *s, double end)
{
	const ks_plan *plan = s->plan;
	const ks_run *r = s->run;
	ks_summary *sm = &s->run->summary;
	sm->duration_ms = end;
	sm->rebalances = (uint32_t)r->n_rebalances;
	sm->generations = plan->protocol == KS_CONSUMER ? (int32_t)s->epoch - 1 : s->generation - 1;
	sm->stop_the_world_ms = s->stw;
	sm->partitions_unowned = s->n_unowned_ever;
	sm->unowned_partition_seconds = s->ups;
	sm->max_lag = s->max_lag;
	const double thr = s->P * s->r * 1000.0;
	if (s->G < thr || thr == 0) {
		double since =
		    s->thr_below_since > s->last_event_t ? s->thr_below_since : s->last_event_t;
		sm->time_to_drain_ms = since - s->last_event_t;
	} else {
		sm->time_to_drain_ms = -1;
	}
	sm->processed_twice = s->twice;
	sm->lag_message_seconds = s->lag_int / 1000;
	sm->pauses = s->n_paused;
	sm->pause_expiries = s->n_pause_expired;
	sm->deploy_ms =
	    s->deploy_first >= 0 && s->deploy_last >= 0 ? s->deploy_last - s->deploy_first : -1;
}

int ks_simulate(const ks_plan *plan, ks_run **out, char *err, size_t errlen)
{
	struct sim s;
	memset(&s, 0, sizeof(s));
	*out = NULL;
	s.plan = plan;
	s.err = err;
	s.errlen = errlen;
	s.run = calloc(1, sizeof(*s.run));
	if (!s.run) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ks_run *r = s.run;
	if (setup(&s) == 0) {
		const double cap = plan->end_ms >= 0 ? plan->end_ms : DAY_MS;
		while (s.n_heap && !s.failed) {
			if (s.heap[0].t > cap)
				break;
			event e = pop(&s);
			advance(&s, e.t);
			dispatch(&s, &e);
			schedule_drains(&s, e.t);
		}
	}
	if (s.failed) {
		const int internal = s.internal;
		sim_free(&s);
		ks_run_free(r);
		return internal ? KS_EINTERNAL : -1;
	}
	const double end = run_end(&s);
	advance(&s, end);
	if (run_close(&s, end) < 0) {
		snprintf(err, errlen, "out of memory");
		sim_free(&s);
		ks_run_free(r);
		return -1;
	}
	run_thin(&s, end);
	run_summary(&s, end);
	const int failed = s.failed;
	sim_free(&s);
	if (failed) {
		ks_run_free(r);
		return -1;
	}
	*out = r;
	return 0;
}
