/*
 * check_main.c - the one runner of graf's Check suites, and the helpers the
 * suites share (declared in check_graf.h).
 *
 * Each test runs in its own process unless CK_FORK=no (then all run in this
 * one, for gdb or valgrind).  CK_RUN_SUITE=index or CK_RUN_CASE=errors runs a
 * part; CK_VERBOSITY=verbose names every test.  Exit status: EXIT_FAILURE if
 * any test failed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check_graf.h"

/* configure's view of the trees, for a runner started by hand without the
 * variables "make check" exports. */
#ifndef GRAF_ABS_TOP_SRCDIR
#define GRAF_ABS_TOP_SRCDIR "."
#endif
#ifndef GRAF_ABS_TOP_BUILDDIR
#define GRAF_ABS_TOP_BUILDDIR "."
#endif

char *
ck_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	s = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* The value of the environment variable NAME, or FALLBACK when unset or
 * empty. */
static const char *
ckEnv(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

char *
ck_srcpath(const char *rel)
{
	return ck_printf("%s/%s", ckEnv("abs_top_srcdir", GRAF_ABS_TOP_SRCDIR), rel);
}

/* mkdir that accepts an existing directory. */
static void
ckMkdir(const char *dir)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		ck_abort_msg("cannot create '%s': %s", dir, strerror(errno));
}

char *
ck_tmpdir(const char *name)
{
	static unsigned counter;
	const char *top = ckEnv("abs_top_builddir", GRAF_ABS_TOP_BUILDDIR);
	char *tests = ck_printf("%s/tests", top);
	char *tmp = ck_printf("%s/tests/tmp", top);
	char *dir;

	ckMkdir(tests);
	ckMkdir(tmp);
	for (;;) {
		dir = ck_printf("%s/%s.%ld.%u", tmp, name, (long)getpid(), counter++);
		if (mkdir(dir, 0777) == 0)
			break;
		if (errno != EEXIST)
			ck_abort_msg("cannot create '%s': %s", dir, strerror(errno));
		free(dir);
	}
	free(tests);
	free(tmp);
	return dir;
}

void
ck_rmtree(const char *dir)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if (!dir || lstat(dir, &sb) != 0)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		unlink(dir);
		return;
	}
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d)) != NULL) {
			char *child;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			child = ck_printf("%s/%s", dir, de->d_name);
			ck_rmtree(child);
			free(child);
		}
		closedir(d);
	}
	rmdir(dir);
}

char *
ck_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	ck_assert_msg(f != NULL, "cannot open '%s': %s", path, strerror(errno));
	for (;;) {
		size_t r;

		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	ck_assert_msg(!ferror(f), "cannot read '%s'", path);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

void
ck_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create '%s': %s", path, strerror(errno));
	ck_assert_msg(fwrite(data, 1, len, f) == len, "cannot write '%s'", path);
	ck_assert_msg(fclose(f) == 0, "cannot write '%s'", path);
}

void
ck_write_string(const char *path, const char *s)
{
	ck_write_file(path, s, strlen(s));
}

void
ck_copy_file(const char *from, const char *to)
{
	size_t len;
	char *data = ck_read_file(from, &len);

	ck_write_file(to, data, len);
	free(data);
}

bool
ck_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

size_t
ck_count(const char *haystack, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	if (len == 0)
		return 0;
	for (const char *p = strstr(haystack, needle); p; p = strstr(p + len, needle))
		n++;
	return n;
}

/* ------------------------------------------------------ simulated OOM -- */

static sqlite3_mem_methods oom_original;
static long oom_countdown = -1;   /* allocations before the failing one */
static bool oom_failed;

/* True if this allocation is the one that must fail. */
static bool
oomNow(void)
{
	if (oom_countdown < 0)
		return false;
	if (oom_countdown-- > 0)
		return false;
	oom_failed = true;
	return true;
}

static void *
oomMalloc(int n)
{
	return oomNow() ? NULL : oom_original.xMalloc(n);
}

static void *
oomRealloc(void *p, int n)
{
	return oomNow() ? NULL : oom_original.xRealloc(p, n);
}

void
ck_oom_install(void)
{
	sqlite3_mem_methods m;

	ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
	ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &oom_original), SQLITE_OK);
	m = oom_original;
	m.xMalloc = oomMalloc;
	m.xRealloc = oomRealloc;
	ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
	ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);
	oom_countdown = -1;
}

void
ck_oom_uninstall(void)
{
	oom_countdown = -1;
	ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
	ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &oom_original), SQLITE_OK);
	ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);
}

void
ck_oom_fail_at(long n)
{
	oom_countdown = n;
	oom_failed = false;
}

bool
ck_oom_failed(void)
{
	return oom_failed;
}

long
ck_oom_next(long n)
{
	static long step;

	if (step == 0) {
		const char *env = getenv("GRAF_TEST_OOM_STEP");

		step = env && atol(env) > 0 ? atol(env) : 17;
	}
	return n < 100 ? n + 1 : n + step;
}

int
main(void)
{
	SRunner *sr = srunner_create(tokenizer_suite());
	int failed;

	srunner_add_suite(sr, corpus_suite());
	srunner_add_suite(sr, index_suite());
	srunner_add_suite(sr, search_suite());
	srunner_add_suite(sr, query_suite());
	srunner_add_suite(sr, eval_suite());
	srunner_add_suite(sr, pipe_suite());
	/* The fork mode comes from CK_FORK (srunner's default). */
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
