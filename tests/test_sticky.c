/*
 * test_sticky.c - the sticky family against the exact optimum.
 *
 *   optimal:     on random groups, `sticky` is valid, exactly as balanced as
 *                ka_optimum_compute (same sum of squared loads, which is the
 *                lexicographic optimum), and, where racks play no part, moves
 *                exactly as few partitions; with equal subscriptions that is
 *                also docs/metrics.md's closed form. Where Kafka's rule turns
 *                rack-aware assignment on, all three levels match the
 *                optimum: sum of squares, local placements, moves.
 *   kafka:       (in the optimal suite) Kafka's procedures transcribed the
 *                way Kafka writes them; wherever their answer is optimal,
 *                `sticky` returns exactly that answer.
 *   cooperative: `cooperative-sticky` is the sticky plan with some partitions
 *                withheld, never a partition revoked from one member and
 *                given to another in the same round (Kafka's check), and
 *                only partitions whose ownership changes are withheld.
 *   followup:    the next round, with this round's result as owned, is
 *                complete and moves nothing: the plan is reached in two rounds.
 *   topics17:    unequal subscriptions over 17 and 18 topics, Kafka's answer
 *                worked out by hand, in both rounds of the cooperative form.
 *   beyond:      groups past 65,536 partitions + subscriptions + members,
 *                with racks and churn: `sticky` is exactly the transcription's
 *                answer (3 groups; KT_LONG=1 for 200).
 *
 * Groups come from tests/testgroups.c; a failure prints the seed and case.
 */
#include <kassign/kassign.h>
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/rng.h"
#include "testgroups.h"
#include "ktest.h"

#define CASES 2500

static bool racks_matter(const ka_group *g)
{
	return (g->flags & KA_GROUP_MEMBER_RACKS) && (g->flags & KA_GROUP_PARTITION_RACKS);
}

/*
 * Kafka's rule (AbstractStickyAssignor.RackInfo), written out plainly: the
 * members' racks, and the union of the replica racks of the subscribed
 * partitions, share a rack, and some subscribed partition's racks are not
 * the whole union (a subset of it is the union iff it is as large).
 */
static bool rack_aware(const ka_group *g)
{
	bool *member = calloc(g->n_racks + 1, 1), *uni = calloc(g->n_racks + 1, 1);
	CU_ASSERT_FATAL(member && uni);
	for (uint32_t m = 0; m < g->n_members; m++)
		if (g->member_rack[m] != KA_NO_RACK)
			member[g->member_rack[m]] = true;
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (g->tsub_off[t + 1] > g->tsub_off[t])
			for (uint32_t a = g->prack_off[g->topic_off[t]];
			     a < g->prack_off[g->topic_off[t + 1]]; a++)
				uni[g->prack[a]] = true;
	uint32_t n_uni = 0;
	bool shared = false;
	for (uint32_t r = 0; r < g->n_racks; r++) {
		n_uni += uni[r];
		shared |= uni[r] && member[r];
	}
	bool differs = false;
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (g->tsub_off[t + 1] > g->tsub_off[t])
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
				differs |= g->prack_off[p + 1] - g->prack_off[p] != n_uni;
	free(member);
	free(uni);
	return shared && differs;
}

static tg_desc desc; /* large: one at a time */

/* The independent solver's budget: wide groups (past 16 topics) get less,
 * and past it are only checked valid, the solver being slow there. */
static uint64_t solver_work(const tg_desc *d)
{
	return d->n_topics > 16 ? 3000000ull : 400000000ull;
}

static void test_optimal(void)
{
	uint64_t first, seed = kt_seed(0x737469636b79ull), n = tg_case_range(CASES, &first);
	const ka_strategy *s = tg_strategy("optimal");
	uint64_t beyond = 0;
	for (uint64_t i = first; i < first + n; i++) {
		ka_group *g = tg_random_case(seed, i, &desc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *owner = tg_run(s, g, 1);
		ka_optimum opt;
		int rc = ka_optimum_compute(g, solver_work(&desc), &opt, NULL);
		bool ok = ka_assignment_validate(g, owner, 0, NULL, NULL) == 0;
		if (rc == KA_ELIMIT) {
			/* past the independent solver's budget (wide groups): valid
			 * is all this test can say */
			beyond++;
			CU_ASSERT(ok);
			if (!ok)
				tg_report("optimal is not valid", seed, i, &desc);
			free(owner);
			ka_group_free(g);
			if (!ok)
				return;
			continue;
		}
		CU_ASSERT_EQUAL(rc, 0);
		ok = ok && tg_sum_sq(g, owner) == opt.load_sq;
		ka_metrics m = tg_metrics(g, owner);
		/* Rack-aware, locality comes before moves; otherwise, where racks
		 * are given, the optimum may trade moves for a locality sticky
		 * does not seek. */
		const bool aware = rack_aware(g);
		if (aware)
			ok = ok && m.local == opt.local && m.moved == opt.moved;
		else if (!racks_matter(g))
			ok = ok && m.moved == opt.moved;
		/* moved_opt (metrics) is the optimum with racks left out: the
		 * independent solver's moves wherever racks play no part. */
		if (!racks_matter(g))
			ok = ok && m.moved_opt == opt.moved;
		ok = ok && m.moved_opt >= m.moved_min;
		if (g->flags & KA_GROUP_HOMOGENEOUS) {
			ok = ok && m.load_max - m.load_min <= 1;
			if (!aware)
				ok = ok && m.moved == m.moved_min;
		}
		ok = ok && m.balanced;
		CU_ASSERT(ok);
		if (!ok) {
			tg_report("optimal is not the optimum", seed, i, &desc);
			fprintf(stderr,
				"  sum_sq %" PRIu64 " (optimum %" PRIu64 "), local %u "
				"(optimum %u, rack-aware %d), moved %u (optimum %u, bound %u, "
				"moved_opt %u), balanced %d\n  got: ",
				tg_sum_sq(g, owner), opt.load_sq, m.local, opt.local, aware,
				m.moved, opt.moved, m.moved_min, m.moved_opt, m.balanced);
			tg_print_assignment(stderr, g, owner);
		}
		free(owner);
		ka_group_free(g);
		if (!ok)
			return;
	}
	fprintf(stderr,
		"optimal: %" PRIu64 " of %" PRIu64 " groups past the solver, checked valid\n",
		beyond, n);
}

/* ------------------------------------------------------------ Kafka, transcribed */

/*
 * Kafka's procedures written out the way Kafka writes them (lists, linear
 * scans, removal by shifting), as a check on the library's bookkeeping
 * (sticky_constrained.c, sticky_general.c, replay.c): where
 * Kafka's answer is optimal, `sticky` must return exactly that answer.
 */

static bool has_rack(const ka_group *g, uint32_t p, uint16_t r)
{
	for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
		if (g->prack[a] == r)
			return true;
	return false;
}

/* RackInfo.racksMismatch, rack-aware only. */
static bool mismatch(const ka_group *g, bool aware, uint32_t m, uint32_t p)
{
	uint16_t r = g->member_rack[m];
	return aware && r != KA_NO_RACK && !has_rack(g, p, r);
}

static bool subscribes(const ka_group *g, uint32_t m, uint32_t t)
{
	for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
		if (g->sub_topic[s] == t)
			return true;
	return false;
}

/* A Java list of members. */
typedef struct mlist {
	uint32_t v[TG_MAX_MEMBERS + 1];
	uint32_t n;
} mlist;

static void ml_remove_at(mlist *l, uint32_t i)
{
	memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof *l->v);
	l->n--;
}

