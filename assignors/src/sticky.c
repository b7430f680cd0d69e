/*
 * sticky.c - Kafka's StickyAssignor and CooperativeStickyAssignor
 * (org.apache.kafka.clients.consumer.StickyAssignor, CooperativeStickyAssignor,
 * internals.AbstractStickyAssignor, Kafka 3.5+).
 *
 * Priorities: balance first, then stickiness. Previous ownership is the
 * model's prev_owner[]: per partition, the claimant of the highest generation
 * (a tie at the top: nobody). A claim counts only if the claimant still
 * subscribes to the topic.
 *
 * Equal subscriptions (Kafka's ConstrainedAssignmentBuilder). With N
 * partitions and M members, minQ = N / M, maxQ = ceil(N / M), and exactly
 * N mod M members end with maxQ. Members are visited in member_id order (Kafka
 * visits a HashMap; this is the one place its answer depends on hash order):
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
 * Unequal subscriptions (Kafka's GeneralAssignmentBuilder). Every valid
 * claim is kept; the other partitions are dealt in Kafka's order (topics by
 * number of subscribers, then name; partitions ascending), each to the
 * least-loaded subscriber (ties by member_id).
 *
 * Cooperative: the same plan, then every partition whose owner changes is
 * withheld from this round (owner KA_NONE): its previous owner must revoke it
 * first, and the follow-up rebalance hands it over. A partition contested by
 * several claimants of the top generation is withheld too, even from a
 * claimant, since the others still believe they own it.
 */
#include <string.h>

#include "internal.h"

/* Partition number and topic of p, as Kafka's owned-partition order wants
 * them: by partition number, then topic. */
static inline uint64_t kafka_owned_key(const ka_group *g, uint32_t p, uint32_t t)
{
	return ((uint64_t)(p - g->topic_off[t]) << 32) | t;
}

/*
 * The topic of p, searching forward from *t (p ascending across calls):
 * galloping, since a member's claims can be spread over many topics.
 */
static inline uint32_t topic_from(const ka_group *g, uint32_t p, uint32_t *t)
{
	if (g->topic_off[*t + 1] > p)
		return *t;
	uint32_t lo = *t + 1, step = 1, hi = lo;
	while (hi < g->n_topics && g->topic_off[hi + 1] <= p) {
		lo = hi + 1;
		hi += step;
		step *= 2;
	}
	if (hi >= g->n_topics)
		hi = g->n_topics - 1;
	/* The first topic in [lo, hi] whose end is past p. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->topic_off[mid + 1] <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	*t = lo;
	return lo;
}

static int subscribes(const ka_group *g, uint32_t m, uint32_t t)
{
	uint32_t lo = g->sub_off[m], hi = g->sub_off[m + 1];
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->sub_topic[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->sub_off[m + 1] && g->sub_topic[lo] == t;
}

/* ------------------------------------------------------------ equal subscriptions */

#define CONSTRAINED_SLABS(X)                                                                       \
	X(keys, uint64_t, K)                                                                       \
	X(key_off, uint32_t, M + 1)                                                                \
	X(last_key, uint64_t, M)                                                                   \
	X(keep, uint32_t, M)                                                                       \
	X(under, uint32_t, M)                                                                      \
	X(exact, uint32_t, M)                                                                      \
	X(count, uint32_t, M)                                                                      \
	X(visit, uint32_t, M)                                                                      \
	X(bucket_off, uint32_t, HASH_CAP(M) + 1)

/*
 * Kafka visits members in the iteration order of a java.util.HashMap keyed
 * by member_id: by bucket, spread(String.hashCode()) & (capacity - 1), the
 * capacity growing from 16 by doubling at load factor 0.75. Only members
 * sharing a bucket depend on insertion order, unknown here: member_id order
 * stands in for it.
 */
#define HASH_CAP(n) java_hashmap_capacity(n)

static size_t java_hashmap_capacity(size_t n)
{
	size_t cap = 16;
	while (n > cap / 4 * 3)
		cap *= 2;
	return cap;
}

/* Java's String.hashCode over UTF-16 code units, from UTF-8. */
static uint32_t java_string_hash(const char *s)
{
	uint32_t h = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp = *p;
		int extra = cp >= 0xF0 && cp < 0xF8 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
		if (cp >= 0x80 && extra) {
			int ok = 1;
			uint32_t v = cp & (0x3Fu >> extra);
			for (int i = 1; i <= extra; i++) {
				if ((p[i] & 0xC0) != 0x80) {
					ok = 0;
					break;
				}
				v = (v << 6) | (p[i] & 0x3F);
			}
			if (ok) {
				cp = v;
				p += extra;
			}
		}
		p++;
		if (cp >= 0x10000) {
			h = 31 * h + (0xD800 + ((cp - 0x10000) >> 10));
			h = 31 * h + (0xDC00 + ((cp - 0x10000) & 0x3FF));
		} else {
			h = 31 * h + cp;
		}
	}
	return h;
}

