# The strategy, model and metrics tests, and the header compiled as C++.
# Each suite is its own ctest test (ka_add_test); random suites replay with
# KT_SEED / KT_CASE (see tests/testgroups.h).
ka_add_test(test_strategies
  SOURCES test_strategies.c testgroups.c
  SUITES known property reference balance)
ka_add_test(test_model
  SOURCES test_model.c testgroups.c
  SUITES order model ownership diagnostics limits utilities random)
ka_add_test(test_metrics
  SOURCES test_metrics.c testgroups.c
  SUITES hand validate exhaustive
  LIBS m)

# Not CUnit: a plain main() returning 0/1, so the header is checked by a
# C++ compiler with the project's warnings plus -Wpedantic.
add_executable(test_header test_header.cpp test_header_public.cpp)
target_include_directories(test_header PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_options(test_header PRIVATE -Wpedantic)
target_link_libraries(test_header PRIVATE kassign_lib ka_warnings)
add_test(NAME test_header COMMAND test_header)

# The one sort (assignors/src/sort.c): values, and stability under ties.
ka_add_test(test_sort SOURCES test_sort.c SUITES sort)
