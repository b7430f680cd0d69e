/*
 * cmd_gen.c - `kassign gen`: writes one generated grid scenario, so a grid
 * point can be inspected, kept as a file, or fed to other assignors.
 */
#include "harness/harness.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/scenario.h"

static const char gen_usage[] =
    "Usage: kassign gen GRID [--subs MODE] [--variant VARIANT] [--seed N]\n"
    "                   [--strategy NAME] [--racks R] [--replication K]\n"
    "                   [--rack-layout LAYOUT] [-o FILE]\n"
    "\n"
    "Writes the scenario of a grid point (see 'kassign list' for the grids) on\n"
    "stdout, or to FILE. The same options always give the same file.\n"
    "\n"
    "      --subs MODE        homogeneous (default) or heterogeneous: member i\n"
    "                         subscribes to topic j iff (i + j) % 3 != 0\n"
    "      --variant VARIANT  fresh (default), churn-remove, churn-add or racks\n"
    "      --seed N           seed of the member ids (default 1)\n"
    "  -s, --strategy NAME    churn variants: the strategy whose assignment of the\n"
    "                         fresh group the members keep as owned (required;\n"
    "                         the other variants ignore it)\n"
    "      --racks R          racks variant: number of racks (default 3)\n"
    "      --replication K    racks variant: replicas per partition (default 3,\n"
    "                         at most R)\n"
    "      --rack-layout L    racks variant: even (default), skewed-members (racks\n"
    "                         get R : R-1 : ... : 1 of the members),\n"
    "                         one-rack-replicas (a replica of every partition on\n"
    "                         rack-0), memberless-rack (nobody on the last rack)\n"
    "  -o, --output FILE      write to FILE instead of stdout\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 ok, 2 bad input or usage.\n";

enum { OPT_SUBS = 256, OPT_VARIANT, OPT_SEED };

int kh_cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"subs", required_argument, NULL, OPT_SUBS},
	    {"variant", required_argument, NULL, OPT_VARIANT},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"strategy", required_argument, NULL, 's'},
	    KH_RACK_LONG_OPTIONS,
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "gen";
	const char *strategy_name = NULL, *out_path = NULL;
	kd_gen_spec spec = {NULL, KD_SUBS_HOMOGENEOUS, KD_VARIANT_FRESH, 1, NULL, 0, 0, 0};
	int c, rack_given = 0;

	while ((c = getopt_long(argc, argv, ":s:o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SUBS:
			if ((spec.subs = kd_subs_parse(optarg)) < 0)
				return kh_usage_error(
				    cmd, "--subs: unknown mode '%s' (homogeneous, heterogeneous)",
				    optarg);
			break;
		case OPT_VARIANT:
			if ((spec.variant = kd_variant_parse(optarg)) < 0)
				return kh_usage_error(cmd,
						      "--variant: unknown variant '%s' (fresh, "
						      "churn-remove, churn-add, racks)",
						      optarg);
			break;
		case OPT_SEED:
			if (kh_parse_u64(optarg, 0, UINT64_MAX, &spec.seed) < 0)
				return kh_usage_error(
				    cmd, "--seed: '%s' is not an unsigned integer", optarg);
			break;
		case KH_OPT_RACKS:
		case KH_OPT_REPLICATION:
		case KH_OPT_LAYOUT:
			if (kh_rack_option(cmd, c, optarg, &spec, &rack_given))
				return KH_EXIT_USAGE;
			break;
		case 's':
			strategy_name = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			fputs(gen_usage, stdout);
			return KH_EXIT_OK;
		default:
			return kh_option_error(cmd, c, argv);
		}
	}
	if (optind >= argc)
		return kh_usage_error(cmd, "no grid given");
	if (optind + 1 < argc)
		return kh_usage_error(cmd, "one grid expected, got also '%s'", argv[optind + 1]);
	if (!(spec.grid = kh_grid_lookup(cmd, argv[optind])))
		return KH_EXIT_USAGE;
	if (strategy_name && !(spec.strategy = kh_strategy_lookup(cmd, strategy_name)))
		return KH_EXIT_USAGE;

	const int churn =
	    spec.variant == KD_VARIANT_CHURN_REMOVE || spec.variant == KD_VARIANT_CHURN_ADD;
	if (rack_given && spec.variant != KD_VARIANT_RACKS)
		return kh_usage_error(
		    cmd, "--racks, --replication and --rack-layout apply to --variant racks only");

	char err[512];
	ka_group *g = NULL;
	if (kd_generate(&spec, &g, err, sizeof(err)) < 0) {
		if (churn && !spec.strategy)
			return kh_usage_error(cmd, "%s", err);
		kh_error(cmd, "%s", err);
		return KH_EXIT_USAGE;
	}

	int rc = KH_EXIT_USAGE;
	kh_out out;
	if (kh_out_open(&out, cmd, out_path) == 0) {
		if (kd_scenario_write(out.f, g) < 0) {
			kh_error(cmd, "%s: cannot write the scenario",
				 out_path ? out_path : "stdout");
			kh_out_abort(&out);
		} else if (kh_out_commit(&out, cmd) == 0) {
			rc = KH_EXIT_OK;
		}
	}
	ka_group_free(g);
	return rc;
}
