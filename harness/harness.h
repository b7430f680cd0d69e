/*
 * harness.h - the benchmark (kh_ prefix): timing one call (timing.c),
 * pinning to a core (pin.c), what the machine and the build are
 * (sysinfo.c), the sweep over the grid (sweep.c) and the result writers
 * (results.c).
 *
 * Measuring (timing.c, pin.c) is kept apart from running the grid
 * (sweep.c) and from writing results (results.c), so that the Google
 * Benchmark JSON writer can replace the table without touching how numbers
 * are taken. What every command shares is cli/cli.h.
 */
#ifndef KASSIGN_HARNESS_H
#define KASSIGN_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <kassign/kassign.h>

#include "cli/cli.h"
#include "datasets/gen.h"
#include "harness/measure.h"

/* ------------------------------------------------------------------ timing.c */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t kh_now_ns(void);

/*
 * Runs `warmup` untimed assign calls, then `runs` timed samples of `iters`
 * back-to-back calls each (the group and the workspace are the caller's,
 * prepared outside). samples_ns[runs] receives each sample's duration
 * divided by iters: the time of one call. Returns 0 or a ka_assign error.
 */
int kh_time_assign(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size,
		   uint32_t *owner, uint32_t warmup, uint32_t iters, uint32_t runs,
		   double *samples_ns);

/*
 * Sets *iters to the number of calls one timed sample needs so that it lasts
 * at least 10 us and 200 times overhead_ns (1 for any call that long). The
 * calls it makes are untimed warm-up. Returns 0 or a ka_assign error.
 */
int kh_calibrate(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size, uint32_t *owner,
		 double overhead_ns, uint32_t *iters);

/* Median duration of `runs` empty timed samples (the clock read twice around
 * a one-call loop of an empty function): the floor under every figure. */
double kh_time_overhead(uint32_t runs);

typedef struct kh_timing {
	uint32_t runs;
	double median_ns;
	double min_ns;
	double max_ns;
	double mean_ns;
	double stddev_ns; /* sample standard deviation (n - 1) */
	double cv;        /* stddev / mean */
} kh_timing;

/* Summarizes samples (left as they are). */
void kh_timing_summarize(const double *samples_ns, uint32_t n, kh_timing *t);

/* Median of v[n]; sorts v. */
double kh_median(double *v, uint32_t n);

/* ------------------------------------------------------------------ pin.c */

/* The machine's topology, discovered once (hwloc). */
typedef struct kh_topo kh_topo;

/* NULL with a message in err when hwloc cannot start. */
kh_topo *kh_topo_open(char *err, size_t errlen);
void kh_topo_close(kh_topo *t);

/* Cores with a PU this process may use. */
unsigned kh_topo_cores(const kh_topo *t);
/* The usable PUs (OS indexes) as a list, "0-1". */
void kh_topo_pu_list(const kh_topo *t, char *buf, size_t len);
/* 0 for a synthetic or XML topology: binding then does nothing. */
int kh_topo_is_this_system(const kh_topo *t);

/*
 * Parses --cpus ("1", "0,1", "0-1", "0-3,6": OS PU indexes) into out[max],
 * in the order given. Returns 0, or -1 with a one-line message in err
 * naming the option, the bad value and the PUs that exist.
 */
int kh_cpus_parse(const kh_topo *t, const char *list, unsigned *out, size_t max, size_t *n,
		  char *err, size_t errlen);

/* Up to n PUs (OS indexes), the first of each core from the last core down;
 * returns how many. */
size_t kh_cpus_default(const kh_topo *t, unsigned *out, size_t n);

typedef struct kh_binding {
	unsigned pu;    /* OS index asked for */
	int cpu_bound;  /* the thread runs on that PU only */
	int mem_bound;  /* its memory comes from the PU's NUMA node */
	int numa_node;  /* OS index of that node, -1 when unknown */
	char note[200]; /* why a binding is missing, or "" */
} kh_binding;

/* Binds the calling thread, and its memory, to PU pu_os. Never fails: what
 * could not be bound is said in b->note. */
void kh_bind_thread(const kh_topo *t, unsigned pu_os, kh_binding *b);

#define KH_MAX_CACHES 8

typedef struct kh_cache_info {
	unsigned level;
	uint64_t size;    /* bytes, one instance */
	unsigned count;   /* instances in the machine */
	unsigned sharing; /* PUs sharing one instance */
	const char *type; /* "Data", "Instruction", "Unified" (Google Benchmark's words) */
} kh_cache_info;

typedef struct kh_topo_info {
	unsigned packages, cores, pus, numa_nodes;
	size_t n_caches;
	kh_cache_info caches[KH_MAX_CACHES];
	char cpu_model[128]; /* hwloc's CPUModel, "" when unknown */
	char summary[320];   /* one line */
} kh_topo_info;

void kh_topo_describe(const kh_topo *t, kh_topo_info *info);

/* assign --repeat: binds the calling thread to the default PU and says so
 * on `log`. NULL only when hwloc itself cannot start. */
typedef struct kh_pin kh_pin;
kh_pin *kh_pin_thread(FILE *log);
void kh_pin_free(kh_pin *p);

/* ------------------------------------------------------------------ sysinfo.c */

typedef struct kh_sysinfo {
	char date[40]; /* ISO 8601 with the UTC offset, as Google Benchmark */
	char host[256];
	char kernel[256];    /* uname -sr */
	char cpu_model[256]; /* /proc/cpuinfo model name, else hwloc's */
	long mhz;            /* 0 when unknown */
	int scaling;         /* a cpufreq governor other than performance */
	double load[3];
} kh_sysinfo;

