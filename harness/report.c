/*
 * report.c - writers of sweep results. The table is for people: fixed
 * columns, one row per point, flushed as each point finishes so a long
 * sweep shows progress. Its column names are the metric names of
 * docs/cli.md and must not change between runs.
 */
#include "harness/harness.h"

#include <inttypes.h>

#define ROW_KEY "%-18s %-7s %-13s %-12s"

static void table_begin(void *ctx)
{
	FILE *f = ctx;
	fprintf(f, ROW_KEY " %10s %7s %11s %11s %11s %9s %8s %7s %4s %8s %9s %9s %5s\n",
		"strategy", "grid", "subs", "variant", "partitions", "members", "median_ms", "min_ms",
		"max_ms", "ns/part", "B/part", "max-min", "bal", "moved", "moved_lb", "moved_opt",
		"valid");
	fflush(f);
}

static void table_point(void *ctx, const kh_point *pt, const kh_point_result *r)
{
	FILE *f = ctx;
	fprintf(f, ROW_KEY, pt->strategy->name, pt->grid->name, kd_subs_name(pt->subs),
		kd_variant_name(pt->variant));
	if (!r->ok) {
		fprintf(f, " error: %s\n", r->error);
		fflush(f);
		return;
	}
	const ka_metrics *m = &r->metrics;
	const double per = r->partitions ? (double)r->partitions : 1.0;
	char lb[24];
	snprintf(lb, sizeof(lb), "%s%u", m->moved_min_exact ? "" : ">=", m->moved_min);
	fprintf(f, " %10u %7u %11.6f %11.6f %11.6f %9.2f %8.1f %7u %4s %8u %9s %9u %5s\n",
		r->partitions, r->members, r->timing.median_ns / 1e6, r->timing.min_ns / 1e6,
		r->timing.max_ns / 1e6, r->timing.median_ns / per,
		((double)r->ws_bytes + 4.0 * r->partitions) / per,
		m->n_eligible ? m->load_max - m->load_min : 0, m->balanced ? "yes" : "no", m->moved,
		lb, m->moved_opt, r->violations ? "NO" : "yes");
	fflush(f);
}

static void table_end(void *ctx)
{
	fflush((FILE *)ctx);
}

void kh_reporter_table(kh_reporter *rep, FILE *f)
{
	rep->ctx = f;
	rep->begin = table_begin;
	rep->point = table_point;
	rep->end = table_end;
}
