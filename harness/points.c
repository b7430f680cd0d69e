/*
 * points.c - what every point and every result file of the sweep and of
 * kassign-bench share: the variants each strategy x grid x subscription
 * mode is run in (one table, so both front ends measure the same points
 * under the same names), and the build as CMake made it.
 *
 * KH_BUILD_* are set on this file alone by harness/CMakeLists.txt, the one
 * place that spells the compiler, the flags and the build type. The commit
 * is cli/build.c's kh_build_commit (every command that writes a file
 * records it), from ka_commit.h, rewritten at every build.
 */
#include "harness/measure.h"

#ifndef KH_BUILD_COMPILER
#define KH_BUILD_COMPILER "unknown"
#endif
#ifndef KH_BUILD_FLAGS
#define KH_BUILD_FLAGS ""
#endif
#ifndef KH_BUILD_TYPE
#define KH_BUILD_TYPE "unknown"
#endif

static const kh_variant variants[] = {
    {KD_VARIANT_FRESH, 0}, {KD_VARIANT_CHURN_REMOVE, 0}, {KD_VARIANT_CHURN_ADD, 0},
    {KD_VARIANT_RACKS, 0}, {KD_VARIANT_RACKS, 1},
};

size_t kh_variant_count(void)
{
	return sizeof(variants) / sizeof(variants[0]);
}

const kh_variant *kh_variant_at(size_t i)
{
	return i < kh_variant_count() ? &variants[i] : NULL;
}

const char *kh_build_compiler(void)
{
	return KH_BUILD_COMPILER;
}

const char *kh_build_flags(void)
{
	return KH_BUILD_FLAGS;
}

const char *kh_build_type(void)
{
	return KH_BUILD_TYPE[0] ? KH_BUILD_TYPE : "unknown";
}
