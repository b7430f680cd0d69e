/*
 * scenario.c - scenario files (docs/scenario-format.md) to and from the group
 * model.
 *
 * Loading is one pass over a compact document (jsondoc.h): each topic, then
 * each member, is checked field by field and, as long as nothing so far was
 * an error, fed to the library's builder. Feeding stops at the first error
 * (input indices then keep matching JSON indices for everything fed) but
 * checking goes on, so every error in the file is reported, not just the
 * first. The builder's diagnostics name input indices, and only the document
 * can turn them back into places such as members[3].owned.orders[2]; but the
 * group's arrays need the room while the builder finishes, so the document
 * is dropped first, keeping what messages ask most (topic names, members'
 * generations and pattern flags), and read again only when a message needs
 * a place in it.
 *
 * Messages are rate-limited per kind: a 10,000-member file with one mistake
 * repeated everywhere gives 20 lines and a count, not 10,000 lines.
 *
 * Writing streams text through a small buffer instead of building a DOM: a
 * G-1M scenario has a million owned claims, and jansson would allocate one
 * json_t per number.
 */
#include "datasets/jsondoc.h"
#include "datasets/names.h"
#include "datasets/scenario.h"
#include "datasets/pattern.h"
#include "datasets/wbuf.h"

#include <errno.h>
#include <inttypes.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <jansson.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Messages of one kind printed before the rest are only counted. */
#define KD_MSG_CAP 20

/* ------------------------------------------------------------ message kinds */

enum kd_kind {
	E_SYNTAX,
	E_TOP,
	E_MISSING,
	E_TYPE,
	E_EMPTY,
	E_RANGE,
	E_RACKS_LEN,
	E_LEADER,
	E_NAME_LEN,
	E_LIMIT,
	E_DUP_TOPIC,
	E_DUP_MEMBER,
	E_REGEX,
	E_BUILDER,
	E_NOMEM,
	W_UNKNOWN_FIELD,
	W_UNKNOWN_TOPIC,
	W_NO_SUB,
	W_OWNED_UNKNOWN_TOPIC,
	W_OWNED_RANGE,
	W_OWNED_UNSUB,
	W_OWNED_CONFLICT,
	W_OWNED_DUP,
	W_DUP_SUB,
	W_DUP_INSTANCE,
	W_DUP_PRACK,
	W_EMPTY_PRACK,
	W_OTHER,
	K_COUNT
};

/* What the "and N more like it" line says about a kind. */
static const char *const kind_what[K_COUNT] = {
    [E_SYNTAX] = "invalid JSON",
    [E_TOP] = "top level not an object",
    [E_MISSING] = "required field missing",
    [E_TYPE] = "wrong type",
    [E_EMPTY] = "empty name",
    [E_RANGE] = "value out of range",
    [E_RACKS_LEN] = "racks or leaders length differs from partitions",
    [E_LEADER] = "leader not among the replica racks",
    [E_NAME_LEN] = "name too long",
    [E_LIMIT] = "limit exceeded",
    [E_DUP_TOPIC] = "duplicate topic name",
    [E_DUP_MEMBER] = "duplicate member id",
    [E_REGEX] = "invalid pattern",
    [E_BUILDER] = "group model error",
    [E_NOMEM] = "out of memory",
    [W_UNKNOWN_FIELD] = "unknown field ignored",
    [W_UNKNOWN_TOPIC] = "unknown topic ignored",
    [W_NO_SUB] = "member without subscriptions",
    [W_OWNED_UNKNOWN_TOPIC] = "owned partitions of unknown topic dropped",
    [W_OWNED_RANGE] = "owned partition out of range dropped",
    [W_OWNED_UNSUB] = "owned partition of unsubscribed topic",
    [W_OWNED_CONFLICT] = "conflicting claim dropped",
    [W_OWNED_DUP] = "owned partition listed twice",
    [W_DUP_SUB] = "topic subscribed twice",
    [W_DUP_INSTANCE] = "shared group_instance_id",
    [W_DUP_PRACK] = "replica rack listed twice",
    [W_EMPTY_PRACK] = "empty replica rack ignored",
    [W_OTHER] = "warning",
};

static bool kind_is_error(int kind)
{
	return kind < W_UNKNOWN_FIELD;
}

/* ------------------------------------------------------------ string map */

/* Open addressing from borrowed NUL-terminated keys to uint32 values. */
struct smap_slot {
	const char *key;
	uint32_t val;
};

struct smap {
	struct smap_slot *slot;
	size_t mask;
	size_t len;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h ^ (h >> 29);
}

static int smap_init(struct smap *m, size_t expect)
{
	size_t cap = 16;
	while (cap < expect * 2 && cap < ((size_t)1 << 40))
		cap <<= 1;
	m->slot = calloc(cap, sizeof *m->slot);
	m->mask = cap - 1;
	m->len = 0;
	return m->slot ? 0 : -1;
}

static void smap_free(struct smap *m)
{
	free(m->slot);
	m->slot = NULL;
}

static uint32_t smap_get(const struct smap *m, const char *key)
{
	if (!m->slot)
		return KA_NONE;
	for (size_t i = hash_str(key) & m->mask;; i = (i + 1) & m->mask) {
		if (!m->slot[i].key)
			return KA_NONE;
		if (strcmp(m->slot[i].key, key) == 0)
			return m->slot[i].val;
	}
}

static int smap_grow(struct smap *m)
{
	struct smap old = *m;
	size_t cap = (m->mask + 1) * 2;
	m->slot = calloc(cap, sizeof *m->slot);
	if (!m->slot) {
		*m = old;
		return -1;
	}
	m->mask = cap - 1;
	for (size_t i = 0; i <= old.mask; i++) {
		if (!old.slot[i].key)
			continue;
		size_t j = hash_str(old.slot[i].key) & m->mask;
		while (m->slot[j].key)
			j = (j + 1) & m->mask;
		m->slot[j] = old.slot[i];
	}
	free(old.slot);
	return 0;
}

/* Inserts key -> val unless present. Returns the value already stored,
 * KA_NONE when it inserted, or SMAP_NOMEM. */
#define SMAP_NOMEM (KA_NONE - 1)
static uint32_t smap_put(struct smap *m, const char *key, uint32_t val)
{
	if ((m->len + 1) * 2 > m->mask + 1 && smap_grow(m) != 0)
		return SMAP_NOMEM;
	size_t i = hash_str(key) & m->mask;
	for (; m->slot[i].key; i = (i + 1) & m->mask)
		if (strcmp(m->slot[i].key, key) == 0)
			return m->slot[i].val;
	m->slot[i].key = key;
	m->slot[i].val = val;
	m->len++;
	return KA_NONE;
}

/* ------------------------------------------------------------ load state */

/* One distinct subscription pattern, compiled once for all members using it. */
struct pat {
	regex_t re;
	int state;     /* 1 compiled, -1 does not compile, -2 past kd_pattern_check's limits */
	bool anchored; /* re is kd_pattern_anchor's form: any match is a whole match */
	uint64_t size; /* expanded size (kd_pattern_check) */
	size_t col;    /* -2: the 1-based byte of the pattern where a limit is passed */
	bool matched;
	uint32_t *match; /* topic input indices whose whole name matches */
	uint32_t n_match;
	char err[160];
};

struct ld {
	const char *file;
	struct kd__jdoc doc;
	/* The document is dropped before the builder finishes (the group's
	 * lists need the room); a message that needs it then reads it again
	 * from here, or from the file when reload is NULL. */
	const char *reload;
	size_t reload_len;
	bool doc_gone;
	char *names_copy;    /* topic_names after the document is dropped */
	int32_t *generation; /* [n_members] as read, KA_NO_GENERATION when absent */
	bool *pattern;       /* [n_members]: topics given as {"pattern": ...} */
	kd_msg_fn fn;
	void *ctx;
	uint64_t count[K_COUNT];
	uint64_t name_work;  /* bytes of topic names + 10 a topic; 0: not yet summed */
	uint64_t match_work; /* spent so far by distinct patterns (pattern.h) */
	uint64_t errors;

	const kd__jnode *topics;  /* array or NULL */
	const kd__jnode *members; /* array or NULL */
	size_t n_topics, n_members;
	const char **topic_names; /* [n_topics], NULL where invalid */

	ka_builder *b;
	int pending;    /* first error the builder reported during the current call */
	bool finishing; /* diagnostics now come from ka_builder_finish */
	uint64_t total_partitions;
	bool partition_limit_hit;

	struct smap topic_map, member_map, pat_map;
	struct pat *pats;
	size_t n_pats, cap_pats;

