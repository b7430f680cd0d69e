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

/* What the phases of the constrained path share: the members' counts and
 * the two lists Kafka deals from. */
typedef struct quotas {
	const ka_group *g;
	uint32_t *owner;
	uint32_t *count;                 /* partitions each member holds so far */
	uint32_t *under, n_under;        /* members under minQ */
	uint32_t *exact, e_head, e_tail; /* members at minQ that may take one more */
	uint32_t minq, maxq, expected;   /* N / M, ceil(N / M), N mod M */
	uint32_t over;                   /* members that reached maxQ */
} quotas;

/* The slabs of the rack-aware round-robin. */
typedef struct rack_rr {
#define X(name, type, n) type *name;
	RACKRR_SLABS(X)
#undef X
} rack_rr;

/* The partitions left, in (topic, partition) order, stably sorted by how
 * many members sit on racks holding a replica (at most M): counting sort
 * into rr_sorted; returns how many. */
static uint32_t rr_sort_left(const quotas *q, const rack_rr *s)
{
	const ka_group *g = q->g;
	const size_t M = g->n_members, R = g->n_racks;
	const uint16_t *rack = g->member_rack;
	const uint32_t *owner = q->owner;
	uint32_t *rr_on_rack = s->rr_on_rack, *rr_bucket = s->rr_bucket, *rr_part = s->rr_part;
	uint32_t *rr_key = s->rr_key;
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
		s->rr_sorted[rr_bucket[rr_key[i]]++] = rr_part[i];
	return n;
}

/* Positions of the members under minQ by rack; rack r's slots are
 * rr_rack_off[r] + r .. rr_rack_off[r + 1] + r, the last a sentinel. */
static void rr_index_under(const quotas *q, const rack_rr *s)
{
	const size_t R = q->g->n_racks;
	const uint16_t *rack = q->g->member_rack;
	const uint32_t *under = q->under;
	uint32_t *rr_rack_off = s->rr_rack_off, *rr_next = s->rr_next, *rr_q_head = s->rr_q_head;
	memset(rr_rack_off, 0, (R + 1) * sizeof *rr_rack_off);
	for (uint32_t i = 0; i < q->n_under; i++)
		if (rack[under[i]] != KA_NO_RACK)
			rr_rack_off[rack[under[i]] + 1]++;
	for (size_t r = 0; r < R; r++)
		rr_rack_off[r + 1] += rr_rack_off[r];
	for (uint32_t i = 0; i <= rr_rack_off[R] + R; i++)
		rr_next[i] = i;
	memcpy(rr_q_head, rr_rack_off, R * sizeof *rr_q_head); /* cursors for now */
	for (uint32_t i = 0; i < q->n_under; i++) {
		uint32_t r = rack[under[i]];
		if (r == KA_NO_RACK) {
			s->rr_slot[i] = KA_NONE;
			continue;
		}
		s->rr_rack_pos[rr_q_head[r]] = i;
		s->rr_slot[i] = rr_q_head[r]++ + r;
	}
}

/* The list at minQ, re-queued by rack. */
static void rr_queue_exact(const quotas *q, const rack_rr *s, exact_list *x)
{
	const size_t R = q->g->n_racks;
	memset(s->rr_q_head, 0xff, R * sizeof *s->rr_q_head);
	memset(s->rr_q_tail, 0xff, R * sizeof *s->rr_q_tail);
	uint32_t tail = x->tail;
	x->tail = x->live = 0;
	x->next = s->rr_ex_next;
	x->q_head = s->rr_q_head;
	x->q_tail = s->rr_q_tail;
	x->rack = q->g->member_rack;
	for (uint32_t i = 0; i < tail; i++)
		exact_push(x, x->m[i]);
}

/*
 * The position in under[] of the first member at or after position cur,
 * cyclically, whose rack holds a replica of p (the closest over p's
 * racks), or KA_NONE (also when none is left: live 0). The slabs come one by one, not as the
 * rack_rr, so that the caller's loop keeps them in registers.
 */
static inline uint32_t rr_next_under(const ka_group *g, const uint32_t *rr_rack_off,
				     const uint32_t *rr_rack_pos, uint32_t *rr_next,
				     uint32_t *rr_hint, uint32_t p, uint32_t cur, uint32_t n_under,
				     uint32_t live)
{
	const uint32_t a0 = g->prack_off[p], a1 = g->prack_off[p + 1];
	uint32_t best = KA_NONE, best_d = UINT32_MAX;
	for (uint32_t a = a0; live && a < a1; a++) {
		uint32_t r = g->prack[a], lo = rr_rack_off[r], hi = rr_rack_off[r + 1];
		if (lo == hi)
			continue;
		uint32_t l = rr_hint[r] = gallop(rr_rack_pos, lo, hi, rr_hint[r], cur);
		uint32_t i = live_from(rr_next, l + r);
		if (i == hi + r)
			i = live_from(rr_next, lo + r); /* wrap around */
		if (i == hi + r)
			continue;
		uint32_t at = rr_rack_pos[i - r], d = at >= cur ? at - cur : at + n_under - cur;
		if (d < best_d) {
			best_d = d;
			best = at;
		}
	}
	return best;
}

