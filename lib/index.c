/*
 * index.c - open, create and check a graf index.
 *
 * An index is one SQLite database in WAL mode (readers keep searching while
 * graf-index writes).  Its layout:
 *
 *   meta(key, value)           schema version, language, tokenizer, creator
 *   source(id, path, size, mtime_ns, hash)
 *                              one row per file read; size and mtime let an
 *                              update skip unchanged files without reading
 *   article(id, source, docid, title, hash, paragraphs, raw)
 *                              one row per article; docid is its identity
 *                              (the path, for a text file); hash is of its
 *                              headline and paragraphs, raw of the record's
 *                              bytes in a collection (0 for a text file)
 *   para                       FTS5(body): the paragraphs, rowid =
 *                              GRAFI_ROWID(article id, paragraph number);
 *                              external content: para_body
 *   para_text, para_text_delta, zdict, para_body
 *                              the paragraphs' text, compressed, and the
 *                              view that unpacks it (store.c)
 *   head                       FTS5(title) over article.title (external
 *                              content): headlines, searched apart from the
 *                              paragraphs so a headline never makes all of
 *                              its article's paragraphs match
 *   post, post_seg, post_tomb, post_df
 *                              graf's own lists of both tables and their
 *                              document frequencies (postings.c)
 *   vocab(first, terms)        the paragraph terms in blocks (vocab.c)
 *
 * PRAGMA application_id marks the file as graf's, PRAGMA user_version holds
 * GRAFI_SCHEMA_VERSION.  A version 4 index (no para_text_delta, no vocab) or
 * 5 (no vocab) is read, and checked, as it is, and upgraded by its next
 * update, in the update's transaction (grafi_index_upgrade()).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graf-private.h"

/* How long a writer waits for another writer before giving up (ms). */
#define INDEX_BUSY_TIMEOUT_MS 5000

/* ... and between tries where SQLite cannot wait for it. */
#define INDEX_BUSY_RETRY_MS 10

/* The span of the index file handed to xFetch() at a time (its length is
 * an int). */
#define INDEX_PRELOAD_CHUNK ((sqlite3_int64)256 << 20)

/* The memory map's size, in bytes (indexConnect()). */
#define INDEX_MMAP_SIZE "1073741824"

/* FTS5's pending-data limit for each table, in bytes (see schema_sql). */
#define INDEX_FTS5_HASHSIZE "8388608"

/* The text store's second table and the view over both (store.c): in
 * version 5, and what the upgrade from version 4 adds. */
#define INDEX_TEXT_DELTA_SQL \
	"CREATE TABLE para_text_delta(id INTEGER PRIMARY KEY, z BLOB NOT NULL);" \
	"CREATE VIEW para_body(id, body) AS" \
	" SELECT id, graf_unpack(z) FROM para_text" \
	" UNION ALL SELECT id, graf_unpack(z) FROM para_text_delta;"

/* The vocabulary's blocks: in version 6, and what the upgrade from 4 or 5
 * adds (then fills). */
#define INDEX_VOCAB_SQL \
	"CREATE TABLE vocab(first BLOB PRIMARY KEY, terms BLOB NOT NULL) WITHOUT ROWID;"

/*
 * The schema.  %s is the language, checked by indexIsLanguageName() to be a
 * plain lower-case word before it is put into SQL text (a tokenizer argument
 * cannot be bound as a parameter).
 */
