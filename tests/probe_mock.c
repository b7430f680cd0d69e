/*
 * probe_mock.c - a librdkafka mock cluster in its own process, for the
 * `kassign probe --bootstrap` test (tests/run_probe.py, case bootstrap):
 * creates the topics given as NAME:PARTITIONS, prints the bootstrap
 * address on stdout and serves until stdin closes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv)
{
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "probe_mock: %s\n", err);
		return 1;
	}
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
	if (!mc) {
		fprintf(stderr, "probe_mock: no mock cluster\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		char *colon = strrchr(argv[i], ':');
		if (!colon) {
			fprintf(stderr, "probe_mock: NAME:PARTITIONS expected, got %s\n", argv[i]);
			return 2;
		}
		*colon = 0;
		rd_kafka_mock_topic_create(mc, argv[i], atoi(colon + 1), 1);
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (getchar() != EOF)
		;
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
