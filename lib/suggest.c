/*
 * suggest.c - "did you mean": for the words of a query that the index does
 * not hold, the closest words it does hold, written as the text writes them.
 *
 * The index holds stems, so the comparison is stem to stem: the query word's
 * stem against every term of the paragraph vocabulary (an fts5vocab table
 * in the connection's TEMP schema, which works on a read-only index too),
 * by optimal string alignment distance (Levenshtein plus transpositions, the
 * usual typing errors), ties going to the term in more paragraphs.  A stem
 * is not a word ("controls" is indexed as "control", "agency" as "agenc"),
 * so the winner is then looked up where it occurs (fts5vocab's instance
 * table gives paragraph and token position) and the paragraph tokenized
 * again to read the word as written; of a few occurrences, the one closest
 * to what the user typed wins.
 *
 * Cost: one scan of the vocabulary per query that found nothing, with a
 * bounded distance computation per term, only for the few short unknown
 * words of that query.  All SQL text is constant; words are bound.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* Unknown words corrected per query: a query with more is not a typo. */
#define SUGGEST_MAX_WORDS 8
/* Longer words (in characters) are not corrected, nor are indexed terms
 * compared with them: typos in long words are rare, and the distance costs
 * grow with the square of the length. */
#define SUGGEST_MAX_CHARS 32
/* Occurrences of a stem read to find how the text writes it. */
#define SUGGEST_SURFACES 16

static const char vocab_sql[] =
	"CREATE VIRTUAL TABLE IF NOT EXISTS temp.graf_vocab_row "
	"USING fts5vocab(main, para, row);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS temp.graf_vocab_instance "
	"USING fts5vocab(main, para, instance);";
static const char known_sql[] = "SELECT 1 FROM temp.graf_vocab_row WHERE term = ?1";
static const char scan_sql[] = "SELECT term, doc FROM temp.graf_vocab_row";
/* CROSS JOIN: read the few instances first, then each paragraph by rowid. */
static const char surface_sql[] =
	"SELECT i.offset, p.body FROM temp.graf_vocab_instance AS i "
	"CROSS JOIN para AS p ON p.rowid = i.doc WHERE i.term = ?1 LIMIT "
	"16";
_Static_assert(SUGGEST_SURFACES == 16, "update the LIMIT of surface_sql");

/* A query word the index lacks. */
typedef struct Unknown {
	const char *token;              /* its stem (borrowed from the words) */
	uint32_t cp[SUGGEST_MAX_CHARS]; /* the stem as code points */
	int n;
	int max;                        /* largest distance accepted */
	char *best;                     /* closest indexed stem; malloc'ed */
	int best_dist;
	sqlite3_int64 best_docs;
	char *surface;                  /* BEST as the text writes it; malloc'ed */
} Unknown;

/*
 * Decode up to MAX code points of S[0..LEN) into CP.  Returns their number,
 * or MAX + 1 when there are more.  Invalid bytes count as one each.
 */
static int
suggestDecode(const char *s, size_t len, uint32_t *cp, int max, bool fold)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int n = 0;

	while (i < len) {
		uint32_t c = u[i];
		size_t k = 0;

		if (n == max)
			return max + 1;
		if (c >= 0xc0) {
			size_t need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1, j;
			uint32_t v = c & (0x3fu >> need);

			for (j = 1; j <= need && i + j < len && (u[i + j] & 0xc0) == 0x80; j++)
				v = v << 6 | (u[i + j] & 0x3f);
			if (j > need) {
				c = v;
				k = need;
			}
		}
		if (fold && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		cp[n++] = c;
		i += k + 1;
	}
	return n;
}

/*
 * Optimal string alignment distance between A[0..NA) and B[0..NB), or
 * MAX + 1 when it exceeds MAX (computed only that far).  NA, NB are at most
 * SUGGEST_MAX_CHARS + 2.
 */
static int
suggestDistance(const uint32_t *a, int na, const uint32_t *b, int nb, int max)
{
	int prev2[SUGGEST_MAX_CHARS + 3], prev[SUGGEST_MAX_CHARS + 3], cur[SUGGEST_MAX_CHARS + 3];

	if (na - nb > max || nb - na > max)
		return max + 1;
	for (int j = 0; j <= nb; j++)
		prev[j] = j;
	for (int i = 1; i <= na; i++) {
		int row_min;

		cur[0] = row_min = i;
		for (int j = 1; j <= nb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = prev[j - 1] + cost;

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < row_min)
				row_min = v;
		}
		if (row_min > max)
			return max + 1;
		memcpy(prev2, prev, sizeof prev);
		memcpy(prev, cur, sizeof cur);
	}
	return prev[nb] <= max ? prev[nb] : max + 1;
}

/* Edit distance accepted for a word of N characters: none for one or two
 * characters (anything is that close), one up to five, then two. */
