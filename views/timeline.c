/*
 * timeline.c - the timeline picture of a run file: a Gantt view.
 *
 * Layout, top to bottom: a title and the run's summary line, generation
 * labels, one row per member (bars while it owns partitions, darker for
 * more; orange while stopped or restarting; grey while in the group owning
 * nothing), rebalance windows shaded across every row (red eager, amber
 * cooperative and KIP-848), the lag strip, the time axis, a legend.
 *
 * Everything is first reduced to pixel columns: per row, the time-weighted
 * mean partition count and the share of the column spent stopped or in the
 * group; per column, the highest lag. Runs of equal columns become one
 * rectangle, so a 24-hour run of 10,000 members draws in the same few
 * thousand shapes as a minute of three. Drawing goes through three calls
 * (rect, line, text) with two back ends: cairo for PNG, plain SVG text for
 * SVG (cairo's SVG surface turns text into glyph outlines, which a reader
 * or a test cannot search). Text is measured with cairo for both.
 */
#include "views/timeline.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include "cli/cli.h"
#include "datasets/utf8.h"

#define FONT "DejaVu Sans"

typedef struct rgba {
	double r, g, b, a;
} rgba;

static const rgba ink = {0.13, 0.13, 0.13, 1};
static const rgba grey_text = {0.40, 0.40, 0.40, 1};
static const rgba grid_line = {0.86, 0.86, 0.86, 1};
static const rgba present_fill = {0.90, 0.90, 0.90, 1};
static const rgba stopped_fill = {0.93, 0.47, 0.13, 1};
static const rgba eager_band = {0.85, 0.15, 0.15, 0.16};
static const rgba coop_band = {0.95, 0.65, 0.0, 0.20};
static const rgba lag_fill = {0.35, 0.45, 0.75, 0.45};
static const rgba lag_line = {0.20, 0.30, 0.60, 1};
/* Partition-count shades, light to dark. */
#define SHADES 6
static const rgba shade[SHADES] = {
    {0.74, 0.84, 0.93, 1}, {0.58, 0.74, 0.88, 1}, {0.42, 0.62, 0.82, 1},
    {0.26, 0.50, 0.75, 1}, {0.13, 0.38, 0.65, 1}, {0.03, 0.24, 0.50, 1},
};

/* ------------------------------------------------------------------ the two back ends */

typedef struct canvas {
	int svg;
	FILE *f;     /* svg */
	cairo_t *cr; /* png: draws; svg: measures text only */
	cairo_surface_t *surface;
} canvas;

static void svg_color(FILE *f, const char *attr, rgba c)
{
	fprintf(f, " %s=\"#%02x%02x%02x\"", attr, (int)lround(c.r * 255), (int)lround(c.g * 255),
		(int)lround(c.b * 255));
	if (c.a < 1)
		fprintf(f, " %s-opacity=\"%.2f\"", attr, c.a);
}

static void cv_rect(canvas *cv, double x, double y, double w, double h, rgba c)
{
	if (w <= 0 || h <= 0)
		return;
	if (cv->svg) {
		fprintf(cv->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y,
			w, h);
		svg_color(cv->f, "fill", c);
		fputs("/>\n", cv->f);
		return;
	}
	cairo_set_source_rgba(cv->cr, c.r, c.g, c.b, c.a);
	cairo_rectangle(cv->cr, x, y, w, h);
	cairo_fill(cv->cr);
}

static void cv_line(canvas *cv, double x1, double y1, double x2, double y2, double width, rgba c)
{
	if (cv->svg) {
		fprintf(cv->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", x1, y1, x2,
			y2);
		svg_color(cv->f, "stroke", c);
		fprintf(cv->f, " stroke-width=\"%.1f\"/>\n", width);
		return;
	}
	cairo_set_source_rgba(cv->cr, c.r, c.g, c.b, c.a);
	cairo_set_line_width(cv->cr, width);
	cairo_move_to(cv->cr, x1, y1);
	cairo_line_to(cv->cr, x2, y2);
	cairo_stroke(cv->cr);
}