static const char schema_sql[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE source("
	" id INTEGER PRIMARY KEY,"
	" path TEXT NOT NULL UNIQUE,"
	" size INTEGER NOT NULL,"
	" mtime_ns INTEGER NOT NULL,"
	" hash INTEGER NOT NULL);"
	"CREATE TABLE article("
	" id INTEGER PRIMARY KEY,"
	" source INTEGER NOT NULL REFERENCES source(id),"
	" docid TEXT NOT NULL,"
	" title TEXT NOT NULL,"
	" hash INTEGER NOT NULL,"
	" paragraphs INTEGER NOT NULL,"
	" raw INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE(source, docid));"
	"CREATE TABLE para_text(id INTEGER PRIMARY KEY, z BLOB NOT NULL);"
	"CREATE TABLE zdict(id INTEGER PRIMARY KEY, dict BLOB NOT NULL);"
	INDEX_TEXT_DELTA_SQL
	"CREATE VIRTUAL TABLE para USING fts5(body, content = 'para_body', content_rowid = 'id',"
	" tokenize = 'graf %s unicode61 remove_diacritics 2');"
	"CREATE VIRTUAL TABLE head USING fts5(title, content = 'article', content_rowid = 'id',"
	" tokenize = 'graf %s unicode61 remove_diacritics 2');"
	/* FTS5 keeps 1 MB of new tokens in memory by default, then writes them
	 * as a segment and merges segments in the background, four at a time:
	 * for Reuters, 22 segments and 2.3 G instructions of merging, a sixth
	 * of indexing.  With 8 MB, each table writes a few large segments and
	 * seldom merges (Reuters: no merge at all), for 8 MB more memory at
	 * most.  The setting lives in the tables' own _config rows. */
	"INSERT INTO para(para, rank) VALUES('hashsize', " INDEX_FTS5_HASHSIZE ");"
	"INSERT INTO head(head, rank) VALUES('hashsize', " INDEX_FTS5_HASHSIZE ");"
	/* graf's own inverted lists, for the top-k search (postings.c); by
	 * segment first, so that a new segment is new pages at the end of
	 * its table's rows, not a row beside every term's old ones */
	"CREATE TABLE post(tbl INTEGER NOT NULL, term BLOB NOT NULL, seg INTEGER NOT NULL,"
	" chunk INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL,"
	" PRIMARY KEY(tbl, seg, term, chunk)) WITHOUT ROWID;"
	"CREATE TABLE post_seg(id INTEGER PRIMARY KEY, tbl INTEGER NOT NULL,"
	" postings INTEGER NOT NULL);"
	"CREATE TABLE post_tomb(tbl INTEGER NOT NULL, row INTEGER NOT NULL,"
	" seg INTEGER NOT NULL, PRIMARY KEY(tbl, row)) WITHOUT ROWID;"
	"CREATE TABLE post_df(tbl INTEGER NOT NULL, term BLOB NOT NULL, df INTEGER NOT NULL,"
	" PRIMARY KEY(tbl, term)) WITHOUT ROWID;"
	INDEX_VOCAB_SQL;

/* True if S is a plain lower-case word: what every Snowball name is, and
 * what may safely go into SQL text. */
static bool
indexIsLanguageName(const char *s)
{
	if (!*s || strlen(s) > 32)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return false;
	return true;
}

/* Free a partly built handle.  Accepts NULL. */
static void
indexFree(graf_index *idx)
{
	if (!idx)
		return;
	grafi_query_close_all(idx);
	grafi_stmt_release(idx);
	grafi_stats_release(idx);
	grafi_topk_release(idx);
	grafi_tokenizer_release(idx);
	grafi_index_settle(idx);
	sqlite3_close(idx->db);
	free(idx->path);
	free(idx->language);
	free(idx);
}

/* Run SQL (no results) on IDX; on failure record "WHAT: ..." and return the
 * status. */
graf_status_t
grafi_exec(graf_index *idx, const char *sql, const char *what)
{
	int rc = sqlite3_exec(idx->db, sql, NULL, NULL, NULL);

	return grafi_sqlite_error(idx, rc, what);
}

/* Read one integer from the single-value query SQL into *OUT. */
static graf_status_t
indexQueryInt(graf_index *idx, const char *sql, sqlite3_int64 *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc = grafi_prepare(idx->db, sql, 0, &stmt);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			*out = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return grafi_sqlite_error(idx, rc, "cannot read index");
}

/* Create the schema in the empty database of IDX, for LANGUAGE. */
static graf_status_t
indexCreateSchema(graf_index *idx, const char *language)
{
	char *sql = NULL, *meta = NULL;
	sqlite3_int64 n_tables = 0;
	graf_status_t st;

	sql = grafi_strdup_printf(schema_sql, language, language);
	meta = sqlite3_mprintf(
		"PRAGMA application_id = %d; PRAGMA user_version = %d;"
		"INSERT INTO meta(key, value) VALUES"
		" ('schema_version', '%d'), ('language', %Q),"
		" ('tokenizer', 'graf ' || %Q || ' unicode61 remove_diacritics 2'),"
		" ('created_by', 'graf ' || %Q);",
		GRAFI_APPLICATION_ID, GRAFI_SCHEMA_VERSION, GRAFI_SCHEMA_VERSION,
		language, language, PACKAGE_VERSION);
	if (!sql || !meta) {
		st = grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
		goto out;
	}
	st = grafi_exec(idx, "BEGIN IMMEDIATE", "cannot create index");
	/* Two graf-index started together on a new file both find it empty;
	 * the second to get the write lock finds the schema made. */
	if (st == GRAF_STATUS_OK)
		st = indexQueryInt(idx, "SELECT count(*) FROM sqlite_master", &n_tables);
	if (st == GRAF_STATUS_OK && n_tables > 0) {
		st = grafi_exec(idx, "COMMIT", "cannot create index");
		goto out;
	}
	if (st == GRAF_STATUS_OK)
		st = grafi_exec(idx, sql, "cannot create index");
	if (st == GRAF_STATUS_OK)
		st = grafi_exec(idx, meta, "cannot create index");
	if (st == GRAF_STATUS_OK)
		st = grafi_exec(idx, "COMMIT", "cannot create index");
	else
		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
	idx->building = st == GRAF_STATUS_OK;
out:
	free(sql);
	sqlite3_free(meta);
	return st;
}

graf_status_t
grafi_index_upgrade(graf_index *idx)
{
	static const char text_delta_sql[] = "DROP VIEW para_body;" INDEX_TEXT_DELTA_SQL;
	sqlite3_int64 version = 0;
	char *meta;
	graf_status_t st = indexQueryInt(idx, "PRAGMA user_version", &version);

	if (st != GRAF_STATUS_OK || version >= GRAFI_SCHEMA_VERSION ||
	    version < GRAFI_SCHEMA_VERSION_UPGRADABLE)
		return st;
	meta = sqlite3_mprintf("PRAGMA user_version = %d;"
			       "UPDATE meta SET value = '%d' WHERE key = 'schema_version';",
			       GRAFI_SCHEMA_VERSION, GRAFI_SCHEMA_VERSION);
	if (!meta)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	if (version == 4)
		st = grafi_exec(idx, text_delta_sql, "cannot upgrade the index");
	if (st == GRAF_STATUS_OK)
		st = grafi_exec(idx, INDEX_VOCAB_SQL, "cannot upgrade the index");
	if (st == GRAF_STATUS_OK)
		st = grafi_vocab_fill(idx);
	if (st == GRAF_STATUS_OK)
		st = grafi_exec(idx, meta, "cannot upgrade the index");
	sqlite3_free(meta);
	return st;
}

/*
 * Record why the database of IDX could not be read as an index, from the
 * SQLite error of the call that just failed: a file that is no database at
 * all, or a damaged one (a truncated or corrupted graf index).  Returns
 * GRAF_STATUS_BAD_INDEX.
 */
static graf_status_t
indexRefuse(graf_index *idx)
{
	if (sqlite3_errcode(idx->db) == SQLITE_NOTADB)
		return grafi_error(idx, GRAF_STATUS_BAD_INDEX,
				   "'%s' is not a graf index (not an SQLite database); check the "
				   "--index path (graf-index --rebuild would replace the file)",
				   idx->path);
	return grafi_error(idx, GRAF_STATUS_BAD_INDEX,
			   "index '%s' is damaged (%s); rebuild it with graf-index --rebuild",
			   idx->path, sqlite3_errmsg(idx->db));
}

/*
 * Check that the database of IDX is a graf index this version can read, and
 * read its language.  An empty database is created (write mode) or refused.
 */
static graf_status_t
indexCheck(graf_index *idx, const char *language)
{
	sqlite3_int64 app_id = 0, version = 0, n_tables = 0;
	sqlite3_stmt *stmt = NULL;
	graf_status_t st;
	int rc;

	st = indexQueryInt(idx, "SELECT count(*) FROM sqlite_master", &n_tables);
	if (st == GRAF_STATUS_BAD_INDEX)
		return indexRefuse(idx);
	if (st != GRAF_STATUS_OK)
		return st;
	if (n_tables == 0) {
		if (idx->mode != GRAF_OPEN_WRITE)
			return grafi_error(idx, GRAF_STATUS_BAD_INDEX,
					   "'%s' is an empty database, not a graf index; "
					   "create it with graf-index", idx->path);
		st = indexCreateSchema(idx, language ? language : GRAF_DEFAULT_LANGUAGE);
		if (st != GRAF_STATUS_OK)
			return st;
	}
	if ((st = indexQueryInt(idx, "PRAGMA application_id", &app_id)) != GRAF_STATUS_OK ||
	    (st = indexQueryInt(idx, "PRAGMA user_version", &version)) != GRAF_STATUS_OK)
		return st;
	if (app_id != GRAFI_APPLICATION_ID)
		return grafi_error(idx, GRAF_STATUS_BAD_INDEX,
				   "'%s' is not a graf index (an SQLite database of another program); "
				   "check the --index path", idx->path);
	if (version > GRAFI_SCHEMA_VERSION)
		return grafi_error(idx, GRAF_STATUS_INDEX_VERSION,
				   "index '%s' was made by a newer graf (schema %lld, this graf reads %d); "
				   "upgrade graf or rebuild the index with graf-index --rebuild",
				   idx->path, (long long)version, GRAFI_SCHEMA_VERSION);
	/* Versions 4 and 5 are read as they are; an update upgrades them. */
	if (version < GRAFI_SCHEMA_VERSION_UPGRADABLE)
		return grafi_error(idx, GRAF_STATUS_INDEX_VERSION,
				   "index '%s' was made by an older graf (schema %lld, this graf reads %d); "
				   "rebuild it with graf-index --rebuild",
				   idx->path, (long long)version, GRAFI_SCHEMA_VERSION);

	rc = grafi_prepare(idx->db, "SELECT value FROM meta WHERE key = 'language'", 0, &stmt);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *stored = grafi_column_text(stmt, 0);

		idx->language = stored ? strdup(stored) : NULL;
		rc = idx->language ? SQLITE_OK : SQLITE_NOMEM;
	} else if (rc == SQLITE_DONE) {
		sqlite3_finalize(stmt);
		return grafi_error(idx, GRAF_STATUS_BAD_INDEX,
				   "index '%s' is damaged (no language in its settings); "
				   "rebuild it with graf-index --rebuild", idx->path);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_OK)
		return grafi_sqlite_error(idx, rc, "cannot read index settings");
	if (!grafi_language_known(idx->language))
		return grafi_error(idx, GRAF_STATUS_BAD_INDEX,
				   "index '%s' uses the language '%s', which this libstemmer lacks",
				   idx->path, idx->language);
	if (language && strcmp(language, idx->language) != 0)
		return grafi_error(idx, GRAF_STATUS_BAD_ARGUMENT,
				   "index '%s' is in '%s', not '%s'; "
				   "use graf-index --rebuild to change its language",
				   idx->path, idx->language, language);
	return GRAF_STATUS_OK;
}

/*
 * Create the directory that will hold PATH when it is missing (one level:
 * "index/" for "index/graf.db"), and check that a file can be created in it
 * (SQLite's "unable to open database file" would not say why).
 * @retval 0, or an errno value
 */
static int
indexMakeParentDir(const char *path)
{
	char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	int err = 0;

	if (!dir)
		return ENOMEM;
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0777) != 0 && errno != EEXIST)
			err = errno;
	} else if (!slash) {
		strcpy(dir, ".");
	} else {
		strcpy(dir, "/");
	}
	if (!err && access(dir, W_OK | X_OK) != 0)
		err = errno;
	free(dir);
	return err;
}

