# End-to-end tests of the kassign binary; ka_add_test hands them its path in
# $KASSIGN.
ka_add_test(test_cli SOURCES test_cli.c SUITES usage pipeline tamper sweep simulate
  LIBS kassign_datasets)
add_dependencies(test_cli kassign)
