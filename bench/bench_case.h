/*
 * bench_case.h - the C side of the Google Benchmark front end. A case is one
 * point (strategy, grid, subscriptions, variant): group generated, workspace
 * and output allocated, all before timing; kb_case_run() is the one call the
 * timed loop makes. The quality figures and the build context are computed
 * here too, so bench_main.cc only registers and copies named numbers.
 */
#ifndef KASSIGN_BENCH_CASE_H
#define KASSIGN_BENCH_CASE_H

#include <stddef.h>
#include <stdint.h>

#include <kassign/kassign.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kb_case kb_case;

/* Generates the group and allocates everything; NULL with a message in err.
 * replication: racks variant, replicas per partition (0: the default). */
kb_case *kb_case_new(const ka_strategy *s, const char *grid, int subs, int variant,
		     uint32_t replication, uint64_t seed, char *err, size_t errlen);

/* One assign call: the timed region. Returns its status (0 ok). */
int kb_case_run(kb_case *c);

/* Partitions of the group (the unit of ns_per_partition). */
uint32_t kb_case_partitions(const kb_case *c);

/* A named number: one user counter, or one context entry. */
typedef struct kb_figure {
	const char *name;
	double value;
} kb_figure;

typedef struct kb_text {
	const char *name;
	const char *value;
} kb_text;

#define KB_FIGURES_MAX 16

/*
 * The per-point figures of docs/results-format.md but ns_per_partition
 * (which needs the measured time): partitions, members, bytes_per_partition,
 * load_spread, balanced, moved, moved_min, moved_min_exact, moved_opt, local,
 * rack_known, valid (ka_assignment_validate over the output). Computed from
 * the output of the first kb_case_run() after a successful call and cached:
 * the output of a case is deterministic, and the metrics of a large group
 * (moved_opt solves a flow) cost more than many assign calls. Call after
 * the timed loop. Writes at most KB_FIGURES_MAX entries and returns their
 * count, or 0 when no successful run has happened yet.
 */
size_t kb_case_figures(kb_case *c, kb_figure *out);

void kb_case_free(kb_case *c);

/* CLOCK_MONOTONIC in nanoseconds (Google Benchmark's wall clock on Linux). */
uint64_t kb_now_ns(void);

/*
 * The build and machine context written beside Google Benchmark's own, as
 * kassign_<name> strings: format, version, tool, commit, compiler, flags,
 * build_type (fixed at configure time), kernel and cpu_model (read at run
 * time). Returns the count and sets *out to a static table.
 */
size_t kb_context(const kb_text **out);

#ifdef __cplusplus
}
#endif

#endif
