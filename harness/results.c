/*
 * report.c - writers of sweep results; none of them measures anything.
 *
 *   - json: Google Benchmark's JSON as docs/results-format.md fixes it, so
 *     Google Benchmark's compare.py and kassign's scripts read it. Every
 *     value is made and written by jansson; entries are streamed one per
 *     line as points finish, so a sweep of thousands of points never holds
 *     the whole document in memory, and the file diffs line by line.
 *   - table: for people, fixed columns, one row per point, flushed per row.
 *     Its column names are those of docs/cli.md and must not change.
 *   - summary: a few lines per strategy x grid on stderr after a JSON run.
 */
#include "harness/harness.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

kd_gen_spec kh_point_spec(const kh_point *pt)
{
	return (kd_gen_spec){pt->grid,     pt->subs,  pt->variant,     pt->seed,
			     pt->strategy, pt->racks, pt->replication, pt->rack_layout};
}

const char *kh_point_variant(const kh_point *pt, char *buf, size_t len)
{
	const kd_gen_spec spec = kh_point_spec(pt);
	return kd_variant_label(&spec, buf, len);
}

void kh_point_name(const kh_point *pt, char *buf, size_t len)
{
	char variant[64];
	snprintf(buf, len, "assign/%s/%s/%s/%s", pt->strategy->name, pt->grid->name,
		 kd_subs_name(pt->subs), kh_point_variant(pt, variant, sizeof(variant)));
}

static double bytes_per_partition(const kh_point_result *r)
{
	const double per = r->partitions ? (double)r->partitions : 1.0;
	return ((double)r->ws_bytes + 4.0 * r->partitions) / per;
}

/* ------------------------------------------------------------------ table */

#define ROW_KEY "%-18s %-20s %-13s %-12s"

typedef struct table_ctx {
	FILE *f;
	uint32_t threads;
	int counts;
} table_ctx;

static void table_begin(void *ctx, const kh_run_info *run)
{
	table_ctx *t = ctx;
	t->threads = run->threads;
	t->counts = run->valgrind != NULL;
	fprintf(t->f, ROW_KEY " %10s %7s %11s %11s %11s %9s %8s %7s %4s %8s %9s %9s %7s %5s",
		"strategy", "grid", "subs", "variant", "partitions", "members", "median_ms",
		"min_ms", "max_ms", "ns/part", "B/part", "max-min", "bal", "moved", "moved_lb",
		"moved_opt", "local%", "valid");
	if (t->counts)
		fprintf(t->f, " %14s %14s %10s %10s", "instructions", "est_cycles", "l1_misses",
			"ll_misses");
	if (t->threads > 1)
		fprintf(t->f, " %11s %8s", "thr_med_ms", "slowdown");
	fputc('\n', t->f);
	fflush(t->f);
}

static void table_point(void *ctx, const kh_point *pt, const kh_point_result *r)
{
	table_ctx *t = ctx;
	FILE *f = t->f;
	char variant[64];
	fprintf(f, ROW_KEY, pt->strategy->name, pt->grid->name, kd_subs_name(pt->subs),
		kh_point_variant(pt, variant, sizeof(variant)));
	if (!r->ok) {
		fprintf(f, " error: %s\n", r->error);
		fflush(f);
		return;
	}
	const ka_metrics *m = &r->metrics;
	const double per = r->partitions ? (double)r->partitions : 1.0;
	char lb[24], local[16] = "-"; /* local%: of the placements whose racks are known */
	snprintf(lb, sizeof(lb), "%s%u", m->moved_min_exact ? "" : ">=", m->moved_min);
	if (m->rack_known)
		snprintf(local, sizeof(local), "%.1f", 100.0 * m->local / m->rack_known);
	fprintf(f, " %10u %7u %11.6f %11.6f %11.6f %9.2f %8.1f %7u %4s %8u %9s %9u %7s %5s",
		r->partitions, r->members, r->timing.median_ns / 1e6, r->timing.min_ns / 1e6,
		r->timing.max_ns / 1e6, r->timing.median_ns / per, bytes_per_partition(r),
		m->n_eligible ? m->load_max - m->load_min : 0, m->balanced ? "yes" : "no", m->moved,
		lb, m->moved_opt, local, r->violations ? "NO" : "yes");
	if (t->counts)
		fprintf(f, " %14" PRIu64 " %14" PRIu64 " %10" PRIu64 " %10" PRIu64, r->counts.ir,
			kh_counts_cycles(&r->counts), kh_counts_l1_misses(&r->counts),
			kh_counts_ll_misses(&r->counts));
	if (t->threads > 1 && r->threads_ok)
		fprintf(f, " %11.6f %8.3f", r->thread_timing.median_ns / 1e6,
			r->timing.median_ns > 0 ? r->thread_timing.median_ns / r->timing.median_ns
						: 0.0);
	else if (t->threads > 1)
		fprintf(f, " threads error: %s", r->threads_error);
	fputc('\n', f);
	fflush(f);
}

