/*
 * measure.h - what `kassign sweep` and `kassign-bench` share (kh_ prefix),
 * in C so that the bench's C++ file only registers: the list of variants
 * every point is run in, the build record a result file carries, and the
 * instruction and cache counts of one assign call under Valgrind's
 * callgrind.
 *
 * Counts are taken in a child process that runs under valgrind with
 * instrumentation off (`--instr-atstart=no`), so generating a group costs
 * only valgrind's plain translation. For each point that child forks a
 * grandchild, which generates the group, switches instrumentation on, makes
 * one warm-up call (simulated but not collected, so the simulated caches
 * hold what a second call finds), then collects the one measured call alone
 * (CALLGRIND_TOGGLE_COLLECT on either side) and exits; callgrind writes its
 * totals to a file named for the grandchild's pid, which the child reads.
 * Every grandchild starts from the same state (the child does nothing
 * between forks that touches its heap), so a point's counts depend on the
 * build and the point only, not on the other points of the run, and the
 * cache geometry is fixed (KH_COUNTS_CACHES), not read from the machine.
 */
#ifndef KASSIGN_MEASURE_H
#define KASSIGN_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include <kassign/kassign.h>

#include "datasets/gen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ the point list */

/*
 * The variants every point is run in, sweep and bench alike: the four of
 * the design (fresh, churn-remove, churn-add, racks: 3 racks, replication
 * 3) and racks with one replica a partition (racks-rf1). With 3 replicas on
 * 3 racks every partition has a replica on every rack, which switches
 * Kafka's rack-aware rule off; only racks-rf1 reaches the rack-aware paths.
 */
typedef struct kh_variant {
	int variant;          /* enum kd_variant */
	uint32_t replication; /* racks: replicas per partition (0: the default, 3) */
} kh_variant;

size_t kh_variant_count(void);
const kh_variant *kh_variant_at(size_t i);

/* ------------------------------------------------------------------ the build */

/* As CMake built this binary (harness/CMakeLists.txt sets them once, for the
 * sweep and the bench alike). */
const char *kh_build_commit(void); /* git describe --always --dirty, or "unknown" */
const char *kh_build_compiler(void);
const char *kh_build_flags(void);
const char *kh_build_type(void);

/* ------------------------------------------------------------------ counts */

/* callgrind's simulated caches (--I1, --D1, --LL: size, ways, line bytes),
 * fixed so that counts do not depend on the machine that takes them. */
#define KH_COUNTS_I1     "32768,8,64"
#define KH_COUNTS_D1     "32768,8,64"
#define KH_COUNTS_LL     "33554432,16,64"
#define KH_COUNTS_CACHES "I1 " KH_COUNTS_I1 ", D1 " KH_COUNTS_D1 ", LL " KH_COUNTS_LL

/* The one figure that weighs misses, as KCachegrind estimates cycles. */
#define KH_COUNTS_FORMULA "instructions + 10 * l1_misses + 100 * ll_misses"

/* callgrind's events of one call (its names: Ir, Dr, Dw, I1mr, ...). */
typedef struct kh_counts {
	uint64_t ir;               /* instructions executed */
	uint64_t dr, dw;           /* data reads, writes */
	uint64_t i1mr, d1mr, d1mw; /* first-level misses: instruction, read, write */
	uint64_t ilmr, dlmr, dlmw; /* last-level misses */
} kh_counts;

uint64_t kh_counts_l1_misses(const kh_counts *c);
uint64_t kh_counts_ll_misses(const kh_counts *c);
/* KH_COUNTS_FORMULA. */
uint64_t kh_counts_cycles(const kh_counts *c);

/*
 * The parent's side. Finds valgrind (KASSIGN_VALGRIND, else PATH) and its
 * version ("valgrind-3.19.0"). Returns 0, or -1 with a message in err.
 */
int kh_counts_find_valgrind(char *path, size_t len, char *version, size_t vlen, char *err,
			    size_t errlen);

/* A fresh private directory for callgrind's files; 0, or -1 with a message. */
int kh_counts_tmpdir(char *dir, size_t len, char *err, size_t errlen);
/* The child's stderr (kept in dir) copied to `to`, less valgrind's
 * warnings about the machine's own caches, which are not simulated. */
void kh_counts_stderr(const char *dir, FILE *to);
/* Removes the directory and what is left in it. */
void kh_counts_rmdir(const char *dir);

/*
 * While a valgrind child runs, SIGINT, SIGTERM and SIGHUP are only noted
 * (kh_counts_catch, before the folder is made): the parent's read returns,
 * it stops the child (kill), waits for it and removes the folder, then
 * kh_counts_release restores the old handlers and, when a signal came,
 * unlinks `tmp` (an output's temporary file, or NULL) and lets the signal
 * take its course.
 */
typedef struct kh_counts_signals {
	struct sigaction old[3];
} kh_counts_signals;
void kh_counts_catch(kh_counts_signals *s);
int kh_counts_signalled(void);
void kh_counts_release(kh_counts_signals *s, const char *tmp);
/* The child's end: stopped first when a signal came, waited for; its stderr
 * passed on (unless a signal came) and its folder removed; then
 * kh_counts_release(s, tmp). Returns its wait status. */
int kh_counts_end(pid_t pid, const char *dir, kh_counts_signals *s, const char *tmp);

/*
 * Runs `exe args...` (args NULL-terminated) under valgrind, in the fixed
 * environment of a counts child (only KASSIGN_COUNTS_DIR=dir and LC_ALL=C):
 * stdout is a pipe (*out_fd), stderr goes to dir/stderr (kh_counts_stderr). Returns the pid, or -1
 * with a message in err.
 */
pid_t kh_counts_spawn(const char *valgrind, const char *dir, const char *exe, char *const args[],
		      int *out_fd, char *err, size_t errlen);

/* The child's side. The directory when this process is a counts child (under
 * valgrind, with KASSIGN_COUNTS_DIR set), else NULL. */
const char *kh_counts_child_dir(void);

/*
 * Starts one point in a grandchild (see the top of this file): the group of
 * spec, strategy s. Returns its pid, or -1 when fork fails.
 */
pid_t kh_counts_start(const kd_gen_spec *spec, const ka_strategy *s);

/*
 * Waits for grandchild pid and reads its counts from dir. Returns 0, or -1
 * with a message in err (the group could not be made, the call failed, the
 * file is missing or unreadable). Allocates nothing, so that later forks
 * start from the same heap.
 */
int kh_counts_finish(const char *dir, pid_t pid, kh_counts *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
