/*
 * jsonfile.c - kd_json_load_file (jsonfile.h). jansson reads a directory as
 * an empty text ("'[' or '{' expected near end of file", column 0): the
 * file is opened and looked at first, so the message says what is wrong.
 */
#include "datasets/jsonfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

json_t *kd_json_load_file(const char *path, size_t flags, char *err, size_t len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
		const int e = !f ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;
		if (f)
			fclose(f);
		snprintf(err, len, "%s: error: cannot read: %s", path, strerror(e));
		return NULL;
	}
	json_error_t je;
	json_t *doc = json_loadf(f, flags, &je);
	fclose(f);
	if (doc)
		return doc;
	if (je.line > 0)
		snprintf(err, len, "%s:%d:%d: error: invalid JSON: %s", path, je.line,
			 je.column > 0 ? je.column : 1, je.text);
	else
		snprintf(err, len, "%s: error: invalid JSON: %s", path, je.text);
	return NULL;
}
