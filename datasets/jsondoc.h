/*
 * jsondoc.h - a compact, read-only JSON document for the scenario and
 * assignment loaders (datasets-internal, kd__json_).
 *
 * A G-1M scenario holds a million small numbers. jansson allocates one
 * json_t per value (and a hashtable per object), which made reading the
 * file cost twenty times the parse and four times its size in memory. Here
 * every value is one 8-byte node: scalars inline, strings as an offset into
 * one text buffer, containers as a count and the index of their children,
 * which lie next to each other (an object's as key, value, key, value...).
 * Arrays index in O(1); objects keep the file's key order.
 *
 * The grammar is jansson's as the loaders call it (json_loadb with
 * JSON_DECODE_ANY | JSON_REJECT_DUPLICATES): RFC 8259 plus its rules that a
 * document is valid UTF-8, holds no \u0000, integers fit in 64 bits, reals do
 * not overflow, keys of one object differ and nesting stays within 2048
 * values. The parser only says where it stopped; for the message a user reads,
 * a rejected document goes through jansson again, so the wording stays
 * jansson's (the fuzz_json target checks that both accept the same texts and
 * read the same values).
 */
#ifndef KASSIGN_DATASETS_JSONDOC_H
#define KASSIGN_DATASETS_JSONDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value kinds, in jansson's json_type order. */
enum kd__jtype {
	KD_JOBJECT,
	KD_JARRAY,
	KD_JSTRING,
	KD_JINTEGER,
	KD_JREAL,
	KD_JTRUE,
	KD_JFALSE,
	KD_JNULL
};

/* A value: a pointer to its node, NULL for "absent". */
typedef uint64_t kd__jnode;

struct kd__jdoc {
	kd__jnode *node; /* children blocks; the root is `root` */
	size_t n_node;
	char *text; /* every string, NUL-terminated */
	size_t n_text;
	int64_t *big; /* integers too wide to sit in a node */
	size_t n_big;
	double *real;
	size_t n_real;
	kd__jnode root;
};

enum {
	KD_JSON_OK = 0,
	KD_JSON_SYNTAX = -1, /* not a document jansson would accept */
	KD_JSON_NOMEM = -2,
	KD_JSON_LIMIT = -3 /* an array or object of 2^28 or more values */
};

/* Parses data[0..len) into d. Returns KD_JSON_OK or a negative code; on a
 * failure *stop (when not NULL) gets the byte offset where reading stopped
 * and d is left empty. */
int kd__json_parse(struct kd__jdoc *d, const char *data, size_t len, size_t *stop);

void kd__json_free(struct kd__jdoc *d);

/*
 * kd__json_parse, and on a failure the line a user reads, in line (cap
 * bytes): "FILE:LINE:COLUMN: error: invalid JSON: jansson's text" (columns
 * from 1), or without a place when there is none. Returns 0 or -1.
 */
int kd__json_load(struct kd__jdoc *d, const char *file, const char *data, size_t len, char *line,
		  size_t cap);

static inline const kd__jnode *kd__json_root(const struct kd__jdoc *d)
{
	return &d->root;
}

/* A node's layout, read by the accessors below and written by
 * jsondoc.c: the low 4 bits are a tag (KD__T_*); above them a scalar's
 * payload (an integer itself, or an offset into text, big or real); a
 * container's count in bits 4 to 31 and the index of its first child in
 * bits 32 to 63. The accessors are inline: a loader calls them for every
 * value of a file. */
enum {
	KD__T_OBJ,
	KD__T_ARR,
	KD__T_STR,
	KD__T_INT,
	KD__T_BIG,
	KD__T_REAL,
	KD__T_TRUE,
	KD__T_FALSE,
	KD__T_NULL
};
#define KD__JCOUNT_MAX ((1u << 28) - 1)

static inline unsigned kd__jtag(kd__jnode n)
{
	return (unsigned)(n & 15);
}

