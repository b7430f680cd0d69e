# The broker-side range assignor (KIP-848): a transcription of Kafka's
# group-coordinator RangeAssignor on random groups, and the inputs where
# Kafka's own answer is not an assignment. Kafka's RangeAssignorTest cases run
# through the command line (acceptance.kafka-broker-range).
# Random suites replay with KT_SEED / KT_CASE (see tests/testgroups.h).
ka_add_test(test_broker_range
  SOURCES test_broker_range.c testgroups.c
  SUITES reference kafka_bug)