static int table_end(void *ctx)
{
	table_ctx *t = ctx;
	return fflush(t->f) == 0 && !ferror(t->f) ? 0 : -1;
}

int kh_reporter_table(kh_reporter *rep, FILE *f)
{
	table_ctx *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->f = f;
	*rep = (kh_reporter){t, table_begin, table_point, table_end, free};
	return 0;
}

/* ------------------------------------------------------------------ json */

typedef struct json_ctx {
	FILE *f;
	size_t family;  /* points written: Google Benchmark's family_index */
	size_t entries; /* benchmark entries written */
	uint32_t repetitions;
	int failed; /* a write or an allocation failed */
} json_ctx;

/* jansson's setters steal the value; a NULL value (allocation failed)
 * makes json_object_set_new fail, which is recorded. */
static void put(json_ctx *j, json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new(o, key, v) != 0)
		j->failed = 1;
}

static json_t *json_u64(uint64_t v)
{
	/* jansson's integers are signed 64-bit; past that, the decimal text. */
	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	char buf[24];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return json_string(buf);
}

static json_t *context_json(json_ctx *j, const kh_run_info *run)
{
	json_t *c = json_object();
	if (!c) {
		j->failed = 1;
		return NULL;
	}
	const kh_sysinfo *si = &run->sys;
	const kh_topo_info *ti = &run->topo;
	/* Google Benchmark's own fields, as libbenchmark 1.7 fills them. */
	put(j, c, "date", json_string(si->date));
	put(j, c, "host_name", json_string(si->host));
	put(j, c, "executable", json_string(run->executable ? run->executable : "kassign"));
	put(j, c, "num_cpus", json_integer(ti->pus));
	put(j, c, "mhz_per_cpu", json_integer(si->mhz));
	put(j, c, "cpu_scaling_enabled", json_boolean(si->scaling));
	json_t *caches = json_array();
	for (size_t i = 0; caches && i < ti->n_caches; i++) {
		const kh_cache_info *ci = &ti->caches[i];
		json_t *e = json_object();
		put(j, e, "type", json_string(ci->type));
		put(j, e, "level", json_integer(ci->level));
		put(j, e, "size", json_u64(ci->size));
		put(j, e, "num_sharing", json_integer(ci->sharing));
		if (json_array_append_new(caches, e) != 0)
			j->failed = 1;
	}
	put(j, c, "caches", caches);
	json_t *load = json_array();
	for (int i = 0; load && i < 3; i++)
		if (json_array_append_new(load, json_real(si->load[i])) != 0)
			j->failed = 1;
	put(j, c, "load_avg", load);
	const char *bt = kh_build_type();
	const int release = strcmp(bt, "Release") == 0 || strcmp(bt, "RelWithDebInfo") == 0 ||
			    strcmp(bt, "MinSizeRel") == 0;
	put(j, c, "library_build_type", json_string(release ? "release" : "debug"));

	json_t *k = json_object();
	put(j, k, "format", json_string("kassign-result"));
	put(j, k, "version", json_integer(1));
	put(j, k, "tool", json_string("kassign sweep"));
	put(j, k, "commit", json_string(kh_build_commit()));
	put(j, k, "compiler", json_string(kh_build_compiler()));
	put(j, k, "flags", json_string(kh_build_flags()));
	put(j, k, "build_type", json_string(bt));
	put(j, k, "kernel", json_string(si->kernel));
	put(j, k, "cpu_model", json_string(si->cpu_model));
	json_t *topo = json_object();
	put(j, topo, "packages", json_integer(ti->packages));
	put(j, topo, "cores", json_integer(ti->cores));
	put(j, topo, "pus", json_integer(ti->pus));
	put(j, topo, "numa_nodes", json_integer(ti->numa_nodes));
	json_t *tc = json_array();
	for (size_t i = 0; tc && i < ti->n_caches; i++) {
		const kh_cache_info *ci = &ti->caches[i];
		json_t *e = json_object();
		put(j, e, "level", json_integer(ci->level));
		put(j, e, "type", json_string(ci->type));
		put(j, e, "size", json_u64(ci->size));
		put(j, e, "count", json_integer(ci->count));
		if (json_array_append_new(tc, e) != 0)
			j->failed = 1;
	}
	put(j, topo, "caches", tc);
	put(j, topo, "summary", json_string(ti->summary));
	put(j, k, "topology", topo);
	json_t *cpus = json_array();
	for (size_t i = 0; cpus && i < run->n_cpus; i++)
		if (json_array_append_new(cpus, json_integer(run->cpus[i])) != 0)
			j->failed = 1;
	put(j, k, "cpus", cpus);
	put(j, k, "binding", json_string(run->binding ? run->binding : ""));
	put(j, k, "threads", json_integer(run->threads));
	put(j, k, "repetitions", json_integer(run->repetitions));
	put(j, k, "rounds", json_integer(run->rounds));
	put(j, k, "warmup", json_integer(run->warmup));
	put(j, k, "seed", json_u64(run->seed));
	put(j, k, "overhead_ns", json_real(run->overhead_ns));
	put(j, k, "measure", json_string(run->measure ? run->measure : "time"));
	if (run->valgrind) {
		json_t *cn = json_object();
		put(j, cn, "tool", json_string("callgrind"));
		put(j, cn, "valgrind", json_string(run->valgrind));
		put(j, cn, "caches", json_string(KH_COUNTS_CACHES));
		put(j, cn, "estimated_cycles", json_string(KH_COUNTS_FORMULA));
		put(j, k, "counts", cn);
	}
	put(j, c, "kassign", k);
	return c;
}