static int
suggestMaxDistance(int n)
{
	return n < 3 ? 0 : n <= 5 ? 1 : 2;
}

/* Make sure the TEMP fts5vocab tables exist on IDX's connection. */
static graf_status_t
suggestVocab(graf_index *idx)
{
	int rc = sqlite3_exec(idx->db, vocab_sql, NULL, NULL, NULL);

	return grafi_sqlite_error(idx, rc, "cannot read the index vocabulary");
}

/* Find, among WORDS, the distinct stems the index lacks, into U (at most
 * SUGGEST_MAX_WORDS); MAP[i] gets word i's entry in U, or -1. */
static graf_status_t
suggestUnknown(graf_index *idx, const grafi_query_word *words, size_t n_words,
	       Unknown *u, int *n_u, int *map)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(idx->db, known_sql, -1, &stmt, NULL);

	*n_u = 0;
	for (size_t i = 0; rc == SQLITE_OK && i < n_words; i++) {
		const char *tok = words[i].token;
		int k, n;
		uint32_t cp[SUGGEST_MAX_CHARS];

		map[i] = -1;
		for (k = 0; k < *n_u; k++)
			if (strcmp(u[k].token, tok) == 0)
				break;
		if (k < *n_u) {
			map[i] = k;
			continue;
		}
		n = suggestDecode(tok, strlen(tok), cp, SUGGEST_MAX_CHARS, false);
		if (n > SUGGEST_MAX_CHARS || suggestMaxDistance(n) == 0 ||
		    *n_u == SUGGEST_MAX_WORDS)
			continue;
		sqlite3_bind_text(stmt, 1, tok, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc == SQLITE_ROW) {
			rc = SQLITE_OK;  /* indexed: nothing to correct */
			continue;
		}
		if (rc != SQLITE_DONE)
			break;
		rc = SQLITE_OK;
		memset(&u[*n_u], 0, sizeof u[*n_u]);
		u[*n_u].token = tok;
		memcpy(u[*n_u].cp, cp, (size_t)n * sizeof *cp);
		u[*n_u].n = n;
		u[*n_u].max = suggestMaxDistance(n);
		map[i] = (*n_u)++;
	}
	sqlite3_finalize(stmt);
	return grafi_sqlite_error(idx, rc, "cannot read the index vocabulary");
}

/* One pass over the vocabulary: the closest stem for each of U[0..N_U). */
static graf_status_t
suggestScan(graf_index *idx, Unknown *u, int n_u)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(idx->db, scan_sql, -1, &stmt, NULL);

	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *term = (const char *)sqlite3_column_text(stmt, 0);
		sqlite3_int64 docs = sqlite3_column_int64(stmt, 1);
		uint32_t cp[SUGGEST_MAX_CHARS + 2];
		int n;

		rc = SQLITE_OK;
		if (idx->interrupted) {
			rc = SQLITE_INTERRUPT;
			break;
		}
		if (!term)
			continue;
		n = suggestDecode(term, (size_t)sqlite3_column_bytes(stmt, 0), cp,
				  SUGGEST_MAX_CHARS + 2, false);
		if (n > SUGGEST_MAX_CHARS + 2)
			continue;
		for (int k = 0; k < n_u && rc == SQLITE_OK; k++) {
			Unknown *w = &u[k];
			int d = suggestDistance(w->cp, w->n, cp, n, w->max);

			if (d > w->max)
				continue;
			if (w->best && (d > w->best_dist ||
					(d == w->best_dist && (docs < w->best_docs ||
							       (docs == w->best_docs &&
								strcmp(term, w->best) >= 0)))))
				continue;
			free(w->best);
			w->best = strdup(term);
			if (!w->best)
				rc = SQLITE_NOMEM;
			w->best_dist = d;
			w->best_docs = docs;
		}
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(stmt);
	return grafi_sqlite_error(idx, rc, "cannot read the index vocabulary");
}

/* State of the tokenizer pass that finds the token at a position. */
typedef struct SurfaceContext {
	int want;               /* the position sought */
	int pos;                /* position of the current token */
	int start, end;         /* its bytes, once found */
} SurfaceContext;

static int
suggestSurfaceToken(void *p, int tflags, const char *token, int n_token, int start, int end)
{
	SurfaceContext *c = p;

	if (!(tflags & FTS5_TOKEN_COLOCATED))
		c->pos++;
	if (c->pos == c->want) {
		c->start = start;
		c->end = end;
		return SQLITE_DONE;
	}
	return SQLITE_OK;
}

/*
 * How the paragraphs write W->best: of the first few occurrences, the one
 * closest to TYPED[0..TYPED_LEN) (ASCII case ignored), into W->surface.
 */
