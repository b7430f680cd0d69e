/*
 * cmd.h - what the simulator's commands share (sim/cmd_simulate.c defines
 * it; sim/cmd_size.c and probe/cmd_probe.c use it): a plan from a file or a
 * preset with the command line's overrides, the summary table, the run
 * file's context.
 */
#ifndef KASSIGN_SIM_CMD_H
#define KASSIGN_SIM_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ks_plan;
struct ks_run;
struct ks_context;

/* simulate's preset NAME as a plan document (a new reference), or NULL
 * after "kassign CMD: unknown preset ..." with the known names. */
struct json_t *kh_preset_json(const char *cmd, const char *name);
/* A plan from a file or a preset (exactly one of path, preset), with the
 * command line's overrides (NULL / -1: none); NULL after a message. */
struct ks_plan *kh_sim_plan(const char *cmd, const char *path, const char *preset,
			    const char *protocol, const char *strategy, int stat, int64_t members,
			    int64_t partitions, double assign_ms);
/* The summary table of a run. */
void kh_sim_table(FILE *f, const struct ks_plan *p, const struct ks_run *r);
/* The run file's context: this build, the date now (written to date[len]). */
void kh_sim_context(struct ks_context *c, char *date, size_t len);

#endif
