/*
 * sysinfo.c - what a result file records about the machine and the build,
 * beside the topology (pin.c): date, host, kernel, CPU model and clock,
 * frequency scaling and load (the build's own record is in points.c).
 * Read the way Google Benchmark reads them (its context fields keep their
 * meaning), so a sweep file and a kassign-bench file describe a machine
 * alike.
 */
#include "harness/harness.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The value of the first "key<spaces>: value" line of /proc/cpuinfo. */
static int cpuinfo_field(const char *key, char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return -1;
	char line[512];
	const size_t klen = strlen(key);
	int found = -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) != 0 ||
		    (line[klen] != ' ' && line[klen] != '\t' && line[klen] != ':'))
			continue;
		const char *v = strchr(line, ':');
		if (!v)
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		snprintf(buf, len, "%.*s", (int)strcspn(v, "\n"), v);
		found = 0;
		break;
	}
	fclose(f);
	return found;
}

static long read_long_file(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Google Benchmark's test: some CPU has a cpufreq governor other than
 * "performance" (no cpufreq at all, as in most VMs, is no scaling). */
static int scaling_enabled(void)
{
	glob_t g;
	int on = 0;
	if (glob("/sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_governor", 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && !on; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		char gov[64] = "";
		if (f) {
			if (!fgets(gov, sizeof(gov), f))
				gov[0] = '\0';
			fclose(f);
		}
		gov[strcspn(gov, "\n")] = '\0';
		on = gov[0] && strcmp(gov, "performance") != 0;
	}
	globfree(&g);
	return on;
}

void kh_sysinfo_read(kh_sysinfo *si, const kh_topo_info *topo)
{
	memset(si, 0, sizeof(*si));

	kh_date_now(si->date, sizeof(si->date));

	if (gethostname(si->host, sizeof(si->host)) != 0 || !si->host[0])
		snprintf(si->host, sizeof(si->host), "unknown");
	si->host[sizeof(si->host) - 1] = '\0';

	struct utsname u;
	if (uname(&u) == 0)
		snprintf(si->kernel, sizeof(si->kernel), "%s %s", u.sysname, u.release);
	else
		snprintf(si->kernel, sizeof(si->kernel), "unknown");

	if (cpuinfo_field("model name", si->cpu_model, sizeof(si->cpu_model)) != 0 ||
	    !si->cpu_model[0])
		snprintf(si->cpu_model, sizeof(si->cpu_model), "%s",
			 topo && topo->cpu_model[0] ? topo->cpu_model : "unknown");

	/* cpuinfo_max_freq (kHz) where cpufreq exists, else /proc/cpuinfo's
	 * "cpu MHz", as Google Benchmark. */
	const long khz = read_long_file("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
	char mhz[64];
	if (khz > 0)
		si->mhz = (khz + 500) / 1000;
	else if (cpuinfo_field("cpu MHz", mhz, sizeof(mhz)) == 0)
		si->mhz = (long)(strtod(mhz, NULL) + 0.5);
	si->scaling = scaling_enabled();

	/* getloadavg is not POSIX; /proc/loadavg is what it reads. */
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf %lf %lf", &si->load[0], &si->load[1], &si->load[2]) != 3)
			si->load[0] = si->load[1] = si->load[2] = 0;
		fclose(f);
	}
}
