/*
 * access.c - the stable interface's accessors: the version, and the group
 * and strategy models read through functions, so that a program built
 * against an installed libkassign never depends on their layout (the
 * structs are behind KA_STATIC_LINKING_ONLY in kassign.h).
 */
#include "internal.h"

unsigned ka_version_number(void)
{
	return KA_VERSION_NUMBER;
}

const char *ka_version_string(void)
{
	return KA_VERSION_STRING;
}

/* ------------------------------------------------------------ the group */

const char *ka_group_name(const ka_group *g)
{
	return g->name;
}

uint32_t ka_group_topic_count(const ka_group *g)
{
	return g->n_topics;
}

uint32_t ka_group_member_count(const ka_group *g)
{
	return g->n_members;
}

uint32_t ka_group_partition_count(const ka_group *g)
{
	return g->n_partitions;
}

uint32_t ka_group_rack_count(const ka_group *g)
{
	return g->n_racks;
}

uint32_t ka_group_flags(const ka_group *g)
{
	return g->flags & ~KA__GROUP_BORROWED;
}

const char *ka_group_topic_name(const ka_group *g, uint32_t t)
{
	assert(t < g->n_topics);
	return g->topic_name[t];
}

uint32_t ka_group_topic_first(const ka_group *g, uint32_t t)
{
	assert(t < g->n_topics);
	return g->topic_off[t];
}

uint32_t ka_group_topic_partitions(const ka_group *g, uint32_t t)
{
	assert(t < g->n_topics);
	return g->topic_off[t + 1] - g->topic_off[t];
}

const char *ka_group_member_id(const ka_group *g, uint32_t m)
{
	assert(m < g->n_members);
	return g->member_id[m];
}

const char *ka_group_member_instance_id(const ka_group *g, uint32_t m)
{
	assert(m < g->n_members);
	return g->instance_id[m];
}

const char *ka_group_member_rack(const ka_group *g, uint32_t m)
{
	assert(m < g->n_members);
	return g->member_rack[m] == KA_NO_RACK ? NULL : g->rack_name[g->member_rack[m]];
}

uint32_t ka_group_member_topics(const ka_group *g, uint32_t m, const uint32_t **topics)
{
	assert(m < g->n_members);
	if (topics)
		*topics = g->sub_topic + g->sub_off[m];
	return g->sub_off[m + 1] - g->sub_off[m];
}

uint32_t ka_group_previous_owner(const ka_group *g, uint32_t p)
{
	assert(p < g->n_partitions);
	return g->prev_owner[p];
}

/* ------------------------------------------------------------ strategies */

const char *ka_strategy_name(const ka_strategy *s)
{
	return s->name;
}

const char *ka_strategy_kafka_name(const ka_strategy *s)
{
	return s->kafka_name;
}

const char *ka_strategy_summary(const ka_strategy *s)
{
	return s->summary;
}

uint32_t ka_strategy_flags(const ka_strategy *s)
{
	return s->flags;
}
