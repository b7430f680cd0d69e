/*
 * test_model.c - the builder and the group model: orders, CSR lists,
 * claims and their resolution, flags, diagnostics, limits, and the small
 * utilities (ka_java_strcmp, ka_strerror, ka_group_partition_topic).
 *
 * Suites: order, model, ownership, diagnostics, limits, utilities, random.
 * The random suite builds thousands of random descriptions and checks the
 * model against the description it came from (KT_SEED, KT_CASE replay).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ktest.h"
#include "testgroups.h"

#define SEED_MODEL 0x6b61737369676e10ull
#define N_CASES    3000

/* ------------------------------------------------------------------ Java String order, by hand */

/* UTF-8 to UTF-16 code units, for valid UTF-8 (the test's own strings). */
static size_t utf16(const char *s, uint16_t *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (*p && n + 2 <= cap) {
		uint32_t c;
		if (*p < 0x80) {
			c = *p++;
		} else if (*p < 0xE0) {
			c = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
			p += 2;
		} else if (*p < 0xF0) {
			c = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 |
			    (p[2] & 0x3F);
			p += 3;
		} else {
			c = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
			    (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
			p += 4;
		}
		if (c >= 0x10000) {
			c -= 0x10000;
			out[n++] = (uint16_t)(0xD800 + (c >> 10));
			out[n++] = (uint16_t)(0xDC00 + (c & 0x3FF));
		} else {
			out[n++] = (uint16_t)c;
		}
	}
	return n;
}

/* String.compareTo: first differing UTF-16 unit, else the length. */
static int java_cmp(const char *a, const char *b)
{
	uint16_t ua[256], ub[256];
	size_t na = utf16(a, ua, 256), nb = utf16(b, ub, 256);
	for (size_t i = 0; i < na && i < nb; i++)
		if (ua[i] != ub[i])
			return ua[i] < ub[i] ? -1 : 1;
	return na < nb ? -1 : na > nb;
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* MemberInfo.compareTo, with equal instance ids falling back to member_id as
 * the header defines. */
static int member_cmp(const char *id_a, const char *inst_a, const char *id_b, const char *inst_b)
{
	if (inst_a && inst_b) {
		int c = java_cmp(inst_a, inst_b);
		return c ? c : java_cmp(id_a, id_b);
	}
	if (inst_a)
		return -1;
	if (inst_b)
		return 1;
	return java_cmp(id_a, id_b);
}

/* ------------------------------------------------------------------ order suite */

static void test_topic_order(void)
{
	/* added out of order; expected is Java's TreeSet order */
	static const tg_topic topics[] = {{"t2", 1, NULL},
					  {"\xef\xbf\xbd", 1, NULL},
					  {"t10", 1, NULL},
					  {"a", 1, NULL},
					  {"\xf0\x9f\x98\x80", 1, NULL},
					  {"B", 1, NULL},
					  {"t1", 1, NULL},
					  {"T1", 1, NULL},
					  {"\xc3\xa9", 1, NULL},
					  {"t1-x", 1, NULL},
					  {"\xee\x80\x80", 1, NULL}};
	static const char *const expected[] = {
	    "B",
	    "T1",
	    "a",
	    "t1",
	    "t1-x",
	    "t10",
	    "t2",
	    "\xc3\xa9" /* U+00E9 */,
	    "\xf0\x9f\x98\x80" /* U+1F600: surrogates D83D DE00 */,
	    "\xee\x80\x80" /* U+E000 */,
	    "\xef\xbf\xbd" /* U+FFFD */};
	static const tg_member members[] = {{.id = "m"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(g->n_topics, TG_LEN(expected));
	for (uint32_t t = 0; t < g->n_topics; t++) {
		CU_ASSERT_STRING_EQUAL(g->topic_name[t], expected[t]);
		if (strcmp(g->topic_name[t], expected[t]) != 0)
			fprintf(stderr, "topic %u: got '%s', expected '%s'\n", t, g->topic_name[t],
				expected[t]);
	}
	ka_group_free(g);
}

static void test_member_order(void)
{
	static const tg_topic topics[] = {{"t", 1, NULL}};
	static const tg_member members[] = {{"m3", .instance = "b"},
					    {.id = "m1"},
					    {"m2", .instance = "B"},
					    {.id = "M9"},
					    {"m0", .instance = "a"},
					    {.id = "\xf0\x9f\x98\x80"},
					    {.id = "\xef\xbf\xbd"},
					    {"z1", .instance = "\xef\xbf\xbd"},
					    {"z0", .instance = "\xf0\x9f\x98\x80"}};
	/* static first by instance id (Java order), then by member_id */
	static const char *const expected[] = {
	    "m2", "m0", "m3", "z0", "z1", "M9", "m1", "\xf0\x9f\x98\x80", "\xef\xbf\xbd"};
	/* by member_id alone */
	static const char *const by_id[] = {
	    "M9", "m0", "m1", "m2", "m3", "z0", "z1", "\xf0\x9f\x98\x80", "\xef\xbf\xbd"};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(g->n_members, TG_LEN(expected));
	for (uint32_t m = 0; m < g->n_members; m++) {
		CU_ASSERT_STRING_EQUAL(g->member_id[m], expected[m]);
		CU_ASSERT_STRING_EQUAL(g->member_id[g->id_order[m]], by_id[m]);
	}
	uint32_t m2 = tg_member_index(g, "m2"), m1 = tg_member_index(g, "m1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g->instance_id[m2]);
	CU_ASSERT_STRING_EQUAL(g->instance_id[m2], "B");
	CU_ASSERT_PTR_NULL(g->instance_id[m1]);
	CU_ASSERT(g->flags & KA_GROUP_STATIC);
	ka_group_free(g);
}

/* Two members with one instance id (a broker would fence one): member_id
 * decides, and the builder warns. */
static void test_equal_instance_ids(void)
{
	static const tg_topic topics[] = {{"t", 1, NULL}};
	static const tg_member members[] = {
	    {"x2", .instance = "i"}, {"x1", .instance = "i"}, {.id = "a0"}};
	tg_diags *ds = malloc(sizeof *ds);
	ka_group *g;
	CU_ASSERT_EQUAL_FATAL(tg_build_ex(topics, 1, members, 3, ds, &g), 0);
	CU_ASSERT_STRING_EQUAL(g->member_id[0], "x1");
	CU_ASSERT_STRING_EQUAL(g->member_id[1], "x2");
	CU_ASSERT_STRING_EQUAL(g->member_id[2], "a0");
	const tg_diag *d = tg_diag_find(ds, KA_WDUP_INSTANCE_ID);
	CU_ASSERT_PTR_NOT_NULL(d);
	if (d)
		CU_ASSERT((d->member == 0 && d->other == 1) || (d->member == 1 && d->other == 0));
	ka_group_free(g);
	free(ds);
}

/* ------------------------------------------------------------------ model suite */

static void test_csr(void)
{
	static const tg_topic topics[] = {
	    {"c", 3, NULL}, {"a", 2, NULL}, {"d", 1, NULL}, {"b", 0, NULL}};
	static const tg_member members[] = {
	    {"m1", .topics = "c a"}, {"m2", .topics = "b"}, {.id = "m3"}, {"m4", .topics = "a c"}};
	ka_group *g = TG_BUILD(topics, members);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(g->n_topics, 4);
	CU_ASSERT_EQUAL(g->n_members, 4);
	CU_ASSERT_EQUAL(g->n_partitions, 6);
	/* a b c d */
	static const uint32_t off[] = {0, 2, 2, 5, 6};
	for (uint32_t t = 0; t <= 4; t++)
		CU_ASSERT_EQUAL(g->topic_off[t], off[t]);
	/* m1 {a, c}, m2 {b}, m3 {}, m4 {a, c} */
	static const uint32_t sub_off[] = {0, 2, 3, 3, 5};
	static const uint32_t sub_topic[] = {0, 2, 1, 0, 2};
	for (uint32_t m = 0; m <= 4; m++)
		CU_ASSERT_EQUAL(g->sub_off[m], sub_off[m]);
	for (uint32_t k = 0; k < 5; k++)
		CU_ASSERT_EQUAL(g->sub_topic[k], sub_topic[k]);
	/* a {m1, m4}, b {m2}, c {m1, m4}, d {} */
	static const uint32_t tsub_off[] = {0, 2, 3, 5, 5};
	static const uint32_t tsub_member[] = {0, 3, 1, 0, 3};
	for (uint32_t t = 0; t <= 4; t++)
		CU_ASSERT_EQUAL(g->tsub_off[t], tsub_off[t]);
	for (uint32_t k = 0; k < 5; k++)
		CU_ASSERT_EQUAL(g->tsub_member[k], tsub_member[k]);
	/* classes in order of first topic: a 0, b 1, c 0 (same as a), d 2 */
	CU_ASSERT_EQUAL(g->n_topic_classes, 3);
	CU_ASSERT_EQUAL(g->topic_class[0], 0);
	CU_ASSERT_EQUAL(g->topic_class[1], 1);
	CU_ASSERT_EQUAL(g->topic_class[2], 0);
	CU_ASSERT_EQUAL(g->topic_class[3], 2);
	static const uint32_t topic_of[] = {0, 0, 2, 2, 2, 3};
	for (uint32_t p = 0; p < 6; p++)
		CU_ASSERT_EQUAL(ka_group_partition_topic(g, p), topic_of[p]);
	CU_ASSERT_FALSE(g->flags & KA_GROUP_HOMOGENEOUS);
	CU_ASSERT_FALSE(g->flags & (KA_GROUP_OWNED | KA_GROUP_MEMBER_RACKS |
				    KA_GROUP_PARTITION_RACKS | KA_GROUP_STATIC));
	CU_ASSERT_EQUAL(g->own_off[4], 0);
	for (uint32_t p = 0; p < 6; p++) {
		CU_ASSERT_EQUAL(g->prev_owner[p], KA_NONE);
		CU_ASSERT_EQUAL(g->prack_off[p + 1], 0);
	}
	CU_ASSERT_EQUAL(g->n_racks, 0);
	for (uint32_t m = 0; m < 4; m++) {
		CU_ASSERT_EQUAL(g->generation[m], KA_NO_GENERATION);
		CU_ASSERT_EQUAL(g->member_rack[m], KA_NO_RACK);
	}
	CU_ASSERT_PTR_NOT_NULL(g->name);
	if (g->name)
		CU_ASSERT_STRING_EQUAL(g->name, "");
	ka_group_free(g);
}

static void test_flags(void)
{
	static const tg_topic topics[] = {{"t0", 2, "a|"}, {"t1", 1, NULL}};
	/* same set in another order, with an unknown topic and a duplicate:
	 * still homogeneous; rack "" is no rack */
	static const tg_member homog[] = {{"m1", .rack = "", .topics = "t0 t1"},
					  {"m2", .topics = "t1 t0 ghost t1"}};
	static const tg_member hetero[] = {{"m1", .instance = "i", .rack = "r", .topics = "t0"},
					   {"m2", .topics = "t0 t1", .owned = "t1:0"}};
	ka_group *g = TG_BUILD(topics, homog);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(g->flags, KA_GROUP_HOMOGENEOUS | KA_GROUP_PARTITION_RACKS);
	CU_ASSERT_EQUAL(g->member_rack[0], KA_NO_RACK);
	CU_ASSERT_EQUAL(g->n_racks, 1);
	CU_ASSERT_EQUAL(g->prack_off[1] - g->prack_off[0], 1);
	CU_ASSERT_EQUAL(g->prack_off[2] - g->prack_off[1], 0);
	ka_group_free(g);

	g = TG_BUILD(topics, hetero);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(g->flags, KA_GROUP_OWNED | KA_GROUP_MEMBER_RACKS |
				      KA_GROUP_PARTITION_RACKS | KA_GROUP_STATIC);
	ka_group_free(g);

	static const tg_topic bare[] = {{"t0", 2, NULL}};
	static const tg_member one[] = {{"m1", .topics = "t0"}};
	g = TG_BUILD(bare, one);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(g->flags, KA_GROUP_HOMOGENEOUS);
	ka_group_free(g);
}

static void test_racks(void)
{
	/* first appearance: c, a (partitions), b (member) */
	static const tg_topic topics[] = {{"t0", 3, "c,a|a,c,c||"}};
	static const tg_member members[] = {{"m1", .rack = "b", .topics = "t0"},
					    {"m2", .rack = "a", .topics = "t0"},
					    {"m3", .topics = "t0"}};
	tg_diags *ds = malloc(sizeof *ds);
	ka_group *g;
	CU_ASSERT_EQUAL_FATAL(tg_build_ex(topics, 1, members, 3, ds, &g), 0);
	CU_ASSERT_EQUAL_FATAL(g->n_racks, 3);
	CU_ASSERT_STRING_EQUAL(g->rack_name[0], "c");
	CU_ASSERT_STRING_EQUAL(g->rack_name[1], "a");
	CU_ASSERT_STRING_EQUAL(g->rack_name[2], "b");
	CU_ASSERT_EQUAL(g->member_rack[0], 2);
	CU_ASSERT_EQUAL(g->member_rack[1], 1);
	CU_ASSERT_EQUAL(g->member_rack[2], KA_NO_RACK);
	static const uint32_t off[] = {0, 2, 4, 4};
	static const uint16_t racks[] = {0, 1, 0, 1};
	for (uint32_t p = 0; p <= 3; p++)
		CU_ASSERT_EQUAL(g->prack_off[p], off[p]);
	for (uint32_t k = 0; k < 4; k++)
		CU_ASSERT_EQUAL(g->prack[k], racks[k]);
	const tg_diag *d = tg_diag_find(ds, KA_WDUP_PARTITION_RACK);
	CU_ASSERT_PTR_NOT_NULL(d);
	if (d) {
		CU_ASSERT_EQUAL(d->topic, 0);
		CU_ASSERT_EQUAL(d->partition, 1);
		CU_ASSERT_STRING_EQUAL(d->name, "c");
	}
	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_WDUP_PARTITION_RACK), 1);
	ka_group_free(g);
	free(ds);
}

static void test_fields_and_name(void)
{
	ka_builder *b = ka_builder_new(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(ka_builder_set_name(b, "scenario-1"), 0);
	CU_ASSERT_EQUAL(ka_builder_add_topic(b, "x", 2), 0);
	CU_ASSERT_EQUAL(ka_builder_add_topic(b, "w", 1), 1);
	/* by index: input indices, not model ids */
	CU_ASSERT_EQUAL(ka_builder_add_member(b, "m", "inst", "r", 7), 0);
	CU_ASSERT_EQUAL(ka_builder_subscribe_index(b, 0, 0), 0);
	CU_ASSERT_EQUAL(ka_builder_add_owned_index(b, 0, 0, 1, KA_NONE), 0);
	CU_ASSERT(ka_builder_subscribe_index(b, 0, 2) < 0); /* no topic 2 */
	CU_ASSERT(ka_builder_subscribe_index(b, 3, 0) < 0); /* no member 3 */
	CU_ASSERT(ka_builder_subscribe(b, 9, "x", 0) < 0);
	CU_ASSERT_EQUAL(ka_builder_add_member(b, "k", NULL, NULL, KA_NO_GENERATION), 1);
	CU_ASSERT_EQUAL(ka_builder_subscribe_index(b, 1, 1), 0);
	CU_ASSERT_EQUAL(ka_builder_add_owned_index(b, 1, 1, 0, KA_NONE), 0);
	CU_ASSERT_EQUAL(ka_builder_add_member(b, "j", NULL, NULL, INT32_MAX), 2);
	ka_group *g = NULL;
	CU_ASSERT_EQUAL_FATAL(ka_builder_finish(b, &g), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	ka_builder_free(b);

	CU_ASSERT_STRING_EQUAL(g->name, "scenario-1");
	/* topics w (1 partition), x (2); members m (static), j, k */
	CU_ASSERT_STRING_EQUAL(g->topic_name[0], "w");
	CU_ASSERT_STRING_EQUAL(g->topic_name[1], "x");
	uint32_t m = 0;
	CU_ASSERT_STRING_EQUAL(g->member_id[m], "m");
	CU_ASSERT_STRING_EQUAL(g->instance_id[m], "inst");
	CU_ASSERT_EQUAL(g->generation[m], 7);
	CU_ASSERT_STRING_EQUAL(g->rack_name[g->member_rack[m]], "r");
	CU_ASSERT_EQUAL(g->sub_off[m + 1] - g->sub_off[m], 1);
	CU_ASSERT_EQUAL(g->sub_topic[g->sub_off[m]], 1);
	CU_ASSERT_EQUAL(g->own_off[m + 1] - g->own_off[m], 1);
	CU_ASSERT_EQUAL(g->own_part[g->own_off[m]], g->topic_off[1] + 1);
	CU_ASSERT_EQUAL(g->prev_owner[g->topic_off[1] + 1], m);
	CU_ASSERT_STRING_EQUAL(g->member_id[1], "j");
	CU_ASSERT_EQUAL(g->generation[1], INT32_MAX);
	CU_ASSERT_STRING_EQUAL(g->member_id[2], "k");
	CU_ASSERT_EQUAL(g->generation[2], KA_NO_GENERATION);
	CU_ASSERT_EQUAL(g->prev_owner[0], 2);
	ka_group_free(g);
	ka_group_free(NULL);
}

/* After finish the builder can only be freed: every call is out of
 * life-cycle order (KA_ESTATE), and *out stays NULL. */
static void test_after_finish(void)
{
	ka_builder *b = ka_builder_new(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(ka_builder_add_topic(b, "t", 1), 0);
	CU_ASSERT_EQUAL(ka_builder_add_member(b, "m", NULL, NULL, KA_NO_GENERATION), 0);
	ka_group *g = NULL;
	CU_ASSERT_EQUAL_FATAL(ka_builder_finish(b, &g), 0);
	ka_group *g2 = (ka_group *)&g;
	CU_ASSERT_EQUAL(ka_builder_finish(b, &g2), KA_ESTATE);
	CU_ASSERT_PTR_NULL(g2);
	CU_ASSERT_EQUAL(ka_builder_add_member(b, "late", NULL, NULL, KA_NO_GENERATION), KA_ESTATE);
	CU_ASSERT_EQUAL(ka_builder_subscribe(b, 0, "t", 0), KA_ESTATE);
	ka_builder_free(b);
	ka_group_free(g);
}

/* ------------------------------------------------------------------ ownership suite */

static void test_prev_owner(void)
{
	static const tg_topic topics[] = {{"t", 9, NULL}};
	static const tg_member members[] = {
	    /* p0: m1 only. p1: m2 (5) beats m1 (2). p2: m2 (5) beats m3 (absent).
	     * p3: m4 and m5 tie at 3 above m3: nobody. p4: m3 (absent, -1) loses
	     * to m6 (0). p5: m3 and m7, both absent: tie, nobody. p6: m4, m5 tie at
	     * 3 but m2 has 5: m2. p7: m3 alone, absent: m3. p8: nobody claims. */
	    {"m1", .topics = "t", .owned = "t:0,1", .gen = "2"},
	    {"m2", .topics = "t", .owned = "t:1,2,6", .gen = "5"},
	    {"m3", .topics = "t", .owned = "t:2,3,4,5,7"},
	    {"m4", .topics = "t", .owned = "t:3,6", .gen = "3"},
	    {"m5", .topics = "t", .owned = "t:6 t:3", .gen = "3"},
	    {"m6", .topics = "t", .owned = "t:4", .gen = "0"},
	    {"m7", .topics = "t", .owned = "t:5"}};
	tg_diags *ds = malloc(sizeof *ds);
	ka_group *g;
	CU_ASSERT_EQUAL_FATAL(tg_build_ex(topics, 1, members, TG_LEN(members), ds, &g), 0);
	const char *want[] = {"m1", "m2", "m2", NULL, "m6", NULL, "m2", "m3", NULL};
	for (uint32_t p = 0; p < 9; p++) {
		uint32_t o = g->prev_owner[p];
		if (!want[p]) {
			CU_ASSERT_EQUAL(o, KA_NONE);
		} else {
			CU_ASSERT_EQUAL(o, tg_member_index(g, want[p]));
		}
		if (want[p] ? o != tg_member_index(g, want[p]) : o != KA_NONE)
			fprintf(stderr, "prev_owner[%u] = %u, expected %s\n", p, o,
				want[p] ? want[p] : "nobody");
	}
	/* every claim stays in own_part, winners and losers alike, ascending */
	uint32_t m5 = tg_member_index(g, "m5"), m3 = tg_member_index(g, "m3");
	CU_ASSERT_EQUAL_FATAL(g->own_off[m5 + 1] - g->own_off[m5], 2);
	CU_ASSERT_EQUAL(g->own_part[g->own_off[m5]], 3);
	CU_ASSERT_EQUAL(g->own_part[g->own_off[m5] + 1], 6);
	CU_ASSERT_EQUAL(g->own_off[m3 + 1] - g->own_off[m3], 5);
	CU_ASSERT_EQUAL(g->generation[m3], KA_NO_GENERATION);
	CU_ASSERT_EQUAL(g->own_off[g->n_members], 16);
	/* the two ties are reported */
	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_WOWNED_CONFLICT), 2);
	CU_ASSERT(g->flags & KA_GROUP_OWNED);
	ka_group_free(g);
	free(ds);
}

/* A claim on a topic the member no longer subscribes: kept (it counts for
 * movement), warned about. */
static void test_unsubscribed_claim(void)
{
	static const tg_topic topics[] = {{"t0", 2, NULL}, {"t1", 2, NULL}};
	static const tg_member members[] = {
	    {"m1", .topics = "t0", .owned = "t1:1 t0:0", .gen = "1"}, {"m2", .topics = "t1"}};
	tg_diags *ds = malloc(sizeof *ds);
	ka_group *g;
	CU_ASSERT_EQUAL_FATAL(tg_build_ex(topics, 2, members, 2, ds, &g), 0);
	CU_ASSERT_EQUAL_FATAL(g->own_off[1], 2);
	CU_ASSERT_EQUAL(g->own_part[0], 0);
	CU_ASSERT_EQUAL(g->own_part[1], 3);
	CU_ASSERT_EQUAL(g->prev_owner[3], 0);
	const tg_diag *d = tg_diag_find(ds, KA_WOWNED_UNSUBSCRIBED);
	CU_ASSERT_PTR_NOT_NULL(d);
	if (d) {
		CU_ASSERT_EQUAL(d->member, 0);
		CU_ASSERT_EQUAL(d->topic, 1);
		CU_ASSERT_EQUAL(d->partition, 1);
		CU_ASSERT_EQUAL(d->item, 0);
	}
	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_WOWNED_UNSUBSCRIBED), 1);
	ka_group_free(g);
	free(ds);
}

/* ------------------------------------------------------------------ diagnostics suite */

static void test_duplicate_member(void)
{
	static const tg_topic topics[] = {{"t", 1, NULL}};
	static const tg_member members[] = {{.id = "a"}, {.id = "b"}, {.id = "a"}};
	tg_diags *ds = malloc(sizeof *ds);
	ka_group *g = (ka_group *)1;
	CU_ASSERT_EQUAL(tg_build_ex(topics, 1, members, 3, ds, &g), KA_EDUPMEMBER);
	CU_ASSERT_PTR_NULL(g);
	const tg_diag *d = tg_diag_find(ds, KA_EDUPMEMBER);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT((d->member == 0 && d->other == 2) || (d->member == 2 && d->other == 0));
	CU_ASSERT_STRING_EQUAL(d->name, "a");
	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_EDUPMEMBER), 1);
	free(ds);
}

