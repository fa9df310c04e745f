/*
 * status.c - status codes, error messages and small string helpers.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

static const char *const status_names[GRAF_STATUS_LAST] = {
	[GRAF_STATUS_OK] = "no error",
	[GRAF_STATUS_NOMEM] = "out of memory",
	[GRAF_STATUS_IO] = "input/output error",
	[GRAF_STATUS_NO_INDEX] = "no index",
	[GRAF_STATUS_BAD_INDEX] = "not a graf index, or damaged",
	[GRAF_STATUS_INDEX_VERSION] = "index made by another version of graf",
	[GRAF_STATUS_BUSY] = "index busy",
	[GRAF_STATUS_BAD_QUERY] = "bad query",
	[GRAF_STATUS_BAD_ARGUMENT] = "bad argument",
	[GRAF_STATUS_READ_ONLY] = "read-only",
	[GRAF_STATUS_FULL] = "disk full",
	[GRAF_STATUS_INTERRUPTED] = "interrupted",
	[GRAF_STATUS_SQLITE] = "SQLite error",
	[GRAF_STATUS_INTERNAL] = "internal error",
	[GRAF_STATUS_BAD_INPUT] = "malformed input",
};

const char *
graf_status_to_string(graf_status_t status)
{
	if ((unsigned)status >= GRAF_STATUS_LAST)
		return "unknown status";
	return status_names[status];
}

const char *
graf_version(void)
{
	return PACKAGE_VERSION;
}

graf_status_t
grafi_error(graf_index *idx, graf_status_t status, const char *fmt, ...)
{
	va_list ap;

	if (!idx)
		return status;
	va_start(ap, fmt);
	vsnprintf(idx->errmsg, sizeof idx->errmsg, fmt, ap);
	va_end(ap);
	/* One line, always: SQLite's messages quote the database (a table
	 * name from a damaged schema) and FTS5's quote the query. */
	for (char *c = idx->errmsg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	return status;
}

graf_status_t
grafi_status_from_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return GRAF_STATUS_OK;
	case SQLITE_NOMEM:
		return GRAF_STATUS_NOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return GRAF_STATUS_BUSY;
	case SQLITE_READONLY:
		return GRAF_STATUS_READ_ONLY;
	case SQLITE_FULL:
		return GRAF_STATUS_FULL;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return GRAF_STATUS_IO;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return GRAF_STATUS_BAD_INDEX;
	case SQLITE_INTERRUPT:
		return GRAF_STATUS_INTERRUPTED;
	default:
		return GRAF_STATUS_SQLITE;
	}
}

bool
grafi_sqlite_error_bare(sqlite3 *db)
{
	return (sqlite3_errcode(db) & 0xff) == SQLITE_ERROR &&
	       strcmp(sqlite3_errmsg(db), sqlite3_errstr(SQLITE_ERROR)) == 0;
}

graf_status_t
grafi_sqlite_error(graf_index *idx, int rc, const char *what)
{
	graf_status_t status = grafi_status_from_sqlite(rc);
	/* RC may be graf's own verdict (SQLITE_CORRUPT for a paragraph without
	 * its article) on a connection whose last error is "not an error";
	 * or grafi_prepare()'s, on SQLite's SQLITE_ERROR with the cause. */
	int last = sqlite3_errcode(idx->db) & 0xff;
	const char *why = last == (rc & 0xff) || (rc == SQLITE_CORRUPT && last == SQLITE_ERROR)
				  ? sqlite3_errmsg(idx->db)
				  : sqlite3_errstr(rc);

	if (status == GRAF_STATUS_OK)
		return status;
	/* graf's own statements name only tables and columns its schema has:
	 * one that is missing means a damaged schema.  FTS5 prepares its
	 * statements on the content tables when it first reads a row, so this
	 * shows at a step, past grafi_prepare()'s check.  And when one of
	 * FTS5's statements on its own tables (para_idx, para_data) fails so,
	 * FTS5 passes on the bare code, not the message: a plain "SQL logic
	 * error" from graf's statements is that (random corruption found it:
	 * "no such column: pgno" in the schema of para_idx).  (A user's raw
	 * FTS5 query is the caller's to tell apart: its syntax errors are
	 * SQLITE_ERROR too.) */
	if ((rc & 0xff) == SQLITE_ERROR && last == SQLITE_ERROR &&
	    (strncmp(why, "no such table", 13) == 0 || strncmp(why, "no such column", 14) == 0 ||
	     grafi_sqlite_error_bare(idx->db)))
		status = GRAF_STATUS_BAD_INDEX;
	/* SQLite reports a full disk as SQLITE_FULL when it writes a page,
	 * but as an I/O error when it sizes the -shm file (SHMSIZE). */
	if (status == GRAF_STATUS_IO && sqlite3_system_errno(idx->db) == ENOSPC)
		status = GRAF_STATUS_FULL;
	switch (status) {
	case GRAF_STATUS_FULL:
		return grafi_error(idx, status, "%s: disk full writing '%s'; the index is unchanged",
				   what, idx->path);
	case GRAF_STATUS_BAD_INDEX:
		return grafi_error(idx, status,
				   "%s: index '%s' is damaged (%s); rebuild it with graf-index --rebuild",
				   what, idx->path, why);
	case GRAF_STATUS_BUSY:
		return grafi_error(idx, status,
				   "%s: index '%s' is locked by another process", what, idx->path);
	case GRAF_STATUS_INTERRUPTED:
		return grafi_error(idx, status, "%s: interrupted", what);
	default:
		return grafi_error(idx, status, "%s: %s", what, why);
	}
}

const char *
grafi_column_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *v = sqlite3_column_text(stmt, col);

	if (v)
		return (const char *)v;
	if ((sqlite3_errcode(sqlite3_db_handle(stmt)) & 0xff) == SQLITE_NOMEM)
		return NULL;
	return "";
}

char *
grafi_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}
