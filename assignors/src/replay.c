/*
 * replay.c - Kafka's balancing loop of the general sticky path, replayed.
 *
 * After its greedy, Kafka's GeneralAssignmentBuilder.balance() moves
 * partitions one at a time until no partition could go to a subscriber with
 * two fewer (performReassignments), and undoes all of it when the balance
 * score (sum of |load difference| over member pairs) did not improve. What
 * moves is decided by the order of its partition lists, by the order of a
 * TreeSet of members (load, member_id), by the previous generation's owners,
 * and by its PartitionMovements bookkeeping, which prefers to send back a
 * partition that earlier moved the opposite way, the first one a
 * java.util.HashSet yields. It is the end of Kafka's answer (sticky_general.c), so
 * it is replayed here move for move, at every size.
 *
 * Kafka rescans every member and partition for its balance check before
 * each partition it looks at, and every subscriber of a topic to find the
 * least loaded; the replay keeps the answers to both up to date instead,
 * per topic class (topics with the same subscribers, which Kafka's checks
 * cannot tell apart): a heap of the subscribers by (load, member_id), whose
 * top is the TreeSet's first subscriber, and a heap of the members owning
 * one of its partitions by load. isBalanced() is then a count of the topic
 * classes whose most loaded owner has two more than their least loaded
 * subscriber, or the global loads within one. A partition looked at costs
 * O(1), a move O(c log M) for the c topic classes of the two members
 * involved, plus the length of the movement set it consults. Each move
 * takes a partition from a member to one with at least two fewer, so the
 * sum of squared loads falls at every move and the loop ends; how many
 * moves and passes Kafka's loop makes is its own (docs/strategies.md).
 */
#include "internal.h"
#include "sort.h"

#include <string.h>

/* A live HashSet<TopicPartition>: the partitions of topic t that moved src
 * -> dst (dst is always their owner now). An emptied set leaves the table,
 * as Kafka drops it from its map, so at most P sets are live. */
typedef struct mvset {
	uint32_t t, src, dst; /* t == KA_NONE: a free slot */
	uint32_t size, cap;
	uint32_t head; /* its partitions, linked through next[]/prev[] */
} mvset;

static size_t set_slots(size_t P)
{
	size_t n = 64;
	while (n < 2 * P + 64)
		n *= 2;
	return n;
}

/* Room for the heaps: the subscribers of each topic class with two or
 * more (classes are numbered in order of their first topic). */
static size_t heap_slots(const ka_group *g)
{
	size_t q = 0;
	uint32_t next = 0;
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (g->topic_class[t] == next) {
			next++;
			const uint32_t subs = g->tsub_off[t + 1] - g->tsub_off[t];
			q += subs >= 2 ? subs : 0;
		}
	return q;
}

#define REPLAY_SIZES                                                                               \
	const size_t M = g->n_members, P = g->n_partitions, T = g->n_topics, NS = set_slots(P),    \
		     HC = ka__java_hashmap_capacity(M), Q = heap_slots(g),                         \
		     NT = g->n_topic_classes, NC = g->n_member_classes

#define REPLAY_SLABS(X)                                                                            \
	X(load, uint32_t, M)                                                                       \
	X(id_rank, uint32_t, M)                                                                    \
	X(fixed, uint8_t, M)                                                                       \
	X(prev, uint32_t, P)                                                                       \
	X(prev_gen, int32_t, P)                                                                    \
	X(ptopic, uint32_t, P)                                                                     \
	X(thash, uint32_t, T)                                                                      \
	X(topic_order, uint32_t, T)                                                                \
	X(by_count, uint32_t, M + 2)                                                               \
	X(all, uint32_t, P)                                                                        \
	X(una, uint32_t, P)                                                                        \
	X(mv_src, uint32_t, P)                                                                     \
	X(mv_seq, uint32_t, P)                                                                     \
	X(mv_cnt, uint32_t, T)                                                                     \
	X(sets, mvset, NS)                                                                         \
	X(visit, uint32_t, M)                                                                      \
	X(bucket_off, uint32_t, HC + 1)                                                            \
	X(scratch, uint32_t, (M > P ? M : P) + 2)                                                  \
	X(next, uint32_t, P)                                                                       \
	X(prevl, uint32_t, P)                                                                      \
	X(hist, uint32_t, P + 2)                                                                   \
	X(heap_off, uint32_t, NT + 1)                                                              \
	X(own_n, uint32_t, NT)                                                                     \
	X(bad, uint8_t, NT)                                                                        \
	X(tc_mark, uint32_t, NT)                                                                   \
	X(tc_tmp, uint32_t, NT)                                                                    \
	X(mc_off, uint32_t, NC + 1)                                                                \
	X(mc_tc, uint32_t, Q)                                                                      \
	X(mslot, uint32_t, M + 1)                                                                  \
	X(slot_member, uint32_t, Q)                                                                \
	X(slot_tc, uint32_t, Q)                                                                    \
	X(own_cnt, uint32_t, Q)                                                                    \
	X(pos_sub, uint32_t, Q)                                                                    \
	X(pos_own, uint32_t, Q)                                                                    \
	X(sub_heap, uint32_t, Q)                                                                   \
	X(own_heap, uint32_t, Q)