/* Members in Kafka's HashMap order (see above), into visit[]. */
static void hashmap_order(const ka_group *g, uint32_t *visit, uint32_t *bucket_off, uint32_t *tmp)
{
	const size_t M = g->n_members, cap = java_hashmap_capacity(M);
	memset(bucket_off, 0, (cap + 1) * sizeof *bucket_off);
	for (uint32_t m = 0; m < M; m++) {
		uint32_t h = java_string_hash(g->member_id[m]);
		tmp[m] = (h ^ (h >> 16)) & (uint32_t)(cap - 1);
		bucket_off[tmp[m] + 1]++;
	}
	for (size_t b = 0; b < cap; b++)
		bucket_off[b + 1] += bucket_off[b];
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[i];
		visit[bucket_off[tmp[m]]++] = m;
	}
}

/* In-place heapsort: claim lists can be long (a member that owned a lot). */
static void sort_keys(uint64_t *v, uint32_t n)
{
	for (uint32_t end = n, start = n / 2;;) {
		uint32_t root;
		if (start > 0) {
			root = --start;
		} else {
			if (end <= 1)
				return;
			uint64_t tmp = v[--end];
			v[end] = v[0];
			v[0] = tmp;
			root = 0;
		}
		for (;;) {
			uint32_t child = 2 * root + 1;
			if (child >= end)
				break;
			if (child + 1 < end && v[child + 1] > v[child])
				child++;
			if (v[root] >= v[child])
				break;
			uint64_t tmp = v[root];
			v[root] = v[child];
			v[child] = tmp;
			root = child;
		}
	}
}

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

static void assign_constrained(const ka_group *g, ka__ws *w, uint32_t *owner)
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
	 * topic) order.
	 */
	memset(count, 0, M * sizeof *count);
	memset(last_key, 0, M * sizeof *last_key);
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			uint32_t m = g->prev_owner[p];
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
	hashmap_order(g, visit, bucket_off, keep);
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
				uint32_t m = g->prev_owner[p];
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

/* ------------------------------------------------------------ unequal subscriptions */

#define GENERAL_SLABS(X)                                                                           \
	X(load, uint32_t, M)                                                                       \
	X(id_rank, uint32_t, M)                                                                    \
	X(sort_key, uint64_t, M)                                                                   \
	X(pend, uint32_t, M)                                                                       \
	X(active, uint32_t, M)                                                                     \
	X(merge_tmp, uint32_t, M)                                                                  \
	X(cls_off, uint32_t, C + 1)                                                                \
	X(cls_level, uint32_t, C)                                                                  \
	X(cls_pos, uint32_t, C)                                                                    \
	X(cls_active, uint32_t, C)                                                                 \
	X(cls_pend, uint32_t, C)                                                                   \
	X(topic_order, uint32_t, T)                                                                \
	X(by_count, uint32_t, M + 2)                                                               \
	X(tcls_off, uint32_t, T + 1)                                                               \
	X(tcls, uint32_t, SC)

