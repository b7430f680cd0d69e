/*
 * timeline.h - the timeline picture of a run file (docs/report.md): the
 * Gantt view, one row per member, rebalances shaded across all rows,
 * lag in a strip below. PNG through cairo, SVG written as text (so member
 * labels stay text: searchable, and checkable by a test), same layout.
 */
#ifndef KASSIGN_VIEWS_TIMELINE_H
#define KASSIGN_VIEWS_TIMELINE_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "runfile/runfile.h"

enum kh_timeline_format {
	KH_TIMELINE_PNG,
	KH_TIMELINE_SVG,        /* a standalone .svg file */
	KH_TIMELINE_SVG_INLINE, /* an <svg> element for an HTML page: no XML prolog, no xmlns */
};

/* What to draw. */
enum kh_timeline_part {
	KH_TIMELINE_GANTT = 1, /* title, member rows, rebalances, legend */
	KH_TIMELINE_LAG = 2,   /* the lag strip (tall when drawn alone) */
};

/* Default and largest number of member rows (kh_timeline_opts.max_rows). */
#define KH_TIMELINE_ROWS     40
#define KH_TIMELINE_ROWS_MAX 1000

typedef struct kh_timeline_opts {
	unsigned max_rows; /* 0: KH_TIMELINE_ROWS. Past it, the members with the most
			      events, then the most ownership changes, are drawn */
	unsigned parts;    /* kh_timeline_part bits; 0: both */
	unsigned width;    /* pixels; 0: 1200 */
} kh_timeline_opts;

/* The format a file name asks for (.png, .svg; any case), or -1. */
int kh_timeline_format_of(const char *path);

/*
 * Draws the run on f. opts may be NULL (defaults). Returns 0, or -1 with
 * one line in err (the only failures are cairo's and out of memory).
 */
int kh_timeline_render(const kr_run *run, const kh_timeline_opts *opts, int format, FILE *f,
		       char *err, size_t errlen);

/*
 * For programs that hold a run document in memory (kassign simulate
 * --timeline): reads it, picks the format from path's extension and writes
 * the picture there, all or nothing. Returns 0, or -1 after an error
 * message "kassign CMD: ..." on stderr.
 */
int kh_timeline_write(json_t *run, const char *path, const char *cmd);

/*
 * The command line `timeline` and `report` share: RUN.json -o FILE
 * [--rows N] [-h]. `need_output` completes the message when -o is missing
 * ("-o REPORT.html"). Returns -1 when the command goes on, with *in_path,
 * *out_path and opts->max_rows set; otherwise the exit status, after the
 * help text or the usage error.
 */
int kh_run_view_args(const char *cmd, const char *usage, const char *need_output, int argc,
		     char **argv, const char **in_path, const char **out_path,
		     kh_timeline_opts *opts);

#endif
