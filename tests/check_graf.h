/*
 * check_graf.h - the Check suites of libgraf and the helpers they share.
 *
 * Each module has its suite in tests/check_<module>.c; check_main.c runs them
 * all and holds the helpers below.  Tests write only under
 * $abs_top_builddir/tests/tmp (never into corpus/ or index/), so that they run
 * from a read-only source tree (make distcheck).
 */
#ifndef CHECK_GRAF_H
#define CHECK_GRAF_H

#include <stdbool.h>
#include <stddef.h>

#include <check.h>

/* ----------------------------------------------------------------- suites -- */

Suite *tokenizer_suite(void);
Suite *corpus_suite(void);
Suite *index_suite(void);
Suite *search_suite(void);
Suite *query_suite(void);
Suite *eval_suite(void);
Suite *pipe_suite(void);

/* ----------------------------------------------------------------- helpers -- */

/*
 * The absolute path of REL in the source tree ($abs_top_srcdir, else the
 * directory configure saw).  Malloc'ed; the caller frees it.  Never NULL.
 */
char *ck_srcpath(const char *rel);

/*
 * Make a new, empty directory $abs_top_builddir/tests/tmp/NAME.PID.N for one
 * test, N counting up within the process.  Malloc'ed; the caller removes it
 * with ck_rmtree() and frees it.  Fails the test when it cannot.
 */
char *ck_tmpdir(const char *name);

/* Remove DIR and everything under it (no-op on NULL or a missing DIR). */
void ck_rmtree(const char *dir);

/* printf into a malloc'ed string; fails the test when out of memory. */
char *ck_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Read the whole file PATH.  Malloc'ed and NUL-terminated (the NUL is not
 * counted in *LEN); the caller frees it.  Fails the test when it cannot.
 */
char *ck_read_file(const char *path, size_t *len);

/* Write DATA[0..LEN) to PATH, replacing it.  Fails the test when it cannot. */
void ck_write_file(const char *path, const void *data, size_t len);

/* Write the string S to PATH. */
void ck_write_string(const char *path, const char *s);

/* Copy the regular file FROM to TO. */
void ck_copy_file(const char *from, const char *to);

/* True if PATH exists. */
bool ck_exists(const char *path);

/* Count the occurrences of NEEDLE in HAYSTACK (non-overlapping). */
size_t ck_count(const char *haystack, const char *needle);

/*
 * Simulated out-of-memory for SQLite's allocations (not graf's own malloc()
 * calls, nor libstemmer's).  ck_oom_install() replaces SQLite's allocator;
 * no connection may be open (sqlite3_shutdown() runs).  ck_oom_fail_at(N)
 * makes the Nth allocation from now fail, once (N < 0: none);
 * ck_oom_failed() says whether it has.  ck_oom_uninstall() restores the
 * allocator, again with no connection open.
 */
void ck_oom_install(void);
void ck_oom_uninstall(void);
void ck_oom_fail_at(long n);
bool ck_oom_failed(void);

/*
 * The allocation to fail after N in a loop over them: N + 1 for the first
 * hundred, then N + $GRAF_TEST_OOM_STEP (default 17), since a run that
 * writes an index makes thousands and each try costs file system syncs.
 * GRAF_TEST_OOM_STEP=1 tries every one.
 */
long ck_oom_next(long n);

/* The corpus files, relative to corpus/: the one with a section label and
 * one paragraph per line, and the one with blank-line separated blocks. */
#define CK_CORPUS_LINES "nvidia-backs-chinas-ai-surge-sparks-global-tech-rally.txt"
#define CK_CORPUS_BLOCKS "nvidia-ceo-praises-chinas-ai-talent-confirms-h20-chip-sales-to-resume.txt"

/* Per-test time limit (seconds) for tests that build an index: generous,
 * because the sanitizer build is several times slower. */
#define CK_SLOW_TIMEOUT 120

#endif /* CHECK_GRAF_H */
