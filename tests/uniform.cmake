# The broker-side uniform assignor (KIP-848): Kafka's own cases, a
# transcription of Kafka's builders on random groups, balance and stickiness.
# Random suites replay with KT_SEED / KT_CASE (see tests/testgroups.h).
ka_add_test(test_uniform
  SOURCES test_uniform.c testgroups.c
  SUITES kafka reference property)
