/*
 * sticky_groups.c - how the sticky family sees a group: Kafka's rule for
 * whether racks count at all, members in classes of interchangeable members
 * and partitions in groups of interchangeable partitions, and the bounds
 * (`dims`) that size a call's workspace before any of it is built.
 *
 * Racks. Kafka decides once for the whole group whether to align racks
 * (RackInfo): yes iff some member has a rack, one of those racks holds a
 * replica of a subscribed partition, and the subscribed partitions do not
 * all have the same replica racks. If not, nothing below about racks
 * happens. If so, a member "mismatches" a partition when it has a rack and
 * no replica is on it (a member without rack never mismatches), and a
 * mismatched claim is dropped before anything else: the partition is
 * revoked, and may come back only through the dealing.
 *
 * Classes and groups. Members of one subscription class can take the same
 * partitions; rack-aware, a (subscription class, rack) pair. Partitions of
 * one topic class (topics with the same subscribers) are alike for balance;
 * rack-aware, those whose replicas sit on the same members' racks are alike
 * for locality too: a (topic class, members' racks) pair. The greedy
 * (sticky_general.c), the certificate (certify.c) and the optimum
 * (optimum_flow.c) work on these few nodes instead of on members and
 * partitions: 3 groups instead of 3,000 on G-1M with racks.
 */
#include "sticky.h"

/* Numbers the members' racks 1, 2, ... in bit[] (0: no member there), up
 * to 64 of them; returns how many. */
static uint32_t member_rack_bits(const ka_group *g, uint8_t *bit)
{
	uint32_t n = 0;
	memset(bit, 0, g->n_racks);
	for (uint32_t m = 0; m < g->n_members; m++) {
		const uint32_t r = g->member_rack[m];
		if (r != KA_NO_RACK && !bit[r])
			bit[r] = (uint8_t)(++n <= 64 ? n : 1);
	}
	return n;
}

/*
 * Whether every partition of p0..p1 has the k racks of partition ref: the
 * usual case, checked as "k racks each, and the rack list periodic with
 * period k" in branch-free loops that the compiler vectorizes.
 */
static int topic_like(const ka_group *g, uint32_t p0, uint32_t p1, uint32_t ref, uint32_t k)
{
	const uint32_t *off = g->prack_off;
	const uint16_t *rk = g->prack;
	uint32_t bad = 0;
	for (uint32_t p = p0; p < p1; p++)
		bad |= (off[p + 1] - off[p]) ^ k;
	if (bad)
		return 0;
	const uint16_t *x = rk + off[p0], *first = rk + off[ref];
	const size_t n = (size_t)off[p1] - off[p0];
	uint16_t diff = 0;
	for (size_t i = 0; i < k; i++)
		diff |= (uint16_t)(x[i] ^ first[i]);
	for (size_t i = k; i < n; i++)
		diff |= (uint16_t)(x[i] ^ x[i - k]);
	return !diff;
}

/*
 * Kafka's rule (RackInfo), decided once for the whole group: rack-aware iff
 * some member has a rack, one of those racks holds a replica of a
 * partition of a subscribed topic, and those partitions do not all have
 * the same replica racks (their union; an empty set differs from a
 * non-empty union). Two different sets cannot both be the union, so
 * comparing each partition with the first one is enough, and the scan stops
 * once a difference and a member's rack have both been seen:
 * O(partitions x replicas + members).
 */
