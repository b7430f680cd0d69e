/*
 * test_sweep.c - end-to-end tests of `kassign sweep` ($KASSIGN, set by
 * ctest) and of its result file, read back with jansson against the
 * contract in docs/results-format.md: context fields, names, one entry per
 * repetition then the aggregates, figures that agree with each other; the
 * default path; --threads; every bad input exiting 2 with its message and
 * leaving no file; and Google Benchmark's own compare.py reading two files.
 *
 * Each run happens in a private temporary directory, which is also its
 * working directory (the default result path is relative to it), with
 * stdout and stderr in files there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hwloc.h>
#include <jansson.h>

#include "tests/ktest.h"

extern char **environ;

#define MAX_ARGS 40

typedef struct run_out {
	int status; /* exit code, -1 when killed */
	char out[8192];
	char err[8192];
	char cmdline[2048];
} run_out;

static char dir[512];

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		unlink(path);
		return;
	}
	struct dirent *e;
	char p[1024];
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		rm_tree(p);
	}
	closedir(d);
	rmdir(path);
}

static void dir_open(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/kassign-sweep-XXXXXX", base && *base ? base : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void dir_close(void)
{
	rm_tree(dir);
}

static const char *in_dir(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

/* Entries of the directory other than the run's own .stdout/.stderr. */
static size_t dir_entries(const char *path, char *names, size_t len)
{
	DIR *d = opendir(path);
	size_t n = 0, used = 0;
	if (names && len)
		names[0] = '\0';
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (names && used < len)
			used += (size_t)snprintf(names + used, len - used, "%s ", e->d_name);
	}
	closedir(d);
	return n;
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* Runs $KASSIGN cmd with the arguments (NULL-terminated), in dir. */
static void vrun(run_out *r, const char *cmd, va_list ap)
{
	const char *exe = getenv("KASSIGN");
	if (!exe || !*exe)
		fprintf(stderr, "KASSIGN is not set: run this test through ctest\n");
	CU_ASSERT_FATAL(exe && *exe);
	char *argv[MAX_ARGS + 3];
	int argc = 0;
	argv[argc++] = (char *)(uintptr_t)exe;
	argv[argc++] = (char *)(uintptr_t)cmd;
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL) {
		CU_ASSERT_FATAL(argc < MAX_ARGS);
		argv[argc++] = (char *)(uintptr_t)a;
	}
	argv[argc] = NULL;
	size_t used = 0;
	r->cmdline[0] = '\0';
	for (int i = 0; i < argc && used < sizeof(r->cmdline); i++)
		used += (size_t)snprintf(r->cmdline + used, sizeof(r->cmdline) - used, "%s%s",
					 i ? " " : "", argv[i]);

	char outp[1024], errp[1024], cwd[1024];
	in_dir(".stdout", outp, sizeof(outp));
	in_dir(".stderr", errp, sizeof(errp));
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
	CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid;
	const int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	CU_ASSERT_EQUAL_FATAL(chdir(cwd), 0);
	if (rc != 0)
		fprintf(stderr, "cannot run %s: %s\n", exe, strerror(rc));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		CU_ASSERT_EQUAL_FATAL(errno, EINTR);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	slurp(outp, r->out, sizeof(r->out));
	slurp(errp, r->err, sizeof(r->err));
}

static void sweep(run_out *r, ...)
{
	va_list ap;
	va_start(ap, r);
	vrun(r, "sweep", ap);
	va_end(ap);
}

static void kassign(run_out *r, const char *cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	vrun(r, cmd, ap);
	va_end(ap);
}

static void show(const run_out *r, const char *why)
{
	fprintf(stderr, "\n--- %s\n$ %s\n(exit %d)\n--- stdout:\n%.3000s\n--- stderr:\n%.3000s\n",
		why, r->cmdline, r->status, r->out, r->err);
}

static void expect_status(const run_out *r, int want)
{
	if (r->status != want) {
		char why[64];
		snprintf(why, sizeof(why), "expected exit %d", want);
		show(r, why);
	}
	CU_ASSERT_EQUAL(r->status, want);
}

static void expect_err(const run_out *r, const char *needle)
{
	if (!strstr(r->err, needle)) {
		char why[256];
		snprintf(why, sizeof(why), "stderr lacks \"%s\"", needle);
		show(r, why);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(r->err, needle));
}

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j)
		fprintf(stderr, "%s:%d: %s\n", path, e.line, e.text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	return j;
}

