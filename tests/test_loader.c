/*
 * test_loader.c - scenario and assignment files (datasets/scenario.c,
 * datasets/assignment.c) against docs/scenario-format.md: every bad-input
 * rule with its message, every case Kafka tolerates with its warning and the
 * model it leaves, the limits, patterns, and round trips write -> load ->
 * same model, also over random groups drawn by testgroups (their printed
 * scenario must load into the model the builder makes of them directly).
 *
 * Messages are captured through a kd_msg_fn and checked by substring: the
 * file name, the JSON path and the rule.
 */
#include <dirent.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/pattern.h"
#include "datasets/scenario.h"
#include "tests/ktest.h"
#include "tests/testgroups.h"

#define SEED 0x10ade5u

/* ------------------------------------------------------------------ capturing messages */

typedef struct capture {
	char buf[1 << 16];
	size_t len;
	int errors, warnings;
	int bad_prefix; /* lines not starting with the file name */
	const char *file;
} capture;

static void cap_fn(void *ctx, int severity, const char *line)
{
	capture *c = ctx;
	if (severity == KD_ERROR)
		c->errors++;
	else
		c->warnings++;
	if (c->file && strncmp(line, c->file, strlen(c->file)) != 0)
		c->bad_prefix++;
	size_t n = strlen(line);
	if (c->len + n + 2 < sizeof c->buf) {
		memcpy(c->buf + c->len, line, n);
		c->len += n;
		c->buf[c->len++] = '\n';
		c->buf[c->len] = '\0';
	}
}

static void cap_init(capture *c, const char *file)
{
	c->len = 0;
	c->buf[0] = '\0';
	c->errors = c->warnings = c->bad_prefix = 0;
	c->file = file;
}

/* Lines of the capture containing `s`. */
static int cap_count(const capture *c, const char *s)
{
	int n = 0;
	for (const char *p = c->buf; (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	return n;
}

static void check_at(int ok, unsigned line, const char *what, const capture *c)
{
	if (!ok)
		fprintf(stderr, "\n  line %u: %s\n  messages:\n%s", line, what, c ? c->buf : "");
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, what, __FILE__, "", CU_FALSE);
}

static ka_group *load_str(const char *json, capture *c, int *rc)
{
	ka_group *g = (ka_group *)1;
	cap_init(c, "t.json");
	*rc = kd_scenario_load_buffer("t.json", json, strlen(json), &g, cap_fn, c);
	return g;
}

/* The document must fail, leave nothing behind and say each of the
 * substrings somewhere in its messages. */
static void expect_fail(unsigned line, const char *json, const char *const *subs)
{
	capture c;
	int rc;
	ka_group *g = load_str(json, &c, &rc);
	char what[512];
	check_at(rc == -1, line, "load fails with -1", &c);
	check_at(g == NULL, line, "*out stays NULL", &c);
	check_at(c.errors > 0, line, "at least one error line", &c);
	check_at(c.bad_prefix == 0, line, "every line starts with the file name", &c);
	for (; *subs; subs++) {
		snprintf(what, sizeof what, "messages mention '%s'", *subs);
		check_at(strstr(c.buf, *subs) != NULL, line, what, &c);
	}
	if (rc == 0 && g)
		ka_group_free(g);
}

#define EXPECT_FAIL(json, ...)                                                                     \
	expect_fail(__LINE__, (json), (const char *const[]){__VA_ARGS__, NULL})

/* The document must load, with each substring among its warnings. */
static ka_group *expect_load(unsigned line, const char *json, capture *c, const char *const *subs)
{
	int rc;
	ka_group *g = load_str(json, c, &rc);
	char what[512];
	check_at(rc == 0 && g != NULL, line, "loads", c);
	check_at(c->errors == 0, line, "no error lines", c);
	for (; *subs; subs++) {
		snprintf(what, sizeof what, "messages mention '%s'", *subs);
		check_at(strstr(c->buf, *subs) != NULL, line, what, c);
	}
	return rc == 0 ? g : NULL;
}

#define EXPECT_LOAD(json, c, ...)                                                                  \
	expect_load(__LINE__, (json), (c), (const char *const[]){__VA_ARGS__, NULL})

/* ------------------------------------------------------------------ model helpers */

static uint32_t topic_id(const ka_group *g, const char *name)
{
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (strcmp(g->topic_name[t], name) == 0)
			return t;
	return KA_NONE;
}

static uint32_t member_idx(const ka_group *g, const char *id)
{
	for (uint32_t m = 0; m < g->n_members; m++)
		if (strcmp(g->member_id[m], id) == 0)
			return m;
	return KA_NONE;
}

static uint32_t n_subs(const ka_group *g, uint32_t m)
{
	return g->sub_off[m + 1] - g->sub_off[m];
}

static int subscribes(const ka_group *g, uint32_t m, const char *topic)
{
	uint32_t t = topic_id(g, topic);
	for (uint32_t i = g->sub_off[m]; i < g->sub_off[m + 1]; i++)
		if (g->sub_topic[i] == t)
			return 1;
	return 0;
}

/* Member m's claims written "t:p t:p", for comparison with a literal. */
static const char *owned_str(const ka_group *g, uint32_t m, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (uint32_t i = g->own_off[m]; i < g->own_off[m + 1] && n < cap; i++) {
		uint32_t p = g->own_part[i], t = ka_group_partition_topic(g, p);
		n += (size_t)snprintf(buf + n, cap - n, "%s%s:%" PRIu32,
				      i > g->own_off[m] ? " " : "", g->topic_name[t],
				      p - g->topic_off[t]);
	}
	return buf;
}

static uint32_t partition(const ka_group *g, const char *topic, uint32_t p)
{
	return g->topic_off[topic_id(g, topic)] + p;
}

static int str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static const char *rack_of(const ka_group *g, uint16_t r)
{
	return r == KA_NO_RACK ? NULL : g->rack_name[r];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Replica racks of partition p by name, sorted, joined with ','. */
static void prack_names(const ka_group *g, uint32_t p, char *buf, size_t cap)
{
	const char *names[64];
	uint32_t n = g->prack_off[p + 1] - g->prack_off[p];
	if (n > 64)
		n = 64;
	for (uint32_t i = 0; i < n; i++)
		names[i] = g->rack_name[g->prack[g->prack_off[p] + i]];
	qsort(names, n, sizeof names[0], cmp_str);
	size_t k = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < n && k < cap; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? "," : "", names[i]);
}

#define DIFF(cond, ...)                                                                            \
	do {                                                                                       \
		if (cond) {                                                                        \
			snprintf(why, cap, __VA_ARGS__);                                           \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

static int arr_diff(const uint32_t *a, const uint32_t *b, size_t n)
{
	return n && memcmp(a, b, n * sizeof *a) != 0;
}

/*
 * Compares every array of two models. Rack ids are compared through their
 * names: they are interned in order of first appearance, which a written file
 * (topics sorted) need not reproduce.
 */
static int model_diff(const ka_group *a, const ka_group *b, char *why, size_t cap)
{
	char ra[512], rb[512];
	DIFF(!str_eq(a->name, b->name), "name '%s' vs '%s'", a->name, b->name);
	DIFF(a->n_topics != b->n_topics, "n_topics %u vs %u", a->n_topics, b->n_topics);
	DIFF(a->n_members != b->n_members, "n_members %u vs %u", a->n_members, b->n_members);
	DIFF(a->n_partitions != b->n_partitions, "n_partitions");
	DIFF(a->n_racks != b->n_racks, "n_racks %u vs %u", a->n_racks, b->n_racks);
	DIFF(a->flags != b->flags, "flags %#x vs %#x", a->flags, b->flags);
	for (uint32_t t = 0; t < a->n_topics; t++)
		DIFF(strcmp(a->topic_name[t], b->topic_name[t]) != 0, "topic_name[%u]", t);
	DIFF(arr_diff(a->topic_off, b->topic_off, a->n_topics + 1), "topic_off");
	for (uint32_t m = 0; m < a->n_members; m++) {
		DIFF(strcmp(a->member_id[m], b->member_id[m]) != 0, "member_id[%u] %s vs %s", m,
		     a->member_id[m], b->member_id[m]);
		DIFF(!str_eq(a->instance_id[m], b->instance_id[m]), "instance_id[%u]", m);
		DIFF(!str_eq(rack_of(a, a->member_rack[m]), rack_of(b, b->member_rack[m])),
		     "member_rack[%u]", m);
		DIFF(a->generation[m] != b->generation[m], "generation[%u]", m);
	}
	DIFF(arr_diff(a->id_order, b->id_order, a->n_members), "id_order");
	DIFF(arr_diff(a->sub_off, b->sub_off, a->n_members + 1), "sub_off");
	DIFF(arr_diff(a->sub_topic, b->sub_topic, a->sub_off[a->n_members]), "sub_topic");
	DIFF(arr_diff(a->tsub_off, b->tsub_off, a->n_topics + 1), "tsub_off");
	DIFF(arr_diff(a->tsub_member, b->tsub_member, a->tsub_off[a->n_topics]), "tsub_member");
	DIFF(a->n_topic_classes != b->n_topic_classes, "n_topic_classes");
	DIFF(arr_diff(a->topic_class, b->topic_class, a->n_topics), "topic_class");
	DIFF(arr_diff(a->own_off, b->own_off, a->n_members + 1), "own_off");
	DIFF(arr_diff(a->own_part, b->own_part, a->own_off[a->n_members]), "own_part");
	DIFF(arr_diff(a->prev_owner, b->prev_owner, a->n_partitions), "prev_owner");
	DIFF(arr_diff(a->prack_off, b->prack_off, a->n_partitions + 1), "prack_off");
	for (uint32_t p = 0; p < a->n_partitions; p++) {
		prack_names(a, p, ra, sizeof ra);
		prack_names(b, p, rb, sizeof rb);
		DIFF(strcmp(ra, rb) != 0, "racks of partition %u: %s vs %s", p, ra, rb);
	}
	DIFF(a->flags != b->flags, "flags");
	DIFF(arr_diff(a->lrack_off, b->lrack_off, a->n_partitions + 1), "lrack_off");
	for (uint32_t p = 0; p < a->n_partitions; p++) {
		const uint32_t k = a->lrack_off[p];
		DIFF(k < a->lrack_off[p + 1] &&
			 strcmp(a->rack_name[a->lrack[k]], b->rack_name[b->lrack[k]]) != 0,
		     "leader of partition %u", p);
	}
	return 0;
}

/* write(g) as a string (caller frees). */
static char *write_str(const ka_group *g, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(kd_scenario_write(f, g), 0);
	fclose(f);
	if (len)
		*len = n;
	return text;
}

/* load(write(g)) must be g again, and writing that gives the same text. */
static int round_trip(const ka_group *g, char *why, size_t cap)
{
	size_t n1, n2;
	char *t1 = write_str(g, &n1);
	ka_group *g2 = NULL;
	struct capture *c = malloc(sizeof *c);
	CU_ASSERT_FATAL(c != NULL);
	cap_init(c, "rt.json");
	int rc = kd_scenario_load_buffer("rt.json", t1, n1, &g2, cap_fn, c);
	int bad = 0;
	if (rc != 0 || c->errors) {
		snprintf(why, cap, "written text does not load:\n%.3000s\n%.3000s", c->buf, t1);
		bad = 1;
	} else if (model_diff(g, g2, why, cap)) {
		bad = 1;
	} else {
		char *t2 = write_str(g2, &n2);
		if (n1 != n2 || memcmp(t1, t2, n1) != 0) {
			snprintf(why, cap, "second write differs:\n%.2000s\n%.2000s", t1, t2);
			bad = 1;
		}
		free(t2);
	}
	ka_group_free(g2);
	free(c);
	free(t1);
	return bad;
}

static char *source_path(const char *rel)
{
	const char *root = getenv("KA_SOURCE_DIR");
	if (!root)
		root = KA_SOURCE_DIR_DEFAULT;
	size_t n = strlen(root) + strlen(rel) + 2;
	char *p = malloc(n);
	CU_ASSERT_FATAL(p != NULL);
	snprintf(p, n, "%s/%s", root, rel);
	return p;
}

/* A temporary file holding `text`; the caller unlinks and frees the path. */
static char *temp_file(const char *text)
{
	const char *dir = getenv("TMPDIR");
	char *path = malloc(512);
	CU_ASSERT_FATAL(path != NULL);
	snprintf(path, 512, "%s/kd_test_XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	size_t n = strlen(text);
	CU_ASSERT_FATAL(write(fd, text, n) == (ssize_t)n);
	close(fd);
	return path;
}

/* ------------------------------------------------------------------ syntax */

static void test_syntax_line_column(void)
{
	/* The second comma is line 3, column 18. */
	EXPECT_FAIL("{\n  \"topics\": [\n    {\"name\": \"a\",, \"partitions\": 1}\n  ]\n}\n",
		    "t.json:3:18: error: invalid JSON: ");
	EXPECT_FAIL("{\"topics\": [], \"members\": []} x",
		    "t.json:1:31: error: invalid JSON: ", "end of file expected");
	EXPECT_FAIL("{\"topics\": [],\n \"members\": [\n", "t.json:3:", "invalid JSON");
}

static void test_syntax_empty(void)
{
	EXPECT_FAIL("", "t.json:1:1: error: invalid JSON");
	EXPECT_FAIL("   \n\n", "t.json:3:", "invalid JSON");
}

static void test_syntax_duplicate_key(void)
{
	EXPECT_FAIL("{\"topics\": [],\n \"members\": [],\n \"topics\": []}",
		    "t.json:3:", "duplicate object key");
}

static void test_syntax_encoding(void)
{
	EXPECT_FAIL("{\"topics\": [{\"name\": \"a\xff\", \"partitions\": 1}], \"members\": []}",
		    "t.json:1:", "invalid JSON");
	/* A NUL inside a name would cut it short in C. */
	EXPECT_FAIL("{\"topics\": [{\"name\": \"a\\u0000b\", \"partitions\": 1}], \"members\": []}",
		    "t.json:1:", "invalid JSON");
	/* Bytes after an embedded NUL must not be ignored. */
	static const char nul[] = "{\"topics\": [], \"members\": []}\0garbage";
	capture c;
	ka_group *g = (ka_group *)1;
	cap_init(&c, "t.json");
	CU_ASSERT_EQUAL(kd_scenario_load_buffer("t.json", nul, sizeof nul - 1, &g, cap_fn, &c), -1);
	CU_ASSERT_PTR_NULL(g);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.buf, "invalid JSON"));
}

static void test_syntax_top_level(void)
{
	EXPECT_FAIL("[{\"topics\": [], \"members\": []}]",
		    "t.json: error: top level: must be a JSON object, not an array");
	EXPECT_FAIL("42", "top level: must be a JSON object, not 42");
	EXPECT_FAIL("\"x\"", "top level: must be a JSON object");
	EXPECT_FAIL("null", "top level: must be a JSON object, not null");
}

static void test_syntax_file(void)
{
	capture c;
	ka_group *g = (ka_group *)1;
	cap_init(&c, "/nonexistent/dir/x.json");
	CU_ASSERT_EQUAL(kd_scenario_load("/nonexistent/dir/x.json", &g, cap_fn, &c), -1);
	CU_ASSERT_PTR_NULL(g);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.buf, "/nonexistent/dir/x.json: error: cannot read: "));

	char *path = temp_file("{\"topics\": [],\n\"members\": [1]}");
	cap_init(&c, path);
	g = (ka_group *)1;
	CU_ASSERT_EQUAL(kd_scenario_load(path, &g, cap_fn, &c), -1);
	CU_ASSERT_PTR_NULL(g);
	char want[600];
	snprintf(want, sizeof want, "%s: error: members[0]: must be an object", path);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.buf, want));
	unlink(path);
	free(path);
}

