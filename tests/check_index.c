/*
 * check_index.c - opening, creating and updating an index (lib/index.c,
 * lib/update.c, lib/walk.c).
 *
 * Each test works on its own copy of corpus/ in a temporary directory under
 * the build tree, with the index beside it; expectations (paragraph counts,
 * titles) come from parsing the files, and the index is read back with SQL.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graf-private.h"
#include "check_graf.h"

/* The test's directory, its corpus copy, its two files and the index. */
static char *dir, *corpus, *lines_file, *blocks_file, *db_path;

static void
setup(void)
{
	char *src;

	dir = ck_tmpdir("index");
	corpus = ck_printf("%s/corpus", dir);
	ck_assert_int_eq(mkdir(corpus, 0777), 0);
	lines_file = ck_printf("%s/%s", corpus, CK_CORPUS_LINES);
	blocks_file = ck_printf("%s/%s", corpus, CK_CORPUS_BLOCKS);
	db_path = ck_printf("%s/g.db", dir);
	src = ck_srcpath("corpus/" CK_CORPUS_LINES);
	ck_copy_file(src, lines_file);
	free(src);
	src = ck_srcpath("corpus/" CK_CORPUS_BLOCKS);
	ck_copy_file(src, blocks_file);
	free(src);
}

static void
teardown(void)
{
	ck_rmtree(dir);
	free(dir);
	free(corpus);
	free(lines_file);
	free(blocks_file);
	free(db_path);
	dir = corpus = lines_file = blocks_file = db_path = NULL;
}

/* What the callbacks of one update saw. */
typedef struct Recorder {
	int warnings;
	char warned[2048];           /* "path: message\n" for each warning */
	int changes[GRAF_CHANGE_LAST];
	char changed[16384];         /* "verb path\n" for each change */
	long files_done;             /* as the last progress call said */
	graf_index *interrupt;       /* interrupt this index ... */
	const char *interrupt_on;    /* ... on a warning about a path containing this */
	long interrupt_after;        /* ... or after this many files (progress) */
} Recorder;

static void
recWarning(void *ctx, const char *path, const char *message)
{
	Recorder *r = ctx;
	size_t len = strlen(r->warned);

	r->warnings++;
	snprintf(r->warned + len, sizeof r->warned - len, "%s: %s\n", path, message);
	if (r->interrupt && r->interrupt_on && strstr(path, r->interrupt_on))
		graf_index_interrupt(r->interrupt);
}

static void
recChange(void *ctx, graf_change_t change, const char *path, const char *docid)
{
	static const char *const verbs[GRAF_CHANGE_LAST] = {
		"added", "updated", "removed", "unchanged", "skipped",
	};
	Recorder *r = ctx;
	size_t len = strlen(r->changed);

	ck_assert_int_lt(change, GRAF_CHANGE_LAST);
	r->changes[change]++;
	if (change == GRAF_CHANGE_SKIPPED)
		ck_assert_ptr_null(docid);
	else
		ck_assert_str_eq(docid, path);
	snprintf(r->changed + len, sizeof r->changed - len, "%s %s\n", verbs[change], path);
}

static void
recProgress(void *ctx, const graf_progress *p)
{
	Recorder *r = ctx;

	ck_assert_int_le(p->files_done, p->files_total);
	ck_assert_int_le(p->bytes_done, p->bytes_total);
	/* Each file once, in order (a new run starts at 1). */
	if (p->files_done != 1)
		ck_assert_int_eq(p->files_done, r->files_done + 1);
	r->files_done = p->files_done;
	if (r->interrupt && r->interrupt_after && p->files_done >= r->interrupt_after)
		graf_index_interrupt(r->interrupt);
}

static graf_index *
openIndex(graf_open_mode_t mode)
{
	graf_index *idx;
	char *msg;
	graf_status_t st = graf_index_open(db_path, mode, NULL, &idx, &msg);

	ck_assert_msg(st == GRAF_STATUS_OK, "cannot open '%s': %s", db_path, msg);
	ck_assert_ptr_null(msg);
	return idx;
}

/* Update IDX from the one path ROOT, recording into R (may be NULL). */
static graf_status_t
updateFrom(graf_index *idx, const char *root, Recorder *r, graf_update_stats *stats)
{
	graf_update_options o = { 0 };

	if (r) {
		o.warning = recWarning;
		o.change = recChange;
		o.progress = recProgress;
		o.ctx = r;
		o.report_unchanged = 1;
	}
	return graf_index_update(idx, &root, 1, &o, stats);
}

/* Update IDX from the test corpus; it must succeed. */
static graf_update_stats
updateOk(graf_index *idx, Recorder *r)
{
	graf_update_stats stats;
	graf_status_t st = updateFrom(idx, corpus, r, &stats);

	ck_assert_msg(st == GRAF_STATUS_OK, "update: %s", graf_index_errmsg(idx));
	return stats;
}

/* The one integer SQL returns on IDX's connection. */
static sqlite3_int64
queryInt(graf_index *idx, const char *sql)
{
	sqlite3_stmt *stmt;
	sqlite3_int64 v;

	ck_assert_msg(sqlite3_prepare_v2(graf_index_db(idx), sql, -1, &stmt, NULL) == SQLITE_OK,
		      "%s: %s", sql, sqlite3_errmsg(graf_index_db(idx)));
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* The one text value SQL returns on IDX's connection; malloc'ed. */
static char *
queryText(graf_index *idx, const char *sql)
{
	sqlite3_stmt *stmt;
	const unsigned char *v;
	char *s;

	ck_assert_msg(sqlite3_prepare_v2(graf_index_db(idx), sql, -1, &stmt, NULL) == SQLITE_OK,
		      "%s: %s", sql, sqlite3_errmsg(graf_index_db(idx)));
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_text(stmt, 0);
	s = strdup(v ? (const char *)v : "");
	ck_assert_ptr_nonnull(s);
	sqlite3_finalize(stmt);
	return s;
}

/* The paragraphs of the file PATH, as the reader splits it. */
static long
paragraphsOf(const char *path)
{
	size_t len;
	char *data = ck_read_file(path, &len);
	grafi_article a;
	long n;

	ck_assert_int_eq(grafi_article_parse(data, len, &a), GRAFI_READ_OK);
	n = (long)a.n_paragraphs;
	grafi_article_release(&a);
	free(data);
	return n;
}

/* The paragraphs of the file PATH whose text differs from that of the same
 * number in BEFORE (the file's old bytes): what an update must write. */
static long
changedParagraphs(const char *before, const char *path)
{
	size_t len;
	char *data = ck_read_file(path, &len);
	grafi_article a, b;
	long n = 0;

	ck_assert_int_eq(grafi_article_parse(before, strlen(before), &b), GRAFI_READ_OK);
	ck_assert_int_eq(grafi_article_parse(data, len, &a), GRAFI_READ_OK);
	for (size_t i = 0; i < a.n_paragraphs; i++)
		n += i >= b.n_paragraphs || strcmp(a.paragraphs[i], b.paragraphs[i]) != 0;
	grafi_article_release(&a);
	grafi_article_release(&b);
	free(data);
	return n;
}

/* The article id of the file PATH in IDX (0: none). */
static sqlite3_int64
articleOf(graf_index *idx, const char *path)
{
	char *sql = sqlite3_mprintf("SELECT coalesce((SELECT a.id FROM article a JOIN source s "
				    "ON s.id = a.source WHERE s.path = %Q), 0)", path);
	sqlite3_int64 id = queryInt(idx, sql);

	sqlite3_free(sql);
	return id;
}

/* The number of paragraphs of article ID in the FTS table. */
static sqlite3_int64
paraRowsOf(graf_index *idx, sqlite3_int64 id)
{
	char *sql = sqlite3_mprintf("SELECT count(*) FROM para WHERE rowid BETWEEN %lld AND %lld",
				    (long long)GRAFI_ROWID(id, 0),
				    (long long)GRAFI_ROWID(id, GRAFI_MAX_PARAGRAPHS));
	sqlite3_int64 n = queryInt(idx, sql);

	sqlite3_free(sql);
	return n;
}

/* Paragraphs that MATCH the FTS5 expression EXPR. */
static sqlite3_int64
matchCount(graf_index *idx, const char *expr)
{
	char *sql = sqlite3_mprintf("SELECT count(*) FROM para WHERE para MATCH %Q", expr);
	sqlite3_int64 n = queryInt(idx, sql);

	sqlite3_free(sql);
	return n;
}

/*
 * Everything the index holds, as text: sources, articles, paragraphs and
 * headlines, after FTS5's integrity checks of both tables (which compare
 * the full-text index with its content).  Malloc'ed.
 */
static char *
dumpIndex(graf_index *idx)
{
	static const char *const queries[] = {
		"SELECT 'source', path, size, mtime_ns, hash FROM source ORDER BY path",
		"SELECT 'article', id, source, docid, title, hash, paragraphs FROM article ORDER BY id",
		"SELECT 'para', rowid, body FROM para ORDER BY rowid",
		"SELECT 'head', rowid, title FROM head ORDER BY rowid",
	};
	sqlite3 *db = graf_index_db(idx);
	sqlite3_str *out = sqlite3_str_new(NULL);
	char *s;

	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO para(para, rank) VALUES('integrity-check', 1);"
				      "INSERT INTO head(head, rank) VALUES('integrity-check', 1)",
				      NULL, NULL, NULL), SQLITE_OK);
	for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
		sqlite3_stmt *stmt;

		ck_assert_int_eq(sqlite3_prepare_v2(db, queries[q], -1, &stmt, NULL), SQLITE_OK);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(stmt); c++)
				sqlite3_str_appendf(out, "%s|", sqlite3_column_text(stmt, c));
			sqlite3_str_appendchar(out, 1, '\n');
		}
		ck_assert_int_eq(sqlite3_finalize(stmt), SQLITE_OK);
	}
	ck_assert_int_eq(sqlite3_str_errcode(out), SQLITE_OK);
	s = sqlite3_str_finish(out);  /* NULL for an empty index */
	{
		char *copy = strdup(s ? s : "");

		sqlite3_free(s);
		return copy;
	}
}

/* Give PATH the modification time SECONDS (since the epoch). */
static void
setMtime(const char *path, time_t seconds)
{
	struct timespec ts[2] = { { seconds, 0 }, { seconds, 0 } };

	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Replace the first occurrence of FROM in the file PATH by TO. */
static void
editFile(const char *path, const char *from, const char *to)
{
	size_t len;
	char *data = ck_read_file(path, &len), *at = strstr(data, from);
	char *out;

	ck_assert_msg(at != NULL, "'%s' not in '%s'", from, path);
	out = ck_printf("%.*s%s%s", (int)(at - data), data, to, at + strlen(from));
	ck_write_string(path, out);
	free(out);
	free(data);
}

/* Copy tests/data/NAME into the test corpus as NEW_NAME. */
static char *
addFixture(const char *name, const char *new_name)
{
	char *rel = ck_printf("tests/data/%s", name);
	char *src = ck_srcpath(rel);
	char *dst = ck_printf("%s/%s", corpus, new_name);

	ck_copy_file(src, dst);
	free(rel);
	free(src);
	return dst;
}

/* --------------------------------------------------------------- core -- */

START_TEST(test_create)
{
	graf_index *idx;
	char *sub = ck_printf("%s/new/g.db", dir);
	char *msg = (char *)"unset";

	/* The missing directory of the index is created. */
	ck_assert_int_eq(graf_index_open(sub, GRAF_OPEN_WRITE, NULL, &idx, &msg), GRAF_STATUS_OK);
	ck_assert_ptr_null(msg);
	ck_assert(ck_exists(sub));
	ck_assert_str_eq(graf_index_language(idx), GRAF_DEFAULT_LANGUAGE);
	ck_assert_str_eq(graf_index_path(idx), sub);
	ck_assert_str_eq(graf_index_errmsg(idx), "");
	ck_assert_int_eq(queryInt(idx, "PRAGMA user_version"), GRAFI_SCHEMA_VERSION);
	ck_assert_int_eq(queryInt(idx, "PRAGMA application_id"), GRAFI_APPLICATION_ID);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 0);
	ck_assert_int_eq(queryInt(idx, "SELECT CAST(value AS INTEGER) FROM meta "
				       "WHERE key = 'schema_version'"), GRAFI_SCHEMA_VERSION);
	graf_index_close(idx);
	/* It reopens for reading. */
	ck_assert_int_eq(graf_index_open(sub, GRAF_OPEN_READ, NULL, &idx, NULL), GRAF_STATUS_OK);
	ck_assert_str_eq(graf_index_language(idx), "english");
	graf_index_close(idx);
	free(sub);
}
END_TEST

