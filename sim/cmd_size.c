/*
 * cmd_size.c - `kassign size`: sizes a consumer group by simulation.
 *
 * From the partitions, the produce rate and one consumer's capacity it
 * finds the smallest member count whose busiest member (a partition is
 * consumed by one member, so the busiest holds ceil(P / M) of them) stays
 * within its capacity less the headroom (ks_safe_members); then it runs the
 * simulator (sim/) for each alternative configuration through a deploy, a
 * crash and a day of spurious session expiries (members pausing: GC,
 * network), and recommends the one under which the least lag piles up.
 * Every recommendation comes with its reasons and every constraint it could
 * not meet with a warning, in the table and in --json alike.
 *
 * The command runs in phases, each a function: size_parse (options),
 * size_members (the group and its safe member count), size_simulate (the
 * runs), size_choose (the recommendation, its reasons and warnings), then
 * size_write_table or size_write_json.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/scenario.h"
#include "sim/cmd.h"
#include "sim/sim.h"

static const char size_usage[] =
    "Usage: kassign size --partitions N --rate R --capacity C [--headroom H]\n"
    "                    [--deploy rolling|rolling-kill] [--restart-ms MS] [--gap-ms MS]\n"
    "                    [--pauses-per-hour X] [--slowest-record-ms MS]\n"
    "                    [--members N] [--json] [-o FILE]\n"
    "       kassign size --scenario FILE --rate R --capacity C [...]\n"
    "\n"
    "Recommends a member count, protocol and strategy, static membership, session\n"
    "timeout and poll settings for a consumer group, from simulator runs\n"
    "(docs/simulation.md): each alternative goes through a deploy, a crash and a\n"
    "day of spurious session expiries, and the table gives what each costs.\n"
    "\n"
    "      --partitions N     partitions of the group's one topic\n"
    "      --scenario FILE    the group instead: a scenario file (kassign import)\n"
    "      --rate R           messages/s produced over all partitions\n"
    "      --capacity C       messages/s one consumer processes\n"
    "      --headroom H       capacity kept spare, 0 <= H < 1 (default 0.3): the busiest\n"
    "                         member, ceil(partitions / members) partitions, must stay\n"
    "                         within C * (1 - H); members: the smallest such count, at\n"
    "                         least 2 (a crash leaves somebody)\n"
    "      --members N        this member count instead\n"
    "      --deploy D         rolling (default: each member closed and restarted in\n"
    "                         turn) or rolling-kill (killed, no close())\n"
    "      --restart-ms MS    a member's time from stop to rejoin (default 20000)\n"
    "      --gap-ms MS        wait between one member back and the next restart (0)\n"
    "      --pauses-per-hour X  pauses of a member (GC, network) per hour, each at\n"
    "                         least 1 s, Pareto-distributed lengths (alpha 1.5): the\n"
    "                         day of spurious expiries (default 1)\n"
    "      --slowest-record-ms MS  the slowest record's processing time, for\n"
    "                         max.poll.interval.ms (default 10 x 1000 / C)\n"
    "      --json             a JSON document instead of the table\n"
    "  -o, --output FILE      write there instead of stdout\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 ok, 2 bad input, an impossible load or usage.\n";

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
	OPT_PAUSES,
	OPT_SLOWEST,
	OPT_JSON
};

/* When the crash happens: between member m0000's heartbeats and auto
 * commits (at 0 + 3000k and 0 + 5000k), as a crash at a random moment would
 * be on average. */
#define CRASH_AT 61500
#define DAY_MS   86400000.0

/* Kafka's broker defaults for the consumer protocol (KIP-848): the broker,
 * not the client, sets the session and the heartbeat interval, and refuses
 * a group setting outside [min, max] (GroupCoordinatorConfig:
 * group.consumer.session.timeout.ms 45000 in [45000, 60000],
 * group.consumer.heartbeat.interval.ms 5000 in [5000, 15000]). */
#define KIP848_SESSION_MS   45000
#define KIP848_HEARTBEAT_MS 5000

/* The alternatives, in the order they are printed. */
typedef struct alternative {
	const char *protocol, *strategy;
	int stat;
	int session_ms, heartbeat_ms;
} alternative;

static const alternative alternatives[] = {
    {"eager", "range", 0, 45000, 3000},
    {"eager", "range", 1, 45000, 3000},
    {"cooperative", "cooperative-sticky", 0, 45000, 3000},
    {"cooperative", "cooperative-sticky", 1, 45000, 3000},
    {"cooperative", "cooperative-sticky", 0, 10000, 1000},
    {"cooperative", "cooperative-sticky", 1, 10000, 1000},
    {"consumer", "uniform", 0, KIP848_SESSION_MS, KIP848_HEARTBEAT_MS},
    {"consumer", "uniform", 1, KIP848_SESSION_MS, KIP848_HEARTBEAT_MS},
};
#define N_ALT (sizeof(alternatives) / sizeof(alternatives[0]))

enum { RUN_DEPLOY, RUN_CRASH, RUN_DAY, N_RUNS };
static const char *const run_name[N_RUNS] = {"deploy", "crash", "day"};

typedef struct size_args {
	const char *scenario;
	uint64_t partitions;
	double rate, capacity, headroom;
	uint64_t members;
	int kill;
	double restart_ms, gap_ms;
	double pauses_per_hour, slowest_record_ms;
	const char *out_path;
	int json;
} size_args;

