/*
 * bench_case.c - one benchmark point, built outside the timed region, and
 * the bench's counts mode (KASSIGN_MEASURE=counts): the program re-executed
 * under valgrind, each case counted once as the sweep counts a point
 * (harness/measure.h), the counts added to the case's counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_case.h"
#include "datasets/gen.h"
#include "harness/measure.h"

struct kb_case {
	kd_gen_spec spec;
	int has_counts;
	kh_counts counts;
	const ka_strategy *s;
	ka_group *g;
	void *ws;
	size_t ws_size;
	uint32_t *owner;
	int have_figures;
	kb_figure figures[KB_FIGURES_MAX];
	size_t n_figures;
};

kb_case *kb_case_new(const ka_strategy *s, const char *grid, int subs, int variant,
		     uint32_t replication, uint64_t seed, char *err, size_t errlen)
{
	kd_gen_spec spec = {kd_grid_find(grid), subs, variant, seed, s, 0, replication, 0};
	if (!spec.grid) {
		snprintf(err, errlen, "unknown grid '%s'", grid);
		return NULL;
	}
	kb_case *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->s = s;
	c->spec = spec;
	if (kd_generate(&spec, &c->g, err, errlen) != 0) {
		free(c);
		return NULL;
	}
	c->ws_size = ka_workspace_size(s, c->g);
	c->ws = aligned_alloc(64, (c->ws_size + 63) / 64 * 64 + 64);
	c->owner = malloc(((size_t)c->g->n_partitions + 1) * sizeof *c->owner);
	if (!c->ws || !c->owner) {
		snprintf(err, errlen, "out of memory");
		kb_case_free(c);
		return NULL;
	}
	return c;
}

int kb_case_run(kb_case *c)
{
	return ka_assign(c->s, c->g, c->ws, c->ws_size, c->owner);
}

uint32_t kb_case_partitions(const kb_case *c)
{
	return c->g->n_partitions;
}

static void put(kb_case *c, const char *name, double value)
{
	if (c->n_figures < KB_FIGURES_MAX)
		c->figures[c->n_figures++] = (kb_figure){name, value};
}

size_t kb_case_figures(kb_case *c, kb_figure *out)
{
	if (!c->have_figures) {
		const ka_group *g = c->g;
		size_t mws_size = ka_metrics_workspace_size(g);
		void *mws = malloc(mws_size ? mws_size : 1);
		ka_metrics m;
		if (!mws || ka_metrics_compute(g, c->owner, mws, mws_size, &m) != 0) {
			free(mws);
			return 0;
		}
		free(mws);
		int cooperative = (c->s->flags & KA_STRATEGY_COOPERATIVE) != 0;
		uint64_t violations = ka_assignment_validate(g, c->owner, cooperative, NULL, NULL);
		double parts = g->n_partitions;
		size_t bytes = c->ws_size + (size_t)g->n_partitions * sizeof *c->owner;

		c->n_figures = 0;
		put(c, "partitions", parts);
		put(c, "members", g->n_members);
		put(c, "bytes_per_partition", parts > 0 ? (double)bytes / parts : 0);
		put(c, "load_spread", (double)m.load_max - m.load_min);
		put(c, "balanced", m.balanced != 0);
		put(c, "moved", m.moved);
		put(c, "moved_min", m.moved_min);
		put(c, "moved_min_exact", m.moved_min_exact != 0);
		put(c, "moved_opt", m.moved_opt);
		put(c, "local", m.local);
		put(c, "rack_known", m.rack_known);
		put(c, "valid", violations == 0);
		ka_gap gap;
		if (ka_gap_compute(g, &m, &gap) == 0) {
			put(c, "gap_load_sq", (double)gap.load_sq);
			put(c, "gap_local", (double)gap.local);
			put(c, "gap_moved", (double)gap.moved);
		}
		if (c->has_counts) {
			const kh_counts *k = &c->counts;
			put(c, "instructions", (double)k->ir);
			put(c, "l1_misses", (double)kh_counts_l1_misses(k));
			put(c, "ll_misses", (double)kh_counts_ll_misses(k));
			put(c, "estimated_cycles", (double)kh_counts_cycles(k));
			put(c, "data_reads", (double)k->dr);
			put(c, "data_writes", (double)k->dw);
		}
		c->have_figures = 1;
	}
	memcpy(out, c->figures, c->n_figures * sizeof *out);
	return c->n_figures;
}

void kb_case_free(kb_case *c)
{
	if (!c)
		return;
	ka_group_free(c->g);
	free(c->ws);
	free(c->owner);
	free(c);
}

uint64_t kb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------ counts */

static char kb_valgrind_version[128];

int kb_counts_child(void)
{
	return kh_counts_child_dir() != NULL;
}