/* A member that must exist with a JSON type. */
static json_t *need(json_t *o, const char *key, json_type type)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_typeof(v) != type)
		fprintf(stderr, "field \"%s\": %s\n", key, v ? "wrong type" : "missing");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(json_typeof(v), type);
	return v;
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_number(v))
		fprintf(stderr, "field \"%s\": not a number\n", key);
	CU_ASSERT_FATAL(json_is_number(v));
	return json_number_value(v);
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(need(o, key, JSON_STRING));
}

/* ------------------------------------------------------------------ the file */

static const char *const subs[] = {"homogeneous", "heterogeneous"};
/* The point list of harness/measure.h, in its order. */
static const char *const variants[] = {"fresh", "churn-remove", "churn-add", "racks", "racks-rf1"};
#define N_VARIANTS 5
static const char *const aggregates[] = {"mean", "median", "stddev", "cv", "min", "max"};

static void check_context(json_t *root, int reps, int threads)
{
	json_t *c = need(root, "context", JSON_OBJECT);
	str(c, "date");
	str(c, "host_name");
	str(c, "executable");
	CU_ASSERT(num(c, "num_cpus") >= 1);
	num(c, "mhz_per_cpu");
	CU_ASSERT_PTR_NOT_NULL(json_object_get(c, "cpu_scaling_enabled"));
	need(c, "caches", JSON_ARRAY);
	CU_ASSERT_EQUAL(json_array_size(need(c, "load_avg", JSON_ARRAY)), 3);
	str(c, "library_build_type");

	json_t *k = need(c, "kassign", JSON_OBJECT);
	CU_ASSERT_STRING_EQUAL(str(k, "format"), "kassign-result");
	CU_ASSERT_EQUAL(num(k, "version"), 1);
	CU_ASSERT_STRING_EQUAL(str(k, "tool"), "kassign sweep");
	CU_ASSERT(strlen(str(k, "commit")) > 0);
	CU_ASSERT(strlen(str(k, "compiler")) > 0);
	str(k, "flags");
	CU_ASSERT(strlen(str(k, "build_type")) > 0);
	CU_ASSERT(strncmp(str(k, "kernel"), "Linux ", 6) == 0);
	CU_ASSERT(strlen(str(k, "cpu_model")) > 0);
	json_t *t = need(k, "topology", JSON_OBJECT);
	CU_ASSERT(num(t, "packages") >= 1);
	CU_ASSERT(num(t, "cores") >= 1);
	CU_ASSERT(num(t, "pus") >= num(t, "cores"));
	CU_ASSERT(num(t, "numa_nodes") >= 1);
	json_t *caches = need(t, "caches", JSON_ARRAY);
	size_t i;
	json_t *ce;
	json_array_foreach(caches, i, ce)
	{
		CU_ASSERT(num(ce, "level") >= 1);
		CU_ASSERT(num(ce, "size") > 0);
		CU_ASSERT(num(ce, "count") >= 1);
	}
	CU_ASSERT(strstr(str(t, "summary"), "core") != NULL);
	json_t *cpus = need(k, "cpus", JSON_ARRAY);
	CU_ASSERT(json_array_size(cpus) == 0 || json_array_size(cpus) == (size_t)threads);
	str(k, "binding");
	CU_ASSERT_EQUAL(num(k, "threads"), threads);
	CU_ASSERT_EQUAL(num(k, "repetitions"), reps);
	CU_ASSERT(num(k, "rounds") >= 1 && num(k, "rounds") <= reps);
	CU_ASSERT(num(k, "warmup") >= 1);
	CU_ASSERT_EQUAL(num(k, "seed"), 1);
	CU_ASSERT(num(k, "overhead_ns") > 0);
}

/* The figures of docs/results-format.md that must not depend on how the
 * samples were taken. */
static const char *const quality[] = {
    "partitions", "members",         "bytes_per_partition", "load_spread", "balanced",   "moved",
    "moved_min",  "moved_min_exact", "moved_opt",           "local",       "rack_known", "valid",
};

/*
 * Checks the entries of one run name starting at index *at: reps
 * iterations then the six aggregates, as docs/results-format.md says.
 * Returns the median.
 */
