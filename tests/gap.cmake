# The optimum at any size and an assignment's gap to it (assignors/src/gap.c)
# against the exact solver on random groups.
ka_add_test(test_gap
  SOURCES test_gap.c testgroups.c
  SUITES exact)