	/* A repeated subscription is reported without its index: where the last
	 * one was found, so a third copy is named after the second. */
	uint32_t dup_member, dup_topic, dup_at;
	/* Named subscriptions resolved in bulk (subscribe_listed). */
	uint32_t *sub_idx, *sub_seen; /* [n_topics]; sub_seen holds member + 1 */
	uint64_t subs_fed;
};

static bool feeding(const struct ld *st)
{
	return st->b && st->errors == 0;
}

/* ------------------------------------------------------------ messages */

/* Counts a message; says whether it is still worth formatting. */
static bool take(struct ld *st, int kind)
{
	if (kind_is_error(kind))
		st->errors++;
	return st->count[kind]++ < KD_MSG_CAP;
}

__attribute__((format(printf, 4, 5))) static void emit(struct ld *st, int kind, const char *path,
						       const char *fmt, ...)
{
	if (!st->fn)
		return;
	char msg[1536], line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *sev = kind_is_error(kind) ? "error" : "warning";
	if (path && *path)
		snprintf(line, sizeof line, "%s: %s: %s: %s", st->file, sev, path, msg);
	else
		snprintf(line, sizeof line, "%s: %s: %s", st->file, sev, msg);
	st->fn(st->ctx, kind_is_error(kind) ? KD_ERROR : KD_WARNING, line);
}

#define REPORT(st, kind, path, ...)                                                                \
	do {                                                                                       \
		if (take((st), (kind)))                                                            \
			emit((st), (kind), (path), __VA_ARGS__);                                   \
	} while (0)

static void report_summaries(struct ld *st)
{
	for (int k = 0; k < K_COUNT; k++)
		if (st->count[k] > KD_MSG_CAP)
			emit(st, k, NULL, "... and %" PRIu64 " more like it (%s)",
			     st->count[k] - KD_MSG_CAP, kind_what[k]);
}

/* A value as a message shows it: scalars as their JSON text, containers by
 * their type. */
static const char *describe(const struct ld *st, char *buf, size_t cap, const kd__jnode *v)
{
	switch (kd__json_type(v)) {
	case KD_JOBJECT:
		return "an object";
	case KD_JARRAY:
		return "an array";
	case KD_JSTRING: {
		struct qbuf q;
		snprintf(buf, cap, "the string %s", kd__quoted(&q, kd__json_str(&st->doc, v)));
		return buf;
	}
	case KD_JINTEGER:
		snprintf(buf, cap, "%" PRId64, kd__json_int(&st->doc, v));
		return buf;
	case KD_JREAL: {
		/* jansson's own spelling of the number, as its document gave it. */
		json_t *r = json_real(kd__json_real(&st->doc, v));
		char *s = r ? json_dumps(r, JSON_ENCODE_ANY) : NULL;
		snprintf(buf, cap, "the real number %s", s ? s : "?");
		free(s);
		json_decref(r);
		return buf;
	}
	case KD_JTRUE:
		return "true";
	case KD_JFALSE:
		return "false";
	case KD_JNULL:
		return "null";
	}
	return "?";
}

/* ------------------------------------------------------------ JSON paths */

struct path {
	char s[640];
	size_t n;
};

static void path_fmt(struct path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void path_fmt(struct path *p, const char *fmt, ...)
{
	if (p->n >= sizeof p->s - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(p->s + p->n, sizeof p->s - p->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		p->n += (size_t)k < sizeof p->s - p->n ? (size_t)k : sizeof p->s - 1 - p->n;
}

static bool plain_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '_' || *k == '-'))
			return false;
	return true;
}

/* Appends s[0..len), cut where the path is full, as path_fmt cuts. Paths
 * are made for every member whether or not a message needs them: appends
 * by hand, not through vsnprintf, keep a 10,000-member load from spending a
 * tenth of its time on them. */
static void path_add(struct path *p, const char *s, size_t len)
{
	if (p->n >= sizeof p->s - 1)
		return;
	const size_t room = sizeof p->s - 1 - p->n;
	if (len > room)
		len = room;
	memcpy(p->s + p->n, s, len);
	p->n += len;
	p->s[p->n] = '\0';
}

/* Appends [i]. */
static void path_index(struct path *p, size_t i)
{
	char d[24];
	d[0] = '[';
	size_t k = 1 + kd__dec(d + 1, i);
	d[k++] = ']';
	path_add(p, d, k);
}

/* Appends .key, or ["key"] when the key is not a plain word (topic names may
 * hold dots, which would make a path ambiguous). */
static void path_key(struct path *p, const char *key)
{
	if (plain_key(key) && strlen(key) < 120) {
		if (p->n)
			path_add(p, ".", 1);
		path_add(p, key, strlen(key));
	} else {
		struct qbuf q;
		path_fmt(p, "[%s]", kd__quoted(&q, key));
	}
}

