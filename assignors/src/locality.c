/*
 * locality.c - the locality strategy: as many partitions as possible on a
 * member whose rack holds a replica, without giving up balance or
 * stickiness. No Kafka class reproduces it. Kafka's rack-aware sticky modes
 * (KIP-881) keep balance but align racks only under Kafka's enabling rule
 * (sticky_groups.c), and then only greedily; a leader-rack assignor that
 * gives each partition to the least loaded member on its leader's rack
 * trades balance away.
 *
 * The answer is the lexicographic optimum the sticky family defines
 * (docs/design.md, Optimality): the most balanced load vector (for equal
 * subscriptions every member floor(N/M) or ceil(N/M)), then the most local
 * placements, then the fewest moves from the previous owners, with racks
 * counted wherever members and partitions both have them, Kafka's rule or
 * not. optimum_flow.c computes it (ka__optimum_locality): partitions
 * grouped by (topic, members' racks holding a replica), members by
 * (subscription class, rack), and a min-cost flow whose cost is
 * lexicographic.
 *
 * Where locality is void (every valid assignment is equally local: no racks
 * on one side, or every subscribed partition has a replica on all the
 * members' racks or on none of them, every member having a rack) the
 * optimal strategy's plan is already that optimum, balance then moves, and
 * its fast paths apply. Example: 3 racks, replication 3 (every partition on
 * every rack): everything is local, locality gives optimal's answer.
 *
 * Example where it matters: topic t, partitions 0, 1 on rack a, 2, 3 on
 * rack b; c0 (rack a) owned 2 and 3, c1 (rack b) 0 and 1. Balance allows
 * two each; all four local means swapping everything, so locality moves 4.
 * Where Kafka's rule is off (every partition on rack a only, c1 on rack b
 * owning two of four, c0 and c2 on rack a) sticky leaves c1 both claims,
 * locality only the one balance forces on it: 3 local instead of 2.
 *
 * Both are optimum_flow.c's (ka__optimum_best), which the gap to the
 * optimum (gap.c) calls too.
 *
 * Cost: O(P x replicas) to decide voidness, then either the optimal plan or
 * the grouping of sticky_groups.c (O(P x replicas), hashed) and the flow of
 * optimum_flow.c over groups, (class, rack) pairs and members with claims,
 * not over partitions.
 */
#include "internal.h"

size_t ka__locality_workspace_size(const ka_group *g)
{
	return ka__optimum_best_size(g);
}

int ka__locality_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	return ka__optimum_best(g, ws, ws_size, owner);
}

/*
 * locality-leader: the same optimum with a placement local only on the
 * rack of the partition's leader (ka_group_leader_view), for clients that
 * read from the leader (no KIP-392 follower fetching). Partitions without a
 * known leader are local nowhere.
 */
size_t ka__locality_leader_workspace_size(const ka_group *g)
{
	ka_group v;
	ka_group_leader_view(g, &v);
	return ka__locality_workspace_size(&v);
}

int ka__locality_leader_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	ka_group v;
	ka_group_leader_view(g, &v);
	return ka__locality_assign(&v, ws, ws_size, owner);
}
