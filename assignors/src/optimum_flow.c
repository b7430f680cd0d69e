/*
 * optimum_flow.c - the lexicographic optimum of a group (most balanced,
 * then most local, then fewest moves) by two min-cost flows (flow.c) over
 * the member classes and partition groups of sticky_groups.c, fast enough
 * for a million partitions. It is the same optimum as optimum.c's
 * ka_optimum_compute, which works on single partitions and serves as the
 * reference in tests. Three callers: the `optimal` plan (sticky.c), which
 * keeps Kafka's answer where that is optimal; the locality strategy
 * (locality.c), with racks counted wherever both sides have them; and the
 * metrics (metrics.c), for the fewest moves any balanced assignment needs.
 *
 * kassign's own `optimal` (ka__optimal_plan) keeps Kafka's answer when it is
 * optimal, and otherwise gives the exact optimum of a min-cost flow
 * (below), whose objective is lexicographic: sum of squared loads, then
 * local placements, then kept partitions. Without racks the greedy keeps
 * every valid claim, so a cheap certificate of its balance decides.
 * Rack-aware, Kafka drops mismatched claims and deals greedily, which can
 * lose locality or stickiness (a claim revoked for its rack can end on
 * another rack no closer): Kafka's answer stays when it keeps every valid
 * claim and reaches the best balance and locality, both found by a flow on
 * counts of member classes and partition groups (ka__certify_kafka, certify.c); otherwise
 * the optimum runs, and Kafka's answer (the replay's end) stays only if it
 * reaches all three levels.
 */
#include "sticky.h"

/*
 * The optimum by two min-cost flows (flow.c). The network: S -> group (its
 * partitions) -> class (cost 1: a partition its new owner did not own) ->
 * member, plus group -> member at cost 0 for the member's own valid claims
 * in the group. Members of a class without a valid claim are
 * interchangeable: one node. The flow fixes how many partitions of each
 * group each member keeps and how many it receives; the partitions
 * themselves are then dealt: kept claims lowest partition first, the rest
 * from each group's pool in order.
 *
 * Stage 1, balance, on classes: S -> group -> class, each class with a
 * convex arc to Z spread over its members (sum of squared loads; flow.c).
 * Members of a class are interchangeable for balance, so this is the
 * balance problem itself, on a few nodes, and every path carries what is
 * left of a class's level at once. Its final potentials pi are an optimal
 * dual, and the most balanced assignments are exactly the flows of the
 * member network that keep complementary slackness with them (the usual
 * argument: cost = sum of reduced costs times flow + a constant, and the
 * optimum reaches its lower bound): nothing on a group -> class arc (or
 * group -> member claim) of positive reduced cost, and a member of class c
 * at a load l with 2l - 1 <= pi(Z) - pi(c) <= 2l + 1, so one load, or l
 * and l + 1 when the bound is met, which lets classes at one level trade
 * the unit above it.
 *
 * Stage 2, movement (and locality), on members: the network above with
 * only those arcs, each member's load held in its range [lo, hi] by a
 * range arc to Z (flow.c): lo units at cost 0, hi - lo more at cost
 * `weight`, more than the other costs along any cycle, so that every lo
 * fills. Its costs are small, so its phases are few and its paths carry
 * whole claims. A member-level convex flow instead needs a path per unit
 * of load above the lowest: about a million at G-1M.
 *
 * Without rack-aware assignment groups are topic classes and classes
 * subscription classes. Rack-aware, groups are (topic, members' racks
 * holding a replica) and classes (subscription class, rack), so that every
 * group -> class and group -> member arc places partitions that are all
 * local or all not; a placement that is not local costs B more. With L =
 * min(nodes, demand), which bounds the moves along a cycle and in all,
 * B = L + 1 puts one more local placement above any number of moves, and
 * the weight (B + 1) L + 1 above both: lexicographically, balance, then
 * locality, then stickiness.
 */
/*
 * The slabs' sizes: M members, P partitions, G groups, C classes, GA
 * (group, class) pairs, R runs of claims, NT topic classes; the member
 * network has V nodes and A arcs, the balance network V1 and A1.
 */
typedef struct opt_size {
	size_t M, P, G, C, GA, R, NT, A, A1;
	uint32_t V, V1;
} opt_size;

static opt_size opt_size_of(const ka_group *g, const dims *d)
{
	opt_size z;
	z.M = g->n_members;
	z.P = g->n_partitions;
	z.G = d->grp;
	z.C = d->cls;
	z.GA = d->grp_arcs;
	z.R = d->runs;
	z.NT = g->n_topic_classes;
	z.V = (uint32_t)(2 + z.G + 2 * z.C + z.M);
	z.V1 = (uint32_t)(2 + z.NT + z.C);
	z.A = z.G + z.GA + z.M + z.C + z.R;
	z.A1 = z.NT + z.GA;
	return z;
}