static void test_duplicate_topic(void)
{
	static const tg_topic topics[] = {{"t", 1, NULL}, {"u", 2, NULL}, {"t", 3, NULL}};
	static const tg_member members[] = {{"a", .topics = "t"}};
	tg_diags *ds = malloc(sizeof *ds);
	ka_group *g = (ka_group *)1;
	CU_ASSERT_EQUAL(tg_build_ex(topics, 3, members, 1, ds, &g), KA_EDUPTOPIC);
	CU_ASSERT_PTR_NULL(g);
	const tg_diag *d = tg_diag_find(ds, KA_EDUPTOPIC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	/* both input indices: the topic field and the "second" index */
	CU_ASSERT((d->topic == 0 && d->other == 2) || (d->topic == 2 && d->other == 0));
	if (!((d->topic == 0 && d->other == 2) || (d->topic == 2 && d->other == 0)))
		fprintf(stderr, "KA_EDUPTOPIC diag: topic %u other %u member %u, wanted 0 and 2\n",
			d->topic, d->other, d->member);
	CU_ASSERT_STRING_EQUAL(d->name, "t");
	free(ds);
}

/* Names that Java order ranks equal but that differ in bytes (an invalid
 * byte stands for itself: "\x80" ranks with U+0080) must not hide a true
 * duplicate between them. */
static void test_duplicate_between_java_equals(void)
{
	static const tg_topic topics[] = {
	    {"\x80", 1, NULL}, {"\xc2\x80", 1, NULL}, {"\x80", 1, NULL}};
	static const tg_member members[] = {{.id = "m\x80"}, {.id = "m\xc2\x80"}, {.id = "m\x80"}};
	tg_diags *ds = malloc(sizeof *ds);
	ka_group *g = NULL;
	int rc = tg_build_ex(topics, 3, members, 3, ds, &g);
	CU_ASSERT(rc == KA_EDUPTOPIC || rc == KA_EDUPMEMBER);
	CU_ASSERT_PTR_NULL(g);
	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_EDUPTOPIC), 1);
	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_EDUPMEMBER), 1);
	if (g) {
		fprintf(stderr, "duplicates built into a group: topics");
		for (uint32_t t = 0; t < g->n_topics; t++)
			fprintf(stderr, " '%s'", g->topic_name[t]);
		fprintf(stderr, "\n");
	}
	ka_group_free(g);
	free(ds);
}

