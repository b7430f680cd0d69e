# The grid generators (datasets/gen.c).
ka_add_test(test_gen SOURCES test_gen.c
  SUITES determinism grids large subscriptions racks churn errors
  LIBS kassign_datasets)