#define OPT_SLABS(X)                                                                               \
	X(group_node, uint32_t, z.G)                                                               \
	X(member_node, uint32_t, z.M)                                                              \
	X(fresh_n, uint32_t, z.C)                                                                  \
	X(cls_n, uint32_t, z.C)                                                                    \
	X(cls_lo, uint32_t, z.C)                                                                   \
	X(cls_hi, uint32_t, z.C)                                                                   \
	X(bal_supply, uint32_t, z.NT)                                                              \
	X(bal_mark, uint32_t, z.NT)                                                                \
	X(run_member, uint32_t, z.R)                                                               \
	X(run_group, uint32_t, z.R)                                                                \
	X(run_arc, uint32_t, z.R)                                                                  \
	X(tc_arc, uint32_t, z.GA)                                                                  \
	X(tc_group, uint32_t, z.GA)                                                                \
	X(class_first, uint32_t, z.C + 1)                                                          \
	X(cm_arc, uint32_t, z.M)                                                                   \
	X(cf_arc, uint32_t, z.C)                                                                   \
	X(quota, uint32_t, z.M)                                                                    \
	X(cls_off, uint32_t, z.C + 1)                                                              \
	X(cls_members, uint32_t, z.M)                                                              \
	X(pool_cur, uint32_t, z.G)                                                                 \
	X(opt_owner, uint32_t, z.P)                                                                \
	X(claims, uint8_t, z.P)                                                                    \
	X(grun, uint32_t, z.G)                                                                     \
	X(grun_mark, uint32_t, z.G)

/* 1 when a member of rack r placed on group k is not local (rack-aware only). */
static inline int64_t grp_remote(const ka_group *g, const sides *sd, uint32_t k, uint32_t r)
{
	return !is_local(g, r, sd->grp_rep[k]);
}

static size_t optimal_size(const ka_group *g, const dims *d)
{
	const opt_size z = opt_size_of(g, d);
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	OPT_SLABS(X)
#undef X
	return total + max_size(ka__flow_size(z.V1, z.A1), ka__flow_size(z.V, z.A));
}

/*
 * The levels of an assignment; without sides (no racks) locality stays 0.
 * Rack-aware, a placement is local when the member's rack bit is set in its
 * partition group's rack mask (ka__groups_build), or by is_local past 64
 * member racks.
 */
static levels objective(const ka_group *g, const sides *sd, const uint32_t *owner, uint32_t *load)
{
	const uint64_t *key = sd ? sd->grp_key : NULL;
	const uint32_t *grp = sd ? sd->grp_of : NULL, RK = g->n_racks;
	const uint8_t *bit = sd ? sd->rack_bit : NULL;
	uint64_t kept = 0, local = 0;
	memset(load, 0, g->n_members * sizeof *load);
	for (uint32_t p = 0; p < g->n_partitions; p++) {
		const uint32_t m = owner[p];
		if (m == KA_NONE)
			continue;
		load[m]++;
		kept += m == g->prev_owner[p];
		if (!sd)
			continue;
		const uint32_t r = g->member_rack[m];
		if (!key) {
			local += (uint64_t)is_local(g, r, p);
		} else {
			/* bit 0: no member rack, never local */
			const uint32_t b = r < RK ? bit[r] : 0;
			local += (key[grp[p]] >> ((b - 1) & 63)) & (b != 0);
		}
	}
	levels v = {0, local, kept};
	for (uint32_t m = 0; m < g->n_members; m++)
		v.sq += (uint64_t)load[m] * load[m];
	return v;
}

/*
 * What the phases of assign_optimal share: the slabs, and the network as
 * it is numbered. Nodes: S = 0, Z = 1, then the groups that can be
 * assigned, then a node per class (class_base + c), a node per class for
 * its members without claims (fresh_base + c), then the members with
 * valid claims.
 */
typedef struct opt_net {
	const ka_group *g;
	const sides *sd;
	opt_size z;
#define X(name, type, n) type *name;
	OPT_SLABS(X)
#undef X
	uint32_t n_nodes, class_base, fresh_base;
	size_t n_runs, n_tc;
	int64_t demand;
} opt_net;

enum { OPT_S = 0, OPT_Z = 1 };

#if defined(__GNUC__)
#define OPT_NOINLINE __attribute__((noinline))
#else
#define OPT_NOINLINE
#endif

/* Groups that can be assigned, their supply in all (demand), and the
 * class nodes. */
static void opt_group_nodes(opt_net *o)
{
	const ka_group *g = o->g;
	const sides *sd = o->sd;
	uint32_t *group_node = o->group_node, next_node = 2;
	int64_t demand = 0;
	for (uint32_t k = 0; k < sd->n_grp; k++) {
		uint32_t n = sd->grp_off[k + 1] - sd->grp_off[k], t = grp_topic(sd, k);
		group_node[k] = n && g->tsub_off[t + 1] > g->tsub_off[t] ? next_node++ : KA_NONE;
		if (group_node[k] != KA_NONE)
			demand += n;
	}
	o->demand = demand;
	o->class_base = next_node;
	next_node += sd->n_cls;
	o->fresh_base = next_node;
	next_node += sd->n_cls;
	o->n_nodes = next_node;
}

/*
 * Runs: (member, group) pairs with valid claims, run_arc[] counting them
 * until the arcs are made, and a node for each member with one; the others
 * counted per class (fresh_n). Without racks a member's claims on a topic
 * are consecutive; with them a group's are not, hence grun.
 */
