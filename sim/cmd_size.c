/*
 * cmd_size.c - `kassign size`: sizes a consumer group by simulation. From
 * the partitions, the produce rate and one consumer's capacity it derives a
 * member count, then runs the simulator (sim/) for each alternative
 * configuration through a deploy and through a crash, and recommends the
 * one whose partitions stay unprocessed for the least time.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/scenario.h"
#include "sim/cmd.h"
#include "sim/sim.h"

static const char size_usage[] =
    "Usage: kassign size --partitions N --rate R --capacity C [--headroom H]\n"
    "                    [--deploy rolling|rolling-kill] [--restart-ms MS] [--gap-ms MS]\n"
    "                    [--members N] [--json] [-o FILE]\n"
    "       kassign size --scenario FILE --rate R --capacity C [...]\n"
    "\n"
    "Recommends a member count, protocol and strategy, static membership and\n"
    "session timeout for a consumer group, from simulator runs (docs/simulation.md):\n"
    "each alternative goes through a deploy and through a crash, and the table\n"
    "gives what each costs.\n"
    "\n"
    "      --partitions N     partitions of the group's one topic\n"
    "      --scenario FILE    the group instead: a scenario file (kassign import)\n"
    "      --rate R           messages/s produced over all partitions\n"
    "      --capacity C       messages/s one consumer processes\n"
    "      --headroom H       capacity kept spare, 0 <= H < 1 (default 0.3): members =\n"
    "                         ceil(R / (C * (1 - H))), at least 2 (a crash leaves\n"
    "                         somebody) and at most the partitions\n"
    "      --members N        this member count instead\n"
    "      --deploy D         rolling (default: each member closed and restarted in\n"
    "                         turn) or rolling-kill (killed, no close())\n"
    "      --restart-ms MS    a member's time from stop to rejoin (default 20000)\n"
    "      --gap-ms MS        wait between one member back and the next restart (0)\n"
    "      --json             a JSON document instead of the table\n"
    "  -o, --output FILE      write there instead of stdout\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 ok, 2 bad input or usage.\n";

enum {
	OPT_PARTITIONS = 256,
	OPT_SCENARIO,
	OPT_RATE,
	OPT_CAPACITY,
	OPT_HEADROOM,
	OPT_MEMBERS,
	OPT_DEPLOY,
	OPT_RESTART,
	OPT_GAP,
	OPT_JSON
};

/* When the crash happens: between member m0000's heartbeats and auto
 * commits (at 0 + 3000k and 0 + 5000k), as a crash at a random moment would
 * be on average. */
#define CRASH_AT 61500

/* The alternatives, in the order they are printed. */
typedef struct alternative {
	const char *protocol, *strategy;
	int stat;
	int session_ms;
} alternative;

static const alternative alternatives[] = {
    {"eager", "range", 0, 45000},
    {"eager", "range", 1, 45000},
    {"cooperative", "cooperative-sticky", 0, 45000},
    {"cooperative", "cooperative-sticky", 1, 45000},
    {"cooperative", "cooperative-sticky", 0, 10000},
    {"cooperative", "cooperative-sticky", 1, 10000},
    {"consumer", "uniform", 0, 45000},
    {"consumer", "uniform", 1, 45000},
};
#define N_ALT (sizeof(alternatives) / sizeof(alternatives[0]))

typedef struct cost {
	ks_summary s;
	double recover_ms; /* crash: from the crash until every partition is processed again */
} cost;

typedef struct size_args {
	const char *scenario;
	uint64_t partitions;
	double rate, capacity, headroom;
	uint64_t members;
	int kill;
	double restart_ms, gap_ms;
} size_args;

static double parse_num(const char *s, double min, double max)
{
	char *end = NULL;
	double x = strtod(s, &end);
	if (!*s || *end || !(x >= min) || x > max)
		return NAN;
	return x;
}

static void msg_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "kassign size: %s\n", line);
}

