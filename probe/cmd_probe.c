/*
 * cmd_probe.c - `kassign probe`: a run plan played by real librdkafka
 * consumers (probe.h), the run file out (docs/simulation.md).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"
#include "sim/cmd.h"
#include "sim/sim.h"

static const char probe_usage[] =
    "Usage: kassign probe [OPTIONS] PLAN.json | --preset NAME\n"
    "\n"
    "Plays a run plan (docs/simulation.md) with real librdkafka consumers, one\n"
    "per member, on librdkafka's built-in mock cluster (no server needed), and\n"
    "writes the run file the rebalance callbacks recorded, as `kassign simulate`\n"
    "writes it (\"source\": \"probe\"). Runs in real time: time 0 is the group\n"
    "settled after its first join; the run ends at the plan's end_ms, or once\n"
    "the last event has settled. Progress on stderr.\n"
    "\n"
    "  -p, --preset NAME        a named plan of `kassign simulate --list-presets`\n"
    "  -o, --output FILE        write the run file to FILE instead of stdout\n"
    "  -b, --bootstrap HOST:PORT[,HOST:PORT...]\n"
    "                           real brokers instead of the mock cluster (the only\n"
    "                           way the probe talks to anything but loopback); the\n"
    "                           topics are created when missing, the group id is\n"
    "                           kassign-probe-<pid>-<time>\n"
    "      --leader-hold-ms MS  hold the group leader MS ms before it assigns (0:\n"
    "                           never); by default, on the mock cluster, until its\n"
    "                           followers have sent their SyncGroup, plus 20 ms\n"
    "  -q, --quiet              no progress on stderr\n"
    "      --trace              librdkafka's consumer-group debug lines on stderr,\n"
    "                           with the run's time\n"
    "      --trace-only FAC[,FAC...]\n"
    "                           --trace, only the lines of these facilities (e.g.\n"
    "                           SYNCGROUP,HEARTBEAT,JOIN): printing every line\n"
    "                           slows the consumers it watches\n"
    "  -h, --help               this text\n"
    "\n"
    "librdkafka 2.0.2 runs protocols eager (range, roundrobin) and cooperative\n"
    "(cooperative-sticky); its mock cluster has no static membership and needs\n"
    "session.timeout.ms >= 3500 (docs/simulation.md, \"The probe\").\n"
    "\n"
    "Exit status: 0 ok, 1 the group did not settle after its first join,\n"
    "2 bad plan or usage, or the brokers could not be reached.\n";

/* HOST:PORT[,HOST:PORT...], each port 1..65535. */
/* FAC[,FAC...]: librdkafka's log facilities are upper-case words. */
static int facilities_ok(const char *s)
{
	size_t len = 0;
	for (;; s++) {
		if (*s == ',' || !*s) {
			if (len == 0)
				return 0;
			if (!*s)
				return 1;
			len = 0;
		} else if ((*s >= 'A' && *s <= 'Z') || *s == '_') {
			len++;
		} else {
			return 0;
		}
	}
}

static int bootstrap_ok(const char *s)
{
	if (!*s)
		return 0;
	while (*s) {
		size_t len = strcspn(s, ",");
		const char *colon = NULL;
		for (size_t i = 0; i < len; i++)
			if (s[i] == ':')
				colon = s + i;
		if (!colon || colon == s)
			return 0;
		char port[8];
		size_t plen = (size_t)(s + len - colon - 1);
		if (plen == 0 || plen >= sizeof(port))
			return 0;
		memcpy(port, colon + 1, plen);
		port[plen] = 0;
		uint64_t v;
		if (kh_parse_u64(port, 1, 65535, &v) < 0)
			return 0;
		s += len;
		if (*s == ',')
			s++;
	}
	return 1;
}

/* The options and the one plan argument into *o, *out_path and *plan_arg
 * (the preset's name or the file's path). Returns -1 to go on, else the
 * exit status. */
