/*
 * build.c - what this build of kassign is and when a command runs: the
 * commit (ka_commit.h, written at every build by cmake/commit.cmake, so a
 * new commit recompiles this one file) and the date as result and run files
 * record it.
 */
#include "cli/cli.h"

#include <string.h>
#include <time.h>

#include "ka_commit.h" /* KA_BUILD_COMMIT */

const char *kh_build_commit(void)
{
	return KA_BUILD_COMMIT[0] ? KA_BUILD_COMMIT : "unknown";
}

void kh_date_now(char *buf, size_t len)
{
	buf[0] = '\0';
	const time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm))
		return;
	char off[8];
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	/* strftime's %z is +hhmm; ISO 8601 as Google Benchmark writes it is
	 * +hh:mm. */
	if (strftime(off, sizeof(off), "%z", &tm) == 5) {
		const size_t n = strlen(buf);
		snprintf(buf + n, len - n, "%.3s:%.2s", off, off + 3);
	}
}
