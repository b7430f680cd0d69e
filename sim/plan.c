/*
 * plan.c - run plans (docs/simulation.md): reading and checking a plan file
 * or a preset, with Kafka's defaults filled in, into a ks_plan.
 *
 * Every rule broken is reported, each as one line naming the file (or the
 * preset) and the place: "p.json: config.heartbeat.interval.ms: 45000 must
 * be below session.timeout.ms (45000)". Unknown fields are errors: a
 * misspelt setting silently left at its default would give a wrong answer
 * that looks right.
 */
#include "sim/sim.h"
#include "datasets/jsonfile.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/scenario.h"

typedef struct pctx {
	const char *where;
	ks_msg_fn fn;
	void *ctx;
	int errors;
	const ka_group *scenario; /* the group.scenario already loaded, or NULL */
} pctx;

static void perr(pctx *c, const char *place, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void perr(pctx *c, const char *place, const char *fmt, ...)
{
	char msg[512], line[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* docs/cli.md's one form: FILE: error: PLACE: MESSAGE. */
	if (place && *place)
		snprintf(line, sizeof(line), "%s: error: %s: %s", c->where, place, msg);
	else
		snprintf(line, sizeof(line), "%s: error: %s", c->where, msg);
	c->errors++;
	if (c->fn)
		c->fn(c->ctx, line);
}

/* Every key of obj must be one of the NULL-terminated list. */
static void check_keys(pctx *c, json_t *obj, const char *place, const char *const *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		int known = 0;
		for (const char *const *q = keys; *q; q++)
			known |= strcmp(*q, k) == 0;
		if (!known) {
			char p[256];
			snprintf(p, sizeof(p), "%s%s%s", place, *place ? "." : "", k);
			perr(c, p, "unknown field");
		}
	}
}

/* A number field in [min, max] (max < 0: no upper bound), written back
 * with its default when absent. */
static double num(pctx *c, json_t *obj, const char *place, const char *key, double def, double min,
		  double max)
{
	char p[256];
	snprintf(p, sizeof(p), "%s%s%s", place, *place ? "." : "", key);
	json_t *v = json_object_get(obj, key);
	if (!v) {
		json_object_set_new(obj, key, json_real(def));
		if (def == floor(def) && fabs(def) < 9e15)
			json_object_set_new(obj, key, json_integer((json_int_t)def));
		return def;
	}
	if (!json_is_number(v)) {
		perr(c, p, "a number expected");
		return def;
	}
	double x = json_number_value(v);
	if (!isfinite(x) || x < min || (max >= 0 && x > max)) {
		if (max >= 0)
			perr(c, p, "%g is out of range (%g to %g)", x, min, max);
		else
			perr(c, p, "%g is out of range (at least %g)", x, min);
		return def;
	}
	return x;
}

static const char *str(pctx *c, json_t *obj, const char *place, const char *key, const char *def)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (def)
			json_object_set_new(obj, key, json_string(def));
		return def;
	}
	if (!json_is_string(v)) {
		char p[256];
		snprintf(p, sizeof(p), "%s%s%s", place, *place ? "." : "", key);
		perr(c, p, "a string expected");
		return def;
	}
	return json_string_value(v);
}

/* group.scenario: the group is a scenario file's (relative to the plan's
 * folder), loaded here unless the caller already has it. */
static void group_from_scenario(pctx *c, json_t *grp, json_t *sc, ks_plan *p, const char *dir)
{
	if (json_object_get(grp, "members") || json_object_get(grp, "topics")) {
		perr(c, "group", "either scenario or members and topics, not both");
		return;
	}
	if (!json_is_string(sc)) {
		perr(c, "group.scenario", "a file name expected");
		return;
	}
	const char *f = json_string_value(sc);
	char path[4096];
	if (f[0] != '/' && dir && *dir)
		snprintf(path, sizeof(path), "%s/%s", dir, f);
	else
		snprintf(path, sizeof(path), "%s", f);
	if (c->scenario) {
		/* Loaded once by the caller, its warnings said once. */
		p->scenario = (ka_group *)c->scenario;
		p->scenario_borrowed = 1;
	} else if (kd_scenario_load(path, &p->scenario, kd_msg_stderr, NULL) < 0) {
		perr(c, "group.scenario", "cannot load scenario %s (see above)", path);
		return;
	}
	const ka_group *g = p->scenario;
	p->members = g->n_members;
	p->n_topics = g->n_topics;
	p->topic_name = calloc(g->n_topics ? g->n_topics : 1, sizeof(char *));
	p->topic_parts = calloc(g->n_topics ? g->n_topics : 1, sizeof(uint32_t));
	if (!p->topic_name || !p->topic_parts) {
		perr(c, "", "out of memory");
		return;
	}
	for (uint32_t t = 0; t < g->n_topics; t++) {
		p->topic_name[t] = strdup(g->topic_name[t]);
		p->topic_parts[t] = g->topic_off[t + 1] - g->topic_off[t];
	}
}

/* group.topics: each {"name", "partitions"}, names unique, partitions
 * within the limit in all. */
