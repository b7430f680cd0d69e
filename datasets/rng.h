/*
 * rng.h - the project's one seeded random generator (splitmix64 seeding a
 * xoshiro256** state). Generators and tests draw from it so that every run is
 * replayable from its seed; nothing in the project uses rand() or the clock.
 */
#ifndef KASSIGN_DATASETS_RNG_H
#define KASSIGN_DATASETS_RNG_H

#include <stdint.h>

typedef struct kd_rng {
	uint64_t s[4];
} kd_rng;

static inline uint64_t kd__splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void kd_rng_seed(kd_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = kd__splitmix64(&seed);
}

static inline uint64_t kd__rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t kd_rng_next(kd_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = kd__rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = kd__rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift, bias below 2^-32 for n < 2^32). */
static inline uint32_t kd_rng_below(kd_rng *r, uint32_t n)
{
	return (uint32_t)(((kd_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

#endif
