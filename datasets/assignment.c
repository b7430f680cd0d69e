/*
 * assignment.c - assignment documents (docs/scenario-format.md, "Assignment")
 * to and from owner[] arrays.
 *
 * Writing: members in member_id order (Java String order, the group's
 * id_order), each on one line with its topics and partitions ascending. A
 * counting sort over owner[] gives every member's partitions, already
 * ascending, in two passes, so a million partitions cost two sweeps and a
 * stream of digits, no DOM.
 *
 * Reading: the compact document of jsondoc.h, then names resolved by binary search over the group's
 * sorted arrays (topics are in Java String order, id_order lists member ids
 * in that order too). Shape errors make the document unusable (-1); what an
 * assignor could get wrong (unknown names, partitions out of range or given
 * twice, members missing) is counted and reported one line each, rate-limited
 * per kind as the scenario loader does.
 */
#include "datasets/jsondoc.h"
#include "datasets/names.h"
#include "datasets/scenario.h"
#include "datasets/wbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define KD_MSG_CAP 20

/* ------------------------------------------------------------ writing */

/* Each topic's opening, "name": [, quoted once into one block: a G-1M
 * answer opens a topic a million times. */
static int topic_openings(const ka_group *g, struct wbuf *tw, uint32_t *at)
{
	for (uint32_t t = 0; t < g->n_topics; t++) {
		at[t] = (uint32_t)tw->n;
		kd__wb_quote(tw, g->topic_name[t]);
		kd__wb_put(tw, ": [", 3);
		if (tw->n > UINT32_MAX)
			return -1;
	}
	at[g->n_topics] = (uint32_t)tw->n;
	return tw->err ? -1 : 0;
}

/* One member's partitions, list[0..n) ascending: "t": [0, 1], "u": [4]. */
static void member_partitions(struct wbuf *w, const ka_group *g, const struct wbuf *tw,
			      const uint32_t *at, const uint32_t *list, uint32_t n)
{
	uint32_t t = 0;
	for (uint32_t k = 0; k < n; k++) {
		const uint32_t p = list[k];
		if (k == 0 || p >= g->topic_off[t + 1]) {
			t = ka_group_partition_topic(g, p);
			const size_t len = at[t + 1] - at[t];
			char *d = kd__wb_room(w, len + 3);
			if (!d)
				return;
			size_t j = 0;
			if (k) {
				memcpy(d, "], ", 3);
				j = 3;
			}
			memcpy(d + j, tw->buf + at[t], len);
			w->n += j + len;
		} else {
			char *d = kd__wb_room(w, 2);
			if (!d)
				return;
			memcpy(d, ", ", 2);
			w->n += 2;
		}
		char *d = kd__wb_room(w, 10);
		if (!d)
			return;
		w->n += kd__dec(d, p - g->topic_off[t]);
	}
}

int kd_assignment_write(FILE *f, const ka_group *g, const char *strategy, const uint32_t *owner)
{
	uint32_t M = g->n_members, P = g->n_partitions;
	for (uint32_t p = 0; p < P; p++)
		if (owner[p] != KA_NONE && owner[p] >= M)
			return -1;
	uint32_t *off = calloc((size_t)M + 1, sizeof *off);
	uint32_t *list = kd__huge_alloc(((size_t)P + 1) * sizeof *list);
	uint32_t *at = malloc(((size_t)g->n_topics + 1) * sizeof *at);
	struct wbuf w = {.f = f, .cap = 1 << 16}, tw = {0};
	w.buf = malloc(w.cap);
	int rc = -1;
	if (!off || !list || !at || !w.buf || topic_openings(g, &tw, at) < 0)
		goto out;

	/* Counting sort: off[m]..off[m+1] ends up holding m's partitions,
	 * ascending because p is swept in order. */
	for (uint32_t p = 0; p < P; p++)
		if (owner[p] != KA_NONE)
			off[owner[p] + 1]++;
	for (uint32_t m = 0; m < M; m++)
		off[m + 1] += off[m];
	for (uint32_t p = 0; p < P; p++)
		if (owner[p] != KA_NONE)
			list[off[owner[p]]++] = p;
	for (uint32_t m = M; m > 0; m--)
		off[m] = off[m - 1];
	off[0] = 0;

	kd__wb_s(&w, "{\n  \"scenario\": ");
	kd__wb_quote(&w, g->name ? g->name : "");
	kd__wb_s(&w, ",\n  \"strategy\": ");
	kd__wb_quote(&w, strategy ? strategy : "");
	kd__wb_s(&w, M ? ",\n  \"assignment\": {\n" : ",\n  \"assignment\": {");
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[i];
		kd__wb_s(&w, "    ");
		kd__wb_quote(&w, g->member_id[m]);
		kd__wb_s(&w, ": {");
		member_partitions(&w, g, &tw, at, list + off[m], off[m + 1] - off[m]);
		kd__wb_s(&w, off[m + 1] > off[m] ? "]}" : "}");
		kd__wb_s(&w, i + 1 < M ? ",\n" : "\n  ");
	}
	kd__wb_s(&w, "}\n}\n");
	kd__wb_flush(&w);
	rc = w.err || fflush(f) != 0 || ferror(f) ? -1 : 0;
