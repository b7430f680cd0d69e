/*
 * fuzz_scenario.c - the scenario loader and writer under fuzzing.
 *
 * Any input may be rejected, but never with a crash, a leak, or a group left
 * behind; an input that loads must survive a round trip: write it, load the
 * text back without an error, write again and get the same bytes. A broken
 * round trip aborts, so libFuzzer keeps it as a crash like any other.
 *
 * Built two ways (tests/fuzz.cmake): with KA_LIBFUZZER it is a libFuzzer
 * target; without, a small main replays files and directories of inputs
 * (the seed corpus, crash reproducers), which ctest runs on every build.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

#ifndef KA_LIBFUZZER
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		uint8_t *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

/* Replays each file named, and every regular file of each directory named.
 * Exit 0 when every input ran (a failing input aborts), 1 if one could not
 * be read, 2 on usage, 77 when there was nothing to replay. */
int main(int argc, char **argv)
{
	int bad = 0, ran = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= replay_file(argv[i]);
			ran++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
			char *path = malloc(len);
			if (!path) {
				bad = 1;
				break;
			}
			snprintf(path, len, "%s/%s", argv[i], e->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				bad |= replay_file(path);
				ran++;
			}
			free(path);
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", ran);
	return bad ? 1 : ran ? 0 : 77;
}
#endif