/* A filled area under the polyline (x[i], y[i]) down to base, outlined on top. */
static void cv_area(canvas *cv, const double *x, const double *y, size_t n, double base, rgba fill,
		    rgba line)
{
	if (n == 0)
		return;
	if (cv->svg) {
		fprintf(cv->f, "<path d=\"M%.1f %.1f", x[0], base);
		for (size_t i = 0; i < n; i++)
			fprintf(cv->f, "L%.1f %.1f", x[i], y[i]);
		fprintf(cv->f, "L%.1f %.1fZ\"", x[n - 1], base);
		svg_color(cv->f, "fill", fill);
		fputs("/>\n<path d=\"", cv->f);
		for (size_t i = 0; i < n; i++)
			fprintf(cv->f, "%c%.1f %.1f", i ? 'L' : 'M', x[i], y[i]);
		fputc('"', cv->f);
		svg_color(cv->f, "stroke", line);
		fputs(" fill=\"none\" stroke-width=\"1.2\"/>\n", cv->f);
		return;
	}
	cairo_move_to(cv->cr, x[0], base);
	for (size_t i = 0; i < n; i++)
		cairo_line_to(cv->cr, x[i], y[i]);
	cairo_line_to(cv->cr, x[n - 1], base);
	cairo_close_path(cv->cr);
	cairo_set_source_rgba(cv->cr, fill.r, fill.g, fill.b, fill.a);
	cairo_fill(cv->cr);
	cairo_move_to(cv->cr, x[0], y[0]);
	for (size_t i = 1; i < n; i++)
		cairo_line_to(cv->cr, x[i], y[i]);
	cairo_set_source_rgba(cv->cr, line.r, line.g, line.b, line.a);
	cairo_set_line_width(cv->cr, 1.2);
	cairo_stroke(cv->cr);
}

static void font(canvas *cv, double size, int bold)
{
	cairo_select_font_face(cv->cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cv->cr, size);
}

/*
 * s as cairo takes it: cairo refuses a whole string that holds an invalid
 * sequence or a Unicode noncharacter (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF),
 * which names may hold (a scenario's names are any JSON string). Each such
 * character becomes U+FFFD in buf; s itself when there is none. Cut at a
 * character boundary when buf is too small.
 */
static const char *cairo_safe(const char *s, char *buf, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, n;
	int changed = 0;
	for (size_t i = 0; u[i]; i += n) {
		uint32_t cp = 0;
		n = kd_utf8_seq(u + i, u + i + strnlen(s + i, 4), &cp);
		const int bad = !n || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
		n = n ? n : 1;
		const size_t w = bad ? 3 : n;
		changed |= bad;
		if (o + w + 1 > len) {
			changed = 1;
			break;
		}
		memcpy(buf + o, bad ? "\xef\xbf\xbd" : s + i, w);
		o += w;
	}
	if (!changed)
		return s;
	buf[o] = '\0';
	return buf;
}

static double text_width(canvas *cv, const char *s, double size, int bold)
{
	char safe[1024];
	cairo_text_extents_t e;
	font(cv, size, bold);
	cairo_text_extents(cv->cr, cairo_safe(s, safe, sizeof(safe)), &e);
	return e.x_advance;
}

enum { LEFT, MIDDLE, RIGHT };

/* Text with its baseline at y. */
static void cv_text(canvas *cv, double x, double y, const char *s, double size, int bold,
		    int anchor, rgba c)
{
	if (cv->svg) {
		static const char *const anchors[] = {"start", "middle", "end"};
		fprintf(cv->f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\"", x, y, size);
		if (bold)
			fputs(" font-weight=\"bold\"", cv->f);
		if (anchor != LEFT)
			fprintf(cv->f, " text-anchor=\"%s\"", anchors[anchor]);
		svg_color(cv->f, "fill", c);
		fputc('>', cv->f);
		kh_xml_escape(cv->f, s);
		fputs("</text>\n", cv->f);
		return;
	}
	char safe[1024];
	double w = anchor == LEFT ? 0 : text_width(cv, s, size, bold);
	font(cv, size, bold);
	cairo_set_source_rgba(cv->cr, c.r, c.g, c.b, c.a);
	cairo_move_to(cv->cr, anchor == MIDDLE ? x - w / 2 : anchor == RIGHT ? x - w : x, y);
	cairo_show_text(cv->cr, cairo_safe(s, safe, sizeof(safe)));
}

/* s cut (on a UTF-8 boundary, with "...") to fit width; in buf. */
static const char *fit(canvas *cv, const char *s, double size, double width, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s);
	size_t n = strlen(buf);
	/* Cut by the buffer: not inside a character. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		buf[--n] = '\0';
	if (text_width(cv, buf, size, 0) <= width)
		return buf;
	while (n > 0) {
		n--;
		while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80)
			n--;
		if (n + 4 > len)
			continue;
		memcpy(buf + n, "...", 4);
		if (text_width(cv, buf, size, 0) <= width)
			break;
	}
	return buf;
}

/* ------------------------------------------------------------------ numbers and time */