/* One run: the alternative, the group, and the deploy (or the crash). */
static int run_one(const size_args *a, const alternative *alt, uint32_t members, double per_part,
		   int crash, cost *c)
{
	json_t *j = json_object();
	if (a->scenario)
		json_object_set_new(j, "group", json_pack("{s:s}", "scenario", a->scenario));
	else
		json_object_set_new(j, "group",
				    json_pack("{s:i, s:[{s:s, s:I}]}", "members", members, "topics",
					      "name", "t0", "partitions",
					      (json_int_t)a->partitions));
	json_object_set_new(j, "name", json_string(crash ? "size-crash" : "size-deploy"));
	json_object_set_new(j, "protocol", json_string(alt->protocol));
	json_object_set_new(j, "strategy", json_string(alt->strategy));
	json_object_set_new(j, "static_membership", json_boolean(alt->stat));
	json_object_set_new(j, "config",
			    json_pack("{s:i, s:i}", "session.timeout.ms", alt->session_ms,
				      "heartbeat.interval.ms",
				      alt->session_ms >= 30000 ? 3000 : 1000));
	json_object_set_new(j, "model",
			    json_pack("{s:f, s:f, s:f}", "produce_rate", per_part, "capacity",
				      a->capacity, "restart_ms", a->restart_ms));
	if (crash)
		json_object_set_new(j, "events",
				    json_pack("[{s:i, s:s, s:i}]", "at_ms", CRASH_AT, "type",
					      "crash", "member", 0));
	else
		json_object_set_new(j, "events",
				    json_pack("[{s:i, s:s, s:i, s:f, s:s}]", "at_ms", 60000, "type",
					      "rolling-restart", "count", members, "gap_ms",
					      a->gap_ms, "stop", a->kill ? "kill" : "close"));
	ks_plan *p = NULL;
	/* "size" has no directory: the scenario path is used as given. */
	int rc = ks_plan_from_json("size", j, &p, msg_stderr, NULL);
	json_decref(j);
	if (rc < 0)
		return -1;
	ks_run *r = NULL;
	char err[256];
	if (ks_simulate(p, &r, err, sizeof(err)) < 0) {
		kh_error("size", "%s", err);
		ks_plan_free(p);
		return -1;
	}
	c->s = r->summary;
	/* Recovery: the last moment a partition started being processed again. */
	c->recover_ms = 0;
	for (size_t i = 0; i < r->n_rebalances; i++)
		if (r->rebalances[i].end_ms - CRASH_AT > c->recover_ms)
			c->recover_ms = r->rebalances[i].end_ms - CRASH_AT;
	for (size_t i = 0; i < r->n_intervals; i++)
		if (r->intervals[i].from_ms > 0 &&
		    r->intervals[i].from_ms - CRASH_AT > c->recover_ms)
			c->recover_ms = r->intervals[i].from_ms - CRASH_AT;
	ks_run_free(r);
	ks_plan_free(p);
	return 0;
}

static void alt_name(const alternative *alt, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s %s %ds", alt->protocol, alt->strategy,
		 alt->stat ? "static" : "dynamic", alt->session_ms / 1000);
}

/* The figure an alternative is judged by: partition-seconds without a
 * processor over a deploy and a crash (each is lag that piles up). */
static double score(const cost *deploy, const cost *crash)
{
	return deploy->s.unowned_partition_seconds + crash->s.unowned_partition_seconds;
}