static void opt_claim_runs(opt_net *o)
{
	const ka_group *g = o->g;
	const sides *sd = o->sd;
	const size_t M = o->z.M, GR = o->z.G;
	uint32_t *run_member = o->run_member, *run_group = o->run_group, *run_arc = o->run_arc;
	uint32_t *grun = o->grun, *grun_mark = o->grun_mark;
	uint32_t *member_node = o->member_node, *fresh_n = o->fresh_n;
	uint32_t next_node = o->n_nodes;
	memset(fresh_n, 0, sd->n_cls * sizeof *fresh_n);
	if (GR)
		memset(grun_mark, 0xff, GR * sizeof *grun_mark);
	size_t n_runs = 0;
	for (uint32_t m = 0; m < M; m++) {
		member_node[m] = KA_NONE;
		const size_t first = n_runs;
		uint32_t t = 0, last_t = KA_NONE, last_k = KA_NONE;
		int valid = 0;
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			topic_from(g, p, &t);
			if (g->prev_owner[p] != m)
				continue;
			if (t != last_t) {
				last_t = t;
				valid = ka__subscribes(g, m, t);
			}
			if (!valid)
				continue;
			uint32_t gk = grp_of_part(sd, p, t);
			if (GR ? grun_mark[gk] != m : gk != last_k) {
				if (GR) {
					grun_mark[gk] = m;
					grun[gk] = (uint32_t)n_runs;
				}
				last_k = gk;
				run_member[n_runs] = m;
				run_group[n_runs] = gk;
				run_arc[n_runs++] = 0;
			}
			run_arc[GR ? grun[gk] : n_runs - 1]++;
		}
		assert(n_runs <= o->z.R);
		if (n_runs > first)
			member_node[m] = next_node++;
		else if (g->sub_off[m + 1] > g->sub_off[m])
			fresh_n[sd->cls_of[m]]++;
	}
	o->n_runs = n_runs;
	o->n_nodes = next_node;
}

/*
 * The (group, class) pairs: from one member of each class; a group
 * spanning several topics (a topic class) is listed once (pool_cur, free
 * until the dealing, marks the class that listed it last).
 */
static void opt_class_groups(opt_net *o)
{
	const ka_group *g = o->g;
	const sides *sd = o->sd;
	const uint32_t NC = sd->n_cls;
	const uint32_t *group_node = o->group_node;
	uint32_t *pool_cur = o->pool_cur, *class_first = o->class_first, *tc_group = o->tc_group;
	size_t n_tc = 0;
	for (uint32_t k = 0; k < sd->n_grp; k++)
		pool_cur[k] = KA_NONE;
	for (uint32_t c = 0, scan = 0; c < NC; c++) {
		uint32_t m = class_rep(sd, c, &scan);
		class_first[c] = (uint32_t)n_tc;
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++) {
			uint32_t t = g->sub_topic[s];
			for (uint32_t k = grp_begin(sd, t); k < grp_end(sd, t); k++) {
				if (group_node[k] == KA_NONE || pool_cur[k] == c)
					continue;
				pool_cur[k] = c;
				tc_group[n_tc++] = k;
			}
		}
	}
	assert(n_tc <= o->z.GA);
	class_first[NC] = (uint32_t)n_tc;
	o->n_tc = n_tc;
}

/*
 * Stage 1: the most balanced class loads, and the potentials. Groups of
 * one topic class (the same subscribers) link to the same classes, so for
 * balance they are one node (rack-aware, a topic's groups). Sets each
 * class's load range [cls_lo, cls_hi] and drops the arcs of positive
 * reduced cost (tc_arc KA_NONE, run_arc 0).
 */
static void opt_balance(opt_net *o, ka__ws *w)
{
	const ka_group *g = o->g;
	const sides *sd = o->sd;
	const uint32_t NC = sd->n_cls, NG = sd->n_grp, NT = (uint32_t)o->z.NT;
	const uint32_t *class_first = o->class_first, *tc_group = o->tc_group;
	const size_t mark = w->used;
	const uint32_t bal_cls = 2 + NT;
	uint32_t *bal_supply = o->bal_supply, *bal_mark = o->bal_mark, *cls_n = o->cls_n;
	memset(bal_supply, 0, NT * sizeof *bal_supply);
	memset(bal_mark, 0xff, NT * sizeof *bal_mark);
	for (uint32_t k = 0; k < NG; k++)
		if (o->group_node[k] != KA_NONE)
			bal_supply[g->topic_class[grp_topic(sd, k)]] +=
			    sd->grp_off[k + 1] - sd->grp_off[k];
	ka__flow f;
	ka__flow_init(&f, w, o->z.V1, o->z.A1, OPT_S, OPT_Z, 1);
	for (uint32_t tc = 0; tc < NT; tc++)
		if (bal_supply[tc])
			ka__flow_arc(&f, OPT_S, 2 + tc, bal_supply[tc], 0);
	for (uint32_t c = 0; c < NC; c++)
		for (uint32_t j = class_first[c]; j < class_first[c + 1]; j++) {
			const uint32_t tc = g->topic_class[grp_topic(sd, tc_group[j])];
			if (bal_mark[tc] != c) {
				bal_mark[tc] = c;
				ka__flow_arc(&f, 2 + tc, bal_cls + c, -1, 0);
			}
		}
	memset(cls_n, 0, NC * sizeof *cls_n);
	for (uint32_t m = 0, M = (uint32_t)o->z.M; m < M; m++)
		cls_n[sd->cls_of[m]] += g->sub_off[m + 1] > g->sub_off[m];
	for (uint32_t c = 0; c < NC; c++)
		if (class_first[c + 1] > class_first[c])
			ka__flow_sink(&f, bal_cls + c, cls_n[c]);
	int64_t sent = ka__flow_run(&f, o->demand);
	assert(sent == o->demand);
	(void)sent;
	/* A member of class c ends at l with the unit from l to l + 1, which
	 * costs 2l + 1, taken when below pi(Z) - pi(c) and free at it. */
	for (uint32_t c = 0; c < NC; c++) {
		const int64_t slack = f.pi[OPT_Z] - f.pi[bal_cls + c];
		o->cls_lo[c] = slack > 1 ? (uint32_t)(slack / 2) : 0;
		o->cls_hi[c] = slack > 0 ? (uint32_t)((slack + 1) / 2) : 0;
	}
	/* Arcs of reduced cost 0 stay (KA_NONE marks the others): a group
	 * takes its topic class's potential, and the difference from a
	 * class's is that reduced cost, never below 0. */
	for (uint32_t c = 0; c < NC; c++)
		for (uint32_t j = class_first[c]; j < class_first[c + 1]; j++) {
			const uint32_t tc = g->topic_class[grp_topic(sd, tc_group[j])];
			o->tc_arc[j] = f.pi[2 + tc] == f.pi[bal_cls + c] ? 0 : KA_NONE;
		}
	const uint32_t *run_group = o->run_group, *run_member = o->run_member;
	for (size_t r = 0, n_runs = o->n_runs; r < n_runs; r++) {
		const uint32_t tc = g->topic_class[grp_topic(sd, run_group[r])];
		if (f.pi[2 + tc] != f.pi[bal_cls + sd->cls_of[run_member[r]]])
			o->run_arc[r] = 0;
	}
	w->used = mark;
}

