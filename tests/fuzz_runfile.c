/*
 * fuzz_runfile.c - the run-file reader (kh_run_parse) under fuzzing: any
 * JSON document may be refused with one message, never crash or leak; a
 * document that reads finds every member it lists by id.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/runfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
	if (!doc)
		return 0;
	kh_run *run = NULL;
	char err[1024];
	err[0] = '\0';
	if (kh_run_parse(doc, &run, err, sizeof err) == 0) {
		for (size_t m = 0; m < run->n_members; m++) {
			int64_t k = kh_run_member_find(run, run->members[m].id);
			if (k < 0 || (size_t)k >= run->n_members ||
			    strcmp(run->members[k].id, run->members[m].id) != 0) {
				fprintf(stderr, "member %zu not found by its id\n", m);
				abort();
			}
		}
		kh_run_free(run);
	} else if (!err[0]) {
		fprintf(stderr, "run file refused without a message\n");
		abort();
	}
	json_decref(doc);
	return 0;
}
