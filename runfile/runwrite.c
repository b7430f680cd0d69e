/*
 * runwrite.c - writes a run (runfile.h) as a run file (docs/simulation.md).
 * Streamed with stdio rather than built as a jansson document: a large run
 * has millions of ownership intervals and lag samples. The plan, small,
 * goes through jansson.
 *
 * The layout is fixed (one member, event, rebalance or partition a line,
 * eight lag samples a line) and every number has one spelling, so that a
 * file read back (runread.c) and written again is the same bytes.
 */
#include "runfile/runfile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Integers when whole, else 12 significant digits. A number whose 12
 * digits are whole (1234567890123.4 is 1.23456789012e+12) is written whole
 * too, and -0 as 0: read back, the text gives the same text again.
 */
static void numx(FILE *f, double v)
{
	char b[40];
	if (v == 0) {
		fputc('0', f);
		return;
	}
	if (v == floor(v) && fabs(v) < 9e15) {
		fprintf(f, "%.0f", v);
		return;
	}
	snprintf(b, sizeof(b), "%.12g", v);
	const double r = strtod(b, NULL);
	if (r == floor(r) && fabs(r) < 9e15)
		fprintf(f, "%.0f", r);
	else
		fputs(b, f);
}

/* A JSON string: as is when plain ASCII, else escaped as jansson does. */
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

/* `, "key": ` (or without the comma for an object's first field). */
static void key(FILE *f, int *first, const char *k)
{
	fputs(*first ? "\"" : ", \"", f);
	fputs(k, f);
	fputs("\": ", f);
	*first = 0;
}

static void str_field(FILE *f, int *first, const char *k, const char *v)
{
	if (!v)
		return;
	key(f, first, k);
	quote(f, v);
}

static void num_field(FILE *f, int *first, const char *k, double v)
{
	if (isnan(v))
		return;
	key(f, first, k);
	numx(f, v);
}

static void bool_field(FILE *f, int *first, const char *k, int v)
{
	if (v < 0)
		return;
	key(f, first, k);
	fputs(v ? "true" : "false", f);
}

static void strlist_field(FILE *f, int *first, const char *k, const kr_run *run,
			  const kr_strlist *l)
{
	if (!l->present)
		return;
	key(f, first, k);
	fputc('[', f);
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			fputs(", ", f);
		quote(f, run->strs[l->first + i]);
	}
	fputc(']', f);
}

/* `,\n  "key": ` between the top level's fields. */
static void top(FILE *f, const char *k)
{
	fprintf(f, ",\n  \"%s\": ", k);
}

/* The separator before entry i of a list written one entry a line. */
static void entry(FILE *f, size_t i)
{
	fputs(i ? ",\n    " : "\n    ", f);
}

static int write_context(FILE *f, const kr_context *c)
{
	int first = 1;
	fputc('{', f);
	str_field(f, &first, "kassign_version", c->kassign_version);
	str_field(f, &first, "commit", c->commit);
	str_field(f, &first, "date", c->date);
	str_field(f, &first, "host", c->host);
	str_field(f, &first, "librdkafka_version", c->librdkafka_version);
	str_field(f, &first, "bootstrap", c->bootstrap);
	str_field(f, &first, "group_id", c->group_id);
	num_field(f, &first, "leader_hold_ms", c->leader_hold_ms);
	bool_field(f, &first, "settled", c->settled);
	str_field(f, &first, "not_measured", c->not_measured);
	num_field(f, &first, "lag_step_ms", c->lag_step_ms);
	str_field(f, &first, "assign_ms", c->assign_ms);
	if (c->has_assumptions) {
		/* Compact, as jansson writes a small object. */
		key(f, &first, "assumptions");
		fputc('{', f);
		for (size_t i = 0; i < c->n_assumptions; i++) {
			if (i)
				fputc(',', f);
			quote(f, c->assumptions[i].key);
			fputc(':', f);
			quote(f, c->assumptions[i].value);
		}
		fputc('}', f);
	}
	fputc('}', f);
	return 0;
}

static void write_members(FILE *f, const kr_run *run)
{
	size_t k = 0;
	fputc('[', f);
	for (size_t i = 0; i < run->n_members; i++) {
		const kr_member *m = &run->members[i];
		if (!m->listed)
			continue;
		int first = 1;
		entry(f, k++);
		fputc('{', f);
		str_field(f, &first, "member_id", m->id);
		str_field(f, &first, "group_instance_id", m->instance_id);
		strlist_field(f, &first, "coordinator_member_ids", run, &m->coordinator_member_ids);
		strlist_field(f, &first, "topics", run, &m->topics);
		fputc('}', f);
	}
	fputc(']', f);
}

static void write_topics(FILE *f, const kr_run *run)
{
	fputc('[', f);
	for (size_t t = 0; t < run->n_topics; t++) {
		fputs(t ? ", {\"name\": " : "{\"name\": ", f);
		quote(f, run->topics[t].name);
		fprintf(f, ", \"partitions\": %u}", run->topics[t].partitions);
	}
	fputc(']', f);
}