/*
 * Stage 2's weights: the range arcs' weight, and B, the cost of a
 * placement that is not local (0 without racks, and when the weights
 * would not fit: then *exact is 0).
 */
static int64_t opt_weights(const opt_net *o, int64_t *B, int *exact)
{
	const uint32_t next_node = o->n_nodes;
	int64_t weight = (int64_t)next_node + 1;
	*B = 0;
	*exact = 1;
	if (o->sd->racks) {
		/* Every cost flow.c meets (distances, potentials) stays below
		 * weight + (nodes + 2) (B + 1): a quarter of the range left for
		 * its sums. */
		const uint64_t demand = (uint64_t)o->demand;
		uint64_t L = (uint64_t)next_node < demand ? next_node : demand;
		int64_t b = (int64_t)L + 1, wt = cost_bound((uint64_t)b + 1, L, 1);
		int64_t paths = cost_bound((uint64_t)next_node + 2, (uint64_t)b + 1, 0);
		if (wt >= 0 && paths >= 0 && cost_bound(1, (uint64_t)wt, (uint64_t)paths) >= 0) {
			*B = b;
			weight = wt;
		} else {
			*exact = 0;
		}
	}
	return weight;
}

/* Stage 2: movement and locality on the member network, within the
 * ranges of stage 1; tc_arc, cm_arc, cf_arc and run_arc become arc ids. */
static void opt_movement(opt_net *o, ka__ws *w, ka__flow *f, int *exact)
{
	const ka_group *g = o->g;
	const sides *sd = o->sd;
	const uint32_t NC = sd->n_cls, M = (uint32_t)o->z.M;
	const uint32_t class_base = o->class_base, fresh_base = o->fresh_base;
	const uint32_t *group_node = o->group_node, *member_node = o->member_node;
	const uint32_t *class_first = o->class_first, *tc_group = o->tc_group;
	const uint32_t *fresh_n = o->fresh_n, *cls_lo = o->cls_lo, *cls_hi = o->cls_hi;
	const uint32_t *run_member = o->run_member, *run_group = o->run_group;
	uint32_t *tc_arc = o->tc_arc, *cm_arc = o->cm_arc, *cf_arc = o->cf_arc;
	uint32_t *run_arc = o->run_arc;
	int64_t B;
	const int64_t weight = opt_weights(o, &B, exact);
	ka__flow_init(f, w, o->n_nodes, o->z.A, OPT_S, OPT_Z, weight);
	for (uint32_t k = 0; k < sd->n_grp; k++)
		if (group_node[k] != KA_NONE)
			ka__flow_arc(f, OPT_S, group_node[k], sd->grp_off[k + 1] - sd->grp_off[k],
				     0);
	for (uint32_t c = 0; c < NC; c++)
		for (uint32_t j = class_first[c]; j < class_first[c + 1]; j++) {
			if (tc_arc[j] == KA_NONE)
				continue;
			const uint32_t k = tc_group[j];
			int64_t cost = 1 + (B ? B * grp_remote(g, sd, k, sd->cls_rack[c]) : 0);
			tc_arc[j] = ka__flow_arc(f, group_node[k], class_base + c, -1, cost);
		}
	for (uint32_t m = 0; m < M; m++)
		if (member_node[m] != KA_NONE) {
			const uint32_t c = sd->cls_of[m];
			cm_arc[m] = ka__flow_arc(f, class_base + c, member_node[m], -1, 0);
			ka__flow_sink_range(f, member_node[m], cls_lo[c], cls_hi[c]);
		}
	for (uint32_t c = 0; c < NC; c++)
		if (fresh_n[c]) {
			cf_arc[c] = ka__flow_arc(f, class_base + c, fresh_base + c, -1, 0);
			ka__flow_sink_range(f, fresh_base + c, cls_lo[c] * fresh_n[c],
					    cls_hi[c] * fresh_n[c]);
		}
	for (size_t r = 0, n_runs = o->n_runs; r < n_runs; r++) {
		uint32_t m = run_member[r], k = run_group[r];
		int64_t cost = B ? B * grp_remote(g, sd, k, g->member_rack[m]) : 0;
		run_arc[r] = ka__flow_arc(f, group_node[k], member_node[m], run_arc[r], cost);
	}
	int64_t sent = ka__flow_run(f, o->demand);
	assert(sent == o->demand);
	(void)sent;
}

/*
 * Kept claims. Where a member keeps fewer than it claims, it keeps first
 * the partitions nobody else claims: one that another member also lists
 * (an older generation's claim) can go to that member without a handover,
 * as in Kafka. Then lowest first. run_arc[] becomes what each run keeps.
 */
