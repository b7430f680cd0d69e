/*
 * cmd_simulate.c - `kassign simulate`: runs a plan (a file or a preset)
 * through the rebalance simulator (sim/) and writes the run file
 * (docs/simulation.md) and a summary table.
 */
#include "cli/cli.h"
#include "datasets/jsonfile.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if KA_WITH_VIEWS
#include "views/timeline.h"
#endif
#include "sim/cmd.h"
#include "sim/sim.h"

static const char simulate_usage[] =
    "Usage: kassign simulate PLAN.json | --preset NAME [-o FILE] [--format json|table]\n"
    "                        [--protocol P] [--strategy NAME] [--static | --no-static]\n"
    "                        [--members N] [--partitions N] [--assign-ms MS]\n"
    "                        [--timeline FILE.png|FILE.svg]\n"
    "       kassign simulate --list-presets\n"
    "\n"
    "Runs one consumer group through a plan's events on a model of Kafka's group\n"
    "protocols (docs/simulation.md) and writes the run file: rebalances,\n"
    "ownership timeline, lag, summary. The assignment at each rebalance is the\n"
    "real kassign strategy's.\n"
    "\n"
    "Output: the run file on stdout and the summary table on stderr; with -o FILE\n"
    "the run file goes to FILE and the table to stdout. --format table prints\n"
    "the table alone on stdout (and still writes -o FILE when given).\n"
    "\n"
    "      --preset NAME      a named plan instead of a file (--list-presets)\n"
    "      --list-presets     the presets and what each sets\n"
    "  -o, --output FILE      write the run file to FILE\n"
    "      --format F         json (default) or table\n"
    "      --protocol P       eager, cooperative or consumer (the strategy then\n"
    "                         defaults to range, cooperative-sticky or uniform\n"
    "                         unless --strategy is given)\n"
    "  -s, --strategy NAME    the assignor (kassign list)\n"
    "      --static           members carry a group.instance.id (KIP-345)\n"
    "      --no-static        they do not\n"
    "      --members N        members at the start (plans with members and topics)\n"
    "      --partitions N     partitions of the plan's one topic\n"
    "      --assign-ms MS     the assignor's time at every rebalance, instead of\n"
    "                         timing it (a run reproducible to the bit)\n"
    "      --timeline FILE    also draw the run as a Gantt chart (kassign timeline),\n"
    "                         PNG or SVG by the extension\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 ok, 2 bad plan, bad usage or the run could not happen.\n";

enum {
	OPT_PRESET = 256,
	OPT_LIST,
	OPT_FORMAT,
	OPT_PROTOCOL,
	OPT_STATIC,
	OPT_NO_STATIC,
	OPT_MEMBERS,
	OPT_PARTITIONS,
	OPT_ASSIGN_MS,
	OPT_TIMELINE
};

static void msg_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "kassign simulate: %s\n", line);
}

static void list_presets(void)
{
	for (size_t i = 0; i < ks_preset_count(); i++) {
		printf("%-20s %s\n", ks_preset_name(i), ks_preset_summary(i));
		json_t *j = ks_preset_json(ks_preset_name(i));
		ks_plan *p = NULL;
		if (j && ks_plan_from_json(ks_preset_name(i), j, &p, NULL, NULL) == 0) {
			char *s = json_dumps(p->json, JSON_COMPACT | JSON_PRESERVE_ORDER);
			printf("%-20s %s\n", "", s ? s : "");
			free(s);
		}
		ks_plan_free(p);
		json_decref(j);
	}
}

static void fmt_dur(char *buf, size_t len, double ms)
{
	if (ms < 0)
		snprintf(buf, len, "never");
	else if (ms >= 120000)
		snprintf(buf, len, "%.1f s (%.1f min)", ms / 1000, ms / 60000);
	else
		snprintf(buf, len, "%.3f s", ms / 1000);
}