START_TEST(test_add)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	Recorder r = { 0 };
	graf_update_stats st = updateOk(idx, &r);
	long n_lines = paragraphsOf(lines_file), n_blocks = paragraphsOf(blocks_file);
	char *sql;

	ck_assert_int_eq(st.added, 2);
	ck_assert_int_eq(st.updated + st.removed + st.unchanged + st.skipped + st.warnings, 0);
	ck_assert_int_eq(st.paragraphs, n_lines + n_blocks);
	ck_assert_int_gt(st.bytes, 1000);
	ck_assert_int_eq(r.changes[GRAF_CHANGE_ADDED], 2);
	ck_assert_int_eq(r.warnings, 0);
	ck_assert_ptr_nonnull(strstr(r.changed, lines_file));
	ck_assert_ptr_nonnull(strstr(r.changed, blocks_file));

	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM source"), 2);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 2);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM para"), n_lines + n_blocks);
	ck_assert_int_eq(queryInt(idx, "SELECT sum(paragraphs) FROM article"), n_lines + n_blocks);
	ck_assert_int_eq(paraRowsOf(idx, articleOf(idx, lines_file)), n_lines);
	ck_assert_int_eq(paraRowsOf(idx, articleOf(idx, blocks_file)), n_blocks);
	/* The headline is stored with its article, the label is not. */
	sql = sqlite3_mprintf("SELECT count(*) FROM article WHERE docid = %Q AND title = %Q",
			      lines_file,
			      "Nvidia Backs China\xe2\x80\x99s AI Surge, Sparks Global Tech Rally");
	ck_assert_int_eq(queryInt(idx, sql), 1);
	sqlite3_free(sql);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM para WHERE body = 'News'"), 0);
	ck_assert_int_eq(matchCount(idx, "bytedance"), 1);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM head WHERE head MATCH 'h20'"), 1);
	free(dumpIndex(idx));
	graf_index_close(idx);
}
END_TEST

START_TEST(test_unchanged)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	Recorder r = { 0 };
	graf_update_stats st;
	char *before, *after;

	updateOk(idx, NULL);
	before = dumpIndex(idx);
	st = updateOk(idx, &r);
	ck_assert_int_eq(st.added + st.updated + st.removed + st.skipped + st.warnings, 0);
	ck_assert_int_eq(st.unchanged, 2);
	ck_assert_int_eq(st.paragraphs, 0);
	ck_assert_int_eq(st.bytes, 0);  /* same size and time: not even read */
	ck_assert_int_eq(r.changes[GRAF_CHANGE_UNCHANGED], 2);
	ck_assert_int_eq(r.changes[GRAF_CHANGE_ADDED] + r.changes[GRAF_CHANGE_UPDATED] +
			 r.changes[GRAF_CHANGE_REMOVED], 0);
	after = dumpIndex(idx);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	graf_index_close(idx);
}
END_TEST

/* A new time on the same content: read, found unchanged, not rewritten. */
START_TEST(test_touched)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	graf_update_stats st;
	struct stat sb;
	char *before, *after, *sql;

	updateOk(idx, NULL);
	before = dumpIndex(idx);
	setMtime(lines_file, 1000000000);
	ck_assert_int_eq(stat(lines_file, &sb), 0);
	st = updateOk(idx, NULL);
	ck_assert_int_eq(st.added + st.updated + st.removed + st.skipped, 0);
	ck_assert_int_eq(st.unchanged, 2);
	ck_assert_int_eq(st.paragraphs, 0);
	ck_assert_int_eq(st.bytes, sb.st_size);
	sql = sqlite3_mprintf("SELECT mtime_ns FROM source WHERE path = %Q", lines_file);
	ck_assert_int_eq(queryInt(idx, sql), 1000000000LL * 1000000000LL);
	sqlite3_free(sql);
	/* Only the source's time changed. */
	after = dumpIndex(idx);
	ck_assert_str_ne(before, after);
	ck_assert_str_eq(strstr(before, "article|"), strstr(after, "article|"));
	free(before);
	free(after);
	graf_index_close(idx);
}
END_TEST

START_TEST(test_edit_one)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	Recorder r = { 0 };
	graf_update_stats st;
	sqlite3_int64 lines_id, blocks_id;
	char *blocks_before, *blocks_after, *sql, *before;
	size_t before_len;

	updateOk(idx, NULL);
	lines_id = articleOf(idx, lines_file);
	blocks_id = articleOf(idx, blocks_file);
	sql = sqlite3_mprintf("SELECT group_concat(rowid || ' ' || body, '|') FROM "
			      "(SELECT rowid, body FROM para WHERE rowid >> %d = %lld ORDER BY rowid)",
			      GRAFI_PARA_BITS, (long long)blocks_id);
	blocks_before = queryText(idx, sql);
	ck_assert_ptr_nonnull(strstr(blocks_before, "ByteDance"));
	ck_assert_int_eq(matchCount(idx, "zanzibar"), 0);

	/* A word changes, and one paragraph is added. */
	before = ck_read_file(lines_file, &before_len);
	editFile(lines_file, "reinforced this message", "reinforced this Zanzibar message");
	editFile(lines_file, "The Nasdaq Composite", "A new paragraph.\nThe Nasdaq Composite");
	st = updateOk(idx, &r);
	ck_assert_int_eq(st.updated, 1);
	ck_assert_int_eq(st.unchanged, 1);
	ck_assert_int_eq(st.added + st.removed + st.skipped, 0);
	/* written: the paragraphs from the first edit on, not those before */
	ck_assert_int_eq(st.paragraphs, changedParagraphs(before, lines_file));
	ck_assert_int_lt(st.paragraphs, paragraphsOf(lines_file));
	free(before);
	ck_assert_ptr_nonnull(strstr(r.changed, "updated "));
	ck_assert_ptr_nonnull(strstr(strstr(r.changed, "updated "), lines_file));

	/* The same article id, its new paragraphs; the other article as it was. */
	ck_assert_int_eq(articleOf(idx, lines_file), lines_id);
	ck_assert_int_eq(paraRowsOf(idx, lines_id), paragraphsOf(lines_file));
	ck_assert_int_eq(matchCount(idx, "zanzibar"), 1);
	ck_assert_int_eq(matchCount(idx, "\"new paragraph\""), 1);
	blocks_after = queryText(idx, sql);
	ck_assert_str_eq(blocks_before, blocks_after);
	free(blocks_before);
	free(blocks_after);
	sqlite3_free(sql);
	free(dumpIndex(idx));
	graf_index_close(idx);
}
END_TEST

/*
 * Hits of QUERY in IDX (at most LIMIT; 0: all), through graf's own lists
 * (the top-k search) or, with EXHAUSTIVE, through FTS5; *OUT gets
 * "path:paragraph:score" of each, in order (malloc'ed).
 */
static long
hitsOf(graf_index *idx, const char *query, long limit, int exhaustive, char **out)
{
	graf_search_options o;
	graf_query *q = NULL;
	const graf_hit *h;
	sqlite3_str *str = sqlite3_str_new(NULL);
	long n = 0;
	char *s;

	graf_search_options_init(&o);
	o.limit = limit;
	o.exhaustive = exhaustive;
	ck_assert_int_eq(graf_query_run(idx, query, &o, &q), GRAF_STATUS_OK);
	while ((h = graf_query_next(q)) != NULL) {
		sqlite3_str_appendf(str, "%s:%ld:%.9f\n", h->path, h->paragraph, h->score);
		n++;
	}
	graf_query_free(q);
	s = sqlite3_str_finish(str);
	*out = strdup(s ? s : "");
	sqlite3_free(s);
	return n;
}

/* The top-k search over graf's lists finds QUERY's best 5 hits as FTS5 does,
 * and as many in all as there are: the number of hits. */
static long
searchCount(graf_index *idx, const char *query)
{
	char *fast, *full;
	long n_fast = hitsOf(idx, query, 5, 0, &fast), n_full = hitsOf(idx, query, 0, 1, &full);
	size_t prefix = 0;

	for (long i = 0; i < n_fast; i++)
		prefix += strcspn(full + prefix, "\n") + 1;
	ck_assert_int_eq(n_fast, n_full < 5 ? n_full : 5);
	ck_assert_msg(strncmp(fast, full, prefix) == 0, "top-k '%s' != exhaustive '%s'", fast, full);
	free(fast);
	free(full);
	return n_full;
}

/* An edit inside one paragraph writes that paragraph only; the others keep
 * their rows in FTS5 and in graf's lists, and searches see the edit. */
START_TEST(test_edit_paragraph)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	graf_update_stats st;
	sqlite3_int64 id;
	char *sql, *others_before, *others_after;

	updateOk(idx, NULL);
	id = articleOf(idx, blocks_file);
	ck_assert_int_eq(matchCount(idx, "superpowers"), 1);
	ck_assert_int_eq(matchCount(idx, "quokka"), 0);
	/* "Navigating Between Superpowers" is neither the first paragraph
	 * nor the last */
	sql = sqlite3_mprintf("SELECT group_concat(rowid || ' ' || body, '|') FROM (SELECT rowid, "
			      "body FROM para WHERE rowid >> %d = %lld AND body NOT LIKE "
			      "'Navigating%%' ORDER BY rowid)",
			      GRAFI_PARA_BITS, (long long)id);
	others_before = queryText(idx, sql);
	editFile(blocks_file, "Navigating Between Superpowers", "Navigating Between Quokkas");
	st = updateOk(idx, NULL);
	ck_assert_int_eq(st.updated, 1);
	ck_assert_int_eq(st.paragraphs, 1);
	ck_assert_int_eq(articleOf(idx, blocks_file), id);
	ck_assert_int_eq(paraRowsOf(idx, id), paragraphsOf(blocks_file));
	ck_assert_int_eq(matchCount(idx, "superpowers"), 0);
	ck_assert_int_eq(matchCount(idx, "quokka"), 1);
	others_after = queryText(idx, sql);
	ck_assert_str_eq(others_before, others_after);
	/* graf's own lists agree with FTS5, the kept rows and the new one */
	ck_assert_int_eq(searchCount(idx, "quokkas"), 1);
	ck_assert_int_eq(searchCount(idx, "superpowers"), 0);
	ck_assert_int_eq(searchCount(idx, "huang"), matchCount(idx, "huang"));
	free(others_before);
	free(others_after);
	sqlite3_free(sql);
	free(dumpIndex(idx));
	graf_index_close(idx);
}
END_TEST

/* A handle that searched, then updated the index, searches what it wrote:
 * the top-k search's cached tombstones are read again (PRAGMA
 * data_version, which tells when to, does not count the handle's own
 * commits). */
START_TEST(test_search_after_update)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);

	updateOk(idx, NULL);
	ck_assert_int_eq(searchCount(idx, "superpowers"), 1);
	editFile(blocks_file, "Navigating Between Superpowers", "Navigating Between Quokkas");
	updateOk(idx, NULL);
	ck_assert_int_eq(searchCount(idx, "superpowers"), 0);
	ck_assert_int_eq(searchCount(idx, "quokkas"), 1);
	graf_index_close(idx);
}
END_TEST

/* Rows of the text store's TABLE; where = an SQL condition on id, or NULL. */
static sqlite3_int64
storeRows(graf_index *idx, const char *table, const char *where)
{
	char *sql = sqlite3_mprintf("SELECT count(*) FROM %s WHERE %s", table,
				    where ? where : "1");
	sqlite3_int64 n = queryInt(idx, sql);

	sqlite3_free(sql);
	return n;
}

/* graf_index_check() finds nothing wrong with IDX. */
static void
assertSound(graf_index *idx)
{
	long problems = -1;

	ck_assert_msg(graf_index_check(idx, NULL, NULL, &problems) == GRAF_STATUS_OK,
		      "check: %s", graf_index_errmsg(idx));
	ck_assert_int_eq(problems, 0);
}

