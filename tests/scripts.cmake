# scripts/compare and scripts/plot (tests/run_scripts.py, one ctest test per
# case), on tests/data/results/bench-seed.json, a small real kassign-bench
# run, and on copies of it made slower, worse or broken. `bench` runs this
# build's kassign-bench, scripts.kassign-sweep a small sweep, and read their
# output with both scripts.
set(ka_scripts_cases identical slower few-reps quality only-one sweep json bad plot)
foreach(case ${ka_scripts_cases})
  add_test(NAME scripts.${case}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scripts.py ${PROJECT_SOURCE_DIR} ${case})
  set_tests_properties(scripts.${case} PROPERTIES LABELS scripts SKIP_RETURN_CODE 77)
endforeach()
if(TARGET kassign-bench)
  add_test(NAME scripts.bench
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scripts.py ${PROJECT_SOURCE_DIR} bench
            $<TARGET_FILE:kassign-bench>)
  set_tests_properties(scripts.bench PROPERTIES LABELS "scripts;bench" SKIP_RETURN_CODE 77)
endif()
if(TARGET kassign)
  add_test(NAME scripts.kassign-sweep
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scripts.py ${PROJECT_SOURCE_DIR} kassign-sweep
            $<TARGET_FILE:kassign>)
  set_tests_properties(scripts.kassign-sweep PROPERTIES LABELS scripts SKIP_RETURN_CODE 77)
endif()
