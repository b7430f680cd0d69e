/*
 * uniform.c - Kafka's broker-side UniformAssignor (KIP-848,
 * org.apache.kafka.coordinator.group.assignor.UniformAssignor), both of its
 * builders: UniformHomogeneousAssignmentBuilder (all members subscribe to the
 * same topics; Kafka 4.1+, with the KAFKA-18688 fix) and
 * UniformHeterogeneousAssignmentBuilder (the KAFKA-17710 rewrite).
 *
 * The input is the group's current target assignment: the resolved previous
 * owners (prev_owner[]; a partition claimed by several members goes to the
 * highest generation, nobody on a tie). A claim on a topic the member no
 * longer subscribes to is dropped. The output is the new target assignment;
 * the strategy is not cooperative (KIP-848 reconciles revocations itself).
 * Members are visited in the order the coordinator passes them: the
 * iteration order of the HashMap of member ids that TargetAssignmentBuilder
 * fills (ka__java_hashmap_order: bucket of the spread String.hashCode, the
 * table grown from 16 by doubling, member_id order standing in for insertion
 * order within a bucket). `uniform-sorted` visits them in member_id order
 * (ka_group.id_order), the TreeMap Kafka's unit tests pass. Topics are
 * visited in name order (docs/strategies.md).
 *
 * Homogeneous: N partitions, M members, minQ = N / M and r = N % M members
 * may hold minQ + 1. Each member in order keeps its partitions (topic, then
 * partition order) up to its quota, minQ + 1 while extra slots remain; a
 * member left short gives its extra slot up unless the members still to come
 * are no more than the slots left. Revoked partitions go after the
 * unassigned ones, in order, and members short of their quota take the next
 * ones from that list in order. Example, t0 with 5 partitions, A owns
 * 0,1,2, B owns 3, C joins: minQ 1, r 2; A keeps 0,1 (quota 2) and revokes 2;
 * B keeps 3 and gives up its extra slot (2 members to come, 1 slot left);
 * C keeps the last slot: quota 2, takes 4 (unowned) and 2.
 *
 * Heterogeneous: keep every valid claim; then, topic by topic (partitions per
 * subscriber descending, subscribers ascending, name), deal the unassigned
 * partitions to the topic's least loaded subscribers, water-filling levels in
 * (load, member) order; then balance: topic by topic, move the highest
 * partition of the most loaded subscriber to the least loaded one until their
 * loads differ by at most one, repeating over the topics until a whole pass
 * moves nothing. Kafka stops after 16 passes; kassign goes on until the pass
 * that moves nothing, so the result is the same wherever Kafka converges and
 * balanced where it would not.
 *
 * Cost: homogeneous O(P + claims); heterogeneous O(P + S) per balancing pass
 * (S subscriptions), with counting sorts by load and no per-partition heap.
 */
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ sizing */

static int id_order_is_identity(const ka_group *g)
{
	for (uint32_t i = 0; i < g->n_members; i++)
		if (g->id_order[i] != i)
			return 0;
	return 1;
}

static uint32_t max_topic_partitions(const ka_group *g)
{
	uint32_t mx = 0;
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (g->topic_off[t + 1] - g->topic_off[t] > mx)
			mx = g->topic_off[t + 1] - g->topic_off[t];
	return mx;
}

