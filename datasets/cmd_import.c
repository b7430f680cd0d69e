/*
 * cmd_import.c - `kassign import`: a scenario file from the text that
 * Kafka's `kafka-consumer-groups.sh --describe --group G` prints, and from
 * `--describe --members [--verbose]` (docs/cli.md, "import").
 *
 * Kafka's ConsumerGroupCommand prints left-aligned columns padded with
 * spaces (`%-15s` and the like, widened to the longest value), a header line
 * of column names first, "-" for a missing value. Lines are split on
 * whitespace and read by the names in the header, so any Kafka version's
 * column set works (LEADER-EPOCH, GROUP-INSTANCE-ID, the KIP-848
 * CURRENT-ASSIGNMENT columns). Two values may hold spaces or be blank:
 * ASSIGNMENT, the last column, is the rest of the line (Kafka 2.x/3.x write
 * "t0(0,1), t1(2)"); GROUP-INSTANCE-ID is printed as spaces for dynamic
 * members of a group that also has static ones, which the header's column
 * positions tell apart.
 *
 * The scenario is built as a JSON document and read back through the
 * scenario loader, so the file written is exactly what `kassign assign`
 * reads, in kd_scenario_write's canonical layout.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "datasets/scenario.h"
#include "datasets/utf8.h"

static const char import_usage[] =
    "Usage: kassign import DESCRIBE.txt [--members MEMBERS.txt] [--partitions TOPIC=N]...\n"
    "                      [--subscribe-all] [-o FILE]\n"
    "\n"
    "Turns the text of 'kafka-consumer-groups.sh --describe --group G' (columns\n"
    "GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST\n"
    "CLIENT-ID) and, or instead, of '--describe --members --verbose' (GROUP\n"
    "CONSUMER-ID HOST CLIENT-ID #PARTITIONS ASSIGNMENT) into a scenario file:\n"
    "the group's topics, its members (member_id = CONSUMER-ID) and what each\n"
    "owns now. Each file may hold either listing; the header tells which.\n"
    "\n"
    "      --members FILE       a second listing (usually --members --verbose)\n"
    "      --partitions T=N     topic T has N partitions (default: the highest\n"
    "                           partition seen + 1); repeat for more topics\n"
    "      --subscribe-all      every member subscribes to every topic seen\n"
    "                           (default: the topics it owns; a member owning\n"
    "                           nothing subscribes to every topic)\n"
    "  -o, --output FILE        write to FILE instead of stdout\n"
    "  -h, --help               this text\n"
    "\n"
    "Exit status: 0 ok, 2 bad input or usage (a message naming the file, the\n"
    "line and what was expected).\n";

enum { OPT_MEMBERS = 256, OPT_PARTITIONS, OPT_SUBSCRIBE_ALL };

/* Partitions per topic past which a typo is more likely than a topic. */
#define KH_IMPORT_MAX_PARTITION 10000000

/* Every column name Kafka's describe listings use. */
enum col {
	C_GROUP,
	C_TOPIC,
	C_PARTITION,
	C_LEADER_EPOCH,
	C_CURRENT_OFFSET,
	C_LOG_END_OFFSET,
	C_LAG,
	C_CONSUMER_ID,
	C_GROUP_INSTANCE_ID,
	C_HOST,
	C_CLIENT_ID,
	C_NPARTITIONS,
	C_ASSIGNMENT,
	C_CURRENT_EPOCH,
	C_CURRENT_ASSIGNMENT,
	C_TARGET_EPOCH,
	C_TARGET_ASSIGNMENT,
	C_UPGRADED,
	C_MEMBER_EPOCH,
	C_COUNT
};

static const char *const col_names[C_COUNT] = {
    "GROUP",
    "TOPIC",
    "PARTITION",
    "LEADER-EPOCH",
    "CURRENT-OFFSET",
    "LOG-END-OFFSET",
    "LAG",
    "CONSUMER-ID",
    "GROUP-INSTANCE-ID",
    "HOST",
    "CLIENT-ID",
    "#PARTITIONS",
    "ASSIGNMENT",
    "CURRENT-EPOCH",
    "CURRENT-ASSIGNMENT",
    "TARGET-EPOCH",
    "TARGET-ASSIGNMENT",
    "UPGRADED",
    "MEMBER-EPOCH",
};

#define MAX_COLS 24

typedef struct topic {
	char *name;
	long max_seen; /* highest partition named, -1 none */
	long count;    /* --partitions, -1 when not given */
} topic;

typedef struct member {
	char *id;
	char *instance_id; /* NULL when none */
} member;

typedef struct claim {
	size_t member, topic;
	long partition;
	const char *file;
	long line;
} claim;

