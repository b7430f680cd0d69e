# Kafka's own assignor test cases, run through the command line.
#  - kafka-range: every verifyRackAssignment case of Kafka's RangeAssignorTest,
#    rebuilt with Kafka's replica placement (tests/data/kafka-range).
#  - kafka-sticky: Kafka's sticky and cooperative-sticky test cases, rebuilt
#    from AbstractStickyAssignorTest, StickyAssignorTest and
#    CooperativeStickyAssignorTest (tests/data/kafka-sticky/README.md). The
#    rack-aware variants wait for rack-aware sticky.
#  - sample: the team's shared sample (../shared/acceptance/kafka), for the
#    strategies implemented so far; the list grows with each strategy.
set(ka_acceptance ${CMAKE_CURRENT_SOURCE_DIR}/run_acceptance.sh)
add_test(NAME acceptance.kafka-range
  COMMAND ${ka_acceptance} $<TARGET_FILE:kassign> ${CMAKE_CURRENT_SOURCE_DIR}/data/kafka-range)
add_test(NAME acceptance.kafka-sticky
  COMMAND ${ka_acceptance} $<TARGET_FILE:kassign> ${CMAKE_CURRENT_SOURCE_DIR}/data/kafka-sticky
          --only sticky,cooperative-sticky)
add_test(NAME acceptance.sample
  COMMAND ${ka_acceptance} $<TARGET_FILE:kassign> ${PROJECT_SOURCE_DIR}/../shared/acceptance/kafka
          --only range,range-rack,roundrobin,sticky,cooperative-sticky --map range-rack=range)
set_tests_properties(acceptance.kafka-range acceptance.kafka-sticky acceptance.sample
  PROPERTIES SKIP_RETURN_CODE 77)
