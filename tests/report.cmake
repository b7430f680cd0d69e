# kassign timeline, report and import end to end (tests/run_report.py, one
# ctest test per case): the pictures parsed as PNG and XML, the report page
# parsed as HTML and, in `browser`, as the DOM headless chromium builds from
# it (a few seconds), the run files of `kassign simulate` presets read by
# both, imports of hand-typed describe listings through assign and check.
# The viewers' cases need them built (KA_VIEWS); the importer's do not.
set(ka_report_cases import import-formats import-bad)
if(KA_VIEWS)
  list(APPEND ka_report_cases timeline timeline-rows timeline-bad report browser simulated)
endif()
foreach(case ${ka_report_cases})
  add_test(NAME report.${case}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_report.py ${PROJECT_SOURCE_DIR} $<TARGET_FILE:kassign>
            ${case})
  set_tests_properties(report.${case} PROPERTIES LABELS report SKIP_RETURN_CODE 77)
endforeach()
if(KA_VIEWS)
  set_tests_properties(report.browser PROPERTIES LABELS "report;browser")
endif()