static double check_series(json_t *b, size_t *at, const char *name, int reps, int threads,
			   int family, int instance)
{
	double median = -1, min = -1, max = -1;
	const size_t n = json_array_size(b);
	for (int i = 0; i < reps + 6; i++) {
		CU_ASSERT_FATAL(*at < n);
		json_t *e = json_array_get(b, (*at)++);
		const int agg = i >= reps;
		char want[512];
		if (agg)
			snprintf(want, sizeof(want), "%s_%s", name, aggregates[i - reps]);
		else
			snprintf(want, sizeof(want), "%s", name);
		if (strcmp(str(e, "name"), want) != 0)
			fprintf(stderr, "entry %zu: name %s, expected %s\n", *at - 1,
				str(e, "name"), want);
		CU_ASSERT_STRING_EQUAL_FATAL(str(e, "name"), want);
		CU_ASSERT_STRING_EQUAL(str(e, "run_name"), name);
		CU_ASSERT_STRING_EQUAL(str(e, "run_type"), agg ? "aggregate" : "iteration");
		CU_ASSERT_EQUAL(num(e, "family_index"), family);
		CU_ASSERT_EQUAL(num(e, "per_family_instance_index"), instance);
		CU_ASSERT_EQUAL(num(e, "repetitions"), reps);
		CU_ASSERT_EQUAL(num(e, "threads"), threads);
		CU_ASSERT(num(e, "iterations") >= 1);
		CU_ASSERT_PTR_NULL(json_object_get(e, "error_occurred"));
		const double t = num(e, "real_time");
		CU_ASSERT_EQUAL(t, num(e, "cpu_time"));
		const int cv = agg && strcmp(aggregates[i - reps], "cv") == 0;
		if (!cv) {
			CU_ASSERT_STRING_EQUAL(str(e, "time_unit"), "ns");
			CU_ASSERT(fabs(num(e, "ns_per_partition") * num(e, "partitions") - t) <=
				  1e-6 * (t > 1 ? t : 1));
		}
		if (agg) {
			CU_ASSERT_STRING_EQUAL(str(e, "aggregate_name"), aggregates[i - reps]);
			if (strcmp(aggregates[i - reps], "median") == 0)
				median = t;
			else if (strcmp(aggregates[i - reps], "min") == 0)
				min = t;
			else if (strcmp(aggregates[i - reps], "max") == 0)
				max = t;
		} else {
			CU_ASSERT_EQUAL(num(e, "repetition_index"), i);
			CU_ASSERT(t > 0);
		}
		CU_ASSERT_EQUAL(num(e, "valid"), 1);
		CU_ASSERT_EQUAL(num(e, "partitions"), 7);
		CU_ASSERT(num(e, "bytes_per_partition") >= 4);
		/* The quality figures are the same in every entry of a point; their
		 * values are checked against `kassign check` by check_figures. */
		if (i > 0)
			for (size_t q = 0; q < sizeof(quality) / sizeof(quality[0]); q++)
				CU_ASSERT_EQUAL(
				    num(e, quality[q]),
				    num(json_array_get(b, *at - 1 - (size_t)i), quality[q]));
		if (threads > 1) {
			json_t *tm = need(e, "thread_median_ns", JSON_ARRAY);
			CU_ASSERT_EQUAL(json_array_size(tm), (size_t)threads);
			CU_ASSERT(num(e, "slowdown") > 0);
			CU_ASSERT(fabs(num(e, "throughput_ratio") * num(e, "slowdown") - threads) <
				  1e-6);
		}
	}
	CU_ASSERT(min > 0);
	CU_ASSERT(min <= median);
	CU_ASSERT(median <= max);
	return median;
}

/*
 * A range point of G-seed is deterministic: its quality figures in the
 * result file must be those `kassign check` gives for the same point's
 * scenario (kassign gen) assigned by `kassign assign`, another path through
 * the generator, the strategy and the metrics.
 */
