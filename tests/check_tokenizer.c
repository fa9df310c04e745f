/*
 * check_tokenizer.c - the "graf" FTS5 tokenizer (lib/stem-tokenizer.c).
 *
 * The tokenizer is driven the way FTS5 drives it: through the fts5_api of an
 * in-memory database on which graf_register() ran (xFindTokenizer, xCreate,
 * xTokenize), and through SQL (an FTS5 table and its fts5vocab view).  Every
 * test checks the byte offsets of the tokens, not only their text:
 * highlighting depends on them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graf-private.h"
#include "check_graf.h"

/* One token as the tokenizer reported it. */
typedef struct Tok {
	char *text;
	int start, end;
} Tok;

typedef struct Toks {
	Tok *v;
	int n, cap;
} Toks;

static sqlite3 *db;
static fts5_api *api;

static void
setup(void)
{
	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(graf_register(db), GRAF_STATUS_OK);
	api = grafi_fts5_api(db);
	ck_assert_ptr_nonnull(api);
}

static void
teardown(void)
{
	sqlite3_close(db);
	db = NULL;
	api = NULL;
}

static void
toksFree(Toks *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* xToken callback: collect every token. */
static int
collectToken(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	Toks *t = ctx;

	(void)tflags;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = realloc(t->v, (size_t)t->cap * sizeof *t->v);
		ck_assert_ptr_nonnull(t->v);
	}
	t->v[t->n].text = strndup(token, (size_t)n_token);
	ck_assert_ptr_nonnull(t->v[t->n].text);
	t->v[t->n].start = start;
	t->v[t->n].end = end;
	t->n++;
	return SQLITE_OK;
}

/*
 * Create a "graf" tokenizer with the space-separated arguments ARGS (as in
 * "tokenize = 'graf ARGS'"; "" for none).
 * @retval the xCreate status; *OUT is set on SQLITE_OK and NULL otherwise
 */
static int
createTokenizer(const char *args, fts5_tokenizer *methods, Fts5Tokenizer **out)
{
	char *copy = strdup(args);
	const char *argv[16];
	int argc = 0, rc;
	void *user_data = NULL;

	ck_assert_ptr_nonnull(copy);
	for (char *w = strtok(copy, " "); w && argc < 16; w = strtok(NULL, " "))
		argv[argc++] = w;
	ck_assert_int_eq(api->xFindTokenizer(api, "graf", &user_data, methods), SQLITE_OK);
	*out = (Fts5Tokenizer *)&argc;  /* must be overwritten */
	rc = methods->xCreate(user_data, argv, argc, out);
	free(copy);
	return rc;
}

/* Tokenize TEXT with a tokenizer made from ARGS, FLAGS as FTS5 passes them. */
static Toks
tokenizeFlags(const char *args, const char *text, int flags)
{
	fts5_tokenizer m;
	Fts5Tokenizer *tok;
	Toks t = { 0 };

	ck_assert_int_eq(createTokenizer(args, &m, &tok), SQLITE_OK);
	ck_assert_ptr_nonnull(tok);
	ck_assert_int_eq(m.xTokenize(tok, &t, flags, text, (int)strlen(text), collectToken),
			 SQLITE_OK);
	m.xDelete(tok);
	return t;
}

static Toks
tokenize(const char *args, const char *text)
{
	return tokenizeFlags(args, text, FTS5_TOKENIZE_DOCUMENT);
}

/* Assert that token I of T is TEXT at bytes [START, END). */
#define ck_assert_tok(t, i, txt, s, e) \
	do { \
		ck_assert_int_gt((t).n, (i)); \
		ck_assert_str_eq((t).v[i].text, (txt)); \
		ck_assert_int_eq((t).v[i].start, (s)); \
		ck_assert_int_eq((t).v[i].end, (e)); \
	} while (0)

/* The single stem of WORD in LANGUAGE (malloc'ed). */
static char *
stemOf(const char *language, const char *word)
{
	Toks t = tokenize(language, word);
	char *s;

	ck_assert_int_eq(t.n, 1);
	s = strdup(t.v[0].text);
	toksFree(&t);
	return s;
}

