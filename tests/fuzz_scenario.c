/*
 * fuzz_scenario.c - the scenario loader and writer under fuzzing.
 *
 * Any input may be rejected, but never with a crash, a leak, or a group left
 * behind; an input that loads must survive a round trip: write it, load the
 * text back without an error, write again and get the same bytes. A broken
 * round trip aborts, so libFuzzer keeps it as a crash like any other.
 *
 * Built two ways (tests/fuzz.cmake): linked with libFuzzer, or with
 * fuzz_replay.c, whose main replays the seed corpus and crash reproducers
 * under ctest on every build.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Formatting every message is part of what is fuzzed; touch each line. */
static void count_line(void *ctx, int severity, const char *line)
{
	size_t *n = ctx;
	*n += strlen(line) + (size_t)severity;
}

static char *write_text(const ka_group *g, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (!f)
		abort();
	if (kd_scenario_write(f, g) != 0) {
		fprintf(stderr, "kd_scenario_write failed on a loaded group\n");
		abort();
	}
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t lines = 0;
	ka_group *g = NULL;
	if (kd_scenario_load_buffer("fuzz.json", (const char *)data, size, &g, count_line,
				    &lines) != 0) {
		if (g) {
			fprintf(stderr, "failed load left a group behind\n");
			abort();
		}
		return 0;
	}
	size_t n1 = 0, n2 = 0;
	char *t1 = write_text(g, &n1);
	ka_group *g2 = NULL;
	if (kd_scenario_load_buffer("written.json", t1, n1, &g2, count_line, &lines) != 0) {
		fprintf(stderr, "written scenario does not load:\n%s\n", t1);
		kd_scenario_load_buffer("written.json", t1, n1, &g2, kd_msg_stderr, NULL);
		abort();
	}
	if (g2->n_topics != g->n_topics || g2->n_members != g->n_members ||
	    g2->n_partitions != g->n_partitions || g2->flags != g->flags) {
		fprintf(stderr, "written scenario loads into another group:\n%s\n", t1);
		abort();
	}
	char *t2 = write_text(g2, &n2);
	if (n1 != n2 || memcmp(t1, t2, n1) != 0) {
		fprintf(stderr, "second write differs:\n%s\n---\n%s\n", t1, t2);
		abort();
	}
	free(t1);
	free(t2);
	ka_group_free(g2);
	ka_group_free(g);
	return 0;
}
