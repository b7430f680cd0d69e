/*
 * scenario.h - scenario and assignment files (docs/scenario-format.md) to and
 * from the group model. Names are kd_ (datasets).
 *
 * Every problem is reported as one line through a kd_msg_fn, naming the file,
 * the place and the rule:
 *
 *   groups/a.json:14:9: error: invalid JSON: '}' expected near ']'
 *   groups/a.json: error: members[2].member_id: duplicate member id "c1" (also members[0])
 *   groups/a.json: warning: members[4].topics[1]: unknown topic "t9" ignored
 *
 * A load that fails returns -1 and leaves nothing behind (*out stays NULL).
 */
#ifndef KASSIGN_DATASETS_SCENARIO_H
#define KASSIGN_DATASETS_SCENARIO_H

#include <stdint.h>
#include <stdio.h>

#include <kassign/kassign.h>

#ifdef __cplusplus
extern "C" {
#endif

enum kd_severity { KD_WARNING = 0, KD_ERROR = 1 };

typedef void (*kd_msg_fn)(void *ctx, int severity, const char *line);

/* Loads a scenario file into a new group. Returns 0, or -1 after reporting
 * every error found through fn. */
int kd_scenario_load(const char *path, ka_group **out, kd_msg_fn fn, void *ctx);

/* The same from memory; `name` stands for the file in messages. */
int kd_scenario_load_buffer(const char *name, const char *data, size_t len, ka_group **out,
			    kd_msg_fn fn, void *ctx);

/* Writes a group as a scenario document. A member subscribed to every topic
 * is written as {"pattern": ".*"} to keep large files small. Returns 0 or -1
 * (write error). */
int kd_scenario_write(FILE *f, const ka_group *g);

/* Writes an assignment document (owner[] as ka_assign() fills it): every
 * member, topics and partitions ascending. Returns 0 or -1. */
int kd_assignment_write(FILE *f, const ka_group *g, const char *strategy, const uint32_t *owner);

/*
 * Reads an assignment document for group g into owner[g->n_partitions]
 * (KA_NONE where nobody got the partition). Returns -1 when the document is
 * not an assignment document at all (bad JSON, wrong types: an error), else
 * the number of violations it found and reported as errors: unknown member,
 * member missing, unknown topic, partition out of range, partition given
 * twice. The caller's own checks (ka_assignment_validate) come on top.
 */
int64_t kd_assignment_load(const char *path, const ka_group *g, uint32_t *owner, kd_msg_fn fn,
			   void *ctx);
/* The same, also giving the document's "strategy" in strategy[len] ("" when
 * absent or null; a value of another type is a shape error). */
int64_t kd_assignment_load_named(const char *path, const ka_group *g, uint32_t *owner,
				 char *strategy, size_t len, kd_msg_fn fn, void *ctx);

/* The same from memory; `name` stands for the file in messages. */
int64_t kd_assignment_load_buffer(const char *name, const char *data, size_t len, const ka_group *g,
				  uint32_t *owner, kd_msg_fn fn, void *ctx);
/* From memory, also giving the document's "strategy" as above. */
int64_t kd_assignment_load_buffer_named(const char *name, const char *data, size_t len,
					const ka_group *g, uint32_t *owner, char *strategy,
					size_t strategy_len, kd_msg_fn fn, void *ctx);

/* A kd_msg_fn that prints to stderr, each line after "NAME: " once
 * kd_msg_program(NAME) was called ("kassign assign"; NULL: no prefix). */
void kd_msg_stderr(void *ctx, int severity, const char *line);
void kd_msg_program(const char *name);

#ifdef __cplusplus
}
#endif

#endif