/* Every error is reported, not only the first. */
static void test_all_errors_reported(void)
{
	static const tg_topic topics[] = {
	    {"t", 1, NULL}, {"t", 1, NULL}, {"v", 1, NULL}, {"v", 1, NULL}};
	static const tg_member members[] = {{.id = "a"}, {.id = "a"}, {.id = "b"}, {.id = "b"}};
	tg_diags *ds = malloc(sizeof *ds);
	ka_group *g = (ka_group *)1;
	int rc = tg_build_ex(topics, 4, members, 4, ds, &g);
	CU_ASSERT(rc == KA_EDUPTOPIC || rc == KA_EDUPMEMBER);
	CU_ASSERT_PTR_NULL(g);
	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_EDUPTOPIC), 2);
	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_EDUPMEMBER), 2);
	free(ds);
}

static void test_warnings(void)
{
	static const tg_topic topics[] = {{"t0", 2, NULL}, {"t1", 0, NULL}};
	static const tg_member members[] = {
	    {"m0", .topics = "t0 ghost t0", .owned = "t0:1 t0:2 t0:1 nope:0"},
	    {"m1", .topics = "ghost"},
	    {.id = "m2"},
	    {"m3", .topics = "t1", .owned = "t1:0"}};
	tg_diags *ds = malloc(sizeof *ds);
	ka_group *g;
	CU_ASSERT_EQUAL_FATAL(tg_build_ex(topics, 2, members, 4, ds, &g), 0);
	CU_ASSERT_EQUAL(ds->call_error, 0);

	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_WUNKNOWN_TOPIC), 2);
	const tg_diag *d = tg_diag_find(ds, KA_WUNKNOWN_TOPIC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->member, 0);
	CU_ASSERT_EQUAL(d->item, 1);
	CU_ASSERT_STRING_EQUAL(d->name, "ghost");

	d = tg_diag_find(ds, KA_WDUP_SUBSCRIPTION);
	CU_ASSERT_PTR_NOT_NULL(d);
	if (d) {
		CU_ASSERT_EQUAL(d->member, 0);
		CU_ASSERT_EQUAL(d->item, 2);
	}
	/* m1 only unknown topics, m2 none at all */
	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_WNO_SUBSCRIPTION), 2);

	/* t0:2 is past the end; t1 has no partition 0 */
	CU_ASSERT_EQUAL(tg_diag_count(ds, KA_WOWNED_OUT_OF_RANGE), 2);
	d = tg_diag_find(ds, KA_WOWNED_OUT_OF_RANGE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->member, 0);
	CU_ASSERT_EQUAL(d->topic, 0);
	CU_ASSERT_EQUAL(d->partition, 2);
	CU_ASSERT_EQUAL(d->item, 1);
	d = tg_diag_find(ds, KA_WOWNED_DUPLICATE);
	CU_ASSERT_PTR_NOT_NULL(d);
	if (d) {
		CU_ASSERT_EQUAL(d->member, 0);
		CU_ASSERT_EQUAL(d->partition, 1);
		CU_ASSERT_EQUAL(d->item, 2);
	}
	d = tg_diag_find(ds, KA_WOWNED_UNKNOWN_TOPIC);
	CU_ASSERT_PTR_NOT_NULL(d);
	if (d) {
		CU_ASSERT_EQUAL(d->member, 0);
		CU_ASSERT_EQUAL(d->item, 3);
		CU_ASSERT_STRING_EQUAL(d->name, "nope");
	}

	/* what was dropped is gone, what was doubled counts once */
	uint32_t m0 = tg_member_index(g, "m0");
	CU_ASSERT_EQUAL(g->sub_off[m0 + 1] - g->sub_off[m0], 1);
	CU_ASSERT_EQUAL_FATAL(g->own_off[m0 + 1] - g->own_off[m0], 1);
	CU_ASSERT_EQUAL(g->own_part[g->own_off[m0]], 1);
	CU_ASSERT_EQUAL(g->own_off[g->n_members], 1);
	CU_ASSERT_EQUAL(g->n_partitions, 2);
	ka_group_free(g);
	free(ds);
}

