/* bench_case.c - one benchmark point, built outside the timed region. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "bench_case.h"
#include "datasets/gen.h"
#include "ka_commit.h" /* KA_BUILD_COMMIT, written at build time (cmake/commit.cmake) */

struct kb_case {
	const ka_strategy *s;
	ka_group *g;
	void *ws;
	size_t ws_size;
	uint32_t *owner;
	int have_figures;
	kb_figure figures[KB_FIGURES_MAX];
	size_t n_figures;
};

kb_case *kb_case_new(const ka_strategy *s, const char *grid, int subs, int variant,
		     uint32_t replication, uint64_t seed, char *err, size_t errlen)
{
	kd_gen_spec spec = {kd_grid_find(grid), subs, variant, seed, s, 0, replication, 0};
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
	if (!c->ws || !c->owner) {
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

uint32_t kb_case_partitions(const kb_case *c)
{
	return c->g->n_partitions;
}

static void put(kb_case *c, const char *name, double value)
{
	if (c->n_figures < KB_FIGURES_MAX)
		c->figures[c->n_figures++] = (kb_figure){name, value};
}

size_t kb_case_figures(kb_case *c, kb_figure *out)
{
	if (!c->have_figures) {
		const ka_group *g = c->g;
		size_t mws_size = ka_metrics_workspace_size(g);
		void *mws = malloc(mws_size ? mws_size : 1);
		ka_metrics m;
		if (!mws || ka_metrics_compute(g, c->owner, mws, mws_size, &m) != 0) {
			free(mws);
			return 0;
		}
		free(mws);
		int cooperative = (c->s->flags & KA_STRATEGY_COOPERATIVE) != 0;
		uint64_t violations = ka_assignment_validate(g, c->owner, cooperative, NULL, NULL);
		double parts = g->n_partitions;
		size_t bytes = c->ws_size + (size_t)g->n_partitions * sizeof *c->owner;

		c->n_figures = 0;
		put(c, "partitions", parts);
		put(c, "members", g->n_members);
		put(c, "bytes_per_partition", parts > 0 ? (double)bytes / parts : 0);
		put(c, "load_spread", (double)m.load_max - m.load_min);
		put(c, "balanced", m.balanced != 0);
		put(c, "moved", m.moved);
		put(c, "moved_min", m.moved_min);
		put(c, "moved_min_exact", m.moved_min_exact != 0);
		put(c, "moved_opt", m.moved_opt);
		put(c, "local", m.local);
		put(c, "rack_known", m.rack_known);
		put(c, "valid", violations == 0);
		c->have_figures = 1;
	}
	memcpy(out, c->figures, c->n_figures * sizeof *out);
	return c->n_figures;
}

void kb_case_free(kb_case *c)
{
	if (!c)
		return;
	ka_group_free(c->g);
	free(c->ws);
	free(c->owner);
	free(c);
}

uint64_t kb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------ context */

#ifndef KB_COMPILER
#define KB_COMPILER "unknown"
#endif
#ifndef KB_FLAGS
#define KB_FLAGS ""
#endif
#ifndef KB_BUILD_TYPE
#define KB_BUILD_TYPE ""
#endif

static char kb_kernel[256];
static char kb_cpu_model[256];

static void read_kernel(void)
{
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(kb_kernel, sizeof kb_kernel, "%s %s", u.sysname, u.release);
	else
		snprintf(kb_kernel, sizeof kb_kernel, "unknown");
}

/* The first "model name" of /proc/cpuinfo, as the sweep records it. */
static void read_cpu_model(void)
{
	snprintf(kb_cpu_model, sizeof kb_cpu_model, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) != 0)
			continue;
		const char *v = strchr(line, ':');
		if (!v)
			break;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t n = strcspn(v, "\n");
		snprintf(kb_cpu_model, sizeof kb_cpu_model, "%.*s", (int)n, v);
		break;
	}
	fclose(f);
}

size_t kb_context(const kb_text **out)
{
	static kb_text table[] = {
		{"format", "kassign-result"},
		{"version", "1"},
		{"tool", "kassign-bench"},
		{"commit", KA_BUILD_COMMIT},
		{"compiler", KB_COMPILER},
		{"flags", KB_FLAGS},
		{"build_type", KB_BUILD_TYPE},
		{"kernel", kb_kernel},
		{"cpu_model", kb_cpu_model},
	};
	if (!kb_kernel[0]) {
		read_kernel();
		read_cpu_model();
	}
	*out = table;
	return sizeof table / sizeof table[0];
}
