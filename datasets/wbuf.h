/*
 * wbuf.h - file input and output for the scenario and assignment files
 * (datasets-internal). Output: a FILE behind a 64 KiB buffer, or, without a
 * FILE, a buffer that grows; errors stick (err) and later writes are dropped.
 */
#ifndef KASSIGN_DATASETS_WBUF_H
#define KASSIGN_DATASETS_WBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct wbuf {
	FILE *f;
	char *buf;
	size_t n, cap;
	int err;
};

void kd__wb_flush(struct wbuf *w);
char *kd__wb_room_slow(struct wbuf *w, size_t n);

/* Room for n more bytes at the returned pointer (write them, then add what
 * was written to w->n); NULL once an error has stuck. The hot writers fill
 * the buffer in place instead of one call a token. */
static inline char *kd__wb_room(struct wbuf *w, size_t n)
{
	if (w->n + n <= w->cap && !w->err)
		return w->buf + w->n;
	return kd__wb_room_slow(w, n);
}

/* v in decimal at d; returns the number of digits (at most 20). */
static inline size_t kd__dec(char *d, uint64_t v)
{
	size_t k = 1;
	for (uint64_t x = v; x >= 10; x /= 10)
		k++;
	for (size_t i = k; i > 0; i--) {
		d[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return k;
}
void kd__wb_put(struct wbuf *w, const char *s, size_t n);
void kd__wb_s(struct wbuf *w, const char *s);
void kd__wb_i64(struct wbuf *w, int64_t v);
/* s as a JSON string literal: plain printable ASCII copied, anything else
 * through jansson's escaping (which rejects invalid UTF-8: err is set). */
void kd__wb_quote(struct wbuf *w, const char *s);

/* Asks for 2 MiB pages over a large buffer about to be written (fewer page
 * faults); a no-op where unsupported or small. */
void kd__advise_huge(void *p, size_t bytes);

/* malloc for a large block written through: from 2 MiB on, whole 2 MiB
 * pages, asked for before the first write (a 4 KiB page fault costs about
 * as much as filling the page on a virtual machine). free() releases it. */
void *kd__huge_alloc(size_t bytes);

/* Reads a whole file; NULL with errno set on failure. */
char *kd__read_file(const char *path, size_t *len);

#endif