static int rack_aware(const ka_group *g, uint32_t *n_member_racks)
{
	*n_member_racks = 0;
	if (!(g->flags & KA_GROUP_MEMBER_RACKS) || !(g->flags & KA_GROUP_PARTITION_RACKS))
		return 0;
	rack_bits bits, *mr = &bits;
	memset(mr->w, 0, ((size_t)g->n_racks + 63) / 64 * sizeof *mr->w);
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint32_t r = g->member_rack[m];
		if (r == KA_NO_RACK || rack_bits_has(mr, r))
			continue;
		mr->w[r >> 6] |= (uint64_t)1 << (r & 63);
		(*n_member_racks)++;
	}
	const uint32_t *off = g->prack_off;
	const uint16_t *rk = g->prack;
	uint32_t ref = KA_NONE, k = 0;
	int differs = 0, meets = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		const uint32_t p0 = g->topic_off[t], p1 = g->topic_off[t + 1];
		if (g->tsub_off[t + 1] == g->tsub_off[t] || p0 == p1)
			continue;
		if (ref == KA_NONE) {
			ref = p0;
			k = off[p0 + 1] - off[p0];
			for (uint32_t a = off[p0]; !meets && a < off[p0 + 1]; a++)
				meets = rack_bits_has(mr, rk[a]);
		}
		if (!differs && topic_like(g, p0, p1, ref, k))
			continue; /* nothing new: same sets as ref, meets as ref */
		for (uint32_t p = p0; p < p1; p++) {
			int same = !differs && off[p + 1] - off[p] == k;
			for (uint32_t i = 0; same && i < k; i++)
				same = rk[off[p] + i] == rk[off[ref] + i];
			differs |= !same;
			for (uint32_t a = off[p]; !meets && !same && a < off[p + 1]; a++)
				meets = rack_bits_has(mr, rk[a]);
			if (differs && meets)
				return 1;
		}
	}
	return 0;
}

/* Runs of valid claims: (member, topic) pairs with at least one. */
static size_t claim_runs(const ka_group *g)
{
	size_t runs = 0;
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint32_t t = 0, last = KA_NONE;
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			topic_from(g, p, &t);
			if (g->prev_owner[p] == m && t != last && ka__subscribes(g, m, t)) {
				runs++;
				last = t;
			}
		}
	}
	return runs;
}

/* Distinct racks of members (the locality optimum counts them itself). */
static uint32_t count_member_racks(const ka_group *g)
{
	rack_bits bits, *mr = &bits;
	uint32_t n = 0;
	memset(mr->w, 0, ((size_t)g->n_racks + 63) / 64 * sizeof *mr->w);
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint32_t r = g->member_rack[m];
		if (r == KA_NO_RACK || rack_bits_has(mr, r))
			continue;
		mr->w[r >> 6] |= (uint64_t)1 << (r & 63);
		n++;
	}
	return n;
}

/* Sizes for a group under one of the rack modes above. */
void ka__dims_compute(const ka_group *g, dims *d, int with_racks)
{
	d->member_racks = 0;
	if (with_racks == RACKS_FORCED) {
		d->racks =
		    (g->flags & KA_GROUP_MEMBER_RACKS) && (g->flags & KA_GROUP_PARTITION_RACKS);
		if (d->racks)
			d->member_racks = count_member_racks(g);
	} else {
		d->racks = with_racks ? rack_aware(g, &d->member_racks) : 0;
	}
	d->cls = d->cls_subs = d->grp = d->grp_arcs = d->runs = d->table = 0;
	if (!d->racks && (g->flags & KA_GROUP_HOMOGENEOUS))
		return; /* the constrained path needs none of these */
	const size_t M = g->n_members, C = g->n_member_classes, SC = ka__class_subscriptions(g);
	const size_t runs = claim_runs(g);
	if (!d->racks) {
		/* Topics with the same subscribers are interchangeable: a group. */
		d->cls = C;
		d->cls_subs = d->grp_arcs = SC;
		d->grp = g->n_topic_classes;
		d->runs = runs;
		return;
	}
	/* A topic splits into one group per subset of the members' racks at
	 * most, a subscription class into one class per rack (or none). */
	const size_t per_topic = d->member_racks < 31 ? (size_t)1 << d->member_racks : SIZE_MAX;
	const size_t per_class = (size_t)d->member_racks + 1;
	d->cls = min_size(M, sat_mul(C, per_class));
	d->cls_subs = min_size(g->sub_off[M], sat_mul(SC, per_class));
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (g->tsub_off[t + 1] > g->tsub_off[t])
			d->grp += min_size(g->topic_off[t + 1] - g->topic_off[t], per_topic);
	size_t class_groups = 0;
	for (uint32_t m = 0, next = 0; m < M; m++)
		if (g->member_class[m] == next) {
			next++;
			for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++) {
				uint32_t t = g->sub_topic[s];
				class_groups +=
				    min_size(g->topic_off[t + 1] - g->topic_off[t], per_topic);
			}
		}
	d->grp_arcs = sat_mul(class_groups, per_class);
	d->runs = min_size(g->own_off[M], sat_mul(runs, per_topic));
	d->table = 16;
	while (d->table < 2 * d->grp)
		d->table *= 2;
}