/*
 * The least-loaded member of one subscription class, ties by member_id, as
 * water filling: members whose starting load is at most the current level L
 * are "active" and sit at L or L + 1; those at L are taken in member_id
 * order by a cursor over the active list (kept sorted by member_id), and
 * when all are at L + 1 the level rises and the members starting there are
 * merged in. Loads only grow, so each member is passed once a level.
 */
typedef struct filler {
	const ka_group *g;
	const uint32_t *load, *id_rank;
	uint32_t *pend, *active, *tmp;
	const uint32_t *off;
	uint32_t *level, *pos, *n_active, *n_pend;
} filler;

/* The next member of class c to receive a partition, or KA_NONE. */
static uint32_t filler_next(filler *f, uint32_t c)
{
	uint32_t *act = f->active + f->off[c];
	const uint32_t *pend = f->pend + f->off[c];
	uint32_t size = f->off[c + 1] - f->off[c];
	for (;;) {
		while (f->pos[c] < f->n_active[c] && f->load[act[f->pos[c]]] != f->level[c])
			f->pos[c]++;
		if (f->pos[c] < f->n_active[c])
			return act[f->pos[c]];
		if (f->n_active[c] == 0 && f->n_pend[c] == size)
			return KA_NONE;
		/* Everybody active is at level + 1 (or nobody is active yet). */
		f->level[c] = f->n_active[c] ? f->level[c] + 1 : f->load[pend[f->n_pend[c]]];
		uint32_t from = f->n_pend[c];
		while (f->n_pend[c] < size && f->load[pend[f->n_pend[c]]] == f->level[c])
			f->n_pend[c]++;
		/* Merge pend[from..n_pend) (member_id order) into the active list. */
		uint32_t i = 0, j = from, k = 0, na = f->n_active[c];
		while (i < na || j < f->n_pend[c]) {
			int take_active = j == f->n_pend[c] ||
					  (i < na && f->id_rank[act[i]] < f->id_rank[pend[j]]);
			f->tmp[k++] = take_active ? act[i++] : pend[j++];
		}
		memcpy(act, f->tmp, k * sizeof *act);
		f->n_active[c] = k;
		f->pos[c] = 0;
	}
}

/* Subscriptions of one member of each class: the size of the topic -> class lists. */
static size_t class_subscriptions(const ka_group *g)
{
	size_t total = 0;
	uint32_t next = 0;
	for (uint32_t m = 0; m < g->n_members; m++)
		if (g->member_class[m] == next) {
			next++;
			total += g->sub_off[m + 1] - g->sub_off[m];
		}
	return total;
}

#define GENERAL_SIZES                                                                              \
	const size_t M = g->n_members, T = g->n_topics, C = g->n_member_classes;                  \
	const size_t SC = class_subscriptions(g)

