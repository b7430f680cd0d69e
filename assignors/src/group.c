/*
 * group.c - the builder that turns topics, members, subscriptions and claims
 * into the flat, read-only ka_group model.
 *
 * Adding only records input (names copied into an arena, racks interned);
 * ka_builder_finish() does the work once: it orders topics and members the
 * way Kafka does, detects duplicates, and lays subscriptions, claims and
 * replica racks out as CSR arrays. Every per-item list is produced by a
 * counting sort over the dense target ids, so finishing is linear in the
 * input (a G-1M group has 10 M subscriptions and 1 M claims) apart from the
 * two name sorts.
 */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE) beside _POSIX_C_SOURCE */
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "internal.h"
#include "sort.h"

/* ------------------------------------------------------------ growable arrays */

#define VEC(T)                                                                                     \
	struct {                                                                                   \
		T *v;                                                                              \
		size_t n;                                                                          \
		size_t cap;                                                                        \
	}

#define HUGE_PAGE ((size_t)2 << 20)

/* malloc, in 2 MiB pages from 2 MiB on. A G-1M group's arrays and finish's
 * scratch are megabytes written once: in large pages they cost a few hundred
 * page faults instead of tens of thousands, which on a virtual machine was a
 * third of loading. free() releases it. */
static void *big_alloc(size_t bytes)
{
	void *p = NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	if (bytes >= HUGE_PAGE) {
		const size_t whole = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
		if (posix_memalign(&p, HUGE_PAGE, whole) == 0)
			madvise(p, whole, MADV_HUGEPAGE);
		else
			p = NULL;
	}
#endif
	return p ? p : malloc(bytes);
}

/* Room for want elements in a list holding used. A list past 2 MiB moves
 * to big_alloc's 2 MiB pages as it grows: realloc would leave it where the
 * heap has room, in 4 KiB pages that each cost a page fault as the list
 * fills (a G-1M group's claims and subscriptions: thousands of faults). */
static int vec_reserve(void **v, size_t *cap, size_t used, size_t want, size_t elem)
{
	if (want <= *cap)
		return 0;
	size_t c = *cap ? *cap : 16;
	while (c < want)
		c *= 2;
	void *p;
	if (c * elem >= HUGE_PAGE) {
		p = big_alloc(c * elem);
		if (p && *v) {
			memcpy(p, *v, used * elem);
			free(*v);
		}
	} else {
		p = realloc(*v, c * elem);
	}
	if (!p)
		return KA_ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

/* The room test inline: a G-1M group pushes millions of subscriptions and
 * claims, nearly all into room already there. */
#define VEC_PUSH(vec, val)                                                                         \
	((vec).n >= (vec).cap && vec_reserve((void **)&(vec).v, &(vec).cap, (vec).n, (vec).n + 1,  \
					     sizeof *(vec).v) != 0                                 \
	     ? KA_ENOMEM                                                                           \
	     : ((vec).v[(vec).n++] = (val), 0))

/* ------------------------------------------------------------ string arena */

typedef struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
} arena_block;

typedef struct arena {
	arena_block *head;
} arena;

static char *arena_strdup(arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	arena_block *b = a->head;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
	}
	char *p = b->data + b->used;
	memcpy(p, s, n);
	b->used += n;
	return p;
}

