/*
 * cmd_timeline.c - `kassign timeline`: the timeline picture of a run file
 * (harness/timeline.c draws it), and the arguments it shares with `kassign
 * report`.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>

#include "views/timeline.h"

static const char timeline_usage[] =
    "Usage: kassign timeline RUN.json -o FILE.png|FILE.svg [--rows N]\n"
    "\n"
    "Draws the run file of 'kassign simulate' or 'kassign probe' as a Gantt\n"
    "chart: one row per member (shaded by the number of partitions it owns,\n"
    "orange while stopped), rebalances shaded across all rows with their\n"
    "generation, the lag below. The format follows the file name.\n"
    "\n"
    "  -o, --output FILE  the picture, .png or .svg (required)\n"
    "      --rows N       members drawn at most (default 40, at most 1000); past\n"
    "                     it, those with the most events and ownership changes\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 ok, 2 bad input or usage.\n";

enum { OPT_ROWS = 256 };

int kh_run_view_args(const char *cmd, const char *usage, const char *need_output, int argc,
		     char **argv, const char **in_path, const char **out_path,
		     kh_timeline_opts *opts)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"rows", required_argument, NULL, OPT_ROWS},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;
	*out_path = NULL;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			*out_path = optarg;
			break;
		case OPT_ROWS:
			if (kh_parse_u64(optarg, 1, KH_TIMELINE_ROWS_MAX, &v) < 0)
				return kh_usage_error(cmd, "--rows: '%s' is not a count in 1..%d",
						      optarg, KH_TIMELINE_ROWS_MAX);
			opts->max_rows = (unsigned)v;
			break;
		case 'h':
			fputs(usage, stdout);
			return KH_EXIT_OK;
		default:
			return kh_option_error(cmd, c, argv);
		}
	}
	if (optind >= argc)
		return kh_usage_error(cmd, "no run file given");
	if (optind + 1 < argc)
		return kh_usage_error(cmd, "one run file expected, got also '%s'",
				      argv[optind + 1]);
	if (!*out_path)
		return kh_usage_error(cmd, "%s is required", need_output);
	*in_path = argv[optind];
	return -1;
}

int kh_cmd_timeline(int argc, char **argv)
{
	const char *cmd = "timeline", *in_path = NULL, *out_path = NULL;
	kh_timeline_opts topts = {0};
	kr_run *run;
	int rc = kh_run_view_args(cmd, timeline_usage, "-o FILE.png or -o FILE.svg", argc, argv,
				  &in_path, &out_path, &topts);
	if (rc >= 0)
		return rc;
	const int format = kh_timeline_format_of(out_path);
	if (format < 0)
		return kh_usage_error(cmd, "-o %s: the picture is a .png or .svg file", out_path);

	char err[512];
	if (kr_run_load(in_path, &run, err, sizeof(err)) < 0) {
		kh_error(cmd, "%s", err);
		return KH_EXIT_USAGE;
	}
	rc = KH_EXIT_USAGE;
	kh_out out;
	if (kh_out_open(&out, cmd, out_path) == 0) {
		if (kh_timeline_render(run, &topts, format, out.f, err, sizeof(err)) < 0) {
			kh_error(cmd, "%s: %s", out_path, err);
			kh_out_abort(&out);
		} else if (kh_out_commit(&out, cmd) == 0) {
			rc = KH_EXIT_OK;
		}
	}
	kr_run_free(run);
	return rc;
}