static void opt_keep_claims(opt_net *o, const ka__flow *f)
{
	const ka_group *g = o->g;
	const sides *sd = o->sd;
	const size_t M = o->z.M, P = o->z.P, GR = o->z.G, n_runs = o->n_runs;
	uint32_t *out = o->opt_owner, *run_arc = o->run_arc, *grun = o->grun;
	uint32_t *grun_mark = o->grun_mark;
	const uint32_t *run_member = o->run_member, *run_group = o->run_group;
	uint8_t *claims = o->claims;
	memset(claims, 0, P);
	for (uint32_t k = 0; k < g->own_off[M]; k++)
		if (claims[g->own_part[k]] < 255)
			claims[g->own_part[k]]++;
	for (size_t p = 0; p < P; p++)
		out[p] = KA_NONE;
	for (size_t r0 = 0, r1; r0 < n_runs; r0 = r1) {
		const uint32_t m = run_member[r0];
		for (r1 = r0; r1 < n_runs && run_member[r1] == m; r1++) {
			run_arc[r1] = (uint32_t)ka__flow_on(f, run_arc[r1]);
			if (GR) {
				grun_mark[run_group[r1]] = m;
				grun[run_group[r1]] = (uint32_t)r1;
			}
		}
		for (int shared = 0; shared < 2; shared++) {
			uint32_t t = 0;
			size_t next_run = r0;
			for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
				uint32_t p = g->own_part[k];
				if (g->prev_owner[p] != m || out[p] != KA_NONE ||
				    (claims[p] > 1) != shared)
					continue;
				size_t r;
				if (GR) {
					/* a claim on a topic m no longer takes has no run */
					topic_from(g, p, &t);
					uint32_t gk = grp_of_part(sd, p, t);
					if (gk == KA_NONE || grun_mark[gk] != m)
						continue;
					r = grun[gk];
				} else {
					/* runs of m ascend by topic, as its claims do */
					topic_from(g, p, &t);
					while (next_run < r1 && run_group[next_run] < t)
						next_run++;
					if (next_run == r1 || run_group[next_run] != t)
						continue;
					r = next_run;
				}
				if (run_arc[r]) {
					out[p] = m;
					run_arc[r]--;
				}
			}
		}
	}
}

/* What each member receives through its class (quota), the class's
 * members in member_id order (cls_members, by cls_off). */
static void opt_quotas(opt_net *o, const ka__flow *f)
{
	const ka_group *g = o->g;
	const sides *sd = o->sd;
	const uint32_t NC = sd->n_cls, M = (uint32_t)o->z.M;
	uint32_t *cls_off = o->cls_off, *quota = o->quota, *cls_members = o->cls_members;
	const uint32_t *fresh_n = o->fresh_n;
	memset(cls_off, 0, (NC + 1) * sizeof *cls_off);
	for (uint32_t m = 0; m < M; m++)
		cls_off[sd->cls_of[m] + 1]++;
	for (size_t c = 0; c < NC; c++)
		cls_off[c + 1] += cls_off[c];
	memcpy(quota, cls_off, NC * sizeof *quota); /* cursors for now */
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[i];
		cls_members[quota[sd->cls_of[m]]++] = m;
	}
	for (size_t c = 0; c < NC; c++) {
		int64_t fresh_units = fresh_n[c] ? ka__flow_on(f, o->cf_arc[c]) : 0;
		uint32_t share = fresh_n[c] ? (uint32_t)(fresh_units / fresh_n[c]) : 0;
		uint32_t extra = fresh_n[c] ? (uint32_t)(fresh_units % fresh_n[c]) : 0;
		for (uint32_t i = cls_off[c]; i < cls_off[c + 1]; i++) {
			uint32_t m = cls_members[i];
			if (o->member_node[m] != KA_NONE)
				quota[m] = (uint32_t)ka__flow_on(f, o->cm_arc[m]);
			else if (g->sub_off[m + 1] > g->sub_off[m])
				quota[m] = share + (extra ? (extra--, 1) : 0);
			else
				quota[m] = 0;
		}
	}
}

/*
 * Deal each class its groups' pools, member after member. Kept out of line
 * (OPT_NOINLINE): inlined into assign_optimal, its inner loop costs about
 * half as many instructions again per partition.
 */
OPT_NOINLINE static void opt_deal_pools(opt_net *o, const ka__flow *f)
{
	const ka_group *g = o->g;
	const sides *sd = o->sd;
	uint32_t *out = o->opt_owner, *quota = o->quota, *pool_cur = o->pool_cur;
	const uint32_t *cls_members = o->cls_members, *tc_group = o->tc_group, *tc_arc = o->tc_arc;
	for (uint32_t k = 0; k < sd->n_grp; k++)
		pool_cur[k] = sd->grp_off[k];
	for (size_t c = 0; c < sd->n_cls; c++) {
		uint32_t i = o->cls_off[c];
		for (uint32_t j = o->class_first[c]; j < o->class_first[c + 1]; j++) {
			const uint32_t k = tc_group[j], t = grp_topic(sd, k);
			int64_t units = tc_arc[j] == KA_NONE ? 0 : ka__flow_on(f, tc_arc[j]);
			while (units > 0) {
				while (quota[cls_members[i]] == 0)
					i++;
				uint32_t m = cls_members[i];
				/* First what m itself still lists as owned: rack-aware,
				 * in any topic of the group (grp_of), else in topic t. */
				uint32_t lo = g->own_off[m], hi = g->own_off[m + 1];
				while (!sd->grp_of && lo < hi) {
					uint32_t mid = lo + (hi - lo) / 2;
					if (g->own_part[mid] < g->topic_off[t])
						lo = mid + 1;
					else
						hi = mid;
				}
				const uint32_t end =
				    sd->grp_of ? g->topic_off[g->n_topics] : g->topic_off[t + 1];
				for (uint32_t e = lo; units && quota[m] && e < g->own_off[m + 1] &&
						      g->own_part[e] < end;
				     e++) {
					uint32_t p = g->own_part[e];
					if (out[p] == KA_NONE &&
					    (!sd->grp_of || sd->grp_of[p] == k)) {
						out[p] = m;
						quota[m]--;
						units--;
					}
				}
				/* Then the group's pool, as much as m takes. */
				for (; units && quota[m]; quota[m]--, units--) {
					while (out[grp_at(sd, pool_cur[k])] != KA_NONE)
						pool_cur[k]++;
					out[grp_at(sd, pool_cur[k]++)] = m;
				}
			}
		}
	}
}

