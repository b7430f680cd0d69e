# The sticky family against the exact optimum, cooperative rounds, follow-ups.
# Random suites replay with KT_SEED / KT_CASE (see tests/testgroups.h).
ka_add_test(test_sticky
  SOURCES test_sticky.c testgroups.c
  SUITES topics17 optimal cooperative followup beyond)
