# The rebalance simulator: invariants on random event scripts (replay with
# KT_SEED), cases computed by hand, the storm presets' bands, bad plans.
ka_add_test(test_sim
  SOURCES test_sim.c
  SUITES invariants cases storm plans
  LIBS kassign_sim)
