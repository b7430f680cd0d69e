# kassign sweep end to end: the result file against docs/results-format.md,
# --threads, bad input, and Google Benchmark's compare.py reading two files.
ka_add_test(test_sweep SOURCES test_sweep.c SUITES file threads badinput compare
  LIBS PkgConfig::JANSSON PkgConfig::HWLOC m)
add_dependencies(test_sweep kassign)
