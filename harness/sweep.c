/*
 * sweep.c - `kassign sweep`: every chosen strategy over every chosen grid,
 * subscription mode and variant, measured on pinned threads and written as
 * Google Benchmark JSON (docs/results-format.md) or a table.
 *
 * Measuring and writing are kept apart: kh_point_round() measures one point
 * into a kh_point_result and knows nothing of formats; the kh_reporter
 * writers (report.c) turn results into the file, the table and the summary.
 *
 * The sweep makes `--rounds` passes over all the points; in each, a point
 * is generated in memory, its workspace and output array allocated once;
 * in the first pass calls are batched so one timed sample is long enough to
 * time (timing.c); then one warm-up call runs and the round's share of the
 * `--repetitions` samples is taken. The group is freed before the next
 * point: between rounds only the samples and figures of each point are
 * kept, and the writers get every point once the last round is over.
 * Quality comes from the output of the last call of the first round, and
 * every later round must give the same. With --threads N the
 * point is then measured again by N threads at once, each on its own PU,
 * each with its own copy of the group (generated on that thread, so its
 * memory is local), workspace and output; a barrier before every sample
 * makes the samples overlap, which is what shows contention. That too is
 * done in every round, for the round's share of the samples.
 *
 * Everything that can make the run impossible (names, cores, thread count,
 * the output path) is checked before the first point: exit 2 leaves
 * nothing behind.
 */
#include "harness/harness.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char sweep_usage[] =
    "Usage: kassign sweep [--grid NAME]... [--strategy NAME]... [--subs MODE]...\n"
    "                     [--variant VARIANT]... [--racks R] [--replication K]\n"
    "                     [--rack-layout L] [--all-grids] [--repetitions N]\n"
    "                     [--rounds R] [--seed N] [--cpus LIST] [--threads N]\n"
    "                     [--format json|table] [-o PATH] [--quiet]\n"
    "\n"
    "Times the assign call of every chosen strategy on every chosen grid point,\n"
    "on a pinned thread, and records speed and quality (balance, movement,\n"
    "locality, workspace, validity) per point. Each selection option may be\n"
    "repeated; with none, every strategy, every default grid (all but G-1M and\n"
    "the JMH grids), both subscription modes and all four variants are run.\n"
    "Churn variants start from the same strategy's assignment of the fresh group.\n"
    "\n"
    "  -g, --grid NAME        a grid (see 'kassign list'), MxTxP, or jmh-client /\n"
    "                         jmh-server: the 44 points of Kafka's JMH assignor\n"
    "                         benchmarks (jmh-m<members>-r<ratio>-t<topics>)\n"
    "      --all-grids        every grid of 'kassign list', G-1M included\n"
    "  -s, --strategy NAME    a strategy\n"
    "      --subs MODE        homogeneous or heterogeneous\n"
    "      --variant VARIANT  fresh, churn-remove, churn-add or racks\n"
    "      --racks R, --replication K, --rack-layout L\n"
    "                         the racks variant's layout, as 'kassign gen' takes\n"
    "                         them; other than the default (3 racks, replication\n"
    "                         3, even) the variant is named for them, e.g.\n"
    "                         racks-rf1 or racks-skewed-members-rf1\n"
    "  -n, --repetitions N    timed samples per point, over all rounds (default 9)\n"
    "      --rounds R         passes over all the points (default 3, at most N):\n"
    "                         each pass regenerates every point in turn, makes one\n"
    "                         warm-up call and takes its share of the N samples\n"
    "                         (N split as evenly as possible), so a slow spell of\n"
    "                         the machine touches a few samples of many points,\n"
    "                         not all samples of a few; statistics are taken over\n"
    "                         all N. 1: each point measured once, start to end\n"
    "      --seed N           seed of the generated member ids (default 1)\n"
    "      --cpus LIST        PUs to measure on, OS numbers: 1, 0,1 or 0-1; the\n"
    "                         first is the one-thread PU, the first N serve\n"
    "                         --threads N (default: the last core, then the ones\n"
    "                         before it)\n"
    "  -t, --threads N        also measure each point with N threads at once,\n"
    "                         each on its own core (default 1: alone only)\n"
    "      --format FORMAT    json (default): a Google Benchmark JSON result file;\n"
    "                         table: a text table on stdout, no file\n"
    "  -o, --output PATH      the JSON file (default\n"
    "                         results/<yyyymmdd>-<host>-<commit>.json, with -2, -3..\n"
    "                         added when it exists); '-' for stdout\n"
    "  -q, --quiet            nothing on stderr but errors\n"
    "  -h, --help             this text\n"
    "\n"
    "On stderr: the binding, then a progress bar when stderr is a terminal, or\n"
    "one line per point and round when it is not, then (json) a summary per\n"
    "strategy and grid. The file (or table) is written once the last round is\n"
    "over; the path of the result file is printed on stdout at the end.\n"
    "\n"
    "Exit status: 0 every point ran and was valid, 1 a point failed or was\n"
    "invalid (the file is still written), 2 bad usage or the run could not\n"
    "start (nothing is written).\n";

#define KH_N_SUBS        2
#define KH_N_VARIANTS    4
#define KH_MAX_CUSTOM    32
#define KH_MAX_CPUS      1024
#define KH_OVERHEAD_RUNS 10001u

/* The temporary result file, removed if the run is interrupted. */
static char *volatile interrupted_tmp;

/* ------------------------------------------------------------------ measuring one point */

typedef struct bad_member_flag {
	int seen;
} bad_member_flag;