/* PRAGMA journal_mode of IDX's file ("wal", "delete"); static buffer. */
static const char *
journalMode(graf_index *idx)
{
	static char mode[16];
	sqlite3_stmt *stmt;

	ck_assert_int_eq(sqlite3_prepare_v2(graf_index_db(idx), "PRAGMA journal_mode", -1, &stmt,
					    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return mode;
}

/*
 * An index's first build writes the new file directly (rollback-journal
 * mode, no WAL to copy back), then the index goes to WAL mode, as it stays:
 * after that update, and when the handle that created it closes without
 * one.  An index that existed before is in WAL mode from the open on.
 */
START_TEST(test_first_build_mode)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	char *wal = ck_printf("%s-wal", db_path);

	ck_assert_str_eq(journalMode(idx), "delete");
	updateOk(idx, NULL);
	ck_assert_str_eq(journalMode(idx), "wal");
	assertSound(idx);
	graf_index_close(idx);
	ck_assert(ck_exists(wal));
	idx = openIndex(GRAF_OPEN_WRITE);
	ck_assert_str_eq(journalMode(idx), "wal");
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 2);
	graf_index_close(idx);

	/* created, then closed without an update */
	ck_assert_int_eq(unlink(db_path), 0);
	unlink(wal);
	wal[strlen(wal) - 3] = '\0';
	strcat(wal, "shm");
	unlink(wal);
	idx = openIndex(GRAF_OPEN_WRITE);
	ck_assert_str_eq(journalMode(idx), "delete");
	graf_index_close(idx);
	idx = openIndex(GRAF_OPEN_READ);
	ck_assert_str_eq(journalMode(idx), "wal");
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 0);
	graf_index_close(idx);
	free(wal);
}
END_TEST

/* The number of vocabulary blocks in IDX. */
static long
vocabBlocks(graf_index *idx)
{
	return queryInt(idx, "SELECT count(*) FROM vocab");
}

/*
 * The vocabulary's blocks follow every update (vocab.c): with blocks of a
 * few terms, an update that brings terms before the first block, after
 * the last and among the others splits blocks; one that takes an
 * article's terms away empties blocks and drops them (blocks that only
 * shrink stay: merging them would rewrite their neighbours); each time --check
 * finds the blocks equal to post_df's terms, and "did you mean" reads
 * them.
 */
START_TEST(test_vocab_blocks)
{
	graf_index *idx;
	long blocks;
	graf_query *q = NULL;
	char *s = NULL;

	setenv("GRAF_DEBUG_VOCAB_BYTES", "24", 1);
	idx = openIndex(GRAF_OPEN_WRITE);
	updateOk(idx, NULL);
	blocks = vocabBlocks(idx);
	ck_assert_int_gt(blocks, 100);
	assertSound(idx);

	editFile(blocks_file, "Navigating Between Superpowers",
		 "Navigating Between 000aardvark Quokkas zzzyzzyva Mmmmarmot");
	updateOk(idx, NULL);
	assertSound(idx);
	ck_assert_int_gt(vocabBlocks(idx), blocks);
	blocks = vocabBlocks(idx);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM vocab WHERE first = "
				       "CAST('000aardvark' AS BLOB)"), 1);
	ck_assert_int_eq(graf_query_run(idx, "zzzyzzyvaa", NULL, &q), GRAF_STATUS_OK);
	ck_assert_ptr_null(graf_query_next(q));
	ck_assert_int_eq(graf_query_suggest(q, &s), GRAF_STATUS_OK);
	ck_assert_pstr_eq(s, "zzzyzzyva");
	free(s);
	graf_query_free(q);

	/* an article gone: its own terms go */
	ck_assert_int_eq(unlink(blocks_file), 0);
	updateOk(idx, NULL);
	assertSound(idx);
	ck_assert_int_lt(vocabBlocks(idx), blocks);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM vocab WHERE first = "
				       "CAST('000aardvark' AS BLOB)"), 0);

	/* and back */
	{
		char *src = ck_srcpath("corpus/" CK_CORPUS_BLOCKS);

		ck_copy_file(src, blocks_file);
		free(src);
	}
	updateOk(idx, NULL);
	assertSound(idx);
	ck_assert_int_gt(vocabBlocks(idx), 100);
	graf_index_close(idx);
	unsetenv("GRAF_DEBUG_VOCAB_BYTES");
}
END_TEST

/*
 * The text store's two tables (store.c): a new index is all in para_text;
 * a paragraph an update writes among the others goes to para_text_delta,
 * out of para_text, and is read through para_body like the rest; a run
 * that leaves the delta with more than a sixteenth of the paragraphs moves
 * it into para_text.  The index is the same as one built from scratch.
 */
START_TEST(test_text_delta)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE), *fresh;
	sqlite3_int64 total, id, row;
	char *where, *dump, *fresh_dump, *fresh_path;

	updateOk(idx, NULL);
	total = storeRows(idx, "para_text", NULL);
	ck_assert_int_gt(total, 32);  /* one edit stays below the merge share */
	ck_assert_int_eq(storeRows(idx, "para_text_delta", NULL), 0);

	/* A paragraph in the middle: ids above it are stored. */
	id = articleOf(idx, blocks_file);
	editFile(blocks_file, "Navigating Between Superpowers", "Navigating Between Quokkas");
	updateOk(idx, NULL);
	row = queryInt(idx, "SELECT rowid FROM para WHERE para MATCH 'quokka'");
	ck_assert_int_eq(row >> GRAFI_PARA_BITS, id);
	ck_assert_int_lt(row, queryInt(idx, "SELECT max(id) FROM para_text"));
	where = sqlite3_mprintf("id = %lld", (long long)row);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", NULL), 1);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", where), 1);
	ck_assert_int_eq(storeRows(idx, "para_text", where), 0);
	ck_assert_int_eq(storeRows(idx, "para_text", NULL), total - 1);
	ck_assert_int_eq(storeRows(idx, "para_body", where), 1);
	ck_assert_int_eq(storeRows(idx, "para_body", "body LIKE '%Quokkas%'"), 1);
	ck_assert_int_eq(searchCount(idx, "quokkas"), 1);
	ck_assert_int_eq(searchCount(idx, "superpowers"), 0);
	assertSound(idx);

	/* Edited again: still one row, in the delta. */
	editFile(blocks_file, "Navigating Between Quokkas", "Navigating Between Wombats");
	updateOk(idx, NULL);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", NULL), 1);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", where), 1);
	ck_assert_int_eq(searchCount(idx, "wombats"), 1);
	ck_assert_int_eq(searchCount(idx, "quokkas"), 0);

	/* Most paragraphs of the article: the delta passes its share of the
	 * paragraphs and is merged into para_text. */
	for (int i = 0; i < 12; i++)
		editFile(blocks_file, " the ", " THE ");
	updateOk(idx, NULL);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", NULL), 0);
	ck_assert_int_eq(storeRows(idx, "para_text", NULL), total);
	ck_assert_int_eq(storeRows(idx, "para_text", where), 1);
	ck_assert_int_eq(searchCount(idx, "wombats"), 1);
	assertSound(idx);

	/* Edited once more, then the article removed: both tables let go. */
	editFile(blocks_file, "Navigating Between Wombats", "Navigating Between Quokkas");
	updateOk(idx, NULL);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", NULL), 1);
	dump = dumpIndex(idx);
	/* the same as an index built from these files */
	fresh_path = ck_printf("%s/fresh.db", dir);
	ck_assert_int_eq(graf_index_open(fresh_path, GRAF_OPEN_WRITE, NULL, &fresh, NULL),
			 GRAF_STATUS_OK);
	updateOk(fresh, NULL);
	fresh_dump = dumpIndex(fresh);
	ck_assert_str_eq(dump, fresh_dump);
	graf_index_close(fresh);
	ck_assert_int_eq(unlink(blocks_file), 0);
	updateOk(idx, NULL);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", NULL), 0);
	ck_assert_int_eq(storeRows(idx, "para_text", NULL), paragraphsOf(lines_file));
	assertSound(idx);
	free(fresh_dump);
	free(dump);
	free(fresh_path);
	sqlite3_free(where);
	graf_index_close(idx);
}
END_TEST

/* A new headline and the same paragraphs: only the headline is written. */
START_TEST(test_edit_title)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	graf_update_stats st;

	updateOk(idx, NULL);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM head WHERE head MATCH 'wombat'"), 0);
	editFile(blocks_file, "Nvidia CEO Praises", "Nvidia CEO Praises Wombat and");
	st = updateOk(idx, NULL);
	ck_assert_int_eq(st.updated, 1);
	ck_assert_int_eq(st.paragraphs, 0);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM head WHERE head MATCH 'wombat'"), 1);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM head WHERE head MATCH 'praises'"), 1);
	free(dumpIndex(idx));
	graf_index_close(idx);
}
END_TEST

START_TEST(test_delete_one)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	Recorder r = { 0 };
	graf_update_stats st;
	sqlite3_int64 blocks_id;
	long n_lines = paragraphsOf(lines_file);

	updateOk(idx, NULL);
	blocks_id = articleOf(idx, blocks_file);
	ck_assert_int_eq(matchCount(idx, "bytedance"), 1);
	ck_assert_int_eq(unlink(blocks_file), 0);
	st = updateOk(idx, &r);
	ck_assert_int_eq(st.removed, 1);
	ck_assert_int_eq(st.unchanged, 1);
	ck_assert_int_eq(st.added + st.updated + st.skipped + st.paragraphs, 0);
	ck_assert_ptr_nonnull(strstr(r.changed, "removed "));
	ck_assert_ptr_nonnull(strstr(strstr(r.changed, "removed "), blocks_file));

	ck_assert_int_eq(paraRowsOf(idx, blocks_id), 0);
	ck_assert_int_eq(articleOf(idx, blocks_file), 0);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM source"), 1);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM para"), n_lines);
	ck_assert_int_eq(matchCount(idx, "bytedance"), 0);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM head WHERE head MATCH 'praises'"), 0);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM head WHERE head MATCH 'backs'"), 1);
	free(dumpIndex(idx));
	graf_index_close(idx);
}
END_TEST

START_TEST(test_add_one)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	graf_update_stats st;
	char *path = ck_printf("%s/sub/zz-new.txt", corpus);
	char *subdir = ck_printf("%s/sub", corpus);

	updateOk(idx, NULL);
	ck_assert_int_eq(mkdir(subdir, 0777), 0);
	ck_write_string(path, "Zebras Escape\n\nThree zebras left the zoo.\n\nThey came back.\n");
	st = updateOk(idx, NULL);
	ck_assert_int_eq(st.added, 1);
	ck_assert_int_eq(st.unchanged, 2);
	ck_assert_int_eq(st.updated + st.removed + st.skipped, 0);
	ck_assert_int_eq(st.paragraphs, 2);
	ck_assert_int_eq(paraRowsOf(idx, articleOf(idx, path)), 2);
	/* Headlines are not paragraphs: only the first paragraph has it. */
	ck_assert_int_eq(matchCount(idx, "zebra"), 1);
	free(path);
	free(subdir);
	graf_index_close(idx);
}
END_TEST

/* Articles under paths not given to this run are left alone. */
START_TEST(test_other_roots_kept)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	char *other = ck_printf("%s/other", dir);
	char *file = ck_printf("%s/other/a.txt", dir);
	graf_update_stats st;

	ck_assert_int_eq(mkdir(other, 0777), 0);
	ck_write_string(file, "Other\n\nSomething else entirely.\n");
	updateOk(idx, NULL);
	ck_assert_int_eq(updateFrom(idx, other, NULL, &st), GRAF_STATUS_OK);
	ck_assert_int_eq(st.added, 1);
	ck_assert_int_eq(st.removed, 0);
	/* corpus/ loses a file, but this run is about other/ only. */
	ck_assert_int_eq(unlink(lines_file), 0);
	ck_assert_int_eq(updateFrom(idx, other, NULL, &st), GRAF_STATUS_OK);
	ck_assert_int_eq(st.removed, 0);
	ck_assert_int_eq(st.unchanged, 1);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 3);
	/* A prefix of a name is not a parent directory: "corpus" is not
	 * under "corp". */
	{
		char *corp = ck_printf("%s/corp", dir);

		ck_assert_int_eq(mkdir(corp, 0777), 0);
		ck_assert_int_eq(updateFrom(idx, corp, NULL, &st), GRAF_STATUS_OK);
		ck_assert_int_eq(st.removed, 0);
		free(corp);
	}
	ck_assert_int_eq(updateOk(idx, NULL).removed, 1);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 2);
	free(other);
	free(file);
	graf_index_close(idx);
}
END_TEST

/* Directories give *.txt files, not hidden ones; a named file is read
 * whatever its name. */
START_TEST(test_walk_names)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	char *md = ck_printf("%s/notes.md", corpus);
	char *hidden = ck_printf("%s/.hidden.txt", corpus);
	char *git = ck_printf("%s/.git", corpus);
	char *git_file = ck_printf("%s/.git/x.txt", corpus);
	graf_update_stats st;

	ck_write_string(md, "Markdown\n\nNot an article by its name.\n");
	ck_write_string(hidden, "Hidden\n\nXylophone.\n");
	ck_assert_int_eq(mkdir(git, 0777), 0);
	ck_write_string(git_file, "Git\n\nXylophone.\n");
	st = updateOk(idx, NULL);
	ck_assert_int_eq(st.added, 2);
	ck_assert_int_eq(st.skipped + st.warnings, 0);
	ck_assert_int_eq(updateFrom(idx, md, NULL, &st), GRAF_STATUS_OK);
	ck_assert_int_eq(st.added, 1);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 3);
	ck_assert_int_eq(matchCount(idx, "xylophone"), 0);
	free(md);
	free(hidden);
	free(git);
	free(git_file);
	graf_index_close(idx);
}
END_TEST

