/*
 * sweep.c - `kassign sweep`: every chosen strategy over every chosen grid,
 * subscription mode and variant, measured on pinned threads and written as
 * Google Benchmark JSON (docs/results-format.md) or a table.
 *
 * Measuring and writing are kept apart: kh_point_round() measures one point
 * into a kh_point_result and knows nothing of formats; the kh_reporter
 * writers (results.c) turn results into the file, the table and the summary.
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
 * With --measure counts, before any of that, the command re-executes
 * itself under valgrind and the counts child (counts_child) counts every
 * point's call (measure.h); the native rounds then take the wall time and
 * the quality as usual, and the counts join each point's result.
 *
 * Everything that can make the run impossible (names, cores, thread count,
 * valgrind for counts, the output path) is checked before the first point:
 * exit 2 leaves nothing behind. kh_cmd_sweep reads as the list of these
 * phases, each its own function.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char sweep_usage[] =
    "Usage: kassign sweep [--grid NAME]... [--strategy NAME]... [--subs MODE]...\n"
    "                     [--variant VARIANT]... [--racks R] [--replication K]\n"
    "                     [--rack-layout L] [--all-grids] [--repetitions N]\n"
    "                     [--rounds R] [--seed N] [--cpus LIST] [--threads N]\n"
    "                     [--measure time|counts] [--format json|table] [-o PATH]\n"
    "                     [--quiet]\n"
    "\n"
    "Times the assign call of every chosen strategy on every chosen grid point,\n"
    "on a pinned thread, and records speed and quality (balance, movement,\n"
    "locality, workspace, validity) per point. Each selection option may be\n"
    "repeated; with none, every strategy, every default grid (all but G-1M and\n"
    "the JMH grids), both subscription modes and all five variants are run.\n"
    "Churn variants start from the same strategy's assignment of the fresh group.\n"
    "\n"
    "  -g, --grid NAME        a grid (see 'kassign list'), MxTxP, or jmh-client /\n"
    "                         jmh-server: the 44 points of Kafka's JMH assignor\n"
    "                         benchmarks (jmh-m<members>-r<ratio>-t<topics>)\n"
    "      --all-grids        every grid of 'kassign list', G-1M included\n"
    "  -s, --strategy NAME    a strategy\n"
    "      --subs MODE        homogeneous or heterogeneous\n"
    "      --variant VARIANT  fresh, churn-remove, churn-add, racks (3 racks,\n"
    "                         replication 3) or racks-rf1 (one replica a\n"
    "                         partition: the rack-aware paths)\n"
    "      --racks R, --replication K, --rack-layout L\n"
    "                         one racks variant of that layout, as 'kassign gen'\n"
    "                         takes them, instead of racks and racks-rf1; it is\n"
    "                         named for what differs from 3 racks, replication\n"
    "                         3, even, e.g. racks-4racks or racks-skewed-members-rf1\n"
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
    "      --measure MEASURE  time (default): wall time only; counts: also the\n"
    "                         instructions, L1 and last-level cache misses and\n"
    "                         estimated cycles of one assign call under valgrind's\n"
    "                         callgrind (the warm-up call and the group's build\n"
    "                         not counted), as counters in the file; the wall\n"
    "                         time is then taken once a point unless -n is given\n"
    "                         (docs/results.md). Needs valgrind\n"
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
    "Exit status: 0 every point ran and was valid, 1 a point failed (the file\n"
    "is still written), 2 bad usage or the run could not start (nothing is\n"
    "written), 3 a strategy gave an invalid assignment: kassign's defect (the\n"
    "file is still written, the point marked invalid, its path said on stderr;\n"
    "nothing on stdout, and nothing at all with -o -).\n";

#define KH_N_SUBS        2
#define KH_MAX_VARIANTS  16
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

/* The point generated for this round, with the metrics' workspace, both
 * allocated before the timed calls. Round 0 records the group's size and
 * makes room for the samples; later rounds must find the same group.
 * Returns 0, or -1 with err set. */