/* Assert that A and B have the same stem in LANGUAGE. */
static void
assertSameStem(const char *language, const char *a, const char *b)
{
	char *sa = stemOf(language, a), *sb = stemOf(language, b);

	ck_assert_msg(strcmp(sa, sb) == 0, "%s: '%s' -> '%s' but '%s' -> '%s'", language, a, sa,
		      b, sb);
	free(sa);
	free(sb);
}

/* --------------------------------------------------------------- core -- */

START_TEST(test_stems_english)
{
	Toks t = tokenize("english", "Export controls licensing earths running");

	ck_assert_int_eq(t.n, 5);
	ck_assert_tok(t, 0, "export", 0, 6);
	ck_assert_tok(t, 1, "control", 7, 15);
	ck_assert_tok(t, 2, "licens", 16, 25);
	ck_assert_tok(t, 3, "earth", 26, 32);
	ck_assert_tok(t, 4, "run", 33, 40);
	toksFree(&t);
}
END_TEST

/* Documents and queries must agree: each pair is one word as the corpus and
 * as a query write it. */
START_TEST(test_stems_agree)
{
	static const char *const pairs[][2] = {
		{ "controls", "control" }, { "licensing", "licenses" }, { "earths", "earth" },
		{ "exports", "export" },   { "Chips", "chip" },         { "EXPORTS", "exported" },
	};

	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		assertSameStem("english", pairs[i][0], pairs[i][1]);
}
END_TEST

/* With no argument at all the tokenizer stems English. */
START_TEST(test_default_language)
{
	Toks t = tokenize("", "controls");

	ck_assert_int_eq(t.n, 1);
	ck_assert_tok(t, 0, "control", 0, 8);
	toksFree(&t);
}
END_TEST

/* "China’s": China (0..5), U+2019 (5..8), s (8..9), space, AI (10..12). */
START_TEST(test_apostrophe_typographic)
{
	Toks t = tokenize("english", "China\xe2\x80\x99s AI");

	ck_assert_int_eq(t.n, 2);
	ck_assert_tok(t, 0, "china", 0, 5);
	ck_assert_tok(t, 1, "ai", 10, 12);
	toksFree(&t);
}
END_TEST

START_TEST(test_apostrophe_ascii)
{
	Toks t = tokenize("english", "Huang's speech");

	ck_assert_int_eq(t.n, 2);
	ck_assert_tok(t, 0, "huang", 0, 5);
	ck_assert_tok(t, 1, "speech", 8, 14);
	toksFree(&t);
}
END_TEST

/* Only a possessive "s" is dropped: a lone "s" elsewhere is a word. */
START_TEST(test_apostrophe_only_possessive)
{
	Toks t = tokenize("english", "s plan s 's x\xe2\x80\x99 s");

	/* "s" at the start, "s" after a space, "'s" with nothing before the
	 * apostrophe, and "s" after "x’ " (apostrophe then space) are all
	 * kept: none is glued to a word by a single apostrophe. */
	ck_assert_int_eq(t.n, 6);
	ck_assert_tok(t, 0, "s", 0, 1);
	ck_assert_tok(t, 1, "plan", 2, 6);
	ck_assert_tok(t, 2, "s", 7, 8);
	ck_assert_tok(t, 3, "s", 10, 11);
	ck_assert_tok(t, 4, "x", 12, 13);
	ck_assert_tok(t, 5, "s", 17, 18);
	toksFree(&t);
}
END_TEST

/* "it's" and "Nvidia’s" lose the "s"; "Nvidia's" after another word too. */
START_TEST(test_apostrophe_every_possessive)
{
	Toks t = tokenize("english", "Nvidia\xe2\x80\x99s chips, it's Yu's");

	ck_assert_int_eq(t.n, 4);
	ck_assert_tok(t, 0, "nvidia", 0, 6);
	ck_assert_tok(t, 1, "chip", 11, 16);
	ck_assert_tok(t, 2, "it", 18, 20);
	ck_assert_tok(t, 3, "yu", 23, 25);
	toksFree(&t);
}
END_TEST