/*
 * Changed text files are applied in batches, one savepoint each; a file
 * that fails alone inside a batch (here a trigger refuses its article, as
 * SQLite refuses a value too big) is skipped with a warning, and the other
 * files of its batch, before and after it, are applied once and reported
 * once, in order.
 */
START_TEST(test_file_fails_in_batch)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	char *first = ck_printf("%s/aaa.txt", corpus);
	char *refused = ck_printf("%s/ooo-refused.txt", corpus);
	char *last = ck_printf("%s/zzz.txt", corpus);
	char *want;
	Recorder r = { 0 };
	graf_update_stats st;

	ck_write_string(first, "First\n\nA quokka smiles at the camera.\n");
	ck_write_string(refused, "Refused\n\nA wombat digs a burrow.\n");
	ck_write_string(last, "Last\n\nA numbat eats termites.\n");
	ck_assert_int_eq(sqlite3_exec(graf_index_db(idx),
				      "CREATE TEMP TRIGGER refuse_add BEFORE INSERT ON article"
				      " WHEN new.docid LIKE '%ooo-refused.txt'"
				      " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
				      NULL, NULL, NULL), SQLITE_OK);

	st = updateOk(idx, &r);
	ck_assert_int_eq(st.added, 4);
	ck_assert_int_eq(st.skipped, 1);
	ck_assert_int_eq(st.warnings, 1);
	ck_assert_int_eq(r.warnings, 1);
	ck_assert_msg(strstr(r.warned, "ooo-refused.txt: cannot index: ") &&
		      strstr(r.warned, "refused by the test; skipped"), "warnings:\n%s", r.warned);
	want = ck_printf("added %s\nadded %s\nadded %s\nskipped %s\nadded %s\n", first, lines_file,
			 blocks_file, refused, last);
	ck_assert_str_eq(r.changed, want);
	free(want);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 4);
	ck_assert_int_eq(matchCount(idx, "quokka"), 1);
	ck_assert_int_eq(matchCount(idx, "numbat"), 1);
	ck_assert_int_eq(matchCount(idx, "wombat"), 0);
	assertSound(idx);

	/* Updates on both sides of it, in the same batch. */
	editFile(first, "quokka", "quoll");
	editFile(last, "numbat", "bilby");
	memset(&r, 0, sizeof r);
	st = updateOk(idx, &r);
	ck_assert_int_eq(st.updated, 2);
	ck_assert_int_eq(st.unchanged, 2);
	ck_assert_int_eq(st.skipped, 1);
	ck_assert_int_eq(st.added + st.removed, 0);
	want = ck_printf("updated %s\nunchanged %s\nunchanged %s\nskipped %s\nupdated %s\n", first,
			 lines_file, blocks_file, refused, last);
	ck_assert_str_eq(r.changed, want);
	free(want);
	ck_assert_int_eq(matchCount(idx, "quoll"), 1);
	ck_assert_int_eq(matchCount(idx, "quokka"), 0);
	ck_assert_int_eq(matchCount(idx, "bilby"), 1);
	ck_assert_int_eq(matchCount(idx, "numbat"), 0);
	assertSound(idx);

	/* Refused no more: the next run adds it, and only it. */
	ck_assert_int_eq(sqlite3_exec(graf_index_db(idx), "DROP TRIGGER temp.refuse_add", NULL, NULL,
				      NULL), SQLITE_OK);
	st = updateOk(idx, NULL);
	ck_assert_int_eq(st.added, 1);
	ck_assert_int_eq(st.unchanged, 4);
	ck_assert_int_eq(st.updated + st.removed + st.skipped + st.warnings, 0);
	ck_assert_int_eq(matchCount(idx, "wombat"), 1);
	assertSound(idx);
	free(first);
	free(refused);
	free(last);
	graf_index_close(idx);
}
END_TEST

/*
 * A directory of many changed text files is read ahead on the pipe (more
 * than UPDATE_PIPE_FILES of them): the same articles, warnings, reports and
 * progress, in the walk's order, as a file at a time; a file failing alone
 * among them (a trigger refuses it) is skipped, and the others are applied
 * once.
 */
#define PIPED_FILES 80

static char *
pipedPath(int i)
{
	return ck_printf("%s/p%03d.txt", corpus, i);
}

START_TEST(test_piped_text_files)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	Recorder *r = calloc(1, sizeof *r);
	char want[16384] = "", *path, *word;
	graf_update_stats st;
	size_t len;

	ck_assert_ptr_nonnull(r);
	for (int i = 0; i < PIPED_FILES; i++) {
		char text[200];

		path = pipedPath(i);
		snprintf(text, sizeof text, "Piece %d\n\nA paragraph with the word zx%03dq in it.\n", i, i);
		if (i == 10 || i == 30) {
			char *src = ck_srcpath(i == 10 ? "tests/data/binary.txt" : "tests/data/cp1252.txt");

			ck_copy_file(src, path);
			free(src);
		} else {
			ck_write_string(path, i == 20 ? "" : text);
		}
		free(path);
	}
	ck_assert_int_eq(sqlite3_exec(graf_index_db(idx),
				      "CREATE TEMP TRIGGER refuse_add BEFORE INSERT ON article"
				      " WHEN new.docid LIKE '%p040.txt'"
				      " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
				      NULL, NULL, NULL), SQLITE_OK);

	st = updateOk(idx, r);
	ck_assert_int_eq(st.added, 2 + PIPED_FILES - 3);
	ck_assert_int_eq(st.skipped, 3);
	ck_assert_int_eq(st.warnings, 4);  /* binary, empty, Windows-1252, refused */
	ck_assert_int_eq(r->files_done, 2 + PIPED_FILES);
	len = strlen(want);
	snprintf(want + len, sizeof want - len, "added %s\nadded %s\n", lines_file, blocks_file);
	for (int i = 0; i < PIPED_FILES; i++) {
		path = pipedPath(i);
		len = strlen(want);
		snprintf(want + len, sizeof want - len, "%s %s\n",
			 i == 10 || i == 20 || i == 40 ? "skipped" : "added", path);
		free(path);
	}
	ck_assert_str_eq(r->changed, want);
	ck_assert_msg(strstr(r->warned, "p040.txt: cannot index: ") != NULL, "%s", r->warned);
	ck_assert_msg(strstr(r->warned, "p030.txt: not valid UTF-8") != NULL, "%s", r->warned);
	for (int i = 0; i < PIPED_FILES; i++) {
		word = ck_printf("zx%03dq", i);
		ck_assert_int_eq(matchCount(idx, word), i == 10 || i == 20 || i == 30 || i == 40 ? 0 : 1);
		free(word);
	}
	assertSound(idx);

	/* Most of them edited, the trigger gone: updated, and the refused one
	 * added, read ahead again. */
	for (int i = 0; i < PIPED_FILES; i++) {
		char *from, *to;

		if (i == 10 || i == 20 || i == 30)
			continue;
		path = pipedPath(i);
		from = ck_printf("zx%03dq", i);
		to = ck_printf("yq%03dz", i);
		editFile(path, from, to);
		free(from);
		free(to);
		free(path);
	}
	ck_assert_int_eq(sqlite3_exec(graf_index_db(idx), "DROP TRIGGER temp.refuse_add", NULL, NULL,
				      NULL), SQLITE_OK);
	memset(r, 0, sizeof *r);
	st = updateOk(idx, r);
	ck_assert_int_eq(st.updated, PIPED_FILES - 4);
	ck_assert_int_eq(st.added, 1);
	ck_assert_int_eq(st.unchanged, 3);  /* the two others, and p030 */
	ck_assert_int_eq(st.skipped, 2);
	ck_assert_int_eq(r->files_done, 2 + PIPED_FILES);
	for (int i = 0; i < PIPED_FILES; i++) {
		bool edited = i != 10 && i != 20 && i != 30;

		word = ck_printf("yq%03dz", i);
		ck_assert_int_eq(matchCount(idx, word), edited ? 1 : 0);
		free(word);
		word = ck_printf("zx%03dq", i);
		ck_assert_int_eq(matchCount(idx, word), 0);
		free(word);
	}
	assertSound(idx);
	free(r);
	graf_index_close(idx);
}
END_TEST

/* Empty and binary files are skipped with a warning naming them; the other
 * files are indexed; Windows-1252 is read with a warning. */
START_TEST(test_skipped_files)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	char *empty = addFixture("empty.txt", "empty.txt");
	char *blank = addFixture("blank.txt", "blank.txt");
	char *binary = addFixture("binary.txt", "binary.txt");
	char *cp1252 = addFixture("cp1252.txt", "cp1252.txt");
	Recorder r = { 0 };
	graf_update_stats st = updateOk(idx, &r);
	char *line;

	ck_assert_int_eq(st.added, 3);
	ck_assert_int_eq(st.skipped, 3);
	ck_assert_int_eq(st.warnings, 4);
	ck_assert_int_eq(r.warnings, 4);
	ck_assert_int_eq(r.changes[GRAF_CHANGE_SKIPPED], 3);
	line = ck_printf("%s: ", empty);
	ck_assert_msg(strstr(r.warned, line) != NULL, "warnings:\n%s", r.warned);
	free(line);
	line = ck_printf("%s: ", blank);
	ck_assert_msg(strstr(r.warned, line) != NULL, "warnings:\n%s", r.warned);
	free(line);
	line = ck_printf("%s: binary", binary);
	ck_assert_msg(strstr(r.warned, line) != NULL, "warnings:\n%s", r.warned);
	free(line);
	line = ck_printf("%s: not valid UTF-8; read as Windows-1252", cp1252);
	ck_assert_msg(strstr(r.warned, line) != NULL, "warnings:\n%s", r.warned);
	free(line);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 3);
	ck_assert_int_eq(matchCount(idx, "cafe"), 1);
	ck_assert_int_eq(matchCount(idx, "naive"), 1);
	ck_assert_int_eq(matchCount(idx, "binary"), 0);

	/* The next run warns about them again, and changes nothing. */
	memset(&r, 0, sizeof r);
	st = updateOk(idx, &r);
	ck_assert_int_eq(st.skipped, 3);
	ck_assert_int_eq(st.unchanged, 3);
	ck_assert_int_eq(st.added + st.updated + st.removed, 0);
	ck_assert_int_eq(r.changes[GRAF_CHANGE_SKIPPED], 3);
	free(empty);
	free(blank);
	free(binary);
	free(cp1252);
	graf_index_close(idx);
}
END_TEST

/* A file that becomes empty loses its article (with a warning). */
START_TEST(test_file_emptied)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	Recorder r = { 0 };
	graf_update_stats st;
	sqlite3_int64 id;

	updateOk(idx, NULL);
	id = articleOf(idx, blocks_file);
	ck_write_string(blocks_file, "");
	st = updateOk(idx, &r);
	ck_assert_int_eq(st.removed, 1);
	ck_assert_int_eq(st.skipped, 1);
	ck_assert_int_eq(st.unchanged, 1);
	ck_assert_int_eq(paraRowsOf(idx, id), 0);
	ck_assert_ptr_nonnull(strstr(r.warned, blocks_file));
	free(dumpIndex(idx));
	graf_index_close(idx);
}
END_TEST

START_TEST(test_language)
{
	graf_index *idx;
	char *msg;
	const char *root = corpus;

	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_WRITE, "german", &idx, NULL),
			 GRAF_STATUS_OK);
	ck_assert_str_eq(graf_index_language(idx), "german");
	ck_assert_int_eq(graf_index_update(idx, &root, 1, NULL, NULL), GRAF_STATUS_OK);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM meta WHERE key = 'tokenizer' "
				       "AND value LIKE 'graf german %'"), 1);
	/* The German stemmer leaves English "-ing" alone: "licensing" finds
	 * only the paragraphs that spell it so, not those with "licenses"
	 * (as the English one would). */
	ck_assert_int_gt(queryInt(idx, "SELECT count(*) FROM para WHERE body LIKE '%licensing%'"), 0);
	ck_assert_int_eq(matchCount(idx, "licensing"),
			 queryInt(idx, "SELECT count(*) FROM para WHERE body LIKE '%licensing%'"));
	ck_assert_int_lt(matchCount(idx, "licensing"),
			 queryInt(idx, "SELECT count(*) FROM para WHERE body LIKE '%licens%'"));
	graf_index_close(idx);

	/* The language is the index's: NULL or the same name open it... */
	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_READ, NULL, &idx, NULL), GRAF_STATUS_OK);
	ck_assert_str_eq(graf_index_language(idx), "german");
	graf_index_close(idx);
	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_WRITE, "german", &idx, NULL),
			 GRAF_STATUS_OK);
	graf_index_close(idx);
	/* ... another one is refused, naming both. */
	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_WRITE, "english", &idx, &msg),
			 GRAF_STATUS_BAD_ARGUMENT);
	ck_assert_ptr_null(idx);
	ck_assert_msg(strstr(msg, "german") && strstr(msg, "english") && strstr(msg, "--rebuild"),
		      "message: %s", msg);
	free(msg);
}
END_TEST

