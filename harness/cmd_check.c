/*
 * cmd_check.c - `kassign check`: reads a scenario and an assignment
 * document, runs the library's validity check and metrics over them and
 * prints the result, as text or as one JSON object. Problems with the
 * document itself (unknown members, a partition given twice) are the
 * loader's to report, on stderr; the rules of ka_assignment_validate are
 * reported here, with the report.
 */
#include "harness/harness.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include <jansson.h>

#include "datasets/scenario.h"

#define KH_SHOW_VIOLATIONS 20
/* Work budget of ka_optimum_compute here: about a second on this machine. */
#define KH_OPTIMUM_WORK 300000000ull

static const char check_usage[] =
    "Usage: kassign check [--strategy NAME] [--json] SCENARIO ASSIGNMENT\n"
    "\n"
    "Checks that ASSIGNMENT (an assignment document) is a valid assignment of\n"
    "SCENARIO: every partition of a subscribed topic has exactly one owner, and\n"
    "only subscribers own partitions. Prints the violations (the first 20 and a\n"
    "count) and the metrics: balance, movement against the owned partitions,\n"
    "rack locality; the optimum (most balanced, then most local, then fewest\n"
    "moves) and the assignment's gap to it at each level; where the scenario\n"
    "gives leaders, locality on the leader's rack alone too, and its optimum.\n"
    "\n"
    "  -s, --strategy NAME  the strategy that made the assignment; a cooperative one\n"
    "                       may leave out partitions that change owner\n"
    "      --json           print one JSON object instead of text\n"
    "  -h, --help           this text\n"
    "\n"
    "Exit status: 0 valid, 1 a violation was found (in the document or by the\n"
    "check), 2 bad input or usage.\n";

typedef struct violation {
	int rule;
	uint32_t partition;
	uint32_t member;
} violation;

typedef struct violations {
	uint64_t count;
	int bad_member; /* owner[] holds an index past n_members: no metrics */
	violation first[KH_SHOW_VIOLATIONS];
} violations;

static void collect(void *ctx, int rule, uint32_t partition, uint32_t member)
{
	violations *v = ctx;
	if (v->count < KH_SHOW_VIOLATIONS)
		v->first[v->count] = (violation){rule, partition, member};
	v->count++;
	if (rule == KA_VBAD_MEMBER)
		v->bad_member = 1;
}

static const char *rule_name(int rule)
{
	switch (rule) {
	case KA_VUNASSIGNED:
		return "unassigned";
	case KA_VUNSUBSCRIBED:
		return "unsubscribed";
	case KA_VBAD_MEMBER:
		return "bad-member";
	default:
		return "unknown-rule";
	}
}

static void describe(const ka_group *g, const violation *v, char *buf, size_t len)
{
	char part[256];
	kh_partition_name(g, v->partition, part, sizeof(part));
	switch (v->rule) {
	case KA_VUNASSIGNED:
		snprintf(buf, len, "partition %s of a subscribed topic has no owner", part);
		break;
	case KA_VUNSUBSCRIBED: {
		const uint32_t t = ka_group_partition_topic(g, v->partition);
		snprintf(buf, len, "partition %s is owned by %s, which does not subscribe to %s",
			 part, v->member < g->n_members ? g->member_id[v->member] : "?",
			 g->topic_name[t]);
		break;
	}
	case KA_VBAD_MEMBER:
		snprintf(buf, len, "partition %s is owned by member #%u, past the %u members", part,
			 v->member, g->n_members);
		break;
	default:
		snprintf(buf, len, "partition %s, member #%u", part, v->member);
	}
}

