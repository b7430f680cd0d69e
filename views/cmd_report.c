/*
 * cmd_report.c - `kassign report`: one static HTML page from a run file
 * (docs/report.md): summary, the timeline picture, the final assignment per
 * member, the rebalance history, the member events and the lag chart.
 *
 * The page stands alone: CSS inline, the pictures inline SVG (the timeline
 * renderer's SVG back end), no script, no font, image or link to fetch. Every
 * string that comes from the run file (member ids are user data) goes
 * through kh_xml_escape.
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "views/timeline.h"

static const char report_usage[] =
    "Usage: kassign report RUN.json -o REPORT.html [--rows N]\n"
    "\n"
    "Writes one static HTML page (no server, no network) from the run file of\n"
    "'kassign simulate' or 'kassign probe': the summary, the timeline picture,\n"
    "the final assignment per member, the rebalance history with durations,\n"
    "the join, leave, stop and start events, and the lag over time.\n"
    "\n"
    "  -o, --output FILE  the page (required; '-' for stdout)\n"
    "      --rows N       members in the timeline picture (default 40, at most\n"
    "                     1000); the tables list every member\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 ok, 2 bad input or usage.\n";

static const char css[] =
    "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:24px;color:#222;"
    "max-width:1240px}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;"
    "border-bottom:1px solid #ddd;padding-bottom:3px}\n"
    ".sub{color:#666;margin:0 0 12px;font-size:13px}.note{color:#b35900;font-size:13px}\n"
    "table{border-collapse:collapse;font-size:13px}"
    "th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}\n"
    "th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr:nth-child(even) td{background:#fafafa}\n"
    "td.id{font-family:'DejaVu Sans Mono',monospace;word-break:break-all}\n"
    "pre{background:#f7f7f7;padding:8px;font-size:12px;overflow:auto}\n"
    "svg{max-width:100%;height:auto}\n";

static void esc(FILE *f, const char *s)
{
	kh_xml_escape(f, s ? s : "");
}

/* A time from the start of the run, in seconds: "20 s", "23.12 s". */
static void fmt_time(double ms, char *buf, size_t len)
{
	snprintf(buf, len, "%.3f", ms / 1000);
	char *dot = strchr(buf, '.');
	if (dot) {
		char *end = buf + strlen(buf) - 1;
		while (end > dot && *end == '0')
			*end-- = '\0';
		if (end == dot)
			*end = '\0';
	}
	strncat(buf, " s", len - strlen(buf) - 1);
}

/* A number cell: "-" when absent (NAN). */
static void num_cell(FILE *f, double v)
{
	if (isnan(v))
		fputs("<td class=\"n\">-</td>", f);
	else
		fprintf(f, "<td class=\"n\">%.6g</td>", v);
}

static void header(FILE *f, const kr_run *run, const char *in_path)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>kassign report: ",
	      f);
	esc(f, *run->name ? run->name : in_path);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1 id=\"title\">", css);
	esc(f, *run->name ? run->name : "run");
	fputs("</h1>\n<p class=\"sub\">", f);
	esc(f, run->source && *run->source ? run->source : "run");
	if (*run->protocol) {
		fputs(" &middot; protocol ", f);
		esc(f, run->protocol);
	}
	if (*run->strategy) {
		fputs(" &middot; strategy ", f);
		esc(f, run->strategy);
	}
	if (run->static_membership >= 0)
		fputs(run->static_membership ? " &middot; static membership"
					     : " &middot; dynamic membership",
		      f);
	const kr_context *c = &run->context;
	const struct {
		const char *key, *value;
	} ctx[] = {{"date", c->date},
		   {"commit", c->commit},
		   {"kassign_version", c->kassign_version},
		   {"librdkafka_version", c->librdkafka_version},
		   {"bootstrap", c->bootstrap}};
	for (size_t i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++) {
		if (ctx[i].value) {
			fprintf(f, " &middot; %s ", ctx[i].key);
			esc(f, ctx[i].value);
		}
	}
	fputs("</p>\n", f);
}