typedef struct imp {
	const char *cmd;
	char *group; /* NULL until a row names it */
	const char *group_file;
	long group_line;
	topic *topics;
	size_t n_topics, cap_topics;
	member *members;
	size_t n_members, cap_members;
	/* Hash indexes (open addressing, index + 1, 0 empty) over topic names
	 * and member ids: a listing of 300,000 members must not be quadratic. */
	uint32_t *topic_slot, *member_slot;
	size_t topic_slots, member_slots;
	claim *claims;
	size_t n_claims, cap_claims;
	int empty_group; /* "has no active members" seen */
} imp;

typedef struct line_ctx {
	imp *im;
	const char *file;
	long line;
} line_ctx;

/* The offset of the first byte of s[len] that does not belong to a valid
 * UTF-8 sequence (kd_utf8_seq), or len when it is all valid. */
static size_t utf8_bad_at(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	while (i < len && (n = kd_utf8_seq(u + i, u + len, NULL)) != 0)
		i += n;
	return i;
}

static int bad(const line_ctx *lc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(const line_ctx *lc, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "kassign %s: %s:%ld: error: ", lc->im->cmd, lc->file, lc->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, c * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

static uint64_t name_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
	return h;
}

/* The slot of name in table[slots] (a power of two): where its index + 1 is,
 * or the empty slot where it goes. key(im, i) is entry i's name. */
static size_t slot_of(const imp *im, const uint32_t *table, size_t slots, const char *name,
		      size_t len, const char *(*key)(const imp *, size_t))
{
	size_t i = (size_t)name_hash(name, len) & (slots - 1);
	for (;; i = (i + 1) & (slots - 1)) {
		if (!table[i])
			return i;
		const char *k = key(im, table[i] - 1);
		if (strlen(k) == len && memcmp(k, name, len) == 0)
			return i;
	}
}

/* Keeps the table at most half full; -1 when out of memory. */
static int index_room(imp *im, uint32_t **table, size_t *slots, size_t n,
		      const char *(*key)(const imp *, size_t))
{
	if (2 * (n + 1) <= *slots)
		return 0;
	size_t ns = *slots ? *slots * 2 : 64;
	while (2 * (n + 1) > ns)
		ns *= 2;
	uint32_t *nt = calloc(ns, sizeof(*nt));
	if (!nt)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *k = key(im, i);
		nt[slot_of(im, nt, ns, k, strlen(k), key)] = (uint32_t)i + 1;
	}
	free(*table);
	*table = nt;
	*slots = ns;
	return 0;
}

static const char *topic_key(const imp *im, size_t i)
{
	return im->topics[i].name;
}

static const char *member_key(const imp *im, size_t i)
{
	return im->members[i].id;
}

static long topic_index(imp *im, const char *name, size_t len)
{
	if (index_room(im, &im->topic_slot, &im->topic_slots, im->n_topics, topic_key) < 0)
		return -1;
	const size_t at = slot_of(im, im->topic_slot, im->topic_slots, name, len, topic_key);
	if (im->topic_slot[at])
		return (long)im->topic_slot[at] - 1;
	if (grow((void **)&im->topics, &im->cap_topics, im->n_topics, sizeof(topic)) < 0)
		return -1;
	char *copy = strndup(name, len);
	if (!copy)
		return -1;
	im->topics[im->n_topics] = (topic){copy, -1, -1};
	im->topic_slot[at] = (uint32_t)im->n_topics + 1;
	return (long)im->n_topics++;
}

static long member_index(imp *im, const char *id)
{
	if (index_room(im, &im->member_slot, &im->member_slots, im->n_members, member_key) < 0)
		return -1;
	const size_t at =
	    slot_of(im, im->member_slot, im->member_slots, id, strlen(id), member_key);
	if (im->member_slot[at])
		return (long)im->member_slot[at] - 1;
	if (grow((void **)&im->members, &im->cap_members, im->n_members, sizeof(member)) < 0)
		return -1;
	char *copy = strdup(id);
	if (!copy)
		return -1;
	im->members[im->n_members] = (member){copy, NULL};
	im->member_slot[at] = (uint32_t)im->n_members + 1;
	return (long)im->n_members++;
}

/* A partition number: digits only, at most KH_IMPORT_MAX_PARTITION. */
static int parse_partition(const char *s, size_t len, long *out)
{
	if (len == 0 || len > 9)
		return -1;
	long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > KH_IMPORT_MAX_PARTITION)
		return -1;
	*out = v;
	return 0;
}

