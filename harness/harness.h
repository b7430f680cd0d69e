/*
 * harness.h - what the parts of the kassign command line share (kh_ prefix).
 *
 * The command line is a thin layer over the library and the datasets: each
 * subcommand lives in its own cmd_*.c, measuring (timing.c, pin.c) is kept
 * apart from running the grid (sweep.c) and from printing results
 * (report.c), so that the Google Benchmark JSON writer can replace the table
 * without touching how numbers are taken.
 */
#ifndef KASSIGN_HARNESS_H
#define KASSIGN_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <kassign/kassign.h>

#include "datasets/gen.h"
#include "harness/measure.h"

/* Exit codes of every subcommand. */
enum kh_exit {
	KH_EXIT_OK = 0,       /* done, and every check passed */
	KH_EXIT_FAIL = 1,     /* a check failed, or a strategy returned an error */
	KH_EXIT_USAGE = 2,    /* bad input, bad usage, or the run could not happen */
	KH_EXIT_INTERNAL = 3, /* a strategy's output failed validation: a defect of kassign */
};

/* ------------------------------------------------------------------ subcommands (cmd_*.c, sweep.c)
 */

int kh_cmd_assign(int argc, char **argv);
int kh_cmd_check(int argc, char **argv);
int kh_cmd_gen(int argc, char **argv);
int kh_cmd_sweep(int argc, char **argv);
int kh_cmd_list(int argc, char **argv);
int kh_cmd_timeline(int argc, char **argv);
int kh_cmd_report(int argc, char **argv);
int kh_cmd_import(int argc, char **argv);
int kh_cmd_simulate(int argc, char **argv);
int kh_cmd_size(int argc, char **argv);

/* ------------------------------------------------------------------ cmd_simulate.c (sim/sim.h) */

struct ks_plan;
struct ks_run;
struct ks_context;

/* simulate's preset NAME as a plan document (a new reference), or NULL
 * after "kassign CMD: unknown preset ..." with the known names. */
struct json_t *kh_preset_json(const char *cmd, const char *name);
/* A plan from a file or a preset (exactly one of path, preset), with the
 * command line's overrides (NULL / -1: none); NULL after a message. */
struct ks_plan *kh_sim_plan(const char *cmd, const char *path, const char *preset,
			    const char *protocol, const char *strategy, int stat, int64_t members,
			    int64_t partitions, double assign_ms);
/* The summary table of a run. */
void kh_sim_table(FILE *f, const struct ks_plan *p, const struct ks_run *r);
/* The run file's context: this build, the date now (written to date[len]). */
void kh_sim_context(struct ks_context *c, char *date, size_t len);
int kh_cmd_probe(int argc, char **argv);

/* ------------------------------------------------------------------ util.c */

/* "kassign CMD: message" on stderr plus the hint to --help; returns KH_EXIT_USAGE. */
int kh_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "kassign CMD: message" on stderr. */
void kh_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports what getopt_long returned for a bad option (optstring must start
 * with ':'); returns KH_EXIT_USAGE. */
int kh_option_error(const char *cmd, int c, char **argv);

/* Parses a decimal unsigned integer in [min, max]; -1 when it is not one. */
int kh_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v);

/*
 * The racks variant's options, as gen and sweep take them (--racks R,
 * --replication K, --rack-layout L; KH_RACK_LONG_OPTIONS in the option
 * table). kh_rack_option() reads option c into spec and sets *given, or
 * prints the usage error and returns KH_EXIT_USAGE; 0 when taken.
 */
enum { KH_OPT_RACKS = 400, KH_OPT_REPLICATION, KH_OPT_LAYOUT };
/* clang-format off */
#define KH_RACK_LONG_OPTIONS                                          \
	{"racks", required_argument, NULL, KH_OPT_RACKS},             \
	{"replication", required_argument, NULL, KH_OPT_REPLICATION}, \
	{"rack-layout", required_argument, NULL, KH_OPT_LAYOUT}
