/*
 * ktest.h - the CUnit runner every test program shares.
 *
 * A test program declares its suites in one table and ends with
 * KT_MAIN(suites). Run with no argument it runs every suite; with a suite
 * name, only that one (ctest registers one test per suite). CUnit's own
 * runner reports success even when assertions fail and CU_cleanup_registry()
 * resets the counts, so the exit status is read before cleanup:
 * 0 all passed, 1 something failed, 77 skipped, 2 usage.
 *
 * A test that cannot run here (a missing tool, too few cores) calls
 * KT_SKIP("why", ...): it says why on stderr and returns; the other tests
 * and suites still run. The program exits 77 (ctest: skipped) only when
 * every test it ran was skipped.
 *
 * Random tests seed from KT_SEED (environment) or their default, and print
 * the seed of any failing case so it can be replayed.
 */
#ifndef KASSIGN_TESTS_KTEST_H
#define KASSIGN_TESTS_KTEST_H

#include <CUnit/Basic.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct kt_test {
	const char *name;
	void (*fn)(void);
} kt_test;

typedef struct kt_suite {
	const char *name;
	const kt_test *tests; /* terminated by {NULL, NULL} */
} kt_suite;

static unsigned kt__skipped;

#define KT_SKIP(...)                                  \
	do {                                          \
		fprintf(stderr, "SKIP: " __VA_ARGS__); \
		fputc('\n', stderr);                  \
		kt__skipped++;                        \
		return;                               \
	} while (0)

/* The seed for random tests: $KT_SEED when set, else `fallback`. */
static inline uint64_t kt_seed(uint64_t fallback)
{
	const char *s = getenv("KT_SEED");
	return s && *s ? strtoull(s, NULL, 0) : fallback;
}

static inline int kt_run(const kt_suite *suites, int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int found = 0;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		return 1;
	}
	for (const kt_suite *s = suites; s->name; s++) {
		if (only && strcmp(only, s->name) != 0)
			continue;
		found++;
		CU_pSuite cs = CU_add_suite(s->name, NULL, NULL);
		if (!cs) {
			fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
			CU_cleanup_registry();
			return 1;
		}
		for (const kt_test *t = s->tests; t->name; t++)
			if (!CU_add_test(cs, t->name, t->fn)) {
				fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
				CU_cleanup_registry();
				return 1;
			}
	}
	if (!found) {
		fprintf(stderr, "%s: no suite named '%s'\n", argv[0], only ? only : "");
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (failed)
		return 1;
	return ran > kt__skipped ? 0 : 77;
}

#define KT_MAIN(suites)                                  \
	int main(int argc, char **argv)                  \
	{                                                \
		return kt_run((suites), argc, argv);     \
	}

#endif