static int round_open(kh_case *c, void **mws, size_t *mws_size, const kh_point *pt,
		      const kh_measure *m, uint32_t round, kh_point_result *r, char *err,
		      size_t errlen)
{
	if (case_open(c, pt, err, errlen) < 0)
		return -1;
	if (round == 0) {
		r->partitions = c->g->n_partitions;
		r->members = c->g->n_members;
		r->ws_bytes = c->ws_size;
		r->samples_ns = malloc((size_t)m->repetitions * sizeof(*r->samples_ns));
		if (!r->samples_ns) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} else if (c->g->n_partitions != r->partitions || c->g->n_members != r->members ||
		   c->ws_size != r->ws_bytes) {
		snprintf(err, errlen,
			 "generate: the group differs from round 1's (%u partitions, %u members, "
			 "%zu workspace bytes; then %u, %u, %zu)",
			 c->g->n_partitions, c->g->n_members, c->ws_size, r->partitions, r->members,
			 r->ws_bytes);
		return -1;
	}
	*mws_size = ka_metrics_workspace_size(c->g);
	*mws = malloc(*mws_size ? *mws_size : 1);
	if (!*mws) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* This round's share of the samples, at r->samples_ns + off. Round 0
 * sizes the batch (its calls are warm-up too); every round then makes one
 * untimed call before its samples. Returns 0, or -1 with err set. */
static int round_time(const kh_case *c, const kh_measure *m, uint32_t round, uint32_t runs,
		      uint32_t off, kh_point_result *r, char *err, size_t errlen)
{
	int arc = round == 0 ? kh_calibrate(c->s, c->g, c->ws, c->ws_size, c->owner, m->overhead_ns,
					    &r->iterations)
			     : 0;
	if (arc == 0)
		arc = kh_time_assign(c->s, c->g, c->ws, c->ws_size, c->owner, 1, r->iterations,
				     runs, r->samples_ns + off);
	if (arc < 0) {
		snprintf(err, errlen, "assign: %s", ka_strerror(arc));
		return -1;
	}
	kh_timing_summarize(r->samples_ns, off + runs, &r->timing);
	return 0;
}

/* The quality of the round's last output: round 0 records it, later
 * rounds must give the same. Returns 0, or -1 with err set. */
static int round_quality(const kh_case *c, void *mws, size_t mws_size, uint32_t round,
			 kh_point_result *r, char *err, size_t errlen)
{
	const int64_t v = case_validate(c);
	if (v < 0) {
		snprintf(err, errlen, "assign: owner past the %u members", c->g->n_members);
		return -1;
	}
	ka_metrics mt;
	memset(&mt, 0, sizeof(mt));
	const int mrc = ka_metrics_compute(c->g, c->owner, mws, mws_size, &mt);
	if (mrc < 0) {
		snprintf(err, errlen, "metrics: %s", ka_strerror(mrc));
		return -1;
	}
	if (round == 0) {
		r->violations = (uint64_t)v;
		if (v)
			kh_assignment_verify(c->s, c->g, c->owner, r->invalid, sizeof(r->invalid));
		r->metrics = mt;
		r->has_gap = ka_gap_compute(c->g, &mt, &r->gap) == 0;
		r->ok = 1;
	} else if ((uint64_t)v != r->violations || !metrics_equal(&mt, &r->metrics)) {
		/* Generation and assignment are deterministic: a difference is a
		 * bug, in the generator or in the strategy. */
		snprintf(err, errlen,
			 "quality differs from round 1's (violations %" PRIu64 ", load %u..%u, "
			 "moved %u, moved_opt %u, local %u/%u; then %" PRIu64
			 ", %u..%u, %u, %u, %u/%u)",
			 (uint64_t)v, mt.load_min, mt.load_max, mt.moved, mt.moved_opt, mt.local,
			 mt.rack_known, r->violations, r->metrics.load_min, r->metrics.load_max,
			 r->metrics.moved, r->metrics.moved_opt, r->metrics.local,
			 r->metrics.rack_known);
		return -1;
	}
	return 0;
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
	size_t mws_size = 0;
	kh_case c;
	int rc = round_open(&c, &mws, &mws_size, pt, m, round, r, err, sizeof(err));
	if (rc == 0)
		rc = round_time(&c, m, round, runs, off, r, err, sizeof(err));
	if (rc == 0)
		rc = round_quality(&c, mws, mws_size, round, r, err, sizeof(err));
	/* The copies are generated by the threads themselves: free this one
	 * first, so the machine holds N copies, not N + 1. */
	free(mws);
	case_close(&c);
	if (rc < 0) {
		kh_point_result_free(r);
		r->ok = 0;
		if (rounds > 1 && round > 0)
			snprintf(r->error, sizeof(r->error), "round %u: %.230s", round + 1, err);
		else
			snprintf(r->error, sizeof(r->error), "%s", err);
		return -1;
	}
	if (m->threads > 1 && !r->threads_error[0])
		run_threads(pt, m, r->iterations, round, r);
	return 0;
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
	OPT_MEASURE,
};

typedef struct selection {
	unsigned char *strategy;                                 /* [ka_strategy_count()] */
	unsigned char *grid;                                     /* [kd_grid_count()] */
	unsigned char *jmh;                                      /* [kd_jmh_grid_count()] */
	unsigned char subs[KH_N_SUBS], variant[KH_MAX_VARIANTS]; /* variant: [kh_variant_count()] */
	const kd_grid *custom[KH_MAX_CUSTOM];
	size_t n_custom;
} selection;

/* Everything one sweep holds, phase to phase. */
typedef struct sweep {
	const char *cmd;
	/* the options */
	selection sel;
	int quiet, table, want_counts, rack_given;
	kd_gen_spec rk; /* the racks variant's racks, replication and layout */
	uint64_t repetitions, seed, threads, rounds;
	const char *cpus_arg, *out_path;
	/* the points */
	kh_point *pts;
	kh_point_result *res;
	size_t n_pts;
	/* the machine */
	kh_topo *topo;
	unsigned *cpus;
	size_t n_cpus;
	int bindable;
	char valgrind[1024], valgrind_version[128];
	/* the output */
	kh_run_info run;
	kh_reporter reps[2];
	size_t n_reps;
	kh_out out;
	int out_open;
	char path[1024];
	char binding[320];
	char exe[1024];
	/* counts, by point */
	kh_counts *counts;
	char (*counts_error)[200];
} sweep;

/* Points in a fixed order: strategy, then grid (the named ones in table
 * order, Kafka's JMH points, then MxTxP in the order given), subs, variant
 * (the list of measure.h). With the racks options the list's racks
 * variants give one point, of the layout asked for. */
static int plan(sweep *sw)
{
	const selection *sel = &sw->sel;
	const size_t ns = ka_strategy_count(), ng = kd_grid_count(), nj = kd_jmh_grid_count();
	const size_t nv = kh_variant_count();
	const size_t n_grids = ng + nj + sel->n_custom;
	kh_point *pts = malloc((ns * n_grids * KH_N_SUBS * nv + 1) * sizeof(*pts));
	size_t n = 0;
	if (!pts)
		return -1;
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
			for (int su = 0; su < KH_N_SUBS; su++) {
				int custom_racks_done = 0;
				for (size_t va = 0; va < nv; va++) {
					const kh_variant *v = kh_variant_at(va);
					const int r = v->variant == KD_VARIANT_RACKS;
					if (!sel->subs[su] || !sel->variant[va])
						continue;
					if (r && sw->rack_given && custom_racks_done++)
						continue;
					kh_point p = {ka_strategy_at(si), grid,     su,
						      v->variant,         sw->seed, 0,
						      v->replication,     0};
					if (r && sw->rack_given) {
						p.racks = sw->rk.racks;
						p.replication = sw->rk.replication;
						p.rack_layout = sw->rk.rack_layout;
					}
					pts[n++] = p;
				}
			}
		}
	}
	sw->pts = pts;
	sw->n_pts = n;
	return 0;
}

