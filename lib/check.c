/*
 * check.c - graf_index_check(): verify an index from the pages up.
 *
 *   1. SQLite's PRAGMA integrity_check: the b-trees and their indexes;
 *   2. FTS5's integrity-check on both full-text tables: the inverted index
 *      agrees with the stored text (for the headlines, with article.title);
 *   3. graf's own invariants: every paragraph belongs to an article, every
 *      article has the paragraphs it counts and a source file, the
 *      vocabulary's blocks hold exactly the paragraph terms.
 * Each problem is reported through a callback; the check goes on after a
 * problem so that one run lists them all.
 */
#include "config.h"

#include <string.h>

#include "graf-private.h"

typedef struct Check {
	graf_index *idx;
	void (*problem)(void *ctx, const char *message);
	void *ctx;
	long problems;
	graf_status_t st;       /* failures of the check itself */
} Check;

static void
checkProblem(Check *c, const char *message)
{
	c->problems++;
	if (c->problem)
		c->problem(c->ctx, message);
}

/*
 * One row of PRAGMA integrity_check other than "ok".  A row can hold several
 * lines ("*** in database main ***\nOn tree page 6 cell 40: ..."): each
 * line is a problem of its own, so that every message stays one line; the
 * "*** in database main ***" heading is not one.
 */
static void
checkPageRow(Check *c, const char *row)
{
	while (*row) {
		size_t n = strcspn(row, "\n");
		char msg[600];

		if (n > 0 && strncmp(row, "*** in database ", 16) != 0) {
			snprintf(msg, sizeof msg, "database: %.*s", (int)(n < 500 ? n : 500), row);
			checkProblem(c, msg);
		}
		row += n;
		if (*row == '\n')
			row++;
	}
}

/* PRAGMA integrity_check: every row it returns other than "ok" is a
 * problem. */
static void
checkPages(Check *c)
{
	sqlite3_stmt *stmt = NULL;
	int rc = grafi_prepare(c->idx->db, "PRAGMA integrity_check(100)", 0, &stmt);

	while (rc == SQLITE_OK) {
		const char *row;

		if ((rc = sqlite3_step(stmt)) != SQLITE_ROW)
			break;
		rc = SQLITE_OK;
		row = (const char *)sqlite3_column_text(stmt, 0);
		if (row && strcmp(row, "ok") != 0)
			checkPageRow(c, row);
	}
	if (rc != SQLITE_DONE) {
		char msg[600];

		snprintf(msg, sizeof msg, "database: %s", sqlite3_errmsg(c->idx->db));
		checkProblem(c, msg);
	}
	sqlite3_finalize(stmt);
}

/* FTS5's own check of TABLE (SQL is its integrity-check command). */
static void
checkFullText(Check *c, const char *table, const char *sql)
{
	int rc = sqlite3_exec(c->idx->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		char msg[600];

		snprintf(msg, sizeof msg, "full-text index '%s': %s", table,
			 sqlite3_errmsg(c->idx->db));
		checkProblem(c, msg);
	}
}

/* The one number the query SQL returns, into *OUT; false after reporting
 * "cannot VERB WHAT: <SQLite's message>" as a problem. */
static bool
checkQueryInt(Check *c, const char *sql, const char *verb, const char *what, sqlite3_int64 *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc = grafi_prepare(c->idx->db, sql, 0, &stmt);

	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK) {
		char msg[600];

		snprintf(msg, sizeof msg, "cannot %s %s: %s", verb, what, sqlite3_errmsg(c->idx->db));
		checkProblem(c, msg);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_OK;
}

/* Run the single-number query SQL; a non-zero count is the problem WHAT. */
static void
checkCount(Check *c, const char *sql, const char *what)
{
	sqlite3_int64 n = 0;

	if (checkQueryInt(c, sql, "check", what, &n) && n > 0) {
		char msg[600];

		snprintf(msg, sizeof msg, "%lld %s", (long long)n, what);
		checkProblem(c, msg);
	}
}

/* The rows of text-store TABLE whose article is gone (an SQL value). */
#define CHECK_ORPHANS(table) \
	"(SELECT count(*) FROM " table " WHERE (id >> " GRAFI_PARA_BITS_SQL ")" \
	" NOT IN (SELECT id FROM article))"
/* The rows of text-store TABLE of article a (of the query around it). */
#define CHECK_ROWS_OF(table) \
	"(SELECT count(*) FROM " table " WHERE id BETWEEN (a.id << " GRAFI_PARA_BITS_SQL \
	") AND (a.id << " GRAFI_PARA_BITS_SQL ") + " GRAFI_MAX_PARAGRAPHS_SQL ")"
