/*
 * update.c - bring an index up to date with files on disk, atomically.
 *
 * One run is one write transaction: walk the paths, then for each file
 *   - same size and modification time as indexed: unchanged, not read;
 *   - else read it; same content hash: unchanged (the new time is noted);
 *   - else hand it to its reader, which delivers documents; each document is
 *     compared with the indexed one of the same docid by a hash of its
 *     headline and paragraphs, and added, replaced or kept;
 *   - documents the file no longer has are removed.
 * A collection (JSON Lines, TREC) is read in pieces of whole records, so
 * memory does not grow with the file, and a record whose bytes hash as
 * those of an indexed one of the file is known unchanged without being
 * parsed: re-reading a large collection with a few changes is mostly
 * reading it.
 * Files that were indexed under the walked paths and are gone are removed.
 * Every file is applied inside a savepoint, so a file that fails (too big
 * for SQLite, say) is rolled back alone and reported; only failures of the
 * database itself (disk full, I/O, interrupt) abort the run, and then the
 * whole transaction rolls back and the index is what it was.  Changed text
 * files share one savepoint in batches (see Batch): when one of a batch
 * fails, the batch is rolled back and applied again a file at a time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "graf-private.h"

/*
 * Text files larger than this, and records of a collection larger than this,
 * are skipped.  SQLite refuses values over 1e9 bytes (SQLITE_MAX_LENGTH), and
 * decoding Windows-1252 can triple a file's size, so 256 MiB is the largest
 * article whose paragraphs always fit.
 */
#define UPDATE_MAX_FILE_BYTES (256LL << 20)

/* SQLite's virtual machine instructions between two looks at an interrupt
 * (a function call each: nothing next to the instructions). */
#define UPDATE_PROGRESS_OPS 1000

/* Bytes read at a time from a collection. */
#define UPDATE_CHUNK_BYTES (1 << 20)

/*
 * At most this many changed text files, and this many of their bytes, are
 * applied in one savepoint.  FTS5 writes its pending terms out as a segment
 * at every savepoint and release, and merges those segments: a savepoint
 * per file of 2 KB made that most of the work of indexing a directory of
 * articles (55% of the instructions of the BBC's 2,225 files).  Beyond
 * about a megabyte of text, FTS5 flushes on its own anyway.
 */
#define UPDATE_BATCH_FILES 1024
#define UPDATE_BATCH_BYTES (8LL << 20)

/* A batch is released, too, when it has this many warnings and reports to
 * say: unchanged files between its changed ones add theirs when the caller
 * asked for them (report_unchanged), and memory must not grow with them. */
#define UPDATE_BATCH_SAID 4096

/* A run of text files is read ahead on a pipe when at least this many of
 * them, or this many of their bytes, are to be read (updateTextWorthPipe()). */
#define UPDATE_PIPE_FILES 64
#define UPDATE_PIPE_BYTES (256 << 10)

/* What the index has of a file: its source row (ID 0: none). */
typedef struct SourceRow {
	sqlite3_int64 id, size, mtime_ns;
	uint64_t hash;
} SourceRow;

/* A source row with its path, as loaded when a run begins. */
typedef struct KnownSource {
	char *path;
	SourceRow row;
} KnownSource;

/* Ids of sources or articles, as collected before deleting them. */
typedef struct IdList {
	sqlite3_int64 *v;
	size_t n, cap;
} IdList;

/* A warning or a report, kept until its batch is released. */
typedef struct Said {
	bool warning;         /* else a report of CHANGE */
	graf_change_t change;
	char *path;
	char *text;           /* the warning's message, or the report's
			       * docid (NULL: none) */
} Said;

/*
 * Changed text files applied in one savepoint.  What the batch says (its
 * warnings and reports) waits for the batch's release: when one of its
 * files fails alone (a value too big for SQLite, say), the batch is rolled
 * back, with the run's counts, and its files are applied again each in a
 * savepoint of its own, as a collection always is; they say it then.
 */
typedef struct Batch {
	bool open;
	size_t first;               /* the walk's index of its first file */
	size_t files;               /* changed files applied in it */
	int64_t bytes;              /* and their size */
	graf_update_stats before;   /* the run's counts when it opened */
	Said *said;
	size_t n_said, cap_said;
} Batch;

/* The run of text files being applied with a pipe (updateTextRun()). */
typedef struct TextRun {
	const grafi_file *files;     /* the walk's */
	size_t next;                 /* the first not done with */
	bool open;                   /* FILES[NEXT] is being applied */
	int64_t len;                 /* its bytes */
} TextRun;

typedef struct Update {
	graf_index *idx;
	const graf_update_options *opt;
	graf_update_stats *stats;
	const grafi_file *file;      /* the file being applied */
	sqlite3_int64 source_id;     /* its source row */
	sqlite3_int64 old_source_id; /* its source row before this run; 0: new */
	long docs;                   /* documents its reader delivered */
	long file_warnings;          /* the run's warnings before them */
	uint64_t raw;                /* hash of the bytes of the record being
				      * read; 0: none (a text file) */
	graf_status_t status;        /* sticky failure of the current file */
	bool fatal;                  /* STATUS must abort the whole run */
	bool flushed;                /* postings went to a segment inside the
				      * file's savepoint: it cannot fail alone */
	grafi_postings *postings;    /* graf's own lists, written alongside */
	grafi_store *store;          /* the paragraphs' text */
	grafi_score_map *seen;       /* ids of the articles of the file being
				      * applied that this run has seen */
	KnownSource *sources;        /* the index's sources when the run
				      * began, in path order (strcmp) */
	size_t n_sources;
	size_t source_next;          /* where the last look-up ended */
	grafi_score_map *counts;     /* source id -> its articles then; NULL
				      * until an unchanged file needs it */
	grafi_score_map *seen_sources;  /* ids of the sources this run has
				      * seen (kept, applied or skipped) */
	grafi_score_map *raws;       /* raw hash -> id of the articles the
				      * index has for that file; NULL: none */
	const grafi_ahead *ahead;    /* of the document being applied: NULL,
				      * or what the pipe made of its title
				      * ([0]) and paragraphs ([1...]) */
	grafi_tokenizer *tokenizer;  /* the pipe's, made when first needed */
	grafi_packer *packer;        /* the pipe's */
	bool no_ahead;               /* they could not be made: go without */
	Batch batch;                 /* the open batch of text files */
	TextRun text;
	graf_progress *progress;     /* told after each file */
	sqlite3_stmt *stmt[32];      /* see the STMT_* indexes */
} Update;

/* The run's statements, prepared once. */
enum {
	STMT_SOURCE_ALL,
	STMT_SOURCE_ADD,
	STMT_SOURCE_SET,
	STMT_SOURCE_DELETE,
	STMT_SOURCE_ARTICLES,
	STMT_SOURCE_ARTICLE_IDS,
	STMT_SOURCE_COUNTS,
	STMT_ARTICLE_GET,
	STMT_SOURCE_RAWS,
	STMT_ARTICLE_DOCID,
	STMT_ARTICLE_ADD,
	STMT_ARTICLE_SET,
	STMT_ARTICLE_RAW,
	STMT_ARTICLE_DELETE,
	STMT_ARTICLE_PARAS,
	STMT_PARA_TEXTS,
	STMT_PARA_ADD,
	STMT_PARA_DELETE,
	STMT_HEAD_ADD,
	STMT_HEAD_DELETE,
	STMT_UNSEEN_SOURCES,
	STMT_LAST
};

static const char *const update_sql[STMT_LAST] = {
	/* Every source and every source's article count in one statement
	 * each, not one look-up per file: a run over 2,225 unchanged files
	 * spent a third of its instructions on those look-ups. */
	[STMT_SOURCE_ALL] = "SELECT id, path, size, mtime_ns, hash FROM source ORDER BY path",
	[STMT_SOURCE_ADD] = "INSERT INTO source(path, size, mtime_ns, hash) VALUES(?1, ?2, ?3, ?4)",
	[STMT_SOURCE_SET] = "UPDATE source SET size = ?2, mtime_ns = ?3, hash = ?4 WHERE id = ?1",
	[STMT_SOURCE_DELETE] = "DELETE FROM source WHERE id = ?1",
	[STMT_SOURCE_ARTICLES] = "SELECT id, docid FROM article WHERE source = ?1 ORDER BY id",
	/* The (source, docid) index alone, in its order: sorting by id in
	 * SQL made this the dearest step of a small update (96 M
	 * instructions for 42,000 articles). */
	[STMT_SOURCE_ARTICLE_IDS] = "SELECT id FROM article WHERE source = ?1",
	[STMT_SOURCE_COUNTS] = "SELECT source, count(*) FROM article GROUP BY source",
	[STMT_ARTICLE_GET] = "SELECT id, hash, raw FROM article WHERE source = ?1 AND docid = ?2",
	[STMT_SOURCE_RAWS] = "SELECT id, raw FROM article WHERE source = ?1 AND raw <> 0",
	[STMT_ARTICLE_DOCID] = "SELECT docid FROM article WHERE id = ?1",
	[STMT_ARTICLE_ADD] = "INSERT INTO article(source, docid, title, hash, paragraphs, raw) "
			     "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[STMT_ARTICLE_SET] = "UPDATE article SET title = ?2, hash = ?3, paragraphs = ?4, raw = ?5 "
			     "WHERE id = ?1",
	[STMT_ARTICLE_RAW] = "UPDATE article SET raw = ?2 WHERE id = ?1",
	[STMT_ARTICLE_DELETE] = "DELETE FROM article WHERE id = ?1 RETURNING docid",
	[STMT_ARTICLE_PARAS] = "SELECT paragraphs, title FROM article WHERE id = ?1",
	[STMT_PARA_TEXTS] = "SELECT id, body FROM para_body WHERE id BETWEEN ?1 AND ?2",
	[STMT_PARA_ADD] = "INSERT INTO para(rowid, body) VALUES(?1, ?2)",
	[STMT_PARA_DELETE] = "DELETE FROM para WHERE rowid = ?1",
	[STMT_HEAD_ADD] = "INSERT INTO head(rowid, title) VALUES(?1, ?2)",
	[STMT_HEAD_DELETE] = "INSERT INTO head(head, rowid, title) VALUES('delete', ?1, ?2)",
	/* updateSweep() skips those seen (a set in memory: a row of a TEMP
	 * table per file, in the file's savepoint, cost more than the rest
	 * of an unchanged file). */
	[STMT_UNSEEN_SOURCES] = "SELECT id, path FROM source ORDER BY id",
};

/*
 * Record a failed SQLite call RC for the current file.  Failures of the
 * database as a whole are fatal for the run; others (a value too big, a
 * constraint) only fail the file.  Returns the status.
 */
