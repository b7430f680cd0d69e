/*
 * jsondoc.c - see jsondoc.h.
 *
 * One pass, no recursion: values are pushed on a pending stack; when a
 * container closes, its children move in one block to the node array and
 * the container becomes one node on the stack in their place. So each
 * node is written twice and never moves again, and the stack only ever
 * holds the children of the containers still open (a few thousand for a
 * large group: the members array).
 *
 * Node layout (64 bits): kind in the low 4 bits; above them an inline
 * integer (60 bits, signed), an index into big[] or real[], a string's
 * offset in text[], or a container's count (28 bits) and first child
 * (32 bits).
 */
#include "datasets/jsondoc.h"
#include "datasets/utf8.h"
#include "datasets/wbuf.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* jansson's JSON_PARSER_MAX_DEPTH: a value may sit inside at most 2047
 * containers (jansson counts the value itself). */
#define MAX_DEPTH 2048

static inline kd__jnode mk(unsigned tag, uint64_t payload)
{
	return payload << 4 | tag;
}

const kd__jnode *kd__json_get(const struct kd__jdoc *d, const kd__jnode *v, const char *key)
{
	if (!v || kd__jtag(*v) != KD__T_OBJ)
		return NULL;
	const kd__jnode *kv = d->node + kd__jfirst(*v);
	for (uint32_t i = 0, n = kd__jcount(*v); i < n; i++)
		if (strcmp(d->text + kd__jpayload(kv[2 * i]), key) == 0)
			return kv + 2 * i + 1;
	return NULL;
}

size_t kd__json_strlen(const struct kd__jdoc *d, const kd__jnode *v)
{
	const char *s = kd__json_str(d, v);
	return s ? strlen(s) : 0;
}

double kd__json_real(const struct kd__jdoc *d, const kd__jnode *v)
{
	return v && kd__jtag(*v) == KD__T_REAL ? d->real[kd__jpayload(*v)] : 0.0;
}

void kd__json_free(struct kd__jdoc *d)
{
	free(d->node);
	free(d->text);
	free(d->big);
	free(d->real);
	memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------ parsing */

struct frame {
	size_t start; /* first pending child */
	int obj;
};

struct parser {
	const unsigned char *p, *end;
	struct kd__jdoc *d;
	size_t cap_node, cap_text, cap_big, cap_real;
	kd__jnode *pend;
	size_t n_pend, cap_pend;
	struct frame *fr;
	size_t n_fr, cap_fr;
	uint32_t *set; /* duplicate-key probe table, reused */
	size_t cap_set;
	int err;
};

static int grow(void **v, size_t *cap, size_t want, size_t elem)
{
	if (want <= *cap)
		return 0;
	size_t c = *cap ? *cap : 64;
	while (c < want)
		c *= 2;
	void *nv = realloc(*v, c * elem);
	if (!nv)
		return -1;
	kd__advise_huge(nv, c * elem);
	*v = nv;
	*cap = c;
	return 0;
}

static int push(struct parser *ps, kd__jnode n)
{
	if (ps->n_pend == ps->cap_pend &&
	    grow((void **)&ps->pend, &ps->cap_pend, ps->n_pend + 1, sizeof *ps->pend) != 0)
		return ps->err = KD_JSON_NOMEM;
	ps->pend[ps->n_pend++] = n;
	return 0;
}

/* Byte classes, one load a byte in the two loops that see every byte of a
 * file: WS (1) for JSON's whitespace, PLAIN (2) for string bytes copied as
 * they are (printable ASCII but the quote and the backslash); the space is
 * both. */
enum { WS = 1, PLAIN = 2 };
/* clang-format off */
static const unsigned char byte_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	3, 2, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* clang-format on */

static inline void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (byte_class[*ps->p] & WS))
		ps->p++;
}

