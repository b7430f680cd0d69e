/* jsonarena.c - see jsonarena.h. */
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "jsonarena.h"

struct kd__arena_chunk {
	kd__arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

/* The arena of this thread, if any: jansson's hooks take no context. */
static _Thread_local kd__arena *current;

static int owns(const kd__arena *a, const void *p)
{
	for (const kd__arena_chunk *c = a->chunks; c; c = c->next)
		if ((const unsigned char *)p >= c->data && (const unsigned char *)p < c->data + c->cap)
			return 1;
	return 0;
}

static void *arena_malloc(size_t n)
{
	kd__arena *a = current;
	if (!a || !a->allocating)
		return malloc(n);
	n = (n + 15) & ~(size_t)15;
	kd__arena_chunk *c = a->chunks;
	if (!c || c->cap - c->used < n) {
		/* Doubling chunks keep the list short for owns(). */
		size_t cap = c ? c->cap * 2 : (size_t)1 << 20;
		while (cap < n)
			cap *= 2;
		kd__arena_chunk *nc = malloc(sizeof *nc + cap);
		if (!nc)
			return NULL;
		nc->next = c;
		nc->used = 0;
		nc->cap = cap;
		a->chunks = c = nc;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

static void arena_free(void *p)
{
	kd__arena *a = current;
	if (p && a && owns(a, p))
		return;
	free(p);
}

static void install(void)
{
	json_set_alloc_funcs(arena_malloc, arena_free);
}

void kd__arena_install(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, install);
}

void kd__arena_begin(kd__arena *a)
{
	a->chunks = NULL;
	a->allocating = 1;
	current = a;
}

void kd__arena_pause(kd__arena *a)
{
	a->allocating = 0;
}

void kd__arena_end(kd__arena *a)
{
	for (kd__arena_chunk *c = a->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
	a->allocating = 0;
	if (current == a)
		current = NULL;
}