/* Every file of tests/data/bad fails with the message its row expects, and
 * every file there has a row (the directory is also the fuzz seed corpus). */
static const struct {
	const char *file;
	const char *says;
} bad_files[] = {
    {"syntax-trailing-comma.json", ":1:44: error: invalid JSON: unexpected token near ']'"},
    {"syntax-unclosed.json", ":6:1: error: invalid JSON: "},
    {"syntax-duplicate-key.json", "duplicate object key"},
    {"syntax-empty.json", ":1:1: error: invalid JSON"},
    {"syntax-invalid-utf8.json", "invalid JSON"},
    {"syntax-nul-escape.json", "invalid JSON"},
    {"top-array.json", "top level: must be a JSON object"},
    {"topics-missing.json", "topics: required field missing"},
    {"topics-not-array.json", "topics: must be an array"},
    {"members-missing.json", "members: required field missing"},
    {"partitions-real.json",
     "topics[0].partitions: must be an integer >= 0, not the real number 3.0"},
    {"partitions-fraction.json",
     "topics[0].partitions: must be an integer >= 0, not the real number 2.5"},
    {"partitions-string.json",
     "topics[0].partitions: must be an integer >= 0, not the string \"3\""},
    {"partitions-negative.json", "topics[0].partitions: must be an integer >= 0, not -1"},
    {"partitions-bool.json", "topics[0].partitions: must be an integer >= 0, not true"},
    {"partitions-missing.json", "topics[0].partitions: required field missing"},
    {"racks-length.json", "topics[0].racks: has 2 entries but the topic has 3 partitions"},
    {"racks-entry-not-array.json", "topics[0].racks[1]: must be an array of rack names"},
    {"racks-name-not-string.json", "topics[0].racks[0][1]: must be a rack name (string), not 2"},
    {"topic-duplicate.json", "topics[2].name: duplicate topic name \"a\" (also topics[0])"},
    {"topic-name-empty.json", "topics[0].name: must not be empty"},
    {"topic-name-missing.json", "topics[0].name: required field missing"},
    {"member-id-missing.json", "members[0].member_id: required field missing"},
    {"member-id-not-string.json", "members[0].member_id: must be a string, not 7"},
    {"member-duplicate.json", "members[2].member_id: duplicate member id \"c1\" (also members[0])"},
    {"subscription-not-string.json", "members[0].topics[1]: must be a topic name (string), not 3"},
    {"subscription-string.json",
     "members[0].topics: must be an array of topic names or {\"pattern\""},
    {"subscription-missing.json", "members[0].topics: required field missing"},
    {"pattern-invalid.json", "members[0].topics.pattern: invalid regular expression \"a(\": "},
    {"pattern-unbalanced.json", "members[0].topics.pattern: invalid regular expression \"a)|(b\""},
    {"pattern-missing.json", "members[0].topics.pattern: required field missing"},
    {"owned-not-integer.json",
     "members[0].owned.orders[2]: must be a partition number (integer), not the string \"2\""},
    {"owned-not-array.json",
     "members[0].owned.orders: must be an array of partition numbers, not 1"},
    {"owned-not-object.json", "members[0].owned: must be an object mapping topic names"},
    {"generation-range.json", "members[0].generation: must be an integer in -1..2147483647"},
    {"generation-negative.json",
     "members[0].generation: must be an integer in -1..2147483647 (-1: no generation), not -2"},
    {"generation-real.json", "members[0].generation: must be an integer in -1..2147483647 (-1: no "
			     "generation), not the real number 1.0"},
    {"instance-id-type.json", "members[0].group_instance_id: must be a string or null, not 5"},
    {"rack-type.json", "members[0].rack: must be a string or null, not an array"},
    {"partition-limit.json", "topics[1].partitions: topic \"b\" brings the total to 10000001 "
			     "partitions, past the limit of 10000000 (KA_MAX_PARTITIONS)"},
    {"many-errors.json", "members[1].generation: must be an integer"},
};

static void test_syntax_bad_files(void)
{
	char *dir = source_path("tests/data/bad");
	DIR *d = opendir(dir);
	CU_ASSERT_FATAL(d != NULL);
	struct dirent *e;
	int seen = 0;
	while ((e = readdir(d)) != NULL) {
		if (!strstr(e->d_name, ".json"))
			continue;
		size_t row = TG_LEN(bad_files);
		for (size_t i = 0; i < TG_LEN(bad_files); i++)
			if (strcmp(bad_files[i].file, e->d_name) == 0)
				row = i;
		char what[600];
		snprintf(what, sizeof what, "tests/data/bad/%s has an expected message", e->d_name);
		check_at(row < TG_LEN(bad_files), __LINE__, what, NULL);
		if (row == TG_LEN(bad_files))
			continue;
		seen++;
		size_t n = strlen(dir) + strlen(e->d_name) + 2;
		char *path = malloc(n);
		CU_ASSERT_FATAL(path != NULL);
		snprintf(path, n, "%s/%s", dir, e->d_name);
		capture c;
		ka_group *g = (ka_group *)1;
		cap_init(&c, path);
		int rc = kd_scenario_load(path, &g, cap_fn, &c);
		snprintf(what, sizeof what, "%s fails, naming the file and '%s'", e->d_name,
			 bad_files[row].says);
		check_at(rc == -1 && g == NULL && c.errors > 0 && c.bad_prefix == 0 &&
			     strstr(c.buf, bad_files[row].says) != NULL,
			 __LINE__, what, &c);
		free(path);
	}
	closedir(d);
	free(dir);
	CU_ASSERT_EQUAL(seen, (int)TG_LEN(bad_files));
}

/* ------------------------------------------------------------------ fields */

static void test_fields_required(void)
{
	EXPECT_FAIL("{\"members\": []}", "t.json: error: topics: required field missing");
	EXPECT_FAIL("{\"topics\": []}", "t.json: error: members: required field missing");
	EXPECT_FAIL("{\"topics\": 3, \"members\": []}",
		    "topics: must be an array of topics, not 3");
	EXPECT_FAIL("{\"topics\": [], \"members\": {}}",
		    "members: must be an array of members, not an object");
	EXPECT_FAIL("{\"topics\": [], \"members\": [], \"name\": 7}",
		    "name: must be a string or null, not 7");
	EXPECT_FAIL("{\"topics\": [3], \"members\": []}", "topics[0]: must be an object");
	EXPECT_FAIL("{\"topics\": [], \"members\": [[]]}", "members[0]: must be an object");
}

