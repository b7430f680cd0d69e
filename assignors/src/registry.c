/*
 * registry.c - the one table of strategies (xxHash's hashCandidates): the
 * command line, the sweep, the benchmarks and the tests all iterate it.
 */
#include <string.h>

#include "internal.h"

static const ka_strategy strategies[] = {
    {"range", "org.apache.kafka.clients.consumer.RangeAssignor",
     "per-topic consecutive ranges; rack-aware (KIP-881) when racks are known",
     KA_STRATEGY_KAFKA | KA_STRATEGY_DETERMINISTIC | KA_STRATEGY_RACK_AWARE,
     ka__range_workspace_size, ka__range_assign},
    {"roundrobin", "org.apache.kafka.clients.consumer.RoundRobinAssignor",
     "all partitions dealt round the circle of members, topic by topic",
     KA_STRATEGY_KAFKA | KA_STRATEGY_DETERMINISTIC, ka__roundrobin_workspace_size,
     ka__roundrobin_assign},
    {"sticky", "org.apache.kafka.clients.consumer.StickyAssignor",
     "Kafka's: equal subscriptions its constrained path, else its greedy and balancing loop "
     "(eager)",
     KA_STRATEGY_KAFKA | KA_STRATEGY_STICKY | KA_STRATEGY_RACK_AWARE, ka__sticky_workspace_size,
     ka__sticky_assign},
    {"cooperative-sticky", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
     "the sticky plan; partitions changing owner are withheld until the follow-up round",
     KA_STRATEGY_KAFKA | KA_STRATEGY_STICKY | KA_STRATEGY_COOPERATIVE | KA_STRATEGY_RACK_AWARE,
     ka__cooperative_sticky_workspace_size, ka__cooperative_sticky_assign},
    {"uniform", "org.apache.kafka.coordinator.group.assignor.UniformAssignor",
     "KIP-848 broker-side target assignment: balanced, sticky to the current target",
     KA_STRATEGY_KAFKA | KA_STRATEGY_STICKY, ka__uniform_workspace_size, ka__uniform_assign},
    {"uniform-sorted", "org.apache.kafka.coordinator.group.assignor.UniformAssignor",
     "uniform with members in member_id order (a TreeMap, as Kafka's unit tests pass them)",
     KA_STRATEGY_KAFKA | KA_STRATEGY_STICKY, ka__uniform_sorted_workspace_size,
     ka__uniform_sorted_assign},
    {"broker-range", "org.apache.kafka.coordinator.group.assignor.RangeAssignor",
     "KIP-848 broker-side range: per-topic ranges in member order, racks matched when homogeneous",
     KA_STRATEGY_KAFKA | KA_STRATEGY_DETERMINISTIC | KA_STRATEGY_RACK_AWARE,
     ka__broker_range_workspace_size, ka__broker_range_assign},
    {"locality", "none (kassign's own; replaces custom leader-rack assignors)",
     "balanced, then most partitions on a member in a replica's rack, then fewest moves",
     KA_STRATEGY_STICKY | KA_STRATEGY_RACK_AWARE, ka__locality_workspace_size, ka__locality_assign},
    {"locality-leader", "none (kassign's own; locality counted on the leader's rack only)",
     "as locality, a placement local only on the rack of the partition's leader",
     KA_STRATEGY_STICKY | KA_STRATEGY_RACK_AWARE, ka__locality_leader_workspace_size,
     ka__locality_leader_assign},
    {"cooperative-locality", "none (kassign's own)",
     "the locality plan; partitions changing owner are withheld until the follow-up round",
     KA_STRATEGY_STICKY | KA_STRATEGY_RACK_AWARE | KA_STRATEGY_COOPERATIVE,
     ka__cooperative_locality_workspace_size, ka__cooperative_locality_assign},
    {"optimal", "none (kassign's own)",
     "the exact optimum: most balanced, then most local (Kafka's rack rule), then fewest moves",
     KA_STRATEGY_STICKY | KA_STRATEGY_RACK_AWARE, ka__optimal_workspace_size, ka__optimal_assign},
    {"cooperative-optimal", "none (kassign's own)",
     "the optimal plan; partitions changing owner are withheld until the follow-up round",
     KA_STRATEGY_STICKY | KA_STRATEGY_RACK_AWARE | KA_STRATEGY_COOPERATIVE,
     ka__cooperative_optimal_workspace_size, ka__cooperative_optimal_assign},
};

size_t ka_strategy_count(void)
{
	return sizeof strategies / sizeof strategies[0];
}

const ka_strategy *ka_strategy_at(size_t i)
{
	return i < ka_strategy_count() ? &strategies[i] : NULL;
}

const ka_strategy *ka_strategy_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ka_strategy_count(); i++)
		if (strcmp(strategies[i].name, name) == 0)
			return &strategies[i];
	return NULL;
}

size_t ka_workspace_size(const ka_strategy *s, const ka_group *g)
{
	return s && g ? s->workspace_size(g) : 0;
}

int ka_assign(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	if (!s || !g || (!owner && g->n_partitions) || ((uintptr_t)ws & (KA__ALIGN - 1)))
		return KA_EINVAL;
	return s->assign(g, ws, ws_size, owner);
}
