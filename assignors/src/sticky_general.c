/*
 * sticky_general.c - Kafka's sticky procedure when members subscribe to
 * different topics (org.apache.kafka.clients.consumer.internals.
 * AbstractStickyAssignor.GeneralAssignmentBuilder, Kafka 3.5+, rack-aware as
 * of KIP-881): the greedy that keeps claims and deals the rest, and the
 * call into its balancing loop, which replay.c replays move for move.
 *
 * Every valid claim is kept (rack-aware: unless mismatched); the other
 * partitions are dealt in Kafka's order (topics by number of subscribers,
 * then name; partitions ascending), each to the least-loaded subscriber
 * (ties by member_id). Rack-aware, Kafka deals twice: first only to subscribers that
 * do not mismatch the partition (a member without rack included), leaving
 * a partition none of them can take, then the rest to any subscriber.
 * Kafka then moves partitions one by one while that improves balance
 * (performReassignments), which can stop short of the best balance. Where
 * the greedy's balance is certified optimal (certify.c) Kafka's loop moves
 * nothing; otherwise replay.c replays it move for move, at every size.
 * That is `sticky`: Kafka's answer, nothing substituted (sticky.c's
 * kafka_run).
 */
#include "sticky.h"

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
	X(tcls_cur, uint32_t, T)                                                                   \
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

/* filler_next, the usual case inline: the member at pos is still at level. */
static inline uint32_t filler_peek(filler *f, uint32_t c)
{
	const uint32_t pos = f->pos[c];
	if (pos < f->n_active[c]) {
		const uint32_t m = f->active[f->off[c] + pos];
		if (f->load[m] == f->level[c])
			return m;
	}
	return filler_next(f, c);
}

/* What the greedy's passes share. */
typedef struct dealing {
	const ka_group *g;
	const sides *sd;
	filler *fl;
	uint32_t *load;
	const uint32_t *id_rank, *topic_order;
	uint32_t nt;
	const uint32_t *tcls_off, *tcls;
	const uint8_t *rack_bit; /* member_rack_bits, NULL past 64 member racks */
} dealing;

/*
 * One pass of Kafka's greedy over the partitions left, in its order: each
 * to the least-loaded subscriber, ties by member_id. A topic's subscribers
 * are whole classes: the candidates are each class's next member. With
 * rack_match, only classes whose members do not mismatch the partition
 * take part, and a partition none of them can take is left.
 */
static void deal_general(const dealing *dl, int rack_match, uint32_t *owner)
{
	const ka_group *g = dl->g;
	const uint16_t *cls_rack = dl->sd->cls_rack;
	uint32_t *load = dl->load;
	const uint32_t *id_rank = dl->id_rank;
	for (uint32_t i = 0; i < dl->nt; i++) {
		uint32_t t = dl->topic_order[i];
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
			if (owner[p] != KA_NONE)
				continue;
			uint32_t best = KA_NONE;
			const uint64_t held =
			    rack_match && dl->rack_bit ? rack_mask(g, dl->rack_bit, p) : 0;
			for (uint32_t k = dl->tcls_off[t]; k < dl->tcls_off[t + 1]; k++) {
				uint32_t c = dl->tcls[k], r = rack_match ? cls_rack[c] : KA_NO_RACK;
				if (r != KA_NO_RACK &&
				    !(dl->rack_bit ? (int)((held >> (dl->rack_bit[r] - 1)) & 1)
						   : has_rack(g, p, r)))
					continue;
				uint32_t m = filler_peek(dl->fl, c);
				if (m != KA_NONE &&
				    (best == KA_NONE || load[m] < load[best] ||
				     (load[m] == load[best] && id_rank[m] < id_rank[best])))
					best = m;
			}
			if (best == KA_NONE) {
				assert(rack_match);
				continue;
			}
			owner[p] = best;
			load[best]++;
		}
	}
}

/* Slabs are sized by the bounds of dims; the classes themselves are sides'. */
#define GENERAL_SIZES const size_t M = g->n_members, T = g->n_topics, C = d->cls, SC = d->cls_subs