/* The summary table (docs/simulation.md). */
void kh_sim_table(FILE *f, const ks_plan *p, const ks_run *r)
{
	static const char *const proto[] = {"eager", "cooperative", "consumer"};
	const ks_summary *s = &r->summary;
	char a[64], b[64];
	fprintf(f, "plan                 %s: %s, %s, %s members%s\n", p->name, proto[p->protocol],
		p->strategy->name, p->static_membership ? "static" : "dynamic",
		p->coordinator == KS_COORD_RDKAFKA_MOCK ? ", librdkafka-mock coordinator" : "");
	json_t *as = ks_plan_assumptions(p);
	const char *key;
	json_t *v;
	json_object_foreach(as, key, v)
	{
		char label[32];
		snprintf(label, sizeof(label), "assumes %s", key);
		fprintf(f, "%-20s %s\n", label, json_string_value(v));
	}
	json_decref(as);
	fmt_dur(a, sizeof(a), s->duration_ms);
	fprintf(f, "duration             %s\n", a);
	double longest = 0, stw_max = 0;
	for (size_t i = 0; i < r->n_rebalances; i++) {
		double d = r->rebalances[i].end_ms - r->rebalances[i].start_ms;
		if (d > longest)
			longest = d;
		if (r->rebalances[i].stop_the_world_ms > stw_max)
			stw_max = r->rebalances[i].stop_the_world_ms;
	}
	fmt_dur(a, sizeof(a), longest);
	fprintf(f, "rebalances           %u (%d generations), longest %s\n", s->rebalances,
		s->generations, a);
	fmt_dur(a, sizeof(a), s->stop_the_world_ms);
	fmt_dur(b, sizeof(b), stw_max);
	fprintf(f, "stop-the-world       %s, longest in one rebalance %s\n", a, b);
	fmt_dur(a, sizeof(a), s->deploy_ms);
	if (s->deploy_ms >= 0)
		fprintf(f, "deploy               %s (first stop to the last member back)\n", a);
	fprintf(f, "partitions unowned   %u, %.1f partition-seconds\n", s->partitions_unowned,
		s->unowned_partition_seconds);
	fmt_dur(a, sizeof(a), s->time_to_drain_ms);
	fprintf(f, "max lag              %.0f messages, drained %s after the last event\n",
		s->max_lag, a);
	fprintf(f, "processed twice      %.0f messages\n", s->processed_twice);
	fprintf(f, "lag                  %.0f message-seconds in all\n", s->lag_message_seconds);
	if (s->pauses)
		fprintf(
		    f, "pauses               %u, %u of them past the session (spurious expiries)\n",
		    s->pauses, s->pause_expiries);
	if (s->ownership_omitted)
		fprintf(f, "ownership timeline   omitted (%llu intervals, more than 2,000,000)\n",
			(unsigned long long)s->ownership_intervals);
}

/* Applies the command line's overrides to a plan document. */
static int apply_overrides(json_t *j, const char *protocol, const char *strategy, int stat,
			   int64_t members, int64_t partitions, double assign_ms)
{
	const char *cmd = "simulate";
	if (protocol) {
		json_object_set_new(j, "protocol", json_string(protocol));
		if (!strategy)
			json_object_del(j, "strategy");
		/* Under the consumer protocol the broker sets the session and the
		 * heartbeat: the plan's client settings do not apply. */
		json_t *cfg = json_object_get(j, "config");
		if (!strcmp(protocol, "consumer") && json_is_object(cfg)) {
			json_object_del(cfg, "session.timeout.ms");
			json_object_del(cfg, "heartbeat.interval.ms");
		}
	}
	if (strategy)
		json_object_set_new(j, "strategy", json_string(strategy));
	if (stat >= 0)
		json_object_set_new(j, "static_membership", json_boolean(stat));
	json_t *grp = json_object_get(j, "group");
	if ((members >= 0 || partitions >= 0) &&
	    (!json_is_object(grp) || json_object_get(grp, "scenario"))) {
		kh_usage_error(cmd, "--members and --partitions apply to plans with members and "
				    "topics, not to a scenario group");
		return -1;
	}
	if (members >= 0)
		json_object_set_new(grp, "members", json_integer(members));
	if (partitions >= 0) {
		json_t *ts = json_object_get(grp, "topics");
		if (!json_is_array(ts) || json_array_size(ts) != 1 ||
		    !json_is_object(json_array_get(ts, 0))) {
			kh_usage_error(cmd, "--partitions applies to a plan with one topic");
			return -1;
		}
		json_object_set_new(json_array_get(ts, 0), "partitions", json_integer(partitions));
	}
	if (assign_ms >= 0) {
		json_t *m = json_object_get(j, "model");
		if (!m)
			json_object_set_new(j, "model", m = json_object());
		if (json_is_object(m))
			json_object_set_new(m, "assign_ms", json_real(assign_ms));
	}
	return 0;
}

json_t *kh_preset_json(const char *cmd, const char *name)
{
	json_t *j = ks_preset_json(name);
	if (!j) {
		fprintf(stderr, "kassign %s: unknown preset '%s' (known:", cmd, name);
		for (size_t i = 0; i < ks_preset_count(); i++)
			fprintf(stderr, "%s %s", i ? "," : "", ks_preset_name(i));
		fprintf(stderr, ")\n");
	}
	return j;
}

