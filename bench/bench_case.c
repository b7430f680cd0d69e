/* bench_case.c - one benchmark point, built outside the timed region. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_case.h"
#include "datasets/gen.h"

struct kb_case {
	const ka_strategy *s;
	ka_group *g;
	void *ws;
	size_t ws_size;
	uint32_t *owner;
	void *mws;
	ka_metrics m;
};

kb_case *kb_case_new(const ka_strategy *s, const char *grid, int subs, int variant,
		     uint64_t seed, char *err, size_t errlen)
{
	kd_gen_spec spec = {kd_grid_find(grid), subs, variant, seed, s, 0, 0};
	if (!spec.grid) {
		snprintf(err, errlen, "unknown grid '%s'", grid);
		return NULL;
	}
	kb_case *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->s = s;
	if (kd_generate(&spec, &c->g, err, errlen) != 0) {
		free(c);
		return NULL;
	}
	c->ws_size = ka_workspace_size(s, c->g);
	c->ws = aligned_alloc(64, (c->ws_size + 63) / 64 * 64 + 64);
	c->owner = malloc(((size_t)c->g->n_partitions + 1) * sizeof *c->owner);
	c->mws = malloc(ka_metrics_workspace_size(c->g));
	if (!c->ws || !c->owner || !c->mws) {
		snprintf(err, errlen, "out of memory");
		kb_case_free(c);
		return NULL;
	}
	return c;
}

int kb_case_run(kb_case *c)
{
	return ka_assign(c->s, c->g, c->ws, c->ws_size, c->owner);
}

const ka_metrics *kb_case_metrics(kb_case *c)
{
	ka_metrics_compute(c->g, c->owner, c->mws, ka_metrics_workspace_size(c->g), &c->m);
	return &c->m;
}

uint32_t kb_case_partitions(const kb_case *c)
{
	return c->g->n_partitions;
}

uint32_t kb_case_members(const kb_case *c)
{
	return c->g->n_members;
}

size_t kb_case_bytes(const kb_case *c)
{
	return c->ws_size + (size_t)c->g->n_partitions * sizeof *c->owner;
}

void kb_case_free(kb_case *c)
{
	if (!c)
		return;
	ka_group_free(c->g);
	free(c->ws);
	free(c->owner);
	free(c->mws);
	free(c);
}