/* RackInfo.nextRackConsumer: the first index from `first`, cyclically, of a
 * member whose rack holds a replica of p, or -1. */
static int64_t next_rack(const ka_group *g, uint32_t p, const mlist *l, uint32_t first)
{
	for (uint32_t i = 0; i < l->n; i++) {
		uint32_t k = (first + i) % l->n, r = g->member_rack[l->v[k]];
		if (r != KA_NO_RACK && has_rack(g, p, (uint16_t)r))
			return k;
	}
	return -1;
}

/* Java's String.hashCode, over UTF-16 code units of the UTF-8 name. */
static uint32_t java_hash(const char *s)
{
	uint32_t h = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp = *p++;
		if (cp >= 0xF0)
			cp = (cp & 7) << 18 | (p[0] & 0x3Fu) << 12 | (p[1] & 0x3Fu) << 6 |
			     (p[2] & 0x3Fu),
			p += 3;
		else if (cp >= 0xE0)
			cp = (cp & 15) << 12 | (p[0] & 0x3Fu) << 6 | (p[1] & 0x3Fu), p += 2;
		else if (cp >= 0xC0)
			cp = (cp & 31) << 6 | (p[0] & 0x3Fu), p += 1;
		if (cp >= 0x10000)
			h = 31 * (31 * h + (0xD800 + ((cp - 0x10000) >> 10))) +
			    (0xDC00 + ((cp - 0x10000) & 0x3FF));
		else
			h = 31 * h + cp;
	}
	return h;
}

/* Members in the iteration order of a Java HashMap keyed by member_id: by
 * bucket of the spread String.hashCode(), member_id order within one
 * (the library's stand-in for insertion order, ka__java_hashmap_order). */
static void hashmap_members(const ka_group *g, uint32_t *order)
{
	const uint32_t M = g->n_members;
	size_t cap = 16, n = 0;
	while (M > cap / 4 * 3)
		cap *= 2;
	uint32_t *bucket = malloc((M + 1) * sizeof *bucket);
	CU_ASSERT_FATAL(bucket != NULL);
	for (uint32_t m = 0; m < M; m++) {
		const uint32_t h = java_hash(g->member_id[m]);
		bucket[m] = (uint32_t)((h ^ (h >> 16)) & (cap - 1));
	}
	for (size_t b = 0; b < cap; b++)
		for (uint32_t i = 0; i < M; i++)
			if (bucket[g->id_order[i]] == b)
				order[n++] = g->id_order[i];
	free(bucket);
}

/* Each member's place in member_id order, for the group the transcriptions
 * below were last entered with (set_ranks): Kafka compares the strings. */
static uint32_t *rank_of;
static const ka_group *rank_group;

static void set_ranks(const ka_group *g)
{
	free(rank_of);
	rank_of = malloc((g->n_members + 1) * sizeof *rank_of);
	CU_ASSERT_FATAL(rank_of != NULL);
	for (uint32_t i = 0; i < g->n_members; i++)
		rank_of[g->id_order[i]] = i;
	rank_group = g;
}

static uint32_t id_rank(const ka_group *g, uint32_t m)
{
	assert(g == rank_group && m < g->n_members);
	(void)g;
	return rank_of[m];
}

static void sort_by_id(const ka_group *g, mlist *l)
{
	for (uint32_t i = 1; i < l->n; i++)
		for (uint32_t j = i; j > 0 && id_rank(g, l->v[j]) < id_rank(g, l->v[j - 1]); j--) {
			uint32_t x = l->v[j];
			l->v[j] = l->v[j - 1];
			l->v[j - 1] = x;
		}
}

/* ConstrainedAssignmentBuilder (Kafka 3.5+, with the rack-aware round-robin's
 * bookkeeping of the newest version). Members are visited in HashMap order:
 * by bucket, and by member_id within one (the library's stand-in for insertion
 * order). Returns NULL where Kafka would throw. */
static uint32_t *kafka_constrained(const ka_group *g, bool aware)
{
	const uint32_t M = g->n_members, P = g->n_partitions;
	uint32_t *owner = malloc((P + 1) * sizeof *owner), *count = calloc(M + 1, sizeof *count);
	uint32_t *list = malloc((P + 1) * sizeof *list), *key = malloc((P + 1) * sizeof *key);
	CU_ASSERT_FATAL(owner && count && list && key);
	set_ranks(g);
	uint32_t N = 0;
	for (uint32_t t = 0; t < g->n_topics; t++)
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			owner[p] = KA_NONE;
			N += g->tsub_off[t + 1] > g->tsub_off[t];
		}
	mlist under = {.n = 0}, exact = {.n = 0};
	if (!M || !N)
		goto done;
	const uint32_t minq = N / M, maxq = minq + (N % M != 0), expected = N % M;
	uint32_t over = 0, visit[TG_MAX_MEMBERS];
	hashmap_members(g, visit);
	for (uint32_t i = 0; i < M; i++) {
		const uint32_t m = visit[i];
		/* owned, minus mismatched, by (partition number, topic) */
		uint32_t n = 0;
		for (uint32_t t = 0; t < g->n_topics; t++)
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
				if (g->prev_owner[p] == m && g->tsub_off[t + 1] > g->tsub_off[t] &&
				    !mismatch(g, aware, m, p)) {
					list[n] = p;
					key[n++] = (p - g->topic_off[t]) * 4096 + t;
				}
		for (uint32_t x = 1; x < n; x++)
			for (uint32_t y = x; y > 0 && key[y] < key[y - 1]; y--) {
				uint32_t a = key[y], c = list[y];
				key[y] = key[y - 1], list[y] = list[y - 1];
				key[y - 1] = a, list[y - 1] = c;
			}
		uint32_t k;
		if (n < minq) {
			k = n;
			under.v[under.n++] = m;
		} else if (n >= maxq && over < expected) {
			k = maxq;
			if (++over == expected)
				exact.n = 0;
		} else {
			k = minq;
			if (over < expected)
				exact.v[exact.n++] = m;
		}
		for (uint32_t x = 0; x < k; x++)
			owner[list[x]] = m;
		count[m] = k;
	}
	sort_by_id(g, &under);
	sort_by_id(g, &exact);
	uint32_t n = 0;
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (g->tsub_off[t + 1] > g->tsub_off[t])
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
				if (owner[p] == KA_NONE)
					list[n++] = p;
	if (aware) {
		/* sortPartitionsByRackConsumers: stable, by members on the replicas' racks */
		for (uint32_t x = 0; x < n; x++) {
			key[x] = 0;
			for (uint32_t a = g->prack_off[list[x]]; a < g->prack_off[list[x] + 1]; a++)
				for (uint32_t m = 0; m < M; m++)
					key[x] += g->member_rack[m] == g->prack[a];
		}
		for (uint32_t x = 1; x < n; x++)
			for (uint32_t y = x; y > 0 && key[y] < key[y - 1]; y--) {
				uint32_t a = key[y], c = list[y];
				key[y] = key[y - 1], list[y] = list[y - 1];
				key[y - 1] = a, list[y - 1] = c;
			}
		/* assignRackAwareRoundRobin */
		uint32_t next = 0, left = 0;
		for (uint32_t x = 0; x < n; x++) {
			uint32_t p = list[x], c = KA_NONE;
			int64_t idx = next_rack(g, p, &under, next);
			if (idx >= 0) {
				c = under.v[idx];
				if (count[c] + 1 >= minq) {
					ml_remove_at(&under, (uint32_t)idx);
					if (count[c] + 1 < maxq && over < expected)
						exact.v[exact.n++] = c;
				} else {
					idx++;
				}
				next = under.n ? (uint32_t)idx % under.n : 0;
			} else if (exact.n) {
				int64_t f = next_rack(g, p, &exact, 0);
				if (f >= 0) {
					c = exact.v[f];
					if (count[c] + 1 == maxq) {
						ml_remove_at(&exact, (uint32_t)f);
						if (++over == expected)
							exact.n = 0;
					}
				}
			}
			if (c == KA_NONE) {
				list[left++] = p;
				continue;
			}
			owner[p] = c;
			count[c]++;
		}
		n = left;
	}
	/* assignRoundRobin, with Java's iterator over the list under minQ */
	uint32_t it = 0;
	for (uint32_t x = 0; x < n; x++) {
		uint32_t c;
		if (it < under.n) {
			c = under.v[it++];
		} else if (!under.n && !exact.n) {
			free(owner);
			owner = NULL; /* Kafka throws IllegalStateException */
			goto done;
		} else if (!under.n) {
			c = exact.v[0];
			ml_remove_at(&exact, 0);
		} else {
			it = 0;
			c = under.v[it++];
		}
		owner[list[x]] = c;
		if (++count[c] == minq) {
			ml_remove_at(&under, --it);
			exact.v[exact.n++] = c;
		} else if (count[c] == maxq) {
			over++;
		}
	}