static void path_set(struct path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void path_set(struct path *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(p->s, sizeof p->s, fmt, ap);
	va_end(ap);
	p->n = k < 0 ? 0 : (size_t)k < sizeof p->s ? (size_t)k : sizeof p->s - 1;
}

/* ------------------------------------------------------------ builder glue */

/* After a builder call: an error it returned or announced becomes a message
 * at the place the caller knows (the builder's own diagnostic for limits
 * often carries no index). Returns whether the call went well. */
static bool fed(struct ld *st, int64_t rc, const char *path, const char *what)
{
	int code = st->pending ? st->pending : rc < 0 ? (int)rc : 0;
	st->pending = 0;
	if (code == 0)
		return true;
	if (code == KA_ENOMEM)
		REPORT(st, E_NOMEM, path, "out of memory");
	else if (code == KA_ELIMIT)
		REPORT(st, E_LIMIT, path, "%s", what);
	else
		REPORT(st, E_BUILDER, path, "%s (%s)", ka_strerror(code), what);
	return false;
}

static const char *json_str(const struct ld *st, const kd__jnode *v)
{
	return kd__json_is(v, KD_JSTRING) ? kd__json_str(&st->doc, v) : NULL;
}

static const kd__jnode *member_json(const struct ld *st, uint32_t m)
{
	return st->members && m < st->n_members ? kd__json_at(&st->doc, st->members, m) : NULL;
}

/* After drop_doc, a document again for a message that names a place in
 * it: one try, then paths stop at what indices alone can say. */
static void ensure_doc(struct ld *st)
{
	if (!st->doc_gone)
		return;
	st->doc_gone = false;
	size_t len = st->reload_len;
	char *data = st->reload ? NULL : kd__read_file(st->file, &len);
	const char *text = st->reload ? st->reload : data;
	if (text && kd__json_parse(&st->doc, text, len, NULL) == 0) {
		const kd__jnode *root = kd__json_root(&st->doc);
		const kd__jnode *topics = kd__json_get(&st->doc, root, "topics");
		const kd__jnode *members = kd__json_get(&st->doc, root, "members");
		if (kd__json_size(topics) == st->n_topics &&
		    kd__json_size(members) == st->n_members) {
			st->topics = topics;
			st->members = members;
		}
	}
	free(data);
}

static const char *topic_name_at(const struct ld *st, uint32_t t)
{
	return st->topic_names && t < st->n_topics ? st->topic_names[t] : NULL;
}

/* Index of the k-th element equal to `value` in an array of integers, or -1. */
static long find_int(const struct ld *st, const kd__jnode *arr, int64_t value, unsigned nth)
{
	for (size_t i = 0; i < kd__json_size(arr); i++) {
		const kd__jnode *v = kd__json_at(&st->doc, arr, i);
		if (kd__json_is(v, KD_JINTEGER) && kd__json_int(&st->doc, v) == value && nth-- == 0)
			return (long)i;
	}
	return -1;
}

/*
 * members[m].owned.TOPIC[k] for a claim. The builder numbers a member's claims
 * in the order they were added (`item`), which is the order of the owned
 * object's keys and arrays; without an item, search the topic's array for the
 * partition (the nth occurrence, for repeats).
 */
static void owned_path(struct ld *st, struct path *p, uint32_t m, uint32_t item, const char *topic,
		       int64_t partition, unsigned nth)
{
	path_set(p, "members[%" PRIu32 "].owned", m);
	ensure_doc(st);
	const kd__jnode *owned = kd__json_get(&st->doc, member_json(st, m), "owned");
	if (!kd__json_is(owned, KD_JOBJECT))
		return;
	if (item != KA_NONE) {
		size_t left = item;
		for (size_t i = 0; i < kd__json_size(owned); i++) {
			const char *key = kd__json_key(&st->doc, owned, i);
			size_t n = kd__json_size(kd__json_val(&st->doc, owned, i));
			if (left < n) {
				path_key(p, key);
				path_index(p, left);
				return;
			}
			left -= n;
		}
		return;
	}
	if (!topic)
		return;
	path_key(p, topic);
	long k = find_int(st, kd__json_get(&st->doc, owned, topic), partition, nth);
	if (k >= 0)
		path_fmt(p, "[%ld]", k);
}

static int64_t member_generation(const struct ld *st, uint32_t m)
{
	return st->generation && m < st->n_members ? st->generation[m] : KA_NO_GENERATION;
}

/* Index of the first occurrence of `name` at or after `from` in a
 * subscription list, or -1. */
static long find_str(const struct ld *st, const kd__jnode *arr, const char *name, size_t from)
{
	for (size_t i = from; i < kd__json_size(arr); i++) {
		const char *s = json_str(st, kd__json_at(&st->doc, arr, i));
		if (s && strcmp(s, name) == 0)
			return (long)i;
	}
	return -1;
}

static void on_diag_error(struct ld *st, const ka_diag *d)
{
	struct path p = {.n = 0};
	struct qbuf q;
	uint32_t lo, hi;
	switch (d->code) {
	case KA_EDUPMEMBER:
		lo = d->member < d->other ? d->member : d->other;
		hi = d->member < d->other ? d->other : d->member;
		if (take(st, E_DUP_MEMBER)) {
			path_set(&p, "members[%" PRIu32 "].member_id", hi);
			emit(st, E_DUP_MEMBER, p.s,
			     "duplicate member id %s (also members[%" PRIu32 "])",
			     kd__quoted(&q, d->name ? d->name : ""), lo);
		}
		return;
	case KA_ELEADER:
		if (take(st, E_LEADER)) {
			const char *tname = topic_name_at(st, d->topic);
			path_set(&p, "topics[%" PRIu32 "].leaders[%" PRId64 "]", d->topic,
				 d->partition);
			emit(st, E_LEADER, p.s,
			     "leader rack %s of partition %s-%" PRId64
			     " is not one of its replica racks (topics[%" PRIu32 "].racks[%" PRId64
			     "]): a partition's leader is one of its replicas",
			     kd__quoted(&q, d->name ? d->name : ""), tname ? tname : "",
			     d->partition, d->topic, d->partition);
		}
		return;
	case KA_EDUPTOPIC:
		lo = d->topic < d->other ? d->topic : d->other;
		hi = d->topic < d->other ? d->other : d->topic;
		if (take(st, E_DUP_TOPIC)) {
			path_set(&p, "topics[%" PRIu32 "].name", hi);
			emit(st, E_DUP_TOPIC, p.s,
			     "duplicate topic name %s (also topics[%" PRIu32 "])",
			     kd__quoted(&q, d->name ? d->name : ""), lo);
		}
		return;
	default:
		if (!take(st, d->code == KA_ELIMIT ? E_LIMIT : E_BUILDER))
			return;
		if (d->member != KA_NONE)
			path_set(&p, "members[%" PRIu32 "]", d->member);
		else if (d->topic != KA_NONE)
			path_set(&p, "topics[%" PRIu32 "]", d->topic);
		emit(st, d->code == KA_ELIMIT ? E_LIMIT : E_BUILDER, p.s, "%s%s%s",
		     ka_strerror(d->code), d->name ? ": " : "",
		     d->name ? kd__quoted(&q, d->name) : "");
	}
}

static void on_diag_warning(struct ld *st, const ka_diag *d)
{
	struct path p = {.n = 0};
	struct qbuf q, q2;
	const char *tname = d->topic != KA_NONE ? topic_name_at(st, d->topic) : NULL;
	if (!tname)
		tname = d->name ? d->name : "";

	switch (d->code) {
	case KA_WUNKNOWN_TOPIC:
		if (!take(st, W_UNKNOWN_TOPIC))
			return;
		path_set(&p, "members[%" PRIu32 "].topics", d->member);
		if (d->item != KA_NONE)
			path_fmt(&p, "[%" PRIu32 "]", d->item);
		emit(st, W_UNKNOWN_TOPIC, p.s, "unknown topic %s ignored",
		     kd__quoted(&q, d->name ? d->name : ""));
		return;
	case KA_WNO_SUBSCRIPTION:
		if (!take(st, W_NO_SUB))
			return;
		path_set(&p, "members[%" PRIu32 "].topics", d->member);
		if (st->pattern && d->member < st->n_members && st->pattern[d->member])
			emit(
			    st, W_NO_SUB, p.s,
			    "pattern matches no topic: member %s subscribes to nothing and gets no "
			    "partitions",
			    kd__quoted(&q, d->name ? d->name : ""));
		else
			emit(st, W_NO_SUB, p.s,
			     "member %s subscribes to no existing topic and gets no partitions",
			     kd__quoted(&q, d->name ? d->name : ""));
		return;
	case KA_WOWNED_UNKNOWN_TOPIC:
		if (!take(st, W_OWNED_UNKNOWN_TOPIC))
			return;
		owned_path(st, &p, d->member, d->item, NULL, d->partition, 0);
		emit(st, W_OWNED_UNKNOWN_TOPIC, p.s, "owned partition of unknown topic %s dropped",
		     kd__quoted(&q, tname));
		return;
	case KA_WOWNED_OUT_OF_RANGE: {
		if (!take(st, W_OWNED_RANGE))
			return;
		owned_path(st, &p, d->member, d->item, tname, d->partition, 0);
		int64_t n = kd__json_int(
		    &st->doc, kd__json_get(&st->doc, kd__json_at(&st->doc, st->topics, d->topic),
					   "partitions"));
		if (n > 0)
			emit(st, W_OWNED_RANGE, p.s,
			     "owned partition %" PRId64 " of topic %s out of range 0..%" PRId64
			     " dropped",
			     d->partition, kd__quoted(&q, tname), n - 1);
		else
			emit(st, W_OWNED_RANGE, p.s,
			     "owned partition %" PRId64
			     " of topic %s, which has no partitions, dropped",
			     d->partition, kd__quoted(&q, tname));
		return;
	}
	case KA_WOWNED_UNSUBSCRIBED:
		if (!take(st, W_OWNED_UNSUB))
			return;
		owned_path(st, &p, d->member, d->item, tname, d->partition, 0);
		emit(st, W_OWNED_UNSUB, p.s,
		     "owned partition %s-%" PRId64
		     " of a topic the member does not subscribe to: kept as previous ownership, "
		     "ignored by assignors",
		     kd__plain(&q, tname), d->partition);
		return;
	case KA_WOWNED_CONFLICT:
		if (!take(st, W_OWNED_CONFLICT))
			return;
		owned_path(st, &p, d->other, KA_NONE, tname, d->partition, 0);
		emit(st, W_OWNED_CONFLICT, p.s,
		     "partition %s-%" PRId64 " also claimed by members[%" PRIu32
		     "] with the same generation %" PRId64 ": claim dropped, nobody keeps it",
		     kd__plain(&q, tname), d->partition, d->member,
		     member_generation(st, d->member));
		return;
	case KA_WOWNED_DUPLICATE:
		if (!take(st, W_OWNED_DUP))
			return;
		owned_path(st, &p, d->member, d->item, tname, d->partition, 1);
		emit(st, W_OWNED_DUP, p.s, "partition %s-%" PRId64 " listed twice: once counts",
		     kd__plain(&q, tname), d->partition);
		return;
	case KA_WDUP_SUBSCRIPTION: {
		if (!take(st, W_DUP_SUB))
			return;
		const kd__jnode *subs =
		    kd__json_get(&st->doc, member_json(st, d->member), "topics");
		size_t from = 0;
		if (st->dup_member == d->member && st->dup_topic == d->topic)
			from = st->dup_at + 1;
		else if (find_str(st, subs, tname, 0) >= 0)
			from = (size_t)find_str(st, subs, tname, 0) + 1;
		long k = find_str(st, subs, tname, from);
		path_set(&p, "members[%" PRIu32 "].topics", d->member);
		if (k >= 0) {
			path_fmt(&p, "[%ld]", k);
			st->dup_member = d->member;
			st->dup_topic = d->topic;
			st->dup_at = (uint32_t)k;
		}
		emit(st, W_DUP_SUB, p.s, "topic %s listed twice: once counts",
		     kd__quoted(&q, tname));
		return;
	}
	case KA_WDUP_INSTANCE_ID:
		if (!take(st, W_DUP_INSTANCE))
			return;
		path_set(&p, "members[%" PRIu32 "].group_instance_id", d->member);
		emit(st, W_DUP_INSTANCE, p.s,
		     "group_instance_id %s also used by members[%" PRIu32
		     "] (a broker would fence one of them)",
		     kd__quoted(&q, d->name ? d->name : ""), d->other);
		return;
	case KA_WDUP_PARTITION_RACK:
		if (!take(st, W_DUP_PRACK))
			return;
		path_set(&p, "topics[%" PRIu32 "].racks[%" PRId64 "]", d->topic, d->partition);
		emit(st, W_DUP_PRACK, p.s, "rack %s listed twice: once counts",
		     kd__quoted(&q, d->name ? d->name : ""));
		return;
	default:
		if (!take(st, W_OTHER))
			return;
		if (d->member != KA_NONE)
			path_set(&p, "members[%" PRIu32 "]", d->member);
		else if (d->topic != KA_NONE)
			path_set(&p, "topics[%" PRIu32 "]", d->topic);
		emit(st, W_OTHER, p.s, "warning %d from the group builder%s%s", d->code,
		     d->name ? " about " : "", d->name ? kd__quoted(&q2, d->name) : "");
	}
}

static void on_diag(void *ctx, const ka_diag *d)
{
	struct ld *st = ctx;
	if (d->code > 0) {
		on_diag_warning(st, d);
	} else if (d->code < 0) {
		/* During a call the call site knows the place better; at finish
		 * the indices are all there is. */
		if (st->finishing)
			on_diag_error(st, d);
		else if (!st->pending)
			st->pending = d->code;
	}
}

/* ------------------------------------------------------------ field checks */

/* Warns about keys of `obj` not in the NULL-terminated `known`. */
static void check_fields(struct ld *st, const kd__jnode *obj, const char *const *known,
			 const struct path *at)
{
	for (size_t i = 0; i < kd__json_size(obj); i++) {
		const char *key = kd__json_key(&st->doc, obj, i);
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (ok || !take(st, W_UNKNOWN_FIELD))
			continue;
		struct path p = *at;
		path_key(&p, key);
		emit(st, W_UNKNOWN_FIELD, p.s, "unknown field ignored");
	}
}

/* A name field: a non-empty string within KA_MAX_NAME. `optional` admits
 * absence and null (NULL comes back); `allow_empty` admits "". */
static bool check_name(struct ld *st, const kd__jnode *obj, const char *field,
		       const struct path *at, bool optional, bool allow_empty, const char **out)
{
	struct path p = *at;
	path_key(&p, field);
	const kd__jnode *v = kd__json_get(&st->doc, obj, field);
	char buf[240];
	*out = NULL;
	if (!v || kd__json_is(v, KD_JNULL)) {
		if (optional)
			return true;
		REPORT(st, E_MISSING, p.s,
		       v ? "required, must be a string, not null" : "required field missing");
		return false;
	}
	if (!kd__json_is(v, KD_JSTRING)) {
		REPORT(st, E_TYPE, p.s, "must be a string%s, not %s", optional ? " or null" : "",
		       describe(st, buf, sizeof buf, v));
		return false;
	}
	size_t len = kd__json_strlen(&st->doc, v);
	if (len == 0 && !allow_empty) {
		REPORT(st, E_EMPTY, p.s, "must not be empty");
		return false;
	}
	if (len > KA_MAX_NAME) {
		REPORT(st, E_NAME_LEN, p.s, "%zu bytes long, past the limit of %u (KA_MAX_NAME)",
		       len, KA_MAX_NAME);
		return false;
	}
	*out = kd__json_str(&st->doc, v);
	return true;
}

/* An integer in [lo, hi]; reals such as 3.0 are not integers. */
static bool check_int(struct ld *st, const kd__jnode *v, const struct path *p, int64_t lo,
		      int64_t hi, const char *rule, int64_t *out)
{
	char buf[240];
	if (!kd__json_is(v, KD_JINTEGER)) {
		REPORT(st, E_TYPE, p->s, "must be %s, not %s", rule,
		       describe(st, buf, sizeof buf, v));
		return false;
	}
	json_int_t x = kd__json_int(&st->doc, v);
	if (x < lo || x > hi) {
		REPORT(st, E_RANGE, p->s, "must be %s, not %" JSON_INTEGER_FORMAT, rule, x);
		return false;
	}
	*out = x;
	return true;
}

/* ------------------------------------------------------------ topics */

static void load_racks(struct ld *st, const kd__jnode *racks, int64_t partitions, uint32_t t,
		       const struct path *at)
{
	char buf[240];
	struct path p = *at;
	path_key(&p, "racks");
	if (!kd__json_is(racks, KD_JARRAY)) {
		REPORT(st, E_TYPE, p.s,
		       "must be an array holding one array of rack names per partition, not %s",
		       describe(st, buf, sizeof buf, racks));
		return;
	}
	size_t n = kd__json_size(racks);
	if (partitions >= 0 && (uint64_t)partitions != n) {
		REPORT(st, E_RACKS_LEN, p.s,
		       "has %zu entries but the topic has %" PRId64
		       " partitions: racks needs exactly one entry (an array of rack names) per "
		       "partition",
		       n, partitions);
		return;
	}
	bool feed = feeding(st);
	for (size_t i = 0; i < n; i++) {
		const kd__jnode *list = kd__json_at(&st->doc, racks, i);
		struct path pi = p;
		path_index(&pi, i);
		if (!kd__json_is(list, KD_JARRAY)) {
			REPORT(st, E_TYPE, pi.s,
			       "must be an array of rack names (strings), [] when unknown, not %s",
			       describe(st, buf, sizeof buf, list));
			continue;
		}
		for (size_t j = 0; j < kd__json_size(list); j++) {
			const kd__jnode *r = kd__json_at(&st->doc, list, j);
			struct path pj = pi;
			path_index(&pj, j);
			if (!kd__json_is(r, KD_JSTRING)) {
				REPORT(st, E_TYPE, pj.s, "must be a rack name (string), not %s",
				       describe(st, buf, sizeof buf, r));
				continue;
			}
			if (kd__json_strlen(&st->doc, r) > KA_MAX_NAME) {
				REPORT(st, E_NAME_LEN, pj.s,
				       "%zu bytes long, past the limit of %u (KA_MAX_NAME)",
				       kd__json_strlen(&st->doc, r), KA_MAX_NAME);
				continue;
			}
			if (kd__json_strlen(&st->doc, r) == 0) {
				REPORT(st, W_EMPTY_PRACK, pj.s, "empty rack name ignored");
				continue;
			}
			if (feed && feeding(st)) {
				int rc = ka_builder_add_partition_rack(st->b, t, (uint32_t)i,
								       kd__json_str(&st->doc, r));
				fed(st, rc, pj.s,
				    "more distinct racks than the limit of 65535 (KA_MAX_RACKS)");
			}
		}
	}
}

/* "leaders": one rack name (or null, unknown) per partition. Whether each
 * is among the partition's racks is the builder's rule (KA_ELEADER). */
static void load_leaders(struct ld *st, const kd__jnode *leaders, int64_t partitions, uint32_t t,
			 const struct path *at)
{
	char buf[240];
	struct path p = *at;
	path_key(&p, "leaders");
	if (!kd__json_is(leaders, KD_JARRAY)) {
		REPORT(st, E_TYPE, p.s,
		       "must be an array holding one leader rack name (or null) per partition, "
		       "not %s",
		       describe(st, buf, sizeof buf, leaders));
		return;
	}
	size_t n = kd__json_size(leaders);
	if (partitions >= 0 && (uint64_t)partitions != n) {
		REPORT(st, E_RACKS_LEN, p.s,
		       "has %zu entries but the topic has %" PRId64
		       " partitions: leaders needs exactly one entry (a rack name, or null when "
		       "unknown) per partition",
		       n, partitions);
		return;
	}
	bool feed = feeding(st);
	for (size_t i = 0; i < n; i++) {
		const kd__jnode *r = kd__json_at(&st->doc, leaders, i);
		struct path pi = p;
		path_index(&pi, i);
		if (kd__json_is(r, KD_JNULL))
			continue;
		if (!kd__json_is(r, KD_JSTRING)) {
			REPORT(st, E_TYPE, pi.s,
			       "must be a rack name (string), null when unknown, not %s",
			       describe(st, buf, sizeof buf, r));
			continue;
		}
		if (kd__json_strlen(&st->doc, r) > KA_MAX_NAME) {
			REPORT(st, E_NAME_LEN, pi.s,
			       "%zu bytes long, past the limit of %u (KA_MAX_NAME)",
			       kd__json_strlen(&st->doc, r), KA_MAX_NAME);
			continue;
		}
		if (feed && feeding(st) && kd__json_strlen(&st->doc, r)) {
			int rc = ka_builder_set_partition_leader(st->b, t, (uint32_t)i,
								 kd__json_str(&st->doc, r));
			fed(st, rc, pi.s,
			    "more distinct racks than the limit of 65535 (KA_MAX_RACKS)");
		}
	}
}

static void load_topic(struct ld *st, size_t i, const kd__jnode *t)
{
	static const char *const known[] = {"name", "partitions", "racks", "leaders", NULL};
	struct path at;
	char buf[240];
	at.n = 0;
	path_add(&at, "topics", 6);
	path_index(&at, i);
	if (!kd__json_is(t, KD_JOBJECT)) {
		REPORT(st, E_TYPE, at.s,
		       "must be an object {\"name\": ..., \"partitions\": ...}, not %s",
		       describe(st, buf, sizeof buf, t));
		return;
	}
	check_fields(st, t, known, &at);

	const char *name;
	bool ok = check_name(st, t, "name", &at, false, false, &name);
	if (ok) {
		uint32_t prev = smap_put(&st->topic_map, name, (uint32_t)i);
		if (prev == SMAP_NOMEM) {
			REPORT(st, E_NOMEM, at.s, "out of memory");
			ok = false;
		} else if (prev != KA_NONE) {
			struct path p = at;
			struct qbuf q;
			path_key(&p, "name");
			REPORT(st, E_DUP_TOPIC, p.s,
			       "duplicate topic name %s (also topics[%" PRIu32 "])",
			       kd__quoted(&q, name), prev);
			ok = false;
		} else {
			st->topic_names[i] = name;
		}
	}

	struct path pp = at;
	path_key(&pp, "partitions");
	const kd__jnode *pv = kd__json_get(&st->doc, t, "partitions");
	int64_t partitions = -1;
	if (!pv)
		REPORT(st, E_MISSING, pp.s, "required field missing");
	else if (check_int(st, pv, &pp, 0, INT64_MAX, "an integer >= 0", &partitions) &&
		 !st->partition_limit_hit &&
		 st->total_partitions + (uint64_t)partitions > KA_MAX_PARTITIONS) {
		/* Named once, where the running total crosses the limit. */
		struct qbuf q;
		st->partition_limit_hit = true;
		REPORT(st, E_LIMIT, pp.s,
		       "topic %s brings the total to %" PRIu64
		       " partitions, past the limit of %u (KA_MAX_PARTITIONS)",
		       kd__quoted(&q, name ? name : ""),
		       st->total_partitions + (uint64_t)partitions, KA_MAX_PARTITIONS);
	} else if (partitions >= 0) {
		st->total_partitions += (uint64_t)partitions;
	}

	bool feed = ok && partitions >= 0 && feeding(st);
	if (feed) {
		int64_t idx = ka_builder_add_topic(st->b, name, partitions);
		if (fed(st, idx, at.s, "topic count or partitions past the model's limits") &&
		    idx != (int64_t)i)
			REPORT(st, E_BUILDER, at.s, "group builder numbered this topic %" PRId64,
			       idx);
	}
	const kd__jnode *racks = kd__json_get(&st->doc, t, "racks");
	if (racks && !kd__json_is(racks, KD_JNULL))
		load_racks(st, racks, partitions, (uint32_t)i, &at);
	const kd__jnode *leaders = kd__json_get(&st->doc, t, "leaders");
	if (leaders && !kd__json_is(leaders, KD_JNULL))
		load_leaders(st, leaders, partitions, (uint32_t)i, &at);
}

/* ------------------------------------------------------------ patterns */

/*
 * A topic matches when the pattern's leftmost-longest match spans its whole
 * name, which is Java's Pattern.matches(). The pattern as written decides
 * validity ("a)|(b" is invalid, though a plain ^(...)$ wrapper would make it
 * compile); kd_pattern_anchor's form, which keeps a stray ')' literal, does
 * the matching, linear in each name where the search is quadratic.
 */
static struct pat *pattern_get(struct ld *st, const char *src, const struct path *at)
{
	uint32_t k = smap_get(&st->pat_map, src);
	if (k != KA_NONE)
		return &st->pats[k];
	if (st->n_pats == st->cap_pats) {
		size_t cap = st->cap_pats ? st->cap_pats * 2 : 8;
		struct pat *np = realloc(st->pats, cap * sizeof *np);
		if (!np) {
			REPORT(st, E_NOMEM, at->s, "out of memory");
			return NULL;
		}
		st->pats = np;
		st->cap_pats = cap;
	}
	struct pat *p = &st->pats[st->n_pats];
	memset(p, 0, sizeof *p);
	/* Measured before regcomp, which would take gigabytes or minutes on
	 * some patterns (datasets/pattern.h). */
	int rc = 0;
	if (kd_pattern_check(src, p->err, sizeof p->err, &p->col, &p->size) < 0)
		p->state = -2;
	else if ((rc = regcomp(&p->re, src, REG_EXTENDED)) != 0) {
		regerror(rc, &p->re, p->err, sizeof p->err);
		p->state = -1;
	} else {
		/* The pattern as written decides validity and the message; the
		 * anchored form does the matching, in time linear in each name. */
		char anchored[2 * KD_PATTERN_MAX_LEN + 5];
		regex_t are;
		p->state = 1;
		if (kd_pattern_anchor(src, anchored, sizeof anchored) <= sizeof anchored &&
		    regcomp(&are, anchored, REG_EXTENDED | REG_NOSUB) == 0) {
			regfree(&p->re);
			p->re = are;
			p->anchored = true;
		}
	}
	if (smap_put(&st->pat_map, src, (uint32_t)st->n_pats) == SMAP_NOMEM) {
		if (p->state == 1)
			regfree(&p->re);
		REPORT(st, E_NOMEM, at->s, "out of memory");
		return NULL;
	}
	st->n_pats++;
	return p;
}

static bool whole_match(const struct pat *p, const char *s)
{
	if (p->anchored)
		return regexec(&p->re, s, 0, NULL, 0) == 0;
	regmatch_t m[1];
	return regexec(&p->re, s, 1, m, 0) == 0 && m[0].rm_so == 0 &&
	       (size_t)m[0].rm_eo == strlen(s);
}

/* The topics a pattern matches, computed once per distinct pattern. */
static bool pattern_expand(struct ld *st, struct pat *p, const struct path *at)
{
	if (p->matched)
		return true;
	if (!st->name_work) {
		st->name_work = 1;
		for (size_t t = 0; t < st->n_topics; t++)
			if (st->topic_names[t])
				st->name_work += strlen(st->topic_names[t]) + 10;
	}
	const uint64_t work = (p->size + KD_PATTERN_FIXED) * st->name_work;
	if (st->match_work > KD_PATTERN_MAX_WORK || work > KD_PATTERN_MAX_WORK - st->match_work) {
		/* Said once, at the first member whose pattern passes it. */
		if (st->match_work <= KD_PATTERN_MAX_WORK)
			REPORT(st, E_LIMIT, at->s,
			       "matching %zu distinct pattern%s against %zu topics passes the "
			       "loader's budget of 2^36 steps (the sum over distinct patterns "
			       "of (expanded size + %u) x (bytes of topic names + 10 a topic)); "
			       "share patterns between members or subscribe by name",
			       st->n_pats, st->n_pats == 1 ? "" : "s", st->n_topics,
			       KD_PATTERN_FIXED);
		st->match_work = UINT64_MAX;
		return false;
	}
	st->match_work += work;
	p->match = malloc((st->n_topics ? st->n_topics : 1) * sizeof *p->match);
	if (!p->match) {
		REPORT(st, E_NOMEM, at->s, "out of memory");
		return false;
	}
	for (size_t t = 0; t < st->n_topics; t++)
		if (st->topic_names[t] && whole_match(p, st->topic_names[t]))
			p->match[p->n_match++] = (uint32_t)t;
	p->matched = true;
	return true;
}

/* ------------------------------------------------------------ members */

struct member_in {
	const char *id, *instance, *rack;
	int64_t generation;
	const kd__jnode *topics; /* array, or NULL when a pattern */
	struct pat *pattern;
	const kd__jnode *owned; /* object or NULL */
};

static bool check_subscriptions(struct ld *st, const kd__jnode *m, const struct path *at,
				struct member_in *in)
{
	static const char *const known[] = {"pattern", NULL};
	char buf[240];
	struct path p = *at;
	path_key(&p, "topics");
	const kd__jnode *v = kd__json_get(&st->doc, m, "topics");
	if (!v) {
		REPORT(st, E_MISSING, p.s, "required field missing");
		return false;
	}
	if (kd__json_is(v, KD_JARRAY)) {
		bool ok = true;
		for (size_t k = 0; k < kd__json_size(v); k++) {
			const kd__jnode *s = kd__json_at(&st->doc, v, k);
			if (kd__json_is(s, KD_JSTRING))
				continue;
			struct path pk = p;
			path_index(&pk, k);
			REPORT(st, E_TYPE, pk.s, "must be a topic name (string), not %s",
			       describe(st, buf, sizeof buf, s));
			ok = false;
		}
		in->topics = v;
		return ok;
	}
	if (!kd__json_is(v, KD_JOBJECT)) {
		REPORT(st, E_TYPE, p.s,
		       "must be an array of topic names or {\"pattern\": \"REGEX\"}, not %s",
		       describe(st, buf, sizeof buf, v));
		return false;
	}
	check_fields(st, v, known, &p);
	const char *src;
	if (!check_name(st, v, "pattern", &p, false, true, &src))
		return false;
	struct path pp = p;
	path_key(&pp, "pattern");
	in->pattern = pattern_get(st, src, &pp);
	if (!in->pattern)
		return false;
	if (in->pattern->state == -2) {
		struct qbuf q;
		REPORT(st, E_REGEX, pp.s, "pattern %s refused at byte %zu: %s", kd__quoted(&q, src),
		       in->pattern->col, in->pattern->err);
		return false;
	}
	if (in->pattern->state < 0) {
		struct qbuf q;
		REPORT(st, E_REGEX, pp.s,
		       "invalid regular expression %s: %s (POSIX extended syntax expected)",
		       kd__quoted(&q, src), in->pattern->err);
		return false;
	}
	return true;
}

static bool check_owned(struct ld *st, const kd__jnode *m, const struct path *at,
			struct member_in *in)
{
	char buf[240];
	struct path p = *at;
	path_key(&p, "owned");
	const kd__jnode *v = kd__json_get(&st->doc, m, "owned");
	if (!v || kd__json_is(v, KD_JNULL))
		return true;
	if (!kd__json_is(v, KD_JOBJECT)) {
		REPORT(st, E_TYPE, p.s,
		       "must be an object mapping topic names to arrays of partitions, not %s",
		       describe(st, buf, sizeof buf, v));
		return false;
	}
	bool ok = true;
	const char *key;
	const kd__jnode *arr;
	KD_JSON_FOREACH(&st->doc, v, i_, key, arr)
	{
		if (!kd__json_is(arr, KD_JARRAY)) {
			struct path pk = p;
			path_key(&pk, key);
			REPORT(st, E_TYPE, pk.s, "must be an array of partition numbers, not %s",
			       describe(st, buf, sizeof buf, arr));
			ok = false;
			continue;
		}
		for (size_t k = 0; k < kd__json_size(arr); k++) {
			const kd__jnode *x = kd__json_at(&st->doc, arr, k);
			if (kd__json_is(x, KD_JINTEGER))
				continue;
			struct path pk = p;
			path_key(&pk, key);
			path_index(&pk, k);
			REPORT(st, E_TYPE, pk.s, "must be a partition number (integer), not %s",
			       describe(st, buf, sizeof buf, x));
			ok = false;
		}
	}
	in->owned = v;
	return ok;
}

/*
 * A member's list of topic names fed as indices in one call, when every name
 * is a known topic, none repeats and the subscription limit is far: the
 * group is the same as name by name, for a third of the work (the builder
 * checks the list at once and keeps a list equal to the previous member's
 * once). Returns 1 when fed, -1 when the builder refused it (reported),
 * and 0, having fed nothing, when a name would need a message; the caller
 * then goes name by name, which says it.
 */
static int subscribe_listed(struct ld *st, uint32_t m, const kd__jnode *topics,
			    const char *subs_limit, const struct path *at)
{
	const size_t n = kd__json_size(topics);
	if (st->subs_fed + n > KA_MAX_SUBSCRIPTIONS || n > st->n_topics)
		return 0;
	if (!st->sub_idx) {
		st->sub_idx = malloc((st->n_topics + 1) * sizeof *st->sub_idx);
		st->sub_seen = calloc(st->n_topics + 1, sizeof *st->sub_seen);
		if (!st->sub_idx || !st->sub_seen)
			return 0;
	}
	for (size_t k = 0; k < n; k++) {
		const char *name = kd__json_str(&st->doc, kd__json_at(&st->doc, topics, k));
		uint32_t t = name ? smap_get(&st->topic_map, name) : KA_NONE;
		if (t == KA_NONE || st->sub_seen[t] == m + 1)
			return 0;
		st->sub_seen[t] = m + 1;
		st->sub_idx[k] = t;
	}
	st->subs_fed += n;
	struct path p = *at;
	path_add(&p, ".topics", 7);
	return fed(st, ka_builder_subscribe_indices(st->b, m, st->sub_idx, n), p.s, subs_limit)
		   ? 1
		   : -1;
}

/* A member's list of topic names, name by name: each unknown or repeated
 * name gets its message at its own place. False when the builder refused
 * one (reported). */
static bool subscribe_named(struct ld *st, uint32_t m, const kd__jnode *topics,
			    const char *subs_limit, const struct path *at)
{
	st->subs_fed += kd__json_size(topics);
	for (size_t k = 0; k < kd__json_size(topics); k++) {
		const char *name = kd__json_str(&st->doc, kd__json_at(&st->doc, topics, k));
		int rc = ka_builder_subscribe(st->b, m, name, (uint32_t)k);
		if (rc < 0 || st->pending) {
			struct path p;
			path_set(&p, "%s.topics[%zu]", at->s, k);
			if (!fed(st, rc, p.s, subs_limit))
				return false;
		}
	}
	return true;
}

static void feed_member(struct ld *st, size_t i, const struct member_in *in, const struct path *at)
{
	struct path p;
	int64_t idx = ka_builder_add_member(
	    st->b, in->id, in->instance, in->rack && *in->rack ? in->rack : NULL, in->generation);
	if (!fed(st, idx, at->s,
		 "member count or distinct racks past the model's limits (KA_MAX_MEMBERS, "
		 "KA_MAX_RACKS)"))
		return;
	if (idx != (int64_t)i) {
		REPORT(st, E_BUILDER, at->s, "group builder numbered this member %" PRId64, idx);
		return;
	}
	uint32_t m = (uint32_t)i;
	const char *subs_limit = "more member-topic subscriptions than the limit of 200000000 "
				 "(KA_MAX_SUBSCRIPTIONS)";
	if (in->pattern) {
		p = *at;
		path_add(&p, ".topics.pattern", 15);
		if (!pattern_expand(st, in->pattern, &p))
			return;
		st->subs_fed += in->pattern->n_match;
		if (!fed(st,
			 ka_builder_subscribe_indices(st->b, m, in->pattern->match,
						      in->pattern->n_match),
			 p.s, subs_limit))
			return;
	} else {
		const int listed = subscribe_listed(st, m, in->topics, subs_limit, at);
		if (listed < 0 ||
		    (listed == 0 && !subscribe_named(st, m, in->topics, subs_limit, at)))
			return;
	}
	if (!in->owned)
		return;
	uint32_t item = 0;
	const char *key;
	const kd__jnode *arr;
	KD_JSON_FOREACH(&st->doc, in->owned, i_, key, arr)
	{
		size_t n = kd__json_size(arr);
		uint32_t topic = smap_get(&st->topic_map, key);
		if (topic == KA_NONE) {
			/* One line for the whole array, not one a partition. */
			struct qbuf q;
			if (take(st, W_OWNED_UNKNOWN_TOPIC)) {
				path_set(&p, "%s.owned", at->s);
				path_key(&p, key);
				emit(st, W_OWNED_UNKNOWN_TOPIC, p.s,
				     "owned partitions of unknown topic %s dropped (%zu)",
				     kd__quoted(&q, key), n);
			}
			item += (uint32_t)n;
			continue;
		}
		for (size_t k = 0; k < n; k++, item++) {
			int64_t part = kd__json_int(&st->doc, kd__json_at(&st->doc, arr, k));
			int rc = ka_builder_add_owned_index(st->b, m, topic, part, item);
			if (rc < 0 || st->pending) {
				path_set(&p, "%s.owned", at->s);
				path_key(&p, key);
				path_index(&p, k);
				if (!fed(st, rc, p.s,
					 "more owned claims than the limit of 20000000 "
					 "(KA_MAX_CLAIMS)"))
					return;
			}
		}
	}
}

static void load_member(struct ld *st, size_t i, const kd__jnode *m)
{
	static const char *const known[] = {"member_id", "group_instance_id", "rack", "topics",
					    "owned",     "generation",        NULL};
	struct path at;
	char buf[240];
	at.n = 0;
	path_add(&at, "members", 7);
	path_index(&at, i);
	if (!kd__json_is(m, KD_JOBJECT)) {
		REPORT(st, E_TYPE, at.s,
		       "must be an object {\"member_id\": ..., \"topics\": ...}, not %s",
		       describe(st, buf, sizeof buf, m));
		return;
	}
	check_fields(st, m, known, &at);

	struct member_in in = {.generation = KA_NO_GENERATION};
	bool ok = check_name(st, m, "member_id", &at, false, false, &in.id);
	if (ok) {
		uint32_t prev = smap_put(&st->member_map, in.id, (uint32_t)i);
		struct path p = at;
		path_key(&p, "member_id");
		if (prev == SMAP_NOMEM) {
			REPORT(st, E_NOMEM, p.s, "out of memory");
			ok = false;
		} else if (prev != KA_NONE) {
			struct qbuf q;
			REPORT(st, E_DUP_MEMBER, p.s,
			       "duplicate member id %s (also members[%" PRIu32 "])",
			       kd__quoted(&q, in.id), prev);
			ok = false;
		}
	}
	ok &= check_name(st, m, "group_instance_id", &at, true, false, &in.instance);
	ok &= check_name(st, m, "rack", &at, true, true, &in.rack);
	ok &= check_subscriptions(st, m, &at, &in);
	ok &= check_owned(st, m, &at, &in);
	const kd__jnode *gv = kd__json_get(&st->doc, m, "generation");
	if (gv && !kd__json_is(gv, KD_JNULL)) {
		struct path p = at;
		path_key(&p, "generation");
		ok &= check_int(st, gv, &p, KA_NO_GENERATION, INT32_MAX,
				"an integer in -1..2147483647 (-1: no generation)", &in.generation);
	}
	if (st->generation) {
		st->generation[i] = (int32_t)in.generation;
		st->pattern[i] = in.pattern != NULL;
	}
	if (ok && feeding(st))
		feed_member(st, i, &in, &at);
}

/* ------------------------------------------------------------ the document */

static void load_root(struct ld *st, const kd__jnode *root)
{
	static const char *const known[] = {"name", "topics", "members", NULL};
	char buf[240];
	struct path at = {.n = 0};
	if (!kd__json_is(root, KD_JOBJECT)) {
		REPORT(st, E_TOP, "top level", "must be a JSON object, not %s",
		       describe(st, buf, sizeof buf, root));
		return;
	}
	check_fields(st, root, known, &at);

	const char *name;
	check_name(st, root, "name", &at, true, true, &name);

	const kd__jnode *topics = kd__json_get(&st->doc, root, "topics");
	const kd__jnode *members = kd__json_get(&st->doc, root, "members");
	if (!topics)
		REPORT(st, E_MISSING, "topics", "required field missing (an array of topics)");
	else if (!kd__json_is(topics, KD_JARRAY))
		REPORT(st, E_TYPE, "topics", "must be an array of topics, not %s",
		       describe(st, buf, sizeof buf, topics));
	else
		st->topics = topics;
	if (!members)
		REPORT(st, E_MISSING, "members", "required field missing (an array of members)");
	else if (!kd__json_is(members, KD_JARRAY))
		REPORT(st, E_TYPE, "members", "must be an array of members, not %s",
		       describe(st, buf, sizeof buf, members));
	else
		st->members = members;

	st->n_topics = kd__json_size(st->topics);
	st->n_members = kd__json_size(st->members);
	if (st->n_topics > KA_MAX_TOPICS)
		REPORT(st, E_LIMIT, "topics", "%zu topics, past the limit of %u (KA_MAX_TOPICS)",
		       st->n_topics, KA_MAX_TOPICS);
	if (st->n_members > KA_MAX_MEMBERS)
		REPORT(st, E_LIMIT, "members", "%zu members, past the limit of %u (KA_MAX_MEMBERS)",
		       st->n_members, KA_MAX_MEMBERS);

	st->topic_names = calloc(st->n_topics ? st->n_topics : 1, sizeof *st->topic_names);
	st->generation = malloc((st->n_members ? st->n_members : 1) * sizeof *st->generation);
	st->pattern = calloc(st->n_members ? st->n_members : 1, sizeof *st->pattern);
	if (!st->topic_names || !st->generation || !st->pattern ||
	    smap_init(&st->topic_map, st->n_topics) != 0 ||
	    smap_init(&st->member_map, st->n_members) != 0 || smap_init(&st->pat_map, 8) != 0) {
		REPORT(st, E_NOMEM, NULL, "out of memory");
		return;
	}
	if (st->errors == 0) {
		st->b = ka_builder_new(on_diag, st);
		if (!st->b)
			REPORT(st, E_NOMEM, NULL, "out of memory");
		else if (name)
			fed(st, ka_builder_set_name(st->b, name), "name", "name");
	}
	for (size_t i = 0; i < st->n_topics; i++)
		load_topic(st, i, kd__json_at(&st->doc, st->topics, i));
	for (size_t i = 0; i < st->n_members; i++)
		load_member(st, i, kd__json_at(&st->doc, st->members, i));
}

/* Frees the document before the builder finishes: a G-1M document is a
 * third of the group's size and only a rare message needs it again
 * (ensure_doc). Topic names move to a block of their own first. */
static void drop_doc(struct ld *st)
{
	size_t total = 1;
	for (size_t t = 0; t < st->n_topics; t++)
		total += st->topic_names[t] ? strlen(st->topic_names[t]) + 1 : 0;
	char *copy = malloc(total);
	if (!copy)
		return; /* keep the document: the messages stay exact */
	char *w = copy;
	for (size_t t = 0; t < st->n_topics; t++) {
		if (!st->topic_names[t])
			continue;
		size_t n = strlen(st->topic_names[t]) + 1;
		memcpy(w, st->topic_names[t], n);
		st->topic_names[t] = w;
		w += n;
	}
	st->names_copy = copy;
	/* The pattern table's keys point into the document too; no pattern
	 * is looked up again after feeding. */
	smap_free(&st->pat_map);
	smap_free(&st->topic_map);
	smap_free(&st->member_map);
	kd__json_free(&st->doc);
	st->topics = NULL;
	st->members = NULL;
	st->doc_gone = true;
#if defined(__GLIBC__)
	/* glibc keeps freed blocks for reuse once it has raised its mmap
	 * threshold; the document's were the largest so far. */
	malloc_trim(0);
#endif
}

static void ld_free(struct ld *st)
{
	ka_builder_free(st->b);
	st->b = NULL;
	for (size_t i = 0; i < st->n_pats; i++) {
		if (st->pats[i].state == 1)
			regfree(&st->pats[i].re);
		free(st->pats[i].match);
	}
	free(st->pats);
	free(st->topic_names);
	free(st->names_copy);
	free(st->generation);
	free(st->pattern);
	free(st->sub_idx);
	free(st->sub_seen);
	smap_free(&st->topic_map);
	smap_free(&st->member_map);
	smap_free(&st->pat_map);
}

/* Loads from data, which the caller frees; with `owned`, data is freed here
 * as soon as the document is read, so the text and the group never take
 * memory at the same time. */
static int load(const char *name, char *data, size_t len, bool owned, ka_group **out, kd_msg_fn fn,
		void *ctx)
{
	struct ld st = {.file = name ? name : "<buffer>",
			.reload = owned ? NULL : data,
			.reload_len = len,
			.fn = fn,
			.ctx = ctx,
			.dup_member = KA_NONE,
			.dup_topic = KA_NONE};
	*out = NULL;
	char line[2048];
	int prc = kd__json_load(&st.doc, st.file, data, len, line, sizeof line);
	if (owned)
		free(data);
	if (prc != 0) {
		take(&st, E_SYNTAX);
		if (fn)
			fn(ctx, KD_ERROR, line);
		return -1;
	}
	const kd__jnode *root = kd__json_root(&st.doc);
	load_root(&st, root);

	int rc = -1;
	if (st.errors == 0 && st.b) {
		ka_group *g = NULL;
		drop_doc(&st);
		st.finishing = true;
		int frc = ka_builder_finish(st.b, &g);
		if (frc == 0 && g) {
			*out = g;
			rc = 0;
		} else if (st.errors == 0) {
			REPORT(&st, E_BUILDER, NULL, "cannot build the group: %s",
			       ka_strerror(frc));
		}
	}
	report_summaries(&st);
	ld_free(&st);
	kd__json_free(&st.doc);
#if defined(__GLIBC__)
	malloc_trim(0); /* the builder's input lists, as in drop_doc */
#endif
	return rc;
}

int kd_scenario_load_buffer(const char *name, const char *data, size_t len, ka_group **out,
			    kd_msg_fn fn, void *ctx)
{
	return load(name, (char *)data, len, false, out, fn, ctx);
}

int kd_scenario_load(const char *path, ka_group **out, kd_msg_fn fn, void *ctx)
{
	*out = NULL;
	size_t len = 0;
	char *data = kd__read_file(path, &len);
	if (!data) {
		if (fn) {
			char line[2048];
			snprintf(line, sizeof line, "%s: error: cannot read: %s", path,
				 strerror(errno));
			fn(ctx, KD_ERROR, line);
		}
		return -1;
	}
	int rc = load(path, data, len, true, out, fn, ctx);
	return rc;
}

/* "kassign CMD" when the command line set it: every message of every
 * command has the one form of docs/cli.md, kassign CMD: FILE...: error: ... */
static const char *msg_program;

void kd_msg_program(const char *name)
{
	msg_program = name;
}

void kd_msg_stderr(void *ctx, int severity, const char *line)
{
	(void)ctx;
	(void)severity;
	if (msg_program)
		fprintf(stderr, "%s: %s\n", msg_program, line);
	else
		fprintf(stderr, "%s\n", line);
}

/* ------------------------------------------------------------ writing */

/* Every topic and rack name escaped once, not once per use. */
struct names {
	char *text;
	size_t *off; /* [n + 1] */
};

static int names_build(struct names *nm, const char *const *names, uint32_t n)
{
	struct wbuf w = {.f = NULL, .buf = NULL, .n = 0, .cap = 0, .err = 0};
	nm->text = NULL;
	nm->off = malloc(((size_t)n + 1) * sizeof *nm->off);
	if (!nm->off)
		return -1;
	for (uint32_t i = 0; i < n && !w.err; i++) {
		nm->off[i] = w.n;
		kd__wb_quote(&w, names[i]);
	}
	if (w.err) {
		free(w.buf);
		free(nm->off);
		nm->off = NULL;
		return -1;
	}
	nm->off[n] = w.n;
	nm->text = w.buf;
	return 0;
}

static void names_put(struct wbuf *w, const struct names *nm, uint32_t i)
{
	kd__wb_put(w, nm->text + nm->off[i], nm->off[i + 1] - nm->off[i]);
}

static void names_free(struct names *nm)
{
	free(nm->text);
	free(nm->off);
}

/* Writes one topic's "racks" array: each partition's racks by name, so that
 * the text does not depend on the order racks were interned in. */
static void write_racks(struct wbuf *w, const ka_group *g, uint32_t t, const struct names *rn,
			const uint32_t *rank, uint16_t *tmp)
{
	kd__wb_s(w, ", \"racks\": [");
	for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
		uint32_t n = g->prack_off[p + 1] - g->prack_off[p];
		for (uint32_t i = 0; i < n; i++) {
			uint16_t r = g->prack[g->prack_off[p] + i];
			uint32_t j = i;
			while (j > 0 && rank[tmp[j - 1]] > rank[r]) {
				tmp[j] = tmp[j - 1];
				j--;
			}
			tmp[j] = r;
		}
		kd__wb_s(w, p == g->topic_off[t] ? "[" : ", [");
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				kd__wb_s(w, ", ");
			names_put(w, rn, tmp[i]);
		}
		kd__wb_s(w, "]");
	}
	kd__wb_s(w, "]");
}