static void test_bad_arguments(void)
{
	ka_builder *b = ka_builder_new(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	ka_group *g = (ka_group *)1;
	int64_t rc = ka_builder_add_topic(b, "neg", -1);
	int rf = 0;
	if (rc >= 0)
		rf = ka_builder_finish(b, &g);
	/* refused at the call or at finish */
	CU_ASSERT(rc == KA_ERANGE || rf == KA_ERANGE);
	ka_builder_free(b);

	const int64_t bad_gens[] = {-2, (int64_t)INT32_MAX + 1, INT64_MIN};
	for (size_t i = 0; i < TG_LEN(bad_gens); i++) {
		b = ka_builder_new(NULL, NULL);
		g = (ka_group *)1;
		rc = ka_builder_add_member(b, "m", NULL, NULL, bad_gens[i]);
		rf = 0;
		if (rc >= 0)
			rf = ka_builder_finish(b, &g);
		CU_ASSERT(rc == KA_ERANGE || rf == KA_ERANGE);
		if (rc >= 0 && rf == 0)
			ka_group_free(g);
		ka_builder_free(b);
	}

	/* topics come first */
	b = ka_builder_new(NULL, NULL);
	CU_ASSERT_EQUAL(ka_builder_add_topic(b, "t", 1), 0);
	CU_ASSERT_EQUAL(ka_builder_add_member(b, "m", NULL, NULL, KA_NO_GENERATION), 0);
	CU_ASSERT_EQUAL(ka_builder_add_topic(b, "u", 1), KA_ESTATE);
	CU_ASSERT(ka_builder_add_partition_rack(b, 0, 1, "r") < 0); /* partition 1 of 1 */
	CU_ASSERT(ka_builder_add_partition_rack(b, 5, 0, "r") < 0); /* no topic 5 */
	g = NULL;
	CU_ASSERT_EQUAL(ka_builder_finish(b, &g), 0);
	CU_ASSERT_PTR_NOT_NULL(g);
	if (g)
		CU_ASSERT_EQUAL(g->n_topics, 1);
	ka_group_free(g);
	ka_builder_free(b);
}

/* ------------------------------------------------------------------ limits suite */

static int build_topics(const int64_t *counts, size_t n, ka_group **out)
{
	ka_builder *b = ka_builder_new(NULL, NULL);
	int rc = 0;
	char name[32];
	*out = NULL;
	for (size_t i = 0; i < n && rc == 0; i++) {
		snprintf(name, sizeof name, "t%zu", i);
		int64_t r = ka_builder_add_topic(b, name, counts[i]);
		if (r < 0)
			rc = (int)r;
	}
	if (rc == 0 && ka_builder_add_member(b, "m", NULL, NULL, KA_NO_GENERATION) < 0)
		rc = KA_EINVAL;
	if (rc == 0)
		rc = ka_builder_finish(b, out);
	ka_builder_free(b);
	return rc;
}

static void test_partition_limit(void)
{
	ka_group *g;
	const int64_t over[] = {5000000, 5000001};
	CU_ASSERT_EQUAL(build_topics(over, 2, &g), KA_ELIMIT);
	CU_ASSERT_PTR_NULL(g);
	const int64_t one_over[] = {(int64_t)KA_MAX_PARTITIONS + 1};
	CU_ASSERT_EQUAL(build_topics(one_over, 1, &g), KA_ELIMIT);
	CU_ASSERT_PTR_NULL(g);
	/* past 32 bits must not wrap into a small count */
	const int64_t wrap[] = {(int64_t)1 << 32, 1};
	CU_ASSERT_EQUAL(build_topics(wrap, 2, &g), KA_ELIMIT);
	CU_ASSERT_PTR_NULL(g);
	const int64_t wrap2[] = {UINT32_MAX, UINT32_MAX, 2};
	CU_ASSERT_EQUAL(build_topics(wrap2, 3, &g), KA_ELIMIT);
	CU_ASSERT_PTR_NULL(g);
	/* exactly at the limit builds */
	const int64_t at[] = {5000000, 5000000};
	CU_ASSERT_EQUAL(build_topics(at, 2, &g), 0);
	CU_ASSERT_PTR_NOT_NULL(g);
	if (g)
		CU_ASSERT_EQUAL(g->n_partitions, KA_MAX_PARTITIONS);
	ka_group_free(g);
}

static void test_member_limit(void)
{
	for (uint32_t n = KA_MAX_MEMBERS; n <= KA_MAX_MEMBERS + 1; n++) {
		ka_builder *b = ka_builder_new(NULL, NULL);
		int rc = ka_builder_add_topic(b, "t", 1) < 0 ? KA_EINVAL : 0;
		char id[16];
		for (uint32_t i = 0; i < n && rc == 0; i++) {
			snprintf(id, sizeof id, "m%u", i);
			int64_t r = ka_builder_add_member(b, id, NULL, NULL, KA_NO_GENERATION);
			if (r < 0)
				rc = (int)r;
		}
		ka_group *g = NULL;
		if (rc == 0)
			rc = ka_builder_finish(b, &g);
		if (n == KA_MAX_MEMBERS) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_PTR_NOT_NULL(g);
			if (g)
				CU_ASSERT_EQUAL(g->n_members, KA_MAX_MEMBERS);
		} else {
			CU_ASSERT_EQUAL(rc, KA_ELIMIT);
			CU_ASSERT_PTR_NULL(g);
		}
		ka_group_free(g);
		ka_builder_free(b);
	}
}

