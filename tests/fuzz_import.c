/*
 * fuzz_import.c - `kassign import` (kafka-consumer-groups.sh --describe
 * listings to scenarios) under fuzzing. The fuzzer's bytes are the listing;
 * the command runs as a user would run it, on a file, writing the scenario
 * to another. It may refuse with exit 2, never crash, leak or hang; a
 * scenario it writes must load without an error (the importer's output is
 * the loader's input).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int kh_cmd_import(int argc, char **argv);

static char in_path[64], out_path[64];

static void cleanup(void)
{
	unlink(in_path);
	unlink(out_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!in_path[0]) {
		snprintf(in_path, sizeof in_path, "/tmp/kassign-fuzz-import-%ld.txt",
			 (long)getpid());
		snprintf(out_path, sizeof out_path, "/tmp/kassign-fuzz-import-%ld.json",
			 (long)getpid());
		atexit(cleanup);
	}
	FILE *f = fopen(in_path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	unlink(out_path);
	char cmd[] = "import", opt[] = "-o";
	char *argv[] = {cmd, in_path, opt, out_path, NULL};
	optind = 0; /* glibc: start the next getopt_long afresh */
	int rc = kh_cmd_import(4, argv);
	if (rc == 0) {
		ka_group *g = NULL;
		if (kd_scenario_load(out_path, &g, NULL, NULL) != 0) {
			fprintf(stderr, "the imported scenario does not load:\n");
			kd_scenario_load(out_path, &g, kd_msg_stderr, NULL);
			abort();
		}
		ka_group_free(g);
	} else if (rc != 2) {
		fprintf(stderr, "import exited %d\n", rc);
		abort();
	}
	return 0;
}
