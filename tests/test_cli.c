/*
 * test_cli.c - end-to-end tests of the kassign binary ($KASSIGN, set by
 * ctest): exit codes, the rule that exit 2 leaves stdout empty, the
 * gen -> assign -> check pipeline for every strategy of the table, and
 * check's verdict on tampered assignments.
 *
 * Each run has its stdout and stderr redirected to files in a private
 * temporary directory (no pipes, so no deadlock on large outputs), and a
 * failed expectation prints the command line and both outputs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <kassign/kassign.h>

#include "datasets/gen.h"
#include "tests/ktest.h"

extern char **environ;

#define MAX_ARGS 32

typedef struct tmpdir {
	char path[512];
} tmpdir;

typedef struct cli_run {
	int status; /* exit code, or -1 when killed by a signal */
	char *out;
	char *err;
	char cmdline[2048];
} cli_run;

static void tmp_open(tmpdir *d)
{
	const char *base = getenv("TMPDIR");
	snprintf(d->path, sizeof(d->path), "%s/kassign-cli-XXXXXX", base && *base ? base : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(d->path));
}

static void tmp_close(tmpdir *d)
{
	DIR *dir = opendir(d->path);
	if (!dir)
		return;
	struct dirent *e;
	char p[1024];
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", d->path, e->d_name);
		unlink(p);
	}
	closedir(dir);
	rmdir(d->path);
}

/* A path inside the directory; returned in buf. */
static const char *tmp_file(const tmpdir *d, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", d->path, name);
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	CU_ASSERT_EQUAL(fclose(f), 0);
}

/* The whole file, NUL-terminated (empty string when missing). */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (f) {
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
			if (len + n + 1 > cap) {
				cap = (len + n + 1) * 2;
				char *nb = realloc(buf, cap);
				CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
				buf = nb;
			}
			memcpy(buf + len, chunk, n);
			len += n;
		}
		fclose(f);
	}
	if (!buf) {
		buf = malloc(1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	}
	buf[len] = '\0';
	return buf;
}

static void run_free(cli_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Runs $KASSIGN with the arguments (NULL-terminated). */
static void run(cli_run *r, const tmpdir *d, ...)
{
	const char *exe = getenv("KASSIGN");
	if (!exe || !*exe)
		fprintf(stderr, "KASSIGN is not set: run this test through ctest\n");
	CU_ASSERT_FATAL(exe && *exe);

	char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = (char *)(uintptr_t)exe;
	va_list ap;
	va_start(ap, d);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL) {
		CU_ASSERT_FATAL(argc < MAX_ARGS);
		argv[argc++] = (char *)(uintptr_t)a;
	}
	va_end(ap);
	argv[argc] = NULL;

	run_free(r);
	size_t used = 0;
	r->cmdline[0] = '\0';
	for (int i = 0; i < argc && used < sizeof(r->cmdline); i++)
		used += (size_t)snprintf(r->cmdline + used, sizeof(r->cmdline) - used, "%s%s",
					 i ? " " : "", argv[i]);

	char outp[1024], errp[1024];
	tmp_file(d, ".stdout", outp, sizeof(outp));
	tmp_file(d, ".stderr", errp, sizeof(errp));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid;
	int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		fprintf(stderr, "cannot run %s: %s\n", exe, strerror(rc));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		CU_ASSERT_EQUAL_FATAL(errno, EINTR);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->out = read_file(outp);
	r->err = read_file(errp);
}

static void show(const cli_run *r, const char *why)
{
	fprintf(stderr, "\n--- %s\n$ %s\n(exit %d)\n--- stdout:\n%.4000s\n--- stderr:\n%.4000s\n",
		why, r->cmdline, r->status, r->out, r->err);
}

/* Exit status, and for exit 2 an empty stdout. */
static void expect_status(const cli_run *r, int want)
{
	if (r->status != want) {
		char why[64];
		snprintf(why, sizeof(why), "expected exit %d", want);
		show(r, why);
	}
	CU_ASSERT_EQUAL(r->status, want);
	if (want == 2) {
		if (r->out[0])
			show(r, "exit 2 with output on stdout");
		CU_ASSERT_STRING_EQUAL(r->out, "");
	}
}