/* A tick step giving about `want` ticks over span_ms, with its unit. */
static double tick_step(double span_ms, int want, double *unit, const char **unit_name)
{
	static const double steps[] = {
	    1,      2,      5,       10,      20,      50,       100,      200,      500,
	    1000,   2000,   5000,    10000,   15000,   30000,    60000,    120000,   300000,
	    600000, 900000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000,
	};
	if (want < 1)
		want = 1;
	double step = 0;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span_ms / steps[i] <= want) {
			step = steps[i];
			break;
		}
	/* Past a day a tick: 1, 2 or 5 times a power of ten days, so a run of
	 * any length gets about `want` ticks, never millions. */
	for (double days = 1; !step; days *= 10)
		for (int k = 0; k < 3 && !step; k++) {
			const double d = days * (k == 0 ? 1 : k == 1 ? 2 : 5);
			if (span_ms / (d * 86400000.0) <= want)
				step = d * 86400000.0;
		}
	if (step < 1000 && span_ms < 2000) {
		*unit = 1;
		*unit_name = "ms";
	} else if (step < 60000) {
		*unit = 1000;
		*unit_name = "s";
	} else if (step < 3600000) {
		*unit = 60000;
		*unit_name = "min";
	} else {
		*unit = 3600000;
		*unit_name = "h";
	}
	return step;
}

/* ------------------------------------------------------------------ reducing the run to columns */

typedef struct columns {
	size_t n;    /* pixel columns */
	double t0;   /* run start (0) */
	double span; /* ms covered */
} columns;

/* Adds value * (share of column covered) for [a, b) to acc[]. */
static void spread(const columns *c, double *acc, double a, double b, double value)
{
	if (b <= a || value == 0)
		return;
	const double w = c->span / (double)c->n;
	double fa = (a - c->t0) / w, fb = (b - c->t0) / w;
	if (fb <= 0 || fa >= (double)c->n)
		return;
	fa = fmax(fa, 0);
	fb = fmin(fb, (double)c->n);
	size_t i = (size_t)fa, last = (size_t)ceil(fb);
	for (; i < last; i++) {
		double lo = fmax(fa, (double)i), hi = fmin(fb, (double)i + 1);
		if (hi > lo)
			acc[i] += value * (hi - lo);
	}
}

typedef struct delta {
	double t;
	int d;
} delta;

static int delta_cmp(const void *a, const void *b)
{
	const delta *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->d - y->d; /* ends before starts at one instant */
}

typedef struct row_score {
	size_t member;
	uint64_t events;
	uint64_t changes;
} row_score;

static int score_cmp(const void *a, const void *b)
{
	const row_score *x = a, *y = b;
	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	if (x->changes != y->changes)
		return x->changes > y->changes ? -1 : 1;
	return x->member < y->member ? -1 : x->member > y->member;
}

static int size_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;
	return *x < *y ? -1 : *x > *y;
}

/* The members drawn, in member order: all of them, or the max_rows with the
 * most events, then the most ownership intervals. */
static size_t pick_rows(const kr_run *run, size_t max_rows, size_t *rows)
{
	if (run->n_members <= max_rows) {
		for (size_t m = 0; m < run->n_members; m++)
			rows[m] = m;
		return run->n_members;
	}
	row_score *s = calloc(run->n_members, sizeof(*s));
	if (!s)
		return (size_t)-1;
	for (size_t m = 0; m < run->n_members; m++)
		s[m].member = m;
	for (size_t i = 0; i < run->n_events; i++)
		if (run->events[i].member >= 0)
			s[run->events[i].member].events++;
	for (size_t i = 0; i < run->n_intervals; i++)
		s[run->intervals[i].member].changes++;
	qsort(s, run->n_members, sizeof(*s), score_cmp);
	for (size_t i = 0; i < max_rows; i++)
		rows[i] = s[i].member;
	free(s);
	qsort(rows, max_rows, sizeof(*rows), size_cmp);
	return max_rows;
}

typedef struct row_cols {
	double *owned;   /* [n] partition-ms per column / column width: mean count */
	double *stopped; /* [n] share of the column stopped */
	double *present; /* [n] share of the column in the group */
} row_cols;

