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

int kd_assignment_write(FILE *f, const ka_group *g, const char *strategy, const uint32_t *owner)
{
	uint32_t M = g->n_members, P = g->n_partitions;
	for (uint32_t p = 0; p < P; p++)
		if (owner[p] != KA_NONE && owner[p] >= M)
			return -1;
	uint32_t *off = calloc((size_t)M + 1, sizeof *off);
	uint32_t *list = malloc(((size_t)P + 1) * sizeof *list);
	struct wbuf w = {.f = f, .cap = 1 << 16};
	w.buf = malloc(w.cap);
	int rc = -1;
	if (!off || !list || !w.buf)
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
		uint32_t t = 0;
		bool open = false;
		for (uint32_t k = off[m]; k < off[m + 1]; k++) {
			uint32_t p = list[k];
			if (!open || p >= g->topic_off[t + 1]) {
				if (open)
					kd__wb_s(&w, "], ");
				while (p >= g->topic_off[t + 1])
					t++;
				kd__wb_quote(&w, g->topic_name[t]);
				kd__wb_s(&w, ": [");
				open = true;
			} else {
				kd__wb_s(&w, ", ");
			}
			kd__wb_i64(&w, p - g->topic_off[t]);
		}
		kd__wb_s(&w, open ? "]}" : "}");
		kd__wb_s(&w, i + 1 < M ? ",\n" : "\n  ");
	}
	kd__wb_s(&w, "}\n}\n");
	kd__wb_flush(&w);
	rc = w.err || fflush(f) != 0 || ferror(f) ? -1 : 0;
out:
	free(off);
	free(list);
	free(w.buf);
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

struct al {
	const char *file;
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
	uint32_t hint = KA_NONE; /* hint + 1 wraps to topic 0 */
	KD_JSON_FOREACH(&st->doc, topics, i_, tkey, arr)
	{
		if (!kd__json_is(arr, KD_JARRAY)) {
			al_report(st, A_SHAPE,
				  "assignment%s%s: must be an array of partitions, not %s",
				  step(&qm, mkey), step(&qt, tkey), type_name(arr));
			continue;
		}
		/* Writers list a member's topics ascending: try the one after
		 * the previous before searching. */
		uint32_t t = hint + 1 < g->n_topics && strcmp(g->topic_name[hint + 1], tkey) == 0
				 ? hint + 1
				 : find_topic(g, tkey);
		hint = t == KA_NONE ? hint : t;
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
	struct al st = {.file = path, .fn = fn, .ctx = ctx};
	for (uint32_t p = 0; p < g->n_partitions; p++)
		owner[p] = KA_NONE;

	size_t len = 0;
	char *data = kd__read_file(path, &len);
	if (!data) {
		al_report(&st, A_SHAPE, "cannot read: %s", strerror(errno));
		return -1;
	}
	char jline[2048];
	int prc = kd__json_load(&st.doc, path, data, len, jline, sizeof jline);
	free(data);
	if (prc != 0) {
		if (fn)
			fn(ctx, KD_ERROR, jline);
		return -1;
	}
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
	kd__json_free(&st.doc);

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