static int contains_ci(const char *hay, const char *needle)
{
	const size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
			i++;
		if (i == n)
			return 1;
	}
	return n == 0;
}

static void expect_text(const cli_run *r, const char *where, const char *text, const char *needle)
{
	if (!contains_ci(text, needle)) {
		char why[256];
		snprintf(why, sizeof(why), "%s lacks \"%s\"", where, needle);
		show(r, why);
	}
	CU_ASSERT(contains_ci(text, needle));
}

#define EXPECT_OUT(r, s) expect_text((r), "stdout", (r)->out, (s))
#define EXPECT_ERR(r, s) expect_text((r), "stderr", (r)->err, (s))

/* Whether the optional parts were built (tests/CMakeLists.txt sets KA_VIEWS
 * and KA_PROBE to 1 or 0); built unless told otherwise. */
static int part_built(const char *var)
{
	const char *v = getenv(var);
	return !v || strcmp(v, "0") != 0;
}
static int views_built(void)
{
	return part_built("KA_VIEWS");
}

/* ------------------------------------------------------------------ usage */

static void test_help(void)
{
	tmpdir d;
	cli_run r = {0};
	tmp_open(&d);
	run(&r, &d, "--help", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "Usage: kassign");
	run(&r, &d, "-h", NULL);
	expect_status(&r, 0);
	static const char *const cmds[] = {"assign", "check", "gen", "sweep", "list"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char want[64];
		snprintf(want, sizeof(want), "Usage: kassign %s", cmds[i]);
		run(&r, &d, cmds[i], "--help", NULL);
		expect_status(&r, 0);
		EXPECT_OUT(&r, want);
	}
	run(&r, &d, "--version", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "kassign " KA_VERSION_STRING);

	/* The optional parts' commands: their help when built, else exit 2
	 * saying which option builds them. */
	static const struct {
		const char *cmd, *var;
	} parts[] = {{"timeline", "KA_VIEWS"}, {"report", "KA_VIEWS"}, {"probe", "KA_PROBE"}};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char want[64];
		run(&r, &d, parts[i].cmd, "--help", NULL);
		if (part_built(parts[i].var)) {
			snprintf(want, sizeof(want), "Usage: kassign %s", parts[i].cmd);
			expect_status(&r, 0);
			EXPECT_OUT(&r, want);
		} else {
			snprintf(want, sizeof(want), "configure with -D%s=ON", parts[i].var);
			expect_status(&r, 2);
			EXPECT_ERR(&r, "is not built into this kassign");
			EXPECT_ERR(&r, want);
		}
	}
	run_free(&r);
	tmp_close(&d);
}