done:
	free(count);
	free(list);
	free(key);
	return owner;
}

/* GeneralAssignmentBuilder up to its greedy: valid claims kept (minus
 * mismatched), then each partition left, in Kafka's order, to the
 * least-loaded subscriber, ties by member_id; rack-aware, a first pass only
 * to subscribers that do not mismatch. */
static uint32_t *kafka_general(const ka_group *g, bool aware)
{
	const uint32_t M = g->n_members, P = g->n_partitions, T = g->n_topics;
	uint32_t *owner = malloc((P + 1) * sizeof *owner), *load = calloc(M + 1, sizeof *load);
	uint32_t *order = malloc((T + 1) * sizeof *order);
	CU_ASSERT_FATAL(owner && load && order);
	set_ranks(g);
	for (uint32_t p = 0; p < P; p++) {
		uint32_t m = g->prev_owner[p];
		owner[p] = KA_NONE;
		if (m != KA_NONE && subscribes(g, m, ka_group_partition_topic(g, p)) &&
		    !mismatch(g, aware, m, p)) {
			owner[p] = m;
			load[m]++;
		}
	}
	uint32_t nt = 0;
	for (uint32_t subs = 1; subs <= M; subs++)
		for (uint32_t t = 0; t < T; t++)
			if (g->tsub_off[t + 1] - g->tsub_off[t] == subs &&
			    g->topic_off[t + 1] > g->topic_off[t])
				order[nt++] = t;
	for (int pass = aware ? 0 : 1; pass < 2; pass++)
		for (uint32_t i = 0; i < nt; i++)
			for (uint32_t p = g->topic_off[order[i]]; p < g->topic_off[order[i] + 1];
			     p++) {
				if (owner[p] != KA_NONE)
					continue;
				uint32_t best = KA_NONE;
				for (uint32_t k = g->tsub_off[order[i]];
				     k < g->tsub_off[order[i] + 1]; k++) {
					uint32_t m = g->tsub_member[k];
					if (pass == 0 && mismatch(g, true, m, p))
						continue;
					if (best == KA_NONE || load[m] < load[best] ||
					    (load[m] == load[best] &&
					     id_rank(g, m) < id_rank(g, best)))
						best = m;
				}
				if (best != KA_NONE) {
					owner[p] = best;
					load[best]++;
				}
			}
	free(load);
	free(order);
	return owner;
}

/* ---- GeneralAssignmentBuilder.balance(), after the greedy */

/* A Java list of partitions. */
typedef struct plist {
	uint32_t *v;
	uint32_t n;
} plist;

static void pl_remove(plist *l, uint32_t p)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (l->v[i] == p) {
			memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof *l->v);
			l->n--;
			return;
		}
	CU_FAIL("partition not in the list");
}

/* One HashSet<TopicPartition> of PartitionMovements, in insertion order. */
typedef struct mset {
	uint32_t t, src, dst, cap;
	plist parts;
} mset;

typedef struct kbal {
	const ka_group *g;
	uint32_t M, P;
	plist *cur;                /* currentAssignment */
	uint32_t *cpc;             /* currentPartitionConsumer */
	bool *active;              /* in sortedCurrentSubscriptions */
	uint32_t *mv_src, *mv_dst; /* partitionMovements, KA_NONE: none */
	mset *sets;
	uint32_t n_sets;
	uint32_t *thash;
	bool fail; /* Kafka would throw, or make an invalid move */
	/* isBalanced() is a function of the assignment: kept until a move */
	bool known, balanced;
} kbal;

static uint32_t topic_of(const ka_group *g, uint32_t p)
{
	return ka_group_partition_topic(g, p);
}

/* sortedCurrentSubscriptions.first() among members subscribing to t. */
static uint32_t tree_first(const kbal *k, uint32_t t)
{
	uint32_t best = KA_NONE;
	for (uint32_t m = 0; m < k->M; m++) {
		if (!k->active[m] || !subscribes(k->g, m, t))
			continue;
		if (best == KA_NONE || k->cur[m].n < k->cur[best].n ||
		    (k->cur[m].n == k->cur[best].n && id_rank(k->g, m) < id_rank(k->g, best)))
			best = m;
	}
	return best;
}

static bool is_balanced_calc(kbal *k)
{
	const ka_group *g = k->g;
	uint32_t mn = UINT32_MAX, mx = 0;
	for (uint32_t m = 0; m < k->M; m++)
		if (k->active[m]) {
			mn = k->cur[m].n < mn ? k->cur[m].n : mn;
			mx = k->cur[m].n > mx ? k->cur[m].n : mx;
		}
	if (mn == UINT32_MAX || mn + 1 >= mx)
		return true;
	for (uint32_t c = 0; c < k->M; c++) {
		if (!k->active[c])
			continue;
		uint32_t max_size = 0;
		for (uint32_t s = g->sub_off[c]; s < g->sub_off[c + 1]; s++)
			max_size +=
			    g->topic_off[g->sub_topic[s] + 1] - g->topic_off[g->sub_topic[s]];
		if (k->cur[c].n == max_size)
			continue;
		for (uint32_t s = g->sub_off[c]; s < g->sub_off[c + 1]; s++) {
			uint32_t t = g->sub_topic[s];
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
				if (k->cpc[p] == c) /* currentAssignment.get(c).contains(p) */
					continue;
				uint32_t other = k->cpc[p];
				if (other == KA_NONE || !k->active[other]) {
					k->fail |= true; /* allPartitions.get() is null: NPE */
					continue;
				}
				if (k->cur[c].n + 1 < k->cur[other].n)
					return false;
			}
		}
	}
	return true;
}

