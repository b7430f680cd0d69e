/*
 * names.h - names in messages (datasets-internal): quoted, control
 * characters escaped, long names cut on a UTF-8 boundary, so that one
 * message stays one readable line.
 */
#ifndef KASSIGN_DATASETS_NAMES_H
#define KASSIGN_DATASETS_NAMES_H

struct qbuf {
	char s[200];
};

/* The name in double quotes, for running text. */
const char *kd__quoted(struct qbuf *q, const char *name);

/* The same unquoted, where Kafka's own spelling has none (topic-partition). */
const char *kd__plain(struct qbuf *q, const char *name);

#endif