static void json_begin(void *ctx, const kh_run_info *run)
{
	json_ctx *j = ctx;
	j->repetitions = run->repetitions;
	json_t *c = context_json(j, run);
	fputs("{\n  \"context\": ", j->f);
	if (!c || json_dumpf(c, j->f,
			     JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) != 0)
		j->failed = 1;
	json_decref(c);
	fputs(",\n  \"benchmarks\": [", j->f);
}

/* One finished entry, on its own line. */
static void emit(json_ctx *j, json_t *e)
{
	fputs(j->entries++ ? ",\n    " : "\n    ", j->f);
	if (!e ||
	    json_dumpf(e, j->f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) != 0)
		j->failed = 1;
	json_decref(e);
}

/* Google Benchmark's leading fields of an entry. */
static json_t *entry_head(json_ctx *j, const char *name, const char *run_name, size_t instance,
			  int aggregate)
{
	json_t *e = json_object();
	if (!e) {
		j->failed = 1;
		return NULL;
	}
	put(j, e, "name", json_string(name));
	put(j, e, "family_index", json_integer((json_int_t)j->family));
	put(j, e, "per_family_instance_index", json_integer((json_int_t)instance));
	put(j, e, "run_name", json_string(run_name));
	put(j, e, "run_type", json_string(aggregate ? "aggregate" : "iteration"));
	put(j, e, "repetitions", json_integer(j->repetitions));
	return e;
}