out:
	free(off);
	free(list);
	free(at);
	free(w.buf);
	free(tw.buf);
	return rc;
}

/* ------------------------------------------------------------ messages */

enum al_kind {
	A_SHAPE, /* not an assignment document: the load fails */
	A_UNKNOWN_MEMBER,
	A_MISSING_MEMBER,
	A_UNKNOWN_TOPIC,
	A_NOT_INT,
	A_RANGE,
	A_TWICE,
	A_COUNT
};

static const char *const al_what[A_COUNT] = {
    [A_SHAPE] = "not an assignment document", [A_UNKNOWN_MEMBER] = "unknown member",
    [A_MISSING_MEMBER] = "member missing",    [A_UNKNOWN_TOPIC] = "unknown topic",
    [A_NOT_INT] = "partition not an integer", [A_RANGE] = "partition out of range",
    [A_TWICE] = "partition given twice",
};

/* Topic names hashed once per load: a G-1M assignment names a topic a
 * million times. */
struct topic_index {
	uint32_t *slot; /* topic + 1, 0 empty */
	size_t mask;
};

struct al {
	const char *file;
	struct topic_index topics; /* slot NULL: out of memory, binary search */
	struct kd__jdoc doc;
	kd_msg_fn fn;
	void *ctx;
	uint64_t count[A_COUNT];
};

__attribute__((format(printf, 3, 4))) static void al_report(struct al *st, int kind,
							    const char *fmt, ...)
{
	if (st->count[kind]++ >= KD_MSG_CAP || !st->fn)
		return;
	char msg[1536], line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, "%s: error: %s", st->file, msg);
	st->fn(st->ctx, KD_ERROR, line);
}

/* A key as a path step: .key for plain words, ["key"] otherwise (topic names
 * may hold dots). */
static const char *step(struct qbuf *q, const char *key)
{
	bool plain = *key && strlen(key) < 120;
	for (const char *k = key; *k && plain; k++)
		plain = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
			(*k >= '0' && *k <= '9') || *k == '_' || *k == '-';
	if (plain) {
		snprintf(q->s, sizeof q->s, ".%s", key);
		return q->s;
	}
	struct qbuf inner;
	snprintf(q->s, sizeof q->s, "[%s]", kd__quoted(&inner, key));
	return q->s;
}

static const char *type_name(const kd__jnode *v)
{
	switch (kd__json_type(v)) {
	case KD_JOBJECT:
		return "an object";
	case KD_JARRAY:
		return "an array";
	case KD_JSTRING:
		return "a string";
	case KD_JINTEGER:
		return "an integer";
	case KD_JREAL:
		return "a real number";
	case KD_JTRUE:
	case KD_JFALSE:
		return "a boolean";
	case KD_JNULL:
		return "null";
	}
	return "?";
}

/* ------------------------------------------------------------ reading */

/* The model keeps topics and id_order sorted by ka_java_strcmp. */
static uint32_t find_topic(const ka_group *g, const char *name)
{
	uint32_t lo = 0, hi = g->n_topics;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = ka_java_strcmp(g->topic_name[mid], name);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return KA_NONE;
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h ^ (h >> 29);
}

static int topic_index_init(struct topic_index *ix, const ka_group *g)
{
	size_t cap = 16;
	while (cap < (size_t)g->n_topics * 2)
		cap <<= 1;
	ix->slot = calloc(cap, sizeof *ix->slot);
	ix->mask = cap - 1;
	if (!ix->slot)
		return -1;
	for (uint32_t t = 0; t < g->n_topics; t++) {
		size_t i = hash_name(g->topic_name[t]) & ix->mask;
		while (ix->slot[i])
			i = (i + 1) & ix->mask;
		ix->slot[i] = t + 1;
	}
	return 0;
}

