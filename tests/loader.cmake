# Scenario and assignment files (datasets/scenario.c, datasets/assignment.c).
# testgroups.c draws the random groups the round-trip suite checks.
ka_add_test(test_loader SOURCES test_loader.c testgroups.c
  SUITES syntax fields limits tolerated roundtrip assignment
  LIBS kassign_datasets)
# Where tests/data is when KA_SOURCE_DIR is not set (running the binary by hand).
target_compile_definitions(test_loader PRIVATE KA_SOURCE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}")