/* Every valid claim is kept; rack-aware, unless it is mismatched. A
 * member's claims ascend, so its topics are found by topic_from and its
 * subscription is looked up once per topic. Sets owner[] and load[]. */
static void keep_claims(const ka_group *g, int racks, uint32_t *owner, uint32_t *load)
{
	const uint32_t M = g->n_members;
	for (uint32_t p = 0; p < g->n_partitions; p++)
		owner[p] = KA_NONE;
	memset(load, 0, M * sizeof *load);
	for (uint32_t m = 0; m < M; m++) {
		uint32_t t = 0, last_t = KA_NONE;
		int valid = 0;
		for (uint32_t k = g->own_off[m]; k < g->own_off[m + 1]; k++) {
			uint32_t p = g->own_part[k];
			if (g->prev_owner[p] != m)
				continue;
			topic_from(g, p, &t);
			if (t != last_t) {
				last_t = t;
				valid = ka__subscribes(g, m, t);
			}
			if (valid && !(racks && mismatch(g, m, p))) {
				owner[p] = m;
				load[m]++;
			}
		}
	}
}

/* Classes' members by (starting load, member_id): the pending lists of
 * the filler (by cls_off, its off[]), which starts with nobody active.
 * sort_key[M] is scratch. */
static void fill_pending(const sides *sd, filler *fl, uint32_t *cls_off, uint64_t *sort_key)
{
	const ka_group *g = fl->g;
	const uint32_t M = g->n_members, NC = sd->n_cls, *cls_of = sd->cls_of;
	uint32_t *cls_pos = fl->pos, *pend = fl->pend;
	for (uint32_t m = 0; m < M; m++)
		sort_key[m] = ((uint64_t)fl->load[m] << 32) | fl->id_rank[m];
	sort_keys(sort_key, M);
	memset(cls_off, 0, (NC + 1) * sizeof *cls_off);
	for (uint32_t m = 0; m < M; m++)
		cls_off[cls_of[m] + 1]++;
	for (size_t c = 0; c < NC; c++)
		cls_off[c + 1] += cls_off[c];
	memcpy(cls_pos, cls_off, NC * sizeof *cls_pos); /* cursors for now */
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[(uint32_t)sort_key[i]];
		pend[cls_pos[cls_of[m]]++] = m;
	}
	memset(fl->level, 0, NC * sizeof *fl->level);
	memset(cls_pos, 0, NC * sizeof *cls_pos);
	memset(fl->n_active, 0, NC * sizeof *fl->n_active);
	memset(fl->n_pend, 0, NC * sizeof *fl->n_pend);
}

/* Topics by number of subscribers, then name (Kafka's TopicComparator): a
 * stable counting sort of topics already in name order, into topic_order;
 * returns how many (topics with subscribers and partitions). */
static uint32_t order_topics(const ka_group *g, uint32_t *by_count, uint32_t *topic_order)
{
	const size_t M = g->n_members, T = g->n_topics;
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
	return nt;
}

/* The classes subscribing to each topic (tcls by tcls_off), from one
 * member of each class; tcls_cur[T] is scratch. */
static void topic_classes(const ka_group *g, const sides *sd, uint32_t *tcls_off,
			  uint32_t *tcls_cur, uint32_t *tcls)
{
	const size_t T = g->n_topics;
	const uint32_t NC = sd->n_cls;
	memset(tcls_off, 0, (T + 1) * sizeof *tcls_off);
	for (uint32_t c = 0, scan = 0; c < NC; c++) {
		uint32_t m = class_rep(sd, c, &scan);
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			tcls_off[g->sub_topic[s] + 1]++;
	}
	for (size_t t = 0; t < T; t++)
		tcls_off[t + 1] += tcls_off[t];
	memcpy(tcls_cur, tcls_off, T * sizeof *tcls_cur);
	for (uint32_t c = 0, scan = 0; c < NC; c++) {
		uint32_t m = class_rep(sd, c, &scan);
		for (uint32_t s = g->sub_off[m]; s < g->sub_off[m + 1]; s++)
			tcls[tcls_cur[g->sub_topic[s]]++] = c;
	}
}

