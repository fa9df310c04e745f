/*
 * match.c - graf_matches(), the FTS5 auxiliary function that says where the
 * query matched in a paragraph, as byte ranges of the original text.
 *
 * highlight() would do, but it writes markup into the text; every output
 * format of graf needs the ranges themselves (JSON gives them as numbers, the
 * terminal view colours them), so graf computes them once, here, the same way
 * fts5_aux.c does: the phrase instances give token positions, and tokenizing
 * the text again with the table's own tokenizer turns positions into offsets.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* State of one tokenizer pass over the column text. */
typedef struct MatchContext {
	const int *wanted;     /* token positions to report, sorted, unique */
	int n_wanted;
	int next;              /* index in WANTED of the next position to find */
	int pos;               /* position of the current token */
	sqlite3_str *out;      /* "start end start end ..." */
} MatchContext;

static int
matchCompareInt(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* xToken callback: report the offsets of the wanted positions. */
static int
matchToken(void *p, int tflags, const char *token, int n_token, int start, int end)
{
	MatchContext *c = p;

	if (!(tflags & FTS5_TOKEN_COLOCATED))
		c->pos++;
	while (c->next < c->n_wanted && c->wanted[c->next] < c->pos)
		c->next++;
	if (c->next < c->n_wanted && c->wanted[c->next] == c->pos) {
		sqlite3_str_appendf(c->out, sqlite3_str_length(c->out) ? " %d %d" : "%d %d",
				    start, end);
		c->next++;
	}
	/* Stop early once every wanted token is found. */
	return c->next >= c->n_wanted ? SQLITE_DONE : SQLITE_OK;
}

/*
 * graf_matches(TABLE): the byte ranges of the tokens of column 0 that are
 * part of a matched phrase instance, in text order, as "s e s e ...".
 */
static void
matchesFunction(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
		int n_val, sqlite3_value **values)
{
	MatchContext c = { 0 };
	int n_inst = 0, n_wanted = 0, cap = 0, rc, n_text = 0;
	int *wanted = NULL;
	const char *text = NULL;

	rc = api->xInstCount(fts, &n_inst);
	for (int i = 0; rc == SQLITE_OK && i < n_inst; i++) {
		int phrase, col, off, size;

		rc = api->xInst(fts, i, &phrase, &col, &off);
		if (rc != SQLITE_OK || col != 0)
			continue;
		size = api->xPhraseSize(fts, phrase);
		if (n_wanted + size > cap) {
			int ncap = (n_wanted + size) * 2;
			int *nw = sqlite3_realloc(wanted, ncap * (int)sizeof *nw);
			if (!nw) {
				rc = SQLITE_NOMEM;
				break;
			}
			wanted = nw;
			cap = ncap;
		}
		for (int k = 0; k < size; k++)
			wanted[n_wanted++] = off + k;
	}
	if (rc == SQLITE_OK && n_wanted > 0) {
		int u = 0;

		qsort(wanted, (size_t)n_wanted, sizeof *wanted, matchCompareInt);
		for (int i = 0; i < n_wanted; i++)
			if (u == 0 || wanted[u - 1] != wanted[i])
				wanted[u++] = wanted[i];
		n_wanted = u;
		rc = api->xColumnText(fts, 0, &text, &n_text);
	}
	c.out = sqlite3_str_new(NULL);
	if (rc == SQLITE_OK && n_wanted > 0 && text) {
		c.wanted = wanted;
		c.n_wanted = n_wanted;
		c.pos = -1;
		rc = api->xTokenize(fts, text, n_text, &c, matchToken);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_free(wanted);
	if (rc == SQLITE_OK) {
		int err = sqlite3_str_errcode(c.out);
		int len = sqlite3_str_length(c.out);
		char *s = sqlite3_str_finish(c.out);

		/* An empty string comes back as NULL, and so does one that ran
		 * out of memory; only the error code tells them apart.  The
		 * empty result must be static: SQLite frees what it is given
		 * with sqlite3_free. */
		if (err != SQLITE_OK) {
			sqlite3_free(s);
			sqlite3_result_error_nomem(ctx);
		} else if (s) {
			sqlite3_result_text(ctx, s, len, sqlite3_free);
		} else {
			sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		}
	} else {
		sqlite3_free(sqlite3_str_finish(c.out));
		sqlite3_result_error_code(ctx, rc);
	}
}

int
grafi_functions_register(sqlite3 *db)
{
	fts5_api *api = grafi_fts5_api(db);

	if (!api)
		return grafi_fts5_api_error(db);
	return api->xCreateFunction(api, "graf_matches", NULL, matchesFunction, NULL);
}

/* State of grafi_match_words(). */
typedef struct WordsContext {
	char *const *stems;
	int n_stems;
	graf_span **spans;
	size_t *n, *cap;
} WordsContext;

static int
matchWordToken(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	WordsContext *c = ctx;

	for (int i = 0; i < c->n_stems; i++) {
		if (!grafi_token_is(c->stems[i], token, n_token))
			continue;
		if (*c->n == *c->cap) {
			size_t ncap = *c->cap ? *c->cap * 2 : 16;
			graf_span *nv = realloc(*c->spans, ncap * sizeof *nv);

			if (!nv)
				return SQLITE_NOMEM;
			*c->spans = nv;
			*c->cap = ncap;
		}
		(*c->spans)[*c->n].start = (size_t)start;
		(*c->spans)[*c->n].end = (size_t)end;
		(*c->n)++;
		break;
	}
	return SQLITE_OK;
}

int
grafi_match_words(graf_index *idx, const char *text, int len, char *const *stems, int n_stems,
		  graf_span **spans, size_t *n, size_t *cap)
{
	WordsContext c = { stems, n_stems, spans, n, cap };
	grafi_first_bytes first = { { 0 } };

	for (int i = 0; i < n_stems; i++)
		grafi_first_bytes_add(&first, stems[i]);
	return grafi_tokenize_for(idx, text, len, FTS5_TOKENIZE_AUX, &first, &c, matchWordToken);
}