/* --variant NAME: the list's variants of that label (racks also names the
 * racks variants, so --variant racks with the racks options keeps working).
 * Returns 0, or -1 when the name is unknown. */
static int select_variant(sweep *sw, const char *name)
{
	int found = 0;
	for (size_t i = 0; i < kh_variant_count(); i++) {
		const kh_variant *v = kh_variant_at(i);
		char label[64];
		kd_gen_spec spec = {.variant = v->variant, .replication = v->replication};
		kd_variant_label(&spec, label, sizeof(label));
		if (strcmp(label, name) == 0) {
			sw->sel.variant[i] = 1;
			found = 1;
		}
	}
	return found ? 0 : -1;
}

/* Which selection options were given: those left out select everything
 * (or, for grids, the default ones) once all options are read. */
typedef struct given {
	int strategy, grid, subs, variant, all_grids, repetitions;
} given;

/* --grid NAME: a named grid, Kafka's JMH grid as a whole, or an MxTxP grid
 * kept in the order given. Returns -1 to go on, else the exit status. */
static int select_grid(sweep *sw, const char *name)
{
	selection *sel = &sw->sel;
	const size_t n_grids = kd_grid_count(), n_jmh = kd_jmh_grid_count();
	if (strcmp(name, "jmh-client") == 0 || strcmp(name, "jmh-server") == 0) {
		/* Both of Kafka's benchmarks share one parameter grid. */
		memset(sel->jmh, 1, n_jmh);
		return -1;
	}
	const kd_grid *g = kh_grid_lookup(sw->cmd, name);
	if (!g)
		return KH_EXIT_USAGE;
	int named = 0;
	for (size_t i = 0; i < n_grids; i++)
		if (kd_grid_at(i) == g)
			sel->grid[i] = named = 1;
	for (size_t i = 0; i < n_jmh; i++)
		if (kd_jmh_grid_at(i) == g)
			sel->jmh[i] = named = 1;
	if (!named) {
		if (sel->n_custom == KH_MAX_CUSTOM)
			return kh_usage_error(sw->cmd, "--grid: more than %d MxTxP grids",
					      KH_MAX_CUSTOM);
		sel->custom[sel->n_custom++] = g;
	}
	return -1;
}

/* The options that choose the points: grids, strategies, subscription
 * modes, variants and the racks variant's layout. Returns -1 to go on,
 * else the exit status. */
static int selection_option(sweep *sw, int c, const char *arg, given *gv)
{
	const char *cmd = sw->cmd;
	selection *sel = &sw->sel;
	int x, rc;
	switch (c) {
	case 'g':
		if ((rc = select_grid(sw, arg)) >= 0)
			return rc;
		gv->grid = 1;
		break;
	case OPT_ALL_GRIDS:
		gv->all_grids = 1;
		break;
	case 's': {
		const ka_strategy *s = kh_strategy_lookup(cmd, arg);
		if (!s)
			return KH_EXIT_USAGE;
		for (size_t i = 0; i < ka_strategy_count(); i++)
			if (ka_strategy_at(i) == s)
				sel->strategy[i] = 1;
		gv->strategy = 1;
		break;
	}
	case OPT_SUBS:
		if ((x = kd_subs_parse(arg)) < 0)
			return kh_usage_error(
			    cmd, "--subs: unknown mode '%s' (homogeneous, heterogeneous)", arg);
		sel->subs[x] = 1;
		gv->subs = 1;
		break;
	case OPT_VARIANT:
		if (select_variant(sw, arg) < 0)
			return kh_usage_error(cmd,
					      "--variant: unknown variant '%s' (fresh, "
					      "churn-remove, churn-add, racks, racks-rf1)",
					      arg);
		gv->variant = 1;
		break;
	default: /* --racks, --replication, --rack-layout */
		if ((rc = kh_rack_option(cmd, c, arg, &sw->rk, &sw->rack_given)) != 0)
			return rc;
		break;
	}
	return -1;
}

/* The options of the measurement: samples, rounds, seed, PUs, threads and
 * what is measured. Returns -1 to go on, else the exit status. */