static void assign_general(const ka_group *g, ka__ws *w, uint32_t *owner)
{
	GENERAL_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	GENERAL_SLABS(X)
#undef X
	for (uint32_t i = 0; i < M; i++)
		id_rank[g->id_order[i]] = i;
	for (uint32_t p = 0; p < g->n_partitions; p++)
		owner[p] = KA_NONE;
	memset(load, 0, M * sizeof *load);

	/* Every valid claim is kept. */
	for (uint32_t m = 0; m < M; m++) {
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			if (g->prev_owner[p] == m && subscribes(g, m, ka_group_partition_topic(g, p))) {
				owner[p] = m;
				load[m]++;
			}
		}
	}

	/* Classes' members by (starting load, member_id): the pending lists. */
	for (uint32_t m = 0; m < M; m++)
		sort_key[m] = ((uint64_t)load[m] << 32) | id_rank[m];
	sort_keys(sort_key, (uint32_t)M);
	memset(cls_off, 0, (C + 1) * sizeof *cls_off);
	for (uint32_t m = 0; m < M; m++)
		cls_off[g->member_class[m] + 1]++;
	for (size_t c = 0; c < C; c++)
		cls_off[c + 1] += cls_off[c];
	memcpy(cls_pos, cls_off, C * sizeof *cls_pos); /* cursors for now */
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[(uint32_t)sort_key[i]];
		pend[cls_pos[g->member_class[m]]++] = m;
	}
	memset(cls_level, 0, C * sizeof *cls_level);
	memset(cls_pos, 0, C * sizeof *cls_pos);
	memset(cls_active, 0, C * sizeof *cls_active);
	memset(cls_pend, 0, C * sizeof *cls_pend);
	filler fl = {g,        load,      id_rank, pend,       active, merge_tmp,
		     cls_off, cls_level, cls_pos, cls_active, cls_pend};

	/* Topics by number of subscribers, then name (Kafka's TopicComparator):
	 * a stable counting sort of topics already in name order. */
	memset(by_count, 0, (M + 2) * sizeof *by_count);
	for (uint32_t t = 0; t < T; t++)
		if (g->tsub_off[t + 1] > g->tsub_off[t] && g->topic_off[t + 1] > g->topic_off[t])
			by_count[g->tsub_off[t + 1] - g->tsub_off[t] + 1]++;
	for (size_t k = 0; k <= M; k++)
		by_count[k + 1] += by_count[k];
	uint32_t nt = by_count[M + 1];
	for (uint32_t t = 0; t < T; t++)
		if (g->tsub_off[t + 1] > g->tsub_off[t] && g->topic_off[t + 1] > g->topic_off[t])
			topic_order[by_count[g->tsub_off[t + 1] - g->tsub_off[t]]++] = t;

	/* The classes subscribing to each topic, from one member of each class. */
	memset(tcls_off, 0, (T + 1) * sizeof *tcls_off);
	for (uint32_t m = 0, next = 0; m < M; m++)
		if (g->member_class[m] == next) {
			next++;
			for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
				tcls_off[g->sub_topic[s] + 1]++;
		}
	for (size_t t = 0; t < T; t++)
		tcls_off[t + 1] += tcls_off[t];
	memcpy(by_count, tcls_off, T * sizeof *by_count); /* reused as cursors */
	for (uint32_t m = 0, next = 0; m < M; m++)
		if (g->member_class[m] == next) {
			next++;
			for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
				tcls[by_count[g->sub_topic[s]]++] = g->member_class[m];
		}

	/*
	 * Deal the rest: each partition to the least-loaded subscriber (ties by
	 * member_id). A topic's subscribers are whole classes: the candidates
	 * are each class's next member.
	 */
	for (uint32_t i = 0; i < nt; i++) {
		uint32_t t = topic_order[i];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			if (owner[p] != KA_NONE)
				continue;
			uint32_t best = KA_NONE;
			for (uint32_t k = tcls_off[t]; k < tcls_off[t + 1]; k++) {
				uint32_t m = filler_next(&fl, tcls[k]);
				if (m != KA_NONE &&
				    (best == KA_NONE || load[m] < load[best] ||
				     (load[m] == load[best] && id_rank[m] < id_rank[best])))
					best = m;
			}
			owner[p] = best;
			load[best]++;
		}
	}
}

/* ------------------------------------------------------------ the exact optimum */

/*
 * The optimum as a min-cost flow (flow.c): S -> topic (its partitions) ->
 * class (cost 1: a partition its new owner did not own) -> member, plus
 * topic -> member at cost 0 for the member's own valid claims on the topic;
 * each member has a convex arc to Z (balance, weighted above any sum of unit
 * costs along a cycle, so balance always wins). Members of a class without a
 * valid claim are interchangeable: one node, its convex arc spread over them.
 * The flow fixes how many partitions of each topic each member keeps and how
 * many it receives; the partitions themselves are then dealt: kept claims
 * lowest partition first, the rest from each topic's pool in order.
 */