static void put_point(json_ctx *j, json_t *e, const kh_point *pt)
{
	put(j, e, "strategy", json_string(pt->strategy->name));
	put(j, e, "grid", json_string(pt->grid->name));
	put(j, e, "subs", json_string(kd_subs_name(pt->subs)));
	char variant[64];
	put(j, e, "variant", json_string(kh_point_variant(pt, variant, sizeof(variant))));
}

/* The quality figures of docs/results-format.md (all but the time). */
static void put_figures(json_ctx *j, json_t *e, const kh_point_result *r, int valid)
{
	const ka_metrics *m = &r->metrics;
	put(j, e, "partitions", json_integer(r->partitions));
	put(j, e, "members", json_integer(r->members));
	put(j, e, "bytes_per_partition", json_real(bytes_per_partition(r)));
	put(j, e, "load_spread", json_integer(m->n_eligible ? m->load_max - m->load_min : 0));
	put(j, e, "balanced", json_integer(m->balanced ? 1 : 0));
	put(j, e, "moved", json_integer(m->moved));
	put(j, e, "moved_min", json_integer(m->moved_min));
	put(j, e, "moved_min_exact", json_integer(m->moved_min_exact ? 1 : 0));
	put(j, e, "moved_opt", json_integer(m->moved_opt));
	put(j, e, "local", json_integer(m->local));
	put(j, e, "rack_known", json_integer(m->rack_known));
	put(j, e, "valid", json_integer(valid ? 1 : 0));
	if (r->has_gap) {
		put(j, e, "gap_load_sq", json_integer((json_int_t)r->gap.load_sq));
		put(j, e, "gap_local", json_integer((json_int_t)r->gap.local));
		put(j, e, "gap_moved", json_integer((json_int_t)r->gap.moved));
	}
}

/* The counts of one call under callgrind (measure.h), on every entry of
 * the one-thread series: they are one figure a point, as the quality. */
static void put_counts(json_ctx *j, json_t *e, const kh_point_result *r)
{
	if (!r->has_counts)
		return;
	const kh_counts *c = &r->counts;
	put(j, e, "instructions", json_u64(c->ir));
	put(j, e, "l1_misses", json_u64(kh_counts_l1_misses(c)));
	put(j, e, "ll_misses", json_u64(kh_counts_ll_misses(c)));
	put(j, e, "estimated_cycles", json_u64(kh_counts_cycles(c)));
	put(j, e, "data_reads", json_u64(c->dr));
	put(j, e, "data_writes", json_u64(c->dw));
}

/* The N-thread figures, on every /threads:N entry. */
static void put_threads(json_ctx *j, json_t *e, const kh_point_result *r)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a && i < r->threads; i++)
		if (json_array_append_new(a, json_real(r->thread_median[i])) != 0)
			j->failed = 1;
	put(j, e, "thread_median_ns", a);
	const double slowdown =
	    r->timing.median_ns > 0 ? r->thread_timing.median_ns / r->timing.median_ns : 0;
	put(j, e, "slowdown", json_real(slowdown));
	put(j, e, "throughput_ratio", json_real(slowdown > 0 ? r->threads / slowdown : 0));
}

static void emit_error(json_ctx *j, const kh_point *pt, const char *name, size_t instance,
		       uint32_t threads, const char *msg)
{
	json_t *e = entry_head(j, name, name, instance, 0);
	put(j, e, "repetition_index", json_integer(0));
	put(j, e, "threads", json_integer(threads));
	put(j, e, "error_occurred", json_true());
	put(j, e, "error_message", json_string(msg));
	/* As Google Benchmark writes a failed run: zero times, so tools that
	 * read every entry's times (compare.py's geomean) do not trip. */
	put(j, e, "iterations", json_integer(0));
	put(j, e, "real_time", json_real(0));
	put(j, e, "cpu_time", json_real(0));
	put(j, e, "time_unit", json_string("ns"));
	put_point(j, e, pt);
	emit(j, e);
}