static int measure_option(sweep *sw, int c, const char *arg, given *gv)
{
	const char *cmd = sw->cmd;
	switch (c) {
	case 'n':
		if (kh_parse_u64(arg, 1, 1000000, &sw->repetitions) < 0)
			return kh_usage_error(
			    cmd, "--repetitions: '%s' is not a count in 1..1000000", arg);
		gv->repetitions = 1;
		break;
	case OPT_ROUNDS:
		if (kh_parse_u64(arg, 1, 1000000, &sw->rounds) < 0)
			return kh_usage_error(cmd, "--rounds: '%s' is not a count in 1..1000000",
					      arg);
		break;
	case OPT_SEED:
		if (kh_parse_u64(arg, 0, UINT64_MAX, &sw->seed) < 0)
			return kh_usage_error(cmd, "--seed: '%s' is not an unsigned integer", arg);
		break;
	case OPT_CPUS:
		sw->cpus_arg = arg;
		break;
	case 't':
		if (kh_parse_u64(arg, 1, KH_MAX_CPUS, &sw->threads) < 0)
			return kh_usage_error(cmd, "--threads: '%s' is not a count in 1..%d", arg,
					      KH_MAX_CPUS);
		break;
	default: /* --measure */
		if (strcmp(arg, "time") == 0)
			sw->want_counts = 0;
		else if (strcmp(arg, "counts") == 0)
			sw->want_counts = 1;
		else
			return kh_usage_error(cmd, "--measure: unknown measure '%s' (time, counts)",
					      arg);
		break;
	}
	return -1;
}

/* The options of the output: format, path and quiet. Returns -1 to go on,
 * else the exit status. */
static int output_option(sweep *sw, int c, const char *arg)
{
	const char *cmd = sw->cmd;
	switch (c) {
	case OPT_FORMAT:
		if (strcmp(arg, "json") == 0)
			sw->table = 0;
		else if (strcmp(arg, "table") == 0)
			sw->table = 1;
		else
			return kh_usage_error(cmd, "--format: unknown format '%s' (json, table)",
					      arg);
		break;
	case 'o':
		if (!*arg)
			return kh_usage_error(cmd, "-o: empty path");
		sw->out_path = arg;
		break;
	default: /* --quiet */
		sw->quiet = 1;
		break;
	}
	return -1;
}

/* Once every option is read: what was not chosen is all chosen, the racks
 * options need a racks variant, and the samples and rounds agree. Returns
 * -1 to go on, else the exit status. */
static int complete_options(sweep *sw, const given *gv)
{
	selection *sel = &sw->sel;
	for (size_t i = 0; i < ka_strategy_count(); i++)
		sel->strategy[i] |= !gv->strategy;
	for (size_t i = 0; i < kd_grid_count(); i++)
		sel->grid[i] |= gv->all_grids || (!gv->grid && kd_grid_at(i)->in_default);
	for (int i = 0; i < KH_N_SUBS; i++)
		sel->subs[i] |= !gv->subs;
	int racks_selected = 0;
	for (size_t i = 0; i < kh_variant_count(); i++) {
		sel->variant[i] |= !gv->variant;
		racks_selected |= sel->variant[i] && kh_variant_at(i)->variant == KD_VARIANT_RACKS;
	}
	if (sw->rack_given && !racks_selected)
		return kh_usage_error(sw->cmd,
				      "--racks, --replication and --rack-layout apply to the "
				      "racks variant, which --variant leaves out");
	/* Counts decide the verdict on such a file; one wall-time sample a
	 * point keeps the run short unless more are asked for. */
	if (sw->want_counts && !gv->repetitions)
		sw->repetitions = 1;
	/* Every round takes at least one sample of every point. */
	if (sw->rounds > sw->repetitions)
		sw->rounds = sw->repetitions;
	return -1;
}

/* Phase 1: the options, each group read by its own function. Returns -1
 * to go on, else the exit status. */
