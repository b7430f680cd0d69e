# The locality strategy: hand-made examples and random groups against the
# exact optimum (balance, locality, moves), and never less local than
# sticky or an equally balanced range. Replay with KT_SEED / KT_CASE.
ka_add_test(test_locality
  SOURCES test_locality.c testgroups.c
  LIBS kassign_datasets
  SUITES examples optimal)