/* ------------------------------------------------------------- limits -- */

/* Many small files in nested directories, then half of them removed. */
START_TEST(test_many_files)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	graf_update_stats st;
	int n = 300;

	for (int i = 0; i < n; i++) {
		char *d = ck_printf("%s/d%02d", corpus, i % 10);
		char *f = ck_printf("%s/f%03d.txt", d, i);
		char *text = ck_printf("Article %d\n\nParagraph one of %d.\n\nword%d appears here.\n",
				       i, i, i);

		mkdir(d, 0777);
		ck_write_string(f, text);
		free(d);
		free(f);
		free(text);
	}
	st = updateOk(idx, NULL);
	ck_assert_int_eq(st.added, n + 2);
	ck_assert_int_eq(matchCount(idx, "word123"), 1);
	ck_assert_int_eq(matchCount(idx, "paragraph"), n);
	for (int i = 0; i < n; i += 2) {
		char *f = ck_printf("%s/d%02d/f%03d.txt", corpus, i % 10, i);

		ck_assert_int_eq(unlink(f), 0);
		free(f);
	}
	st = updateOk(idx, NULL);
	ck_assert_int_eq(st.removed, n / 2);
	ck_assert_int_eq(st.unchanged, n / 2 + 2);
	ck_assert_int_eq(matchCount(idx, "paragraph"), n / 2);
	free(dumpIndex(idx));
	graf_index_close(idx);
}
END_TEST

/* ------------------------------------------------------ the text store -- */

/* Word number N of a made-up vocabulary of about 3000 words. */
static void
storeWord(unsigned n, char *out)
{
	static const char consonants[] = "bcdfghklmnprstvz", vowels[] = "aeiou";
	int len = 2 + (int)(n % 3);

	for (int i = 0; i < len; i++) {
		*out++ = consonants[(n >> (4 * i)) % 16];
		*out++ = vowels[(n / 7 + (unsigned)i) % 5];
	}
	*out = '\0';
}

/* Paragraph P of article A: about 300 bytes of made-up words, the same
 * each time, with "marka<A>p<P>" in it so that it can be found alone. */
static char *
storeParagraph(int a, int p, int version)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	unsigned x = (unsigned)(a * 131 + p * 7 + version * 1000003) * 2654435761u;
	char word[16];

	sqlite3_str_appendf(s, "Marka%dp%dv%d", a, p, version);
	for (int w = 0; w < 45; w++) {
		x = x * 1103515245u + 12345u;
		/* skewed towards the first words, as text is */
		storeWord((x >> 16) % (1u + ((x >> 8) & 0xff) * 12u), word);
		sqlite3_str_appendf(s, " %s", word);
	}
	sqlite3_str_appendchar(s, 1, '.');
	return sqlite3_str_finish(s);
}

/* Write article A (version VERSION) as a file of the test corpus. */
static void
storeArticle(int a, int version)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char *path = ck_printf("%s/made/a%04d.txt", corpus, a), *text;

	sqlite3_str_appendf(s, "Made-up article %d\n", a);
	for (int p = 1; p <= 10; p++) {
		char *para = storeParagraph(a, p, version);

		sqlite3_str_appendf(s, "\n%s\n", para);
		sqlite3_free(para);
	}
	text = sqlite3_str_finish(s);
	ck_write_string(path, text);
	sqlite3_free(text);
	free(path);
}

/* The text of paragraph P of the article in file A as the index gives it. */
static void
storeAssertText(graf_index *idx, int a, int p, int version)
{
	char *path = ck_printf("%s/made/a%04d.txt", corpus, a);
	sqlite3_int64 id = articleOf(idx, path);
	char *sql = sqlite3_mprintf("SELECT body FROM para_body WHERE id = %lld",
				    (long long)GRAFI_ROWID(id, p));
	char *got = queryText(idx, sql), *want = storeParagraph(a, p, version);

	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(got, want);
	sqlite3_free(want);
	sqlite3_free(sql);
	free(got);
	free(path);
}

/* rows.c: grafi_rows_insert() writes, in one statement, the rows a
 * callback makes (KEYS rows, then SQLITE_DONE; or FAIL_AT's failure). */
typedef struct RowsMaker {
	int keys, made, fail_at;
	char blob[16];
} RowsMaker;

static int
rowsMake(void *arg, grafi_row *row)
{
	RowsMaker *m = arg;

	if (m->made == m->fail_at) {
		row->errmsg = "no more rows today";
		return SQLITE_IOERR;
	}
	if (m->made == m->keys)
		return SQLITE_DONE;
	snprintf(m->blob, sizeof m->blob, "k%05d", m->made);  /* in key order */
	grafi_row_int(row, 0, m->made % 3);
	grafi_row_blob(row, 1, m->blob, strlen(m->blob));
	grafi_row_int(row, 2, (sqlite3_int64)m->made * m->made);
	m->made++;
	return SQLITE_ROW;
}

static sqlite3_int64
rowsCount(graf_index *idx, const char *sql)
{
	sqlite3_stmt *stmt;
	sqlite3_int64 n;

	ck_assert_int_eq(sqlite3_prepare_v2(idx->db, sql, -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

START_TEST(test_rows_insert)
{
	static const char insert[] =
		"INSERT OR FAIL INTO t(k, b, v) SELECT c1, c0, c2 FROM graf_rows";
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	RowsMaker m = { .keys = 5000, .fail_at = -1 };
	sqlite3_int64 sum = 0;

	ck_assert_int_eq(sqlite3_exec(idx->db,
				      "CREATE TABLE t(k BLOB PRIMARY KEY, b INTEGER, v INTEGER)"
				      " WITHOUT ROWID",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(grafi_rows_insert(idx, insert, rowsMake, &m), SQLITE_OK);
	for (sqlite3_int64 i = 0; i < m.keys; i++)
		sum += i * i;
	ck_assert_int_eq(rowsCount(idx, "SELECT count(*) FROM t"), m.keys);
	ck_assert_int_eq(rowsCount(idx, "SELECT sum(v) FROM t"), sum);
	ck_assert_int_eq(rowsCount(idx, "SELECT v FROM t WHERE k = CAST('k04999' AS BLOB)"),
			 4999 * 4999);
	ck_assert_int_eq(rowsCount(idx, "SELECT count(*) FROM t WHERE b = 2"), 1666);
	/* outside a call, the table is empty */
	ck_assert_int_eq(rowsCount(idx, "SELECT count(*) FROM graf_rows"), 0);

	/* the callback's failure fails the statement, with its words */
	ck_assert_int_eq(sqlite3_exec(idx->db, "DELETE FROM t", NULL, NULL, NULL), SQLITE_OK);
	m = (RowsMaker){ .keys = 5000, .fail_at = 1234 };
	ck_assert_int_eq(grafi_rows_insert(idx, insert, rowsMake, &m), SQLITE_IOERR);
	ck_assert_str_eq(sqlite3_errmsg(idx->db), "no more rows today");

	/* the rows are made once: a plan reading them twice is refused */
	m = (RowsMaker){ .keys = 10, .fail_at = -1 };
	ck_assert_int_eq(grafi_rows_insert(idx,
					   "INSERT INTO t(k, b, v) SELECT x.c1, y.c0, 0 "
					   "FROM graf_rows x, graf_rows y",
					   rowsMake, &m),
			 SQLITE_ERROR);
	ck_assert_str_eq(sqlite3_errmsg(idx->db), "graf_rows read twice");
	graf_index_close(idx);
}
END_TEST

/* Damage the index at db_path with SQL, then read a packed paragraph
 * through a new handle: the read fails as corrupt, naming the paragraph
 * damaged. */
static void
storeAssertDamaged(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	graf_index *idx;
	int rc;

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	idx = openIndex(GRAF_OPEN_READ);
	ck_assert_int_eq(sqlite3_prepare_v2(graf_index_db(idx),
					    "SELECT body FROM para_body WHERE id = "
					    "(SELECT id FROM para_text WHERE z >= x'01' LIMIT 1)",
					    -1, &stmt, NULL), SQLITE_OK);
	rc = sqlite3_step(stmt);
	ck_assert_msg(rc == SQLITE_CORRUPT, "%s: %d %s", sql, rc, sqlite3_errmsg(graf_index_db(idx)));
	ck_assert_msg(strstr(sqlite3_errmsg(graf_index_db(idx)), "damaged paragraph"),
		      "%s: %s", sql, sqlite3_errmsg(graf_index_db(idx)));
	sqlite3_finalize(stmt);
	graf_index_close(idx);
}

/* Past 2 MB of text an index trains a dictionary and packs every
 * paragraph with it, those written raw before it included; the text
 * comes back exact, through FTS5 too, and an edited article is unindexed
 * and packed again. */
START_TEST(test_store)
{
	enum { N_ARTICLES = 900 };
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	char *made = ck_printf("%s/made", corpus);
	sqlite3_int64 text_bytes, stored_bytes, raw_rows, rows;

	/* corpus/ alone is too little to train on: kept raw */
	updateOk(idx, NULL);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM zdict"), 0);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM para_text WHERE z >= x'01'"), 0);
	/* a paragraph among the others (one long enough to pack): raw too,
	 * in the delta */
	editFile(blocks_file, "walking a fine line", "walking a fine quokka line");
	updateOk(idx, NULL);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", "z < x'01'"), 1);

	ck_assert_int_eq(mkdir(made, 0777), 0);
	for (int a = 0; a < N_ARTICLES; a++)
		storeArticle(a, 0);
	updateOk(idx, NULL);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM zdict"), 1);
	/* the raw rows of both tables packed */
	ck_assert_int_eq(storeRows(idx, "para_text_delta", "z >= x'01'"), 1);
	rows = queryInt(idx, "SELECT count(*) FROM para_text") +
	       storeRows(idx, "para_text_delta", NULL);
	raw_rows = queryInt(idx, "SELECT count(*) FROM para_text WHERE z < x'01'") +
		   storeRows(idx, "para_text_delta", "z < x'01'");
	text_bytes = queryInt(idx, "SELECT sum(length(CAST(body AS BLOB))) FROM para_body");
	stored_bytes = queryInt(idx, "SELECT sum(length(z)) FROM para_text") +
		       queryInt(idx, "SELECT sum(length(z)) FROM para_text_delta");
	ck_assert_int_eq(rows, N_ARTICLES * 10 + paragraphsOf(lines_file) +
				       paragraphsOf(blocks_file));
	ck_assert_int_gt(text_bytes, 2L << 20);
	/* packed: all but a few; smaller by a third at least */
	ck_assert_msg(raw_rows * 50 < rows, "%lld of %lld rows raw", (long long)raw_rows,
		      (long long)rows);
	ck_assert_msg(stored_bytes * 3 < text_bytes * 2, "%lld bytes stored for %lld",
		      (long long)stored_bytes, (long long)text_bytes);
	/* the first article (raw, then packed), a middle and the last */
	storeAssertText(idx, 0, 1, 0);
	storeAssertText(idx, 0, 10, 0);
	storeAssertText(idx, N_ARTICLES / 2, 5, 0);
	storeAssertText(idx, N_ARTICLES - 1, 10, 0);
	ck_assert_int_eq(matchCount(idx, "marka0p1v0"), 1);
	ck_assert_int_eq(matchCount(idx, "marka899p10v0"), 1);

	/* an edit: the old text unindexed (FTS5 reads it back to do so) */
	storeArticle(7, 1);
	updateOk(idx, NULL);
	ck_assert_int_eq(matchCount(idx, "marka7p3v0"), 0);
	ck_assert_int_eq(matchCount(idx, "marka7p3v1"), 1);
	storeAssertText(idx, 7, 3, 1);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM zdict"), 1);
	/* packed with the index's dictionary, which this run loaded for it,
	 * into the delta (the article is among others) */
	{
		char *a7 = ck_printf("%s/made/a0007.txt", corpus);
		char *where = sqlite3_mprintf("id >> %d = %lld", GRAFI_PARA_BITS,
					      (long long)articleOf(idx, a7));

		ck_assert_int_eq(storeRows(idx, "para_text_delta", where), 10);
		ck_assert_int_eq(storeRows(idx, "para_text_delta", "z < x'01'"), 0);
		ck_assert_int_eq(storeRows(idx, "para_text", where), 0);
		sqlite3_free(where);
		free(a7);
	}
	assertSound(idx);
	graf_index_close(idx);

	/* A damaged dictionary, then none: a packed paragraph is reported
	 * damaged, by a new connection (each keeps the dictionaries it read). */
	storeAssertDamaged("UPDATE zdict SET dict = x'0102030405'");
	storeAssertDamaged("DELETE FROM zdict");
	free(made);
}
END_TEST

/* The changes of a collection's update, as "verb docid\n". */
static void
recDocid(void *ctx, graf_change_t change, const char *path, const char *docid)
{
	static const char *const verbs[GRAF_CHANGE_LAST] = {
		"added", "updated", "removed", "unchanged", "skipped",
	};
	char *out = ctx;
	size_t len = strlen(out);

	(void)path;
	snprintf(out + len, 2048 - len, "%s %s\n", verbs[change], docid ? docid : "-");
}

/* Records of a collection known unchanged by their bytes are reported, with
 * their ids, when report_unchanged asks; a changed one is updated; one in
 * other bytes with the same content stays unchanged. */
START_TEST(test_collection_known)
{
	static const char v1[] = "{\"id\": \"a\", \"title\": \"A\", \"text\": \"alpha one\"}\n"
				 "{\"id\": \"b\", \"title\": \"B\", \"text\": \"beta two\"}\n"
				 "{\"id\": \"c\", \"title\": \"C\", \"text\": \"gamma three\"}\n";
	/* c moved first, b changed, a's keys in another order */
	static const char v2[] = "{\"id\": \"c\", \"title\": \"C\", \"text\": \"gamma three\"}\n"
				 "{\"id\": \"b\", \"title\": \"B\", \"text\": \"beta four\"}\n"
				 "{\"title\": \"A\", \"id\": \"a\", \"text\": \"alpha one\"}\n";
	static const char v3[] = "{\"title\": \"A\", \"id\": \"a\", \"text\": \"alpha one\"}\n"
				 "{\"id\": \"c\", \"title\": \"C\", \"text\": \"gamma three\"}\n"
				 "{\"id\": \"b\", \"title\": \"B\", \"text\": \"beta four\"}\n";
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	char *path = ck_printf("%s/docs.jsonl", corpus);
	char changed[2048] = "";
	graf_update_options o = { 0 };
	graf_update_stats stats;
	const char *root = path;

	o.change = recDocid;
	o.ctx = changed;
	o.report_unchanged = 1;
	ck_write_file(path, v1, sizeof v1 - 1);
	ck_assert_int_eq(graf_index_update(idx, &root, 1, &o, &stats), GRAF_STATUS_OK);
	ck_assert_int_eq(stats.added, 3);
	ck_write_file(path, v2, sizeof v2 - 1);
	changed[0] = '\0';
	ck_assert_int_eq(graf_index_update(idx, &root, 1, &o, &stats), GRAF_STATUS_OK);
	ck_assert_int_eq(stats.updated, 1);
	ck_assert_int_eq(stats.unchanged, 2);
	ck_assert_str_eq(changed, "unchanged c\nupdated b\nunchanged a\n");
	ck_assert_int_eq(matchCount(idx, "four"), 1);
	ck_assert_int_eq(matchCount(idx, "two"), 0);
	/* a's new bytes are known now: the records of v2 in another order */
	ck_write_file(path, v3, sizeof v3 - 1);
	changed[0] = '\0';
	ck_assert_int_eq(graf_index_update(idx, &root, 1, &o, &stats), GRAF_STATUS_OK);
	ck_assert_int_eq(stats.unchanged, 3);
	ck_assert_str_eq(changed, "unchanged a\nunchanged c\nunchanged b\n");
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article WHERE raw = 0"), 0);
	free(path);
	graf_index_close(idx);
}
END_TEST

/* An update with no paths, and one with a path that does not exist. */
START_TEST(test_no_paths)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	graf_update_stats st;
	Recorder r = { 0 };
	char *missing = ck_printf("%s/missing", dir);

	updateOk(idx, NULL);
	ck_assert_int_eq(graf_index_update(idx, NULL, 0, NULL, &st), GRAF_STATUS_OK);
	ck_assert_int_eq(st.added + st.removed + st.unchanged, 0);
	ck_assert_int_eq(updateFrom(idx, missing, &r, &st), GRAF_STATUS_OK);
	ck_assert_int_eq(st.removed, 0);
	/* What was asked for is not indexed: it counts as skipped. */
	ck_assert_int_eq(st.skipped, 1);
	ck_assert_int_eq(r.changes[GRAF_CHANGE_SKIPPED], 1);
	ck_assert_int_eq(r.warnings, 1);
	ck_assert_ptr_nonnull(strstr(r.warned, missing));
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 2);
	free(missing);
	graf_index_close(idx);
}
END_TEST

/* Paths are stored cleaned: "dir//corpus/" and "dir/./corpus" are the
 * same files as "dir/corpus". */
START_TEST(test_path_spelling)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	char *a = ck_printf("%s//corpus/", dir), *b = ck_printf("%s/./corpus", dir);
	graf_update_stats st;

	updateOk(idx, NULL);
	ck_assert_int_eq(updateFrom(idx, a, NULL, &st), GRAF_STATUS_OK);
	ck_assert_int_eq(st.unchanged, 2);
	ck_assert_int_eq(st.added + st.removed, 0);
	ck_assert_int_eq(updateFrom(idx, b, NULL, &st), GRAF_STATUS_OK);
	ck_assert_int_eq(st.unchanged, 2);
	ck_assert_int_eq(st.added + st.removed, 0);
	free(a);
	free(b);
	graf_index_close(idx);
}
END_TEST

