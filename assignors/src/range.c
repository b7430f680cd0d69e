/*
 * range.c - Kafka's RangeAssignor (org.apache.kafka.clients.consumer.RangeAssignor),
 * including the rack-aware mode of KIP-881 (Kafka 3.5+).
 *
 * Per topic, subscribers in MemberInfo order (the model's member order) take
 * consecutive ranges: with n subscribers and P partitions, q = P / n, and the
 * first P % n subscribers take one extra. Example, topic t with 7 partitions
 * and members c1 < c2 < c3: c1 [0,1,2], c2 [3,4], c3 [5,6].
 *
 * Rack-aware mode runs when some topic "needs" it: its subscribers have racks,
 * some of them hold replicas, and not every partition is on the same set of
 * racks. Then, before the plain ranges, partitions are matched to subscribers
 * on their rack without breaking per-topic balance (each subscriber still
 * takes q or q+1, and only P % n take q+1):
 *   - topics with the same subscribers and partition count are co-partitioned:
 *     partition i of all of them goes to the first subscriber (in order) that
 *     is on a rack holding partition i of every one and can still take one;
 *   - a lone topic that needs it: each subscriber in order takes the first
 *     unassigned partitions on its rack, up to what it may still take;
 *   - then plain ranges fill what is left, each subscriber taking the first
 *     unassigned partitions up to its limit.
 * A subscriber without a rack matches every partition (as in Kafka).
 *
 * Kafka scans subscribers x topics for every partition of a co-partitioned
 * group and partitions for every subscriber of a lone topic. Here the
 * eligible subscribers wait in one queue per rack (ineligibility is permanent:
 * counts only grow and the number of extras only shrinks), and partitions in
 * one list per rack with a cursor, so the whole pass is linear in
 * partitions x replicas plus subscribers. The result is the same, decision by
 * decision.
 */
#include <string.h>

#include "internal.h"
#include "sort.h"

/* Partition ranges for one topic with nobody assigned yet: the formula. */
static void plain_ranges(const uint32_t *subs, uint32_t n, uint32_t off, uint32_t P,
			 uint32_t *owner)
{
	uint32_t q = P / n, r = P % n;
	uint32_t p = off;
	uint32_t takers = q ? n : r; /* with q = 0 only the first r take one */
	for (uint32_t i = 0; i < takers; i++) {
		uint32_t len = q + (i < r);
		uint32_t c = subs[i];
		for (uint32_t k = 0; k < len; k++)
			owner[p++] = c;
	}
}

/* ------------------------------------------------------------ rack-aware state */

/* Per-topic balance state of Kafka's TopicAssignmentState. */
typedef struct quota {
	uint32_t q;     /* partitions per subscriber */
	uint32_t extra; /* subscribers that may still take q + 1 */
} quota;

static inline uint32_t may_take(const quota *s, uint32_t count)
{
	uint32_t lim = s->q + (s->extra > 0);
	return lim > count ? lim - count : 0;
}

static inline void took(quota *s, uint32_t *count, uint32_t k)
{
	*count += k;
	if (k && *count > s->q)
		s->extra--;
}

/* Plain ranges over what is still unassigned, after a rack pass. */
static void fill_ranges(const uint32_t *subs, uint32_t n, uint32_t off, uint32_t P, quota s,
			uint32_t *count, uint32_t *owner)
{
	uint32_t cur = 0;
	for (uint32_t i = 0; i < n; i++) {
		while (cur < P && owner[off + cur] != KA_NONE)
			cur++;
		if (cur == P)
			break;
		uint32_t c = subs[i], k = may_take(&s, count[c]), taken = 0;
		while (taken < k && cur < P) {
			if (owner[off + cur] == KA_NONE) {
				owner[off + cur] = c;
				taken++;
			}
			cur++;
		}
		took(&s, &count[c], taken);
	}
}