#define OPT_SLABS(X)                                                                               \
	X(topic_node, uint32_t, T)                                                                 \
	X(member_node, uint32_t, M)                                                                \
	X(fresh_n, uint32_t, C)                                                                    \
	X(run_member, uint32_t, R)                                                                 \
	X(run_begin, uint32_t, R)                                                                  \
	X(run_arc, uint32_t, R)                                                                    \
	X(tc_arc, uint32_t, SC)                                                                    \
	X(tc_topic, uint32_t, SC)                                                                  \
	X(class_first, uint32_t, C + 1)                                                            \
	X(cm_arc, uint32_t, M)                                                                     \
	X(cf_arc, uint32_t, C)                                                                     \
	X(quota, uint32_t, M)                                                                      \
	X(cls_off, uint32_t, C + 1)                                                                \
	X(cls_members, uint32_t, M)                                                                \
	X(pool_cur, uint32_t, T)                                                                   \
	X(opt_owner, uint32_t, P)                                                                  \
	X(claims, uint8_t, P)

/* Runs of valid claims: (member, topic) pairs with at least one. */
static size_t claim_runs(const ka_group *g)
{
	size_t runs = 0;
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint32_t t = 0, last = KA_NONE;
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			topic_from(g, p, &t);
			if (g->prev_owner[p] == m && t != last && subscribes(g, m, t)) {
				runs++;
				last = t;
			}
		}
	}
	return runs;
}

#define OPT_SIZES                                                                                  \
	const size_t M = g->n_members, T = g->n_topics, C = g->n_member_classes;                  \
	const size_t SC = class_subscriptions(g), R = claim_runs(g), P = g->n_partitions;        \
	const uint32_t V = (uint32_t)(2 + T + 2 * C + M);                                         \
	const size_t A = T + SC + M + C + R

static size_t optimal_size(const ka_group *g)
{
	OPT_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	OPT_SLABS(X)
#undef X
	(void)P;
	return total + ka__flow_size(V, A);
}

/* Sum of squared loads over members, and partitions kept by their previous owner. */
static void objective(const ka_group *g, const uint32_t *owner, uint32_t *load, uint64_t *sq,
		      uint64_t *kept)
{
	memset(load, 0, g->n_members * sizeof *load);
	*kept = 0;
	for (uint32_t p = 0; p < g->n_partitions; p++)
		if (owner[p] != KA_NONE) {
			load[owner[p]]++;
			*kept += owner[p] == g->prev_owner[p];
		}
	*sq = 0;
	for (uint32_t m = 0; m < g->n_members; m++)
		*sq += (uint64_t)load[m] * load[m];
}