/* ------------------------------------------------------------- errors -- */

START_TEST(test_missing_index)
{
	graf_index *idx = (graf_index *)&dir;
	char *msg;

	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_READ, NULL, &idx, &msg),
			 GRAF_STATUS_NO_INDEX);
	ck_assert_ptr_null(idx);
	ck_assert_msg(strstr(msg, db_path) != NULL, "message: %s", msg);
	ck_assert(!ck_exists(db_path));
	free(msg);
	/* Without error_message, too. */
	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_READ, NULL, &idx, NULL),
			 GRAF_STATUS_NO_INDEX);
	graf_index_close(NULL);
	ck_assert_str_ne(graf_index_errmsg(NULL), "");
}
END_TEST

/* Set PRAGMA user_version of the database at PATH with a plain connection. */
static void
setUserVersion(const char *path, int version)
{
	sqlite3 *db;
	char *sql = sqlite3_mprintf("PRAGMA user_version = %d", version);

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	sqlite3_free(sql);
}

/* An index of another schema version is refused, pointing at --rebuild. */
START_TEST(test_schema_version)
{
	static const int versions[] = {
		GRAFI_SCHEMA_VERSION + 1, GRAFI_SCHEMA_VERSION_UPGRADABLE - 1,
	};
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);

	updateOk(idx, NULL);
	graf_index_close(idx);
	for (size_t v = 0; v < 2; v++) {
		setUserVersion(db_path, versions[v]);
		for (int mode = GRAF_OPEN_READ; mode < GRAF_OPEN_LAST; mode++) {
			char *msg;

			ck_assert_int_eq(graf_index_open(db_path, mode, NULL, &idx, &msg),
					 GRAF_STATUS_INDEX_VERSION);
			ck_assert_ptr_null(idx);
			ck_assert_msg(strstr(msg, "--rebuild") && strstr(msg, db_path),
				      "message: %s", msg);
			free(msg);
		}
	}
	/* Nothing was changed: back at the right version it opens and has
	 * its articles. */
	setUserVersion(db_path, GRAFI_SCHEMA_VERSION);
	idx = openIndex(GRAF_OPEN_READ);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 2);
	graf_index_close(idx);
}
END_TEST

/* Turn a version 6 index into the version 5 it would have been: no
 * vocabulary blocks. */
static const char downgrade_v5_sql[] =
	"BEGIN;"
	"DROP TABLE vocab;"
	"UPDATE meta SET value = '5' WHERE key = 'schema_version';"
	"PRAGMA user_version = 5;"
	"COMMIT;";

/* ... into the version 4 it would have been: no blocks either, and the
 * text store in para_text alone, the view reading it. */
static const char downgrade_v4_sql[] =
	"BEGIN;"
	"DROP TABLE vocab;"
	"INSERT INTO para_text SELECT * FROM para_text_delta;"
	"DROP VIEW para_body;"
	"DROP TABLE para_text_delta;"
	"CREATE VIEW para_body(id, body) AS SELECT id, graf_unpack(z) FROM para_text;"
	"UPDATE meta SET value = '4' WHERE key = 'schema_version';"
	"PRAGMA user_version = 4;"
	"COMMIT;";

/* True if IDX has a table (or view) NAME. */
static bool
hasTable(graf_index *idx, const char *name)
{
	char *sql = ck_printf("SELECT count(*) FROM sqlite_master WHERE name = '%s'", name);
	bool has = queryInt(idx, sql) > 0;

	free(sql);
	return has;
}

/* "Did you mean" for TEXT, which must find nothing; malloc'ed or NULL. */
static char *
suggestFor(graf_index *idx, const char *text)
{
	graf_query *q = NULL;
	char *out = NULL;

	ck_assert_int_eq(graf_query_run(idx, text, NULL, &q), GRAF_STATUS_OK);
	ck_assert_ptr_null(graf_query_next(q));
	ck_assert_int_eq(graf_query_suggest(q, &out), GRAF_STATUS_OK);
	graf_query_free(q);
	return out;
}

/*
 * An index of version 4 (before para_text_delta and vocab) or 5 (before
 * vocab), made from a version 6 one by DOWNGRADE, is read and checked as
 * it is (suggestions read post_df), and upgraded, in place and keeping its
 * articles, by its next update, which writes the vocabulary's blocks.
 */
static void
assertUpgrades(const char *downgrade, int version)
{
	graf_index *idx;
	char *before, *after, *s, *src;

	src = ck_srcpath("corpus/" CK_CORPUS_BLOCKS);
	ck_copy_file(src, blocks_file);
	free(src);
	unlink(db_path);
	idx = openIndex(GRAF_OPEN_WRITE);
	updateOk(idx, NULL);
	editFile(blocks_file, "Navigating Between Superpowers", "Navigating Between Quokkas");
	updateOk(idx, NULL);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", NULL), 1);
	before = dumpIndex(idx);
	ck_assert_int_eq(sqlite3_exec(graf_index_db(idx), downgrade, NULL, NULL, NULL), SQLITE_OK);
	graf_index_close(idx);

	/* Read: as it is. */
	idx = openIndex(GRAF_OPEN_READ);
	ck_assert_int_eq(queryInt(idx, "PRAGMA user_version"), version);
	ck_assert_int_eq(searchCount(idx, "quokkas"), 1);
	ck_assert(hasTable(idx, "para_text_delta") == (version >= 5));
	ck_assert(!hasTable(idx, "vocab"));
	s = suggestFor(idx, "Navigatng Quokas");
	ck_assert_pstr_eq(s, "Navigating Quokkas");
	free(s);
	graf_index_close(idx);

	/* Opened to write and checked: sound, and still as it was. */
	idx = openIndex(GRAF_OPEN_WRITE);
	assertSound(idx);
	ck_assert_int_eq(queryInt(idx, "PRAGMA user_version"), version);
	ck_assert(!hasTable(idx, "vocab"));

	/* Updated, with nothing to change: upgraded, the same articles. */
	updateOk(idx, NULL);
	ck_assert_int_eq(queryInt(idx, "PRAGMA user_version"), GRAFI_SCHEMA_VERSION);
	ck_assert_int_eq(queryInt(idx, "SELECT value FROM meta WHERE key = 'schema_version'"),
			 GRAFI_SCHEMA_VERSION);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", NULL), version >= 5 ? 1 : 0);
	ck_assert_int_gt(queryInt(idx, "SELECT count(*) FROM vocab"), 0);
	after = dumpIndex(idx);
	ck_assert_str_eq(before, after);
	assertSound(idx);
	s = suggestFor(idx, "Navigatng Quokas");
	ck_assert_pstr_eq(s, "Navigating Quokkas");
	free(s);
	editFile(blocks_file, "Navigating Between Quokkas", "Navigating Between Wombats");
	updateOk(idx, NULL);
	ck_assert_int_eq(searchCount(idx, "wombats"), 1);
	ck_assert_int_eq(searchCount(idx, "quokkas"), 0);
	assertSound(idx);
	s = suggestFor(idx, "Wombts");
	ck_assert_pstr_eq(s, "Wombats");
	free(s);
	free(before);
	free(after);
	graf_index_close(idx);
}