static void test_fields_topic_name(void)
{
	EXPECT_FAIL("{\"topics\": [{\"partitions\": 1}], \"members\": []}",
		    "topics[0].name: required field missing");
	EXPECT_FAIL("{\"topics\": [{\"name\": \"\", \"partitions\": 1}], \"members\": []}",
		    "topics[0].name: must not be empty");
	EXPECT_FAIL("{\"topics\": [{\"name\": 5, \"partitions\": 1}], \"members\": []}",
		    "topics[0].name: must be a string, not 5");
	EXPECT_FAIL("{\"topics\": [{\"name\": null, \"partitions\": 1}], \"members\": []}",
		    "topics[0].name: required, must be a string, not null");
}

static void test_fields_partitions(void)
{
	static const struct {
		const char *value, *says;
	} cases[] = {
	    {"3.0", "not the real number 3.0"},
	    {"2.5", "not the real number 2.5"},
	    {"\"3\"", "not the string \"3\""},
	    {"true", "not true"},
	    {"false", "not false"},
	    {"-1", "not -1"},
	    {"null", "not null"},
	    {"[3]", "not an array"},
	    {"1e3", "not the real number 1000.0"},
	};
	char json[256], says[256];
	for (size_t i = 0; i < TG_LEN(cases); i++) {
		snprintf(json, sizeof json,
			 "{\"topics\": [{\"name\": \"ok\", \"partitions\": 1}, {\"name\": \"a\", "
			 "\"partitions\": %s}], \"members\": []}",
			 cases[i].value);
		snprintf(says, sizeof says,
			 "t.json: error: topics[1].partitions: must be an integer >= 0, %s",
			 cases[i].says);
		EXPECT_FAIL(json, says);
	}
	EXPECT_FAIL("{\"topics\": [{\"name\": \"a\"}], \"members\": []}",
		    "topics[0].partitions: required field missing");
	/* 0 is a valid count. */
	capture c;
	ka_group *g = EXPECT_LOAD(
	    "{\"topics\": [{\"name\": \"a\", \"partitions\": 0}], \"members\": []}", &c, "");
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_EQUAL(g->n_topics, 1);
	CU_ASSERT_EQUAL(g->n_partitions, 0);
	ka_group_free(g);
}

static void test_fields_racks(void)
{
	EXPECT_FAIL(
	    "{\"topics\": [{\"name\": \"a\", \"partitions\": 3, \"racks\": [[\"r1\"], [\"r2\"]]}], "
	    "\"members\": []}",
	    "topics[0].racks: has 2 entries but the topic has 3 partitions: racks needs "
	    "exactly one entry (an array of rack names) per partition");
	EXPECT_FAIL(
	    "{\"topics\": [{\"name\": \"a\", \"partitions\": 1, \"racks\": [[\"r1\"], [\"r2\"]]}], "
	    "\"members\": []}",
	    "topics[0].racks: has 2 entries but the topic has 1 partitions");
	EXPECT_FAIL(
	    "{\"topics\": [{\"name\": \"a\", \"partitions\": 2, \"racks\": [[\"r1\"], \"r2\"]}], "
	    "\"members\": []}",
	    "topics[0].racks[1]: must be an array of rack names (strings), [] when unknown, not "
	    "the string \"r2\"");
	EXPECT_FAIL("{\"topics\": [{\"name\": \"a\", \"partitions\": 1, \"racks\": [[null]]}], "
		    "\"members\": []}",
		    "topics[0].racks[0][0]: must be a rack name (string), not null");
	EXPECT_FAIL(
	    "{\"topics\": [{\"name\": \"a\", \"partitions\": 1, \"racks\": {\"0\": []}}], "
	    "\"members\": []}",
	    "topics[0].racks: must be an array holding one array of rack names per partition");
}

static void test_fields_leaders(void)
{
	EXPECT_FAIL(
	    "{\"topics\": [{\"name\": \"a\", \"partitions\": 2, \"racks\": [[\"r1\"], "
	    "[\"r2\"]], \"leaders\": [\"r1\"]}], \"members\": []}",
	    "topics[0].leaders: has 1 entries but the topic has 2 partitions: leaders needs "
	    "exactly one entry (a rack name, or null when unknown) per partition");
	EXPECT_FAIL("{\"topics\": [{\"name\": \"a\", \"partitions\": 2, \"racks\": [[\"r1\"], "
		    "[\"r2\"]], \"leaders\": [\"r1\", [\"r2\"]]}], \"members\": []}",
		    "topics[0].leaders[1]: must be a rack name (string), null when unknown, not an "
		    "array");
	EXPECT_FAIL(
	    "{\"topics\": [{\"name\": \"a\", \"partitions\": 1, \"leaders\": "
	    "{\"0\": \"r1\"}}], \"members\": []}",
	    "topics[0].leaders: must be an array holding one leader rack name (or null) per "
	    "partition");
	/* A leader is one of the partition's replicas: on one of its racks. */
	EXPECT_FAIL("{\"topics\": [{\"name\": \"b\", \"partitions\": 1}, {\"name\": \"orders\", "
		    "\"partitions\": 3, \"racks\": [[\"r1\", \"r2\"], [\"r2\"], []], \"leaders\": "
		    "[\"r2\", \"r1\", \"r3\"]}], \"members\": []}",
		    "t.json: error: topics[1].leaders[1]: leader rack \"r1\" of partition orders-1 "
		    "is not one of its replica racks (topics[1].racks[1]): a partition's leader is "
		    "one of its replicas",
		    "topics[1].leaders[2]: leader rack \"r3\" of partition orders-2 is not one of "
		    "its replica racks");
	/* null and "" are unknown; known leaders land in lrack. */
	capture c;
	ka_group *g = EXPECT_LOAD(
	    "{\"topics\": [{\"name\": \"a\", \"partitions\": 3, \"racks\": [[\"r1\", \"r2\"], "
	    "[\"r2\"], [\"r1\"]], \"leaders\": [\"r2\", null, \"\"]}], \"members\": []}",
	    &c, "");
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT(g->flags & KA_GROUP_LEADER_RACKS);
	CU_ASSERT_EQUAL(g->lrack_off[1] - g->lrack_off[0], 1);
	CU_ASSERT_STRING_EQUAL(g->rack_name[g->lrack[g->lrack_off[0]]], "r2");
	CU_ASSERT_EQUAL(g->lrack_off[3] - g->lrack_off[1], 0);
	ka_group view;
	CU_ASSERT_EQUAL(ka_group_leader_view(g, &view), 0);
	CU_ASSERT(view.flags & KA_GROUP_PARTITION_RACKS);
	CU_ASSERT_EQUAL(view.prack_off[3], 1);
	char *text = write_str(g, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"leaders\": [\"r2\", null, null]"));
	free(text);
	char why[4096];
	int bad = round_trip(g, why, sizeof why);
	if (bad)
		fprintf(stderr, "\n%s\n", why);
	CU_ASSERT_FALSE(bad);
	ka_group_free(g);
	/* No leader known: no "leaders" written, and the view has no racks. */
	g = EXPECT_LOAD("{\"topics\": [{\"name\": \"a\", \"partitions\": 1, \"racks\": "
			"[[\"r1\"]], \"leaders\": [null]}], \"members\": []}",
			&c, "");
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_FALSE(g->flags & KA_GROUP_LEADER_RACKS);
	CU_ASSERT_EQUAL(ka_group_leader_view(g, &view), 0);
	CU_ASSERT_FALSE(view.flags & KA_GROUP_PARTITION_RACKS);
	text = write_str(g, NULL);
	CU_ASSERT_PTR_NULL(strstr(text, "leaders"));
	free(text);
	ka_group_free(g);
}

static void test_fields_duplicate_topic(void)
{
	EXPECT_FAIL("{\"topics\": [{\"name\": \"a\", \"partitions\": 1}, {\"name\": \"b\", "
		    "\"partitions\": 1}, {\"name\": \"a\", \"partitions\": 1}], \"members\": []}",
		    "t.json: error: topics[2].name: duplicate topic name \"a\" (also topics[0])");
}

static void test_fields_member_id(void)
{
	EXPECT_FAIL("{\"topics\": [], \"members\": [{\"topics\": []}]}",
		    "members[0].member_id: required field missing");
	EXPECT_FAIL("{\"topics\": [], \"members\": [{\"member_id\": \"\", \"topics\": []}]}",
		    "members[0].member_id: must not be empty");
	EXPECT_FAIL("{\"topics\": [], \"members\": [{\"member_id\": 1, \"topics\": []}]}",
		    "members[0].member_id: must be a string, not 1");
	EXPECT_FAIL(
	    "{\"topics\": [], \"members\": [{\"member_id\": \"c1\", \"topics\": []}, "
	    "{\"member_id\": \"c2\", \"topics\": []}, {\"member_id\": \"c1\", \"topics\": []}]}",
	    "t.json: error: members[2].member_id: duplicate member id \"c1\" (also members[0])");
}

static void test_fields_instance_and_rack(void)
{
	EXPECT_FAIL(
	    "{\"topics\": [], \"members\": [{\"member_id\": \"c\", \"group_instance_id\": 5, "
	    "\"topics\": []}]}",
	    "members[0].group_instance_id: must be a string or null, not 5");
	EXPECT_FAIL(
	    "{\"topics\": [], \"members\": [{\"member_id\": \"c\", \"group_instance_id\": \"\", "
	    "\"topics\": []}]}",
	    "members[0].group_instance_id: must not be empty");
	EXPECT_FAIL("{\"topics\": [], \"members\": [{\"member_id\": \"c\", \"rack\": false, "
		    "\"topics\": []}]}",
		    "members[0].rack: must be a string or null, not false");

	/* null means absent, "" rack means none. */
	capture c;
	ka_group *g = EXPECT_LOAD("{\"topics\": [], \"members\": [{\"member_id\": \"c\", "
				  "\"group_instance_id\": null, \"rack\": \"\", \"topics\": []}, "
				  "{\"member_id\": \"d\", \"rack\": null, \"topics\": [], "
				  "\"generation\": null}]}",
				  &c, "");
	CU_ASSERT_FATAL(g != NULL);
	for (uint32_t m = 0; m < 2; m++) {
		CU_ASSERT_PTR_NULL(g->instance_id[m]);
		CU_ASSERT_EQUAL(g->member_rack[m], KA_NO_RACK);
		CU_ASSERT_EQUAL(g->generation[m], KA_NO_GENERATION);
	}
	CU_ASSERT_EQUAL(g->n_racks, 0);
	ka_group_free(g);
}