static void arena_free(arena *a)
{
	for (arena_block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

/* ------------------------------------------------------------ builder state */

typedef struct in_topic {
	const char *name;
	uint32_t partitions;
	uint32_t first; /* running partition offset in input order */
} in_topic;

typedef struct in_member {
	const char *id;
	const char *instance;
	uint16_t rack;
	int32_t generation;
	size_t sub_begin; /* its subscriptions: subs[sub_begin .. + sub_n) */
	uint32_t sub_n;
	int shared; /* sub_begin is the previous member's list, equal to its own */
} in_member;

typedef struct in_claim {
	uint32_t member, topic, partition, item;
} in_claim;

typedef struct in_rack {
	uint32_t topic, partition;
	uint16_t rack;
} in_rack;

struct ka_builder {
	ka_diag_fn fn;
	void *ctx;
	int err;      /* first error seen, reported again by finish */
	int finished; /* finish ran: only free is allowed */
	arena strings;
	const char *name;
	ka__strmap topic_by_name;
	ka__strmap rack_by_name;
	VEC(const char *) rack_names;
	VEC(in_topic) topics;
	VEC(in_member) members;
	VEC(uint32_t) subs;   /* topic input indices, member after member */
	size_t n_subs;        /* subscriptions, shared lists counted for each member */
	uint32_t *topic_mark; /* [topics]: last member (+1) that subscribed to it */
	VEC(in_claim) claims;
	VEC(in_rack) racks;
	VEC(in_rack) leaders; /* in call order: a later one for a partition wins */
	uint64_t n_partitions;
};

/* prev_owner[] of a contested partition while claims are resolved (not a
 * member id: ids stay below KA_MAX_MEMBERS). */
#define CONTESTED (KA_NONE - 1)

/* The group and every array it owns, freed together. */
typedef struct group_impl {
	ka_group pub;
	arena strings;
	void *blocks[32];
	int n_blocks;
	void *zeros; /* mmap'd, never written: no_racks() */
	size_t zeros_bytes;
} group_impl;

static void diag(ka_builder *b, int code, uint32_t member, uint32_t other, uint32_t topic,
		 uint32_t item, int64_t partition, const char *name)
{
	if (code < 0 && !b->err)
		b->err = code;
	if (!b->fn)
		return;
	ka_diag d = {code, member, other, topic, item, partition, name};
	b->fn(b->ctx, &d);
}

ka_builder *ka_builder_new(ka_diag_fn fn, void *ctx)
{
	ka_builder *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->fn = fn;
	b->ctx = ctx;
	b->name = "";
	if (ka__strmap_init(&b->topic_by_name, 64) != 0 ||
	    ka__strmap_init(&b->rack_by_name, 16) != 0) {
		ka_builder_free(b);
		return NULL;
	}
	return b;
}

void ka_builder_free(ka_builder *b)
{
	if (!b)
		return;
	arena_free(&b->strings);
	ka__strmap_free(&b->topic_by_name);
	ka__strmap_free(&b->rack_by_name);
	free(b->rack_names.v);
	free(b->topics.v);
	free(b->members.v);
	free(b->subs.v);
	free(b->claims.v);
	free(b->racks.v);
	free(b->leaders.v);
	free(b->topic_mark);
	free(b);
}

/* Fails the builder for good: later calls and finish return the same code. */
static int fail(ka_builder *b, int code)
{
	if (!b->err)
		b->err = code;
	return code;
}

/* 0 when the builder takes more input, else the code to return. */
static int refuse(const ka_builder *b)
{
	if (!b)
		return KA_EINVAL;
	if (b->finished)
		return KA_ESTATE;
	return b->err == KA_ENOMEM ? KA_ENOMEM : 0;
}

int ka_builder_set_name(ka_builder *b, const char *name)
{
	int refused = refuse(b);
	if (refused)
		return refused;
	if (!name)
		return KA_EINVAL;
	const char *copy = arena_strdup(&b->strings, name);
	if (!copy)
		return fail(b, KA_ENOMEM);
	b->name = copy;
	return 0;
}

int64_t ka_builder_add_topic(ka_builder *b, const char *name, int64_t partitions)
{
	int refused = refuse(b);
	if (refused)
		return refused;
	if (!name)
		return KA_EINVAL;
	if (b->members.n)
		return KA_ESTATE;
	/* The topic is recorded even when it breaks a rule, so that input indices
	 * keep following the caller's order; the error fails finish. */
	uint32_t index = (uint32_t)b->topics.n;
	if (b->topics.n >= KA_MAX_TOPICS) {
		if (b->topics.n == KA_MAX_TOPICS)
			diag(b, KA_ELIMIT, KA_NONE, KA_NONE, index, KA_NONE, -1, name);
		return fail(b, KA_ELIMIT);
	}
	if (partitions < 0) {
		diag(b, KA_ERANGE, KA_NONE, KA_NONE, index, KA_NONE, partitions, name);
		partitions = 0;
	} else if (strlen(name) > KA_MAX_NAME) {
		diag(b, KA_ELIMIT, KA_NONE, KA_NONE, index, KA_NONE, -1, name);
	} else if (b->n_partitions + (uint64_t)partitions > KA_MAX_PARTITIONS) {
		/* Reported where the total crosses the limit, once. */
		if (b->n_partitions <= KA_MAX_PARTITIONS)
			diag(b, KA_ELIMIT, KA_NONE, KA_NONE, index, KA_NONE, partitions, name);
		b->n_partitions = (uint64_t)KA_MAX_PARTITIONS + 1;
		partitions = 0;
	} else {
		b->n_partitions += (uint64_t)partitions;
	}
	const char *copy = arena_strdup(&b->strings, name);
	if (!copy)
		return fail(b, KA_ENOMEM);
	in_topic t = {copy, (uint32_t)partitions, 0};
	if (VEC_PUSH(b->topics, t) != 0)
		return fail(b, KA_ENOMEM);
	/* First topic of a name wins lookups; duplicates are reported by finish. */
	if (ka__strmap_put(&b->topic_by_name, copy, index) == KA_NONE)
		return fail(b, KA_ENOMEM);
	return index;
}

/* Interns a rack name; KA_NO_RACK for NULL or "" (Kafka filters empty racks). */
static int intern_rack(ka_builder *b, const char *rack, uint16_t *out)
{
	*out = KA_NO_RACK;
	if (!rack || !*rack)
		return 0;
	uint32_t id = ka__strmap_get(&b->rack_by_name, rack);
	if (id != KA_NONE) {
		*out = (uint16_t)id;
		return 0;
	}
	if (b->rack_names.n >= KA_MAX_RACKS || strlen(rack) > KA_MAX_NAME) {
		diag(b, KA_ELIMIT, KA_NONE, KA_NONE, KA_NONE, KA_NONE, -1, rack);
		return fail(b, KA_ELIMIT);
	}
	const char *copy = arena_strdup(&b->strings, rack);
	if (!copy)
		return fail(b, KA_ENOMEM);
	id = (uint32_t)b->rack_names.n;
	if (VEC_PUSH(b->rack_names, copy) != 0 ||
	    ka__strmap_put(&b->rack_by_name, copy, id) == KA_NONE)
		return fail(b, KA_ENOMEM);
	*out = (uint16_t)id;
	return 0;
}

/* The checks and rack interning shared by a partition's replica and leader
 * racks: r is the (topic, partition, rack) to record. */
static int partition_rack(ka_builder *b, uint32_t topic, uint32_t partition, const char *rack,
			  in_rack *r)
{
	int refused = refuse(b);
	if (refused)
		return refused;
	if (topic >= b->topics.n || partition >= b->topics.v[topic].partitions)
		return KA_EINVAL;
	*r = (in_rack){topic, partition, KA_NO_RACK};
	return intern_rack(b, rack, &r->rack);
}

int ka_builder_add_partition_rack(ka_builder *b, uint32_t topic, uint32_t partition,
				  const char *rack)
{
	in_rack r;
	int rc = partition_rack(b, topic, partition, rack, &r);
	if (rc != 0)
		return rc;
	if (r.rack == KA_NO_RACK)
		return 0;
	return VEC_PUSH(b->racks, r) != 0 ? fail(b, KA_ENOMEM) : 0;
}

int ka_builder_set_partition_leader(ka_builder *b, uint32_t topic, uint32_t partition,
				    const char *rack)
{
	in_rack r;
	int rc = partition_rack(b, topic, partition, rack, &r);
	if (rc != 0)
		return rc;
	return VEC_PUSH(b->leaders, r) != 0 ? fail(b, KA_ENOMEM) : 0;
}

int64_t ka_builder_add_member(ka_builder *b, const char *member_id, const char *instance_id,
			      const char *rack, int64_t generation)
{
	int refused = refuse(b);
	if (refused)
		return refused;
	if (!member_id)
		return KA_EINVAL;
	/* Recorded even when it breaks a rule, like topics. */
	uint32_t index = (uint32_t)b->members.n;
	if (b->members.n >= KA_MAX_MEMBERS) {
		if (b->members.n == KA_MAX_MEMBERS)
			diag(b, KA_ELIMIT, index, KA_NONE, KA_NONE, KA_NONE, -1, member_id);
		return fail(b, KA_ELIMIT);
	}
	if (strlen(member_id) > KA_MAX_NAME || (instance_id && strlen(instance_id) > KA_MAX_NAME))
		diag(b, KA_ELIMIT, index, KA_NONE, KA_NONE, KA_NONE, -1, member_id);
	if (generation < KA_NO_GENERATION || generation > INT32_MAX) {
		diag(b, KA_ERANGE, index, KA_NONE, KA_NONE, KA_NONE, generation, member_id);
		generation = KA_NO_GENERATION;
	}
	in_member m = {NULL, NULL, KA_NO_RACK, (int32_t)generation, b->subs.n, 0, 0};
	int rc = intern_rack(b, rack, &m.rack);
	if (rc == KA_ENOMEM)
		return rc;
	m.id = arena_strdup(&b->strings, member_id);
	m.instance = instance_id ? arena_strdup(&b->strings, instance_id) : NULL;
	if (!m.id || (instance_id && !m.instance) || VEC_PUSH(b->members, m) != 0)
		return fail(b, KA_ENOMEM);
	return index;
}

/* A member about to get one more subscription than the list it shares:
 * its own copy at the end of subs, marked for the repeat check. */
static int unshare(ka_builder *b, in_member *im)
{
	size_t begin = im->sub_begin, n = im->sub_n;
	if (vec_reserve((void **)&b->subs.v, &b->subs.cap, b->subs.n, b->subs.n + n,
			sizeof *b->subs.v) != 0)
		return KA_ENOMEM;
	uint32_t member = (uint32_t)(im - b->members.v);
	for (size_t i = 0; i < n; i++)
		b->topic_mark[b->subs.v[begin + i]] = member + 1;
	memcpy(b->subs.v + b->subs.n, b->subs.v + begin, n * sizeof *b->subs.v);
	im->sub_begin = b->subs.n;
	b->subs.n += n;
	im->shared = 0;
	return 0;
}

/* Records one subscription of the member added last; a repeat is a warning.
 * Inline: ka_builder_subscribe_indices calls it for each of a list's topics. */
static inline int subscribe(ka_builder *b, uint32_t member, uint32_t topic, uint32_t item)
{
	if (!b->topic_mark) {
		b->topic_mark = calloc(b->topics.n + 1, sizeof *b->topic_mark);
		if (!b->topic_mark)
			return fail(b, KA_ENOMEM);
	}
	in_member *im = &b->members.v[member];
	if (im->shared && unshare(b, im) != 0)
		return fail(b, KA_ENOMEM);
	if (b->topic_mark[topic] == member + 1) {
		diag(b, KA_WDUP_SUBSCRIPTION, member, KA_NONE, topic, item, -1,
		     b->topics.v[topic].name);
		return 0;
	}
	if (b->n_subs >= KA_MAX_SUBSCRIPTIONS) {
		diag(b, KA_ELIMIT, member, KA_NONE, topic, item, -1, b->topics.v[topic].name);
		return fail(b, KA_ELIMIT);
	}
	b->topic_mark[topic] = member + 1;
	if (VEC_PUSH(b->subs, topic) != 0)
		return fail(b, KA_ENOMEM);
	im->sub_n++;
	b->n_subs++;
	return 0;
}

int ka_builder_subscribe_index(ka_builder *b, uint32_t member, uint32_t topic)
{
	int refused = refuse(b);
	if (refused)
		return refused;
	if (member >= b->members.n || topic >= b->topics.n)
		return KA_EINVAL;
	if (member + 1 != b->members.n)
		return KA_ESTATE;
	return subscribe(b, member, topic, KA_NONE);
}

int ka_builder_subscribe_indices(ka_builder *b, uint32_t member, const uint32_t *topics, size_t n)
{
	int refused = refuse(b);
	if (refused)
		return refused;
	if ((n && !topics) || member >= b->members.n)
		return KA_EINVAL;
	if (member + 1 != b->members.n)
		return KA_ESTATE;
	/* Without an early exit, so that the compiler checks many at a time: a
	 * G-1M group passes ten million subscriptions through here. */
	const uint32_t T = (uint32_t)b->topics.n;
	unsigned out_of_range = 0;
	for (size_t i = 0; i < n; i++)
		out_of_range |= topics[i] >= T;
	if (out_of_range)
		return KA_EINVAL;
	/* The same list as the previous member's (a pattern every member
	 * uses): kept once. It is free of repeats and in range, so taking it
	 * would have warned about nothing. */
	in_member *im = &b->members.v[member];
	if (member > 0 && n > 0 && im->sub_n == 0 && b->n_subs + n <= KA_MAX_SUBSCRIPTIONS) {
		const in_member *prev = &b->members.v[member - 1];
		if (prev->sub_n == n &&
		    memcmp(b->subs.v + prev->sub_begin, topics, n * sizeof *topics) == 0) {
			im->sub_begin = prev->sub_begin;
			im->sub_n = (uint32_t)n;
			im->shared = 1;
			b->n_subs += n;
			return 0;
		}
	}
	if (vec_reserve((void **)&b->subs.v, &b->subs.cap, b->subs.n, b->subs.n + n,
			sizeof *b->subs.v) != 0)
		return fail(b, KA_ENOMEM);
	for (size_t i = 0; i < n; i++) {
		int rc = subscribe(b, member, topics[i], KA_NONE);
		if (rc)
			return rc;
	}
	return 0;
}

int ka_builder_subscribe(ka_builder *b, uint32_t member, const char *topic, uint32_t item)
{
	int refused = refuse(b);
	if (refused)
		return refused;
	if (!topic || member >= b->members.n)
		return KA_EINVAL;
	if (member + 1 != b->members.n)
		return KA_ESTATE;
	uint32_t t = ka__strmap_get(&b->topic_by_name, topic);
	if (t == KA_NONE) {
		diag(b, KA_WUNKNOWN_TOPIC, member, KA_NONE, KA_NONE, item, -1, topic);
		return 0;
	}
	return subscribe(b, member, t, item);
}

static int add_claim(ka_builder *b, uint32_t member, uint32_t topic, int64_t partition,
		     uint32_t item)
{
	if (partition < 0 || partition >= b->topics.v[topic].partitions) {
		diag(b, KA_WOWNED_OUT_OF_RANGE, member, KA_NONE, topic, item, partition,
		     b->topics.v[topic].name);
		return 0;
	}
	if (b->claims.n >= KA_MAX_CLAIMS) {
		diag(b, KA_ELIMIT, member, KA_NONE, topic, item, partition,
		     b->topics.v[topic].name);
		return fail(b, KA_ELIMIT);
	}
	in_claim c = {member, topic, (uint32_t)partition, item};
	return VEC_PUSH(b->claims, c) != 0 ? fail(b, KA_ENOMEM) : 0;
}

int ka_builder_add_owned(ka_builder *b, uint32_t member, const char *topic, int64_t partition,
			 uint32_t item)
{
	int refused = refuse(b);
	if (refused)
		return refused;
	if (!topic || member >= b->members.n)
		return KA_EINVAL;
	if (member + 1 != b->members.n)
		return KA_ESTATE;
	uint32_t t = ka__strmap_get(&b->topic_by_name, topic);
	if (t == KA_NONE) {
		diag(b, KA_WOWNED_UNKNOWN_TOPIC, member, KA_NONE, KA_NONE, item, partition, topic);
		return 0;
	}
	return add_claim(b, member, t, partition, item);
}

int ka_builder_add_owned_index(ka_builder *b, uint32_t member, uint32_t topic, int64_t partition,
			       uint32_t item)
{
	int refused = refuse(b);
	if (refused)
		return refused;
	if (member >= b->members.n || topic >= b->topics.n)
		return KA_EINVAL;
	if (member + 1 != b->members.n)
		return KA_ESTATE;
	return add_claim(b, member, topic, partition, item);
}

/* ------------------------------------------------------------ finishing */

static void *group_alloc(group_impl *g, size_t count, size_t elem)
{
	assert(g->n_blocks < (int)(sizeof g->blocks / sizeof g->blocks[0]));
	/* One extra element so that empty arrays are still valid pointers. */
	void *p = big_alloc((count + 1) * elem);
	if (p)
		g->blocks[g->n_blocks++] = p;
	return p;
}

void ka_group_free(ka_group *pub)
{
	if (!pub)
		return;
	if (pub->flags & KA__GROUP_BORROWED)
		return;
	group_impl *g = (group_impl *)pub;
	for (int i = 0; i < g->n_blocks; i++)
		free(g->blocks[i]);
#if defined(__linux__)
	if (g->zeros)
		munmap(g->zeros, g->zeros_bytes);
#endif
	arena_free(&g->strings);
	free(g);
}

int ka_group_leader_view(const ka_group *g, ka_group *view)
{
	if (!g || !view)
		return KA_EINVAL;
	*view = *g;
	view->prack_off = g->lrack_off;
	view->prack = g->lrack;
	view->flags &= ~KA_GROUP_PARTITION_RACKS;
	if (g->flags & KA_GROUP_LEADER_RACKS)
		view->flags |= KA_GROUP_PARTITION_RACKS;
	view->flags |= KA__GROUP_BORROWED;
	return 0;
}

int ka_group_leader_view_new(const ka_group *g, ka_group **view)
{
	if (!view)
		return KA_EINVAL;
	*view = NULL;
	if (!g)
		return KA_EINVAL;
	/* A group of its own that owns no arrays: ka_group_free frees it alone. */
	group_impl *v = calloc(1, sizeof *v);
	if (!v)
		return KA_ENOMEM;
	ka_group_leader_view(g, &v->pub);
	v->pub.flags &= ~KA__GROUP_BORROWED;
	*view = &v->pub;
	return 0;
}

uint32_t ka_group_partition_topic(const ka_group *g, uint32_t p)
{
	/* Last topic whose offset is <= p: skips 0-partition topics. */
	uint32_t lo = 0, hi = g->n_topics;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->topic_off[mid] <= p)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Index sorts with a context (ka_sort_u32_by), into scratch of their own:
 * the builder is not a timed call. */
static int sort_indices(uint32_t *v, uint32_t n, ka_sort_cmp cmp, const ka_builder *b)
{
	uint32_t *tmp = malloc(((size_t)n + 1) * sizeof *tmp);
	if (!tmp)
		return KA_ENOMEM;
	ka_sort_u32_by(v, n, tmp, cmp, b);
	free(tmp);
	return 0;
}

/* Java order, then bytes: strings Java ranks equal (invalid UTF-8 decoding
 * to the same units) must still be told apart, and equal ones end adjacent. */
static int java_then_bytes(const char *x, const char *y)
{
	int c = ka_java_strcmp(x, y);
	return c ? c : strcmp(x, y);
}

static int cmp_topic_input(const void *ctx, uint32_t x, uint32_t y)
{
	const ka_builder *b = ctx;
	return java_then_bytes(b->topics.v[x].name, b->topics.v[y].name);
}

static int cmp_member_id(const void *ctx, uint32_t x, uint32_t y)
{
	const ka_builder *b = ctx;
	return java_then_bytes(b->members.v[x].id, b->members.v[y].id);
}

/* Kafka's MemberInfo order; equal instance ids fall back to member_id. */
static int cmp_member_info(const void *ctx, uint32_t x, uint32_t y)
{
	const ka_builder *b = ctx;
	const in_member *mx = &b->members.v[x], *my = &b->members.v[y];
	if (mx->instance && my->instance) {
		int c = java_then_bytes(mx->instance, my->instance);
		if (c)
			return c;
	} else if (mx->instance || my->instance) {
		return mx->instance ? -1 : 1;
	}
	return java_then_bytes(mx->id, my->id);
}

static uint32_t *identity(uint32_t n)
{
	uint32_t *p = malloc(((size_t)n + 1) * sizeof *p);
	if (p)
		for (uint32_t i = 0; i < n; i++)
			p[i] = i;
	return p;
}

/*
 * Items (topics, members) whose CSR lists are equal get one class id, in
 * order of first item: topics with the same subscribers (range groups
 * co-partitioned topics by them), members with the same subscriptions (the
 * sticky family's flow works on them). Returns the number of classes, or
 * KA_NONE when out of memory.
 */
static uint32_t list_classes(const uint32_t *off, const uint32_t *val, uint32_t n, uint32_t *cls)
{
	size_t cap = 16;
	while (cap < (size_t)n * 2)
		cap <<= 1;
	uint32_t *slot = malloc(cap * sizeof *slot); /* item representing the class */
	uint64_t *hash = malloc(((size_t)n + 1) * sizeof *hash);
	if (!slot || !hash) {
		free(slot);
		free(hash);
		return KA_NONE;
	}
	memset(slot, 0xff, cap * sizeof *slot);
	uint32_t n_classes = 0;
	for (uint32_t x = 0; x < n; x++) {
		const uint32_t *list = val + off[x];
		size_t len = off[x + 1] - off[x];
		hash[x] = ka__hash_u32(list, len);
		size_t i = (size_t)hash[x] & (cap - 1);
		for (;; i = (i + 1) & (cap - 1)) {
			uint32_t r = slot[i];
			if (r == KA_NONE) {
				slot[i] = x;
				cls[x] = n_classes++;
				break;
			}
			size_t rlen = off[r + 1] - off[r];
			if (hash[r] == hash[x] && rlen == len &&
			    memcmp(val + off[r], list, len * sizeof *list) == 0) {
				cls[x] = cls[r];
				break;
			}
		}
	}
	free(slot);
	free(hash);
	return n_classes;
}

/* Duplicate names: adjacent after sorting. Reports every later occurrence. */
static void report_duplicates(ka_builder *b, const uint32_t *sorted, uint32_t n, int topics)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = sorted[i - 1], y = sorted[i];
		const char *nx = topics ? b->topics.v[x].name : b->members.v[x].id;
		const char *ny = topics ? b->topics.v[y].name : b->members.v[y].id;
		if (strcmp(nx, ny) != 0)
			continue;
		/* x < y within a run of equals: name the first occurrence as `other`. */
		uint32_t first = x;
		for (uint32_t j = i - 1; j > 0; j--) {
			const char *nj = topics ? b->topics.v[sorted[j - 1]].name
						: b->members.v[sorted[j - 1]].id;
			if (strcmp(nj, ny) != 0)
				break;
			first = sorted[j - 1];
		}
		if (topics)
			diag(b, KA_EDUPTOPIC, KA_NONE, first, y, KA_NONE, -1, ny);
		else
			diag(b, KA_EDUPMEMBER, y, first, KA_NONE, KA_NONE, -1, ny);
	}
}

