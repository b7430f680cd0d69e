/* strmap.c - the builder's string -> index map (open addressing, linear probing). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

uint64_t ka__hash_bytes(const void *data, size_t len, uint64_t seed)
{
	/* FNV-1a with a final avalanche: names are short, this is not a hot path. */
	const unsigned char *p = (const unsigned char *)data;
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

uint64_t ka__hash_u32(const uint32_t *v, size_t n)
{
	/* A word at a time: subscriber lists of a G-1M group hold 10 M ids. */
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	for (size_t i = 0; i < n; i++)
		h = (h ^ v[i]) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	return h * 0x94d049bb133111ebull;
}

int ka__strmap_init(ka__strmap *m, size_t expect)
{
	size_t cap = 16;
	while (cap < expect * 2)
		cap <<= 1;
	m->keys = calloc(cap, sizeof *m->keys);
	m->vals = malloc(cap * sizeof *m->vals);
	m->hashes = malloc(cap * sizeof *m->hashes);
	m->cap = cap;
	m->len = 0;
	if (!m->keys || !m->vals || !m->hashes) {
		ka__strmap_free(m);
		return KA_ENOMEM;
	}
	return 0;
}

void ka__strmap_free(ka__strmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	memset(m, 0, sizeof *m);
}

static size_t find_slot(const ka__strmap *m, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);
	while (m->keys[i] && !(m->hashes[i] == h && strcmp(m->keys[i], key) == 0))
		i = (i + 1) & (m->cap - 1);
	return i;
}

uint32_t ka__strmap_get(const ka__strmap *m, const char *key)
{
	if (!m->cap)
		return KA_NONE;
	uint64_t h = ka__hash_bytes(key, strlen(key), 0);
	size_t i = find_slot(m, key, h);
	return m->keys[i] ? m->vals[i] : KA_NONE;
}

static int grow(ka__strmap *m)
{
	ka__strmap n;
	if (ka__strmap_init(&n, m->cap) != 0)
		return KA_ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = find_slot(&n, m->keys[i], m->hashes[i]);
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
		n.hashes[j] = m->hashes[i];
	}
	n.len = m->len;
	ka__strmap_free(m);
	*m = n;
	return 0;
}

uint32_t ka__strmap_put(ka__strmap *m, const char *key, uint32_t val)
{
	if ((m->len + 1) * 2 > m->cap && grow(m) != 0)
		return KA_NONE;
	uint64_t h = ka__hash_bytes(key, strlen(key), 0);
	size_t i = find_slot(m, key, h);
	if (m->keys[i])
		return m->vals[i];
	m->keys[i] = key;
	m->vals[i] = val;
	m->hashes[i] = h;
	m->len++;
	return val;
}
