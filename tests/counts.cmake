# The count gate: scripts/counts builds kassign again in Release without
# sanitizers (valgrind cannot run an ASan binary, and Debug counts are not
# the kept ones) in counts-release/ of this build tree, counts the assign
# call of every point of G-seed, G-storm, G-1k and G-10k under callgrind,
# and fails on a point whose instructions or estimated cycles grew by more
# than 1 % against results/baseline-counts.json, naming it. It skips (77)
# when the baseline was recorded with another compiler or valgrind.
# The script runs through its own #! line (Debian's /usr/bin/python3, which
# has scipy for compare's U test), as the other scripts' tests do.
add_test(NAME counts.gate
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/counts --build ${CMAKE_BINARY_DIR}/counts-release check)
set_tests_properties(counts.gate PROPERTIES LABELS counts SKIP_RETURN_CODE 77 TIMEOUT 1800)

# Counts in result files: scripts/compare's counts rule on a real counts
# file and copies of it; the sweep and the bench without valgrind.
add_test(NAME counts.compare
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_counts.py ${PROJECT_SOURCE_DIR} compare)
set_tests_properties(counts.compare PROPERTIES LABELS "counts;scripts" SKIP_RETURN_CODE 77)
if(TARGET kassign-bench)
  set(ka_counts_bench $<TARGET_FILE:kassign-bench>)
else()
  set(ka_counts_bench "")
endif()
add_test(NAME counts.novalgrind
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_counts.py ${PROJECT_SOURCE_DIR} novalgrind
          $<TARGET_FILE:kassign> ${ka_counts_bench})
set_tests_properties(counts.novalgrind PROPERTIES LABELS counts SKIP_RETURN_CODE 77)