/* clang-format on */
int kh_rack_option(const char *cmd, int c, const char *arg, kd_gen_spec *spec, int *given);

/* A strategy by name, or NULL after an error listing the known ones. */
const ka_strategy *kh_strategy_lookup(const char *cmd, const char *name);

/* A grid by name, or NULL after an error listing the known ones. */
const kd_grid *kh_grid_lookup(const char *cmd, const char *name);

/* "t0000-3": Kafka's topic-partition spelling of global partition p. */
void kh_partition_name(const ka_group *g, uint32_t p, char *buf, size_t len);

/* s as XML or HTML text (also fit for attribute values): & < > " ' escaped,
 * control characters that XML 1.0 does not allow dropped. */
void kh_xml_escape(FILE *f, const char *s);

/* A duration for people: "312 ms", "3.12 s", "12.5 min", "3.2 h". */
void kh_fmt_duration(double ms, char *buf, size_t len);

/* A count for people: "950", "12.3k", "4.5M". */
void kh_fmt_count(double v, char *buf, size_t len);

/*
 * Validates strategy s's output against the group before anything is
 * written or counted (ka_assignment_validate, O(P); a cooperative
 * strategy's round may withhold a partition that changes owner). Returns the
 * number of violations and describes the first in first[len] ("" for none).
 */
uint64_t kh_assignment_verify(const ka_strategy *s, const ka_group *g, const uint32_t *owner,
			      char *first, size_t len);
/* "kassign CMD: WHERE: internal error: strategy S produced an invalid
 * assignment: FIRST (N violations) ..."; returns KH_EXIT_INTERNAL. */
int kh_internal_error(const char *cmd, const char *where, const ka_strategy *s, uint64_t n,
		      const char *first);

/* A 64-byte aligned block of at least `size` bytes (at least 64), or NULL. */
void *kh_aligned_alloc(size_t size);

/*
 * Output that appears only on success: nothing reaches stdout or the named
 * file until kh_out_commit(). stdout output is gathered in memory. A missing
 * or regular file is written beside its final name and renamed into place
 * (keeping the old file's mode); a device, a FIFO or a file with several
 * hard links is written in place at the commit; a symbolic link is followed.
 * util.c says each case and why. Named temporary files are removed when the
 * process is killed by SIGINT, SIGTERM, SIGHUP or SIGPIPE.
 */
typedef struct kh_out {
	FILE *f;   /* write here */
	char *buf; /* stdout: the memory stream's buffer */
	size_t len;
	const char *path; /* as given (messages); NULL: stdout */
	char *target;     /* the file written: path, or where its symbolic link leads */
	char *tmp;        /* rename: the temporary name */
	char *stem;       /* kh_out_open_free: the name without ".ext" and number */
	const char *ext;
	char *chosen; /* kh_out_open_free: the name taken at the commit */
	int kind;     /* stdout, rename or in place (util.c) */
	int existed;  /* rename: the target existed at the open, as dev/ino */
	dev_t dev;
	ino_t ino;
} kh_out;

/* path NULL or "-" is stdout. Returns 0, or -1 after an error message. */
int kh_out_open(kh_out *o, const char *cmd, const char *path);
/*
 * A new file named STEM.EXT, or STEM-2.EXT, STEM-3.EXT ... : the first name
 * free at the commit, taken atomically (two runs at once never get the same
 * one); o->chosen names it after a successful commit, until the next open.
 */
int kh_out_open_free(kh_out *o, const char *cmd, const char *stem, const char *ext);
/* Publishes the output. Returns 0, or -1 after an error message. */
int kh_out_commit(kh_out *o, const char *cmd);
/* Drops the output (and the temporary file). */
void kh_out_abort(kh_out *o);
/* Frees what a committed kh_out_open_free output keeps (o->chosen). */
void kh_out_free(kh_out *o);

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