static void test_fields_subscriptions(void)
{
	EXPECT_FAIL("{\"topics\": [], \"members\": [{\"member_id\": \"c\"}]}",
		    "members[0].topics: required field missing");
	EXPECT_FAIL(
	    "{\"topics\": [], \"members\": [{\"member_id\": \"c\", \"topics\": \"t\"}]}",
	    "members[0].topics: must be an array of topic names or {\"pattern\": \"REGEX\"}, not "
	    "the string \"t\"");
	EXPECT_FAIL("{\"topics\": [], \"members\": [{\"member_id\": \"c\", \"topics\": null}]}",
		    "members[0].topics: must be an array of topic names");
	EXPECT_FAIL(
	    "{\"topics\": [], \"members\": [{\"member_id\": \"c0\", \"topics\": []}, "
	    "{\"member_id\": \"c\", \"topics\": [\"a\", \"b\", \"c\", \"d\", {\"x\": 1}]}]}",
	    "members[1].topics[4]: must be a topic name (string), not an object");
	EXPECT_FAIL("{\"topics\": [], \"members\": [{\"member_id\": \"c\", \"topics\": {}}]}",
		    "members[0].topics.pattern: required field missing");
	EXPECT_FAIL(
	    "{\"topics\": [], \"members\": [{\"member_id\": \"c\", \"topics\": {\"pattern\": 1}}]}",
	    "members[0].topics.pattern: must be a string, not 1");
}

static void test_fields_pattern_invalid(void)
{
	/* The rule and regerror's own words. */
	char want[256];
	regex_t re;
	int rc = regcomp(&re, "a(", REG_EXTENDED);
	CU_ASSERT_NOT_EQUAL_FATAL(rc, 0);
	char err[128];
	regerror(rc, &re, err, sizeof err);
	snprintf(want, sizeof want,
		 "t.json: error: members[1].topics.pattern: invalid regular expression \"a(\": %s",
		 err);
	EXPECT_FAIL("{\"topics\": [{\"name\": \"a\", \"partitions\": 1}], \"members\": ["
		    "{\"member_id\": \"c0\", \"topics\": [\"a\"]}, "
		    "{\"member_id\": \"c1\", \"topics\": {\"pattern\": \"a(\"}}]}",
		    want);
	/* Unbalanced: wrapping it in ^(...)$ would have compiled and matched "xb". */
	EXPECT_FAIL("{\"topics\": [{\"name\": \"xb\", \"partitions\": 1}], \"members\": ["
		    "{\"member_id\": \"c1\", \"topics\": {\"pattern\": \"a)|(b\"}}]}",
		    "members[0].topics.pattern: invalid regular expression \"a)|(b\"");
	EXPECT_FAIL(
	    "{\"topics\": [], \"members\": [{\"member_id\": \"c1\", \"topics\": {\"pattern\": "
	    "\"[z-a]\"}}]}",
	    "members[0].topics.pattern: invalid regular expression");
	/* The same bad pattern in several members: each place is named. */
	capture c;
	int lrc;
	ka_group *g = load_str("{\"topics\": [], \"members\": ["
			       "{\"member_id\": \"c1\", \"topics\": {\"pattern\": \"(\"}},"
			       "{\"member_id\": \"c2\", \"topics\": {\"pattern\": \"(\"}}]}",
			       &c, &lrc);
	CU_ASSERT_EQUAL(lrc, -1);
	CU_ASSERT_PTR_NULL(g);
	CU_ASSERT_EQUAL(c.errors, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.buf, "members[0].topics.pattern"));
	CU_ASSERT_PTR_NOT_NULL(strstr(c.buf, "members[1].topics.pattern"));
	regfree(&re);
}

static void test_fields_owned(void)
{
	EXPECT_FAIL(
	    "{\"topics\": [{\"name\": \"orders\", \"partitions\": 4}], \"members\": "
	    "[{\"member_id\": "
	    "\"c\", \"topics\": [\"orders\"], \"owned\": [0]}]}",
	    "members[0].owned: must be an object mapping topic names to arrays of partitions, "
	    "not an array");
	EXPECT_FAIL("{\"topics\": [{\"name\": \"orders\", \"partitions\": 4}], \"members\": "
		    "[{\"member_id\": "
		    "\"c\", \"topics\": [\"orders\"], \"owned\": {\"orders\": 1}}]}",
		    "members[0].owned.orders: must be an array of partition numbers, not 1");
	EXPECT_FAIL(
	    "{\"topics\": [{\"name\": \"orders\", \"partitions\": 4}], \"members\": "
	    "[{\"member_id\": "
	    "\"c\", \"topics\": [\"orders\"], \"owned\": {\"orders\": [0, 1, 2.0]}}]}",
	    "members[0].owned.orders[2]: must be a partition number (integer), not the real "
	    "number 2.0");
	EXPECT_FAIL(
	    "{\"topics\": [{\"name\": \"a.b\", \"partitions\": 4}], \"members\": [{\"member_id\": "
	    "\"c\", \"topics\": [\"a.b\"], \"owned\": {\"a.b\": [null]}}]}",
	    "members[0].owned[\"a.b\"][0]: must be a partition number (integer), not null");
}

static void test_fields_generation(void)
{
	static const struct {
		const char *value, *says;
	} cases[] = {
	    {"-2", "not -2"},
	    {"2147483648", "not 2147483648"},
	    {"1.0", "not the real number 1.0"},
	    {"\"3\"", "not the string \"3\""},
	    {"true", "not true"},
	};
	char json[512], says[256];
	for (size_t i = 0; i < TG_LEN(cases); i++) {
		snprintf(json, sizeof json,
			 "{\"topics\": [], \"members\": [{\"member_id\": \"a\", \"topics\": []}, "
			 "{\"member_id\": \"b\", \"topics\": []}, {\"member_id\": \"c\", "
			 "\"topics\": []}, "
			 "{\"member_id\": \"d\", \"topics\": []}, {\"member_id\": \"e\", "
			 "\"topics\": []}, "
			 "{\"member_id\": \"f\", \"topics\": [], \"generation\": %s}]}",
			 cases[i].value);
		snprintf(says, sizeof says,
			 "members[5].generation: must be an integer in -1..2147483647 (-1: no "
			 "generation), %s",
			 cases[i].says);
		EXPECT_FAIL(json, says);
	}
	capture c;
	ka_group *g =
	    EXPECT_LOAD("{\"topics\": [], \"members\": [{\"member_id\": \"a\", \"topics\": [], "
			"\"generation\": 2147483647}, {\"member_id\": \"b\", \"topics\": [], "
			"\"generation\": -1}, {\"member_id\": \"c\", \"topics\": [], "
			"\"generation\": 0}]}",
			&c, "");
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_EQUAL(g->generation[member_idx(g, "a")], INT32_MAX);
	CU_ASSERT_EQUAL(g->generation[member_idx(g, "b")], KA_NO_GENERATION);
	CU_ASSERT_EQUAL(g->generation[member_idx(g, "c")], 0);
	ka_group_free(g);
}

static void test_fields_unknown(void)
{
	capture c;
	ka_group *g = EXPECT_LOAD(
	    "{\"version\": 2, \"topics\": [{\"name\": \"a\", \"partitions\": 1, \"replicas\": 3}], "
	    "\"members\": [{\"member_id\": \"c\", \"topics\": {\"pattern\": \"a\", \"flags\": "
	    "\"i\"}, "
	    "\"colour\": \"blue\", \"my.field\": 1}]}",
	    &c, "t.json: warning: version: unknown field ignored",
	    "t.json: warning: topics[0].replicas: unknown field ignored",
	    "t.json: warning: members[0].colour: unknown field ignored",
	    "t.json: warning: members[0][\"my.field\"]: unknown field ignored",
	    "t.json: warning: members[0].topics.flags: unknown field ignored");
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_EQUAL(c.warnings, 5);
	CU_ASSERT_EQUAL(n_subs(g, 0), 1);
	ka_group_free(g);
}

static void test_fields_every_error(void)
{
	/* Five unrelated errors: all five reported, not just the first. */
	EXPECT_FAIL(
	    "{\"name\": 3, \"topics\": [{\"name\": \"a\", \"partitions\": -1}, {\"name\": \"a\", "
	    "\"partitions\": 1}], \"members\": [{\"member_id\": \"\", \"topics\": []}, "
	    "{\"member_id\": \"c2\", \"topics\": [1], \"generation\": \"x\"}]}",
	    "name: must be a string or null, not 3", "topics[0].partitions: must be an integer",
	    "topics[1].name: duplicate topic name \"a\" (also topics[0])",
	    "members[0].member_id: must not be empty", "members[1].topics[0]: must be a topic name",
	    "members[1].generation: must be an integer");
	capture c;
	int rc;
	ka_group *g =
	    load_str("{\"name\": 3, \"topics\": [{\"name\": \"a\", \"partitions\": -1}, "
		     "{\"name\": \"a\", \"partitions\": 1}], \"members\": [{\"member_id\": \"\", "
		     "\"topics\": []}, {\"member_id\": \"c2\", \"topics\": [1], "
		     "\"generation\": \"x\"}]}",
		     &c, &rc);
	CU_ASSERT_PTR_NULL(g);
	CU_ASSERT_EQUAL(c.errors, 6);
}

/* ------------------------------------------------------------------ limits */

/* A growing text buffer for big generated documents. */
typedef struct sb {
	char *s;
	size_t n, cap;
} sb;

__attribute__((format(printf, 2, 3))) static void sb_add(sb *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (b->s && (size_t)k < b->cap - b->n) {
			b->n += (size_t)k;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 1 << 16;
		while (cap < b->n + (size_t)k + 1)
			cap *= 2;
		b->s = realloc(b->s, cap);
		CU_ASSERT_FATAL(b->s != NULL);
		b->cap = cap;
	}
}

static void test_limits_partitions(void)
{
	EXPECT_FAIL("{\"topics\": [{\"name\": \"a\", \"partitions\": 5000000}, {\"name\": \"b\", "
		    "\"partitions\": 5000001}], \"members\": []}",
		    "t.json: error: topics[1].partitions: topic \"b\" brings the total to 10000001 "
		    "partitions, past the limit of 10000000 (KA_MAX_PARTITIONS)");
	/* Named once, where it is crossed; a huge count does not wrap around. */
	capture c;
	int rc;
	ka_group *g =
	    load_str("{\"topics\": [{\"name\": \"a\", \"partitions\": 9223372036854775807}, "
		     "{\"name\": \"b\", \"partitions\": 9223372036854775807}, {\"name\": "
		     "\"c\", \"partitions\": 1}], \"members\": []}",
		     &c, &rc);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NULL(g);
	CU_ASSERT_EQUAL(c.errors, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.buf,
				      "topics[0].partitions: topic \"a\" brings the total to "
				      "9223372036854775807 partitions"));
	EXPECT_FAIL("{\"topics\": [{\"name\": \"a\", \"partitions\": 99999999999999999999}], "
		    "\"members\": []}",
		    "t.json:1:", "invalid JSON");
}