static void print_text(FILE *f, const ka_group *g, const char *path, const char *strategy,
		       int64_t doc_violations, const violations *v, const ka_metrics *m,
		       const ka_optimum *opt, const ka_optimum *best, const ka_metrics *lm,
		       const ka_optimum *lopt)
{
	const int valid = doc_violations == 0 && v->count == 0;
	fprintf(f, "scenario             %s\n", g->name && *g->name ? g->name : path);
	if (strategy)
		fprintf(f, "strategy             %s\n", strategy);
	fprintf(f, "valid                %s", valid ? "yes" : "no");
	if (!valid) {
		const uint64_t total = v->count + (uint64_t)doc_violations;
		fprintf(f, " (%" PRIu64 " violation%s, %" PRId64 " of them in the document)", total,
			total == 1 ? "" : "s", doc_violations);
	}
	fputc('\n', f);
	if (m) {
		fprintf(f, "partitions           %u assigned of %u assignable\n", m->n_assigned,
			m->n_assignable);
		fprintf(f, "eligible members     %u\n", m->n_eligible);
		if (m->n_eligible) {
			fprintf(f, "balance max-min      %u (min %u, max %u)\n",
				m->load_max - m->load_min, m->load_min, m->load_max);
			if (m->load_mean > 0)
				fprintf(f, "balance stddev/mean  %.4f (mean %.2f)\n",
					m->load_stddev / m->load_mean, m->load_mean);
			else
				fprintf(f, "balance stddev/mean  n/a (mean 0)\n");
		} else {
			fprintf(f, "balance max-min      n/a (no eligible member)\n");
		}
		fprintf(f, "balanced             %s\n", m->balanced ? "yes" : "no");
		fprintf(f, "moved                %u of %u previously owned\n", m->moved,
			m->prev_owned);
		fprintf(f, "moved lower bound    %u (%s)\n", m->moved_min,
			m->moved_min_exact ? "exact" : "bound only");
		fprintf(f, "fewest moves         %u (among the most balanced assignments)\n",
			m->moved_opt);
		if (m->rack_known)
			fprintf(f, "locality             %u local of %u rack-known (%.1f%%)\n",
				m->local, m->rack_known, 100.0 * m->local / m->rack_known);
		else
			fprintf(f, "locality             n/a (no assigned partition with known "
				   "racks on both sides)\n");
		fprintf(f, "load sum of squares  %" PRIu64 "\n", m->load_sq);
		if (opt)
			fprintf(f,
				"optimum              max-min %u, sum of squares %" PRIu64
				", local %u, moved %u (balance, then locality, then moves)\n",
				opt->load_max - opt->load_min, opt->load_sq, opt->local,
				opt->moved);
		else if (best)
			fprintf(f,
				"optimum              max-min %u, sum of squares %" PRIu64
				", local %u, moved %u (balance, then locality, then moves; "
				"kassign's flow)\n",
				best->load_max - best->load_min, best->load_sq, best->local,
				best->moved);
		else
			fprintf(f, "optimum              n/a\n");
		if (best) {
			ka_gap d;
			ka_gap_of(m, best, &d);
			fprintf(f,
				"gap to the optimum   sum of squares %+" PRId64 ", local %+" PRId64
				", moved %+" PRId64 " (0: optimal at that level; > 0: worse)\n",
				d.load_sq, d.local, d.moved);
		}
		if (lm && lm->rack_known)
			fprintf(f,
				"leader locality      %u local of %u leader-known (%.1f%%): on the "
				"leader's rack\n",
				lm->local, lm->rack_known, 100.0 * lm->local / lm->rack_known);
		else if (lm)
			fprintf(f, "leader locality      n/a (no assigned partition with a known "
				   "leader and an owner with a rack)\n");
		if (lm && lopt)
			fprintf(f,
				"leader optimum       local %u, moved %u (balance, then leader "
				"locality, then moves)\n",
				lopt->local, lopt->moved);
		else if (lm)
			fprintf(
			    f, "leader optimum       n/a (group too large for the exact solver)\n");
	} else {
		fprintf(f, "metrics              n/a (owners past the member count)\n");
	}
	if (v->count) {
		fprintf(f, "violations:\n");
		for (uint64_t i = 0; i < v->count && i < KH_SHOW_VIOLATIONS; i++) {
			char text[768];
			describe(g, &v->first[i], text, sizeof(text));
			fprintf(f, "  %s: %s\n", rule_name(v->first[i].rule), text);
		}
		if (v->count > KH_SHOW_VIOLATIONS)
			fprintf(f, "  ... and %" PRIu64 " more\n", v->count - KH_SHOW_VIOLATIONS);
	}
}