static int homogeneous(const ka_group *g)
{
	return (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
}

/* One slab list for sizing and for carving. Homogeneous groups use the
 * first three, heterogeneous ones the rest. */
#define UNIFORM_SLABS(X)                                                                           \
	X(list, uint32_t, HP)                                                                      \
	X(unf_m, uint32_t, HM)                                                                     \
	X(unf_q, uint32_t, HM)                                                                     \
	X(rank, uint32_t, XM)                                                                      \
	X(size, uint32_t, XM)                                                                      \
	X(stamp, uint32_t, XM)                                                                     \
	X(srt, uint32_t, XM)                                                                       \
	X(keys, uint64_t, XM)                                                                      \
	X(keys_tmp, uint64_t, XM)                                                                  \
	X(bucket, uint32_t, XB)                                                                    \
	X(pstart, uint32_t, XM)                                                                    \
	X(pend, uint32_t, XM)                                                                      \
	X(tpart, uint32_t, XPT)                                                                    \
	X(unassigned, uint32_t, XT)                                                                \
	X(order, uint32_t, XT)                                                                     \
	X(order_tmp, uint32_t, XT)                                                                 \
	X(ratio, double, XT)                                                                       \
	X(sub_rank, uint32_t, XS)                                                                  \
	X(sub_cur, uint32_t, XT)                                                                   \
	X(visit, uint32_t, CM)                                                                     \
	X(hbucket, uint32_t, CB)                                                                   \
	X(htmp, uint32_t, CM)

/* coord: members in the coordinator's order (a HashMap's), which needs the
 * hash-map slabs and, unless homogeneous, the subscriber lists by rank. */
#define UNIFORM_SIZES(coord)                                                                       \
	int hom = homogeneous(g);                                                                  \
	int ident = hom || (!(coord) && id_order_is_identity(g));                                  \
	size_t M = g->n_members, T = g->n_topics;                                                  \
	size_t HP = hom ? g->n_partitions : 0, HM = hom ? M : 0;                                   \
	size_t XM = hom ? 0 : M, XT = hom ? 0 : T, XB = hom ? 0 : M + 2;                           \
	size_t XPT = hom ? 0 : max_topic_partitions(g);                                            \
	size_t XS = ident ? 0 : g->tsub_off[T];                                                    \
	size_t CM = (coord) ? M : 0, CB = (coord) ? ka__java_hashmap_capacity(M) + 1 : 0;          \
	(void)XS;                                                                                  \
	(void)CB

static size_t workspace_size(const ka_group *g, int coord)
{
	UNIFORM_SIZES(coord);
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	UNIFORM_SLABS(X)
#undef X
	return total;
}

size_t ka__uniform_workspace_size(const ka_group *g)
{
	return workspace_size(g, 1);
}

size_t ka__uniform_sorted_workspace_size(const ka_group *g)
{
	return workspace_size(g, 0);
}

/* ------------------------------------------------------------ homogeneous */

/* The topic holding p, from a cursor that only moves forward. */
static inline uint32_t topic_at(const ka_group *g, uint32_t p, uint32_t *t)
{
	while (g->topic_off[*t + 1] <= p)
		(*t)++;
	return *t;
}

static void assign_homogeneous(const ka_group *g, const uint32_t *ord, uint32_t *list,
			       uint32_t *unf_m, uint32_t *unf_q, uint32_t *owner)
{
	const uint32_t M = g->n_members, T = g->n_topics;
	uint64_t N = 0;
	uint32_t n = 0;

	/* Unowned partitions of subscribed topics first, in order. In a
	 * homogeneous group a resolved owner subscribes to every such topic. */
	for (uint32_t t = 0; t < T; t++) {
		uint32_t a = g->topic_off[t], b = g->topic_off[t + 1];
		if (g->tsub_off[t + 1] == g->tsub_off[t]) {
			for (uint32_t p = a; p < b; p++)
				owner[p] = KA_NONE;
			continue;
		}
		N += b - a;
		for (uint32_t p = a; p < b; p++) {
			owner[p] = KA_NONE;
			if (g->prev_owner[p] == KA_NONE)
				list[n++] = p;
		}
	}
	if (!M || !N)
		return;
	/* Claims on topics nobody subscribes need checking only if such topics
	 * have partitions. */
	const int check = N != g->n_partitions;
	uint32_t minq = (uint32_t)(N / M), extra = (uint32_t)(N % M), n_unf = 0;

	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = ord[i];
		uint32_t quota = minq, has = extra > 0;
		quota += has;
		uint32_t t = 0;
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			if (g->prev_owner[p] != m)
				continue;
			if (check) {
				uint32_t tp = topic_at(g, p, &t);
				if (g->tsub_off[tp + 1] == g->tsub_off[tp])
					continue;
			}
			if (quota) {
				owner[p] = m;
				quota--;
			} else {
				list[n++] = p;
			}
		}
		/* Short of a full quota: leave the extra slot to a later member
		 * unless every later member must take one (KAFKA-18688). */
		if (quota && has && M - i > extra) {
			quota--;
			has = 0;
		}
		if (quota) {
			unf_m[n_unf] = m;
			unf_q[n_unf++] = quota;
		}
		extra -= has;
	}
	uint32_t at = 0;
	for (uint32_t u = 0; u < n_unf && at < n; u++) {
		uint32_t m = unf_m[u], q = unf_q[u];
		for (uint32_t k = 0; k < q && at < n; k++)
			owner[list[at++]] = m;
	}
	assert(at == n);
}