static int parse_options(sweep *sw, int argc, char **argv)
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
	    {"measure", required_argument, NULL, OPT_MEASURE},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	given gv = {0};
	int c, rc;
	while ((c = getopt_long(argc, argv, ":g:s:n:t:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
		case OPT_ALL_GRIDS:
		case 's':
		case OPT_SUBS:
		case OPT_VARIANT:
		case KH_OPT_RACKS:
		case KH_OPT_REPLICATION:
		case KH_OPT_LAYOUT:
			rc = selection_option(sw, c, optarg, &gv);
			break;
		case 'n':
		case OPT_ROUNDS:
		case OPT_SEED:
		case OPT_CPUS:
		case 't':
		case OPT_MEASURE:
			rc = measure_option(sw, c, optarg, &gv);
			break;
		case OPT_FORMAT:
		case 'o':
		case 'q':
			rc = output_option(sw, c, optarg);
			break;
		case 'h':
			fputs(sweep_usage, stdout);
			return KH_EXIT_OK;
		default:
			return kh_option_error(sw->cmd, c, argv);
		}
		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		return kh_usage_error(sw->cmd, "unexpected argument '%s'", argv[optind]);
	return complete_options(sw, &gv);
}

/* Phase 2: the machine: the cores asked for must exist, and be enough;
 * with counts, valgrind must be there. Returns -1 to go on, else the exit
 * status. */
static int check_machine(sweep *sw)
{
	const char *cmd = sw->cmd;
	char err[512];
	sw->topo = kh_topo_open(err, sizeof(err));
	if (!sw->topo) {
		kh_error(cmd, "cannot read the machine's topology: %s", err);
		return KH_EXIT_USAGE;
	}
	char pus[128];
	kh_topo_pu_list(sw->topo, pus, sizeof(pus));
	const unsigned cores = kh_topo_cores(sw->topo);
	if (sw->threads > cores)
		return kh_usage_error(cmd,
				      "--threads: %" PRIu64 " threads need %" PRIu64
				      " cores, this machine has %u (PUs %s)",
				      sw->threads, sw->threads, cores, pus);
	sw->cpus = calloc(KH_MAX_CPUS, sizeof(*sw->cpus));
	if (!sw->cpus) {
		kh_error(cmd, "out of memory");
		return KH_EXIT_USAGE;
	}
	if (sw->cpus_arg) {
		if (kh_cpus_parse(sw->topo, sw->cpus_arg, sw->cpus, KH_MAX_CPUS, &sw->n_cpus, err,
				  sizeof(err)) < 0)
			return kh_usage_error(cmd, "%s", err);
		if (sw->n_cpus < sw->threads)
			return kh_usage_error(cmd,
					      "--threads: %" PRIu64 " threads need %" PRIu64
					      " PUs in --cpus, '%s' gives %zu",
					      sw->threads, sw->threads, sw->cpus_arg, sw->n_cpus);
		if (sw->n_cpus > sw->threads && !sw->quiet)
			fprintf(stderr, "sweep: note: --cpus: only the first %" PRIu64 " used\n",
				sw->threads);
		sw->n_cpus = sw->threads;
	} else {
		sw->n_cpus = kh_cpus_default(sw->topo, sw->cpus, sw->threads);
	}
	sw->bindable = kh_topo_is_this_system(sw->topo) && sw->n_cpus >= 1;
	if (sw->want_counts &&
	    kh_counts_find_valgrind(sw->valgrind, sizeof(sw->valgrind), sw->valgrind_version,
				    sizeof(sw->valgrind_version), err, sizeof(err)) < 0) {
		kh_error(cmd, "%s", err);
		return KH_EXIT_USAGE;
	}
	return -1;
}

/* Phase 3: the output, opened before anything runs: an unwritable path is a
 * usage error, and nothing is half-written (temporary file, renamed).
 * Returns -1 to go on, else the exit status. */
static int open_output(sweep *sw)
{
	const char *cmd = sw->cmd;
	kh_topo_describe(sw->topo, &sw->run.topo);
	kh_sysinfo_read(&sw->run.sys, &sw->run.topo);
	FILE *table_f = stdout;
	if (!sw->table || sw->out_path) {
		const char *p = sw->out_path;
		if (!p) {
			if (default_path(cmd, &sw->run.sys, sw->path, sizeof(sw->path)) < 0)
				return KH_EXIT_USAGE;
			p = sw->path;
		} else if (strcmp(p, "-") != 0) {
			struct stat st;
			if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
				return kh_usage_error(cmd, "-o: '%s' is a directory", p);
			snprintf(sw->path, sizeof(sw->path), "%s", p);
			/* Say which option is wrong before kh_out_open says why. */
			char dir[1024];
			snprintf(dir, sizeof(dir), "%s", p);
			char *slash = strrchr(dir, '/');
			if (slash)
				slash[slash == dir] = '\0'; /* "/x" -> "/", "a/x" -> "a" */
			if (access(slash ? dir : ".", W_OK | X_OK) != 0)
				return kh_usage_error(cmd, "-o: cannot write '%s': %s", p,
						      strerror(errno));
		}
		if ((sw->out_path ? kh_out_open(&sw->out, cmd, strcmp(p, "-") == 0 ? NULL : p)
				  : kh_out_open_free(&sw->out, cmd, p, "json")) < 0)
			return KH_EXIT_USAGE; /* the message names the path */
		sw->out_open = 1;
		interrupted_tmp = sw->out.tmp;
		catch_signals();
		table_f = sw->out.f;
	}
	if ((sw->table ? kh_reporter_table(&sw->reps[sw->n_reps], table_f)
		       : kh_reporter_json(&sw->reps[sw->n_reps], sw->out.f)) < 0) {
		kh_error(cmd, "out of memory");
		return KH_EXIT_USAGE;
	}
	sw->n_reps++;
	if (!sw->table && !sw->quiet) {
		if (kh_reporter_summary(&sw->reps[sw->n_reps], stderr) < 0) {
			kh_error(cmd, "out of memory");
			return KH_EXIT_USAGE;
		}
		sw->n_reps++;
	}
	/* argv[0] here is the subcommand; the binary is what Google Benchmark
	 * records. */
	const ssize_t exe_len = readlink("/proc/self/exe", sw->exe, sizeof(sw->exe) - 1);
	sw->exe[exe_len > 0 ? exe_len : 0] = '\0';
	return -1;
}

/* ------------------------------------------------------------------ counts */

/*
 * The counts child (this same command, re-executed under valgrind): one
 * grandchild a point, as many at once as there are PUs online; one line a
 * point on stdout, "<index> ok <Ir> <Dr> <Dw> <I1mr> <D1mr> <D1mw> <ILmr>
 * <DLmr> <DLmw>" or "<index> error <message>", in the order they finish.
 * Between forks nothing here allocates (kh_counts_finish reads with
 * read(2); lines go out with write(2)), so every grandchild starts from the
 * same heap.
 */
static int counts_child(const sweep *sw, const char *dir)
{
	enum { MAX_JOBS = 64 };
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	pid_t pid[MAX_JOBS];
	size_t which[MAX_JOBS];
	size_t running = 0, next = 0;
	int rc = KH_EXIT_OK;
	while (next < sw->n_pts || running > 0) {
		while (next < sw->n_pts && running < (size_t)jobs) {
			const kd_gen_spec spec = kh_point_spec(&sw->pts[next]);
			const pid_t p = kh_counts_start(&spec, sw->pts[next].strategy);
			if (p < 0) {
				char line[128];
				const int n = snprintf(line, sizeof(line), "%zu error fork: %s\n",
						       next, strerror(errno));
				if (write(STDOUT_FILENO, line, (size_t)n) < 0)
					return KH_EXIT_USAGE;
				next++;
				rc = KH_EXIT_FAIL;
				continue;
			}
			pid[running] = p;
			which[running++] = next++;
		}
		if (!running)
			break;
		/* The oldest first: points finish roughly in order, and the
		 * parent's progress follows the plan. */
		kh_counts c;
		char err[200], line[512];
		int n;
		if (kh_counts_finish(dir, pid[0], &c, err, sizeof(err)) < 0) {
			n = snprintf(line, sizeof(line), "%zu error %s\n", which[0], err);
			rc = KH_EXIT_FAIL;
		} else {
			n = snprintf(line, sizeof(line),
				     "%zu ok %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
				     " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
				     "\n",
				     which[0], c.ir, c.dr, c.dw, c.i1mr, c.d1mr, c.d1mw, c.ilmr,
				     c.dlmr, c.dlmw);
		}
		if (write(STDOUT_FILENO, line, (size_t)n) < 0)
			return KH_EXIT_USAGE;
		memmove(pid, pid + 1, (running - 1) * sizeof(*pid));
		memmove(which, which + 1, (running - 1) * sizeof(*which));
		running--;
	}
	return rc;
}

/* One line of the child: "<i> ok <9 counts>" or "<i> error <msg>". */
static void counts_line(sweep *sw, char *line, unsigned char *got)
{
	line[strcspn(line, "\n")] = '\0';
	char *end;
	const unsigned long long i = strtoull(line, &end, 10);
	if (end == line || *end != ' ' || i >= sw->n_pts)
		return;
	const char *rest = end + 1;
	kh_counts *c = &sw->counts[i];
	if (strncmp(rest, "ok ", 3) == 0 &&
	    sscanf(rest + 3,
		   "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64,
		   &c->ir, &c->dr, &c->dw, &c->i1mr, &c->d1mr, &c->d1mw, &c->ilmr, &c->dlmr,
		   &c->dlmw) == 9) {
		got[i] = 1;
	} else if (strncmp(rest, "error ", 6) == 0) {
		snprintf(sw->counts_error[i], sizeof(sw->counts_error[i]), "%s", rest + 6);
		got[i] = 2;
	}
}

/* Phase 4, with --measure counts: every point's counts, from this command
 * re-executed under valgrind (counts_child). Run before the binding, so
 * that the child may use every PU. A point without counts fails (its
 * error says why). Returns -1 to go on, else the exit status. */
static int measure_counts(sweep *sw, int argc, char **argv)
{
	const char *cmd = sw->cmd;
	char dir[1024], err[512];
	unsigned char *got = calloc(sw->n_pts + 1, 1);
	sw->counts = calloc(sw->n_pts + 1, sizeof(*sw->counts));
	sw->counts_error = calloc(sw->n_pts + 1, sizeof(*sw->counts_error));
	if (!got || !sw->counts || !sw->counts_error) {
		free(got);
		kh_error(cmd, "out of memory");
		return KH_EXIT_USAGE;
	}
	kh_counts_signals sig;
	kh_counts_catch(&sig); /* before the folder exists */
	if (kh_counts_tmpdir(dir, sizeof(dir), err, sizeof(err)) < 0) {
		free(got);
		kh_counts_release(&sig, interrupted_tmp);
		kh_error(cmd, "--measure counts: %s", err);
		return KH_EXIT_USAGE;
	}
	/* The same command line: the child plans the same points. argv[0] is
	 * the subcommand. */
	char **args = calloc((size_t)argc + 2, sizeof(*args));
	int fd = -1;
	pid_t pid = -1;
	if (args) {
		static char sub[] = "sweep";
		args[0] = sub;
		for (int i = 1; i < argc; i++)
			args[i] = argv[i];
		pid = kh_counts_spawn(sw->valgrind, dir, sw->exe, args, &fd, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "out of memory");
	}
	free(args);
	if (pid < 0) {
		free(got);
		kh_counts_rmdir(dir);
		kh_counts_release(&sig, interrupted_tmp);
		kh_error(cmd, "--measure counts: %s", err);
		return KH_EXIT_USAGE;
	}
	if (!sw->quiet)
		fprintf(stderr, "sweep: counts of %zu points under %s callgrind (%s)\n", sw->n_pts,
			sw->valgrind_version, KH_COUNTS_CACHES);
	FILE *f = fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0, done = 0;
	const int tty = isatty(STDERR_FILENO);
	const uint64_t t0 = kh_now_ns();
	while (!kh_counts_signalled() && f && getline(&line, &cap, f) > 0) {
		counts_line(sw, line, got);
		done++;
		if (sw->quiet)
			continue;
		if (tty)
			fprintf(stderr, "\r\033[Ksweep: counts %zu/%zu, %.0f s", done, sw->n_pts,
				(double)(kh_now_ns() - t0) / 1e9);
		else if (done % 50 == 0 || done == sw->n_pts)
			fprintf(stderr, "sweep: counts %zu/%zu, %.0f s\n", done, sw->n_pts,
				(double)(kh_now_ns() - t0) / 1e9);
	}
	if (tty && !sw->quiet)
		fputs("\r\033[K", stderr);
	free(line);
	if (f)
		fclose(f);
	else
		close(fd);
	const int st = kh_counts_end(pid, dir, &sig, interrupted_tmp);
	for (size_t i = 0; i < sw->n_pts; i++)
		if (!got[i])
			snprintf(sw->counts_error[i], sizeof(sw->counts_error[i]),
				 "counts: no result from the valgrind child (%s %d)",
				 WIFSIGNALED(st) ? "signal" : "exit status",
				 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	free(got);
	return -1;
}

/* Phase 5: this thread measures alone: bind it (and its memory) first, then
 * measure the floor with the same clock and loop, and fill what the file's
 * context says of the run. */
static void bind_and_describe(sweep *sw)
{
	kh_binding bind;
	const unsigned *cpus = sw->cpus;
	if (sw->bindable) {
		kh_bind_thread(sw->topo, cpus[0], &bind);
		if (bind.cpu_bound && bind.mem_bound)
			snprintf(sw->binding, sizeof(sw->binding), "PU %u, memory on NUMA node %d",
				 cpus[0], bind.numa_node);
		else if (bind.cpu_bound)
			snprintf(sw->binding, sizeof(sw->binding), "PU %u; %s", cpus[0], bind.note);
		else
			snprintf(sw->binding, sizeof(sw->binding), "not bound: %s", bind.note);
		if (!bind.cpu_bound)
			sw->n_cpus = 0;
	} else {
		snprintf(sw->binding, sizeof(sw->binding), "not bound: %s",
			 kh_topo_is_this_system(sw->topo)
			     ? "no PU found"
			     : "the hwloc topology is not this machine (synthetic or XML)");
		sw->n_cpus = 0;
	}
	const double overhead = kh_time_overhead(KH_OVERHEAD_RUNS);

	kh_run_info *run = &sw->run;
	run->executable = sw->exe[0] ? sw->exe : "kassign";
	run->cpus = sw->cpus;
	run->n_cpus = sw->n_cpus;
	run->binding = sw->binding;
	run->threads = (uint32_t)sw->threads;
	run->repetitions = (uint32_t)sw->repetitions;
	run->rounds = (uint32_t)sw->rounds;
	run->warmup = 1;
	run->seed = sw->seed;
	run->overhead_ns = overhead;
	run->n_points = sw->n_pts;
	run->measure = sw->want_counts ? "counts" : "time";
	run->valgrind = sw->want_counts ? sw->valgrind_version : NULL;
	if (sw->quiet)
		return;
	fprintf(stderr, "sweep: %zu points, %s; %s\n", sw->n_pts, sw->binding, run->topo.summary);
	fprintf(stderr,
		"sweep: seed %" PRIu64 ", %" PRIu64 " timed samples per point%s, in %" PRIu64
		" round%s over all points (each: warm-up + a share of the samples), "
		"timer overhead %.1f ns\n",
		sw->seed, sw->repetitions,
		sw->threads > 1 ? ", alone and with N threads at once" : "", sw->rounds,
		sw->rounds > 1 ? "s" : "", overhead);
	if (sw->threads > 1) {
		fprintf(stderr, "sweep: --threads %" PRIu64 " on %s", sw->threads,
			sw->n_cpus ? "PUs" : "unbound threads");
		for (size_t i = 0; i < sw->n_cpus; i++)
			fprintf(stderr, "%s%u", i ? "," : " ", sw->cpus[i]);
		fputc('\n', stderr);
	}
}

/* Phase 6: round by round over every point, so a slow spell of the machine
 * is spread over many points instead of spoiling a run of them; only the
 * samples and figures of each point are kept between rounds. */
static void measure_rounds(sweep *sw)
{
	const uint32_t rounds = (uint32_t)sw->rounds;
	const kh_measure m = {.repetitions = (uint32_t)sw->repetitions,
			      .rounds = rounds,
			      .threads = (uint32_t)sw->threads,
			      .cpus = sw->n_cpus ? sw->cpus : NULL,
			      .topo = sw->topo,
			      .overhead_ns = sw->run.overhead_ns};
	progress pg = {isatty(STDERR_FILENO), sw->quiet, sw->n_pts * (size_t)rounds, 0, 0,
		       kh_now_ns(),           0};
	for (size_t i = 0; i < sw->n_pts; i++)
		pg.total_weight += (double)rounds * point_weight(&sw->pts[i]);
	size_t step = 0;
	for (uint32_t k = 0; k < rounds; k++) {
		for (size_t i = 0; i < sw->n_pts; i++, step++) {
			char name[256], label[320];
			kh_point_name(&sw->pts[i], name, sizeof(name));
			if (rounds > 1)
				snprintf(label, sizeof(label), "%s (round %u/%u)", name, k + 1,
					 rounds);
			else
				snprintf(label, sizeof(label), "%s", name);
			if (k > 0 && !sw->res[i].ok) {
				pg.done_weight += point_weight(&sw->pts[i]); /* failed before */
				continue;
			}
			progress_before(&pg, step, label);
			kh_point_round(&sw->pts[i], &m, k, &sw->res[i]);
			progress_after(&pg, step, &sw->pts[i], name, k, rounds, &sw->res[i]);
		}
	}
	progress_clear(&pg);
}

/* Phase 7: the counts joined to the points' results; then every writer gets
 * every point, and the output is published. Returns the exit status. */
static int report(sweep *sw)
{
	const char *cmd = sw->cmd;
	int rc = KH_EXIT_OK;
	double smallest_sample = 0;
	for (size_t i = 0; i < sw->n_pts; i++) {
		kh_point_result *r = &sw->res[i];
		if (r->ok && sw->counts) {
			if (sw->counts_error[i][0]) {
				kh_point_result_free(r);
				r->ok = 0;
				snprintf(r->error, sizeof(r->error), "%s", sw->counts_error[i]);
			} else {
				r->has_counts = 1;
				r->counts = sw->counts[i];
			}
		}
		if (r->ok && (r->violations || (r->threads && r->thread_violations))) {
			/* An invalid output is kassign's defect: said, and exit 3. */
			char name[256];
			kh_point_name(&sw->pts[i], name, sizeof(name));
			kh_error(
			    cmd,
			    "%s: internal error: strategy %s produced an invalid assignment: %s",
			    name, sw->pts[i].strategy->name,
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
		for (size_t k = 0; k < sw->n_reps; k++)
			sw->reps[k].point(sw->reps[k].ctx, &sw->pts[i], r);
		kh_point_result_free(r);
	}

	int werr = 0;
	for (size_t i = 0; i < sw->n_reps; i++)
		werr |= sw->reps[i].end(sw->reps[i].ctx) < 0;
	const double overhead = sw->run.overhead_ns;
	if (!sw->quiet && smallest_sample > 0 && overhead >= 0.01 * smallest_sample)
		fprintf(stderr,
			"sweep: warning: the timer overhead (%.1f ns) is %.1f %% of the shortest "
			"timed sample (%.1f ns): figures that small are not to be trusted\n",
			overhead, 100.0 * overhead / smallest_sample, smallest_sample);
	if (sw->out_open) {
		interrupted_tmp = NULL;
		sw->out_open = 0;
		/* An invalid point keeps stdout empty: a file keeps the points
		 * (the invalid one marked) and is named on stderr; stdout as the
		 * output gets nothing. */
		const int internal = rc == KH_EXIT_INTERNAL;
		if (werr || (internal && !sw->out.path)) {
			kh_out_abort(&sw->out);
			if (werr)
				rc = KH_EXIT_USAGE;
		} else if (kh_out_commit(&sw->out, cmd) < 0) {
			rc = KH_EXIT_USAGE;
		} else {
			if (sw->out.chosen) /* the default name, as taken */
				snprintf(sw->path, sizeof(sw->path), "%s", sw->out.chosen);
			kh_out_free(&sw->out);
			if (sw->path[0] && internal)
				fprintf(stderr,
					"sweep: %s written to %s, with the invalid points marked\n",
					sw->table ? "table" : "results", sw->path);
			else if (sw->path[0] && !sw->table)
				printf("%s\n", sw->path);
			else if (sw->path[0] && !sw->quiet)
				fprintf(stderr, "sweep: table written to %s\n", sw->path);
		}
	}
	if (!sw->quiet && rc == KH_EXIT_FAIL)
		fprintf(stderr, "sweep: some points failed (exit status 1)\n");
	return rc;
}

static void sweep_free(sweep *sw)
{
	if (sw->out_open) {
		interrupted_tmp = NULL;
		kh_out_abort(&sw->out);
	}
	for (size_t i = 0; i < sw->n_reps; i++)
		sw->reps[i].free(sw->reps[i].ctx);
	kh_topo_close(sw->topo);
	free(sw->cpus);
	for (size_t i = 0; sw->res && i < sw->n_pts; i++)
		kh_point_result_free(&sw->res[i]);
	free(sw->res);
	free(sw->pts);
	free(sw->counts);
	free(sw->counts_error);
	free(sw->sel.strategy);
	free(sw->sel.grid);
	free(sw->sel.jmh);
}

int kh_cmd_sweep(int argc, char **argv)
{
	sweep sw;
	memset(&sw, 0, sizeof(sw));
	sw.cmd = "sweep";
	sw.repetitions = 9;
	sw.seed = 1;
	sw.threads = 1;
	sw.rounds = 3;
	/* Selections are flags over the tables, so points run in table order and
	 * a name given twice runs once. */
	sw.sel.strategy = calloc(ka_strategy_count() + 1, 1);
	sw.sel.grid = calloc(kd_grid_count() + 1, 1);
	sw.sel.jmh = calloc(kd_jmh_grid_count() + 1, 1);
	int rc;
	if (!sw.sel.strategy || !sw.sel.grid || !sw.sel.jmh) {
		kh_error(sw.cmd, "out of memory");
		rc = KH_EXIT_USAGE;
		goto done;
	}
	if ((rc = parse_options(&sw, argc, argv)) >= 0)
		goto done;
	if (plan(&sw) < 0) {
		kh_error(sw.cmd, "out of memory");
		rc = KH_EXIT_USAGE;
		goto done;
	}
	/* A point the generator cannot build (past the model's limits) is bad
	 * usage, said before anything runs or is written. */
	for (size_t i = 0; i < sw.n_pts; i++) {
		const kd_gen_spec spec = kh_point_spec(&sw.pts[i]);
		char gerr[256];
		if (kd_gen_check(&spec, gerr, sizeof(gerr)) < 0) {
			rc = kh_usage_error(sw.cmd, "--grid: %s", gerr);
			goto done;
		}
	}
	/* Under valgrind for --measure counts: the child's part only. Nothing
	 * before it allocates by the size of the selection, so every point
	 * starts from the same heap whatever else the run measures. */
	const char *counts_dir = sw.want_counts ? kh_counts_child_dir() : NULL;
	if (counts_dir) {
		rc = counts_child(&sw, counts_dir);
		goto done;
	}
	if (!(sw.res = calloc(sw.n_pts + 1, sizeof(*sw.res)))) {
		kh_error(sw.cmd, "out of memory");
		rc = KH_EXIT_USAGE;
		goto done;
	}
	if ((rc = check_machine(&sw)) >= 0 || (rc = open_output(&sw)) >= 0)
		goto done;
	if (sw.want_counts && (rc = measure_counts(&sw, argc, argv)) >= 0)
		goto done;
	bind_and_describe(&sw);
	for (size_t i = 0; i < sw.n_reps; i++)
		sw.reps[i].begin(sw.reps[i].ctx, &sw.run);
	measure_rounds(&sw);
	rc = report(&sw);
done:
	sweep_free(&sw);
	return rc;
}
