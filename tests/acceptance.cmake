# Kafka's own assignor test cases, run through the command line.
#  - kafka-range: every verifyRackAssignment case of Kafka's RangeAssignorTest,
#    rebuilt with Kafka's replica placement (tests/data/kafka-range).
#  - kafka-broker-range: every case of Kafka's group-coordinator
#    RangeAssignorTest (tests/data/kafka-broker-range).
#  - kafka-sticky: Kafka's sticky and cooperative-sticky test cases, rebuilt
#    from AbstractStickyAssignorTest, StickyAssignorTest and
#    CooperativeStickyAssignorTest (tests/data/kafka-sticky/README.md), the
#    rack-aware variants included: Kafka has no rack-aware strategy of its
#    own (KIP-881), hence the --map options.
#  - sample: the team's shared sample (../shared/acceptance/kafka), for the
#    strategies implemented so far; the list grows with each strategy.
# Cases in tests/data/known-divergences.txt are checked on everything but
# Kafka's exact assignment, and must be no worse than it (run_acceptance.py).
set(ka_acceptance ${CMAKE_CURRENT_SOURCE_DIR}/run_acceptance.py)
set(ka_sticky_maps --map sticky-rack=sticky --map cooperative-sticky-rack=cooperative-sticky)
add_test(NAME acceptance.kafka-range
  COMMAND ${ka_acceptance} $<TARGET_FILE:kassign> ${CMAKE_CURRENT_SOURCE_DIR}/data/kafka-range)
add_test(NAME acceptance.kafka-broker-range
  COMMAND ${ka_acceptance} $<TARGET_FILE:kassign> ${CMAKE_CURRENT_SOURCE_DIR}/data/kafka-broker-range)
add_test(NAME acceptance.kafka-sticky
  COMMAND ${ka_acceptance} $<TARGET_FILE:kassign> ${CMAKE_CURRENT_SOURCE_DIR}/data/kafka-sticky
          --only sticky,cooperative-sticky,sticky-rack,cooperative-sticky-rack ${ka_sticky_maps})
add_test(NAME acceptance.sample
  COMMAND ${ka_acceptance} $<TARGET_FILE:kassign> ${PROJECT_SOURCE_DIR}/../shared/acceptance/kafka
          --only range,range-rack,roundrobin,sticky,cooperative-sticky,sticky-rack,cooperative-sticky-rack
          --map range-rack=range ${ka_sticky_maps})
set_tests_properties(acceptance.kafka-range acceptance.kafka-broker-range acceptance.kafka-sticky acceptance.sample
  PROPERTIES SKIP_RETURN_CODE 77)