/*
 * ka_builder_finish's state, shared by its phases: the builder, the group
 * being laid out, the permutations between input and canonical order, and
 * scratch arrays. Each phase returns 0 or KA_ENOMEM; diagnostics go to the
 * builder (b->err holds the first error).
 */
typedef struct finish {
	ka_builder *b;
	group_impl *g;
	ka_group *G;
	uint32_t T, M, P;
	uint32_t *t_sorted; /* topic input indices in name order (= topic ids) */
	uint32_t *m_sorted; /* member input indices in member_id order */
	uint32_t *m_info;   /* member input indices in MemberInfo order (= member ids) */
	uint32_t *t_new;    /* [input index] -> topic id */
	uint32_t *m_new;    /* [input index] -> member id */
	uint32_t *scratch;  /* max(claims, M, P, T) + 1 */
	uint32_t *cursor;   /* max(T, M) + 1 */
	uint32_t *poff;     /* P + 2: per-partition bucket offsets */
	uint32_t *tsub_off; /* allocated with the member side, filled with the topic side */
	uint32_t *no_racks; /* P + 1 zeros: the offsets of rack lists that are all empty */
	uint32_t flags;     /* KA_GROUP_* found so far */
} finish;

/* Canonical orders of topics and members; duplicate names (errors) and
 * shared instance ids (warnings). */