/* Scratch for the rack-aware passes, carved once from the workspace. */
typedef struct rack_ctx {
	const ka_group *g;
	uint32_t *owner;
	uint32_t *count;      /* [M] per-subscriber count in the current topic */
	uint32_t *count_base; /* [M] counts after a co-partitioned pass */
	uint32_t *rack_local; /* [R] rack -> index among the class's consumer racks */
	uint32_t *stamp_a;    /* [R] */
	uint32_t *stamp_b;    /* [R] */
	uint32_t *hits;       /* [R] racks matched per partition index */
	uint32_t epoch;
	uint32_t *bucket_off; /* [R + 2] */
	uint32_t *bucket_cur; /* [R + 2] */
	uint32_t *bucket;     /* [max(M, max topic replica entries)] */
	const uint16_t *class_racks;
	uint32_t n_class_racks;
} rack_ctx;

static uint32_t next_epoch(rack_ctx *x)
{
	if (++x->epoch == 0) {
		/* Wrapped: stale stamps could now look current. */
		memset(x->stamp_a, 0, x->g->n_racks * sizeof *x->stamp_a);
		memset(x->stamp_b, 0, x->g->n_racks * sizeof *x->stamp_b);
		memset(x->hits, 0, x->g->n_racks * sizeof *x->hits);
		x->epoch = 1;
	}
	return x->epoch;
}

/*
 * Kafka's needsRackAwareAssignment for one topic, given its subscribers'
 * racks (marked in stamp_a with epoch ea): subscribers have racks, some hold
 * replicas, and some partition's replica racks differ from the union of all.
 */
static int topic_needs_racks(rack_ctx *x, uint32_t t, uint32_t ea)
{
	const ka_group *g = x->g;
	uint32_t eb = next_epoch(x), n_union = 0, overlap = 0;
	uint32_t first = g->topic_off[t], end = g->topic_off[t + 1];
	for (uint32_t i = g->prack_off[first]; i < g->prack_off[end]; i++) {
		uint16_t r = g->prack[i];
		if (x->stamp_b[r] != eb) {
			x->stamp_b[r] = eb;
			n_union++;
			overlap |= x->stamp_a[r] == ea;
		}
	}
	if (!overlap)
		return 0;
	for (uint32_t p = first; p < end; p++)
		if (g->prack_off[p + 1] - g->prack_off[p] != n_union)
			return 1;
	return 0;
}

/* Subscribers of a class bucketed by consumer rack (local index), in order;
 * bucket n_class_racks holds those without a rack. */
static void bucket_subscribers(rack_ctx *x, const uint32_t *subs, uint32_t n)
{
	const ka_group *g = x->g;
	uint32_t nb = x->n_class_racks + 1;
	memset(x->bucket_off, 0, (nb + 1) * sizeof *x->bucket_off);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t r = g->member_rack[subs[i]];
		x->bucket_off[(r == KA_NO_RACK ? x->n_class_racks : x->rack_local[r]) + 1]++;
	}
	for (uint32_t b = 0; b < nb; b++)
		x->bucket_off[b + 1] += x->bucket_off[b];
	memcpy(x->bucket_cur, x->bucket_off, nb * sizeof *x->bucket_cur);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t r = g->member_rack[subs[i]];
		x->bucket[x->bucket_cur[r == KA_NO_RACK ? x->n_class_racks : x->rack_local[r]]++] =
			subs[i];
	}
	memcpy(x->bucket_cur, x->bucket_off, nb * sizeof *x->bucket_cur);
}

/* First still-eligible subscriber of bucket b, dropping ineligible ones for good. */
static uint32_t bucket_front(rack_ctx *x, uint32_t b, const quota *s)
{
	while (x->bucket_cur[b] < x->bucket_off[b + 1]) {
		uint32_t c = x->bucket[x->bucket_cur[b]];
		if (may_take(s, x->count[c]))
			return c;
		x->bucket_cur[b]++;
	}
	return KA_NONE;
}

