/*
 * utf8.h - one UTF-8 sequence checked and decoded, for every reader and
 * writer of names: the JSON reader, the listing importer and the timeline's
 * text. Valid means what RFC 3629 allows: no overlong forms, no surrogates,
 * nothing past U+10FFFF.
 */
#ifndef KASSIGN_DATASETS_UTF8_H
#define KASSIGN_DATASETS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length (1 to 4) of the valid sequence at p, which ends before end,
 * with its code point in *cp (when cp is not NULL); 0 when the bytes at p
 * are no valid sequence, or one cut by end.
 */
static inline size_t kd_utf8_seq(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	const unsigned c = p[0];
	size_t n;
	uint32_t v;
	if (c < 0x80) {
		n = 1;
		v = c;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3F);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || (v >= 0xD800 && v <= 0xDFFF) ||
	    v > 0x10FFFF)
		return 0;
	if (cp)
		*cp = v;
	return n;
}

#endif