static int order_names(finish *f)
{
	ka_builder *b = f->b;
	const uint32_t T = f->T, M = f->M;
	if (sort_indices(f->t_sorted, T, cmp_topic_input, b) != 0 ||
	    sort_indices(f->m_sorted, M, cmp_member_id, b) != 0 ||
	    sort_indices(f->m_info, M, cmp_member_info, b) != 0)
		return KA_ENOMEM;
	report_duplicates(b, f->t_sorted, T, 1);
	report_duplicates(b, f->m_sorted, M, 0);
	if (b->err)
		return 0;
	for (uint32_t i = 0; i < T; i++)
		f->t_new[f->t_sorted[i]] = i;
	for (uint32_t i = 0; i < M; i++)
		f->m_new[f->m_info[i]] = i;
	/* Shared instance ids: Kafka's broker fences the older member. */
	uint32_t prev = KA_NONE;
	for (uint32_t i = 0; i < M; i++) {
		const in_member *m = &b->members.v[f->m_info[i]];
		if (!m->instance)
			break;
		if (prev != KA_NONE && strcmp(b->members.v[prev].instance, m->instance) == 0)
			diag(b, KA_WDUP_INSTANCE_ID, f->m_info[i], prev, KA_NONE, KA_NONE, -1,
			     m->instance);
		prev = f->m_info[i];
	}
	return 0;
}