static bool is_balanced_k(kbal *k)
{
	if (!k->known) {
		k->balanced = is_balanced_calc(k);
		k->known = true;
	}
	return k->balanced;
}

static mset *find_set(kbal *k, uint32_t t, uint32_t src, uint32_t dst)
{
	for (uint32_t i = 0; i < k->n_sets; i++)
		if (k->sets[i].t == t && k->sets[i].src == src && k->sets[i].dst == dst)
			return &k->sets[i];
	return NULL;
}

static void add_record(kbal *k, uint32_t p, uint32_t src, uint32_t dst)
{
	uint32_t t = topic_of(k->g, p);
	mset *s = find_set(k, t, src, dst);
	if (!s) {
		s = &k->sets[k->n_sets++];
		const uint32_t n = k->g->topic_off[t + 1] - k->g->topic_off[t];
		*s = (mset){t, src, dst, 16, {malloc((n + 1) * sizeof(uint32_t)), 0}};
		CU_ASSERT_FATAL(s->parts.v != NULL);
	}
	s->parts.v[s->parts.n++] = p;
	if (s->parts.n > s->cap * 3 / 4)
		s->cap *= 2;
	k->mv_src[p] = src;
	k->mv_dst[p] = dst;
}

static void remove_record(kbal *k, uint32_t p)
{
	mset *s = find_set(k, topic_of(k->g, p), k->mv_src[p], k->mv_dst[p]);
	CU_ASSERT_FATAL(s != NULL);
	pl_remove(&s->parts, p);
	if (s->parts.n == 0) {
		free(s->parts.v);
		*s = k->sets[--k->n_sets];
	}
	k->mv_src[p] = k->mv_dst[p] = KA_NONE;
}

static bool topic_moved(const kbal *k, uint32_t t)
{
	for (uint32_t i = 0; i < k->n_sets; i++)
		if (k->sets[i].t == t)
			return true;
	return false;
}

/* HashSet.iterator().next(): the first bucket, then insertion order. */
static uint32_t set_first_k(const kbal *k, const mset *s)
{
	for (uint32_t b = 0; b < s->cap; b++)
		for (uint32_t i = 0; i < s->parts.n; i++) {
			uint32_t p = s->parts.v[i], t = s->t;
			uint32_t h = 31u * (31u + (p - k->g->topic_off[t])) + k->thash[t];
			if (((h ^ (h >> 16)) & (s->cap - 1)) == b)
				return p;
		}
	return KA_NONE;
}

static void reassign_k(kbal *k, uint32_t p, uint32_t n)
{
	if (n == KA_NONE || !k->active[n] || !subscribes(k->g, n, topic_of(k->g, p))) {
		k->fail = true;
		return;
	}
	/* getTheActualPartitionToBeMoved */
	uint32_t t = topic_of(k->g, p), old = k->cpc[p], q = p;
	if (topic_moved(k, t)) {
		if (k->mv_src[p] != KA_NONE)
			old = k->mv_src[p];
		const mset *rev = find_set(k, t, n, old);
		if (rev)
			q = set_first_k(k, rev);
	}
	/* processPartitionMovement + movePartition */
	uint32_t o = k->cpc[q];
	if (k->mv_src[q] != KA_NONE) {
		uint32_t src = k->mv_src[q];
		remove_record(k, q);
		if (src != n)
			add_record(k, q, src, n);
	} else {
		add_record(k, q, o, n);
	}
	pl_remove(&k->cur[o], q);
	k->cur[n].v[k->cur[n].n++] = q;
	k->cpc[q] = n;
	k->known = false;
}

static bool perform_k(kbal *k, const uint32_t *list, uint32_t n, const uint32_t *prev)
{
	bool performed = false, modified;
	uint32_t guard = 0;
	do {
		modified = false;
		for (uint32_t i = 0; i < n && !k->fail && !is_balanced_k(k); i++) {
			uint32_t p = list[i], c = k->cpc[p], t = topic_of(k->g, p);
			if (prev[p] != KA_NONE) {
				if (!k->active[prev[p]]) {
					k->fail = true; /* currentAssignment.get() is null */
					break;
				}
				if (k->cur[c].n > k->cur[prev[p]].n + 1) {
					reassign_k(k, p, prev[p]);
					performed = modified = true;
					continue;
				}
			}
			for (uint32_t x = k->g->tsub_off[t]; x < k->g->tsub_off[t + 1]; x++) {
				uint32_t other = k->g->tsub_member[x];
				if (k->cur[c].n > k->cur[other].n + 1) {
					reassign_k(k, p, tree_first(k, t));
					performed = modified = true;
					break;
				}
			}
		}
		if (++guard > 100000)
			k->fail = true; /* not expected on these sizes */
	} while (modified && !k->fail);
	return performed;
}

static int64_t balance_score_k(const kbal *k)
{
	int64_t score = 0;
	for (uint32_t a = 0; a < k->M; a++)
		for (uint32_t b = a + 1; b < k->M; b++)
			if (k->active[a] && k->active[b])
				score += llabs((int64_t)k->cur[a].n - (int64_t)k->cur[b].n);
	return score;
}

/* balance() on the greedy's answer: Kafka's final assignment, or NULL where
 * Kafka would throw or make an invalid move. */