/* Kafka's assignCoPartitionedWithRackMatching over topics[0..k). */
static void copartitioned_pass(rack_ctx *x, const uint32_t *topics, uint32_t k,
			       const uint32_t *subs, uint32_t n, quota *s)
{
	const ka_group *g = x->g;
	uint32_t P = g->topic_off[topics[0] + 1] - g->topic_off[topics[0]];
	bucket_subscribers(x, subs, n);
	for (uint32_t i = 0; i < P; i++) {
		/* Racks holding partition i of every topic in the group. */
		uint32_t e = next_epoch(x);
		for (uint32_t j = 0; j < k; j++) {
			uint32_t p = g->topic_off[topics[j]] + i;
			for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++) {
				uint32_t r = g->prack[a];
				if (x->rack_local[r] == KA_NONE)
					continue;
				if (x->stamp_a[r] != e) {
					x->stamp_a[r] = e;
					x->hits[r] = 0;
				}
				x->hits[r]++;
			}
		}
		uint32_t best = bucket_front(x, x->n_class_racks, s);
		uint32_t p0 = g->topic_off[topics[0]] + i;
		for (uint32_t a = g->prack_off[p0]; a < g->prack_off[p0 + 1]; a++) {
			uint32_t r = g->prack[a];
			if (x->rack_local[r] == KA_NONE || x->hits[r] != k)
				continue;
			uint32_t c = bucket_front(x, x->rack_local[r], s);
			if (c < best)
				best = c;
		}
		if (best == KA_NONE)
			continue;
		for (uint32_t j = 0; j < k; j++)
			x->owner[g->topic_off[topics[j]] + i] = best;
		took(s, &x->count[best], 1);
	}
}

/* Kafka's assignRanges with the racksMatch filter, for one topic. */
static void lone_rack_pass(rack_ctx *x, uint32_t t, const uint32_t *subs, uint32_t n, quota *s)
{
	const ka_group *g = x->g;
	uint32_t off = g->topic_off[t], P = g->topic_off[t + 1] - off;
	uint32_t nb = x->n_class_racks;

	/* Partitions bucketed by the consumer racks holding them, ascending. */
	memset(x->bucket_off, 0, (nb + 1) * sizeof *x->bucket_off);
	for (uint32_t a = g->prack_off[off]; a < g->prack_off[off + P]; a++)
		if (x->rack_local[g->prack[a]] != KA_NONE)
			x->bucket_off[x->rack_local[g->prack[a]] + 1]++;
	for (uint32_t b = 0; b < nb; b++)
		x->bucket_off[b + 1] += x->bucket_off[b];
	memcpy(x->bucket_cur, x->bucket_off, nb * sizeof *x->bucket_cur);
	for (uint32_t i = 0; i < P; i++)
		for (uint32_t a = g->prack_off[off + i]; a < g->prack_off[off + i + 1]; a++)
			if (x->rack_local[g->prack[a]] != KA_NONE)
				x->bucket[x->bucket_cur[x->rack_local[g->prack[a]]]++] = i;
	memcpy(x->bucket_cur, x->bucket_off, nb * sizeof *x->bucket_cur);

	uint32_t left = P, any = 0; /* `any`: cursor for subscribers without a rack */
	for (uint32_t i = 0; i < n && left; i++) {
		uint32_t c = subs[i], k = may_take(s, x->count[c]), taken = 0;
		if (!k)
			continue;
		uint16_t r = g->member_rack[c];
		if (r == KA_NO_RACK) {
			for (; taken < k && any < P; any++)
				if (x->owner[off + any] == KA_NONE) {
					x->owner[off + any] = c;
					taken++;
				}
		} else {
			uint32_t b = x->rack_local[r];
			for (; taken < k && x->bucket_cur[b] < x->bucket_off[b + 1]; x->bucket_cur[b]++) {
				uint32_t p = off + x->bucket[x->bucket_cur[b]];
				if (x->owner[p] == KA_NONE) {
					x->owner[p] = c;
					taken++;
				}
			}
		}
		left -= taken;
		took(s, &x->count[c], taken);
	}
}

/* Topic ids sorted by partition count (stable), for grouping within a
 * class: the one sort's body (sort.h) with the count compared in place. */
#define COUNT_LESS(x, y)                                                                           \
	(g->topic_off[(x) + 1] - g->topic_off[(x)] < g->topic_off[(y) + 1] - g->topic_off[(y)])

static void sort_by_count(const ka_group *g, uint32_t *v, size_t n, uint32_t *tmp)
{
	KA__SORT_BODY(uint32_t, COUNT_LESS);
}

/* ------------------------------------------------------------ workspace */

static int racks_possible(const ka_group *g)
{
	return (g->flags & KA_GROUP_MEMBER_RACKS) && (g->flags & KA_GROUP_PARTITION_RACKS);
}