size_t ka__replay_size(const ka_group *g)
{
	REPLAY_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	REPLAY_SLABS(X)
#undef X
	return total;
}

typedef struct replay {
	const ka_group *g;
	uint32_t *own, *load;
	const uint32_t *id_rank, *prev, *ptopic, *thash;
	const uint8_t *fixed;
	uint32_t *mv_src, *mv_seq, *mv_cnt, *next, *prevl;
	mvset *sets;
	uint32_t set_mask, sets_used, seq;
	/* loads of the members taking part: histogram, least, most */
	uint32_t *hist, n_active, lo, hi;
	/* per topic class c with two subscribers or more, its slots
	 * heap_off[c]..heap_off[c + 1]: one per subscriber; a slot is a
	 * (member, topic class) pair, numbered per member from mslot[m] */
	const uint32_t *heap_off, *mc_off, *mc_tc, *mslot, *slot_member, *slot_tc;
	uint32_t *own_cnt, *pos_sub, *pos_own, *sub_heap, *own_heap, *own_n;
	uint8_t *bad;
	uint32_t n_bad;
	int failed;
} replay;

/* ------------------------------------------------------------ PartitionMovements */

static uint32_t set_home(const replay *r, uint32_t t, uint32_t src, uint32_t dst)
{
	const uint32_t key[3] = {t, src, dst};
	return (uint32_t)ka__hash_u32(key, 3) & r->set_mask;
}

/* Open addressing, linear probing; at most P live sets in 2P + 64 slots. */
static mvset *set_find(replay *r, uint32_t t, uint32_t src, uint32_t dst, int create)
{
	for (uint32_t i = set_home(r, t, src, dst);; i = (i + 1) & r->set_mask) {
		mvset *e = &r->sets[i];
		if (e->t == t && e->src == src && e->dst == dst)
			return e;
		if (e->t == KA_NONE) {
			if (!create)
				return NULL;
			r->sets_used++;
			assert(2 * r->sets_used <= r->set_mask + 1);
			*e = (mvset){t, src, dst, 0, 16, KA_NONE};
			return e;
		}
	}
}

/* Removes the emptied set e, shifting back the entries after it that
 * probed past its slot (no tombstones). */
static void set_drop(replay *r, mvset *e)
{
	uint32_t i = (uint32_t)(e - r->sets);
	for (uint32_t j = (i + 1) & r->set_mask; r->sets[j].t != KA_NONE;
	     j = (j + 1) & r->set_mask) {
		const mvset *x = &r->sets[j];
		const uint32_t home = set_home(r, x->t, x->src, x->dst);
		/* x may move to i when i lies cyclically in [home, j) */
		if (((j - home) & r->set_mask) >= ((j - i) & r->set_mask)) {
			r->sets[i] = *x;
			i = j;
		}
	}
	r->sets[i].t = KA_NONE;
	r->sets_used--;
}

static void set_add(replay *r, uint32_t p, uint32_t src, uint32_t dst)
{
	mvset *e = set_find(r, r->ptopic[p], src, dst, 1);
	if (++e->size > e->cap / 4 * 3)
		e->cap *= 2;
	r->next[p] = e->head;
	r->prevl[p] = KA_NONE;
	if (e->head != KA_NONE)
		r->prevl[e->head] = p;
	e->head = p;
	r->mv_src[p] = src;
	r->mv_seq[p] = r->seq++; /* appended to its bucket */
	r->mv_cnt[r->ptopic[p]]++;
}

