/*
 * cmd_assign.c - `kassign assign`: one scenario, one strategy, the
 * assignment document out. With --repeat the same call is also timed N
 * times, one call a sample on the default pinned PU, with no warm-up call and
 * no batching (the sweep warms up and batches short calls, so its figures and
 * these are not the same measurement).
 */
#include "harness/harness.h"

#include <getopt.h>
#include <stdlib.h>

#include "datasets/scenario.h"

static const char assign_usage[] =
    "Usage: kassign assign --strategy NAME [--repeat N] [-o FILE] SCENARIO\n"
    "\n"
    "Loads SCENARIO (a scenario JSON file), assigns its partitions with the\n"
    "strategy and writes the assignment document on stdout, or to FILE.\n"
    "Warnings about the scenario go to stderr.\n"
    "\n"
    "  -s, --strategy NAME  the strategy (see 'kassign list')\n"
    "  -r, --repeat N       run the assign call N times and report on stderr the\n"
    "                       median, min and max wall time and ns per partition\n"
    "                       (the thread is pinned; setup is not timed)\n"
    "  -o, --output FILE    write the assignment to FILE instead of stdout\n"
    "  -h, --help           this text\n"
    "\n"
    "Exit status: 0 ok, 1 the strategy returned an error, 2 bad input or usage.\n";

/* What the command line asks for. */
typedef struct assign_args {
	const char *strategy_name, *out_path, *path;
	uint64_t repeat;
} assign_args;

/* Reads the options; returns -1 to go on, or the exit status. */
static int parse_args(const char *cmd, int argc, char **argv, assign_args *a)
{
	static const struct option opts[] = {
	    {"strategy", required_argument, NULL, 's'},
	    {"repeat", required_argument, NULL, 'r'},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, ":s:r:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			a->strategy_name = optarg;
			break;
		case 'r':
			if (kh_parse_u64(optarg, 1, 100000000, &a->repeat) < 0)
				return kh_usage_error(
				    cmd, "--repeat: '%s' is not a count in 1..100000000", optarg);
			break;
		case 'o':
			a->out_path = optarg;
			break;
		case 'h':
			fputs(assign_usage, stdout);
			return KH_EXIT_OK;
		default:
			return kh_option_error(cmd, c, argv);
		}
	}
	if (!a->strategy_name)
		return kh_usage_error(cmd, "--strategy is required");
	if (optind >= argc)
		return kh_usage_error(cmd, "no scenario file given");
	if (optind + 1 < argc)
		return kh_usage_error(cmd, "one scenario file expected, got also '%s'",
				      argv[optind + 1]);
	a->path = argv[optind];
	return -1;
}

/* One assign call into owner, or --repeat's timed calls (the thread pinned
 * while they run) summarised in t. Returns the call's code. */
static int call_assign(const ka_strategy *s, const ka_group *g, void *ws, size_t ws_size,
		       uint32_t *owner, uint64_t repeat, double *samples, kh_timing *t)
{
	if (!repeat)
		return ka_assign(s, g, ws, ws_size, owner);
	kh_pin *pin = kh_pin_thread(stderr);
	int arc = kh_time_assign(s, g, ws, ws_size, owner, 0, 1, (uint32_t)repeat, samples);
	kh_timing_summarize(samples, (uint32_t)repeat, t);
	kh_pin_free(pin);
	return arc;
}

/* No invalid assignment leaves the program: checked before a byte is
 * written (timed apart from the assign call, for --repeat's report in
 * *verify_ns), then written all or nothing. Returns the exit status. */
static int verify_and_write(const char *cmd, const assign_args *a, const ka_strategy *s,
			    const ka_group *g, const uint32_t *owner, uint64_t *verify_ns)
{
	char first[512];
	const uint64_t v0 = kh_now_ns();
	const uint64_t nv = kh_assignment_verify(s, g, owner, first, sizeof(first));
	*verify_ns = kh_now_ns() - v0;
	if (nv)
		return kh_internal_error(cmd, a->path, s, nv, first);
	kh_out out = {0};
	if (kh_out_open(&out, cmd, a->out_path) < 0)
		return KH_EXIT_USAGE;
	if (kd_assignment_write(out.f, g, s->name, owner) < 0) {
		kh_error(cmd, "%s: cannot write the assignment",
			 a->out_path ? a->out_path : "stdout");
		kh_out_abort(&out);
		return KH_EXIT_USAGE;
	}
	return kh_out_commit(&out, cmd) < 0 ? KH_EXIT_USAGE : KH_EXIT_OK;
}

/* --repeat's line on stderr. */
static void report_repeat(const kh_timing *t, uint32_t n_partitions, uint64_t verify_ns)
{
	fprintf(stderr, "assign: median %.6f ms, min %.6f ms, max %.6f ms over %u runs",
		t->median_ns / 1e6, t->min_ns / 1e6, t->max_ns / 1e6, t->runs);
	if (n_partitions)
		fprintf(stderr,
			", %.2f ns per partition; validating the output (untimed above): "
			"%.3f ms, %.2f ns per partition\n",
			t->median_ns / n_partitions, (double)verify_ns / 1e6,
			(double)verify_ns / n_partitions);
	else
		fprintf(stderr, ", no partitions\n");
}

int kh_cmd_assign(int argc, char **argv)
{
	const char *cmd = "assign";
	assign_args a = {0};
	int rc = parse_args(cmd, argc, argv, &a);
	if (rc >= 0)
		return rc;
	const ka_strategy *s = kh_strategy_lookup(cmd, a.strategy_name);
	if (!s)
		return KH_EXIT_USAGE;

	ka_group *g = NULL;
	if (kd_scenario_load(a.path, &g, kd_msg_stderr, NULL) < 0)
		return KH_EXIT_USAGE;

	rc = KH_EXIT_USAGE;
	const size_t ws_size = ka_workspace_size(s, g);
	void *ws = kh_aligned_alloc(ws_size);
	uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * sizeof(*owner));
	double *samples = a.repeat ? malloc(a.repeat * sizeof(*samples)) : NULL;
	kh_timing t = {0};
	uint64_t verify_ns = 0;
	if (!ws || !owner || (a.repeat && !samples)) {
		kh_error(cmd, "%s: out of memory (workspace of %zu bytes)", a.path, ws_size);
	} else {
		int arc = call_assign(s, g, ws, ws_size, owner, a.repeat, samples, &t);
		if (arc < 0) {
			kh_error(cmd, "%s: strategy %s failed: %s", a.path, s->name,
				 ka_strerror(arc));
			rc = KH_EXIT_FAIL;
		} else {
			rc = verify_and_write(cmd, &a, s, g, owner, &verify_ns);
			if (rc == KH_EXIT_OK && a.repeat)
				report_repeat(&t, g->n_partitions, verify_ns);
		}
	}
	free(samples);
	free(owner);
	free(ws);
	ka_group_free(g);
	return rc;
}