/* Diacritics are removed before stemming, offsets stay those of the text:
 * "Café" is 5 bytes. */
START_TEST(test_diacritics)
{
	Toks t = tokenize("english", "Caf\xc3\xa9 na\xc3\xafve \xc3\x85ngstr\xc3\xb6m");

	ck_assert_int_eq(t.n, 3);
	ck_assert_tok(t, 0, "cafe", 0, 5);
	ck_assert_str_eq(t.v[1].text, "naiv");
	ck_assert_int_eq(t.v[1].start, 6);
	ck_assert_int_eq(t.v[1].end, 12);
	ck_assert_str_eq(t.v[2].text, "angstrom");
	ck_assert_int_eq(t.v[2].start, 13);
	ck_assert_int_eq(t.v[2].end, 23);
	toksFree(&t);
	assertSameStem("english", "Caf\xc3\xa9", "cafe");
}
END_TEST

/* German: another Snowball stemmer, with umlauts. */
START_TEST(test_language_german)
{
	Toks t = tokenize("german", "H\xc3\xa4user Kinder");

	ck_assert_int_eq(t.n, 2);
	ck_assert_tok(t, 0, "haus", 0, 7);
	ck_assert_tok(t, 1, "kind", 8, 14);
	toksFree(&t);
	assertSameStem("german", "H\xc3\xa4usern", "Haus");
}
END_TEST

START_TEST(test_language_french)
{
	Toks t = tokenize("french", "continuellement nationales");

	ck_assert_int_eq(t.n, 2);
	ck_assert_tok(t, 0, "continuel", 0, 15);
	ck_assert_tok(t, 1, "national", 16, 26);
	toksFree(&t);
	assertSameStem("french", "nationale", "nationales");
}
END_TEST

/* Explicit parent arguments are honoured: without remove_diacritics the
 * accent stays. */
START_TEST(test_parent_arguments)
{
	Toks t = tokenize("english unicode61 remove_diacritics 0", "Caf\xc3\xa9s");

	ck_assert_int_eq(t.n, 1);
	ck_assert_tok(t, 0, "caf\xc3\xa9", 0, 6);
	toksFree(&t);
}
END_TEST

/* Prefix queries ("licen*") are matched by their written beginning, so the
 * fragment must not be stemmed. */
START_TEST(test_prefix_not_stemmed)
{
	Toks t = tokenizeFlags("english", "licensing", FTS5_TOKENIZE_PREFIX | FTS5_TOKENIZE_QUERY);

	ck_assert_int_eq(t.n, 1);
	ck_assert_tok(t, 0, "licensing", 0, 9);
	toksFree(&t);
	t = tokenizeFlags("english", "licensing", FTS5_TOKENIZE_QUERY);
	ck_assert_tok(t, 0, "licens", 0, 9);
	toksFree(&t);
}
END_TEST

/* Through SQL: an FTS5 table with the graf tokenizer holds "china" and no
 * "s" term for both apostrophes, and MATCH stems the query the same way. */