/* Fills every row's columns. row_of[m]: row of member m, or SIZE_MAX. */
static int reduce_rows(const kr_run *run, const columns *c, const size_t *row_of, size_t n_rows,
		       row_cols *rc)
{
	/* Membership from the events, in time order. */
	int *state = calloc(n_rows ? n_rows : 1, sizeof(*state));
	double *since = calloc(n_rows ? n_rows : 1, sizeof(*since));
	if (!state || !since) {
		free(state);
		free(since);
		return -1;
	}
	for (size_t m = 0; m < run->n_members; m++)
		if (row_of[m] != SIZE_MAX)
			state[row_of[m]] = run->members[m].initial_state;
	for (size_t k = 0; k <= run->n_events; k++) {
		const kr_event *e = k < run->n_events ? &run->events[run->event_order[k]] : NULL;
		if (e && (e->member < 0 || row_of[e->member] == SIZE_MAX))
			continue;
		/* The end closes every row's last span. */
		size_t r0 = e ? row_of[e->member] : 0, r1 = e ? r0 + 1 : n_rows;
		double t = e ? e->t_ms : c->t0 + c->span;
		for (size_t r = r0; r < r1; r++) {
			if (state[r] == KR_STOPPED)
				spread(c, rc[r].stopped, since[r], t, 1);
			if (state[r] != KR_ABSENT)
				spread(c, rc[r].present, since[r], t, 1);
			since[r] = t;
			if (e)
				state[r] = kr_run_event_state(e->type, state[r]);
		}
	}
	free(state);
	free(since);
	if (!run->has_ownership)
		return 0;

	/* Owned counts: per row, +1 at each interval's start, -1 at its end. */
	size_t *n_d = calloc(n_rows ? n_rows : 1, sizeof(*n_d));
	delta **d = calloc(n_rows ? n_rows : 1, sizeof(*d));
	int rc_ok = n_d && d ? 0 : -1;
	for (size_t i = 0; rc_ok == 0 && i < run->n_intervals; i++)
		if (row_of[run->intervals[i].member] != SIZE_MAX)
			n_d[row_of[run->intervals[i].member]] += 2;
	for (size_t r = 0; rc_ok == 0 && r < n_rows; r++)
		if (n_d[r] && !(d[r] = malloc(n_d[r] * sizeof(delta))))
			rc_ok = -1;
	if (rc_ok == 0) {
		memset(n_d, 0, n_rows * sizeof(*n_d));
		for (size_t i = 0; i < run->n_intervals; i++) {
			const kr_interval *in = &run->intervals[i];
			size_t r = row_of[in->member];
			if (r == SIZE_MAX)
				continue;
			d[r][n_d[r]++] = (delta){in->from_ms, 1};
			d[r][n_d[r]++] = (delta){in->to_ms, -1};
		}
		for (size_t r = 0; r < n_rows; r++) {
			if (n_d[r])
				qsort(d[r], n_d[r], sizeof(delta), delta_cmp);
			long count = 0;
			for (size_t k = 0; k < n_d[r]; k++) {
				count += d[r][k].d;
				if (k + 1 < n_d[r])
					spread(c, rc[r].owned, d[r][k].t, d[r][k + 1].t,
					       (double)count);
			}
		}
	}
	for (size_t r = 0; d && r < n_rows; r++)
		free(d[r]);
	free(d);
	free(n_d);
	return rc_ok;
}

/* ------------------------------------------------------------------ drawing */

typedef struct layout {
	double width, height;
	double x0, x1;        /* plot area, left to right */
	double rows_y, row_h; /* first row's top; row height */
	double lag_y, lag_h;  /* lag strip */
	double axis_y;        /* time axis baseline */
	double legend_y;
	size_t n_rows;
} layout;

static double x_of(const layout *l, const columns *c, double t)
{
	return l->x0 + (t - c->t0) / c->span * (l->x1 - l->x0);
}

static void draw_title(canvas *cv, const kr_run *run, const layout *l, const char *note)
{
	char line[512], a[32], b[32], d[32], e[32];
	const char *src = run->source ? run->source : "";
	snprintf(line, sizeof(line), "%s%s%s%s%s%s%s", *run->name ? run->name : "run",
		 *src ? " (" : "", src, *src ? ")" : "", *run->protocol ? ", " : "", run->protocol,
		 "");
	char title[640];
	snprintf(title, sizeof(title), "%s%s%s%s", line, *run->strategy ? ", " : "", run->strategy,
		 run->static_membership == 1   ? ", static membership"
		 : run->static_membership == 0 ? ", dynamic membership"
					       : "");
	char fitted[640];
	cv_text(cv, 12, 20, fit(cv, title, 14, l->width - 24, fitted, sizeof(fitted)), 14, 1, LEFT,
		ink);
	/* An absent figure reads 0. */
	const kr_summary *s = &run->summary;
	double stw = isnan(s->stop_the_world_ms) ? 0 : s->stop_the_world_ms;
	double ups = isnan(s->unowned_partition_seconds) ? 0 : s->unowned_partition_seconds;
	double lag = isnan(s->max_lag) ? 0 : s->max_lag;
	kh_fmt_duration(run->duration_ms, a, sizeof(a));
	kh_fmt_duration(stw, b, sizeof(b));
	kh_fmt_count(ups, d, sizeof(d));
	kh_fmt_count(lag, e, sizeof(e));
	snprintf(line, sizeof(line),
		 "%zu members, %zu rebalances over %s; stop-the-world %s; unowned %s "
		 "partition-seconds; max lag %s",
		 run->n_members, run->n_rebalances, a, b, d, e);
	cv_text(cv, 12, 37, line, 11, 0, LEFT, grey_text);
	if (note && *note)
		cv_text(cv, 12, 53, note, 11, 0, LEFT, stopped_fill);
}