/*
 * Returns the optimal assignment, in a slab of the workspace. Rack-aware,
 * *exact tells whether locality was part of the objective: not when its
 * weights would not fit in 64 bits (a group far past any real one), and the
 * flow falls back to balance, then stickiness.
 */
static const uint32_t *assign_optimal(const ka_group *g, const dims *d, const sides *sd, ka__ws *w,
				      int *exact)
{
	opt_net o = {.g = g, .sd = sd, .z = opt_size_of(g, d)};
	const opt_size z = o.z;
#define X(name, type, n) o.name = ka__ws_take(w, (n), sizeof(type));
	OPT_SLABS(X)
#undef X
	assert(sd->n_cls <= z.C && sd->n_grp <= z.G);
	opt_group_nodes(&o);
	opt_claim_runs(&o);
	opt_class_groups(&o);
	opt_balance(&o, w);
	ka__flow f;
	opt_movement(&o, w, &f, exact);
	opt_keep_claims(&o, &f);
	opt_quotas(&o, &f);
	opt_deal_pools(&o, &f);
	return o.opt_owner;
}

/*
 * Whether `optimal` tries Kafka's balancing loop (to keep Kafka's answer
 * where its end is optimal too): on groups up to 65,536 partitions +
 * subscriptions + members. The replay costs what `sticky` costs, as much
 * as the flows or more at G-1M and without a linear bound (its passes
 * depend on the group); past that size the optimum is given directly, so
 * that `optimal` costs the flows alone. `sticky` replays it at every size.
 */
static int replay_small(const ka_group *g)
{
	return (uint64_t)g->n_partitions + g->sub_off[g->n_members] + g->n_members <= 65536;
}

/* a at least as good as b: balance, then locality, then stickiness. */
static int at_least(levels a, levels b)
{
	if (a.sq != b.sq)
		return a.sq < b.sq;
	if (a.local != b.local)
		return a.local > b.local;
	return a.kept >= b.kept;
}

/*
 * Layout: the loads (for the objective), rack-aware the member classes,
 * then from one mark either Kafka's procedure or what comes after it (the
 * balance certificate, or the groups and the optimum).
 */
size_t ka__optimal_plan_size(const ka_group *g, const dims *d)
{
	const int homogeneous = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
	const size_t load = ka__ws_need(0, g->n_members, sizeof(uint32_t));
	if (!d->racks) {
		if (homogeneous)
			return ka__constrained_size(g, 0);
		size_t NT = g->n_topic_classes, tc = 0;
		tc = ka__ws_need(tc, NT, sizeof(uint32_t));              /* tc_topic */
		tc = ka__ws_need(tc, NT + 1, sizeof(uint32_t));          /* tc_off */
		tc = ka__ws_need(tc, g->n_partitions, sizeof(uint32_t)); /* tc_part */
		tc = ka__ws_need(tc, NT, sizeof(uint32_t));              /* tc_cur */
		size_t later = max_size(ka__general_replay_size(g, tc + optimal_size(g, d)),
					ka__certify_size(g));
		return max_size(ka__general_size(g, d), later) + load;
	}
	size_t kafka = homogeneous ? ka__constrained_size(g, 1) : ka__general_size(g, d);
	size_t table = ka__groups_scratch_size(g, d);
	size_t after = ka__groups_size(g, d) + max_size(table, optimal_size(g, d));
	if (!homogeneous)
		after = ka__general_replay_size(g, after);
	after = max_size(after, max_size(ka__certify_kafka_size(g, d), ka__certify_size(g)));
	return load + ka__classes_size(g, d) +
	       max_size(ka__classes_scratch_size(g, d), max_size(kafka, after));
}

/*
 * Kafka's procedure, kept when it is optimal. Without racks, the greedy
 * keeps every valid claim: when it is also as balanced as the optimum it is
 * the optimum (nothing can keep more), and it is Kafka's own answer;
 * otherwise the optimum stands. Rack-aware, Kafka drops mismatched claims,
 * so neither locality nor stickiness is certain: Kafka's answer stays when
 * ka__certify_kafka certifies it, else the optimum runs and Kafka's answer
 * stays only if it reaches all three levels.
 */
/*
 * The topic classes as groups (sides over topic classes): topics with the
 * same subscribers are interchangeable, so a group of them is one supply
 * node (3 instead of 1,000 on the heterogeneous grids).
 */