/* Loads the plan from a file or a preset, with the overrides applied. */
ks_plan *kh_sim_plan(const char *cmd, const char *path, const char *preset, const char *protocol,
		     const char *strategy, int stat, int64_t members, int64_t partitions,
		     double assign_ms)
{
	json_t *j = NULL;
	const char *where = path;
	if (preset) {
		if (!(j = kh_preset_json(cmd, preset)))
			return NULL;
		where = preset;
	} else {
		char jerr[600];
		j = kd_json_load_file(path, JSON_REJECT_DUPLICATES, jerr, sizeof(jerr));
		if (!j) {
			kh_error(cmd, "%s", jerr);
			return NULL;
		}
	}
	ks_plan *p = NULL;
	if (json_is_object(j) &&
	    apply_overrides(j, protocol, strategy, stat, members, partitions, assign_ms) < 0) {
		json_decref(j);
		return NULL;
	}
	ks_plan_from_json(where, j, &p, msg_stderr, NULL);
	json_decref(j);
	return p;
}

/* The timeline picture (views/timeline.c) of the run file just written
 * to o, read back from it: the picture shows exactly what the file says. */
#if KA_WITH_VIEWS
static int draw_timeline(kh_out *o, const char *path)
{
	json_error_t e;
	json_t *doc = o->path ? json_load_file(o->tmp, 0, &e) : json_loadb(o->buf, o->len, 0, &e);
	if (!doc) {
		kh_error("simulate", "reading the run back for --timeline: %s", e.text);
		return -1;
	}
	int rc = kh_timeline_write(doc, path, "simulate");
	json_decref(doc);
	return rc;
}
#else
static int draw_timeline(kh_out *o, const char *path)
{
	(void)o;
	(void)path;
	return -1; /* not reached: --timeline is refused when parsing */
}
#endif

void kh_sim_context(ks_context *c, char *date, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	c->version = KA_VERSION_STRING;
	c->commit = kh_build_commit();
	c->date = date;
}

/* What the command line asks for. */
typedef struct sim_args {
	const char *path, *preset; /* the plan: a file or a preset */
	const char *out_path, *protocol, *strategy, *timeline;
	int table_only, stat;        /* stat: -1 as the plan says, else 0 or 1 */
	int64_t members, partitions; /* -1: as the plan says */
	double assign_ms;            /* -1: timed */
} sim_args;

/* The options that take a number: members, partitions and the assignor's
 * time. Returns -1 to go on, else the exit status. */
static int number_option(sim_args *a, int c, const char *arg)
{
	const char *cmd = "simulate";
	uint64_t v;
	switch (c) {
	case OPT_MEMBERS:
		if (kh_parse_u64(arg, 0, KA_MAX_MEMBERS, &v) < 0)
			return kh_usage_error(cmd, "--members: '%s' is not a count 0..%u", arg,
					      KA_MAX_MEMBERS);
		a->members = (int64_t)v;
		break;
	case OPT_PARTITIONS:
		if (kh_parse_u64(arg, 0, KA_MAX_PARTITIONS, &v) < 0)
			return kh_usage_error(cmd, "--partitions: '%s' is not a count 0..%u", arg,
					      KA_MAX_PARTITIONS);
		a->partitions = (int64_t)v;
		break;
	default: { /* --assign-ms */
		char *end = NULL;
		a->assign_ms = strtod(arg, &end);
		if (!*arg || *end || !(a->assign_ms >= 0) || a->assign_ms > 3600000)
			return kh_usage_error(cmd, "--assign-ms: '%s' is not a time in ms", arg);
		break;
	}
	}
	return -1;
}

/* The options and the one plan argument. Returns -1 to go on, else the
 * exit status (0 after --help or --list-presets). */
