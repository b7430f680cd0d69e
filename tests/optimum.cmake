# The exact optimum (assignors/src/optimum.c): hand cases, every assignment
# of tiny groups enumerated, larger random groups, the work and weight limits.
# Random suites replay with KT_SEED / KT_CASE (see tests/testgroups.h).
ka_add_test(test_optimum
  SOURCES test_optimum.c testgroups.c
  SUITES hand brute random limits)