/* jansson refuses NaN and infinities; they mean "not defined" here. */
static json_t *real_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static int print_json(FILE *f, const ka_group *g, const char *strategy, const ka_optimum *opt,
		      const ka_optimum *fbest, int64_t doc_violations, const violations *v,
		      const ka_metrics *m, const ka_metrics *lm, const ka_optimum *lopt)
{
	json_t *o = json_object();
	json_t *list = json_array();
	if (!o || !list) {
		json_decref(o);
		json_decref(list);
		return -1;
	}
	json_object_set_new(o, "scenario", json_string(g->name ? g->name : ""));
	json_object_set_new(o, "strategy", strategy ? json_string(strategy) : json_null());
	json_object_set_new(o, "valid", json_boolean(doc_violations == 0 && v->count == 0));
	json_object_set_new(o, "violations", json_integer((json_int_t)v->count));
	json_object_set_new(o, "document_violations", json_integer(doc_violations));
	for (uint64_t i = 0; i < v->count && i < KH_SHOW_VIOLATIONS; i++) {
		char part[256], text[768];
		kh_partition_name(g, v->first[i].partition, part, sizeof(part));
		describe(g, &v->first[i], text, sizeof(text));
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "rule",
						      rule_name(v->first[i].rule), "partition",
						      part, "message", text));
	}
	json_object_set_new(o, "violation_list", list);
	if (m) {
		const double mean = m->load_mean;
		json_object_set_new(o, "partitions_assigned", json_integer(m->n_assigned));
		json_object_set_new(o, "partitions_assignable", json_integer(m->n_assignable));
		json_object_set_new(o, "eligible_members", json_integer(m->n_eligible));
		json_object_set_new(o, "load_min", json_integer(m->load_min));
		json_object_set_new(o, "load_max", json_integer(m->load_max));
		json_object_set_new(o, "load_max_minus_min",
				    json_integer(m->n_eligible ? m->load_max - m->load_min : 0));
		json_object_set_new(o, "load_mean", real_or_null(mean));
		json_object_set_new(o, "load_stddev", real_or_null(m->load_stddev));
		json_object_set_new(o, "load_stddev_over_mean",
				    mean > 0 ? real_or_null(m->load_stddev / mean) : json_null());
		json_object_set_new(o, "balanced", json_boolean(m->balanced));
		json_object_set_new(o, "previously_owned", json_integer(m->prev_owned));
		json_object_set_new(o, "moved", json_integer(m->moved));
		json_object_set_new(o, "moved_lower_bound", json_integer(m->moved_min));
		json_object_set_new(o, "moved_lower_bound_exact", json_boolean(m->moved_min_exact));
		json_object_set_new(o, "moved_optimum", json_integer(m->moved_opt));
		json_object_set_new(o, "rack_known", json_integer(m->rack_known));
		json_object_set_new(o, "local", json_integer(m->local));
		json_object_set_new(o, "local_share",
				    m->rack_known ? json_real((double)m->local / m->rack_known)
						  : json_null());
		json_object_set_new(o, "load_sum_of_squares", json_integer((json_int_t)m->load_sq));
		json_t *best = json_null();
		if (opt)
			best = json_pack("{s:I, s:I, s:I, s:I, s:I}", "load_min",
					 (json_int_t)opt->load_min, "load_max",
					 (json_int_t)opt->load_max, "load_sum_of_squares",
					 (json_int_t)opt->load_sq, "local", (json_int_t)opt->local,
					 "moved", (json_int_t)opt->moved);
		json_object_set_new(o, "optimum", best ? best : json_null());
		json_t *flow = json_null(), *gap = json_null();
		if (fbest) {
			ka_gap d;
			ka_gap_of(m, fbest, &d);
			flow = json_pack(
			    "{s:I, s:I, s:I, s:I, s:I}", "load_min", (json_int_t)fbest->load_min,
			    "load_max", (json_int_t)fbest->load_max, "load_sum_of_squares",
			    (json_int_t)fbest->load_sq, "local", (json_int_t)fbest->local, "moved",
			    (json_int_t)fbest->moved);
			gap = json_pack("{s:I, s:I, s:I}", "load_sum_of_squares",
					(json_int_t)d.load_sq, "local", (json_int_t)d.local,
					"moved", (json_int_t)d.moved);
		}
		json_object_set_new(o, "optimum_flow", flow ? flow : json_null());
		json_object_set_new(o, "gap", gap ? gap : json_null());
		json_object_set_new(o, "leader_known",
				    lm ? json_integer(lm->rack_known) : json_null());
		json_object_set_new(o, "leader_local", lm ? json_integer(lm->local) : json_null());
		json_object_set_new(o, "leader_local_share",
				    lm && lm->rack_known
					? json_real((double)lm->local / lm->rack_known)
					: json_null());
		json_t *lbest = json_null();
		if (lm && lopt)
			lbest = json_pack("{s:I, s:I}", "local", (json_int_t)lopt->local, "moved",
					  (json_int_t)lopt->moved);
		json_object_set_new(o, "leader_optimum", lbest ? lbest : json_null());
	}
	int rc = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(o);
	return rc;
}