static void test_limits_partitions_exact(void)
{
	/* Exactly the limit loads. */
	capture c;
	ka_group *g =
	    EXPECT_LOAD("{\"topics\": [{\"name\": \"a\", \"partitions\": 5000000}, {\"name\": "
			"\"b\", \"partitions\": 5000000}], \"members\": []}",
			&c, "");
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_EQUAL(g->n_partitions, KA_MAX_PARTITIONS);
	ka_group_free(g);
}

static void test_limits_topics(void)
{
	sb b = {NULL, 0, 0};
	sb_add(&b, "{\"topics\": [");
	for (uint32_t t = 0; t <= KA_MAX_TOPICS; t++)
		sb_add(&b, "%s{\"name\":\"t%" PRIu32 "\",\"partitions\":0}", t ? "," : "", t);
	sb_add(&b, "], \"members\": []}");
	EXPECT_FAIL(
	    b.s,
	    "t.json: error: topics: 1000001 topics, past the limit of 1000000 (KA_MAX_TOPICS)");
	free(b.s);
}

static void test_limits_members(void)
{
	sb b = {NULL, 0, 0};
	sb_add(&b, "{\"topics\": [], \"members\": [");
	for (uint32_t m = 0; m <= KA_MAX_MEMBERS; m++)
		sb_add(&b, "%s{\"member_id\":\"m%" PRIu32 "\",\"topics\":[]}", m ? "," : "", m);
	sb_add(&b, "]}");
	EXPECT_FAIL(
	    b.s,
	    "t.json: error: members: 100001 members, past the limit of 100000 (KA_MAX_MEMBERS)");
	free(b.s);
}

static void test_limits_name(void)
{
	sb b = {NULL, 0, 0};
	sb_add(&b, "{\"topics\": [{\"name\": \"");
	for (uint32_t i = 0; i <= KA_MAX_NAME; i++)
		sb_add(&b, "x");
	sb_add(&b, "\", \"partitions\": 1}], \"members\": []}");
	EXPECT_FAIL(b.s, "topics[0].name: 65536 bytes long, past the limit of 65535 (KA_MAX_NAME)");
	free(b.s);
}

static void test_limits_racks(void)
{
	/* One replica rack per partition, all distinct: past KA_MAX_RACKS
	 * distinct names the load fails at a rack. (The builder today stops at
	 * 65534, one short of the header's limit, hence no index checked.) */
	sb b = {NULL, 0, 0};
	uint32_t n = KA_MAX_RACKS + 1;
	sb_add(&b, "{\"topics\": [{\"name\": \"a\", \"partitions\": %" PRIu32 ", \"racks\": [", n);
	for (uint32_t p = 0; p < n; p++)
		sb_add(&b, "%s[\"r%" PRIu32 "\"]", p ? "," : "", p);
	sb_add(&b, "]}], \"members\": []}");
	EXPECT_FAIL(b.s, "t.json: error: topics[0].racks[",
		    "][0]: more distinct racks than the limit of 65535 (KA_MAX_RACKS)");
	free(b.s);

	/* Fewer load, each partition keeping its rack. */
	b = (sb){NULL, 0, 0};
	n = 1000;
	sb_add(&b, "{\"topics\": [{\"name\": \"a\", \"partitions\": %" PRIu32 ", \"racks\": [", n);
	for (uint32_t p = 0; p < n; p++)
		sb_add(&b, "%s[\"r%" PRIu32 "\"]", p ? "," : "", p);
	sb_add(&b, "]}], \"members\": []}");
	capture c;
	ka_group *g = EXPECT_LOAD(b.s, &c, "");
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_EQUAL(g->n_racks, n);
	CU_ASSERT_STRING_EQUAL(g->rack_name[g->prack[g->prack_off[999]]], "r999");
	ka_group_free(g);
	free(b.s);
}

/* Whole-name match as POSIX searches it: the leftmost-longest match spans
 * the name. The reference the anchored form must agree with. */
static int searched_whole(const regex_t *re, const char *s)
{
	regmatch_t m[1];
	return regexec(re, s, 1, m, 0) == 0 && m[0].rm_so == 0 && (size_t)m[0].rm_eo == strlen(s);
}

static void test_limits_pattern_anchor(void)
{
	/* Random patterns over a small alphabet of atoms and operators
	 * (stray parentheses, brackets, escapes, anchors, counts included) and
	 * random names: wherever the pattern compiles as written, its
	 * anchored form matches exactly the names the search matches whole. */
	static const char *const tok[] = {"a",    "b",   ")",   "(",   "|",     "*", "+", "?", ".",
					  "[ab]", "[)]", "\\)", "\\(", "{1,2}", "^", "$", "x*"};
	const size_t n_tok = sizeof tok / sizeof *tok;
	kd_rng r;
	kd_rng_seed(&r, kt_seed(0x5a17e));
	unsigned compiled = 0, checked = 0, matched = 0;
	for (int c = 0; c < 4000; c++) {
		char src[64] = "", anchored[2 * sizeof src + 5];
		const int len = 1 + (int)kd_rng_below(&r, 8);
		for (int k = 0; k < len; k++)
			strcat(src, tok[kd_rng_below(&r, (uint32_t)n_tok)]);
		regex_t raw, anc;
		if (regcomp(&raw, src, REG_EXTENDED) != 0)
			continue;
		compiled++;
		CU_ASSERT_FATAL(kd_pattern_anchor(src, anchored, sizeof anchored) <=
				sizeof anchored);
		if (regcomp(&anc, anchored, REG_EXTENDED | REG_NOSUB) != 0) {
			printf("\n  pattern %s compiles, its anchored form %s does not\n", src,
			       anchored);
			CU_FAIL("the anchored form compiles");
			regfree(&raw);
			continue;
		}
		for (int k = 0; k < 12; k++) {
			static const char alpha[] = "ab()x";
			char name[12];
			const int n = (int)kd_rng_below(&r, sizeof name);
			for (int i = 0; i < n; i++)
				name[i] = alpha[kd_rng_below(&r, sizeof alpha - 1)];
			name[n] = '\0';
			const int want = searched_whole(&raw, name);
			const int got = regexec(&anc, name, 0, NULL, 0) == 0;
			checked++;
			matched += (unsigned)want;
			if (want != got) {
				printf("\n  pattern %s (anchored %s), name \"%s\": search %d, "
				       "anchored %d\n",
				       src, anchored, name, want, got);
				CU_FAIL("the anchored form agrees with the search");
			}
		}
		regfree(&raw);
		regfree(&anc);
	}
	/* The draw reached both answers often enough to mean something. */
	CU_ASSERT(compiled > 1000);
	CU_ASSERT(matched > 500 && matched < checked - 500);
	/* A stray ')' stays a literal; a too small buffer is untouched. */
	char small[8] = "keep";
	CU_ASSERT_EQUAL(kd_pattern_anchor("a)b", small, sizeof small), 9);
	CU_ASSERT_STRING_EQUAL(small, "keep");
	char buf[16];
	CU_ASSERT_EQUAL(kd_pattern_anchor("a)b", buf, sizeof buf), 9);
	CU_ASSERT_STRING_EQUAL(buf, "^(a\\)b)$");
	CU_ASSERT_EQUAL(kd_pattern_anchor("(a)[)]", buf, sizeof buf), 11);
	CU_ASSERT_STRING_EQUAL(buf, "^((a)[)])$");
}

/* Topics with long names and members with distinct patterns: at `patterns`
 * distinct ones the matching budget (datasets/pattern.h) is passed. */
static char *budget_group(int topics, int patterns)
{
	sb b = {NULL, 0, 0};
	char *name = malloc(50001);
	memset(name, 'n', 50000);
	name[50000] = '\0';
	sb_add(&b, "{\"topics\": [");
	for (int t = 0; t < topics; t++)
		sb_add(&b, "%s{\"name\": \"t%d-%s\", \"partitions\": 1}", t ? "," : "", t, name);
	sb_add(&b, "], \"members\": [{\"member_id\": \"all\", \"topics\": {\"pattern\": \"t.*\"}}");
	for (int m = 0; m < patterns; m++)
		sb_add(&b, ",{\"member_id\": \"m%d\", \"topics\": {\"pattern\": \"t%d-n*|q%d\"}}",
		       m, m % topics, m);
	sb_add(&b, "]}");
	free(name);
	return b.s;
}

static void test_limits_pattern_work(void)
{
	/* 64 topics of 50,000 bytes: each distinct pattern of expanded size
	 * s costs (s + 16) x 3.2 MB; about 850 short ones fit in 2^36. */
	char *ok = budget_group(64, 600);
	capture c;
	ka_group *g = EXPECT_LOAD(ok, &c, "");
	CU_ASSERT(g != NULL && c.errors == 0);
	ka_group_free(g);
	free(ok);
	char *over = budget_group(64, 1200);
	EXPECT_FAIL(over, "passes the loader's budget of 2^36 steps",
		    "share patterns between members or subscribe by name");
	free(over);
}

static void test_limits_flood(void)
{
	/* 50 members subscribing an unknown topic: 20 lines and a count. */
	sb b = {NULL, 0, 0};
	sb_add(&b, "{\"topics\": [{\"name\": \"a\", \"partitions\": 1}], \"members\": [");
	for (int m = 0; m < 50; m++)
		sb_add(&b, "%s{\"member_id\":\"m%d\",\"topics\":[\"a\", \"ghost\"]}", m ? "," : "",
		       m);
	sb_add(&b, "]}");
	capture c;
	ka_group *g = EXPECT_LOAD(
	    b.s, &c, "t.json: warning: members[19].topics[1]: unknown topic \"ghost\" ignored",
	    "t.json: warning: ... and 30 more like it (unknown topic ignored)");
	CU_ASSERT_EQUAL(cap_count(&c, "unknown topic \"ghost\" ignored"), 20);
	CU_ASSERT_EQUAL(c.warnings, 21);
	ka_group_free(g);
	free(b.s);

	/* Errors too: every one counted, 20 spelled out. */
	b = (sb){NULL, 0, 0};
	sb_add(&b, "{\"topics\": [], \"members\": [");
	for (int m = 0; m < 30; m++)
		sb_add(&b, "%s{\"member_id\": %d, \"topics\": []}", m ? "," : "", m);
	sb_add(&b, "]}");
	EXPECT_FAIL(b.s, "members[19].member_id: must be a string, not 19",
		    "t.json: error: ... and 10 more like it (wrong type)");
	int rc;
	g = load_str(b.s, &c, &rc);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NULL(g);
	CU_ASSERT_EQUAL(c.errors, 21);
	CU_ASSERT_PTR_NULL(strstr(c.buf, "members[20].member_id"));
	free(b.s);
}

/* ------------------------------------------------------------------ tolerated */