/* The group as sized. */
typedef struct size_group {
	uint64_t parts;
	uint32_t members;   /* the count simulated */
	uint32_t safe_min;  /* the smallest count whose busiest member is within the headroom */
	double per_part;    /* messages/s one partition receives */
	double usable;      /* capacity * (1 - headroom) */
	int headroom_unmet; /* one partition alone is above capacity * (1 - headroom) */
	ka_group *scenario; /* --scenario, loaded once for every run */
	/* A big group is simulated on a sample: the deploy's first
	 * deploy_restarts restarts, and day_ms of the day (see size_sample). */
	uint32_t deploy_restarts;
	double day_ms;
} size_group;

typedef struct outcome {
	ks_summary s;
	double recover_ms; /* crash: until every partition is processed again */
	uint32_t busiest;  /* partitions of the busiest member at the end */
} outcome;

typedef struct alt_result {
	outcome run[N_RUNS];
	double score; /* lag message-seconds over the three runs */
	int safe;     /* its busiest member within the headroom, and lag drains */
} alt_result;

#define MAX_NOTES 12
typedef struct size_report {
	size_t best; /* SIZE_MAX: no alternative is safe */
	char reasons[MAX_NOTES][512];
	size_t n_reasons;
	char warnings[MAX_NOTES][512];
	size_t n_warnings;
	uint32_t max_poll_records;
	double max_poll_interval_ms, record_ms, slowest_ms;
} size_report;

static void note(char (*list)[512], size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note(char (*list)[512], size_t *n, const char *fmt, ...)
{
	if (*n >= MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(list[*n], 512, fmt, ap);
	va_end(ap);
	(*n)++;
}

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

static void alt_name(const alternative *alt, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s %s %ds", alt->protocol, alt->strategy,
		 alt->stat ? "static" : "dynamic", alt->session_ms / 1000);
}

/* The busiest member's partitions when m members share p partitions. */
static uint64_t busiest_of(uint64_t p, uint64_t m)
{
	return m ? (p + m - 1) / m : p;
}

/* ------------------------------------------------------------------ phase 1: options */

/* The options that describe the load: the group (partitions or a
 * scenario, and a member count), the rates and the headroom. Returns -1
 * to go on, else the exit status. */
static int load_option(size_args *a, int c, const char *arg)
{
	const char *cmd = "size";
	switch (c) {
	case OPT_PARTITIONS:
		if (kh_parse_u64(arg, 1, KA_MAX_PARTITIONS, &a->partitions) < 0)
			return kh_usage_error(cmd, "--partitions: '%s' is not a count 1..%u", arg,
					      KA_MAX_PARTITIONS);
		break;
	case OPT_SCENARIO:
		a->scenario = arg;
		break;
	case OPT_RATE:
		if (isnan(a->rate = parse_num(arg, 0, 1e12)))
			return kh_usage_error(cmd, "--rate: '%s' is not a rate >= 0 (messages/s)",
					      arg);
		break;
	case OPT_CAPACITY:
		if (isnan(a->capacity = parse_num(arg, 1e-9, 1e12)) || a->capacity <= 0)
			return kh_usage_error(
			    cmd, "--capacity: '%s' is not a rate > 0 (messages/s)", arg);
		break;
	case OPT_HEADROOM:
		if (isnan(a->headroom = parse_num(arg, 0, 0.99)))
			return kh_usage_error(cmd, "--headroom: '%s' is not in 0..0.99", arg);
		break;
	default: /* --members */
		if (kh_parse_u64(arg, 1, KA_MAX_MEMBERS, &a->members) < 0)
			return kh_usage_error(cmd, "--members: '%s' is not a count 1..%u", arg,
					      KA_MAX_MEMBERS);
		break;
	}
	return -1;
}

/* The options that describe the deploy and the faults: how members
 * restart, how often they pause, the slowest record. Returns -1 to go on,
 * else the exit status. */
static int deploy_option(size_args *a, int c, const char *arg)
{
	const char *cmd = "size";
	switch (c) {
	case OPT_DEPLOY:
		if (strcmp(arg, "rolling") == 0)
			a->kill = 0;
		else if (strcmp(arg, "rolling-kill") == 0)
			a->kill = 1;
		else
			return kh_usage_error(cmd, "--deploy: '%s' is not rolling or rolling-kill",
					      arg);
		break;
	case OPT_RESTART:
		if (isnan(a->restart_ms = parse_num(arg, 0, 3600000)))
			return kh_usage_error(cmd, "--restart-ms: '%s' is not a time 0..3600000",
					      arg);
		break;
	case OPT_GAP:
		if (isnan(a->gap_ms = parse_num(arg, 0, 3600000)))
			return kh_usage_error(cmd, "--gap-ms: '%s' is not a time 0..3600000", arg);
		break;
	case OPT_PAUSES:
		if (isnan(a->pauses_per_hour = parse_num(arg, 0, 3600)))
			return kh_usage_error(cmd, "--pauses-per-hour: '%s' is not a rate 0..3600",
					      arg);
		break;
	default: /* --slowest-record-ms */
		if (isnan(a->slowest_record_ms = parse_num(arg, 0, 86400000)) ||
		    a->slowest_record_ms <= 0)
			return kh_usage_error(
			    cmd, "--slowest-record-ms: '%s' is not a time > 0 (ms)", arg);
		break;
	}
	return -1;
}

/* The options, each group read by its own function, then the rules
 * between them. Returns -1 to go on, else the exit status. */
static int size_parse(int argc, char **argv, size_args *a)
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
	    {"pauses-per-hour", required_argument, NULL, OPT_PAUSES},
	    {"slowest-record-ms", required_argument, NULL, OPT_SLOWEST},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "size";
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PARTITIONS:
		case OPT_SCENARIO:
		case OPT_RATE:
		case OPT_CAPACITY:
		case OPT_HEADROOM:
		case OPT_MEMBERS:
			if ((rc = load_option(a, c, optarg)) >= 0)
				return rc;
			break;
		case OPT_DEPLOY:
		case OPT_RESTART:
		case OPT_GAP:
		case OPT_PAUSES:
		case OPT_SLOWEST:
			if ((rc = deploy_option(a, c, optarg)) >= 0)
				return rc;
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		case 'o':
			a->out_path = optarg;
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
	if (!a->scenario == !a->partitions)
		return kh_usage_error(cmd, "give --partitions N or --scenario FILE (one of them)");
	if (isnan(a->rate) || isnan(a->capacity))
		return kh_usage_error(cmd, "--rate and --capacity are required");
	if (a->scenario && a->members)
		return kh_usage_error(cmd, "--members applies to --partitions; a scenario "
					   "brings its own members");
	return -1;
}

