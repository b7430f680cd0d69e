/*
 * util.c - messages, number parsing, lookups and all-or-nothing output for
 * the subcommands. The rule every subcommand keeps: a run that ends in exit
 * code 2 leaves nothing on stdout and no output file behind.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

void *kh_aligned_alloc(size_t size)
{
	if (size > SIZE_MAX - 63)
		return NULL;
	size_t n = size ? (size + 63) / 64 * 64 : 64;
	return aligned_alloc(64, n);
}

int kh_out_open(kh_out *o, const char *cmd, const char *path)
{
	memset(o, 0, sizeof(*o));
	if (!path || strcmp(path, "-") == 0) {
		o->f = open_memstream(&o->buf, &o->len);
		if (!o->f) {
			kh_error(cmd, "cannot buffer output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	o->path = path;
	size_t n = strlen(path) + sizeof(".tmp-XXXXXX");
	o->tmp = malloc(n);
	if (!o->tmp) {
		kh_error(cmd, "out of memory");
		return -1;
	}
	snprintf(o->tmp, n, "%s.tmp-XXXXXX", path);
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		kh_error(cmd, "%s: cannot create: %s", path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	/* mkstemp makes the file 0600; give it the mode a plain fopen would. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0 || !(o->f = fdopen(fd, "w"))) {
		kh_error(cmd, "%s: cannot create: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	return 0;
}

int kh_out_commit(kh_out *o, const char *cmd)
{
	int bad = ferror(o->f);
	int err = errno;
	if (fclose(o->f) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	o->f = NULL;
	if (!o->path) {
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
	if (!bad && rename(o->tmp, o->path) != 0) {
		bad = 1;
		err = errno;
	}
	if (bad) {
		kh_error(cmd, "%s: cannot write: %s", o->path, strerror(err));
		unlink(o->tmp);
	}
	free(o->tmp);
	o->tmp = NULL;
	return bad ? -1 : 0;
}

void kh_out_abort(kh_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	free(o->buf);
	o->buf = NULL;
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
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
			if (c >= 0x20 || c == '\t' || c == '\n')
				fputc(c, f);
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
