/*
 * cli.h - what every command of the kassign command line shares (kh_
 * prefix): exit codes, messages, option and number parsing, lookups by
 * name, output that appears only on success (util.c), and what this build
 * is (build.c). Every command's
 * entry point is declared here, for harness/main.c's table.
 *
 * It may use the library (assignors/) and the datasets (datasets/); every
 * folder with commands (harness/, sim/, probe/, views/, datasets/) uses it.
 */
#ifndef KASSIGN_CLI_CLI_H
#define KASSIGN_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <kassign/kassign.h>

#include "datasets/gen.h"

/* Exit codes of every subcommand. */
enum kh_exit {
	KH_EXIT_OK = 0,       /* done, and every check passed */
	KH_EXIT_FAIL = 1,     /* a check failed, or a strategy returned an error */
	KH_EXIT_USAGE = 2,    /* bad input, bad usage, or the run could not happen */
	KH_EXIT_INTERNAL = 3, /* a strategy's output failed validation: a defect of kassign */
};

/* ------------------------------------------------------------------ commands (each folder's
 * cmd_*.c; harness/sweep.c and main.c)
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
 * control characters that XML 1.0 does not allow dropped, U+FFFE and
 * U+FFFF written as U+FFFD. */
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

/* The same for a large workspace written through once, outside any timed
 * call: from 2 MiB on, in whole 2 MiB pages asked for before the first
 * write (a G-1M optimum's workspace otherwise costs thousands of page
 * faults). free() releases it. */
void *kh_big_alloc(size_t size);

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

/* ------------------------------------------------------------------ build.c */

/* The commit this kassign was built from (git describe --always --dirty,
 * written at every build), or "unknown". */
const char *kh_build_commit(void);

/* The date and time now, ISO 8601 with the UTC offset as Google Benchmark
 * writes it ("2026-01-31T12:00:00+01:00"); "" when the clock cannot be read. */
void kh_date_now(char *buf, size_t len);

#endif