/* The first entry of the list at minQ whose rack holds a replica of p, or
 * KA_NONE; clears dead heads of the rack queues on the way. */
static uint32_t rr_first_exact(const ka_group *g, const rack_rr *s, const exact_list *x, uint32_t p)
{
	const uint32_t a0 = g->prack_off[p], a1 = g->prack_off[p + 1];
	uint32_t e = KA_NONE;
	for (uint32_t a = a0; a < a1; a++) {
		uint32_t r = g->prack[a], h = s->rr_q_head[r];
		while (h != KA_NONE && (h < x->head || x->m[h] == KA_NONE))
			h = s->rr_ex_next[h];
		s->rr_q_head[r] = h;
		if (h != KA_NONE && h < e)
			e = h;
	}
	return e;
}

/*
 * Kafka's assignRackAwareRoundRobin over the n sorted partitions: each to
 * the next member under minQ on a rack holding a replica, else to the first
 * such member at minQ that may take one more; a partition taken is marked
 * KA_NONE in rr_sorted. Returns how many members are still under minQ.
 */
static uint32_t rr_deal_local(quotas *q, const rack_rr *s, exact_list *x, uint32_t n)
{
	const ka_group *g = q->g;
	uint32_t *owner = q->owner, *count = q->count, *under = q->under;
	const uint32_t minq = q->minq, maxq = q->maxq, expected = q->expected, n_under = q->n_under;
	const uint32_t *rr_rack_off = s->rr_rack_off, *rr_rack_pos = s->rr_rack_pos;
	uint32_t *rr_next = s->rr_next, *rr_hint = s->rr_hint, *rr_slot = s->rr_slot;
	uint32_t *rr_sorted = s->rr_sorted;
	uint32_t over = q->over, cur = 0, live = n_under;
	memcpy(rr_hint, rr_rack_off, g->n_racks * sizeof *rr_hint);
	for (uint32_t i = 0; i < n; i++) {
		const uint32_t p = rr_sorted[i];
		uint32_t m = KA_NONE;
		const uint32_t best = rr_next_under(g, rr_rack_off, rr_rack_pos, rr_next, rr_hint,
						    p, cur, n_under, live);
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
			const uint32_t e = rr_first_exact(g, s, x, p);
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
	q->over = over;
	return live;
}

/* Kafka's plain round-robin over the rest, in the same order (see
 * deal_round_robin for the list semantics). */
static void rr_deal_rest(quotas *q, const rack_rr *s, exact_list *x, uint32_t n, uint32_t live)
{
	uint32_t *owner = q->owner, *count = q->count, *under = q->under;
	const uint32_t n_under = q->n_under, minq = q->minq;
	x->q_head = NULL;
	uint32_t pos = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = s->rr_sorted[i], m;
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
static void deal_rack_aware(quotas *q, ka__ws *w)
{
	const ka_group *g = q->g;
	const size_t M = g->n_members, K = g->n_partitions, R = g->n_racks;
	rack_rr s;
#define X(name, type, n) s.name = ka__ws_take(w, (n), sizeof(type));
	RACKRR_SLABS(X)
#undef X
	exact_list x = {q->exact, 0, q->e_tail, q->e_tail, NULL, NULL, NULL, g->member_rack};
	const uint32_t n = rr_sort_left(q, &s);
	rr_index_under(q, &s);
	rr_queue_exact(q, &s, &x);
	const uint32_t live = rr_deal_local(q, &s, &x, n);
	rr_deal_rest(q, &s, &x, n, live);
}

/* Clears owner[]; returns N, the partitions of subscribed topics. */
static uint64_t clear_owners(const ka_group *g, uint32_t *owner)
{
	uint64_t N = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		uint32_t P = g->topic_off[t + 1] - g->topic_off[t];
		if (g->tsub_off[t + 1] > g->tsub_off[t])
			N += P;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			owner[p] = KA_NONE;
	}
	return N;
}

/*
 * One sweep over the partitions keeps every valid claim (owner =
 * prev_owner, written in order rather than member by member), counts each
 * member's claims and notes its last one in Kafka's (partition, topic)
 * order. Rack-aware, Kafka revokes a mismatched claim before the quotas:
 * it counts for nothing.
 */
static void count_claims(const quotas *q, int racks, uint64_t *last_key)
{
	const ka_group *g = q->g;
	uint32_t *owner = q->owner, *count = q->count;
	memset(count, 0, g->n_members * sizeof *count);
	memset(last_key, 0, g->n_members * sizeof *last_key);
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
}

/*
 * Quotas, in Kafka's visiting order: keep[m] is what m may keep, and the
 * lists under minQ and at minQ fill. A member over its quota by one drops
 * its last claim here; returns 1 when some member drops several.
 */
static int set_quotas(quotas *q, const uint64_t *last_key, uint32_t *keep, uint32_t *visit,
		      uint32_t *bucket_off)
{
	const ka_group *g = q->g;
	const uint32_t M = g->n_members, minq = q->minq, maxq = q->maxq, expected = q->expected;
	uint32_t over = 0, n_under = 0, e_head = 0, e_tail = 0;
	ka__java_hashmap_order(g, visit, bucket_off, keep);
	int gather = 0;
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = visit[i], n = q->count[m], k;
		if (n < minq) {
			k = n;
			q->under[n_under++] = m;
		} else if (n >= maxq && over < expected) {
			k = maxq;
			if (++over == expected)
				e_head = e_tail = 0; /* nobody else may exceed minQ */
		} else {
			k = minq;
			if (over < expected)
				q->exact[e_tail++] = m;
		}
		keep[m] = k;
		if (n == k + 1) {
			uint32_t t = (uint32_t)last_key[m];
			q->owner[g->topic_off[t] + (uint32_t)(last_key[m] >> 32)] = KA_NONE;
		} else if (n > k + 1) {
			gather = 1;
		}
	}
	q->over = over;
	q->n_under = n_under;
	q->e_head = e_head;
	q->e_tail = e_tail;
	return gather;
}

