/*
 * sweep.c - `kassign sweep`: every chosen strategy over every chosen grid,
 * subscription mode and variant. Each point is generated in memory, its
 * workspace and output array allocated once, then one warm-up call and N
 * timed calls run on a pinned thread; quality comes from the last call's
 * output. Points are measured here and written by a kh_reporter, so the
 * output format can change without touching the measurement.
 */
#include "harness/harness.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char sweep_usage[] =
    "Usage: kassign sweep [--grid NAME]... [--strategy NAME]... [--subs MODE]...\n"
    "                     [--variant VARIANT]... [--repetitions N] [--seed N]\n"
    "                     [--all-grids]\n"
    "\n"
    "Times the assign call of every strategy on every grid point and prints one\n"
    "table row per point on stdout (the thread binding goes to stderr). Each\n"
    "option may be repeated; with none, every strategy, every default grid (all\n"
    "but G-1M), both subscription modes and all four variants are run. Churn\n"
    "variants start from the same strategy's assignment of the fresh group.\n"
    "\n"
    "  -g, --grid NAME        a grid (see 'kassign list')\n"
    "      --all-grids        every grid, G-1M included\n"
    "  -s, --strategy NAME    a strategy\n"
    "      --subs MODE        homogeneous or heterogeneous\n"
    "      --variant VARIANT  fresh, churn-remove, churn-add or racks\n"
    "  -n, --repetitions N    timed calls per point, after one warm-up (default 9)\n"
    "      --seed N           seed of the generated member ids (default 1)\n"
    "  -h, --help             this text\n"
    "\n"
    "Columns: median/min/max wall time of one assign call in ms, ns and bytes\n"
    "(workspace + 4-byte owner array) per partition, load max-min over eligible\n"
    "members, balanced, partitions moved and the lower bound on moves ('>=' when\n"
    "only a bound), and whether the assignment passed ka_assignment_validate.\n"
    "\n"
    "Exit status: 0 every point ran and was valid, 1 a point failed, 2 usage.\n";

#define KH_N_SUBS     2
#define KH_N_VARIANTS 4

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

int kh_point_run(const kh_point *pt, uint32_t repetitions, kh_point_result *r)
{
	memset(r, 0, sizeof(*r));
	const kd_gen_spec spec = {pt->grid, pt->subs, pt->variant, pt->seed, pt->strategy, 0, 0};
	ka_group *g = NULL;
	char err[200];
	if (kd_generate(&spec, &g, err, sizeof(err)) < 0) {
		snprintf(r->error, sizeof(r->error), "generate: %s", err);
		return -1;
	}
	r->partitions = g->n_partitions;
	r->members = g->n_members;

	const ka_strategy *s = pt->strategy;
	const size_t ws_size = ka_workspace_size(s, g);
	const size_t mws_size = ka_metrics_workspace_size(g);
	void *ws = kh_aligned_alloc(ws_size);
	void *mws = malloc(mws_size ? mws_size : 1);
	uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * sizeof(*owner));
	uint64_t *samples = malloc((size_t)repetitions * sizeof(*samples));
	int rc = -1;
	if (!ws || !mws || !owner || !samples) {
		snprintf(r->error, sizeof(r->error), "out of memory (workspace of %zu bytes)",
			 ws_size);
		goto out;
	}
	r->ws_bytes = ws_size;

	const int arc = kh_time_assign(s, g, ws, ws_size, owner, 1, repetitions, samples);
	if (arc < 0) {
		snprintf(r->error, sizeof(r->error), "assign: %s", ka_strerror(arc));
		goto out;
	}
	kh_timing_summarize(samples, repetitions, &r->timing);

	bad_member_flag bad = {0};
	r->violations = ka_assignment_validate(g, owner, (s->flags & KA_STRATEGY_COOPERATIVE) != 0,
					       note_bad_member, &bad);
	if (bad.seen) {
		snprintf(r->error, sizeof(r->error), "assign: owner past the %u members",
			 g->n_members);
		goto out;
	}
	const int mrc = ka_metrics_compute(g, owner, mws, mws_size, &r->metrics);
	if (mrc < 0) {
		snprintf(r->error, sizeof(r->error), "metrics: %s", ka_strerror(mrc));
		goto out;
	}
	r->ok = 1;
	rc = 0;
out:
	free(samples);
	free(owner);
	free(mws);
	free(ws);
	ka_group_free(g);
	return rc;
}

enum { OPT_SUBS = 256, OPT_VARIANT, OPT_SEED, OPT_ALL_GRIDS };