static void test_usage_errors(void)
{
	tmpdir d;
	cli_run r = {0};
	char s[1024];
	tmp_open(&d);
	tmp_file(&d, "s.json", s, sizeof(s));
	run(&r, &d, "gen", "G-seed", "-o", s, NULL);
	expect_status(&r, 0);

	run(&r, &d, NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "Usage");
	run(&r, &d, "frobnicate", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "unknown command 'frobnicate'");
	run(&r, &d, "--frobnicate", NULL);
	expect_status(&r, 2);

	run(&r, &d, "assign", "--bogus", "--strategy", "range", s, NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "unknown option '--bogus'");
	run(&r, &d, "sweep", "-x", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "'-x'");
	run(&r, &d, "gen", "G-seed", "--frob=1", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "'--frob'");
	run(&r, &d, "assign", s, "--strategy", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "needs an argument");
	run(&r, &d, "assign", s, NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "--strategy is required");
	run(&r, &d, "assign", "--strategy", "range", NULL);
	expect_status(&r, 2);
	run(&r, &d, "check", s, NULL);
	expect_status(&r, 2);
	run(&r, &d, "list", "extra", NULL);
	expect_status(&r, 2);

	/* Unknown names list the known ones, from the one table. */
	run(&r, &d, "assign", "--strategy", "nope", s, NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "unknown strategy 'nope'");
	for (size_t i = 0; i < ka_strategy_count(); i++)
		EXPECT_ERR(&r, ka_strategy_at(i)->name);
	run(&r, &d, "check", "--strategy", "nope", s, s, NULL);
	expect_status(&r, 2);
	run(&r, &d, "sweep", "--strategy", "nope", NULL);
	expect_status(&r, 2);
	run(&r, &d, "gen", "G-2k", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "unknown grid 'G-2k'");
	EXPECT_ERR(&r, "G-seed");
	run(&r, &d, "sweep", "--grid", "G-2k", NULL);
	expect_status(&r, 2);

	/* Bad values. */
	run(&r, &d, "gen", "G-seed", "--subs", "mixed", NULL);
	expect_status(&r, 2);
	run(&r, &d, "gen", "G-seed", "--variant", "churn", NULL);
	expect_status(&r, 2);
	run(&r, &d, "gen", "G-seed", "--seed", "-1", NULL);
	expect_status(&r, 2);
	run(&r, &d, "gen", "G-seed", "--seed", "12x", NULL);
	expect_status(&r, 2);
	run(&r, &d, "gen", "G-seed", "--variant", "churn-remove", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "churn variants need a strategy");
	run(&r, &d, "gen", "G-seed", "--racks", "3", NULL);
	expect_status(&r, 2);
	run(&r, &d, "gen", "G-seed", "--variant", "racks", "--racks", "0", NULL);
	expect_status(&r, 2);
	run(&r, &d, "gen", "G-seed", "--variant", "racks", "--rack-layout", "skewed", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "--rack-layout: unknown layout 'skewed'");
	run(&r, &d, "gen", "G-seed", "--rack-layout", "memberless-rack", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "apply to --variant racks only");
	run(&r, &d, "gen", "G-seed", "--variant", "racks", "--racks", "1", "--rack-layout",
	    "memberless-rack", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "memberless-rack needs at least 2 racks");
	run(&r, &d, "gen", "G-seed", "G-storm", NULL);
	expect_status(&r, 2);
	run(&r, &d, "sweep", "--repetitions", "0", NULL);
	expect_status(&r, 2);
	run(&r, &d, "assign", "--strategy", "range", "--repeat", "zero", s, NULL);
	expect_status(&r, 2);
	run_free(&r);
	tmp_close(&d);
}

static void test_list(void)
{
	tmpdir d;
	cli_run r = {0};
	tmp_open(&d);
	run(&r, &d, "list", NULL);
	expect_status(&r, 0);
	for (size_t i = 0; i < ka_strategy_count(); i++) {
		EXPECT_OUT(&r, ka_strategy_at(i)->name);
		EXPECT_OUT(&r, ka_strategy_at(i)->kafka_name);
	}
	for (size_t i = 0; i < kd_grid_count(); i++)
		EXPECT_OUT(&r, kd_grid_at(i)->name);
	run_free(&r);
	tmp_close(&d);
}

/* ------------------------------------------------------------------ pipeline */

static void pipeline(const tmpdir *d, cli_run *r, const ka_strategy *s, const char *grid, int subs,
		     int variant)
{
	char sp[1024], ap[1024];
	tmp_file(d, "p.json", sp, sizeof(sp));
	tmp_file(d, "p.out.json", ap, sizeof(ap));
	run(r, d, "gen", grid, "--subs", kd_subs_name(subs), "--variant", kd_variant_name(variant),
	    "--strategy", s->name, "--seed", "3", "-o", sp, NULL);
	expect_status(r, 0);
	CU_ASSERT_STRING_EQUAL(r->out, "");
	run(r, d, "assign", "--strategy", s->name, "-o", ap, sp, NULL);
	expect_status(r, 0);
	CU_ASSERT_STRING_EQUAL(r->out, "");
	run(r, d, "check", "--strategy", s->name, sp, ap, NULL);
	expect_status(r, 0);
	EXPECT_OUT(r, "valid                yes");
	EXPECT_OUT(r, "balanced");
	run(r, d, "check", "--json", "--strategy", s->name, sp, ap, NULL);
	expect_status(r, 0);
	EXPECT_OUT(r, "\"valid\": true");
}