/* Returns the optimal assignment, in a slab of the workspace. */
static uint32_t *assign_optimal(const ka_group *g, ka__ws *w)
{
	OPT_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	OPT_SLABS(X)
#undef X
	uint32_t *out = opt_owner;
	(void)V;
	const uint32_t S = 0, Z = 1;
	uint32_t next_node = 2;

	/* Topics that can be assigned, and members with valid claims. */
	int64_t demand = 0;
	for (uint32_t t = 0; t < T; t++) {
		uint32_t n = g->topic_off[t + 1] - g->topic_off[t];
		topic_node[t] = n && g->tsub_off[t + 1] > g->tsub_off[t] ? next_node++ : KA_NONE;
		if (topic_node[t] != KA_NONE)
			demand += n;
	}
	const uint32_t class_base = next_node;
	next_node += (uint32_t)C;
	const uint32_t fresh_base = next_node;
	next_node += (uint32_t)C;
	memset(fresh_n, 0, C * sizeof *fresh_n);
	size_t n_runs = 0;
	for (uint32_t m = 0; m < M; m++) {
		member_node[m] = KA_NONE;
		uint32_t t = 0, last = KA_NONE;
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			topic_from(g, p, &t);
			if (g->prev_owner[p] == m && t != last && subscribes(g, m, t)) {
				run_member[n_runs] = m;
				run_begin[n_runs++] = k;
				last = t;
			}
		}
		if (last != KA_NONE)
			member_node[m] = next_node++;
		else if (g->sub_off[m + 1] > g->sub_off[m])
			fresh_n[g->member_class[m]]++;
	}

	ka__flow f;
	ka__flow_init(&f, w, next_node, A, S, Z, (int64_t)next_node + 1);
	for (uint32_t t = 0; t < T; t++)
		if (topic_node[t] != KA_NONE)
			ka__flow_arc(&f, S, topic_node[t], g->topic_off[t + 1] - g->topic_off[t], 0);
	/* topic -> class, from one member of each class */
	size_t n_tc = 0;
	for (uint32_t m = 0, next = 0; m < M; m++) {
		if (g->member_class[m] != next)
			continue;
		class_first[next] = (uint32_t)n_tc;
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++) {
			uint32_t t = g->sub_topic[s];
			if (topic_node[t] == KA_NONE)
				continue;
			tc_topic[n_tc] = t;
			tc_arc[n_tc++] = ka__flow_arc(&f, topic_node[t], class_base + next, -1, 1);
		}
		next++;
	}
	class_first[C] = (uint32_t)n_tc;
	for (uint32_t m = 0; m < M; m++)
		if (member_node[m] != KA_NONE) {
			cm_arc[m] = ka__flow_arc(&f, class_base + g->member_class[m], member_node[m],
						 -1, 0);
			ka__flow_sink(&f, member_node[m], 1);
		}
	for (size_t c = 0; c < C; c++)
		if (fresh_n[c]) {
			cf_arc[c] = ka__flow_arc(&f, class_base + (uint32_t)c, fresh_base + (uint32_t)c,
						 -1, 0);
			ka__flow_sink(&f, fresh_base + (uint32_t)c, fresh_n[c]);
		}
	for (size_t r = 0; r < n_runs; r++) {
		uint32_t m = run_member[r], k = run_begin[r], t = 0, n = 0;
		topic_from(g, g->own_part[k], &t);
		for (; k < g->own_off[m + 1] && g->own_part[k] < g->topic_off[t + 1]; k++)
			n += g->prev_owner[g->own_part[k]] == m;
		run_arc[r] = ka__flow_arc(&f, topic_node[t], member_node[m], n, 0);
	}
	int64_t sent = ka__flow_run(&f, demand);
	assert(sent == demand);
	(void)sent;

	/*
	 * Kept claims. Where a member keeps fewer than it claims, it keeps first
	 * the partitions nobody else claims: one that another member also
	 * lists (an older generation's claim) can go to that member without a
	 * handover, as in Kafka. Then lowest first.
	 */
	memset(claims, 0, P);
	for (uint32_t k = 0; k < g->own_off[M]; k++)
		if (claims[g->own_part[k]] < 255)
			claims[g->own_part[k]]++;
	for (size_t p = 0; p < P; p++)
		out[p] = KA_NONE;
	for (size_t r = 0; r < n_runs; r++) {
		uint32_t m = run_member[r], t = 0;
		int64_t keep = ka__flow_on(&f, run_arc[r]);
		topic_from(g, g->own_part[run_begin[r]], &t);
		for (int shared = 0; shared < 2; shared++)
			for (uint32_t k = run_begin[r];
			     keep && k < g->own_off[m + 1] && g->own_part[k] < g->topic_off[t + 1];
			     k++) {
				uint32_t p = g->own_part[k];
				if (g->prev_owner[p] == m && out[p] == KA_NONE &&
				    (claims[p] > 1) == shared) {
					out[p] = m;
					keep--;
				}
			}
	}

	/* What each member receives through its class. */
	memset(cls_off, 0, (C + 1) * sizeof *cls_off);
	for (uint32_t m = 0; m < M; m++)
		cls_off[g->member_class[m] + 1]++;
	for (size_t c = 0; c < C; c++)
		cls_off[c + 1] += cls_off[c];
	memcpy(quota, cls_off, C * sizeof *quota); /* cursors for now */
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[i];
		cls_members[quota[g->member_class[m]]++] = m;
	}
	for (size_t c = 0; c < C; c++) {
		int64_t fresh_units = fresh_n[c] ? ka__flow_on(&f, cf_arc[c]) : 0;
		uint32_t share = fresh_n[c] ? (uint32_t)(fresh_units / fresh_n[c]) : 0;
		uint32_t extra = fresh_n[c] ? (uint32_t)(fresh_units % fresh_n[c]) : 0;
		for (uint32_t i = cls_off[c]; i < cls_off[c + 1]; i++) {
			uint32_t m = cls_members[i];
			if (member_node[m] != KA_NONE)
				quota[m] = (uint32_t)ka__flow_on(&f, cm_arc[m]);
			else if (g->sub_off[m + 1] > g->sub_off[m])
				quota[m] = share + (extra ? (extra--, 1) : 0);
			else
				quota[m] = 0;
		}
	}

	/* Deal each class its topics' pools, member after member. */
	for (uint32_t t = 0; t < T; t++)
		pool_cur[t] = g->topic_off[t];
	for (size_t c = 0; c < C; c++) {
		uint32_t i = cls_off[c];
		for (uint32_t k = class_first[c]; k < class_first[c + 1]; k++) {
			uint32_t t = tc_topic[k];
			int64_t units = ka__flow_on(&f, tc_arc[k]);
			while (units > 0) {
				while (quota[cls_members[i]] == 0)
					i++;
				uint32_t m = cls_members[i];
				/* First what m itself still lists as owned. */
				uint32_t lo = g->own_off[m], hi = g->own_off[m + 1];
				while (lo < hi) {
					uint32_t mid = lo + (hi - lo) / 2;
					if (g->own_part[mid] < g->topic_off[t])
						lo = mid + 1;
					else
						hi = mid;
				}
				for (uint32_t j = lo; units && quota[m] && j < g->own_off[m + 1] &&
						      g->own_part[j] < g->topic_off[t + 1];
				     j++)
					if (out[g->own_part[j]] == KA_NONE) {
						out[g->own_part[j]] = m;
						quota[m]--;
						units--;
					}
				if (!units || !quota[m])
					continue;
				while (out[pool_cur[t]] != KA_NONE)
					pool_cur[t]++;
				out[pool_cur[t]++] = m;
				quota[m]--;
				units--;
			}
		}
	}
	return out;
}