static int parse_args(sim_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"preset", required_argument, NULL, OPT_PRESET},
	    {"list-presets", no_argument, NULL, OPT_LIST},
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"protocol", required_argument, NULL, OPT_PROTOCOL},
	    {"strategy", required_argument, NULL, 's'},
	    {"static", no_argument, NULL, OPT_STATIC},
	    {"no-static", no_argument, NULL, OPT_NO_STATIC},
	    {"members", required_argument, NULL, OPT_MEMBERS},
	    {"partitions", required_argument, NULL, OPT_PARTITIONS},
	    {"assign-ms", required_argument, NULL, OPT_ASSIGN_MS},
	    {"timeline", required_argument, NULL, OPT_TIMELINE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "simulate";
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:s:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PRESET:
			a->preset = optarg;
			break;
		case OPT_LIST:
			list_presets();
			return KH_EXIT_OK;
		case 'o':
			a->out_path = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "table") == 0)
				a->table_only = 1;
			else if (strcmp(optarg, "json") != 0)
				return kh_usage_error(cmd, "--format: '%s' is not json or table",
						      optarg);
			break;
		case OPT_PROTOCOL:
			a->protocol = optarg;
			break;
		case 's':
			a->strategy = optarg;
			break;
		case OPT_STATIC:
			a->stat = 1;
			break;
		case OPT_NO_STATIC:
			a->stat = 0;
			break;
		case OPT_MEMBERS:
		case OPT_PARTITIONS:
		case OPT_ASSIGN_MS:
			if ((rc = number_option(a, c, optarg)) >= 0)
				return rc;
			break;
		case OPT_TIMELINE:
#if KA_WITH_VIEWS
			if (kh_timeline_format_of(optarg) < 0)
				return kh_usage_error(
				    cmd, "--timeline: '%s' is not a .png or .svg file", optarg);
			a->timeline = optarg;
			break;
#else
			return kh_usage_error(cmd, "--timeline: this kassign was built without the "
						   "viewers (configure with -DKA_VIEWS=ON)");
#endif
		case 'h':
			fputs(simulate_usage, stdout);
			return KH_EXIT_OK;
		default:
			return kh_option_error(cmd, c, argv);
		}
	}
	a->path = optind < argc ? argv[optind] : NULL;
	if (a->path && a->preset)
		return kh_usage_error(cmd, "a plan file or --preset, not both");
	if (!a->path && !a->preset)
		return kh_usage_error(cmd, "no plan given (a file, or --preset NAME)");
	if (optind + 1 < argc)
		return kh_usage_error(cmd, "one plan expected, got also '%s'", argv[optind + 1]);
	return -1;
}

/* The run file to -o FILE or stdout (unless the table alone was asked
 * for), and the timeline picture drawn from it; all or nothing. Returns
 * the exit status. */
static int write_run(const sim_args *a, const ks_plan *p, const ks_run *r)
{
	const char *cmd = "simulate";
	int rc = KH_EXIT_OK;
	char date[40];
	ks_context ctx;
	kh_sim_context(&ctx, date, sizeof(date));
	kh_out out;
	const int want_run = !a->table_only || a->out_path;
	if (!want_run && !a->timeline)
		return KH_EXIT_OK;
	if (kh_out_open(&out, cmd, want_run ? a->out_path : NULL) < 0)
		return KH_EXIT_USAGE;
	if (ks_run_write(out.f, p, r, &ctx) < 0 || fflush(out.f) != 0) {
		kh_error(cmd, "%s: cannot write the run file",
			 a->out_path ? a->out_path : "stdout");
		rc = KH_EXIT_USAGE;
	} else if (a->timeline && draw_timeline(&out, a->timeline) < 0) {
		rc = KH_EXIT_USAGE;
	}
	if (rc != KH_EXIT_OK || !want_run)
		kh_out_abort(&out);
	else if (kh_out_commit(&out, cmd) < 0)
		rc = KH_EXIT_USAGE;
	return rc;
}

int kh_cmd_simulate(int argc, char **argv)
{
	const char *cmd = "simulate";
	sim_args a = {.stat = -1, .members = -1, .partitions = -1, .assign_ms = -1};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0)
		return rc;
	ks_plan *p = kh_sim_plan(cmd, a.path, a.preset, a.protocol, a.strategy, a.stat, a.members,
				 a.partitions, a.assign_ms);
	if (!p)
		return KH_EXIT_USAGE;
	ks_run *r = NULL;
	char err[512];
	const int src = ks_simulate(p, &r, err, sizeof(err));
	if (src < 0) {
		kh_error(cmd, "%s: %s", a.preset ? a.preset : a.path, err);
		ks_plan_free(p);
		return src == KS_EINTERNAL ? KH_EXIT_INTERNAL : KH_EXIT_USAGE;
	}
	rc = write_run(&a, p, r);
	if (rc == KH_EXIT_OK)
		kh_sim_table(a.out_path || a.table_only ? stdout : stderr, p, r);
	ks_run_free(r);
	ks_plan_free(p);
	return rc;
}
