/*
 * runread.c - reads a run file (docs/simulation.md) into the run model
 * (runfile.h): every field the writer writes, and what the viewers derive
 * from them. One error stops the read: the message names the JSON path
 * and the rule, as the scenario loader's do.
 */
#include "runfile/runfile.h"
#include "datasets/jsonfile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rd {
	kr_run *run;
	char *err;
	size_t errlen;
} rd;

static int fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(rd *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* "the string \"x\"", "an object", "the real number 3.5": what was found. */
static const char *what(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		snprintf(buf, len, "the string \"%.40s\"", json_string_value(v));
		return buf;
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return "null";
	}
}

/* A finite number at obj.key. Absent (or null): *v = NAN, and an error
 * when required. */
static int get_num(rd *r, const json_t *obj, const char *path, const char *key, int required,
		   double *v)
{
	const json_t *x = json_object_get(obj, key);
	char b[64];
	*v = NAN;
	if (!x || json_is_null(x)) {
		if (required)
			return fail(r, "%s.%s: required field missing (a number)", path, key);
		return 0;
	}
	if (!json_is_number(x) || !isfinite(json_number_value(x)))
		return fail(r, "%s.%s: must be a number, not %s", path, key, what(x, b, sizeof(b)));
	*v = json_number_value(x);
	return 0;
}

/* A string at obj.key; absent or null gives *v = NULL (an error when required). */
static int get_str(rd *r, const json_t *obj, const char *path, const char *key, int required,
		   const char **v)
{
	const json_t *x = json_object_get(obj, key);
	char b[64];
	*v = NULL;
	if (!x || json_is_null(x)) {
		if (required)
			return fail(r, "%s.%s: required field missing (a string)", path, key);
		return 0;
	}
	if (!json_is_string(x))
		return fail(r, "%s.%s: must be a string, not %s", path, key, what(x, b, sizeof(b)));
	*v = json_string_value(x);
	return 0;
}

/* A boolean at obj.key; absent or null gives *v = -1. */
static int get_bool(rd *r, const json_t *obj, const char *path, const char *key, int *v)
{
	const json_t *x = json_object_get(obj, key);
	char b[64];
	*v = -1;
	if (!x || json_is_null(x))
		return 0;
	if (!json_is_boolean(x))
		return fail(r, "%s.%s: must be true or false, not %s", path, key,
			    what(x, b, sizeof(b)));
	*v = json_is_true(x);
	return 0;
}

/* A list of strings at obj.key into run->strs (which has room for it). */
static int get_strlist(rd *r, const json_t *obj, const char *path, const char *key, kr_strlist *l)
{
	kr_run *run = r->run;
	const json_t *x = json_object_get(obj, key), *s;
	size_t i;
	char b[64];
	*l = (kr_strlist){run->n_strs, 0, 0};
	if (!x || json_is_null(x))
		return 0;
	if (!json_is_array(x))
		return fail(r, "%s.%s: must be an array of strings, not %s", path, key,
			    what(x, b, sizeof(b)));
	json_array_foreach(x, i, s)
	{
		if (!json_is_string(s))
			return fail(r, "%s.%s[%zu]: must be a string, not %s", path, key, i,
				    what(s, b, sizeof(b)));
		run->strs[run->n_strs++] = json_string_value(s);
	}
	l->n = json_array_size(x);
	l->present = 1;
	return 0;
}