static uint32_t topic_index_get(const struct topic_index *ix, const ka_group *g, const char *name)
{
	for (size_t i = hash_name(name) & ix->mask; ix->slot[i]; i = (i + 1) & ix->mask)
		if (strcmp(g->topic_name[ix->slot[i] - 1], name) == 0)
			return ix->slot[i] - 1;
	return KA_NONE;
}

static uint32_t find_member(const ka_group *g, const char *id)
{
	uint32_t lo = 0, hi = g->n_members;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t m = g->id_order[mid];
		int c = ka_java_strcmp(g->member_id[m], id);
		if (c == 0)
			return m;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return KA_NONE;
}

static void load_member_topics(struct al *st, const ka_group *g, uint32_t *owner, uint32_t m,
			       const char *mkey, const kd__jnode *topics)
{
	struct qbuf qm, qt, qn1, qn2;
	const char *tkey;
	const kd__jnode *arr;
	KD_JSON_FOREACH(&st->doc, topics, i_, tkey, arr)
	{
		if (!kd__json_is(arr, KD_JARRAY)) {
			al_report(st, A_SHAPE,
				  "assignment%s%s: must be an array of partitions, not %s",
				  step(&qm, mkey), step(&qt, tkey), type_name(arr));
			continue;
		}
		uint32_t t =
		    st->topics.slot ? topic_index_get(&st->topics, g, tkey) : find_topic(g, tkey);
		if (t == KA_NONE) {
			al_report(st, A_UNKNOWN_TOPIC, "assignment%s%s: unknown topic %s",
				  step(&qm, mkey), step(&qt, tkey), kd__quoted(&qn1, tkey));
			continue;
		}
		uint32_t count = g->topic_off[t + 1] - g->topic_off[t];
		const kd__jnode *v = kd__json_at(&st->doc, arr, 0);
		for (size_t k = 0, n = kd__json_size(arr); k < n; k++, v++) {
			if (!kd__json_is(v, KD_JINTEGER)) {
				al_report(
				    st, A_NOT_INT,
				    "assignment%s%s[%zu]: partition must be an integer, not %s",
				    step(&qm, mkey), step(&qt, tkey), k, type_name(v));
				continue;
			}
			int64_t x = kd__json_int(&st->doc, v);
			if (x < 0 || x >= (int64_t)count) {
				al_report(st, A_RANGE,
					  "assignment%s%s[%zu]: partition %" PRId64
					  " out of range: topic %s has %" PRIu32 " partitions",
					  step(&qm, mkey), step(&qt, tkey), k, x,
					  kd__quoted(&qn1, tkey), count);
				continue;
			}
			if (m == KA_NONE)
				continue;
			uint32_t p = g->topic_off[t] + (uint32_t)x;
			if (owner[p] != KA_NONE) {
				al_report(st, A_TWICE,
					  "assignment%s%s[%zu]: partition %s-%" PRId64
					  " already given to %s",
					  step(&qm, mkey), step(&qt, tkey), k,
					  kd__plain(&qn1, g->topic_name[t]), x,
					  kd__plain(&qn2, g->member_id[owner[p]]));
				continue;
			}
			owner[p] = m;
		}
	}
}

int64_t kd_assignment_load(const char *path, const ka_group *g, uint32_t *owner, kd_msg_fn fn,
			   void *ctx)
{
	return kd_assignment_load_named(path, g, owner, NULL, 0, fn, ctx);
}

int64_t kd_assignment_load_named(const char *path, const ka_group *g, uint32_t *owner,
				 char *strategy, size_t strategy_len, kd_msg_fn fn, void *ctx)
{
	if (strategy && strategy_len)
		strategy[0] = '\0';
	for (uint32_t p = 0; p < g->n_partitions; p++)
		owner[p] = KA_NONE;
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
	int64_t rc = kd_assignment_load_buffer_named(path, data, len, g, owner, strategy,
						     strategy_len, fn, ctx);
	free(data);
	return rc;
}

int64_t kd_assignment_load_buffer(const char *name, const char *data, size_t len, const ka_group *g,
				  uint32_t *owner, kd_msg_fn fn, void *ctx)
{
	return kd_assignment_load_buffer_named(name, data, len, g, owner, NULL, 0, fn, ctx);
}

