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

int kh_cmd_assign(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"strategy", required_argument, NULL, 's'},
	    {"repeat", required_argument, NULL, 'r'},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "assign";
	const char *strategy_name = NULL, *out_path = NULL;
	uint64_t repeat = 0;
	int c;

	while ((c = getopt_long(argc, argv, ":s:r:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			strategy_name = optarg;
			break;
		case 'r':
			if (kh_parse_u64(optarg, 1, 100000000, &repeat) < 0)
				return kh_usage_error(
				    cmd, "--repeat: '%s' is not a count in 1..100000000", optarg);
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			fputs(assign_usage, stdout);
			return KH_EXIT_OK;
		default:
			return kh_option_error(cmd, c, argv);
		}
	}
	if (!strategy_name)
		return kh_usage_error(cmd, "--strategy is required");
	if (optind >= argc)
		return kh_usage_error(cmd, "no scenario file given");
	if (optind + 1 < argc)
		return kh_usage_error(cmd, "one scenario file expected, got also '%s'",
				      argv[optind + 1]);
	const char *path = argv[optind];
	const ka_strategy *s = kh_strategy_lookup(cmd, strategy_name);
	if (!s)
		return KH_EXIT_USAGE;

	ka_group *g = NULL;
	if (kd_scenario_load(path, &g, kd_msg_stderr, NULL) < 0)
		return KH_EXIT_USAGE;

	int rc = KH_EXIT_USAGE;
	kh_out out = {0};
	const size_t ws_size = ka_workspace_size(s, g);
	void *ws = kh_aligned_alloc(ws_size);
	uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * sizeof(*owner));
	double *samples = repeat ? malloc(repeat * sizeof(*samples)) : NULL;
	kh_pin *pin = NULL;
	kh_timing t = {0};
	if (!ws || !owner || (repeat && !samples)) {
		kh_error(cmd, "%s: out of memory (workspace of %zu bytes)", path, ws_size);
		goto out;
	}

	int arc;
	if (repeat) {
		pin = kh_pin_thread(stderr);
		arc = kh_time_assign(s, g, ws, ws_size, owner, 0, 1, (uint32_t)repeat, samples);
		kh_timing_summarize(samples, (uint32_t)repeat, &t);
	} else {
		arc = ka_assign(s, g, ws, ws_size, owner);
	}
	if (arc < 0) {
		kh_error(cmd, "%s: strategy %s failed: %s", path, s->name, ka_strerror(arc));
		rc = KH_EXIT_FAIL;
		goto out;
	}

	/* No invalid assignment leaves the program: checked before a byte is
	 * written (timed apart from the assign call, for --repeat's report). */
	char first[512];
	const uint64_t v0 = kh_now_ns();
	const uint64_t nv = kh_assignment_verify(s, g, owner, first, sizeof(first));
	const uint64_t v1 = kh_now_ns();
	if (nv) {
		rc = kh_internal_error(cmd, path, s, nv, first);
		goto out;
	}
	if (kh_out_open(&out, cmd, out_path) < 0)
		goto out;
	if (kd_assignment_write(out.f, g, s->name, owner) < 0) {
		kh_error(cmd, "%s: cannot write the assignment", out_path ? out_path : "stdout");
		kh_out_abort(&out);
		goto out;
	}
	if (kh_out_commit(&out, cmd) < 0)
		goto out;
	rc = KH_EXIT_OK;

	if (repeat) {
		fprintf(stderr, "assign: median %.6f ms, min %.6f ms, max %.6f ms over %u runs",
			t.median_ns / 1e6, t.min_ns / 1e6, t.max_ns / 1e6, t.runs);
		if (g->n_partitions)
			fprintf(stderr,
				", %.2f ns per partition; validating the output (untimed above): "
				"%.3f ms, %.2f ns per partition\n",
				t.median_ns / g->n_partitions, (double)(v1 - v0) / 1e6,
				(double)(v1 - v0) / g->n_partitions);
		else
			fprintf(stderr, ", no partitions\n");
	}
out:
	kh_pin_free(pin);
	free(samples);
	free(owner);
	free(ws);
	ka_group_free(g);
	return rc;
}