static void test_name_limit(void)
{
	char *name = malloc(KA_MAX_NAME + 2);
	for (size_t len = KA_MAX_NAME; len <= KA_MAX_NAME + 1; len++) {
		memset(name, 'n', len);
		name[len] = '\0';
		for (int which = 0; which < 3; which++) {
			ka_builder *b = ka_builder_new(NULL, NULL);
			int64_t r1 = ka_builder_add_topic(b, which == 0 ? name : "t", 1);
			int64_t r2 =
			    ka_builder_add_member(b, which == 1 ? name : "m", NULL,
						  which == 2 ? name : NULL, KA_NO_GENERATION);
			ka_group *g = NULL;
			int rf =
			    r1 < 0 || r2 < 0 ? (int)(r1 < 0 ? r1 : r2) : ka_builder_finish(b, &g);
			if (len == KA_MAX_NAME) {
				CU_ASSERT_EQUAL(rf, 0);
			} else {
				CU_ASSERT_EQUAL(rf, KA_ELIMIT);
				CU_ASSERT_PTR_NULL(g);
			}
			ka_group_free(g);
			ka_builder_free(b);
		}
	}
	free(name);
}

/* ------------------------------------------------------------------ utilities suite */

static void test_java_strcmp(void)
{
	static const struct {
		const char *a, *b;
		int want;
	} cases[] = {
	    {"", "", 0},
	    {"a", "a", 0},
	    {"", "a", -1},
	    {"B", "a", -1},
	    {"Z", "a", -1},
	    {"t10", "t2", -1},
	    {"t1", "t10", -1},
	    {"abc", "abd", -1},
	    {"z", "\xc3\xa9", -1},                        /* U+00E9 above ASCII */
	    {"\xc3\xa9", "\xe2\x82\xac", -1},             /* U+00E9 < U+20AC */
	    {"\xf0\x9f\x98\x80", "\xef\xbf\xbd", -1},     /* D83D < FFFD, bytes disagree */
	    {"\xf0\x9f\x98\x80", "\xee\x80\x80", -1},     /* D83D < E000 */
	    {"\xed\x9f\xbf", "\xf0\x90\x80\x80", -1},     /* U+D7FF < D800 */
	    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x81", -1}, /* low surrogates */
	    {"a\xf0\x9f\x98\x80", "a\xef\xbf\xbd", -1},
	    {"\xf0\x9f\x98\x80",
	     "\xf0\x9f\x98\x80"
	     "a",
	     -1},
	    {"\xff", "a", 1},         /* invalid byte as itself: 0xFF > 'a' */
	    {"\x80", "\xc2\x81", -1}, /* 0x80 < U+0081 */
	};
	for (size_t i = 0; i < TG_LEN(cases); i++) {
		int got = sign(ka_java_strcmp(cases[i].a, cases[i].b));
		int back = sign(ka_java_strcmp(cases[i].b, cases[i].a));
		CU_ASSERT_EQUAL(got, cases[i].want);
		CU_ASSERT_EQUAL(back, -cases[i].want);
		if (got != cases[i].want)
			fprintf(stderr, "ka_java_strcmp case %zu: got %d, want %d\n", i, got,
				cases[i].want);
	}
	/* against the by-hand comparator on every pair of a pool */
	static const char *const pool[] = {"",
					   "a",
					   "A",
					   "b",
					   "B",
					   "t1",
					   "t10",
					   "t2",
					   "T1",
					   "t1\xc3\xa9",
					   "\xc3\xa9",
					   "\xe2\x82\xac",
					   "\xef\xbf\xbd",
					   "\xf0\x9f\x98\x80",
					   "\xf0\x9f\x98\x80"
					   "a",
					   "\xee\x80\x80",
					   "\xe4\xb8\xad",
					   "~",
					   "_",
					   "0"};
	size_t mismatches = 0;
	for (size_t i = 0; i < TG_LEN(pool); i++)
		for (size_t j = 0; j < TG_LEN(pool); j++)
			mismatches += sign(ka_java_strcmp(pool[i], pool[j])) !=
				      sign(java_cmp(pool[i], pool[j]));
	CU_ASSERT_EQUAL(mismatches, 0);
}

