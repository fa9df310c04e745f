/*
 * query-parse.c - turn what a user typed into an FTS5 expression.
 *
 * This first version knows plain words only: every word must occur, and each
 * is passed to FTS5 as a quoted string (an FTS5 "phrase"), so that no input
 * can be read as FTS5 syntax: "U.S." becomes the phrase u s, "multi-agent"
 * the phrase multi agent, a stray quote a literal character.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* Counts the tokens the tokenizer produces. */
static int
parseCountToken(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	(*(int *)ctx)++;
	return SQLITE_OK;
}

static bool
parseIsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Append W[0..N) to S as an FTS5 string: quoted, inner quotes doubled. */
static void
parseAppendQuoted(sqlite3_str *s, const char *w, size_t n)
{
	sqlite3_str_appendchar(s, 1, '"');
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '"')
			sqlite3_str_appendchar(s, 1, '"');
		sqlite3_str_appendchar(s, 1, w[i]);
	}
	sqlite3_str_appendchar(s, 1, '"');
}

/* Finish S into a malloc'ed copy (NULL if out of memory or empty). */
static char *
parseFinish(sqlite3_str *s)
{
	char *v = sqlite3_str_finish(s), *copy = v && *v ? strdup(v) : NULL;

	sqlite3_free(v);
	return copy;
}

graf_status_t
grafi_query_compile(graf_index *idx, const char *text, graf_match_t match,
		    grafi_compiled_query *out)
{
	sqlite3_str *expr, *any;
	const char *p = text;
	int words = 0, rc = SQLITE_OK;
	size_t len = strlen(text);

	memset(out, 0, sizeof *out);
	if (!grafi_utf8_valid(text, len))
		return grafi_error(idx, GRAF_STATUS_BAD_QUERY, "query is not valid UTF-8");
	if (match == GRAF_MATCH_RAW) {
		out->match = strdup(text);
		return out->match ? GRAF_STATUS_OK : grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	}

	expr = sqlite3_str_new(idx->db);
	any = sqlite3_str_new(idx->db);
	while (*p && rc == SQLITE_OK) {
		const char *w;
		int n_tokens = 0;

		while (parseIsSpace(*p))
			p++;
		w = p;
		while (*p && !parseIsSpace(*p))
			p++;
		if (p == w)
			break;
		rc = grafi_tokenize(idx, w, (int)(p - w), FTS5_TOKENIZE_QUERY, &n_tokens,
				    parseCountToken);
		if (n_tokens == 0)
			continue;  /* punctuation only: nothing to search */
		if (words++) {
			sqlite3_str_appendall(expr, match == GRAF_MATCH_ANY ? " OR " : " ");
			sqlite3_str_appendall(any, " OR ");
		}
		parseAppendQuoted(expr, w, (size_t)(p - w));
		parseAppendQuoted(any, w, (size_t)(p - w));
	}
	out->match = parseFinish(expr);
	out->any_match = parseFinish(any);
	if (rc != SQLITE_OK) {
		grafi_compiled_query_release(out);
		return grafi_sqlite_error(idx, rc, "cannot read query");
	}
	if (words == 0) {
		grafi_compiled_query_release(out);
		return grafi_error(idx, GRAF_STATUS_BAD_QUERY,
				   "query '%s' has no word to search for", text);
	}
	if (!out->match || !out->any_match) {
		grafi_compiled_query_release(out);
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	}
	return GRAF_STATUS_OK;
}

void
grafi_compiled_query_release(grafi_compiled_query *cq)
{
	free(cq->match);
	free(cq->title_match);
	free(cq->any_match);
	free(cq->explain);
	for (size_t i = 0; i < cq->n_warnings; i++)
		free(cq->warnings[i]);
	free(cq->warnings);
	memset(cq, 0, sizeof *cq);
}