/* ------------------------------------------------------------ the balance optimum */

/*
 * The most balanced loads depend only on who may take what, not on claims:
 * members of one subscription class are interchangeable, so a flow over
 * topics and classes (each class's convex arc spread over its eligible
 * members) gives the optimal sum of squared loads. Tiny: topics + classes.
 */
#define BALANCE_SLABS(X)                                                                           \
	X(b_topic_node, uint32_t, T)                                                               \
	X(b_class_n, uint32_t, C)

#define BALANCE_SIZES                                                                              \
	const size_t T = g->n_topics, C = g->n_member_classes, SC = class_subscriptions(g);       \
	const uint32_t V = (uint32_t)(2 + T + C);                                                  \
	const size_t A = T + SC

static size_t balance_size(const ka_group *g)
{
	BALANCE_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	BALANCE_SLABS(X)
#undef X
	return total + ka__flow_size(V, A);
}

static uint64_t optimal_sum_sq(const ka_group *g, ka__ws *w)
{
	BALANCE_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	BALANCE_SLABS(X)
#undef X
	const uint32_t S = 0, Z = 1, class_base = (uint32_t)(2 + T);
	uint32_t next = 2;
	int64_t demand = 0;
	for (uint32_t t = 0; t < T; t++) {
		uint32_t n = g->topic_off[t + 1] - g->topic_off[t];
		b_topic_node[t] = n && g->tsub_off[t + 1] > g->tsub_off[t] ? next++ : KA_NONE;
		if (b_topic_node[t] != KA_NONE)
			demand += n;
	}
	(void)V;
	ka__flow f;
	ka__flow_init(&f, w, (uint32_t)(2 + T + C), A, S, Z, 1);
	memset(b_class_n, 0, C * sizeof *b_class_n);
	for (uint32_t m = 0; m < g->n_members; m++)
		b_class_n[g->member_class[m]]++;
	for (uint32_t t = 0; t < T; t++)
		if (b_topic_node[t] != KA_NONE)
			ka__flow_arc(&f, S, b_topic_node[t], g->topic_off[t + 1] - g->topic_off[t], 0);
	for (uint32_t m = 0, c = 0; m < g->n_members; m++) {
		if (g->member_class[m] != c)
			continue;
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			if (b_topic_node[g->sub_topic[s]] != KA_NONE)
				ka__flow_arc(&f, b_topic_node[g->sub_topic[s]], class_base + c, -1, 0);
		if (g->sub_off[m + 1] > g->sub_off[m])
			ka__flow_sink(&f, class_base + c, b_class_n[c]);
		c++;
	}
	int64_t sent = ka__flow_run(&f, demand);
	assert(sent == demand);
	(void)sent;
	/* X units over n members, as evenly as possible: r get q + 1. */
	uint64_t sq = 0;
	for (size_t c = 0; c < C; c++) {
		uint64_t x = (uint64_t)f.sink_x[class_base + c], n = b_class_n[c];
		if (!n || !x)
			continue;
		uint64_t q = x / n, r = x % n;
		sq += r * (q + 1) * (q + 1) + (n - r) * q * q;
	}
	return sq;
}

