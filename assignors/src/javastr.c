/*
 * javastr.c - Java's String.compareTo on UTF-8 strings.
 *
 * Kafka orders topics (TreeSet<String>) and members (String.compareTo) by
 * UTF-16 code units. UTF-8 byte order is code point order, which differs
 * from UTF-16 order only between supplementary characters (surrogate pairs,
 * 0xD800..0xDFFF) and U+E000..U+FFFF: "\U0001F600" sorts before "\uFFFD" in
 * Java. The ASCII prefix is compared bytewise; only a difference outside ASCII
 * decodes.
 */
#include "internal.h"

#include <string.h>

/* Decodes one code point at *s and advances; an invalid byte stands for itself. */
static uint32_t utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t c = p[0];
	int n = c >= 0xF0 && c < 0xF8 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
	if (c < 0x80 || n == 0 || c >= 0xF8) {
		*s = p + 1;
		return c;
	}
	uint32_t cp = c & (0x3Fu >> n);
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*s = p + 1;
			return c;
		}
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	*s = p + n + 1;
	return cp;
}

/* The first UTF-16 unit of a code point, and the second (0 when none). */
static uint32_t unit_hi(uint32_t cp)
{
	return cp < 0x10000 ? cp : 0xD800 + ((cp - 0x10000) >> 10);
}

static uint32_t unit_lo(uint32_t cp)
{
	return cp < 0x10000 ? 0 : 0xDC00 + ((cp - 0x10000) & 0x3FF);
}

int ka_java_strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y && *x < 0x80) {
		x++;
		y++;
	}
	while (*x && *y) {
		if (*x < 0x80 && *y < 0x80) {
			if (*x != *y)
				return (int)*x - (int)*y;
			x++;
			y++;
			continue;
		}
		uint32_t cx = utf8_next(&x), cy = utf8_next(&y);
		if (cx == cy)
			continue;
		uint32_t hx = unit_hi(cx), hy = unit_hi(cy);
		if (hx != hy)
			return hx < hy ? -1 : 1;
		/* Same high surrogate: the low ones decide (neither is 0 here). */
		return unit_lo(cx) < unit_lo(cy) ? -1 : 1;
	}
	return (*x != 0) - (*y != 0);
}

/*
 * Java's hashing, for the places where Kafka's answer depends on the
 * iteration order of a java.util.HashMap or HashSet: by bucket,
 * spread(hashCode()) & (capacity - 1), the capacity growing from 16 by
 * doubling past load factor 0.75; within a bucket, insertion order.
 */
size_t ka__java_hashmap_capacity(size_t n)
{
	size_t cap = 16;
	while (n > cap / 4 * 3)
		cap *= 2;
	return cap;
}

uint32_t ka__java_string_hash(const char *s)
{
	uint32_t h = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp = *p;
		int extra = cp >= 0xF0 && cp < 0xF8 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
		if (cp >= 0x80 && extra) {
			int ok = 1;
			uint32_t v = cp & (0x3Fu >> extra);
			for (int i = 1; i <= extra; i++) {
				if ((p[i] & 0xC0) != 0x80) {
					ok = 0;
					break;
				}
				v = (v << 6) | (p[i] & 0x3F);
			}
			if (ok) {
				cp = v;
				p += extra;
			}
		}
		p++;
		if (cp >= 0x10000) {
			h = 31 * h + (0xD800 + ((cp - 0x10000) >> 10));
			h = 31 * h + (0xDC00 + ((cp - 0x10000) & 0x3FF));
		} else {
			h = 31 * h + cp;
		}
	}
	return h;
}

/* Only members sharing a bucket depend on insertion order, unknown here:
 * member_id order stands in for it. */
void ka__java_hashmap_order(const ka_group *g, uint32_t *visit, uint32_t *bucket_off, uint32_t *tmp)
{
	const size_t M = g->n_members, cap = ka__java_hashmap_capacity(M);
	memset(bucket_off, 0, (cap + 1) * sizeof *bucket_off);
	for (uint32_t m = 0; m < M; m++) {
		uint32_t h = ka__java_string_hash(g->member_id[m]);
		tmp[m] = (h ^ (h >> 16)) & (uint32_t)(cap - 1);
		bucket_off[tmp[m] + 1]++;
	}
	for (size_t b = 0; b < cap; b++)
		bucket_off[b + 1] += bucket_off[b];
	for (uint32_t i = 0; i < M; i++) {
		uint32_t m = g->id_order[i];
		visit[bucket_off[tmp[m]]++] = m;
	}
}