static sides topic_class_sides(const ka_group *g, ka__ws *w)
{
	const uint32_t T = g->n_topics, NT = g->n_topic_classes, P = g->n_partitions;
	uint32_t *tc_topic = ka__ws_take(w, NT, sizeof(uint32_t));
	uint32_t *tc_off = ka__ws_take(w, (size_t)NT + 1, sizeof(uint32_t));
	uint32_t *tc_part = ka__ws_take(w, P, sizeof(uint32_t));
	uint32_t *tc_cur = ka__ws_take(w, NT, sizeof(uint32_t));
	memset(tc_off, 0, ((size_t)NT + 1) * sizeof *tc_off);
	for (uint32_t t = T; t-- > 0;) {
		tc_topic[g->topic_class[t]] = t; /* ends as the first topic */
		tc_off[g->topic_class[t] + 1] += g->topic_off[t + 1] - g->topic_off[t];
	}
	for (uint32_t k = 0; k < NT; k++)
		tc_off[k + 1] += tc_off[k];
	memcpy(tc_cur, tc_off, NT * sizeof *tc_cur);
	for (uint32_t t = 0; t < T; t++)
		for (uint32_t q = g->topic_off[t]; q < g->topic_off[t + 1]; q++)
			tc_part[tc_cur[g->topic_class[t]]++] = q;
	const sides tc = {.n_cls = g->n_member_classes,
			  .cls_of = g->member_class,
			  .n_grp = NT,
			  .grp_off = tc_off,
			  .grp_part = tc_part,
			  .grp_topic = tc_topic,
			  .grp_of_tp = g->topic_class};
	return tc;
}

/*
 * Without racks, unequal subscriptions: the greedy keeps every valid
 * claim, so when its balance is certified it is the optimum; otherwise
 * the replay's end where it is as good as the optimum, else the optimum
 * where it is more balanced.
 */
static int plan_general(const ka_group *g, const dims *d, ka__ws *w, uint32_t *load,
			uint32_t *owner)
{
	const sides sd = {.n_cls = g->n_member_classes,
			  .cls_of = g->member_class,
			  .n_grp = g->n_topics,
			  .grp_off = g->topic_off};
	const size_t mark = w->used;
	ka__general_assign(g, d, &sd, w, owner);
	levels kafka = objective(g, NULL, owner, load);
	w->used = mark;
	if (ka__certify_balance(g, owner, w))
		return 0;
	w->used = mark;
	const uint32_t *rep = replay_small(g) ? ka__general_replay(g, w, owner, 0) : NULL;
	const sides tc = topic_class_sides(g, w);
	int exact;
	const uint32_t *opt = assign_optimal(g, d, &tc, w, &exact);
	levels best = objective(g, NULL, opt, load);
	assert(best.sq <= kafka.sq);
	if (rep && at_least(objective(g, NULL, rep, load), best))
		memcpy(owner, rep, g->n_partitions * sizeof *owner); /* Kafka's, optimal */
	else if (best.sq < kafka.sq)
		memcpy(owner, opt, g->n_partitions * sizeof *owner);
	return 0;
}

/*
 * Rack-aware: Kafka's answer where ka__certify_kafka certifies it; else
 * the optimum on classes and groups, and Kafka's answer (the replay's end,
 * or its greedy scored on the three levels) only where it is as good.
 */
static int plan_racks(const ka_group *g, const dims *d, ka__ws *w, uint32_t *load, uint32_t *owner)
{
	const int homogeneous = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
	sides sd;
	memset(&sd, 0, sizeof sd);
	ka__classes_build(g, d, w, &sd);
	const size_t mark = w->used;
	if (homogeneous)
		ka__constrained_assign(g, w, 1, owner);
	else
		ka__general_assign(g, d, &sd, w, owner);
	w->used = mark;
	levels kafka;
	int scored = 0;
	/* Unequal subscriptions: Kafka's greedy can fall short of the best
	 * balance, and certify.c tells that cheaper than ka__certify_kafka. */
	const int balanced = homogeneous || ka__certify_balance(g, owner, w);
	w->used = mark;
	if (balanced && ka__certify_kafka(g, d, &sd, w, owner, load, &kafka, &scored))
		return 0;
	w->used = mark;
	const uint32_t *rep =
	    homogeneous || !replay_small(g) ? NULL : ka__general_replay(g, w, owner, 1);
	ka__groups_build(g, d, w, &sd);
	int exact;
	const uint32_t *opt = assign_optimal(g, d, &sd, w, &exact);
	/* Kafka's greedy short of the best balance (which the optimum always
	 * reaches) and not replayed: the optimum, without scoring either. */
	if (!balanced && !rep) {
		memcpy(owner, opt, g->n_partitions * sizeof *owner);
		return 0;
	}
	const levels best = objective(g, &sd, opt, load);
	if (rep && at_least(objective(g, &sd, rep, load), best)) {
		memcpy(owner, rep, g->n_partitions * sizeof *owner); /* Kafka's, optimal */
		return 0;
	}
	if (!scored)
		kafka = objective(g, &sd, owner, load);
	/* Exact, the optimum is never worse; kept only where Kafka falls short. */
	const int better =
	    best.sq < kafka.sq ||
	    (best.sq == kafka.sq &&
	     (best.local > kafka.local || (best.local == kafka.local && best.kept > kafka.kept)));
	assert(better || !exact ||
	       (best.sq == kafka.sq && best.local == kafka.local && best.kept == kafka.kept));
	assert(better || balanced);
	(void)exact;
	if (better)
		memcpy(owner, opt, g->n_partitions * sizeof *owner);
	return 0;
}

