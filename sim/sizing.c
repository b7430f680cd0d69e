/*
 * sizing.c - the member count a load needs (ks_safe_members), the rule
 * `kassign size` starts from.
 *
 * A partition is consumed by one member at a time, so a group of M members
 * on P equally loaded partitions has a busiest member holding ceil(P / M)
 * of them whatever the assignor (every Kafka assignor balances counts to
 * within one on a single topic). Dividing the rate by the capacity ignores
 * that: 200 partitions at 100 messages/s each, a capacity of 150 less 30 %
 * headroom (105), need 200 members, not ceil(20000 / 105) = 191, whose
 * busiest nine members would each carry 200 messages/s.
 */
#include "sim/sim.h"

#include <math.h>

int ks_safe_members(uint64_t parts, double rate, double capacity, double headroom,
		    uint32_t *members, int *headroom_unmet)
{
	*members = 0;
	*headroom_unmet = 0;
	if (parts == 0)
		return 0;
	const double per_part = rate / (double)parts;
	if (per_part > capacity)
		return -1;
	const double usable = capacity * (1 - headroom);
	/* The most partitions one member may hold within the headroom. */
	uint64_t k = per_part > 0 ? (uint64_t)floor(usable / per_part + 1e-9) : parts;
	if (k == 0) {
		*headroom_unmet = 1;
		k = 1;
	}
	if (k > parts)
		k = parts;
	uint64_t m = (parts + k - 1) / k;
	/* At least two, so that a crash leaves somebody to take over. */
	if (m < 2 && parts >= 2)
		m = 2;
	*members = (uint32_t)m;
	return 0;
}
