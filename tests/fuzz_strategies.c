/*
 * fuzz_strategies.c - every strategy of the table on groups decoded from
 * the fuzzer's bytes.
 *
 * The bytes are read as a small group description (up to 40 topics of up
 * to 9 partitions, up to 16 members, racks on members and partitions,
 * subscriptions as bit sets, generations, claims that may repeat, conflict
 * or fall out of range) and built through the public builder, which turns
 * whatever it is into a valid group or refuses it. Then each strategy in
 * ka_strategy_at() order, so strategies added later are covered too, must
 *
 *   - return 0 (a valid group is always assignable; KA_EKAFKA, "Kafka's
 *     own answer is not an assignment", is the one refusal allowed, and
 *     must come again on the second run),
 *   - produce an assignment ka_assignment_validate() accepts (cooperative
 *     strategies may withhold a partition changing owner), and
 *   - produce it again from a workspace filled with other garbage.
 *
 * A failure prints the strategy and the group as a scenario file (replay it
 * with `kassign assign --strategy NAME FILE`) and aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct bytes {
	const uint8_t *p, *end;
};

static unsigned next(struct bytes *b)
{
	return b->p < b->end ? *b->p++ : 0;
}

static void ignore_diag(void *ctx, const ka_diag *d)
{
	(void)ctx;
	(void)d;
}

static ka_group *decode(struct bytes *in)
{
	static const char *const racks[] = {"r0", "r1", "r2", "r3"};
	ka_builder *b = ka_builder_new(ignore_diag, NULL);
	if (!b)
		abort();
	uint32_t T = 1 + next(in) % 40, M = 1 + next(in) % 16, R = next(in) % 5;
	uint32_t parts[40];
	char name[32];
	for (uint32_t t = 0; t < T; t++) {
		parts[t] = next(in) % 10;
		snprintf(name, sizeof name, "t%02u", t);
		ka_builder_add_topic(b, name, parts[t]);
		unsigned mode = R ? next(in) % 3 : 0; /* 0: no racks, 1: one each, 2: mixed */
		for (uint32_t p = 0; mode && p < parts[t]; p++) {
			unsigned mask = next(in);
			for (uint32_t r = 0; r < R; r++)
				if (mode == 1 ? r == mask % R : (mask >> r) & 1)
					ka_builder_add_partition_rack(b, t, p, racks[r]);
		}
	}
	for (uint32_t m = 0; m < M; m++) {
		unsigned flags = next(in);
		snprintf(name, sizeof name, "c%02u", m);
		char inst[32];
		snprintf(inst, sizeof inst, "i%02u", m);
		const char *rack = R && (flags & 1) ? racks[next(in) % R] : NULL;
		int64_t gen = (flags & 2) ? (int64_t)(next(in) % 4) : KA_NO_GENERATION;
		if (ka_builder_add_member(b, name, (flags & 4) ? inst : NULL, rack, gen) < 0)
			break;
		if (flags & 8) {
			for (uint32_t t = 0; t < T; t++)
				ka_builder_subscribe_index(b, m, t);
		} else {
			for (uint32_t t = 0; t < T; t += 8) {
				unsigned bits = next(in);
				for (uint32_t k = 0; k < 8 && t + k < T; k++)
					if ((bits >> k) & 1)
						ka_builder_subscribe_index(b, m, t + k);
			}
		}
		unsigned claims = (flags >> 4) % 8;
		for (unsigned c = 0; c < claims; c++) {
			uint32_t t = next(in) % T;
			ka_builder_add_owned_index(b, m, t, (int64_t)(next(in) % (parts[t] + 2)),
						   KA_NONE);
		}
	}
	ka_group *g = NULL;
	if (ka_builder_finish(b, &g) != 0)
		g = NULL;
	ka_builder_free(b);
	return g;
}

static void *ws_alloc(size_t size, int fill)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, size ? size : 64) != 0)
		abort();
	memset(p, fill, size ? size : 64);
	return p;
}

static void fail(const ka_group *g, const ka_strategy *s, const char *what)
{
	fprintf(stderr, "strategy %s: %s on this group:\n", s->name, what);
	kd_scenario_write(stderr, g);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes in = {data, data + size};
	ka_group *g = decode(&in);
	if (!g)
		return 0;
	uint32_t *a = malloc(((size_t)g->n_partitions + 1) * sizeof *a);
	uint32_t *b = malloc(((size_t)g->n_partitions + 1) * sizeof *b);
	if (!a || !b)
		abort();
	for (size_t i = 0; i < ka_strategy_count(); i++) {
		const ka_strategy *s = ka_strategy_at(i);
		size_t n = ka_workspace_size(s, g);
		void *ws = ws_alloc(n, 0x00);
		int rc = ka_assign(s, g, ws, n, a);
		if (rc == KA_EKAFKA) {
			free(ws);
			ws = ws_alloc(n, 0xa5);
			if (ka_assign(s, g, ws, n, b) != KA_EKAFKA)
				fail(g, s, "KA_EKAFKA once, not the second time");
			free(ws);
			continue;
		}
		if (rc != 0)
			fail(g, s, "the assign call returned an error");
		int withheld = (s->flags & KA_STRATEGY_COOPERATIVE) != 0;
		if (ka_assignment_validate(g, a, withheld, NULL, NULL) != 0)
			fail(g, s, "invalid assignment");
		free(ws);
		ws = ws_alloc(n, 0xa5);
		if (ka_assign(s, g, ws, n, b) != 0 ||
		    memcmp(a, b, (size_t)g->n_partitions * sizeof *a) != 0)
			fail(g, s, "another answer from the same input");
		free(ws);
	}
	free(a);
	free(b);
	ka_group_free(g);
	return 0;
}
