/*
 * sticky_constrained.c - Kafka's sticky procedure when every member has the
 * same subscription (org.apache.kafka.clients.consumer.internals.
 * AbstractStickyAssignor.ConstrainedAssignmentBuilder, Kafka 3.5+,
 * rack-aware as of KIP-881): quotas, kept claims, then round-robins over
 * what is left. The sticky strategies (sticky.c) and the optimal plan
 * (optimum_flow.c) call it; its answer is Kafka's own, and always the most
 * balanced.
 *
 * With N
 * partitions and M members, minQ = N / M, maxQ = ceil(N / M), and exactly
 * N mod M members end with maxQ. Members are visited in the order of Kafka's
 * HashMap (Java hash buckets; member_id order stands in for insertion order
 * within one, the one place Kafka's answer depends on something unknown):
 * a member owning fewer than minQ keeps them all and waits for more; one
 * owning maxQ or more keeps maxQ while members with maxQ are still wanted;
 * any other keeps minQ and may get one more later. Kept partitions are the
 * first by (partition number, topic), as in Kafka. Then the partitions left,
 * in (topic, partition) order, are dealt round-robin to the members under
 * minQ (by member_id), and after them one each to members at minQ, in the
 * order they reached it. Example: topic t with 3 partitions owned by c1, and
 * c2 joins: minQ 1, maxQ 2, one member gets 2; c1 keeps t-0 and t-1, c2 gets
 * t-2. This keeps sum_i min(o_i, minQ) + min(N mod M, #{o_i >= maxQ})
 * partitions, the most any balanced assignment can keep (docs/metrics.md),
 * in O(P + claims).
 *
 * Rack-aware, the partitions left are first stably sorted by how many
 * members sit on racks holding a replica (fewest first), and a rack-aware
 * round-robin runs before the plain one, over that order: each partition
 * goes to the next member under minQ whose rack holds a replica (cyclically,
 * from just after the member the last such partition went to), else to the
 * first member at minQ that may take one more, in the order they reached
 * minQ, whose rack holds one; a partition no such member takes waits for
 * the plain round-robin. Example: topic t, partitions on racks a, b, a, b;
 * c0 (rack a) owned t-0 and t-1, c1 (rack b) t-2 and t-3. c0 keeps t-0 and
 * c1 t-3, the others are revoked; t-1 (one member on its rack) goes to c1,
 * t-2 to c0: all four are local, where without racks both would keep
 * their claims, two of them off their racks. Kafka scans its member lists
 * for each partition; kassign finds the same member by a search per
 * replica rack, O(P replicas log M + claims).
 */
#include "sticky.h"

/* Partition number and topic of p, as Kafka's owned-partition order wants
 * them: by partition number, then topic. */
static inline uint64_t kafka_owned_key(const ka_group *g, uint32_t p, uint32_t t)
{
	return ((uint64_t)(p - g->topic_off[t]) << 32) | t;
}

#define CONSTRAINED_SLABS(X)                                                                       \
	X(keys, uint64_t, K)                                                                       \
	X(key_off, uint32_t, M + 1)                                                                \
	X(last_key, uint64_t, M)                                                                   \
	X(keep, uint32_t, M)                                                                       \
	X(under, uint32_t, M)                                                                      \
	X(exact, uint32_t, M)                                                                      \
	X(count, uint32_t, M)                                                                      \
	X(visit, uint32_t, M)                                                                      \
	X(bucket_off, uint32_t, ka__java_hashmap_capacity(M) + 1)

/*
 * Of a member's claims keys[0..n), in Kafka's (partition, topic) order, it
 * keeps the first `keep`: the others are dropped (owner KA_NONE).
 */
static void drop_largest(const ka_group *g, uint64_t *keys, uint32_t n, uint32_t keep,
			 uint32_t *owner)
{
	sort_keys(keys, n);
	for (uint32_t i = keep; i < n; i++) {
		uint32_t t = (uint32_t)keys[i];
		owner[g->topic_off[t] + (uint32_t)(keys[i] >> 32)] = KA_NONE;
	}
}