/* ------------------------------------------------------------ heterogeneous */

typedef struct het {
	const ka_group *g;
	uint32_t *owner; /* ranks while assigning */
	uint32_t *size;  /* [M] load by rank */
	uint32_t *srt;   /* [M] subscribers sorted by (load, rank) */
	uint64_t *keys, *keys_tmp;
	uint32_t *bucket; /* [M + 2] */
	uint32_t *pstart, *pend, *tpart;
	const uint32_t *soff, *sub; /* topic -> subscriber ranks, ascending */
	uint32_t M;
} het;

/* Bottom-up merge sort of 64-bit keys. */
static void sort_u64(uint64_t *v, uint64_t *tmp, uint32_t n)
{
	uint64_t *src = v, *dst = tmp;
	for (uint32_t w = 1; w < n; w *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * w) {
			uint32_t mid = lo + w < n ? lo + w : n, hi = mid + w < n ? mid + w : n;
			uint32_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi)
				dst[o++] = src[j] < src[i] ? src[j++] : src[i++];
			while (i < mid)
				dst[o++] = src[i++];
			while (j < hi)
				dst[o++] = src[j++];
		}
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, (size_t)n * sizeof *v);
}

/*
 * Sorts the subscribers subs[0..n) (ascending ranks) whose load is below
 * `below` by (load, rank) into h->srt; returns how many. lo is their least
 * load. A counting sort when the loads span at most M + 1 values.
 */
static uint32_t sort_members(het *h, const uint32_t *subs, uint32_t n, uint32_t lo, uint64_t below)
{
	uint64_t hi = 0;
	for (uint32_t i = 0; i < n; i++)
		if (h->size[subs[i]] < below && h->size[subs[i]] > hi)
			hi = h->size[subs[i]];
	uint64_t span = hi - lo + 1;
	uint32_t c = 0;
	if (span <= (uint64_t)h->M + 1) {
		/* h->bucket is all zero between uses. */
		uint32_t *b = h->bucket;
		for (uint32_t i = 0; i < n; i++)
			if (h->size[subs[i]] < below)
				b[h->size[subs[i]] - lo + 1]++;
		for (uint64_t k = 0; k < span; k++)
			b[k + 1] += b[k];
		for (uint32_t i = 0; i < n; i++)
			if (h->size[subs[i]] < below)
				h->srt[b[h->size[subs[i]] - lo]++] = subs[i];
		c = b[span];
		memset(b, 0, (size_t)(span + 1) * sizeof *b);
		return c;
	}
	for (uint32_t i = 0; i < n; i++)
		if (h->size[subs[i]] < below)
			h->keys[c++] = (uint64_t)h->size[subs[i]] << 32 | subs[i];
	sort_u64(h->keys, h->keys_tmp, c);
	for (uint32_t i = 0; i < c; i++)
		h->srt[i] = (uint32_t)h->keys[i];
	return c;
}

/* Kafka's assignRemainingPartitions for one topic: its k unassigned
 * partitions, ascending, each to the next member of the least loaded range
 * (MemberAssignmentBalancer.nextLeastLoadedMember). */
