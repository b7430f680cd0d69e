/*
 * test_sim.c - the rebalance simulator (sim/): protocol invariants on
 * random event scripts, small cases computed by hand, the storm presets'
 * figures within stated bands, and plans that must be refused.
 *
 * Random scripts replay with KT_SEED=<seed> (the failing seed is printed).
 */
#include <math.h>

#include <datasets/rng.h>
#include <kassign/kassign.h>

#include "sim/sim.h"
#include "tests/ktest.h"

#define NONE UINT32_MAX

static char last_msg[1024];
static int n_msgs;

static void collect(void *ctx, const char *line)
{
	(void)ctx;
	snprintf(last_msg, sizeof(last_msg), "%s", line);
	n_msgs++;
}

static ks_plan *plan_of(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fprintf(stderr, "bad test plan: %s\n%s\n", e.text, text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	ks_plan *p = NULL;
	n_msgs = 0;
	ks_plan_from_json("test", j, &p, collect, NULL);
	json_decref(j);
	if (!p)
		fprintf(stderr, "plan refused: %s\n", last_msg);
	return p;
}

static int count_events(const ks_run *r, const char *type)
{
	int n = 0;
	for (size_t i = 0; i < r->n_events; i++)
		n += strcmp(r->events[i].type, type) == 0;
	return n;
}

static ks_run *run_of(const ks_plan *p)
{
	ks_run *r = NULL;
	char err[256];
	int rc = ks_simulate(p, &r, err, sizeof(err));
	if (rc)
		fprintf(stderr, "simulate: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return r;
}

/* ------------------------------------------------------------------ invariants */

static int cmp_iv(const void *a, const void *b)
{
	const ks_interval *x = a, *y = b;
	if (x->partition != y->partition)
		return x->partition < y->partition ? -1 : 1;
	return x->from_ms < y->from_ms ? -1 : x->from_ms > y->from_ms;
}

/* Returns the number of violations, printing the first few. */
static int check_run(const ks_plan *p, ks_run *r, uint64_t seed)
{
	int bad = 0;
#define VIOL(...)                                                                                  \
	do {                                                                                       \
		if (bad++ < 5) {                                                                   \
			fprintf(stderr, "seed %" PRIu64 ": ", seed);                               \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)
	const uint32_t P = r->topic_off[r->n_topics];
	/* No partition processed by two members at once. */
	ks_interval *iv = malloc((r->n_intervals + 1) * sizeof(*iv));
	CU_ASSERT_PTR_NOT_NULL_FATAL(iv);
	memcpy(iv, r->intervals, r->n_intervals * sizeof(*iv));
	qsort(iv, r->n_intervals, sizeof(*iv), cmp_iv);
	for (size_t i = 0; i + 1 < r->n_intervals; i++)
		if (iv[i].partition == iv[i + 1].partition &&
		    iv[i].to_ms > iv[i + 1].from_ms + 1e-9)
			VIOL("partition %u: [%g, %g] %s overlaps [%g, %g] %s", iv[i].partition,
			     iv[i].from_ms, iv[i].to_ms, r->members[iv[i].member].member_id,
			     iv[i + 1].from_ms, iv[i + 1].to_ms,
			     r->members[iv[i + 1].member].member_id);
	/* Generations (epochs) increase. */
	for (size_t i = 0; i + 1 < r->n_rebalances; i++)
		if (r->rebalances[i + 1].generation <= r->rebalances[i].generation)
			VIOL("rebalance %zu: generation %d after %d", i + 1,
			     r->rebalances[i + 1].generation, r->rebalances[i].generation);
	/* Eager: nobody keeps a partition through a rebalance. */
	if (p->protocol == KS_EAGER)
		for (size_t k = 0; k < r->n_rebalances; k++) {
			const ks_rebalance *b = &r->rebalances[k];
			if (b->superseded || b->end_ms <= b->start_ms)
				continue;
			for (size_t i = 0; i < r->n_intervals; i++)
				if (iv[i].from_ms <= b->start_ms && iv[i].to_ms > b->end_ms)
					VIOL(
					    "eager generation %d [%g, %g]: partition %u kept by %s",
					    b->generation, b->start_ms, b->end_ms, iv[i].partition,
					    r->members[iv[i].member].member_id);
		}
	free(iv);

	/* Settled: the final assignment is the strategy's on the final group
	 * (exactly for deterministic strategies, balanced for the others). */
	uint32_t nm = 0;
	for (size_t i = 0; i < r->n_members; i++)
		nm += r->final_in_group[i];
	if (nm == 0)
		return bad;
	ka_builder *b = ka_builder_new(NULL, NULL);
	for (uint32_t t = 0; t < r->n_topics; t++)
		ka_builder_add_topic(b, p->topic_name[t], r->topic_parts[t]);
	uint32_t *gm = calloc(r->n_members, sizeof(*gm));
	uint32_t k = 0;
	for (size_t i = 0; i < r->n_members; i++) {
		if (!r->final_in_group[i])
			continue;
		gm[i] = k;
		ka_builder_add_member(b, r->members[i].member_id,
				      p->static_membership ? r->members[i].instance_id : NULL, NULL,
				      KA_NO_GENERATION);
		for (uint32_t t = 0; t < r->n_topics; t++)
			ka_builder_subscribe_index(b, k, t);
		k++;
	}
	ka_group *g = NULL;
	CU_ASSERT_EQUAL_FATAL(ka_builder_finish(b, &g), 0);
	ka_builder_free(b);
	uint32_t *mine = malloc((P + 1) * sizeof(*mine));
	for (uint32_t q = 0; q < P; q++) {
		const uint32_t o = r->final_owner[q];
		if (o == NONE || !r->final_in_group[o]) {
			VIOL("partition %u: nobody processes it at the end", q);
			mine[q] = KA_NONE;
			continue;
		}
		/* Group member index by member id. */
		mine[q] = KA_NONE;
		for (uint32_t m = 0; m < g->n_members; m++)
			if (strcmp(g->member_id[m], r->members[o].member_id) == 0)
				mine[q] = m;
	}
	if (p->strategy->flags & KA_STRATEGY_DETERMINISTIC) {
		size_t wsz = ka_workspace_size(p->strategy, g);
		void *ws = aligned_alloc(64, (wsz + 63) / 64 * 64 + 64);
		uint32_t *want = malloc((P + 1) * sizeof(*want));
		CU_ASSERT_EQUAL(ka_assign(p->strategy, g, ws, wsz, want), 0);
		for (uint32_t q = 0; q < P; q++)
			if (want[q] != mine[q])
				VIOL("partition %u: ends with %s, %s gives %s", q,
				     mine[q] == KA_NONE ? "nobody" : g->member_id[mine[q]],
				     p->strategy->name,
				     want[q] == KA_NONE ? "nobody" : g->member_id[want[q]]);
		free(ws);
		free(want);
	} else {
		ka_metrics m;
		size_t msz = ka_metrics_workspace_size(g);
		void *mws = malloc(msz + 8);
		CU_ASSERT_EQUAL(ka_metrics_compute(g, mine, mws, msz, &m), 0);
		if (!m.balanced || m.n_assigned != m.n_assignable)
			VIOL("final assignment not balanced (%u..%u) or incomplete (%u of %u)",
			     m.load_min, m.load_max, m.n_assigned, m.n_assignable);
		free(mws);
	}
	free(mine);
	free(gm);
	ka_group_free(g);
	(void)gm;
	return bad;
}

/* A random plan: a small group, a protocol and strategy, a few events. */
static json_t *random_plan(kd_rng *rng)
{
	static const char *const eager[] = {"range", "roundrobin", "sticky", "cooperative-sticky"};
	static const char *const consumer[] = {"uniform", "range"};
	const uint32_t members = 1 + kd_rng_below(rng, 10);
	const uint32_t parts = 1 + kd_rng_below(rng, 40);
	const uint32_t proto = kd_rng_below(rng, 3);
	const char *strategy = proto == 0   ? eager[kd_rng_below(rng, 4)]
			       : proto == 1 ? "cooperative-sticky"
					    : consumer[kd_rng_below(rng, 2)];
	json_t *j = json_pack(
	    "{s:s, s:{s:i, s:[{s:s, s:i}]}, s:s, s:s, s:b, s:{s:f, s:i, s:i}}", "name", "random",
	    "group", "members", members, "topics", "name", "t0", "partitions", parts, "protocol",
	    proto == 0   ? "eager"
	    : proto == 1 ? "cooperative"
			 : "consumer",
	    "strategy", strategy, "static_membership", kd_rng_below(rng, 2), "model", "assign_ms",
	    0.0, "restart_ms", (int)(1000 + kd_rng_below(rng, 60000)), "seed",
	    (int)kd_rng_below(rng, 1000));
	json_t *evs = json_array();
	int64_t alive = members;
	const uint32_t n = 1 + kd_rng_below(rng, 6);
	for (uint32_t i = 0; i < n; i++) {
		const int at = 1000 + (int)kd_rng_below(rng, 200000);
		const char *stop = kd_rng_below(rng, 2) ? "kill" : "close";
		switch (kd_rng_below(rng, 7)) {
		case 0:
			json_array_append_new(evs, json_pack("{s:i, s:s, s:i}", "at_ms", at, "type",
							     "join", "count",
							     1 + (int)kd_rng_below(rng, 2)));
			break;
		case 1:
		case 2:
			json_array_append_new(evs,
					      json_pack("{s:i, s:s, s:i}", "at_ms", at, "type",
							kd_rng_below(rng, 2) ? "leave" : "crash",
							"member", (int)kd_rng_below(rng, members)));
			break;
		case 3:
			json_array_append_new(evs, json_pack("{s:i, s:s, s:i, s:s}", "at_ms", at,
							     "type", "restart", "member",
							     (int)kd_rng_below(rng, members),
							     "stop", stop));
			break;
		case 4:
			if (alive < 1)
				break;
			json_array_append_new(
			    evs,
			    json_pack("{s:i, s:s, s:i, s:i, s:s}", "at_ms", at, "type",
				      "rolling-restart", "count",
				      1 + (int)kd_rng_below(rng, (uint32_t)(alive < 3 ? alive : 3)),
				      "gap_ms", (int)kd_rng_below(rng, 20000), "stop", stop));
			break;
		case 5:
			json_array_append_new(
			    evs, json_pack("{s:i, s:s, s:i}", "at_ms", at, "type", "scale", "to",
					   1 + (int)kd_rng_below(rng, members + 3)));
			break;
		case 6:
			json_array_append_new(
			    evs, json_pack("{s:i, s:s, s:s, s:i, s:s}", "at_ms", at, "type",
					   "add-partitions", "topic", "t0", "count",
					   1 + (int)kd_rng_below(rng, 5), "notice",
					   kd_rng_below(rng, 2) ? "now" : "metadata"));
			break;
		}
	}
	json_object_set_new(j, "events", evs);
	return j;
}

static void test_random_scripts(void)
{
	const uint64_t base = kt_seed(6);
	const int cases = getenv("KT_SEED") ? 1 : 300;
	int ran = 0;
	for (int c = 0; c < cases; c++) {
		const uint64_t seed = base + (uint64_t)c;
		kd_rng rng;
		kd_rng_seed(&rng, seed);
		json_t *j = random_plan(&rng);
		ks_plan *p = NULL;
		/* Scripts whose counts the plan rules refuse (a leave by count
		 * past the members left) are skipped, not failures. */
		if (ks_plan_from_json("random", j, &p, NULL, NULL) < 0) {
			json_decref(j);
			continue;
		}
		ks_run *r = run_of(p);
		int bad = check_run(p, r, seed);
		if (bad) {
			char *s = json_dumps(j, JSON_COMPACT);
			fprintf(stderr, "seed %" PRIu64 ": %d violations; plan: %s\n", seed, bad,
				s);
			free(s);
		}
		CU_ASSERT_EQUAL(bad, 0);
		ran++;
		ks_run_free(r);
		ks_plan_free(p);
		json_decref(j);
	}
	CU_ASSERT(ran > cases / 2);
}

/* ------------------------------------------------------------------ cases by hand */

#define EXACT "\"model\": {\"rtt_ms\": 0, \"commit_ms\": 0, \"assign_ms\": 0, \"record_ms\": 0},"

/*
 * Two members, four partitions, eager range; m0001 crashes at 60 s. Its
 * heartbeats fall at -1500 + 3000k (members' phases are spread over one
 * interval), so the last one before the crash is at 58500 and the session
 * expires at 103500: the rebalance starts then. m0000's heartbeats fall at
 * 3000k: it learns at 105000, revokes and rejoins; everyone has joined, so
 * the generation completes at once. Unowned: m0001's two partitions from
 * 60000 to 105000, 90 partition-seconds; m0000's for no time at all.
 * Processed twice: m0001 last auto-committed at 57500 (-2500 + 5000k), so
 * 2.5 s of its two partitions at 100 messages/s are processed again.
 */
static void test_crash_by_hand(void)
{
	ks_plan *p =
	    plan_of("{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t0\", "
		    "\"partitions\": 4}]}, \"protocol\": \"eager\", \"strategy\": \"range\", " EXACT
		    "\"events\": [{\"at_ms\": 60000, \"type\": \"crash\", \"member\": "
		    "\"m0001\"}]}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 1);
	const ks_rebalance *b = &r->rebalances[0];
	CU_ASSERT_EQUAL(b->generation, 2);
	CU_ASSERT_DOUBLE_EQUAL(b->start_ms, 103500, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(b->end_ms, 105000, 1e-9);
	CU_ASSERT_EQUAL(b->members, 1);
	CU_ASSERT_EQUAL(b->revoked, 2);
	CU_ASSERT_EQUAL(b->assigned, 4);
	CU_ASSERT_EQUAL(b->moved, 2);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 90.0, 1e-6);
	CU_ASSERT_EQUAL(r->summary.partitions_unowned, 2);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.stop_the_world_ms, 0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.processed_twice, 500, 1e-6);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * Cooperative-sticky, two members on four partitions, a third joins at
 * 60.1 s. m0000 learns at 63000 (heartbeats at 3000k), m0001 at 61500; the
 * join completes at 63000 and the sticky plan (2, 1, 1) withholds the one
 * partition that moves: a revoke-only generation. Its owner revokes and
 * rejoins at once; the others learn at their next heartbeat, one interval
 * after the assignment reset it: 66000, the follow-up generation gives the
 * partition out. Unowned: one partition for 3 s.
 */
static void test_cooperative_by_hand(void)
{
	ks_plan *p = plan_of("{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t0\", "
			     "\"partitions\": 4}]}, \"protocol\": \"cooperative\", " EXACT
			     "\"events\": [{\"at_ms\": 60100, \"type\": \"join\"}]}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 2);
	CU_ASSERT_STRING_EQUAL(r->rebalances[0].kind, "cooperative-revoke");
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].start_ms, 60100, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 63000, 1e-9);
	CU_ASSERT_EQUAL(r->rebalances[0].revoked, 1);
	CU_ASSERT_EQUAL(r->rebalances[0].assigned, 0);
	CU_ASSERT_STRING_EQUAL(r->rebalances[1].kind, "cooperative-assign");
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].start_ms, 63000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].end_ms, 66000, 1e-9);
	CU_ASSERT_EQUAL(r->rebalances[1].assigned, 1);
	CU_ASSERT_EQUAL(r->rebalances[1].moved, 1);
	CU_ASSERT_EQUAL(r->summary.generations, 2);
	CU_ASSERT_EQUAL(r->summary.partitions_unowned, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 3.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.stop_the_world_ms, 0, 1e-9);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * KIP-848, uniform, two members on four partitions, a third joins at 60.1 s:
 * its first heartbeat is the join, the coordinator bumps the epoch and
 * computes the target at once. The member losing a partition learns at its
 * next heartbeat and revokes (freed at once with no commit time or rtt);
 * the new member takes it at its own next heartbeat, one interval after
 * joining. The interval is the broker's group.consumer.heartbeat.interval.ms,
 * 5000 by default (the client's heartbeat.interval.ms does not apply): the
 * new member takes it at 65100; m0001's heartbeats fall at -2500 + 5000k
 * (62500) and m0000's at 5000k (65000), so the partition waits 65100 -
 * 62500 or 65100 - 65000 ms.
 */
static void test_consumer_by_hand(void)
{
	ks_plan *p = plan_of("{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t0\", "
			     "\"partitions\": 4}]}, \"protocol\": \"consumer\", " EXACT
			     "\"events\": [{\"at_ms\": 60100, \"type\": \"join\"}]}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 1);
	const ks_rebalance *b = &r->rebalances[0];
	CU_ASSERT_STRING_EQUAL(b->kind, "reconcile");
	CU_ASSERT_EQUAL(b->generation, 2);
	CU_ASSERT_DOUBLE_EQUAL(b->start_ms, 60100, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(b->end_ms, 65100, 1e-9);
	CU_ASSERT_EQUAL(b->revoked, 1);
	CU_ASSERT_EQUAL(b->assigned, 1);
	CU_ASSERT_EQUAL(b->moved, 1);
	/* The partition that moved: its first interval's end is the revocation. */
	double revoked_at = -1;
	uint32_t loser = NONE;
	for (size_t i = 0; i < r->n_intervals; i++)
		if (r->intervals[i].to_ms < r->summary.duration_ms) {
			revoked_at = r->intervals[i].to_ms;
			loser = r->intervals[i].member;
		}
	CU_ASSERT_FATAL(loser == 0 || loser == 1);
	CU_ASSERT_DOUBLE_EQUAL(revoked_at, loser == 1 ? 62500 : 65000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, (65100 - revoked_at) / 1000,
			       1e-9);
	CU_ASSERT_EQUAL(r->summary.partitions_unowned, 1);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * librdkafka 2.0.2's mock coordinator: the join phase lasts
 * session.timeout.ms - 1000 from its start however soon everyone has
 * joined, and kassign probe holds the leader 20 ms past its followers'
 * SyncGroup, so with no round trip and no assignor time the rebalance
 * lasts exactly 2520 ms; eager leaves every partition unowned for a while.
 */
static void test_mock_by_hand(void)
{
	ks_plan *p = plan_of(
	    "{\"group\": {\"members\": 10, \"topics\": [{\"name\": \"t0\", "
	    "\"partitions\": 20}]}, \"protocol\": \"eager\", \"config\": "
	    "{\"session.timeout.ms\": 3500, \"heartbeat.interval.ms\": 100}, "
	    "\"model\": {\"rtt_ms\": 0, \"commit_ms\": 0, \"assign_ms\": 0, \"record_ms\": 0, "
	    "\"coordinator\": \"librdkafka-mock\"}, "
	    "\"events\": [{\"at_ms\": 10000, \"type\": \"join\"}]}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].start_ms, 10000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 12520, 1e-9);
	CU_ASSERT_EQUAL(r->summary.partitions_unowned, 20);
	/* Members revoke at their first heartbeat (every 500 ms at most on the
	 * mock) after 10000 and wait until 12520. */
	CU_ASSERT(r->summary.unowned_partition_seconds > 20 * 2.02 &&
		  r->summary.unowned_partition_seconds <= 20 * 2.52);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * model.client librdkafka on the mock, heartbeat 3000, session 3500 (join
 * phases of 2500 ms), no round trip, no assignor or record time, a 10 ms
 * revoke callback; 2 members on 4 partitions, a third joins at 1000.
 * librdkafka's heartbeat timer is never reset: the starting members
 * heartbeat together, their first assignment 3500 ms before time 0, so at
 * -500, 2500, 5500; the newcomer's first heartbeat goes out the moment it
 * has its first assignment. By hand:
 *   1000  m0002 joins: generation 2's join phase, to 3500;
 *   2500  m0000, m0001 learn from their heartbeat and rejoin at once
 *         (cooperative librdkafka does not wait for poll());
 *   3520  generation 2's assignment (the probe's 20 ms leader hold): one
 *         old member revokes one partition, m0002 gets nothing and
 *         heartbeats at once (3520; next 6520);
 *   3530  the revoker's rejoin (10 ms callback): generation 3's join, to
 *         6030; the other old member learns at 5500 (its last heartbeat
 *         was 2500), m0002 not before 6520;
 *   6030  generation 3 made without m0002, which the mock keeps: the
 *         leader is held 2 s + 20 ms for its SyncGroup;
 *   6520  m0002's heartbeat is answered ILLEGAL_GENERATION: it rejoins,
 *         which drops generation 3 (superseded at 6520); generation 4's
 *         join to 9020, assignment at 9040: m0002 gets the partition.
 * Three generations; one partition unowned from 3520 to 9040.
 *
 * The Java client resets its timer at every assignment (3520): both
 * members that did not revoke next heartbeat at 6520, both miss
 * generation 3, and the old one loses its partitions uncommitted
 * (processed twice) before generation 4 hands them out again.
 */
#define THIRD_GENERATION_PLAN                                                                      \
	"{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t0\", "                            \
	"\"partitions\": 4}]}, \"protocol\": \"cooperative\", \"strategy\": "                      \
	"\"cooperative-sticky\", \"config\": {\"session.timeout.ms\": 3500, "                      \
	"\"heartbeat.interval.ms\": 3000}, \"model\": {\"rtt_ms\": 0, \"commit_ms\": 0, "          \
	"\"assign_ms\": 0, \"record_ms\": 0, \"revoke_callback_ms\": 10, "                         \
	"\"coordinator\": \"librdkafka-mock\", \"client\": \"%s\"%s}, "                            \
	"\"events\": [{\"at_ms\": 1000, \"type\": \"join\"}], \"end_ms\": 12000}"

static void test_librdkafka_third_generation(void)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), THIRD_GENERATION_PLAN, "librdkafka", "");
	ks_plan *p = plan_of(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL(r->summary.generations, 3);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 3);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].start_ms, 1000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 3520, 1e-9);
	CU_ASSERT_EQUAL(r->rebalances[0].revoked, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].start_ms, 3530, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].end_ms, 6520, 1e-9);
	CU_ASSERT(r->rebalances[1].superseded);
	CU_ASSERT_EQUAL(r->rebalances[1].members, 3);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[2].start_ms, 6520, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[2].end_ms, 9040, 1e-9);
	CU_ASSERT_EQUAL(r->rebalances[2].assigned, 1);
	CU_ASSERT_EQUAL(r->summary.partitions_unowned, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 5.52, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.processed_twice, 0, 1e-9);
	for (uint32_t k = 0; k < 4; k++)
		CU_ASSERT(r->final_owner[k] != UINT32_MAX);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	/* m0002's heartbeat at 3520 raced the rejoin at 3530 and, with
	 * model.followup_race 0, arrived first. */
	CU_ASSERT_EQUAL(count_events(r, "race-caught"), 0);
	CU_ASSERT_EQUAL(count_events(r, "race-missed"), 1);
	ks_run_free(r);
	ks_plan_free(p);

	snprintf(buf, sizeof(buf), THIRD_GENERATION_PLAN, "java", "");
	p = plan_of(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	r = run_of(p);
	CU_ASSERT_EQUAL(r->summary.generations, 3);
	CU_ASSERT_FATAL(r->n_rebalances == 3);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].end_ms, 6520, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[2].end_ms, 9040, 1e-9);
	CU_ASSERT(r->summary.partitions_unowned >= 2);
	CU_ASSERT(r->summary.processed_twice > 0);
	for (uint32_t k = 0; k < 4; k++)
		CU_ASSERT(r->final_owner[k] != UINT32_MAX);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	/* The Java consumer sends no heartbeat on its SyncGroup response. */
	CU_ASSERT_EQUAL(count_events(r, "race-caught") + count_events(r, "race-missed"), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * The same plan with model.followup_race 1: m0002's heartbeat, sent on its
 * SyncGroup response at 3520, reaches the mock after the revoker's
 * JoinGroup (3530) and is answered REBALANCE_IN_PROGRESS, so m0002 rejoins
 * at once. By hand:
 *   3520  generation 2's assignment, as above; m0002 heartbeats;
 *   3530  the revoker's rejoin starts generation 3's join, to 6030; m0002
 *         learns from that heartbeat's response (rtt 0) and rejoins at
 *         3530; the other old member rejoins at 5500;
 *   6030  generation 3 with all three members, nobody missed: the leader
 *         hold is 20 ms; 6050 m0002 gets the partition.
 * Two generations; one partition unowned from 3520 to 6050 (2.53
 * partition-seconds), where the race's other side gives three and 5.52.
 * With probability 0.25 the seeded draws over seeds 1..400 catch it
 * about a quarter of the time.
 */
static void test_librdkafka_followup_race(void)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), THIRD_GENERATION_PLAN, "librdkafka", ", \"followup_race\": 1");
	ks_plan *p = plan_of(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL(r->summary.generations, 2);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 2);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 3520, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].start_ms, 3530, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].end_ms, 6050, 1e-9);
	CU_ASSERT_FALSE(r->rebalances[1].superseded);
	CU_ASSERT_EQUAL(r->rebalances[1].members, 3);
	CU_ASSERT_EQUAL(r->rebalances[1].assigned, 1);
	CU_ASSERT_EQUAL(r->summary.partitions_unowned, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 2.53, 1e-9);
	CU_ASSERT_EQUAL(count_events(r, "race-caught"), 1);
	CU_ASSERT_EQUAL(count_events(r, "race-missed"), 0);
	for (size_t i = 0; i < r->n_events; i++)
		if (strcmp(r->events[i].type, "race-caught") == 0)
			CU_ASSERT_DOUBLE_EQUAL(r->events[i].t_ms, 3530, 1e-9);
	for (uint32_t k = 0; k < 4; k++)
		CU_ASSERT(r->final_owner[k] != UINT32_MAX);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);

	int caught = 0;
	for (int seed = 1; seed <= 400; seed++) {
		snprintf(buf, sizeof(buf), THIRD_GENERATION_PLAN, "librdkafka",
			 ", \"followup_race\": 0.25");
		json_error_t e;
		json_t *j = json_loads(buf, 0, &e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		json_object_set_new(json_object_get(j, "model"), "seed", json_integer(seed));
		p = NULL;
		ks_plan_from_json("test", j, &p, collect, NULL);
		json_decref(j);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		r = run_of(p);
		const int c = count_events(r, "race-caught");
		CU_ASSERT_EQUAL(c + count_events(r, "race-missed"), 1);
		CU_ASSERT_EQUAL(r->summary.generations, c ? 2 : 3);
		caught += c;
		ks_run_free(r);
		ks_plan_free(p);
	}
	/* Binomial(400, 0.25): mean 100, standard deviation 8.7. */
	CU_ASSERT(caught >= 70 && caught <= 130);
}

