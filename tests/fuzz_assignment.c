/*
 * fuzz_assignment.c - the assignment reader (kd_assignment_load_buffer)
 * under fuzzing, against one fixed group: topics whose names need quoting
 * in paths (a dot, a space, non-ASCII), a topic without partitions, and
 * members whose ids sort differently in Java and byte order.
 *
 * Any input may be rejected or reported, never crash or leak; what reads
 * with no violation must round-trip: written back (kd_assignment_write),
 * the text reads into the same owners.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char group_text[] =
    "{\"name\": \"fuzz\", \"topics\": ["
    "{\"name\": \"a\", \"partitions\": 3},"
    "{\"name\": \"b.c\", \"partitions\": 2},"
    "{\"name\": \"d e\", \"partitions\": 1},"
    "{\"name\": \"\\u00e9t\\u00e9\", \"partitions\": 2},"
    "{\"name\": \"none\", \"partitions\": 0}],"
    "\"members\": ["
    "{\"member_id\": \"m1\", \"topics\": [\"a\", \"b.c\", \"d e\"]},"
    "{\"member_id\": \"M2\", \"topics\": {\"pattern\": \".*\"}},"
    "{\"member_id\": \"\\ud83d\\ude00\", \"topics\": [\"a\", \"\\u00e9t\\u00e9\"]},"
    "{\"member_id\": \"idle\", \"topics\": [\"none\"]}]}";

static void count_line(void *ctx, int severity, const char *line)
{
	size_t *n = ctx;
	*n += strlen(line) + (size_t)severity;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ka_group *g;
	if (!g && kd_scenario_load_buffer("group.json", group_text, sizeof group_text - 1, &g,
					  kd_msg_stderr, NULL) != 0)
		abort();
	size_t lines = 0;
	uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * sizeof *owner);
	uint32_t *again = malloc(((size_t)g->n_partitions + 1) * sizeof *again);
	if (!owner || !again)
		abort();
	int64_t v = kd_assignment_load_buffer("fuzz.json", (const char *)data, size, g, owner,
					      count_line, &lines);
	if (v == 0) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (!f || kd_assignment_write(f, g, "fuzz", owner) != 0)
			abort();
		fclose(f);
		if (kd_assignment_load_buffer("written.json", text, len, g, again, kd_msg_stderr,
					      NULL) != 0 ||
		    memcmp(owner, again, g->n_partitions * sizeof *owner) != 0) {
			fprintf(stderr, "written assignment reads differently:\n%s\n", text);
			abort();
		}
		free(text);
	}
	free(owner);
	free(again);
	return 0;
}