static void parse_topics(pctx *c, json_t *ts, ks_plan *p)
{
	if (!json_is_array(ts) || json_array_size(ts) == 0) {
		perr(c, "group.topics", "a non-empty array of {\"name\", \"partitions\"} expected");
		return;
	}
	const size_t n = json_array_size(ts);
	p->topic_name = calloc(n, sizeof(char *));
	p->topic_parts = calloc(n, sizeof(uint32_t));
	if (!p->topic_name || !p->topic_parts) {
		perr(c, "", "out of memory");
		return;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		static const char *const tkeys[] = {"name", "partitions", NULL};
		char place[64];
		snprintf(place, sizeof(place), "group.topics[%zu]", i);
		json_t *t = json_array_get(ts, i);
		if (!json_is_object(t)) {
			perr(c, place, "an object expected");
			continue;
		}
		check_keys(c, t, place, tkeys);
		json_t *nm = json_object_get(t, "name"), *np = json_object_get(t, "partitions");
		if (!json_is_string(nm) || !*json_string_value(nm)) {
			perr(c, place, "name: a non-empty string expected");
			continue;
		}
		if (!json_is_integer(np) || json_integer_value(np) < 0 ||
		    json_integer_value(np) > KA_MAX_PARTITIONS) {
			perr(c, place, "partitions: a count 0..%u expected", KA_MAX_PARTITIONS);
			continue;
		}
		for (uint32_t k = 0; k < p->n_topics; k++)
			if (strcmp(p->topic_name[k], json_string_value(nm)) == 0)
				perr(c, place, "duplicate topic \"%s\"", json_string_value(nm));
		p->topic_name[p->n_topics] = strdup(json_string_value(nm));
		p->topic_parts[p->n_topics++] = (uint32_t)json_integer_value(np);
		total += (uint64_t)json_integer_value(np);
	}
	if (total > KA_MAX_PARTITIONS)
		perr(c, "group.topics", "%llu partitions in all, past the limit %u",
		     (unsigned long long)total, KA_MAX_PARTITIONS);
}

/* Topics in Java String order (the order of the group model): a few
 * topics, an insertion sort. */
static void sort_topics(ks_plan *p)
{
	for (uint32_t i = 1; i < p->n_topics; i++)
		for (uint32_t j = i;
		     j > 0 && ka_java_strcmp(p->topic_name[j - 1], p->topic_name[j]) > 0; j--) {
			char *tn = p->topic_name[j];
			p->topic_name[j] = p->topic_name[j - 1];
			p->topic_name[j - 1] = tn;
			uint32_t tp = p->topic_parts[j];
			p->topic_parts[j] = p->topic_parts[j - 1];
			p->topic_parts[j - 1] = tp;
		}
}

/* The group: members and topics, or a scenario file. Topics end up in
 * Java String order (the order of the group model). */
static void parse_group(pctx *c, json_t *grp, ks_plan *p, const char *dir)
{
	static const char *const keys[] = {"members", "topics", "scenario", NULL};
	if (!json_is_object(grp)) {
		perr(c, "group", "an object expected");
		return;
	}
	check_keys(c, grp, "group", keys);
	json_t *sc = json_object_get(grp, "scenario");
	if (sc) {
		group_from_scenario(c, grp, sc, p, dir);
		return;
	}
	json_t *m = json_object_get(grp, "members");
	if (!json_is_integer(m) || json_integer_value(m) < 0 ||
	    json_integer_value(m) > KA_MAX_MEMBERS)
		perr(c, "group.members", "a member count 0..%u expected", KA_MAX_MEMBERS);
	else
		p->members = (uint32_t)json_integer_value(m);
	parse_topics(c, json_object_get(grp, "topics"), p);
	sort_topics(p); /* none to sort when the topics could not be read */
}

static const struct {
	const char *name;
	int type;
} event_types[] = {
    {"join", KS_EV_JOIN},
    {"leave", KS_EV_LEAVE},
    {"crash", KS_EV_CRASH},
    {"restart", KS_EV_RESTART},
    {"rolling-restart", KS_EV_ROLLING_RESTART},
    {"scale", KS_EV_SCALE},
    {"add-partitions", KS_EV_ADD_PARTITIONS},
    {"pause", KS_EV_PAUSE},
    {"slow-batch", KS_EV_SLOW_BATCH},
};

/* The member an event names, by name ("m0003", or the scenario's id) or
 * index; -1 after an error. */
static int64_t event_member(pctx *c, const ks_plan *p, json_t *v, const char *place)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0 || i >= p->members) {
			perr(c, place, "member %lld does not exist (%u members at the start)",
			     (long long)i, p->members);
			return -1;
		}
		return i;
	}
	if (!json_is_string(v)) {
		perr(c, place, "a member name or index expected");
		return -1;
	}
	const char *nm = json_string_value(v);
	for (uint32_t i = 0; i < p->members; i++) {
		char buf[32];
		const char *id = buf;
		if (p->scenario)
			id = p->scenario->member_id[i];
		else
			snprintf(buf, sizeof(buf), "m%04u", i);
		if (strcmp(id, nm) == 0)
			return i;
	}
	perr(c, place, "no member named \"%s\" at the start", nm);
	return -1;
}

