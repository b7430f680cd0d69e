/*
 * consumer.c - a program that knows libkassign only as installed: the
 * public header's stable tier (no KA_STATIC_LINKING_ONLY). It builds a
 * group, reads it back through the accessors, assigns it with range and
 * checks the answer; then a group with racks and its leader view. Exit 0, or 1 after saying
 * what was wrong.
 */
#include <kassign/kassign.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);                 \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

int main(void)
{
	CHECK(ka_version_number() == KA_VERSION_NUMBER);
	CHECK(strcmp(ka_version_string(), KA_VERSION_STRING) == 0);

	ka_builder *b = ka_builder_new(NULL, NULL);
	if (!b)
		return 1;
	CHECK(ka_builder_add_topic(b, "t1", 3) == 0);
	CHECK(ka_builder_add_topic(b, "t0", 4) == 1);
	const char *ids[] = {"c2", "c1"};
	for (uint32_t i = 0; i < 2; i++) {
		CHECK(ka_builder_add_member(b, ids[i], NULL, NULL, KA_NO_GENERATION) == i);
		CHECK(ka_builder_subscribe(b, i, "t0", 0) == 0);
		CHECK(ka_builder_subscribe(b, i, "t1", 1) == 0);
	}
	ka_group *g = NULL;
	CHECK(ka_builder_finish(b, &g) == KA_OK);
	ka_builder_free(b);
	if (!g)
		return 1;

	/* Topics in name order, members by member_id. */
	CHECK(ka_group_topic_count(g) == 2 && ka_group_member_count(g) == 2);
	CHECK(ka_group_partition_count(g) == 7 && ka_group_rack_count(g) == 0);
	CHECK(strcmp(ka_group_topic_name(g, 0), "t0") == 0);
	CHECK(ka_group_topic_first(g, 1) == 4 && ka_group_topic_partitions(g, 1) == 3);
	CHECK(ka_group_partition_topic(g, 5) == 1);
	CHECK(strcmp(ka_group_member_id(g, 0), "c1") == 0);
	CHECK(ka_group_member_instance_id(g, 0) == NULL);
	CHECK(ka_group_member_rack(g, 0) == NULL);
	const uint32_t *topics = NULL;
	CHECK(ka_group_member_topics(g, 1, &topics) == 2 && topics[0] == 0 && topics[1] == 1);
	CHECK(ka_group_previous_owner(g, 0) == KA_NONE);
	CHECK(ka_group_flags(g) & KA_GROUP_HOMOGENEOUS);

	const ka_strategy *s = ka_strategy_find("range");
	CHECK(s && strcmp(ka_strategy_name(s), "range") == 0);
	CHECK(s && (ka_strategy_flags(s) & KA_STRATEGY_DETERMINISTIC));
	if (s) {
		size_t size = ka_workspace_size(s, g);
		void *ws = aligned_alloc(64, size ? (size + 63) / 64 * 64 : 64);
		uint32_t owner[7];
		CHECK(ws && ka_assign(s, g, ws, size, owner) == KA_OK);
		/* Range: t0's 4 partitions 2 and 2, t1's 3 partitions 2 and 1, the
		 * first member (c1) first. */
		const uint32_t want[7] = {0, 0, 1, 1, 0, 0, 1};
		CHECK(memcmp(owner, want, sizeof want) == 0);
		CHECK(ka_assignment_validate(g, owner, 0, NULL, NULL) == 0);
		free(ws);
	}

	ka_group_free(g);

	/* Racks, and the leader view of a group whose partition 0 has replicas
	 * on r1 and r2 and its leader on r2. */
	b = ka_builder_new(NULL, NULL);
	if (!b)
		return 1;
	CHECK(ka_builder_add_topic(b, "t", 2) == 0);
	CHECK(ka_builder_add_partition_rack(b, 0, 0, "r1") == 0);
	CHECK(ka_builder_add_partition_rack(b, 0, 0, "r2") == 0);
	CHECK(ka_builder_set_partition_leader(b, 0, 0, "r2") == 0);
	CHECK(ka_builder_add_member(b, "m", "i", "r1", 3) == 0);
	CHECK(ka_builder_subscribe(b, 0, "t", 0) == 0);
	CHECK(ka_builder_add_owned(b, 0, "t", 1, 0) == 0);
	g = NULL;
	CHECK(ka_builder_finish(b, &g) == KA_OK);
	ka_builder_free(b);
	if (!g)
		return 1;
	CHECK(ka_group_rack_count(g) == 2);
	CHECK(ka_group_member_rack(g, 0) && strcmp(ka_group_member_rack(g, 0), "r1") == 0);
	CHECK(ka_group_member_instance_id(g, 0) &&
	      strcmp(ka_group_member_instance_id(g, 0), "i") == 0);
	CHECK(ka_group_previous_owner(g, 1) == 0 && ka_group_previous_owner(g, 0) == KA_NONE);
	CHECK((ka_group_flags(g) & (KA_GROUP_LEADER_RACKS | KA_GROUP_STATIC | KA_GROUP_OWNED)) ==
	      (KA_GROUP_LEADER_RACKS | KA_GROUP_STATIC | KA_GROUP_OWNED));
	ka_group *view = NULL;
	CHECK(ka_group_leader_view_new(g, &view) == KA_OK);
	CHECK(view && (ka_group_flags(view) & KA_GROUP_PARTITION_RACKS));
	CHECK(view && ka_group_partition_count(view) == 2);
	if (view) {
		/* On the leader's rack only: member m (r1) is not local to
		 * partition 0 in the view. */
		const uint32_t owner[2] = {0, 0};
		size_t size = ka_metrics_workspace_size(view);
		void *mws = malloc(size ? size : 8);
		ka_metrics mv, mg;
		CHECK(mws && ka_metrics_compute(view, owner, mws, size, &mv) == KA_OK);
		CHECK(mws && ka_metrics_compute(g, owner, mws, size, &mg) == KA_OK);
		CHECK(mv.local == 0 && mg.local == 1);
		free(mws);
	}
	ka_group_free(view); /* the view alone */
	CHECK(ka_group_partition_count(g) == 2);
	ka_group_free(g);
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