/*
 * Open the connection of IDX to PATH (IMMUTABLE: read it as a file that
 * never changes), register graf's functions and set the pragmas of its mode.
 */
static graf_status_t
indexConnect(graf_index *idx, const char *path, bool immutable)
{
	int flags = idx->mode == GRAF_OPEN_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
						 : SQLITE_OPEN_READONLY;
	char *uri = NULL;
	graf_status_t st = GRAF_STATUS_OK;
	int rc;

	if (immutable) {
		/* sqlite3_mprintf's %q does not URI-escape: do it here. */
		sqlite3_str *s = sqlite3_str_new(NULL);

		sqlite3_str_appendall(s, "file:");
		for (const char *p = path; *p; p++) {
			if (*p == '%' || *p == '?' || *p == '#')
				sqlite3_str_appendf(s, "%%%02X", (unsigned char)*p);
			else
				sqlite3_str_appendchar(s, 1, *p);
		}
		sqlite3_str_appendall(s, "?immutable=1");
		uri = sqlite3_str_finish(s);
		if (!uri)
			return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
		flags |= SQLITE_OPEN_URI;
	}
	rc = sqlite3_open_v2(uri ? uri : path, &idx->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	sqlite3_free(uri);
	if (rc != SQLITE_OK)
		return grafi_error(idx, grafi_status_from_sqlite(rc), "cannot open index '%s': %s", path,
				   idx->db ? sqlite3_errmsg(idx->db) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(idx->db, 1);
	sqlite3_busy_timeout(idx->db, INDEX_BUSY_TIMEOUT_MS);
	st = grafi_register(idx->db, &idx->capture);
	if (st == GRAF_STATUS_NOMEM)
		return grafi_error(idx, st, "out of memory");
	if (st != GRAF_STATUS_OK)
		return grafi_error(idx, GRAF_STATUS_SQLITE,
				   "this SQLite (%s) has no FTS5; graf needs one built with it",
				   sqlite3_libversion());
	/* Read the database through a memory map: pages come without a
	 * read() call and without a copy into SQLite's cache.  (SQLite falls
	 * back to read() where mmap is not available.) */
	st = grafi_exec(idx, "PRAGMA mmap_size = " INDEX_MMAP_SIZE, "cannot open index");
	if (st == GRAF_STATUS_BAD_INDEX)
		return indexRefuse(idx);
	if (st != GRAF_STATUS_OK)
		return st;
	if (idx->mode == GRAF_OPEN_WRITE) {
		/* 16 KiB pages for a new database (page_size only takes effect
		 * before the first table, which indexCheck() may create next;
		 * it changes nothing in an existing file): a quarter of the I/O
		 * calls of the 4 KiB default for FTS5's large segment blobs.  A
		 * 32 MiB page cache keeps FTS5's segment merges in memory
		 * (bounded, whatever the corpus). */
		st = grafi_exec(idx, "PRAGMA page_size = " GRAFI_SQL_INT(GRAFI_PAGE_SIZE) ";"
				" PRAGMA cache_size = -" GRAFI_SQL_INT(GRAFI_WRITER_CACHE_KIB),
				"cannot open index");
		if (st == GRAF_STATUS_BAD_INDEX)
			st = indexRefuse(idx);
	}
	return st;
}

/* Switch IDX's file to WAL mode, retrying while another connection holds
 * a lock SQLite does not wait for. */
static graf_status_t
indexSetWal(graf_index *idx)
{
	graf_status_t st;
	int one = 1;

	/* Turning a new index's rollback journal into a WAL upgrades a read
	 * lock to a write lock within one transaction, where SQLite answers
	 * SQLITE_BUSY at once instead of calling the busy handler (two
	 * connections waiting there would deadlock): graf-index processes
	 * started together on a new file met it.  Retry as the handler would. */
	for (int waited_ms = 0;; waited_ms += INDEX_BUSY_RETRY_MS) {
		st = grafi_exec(idx, "PRAGMA journal_mode = WAL", "cannot open index");
		if (st != GRAF_STATUS_BUSY || waited_ms >= INDEX_BUSY_TIMEOUT_MS)
			break;
		sqlite3_sleep(INDEX_BUSY_RETRY_MS);
	}
	/* synchronous = NORMAL: in WAL mode a commit is durable at the next
	 * checkpoint, and never torn.  journal_size_limit = 0 trims the kept
	 * WAL file after each checkpoint, so it does not double the index on
	 * disk. */
	if (st == GRAF_STATUS_OK)
		st = grafi_exec(idx, "PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 0",
				"cannot open index");
	/* Keep the -wal and -shm files when the writer closes, so that
	 * readers without write access to the directory can still use
	 * the WAL (SQLite 3.22 and later). */
	if (st == GRAF_STATUS_OK)
		sqlite3_file_control(idx->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	return st;
}

/*
 * Set up IDX's connection for writing: WAL mode, and the WAL files kept.
 * Called once indexCheck() has found the file to be a graf index: WAL mode
 * is a property of the file, and another program's database must be
 * refused without being switched to it.
 *
 * Except for an index this handle has just created: its first update, a
 * build from nothing, writes the file directly in rollback-journal mode
 * (the journal holds the few pages the file had), and grafi_index_settle()
 * switches it to WAL after that.  In WAL mode the build went to the WAL
 * first, to be synced, copied into the file, synced again and truncated:
 * 0.4 s of the 4.2 s the news sets took (alternated runs).  synchronous =
 * FULL meanwhile, as a rollback journal wants.  The cost: searches started
 * during a first build wait for it (the busy timeout), where in WAL mode
 * they saw an empty index.
 */
static graf_status_t
indexSetWriteMode(graf_index *idx)
{
	/* Building: no memory map either.  The build reads back pages it
	 * has written to the file, and each mapped page it touches counts
	 * in its memory (147 MB peak for the news sets instead of 124, and
	 * growing with the index); read() copies them into SQLite's bounded
	 * cache instead, as the WAL's frames were. */
	graf_status_t st = idx->building
		? grafi_exec(idx, "PRAGMA synchronous = FULL; PRAGMA mmap_size = 0",
			     "cannot open index")
		: indexSetWal(idx);

	/* A test hook: cap the database size, to see a full disk without
	 * filling one (tests/cli/T5xx-disk-full.sh). */
	if (st == GRAF_STATUS_OK && getenv("GRAF_DEBUG_MAX_PAGES")) {
		char *sql = sqlite3_mprintf("PRAGMA max_page_count = %d",
					    atoi(getenv("GRAF_DEBUG_MAX_PAGES")));

		st = sql ? grafi_exec(idx, sql, "cannot open index")
			 : grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
		sqlite3_free(sql);
	}
	return st;
}

void
grafi_index_settle(graf_index *idx)
{
	char saved[sizeof idx->errmsg];

	if (!idx->building || !idx->db || sqlite3_get_autocommit(idx->db) == 0)
		return;
	idx->building = false;
	memcpy(saved, idx->errmsg, sizeof saved);
	/* and a read, which makes the -wal and -shm files a WAL index keeps
	 * between updates (for readers that cannot create them) */
	if (indexSetWal(idx) == GRAF_STATUS_OK)
		(void)sqlite3_exec(idx->db, "PRAGMA mmap_size = " INDEX_MMAP_SIZE ";"
				   "SELECT count(*) FROM meta", NULL, NULL, NULL);
	memcpy(idx->errmsg, saved, sizeof saved);
}

/* Record that IDX, opened for writing, cannot be written (its last error
 * says why); returns GRAF_STATUS_READ_ONLY. */
static graf_status_t
indexReadOnly(graf_index *idx)
{
	char why[sizeof idx->errmsg];
	const char *colon = strstr(idx->errmsg, ": ");

	snprintf(why, sizeof why, "%s", colon ? colon + 2 : idx->errmsg);
	return grafi_error(idx, GRAF_STATUS_READ_ONLY,
			   "cannot write index '%s' (%s); graf-index needs write access to the "
			   "file and its directory (graf-search can read it)", idx->path, why);
}

graf_status_t
graf_index_open(const char *path, graf_open_mode_t mode, const char *language,
		graf_index **out, char **error_message)
{
	graf_index *idx;
	graf_status_t st;
	struct stat sb;
	int err;

	*out = NULL;
	if (error_message)
		*error_message = NULL;
	idx = calloc(1, sizeof *idx);
	if (!idx || !(idx->path = strdup(path))) {
		free(idx);
		if (error_message)
			*error_message = strdup("out of memory");
		return GRAF_STATUS_NOMEM;
	}
	idx->mode = mode;

	if ((unsigned)mode >= GRAF_OPEN_LAST) {
		st = grafi_error(idx, GRAF_STATUS_BAD_ARGUMENT, "invalid open mode %d", (int)mode);
		goto fail;
	}
	if (language && (!indexIsLanguageName(language) || !grafi_language_known(language))) {
		st = grafi_error(idx, GRAF_STATUS_BAD_ARGUMENT,
				 "unknown language '%s' (graf-index --list-languages lists them)",
				 language);
		goto fail;
	}
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT || mode == GRAF_OPEN_READ) {
			st = grafi_error(idx, errno == ENOENT ? GRAF_STATUS_NO_INDEX : GRAF_STATUS_IO,
					 errno == ENOENT ? "no index at '%s' (create it with graf-index)"
							 : "cannot open index '%s': %s",
					 path, strerror(errno));
			goto fail;
		}
		if ((err = indexMakeParentDir(path)) != 0) {
			st = grafi_error(idx, err == ENOMEM ? GRAF_STATUS_NOMEM : GRAF_STATUS_IO,
					 "cannot create index '%s': %s", path, strerror(err));
			goto fail;
		}
	} else if (S_ISDIR(sb.st_mode)) {
		st = grafi_error(idx, GRAF_STATUS_BAD_ARGUMENT,
				 "index '%s' is a directory; give the database file, e.g. '%s/graf.db'",
				 path, path);
		goto fail;
	} else if (!S_ISREG(sb.st_mode)) {
		/* SQLite would block for ever reading a FIFO, and cannot lock a
		 * device. */
		st = grafi_error(idx, GRAF_STATUS_BAD_ARGUMENT,
				 "index '%s' is not a regular file; check the --index path", path);
		goto fail;
	}

	st = indexConnect(idx, path, false);
	if (st == GRAF_STATUS_OK)
		st = indexCheck(idx, language);
	/* A hot journal: a graf-index killed during an index's first build
	 * (written in rollback-journal mode, see indexSetWriteMode()).  A
	 * reader cannot roll it back, and must not read the file as
	 * immutable: it is half written.  A writer rolls it back as it
	 * opens. */
	if (st == GRAF_STATUS_READ_ONLY && idx->db &&
	    sqlite3_extended_errcode(idx->db) == SQLITE_READONLY_ROLLBACK)
		st = grafi_error(idx, GRAF_STATUS_BAD_INDEX,
				 "index '%s' was left half-written by an interrupted graf-index "
				 "(its journal '%s-journal' must be rolled back); run graf-index on it "
				 "again", path, path);
	if (mode == GRAF_OPEN_READ &&
	    (st == GRAF_STATUS_READ_ONLY || st == GRAF_STATUS_IO || st == GRAF_STATUS_FULL)) {
		/*
		 * A WAL database needs its -shm file to be read, and a reader
		 * creates it when it is missing.  In a directory we cannot
		 * write (a read-only mount, another user's index) that fails;
		 * then read the file as immutable, which needs no -shm.  No
		 * writer can be updating it while we cannot create the -shm.
		 * (Nor on a full disk, where the -shm cannot grow.)
		 */
		sqlite3_close(idx->db);
		idx->db = NULL;
		idx->errmsg[0] = '\0';
		st = indexConnect(idx, path, true);
		if (st == GRAF_STATUS_OK)
			st = indexCheck(idx, language);
	}
	if (st == GRAF_STATUS_OK && mode == GRAF_OPEN_WRITE) {
		/* SQLite opens a write-protected file read-only without a word;
		 * say so now rather than at the first write. */
		if (sqlite3_db_readonly(idx->db, "main") == 1)
			st = grafi_error(idx, GRAF_STATUS_READ_ONLY, "attempt to write a readonly database");
		else
			st = indexSetWriteMode(idx);
	}
	if (st == GRAF_STATUS_READ_ONLY && mode == GRAF_OPEN_WRITE)
		st = indexReadOnly(idx);
	if (st != GRAF_STATUS_OK)
		goto fail;
	*out = idx;
	return GRAF_STATUS_OK;

fail:
	if (error_message)
		*error_message = strdup(idx->errmsg[0] ? idx->errmsg : graf_status_to_string(st));
	indexFree(idx);
	return st;
}

void
graf_index_close(graf_index *idx)
{
	indexFree(idx);
}

const char *
graf_index_errmsg(const graf_index *idx)
{
	return idx ? idx->errmsg : "no index";
}

const char *
graf_index_language(const graf_index *idx)
{
	return idx->language;
}

const char *
graf_index_path(const graf_index *idx)
{
	return idx->path;
}

struct sqlite3 *
graf_index_db(graf_index *idx)
{
	return idx->db;
}

/* Map the whole index file into memory (graf_index_preload()). */
static void
indexMapAll(graf_index *idx)
{
	sqlite3_file *f = NULL;
	sqlite3_int64 size, off;

	/* The memory map is SQLite's (PRAGMA mmap_size, graf_index_open()); its
	 * address comes from the file's own xFetch(), the call SQLite's pager
	 * reads pages through.  Without a map (mmap unavailable, or the file
	 * past mmap_size) xFetch() hands out nothing and this does nothing. */
	if (sqlite3_file_control(idx->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    !f || !f->pMethods || f->pMethods->iVersion < 3 || !f->pMethods->xFetch ||
	    f->pMethods->xFileSize(f, &size) != SQLITE_OK)
		return;
	for (off = 0; off < size; off += INDEX_PRELOAD_CHUNK) {
		sqlite3_int64 len = size - off < INDEX_PRELOAD_CHUNK ? size - off : INDEX_PRELOAD_CHUNK;
		void *p = NULL;

		if (f->pMethods->xFetch(f, off, (int)len, &p) != SQLITE_OK || !p)
			break;
		grafi_populate_read(p, (size_t)len);
		f->pMethods->xUnfetch(f, off, p);
	}
}

void
graf_index_preload(graf_index *idx)
{
	if (!idx || !idx->db)
		return;
	indexMapAll(idx);
	grafi_topk_warm(idx);
}

void
graf_index_interrupt(graf_index *idx)
{
	idx->interrupted = 1;
	/* Not during an update: sqlite3_interrupt() interrupts every
	 * statement started while another is active, and FTS5 keeps a blob
	 * open through its writes, so the ROLLBACK that must follow would be
	 * interrupted too.  The update's progress handler stops it instead. */
	if (idx->db && !idx->updating)
		sqlite3_interrupt(idx->db);
}

int
grafi_prepare(sqlite3 *db, const char *sql, unsigned flags, sqlite3_stmt **out)
{
	int rc = sqlite3_prepare_v3(db, sql, -1, flags, out, NULL);

	return (rc & 0xff) == SQLITE_ERROR ? SQLITE_CORRUPT : rc;
}

int
grafi_stmt_take(graf_index *idx, const char *sql, sqlite3_stmt **out)
{
	size_t n = sizeof idx->stmts / sizeof idx->stmts[0];

	for (size_t i = 0; i < n; i++)
		if (idx->stmts[i].sql == sql && idx->stmts[i].stmt) {
			*out = idx->stmts[i].stmt;
			idx->stmts[i].stmt = NULL;
			return SQLITE_OK;
		}
	return grafi_prepare(idx->db, sql, SQLITE_PREPARE_PERSISTENT, out);
}

void
grafi_stmt_give(graf_index *idx, const char *sql, sqlite3_stmt *stmt)
{
	size_t n = sizeof idx->stmts / sizeof idx->stmts[0];

	if (!stmt)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	for (size_t i = 0; i < n; i++)
		if (idx->stmts[i].sql == sql && !idx->stmts[i].stmt) {
			idx->stmts[i].stmt = stmt;
			return;
		}
	for (size_t i = 0; i < n; i++)
		if (!idx->stmts[i].sql) {
			idx->stmts[i].sql = sql;
			idx->stmts[i].stmt = stmt;
			return;
		}
	sqlite3_finalize(stmt);
}

void
grafi_stmt_release(graf_index *idx)
{
	for (size_t i = 0; i < sizeof idx->stmts / sizeof idx->stmts[0]; i++) {
		sqlite3_finalize(idx->stmts[i].stmt);
		idx->stmts[i].stmt = NULL;
		idx->stmts[i].sql = NULL;
	}
}