/* In time order, plan order (index) among equals: qsort made stable. */
static int cmp_event(const void *a, const void *b)
{
	const ks_plan_event *x = a, *y = b;
	if (x->at_ms != y->at_ms)
		return x->at_ms < y->at_ms ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* leave and crash: one member by name or index, or a count of them. */
static void event_stop(pctx *c, json_t *e, const char *place, ks_plan *p, ks_plan_event *pe)
{
	static const char *const keys[] = {"at_ms", "type", "count", "member", NULL};
	json_t *mv = json_object_get(e, "member");
	check_keys(c, e, place, keys);
	if (mv && json_object_get(e, "count"))
		perr(c, place, "either member or count, not both");
	if (mv)
		pe->member = event_member(c, p, mv, place);
	else
		pe->count = (uint32_t)num(c, e, place, "count", 1, 1, KA_MAX_MEMBERS);
}

/* restart (one member) and rolling-restart (a count, a gap between
 * them), each stopping by close or kill. */
static void event_restart(pctx *c, json_t *e, const char *place, ks_plan *p, ks_plan_event *pe)
{
	static const char *const k_restart[] = {"at_ms", "type", "member", "stop", NULL};
	static const char *const k_rolling[] = {"at_ms", "type", "count", "gap_ms", "stop", NULL};
	json_t *mv = json_object_get(e, "member");
	check_keys(c, e, place, pe->type == KS_EV_RESTART ? k_restart : k_rolling);
	if (pe->type == KS_EV_RESTART) {
		if (!mv)
			perr(c, place, "member: missing");
		else
			pe->member = event_member(c, p, mv, place);
	} else {
		if (!json_object_get(e, "count"))
			perr(c, place, "count: missing");
		pe->count = (uint32_t)num(c, e, place, "count", 1, 1, KA_MAX_MEMBERS);
		pe->gap_ms = num(c, e, place, "gap_ms", 0, 0, 86400000);
	}
	const char *stop = str(c, e, place, "stop", "close");
	if (stop && strcmp(stop, "close") == 0)
		pe->stop = KS_STOP_CLOSE;
	else if (stop && strcmp(stop, "kill") == 0)
		pe->stop = KS_STOP_KILL;
	else
		perr(c, place, "stop: \"close\" or \"kill\" expected");
}

/* pause and slow-batch: one member, for duration_ms. */
static void event_pause(pctx *c, json_t *e, const char *place, ks_plan *p, ks_plan_event *pe)
{
	static const char *const keys[] = {"at_ms", "type", "member", "duration_ms", NULL};
	json_t *mv = json_object_get(e, "member");
	check_keys(c, e, place, keys);
	if (!mv)
		perr(c, place, "member: missing");
	else
		pe->member = event_member(c, p, mv, place);
	if (!json_object_get(e, "duration_ms"))
		perr(c, place, "duration_ms: missing");
	pe->duration_ms = num(c, e, place, "duration_ms", 0, 0, 86400000);
}

/* add-partitions: count more partitions of a topic of the group, noticed
 * at once or at the next metadata refresh. */
static void event_add_partitions(pctx *c, json_t *e, const char *place, const ks_plan *p,
				 ks_plan_event *pe)
{
	static const char *const keys[] = {"at_ms", "type", "topic", "count", "notice", NULL};
	check_keys(c, e, place, keys);
	const char *topic = str(c, e, place, "topic", NULL);
	int found = -1;
	for (uint32_t t = 0; topic && t < p->n_topics; t++)
		if (strcmp(p->topic_name[t], topic) == 0)
			found = (int)t;
	if (found < 0)
		perr(c, place, "topic: %s%s%s is not a topic of the group", topic ? "\"" : "",
		     topic ? topic : "missing", topic ? "\"" : "");
	else
		pe->topic = (uint32_t)found;
	if (!json_object_get(e, "count"))
		perr(c, place, "count: missing");
	pe->count = (uint32_t)num(c, e, place, "count", 1, 1, KA_MAX_PARTITIONS);
	const char *notice = str(c, e, place, "notice", "metadata");
	if (notice && strcmp(notice, "now") == 0)
		pe->notice_now = 1;
	else if (!notice || strcmp(notice, "metadata") != 0)
		perr(c, place, "notice: \"now\" or \"metadata\" expected");
}

/* events[i], the object e, into p->events[p->n_events]. Returns 1 when it
 * is kept (its errors said), 0 when it cannot be read at all. */
static int parse_event(pctx *c, json_t *e, size_t i, const char *place, ks_plan *p)
{
	ks_plan_event *pe = &p->events[p->n_events];
	memset(pe, 0, sizeof(*pe));
	pe->member = -1;
	pe->index = (uint32_t)i;
	const char *type = str(c, e, place, "type", NULL);
	if (!type) {
		perr(c, place,
		     "type: missing (join, leave, crash, restart, rolling-restart, "
		     "scale, add-partitions, pause, slow-batch)");
		return 0;
	}
	pe->type = -1;
	for (size_t k = 0; k < sizeof(event_types) / sizeof(event_types[0]); k++)
		if (strcmp(event_types[k].name, type) == 0)
			pe->type = event_types[k].type;
	if (pe->type < 0) {
		perr(c, place,
		     "type: unknown event type \"%s\" (join, leave, crash, restart, "
		     "rolling-restart, scale, add-partitions, pause, slow-batch)",
		     type);
		return 0;
	}
	if (!json_object_get(e, "at_ms")) {
		perr(c, place, "at_ms: missing");
		return 0;
	}
	pe->at_ms = num(c, e, place, "at_ms", 0, 0, 86400000);
	static const char *const k_count[] = {"at_ms", "type", "count", NULL};
	static const char *const k_scale[] = {"at_ms", "type", "to", NULL};
	switch (pe->type) {
	case KS_EV_JOIN:
		check_keys(c, e, place, k_count);
		pe->count = (uint32_t)num(c, e, place, "count", 1, 1, KA_MAX_MEMBERS);
		break;
	case KS_EV_LEAVE:
	case KS_EV_CRASH:
		event_stop(c, e, place, p, pe);
		break;
	case KS_EV_RESTART:
	case KS_EV_ROLLING_RESTART:
		event_restart(c, e, place, p, pe);
		break;
	case KS_EV_SCALE:
		check_keys(c, e, place, k_scale);
		if (!json_object_get(e, "to"))
			perr(c, place, "to: missing");
		pe->to = (uint32_t)num(c, e, place, "to", 0, 0, KA_MAX_MEMBERS);
		break;
	case KS_EV_PAUSE:
	case KS_EV_SLOW_BATCH:
		event_pause(c, e, place, p, pe);
		break;
	case KS_EV_ADD_PARTITIONS:
		event_add_partitions(c, e, place, p, pe);
		break;
	}
	return 1;
}

/* Counts against the members there are at each moment. */
static void check_event_counts(pctx *c, const ks_plan *p)
{
	int64_t alive = p->members;
	uint64_t parts = 0;
	for (uint32_t t = 0; t < p->n_topics; t++)
		parts += p->topic_parts[t];
	for (size_t i = 0; i < p->n_events; i++) {
		const ks_plan_event *e = &p->events[i];
		char place[64];
		snprintf(place, sizeof(place), "event at %g ms (%s)", e->at_ms,
			 event_types[e->type].name);
		/* New members subscribe as the first starting member does (the
		 * engine copies its subscriptions): none to copy, no join. */
		if (p->members == 0 &&
		    (e->type == KS_EV_JOIN || (e->type == KS_EV_SCALE && e->to > alive)))
			perr(c, place,
			     "new members copy the subscriptions of the first member at the "
			     "start, and the group starts with 0 members");
		switch (e->type) {
		case KS_EV_JOIN:
			alive += e->count;
			break;
		case KS_EV_LEAVE:
		case KS_EV_CRASH:
			if (e->member < 0 && e->count > alive)
				perr(c, place, "count: %u members to stop but %lld left", e->count,
				     (long long)alive);
			alive -= e->member >= 0 ? 1 : e->count;
			break;
		case KS_EV_ROLLING_RESTART:
			if (e->count > alive)
				perr(c, place, "count: %u restarts but %lld members", e->count,
				     (long long)alive);
			break;
		case KS_EV_SCALE:
			alive = e->to;
			break;
		case KS_EV_ADD_PARTITIONS:
			parts += e->count;
			if (parts > KA_MAX_PARTITIONS)
				perr(c, place, "count: %llu partitions past the limit %u",
				     (unsigned long long)parts, KA_MAX_PARTITIONS);
			break;
		}
		if (alive > KA_MAX_MEMBERS)
			perr(c, place, "%lld members past the limit %u", (long long)alive,
			     KA_MAX_MEMBERS);
	}
}

static void parse_events(pctx *c, json_t *evs, ks_plan *p, int group_ok)
{
	if (!evs)
		return;
	if (!json_is_array(evs)) {
		perr(c, "events", "an array expected");
		return;
	}
	const size_t n = json_array_size(evs);
	p->events = calloc(n ? n : 1, sizeof(*p->events));
	if (!p->events) {
		perr(c, "", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char place[64];
		snprintf(place, sizeof(place), "events[%zu]", i);
		json_t *e = json_array_get(evs, i);
		if (!json_is_object(e))
			perr(c, place, "an object expected");
		else
			p->n_events += (size_t)parse_event(c, e, i, place, p);
	}
	qsort(p->events, p->n_events, sizeof(*p->events), cmp_event);
	/* Not said when the group itself could not be read. */
	if (group_ok)
		check_event_counts(c, p);
}

/* The broker's group settings, Kafka's names and defaults
 * (GroupCoordinatorConfig, apache/kafka trunk): the classic protocol's
 * bounds on the client's session.timeout.ms, and the consumer protocol's
 * session and heartbeat, which the broker hands to its members, with the
 * bounds a group's own setting must keep. */
static void parse_broker(pctx *c, json_t *j, ks_plan *p)
{
	static const char *const keys[] = {"group.min.session.timeout.ms",
					   "group.max.session.timeout.ms",
					   "group.consumer.session.timeout.ms",
					   "group.consumer.min.session.timeout.ms",
					   "group.consumer.max.session.timeout.ms",
					   "group.consumer.heartbeat.interval.ms",
					   "group.consumer.min.heartbeat.interval.ms",
					   "group.consumer.max.heartbeat.interval.ms",
					   NULL};
	json_t *b = json_object_get(j, "broker");
	if (!b)
		json_object_set_new(j, "broker", b = json_object());
	if (!json_is_object(b)) {
		perr(c, "broker", "an object expected");
		return;
	}
	check_keys(c, b, "broker", keys);
	const double cmin = num(c, b, "broker", keys[0], 6000, 1, 86400000);
	const double cmax = num(c, b, "broker", keys[1], 1800000, 1, 86400000);
	const double bs = num(c, b, "broker", keys[2], 45000, 1, 86400000);
	const double smin = num(c, b, "broker", keys[3], 45000, 1, 86400000);
	const double smax = num(c, b, "broker", keys[4], 60000, 1, 86400000);
	const double bh = num(c, b, "broker", keys[5], 5000, 1, 86400000);
	const double hmin = num(c, b, "broker", keys[6], 5000, 1, 86400000);
	const double hmax = num(c, b, "broker", keys[7], 15000, 1, 86400000);
	if (p->protocol == KS_CONSUMER) {
		if (bs < smin || bs > smax)
			perr(c, "broker.group.consumer.session.timeout.ms",
			     "%g is outside [group.consumer.min.session.timeout.ms %g, "
			     "group.consumer.max.session.timeout.ms %g]: the broker refuses it",
			     bs, smin, smax);
		if (bh < hmin || bh > hmax)
			perr(c, "broker.group.consumer.heartbeat.interval.ms",
			     "%g is outside [group.consumer.min.heartbeat.interval.ms %g, "
			     "group.consumer.max.heartbeat.interval.ms %g]: the broker refuses it",
			     bh, hmin, hmax);
		if (bh >= bs)
			perr(c, "broker.group.consumer.heartbeat.interval.ms",
			     "%g must be below group.consumer.session.timeout.ms (%g)", bh, bs);
		p->session_ms = bs;
		p->heartbeat_ms = bh;
	} else if (p->coordinator == KS_COORD_KAFKA && p->session_ms > 0 &&
		   (p->session_ms < cmin || p->session_ms > cmax)) {
		perr(c, "config.session.timeout.ms",
		     "%g is outside the broker's [group.min.session.timeout.ms %g, "
		     "group.max.session.timeout.ms %g]: JoinGroup would be answered "
		     "INVALID_SESSION_TIMEOUT",
		     p->session_ms, cmin, cmax);
	}
}

int ks_plan_from_json(const char *where, json_t *doc, ks_plan **out, ks_msg_fn fn, void *ctx)
{
	return ks_plan_from_json_group(where, doc, NULL, out, fn, ctx);
}

/* The protocol, the strategy (checked against the protocol) and static
 * membership. */
static void parse_protocol(pctx *c, json_t *j, ks_plan *p)
{
	const char *proto = str(c, j, "", "protocol", "eager");
	if (proto && strcmp(proto, "eager") == 0)
		p->protocol = KS_EAGER;
	else if (proto && strcmp(proto, "cooperative") == 0)
		p->protocol = KS_COOPERATIVE;
	else if (proto && strcmp(proto, "consumer") == 0)
		p->protocol = KS_CONSUMER;
	else
		perr(c, "protocol", "\"%s\" is not eager, cooperative or consumer",
		     proto ? proto : "");
	const char *sdef = p->protocol == KS_COOPERATIVE ? "cooperative-sticky"
			   : p->protocol == KS_CONSUMER  ? "uniform"
							 : "range";
	const char *sname = str(c, j, "", "strategy", sdef);
	if (sname && !(p->strategy = ka_strategy_find(sname))) {
		char known[512] = "";
		for (size_t i = 0; i < ka_strategy_count(); i++) {
			strncat(known, i ? ", " : "", sizeof(known) - strlen(known) - 1);
			strncat(known, ka_strategy_at(i)->name, sizeof(known) - strlen(known) - 1);
		}
		perr(c, "strategy", "unknown strategy \"%s\" (%s)", sname, known);
	}
	if (p->strategy && p->protocol == KS_COOPERATIVE &&
	    !(p->strategy->flags & KA_STRATEGY_COOPERATIVE))
		perr(c, "strategy",
		     "%s does not support the cooperative protocol (it never withholds a "
		     "partition that changes owner); use cooperative-sticky or protocol eager",
		     p->strategy->name);
	if (p->strategy && p->protocol == KS_CONSUMER && strcmp(p->strategy->name, "uniform") &&
	    strcmp(p->strategy->name, "range") && strcmp(p->strategy->name, "broker-range"))
		perr(c, "strategy",
		     "the consumer protocol's server assignors (group.remote.assignor) are uniform "
		     "and range");
	/* group.remote.assignor "range" is the broker's RangeAssignor, not the
	 * client's: kassign's broker-range where it is built in. */
	if (p->strategy && p->protocol == KS_CONSUMER && !strcmp(p->strategy->name, "range") &&
	    ka_strategy_find("broker-range"))
		p->strategy = ka_strategy_find("broker-range");
	json_t *st = json_object_get(j, "static_membership");
	if (!st)
		json_object_set_new(j, "static_membership", json_false());
	else if (!json_is_boolean(st))
		perr(c, "static_membership", "true or false expected");
	else
		p->static_membership = json_is_true(st);
}

/* "model": the costs and the client and coordinator models; model is the
 * plan's object, or NULL when it is not one. */
static void parse_model(pctx *c, json_t *model, ks_plan *p)
{
	const char *coord = "kafka", *client = "java";
	if (model) {
		static const char *const mkeys[] = {
		    "rtt_ms",        "commit_ms", "revoke_callback_ms", "restart_ms",
		    "produce_rate",  "capacity",  "assign_ms",          "seed",
		    "coordinator",   "record_ms", "record_dist",        "client",
		    "followup_race", NULL};
		check_keys(c, model, "model", mkeys);
		p->rtt_ms = num(c, model, "model", "rtt_ms", 1, 0, 60000);
		p->commit_ms = num(c, model, "model", "commit_ms", 5, 0, 3600000);
		p->revoke_cb_ms = num(c, model, "model", "revoke_callback_ms", 0, 0, 3600000);
		p->restart_ms = num(c, model, "model", "restart_ms", 20000, 0, 86400000);
		p->produce_rate = num(c, model, "model", "produce_rate", 100, 0, 1e9);
		p->capacity = num(c, model, "model", "capacity", 5000, 1e-9, 1e12);
		p->assign_ms = -1;
		if (json_object_get(model, "assign_ms"))
			p->assign_ms = num(c, model, "model", "assign_ms", 0, 0, 3600000);
		p->seed = (uint64_t)num(c, model, "model", "seed", 1, 0, 9007199254740991.0);
		coord = str(c, model, "model", "coordinator", "kafka");
		client = str(c, model, "model", "client", "java");
		/* Filled in only for librdkafka: a Java plan refuses it. */
		const int rdk = client && strcmp(client, "librdkafka") == 0;
		if (json_object_get(model, "followup_race") && !rdk)
			perr(c, "model.followup_race",
			     "a race of librdkafka's consumer: needs model.client \"librdkafka\"");
		else if (rdk)
			p->followup_race = num(c, model, "model", "followup_race", 0, 0, 1);
		/* A record's processing time: one consumer's capacity says it
		 * unless the plan does. */
		p->record_ms = num(c, model, "model", "record_ms", 1000 / p->capacity, 0, 3600000);
		const char *dist = str(c, model, "model", "record_dist", "fixed");
		if (dist && strcmp(dist, "exponential") == 0)
			p->record_exponential = 1;
		else if (!dist || strcmp(dist, "fixed") != 0)
			perr(c, "model.record_dist", "\"fixed\" or \"exponential\" expected");
	}
	if (coord && strcmp(coord, "kafka") == 0)
		p->coordinator = KS_COORD_KAFKA;
	else if (coord && strcmp(coord, "librdkafka-mock") == 0)
		p->coordinator = KS_COORD_RDKAFKA_MOCK;
	else
		perr(c, "model.coordinator", "\"kafka\" or \"librdkafka-mock\" expected");
	if (client && strcmp(client, "java") == 0)
		p->client = KS_CLIENT_JAVA;
	else if (client && strcmp(client, "librdkafka") == 0)
		p->client = KS_CLIENT_LIBRDKAFKA;
	else
		perr(c, "model.client", "\"java\" or \"librdkafka\" expected");
}

/* "config": the consumer's settings and the rules between them; cfg is the
 * plan's object, or NULL when it is not one. */
static void parse_config(pctx *c, json_t *cfg, json_t *model, ks_plan *p)
{
	if (cfg) {
		static const char *const ckeys[] = {"session.timeout.ms",
						    "heartbeat.interval.ms",
						    "max.poll.interval.ms",
						    "rebalance.timeout.ms",
						    "group.initial.rebalance.delay.ms",
						    "auto.commit.interval.ms",
						    "metadata.max.age.ms",
						    "max.poll.records",
						    "enable.auto.commit",
						    NULL};
		check_keys(c, cfg, "config", ckeys);
		if (p->protocol == KS_CONSUMER) {
			/* KIP-848: the broker sets both; the Java consumer refuses them
			 * under group.protocol=consumer
			 * (ConsumerConfig.checkUnsupportedConfigsPostProcess). */
			static const char *const gone[] = {"session.timeout.ms",
							   "heartbeat.interval.ms"};
			for (size_t i = 0; i < 2; i++)
				if (json_object_get(cfg, gone[i]))
					perr(c,
					     i == 0 ? "config.session.timeout.ms"
						    : "config.heartbeat.interval.ms",
					     "not a consumer setting under the consumer protocol "
					     "(KIP-848): the broker sets it "
					     "(broker.group.consumer.%s)",
					     gone[i]);
		} else {
			p->session_ms =
			    num(c, cfg, "config", "session.timeout.ms", 45000, 1, 86400000);
			p->heartbeat_ms =
			    num(c, cfg, "config", "heartbeat.interval.ms", 3000, 1, 86400000);
		}
		p->max_poll_ms = num(c, cfg, "config", "max.poll.interval.ms", 300000, 1, 86400000);
		p->rebalance_timeout_ms =
		    num(c, cfg, "config", "rebalance.timeout.ms", p->max_poll_ms, 1, 86400000);
		p->initial_delay_ms =
		    num(c, cfg, "config", "group.initial.rebalance.delay.ms", 3000, 0, 86400000);
		p->auto_commit_ms =
		    num(c, cfg, "config", "auto.commit.interval.ms", 5000, 1, 86400000);
		p->metadata_age_ms =
		    num(c, cfg, "config", "metadata.max.age.ms", 300000, 1, 86400000);
		p->max_poll_records =
		    (uint32_t)num(c, cfg, "config", "max.poll.records", 500, 1, 1e9);
		json_t *ac = json_object_get(cfg, "enable.auto.commit");
		p->auto_commit = 1;
		if (!ac)
			json_object_set_new(cfg, "enable.auto.commit", json_true());
		else if (!json_is_boolean(ac))
			perr(c, "config.enable.auto.commit", "true or false expected");
		else
			p->auto_commit = json_is_true(ac);
		/* A full batch that outlasts max.poll.interval.ms evicts its
		 * member at every poll: no group would ever be stable. */
		if (model && json_object_get(model, "record_ms") &&
		    p->max_poll_records * p->record_ms >= p->max_poll_ms)
			perr(c, "config.max.poll.records",
			     "%u records at model.record_ms %g take %g ms, not below "
			     "max.poll.interval.ms %g: every full batch would evict its member",
			     p->max_poll_records, p->record_ms, p->max_poll_records * p->record_ms,
			     p->max_poll_ms);
		if (p->protocol != KS_CONSUMER && p->heartbeat_ms >= p->session_ms)
			perr(c, "config.heartbeat.interval.ms",
			     "%g must be below session.timeout.ms (%g)", p->heartbeat_ms,
			     p->session_ms);
		if (p->coordinator == KS_COORD_RDKAFKA_MOCK && p->session_ms <= 1000)
			perr(c, "config.session.timeout.ms",
			     "%g: librdkafka's mock joins for session.timeout.ms - 1000",
			     p->session_ms);
	}
}

/* What the client and coordinator models cannot do. */
static void check_models(pctx *c, const ks_plan *p)
{
	if (p->coordinator == KS_COORD_RDKAFKA_MOCK && p->static_membership)
		perr(c, "static_membership",
		     "librdkafka 2.0.2's mock coordinator has no group.instance.id");
	if (p->coordinator == KS_COORD_RDKAFKA_MOCK && p->protocol == KS_CONSUMER)
		perr(c, "protocol", "librdkafka 2.0.2's mock coordinator has no consumer protocol");
	else if (p->client == KS_CLIENT_LIBRDKAFKA && p->protocol == KS_CONSUMER)
		perr(c, "protocol",
		     "model.client librdkafka is librdkafka 2.0.2, which has no consumer "
		     "protocol (KIP-848)");
}

/* "faults": random pauses and crashes. */
static void parse_faults(pctx *c, json_t *j, ks_plan *p)
{
	json_t *faults = json_object_get(j, "faults");
	if (faults && !json_is_object(faults)) {
		perr(c, "faults", "an object expected");
		faults = NULL;
	}
	p->pause_min_ms = 1000;
	p->pause_alpha = 1.5;
	p->pause_max_ms = 600000;
	if (faults) {
		static const char *const fkeys[] = {"pauses_per_hour",  "pause_min_ms",
						    "pause_alpha",      "pause_max_ms",
						    "crashes_per_hour", NULL};
		check_keys(c, faults, "faults", fkeys);
		p->pause_per_hour = num(c, faults, "faults", "pauses_per_hour", 0, 0, 3600);
		p->pause_min_ms = num(c, faults, "faults", "pause_min_ms", 1000, 1, 86400000);
		p->pause_alpha = num(c, faults, "faults", "pause_alpha", 1.5, 0.1, 100);
		p->pause_max_ms =
		    num(c, faults, "faults", "pause_max_ms", 600000, p->pause_min_ms, 86400000);
		if (p->pause_per_hour > 0 && !json_object_get(j, "end_ms"))
			perr(c, "faults.pauses_per_hour",
			     "random pauses need the run's length: set end_ms");
		p->crash_per_hour = num(c, faults, "faults", "crashes_per_hour", 0, 0, 3600);
		if (p->crash_per_hour > 0 && !json_object_get(j, "end_ms"))
			perr(c, "faults.crashes_per_hour",
			     "random crashes need the run's length: set end_ms");
	}
}

int ks_plan_from_json_group(const char *where, json_t *doc, const ka_group *scenario, ks_plan **out,
			    ks_msg_fn fn, void *ctx)
{
	pctx c = {where, fn, ctx, 0, scenario};
	*out = NULL;
	if (!json_is_object(doc)) {
		perr(&c, "", "a plan is a JSON object");
		return -1;
	}
	ks_plan *p = calloc(1, sizeof(*p));
	if (!p) {
		perr(&c, "", "out of memory");
		return -1;
	}
	p->json = json_deep_copy(doc);
	json_t *j = p->json;
	static const char *const keys[] = {"kassign_plan",
					   "name",
					   "group",
					   "protocol",
					   "strategy",
					   "static_membership",
					   "config",
					   "model",
					   "events",
					   "end_ms",
					   "faults",
					   "broker",
					   NULL};
	check_keys(&c, j, "", keys);
	json_t *ver = json_object_get(j, "kassign_plan");
	if (!ver)
		json_object_set_new(j, "kassign_plan", json_integer(1));
	else if (!json_is_integer(ver) || json_integer_value(ver) != 1)
		perr(&c, "kassign_plan", "version 1 expected");
	p->name = str(&c, j, "", "name", "plan");

	/* The scenario path is relative to the plan file. */
	char dir[4096] = "";
	const char *slash = strrchr(where, '/');
	if (slash && (size_t)(slash - where) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - where), where);
	json_t *grp = json_object_get(j, "group");
	const int errors_before_group = c.errors;
	if (!grp)
		perr(&c, "group", "missing");
	else
		parse_group(&c, grp, p, dir);
	const int group_ok = c.errors == errors_before_group;

	parse_protocol(&c, j, p);
	json_t *cfg = json_object_get(j, "config");
	if (!cfg)
		json_object_set_new(j, "config", cfg = json_object());
	if (!json_is_object(cfg)) {
		perr(&c, "config", "an object expected");
		cfg = NULL;
	}
	json_t *model = json_object_get(j, "model");
	if (!model)
		json_object_set_new(j, "model", model = json_object());
	if (!json_is_object(model)) {
		perr(&c, "model", "an object expected");
		model = NULL;
	}
	parse_model(&c, model, p);
	parse_config(&c, cfg, model, p);
	parse_broker(&c, j, p);
	check_models(&c, p);
	parse_faults(&c, j, p);
	parse_events(&c, json_object_get(j, "events"), p, group_ok);
	if (!json_object_get(j, "events"))
		json_object_set_new(j, "events", json_array());
	p->end_ms = -1;
	if (json_object_get(j, "end_ms"))
		p->end_ms = num(&c, j, "", "end_ms", 0, 0, 86400000);
	if (c.errors) {
		ks_plan_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int ks_plan_load(const char *path, ks_plan **out, ks_msg_fn fn, void *ctx)
{
	*out = NULL;
	char jerr[600];
	json_t *doc = kd_json_load_file(path, JSON_REJECT_DUPLICATES, jerr, sizeof(jerr));
	if (!doc) {
		if (fn)
			fn(ctx, jerr);
		return -1;
	}
	int rc = ks_plan_from_json(path, doc, out, fn, ctx);
	json_decref(doc);
	return rc;
}

json_t *ks_plan_assumptions(const ks_plan *p)
{
	json_t *a = json_object();
	char buf[256];
	int kill = 0, close = 0, rolling = 0;
	for (size_t i = 0; i < p->n_events; i++) {
		const ks_plan_event *e = &p->events[i];
		if (e->type == KS_EV_RESTART || e->type == KS_EV_ROLLING_RESTART) {
			kill |= e->stop == KS_STOP_KILL;
			close |= e->stop == KS_STOP_CLOSE;
			rolling |= e->type == KS_EV_ROLLING_RESTART;
		}
	}
	if (kill || close) {
		snprintf(buf, sizeof(buf), "%s%s%s, back after restart_ms %g ms",
			 kill ? "killed (no close(), no LeaveGroup)" : "",
			 kill && close ? " and " : "",
			 close ? "closed (close(): commit, revoke, leave)" : "", p->restart_ms);
		json_object_set_new(a, "restarts", json_string(buf));
	}
	if (rolling)
		json_object_set_new(a, "rollout",
				    json_string("each restart waits for the previous member to "
						"hold partitions again (a readiness check), then "
						"gap_ms"));
	snprintf(buf, sizeof(buf), "%g ms (%s)", p->session_ms,
		 p->protocol == KS_CONSUMER ? "the broker's group.consumer.session.timeout.ms"
					    : "the consumer's session.timeout.ms");
	json_object_set_new(a, "session", json_string(buf));
	snprintf(buf, sizeof(buf), "%g ms (%s)", p->heartbeat_ms,
		 p->protocol == KS_CONSUMER ? "the broker's group.consumer.heartbeat.interval.ms"
					    : "the consumer's heartbeat.interval.ms");
	json_object_set_new(a, "heartbeat", json_string(buf));
	if (p->record_ms > 0)
		snprintf(buf, sizeof(buf),
			 "%g ms a record (%s), max.poll.records %u: members join and revoke at "
			 "their next poll()",
			 p->record_ms, p->record_exponential ? "exponential" : "fixed",
			 p->max_poll_records);
	else
		snprintf(buf, sizeof(buf), "none: members act as soon as they learn (record_ms 0)");
	json_object_set_new(a, "processing", json_string(buf));
	snprintf(buf, sizeof(buf), "%g messages/s per partition, %g messages/s per member",
		 p->produce_rate, p->capacity);
	json_object_set_new(a, "load", json_string(buf));
	if (p->auto_commit)
		snprintf(buf, sizeof(buf), "auto commit every %g ms, and at revocation and close",
			 p->auto_commit_ms);
	else
		snprintf(buf, sizeof(buf), "after each batch (enable.auto.commit false)");
	json_object_set_new(a, "commits", json_string(buf));
	if (p->pause_per_hour > 0) {
		snprintf(
		    buf, sizeof(buf),
		    "%g pauses per member per hour, from %g ms, Pareto alpha %g, at most %g ms",
		    p->pause_per_hour, p->pause_min_ms, p->pause_alpha, p->pause_max_ms);
		json_object_set_new(a, "pauses", json_string(buf));
	}
	if (p->crash_per_hour > 0) {
		snprintf(buf, sizeof(buf),
			 "%g crashes per member per hour (killed mid-batch, restarted after "
			 "restart_ms %g ms)",
			 p->crash_per_hour, p->restart_ms);
		json_object_set_new(a, "crashes", json_string(buf));
	}
	json_object_set_new(a, "client",
			    json_string(p->client == KS_CLIENT_LIBRDKAFKA
					    ? "librdkafka 2.0.2 (heartbeat timer never reset by a "
					      "rebalance; cooperative members rejoin at once)"
					    : "Kafka's Java consumer"));
	if (p->client == KS_CLIENT_LIBRDKAFKA && p->protocol == KS_COOPERATIVE) {
		snprintf(buf, sizeof(buf),
			 "a heartbeat sent on a SyncGroup response catches the follow-up "
			 "that a revoking member starts with probability %g (a race between "
			 "threads; events race-caught, race-missed)",
			 p->followup_race);
		json_object_set_new(a, "race", json_string(buf));
	}
	json_object_set_new(a, "coordinator",
			    json_string(p->coordinator == KS_COORD_RDKAFKA_MOCK
					    ? "librdkafka 2.0.2's mock"
					    : "Kafka's (apache/kafka trunk rules)"));
	return a;
}

void ks_plan_free(ks_plan *p)
{
	if (!p)
		return;
	for (uint32_t t = 0; t < p->n_topics && p->topic_name; t++)
		free(p->topic_name[t]);
	free(p->topic_name);
	free(p->topic_parts);
	free(p->events);
	if (!p->scenario_borrowed)
		ka_group_free(p->scenario);
	json_decref(p->json);
	free(p);
}