static int parse_args(int argc, char **argv, kp_options *o, const char **out_path,
		      const char **preset, const char **plan_arg)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"preset", required_argument, NULL, 'p'},
	    {"bootstrap", required_argument, NULL, 'b'},
	    {"leader-hold-ms", required_argument, NULL, 'L'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"trace", no_argument, NULL, 'T'},
	    {"trace-only", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "probe";
	int c;
	while ((c = getopt_long(argc, argv, ":o:p:b:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			*preset = optarg;
			break;
		case 'o':
			*out_path = optarg;
			break;
		case 'b':
			if (!bootstrap_ok(optarg))
				return kh_usage_error(
				    cmd, "--bootstrap: '%s' is not HOST:PORT[,HOST:PORT...]",
				    optarg);
			o->bootstrap = optarg;
			break;
		case 'L': {
			uint64_t v;
			if (kh_parse_u64(optarg, 0, 10000, &v) < 0)
				return kh_usage_error(
				    cmd, "--leader-hold-ms: '%s' is not a count of ms in 0..10000",
				    optarg);
			o->leader_hold_ms = (double)v;
			break;
		}
		case 'q':
			o->quiet = 1;
			break;
		case 'T':
			o->trace = 1;
			break;
		case 'F':
			if (!facilities_ok(optarg))
				return kh_usage_error(cmd,
						      "--trace-only: '%s' is not a list of "
						      "librdkafka debug facilities (A-Z, _), "
						      "comma-separated",
						      optarg);
			o->trace = 1;
			o->trace_only = optarg;
			break;
		case 'h':
			fputs(probe_usage, stdout);
			return KH_EXIT_OK;
		default:
			return kh_option_error(cmd, c, argv);
		}
	}
	if (optind >= argc && !*preset)
		return kh_usage_error(cmd, "no plan file given (or --preset NAME)");
	if (optind < argc && *preset)
		return kh_usage_error(cmd, "a plan file or --preset, not both");
	if (optind + 1 < argc)
		return kh_usage_error(cmd, "one plan file expected, got also '%s'",
				      argv[optind + 1]);
	if (o->bootstrap && o->leader_hold_ms < 0)
		o->leader_hold_ms = 0; /* brokers wait for every SyncGroup */
	*plan_arg = *preset ? *preset : argv[optind];
	return -1;
}

/* The plan, a preset's or a file's, read and checked against the target.
 * Returns 0, or -1 after the messages. */
static int load_plan(kp_plan *plan, const char *preset, const char *path, const kp_target *target)
{
	if (!preset)
		return kp_plan_load(plan, path, NULL, target);
	/* simulate's presets (sim/presets.c), read as any plan */
	json_t *doc = kh_preset_json("probe", preset);
	if (!doc)
		return -1;
	int bad = kp_plan_load(plan, preset, doc, target) < 0;
	json_decref(doc);
	return bad ? -1 : 0;
}

/* The run file into out (opened before the run), committed, or the output
 * dropped. Returns the exit status. */
static int write_run(kh_out *out, const kr_run *run)
{
	const char *cmd = "probe";
	if (kr_run_write(out->f, run) < 0) {
		kh_out_abort(out);
		return KH_EXIT_USAGE;
	}
	if (kh_out_commit(out, cmd) < 0)
		return KH_EXIT_USAGE;
	return KH_EXIT_OK;
}

int kh_cmd_probe(int argc, char **argv)
{
	const char *out_path = NULL, *preset = NULL, *path = NULL;
	kp_options o = {.bootstrap = NULL, .leader_hold_ms = -1, .quiet = 0};
	int rc = parse_args(argc, argv, &o, &out_path, &preset, &path);
	if (rc >= 0)
		return rc;
	kp_plan plan;
	kp_target target = {o.bootstrap};
	if (load_plan(&plan, preset, path, &target) < 0)
		return KH_EXIT_USAGE;

	/* The output is opened before the run, which takes seconds to minutes,
	 * so that a path it cannot write is refused first; a signal during the
	 * run removes the temporary file (kh_out). */
	kh_out out;
	if (kh_out_open(&out, "probe", out_path) < 0) {
		kp_plan_free(&plan);
		return KH_EXIT_USAGE;
	}
	kr_run *run = NULL;
	rc = kp_run(&plan, &o, &run);
	if (rc == KH_EXIT_OK)
		rc = write_run(&out, run);
	else
		kh_out_abort(&out);
	if (rc == KH_EXIT_OK && !o.quiet) {
		const kr_summary *s = &run->summary;
		fprintf(stderr,
			"probe: %s: %.0f generations, %.0f partitions unowned for %.1f "
			"partition-seconds, stop-the-world %.0f ms, %.0f ms in all\n",
			path, s->generations, s->partitions_unowned, s->unowned_partition_seconds,
			s->stop_the_world_ms, s->duration_ms);
	}
	kr_run_free(run);
	kp_plan_free(&plan);
	return rc;
}
