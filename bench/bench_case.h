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

/*
 * KASSIGN_MEASURE=counts: the counts of the case's assign call, taken under
 * callgrind as the sweep takes them (harness/measure.h), written by
 * kb_case_figures as instructions, l1_misses, ll_misses, estimated_cycles,
 * data_reads, data_writes. Only in the counts child (kb_counts_child).
 * Returns 0, or -1 with a message in err.
 */
int kb_case_count(kb_case *c, char *err, size_t errlen);

/*
 * The counts front: with KASSIGN_MEASURE=counts in the environment and not
 * under valgrind yet, re-executes this program with argv under valgrind,
 * passes its output through and returns its exit status (2 after a message
 * when valgrind is missing); returns -1 when counts are not asked for, or
 * when this process is the child (kb_counts_child then says so).
 */
int kb_counts_front(int argc, char **argv);
/* 1 in the counts child: every case is counted, once. */
int kb_counts_child(void);

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

#define KB_FIGURES_MAX 24

/*
 * The per-point figures of docs/results-format.md but ns_per_partition
 * (which needs the measured time): partitions, members, bytes_per_partition,
 * load_spread, balanced, moved, moved_min, moved_min_exact, moved_opt, local,
 * rack_known, valid (ka_assignment_validate over the output), gap_load_sq,
 * gap_local, gap_moved (ka_gap_compute). Computed from the output of the
 * first kb_case_run() after a successful call and cached: the output of a
 * case is deterministic, and the metrics of a large group (moved_opt and the
 * optimum solve flows) cost more than many assign calls. Call after
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
 * build_type (the build record of harness/measure.h), kernel and cpu_model
 * (read at run time), measure ("time" or "counts") and, in the counts
 * child, valgrind, counts_caches and estimated_cycles (the formula).
 * Returns the count and sets *out to a static table.
 */
size_t kb_context(const kb_text **out);

#ifdef __cplusplus
}
#endif

#endif