/* ------------------------------------------------------------------ phase 2: the group */

/* The group, the load's feasibility and the smallest safe member count.
 * Returns -1 to go on, else the exit status (the message is out). */
static int size_members(const size_args *a, size_group *g, size_report *rep)
{
	const char *cmd = "size";
	g->parts = a->partitions;
	if (a->scenario) {
		ka_group *sg = NULL;
		if (kd_scenario_load(a->scenario, &sg, kd_msg_stderr, NULL) < 0)
			return KH_EXIT_USAGE;
		g->parts = sg->n_partitions;
		g->members = sg->n_members;
		g->scenario = sg;
		if (g->parts == 0 || g->members == 0) {
			kh_error(cmd, "%s: a group with members and partitions is needed",
				 a->scenario);
			return KH_EXIT_USAGE;
		}
	}
	g->per_part = a->rate / (double)g->parts;
	g->usable = a->capacity * (1 - a->headroom);
	/* A partition is consumed by one member: above one member's capacity
	 * no count keeps up. */
	if (ks_safe_members(g->parts, a->rate, a->capacity, a->headroom, &g->safe_min,
			    &g->headroom_unmet) < 0) {
		kh_error(cmd,
			 "--rate: %g messages/s over %llu partitions is %g per partition, above "
			 "one consumer's capacity %g: a partition is consumed by one member, so "
			 "no member count keeps up (more partitions or more capacity needed)",
			 a->rate, (unsigned long long)g->parts, g->per_part, a->capacity);
		return KH_EXIT_USAGE;
	}
	if (g->headroom_unmet)
		note(rep->warnings, &rep->n_warnings,
		     "headroom %g cannot be kept: one partition alone receives %g messages/s, "
		     "above %g (capacity %g less the headroom); one member per partition is "
		     "the best there is",
		     a->headroom, g->per_part, g->usable, a->capacity);
	if (a->scenario)
		return -1;
	g->members = a->members ? (uint32_t)a->members : g->safe_min;
	if (a->members && busiest_of(g->parts, g->members) * g->per_part > a->capacity) {
		kh_error(cmd,
			 "--members: with %u members the busiest holds %llu partitions, %g "
			 "messages/s, above one consumer's capacity %g: lag would grow forever; "
			 "the smallest safe count is %u",
			 g->members, (unsigned long long)busiest_of(g->parts, g->members),
			 busiest_of(g->parts, g->members) * g->per_part, a->capacity, g->safe_min);
		return KH_EXIT_USAGE;
	}
	return -1;
}

/* ------------------------------------------------------------------ phase 3: the runs */

/* Work budgets: a rebalance costs about O(partitions + members), and a
 * rolling deploy has one or two per member, so a deploy of M members
 * costs M (P + M). Above the budget (a G-10k scenario: 10,000 restarts of
 * 110,000 partitions and members, 24 runs) the deploy is simulated for its
 * first restarts only, at least SAMPLE_MIN_RESTARTS, and its additive
 * figures (duration, lag and unowned partition-seconds, messages processed
 * twice, rebalances) scaled to all M: a rolling restart repeats the same
 * step M times. The day of pauses likewise: its pauses (members x rate x
 * 24 h) times P + M within DAY_BUDGET, else a shorter stretch, at least
 * SAMPLE_MIN_DAY_MS, scaled to 24 h (pauses are a Poisson process: a
 * stretch of it is a sample of the day). The report says so. */
#define DEPLOY_BUDGET       2.5e6
#define DAY_BUDGET          1e8
#define SAMPLE_MIN_RESTARTS 20
#define SAMPLE_MIN_DAY_MS   600000.0