static void test_pipeline_every_strategy(void)
{
	tmpdir d;
	cli_run r = {0};
	tmp_open(&d);
	static const char *const grids[] = {"G-seed", "G-storm"};
	for (size_t i = 0; i < ka_strategy_count(); i++)
		for (size_t g = 0; g < 2; g++)
			for (int subs = 0; subs < 2; subs++)
				for (int v = 0; v < 4; v++)
					pipeline(&d, &r, ka_strategy_at(i), grids[g], subs, v);
	run_free(&r);
	tmp_close(&d);
}

static void test_outputs_agree(void)
{
	tmpdir d;
	cli_run r = {0};
	char sp[1024], ap[1024];
	tmp_open(&d);
	tmp_file(&d, "s.json", sp, sizeof(sp));
	tmp_file(&d, "a.json", ap, sizeof(ap));
	const char *st = ka_strategy_at(0)->name;

	/* gen: stdout and -o give the same bytes, and twice the same. */
	run(&r, &d, "gen", "G-storm", "--variant", "churn-add", "--strategy", st, "-o", sp, NULL);
	expect_status(&r, 0);
	char *file = read_file(sp);
	run(&r, &d, "gen", "G-storm", "--variant", "churn-add", "--strategy", st, NULL);
	expect_status(&r, 0);
	CU_ASSERT(r.out[0] != '\0');
	CU_ASSERT_STRING_EQUAL(r.out, file);
	free(file);

	/* assign: the same, and --repeat reports on stderr only. */
	run(&r, &d, "assign", "--strategy", st, "-o", ap, sp, NULL);
	expect_status(&r, 0);
	file = read_file(ap);
	run(&r, &d, "assign", "--strategy", st, sp, NULL);
	expect_status(&r, 0);
	CU_ASSERT_STRING_EQUAL(r.out, file);
	run(&r, &d, "assign", "--strategy", st, "--repeat", "3", sp, NULL);
	expect_status(&r, 0);
	CU_ASSERT_STRING_EQUAL(r.out, file);
	EXPECT_ERR(&r, "median");
	EXPECT_ERR(&r, "over 3 runs");
	EXPECT_ERR(&r, "ns per partition");
	free(file);
	run_free(&r);
	tmp_close(&d);
}

/* ------------------------------------------------------------------ tampering */

static const char tamper_scenario[] =
    "{\"name\": \"tamper\",\n"
    " \"topics\": [{\"name\": \"a\", \"partitions\": 3}, {\"name\": \"b\", \"partitions\": "
    "2}],\n"
    " \"members\": [{\"member_id\": \"c1\", \"topics\": [\"a\"]},\n"
    "             {\"member_id\": \"c2\", \"topics\": [\"a\", \"b\"]}]}\n";

/* Writes an assignment document with the given "assignment" object and
 * runs check on it. */
static void check_assignment(const tmpdir *d, cli_run *r, const char *assignment, int json)
{
	char sp[1024], ap[1024], doc[2048];
	tmp_file(d, "t.json", sp, sizeof(sp));
	tmp_file(d, "t.out.json", ap, sizeof(ap));
	write_file(sp, tamper_scenario);
	snprintf(doc, sizeof(doc),
		 "{\"scenario\": \"tamper\", \"strategy\": \"range\", \"assignment\": %s}\n",
		 assignment);
	write_file(ap, doc);
	if (json)
		run(r, d, "check", "--json", sp, ap, NULL);
	else
		run(r, d, "check", sp, ap, NULL);
}