static void check_figures(json_t *e, const char *sub, const char *variant)
{
	run_out r;
	char scen[1024], asg[1024];
	in_dir("point.json", scen, sizeof(scen));
	in_dir("point.out", asg, sizeof(asg));
	/* racks-rf1 is gen's racks variant with one replica a partition. */
	const int rf1 = strcmp(variant, "racks-rf1") == 0;
	kassign(&r, "gen", "G-seed", "--subs", sub, "--variant", rf1 ? "racks" : variant,
		"--strategy", "range", "-o", scen, rf1 ? "--replication" : NULL, "1", NULL);
	expect_status(&r, 0);
	kassign(&r, "assign", "--strategy", "range", "-o", asg, scen, NULL);
	expect_status(&r, 0);
	kassign(&r, "check", "--json", "--strategy", "range", scen, asg, NULL);
	expect_status(&r, 0);
	json_error_t err;
	json_t *c = json_loads(r.out, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	json_t *group = load(scen);
	static const struct {
		const char *sweep, *check;
	} same[] = {
	    {"load_spread", "load_max_minus_min"},
	    {"balanced", "balanced"},
	    {"moved", "moved"},
	    {"moved_min", "moved_lower_bound"},
	    {"moved_min_exact", "moved_lower_bound_exact"},
	    {"moved_opt", "moved_optimum"},
	    {"local", "local"},
	    {"rack_known", "rack_known"},
	    {"valid", "valid"},
	};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		json_t *want = json_object_get(c, same[i].check);
		CU_ASSERT_PTR_NOT_NULL_FATAL(want);
		const double w =
		    json_is_boolean(want) ? json_is_true(want) : json_number_value(want);
		if (num(e, same[i].sweep) != w)
			fprintf(stderr, "%s/%s: %s %g, kassign check says %s %g\n", sub, variant,
				same[i].sweep, num(e, same[i].sweep), same[i].check, w);
		CU_ASSERT_EQUAL(num(e, same[i].sweep), w);
	}
	CU_ASSERT_EQUAL(num(e, "members"), json_array_size(need(group, "members", JSON_ARRAY)));
	json_decref(group);
	json_decref(c);
	unlink(scen);
	unlink(asg);
}

static void test_small_sweep(void)
{
	dir_open();
	run_out r;
	char file[1024];
	in_dir("r.json", file, sizeof(file));
	sweep(&r, "--grid", "G-seed", "--strategy", "range", "-n", "3", "-o", file, "--quiet",
	      NULL);
	expect_status(&r, 0);
	CU_ASSERT_STRING_EQUAL(r.err, ""); /* --quiet */
	char want[1100];
	snprintf(want, sizeof(want), "%s\n", file);
	CU_ASSERT_STRING_EQUAL(r.out, want);           /* the path, on stdout */
	CU_ASSERT_EQUAL(dir_entries(dir, NULL, 0), 1); /* no temporary left */

	json_t *root = load(file);
	check_context(root, 3, 1);
	json_t *b = need(root, "benchmarks", JSON_ARRAY);
	CU_ASSERT_EQUAL(json_array_size(b), 2 * N_VARIANTS * (3 + 6));
	size_t at = 0;
	int family = 0;
	for (int s = 0; s < 2; s++)
		for (int v = 0; v < N_VARIANTS; v++) {
			char name[256];
			snprintf(name, sizeof(name), "assign/range/G-seed/%s/%s", subs[s],
				 variants[v]);
			json_t *first = json_array_get(b, at);
			CU_ASSERT_PTR_NOT_NULL_FATAL(first);
			CU_ASSERT_STRING_EQUAL(str(first, "strategy"), "range");
			CU_ASSERT_STRING_EQUAL(str(first, "grid"), "G-seed");
			CU_ASSERT_STRING_EQUAL(str(first, "subs"), subs[s]);
			CU_ASSERT_STRING_EQUAL(str(first, "variant"), variants[v]);
			check_figures(first, subs[s], variants[v]);
			check_series(b, &at, name, 3, 1, family++, 0);
		}
	json_decref(root);
	dir_close();
}

