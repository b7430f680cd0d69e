/*
 * roundrobin.c - Kafka's RoundRobinAssignor
 * (org.apache.kafka.clients.consumer.RoundRobinAssignor).
 *
 * All members stand in a circle in MemberInfo order (the model's member
 * order). Partitions are dealt in topic-name order, then partition order; for
 * each one the circle advances to the next member subscribed to its topic,
 * which takes it, and the position moves one past that member. The position
 * carries over from topic to topic. Example, members c1 < c2 < c3, topics a (3
 * partitions, all subscribe) and b (2 partitions, only c1 and c3): a0 c1,
 * a1 c2, a2 c3; the position is back at c1: b0 c1, b1 c3 (c2 skipped).
 *
 * Within one topic the dealing visits that topic's subscribers cyclically,
 * starting from the first subscriber at or after the current position. So
 * each topic costs one binary search plus one write a partition, instead of
 * Kafka's walk over unsubscribed members: O(P + T log M) in all.
 */
#include "internal.h"

size_t ka__roundrobin_workspace_size(const ka_group *g)
{
	(void)g;
	return 0;
}

int ka__roundrobin_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	(void)ws;
	(void)ws_size;
	const uint32_t M = g->n_members;
	uint32_t pos = 0; /* circle position: a member index */

	for (uint32_t t = 0; t < g->n_topics; t++) {
		uint32_t off = g->topic_off[t], P = g->topic_off[t + 1] - off;
		const uint32_t *subs = g->tsub_member + g->tsub_off[t];
		uint32_t n = g->tsub_off[t + 1] - g->tsub_off[t];
		if (!n) {
			for (uint32_t p = off; p < off + P; p++)
				owner[p] = KA_NONE;
			continue;
		}
		if (!P)
			continue;
		if (n == M) {
			/* Everybody subscribes: the circle itself. */
			for (uint32_t p = off; p < off + P; p++) {
				owner[p] = pos;
				pos = pos + 1 == M ? 0 : pos + 1;
			}
			continue;
		}
		/* First subscriber at or after pos, wrapping to the first. */
		uint32_t lo = 0, hi = n;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (subs[mid] < pos)
				lo = mid + 1;
			else
				hi = mid;
		}
		uint32_t k = lo == n ? 0 : lo;
		for (uint32_t p = off; p < off + P; p++) {
			owner[p] = subs[k];
			k = k + 1 == n ? 0 : k + 1;
		}
		uint32_t last = owner[off + P - 1];
		pos = last + 1 == M ? 0 : last + 1;
	}
	return 0;
}
