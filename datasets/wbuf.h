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
void kd__wb_put(struct wbuf *w, const char *s, size_t n);
void kd__wb_s(struct wbuf *w, const char *s);
void kd__wb_i64(struct wbuf *w, int64_t v);
/* s as a JSON string literal: plain printable ASCII copied, anything else
 * through jansson's escaping (which rejects invalid UTF-8: err is set). */
void kd__wb_quote(struct wbuf *w, const char *s);

/* Asks for 2 MiB pages over a large buffer about to be written (fewer page
 * faults); a no-op where unsupported or small. */
void kd__advise_huge(void *p, size_t bytes);

/* Reads a whole file; NULL with errno set on failure. */
char *kd__read_file(const char *path, size_t *len);

#endif