static void test_default_path_and_table(void)
{
	dir_open();
	run_out r;
	char names[512], results[1024];
	/* No -o: results/<yyyymmdd>-<host>-<commit>.json under the working
	 * directory, created; a second run does not replace the first. */
	sweep(&r, "--grid", "G-seed", "--strategy", "roundrobin", "--variant", "fresh", "-n", "1",
	      "-q", NULL);
	expect_status(&r, 0);
	CU_ASSERT(strncmp(r.out, "results/", 8) == 0);
	CU_ASSERT(strstr(r.out, ".json\n") != NULL);
	sweep(&r, "--grid", "G-seed", "--strategy", "roundrobin", "--variant", "fresh", "-n", "1",
	      "-q", NULL);
	expect_status(&r, 0);
	CU_ASSERT(strstr(r.out, "-2.json\n") != NULL);
	in_dir("results", results, sizeof(results));
	CU_ASSERT_EQUAL(dir_entries(results, names, sizeof(names)), 2);

	/* --format table: the table on stdout, no file; not --quiet: the
	 * binding on stderr. */
	rm_tree(results);
	sweep(&r, "--grid", "G-seed", "--strategy", "range", "--format", "table", "-n", "2", NULL);
	expect_status(&r, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "median_ms"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "churn-remove"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "sweep: 10 points"));
	CU_ASSERT_EQUAL(dir_entries(dir, names, sizeof(names)), 0);

	/* -o -: the JSON on stdout, the summary on stderr. */
	sweep(&r, "--grid", "G-seed", "--strategy", "range", "--subs", "homogeneous", "--variant",
	      "fresh", "-n", "2", "-o", "-", NULL);
	expect_status(&r, 0);
	json_error_t e;
	json_t *root = json_loads(r.out, 0, &e);
	CU_ASSERT_PTR_NOT_NULL(root);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(root, "benchmarks")), 2 + 6);
	json_decref(root);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "fastest_ms"));
	CU_ASSERT_EQUAL(dir_entries(dir, NULL, 0), 0);
	dir_close();
}

/* ------------------------------------------------------------------ rounds */

/* --rounds 3 -n 5: 5 iteration entries per point (2 + 2 + 1 samples), the
 * context says 3 rounds, and the quality figures are those of --rounds 1. */
static void test_rounds(void)
{
	dir_open();
	run_out r;
	char f1[1024], f3[1024];
	in_dir("r1.json", f1, sizeof(f1));
	in_dir("r3.json", f3, sizeof(f3));
	sweep(&r, "--grid", "G-seed", "--strategy", "range", "--strategy", "sticky", "-n", "5",
	      "--rounds", "1", "-o", f1, "-q", NULL);
	expect_status(&r, 0);
	sweep(&r, "--grid", "G-seed", "--strategy", "range", "--strategy", "sticky", "-n", "5",
	      "--rounds", "3", "-o", f3, NULL);
	expect_status(&r, 0);
	expect_err(&r, "(round 3/3)"); /* progress counts (round, point) steps */
	expect_err(&r, "[60/60]");
	json_t *one = load(f1), *three = load(f3);
	check_context(one, 5, 1);
	check_context(three, 5, 1);
	json_t *k1 = need(need(one, "context", JSON_OBJECT), "kassign", JSON_OBJECT);
	json_t *k3 = need(need(three, "context", JSON_OBJECT), "kassign", JSON_OBJECT);
	CU_ASSERT_EQUAL(num(k1, "rounds"), 1);
	CU_ASSERT_EQUAL(num(k3, "rounds"), 3);
	json_t *b1 = need(one, "benchmarks", JSON_ARRAY),
	       *b3 = need(three, "benchmarks", JSON_ARRAY);
	CU_ASSERT_EQUAL_FATAL(json_array_size(b1), 4 * N_VARIANTS * (5 + 6));
	CU_ASSERT_EQUAL_FATAL(json_array_size(b3), 4 * N_VARIANTS * (5 + 6));
	size_t at = 0;
	int family = 0;
	static const char *const strategies[] = {"range", "sticky"};
	for (int st = 0; st < 2; st++)
		for (int s = 0; s < 2; s++)
			for (int v = 0; v < N_VARIANTS; v++) {
				char name[256];
				snprintf(name, sizeof(name), "assign/%s/G-seed/%s/%s",
					 strategies[st], subs[s], variants[v]);
				const size_t first = at;
				check_series(b3, &at, name, 5, 1, family++, 0);
				for (size_t e = first; e < at; e++) {
					json_t *x1 = json_array_get(b1, e),
					       *x3 = json_array_get(b3, e);
					CU_ASSERT_STRING_EQUAL(str(x1, "name"), str(x3, "name"));
					for (size_t q = 0; q < sizeof(quality) / sizeof(quality[0]);
					     q++) {
						if (num(x1, quality[q]) != num(x3, quality[q]))
							fprintf(stderr,
								"%s: %s %g with --rounds 1, %g "
								"with --rounds 3\n",
								str(x3, "name"), quality[q],
								num(x1, quality[q]),
								num(x3, quality[q]));
						CU_ASSERT_EQUAL(num(x1, quality[q]),
								num(x3, quality[q]));
					}
				}
			}
	json_decref(one);
	json_decref(three);

	/* More rounds than samples: one sample a round, so -n rounds. */
	sweep(&r, "--grid", "G-seed", "--strategy", "range", "--subs", "homogeneous", "--variant",
	      "fresh", "-n", "2", "--rounds", "5", "-o", f3, "-q", NULL);
	expect_status(&r, 0);
	three = load(f3);
	CU_ASSERT_EQUAL(
	    num(need(need(three, "context", JSON_OBJECT), "kassign", JSON_OBJECT), "rounds"), 2);
	CU_ASSERT_EQUAL(json_array_size(need(three, "benchmarks", JSON_ARRAY)), 2 + 6);
	json_decref(three);
	dir_close();
}

