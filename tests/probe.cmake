# `kassign probe` on librdkafka's mock cluster (tests/run_probe.py): the
# conformance cases run GROUPS random small groups each, all at once, and
# take 10-20 s (the mock's join phases are fixed waits, not CPU); `bad`
# checks the refusals; `bootstrap` runs a plan with --bootstrap against a
# mock cluster in another process (probe_mock). Label `probe`; KT_SEED
# replays a case. Built with the probe (KA_PROBE) only.
if(TARGET kassign AND KA_PROBE)
  add_executable(probe_mock probe_mock.c)
  target_link_libraries(probe_mock PRIVATE PkgConfig::RDKAFKA ka_warnings)
  foreach(case range roundrobin cooperative-sticky bad bootstrap)
    add_test(NAME probe.${case}
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_probe.py $<TARGET_FILE:kassign> ${case}
              $<TARGET_FILE:probe_mock>)
    set_tests_properties(probe.${case} PROPERTIES LABELS probe TIMEOUT 120)
  endforeach()
endif()