static int hexval(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

static int read_u4(struct parser *ps, uint32_t *out)
{
	if (ps->end - ps->p < 4)
		return -1;
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(ps->p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | (uint32_t)h;
	}
	ps->p += 4;
	*out = v;
	return 0;
}

/* The \uXXXX escape at ps->p (past the 'u'), a surrogate pair taken
 * whole, written at *out as UTF-8; ps->p moves past it. Lone surrogates
 * and \u0000 are refused, as jansson does. Returns 0, or -1 with ps->p
 * where the error is placed: at the escape's first digit when they are
 * not four hex digits, else past the digits read (the first four when
 * the second half of a pair is wrong). */
static int put_u_escape(struct parser *ps, char **outp)
{
	const unsigned char *end = ps->end;
	char *out = *outp;
	uint32_t v, lo;
	if (read_u4(ps, &v) != 0)
		return -1;
	const unsigned char *p = ps->p;
	if (v >= 0xDC00 && v <= 0xDFFF)
		return -1;
	if (v >= 0xD800 && v <= 0xDBFF) {
		if (end - p < 2 || p[0] != '\\' || p[1] != 'u')
			return -1;
		ps->p = p + 2;
		if (read_u4(ps, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
			ps->p = p;
			return -1;
		}
		v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (v == 0)
		return -1; /* jansson refuses \u0000 unless JSON_ALLOW_NUL */
	if (v < 0x80) {
		*out++ = (char)v;
	} else if (v < 0x800) {
		*out++ = (char)(0xC0 | v >> 6);
		*out++ = (char)(0x80 | (v & 0x3F));
	} else if (v < 0x10000) {
		*out++ = (char)(0xE0 | v >> 12);
		*out++ = (char)(0x80 | (v >> 6 & 0x3F));
		*out++ = (char)(0x80 | (v & 0x3F));
	} else {
		*out++ = (char)(0xF0 | v >> 18);
		*out++ = (char)(0x80 | (v >> 12 & 0x3F));
		*out++ = (char)(0x80 | (v >> 6 & 0x3F));
		*out++ = (char)(0x80 | (v & 0x3F));
	}
	*outp = out;
	return 0;
}

/* A string (p just past the opening quote) into text[]; its offset out. */
static int parse_string(struct parser *ps, uint64_t *off)
{
	struct kd__jdoc *d = ps->d;
	const unsigned char *p = ps->p, *end = ps->end;
	/* Unescaped text is never longer than its source, so the text written
	 * so far plus the input left always fits when kd__json_parse's
	 * reservation held; otherwise this string's end is found first. */
	if (d->n_text + (size_t)(end - p) + 1 > ps->cap_text) {
		const unsigned char *q = p;
		while (q < end && *q != '"')
			q += *q == '\\' && q + 1 < end ? 2 : 1;
		if (grow((void **)&d->text, &ps->cap_text, d->n_text + (size_t)(q - p) + 1, 1) != 0)
			return ps->err = KD_JSON_NOMEM;
	}
	*off = d->n_text;
	char *out = d->text + d->n_text;
	for (;;) {
		while (p < end && (byte_class[*p] & PLAIN))
			*out++ = (char)*p++;
		if (p >= end)
			goto bad;
		unsigned c = *p;
		if (c == '"') {
			p++;
			break;
		}
		if (c < 0x20)
			goto bad;
		if (c >= 0x80) {
			size_t n = kd_utf8_seq(p, end, NULL);
			if (!n)
				goto bad;
			memcpy(out, p, n);
			out += n;
			p += n;
			continue;
		}
		/* backslash */
		if (++p >= end)
			goto bad;
		c = *p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*out++ = (char)c;
			break;
		case 'b':
			*out++ = '\b';
			break;
		case 'f':
			*out++ = '\f';
			break;
		case 'n':
			*out++ = '\n';
			break;
		case 'r':
			*out++ = '\r';
			break;
		case 't':
			*out++ = '\t';
			break;
		case 'u': {
			ps->p = p;
			const int urc = put_u_escape(ps, &out);
			p = ps->p;
			if (urc != 0)
				goto bad;
			break;
		}
		default:
			goto bad;
		}
	}
	*out++ = '\0';
	d->n_text = (size_t)(out - d->text);
	ps->p = p;
	return 0;
bad:
	ps->p = p;
	return ps->err = KD_JSON_SYNTAX;
}

/* A number the fast path of parse_number does not take (a fraction, an
 * exponent, or more than 18 digits), s..p, through the C library as in
 * jansson: an integer out of int64's range or a real that overflows is
 * refused (underflow is accepted). Returns 0, or the error with ps->p
 * back at s. */
static int parse_long_number(struct parser *ps, const unsigned char *s, const unsigned char *p,
			     bool real, kd__jnode *out)
{
	struct kd__jdoc *d = ps->d;
	size_t n = (size_t)(p - s);
	char small[64];
	char *buf = n < sizeof small ? small : malloc(n + 1);
	if (!buf)
		return ps->err = KD_JSON_NOMEM;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	int rc = 0;
	if (!real) {
		long long v = strtoll(buf, NULL, 10);
		if (errno == ERANGE) {
			rc = ps->err = KD_JSON_SYNTAX;
		} else if (grow((void **)&d->big, &ps->cap_big, d->n_big + 1, sizeof *d->big) !=
			   0) {
			rc = ps->err = KD_JSON_NOMEM;
		} else {
			d->big[d->n_big] = v;
			*out = mk(KD__T_BIG, d->n_big++);
		}
	} else {
		double v = strtod(buf, NULL);
		if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL)) {
			rc = ps->err = KD_JSON_SYNTAX; /* overflow; underflow is accepted */
		} else if (grow((void **)&d->real, &ps->cap_real, d->n_real + 1, sizeof *d->real) !=
			   0) {
			rc = ps->err = KD_JSON_NOMEM;
		} else {
			d->real[d->n_real] = v;
			*out = mk(KD__T_REAL, d->n_real++);
		}
	}
	if (buf != small)
		free(buf);
	if (rc)
		ps->p = s;
	return rc;
}