START_TEST(test_sql_vocabulary)
{
	sqlite3_stmt *stmt;
	char terms[256] = "";
	int n;

	ck_assert_int_eq(sqlite3_exec(db,
		"CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'graf english');"
		"CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row');"
		"INSERT INTO t VALUES ('China\xe2\x80\x99s exports'), ('China''s controls');",
		NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT term, doc FROM v ORDER BY term", -1, &stmt,
					    NULL), SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		size_t len = strlen(terms);

		snprintf(terms + len, sizeof terms - len, "%s%s:%d", len ? " " : "",
			 sqlite3_column_text(stmt, 0), sqlite3_column_int(stmt, 1));
	}
	sqlite3_finalize(stmt);
	ck_assert_str_eq(terms, "china:2 control:1 export:1");

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?1", -1,
					    &stmt, NULL), SQLITE_OK);
	static const struct {
		const char *query;
		int rows;
	} cases[] = {
		{ "export", 1 }, { "\"China's\"", 2 }, { "control", 1 }, { "controlling", 1 },
		{ "s", 0 },      { "chin*", 2 },       { "china AND exported", 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sqlite3_bind_text(stmt, 1, cases[i].query, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
		n = sqlite3_column_int(stmt, 0);
		ck_assert_msg(n == cases[i].rows, "MATCH '%s': %d rows, expected %d", cases[i].query,
			      n, cases[i].rows);
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
}
END_TEST

/* highlight() re-tokenizes with the table's tokenizer: its markers land on
 * the words as written, so the offsets are right. */
START_TEST(test_sql_highlight)
{
	sqlite3_stmt *stmt;

	ck_assert_int_eq(sqlite3_exec(db,
		"CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'graf english');"
		"INSERT INTO t VALUES ('Caf\xc3\xa9 owners\xe2\x80\x99 export controls');",
		NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
		"SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH 'cafe owner control'",
		-1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(stmt, 0),
			 "[Caf\xc3\xa9] [owners]\xe2\x80\x99 export [controls]");
	sqlite3_finalize(stmt);
}
END_TEST

/* The query path of an index (grafi_tokenize) is the same tokenizer. */
START_TEST(test_index_tokenize)
{
	char *dir = ck_tmpdir("tokenizer");
	char *path = ck_printf("%s/g.db", dir);
	graf_index *idx;
	Toks t = { 0 };

	ck_assert_int_eq(graf_index_open(path, GRAF_OPEN_WRITE, "english", &idx, NULL),
			 GRAF_STATUS_OK);
	ck_assert_int_eq(grafi_tokenize(idx, "Huang\xe2\x80\x99s licensing", 19,
					FTS5_TOKENIZE_QUERY, &t, collectToken), SQLITE_OK);
	ck_assert_int_eq(t.n, 2);
	ck_assert_tok(t, 0, "huang", 0, 5);
	ck_assert_tok(t, 1, "licens", 10, 19);
	toksFree(&t);
	graf_index_close(idx);
	ck_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

/*
 * grafi_tokenize_for() relies on English stems beginning as their words do
 * (stem-tokenizer.c, stemKeepsFirstByte()): the stemmer's exceptions, its
 * y and "ies" rules, and words whose suffix is nearly all of them.
 */
START_TEST(test_english_keeps_first_byte)
{
	static const char *const words[] = {
		"skies", "skis", "dying", "lying", "tying", "idly", "gently", "ugly", "early",
		"only", "singly", "news", "howe", "atlas", "cosmos", "bias", "andes", "yes",
		"yelling", "youth", "ies", "ied", "eed", "eedly", "ational", "ization", "ousness",
		"ly", "ing", "ed", "y", "s", "sses", "generously", "exceedingly", "abilities",
	};

	for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
		char *stem = stemOf("english", words[i]);

		ck_assert_msg(stem[0] == words[i][0], "'%s' stems to '%s'", words[i], stem);
		free(stem);
	}
}
END_TEST

/*
 * grafi_tokenize_for() gives the tokens grafi_tokenize() gives, at the same
 * places, stemmed where they begin with one of the first bytes asked for;
 * the others may come unstemmed (English), and no other language skips.
 */
START_TEST(test_tokenize_for)
{
	static const char text[] = "Licensing rules: exporters said controls were tightening "
				   "and Nvidia's licences expired";
	static const char *const languages[] = { "english", "german" };

	for (int l = 0; l < 2; l++) {
		char *dir = ck_tmpdir("tokenizer");
		char *path = ck_printf("%s/g.db", dir);
		grafi_first_bytes first = { { 0 } };
		graf_index *idx;
		Toks all = { 0 }, some = { 0 };
		int unstemmed = 0;

		ck_assert_int_eq(graf_index_open(path, GRAF_OPEN_WRITE, languages[l], &idx, NULL),
				 GRAF_STATUS_OK);
		grafi_first_bytes_add(&first, "licens");
		grafi_first_bytes_add(&first, "export");
		ck_assert_int_eq(grafi_tokenize(idx, text, (int)strlen(text), FTS5_TOKENIZE_AUX, &all,
						collectToken), SQLITE_OK);
		ck_assert_int_eq(grafi_tokenize_for(idx, text, (int)strlen(text), FTS5_TOKENIZE_AUX,
						    &first, &some, collectToken), SQLITE_OK);
		ck_assert_int_eq(all.n, some.n);
		for (int i = 0; i < all.n; i++) {
			ck_assert_int_eq(all.v[i].start, some.v[i].start);
			ck_assert_int_eq(all.v[i].end, some.v[i].end);
			if (all.v[i].text[0] == 'l' || all.v[i].text[0] == 'e')
				ck_assert_str_eq(all.v[i].text, some.v[i].text);
			else if (strcmp(all.v[i].text, some.v[i].text) != 0)
				unstemmed++;
		}
		/* "rules", "controls", "tightening", "expired" is an 'e' */
		if (l == 0)
			ck_assert_int_ge(unstemmed, 3);
		else
			ck_assert_int_eq(unstemmed, 0);
		/* and the plain path is back to stemming everything */
		toksFree(&some);
		ck_assert_int_eq(grafi_tokenize(idx, text, (int)strlen(text), FTS5_TOKENIZE_AUX, &some,
						collectToken), SQLITE_OK);
		for (int i = 0; i < all.n; i++)
			ck_assert_str_eq(all.v[i].text, some.v[i].text);
		toksFree(&all);
		toksFree(&some);
		graf_index_close(idx);
		ck_rmtree(dir);
		free(path);
		free(dir);
	}
}
END_TEST

/* The tokens made ahead for the writer (the pipe's) carry what the capture
 * of postings needs: each term's count at its first token, 0 at its other
 * tokens, and the same hash for the same stem; text by text. */
START_TEST(test_tokens_counted)
{
	char *dir = ck_tmpdir("tokenizer");
	char *path = ck_printf("%s/g.db", dir);
	const char *first = "The cats and the cat: the end", *second = "cat cat";
	grafi_token_buf buf = { 0 };
	grafi_tokenizer *tok = NULL;
	graf_index *idx;
	size_t n_first;

	ck_assert_int_eq(graf_index_open(path, GRAF_OPEN_WRITE, "english", &idx, NULL),
			 GRAF_STATUS_OK);
	ck_assert_int_eq(grafi_tokenizer_new(idx, &tok), SQLITE_OK);
	ck_assert_int_eq(grafi_tokenizer_append(tok, first, (int)strlen(first), &buf), SQLITE_OK);
	n_first = buf.n;
	ck_assert_int_eq(grafi_tokenizer_append(tok, second, (int)strlen(second), &buf), SQLITE_OK);
	/* the cat and the cat the end | cat cat */
	ck_assert_uint_eq(n_first, 7);
	ck_assert_uint_eq(buf.n, 9);
	{
		const uint32_t want_tf[] = { 3, 2, 1, 0, 0, 0, 1, 2, 0 };

		for (size_t i = 0; i < buf.n; i++)
			ck_assert_msg(buf.v[i].tf == want_tf[i], "token %zu: tf %u, not %u", i,
				      buf.v[i].tf, want_tf[i]);
	}
	ck_assert_uint_eq(buf.v[0].hash, buf.v[3].hash);  /* the */
	ck_assert_uint_eq(buf.v[1].hash, buf.v[4].hash);  /* cats, cat */
	ck_assert_uint_eq(buf.v[1].hash, buf.v[7].hash);  /* across texts */
	ck_assert_uint_ne(buf.v[0].hash, buf.v[1].hash);
	grafi_tokenizer_free(tok);
	free(buf.v);
	free(buf.stems);
	free(buf.slots);
	graf_index_close(idx);
	ck_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

/* ------------------------------------------------------------- limits -- */

START_TEST(test_empty_and_punctuation)
{
	Toks t = tokenize("english", "");

	ck_assert_int_eq(t.n, 0);
	t = tokenize("english", " \t\n\"\xe2\x80\x94 ... -- ' \xe2\x80\x99 ");
	ck_assert_int_eq(t.n, 0);
	toksFree(&t);
}
END_TEST

/*
 * Tokens up to STEM_MAX_TOKEN (64) bytes are stemmed, longer ones pass
 * unchanged: "talk" x 15 + "ing" (63 bytes) loses its "ing", "talk" x 16 +
 * "ing" (67 bytes) does not.
 */
START_TEST(test_long_token)
{
	char shortw[80] = "", longw[80] = "", text[200];
	Toks t;

	for (int i = 0; i < 15; i++)
		strcat(shortw, "talk");
	strcpy(longw, shortw);
	strcat(longw, "talk");
	snprintf(text, sizeof text, "%sing %sing", shortw, longw);
	t = tokenize("english", text);
	ck_assert_int_eq(t.n, 2);
	ck_assert_tok(t, 0, shortw, 0, 63);
	strcat(longw, "ing");
	ck_assert_tok(t, 1, longw, 64, 131);
	toksFree(&t);
}
END_TEST

/* Numbers, mixed scripts and a four-byte character keep exact offsets. */
START_TEST(test_offsets_mixed)
{
	/* "H20 – $4 trillion 😀 Zürich" */
	const char *text = "H20 \xe2\x80\x93 $4 trillion \xf0\x9f\x98\x80 Z\xc3\xbcrich";
	Toks t = tokenize("english", text);

	ck_assert_int_eq(t.n, 4);
	ck_assert_tok(t, 0, "h20", 0, 3);
	ck_assert_tok(t, 1, "4", 9, 10);
	ck_assert_tok(t, 2, "trillion", 11, 19);
	ck_assert_tok(t, 3, "zurich", 25, 32);
	/* Every token's offsets point at its word in the original text. */
	ck_assert_int_eq(memcmp(text + 25, "Z\xc3\xbcrich", 7), 0);
	toksFree(&t);
}
END_TEST

/* A large text tokenizes completely: N copies of a sentence give N times
 * its tokens, the last one at the right place. */
START_TEST(test_large_text)
{
	const char *sentence = "Nvidia\xe2\x80\x99s chips face export controls. ";
	size_t slen = strlen(sentence), n = 20000;
	int at = (int)(strstr(sentence, "controls") - sentence);
	char *text = malloc(slen * n + 1);
	Toks t;

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * slen, sentence, slen);
	text[slen * n] = '\0';
	t = tokenize("english", text);
	ck_assert_int_eq(t.n, (int)(5 * n));
	ck_assert_tok(t, t.n - 1, "control", (int)(slen * (n - 1)) + at,
		      (int)(slen * (n - 1)) + at + 8);
	toksFree(&t);
	free(text);
}
END_TEST

/* Every language libstemmer lists can be created and stems a word. */
START_TEST(test_all_languages)
{
	const char *const *langs = graf_languages();
	int n = 0;

	ck_assert_ptr_nonnull(langs);
	for (; *langs; langs++, n++) {
		Toks t = tokenize(*langs, "word");

		ck_assert_msg(t.n == 1, "language '%s'", *langs);
		ck_assert(grafi_language_known(*langs));
		toksFree(&t);
	}
	ck_assert_int_ge(n, 2);
}
END_TEST

/* ------------------------------------------------------------- errors -- */

START_TEST(test_unknown_language)
{
	fts5_tokenizer m;
	Fts5Tokenizer *tok;

	ck_assert_int_eq(createTokenizer("klingon", &m, &tok), SQLITE_ERROR);
	ck_assert_ptr_null(tok);
	ck_assert(!grafi_language_known("klingon"));
	ck_assert(!grafi_language_known(""));
	ck_assert(!grafi_language_known(NULL));
	/* Through SQL, the table cannot be created. */
	ck_assert_int_ne(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'graf klingon')",
				      NULL, NULL, NULL), SQLITE_OK);
}
END_TEST

/* An index cannot be created in an unknown language; the message names it. */
START_TEST(test_unknown_language_index)
{
	char *dir = ck_tmpdir("tokenizer");
	char *path = ck_printf("%s/g.db", dir);
	graf_index *idx = (graf_index *)&dir;
	char *msg = NULL;

	ck_assert_int_eq(graf_index_open(path, GRAF_OPEN_WRITE, "klingon", &idx, &msg),
			 GRAF_STATUS_BAD_ARGUMENT);
	ck_assert_ptr_null(idx);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "'klingon'") != NULL, "message: %s", msg);
	ck_assert(!ck_exists(path));
	free(msg);
	/* Not a word at all: refused before it could reach SQL text. */
	ck_assert_int_eq(graf_index_open(path, GRAF_OPEN_WRITE, "english'); DROP TABLE x; --",
					 &idx, &msg), GRAF_STATUS_BAD_ARGUMENT);
	ck_assert_ptr_null(idx);
	free(msg);
	ck_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_unknown_parent)
{
	fts5_tokenizer m;
	Fts5Tokenizer *tok;

	ck_assert_int_ne(createTokenizer("english nosuchtokenizer", &m, &tok), SQLITE_OK);
	ck_assert_ptr_null(tok);
	ck_assert_int_ne(createTokenizer("english unicode61 no_such_option 1", &m, &tok), SQLITE_OK);
	ck_assert_ptr_null(tok);
}
END_TEST

