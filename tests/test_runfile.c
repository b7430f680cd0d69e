/*
 * test_runfile.c - the run file's one module (runfile/): what the writer
 * writes, the reader reads back, and writing it again gives the same bytes.
 *
 *   roundtrip  the run of every preset of `kassign simulate` (storm-large in
 *              `large`), and of plans
 *              that reach the rarer fields (pauses, slow batches, added
 *              partitions, KIP-848, a scenario's non-ASCII names): written
 *              by the simulator, read, written again: byte-identical, and
 *              the run read back has the simulator's counts
 *   files      the run files in tests/data/run: one written by `kassign
 *              probe` reads and writes back to its own bytes; a hand-written
 *              one reaches a fixed point after one write
 *   numbers    a run built by hand with numbers and strings at the edges of
 *              their spelling: each written as stated, and round-tripped
 *   malformed  bad run files: refused with the one message that names the
 *              file, the place and the rule
 */
#define _GNU_SOURCE /* open_memstream */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/runfile.h"
#include "sim/sim.h"
#include "tests/ktest.h"

/* The run file of run, in a new buffer of *len bytes. Out of line: inlined,
 * GCC takes pointers into the text for pointers to the local that
 * open_memstream fills, and warns (-Wdangling-pointer). */
__attribute__((noinline)) static char *write_run(const kr_run *run, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(kr_run_write(f, run), 0);
	fclose(f);
	return buf;
}

/* Where two texts part, for the failure message. */
static void show_difference(const char *what, const char *a, size_t la, const char *b, size_t lb)
{
	size_t i = 0;
	while (i < la && i < lb && a[i] == b[i])
		i++;
	size_t from = i > 60 ? i - 60 : 0;
	fprintf(stderr, "%s: differs at byte %zu of %zu/%zu:\n  first:  %.120s\n  second: %.120s\n",
		what, i, la, lb, a + from, b + from);
}

/* Reads text (as file `name`), writes it: the new text in *out. Returns
 * the run read (NULL after a failed assertion). */
