/*
 * util.c - messages, number parsing, lookups and all-or-nothing output for
 * the subcommands. The rule every subcommand keeps: a run that ends in exit
 * code 2 leaves nothing on stdout and no output file behind.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE) */
#endif
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <unistd.h>

int kh_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "kassign %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'kassign %s --help'.\n", cmd);
	return KH_EXIT_USAGE;
}

void kh_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "kassign %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int kh_option_error(const char *cmd, int c, char **argv)
{
	/* A long option is named as typed (without "=value"); a short one by
	 * optopt, since argv[optind-1] may be a whole cluster ("-xq"). */
	const char *tok = optind > 0 ? argv[optind - 1] : "";
	char name[64];
	if (strncmp(tok, "--", 2) == 0)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(tok, "="), tok);
	else if (optopt > 0 && optopt < 128 && isprint(optopt))
		snprintf(name, sizeof(name), "-%c", optopt);
	else
		snprintf(name, sizeof(name), "%s", tok);
	if (c == ':')
		return kh_usage_error(cmd, "option '%s' needs an argument", name);
	return kh_usage_error(cmd, "unknown option '%s'", name);
}

int kh_rack_option(const char *cmd, int c, const char *arg, kd_gen_spec *spec, int *given)
{
	uint64_t v;
	switch (c) {
	case KH_OPT_RACKS:
		if (kh_parse_u64(arg, 1, KA_MAX_RACKS, &v) < 0)
			return kh_usage_error(cmd, "--racks: '%s' is not a count in 1..%u", arg,
					      KA_MAX_RACKS);
		spec->racks = (uint32_t)v;
		break;
	case KH_OPT_REPLICATION:
		if (kh_parse_u64(arg, 1, KA_MAX_RACKS, &v) < 0)
			return kh_usage_error(cmd, "--replication: '%s' is not a count in 1..%u",
					      arg, KA_MAX_RACKS);
		spec->replication = (uint32_t)v;
		break;
	default:
		if ((spec->rack_layout = kd_rack_layout_parse(arg)) < 0)
			return kh_usage_error(cmd,
					      "--rack-layout: unknown layout '%s' (even, "
					      "skewed-members, one-rack-replicas, memberless-rack)",
					      arg);
		break;
	}
	*given = 1;
	return 0;
}

int kh_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	char *end = NULL;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

const ka_strategy *kh_strategy_lookup(const char *cmd, const char *name)
{
	const ka_strategy *s = ka_strategy_find(name);
	if (s)
		return s;
	fprintf(stderr, "kassign %s: unknown strategy '%s' (known:", cmd, name);
	for (size_t i = 0; i < ka_strategy_count(); i++)
		fprintf(stderr, "%s %s", i ? "," : "", ka_strategy_at(i)->name);
	fprintf(stderr, ")\n");
	return NULL;
}

const kd_grid *kh_grid_lookup(const char *cmd, const char *name)
{
	/* Custom grids live as long as the command: a few, from its arguments
	 * (argv strings outlive them too). */
	static kd_grid custom[32];
	static size_t n_custom;
	const kd_grid *g = kd_grid_find(name);
	if (g)
		return g;
	if (n_custom < sizeof custom / sizeof custom[0] &&
	    kd_grid_parse(name, &custom[n_custom]) == 0)
		return &custom[n_custom++];
	fprintf(stderr, "kassign %s: unknown grid '%s' (known:", cmd, name);
	for (size_t i = 0; i < kd_grid_count(); i++)
		fprintf(stderr, "%s %s", i ? "," : "", kd_grid_at(i)->name);
	fprintf(stderr, "; jmh-m<members>-r<ratio>-t<topics> for a point of Kafka's JMH grid, "
			"jmh-client or jmh-server for all of them (sweep); or MxTxP: members x "
			"topics x partitions per topic)\n");
	return NULL;
}

void kh_partition_name(const ka_group *g, uint32_t p, char *buf, size_t len)
{
	if (p >= g->n_partitions) {
		snprintf(buf, len, "#%u", p);
		return;
	}
	uint32_t t = ka_group_partition_topic(g, p);
	snprintf(buf, len, "%s-%u", g->topic_name[t], p - g->topic_off[t]);
}