static void test_tolerated_unknown_topic(void)
{
	capture c;
	ka_group *g =
	    EXPECT_LOAD("{\"topics\": [{\"name\": \"a\", \"partitions\": 2}], \"members\": "
			"[{\"member_id\": \"c0\", \"topics\": [\"a\"]}, {\"member_id\": \"c1\", "
			"\"topics\": [\"zz\", \"a\"]}]}",
			&c, "t.json: warning: members[1].topics[0]: unknown topic \"zz\" ignored");
	CU_ASSERT_FATAL(g != NULL);
	uint32_t m = member_idx(g, "c1");
	CU_ASSERT_EQUAL(n_subs(g, m), 1);
	CU_ASSERT(subscribes(g, m, "a"));
	CU_ASSERT_EQUAL(g->n_topics, 1);
	CU_ASSERT_EQUAL(c.warnings, 1);
	ka_group_free(g);
}

static void test_tolerated_no_subscription(void)
{
	capture c;
	ka_group *g =
	    EXPECT_LOAD("{\"topics\": [{\"name\": \"a\", \"partitions\": 2}], \"members\": "
			"[{\"member_id\": \"c0\", \"topics\": [\"a\"]}, {\"member_id\": \"c1\", "
			"\"topics\": [\"zz\"]}, {\"member_id\": \"c2\", \"topics\": []}, "
			"{\"member_id\": \"c3\", \"topics\": {\"pattern\": \"b.*\"}}]}",
			&c,
			"members[1].topics: member \"c1\" subscribes to no existing topic and "
			"gets no partitions",
			"members[2].topics: member \"c2\" subscribes to no existing topic",
			"members[3].topics: pattern matches no topic");
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_EQUAL(g->n_members, 4);
	CU_ASSERT_EQUAL(n_subs(g, member_idx(g, "c1")), 0);
	CU_ASSERT_EQUAL(n_subs(g, member_idx(g, "c2")), 0);
	CU_ASSERT_EQUAL(n_subs(g, member_idx(g, "c3")), 0);
	ka_group_free(g);
}

static void test_tolerated_owned(void)
{
	capture c;
	char buf[256];
	ka_group *g = EXPECT_LOAD(
	    "{\"topics\": [{\"name\": \"orders\", \"partitions\": 4}, {\"name\": \"pay\", "
	    "\"partitions\": 2}], \"members\": [{\"member_id\": \"c1\", \"topics\": [\"orders\"], "
	    "\"owned\": {\"ghost\": [0, 1], \"orders\": [3, 4, -1, 0, 3], \"pay\": [1]}}]}",
	    &c,
	    "t.json: warning: members[0].owned.ghost: owned partitions of unknown topic \"ghost\" "
	    "dropped (2)",
	    "t.json: warning: members[0].owned.orders[1]: owned partition 4 of topic \"orders\" "
	    "out of range 0..3 dropped",
	    "t.json: warning: members[0].owned.orders[2]: owned partition -1 of topic \"orders\" "
	    "out of range 0..3 dropped",
	    "t.json: warning: members[0].owned.orders[4]: partition orders-3 listed twice: once "
	    "counts",
	    "t.json: warning: members[0].owned.pay[0]: owned partition pay-1 of a topic the member "
	    "does not subscribe to");
	CU_ASSERT_FATAL(g != NULL);
	/* Unknown, out-of-range and repeated claims gone; the unsubscribed one
	 * stays (it counts for movement). */
	CU_ASSERT_STRING_EQUAL(owned_str(g, 0, buf, sizeof buf), "orders:0 orders:3 pay:1");
	CU_ASSERT_EQUAL(g->prev_owner[partition(g, "orders", 3)], 0);
	CU_ASSERT_EQUAL(g->prev_owner[partition(g, "orders", 1)], KA_NONE);
	CU_ASSERT_EQUAL(c.warnings, 5);
	ka_group_free(g);
}

static void test_tolerated_conflicts(void)
{
	capture c;
	ka_group *g =
	    EXPECT_LOAD("{\"topics\": [{\"name\": \"t\", \"partitions\": 3}], \"members\": ["
			"{\"member_id\": \"a\", \"topics\": [\"t\"], \"owned\": {\"t\": [0, 1]}, "
			"\"generation\": 3},"
			"{\"member_id\": \"b\", \"topics\": [\"t\"], \"owned\": {\"t\": [2, 0]}, "
			"\"generation\": 3},"
			"{\"member_id\": \"c\", \"topics\": [\"t\"], \"owned\": {\"t\": [1, 2]}, "
			"\"generation\": 1}]}",
			&c,
			"t.json: warning: members[1].owned.t[1]: partition t-0 also claimed by "
			"members[0] with the same generation 3");
	CU_ASSERT_FATAL(g != NULL);
	/* Same highest generation: nobody; higher generation wins. */
	CU_ASSERT_EQUAL(g->prev_owner[partition(g, "t", 0)], KA_NONE);
	CU_ASSERT_EQUAL(g->prev_owner[partition(g, "t", 1)], member_idx(g, "a"));
	CU_ASSERT_EQUAL(g->prev_owner[partition(g, "t", 2)], member_idx(g, "b"));
	CU_ASSERT_EQUAL(c.warnings, 1);
	ka_group_free(g);
}

/* The document is dropped before the builder finishes; a message from
 * finishing that names a place reads the file again. From a file (the text
 * is freed once parsed) the places must be as exact as from memory. */
static void test_tolerated_places_from_file(void)
{
	char *path = temp_file(
	    "{\"topics\": [{\"name\": \"t.x\", \"partitions\": 3}], \"members\": ["
	    "{\"member_id\": \"a\", \"topics\": [\"t.x\"], \"owned\": {\"t.x\": [0, 1, 1]}, "
	    "\"generation\": 3},"
	    "{\"member_id\": \"b\", \"topics\": {\"pattern\": \"nothing\"}, "
	    "\"owned\": {\"t.x\": [2, 0]}, \"generation\": 3}]}");
	capture c;
	cap_init(&c, path);
	ka_group *g = NULL;
	CU_ASSERT_EQUAL(kd_scenario_load(path, &g, cap_fn, &c), 0);
	const char *want[] = {
	    "members[1].owned[\"t.x\"][1]: partition t.x-0 also claimed by members[0] with the "
	    "same "
	    "generation 3",
	    "members[0].owned[\"t.x\"][2]: partition t.x-1 listed twice",
	    "members[1].owned[\"t.x\"][0]: owned partition t.x-2 of a topic the member does not "
	    "subscribe to",
	    "members[1].topics: pattern matches no topic: member \"b\" subscribes to nothing"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		int found = strstr(c.buf, want[i]) != NULL;
		CU_ASSERT(found);
		if (!found)
			fprintf(stderr, "\nmissing: %s\nin:\n%s", want[i], c.buf);
	}
	CU_ASSERT_EQUAL(c.errors, 0);
	CU_ASSERT_EQUAL(c.bad_prefix, 0);
	ka_group_free(g);
	unlink(path);
	free(path);
}

static void test_tolerated_duplicates(void)
{
	capture c;
	ka_group *g = EXPECT_LOAD(
	    "{\"topics\": [{\"name\": \"t\", \"partitions\": 2, \"racks\": [[\"r1\", \"r1\", "
	    "\"r2\"], "
	    "[\"\"]]}], \"members\": ["
	    "{\"member_id\": \"a\", \"group_instance_id\": \"i\", \"topics\": [\"t\", \"t\", "
	    "\"t\"]},"
	    "{\"member_id\": \"b\", \"group_instance_id\": \"i\", \"topics\": [\"t\"]}]}",
	    &c, "t.json: warning: members[0].topics[1]: topic \"t\" listed twice: once counts",
	    "t.json: warning: members[0].topics[2]: topic \"t\" listed twice: once counts",
	    "group_instance_id \"i\" also used by members[0]",
	    "t.json: warning: topics[0].racks[0]: rack \"r1\" listed twice: once counts",
	    "t.json: warning: topics[0].racks[1][0]: empty rack name ignored");
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_EQUAL(n_subs(g, member_idx(g, "a")), 1);
	CU_ASSERT_EQUAL(g->prack_off[1] - g->prack_off[0], 2);
	CU_ASSERT_EQUAL(g->prack_off[2] - g->prack_off[1], 0);
	ka_group_free(g);
}

static void test_tolerated_patterns(void)
{
	capture c;
	ka_group *g = EXPECT_LOAD(
	    "{\"topics\": [{\"name\": \"t1\", \"partitions\": 1}, {\"name\": \"t10\", "
	    "\"partitions\": 1}, "
	    "{\"name\": \"t2\", \"partitions\": 1}, {\"name\": \"xt1\", \"partitions\": 1}, "
	    "{\"name\": \"a)\", \"partitions\": 1}, {\"name\": \"o.eu\", \"partitions\": 1}], "
	    "\"members\": ["
	    "{\"member_id\": \"exact\", \"topics\": {\"pattern\": \"t1\"}},"
	    "{\"member_id\": \"prefix\", \"topics\": {\"pattern\": \"t1.*\"}},"
	    "{\"member_id\": \"alt\", \"topics\": {\"pattern\": \"t1|t2\"}},"
	    "{\"member_id\": \"paren\", \"topics\": {\"pattern\": \"a)\"}},"
	    "{\"member_id\": \"dot\", \"topics\": {\"pattern\": \"o\\\\.eu|xt.\"}},"
	    "{\"member_id\": \"all\", \"topics\": {\"pattern\": \".*\"}},"
	    "{\"member_id\": \"all2\", \"topics\": {\"pattern\": \".*\"}}]}",
	    &c, "");
	CU_ASSERT_FATAL(g != NULL);
	uint32_t m = member_idx(g, "exact");
	CU_ASSERT_EQUAL(n_subs(g, m), 1);
	CU_ASSERT(subscribes(g, m, "t1"));
	CU_ASSERT(!subscribes(g, m, "t10"));
	CU_ASSERT(!subscribes(g, m, "xt1"));
	m = member_idx(g, "prefix");
	CU_ASSERT_EQUAL(n_subs(g, m), 2);
	CU_ASSERT(subscribes(g, m, "t1") && subscribes(g, m, "t10"));
	m = member_idx(g, "alt");
	CU_ASSERT_EQUAL(n_subs(g, m), 2);
	CU_ASSERT(subscribes(g, m, "t1") && subscribes(g, m, "t2"));
	m = member_idx(g, "paren");
	CU_ASSERT_EQUAL(n_subs(g, m), 1);
	CU_ASSERT(subscribes(g, m, "a)"));
	m = member_idx(g, "dot");
	CU_ASSERT_EQUAL(n_subs(g, m), 2);
	CU_ASSERT(subscribes(g, m, "o.eu") && subscribes(g, m, "xt1"));
	CU_ASSERT_EQUAL(n_subs(g, member_idx(g, "all")), 6);
	CU_ASSERT_EQUAL(n_subs(g, member_idx(g, "all2")), 6);
	CU_ASSERT_EQUAL(c.warnings, 0);
	ka_group_free(g);
}