static void size_sample(const size_args *a, size_group *g)
{
	const double work = (double)g->parts + g->members;
	g->deploy_restarts = g->members;
	if ((double)g->members * work > DEPLOY_BUDGET) {
		double k = floor(DEPLOY_BUDGET / work);
		if (k < SAMPLE_MIN_RESTARTS)
			k = SAMPLE_MIN_RESTARTS;
		if (k < g->members)
			g->deploy_restarts = (uint32_t)k;
	}
	g->day_ms = DAY_MS;
	const double pauses = g->members * a->pauses_per_hour * 24;
	if (pauses * work > DAY_BUDGET) {
		double d = DAY_MS * DAY_BUDGET / (pauses * work);
		if (d < SAMPLE_MIN_DAY_MS)
			d = SAMPLE_MIN_DAY_MS;
		if (d < DAY_MS)
			g->day_ms = floor(d / 1000) * 1000;
	}
}

/* A sampled run's additive figures, scaled to the whole. */
static void scale_summary(ks_summary *s, double f)
{
	if (f == 1)
		return;
	if (s->deploy_ms >= 0)
		s->deploy_ms *= f;
	s->unowned_partition_seconds *= f;
	s->lag_message_seconds *= f;
	s->processed_twice *= f;
	s->stop_the_world_ms *= f;
	s->rebalances = (uint32_t)llround(s->rebalances * f);
	s->pauses = (uint32_t)llround(s->pauses * f);
	s->pause_expiries = (uint32_t)llround(s->pause_expiries * f);
}

static json_t *size_plan(const size_args *a, const size_group *g, const alternative *alt, int which)
{
	json_t *j = json_object();
	if (a->scenario)
		json_object_set_new(j, "group", json_pack("{s:s}", "scenario", a->scenario));
	else
		json_object_set_new(j, "group",
				    json_pack("{s:i, s:[{s:s, s:I}]}", "members", g->members,
					      "topics", "name", "t0", "partitions",
					      (json_int_t)g->parts));
	json_object_set_new(j, "name", json_pack("s+", "size-", run_name[which]));
	json_object_set_new(j, "protocol", json_string(alt->protocol));
	json_object_set_new(j, "strategy", json_string(alt->strategy));
	json_object_set_new(j, "static_membership", json_boolean(alt->stat));
	/* Under the consumer protocol the broker sets both. */
	if (!strcmp(alt->protocol, "consumer"))
		json_object_set_new(
		    j, "broker",
		    json_pack("{s:i, s:i}", "group.consumer.session.timeout.ms", alt->session_ms,
			      "group.consumer.heartbeat.interval.ms", alt->heartbeat_ms));
	else
		json_object_set_new(j, "config",
				    json_pack("{s:i, s:i}", "session.timeout.ms", alt->session_ms,
					      "heartbeat.interval.ms", alt->heartbeat_ms));
	json_object_set_new(j, "model",
			    json_pack("{s:f, s:f, s:f}", "produce_rate", g->per_part, "capacity",
				      a->capacity, "restart_ms", a->restart_ms));
	switch (which) {
	case RUN_DEPLOY:
		json_object_set_new(j, "events",
				    json_pack("[{s:i, s:s, s:i, s:f, s:s}]", "at_ms", 60000, "type",
					      "rolling-restart", "count", g->deploy_restarts,
					      "gap_ms", a->gap_ms, "stop",
					      a->kill ? "kill" : "close"));
		break;
	case RUN_CRASH:
		/* A crashed process is restarted by its supervisor. */
		json_object_set_new(j, "events",
				    json_pack("[{s:i, s:s, s:i, s:s}]", "at_ms", CRASH_AT, "type",
					      "restart", "member", 0, "stop", "kill"));
		break;
	case RUN_DAY:
		json_object_set_new(j, "faults",
				    json_pack("{s:f}", "pauses_per_hour", a->pauses_per_hour));
		json_object_set_new(j, "end_ms", json_real(g->day_ms));
		break;
	}
	return j;
}

static int run_one(const size_args *a, const size_group *g, const alternative *alt, int which,
		   outcome *o)
{
	json_t *j = size_plan(a, g, alt, which);
	ks_plan *p = NULL;
	/* "size" has no directory: the scenario path is used as given. */
	int rc = ks_plan_from_json_group("size", j, g->scenario, &p, msg_stderr, NULL);
	json_decref(j);
	if (rc < 0)
		return -1;
	ks_run *r = NULL;
	char err[512];
	const int src = ks_simulate(p, &r, err, sizeof(err));
	if (src < 0) {
		kh_error("size", "%s", err);
		ks_plan_free(p);
		return src == KS_EINTERNAL ? -KH_EXIT_INTERNAL : -1;
	}
	o->s = r->summary;
	if (which == RUN_DEPLOY)
		scale_summary(&o->s, (double)g->members / g->deploy_restarts);
	else if (which == RUN_DAY)
		scale_summary(&o->s, DAY_MS / g->day_ms);
	/* Recovery: the last moment a partition started being processed again. */
	o->recover_ms = 0;
	for (size_t i = 0; i < r->n_rebalances; i++)
		if (r->rebalances[i].end_ms - CRASH_AT > o->recover_ms)
			o->recover_ms = r->rebalances[i].end_ms - CRASH_AT;
	for (size_t i = 0; i < r->n_intervals; i++)
		if (r->intervals[i].from_ms > 0 &&
		    r->intervals[i].from_ms - CRASH_AT > o->recover_ms)
			o->recover_ms = r->intervals[i].from_ms - CRASH_AT;
	/* The busiest member once everything settled (all members back). */
	const uint32_t P = r->topic_off[r->n_topics];
	uint32_t *cnt = calloc(r->n_members ? r->n_members : 1, sizeof(*cnt));
	int ok = cnt != NULL;
	o->busiest = 0;
	for (uint32_t k = 0; cnt && k < P; k++)
		if (r->final_owner[k] != UINT32_MAX && ++cnt[r->final_owner[k]] > o->busiest)
			o->busiest = cnt[r->final_owner[k]];
	free(cnt);
	ks_run_free(r);
	ks_plan_free(p);
	if (!ok)
		kh_error("size", "out of memory");
	return ok ? 0 : -1;
}