static void test_tampered(void)
{
	tmpdir d;
	cli_run r = {0};
	tmp_open(&d);

	check_assignment(&d, &r, "{\"c1\": {\"a\": [0, 1]}, \"c2\": {\"a\": [2], \"b\": [0, 1]}}",
			 0);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "valid                yes");

	/* partition given twice: the document's own rule */
	check_assignment(&d, &r,
			 "{\"c1\": {\"a\": [0, 1]}, \"c2\": {\"a\": [1, 2], \"b\": [0, 1]}}", 0);
	expect_status(&r, 1);
	EXPECT_ERR(&r, "already given to c1");
	EXPECT_OUT(&r, "valid                no");

	/* unsubscribed topic */
	check_assignment(
	    &d, &r, "{\"c1\": {\"a\": [0, 1], \"b\": [0]}, \"c2\": {\"a\": [2], \"b\": [1]}}", 0);
	expect_status(&r, 1);
	EXPECT_OUT(&r, "unsubscribed: partition b-0 is owned by c1");

	/* missing member (whose partitions are then unassigned) */
	check_assignment(&d, &r, "{\"c1\": {\"a\": [0, 1, 2]}}", 0);
	expect_status(&r, 1);
	EXPECT_ERR(&r, "missing");
	EXPECT_OUT(&r, "unassigned: partition b-0");

	/* a partition nobody got */
	check_assignment(&d, &r, "{\"c1\": {\"a\": [0]}, \"c2\": {\"a\": [2], \"b\": [0, 1]}}", 0);
	expect_status(&r, 1);
	EXPECT_OUT(&r, "unassigned: partition a-1");

	/* unknown member, partition out of range */
	check_assignment(
	    &d, &r, "{\"c1\": {\"a\": [0, 1]}, \"c2\": {\"a\": [2], \"b\": [0, 1]}, \"c9\": {}}",
	    0);
	expect_status(&r, 1);
	check_assignment(&d, &r,
			 "{\"c1\": {\"a\": [0, 1]}, \"c2\": {\"a\": [2, 7], \"b\": [0, 1]}}", 0);
	expect_status(&r, 1);

	/* the machine-readable verdict */
	check_assignment(&d, &r, "{\"c1\": {\"a\": [0]}, \"c2\": {\"a\": [2], \"b\": [0, 1]}}", 1);
	expect_status(&r, 1);
	EXPECT_OUT(&r, "\"valid\": false");
	EXPECT_OUT(&r, "\"rule\": \"unassigned\"");
	run_free(&r);
	tmp_close(&d);
}

static void test_bad_input(void)
{
	tmpdir d;
	cli_run r = {0};
	char good[1024], bad[1024], notdoc[1024], missing[1024];
	tmp_open(&d);
	tmp_file(&d, "good.json", good, sizeof(good));
	tmp_file(&d, "bad.json", bad, sizeof(bad));
	tmp_file(&d, "notdoc.json", notdoc, sizeof(notdoc));
	tmp_file(&d, "missing.json", missing, sizeof(missing));
	write_file(good, tamper_scenario);
	write_file(bad, "{\"topics\": [\n");
	write_file(notdoc, "[1, 2, 3]\n");

	run(&r, &d, "assign", "--strategy", "range", bad, NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "bad.json");
	run(&r, &d, "assign", "--strategy", "range", missing, NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "missing.json");
	run(&r, &d, "check", bad, good, NULL);
	expect_status(&r, 2);
	run(&r, &d, "check", good, notdoc, NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "notdoc.json");
	run(&r, &d, "check", good, missing, NULL);
	expect_status(&r, 2);

	/* -o is all or nothing: a failed run leaves no file behind. */
	char out[1024];
	tmp_file(&d, "never.json", out, sizeof(out));
	run(&r, &d, "assign", "--strategy", "range", "-o", out, bad, NULL);
	expect_status(&r, 2);
	CU_ASSERT_EQUAL(access(out, F_OK), -1);
	run_free(&r);
	tmp_close(&d);
}

/* ------------------------------------------------------------------ sweep */

static size_t count_lines_with(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[1024];
		snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1),
			 line);
		n += strstr(buf, needle) != NULL;
		line += len + (end != NULL);
	}
	return n;
}

