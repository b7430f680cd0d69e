/*
 * sticky.c - the sticky family's strategies: Kafka's StickyAssignor and
 * CooperativeStickyAssignor (org.apache.kafka.clients.consumer, Kafka 3.5+,
 * rack-aware as of KIP-881), and kassign's own optimal and the cooperative
 * rounds of optimal and locality. Each entry point decides the rack mode,
 * sizes its workspace and runs one plan; the procedures live apart:
 * sticky_constrained.c (equal subscriptions), sticky_general.c and replay.c
 * (unequal ones), sticky_groups.c (racks, classes, groups), certify.c and
 * optimum_flow.c (the optimum, and when Kafka's answer already is one).
 *
 * Priorities: balance first, then rack alignment, then stickiness. Previous
 * ownership is the model's prev_owner[]: per partition, the claimant of the
 * highest generation (a tie at the top: nobody). A claim counts only if the
 * claimant still subscribes to the topic.
 *
 * `sticky` is Kafka's answer with nothing substituted (kafka_run below).
 * `optimal` is kassign's: Kafka's answer where it is optimal, else the
 * optimum (ka__optimal_plan, optimum_flow.c).
 *
 * Cooperative (cooperative-sticky): Kafka's plan, then every partition whose
 * owner changes is withheld from this round (owner KA_NONE): its previous
 * owner must revoke it first, and the follow-up rebalance hands it over. That includes a
 * partition revoked for its rack (as Kafka does since KAFKA-15170). A
 * partition contested by several claimants of the top generation is
 * withheld too, even from a claimant, since the others still believe they
 * own it. In sticky_constrained.c's rack example, t-1 and t-2 are
 * withheld: c0 gets t-0, c1 t-3, and the next round completes the plan.
 */
#include "sticky.h"

/*
 * Kafka's own procedure, with nothing substituted: equal subscriptions the
 * constrained path; otherwise the greedy, and, unless its balance is
 * certified optimal (then Kafka's isBalanced() holds from the start and its
 * loop moves nothing), the balancing loop replayed move for move (replay.c).
 * Where Kafka would throw, or move a partition to a member that no longer
 * subscribes (a previous owner it does not check), there is no answer of
 * Kafka's to give: the greedy's stands.
 */
static size_t kafka_run_size(const ka_group *g, const dims *d)
{
	const int homogeneous = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
	if (!d->racks && homogeneous)
		return ka__constrained_size(g, 0);
	if (!d->racks)
		return max_size(ka__general_size(g, d),
				max_size(ka__certify_size(g), ka__general_replay_size(g, 0)));
	if (homogeneous)
		return ka__classes_size(g, d) +
		       max_size(ka__classes_scratch_size(g, d), ka__constrained_size(g, 1));
	const size_t after = max_size(ka__general_size(g, d),
				      max_size(ka__certify_size(g), ka__general_replay_size(g, 0)));
	return ka__classes_size(g, d) + max_size(ka__classes_scratch_size(g, d), after);
}

static int kafka_run(const ka_group *g, const dims *d, void *ws, size_t ws_size, uint32_t *owner)
{
	ka__ws w;
	ka__ws_init(&w, ws, ws_size);
	const int homogeneous = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
	if (!d->racks && homogeneous) {
		ka__constrained_assign(g, &w, 0, owner);
		return 0;
	}
	sides sd;
	memset(&sd, 0, sizeof sd);
	if (d->racks) {
		ka__classes_build(g, d, &w, &sd);
		if (homogeneous) {
			ka__constrained_assign(g, &w, 1, owner);
			return 0;
		}
	} else {
		sd.n_cls = g->n_member_classes;
		sd.cls_of = g->member_class;
		sd.n_grp = g->n_topics;
		sd.grp_off = g->topic_off;
	}
	const size_t mark = w.used;
	ka__general_assign(g, d, &sd, &w, owner);
	w.used = mark;
	if (ka__certify_balance(g, owner, &w))
		return 0;
	w.used = mark;
	const uint32_t *rep = ka__general_replay(g, &w, owner, d->racks);
	if (rep)
		memcpy(owner, rep, g->n_partitions * sizeof *owner);
	return 0;
}

size_t ka__sticky_workspace_size(const ka_group *g)
{
	dims d;
	ka__dims_compute(g, &d, RACKS_KAFKA);
	return kafka_run_size(g, &d);
}

int ka__sticky_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	dims d;
	ka__dims_compute(g, &d, RACKS_KAFKA);
	if (ws_size < kafka_run_size(g, &d))
		return KA_EWORKSPACE;
	return kafka_run(g, &d, ws, ws_size, owner);
}

