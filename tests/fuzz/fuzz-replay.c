/*
 * fuzz-replay.c - run a libFuzzer target's LLVMFuzzerTestOneInput over
 * files, without libFuzzer, so that "make check" replays every seed and
 * every input that ever crashed the target (built with the sanitizers when
 * configure --enable-sanitizers is given).
 *
 *     fuzz_NAME_replay [FILE|DIR]...
 *
 * Without arguments it reads $srcdir/tests/fuzz/seeds/NAME and
 * $srcdir/tests/fuzz/regressions/NAME, where NAME is FUZZ_NAME (given when
 * compiling: -DFUZZ_NAME='"query"').  A crash is the failure; otherwise
 * it exits 0 after saying how many inputs it ran.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_NAME
#define FUZZ_NAME "query"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run the target on the file PATH; -1 when it cannot be read. */
static int
replayFile(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "fuzz-replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			unsigned char *nd = realloc(data, cap = cap ? cap * 2 : 4096);

			if (!nd) {
				fclose(f);
				free(data);
				fprintf(stderr, "fuzz-replay: out of memory\n");
				return -1;
			}
			data = nd;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

/* Run the target on PATH, or on each file in it if it is a directory.
 * Returns the number of inputs run, or -1. */
static long
replayPath(const char *path)
{
	struct stat sb;
	struct dirent **names;
	long count = 0;
	int n;

	if (stat(path, &sb) != 0) {
		fprintf(stderr, "fuzz-replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return replayFile(path) == 0 ? 1 : -1;
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "fuzz-replay: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char file[4096];

		if (names[i]->d_name[0] != '.' && count >= 0) {
			snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
			count = replayFile(file) == 0 ? count + 1 : -1;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

int
main(int argc, char **argv)
{
	const char *srcdir = getenv("srcdir");
	char dirs[2][4096];
	long total = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			long n = replayPath(argv[i]);

			if (n < 0)
				return EXIT_FAILURE;
			total += n;
		}
	} else {
		snprintf(dirs[0], sizeof dirs[0], "%s/tests/fuzz/seeds/" FUZZ_NAME,
			 srcdir ? srcdir : ".");
		snprintf(dirs[1], sizeof dirs[1], "%s/tests/fuzz/regressions/" FUZZ_NAME,
			 srcdir ? srcdir : ".");
		for (int i = 0; i < 2; i++) {
			long n = replayPath(dirs[i]);

			if (n < 0)
				return EXIT_FAILURE;
			total += n;
		}
	}
	printf("fuzz-replay: %s: %ld inputs ran without a failure\n", FUZZ_NAME, total);
	return EXIT_SUCCESS;
}