#define PREP_SLABS(X)                                                                              \
	X(sub_of, uint32_t, M)                                                                     \
	X(sub_rep, uint32_t, NC)                                                                   \
	X(sub_rack, uint16_t, NC)                                                                  \
	X(sub_bit, uint8_t, RK)

#define PREP_SCRATCH(X)                                                                            \
	X(ps_off, uint32_t, C + 1)                                                                 \
	X(ps_order, uint32_t, M)                                                                   \
	X(ps_mark, uint32_t, RK + 1)                                                               \
	X(ps_id, uint32_t, RK + 1)

#define PREP_SIZES                                                                                 \
	const size_t M = g->n_members, C = g->n_member_classes, NC = d->cls, RK = g->n_racks

/*
 * (subscription class, rack) pairs: numbered class by class, a class's
 * racks in order of their first member; no rack counts as a rack here. And
 * the members' racks numbered for the rack masks (member_rack_bits).
 */
void ka__classes_build(const ka_group *g, const dims *d, ka__ws *w, sides *sd)
{
	PREP_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	PREP_SLABS(X)
	const size_t mark = w->used;
	PREP_SCRATCH(X)
#undef X
	memset(ps_off, 0, (C + 1) * sizeof *ps_off);
	for (uint32_t m = 0; m < M; m++)
		ps_off[g->member_class[m] + 1]++;
	for (size_t c = 0; c < C; c++)
		ps_off[c + 1] += ps_off[c];
	memcpy(sub_rep, ps_off, C * sizeof *sub_rep); /* cursors for now: NC >= C */
	for (uint32_t m = 0; m < M; m++)
		ps_order[sub_rep[g->member_class[m]]++] = m;
	memset(ps_mark, 0xff, (RK + 1) * sizeof *ps_mark);
	uint32_t n = 0;
	for (uint32_t c = 0; c < C; c++)
		for (uint32_t i = ps_off[c]; i < ps_off[c + 1]; i++) {
			uint32_t m = ps_order[i], r = g->member_rack[m];
			if (r == KA_NO_RACK)
				r = (uint32_t)RK;
			if (ps_mark[r] != c) {
				ps_mark[r] = c;
				ps_id[r] = n;
				sub_rep[n] = m;
				sub_rack[n++] = g->member_rack[m];
			}
			sub_of[m] = ps_id[r];
		}
	assert(n <= NC);
	w->used = mark;
	sd->racks = 1;
	sd->n_cls = n;
	sd->cls_of = sub_of;
	sd->cls_rep = sub_rep;
	sd->cls_rack = sub_rack;
	member_rack_bits(g, sub_bit);
	sd->rack_bit = sub_bit;
}

#define GROUP_SLABS(X)                                                                             \
	X(gr_of, uint32_t, P)                                                                      \
	X(gr_topic, uint32_t, G)                                                                   \
	X(gr_rep, uint32_t, G)                                                                     \
	X(gr_first, uint32_t, T + 1)                                                               \
	X(gr_off, uint32_t, G + 1)                                                                 \
	X(gr_part, uint32_t, P)                                                                    \
	X(gr_key, uint64_t, G)

#define GROUP_SIZES const size_t P = g->n_partitions, T = g->n_topics, G = d->grp