size_t ka__optimal_workspace_size(const ka_group *g)
{
	dims d;
	ka__dims_compute(g, &d, RACKS_KAFKA);
	return ka__optimal_plan_size(g, &d);
}

int ka__optimal_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	dims d;
	ka__dims_compute(g, &d, RACKS_KAFKA);
	if (ws_size < ka__optimal_plan_size(g, &d))
		return KA_EWORKSPACE;
	return ka__optimal_plan(g, &d, ws, ws_size, owner);
}

/* Room for the withholding's bit set after the plan. */
static size_t cooperative_size(size_t plan, const ka_group *g)
{
	return max_size(plan, ((size_t)g->n_partitions + 7) / 8);
}

/*
 * A cooperative round of kassign's own plans: every partition whose owner
 * changes while another member still lists it as owned waits for the
 * follow-up round (that member revokes it first), and so does a partition
 * contested by several claimants of the top generation. What keeps its
 * previous owner, or goes to a member nobody else claims it from, is given
 * now.
 */
static void withhold_handovers(const ka_group *g, void *ws, uint32_t *owner)
{
	uint8_t *others = ws; /* bit p: a member other than its new owner lists p */
	memset(others, 0, ((size_t)g->n_partitions + 7) / 8);
	for (uint32_t m = 0; m < g->n_members; m++)
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			const uint32_t p = g->own_part[k];
			if (owner[p] != m)
				others[p >> 3] |= (uint8_t)(1u << (p & 7));
		}
	for (uint32_t p = 0; p < g->n_partitions; p++)
		if (owner[p] != g->prev_owner[p] && (others[p >> 3] >> (p & 7) & 1))
			owner[p] = KA_NONE;
	for (uint32_t i = 0; i < g->n_contested; i++)
		owner[g->contested[i]] = KA_NONE;
}

/* A kassign plan's cooperative round: the plan, then its handovers withheld. */
static int cooperative_round(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner,
			     size_t need, int (*plan)(const ka_group *, void *, size_t, uint32_t *))
{
	if (ws_size < need)
		return KA_EWORKSPACE;
	int rc = plan(g, ws, ws_size, owner);
	if (rc == 0)
		withhold_handovers(g, ws, owner);
	return rc;
}

size_t ka__cooperative_optimal_workspace_size(const ka_group *g)
{
	return cooperative_size(ka__optimal_workspace_size(g), g);
}

int ka__cooperative_optimal_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	return cooperative_round(g, ws, ws_size, owner, ka__cooperative_optimal_workspace_size(g),
				 ka__optimal_assign);
}

size_t ka__cooperative_locality_workspace_size(const ka_group *g)
{
	return cooperative_size(ka__locality_workspace_size(g), g);
}

int ka__cooperative_locality_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	return cooperative_round(g, ws, ws_size, owner, ka__cooperative_locality_workspace_size(g),
				 ka__locality_assign);
}

size_t ka__cooperative_sticky_workspace_size(const ka_group *g)
{
	return cooperative_size(ka__sticky_workspace_size(g), g);
}

int ka__cooperative_sticky_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	if (ws_size < ka__cooperative_sticky_workspace_size(g))
		return KA_EWORKSPACE;
	int rc = ka__sticky_assign(g, ws, ws_size, owner);
	if (rc)
		return rc;
	if (g->flags & KA_GROUP_HOMOGENEOUS) {
		/* Kafka's constrained path: claims beyond a quota, and contested
		 * partitions, dealt to someone. */
		for (uint32_t p = 0; p < g->n_partitions; p++) {
			uint32_t prev = g->prev_owner[p];
			if (prev != KA_NONE && owner[p] != prev)
				owner[p] = KA_NONE;
		}
		for (uint32_t i = 0; i < g->n_contested; i++)
			owner[g->contested[i]] = KA_NONE;
		return 0;
	}
	/*
	 * Kafka's general path: a partition is withheld when its new owner did
	 * not list it as owned and some other member did (that one must revoke
	 * it first). A member still listing an older generation's claim may
	 * take the partition back at once.
	 */
	uint8_t *owner_claims = ws; /* bit p: the new owner lists p */
	memset(owner_claims, 0, ((size_t)g->n_partitions + 7) / 8);
	for (uint32_t m = 0; m < g->n_members; m++)
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			if (owner[p] == m)
				owner_claims[p >> 3] |= (uint8_t)(1u << (p & 7));
		}
	for (uint32_t m = 0; m < g->n_members; m++)
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			if (owner[p] != KA_NONE && owner[p] != m &&
			    !(owner_claims[p >> 3] & (1u << (p & 7))))
				owner[p] = KA_NONE;
		}
	return 0;
}
