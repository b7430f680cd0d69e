/*
 * counts.c - instruction and cache counts of one assign call under
 * Valgrind's callgrind, for `kassign sweep --measure counts` and
 * `KASSIGN_MEASURE=counts kassign-bench` (the scheme is at the top of
 * measure.h).
 *
 * Determinism is the point of counts, so everything that could vary
 * between two runs of the same build is pinned: the child's environment is
 * two fixed variables, the simulated caches have a fixed geometry, the
 * grandchild moves its stack to the same offset in a 2 MiB window whatever
 * the length of the paths and arguments above it, and the child, between
 * forks, reads files with read(2) into static memory so that every
 * grandchild inherits the same heap. Instruction counts do not depend on
 * addresses; the cache figures do, hence the care.
 */
#include "harness/measure.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

/* Exit codes of a grandchild; an assign error is KH_GC_ASSIGN + its code. */
enum { KH_GC_OK = 0, KH_GC_GENERATE = 3, KH_GC_MEMORY = 4, KH_GC_ASSIGN = 16 };

#define KH_STACK_WINDOW ((uintptr_t)2 << 20)

uint64_t kh_counts_l1_misses(const kh_counts *c)
{
	return c->i1mr + c->d1mr + c->d1mw;
}

uint64_t kh_counts_ll_misses(const kh_counts *c)
{
	return c->ilmr + c->dlmr + c->dlmw;
}

uint64_t kh_counts_cycles(const kh_counts *c)
{
	return c->ir + 10 * kh_counts_l1_misses(c) + 100 * kh_counts_ll_misses(c);
}

/* ------------------------------------------------------------------ parent */

/* The first line `cmd` prints, or -1. */
static int first_line(char *const argv[], char *buf, size_t len)
{
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	const pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		const int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	size_t n = 0;
	ssize_t k;
	while (n + 1 < len && (k = read(fd[0], buf + n, len - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	close(fd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	buf[strcspn(buf, "\n")] = '\0';
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && buf[0] ? 0 : -1;
}

int kh_counts_find_valgrind(char *path, size_t len, char *version, size_t vlen, char *err,
			    size_t errlen)
{
	const char *given = getenv("KASSIGN_VALGRIND");
	path[0] = '\0';
	if (given && *given) {
		snprintf(path, len, "%s", given);
	} else {
		const char *p = getenv("PATH");
		if (!p || !*p)
			p = "/usr/bin:/bin";
		while (*p) {
			const size_t n = strcspn(p, ":");
			char cand[1024];
			snprintf(cand, sizeof(cand), "%.*s/valgrind", (int)n, n ? p : ".");
			if (access(cand, X_OK) == 0) {
				snprintf(path, len, "%s", cand);
				break;
			}
			p += n + (p[n] == ':');
		}
	}
	if (!path[0] || access(path, X_OK) != 0) {
		snprintf(err, errlen,
			 "--measure counts needs valgrind, which was not found (%s; Debian "
			 "package valgrind, installed by scripts/deps.sh)",
			 given && *given ? "KASSIGN_VALGRIND is not an executable" : "not in PATH");
		return -1;
	}
	char flag[] = "--version";
	char *argv[] = {path, flag, NULL};
	if (first_line(argv, version, vlen) < 0) {
		snprintf(err, errlen, "--measure counts: '%s --version' failed", path);
		return -1;
	}
	return 0;
}

int kh_counts_tmpdir(char *dir, size_t len, char *err, size_t errlen)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(dir, len, "%s/kassign-counts.XXXXXX", base);
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "cannot make a directory in %s: %s", base, strerror(errno));
		return -1;
	}
	return 0;
}

void kh_counts_stderr(const char *dir, FILE *to)
{
	static const char *const noise[] = {"L3 cache found", "specified LL cache",
					    "simulated LL cache"};
	char path[1200], line[1024];
	snprintf(path, sizeof(path), "%s/stderr", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int skip = 0;
		for (size_t i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
			skip |= strstr(line, noise[i]) != NULL;
		if (!skip)
			fputs(line, to);
	}
	fclose(f);
}

void kh_counts_rmdir(const char *dir)
{
	/* Only callgrind's files (cg.<pid>) and the child's stderr are in it. */
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strncmp(e->d_name, "cg.", 3) != 0 && strcmp(e->d_name, "stderr") != 0)
				continue;
			char path[1200];
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

static volatile sig_atomic_t counts_signal;
static const int counts_sigs[3] = {SIGINT, SIGTERM, SIGHUP};

static void on_counts_signal(int sig)
{
	counts_signal = sig;
}

void kh_counts_catch(kh_counts_signals *s)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_counts_signal; /* no SA_RESTART: the parent's read returns */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 3; i++)
		sigaction(counts_sigs[i], &sa, &s->old[i]);
}