/* Topic class c and the members' racks holding a replica of p, hashed. */
static uint64_t group_hash(const ka_group *g, const uint8_t *mr, uint32_t c, uint32_t p)
{
	uint64_t h = 0xcbf29ce484222325ull ^ c;
	for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
		if (mr[g->prack[a]])
			h = (h ^ (g->prack[a] + 1u)) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

/* Whether the same members' racks hold a replica of p and of q. */
static int same_group(const ka_group *g, const uint8_t *mr, uint32_t p, uint32_t q)
{
	uint32_t a = g->prack_off[p], ae = g->prack_off[p + 1];
	uint32_t b = g->prack_off[q], be = g->prack_off[q + 1];
	for (;; a++, b++) {
		while (a < ae && !mr[g->prack[a]])
			a++;
		while (b < be && !mr[g->prack[b]])
			b++;
		if (a == ae || b == be)
			return a == ae && b == be;
		if (g->prack[a] != g->prack[b])
			return 0;
	}
}

/*
 * Partition groups: (topic class, members' racks holding a replica), through
 * a hash table over representatives, then renumbered so that each topic
 * class's groups are consecutive (classes in order, a class's groups in
 * order of their first partition). Topics of one class have the same
 * subscribers, so their partitions with the same racks are interchangeable
 * for balance and locality, and claims are counted per (member, group):
 * the flow stays exact with 3 groups instead of 3,000 on G-1M racks. Only
 * member racks matter: a replica on a rack no member sits on changes
 * nobody's locality.
 */
/* What the phases of ka__groups_build share: its slabs, and its scratch
 * (the hash table of table_n slots, a group's topic class). */
typedef struct grouping {
	const ka_group *g;
	const uint8_t *mr; /* the members' racks (member_rack_bits) */
#define X(name, type, n) type *name;
	GROUP_SLABS(X)
#undef X
	uint32_t *table, *gr_cls;
	size_t mask;
} grouping;

/* First-seen numbering, up to 64 member racks (the usual case): a
 * partition's racks are a bit mask (mr[r]: 1 + its bit, 0 for no member
 * there), hashed and compared as one word. gr_first counts each class's
 * groups; returns how many groups. */
static uint32_t number_by_mask(const grouping *gp)
{
	const ka_group *g = gp->g;
	const uint8_t *mr = gp->mr;
	const uint32_t *tcls = g->topic_class;
	uint32_t *gr_of = gp->gr_of, *gr_topic = gp->gr_topic, *gr_rep = gp->gr_rep;
	uint32_t *gr_first = gp->gr_first, *gr_cls = gp->gr_cls, *table = gp->table;
	uint64_t *key = gp->gr_key;
	const size_t mask = gp->mask;
	uint32_t n = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		const int subscribed = g->tsub_off[t + 1] > g->tsub_off[t];
		const uint32_t c = tcls[t];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			gr_of[p] = KA_NONE;
			if (!subscribed)
				continue;
			const uint64_t k = rack_mask(g, mr, p);
			uint32_t *slot = group_slot(table, mask, key, gr_cls, k, c);
			if (*slot == KA_NONE) {
				*slot = n;
				gr_topic[n] = t;
				gr_rep[n] = p;
				key[n] = k;
				gr_cls[n++] = c;
				gr_first[c + 1]++;
			}
			gr_of[p] = *slot;
		}
	}
	return n;
}

/* The same past 64 member racks: the rack lists themselves (mr[r] != 0 for
 * a member's rack), hashed and compared. */
static uint32_t number_by_racks(const grouping *gp)
{
	const ka_group *g = gp->g;
	const uint8_t *mr = gp->mr;
	const uint32_t *tcls = g->topic_class;
	uint32_t *gr_of = gp->gr_of, *gr_topic = gp->gr_topic, *gr_rep = gp->gr_rep;
	uint32_t *gr_first = gp->gr_first, *table = gp->table;
	const size_t mask = gp->mask;
	uint32_t n = 0;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		const int subscribed = g->tsub_off[t + 1] > g->tsub_off[t];
		const uint32_t c = tcls[t];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			gr_of[p] = KA_NONE;
			if (!subscribed)
				continue;
			for (size_t i = group_hash(g, mr, c, p) & mask;; i = (i + 1) & mask) {
				uint32_t e = table[i];
				if (e == KA_NONE) {
					table[i] = n;
					gr_topic[n] = t;
					gr_rep[n] = p;
					gr_first[c + 1]++;
					gr_of[p] = n++;
					break;
				}
				if (tcls[gr_topic[e]] == c && same_group(g, mr, gr_rep[e], p)) {
					gr_of[p] = e;
					break;
				}
			}
		}
	}
	return n;
}

/* Renumbers the n groups so that each topic class's are consecutive, and
 * lists the partitions by group (gr_off, gr_part). The table is scratch
 * now: [0, n) the new ids, [n, 2n) a copy (n <= table / 2). */