static int size_simulate(const size_args *a, const size_group *g, alt_result *res)
{
	for (size_t i = 0; i < N_ALT; i++) {
		alt_result *x = &res[i];
		x->score = 0;
		x->safe = 1;
		for (int w = 0; w < N_RUNS; w++) {
			const int rc = run_one(a, g, &alternatives[i], w, &x->run[w]);
			if (rc < 0)
				return rc;
			x->score += x->run[w].s.lag_message_seconds;
			if (x->run[w].s.time_to_drain_ms < 0)
				x->safe = 0;
		}
		if (x->run[RUN_DEPLOY].busiest * g->per_part > g->usable + 1e-9 &&
		    !g->headroom_unmet)
			x->safe = 0;
	}
	return 0;
}

/* ------------------------------------------------------------------ phase 4: the choice */

/* The alternative like i but for its static flag and session: -1 when there
 * is none. */
static long sibling(size_t i, int stat, int session_ms)
{
	const alternative *x = &alternatives[i];
	for (size_t k = 0; k < N_ALT; k++) {
		const alternative *y = &alternatives[k];
		if (k != i && !strcmp(x->protocol, y->protocol) && y->stat == stat &&
		    y->session_ms == session_ms)
			return (long)k;
	}
	return -1;
}

static void size_poll_settings(const size_args *a, size_report *rep)
{
	/* A batch of max.poll.records at the mean processing time should take
	 * about a second: a classic member joins a rebalance at its next
	 * poll(), so a long batch delays every rebalance by up to its length;
	 * Kafka's default 500 is the ceiling. */
	rep->record_ms = 1000 / a->capacity;
	rep->slowest_ms = a->slowest_record_ms > 0 ? a->slowest_record_ms : 10 * rep->record_ms;
	double n = floor(1000 / rep->record_ms);
	rep->max_poll_records = n < 1 ? 1 : n > 500 ? 500 : (uint32_t)n;
	/* max.poll.interval.ms evicts a member whose batch outlasts it: twice a
	 * batch of the slowest records, Kafka's default 300000 at least. */
	double need = ceil(2 * rep->max_poll_records * rep->slowest_ms / 1000) * 1000;
	rep->max_poll_interval_ms = need > 300000 ? need : 300000;
}

static void size_note_kip848(size_report *rep)
{
	note(rep->reasons, &rep->n_reasons,
	     "the consumer protocol's session and heartbeat are the broker's "
	     "(group.consumer.session.timeout.ms %d, at least "
	     "group.consumer.min.session.timeout.ms 45000; heartbeat %d): a 10 s session is "
	     "not offered for it",
	     KIP848_SESSION_MS, KIP848_HEARTBEAT_MS);
}

/* The unowned partition-seconds of a deploy and a crash: the tie-break. */
static double unowned(const alt_result *r)
{
	return r->run[RUN_DEPLOY].s.unowned_partition_seconds +
	       r->run[RUN_CRASH].s.unowned_partition_seconds;
}

static void size_reason_members(const size_args *a, const size_group *g, size_report *rep)
{
	const uint64_t b = busiest_of(g->parts, g->members);
	if (a->scenario) {
		note(rep->reasons, &rep->n_reasons,
		     "%u members: the scenario's; at least %u are needed for the busiest member "
		     "(ceil(%llu / members) partitions at %g messages/s each) to stay within "
		     "%g messages/s (capacity %g less headroom %g)",
		     g->members, g->safe_min, (unsigned long long)g->parts, g->per_part, g->usable,
		     a->capacity, a->headroom);
	} else if (g->members == g->safe_min) {
		const int one_would_do =
		    g->members == 2 && busiest_of(g->parts, 1) * g->per_part <= g->usable + 1e-9;
		char fewer[160] = "";
		if (g->members >= 2 && !one_would_do)
			snprintf(fewer, sizeof(fewer),
				 "; %u would leave one with %llu, %g messages/s", g->members - 1,
				 (unsigned long long)busiest_of(g->parts, g->members - 1),
				 busiest_of(g->parts, g->members - 1) * g->per_part);
		note(rep->reasons, &rep->n_reasons,
		     "%u members: the smallest count whose busiest member (ceil(%llu / %u) = %llu "
		     "partitions, %g messages/s) stays within %g messages/s (capacity %g less "
		     "headroom %g)%s%s",
		     g->members, (unsigned long long)g->parts, g->members, (unsigned long long)b,
		     b * g->per_part, g->usable, a->capacity, a->headroom, fewer,
		     one_would_do ? "; two rather than one so that a crash leaves a member" : "");
	} else {
		note(rep->reasons, &rep->n_reasons,
		     "%u members (--members): the busiest holds %llu partitions, %g messages/s; "
		     "the smallest safe count is %u",
		     g->members, (unsigned long long)b, b * g->per_part, g->safe_min);
		if (b * g->per_part > g->usable + 1e-9 && !g->headroom_unmet)
			note(
			    rep->warnings, &rep->n_warnings,
			    "%u members leave the busiest with %llu partitions, %g messages/s, "
			    "above "
			    "%g (capacity %g less headroom %g): not recommended; the smallest safe "
			    "count is %u",
			    g->members, (unsigned long long)b, b * g->per_part, g->usable,
			    a->capacity, a->headroom, g->safe_min);
	}
	if (g->members >= 2) {
		const uint64_t bc = busiest_of(g->parts, g->members - 1);
		if (bc * g->per_part > a->capacity)
			note(rep->warnings, &rep->n_warnings,
			     "while one member is down the busiest of the other %u holds %llu "
			     "partitions, %g messages/s, above capacity %g: lag grows until it is "
			     "back",
			     g->members - 1, (unsigned long long)bc, bc * g->per_part, a->capacity);
	}
}