/* What the figures assume (context.assumptions, written by simulate). */
static void section_assumptions(FILE *f, const kr_run *run)
{
	const kr_context *c = &run->context;
	if (!c->n_assumptions)
		return;
	fputs("<section id=\"assumptions\">\n<h2>Assumptions</h2>\n<table>\n", f);
	for (size_t i = 0; i < c->n_assumptions; i++) {
		fputs("<tr><td>", f);
		esc(f, c->assumptions[i].key);
		fputs("</td><td>", f);
		esc(f, c->assumptions[i].value);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
}

static void section_summary(FILE *f, const kr_run *run)
{
	char buf[64];
	fputs("<section id=\"summary\">\n<h2>Summary</h2>\n", f);
	if (!run->has_summary) {
		fputs("<p class=\"note\">This run file has no summary.</p>\n</section>\n", f);
		return;
	}
	fputs("<table>\n<tr><th>figure</th><th>value</th><th></th><th>meaning</th></tr>\n", f);
	for (size_t k = 0; k < kr_n_summary_fields; k++) {
		const kr_summary_field *d = &kr_summary_fields[k];
		const char *key = d->key;
		const double x = kr_summary_get(&run->summary, d);
		if (isnan(x))
			continue;
		fprintf(f, "<tr data-key=\"");
		esc(f, key);
		fputs("\"><td>", f);
		esc(f, key);
		fputs("</td>", f);
		buf[0] = '\0';
		if (d->kind == KR_BOOLEAN) {
			fprintf(f, "<td>%s</td>", x != 0 ? "true" : "false");
		} else if (d->kind == KR_NULLABLE && x < 0) {
			fputs("<td>null</td>", f);
		} else {
			/* Counts in full, fractions to 6 digits. */
			if (x == floor(x) && fabs(x) < 1e15)
				fprintf(f, "<td class=\"n\">%.0f</td>", x);
			else
				fprintf(f, "<td class=\"n\">%.6g</td>", x);
			size_t n = strlen(key);
			if (n > 3 && strcmp(key + n - 3, "_ms") == 0)
				kh_fmt_duration(x, buf, sizeof(buf));
		}
		fputs("<td>", f);
		esc(f, buf);
		fputs("</td><td>", f);
		if (d->meaning)
			fputs(d->meaning, f);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
}

static int section_picture(FILE *f, const kr_run *run, const char *id, const char *title,
			   const kh_timeline_opts *o, char *err, size_t errlen)
{
	fprintf(f, "<section id=\"%s\">\n<h2>%s</h2>\n", id, title);
	if (kh_timeline_render(run, o, KH_TIMELINE_SVG_INLINE, f, err, errlen) < 0)
		return -1;
	fputs("</section>\n", f);
	return 0;
}

typedef struct held {
	uint32_t member, topic, partition;
} held;

static int held_cmp(const void *a, const void *b)
{
	const held *x = a, *y = b;
	if (x->member != y->member)
		return x->member < y->member ? -1 : 1;
	if (x->topic != y->topic)
		return x->topic < y->topic ? -1 : 1;
	return x->partition < y->partition ? -1 : x->partition > y->partition;
}

static const char *state_name(int state)
{
	return state == KR_PRESENT ? "in the group" : state == KR_STOPPED ? "stopped" : "left";
}

/* "t0: 0-3, 7; t1: 2" for h[0..n), one member's partitions in order. */
static void partition_list(FILE *f, const kr_run *run, const held *h, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (i)
			fputs("; ", f);
		esc(f, run->topics[h[i].topic].name);
		fputs(": ", f);
		size_t j = i;
		int first = 1;
		while (j < n && h[j].topic == h[i].topic) {
			size_t k = j;
			while (k + 1 < n && h[k + 1].topic == h[j].topic &&
			       h[k + 1].partition == h[k].partition + 1)
				k++;
			fprintf(f, "%s%u", first ? "" : ", ", h[j].partition);
			if (k > j)
				fprintf(f, "-%u", h[k].partition);
			first = 0;
			j = k + 1;
		}
		i = j;
	}
}

static int section_assignment(FILE *f, const kr_run *run)
{
	char buf[64];
	fputs("<section id=\"assignment\">\n<h2>Final assignment</h2>\n", f);
	held *h = NULL;
	size_t n = 0, unowned = 0;
	if (run->has_ownership) {
		h = malloc((run->n_partitions ? run->n_partitions : 1) * sizeof(*h));
		if (!h)
			return -1;
		/* A partition's owner at the end: its latest interval, if it lasts
		 * to the end of the run. */
		for (size_t p = 0; p < run->n_partitions; p++) {
			const kr_partition *rp = &run->partitions[p];
			const kr_interval *last = NULL;
			for (size_t i = 0; i < rp->n; i++) {
				const kr_interval *in = &run->intervals[rp->first + i];
				if (!last || in->to_ms > last->to_ms)
					last = in;
			}
			if (last && last->to_ms >= run->duration_ms - 0.5)
				h[n++] = (held){last->member, rp->topic, rp->partition};
			else
				unowned++;
		}
		qsort(h, n, sizeof(*h), held_cmp);
		fmt_time(run->duration_ms, buf, sizeof(buf));
		fprintf(f, "<p class=\"sub\">Who owns what at the end of the run (%s)", buf);
		if (unowned)
			fprintf(f, "; %zu partitions owned by nobody", unowned);
		fputs(".</p>\n", f);
	} else {
		fputs("<p class=\"note\">Ownership is omitted in this run file (a large run): the "
		      "partitions each member holds at the end are not known here.</p>\n",
		      f);
	}
	fputs("<table>\n<tr><th>member</th><th>group.instance.id</th><th>at the end</th>"
	      "<th>partitions</th><th>owned</th></tr>\n",
	      f);
	size_t k = 0;
	for (size_t m = 0; m < run->n_members; m++) {
		const kr_member *mb = &run->members[m];
		size_t first = k;
		while (k < n && h[k].member == m)
			k++;
		fputs("<tr><td class=\"id\">", f);
		esc(f, mb->id);
		fputs("</td><td class=\"id\">", f);
		esc(f, mb->instance_id ? mb->instance_id : "");
		fprintf(f, "</td><td>%s</td>", state_name(mb->final_state));
		if (!run->has_ownership) {
			fputs("<td class=\"n\">-</td><td>-</td></tr>\n", f);
			continue;
		}
		fprintf(f, "<td class=\"n\">%zu</td><td>", k - first);
		partition_list(f, run, h + first, k - first);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
	free(h);
	return 0;
}

static void section_rebalances(FILE *f, const kr_run *run)
{
	char a[48], b[48], d[48];
	fputs("<section id=\"rebalances\">\n<h2>Rebalance history</h2>\n", f);
	if (!run->n_rebalances) {
		fputs("<p>No rebalance in this run.</p>\n</section>\n", f);
		return;
	}
	fputs("<table>\n<tr><th>generation</th><th>kind</th><th>trigger</th><th>start</th>"
	      "<th>end</th><th>duration</th><th>members</th><th>revoked</th><th>assigned</th>"
	      "<th>moved</th><th>assign ms</th><th>stop-the-world</th></tr>\n",
	      f);
	for (size_t i = 0; i < run->n_rebalances; i++) {
		const kr_rebalance *rb = &run->rebalances[i];
		fmt_time(rb->start_ms, a, sizeof(a));
		fmt_time(rb->end_ms, b, sizeof(b));
		kh_fmt_duration(rb->end_ms - rb->start_ms, d, sizeof(d));
		fprintf(f, "<tr><td class=\"n\">%" PRId64 "</td><td>", rb->generation);
		esc(f, rb->kind ? rb->kind : "-");
		fputs("</td><td class=\"id\">", f);
		esc(f, rb->trigger ? rb->trigger : "-");
		fprintf(
		    f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>",
		    a, b, d);
		num_cell(f, rb->members);
		num_cell(f, rb->revoked);
		num_cell(f, rb->assigned);
		num_cell(f, rb->moved);
		num_cell(f, rb->assign_ms);
		if (isnan(rb->stop_the_world_ms)) {
			fputs("<td class=\"n\">-</td>", f);
		} else {
			kh_fmt_duration(rb->stop_the_world_ms, d, sizeof(d));
			fprintf(f, "<td class=\"n\">%s</td>", d);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
}

static void section_events(FILE *f, const kr_run *run)
{
	char t[48];
	fputs("<section id=\"events\">\n<h2>Join, leave, stop and start events</h2>\n", f);
	if (!run->n_events) {
		fputs("<p>No member event in this run.</p>\n</section>\n", f);
		return;
	}
	fputs("<table>\n<tr><th>time</th><th>event</th><th>member</th></tr>\n", f);
	for (size_t k = 0; k < run->n_events; k++) {
		const kr_event *e = &run->events[run->event_order[k]];
		fmt_time(e->t_ms, t, sizeof(t));
		fprintf(f, "<tr><td class=\"n\">%s</td><td>", t);
		esc(f, e->type);
		fputs("</td><td class=\"id\">", f);
		esc(f, e->member >= 0 ? run->members[e->member].id : "");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
}

static void section_plan(FILE *f, const kr_run *run)
{
	if (!run->plan)
		return;
	char *dump = json_dumps(run->plan, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputs("<section id=\"plan\">\n<h2>Plan as run</h2>\n<details><summary>the plan as the "
	      "run file records it</summary>\n<pre>",
	      f);
	esc(f, dump ? dump : "");
	fputs("</pre></details>\n</section>\n", f);
	free(dump);
}

int kh_cmd_report(int argc, char **argv)
{
	const char *cmd = "report", *in_path = NULL, *out_path = NULL;
	kh_timeline_opts topts = {0};
	int rc = kh_run_view_args(cmd, report_usage, "-o REPORT.html", argc, argv, &in_path,
				  &out_path, &topts);
	if (rc >= 0)
		return rc;

	char err[512];
	kr_run *run;
	if (kr_run_load(in_path, &run, err, sizeof(err)) < 0) {
		kh_error(cmd, "%s", err);
		return KH_EXIT_USAGE;
	}
	rc = KH_EXIT_USAGE;
	kh_out out;
	if (kh_out_open(&out, cmd, out_path) == 0) {
		FILE *f = out.f;
		kh_timeline_opts lag = {0, KH_TIMELINE_LAG, 0};
		topts.parts = KH_TIMELINE_GANTT | KH_TIMELINE_LAG;
		header(f, run, in_path);
		section_summary(f, run);
		section_assumptions(f, run);
		int ok =
		    section_picture(f, run, "timeline", "Timeline", &topts, err, sizeof(err)) == 0;
		if (ok && section_assignment(f, run) < 0) {
			snprintf(err, sizeof(err), "out of memory");
			ok = 0;
		}
		if (ok) {
			section_rebalances(f, run);
			section_events(f, run);
			ok = section_picture(f, run, "lag", "Consumer lag (messages)", &lag, err,
					     sizeof(err)) == 0;
			fputs("<p class=\"sub\">Total lag as sampled in the run file (the highest "
			      "sample per pixel); shaded: rebalances, red eager, amber cooperative "
			      "and KIP-848.</p>\n",
			      f);
		}
		if (ok) {
			section_plan(f, run);
			fprintf(f, "<footer class=\"sub\">Written by kassign %s from ",
				KA_VERSION_STRING);
			esc(f, in_path);
			fputs(".</footer>\n</body>\n</html>\n", f);
		}
		if (!ok) {
			kh_error(cmd, "%s: %s", out_path, err);
			kh_out_abort(&out);
		} else if (kh_out_commit(&out, cmd) == 0) {
			rc = KH_EXIT_OK;
		}
	}
	kr_run_free(run);
	return rc;
}