/* Upper bound of the class rack lists: each class lists at most min(racks, subscribers). */
static size_t class_rack_bound(const ka_group *g)
{
	size_t total = 0;
	uint32_t next = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		if (g->topic_class[t] != next)
			continue;
		next++;
		uint32_t n = g->tsub_off[t + 1] - g->tsub_off[t];
		total += n < g->n_racks ? n : g->n_racks;
	}
	return total;
}

static size_t max_bucket(const ka_group *g)
{
	size_t m = g->n_members;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		uint32_t a = g->topic_off[t], b = g->topic_off[t + 1];
		size_t e = g->prack_off[b] - g->prack_off[a];
		if (e > m)
			m = e;
	}
	return m;
}

/* One slab list for sizing and for carving, so the two cannot disagree. */
#define RANGE_SLABS(X)                                                                             \
	X(count, uint32_t, M)                                                                      \
	X(count_base, uint32_t, M)                                                                 \
	X(rack_local, uint32_t, R)                                                                 \
	X(stamp_a, uint32_t, R)                                                                    \
	X(stamp_b, uint32_t, R)                                                                    \
	X(hits, uint32_t, R)                                                                       \
	X(bucket_off, uint32_t, R + 2)                                                             \
	X(bucket_cur, uint32_t, R + 2)                                                             \
	X(bucket, uint32_t, NB)                                                                    \
	X(needs, uint8_t, T)                                                                       \
	X(class_off, uint32_t, C + 1)                                                              \
	X(class_racks, uint16_t, CR)                                                               \
	X(tclass_off, uint32_t, C + 1)                                                             \
	X(by_class, uint32_t, T)                                                                   \
	X(sort_tmp, uint32_t, T)

#define RANGE_SIZES                                                                                \
	size_t M = g->n_members, R = g->n_racks, T = g->n_topics, C = g->n_topic_classes;         \
	size_t NB = max_bucket(g), CR = class_rack_bound(g)

size_t ka__range_workspace_size(const ka_group *g)
{
	if (!racks_possible(g))
		return 0;
	RANGE_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	RANGE_SLABS(X)
#undef X
	return total;
}

