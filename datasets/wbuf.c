/* wbuf.c - see wbuf.h. */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE) beside _POSIX_C_SOURCE */
#endif
#include <errno.h>
#include <jansson.h>
#include <sys/stat.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/wbuf.h"

void kd__wb_flush(struct wbuf *w)
{
	if (w->n && w->f && !w->err && fwrite(w->buf, 1, w->n, w->f) != w->n)
		w->err = 1;
	if (w->f)
		w->n = 0;
}

char *kd__wb_room_slow(struct wbuf *w, size_t n)
{
	if (w->err)
		return NULL;
	if (w->f)
		kd__wb_flush(w);
	if (w->err)
		return NULL;
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->n + n)
			cap *= 2;
		char *nb = realloc(w->buf, cap);
		if (!nb) {
			w->err = 1;
			return NULL;
		}
		w->buf = nb;
		w->cap = cap;
	}
	return w->buf + w->n;
}

void kd__wb_put(struct wbuf *w, const char *s, size_t n)
{
	if (w->err)
		return;
	/* More than a file's buffer holds goes straight to the file. */
	if (w->f && w->n + n > w->cap) {
		kd__wb_flush(w);
		if (n > w->cap) {
			if (!w->err && fwrite(s, 1, n, w->f) != n)
				w->err = 1;
			return;
		}
	}
	char *d = kd__wb_room(w, n);
	if (!d)
		return;
	memcpy(d, s, n);
	w->n += n;
}

void kd__wb_s(struct wbuf *w, const char *s)
{
	kd__wb_put(w, s, strlen(s));
}

void kd__wb_i64(struct wbuf *w, int64_t v)
{
	char *d = kd__wb_room(w, 21);
	if (!d)
		return;
	size_t k = 0;
	if (v < 0)
		d[k++] = '-';
	w->n += k + kd__dec(d + k, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

/* Appends s as a JSON string literal. Plain printable ASCII, by far the usual
 * case, is copied; anything else goes through jansson's escaping (which also
 * rejects invalid UTF-8: the write then fails). */
void kd__wb_quote(struct wbuf *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
		p++;
	if (!*p) {
		kd__wb_put(w, "\"", 1);
		kd__wb_put(w, s, (size_t)(p - (const unsigned char *)s));
		kd__wb_put(w, "\"", 1);
		return;
	}
	json_t *js = json_string(s);
	char *text = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
	json_decref(js);
	if (!text) {
		w->err = 1;
		return;
	}
	kd__wb_s(w, text);
	free(text);
}

void kd__advise_huge(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t hi = ((uintptr_t)p + bytes) & ~(huge - 1);
	if (bytes >= 2 * huge && hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)bytes;
#endif
}

/* Reads a whole file; on failure returns NULL with errno set. A regular
 * file is read in one call into a buffer of its size (a G-1M scenario is
 * 17 MB: no doubling, no copies, few page faults). */
void *kd__huge_alloc(size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	const size_t huge = (size_t)2 << 20;
	if (bytes >= huge) {
		const size_t whole = (bytes + huge - 1) & ~(huge - 1);
		void *p;
		if (posix_memalign(&p, huge, whole) == 0) {
			madvise(p, whole, MADV_HUGEPAGE);
			return p;
		}
	}
#endif
	return malloc(bytes);
}

char *kd__read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	struct stat sb;
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	    (uint64_t)sb.st_size < SIZE_MAX / 2)
		cap = (size_t)sb.st_size + 1; /* +1: the end is seen without a second call */
	char *buf = kd__huge_alloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (buf && ferror(f)) {
		int e = errno;
		free(buf);
		buf = NULL;
		errno = e ? e : EIO;
	}
	int e = errno;
	fclose(f);
	errno = e;
	*len = n;
	return buf;
}