static uint32_t *kafka_balance(const ka_group *g, bool aware, const uint32_t *greedy)
{
	const uint32_t M = g->n_members, P = g->n_partitions, T = g->n_topics;
	kbal k = {.g = g, .M = M, .P = P};
	k.cur = calloc(M + 1, sizeof *k.cur);
	k.cpc = malloc((P + 1) * sizeof *k.cpc);
	k.active = calloc(M + 1, sizeof *k.active);
	k.mv_src = malloc((P + 1) * sizeof *k.mv_src);
	k.mv_dst = malloc((P + 1) * sizeof *k.mv_dst);
	k.sets = calloc(P + 1, sizeof *k.sets);
	k.thash = malloc((T + 1) * sizeof *k.thash);
	uint32_t *prev = malloc((P + 1) * sizeof *prev), *all = malloc((P + 1) * sizeof *all);
	uint32_t *una = malloc((P + 1) * sizeof *una);
	int32_t *prev_gen = malloc((P + 1) * sizeof *prev_gen);
	CU_ASSERT_FATAL(k.cur && k.cpc && k.active && k.mv_src && k.mv_dst && k.sets && k.thash &&
			prev && all && una && prev_gen);
	set_ranks(g);
	for (uint32_t m = 0; m < M; m++) {
		/* at most every partition it subscribes to */
		uint32_t most = 1;
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			most += g->topic_off[g->sub_topic[s] + 1] - g->topic_off[g->sub_topic[s]];
		k.cur[m].v = malloc(most * sizeof(uint32_t));
		CU_ASSERT_FATAL(k.cur[m].v != NULL);
	}
	for (uint32_t t = 0; t < T; t++)
		k.thash[t] = java_hash(g->topic_name[t]);

	/* the greedy's kept claims and the revocation flag, as kafka_general */
	bool initializing = true, revocation = false;
	bool *kept = calloc(P + 1, sizeof *kept);
	CU_ASSERT_FATAL(kept != NULL);
	for (uint32_t p = 0; p < P; p++) {
		uint32_t m = g->prev_owner[p], t = topic_of(g, p);
		k.cpc[p] = greedy[p];
		k.mv_src[p] = k.mv_dst[p] = KA_NONE;
		if (greedy[p] != KA_NONE)
			k.cur[greedy[p]].v[k.cur[greedy[p]].n++] = p;
		if (m == KA_NONE || g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		if (subscribes(g, m, t) && !mismatch(g, aware, m, p))
			kept[p] = true, initializing = false;
		else
			revocation = true;
	}

	/* prevAssignment, members in HashMap order */
	int32_t max_gen = KA_NO_GENERATION;
	for (uint32_t m = 0; m < M; m++)
		max_gen = g->generation[m] > max_gen ? g->generation[m] : max_gen;
	for (uint32_t p = 0; p < P; p++)
		prev[p] = KA_NONE;
	uint32_t *visit = malloc((M + 1) * sizeof *visit);
	CU_ASSERT_FATAL(visit != NULL);
	hashmap_members(g, visit);
	for (uint32_t i = 0; i < M; i++) {
		const uint32_t m = visit[i];
		if (!(g->generation[m] < max_gen))
			continue;
		for (uint32_t x = g->own_off[m]; x < g->own_off[m + 1]; x++) {
			uint32_t p = g->own_part[x];
			if (prev[p] == KA_NONE || g->generation[m] > prev_gen[p])
				prev[p] = m, prev_gen[p] = g->generation[m];
		}
	}

	/* sortedAllPartitions and unassignedPartitions, fixed topics removed */
	uint32_t n_all = 0, n_una = 0;
	for (uint32_t subs = 2; subs <= M; subs++)
		for (uint32_t t = 0; t < T; t++)
			if (g->tsub_off[t + 1] - g->tsub_off[t] == subs)
				for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
					all[n_all++] = p;
					if (!kept[p])
						una[n_una++] = p;
				}

	/* canConsumerParticipateInReassignment */
	for (uint32_t m = 0; m < M; m++) {
		uint32_t max_size = 0;
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			max_size +=
			    g->topic_off[g->sub_topic[s] + 1] - g->topic_off[g->sub_topic[s]];
		k.active[m] = k.cur[m].n < max_size;
		for (uint32_t i = 0; i < k.cur[m].n; i++) {
			uint32_t t = topic_of(g, k.cur[m].v[i]);
			k.active[m] |= g->tsub_off[t + 1] - g->tsub_off[t] >= 2;
		}
	}

	const int64_t before = balance_score_k(&k);
	if (!revocation)
		perform_k(&k, una, n_una, prev);
	bool performed = perform_k(&k, all, n_all, prev);
	uint32_t *owner = NULL;
	if (!k.fail) {
		owner = malloc((P + 1) * sizeof *owner);
		CU_ASSERT_FATAL(owner != NULL);
		bool revert = !initializing && performed && balance_score_k(&k) >= before;
		for (uint32_t p = 0; p < P; p++)
			owner[p] = revert ? greedy[p] : k.cpc[p];
	}
	for (uint32_t m = 0; m < M; m++)
		free(k.cur[m].v);
	for (uint32_t i = 0; i < k.n_sets; i++)
		free(k.sets[i].parts.v);
	free(k.cur), free(k.cpc), free(k.active), free(k.mv_src), free(k.mv_dst), free(k.sets);
	free(k.thash), free(prev), free(all), free(una), free(prev_gen), free(kept), free(visit);
	return owner;
}

static void test_kafka(void)
{
	uint64_t first, seed = kt_seed(0x6b61666b61ull), n = tg_case_range(CASES, &first);
	const ka_strategy *s = tg_strategy("sticky"), *opt = tg_strategy("optimal");
	uint64_t compared = 0, compared_aware = 0, compared_loop = 0, compared_wide = 0;
	uint64_t not_optimal = 0, greedy_kept = 0;
	for (uint64_t i = first; i < first + n; i++) {
		ka_group *g = tg_random_case(seed, i, &desc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		const bool aware = rack_aware(g), equal = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
		uint32_t *ref = equal ? kafka_constrained(g, aware) : kafka_general(g, aware);
		bool loop_moved = false; /* Kafka's balancing loop changed its greedy's answer */
		if (ref && !equal) {
			uint32_t *greedy = ref;
			ref = kafka_balance(g, aware, greedy);
			loop_moved = ref && memcmp(ref, greedy, g->n_partitions * sizeof *ref) != 0;
			if (ref) {
				free(greedy);
			} else {
				/* Kafka's loop would throw or move a partition to a
				 * member that no longer subscribes: kassign keeps
				 * the greedy's answer */
				ref = greedy;
				greedy_kept++;
			}
		}
		if (!ref) {
			/* Kafka's own lists run dry (it throws) only rack-aware */
			CU_ASSERT(aware && equal);
			ka_group_free(g);
			continue;
		}
		uint32_t *owner = tg_run(s, g, 1), *best = tg_run(opt, g, 1);
		const bool ok = memcmp(owner, ref, g->n_partitions * sizeof *owner) == 0;
		compared++;
		compared_aware += aware;
		compared_loop += loop_moved;
		compared_wide += desc.n_topics > 16;
		not_optimal += memcmp(best, ref, g->n_partitions * sizeof *best) != 0;
		CU_ASSERT(ok);
		if (!ok) {
			tg_report("sticky is not Kafka's answer", seed, i, &desc);
			fprintf(stderr, "  rack-aware %d\n  Kafka: ", aware);
			tg_print_assignment(stderr, g, ref);
			fprintf(stderr, "  got:   ");
			tg_print_assignment(stderr, g, owner);
		}
		free(ref);
		free(owner);
		free(best);
		ka_group_free(g);
		if (!ok)
			return;
	}
	/* the comparison must have happened on every kind of group: rack-aware,
	 * after moves of the loop, past 16 topics, and where Kafka's answer is
	 * not kassign's optimum */
	fprintf(
	    stderr,
	    "kafka: %" PRIu64 " of %" PRIu64 " groups compared, %" PRIu64 " rack-aware, %" PRIu64
	    " after moves of Kafka's balancing loop, %" PRIu64 " past 16 topics, %" PRIu64
	    " not the optimum, %" PRIu64 " where Kafka's loop would fail\n",
	    compared, n, compared_aware, compared_loop, compared_wide, not_optimal, greedy_kept);
	CU_ASSERT(n < 100 ||
		  (compared > n / 2 && compared_aware > n / 50 && compared_loop > n / 100 &&
		   compared_wide > n / 10 && not_optimal > 0));
}

/* Whether member m lists p among its owned partitions. */
static bool claims(const ka_group *g, uint32_t m, uint32_t p)
{
	for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++)
		if (g->own_part[k] == p)
			return true;
	return false;
}