/* The first violation ka_assignment_validate reports, kept for the message. */
typedef struct kh__first_violation {
	int rule;
	uint32_t partition, member;
} kh__first_violation;

static void kh__note_first(void *ctx, int rule, uint32_t partition, uint32_t member)
{
	kh__first_violation *v = ctx;
	if (!v->rule) {
		v->rule = rule;
		v->partition = partition;
		v->member = member;
	}
}

uint64_t kh_assignment_verify(const ka_strategy *s, const ka_group *g, const uint32_t *owner,
			      char *first, size_t len)
{
	/* A cooperative strategy's round may withhold a partition that changes
	 * owner (the validator's allow_withheld rule); nothing else may be
	 * left out. */
	const int allow = (s->flags & KA_STRATEGY_COOPERATIVE) != 0;
	if (len)
		first[0] = '\0';
	kh__first_violation v = {0};
	const uint64_t n = ka_assignment_validate(g, owner, allow, kh__note_first, &v);
	if (!n)
		return 0;
	char part[320];
	kh_partition_name(g, v.partition, part, sizeof(part));
	switch (v.rule) {
	case KA_VUNASSIGNED:
		snprintf(first, len, "partition %s is unassigned though its topic has subscribers",
			 part);
		break;
	case KA_VUNSUBSCRIBED:
		snprintf(
		    first, len,
		    "partition %s is given to member %s, which does not subscribe to its topic",
		    part, g->member_id[v.member]);
		break;
	default:
		snprintf(first, len, "partition %s is given to member #%u of %u", part, v.member,
			 g->n_members);
		break;
	}
	return n;
}

int kh_internal_error(const char *cmd, const char *where, const ka_strategy *s, uint64_t n,
		      const char *first)
{
	kh_error(cmd,
		 "%s: internal error: strategy %s produced an invalid assignment: %s (%" PRIu64
		 " violation%s); nothing written. This is a defect of kassign: please report it "
		 "with the input",
		 where, s->name, first, n, n == 1 ? "" : "s");
	return KH_EXIT_INTERNAL;
}

void *kh_aligned_alloc(size_t size)
{
	if (size > SIZE_MAX - 63)
		return NULL;
	size_t n = size ? (size + 63) / 64 * 64 : 64;
	return aligned_alloc(64, n);
}

void *kh_big_alloc(size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	const size_t huge = (size_t)2 << 20;
	if (size >= huge && size <= SIZE_MAX - huge) {
		const size_t whole = (size + huge - 1) & ~(huge - 1);
		void *p;
		if (posix_memalign(&p, huge, whole) == 0) {
			madvise(p, whole, MADV_HUGEPAGE);
			return p;
		}
	}
#endif
	return kh_aligned_alloc(size);
}

/* ------------------------------------------------------------------ output files
 *
 * How -o PATH is written depends on what PATH is, because a temporary file
 * renamed over the name replaces whatever the name stood for:
 *
 *   missing            written beside it, then linked into place only if the
 *                      name is still free (another run that took it meanwhile
 *                      is not overwritten: the output is kept in the
 *                      temporary file and the command fails, saying where)
 *   regular file       written beside it and renamed over it (atomic), with
 *                      the old file's mode (and owner, as root); refused if
 *                      another program replaced the file while this one ran
 *   regular file with  written in place at the end (truncated, then written):
 *   several hard links all its names keep seeing one file
 *   symbolic link      followed: its target gets the treatment above; a link
 *                      to nothing is refused
 *   device, FIFO       written in place at the end, write errors reported
 *                      (/dev/full: "No space left on device")
 *   directory          refused
 *
 * Until the commit the output gathers in memory (stdout), in an unnamed
 * temporary file (in place) or in the named temporary file (rename); the
 * named ones are registered so that SIGINT, SIGTERM, SIGHUP and SIGPIPE
 * remove them before the process dies of the signal.
 */

enum { KH_OUT_STDOUT, KH_OUT_RENAME, KH_OUT_INPLACE };

#define KH_OUT_LIVE 8
static char *volatile kh__live_tmp[KH_OUT_LIVE];

