/*
 * probe_plan.c - a run plan (docs/simulation.md) for `kassign probe`: read,
 * checked against what librdkafka 2.0.2 and its mock cluster can do, and
 * its events expanded into member actions.
 *
 * The expansion is a dry run of the events in time order (ties in plan
 * order) over the set of running members, so that `leave` by count,
 * `scale` and `rolling-restart` name their members before any consumer
 * starts, and a plan that would stop a member that is not running is
 * refused up front rather than half-way through a run.
 */
#include "harness/probe.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kassign/kassign.h>

#include "datasets/scenario.h"

/* More consumers than this would each need their own librdkafka threads
 * (four or so) on one machine: beyond it the probe measures the machine. */
#define KP_MAX_MEMBERS 1000

static void plan_error(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void plan_error(const char *path, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "kassign probe: %s: error: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void plan_warning(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void plan_warning(const char *path, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "kassign probe: %s: warning: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int check_keys(const char *path, const char *where, json_t *obj, const char *const *known)
{
	const char *key;
	json_t *v;
	int bad = 0;
	json_object_foreach(obj, key, v)
	{
		size_t i;
		for (i = 0; known[i]; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (!known[i]) {
			plan_error(path, "%s%s%s: unknown field", where, *where ? "." : "", key);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* A number field of obj in [min, max]; absent: *v = dflt (and filled in
 * when fill is set). */
static int get_number(const char *path, const char *where, json_t *obj, const char *key, double min,
		      double max, double dflt, int fill, double *v)
{
	json_t *j = json_object_get(obj, key);
	if (!j) {
		*v = dflt;
		if (fill && dflt >= 0)
			json_object_set_new(obj, key, json_integer((json_int_t)dflt));
		return 0;
	}
	if (!json_is_number(j)) {
		plan_error(path, "%s.%s: a number expected", where, key);
		return -1;
	}
	*v = json_number_value(j);
	if (!(*v >= min && *v <= max)) {
		plan_error(path, "%s.%s: %g is outside %g..%g", where, key, *v, min, max);
		return -1;
	}
	return 0;
}

static char *dup_name(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fputs("kassign probe: out of memory\n", stderr);
		exit(2);
	}
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fputs("kassign probe: out of memory\n", stderr);
		exit(2);
	}
	return q;
}

/* A member that subscribes to every topic, named m%04u (the first such
 * name not taken). */
static uint32_t add_member(kp_plan *p, const char *name)
{
	char buf[32];
	if (!name) {
		for (uint32_t k = p->n_members;; k++) {
			snprintf(buf, sizeof(buf), "m%04u", k);
			uint32_t i;
			for (i = 0; i < p->n_members; i++)
				if (strcmp(p->member_name[i], buf) == 0)
					break;
			if (i == p->n_members)
				break;
		}
		name = buf;
	}
	uint32_t m = p->n_members++;
	p->member_name = xrealloc(p->member_name, p->n_members * sizeof(*p->member_name));
	p->member_name[m] = dup_name(name);
	p->sub_off = xrealloc(p->sub_off, (p->n_members + 1) * sizeof(*p->sub_off));
	if (m == 0)
		p->sub_off[0] = 0;
	p->sub_topic =
	    xrealloc(p->sub_topic, (p->sub_off[m] + p->n_topics) * sizeof(*p->sub_topic));
	for (uint32_t t = 0; t < p->n_topics; t++)
		p->sub_topic[p->sub_off[m] + t] = t;
	p->sub_off[m + 1] = p->sub_off[m] + p->n_topics;
	return m;
}

static void add_topic(kp_plan *p, const char *name, uint32_t partitions)
{
	uint32_t t = p->n_topics++;
	p->topic_name = xrealloc(p->topic_name, p->n_topics * sizeof(*p->topic_name));
	p->topic_name[t] = dup_name(name);
	p->topic_off = xrealloc(p->topic_off, (p->n_topics + 1) * sizeof(*p->topic_off));
	if (t == 0)
		p->topic_off[0] = 0;
	p->topic_off[t + 1] = p->topic_off[t] + partitions;
	p->n_partitions = p->topic_off[t + 1];
}

static void msg_to_stderr(void *ctx, int severity, const char *line)
{
	(void)ctx;
	(void)severity;
	fprintf(stderr, "kassign probe: %s\n", line);
}

/* group: {"members": M, "topics": [...]} or {"scenario": "path.json"}. */
static int load_group(kp_plan *p, const char *path, json_t *group)
{
	if (!json_is_object(group)) {
		plan_error(path, "group: an object expected");
		return -1;
	}
	json_t *scen = json_object_get(group, "scenario");
	if (scen) {
		static const char *const keys[] = {"scenario", NULL};
		if (check_keys(path, "group", group, keys) < 0)
			return -1;
		if (!json_is_string(scen)) {
			plan_error(path, "group.scenario: a file name expected");
			return -1;
		}
		/* Relative to the plan file, as a user reads it. */
		char spath[4096];
		const char *s = json_string_value(scen);
		const char *slash = strrchr(path, '/');
		if (s[0] != '/' && slash)
			snprintf(spath, sizeof(spath), "%.*s/%s", (int)(slash - path), path, s);
		else
			snprintf(spath, sizeof(spath), "%s", s);
		ka_group *g = NULL;
		if (kd_scenario_load(spath, &g, msg_to_stderr, NULL) < 0)
			return -1;
		if (g->flags & KA_GROUP_OWNED)
			plan_warning(path,
				     "group.scenario %s: owned partitions ignored (real consumers "
				     "start with no assignment; the probe's time 0 is the group "
				     "settled after its first join)",
				     spath);
		if (g->n_racks)
			plan_warning(path, "group.scenario %s: racks ignored by the probe", spath);
		for (uint32_t t = 0; t < g->n_topics; t++)
			add_topic(p, g->topic_name[t], g->topic_off[t + 1] - g->topic_off[t]);
		p->member_name = xrealloc(NULL, g->n_members * sizeof(*p->member_name));
		p->sub_off = xrealloc(NULL, (g->n_members + 1) * sizeof(*p->sub_off));
		p->sub_topic = xrealloc(NULL, g->sub_off[g->n_members] * sizeof(*p->sub_topic));
		for (uint32_t m = 0; m < g->n_members; m++)
			p->member_name[m] = dup_name(g->member_id[m]);
		memcpy(p->sub_off, g->sub_off, (g->n_members + 1) * sizeof(*p->sub_off));
		memcpy(p->sub_topic, g->sub_topic,
		       g->sub_off[g->n_members] * sizeof(*p->sub_topic));
		p->n_members = g->n_members;
		ka_group_free(g);
		if (p->n_members > KP_MAX_MEMBERS) {
			plan_error(path, "group.scenario %s: %u members, the probe runs at most %u",
				   spath, p->n_members, KP_MAX_MEMBERS);
			return -1;
		}
		return 0;
	}
	static const char *const keys[] = {"members", "topics", NULL};
	if (check_keys(path, "group", group, keys) < 0)
		return -1;
	json_t *topics = json_object_get(group, "topics");
	if (!json_is_array(topics) || json_array_size(topics) == 0) {
		plan_error(path, "group.topics: a non-empty array expected");
		return -1;
	}
	size_t i;
	json_t *t;
	json_array_foreach(topics, i, t)
	{
		static const char *const tkeys[] = {"name", "partitions", NULL};
		char where[64];
		snprintf(where, sizeof(where), "group.topics[%zu]", i);
		if (!json_is_object(t)) {
			plan_error(path, "%s: an object expected", where);
			return -1;
		}
		if (check_keys(path, where, t, tkeys) < 0)
			return -1;
		json_t *name = json_object_get(t, "name");
		json_t *np = json_object_get(t, "partitions");
		if (!json_is_string(name) || !*json_string_value(name)) {
			plan_error(path, "%s.name: a topic name expected", where);
			return -1;
		}
		for (uint32_t k = 0; k < p->n_topics; k++)
			if (strcmp(p->topic_name[k], json_string_value(name)) == 0) {
				plan_error(path, "%s.name: duplicate topic \"%s\"", where,
					   json_string_value(name));
				return -1;
			}
		if (!json_is_integer(np) || json_integer_value(np) < 1 ||
		    json_integer_value(np) > 100000) {
			plan_error(path, "%s.partitions: a count in 1..100000 expected", where);
			return -1;
		}
		add_topic(p, json_string_value(name), (uint32_t)json_integer_value(np));
	}
	json_t *members = json_object_get(group, "members");
	if (!json_is_integer(members) || json_integer_value(members) < 1 ||
	    json_integer_value(members) > KP_MAX_MEMBERS) {
		plan_error(path, "group.members: a count in 1..%d expected", KP_MAX_MEMBERS);
		return -1;
	}
	for (json_int_t m = 0; m < json_integer_value(members); m++)
		add_member(p, NULL);
	return 0;
}

static void push_action(kp_plan *p, double at, int kind, uint32_t member, const char *event,
			uint32_t plan_event)
{
	p->actions = xrealloc(p->actions, (p->n_actions + 1) * sizeof(*p->actions));
	kp_action *a = &p->actions[p->n_actions++];
	a->at_ms = at;
	a->kind = kind;
	a->member = member;
	a->event = event;
	a->plan_event = plan_event;
}

/* One plan event, checked, in a form the dry run reads. */
typedef struct plan_event {
	double at_ms;
	const char *type;
	uint32_t count; /* join, leave, crash, rolling-restart */
	int64_t member; /* leave, crash, restart: -1 when by count */
	double gap_ms;  /* rolling-restart */
	int kill;       /* restart, rolling-restart: "stop": "kill" (no close) */
	uint32_t to;    /* scale */
	uint32_t index; /* in the plan */
} plan_event;

/* "stop": "close" (default: the consumer's close, a LeaveGroup) or "kill"
 * (destroyed without close, as a crash). */
static int get_stop(const char *path, const char *where, json_t *e, int *kill)
{
	json_t *v = json_object_get(e, "stop");
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	*kill = s && strcmp(s, "kill") == 0;
	if (v && (!s || (strcmp(s, "kill") != 0 && strcmp(s, "close") != 0))) {
		plan_error(path, "%s.stop: \"close\" or \"kill\" expected", where);
		return -1;
	}
	return 0;
}

static int event_cmp(const void *a, const void *b)
{
	const plan_event *x = a, *y = b;
	if (x->at_ms != y->at_ms)
		return x->at_ms < y->at_ms ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int64_t member_by_name(const kp_plan *p, const char *name)
{
	for (uint32_t m = 0; m < p->n_members; m++)
		if (strcmp(p->member_name[m], name) == 0)
			return m;
	return -1;
}

/* A pending action of the dry run: the second half of a restart. */
typedef struct pending {
	double at_ms;
	uint32_t member;
	uint32_t plan_event;
} pending;

static int read_events(kp_plan *p, const char *path, json_t *events, plan_event **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!events)
		return 0;
	if (!json_is_array(events)) {
		plan_error(path, "events: an array expected");
		return -1;
	}
	plan_event *ev = xrealloc(NULL, json_array_size(events) * sizeof(*ev));
	size_t i;
	json_t *e;
	json_array_foreach(events, i, e)
	{
		char where[64];
		snprintf(where, sizeof(where), "events[%zu]", i);
		plan_event *pe = &ev[i];
		memset(pe, 0, sizeof(*pe));
		pe->index = (uint32_t)i;
		pe->member = -1;
		if (!json_is_object(e)) {
			plan_error(path, "%s: an object expected", where);
			goto fail;
		}
		json_t *type = json_object_get(e, "type");
		if (!json_is_string(type)) {
			plan_error(path,
				   "%s.type: an event type expected (join, leave, crash, "
				   "restart, rolling-restart, scale, add-partitions)",
				   where);
			goto fail;
		}
		pe->type = json_string_value(type);
		if (!json_object_get(e, "at_ms")) {
			plan_error(path, "%s.at_ms: required", where);
			goto fail;
		}
		if (get_number(path, where, e, "at_ms", 0, 864e5, 0, 0, &pe->at_ms) < 0)
			goto fail;
		double count = 1, to = 0;
		const char *t = pe->type;
		if (strcmp(t, "add-partitions") == 0) {
			plan_error(path,
				   "%s.type: add-partitions is not supported by the probe "
				   "(librdkafka 2.0.2's mock cluster cannot grow a topic); "
				   "use kassign simulate",
				   where);
			goto fail;
		} else if (strcmp(t, "join") == 0) {
			static const char *const k[] = {"at_ms", "type", "count", NULL};
			if (check_keys(path, where, e, k) < 0 ||
			    get_number(path, where, e, "count", 1, KP_MAX_MEMBERS, 1, 0, &count) <
				0)
				goto fail;
		} else if (strcmp(t, "leave") == 0 || strcmp(t, "crash") == 0) {
			static const char *const k[] = {"at_ms", "type", "count", "member", NULL};
			if (check_keys(path, where, e, k) < 0)
				goto fail;
			json_t *m = json_object_get(e, "member");
			if (m && json_object_get(e, "count")) {
				plan_error(path, "%s: member and count exclude each other", where);
				goto fail;
			}
			if (m) {
				if (!json_is_string(m) ||
				    (pe->member = member_by_name(p, json_string_value(m))) < 0) {
					plan_error(path, "%s.member: not a member of the group",
						   where);
					goto fail;
				}
			} else if (get_number(path, where, e, "count", 1, KP_MAX_MEMBERS, 1, 0,
					      &count) < 0)
				goto fail;
		} else if (strcmp(t, "restart") == 0) {
			static const char *const k[] = {"at_ms", "type", "member", "stop", NULL};
			if (check_keys(path, where, e, k) < 0 ||
			    get_stop(path, where, e, &pe->kill) < 0)
				goto fail;
			json_t *m = json_object_get(e, "member");
			if (!json_is_string(m) ||
			    (pe->member = member_by_name(p, json_string_value(m))) < 0) {
				plan_error(path, "%s.member: a member of the group expected",
					   where);
				goto fail;
			}
		} else if (strcmp(t, "rolling-restart") == 0) {
			static const char *const k[] = {"at_ms",  "type", "count",
							"gap_ms", "stop", NULL};
			if (check_keys(path, where, e, k) < 0 ||
			    get_stop(path, where, e, &pe->kill) < 0 ||
			    get_number(path, where, e, "count", 1, KP_MAX_MEMBERS, 1, 0, &count) <
				0 ||
			    get_number(path, where, e, "gap_ms", 0, 864e5, 0, 0, &pe->gap_ms) < 0)
				goto fail;
		} else if (strcmp(t, "scale") == 0) {
			static const char *const k[] = {"at_ms", "type", "to", NULL};
			if (check_keys(path, where, e, k) < 0)
				goto fail;
			if (!json_object_get(e, "to")) {
				plan_error(path, "%s.to: required", where);
				goto fail;
			}
			if (get_number(path, where, e, "to", 0, KP_MAX_MEMBERS, 0, 0, &to) < 0)
				goto fail;
		} else {
			plan_error(path,
				   "%s.type: unknown event type \"%s\" (join, leave, crash, "
				   "restart, rolling-restart, scale, add-partitions)",
				   where, t);
			goto fail;
		}
		if (count != floor(count) || to != floor(to)) {
			plan_error(path, "%s: counts are whole numbers", where);
			goto fail;
		}
		pe->count = (uint32_t)count;
		pe->to = (uint32_t)to;
	}
	*out = ev;
	*n = json_array_size(events);
	return 0;
fail:
	free(ev);
	return -1;
}

/* The dry run: events in time order over the running members. */
static int expand_events(kp_plan *p, const char *path, plan_event *ev, size_t n_ev)
{
	if (n_ev)
		qsort(ev, n_ev, sizeof(*ev), event_cmp);
	uint8_t *running = NULL;
	pending *pend = NULL;
	size_t n_pend = 0;
	int rc = -1;
	running = xrealloc(NULL, p->n_members);
	for (uint32_t m = 0; m < p->n_members; m++)
		running[m] = 1;

	/* Restarts come back as pending starts, merged in time order with
	 * later events (a start at the time of an event goes first). */
	size_t i = 0;
	for (;;) {
		size_t best = n_pend;
		for (size_t k = 0; k < n_pend; k++)
			if (best == n_pend || pend[k].at_ms < pend[best].at_ms)
				best = k;
		if (best < n_pend && (i == n_ev || pend[best].at_ms <= ev[i].at_ms)) {
			push_action(p, pend[best].at_ms, KP_START, pend[best].member, "start",
				    pend[best].plan_event);
			running[pend[best].member] = 1;
			pend[best] = pend[--n_pend];
			continue;
		}
		if (i == n_ev)
			break;
		plan_event *e = &ev[i++];
		char where[64];
		snprintf(where, sizeof(where), "events[%u] (%s at %g ms)", e->index, e->type,
			 e->at_ms);
		uint32_t alive = 0;
		for (uint32_t m = 0; m < p->n_members; m++)
			alive += running[m];
		if (strcmp(e->type, "join") == 0 ||
		    (strcmp(e->type, "scale") == 0 && e->to > alive)) {
			uint32_t k = strcmp(e->type, "join") == 0 ? e->count : e->to - alive;
			if (p->n_members + k > KP_MAX_MEMBERS) {
				plan_error(path, "%s: more than %d members in the run", where,
					   KP_MAX_MEMBERS);
				goto out;
			}
			running = xrealloc(running, p->n_members + k);
			for (uint32_t j = 0; j < k; j++) {
				uint32_t m = add_member(p, NULL);
				running[m] = 1;
				push_action(p, e->at_ms, KP_START, m, "join", e->index);
			}
		} else if (strcmp(e->type, "leave") == 0 || strcmp(e->type, "crash") == 0 ||
			   strcmp(e->type, "scale") == 0) {
			int crash = strcmp(e->type, "crash") == 0;
			uint32_t k = strcmp(e->type, "scale") == 0 ? alive - e->to : e->count;
			if (e->member >= 0) {
				if (!running[e->member]) {
					plan_error(path, "%s: member %s is not running then", where,
						   p->member_name[e->member]);
					goto out;
				}
				running[e->member] = 0;
				push_action(p, e->at_ms, crash ? KP_CRASH : KP_CLOSE,
					    (uint32_t)e->member, crash ? "stop" : "leave",
					    e->index);
				continue;
			}
			if (k > alive) {
				plan_error(path, "%s: %u members to stop, %u running", where, k,
					   alive);
				goto out;
			}
			/* The members that joined last go first. */
			for (uint32_t m = p->n_members; k && m-- > 0;)
				if (running[m]) {
					running[m] = 0;
					push_action(p, e->at_ms, crash ? KP_CRASH : KP_CLOSE, m,
						    crash ? "stop" : "leave", e->index);
					k--;
				}
		} else if (strcmp(e->type, "restart") == 0) {
			if (!running[e->member]) {
				plan_error(path, "%s: member %s is not running then", where,
					   p->member_name[e->member]);
				goto out;
			}
			running[e->member] = 0;
			push_action(p, e->at_ms, e->kill ? KP_CRASH : KP_CLOSE, (uint32_t)e->member,
				    "stop", e->index);
			pend = xrealloc(pend, (n_pend + 1) * sizeof(*pend));
			pend[n_pend++] =
			    (pending){e->at_ms + p->restart_ms, (uint32_t)e->member, e->index};
		} else if (strcmp(e->type, "rolling-restart") == 0) {
			if (e->count > alive) {
				plan_error(path, "%s: %u restarts, %u members running", where,
					   e->count, alive);
				goto out;
			}
			double t = e->at_ms;
			uint32_t k = 0;
			for (uint32_t m = 0; m < p->n_members && k < e->count; m++) {
				if (!running[m])
					continue;
				/* Stopped now or later: the dry run keeps it running
				 * until its own stop, which is pushed in time order
				 * with the rest by sorting at the end. */
				push_action(p, t, e->kill ? KP_CRASH : KP_CLOSE, m, "stop",
					    e->index);
				push_action(p, t + p->restart_ms, KP_START, m, "start", e->index);
				t += p->restart_ms + e->gap_ms;
				k++;
			}
		}
	}
	rc = 0;
out:
	free(running);
	free(pend);
	return rc;
}

static int action_cmp(const void *a, const void *b)
{
	const kp_action *x = a, *y = b;
	if (x->at_ms != y->at_ms)
		return x->at_ms < y->at_ms ? -1 : 1;
	/* A stop before a start at the same time; else plan order. */
	if (x->plan_event != y->plan_event)
		return x->plan_event < y->plan_event ? -1 : 1;
	return (x->kind == KP_START) - (y->kind == KP_START);
}

/* The actions in time order must stop only running members and start only
 * stopped ones (rolling restarts overlapping other events can break it). */
static int check_actions(kp_plan *p, const char *path)
{
	if (p->n_actions)
		qsort(p->actions, p->n_actions, sizeof(*p->actions), action_cmp);
	uint8_t *running = xrealloc(NULL, p->n_members);
	for (uint32_t m = 0; m < p->n_members; m++)
		running[m] = m < p->n_initial;
	int rc = 0;
	for (size_t i = 0; i < p->n_actions && rc == 0; i++) {
		const kp_action *a = &p->actions[i];
		int start = a->kind == KP_START;
		if (running[a->member] == start) {
			plan_error(path, "events[%u]: member %s is %s at %g ms", a->plan_event,
				   p->member_name[a->member],
				   start ? "already running" : "not running", a->at_ms);
			rc = -1;
		}
		running[a->member] = (uint8_t)start;
	}
	free(running);
	return rc;
}

int kp_plan_load(kp_plan *p, const char *path, const char *text, const kp_target *target)
{
	memset(p, 0, sizeof(*p));
	json_error_t jerr;
	json_t *doc = text ? json_loads(text, 0, &jerr) : json_load_file(path, 0, &jerr);
	if (!doc) {
		if (jerr.line > 0)
			fprintf(stderr, "kassign probe: %s:%d:%d: error: invalid JSON: %s\n", path,
				jerr.line, jerr.column, jerr.text);
		else
			fprintf(stderr, "kassign probe: %s: error: %s\n", path, jerr.text);
		return -1;
	}
	p->doc = doc;
	plan_event *ev = NULL;
	size_t n_ev = 0;
	if (!json_is_object(doc)) {
		plan_error(path, "a plan object expected");
		goto fail;
	}
	static const char *const keys[] = {
	    "kassign_plan", "name",  "group",  "protocol", "strategy", "static_membership",
	    "config",       "model", "events", "end_ms",   NULL};
	if (check_keys(path, "", doc, keys) < 0)
		goto fail;
	json_t *ver = json_object_get(doc, "kassign_plan");
	if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
		plan_error(path, "kassign_plan: 1 expected (not a run plan, or a newer one)");
		goto fail;
	}

	/* protocol and strategy: what librdkafka 2.0.2 can run. */
	json_t *proto = json_object_get(doc, "protocol");
	json_t *strat = json_object_get(doc, "strategy");
	const char *ps = json_is_string(proto) ? json_string_value(proto) : "";
	if (strcmp(ps, "consumer") == 0) {
		plan_error(path, "protocol: \"consumer\" (KIP-848) is not in librdkafka 2.0.2; the "
				 "probe runs \"eager\" and \"cooperative\"");
		goto fail;
	}
	if (strcmp(ps, "eager") != 0 && strcmp(ps, "cooperative") != 0) {
		plan_error(path, "protocol: \"eager\", \"cooperative\" or \"consumer\" expected");
		goto fail;
	}
	p->cooperative = strcmp(ps, "cooperative") == 0;
	if (!json_is_string(strat)) {
		plan_error(path, "strategy: a strategy name expected");
		goto fail;
	}
	const char *sn = json_string_value(strat);
	if (strcmp(sn, "range") == 0 || strcmp(sn, "roundrobin") == 0 ||
	    strcmp(sn, "cooperative-sticky") == 0) {
		p->strategy = sn;
	} else {
		plan_error(path,
			   "strategy: \"%s\" %s; librdkafka 2.0.2's consumers offer range, "
			   "roundrobin and cooperative-sticky",
			   sn,
			   ka_strategy_find(sn) ? "is not a client-side assignor of librdkafka"
						: "is not a strategy");
		goto fail;
	}
	if (p->cooperative != (strcmp(sn, "cooperative-sticky") == 0)) {
		plan_error(path,
			   "strategy: \"%s\" does not run under protocol \"%s\" "
			   "(cooperative-sticky is the cooperative one)",
			   sn, ps);
		goto fail;
	}
	json_t *st = json_object_get(doc, "static_membership");
	if (st && !json_is_boolean(st)) {
		plan_error(path, "static_membership: true or false expected");
		goto fail;
	}
	p->static_membership = json_is_true(st);
	if (p->static_membership && !target->bootstrap) {
		plan_error(path, "static_membership: librdkafka 2.0.2's mock cluster does not "
				 "support group.instance.id; run the plan against brokers with "
				 "--bootstrap, or without static membership");
		goto fail;
	}

	/* config, with Kafka's defaults filled in */
	json_t *config = json_object_get(doc, "config");
	if (config && !json_is_object(config)) {
		plan_error(path, "config: an object expected");
		goto fail;
	}
	if (!config) {
		config = json_object();
		json_object_set_new(doc, "config", config);
	}
	static const char *const ckeys[] = {"session.timeout.ms",
					    "heartbeat.interval.ms",
					    "max.poll.interval.ms",
					    "rebalance.timeout.ms",
					    "group.initial.rebalance.delay.ms",
					    "auto.commit.interval.ms",
					    "metadata.max.age.ms",
					    NULL};
	double ignored;
	if (check_keys(path, "config", config, ckeys) < 0 ||
	    get_number(path, "config", config, "session.timeout.ms", 1, 3600000, 45000, 1,
		       &p->session_ms) < 0 ||
	    get_number(path, "config", config, "heartbeat.interval.ms", 1, 3600000, 3000, 1,
		       &p->heartbeat_ms) < 0 ||
	    get_number(path, "config", config, "max.poll.interval.ms", 1, 86400000, 300000, 1,
		       &p->max_poll_ms) < 0 ||
	    get_number(path, "config", config, "rebalance.timeout.ms", 1, 86400000, -1, 0,
		       &ignored) < 0 ||
	    get_number(path, "config", config, "group.initial.rebalance.delay.ms", 0, 3600000, -1,
		       0, &ignored) < 0 ||
	    get_number(path, "config", config, "auto.commit.interval.ms", 0, 3600000, -1, 0,
		       &ignored) < 0 ||
	    get_number(path, "config", config, "metadata.max.age.ms", 1, 86400000, -1, 0,
		       &ignored) < 0)
		goto fail;
	if (p->heartbeat_ms >= p->session_ms) {
		plan_error(path,
			   "config: heartbeat.interval.ms (%g) must be below "
			   "session.timeout.ms (%g)",
			   p->heartbeat_ms, p->session_ms);
		goto fail;
	}
	if (p->session_ms < 3500 && !target->bootstrap) {
		plan_error(path,
			   "config.session.timeout.ms: %g ms is under 3500 ms: librdkafka "
			   "2.0.2's mock cluster holds a first join for 3000 ms and expires "
			   "members waiting in it",
			   p->session_ms);
		goto fail;
	}
	if (p->max_poll_ms < p->session_ms) {
		plan_error(path,
			   "config: max.poll.interval.ms (%g) must be at least "
			   "session.timeout.ms (%g) for librdkafka",
			   p->max_poll_ms, p->session_ms);
		goto fail;
	}
	json_t *rt = json_object_get(config, "rebalance.timeout.ms");
	if (rt && json_number_value(rt) != p->max_poll_ms)
		plan_warning(path, "config.rebalance.timeout.ms: librdkafka takes it from "
				   "max.poll.interval.ms; ignored");

	/* model: the parts a real run can honour */
	json_t *model = json_object_get(doc, "model");
	if (model && !json_is_object(model)) {
		plan_error(path, "model: an object expected");
		goto fail;
	}
	if (!model) {
		model = json_object();
		json_object_set_new(doc, "model", model);
	}
	static const char *const mkeys[] = {
	    "rtt_ms",   "commit_ms", "revoke_callback_ms", "restart_ms", "produce_rate",
	    "capacity", "assign_ms", "coordinator",        "seed",       NULL};
	if (check_keys(path, "model", model, mkeys) < 0 ||
	    get_number(path, "model", model, "restart_ms", 0, 864e5, 20000, 1, &p->restart_ms) <
		0 ||
	    get_number(path, "model", model, "revoke_callback_ms", 0, 600000, 0, 1,
		       &p->revoke_callback_ms) < 0)
		goto fail;
	static const char *const unused[] = {"rtt_ms",   "commit_ms", "produce_rate",
					     "capacity", "assign_ms", "seed"};
	for (size_t k = 0; k < sizeof(unused) / sizeof(unused[0]); k++) {
		json_t *v = json_object_get(model, unused[k]);
		if (v && (!json_is_number(v) || json_number_value(v) < 0)) {
			plan_error(path, "model.%s: a number >= 0 expected", unused[k]);
			goto fail;
		}
	}

	json_t *end = json_object_get(doc, "end_ms");
	p->end_ms = -1;
	if (end && get_number(path, "", doc, "end_ms", 1, 864e5, -1, 0, &p->end_ms) < 0)
		goto fail;

	if (load_group(p, path, json_object_get(doc, "group")) < 0)
		goto fail;
	p->n_initial = p->n_members;
	if (read_events(p, path, json_object_get(doc, "events"), &ev, &n_ev) < 0 ||
	    expand_events(p, path, ev, n_ev) < 0 || check_actions(p, path) < 0)
		goto fail;
	free(ev);
	return 0;
fail:
	free(ev);
	kp_plan_free(p);
	return -1;
}

void kp_plan_free(kp_plan *p)
{
	json_decref(p->doc);
	for (uint32_t t = 0; t < p->n_topics; t++)
		free(p->topic_name[t]);
	for (uint32_t m = 0; m < p->n_members; m++)
		free(p->member_name[m]);
	free(p->topic_name);
	free(p->topic_off);
	free(p->member_name);
	free(p->sub_off);
	free(p->sub_topic);
	free(p->actions);
	memset(p, 0, sizeof(*p));
}