static void test_tolerated_sample_files(void)
{
	/* Every file of tests/data/good loads without errors and round-trips. */
	char *dir = source_path("tests/data/good");
	DIR *d = opendir(dir);
	CU_ASSERT_FATAL(d != NULL);
	struct dirent *e;
	int n = 0;
	char why[4096];
	while ((e = readdir(d)) != NULL) {
		if (!strstr(e->d_name, ".json"))
			continue;
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		char *path = malloc(len);
		CU_ASSERT_FATAL(path != NULL);
		snprintf(path, len, "%s/%s", dir, e->d_name);
		capture c;
		ka_group *g = NULL;
		cap_init(&c, path);
		int rc = kd_scenario_load(path, &g, cap_fn, &c);
		check_at(rc == 0 && g && c.errors == 0, __LINE__, path, &c);
		if (g) {
			int bad = round_trip(g, why, sizeof why);
			if (bad)
				fprintf(stderr, "\n%s: %s\n", path, why);
			CU_ASSERT_FALSE(bad);
			ka_group_free(g);
		}
		free(path);
		n++;
	}
	closedir(d);
	free(dir);
	CU_ASSERT(n >= 5);
}

/* ------------------------------------------------------------------ roundtrip */

static void test_roundtrip_seed(void)
{
	capture c;
	ka_group *g = EXPECT_LOAD(
	    "{\"name\": \"seed-exercise-1\", \"topics\": [{\"name\": \"orders\", \"partitions\": "
	    "7, "
	    "\"racks\": [[\"r1\", \"r2\"], [\"r2\", \"r3\"], [\"r3\", \"r1\"], [\"r1\"], [\"r2\"], "
	    "[\"r3\"], []]}], \"members\": [{\"member_id\": \"consumer-1\", \"group_instance_id\": "
	    "\"host-1\", \"rack\": \"r1\", \"topics\": [\"orders\"], \"owned\": {\"orders\": [0, "
	    "1, 2]}, "
	    "\"generation\": 4}]}",
	    &c, "");
	CU_ASSERT_FATAL(g != NULL);
	char *text = write_str(g, NULL);
	CU_ASSERT_STRING_EQUAL(
	    text,
	    "{\n"
	    "  \"name\": \"seed-exercise-1\",\n"
	    "  \"topics\": [\n"
	    "    {\"name\": \"orders\", \"partitions\": 7, \"racks\": [[\"r1\", \"r2\"], [\"r2\", "
	    "\"r3\"], [\"r1\", \"r3\"], [\"r1\"], [\"r2\"], [\"r3\"], []]}\n"
	    "  ],\n"
	    "  \"members\": [\n"
	    "    {\"member_id\": \"consumer-1\", \"group_instance_id\": \"host-1\", \"rack\": "
	    "\"r1\", \"topics\": {\"pattern\": \".*\"}, \"owned\": {\"orders\": [0, 1, 2]}, "
	    "\"generation\": 4}\n"
	    "  ]\n"
	    "}\n");
	free(text);
	char why[4096];
	int bad = round_trip(g, why, sizeof why);
	if (bad)
		fprintf(stderr, "\n%s\n", why);
	CU_ASSERT_FALSE(bad);
	ka_group_free(g);
}

static void test_roundtrip_subscriptions(void)
{
	/* Lists for partial subscribers, a pattern for full ones, [] for none;
	 * members in model order, topics sorted, owned grouped by topic. */
	capture c;
	ka_group *g = EXPECT_LOAD("{\"topics\": [{\"name\": \"b\", \"partitions\": 2}, {\"name\": "
				  "\"a\", \"partitions\": 2}], "
				  "\"members\": [{\"member_id\": \"m2\", \"topics\": [\"b\"], "
				  "\"owned\": {\"b\": [1], \"a\": "
				  "[1, 0]}}, {\"member_id\": \"m1\", \"topics\": [\"b\", \"a\"]}, "
				  "{\"member_id\": \"m0\", "
				  "\"topics\": []}, {\"member_id\": \"s\", \"group_instance_id\": "
				  "\"z\", \"topics\": [\"a\"]}]}",
				  &c, "");
	CU_ASSERT_FATAL(g != NULL);
	char *text = write_str(g, NULL);
	CU_ASSERT_STRING_EQUAL(
	    text, "{\n"
		  "  \"topics\": [\n"
		  "    {\"name\": \"a\", \"partitions\": 2},\n"
		  "    {\"name\": \"b\", \"partitions\": 2}\n"
		  "  ],\n"
		  "  \"members\": [\n"
		  "    {\"member_id\": \"s\", \"group_instance_id\": \"z\", \"topics\": [\"a\"]},\n"
		  "    {\"member_id\": \"m0\", \"topics\": []},\n"
		  "    {\"member_id\": \"m1\", \"topics\": {\"pattern\": \".*\"}},\n"
		  "    {\"member_id\": \"m2\", \"topics\": [\"b\"], \"owned\": {\"a\": [0, 1], "
		  "\"b\": [1]}}\n"
		  "  ]\n"
		  "}\n");
	free(text);
	ka_group_free(g);

	/* No topics: a member subscribing "everything" is written as []. */
	g = EXPECT_LOAD(
	    "{\"topics\": [], \"members\": [{\"member_id\": \"c\", \"topics\": {\"pattern\": "
	    "\".*\"}}]}",
	    &c, "");
	CU_ASSERT_FATAL(g != NULL);
	text = write_str(g, NULL);
	CU_ASSERT_STRING_EQUAL(text, "{\n  \"topics\": [],\n  \"members\": [\n    {\"member_id\": "
				     "\"c\", \"topics\": []}\n  ]\n}\n");
	free(text);
	ka_group_free(g);
}

static void test_roundtrip_names(void)
{
	/* Quotes, backslashes, control characters, non-BMP and dots survive. */
	capture c;
	char why[4096];
	ka_group *g =
	    EXPECT_LOAD("{\"name\": \"q\\\"b\\\\t\\t\", \"topics\": [{\"name\": \"\\uffff\", "
			"\"partitions\": 1}, "
			"{\"name\": \"\\ud834\\udd1e\", \"partitions\": 2}, {\"name\": \"a.b\", "
			"\"partitions\": 1, "
			"\"racks\": [[\"r \\\"x\\\"\", \"\\u00e9\"]]}], \"members\": "
			"[{\"member_id\": \"\\u0001\", "
			"\"rack\": \"\\u00e9\", \"topics\": [\"a.b\", \"\\uffff\"], \"owned\": "
			"{\"\\ud834\\udd1e\": "
			"[1]}}, {\"member_id\": \"x/y\", \"topics\": {\"pattern\": \".*\"}}]}",
			&c, "");
	CU_ASSERT_FATAL(g != NULL);
	/* Java order: U+1D11E is a surrogate pair, below U+FFFF in UTF-16. */
	CU_ASSERT_STRING_EQUAL(g->topic_name[0], "a.b");
	CU_ASSERT_STRING_EQUAL(g->topic_name[1], "\xf0\x9d\x84\x9e");
	CU_ASSERT_STRING_EQUAL(g->topic_name[2], "\xef\xbf\xbf");
	int bad = round_trip(g, why, sizeof why);
	if (bad)
		fprintf(stderr, "\n%s\n", why);
	CU_ASSERT_FALSE(bad);
	ka_group_free(g);
}

static void test_roundtrip_random(void)
{
	/* Random groups: the printed description loads into the model the
	 * builder makes of it directly, and that model round-trips. */
	uint64_t seed = kt_seed(SEED), first = 0;
	uint64_t end = tg_case_range(300, &first);
	char why[8192];
	for (uint64_t i = first; i < end; i++) {
		kd_rng r;
		tg_desc d;
		tg_case_rng(&r, seed, i);
		tg_random(&r, 0, &d);
		ka_group *want = tg_desc_build(&d);
		CU_ASSERT_FATAL(want != NULL);
		char *text = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&text, &n);
		CU_ASSERT_FATAL(f != NULL);
		tg_desc_print(f, &d);
		fclose(f);
		capture *c = malloc(sizeof *c);
		CU_ASSERT_FATAL(c != NULL);
		cap_init(c, "r.json");
		ka_group *got = NULL;
		int rc = kd_scenario_load_buffer("r.json", text, n, &got, cap_fn, c);
		int bad = rc != 0 || c->errors != 0;
		if (bad)
			snprintf(why, sizeof why, "does not load:\n%.4000s", c->buf);
		else
			bad = model_diff(want, got, why, sizeof why) ||
			      round_trip(got, why, sizeof why);
		if (bad)
			fprintf(stderr,
				"\nseed %#" PRIx64 " case %" PRIu64 " (KT_SEED=%#" PRIx64
				" KT_CASE=%" PRIu64 "): %s\nscenario:\n%s\n",
				seed, i, seed, i, why, text);
		CU_ASSERT_FALSE(bad);
		ka_group_free(got);
		ka_group_free(want);
		free(c);
		free(text);
		if (bad)
			break;
	}
}

static void test_roundtrip_write_error(void)
{
	capture c;
	ka_group *g =
	    EXPECT_LOAD("{\"topics\": [{\"name\": \"a\", \"partitions\": 1}], \"members\": "
			"[{\"member_id\": \"c\", \"topics\": [\"a\"]}]}",
			&c, "");
	CU_ASSERT_FATAL(g != NULL);
	FILE *f = fopen("/dev/full", "w");
	if (f) {
		CU_ASSERT_EQUAL(kd_scenario_write(f, g), -1);
		uint32_t owner[1] = {0};
		CU_ASSERT_EQUAL(kd_assignment_write(f, g, "range", owner), -1);
		fclose(f);
	}
	ka_group_free(g);
}

/* ------------------------------------------------------------------ assignment */

static const char *asg_group =
    "{\"name\": \"g\", \"topics\": [{\"name\": \"orders\", \"partitions\": 7}, {\"name\": \"a.b\", "
    "\"partitions\": 2}, {\"name\": \"idle\", \"partitions\": 1}], \"members\": ["
    "{\"member_id\": \"c2\", \"topics\": [\"orders\", \"a.b\"]}, {\"member_id\": \"c1\", "
    "\"group_instance_id\": \"z\", \"topics\": [\"orders\"]}, {\"member_id\": \"c3\", \"topics\": "
    "[\"orders\"]}]}";