static void fill_topic(het *h, uint32_t t, uint32_t k)
{
	const ka_group *g = h->g;
	const uint32_t *subs = h->sub + h->soff[t];
	uint32_t n = h->soff[t + 1] - h->soff[t];
	uint32_t *b = h->bucket, lo = UINT32_MAX, hi = 0, c = 0;
	uint32_t at_lo = 0, at_lo1 = 0; /* members loaded lo, lo + 1 */
	/* Loads are close together and unpredictable: no branches here. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = h->size[subs[i]];
		uint32_t lt = s < lo, adj = s + 1 == lo;
		at_lo1 = lt ? (adj ? at_lo : 0) : at_lo1 + (s == lo + 1);
		at_lo = lt ? 1 : at_lo + (s == lo);
		lo = lt ? s : lo;
		hi = s > hi ? s : hi;
	}
	if (at_lo >= k) {
		/* Level lo alone: the first k members loaded lo, by rank. */
		for (uint32_t i = 0; c < k; i++) {
			h->srt[c] = subs[i];
			c += h->size[subs[i]] == lo;
		}
	} else if (2 * (uint64_t)at_lo + at_lo1 >= k) {
		/* Levels lo and lo + 1; those at lo + 1 wait in pstart (free
		 * until balancing). */
		uint32_t c1 = 0, *up = h->pstart;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t s = h->size[subs[i]], x = subs[i];
			h->srt[c] = x;
			up[c1] = x;
			c += s == lo;
			c1 += s == lo + 1;
		}
		memcpy(h->srt + c, up, (size_t)c1 * sizeof *up);
		c += c1;
	} else if (hi <= h->M) {
		/* A histogram of the loads (buckets are all zero between uses)
		 * gives the last level the k partitions reach: level L serves
		 * every member loaded L or less. Only members up to it are
		 * sorted. */
		for (uint32_t i = 0; i < n; i++)
			b[h->size[subs[i]]]++;
		uint64_t served = 0;
		uint32_t cum = 0, cut = hi;
		for (uint32_t l = lo; l <= hi; l++) {
			cum += b[l];
			served += cum;
			if (served >= k) {
				cut = l;
				break;
			}
		}
		for (uint32_t l = lo; l <= cut; l++) {
			uint32_t x = b[l];
			b[l] = c;
			c += x;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t s = h->size[subs[i]];
			if (s <= cut)
				h->srt[b[s]++] = subs[i];
		}
		memset(b + lo, 0, (size_t)(hi - lo + 1) * sizeof *b);
	} else {
		/* With k partitions the level never passes lo + k - 1. */
		c = sort_members(h, subs, n, lo, (uint64_t)lo + k);
	}
	int64_t level = (int64_t)lo - 1;
	uint32_t end = 0, next = 0;
	for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
		if (h->owner[p] != KA_NONE)
			continue;
		if (next >= end) {
			level++;
			while (end < c && h->size[h->srt[end]] == level)
				end++;
			next = 0;
		}
		uint32_t r = h->srt[next++];
		h->owner[p] = r;
		h->size[r]++;
	}
}

/* Kafka's MemberAssignmentBalancer, both ends, over h->srt[0..n). */
typedef struct balancer {
	int64_t n;
	int64_t least_end, least_next, least_count;
	int64_t most_start, most_end, most_next, most_count;
} balancer;

static uint32_t next_least(het *h, balancer *b)
{
	if (b->least_next >= b->least_end) {
		b->least_count++;
		while (b->least_end < b->n && h->size[h->srt[b->least_end]] == b->least_count)
			b->least_end++;
		b->least_next = 0;
	}
	return h->srt[b->least_next++];
}

static uint32_t next_most(het *h, balancer *b)
{
	if (b->most_next < b->most_start) {
		if (b->most_end <= b->most_start && b->most_start > 0)
			b->most_count = h->size[h->srt[b->most_start - 1]];
		else
			b->most_count--;
		while (b->most_start > 0 && h->size[h->srt[b->most_start - 1]] == b->most_count)
			b->most_start--;
		b->most_next = b->most_end - 1;
	}
	if (b->most_next < 0)
		return KA_NONE;
	return h->srt[b->most_next--];
}

