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
 * java.util.HashSet yields. It is the end of Kafka's answer (sticky.c), so
 * it is replayed here move for move, at every size.
 *
 * Kafka's loop is quadratic, and so is this one: a balance check is linear
 * and runs again after every move. Each move takes a partition from a member
 * to one with at least two fewer, so the sum of squared loads falls at every
 * move and the loop ends.
 */
#include "internal.h"

#include <string.h>

/* A live HashSet<TopicPartition>: the partitions of topic t that moved src
 * -> dst (dst is always their owner now). An emptied set leaves the table,
 * as Kafka drops it from its map, so at most P sets are live. */
typedef struct mvset {
	uint32_t t, src, dst; /* t == KA_NONE: a free slot */
	uint32_t size, cap;
} mvset;

static size_t set_slots(size_t P)
{
	size_t n = 64;
	while (n < 2 * P + 64)
		n *= 2;
	return n;
}

#define REPLAY_SIZES                                                                               \
	const size_t M = g->n_members, P = g->n_partitions, T = g->n_topics, NS = set_slots(P),    \
		     HC = ka__java_hashmap_capacity(M)

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
	X(scratch, uint32_t, (M > P ? M : P) + 2)

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
	uint32_t *mv_src, *mv_seq, *mv_cnt;
	mvset *sets;
	uint32_t set_mask, sets_used, seq;
	int known, balanced; /* isBalanced(), cached until the next move */
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
			*e = (mvset){t, src, dst, 0, 16};
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
	r->mv_src[p] = src;
	r->mv_seq[p] = r->seq++; /* appended to its bucket */
	r->mv_cnt[r->ptopic[p]]++;
}

static void set_remove(replay *r, uint32_t p, uint32_t dst)
{
	mvset *e = set_find(r, r->ptopic[p], r->mv_src[p], dst, 0);
	assert(e && e->size);
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
	if (!e || !e->size)
		return KA_NONE;
	const ka_group *g = r->g;
	uint32_t best = KA_NONE, best_b = 0;
	for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
		if (r->mv_src[p] != src || r->own[p] != dst)
			continue;
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
	r->load[o]--;
	r->load[n]++;
	r->known = 0;
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
 * owner has two more than some other subscriber of its topic. Per topic
 * that is: least-loaded subscriber + 1 >= most-loaded owner.
 */
static int is_balanced(replay *r)
{
	if (r->known)
		return r->balanced;
	const ka_group *g = r->g;
	uint32_t mn = UINT32_MAX, mx = 0;
	for (uint32_t m = 0; m < g->n_members; m++)
		if (!r->fixed[m]) {
			mn = r->load[m] < mn ? r->load[m] : mn;
			mx = r->load[m] > mx ? r->load[m] : mx;
		}
	int bal = 1;
	if (mn != UINT32_MAX && mn + 1 < mx) {
		for (uint32_t t = 0; bal && t < g->n_topics; t++) {
			if (g->tsub_off[t + 1] == g->tsub_off[t])
				continue; /* nobody's: no owners either */
			uint32_t least = UINT32_MAX, most = 0;
			for (uint32_t k = g->tsub_off[t]; k < g->tsub_off[t + 1]; k++)
				if (r->load[g->tsub_member[k]] < least)
					least = r->load[g->tsub_member[k]];
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
				if (r->load[r->own[p]] > most)
					most = r->load[r->own[p]];
			bal = least + 1 >= most;
		}
	}
	r->known = 1;
	r->balanced = bal;
	return bal;
}

/* The first member of the TreeSet (load, member_id) subscribing to t. */
static uint32_t least_subscriber(replay *r, uint32_t t)
{
	const ka_group *g = r->g;
	uint32_t best = KA_NONE;
	for (uint32_t k = g->tsub_off[t]; k < g->tsub_off[t + 1]; k++) {
		uint32_t m = g->tsub_member[k];
		assert(!r->fixed[m]); /* a reassignable topic has no fixed subscriber */
		if (best == KA_NONE || r->load[m] < r->load[best] ||
		    (r->load[m] == r->load[best] && r->id_rank[m] < r->id_rank[best]))
			best = m;
	}
	return best;
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
		    .sets = sets,
		    .set_mask = (uint32_t)(NS - 1)};
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
