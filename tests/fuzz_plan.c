/*
 * fuzz_plan.c - the simulator's plan reader (ks_plan_from_json) under
 * fuzzing: any JSON document may be refused, with messages, never crash or
 * leak. A small plan that reads is also simulated (ks_simulate), so that
 * what the reader lets through is something the engine can run.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_line(void *ctx, const char *line)
{
	size_t *n = ctx;
	*n += strlen(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
	if (!doc)
		return 0;
	size_t lines = 0;
	ks_plan *plan = NULL;
	if (ks_plan_from_json("fuzz.json", doc, &plan, count_line, &lines) == 0) {
		uint64_t parts = 0;
		for (uint32_t t = 0; t < plan->n_topics; t++)
			parts += plan->topic_parts[t];
		/* Small enough to run in milliseconds: the fuzzer explores the
		 * reader, not the simulator's running time. */
		if (plan->members <= 16 && parts <= 256 && plan->n_events <= 8 &&
		    plan->end_ms <= 600000) {
			ks_run *run = NULL;
			char err[512];
			if (ks_simulate(plan, &run, err, sizeof err) == 0)
				ks_run_free(run);
		}
		ks_plan_free(plan);
	}
	json_decref(doc);
	return 0;
}