#define RACKRR_SLABS(X)                                                                            \
	X(rr_part, uint32_t, K)                                                                    \
	X(rr_key, uint32_t, K)                                                                     \
	X(rr_sorted, uint32_t, K)                                                                  \
	X(rr_bucket, uint32_t, M + 2)                                                              \
	X(rr_on_rack, uint32_t, R)                                                                 \
	X(rr_rack_off, uint32_t, R + 1)                                                            \
	X(rr_rack_pos, uint32_t, M)                                                                \
	X(rr_slot, uint32_t, M)                                                                    \
	X(rr_next, uint32_t, M + R + 1)                                                            \
	X(rr_ex_next, uint32_t, M)                                                                 \
	X(rr_q_head, uint32_t, R)                                                                  \
	X(rr_q_tail, uint32_t, R)                                                                  \
	X(rr_hint, uint32_t, R)

/* The first live slot at or after s (union-find with path halving). */
static inline uint32_t live_from(uint32_t *next, uint32_t s)
{
	while (next[s] != s) {
		next[s] = next[next[s]];
		s = next[s];
	}
	return s;
}

/*
 * The first index in [lo, hi) whose pos[] (ascending) is at or past cur, hi
 * if none: galloping from a hint, so that a search starting near the last
 * one, as a round-robin's do, costs O(log distance).
 */
static uint32_t gallop(const uint32_t *pos, uint32_t lo, uint32_t hi, uint32_t hint, uint32_t cur)
{
	uint32_t l, h, step = 1;
	if (hint < hi && pos[hint] < cur) {
		for (l = h = hint + 1; h < hi && pos[h] < cur;) {
			l = h + 1;
			step *= 2;
			h = hi - hint > step ? hint + step : hi;
		}
	} else {
		for (l = h = hint; l > lo && pos[l - 1] >= cur;) {
			h = l - 1;
			step *= 2;
			l = hint - lo > step ? hint - step : lo;
		}
	}
	while (l < h) {
		uint32_t mid = l + (h - l) / 2;
		if (pos[mid] < cur)
			l = mid + 1;
		else
			h = mid;
	}
	return l;
}

/* The members at minQ that may take one more, as Kafka's list, with one
 * queue a rack so that "the first on a rack holding a replica" is a look at
 * the heads: entries are never reordered, only killed (KA_NONE) or cleared
 * (below head). */
typedef struct exact_list {
	uint32_t *m; /* members, KA_NONE once removed */
	uint32_t head, tail, live;
	uint32_t *next, *q_head, *q_tail;
	const uint16_t *rack;
} exact_list;

static void exact_push(exact_list *x, uint32_t m)
{
	uint32_t i = x->tail++, r = x->rack[m];
	x->m[i] = m;
	x->live++;
	if (r == KA_NO_RACK || !x->q_head)
		return;
	x->next[i] = KA_NONE;
	if (x->q_tail[r] == KA_NONE)
		x->q_head[r] = i;
	else
		x->next[x->q_tail[r]] = i;
	x->q_tail[r] = i;
}

/*
 * Kafka's assignRackAwareRoundRobin, then assignRoundRobin, over what the
 * quotas left. The list of members under minQ is a list Kafka indexes
 * cyclically: the next search starts after the member last taken from it,
 * whether that one left the list or not. Members keep their position in the
 * sorted list (under[], KA_NONE once gone), so "the first member at or after
 * position c, cyclically, whose rack holds a replica" is, per replica rack,
 * a binary search in that rack's positions and a union-find over the ones
 * gone: a galloping search from where the last one on that rack ended,
 * instead of Kafka's scan of the whole list.
 */