int kh_counts_signalled(void)
{
	return counts_signal != 0;
}

void kh_counts_release(kh_counts_signals *s, const char *tmp)
{
	for (size_t i = 0; i < 3; i++)
		sigaction(counts_sigs[i], &s->old[i], NULL);
	const int sig = counts_signal;
	if (!sig)
		return;
	if (tmp)
		unlink(tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

int kh_counts_end(pid_t pid, const char *dir, kh_counts_signals *s, const char *tmp)
{
	int st = 0;
	if (counts_signal)
		kill(pid, SIGTERM);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!counts_signal)
		kh_counts_stderr(dir, stderr);
	kh_counts_rmdir(dir);
	kh_counts_release(s, tmp);
	return st;
}

pid_t kh_counts_spawn(const char *valgrind, const char *dir, const char *exe, char *const args[],
		      int *out_fd, char *err, size_t errlen)
{
	static const char *const opts[] = {
	    "--tool=callgrind",   "-q",
	    "--instr-atstart=no", "--collect-atstart=no",
	    "--cache-sim=yes",    "--I1=" KH_COUNTS_I1,
	    "--D1=" KH_COUNTS_D1, "--LL=" KH_COUNTS_LL,
	    "--dump-instr=no",
	};
	const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
	size_t n_args = 0;
	while (args[n_args])
		n_args++;
	char outfile[1200], envdir[1200];
	snprintf(outfile, sizeof(outfile), "--callgrind-out-file=%s/cg.%%p", dir);
	snprintf(envdir, sizeof(envdir), "KASSIGN_COUNTS_DIR=%s", dir);
	char **argv = calloc(n_opts + n_args + 4, sizeof(*argv));
	if (!argv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t k = 0;
	argv[k++] = (char *)valgrind;
	for (size_t i = 0; i < n_opts; i++)
		argv[k++] = (char *)opts[i];
	argv[k++] = outfile;
	argv[k++] = (char *)exe;
	for (size_t i = 0; i < n_args; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	char lc[] = "LC_ALL=C";
	char *envp[] = {envdir, lc, NULL};

	int fd[2];
	if (pipe(fd) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(argv);
		return -1;
	}
	fflush(NULL);
	const pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		free(argv);
		return -1;
	}
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		/* valgrind warns about the machine's caches even with -q, though
		 * they are not used; its stderr is kept and shown by
		 * kh_counts_stderr, less those lines. */
		char errpath[1200];
		snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
		const int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (efd >= 0) {
			dup2(efd, STDERR_FILENO);
			close(efd);
		}
		execve(valgrind, argv, envp);
		fprintf(stderr, "kassign: cannot run %s: %s\n", valgrind, strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	free(argv);
	*out_fd = fd[0];
	return pid;
}

/* ------------------------------------------------------------------ child */

const char *kh_counts_child_dir(void)
{
	const char *d = getenv("KASSIGN_COUNTS_DIR");
	return d && *d && RUNNING_ON_VALGRIND ? d : NULL;
}

/* The measured region. noinline and separate so that the frame it runs in
 * is the one the caller placed. */
static __attribute__((noinline)) int measure(const ka_strategy *s, const ka_group *g, void *ws,
					     size_t ws_size, uint32_t *owner)
{
	CALLGRIND_START_INSTRUMENTATION;
	/* Warm-up: simulated (the caches fill), not collected. */
	int rc = ka_assign(s, g, ws, ws_size, owner);
	if (rc < 0)
		return rc;
	CALLGRIND_TOGGLE_COLLECT;
	rc = ka_assign(s, g, ws, ws_size, owner);
	CALLGRIND_TOGGLE_COLLECT;
	return rc;
}

/* Runs measure() with the stack pointer at a fixed offset in a 2 MiB
 * window: what lies above (environment, paths, arguments) moves it. */
static __attribute__((noinline)) int measure_aligned(const ka_strategy *s, const ka_group *g,
						     void *ws, size_t ws_size, uint32_t *owner)
{
	const uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	const size_t pad = (size_t)(sp & (KH_STACK_WINDOW - 1)) + 4096;
	volatile char *p = __builtin_alloca(pad);
	p[0] = 0;
	return measure(s, g, ws, ws_size, owner);
}

static __attribute__((noreturn)) void grandchild(const kd_gen_spec *spec, const ka_strategy *s)
{
	ka_group *g = NULL;
	char gerr[256];
	if (kd_generate(spec, &g, gerr, sizeof(gerr)) < 0)
		_exit(KH_GC_GENERATE);
	const size_t ws_size = ka_workspace_size(s, g);
	void *ws = aligned_alloc(64, (ws_size + 63) / 64 * 64 + 64);
	uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * sizeof(*owner));
	if (!ws || !owner)
		_exit(KH_GC_MEMORY);
	const int rc = measure_aligned(s, g, ws, ws_size, owner);
	/* callgrind writes its file when the process ends, _exit included;
	 * nothing of this process is buffered. */
	_exit(rc < 0 ? KH_GC_ASSIGN + (-rc & 0x3f) : KH_GC_OK);
}

pid_t kh_counts_start(const kd_gen_spec *spec, const ka_strategy *s)
{
	const pid_t pid = fork();
	if (pid == 0)
		grandchild(spec, s);
	return pid;
}

/* Parses "name: n n n ..." after "events:" gave the order. */
static int parse_counts(const char *events, const char *summary, kh_counts *out)
{
	static const char *const names[] = {"Ir",   "Dr",   "Dw",   "I1mr", "D1mr",
					    "D1mw", "ILmr", "DLmr", "DLmw"};
	uint64_t *slot[] = {&out->ir,   &out->dr,   &out->dw,   &out->i1mr, &out->d1mr,
			    &out->d1mw, &out->ilmr, &out->dlmr, &out->dlmw};
	int seen[9] = {0};
	memset(out, 0, sizeof(*out));
	const char *e = events, *v = summary;
	for (;;) {
		while (*e == ' ')
			e++;
		if (!*e || *e == '\n')
			break;
		const size_t n = strcspn(e, " \n");
		/* A value may be missing at the end: callgrind leaves trailing
		 * zeros out. */
		uint64_t val = 0;
		while (*v == ' ')
			v++;
		if (*v >= '0' && *v <= '9') {
			char *end;
			val = strtoull(v, &end, 10);
			v = end;
		}
		for (size_t i = 0; i < 9; i++)
			if (strlen(names[i]) == n && strncmp(names[i], e, n) == 0) {
				*slot[i] = val;
				seen[i] = 1;
			}
		e += n;
	}
	for (size_t i = 0; i < 9; i++)
		if (!seen[i])
			return -1;
	return 0;
}

int kh_counts_finish(const char *dir, pid_t pid, kh_counts *out, char *err, size_t errlen)
{
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	}
	char path[1200];
	snprintf(path, sizeof(path), "%s/cg.%ld", dir, (long)pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != KH_GC_OK) {
		unlink(path);
		if (WIFSIGNALED(st))
			snprintf(err, errlen, "counts: the measuring process died of signal %d",
				 WTERMSIG(st));
		else if (WEXITSTATUS(st) == KH_GC_GENERATE)
			snprintf(err, errlen, "counts: the group could not be generated");
		else if (WEXITSTATUS(st) == KH_GC_MEMORY)
			snprintf(err, errlen, "counts: out of memory");
		else if (WEXITSTATUS(st) >= KH_GC_ASSIGN)
			snprintf(err, errlen, "counts: assign: %s",
				 ka_strerror(-(WEXITSTATUS(st) - KH_GC_ASSIGN)));
		else
			snprintf(err, errlen, "counts: the measuring process exited with %d",
				 WEXITSTATUS(st));
		return -1;
	}
	/* The file is read in pieces into static memory: "events:" comes
	 * early, "summary:" near the end, each on a line of its own. */
	static char buf[1 << 16], line_events[512], line_summary[512];
	line_events[0] = line_summary[0] = '\0';
	const int fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(err, errlen, "counts: cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	size_t have = 0;
	int done = 0;
	while (!done) {
		const ssize_t k = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			done = 1;
		else
			have += (size_t)k;
		buf[have] = '\0';
		char *p = buf, *nl;
		while ((nl = strchr(p, '\n')) || (done && *p)) {
			if (nl)
				*nl = '\0';
			if (strncmp(p, "events:", 7) == 0)
				snprintf(line_events, sizeof(line_events), "%s", p + 7);
			else if (strncmp(p, "summary:", 8) == 0)
				snprintf(line_summary, sizeof(line_summary), "%s", p + 8);
			if (!nl)
				break;
			p = nl + 1;
		}
		if (done)
			break;
		/* Keep the unfinished line; a line longer than the buffer is not
		 * one of the two wanted and is dropped. */
		const size_t rest = have - (size_t)(p - buf);
		if (rest == sizeof(buf) - 1)
			have = 0;
		else {
			memmove(buf, p, rest);
			have = rest;
		}
	}
	close(fd);
	unlink(path);
	if (!line_events[0] || !line_summary[0] ||
	    parse_counts(line_events, line_summary, out) < 0) {
		snprintf(err, errlen, "counts: %s has no events and summary lines of callgrind",
			 path);
		return -1;
	}
	return 0;
}