static int parse_number(struct parser *ps, kd__jnode *out)
{
	struct kd__jdoc *d = ps->d;
	const unsigned char *s = ps->p, *p = s, *end = ps->end;
	bool neg = p < end && *p == '-';
	if (neg)
		p++;
	if (p >= end || *p < '0' || *p > '9')
		goto bad;
	const unsigned char *digits = p;
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			goto bad;
	} else {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	bool real = false;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			goto bad;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		real = true;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			goto bad;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		real = true;
	}
	ps->p = p;
	if (!real && p - digits <= 18) {
		/* At most 18 digits cannot overflow an int64. */
		int64_t v = 0;
		for (const unsigned char *c = digits; c < p; c++)
			v = v * 10 + (*c - '0');
		if (neg)
			v = -v;
		if (v >= -((int64_t)1 << 59) && v < ((int64_t)1 << 59)) {
			*out = mk(KD__T_INT, (uint64_t)v);
			return 0;
		}
		if (grow((void **)&d->big, &ps->cap_big, d->n_big + 1, sizeof *d->big) != 0)
			return ps->err = KD_JSON_NOMEM;
		d->big[d->n_big] = v;
		*out = mk(KD__T_BIG, d->n_big++);
		return 0;
	}
	return parse_long_number(ps, s, p, real, out);
bad:
	ps->p = p;
	return ps->err = KD_JSON_SYNTAX;
}

static uint64_t hash_key(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h ^ (h >> 29);
}

/* Whether the n keys at kv[0], kv[2], ... are all different. */
static int keys_distinct(struct parser *ps, const kd__jnode *kv, size_t n)
{
	const char *text = ps->d->text;
	if (n <= 12) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (strcmp(text + kd__jpayload(kv[2 * i]),
					   text + kd__jpayload(kv[2 * j])) == 0)
					return 0;
		return 1;
	}
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	if (cap > ps->cap_set) {
		free(ps->set);
		ps->set = malloc(cap * sizeof *ps->set);
		if (!ps->set) {
			ps->cap_set = 0;
			ps->err = KD_JSON_NOMEM;
			return 0;
		}
		ps->cap_set = cap;
	}
	memset(ps->set, 0xff, cap * sizeof *ps->set);
	for (size_t i = 0; i < n; i++) {
		const char *k = text + kd__jpayload(kv[2 * i]);
		size_t h = hash_key(k) & (cap - 1);
		for (; ps->set[h] != UINT32_MAX; h = (h + 1) & (cap - 1))
			if (strcmp(text + kd__jpayload(kv[2 * ps->set[h]]), k) == 0)
				return 0;
		ps->set[h] = (uint32_t)i;
	}
	return 1;
}