/* Topics, members and racks by id: names move into the group's arena. */
static int lay_out_names(finish *f)
{
	ka_builder *b = f->b;
	group_impl *g = f->g;
	ka_group *G = f->G;
	const uint32_t T = f->T, M = f->M;
	G->n_topics = T;
	G->n_members = M;
	G->n_partitions = f->P;
	G->n_racks = (uint32_t)b->rack_names.n;

	g->strings = b->strings;
	b->strings.head = NULL;
	G->name = b->name;

	const char **topic_name = group_alloc(g, T, sizeof *topic_name);
	uint32_t *topic_off = group_alloc(g, (size_t)T + 1, sizeof *topic_off);
	const char **member_id = group_alloc(g, M, sizeof *member_id);
	const char **instance_id = group_alloc(g, M, sizeof *instance_id);
	uint16_t *member_rack = group_alloc(g, M, sizeof *member_rack);
	int32_t *generation = group_alloc(g, M, sizeof *generation);
	uint32_t *id_order = group_alloc(g, M, sizeof *id_order);
	const char **rack_name = group_alloc(g, G->n_racks, sizeof *rack_name);
	if (!topic_name || !topic_off || !member_id || !instance_id || !member_rack ||
	    !generation || !id_order || !rack_name)
		return KA_ENOMEM;
	topic_off[0] = 0;
	for (uint32_t t = 0; t < T; t++) {
		const in_topic *it = &b->topics.v[f->t_sorted[t]];
		topic_name[t] = it->name;
		topic_off[t + 1] = topic_off[t] + it->partitions;
	}
	for (uint32_t m = 0; m < M; m++) {
		const in_member *im = &b->members.v[f->m_info[m]];
		member_id[m] = im->id;
		instance_id[m] = im->instance;
		member_rack[m] = im->rack;
		generation[m] = im->generation;
		if (im->instance)
			f->flags |= KA_GROUP_STATIC;
		if (im->rack != KA_NO_RACK)
			f->flags |= KA_GROUP_MEMBER_RACKS;
	}
	for (uint32_t i = 0; i < M; i++)
		id_order[i] = f->m_new[f->m_sorted[i]];
	if (G->n_racks)
		memcpy(rack_name, b->rack_names.v, G->n_racks * sizeof *rack_name);
	G->topic_name = topic_name;
	G->topic_off = topic_off;
	G->member_id = member_id;
	G->instance_id = instance_id;
	G->member_rack = member_rack;
	G->generation = generation;
	G->id_order = id_order;
	G->rack_name = rack_name;
	return 0;
}

/* The scratch arrays the later phases share. */
static int alloc_scratch(finish *f)
{
	size_t scratch_n = f->b->claims.n;
	if (scratch_n < (size_t)f->M + 1)
		scratch_n = (size_t)f->M + 1;
	if (scratch_n < (size_t)f->P + 1)
		scratch_n = (size_t)f->P + 1;
	if (scratch_n < (size_t)f->T + 1) /* sorting one member's topic list */
		scratch_n = (size_t)f->T + 1;
	f->scratch = big_alloc((scratch_n + 1) * sizeof *f->scratch);
	f->cursor = malloc((((size_t)f->T > f->M ? f->T : f->M) + 1) * sizeof *f->cursor);
	f->poff = big_alloc(((size_t)f->P + 2) * sizeof *f->poff);
	return f->scratch && f->cursor && f->poff ? 0 : KA_ENOMEM;
}

/*
 * Subscriptions, member side: each member's list is copied in canonical
 * member order and mapped to topic ids; loaders add topics in name order, so
 * a list is almost always ascending already and only checked. The topic-side
 * lists come after the claims (lay_out_topic_side).
 */