int64_t kd_assignment_load_buffer_named(const char *name, const char *data, size_t len,
					const ka_group *g, uint32_t *owner, char *strategy,
					size_t strategy_len, kd_msg_fn fn, void *ctx)
{
	const char *path = name ? name : "<buffer>";
	struct al st = {.file = path, .fn = fn, .ctx = ctx};
	if (strategy && strategy_len)
		strategy[0] = '\0';
	for (uint32_t p = 0; p < g->n_partitions; p++)
		owner[p] = KA_NONE;

	char jline[2048];
	int prc = kd__json_load(&st.doc, path, data, len, jline, sizeof jline);
	if (prc != 0) {
		if (fn)
			fn(ctx, KD_ERROR, jline);
		return -1;
	}
	topic_index_init(&st.topics, g);
	const kd__jnode *root = kd__json_root(&st.doc);
	const kd__jnode *asg = kd__json_get(&st.doc, root, "assignment");
	if (!kd__json_is(root, KD_JOBJECT)) {
		al_report(&st, A_SHAPE, "top level: must be a JSON object, not %s",
			  type_name(root));
	} else if (!asg) {
		al_report(&st, A_SHAPE, "assignment: required field missing");
	} else if (!kd__json_is(asg, KD_JOBJECT)) {
		al_report(&st, A_SHAPE,
			  "assignment: must be an object of member -> {topic: [...]}, not %s",
			  type_name(asg));
	} else {
		bool *seen = calloc((size_t)g->n_members + 1, sizeof *seen);
		if (!seen) {
			al_report(&st, A_SHAPE, "out of memory");
			kd__json_free(&st.doc);
			free(st.topics.slot);
			return -1;
		}
		const char *mkey;
		const kd__jnode *topics;
		KD_JSON_FOREACH(&st.doc, asg, i_, mkey, topics)
		{
			struct qbuf q1, q2;
			if (!kd__json_is(topics, KD_JOBJECT)) {
				al_report(
				    &st, A_SHAPE,
				    "assignment%s: must be an object of topic -> [partitions], "
				    "not %s",
				    step(&q1, mkey), type_name(topics));
				continue;
			}
			uint32_t m = find_member(g, mkey);
			if (m == KA_NONE)
				al_report(&st, A_UNKNOWN_MEMBER, "assignment%s: unknown member %s",
					  step(&q1, mkey), kd__quoted(&q2, mkey));
			else
				seen[m] = true;
			load_member_topics(&st, g, owner, m, mkey, topics);
		}
		for (uint32_t i = 0; i < g->n_members; i++) {
			uint32_t m = g->id_order[i];
			struct qbuf q;
			if (!seen[m])
				al_report(
				    &st, A_MISSING_MEMBER,
				    "assignment: member %s missing (every member must appear, "
				    "with {} when it gets nothing)",
				    kd__quoted(&q, g->member_id[m]));
		}
		free(seen);
	}
	/* Who made it: check applies a cooperative strategy's rules by it. */
	const kd__jnode *sname =
	    kd__json_is(root, KD_JOBJECT) ? kd__json_get(&st.doc, root, "strategy") : NULL;
	if (strategy && strategy_len && sname && kd__json_is(sname, KD_JSTRING))
		snprintf(strategy, strategy_len, "%s", kd__json_str(&st.doc, sname));
	else if (sname && !kd__json_is(sname, KD_JSTRING) && !kd__json_is(sname, KD_JNULL))
		al_report(&st, A_SHAPE, "strategy: must be a string (a strategy name), not %s",
			  type_name(sname));
	kd__json_free(&st.doc);
	free(st.topics.slot);

	for (int k = 0; k < A_COUNT; k++)
		if (st.count[k] > KD_MSG_CAP && fn) {
			char line[512];
			snprintf(line, sizeof line,
				 "%s: error: ... and %" PRIu64 " more like it (%s)", path,
				 st.count[k] - KD_MSG_CAP, al_what[k]);
			fn(ctx, KD_ERROR, line);
		}
	if (st.count[A_SHAPE])
		return -1;
	uint64_t v = 0;
	for (int k = A_SHAPE + 1; k < A_COUNT; k++)
		v += st.count[k];
	return (int64_t)v;
}