typedef enum { SERIES_ONE, SERIES_THREADS } series_kind;

/* The iterations and aggregates of one run name. */
static void emit_series(json_ctx *j, const kh_point *pt, const kh_point_result *r, const char *name,
			size_t instance, series_kind kind)
{
	const int thr = kind == SERIES_THREADS;
	const uint32_t threads = thr ? r->threads : 1;
	const double *rep = thr ? r->rep_median : r->samples_ns;
	const kh_timing *t = thr ? &r->thread_timing : &r->timing;
	const int valid = r->violations == 0 && (!thr || r->thread_violations == 0);
	const double per = r->partitions ? (double)r->partitions : 1.0;

	for (uint32_t i = 0; i < j->repetitions; i++) {
		json_t *e = entry_head(j, name, name, instance, 0);
		put(j, e, "repetition_index", json_integer(i));
		put(j, e, "threads", json_integer(threads));
		put(j, e, "iterations", json_integer(r->iterations));
		put(j, e, "real_time", json_real(rep[i]));
		put(j, e, "cpu_time", json_real(rep[i]));
		put(j, e, "time_unit", json_string("ns"));
		put_point(j, e, pt);
		put(j, e, "ns_per_partition", json_real(rep[i] / per));
		put_figures(j, e, r, valid);
		if (thr)
			put_threads(j, e, r);
		else
			put_counts(j, e, r);
		emit(j, e);
	}

	static const char *const agg[] = {"mean", "median", "stddev", "cv", "min", "max"};
	const double val[] = {t->mean_ns, t->median_ns, t->stddev_ns, t->cv, t->min_ns, t->max_ns};
	for (size_t a = 0; a < sizeof(agg) / sizeof(agg[0]); a++) {
		char aname[320];
		snprintf(aname, sizeof(aname), "%s_%s", name, agg[a]);
		const int pct = strcmp(agg[a], "cv") == 0;
		json_t *e = entry_head(j, aname, name, instance, 1);
		put(j, e, "threads", json_integer(threads));
		put(j, e, "aggregate_name", json_string(agg[a]));
		put(j, e, "aggregate_unit", json_string(pct ? "percentage" : "time"));
		put(j, e, "iterations", json_integer(r->iterations));
		put(j, e, "real_time", json_real(val[a]));
		put(j, e, "cpu_time", json_real(val[a]));
		/* Google Benchmark gives cv (a ratio) no time unit. */
		if (!pct)
			put(j, e, "time_unit", json_string("ns"));
		put_point(j, e, pt);
		if (!pct)
			put(j, e, "ns_per_partition", json_real(val[a] / per));
		put_figures(j, e, r, valid);
		if (thr)
			put_threads(j, e, r);
		else
			put_counts(j, e, r);
		emit(j, e);
	}
}

static void json_point(void *ctx, const kh_point *pt, const kh_point_result *r)
{
	json_ctx *j = ctx;
	char name[256], tname[288];
	kh_point_name(pt, name, sizeof(name));
	if (!r->ok) {
		emit_error(j, pt, name, 0, 1, r->error);
	} else {
		emit_series(j, pt, r, name, 0, SERIES_ONE);
		if (r->threads > 1) {
			snprintf(tname, sizeof(tname), "%s/threads:%u", name, r->threads);
			if (r->threads_ok)
				emit_series(j, pt, r, tname, 1, SERIES_THREADS);
			else
				emit_error(j, pt, tname, 1, r->threads, r->threads_error);
		}
	}
	j->family++;
	fflush(j->f);
}

static int json_end(void *ctx)
{
	json_ctx *j = ctx;
	fputs(j->entries ? "\n  ]\n}\n" : "]\n}\n", j->f);
	if (fflush(j->f) != 0 || ferror(j->f))
		j->failed = 1;
	if (j->failed)
		fprintf(stderr, "kassign sweep: writing the result file failed\n");
	return j->failed ? -1 : 0;
}