static void deal_rack_aware(const ka_group *g, ka__ws *w, uint32_t *owner, uint32_t *under,
			    uint32_t n_under, exact_list *x, uint32_t *count, uint32_t minq,
			    uint32_t maxq, uint32_t expected, uint32_t over)
{
	const size_t M = g->n_members, K = g->n_partitions, R = g->n_racks;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	RACKRR_SLABS(X)
#undef X
	const uint16_t *rack = g->member_rack;

	/* The partitions left, in (topic, partition) order, stably sorted by how
	 * many members sit on racks holding a replica (at most M): counting sort. */
	memset(rr_on_rack, 0, R * sizeof *rr_on_rack);
	for (uint32_t m = 0; m < M; m++)
		if (rack[m] != KA_NO_RACK)
			rr_on_rack[rack[m]]++;
	memset(rr_bucket, 0, (M + 2) * sizeof *rr_bucket);
	uint32_t n = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			if (owner[p] != KA_NONE)
				continue;
			uint32_t key = 0;
			for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
				key += rr_on_rack[g->prack[a]];
			rr_part[n] = p;
			rr_key[n++] = key;
			rr_bucket[key + 1]++;
		}
	}
	for (size_t k = 0; k <= M; k++)
		rr_bucket[k + 1] += rr_bucket[k];
	for (uint32_t i = 0; i < n; i++)
		rr_sorted[rr_bucket[rr_key[i]]++] = rr_part[i];

	/* Positions of the members under minQ by rack; rack r's slots are
	 * rr_rack_off[r] + r .. rr_rack_off[r + 1] + r, the last a sentinel. */
	memset(rr_rack_off, 0, (R + 1) * sizeof *rr_rack_off);
	for (uint32_t q = 0; q < n_under; q++)
		if (rack[under[q]] != KA_NO_RACK)
			rr_rack_off[rack[under[q]] + 1]++;
	for (size_t r = 0; r < R; r++)
		rr_rack_off[r + 1] += rr_rack_off[r];
	for (uint32_t s = 0; s <= rr_rack_off[R] + R; s++)
		rr_next[s] = s;
	memcpy(rr_q_head, rr_rack_off, R * sizeof *rr_q_head); /* cursors for now */
	for (uint32_t q = 0; q < n_under; q++) {
		uint32_t r = rack[under[q]];
		if (r == KA_NO_RACK) {
			rr_slot[q] = KA_NONE;
			continue;
		}
		rr_rack_pos[rr_q_head[r]] = q;
		rr_slot[q] = rr_q_head[r]++ + r;
	}

	/* The list at minQ, re-queued by rack. */
	memset(rr_q_head, 0xff, R * sizeof *rr_q_head);
	memset(rr_q_tail, 0xff, R * sizeof *rr_q_tail);
	uint32_t tail = x->tail;
	x->tail = x->live = 0;
	x->next = rr_ex_next;
	x->q_head = rr_q_head;
	x->q_tail = rr_q_tail;
	x->rack = rack;
	for (uint32_t i = 0; i < tail; i++)
		exact_push(x, x->m[i]);

	memcpy(rr_hint, rr_rack_off, R * sizeof *rr_hint);
	uint32_t cur = 0, live = n_under;
	for (uint32_t i = 0; i < n; i++) {
		const uint32_t p = rr_sorted[i], a0 = g->prack_off[p], a1 = g->prack_off[p + 1];
		uint32_t m = KA_NONE, best = KA_NONE, best_d = UINT32_MAX;
		for (uint32_t a = a0; live && a < a1; a++) {
			uint32_t r = g->prack[a], lo = rr_rack_off[r], hi = rr_rack_off[r + 1];
			if (lo == hi)
				continue;
			uint32_t l = rr_hint[r] = gallop(rr_rack_pos, lo, hi, rr_hint[r], cur);
			uint32_t s = live_from(rr_next, l + r);
			if (s == hi + r)
				s = live_from(rr_next, lo + r); /* wrap around */
			if (s == hi + r)
				continue;
			uint32_t q = rr_rack_pos[s - r], d = q >= cur ? q - cur : q + n_under - cur;
			if (d < best_d) {
				best_d = d;
				best = q;
			}
		}
		if (best != KA_NONE) {
			m = under[best];
			if (count[m] + 1 >= minq) {
				under[best] = KA_NONE;
				rr_next[rr_slot[best]] = rr_slot[best] + 1;
				live--;
				/* At minQ it may take one more only while members with
				 * maxQ are still wanted. */
				if (count[m] + 1 < maxq && over < expected)
					exact_push(x, m);
			}
			cur = best + 1;
		} else if (x->live) {
			uint32_t e = KA_NONE;
			for (uint32_t a = a0; a < a1; a++) {
				uint32_t r = g->prack[a], h = rr_q_head[r];
				while (h != KA_NONE && (h < x->head || x->m[h] == KA_NONE))
					h = rr_ex_next[h];
				rr_q_head[r] = h;
				if (h != KA_NONE && h < e)
					e = h;
			}
			if (e != KA_NONE) {
				m = x->m[e];
				if (count[m] + 1 == maxq) {
					x->m[e] = KA_NONE;
					x->live--;
					/* Enough members at maxQ: the rest stay at minQ. */
					if (++over == expected) {
						x->head = x->tail;
						x->live = 0;
					}
				}
			}
		}
		if (m != KA_NONE) {
			owner[p] = m;
			count[m]++;
			rr_sorted[i] = KA_NONE;
		}
	}

	/* Kafka's plain round-robin over the rest, in the same order (see
	 * ka__constrained_assign for the list semantics). */
	x->q_head = NULL;
	uint32_t pos = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = rr_sorted[i], m;
		if (p == KA_NONE)
			continue;
		while (pos < n_under && under[pos] == KA_NONE)
			pos++;
		if (pos == n_under && live) {
			pos = 0;
			while (under[pos] == KA_NONE)
				pos++;
		}
		if (pos < n_under) {
			m = under[pos];
			if (++count[m] == minq) {
				under[pos] = KA_NONE;
				live--;
				exact_push(x, m);
			}
			pos++;
		} else {
			while (x->head < x->tail && x->m[x->head] == KA_NONE)
				x->head++;
			assert(x->head < x->tail);
			m = x->m[x->head++];
			count[m]++;
		}
		owner[p] = m;
	}
}

