/*
 * testgroups.c - groups for the tests, built through the public builder API
 * only, so the builder is exercised by every test that uses a group.
 */
#include "testgroups.h"

#include <CUnit/CUnit.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ diagnostics */

void tg_diag_collect(void *ctx, const ka_diag *d)
{
	tg_diags *ds = ctx;
	if (ds->n == TG_MAX_DIAGS) {
		ds->dropped++;
		return;
	}
	tg_diag *o = &ds->d[ds->n++];
	o->code = d->code;
	o->member = d->member;
	o->other = d->other;
	o->topic = d->topic;
	o->item = d->item;
	o->partition = d->partition;
	o->name[0] = '\0';
	if (d->name)
		snprintf(o->name, sizeof o->name, "%s", d->name);
}

size_t tg_diag_count(const tg_diags *ds, int code)
{
	size_t n = 0;
	for (size_t i = 0; i < ds->n; i++)
		n += ds->d[i].code == code;
	return n;
}

const tg_diag *tg_diag_find(const tg_diags *ds, int code)
{
	for (size_t i = 0; i < ds->n; i++)
		if (ds->d[i].code == code)
			return &ds->d[i];
	return NULL;
}

/* ------------------------------------------------------------------ building */

const char *tg_next_token(const char *s, const char *seps, char *buf, size_t cap)
{
	if (!s)
		return NULL;
	size_t n = strcspn(s, seps);
	if (n >= cap) {
		fprintf(stderr, "testgroups: token too long in \"%s\"\n", s);
		abort();
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return s[n] ? s + n + 1 : s + n;
}

static void note_call(int *first, int64_t rc)
{
	if (rc < 0 && *first == 0)
		*first = (int)rc;
}

static void add_racks(ka_builder *b, uint32_t topic, const char *racks, int *call_err)
{
	char part[512], rack[128];
	uint32_t k = 0;
	const char *s = racks;
	while (s && *s) {
		s = tg_next_token(s, "|", part, sizeof part);
		const char *r = part;
		while (*r) {
			r = tg_next_token(r, ",", rack, sizeof rack);
			if (rack[0])
				note_call(call_err,
					  ka_builder_add_partition_rack(b, topic, k, rack));
		}
		k++;
	}
}

int tg_build_ex(const tg_topic *topics, size_t n_topics, const tg_member *members, size_t n_members,
		tg_diags *diags, ka_group **out)
{
	int call_err = 0;
	*out = NULL;
	if (diags)
		memset(diags, 0, sizeof *diags);
	ka_builder *b = ka_builder_new(diags ? tg_diag_collect : NULL, diags);
	if (!b)
		return KA_ENOMEM;
	for (size_t i = 0; i < n_topics; i++) {
		int64_t t = ka_builder_add_topic(b, topics[i].name, topics[i].partitions);
		note_call(&call_err, t);
		if (t >= 0 && topics[i].racks)
			add_racks(b, (uint32_t)t, topics[i].racks, &call_err);
	}
	for (size_t i = 0; i < n_members; i++) {
		const tg_member *md = &members[i];
		int64_t gen = md->gen ? strtoll(md->gen, NULL, 10) : KA_NO_GENERATION;
		int64_t m = ka_builder_add_member(b, md->id, md->instance, md->rack, gen);
		note_call(&call_err, m);
		if (m < 0)
			continue;
		char tok[512], name[512], num[32];
		uint32_t item = 0;
		const char *s = md->topics;
		while (s && *s) {
			s = tg_next_token(s, " ", tok, sizeof tok);
			if (tok[0])
				note_call(&call_err,
					  ka_builder_subscribe(b, (uint32_t)m, tok, item++));
		}
		item = 0;
		s = md->owned;
		while (s && *s) {
			s = tg_next_token(s, " ", tok, sizeof tok);
			if (!tok[0])
				continue;
			const char *ps = tg_next_token(tok, ":", name, sizeof name);
			while (ps && *ps) {
				ps = tg_next_token(ps, ",", num, sizeof num);
				if (num[0])
					note_call(&call_err, ka_builder_add_owned(
								 b, (uint32_t)m, name,
								 strtoll(num, NULL, 10), item++));
			}
		}
	}
	int rc = ka_builder_finish(b, out);
	ka_builder_free(b);
	if (diags)
		diags->call_error = call_err;
	if (rc == 0 && !*out)
		return KA_EINVAL;
	return rc;
}

ka_group *tg_build(const tg_topic *topics, size_t n_topics, const tg_member *members,
		   size_t n_members)
{
	static tg_diags diags; /* large; tests are single-threaded */
	ka_group *g = NULL;
	int rc = tg_build_ex(topics, n_topics, members, n_members, &diags, &g);
	if (rc != 0 || diags.call_error != 0) {
		fprintf(stderr, "testgroups: building failed: finish %d (%s), first call %d (%s)\n",
			rc, ka_strerror(rc), diags.call_error, ka_strerror(diags.call_error));
		for (size_t i = 0; i < diags.n; i++)
			fprintf(
			    stderr, "  diag %d member %" PRIu32 " topic %" PRIu32 " name '%s'\n",
			    diags.d[i].code, diags.d[i].member, diags.d[i].topic, diags.d[i].name);
		ka_group_free(g);
		return NULL;
	}
	return g;
}

/* ------------------------------------------------------------------ random descriptions */

/* Names chosen so that Java String order, byte order and "natural" order
 * disagree: case, digits ("t1" < "t10" < "t2"), prefixes, and non-ASCII
 * (U+00E9, U+20AC, U+FFFD, and U+1F600 which Java sorts below U+FFFD). */
static const char *const topic_pool[] = {
    "t1",           "t10",    "t2",          "T1",
    "t1\xc3\xa9",   "B",      "a",           "\xf0\x9f\x98\x80",
    "\xef\xbf\xbd", "orders", "orders-1",    "Orders",
    "_x",           "9",      "\xe2\x82\xac"};
static const char *const member_pool[] = {"c1",
					  "c10",
					  "c2",
					  "C1",
					  "consumer-1",
					  "consumer-10",
					  "consumer-2",
					  "m\xc3\xa9",
					  "\xf0\x9f\x98\x80",
					  "\xef\xbf\xbd",
					  "a",
					  "B",
					  "_",
					  "c1\xf0\x9f\x98\x80"};
static const char *const instance_pool[] = {
    "i1", "i10", "i2", "I1", "host-a", "host-B", "\xe2\x82\xac", "\xf0\x9f\x98\x81", "z", "0"};
static const char *const rack_pool[] = {"a", "b", "c"};
static const char *const unknown_topics[] = {"ghost", "t3", "T10"};

static int chance(kd_rng *r, uint32_t num, uint32_t den)
{
	return kd_rng_below(r, den) < num;
}

static char *arena_mark(tg_desc *d)
{
	return d->arena + d->used;
}

static void arena_add(tg_desc *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(d->arena + d->used, TG_ARENA - d->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= TG_ARENA - d->used) {
		fprintf(stderr, "testgroups: arena full\n");
		abort();
	}
	d->used += (size_t)n;
}

/* Ends the string begun at `mark` and returns it. */
static const char *arena_end(tg_desc *d, char *mark)
{
	arena_add(d, "%s", "");
	d->used++;
	return mark;
}

/* Picks k distinct indices below n into out (partial Fisher-Yates). */
static void pick_distinct(kd_rng *r, uint32_t n, uint32_t k, uint32_t *out)
{
	uint32_t idx[32];
	for (uint32_t i = 0; i < n; i++)
		idx[i] = i;
	for (uint32_t i = 0; i < k; i++) {
		uint32_t j = i + kd_rng_below(r, n - i);
		uint32_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		out[i] = idx[i];
	}
}

static const char *random_racks(kd_rng *r, tg_desc *d, uint32_t partitions, uint32_t mode)
{
	char *mark = arena_mark(d);
	for (uint32_t p = 0; p < partitions; p++) {
		if (p)
			arena_add(d, "|");
		int first = 1;
		for (uint32_t k = 0; k < 3; k++) {
			int on;
			switch (mode) {
			case 1: /* one replica */
				on = k == (p + kd_rng_below(r, 2)) % 3;
				break;
			case 2: /* any subset, empty included */
				on = chance(r, 1, 2);
				break;
			case 3: /* every rack: no rack-aware gain */
				on = 1;
				break;
			case 4: /* the same two everywhere */
				on = k < 2;
				break;
			default: /* two replicas, spread */
				on = k == p % 3 || k == (p + 1) % 3;
				break;
			}
			if (!on)
				continue;
			arena_add(d, "%s%s", first ? "" : ",", rack_pool[k]);
			first = 0;
			if (chance(r, 1, 25)) /* KA_WDUP_PARTITION_RACK */
				arena_add(d, ",%s", rack_pool[k]);
		}
	}
	return arena_end(d, mark);
}

/* The i-th of n distinct names: from the pool (through the picked indices)
 * while it lasts, then made up, numbered from 100 so as not to meet the
 * pool's own "t1", "t10", "c2". */
static const char *nth_name(tg_desc *d, const char *const *pool, uint32_t pool_len,
			    const uint32_t *picked, uint32_t i, const char *const prefixes[3])
{
	if (i < pool_len)
		return pool[picked[i]];
	char *mark = arena_mark(d);
	arena_add(d, "%s%" PRIu32, prefixes[i % 3], 100 + i);
	return arena_end(d, mark);
}

void tg_random(kd_rng *r, uint32_t opts, tg_desc *d)
{
	static const char *const topic_prefix[3] = {"t", "T", "topic-\xc3\xa9"};
	static const char *const member_prefix[3] = {"c", "C", "\xf0\x9f\x98\x80"};
	static const char *const instance_prefix[3] = {"i", "I", "host-"};
	int tiny = (opts & TG_TINY) != 0;
	int wide = !tiny && (opts & TG_WIDE) != 0;
	int large = !tiny && !wide && (opts & TG_LARGE) != 0;
	int homogeneous = (opts & TG_HOMOGENEOUS) != 0;
	uint32_t tix[TG_MAX_TOPICS], mix[TG_MAX_MEMBERS], iix[TG_MAX_MEMBERS];
	uint32_t counts[TG_MAX_TOPICS];
	/* Subscriptions as flags (member x topic), shared by the claims below. */
	static uint8_t subscribed[TG_MAX_MEMBERS][TG_MAX_TOPICS];
	uint8_t shared[TG_MAX_TOPICS];

	memset(d, 0, offsetof(tg_desc, arena));
	d->arena[0] = '\0';

	/* topics */
	uint32_t nt;
	if (tiny)
		nt = 1 + kd_rng_below(r, 3);
	else if (wide) /* past the 16 topics of a bit mask in a word, often far past */
		nt = 17 + kd_rng_below(r, chance(r, 1, 2) ? 24 : TG_MAX_TOPICS - 16);
	else if (large)
		nt = 1 + kd_rng_below(r, 12);
	else
		nt = chance(r, 1, 50) ? 0 : 1 + kd_rng_below(r, 5);
	pick_distinct(r, TG_LEN(topic_pool), nt < TG_LEN(topic_pool) ? nt : TG_LEN(topic_pool),
		      tix);
	/* Few distinct counts make co-partitioned topics (same subscribers, same
	 * count) common, which rack-aware range treats apart. */
	static const uint32_t copart_counts[] = {0, 1, 2, 3, 4, 6};
	static const uint32_t copart_large[] = {0, 5, 12, 30, 60};
	int copart = chance(r, 1, 2);
	uint32_t total = 0;
	/* Wide: about `budget` partitions in all, some topics empty. */
	const uint32_t budget = wide ? 20 + kd_rng_below(r, 3200) : 0;
	for (uint32_t t = 0; t < nt; t++) {
		uint32_t c;
		if (wide)
			c = kd_rng_below(r, 2 * budget / nt + 2);
		else if (tiny)
			c = kd_rng_below(r, 4);
		else if (large)
			c = copart ? copart_large[kd_rng_below(r, TG_LEN(copart_large))]
				   : kd_rng_below(r, 61);
		else if (copart)
			c = copart_counts[kd_rng_below(r, TG_LEN(copart_counts))];
		else
			c = kd_rng_below(r, 13);
		if (tiny && total + c > 7)
			c = 7 - total;
		total += c;
		counts[t] = c;
	}
	int prack_group = chance(r, 13, 20);
	uint32_t prack_mode_all = kd_rng_below(r, 6);
	for (uint32_t t = 0; t < nt; t++) {
		tg_topic *tp = &d->topics[t];
		tp->name = nth_name(d, topic_pool, TG_LEN(topic_pool), tix, t, topic_prefix);
		tp->partitions = counts[t];
		tp->racks = NULL;
		if (prack_group && !chance(r, 3, 20)) {
			uint32_t mode = chance(r, 1, 2) ? prack_mode_all : kd_rng_below(r, 6);
			tp->racks = random_racks(r, d, counts[t], mode);
		}
	}
	d->n_topics = nt;

	/* members */
	uint32_t nm;
	if (tiny)
		nm = 1 + kd_rng_below(r, 3);
	else if (wide)
		nm = 2 + kd_rng_below(r, chance(r, 1, 2) ? 6 : TG_MAX_MEMBERS - 1);
	else if (large)
		nm = 1 + kd_rng_below(r, 40);
	else
		nm = chance(r, 1, 40) ? 0 : 1 + kd_rng_below(r, 8);
	pick_distinct(r, TG_LEN(member_pool), nm < TG_LEN(member_pool) ? nm : TG_LEN(member_pool),
		      mix);
	pick_distinct(r, TG_LEN(instance_pool),
		      nm < TG_LEN(instance_pool) ? nm : TG_LEN(instance_pool), iix);
	uint32_t inst_mode = chance(r, 11, 20) ? 0 : 1 + kd_rng_below(r, 2);
	uint32_t rack_mode = chance(r, 7, 20) ? 0 : 1 + kd_rng_below(r, 4);
	uint32_t n_shared = 0;
	for (uint32_t t = 0; t < nt; t++)
		n_shared += shared[t] = (uint8_t)chance(r, 3, 4);
	if (nt && !n_shared)
		shared[kd_rng_below(r, nt)] = 1;
	/* Wide: a few overlapping subscription classes, each dense or sparse;
	 * members mostly take one of them whole. */
	enum { WIDE_CLASSES = 6 };
	static uint8_t wide_class[WIDE_CLASSES][TG_MAX_TOPICS];
	const uint32_t n_wide_classes = wide ? 1 + kd_rng_below(r, WIDE_CLASSES) : 0;
	for (uint32_t k = 0; k < n_wide_classes; k++) {
		static const uint32_t density[] = {1, 5, 30, 60, 95}; /* percent */
		const uint32_t pct = density[kd_rng_below(r, TG_LEN(density))];
		for (uint32_t t = 0; t < nt; t++)
			wide_class[k][t] = (uint8_t)chance(r, pct, 100);
		wide_class[k][kd_rng_below(r, nt)] = 1;
	}
	int owned_group = !(opts & TG_NO_OWNED) && chance(r, 3, 5);

	for (uint32_t i = 0; i < nm; i++) {
		tg_member *m = &d->members[i];
		m->id = nth_name(d, member_pool, TG_LEN(member_pool), mix, i, member_prefix);
		m->instance = NULL;
		if (inst_mode == 1 || (inst_mode == 2 && chance(r, 1, 2)))
			m->instance = nth_name(d, instance_pool, TG_LEN(instance_pool), iix, i,
					       instance_prefix);
		if (i > 0 && inst_mode && chance(r, 1, 30)) /* KA_WDUP_INSTANCE_ID */
			m->instance = d->members[0].instance;
		switch (rack_mode) {
		case 1: /* every member racked */
			m->rack = rack_pool[kd_rng_below(r, 3)];
			break;
		case 2: /* some racked; "" is no rack, as Kafka filters it */
			m->rack = chance(r, 1, 2)   ? rack_pool[kd_rng_below(r, 3)]
				  : chance(r, 1, 3) ? ""
						    : NULL;
			break;
		case 3: /* racks no replica is on: rack-aware stays off */
			m->rack = chance(r, 1, 2) ? "x" : "y";
			break;
		case 4: /* one rack for all */
			m->rack = "a";
			break;
		default:
			m->rack = NULL;
			break;
		}

		uint8_t *mask = subscribed[i];
		memcpy(mask, shared, nt);
		if (wide && !homogeneous) {
			memcpy(mask, wide_class[kd_rng_below(r, n_wide_classes)], nt);
			if (chance(r, 1, 5)) /* a member of its own */
				for (uint32_t k = 1 + kd_rng_below(r, 3); k > 0; k--)
					mask[kd_rng_below(r, nt)] ^= 1;
		} else if (!homogeneous && chance(r, 13, 20)) {
			for (uint32_t t = 0; t < nt; t++)
				mask[t] = (uint8_t)chance(r, 3, 5);
		}
		uint32_t first_sub = KA_NONE;
		for (uint32_t t = nt; t-- > 0;)
			first_sub = mask[t] ? t : first_sub;
		char *mark = arena_mark(d);
		int first = 1;
		for (uint32_t t = 0; t < nt; t++) {
			if (!mask[t])
				continue;
			arena_add(d, "%s%s", first ? "" : " ", d->topics[t].name);
			first = 0;
		}
		if (!homogeneous && chance(r, 1, 10)) { /* KA_WUNKNOWN_TOPIC */
			arena_add(d, "%s%s", first ? "" : " ",
				  unknown_topics[kd_rng_below(r, TG_LEN(unknown_topics))]);
			first = 0;
		}
		if (!homogeneous && first_sub != KA_NONE &&
		    chance(r, 1, 20)) /* KA_WDUP_SUBSCRIPTION */
			arena_add(d, " %s", d->topics[first_sub].name);
		m->topics = arena_end(d, mark);

		m->gen = NULL;
		if (chance(r, 3, 4)) {
			mark = arena_mark(d);
			arena_add(d, "%" PRIu32, kd_rng_below(r, 3));
			m->gen = arena_end(d, mark);
		}
		m->owned = NULL;
	}
	d->n_members = nm;

	if (!owned_group || !nm)
		return;
	/* Claims, gathered per member: most partitions claimed, some by two
	 * members (generation decides, or nobody on a tie), some by members that
	 * no longer subscribe, plus stale claims Kafka drops. */
	/* Room for four times a member's share of the claims (a claim that
	 * would not fit is left out, which only makes the group a little less
	 * claimed). */
	const size_t CLAIMS_CAP = 4096 + (size_t)48 * 4 * total / nm;
	char *claims[TG_MAX_MEMBERS];
	size_t len[TG_MAX_MEMBERS];
	char *buf = malloc((size_t)nm * CLAIMS_CAP);
	if (!buf)
		abort();
	for (uint32_t i = 0; i < nm; i++) {
		claims[i] = buf + (size_t)i * CLAIMS_CAP;
		len[i] = 0;
		claims[i][0] = '\0';
	}
#define TG_CLAIM(mi, ...)                                                                          \
	do {                                                                                       \
		size_t left_ = CLAIMS_CAP - len[mi];                                               \
		int n_ = snprintf(claims[mi] + len[mi], left_, __VA_ARGS__);                       \
		if (n_ > 0 && (size_t)n_ < left_)                                                  \
			len[mi] += (size_t)n_;                                                     \
	} while (0)
	for (uint32_t t = 0; t < nt; t++) {
		uint32_t subs[TG_MAX_MEMBERS], ns = 0;
		for (uint32_t i = 0; i < nm; i++)
			if (subscribed[i][t])
				subs[ns++] = i;
		for (uint32_t p = 0; p < counts[t]; p++) {
			uint32_t n_claims = chance(r, 9, 20) ? 0 : chance(r, 4, 5) ? 1 : 2;
			uint32_t prev = KA_NONE;
			for (uint32_t c = 0; c < n_claims; c++) {
				uint32_t mi = ns && chance(r, 6, 7) ? subs[kd_rng_below(r, ns)]
								    : kd_rng_below(r, nm);
				if (mi == prev)
					continue;
				prev = mi;
				TG_CLAIM(mi, "%s%s:%" PRIu32, len[mi] ? " " : "", d->topics[t].name,
					 p);
				if (chance(r, 1, 40)) /* KA_WOWNED_DUPLICATE */
					TG_CLAIM(mi, " %s:%" PRIu32, d->topics[t].name, p);
			}
		}
	}
	for (uint32_t i = 0; i < nm; i++) {
		if (nt && chance(r, 1, 20)) { /* KA_WOWNED_OUT_OF_RANGE */
			uint32_t t = kd_rng_below(r, nt);
			TG_CLAIM(i, "%s%s:%" PRIu32, len[i] ? " " : "", d->topics[t].name,
				 counts[t] + kd_rng_below(r, 3));
		}
		if (chance(r, 1, 30)) /* KA_WOWNED_UNKNOWN_TOPIC */
			TG_CLAIM(i, "%sghost:0", len[i] ? " " : "");
		if (len[i]) {
			char *mark = arena_mark(d);
			arena_add(d, "%s", claims[i]);
			d->members[i].owned = arena_end(d, mark);
		}
	}
	free(buf);
#undef TG_CLAIM
}

ka_group *tg_desc_build(const tg_desc *d)
{
	return tg_build(d->topics, d->n_topics, d->members, d->n_members);
}

void tg_case_rng(kd_rng *r, uint64_t seed, uint64_t index)
{
	kd_rng_seed(r, seed ^ (index * 0x9e3779b97f4a7c15ull));
}

uint64_t tg_case_range(uint64_t fallback, uint64_t *first)
{
	const char *one = getenv("KT_CASE");
	const char *many = getenv("KT_CASES");
	if (one && *one) {
		*first = strtoull(one, NULL, 0);
		return *first + 1;
	}
	*first = 0;
	return many && *many ? strtoull(many, NULL, 0) : fallback;
}

/* ------------------------------------------------------------------ printing */

static void print_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void print_name_list(FILE *f, const char *s, const char *seps)
{
	char tok[512];
	int first = 1;
	fputc('[', f);
	while (s && *s) {
		s = tg_next_token(s, seps, tok, sizeof tok);
		if (!tok[0])
			continue;
		fputs(first ? "" : ", ", f);
		print_json_string(f, tok);
		first = 0;
	}
	fputc(']', f);
}

void tg_desc_print(FILE *f, const tg_desc *d)
{
	fprintf(f, "{\"topics\": [");
	for (size_t t = 0; t < d->n_topics; t++) {
		const tg_topic *tp = &d->topics[t];
		fprintf(f, "%s\n  {\"name\": ", t ? "," : "");
		print_json_string(f, tp->name);
		fprintf(f, ", \"partitions\": %" PRId64, tp->partitions);
		if (tp->racks) {
			fprintf(f, ", \"racks\": [");
			char part[512];
			const char *s = tp->racks;
			for (int64_t p = 0; p < tp->partitions; p++) {
				s = tg_next_token(s, "|", part, sizeof part);
				fputs(p ? ", " : "", f);
				print_name_list(f, part, ",");
			}
			fputc(']', f);
		}
		fputc('}', f);
	}
	fprintf(f, "],\n \"members\": [");
	for (size_t i = 0; i < d->n_members; i++) {
		const tg_member *m = &d->members[i];
		fprintf(f, "%s\n  {\"member_id\": ", i ? "," : "");
		print_json_string(f, m->id);
		if (m->instance) {
			fprintf(f, ", \"group_instance_id\": ");
			print_json_string(f, m->instance);
		}
		if (m->rack) {
			fprintf(f, ", \"rack\": ");
			print_json_string(f, m->rack);
		}
		fprintf(f, ", \"topics\": ");
		print_name_list(f, m->topics, " ");
		if (m->owned) {
			/* one key per topic, in order of first claim */
			char tok[512], name[512], seen[TG_MAX_TOPICS + 4][512];
			size_t n_seen = 0;
			fprintf(f, ", \"owned\": {");
			const char *s = m->owned;
			while (*s) {
				s = tg_next_token(s, " ", tok, sizeof tok);
				tg_next_token(tok, ":", name, sizeof name);
				int dup = 0;
				for (size_t k = 0; k < n_seen; k++)
					dup |= strcmp(seen[k], name) == 0;
				if (dup || n_seen == TG_LEN(seen))
					continue;
				snprintf(seen[n_seen], sizeof seen[0], "%s", name);
				fprintf(f, "%s", n_seen++ ? ", " : "");
				print_json_string(f, name);
				fprintf(f, ": [");
				int first = 1;
				const char *s2 = m->owned;
				while (*s2) {
					char tok2[512], name2[512];
					s2 = tg_next_token(s2, " ", tok2, sizeof tok2);
					const char *ps =
					    tg_next_token(tok2, ":", name2, sizeof name2);
					if (strcmp(name, name2) != 0)
						continue;
					fprintf(f, "%s%s", first ? "" : ", ", ps);
					first = 0;
				}
				fputc(']', f);
			}
			fputc('}', f);
		}
		if (m->gen)
			fprintf(f, ", \"generation\": %s", m->gen);
		fputc('}', f);
	}
	fprintf(f, "]}\n");
}

/* ------------------------------------------------------------------ looking things up */

uint32_t tg_topic_id(const ka_group *g, const char *name)
{
	for (uint32_t t = 0; t < g->n_topics; t++)
		if (strcmp(g->topic_name[t], name) == 0)
			return t;
	return KA_NONE;
}

uint32_t tg_member_index(const ka_group *g, const char *id)
{
	for (uint32_t m = 0; m < g->n_members; m++)
		if (strcmp(g->member_id[m], id) == 0)
			return m;
	return KA_NONE;
}

int tg_subscribes(const ka_group *g, uint32_t m, uint32_t t)
{
	for (uint32_t k = g->sub_off[m]; k < g->sub_off[m + 1]; k++)
		if (g->sub_topic[k] == t)
			return 1;
	return 0;
}

void tg_print_assignment(FILE *f, const ka_group *g, const uint32_t *owner)
{
	for (uint32_t m = 0; m <= g->n_members; m++) {
		/* m == n_members: partitions nobody got, and owners out of range */
		int any = 0;
		for (uint32_t t = 0; t < g->n_topics; t++) {
			int first = 1;
			for (uint32_t p = g->topic_off[t]; p < g->topic_off[t + 1]; p++) {
				uint32_t o = owner[p];
				int mine = m < g->n_members ? o == m : o >= g->n_members;
				if (!mine)
					continue;
				if (!any)
					fprintf(f, "%s%s", m ? "; " : "",
						m < g->n_members ? g->member_id[m] : "(nobody)");
				any = 1;
				fprintf(f, "%s", first ? " " : ",");
				if (first)
					fprintf(f, "%s:", g->topic_name[t]);
				if (o < g->n_members || o == KA_NONE || m < g->n_members)
					fprintf(f, "%" PRIu32, p - g->topic_off[t]);
				else
					fprintf(f, "%" PRIu32 "=>%" PRIu32, p - g->topic_off[t], o);
				first = 0;
			}
		}
	}
	fputc('\n', f);
}

int tg_expect(const ka_group *g, const uint32_t *owner, const char *expected, const char *label)
{
	uint32_t *want = malloc(sizeof *want * (g->n_partitions + 1));
	int ok = 1;
	for (uint32_t p = 0; p < g->n_partitions; p++)
		want[p] = KA_NONE;
	char seg[2048], tok[512], name[512], num[32];
	const char *s = expected;
	while (ok && s && *s) {
		s = tg_next_token(s, ";", seg, sizeof seg);
		const char *q = seg;
		while (*q == ' ')
			q++;
		if (!*q)
			continue;
		q = tg_next_token(q, " ", tok, sizeof tok);
		uint32_t m = tg_member_index(g, tok);
		if (m == KA_NONE) {
			fprintf(stderr, "%s: expectation names unknown member '%s'\n", label, tok);
			ok = 0;
			break;
		}
		while (ok && *q) {
			q = tg_next_token(q, " ", tok, sizeof tok);
			if (!tok[0])
				continue;
			const char *ps = tg_next_token(tok, ":", name, sizeof name);
			uint32_t t = tg_topic_id(g, name);
			if (t == KA_NONE) {
				fprintf(stderr, "%s: expectation names unknown topic '%s'\n", label,
					name);
				ok = 0;
				break;
			}
			while (*ps) {
				ps = tg_next_token(ps, ",", num, sizeof num);
				uint32_t k = (uint32_t)strtoul(num, NULL, 10);
				if (k >= g->topic_off[t + 1] - g->topic_off[t]) {
					fprintf(stderr,
						"%s: expectation names %s:%s, past the end\n",
						label, name, num);
					ok = 0;
					break;
				}
				want[g->topic_off[t] + k] = m;
			}
		}
	}
	if (ok)
		ok = g->n_partitions == 0 ||
		     memcmp(want, owner, sizeof *want * g->n_partitions) == 0;
	if (!ok) {
		fprintf(stderr, "%s:\n  expected: ", label);
		tg_print_assignment(stderr, g, want);
		fprintf(stderr, "  got:      ");
		tg_print_assignment(stderr, g, owner);
	}
	free(want);
	return ok;
}

void *tg_alloc_ws(size_t size, int fill)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, size ? size : 1) != 0) {
		fprintf(stderr, "testgroups: out of memory (%zu bytes)\n", size);
		abort();
	}
	memset(p, fill, size ? size : 1);
	return p;
}