static int lay_out_subscriptions(finish *f)
{
	ka_builder *b = f->b;
	group_impl *g = f->g;
	ka_group *G = f->G;
	const uint32_t T = f->T, M = f->M;
	const size_t S = b->n_subs;
	uint32_t *sub_off = group_alloc(g, (size_t)M + 1, sizeof *sub_off);
	uint32_t *sub_topic = group_alloc(g, S, sizeof *sub_topic);
	uint32_t *tsub_off = group_alloc(g, (size_t)T + 1, sizeof *tsub_off);
	if (!sub_off || !sub_topic || !tsub_off)
		return KA_ENOMEM;
	sub_off[0] = 0;
	size_t prev_begin = 0, prev_n = 0;
	for (uint32_t m = 0; m < M; m++) {
		uint32_t in = f->m_info[m];
		size_t begin = b->members.v[in].sub_begin;
		uint32_t *list = sub_topic + sub_off[m], n = b->members.v[in].sub_n;
		/* Most groups subscribe many members alike: a list equal to the
		 * previous member's input list maps to the same output. */
		if (m > 0 && n > 0 && n == prev_n &&
		    (begin == prev_begin || memcmp(b->subs.v + begin, b->subs.v + prev_begin,
						   n * sizeof *b->subs.v) == 0)) {
			memcpy(list, list - n, n * sizeof *list);
			sub_off[m + 1] = sub_off[m] + n;
			continue;
		}
		prev_begin = begin;
		prev_n = n;
		int sorted = 1;
		for (uint32_t i = 0; i < n; i++) {
			list[i] = f->t_new[b->subs.v[begin + i]];
			sorted &= i == 0 || list[i - 1] < list[i];
		}
		if (!sorted)
			ka__sort_u32(list, n, f->scratch);
		sub_off[m + 1] = sub_off[m] + n;
		if (!n)
			diag(b, KA_WNO_SUBSCRIPTION, in, KA_NONE, KA_NONE, KA_NONE, -1,
			     G->member_id[m]);
	}
	/* A finished builder is only freed: its copy of the subscriptions goes
	 * now, before the topic-side lists double them. */
	free(b->subs.v);
	b->subs.v = NULL;
	b->subs.n = b->subs.cap = 0;
	G->sub_off = sub_off;
	G->sub_topic = sub_topic;
	f->tsub_off = tsub_off;
	return 0;
}

/*
 * Subscriptions, topic side, once the claims' memory is back: equal
 * subscriptions (KA_GROUP_HOMOGENEOUS), each topic's subscribers, and the
 * topic and member classes.
 */
static int lay_out_topic_side(finish *f)
{
	ka_group *G = f->G;
	const uint32_t T = f->T, M = f->M;
	const uint32_t *sub_off = G->sub_off, *sub_topic = G->sub_topic;
	uint32_t *tsub_off = f->tsub_off;
	const size_t S = f->b->n_subs;
	uint32_t *tsub_member = group_alloc(f->g, S, sizeof *tsub_member);
	if (!tsub_member)
		return KA_ENOMEM;
	int homogeneous = 1;
	uint32_t len0 = M ? sub_off[1] - sub_off[0] : 0;
	for (uint32_t m = 1; m < M && homogeneous; m++)
		homogeneous =
		    sub_off[m + 1] - sub_off[m] == len0 &&
		    memcmp(sub_topic + sub_off[m], sub_topic, len0 * sizeof *sub_topic) == 0;
	if (homogeneous)
		f->flags |= KA_GROUP_HOMOGENEOUS;
	memset(tsub_off, 0, ((size_t)T + 1) * sizeof *tsub_off);
	if (homogeneous && M) {
		/* Every subscribed topic lists every member: written in order,
		 * not scattered over T write positions. */
		for (uint32_t i = sub_off[0]; i < sub_off[1]; i++)
			tsub_off[sub_topic[i] + 1] = M;
		for (uint32_t t = 0; t < T; t++)
			tsub_off[t + 1] += tsub_off[t];
		for (uint32_t t = 0; t < T; t++)
			for (uint32_t k = tsub_off[t], m = 0; k < tsub_off[t + 1]; k++, m++)
				tsub_member[k] = m;
	} else {
		for (size_t i = 0; i < S; i++)
			tsub_off[sub_topic[i] + 1]++;
		for (uint32_t t = 0; t < T; t++)
			tsub_off[t + 1] += tsub_off[t];
		memcpy(f->cursor, tsub_off, (size_t)T * sizeof *f->cursor);
		for (uint32_t m = 0; m < M; m++)
			for (uint32_t i = sub_off[m]; i < sub_off[m + 1]; i++)
				tsub_member[f->cursor[sub_topic[i]]++] = m;
	}
	G->tsub_off = tsub_off;
	G->tsub_member = tsub_member;
	uint32_t *topic_class = group_alloc(f->g, T, sizeof *topic_class);
	uint32_t *member_class = group_alloc(f->g, M, sizeof *member_class);
	if (!topic_class || !member_class)
		return KA_ENOMEM;
	if (homogeneous) {
		/* One member class; a topic's subscribers are everyone or nobody,
		 * so at most two topic classes, numbered by first appearance as
		 * list_classes would, without hashing M x T entries twice. */
		for (uint32_t m = 0; m < M; m++)
			member_class[m] = 0;
		G->n_member_classes = M ? 1 : 0;
		uint32_t id[2] = {KA_NONE, KA_NONE}, n = 0;
		for (uint32_t t = 0; t < T; t++) {
			int full = tsub_off[t + 1] > tsub_off[t];
			if (id[full] == KA_NONE)
				id[full] = n++;
			topic_class[t] = id[full];
		}
		G->n_topic_classes = n;
	} else {
		G->n_topic_classes = list_classes(tsub_off, tsub_member, T, topic_class);
		G->n_member_classes = list_classes(sub_off, sub_topic, M, member_class);
	}
	if (G->n_topic_classes == KA_NONE || G->n_member_classes == KA_NONE)
		return KA_ENOMEM;
	G->topic_class = topic_class;
	G->member_class = member_class;
	return 0;
}

/* Bucket offsets by global partition of n items whose topic (input index)
 * and partition are at[i]: f->poff[p .. p + 1) (counting sort). */
#define BUCKET_BY_PARTITION(f, n, at)                                                              \
	do {                                                                                       \
		const uint32_t *topic_off_ = (f)->G->topic_off;                                    \
		memset((f)->poff, 0, ((size_t)(f)->P + 2) * sizeof *(f)->poff);                    \
		for (size_t i_ = 0; i_ < (n); i_++)                                                \
			(f)->poff[topic_off_[(f)->t_new[(at)[i_].topic]] + (at)[i_].partition +    \
				  1]++;                                                            \
		for (uint32_t p_ = 0; p_ < (f)->P; p_++)                                           \
			(f)->poff[p_ + 1] += (f)->poff[p_];                                        \
	} while (0)

/* The first of the ascending lo[0..hi) that is not below t (hi if none):
 * galloping, so that a search starting near its answer costs a few steps. */