/* A scenario file as the group: its members (ids, instance ids, racks),
 * its owned partitions as the assignment at time 0, events naming its
 * members; static membership uses its group_instance_ids. */
static void test_scenario_group(void)
{
	const char *src = getenv("KA_SOURCE_DIR");
	char text[2048];
	snprintf(text, sizeof(text),
		 "{\"group\": {\"scenario\": \"%s/tests/data/good/seed-exercise-1.json\"}, "
		 "\"protocol\": \"cooperative\", \"static_membership\": true, " EXACT
		 "\"events\": [{\"at_ms\": 10000, \"type\": \"restart\", \"member\": "
		 "\"consumer-2\"}, {\"at_ms\": 60000, \"type\": \"crash\", \"member\": "
		 "\"consumer-3\"}]}",
		 src ? src : ".");
	ks_plan *p = plan_of(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_members, 3);
	CU_ASSERT_STRING_EQUAL(r->members[1].instance_id, "host-2");
	/* Time 0: the scenario's owned partitions. */
	for (size_t i = 0; i < r->n_intervals; i++)
		if (r->intervals[i].from_ms == 0) {
			const uint32_t q = r->intervals[i].partition, m = r->intervals[i].member;
			CU_ASSERT_EQUAL(m, q < 3 ? 0u : q < 5 ? 1u : 2u);
		}
	/* The static restart costs nothing; the crash, one rebalance once the
	 * session expires: consumer-3's partitions go to the others. */
	CU_ASSERT_EQUAL(r->n_rebalances, 1);
	CU_ASSERT(r->rebalances[0].start_ms > 60000 + 40000);
	CU_ASSERT_EQUAL(r->final_owner[5] == 0 || r->final_owner[5] == 1, 1);
	CU_ASSERT_EQUAL(r->final_owner[6] == 0 || r->final_owner[6] == 1, 1);
	ks_run_free(r);
	ks_plan_free(p);
}

