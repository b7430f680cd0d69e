/* names.c - see names.h. */
#include <stdbool.h>
#include <string.h>

#include "datasets/names.h"

static const char *escape(struct qbuf *q, const char *name, bool quote)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, limit = sizeof q->s - 12;
	if (quote)
		q->s[n++] = '"';
	const unsigned char *p = (const unsigned char *)name;
	for (; *p && n < limit; p++) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			q->s[n++] = '\\';
			q->s[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			q->s[n++] = '\\';
			q->s[n++] = 'x';
			q->s[n++] = hex[c >> 4];
			q->s[n++] = hex[c & 15];
		} else {
			q->s[n++] = (char)c;
		}
	}
	if (*p) {
		/* Cut on a character boundary: drop a partial UTF-8 sequence. */
		while (n > 1 && ((unsigned char)q->s[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 1 && ((unsigned char)q->s[n - 1] & 0xc0) == 0xc0)
			n--;
		memcpy(q->s + n, "...", 3);
		n += 3;
	}
	if (quote)
		q->s[n++] = '"';
	q->s[n] = '\0';
	return q->s;
}

const char *kd__quoted(struct qbuf *q, const char *name)
{
	return escape(q, name, true);
}

const char *kd__plain(struct qbuf *q, const char *name)
{
	return escape(q, name, false);
}