static void test_sweep(void)
{
	tmpdir d;
	cli_run r = {0};
	tmp_open(&d);
	const char *st = ka_strategy_at(0)->name;
	run(&r, &d, "sweep", "--grid", "G-seed", "--strategy", st, "--repetitions", "2", "--format",
	    "table", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "median_ms");
	EXPECT_ERR(&r, "sweep: 10 points");
	CU_ASSERT_EQUAL(count_lines_with(r.out, " G-seed "), 10); /* 2 subs x 5 variants */
	CU_ASSERT_EQUAL(count_lines_with(r.out, "error"), 0);

	run(&r, &d, "sweep", "--grid", "G-storm", "--subs", "heterogeneous", "--variant", "racks",
	    "-n", "1", "--format", "table", NULL);
	expect_status(&r, 0);
	CU_ASSERT_EQUAL(count_lines_with(r.out, " G-storm "), ka_strategy_count());

	/* The racks variant's layout options name the variant for what differs
	 * from the default, and need the racks variant. */
	run(&r, &d, "sweep", "--grid", "G-seed", "--strategy", st, "--subs", "homogeneous",
	    "--replication", "1", "--rack-layout", "skewed-members", "-n", "1", "--format", "table",
	    NULL);
	expect_status(&r, 0);
	CU_ASSERT_EQUAL(count_lines_with(r.out, " G-seed "), 4);
	CU_ASSERT_EQUAL(count_lines_with(r.out, " racks-skewed-members-rf1 "), 1);
	EXPECT_OUT(&r, "local%");
	CU_ASSERT_EQUAL(count_lines_with(r.out, " - "), 3); /* no racks: fresh, churns */
	run(&r, &d, "sweep", "--grid", "G-seed", "--variant", "racks", "--racks", "3",
	    "--replication", "3", "-n", "1", "--format", "table", NULL);
	expect_status(&r, 0);
	CU_ASSERT_EQUAL(count_lines_with(r.out, " racks "), 2 * ka_strategy_count());
	run(&r, &d, "sweep", "--variant", "fresh", "--replication", "1", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "apply to the racks variant, which --variant leaves out");
	run(&r, &d, "sweep", "--variant", "racks", "--replication", "0", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "--replication: '0' is not a count");
	CU_ASSERT_STRING_EQUAL(r.out, "");

	/* Custom grids (scaling series) run after the named ones. */
	run(&r, &d, "sweep", "--grid", "40x3x20", "--grid", "G-seed", "--strategy", st, "--subs",
	    "homogeneous", "--variant", "fresh", "-n", "1", "--format", "table", NULL);
	expect_status(&r, 0);
	CU_ASSERT_EQUAL(count_lines_with(r.out, " 40x3x20 "), 1);
	CU_ASSERT_EQUAL(count_lines_with(r.out, " G-seed "), 1);
	CU_ASSERT_EQUAL(count_lines_with(r.out, "  60  "), 1); /* 3 x 20 partitions */
	run(&r, &d, "sweep", "--grid", "40x0x20", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "MxTxP");
	CU_ASSERT_STRING_EQUAL(r.out, "");
	run_free(&r);
	tmp_close(&d);
}

/* ------------------------------------------------------------------ simulate */

/* A preset run writes a run file with every section, the table on stdout;
 * bad plans and options exit 2 with a message naming the place and leave
 * no file. */