static inline uint64_t kd__jpayload(kd__jnode n)
{
	return n >> 4;
}

static inline uint32_t kd__jcount(kd__jnode n)
{
	return (uint32_t)(n >> 4) & KD__JCOUNT_MAX;
}

static inline uint32_t kd__jfirst(kd__jnode n)
{
	return (uint32_t)(n >> 32);
}

static inline int kd__json_type(const kd__jnode *v)
{
	switch (kd__jtag(*v)) {
	case KD__T_OBJ:
		return KD_JOBJECT;
	case KD__T_ARR:
		return KD_JARRAY;
	case KD__T_STR:
		return KD_JSTRING;
	case KD__T_INT:
	case KD__T_BIG:
		return KD_JINTEGER;
	case KD__T_REAL:
		return KD_JREAL;
	case KD__T_TRUE:
		return KD_JTRUE;
	case KD__T_FALSE:
		return KD_JFALSE;
	default:
		return KD_JNULL;
	}
}

static inline bool kd__json_is(const kd__jnode *v, int type)
{
	return v && kd__json_type(v) == type;
}

/* Elements of an array, pairs of an object, 0 for anything else. */
static inline size_t kd__json_size(const kd__jnode *v)
{
	if (!v || (kd__jtag(*v) != KD__T_OBJ && kd__jtag(*v) != KD__T_ARR))
		return 0;
	return kd__jcount(*v);
}

/* Element i of an array, NULL past the end or for a non-array. */
static inline const kd__jnode *kd__json_at(const struct kd__jdoc *d, const kd__jnode *v, size_t i)
{
	if (!v || kd__jtag(*v) != KD__T_ARR || i >= kd__jcount(*v))
		return NULL;
	return d->node + kd__jfirst(*v) + i;
}

/* Object member by key, NULL when absent or v is not an object. */
const kd__jnode *kd__json_get(const struct kd__jdoc *d, const kd__jnode *v, const char *key);

/* The i-th pair of an object, in file order. */
static inline const char *kd__json_key(const struct kd__jdoc *d, const kd__jnode *v, size_t i)
{
	if (!v || kd__jtag(*v) != KD__T_OBJ || i >= kd__jcount(*v))
		return NULL;
	return d->text + kd__jpayload(d->node[kd__jfirst(*v) + 2 * i]);
}

static inline const kd__jnode *kd__json_val(const struct kd__jdoc *d, const kd__jnode *v, size_t i)
{
	if (!v || kd__jtag(*v) != KD__T_OBJ || i >= kd__jcount(*v))
		return NULL;
	return d->node + kd__jfirst(*v) + 2 * i + 1;
}

/* For each pair of an object, in file order: key and val set, i counting. */
#define KD_JSON_FOREACH(d, obj, i, key, val)                                                       \
	for (size_t i = 0; i < kd__json_size(obj) && ((key) = kd__json_key((d), (obj), i),         \
						     (val) = kd__json_val((d), (obj), i), 1);      \
	     i++)

/* A string's text, NULL for a non-string. */
static inline const char *kd__json_str(const struct kd__jdoc *d, const kd__jnode *v)
{
	return v && kd__jtag(*v) == KD__T_STR ? d->text + kd__jpayload(*v) : NULL;
}

size_t kd__json_strlen(const struct kd__jdoc *d, const kd__jnode *v);

/* An integer's value, 0 for a non-integer; a real's, 0.0 for a non-real. */
static inline int64_t kd__json_int(const struct kd__jdoc *d, const kd__jnode *v)
{
	if (!v)
		return 0;
	if (kd__jtag(*v) == KD__T_INT)
		return (int64_t)*v >> 4; /* arithmetic shift restores the sign */
	if (kd__jtag(*v) == KD__T_BIG)
		return d->big[kd__jpayload(*v)];
	return 0;
}

double kd__json_real(const struct kd__jdoc *d, const kd__jnode *v);

#endif