static void set_remove(replay *r, uint32_t p, uint32_t dst)
{
	mvset *e = set_find(r, r->ptopic[p], r->mv_src[p], dst, 0);
	assert(e && e->size);
	if (r->prevl[p] != KA_NONE)
		r->next[r->prevl[p]] = r->next[p];
	else
		e->head = r->next[p];
	if (r->next[p] != KA_NONE)
		r->prevl[r->next[p]] = r->prevl[p];
	if (--e->size == 0)
		set_drop(r, e);
	r->mv_src[p] = KA_NONE;
	r->mv_cnt[r->ptopic[p]]--;
}

/* The first partition the set (t, src -> dst) iterates, or KA_NONE: by
 * bucket of TopicPartition.hashCode() = 31 * (31 + partition) + topic's
 * hash, then by insertion. */
static uint32_t set_first(replay *r, uint32_t t, uint32_t src, uint32_t dst)
{
	const mvset *e = set_find(r, t, src, dst, 0);
	if (!e)
		return KA_NONE;
	const ka_group *g = r->g;
	uint32_t best = KA_NONE, best_b = 0;
	for (uint32_t p = e->head; p != KA_NONE; p = r->next[p]) {
		assert(r->mv_src[p] == src && r->own[p] == dst);
		uint32_t h = 31u * (31u + (p - g->topic_off[t])) + r->thash[t];
		uint32_t b = (h ^ (h >> 16)) & (e->cap - 1);
		if (best == KA_NONE || b < best_b ||
		    (b == best_b && r->mv_seq[p] < r->mv_seq[best])) {
			best = p;
			best_b = b;
		}
	}
	return best;
}

/* ------------------------------------------------------------ the heaps */

/*
 * Both heaps of a topic class are min-heaps of slots. The subscribers' by
 * (load, member_id): its top is the first subscriber in Kafka's TreeSet.
 * The owners' (members owning some partition of the class) by load,
 * largest first.
 */
static inline uint64_t heap_key(const replay *r, uint32_t s, int owners)
{
	const uint32_t m = r->slot_member[s];
	return owners ? (uint64_t)(UINT32_MAX - r->load[m])
		      : (uint64_t)r->load[m] << 32 | r->id_rank[m];
}

/* Moves the slot at position i of a heap down to its place. */
static void heap_down(replay *r, uint32_t c, int owners, uint32_t i)
{
	uint32_t *h = (owners ? r->own_heap : r->sub_heap) + r->heap_off[c];
	uint32_t *pos = owners ? r->pos_own : r->pos_sub;
	const uint32_t n = owners ? r->own_n[c] : r->heap_off[c + 1] - r->heap_off[c];
	const uint32_t s = h[i];
	const uint64_t k = heap_key(r, s, owners);
	for (;;) {
		uint32_t kid = 2 * i + 1;
		if (kid >= n)
			break;
		if (kid + 1 < n && heap_key(r, h[kid + 1], owners) < heap_key(r, h[kid], owners))
			kid++;
		if (heap_key(r, h[kid], owners) >= k)
			break;
		h[i] = h[kid];
		pos[h[i]] = i;
		i = kid;
	}
	h[i] = s;
	pos[s] = i;
}

/* The slot at position i of a heap changed its key: up or down. */
static void heap_fix(replay *r, uint32_t c, int owners, uint32_t i)
{
	uint32_t *h = (owners ? r->own_heap : r->sub_heap) + r->heap_off[c];
	uint32_t *pos = owners ? r->pos_own : r->pos_sub;
	const uint32_t s = h[i];
	const uint64_t k = heap_key(r, s, owners);
	if (i == 0 || heap_key(r, h[(i - 1) / 2], owners) <= k) {
		heap_down(r, c, owners, i);
		return;
	}
	while (i > 0 && heap_key(r, h[(i - 1) / 2], owners) > k) {
		h[i] = h[(i - 1) / 2];
		pos[h[i]] = i;
		i = (i - 1) / 2;
	}
	h[i] = s;
	pos[s] = i;
}