static void test_simulate(void)
{
	tmpdir d;
	cli_run r = {0};
	char out[1024], plan[1024];
	tmp_open(&d);
	tmp_file(&d, "run.json", out, sizeof(out));
	tmp_file(&d, "plan.json", plan, sizeof(plan));

	run(&r, &d, "simulate", "--preset", "rolling-10", "--assign-ms", "0", "-o", out, NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "rebalances           0");
	char *text = read_file(out);
	static const char *const keys[] = {
	    "\"kassign_run\": 1", "\"plan\":",      "\"members\":", "\"events\":",
	    "\"rebalances\":",    "\"ownership\":", "\"lag\":",     "\"summary\":"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		CU_ASSERT_PTR_NOT_NULL(strstr(text, keys[i]));
	free(text);

	char png[1024];
	tmp_file(&d, "storm.svg", png, sizeof(png));
	run(&r, &d, "simulate", "--preset", "crash", "--timeline", png, "--format", "table", NULL);
	if (views_built()) {
		expect_status(&r, 0);
		text = read_file(png);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "<svg"));
		free(text);
		unlink(png);
	} else {
		/* Built without the viewers: --timeline is refused, nothing written. */
		expect_status(&r, 2);
		EXPECT_ERR(&r, "built without the viewers");
		CU_ASSERT_EQUAL(access(png, F_OK), -1);
	}
	run(&r, &d, "simulate", "--preset", "crash", "--timeline", "x.gif", NULL);
	expect_status(&r, 2);

	run(&r, &d, "simulate", "--list-presets", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "storm-coop-static");

	static const struct {
		const char *plan, *needle;
	} bad[] = {
	    {"{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t\", \"partitions\": 2}]}, "
	     "\"config\": {\"session.timeout.ms\": 10000, \"heartbeat.interval.ms\": 10000}}",
	     "plan.json: error: config.heartbeat.interval.ms: 10000 must be below"},
	    {"{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t\", \"partitions\": 2}]}, "
	     "\"events\": [{\"at_ms\": 5, \"type\": \"rolling-restart\", \"count\": 3}]}",
	     "3 restarts but 2 members"},
	    {"{\"group\": {\"members\": 2, \"topics\": [{\"name\": \"t\", \"partitions\": 2}]}, "
	     "\"model\": {\"capacity\": -1}}",
	     "plan.json: error: model.capacity: -1 is out of range"},
	    {"{\"group\": {\"members\": 2, \"topics\": []}", "invalid JSON"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(plan, bad[i].plan);
		unlink(out);
		run(&r, &d, "simulate", plan, "-o", out, NULL);
		expect_status(&r, 2);
		EXPECT_ERR(&r, bad[i].needle);
		CU_ASSERT_EQUAL(access(out, F_OK), -1);
	}
	run(&r, &d, "simulate", "--preset", "nope", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "unknown preset 'nope'");
	run(&r, &d, "simulate", "--preset", "storm", "--partitions", "x", NULL);
	expect_status(&r, 2);
	run(&r, &d, "simulate", "--preset", "storm", "--protocol", "cooperative", "--strategy",
	    "range", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "does not support the cooperative protocol");
	run_free(&r);
	tmp_close(&d);
}

/* size: the table names every alternative and marks one; --json is a
 * document; loads the members cannot carry and bad numbers exit 2. */