/* ------------------------------------------------------------------ threads */

static unsigned machine_cores(void)
{
	hwloc_topology_t t;
	unsigned n = 0;
	if (hwloc_topology_init(&t) != 0)
		return 0;
	if (hwloc_topology_load(t) == 0) {
		const int c = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
		n = c > 0 ? (unsigned)c : (unsigned)hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	}
	hwloc_topology_destroy(t);
	return n;
}

static void test_threads(void)
{
	const unsigned cores = machine_cores();
	if (cores < 2) {
		KT_SKIP("--threads 2 needs 2 cores, this machine has %u", cores);
	}
	dir_open();
	run_out r;
	char file[1024];
	in_dir("t.json", file, sizeof(file));
	sweep(&r, "--grid", "G-seed", "--strategy", "range", "--subs", "homogeneous", "-n", "3",
	      "--threads", "2", "-o", file, "-q", NULL);
	expect_status(&r, 0);
	json_t *root = load(file);
	check_context(root, 3, 2);
	json_t *b = need(root, "benchmarks", JSON_ARRAY);
	CU_ASSERT_EQUAL(json_array_size(b), N_VARIANTS * 2 * (3 + 6));
	size_t at = 0;
	for (int v = 0; v < N_VARIANTS; v++) {
		char name[256], tname[300];
		snprintf(name, sizeof(name), "assign/range/G-seed/homogeneous/%s", variants[v]);
		snprintf(tname, sizeof(tname), "%s/threads:2", name);
		const double one = check_series(b, &at, name, 3, 1, v, 0);
		const size_t tat = at;
		const double two = check_series(b, &at, tname, 3, 2, v, 1);
		json_t *e = json_array_get(b, tat);
		CU_ASSERT(fabs(num(e, "slowdown") - two / one) < 1e-6 * (two / one));
	}
	json_decref(root);
	dir_close();
}

/* ------------------------------------------------------------------ bad input */

static void expect_refused(const char *why, const char *message, ...)
{
	char out[1024];
	in_dir("out.json", out, sizeof(out));
	const char *argv[MAX_ARGS];
	int n = 0;
	va_list ap;
	va_start(ap, message);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && n < MAX_ARGS - 8)
		argv[n++] = a;
	va_end(ap);
	for (; n < 12; n++)
		argv[n] = NULL;
	run_out r;
	/* -o comes first so a bad -o given later replaces it. */
	sweep(&r, "-o", out, "--grid", "G-seed", "-n", "1", argv[0], argv[1], argv[2], argv[3],
	      argv[4], argv[5], argv[6], argv[7], NULL);
	if (r.status != 2)
		show(&r, why);
	expect_status(&r, 2);
	expect_err(&r, message);
	CU_ASSERT_STRING_EQUAL(r.out, "");
	/* One line of message, then the pointer to --help at most. */
	const char *nl = strchr(r.err, '\n');
	CU_ASSERT(nl && (!nl[1] || strncmp(nl + 1, "Try 'kassign sweep --help'.\n", 28) == 0));
	char names[512];
	if (dir_entries(dir, names, sizeof(names)) != 0)
		fprintf(stderr, "%s: left behind: %s\n", why, names);
	CU_ASSERT_EQUAL(dir_entries(dir, NULL, 0), 0);
}