/* Returns 0 when no topic needs rack-aware assignment (nothing written). */
static int assign_rack_aware(const ka_group *g, ka__ws *w, uint32_t *owner)
{
	RANGE_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	RANGE_SLABS(X)
#undef X
	rack_ctx x = {.g = g,
		      .owner = owner,
		      .count = count,
		      .count_base = count_base,
		      .rack_local = rack_local,
		      .stamp_a = stamp_a,
		      .stamp_b = stamp_b,
		      .hits = hits,
		      .bucket_off = bucket_off,
		      .bucket_cur = bucket_cur,
		      .bucket = bucket};
	memset(stamp_a, 0, R * sizeof *stamp_a);
	memset(stamp_b, 0, R * sizeof *stamp_b);
	memset(hits, 0, R * sizeof *hits);
	for (size_t r = 0; r < R; r++)
		rack_local[r] = KA_NONE;

	/* Consumer racks of each class, and each class's topics (classes are
	 * numbered in order of their first topic). */
	memset(tclass_off, 0, (C + 1) * sizeof *tclass_off);
	uint32_t next = 0;
	class_off[0] = 0;
	for (uint32_t t = 0; t < T; t++) {
		uint32_t c = g->topic_class[t];
		tclass_off[c + 1]++;
		if (c != next)
			continue;
		uint32_t e = next_epoch(&x), at = class_off[next];
		for (uint32_t i = g->tsub_off[t]; i < g->tsub_off[t + 1]; i++) {
			uint16_t r = g->member_rack[g->tsub_member[i]];
			if (r != KA_NO_RACK && stamp_a[r] != e) {
				stamp_a[r] = e;
				class_racks[at++] = r;
			}
		}
		class_off[++next] = at;
	}
	for (size_t c = 0; c < C; c++)
		tclass_off[c + 1] += tclass_off[c];
	memcpy(sort_tmp, tclass_off, C * sizeof *sort_tmp);
	for (uint32_t t = 0; t < T; t++)
		by_class[sort_tmp[g->topic_class[t]]++] = t;

	/* Kafka's useRackAware: some topic needs it. */
	int any = 0;
	for (uint32_t t = 0; t < T; t++) {
		uint32_t c = g->topic_class[t];
		needs[t] = 0;
		if (g->tsub_off[t + 1] == g->tsub_off[t] || g->topic_off[t + 1] == g->topic_off[t] ||
		    class_off[c + 1] == class_off[c])
			continue;
		uint32_t e = next_epoch(&x);
		for (uint32_t i = class_off[c]; i < class_off[c + 1]; i++)
			stamp_a[class_racks[i]] = e;
		needs[t] = (uint8_t)topic_needs_racks(&x, t, e);
		any |= needs[t];
	}
	if (!any)
		return 0;

	for (size_t c = 0; c < C; c++) {
		uint32_t *topics = by_class + tclass_off[c];
		uint32_t nt = tclass_off[c + 1] - tclass_off[c];
		const uint32_t *subs = g->tsub_member + g->tsub_off[topics[0]];
		uint32_t n = g->tsub_off[topics[0] + 1] - g->tsub_off[topics[0]];
		if (!n)
			continue;
		if (class_off[c + 1] == class_off[c]) {
			/* No subscriber has a rack: these topics take part in no rack pass. */
			for (uint32_t j = 0; j < nt; j++) {
				uint32_t t = topics[j], off = g->topic_off[t];
				if (g->topic_off[t + 1] > off)
					plain_ranges(subs, n, off, g->topic_off[t + 1] - off, owner);
			}
			continue;
		}
		x.class_racks = class_racks + class_off[c];
		x.n_class_racks = class_off[c + 1] - class_off[c];
		for (uint32_t i = 0; i < x.n_class_racks; i++)
			rack_local[x.class_racks[i]] = i;

		/* Co-partitioned groups: same subscribers, same partition count. */
		sort_by_count(g, topics, nt, sort_tmp);
		for (uint32_t a = 0, b; a < nt; a = b) {
			uint32_t P = g->topic_off[topics[a] + 1] - g->topic_off[topics[a]];
			for (b = a + 1; b < nt; b++)
				if (g->topic_off[topics[b] + 1] - g->topic_off[topics[b]] != P)
					break;
			if (!P)
				continue;
			quota s0 = {P / n, P % n};
			for (uint32_t i = 0; i < n; i++)
				count[subs[i]] = 0;
			if (b - a >= 2)
				copartitioned_pass(&x, topics + a, b - a, subs, n, &s0);
			else if (needs[topics[a]])
				lone_rack_pass(&x, topics[a], subs, n, &s0);
			else {
				plain_ranges(subs, n, g->topic_off[topics[a]], P, owner);
				continue;
			}
			for (uint32_t i = 0; i < n; i++)
				count_base[subs[i]] = count[subs[i]];
			for (uint32_t j = a; j < b; j++) {
				for (uint32_t i = 0; i < n; i++)
					count[subs[i]] = count_base[subs[i]];
				fill_ranges(subs, n, g->topic_off[topics[j]], P, s0, count, owner);
			}
		}
		for (uint32_t i = 0; i < x.n_class_racks; i++)
			rack_local[x.class_racks[i]] = KA_NONE;
	}
	return 1;
}

int ka__range_assign(const ka_group *g, void *ws, size_t ws_size, uint32_t *owner)
{
	if (ws_size < ka__range_workspace_size(g))
		return KA_EWORKSPACE;
	if (racks_possible(g)) {
		for (uint32_t p = 0; p < g->n_partitions; p++)
			owner[p] = KA_NONE;
		ka__ws w;
		ka__ws_init(&w, ws, ws_size);
		if (assign_rack_aware(g, &w, owner))
			return 0;
	}
	/* Plain ranges write every partition of a subscribed topic. */
	const uint32_t *tsub = g->tsub_member;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		uint32_t off = g->topic_off[t], P = g->topic_off[t + 1] - off;
		uint32_t n = g->tsub_off[t + 1] - g->tsub_off[t];
		if (n)
			plain_ranges(tsub + g->tsub_off[t], n, off, P, owner);
		else
			for (uint32_t p = off; p < off + P; p++)
				owner[p] = KA_NONE;
	}
	return 0;
}