void ka__constrained_assign(const ka_group *g, ka__ws *w, int racks, uint32_t *owner)
{
	const size_t M = g->n_members, K = g->n_partitions;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	CONSTRAINED_SLABS(X)
#undef X
	uint64_t N = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		uint32_t P = g->topic_off[t + 1] - g->topic_off[t];
		if (g->tsub_off[t + 1] > g->tsub_off[t])
			N += P;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			owner[p] = KA_NONE;
	}
	if (!M || !N)
		return;
	const uint32_t minq = (uint32_t)(N / M), maxq = minq + (N % M != 0);
	const uint32_t expected = (uint32_t)(N % M);
	uint32_t over = 0, n_under = 0, e_head = 0, e_tail = 0;

	/*
	 * One sweep over the partitions keeps every valid claim (owner =
	 * prev_owner, written in order rather than member by member), counts
	 * each member's claims and notes its last one in Kafka's (partition,
	 * topic) order. Rack-aware, Kafka revokes a mismatched claim before
	 * the quotas: it counts for nothing.
	 */
	memset(count, 0, M * sizeof *count);
	memset(last_key, 0, M * sizeof *last_key);
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			uint32_t m = g->prev_owner[p];
			if (racks && m != KA_NONE && mismatch(g, m, p))
				m = KA_NONE;
			owner[p] = m;
			if (m == KA_NONE)
				continue;
			count[m]++;
			uint64_t key = kafka_owned_key(g, p, t);
			if (key > last_key[m])
				last_key[m] = key;
		}
	}

	/* Quotas, in Kafka's visiting order; keep[m] is what m may keep. */
	ka__java_hashmap_order(g, visit, bucket_off, keep);
	int gather = 0;
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = visit[i], n = count[m], k;
		if (n < minq) {
			k = n;
			under[n_under++] = m;
		} else if (n >= maxq && over < expected) {
			k = maxq;
			if (++over == expected)
				e_head = e_tail = 0; /* nobody else may exceed minQ */
		} else {
			k = minq;
			if (over < expected)
				exact[e_tail++] = m;
		}
		keep[m] = k;
		if (n == k + 1) {
			uint32_t t = (uint32_t)last_key[m];
			owner[g->topic_off[t] + (uint32_t)(last_key[m] >> 32)] = KA_NONE;
		} else if (n > k + 1) {
			gather = 1;
		}
	}

	/* Members dropping several claims: their keys, bucketed, and the
	 * largest dropped. */
	if (gather) {
		memset(key_off, 0, (M + 1) * sizeof *key_off);
		for (uint32_t m = 0; m < M; m++)
			key_off[m + 1] = count[m] > keep[m] + 1 ? count[m] : 0;
		for (size_t m = 0; m < M; m++)
			key_off[m + 1] += key_off[m];
		uint32_t *cursor = visit; /* free until the lists are sorted below */
		memcpy(cursor, key_off, M * sizeof *cursor);
		for (uint32_t t = 0; t < g->n_topics; t++) {
			if (g->tsub_off[t + 1] == g->tsub_off[t])
				continue;
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
				uint32_t m = owner[p]; /* the claims still counted */
				if (m != KA_NONE && key_off[m + 1] > key_off[m])
					keys[cursor[m]++] = kafka_owned_key(g, p, t);
			}
		}
		for (uint32_t m = 0; m < M; m++)
			if (key_off[m + 1] > key_off[m])
				drop_largest(g, keys + key_off[m], key_off[m + 1] - key_off[m],
					     keep[m], owner);
	}
	/* What each member holds now: its claims, capped at keep[m]. */
	for (uint32_t m = 0; m < M; m++)
		count[m] = count[m] < keep[m] ? count[m] : keep[m];

	/* Kafka sorts both lists by member_id before dealing: flag, then sweep
	 * members in that order (visit[] is free now). */
	memset(visit, 0, M * sizeof *visit);
	for (uint32_t i = 0; i < n_under; i++)
		visit[under[i]] = 1;
	for (uint32_t i = e_head; i < e_tail; i++)
		visit[exact[i]] = 2;
	n_under = e_tail = e_head = 0;
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[i];
		if (visit[m] == 1)
			under[n_under++] = m;
		else if (visit[m] == 2)
			exact[e_tail++] = m;
	}
	if (racks) {
		exact_list x = {exact, 0, e_tail, e_tail, NULL, NULL, NULL, g->member_rack};
		deal_rack_aware(g, w, owner, under, n_under, &x, count, minq, maxq, expected, over);
		return;
	}

	/*
	 * Round-robin over the rest, in (topic, partition) order, as Kafka's
	 * iterator over its list of members under minQ: cyclically, a member
	 * leaving the list (marked KA_NONE) when it reaches minQ and joining
	 * the queue of members that may take one more; once the list is
	 * empty, the queue in order.
	 */
	uint32_t pos = 0, live = n_under;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			if (owner[p] != KA_NONE)
				continue;
			while (pos < n_under && under[pos] == KA_NONE)
				pos++;
			if (pos == n_under && live) {
				pos = 0;
				while (under[pos] == KA_NONE)
					pos++;
			}
			uint32_t m;
			if (pos < n_under) {
				m = under[pos];
				if (++count[m] == minq) {
					under[pos] = KA_NONE;
					live--;
					exact[e_tail++] = m;
				}
				pos++;
			} else {
				assert(e_head < e_tail);
				m = exact[e_head++];
				count[m]++;
			}
			owner[p] = m;
		}
	}
}

size_t ka__constrained_size(const ka_group *g, int racks)
{
	size_t M = g->n_members, K = g->n_partitions, R = g->n_racks, total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	CONSTRAINED_SLABS(X)
	if (racks) {
		RACKRR_SLABS(X)
	}
#undef X
	return total;
}