static void write_events(FILE *f, const kr_run *run)
{
	fputc('[', f);
	for (size_t i = 0; i < run->n_events; i++) {
		const kr_event *e = &run->events[i];
		int first = 1;
		entry(f, i);
		fputc('{', f);
		num_field(f, &first, "t_ms", e->t_ms);
		str_field(f, &first, "type", e->type);
		if (e->member >= 0)
			str_field(f, &first, "member", run->members[e->member].id);
		if (e->topic >= 0)
			str_field(f, &first, "topic", run->topics[e->topic].name);
		num_field(f, &first, "count", e->count);
		fputc('}', f);
	}
	fputc(']', f);
}

static void write_rebalances(FILE *f, const kr_run *run)
{
	fputc('[', f);
	for (size_t i = 0; i < run->n_rebalances; i++) {
		const kr_rebalance *b = &run->rebalances[i];
		int first = 0;
		entry(f, i);
		fprintf(f, "{\"generation\": %lld", (long long)b->generation);
		num_field(f, &first, "start_ms", b->start_ms);
		num_field(f, &first, "end_ms", b->end_ms);
		str_field(f, &first, "trigger", b->trigger);
		str_field(f, &first, "kind", b->kind);
		num_field(f, &first, "members", b->members);
		num_field(f, &first, "revoked", b->revoked);
		num_field(f, &first, "assigned", b->assigned);
		num_field(f, &first, "moved", b->moved);
		num_field(f, &first, "assign_ms", b->assign_ms);
		num_field(f, &first, "stop_the_world_ms", b->stop_the_world_ms);
		bool_field(f, &first, "superseded", b->superseded);
		fputc('}', f);
	}
	fputc(']', f);
}

static void write_ownership(FILE *f, const kr_run *run)
{
	fputc('[', f);
	for (size_t p = 0; p < run->n_partitions; p++) {
		const kr_partition *x = &run->partitions[p];
		entry(f, p);
		fputs("{\"topic\": ", f);
		quote(f, run->topics[x->topic].name);
		fprintf(f, ", \"partition\": %u, \"intervals\": [", x->partition);
		for (size_t k = 0; k < x->n; k++) {
			const kr_interval *iv = &run->intervals[x->first + k];
			fputs(k ? ", [" : "[", f);
			numx(f, iv->from_ms);
			fputs(", ", f);
			numx(f, iv->to_ms);
			fputs(", ", f);
			quote(f, run->members[iv->member].id);
			fputc(']', f);
		}
		fputs("]}", f);
	}
	fputc(']', f);
}

static void write_lag(FILE *f, const kr_run *run)
{
	fputc('[', f);
	for (size_t i = 0; i < run->n_lag; i++) {
		fputs(i ? (i % 8 ? ", [" : ",\n    [") : "\n    [", f);
		numx(f, run->lag[i][0]);
		fputs(", ", f);
		numx(f, run->lag[i][1]);
		fputc(']', f);
	}
	fputc(']', f);
}

static void write_summary(FILE *f, const kr_summary *s)
{
	int first = 1;
	fputc('{', f);
	for (size_t i = 0; i < kr_n_summary_fields; i++) {
		const kr_summary_field *d = &kr_summary_fields[i];
		const double v = kr_summary_get(s, d);
		if (isnan(v))
			continue;
		if (d->kind == KR_BOOLEAN) {
			bool_field(f, &first, d->key, v != 0);
		} else if (d->kind == KR_NULLABLE && v < 0) {
			key(f, &first, d->key);
			fputs("null", f);
		} else {
			num_field(f, &first, d->key, v);
		}
	}
	fputc('}', f);
}

int kr_run_write(FILE *f, const kr_run *run)
{
	fprintf(f, "{\n  \"kassign_run\": %d", KR_RUN_VERSION);
	if (run->source) {
		top(f, "source");
		quote(f, run->source);
	}
	if (run->plan) {
		char *pj = json_dumps(run->plan, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!pj)
			return -1;
		top(f, "plan");
		fputs(pj, f);
		free(pj);
	}
	if (run->has_context) {
		top(f, "context");
		write_context(f, &run->context);
	}
	top(f, "members");
	write_members(f, run);
	top(f, "topics");
	write_topics(f, run);
	top(f, "events");
	write_events(f, run);
	top(f, "rebalances");
	write_rebalances(f, run);
	if (run->has_ownership) {
		top(f, "ownership");
		write_ownership(f, run);
	}
	if (run->has_lag) {
		top(f, "lag");
		write_lag(f, run);
	}
	if (run->has_summary) {
		top(f, "summary");
		write_summary(f, &run->summary);
	}
	fputs("\n}\n", f);
	return ferror(f) ? -1 : 0;
}