void kh_sysinfo_read(kh_sysinfo *si, const kh_topo_info *topo);

/* ------------------------------------------------------------------ sweep.c / report.c */

/* One point of the sweep grid. */
typedef struct kh_point {
	const ka_strategy *strategy;
	const kd_grid *grid;
	int subs;
	int variant;
	uint64_t seed;
	uint32_t racks, replication; /* racks variant: as kd_gen_spec (0: 3) */
	int rack_layout;             /* racks variant: enum kd_rack_layout */
} kh_point;

/* The point's generator input. */
kd_gen_spec kh_point_spec(const kh_point *pt);

/* The point's variant as result files name it (kd_variant_label). */
const char *kh_point_variant(const kh_point *pt, char *buf, size_t len);

/* How every point is measured. */
typedef struct kh_measure {
	uint32_t repetitions; /* timed samples per point, over all rounds */
	uint32_t rounds;      /* passes over the points, 1..repetitions (kh_point_round) */
	uint32_t threads;     /* > 1: also measured with that many threads at once */
	const unsigned *cpus; /* [max(threads, 1)] PUs, cpus[0] the one-thread PU; NULL unbound */
	const kh_topo *topo;
	double overhead_ns; /* sizes the batches (kh_calibrate) */
} kh_measure;

/* What one point measured. */
typedef struct kh_point_result {
	int ok; /* 0: error[] says what went wrong, nothing else is set */
	char error[256];
	uint32_t partitions;
	uint32_t members;
	size_t ws_bytes;
	uint32_t iterations; /* calls per timed sample */
	double *samples_ns;  /* [repetitions], time of one call, in run order (round by round) */
	kh_timing timing;
	uint64_t violations;
	char invalid[256]; /* violations: the first (kh_assignment_verify) */
	ka_metrics metrics;
	int has_gap;
	ka_gap gap; /* to the optimum, level by level (ka_gap_compute) */

	/* With threads > 1: */
	uint32_t threads; /* 0 when not measured with several threads */
	int threads_ok;   /* 0: threads_error[] says why */
	char threads_error[256];
	double *thread_ns;          /* [threads * repetitions], thread i's at i * repetitions */
	double *thread_median;      /* [threads] */
	double *rep_median;         /* [repetitions]: median over threads of sample i */
	kh_timing thread_timing;    /* over all threads' samples */
	uint64_t thread_violations; /* summed over the threads' outputs, every round */

	/* With --measure counts: */
	int has_counts;
	kh_counts counts; /* of one call, under callgrind (measure.h) */
} kh_point_result;

/*
 * Measures one point in m->rounds rounds: round k (0-based) generates the
 * point afresh, makes one untimed warm-up call (round 0 calibrates the batch
 * size first) and takes its share of m->repetitions samples (kh_round_share)
 * into r->samples_ns, one thread on m->cpus[0] (the caller's, already
 * bound), then m->threads at once when more than one. Round 0 clears *r and
 * records the quality figures; a later round checks that its own are the
 * same (an error otherwise). r->timing covers the samples taken so far; the
 * thread figures are set by the last round. Nothing of the point (group,
 * workspace) is kept between rounds. Returns 0, or -1 with r->error set
 * (then, and after an earlier round failed, r->ok is 0). Free with
 * kh_point_result_free.
 */
int kh_point_round(const kh_point *pt, const kh_measure *m, uint32_t round, kh_point_result *r);
/* Round `round`'s share of n samples over `rounds` rounds (as even as
 * possible, the first rounds one more); *offset: where its samples start. */
uint32_t kh_round_share(uint32_t n, uint32_t rounds, uint32_t round, uint32_t *offset);
/* Every round of one point, back to back. */
int kh_point_run(const kh_point *pt, const kh_measure *m, kh_point_result *r);
void kh_point_result_free(kh_point_result *r);

/* The run as the result file's context records it. */
typedef struct kh_run_info {
	const char *executable;
	kh_sysinfo sys;
	kh_topo_info topo;
	const unsigned *cpus; /* bound PUs, n_cpus of them (0: unbound) */
	size_t n_cpus;
	const char *binding; /* one line: what was bound, or why not */
	uint32_t threads;
	uint32_t repetitions;
	uint32_t rounds; /* passes over all points (--rounds, at most repetitions) */
	uint32_t warmup;
	uint64_t seed;
	double overhead_ns;
	size_t n_points;
	const char *measure;  /* "time" or "counts" */
	const char *valgrind; /* counts: valgrind's version, else NULL */
} kh_run_info;

/* Where results go. Each writer gets every point in order, once every
 * round is over; end returns 0
 * or -1 after an error message. */
typedef struct kh_reporter {
	void *ctx;
	void (*begin)(void *ctx, const kh_run_info *run);
	void (*point)(void *ctx, const kh_point *pt, const kh_point_result *r);
	int (*end)(void *ctx);
	void (*free)(void *ctx);
} kh_reporter;

/* "assign/<strategy>/<grid>/<subs>/<variant>" (docs/results-format.md). */
void kh_point_name(const kh_point *pt, char *buf, size_t len);

/* A fixed-width text table on f, one row per point, flushed per row. */
int kh_reporter_table(kh_reporter *rep, FILE *f);

/* Google Benchmark JSON (docs/results-format.md) streamed to f. */
int kh_reporter_json(kh_reporter *rep, FILE *f);

/* A few lines per strategy x grid on f once the sweep is over. */
int kh_reporter_summary(kh_reporter *rep, FILE *f);

#endif