static kr_run *read_write(const char *name, const char *text, size_t len, char **out,
			  size_t *out_len)
{
	char err[512];
	kr_run *run = NULL;
	if (kr_run_read_buf(text, len, name, &run, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: refused: %s\n", name, err);
		CU_FAIL("a written run file does not read back");
		return NULL;
	}
	*out = write_run(run, out_len);
	return run;
}

/* text, read and written again, must be text itself. */
static kr_run *expect_round_trip(const char *name, const char *text, size_t len)
{
	char *again;
	size_t again_len;
	kr_run *run = read_write(name, text, len, &again, &again_len);
	if (!run)
		return NULL;
	const int same = again_len == len && memcmp(again, text, len) == 0;
	if (!same)
		show_difference(name, text, len, again, again_len);
	CU_ASSERT(same);
	free(again);
	return run;
}

/* ------------------------------------------------------------------ roundtrip */

static ks_plan *plan_from(const char *name, json_t *doc)
{
	ks_plan *p = NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	if (ks_plan_from_json(name, doc, &p, NULL, NULL) < 0)
		fprintf(stderr, "%s: plan refused\n", name);
	json_decref(doc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

/* Simulates the plan, writes its run file, and checks it round-trips. */
static void check_plan(const char *name, ks_plan *p)
{
	ks_run *r = NULL;
	char err[256];
	int rc = ks_simulate(p, &r, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s: simulate: %s\n", name, err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	const ks_context ctx = {"0.1.0", "test-commit", "2026-01-01T00:00:00Z"};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(ks_run_write(f, p, r, &ctx), 0);
	fclose(f);

	kr_run *back = expect_round_trip(name, text, len);
	if (back) {
		/* What was read is the simulator's run, not merely some text
		 * that writes back to itself. */
		CU_ASSERT_STRING_EQUAL(back->source, "simulate");
		CU_ASSERT_EQUAL(back->n_members, r->n_members);
		CU_ASSERT_EQUAL(back->n_events, r->n_events);
		CU_ASSERT_EQUAL(back->n_rebalances, r->n_rebalances);
		CU_ASSERT_EQUAL(back->n_lag, r->n_lag);
		CU_ASSERT_EQUAL(back->n_intervals, r->intervals ? r->n_intervals : 0);
		CU_ASSERT_EQUAL(back->summary.rebalances, r->summary.rebalances);
		CU_ASSERT_EQUAL(back->summary.ownership_omitted, r->summary.ownership_omitted);
		CU_ASSERT_EQUAL(back->context.n_assumptions > 0, 1);
		for (size_t i = 0; i < r->n_rebalances && i < back->n_rebalances; i++) {
			CU_ASSERT_EQUAL(back->rebalances[i].generation,
					r->rebalances[i].generation);
			CU_ASSERT_EQUAL(back->rebalances[i].moved, r->rebalances[i].moved);
			CU_ASSERT_EQUAL(back->rebalances[i].superseded == 1,
					r->rebalances[i].superseded != 0);
		}
		for (size_t i = 0; i < r->n_events && i < back->n_events; i++)
			CU_ASSERT_STRING_EQUAL(back->events[i].type, r->events[i].type);
	}
	kr_run_free(back);
	free(text);
	ks_run_free(r);
	ks_plan_free(p);
}

/* The size benchmark's preset (10,000 members, 1,000,000 partitions, its
 * ownership omitted) takes a minute under the sanitizers: a suite of its
 * own, so that ctest runs it beside the others. */
static const char large_preset[] = "storm-large";

static void test_presets(void)
{
	CU_ASSERT(ks_preset_count() > 0);
	for (size_t i = 0; i < ks_preset_count(); i++) {
		const char *name = ks_preset_name(i);
		if (strcmp(name, large_preset) != 0)
			check_plan(name, plan_from(name, ks_preset_json(name)));
	}
}

static void test_large_preset(void)
{
	check_plan(large_preset, plan_from(large_preset, ks_preset_json(large_preset)));
}

/* Plans that reach what the presets do not: random pauses, a slow batch
 * past max.poll.interval.ms, added partitions (an event naming a topic), a
 * kill, KIP-848 with static members, a run that never drains (null),
 * random crashes under librdkafka's client model. */
static const char *const plans[] = {
    "{\"kassign_plan\": 1, \"name\": \"faults\", \"group\": {\"members\": 8, \"topics\": "
    "[{\"name\": \"t0\", \"partitions\": 16}, {\"name\": \"t1\", \"partitions\": 3}]}, "
    "\"protocol\": \"cooperative\", \"strategy\": \"cooperative-sticky\", "
    "\"static_membership\": true, \"faults\": {\"pauses_per_hour\": 20}, "
    "\"model\": {\"record_dist\": \"exponential\", \"seed\": 7}, \"events\": ["
    "{\"at_ms\": 20000, \"type\": \"slow-batch\", \"member\": \"m0001\", \"duration_ms\": 400000},"
    "{\"at_ms\": 30000, \"type\": \"pause\", \"member\": \"m0002\", \"duration_ms\": 60000},"
    "{\"at_ms\": 40000, \"type\": \"add-partitions\", \"topic\": \"t1\", \"count\": 2},"
    "{\"at_ms\": 50000, \"type\": \"leave\", \"member\": \"m0005\"},"
    "{\"at_ms\": 70000, \"type\": \"restart\", \"member\": \"m0003\", \"stop\": \"kill\"}],"
    "\"end_ms\": 900000}",
    "{\"kassign_plan\": 1, \"name\": \"kip848\", \"group\": {\"members\": 6, \"topics\": "
    "[{\"name\": \"t0\", \"partitions\": 12}]}, \"protocol\": \"consumer\", \"strategy\": "
    "\"range\", \"static_membership\": true, \"model\": {\"assign_ms\": 0.01}, \"events\": ["
    "{\"at_ms\": 10000, \"type\": \"restart\", \"member\": 2, \"stop\": \"kill\"},"
    "{\"at_ms\": 30000, \"type\": \"scale\", \"to\": 8},"
    "{\"at_ms\": 40000, \"type\": \"pause\", \"member\": \"m0001\", \"duration_ms\": 2000}]}",
    "{\"kassign_plan\": 1, \"name\": \"crashes\", \"group\": {\"members\": 5, \"topics\": "
    "[{\"name\": \"t0\", \"partitions\": 10}]}, \"protocol\": \"eager\", \"strategy\": "
    "\"roundrobin\", \"model\": {\"client\": \"librdkafka\", \"assign_ms\": 0.01}, "
    "\"faults\": {\"crashes_per_hour\": 30}, \"end_ms\": 600000}",
};

static void test_plans(void)
{
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		json_error_t e;
		json_t *doc = json_loads(plans[i], 0, &e);
		if (!doc)
			fprintf(stderr, "test plan %zu: %s\n", i, e.text);
		check_plan("plan", plan_from("plan", doc));
	}
}

/* A scenario's members and topics (non-ASCII names among them) start the run. */
static void test_scenario(void)
{
	const char *src = getenv("KA_SOURCE_DIR");
	if (!src)
		KT_SKIP("KA_SOURCE_DIR is not set (run through ctest)");
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/data/good/unicode-names.json", src);
	json_t *doc =
	    json_pack("{s:i, s:s, s:{s:s}, s:s, s:s, s:[{s:i, s:s, s:i}, {s:i, s:s, "
		      "s:i}], s:i}",
		      "kassign_plan", 1, "name", "scenario", "group", "scenario", path, "protocol",
		      "eager", "strategy", "range", "events", "at_ms", 10000, "type", "crash",
		      "count", 1, "at_ms", 20000, "type", "join", "count", 2, "end_ms", 120000);
	check_plan("scenario", plan_from("scenario", doc));
}

/* ------------------------------------------------------------------ files */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	return buf;
}

static char *data_file(const char *name, size_t *len)
{
	const char *src = getenv("KA_SOURCE_DIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/data/run/%s", src ? src : ".", name);
	char *text = slurp(path, len);
	if (!text)
		fprintf(stderr, "cannot read %s\n", path);
	return text;
}

/* Written by `kassign probe` (librdkafka's mock cluster, a cooperative
 * group with a join, a leave and a crash): its own bytes back. */
static void test_probe_file(void)
{
	if (!getenv("KA_SOURCE_DIR"))
		KT_SKIP("KA_SOURCE_DIR is not set (run through ctest)");
	size_t len;
	char *text = data_file("probe.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	kr_run *run = expect_round_trip("probe.json", text, len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(run);
	CU_ASSERT_STRING_EQUAL(run->source, "probe");
	CU_ASSERT_PTR_NOT_NULL(run->context.librdkafka_version);
	CU_ASSERT_EQUAL(run->context.settled, 1);
	CU_ASSERT(run->n_members > 0 && run->members[0].topics.present &&
		  run->members[0].coordinator_member_ids.present);
	CU_ASSERT(!isnan(run->summary.double_owned) && !isnan(run->summary.callback_errors));
	CU_ASSERT(run->n_rebalances > 0 && isnan(run->rebalances[0].assign_ms));
	CU_ASSERT_EQUAL(run->has_lag, 0);
	kr_run_free(run);
	free(text);
}

/* Hand-written, in a layout of its own: one write gives the writer's
 * layout, which then reads and writes back to itself. */
static void test_hand_written(void)
{
	if (!getenv("KA_SOURCE_DIR"))
		KT_SKIP("KA_SOURCE_DIR is not set (run through ctest)");
	size_t len, len1;
	char *text = data_file("small.json", &len), *one = NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	kr_run *run = read_write("small.json", text, len, &one, &len1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(run);
	kr_run *again = expect_round_trip("small.json written", one, len1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	CU_ASSERT_EQUAL(again->n_members, run->n_members);
	CU_ASSERT_EQUAL(again->n_intervals, run->n_intervals);
	CU_ASSERT_EQUAL(again->summary.processed_twice, run->summary.processed_twice);
	kr_run_free(again);
	kr_run_free(run);
	free(one);
	free(text);
}

/* ------------------------------------------------------------------ numbers */

/* Numbers and strings at the edges of their spelling. */
static void test_numbers(void)
{
	static const struct {
		double v;
		const char *text;
	} nums[] = {
	    {0.1, "0.1"},
	    {-0.0, "0"}, /* jansson reads -0 as the integer 0 */
	    {86399999.123456789, "86399999.1235"},
	    {1234567890123.4, "1234567890120"}, /* 12 digits, whole */
	    {1e20, "1e+20"},
	    {2.5e-7, "2.5e-07"},
	    {60000, "60000"},
	};
	const size_t n = sizeof(nums) / sizeof(nums[0]);
	kr_run *run = kr_run_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(run);
	CU_ASSERT_EQUAL_FATAL(kr_run_alloc(run, 2, 1, n, 1, 1, 1, n, 1), 0);
	CU_ASSERT_EQUAL_FATAL(kr_run_alloc_assumptions(run, 1), 0);
	run->source = "test";
	run->has_context = 1;
	run->context.commit = "tab\there, quote \" and \xc3\xa9";
	run->context.settled = 0;
	run->context.assumptions[0] = (kr_pair){"k\\ey", "line\nbreak"};
	run->members[0].id = "m\xc3\xa9";
	run->members[1].id = "plain";
	run->members[1].instance_id = "i1";
	run->members[1].topics = (kr_strlist){0, 1, 1};
	run->members[0].coordinator_member_ids = (kr_strlist){0, 0, 1};
	run->strs[0] = "t\xe2\x82\xac";
	run->topics[0] = (kr_topic){"t\xe2\x82\xac", 1};
	for (size_t i = 0; i < n; i++) {
		run->events[i].t_ms = 1000.0 * (double)i + 0.5;
		run->events[i].type = "join";
		run->events[i].member = (int64_t)(i % 2);
		run->lag[i][0] = (double)i;
		run->lag[i][1] = nums[i].v;
	}
	run->events[0].topic = 0;
	run->events[0].count = 3;
	run->rebalances[0] = (kr_rebalance){.generation = -7,
					    .start_ms = 0,
					    .end_ms = 0.5,
					    .trigger = NULL,
					    .kind = "reconcile",
					    .members = NAN,
					    .revoked = 1,
					    .assigned = NAN,
					    .moved = 0,
					    .assign_ms = NAN,
					    .stop_the_world_ms = 0,
					    .superseded = 0};
	run->has_ownership = 1;
	run->partitions[0] = (kr_partition){0, 0, 0, 1};
	run->intervals[0] = (kr_interval){0.25, 1e11, 1};
	run->has_lag = 1;
	run->has_summary = 1;
	run->summary.time_to_drain_ms = -1;
	run->summary.deploy_ms = 3.5;
	run->summary.ownership_omitted = 0;

	size_t len;
	char *text = write_run(run, &len);
	/* The lag list spells each number as stated. */
	const char *lag = strstr(text, "\"lag\": [");
	CU_ASSERT_PTR_NOT_NULL_FATAL(lag);
	for (size_t i = 0; i < n; i++) {
		char want[64];
		snprintf(want, sizeof(want), "[%zu, %s]", i, nums[i].text);
		if (!strstr(lag, want))
			fprintf(stderr, "lag: %s missing in %.400s\n", want, lag);
		CU_ASSERT_PTR_NOT_NULL(strstr(lag, want));
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"time_to_drain_ms\": null, \"deploy_ms\": 3.5, "
					    "\"ownership_omitted\": false}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"commit\": \"tab\\there, quote \\\" and \xc3\xa9\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "{\"k\\\\ey\":\"line\\nbreak\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
				      "{\"generation\": -7, \"start_ms\": 0, \"end_ms\": 0.5, "
				      "\"kind\": \"reconcile\", \"revoked\": 1, \"moved\": 0, "
				      "\"stop_the_world_ms\": 0, \"superseded\": false}"));

	kr_run *back = expect_round_trip("numbers", text, len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_STRING_EQUAL(back->members[0].id, "m\xc3\xa9");
	CU_ASSERT_STRING_EQUAL(back->context.assumptions[0].value, "line\nbreak");
	CU_ASSERT_EQUAL(back->events[0].topic, 0);
	CU_ASSERT_EQUAL(back->events[0].count, 3);
	CU_ASSERT_EQUAL(back->summary.time_to_drain_ms, -1);
	CU_ASSERT(isnan(back->summary.max_lag));
	kr_run_free(back);
	free(text);
	kr_run_free(run);
}

/* ------------------------------------------------------------------ malformed */

/* A run file whose parts are given; NULL takes the default. */
static char *doc_of(const char *members, const char *topics, const char *events,
		    const char *rebalances, const char *extra)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	fprintf(f,
		"{\"kassign_run\": 1, \"members\": %s, \"topics\": %s, \"events\": %s, "
		"\"rebalances\": %s%s%s}",
		members ? members : "[{\"member_id\": \"a\"}]",
		topics ? topics : "[{\"name\": \"t\", \"partitions\": 2}]", events ? events : "[]",
		rebalances ? rebalances : "[]", extra ? ", " : "", extra ? extra : "");
	fclose(f);
	return buf;
}

static void expect_refused(const char *text, const char *message)
{
	char err[512] = "";
	kr_run *run = NULL;
	int rc = kr_run_read_buf(text, strlen(text), "bad.json", &run, err, sizeof(err));
	if (rc == 0 || strcmp(err, message) != 0)
		fprintf(stderr, "document: %s\n  message: %s\n  wanted:  %s\n", text, err, message);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NULL(run);
	CU_ASSERT_STRING_EQUAL(err, message);
	kr_run_free(run);
}

#define E(rule) "bad.json: error: " rule

static void test_malformed(void)
{
	static const struct {
		const char *members, *topics, *events, *rebalances, *extra, *message;
	} cases[] = {
	    {"[{\"member_id\": \"\"}]", NULL, NULL, NULL, NULL,
	     E("members[0].member_id: must not be empty")},
	    {"[{\"member_id\": \"a\"}, {\"member_id\": \"a\"}]", NULL, NULL, NULL, NULL,
	     E("members[1].member_id: duplicate member id \"a\"")},
	    {"[{\"member_id\": \"a\", \"topics\": [\"t\", 3]}]", NULL, NULL, NULL, NULL,
	     E("members[0].topics[1]: must be a string, not 3")},
	    {"[{\"member_id\": \"a\", \"coordinator_member_ids\": \"x\"}]", NULL, NULL, NULL, NULL,
	     E("members[0].coordinator_member_ids: must be an array of strings, not the string "
	       "\"x\"")},
	    {NULL, "[{\"name\": \"t\", \"partitions\": -1}]", NULL, NULL, NULL,
	     E("topics[0].partitions: must be an integer >= 0, not -1")},
	    {NULL, NULL, "[{\"t_ms\": -1, \"type\": \"join\"}]", NULL, NULL,
	     E("events[0].t_ms: must be >= 0, not -1")},
	    {NULL, NULL, "[{\"t_ms\": 1, \"type\": \"partitions-added\", \"topic\": \"u\"}]", NULL,
	     NULL, E("events[0].topic: unknown topic \"u\" (not in topics)")},
	    {NULL, NULL, "[{\"t_ms\": 1, \"type\": \"partitions-added\", \"count\": 1.5}]", NULL,
	     NULL, E("events[0].count: must be an integer >= 0, not 1.5")},
	    {NULL, NULL, NULL, "[{\"generation\": 1, \"start_ms\": 5, \"end_ms\": 4}]", NULL,
	     E("rebalances[0].end_ms: must be a number >= start_ms (5), not 4")},
	    {NULL, NULL, NULL,
	     "[{\"generation\": 1, \"start_ms\": 5, \"end_ms\": 6, \"superseded\": \"yes\"}]", NULL,
	     E("rebalances[0].superseded: must be true or false, not the string \"yes\"")},
	    {NULL, NULL, NULL, "[{\"generation\": 1.5, \"start_ms\": 5, \"end_ms\": 6}]", NULL,
	     E("rebalances[0].generation: must be an integer, not 1.5")},
	    {NULL, NULL, NULL, NULL,
	     "\"ownership\": [{\"topic\": \"t\", \"partition\": 2, \"intervals\": []}]",
	     E("ownership[0].partition: must be a partition of topic \"t\" (2 partitions: 0..1), "
	       "not 2")},
	    {NULL, NULL, NULL, NULL,
	     "\"ownership\": [{\"topic\": \"t\", \"partition\": 0, \"intervals\": [[1, 2]]}]",
	     E("ownership[0].intervals[0]: must be [from_ms, to_ms, member_id]")},
	    {NULL, NULL, NULL, NULL, "\"lag\": [[2, 0], [1, 0]]",
	     E("lag[1]: t_ms 1 is before the previous sample's 2")},
	    {NULL, NULL, NULL, NULL, "\"summary\": {\"time_to_drain_ms\": -5}",
	     E("summary.time_to_drain_ms: must be a number >= 0 or null, not -5")},
	    {NULL, NULL, NULL, NULL, "\"summary\": {\"ownership_omitted\": 1}",
	     E("summary.ownership_omitted: must be true or false, not 1")},
	    {NULL, NULL, NULL, NULL, "\"summary\": {\"max_lag\": \"many\"}",
	     E("summary.max_lag: must be a number, not the string \"many\"")},
	    {NULL, NULL, NULL, NULL, "\"summary\": {\"duration_ms\": 1e15}",
	     E("summary.duration_ms: 1e+15 is past the limit of 1e+12 ms (about 31 years)")},
	    {NULL, NULL, NULL, NULL, "\"context\": {\"assumptions\": {\"restarts\": 3}}",
	     E("context.assumptions.restarts: must be a string, not 3")},
	    {NULL, NULL, NULL, NULL, "\"context\": {\"settled\": \"x\"}",
	     E("context.settled: must be true or false, not the string \"x\"")},
	    {NULL, NULL, NULL, NULL, "\"context\": {\"lag_step_ms\": true}",
	     E("context.lag_step_ms: must be a number, not true")},
	    {NULL, NULL, NULL, NULL, "\"plan\": [1]", E("plan: must be an object, not an array")},
	    {NULL, NULL, NULL, NULL, "\"source\": 3", E("run.source: must be a string, not 3")},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *doc = doc_of(cases[i].members, cases[i].topics, cases[i].events,
				   cases[i].rebalances, cases[i].extra);
		expect_refused(doc, cases[i].message);
		free(doc);
	}
	expect_refused("[1]", E("top level: must be a JSON object, not an array"));
	expect_refused("{}", E("kassign_run: required field missing (the run file version, 1): "
			       "not a run file of kassign simulate or probe?"));
	expect_refused("{\"kassign_run\": 2}",
		       E("kassign_run: version 2 is not the one this kassign reads (1)"));
	expect_refused("{\"kassign_run\": 1}", E("members: required field missing (an array)"));
	expect_refused("{\"kassign_run\": 1,\n \"members\": [}",
		       "bad.json:2:14: error: invalid JSON: unexpected token near '}'");
	expect_refused(
	    "{\"kassign_run\": 1, \"kassign_run\": 1}",
	    "bad.json:1:32: error: invalid JSON: duplicate object key near '\"kassign_run\"'");

	/* A file: the message names it, and a missing one says so. */
	char err[512];
	kr_run *run = NULL;
	CU_ASSERT_EQUAL(kr_run_load("/nonexistent/run.json", &run, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(
	    err, "/nonexistent/run.json: error: cannot read: No such file or directory");
	CU_ASSERT_PTR_NULL(run);
}

static const kt_test roundtrip_tests[] = {
    {"every preset", test_presets},
    {"plans with pauses, crashes, slow batches, added partitions, KIP-848", test_plans},
    {"a scenario with non-ASCII names", test_scenario},
    {NULL, NULL},
};
static const kt_test large_tests[] = {
    {"storm-large", test_large_preset},
    {NULL, NULL},
};
static const kt_test files_tests[] = {
    {"a probe's run file", test_probe_file},
    {"a hand-written run file", test_hand_written},
    {NULL, NULL},
};
static const kt_test numbers_tests[] = {
    {"spelling at the edges", test_numbers},
    {NULL, NULL},
};
static const kt_test malformed_tests[] = {
    {"refused with the place and the rule", test_malformed},
    {NULL, NULL},
};
static const kt_suite suites[] = {
    {"roundtrip", roundtrip_tests}, {"large", large_tests},         {"files", files_tests},
    {"numbers", numbers_tests},     {"malformed", malformed_tests}, {NULL, NULL},
};

KT_MAIN(suites)