static void note_bad_member(void *ctx, int rule, uint32_t partition, uint32_t member)
{
	(void)partition;
	(void)member;
	if (rule == KA_VBAD_MEMBER)
		((bad_member_flag *)ctx)->seen = 1;
}

/* One point made ready to time: everything the assign call needs. */
typedef struct kh_case {
	const ka_strategy *s;
	ka_group *g;
	void *ws;
	size_t ws_size;
	uint32_t *owner;
} kh_case;

static void case_close(kh_case *c)
{
	free(c->ws);
	free(c->owner);
	ka_group_free(c->g);
	memset(c, 0, sizeof(*c));
}

static int case_open(kh_case *c, const kh_point *pt, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	const kd_gen_spec spec = kh_point_spec(pt);
	char gerr[200];
	if (kd_generate(&spec, &c->g, gerr, sizeof(gerr)) < 0) {
		snprintf(err, errlen, "generate: %s", gerr);
		return -1;
	}
	c->s = pt->strategy;
	c->ws_size = ka_workspace_size(c->s, c->g);
	c->ws = kh_aligned_alloc(c->ws_size);
	c->owner = malloc(((size_t)c->g->n_partitions + 1) * sizeof(*c->owner));
	if (!c->ws || !c->owner) {
		snprintf(err, errlen, "out of memory (workspace of %zu bytes)", c->ws_size);
		case_close(c);
		return -1;
	}
	return 0;
}

/* Violations of the last output; -1 when an owner is past the members. */
static int64_t case_validate(const kh_case *c)
{
	bad_member_flag bad = {0};
	const uint64_t v = ka_assignment_validate(
	    c->g, c->owner, (c->s->flags & KA_STRATEGY_COOPERATIVE) != 0, note_bad_member, &bad);
	return bad.seen ? -1 : (int64_t)v;
}

typedef struct worker {
	pthread_t tid;
	const kh_point *pt;
	const kh_measure *m;
	unsigned pu;
	uint32_t iters;
	uint32_t runs; /* this round's samples */
	pthread_barrier_t *bar;
	int *failed; /* shared: set before the first barrier, read after it */
	double *samples;
	uint64_t violations;
	int rc;
	char err[256];
} worker;

static void *worker_main(void *arg)
{
	worker *w = arg;
	const uint32_t reps = w->runs;
	kh_case c = {0};
	kh_binding b;
	int ok = 1;

	if (w->m->cpus)
		kh_bind_thread(w->m->topo, w->pu, &b);
	if (case_open(&c, w->pt, w->err, sizeof(w->err)) < 0) {
		ok = 0;
	} else {
		/* The one-thread run's batch size, so both measure the same thing;
		 * one untimed batch warms this copy's caches and pages. */
		const int rc =
		    kh_time_assign(c.s, c.g, c.ws, c.ws_size, c.owner, w->iters, 1, 0, NULL);
		if (rc < 0) {
			snprintf(w->err, sizeof(w->err), "assign: %s", ka_strerror(rc));
			ok = 0;
		}
	}
	if (!ok)
		*w->failed = 1;
	pthread_barrier_wait(w->bar);
	const int go = !*w->failed;
	/* Every thread takes part in every barrier, even after an error, so
	 * none waits for ever. */
	for (uint32_t i = 0; go && i < reps; i++) {
		pthread_barrier_wait(w->bar);
		if (!ok)
			continue;
		const int rc = kh_time_assign(c.s, c.g, c.ws, c.ws_size, c.owner, 0, w->iters, 1,
					      &w->samples[i]);
		if (rc < 0) {
			snprintf(w->err, sizeof(w->err), "assign: %s", ka_strerror(rc));
			ok = 0;
		}
	}
	if (ok && go) {
		const int64_t v = case_validate(&c);
		if (v < 0) {
			snprintf(w->err, sizeof(w->err), "assign: owner past the %u members",
				 c.g->n_members);
			ok = 0;
		} else {
			w->violations = (uint64_t)v;
		}
	}
	w->rc = ok ? 0 : -1;
	case_close(&c);
	return NULL;
}

uint32_t kh_round_share(uint32_t n, uint32_t rounds, uint32_t round, uint32_t *offset)
{
	if (rounds == 0)
		rounds = 1;
	const uint32_t base = n / rounds, extra = n % rounds;
	*offset = round * base + (round < extra ? round : extra);
	return base + (round < extra ? 1 : 0);
}

/* Round `round` of m->threads copies of the point at once: this round's
 * share of the thread samples; the last round fills the thread figures of
 * r. A failure sets r->threads_error, and later rounds then skip this. */