static void draw_axis(canvas *cv, const layout *l, const columns *c, double top)
{
	double unit, step;
	const char *unit_name;
	step = tick_step(c->span, (int)((l->x1 - l->x0) / 90), &unit, &unit_name);
	char buf[48];
	for (double t = 0; t <= c->span + step * 1e-9; t += step) {
		double x = x_of(l, c, c->t0 + t);
		cv_line(cv, x, top, x, l->axis_y, 1, grid_line);
		cv_line(cv, x, l->axis_y, x, l->axis_y + 4, 1, grey_text);
		snprintf(buf, sizeof(buf), "%g %s", t / unit, unit_name);
		cv_text(cv, x, l->axis_y + 15, buf, 10, 0, MIDDLE, grey_text);
	}
	cv_line(cv, l->x0, l->axis_y, l->x1, l->axis_y, 1, grey_text);
}

static void draw_bands(canvas *cv, const kr_run *run, const layout *l, const columns *c, double top,
		       double bottom, int labels)
{
	double label_end = -1e9;
	for (size_t i = 0; i < run->n_rebalances; i++) {
		const kr_rebalance *rb = &run->rebalances[i];
		double xa = x_of(l, c, rb->start_ms), xb = x_of(l, c, rb->end_ms);
		if (xb - xa < 1)
			xb = xa + 1;
		int eager = rb->kind && strcmp(rb->kind, "eager") == 0;
		cv_rect(cv, xa, top, xb - xa, bottom - top, eager ? eager_band : coop_band);
		if (!labels)
			continue;
		char g[32];
		snprintf(g, sizeof(g), "g%" PRId64, rb->generation);
		double w = text_width(cv, g, 9, 0);
		if (xa >= label_end + 3 && xa + w <= l->x1 + 10) {
			cv_text(cv, xa, top - 3, g, 9, 0, LEFT, grey_text);
			label_end = xa + w;
		}
	}
}

/* A row's columns as rectangles, one per run of equal colour. */
static void draw_row(canvas *cv, const layout *l, const row_cols *rc, size_t n, double y,
		     double max_count, int has_ownership)
{
	int prev = -2;
	size_t start = 0;
	const double cw = (l->x1 - l->x0) / (double)n;
	for (size_t i = 0; i <= n; i++) {
		int col = -1; /* -1 nothing, 0..SHADES-1 shade, SHADES present, SHADES+1 stopped */
		if (i < n) {
			if (rc->stopped[i] > 0.5)
				col = SHADES + 1;
			else if (has_ownership && rc->owned[i] >= 0.05) {
				int s = (int)ceil(rc->owned[i] / max_count * SHADES) - 1;
				col = s < 0 ? 0 : s >= SHADES ? SHADES - 1 : s;
			} else if (rc->present[i] > 0.5)
				col = SHADES;
		}
		if (i < n && col == prev)
			continue;
		if (prev >= 0) {
			rgba fill = prev < SHADES    ? shade[prev]
				    : prev == SHADES ? present_fill
						     : stopped_fill;
			cv_rect(cv, l->x0 + (double)start * cw, y, (double)(i - start) * cw,
				l->row_h - 1, fill);
		}
		prev = col;
		start = i;
	}
}

