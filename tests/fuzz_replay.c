/*
 * fuzz_replay.c - the main of every fuzz target outside libFuzzer: it feeds
 * LLVMFuzzerTestOneInput each file named and every regular file of each
 * directory named (the seed corpora in tests/fuzz/, crash reproducers), so
 * ctest replays them under any compiler. A failing input aborts, as it
 * would under libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		uint8_t *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

/* Replays each file named, and every regular file of each directory named.
 * Exit 0 when every input ran (a failing input aborts), 1 if one could not
 * be read, 2 on usage, 77 when there was nothing to replay. */
int main(int argc, char **argv)
{
	int bad = 0, ran = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= replay_file(argv[i]);
			ran++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
			char *path = malloc(len);
			if (!path) {
				bad = 1;
				break;
			}
			snprintf(path, len, "%s/%s", argv[i], e->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				bad |= replay_file(path);
				ran++;
			}
			free(path);
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", ran);
	return bad ? 1 : ran ? 0 : 77;
}
