/*
 * cmd_timeline.c - `kassign timeline`: the timeline picture of a run file
 * (harness/timeline.c draws it).
 */
#include "harness/harness.h"

#include <getopt.h>
#include <stdlib.h>

#include "harness/timeline.h"

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

int kh_cmd_timeline(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"rows", required_argument, NULL, OPT_ROWS},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "timeline", *out_path = NULL;
	kh_timeline_opts topts = {0};
	uint64_t v;
	int c;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case OPT_ROWS:
			if (kh_parse_u64(optarg, 1, KH_TIMELINE_ROWS_MAX, &v) < 0)
				return kh_usage_error(cmd, "--rows: '%s' is not a count in 1..%d",
						      optarg, KH_TIMELINE_ROWS_MAX);
			topts.max_rows = (unsigned)v;
			break;
		case 'h':
			fputs(timeline_usage, stdout);
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
	if (!out_path)
		return kh_usage_error(cmd, "-o FILE.png or -o FILE.svg is required");
	const int format = kh_timeline_format_of(out_path);
	if (format < 0)
		return kh_usage_error(cmd, "-o %s: the picture is a .png or .svg file", out_path);

	char err[512];
	kh_run *run;
	if (kh_run_load(argv[optind], &run, err, sizeof(err)) < 0) {
		kh_error(cmd, "%s", err);
		return KH_EXIT_USAGE;
	}
	int rc = KH_EXIT_USAGE;
	kh_out out;
	if (kh_out_open(&out, cmd, out_path) == 0) {
		if (kh_timeline_render(run, &topts, format, out.f, err, sizeof(err)) < 0) {
			kh_error(cmd, "%s: %s", out_path, err);
			kh_out_abort(&out);
		} else if (kh_out_commit(&out, cmd) == 0) {
			rc = KH_EXIT_OK;
		}
	}
	kh_run_free(run);
	return rc;
}