static void draw_lag(canvas *cv, const kr_run *run, const layout *l, const columns *c,
		     double *colmax)
{
	const double top = l->lag_y, h = l->lag_h;
	cv_rect(cv, l->x0, top, l->x1 - l->x0, h, (rgba){0.97, 0.97, 0.97, 1});
	cv_text(cv, l->x0 - 6, top + 10, "lag", 10, 1, RIGHT, ink);
	if (!run->n_lag) {
		cv_text(cv, l->x0 + 6, top + h / 2 + 4, "no lag series in this run file", 10, 0,
			LEFT, grey_text);
		return;
	}
	/* Per column the highest sample (a spike one sample wide stays visible);
	 * a column between two samples takes the interpolated value. */
	const size_t n = c->n;
	for (size_t i = 0; i < n; i++)
		colmax[i] = -1;
	double top_v = 0;
	for (size_t k = 0; k < run->n_lag; k++) {
		double t = run->lag[k][0], v = run->lag[k][1];
		top_v = fmax(top_v, v);
		double f = (t - c->t0) / c->span * (double)n;
		if (f < 0 || f > (double)n)
			continue;
		size_t i = f >= (double)n ? n - 1 : (size_t)f;
		colmax[i] = fmax(colmax[i], v);
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (colmax[i] >= 0)
			continue;
		double t = c->t0 + ((double)i + 0.5) * c->span / (double)n;
		while (k + 1 < run->n_lag && run->lag[k + 1][0] <= t)
			k++;
		if (t < run->lag[0][0] || t > run->lag[run->n_lag - 1][0])
			colmax[i] = -1; /* outside the series: not drawn */
		else if (k + 1 < run->n_lag) {
			double t0 = run->lag[k][0], t1 = run->lag[k + 1][0];
			double u = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
			colmax[i] = run->lag[k][1] + u * (run->lag[k + 1][1] - run->lag[k][1]);
		} else
			colmax[i] = run->lag[k][1];
	}
	double *xs = malloc(2 * n * sizeof(double));
	if (!xs)
		return;
	double *ys = xs + n;
	const double scale = top_v > 0 ? (h - 14) / top_v : 0;
	const double cw = (l->x1 - l->x0) / (double)n;
	size_t m = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && colmax[i] >= 0) {
			xs[m] = l->x0 + ((double)i + 0.5) * cw;
			ys[m] = top + h - colmax[i] * scale;
			m++;
			continue;
		}
		cv_area(cv, xs, ys, m, top + h, lag_fill, lag_line);
		m = 0;
	}
	free(xs);
	char buf[48], v[32];
	kh_fmt_count(top_v, v, sizeof(v));
	snprintf(buf, sizeof(buf), "max %s", v);
	cv_text(cv, l->x0 - 6, top + 22, buf, 9, 0, RIGHT, grey_text);
	cv_text(cv, l->x0 - 6, top + h, "0", 9, 0, RIGHT, grey_text);
}

static void legend_item(canvas *cv, double *x, double y, rgba c, const char *label)
{
	cv_rect(cv, *x, y - 9, 14, 10, c);
	cv_text(cv, *x + 18, y, label, 10, 0, LEFT, ink);
	*x += 18 + text_width(cv, label, 10, 0) + 16;
}

static void draw_legend(canvas *cv, const kr_run *run, const layout *l, double max_count)
{
	double x = l->x0, y = l->legend_y;
	if (run->has_ownership) {
		char buf[64];
		for (int i = 0; i < SHADES; i++)
			cv_rect(cv, x + i * 8, y - 9, 8, 10, shade[i]);
		x += SHADES * 8 + 4;
		snprintf(buf, sizeof(buf), "owns 1..%.0f partitions", max_count);
		cv_text(cv, x, y, buf, 10, 0, LEFT, ink);
		x += text_width(cv, buf, 10, 0) + 16;
	}
	legend_item(cv, &x, y, present_fill,
		    run->has_ownership ? "in the group, owns nothing" : "in the group");
	legend_item(cv, &x, y, stopped_fill, "stopped / restarting");
	legend_item(cv, &x, y, (rgba){0.85, 0.15, 0.15, 0.35}, "eager rebalance");
	legend_item(cv, &x, y, (rgba){0.95, 0.65, 0.0, 0.45}, "cooperative / KIP-848 rebalance");
}

typedef struct stream_ctx {
	FILE *f;
} stream_ctx;

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int length)
{
	stream_ctx *s = closure;
	return fwrite(data, 1, length, s->f) == length ? CAIRO_STATUS_SUCCESS
						       : CAIRO_STATUS_WRITE_ERROR;
}

int kh_timeline_format_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot || strchr(dot, '/'))
		return -1;
	if (strcasecmp(dot, ".png") == 0)
		return KH_TIMELINE_PNG;
	if (strcasecmp(dot, ".svg") == 0)
		return KH_TIMELINE_SVG;
	return -1;
}

/* The rows drawn, rows[0..n) (member indexes), and row_of[member]: its
 * row, or SIZE_MAX when it is not drawn. Returns the number of rows, or
 * (size_t)-1 when out of memory. */
static size_t choose_rows(const kr_run *run, int gantt, size_t max_rows, size_t *rows,
			  size_t *row_of)
{
	const size_t n_rows = gantt ? pick_rows(run, max_rows, rows) : 0;
	if (n_rows == (size_t)-1)
		return n_rows;
	for (size_t m = 0; m < run->n_members; m++)
		row_of[m] = SIZE_MAX;
	for (size_t r = 0; r < n_rows; r++)
		row_of[rows[r]] = r;
	return n_rows;
}

/* Where everything goes, top to bottom: the title and its note, the
 * rows, the lag strip, the axis and the legend. The label column is wide
 * enough for the longest label, within reason (measured on cv). The note
 * says what the rows leave out. */
