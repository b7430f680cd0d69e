# cmake/commit.cmake, the commit result files record (tests/commit/check.cmake).
add_test(NAME build.commit
  COMMAND ${CMAKE_COMMAND} -DSCRIPT=${PROJECT_SOURCE_DIR}/cmake/commit.cmake
          -DDIR=${CMAKE_CURRENT_BINARY_DIR}/commit-check
          -P ${CMAKE_CURRENT_SOURCE_DIR}/commit/check.cmake)