static void size_choose(const size_args *a, const size_group *g, const alt_result *res,
			size_report *rep)
{
	rep->best = SIZE_MAX;
	for (size_t i = 0; i < N_ALT; i++) {
		if (!res[i].safe)
			continue;
		if (rep->best == SIZE_MAX || res[i].score < res[rep->best].score - 1e-9 ||
		    (fabs(res[i].score - res[rep->best].score) <= 1e-9 &&
		     unowned(&res[i]) < unowned(&res[rep->best]) - 1e-9))
			rep->best = i;
	}
	size_poll_settings(a, rep);
	size_reason_members(a, g, rep);
	if (rep->best == SIZE_MAX) {
		note(rep->warnings, &rep->n_warnings,
		     "no alternative is safe: the busiest member is above its capacity less the "
		     "headroom, or lag never drains");
		size_note_kip848(rep);
		return;
	}

	/* Protocol, static or dynamic, session. */
	const size_t i = rep->best;
	const alternative *x = &alternatives[i];
	const alt_result *r = &res[i];
	char name[128];
	alt_name(x, name, sizeof(name));
	note(rep->reasons, &rep->n_reasons,
	     "%s: the least lag over a deploy, a crash and a day of pauses, %.0f message-seconds "
	     "(%.0f + %.0f + %.0f)",
	     name, r->score, r->run[RUN_DEPLOY].s.lag_message_seconds,
	     r->run[RUN_CRASH].s.lag_message_seconds, r->run[RUN_DAY].s.lag_message_seconds);
	long o = sibling(i, !x->stat, x->session_ms);
	if (o >= 0) {
		const alt_result *y = &res[o];
		note(rep->reasons, &rep->n_reasons,
		     "%s: %.0f message-seconds against %.0f %s (deploy %.0f against %.0f, crash "
		     "%.0f against %.0f): %s",
		     x->stat ? "static membership" : "dynamic membership", r->score, y->score,
		     x->stat ? "dynamic" : "static", r->run[RUN_DEPLOY].s.lag_message_seconds,
		     y->run[RUN_DEPLOY].s.lag_message_seconds,
		     r->run[RUN_CRASH].s.lag_message_seconds,
		     y->run[RUN_CRASH].s.lag_message_seconds,
		     x->stat
			 ? "a member back within session.timeout.ms keeps its partitions and "
			   "starts no rebalance"
			 : "a static member's partitions wait for it until its session expires");
	}
	o = sibling(i, x->stat, x->session_ms == 45000 ? 10000 : 45000);
	if (o >= 0) {
		const alt_result *y = &res[o];
		note(rep->reasons, &rep->n_reasons,
		     "session.timeout.ms %d: the crash %.0f message-seconds against %.0f at %d "
		     "(a dead member is noticed after its session), the day of pauses %.0f "
		     "against %.0f (%u spurious expiries against %u, of %u pauses)",
		     x->session_ms, r->run[RUN_CRASH].s.lag_message_seconds,
		     y->run[RUN_CRASH].s.lag_message_seconds, alternatives[o].session_ms,
		     r->run[RUN_DAY].s.lag_message_seconds, y->run[RUN_DAY].s.lag_message_seconds,
		     r->run[RUN_DAY].s.pause_expiries, y->run[RUN_DAY].s.pause_expiries,
		     r->run[RUN_DAY].s.pauses);
	}
	note(rep->reasons, &rep->n_reasons,
	     "the deploy (rolling %s of %u members, %g s each to restart) takes %.1f min under it",
	     a->kill ? "kill" : "restart", g->members, a->restart_ms / 1000,
	     r->run[RUN_DEPLOY].s.deploy_ms / 60000);
	note(rep->reasons, &rep->n_reasons,
	     "max.poll.records %u: a batch of %u records at %g ms each takes about %.0f ms (a "
	     "classic member joins a rebalance at its next poll); max.poll.interval.ms %.0f: "
	     "twice a batch of the slowest records (%g ms), Kafka's default 300000 at least",
	     rep->max_poll_records, rep->max_poll_records, rep->record_ms,
	     rep->max_poll_records * rep->record_ms, rep->max_poll_interval_ms, rep->slowest_ms);
	size_note_kip848(rep);
}