int kh_cmd_sweep(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"grid", required_argument, NULL, 'g'},
	    {"all-grids", no_argument, NULL, OPT_ALL_GRIDS},
	    {"strategy", required_argument, NULL, 's'},
	    {"subs", required_argument, NULL, OPT_SUBS},
	    {"variant", required_argument, NULL, OPT_VARIANT},
	    {"repetitions", required_argument, NULL, 'n'},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "sweep";
	const size_t n_strategies = ka_strategy_count(), n_grids = kd_grid_count();
	/* Selections are flags over the tables, so points run in table order and
	 * a name given twice runs once. */
	unsigned char *want_strategy = calloc(n_strategies + 1, 1);
	unsigned char *want_grid = calloc(n_grids + 1, 1);
	unsigned char want_subs[KH_N_SUBS] = {0}, want_variant[KH_N_VARIANTS] = {0};
	int any_strategy = 0, any_grid = 0, any_subs = 0, any_variant = 0, all_grids = 0;
	const kd_grid *custom[32];
	size_t n_custom = 0;
	uint64_t repetitions = 9, seed = 1;
	int rc = KH_EXIT_USAGE, c, x;

	if (!want_strategy || !want_grid) {
		kh_error(cmd, "out of memory");
		goto out;
	}
	while ((c = getopt_long(argc, argv, ":g:s:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'g': {
			const kd_grid *g = kh_grid_lookup(cmd, optarg);
			if (!g)
				goto out;
			int named = 0;
			for (size_t i = 0; i < n_grids; i++)
				if (kd_grid_at(i) == g)
					want_grid[i] = named = 1;
			if (!named && n_custom < sizeof custom / sizeof custom[0])
				custom[n_custom++] = g; /* MxTxP, run after the named ones */
			any_grid = 1;
			break;
		}
		case OPT_ALL_GRIDS:
			all_grids = 1;
			break;
		case 's': {
			const ka_strategy *s = kh_strategy_lookup(cmd, optarg);
			if (!s)
				goto out;
			for (size_t i = 0; i < n_strategies; i++)
				if (ka_strategy_at(i) == s)
					want_strategy[i] = 1;
			any_strategy = 1;
			break;
		}
		case OPT_SUBS:
			if ((x = kd_subs_parse(optarg)) < 0) {
				rc = kh_usage_error(
				    cmd, "--subs: unknown mode '%s' (homogeneous, heterogeneous)",
				    optarg);
				goto out;
			}
			want_subs[x] = 1;
			any_subs = 1;
			break;
		case OPT_VARIANT:
			if ((x = kd_variant_parse(optarg)) < 0) {
				rc = kh_usage_error(cmd,
						    "--variant: unknown variant '%s' (fresh, "
						    "churn-remove, churn-add, racks)",
						    optarg);
				goto out;
			}
			want_variant[x] = 1;
			any_variant = 1;
			break;
		case 'n':
			if (kh_parse_u64(optarg, 1, 1000000, &repetitions) < 0) {
				rc = kh_usage_error(
				    cmd, "--repetitions: '%s' is not a count in 1..1000000",
				    optarg);
				goto out;
			}
			break;
		case OPT_SEED:
			if (kh_parse_u64(optarg, 0, UINT64_MAX, &seed) < 0) {
				rc = kh_usage_error(cmd, "--seed: '%s' is not an unsigned integer",
						    optarg);
				goto out;
			}
			break;
		case 'h':
			fputs(sweep_usage, stdout);
			rc = KH_EXIT_OK;
			goto out;
		default:
			rc = kh_option_error(cmd, c, argv);
			goto out;
		}
	}
	if (optind < argc) {
		rc = kh_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	for (size_t i = 0; i < n_strategies; i++)
		want_strategy[i] |= !any_strategy;
	for (size_t i = 0; i < n_grids; i++)
		want_grid[i] |= all_grids || (!any_grid && kd_grid_at(i)->in_default);
	for (int i = 0; i < KH_N_SUBS; i++)
		want_subs[i] |= !any_subs;
	for (int i = 0; i < KH_N_VARIANTS; i++)
		want_variant[i] |= !any_variant;

	kh_pin *pin = kh_pin_thread(stderr);
	fprintf(stderr, "sweep: seed %" PRIu64 ", 1 warm-up + %" PRIu64 " timed calls per point\n",
		seed, repetitions);
	kh_reporter rep;
	kh_reporter_table(&rep, stdout);
	rep.begin(rep.ctx);
	rc = KH_EXIT_OK;
	for (size_t si = 0; si < n_strategies; si++) {
		for (size_t gi = 0; gi < n_grids + n_custom; gi++) {
			const kd_grid *grid = gi < n_grids ? kd_grid_at(gi) : custom[gi - n_grids];
			for (int su = 0; su < KH_N_SUBS; su++) {
				for (int va = 0; va < KH_N_VARIANTS; va++) {
					if (!want_strategy[si] || (gi < n_grids && !want_grid[gi]) ||
					    !want_subs[su] || !want_variant[va])
						continue;
					const kh_point pt = {ka_strategy_at(si), grid, su, va, seed};
					kh_point_result r;
					if (kh_point_run(&pt, (uint32_t)repetitions, &r) < 0 ||
					    r.violations)
						rc = KH_EXIT_FAIL;
					rep.point(rep.ctx, &pt, &r);
				}
			}
		}
	}
	rep.end(rep.ctx);
	kh_pin_free(pin);
out:
	free(want_strategy);
	free(want_grid);
	return rc;
}
