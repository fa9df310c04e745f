/*
 * fuzz_tokenizer.c - libFuzzer target over the "graf" FTS5 tokenizer
 * (stem-tokenizer.c), registered with graf_register() on an in-memory
 * SQLite database.  The first input byte picks the Snowball language (of
 * graf_languages()); the rest is the text.
 *
 *   1. The tokenizer itself, through FTS5's API: every token it gives must
 *      be non-empty, with 0 <= start <= end <= the text's length (highlight()
 *      and snippet() cut the original text there).
 *   2. For valid UTF-8 (all graf gives it), through an FTS5 table as graf
 *      makes them: the text is inserted, FTS5's integrity-check must pass
 *      (the tokenizer gives the same tokens every time), and each word of the
 *      text, quoted as a query, must find the row (documents and queries are
 *      stemmed alike).
 * Besides the sanitizers' findings, a failure of any of these is a bug, and
 * abort()s.
 *
 * "make fuzz" builds this with clang -fsanitize=fuzzer; fuzz-replay.c runs
 * it over tests/fuzz/seeds/tokenizer and tests/fuzz/regressions/tokenizer in
 * "make check", without libFuzzer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Words longer than this are not looked up as queries (FTS5 limits the
 * length of a query term; the index side is checked by integrity-check). */
#define FUZZ_MAX_QUERY_WORD 200
/* At most this many words of one input are looked up. */
#define FUZZ_MAX_QUERIES 16

static sqlite3 *fuzz_db;
static fts5_api *fuzz_api;
static size_t fuzz_n_languages;

static void __attribute__((noreturn))
fuzzBug(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_tokenizer: %s: %s\n", what, detail ? detail : "");
	abort();
}

static void
fuzzCleanup(void)
{
	sqlite3_close(fuzz_db);
	fuzz_db = NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fuzz_db)
		return 0;
	if (sqlite3_open(":memory:", &fuzz_db) != SQLITE_OK || graf_register(fuzz_db) != GRAF_STATUS_OK)
		fuzzBug("cannot set up SQLite", sqlite3_errmsg(fuzz_db));
	fuzz_api = grafi_fts5_api(fuzz_db);
	if (!fuzz_api)
		fuzzBug("no FTS5", NULL);
	while (graf_languages()[fuzz_n_languages])
		fuzz_n_languages++;
	atexit(fuzzCleanup);
	return 0;
}

/* The words of the text, as the tokenizer cuts them. */
typedef struct Tokens {
	int n_text;
	int n;                   /* tokens seen */
	int starts[FUZZ_MAX_QUERIES];
	int ends[FUZZ_MAX_QUERIES];
	int kept;                /* words kept for queries */
} Tokens;

static int
fuzzToken(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	Tokens *t = ctx;

	(void)tflags;
	if (!token || n_token <= 0)
		fuzzBug("empty token", NULL);
	if (start < 0 || start > end || end > t->n_text)
		fuzzBug("token offsets outside the text", NULL);
	t->n++;
	if (t->kept < FUZZ_MAX_QUERIES && end - start <= FUZZ_MAX_QUERY_WORD) {
		t->starts[t->kept] = start;
		t->ends[t->kept] = end;
		t->kept++;
	}
	return SQLITE_OK;
}

/* Tokenize TEXT directly with the "graf" tokenizer for LANGUAGE. */
static void
fuzzTokenize(const char *language, const char *text, int len, Tokens *t)
{
	const char *args[] = { language, "unicode61", "remove_diacritics", "2" };
	fts5_tokenizer methods;
	Fts5Tokenizer *tok = NULL;
	void *user = NULL;
	int rc;

	if (fuzz_api->xFindTokenizer(fuzz_api, GRAFI_TOKENIZER_NAME, &user, &methods) != SQLITE_OK)
		fuzzBug("no graf tokenizer", NULL);
	if (methods.xCreate(user, args, 4, &tok) != SQLITE_OK)
		fuzzBug("cannot create the tokenizer", language);
	t->n_text = len;
	rc = methods.xTokenize(tok, t, FTS5_TOKENIZE_DOCUMENT, text, len, fuzzToken);
	if (rc != SQLITE_OK)
		fuzzBug("xTokenize failed", sqlite3_errstr(rc));
	methods.xDelete(tok);
}

/* Run SQL, which must work. */
static void
fuzzExec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(fuzz_db, sql, NULL, NULL, &err) != SQLITE_OK)
		fuzzBug(sql, err);
	sqlite3_free(err);
}

/* Through a table: insert, check, find each word. */
static void
fuzzTable(const char *language, const char *text, int len, const Tokens *t)
{
	char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE temp.t USING fts5(body, tokenize = "
				    "'graf %s unicode61 remove_diacritics 2')", language);
	sqlite3_stmt *stmt = NULL;

	if (!sql)
		fuzzBug("out of memory", NULL);
	fuzzExec("BEGIN");
	fuzzExec(sql);
	sqlite3_free(sql);
	if (sqlite3_prepare_v2(fuzz_db, "INSERT INTO t(rowid, body) VALUES(1, ?1)", -1, &stmt, NULL) !=
	    SQLITE_OK)
		fuzzBug("prepare", sqlite3_errmsg(fuzz_db));
	sqlite3_bind_text(stmt, 1, text, len, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		fuzzBug("insert", sqlite3_errmsg(fuzz_db));
	sqlite3_finalize(stmt);
	fuzzExec("INSERT INTO t(t) VALUES('integrity-check')");

	if (sqlite3_prepare_v2(fuzz_db, "SELECT rowid FROM t WHERE t MATCH ?1", -1, &stmt, NULL) !=
	    SQLITE_OK)
		fuzzBug("prepare", sqlite3_errmsg(fuzz_db));
	for (int i = 0; i < t->kept; i++) {
		/* The word as an FTS5 string: quotes doubled. */
		sqlite3_str *q = sqlite3_str_new(fuzz_db);
		char *query;
		int rc;

		sqlite3_str_appendchar(q, 1, '"');
		for (int k = t->starts[i]; k < t->ends[i]; k++)
			sqlite3_str_appendchar(q, text[k] == '"' ? 2 : 1, text[k]);
		sqlite3_str_appendchar(q, 1, '"');
		query = sqlite3_str_finish(q);
		if (!query)
			fuzzBug("out of memory", NULL);
		sqlite3_bind_text(stmt, 1, query, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_ROW)
			fuzzBug("a word of the text does not find it", query);
		sqlite3_reset(stmt);
		sqlite3_free(query);
	}
	sqlite3_finalize(stmt);
	fuzzExec("ROLLBACK");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *language;
	const char *text = (const char *)data + 1;
	Tokens t = { 0 };
	int len;

	if (size == 0 || size > 1 << 20)
		return 0;
	if (!fuzz_db)
		LLVMFuzzerInitialize(NULL, NULL);
	language = graf_languages()[data[0] % fuzz_n_languages];
	len = (int)(size - 1);
	fuzzTokenize(language, text, len, &t);
	if (grafi_utf8_valid(text, (size_t)len) && !memchr(text, '\0', (size_t)len))
		fuzzTable(language, text, len, &t);
	return 0;
}
