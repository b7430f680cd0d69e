/*
 * test_header.cpp - the public header, and the datasets headers the bench
 * shim includes, compiled as C++ (extern "C", no C-only constructs), and a
 * few calls through them to prove the linkage; test_header_public.cpp
 * compiles the stable tier alone. Exit 0 or 1, no CUnit.
 */
#include <kassign/kassign.h>

#include <datasets/gen.h>
#include <datasets/rng.h>
#include <datasets/scenario.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

static int failures = 0;

/* test_header_public.cpp: the stable tier alone. */
unsigned long group_summary(const ka_group *g);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,      \
				     #cond);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

int main()
{
	CHECK(std::strcmp(ka_strerror(KA_EWORKSPACE), ka_strerror(KA_EINVAL)) != 0);
	CHECK(ka_java_strcmp("B", "a") < 0);
	CHECK(ka_java_strcmp("\xf0\x9f\x98\x80", "\xef\xbf\xbd") < 0);

	kd_rng r;
	kd_rng_seed(&r, 42);
	CHECK(kd_rng_below(&r, 10) < 10);

	/* the seed's group through the builder, assigned by range */
	ka_builder *b = ka_builder_new(nullptr, nullptr);
	CHECK(b != nullptr);
	if (!b)
		return 1;
	CHECK(ka_builder_add_topic(b, "t0", 7) == 0);
	const char *ids[] = {"c3", "c1", "c2"};
	for (uint32_t i = 0; i < 3; i++) {
		CHECK(ka_builder_add_member(b, ids[i], nullptr, nullptr, KA_NO_GENERATION) == i);
		CHECK(ka_builder_subscribe(b, i, "t0", 0) == 0);
	}
	ka_group *g = nullptr;
	CHECK(ka_builder_finish(b, &g) == KA_OK);
	ka_builder_free(b);
	if (!g)
		return 1;

	const ka_strategy *s = ka_strategy_find("range");
	CHECK(s != nullptr);
	CHECK(ka_strategy_count() >= 2);
	if (s) {
		std::vector<unsigned char> buf(ka_workspace_size(s, g) + 64);
		void *ws = buf.data();
		std::size_t space = buf.size();
		/* std::align keeps the pointer arithmetic defined */
		ws = std::align(64, ka_workspace_size(s, g), ws, space);
		std::vector<uint32_t> owner(g->n_partitions);
		CHECK(ka_assign(s, g, ws, ka_workspace_size(s, g), owner.data()) == KA_OK);
		const uint32_t want[7] = {0, 0, 0, 1, 1, 2, 2}; /* c1 [0,1,2], c2 [3,4], c3 [5,6] */
		CHECK(std::memcmp(owner.data(), want, sizeof want) == 0);
		CHECK(ka_assignment_validate(g, owner.data(), 0, nullptr, nullptr) == 0);
	}
	CHECK(group_summary(g) == 7 + 2); /* 7 partitions, "c1" */
	ka_group_free(g);
	if (failures)
		std::fprintf(stderr, "test_header: %d checks failed\n", failures);
	return failures ? 1 : 0;
}
