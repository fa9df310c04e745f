/*
 * extension.c - graf_register() and the SQLite loadable-extension entry
 * point, so that any SQLite client can read a graf index:
 *
 *     sqlite3 index/graf.db
 *     sqlite> .load libgraf
 *     sqlite> SELECT body FROM para WHERE para MATCH 'export controls';
 *
 * SQLite derives the entry point's name from the file name ("libgraf.so" ->
 * sqlite3_graf_init).  libgraf links the system's libsqlite3, which is the
 * one the sqlite3 shell and Python's sqlite3 module use, so the extension
 * calls SQLite directly instead of through the sqlite3_api_routines table.
 */
#include "config.h"

#include "graf-private.h"

graf_status_t
graf_register(sqlite3 *db)
{
	return grafi_register(db, NULL);
}

graf_status_t
grafi_register(sqlite3 *db, grafi_postings **capture)
{
	int rc = grafi_tokenizer_register(db, capture);

	if (rc == SQLITE_OK)
		rc = grafi_functions_register(db);
	if (rc == SQLITE_OK)
		rc = grafi_rank_register(db);
	if (rc == SQLITE_OK)
		rc = grafi_store_register(db);
	if (rc == SQLITE_OK)
		return GRAF_STATUS_OK;
	/* Out of memory is not "no FTS5": say which. */
	return (rc & 0xff) == SQLITE_NOMEM ? GRAF_STATUS_NOMEM : GRAF_STATUS_SQLITE;
}

/* The loadable-extension entry point (see the file comment). */
int sqlite3_graf_init(sqlite3 *db, char **error_message, const void *api);

int
sqlite3_graf_init(sqlite3 *db, char **error_message, const void *api)
{
	graf_status_t st;

	(void)api;
	st = graf_register(db);
	if (st == GRAF_STATUS_NOMEM)
		return SQLITE_NOMEM;
	if (st != GRAF_STATUS_OK) {
		if (error_message)
			*error_message = sqlite3_mprintf("graf: this SQLite has no FTS5");
		return SQLITE_ERROR;
	}
	return SQLITE_OK;
}