static graf_status_t
updateFail(Update *u, int rc, const char *what)
{
	if (u->status != GRAF_STATUS_OK)
		return u->status;
	switch (rc & 0xff) {
	case SQLITE_TOOBIG:
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		u->status = grafi_error(u->idx, GRAF_STATUS_SQLITE, "%s: %s", what,
					sqlite3_errmsg(u->idx->db));
		break;
	default:
		u->status = grafi_sqlite_error(u->idx, rc, what);
		u->fatal = true;
	}
	return u->status;
}

/* Step a statement that returns no row (or whose rows are ignored) and reset
 * it.  Sticky: does nothing once the file failed. */
static void
updateRun(Update *u, int which)
{
	sqlite3_stmt *stmt = u->stmt[which];
	int rc;

	if (u->status != GRAF_STATUS_OK) {
		sqlite3_reset(stmt);
		return;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		updateFail(u, rc, "cannot update index");
	sqlite3_reset(stmt);
}

/* Record the status ST of a store call: a failed SQLite call is judged as
 * updateFail() does (by the connection's error), out of memory ends the
 * run. */
static void
updateStatus(Update *u, graf_status_t st)
{
	if (st == GRAF_STATUS_OK || u->status != GRAF_STATUS_OK)
		return;
	if (st == GRAF_STATUS_SQLITE) {
		updateFail(u, sqlite3_extended_errcode(u->idx->db), "cannot update index");
		return;
	}
	u->status = st;
	u->fatal = true;
}

/* Out of memory: the run stops (sticky, as the others: the first failure
 * of the file stands). */
static void
updateNoMem(Update *u)
{
	if (u->status == GRAF_STATUS_OK) {
		u->status = grafi_error(u->idx, GRAF_STATUS_NOMEM, "out of memory");
		u->fatal = true;
	}
}

/* Bind an integer (sticky helpers keep call sites short). */
static sqlite3_stmt *
updateBindId(Update *u, int which, sqlite3_int64 id)
{
	sqlite3_stmt *stmt = u->stmt[which];

	sqlite3_bind_int64(stmt, 1, id);
	return stmt;
}

/* Keep what a batch says for its release.  Out of memory ends the run
 * (what was said is not lost: the run fails). */
static void
updateKeepSaid(Update *u, bool warning, graf_change_t change, const char *path,
	       const char *text)
{
	Batch *b = &u->batch;
	Said *v = grafi_reserve(b->said, &b->cap_said, b->n_said + 1, sizeof *v), *said;

	if (!v) {
		updateNoMem(u);
		return;
	}
	b->said = v;
	said = &b->said[b->n_said];
	*said = (Said){ .warning = warning, .change = change, .path = strdup(path),
			.text = text ? strdup(text) : NULL };
	if (!said->path || (text && !said->text)) {
		free(said->path);
		free(said->text);
		updateNoMem(u);
		return;
	}
	b->n_said++;
}

/* Forget what the batch said; or, if DELIVER, say it first, in order. */
static void
updateDropSaid(Update *u, bool deliver)
{
	Batch *b = &u->batch;

	for (size_t i = 0; i < b->n_said; i++) {
		Said *said = &b->said[i];

		if (deliver && said->warning)
			u->opt->warning(u->opt->ctx, said->path, said->text);
		else if (deliver)
			u->opt->change(u->opt->ctx, said->change, said->path, said->text);
		free(said->path);
		free(said->text);
	}
	b->n_said = 0;
}

static void
updateWarn(Update *u, const char *path, const char *message)
{
	u->stats->warnings++;
	if (!u->opt || !u->opt->warning)
		return;
	if (u->batch.open)
		updateKeepSaid(u, true, 0, path, message);
	else
		u->opt->warning(u->opt->ctx, path, message);
}

/* True if the caller wants each unchanged article named (else they are
 * only counted, without reading their ids). */
static bool
updateReportsUnchanged(const Update *u)
{
	return u->opt && u->opt->change && u->opt->report_unchanged;
}

static void
updateReport(Update *u, graf_change_t change, const char *path, const char *docid)
{
	if (!u->opt || !u->opt->change ||
	    (change == GRAF_CHANGE_UNCHANGED && !updateReportsUnchanged(u)))
		return;
	if (u->batch.open)
		updateKeepSaid(u, false, change, path, docid);
	else
		u->opt->change(u->opt->ctx, change, path, docid);
}

/* Hash of a document's content: headline and paragraphs, NUL-separated. */
static uint64_t
updateDocHash(const grafi_doc *doc)
{
	uint64_t h = grafi_hash64(GRAFI_HASH_INIT, doc->title, strlen(doc->title) + 1);

	for (size_t i = 0; i < doc->n_paragraphs; i++)
		h = grafi_hash64(h, doc->paragraphs[i], strlen(doc->paragraphs[i]) + 1);
	return h;
}

/*
 * What the index holds of article ID: OUT *N paragraphs, *TITLE (malloc'ed;
 * NULL when there is no such article).
 */
static void
updateOldContent(Update *u, sqlite3_int64 id, sqlite3_int64 *n, char **title)
{
	sqlite3_stmt *get = updateBindId(u, STMT_ARTICLE_PARAS, id);
	int rc;

	*n = 0;
	*title = NULL;
	if (u->status != GRAF_STATUS_OK) {
		sqlite3_reset(get);
		return;
	}
	rc = sqlite3_step(get);
	if (rc == SQLITE_ROW) {
		const char *t = grafi_column_text(get, 1);

		*n = sqlite3_column_int64(get, 0);
		*title = t ? strdup(t) : NULL;
		rc = *title ? SQLITE_DONE : SQLITE_NOMEM;
	}
	sqlite3_reset(get);
	if (rc != SQLITE_DONE)
		updateFail(u, rc, "cannot read index");
}

/* Record ROW of TABLE as deleted in graf's own lists. */
static void
updateTombstone(Update *u, int table, sqlite3_int64 row)
{
	graf_status_t st;

	if (u->status != GRAF_STATUS_OK)
		return;
	st = grafi_postings_delete(u->postings, table, row);
	if (st != GRAF_STATUS_OK) {
		u->status = st;
		u->fatal = st != GRAF_STATUS_SQLITE;
	}
}

/* Run the INSERT statement WHICH of ROW into TABLE, its tokens captured for
 * graf's own lists as FTS5 indexes them.  Text K of the current document
 * is bound: its tokens, when made ahead, are FTS5's. */
static void
updateCaptured(Update *u, int table, sqlite3_int64 row, int which, size_t k)
{
	grafi_capture_row(u->postings, table, row);
	grafi_capture_ahead(u->postings, u->ahead ? &u->ahead[k].tokens : NULL);
	updateRun(u, which);
	grafi_capture_ahead(u->postings, NULL);
	if (grafi_capture_done(u->postings) != GRAF_STATUS_OK)
		updateNoMem(u);  /* the capture's one failure */
}

/* Delete paragraph ROW from FTS5 and the text store.  (One statement per
 * row: a statement that may change several rows of an FTS5 table opens a
 * statement savepoint, and FTS5 writes its pending terms out as a segment
 * at every savepoint.) */
static void
updateDeleteParagraph(Update *u, sqlite3_int64 row)
{
	sqlite3_bind_int64(u->stmt[STMT_PARA_DELETE], 1, row);
	grafi_capture_deletes(u->postings, GRAFI_TABLE_PARA);
	updateRun(u, STMT_PARA_DELETE);
	grafi_capture_done(u->postings);
	/* after the FTS5 DELETE: it reads the text to find the tokens */
	if (u->status == GRAF_STATUS_OK)
		updateStatus(u, grafi_store_delete(u->store, row, row));
}

/* Write paragraph ROW, TEXT, to the text store and FTS5. */
static void
updateInsertParagraph(Update *u, sqlite3_int64 row, const char *text)
{
	size_t k = (size_t)GRAFI_ROWID_PARA(row);  /* its number: text K */

	sqlite3_stmt *para = u->stmt[STMT_PARA_ADD];

	if (u->status != GRAF_STATUS_OK)
		return;
	if (u->ahead)
		updateStatus(u, grafi_store_put_packed(u->store, row, text, strlen(text),
						       u->ahead[k].packed, u->ahead[k].packed_len,
						       u->ahead[k].dict_id));
	else
		updateStatus(u, grafi_store_put(u->store, row, text, strlen(text)));
	if (u->status != GRAF_STATUS_OK)
		return;
	sqlite3_bind_int64(para, 1, row);
	sqlite3_bind_text(para, 2, text, -1, SQLITE_STATIC);
	updateCaptured(u, GRAFI_TABLE_PARA, row, STMT_PARA_ADD, k);
}

/* Delete headline TITLE of article ID from FTS5 (NULL: there is none). */
static void
updateDeleteHead(Update *u, sqlite3_int64 id, const char *title)
{
	sqlite3_stmt *head = u->stmt[STMT_HEAD_DELETE];

	if (!title)
		return;
	sqlite3_bind_int64(head, 1, id);
	sqlite3_bind_text(head, 2, title, -1, SQLITE_STATIC);
	grafi_capture_deletes(u->postings, GRAFI_TABLE_HEAD);
	updateRun(u, STMT_HEAD_DELETE);
	grafi_capture_done(u->postings);
	sqlite3_bind_null(head, 2);
}

/* Write headline TITLE of article ID to FTS5. */
static void
updateInsertHead(Update *u, sqlite3_int64 id, const char *title)
{
	sqlite3_bind_int64(u->stmt[STMT_HEAD_ADD], 1, id);
	sqlite3_bind_text(u->stmt[STMT_HEAD_ADD], 2, title, -1, SQLITE_STATIC);
	updateCaptured(u, GRAFI_TABLE_HEAD, id, STMT_HEAD_ADD, 0);
}

/*
 * Mark in SAME[1..N] the first N paragraphs of article ID whose text in the
 * index is DOC's paragraph of the same number.
 */
static void
updateSameParagraphs(Update *u, sqlite3_int64 id, const grafi_doc *doc, sqlite3_int64 n,
		     bool *same)
{
	sqlite3_stmt *old = updateBindId(u, STMT_PARA_TEXTS, GRAFI_ROWID(id, 1));
	int rc;

	sqlite3_bind_int64(old, 2, GRAFI_ROWID(id, n));
	while ((rc = sqlite3_step(old)) == SQLITE_ROW) {
		sqlite3_int64 i = GRAFI_ROWID_PARA(sqlite3_column_int64(old, 0));
		const char *text = (const char *)sqlite3_column_text(old, 1);

		if (i >= 1 && i <= n && text)
			same[i] = strcmp(text, doc->paragraphs[i - 1]) == 0;
	}
	sqlite3_reset(old);
	if (rc != SQLITE_DONE)
		updateFail(u, rc, "cannot read index");
}

/*
 * Replace what the index holds of article ID (OLD_N paragraphs and
 * OLD_TITLE, NULL for a new article) with DOC, which may be NULL: then it
 * is only deleted.
 *
 * Only what changed is written: a paragraph whose text is the same at the
 * same number, or the same headline, stays as it is, in FTS5 and in graf's
 * lists.  (An article edited in one place was rewritten whole: 2,798
 * paragraphs deleted and written again for 425 articles each given one
 * paragraph more.)
 *
 * Paragraph by paragraph, deleted then written, so that FTS5 sees its rows
 * in increasing order: a row before the last one it saw makes it write its
 * pending terms out as a segment (and merge segments).  Deleting all of an
 * article's paragraphs and then writing them cost a segment per article:
 * four fifths of an update of 1% of a collection.
 */
static void
updateReplaceContent(Update *u, sqlite3_int64 id, sqlite3_int64 old_n, const char *old_title,
		     const grafi_doc *doc)
{
	sqlite3_int64 new_n = doc ? (sqlite3_int64)doc->n_paragraphs : 0;
	sqlite3_int64 common = old_title && old_n < new_n ? old_n : old_title ? new_n : 0;
	bool same_title = old_title && doc && doc->title && strcmp(old_title, doc->title) == 0;
	bool *same = NULL;
	long written = 0;

	if (common > 0) {
		same = calloc((size_t)common + 1, sizeof *same);
		if (!same) {
			updateNoMem(u);
			return;
		}
		updateSameParagraphs(u, id, doc, common, same);
	}
	for (sqlite3_int64 i = 1; (i <= old_n || i <= new_n) && u->status == GRAF_STATUS_OK; i++) {
		if (i <= common && same[i])
			continue;
		if (i <= old_n && old_title) {
			updateTombstone(u, GRAFI_TABLE_PARA, GRAFI_ROWID(id, i));
			updateDeleteParagraph(u, GRAFI_ROWID(id, i));
		}
		if (i <= new_n) {
			updateInsertParagraph(u, GRAFI_ROWID(id, i), doc->paragraphs[i - 1]);
			written++;
		}
	}
	free(same);
	if (!same_title) {
		if (old_title)
			updateTombstone(u, GRAFI_TABLE_HEAD, id);
		updateDeleteHead(u, id, old_title);
		if (doc)
			updateInsertHead(u, id, doc->title);
	}
	if (u->status == GRAF_STATUS_OK)
		u->stats->paragraphs += written;
}

/* Delete the paragraphs and headline of article ID (not its row). */
static void
updateDeleteContent(Update *u, sqlite3_int64 id)
{
	sqlite3_int64 n;
	char *title;

	updateOldContent(u, id, &n, &title);
	updateReplaceContent(u, id, n, title, NULL);
	free(title);
}

/* Remove article ID entirely and report it. */
static void
updateDeleteArticle(Update *u, sqlite3_int64 id, const char *path)
{
	sqlite3_stmt *del = u->stmt[STMT_ARTICLE_DELETE];
	int rc;

	updateDeleteContent(u, id);
	if (u->status != GRAF_STATUS_OK)
		return;
	sqlite3_bind_int64(del, 1, id);
	rc = sqlite3_step(del);
	if (rc == SQLITE_ROW) {
		const char *docid = grafi_column_text(del, 0);

		if (!docid) {
			rc = SQLITE_NOMEM;
		} else {
			u->stats->removed++;
			updateReport(u, GRAF_CHANGE_REMOVED, path, docid);
			rc = sqlite3_step(del);
		}
	}
	if (rc != SQLITE_DONE)
		updateFail(u, rc, "cannot remove article");
	sqlite3_reset(del);
}

/* Collect the ids the statement WHICH (bound to ID) returns in column 0. */
static void
updateCollectIds(Update *u, int which, sqlite3_int64 id, IdList *out)
{
	sqlite3_stmt *stmt = updateBindId(u, which, id);
	int rc;

	while (u->status == GRAF_STATUS_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (out->n == out->cap) {
			size_t ncap = out->cap ? out->cap * 2 : 16;
			sqlite3_int64 *nv = realloc(out->v, ncap * sizeof *nv);
			if (!nv) {
				updateNoMem(u);
				break;
			}
			out->v = nv;
			out->cap = ncap;
		}
		out->v[out->n++] = sqlite3_column_int64(stmt, 0);
	}
	if (u->status == GRAF_STATUS_OK && rc != SQLITE_DONE)
		updateFail(u, rc, "cannot read index");
	sqlite3_reset(stmt);
}

/* Forget the articles seen (before the next file): a file's articles are
 * its own, so the set holds one file's at most. */
static void
updateForgetSeen(Update *u)
{
	if (u->seen)
		grafi_score_map_clear(u->seen);
	else if (!(u->seen = grafi_score_map_new()))
		updateNoMem(u);
}

/* True if article ID was already seen by this run. */
static bool
updateSeenBefore(Update *u, sqlite3_int64 id)
{
	return u->seen && grafi_score_map_get(u->seen, id) != 0.0;
}

/* Note that this run has seen article ID. */
static void
updateSeen(Update *u, sqlite3_int64 id)
{
	if (u->status == GRAF_STATUS_OK && (!u->seen || !grafi_score_map_put(u->seen, id, 1.0)))
		updateNoMem(u);
}

/* qsort() order of article ids. */
static int
updateCompareIds(const void *a, const void *b)
{
	sqlite3_int64 x = *(const sqlite3_int64 *)a, y = *(const sqlite3_int64 *)b;

	return (x > y) - (x < y);
}

/* Note that this run has seen source ID: the sweep keeps it. */
static void
updateSourceSeen(Update *u, sqlite3_int64 id)
{
	if (u->status == GRAF_STATUS_OK && !grafi_score_map_put(u->seen_sources, id, 1.0))
		updateNoMem(u);
}

/* Remove the articles of source SOURCE_ID that this run has not seen. */
static void
updateRemoveUnseenArticles(Update *u, sqlite3_int64 source_id, const char *path)
{
	IdList ids = { 0 };
	size_t unseen = 0;

	updateCollectIds(u, STMT_SOURCE_ARTICLE_IDS, source_id, &ids);
	for (size_t i = 0; i < ids.n; i++)
		if (!updateSeenBefore(u, ids.v[i]))
			ids.v[unseen++] = ids.v[i];
	/* in id order, as they were added: their rows are neighbours */
	if (unseen > 1)
		qsort(ids.v, unseen, sizeof *ids.v, updateCompareIds);
	for (size_t i = 0; i < unseen && u->status == GRAF_STATUS_OK; i++)
		updateDeleteArticle(u, ids.v[i], path);
	free(ids.v);
}

/*
 * The docid of article ID, read from the index (valid until
 * updateDocidDone()); NULL after a failure, recorded.
 */
static const char *
updateDocidOf(Update *u, sqlite3_int64 id)
{
	sqlite3_stmt *get = updateBindId(u, STMT_ARTICLE_DOCID, id);
	int rc = sqlite3_step(get);
	const char *docid = rc == SQLITE_ROW ? grafi_column_text(get, 0) : NULL;

	if (!docid)
		updateFail(u, rc == SQLITE_ROW ? SQLITE_NOMEM : rc, "cannot read index");
	return docid;
}

static void
updateDocidDone(Update *u)
{
	sqlite3_reset(u->stmt[STMT_ARTICLE_DOCID]);
}

/* Warn that the document ID of the current file appears a second time. */
static void
updateWarnTwice(Update *u, const char *docid)
{
	char msg[600];

	snprintf(msg, sizeof msg, "document id '%.400s' appears twice; the first one is kept", docid);
	updateWarn(u, u->file->path, msg);
}

/* The reader's sink: add, replace or keep one document of the file. */
static graf_status_t
updateDoc(void *ctx, const grafi_doc *doc)
{
	Update *u = ctx;
	sqlite3_stmt *get = u->stmt[STMT_ARTICLE_GET];
	uint64_t hash = updateDocHash(doc), raw = u->raw;
	sqlite3_int64 id = 0;
	bool exists = false, same = false, same_raw = false;
	int rc;

	u->raw = 0;  /* it was this record's */
	if (u->status != GRAF_STATUS_OK)
		return u->status;
	if (u->idx->interrupted)
		return updateFail(u, SQLITE_INTERRUPT, "update");
	u->docs++;
	sqlite3_bind_int64(get, 1, u->source_id);
	sqlite3_bind_text(get, 2, doc->docid, -1, SQLITE_STATIC);
	rc = sqlite3_step(get);
	if (rc == SQLITE_ROW) {
		exists = true;
		id = sqlite3_column_int64(get, 0);
		same = (uint64_t)sqlite3_column_int64(get, 1) == hash;
		same_raw = (uint64_t)sqlite3_column_int64(get, 2) == raw;
		rc = SQLITE_DONE;
	}
	sqlite3_reset(get);
	if (rc != SQLITE_DONE)
		return updateFail(u, rc, "cannot read index");

	if (exists && updateSeenBefore(u, id)) {
		/* A second record with this id in the same file: the first
		 * one stands (and graf's lists never see a row twice in a run). */
		updateWarnTwice(u, doc->docid);
		return u->status;
	}
	if (same) {
		/* The same article in other bytes (the record's keys in
		 * another order, say): its new bytes are the ones to know. */
		if (!same_raw) {
			updateBindId(u, STMT_ARTICLE_RAW, id);
			sqlite3_bind_int64(u->stmt[STMT_ARTICLE_RAW], 2, (sqlite3_int64)raw);
			updateRun(u, STMT_ARTICLE_RAW);
		}
		u->stats->unchanged++;
		updateReport(u, GRAF_CHANGE_UNCHANGED, u->file->path, doc->docid);
	} else if (exists) {
		sqlite3_stmt *set = u->stmt[STMT_ARTICLE_SET];
		sqlite3_int64 old_n;
		char *old_title;

		updateOldContent(u, id, &old_n, &old_title);
		sqlite3_bind_int64(set, 1, id);
		sqlite3_bind_text(set, 2, doc->title, -1, SQLITE_STATIC);
		sqlite3_bind_int64(set, 3, (sqlite3_int64)hash);
		sqlite3_bind_int64(set, 4, (sqlite3_int64)doc->n_paragraphs);
		sqlite3_bind_int64(set, 5, (sqlite3_int64)raw);
		updateRun(u, STMT_ARTICLE_SET);
		updateReplaceContent(u, id, old_n, old_title, doc);
		free(old_title);
		if (u->status == GRAF_STATUS_OK) {
			u->stats->updated++;
			updateReport(u, GRAF_CHANGE_UPDATED, u->file->path, doc->docid);
		}
	} else {
		sqlite3_stmt *add = u->stmt[STMT_ARTICLE_ADD];

		sqlite3_bind_int64(add, 1, u->source_id);
		sqlite3_bind_text(add, 2, doc->docid, -1, SQLITE_STATIC);
		sqlite3_bind_text(add, 3, doc->title, -1, SQLITE_STATIC);
		sqlite3_bind_int64(add, 4, (sqlite3_int64)hash);
		sqlite3_bind_int64(add, 5, (sqlite3_int64)doc->n_paragraphs);
		sqlite3_bind_int64(add, 6, (sqlite3_int64)raw);
		updateRun(u, STMT_ARTICLE_ADD);
		id = sqlite3_last_insert_rowid(u->idx->db);
		if (u->status == GRAF_STATUS_OK && id > (INT64_MAX >> GRAFI_PARA_BITS))
			updateFail(u, SQLITE_FULL, "too many articles");
		updateReplaceContent(u, id, 0, NULL, doc);
		if (u->status == GRAF_STATUS_OK) {
			u->stats->added++;
			updateReport(u, GRAF_CHANGE_ADDED, u->file->path, doc->docid);
		}
	}
	updateSeen(u, id);
	/* A collection's postings may outgrow memory before its end.  (A
	 * batch of text files is released first: see updateBatchFile().) */
	if (u->status == GRAF_STATUS_OK && !u->batch.open && grafi_postings_full(u->postings)) {
		graf_status_t st = grafi_postings_checkpoint(u->postings);

		u->flushed = true;
		if (st != GRAF_STATUS_OK) {
			u->status = st;
			u->fatal = true;
		}
	}
	return u->status;
}

/*
 * A record of the current collection whose bytes (hashing to RAW) are those
 * of the index's article ID: unchanged, and not parsed (updateReadKnown()
 * found it).  A second copy in the same file is warned about as updateDoc()
 * does.
 */
static graf_status_t
updateKnown(void *ctx, uint64_t raw, sqlite3_int64 id)
{
	Update *u = ctx;
	const char *docid;

	(void)raw;  /* the index has it already */
	if (u->status != GRAF_STATUS_OK)
		return u->status;
	if (u->idx->interrupted)
		return updateFail(u, SQLITE_INTERRUPT, "update");
	u->docs++;
	if (updateSeenBefore(u, id)) {
		if ((docid = updateDocidOf(u, id)))
			updateWarnTwice(u, docid);
		updateDocidDone(u);
		return u->status;
	}
	updateSeen(u, id);
	u->stats->unchanged++;
	if (updateReportsUnchanged(u)) {
		if ((docid = updateDocidOf(u, id)))
			updateReport(u, GRAF_CHANGE_UNCHANGED, u->file->path, docid);
		updateDocidDone(u);
	}
	return u->status;
}

/* The pipe's document: DOC, read from a record whose bytes hash to RAW,
 * and what was made of it AHEAD (NULL: nothing). */
static graf_status_t
updatePipedDoc(void *ctx, uint64_t raw, const grafi_doc *doc, const grafi_ahead *ahead)
{
	Update *u = ctx;
	graf_status_t st;

	u->raw = raw;
	u->ahead = ahead;
	st = updateDoc(u, doc);
	u->ahead = NULL;
	return st;
}

/*
 * Load the raw hashes of the articles the index has for source SOURCE_ID
 * (updateReadKnown() looks them up): one pass over them, cheaper than a look-up
 * per record, and memory for one file's articles (16 bytes each).
 */
static void
updateLoadRaws(Update *u, sqlite3_int64 source_id)
{
	sqlite3_stmt *stmt = updateBindId(u, STMT_SOURCE_RAWS, source_id);
	int rc;

	if (u->raws)
		grafi_score_map_clear(u->raws);  /* its slots serve the next collection */
	else
		u->raws = grafi_score_map_new();
	if (!u->raws) {
		sqlite3_reset(stmt);
		updateNoMem(u);
		return;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		/* ids fit a double exactly: they are below 2^39 (GRAFI_PARA_BITS) */
		if (!grafi_score_map_put(u->raws, sqlite3_column_int64(stmt, 1),
					 (double)sqlite3_column_int64(stmt, 0))) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		updateFail(u, rc, "cannot read index");
}

static void
updateReaderWarn(void *ctx, const char *message)
{
	Update *u = ctx;

	updateWarn(u, u->file->path, message);
}

/*
 * Read up to N bytes of FD into BUF: fewer only at the end of the file.
 * @retval the number of bytes, or -1 (errno says why)
 */
static ssize_t
updateReadFull(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * Read the whole (text) file FD.  OUT: *DATA (malloc'ed, caller frees) and
 * *LEN.
 * @retval 0, or an errno value (EFBIG past UPDATE_MAX_FILE_BYTES)
 */
static int
updateReadWhole(int fd, char **data, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	struct stat sb;

	/* Room for the size fstat() gives, plus one byte to see EOF in one go.
	 * A file already too big is not read at all. */
	if (fstat(fd, &sb) != 0)
		sb.st_size = 0;
	if (sb.st_size > UPDATE_MAX_FILE_BYTES)
		return EFBIG;
	cap = sb.st_size > 0 ? (size_t)sb.st_size + 1 : 65536;
	for (;;) {
		ssize_t r;

		if (n == cap || !buf) {
			size_t ncap = buf ? cap * 2 : cap;
			char *nb = realloc(buf, ncap);

			if (!nb) {
				free(buf);
				return ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		r = updateReadFull(fd, buf + n, cap - n);
		if (r < 0) {
			int err = errno;

			free(buf);
			return err;
		}
		n += (size_t)r;
		if ((long long)n > UPDATE_MAX_FILE_BYTES) {
			free(buf);
			return EFBIG;
		}
		if (n < cap)
			break;  /* the end of the file */
	}
	*data = buf;
	*len = n;
	return 0;
}

/*
 * Hash the file FD piece by piece, as updateReadCollection() does.  OUT: *HASH and
 * *LEN.
 * @retval 0, or an errno value
 */
static int
updateHashFile(int fd, uint64_t *hash, int64_t *len)
{
	char *buf = malloc(UPDATE_CHUNK_BYTES);
	grafi_hasher *h = grafi_hasher_new();
	int64_t n = 0;
	ssize_t r;
	int err = 0;

	if (!buf || !h) {
		free(buf);
		grafi_hasher_free(h);
		return ENOMEM;
	}
	do {
		r = updateReadFull(fd, buf, UPDATE_CHUNK_BYTES);
		if (r < 0) {
			err = errno;
			break;
		}
		grafi_hasher_add(h, buf, (size_t)r);
		n += r;
	} while (r == UPDATE_CHUNK_BYTES);
	*hash = grafi_hasher_value(h);
	*len = n;
	free(buf);
	grafi_hasher_free(h);
	return err;
}

/* The reader's own failure ST fails the file (out of memory, the run). */
static void
updateReaderFailed(Update *u, graf_status_t st)
{
	if (st != GRAF_STATUS_OK && u->status == GRAF_STATUS_OK) {
		u->status = grafi_error(u->idx, st, "cannot read '%s': %s", u->file->path,
					graf_status_to_string(st));
		u->fatal = st == GRAF_STATUS_NOMEM;
	}
}

/*
 * The reading of one collection, on the pipe's thread (pipe.c): what it
 * may use of the run (nothing that the writer changes meanwhile) and what
 * it finds.
 */
typedef struct UpdateReading {
	const char *path;
	int fd;
	grafi_reader_fn reader;
	grafi_record_end_fn record_end;
	const grafi_score_map *raws; /* the writer's u->raws, unchanged
				      * while the file is read */
	const volatile sig_atomic_t *interrupted;
	bool hashed;                 /* the file's hash is taken already */
	grafi_pipe *pipe;
	uint64_t raw;                /* hash of the record being parsed */
	/* out */
	uint64_t hash;               /* unless HASHED */
	int64_t len;
	int err;                     /* errno of reading */
	graf_status_t status;        /* the reader's own failure */
} UpdateReading;

/* Note a pipe producer's own failure ST in *STATUS (the first stands; a
 * stopped pipe is the writer's failure, not the producer's). */
static graf_status_t
updateProducerStatus(graf_status_t *status, graf_status_t st)
{
	if (st != GRAF_STATUS_OK && st != GRAF_STATUS_INTERRUPTED && *status == GRAF_STATUS_OK)
		*status = st;
	return st;
}

static graf_status_t
updateReadStatus(UpdateReading *r, graf_status_t st)
{
	return updateProducerStatus(&r->status, st);
}

/*
 * The reader's question before it parses a record of a collection: is it,
 * byte for byte, a record the index holds for this file?  Then the writer
 * is told (updateKnown()), and the record is not parsed.
 */
static bool
updateReadKnown(void *ctx, const char *raw, size_t len)
{
	UpdateReading *r = ctx;
	sqlite3_int64 id;

	r->raw = grafi_hash_bytes(raw, len);
	if (r->raw == 0)
		r->raw = 1;  /* 0 means "none" */
	if (!r->raws)
		return false;
	id = (sqlite3_int64)grafi_score_map_get(r->raws, (sqlite3_int64)r->raw);
	if (id == 0)
		return false;
	/* Stopped: skipped all the same, the next document stops the reader. */
	updateReadStatus(r, grafi_pipe_known(r->pipe, r->raw, id));
	r->raw = 0;
	return true;
}

static graf_status_t
updateReadDoc(void *ctx, const grafi_doc *doc)
{
	UpdateReading *r = ctx;
	uint64_t raw = r->raw;

	r->raw = 0;  /* it was this record's */
	return updateReadStatus(r, grafi_pipe_doc(r->pipe, raw, doc));
}

static void
updateReadWarn(void *ctx, const char *message)
{
	UpdateReading *r = ctx;

	updateReadStatus(r, grafi_pipe_warn(r->pipe, message));
}

/* The number of lines S[0..N) ends, for the line numbers of warnings. */
static size_t
updateCountLines(const char *s, size_t n)
{
	size_t lines = 0;

	for (const char *p = s; (p = memchr(p, '\n', n - (size_t)(p - s))); p++)
		lines++;
	return lines;
}

/*
 * Read the collection R->fd into the pipe P, in pieces of whole records
 * (R->record_end says where one ends), so that memory holds one piece and
 * not the file.  A record larger than UPDATE_MAX_FILE_BYTES is skipped with
 * a warning.  OUT: R->hash (unless R->hashed: updateHashFile() has just
 * taken it) and R->len of the whole file, as updateHashFile() gives them;
 * R->err, R->status.
 */
static void
updateReadCollection(void *arg, grafi_pipe *p)
{
	UpdateReading *r = arg;
	grafi_reader_sink sink = { .doc = updateReadDoc, .warn = updateReadWarn, .ctx = r,
				   .known = updateReadKnown };
	size_t have = 0, cap = 2 * UPDATE_CHUNK_BYTES;
	char *buf = malloc(cap);
	grafi_hasher *h = r->hashed ? NULL : grafi_hasher_new();
	int64_t total = 0;
	bool eof = false, skipping = false;

	r->pipe = p;
	if (!buf || (!r->hashed && !h)) {
		r->err = ENOMEM;
		goto done;
	}
	while (!eof && r->status == GRAF_STATUS_OK && !*r->interrupted && !grafi_pipe_stopped(p)) {
		size_t cut;
		ssize_t n;

		if (have + UPDATE_CHUNK_BYTES > cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				r->err = ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = updateReadFull(r->fd, buf + have, UPDATE_CHUNK_BYTES);
		if (n < 0) {
			r->err = errno;
			break;
		}
		if (h)
			grafi_hasher_add(h, buf + have, (size_t)n);
		total += n;
		have += (size_t)n;
		eof = n < UPDATE_CHUNK_BYTES;
		if (skipping) {
			/* the rest of a record too large to read */
			cut = eof ? have : r->record_end(buf, have, true);
			sink.lines_before += updateCountLines(buf, cut ? cut : have);
			if (!cut) {
				have = 0;
				continue;
			}
			memmove(buf, buf + cut, have - cut);
			have -= cut;
			skipping = false;
		}
		cut = eof ? have : r->record_end(buf, have, false);
		if (cut > 0) {
			updateReadStatus(r, r->reader(r->path, buf, cut, &sink));
			sink.lines_before += updateCountLines(buf, cut);
			memmove(buf, buf + cut, have - cut);
			have -= cut;
		}
		if (have > (size_t)UPDATE_MAX_FILE_BYTES) {
			char msg[128];

			snprintf(msg, sizeof msg, "line %zu: record larger than 256 MiB; skipped",
				 sink.lines_before + 1);
			updateReadWarn(r, msg);
			sink.lines_before += updateCountLines(buf, have);
			have = 0;
			skipping = true;
			/* back to the size of a piece */
			free(buf);
			cap = 2 * UPDATE_CHUNK_BYTES;
			buf = malloc(cap);
			if (!buf) {
				r->err = ENOMEM;
				goto done;
			}
		}
	}
	if (h)
		r->hash = grafi_hasher_value(h);
	r->len = total;
done:
	free(buf);
	grafi_hasher_free(h);
}

/* Make the tokenizer and packer of the pipe's thread, kept for the run:
 * the stem cache stays warm from one file to the next.  Without them
 * (u->no_ahead), this thread tokenizes and packs, as it always can. */
static void
updatePipeTools(Update *u)
{
	if (!u->tokenizer && !u->no_ahead) {
		u->packer = grafi_packer_new(u->store);
		u->no_ahead = !u->packer || grafi_tokenizer_new(u->idx, &u->tokenizer) != SQLITE_OK;
	}
}

/*
 * Read the collection FD (of F's format) on the pipe's thread, and apply
 * what it finds here.  OUT: *HASH (unless HASHED) and *LEN of the file.
 * @retval 0, or an errno value of reading (failures of the reader or of
 *         applying its documents are in u->status)
 */
static int
updateStream(Update *u, int fd, const grafi_file *f, bool hashed, uint64_t *hash, int64_t *len)
{
	UpdateReading r = { .path = f->path, .fd = fd, .reader = grafi_reader_for(f->format),
			    .record_end = grafi_record_end_for(f->format), .raws = u->raws,
			    .interrupted = &u->idx->interrupted, .hashed = hashed };
	grafi_pipe_sink sink = { .doc = updatePipedDoc, .known = updateKnown,
				 .warn = updateReaderWarn, .ctx = u };
	graf_status_t st;

	updatePipeTools(u);
	st = grafi_pipe_run(updateReadCollection, &r, &sink, u->tokenizer, u->packer);

	if (st == GRAF_STATUS_NOMEM && u->status == GRAF_STATUS_OK)
		updateNoMem(u);  /* the pipe's own, before any event */
	updateReaderFailed(u, r.status);
	if (u->status == GRAF_STATUS_OK && u->idx->interrupted)
		updateFail(u, SQLITE_INTERRUPT, "update");
	if (!hashed)
		*hash = r.hash;
	*len = r.len;
	return r.err;
}

/* Load the sources the index has (u->sources), before the run changes any. */
static void
updateLoadSources(Update *u)
{
	sqlite3_stmt *all = u->stmt[STMT_SOURCE_ALL];
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(all)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(all, 1);
		KnownSource *k;

		if (u->n_sources == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			KnownSource *nv = realloc(u->sources, ncap * sizeof *nv);

			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			u->sources = nv;
			cap = ncap;
		}
		k = &u->sources[u->n_sources];
		k->path = path ? strdup(path) : NULL;
		if (!k->path) {
			rc = SQLITE_NOMEM;
			break;
		}
		k->row = (SourceRow){
			.id = sqlite3_column_int64(all, 0),
			.size = sqlite3_column_int64(all, 2),
			.mtime_ns = sqlite3_column_int64(all, 3),
			.hash = (uint64_t)sqlite3_column_int64(all, 4),
		};
		u->n_sources++;
	}
	sqlite3_reset(all);
	if (rc != SQLITE_DONE)
		updateFail(u, rc, "cannot read index");
}

/* Count the articles of every source (u->counts), the first time an
 * unchanged file needs its count: no changes to articles yet but those of
 * files applied before, whose counts are never asked for. */
static void
updateLoadCounts(Update *u)
{
	sqlite3_stmt *counts = u->stmt[STMT_SOURCE_COUNTS];
	int rc;

	u->counts = grafi_score_map_new();
	if (!u->counts) {
		updateNoMem(u);
		return;
	}
	while ((rc = sqlite3_step(counts)) == SQLITE_ROW)
		if (!grafi_score_map_put(u->counts, sqlite3_column_int64(counts, 0),
					 (double)sqlite3_column_int64(counts, 1))) {
			rc = SQLITE_NOMEM;
			break;
		}
	sqlite3_reset(counts);
	if (rc != SQLITE_DONE) {
		updateFail(u, rc, "cannot read index");
		grafi_score_map_free(u->counts);
		u->counts = NULL;
	}
}

/* Mark the source as seen, and report its articles unchanged. */
static void
updateKeepSource(Update *u, sqlite3_int64 source_id)
{
	sqlite3_stmt *arts;
	int rc;

	updateSourceSeen(u, source_id);
	if (u->status != GRAF_STATUS_OK)
		return;
	if (!updateReportsUnchanged(u)) {
		if (!u->counts)
			updateLoadCounts(u);
		if (u->counts)
			u->stats->unchanged += (long)grafi_score_map_get(u->counts, source_id);
		return;
	}
	arts = updateBindId(u, STMT_SOURCE_ARTICLES, source_id);
	while ((rc = sqlite3_step(arts)) == SQLITE_ROW) {
		const char *docid = grafi_column_text(arts, 1);

		if (!docid) {
			rc = SQLITE_NOMEM;
			break;
		}
		u->stats->unchanged++;
		updateReport(u, GRAF_CHANGE_UNCHANGED, u->file->path, docid);
	}
	if (rc != SQLITE_DONE)
		updateFail(u, rc, "cannot read index");
	sqlite3_reset(arts);
}

/* Set the size, time and hash of source ID. */
static void
updateSetSource(Update *u, sqlite3_int64 id, int64_t len, int64_t mtime_ns, uint64_t hash)
{
	sqlite3_stmt *set = updateBindId(u, STMT_SOURCE_SET, id);

	sqlite3_bind_int64(set, 2, len);
	sqlite3_bind_int64(set, 3, mtime_ns);
	sqlite3_bind_int64(set, 4, (sqlite3_int64)hash);
	updateRun(u, STMT_SOURCE_SET);
}

/* Read all of the text file open on FD: OUT *DATA, *LEN, *HASH.
 * @retval 0, or an errno value */
static int
updateReadText(int fd, char **data, int64_t *len, uint64_t *hash)
{
	size_t n = 0;
	int err = updateReadWhole(fd, data, &n);

	*len = (int64_t)n;
	if (!err)
		*hash = grafi_hash_bytes(*data, n);
	return err;
}

/*
 * Open and read what must be read of F before its documents: all of a text
 * file (*DATA, *LEN), or the hash of a collection whose size is unchanged
 * (whose content may be too).  OUT: *FD, open on F; *HASH, *HASHED when
 * known.
 * @retval 0, or an errno value
 */
static int
updateOpen(Update *u, const grafi_file *f, int64_t old_size, int *fd, char **data, int64_t *len,
	   uint64_t *hash, bool *hashed)
{
	int err = 0;

	*fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return errno;
	if (!grafi_record_end_for(f->format)) {
		err = updateReadText(*fd, data, len, hash);
		*hashed = !err;
	} else if (u->source_id && old_size == f->size) {
		err = updateHashFile(*fd, hash, len);
		*hashed = !err;
		if (!err && lseek(*fd, 0, SEEK_SET) != 0)
			err = errno;
	}
	if (err) {
		close(*fd);
		*fd = -1;
	}
	return err;
}

/* bsearch() order of a path and a known source. */
static int
updateComparePath(const void *key, const void *elem)
{
	return strcmp(key, ((const KnownSource *)elem)->path);
}

/*
 * The source row of F among the N SOURCES (the run's, as it began) into
 * *OUT (ID 0: none).  The pipe's thread reads them too: the run never
 * changes them.  *NEXT is where the caller's last look-up ended: the walk
 * goes through a directory in nearly the sources' order, so the source
 * there is most often the one, found with one comparison instead of a
 * search (three passes over 2,225 files each looked every file up).
 */
static void
updateLookupIn(const KnownSource *sources, size_t n, const grafi_file *f, SourceRow *out,
	       size_t *next)
{
	const KnownSource *k = NULL;

	if (*next < n && strcmp(f->path, sources[*next].path) == 0)
		k = &sources[*next];
	else if (n)
		k = bsearch(f->path, sources, n, sizeof *sources, updateComparePath);
	if (k)
		*next = (size_t)(k - sources) + 1;
	*out = k ? k->row : (SourceRow){ .size = -1, .mtime_ns = -1 };
}

/* True if F has the size and modification time the index has for it: it
 * is kept as it is, without being read. */
static bool
updateSameStat(const SourceRow *old, const grafi_file *f)
{
	return old->id && old->size == f->size && old->mtime_ns == f->mtime_ns;
}

/* Forget the file before: F (whose source row was OLD) is applied next. */
static void
updateFileReset(Update *u, const SourceRow *old)
{
	u->source_id = u->old_source_id = old->id;
	u->docs = 0;
	u->raw = 0;
	updateForgetSeen(u);
	grafi_score_map_clear(u->raws);  /* no collection's hashes yet */
}

/*
 * Apply what comes before F's documents, once what must be read of it first
 * was (ERR: 0 or an errno value; LEN bytes hashing to HASH when HASHED).
 * @retval true when F's documents follow (its source row is set), then
 *         updateFileTail(); false when F is done with
 */
static bool
updateFileHead(Update *u, const grafi_file *f, const SourceRow *old, int err, int64_t len,
	       uint64_t hash, bool hashed)
{
	if (err == ENOENT) {
		/* Deleted since the walk: the sweep removes what it had. */
		updateWarn(u, f->path, "file vanished during the update");
		return false;
	}
	if (err) {
		/* Unreadable: keep what the index has for it. */
		u->stats->skipped++;
		updateWarn(u, f->path, err == EFBIG ? "file larger than 256 MiB; skipped"
						    : strerror(err));
		updateReport(u, GRAF_CHANGE_SKIPPED, f->path, NULL);
		if (u->source_id) {
			long unchanged = u->stats->unchanged;

			updateKeepSource(u, u->source_id);
			u->stats->unchanged = unchanged;  /* skipped, not unchanged */
		}
		return false;
	}
	if (u->source_id && hashed && hash == old->hash) {
		u->stats->bytes += len;
		updateSetSource(u, u->source_id, len, f->mtime_ns, hash);
		updateKeepSource(u, u->source_id);
		return false;
	}

	/* A collection's size and hash are known once it has been read
	 * through: its source row is set again then. */
	if (u->source_id) {
		updateSetSource(u, u->source_id, len, f->mtime_ns, hash);
	} else {
		sqlite3_stmt *add = u->stmt[STMT_SOURCE_ADD];

		sqlite3_bind_text(add, 1, f->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(add, 2, len);
		sqlite3_bind_int64(add, 3, f->mtime_ns);
		sqlite3_bind_int64(add, 4, (sqlite3_int64)hash);
		updateRun(u, STMT_SOURCE_ADD);
		u->source_id = sqlite3_last_insert_rowid(u->idx->db);
	}
	updateSourceSeen(u, u->source_id);
	u->file_warnings = u->stats->warnings;
	return true;
}

/* Apply what comes after F's documents (of LEN bytes in all). */
static void
updateFileTail(Update *u, const grafi_file *f, int64_t len)
{
	u->stats->bytes += len;
	updateRemoveUnseenArticles(u, u->source_id, f->path);
	if (u->docs == 0 && u->status == GRAF_STATUS_OK) {
		/* Nothing readable (empty, binary): forget the file, so that the
		 * next run looks at it, and warns, again.  The readers warn about
		 * what they skip; a collection without a record says nothing. */
		if (u->stats->warnings == u->file_warnings)
			updateWarn(u, f->path, "no documents in the file; skipped");
		u->stats->skipped++;
		updateReport(u, GRAF_CHANGE_SKIPPED, f->path, NULL);
		updateBindId(u, STMT_SOURCE_DELETE, u->source_id);
		updateRun(u, STMT_SOURCE_DELETE);
	}
}

/* Apply one file (inside the savepoint that updateFile() manages). */
static void
updateApplyFile(Update *u, const grafi_file *f, const SourceRow *old)
{
	grafi_reader_sink sink = { .doc = updateDoc, .warn = updateReaderWarn, .ctx = u };
	char *data = NULL;
	int64_t len = 0;
	uint64_t hash = 0;
	bool hashed = false;
	int err, fd;

	updateFileReset(u, old);
	err = updateOpen(u, f, old->size, &fd, &data, &len, &hash, &hashed);
	if (updateFileHead(u, f, old, err, len, hash, hashed)) {
		if (u->status == GRAF_STATUS_OK && grafi_record_end_for(f->format)) {
			if (u->old_source_id)
				updateLoadRaws(u, u->old_source_id);
			if (u->status == GRAF_STATUS_OK)
				err = updateStream(u, fd, f, hashed, &hash, &len);
			if (err && u->status == GRAF_STATUS_OK)
				u->status = grafi_error(u->idx, err == ENOMEM ? GRAF_STATUS_NOMEM
									      : GRAF_STATUS_IO,
							"cannot read '%s': %s", f->path, strerror(err));
			u->fatal = u->fatal || err == ENOMEM;
			updateSetSource(u, u->source_id, len, f->mtime_ns, hash);
		} else if (u->status == GRAF_STATUS_OK) {
			updateReaderFailed(u, grafi_reader_for(f->format)(f->path, data, (size_t)len,
									 &sink));
		}
		updateFileTail(u, f, len);
	}
	free(data);
	if (fd >= 0)
		close(fd);
}

/* Note F as the current file, and what the index has of it (OLD). */
static void
updateFileNote(Update *u, const grafi_file *f, SourceRow *old)
{
	u->file = f;
	u->status = GRAF_STATUS_OK;
	u->fatal = false;
	u->flushed = false;
	u->source_id = u->old_source_id = 0;
	updateLookupIn(u->sources, u->n_sources, f, old, &u->source_next);
}

/*
 * Begin file F (updateFileNote()).  A file of the same size and
 * modification time as indexed is kept as it is, without being read (nor a
 * savepoint opened for it: most of the time of an update where a few
 * files of thousands changed).
 * @retval true when F is done with (u->status says how)
 */
static bool
updateFileBegin(Update *u, const grafi_file *f, SourceRow *old)
{
	updateFileNote(u, f, old);
	if (updateSameStat(old, f)) {
		u->source_id = u->old_source_id = old->id;
		updateKeepSource(u, old->id);
		return true;
	}
	return false;
}

/* Between files, outside any savepoint: the only place where the lists in
 * memory may go to a segment. */
static graf_status_t
updateBetweenFiles(Update *u)
{
	graf_status_t st;

	grafi_postings_file(u->postings, false);
	st = grafi_postings_checkpoint(u->postings);
	if (st == GRAF_STATUS_OK)
		st = grafi_store_checkpoint(u->store, false);
	return st;
}

/*
 * Apply file F in a savepoint of its own.  A failure that concerns only F
 * rolls F back, warns and lets the run go on.
 * @retval false when the run must stop (u->status says why)
 */
static bool
updateFile(Update *u, const grafi_file *f)
{
	graf_update_stats before = *u->stats;
	SourceRow old;

	if (updateFileBegin(u, f, &old))
		return u->status == GRAF_STATUS_OK;
	/* The savepoint's own failures (out of memory, say) end the run
	 * with their status. */
	u->status = grafi_exec(u->idx, "SAVEPOINT file", "cannot update index");
	if (u->status != GRAF_STATUS_OK)
		return false;
	updateApplyFile(u, f, &old);
	if (u->status == GRAF_STATUS_OK) {
		u->status = grafi_exec(u->idx, "RELEASE file", "cannot update index");
		if (u->status == GRAF_STATUS_OK)
			u->status = updateBetweenFiles(u);
		return u->status == GRAF_STATUS_OK;
	}
	grafi_postings_file(u->postings, true);
	/* Once a segment was written inside the savepoint, rolling the file
	 * back would take the postings of the files before it with it: the
	 * run stops, and rolls back whole. */
	if (u->fatal || u->flushed)
		return false;
	/* Roll back this file only; keep what the index had for it. */
	{
		char msg[1200];

		snprintf(msg, sizeof msg, "cannot index: %s; skipped", u->idx->errmsg);
		sqlite3_exec(u->idx->db, "ROLLBACK TO file; RELEASE file", NULL, NULL, NULL);
		grafi_store_rollback(u->store);
		*u->stats = before;
		u->stats->skipped++;
		updateWarn(u, f->path, msg);
		updateReport(u, GRAF_CHANGE_SKIPPED, f->path, NULL);
		u->status = GRAF_STATUS_OK;
		if (u->old_source_id) {
			updateKeepSource(u, u->old_source_id);
			u->stats->unchanged = before.unchanged;  /* not "unchanged": skipped */
		}
	}
	return u->status == GRAF_STATUS_OK;
}

/* Release the open batch, if any, and say what it said. */
static bool
updateBatchRelease(Update *u)
{
	Batch *b = &u->batch;

	if (!b->open)
		return true;
	b->open = false;
	u->status = grafi_exec(u->idx, "RELEASE batch", "cannot update index");
	/* A run that fails says nothing of what it did not do. */
	updateDropSaid(u, u->status == GRAF_STATUS_OK);
	if (u->status == GRAF_STATUS_OK)
		u->status = updateBetweenFiles(u);
	return u->status == GRAF_STATUS_OK;
}

/*
 * FILES[LAST] failed alone inside the open batch: roll the batch back, with
 * the run's counts and what it said, and apply its files again, each in a
 * savepoint of its own (the unchanged ones among them are kept again).
 * @retval false when the run must stop (u->status says why)
 */
static bool
updateBatchReplay(Update *u, const grafi_file *files, size_t last)
{
	Batch *b = &u->batch;

	sqlite3_exec(u->idx->db, "ROLLBACK TO batch; RELEASE batch", NULL, NULL, NULL);
	grafi_store_rollback(u->store);
	grafi_postings_file(u->postings, true);
	*u->stats = b->before;
	b->open = false;
	updateDropSaid(u, false);
	for (size_t k = b->first; k <= last; k++)
		if (!updateFile(u, &files[k]))
			return false;
	return true;
}

/* Open a batch at FILES[I], unless one is open. */
static bool
updateBatchOpen(Update *u, size_t i)
{
	Batch *b = &u->batch;

	if (b->open)
		return true;
	u->status = grafi_exec(u->idx, "SAVEPOINT batch", "cannot update index");
	if (u->status != GRAF_STATUS_OK)
		return false;
	b->open = true;
	b->first = i;
	b->files = 0;
	b->bytes = 0;
	b->before = *u->stats;
	return true;
}

/* F was applied in the open batch: release the batch if it is full, or
 * if graf's lists must go to a segment (outside any savepoint). */
static bool
updateBatchAdded(Update *u, const grafi_file *f)
{
	Batch *b = &u->batch;

	b->files++;
	b->bytes += f->size;
	if (b->files >= UPDATE_BATCH_FILES || b->bytes >= UPDATE_BATCH_BYTES ||
	    b->n_said >= UPDATE_BATCH_SAID || grafi_postings_full(u->postings))
		return updateBatchRelease(u);
	return true;
}

/*
 * Apply FILES[I]: a changed text file in the open batch (opened for it if
 * need be), an unchanged file as it is, a collection in a savepoint of its
 * own (its records go by on the pipe, and may outgrow memory).
 * @retval false when the run must stop (u->status says why)
 */
static bool
updateBatchFile(Update *u, const grafi_file *files, size_t i)
{
	const grafi_file *f = &files[i];
	SourceRow old;

	if (grafi_record_end_for(f->format))
		return updateBatchRelease(u) && updateFile(u, f);
	if (updateFileBegin(u, f, &old)) {
		/* Kept, and inside the open batch if there is one: its reports
		 * (report_unchanged) wait with the batch's, a bounded number. */
		if (u->status == GRAF_STATUS_OK && u->batch.n_said >= UPDATE_BATCH_SAID)
			return updateBatchRelease(u);
		return u->status == GRAF_STATUS_OK;
	}
	if (!updateBatchOpen(u, i))
		return false;
	updateApplyFile(u, f, &old);
	if (u->status != GRAF_STATUS_OK)
		return !u->fatal && updateBatchReplay(u, files, i);
	return updateBatchAdded(u, f);
}

/* FILES[I] is done with: tell the caller's progress callback. */
static void
updateFileDone(Update *u, const grafi_file *files, size_t i)
{
	const graf_update_options *opt = u->opt;

	u->progress->files_done = (long)i + 1;
	u->progress->bytes_done += files[i].size;
	if (opt && opt->progress)
		opt->progress(opt->ctx, u->progress);
}

/* ---------------------------------------------------------------------------
 * Text files read ahead: a run of text files (between two collections, or
 * all of a directory of articles) is read, split, tokenized and packed on
 * the pipe's thread, which puts a mark before each changed file's document;
 * this thread applies them in the walk's order, in batches, as
 * updateBatchFile() would one by one.  Indexing the BBC's 2,225 article
 * files is half reading them.
 */

/* What the pipe's thread found of a changed text file; its document, if
 * it is to be read (read, and not of the same hash), comes next. */
typedef struct TextMark {
	size_t index;                /* in the walk */
	int64_t len;
	uint64_t hash;
	int err;                     /* errno of reading it; 0: read */
} TextMark;

/* The reading of files [NEXT, END) of a run, on the pipe's thread. */
typedef struct TextReading {
	const grafi_file *files;
	size_t next, end;
	const KnownSource *sources;  /* the run's (updateLookupIn()) */
	size_t n_sources, source_next;
	const volatile sig_atomic_t *interrupted;
	grafi_pipe *pipe;
	size_t at;                   /* the file it is reading */
	graf_status_t status;        /* its own failure (out of memory) */
} TextReading;

static graf_status_t
updateTextStatus(TextReading *r, graf_status_t st)
{
	return updateProducerStatus(&r->status, st);
}

static graf_status_t
updateTextDoc(void *ctx, const grafi_doc *doc)
{
	TextReading *r = ctx;

	return updateTextStatus(r, grafi_pipe_doc(r->pipe, 0, doc));
}

static void
updateTextWarn(void *ctx, const char *message)
{
	TextReading *r = ctx;

	updateTextStatus(r, grafi_pipe_warn(r->pipe, message));
}

/* The producer: read each changed file of the run, as updateApplyFile()
 * would (a file of the same size and time is not read, nor marked). */
static void
updateReadTexts(void *arg, grafi_pipe *p)
{
	TextReading *r = arg;

	r->pipe = p;
	for (size_t k = r->next; k < r->end; k++) {
		const grafi_file *f = &r->files[k];
		grafi_reader_sink sink = { .doc = updateTextDoc, .warn = updateTextWarn, .ctx = r };
		TextMark m = { .index = k };
		char *data = NULL;
		SourceRow old;
		int fd;

		if (r->status != GRAF_STATUS_OK || *r->interrupted || grafi_pipe_stopped(p))
			return;
		r->at = k;
		updateLookupIn(r->sources, r->n_sources, f, &old, &r->source_next);
		if (updateSameStat(&old, f))
			continue;
		fd = open(f->path, O_RDONLY | O_CLOEXEC);
		m.err = fd < 0 ? errno : updateReadText(fd, &data, &m.len, &m.hash);
		if (fd >= 0)
			close(fd);
		if (updateTextStatus(r, grafi_pipe_mark(p, &m, sizeof m)) == GRAF_STATUS_OK &&
		    !m.err && !(old.id && m.hash == old.hash))
			updateTextStatus(r, grafi_reader_for(f->format)(f->path, data, (size_t)m.len,
									&sink));
		free(data);
	}
}

/* Finish the text file being applied, if any: what comes after its
 * document, then the batch's count.  false: it failed (u->text.next is
 * it), or the run must stop. */
static bool
updateTextFinish(Update *u)
{
	TextRun *t = &u->text;
	const grafi_file *f = &t->files[t->next];

	if (!t->open)
		return true;
	updateFileTail(u, f, t->len);
	if (u->status != GRAF_STATUS_OK)
		return false;
	t->open = false;
	if (!updateBatchAdded(u, f))
		return false;
	updateFileDone(u, t->files, t->next++);
	return true;
}

/* Apply the files before FILES[END] not yet done: those the producer did
 * not mark, unchanged (updateBatchFile() keeps them). */
static bool
updateTextKeep(Update *u, size_t end)
{
	TextRun *t = &u->text;

	for (; t->next < end; t->next++) {
		if (!updateBatchFile(u, t->files, t->next))
			return false;
		updateFileDone(u, t->files, t->next);
	}
	return true;
}

/* The pipe's mark before a changed file: finish the one before, keep the
 * unchanged ones between, and begin this one. */
static graf_status_t
updateTextMarked(void *ctx, const void *data)
{
	Update *u = ctx;
	TextRun *t = &u->text;
	const TextMark *m = data;
	const grafi_file *f = &t->files[m->index];
	SourceRow old;

	if (!updateTextFinish(u) || !updateTextKeep(u, m->index))
		return u->status;
	if (u->idx->interrupted) {
		u->fatal = true;
		return u->status = grafi_error(u->idx, GRAF_STATUS_INTERRUPTED, "update interrupted");
	}
	/* Noted, not judged unchanged again: the producer judged it so. */
	updateFileNote(u, f, &old);
	if (!updateBatchOpen(u, m->index))
		return u->status;
	updateFileReset(u, &old);
	t->open = true;  /* until it is done with: a failure is its */
	t->len = m->len;
	if (!updateFileHead(u, f, &old, m->err, m->len, m->hash, m->err == 0)) {
		t->open = false;
		if (u->status == GRAF_STATUS_OK && updateBatchAdded(u, f))
			updateFileDone(u, t->files, t->next++);
		else
			t->open = true;
	}
	return u->status;
}

/*
 * Apply the text files FILES[I..END) with a pipe reading them ahead.  A
 * file that fails alone rolls its batch back, which is applied again a file
 * at a time (updateBatchReplay()); a new pipe goes on after it.
 * @retval false when the run must stop (u->status says why)
 */
static bool
updateTextRun(Update *u, const grafi_file *files, size_t i, size_t end)
{
	grafi_pipe_sink sink = { .doc = updatePipedDoc, .warn = updateReaderWarn,
				 .mark = updateTextMarked, .ctx = u };

	updatePipeTools(u);
	while (i < end) {
		TextReading r = { .files = files, .next = i, .end = end, .sources = u->sources,
				  .n_sources = u->n_sources, .interrupted = &u->idx->interrupted };
		graf_status_t st;
		size_t failed;

		u->text = (TextRun){ .files = files, .next = i };
		u->status = GRAF_STATUS_OK;
		st = grafi_pipe_run(updateReadTexts, &r, &sink, u->tokenizer, u->packer);
		if (st == GRAF_STATUS_NOMEM && u->status == GRAF_STATUS_OK)
			updateNoMem(u);  /* the pipe's own, before any event */
		if (r.status != GRAF_STATUS_OK && u->status == GRAF_STATUS_OK) {
			/* The reader's own failure (out of memory), on the file it
			 * was reading, which the writer may not have begun. */
			u->status = grafi_error(u->idx, r.status, "cannot read '%s': %s",
						files[r.at].path, graf_status_to_string(r.status));
			u->fatal = true;
		}
		if (u->status == GRAF_STATUS_OK && u->idx->interrupted) {
			u->fatal = true;
			u->status = grafi_error(u->idx, GRAF_STATUS_INTERRUPTED, "update interrupted");
		}
		if (u->status == GRAF_STATUS_OK && updateTextFinish(u) && updateTextKeep(u, end))
			return true;
		if (u->fatal || !u->text.open)
			return false;
		/* The file being applied failed alone. */
		failed = u->text.next;
		if (!updateBatchReplay(u, files, failed))
			return false;
		updateFileDone(u, files, failed);
		i = failed + 1;
	}
	return true;
}

/*
 * True if the text files FILES[I..END) have enough to read to be worth a
 * pipe: starting its thread and its tokenizer costs about 3 ms, which an
 * update of a few files of thousands (the 22 of 2,225 of the benchmark:
 * 45 ms in all) would not win back.
 */
static bool
updateTextWorthPipe(const Update *u, const grafi_file *files, size_t i, size_t end)
{
	size_t changed = 0, next = 0;
	int64_t bytes = 0;

	for (size_t k = i; k < end; k++) {
		SourceRow old;

		updateLookupIn(u->sources, u->n_sources, &files[k], &old, &next);
		if (!updateSameStat(&old, &files[k])) {
			changed++;
			bytes += files[k].size;
		}
		if (changed >= UPDATE_PIPE_FILES || bytes >= UPDATE_PIPE_BYTES)
			return true;
	}
	return false;
}

/* Apply the walk's files, in its order; PROGRESS is told after each. */
static graf_status_t
updateFiles(Update *u, const grafi_walk_result *walk, graf_progress *progress)
{
	const grafi_file *files = walk->files;
	size_t i = 0;

	u->progress = progress;
	while (i < walk->n_files) {
		size_t end = i;

		while (end < walk->n_files && !grafi_record_end_for(files[end].format))
			end++;
		if (end > i && updateTextWorthPipe(u, files, i, end)) {
			if (!updateTextRun(u, files, i, end))
				return u->status;
			i = end;
			continue;
		}
		/* A collection, or text files one at a time. */
		do {
			if (u->idx->interrupted)
				return grafi_error(u->idx, GRAF_STATUS_INTERRUPTED, "update interrupted");
			if (!updateBatchFile(u, files, i))
				return u->status;
			updateFileDone(u, files, i++);
		} while (i < end);
	}
	return updateBatchRelease(u) ? GRAF_STATUS_OK : u->status;
}

/* True if PATH is ROOT or inside it (lexically; both are cleaned). */
static bool
updatePathUnder(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strcmp(root, ".") == 0)
		return path[0] != '/' && strncmp(path, "../", 3) != 0 && strcmp(path, "..") != 0;
	if (strcmp(root, "/") == 0)
		return path[0] == '/';
	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Remove the sources under ROOTS that this run did not see, except those
 * under a path the walk could not read. */
static void
updateSweep(Update *u, char **roots, size_t n_roots, const grafi_walk_result *walk)
{
	sqlite3_stmt *stmt = u->stmt[STMT_UNSEEN_SOURCES];
	IdList ids = { 0 };
	char **paths = NULL;
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && u->status == GRAF_STATUS_OK) {
		const char *path;
		bool under = false, protected = false;

		if (grafi_score_map_get(u->seen_sources, sqlite3_column_int64(stmt, 0)) != 0.0)
			continue;
		path = grafi_column_text(stmt, 1);
		if (!path) {
			updateFail(u, SQLITE_NOMEM, "cannot read index");
			break;
		}
		for (size_t i = 0; i < n_roots && !under; i++)
			under = updatePathUnder(path, roots[i]);
		for (size_t i = 0; i < walk->n_unreadable && !protected; i++)
			protected = updatePathUnder(path, walk->unreadable[i]);
		if (!under || protected)
			continue;
		if (ids.n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			sqlite3_int64 *nv = realloc(ids.v, ncap * sizeof *nv);
			char **np = realloc(paths, ncap * sizeof *np);
			if (nv)
				ids.v = nv;
			if (np)
				paths = np;
			if (!nv || !np) {
				u->status = grafi_error(u->idx, GRAF_STATUS_NOMEM, "out of memory");
				break;
			}
			cap = ncap;
		}
		paths[ids.n] = strdup(path);
		if (!paths[ids.n]) {
			u->status = grafi_error(u->idx, GRAF_STATUS_NOMEM, "out of memory");
			break;
		}
		ids.v[ids.n++] = sqlite3_column_int64(stmt, 0);
	}
	if (u->status == GRAF_STATUS_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		updateFail(u, rc, "cannot read index");
	sqlite3_reset(stmt);

	for (size_t i = 0; i < ids.n && u->status == GRAF_STATUS_OK; i++) {
		updateForgetSeen(u);
		updateRemoveUnseenArticles(u, ids.v[i], paths[i]);
		updateBindId(u, STMT_SOURCE_DELETE, ids.v[i]);
		updateRun(u, STMT_SOURCE_DELETE);
	}
	for (size_t i = 0; i < ids.n; i++)
		free(paths[i]);
	free(paths);
	free(ids.v);
}

/*
 * A problem the walk found: a named path that does not exist, an unreadable
 * directory, a dangling link, a loop.  Each means that something the user
 * asked for is not indexed, so it counts as skipped (graf-index then exits
 * with 1, not 0).
 */
static void
updateWalkWarn(void *ctx, const char *path, const char *message)
{
	Update *u = ctx;

	u->stats->skipped++;
	updateWarn(u, path, message);
	updateReport(u, GRAF_CHANGE_SKIPPED, path, NULL);
}

/* Prepare the run's statements and temporary tables. */
static graf_status_t
updatePrepare(Update *u)
{
	graf_status_t st = GRAF_STATUS_OK;

	u->seen_sources = grafi_score_map_new();
	if (!u->seen_sources)
		st = grafi_error(u->idx, GRAF_STATUS_NOMEM, "out of memory");

	for (int i = 0; i < STMT_LAST && st == GRAF_STATUS_OK; i++) {
		int rc = grafi_prepare(u->idx->db, update_sql[i], SQLITE_PREPARE_PERSISTENT, &u->stmt[i]);
		st = grafi_sqlite_error(u->idx, rc, "cannot prepare update");
	}
	return st;
}

static void
updateFinalize(Update *u)
{
	for (int i = 0; i < STMT_LAST; i++) {
		sqlite3_finalize(u->stmt[i]);
		u->stmt[i] = NULL;
	}
	grafi_score_map_free(u->seen);
	u->seen = NULL;
	grafi_score_map_free(u->seen_sources);
	u->seen_sources = NULL;
	grafi_score_map_free(u->counts);
	u->counts = NULL;
	for (size_t i = 0; i < u->n_sources; i++)
		free(u->sources[i].path);
	free(u->sources);
	u->sources = NULL;
	u->n_sources = 0;
	grafi_score_map_free(u->raws);
	u->raws = NULL;
	grafi_tokenizer_free(u->tokenizer);
	u->tokenizer = NULL;
	grafi_packer_free(u->packer);
	u->packer = NULL;
	updateDropSaid(u, false);  /* a failed run's open batch */
	free(u->batch.said);
	u->batch = (Batch){ 0 };
}

/* Clean every root; OUT gets a malloc'ed array of malloc'ed strings. */
static graf_status_t
updateCleanRoots(graf_index *idx, const char *const *paths, size_t n, char ***out)
{
	char **roots = calloc(n ? n : 1, sizeof *roots);

	if (!roots)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		roots[i] = grafi_path_clean(paths[i]);
		if (!roots[i]) {
			for (size_t k = 0; k < i; k++)
				free(roots[k]);
			free(roots);
			return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
		}
	}
	*out = roots;
	return GRAF_STATUS_OK;
}

/* SQLite's progress handler during an update: a non-zero return
 * interrupts the running statement (see graf_index_interrupt()). */
static int
updateInterrupted(void *ctx)
{
	const graf_index *idx = ctx;

	return idx->interrupted;
}

graf_status_t
graf_index_update(graf_index *idx, const char *const *paths, size_t n_paths,
		  const graf_update_options *options, graf_update_stats *stats)
{
	graf_update_stats local_stats;
	grafi_walk_result walk = { 0 };
	Update u = { 0 };
	graf_progress progress = { 0 };
	char **roots = NULL;
	double t0 = graf_cli_seconds();
	graf_status_t st;
	int busy_ms;

	if (!stats)
		stats = &local_stats;
	memset(stats, 0, sizeof *stats);
	idx->errmsg[0] = '\0';
	idx->interrupted = 0;
	if (idx->mode != GRAF_OPEN_WRITE)
		return grafi_error(idx, GRAF_STATUS_READ_ONLY,
				   "index '%s' was opened for reading only", idx->path);
	u.idx = idx;
	u.opt = options;
	u.stats = stats;
	idx->updating = 1;
	sqlite3_progress_handler(idx->db, UPDATE_PROGRESS_OPS, updateInterrupted, idx);

	st = updateCleanRoots(idx, paths, n_paths, &roots);
	for (size_t i = 0; i < n_paths && st == GRAF_STATUS_OK; i++)
		st = grafi_walk(roots[i], options ? options->input : GRAF_INPUT_AUTO, &walk,
				updateWalkWarn, &u);
	if (st == GRAF_STATUS_NOMEM)
		grafi_error(idx, st, "out of memory");
	progress.files_total = (long)walk.n_files;
	progress.bytes_total = walk.bytes_total;

	busy_ms = options && options->busy_timeout_ms > 0 ? options->busy_timeout_ms
							   : 5000;
	sqlite3_busy_timeout(idx->db, busy_ms);
	if (st == GRAF_STATUS_OK) {
		st = grafi_exec(idx, "BEGIN IMMEDIATE", "cannot start update");
		if (st == GRAF_STATUS_BUSY)
			st = grafi_error(idx, st,
					 "another graf-index is updating '%s' (waited %d s); "
					 "try again when it has finished",
					 idx->path, busy_ms / 1000);
	}
	if (st == GRAF_STATUS_OK) {
		/* An index of the format before is upgraded with this update,
		 * in its transaction (the statements below need the new
		 * schema). */
		st = grafi_index_upgrade(idx);
		if (st == GRAF_STATUS_OK)
			st = updatePrepare(&u);
		if (st == GRAF_STATUS_OK) {
			u.status = GRAF_STATUS_OK;
			updateLoadSources(&u);
			st = u.status;
		}
		if (st == GRAF_STATUS_OK)
			st = grafi_postings_begin(idx, &u.postings);
		if (st == GRAF_STATUS_OK)
			st = grafi_store_begin(idx, &u.store);
		idx->capture = u.postings;
		if (st == GRAF_STATUS_OK)
			st = updateFiles(&u, &walk, &progress);
		if (st == GRAF_STATUS_OK) {
			u.status = GRAF_STATUS_OK;
			updateSweep(&u, roots, n_paths, &walk);
			st = u.status;
		}
		/* An interrupt during the last file (from a callback, or a
		 * signal while no statement ran, when sqlite3_interrupt() is a
		 * no-op) is seen only here: it must not be committed. */
		if (st == GRAF_STATUS_OK && idx->interrupted)
			st = grafi_error(idx, GRAF_STATUS_INTERRUPTED, "update interrupted");
		if (st == GRAF_STATUS_OK)
			st = grafi_store_checkpoint(u.store, true);
		if (st == GRAF_STATUS_OK)
			st = grafi_postings_finish(u.postings);
		grafi_store_free(u.store);
		u.store = NULL;
		idx->capture = NULL;
		grafi_postings_free(u.postings);
		u.postings = NULL;
		updateFinalize(&u);
		if (st == GRAF_STATUS_OK)
			st = grafi_exec(idx, "COMMIT", "cannot commit update");
		grafi_topk_changed(idx);
		sqlite3_progress_handler(idx->db, 0, NULL, NULL);
		if (st != GRAF_STATUS_OK) {
			char saved[sizeof idx->errmsg];

			memcpy(saved, idx->errmsg, sizeof saved);
			sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
			memcpy(idx->errmsg, saved, sizeof saved);
		}
	}
	/* The interrupt was this run's. */
	sqlite3_progress_handler(idx->db, 0, NULL, NULL);
	idx->updating = 0;
	idx->interrupted = 0;
	sqlite3_busy_timeout(idx->db, 5000);
	grafi_index_settle(idx);
	for (size_t i = 0; i < n_paths && roots; i++)
		free(roots[i]);
	free(roots);
	grafi_walk_result_release(&walk);
	stats->seconds = graf_cli_seconds() - t0;
	return st;
}