START_TEST(test_schema_upgrade)
{
	assertUpgrades(downgrade_v4_sql, 4);
	assertUpgrades(downgrade_v5_sql, 5);
}
END_TEST

/* Each problem graf_index_check() reports, one per line, into a string. */
static void
recProblem(void *ctx, const char *message)
{
	char **all = ctx;
	char *more = ck_printf("%s%s\n", *all ? *all : "", message);

	free(*all);
	*all = more;
}

/*
 * Copy the index at GOOD, damage the copy with SQL, and check it: the check
 * fails, and one of the problems it reports reads WANT.
 */
static void
checkAssertFinds(const char *good, const char *sql, const char *want)
{
	char *path = ck_printf("%s/damaged.db", dir), *problems = NULL;
	graf_index *idx;
	long n = -1;

	ck_copy_file(good, path);
	ck_assert_int_eq(graf_index_open(path, GRAF_OPEN_WRITE, NULL, &idx, NULL), GRAF_STATUS_OK);
	ck_assert_msg(sqlite3_exec(graf_index_db(idx), sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s",
		      sql, sqlite3_errmsg(graf_index_db(idx)));
	ck_assert_int_eq(graf_index_check(idx, recProblem, &problems, &n), GRAF_STATUS_BAD_INDEX);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(problems && strstr(problems, want), "%s: wanted '%s', found:\n%s", sql, want,
		      problems ? problems : "(nothing)");
	ck_assert_ptr_nonnull(strstr(graf_index_errmsg(idx), "graf-index --rebuild"));
	graf_index_close(idx);
	ck_assert_int_eq(unlink(path), 0);
	free(problems);
	free(path);
}

/*
 * graf-index --check's own checks of the text store and the tables around
 * it, each made to fire by the damage it names: in an index with a delta
 * table (version 5) and in one of the format before (version 4), which is
 * checked as it is.
 */
START_TEST(test_check_finds)
{
	/* an id beyond every article's paragraphs, a packed text "x" */
	static const char orphan_sql[] =
		"INSERT INTO %s(id, z) SELECT ((SELECT max(id) FROM article) + 7) << "
		GRAFI_PARA_BITS_SQL ", x'0078'";
	char *good = ck_printf("%s/good.db", dir), *sql;
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);

	updateOk(idx, NULL);
	editFile(blocks_file, "Navigating Between Superpowers", "Navigating Between Quokkas");
	updateOk(idx, NULL);
	ck_assert_int_eq(storeRows(idx, "para_text_delta", NULL), 1);
	assertSound(idx);
	graf_index_close(idx);
	ck_copy_file(db_path, good);

	/* version 5 */
	checkAssertFinds(good,
			 "INSERT INTO para_text_delta SELECT * FROM para_text"
			 " WHERE id = (SELECT min(id) FROM para_text)",
			 "1 paragraphs stored twice");
	sql = sqlite3_mprintf(orphan_sql, "para_text_delta");
	checkAssertFinds(good, sql, "1 paragraphs without their article");
	sqlite3_free(sql);
	sql = sqlite3_mprintf(orphan_sql, "para_text");
	checkAssertFinds(good, sql, "1 paragraphs without their article");
	sqlite3_free(sql);
	checkAssertFinds(good, "DELETE FROM para_text_delta",
			 "1 articles whose paragraph count is wrong");
	checkAssertFinds(good, "UPDATE article SET paragraphs = paragraphs + 1"
			       " WHERE id = (SELECT max(id) FROM article)",
			 "1 articles whose paragraph count is wrong");
	checkAssertFinds(good, "DELETE FROM source WHERE id = (SELECT min(source) FROM article)",
			 "articles without their source file");
	/* the vocabulary's blocks: a term missing, bytes malformed, a key
	 * that is not the block's first term */
	checkAssertFinds(good, "DELETE FROM vocab WHERE first = (SELECT max(first) FROM vocab)",
			 "the vocabulary blocks and the paragraph terms differ at '");
	checkAssertFinds(good, "UPDATE vocab SET terms = x'05' WHERE first = (SELECT min(first) FROM vocab)",
			 "a vocabulary block is malformed");
	checkAssertFinds(good, "UPDATE vocab SET first = CAST(first || x'00' AS BLOB)"
			       " WHERE first = (SELECT max(first) FROM vocab)",
			 "a vocabulary block's key is not its first term");

	/* version 4: no delta table, the same checks on para_text alone */
	idx = openIndex(GRAF_OPEN_WRITE);
	ck_assert_int_eq(sqlite3_exec(graf_index_db(idx), downgrade_v4_sql, NULL, NULL, NULL),
			 SQLITE_OK);
	assertSound(idx);
	graf_index_close(idx);
	ck_copy_file(db_path, good);
	sql = sqlite3_mprintf(orphan_sql, "para_text");
	checkAssertFinds(good, sql, "1 paragraphs without their article");
	sqlite3_free(sql);
	checkAssertFinds(good, "DELETE FROM para_text WHERE id = (SELECT max(id) FROM para_text)",
			 "1 articles whose paragraph count is wrong");
	free(good);
}
END_TEST

/* Refuse PATH in both modes with BAD_INDEX and leave its bytes alone. */
static void
assertRefusedUntouched(const char *path, const char *words)
{
	size_t len, len2;
	char *before = ck_read_file(path, &len);

	for (int mode = GRAF_OPEN_READ; mode < GRAF_OPEN_LAST; mode++) {
		graf_index *idx;
		char *msg, *after, *wal = ck_printf("%s-wal", path);

		ck_assert_int_eq(graf_index_open(path, mode, NULL, &idx, &msg), GRAF_STATUS_BAD_INDEX);
		ck_assert_ptr_null(idx);
		ck_assert_msg(strstr(msg, path) && strstr(msg, words), "message: %s", msg);
		free(msg);
		after = ck_read_file(path, &len2);
		ck_assert_msg(len == len2 && memcmp(before, after, len) == 0,
			      "'%s' was modified by opening it in mode %d", path, mode);
		ck_assert_msg(!ck_exists(wal), "'%s' was created", wal);
		free(after);
		free(wal);
	}
	free(before);
}

/* Another program's SQLite database is refused, and not modified. */
START_TEST(test_foreign_database)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assertRefusedUntouched(db_path, "not a graf index");
}
END_TEST

START_TEST(test_not_a_database)
{
	ck_write_string(db_path, "This is a text file, not an SQLite database at all.\n"
				 "It is long enough to look like something.\n");
	assertRefusedUntouched(db_path, "not a graf index");
	/* A file of 512 zero bytes is not a database either... */
	{
		char zeros[512] = { 0 };

		ck_write_file(db_path, zeros, sizeof zeros);
		assertRefusedUntouched(db_path, db_path);
	}
}
END_TEST

/* An empty file is a database without tables: reading refuses it, writing
 * makes it an index. */
START_TEST(test_empty_file)
{
	graf_index *idx;
	char *msg;

	ck_write_string(db_path, "");
	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_READ, NULL, &idx, &msg),
			 GRAF_STATUS_BAD_INDEX);
	ck_assert_msg(strstr(msg, "graf-index") != NULL, "message: %s", msg);
	free(msg);
	idx = openIndex(GRAF_OPEN_WRITE);
	ck_assert_int_eq(updateOk(idx, NULL).added, 2);
	graf_index_close(idx);
}
END_TEST

START_TEST(test_bad_arguments)
{
	graf_index *idx;
	char *msg;

	/* A directory is not an index file. */
	ck_assert_int_eq(graf_index_open(dir, GRAF_OPEN_WRITE, NULL, &idx, &msg),
			 GRAF_STATUS_BAD_ARGUMENT);
	ck_assert_ptr_null(idx);
	ck_assert_ptr_nonnull(strstr(msg, "directory"));
	free(msg);
	ck_assert_int_eq(graf_index_open(db_path, (graf_open_mode_t)7, NULL, &idx, NULL),
			 GRAF_STATUS_BAD_ARGUMENT);
	ck_assert_ptr_null(idx);
	ck_assert(!ck_exists(db_path));
	/* An index opened for reading cannot be updated. */
	idx = openIndex(GRAF_OPEN_WRITE);
	graf_index_close(idx);
	idx = openIndex(GRAF_OPEN_READ);
	ck_assert_int_eq(updateFrom(idx, corpus, NULL, NULL), GRAF_STATUS_READ_ONLY);
	ck_assert_ptr_nonnull(strstr(graf_index_errmsg(idx), "read"));
	graf_index_close(idx);
}
END_TEST

/*
 * An update interrupted from the warning callback (as graf-index's signal
 * handler would) fails with GRAF_STATUS_INTERRUPTED and leaves the index as
 * it was, whether the file warned about comes first or last.
 */
static void
assertInterruptedOnWarning(const char *bad_name)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	Recorder r = { 0 };
	graf_update_stats st;
	char *before, *after, *bad;

	updateOk(idx, NULL);
	before = dumpIndex(idx);
	editFile(lines_file, "reinforced this message", "reinforced this Zanzibar message");
	ck_assert_int_eq(unlink(blocks_file), 0);
	bad = addFixture("binary.txt", bad_name);
	r.interrupt = idx;
	r.interrupt_on = bad_name;
	ck_assert_int_eq(updateFrom(idx, corpus, &r, &st), GRAF_STATUS_INTERRUPTED);
	ck_assert_int_eq(r.warnings, 1);
	ck_assert_ptr_nonnull(strstr(graf_index_errmsg(idx), "interrupt"));
	after = dumpIndex(idx);
	ck_assert_str_eq(before, after);
	free(after);
	ck_assert_int_eq(matchCount(idx, "zanzibar"), 0);
	ck_assert_int_eq(matchCount(idx, "bytedance"), 1);

	/* The next run, not interrupted, does it all. */
	st = updateOk(idx, NULL);
	ck_assert_int_eq(st.updated, 1);
	ck_assert_int_eq(st.removed, 1);
	ck_assert_int_eq(st.skipped, 1);
	ck_assert_int_eq(matchCount(idx, "zanzibar"), 1);
	free(before);
	free(bad);
	graf_index_close(idx);
}

START_TEST(test_interrupt_first)
{
	assertInterruptedOnWarning("aaa-binary.txt");
}
END_TEST

START_TEST(test_interrupt_last)
{
	assertInterruptedOnWarning("zzz-binary.txt");
}
END_TEST

/* Interrupted from the progress callback after the first file. */
START_TEST(test_interrupt_progress)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	Recorder r = { 0 };
	graf_update_stats st;

	r.interrupt = idx;
	r.interrupt_after = 1;
	ck_assert_int_eq(updateFrom(idx, corpus, &r, &st), GRAF_STATUS_INTERRUPTED);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM article"), 0);
	ck_assert_int_eq(queryInt(idx, "SELECT count(*) FROM para"), 0);
	/* The interrupt does not outlive the run. */
	ck_assert_int_eq(updateOk(idx, NULL).added, 2);
	graf_index_close(idx);
}
END_TEST

/* A run that fails (another writer holds the index) changes nothing and
 * says why. */
