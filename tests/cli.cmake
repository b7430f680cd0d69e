# End-to-end tests of the kassign binary; ka_add_test hands them its path in
# $KASSIGN.
ka_add_test(test_cli SOURCES test_cli.c SUITES usage pipeline tamper sweep simulate
  LIBS kassign_datasets)
add_dependencies(test_cli kassign)

# docs/cli.md against every command's --help (tests/run_docs.py).
add_test(NAME docs.cli
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_docs.py ${PROJECT_SOURCE_DIR} $<TARGET_FILE:kassign>)
set_tests_properties(docs.cli PROPERTIES SKIP_RETURN_CODE 77)
