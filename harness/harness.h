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

#include <kassign/kassign.h>

#include "datasets/gen.h"

/* Exit codes of every subcommand. */
enum kh_exit {
	KH_EXIT_OK = 0,    /* done, and every check passed */
	KH_EXIT_FAIL = 1,  /* a check failed, or a strategy returned an error */
	KH_EXIT_USAGE = 2, /* bad input, bad usage, or the run could not happen */
};

/* ------------------------------------------------------------------ subcommands (cmd_*.c, sweep.c)
 */

int kh_cmd_assign(int argc, char **argv);
int kh_cmd_check(int argc, char **argv);
int kh_cmd_gen(int argc, char **argv);
int kh_cmd_sweep(int argc, char **argv);
int kh_cmd_list(int argc, char **argv);

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

/* A strategy by name, or NULL after an error listing the known ones. */
const ka_strategy *kh_strategy_lookup(const char *cmd, const char *name);

/* A grid by name, or NULL after an error listing the known ones. */
const kd_grid *kh_grid_lookup(const char *cmd, const char *name);

/* "t0000-3": Kafka's topic-partition spelling of global partition p. */
void kh_partition_name(const ka_group *g, uint32_t p, char *buf, size_t len);

/* A 64-byte aligned block of at least `size` bytes (at least 64), or NULL. */
void *kh_aligned_alloc(size_t size);

/*
 * Output that appears only on success: nothing reaches stdout or the named
 * file until kh_out_commit(). stdout output is gathered in memory; a file is
 * written beside its final name and renamed into place.
 */
typedef struct kh_out {
	FILE *f;   /* write here */
	char *buf; /* stdout: the memory stream's buffer */
	size_t len;
	const char *path; /* NULL: stdout */
	char *tmp;        /* file: the temporary name */
} kh_out;

/* path NULL or "-" is stdout. Returns 0, or -1 after an error message. */
int kh_out_open(kh_out *o, const char *cmd, const char *path);
/* Publishes the output. Returns 0, or -1 after an error message. */
int kh_out_commit(kh_out *o, const char *cmd);
/* Drops the output (and the temporary file). */
void kh_out_abort(kh_out *o);

/* ------------------------------------------------------------------ timing.c */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t kh_now_ns(void);

/*
 * Runs `warmup` untimed assign calls, then `runs` timed ones, each timed
 * alone (the group and the workspace are the caller's, prepared outside).
 * samples_ns[runs] receives the durations. Returns 0 or the first ka_assign
 * error.
 */
int kh_time_assign(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size,
		   uint32_t *owner, uint32_t warmup, uint32_t runs, uint64_t *samples_ns);

typedef struct kh_timing {
	uint32_t runs;
	double median_ns;
	double min_ns;
	double max_ns;
} kh_timing;

/* Summarizes samples (sorted in place). */
void kh_timing_summarize(uint64_t *samples_ns, uint32_t n, kh_timing *t);

/* ------------------------------------------------------------------ pin.c */

typedef struct kh_pin kh_pin;

/*
 * Binds the calling thread to the first PU of the machine's last core (away
 * from core 0, where interrupts and housekeeping tend to land) and reports the
 * binding, or why there is none, on `log`. A failed binding is a warning: the
 * returned handle is still valid. NULL only when hwloc itself cannot start.
 */
kh_pin *kh_pin_thread(FILE *log);
void kh_pin_free(kh_pin *p);

/* ------------------------------------------------------------------ sweep.c / report.c */

/* One point of the sweep grid. */
typedef struct kh_point {
	const ka_strategy *strategy;
	const kd_grid *grid;
	int subs;
	int variant;
	uint64_t seed;
} kh_point;

/* What one point measured. */
typedef struct kh_point_result {
	int ok; /* 0: error[] says what went wrong, nothing else is set */
	char error[256];
	uint32_t partitions;
	uint32_t members;
	size_t ws_bytes;
	kh_timing timing;
	uint64_t violations;
	ka_metrics metrics;
} kh_point_result;

/* Generates, measures (1 warm-up + `repetitions` timed calls) and checks one
 * point. Returns 0, or -1 with r->error set. */
int kh_point_run(const kh_point *pt, uint32_t repetitions, kh_point_result *r);

/* How results are written: the table now, Google Benchmark JSON later. */
typedef struct kh_reporter {
	void *ctx;
	void (*begin)(void *ctx);
	void (*point)(void *ctx, const kh_point *pt, const kh_point_result *r);
	void (*end)(void *ctx);
} kh_reporter;

/* A fixed-width text table on f, one row per point, flushed per row. */
void kh_reporter_table(kh_reporter *rep, FILE *f);

#endif