int kb_case_count(kb_case *c, char *err, size_t errlen)
{
	const char *dir = kh_counts_child_dir();
	if (!dir) {
		snprintf(err, errlen, "not a counts child");
		return -1;
	}
	const pid_t pid = kh_counts_start(&c->spec, c->s);
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (kh_counts_finish(dir, pid, &c->counts, err, errlen) < 0)
		return -1;
	c->has_counts = 1;
	c->have_figures = 0; /* recomputed with the counts */
	return 0;
}

int kb_counts_front(int argc, char **argv)
{
	const char *m = getenv("KASSIGN_MEASURE");
	if (kb_counts_child()) {
		/* The child's environment is fixed: its version comes from the
		 * parent through the one argument it adds. */
		for (int i = 1; i < argc; i++)
			if (strncmp(argv[i], "--kassign_valgrind=", 19) == 0)
				snprintf(kb_valgrind_version, sizeof kb_valgrind_version, "%s",
					 argv[i] + 19);
		return -1;
	}
	if (!m || strcmp(m, "time") == 0 || !*m)
		return -1;
	if (strcmp(m, "counts") != 0) {
		fprintf(stderr,
			"kassign-bench: KASSIGN_MEASURE: unknown measure '%s' (time, counts)\n", m);
		return 2;
	}
	char valgrind[1024], version[128], err[512], dir[1024], exe[1024];
	if (kh_counts_find_valgrind(valgrind, sizeof valgrind, version, sizeof version, err,
				    sizeof err) < 0) {
		fprintf(stderr, "kassign-bench: %s\n", err);
		return 2;
	}
	const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	kh_counts_signals sig;
	kh_counts_catch(&sig); /* before the folder exists */
	if (!exe[0] || kh_counts_tmpdir(dir, sizeof dir, err, sizeof err) < 0) {
		kh_counts_release(&sig, NULL);
		fprintf(stderr, "kassign-bench: %s\n", exe[0] ? err : "cannot read /proc/self/exe");
		return 2;
	}
	char vflag[200];
	snprintf(vflag, sizeof vflag, "--kassign_valgrind=%s", version);
	char **args = calloc((size_t)argc + 2, sizeof *args);
	if (!args) {
		fprintf(stderr, "kassign-bench: out of memory\n");
		kh_counts_rmdir(dir);
		kh_counts_release(&sig, NULL);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		args[i - 1] = argv[i];
	args[argc - 1] = vflag;
	int fd;
	const pid_t pid = kh_counts_spawn(valgrind, dir, exe, args, &fd, err, sizeof err);
	free(args);
	if (pid < 0) {
		fprintf(stderr, "kassign-bench: %s\n", err);
		kh_counts_rmdir(dir);
		kh_counts_release(&sig, NULL);
		return 2;
	}
	char buf[8192];
	ssize_t k;
	while (!kh_counts_signalled() && (k = read(fd, buf, sizeof buf)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		fwrite(buf, 1, (size_t)k, stdout);
		fflush(stdout);
	}
	close(fd);
	const int st = kh_counts_end(pid, dir, &sig, NULL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

/* ------------------------------------------------------------------ context */

static char kb_kernel[256];
static char kb_cpu_model[256];

static void read_kernel(void)
{
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(kb_kernel, sizeof kb_kernel, "%s %s", u.sysname, u.release);
	else
		snprintf(kb_kernel, sizeof kb_kernel, "unknown");
}

/* The first "model name" of /proc/cpuinfo, as the sweep records it. */
static void read_cpu_model(void)
{
	snprintf(kb_cpu_model, sizeof kb_cpu_model, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) != 0)
			continue;
		const char *v = strchr(line, ':');
		if (!v)
			break;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t n = strcspn(v, "\n");
		snprintf(kb_cpu_model, sizeof kb_cpu_model, "%.*s", (int)n, v);
		break;
	}
	fclose(f);
}

size_t kb_context(const kb_text **out)
{
	static kb_text table[] = {
	    {"format", "kassign-result"},
	    {"version", "1"},
	    {"tool", "kassign-bench"},
	    {"commit", ""},
	    {"compiler", ""},
	    {"flags", ""},
	    {"build_type", ""},
	    {"kernel", kb_kernel},
	    {"cpu_model", kb_cpu_model},
	    {"measure", "time"},
	    {"valgrind", kb_valgrind_version},
	    {"counts_caches", KH_COUNTS_CACHES},
	    {"estimated_cycles", KH_COUNTS_FORMULA},
	};
	if (!kb_kernel[0]) {
		read_kernel();
		read_cpu_model();
		table[3].value = kh_build_commit();
		table[4].value = kh_build_compiler();
		table[5].value = kh_build_flags();
		table[6].value = kh_build_type();
	}
	const int counts = kb_counts_child();
	table[9].value = counts ? "counts" : "time";
	*out = table;
	/* The counts entries only when counts are taken. */
	return sizeof table / sizeof table[0] - (counts ? 0 : 3);
}