int ka__optimal_plan(const ka_group *g, const dims *d, void *ws, size_t ws_size, uint32_t *owner)
{
	ka__ws w;
	ka__ws_init(&w, ws, ws_size);
	if (!d->racks && (g->flags & KA_GROUP_HOMOGENEOUS)) {
		ka__constrained_assign(g, &w, 0, owner);
		return 0;
	}
	uint32_t *load = ka__ws_take(&w, g->n_members, sizeof(uint32_t));
	return d->racks ? plan_racks(g, d, &w, load, owner) : plan_general(g, d, &w, load, owner);
}

/*
 * The fewest moves among the most balanced assignments, racks left out:
 * the sticky plan without locality is exactly that (docs/metrics.md).
 */
size_t ka__optimum_min_moves_size(const ka_group *g)
{
	dims d;
	ka__dims_compute(g, &d, RACKS_OFF);
	return ka__ws_need(ka__optimal_plan_size(g, &d), g->n_partitions, sizeof(uint32_t));
}

uint32_t ka__optimum_min_moves(const ka_group *g, void *ws, size_t ws_size)
{
	dims d;
	ka__dims_compute(g, &d, RACKS_OFF);
	size_t plan = ka__optimal_plan_size(g, &d);
	assert(ws_size >= ka__optimum_min_moves_size(g));
	(void)ws_size; /* read by the assertion only */
	uint32_t *owner =
	    (uint32_t *)(void *)((unsigned char *)ws + plan); /* plan: 64-byte slabs */
	ka__optimal_plan(g, &d, ws, plan, owner);
	uint32_t moved = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			moved += g->prev_owner[p] != KA_NONE && owner[p] != g->prev_owner[p];
	}
	return moved;
}

/*
 * The lexicographic optimum (balance, locality, moves) with locality counted
 * whenever members and partitions both have racks, Kafka's rule or not: the
 * locality strategy (locality.c). Without racks on both sides locality is
 * void and the sticky plan without racks is that optimum. Otherwise the
 * rack-aware classes and groups and the min-cost flow, without Kafka's
 * procedure in front.
 */
static size_t optimum_size(const ka_group *g, const dims *d)
{
	if (!d->racks)
		return ka__optimal_plan_size(g, d);
	size_t table = ka__groups_scratch_size(g, d);
	size_t after = ka__groups_size(g, d) + max_size(table, optimal_size(g, d));
	return ka__classes_size(g, d) + max_size(ka__classes_scratch_size(g, d), after);
}

size_t ka__optimum_locality_size(const ka_group *g)
{
	dims d;
	ka__dims_compute(g, &d, RACKS_FORCED);
	return optimum_size(g, &d);
}

int ka__optimum_locality(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner, int *exact)
{
	dims d;
	ka__dims_compute(g, &d, RACKS_FORCED);
	if (ws_size < optimum_size(g, &d))
		return KA_EWORKSPACE;
	*exact = 1;
	if (!d.racks)
		return ka__optimal_plan(g, &d, ws, ws_size, owner);
	ka__ws w;
	ka__ws_init(&w, ws, ws_size);
	sides sd;
	memset(&sd, 0, sizeof sd);
	ka__classes_build(g, &d, &w, &sd);
	ka__groups_build(g, &d, &w, &sd);
	const uint32_t *opt = assign_optimal(g, &d, &sd, &w, exact);
	memcpy(owner, opt, g->n_partitions * sizeof *owner);
	return 0;
}

/*
 * 1 when every valid assignment has the same number of local placements.
 * Sufficient, not necessary: each subscribed partition has a replica on
 * none of the members' racks, or on all of them and every member has a
 * rack. The rack marks are a bit set of 8 KiB on the stack, as
 * sticky_groups.c's.
 */
static int locality_void(const ka_group *g)
{
	if (!(g->flags & KA_GROUP_MEMBER_RACKS) || !(g->flags & KA_GROUP_PARTITION_RACKS))
		return 1;
	uint64_t mr[(KA_MAX_RACKS + 64) / 64];
	memset(mr, 0, ((size_t)g->n_racks + 63) / 64 * sizeof *mr);
	uint32_t n_mr = 0;
	int norack = 0;
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint32_t r = g->member_rack[m];
		if (r == KA_NO_RACK) {
			norack = 1;
		} else if (!(mr[r >> 6] >> (r & 63) & 1)) {
			mr[r >> 6] |= (uint64_t)1 << (r & 63);
			n_mr++;
		}
	}
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			uint32_t c = 0;
			for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++) {
				uint32_t r = g->prack[a];
				c += (uint32_t)(mr[r >> 6] >> (r & 63) & 1);
			}
			if (c && (c != n_mr || norack))
				return 0;
		}
	}
	return 1;
}

/*
 * The best assignment: the locality optimum, or where locality is void the
 * optimal plan, which is then the same optimum by its faster paths. The
 * locality strategy (locality.c) and the gap to the optimum (gap.c).
 */
size_t ka__optimum_best_size(const ka_group *g)
{
	if (!locality_void(g))
		return ka__optimum_locality_size(g);
	dims d;
	ka__dims_compute(g, &d, RACKS_KAFKA);
	return ka__optimal_plan_size(g, &d);
}

int ka__optimum_best(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	if (!locality_void(g)) {
		int exact;
		return ka__optimum_locality(g, ws, ws_size, owner, &exact);
	}
	dims d;
	ka__dims_compute(g, &d, RACKS_KAFKA);
	if (ws_size < ka__optimal_plan_size(g, &d))
		return KA_EWORKSPACE;
	return ka__optimal_plan(g, &d, ws, ws_size, owner);
}