/* Members dropping several claims: their keys, bucketed, and the largest
 * dropped. cursor[] is scratch. */
static void drop_excess(const quotas *q, const uint32_t *keep, uint64_t *keys, uint32_t *key_off,
			uint32_t *cursor)
{
	const ka_group *g = q->g;
	const uint32_t M = g->n_members, *count = q->count;
	uint32_t *owner = q->owner;
	memset(key_off, 0, ((size_t)M + 1) * sizeof *key_off);
	for (uint32_t m = 0; m < M; m++)
		key_off[m + 1] = count[m] > keep[m] + 1 ? count[m] : 0;
	for (size_t m = 0; m < M; m++)
		key_off[m + 1] += key_off[m];
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
			drop_largest(g, keys + key_off[m], key_off[m + 1] - key_off[m], keep[m],
				     owner);
}

/* Kafka sorts both lists by member_id before dealing: flag, then sweep
 * members in that order (flag[] is scratch). */
static void sort_lists(quotas *q, uint32_t *flag)
{
	const ka_group *g = q->g;
	const uint32_t M = g->n_members;
	memset(flag, 0, M * sizeof *flag);
	for (uint32_t i = 0; i < q->n_under; i++)
		flag[q->under[i]] = 1;
	for (uint32_t i = q->e_head; i < q->e_tail; i++)
		flag[q->exact[i]] = 2;
	uint32_t n_under = 0, e_tail = 0;
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[i];
		if (flag[m] == 1)
			q->under[n_under++] = m;
		else if (flag[m] == 2)
			q->exact[e_tail++] = m;
	}
	q->n_under = n_under;
	q->e_head = 0;
	q->e_tail = e_tail;
}

/*
 * Round-robin over the rest, in (topic, partition) order, as Kafka's
 * iterator over its list of members under minQ: cyclically, a member
 * leaving the list (marked KA_NONE) when it reaches minQ and joining the
 * queue of members that may take one more; once the list is empty, the
 * queue in order.
 */
static void deal_round_robin(quotas *q)
{
	const ka_group *g = q->g;
	uint32_t *owner = q->owner, *count = q->count, *under = q->under, *exact = q->exact;
	const uint32_t n_under = q->n_under, minq = q->minq;
	uint32_t pos = 0, live = n_under, e_head = q->e_head, e_tail = q->e_tail;
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

void ka__constrained_assign(const ka_group *g, ka__ws *w, int racks, uint32_t *owner)
{
	const size_t M = g->n_members, K = g->n_partitions;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	CONSTRAINED_SLABS(X)
#undef X
	const uint64_t N = clear_owners(g, owner);
	if (!M || !N)
		return;
	const uint32_t minq = (uint32_t)(N / M);
	quotas q = {.g = g,
		    .owner = owner,
		    .count = count,
		    .under = under,
		    .exact = exact,
		    .minq = minq,
		    .maxq = minq + (N % M != 0),
		    .expected = (uint32_t)(N % M)};
	count_claims(&q, racks, last_key);
	if (set_quotas(&q, last_key, keep, visit, bucket_off))
		drop_excess(&q, keep, keys, key_off, visit); /* visit is free until sort_lists */
	/* What each member holds now: its claims, capped at keep[m]. */
	for (uint32_t m = 0; m < M; m++)
		count[m] = count[m] < keep[m] ? count[m] : keep[m];
	sort_lists(&q, visit);
	if (racks)
		deal_rack_aware(&q, w);
	else
		deal_round_robin(&q);
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
