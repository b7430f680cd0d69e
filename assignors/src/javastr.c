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