static void renumber_by_class(const grouping *gp, uint32_t n, int masks)
{
	const ka_group *g = gp->g;
	const uint32_t NT = g->n_topic_classes, *tcls = g->topic_class, P = g->n_partitions;
	uint32_t *gr_of = gp->gr_of, *gr_topic = gp->gr_topic, *gr_rep = gp->gr_rep;
	uint32_t *gr_first = gp->gr_first, *gr_off = gp->gr_off, *table = gp->table;
	for (uint32_t c = 0; c < NT; c++)
		gr_first[c + 1] += gr_first[c];
	uint32_t *renum = table, *tmp = table + n;
	memcpy(gr_off, gr_first, (size_t)NT * sizeof *gr_off); /* cursors for now */
	for (uint32_t k = 0; k < n; k++)
		renum[k] = gr_off[tcls[gr_topic[k]]]++;
	memcpy(tmp, gr_topic, (size_t)n * sizeof *tmp);
	for (uint32_t k = 0; k < n; k++)
		gr_topic[renum[k]] = tmp[k];
	memcpy(tmp, gr_rep, (size_t)n * sizeof *tmp);
	for (uint32_t k = 0; k < n; k++)
		gr_rep[renum[k]] = tmp[k];
	for (uint32_t k = 0; masks && k < n; k++)
		gp->gr_key[k] = rack_mask(g, gp->mr, gr_rep[k]);
	memset(gr_off, 0, ((size_t)n + 1) * sizeof *gr_off);
	for (uint32_t p = 0; p < P; p++)
		if (gr_of[p] != KA_NONE) {
			gr_of[p] = renum[gr_of[p]];
			gr_off[gr_of[p] + 1]++;
		}
	for (uint32_t k = 0; k < n; k++)
		gr_off[k + 1] += gr_off[k];
	memcpy(table, gr_off, n * sizeof *table); /* cursors now */
	for (uint32_t p = 0; p < P; p++)
		if (gr_of[p] != KA_NONE)
			gp->gr_part[table[gr_of[p]]++] = p;
}

void ka__groups_build(const ka_group *g, const dims *d, ka__ws *w, sides *sd)
{
	GROUP_SIZES;
	grouping gp = {.g = g, .mr = sd->rack_bit, .mask = d->table - 1};
#define X(name, type, n) gp.name = ka__ws_take(w, (n), sizeof(type));
	GROUP_SLABS(X)
#undef X
	const size_t mark = w->used;
	gp.table = ka__ws_take(w, d->table, sizeof(uint32_t));
	gp.gr_cls = ka__ws_take(w, G, sizeof(uint32_t));
	memset(gp.table, 0xff, d->table * sizeof *gp.table);
	memset(gp.gr_first, 0, ((size_t)g->n_topic_classes + 1) * sizeof *gp.gr_first);
	const int masks = d->member_racks <= 64;
	const uint32_t n = masks ? number_by_mask(&gp) : number_by_racks(&gp);
	assert(n <= G);
	(void)P;
	(void)T;
	renumber_by_class(&gp, n, masks);
	w->used = mark;
	sd->n_grp = n;
	sd->grp_off = gp.gr_off;
	sd->grp_part = gp.gr_part;
	sd->grp_of = gp.gr_of;
	sd->grp_topic = gp.gr_topic;
	sd->grp_first = gp.gr_first;
	sd->grp_of_tp = g->topic_class;
	sd->grp_rep = gp.gr_rep;
	sd->grp_key = masks ? gp.gr_key : NULL;
}

/* ka__groups_build' scratch: the hash slots, a class a group. */
size_t ka__groups_scratch_size(const ka_group *g, const dims *d)
{
	(void)g;
	return ka__ws_need(ka__ws_need(0, d->table, sizeof(uint32_t)), d->grp, sizeof(uint32_t));
}

size_t ka__classes_size(const ka_group *g, const dims *d)
{
	PREP_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	PREP_SLABS(X)
#undef X
	(void)C;
	return total;
}

size_t ka__classes_scratch_size(const ka_group *g, const dims *d)
{
	PREP_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	PREP_SCRATCH(X)
#undef X
	(void)NC;
	return total;
}

size_t ka__groups_size(const ka_group *g, const dims *d)
{
	GROUP_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	GROUP_SLABS(X)
#undef X
	return total;
}