static void test_strerror(void)
{
	const int codes[] = {KA_OK,         KA_EINVAL,    KA_ENOMEM,     KA_ELIMIT,
			     KA_EDUPMEMBER, KA_EDUPTOPIC, KA_EWORKSPACE, KA_ESTATE,
			     KA_ERANGE,     KA_ELEADER,   KA_EKAFKA};
	const char *unknown = ka_strerror(-1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(unknown);
	CU_ASSERT_STRING_EQUAL(unknown, "unknown error");
	CU_ASSERT_STRING_EQUAL(ka_strerror(KA_EKAFKA - 1), "unknown error");
	CU_ASSERT_STRING_EQUAL(ka_strerror(1), "unknown error");
	for (size_t i = 0; i < TG_LEN(codes); i++) {
		const char *s = ka_strerror(codes[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT(s[0] != '\0');
		CU_ASSERT_STRING_NOT_EQUAL(s, "unknown error");
		for (size_t j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(ka_strerror(codes[j]), s);
	}
}

/* ------------------------------------------------------------------ random suite */

/* Does `list` (space separated) hold `name`? */
static bool list_has(const char *list, const char *name)
{
	char tok[512];
	while (list && *list) {
		list = tg_next_token(list, " ", tok, sizeof tok);
		if (strcmp(tok, name) == 0)
			return true;
	}
	return false;
}

static const tg_topic *desc_topic(const tg_desc *d, const char *name)
{
	for (size_t t = 0; t < d->n_topics; t++)
		if (strcmp(d->topics[t].name, name) == 0)
			return &d->topics[t];
	return NULL;
}

/* Does the description's member claim partition k of topic `name`? */
static bool desc_claims(const tg_member *m, const char *name, uint32_t k)
{
	char tok[512], tname[512], num[32];
	const char *s = m->owned;
	while (s && *s) {
		s = tg_next_token(s, " ", tok, sizeof tok);
		const char *ps = tg_next_token(tok, ":", tname, sizeof tname);
		if (strcmp(tname, name) != 0)
			continue;
		while (*ps) {
			ps = tg_next_token(ps, ",", num, sizeof num);
			if (strtoul(num, NULL, 10) == k)
				return true;
		}
	}
	return false;
}

/* Does the description put a replica of partition k of t on `rack`? */
static bool desc_on_rack(const tg_topic *t, uint32_t k, const char *rack)
{
	char part[512], r[128];
	const char *s = t->racks;
	for (uint32_t i = 0; s && i <= k; i++) {
		s = tg_next_token(s, "|", part, sizeof part);
		if (i < k)
			continue;
		const char *q = part;
		while (*q) {
			q = tg_next_token(q, ",", r, sizeof r);
			if (strcmp(r, rack) == 0)
				return true;
		}
	}
	return false;
}

static size_t desc_rack_count(const tg_topic *t, uint32_t k, const char *const *racks,
			      size_t n_racks)
{
	size_t n = 0;
	for (size_t i = 0; i < n_racks; i++)
		n += desc_on_rack(t, k, racks[i]);
	return n;
}

static const char *const all_racks[] = {"a", "b", "c", "x", "y"};

/* Checks g against d; returns the number of problems, printing the first. */
static size_t check_model(const tg_desc *d, const ka_group *g)
{
	size_t bad = 0;
#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond) && bad++ == 0)                                                         \
			fprintf(stderr, "model check failed: %s (line %d)\n", #cond, __LINE__);    \
	} while (0)
	uint32_t T = g->n_topics, M = g->n_members;
	EXPECT(T == d->n_topics);
	EXPECT(M == d->n_members);
	if (bad)
		return bad;
	/* topics: Java order, counts, offsets */
	EXPECT(g->topic_off[0] == 0);
	for (uint32_t t = 0; t < T; t++) {
		const tg_topic *dt = desc_topic(d, g->topic_name[t]);
		EXPECT(dt != NULL);
		if (t)
			EXPECT(java_cmp(g->topic_name[t - 1], g->topic_name[t]) < 0);
		if (dt)
			EXPECT(g->topic_off[t + 1] - g->topic_off[t] == dt->partitions);
		for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++)
			EXPECT(ka_group_partition_topic(g, p) == t);
	}
	EXPECT(g->topic_off[T] == g->n_partitions);

	/* members: MemberInfo order, fields */
	for (uint32_t m = 0; m < M; m++) {
		const tg_member *dm = NULL;
		for (size_t i = 0; i < d->n_members; i++)
			if (strcmp(d->members[i].id, g->member_id[m]) == 0)
				dm = &d->members[i];
		EXPECT(dm != NULL);
		if (!dm)
			continue;
		if (m)
			EXPECT(member_cmp(g->member_id[m - 1], g->instance_id[m - 1],
					  g->member_id[m], g->instance_id[m]) < 0);
		EXPECT((dm->instance == NULL) == (g->instance_id[m] == NULL));
		if (dm->instance && g->instance_id[m])
			EXPECT(strcmp(dm->instance, g->instance_id[m]) == 0);
		bool racked = dm->rack && dm->rack[0];
		EXPECT(racked == (g->member_rack[m] != KA_NO_RACK));
		if (racked && g->member_rack[m] < g->n_racks)
			EXPECT(strcmp(g->rack_name[g->member_rack[m]], dm->rack) == 0);
		EXPECT(g->generation[m] == (dm->gen ? atoi(dm->gen) : KA_NO_GENERATION));

		/* subscriptions: the known names, once each, ascending */
		uint32_t n = 0;
		for (uint32_t t = 0; t < T; t++) {
			bool want = list_has(dm->topics, g->topic_name[t]);
			EXPECT(want == (bool)tg_subscribes(g, m, t));
			n += want;
		}
		EXPECT(g->sub_off[m + 1] - g->sub_off[m] == n);
		for (uint32_t k = g->sub_off[m] + 1; k < g->sub_off[m + 1]; k++)
			EXPECT(g->sub_topic[k - 1] < g->sub_topic[k]);

		/* claims: the ones on existing partitions, once each, ascending */
		n = 0;
		for (uint32_t t = 0; t < T; t++)
			for (uint32_t k = 0; k < g->topic_off[t + 1] - g->topic_off[t]; k++) {
				bool want = desc_claims(dm, g->topic_name[t], k);
				bool have = false;
				for (uint32_t j = g->own_off[m]; j < g->own_off[m + 1]; j++)
					have |= g->own_part[j] == g->topic_off[t] + k;
				EXPECT(want == have);
				n += want;
			}
		EXPECT(g->own_off[m + 1] - g->own_off[m] == n);
		for (uint32_t j = g->own_off[m] + 1; j < g->own_off[m + 1]; j++)
			EXPECT(g->own_part[j - 1] < g->own_part[j]);
	}
	/* id_order: a permutation, by member_id */
	for (uint32_t i = 0; i < M; i++) {
		EXPECT(g->id_order[i] < M);
		if (i && g->id_order[i] < M && g->id_order[i - 1] < M)
			EXPECT(java_cmp(g->member_id[g->id_order[i - 1]],
					g->member_id[g->id_order[i]]) < 0);
	}

	/* topic -> members is the transpose, ascending */
	EXPECT(g->tsub_off[0] == 0);
	for (uint32_t t = 0; t < T; t++) {
		uint32_t n = 0;
		for (uint32_t m = 0; m < M; m++) {
			bool in = false;
			for (uint32_t k = g->tsub_off[t]; k < g->tsub_off[t + 1]; k++)
				in |= g->tsub_member[k] == m;
			EXPECT(in == (bool)tg_subscribes(g, m, t));
			n += in;
		}
		EXPECT(g->tsub_off[t + 1] - g->tsub_off[t] == n);
		for (uint32_t k = g->tsub_off[t] + 1; k < g->tsub_off[t + 1]; k++)
			EXPECT(g->tsub_member[k - 1] < g->tsub_member[k]);
	}
	EXPECT(g->tsub_off[T] == g->sub_off[M]);

	/* classes: same subscriber list <=> same class, numbered by first topic */
	uint32_t next_class = 0;
	for (uint32_t t = 0; t < T; t++) {
		uint32_t same = KA_NONE;
		for (uint32_t u = 0; u < t && same == KA_NONE; u++) {
			bool eq = true;
			for (uint32_t m = 0; m < M; m++)
				eq = eq && tg_subscribes(g, m, t) == tg_subscribes(g, m, u);
			if (eq)
				same = u;
		}
		if (same == KA_NONE)
			EXPECT(g->topic_class[t] == next_class++);
		else
			EXPECT(g->topic_class[t] == g->topic_class[same]);
	}
	EXPECT(g->n_topic_classes == next_class);

	/* prev_owner from the claims and generations */
	for (uint32_t p = 0; p < g->n_partitions; p++) {
		int64_t best = INT64_MIN;
		uint32_t who = KA_NONE, ties = 0;
		for (uint32_t m = 0; m < M; m++)
			for (uint32_t j = g->own_off[m]; j < g->own_off[m + 1]; j++) {
				if (g->own_part[j] != p)
					continue;
				if (g->generation[m] > best) {
					best = g->generation[m];
					who = m;
					ties = 1;
				} else if (g->generation[m] == best) {
					ties++;
				}
			}
		EXPECT(g->prev_owner[p] == (ties == 1 ? who : KA_NONE));
	}

	/* partition racks: the description's, deduplicated, ascending */
	EXPECT(g->prack_off[0] == 0);
	for (uint32_t t = 0; t < T; t++) {
		const tg_topic *dt = desc_topic(d, g->topic_name[t]);
		for (uint32_t k = 0; dt && k < g->topic_off[t + 1] - g->topic_off[t]; k++) {
			uint32_t p = g->topic_off[t] + k;
			EXPECT(g->prack_off[p + 1] - g->prack_off[p] ==
			       desc_rack_count(dt, k, all_racks, TG_LEN(all_racks)));
			for (uint32_t j = g->prack_off[p]; j < g->prack_off[p + 1]; j++) {
				EXPECT(g->prack[j] < g->n_racks);
				if (g->prack[j] < g->n_racks)
					EXPECT(desc_on_rack(dt, k, g->rack_name[g->prack[j]]));
				if (j > g->prack_off[p])
					EXPECT(g->prack[j - 1] < g->prack[j]);
			}
		}
	}
	for (uint32_t i = 0; i < g->n_racks; i++)
		for (uint32_t j = 0; j < i; j++)
			EXPECT(strcmp(g->rack_name[i], g->rack_name[j]) != 0);

	/* flags from the arrays */
	bool hom = M > 0, owned = g->own_off[M] > 0, mr = false, stat = false;
	for (uint32_t m = 0; m < M; m++) {
		mr |= g->member_rack[m] != KA_NO_RACK;
		stat |= g->instance_id[m] != NULL;
		for (uint32_t t = 0; t < T && m; t++)
			hom = hom && tg_subscribes(g, m, t) == tg_subscribes(g, 0, t);
	}
	if (M)
		EXPECT(hom == ((g->flags & KA_GROUP_HOMOGENEOUS) != 0));
	EXPECT(owned == ((g->flags & KA_GROUP_OWNED) != 0));
	EXPECT(mr == ((g->flags & KA_GROUP_MEMBER_RACKS) != 0));
	EXPECT((g->prack_off[g->n_partitions] > 0) == ((g->flags & KA_GROUP_PARTITION_RACKS) != 0));
	EXPECT(stat == ((g->flags & KA_GROUP_STATIC) != 0));
#undef EXPECT
	return bad;
}

static void test_random_models(void)
{
	uint64_t seed = kt_seed(SEED_MODEL), first;
	uint64_t end = tg_case_range(N_CASES, &first);
	uint64_t failures = 0, checked = 0;
	tg_desc *d = malloc(sizeof *d);
	for (uint64_t i = first; i < end; i++) {
		kd_rng r;
		tg_case_rng(&r, seed, i);
		uint32_t opts = kd_rng_below(&r, 4) == 0 ? TG_HOMOGENEOUS : 0;
		tg_random(&r, opts | (kd_rng_below(&r, 10) == 0 ? TG_LARGE : 0), d);
		ka_group *g = tg_desc_build(d);
		size_t bad = g ? check_model(d, g) : 1;
		checked++;
		if (bad && failures++ < 3) {
			fprintf(stderr,
				"model differs from its description (%zu problems), replay "
				"with KT_SEED=0x%016" PRIx64 " KT_CASE=%" PRIu64 "\nscenario: ",
				bad, seed, i);
			tg_desc_print(stderr, d);
		}
		ka_group_free(g);
	}
	free(d);
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT_EQUAL(checked, end - first);
}

/* ------------------------------------------------------------------ suites */

static const kt_test order_tests[] = {{"topic_order", test_topic_order},
				      {"member_order", test_member_order},
				      {"equal_instance_ids", test_equal_instance_ids},
				      {NULL, NULL}};
static const kt_test model_tests[] = {{"csr", test_csr},
				      {"flags", test_flags},
				      {"racks", test_racks},
				      {"fields_and_name", test_fields_and_name},
				      {"after_finish", test_after_finish},
				      {NULL, NULL}};
static const kt_test ownership_tests[] = {
    {"prev_owner", test_prev_owner}, {"unsubscribed_claim", test_unsubscribed_claim}, {NULL, NULL}};
static const kt_test diagnostics_tests[] = {
    {"duplicate_member", test_duplicate_member},
    {"duplicate_topic", test_duplicate_topic},
    {"all_errors_reported", test_all_errors_reported},
    {"duplicate_between_java_equals", test_duplicate_between_java_equals},
    {"warnings", test_warnings},
    {"bad_arguments", test_bad_arguments},
    {NULL, NULL}};
static const kt_test limits_tests[] = {{"partitions", test_partition_limit},
				       {"members", test_member_limit},
				       {"names", test_name_limit},
				       {NULL, NULL}};
static const kt_test utilities_tests[] = {
    {"java_strcmp", test_java_strcmp}, {"strerror", test_strerror}, {NULL, NULL}};
static const kt_test random_tests[] = {{"random_models", test_random_models}, {NULL, NULL}};

static const kt_suite suites[] = {
    {"order", order_tests},         {"model", model_tests},
    {"ownership", ownership_tests}, {"diagnostics", diagnostics_tests},
    {"limits", limits_tests},       {"utilities", utilities_tests},
    {"random", random_tests},       {NULL, NULL}};

KT_MAIN(suites)