int kh_reporter_json(kh_reporter *rep, FILE *f)
{
	json_ctx *j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	j->f = f;
	*rep = (kh_reporter){j, json_begin, json_point, json_end, free};
	return 0;
}

/* ------------------------------------------------------------------ summary */

typedef struct summary_row {
	const ka_strategy *s;
	const kd_grid *g;
	uint32_t points, failed, invalid, unbalanced;
	double min_ms, max_ms, max_ns_part;
	double slowdown_sum;
	uint32_t slowdown_n;
} summary_row;

typedef struct summary_ctx {
	FILE *f;
	summary_row *rows;
	size_t n, cap;
	uint32_t threads;
	int oom;
} summary_ctx;

static void summary_begin(void *ctx, const kh_run_info *run)
{
	((summary_ctx *)ctx)->threads = run->threads;
}

static void summary_point(void *ctx, const kh_point *pt, const kh_point_result *r)
{
	summary_ctx *s = ctx;
	summary_row *row = s->n ? &s->rows[s->n - 1] : NULL;
	if (!row || row->s != pt->strategy || row->g != pt->grid) {
		if (s->n == s->cap) {
			const size_t cap = s->cap ? 2 * s->cap : 32;
			summary_row *nr = realloc(s->rows, cap * sizeof(*nr));
			if (!nr) {
				s->oom = 1;
				return;
			}
			s->rows = nr;
			s->cap = cap;
		}
		row = &s->rows[s->n++];
		memset(row, 0, sizeof(*row));
		row->s = pt->strategy;
		row->g = pt->grid;
	}
	row->points++;
	if (!r->ok) {
		row->failed++;
		return;
	}
	const double ms = r->timing.median_ns / 1e6;
	const double nsp = r->partitions ? r->timing.median_ns / r->partitions : 0;
	if (row->points - row->failed == 1 || ms < row->min_ms)
		row->min_ms = ms;
	if (ms > row->max_ms)
		row->max_ms = ms;
	if (nsp > row->max_ns_part)
		row->max_ns_part = nsp;
	row->invalid += r->violations != 0 || (r->threads && r->thread_violations != 0);
	row->unbalanced += !r->metrics.balanced;
	if (r->threads && !r->threads_ok)
		row->failed++;
	if (r->threads_ok && r->timing.median_ns > 0) {
		row->slowdown_sum += r->thread_timing.median_ns / r->timing.median_ns;
		row->slowdown_n++;
	}
}

static int summary_end(void *ctx)
{
	summary_ctx *s = ctx;
	FILE *f = s->f;
	fprintf(f, "%-18s %-20s %6s %12s %12s %11s %6s %7s %6s", "strategy", "grid", "points",
		"fastest_ms", "slowest_ms", "max_ns/part", "unbal", "invalid", "failed");
	if (s->threads > 1)
		fprintf(f, " %9s", "slowdown");
	fputc('\n', f);
	for (size_t i = 0; i < s->n; i++) {
		const summary_row *r = &s->rows[i];
		fprintf(f, "%-18s %-20s %6u %12.6f %12.6f %11.2f %6u %7u %6u", r->s->name,
			r->g->name, r->points, r->min_ms, r->max_ms, r->max_ns_part, r->unbalanced,
			r->invalid, r->failed);
		if (s->threads > 1 && r->slowdown_n)
			fprintf(f, " %9.3f", r->slowdown_sum / r->slowdown_n);
		fputc('\n', f);
	}
	if (s->oom)
		fprintf(f, "(summary incomplete: out of memory)\n");
	fflush(f);
	return 0;
}

static void summary_free(void *ctx)
{
	summary_ctx *s = ctx;
	if (s)
		free(s->rows);
	free(s);
}

int kh_reporter_summary(kh_reporter *rep, FILE *f)
{
	summary_ctx *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->f = f;
	*rep = (kh_reporter){s, summary_begin, summary_point, summary_end, summary_free};
	return 0;
}