/* Writes one topic's "leaders" array: each partition's leader rack, null
 * where unknown. */
static void write_leaders(struct wbuf *w, const ka_group *g, uint32_t t, const struct names *rn)
{
	kd__wb_s(w, ", \"leaders\": [");
	for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
		if (p != g->topic_off[t])
			kd__wb_s(w, ", ");
		if (g->lrack_off[p + 1] > g->lrack_off[p])
			names_put(w, rn, g->lrack[g->lrack_off[p]]);
		else
			kd__wb_s(w, "null");
	}
	kd__wb_s(w, "]");
}

struct named {
	const char *name;
	uint32_t index;
};

static int cmp_named(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

/* rank[r]: position of rack r among rack names in byte order. */
static uint32_t *rack_ranks(const ka_group *g)
{
	uint32_t n = g->n_racks;
	struct named *order = malloc(((size_t)n + 1) * sizeof *order);
	uint32_t *rank = malloc(((size_t)n + 1) * sizeof *rank);
	if (!order || !rank) {
		free(order);
		free(rank);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++)
		order[i] = (struct named){g->rack_name[i], i};
	qsort(order, n, sizeof *order, cmp_named);
	for (uint32_t i = 0; i < n; i++)
		rank[order[i].index] = i;
	free(order);
	return rank;
}

static void write_member(struct wbuf *w, const ka_group *g, uint32_t m, const struct names *tn,
			 const struct names *rn)
{
	kd__wb_s(w, "    {\"member_id\": ");
	kd__wb_quote(w, g->member_id[m]);
	if (g->instance_id[m]) {
		kd__wb_s(w, ", \"group_instance_id\": ");
		kd__wb_quote(w, g->instance_id[m]);
	}
	if (g->member_rack[m] != KA_NO_RACK && g->member_rack[m] < g->n_racks) {
		kd__wb_s(w, ", \"rack\": ");
		names_put(w, rn, g->member_rack[m]);
	}
	uint32_t s0 = g->sub_off[m], s1 = g->sub_off[m + 1];
	if (g->n_topics > 0 && s1 - s0 == g->n_topics) {
		kd__wb_s(w, ", \"topics\": {\"pattern\": \".*\"}");
	} else {
		kd__wb_s(w, ", \"topics\": [");
		for (uint32_t i = s0; i < s1; i++) {
			if (i > s0)
				kd__wb_s(w, ", ");
			names_put(w, tn, g->sub_topic[i]);
		}
		kd__wb_s(w, "]");
	}
	uint32_t o0 = g->own_off[m], o1 = g->own_off[m + 1];
	if (o1 > o0) {
		kd__wb_s(w, ", \"owned\": {");
		/* own_part is ascending, so topics come in order: one pass. */
		uint32_t t = 0;
		bool open = false;
		for (uint32_t i = o0; i < o1; i++) {
			uint32_t p = g->own_part[i];
			if (!open || p >= g->topic_off[t + 1]) {
				if (open)
					kd__wb_s(w, "], ");
				while (p >= g->topic_off[t + 1])
					t++;
				names_put(w, tn, t);
				kd__wb_s(w, ": [");
				open = true;
			} else {
				kd__wb_s(w, ", ");
			}
			kd__wb_i64(w, p - g->topic_off[t]);
		}
		kd__wb_s(w, "]}");
	}
	if (g->generation[m] != KA_NO_GENERATION) {
		kd__wb_s(w, ", \"generation\": ");
		kd__wb_i64(w, g->generation[m]);
	}
	kd__wb_s(w, "}");
}

int kd_scenario_write(FILE *f, const ka_group *g)
{
	struct wbuf w = {.f = f, .cap = 1 << 16};
	struct names tn = {NULL, NULL}, rn = {NULL, NULL};
	uint32_t *rank = NULL;
	uint16_t *tmp = NULL;
	int rc = -1;
	w.buf = malloc(w.cap);
	if (!w.buf || names_build(&tn, g->topic_name, g->n_topics) != 0 ||
	    names_build(&rn, g->rack_name, g->n_racks) != 0)
		goto out;
	rank = rack_ranks(g);
	tmp = malloc(((size_t)g->n_racks + 1) * sizeof *tmp);
	if (!rank || !tmp)
		goto out;

	kd__wb_s(&w, "{\n");
	if (g->name && *g->name) {
		kd__wb_s(&w, "  \"name\": ");
		kd__wb_quote(&w, g->name);
		kd__wb_s(&w, ",\n");
	}
	kd__wb_s(&w, g->n_topics ? "  \"topics\": [\n" : "  \"topics\": [");
	for (uint32_t t = 0; t < g->n_topics; t++) {
		kd__wb_s(&w, "    {\"name\": ");
		names_put(&w, &tn, t);
		kd__wb_s(&w, ", \"partitions\": ");
		kd__wb_i64(&w, g->topic_off[t + 1] - g->topic_off[t]);
		if (g->prack_off[g->topic_off[t]] != g->prack_off[g->topic_off[t + 1]])
			write_racks(&w, g, t, &rn, rank, tmp);
		if (g->lrack_off[g->topic_off[t]] != g->lrack_off[g->topic_off[t + 1]])
			write_leaders(&w, g, t, &rn);
		kd__wb_s(&w, t + 1 < g->n_topics ? "},\n" : "}\n  ");
	}
	kd__wb_s(&w, "],\n");
	kd__wb_s(&w, g->n_members ? "  \"members\": [\n" : "  \"members\": [");
	for (uint32_t m = 0; m < g->n_members; m++) {
		write_member(&w, g, m, &tn, &rn);
		kd__wb_s(&w, m + 1 < g->n_members ? ",\n" : "\n  ");
	}
	kd__wb_s(&w, "]\n}\n");
	kd__wb_flush(&w);
	rc = w.err || fflush(f) != 0 || ferror(f) ? -1 : 0;
out:
	free(w.buf);
	names_free(&tn);
	names_free(&rn);
	free(rank);
	free(tmp);
	return rc;
}