/* Closes the innermost container: its children move to node[]. */
static int close_frame(struct parser *ps)
{
	struct kd__jdoc *d = ps->d;
	struct frame f = ps->fr[--ps->n_fr];
	size_t n = ps->n_pend - f.start;
	size_t count = f.obj ? n / 2 : n;
	if (count > KD__JCOUNT_MAX || d->n_node + n > UINT32_MAX)
		return ps->err = KD_JSON_LIMIT;
	if (f.obj && !keys_distinct(ps, ps->pend + f.start, count))
		return ps->err ? ps->err : (ps->err = KD_JSON_SYNTAX);
	if (grow((void **)&d->node, &ps->cap_node, d->n_node + n, sizeof *d->node) != 0)
		return ps->err = KD_JSON_NOMEM;
	memcpy(d->node + d->n_node, ps->pend + f.start, n * sizeof *d->node);
	kd__jnode c =
	    (uint64_t)d->n_node << 32 | (uint64_t)count << 4 | (f.obj ? KD__T_OBJ : KD__T_ARR);
	d->n_node += n;
	ps->n_pend = f.start;
	ps->pend[ps->n_pend++] = c; /* room: the container had at least its slot */
	return 0;
}

static int open_frame(struct parser *ps, int obj)
{
	if (grow((void **)&ps->fr, &ps->cap_fr, ps->n_fr + 1, sizeof *ps->fr) != 0)
		return ps->err = KD_JSON_NOMEM;
	ps->fr[ps->n_fr++] = (struct frame){ps->n_pend, obj};
	/* Reserve the slot the container's own node will take. */
	if (grow((void **)&ps->pend, &ps->cap_pend, ps->n_pend + 1, sizeof *ps->pend) != 0)
		return ps->err = KD_JSON_NOMEM;
	return 0;
}

/*
 * jansson reads one character past a number or a literal and puts it back;
 * a NUL byte put back is lost (its buffer takes NUL for "empty"), so one NUL
 * right after such a token is skipped: it accepts "[1\0]" as [1]. Accepting
 * exactly what it accepts means skipping it too (the fuzz_json target found
 * the difference).
 */
static void skip_lost_nul(struct parser *ps)
{
	if (ps->p < ps->end && *ps->p == '\0')
		ps->p++;
}

static int literal(struct parser *ps, const char *word, unsigned tag)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return ps->err = KD_JSON_SYNTAX;
	ps->p += n;
	skip_lost_nul(ps);
	return push(ps, mk(tag, 0));
}

/* An object key and its colon; p at the opening quote. */
static int parse_key(struct parser *ps)
{
	if (ps->p >= ps->end || *ps->p != '"')
		return ps->err = KD_JSON_SYNTAX;
	ps->p++;
	uint64_t off;
	if (parse_string(ps, &off) != 0 || push(ps, mk(KD__T_STR, off)) != 0)
		return ps->err;
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != ':')
		return ps->err = KD_JSON_SYNTAX;
	ps->p++;
	return 0;
}

static int parse_all(struct parser *ps)
{
	for (;;) {
		/* A value. */
		skip_ws(ps);
		if (ps->p >= ps->end)
			return ps->err = KD_JSON_SYNTAX;
		if (ps->n_fr + 1 > MAX_DEPTH)
			return ps->err = KD_JSON_SYNTAX;
		unsigned c = *ps->p;
		kd__jnode v;
		uint64_t off;
		switch (c) {
		case '{':
		case '[':
			ps->p++;
			if (open_frame(ps, c == '{') != 0)
				return ps->err;
			skip_ws(ps);
			if (ps->p < ps->end && *ps->p == (c == '{' ? '}' : ']')) {
				ps->p++;
				if (close_frame(ps) != 0)
					return ps->err;
				break;
			}
			if (c == '{') {
				if (parse_key(ps) != 0)
					return ps->err;
			}
			continue;
		case '"':
			ps->p++;
			if (parse_string(ps, &off) != 0 || push(ps, mk(KD__T_STR, off)) != 0)
				return ps->err;
			break;
		case 't':
			if (literal(ps, "true", KD__T_TRUE) != 0)
				return ps->err;
			break;
		case 'f':
			if (literal(ps, "false", KD__T_FALSE) != 0)
				return ps->err;
			break;
		case 'n':
			if (literal(ps, "null", KD__T_NULL) != 0)
				return ps->err;
			break;
		default:
			if (parse_number(ps, &v) != 0 || push(ps, v) != 0)
				return ps->err;
			skip_lost_nul(ps);
		}
		/* After a value: close what ends here, then a comma or the end. */
		for (;;) {
			skip_ws(ps);
			if (ps->n_fr == 0)
				return ps->p == ps->end ? 0 : (ps->err = KD_JSON_SYNTAX);
			if (ps->p >= ps->end)
				return ps->err = KD_JSON_SYNTAX;
			int obj = ps->fr[ps->n_fr - 1].obj;
			c = *ps->p++;
			if (c == ',') {
				if (obj) {
					skip_ws(ps);
					if (parse_key(ps) != 0)
						return ps->err;
				}
				break;
			}
			if (c != (obj ? '}' : ']')) {
				ps->p--;
				return ps->err = KD_JSON_SYNTAX;
			}
			if (close_frame(ps) != 0)
				return ps->err;
		}
	}
}