static void test_size(void)
{
	tmpdir d;
	cli_run r = {0};
	tmp_open(&d);
	/* 100 messages/s per partition, 350 usable per member: 3 partitions
	 * each at most, so ceil(20 / 3) = 7 members (6 would leave two members
	 * with 4 partitions, 400 messages/s). */
	run(&r, &d, "size", "--partitions", "20", "--rate", "2000", "--capacity", "500", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "-> 7 members");
	EXPECT_OUT(&r, "eager/range dynamic 45s");
	EXPECT_OUT(&r, "cooperative/cooperative-sticky static 10s");
	EXPECT_OUT(&r, "recommended: 7 members");
	EXPECT_OUT(&r, "the smallest count whose busiest member (ceil(20 / 7) = 3 partitions");
	EXPECT_OUT(&r, "6 would leave one with 4, 400 messages/s");
	EXPECT_OUT(&r, "max.poll.records 500");
	EXPECT_OUT(&r, "takes ");
	CU_ASSERT_EQUAL(count_lines_with(r.out, "* "), 1);
	/* 100 messages/s per partition against 105 usable: one partition per
	 * member, 200 members (191 = ceil(20000 / 105) would leave nine
	 * members with two partitions, 200 messages/s against 150). */
	run(&r, &d, "size", "--partitions", "200", "--rate", "20000", "--capacity", "150", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "-> 200 members (smallest safe: 200)");
	EXPECT_OUT(&r, "199 would leave one with 2, 200 messages/s");
	EXPECT_OUT(&r, "warning: while one member is down");
	/* One member would do: two, so that a crash leaves one (one partition:
	 * one member, a second would stay idle). */
	run(&r, &d, "size", "--partitions", "8", "--rate", "10", "--capacity", "500", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "-> 2 members");
	EXPECT_OUT(&r, "so that a crash leaves a member");
	run(&r, &d, "size", "--partitions", "1", "--rate", "10", "--capacity", "500", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "-> 1 members");
	/* Headroom that one partition alone breaks: warned, one per partition. */
	run(&r, &d, "size", "--partitions", "4", "--rate", "480", "--capacity", "150", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "-> 4 members");
	EXPECT_OUT(&r, "warning: headroom 0.3 cannot be kept");
	/* --members below the safe count: shown, never recommended. */
	run(&r, &d, "size", "--partitions", "20", "--rate", "2000", "--capacity", "500",
	    "--members", "5", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "recommended: none of these");
	EXPECT_OUT(&r, "the smallest safe count is 7");
	CU_ASSERT_EQUAL(count_lines_with(r.out, "* "), 0);
	run(&r, &d, "size", "--partitions", "20", "--rate", "2000", "--capacity", "500", "--json",
	    NULL);
	expect_status(&r, 0);
	json_error_t e;
	json_t *doc = json_loads(r.out, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(doc, "members")), 7);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(doc, "smallest_safe_members")), 7);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(doc, "alternatives")), 8);
	CU_ASSERT(json_array_size(json_object_get(doc, "reasons")) >= 4);
	json_t *rec = json_object_get(doc, "recommendation");
	CU_ASSERT(json_is_object(rec));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(rec, "max_poll_records")), 500);
	CU_ASSERT(json_number_value(json_object_get(rec, "deploy_ms")) > 0);
	json_decref(doc);
	char scen[1024];
	snprintf(scen, sizeof(scen), "%s/tests/data/good/seed-exercise-1.json",
		 getenv("KA_SOURCE_DIR") ? getenv("KA_SOURCE_DIR") : ".");
	run(&r, &d, "size", "--scenario", scen, "--rate", "100", "--capacity", "500", NULL);
	expect_status(&r, 0);
	EXPECT_OUT(&r, "(the scenario's)");
	/* A scenario's warnings are said once, not once per simulated run
	 * (24 of them): the file is read once. */
	char warn[1024];
	write_file(tmp_file(&d, "warn.json", warn, sizeof(warn)),
		   "{\"topics\": [{\"name\": \"t0\", \"partitions\": 4}], \"members\": ["
		   "{\"member_id\": \"a\", \"topics\": [\"t0\", \"gone\"]},"
		   "{\"member_id\": \"b\", \"topics\": [\"t0\"]}]}");
	run(&r, &d, "size", "--scenario", warn, "--rate", "100", "--capacity", "500", NULL);
	expect_status(&r, 0);
	EXPECT_ERR(&r, "gone");
	CU_ASSERT_EQUAL(count_lines_with(r.err, "gone"), 1);
	/* 500 messages/s per partition against a capacity of 100: impossible. */
	run(&r, &d, "size", "--partitions", "4", "--rate", "2000", "--capacity", "100", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "no member count keeps up");
	CU_ASSERT_STRING_EQUAL(r.out, "");
	run(&r, &d, "size", "--partitions", "20", "--rate", "2000", "--capacity", "500",
	    "--members", "3", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "the smallest safe count is 7");
	CU_ASSERT_STRING_EQUAL(r.out, "");
	run(&r, &d, "size", "--partitions", "4", "--rate", "-3", "--capacity", "100", NULL);
	expect_status(&r, 2);
	EXPECT_ERR(&r, "--rate");
	run(&r, &d, "size", "--rate", "3", "--capacity", "100", NULL);
	expect_status(&r, 2);
	run_free(&r);
	tmp_close(&d);
}

/* ------------------------------------------------------------------ registration */

static const kt_test usage_tests[] = {
    {"help and version", test_help},
    {"usage errors exit 2, stdout empty", test_usage_errors},
    {"list", test_list},
    {NULL, NULL},
};
static const kt_test pipeline_tests[] = {
    {"gen, assign, check for every strategy", test_pipeline_every_strategy},
    {"stdout and -o agree", test_outputs_agree},
    {NULL, NULL},
};
static const kt_test tamper_tests[] = {
    {"tampered assignments fail check", test_tampered},
    {"bad input exits 2", test_bad_input},
    {NULL, NULL},
};
static const kt_test sweep_tests[] = {
    {"sweep rows", test_sweep},
    {NULL, NULL},
};

static const kt_test simulate_tests[] = {
    {"simulate presets, files and bad plans", test_simulate},
    {"size alternatives and bad input", test_size},
    {NULL, NULL},
};

static const kt_suite suites[] = {
    {"usage", usage_tests},   {"simulate", simulate_tests}, {"pipeline", pipeline_tests},
    {"tamper", tamper_tests}, {"sweep", sweep_tests},       {NULL, NULL},
};

KT_MAIN(suites)