static void test_bad_input(void)
{
	dir_open();
	char buf[64], missing[1024];
	expect_refused("strategy", "unknown strategy 'nope'", "--strategy", "nope", NULL);
	expect_refused("grid", "unknown grid 'G-2k'", "--grid", "G-2k", NULL);
	expect_refused("grid", "unknown grid 'jmh-m1-r1-t1'", "--grid", "jmh-m1-r1-t1", NULL);
	expect_refused("variant", "--variant: unknown variant 'churn'", "--variant", "churn", NULL);
	expect_refused("subs", "--subs: unknown mode 'mixed'", "--subs", "mixed", NULL);
	expect_refused("rounds", "--rounds: '0' is not a count", "--rounds", "0", NULL);
	expect_refused("core", "--cpus: PU 4095 does not exist", "--cpus", "4095", NULL);
	expect_refused("core range", "does not exist on this machine (PUs ", "--cpus", "0-4095",
		       NULL);
	expect_refused("cpu list", "--cpus: 'one' is not a list of PU numbers", "--cpus", "one",
		       NULL);
	expect_refused("cpu list", "--cpus: '1,' is not a list of PU numbers", "--cpus", "1,",
		       NULL);
	snprintf(buf, sizeof(buf), "%u", machine_cores() + 1);
	expect_refused("threads", "--threads: ", "--threads", buf, NULL);
	expect_refused("threads", "cores, this machine has", "--threads", buf, NULL);
	if (machine_cores() >= 2)
		expect_refused("threads vs cpus", "PUs in --cpus", "--cpus", "0", "--threads", "2",
			       NULL);
	expect_refused("format", "--format: unknown format 'xml'", "--format", "xml", NULL);
	in_dir("no/such/dir/r.json", missing, sizeof(missing));
	expect_refused("output", "-o: cannot write", "-o", missing, NULL);
	expect_refused("output", "-o: '/' is a directory", "-o", "/", NULL);
	dir_close();
}

/* ------------------------------------------------------------------ compare.py */

#define COMPARE_PY "/usr/share/benchmark/compare.py"

static const char *python(void)
{
	/* Debian's interpreter, which has Debian's scipy, before any other. */
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

static int shell(const char *cmdline)
{
	const int st = system(cmdline);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_compare_py(void)
{
	char cmdline[4096];
	if (access(COMPARE_PY, R_OK) != 0) {
		KT_SKIP("%s missing (libbenchmark-tools, scripts/deps.sh)", COMPARE_PY);
	}
	snprintf(cmdline, sizeof(cmdline), "%s -c 'import scipy' 2>/dev/null", python());
	if (shell(cmdline) != 0) {
		KT_SKIP("%s cannot import scipy (python3-scipy, scripts/deps.sh)", python());
	}
	dir_open();
	run_out r;
	char a[1024], b[1024], log[1024];
	in_dir("A.json", a, sizeof(a));
	in_dir("B.json", b, sizeof(b));
	in_dir("compare.log", log, sizeof(log));
	sweep(&r, "--grid", "G-seed", "--strategy", "range", "-n", "5", "-o", a, "-q", NULL);
	expect_status(&r, 0);
	sweep(&r, "--grid", "G-seed", "--strategy", "range", "-n", "5", "-o", b, "-q", NULL);
	expect_status(&r, 0);
	snprintf(cmdline, sizeof(cmdline), "%s %s --no-color benchmarks %s %s >%s 2>&1", python(),
		 COMPARE_PY, a, b, log);
	const int st = shell(cmdline);
	char text[8192];
	slurp(log, text, sizeof(text));
	if (st != 0)
		fprintf(stderr, "$ %s\n(exit %d)\n%s\n", cmdline, st, text);
	CU_ASSERT_EQUAL(st, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "assign/range/G-seed/homogeneous/fresh_median"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "_pvalue"));
	dir_close();
}

/* ------------------------------------------------------------------ registration */

static const kt_test file_tests[] = {
    {"small sweep: context, names, repetitions, aggregates", test_small_sweep},
    {"default path, table, stdout", test_default_path_and_table},
    {"--rounds 3 -n 5: 5 samples, the quality of --rounds 1", test_rounds},
    {NULL, NULL},
};
static const kt_test threads_tests[] = {
    {"--threads 2 entries", test_threads},
    {NULL, NULL},
};
static const kt_test bad_tests[] = {
    {"bad input exits 2, leaves nothing", test_bad_input},
    {NULL, NULL},
};
static const kt_test compare_tests[] = {
    {"compare.py reads two sweep files", test_compare_py},
    {NULL, NULL},
};

static const kt_suite suites[] = {
    {"file", file_tests},
    {"threads", threads_tests},
    {"badinput", bad_tests},
    {"compare", compare_tests},
    {NULL, NULL},
};

KT_MAIN(suites)