void tg_free(void *p)
{
	free(p);
}

const ka_strategy *tg_strategy(const char *name)
{
	const ka_strategy *s = ka_strategy_find(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

uint32_t *tg_run(const ka_strategy *s, const ka_group *g, int fill)
{
	size_t n = ka_workspace_size(s, g);
	void *ws = tg_alloc_ws(n, fill);
	uint32_t *owner = malloc(((size_t)g->n_partitions + 1) * sizeof *owner);
	CU_ASSERT_PTR_NOT_NULL_FATAL(owner);
	CU_ASSERT_EQUAL(ka_assign(s, g, ws, n, owner), 0);
	tg_free(ws);
	return owner;
}

ka_metrics tg_metrics(const ka_group *g, const uint32_t *owner)
{
	ka_metrics m;
	size_t n = ka_metrics_workspace_size(g);
	void *ws = malloc(n + 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
	CU_ASSERT_EQUAL(ka_metrics_compute(g, owner, ws, n, &m), 0);
	free(ws);
	return m;
}

uint64_t tg_sum_sq(const ka_group *g, const uint32_t *owner)
{
	uint64_t *load = calloc((size_t)g->n_members + 1, sizeof *load), sq = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(load);
	for (uint32_t p = 0; p < g->n_partitions; p++)
		if (owner[p] != KA_NONE)
			load[owner[p]]++;
	for (uint32_t m = 0; m < g->n_members; m++)
		sq += load[m] * load[m];
	free(load);
	return sq;
}

ka_group *tg_random_case(uint64_t seed, uint64_t index, tg_desc *d)
{
	kd_rng r;
	tg_case_rng(&r, seed, index);
	uint32_t opts = 0;
	if (kd_rng_below(&r, 3) == 0)
		opts |= TG_HOMOGENEOUS;
	if (kd_rng_below(&r, 10) == 0)
		opts |= TG_LARGE;
	if (index % 7 == 3)
		opts |= TG_WIDE;
	tg_random(&r, opts, d);
	return tg_desc_build(d);
}

void tg_report(const char *what, uint64_t seed, uint64_t index, const tg_desc *d)
{
	fprintf(stderr, "\nFAIL %s: replay with KT_SEED=0x%" PRIx64 " KT_CASE=%" PRIu64 "\n", what,
		seed, index);
	tg_desc_print(stderr, d);
}
