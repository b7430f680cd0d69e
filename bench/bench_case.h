/*
 * bench_case.h - the C side of the Google Benchmark front end. A case is one
 * point (strategy, grid, subscriptions, variant): group generated, workspace
 * and output allocated, all before timing; kb_case_run() is the one call the
 * timed loop makes. All logic stays in C; bench_main.cc only registers.
 */
#ifndef KASSIGN_BENCH_CASE_H
#define KASSIGN_BENCH_CASE_H

#include <stddef.h>
#include <stdint.h>

#include <kassign/kassign.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kb_case kb_case;

/* Generates the group and allocates everything; NULL with a message in err. */
kb_case *kb_case_new(const ka_strategy *s, const char *grid, int subs, int variant,
		     uint64_t seed, char *err, size_t errlen);

/* One assign call: the timed region. Returns its status (0 ok). */
int kb_case_run(kb_case *c);

/* Quality of the last run's output, and sizes. */
const ka_metrics *kb_case_metrics(kb_case *c);
uint32_t kb_case_partitions(const kb_case *c);
uint32_t kb_case_members(const kb_case *c);
size_t kb_case_bytes(const kb_case *c); /* workspace + output */

void kb_case_free(kb_case *c);

#ifdef __cplusplus
}
#endif

#endif