/* The array at root.key; NULL when absent or null (an error when required). */
static int get_array(rd *r, const json_t *root, const char *key, int required, const json_t **v)
{
	const json_t *x = json_object_get(root, key);
	char b[64];
	*v = NULL;
	if (!x || json_is_null(x)) {
		if (required)
			return fail(r, "%s: required field missing (an array)", key);
		return 0;
	}
	if (!json_is_array(x))
		return fail(r, "%s: must be an array, not %s", key, what(x, b, sizeof(b)));
	*v = x;
	return 0;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int64_t kr_run_member_find(const kr_run *run, const char *id)
{
	if (!run->n_slots)
		return -1;
	size_t mask = run->n_slots - 1;
	for (size_t i = hash_str(id) & mask;; i = (i + 1) & mask) {
		uint32_t s = run->slots[i];
		if (!s)
			return -1;
		if (strcmp(run->members[s - 1].id, id) == 0)
			return s - 1;
	}
}

static int rehash(rd *r, size_t n_slots)
{
	kr_run *run = r->run;
	uint32_t *slots = calloc(n_slots, sizeof(*slots));
	if (!slots)
		return fail(r, "out of memory");
	for (size_t m = 0; m < run->n_members; m++) {
		size_t i = hash_str(run->members[m].id) & (n_slots - 1);
		while (slots[i])
			i = (i + 1) & (n_slots - 1);
		slots[i] = (uint32_t)(m + 1);
	}
	free(run->slots);
	run->slots = slots;
	run->n_slots = n_slots;
	return 0;
}

/* Adds a member; *index receives it (or the existing one when `listed` is
 * 0 and the id is known). A listed id seen twice is an error. */
static int member_add(rd *r, const char *id, const char *instance_id, int listed, const char *path,
		      int64_t *index)
{
	kr_run *run = r->run;
	int64_t found = kr_run_member_find(run, id);
	if (found >= 0) {
		if (listed)
			return fail(r, "%s.member_id: duplicate member id \"%.80s\"", path, id);
		*index = found;
		return 0;
	}
	if (run->n_members >= UINT32_MAX - 1)
		return fail(r, "%s: too many members", path);
	if (run->n_members == run->cap_members) {
		size_t cap = run->cap_members ? run->cap_members * 2 : 16;
		kr_member *m = realloc(run->members, cap * sizeof(*m));
		if (!m)
			return fail(r, "out of memory");
		run->members = m;
		run->cap_members = cap;
	}
	run->members[run->n_members] = (kr_member){
	    .id = id, .instance_id = instance_id, .listed = listed, .initial_state = KR_ABSENT};
	*index = (int64_t)run->n_members++;
	if (run->n_members * 2 > run->n_slots)
		return rehash(r, run->n_slots ? run->n_slots * 2 : 64);
	size_t mask = run->n_slots - 1, i = hash_str(id) & mask;
	while (run->slots[i])
		i = (i + 1) & mask;
	run->slots[i] = (uint32_t)run->n_members;
	return 0;
}

static int read_members(rd *r, const json_t *root)
{
	const json_t *arr, *m;
	size_t i;
	char path[64], b[64];
	if (get_array(r, root, "members", 1, &arr) < 0)
		return -1;
	/* Room for every member's lists of strings. */
	size_t n_strs = 0;
	json_array_foreach(arr, i, m)
	{
		const json_t *c = json_object_get(m, "coordinator_member_ids");
		const json_t *t = json_object_get(m, "topics");
		n_strs += (json_is_array(c) ? json_array_size(c) : 0) +
			  (json_is_array(t) ? json_array_size(t) : 0);
	}
	r->run->strs = calloc(n_strs ? n_strs : 1, sizeof(*r->run->strs));
	if (!r->run->strs)
		return fail(r, "out of memory");
	json_array_foreach(arr, i, m)
	{
		snprintf(path, sizeof(path), "members[%zu]", i);
		if (!json_is_object(m))
			return fail(r, "%s: must be an object {\"member_id\": ...}, not %s", path,
				    what(m, b, sizeof(b)));
		const char *id, *inst;
		int64_t idx;
		if (get_str(r, m, path, "member_id", 1, &id) < 0 ||
		    get_str(r, m, path, "group_instance_id", 0, &inst) < 0)
			return -1;
		if (!*id)
			return fail(r, "%s.member_id: must not be empty", path);
		if (member_add(r, id, inst, 1, path, &idx) < 0)
			return -1;
		kr_member *mb = &r->run->members[idx];
		if (get_strlist(r, m, path, "coordinator_member_ids", &mb->coordinator_member_ids) <
			0 ||
		    get_strlist(r, m, path, "topics", &mb->topics) < 0)
			return -1;
	}
	return 0;
}

static int read_topics(rd *r, const json_t *root)
{
	kr_run *run = r->run;
	const json_t *arr, *t;
	size_t i;
	char path[64], b[64];
	if (get_array(r, root, "topics", 1, &arr) < 0)
		return -1;
	run->n_topics = json_array_size(arr);
	run->topics = calloc(run->n_topics ? run->n_topics : 1, sizeof(*run->topics));
	if (!run->topics)
		return fail(r, "out of memory");
	json_array_foreach(arr, i, t)
	{
		snprintf(path, sizeof(path), "topics[%zu]", i);
		if (!json_is_object(t))
			return fail(
			    r, "%s: must be an object {\"name\": ..., \"partitions\": ...}, not %s",
			    path, what(t, b, sizeof(b)));
		const json_t *p = json_object_get(t, "partitions");
		if (get_str(r, t, path, "name", 1, &run->topics[i].name) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(run->topics[j].name, run->topics[i].name) == 0)
				return fail(
				    r, "%s.name: duplicate topic name \"%.80s\" (also topics[%zu])",
				    path, run->topics[i].name, j);
		if (!json_is_integer(p) || json_integer_value(p) < 0 ||
		    json_integer_value(p) > UINT32_MAX)
			return fail(r, "%s.partitions: must be an integer >= 0, not %s", path,
				    p ? what(p, b, sizeof(b)) : "missing");
		run->topics[i].partitions = (uint32_t)json_integer_value(p);
	}
	return 0;
}

/* Index of the topic named name, or n_topics. */
static size_t topic_find(const kr_run *run, const char *name)
{
	size_t t = 0;
	while (t < run->n_topics && strcmp(run->topics[t].name, name) != 0)
		t++;
	return t;
}

static int read_events(rd *r, const json_t *root)
{
	kr_run *run = r->run;
	const json_t *arr, *e;
	size_t i;
	char path[64], b[64];
	if (get_array(r, root, "events", 1, &arr) < 0)
		return -1;
	run->n_events = json_array_size(arr);
	run->events = calloc(run->n_events ? run->n_events : 1, sizeof(*run->events));
	if (!run->events)
		return fail(r, "out of memory");
	json_array_foreach(arr, i, e)
	{
		kr_event *ev = &run->events[i];
		const char *member, *topic;
		snprintf(path, sizeof(path), "events[%zu]", i);
		if (!json_is_object(e))
			return fail(r,
				    "%s: must be an object {\"t_ms\": ..., \"type\": ...}, not %s",
				    path, what(e, b, sizeof(b)));
		if (get_num(r, e, path, "t_ms", 1, &ev->t_ms) < 0 ||
		    get_str(r, e, path, "type", 1, &ev->type) < 0 ||
		    get_str(r, e, path, "member", 0, &member) < 0 ||
		    get_str(r, e, path, "topic", 0, &topic) < 0 ||
		    get_num(r, e, path, "count", 0, &ev->count) < 0)
			return -1;
		if (ev->t_ms < 0)
			return fail(r, "%s.t_ms: must be >= 0, not %g", path, ev->t_ms);
		ev->member = ev->topic = -1;
		if (member && member_add(r, member, NULL, 0, path, &ev->member) < 0)
			return -1;
		if (topic) {
			size_t t = topic_find(run, topic);
			if (t >= run->n_topics)
				return fail(r, "%s.topic: unknown topic \"%.80s\" (not in topics)",
					    path, topic);
			ev->topic = (int64_t)t;
		}
		if (!isnan(ev->count) && (ev->count < 0 || ev->count != floor(ev->count)))
			return fail(r, "%s.count: must be an integer >= 0, not %g", path,
				    ev->count);
	}
	return 0;
}

static int read_rebalances(rd *r, const json_t *root)
{
	kr_run *run = r->run;
	const json_t *arr, *x;
	size_t i;
	char path[64], b[64];
	if (get_array(r, root, "rebalances", 1, &arr) < 0)
		return -1;
	run->n_rebalances = json_array_size(arr);
	run->rebalances =
	    calloc(run->n_rebalances ? run->n_rebalances : 1, sizeof(*run->rebalances));
	if (!run->rebalances)
		return fail(r, "out of memory");
	json_array_foreach(arr, i, x)
	{
		kr_rebalance *rb = &run->rebalances[i];
		snprintf(path, sizeof(path), "rebalances[%zu]", i);
		if (!json_is_object(x))
			return fail(
			    r,
			    "%s: must be an object {\"generation\": ..., \"start_ms\": ...}, "
			    "not %s",
			    path, what(x, b, sizeof(b)));
		const json_t *g = json_object_get(x, "generation");
		if (!json_is_integer(g))
			return fail(r, "%s.generation: must be an integer, not %s", path,
				    g ? what(g, b, sizeof(b)) : "missing");
		rb->generation = json_integer_value(g);
		if (get_num(r, x, path, "start_ms", 1, &rb->start_ms) < 0 ||
		    get_num(r, x, path, "end_ms", 1, &rb->end_ms) < 0 ||
		    get_str(r, x, path, "trigger", 0, &rb->trigger) < 0 ||
		    get_str(r, x, path, "kind", 0, &rb->kind) < 0 ||
		    get_num(r, x, path, "members", 0, &rb->members) < 0 ||
		    get_num(r, x, path, "revoked", 0, &rb->revoked) < 0 ||
		    get_num(r, x, path, "assigned", 0, &rb->assigned) < 0 ||
		    get_num(r, x, path, "moved", 0, &rb->moved) < 0 ||
		    get_num(r, x, path, "assign_ms", 0, &rb->assign_ms) < 0 ||
		    get_num(r, x, path, "stop_the_world_ms", 0, &rb->stop_the_world_ms) < 0 ||
		    get_bool(r, x, path, "superseded", &rb->superseded) < 0)
			return -1;
		if (rb->start_ms < 0)
			return fail(r, "%s.start_ms: must be >= 0, not %g", path, rb->start_ms);
		if (rb->end_ms < rb->start_ms)
			return fail(r, "%s.end_ms: must be a number >= start_ms (%g), not %g", path,
				    rb->start_ms, rb->end_ms);
	}
	return 0;
}

static int read_ownership(rd *r, const json_t *root)
{
	kr_run *run = r->run;
	const json_t *arr, *x, *iv;
	size_t i, j, total = 0;
	char path[96], b[64];
	if (get_array(r, root, "ownership", 0, &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	run->has_ownership = 1;
	run->n_partitions = json_array_size(arr);
	json_array_foreach(arr, i, x)
	{
		const json_t *ivs = json_is_object(x) ? json_object_get(x, "intervals") : NULL;
		total += json_is_array(ivs) ? json_array_size(ivs) : 0;
	}
	run->partitions =
	    calloc(run->n_partitions ? run->n_partitions : 1, sizeof(*run->partitions));
	run->intervals = calloc(total ? total : 1, sizeof(*run->intervals));
	if (!run->partitions || !run->intervals)
		return fail(r, "out of memory");
	/* Topic lookups repeat for every partition of a topic: remember the last. */
	size_t last_topic = run->n_topics;
	json_array_foreach(arr, i, x)
	{
		kr_partition *p = &run->partitions[i];
		const char *topic;
		snprintf(path, sizeof(path), "ownership[%zu]", i);
		if (!json_is_object(x))
			return fail(
			    r,
			    "%s: must be an object {\"topic\", \"partition\", \"intervals\"}, "
			    "not %s",
			    path, what(x, b, sizeof(b)));
		if (get_str(r, x, path, "topic", 1, &topic) < 0)
			return -1;
		if (last_topic >= run->n_topics || strcmp(run->topics[last_topic].name, topic) != 0)
			last_topic = topic_find(run, topic);
		if (last_topic >= run->n_topics)
			return fail(r, "%s.topic: unknown topic \"%.80s\" (not in topics)", path,
				    topic);
		p->topic = (uint32_t)last_topic;
		const json_t *pn = json_object_get(x, "partition");
		if (!json_is_integer(pn) || json_integer_value(pn) < 0 ||
		    json_integer_value(pn) >= run->topics[last_topic].partitions)
			return fail(r,
				    "%s.partition: must be a partition of topic \"%.80s\" (%u "
				    "partitions: 0..%lld), not %s",
				    path, topic, run->topics[last_topic].partitions,
				    (long long)run->topics[last_topic].partitions - 1,
				    pn ? what(pn, b, sizeof(b)) : "missing");
		p->partition = (uint32_t)json_integer_value(pn);
		const json_t *ivs = json_object_get(x, "intervals");
		if (!json_is_array(ivs))
			return fail(
			    r,
			    "%s.intervals: must be an array of [from_ms, to_ms, member_id], "
			    "not %s",
			    path, ivs ? what(ivs, b, sizeof(b)) : "missing");
		p->first = run->n_intervals;
		p->n = json_array_size(ivs);
		json_array_foreach(ivs, j, iv)
		{
			kr_interval *in = &run->intervals[run->n_intervals++];
			const json_t *f = json_array_get(iv, 0), *t = json_array_get(iv, 1),
				     *m = json_array_get(iv, 2);
			if (!json_is_array(iv) || json_array_size(iv) != 3 || !json_is_number(f) ||
			    !json_is_number(t) || !json_is_string(m))
				return fail(
				    r, "%s.intervals[%zu]: must be [from_ms, to_ms, member_id]",
				    path, j);
			in->from_ms = json_number_value(f);
			in->to_ms = json_number_value(t);
			if (!isfinite(in->from_ms) || !isfinite(in->to_ms) || in->from_ms < 0 ||
			    in->to_ms < in->from_ms)
				return fail(
				    r,
				    "%s.intervals[%zu]: must have 0 <= from_ms <= to_ms, not "
				    "[%g, %g]",
				    path, j, in->from_ms, in->to_ms);
			int64_t idx;
			if (member_add(r, json_string_value(m), NULL, 0, path, &idx) < 0)
				return -1;
			in->member = (uint32_t)idx;
		}
	}
	return 0;
}

static int read_lag(rd *r, const json_t *root)
{
	kr_run *run = r->run;
	const json_t *arr, *x;
	size_t i;
	if (get_array(r, root, "lag", 0, &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	run->has_lag = 1;
	run->n_lag = json_array_size(arr);
	run->lag = calloc(run->n_lag ? run->n_lag : 1, sizeof(*run->lag));
	if (!run->lag)
		return fail(r, "out of memory");
	json_array_foreach(arr, i, x)
	{
		const json_t *t = json_array_get(x, 0), *n = json_array_get(x, 1);
		if (!json_is_array(x) || json_array_size(x) != 2 || !json_is_number(t) ||
		    !json_is_number(n) || !isfinite(json_number_value(t)) ||
		    !isfinite(json_number_value(n)))
			return fail(r, "lag[%zu]: must be [t_ms, messages] (two numbers)", i);
		run->lag[i][0] = json_number_value(t);
		run->lag[i][1] = json_number_value(n);
		if (i && run->lag[i][0] < run->lag[i - 1][0])
			return fail(r, "lag[%zu]: t_ms %g is before the previous sample's %g", i,
				    run->lag[i][0], run->lag[i - 1][0]);
	}
	return 0;
}

typedef struct evref {
	double t;
	size_t i;
} evref;

static int evref_cmp(const void *a, const void *b)
{
	const evref *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The events in time order, and every member's first and last state. */
static int read_states(rd *r)
{
	kr_run *run = r->run;
	const size_t n = run->n_events ? run->n_events : 1;
	evref *order = malloc(n * sizeof(*order));
	run->event_order = malloc(n * sizeof(size_t));
	if (!order || !run->event_order) {
		free(order);
		return fail(r, "out of memory");
	}
	for (size_t i = 0; i < run->n_events; i++)
		order[i] = (evref){run->events[i].t_ms, i};
	qsort(order, run->n_events, sizeof(*order), evref_cmp);
	for (size_t i = 0; i < run->n_events; i++)
		run->event_order[i] = order[i].i;
	free(order);
	for (size_t m = 0; m < run->n_members; m++)
		run->members[m].initial_state = -1;
	for (size_t k = 0; k < run->n_events; k++) {
		const kr_event *e = &run->events[run->event_order[k]];
		if (e->member < 0)
			continue;
		kr_member *m = &run->members[e->member];
		if (m->initial_state == -1)
			m->initial_state = strcmp(e->type, "join") == 0 ? KR_ABSENT : KR_PRESENT;
	}
	for (size_t m = 0; m < run->n_members; m++) {
		kr_member *mb = &run->members[m];
		if (mb->initial_state == -1)
			mb->initial_state = mb->listed ? KR_PRESENT : KR_ABSENT;
		mb->final_state = mb->initial_state;
	}
	for (size_t k = 0; k < run->n_events; k++) {
		const kr_event *e = &run->events[run->event_order[k]];
		if (e->member >= 0)
			run->members[e->member].final_state =
			    kr_run_event_state(e->type, run->members[e->member].final_state);
	}
	return 0;
}

/* A string of an object (context): the field or NULL. */
#define CTX_STR(k) get_str(r, c, "context", #k, 0, &run->context.k)

static int read_context(rd *r, const json_t *root)
{
	kr_run *run = r->run;
	const json_t *c = json_object_get(root, "context"), *as;
	char b[64];
	if (!c || json_is_null(c))
		return 0;
	if (!json_is_object(c))
		return fail(r, "context: must be an object, not %s", what(c, b, sizeof(b)));
	run->has_context = 1;
	if (CTX_STR(kassign_version) < 0 || CTX_STR(commit) < 0 || CTX_STR(date) < 0 ||
	    CTX_STR(host) < 0 || CTX_STR(librdkafka_version) < 0 || CTX_STR(bootstrap) < 0 ||
	    CTX_STR(group_id) < 0 ||
	    get_num(r, c, "context", "leader_hold_ms", 0, &run->context.leader_hold_ms) < 0 ||
	    get_bool(r, c, "context", "settled", &run->context.settled) < 0 ||
	    CTX_STR(not_measured) < 0 ||
	    get_num(r, c, "context", "lag_step_ms", 0, &run->context.lag_step_ms) < 0 ||
	    CTX_STR(assign_ms) < 0)
		return -1;
	as = json_object_get(c, "assumptions");
	if (!as || json_is_null(as))
		return 0;
	if (!json_is_object(as))
		return fail(r, "context.assumptions: must be an object of strings, not %s",
			    what(as, b, sizeof(b)));
	if (kr_run_alloc_assumptions(run, json_object_size(as)) < 0)
		return fail(r, "out of memory");
	const char *k;
	const json_t *v;
	size_t i = 0;
	json_object_foreach((json_t *)as, k, v)
	{
		if (!json_is_string(v))
			return fail(r, "context.assumptions.%s: must be a string, not %s", k,
				    what(v, b, sizeof(b)));
		run->context.assumptions[i++] = (kr_pair){k, json_string_value(v)};
	}
	return 0;
}
#undef CTX_STR

static int read_summary(rd *r, const json_t *root)
{
	kr_run *run = r->run;
	const json_t *s = json_object_get(root, "summary");
	char b[64];
	if (!s || json_is_null(s))
		return 0;
	if (!json_is_object(s))
		return fail(r, "summary: must be an object, not %s", what(s, b, sizeof(b)));
	run->has_summary = 1;
	for (size_t i = 0; i < kr_n_summary_fields; i++) {
		const kr_summary_field *d = &kr_summary_fields[i];
		double *v = kr_summary_at(&run->summary, d);
		const json_t *x = json_object_get(s, d->key);
		if (d->kind == KR_BOOLEAN) {
			int t;
			if (get_bool(r, s, "summary", d->key, &t) < 0)
				return -1;
			*v = t < 0 ? NAN : t;
		} else if (d->kind == KR_NULLABLE && json_is_null(x)) {
			*v = -1;
		} else {
			if (get_num(r, s, "summary", d->key, 0, v) < 0)
				return -1;
			if (d->kind == KR_NULLABLE && *v < 0)
				return fail(r, "summary.%s: must be a number >= 0 or null, not %g",
					    d->key, *v);
		}
	}
	return 0;
}

/* plan and source; the labels and the run's length the viewers use. */
static int read_plan(rd *r, const json_t *root)
{
	kr_run *run = r->run;
	const json_t *plan = json_object_get(root, "plan");
	char b[64];
	double end_ms = NAN;
	if (plan && !json_is_null(plan)) {
		if (!json_is_object(plan))
			return fail(r, "plan: must be an object, not %s", what(plan, b, sizeof(b)));
		run->plan = json_incref((json_t *)plan);
		const char *s;
		if (get_str(r, plan, "plan", "name", 0, &s) < 0)
			return -1;
		run->name = s ? s : "";
		if (get_str(r, plan, "plan", "protocol", 0, &s) < 0)
			return -1;
		run->protocol = s ? s : "";
		if (get_str(r, plan, "plan", "strategy", 0, &s) < 0)
			return -1;
		run->strategy = s ? s : "";
		const json_t *st = json_object_get(plan, "static_membership");
		if (json_is_boolean(st))
			run->static_membership = json_is_true(st);
		if (get_num(r, plan, "plan", "end_ms", 0, &end_ms) < 0)
			return -1;
	}
	if (get_str(r, root, "run", "source", 0, &run->source) < 0)
		return -1;

	/* The last moment anything in the file mentions. */
	const double duration = run->summary.duration_ms;
	double last = 0;
	for (size_t i = 0; i < run->n_events; i++)
		last = fmax(last, run->events[i].t_ms);
	for (size_t i = 0; i < run->n_rebalances; i++)
		last = fmax(last, run->rebalances[i].end_ms);
	for (size_t i = 0; i < run->n_intervals; i++)
		last = fmax(last, run->intervals[i].to_ms);
	if (run->n_lag)
		last = fmax(last, run->lag[run->n_lag - 1][0]);
	run->duration_ms = !isnan(duration) ? duration : !isnan(end_ms) ? end_ms : last;
	if (run->duration_ms < 0)
		return fail(r, "summary.duration_ms: must be >= 0, not %g", run->duration_ms);
	/* A bound on time keeps every picture and table finite: no run of
	 * simulate (a day at most) or probe comes near it. */
	if (run->duration_ms > KR_RUN_MAX_MS)
		return fail(r,
			    "summary.duration_ms: %g is past the limit of %g ms (about 31 years)",
			    run->duration_ms, KR_RUN_MAX_MS);
	if (last > KR_RUN_MAX_MS)
		return fail(r,
			    "a time of %g ms (in events, rebalances, timeline or lag) is past the "
			    "limit of %g ms (about 31 years)",
			    last, KR_RUN_MAX_MS);
	return 0;
}

int kr_run_parse(json_t *root, kr_run **out, char *err, size_t errlen)
{
	char b[64];
	*out = NULL;
	rd r = {kr_run_new(), err, errlen};
	if (!r.run)
		return fail(&r, "out of memory");
	r.run->root = json_incref(root);
	const json_t *ver = json_object_get(root, "kassign_run");
	int rc = -1;
	if (!json_is_object(root))
		fail(&r, "top level: must be a JSON object, not %s", what(root, b, sizeof(b)));
	else if (!ver)
		fail(&r,
		     "kassign_run: required field missing (the run file version, %d): not a "
		     "run file of kassign simulate or probe?",
		     KR_RUN_VERSION);
	else if (!json_is_integer(ver) || json_integer_value(ver) != KR_RUN_VERSION)
		fail(&r, "kassign_run: version %s is not the one this kassign reads (%d)",
		     what(ver, b, sizeof(b)), KR_RUN_VERSION);
	else if (read_members(&r, root) == 0 && read_topics(&r, root) == 0 &&
		 read_events(&r, root) == 0 && read_rebalances(&r, root) == 0 &&
		 read_ownership(&r, root) == 0 && read_lag(&r, root) == 0 &&
		 read_summary(&r, root) == 0 && read_context(&r, root) == 0 &&
		 read_plan(&r, root) == 0 && read_states(&r) == 0)
		rc = 0;
	if (rc < 0) {
		kr_run_free(r.run);
		return -1;
	}
	*out = r.run;
	return 0;
}

/* The document's own message wrapped in docs/cli.md's one form:
 * FILE: error: PLACE: MESSAGE. */
static int parse_named(json_t *root, const char *name, kr_run **out, char *err, size_t errlen)
{
	char inner[400];
	int rc = kr_run_parse(root, out, inner, sizeof(inner));
	json_decref(root);
	if (rc < 0)
		snprintf(err, errlen, "%s: error: %s", name, inner);
	return rc;
}

int kr_run_load(const char *path, kr_run **out, char *err, size_t errlen)
{
	*out = NULL;
	json_t *root = kd_json_load_file(path, JSON_REJECT_DUPLICATES, err, errlen);
	if (!root)
		return -1;
	return parse_named(root, path, out, err, errlen);
}

int kr_run_read_buf(const char *buf, size_t len, const char *name, kr_run **out, char *err,
		    size_t errlen)
{
	json_error_t je;
	*out = NULL;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (je.line > 0)
			snprintf(err, errlen, "%s:%d:%d: error: invalid JSON: %s", name, je.line,
				 je.column > 0 ? je.column : 1, je.text);
		else
			snprintf(err, errlen, "%s: error: invalid JSON: %s", name, je.text);
		return -1;
	}
	return parse_named(root, name, out, err, errlen);
}
