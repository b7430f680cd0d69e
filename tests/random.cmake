# Every strategy on random groups of real size and shape, failures shrunk to
# a minimal scenario (tests/test_random.c); KT_CASES / KT_LONG for more.
ka_add_test(test_random
  SOURCES test_random.c
  SUITES realistic shrink regressions
  LIBS kassign_datasets m)