static void run_threads(const kh_point *pt, const kh_measure *m, uint32_t iters, uint32_t round,
			kh_point_result *r)
{
	const uint32_t n = m->threads, reps = m->repetitions;
	uint32_t off;
	const uint32_t runs = kh_round_share(reps, m->rounds, round, &off);
	worker *w = calloc(n, sizeof(*w));
	double *col = NULL;
	if (round == 0) {
		r->threads = n;
		r->thread_ns = calloc((size_t)n * reps, sizeof(*r->thread_ns));
		r->thread_median = calloc(n, sizeof(*r->thread_median));
		r->rep_median = calloc(reps, sizeof(*r->rep_median));
	}
	pthread_barrier_t bar;
	int failed = 0, started = 0, rc;
	if (!w || !r->thread_ns || !r->thread_median || !r->rep_median) {
		snprintf(r->threads_error, sizeof(r->threads_error), "out of memory");
		goto out;
	}
	if ((rc = pthread_barrier_init(&bar, NULL, n)) != 0) {
		snprintf(r->threads_error, sizeof(r->threads_error), "pthread_barrier_init: %s",
			 strerror(rc));
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		w[i] = (worker){.pt = pt,
				.m = m,
				.pu = m->cpus ? m->cpus[i] : 0,
				.iters = iters,
				.runs = runs,
				.bar = &bar,
				.failed = &failed,
				.samples = r->thread_ns + (size_t)i * reps + off};
		if ((rc = pthread_create(&w[i].tid, NULL, worker_main, &w[i])) != 0) {
			/* The barrier counts n: threads already started would wait
			 * for ever. Nothing sane is left to do but stop. */
			fprintf(stderr, "kassign sweep: pthread_create: %s\n", strerror(rc));
			if (interrupted_tmp)
				unlink(interrupted_tmp);
			_exit(KH_EXIT_USAGE);
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	pthread_barrier_destroy(&bar);

	for (uint32_t i = 0; i < n; i++) {
		if (w[i].rc < 0) {
			if (m->rounds > 1)
				snprintf(r->threads_error, sizeof(r->threads_error),
					 "round %u, thread %u: %.200s", round + 1, i,
					 w[i].err[0] ? w[i].err : "failed");
			else
				snprintf(r->threads_error, sizeof(r->threads_error),
					 "thread %u: %.200s", i, w[i].err[0] ? w[i].err : "failed");
			goto out;
		}
		r->thread_violations += w[i].violations;
	}
	if (round + 1 < m->rounds)
		goto out;
	/* The last round: the figures over every round's samples. */
	col = calloc(n > reps ? n : reps, sizeof(*col));
	if (!col) {
		snprintf(r->threads_error, sizeof(r->threads_error), "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		memcpy(col, r->thread_ns + (size_t)i * reps, reps * sizeof(*col));
		r->thread_median[i] = kh_median(col, reps);
	}
	for (uint32_t k = 0; k < reps; k++) {
		for (uint32_t i = 0; i < n; i++)
			col[i] = r->thread_ns[(size_t)i * reps + k];
		r->rep_median[k] = kh_median(col, n);
	}
	kh_timing_summarize(r->thread_ns, n * reps, &r->thread_timing);
	r->threads_ok = 1;
out:
	free(col);
	free(w);
}

void kh_point_result_free(kh_point_result *r)
{
	free(r->samples_ns);
	free(r->thread_ns);
	free(r->thread_median);
	free(r->rep_median);
	r->samples_ns = r->thread_ns = r->thread_median = r->rep_median = NULL;
}

/* Every figure, doubles included: the same group and the same calls give
 * the same bits. */
static int metrics_equal(const ka_metrics *a, const ka_metrics *b)
{
	return a->n_assigned == b->n_assigned && a->n_assignable == b->n_assignable &&
	       a->n_eligible == b->n_eligible && a->load_min == b->load_min &&
	       a->load_max == b->load_max && a->load_mean == b->load_mean &&
	       a->load_stddev == b->load_stddev && a->load_sq == b->load_sq &&
	       a->balanced == b->balanced && a->prev_owned == b->prev_owned &&
	       a->moved == b->moved && a->moved_min == b->moved_min &&
	       a->moved_min_exact == b->moved_min_exact && a->moved_opt == b->moved_opt &&
	       a->rack_known == b->rack_known && a->local == b->local;
}

int kh_point_round(const kh_point *pt, const kh_measure *m, uint32_t round, kh_point_result *r)
{
	if (round == 0)
		memset(r, 0, sizeof(*r));
	else if (!r->ok)
		return -1; /* an earlier round failed: its error stands */
	const uint32_t rounds = m->rounds ? m->rounds : 1;
	uint32_t off;
	const uint32_t runs = kh_round_share(m->repetitions, rounds, round, &off);
	char err[256] = "";
	void *mws = NULL;
	kh_case c;
	if (case_open(&c, pt, err, sizeof(err)) < 0)
		goto fail;
	if (round == 0) {
		r->partitions = c.g->n_partitions;
		r->members = c.g->n_members;
		r->ws_bytes = c.ws_size;
		r->samples_ns = malloc((size_t)m->repetitions * sizeof(*r->samples_ns));
		if (!r->samples_ns) {
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
	} else if (c.g->n_partitions != r->partitions || c.g->n_members != r->members ||
		   c.ws_size != r->ws_bytes) {
		snprintf(err, sizeof(err),
			 "generate: the group differs from round 1's (%u partitions, %u members, "
			 "%zu workspace bytes; then %u, %u, %zu)",
			 c.g->n_partitions, c.g->n_members, c.ws_size, r->partitions, r->members,
			 r->ws_bytes);
		goto fail;
	}
	const size_t mws_size = ka_metrics_workspace_size(c.g);
	mws = malloc(mws_size ? mws_size : 1);
	if (!mws) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}

	/* Round 0 sizes the batch (its calls are warm-up too); every round then
	 * makes one untimed call before its samples. */
	int arc = round == 0 ? kh_calibrate(c.s, c.g, c.ws, c.ws_size, c.owner, m->overhead_ns,
					    &r->iterations)
			     : 0;
	if (arc == 0)
		arc = kh_time_assign(c.s, c.g, c.ws, c.ws_size, c.owner, 1, r->iterations, runs,
				     r->samples_ns + off);
	if (arc < 0) {
		snprintf(err, sizeof(err), "assign: %s", ka_strerror(arc));
		goto fail;
	}
	kh_timing_summarize(r->samples_ns, off + runs, &r->timing);

	const int64_t v = case_validate(&c);
	if (v < 0) {
		snprintf(err, sizeof(err), "assign: owner past the %u members", c.g->n_members);
		goto fail;
	}
	ka_metrics mt;
	memset(&mt, 0, sizeof(mt));
	const int mrc = ka_metrics_compute(c.g, c.owner, mws, mws_size, &mt);
	if (mrc < 0) {
		snprintf(err, sizeof(err), "metrics: %s", ka_strerror(mrc));
		goto fail;
	}
	if (round == 0) {
		r->violations = (uint64_t)v;
		if (v)
			kh_assignment_verify(c.s, c.g, c.owner, r->invalid, sizeof(r->invalid));
		r->metrics = mt;
		r->ok = 1;
	} else if ((uint64_t)v != r->violations || !metrics_equal(&mt, &r->metrics)) {
		/* Generation and assignment are deterministic: a difference is a
		 * bug, in the generator or in the strategy. */
		snprintf(err, sizeof(err),
			 "quality differs from round 1's (violations %" PRIu64 ", load %u..%u, "
			 "moved %u, moved_opt %u, local %u/%u; then %" PRIu64
			 ", %u..%u, %u, %u, %u/%u)",
			 (uint64_t)v, mt.load_min, mt.load_max, mt.moved, mt.moved_opt, mt.local,
			 mt.rack_known, r->violations, r->metrics.load_min, r->metrics.load_max,
			 r->metrics.moved, r->metrics.moved_opt, r->metrics.local,
			 r->metrics.rack_known);
		goto fail;
	}
	/* The copies are generated by the threads themselves: free this one
	 * first, so the machine holds N copies, not N + 1. */
	free(mws);
	case_close(&c);
	if (m->threads > 1 && !r->threads_error[0])
		run_threads(pt, m, r->iterations, round, r);
	return 0;

fail:
	free(mws);
	case_close(&c);
	kh_point_result_free(r);
	r->ok = 0;
	if (rounds > 1 && round > 0)
		snprintf(r->error, sizeof(r->error), "round %u: %.230s", round + 1, err);
	else
		snprintf(r->error, sizeof(r->error), "%s", err);
	return -1;
}

int kh_point_run(const kh_point *pt, const kh_measure *m, kh_point_result *r)
{
	const uint32_t rounds = m->rounds ? m->rounds : 1;
	for (uint32_t k = 0; k < rounds; k++)
		if (kh_point_round(pt, m, k, r) < 0)
			return -1;
	return 0;
}

/* ------------------------------------------------------------------ progress */

typedef struct progress {
	int tty;   /* redraw one line in place */
	int quiet; /* nothing at all */
	size_t n;
	double total_weight, done_weight;
	uint64_t t0;
	int drawn;
} progress;

/* Rough cost of a point, for the time estimate: points range from 7
 * partitions to a million, so counting points would mislead. */
static double point_weight(const kh_point *pt)
{
	const double p = (double)pt->grid->topics * pt->grid->partitions_per_topic;
	const double churn =
	    pt->variant == KD_VARIANT_CHURN_REMOVE || pt->variant == KD_VARIANT_CHURN_ADD ? 2.0
											  : 1.0;
	return churn * (p + pt->grid->members) + 1000.0;
}

static void clock_text(double s, char *buf, size_t len)
{
	const unsigned long t = (unsigned long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

static void progress_clear(progress *pg)
{
	if (pg->tty && pg->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		pg->drawn = 0;
	}
}

/* Before step k (0-based; a point in a round) runs: the bar, on a terminal
 * only. */
static void progress_before(progress *pg, size_t k, const char *name)
{
	if (pg->quiet || !pg->tty)
		return;
	const double el = (double)(kh_now_ns() - pg->t0) / 1e9;
	char e[32], left[32] = "?";
	clock_text(el, e, sizeof(e));
	if (pg->done_weight > 0 && el > 0.5)
		clock_text(el * (pg->total_weight - pg->done_weight) / pg->done_weight, left,
			   sizeof(left));
	struct winsize ws;
	int cols = 80;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		cols = ws.ws_col;
	char line[512];
	const int pct =
	    (int)(100.0 * pg->done_weight / (pg->total_weight > 0 ? pg->total_weight : 1));
	int used = snprintf(line, sizeof(line), "[%zu/%zu %3d%%] %s elapsed, ~%s left  ", k + 1,
			    pg->n, pct, e, left);
	if (used < 0)
		used = 0;
	snprintf(line + used, sizeof(line) - (size_t)used, "%s", name);
	if ((int)strlen(line) > cols - 1)
		line[cols - 1] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	pg->drawn = 1;
}

/* After step k (a point in a round): its weight counts as done; off a
 * terminal, one line, with the median of the point's samples so far. */
static void progress_after(progress *pg, size_t k, const kh_point *pt, const char *name,
			   uint32_t round, uint32_t rounds, const kh_point_result *r)
{
	pg->done_weight += point_weight(pt);
	if (pg->quiet || pg->tty)
		return;
	char rnd[48] = "";
	if (rounds > 1)
		snprintf(rnd, sizeof(rnd), " (round %u/%u)", round + 1, rounds);
	if (!r->ok)
		fprintf(stderr, "sweep: [%zu/%zu] %s%s error: %s\n", k + 1, pg->n, name, rnd,
			r->error);
	else
		fprintf(stderr, "sweep: [%zu/%zu] %s%s %.6f ms%s%s\n", k + 1, pg->n, name, rnd,
			r->timing.median_ns / 1e6, r->violations ? " INVALID" : "",
			r->threads && r->threads_error[0] ? " (threads failed)" : "");
}

/* ------------------------------------------------------------------ output file */

static void on_signal(int sig)
{
	char *tmp = interrupted_tmp;
	if (tmp)
		unlink(tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Letters, digits, '.', '_' and '-' kept; anything else becomes '-'. */
static void file_word(const char *in, char *out, size_t len)
{
	size_t i = 0;
	for (; in[i] && i + 1 < len; i++) {
		const char ch = in[i];
		const int keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				 (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
		out[i] = keep ? ch : '-';
	}
	out[i] = '\0';
}

/* results/<yyyymmdd>-<host>-<commit> (kh_out_open_free adds ".json", or
 * "-2.json" ... when taken: a second run of the same commit on the same day
 * must not replace the first, comparing two runs is what the files are for);
 * creates results/. Returns 0, or -1 after an error message. */
static int default_path(const char *cmd, const kh_sysinfo *si, char *buf, size_t len)
{
	if (mkdir("results", 0777) != 0 && errno != EEXIST) {
		kh_error(cmd, "results/: cannot create the directory: %s (use -o PATH)",
			 strerror(errno));
		return -1;
	}
	struct stat st;
	if (stat("results", &st) != 0 || !S_ISDIR(st.st_mode)) {
		kh_error(cmd, "results: exists and is not a directory (use -o PATH)");
		return -1;
	}
	char day[16] = "00000000", host[128], commit[96];
	const time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm))
		strftime(day, sizeof(day), "%Y%m%d", &tm);
	file_word(si->host, host, sizeof(host));
	file_word(kh_build_commit(), commit, sizeof(commit));
	snprintf(buf, len, "results/%s-%s-%s", day, host, commit);
	return 0;
}

/* ------------------------------------------------------------------ the command */

enum {
	OPT_SUBS = 256,
	OPT_VARIANT,
	OPT_SEED,
	OPT_ALL_GRIDS,
	OPT_CPUS,
	OPT_FORMAT,
	OPT_ROUNDS,
};

typedef struct selection {
	unsigned char *strategy; /* [ka_strategy_count()] */
	unsigned char *grid;     /* [kd_grid_count()] */
	unsigned char *jmh;      /* [kd_jmh_grid_count()] */
	unsigned char subs[KH_N_SUBS], variant[KH_N_VARIANTS];
	const kd_grid *custom[KH_MAX_CUSTOM];
	size_t n_custom;
} selection;

/* Points in a fixed order: strategy, then grid (the named ones in table
 * order, Kafka's JMH points, then MxTxP in the order given), subs, variant. */
static kh_point *plan(const selection *sel, uint64_t seed, const kd_gen_spec *rk, size_t *n)
{
	const size_t ns = ka_strategy_count(), ng = kd_grid_count(), nj = kd_jmh_grid_count();
	const size_t n_grids = ng + nj + sel->n_custom;
	kh_point *pts = malloc((ns * n_grids * KH_N_SUBS * KH_N_VARIANTS + 1) * sizeof(*pts));
	*n = 0;
	if (!pts)
		return NULL;
	for (size_t si = 0; si < ns; si++) {
		if (!sel->strategy[si])
			continue;
		for (size_t gi = 0; gi < n_grids; gi++) {
			const kd_grid *grid;
			if (gi < ng) {
				if (!sel->grid[gi])
					continue;
				grid = kd_grid_at(gi);
			} else if (gi < ng + nj) {
				if (!sel->jmh[gi - ng])
					continue;
				grid = kd_jmh_grid_at(gi - ng);
			} else {
				grid = sel->custom[gi - ng - nj];
			}
			for (int su = 0; su < KH_N_SUBS; su++)
				for (int va = 0; va < KH_N_VARIANTS; va++)
					if (sel->subs[su] && sel->variant[va]) {
						const int r = va == KD_VARIANT_RACKS;
						pts[(*n)++] = (kh_point){ka_strategy_at(si),
									 grid,
									 su,
									 va,
									 seed,
									 r ? rk->racks : 0,
									 r ? rk->replication : 0,
									 r ? rk->rack_layout : 0};
					}
		}
	}
	return pts;
}

int kh_cmd_sweep(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"grid", required_argument, NULL, 'g'},
	    {"all-grids", no_argument, NULL, OPT_ALL_GRIDS},
	    {"strategy", required_argument, NULL, 's'},
	    {"subs", required_argument, NULL, OPT_SUBS},
	    {"variant", required_argument, NULL, OPT_VARIANT},
	    KH_RACK_LONG_OPTIONS,
	    {"repetitions", required_argument, NULL, 'n'},
	    {"rounds", required_argument, NULL, OPT_ROUNDS},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"cpus", required_argument, NULL, OPT_CPUS},
	    {"threads", required_argument, NULL, 't'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "sweep";
	const size_t n_strategies = ka_strategy_count(), n_grids = kd_grid_count();
	const size_t n_jmh = kd_jmh_grid_count();
	/* Selections are flags over the tables, so points run in table order and
	 * a name given twice runs once. */
	selection sel;
	memset(&sel, 0, sizeof(sel));
	sel.strategy = calloc(n_strategies + 1, 1);
	sel.grid = calloc(n_grids + 1, 1);
	sel.jmh = calloc(n_jmh + 1, 1);
	int any_strategy = 0, any_grid = 0, any_subs = 0, any_variant = 0, all_grids = 0;
	int quiet = 0, table = 0, x, rack_given = 0;
	kd_gen_spec rk = {0}; /* the racks variant's racks, replication and layout */
	uint64_t repetitions = 9, seed = 1, threads = 1, rounds = 3;
	const char *cpus_arg = NULL, *out_path = NULL;
	kh_point *pts = NULL;
	kh_point_result *res = NULL;
	size_t n_pts = 0;
	kh_topo *topo = NULL;
	unsigned *cpus = NULL;
	size_t n_cpus = 0;
	kh_reporter reps[2];
	size_t n_reps = 0;
	kh_out out;
	int out_open = 0;
	char path[1024] = "", err[512];
	int rc = KH_EXIT_USAGE, c;

	memset(&out, 0, sizeof(out));
	if (!sel.strategy || !sel.grid || !sel.jmh) {
		kh_error(cmd, "out of memory");
		goto done;
	}
	while ((c = getopt_long(argc, argv, ":g:s:n:t:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'g': {
			if (strcmp(optarg, "jmh-client") == 0 ||
			    strcmp(optarg, "jmh-server") == 0) {
				/* Both of Kafka's benchmarks share one parameter grid. */
				memset(sel.jmh, 1, n_jmh);
				any_grid = 1;
				break;
			}
			const kd_grid *g = kh_grid_lookup(cmd, optarg);
			if (!g)
				goto done;
			int named = 0;
			for (size_t i = 0; i < n_grids; i++)
				if (kd_grid_at(i) == g)
					sel.grid[i] = named = 1;
			for (size_t i = 0; i < n_jmh; i++)
				if (kd_jmh_grid_at(i) == g)
					sel.jmh[i] = named = 1;
			if (!named) {
				if (sel.n_custom == KH_MAX_CUSTOM) {
					rc = kh_usage_error(cmd, "--grid: more than %d MxTxP grids",
							    KH_MAX_CUSTOM);
					goto done;
				}
				sel.custom[sel.n_custom++] = g;
			}
			any_grid = 1;
			break;
		}
		case OPT_ALL_GRIDS:
			all_grids = 1;
			break;
		case 's': {
			const ka_strategy *s = kh_strategy_lookup(cmd, optarg);
			if (!s)
				goto done;
			for (size_t i = 0; i < n_strategies; i++)
				if (ka_strategy_at(i) == s)
					sel.strategy[i] = 1;
			any_strategy = 1;
			break;
		}
		case OPT_SUBS:
			if ((x = kd_subs_parse(optarg)) < 0) {
				rc = kh_usage_error(
				    cmd, "--subs: unknown mode '%s' (homogeneous, heterogeneous)",
				    optarg);
				goto done;
			}
			sel.subs[x] = 1;
			any_subs = 1;
			break;
		case OPT_VARIANT:
			if ((x = kd_variant_parse(optarg)) < 0) {
				rc = kh_usage_error(cmd,
						    "--variant: unknown variant '%s' (fresh, "
						    "churn-remove, churn-add, racks)",
						    optarg);
				goto done;
			}
			sel.variant[x] = 1;
			any_variant = 1;
			break;
		case 'n':
			if (kh_parse_u64(optarg, 1, 1000000, &repetitions) < 0) {
				rc = kh_usage_error(
				    cmd, "--repetitions: '%s' is not a count in 1..1000000",
				    optarg);
				goto done;
			}
			break;
		case OPT_ROUNDS:
			if (kh_parse_u64(optarg, 1, 1000000, &rounds) < 0) {
				rc = kh_usage_error(
				    cmd, "--rounds: '%s' is not a count in 1..1000000", optarg);
				goto done;
			}
			break;
		case OPT_SEED:
			if (kh_parse_u64(optarg, 0, UINT64_MAX, &seed) < 0) {
				rc = kh_usage_error(cmd, "--seed: '%s' is not an unsigned integer",
						    optarg);
				goto done;
			}
			break;
		case OPT_CPUS:
			cpus_arg = optarg;
			break;
		case KH_OPT_RACKS:
		case KH_OPT_REPLICATION:
		case KH_OPT_LAYOUT:
			if ((rc = kh_rack_option(cmd, c, optarg, &rk, &rack_given)))
				goto done;
			break;
		case 't':
			if (kh_parse_u64(optarg, 1, KH_MAX_CPUS, &threads) < 0) {
				rc = kh_usage_error(cmd, "--threads: '%s' is not a count in 1..%d",
						    optarg, KH_MAX_CPUS);
				goto done;
			}
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") == 0) {
				table = 0;
			} else if (strcmp(optarg, "table") == 0) {
				table = 1;
			} else {
				rc = kh_usage_error(
				    cmd, "--format: unknown format '%s' (json, table)", optarg);
				goto done;
			}
			break;
		case 'o':
			if (!*optarg) {
				rc = kh_usage_error(cmd, "-o: empty path");
				goto done;
			}
			out_path = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(sweep_usage, stdout);
			rc = KH_EXIT_OK;
			goto done;
		default:
			rc = kh_option_error(cmd, c, argv);
			goto done;
		}
	}
	if (optind < argc) {
		rc = kh_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		goto done;
	}
	for (size_t i = 0; i < n_strategies; i++)
		sel.strategy[i] |= !any_strategy;
	for (size_t i = 0; i < n_grids; i++)
		sel.grid[i] |= all_grids || (!any_grid && kd_grid_at(i)->in_default);
	for (int i = 0; i < KH_N_SUBS; i++)
		sel.subs[i] |= !any_subs;
	for (int i = 0; i < KH_N_VARIANTS; i++)
		sel.variant[i] |= !any_variant;
	if (rack_given && !sel.variant[KD_VARIANT_RACKS]) {
		rc = kh_usage_error(cmd, "--racks, --replication and --rack-layout apply to the "
					 "racks variant, which --variant leaves out");
		goto done;
	}
	/* Every round takes at least one sample of every point. */
	if (rounds > repetitions)
		rounds = repetitions;
	pts = plan(&sel, seed, &rk, &n_pts);
	res = pts ? calloc(n_pts + 1, sizeof(*res)) : NULL;
	if (!pts || !res) {
		kh_error(cmd, "out of memory");
		goto done;
	}

	/* The machine: the cores asked for must exist, and be enough. */
	topo = kh_topo_open(err, sizeof(err));
	if (!topo) {
		kh_error(cmd, "cannot read the machine's topology: %s", err);
		goto done;
	}
	char pus[128];
	kh_topo_pu_list(topo, pus, sizeof(pus));
	const unsigned cores = kh_topo_cores(topo);
	if (threads > cores) {
		rc = kh_usage_error(cmd,
				    "--threads: %" PRIu64 " threads need %" PRIu64
				    " cores, this machine has %u (PUs %s)",
				    threads, threads, cores, pus);
		goto done;
	}
	cpus = calloc(KH_MAX_CPUS, sizeof(*cpus));
	if (!cpus) {
		kh_error(cmd, "out of memory");
		goto done;
	}
	if (cpus_arg) {
		if (kh_cpus_parse(topo, cpus_arg, cpus, KH_MAX_CPUS, &n_cpus, err, sizeof(err)) <
		    0) {
			rc = kh_usage_error(cmd, "%s", err);
			goto done;
		}
		if (n_cpus < threads) {
			rc = kh_usage_error(cmd,
					    "--threads: %" PRIu64 " threads need %" PRIu64
					    " PUs in --cpus, '%s' gives %zu",
					    threads, threads, cpus_arg, n_cpus);
			goto done;
		}
		if (n_cpus > threads && !quiet)
			fprintf(stderr, "sweep: note: --cpus: only the first %" PRIu64 " used\n",
				threads);
		n_cpus = threads;
	} else {
		n_cpus = kh_cpus_default(topo, cpus, threads);
	}
	const int bindable = kh_topo_is_this_system(topo) && n_cpus >= 1;

	/* The output, opened before anything runs: an unwritable path is a
	 * usage error, and nothing is half-written (temporary file, renamed). */
	kh_run_info run;
	memset(&run, 0, sizeof(run));
	kh_topo_describe(topo, &run.topo);
	kh_sysinfo_read(&run.sys, &run.topo);
	FILE *table_f = stdout;
	if (!table || out_path) {
		const char *p = out_path;
		if (!p) {
			if (default_path(cmd, &run.sys, path, sizeof(path)) < 0)
				goto done;
			p = path;
		} else if (strcmp(p, "-") != 0) {
			struct stat st;
			if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
				rc = kh_usage_error(cmd, "-o: '%s' is a directory", p);
				goto done;
			}
			snprintf(path, sizeof(path), "%s", p);
			/* Say which option is wrong before kh_out_open says why. */
			char dir[1024];
			snprintf(dir, sizeof(dir), "%s", p);
			char *slash = strrchr(dir, '/');
			if (slash)
				slash[slash == dir] = '\0'; /* "/x" -> "/", "a/x" -> "a" */
			if (access(slash ? dir : ".", W_OK | X_OK) != 0) {
				rc = kh_usage_error(cmd, "-o: cannot write '%s': %s", p,
						    strerror(errno));
				goto done;
			}
		}
		if ((out_path ? kh_out_open(&out, cmd, strcmp(p, "-") == 0 ? NULL : p)
			      : kh_out_open_free(&out, cmd, p, "json")) < 0)
			goto done; /* the message names the path */
		out_open = 1;
		interrupted_tmp = out.tmp;
		catch_signals();
		table_f = out.f;
	}
	if ((table ? kh_reporter_table(&reps[n_reps], table_f)
		   : kh_reporter_json(&reps[n_reps], out.f)) < 0) {
		kh_error(cmd, "out of memory");
		goto done;
	}
	n_reps++;
	if (!table && !quiet) {
		if (kh_reporter_summary(&reps[n_reps], stderr) < 0) {
			kh_error(cmd, "out of memory");
			goto done;
		}
		n_reps++;
	}

	/* This thread measures alone: bind it (and its memory) first, then
	 * measure the floor with the same clock and loop. */
	kh_binding bind;
	char binding[320];
	if (bindable) {
		kh_bind_thread(topo, cpus[0], &bind);
		if (bind.cpu_bound && bind.mem_bound)
			snprintf(binding, sizeof(binding), "PU %u, memory on NUMA node %d", cpus[0],
				 bind.numa_node);
		else if (bind.cpu_bound)
			snprintf(binding, sizeof(binding), "PU %u; %s", cpus[0], bind.note);
		else
			snprintf(binding, sizeof(binding), "not bound: %s", bind.note);
		if (!bind.cpu_bound)
			n_cpus = 0;
	} else {
		snprintf(binding, sizeof(binding), "not bound: %s",
			 kh_topo_is_this_system(topo)
			     ? "no PU found"
			     : "the hwloc topology is not this machine (synthetic or XML)");
		n_cpus = 0;
	}
	const double overhead = kh_time_overhead(KH_OVERHEAD_RUNS);

	/* argv[0] here is the subcommand; the binary is what Google Benchmark
	 * records. */
	char exe[1024];
	const ssize_t exe_len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[exe_len > 0 ? exe_len : 0] = '\0';
	run.executable = exe[0] ? exe : "kassign";
	run.cpus = cpus;
	run.n_cpus = n_cpus;
	run.binding = binding;
	run.threads = (uint32_t)threads;
	run.repetitions = (uint32_t)repetitions;
	run.rounds = (uint32_t)rounds;
	run.warmup = 1;
	run.seed = seed;
	run.overhead_ns = overhead;
	run.n_points = n_pts;
	if (!quiet) {
		fprintf(stderr, "sweep: %zu points, %s; %s\n", n_pts, binding, run.topo.summary);
		fprintf(stderr,
			"sweep: seed %" PRIu64 ", %" PRIu64
			" timed samples per point%s, in %" PRIu64
			" round%s over all points (each: warm-up + a share of the samples), "
			"timer overhead %.1f ns\n",
			seed, repetitions, threads > 1 ? ", alone and with N threads at once" : "",
			rounds, rounds > 1 ? "s" : "", overhead);
		if (threads > 1) {
			fprintf(stderr, "sweep: --threads %" PRIu64 " on %s", threads,
				n_cpus ? "PUs" : "unbound threads");
			for (size_t i = 0; i < n_cpus; i++)
				fprintf(stderr, "%s%u", i ? "," : " ", cpus[i]);
			fputc('\n', stderr);
		}
	}

	const kh_measure m = {.repetitions = (uint32_t)repetitions,
			      .rounds = (uint32_t)rounds,
			      .threads = (uint32_t)threads,
			      .cpus = n_cpus ? cpus : NULL,
			      .topo = topo,
			      .overhead_ns = overhead};
	for (size_t i = 0; i < n_reps; i++)
		reps[i].begin(reps[i].ctx, &run);
	/* Round by round over every point, so a slow spell of the machine is
	 * spread over many points instead of spoiling a run of them; only the
	 * samples and figures of each point are kept between rounds. */
	progress pg = {isatty(STDERR_FILENO), quiet, n_pts * (size_t)rounds, 0, 0, kh_now_ns(), 0};
	for (size_t i = 0; i < n_pts; i++)
		pg.total_weight += (double)rounds * point_weight(&pts[i]);
	size_t step = 0;
	for (uint32_t k = 0; k < (uint32_t)rounds; k++) {
		for (size_t i = 0; i < n_pts; i++, step++) {
			char name[256], label[320];
			kh_point_name(&pts[i], name, sizeof(name));
			if (rounds > 1)
				snprintf(label, sizeof(label), "%s (round %u/%" PRIu64 ")", name,
					 k + 1, rounds);
			else
				snprintf(label, sizeof(label), "%s", name);
			if (k > 0 && !res[i].ok) {
				pg.done_weight += point_weight(&pts[i]); /* failed before */
				continue;
			}
			progress_before(&pg, step, label);
			kh_point_round(&pts[i], &m, k, &res[i]);
			progress_after(&pg, step, &pts[i], name, k, (uint32_t)rounds, &res[i]);
		}
	}
	progress_clear(&pg);
	rc = KH_EXIT_OK;
	double smallest_sample = 0;
	for (size_t i = 0; i < n_pts; i++) {
		kh_point_result *r = &res[i];
		if (r->ok && (r->violations || (r->threads && r->thread_violations))) {
			/* An invalid output is kassign's defect: said, and exit 3. */
			char name[256];
			kh_point_name(&pts[i], name, sizeof(name));
			kh_error(
			    cmd,
			    "%s: internal error: strategy %s produced an invalid assignment: %s",
			    name, pts[i].strategy->name,
			    r->invalid[0] ? r->invalid : "(with several threads)");
			rc = KH_EXIT_INTERNAL;
		} else if ((!r->ok || (r->threads && !r->threads_ok)) && rc != KH_EXIT_INTERNAL) {
			rc = KH_EXIT_FAIL;
		}
		if (r->ok) {
			const double sample = r->timing.median_ns * r->iterations;
			if (smallest_sample == 0 || sample < smallest_sample)
				smallest_sample = sample;
		}
		for (size_t k = 0; k < n_reps; k++)
			reps[k].point(reps[k].ctx, &pts[i], r);
		kh_point_result_free(r);
	}

	int werr = 0;
	for (size_t i = 0; i < n_reps; i++)
		werr |= reps[i].end(reps[i].ctx) < 0;
	if (!quiet && smallest_sample > 0 && overhead >= 0.01 * smallest_sample)
		fprintf(stderr,
			"sweep: warning: the timer overhead (%.1f ns) is %.1f %% of the shortest "
			"timed sample (%.1f ns): figures that small are not to be trusted\n",
			overhead, 100.0 * overhead / smallest_sample, smallest_sample);
	if (out_open) {
		interrupted_tmp = NULL;
		out_open = 0;
		if (werr) {
			kh_out_abort(&out);
			rc = KH_EXIT_USAGE;
		} else if (kh_out_commit(&out, cmd) < 0) {
			rc = KH_EXIT_USAGE;
		} else {
			if (out.chosen) /* the default name, as taken */
				snprintf(path, sizeof(path), "%s", out.chosen);
			kh_out_free(&out);
			if (path[0] && !table)
				printf("%s\n", path);
			else if (path[0] && !quiet)
				fprintf(stderr, "sweep: table written to %s\n", path);
		}
	}
	if (!quiet && rc == KH_EXIT_FAIL)
		fprintf(stderr, "sweep: some points failed (exit status 1)\n");
done:
	if (out_open) {
		interrupted_tmp = NULL;
		kh_out_abort(&out);
	}
	for (size_t i = 0; i < n_reps; i++)
		reps[i].free(reps[i].ctx);
	kh_topo_close(topo);
	free(cpus);
	for (size_t i = 0; res && i < n_pts; i++)
		kh_point_result_free(&res[i]);
	free(res);
	free(pts);
	free(sel.strategy);
	free(sel.grid);
	free(sel.jmh);
	return rc;
}