static const uint32_t *first_not_below(const uint32_t *lo, const uint32_t *hi, uint32_t t)
{
	size_t step = 1;
	while ((size_t)(hi - lo) > step && lo[step - 1] < t) {
		lo += step;
		step *= 2;
	}
	const uint32_t *e = (size_t)(hi - lo) > step ? lo + step : hi;
	while (lo < e) {
		const uint32_t *mid = lo + (e - lo) / 2;
		if (*mid < t)
			lo = mid + 1;
		else
			e = mid;
	}
	return lo;
}

/* Claims on topics the member does not subscribe to: a warning each. A
 * member's claims usually come together and in topic order (its "owned"
 * object), so the search goes on from the previous claim's place when it
 * can. */
static void warn_unsubscribed(finish *f)
{
	ka_builder *b = f->b;
	const uint32_t *sub_off = f->G->sub_off, *sub_topic = f->G->sub_topic;
	const uint32_t *at = NULL;
	uint32_t at_m = KA_NONE;
	for (size_t i = 0; i < b->claims.n; i++) {
		const in_claim *c = &b->claims.v[i];
		uint32_t m = f->m_new[c->member], t = f->t_new[c->topic];
		const uint32_t *end = sub_topic + sub_off[m + 1];
		if (m != at_m || at == end || *at > t)
			at = sub_topic + sub_off[m];
		at_m = m;
		at = first_not_below(at, end, t);
		if (at == end || *at != t)
			diag(b, KA_WOWNED_UNSUBSCRIBED, c->member, KA_NONE, c->topic, c->item,
			     c->partition, b->topics.v[c->topic].name);
	}
}

/*
 * Claims: bucket by global partition (so each member's list comes out
 * ascending), resolve each partition's claimants, drop repeats; then the
 * claims on topics the member does not subscribe to (warnings). The
 * builder's claims are freed once resolved.
 */
static int resolve_claims(finish *f)
{
	ka_builder *b = f->b;
	group_impl *g = f->g;
	ka_group *G = f->G;
	const uint32_t M = f->M, P = f->P;
	const size_t C = b->claims.n;
	const uint32_t *topic_off = G->topic_off;
	uint32_t *own_off = group_alloc(g, (size_t)M + 1, sizeof *own_off);
	uint32_t *own_part = group_alloc(g, C, sizeof *own_part);
	uint32_t *prev_owner = group_alloc(g, P, sizeof *prev_owner);
	uint32_t *claim_of = big_alloc((C + 1) * sizeof *claim_of); /* claim indices by partition */
	uint32_t *stamp = malloc(((size_t)M + 1) * sizeof *stamp);
	uint32_t *poff = f->poff, *scratch = f->scratch;
	int rc = KA_ENOMEM;
	if (!own_off || !own_part || !prev_owner || !claim_of || !stamp)
		goto out;

	BUCKET_BY_PARTITION(f, C, b->claims.v);
	memcpy(scratch, poff, (size_t)P * sizeof *scratch);
	for (size_t i = 0; i < C; i++) {
		const in_claim *c = &b->claims.v[i];
		claim_of[scratch[topic_off[f->t_new[c->topic]] + c->partition]++] = (uint32_t)i;
	}

	uint32_t n_contested = 0;
	memset(own_off, 0, ((size_t)M + 1) * sizeof *own_off);
	memset(stamp, 0xff, ((size_t)M + 1) * sizeof *stamp);
	for (uint32_t p = 0; p < P; p++) {
		uint32_t top = KA_NONE, tie = KA_NONE;
		int32_t best = 0;
		for (uint32_t k = poff[p]; k < poff[p + 1]; k++) {
			const in_claim *c = &b->claims.v[claim_of[k]];
			uint32_t m = f->m_new[c->member];
			/* Partitions are swept in order: a member that claimed
			 * this one already has it as its stamp. */
			if (stamp[m] == p) {
				diag(b, KA_WOWNED_DUPLICATE, c->member, KA_NONE, c->topic, c->item,
				     c->partition, b->topics.v[c->topic].name);
				claim_of[k] = KA_NONE;
				continue;
			}
			stamp[m] = p;
			own_off[m + 1]++;
			if (top == KA_NONE || G->generation[m] > best) {
				top = m;
				tie = KA_NONE;
				best = G->generation[m];
			} else if (G->generation[m] == best) {
				tie = m;
			}
		}
		if (tie != KA_NONE) {
			n_contested++;
			const uint32_t t = ka_group_partition_topic(G, p);
			diag(b, KA_WOWNED_CONFLICT, f->m_info[top], f->m_info[tie], f->t_sorted[t],
			     KA_NONE, p - topic_off[t], G->topic_name[t]);
			top = KA_NONE;
		}
		/* Marked for now; listed once their number is known. */
		prev_owner[p] = tie != KA_NONE ? CONTESTED : top;
	}
	uint32_t *contested = group_alloc(g, n_contested, sizeof *contested);
	if (!contested)
		goto out;
	for (uint32_t p = 0, k = 0; p < P && k < n_contested; p++)
		if (prev_owner[p] == CONTESTED) {
			contested[k++] = p;
			prev_owner[p] = KA_NONE;
		}
	for (uint32_t m = 0; m < M; m++)
		own_off[m + 1] += own_off[m];
	memcpy(f->cursor, own_off, (size_t)M * sizeof *f->cursor);
	for (uint32_t p = 0; p < P; p++)
		for (uint32_t k = poff[p]; k < poff[p + 1]; k++)
			if (claim_of[k] != KA_NONE)
				own_part[f->cursor[f->m_new[b->claims.v[claim_of[k]].member]]++] =
				    p;
	if (own_off[M])
		f->flags |= KA_GROUP_OWNED;

	warn_unsubscribed(f);
	G->own_off = own_off;
	G->own_part = own_part;
	G->prev_owner = prev_owner;
	G->contested = contested;
	G->n_contested = n_contested;
	free(b->claims.v);
	b->claims.v = NULL;
	b->claims.n = b->claims.cap = 0;
#if defined(__GLIBC__)
	/* Give the claims' pages back before the topic-side lists take as
	 * much again: glibc keeps a freed heap block for reuse. */
	malloc_trim(0);
#endif
	rc = 0;
out:
	free(claim_of);
	free(stamp);
	return rc;
}

/* The offsets of a per-partition list that is empty everywhere: P + 1
 * zeros, one block for the replica and the leader racks alike. A large one
 * is fresh anonymous memory that nothing writes, so most groups (no racks
 * at all) never touch its pages: at G-1M, 8 MB less to write and keep.
 * (calloc may hand back heap memory it must clear.) A small one is
 * cleared. */
static uint32_t *no_racks(finish *f)
{
	if (f->no_racks)
		return f->no_racks;
	const size_t bytes = ((size_t)f->P + 1) * sizeof *f->no_racks;
#if defined(__linux__)
	if (bytes >= HUGE_PAGE) {
		void *z =
		    mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (z != MAP_FAILED) {
			f->g->zeros = z;
			f->g->zeros_bytes = bytes;
			return f->no_racks = z;
		}
	}
#endif
	f->no_racks = group_alloc(f->g, f->P, sizeof *f->no_racks);
	if (f->no_racks)
		memset(f->no_racks, 0, bytes);
	return f->no_racks;
}

