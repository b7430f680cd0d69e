/*
 * pattern.c - kd_pattern_check: a subscription pattern is measured before
 * regcomp sees it (pattern.h says which limits and why).
 *
 * One pass over the POSIX extended syntax, with a stack of open groups.
 * Each level keeps the expanded size of what it holds so far and of its
 * last atom, which a repetition operator multiplies: x{m,n} copies x
 * max(m, n) times (n unbounded: m + 1), x+ twice, x* and x? once. A closing
 * parenthesis turns its level into the last atom of the level around it.
 * Brackets ([...], with [:class:], [=e=], [.c.] and a leading ']') are one
 * atom. An unmatched ')' is an ordinary character in glibc's ERE, so it is
 * one atom here too; what regcomp rejects anyway is left to its message.
 */
#include "datasets/pattern.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct level {
	uint64_t size; /* expanded size of the level so far */
	uint64_t last; /* expanded size of its last atom (0: none yet) */
	size_t open;   /* 0-based column of its '(' */
} level;

static int refuse(char *why, size_t len, size_t *col, size_t at, const char *msg)
{
	if (len)
		snprintf(why, len, "%s", msg);
	if (col)
		*col = at + 1;
	return -1;
}

/* Past a bracket expression starting at s[i] == '['; the index after it,
 * or the end of s when it does not close (regcomp will say so). */
static size_t skip_bracket(const char *s, size_t i)
{
	i++;
	if (s[i] == '^')
		i++;
	if (s[i] == ']')
		i++;
	while (s[i] && s[i] != ']') {
		if (s[i] == '[' && (s[i + 1] == ':' || s[i + 1] == '=' || s[i + 1] == '.')) {
			const char end = s[i + 1];
			size_t j = i + 2;
			while (s[j] && !(s[j] == end && s[j + 1] == ']'))
				j++;
			i = s[j] ? j + 2 : j;
		} else {
			i++;
		}
	}
	return s[i] ? i + 1 : i;
}

/* The index past the token at s[i]: a bracket expression, an escape, or
 * one byte. */
static size_t token_end(const char *s, size_t i)
{
	if (s[i] == '[')
		return skip_bracket(s, i);
	return s[i] == '\\' && s[i + 1] ? i + 2 : i + 1;
}

/* A valid interval "{m}", "{m,}" or "{m,n}" at s[i]: its end (after '}')
 * and the copies it asks for; 0 when s[i] does not start one. */
static size_t interval(const char *s, size_t i, uint64_t *copies)
{
	size_t j = i + 1;
	uint64_t m = 0, n = 0;
	int digits = 0, comma = 0, ndigits = 0;
	while (s[j] >= '0' && s[j] <= '9') {
		if (m < 1000000)
			m = m * 10 + (uint64_t)(s[j] - '0');
		j++;
		digits++;
	}
	if (!digits)
		return 0;
	if (s[j] == ',') {
		comma = 1;
		j++;
		while (s[j] >= '0' && s[j] <= '9') {
			if (n < 1000000)
				n = n * 10 + (uint64_t)(s[j] - '0');
			j++;
			ndigits++;
		}
	}
	if (s[j] != '}')
		return 0;
	const uint64_t hi = !comma ? m : ndigits ? n : m + 1;
	*copies = hi > m ? hi : m;
	if (*copies == 0)
		*copies = 1;
	return j + 1;
}

int kd_pattern_check(const char *src, char *why, size_t len, size_t *col, uint64_t *size)
{
	level stack[KD_PATTERN_MAX_DEPTH + 1];
	size_t depth = 0;
	char msg[160];
	stack[0] = (level){0, 0, 0};
	size_t i = 0;
	for (; src[i]; i++)
		if (i >= KD_PATTERN_MAX_LEN) {
			snprintf(msg, sizeof(msg), "a pattern is at most %u bytes long",
				 KD_PATTERN_MAX_LEN);
			return refuse(why, len, col, 0, msg);
		}
	for (i = 0; src[i];) {
		level *lv = &stack[depth];
		const char c = src[i];
		uint64_t copies = 0;
		size_t next = i + 1;
		if (c == '(') {
			if (depth == KD_PATTERN_MAX_DEPTH) {
				snprintf(msg, sizeof(msg), "groups nest at most %u deep",
					 KD_PATTERN_MAX_DEPTH);
				return refuse(why, len, col, i, msg);
			}
			stack[++depth] = (level){0, 0, i};
			i = next;
			continue;
		}
		if (c == ')' && depth > 0) {
			const uint64_t inner = lv->size + 1;
			depth--;
			stack[depth].size += inner;
			stack[depth].last = inner;
		} else if (c == '|') {
			lv->size++;
			lv->last = 0;
		} else if (c == '*' || c == '?') {
			copies = 1;
		} else if (c == '+') {
			copies = 2;
		} else if (c == '{' && (next = interval(src, i, &copies)) != 0) {
			/* copies set */
		} else if (c == '\\' && src[i + 1] >= '1' && src[i + 1] <= '9') {
			return refuse(why, len, col, i,
				      "backreferences (\\1 .. \\9) are not allowed: they make "
				      "matching exponential in the topic name's length");
		} else {
			next = token_end(src, i);
			lv->size++;
			lv->last = 1;
		}
		if (copies) {
			/* The operand is copied: the level grows by the extra copies. */
			const uint64_t extra = lv->last * (copies - 1);
			lv->size += extra + 1;
			lv->last = lv->last * copies + 1;
		}
		for (size_t d = 0; d <= depth; d++)
			if (stack[d].size > KD_PATTERN_MAX_EXPANDED) {
				snprintf(msg, sizeof(msg),
					 "its counted repetitions expand past %u copies of their "
					 "operands (nested counts multiply)",
					 KD_PATTERN_MAX_EXPANDED);
				return refuse(why, len, col, i, msg);
			}
		i = next;
	}
	/* Open groups: their contents count toward the total. */
	uint64_t total = 0;
	for (size_t d = 0; d <= depth; d++)
		total += stack[d].size;
	if (total > KD_PATTERN_MAX_EXPANDED) {
		snprintf(msg, sizeof(msg),
			 "its counted repetitions expand past %u copies of their operands",
			 KD_PATTERN_MAX_EXPANDED);
		return refuse(why, len, col, i ? i - 1 : 0, msg);
	}
	if (size)
		*size = total;
	return 0;
}

/* The anchored form into dst (when dst is not NULL); returns its length
 * with the NUL. */
static size_t anchor(const char *src, char *dst)
{
	size_t o = 0, depth = 0;
	if (dst)
		memcpy(dst, "^(", 2);
	o = 2;
	for (size_t i = 0; src[i];) {
		const size_t next = token_end(src, i);
		if (src[i] == '(') {
			depth++;
		} else if (src[i] == ')' && depth) {
			depth--;
		} else if (src[i] == ')') {
			/* closes nothing: a literal, which must stay one */
			if (dst)
				dst[o] = '\\';
			o++;
		}
		if (dst)
			memcpy(dst + o, src + i, next - i);
		o += next - i;
		i = next;
	}
	if (dst)
		memcpy(dst + o, ")$", 3);
	return o + 3;
}

size_t kd_pattern_anchor(const char *src, char *dst, size_t cap)
{
	const size_t need = anchor(src, NULL);
	if (need <= cap)
		anchor(src, dst);
	return need;
}
