/*
 * runwrite.c - writes a run (docs/simulation.md) as JSON. Streamed with
 * stdio rather than built as a jansson document: a large run has millions
 * of ownership intervals and lag samples. The plan, small, goes through
 * jansson.
 */
#include "sim/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Integers when whole, else 12 significant digits. */
static void numx(FILE *f, double v)
{
	if (v == floor(v) && fabs(v) < 9e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.12g", v);
}

static void quote(FILE *f, const char *s)
{
	const char *c = s;
	while (*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\')
		c++;
	if (!*c) {
		fputc('"', f);
		fputs(s, f);
		fputc('"', f);
		return;
	}
	json_t *js = json_string(s);
	char *q = json_dumps(js, JSON_ENCODE_ANY);
	json_decref(js);
	fputs(q ? q : "\"\"", f);
	free(q);
}

int ks_run_write(FILE *f, const ks_plan *plan, const ks_run *r, const ks_context *ctx)
{
	fputs("{\n  \"kassign_run\": 1,\n  \"source\": \"simulate\",\n  \"plan\": ", f);
	char *pj = json_dumps(plan->json, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!pj)
		return -1;
	fputs(pj, f);
	free(pj);
	fputs(",\n  \"context\": {\"kassign_version\": ", f);
	quote(f, ctx->version);
	fputs(", \"commit\": ", f);
	quote(f, ctx->commit);
	fputs(", \"date\": ", f);
	quote(f, ctx->date);
	fprintf(f, ", \"lag_step_ms\": ");
	numx(f, r->lag_step_ms);
	fprintf(f, ", \"assign_ms\": \"%s\"", plan->assign_ms >= 0 ? "model" : "measured");
	json_t *as = ks_plan_assumptions(plan);
	char *aj = as ? json_dumps(as, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(as);
	if (!aj)
		return -1;
	fprintf(f, ", \"assumptions\": %s},\n", aj);
	free(aj);

	fputs("  \"members\": [", f);
	for (size_t i = 0; i < r->n_members; i++) {
		fputs(i ? ",\n    {\"member_id\": " : "\n    {\"member_id\": ", f);
		quote(f, r->members[i].member_id);
		if (r->members[i].instance_id) {
			fputs(", \"group_instance_id\": ", f);
			quote(f, r->members[i].instance_id);
		}
		fputc('}', f);
	}
	fputs("],\n  \"topics\": [", f);
	for (uint32_t t = 0; t < r->n_topics; t++) {
		fputs(t ? ", {\"name\": " : "{\"name\": ", f);
		quote(f, plan->topic_name[t]);
		fprintf(f, ", \"partitions\": %u}", r->topic_parts[t]);
	}
	fputs("],\n  \"events\": [", f);
	for (size_t i = 0; i < r->n_events; i++) {
		const ks_run_event *e = &r->events[i];
		fputs(i ? ",\n    {\"t_ms\": " : "\n    {\"t_ms\": ", f);
		numx(f, e->t_ms);
		fprintf(f, ", \"type\": \"%s\"", e->type);
		if (e->member != UINT32_MAX) {
			fputs(", \"member\": ", f);
			quote(f, r->members[e->member].member_id);
		} else {
			fputs(", \"topic\": ", f);
			quote(f, plan->topic_name[e->topic]);
			fprintf(f, ", \"count\": %u", e->count);
		}
		fputc('}', f);
	}
	fputs("],\n  \"rebalances\": [", f);
	for (size_t i = 0; i < r->n_rebalances; i++) {
		const ks_rebalance *b = &r->rebalances[i];
		fprintf(f, "%s{\"generation\": %d, \"start_ms\": ", i ? ",\n    " : "\n    ",
			b->generation);
		numx(f, b->start_ms);
		fputs(", \"end_ms\": ", f);
		numx(f, b->end_ms);
		fputs(", \"trigger\": ", f);
		quote(f, b->trigger);
		fprintf(f,
			", \"kind\": \"%s\", \"members\": %u, \"revoked\": %u, \"assigned\": %u, "
			"\"moved\": %u, \"assign_ms\": ",
			b->kind ? b->kind : "eager", b->members, b->revoked, b->assigned, b->moved);
		numx(f, b->assign_ms);
		fputs(", \"stop_the_world_ms\": ", f);
		numx(f, b->stop_the_world_ms);
		if (b->superseded)
			fputs(", \"superseded\": true", f);
		fputc('}', f);
	}
	fputs("],\n  \"ownership\": [", f);
	if (r->intervals) {
		/* Grouped by partition, in time order within each (a counting
		 * sort keeps the order they were closed in). */
		const uint32_t P = r->topic_off[r->n_topics];
		size_t *off = calloc((size_t)P + 1, sizeof(*off));
		size_t *idx = malloc((r->n_intervals ? r->n_intervals : 1) * sizeof(*idx));
		if (!off || !idx) {
			free(off);
			free(idx);
			return -1;
		}
		for (size_t i = 0; i < r->n_intervals; i++)
			off[r->intervals[i].partition + 1]++;
		for (uint32_t p = 0; p < P; p++)
			off[p + 1] += off[p];
		for (size_t i = 0; i < r->n_intervals; i++)
			idx[off[r->intervals[i].partition]++] = i;
		for (uint32_t p = P; p > 0; p--)
			off[p] = off[p - 1];
		off[0] = 0;
		uint32_t t = 0;
		for (uint32_t p = 0; p < P; p++) {
			while (p >= r->topic_off[t + 1])
				t++;
			fputs(p ? ",\n    {\"topic\": " : "\n    {\"topic\": ", f);
			quote(f, plan->topic_name[t]);
			fprintf(f, ", \"partition\": %u, \"intervals\": [", p - r->topic_off[t]);
			for (size_t k = off[p]; k < off[p + 1]; k++) {
				const ks_interval *iv = &r->intervals[idx[k]];
				fputs(k > off[p] ? ", [" : "[", f);
				numx(f, iv->from_ms);
				fputs(", ", f);
				numx(f, iv->to_ms);
				fputs(", ", f);
				quote(f, r->members[iv->member].member_id);
				fputc(']', f);
			}
			fputs("]}", f);
		}
		free(off);
		free(idx);
	}
	fputs("],\n  \"lag\": [", f);
	for (size_t i = 0; i < r->n_lag; i++) {
		fputs(i ? (i % 8 ? ", [" : ",\n    [") : "\n    [", f);
		numx(f, r->lag[2 * i]);
		fputs(", ", f);
		numx(f, round(r->lag[2 * i + 1]));
		fputc(']', f);
	}
	const ks_summary *s = &r->summary;
	fputs("],\n  \"summary\": {\"duration_ms\": ", f);
	numx(f, s->duration_ms);
	fprintf(f,
		", \"rebalances\": %u, \"generations\": %d, \"stop_the_world_ms\": ", s->rebalances,
		s->generations);
	numx(f, s->stop_the_world_ms);
	fprintf(f, ", \"partitions_unowned\": %u, \"unowned_partition_seconds\": ",
		s->partitions_unowned);
	numx(f, round(s->unowned_partition_seconds * 1000) / 1000);
	fputs(", \"max_lag\": ", f);
	numx(f, round(s->max_lag));
	fputs(", \"time_to_drain_ms\": ", f);
	if (s->time_to_drain_ms < 0)
		fputs("null", f);
	else
		numx(f, round(s->time_to_drain_ms));
	fputs(", \"processed_twice\": ", f);
	numx(f, round(s->processed_twice));
	fputs(", \"deploy_ms\": ", f);
	if (s->deploy_ms < 0)
		fputs("null", f);
	else
		numx(f, s->deploy_ms);
	fputs(", \"lag_message_seconds\": ", f);
	numx(f, round(s->lag_message_seconds));
	fprintf(f, ", \"pauses\": %u, \"pause_expiries\": %u", s->pauses, s->pause_expiries);
	fprintf(f, ", \"ownership_intervals\": %llu, \"ownership_omitted\": %s}\n}\n",
		(unsigned long long)s->ownership_intervals,
		s->ownership_omitted ? "true" : "false");
	return ferror(f) ? -1 : 0;
}