START_TEST(test_busy)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	graf_update_options o = { 0 };
	const char *root = corpus;
	graf_update_stats st;
	char *before, *after;
	sqlite3 *other;

	updateOk(idx, NULL);
	before = dumpIndex(idx);
	ck_assert_int_eq(unlink(blocks_file), 0);
	ck_assert_int_eq(sqlite3_open(db_path, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	o.busy_timeout_ms = 100;
	ck_assert_int_eq(graf_index_update(idx, &root, 1, &o, &st), GRAF_STATUS_BUSY);
	ck_assert_msg(strstr(graf_index_errmsg(idx), db_path) != NULL, "message: %s",
		      graf_index_errmsg(idx));
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	after = dumpIndex(idx);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(updateOk(idx, NULL).removed, 1);
	free(before);
	free(after);
	graf_index_close(idx);
}
END_TEST

/* Run an update of the test corpus as an unprivileged user when running as
 * root (for whom every file is readable), so that permissions apply.
 * @retval false when the user cannot be changed (the caller skips) */
static bool
updateAsNobody(graf_index *idx, Recorder *r, graf_update_stats *st, graf_status_t *status)
{
	bool root = geteuid() == 0;

	if (root) {
		/* nobody must be able to write the index and its companions. */
		static const char *const suffixes[] = { "", "-wal", "-shm" };

		ck_assert_int_eq(chmod(dir, 0777), 0);
		for (size_t i = 0; i < 3; i++) {
			char *f = ck_printf("%s%s", db_path, suffixes[i]);

			if (ck_exists(f))
				ck_assert_int_eq(chmod(f, 0666), 0);
			free(f);
		}
		if (seteuid(65534) != 0)
			return false;
	}
	*status = updateFrom(idx, corpus, r, st);
	if (root)
		ck_assert_int_eq(seteuid(0), 0);
	return true;
}

/* An unreadable file, or directory, is skipped with a warning, and what
 * the index has for it is kept. */
START_TEST(test_unreadable)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	char *sub = ck_printf("%s/sub", corpus);
	char *sub_file = ck_printf("%s/sub/a.txt", corpus);
	long n_lines = paragraphsOf(lines_file);
	Recorder r = { 0 };
	graf_update_stats st;
	graf_status_t status;
	char *before, *after;

	ck_assert_int_eq(mkdir(sub, 0777), 0);
	ck_write_string(sub_file, "Sub\n\nA quokka in a subdirectory.\n");
	ck_assert_int_eq(updateOk(idx, NULL).added, 3);
	before = dumpIndex(idx);
	setMtime(lines_file, 1000000000);  /* so that it must be read */
	ck_assert_int_eq(chmod(lines_file, 0), 0);
	ck_assert_int_eq(chmod(sub, 0), 0);
	if (!updateAsNobody(idx, &r, &st, &status)) {
		chmod(lines_file, 0644);
		chmod(sub, 0755);
		free(before);
		free(sub);
		free(sub_file);
		graf_index_close(idx);
		return;  /* cannot test permissions here */
	}
	ck_assert_int_eq(chmod(lines_file, 0644), 0);
	ck_assert_int_eq(chmod(sub, 0755), 0);
	ck_assert_msg(status == GRAF_STATUS_OK, "update: %s", graf_index_errmsg(idx));
	ck_assert_int_eq(st.skipped, 2);
	ck_assert_int_eq(st.unchanged, 1);
	ck_assert_int_eq(st.added + st.updated + st.removed, 0);
	ck_assert_int_eq(r.changes[GRAF_CHANGE_SKIPPED], 2);
	ck_assert_int_eq(r.warnings, 2);
	ck_assert_msg(strstr(r.warned, lines_file) && strstr(r.warned, sub), "warnings:\n%s", r.warned);
	ck_assert_int_eq(paraRowsOf(idx, articleOf(idx, lines_file)), n_lines);
	ck_assert_int_eq(matchCount(idx, "quokka"), 1);
	after = dumpIndex(idx);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	free(sub);
	free(sub_file);
	graf_index_close(idx);
}
END_TEST

/* Remove the index and its companion files. */
static void
removeIndex(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

	for (size_t i = 0; i < 4; i++) {
		char *f = ck_printf("%s%s", db_path, suffixes[i]);

		unlink(f);
		free(f);
	}
}

/* Write the small article NAME (under DIR) whose paragraphs mention WORD. */
static void
writeSmall(const char *sub, const char *name, const char *word)
{
	char *path = ck_printf("%s/%s", sub, name);
	char *text = ck_printf("%s Headline\n\nThe first %s paragraph.\n\n"
			       "A second one, with %s\xe2\x80\x99s apostrophe.\n\nThird.\n",
			       word, word, word);

	ck_write_string(path, text);
	free(path);
	free(text);
}

/* Copy the closed index FROM over the index of the test (companions gone). */
static void
restoreIndex(const char *from)
{
	removeIndex();
	ck_copy_file(from, db_path);
}

/* The dump of the test's index, opened for the purpose. */
static char *
dumpClosedIndex(void)
{
	graf_index *idx = openIndex(GRAF_OPEN_WRITE);
	char *dump = dumpIndex(idx);

	graf_index_close(idx);
	return dump;
}

/*
 * One run of the update of ROOT with SQLite's allocation N failing (the
 * index as the caller left it): it succeeds or fails with GRAF_STATUS_NOMEM,
 * and leaves the index as AFTER or as BEFORE (dumps).  WHAT names the case.
 * @retval true if allocation N was reached (and failed)
 */
static bool
oomRun(const char *root, long n, const char *before, const char *after, const char *what)
{
	graf_index *idx = NULL;
	graf_status_t st;
	char *msg = NULL, *dump;
	bool failed;

	ck_oom_fail_at(n);
	st = graf_index_open(db_path, GRAF_OPEN_WRITE, NULL, &idx, &msg);
	if (st == GRAF_STATUS_OK)
		st = graf_index_update(idx, &root, 1, NULL, NULL);
	failed = ck_oom_failed();
	ck_oom_fail_at(-1);
	ck_assert_msg(st == GRAF_STATUS_OK || st == GRAF_STATUS_NOMEM,
		      "%s, allocation %ld failed: status %d (%s): %s", what, n, (int)st,
		      graf_status_to_string(st), msg ? msg : graf_index_errmsg(idx));
	graf_index_close(idx);
	free(msg);
	dump = dumpClosedIndex();
	ck_assert_msg(strcmp(dump, st == GRAF_STATUS_OK ? after : before) == 0,
		      "%s, allocation %ld failed, status %d: the index is neither before nor "
		      "after the run", what, n, (int)st);
	free(dump);
	if (!failed)
		ck_assert_int_eq(st, GRAF_STATUS_OK);
	return failed;
}

/*
 * Each SQLite allocation of an update fails in turn (every one of the first
 * hundred, then a sample: see ck_oom_next()): of creating an index and
 * filling it, and of an update that adds, replaces and removes articles.  The failure is reported as GRAF_STATUS_NOMEM, never as a crash
 * or a leak, and the index is then exactly what it was before the run:
 * all or nothing.
 */
START_TEST(test_oom_update)
{
	char *small = ck_printf("%s/small", dir);
	char *pristine = ck_printf("%s/pristine.db", dir);
	char *pristine_after = ck_printf("%s/pristine-after.db", dir);
	char *empty_dump, *before_dump = NULL, *after_dump, *removed;
	const char *root = small;
	graf_index *idx;

	/* The states: no index (then an empty one); a, b and c; then a
	 * changed, b gone, d new. */
	ck_assert_int_eq(mkdir(small, 0777), 0);
	empty_dump = dumpClosedIndex();
	removeIndex();
	writeSmall(small, "a.txt", "alpha");
	writeSmall(small, "b.txt", "beta");
	writeSmall(small, "c.txt", "gamma");
	for (int phase = 0; phase < 2; phase++) {
		const char *start_dump = phase == 0 ? empty_dump : before_dump;
		long n;

		if (phase == 1) {
			writeSmall(small, "a.txt", "alphabet");
			removed = ck_printf("%s/b.txt", small);
			ck_assert_int_eq(unlink(removed), 0);
			free(removed);
			writeSmall(small, "d.txt", "delta");
		}
		/* The result of the run without failures. */
		idx = openIndex(GRAF_OPEN_WRITE);
		ck_assert_int_eq(graf_index_update(idx, &root, 1, NULL, NULL), GRAF_STATUS_OK);
		graf_index_close(idx);
		after_dump = dumpClosedIndex();
		if (phase == 0)
			ck_copy_file(db_path, pristine_after);

		ck_oom_install();
		for (n = 0;; n = ck_oom_next(n)) {
			/* Phase 0 creates the index, phase 1 updates it. */
			if (phase == 0)
				removeIndex();
			else
				restoreIndex(pristine);
			if (!oomRun(root, n, start_dump, after_dump, phase == 0 ? "creating" : "updating"))
				break;
		}
		ck_oom_uninstall();
		ck_assert_int_gt(n, 10);
		if (phase == 0) {
			ck_copy_file(pristine_after, pristine);
			before_dump = after_dump;
		} else {
			free(after_dump);
		}
	}
	free(empty_dump);
	free(before_dump);
	free(small);
	free(pristine);
	free(pristine_after);
}
END_TEST

/*
 * The same for an update whose changed text files are read ahead on the
 * pipe (more than UPDATE_PIPE_FILES of them; GRAF_THREADS=1 so that the
 * allocations come in the same order every time): a sample of SQLite's
 * allocations fails in turn, and the run fails with GRAF_STATUS_NOMEM or
 * succeeds, the index either as before or as after.
 */
START_TEST(test_oom_piped)
{
	char *many = ck_printf("%s/many", dir);
	char *pristine = ck_printf("%s/pristine.db", dir);
	char *before_dump, *after_dump;
	const char *root = many;
	graf_index *idx;
	long n;

	ck_assert_int_eq(mkdir(many, 0777), 0);
	for (int i = 0; i < 70; i++) {
		char name[32], word[32];

		snprintf(name, sizeof name, "m%02d.txt", i);
		snprintf(word, sizeof word, "qx%02dv", i);
		writeSmall(many, name, word);
	}
	removeIndex();
	idx = openIndex(GRAF_OPEN_WRITE);
	ck_assert_int_eq(graf_index_update(idx, &root, 1, NULL, NULL), GRAF_STATUS_OK);
	graf_index_close(idx);
	ck_copy_file(db_path, pristine);
	before_dump = dumpClosedIndex();
	for (int i = 0; i < 70; i++) {
		char name[32], word[32];

		snprintf(name, sizeof name, "m%02d.txt", i);
		snprintf(word, sizeof word, "qy%02dw", i);
		writeSmall(many, name, word);
	}
	ck_assert_int_eq(setenv("GRAF_THREADS", "1", 1), 0);
	restoreIndex(pristine);
	idx = openIndex(GRAF_OPEN_WRITE);
	ck_assert_int_eq(graf_index_update(idx, &root, 1, NULL, NULL), GRAF_STATUS_OK);
	graf_index_close(idx);
	after_dump = dumpClosedIndex();

	ck_oom_install();
	for (n = 0;; n = n < 40 ? n + 1 : n + 173) {
		restoreIndex(pristine);
		if (!oomRun(root, n, before_dump, after_dump, "updating ahead"))
			break;
	}
	ck_oom_uninstall();
	unsetenv("GRAF_THREADS");
	ck_assert_int_gt(n, 40);
	free(before_dump);
	free(after_dump);
	free(many);
	free(pristine);
}
END_TEST

Suite *
index_suite(void)
{
	Suite *s = suite_create("index");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_set_timeout(core, CK_SLOW_TIMEOUT);
	tcase_add_test(core, test_create);
	tcase_add_test(core, test_add);
	tcase_add_test(core, test_unchanged);
	tcase_add_test(core, test_touched);
	tcase_add_test(core, test_edit_one);
	tcase_add_test(core, test_edit_paragraph);
	tcase_add_test(core, test_edit_title);
	tcase_add_test(core, test_search_after_update);
	tcase_add_test(core, test_text_delta);
	tcase_add_test(core, test_vocab_blocks);
	tcase_add_test(core, test_first_build_mode);
	tcase_add_test(core, test_delete_one);
	tcase_add_test(core, test_add_one);
	tcase_add_test(core, test_other_roots_kept);
	tcase_add_test(core, test_walk_names);
	tcase_add_test(core, test_skipped_files);
	tcase_add_test(core, test_file_fails_in_batch);
	tcase_add_test(core, test_piped_text_files);
	tcase_add_test(core, test_file_emptied);
	tcase_add_test(core, test_language);
	suite_add_tcase(s, core);

	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_set_timeout(limits, CK_SLOW_TIMEOUT);
	tcase_add_test(limits, test_many_files);
	tcase_add_test(limits, test_store);
	tcase_add_test(limits, test_rows_insert);
	tcase_add_test(limits, test_collection_known);
	tcase_add_test(limits, test_no_paths);
	tcase_add_test(limits, test_path_spelling);
	suite_add_tcase(s, limits);

	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_set_timeout(errors, CK_SLOW_TIMEOUT);
	tcase_add_test(errors, test_missing_index);
	tcase_add_test(errors, test_schema_version);
	tcase_add_test(errors, test_schema_upgrade);
	tcase_add_test(errors, test_check_finds);
	tcase_add_test(errors, test_foreign_database);
	tcase_add_test(errors, test_not_a_database);
	tcase_add_test(errors, test_empty_file);
	tcase_add_test(errors, test_bad_arguments);
	tcase_add_test(errors, test_interrupt_first);
	tcase_add_test(errors, test_interrupt_last);
	tcase_add_test(errors, test_interrupt_progress);
	tcase_add_test(errors, test_busy);
	tcase_add_test(errors, test_unreadable);
	tcase_add_test(errors, test_oom_update);
	tcase_add_test(errors, test_oom_piped);
	suite_add_tcase(s, errors);
	return s;
}