/* ------------------------------------------------------------ the strategies */

static size_t general_size(const ka_group *g)
{
	GENERAL_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	GENERAL_SLABS(X)
#undef X
	return total;
}

static size_t constrained_size(const ka_group *g)
{
	size_t M = g->n_members, K = g->n_partitions, total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	CONSTRAINED_SLABS(X)
#undef X
	return total;
}

size_t ka__sticky_workspace_size(const ka_group *g)
{
	if (g->flags & KA_GROUP_HOMOGENEOUS)
		return constrained_size(g);
	size_t a = general_size(g), b = optimal_size(g), c = balance_size(g);
	size_t later = b > c ? b : c; /* both run after the greedy, from the same mark */
	return (a > later ? a : later) + ka__ws_need(0, g->n_members, sizeof(uint32_t));
}

int ka__sticky_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	if (ws_size < ka__sticky_workspace_size(g))
		return KA_EWORKSPACE;
	ka__ws w;
	ka__ws_init(&w, ws, ws_size);
	if (g->flags & KA_GROUP_HOMOGENEOUS) {
		assign_constrained(g, &w, owner);
		return 0;
	}
	/*
	 * Kafka's greedy keeps every valid claim; when it is also as balanced
	 * as the optimum it is the optimum (nothing can keep more), and it is
	 * Kafka's own answer. Otherwise the optimum stands.
	 */
	uint32_t *load = ka__ws_take(&w, g->n_members, sizeof(uint32_t));
	size_t mark = w.used;
	assign_general(g, &w, owner);
	uint64_t sq_greedy, kept_greedy, sq_opt, kept_opt;
	objective(g, owner, load, &sq_greedy, &kept_greedy);
	w.used = mark;
	if (optimal_sum_sq(g, &w) == sq_greedy)
		return 0;
	w.used = mark;
	const uint32_t *opt = assign_optimal(g, &w);
	objective(g, opt, load, &sq_opt, &kept_opt);
	assert(sq_opt <= sq_greedy);
	if (sq_opt < sq_greedy)
		memcpy(owner, opt, g->n_partitions * sizeof *owner);
	return 0;
}

size_t ka__cooperative_sticky_workspace_size(const ka_group *g)
{
	size_t a = ka__sticky_workspace_size(g), b = ((size_t)g->n_partitions + 7) / 8;
	return a > b ? a : b;
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