int kh_cmd_size(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"partitions", required_argument, NULL, OPT_PARTITIONS},
	    {"scenario", required_argument, NULL, OPT_SCENARIO},
	    {"rate", required_argument, NULL, OPT_RATE},
	    {"capacity", required_argument, NULL, OPT_CAPACITY},
	    {"headroom", required_argument, NULL, OPT_HEADROOM},
	    {"members", required_argument, NULL, OPT_MEMBERS},
	    {"deploy", required_argument, NULL, OPT_DEPLOY},
	    {"restart-ms", required_argument, NULL, OPT_RESTART},
	    {"gap-ms", required_argument, NULL, OPT_GAP},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "size";
	size_args a = {NULL, 0, NAN, NAN, 0.3, 0, 0, 20000, 0};
	const char *out_path = NULL;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PARTITIONS:
			if (kh_parse_u64(optarg, 1, KA_MAX_PARTITIONS, &a.partitions) < 0)
				return kh_usage_error(cmd,
						      "--partitions: '%s' is not a count 1..%u",
						      optarg, KA_MAX_PARTITIONS);
			break;
		case OPT_SCENARIO:
			a.scenario = optarg;
			break;
		case OPT_RATE:
			if (isnan(a.rate = parse_num(optarg, 0, 1e12)))
				return kh_usage_error(
				    cmd, "--rate: '%s' is not a rate >= 0 (messages/s)", optarg);
			break;
		case OPT_CAPACITY:
			if (isnan(a.capacity = parse_num(optarg, 1e-9, 1e12)) || a.capacity <= 0)
				return kh_usage_error(
				    cmd, "--capacity: '%s' is not a rate > 0 (messages/s)", optarg);
			break;
		case OPT_HEADROOM:
			if (isnan(a.headroom = parse_num(optarg, 0, 0.99)))
				return kh_usage_error(cmd, "--headroom: '%s' is not in 0..0.99",
						      optarg);
			break;
		case OPT_MEMBERS:
			if (kh_parse_u64(optarg, 1, KA_MAX_MEMBERS, &a.members) < 0)
				return kh_usage_error(cmd, "--members: '%s' is not a count 1..%u",
						      optarg, KA_MAX_MEMBERS);
			break;
		case OPT_DEPLOY:
			if (strcmp(optarg, "rolling") == 0)
				a.kill = 0;
			else if (strcmp(optarg, "rolling-kill") == 0)
				a.kill = 1;
			else
				return kh_usage_error(
				    cmd, "--deploy: '%s' is not rolling or rolling-kill", optarg);
			break;
		case OPT_RESTART:
			if (isnan(a.restart_ms = parse_num(optarg, 0, 3600000)))
				return kh_usage_error(
				    cmd, "--restart-ms: '%s' is not a time 0..3600000", optarg);
			break;
		case OPT_GAP:
			if (isnan(a.gap_ms = parse_num(optarg, 0, 3600000)))
				return kh_usage_error(
				    cmd, "--gap-ms: '%s' is not a time 0..3600000", optarg);
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			fputs(size_usage, stdout);
			return KH_EXIT_OK;
		default:
			return kh_option_error(cmd, c, argv);
		}
	}
	if (optind < argc)
		return kh_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!a.scenario == !a.partitions)
		return kh_usage_error(cmd, "give --partitions N or --scenario FILE (one of them)");
	if (isnan(a.rate) || isnan(a.capacity))
		return kh_usage_error(cmd, "--rate and --capacity are required");

	/* The group: partitions, and members from the scenario or the load. */
	uint64_t parts = a.partitions;
	uint32_t members = 0;
	if (a.scenario) {
		ka_group *g = NULL;
		if (kd_scenario_load(a.scenario, &g, kd_msg_stderr, NULL) < 0)
			return KH_EXIT_USAGE;
		parts = g->n_partitions;
		members = g->n_members;
		ka_group_free(g);
		if (a.members)
			return kh_usage_error(cmd, "--members applies to --partitions; a scenario "
						   "brings its own members");
		if (parts == 0 || members == 0)
			return kh_usage_error(
			    cmd, "%s: a group with members and partitions is needed", a.scenario);
	} else if (a.members) {
		members = (uint32_t)a.members;
	} else {
		/* At least two, so that a crash leaves somebody to take over. */
		double need = ceil(a.rate / (a.capacity * (1 - a.headroom)));
		const uint32_t floor_n = parts < 2 ? (uint32_t)parts : 2;
		members = need < floor_n         ? floor_n
			  : need > (double)parts ? (uint32_t)parts
						 : (uint32_t)need;
	}
	const double per_part = a.rate / (double)parts;
	/* A partition is processed by one member: past one member per
	 * partition, more members do not help. */
	const uint32_t useful = members < parts ? members : (uint32_t)parts;
	if (a.rate > a.capacity * useful) {
		kh_error(cmd,
			 "%u members of capacity %g cannot keep up with %g messages/s (%s%llu "
			 "partitions): lag would grow forever",
			 members, a.capacity, a.rate,
			 members >= parts ? "at most one member per partition, " : "",
			 (unsigned long long)parts);
		return KH_EXIT_USAGE;
	}

	cost deploy[N_ALT], crash[N_ALT];
	size_t best = 0;
	for (size_t i = 0; i < N_ALT; i++) {
		if (run_one(&a, &alternatives[i], members, per_part, 0, &deploy[i]) < 0 ||
		    run_one(&a, &alternatives[i], members, per_part, 1, &crash[i]) < 0)
			return KH_EXIT_USAGE;
		if (score(&deploy[i], &crash[i]) < score(&deploy[best], &crash[best]) - 1e-9)
			best = i;
	}

	kh_out out;
	if (kh_out_open(&out, cmd, out_path) < 0)
		return KH_EXIT_USAGE;
	FILE *f = out.f;
	char name[128];
	if (json) {
		json_t *doc =
		    json_pack("{s:i, s:{s:I, s:f, s:f, s:f, s:s, s:f, s:f}, s:i, s:[]}",
			      "kassign_size", 1, "input", "partitions", (json_int_t)parts, "rate",
			      a.rate, "capacity", a.capacity, "headroom", a.headroom, "deploy",
			      a.kill ? "rolling-kill" : "rolling", "restart_ms", a.restart_ms,
			      "gap_ms", a.gap_ms, "members", members, "alternatives");
		if (a.scenario)
			json_object_set_new(json_object_get(doc, "input"), "scenario",
					    json_string(a.scenario));
		json_t *arr = json_object_get(doc, "alternatives");
		for (size_t i = 0; i < N_ALT; i++) {
			const alternative *alt = &alternatives[i];
			const ks_summary *d = &deploy[i].s, *k = &crash[i].s;
			json_array_append_new(
			    arr,
			    json_pack(
				"{s:s, s:s, s:b, s:i, s:b, s:{s:f, s:i, s:f, s:f, s:f, s:f}, "
				"s:{s:f, s:i, s:f, s:f, s:f, s:f}}",
				"protocol", alt->protocol, "strategy", alt->strategy, "static",
				alt->stat, "session_timeout_ms", alt->session_ms, "recommended",
				i == best, "deploy", "duration_ms", d->deploy_ms, "rebalances",
				d->rebalances, "stop_the_world_ms", d->stop_the_world_ms,
				"unowned_partition_seconds", d->unowned_partition_seconds,
				"max_lag", d->max_lag, "processed_twice", d->processed_twice,
				"crash", "recover_ms", crash[i].recover_ms, "rebalances",
				k->rebalances, "stop_the_world_ms", k->stop_the_world_ms,
				"unowned_partition_seconds", k->unowned_partition_seconds,
				"max_lag", k->max_lag, "processed_twice", k->processed_twice));
		}
		json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
		fputc('\n', f);
		json_decref(doc);
	} else {
		fprintf(f,
			"group: %llu partitions, %g messages/s, %g messages/s per consumer -> %u "
			"members%s\n",
			(unsigned long long)parts, a.rate, a.capacity, members,
			a.scenario  ? " (the scenario's)"
			: a.members ? " (--members)"
				    : "");
		fprintf(f,
			"deploy: rolling %s of all %u members, %g s restart; crash: one member\n\n",
			a.kill ? "kill" : "restart", members, a.restart_ms / 1000);
		fprintf(f, "%-44s | %-44s | %s\n", "", "deploy", "crash");
		fprintf(f, "%-44s | %8s %5s %8s %9s %9s | %8s %9s %9s %8s\n", "alternative", "time",
			"rebal", "stw", "unowned", "max lag", "recover", "unowned", "max lag",
			"twice");
		fprintf(f, "%-44s | %8s %5s %8s %9s %9s | %8s %9s %9s %8s\n", "", "s", "", "s",
			"part-s", "msgs", "s", "part-s", "msgs", "msgs");
		for (size_t i = 0; i < N_ALT; i++) {
			const ks_summary *d = &deploy[i].s, *k = &crash[i].s;
			alt_name(&alternatives[i], name, sizeof(name));
			fprintf(
			    f,
			    "%-2s%-42s | %8.1f %5u %8.1f %9.1f %9.0f | %8.1f %9.1f %9.0f %8.0f\n",
			    i == best ? "* " : "", name, d->deploy_ms / 1000, d->rebalances,
			    d->stop_the_world_ms / 1000, d->unowned_partition_seconds, d->max_lag,
			    crash[i].recover_ms / 1000, k->unowned_partition_seconds, k->max_lag,
			    k->processed_twice);
		}
		alt_name(&alternatives[best], name, sizeof(name));
		fprintf(f,
			"\nrecommended: %u members, %s (*): the fewest partition-seconds without a "
			"consumer over a deploy and a crash (%.1f)\n",
			members, name, score(&deploy[best], &crash[best]));
	}
	return kh_out_commit(&out, cmd) < 0 ? KH_EXIT_USAGE : KH_EXIT_OK;
}
