# kassign under hostile surroundings and inputs (tests/run_hostile.py, one
# ctest test per case): what -o does to devices, FIFOs, links and modes, a
# full stdout, signals in the middle of a run, two sweeps racing for one
# file, and the bad inputs of every command.
set(ka_hostile_cases outputs stdout limits patterns check compare messages import calibrate plot signals race)
foreach(case ${ka_hostile_cases})
  add_test(NAME hostile.${case}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_hostile.py ${PROJECT_SOURCE_DIR} $<TARGET_FILE:kassign>
            ${case})
  set_tests_properties(hostile.${case} PROPERTIES LABELS hostile SKIP_RETURN_CODE 77)
endforeach()

# The check before any assignment leaves kassign (cli/util.c) against
# the library's validator, on outputs broken on purpose.
ka_add_test(test_verify SOURCES test_verify.c
  SUITES verify LIBS kassign_cli)