/* An offset, lag or epoch: an integer (a lag can be negative) or "-". */
static int is_count_or_dash(const char *s)
{
	if (strcmp(s, "-") == 0)
		return 1;
	if (*s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int add_claim(const line_ctx *lc, size_t m, size_t t, long p)
{
	imp *im = lc->im;
	if (grow((void **)&im->claims, &im->cap_claims, im->n_claims, sizeof(claim)) < 0)
		return bad(lc, "out of memory");
	im->claims[im->n_claims++] = (claim){m, t, p, lc->file, lc->line};
	if (p > im->topics[t].max_seen)
		im->topics[t].max_seen = p;
	return 0;
}

static int set_group(const line_ctx *lc, const char *g)
{
	imp *im = lc->im;
	if (!im->group) {
		if (!(im->group = strdup(g)))
			return bad(lc, "out of memory");
		im->group_file = lc->file;
		im->group_line = lc->line;
		return 0;
	}
	if (strcmp(im->group, g) != 0)
		return bad(lc,
			   "GROUP '%s' is a second group (%s:%ld has '%s'): import one group at a "
			   "time",
			   g, im->group_file, im->group_line, im->group);
	return 0;
}

/*
 * An assignment as Kafka prints it: "t0(0,1,2), t1(3)" (Kafka 2.x/3.x),
 * "t0:0,1,2;t1:3" (4.x), or "-". Adds a claim per partition and returns
 * how many, or -1 after a message.
 */
static long parse_assignment(const line_ctx *lc, const char *col, const char *s, size_t m)
{
	if (strcmp(s, "-") == 0)
		return 0;
	const int parens = strchr(s, '(') != NULL;
	const char *p = s;
	long n = 0;
	while (*p) {
		while (*p == ' ' || (parens && *p == ','))
			p++;
		if (!*p)
			break;
		const char *name = p;
		while (*p && *p != (parens ? '(' : ':') && *p != ' ')
			p++;
		if (*p != (parens ? '(' : ':') || p == name)
			goto malformed;
		long t = topic_index(lc->im, name, (size_t)(p - name));
		if (t < 0)
			return bad(lc, "out of memory");
		p++;
		for (;;) {
			const char *num = p;
			while (isdigit((unsigned char)*p))
				p++;
			long part;
			if (parse_partition(num, (size_t)(p - num), &part) < 0)
				goto malformed;
			if (add_claim(lc, m, (size_t)t, part) < 0)
				return -1;
			n++;
			if (*p == ',' && isdigit((unsigned char)p[1]))
				p++;
			else
				break;
		}
		if (parens) {
			if (*p != ')')
				goto malformed;
			p++;
			if (*p && *p != ',')
				goto malformed;
		} else if (*p == ';') {
			p++;
		} else if (*p) {
			goto malformed;
		}
	}
	return n;
malformed:
	return bad(lc,
		   "%s: expected '-', topic(p,p,...) entries separated by ', ' (Kafka 2.x/3.x) or "
		   "topic:p,p,... entries separated by ';' (4.x), found '%s'",
		   col, s);
}

typedef struct header {
	int kind; /* 0 none yet, 'o' offsets, 'm' members */
	size_t n;
	int col[MAX_COLS];    /* enum col of each column */
	size_t pos[MAX_COLS]; /* its offset in the header line */
	int index[C_COUNT];   /* column of each name, -1 absent */
	const char *file;
	long line;
} header;

/* Splits a line on blanks: tok[i] (NUL-terminated in place), off[i] its
 * offset; tok and off hold strlen(s) / 2 + 1 entries. */
static size_t split(char *s, char **tok, size_t *off)
{
	size_t n = 0;
	char *p = s;
	while (*p) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		tok[n] = p;
		off[n] = (size_t)(p - s);
		n++;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static int col_find(const char *name)
{
	for (int c = 0; c < C_COUNT; c++)
		if (strcmp(col_names[c], name) == 0)
			return c;
	return -1;
}

/* 1 when the tokens are a header (read into h), 0 when not, -1 after an error. */
static int read_header(const line_ctx *lc, char *const *tok, const size_t *off, size_t n, header *h)
{
	if (n == 0 || (strcmp(tok[0], "GROUP") != 0 && strcmp(tok[0], "TOPIC") != 0 &&
		       strcmp(tok[0], "CONSUMER-ID") != 0))
		return 0;
	if (n > 1 && strcmp(tok[1], "COORDINATOR") == 0)
		return bad(lc, "this is the output of --describe --state; import reads --describe "
			       "and --describe --members [--verbose]");
	header nh = {0};
	for (int c = 0; c < C_COUNT; c++)
		nh.index[c] = -1;
	if (n > MAX_COLS)
		return bad(lc, "a header of %zu columns: at most %d expected", n, MAX_COLS);
	for (size_t i = 0; i < n; i++) {
		int c = col_find(tok[i]);
		if (c < 0)
			return bad(lc,
				   "header: unknown column '%s' (Kafka's describe columns: GROUP "
				   "TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID "
				   "HOST CLIENT-ID, or GROUP CONSUMER-ID HOST CLIENT-ID "
				   "#PARTITIONS ASSIGNMENT)",
				   tok[i]);
		if (nh.index[c] >= 0)
			return bad(lc, "header: column %s twice", tok[i]);
		nh.col[i] = c;
		nh.pos[i] = off[i];
		nh.index[c] = (int)i;
	}
	nh.n = n;
	if (nh.index[C_TOPIC] >= 0 && nh.index[C_PARTITION] >= 0 && nh.index[C_CONSUMER_ID] >= 0)
		nh.kind = 'o';
	else if (nh.index[C_CONSUMER_ID] >= 0 && nh.index[C_NPARTITIONS] >= 0)
		nh.kind = 'm';
	else
		return bad(lc, "header: TOPIC, PARTITION and CONSUMER-ID (--describe) or "
			       "CONSUMER-ID and #PARTITIONS (--describe --members) expected");
	/* ASSIGNMENT may hold spaces, so it must be the last column. */
	if (nh.index[C_ASSIGNMENT] >= 0 && (size_t)nh.index[C_ASSIGNMENT] != n - 1)
		return bad(lc, "header: ASSIGNMENT must be the last column");
	nh.file = lc->file;
	nh.line = lc->line;
	*h = nh;
	return 1;
}

static void header_list(const header *h, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < h->n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "",
					 col_names[h->col[i]]);
}

/* The row's values by column, val[h->n]; -1 after an error. */
static int row_values(const line_ctx *lc, const header *h, char *const *tok, const size_t *off,
		      size_t n, char **val, char *joined, size_t joined_len)
{
	char cols[512];
	header_list(h, cols, sizeof(cols));
	size_t k = 0;
	for (size_t i = 0; i < h->n; i++) {
		/* A blank GROUP-INSTANCE-ID: the next value starts where the
		 * header's next column does, or later. */
		if (h->col[i] == C_GROUP_INSTANCE_ID && i + 1 < h->n &&
		    (k >= n || off[k] >= h->pos[i + 1])) {
			val[i] = (char *)"";
			continue;
		}
		if (k >= n)
			return bad(lc, "expected %zu columns (%s), found %zu", h->n, cols, n);
		if (h->col[i] == C_ASSIGNMENT) {
			/* The rest of the line, blanks collapsed to one space. */
			size_t used = 0;
			joined[0] = '\0';
			for (; k < n; k++)
				used += (size_t)snprintf(joined + used,
							 used < joined_len ? joined_len - used : 0,
							 "%s%s", used ? " " : "", tok[k]);
			if (used >= joined_len)
				return bad(lc, "ASSIGNMENT longer than %zu characters", joined_len);
			val[i] = joined;
			continue;
		}
		val[i] = tok[k++];
	}
	if (k != n)
		return bad(lc, "expected %zu columns (%s), found %zu", h->n, cols, n);
	return 0;
}

static int offsets_row(const line_ctx *lc, const header *h, char **val)
{
	imp *im = lc->im;
	const char *t = val[h->index[C_TOPIC]], *p = val[h->index[C_PARTITION]];
	const char *cid = val[h->index[C_CONSUMER_ID]];
	if (h->index[C_GROUP] >= 0 && set_group(lc, val[h->index[C_GROUP]]) < 0)
		return -1;
	static const int counts[] = {C_LEADER_EPOCH, C_CURRENT_OFFSET, C_LOG_END_OFFSET, C_LAG};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		int c = h->index[counts[i]];
		if (c >= 0 && !is_count_or_dash(val[c]))
			return bad(lc, "%s must be a number or '-', not '%s'", col_names[counts[i]],
				   val[c]);
	}
	long m = -1;
	if (strcmp(cid, "-") != 0 && (m = member_index(im, cid)) < 0)
		return bad(lc, "out of memory");
	/* A member with nothing assigned (older Kafka) has "-" for both. */
	if (strcmp(t, "-") == 0 || strcmp(p, "-") == 0) {
		if (strcmp(t, "-") != 0 || strcmp(p, "-") != 0 || m < 0)
			return bad(lc,
				   "TOPIC and PARTITION: '-' only together, for a member with no "
				   "partitions; found TOPIC '%s', PARTITION '%s', CONSUMER-ID '%s'",
				   t, p, cid);
		return 0;
	}
	long part;
	if (parse_partition(p, strlen(p), &part) < 0)
		return bad(lc, "PARTITION must be a partition number (0..%d), not '%s'",
			   KH_IMPORT_MAX_PARTITION, p);
	long ti = topic_index(im, t, strlen(t));
	if (ti < 0)
		return bad(lc, "out of memory");
	if (part > im->topics[ti].max_seen)
		im->topics[ti].max_seen = part;
	return m < 0 ? 0 : add_claim(lc, (size_t)m, (size_t)ti, part);
}

static int members_row(const line_ctx *lc, const header *h, char **val)
{
	imp *im = lc->im;
	if (h->index[C_GROUP] >= 0 && set_group(lc, val[h->index[C_GROUP]]) < 0)
		return -1;
	const char *cid = val[h->index[C_CONSUMER_ID]];
	long m = member_index(im, cid);
	if (m < 0)
		return bad(lc, "out of memory");
	if (h->index[C_GROUP_INSTANCE_ID] >= 0) {
		const char *inst = val[h->index[C_GROUP_INSTANCE_ID]];
		if (*inst && strcmp(inst, "-") != 0 && !im->members[m].instance_id &&
		    !(im->members[m].instance_id = strdup(inst)))
			return bad(lc, "out of memory");
	}
	long np;
	const char *nps = val[h->index[C_NPARTITIONS]];
	if (parse_partition(nps, strlen(nps), &np) < 0)
		return bad(lc, "#PARTITIONS must be a count, not '%s'", nps);
	static const int epochs[] = {C_CURRENT_EPOCH, C_TARGET_EPOCH, C_MEMBER_EPOCH};
	for (size_t i = 0; i < sizeof(epochs) / sizeof(epochs[0]); i++) {
		int c = h->index[epochs[i]];
		if (c >= 0 && !is_count_or_dash(val[c]))
			return bad(lc, "%s must be a number or '-', not '%s'", col_names[epochs[i]],
				   val[c]);
	}
	int ac = h->index[C_ASSIGNMENT] >= 0           ? C_ASSIGNMENT
		 : h->index[C_CURRENT_ASSIGNMENT] >= 0 ? C_CURRENT_ASSIGNMENT
						       : -1;
	if (ac < 0)
		return 0; /* --members without --verbose: ids and counts only */
	long n = parse_assignment(lc, col_names[ac], val[h->index[ac]], (size_t)m);
	if (n < 0)
		return -1;
	if (n != np)
		return bad(lc, "#PARTITIONS is %ld but %s lists %ld partitions", np, col_names[ac],
			   n);
	return 0;
}

/* The line made ready to split: end of line dropped, a UTF-8 byte order
 * mark on line 1 skipped (a listing saved by some editors), and refused
 * when it holds a NUL byte or invalid UTF-8 (names become JSON strings:
 * this file's fault, said here with its place, not later against the
 * scenario written). Returns 0, or -1 after the message. */
static int clean_line(const line_ctx *lc, char *line, ssize_t *lenp)
{
	ssize_t len = *lenp;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	*lenp = len;
	if (memchr(line, '\0', (size_t)len))
		return bad(lc, "a NUL byte: not a text listing");
	if (lc->line == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		memmove(line, line + 3, (size_t)len - 2);
		*lenp = len -= 3;
	}
	const size_t bad_at = utf8_bad_at(line, (size_t)len);
	if (bad_at < (size_t)len)
		return bad(lc, "column %zu: byte 0x%02x is not valid UTF-8 (names must be UTF-8)",
			   bad_at + 1, (unsigned char)line[bad_at]);
	return 0;
}

/* One line's working copies: the line split in place (copy, tok, off) and
 * room for the ASSIGNMENT column joined back (joined, len + 1 bytes). */
typedef struct line_bufs {
	char *copy, *joined, **tok;
	size_t *off;
} line_bufs;

static void bufs_free(line_bufs *b)
{
	free(b->copy);
	free(b->joined);
	free(b->tok);
	free(b->off);
	memset(b, 0, sizeof(*b));
}

/* The line split into b. Returns the number of tokens, or -1 after the
 * message. */
static long bufs_split(line_bufs *b, const line_ctx *lc, const char *line, size_t len)
{
	bufs_free(b);
	const size_t max_tok = len / 2 + 1;
	b->copy = strdup(line);
	b->joined = malloc(len + 1);
	b->tok = malloc(max_tok * sizeof(*b->tok));
	b->off = malloc(max_tok * sizeof(*b->off));
	if (!b->copy || !b->joined || !b->tok || !b->off)
		return bad(lc, "out of memory");
	return (long)split(b->copy, b->tok, b->off);
}

/* One line of n tokens (n > 0): an error the listing reports, a warning
 * or note passed on, the empty group's notice, a header (into h), or a
 * row under the last header (counted in *rows). Returns 0, or -1 after
 * the message. */
static int read_line(line_ctx *lc, const line_bufs *b, size_t n, const char *line, size_t len,
		     header *h, long *rows)
{
	imp *im = lc->im;
	char *const *tok = b->tok;
	const size_t *off = b->off;
	if (strncmp(tok[0], "Error:", 6) == 0)
		return bad(lc, "the listing reports an error: %s", line + off[0]);
	if (strncmp(tok[0], "Warning:", 8) == 0 || strncmp(tok[0], "Note:", 5) == 0) {
		fprintf(stderr, "kassign %s: %s:%ld: warning: %s\n", im->cmd, lc->file, lc->line,
			line + off[0]);
		return 0;
	}
	if (strcmp(tok[0], "Consumer") == 0 && n > 1 && strcmp(tok[1], "group") == 0 &&
	    strstr(line, "has no active members")) {
		im->empty_group = 1;
		return 0;
	}
	int hr = read_header(lc, tok, off, n, h);
	if (hr != 0)
		return hr < 0 ? -1 : 0;
	if (!h->kind)
		return bad(lc, "a row before any header: a header line (GROUP TOPIC PARTITION "
			       "... or GROUP CONSUMER-ID ...) must come first");
	char *val[MAX_COLS];
	if (row_values(lc, h, tok, off, n, val, b->joined, len + 1) < 0)
		return -1;
	(*rows)++;
	return h->kind == 'o' ? offsets_row(lc, h, val) : members_row(lc, h, val);
}

/* After the last line: a read error, a header without rows, or no
 * listing at all (unless the group was said to be empty). Returns 0, or
 * -1 after the message. */
static int check_listing_end(const imp *im, const char *path, FILE *f, const header *h, long rows)
{
	if (ferror(f)) {
		kh_error(im->cmd, "%s: error: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (h->kind && rows == 0 && !im->empty_group) {
		kh_error(im->cmd, "%s:%ld: a header but no rows after it", path, h->line);
		return -1;
	}
	if (!h->kind && !im->empty_group) {
		kh_error(im->cmd,
			 "%s: no listing found: expected the output of kafka-consumer-groups.sh "
			 "--describe or --describe --members [--verbose]",
			 path);
		return -1;
	}
	return 0;
}

/* One listing, line by line, into im. Returns 0, or -1 after the message. */
static int read_listing(imp *im, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		kh_error(im->cmd, "%s: error: cannot read: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	line_bufs b = {0};
	header h = {0};
	line_ctx lc = {im, path, 0};
	int rc = 0;
	long rows = 0;
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		lc.line++;
		if ((rc = clean_line(&lc, line, &len)) < 0)
			break;
		const long n = bufs_split(&b, &lc, line, (size_t)len);
		if (n < 0)
			rc = -1;
		else if (n > 0)
			rc = read_line(&lc, &b, (size_t)n, line, (size_t)len, &h, &rows);
	}
	if (rc == 0)
		rc = check_listing_end(im, path, f, &h, rows);
	free(line);
	bufs_free(&b);
	fclose(f);
	return rc;
}

static int claim_cmp(const void *a, const void *b)
{
	const claim *x = a, *y = b;
	if (x->topic != y->topic)
		return x->topic < y->topic ? -1 : 1;
	if (x->partition != y->partition)
		return x->partition < y->partition ? -1 : 1;
	return x->member < y->member ? -1 : x->member > y->member;
}

/* One owner per partition: a partition listed for two members is an error;
 * listed twice for one member (both listings), once counts. */
static int dedupe_claims(imp *im)
{
	if (im->n_claims)
		qsort(im->claims, im->n_claims, sizeof(claim), claim_cmp);
	size_t w = 0;
	for (size_t i = 0; i < im->n_claims; i++) {
		const claim *c = &im->claims[i];
		if (w && im->claims[w - 1].topic == c->topic &&
		    im->claims[w - 1].partition == c->partition) {
			const claim *o = &im->claims[w - 1];
			if (o->member == c->member)
				continue;
			kh_error(im->cmd,
				 "%s:%ld: partition %s-%ld is owned by '%s' here but by '%s' at "
				 "%s:%ld: the listings disagree (taken during a rebalance?)",
				 c->file, c->line, im->topics[c->topic].name, c->partition,
				 im->members[c->member].id, im->members[o->member].id, o->file,
				 o->line);
			return -1;
		}
		im->claims[w++] = *c;
	}
	im->n_claims = w;
	return 0;
}

/*
 * Partitions with no consumer. In a stable group every partition of a
 * subscribed topic has one, so a gap means the listing was taken during a
 * rebalance or before the members saw added partitions; a topic with no
 * consumer at all is usually one the group no longer subscribes to. Both
 * are kept as the listing shows them, with a warning: simulating from such
 * a start keeps the partition unowned until the next rebalance.
 */
static void warn_unowned(const imp *im, int subscribe_all)
{
	size_t c = 0; /* claims are sorted by topic, then partition */
	for (size_t t = 0; t < im->n_topics; t++) {
		const topic *tp = &im->topics[t];
		const long n = tp->count >= 0 ? tp->count : tp->max_seen + 1;
		long owned = 0, first_gap = -1, next = 0;
		for (; c < im->n_claims && im->claims[c].topic == t; c++) {
			if (first_gap < 0 && im->claims[c].partition != next)
				first_gap = next;
			next = im->claims[c].partition + 1;
			owned++;
		}
		if (first_gap < 0 && next < n)
			first_gap = next;
		if (owned == 0 && n > 0)
			fprintf(stderr, "kassign %s: warning: topic '%s' has no consumer: %s\n",
				im->cmd, tp->name,
				subscribe_all ? "its partitions start unowned"
					      : "no member subscribes to it (--subscribe-all to "
						"subscribe every member)");
		else if (owned < n)
			fprintf(
			    stderr,
			    "kassign %s: warning: %ld of %ld partitions of '%s' have no consumer "
			    "(%s-%ld first) although members own the others: a listing taken "
			    "during a rebalance or before added partitions were seen; they start "
			    "unowned\n",
			    im->cmd, n - owned, n, tp->name, tp->name, first_gap);
	}
}

static json_t *build(imp *im, int subscribe_all)
{
	json_t *doc = json_object(), *topics = json_array(), *members = json_array();
	if (!doc || !topics || !members) {
		json_decref(doc);
		json_decref(topics);
		json_decref(members);
		return NULL;
	}
	json_object_set_new(doc, "name", json_string(im->group ? im->group : ""));
	json_object_set_new(doc, "topics", topics);
	json_object_set_new(doc, "members", members);
	for (size_t t = 0; t < im->n_topics; t++) {
		const topic *tp = &im->topics[t];
		long n = tp->count >= 0 ? tp->count : tp->max_seen + 1;
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(tp->name));
		json_object_set_new(o, "partitions", json_integer(n));
		json_array_append_new(topics, o);
	}
	/* Claims are sorted by topic; per member, collect its topics' lists.
	 * The claims are bucketed by member first (stable, so still by topic):
	 * one pass, not one per member. */
	size_t *start = calloc(im->n_members + 1, sizeof(*start));
	size_t *by_member = malloc((im->n_claims + 1) * sizeof(*by_member));
	if (!start || !by_member) {
		free(start);
		free(by_member);
		json_decref(doc);
		return NULL;
	}
	for (size_t i = 0; i < im->n_claims; i++)
		start[im->claims[i].member + 1]++;
	for (size_t m = 0; m < im->n_members; m++)
		start[m + 1] += start[m];
	for (size_t i = 0, *fill = start; i < im->n_claims; i++)
		by_member[fill[im->claims[i].member]++] = i;
	for (size_t m = im->n_members; m > 0; m--) /* back to the bucket starts */
		start[m] = start[m - 1];
	start[0] = 0;
	for (size_t m = 0; m < im->n_members; m++) {
		json_t *o = json_object(), *subs = json_array(), *owned = json_object();
		json_object_set_new(o, "member_id", json_string(im->members[m].id));
		if (im->members[m].instance_id)
			json_object_set_new(o, "group_instance_id",
					    json_string(im->members[m].instance_id));
		for (size_t k = start[m]; k < start[m + 1]; k++) {
			const claim *c = &im->claims[by_member[k]];
			const char *tn = im->topics[c->topic].name;
			json_t *list = json_object_get(owned, tn);
			if (!list) {
				list = json_array();
				json_object_set_new(owned, tn, list);
				json_array_append_new(subs, json_string(tn));
			}
			json_array_append_new(list, json_integer(c->partition));
		}
		if (subscribe_all || json_array_size(subs) == 0) {
			json_array_clear(subs);
			for (size_t t = 0; t < im->n_topics; t++)
				json_array_append_new(subs, json_string(im->topics[t].name));
		}
		json_object_set_new(o, "topics", subs);
		if (json_object_size(owned))
			json_object_set_new(o, "owned", owned);
		else
			json_decref(owned);
		json_array_append_new(members, o);
	}
	free(start);
	free(by_member);
	return doc;
}

/* --partitions T=N options (po[n]), applied once the topics are known. */
static int apply_partitions(imp *im, char *const *po, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *eq = strrchr(po[i], '=');
		uint64_t v;
		if (!eq || eq == po[i] || kh_parse_u64(eq + 1, 0, KH_IMPORT_MAX_PARTITION, &v) < 0)
			return kh_usage_error(im->cmd,
					      "--partitions: '%s' is not TOPIC=N (N a count in "
					      "0..%d)",
					      po[i], KH_IMPORT_MAX_PARTITION);
		long t = topic_index(im, po[i], (size_t)(eq - po[i]));
		if (t < 0) {
			kh_error(im->cmd, "out of memory");
			return KH_EXIT_USAGE;
		}
		if (im->topics[t].count >= 0)
			return kh_usage_error(im->cmd, "--partitions: topic '%.*s' given twice",
					      (int)(eq - po[i]), po[i]);
		if ((long)v <= im->topics[t].max_seen)
			return kh_usage_error(im->cmd,
					      "--partitions %s: the listing names partition %ld of "
					      "'%s', so it has at least %ld",
					      po[i], im->topics[t].max_seen, im->topics[t].name,
					      im->topics[t].max_seen + 1);
		im->topics[t].count = (long)v;
	}
	return 0;
}