/* One check: its inputs, what was measured, and the workspaces. */
typedef struct check_run {
	const char *cmd, *spath, *apath;
	const ka_strategy *s;
	int json;
	ka_group *g;
	uint32_t *owner;
	int64_t doc_violations; /* reported by the assignment loader */
	violations v;           /* ka_assignment_validate's */
	void *mws, *bws;
	ka_metrics m, lm;
	ka_optimum opt, lopt, fbest;
	const ka_metrics *mp, *lmp;              /* NULL: not measured */
	const ka_optimum *optp, *loptp, *fbestp; /* NULL: not computed */
} check_run;

/* Phase 1: the options. Returns -1 to go on, else the exit status. */
static int check_options(check_run *r, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"strategy", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *strategy_name = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			strategy_name = optarg;
			break;
		case 'j':
			r->json = 1;
			break;
		case 'h':
			fputs(check_usage, stdout);
			return KH_EXIT_OK;
		default:
			return kh_option_error(r->cmd, c, argv);
		}
	}
	if (argc - optind != 2)
		return kh_usage_error(r->cmd, "expected SCENARIO and ASSIGNMENT, got %d argument%s",
				      argc - optind, argc - optind == 1 ? "" : "s");
	r->spath = argv[optind];
	r->apath = argv[optind + 1];
	if (strategy_name && !(r->s = kh_strategy_lookup(r->cmd, strategy_name)))
		return KH_EXIT_USAGE;
	return -1;
}

/* Phase 2: the scenario, the assignment, and whose rules apply. Returns 0,
 * or -1 after a message. */
static int check_read(check_run *r)
{
	if (kd_scenario_load(r->spath, &r->g, kd_msg_stderr, NULL) < 0)
		return -1;
	r->owner = malloc(((size_t)r->g->n_partitions + 1) * sizeof(*r->owner));
	if (!r->owner) {
		kh_error(r->cmd, "%s: out of memory", r->spath);
		return -1;
	}
	char named[256];
	r->doc_violations = kd_assignment_load_named(r->apath, r->g, r->owner, named, sizeof(named),
						     kd_msg_stderr, NULL);
	if (r->doc_violations < 0)
		return -1;
	/* Without --strategy the document's own "strategy" says whose rules
	 * apply (a cooperative round may withhold partitions); a name no
	 * strategy has is an error, not a silent plain check. */
	if (!r->s && named[0] && !(r->s = ka_strategy_find(named))) {
		kh_error(r->cmd,
			 "%s: strategy: unknown strategy \"%s\" (give --strategy NAME, "
			 "see 'kassign list')",
			 r->apath, named);
		return -1;
	}
	return 0;
}

/* Phase 3: validity, then (when every owner is a member) the metrics, the
 * optimum and the gap's optimum, and with known leaders the same on the
 * leader view. Returns 0, or -1 after a message. */