static void kh__out_on_signal(int sig)
{
	for (int i = 0; i < KH_OUT_LIVE; i++) {
		char *t = kh__live_tmp[i];
		if (t)
			unlink(t);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void kh__out_register(char *tmp)
{
	static int installed;
	if (!installed) {
		static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			struct sigaction old, sa;
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = kh__out_on_signal;
			sigemptyset(&sa.sa_mask);
			/* A signal the caller ignores (nohup, a background job) stays ignored. */
			if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
				continue;
			sigaction(sigs[i], &sa, NULL);
		}
		installed = 1;
	}
	for (int i = 0; i < KH_OUT_LIVE; i++)
		if (!kh__live_tmp[i]) {
			kh__live_tmp[i] = tmp;
			return;
		}
}

static void kh__out_unregister(const char *tmp)
{
	for (int i = 0; i < KH_OUT_LIVE; i++)
		if (kh__live_tmp[i] == tmp)
			kh__live_tmp[i] = NULL;
}

static void kh_out_forget_tmp(kh_out *o)
{
	if (o->tmp)
		kh__out_unregister(o->tmp);
}

/* The named temporary file beside o->target; 0 or -1 with errno set. */
static int kh__out_mktemp(kh_out *o, const struct stat *keep)
{
	size_t n = strlen(o->target) + sizeof(".tmp-XXXXXX");
	if (!(o->tmp = malloc(n))) {
		errno = ENOMEM;
		return -1;
	}
	snprintf(o->tmp, n, "%s.tmp-XXXXXX", o->target);
	/* Signals are held while the name exists but is not yet registered. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	int fd = mkstemp(o->tmp);
	int err = errno;
	if (fd >= 0)
		kh__out_register(o->tmp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		free(o->tmp);
		o->tmp = NULL;
		errno = err;
		return -1;
	}
	/* mkstemp makes the file 0600: a new file gets the mode a plain fopen
	 * would give it, a replaced one keeps its mode and, as root, owner. */
	mode_t mode;
	if (keep) {
		mode = keep->st_mode & 07777;
		if (geteuid() == 0 && fchown(fd, keep->st_uid, keep->st_gid) != 0)
			mode &= 0777; /* no set-id bits on a file of the wrong owner */
	} else {
		mode_t mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	if (fchmod(fd, mode) != 0 || !(o->f = fdopen(fd, "w"))) {
		err = errno;
		close(fd);
		kh__out_unregister(o->tmp);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		errno = err;
		return -1;
	}
	return 0;
}

static int kh__out_fail(kh_out *o, const char *cmd, const char *what, int err)
{
	kh_error(cmd, "%s: error: %s: %s", o->path, what, strerror(err));
	free(o->target);
	o->target = NULL;
	return -1;
}

int kh_out_open(kh_out *o, const char *cmd, const char *path)
{
	memset(o, 0, sizeof(*o));
	if (!path || strcmp(path, "-") == 0) {
		o->kind = KH_OUT_STDOUT;
		o->f = open_memstream(&o->buf, &o->len);
		if (!o->f) {
			kh_error(cmd, "cannot buffer output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	o->path = path;
	if (!*path) {
		kh_error(cmd, "an output path cannot be empty");
		return -1;
	}
	struct stat lst, st;
	int exists = lstat(path, &lst) == 0;
	if (!exists && errno != ENOENT)
		return kh__out_fail(o, cmd, "cannot write", errno);
	st = lst;
	if (exists && S_ISLNK(lst.st_mode)) {
		if (stat(path, &st) != 0) {
			if (errno == ENOENT) {
				kh_error(cmd, "%s: error: a symbolic link to a missing file", path);
				return -1;
			}
			return kh__out_fail(o, cmd, "cannot write", errno);
		}
		/* A regular file is replaced beside where it really is; anything
		 * else (even /proc/self/fd/N, which realpath cannot name) is
		 * written through the link. */
		if (S_ISREG(st.st_mode) && !(o->target = realpath(path, NULL)))
			return kh__out_fail(o, cmd, "cannot resolve the link", errno);
	}
	if (!o->target && !(o->target = strdup(path)))
		return kh__out_fail(o, cmd, "cannot write", ENOMEM);
	if (exists && S_ISDIR(st.st_mode)) {
		kh_error(cmd, "%s: error: is a directory", path);
		free(o->target);
		o->target = NULL;
		return -1;
	}
	if (!exists || (S_ISREG(st.st_mode) && st.st_nlink == 1)) {
		if (kh__out_mktemp(o, exists ? &st : NULL) == 0) {
			o->kind = KH_OUT_RENAME;
			o->existed = exists;
			o->dev = st.st_dev;
			o->ino = st.st_ino;
			return 0;
		}
		/* A file that may be written in a folder that may not: in place. */
		if (!exists || (errno != EACCES && errno != EPERM && errno != EROFS) ||
		    access(o->target, W_OK) != 0)
			return kh__out_fail(o, cmd, "cannot create", errno);
	}
	if (access(o->target, W_OK) != 0)
		return kh__out_fail(o, cmd, "cannot write", errno);
	o->kind = KH_OUT_INPLACE;
	if (!(o->f = tmpfile()))
		return kh__out_fail(o, cmd, "cannot buffer the output", errno);
	return 0;
}

int kh_out_open_free(kh_out *o, const char *cmd, const char *stem, const char *ext)
{
	memset(o, 0, sizeof(*o));
	size_t n = strlen(stem) + strlen(ext) + 16;
	o->stem = strdup(stem);
	o->ext = ext;
	o->target = malloc(n);
	if (!o->stem || !o->target) {
		free(o->stem);
		free(o->target);
		memset(o, 0, sizeof(*o));
		kh_error(cmd, "out of memory");
		return -1;
	}
	snprintf(o->target, n, "%s.%s", stem, ext);
	o->path = o->target;
	o->kind = KH_OUT_RENAME;
	if (kh__out_mktemp(o, NULL) < 0) {
		kh_error(cmd, "%s: error: cannot create: %s", o->target, strerror(errno));
		free(o->stem);
		free(o->target);
		memset(o, 0, sizeof(*o));
		return -1;
	}
	return 0;
}

/* kh_out_open_free's commit: the first free name, by link (which never
 * replaces); 0, or an errno. */
static int kh__out_link_free(kh_out *o)
{
	size_t n = strlen(o->stem) + strlen(o->ext) + 16;
	char *name = malloc(n);
	if (!name)
		return ENOMEM;
	for (unsigned k = 1; k < 1000; k++) {
		if (k == 1)
			snprintf(name, n, "%s.%s", o->stem, o->ext);
		else
			snprintf(name, n, "%s-%u.%s", o->stem, k, o->ext);
		if (link(o->tmp, name) == 0) {
			unlink(o->tmp);
			o->chosen = name;
			return 0;
		}
		if (errno != EEXIST) {
			int err = errno;
			free(name);
			return err;
		}
	}
	free(name);
	return EEXIST;
}

/* Copies the finished output from o->f (rewound) into fd; 0 or errno. */
static int kh__out_copy(FILE *from, int fd)
{
	char buf[1 << 16];
	if (fseek(from, 0, SEEK_SET) != 0)
		return errno;
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0) {
		for (size_t done = 0; done < n;) {
			ssize_t w = write(fd, buf + done, n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return errno;
			if (w == 0)
				return EIO;
			done += (size_t)w;
		}
	}
	return ferror(from) ? EIO : 0;
}

/* Another run of kassign (or anything) replaced or created the target since
 * kh_out_open: 1 and a message, keeping this run's output in o->tmp. */
static int kh__out_raced(kh_out *o, const char *cmd)
{
	struct stat now;
	int there = stat(o->target, &now) == 0;
	if (o->existed ? there && now.st_dev == o->dev && now.st_ino == o->ino : !there)
		return 0;
	kh_out_forget_tmp(o);
	kh_error(cmd,
		 "%s: error: %s by another program while this one ran; not replaced: this run's "
		 "output is in %s",
		 o->path, o->existed ? "replaced" : "created", o->tmp);
	return 1;
}

int kh_out_commit(kh_out *o, const char *cmd)
{
	int bad = ferror(o->f);
	int err = bad ? EIO : 0;
	if (o->kind == KH_OUT_INPLACE) {
		if (!bad && fflush(o->f) != 0) {
			bad = 1;
			err = errno;
		}
		if (!bad) {
			int fd = open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
			struct stat st;
			if (fd < 0) {
				err = errno;
				bad = 1;
			} else {
				if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
				    ftruncate(fd, 0) != 0)
					err = errno;
				if (!err)
					err = kh__out_copy(o->f, fd);
				if (close(fd) != 0 && !err && errno != EINTR)
					err = errno;
				bad = err != 0;
			}
		}
		fclose(o->f);
		o->f = NULL;
		if (bad)
			kh_error(cmd, "%s: error: cannot write: %s", o->path, strerror(err));
		free(o->target);
		o->target = NULL;
		return bad ? -1 : 0;
	}
	if (fclose(o->f) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	o->f = NULL;
	if (o->kind == KH_OUT_STDOUT) {
		if (!bad && o->len && fwrite(o->buf, 1, o->len, stdout) != o->len)
			bad = 1;
		if (!bad && fflush(stdout) != 0)
			bad = 1;
		err = errno;
		free(o->buf);
		o->buf = NULL;
		if (bad)
			kh_error(cmd, "writing standard output: %s", strerror(err));
		return bad ? -1 : 0;
	}
	int kept = 0;
	if (!bad && o->stem) {
		if ((err = kh__out_link_free(o)) != 0)
			bad = 1;
	} else if (!bad) {
		if (kh__out_raced(o, cmd)) {
			bad = kept = 1;
		} else if (o->existed) {
			if (rename(o->tmp, o->target) != 0) {
				bad = 1;
				err = errno;
			}
		} else if (link(o->tmp, o->target) == 0) {
			/* link, unlike rename, never replaces a name taken meanwhile. */
			unlink(o->tmp);
		} else if (errno == EEXIST) {
			bad = kh__out_raced(o, cmd);
			kept = 1;
		} else if (rename(o->tmp, o->target) != 0) { /* no hard links here (vfat) */
			bad = 1;
			err = errno;
		}
	}
	if (bad && !kept) {
		kh_error(cmd, "%s: error: cannot write: %s", o->path, strerror(err));
		unlink(o->tmp);
	}
	kh_out_forget_tmp(o);
	free(o->tmp);
	o->tmp = NULL;
	free(o->target);
	o->target = NULL;
	free(o->stem);
	o->stem = NULL;
	if (o->chosen)
		o->path = o->chosen;
	return bad ? -1 : 0;
}

void kh_out_free(kh_out *o)
{
	free(o->chosen);
	o->chosen = NULL;
	o->path = NULL;
}

void kh_out_abort(kh_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	free(o->buf);
	o->buf = NULL;
	if (o->tmp) {
		kh_out_forget_tmp(o);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
	free(o->target);
	o->target = NULL;
	free(o->stem);
	o->stem = NULL;
}

void kh_xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			/* U+FFFE and U+FFFF are no XML characters: U+FFFD
			 * stands for them (XML 1.0, production Char). */
			if (c == 0xef && (unsigned char)s[1] == 0xbf &&
			    ((unsigned char)s[2] & 0xfe) == 0xbe) {
				fputs("\xef\xbf\xbd", f);
				s += 2;
			} else if (c >= 0x20 || c == '\t' || c == '\n') {
				fputc(c, f);
			}
		}
	}
}

void kh_fmt_duration(double ms, char *buf, size_t len)
{
	if (ms < 1000)
		snprintf(buf, len, "%.3g ms", ms);
	else if (ms < 120000)
		snprintf(buf, len, "%.3g s", ms / 1000);
	else if (ms < 3 * 3600000.0)
		snprintf(buf, len, "%.3g min", ms / 60000);
	else
		snprintf(buf, len, "%.3g h", ms / 3600000);
}

void kh_fmt_count(double v, char *buf, size_t len)
{
	if (fabs(v) < 10000)
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v) < 1e6)
		snprintf(buf, len, "%.3gk", v / 1e3);
	else if (fabs(v) < 1e9)
		snprintf(buf, len, "%.3gM", v / 1e6);
	else
		snprintf(buf, len, "%.3gG", v / 1e9);
}