/* Replica racks: bucket by partition, sort and dedupe each short list. */
static int lay_out_replica_racks(finish *f)
{
	ka_builder *b = f->b;
	ka_group *G = f->G;
	const uint32_t P = f->P;
	const size_t R = b->racks.n;
	const uint32_t *topic_off = G->topic_off;
	if (R == 0) {
		G->prack_off = no_racks(f);
		G->prack = group_alloc(f->g, 0, sizeof *G->prack);
		return G->prack_off && G->prack ? 0 : KA_ENOMEM;
	}
	uint32_t *prack_off = group_alloc(f->g, (size_t)P + 1, sizeof *prack_off);
	uint16_t *prack = group_alloc(f->g, R, sizeof *prack);
	if (!prack_off || !prack)
		return KA_ENOMEM;
	uint32_t *poff = f->poff, *scratch = f->scratch;
	BUCKET_BY_PARTITION(f, R, b->racks.v);
	memcpy(scratch, poff, (size_t)P * sizeof *scratch);
	for (size_t i = 0; i < R; i++) {
		const in_rack *r = &b->racks.v[i];
		prack[scratch[topic_off[f->t_new[r->topic]] + r->partition]++] = r->rack;
	}
	uint32_t w = 0;
	for (uint32_t p = 0; p < P; p++) {
		uint32_t start = w;
		for (uint32_t i = poff[p]; i < poff[p + 1]; i++) {
			uint16_t r = prack[i];
			uint32_t j = w;
			while (j > start && prack[j - 1] > r)
				j--;
			if (j > start && prack[j - 1] == r) {
				uint32_t t = ka_group_partition_topic(G, p);
				diag(b, KA_WDUP_PARTITION_RACK, KA_NONE, KA_NONE, f->t_sorted[t],
				     KA_NONE, p - topic_off[t], G->rack_name[r]);
				continue;
			}
			memmove(prack + j + 1, prack + j, (w - j) * sizeof *prack);
			prack[j] = r;
			w++;
		}
		prack_off[p] = start;
	}
	prack_off[P] = w;
	if (w)
		f->flags |= KA_GROUP_PARTITION_RACKS;
	G->prack_off = prack_off;
	G->prack = prack;
	return 0;
}

/* Leader racks: the last call for a partition wins; the rack must be one of
 * the partition's replica racks (KA_ELEADER otherwise). */
static int lay_out_leader_racks(finish *f)
{
	ka_builder *b = f->b;
	ka_group *G = f->G;
	const uint32_t P = f->P;
	const uint32_t *topic_off = G->topic_off, *prack_off = G->prack_off;
	const uint16_t *prack = G->prack;
	if (b->leaders.n == 0) {
		G->lrack_off = no_racks(f);
		G->lrack = group_alloc(f->g, 0, sizeof *G->lrack);
		return G->lrack_off && G->lrack ? 0 : KA_ENOMEM;
	}
	uint32_t *lrack_off = group_alloc(f->g, (size_t)P + 1, sizeof *lrack_off);
	uint16_t *lrack = group_alloc(f->g, P, sizeof *lrack);
	if (!lrack_off || !lrack)
		return KA_ENOMEM;
	for (uint32_t p = 0; p < P; p++)
		lrack[p] = KA_NO_RACK;
	for (size_t i = 0; i < b->leaders.n; i++) {
		const in_rack *r = &b->leaders.v[i];
		lrack[topic_off[f->t_new[r->topic]] + r->partition] = r->rack;
	}
	uint32_t w = 0;
	for (uint32_t p = 0; p < P; p++) {
		const uint16_t r = lrack[p];
		lrack_off[p] = w;
		if (r == KA_NO_RACK)
			continue;
		uint32_t a = prack_off[p];
		while (a < prack_off[p + 1] && prack[a] < r)
			a++;
		if (a == prack_off[p + 1] || prack[a] != r) {
			uint32_t t = ka_group_partition_topic(G, p);
			diag(b, KA_ELEADER, KA_NONE, KA_NONE, f->t_sorted[t], KA_NONE,
			     p - topic_off[t], G->rack_name[r]);
			continue;
		}
		lrack[w++] = r;
	}
	lrack_off[P] = w;
	if (w)
		f->flags |= KA_GROUP_LEADER_RACKS;
	G->lrack_off = lrack_off;
	G->lrack = lrack;
	return 0;
}

int ka_builder_finish(ka_builder *b, ka_group **out)
{
	if (!out)
		return KA_EINVAL;
	*out = NULL;
	if (!b)
		return KA_EINVAL;
	if (b->finished)
		return KA_ESTATE;
	b->finished = 1;
	if (b->err == KA_ENOMEM)
		return KA_ENOMEM;

	finish f = {.b = b,
		    .T = (uint32_t)b->topics.n,
		    .M = (uint32_t)b->members.n,
		    .P = (uint32_t)b->n_partitions};
	f.g = calloc(1, sizeof *f.g);
	f.t_sorted = identity(f.T);
	f.m_sorted = identity(f.M);
	f.m_info = identity(f.M);
	f.t_new = malloc(((size_t)f.T + 1) * sizeof *f.t_new);
	f.m_new = malloc(((size_t)f.M + 1) * sizeof *f.m_new);
	int rc = KA_ENOMEM;
	if (f.g && f.t_sorted && f.m_sorted && f.m_info && f.t_new && f.m_new) {
		f.G = &f.g->pub;
		/* Duplicate names stop the build before anything is laid out. */
		rc = order_names(&f);
		if (rc == 0 && b->err)
			rc = b->err;
		if (rc == 0)
			rc = lay_out_names(&f);
		if (rc == 0)
			rc = alloc_scratch(&f);
		if (rc == 0)
			rc = lay_out_subscriptions(&f);
		if (rc == 0)
			rc = resolve_claims(&f);
		if (rc == 0)
			rc = lay_out_topic_side(&f);
		if (rc == 0)
			rc = lay_out_replica_racks(&f);
		if (rc == 0)
			rc = lay_out_leader_racks(&f);
		if (rc == 0) {
			f.G->flags = f.flags;
			rc = b->err;
		}
	}
	if (rc == 0) {
		*out = f.G;
		f.g = NULL;
	}
	if (rc == KA_ENOMEM && !b->err)
		b->err = KA_ENOMEM;
	if (f.g)
		ka_group_free(&f.g->pub);
	free(f.t_sorted);
	free(f.m_sorted);
	free(f.m_info);
	free(f.t_new);
	free(f.m_new);
	free(f.scratch);
	free(f.cursor);
	free(f.poff);
	return rc;
}