static void cooperative_of(const char *coop_name, const char *eager_name)
{
	uint64_t first, seed = kt_seed(0x636f6f70ull), n = tg_case_range(CASES, &first);
	const ka_strategy *eager = tg_strategy(eager_name), *coop = tg_strategy(coop_name);
	CU_ASSERT(coop->flags & KA_STRATEGY_COOPERATIVE);
	for (uint64_t i = first; i < first + n; i++) {
		ka_group *g = tg_random_case(seed, i, &desc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *plan = tg_run(eager, g, 1), *round = tg_run(coop, g, 1);
		bool ok = ka_assignment_validate(g, round, 1, NULL, NULL) == 0;
		for (uint32_t p = 0; ok && p < g->n_partitions; p++) {
			/* this round is the plan, some partitions withheld */
			ok = round[p] == plan[p] || round[p] == KA_NONE;
			if (!ok)
				break;
			/* withheld: its ownership changes (some claimant loses it) */
			if (round[p] == KA_NONE && plan[p] != KA_NONE) {
				bool someone_loses = false;
				for (uint32_t m = 0; m < g->n_members; m++)
					someone_loses |= m != plan[p] && claims(g, m, p);
				ok = someone_loses;
			}
			/* no direct handover: given to a non-claimant while a claimant loses it */
			if (round[p] != KA_NONE && !claims(g, round[p], p))
				for (uint32_t m = 0; m < g->n_members; m++)
					if (m != round[p] && claims(g, m, p))
						ok = false;
		}
		CU_ASSERT(ok);
		if (!ok) {
			tg_report(coop_name, seed, i, &desc);
			fprintf(stderr, "  plan:  ");
			tg_print_assignment(stderr, g, plan);
			fprintf(stderr, "  round: ");
			tg_print_assignment(stderr, g, round);
		}
		free(plan);
		free(round);
		ka_group_free(g);
		if (!ok)
			return;
	}
}

static void test_cooperative(void)
{
	cooperative_of("cooperative-sticky", "sticky");
	cooperative_of("cooperative-optimal", "optimal");
	cooperative_of("cooperative-locality", "locality");
}

/* The same group with owned = this round's result, generation 1 for all. */
static ka_group *next_round(const ka_group *g, const uint32_t *owner)
{
	ka_builder *b = ka_builder_new(NULL, NULL);
	for (uint32_t t = 0; t < g->n_topics; t++)
		ka_builder_add_topic(b, g->topic_name[t], g->topic_off[t + 1] - g->topic_off[t]);
	for (uint32_t t = 0; t < g->n_topics; t++)
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			for (uint32_t a = g->prack_off[p]; a < g->prack_off[p + 1]; a++)
				ka_builder_add_partition_rack(b, t, p - g->topic_off[t],
							      g->rack_name[g->prack[a]]);
	for (uint32_t m = 0; m < g->n_members; m++) {
		uint16_t r = g->member_rack[m];
		ka_builder_add_member(b, g->member_id[m], g->instance_id[m],
				      r == KA_NO_RACK ? NULL : g->rack_name[r], 1);
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			ka_builder_subscribe_index(b, m, g->sub_topic[s]);
		for (uint32_t t = 0; t < g->n_topics; t++)
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
				if (owner[p] == m)
					ka_builder_add_owned_index(b, m, t, p - g->topic_off[t],
								   KA_NONE);
	}
	ka_group *out = NULL;
	CU_ASSERT_EQUAL(ka_builder_finish(b, &out), 0);
	ka_builder_free(b);
	return out;
}

/*
 * The next round, the first round's result as owned. kassign's own
 * cooperative strategies reach their plan in two rounds: the second is
 * complete, moves nothing and is optimally balanced. Kafka's
 * cooperative-sticky runs its whole procedure again, whose balancing loop
 * may move more: its second round is the sticky plan of that group with
 * the handovers withheld again, valid as a cooperative round.
 */
static void followup_of(const char *coop_name, const char *eager_name, bool kafka)
{
	uint64_t first, seed = kt_seed(0x666f6c6cull), n = tg_case_range(CASES, &first);
	const ka_strategy *coop = tg_strategy(coop_name), *eager = tg_strategy(eager_name);
	for (uint64_t i = first; i < first + n; i++) {
		ka_group *g = tg_random_case(seed, i, &desc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		uint32_t *round = tg_run(coop, g, 1);
		/* Topics and members are in the model's order in both groups. */
		ka_group *g2 = next_round(g, round);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g2);
		uint32_t *second = tg_run(coop, g2, 1), *plan = tg_run(eager, g2, 1);
		ka_metrics m = tg_metrics(g2, second);
		bool ok;
		if (kafka) {
			ok = ka_assignment_validate(g2, second, 1, NULL, NULL) == 0;
			for (uint32_t p = 0; ok && p < g2->n_partitions; p++)
				ok = second[p] == plan[p] || second[p] == KA_NONE;
		} else {
			ok = ka_assignment_validate(g2, second, 0, NULL, NULL) == 0 &&
			     m.moved == 0 && m.balanced;
		}
		CU_ASSERT(ok);
		if (!ok) {
			tg_report(coop_name, seed, i, &desc);
			fprintf(stderr,
				"  follow-up round: moved %u, balanced %d\n  first:  ", m.moved,
				m.balanced);
			tg_print_assignment(stderr, g, round);
			fprintf(stderr, "  second: ");
			tg_print_assignment(stderr, g2, second);
		}
		free(round);
		free(second);
		free(plan);
		ka_group_free(g2);
		ka_group_free(g);
		if (!ok)
			return;
	}
}

static void test_followup(void)
{
	followup_of("cooperative-sticky", "sticky", true);
	followup_of("cooperative-optimal", "optimal", false);
	followup_of("cooperative-locality", "locality", false);
}

/* ------------------------------------------------------------ past the old cap */

/*
 * Groups whose partitions + subscriptions + members pass 65,536, the size up
 * to which Kafka's balancing loop was once replayed: `sticky` against the
 * transcription above, exactly. Two shapes: many partitions over tens of
 * members, or thousands of members with tens of subscriptions each. Both
 * have overlapping subscription classes and members with their own, racks
 * on members and replicas, and churn: claims from a previous assignment
 * over three generations (stale ones, none, claims on topics no longer
 * subscribed, a few contested), and members that joined since with none.
 * The transcription rescans the group after every move, so a handful by
 * default; KT_LONG=1 for 200, KT_CASES=N for N.
 */
#define BEYOND_CASES 3
#define BEYOND_LONG  200
#define BEYOND_CAP   65536u

static bool one_in(kd_rng *r, uint32_t n)
{
	return kd_rng_below(r, n) == 0;
}

static void quiet(void *ctx, const ka_diag *d)
{
	(void)ctx;
	(void)d;
}

/* One group of the shapes above, built through the public builder; *size
 * is its partitions + subscriptions + members, which may fall short of the
 * cap (beyond_group draws again then). */
static ka_group *beyond_draw(kd_rng *r, uint64_t *size)
{
	static const char *const racks[] = {"az-a", "az-b", "az-c"};
	const bool members_shape = one_in(r, 2);
	const uint32_t nm =
	    members_shape ? 1200 + kd_rng_below(r, 1800) : 30 + kd_rng_below(r, 150);
	const uint32_t nt = members_shape ? 60 + kd_rng_below(r, 100) : 20 + kd_rng_below(r, 200);
	const uint32_t parts =
	    members_shape ? 3000 + kd_rng_below(r, 9000) : 66000 + kd_rng_below(r, 30000);
	const uint32_t rack_mode = kd_rng_below(r, 4); /* none, both, members only, replicas only */
	ka_builder *b = ka_builder_new(quiet, NULL);
	CU_ASSERT_FATAL(b != NULL);
	char name[48];
	uint32_t *count = malloc(nt * sizeof *count);
	CU_ASSERT_FATAL(count != NULL);
	uint64_t total = 0;
	for (uint32_t t = 0; t < nt; t++) {
		count[t] = kd_rng_below(r, 2 * parts / nt + 1);
		total += count[t];
		snprintf(name, sizeof name, "%s%u", one_in(r, 3) ? "Orders-" : "topic-",
			 t * 7919 % 100003);
		CU_ASSERT_FATAL(ka_builder_add_topic(b, name, count[t]) == (int64_t)t);
		if (rack_mode == 1 || rack_mode == 3) {
			const uint32_t rf = 1 + kd_rng_below(r, 3);
			for (uint32_t p = 0; p < count[t]; p++)
				for (uint32_t k = 0; k < rf; k++)
					ka_builder_add_partition_rack(b, t, p,
								      racks[(p + t + k) % 3]);
		}
	}

	/* Subscription classes of varied density over the topics; members take
	 * one, the first ones more often, or one of their own. */
	enum { CLASSES = 6 };
	static const uint32_t density[] = {3, 10, 30, 60, 90}; /* percent */
	uint8_t *cls = malloc((size_t)CLASSES * nt);
	uint32_t *subs = malloc(nt * sizeof *subs);
	CU_ASSERT_FATAL(cls && subs);
	const uint32_t n_classes = 2 + kd_rng_below(r, CLASSES - 1);
	for (uint32_t c = 0; c < n_classes; c++) {
		const uint32_t pct =
		    density[(members_shape ? 2 : 0) + kd_rng_below(r, members_shape ? 3 : 5)];
		for (uint32_t t = 0; t < nt; t++)
			cls[c * nt + t] = kd_rng_below(r, 100) < pct;
		cls[c * nt + kd_rng_below(r, nt)] = 1;
	}
	const int32_t gen = 5;
	int32_t *gens = malloc(nm * sizeof *gens);
	CU_ASSERT_FATAL(gens != NULL);
	uint64_t n_subs = 0;
	for (uint32_t i = 0; i < nm; i++) {
		snprintf(name, sizeof name, "%s-%u-%08x", one_in(r, 4) ? "Consumer" : "consumer",
			 kd_rng_below(r, 10 * nm), i);
		/* the generation of its claims: mostly the current one, some
		 * stale, some none; one in ten joined since and claims nothing */
		const uint32_t x = kd_rng_below(r, 20);
		gens[i] = x < 14 ? gen : x < 16 ? gen - 1 : x == 16 ? gen - 2 : KA_NO_GENERATION;
		const char *rack = rack_mode == 1 || rack_mode == 2
				       ? (one_in(r, 8) ? NULL : racks[kd_rng_below(r, 3)])
				       : NULL;
		CU_ASSERT_FATAL(ka_builder_add_member(b, name, NULL, rack, gens[i]) == (int64_t)i);
		const uint32_t c = kd_rng_below(r, kd_rng_below(r, n_classes) + 1);
		const bool own = one_in(r, 10);
		uint32_t ns = 0;
		for (uint32_t t = 0; t < nt; t++)
			if (own ? (cls[c * nt + t] != one_in(r, 8)) : cls[c * nt + t])
				subs[ns++] = t;
		ka_builder_subscribe_indices(b, i, subs, ns);
		n_subs += ns;
	}

	/* Claims: a previous owner for most partitions, mostly a subscriber
	 * (its members listed per topic first), now and then anybody; a
	 * second, older or contested claim on some. */
	uint32_t *holders = malloc(nm * sizeof *holders);
	CU_ASSERT_FATAL(holders != NULL);
	const bool churn = !one_in(r, 5);
	for (uint32_t t = 0; churn && t < nt; t++) {
		uint32_t nh = 0;
		for (uint32_t i = 0; i < nm; i++)
			if (gens[i] != KA_NO_GENERATION || one_in(r, 2))
				holders[nh++] = i;
		for (uint32_t p = 0; p < count[t]; p++) {
			if (one_in(r, 7) || !nh)
				continue;
			const uint32_t claims = one_in(r, 8) ? 2 : 1;
			for (uint32_t k = 0; k < claims; k++) {
				const uint32_t m = one_in(r, 30) ? kd_rng_below(r, nm)
								 : holders[kd_rng_below(r, nh)];
				ka_builder_add_owned_index(b, m, t, p, k);
			}
		}
	}
	ka_group *g = NULL;
	const int rc = ka_builder_finish(b, &g);
	CU_ASSERT(rc == 0);
	ka_builder_free(b);
	free(count), free(cls), free(subs), free(gens), free(holders);
	*size = total + n_subs + nm;
	return rc == 0 ? g : NULL;
}

static ka_group *beyond_group(kd_rng *r, uint64_t *size)
{
	for (;;) {
		ka_group *g = beyond_draw(r, size);
		if (!g || *size > BEYOND_CAP)
			return g;
		ka_group_free(g);
	}
}

static void test_beyond(void)
{
	const uint64_t fallback = getenv("KT_LONG") ? BEYOND_LONG : BEYOND_CASES;
	uint64_t first, seed = kt_seed(0x6265796f6e64ull), n = tg_case_range(fallback, &first);
	const ka_strategy *s = tg_strategy("sticky");
	uint64_t compared = 0, aware_n = 0, loop_moved = 0, loop_parts = 0, greedy_kept = 0;
	uint64_t smallest = UINT64_MAX, largest = 0;
	for (uint64_t i = first; i < first + n; i++) {
		kd_rng r;
		tg_case_rng(&r, seed, i);
		uint64_t size;
		ka_group *g = beyond_group(&r, &size);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		CU_ASSERT(size > BEYOND_CAP);
		smallest = size < smallest ? size : smallest;
		largest = size > largest ? size : largest;
		const bool aware = rack_aware(g), equal = (g->flags & KA_GROUP_HOMOGENEOUS) != 0;
		uint32_t *ref = equal ? kafka_constrained(g, aware) : kafka_general(g, aware);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
		if (!equal) {
			uint32_t *greedy = ref;
			ref = kafka_balance(g, aware, greedy);
			if (ref) {
				uint32_t moved = 0;
				for (uint32_t p = 0; p < g->n_partitions; p++)
					moved += ref[p] != greedy[p];
				loop_moved += moved > 0;
				loop_parts += moved;
				free(greedy);
			} else {
				ref = greedy; /* Kafka would fail: kassign keeps the greedy's */
				greedy_kept++;
			}
		}
		uint32_t *owner = tg_run(s, g, 1);
		CU_ASSERT(ka_assignment_validate(g, owner, 0, NULL, NULL) == 0);
		uint32_t diff = 0, where = KA_NONE;
		for (uint32_t p = 0; p < g->n_partitions; p++)
			if (owner[p] != ref[p] && diff++ == 0)
				where = p;
		compared++;
		aware_n += aware;
		CU_ASSERT(diff == 0);
		if (diff)
			fprintf(
			    stderr,
			    "sticky is not Kafka's answer on a group of %" PRIu64
			    " (partitions + subscriptions + members): %u partitions differ, the "
			    "first %u (Kafka: member %u, got %u); replay with KT_SEED=0x%" PRIx64
			    " KT_CASE=%" PRIu64 " test_sticky beyond\n",
			    size, diff, where, ref[where], owner[where], seed, i);
		free(ref);
		free(owner);
		ka_group_free(g);
		if (diff)
			return;
	}
	fprintf(stderr,
		"beyond: %" PRIu64 " groups of %" PRIu64 " to %" PRIu64
		" partitions + subscriptions + members compared, %" PRIu64 " rack-aware, %" PRIu64
		" changed by Kafka's balancing loop (%" PRIu64 " partitions), %" PRIu64
		" where Kafka's loop would fail\n",
		compared, smallest == UINT64_MAX ? 0 : smallest, largest, aware_n, loop_moved,
		loop_parts, greedy_kept);
	/* the comparison must reach the loop's moves */
	CU_ASSERT(n < BEYOND_CASES || loop_moved > 0);
}

/* ------------------------------------------------------------ past 16 topics */

/*
 * Unequal subscriptions over 17 and 18 topics, where a scratch table sized
 * by members was once filled per topic: a partition was left unassigned,
 * given to a non-subscriber, or the balancing loop's replay crashed.
 * Kafka's answers, from GeneralAssignmentBuilder by hand: topics are dealt
 * fewest subscribers first, then by name, each partition to the
 * least-loaded subscriber (ties by member id), then partitions of topics
 * with two or more subscribers move while one's owner has two more than
 * another subscriber.
 */
static const tg_topic topics17[] = {
    {"t01", 1, NULL}, {"t02", 1, NULL}, {"t03", 1, NULL}, {"t04", 1, NULL}, {"t05", 1, NULL},
    {"t06", 1, NULL}, {"t07", 1, NULL}, {"t08", 1, NULL}, {"t09", 1, NULL}, {"t10", 1, NULL},
    {"t11", 1, NULL}, {"t12", 1, NULL}, {"t13", 1, NULL}, {"t14", 1, NULL}, {"t15", 1, NULL},
    {"t16", 1, NULL}, {"t17", 1, NULL}, {"t18", 1, NULL},
};

/* Runs sticky and cooperative-sticky on g, expecting `plan` from sticky and
 * `round` from the cooperative round; then the follow-up round (the round
 * as owned, one generation) must complete the plan. */
static void expect_rounds(ka_group *g, const char *plan, const char *round)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	uint32_t *eager = tg_run(tg_strategy("sticky"), g, 1);
	uint32_t *coop = tg_run(tg_strategy("cooperative-sticky"), g, 1);
	CU_ASSERT(ka_assignment_validate(g, eager, 0, NULL, NULL) == 0);
	CU_ASSERT(ka_assignment_validate(g, coop, 1, NULL, NULL) == 0);
	CU_ASSERT(tg_expect(g, eager, plan, "sticky"));
	CU_ASSERT(tg_expect(g, coop, round, "cooperative-sticky"));
	ka_group *g2 = next_round(g, coop);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g2);
	uint32_t *second = tg_run(tg_strategy("cooperative-sticky"), g2, 1);
	CU_ASSERT(ka_assignment_validate(g2, second, 0, NULL, NULL) == 0);
	CU_ASSERT(tg_expect(g2, second, plan, "follow-up"));
	free(second);
	ka_group_free(g2);
	free(eager);
	free(coop);
	ka_group_free(g);
}