/* ------------------------------------------------------------------ phase 5: output */

static json_t *size_json_alternative(size_t i, const alt_result *res, const size_report *rep)
{
	const alternative *alt = &alternatives[i];
	const ks_summary *d = &res[i].run[RUN_DEPLOY].s, *k = &res[i].run[RUN_CRASH].s,
			 *y = &res[i].run[RUN_DAY].s;
	return json_pack(
	    "{s:s, s:s, s:b, s:i, s:i, s:b, s:b, s:f, s:i, "
	    "s:{s:f, s:i, s:f, s:f, s:f, s:f, s:f}, "
	    "s:{s:f, s:i, s:f, s:f, s:f, s:f, s:f}, "
	    "s:{s:i, s:i, s:i, s:f, s:f, s:f, s:f}}",
	    "protocol", alt->protocol, "strategy", alt->strategy, "static", alt->stat,
	    "session_timeout_ms", alt->session_ms, "heartbeat_interval_ms", alt->heartbeat_ms,
	    "recommended", i == rep->best, "safe", res[i].safe, "lag_message_seconds", res[i].score,
	    "busiest_partitions", res[i].run[RUN_DEPLOY].busiest, "deploy", "duration_ms",
	    d->deploy_ms, "rebalances", d->rebalances, "stop_the_world_ms", d->stop_the_world_ms,
	    "unowned_partition_seconds", d->unowned_partition_seconds, "max_lag", d->max_lag,
	    "processed_twice", d->processed_twice, "lag_message_seconds", d->lag_message_seconds,
	    "crash", "recover_ms", res[i].run[RUN_CRASH].recover_ms, "rebalances", k->rebalances,
	    "stop_the_world_ms", k->stop_the_world_ms, "unowned_partition_seconds",
	    k->unowned_partition_seconds, "max_lag", k->max_lag, "processed_twice",
	    k->processed_twice, "lag_message_seconds", k->lag_message_seconds, "day", "pauses",
	    y->pauses, "expiries", y->pause_expiries, "rebalances", y->rebalances,
	    "unowned_partition_seconds", y->unowned_partition_seconds, "max_lag", y->max_lag,
	    "processed_twice", y->processed_twice, "lag_message_seconds", y->lag_message_seconds);
}

static void size_write_json(FILE *f, const size_args *a, const size_group *g, const alt_result *res,
			    const size_report *rep)
{
	json_t *doc = json_pack(
	    "{s:i, s:{s:I, s:f, s:f, s:f, s:s, s:f, s:f, s:f}, s:i, s:i, s:I}", "kassign_size", 1,
	    "input", "partitions", (json_int_t)g->parts, "rate", a->rate, "capacity", a->capacity,
	    "headroom", a->headroom, "deploy", a->kill ? "rolling-kill" : "rolling", "restart_ms",
	    a->restart_ms, "gap_ms", a->gap_ms, "pauses_per_hour", a->pauses_per_hour, "members",
	    g->members, "smallest_safe_members", g->safe_min, "busiest_partitions",
	    (json_int_t)busiest_of(g->parts, g->members));
	if (a->scenario)
		json_object_set_new(json_object_get(doc, "input"), "scenario",
				    json_string(a->scenario));
	json_object_set_new(
	    doc, "assumptions",
	    json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}", "crash",
		      "member m0000 killed at 61.5 s, restarted after restart_ms", "deploy",
		      "each restart waits for the previous member to hold partitions again",
		      "pauses", "Poisson per member, lengths Pareto from 1000 ms, alpha 1.5",
		      "per_partition_rate", g->per_part, "record_ms", rep->record_ms,
		      "slowest_record_ms", rep->slowest_ms));
	json_t *rec = json_null();
	if (rep->best != SIZE_MAX) {
		const alternative *x = &alternatives[rep->best];
		rec = json_pack("{s:i, s:s, s:s, s:b, s:i, s:i, s:i, s:f, s:f}", "members",
				g->members, "protocol", x->protocol, "strategy", x->strategy,
				"static", x->stat, "session_timeout_ms", x->session_ms,
				"heartbeat_interval_ms", x->heartbeat_ms, "max_poll_records",
				rep->max_poll_records, "max_poll_interval_ms",
				rep->max_poll_interval_ms, "deploy_ms",
				res[rep->best].run[RUN_DEPLOY].s.deploy_ms);
	}
	json_object_set_new(doc, "recommendation", rec);
	json_t *rs = json_array(), *ws = json_array(), *arr = json_array();
	for (size_t i = 0; i < rep->n_reasons; i++)
		json_array_append_new(rs, json_string(rep->reasons[i]));
	for (size_t i = 0; i < rep->n_warnings; i++)
		json_array_append_new(ws, json_string(rep->warnings[i]));
	for (size_t i = 0; i < N_ALT; i++)
		json_array_append_new(arr, size_json_alternative(i, res, rep));
	json_object_set_new(doc, "reasons", rs);
	json_object_set_new(doc, "warnings", ws);
	json_object_set_new(doc, "alternatives", arr);
	json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	fputc('\n', f);
	json_decref(doc);
}