static graf_status_t
suggestSurface(graf_index *idx, Unknown *w, const char *typed, size_t typed_len)
{
	sqlite3_stmt *stmt = NULL;
	uint32_t tcp[SUGGEST_MAX_CHARS + 2];
	int tn = suggestDecode(typed, typed_len, tcp, SUGGEST_MAX_CHARS + 2, true);
	int best = -1, rc = sqlite3_prepare_v2(idx->db, surface_sql, -1, &stmt, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(stmt, 1, w->best, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(stmt, 1);
		int len = sqlite3_column_bytes(stmt, 1), d, n;
		SurfaceContext c = { .want = sqlite3_column_int(stmt, 0), .pos = -1, .start = -1 };
		uint32_t cp[SUGGEST_MAX_CHARS + 2];

		rc = body ? grafi_tokenize(idx, body, len, FTS5_TOKENIZE_DOCUMENT, &c,
					   suggestSurfaceToken) : SQLITE_OK;
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		if (rc != SQLITE_OK || c.start < 0 || c.end <= c.start || c.end > len)
			continue;
		n = suggestDecode(body + c.start, (size_t)(c.end - c.start), cp,
				  SUGGEST_MAX_CHARS + 2, true);
		d = tn <= SUGGEST_MAX_CHARS + 2 && n <= SUGGEST_MAX_CHARS + 2
			    ? suggestDistance(tcp, tn, cp, n, SUGGEST_MAX_CHARS + 2)
			    : SUGGEST_MAX_CHARS + 3;
		if (best >= 0 && d >= best)
			continue;
		best = d;
		free(w->surface);
		w->surface = strndup(body + c.start, (size_t)(c.end - c.start));
		if (!w->surface)
			rc = SQLITE_NOMEM;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(stmt);
	return grafi_sqlite_error(idx, rc, "cannot read the index vocabulary");
}

/* True if S[0..LEN) has an ASCII capital letter. */
static bool
suggestHasUpper(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return true;
	return false;
}

/* TEXT with each word that maps to a found surface replaced by it, written
 * in lower case when the user typed the word so; *OUT is NULL when nothing
 * changed. */
static graf_status_t
suggestRewrite(graf_index *idx, const char *text, const grafi_query_word *words,
	       size_t n_words, const int *map, const Unknown *u, char **out)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	size_t at = 0, len = strlen(text);
	char *v;

	/* The words come in query order (the emitter walks the tree so);
	 * one that overlaps the previous is left alone. */
	for (size_t i = 0; i < n_words; i++) {
		const grafi_query_word *w = &words[i];
		const char *sur;

		if (map[i] < 0 || !(sur = u[map[i]].surface) || w->start < at || w->end > len)
			continue;
		sqlite3_str_append(s, text + at, (int)(w->start - at));
		if (suggestHasUpper(text + w->start, w->end - w->start)) {
			sqlite3_str_appendall(s, sur);
		} else {
			for (const char *c = sur; *c; c++)
				sqlite3_str_appendchar(s, 1, *c >= 'A' && *c <= 'Z'
							     ? (char)(*c + 'a' - 'A') : *c);
		}
		at = w->end;
	}
	sqlite3_str_appendall(s, text + at);
	if (sqlite3_str_errcode(s) != SQLITE_OK) {
		sqlite3_free(sqlite3_str_finish(s));
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	}
	v = sqlite3_str_finish(s);
	*out = NULL;
	if (v && strcmp(v, text) != 0) {
		*out = strdup(v);
		if (!*out) {
			sqlite3_free(v);
			return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
		}
	}
	sqlite3_free(v);
	return GRAF_STATUS_OK;
}

graf_status_t
grafi_suggest(graf_index *idx, const char *text, const grafi_query_word *words,
	      size_t n_words, char **out)
{
	Unknown u[SUGGEST_MAX_WORDS];
	int n_u = 0, *map = NULL;
	graf_status_t st;

	*out = NULL;
	if (n_words == 0)
		return GRAF_STATUS_OK;
	map = malloc(n_words * sizeof *map);
	if (!map)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	st = suggestVocab(idx);
	if (st == GRAF_STATUS_OK)
		st = suggestUnknown(idx, words, n_words, u, &n_u, map);
	if (st == GRAF_STATUS_OK && n_u > 0)
		st = suggestScan(idx, u, n_u);
	for (size_t i = 0; st == GRAF_STATUS_OK && i < n_words; i++) {
		Unknown *w = map[i] >= 0 ? &u[map[i]] : NULL;

		/* The first word with this stem decides its surface. */
		if (w && w->best && !w->surface)
			st = suggestSurface(idx, w, text + words[i].start,
					    words[i].end - words[i].start);
	}
	if (st == GRAF_STATUS_OK)
		st = suggestRewrite(idx, text, words, n_words, map, u, out);
	for (int k = 0; k < n_u; k++) {
		free(u[k].best);
		free(u[k].surface);
	}
	free(map);
	return st;
}
