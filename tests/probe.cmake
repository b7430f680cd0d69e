# `kassign probe` on librdkafka's mock cluster (tests/run_probe.py): the
# conformance cases run GROUPS random small groups each, all at once, and
# take 10-20 s (the mock's join phases are fixed waits, not CPU); `bad`
# checks the refusals. Label `probe`; KT_SEED replays a case.
if(TARGET kassign)
  foreach(case range roundrobin cooperative-sticky bad)
    add_test(NAME probe.${case}
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_probe.py $<TARGET_FILE:kassign> ${case})
    set_tests_properties(probe.${case} PROPERTIES LABELS probe TIMEOUT 120)
  endforeach()
endif()