static void size_write_table(FILE *f, const size_args *a, const size_group *g,
			     const alt_result *res, const size_report *rep)
{
	char name[128];
	fprintf(f,
		"group: %llu partitions, %g messages/s (%g per partition), %g messages/s per "
		"consumer -> %u members%s (smallest safe: %u)\n",
		(unsigned long long)g->parts, a->rate, g->per_part, a->capacity, g->members,
		a->scenario  ? " (the scenario's)"
		: a->members ? " (--members)"
			     : "",
		g->safe_min);
	fprintf(f,
		"runs: deploy = rolling %s of all %u members, %g s restart, each after the "
		"previous holds partitions again; crash = one member killed, back after %g s; "
		"day = 24 h of pauses (%g per member per hour, >= 1 s, Pareto alpha 1.5)\n\n",
		a->kill ? "kill" : "restart", g->members, a->restart_ms / 1000,
		a->restart_ms / 1000, a->pauses_per_hour);
	fprintf(f, "%-44s | %-38s | %-25s | %-24s | %s\n", "", "deploy", "crash", "day", "total");
	fprintf(f, "%-44s | %8s %5s %9s %12s | %8s %16s | %7s %16s | %12s\n", "alternative", "time",
		"rebal", "unowned", "lag", "recover", "lag", "expired", "lag", "lag");
	fprintf(f, "%-44s | %8s %5s %9s %12s | %8s %16s | %7s %16s | %12s\n", "", "s", "", "part-s",
		"msg-s", "s", "msg-s", "", "msg-s", "msg-s");
	for (size_t i = 0; i < N_ALT; i++) {
		const ks_summary *d = &res[i].run[RUN_DEPLOY].s, *k = &res[i].run[RUN_CRASH].s,
				 *y = &res[i].run[RUN_DAY].s;
		alt_name(&alternatives[i], name, sizeof(name));
		fprintf(f,
			"%-2s%-42s | %8.1f %5u %9.1f %12.0f | %8.1f %16.0f | %7u %16.0f | %12.0f\n",
			i == rep->best ? "* "
			: res[i].safe  ? ""
				       : "! ",
			name, d->deploy_ms / 1000, d->rebalances, d->unowned_partition_seconds,
			d->lag_message_seconds, res[i].run[RUN_CRASH].recover_ms / 1000,
			k->lag_message_seconds, y->pause_expiries, y->lag_message_seconds,
			res[i].score);
	}
	fputs("(*: recommended; !: not safe: busiest member above capacity less headroom, or lag "
	      "never drains)\n\n",
	      f);
	if (rep->best != SIZE_MAX) {
		const alternative *x = &alternatives[rep->best];
		alt_name(x, name, sizeof(name));
		fprintf(f,
			"recommended: %u members, %s (*), heartbeat.interval.ms %d, "
			"max.poll.records %u, max.poll.interval.ms %.0f\n",
			g->members, name, x->heartbeat_ms, rep->max_poll_records,
			rep->max_poll_interval_ms);
	} else {
		fputs("recommended: none of these\n", f);
	}
	fputs("because:\n", f);
	for (size_t i = 0; i < rep->n_reasons; i++)
		fprintf(f, "  - %s\n", rep->reasons[i]);
	for (size_t i = 0; i < rep->n_warnings; i++)
		fprintf(f, "warning: %s\n", rep->warnings[i]);
}

int kh_cmd_size(int argc, char **argv)
{
	size_args a = {NULL, 0, NAN, NAN, 0.3, 0, 0, 20000, 0, 1, 0, NULL, 0};
	int rc = size_parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	size_group g = {0};
	static size_report rep;
	memset(&rep, 0, sizeof(rep));
	if ((rc = size_members(&a, &g, &rep)) >= 0) {
		ka_group_free(g.scenario);
		return rc;
	}
	size_sample(&a, &g);
	alt_result res[N_ALT];
	const int src = size_simulate(&a, &g, res);
	ka_group_free(g.scenario);
	g.scenario = NULL;
	if (src < 0) /* an invalid assignment is exit 3, anything else 2 */
		return src == -KH_EXIT_INTERNAL ? KH_EXIT_INTERNAL : KH_EXIT_USAGE;
	size_choose(&a, &g, res, &rep);
	if (g.deploy_restarts < g.members)
		note(rep.reasons, &rep.n_reasons,
		     "the deploy was simulated for its first %u of %u restarts and its duration, "
		     "lag, unowned partition-seconds, rebalances and messages processed twice "
		     "scaled by %.1f (a rolling restart repeats one step per member)",
		     g.deploy_restarts, g.members, (double)g.members / g.deploy_restarts);
	if (g.day_ms < DAY_MS)
		note(rep.reasons, &rep.n_reasons,
		     "the day of pauses was simulated for %.0f min and its figures scaled by %.1f "
		     "to 24 h (pauses are a Poisson process)",
		     g.day_ms / 60000, DAY_MS / g.day_ms);
	kh_out out;
	if (kh_out_open(&out, "size", a.out_path) < 0)
		return KH_EXIT_USAGE;
	if (a.json)
		size_write_json(out.f, &a, &g, res, &rep);
	else
		size_write_table(out.f, &a, &g, res, &rep);
	return kh_out_commit(&out, "size") < 0 ? KH_EXIT_USAGE : KH_EXIT_OK;
}