/* The articles whose paragraph count is not ROWS (CHECK_ROWS_OF()). */
#define CHECK_COUNT_WRONG(rows) \
	"SELECT count(*) FROM article AS a WHERE a.paragraphs != " rows

/* True if the index has the text store's delta table (schema version 5);
 * a failure to tell is a problem, and the answer then no. */
static bool
checkHasDelta(Check *c)
{
	sqlite3_int64 n = 0;

	return checkQueryInt(c,
			     "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			     " AND name = 'para_text_delta'",
			     "read", "the schema", &n) &&
	       n > 0;
}

/* The vocabulary's blocks (version 6) against post_df's paragraph terms. */
static void
checkVocabulary(Check *c)
{
	char problem[256];
	int rc = grafi_vocab_verify(c->idx, problem, sizeof problem);

	if (rc != SQLITE_OK)
		c->st = grafi_sqlite_error(c->idx, rc, "cannot read the vocabulary");
	else if (problem[0])
		checkProblem(c, problem);
}

graf_status_t
graf_index_check(graf_index *idx, void (*problem)(void *ctx, const char *message), void *ctx,
		 long *n_problems)
{
	Check c = { idx, problem, ctx, 0, GRAF_STATUS_OK };

	idx->errmsg[0] = '\0';
	if (idx->mode != GRAF_OPEN_WRITE)
		return grafi_error(idx, GRAF_STATUS_READ_ONLY,
				   "checking '%s' needs it open for writing (FTS5's check is a command)",
				   idx->path);
	/*
	 * One write transaction for the whole check: FTS5's integrity-check is
	 * a command, which needs the write lock.  Taking it first means that a
	 * running graf-index makes the check wait (the handle's busy timeout)
	 * and then fail as busy, instead of reporting "database is locked" as
	 * a problem of the index; and every check sees the same state.
	 */
	c.st = grafi_exec(idx, "BEGIN IMMEDIATE", "cannot check index");
	if (c.st == GRAF_STATUS_BUSY)
		return grafi_error(idx, c.st,
				   "another graf-index is updating '%s'; check it when it has finished",
				   idx->path);
	if (c.st != GRAF_STATUS_OK)
		return c.st;
	checkPages(&c);
	/* rank = 1: also compare each with its external content, the
	 * paragraphs' text (every row unpacked) and article.title */
	checkFullText(&c, "para", "INSERT INTO para(para, rank) VALUES('integrity-check', 1)");
	checkFullText(&c, "head", "INSERT INTO head(head, rank) VALUES('integrity-check', 1)");
	/* The text store: both tables, or para_text alone in an index of the
	 * format before (checked as it is: its next update upgrades it).
	 * Each table is counted apart: SQLite pushes no correlated term into
	 * a UNION ALL, which would then be read whole for every article. */
	if (checkHasDelta(&c)) {
		checkCount(&c,
			   "SELECT " CHECK_ORPHANS("para_text") " + "
			   CHECK_ORPHANS("para_text_delta"),
			   "paragraphs without their article");
		checkCount(&c,
			   "SELECT count(*) FROM para_text_delta AS d"
			   " WHERE d.id IN (SELECT id FROM para_text)",
			   "paragraphs stored twice");
		checkCount(&c,
			   CHECK_COUNT_WRONG(CHECK_ROWS_OF("para_text") " + "
					     CHECK_ROWS_OF("para_text_delta")),
			   "articles whose paragraph count is wrong");
	} else {
		checkCount(&c, "SELECT " CHECK_ORPHANS("para_text"), "paragraphs without their article");
		checkCount(&c, CHECK_COUNT_WRONG(CHECK_ROWS_OF("para_text")),
			   "articles whose paragraph count is wrong");
	}
	checkCount(&c, "SELECT count(*) FROM article WHERE source NOT IN (SELECT id FROM source)",
		   "articles without their source file");
	if (c.st == GRAF_STATUS_OK && grafi_vocab_present(idx))
		checkVocabulary(&c);
	sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
	if (n_problems)
		*n_problems = c.problems;
	if (c.problems > 0)
		return grafi_error(idx, GRAF_STATUS_BAD_INDEX,
				   "index '%s' has %ld problem%s; rebuild it with graf-index --rebuild",
				   idx->path, c.problems, c.problems == 1 ? "" : "s");
	return c.st;
}
