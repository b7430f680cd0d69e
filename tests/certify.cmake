# The balance certificate (an internal function) against the exact optimum.
ka_add_test(test_certify SOURCES test_certify.c testgroups.c SUITES certify)
target_include_directories(test_certify PRIVATE ${PROJECT_SOURCE_DIR}/assignors/include)