static void plan_layout(canvas *cv, const kr_run *run, unsigned parts, const size_t *rows,
			layout *l, char *note, size_t note_len)
{
	const int gantt = (parts & KH_TIMELINE_GANTT) != 0;
	double label_w = 40;
	for (size_t r = 0; r < l->n_rows; r++)
		label_w = fmax(label_w, text_width(cv, run->members[rows[r]].id, 10, 0));
	l->x0 = fmin(label_w, 220) + 20;
	l->x1 = l->width - 20;
	l->row_h = l->n_rows ? fmin(18, fmax(9, 480.0 / (double)l->n_rows)) : 0;

	note[0] = '\0';
	if (gantt && !run->has_ownership)
		snprintf(note, note_len,
			 "ownership omitted in this run file: rows show membership from the "
			 "events, not partition counts");
	if (gantt && l->n_rows < run->n_members) {
		size_t used = strlen(note);
		snprintf(note + used, note_len - used,
			 "%s%zu of %zu members shown: those with the most events, then the most "
			 "ownership changes",
			 used ? "; " : "", l->n_rows, run->n_members);
	}
	double y = gantt ? (*note ? 64 : 48) : 8;
	if (gantt) {
		y += 12; /* generation labels */
		l->rows_y = y;
		y += (double)l->n_rows * l->row_h + 6;
	}
	l->lag_y = y;
	l->lag_h = parts & KH_TIMELINE_LAG ? (gantt ? 70 : 200) : 0;
	y += l->lag_h + (l->lag_h ? 4 : 0);
	l->axis_y = y;
	y += 24;
	l->legend_y = y + 8;
	l->height = gantt ? y + 22 : y;
}

/* Each row's owned, stopped and present figures per pixel column, in one
 * pool that also holds the lag's column (after the rows'); *max_count is
 * the most partitions any row owns in a column, at least 1. Returns 0, or
 * -1 when out of memory (*rcp and *poolp are then the caller's to free). */
static int reduce_columns(const kr_run *run, const columns *c, const size_t *row_of, size_t n_rows,
			  row_cols **rcp, double **poolp, double *max_count)
{
	row_cols *rc = *rcp = calloc(n_rows ? n_rows : 1, sizeof(*rc));
	double *pool = *poolp = calloc((3 * n_rows + 1) * c->n, sizeof(double));
	if (!rc || !pool)
		return -1;
	*max_count = 1;
	for (size_t r = 0; r < n_rows; r++) {
		rc[r].owned = pool + (3 * r) * c->n;
		rc[r].stopped = pool + (3 * r + 1) * c->n;
		rc[r].present = pool + (3 * r + 2) * c->n;
	}
	if (reduce_rows(run, c, row_of, n_rows, rc) < 0)
		return -1;
	for (size_t r = 0; r < n_rows; r++)
		for (size_t i = 0; i < c->n; i++)
			*max_count = fmax(*max_count, rc[r].owned[i]);
	*max_count = ceil(*max_count - 1e-9);
	return 0;
}

/* The picture begins: the SVG header (the XML declaration only for a
 * standalone file, not inside the report's HTML), or the PNG's surface in
 * place of the measuring one. */
static void open_picture(canvas *cv, const kr_run *run, const layout *l, int format, int gantt)
{
	FILE *f = cv->f;
	if (cv->svg) {
		if (format == KH_TIMELINE_SVG)
			fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
		fprintf(f,
			"<svg%s width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
			"font-family=\"DejaVu Sans, Verdana, sans-serif\" role=\"img\">\n",
			format == KH_TIMELINE_SVG ? " xmlns=\"http://www.w3.org/2000/svg\"" : "",
			l->width, l->height, l->width, l->height);
		fputs("<title>", f);
		kh_xml_escape(f, gantt ? "Timeline of the run: " : "Consumer lag of the run: ");
		kh_xml_escape(f, *run->name ? run->name : run->source ? run->source : "");
		fputs("</title>\n", f);
	} else {
		cairo_destroy(cv->cr);
		cv->surface =
		    cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)l->width, (int)l->height);
		cv->cr = cairo_create(cv->surface);
	}
}

/* Everything drawn, back to front: the background, the title, the axis,
 * the rows with their labels, the lag, the rebalance bands over them and
 * the legend. */