int kd__json_parse(struct kd__jdoc *d, const char *data, size_t len, size_t *stop)
{
	memset(d, 0, sizeof *d);
	struct parser ps = {
	    .p = (const unsigned char *)data, .end = (const unsigned char *)data + len, .d = d};
	/* A value takes two bytes at least ("0,"), so len / 2 + 2 nodes and
	 * len + 1 bytes of text always suffice: reserved once, they are never
	 * copied by a reallocation, and only the pages written count as
	 * memory. Should the reservation fail, the arrays grow instead. */
	size_t most = len / 2 + 2;
	if ((d->node = kd__huge_alloc(most * sizeof *d->node)) != NULL)
		ps.cap_node = most;
	else if (grow((void **)&d->node, &ps.cap_node, len / 16 + 16, sizeof *d->node) != 0)
		ps.err = KD_JSON_NOMEM;
	if ((d->text = kd__huge_alloc(len + 1)) != NULL)
		ps.cap_text = len + 1;
	else if (grow((void **)&d->text, &ps.cap_text, len / 16 + 16, 1) != 0)
		ps.err = KD_JSON_NOMEM;
	int rc = ps.err ? ps.err : parse_all(&ps);
	if (rc == 0)
		d->root = ps.pend[0];
	else if (stop)
		*stop = (size_t)(ps.p - (const unsigned char *)data);
	free(ps.pend);
	free(ps.fr);
	free(ps.set);
	if (rc != 0)
		kd__json_free(d);
	return rc;
}

/* Line and column (from 1, in bytes) of offset `at`. */
static void place(const char *data, size_t at, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < at; i++) {
		if (data[i] == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
}

int kd__json_load(struct kd__jdoc *d, const char *file, const char *data, size_t len, char *line,
		  size_t cap)
{
	size_t stop = 0;
	int rc = kd__json_parse(d, data, len, &stop);
	if (rc == 0)
		return 0;
	if (rc == KD_JSON_NOMEM) {
		snprintf(line, cap, "%s: error: out of memory", file);
		return -1;
	}
	if (rc == KD_JSON_LIMIT) {
		size_t l, c;
		place(data, stop, &l, &c);
		snprintf(line, cap,
			 "%s:%zu:%zu: error: invalid JSON: an array or object of more than %u "
			 "values",
			 file, l, c, (1u << 28) - 2);
		return -1;
	}
	/* jansson words the message: same flags as the grammar above. */
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (root) {
		/* Cannot happen while both grammars agree (fuzz_json checks). */
		json_decref(root);
		size_t l, c;
		place(data, stop, &l, &c);
		snprintf(line, cap, "%s:%zu:%zu: error: invalid JSON: unexpected text", file, l, c);
	} else if (jerr.line > 0) {
		/* jansson says column 0 before the first character of a line;
		 * editors count from 1. */
		snprintf(line, cap, "%s:%d:%d: error: invalid JSON: %s", file, jerr.line,
			 jerr.column > 0 ? jerr.column : 1, jerr.text);
	} else {
		snprintf(line, cap, "%s: error: invalid JSON: %s", file, jerr.text);
	}
	return -1;
}