static void exclude_most(het *h, balancer *b)
{
	uint32_t r = h->srt[b->most_next + 1];
	h->srt[b->most_next + 1] = h->srt[b->most_end - 1];
	h->srt[b->most_end - 1] = r;
	b->most_end--;
}

static int balanced(const balancer *b)
{
	return b->most_count - b->least_count <= 1;
}

/* Kafka's balanceTopic: returns the number of partitions moved. */
static uint32_t balance_topic(het *h, uint32_t t)
{
	const ka_group *g = h->g;
	const uint32_t *subs = h->sub + h->soff[t];
	uint32_t n = h->soff[t + 1] - h->soff[t];
	uint32_t lo = UINT32_MAX, hi = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = h->size[subs[i]];
		lo = s < lo ? s : lo;
		hi = s > hi ? s : hi;
	}
	if (hi - lo <= 1)
		return 0;
	uint32_t c = sort_members(h, subs, n, lo, UINT64_MAX);
	assert(c == n);
	balancer b = {.n = c,
		      .least_end = 0,
		      .least_next = 0,
		      .least_count = (int64_t)lo - 1,
		      .most_start = c,
		      .most_end = c,
		      .most_next = (int64_t)c - 1,
		      .most_count = (int64_t)hi + 1};

	/* Each subscriber's partitions of the topic, ascending: [pstart, pend). */
	uint32_t a = g->topic_off[t], z = g->topic_off[t + 1];
	for (uint32_t i = 0; i < n; i++)
		h->pend[subs[i]] = 0;
	for (uint32_t p = a; p < z; p++)
		h->pend[h->owner[p]]++;
	uint32_t pos = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t r = subs[i];
		h->pstart[r] = pos;
		pos += h->pend[r];
		h->pend[r] = h->pstart[r];
	}
	for (uint32_t p = a; p < z; p++)
		h->tpart[h->pend[h->owner[p]]++] = p;

	uint32_t moved = 0;
	while (!balanced(&b)) {
		uint32_t most;
		for (;;) {
			most = next_most(h, &b);
			if (most == KA_NONE || h->pend[most] > h->pstart[most])
				break;
			exclude_most(h, &b);
		}
		if (most == KA_NONE)
			break;
		uint32_t p = h->tpart[--h->pend[most]];
		uint32_t least = next_least(h, &b);
		if (balanced(&b))
			break;
		h->size[h->owner[p]]--;
		h->owner[p] = least;
		h->size[least]++;
		moved++;
	}
	return moved;
}

/* Kafka's topic order: partitions per subscriber descending, then
 * subscribers ascending, then topic (kassign: by name, Kafka: by id). */
static int topic_before(const ka_group *g, const double *ratio, uint32_t a, uint32_t b)
{
	if (ratio[a] != ratio[b])
		return ratio[a] > ratio[b];
	uint32_t na = g->tsub_off[a + 1] - g->tsub_off[a], nb = g->tsub_off[b + 1] - g->tsub_off[b];
	if (na != nb)
		return na < nb;
	return a < b;
}

static void sort_topics(const ka_group *g, const double *ratio, uint32_t *v, uint32_t *tmp,
			uint32_t n)
{
	uint32_t *src = v, *dst = tmp;
	for (uint32_t w = 1; w < n; w *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * w) {
			uint32_t mid = lo + w < n ? lo + w : n, hi = mid + w < n ? mid + w : n;
			uint32_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi)
				dst[o++] =
				    topic_before(g, ratio, src[j], src[i]) ? src[j++] : src[i++];
			while (i < mid)
				dst[o++] = src[i++];
			while (j < hi)
				dst[o++] = src[j++];
		}
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, (size_t)n * sizeof *v);
}