static void draw_picture(canvas *cv, const kr_run *run, const layout *l, const columns *c,
			 const row_cols *rc, const size_t *rows, double *lag_col, double max_count,
			 const char *note, int gantt)
{
	cv_rect(cv, 0, 0, l->width, l->height, (rgba){1, 1, 1, 1});
	double band_top = gantt ? l->rows_y : l->lag_y;
	double band_bottom = l->lag_h ? l->lag_y + l->lag_h : l->axis_y;
	if (gantt)
		draw_title(cv, run, l, note);
	draw_axis(cv, l, c, band_top);
	for (size_t r = 0; r < l->n_rows; r++) {
		char label[256];
		double ry = l->rows_y + (double)r * l->row_h;
		draw_row(cv, l, &rc[r], c->n, ry, max_count, run->has_ownership);
		double fs = fmin(10, l->row_h - 1);
		cv_text(cv, l->x0 - 6, ry + l->row_h * 0.5 + fs * 0.35,
			fit(cv, run->members[rows[r]].id, fs, l->x0 - 16, label, sizeof(label)), fs,
			0, RIGHT, ink);
	}
	if (l->lag_h)
		draw_lag(cv, run, l, c, lag_col);
	draw_bands(cv, run, l, c, band_top, band_bottom, gantt);
	if (gantt)
		draw_legend(cv, run, l, max_count);
}

/* The picture ends: the SVG's closing tag, or the PNG encoded to cv->f.
 * Returns 0, or -1 with err set. */
static int close_picture(canvas *cv, char *err, size_t errlen)
{
	if (cv->svg) {
		fputs("</svg>\n", cv->f);
		if (ferror(cv->f)) {
			snprintf(err, errlen, "cannot write the SVG");
			return -1;
		}
		return 0;
	}
	stream_ctx s = {cv->f};
	cairo_surface_flush(cv->surface);
	cairo_status_t st = cairo_status(cv->cr);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_write_to_png_stream(cv->surface, png_write, &s);
	if (st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "cairo: %s", cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

int kh_timeline_render(const kr_run *run, const kh_timeline_opts *opts, int format, FILE *f,
		       char *err, size_t errlen)
{
	const unsigned parts =
	    opts && opts->parts ? opts->parts : KH_TIMELINE_GANTT | KH_TIMELINE_LAG;
	const size_t max_rows = opts && opts->max_rows ? opts->max_rows : KH_TIMELINE_ROWS;
	const int gantt = (parts & KH_TIMELINE_GANTT) != 0;
	layout l = {0};
	l.width = opts && opts->width ? opts->width : 1200;

	/* A 1x1 surface measures text before the real one exists. */
	canvas cv = {format != KH_TIMELINE_PNG, f, NULL, NULL};
	cairo_surface_t *measure = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
	cv.cr = cairo_create(measure);

	size_t *rows = calloc(run->n_members ? run->n_members : 1, sizeof(*rows));
	size_t *row_of = malloc((run->n_members ? run->n_members : 1) * sizeof(*row_of));
	row_cols *rc = NULL;
	double *pool = NULL;
	int rc_val = -1;
	if (!rows || !row_of) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	l.n_rows = choose_rows(run, gantt, max_rows, rows, row_of);
	if (l.n_rows == (size_t)-1) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	char note[256];
	plan_layout(&cv, run, parts, rows, &l, note, sizeof(note));
	columns c = {(size_t)(l.x1 - l.x0), 0, run->duration_ms > 0 ? run->duration_ms : 1};
	double max_count;
	if (reduce_columns(run, &c, row_of, l.n_rows, &rc, &pool, &max_count) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	open_picture(&cv, run, &l, format, gantt);
	draw_picture(&cv, run, &l, &c, rc, rows, pool + 3 * l.n_rows * c.n, max_count, note, gantt);
	rc_val = close_picture(&cv, err, errlen);
out:
	cairo_destroy(cv.cr);
	if (cv.surface)
		cairo_surface_destroy(cv.surface);
	cairo_surface_destroy(measure);
	/* cairo caches font faces that hold fontconfig patterns; without this, a
	 * leak checker at exit reports them as lost. */
	cairo_debug_reset_static_data();
	FcFini();
	free(pool);
	free(rc);
	free(rows);
	free(row_of);
	return rc_val;
}

int kh_timeline_write(json_t *root, const char *path, const char *cmd)
{
	char err[512];
	int format = kh_timeline_format_of(path);
	if (format < 0) {
		kh_error(cmd, "%s: the timeline picture is a .png or .svg file", path);
		return -1;
	}
	kr_run *run;
	if (kr_run_parse(root, &run, err, sizeof(err)) < 0) {
		kh_error(cmd, "run file: %s", err);
		return -1;
	}
	kh_out out;
	int rc = -1;
	if (kh_out_open(&out, cmd, path) == 0) {
		if (kh_timeline_render(run, NULL, format, out.f, err, sizeof(err)) < 0) {
			kh_error(cmd, "%s: %s", path, err);
			kh_out_abort(&out);
		} else {
			rc = kh_out_commit(&out, cmd);
		}
	}
	kr_run_free(run);
	return rc;
}