static void test_topics17(void)
{
	/* t01 has one subscriber, b; t17 two: t01 to b, then t17 to a (0 < 1) */
	const tg_member m17[] = {{"a", .topics = "t17"}, {"b", .topics = "t01 t17"}};
	expect_rounds(tg_build(topics17, 17, m17, 2), "a t17:0; b t01:0", "a t17:0; b t01:0");
	/* 18 topics: the same with t18 */
	const tg_member m18[] = {{"a", .topics = "t18"}, {"b", .topics = "t01 t18"}};
	expect_rounds(tg_build(topics17, 18, m18, 2), "a t18:0; b t01:0", "a t18:0; b t01:0");
}

static void test_topics17_balance(void)
{
	/* b keeps t04, c t06 (generation 1; a has none). Single-subscriber
	 * topics t01 t12 t15 t16 go a, c, a, c: loads 2, 1, 3. The loop moves
	 * t06 (subscribers b and c) from c (3) to b (1), and the balance score
	 * falls from 4 to 0, so the move stays. Cooperative: t06 changes owner
	 * and waits for the next round. */
	const tg_member m[] = {{"a", .topics = "t01 t15"},
			       {"b", .topics = "t04 t06", .owned = "t04:0", .gen = "1"},
			       {"c", .topics = "t06 t12 t16", .owned = "t06:0", .gen = "1"}};
	expect_rounds(tg_build(topics17, 17, m, 3), "a t01:0 t15:0; b t04:0 t06:0; c t12:0 t16:0",
		      "a t01:0 t15:0; b t04:0; c t12:0 t16:0");
	/* c keeps both claims (generation 2), t01 goes to a, t15 to b: loads
	 * 1, 1, 2, balanced, nothing moves. */
	const tg_member m2[] = {{"a", .topics = "t01 t03 t17"},
				{"b", .topics = "t15"},
				{"c", .topics = "t03 t17", .owned = "t03:0 t17:0", .gen = "2"}};
	expect_rounds(tg_build(topics17, 17, m2, 3), "a t01:0; b t15:0; c t03:0 t17:0",
		      "a t01:0; b t15:0; c t03:0 t17:0");
}

static const kt_test topics17_tests[] = {
    {"topics17", test_topics17}, {"topics17_balance", test_topics17_balance}, {NULL, NULL}};

static const kt_test optimal_tests[] = {
    {"optimal", test_optimal}, {"kafka", test_kafka}, {NULL, NULL}};
static const kt_test cooperative_tests[] = {{"cooperative", test_cooperative}, {NULL, NULL}};
static const kt_test followup_tests[] = {{"followup", test_followup}, {NULL, NULL}};
static const kt_test beyond_tests[] = {{"beyond", test_beyond}, {NULL, NULL}};

static const kt_suite suites[] = {{"topics17", topics17_tests},       {"optimal", optimal_tests},
				  {"cooperative", cooperative_tests}, {"followup", followup_tests},
				  {"beyond", beyond_tests},           {NULL, NULL}};

KT_MAIN(suites)
