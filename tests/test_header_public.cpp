/*
 * test_header_public.cpp - the public header's stable tier alone (without
 * KA_STATIC_LINKING_ONLY, which the project's own targets define) compiled
 * as C++; test_header.cpp calls group_summary through it.
 */
#undef KA_STATIC_LINKING_ONLY
#include <kassign/kassign.h>

#include <cstring>

/* Partitions of the group plus the length of its first member's id, read
 * through accessors only. */
unsigned long group_summary(const ka_group *g);
unsigned long group_summary(const ka_group *g)
{
	unsigned long n = ka_group_partition_count(g);
	if (ka_group_member_count(g) > 0)
		n += std::strlen(ka_group_member_id(g, 0));
	return n + (ka_version_number() == KA_VERSION_NUMBER ? 0 : 1000);
}