static void heapify(replay *r, uint32_t c, int owners)
{
	const uint32_t n = owners ? r->own_n[c] : r->heap_off[c + 1] - r->heap_off[c];
	for (uint32_t i = n / 2; i-- > 0;)
		heap_down(r, c, owners, i);
}

static void own_insert(replay *r, uint32_t c, uint32_t s)
{
	const uint32_t i = r->own_n[c]++;
	r->own_heap[r->heap_off[c] + i] = s;
	heap_fix(r, c, 1, i);
}

static void own_erase(replay *r, uint32_t c, uint32_t s)
{
	const uint32_t i = r->pos_own[s], last = --r->own_n[c];
	r->pos_own[s] = KA_NONE;
	if (i == last)
		return;
	const uint32_t x = r->own_heap[r->heap_off[c] + last];
	r->own_heap[r->heap_off[c] + i] = x;
	r->pos_own[x] = i;
	heap_fix(r, c, 1, i);
}

/* The slot of member m in topic class c, which m subscribes to. */
static uint32_t slot_of(const replay *r, uint32_t m, uint32_t c)
{
	const uint32_t k = r->g->member_class[m];
	uint32_t lo = r->mc_off[k], hi = r->mc_off[k + 1];
	while (lo < hi) {
		const uint32_t mid = lo + (hi - lo) / 2;
		if (r->mc_tc[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	assert(lo < r->mc_off[k + 1] && r->mc_tc[lo] == c);
	return r->mslot[m] + (lo - r->mc_off[k]);
}

/* Topic class c is out of balance: an owner with two more than a subscriber. */
static void bad_update(replay *r, uint32_t c)
{
	const uint32_t b = r->heap_off[c];
	const uint8_t now = r->own_n[c] > 0 && r->load[r->slot_member[r->own_heap[b]]] >=
						   r->load[r->slot_member[r->sub_heap[b]]] + 2;
	r->n_bad += now;
	r->n_bad -= r->bad[c];
	r->bad[c] = now;
}

/* Member m's load moved by one (up or down): the histogram, and m in the
 * heaps of its topic classes. */
static void load_step(replay *r, uint32_t m, int up)
{
	const uint32_t v = r->load[m], w = up ? v + 1 : v - 1;
	r->hist[v]--;
	r->hist[w]++;
	r->load[m] = w;
	if (up) {
		r->hi = v == r->hi ? w : r->hi;
		r->lo = v == r->lo && !r->hist[v] ? w : r->lo;
	} else {
		r->lo = v == r->lo ? w : r->lo;
		r->hi = v == r->hi && !r->hist[v] ? w : r->hi;
	}
	for (uint32_t s = r->mslot[m]; s < r->mslot[m + 1]; s++) {
		heap_fix(r, r->slot_tc[s], 0, r->pos_sub[s]);
		if (r->pos_own[s] != KA_NONE)
			heap_fix(r, r->slot_tc[s], 1, r->pos_own[s]);
	}
}

/* processPartitionMovement: q goes to n, its movement record follows. */
static void move(replay *r, uint32_t q, uint32_t n)
{
	const uint32_t o = r->own[q];
	if (r->mv_src[q] != KA_NONE) {
		uint32_t src = r->mv_src[q];
		set_remove(r, q, o);
		if (src != n)
			set_add(r, q, src, n);
	} else {
		set_add(r, q, o, n);
	}
	r->own[q] = n;
	const uint32_t c = r->g->topic_class[r->ptopic[q]];
	const uint32_t so = slot_of(r, o, c), sn = slot_of(r, n, c);
	if (--r->own_cnt[so] == 0)
		own_erase(r, c, so);
	if (r->own_cnt[sn]++ == 0)
		own_insert(r, c, sn);
	load_step(r, o, 0);
	load_step(r, n, 1);
	for (uint32_t s = r->mslot[o]; s < r->mslot[o + 1]; s++)
		bad_update(r, r->slot_tc[s]);
	for (uint32_t s = r->mslot[n]; s < r->mslot[n + 1]; s++)
		bad_update(r, r->slot_tc[s]);
}

/* reassignPartition(partition, newConsumer): when partitions of its topic
 * moved from n to where p came from, one of those goes back instead. */
static void reassign(replay *r, uint32_t p, uint32_t n)
{
	const uint32_t t = r->ptopic[p];
	uint32_t q = p;
	if (r->mv_cnt[t]) {
		uint32_t old = r->mv_src[p] != KA_NONE ? r->mv_src[p] : r->own[p];
		uint32_t back = set_first(r, t, n, old);
		if (back != KA_NONE)
			q = back;
	}
	move(r, q, n);
}

/* ------------------------------------------------------------ the loop */

/*
 * isBalanced(): loads within one of each other, or no partition whose
 * owner has two more than some other subscriber of its topic. Topics of
 * one class share their subscribers, so per class that is: the least
 * loaded subscriber + 1 >= the most loaded owner.
 */
static int is_balanced(const replay *r)
{
	return !r->n_active || r->lo + 1 >= r->hi || !r->n_bad;
}

/* The first member of the TreeSet (load, member_id) subscribing to t. */
static uint32_t least_subscriber(const replay *r, uint32_t t)
{
	const uint32_t c = r->g->topic_class[t];
	assert(r->heap_off[c + 1] > r->heap_off[c]);
	return r->slot_member[r->sub_heap[r->heap_off[c]]];
}

/* performReassignments over list[n]; 1 when something moved. */
static int perform(replay *r, const uint32_t *list, uint32_t n)
{
	const ka_group *g = r->g;
	int performed = 0, modified;
	do {
		modified = 0;
		for (uint32_t i = 0; i < n && !is_balanced(r); i++) {
			if (r->failed)
				return performed;
			const uint32_t p = list[i], t = r->ptopic[p], c = r->own[p],
				       pc = r->prev[p];
			if (pc != KA_NONE && r->load[c] > r->load[pc] + 1) {
				/* Back to the previous generation's owner. Kafka does not
				 * check that it still subscribes (nor that it takes part):
				 * its answer would be invalid, kassign's is not. */
				if (r->fixed[pc] || !ka__subscribes(g, pc, t)) {
					r->failed = 1;
					return performed;
				}
				reassign(r, p, pc);
				performed = modified = 1;
				continue;
			}
			uint32_t n_least = least_subscriber(r, t);
			if (r->load[n_least] + 1 < r->load[c]) {
				reassign(r, p, n_least);
				performed = modified = 1;
			}
		}
	} while (modified);
	return performed;
}

/* getBalanceScore over the members taking part: sum of |a - b| over pairs,
 * from a histogram of loads (hist[P + 2]). */
static int64_t balance_score(const ka_group *g, const uint32_t *load, const uint8_t *fixed,
			     uint32_t *hist)
{
	const uint32_t P = g->n_partitions;
	memset(hist, 0, ((size_t)P + 1) * sizeof *hist);
	int64_t n = 0, score = 0;
	for (uint32_t m = 0; m < g->n_members; m++)
		if (!fixed[m]) {
			hist[load[m]]++;
			n++;
		}
	int64_t k = 0; /* rank of the first member at load v, ascending */
	for (uint32_t v = 0; v <= P; v++) {
		int64_t c = hist[v];
		/* sum over those ranks of v * (2 rank - (n - 1)) */
		score += (int64_t)v * (c * (2 * k - (n - 1)) + c * (c - 1));
		k += c;
	}
	return score;
}

/*
 * The heaps and counts behind is_balanced() and least_subscriber(), for
 * the loads and owners of r->own: each member class's topic classes (with
 * two subscribers or more) in ascending order, a slot per member and such
 * class, both heaps of each topic class, the out-of-balance classes, and
 * the histogram of the loads of the members taking part.
 */
static void heaps_build(replay *r, uint32_t *heap_off, uint32_t *tc_mark, uint32_t *tc_tmp,
			uint32_t *mc_off, uint32_t *mc_tc, uint32_t *mslot, uint32_t *slot_member,
			uint32_t *slot_tc)
{
	const ka_group *g = r->g;
	const uint32_t M = g->n_members, T = g->n_topics, NT = g->n_topic_classes,
		       P = g->n_partitions;
	memset(heap_off, 0, ((size_t)NT + 1) * sizeof *heap_off);
	for (uint32_t t = 0, c = 0; t < T; t++)
		if (g->topic_class[t] == c) {
			const uint32_t subs = g->tsub_off[t + 1] - g->tsub_off[t];
			heap_off[++c] = subs >= 2 ? subs : 0;
		}
	for (uint32_t c = 0; c < NT; c++)
		heap_off[c + 1] += heap_off[c];

	/* the topic classes of each member class, from its first member */
	memset(tc_mark, 0, NT * sizeof *tc_mark);
	mc_off[0] = 0;
	for (uint32_t m = 0, k = 0; m < M; m++) {
		if (g->member_class[m] != k)
			continue;
		uint32_t n = mc_off[k];
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++) {
			const uint32_t c = g->topic_class[g->sub_topic[s]];
			if (heap_off[c + 1] > heap_off[c] && tc_mark[c] != k + 1) {
				tc_mark[c] = k + 1;
				mc_tc[n++] = c;
			}
		}
		ka__sort_u32(mc_tc + mc_off[k], n - mc_off[k], tc_tmp);
		mc_off[++k] = n;
	}
	assert(mc_off[g->n_member_classes] <= heap_off[NT]);
	mslot[0] = 0;
	for (uint32_t m = 0; m < M; m++) {
		const uint32_t k = g->member_class[m];
		mslot[m + 1] = mslot[m];
		for (uint32_t j = mc_off[k]; j < mc_off[k + 1]; j++) {
			const uint32_t s = mslot[m + 1]++;
			slot_member[s] = m;
			slot_tc[s] = mc_tc[j];
			r->own_cnt[s] = 0;
			r->pos_own[s] = KA_NONE;
		}
	}
	assert(mslot[M] == heap_off[NT]);

	/* the subscribers' heaps; own_n counts the fill on the way */
	memset(r->own_n, 0, NT * sizeof *r->own_n);
	for (uint32_t s = 0; s < mslot[M]; s++) {
		const uint32_t c = slot_tc[s];
		r->pos_sub[s] = r->own_n[c]++;
		r->sub_heap[heap_off[c] + r->pos_sub[s]] = s;
	}
	for (uint32_t c = 0; c < NT; c++) {
		assert(r->own_n[c] == heap_off[c + 1] - heap_off[c]);
		heapify(r, c, 0);
		r->own_n[c] = 0;
	}

	/* the owners' heaps */
	for (uint32_t t = 0; t < T; t++) {
		const uint32_t c = g->topic_class[t];
		if (heap_off[c + 1] == heap_off[c])
			continue;
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			r->own_cnt[slot_of(r, r->own[p], c)]++;
	}
	for (uint32_t s = 0; s < mslot[M]; s++)
		if (r->own_cnt[s]) {
			const uint32_t c = slot_tc[s];
			r->pos_own[s] = r->own_n[c];
			r->own_heap[heap_off[c] + r->own_n[c]++] = s;
		}
	r->n_bad = 0;
	for (uint32_t c = 0; c < NT; c++) {
		heapify(r, c, 1);
		r->bad[c] = 0;
		if (heap_off[c + 1] > heap_off[c])
			bad_update(r, c);
	}

	memset(r->hist, 0, ((size_t)P + 2) * sizeof *r->hist);
	r->n_active = 0;
	r->lo = UINT32_MAX;
	r->hi = 0;
	for (uint32_t m = 0; m < M; m++)
		if (!r->fixed[m]) {
			const uint32_t v = r->load[m];
			r->hist[v]++;
			r->n_active++;
			r->lo = v < r->lo ? v : r->lo;
			r->hi = v > r->hi ? v : r->hi;
		}
}

int ka__replay_balance(const ka_group *g, ka__ws *w, const uint32_t *greedy, const uint8_t *kept,
		       int revocation, uint32_t *out)
{
	REPLAY_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	REPLAY_SLABS(X)
#undef X
	memcpy(out, greedy, P * sizeof *out);
	memset(load, 0, M * sizeof *load);
	for (uint32_t p = 0; p < P; p++)
		if (out[p] != KA_NONE)
			load[out[p]]++;
	for (uint32_t i = 0; i < M; i++)
		id_rank[g->id_order[i]] = i;
	for (uint32_t t = 0; t < T; t++) {
		thash[t] = ka__java_string_hash(g->topic_name[t]);
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			ptopic[p] = t;
		mv_cnt[t] = 0;
	}

	/* Members that cannot take part: all their partitions, each of a topic
	 * nobody else subscribes to. */
	for (uint32_t m = 0; m < M; m++) {
		uint32_t most = 0;
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			most += g->topic_off[g->sub_topic[s] + 1] - g->topic_off[g->sub_topic[s]];
		fixed[m] = load[m] == most;
	}
	for (uint32_t p = 0; p < P; p++)
		if (out[p] != KA_NONE && g->tsub_off[ptopic[p] + 1] - g->tsub_off[ptopic[p]] >= 2)
			fixed[out[p]] = 0;

	/* prevAssignment: the claims of members below the highest generation,
	 * the highest of them per partition, the first in HashMap order on a
	 * tie; claims without generation count as -1 when anyone has one. */
	int32_t max_gen = KA_NO_GENERATION;
	for (uint32_t m = 0; m < M; m++)
		max_gen = g->generation[m] > max_gen ? g->generation[m] : max_gen;
	for (uint32_t p = 0; p < P; p++)
		prev[p] = KA_NONE;
	ka__java_hashmap_order(g, visit, bucket_off, scratch);
	for (uint32_t i = 0; i < M; i++) {
		const uint32_t m = visit[i];
		const int32_t gen = g->generation[m];
		if (!(gen < max_gen))
			continue;
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			if (prev[p] == KA_NONE || gen > prev_gen[p]) {
				prev[p] = m;
				prev_gen[p] = gen;
			}
		}
	}

	/* The reassignable partitions (topics with two subscribers or more) by
	 * topic (subscriber count, then name), then partition; and those of
	 * them the greedy dealt. */
	memset(by_count, 0, (M + 2) * sizeof *by_count);
	for (uint32_t t = 0; t < T; t++)
		by_count[g->tsub_off[t + 1] - g->tsub_off[t] + 1]++;
	for (size_t k = 0; k <= M; k++)
		by_count[k + 1] += by_count[k];
	for (uint32_t t = 0; t < T; t++)
		topic_order[by_count[g->tsub_off[t + 1] - g->tsub_off[t]]++] = t;
	uint32_t n_all = 0, n_una = 0;
	int initializing = 1;
	for (uint32_t i = 0; i < T; i++) {
		const uint32_t t = topic_order[i];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			initializing &= !kept[p];
			if (g->tsub_off[t + 1] - g->tsub_off[t] < 2)
				continue;
			all[n_all++] = p;
			if (!kept[p])
				una[n_una++] = p;
		}
	}

	for (uint32_t p = 0; p < P; p++)
		mv_src[p] = KA_NONE;
	for (size_t i = 0; i < NS; i++)
		sets[i].t = KA_NONE;
	replay r = {.g = g,
		    .own = out,
		    .load = load,
		    .id_rank = id_rank,
		    .prev = prev,
		    .ptopic = ptopic,
		    .thash = thash,
		    .fixed = fixed,
		    .mv_src = mv_src,
		    .mv_seq = mv_seq,
		    .mv_cnt = mv_cnt,
		    .next = next,
		    .prevl = prevl,
		    .sets = sets,
		    .set_mask = (uint32_t)(NS - 1),
		    .hist = hist,
		    .heap_off = heap_off,
		    .mc_off = mc_off,
		    .mc_tc = mc_tc,
		    .mslot = mslot,
		    .slot_member = slot_member,
		    .slot_tc = slot_tc,
		    .own_cnt = own_cnt,
		    .pos_sub = pos_sub,
		    .pos_own = pos_own,
		    .sub_heap = sub_heap,
		    .own_heap = own_heap,
		    .own_n = own_n,
		    .bad = bad};
	heaps_build(&r, heap_off, tc_mark, tc_tmp, mc_off, mc_tc, mslot, slot_member, slot_tc);
	const int64_t before = balance_score(g, load, fixed, scratch);
	if (!revocation)
		perform(&r, una, n_una); /* first, moving only what the greedy dealt */
	const int performed = perform(&r, all, n_all);
	if (r.failed)
		return 0;
	if (!initializing && performed && balance_score(g, load, fixed, scratch) >= before)
		memcpy(out, greedy, P * sizeof *out); /* Kafka reverts */
	return 1;
}
