/*
 * locality.c - the locality-aware assignor, done right: as many partitions
 * as possible on a member whose rack holds a replica, without giving up
 * balance or stickiness. No Kafka class reproduces it; it replaces the
 * seeds' custom assignor (each partition to the least loaded member in its
 * leader's rack), which trades balance away, and goes past Kafka's KIP-881
 * rack-aware modes, which keep balance but align racks only under Kafka's
 * enabling rule and then only greedily.
 *
 * The answer is the lexicographic optimum the sticky family defines
 * (docs/design.md, Optimality): the most balanced load vector (for equal
 * subscriptions every member floor(N/M) or ceil(N/M)), then the most local
 * placements, then the fewest moves from the previous owners. sticky.c
 * computes exactly that in its rack-aware mode; locality asks it for the
 * same optimum with racks always counted where members and partitions both
 * have them (ka__sticky_optimum): partitions grouped by (topic, members'
 * racks holding a replica), members by (subscription class, rack), and a
 * min-cost flow whose cost is lexicographic.
 *
 * Where locality is void (every valid assignment is equally local: no racks
 * on one side, or every subscribed partition has a replica on all the
 * members' racks or on none of them, every member having a rack) the sticky
 * plan is already that optimum, balance then moves, and its fast paths
 * apply. Example: 3 racks, replication 3 (every partition on every rack):
 * everything is local, locality gives sticky's answer.
 *
 * Example where it matters: topic t, partitions 0, 1 on rack a, 2, 3 on
 * rack b; c0 (rack a) owned 2 and 3, c1 (rack b) 0 and 1. Balance allows
 * two each; all four local means swapping everything, so locality moves 4.
 * Where Kafka's rule is off (every partition on rack a only, c1 on rack b
 * owning two of four, c0 and c2 on rack a) sticky leaves c1 both claims,
 * locality only the one balance forces on it: 3 local instead of 2.
 *
 * Cost: O(P x replicas) to decide voidness, then either the sticky plan or
 * sticky.c's grouping (O(P x replicas), hashed) and its flow over groups,
 * (class, rack) pairs and members with claims, not over partitions.
 */
#include <string.h>

#include "internal.h"

/*
 * 1 when every valid assignment has the same number of local placements.
 * Sufficient, not necessary: each subscribed partition has a replica on
 * none of the members' racks, or on all of them and every member has a
 * rack. The rack marks are a bit set of 8 KiB on the stack, as sticky.c's.
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

size_t ka__locality_workspace_size(const ka_group *g)
{
	return locality_void(g) ? ka__optimal_workspace_size(g) : ka__optimum_locality_size(g);
}

int ka__locality_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	if (locality_void(g))
		return ka__optimal_assign(g, ws, ws_size, owner);
	int exact;
	return ka__optimum_locality(g, ws, ws_size, owner, &exact);
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