static void imp_free(imp *im)
{
	for (size_t t = 0; t < im->n_topics; t++)
		free(im->topics[t].name);
	for (size_t m = 0; m < im->n_members; m++) {
		free(im->members[m].id);
		free(im->members[m].instance_id);
	}
	free(im->topics);
	free(im->members);
	free(im->topic_slot);
	free(im->member_slot);
	free(im->claims);
	free(im->group);
}

int kh_cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"members", required_argument, NULL, OPT_MEMBERS},
	    {"partitions", required_argument, NULL, OPT_PARTITIONS},
	    {"subscribe-all", no_argument, NULL, OPT_SUBSCRIBE_ALL},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "import", *out_path = NULL, *members_path = NULL;
	int subscribe_all = 0, c;
	char *po[64];
	size_t n_po = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_MEMBERS:
			members_path = optarg;
			break;
		case OPT_PARTITIONS:
			if (n_po == sizeof(po) / sizeof(po[0]))
				return kh_usage_error(cmd, "--partitions: at most %zu topics",
						      sizeof(po) / sizeof(po[0]));
			po[n_po++] = optarg;
			break;
		case OPT_SUBSCRIBE_ALL:
			subscribe_all = 1;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			fputs(import_usage, stdout);
			return KH_EXIT_OK;
		default:
			return kh_option_error(cmd, c, argv);
		}
	}
	if (optind >= argc)
		return kh_usage_error(cmd, "no describe listing given");
	if (optind + 1 < argc)
		return kh_usage_error(cmd,
				      "one listing expected, got also '%s' (a second one goes "
				      "with --members)",
				      argv[optind + 1]);

	imp im = {0};
	im.cmd = cmd;
	int rc = KH_EXIT_USAGE;
	json_t *doc = NULL;
	char *text = NULL;
	ka_group *g = NULL;
	if (read_listing(&im, argv[optind]) < 0 ||
	    (members_path && read_listing(&im, members_path) < 0) || dedupe_claims(&im) < 0)
		goto out;
	if ((rc = apply_partitions(&im, po, n_po)) != 0)
		goto out;
	rc = KH_EXIT_USAGE;
	if (im.n_members == 0 && !im.empty_group)
		fprintf(stderr, "kassign %s: warning: the listing names no member\n", cmd);
	else
		warn_unowned(&im, subscribe_all);
	if (!(doc = build(&im, subscribe_all)) ||
	    !(text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		kh_error(cmd, "out of memory");
		goto out;
	}
	/* The loader checks the limits and gives the canonical layout. */
	if (kd_scenario_load_buffer(out_path ? out_path : "scenario", text, strlen(text), &g,
				    kd_msg_stderr, NULL) < 0)
		goto out;
	kh_out out;
	if (kh_out_open(&out, cmd, out_path) == 0) {
		if (kd_scenario_write(out.f, g) < 0) {
			kh_error(cmd, "%s: cannot write the scenario",
				 out_path ? out_path : "stdout");
			kh_out_abort(&out);
		} else if (kh_out_commit(&out, cmd) == 0) {
			rc = KH_EXIT_OK;
		}
	}
out:
	ka_group_free(g);
	free(text);
	json_decref(doc);
	imp_free(&im);
	return rc;
}
