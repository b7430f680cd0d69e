/*
 * main.c - the kassign command line: dispatches to a subcommand and answers
 * --help, --version and list. Everything that names strategies reads the
 * library's one table (ka_strategy_at), and grids come from kd_grid_at.
 */
#include "harness/harness.h"

#include "datasets/scenario.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include <hwloc.h>
#include <jansson.h>

static const char usage[] =
    "Usage: kassign COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Kafka consumer-group partition assignment: run, check and benchmark assignors.\n"
    "\n"
    "Commands:\n"
    "  assign   assign a scenario's partitions with one strategy\n"
    "  check    check an assignment against its scenario and print its metrics\n"
    "  gen      write a generated grid scenario\n"
    "  sweep    time every strategy over the grids\n"
    "  timeline draw a simulate or probe run file as a Gantt chart (PNG, SVG)\n"
    "  report   write a static HTML page of a simulate or probe run file\n"
    "  import   turn kafka-consumer-groups.sh --describe output into a scenario\n"
    "  simulate run a consumer group's rebalances through time (docs/simulation.md)\n"
    "  probe    play a run plan with real librdkafka consumers\n"
    "  size     recommend members, strategy, static membership and timeouts by simulation\n"
    "  list     list the strategies and the grids\n"
    "\n"
    "Options:\n"
    "  -h, --help     this text ('kassign COMMAND --help' for a command)\n"
    "  -V, --version  version\n"
    "\n"
    "Exit status: 0 ok, 1 a check failed, 2 bad input or usage, 3 internal error\n"
    "(a strategy produced an invalid assignment: a defect of kassign).\n";

/* Commands of the optional parts (KA_PROBE, KA_VIEWS in CMakeLists.txt) are
 * listed whether built or not, so that asking for one that is not built says
 * so instead of "unknown command". */
#if KA_WITH_VIEWS
#define KH_VIEWS(run) run
#else
#define KH_VIEWS(run) NULL
#endif
#if KA_WITH_PROBE
#define KH_PROBE(run) run
#else
#define KH_PROBE(run) NULL
#endif

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv); /* NULL: not built */
	const char *option;                /* the CMake option that builds it */
} command;

static const command commands[] = {
    {"assign", kh_cmd_assign, NULL},
    {"check", kh_cmd_check, NULL},
    {"gen", kh_cmd_gen, NULL},
    {"sweep", kh_cmd_sweep, NULL},
    {"list", kh_cmd_list, NULL},
    {"timeline", KH_VIEWS(kh_cmd_timeline), "KA_VIEWS"},
    {"report", KH_VIEWS(kh_cmd_report), "KA_VIEWS"},
    {"import", kh_cmd_import, NULL},
    {"simulate", kh_cmd_simulate, NULL},
    {"probe", KH_PROBE(kh_cmd_probe), "KA_PROBE"},
    {"size", kh_cmd_size, NULL},
};

static const char list_usage[] = "Usage: kassign list\n"
				 "\n"
				 "Lists the strategies (with the Kafka class each reproduces) and\n"
				 "the grids.\n";

static void flag_string(uint32_t flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", flags & KA_STRATEGY_DETERMINISTIC ? "d" : "-",
		 flags & KA_STRATEGY_STICKY ? "s" : "-",
		 flags & KA_STRATEGY_COOPERATIVE ? "c" : "-",
		 flags & KA_STRATEGY_RACK_AWARE ? "r" : "-");
}

int kh_cmd_list(int argc, char **argv)
{
	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			fputs(list_usage, stdout);
			return KH_EXIT_OK;
		}
		return kh_usage_error("list", "unexpected argument '%s'", argv[1]);
	}
	printf("strategies (flags: d deterministic, s sticky, c cooperative, r rack-aware):\n");
	for (size_t i = 0; i < ka_strategy_count(); i++) {
		const ka_strategy *s = ka_strategy_at(i);
		char flags[8];
		flag_string(s->flags, flags, sizeof(flags));
		printf("  %-20s %s  %-7s %s\n", s->name, flags,
		       s->flags & KA_STRATEGY_KAFKA ? "Kafka" : "kassign", s->kafka_name);
		if (s->summary && *s->summary)
			printf("  %-20s               %s\n", "", s->summary);
	}
	printf("\ngrids:\n");
	printf("  %-8s %8s %7s %11s %11s  %s\n", "name", "members", "topics", "parts/topic",
	       "partitions", "sweep");
	for (size_t i = 0; i < kd_grid_count(); i++) {
		const kd_grid *g = kd_grid_at(i);
		printf("  %-8s %8u %7u %11u %11llu  %s\n", g->name, g->members, g->topics,
		       g->partitions_per_topic,
		       (unsigned long long)g->topics * g->partitions_per_topic,
		       g->in_default ? "default" : "--all-grids or --grid");
	}
	printf("\nKafka's JMH assignor benchmark grid (sweep --grid jmh-client or jmh-server\n"
	       "runs all %zu points; docs/cli.md):\n",
	       kd_jmh_grid_count());
	for (size_t i = 0; i < kd_jmh_grid_count(); i++) {
		const kd_grid *g = kd_jmh_grid_at(i);
		printf("  %-20s %8u %7u %11u %11llu\n", g->name, g->members, g->topics,
		       g->partitions_per_topic,
		       (unsigned long long)g->topics * g->partitions_per_topic);
	}
	printf("\nsubscriptions: homogeneous, heterogeneous\n");
	printf("variants: fresh, churn-remove, churn-add, racks\n");
	return KH_EXIT_OK;
}

static void print_version(void)
{
	const unsigned hw = hwloc_get_api_version();
	printf("kassign %s (hwloc API %u.%u.%u, jansson %s)\n", KA_VERSION_STRING, hw >> 16,
	       (hw >> 8) & 0xff, hw & 0xff, JANSSON_VERSION);
}

/*
 * What the command printed on stdout must have reached it: a full disk or a
 * closed pipe turns a success into exit 2 with a message, never exit 0.
 */
static int stdout_close(const char *cmd, int rc)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;
	if (fclose(stdout) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	if (!bad)
		return rc;
	fprintf(stderr, "kassign%s%s: writing standard output: %s\n", cmd ? " " : "",
		cmd ? cmd : "", strerror(err));
	return rc == KH_EXIT_OK ? KH_EXIT_USAGE : rc;
}

int main(int argc, char **argv)
{
	/* A script's background job starts with SIGINT ignored; kassign's long
	 * runs (sweep, simulate, probe) are meant to stop on kill -INT all the
	 * same. Output files clean up after both signals (util.c). */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (argc < 2) {
		fputs(usage, stderr);
		return KH_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return stdout_close(NULL, KH_EXIT_OK);
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		print_version();
		return stdout_close(NULL, KH_EXIT_OK);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name) != 0)
			continue;
		if (!commands[i].run) {
			fprintf(stderr,
				"kassign: '%s' is not built into this kassign (configure with "
				"-D%s=ON)\n",
				cmd, commands[i].option);
			return KH_EXIT_USAGE;
		}
		/* The loaders' messages in the form of every other one. */
		char program[64];
		snprintf(program, sizeof(program), "kassign %s", cmd);
		kd_msg_program(program);
		return stdout_close(cmd, commands[i].run(argc - 1, argv + 1));
	}
	if (cmd[0] == '-')
		fprintf(stderr, "kassign: unknown option '%s'\n", cmd);
	else
		fprintf(stderr, "kassign: unknown command '%s'\n", cmd);
	fprintf(stderr, "Try 'kassign --help'.\n");
	return KH_EXIT_USAGE;
}