/* xDelete accepts NULL, as FTS5's own tokenizers do. */
START_TEST(test_delete_null)
{
	fts5_tokenizer m;
	void *user_data;

	ck_assert_int_eq(api->xFindTokenizer(api, "graf", &user_data, &m), SQLITE_OK);
	m.xDelete(NULL);
}
END_TEST

/* The callback's error stops the tokenizer and is returned. */
static int
failToken(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	(void)tflags; (void)token; (void)n_token; (void)start; (void)end;
	return ++*(int *)ctx == 2 ? SQLITE_ABORT : SQLITE_OK;
}

START_TEST(test_callback_error)
{
	fts5_tokenizer m;
	Fts5Tokenizer *tok;
	int calls = 0;

	ck_assert_int_eq(createTokenizer("english", &m, &tok), SQLITE_OK);
	ck_assert_int_eq(m.xTokenize(tok, &calls, FTS5_TOKENIZE_DOCUMENT, "one two three four", 18,
				     failToken), SQLITE_ABORT);
	ck_assert_int_eq(calls, 2);
	m.xDelete(tok);
}
END_TEST

Suite *
tokenizer_suite(void)
{
	Suite *s = suite_create("tokenizer");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_test(core, test_stems_english);
	tcase_add_test(core, test_stems_agree);
	tcase_add_test(core, test_default_language);
	tcase_add_test(core, test_apostrophe_typographic);
	tcase_add_test(core, test_apostrophe_ascii);
	tcase_add_test(core, test_apostrophe_only_possessive);
	tcase_add_test(core, test_apostrophe_every_possessive);
	tcase_add_test(core, test_diacritics);
	tcase_add_test(core, test_language_german);
	tcase_add_test(core, test_language_french);
	tcase_add_test(core, test_parent_arguments);
	tcase_add_test(core, test_prefix_not_stemmed);
	tcase_add_test(core, test_sql_vocabulary);
	tcase_add_test(core, test_sql_highlight);
	tcase_add_test(core, test_index_tokenize);
	tcase_add_test(core, test_english_keeps_first_byte);
	tcase_add_test(core, test_tokenize_for);
	tcase_add_test(core, test_tokens_counted);
	suite_add_tcase(s, core);

	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_set_timeout(limits, CK_SLOW_TIMEOUT);
	tcase_add_test(limits, test_empty_and_punctuation);
	tcase_add_test(limits, test_long_token);
	tcase_add_test(limits, test_offsets_mixed);
	tcase_add_test(limits, test_large_text);
	tcase_add_test(limits, test_all_languages);
	suite_add_tcase(s, limits);

	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_test(errors, test_unknown_language);
	tcase_add_test(errors, test_unknown_language_index);
	tcase_add_test(errors, test_unknown_parent);
	tcase_add_test(errors, test_delete_null);
	tcase_add_test(errors, test_callback_error);
	suite_add_tcase(s, errors);
	return s;
}