/* ord: the members in the order Kafka's builders see them. */
static int assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner, int coord)
{
	if (ws_size < workspace_size(g, coord))
		return KA_EWORKSPACE;
	ka__ws w;
	ka__ws_init(&w, ws, ws_size);
	UNIFORM_SIZES(coord);
#define X(name, type, n) type *name = ka__ws_take(&w, (n), sizeof(type));
	UNIFORM_SLABS(X)
#undef X
	const uint32_t *ord = g->id_order;
	if (coord) {
		ka__java_hashmap_order(g, visit, hbucket, htmp);
		ord = visit;
	}
	if (hom) {
		assign_homogeneous(g, ord, list, unf_m, unf_q, owner);
		return 0;
	}

	/* Members by rank in that order; subscribers by rank. */
	het h = {.g = g,
		 .owner = owner,
		 .size = size,
		 .srt = srt,
		 .keys = keys,
		 .keys_tmp = keys_tmp,
		 .bucket = bucket,
		 .pstart = pstart,
		 .pend = pend,
		 .tpart = tpart,
		 .soff = g->tsub_off,
		 .sub = g->tsub_member,
		 .M = (uint32_t)M};
	if (!ident) {
		for (uint32_t r = 0; r < M; r++)
			rank[ord[r]] = r;
		memcpy(sub_cur, g->tsub_off, T * sizeof *sub_cur);
		for (uint32_t r = 0; r < M; r++) {
			uint32_t m = ord[r];
			for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
				sub_rank[sub_cur[g->sub_topic[s]]++] = r;
		}
		h.sub = sub_rank;
	} else {
		for (uint32_t r = 0; r < M; r++)
			rank[r] = r;
	}

	/* Keep every claim on a subscribed topic (maybeRevokePartitions). */
	memset(size, 0, M * sizeof *size);
	memset(stamp, 0, M * sizeof *stamp);
	memset(bucket, 0, (M + 2) * sizeof *bucket);
	uint32_t n_topics = 0;
	for (uint32_t t = 0; t < T; t++) {
		uint32_t a = g->topic_off[t], z = g->topic_off[t + 1];
		uint32_t s0 = g->tsub_off[t], s1 = g->tsub_off[t + 1];
		unassigned[t] = 0;
		if (s0 == s1) {
			for (uint32_t p = a; p < z; p++)
				owner[p] = KA_NONE;
			continue;
		}
		int stamped = 0; /* subscribers marked, at the first claim */
		for (uint32_t p = a; p < z; p++) {
			uint32_t o = g->prev_owner[p];
			if (o != KA_NONE && !stamped) {
				for (uint32_t i = s0; i < s1; i++)
					stamp[g->tsub_member[i]] = t + 1;
				stamped = 1;
			}
			if (o != KA_NONE && stamp[o] == t + 1) {
				owner[p] = rank[o];
				size[rank[o]]++;
			} else {
				owner[p] = KA_NONE;
				unassigned[t]++;
			}
		}
		ratio[t] = (double)(z - a) / (double)(s1 - s0);
		order[n_topics++] = t;
	}
	sort_topics(g, ratio, order, order_tmp, n_topics);

	for (uint32_t i = 0; i < n_topics; i++)
		if (unassigned[order[i]])
			fill_topic(&h, order[i], unassigned[order[i]]);

	/* Balance: topics with two or more subscribers, in the same order,
	 * until a whole pass over them moves nothing (Kafka: at most 16). */
	uint32_t nb = 0;
	for (uint32_t i = 0; i < n_topics; i++)
		if (g->tsub_off[order[i] + 1] - g->tsub_off[order[i]] >= 2)
			order[nb++] = order[i];
	int64_t last = -1;
	for (int done = nb == 0; !done;) {
		for (uint32_t i = 0; i < nb; i++) {
			if ((int64_t)i == last) {
				done = 1;
				break;
			}
			if (balance_topic(&h, order[i]) > 0 || last == -1)
				last = i;
		}
	}

	if (!ident)
		for (uint32_t p = 0; p < g->n_partitions; p++)
			if (owner[p] != KA_NONE)
				owner[p] = ord[owner[p]];
	return 0;
}

int ka__uniform_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	return assign(g, ws, ws_size, owner, 1);
}

int ka__uniform_sorted_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	return assign(g, ws, ws_size, owner, 0);
}