static void test_assignment_write_read(void)
{
	capture c;
	ka_group *g = EXPECT_LOAD(asg_group, &c, "");
	CU_ASSERT_FATAL(g != NULL);
	uint32_t owner[10];
	for (uint32_t p = 0; p < g->n_partitions; p++)
		owner[p] = KA_NONE;
	uint32_t c1 = member_idx(g, "c1"), c2 = member_idx(g, "c2");
	owner[partition(g, "orders", 0)] = c1;
	owner[partition(g, "orders", 4)] = c2;
	owner[partition(g, "orders", 2)] = c2;
	owner[partition(g, "a.b", 1)] = c2;
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(kd_assignment_write(f, g, "range", owner), 0);
	fclose(f);
	/* Members by member_id; topics and partitions ascending; {} when empty. */
	CU_ASSERT_STRING_EQUAL(text, "{\n"
				     "  \"scenario\": \"g\",\n"
				     "  \"strategy\": \"range\",\n"
				     "  \"assignment\": {\n"
				     "    \"c1\": {\"orders\": [0]},\n"
				     "    \"c2\": {\"a.b\": [1], \"orders\": [2, 4]},\n"
				     "    \"c3\": {}\n"
				     "  }\n"
				     "}\n");
	char *path = temp_file(text);
	uint32_t back[10];
	cap_init(&c, path);
	CU_ASSERT_EQUAL(kd_assignment_load(path, g, back, cap_fn, &c), 0);
	CU_ASSERT_EQUAL(memcmp(owner, back, g->n_partitions * sizeof *owner), 0);
	CU_ASSERT_EQUAL(c.errors, 0);
	unlink(path);
	free(path);
	free(text);

	/* A bad owner[] entry is refused before anything is written. */
	owner[0] = 99;
	text = NULL;
	f = open_memstream(&text, &n);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(kd_assignment_write(f, g, "range", owner), -1);
	fclose(f);
	CU_ASSERT_EQUAL(n, 0);
	free(text);
	ka_group_free(g);
}

/* Loads an assignment text for asg_group; returns the violation count. */
static int64_t load_asg(const char *text, capture *c, uint32_t *owner)
{
	ka_group *g = EXPECT_LOAD(asg_group, c, "");
	CU_ASSERT_FATAL(g != NULL);
	char *path = temp_file(text);
	cap_init(c, path);
	int64_t v = kd_assignment_load(path, g, owner, cap_fn, c);
	CU_ASSERT_EQUAL(c->bad_prefix, 0);
	unlink(path);
	free(path);
	ka_group_free(g);
	return v;
}

static void test_assignment_violations(void)
{
	capture c;
	uint32_t owner[10];
	int64_t v =
	    load_asg("{\"scenario\": \"g\", \"strategy\": \"x\", \"extra\": 1, \"assignment\": {"
		     "\"c1\": {\"orders\": [0, 3]},"
		     "\"c2\": {\"orders\": [1, 3, 7, -1, \"2\"], \"ghost\": [0], \"a.b\": [1, 1]},"
		     "\"zed\": {\"orders\": [2]}}}",
		     &c, owner);
	CU_ASSERT_EQUAL(v, 8);
	CU_ASSERT_PTR_NOT_NULL(strstr(
	    c.buf, "error: assignment.c2.orders[1]: partition orders-3 already given to c1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(c.buf, "error: assignment.c2.orders[2]: partition 7 out of "
					     "range: topic \"orders\" has 7 partitions"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(c.buf, "error: assignment.c2.orders[3]: partition -1 out of range"));
	CU_ASSERT_PTR_NOT_NULL(strstr(
	    c.buf, "error: assignment.c2.orders[4]: partition must be an integer, not a string"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(c.buf, "error: assignment.c2.ghost: unknown topic \"ghost\""));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(c.buf, "error: assignment.c2[\"a.b\"][1]: partition a.b-1 already given to c2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(c.buf, "error: assignment.zed: unknown member \"zed\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(c.buf, "error: assignment: member \"c3\" missing"));
	/* Unknown member's partitions are not recorded; the first giver keeps. */
	CU_ASSERT_EQUAL(c.errors, 8);
	/* Topics a.b (0..1), idle (2), orders (3..9). orders-0 and orders-3
	 * went to c1 (member 0: static members first), orders-1 and a.b-1 to c2;
	 * orders-2 was only named by an unknown member. */
	CU_ASSERT_EQUAL(owner[3 + 0], 0);
	CU_ASSERT_EQUAL(owner[3 + 3], 0);
	CU_ASSERT_EQUAL(owner[3 + 1], 1);
	CU_ASSERT_EQUAL(owner[1], 1);
	CU_ASSERT_EQUAL(owner[3 + 2], KA_NONE);
	CU_ASSERT_EQUAL(owner[0], KA_NONE);
}

static void test_assignment_empty_ok(void)
{
	capture c;
	uint32_t owner[10];
	int64_t v = load_asg("{\"assignment\": {\"c1\": {}, \"c2\": {\"orders\": []}, \"c3\": {}}}",
			     &c, owner);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(c.errors, 0);
	for (int p = 0; p < 10; p++)
		CU_ASSERT_EQUAL(owner[p], KA_NONE);
}

static void test_assignment_not_a_document(void)
{
	static const struct {
		const char *text, *says;
	} cases[] = {
	    {"{\"assignment\": {\"c1\": {}", "invalid JSON"},
	    {"[]", "top level: must be a JSON object, not an array"},
	    {"{\"scenario\": \"g\"}", "assignment: required field missing"},
	    {"{\"assignment\": []}", "assignment: must be an object"},
	    {"{\"assignment\": {\"c1\": [], \"c2\": {}, \"c3\": {}}}",
	     "assignment.c1: must be an object"},
	    {"{\"assignment\": {\"c1\": {\"orders\": 3}, \"c2\": {}, \"c3\": {}}}",
	     "assignment.c1.orders: must be an array of partitions, not an integer"},
	};
	for (size_t i = 0; i < TG_LEN(cases); i++) {
		capture c;
		uint32_t owner[10];
		int64_t v = load_asg(cases[i].text, &c, owner);
		char what[256];
		snprintf(what, sizeof what, "'%s' is not an assignment document: %s", cases[i].text,
			 cases[i].says);
		check_at(v == -1 && strstr(c.buf, cases[i].says) != NULL && c.errors > 0, __LINE__,
			 what, &c);
	}
	capture c;
	ka_group *g = EXPECT_LOAD(asg_group, &c, "");
	CU_ASSERT_FATAL(g != NULL);
	uint32_t owner[10];
	cap_init(&c, "/nonexistent/a.json");
	CU_ASSERT_EQUAL(kd_assignment_load("/nonexistent/a.json", g, owner, cap_fn, &c), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.buf, "/nonexistent/a.json: error: cannot read"));
	ka_group_free(g);
}

static void test_assignment_random(void)
{
	/* write -> load gives owner[] back on random groups and assignments. */
	uint64_t seed = kt_seed(SEED), first = 0;
	uint64_t end = tg_case_range(100, &first);
	for (uint64_t i = first; i < end; i++) {
		kd_rng r;
		tg_desc d;
		tg_case_rng(&r, seed, i);
		tg_random(&r, 0, &d);
		ka_group *g = tg_desc_build(&d);
		CU_ASSERT_FATAL(g != NULL);
		uint32_t *owner = malloc((g->n_partitions + 1) * sizeof *owner);
		uint32_t *back = malloc((g->n_partitions + 1) * sizeof *back);
		CU_ASSERT_FATAL(owner && back);
		for (uint32_t p = 0; p < g->n_partitions; p++)
			owner[p] = g->n_members && kd_rng_below(&r, 4)
				       ? kd_rng_below(&r, g->n_members)
				       : KA_NONE;
		char *text = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&text, &n);
		CU_ASSERT_FATAL(f != NULL);
		CU_ASSERT_EQUAL(kd_assignment_write(f, g, "random", owner), 0);
		fclose(f);
		char *path = temp_file(text);
		capture c;
		cap_init(&c, path);
		int64_t v = kd_assignment_load(path, g, back, cap_fn, &c);
		int bad = v != 0 || memcmp(owner, back, g->n_partitions * sizeof *owner) != 0;
		if (bad)
			fprintf(stderr, "\nseed %#" PRIx64 " case %" PRIu64 ": %s\n%s\n", seed, i,
				c.buf, text);
		CU_ASSERT_FALSE(bad);
		unlink(path);
		free(path);
		free(text);
		free(owner);
		free(back);
		ka_group_free(g);
		if (bad)
			break;
	}
}

/* ------------------------------------------------------------------ tables */

static const kt_test syntax_tests[] = {
    {"line and column", test_syntax_line_column}, {"empty input", test_syntax_empty},
    {"duplicate key", test_syntax_duplicate_key}, {"encoding", test_syntax_encoding},
    {"top level", test_syntax_top_level},         {"files", test_syntax_file},
    {"tests/data/bad", test_syntax_bad_files},    {NULL, NULL},
};

static const kt_test fields_tests[] = {
    {"required", test_fields_required},
    {"topic name", test_fields_topic_name},
    {"partitions", test_fields_partitions},
    {"racks", test_fields_racks},
    {"leaders", test_fields_leaders},
    {"duplicate topic", test_fields_duplicate_topic},
    {"member id", test_fields_member_id},
    {"instance id and rack", test_fields_instance_and_rack},
    {"subscriptions", test_fields_subscriptions},
    {"invalid pattern", test_fields_pattern_invalid},
    {"owned", test_fields_owned},
    {"generation", test_fields_generation},
    {"unknown fields", test_fields_unknown},
    {"every error", test_fields_every_error},
    {NULL, NULL},
};

static const kt_test limits_tests[] = {
    {"partitions", test_limits_partitions},
    {"partitions exactly at the limit", test_limits_partitions_exact},
    {"topics", test_limits_topics},
    {"members", test_limits_members},
    {"name length", test_limits_name},
    {"racks", test_limits_racks},
    {"message flood", test_limits_flood},
    {"anchored patterns", test_limits_pattern_anchor},
    {"pattern matching budget", test_limits_pattern_work},
    {NULL, NULL},
};

static const kt_test tolerated_tests[] = {
    {"unknown topic", test_tolerated_unknown_topic},
    {"no subscription", test_tolerated_no_subscription},
    {"owned", test_tolerated_owned},
    {"conflicts", test_tolerated_conflicts},
    {"places from a file", test_tolerated_places_from_file},
    {"duplicates", test_tolerated_duplicates},
    {"patterns", test_tolerated_patterns},
    {"tests/data/good", test_tolerated_sample_files},
    {NULL, NULL},
};

static const kt_test roundtrip_tests[] = {
    {"seed scenario", test_roundtrip_seed},
    {"subscriptions", test_roundtrip_subscriptions},
    {"names", test_roundtrip_names},
    {"random groups", test_roundtrip_random},
    {"write errors", test_roundtrip_write_error},
    {NULL, NULL},
};

static const kt_test assignment_tests[] = {
    {"write and read", test_assignment_write_read},
    {"violations", test_assignment_violations},
    {"empty lists", test_assignment_empty_ok},
    {"not an assignment", test_assignment_not_a_document},
    {"random", test_assignment_random},
    {NULL, NULL},
};

static const kt_suite suites[] = {
    {"syntax", syntax_tests},
    {"fields", fields_tests},
    {"limits", limits_tests},
    {"tolerated", tolerated_tests},
    {"roundtrip", roundtrip_tests},
    {"assignment", assignment_tests},
    {NULL, NULL},
};

KT_MAIN(suites)