/* A static member restarted within session.timeout.ms: no rebalance, and
 * it gets its own partitions back; without static membership the same
 * restart costs rebalances. */
static void test_static_restart(void)
{
#define STATIC_RESTART(flag)                                                                       \
	"{\"group\": {\"members\": 3, \"topics\": [{\"name\": \"t0\", \"partitions\": 6}]}, "      \
	"\"protocol\": \"cooperative\", \"static_membership\": " flag ", " EXACT                   \
	"\"events\": [{\"at_ms\": 10000, \"type\": \"restart\", \"member\": \"m0001\"}]}"
	ks_plan *p = plan_of(STATIC_RESTART("true"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL(r->n_rebalances, 0);
	CU_ASSERT_EQUAL(r->n_members, 3);
	/* Each partition: one interval before the stop, one after, same member. */
	for (uint32_t q = 0; q < 6; q++) {
		uint32_t owner = NONE, n = 0;
		for (size_t i = 0; i < r->n_intervals; i++)
			if (r->intervals[i].partition == q) {
				if (owner == NONE)
					owner = r->intervals[i].member;
				CU_ASSERT_EQUAL(r->intervals[i].member, owner);
				n++;
			}
		CU_ASSERT(n == 1 || n == 2);
	}
	/* m0001's two partitions idle for the restart (20 s). */
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 40.0, 1e-6);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);

	p = plan_of(STATIC_RESTART("false"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	r = run_of(p);
	CU_ASSERT(r->n_rebalances >= 2);
	CU_ASSERT_EQUAL(r->n_members, 4);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * Classic static membership keeps a member through a rebalance (Kafka
 * removes only dynamic members that did not rejoin in time; a static one
 * leaves at its session's end). Eager range, three static members on six
 * partitions, rebalance timeout 10 s, session 60 s, no network or commit
 * time. m0002 is killed at 10 s and back at 50 s (restart_ms 40000): longer
 * than the rebalance timeout, shorter than its session. A fourth member
 * joins at 12 s: the rebalance starts at 12000; m0000 (heartbeats at
 * 3000k) revokes at 12000, m0001 (-1000 + 3000k) at 14000; m0002 never
 * rejoins, so the join completes at the deadline, 22000, keeping m0002.
 * Range over the four member ids (m0000-…, m0001-…, m0002-…, m0003-…):
 * p0 p1 | p2 p3 | p4 | p5. m0002's p4 waits for it; back at 50000 its
 * JoinGroup on a stable group returns its assignment, no rebalance.
 * Unowned: p0, p1 12-22 s (20), p2, p3 14-22 s (16), p4 10-50 s (40), p5
 * 10-22 s (12): 88 partition-seconds, one rebalance. Were m0002 dropped at
 * 22000, its return would be a second rebalance.
 */
static void test_static_kept_through_rebalance(void)
{
	ks_plan *p = plan_of(
	    "{\"group\": {\"members\": 3, \"topics\": [{\"name\": \"t0\", \"partitions\": 6}]}, "
	    "\"protocol\": \"eager\", \"strategy\": \"range\", \"static_membership\": true, "
	    "\"config\": {\"session.timeout.ms\": 60000, \"max.poll.interval.ms\": 10000}, "
	    "\"model\": {\"rtt_ms\": 0, \"commit_ms\": 0, \"assign_ms\": 0, \"record_ms\": 0, "
	    "\"restart_ms\": "
	    "40000}, "
	    "\"events\": [{\"at_ms\": 10000, \"type\": \"restart\", \"member\": \"m0002\", "
	    "\"stop\": \"kill\"}, {\"at_ms\": 12000, \"type\": \"join\"}]}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].start_ms, 12000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 22000, 1e-9);
	CU_ASSERT_EQUAL(r->rebalances[0].members, 4);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 88.0, 1e-6);
	CU_ASSERT_EQUAL(r->n_members, 4);
	CU_ASSERT(r->final_in_group[2]);
	for (size_t i = 0; i < r->n_events; i++)
		CU_ASSERT_STRING_NOT_EQUAL(r->events[i].type, "expire");
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * A static member rejoining while the group is in CompletingRebalance
 * starts a new rebalance in Kafka (the assignment on its way names its old
 * member id). As above, but the assignor takes 5 s (model.assign_ms) and
 * m0002 is back at 24 s (restart_ms 14000): the join completes at 22000,
 * the assignment would arrive at 27000, m0002's JoinGroup at 24000 starts
 * generation 3, everyone (waiting in SyncGroup) rejoins at once, and its
 * assignment arrives at 29000. Eager: p0, p1 unowned 12-29 s (34), p2, p3
 * 14-29 s (30), p4, p5 10-29 s (38): 102 partition-seconds, two
 * rebalances, the first superseded.
 */
static void test_static_rejoin_completing(void)
{
	ks_plan *p = plan_of(
	    "{\"group\": {\"members\": 3, \"topics\": [{\"name\": \"t0\", \"partitions\": 6}]}, "
	    "\"protocol\": \"eager\", \"strategy\": \"range\", \"static_membership\": true, "
	    "\"config\": {\"session.timeout.ms\": 60000, \"max.poll.interval.ms\": 10000}, "
	    "\"model\": {\"rtt_ms\": 0, \"commit_ms\": 0, \"assign_ms\": 5000, \"record_ms\": 0, "
	    "\"restart_ms\": "
	    "14000}, \"events\": [{\"at_ms\": 10000, \"type\": \"restart\", \"member\": "
	    "\"m0002\", \"stop\": \"kill\"}, {\"at_ms\": 12000, \"type\": \"join\"}]}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 2);
	CU_ASSERT(r->rebalances[0].superseded);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 24000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].start_ms, 24000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].end_ms, 29000, 1e-9);
	CU_ASSERT_EQUAL(r->summary.generations, 2);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 102.0, 1e-6);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * Pauses (GC, network). Eager range, two dynamic members on four
 * partitions, session 10 s, heartbeats 3 s, 100 messages/s per partition,
 * auto commit every 5 s. m0000 (heartbeats and commits at 0 + 3000k and
 * 5000k) pauses at 7 s.
 * - For 5 s: back at 12 s, before its session ends (last heartbeat 6000,
 *   expiry due at 16000): its two partitions wait 5 s (10 partition-s),
 *   no rebalance, nothing processed twice.
 * - For 20 s: expired at 16000; m0001 (heartbeats -1500 + 3000k) learns at
 *   16500 and alone takes all four; m0000 back at 27000 is a new member
 *   (UNKNOWN_MEMBER_ID, rejoin): a second rebalance, m0001 learns at 28500
 *   (its heartbeat timer reset at 16500). Unowned: m0000's two partitions
 *   7-16.5 s, 19 partition-seconds; m0001 revokes and gets back at the
 *   same instant. Processed twice: what m0000 consumed since its commit at
 *   5000, 2 s x 2 partitions x 100 messages/s = 400.
 */
static void test_pause_by_hand(void)
{
#define PAUSE_PLAN(d)                                                                              \
	"{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t0\", \"partitions\": 4}]}, "      \
	"\"protocol\": \"eager\", \"strategy\": \"range\", \"config\": {\"session.timeout.ms\": "  \
	"10000}, " EXACT "\"events\": [{\"at_ms\": 7000, \"type\": \"pause\", \"member\": "        \
	"\"m0000\", \"duration_ms\": " d "}]}"
	ks_plan *p = plan_of(PAUSE_PLAN("5000"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL(r->n_rebalances, 0);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 10.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.processed_twice, 0, 1e-9);
	CU_ASSERT_EQUAL(r->summary.pauses, 1);
	CU_ASSERT_EQUAL(r->summary.pause_expiries, 0);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);

	p = plan_of(PAUSE_PLAN("20000"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 2);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].start_ms, 16000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 16500, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].start_ms, 27000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].end_ms, 28500, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 19.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.processed_twice, 400, 1e-6);
	CU_ASSERT_EQUAL(r->summary.pause_expiries, 1);
	CU_ASSERT_EQUAL(r->n_members, 3);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/* Random pauses are drawn from the seed: the same plan, the same day; a
 * shorter session turns more of the same pauses into expiries. */
static void test_pause_model(void)
{
#define PAUSE_DAY(session)                                                                         \
	"{\"group\": {\"members\": 10, \"topics\": [{\"name\": \"t0\", \"partitions\": 20}]}, "    \
	"\"protocol\": \"cooperative\", \"config\": {\"session.timeout.ms\": " session             \
	", \"heartbeat.interval.ms\": 1000}, \"model\": {\"assign_ms\": 0}, \"faults\": "          \
	"{\"pauses_per_hour\": 2}, \"end_ms\": "                                                   \
	"86400000}"
	ks_plan *p = plan_of(PAUSE_DAY("10000"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *a = run_of(p), *b = run_of(p);
	/* 10 members x 2 per hour x 24 h: about 480 pauses. */
	CU_ASSERT(a->summary.pauses > 400 && a->summary.pauses < 560);
	CU_ASSERT_EQUAL(a->summary.pauses, b->summary.pauses);
	CU_ASSERT_EQUAL(a->summary.pause_expiries, b->summary.pause_expiries);
	CU_ASSERT_DOUBLE_EQUAL(a->summary.lag_message_seconds, b->summary.lag_message_seconds,
			       1e-6);
	CU_ASSERT_EQUAL(check_run(p, a, 0), 0);
	ks_plan *q = plan_of(PAUSE_DAY("45000"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	ks_run *c = run_of(q);
	CU_ASSERT_EQUAL(c->summary.pauses, a->summary.pauses);
	CU_ASSERT(c->summary.pause_expiries < a->summary.pause_expiries);
	CU_ASSERT(a->summary.pause_expiries > 0);
	ks_run_free(a);
	ks_run_free(b);
	ks_run_free(c);
	ks_plan_free(p);
	ks_plan_free(q);
}

/*
 * The poll loop: a member learns of a rebalance from its heartbeat but
 * joins at its next poll(). Eager range, two members on four partitions,
 * 50 messages/s per partition, capacity 100 (a record every 10 ms:
 * model.record_ms 10), so each member is exactly busy and processes full
 * batches of max.poll.records 70, 700 ms each, m0000's from 0 + 700k,
 * m0001's from 350 + 700k (starting members spread over one batch).
 * m0000 crashes at 61 s: last heartbeat 60000 (3000k), expired at 105000;
 * m0001 (heartbeats at -1500 + 3000k) learns at 106500 but is in a batch
 * until 106750, then revokes and joins; alone, the join completes at once.
 * Unowned: m0000's two partitions 61-106.75 s, 91.5 partition-seconds.
 * Processed twice: m0000 consumed since its last commit. With auto commit
 * (5000k) that is 1 s: 2 x 50 = 100 messages; with enable.auto.commit
 * false, a commit after each batch, 100 ms (its batch began at 60900):
 * 10 messages.
 */
static void test_poll_join_by_hand(void)
{
#define POLL_PLAN(auto)                                                                            \
	"{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t0\", \"partitions\": 4}]}, "      \
	"\"protocol\": \"eager\", \"strategy\": \"range\", \"config\": {\"max.poll.records\": "    \
	"70, \"enable.auto.commit\": " auto "}, \"model\": {\"rtt_ms\": 0, \"commit_ms\": 0, "     \
					    "\"assign_ms\": 0, \"record_ms\": 10, "                \
					    "\"produce_rate\": 50, \"capacity\": 100}, "           \
					    "\"events\": [{\"at_ms\": 61000, \"type\": "           \
					    "\"crash\", \"member\": \"m0000\"}]}"
	ks_plan *p = plan_of(POLL_PLAN("true"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].start_ms, 105000, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 106750, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 91.5, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.processed_twice, 100, 1e-6);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);

	p = plan_of(POLL_PLAN("false"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 106750, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.processed_twice, 10, 1e-6);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * A graceful close waits for the batch in flight: close() is called from
 * the poll thread, which first finishes the batch it is processing, then
 * commits, revokes and leaves. The poll-loop group above (batches of
 * 700 ms, m0000's from 0 + 700k, m0001's from 350 + 700k; heartbeats of
 * m0001 at -1500 + 3000k; no network, commit or assignor time). m0000
 * leaves at 61000, inside its batch [60900, 61600): it processes its two
 * partitions until 61600, then commits and sends its LeaveGroup. m0001
 * learns at its heartbeat at 64500, finishes its batch [64050, 64750) and
 * joins; alone, the join completes at once. Unowned: two partitions from
 * 61600 to 64750, 6.3 partition-seconds; nothing processed twice (the
 * close committed). A restart with stop "close" at 61000 and restart_ms
 * 20000 is back at 81600: the process exits at 61600.
 */
static void test_close_waits_for_batch(void)
{
#define CLOSE_PLAN(ev)                                                                             \
	"{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t0\", \"partitions\": 4}]}, "      \
	"\"protocol\": \"eager\", \"strategy\": \"range\", \"config\": {\"max.poll.records\": "    \
	"70}, \"model\": {\"rtt_ms\": 0, \"commit_ms\": 0, \"assign_ms\": 0, \"record_ms\": 10, "  \
	"\"produce_rate\": 50, \"capacity\": 100, \"restart_ms\": 20000}, \"events\": [" ev        \
	"], \"end_ms\": 90000}"
	ks_plan *p = plan_of(CLOSE_PLAN("{\"at_ms\": 61000, \"type\": \"leave\", \"member\": 0}"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].start_ms, 61600, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 64750, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 6.3, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.processed_twice, 0, 1e-9);
	CU_ASSERT_FATAL(r->n_events >= 1);
	CU_ASSERT_STRING_EQUAL(r->events[0].type, "leave");
	CU_ASSERT_DOUBLE_EQUAL(r->events[0].t_ms, 61600, 1e-6);
	for (size_t i = 0; i < r->n_intervals; i++)
		if (r->intervals[i].member == 0)
			CU_ASSERT_DOUBLE_EQUAL(r->intervals[i].to_ms, 61600, 1e-6);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);

	p = plan_of(CLOSE_PLAN("{\"at_ms\": 61000, \"type\": \"restart\", \"member\": 0, "
			       "\"stop\": \"close\"}"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	r = run_of(p);
	int starts = 0;
	for (size_t i = 0; i < r->n_events; i++) {
		if (strcmp(r->events[i].type, "stop") == 0)
			CU_ASSERT_DOUBLE_EQUAL(r->events[i].t_ms, 61600, 1e-6);
		if (strcmp(r->events[i].type, "start") == 0) {
			CU_ASSERT_DOUBLE_EQUAL(r->events[i].t_ms, 81600, 1e-6);
			starts++;
		}
	}
	CU_ASSERT_EQUAL(starts, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.processed_twice, 0, 1e-9);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * faults.crashes_per_hour: members killed at random moments (their own
 * stream of the seed), each in the middle of a batch, and restarted 3 s
 * later. Three members on six partitions, 100 messages/s each, 1 ms a
 * record. With enable.auto.commit false a commit follows each batch, so a
 * kill loses at most the batch under way (at most max.poll.records, 500);
 * a member keeping up (utilisation 0.2) polls about 1.25 records at a
 * time, so it loses a fraction of a message. With auto commit every 5 s
 * it loses what it consumed since the last commit, on average 2.5 s x 2
 * partitions x 100/s = 500 messages: the same kills (the same seed, the
 * same stream) cost far more. The same plan gives the same run.
 */
static void test_crash_fault(void)
{
#define CRASH_PLAN(ac)                                                                             \
	"{\"group\": {\"members\": 3, \"topics\": [{\"name\": \"t0\", \"partitions\": 6}]}, "      \
	"\"protocol\": \"cooperative\", \"strategy\": \"cooperative-sticky\", \"config\": "        \
	"{\"enable.auto.commit\": " ac "}, \"model\": {\"record_ms\": 1, \"restart_ms\": 3000, "   \
	"\"assign_ms\": 0}, \"faults\": {\"crashes_per_hour\": 6}, \"end_ms\": 3600000}"
	ks_plan *p = plan_of(CRASH_PLAN("true"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *a = run_of(p), *b = run_of(p);
	size_t stops = 0, starts = 0;
	for (size_t i = 0; i < a->n_events; i++) {
		stops += strcmp(a->events[i].type, "stop") == 0;
		starts += strcmp(a->events[i].type, "start") == 0;
	}
	/* 3 members x 6 an hour: about 18 kills, each followed by a start. */
	CU_ASSERT(stops >= 8 && stops <= 30);
	CU_ASSERT_EQUAL(starts, stops);
	CU_ASSERT_EQUAL(a->n_events, b->n_events);
	CU_ASSERT_DOUBLE_EQUAL(a->summary.processed_twice, b->summary.processed_twice, 1e-9);
	CU_ASSERT(a->summary.processed_twice > 0);
	CU_ASSERT_EQUAL(check_run(p, a, 0), 0);
	ks_plan *q = plan_of(CRASH_PLAN("false"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	ks_run *c = run_of(q);
	CU_ASSERT_EQUAL(c->n_events, a->n_events);
	CU_ASSERT(c->summary.processed_twice > 0);
	CU_ASSERT(c->summary.processed_twice <= stops * 500.0);
	CU_ASSERT(a->summary.processed_twice > 10 * c->summary.processed_twice);
	ks_run_free(a);
	ks_run_free(b);
	ks_run_free(c);
	ks_plan_free(p);
	ks_plan_free(q);
}

/*
 * A slow batch past max.poll.inter.ms. Eager range, two members on four
 * partitions, max.poll.interval.ms (and so the rebalance timeout) 30 s,
 * session 45 s, 100 messages/s per partition, no network, commit or
 * record time. m0000's batch from 12 s takes 50 s.
 * - Dynamic: its heartbeat thread leaves the group at 42000; m0001
 *   (heartbeats at -1500 + 3000k) learns at 43500 and takes all four. Back
 *   in poll() at 62000, m0000 rejoins as a new member; m0001, whose
 *   heartbeat timer restarted at 43500, learns at 64500. Unowned: m0000's
 *   two partitions 12-43.5 s, 63 partition-seconds; processed twice: what
 *   it consumed since its auto commit at 10000, 2 s x 2 x 100 = 400.
 * - Static: no LeaveGroup; its heartbeats stop at 42000, so its session
 *   would end at 87000; back at 62000 its JoinGroup gets its partitions
 *   back: no rebalance, 2 x 50 s = 100 partition-seconds unowned.
 * - A slow batch of 20 s stays within max.poll.interval.ms: no
 *   rebalance, 40 partition-seconds.
 */
static void test_slow_batch_by_hand(void)
{
#define SLOW_PLAN(stat, d)                                                                         \
	"{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t0\", \"partitions\": 4}]}, "      \
	"\"protocol\": \"eager\", \"strategy\": \"range\", \"static_membership\": " stat ", "      \
	"\"config\": {\"max.poll.interval.ms\": 30000}, " EXACT "\"events\": [{\"at_ms\": "        \
	"12000, \"type\": \"slow-batch\", \"member\": \"m0000\", \"duration_ms\": " d "}]}"
	ks_plan *p = plan_of(SLOW_PLAN("false", "50000"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL_FATAL(r->n_rebalances, 2);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].start_ms, 42000, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[0].end_ms, 43500, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].start_ms, 62000, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->rebalances[1].end_ms, 64500, 1e-6);
	CU_ASSERT(strncmp(r->rebalances[0].trigger, "poll-timeout", 12) == 0);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 63.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.processed_twice, 400, 1e-6);
	CU_ASSERT_EQUAL(r->n_members, 3);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);

	p = plan_of(SLOW_PLAN("true", "50000"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	r = run_of(p);
	CU_ASSERT_EQUAL(r->n_rebalances, 0);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 100.0, 1e-6);
	CU_ASSERT_EQUAL(r->n_members, 2);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);

	p = plan_of(SLOW_PLAN("false", "20000"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	r = run_of(p);
	CU_ASSERT_EQUAL(r->n_rebalances, 0);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 40.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.processed_twice, 0, 1e-9);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * KIP-848 static membership. Uniform, three static members on six
 * partitions, the broker's session 45 s and heartbeat 5 s (members'
 * heartbeats at 0, -1666.67 and -3333.33 + 5000k), no network, commit or
 * record time, a restart takes 20 s.
 * - m0001 killed at 10 s: no epoch -2 leave, so the coordinator keeps it
 *   until its session ends, 45 s after its last heartbeat (8333.33):
 *   53333.33. Its process, back at 30 s, is answered UNRELEASED_INSTANCE_ID,
 *   fatal for the Java consumer: it fails and is started again at 50 s,
 *   refused again, and at 70 s joins as a new member. The expiry's target
 *   gives m0001's two partitions to m0000 (heartbeat at 55000) and m0002
 *   (56666.67); the join's target takes one back from each, revoked at
 *   their next heartbeats, 70000 and 71666.67, and given at the new
 *   member's first heartbeat, 75000. Unowned: 45 + 46.67 + 5 + 3.33 = 100
 *   partition-seconds, two epochs, two refusals.
 * - m0001 closed at 10 s: a temporary leave (epoch -2) keeps its
 *   assignment; back at 30 s it gets it again: no epoch, 2 x 20 = 40.
 */
static void test_consumer_static_restart(void)
{
#define KIP848_STATIC(stop)                                                                        \
	"{\"group\": {\"members\": 3, \"topics\": [{\"name\": \"t0\", \"partitions\": 6}]}, "      \
	"\"protocol\": \"consumer\", \"static_membership\": true, " EXACT                          \
	"\"events\": [{\"at_ms\": 10000, \"type\": \"restart\", \"member\": \"m0001\", "           \
	"\"stop\": \"" stop "\"}]}"
	ks_plan *p = plan_of(KIP848_STATIC("kill"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ks_run *r = run_of(p);
	CU_ASSERT_EQUAL(r->n_rebalances, 2);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 100.0, 1e-6);
	uint32_t refused = 0;
	for (size_t i = 0; i < r->n_events; i++)
		refused += strcmp(r->events[i].type, "refused") == 0;
	CU_ASSERT_EQUAL(refused, 2);
	CU_ASSERT_EQUAL(r->n_members, 4);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);

	p = plan_of(KIP848_STATIC("close"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	r = run_of(p);
	CU_ASSERT_EQUAL(r->n_rebalances, 0);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 40.0, 1e-6);
	CU_ASSERT_EQUAL(r->n_members, 3);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/*
 * The member count a load needs: the busiest member holds ceil(P / M)
 * partitions. 200 partitions at 100 messages/s each, capacity 150 less 30 %
 * (105): one partition per member, 200 (rate / usable capacity would say
 * 191). 1000 partitions at 1000 each, capacity 1500 (1050 usable): 1000.
 * 20 at 100, capacity 500 (350): three each, ceil(20 / 3) = 7. 8 at 1.25,
 * capacity 500: one would do, two for a crash. 4 at 120, capacity 150: one
 * partition is above 105 but not above 150: one member each, headroom not
 * kept. 4 at 500, capacity 100: impossible.
 */
static void test_safe_members(void)
{
	uint32_t m;
	int unmet;
	CU_ASSERT_EQUAL(ks_safe_members(200, 20000, 150, 0.3, &m, &unmet), 0);
	CU_ASSERT_EQUAL(m, 200);
	CU_ASSERT_EQUAL(unmet, 0);
	CU_ASSERT_EQUAL(ks_safe_members(1000, 1e6, 1500, 0.3, &m, &unmet), 0);
	CU_ASSERT_EQUAL(m, 1000);
	CU_ASSERT_EQUAL(ks_safe_members(20, 2000, 500, 0.3, &m, &unmet), 0);
	CU_ASSERT_EQUAL(m, 7);
	CU_ASSERT_EQUAL(ks_safe_members(8, 10, 500, 0.3, &m, &unmet), 0);
	CU_ASSERT_EQUAL(m, 2);
	CU_ASSERT_EQUAL(ks_safe_members(1, 10, 500, 0.3, &m, &unmet), 0);
	CU_ASSERT_EQUAL(m, 1);
	CU_ASSERT_EQUAL(ks_safe_members(4, 480, 150, 0.3, &m, &unmet), 0);
	CU_ASSERT_EQUAL(m, 4);
	CU_ASSERT_EQUAL(unmet, 1);
	CU_ASSERT_EQUAL(ks_safe_members(4, 2000, 100, 0.3, &m, &unmet), -1);
}

/* ------------------------------------------------------------------ the storm */

static ks_run *preset_run(const char *name, ks_plan **pp)
{
	json_t *j = ks_preset_json(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	json_object_set_new(json_object_get(j, "model"), "assign_ms", json_real(0.05));
	ks_plan *p = NULL;
	CU_ASSERT_EQUAL_FATAL(ks_plan_from_json(name, j, &p, NULL, NULL), 0);
	json_decref(j);
	*pp = p;
	return run_of(p);
}

/* The bands docs/simulation.md states for the storm pair. */
static void test_storm(void)
{
	ks_plan *p;
	ks_run *r = preset_run("storm", &p);
	CU_ASSERT_EQUAL(r->summary.rebalances, 100);
	CU_ASSERT_EQUAL(r->summary.generations, 100);
	for (size_t i = 0; i < r->n_rebalances; i++) {
		const ks_rebalance *b = &r->rebalances[i];
		CU_ASSERT(b->stop_the_world_ms > 20000 && b->stop_the_world_ms < 27000);
		CU_ASSERT_EQUAL(b->revoked, 198);
	}
	CU_ASSERT(r->summary.stop_the_world_ms > 35 * 60000.0 &&
		  r->summary.stop_the_world_ms < 45 * 60000.0);
	CU_ASSERT(r->summary.deploy_ms > 45 * 60000.0 && r->summary.deploy_ms < 55 * 60000.0);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);

	r = preset_run("storm-coop-static", &p);
	CU_ASSERT_EQUAL(r->summary.rebalances, 0);
	CU_ASSERT_DOUBLE_EQUAL(r->summary.stop_the_world_ms, 0, 1e-9);
	CU_ASSERT(r->summary.deploy_ms > 4.5 * 60000 && r->summary.deploy_ms < 5.5 * 60000);
	/* Each member's two partitions idle for its 3 s restart. */
	CU_ASSERT_DOUBLE_EQUAL(r->summary.unowned_partition_seconds, 600, 1.0);
	CU_ASSERT_EQUAL(check_run(p, r, 0), 0);
	ks_run_free(r);
	ks_plan_free(p);
}

/* ------------------------------------------------------------------ bad plans */

static void expect_refused(const char *text, const char *needle)
{
	json_t *j = json_loads(text, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	ks_plan *p = NULL;
	n_msgs = 0;
	last_msg[0] = '\0';
	int rc = ks_plan_from_json("bad.json", j, &p, collect, NULL);
	json_decref(j);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT(n_msgs >= 1);
	if (!strstr(last_msg, needle) || strncmp(last_msg, "bad.json: ", 10) != 0)
		fprintf(stderr, "expected a message with '%s', got '%s'\n", needle, last_msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(last_msg, needle));
	ks_plan_free(p);
}

#define G10 "\"group\": {\"members\": 10, \"topics\": [{\"name\": \"t0\", \"partitions\": 20}]}"

static void test_bad_plans(void)
{
	expect_refused("{" G10 ", \"config\": {\"heartbeat.interval.ms\": 45000}}",
		       "config.heartbeat.interval.ms: 45000 must be below session.timeout.ms");
	expect_refused("{" G10 ", \"model\": {\"produce_rate\": -5}}",
		       "model.produce_rate: -5 is out of range");
	expect_refused("{" G10 ", \"events\": [{\"at_ms\": 0, \"type\": \"rolling-restart\", "
		       "\"count\": 11}]}",
		       "count: 11 restarts but 10 members");
	expect_refused("{" G10 ", \"events\": [{\"at_ms\": 0, \"type\": \"explode\"}]}",
		       "events[0]: type: unknown event type \"explode\"");
	expect_refused("{" G10 ", \"events\": [{\"type\": \"join\"}]}",
		       "events[0]: at_ms: missing");
	expect_refused("{" G10 ", \"colour\": 1}", "colour: unknown field");
	expect_refused("{" G10 ", \"config\": {\"session.timeout\": 1}}",
		       "config.session.timeout: unknown field");
	expect_refused("{" G10 ", \"protocol\": \"cooperative\", \"strategy\": \"range\"}",
		       "does not support the cooperative protocol");
	expect_refused("{" G10 ", \"strategy\": \"nope\"}", "unknown strategy \"nope\"");
	expect_refused("{" G10 ", \"static_membership\": true, \"model\": {\"coordinator\": "
		       "\"librdkafka-mock\"}}",
		       "no group.instance.id");
	expect_refused("{" G10 ", \"faults\": {\"crashes_per_hour\": 1}}",
		       "faults.crashes_per_hour: random crashes need the run's length");
	expect_refused("{" G10 ", \"model\": {\"client\": \"go\"}}",
		       "model.client: \"java\" or \"librdkafka\" expected");
	expect_refused("{" G10 ", \"model\": {\"followup_race\": 0.5}}",
		       "model.followup_race: a race of librdkafka's consumer: needs model.client "
		       "\"librdkafka\"");
	expect_refused("{" G10 ", \"model\": {\"client\": \"librdkafka\", \"followup_race\": 1.5}}",
		       "model.followup_race: 1.5 is out of range (0 to 1)");
	expect_refused("{" G10 ", \"protocol\": \"consumer\", \"strategy\": \"uniform\", "
		       "\"model\": {\"client\": \"librdkafka\"}}",
		       "protocol: model.client librdkafka is librdkafka 2.0.2, which has no "
		       "consumer protocol");
	expect_refused("{" G10 ", \"events\": [{\"at_ms\": 0, \"type\": \"crash\", \"member\": "
		       "\"m0042\"}]}",
		       "no member named \"m0042\"");
	expect_refused("{\"group\": {\"members\": 2}}", "group.topics");
	expect_refused(
	    "{" G10 ", \"model\": {\"record_ms\": 1000}}",
	    "config.max.poll.records: 500 records at model.record_ms 1000 take 500000 ms");
	expect_refused("{" G10 ", \"model\": {\"record_dist\": \"normal\"}}",
		       "model.record_dist: \"fixed\" or \"exponential\" expected");
	expect_refused("{" G10 ", \"config\": {\"enable.auto.commit\": 1}}",
		       "config.enable.auto.commit: true or false expected");
	expect_refused("{" G10 ", \"protocol\": \"consumer\", \"config\": "
		       "{\"session.timeout.ms\": 30000}}",
		       "config.session.timeout.ms: not a consumer setting under the consumer "
		       "protocol (KIP-848)");
	expect_refused("{" G10 ", \"protocol\": \"consumer\", \"broker\": "
		       "{\"group.consumer.session.timeout.ms\": 30000}}",
		       "broker.group.consumer.session.timeout.ms: 30000 is outside "
		       "[group.consumer.min.session.timeout.ms 45000");
	expect_refused("{" G10 ", \"protocol\": \"consumer\", \"broker\": "
		       "{\"group.consumer.heartbeat.interval.ms\": 20000}}",
		       "group.consumer.max.heartbeat.interval.ms 15000]");
	expect_refused("{" G10 ", \"config\": {\"session.timeout.ms\": 3000, "
		       "\"heartbeat.interval.ms\": 1000}}",
		       "config.session.timeout.ms: 3000 is outside the broker's "
		       "[group.min.session.timeout.ms 6000");
	expect_refused("{" G10 ", \"faults\": {\"pauses_per_hour\": 1}}",
		       "faults.pauses_per_hour: random pauses need the run's length");
	expect_refused("{" G10 ", \"events\": [{\"at_ms\": 0, \"type\": \"pause\", "
		       "\"member\": 0}]}",
		       "duration_ms: missing");
	expect_refused("{" G10 ", \"events\": [{\"at_ms\": 0, \"type\": \"add-partitions\", "
		       "\"topic\": \"t9\", \"count\": 1}]}",
		       "\"t9\" is not a topic of the group");
}

static const kt_test invariant_tests[] = {
    {"random_scripts", test_random_scripts},
    {NULL, NULL},
};

static const kt_test case_tests[] = {
    {"crash_by_hand", test_crash_by_hand},
    {"cooperative_by_hand", test_cooperative_by_hand},
    {"consumer_by_hand", test_consumer_by_hand},
    {"mock_by_hand", test_mock_by_hand},
    {"librdkafka_third_generation", test_librdkafka_third_generation},
    {"librdkafka_followup_race", test_librdkafka_followup_race},
    {"scenario_group", test_scenario_group},
    {"static_restart", test_static_restart},
    {"static_kept_through_rebalance", test_static_kept_through_rebalance},
    {"static_rejoin_completing", test_static_rejoin_completing},
    {"pause_by_hand", test_pause_by_hand},
    {"pause_model", test_pause_model},
    {"poll_join_by_hand", test_poll_join_by_hand},
    {"close_waits_for_batch", test_close_waits_for_batch},
    {"crash_fault", test_crash_fault},
    {"consumer_static_restart", test_consumer_static_restart},
    {"slow_batch_by_hand", test_slow_batch_by_hand},
    {"safe_members", test_safe_members},
    {NULL, NULL},
};

static const kt_test storm_tests[] = {
    {"storm", test_storm},
    {NULL, NULL},
};

static const kt_test plan_tests[] = {
    {"bad_plans", test_bad_plans},
    {NULL, NULL},
};

static const kt_suite suites[] = {
    {"invariants", invariant_tests}, {"cases", case_tests}, {"storm", storm_tests},
    {"plans", plan_tests},           {NULL, NULL},
};

KT_MAIN(suites)
