/*
 * jsonarena.h - a bump arena for jansson's document while a scenario loads.
 *
 * A G-1M scenario is a DOM of millions of small values; with the default
 * allocator, creating and freeing them costs more than parsing. While an
 * arena is active on a thread, jansson's allocations on that thread come
 * from it and its frees of arena memory are no-ops; everything else goes to
 * malloc/free as before, so other jansson users in the process see no
 * difference. Install once (idempotent), then:
 *
 *   kd__arena a; kd__arena_begin(&a);  json_loadb(...);  kd__arena_pause(&a);
 *   ... use the document ...;  json_decref(doc);  kd__arena_end(&a);
 */
#ifndef KASSIGN_DATASETS_JSONARENA_H
#define KASSIGN_DATASETS_JSONARENA_H

#include <stddef.h>

typedef struct kd__arena_chunk kd__arena_chunk;

typedef struct kd__arena {
	kd__arena_chunk *chunks;
	int allocating; /* jansson allocations go to the arena */
} kd__arena;

/* Routes jansson's allocator through the arena hooks (once per process). */
void kd__arena_install(void);

/* Starts allocating from `a` on this thread. */
void kd__arena_begin(kd__arena *a);

/* Stops allocating from `a`; its memory stays valid, frees of it stay no-ops. */
void kd__arena_pause(kd__arena *a);

/* Releases everything; no pointer into the arena may be used afterwards. */
void kd__arena_end(kd__arena *a);

#endif