static int check_measure(check_run *r)
{
	const ka_group *g = r->g;
	const int allow_withheld = r->s && (r->s->flags & KA_STRATEGY_COOPERATIVE);
	ka_assignment_validate(g, r->owner, allow_withheld, collect, &r->v);
	if (r->v.bad_member)
		return 0;
	const size_t mws_size = ka_metrics_workspace_size(g);
	r->mws = kh_big_alloc(mws_size);
	if (!r->mws) {
		kh_error(r->cmd, "%s: out of memory", r->spath);
		return -1;
	}
	const int mrc = ka_metrics_compute(g, r->owner, r->mws, mws_size, &r->m);
	if (mrc < 0) {
		kh_error(r->cmd, "%s: metrics failed: %s", r->spath, ka_strerror(mrc));
		return -1;
	}
	r->mp = &r->m;
	/* The exact optimum, for groups small enough to solve here. */
	if (ka_optimum_compute(g, KH_OPTIMUM_WORK, &r->opt, NULL) == 0)
		r->optp = &r->opt;
	/* The same optimum from kassign's flow, at any size: the gap. */
	const size_t bws_size = ka_optimum_flow_workspace_size(g);
	r->bws = kh_big_alloc(bws_size);
	if (!r->bws) {
		kh_error(r->cmd, "%s: out of memory", r->spath);
		return -1;
	}
	const int brc = ka_optimum_flow(g, r->bws, bws_size, &r->fbest);
	if (brc < 0) {
		kh_error(r->cmd, "%s: optimum failed: %s", r->spath, ka_strerror(brc));
		return -1;
	}
	r->fbestp = &r->fbest;
	/* Known leaders: locality again, local only on the leader's rack. */
	ka_group view;
	if ((g->flags & KA_GROUP_LEADER_RACKS) && ka_group_leader_view(g, &view) == 0) {
		const int lrc = ka_metrics_compute(&view, r->owner, r->mws, mws_size, &r->lm);
		if (lrc < 0) {
			kh_error(r->cmd, "%s: metrics failed: %s", r->spath, ka_strerror(lrc));
			return -1;
		}
		r->lmp = &r->lm;
		if (ka_optimum_compute(&view, KH_OPTIMUM_WORK, &r->lopt, NULL) == 0)
			r->loptp = &r->lopt;
	}
	return 0;
}

/* Phase 4: the report on stdout, all or nothing. Returns the exit status. */
static int check_report(check_run *r)
{
	kh_out out = {0};
	const char *name = r->s ? r->s->name : NULL;
	if (kh_out_open(&out, r->cmd, NULL) < 0)
		return KH_EXIT_USAGE;
	if (r->json) {
		if (print_json(out.f, r->g, name, r->optp, r->fbestp, r->doc_violations, &r->v,
			       r->mp, r->lmp, r->loptp) < 0) {
			kh_error(r->cmd, "cannot format the JSON report");
			kh_out_abort(&out);
			return KH_EXIT_USAGE;
		}
	} else {
		print_text(out.f, r->g, r->spath, name, r->doc_violations, &r->v, r->mp, r->optp,
			   r->fbestp, r->lmp, r->loptp);
	}
	if (kh_out_commit(&out, r->cmd) < 0)
		return KH_EXIT_USAGE;
	if (!r->doc_violations && !r->v.count)
		return KH_EXIT_OK;
	fprintf(stderr, "kassign check: %s: not a valid assignment of %s\n", r->apath, r->spath);
	return KH_EXIT_FAIL;
}

int kh_cmd_check(int argc, char **argv)
{
	check_run r = {.cmd = "check"};
	int rc = check_options(&r, argc, argv);
	if (rc >= 0)
		return rc;
	rc = check_read(&r) < 0 || check_measure(&r) < 0 ? KH_EXIT_USAGE : check_report(&r);
	free(r.mws);
	free(r.bws);
	free(r.owner);
	ka_group_free(r.g);
	return rc;
}
