/*
 * fuzz_runfile.c - the run file's reader and writer (runfile.h) under
 * fuzzing: any JSON document may be refused with one message, never crash
 * or leak; a document that reads finds every member it lists by id, and
 * its run written, read back and written again gives the same bytes (what
 * the reader keeps is what the writer writes, whatever the input).
 */
#define _GNU_SOURCE /* open_memstream */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/runfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The run file of run, in a new buffer (*len bytes). */
static char *write_buf(const kr_run *run, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f || kr_run_write(f, run) < 0) {
		fprintf(stderr, "cannot write the run\n");
		abort();
	}
	fclose(f);
	return buf;
}

static void round_trip(const kr_run *run)
{
	size_t len1, len2;
	char err[1024];
	char *one = write_buf(run, &len1);
	kr_run *back = NULL;
	if (kr_run_read_buf(one, len1, "written", &back, err, sizeof err) < 0) {
		fprintf(stderr, "the writer's output does not read: %s\n%.*s\n", err, (int)len1,
			one);
		abort();
	}
	char *two = write_buf(back, &len2);
	if (len1 != len2 || memcmp(one, two, len1) != 0) {
		fprintf(stderr, "written, read and written again differs:\n%.*s\n---\n%.*s\n",
			(int)len1, one, (int)len2, two);
		abort();
	}
	kr_run_free(back);
	free(one);
	free(two);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
	if (!doc)
		return 0;
	kr_run *run = NULL;
	char err[1024];
	err[0] = '\0';
	if (kr_run_parse(doc, &run, err, sizeof err) == 0) {
		for (size_t m = 0; m < run->n_members; m++) {
			int64_t k = kr_run_member_find(run, run->members[m].id);
			if (k < 0 || (size_t)k >= run->n_members ||
			    strcmp(run->members[k].id, run->members[m].id) != 0) {
				fprintf(stderr, "member %zu not found by its id\n", m);
				abort();
			}
		}
		round_trip(run);
		kr_run_free(run);
	} else if (!err[0]) {
		fprintf(stderr, "run file refused without a message\n");
		abort();
	}
	json_decref(doc);
	return 0;
}