void ka__general_assign(const ka_group *g, const dims *d, const sides *sd, ka__ws *w,
			uint32_t *owner)
{
	GENERAL_SIZES;
#define X(name, type, n) type *name = ka__ws_take(w, (n), sizeof(type));
	GENERAL_SLABS(X)
#undef X
	assert(sd->n_cls <= C);
	(void)C;
	(void)SC;
	for (uint32_t i = 0; i < M; i++)
		id_rank[g->id_order[i]] = i;
	keep_claims(g, sd->racks, owner, load);
	filler fl = {g,       load,      id_rank, pend,       active,  merge_tmp,
		     cls_off, cls_level, cls_pos, cls_active, cls_pend};
	fill_pending(sd, &fl, cls_off, sort_key);
	const uint32_t nt = order_topics(g, by_count, topic_order);
	topic_classes(g, sd, tcls_off, tcls_cur, tcls);
	assert(tcls_off[T] <= SC);

	/*
	 * Deal the rest: each partition to the least-loaded subscriber (ties by
	 * member_id). Rack-aware, Kafka deals twice: first only to subscribers
	 * that do not mismatch (a member without rack never does), leaving a
	 * partition no such subscriber takes, then what is left to anyone.
	 */
	const uint8_t *bits = sd->racks && d->member_racks <= 64 ? sd->rack_bit : NULL;
	const dealing dl = {g, sd, &fl, load, id_rank, topic_order, nt, tcls_off, tcls, bits};
	if (sd->racks)
		deal_general(&dl, 1, owner);
	deal_general(&dl, 0, owner);
}

size_t ka__general_size(const ka_group *g, const dims *d)
{
	GENERAL_SIZES;
	size_t total = 0;
#define X(name, type, n) total = ka__ws_need(total, (n), sizeof(type));
	GENERAL_SLABS(X)
#undef X
	return total;
}

/*
 * For Kafka's balancing loop (replay.c): the partitions its greedy kept from
 * their previous owner, and whether a claim on a subscribed topic was
 * dropped (no longer subscribed, or rack-aware mismatched), which makes
 * Kafka skip its first pass.
 */
static int kept_claims(const ka_group *g, int racks, uint8_t *kept)
{
	int revocation = 0;
	uint32_t t = 0;
	for (uint32_t p = 0; p < g->n_partitions; p++) {
		topic_from(g, p, &t);
		const uint32_t m = g->prev_owner[p];
		kept[p] = 0;
		if (m == KA_NONE || g->tsub_off[t + 1] == g->tsub_off[t])
			continue;
		if (ka__subscribes(g, m, t) && !(racks && mismatch(g, m, p)))
			kept[p] = 1;
		else
			revocation = 1;
	}
	return revocation;
}

/* The replay's answer, in a slab that outlasts the optimum (taken first),
 * or NULL when the group is not replayed. */
const uint32_t *ka__general_replay(const ka_group *g, ka__ws *w, const uint32_t *greedy, int racks)
{
	if (!ka__replay_size(g))
		return NULL;
	uint32_t *rep = ka__ws_take(w, g->n_partitions, sizeof(uint32_t));
	const size_t mark = w->used;
	uint8_t *kept = ka__ws_take(w, g->n_partitions, 1);
	const int revocation = kept_claims(g, racks, kept);
	const int ok = ka__replay_balance(g, w, greedy, kept, revocation, rep);
	w->used = mark;
	return ok ? rep : NULL;
}

/* Room for ka__general_replay() in front of `rest`. */
size_t ka__general_replay_size(const ka_group *g, size_t rest)
{
	const size_t r = ka__replay_size(g);
	if (!r)
		return rest;
	const size_t P = g->n_partitions;
	return ka__ws_need(0, P, sizeof(uint32_t)) + max_size(ka__ws_need(0, P, 1) + r, rest);
}
