/*
 * suggest.c - "did you mean": for the words of a query that the index does
 * not hold, the closest words it does hold, written as the text writes them.
 *
 * The index holds stems, so candidates are found among stems: every term of
 * the paragraph vocabulary (post_df, with its paragraph counts) is compared, by optimal
 * string alignment distance (Levenshtein plus transpositions, the usual
 * typing errors), with the query word's stem, and with the word as typed
 * less up to SUGGEST_SUFFIX letters at its end, since a misspelt word often
 * stems badly ("minster" stays "minster", two letters from "minist", but
 * "minst" is one).  A stem is not a word
 * ("controls" is indexed as "control", "election" as "elect"), so each of
 * the closest few stems is then looked up where it occurs (fts5vocab's
 * instance table, in the connection's TEMP schema so that it works on a
 * read-only index too, gives paragraph and token position) and the paragraph
 * tokenized again to read the word as written.  The written word closest to
 * what the user typed wins, then the one in more paragraphs (the likelier
 * intent): "electon" (stem "electon") is nearer the stem "electron" than
 * "elect", but nearer the word "election" than "electronic".
 *
 * Cost: one walk through the vocabulary, in term order, per query that
 * found nothing, only for the few short unknown words of that query.  The
 * distance tables are computed a row per character of a term and kept
 * for the next term, which shares its first rows with this one (they share
 * a prefix); and once every row of a prefix is above the distance accepted
 * no term that starts so can come closer (a row's smallest value never
 * falls), so the walk skips them all.  The terms come from the
 * vocabulary's front-coded blocks (vocab.c), where a skipped term costs a
 * few instructions and a skip past a block one seek; an index of a version
 * without them is walked through post_df, a statement step per term.  On
 * the news index (161,000 terms) "homc wins" took 228 M instructions for
 * the whole process with no pruning, 35 M pruned through post_df (14,000
 * steps, 1,900 seeks), 11 M from the blocks, where a third of what is
 * left is finding the written forms.  Those read paragraphs, one page
 * fault each at first: a candidate that cannot win is not read (see
 * suggestChoose()).  All SQL text is constant; words are bound.
 */
#include "config.h"

#include <limits.h>
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
/* Closest stems of each unknown word whose written forms are compared. */
#define SUGGEST_CANDIDATES 8
/* Terms a pruned prefix covers that the scan steps over before it seeks
 * past the rest.  A seek (the statement run again) costs about ten steps,
 * but most pruned prefixes cover few terms: of 1, 4 and 16, 4 cost the
 * fewest instructions over short and long typos (callgrind, news index). */
#define SUGGEST_SKIP_STEPS 4
/* The typed word less up to this many letters at its end ("-er", "-ly") is
 * compared with the stems too, if at least SUGGEST_MIN_PREFIX letters
 * remain: shorter pieces are close to too many stems. */
#define SUGGEST_SUFFIX 2
#define SUGGEST_MIN_PREFIX 4

static const char vocab_sql[] =
	"CREATE VIRTUAL TABLE IF NOT EXISTS temp.graf_vocab_instance "
	"USING fts5vocab(main, para, instance);";
/* The vocabulary and each term's paragraph count from graf's own table
 * (postings.c; tbl 0: paragraphs): a 2 MB scan of the news index, where
 * fts5vocab's row table reads every doclist (40 MB) to count them. */
static const char known_sql[] = "SELECT 1 FROM post_df WHERE tbl = 0 AND term = CAST(?1 AS BLOB)";
/* From a term on, in order: the scan seeks past the terms it prunes (an
 * index without the vocabulary's blocks). */
static const char scan_sql[] = "SELECT term, df FROM post_df WHERE tbl = 0 AND term >= ?1";
/* A term's paragraphs, for a term read from the blocks. */
static const char docs_sql[] = "SELECT df FROM post_df WHERE tbl = 0 AND term = ?1";
/* CROSS JOIN: read the few instances first, then each paragraph by rowid. */
static const char surface_sql[] =
	"SELECT i.offset, p.body FROM temp.graf_vocab_instance AS i "
	"CROSS JOIN para AS p ON p.rowid = i.doc WHERE i.term = ?1 LIMIT "
	"16";
_Static_assert(SUGGEST_SURFACES == 16, "update the LIMIT of surface_sql");

/* An indexed stem close to an unknown word. */
typedef struct Candidate {
	char *term;                     /* the stem; malloc'ed */
	int term_len;                   /* its bytes (while borrowed: no NUL) */
	int dist;                       /* its distance to the word */
	bool by_prefix;                 /* only the typed word's prefix is that close */
	sqlite3_int64 docs;             /* paragraphs that hold it */
} Candidate;

/* A query word the index lacks. */
typedef struct Unknown {
	const char *token;              /* its stem (borrowed from the words) */
	uint32_t cp[SUGGEST_MAX_CHARS]; /* the stem as code points */
	int n;
	uint32_t tcp[SUGGEST_MAX_CHARS + 2];  /* the word as typed, ASCII folded */
	int tn;                         /* > SUGGEST_MAX_CHARS + 2: too long */
	int max;                        /* largest distance accepted */
	Candidate cand[SUGGEST_CANDIDATES];  /* closest first */
	int n_cand;
	char *surface;                  /* the chosen word as written; malloc'ed */
	bool done;                      /* SURFACE has been looked for */
} Unknown;

/*
 * Decode up to MAX code points of S[0..LEN) into CP.  Returns their number,
 * or MAX + 1 when there are more.  Invalid bytes count as one each.
 * END (may be NULL): END[k] gets the offset of the byte after character k.
 * *COMPLETE (may be NULL): false if a lead byte lacked its continuation
 * bytes, the one case where the characters of a byte prefix of S depend on
 * the bytes after it.
 */
static int
suggestDecodeEnds(const char *s, size_t len, uint32_t *cp, int max, bool fold, size_t *end,
		  bool *complete)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int n = 0;

	if (complete)
		*complete = true;
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
			} else if (complete) {
				*complete = false;
			}
		}
		if (fold && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		i += k + 1;
		if (end)
			end[n] = i;
		cp[n++] = c;
	}
	return n;
}

/* suggestDecodeEnds() without the ends. */
static int
suggestDecode(const char *s, size_t len, uint32_t *cp, int max, bool fold)
{
	return suggestDecodeEnds(s, len, cp, max, fold, NULL, NULL);
}

/* Rows of a distance table: one for each character of the longest term
 * compared, and row 0. */
#define SUGGEST_ROWS (SUGGEST_MAX_CHARS + 3)

/*
 * Row D (>= 1) of the optimal string alignment distances (Levenshtein plus
 * transpositions of neighbours) between the prefixes of A[0..NA) and
 * T[0..D), from rows D - 1 and D - 2 of ROWS (STRIDE bytes apart), as far
 * as they can be within MAX: a prefix of A whose length differs from D by
 * more is at least that far, so only the band of cells within MAX of the
 * diagonal is computed, and values above MAX are kept as MAX + 1 (the
 * cells just outside the band, which the next row reads, hold that too;
 * those further out are not written: suggestCell() reads a cell).
 * Returns the row's smallest value, which never falls from a row to the
 * next.  The band makes a long word's walk three times cheaper.
 */
static uint8_t
suggestRow(const uint32_t *a, int na, const uint32_t *t, int d, uint8_t *rows, size_t stride,
	   int max)
{
	uint8_t *cur = rows + (size_t)d * stride, *prev = cur - stride;
	uint8_t *prev2 = d > 1 ? prev - stride : NULL;
	int cap = max + 1, lo = d < cap ? d : cap;
	int from = d - max > 1 ? d - max : 1, to = d + max < na ? d + max : na;

	cur[0] = (uint8_t)(d < cap ? d : cap);
	if (from > 1)
		cur[from - 1] = (uint8_t)cap;
	for (int i = from; i <= to; i++) {
		int v = prev[i - 1] + (a[i - 1] != t[d - 1]);

		if (prev[i] + 1 < v)
			v = prev[i] + 1;
		if (cur[i - 1] + 1 < v)
			v = cur[i - 1] + 1;
		if (prev2 && i > 1 && a[i - 1] == t[d - 2] && a[i - 2] == t[d - 1] &&
		    prev2[i - 2] + 1 < v)
			v = prev2[i - 2] + 1;
		if (v > cap)
			v = cap;
		cur[i] = (uint8_t)v;
		if (v < lo)
			lo = v;
	}
	if (to < na)
		cur[to + 1] = (uint8_t)cap;
	return (uint8_t)lo;
}

/* Cell I of row D of a table suggestRow() filled for MAX: MAX + 1 outside
 * the band it computed. */
static int
suggestCell(const uint8_t *rows, size_t stride, int d, int i, int max)
{
	if (i - d > max || d - i > max)
		return max + 1;
	return rows[(size_t)d * stride + (size_t)i];
}

/*
 * Optimal string alignment distance between A[0..NA) and B[0..NB), or
 * MAX + 1 when it exceeds MAX (computed only that far).  NA, NB are at most
 * SUGGEST_MAX_CHARS + 2.
 */
static int
suggestDistance(const uint32_t *a, int na, const uint32_t *b, int nb, int max)
{
	uint8_t rows[SUGGEST_ROWS][SUGGEST_MAX_CHARS + 3];

	if (na - nb > max || nb - na > max)
		return max + 1;
	for (int i = 0; i <= na; i++)
		rows[0][i] = (uint8_t)i;
	for (int d = 1; d <= nb; d++)
		if (suggestRow(a, na, b, d, &rows[0][0], sizeof rows[0], max) > max)
			return max + 1;  /* rows never get smaller */
	return suggestCell(&rows[0][0], sizeof rows[0], nb, na, max);
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
suggestUnknown(graf_index *idx, const char *text, const grafi_query_word *words,
	       size_t n_words, Unknown *u, int *n_u, int *map)
{
	sqlite3_stmt *stmt = NULL;
	int rc = grafi_prepare(idx->db, known_sql, 0, &stmt);

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
		u[*n_u].tn = suggestDecode(text + words[i].start, words[i].end - words[i].start,
					   u[*n_u].tcp, SUGGEST_MAX_CHARS + 2, true);
		map[i] = (*n_u)++;
	}
	sqlite3_finalize(stmt);
	return grafi_sqlite_error(idx, rc, "cannot read the index vocabulary");
}

/* True if candidate A ranks before B: closer, then close stem to stem
 * rather than by prefix (prefixes are close to many stems), then in more
 * paragraphs, then first in byte order (so that the choice never depends on
 * scan order). */
static bool
suggestBefore(const Candidate *a, const Candidate *b)
{
	if (a->dist != b->dist)
		return a->dist < b->dist;
	if (a->by_prefix != b->by_prefix)
		return !a->by_prefix;
	if (a->docs != b->docs)
		return a->docs > b->docs;
	return strcmp(a->term, b->term) < 0;
}

/* Put C (whose TERM is borrowed) among W's closest candidates if it ranks;
 * false when out of memory. */
static bool
suggestKeep(Unknown *w, Candidate c)
{
	int at = w->n_cand;

	while (at > 0 && suggestBefore(&c, &w->cand[at - 1]))
		at--;
	if (at == SUGGEST_CANDIDATES)
		return true;
	c.term = strndup(c.term, (size_t)c.term_len);
	if (!c.term)
		return false;
	if (w->n_cand == SUGGEST_CANDIDATES)
		free(w->cand[--w->n_cand].term);
	memmove(&w->cand[at + 1], &w->cand[at], (size_t)(w->n_cand - at) * sizeof *w->cand);
	w->cand[at] = c;
	w->n_cand++;
	return true;
}

/*
 * The distance tables of one unknown word against the prefixes of the
 * term being read: row D holds the distances from every prefix of the
 * word to the term's first D characters.  STEM against the word's stem;
 * TYPED against the word as typed, for the distance from the term to the
 * closest of the word's prefixes of SUGGEST_SUFFIX letters less or more,
 * when that applies.
 */
typedef struct ScanTables {
	uint8_t stem[SUGGEST_ROWS][SUGGEST_MAX_CHARS + 1];
	uint8_t typed[SUGGEST_ROWS][SUGGEST_MAX_CHARS + 3];
	bool by_prefix;                 /* TYPED is used */
} ScanTables;


/* Row 0 of W's tables, and whether its typed prefix is compared. */
static void
suggestTablesInit(ScanTables *tb, const Unknown *w)
{
	for (int i = 0; i <= w->n; i++)
		tb->stem[0][i] = (uint8_t)i;
	tb->by_prefix = w->tn <= SUGGEST_MAX_CHARS + 2 &&
			w->tn - SUGGEST_SUFFIX >= SUGGEST_MIN_PREFIX;
	if (tb->by_prefix)
		for (int i = 0; i <= w->tn; i++)
			tb->typed[0][i] = (uint8_t)i;
}

/* Row D of W's tables for the term T; false when neither can be within
 * W's distance any more, at D or below. */
static bool
suggestTablesRow(ScanTables *tb, const Unknown *w, const uint32_t *t, int d)
{
	bool alive = suggestRow(w->cp, w->n, t, d, &tb->stem[0][0], sizeof tb->stem[0], w->max) <=
		     w->max;

	if (tb->by_prefix &&
	    suggestRow(w->tcp, w->tn, t, d, &tb->typed[0][0], sizeof tb->typed[0], w->max) <=
		    w->max)
		alive = true;
	return alive;
}

/* The term of D characters whose tables TB hold as W's candidate C: its
 * distance to the stem, or to the closest prefix of the typed word when
 * smaller (BY_PREFIX). */
static void
suggestTablesDistance(const ScanTables *tb, const Unknown *w, int d, Candidate *c)
{
	c->dist = suggestCell(&tb->stem[0][0], sizeof tb->stem[0], d, w->n, w->max);
	c->by_prefix = false;
	if (c->dist > 0 && tb->by_prefix) {
		int dp = w->max + 1;

		for (int i = w->tn - SUGGEST_SUFFIX; i <= w->tn; i++) {
			int v = suggestCell(&tb->typed[0][0], sizeof tb->typed[0], d, i, w->max);

			if (v < dp)
				dp = v;
		}
		if (dp < c->dist) {
			c->dist = dp;
			c->by_prefix = true;
		}
	}
}

/*
 * The vocabulary, in term order: from the blocks (vocab.c), or from post_df
 * through SQL in an index of a version without them.
 */
typedef struct Walk {
	graf_index *idx;
	grafi_vocab_cursor *blocks;     /* NULL: post_df */
	sqlite3_stmt *scan;             /* scan_sql (post_df) */
	sqlite3_stmt *docs;             /* docs_sql (blocks) */
} Walk;

/* Tests: read post_df even where the blocks are (grafi_suggest_exhaustive). */
static bool suggest_exhaustive;

static graf_status_t
walkOpen(graf_index *idx, Walk *w)
{
	int rc;

	memset(w, 0, sizeof *w);
	w->idx = idx;
	if (!suggest_exhaustive && grafi_vocab_present(idx)) {
		graf_status_t st = grafi_vocab_open(idx, &w->blocks);

		if (st != GRAF_STATUS_OK)
			return st;
		rc = grafi_prepare(idx->db, docs_sql, 0, &w->docs);
	} else {
		rc = grafi_prepare(idx->db, scan_sql, 0, &w->scan);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_blob(w->scan, 1, "", 0, SQLITE_STATIC);
	}
	return grafi_sqlite_error(idx, rc, "cannot read the index vocabulary");
}

static void
walkClose(Walk *w)
{
	grafi_vocab_close(w->blocks);
	sqlite3_finalize(w->scan);
	sqlite3_finalize(w->docs);
}

/* The next term (valid until the next call): SQLITE_ROW, SQLITE_DONE, or an
 * error. */
static int
walkNext(Walk *w, const unsigned char **term, size_t *len)
{
	int rc;

	if (w->blocks)
		return grafi_vocab_next(w->blocks, term, len);
	rc = sqlite3_step(w->scan);
	if (rc == SQLITE_ROW) {
		/* The blob as stored: column_text() would copy each term to
		 * add a terminator, a third of the scan's cost. */
		*term = sqlite3_column_blob(w->scan, 0);
		*len = (size_t)sqlite3_column_bytes(w->scan, 0);
		if (!*term)
			*term = (const unsigned char *)"";
	}
	return rc;
}

/* Go on from the first term not before KEY[0..LEN) (post_df). */
static int
walkSeek(Walk *w, const unsigned char *key, size_t len)
{
	sqlite3_reset(w->scan);
	return sqlite3_bind_blob(w->scan, 1, key, (int)len, SQLITE_TRANSIENT);
}

/* The paragraphs that hold TERM[0..LEN), the term walkNext() gave last. */
static int
walkDocs(Walk *w, const unsigned char *term, size_t len, sqlite3_int64 *docs)
{
	int rc;

	if (!w->blocks) {
		*docs = sqlite3_column_int64(w->scan, 1);
		return SQLITE_OK;
	}
	*docs = 0;
	rc = sqlite3_bind_blob(w->docs, 1, term, (int)len, SQLITE_STATIC);
	if (rc == SQLITE_OK && (rc = sqlite3_step(w->docs)) == SQLITE_ROW)
		*docs = sqlite3_column_int64(w->docs, 0);
	sqlite3_reset(w->docs);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * One walk through the vocabulary, in term order: the closest stems for
 * each of U[0..N_U).  The tables of each word are kept from one term to
 * the next up to the characters the two share; a prefix every table has
 * left behind (each of its rows' smallest value above the word's distance:
 * no longer term can come back within it) is skipped, by stepping over
 * a few terms, then by seeking past the rest.
 */
static graf_status_t
suggestScan(graf_index *idx, Unknown *u, int n_u)
{
	enum { MAXC = SUGGEST_MAX_CHARS + 2 };
	ScanTables *tb = malloc((size_t)n_u * sizeof *tb);
	Walk walk;
	uint32_t cp[MAXC + 1], next[MAXC + 1];  /* the characters the tables are of */
	size_t end[MAXC + 1];
	int rows = 0;                   /* rows 0..ROWS of the tables are CP's */
	unsigned char skip[4 * (MAXC + 1)];  /* the prefix pruned (bytes) */
	size_t skip_len = 0;
	int skipped = 0;
	const unsigned char *term;
	size_t term_len;
	graf_status_t st;
	int rc;

	if (!tb)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	for (int k = 0; k < n_u; k++)
		suggestTablesInit(&tb[k], &u[k]);
	st = walkOpen(idx, &walk);
	if (st != GRAF_STATUS_OK) {
		walkClose(&walk);
		free(tb);
		return st;
	}
	rc = SQLITE_OK;
	while (rc == SQLITE_OK && (rc = walkNext(&walk, &term, &term_len)) == SQLITE_ROW) {
		int n, common, dead = 0;
		bool complete;

		rc = SQLITE_OK;
		if (idx->interrupted) {
			rc = SQLITE_INTERRUPT;
			break;
		}
		if (skip_len > 0 && term_len >= skip_len && memcmp(term, skip, skip_len) == 0) {
			if (++skipped < SUGGEST_SKIP_STEPS)
				continue;
			/* many more, likely: seek past them */
			if (!grafi_key_successor(skip, &skip_len))
				break;
			rc = walkSeek(&walk, skip, skip_len);
			skip_len = 0;
			continue;
		}
		skip_len = 0;
		n = suggestDecodeEnds((const char *)term, term_len, next, MAXC, false, end,
				      &complete);
		common = 0;
		while (common < rows && common < n && next[common] == cp[common])
			common++;
		memcpy(cp, next, (size_t)(n < MAXC ? n : MAXC) * sizeof *cp);
		rows = common;
		/* the rows of the characters this term does not share */
		while (rows < n && rows < MAXC && !dead) {
			bool alive = false;

			rows++;
			for (int k = 0; k < n_u; k++)
				alive = suggestTablesRow(&tb[k], &u[k], cp, rows) || alive;
			if (!alive && !suggest_exhaustive)
				dead = rows;
		}
		if (dead) {
			/* Every term that starts with these characters is as far,
			 * or farther.  (Not after an invalid byte, whose
			 * character may change with the bytes after it.) */
			if (!complete)
				continue;
			if (walk.blocks) {
				/* skipping is cheap in the blocks: at once */
				grafi_vocab_skip(walk.blocks, end[dead - 1]);
				continue;
			}
			skip_len = end[dead - 1];
			memcpy(skip, term, skip_len);
			skipped = 0;
			continue;
		}
		if (n > MAXC)
			continue;  /* too long to be a candidate */
		for (int k = 0; k < n_u && rc == SQLITE_OK; k++) {
			Candidate c = { .term = (char *)term, .term_len = (int)term_len };

			suggestTablesDistance(&tb[k], &u[k], n, &c);
			if (c.dist > u[k].max)
				continue;
			rc = walkDocs(&walk, term, term_len, &c.docs);
			if (rc == SQLITE_OK && !suggestKeep(&u[k], c))
				rc = SQLITE_NOMEM;
		}
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	walkClose(&walk);
	free(tb);
	return grafi_sqlite_error(idx, rc, "cannot read the index vocabulary");
}

/* State of the tokenizer pass that finds the token at a position. */
typedef struct SurfaceContext {
	int want;               /* the position sought */
	int pos;                /* position of the current token */
	int start, end;         /* its bytes, once found */
} SurfaceContext;

/* xToken callback: find the bytes of the token at position C->want; stops
 * the tokenizer (SQLITE_DONE) there. */
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
 * No written form of an indexed stem is the typed word itself (ASCII case
 * ignored): the word would have that stem, and be no typo.  So a form one
 * edit away is the closest there can be, and the search for one stops
 * there (grafi_suggest_exhaustive() turns this off, for the tests).
 */
#define SUGGEST_CLOSEST_FORM 1

/*
 * How the paragraphs write the stem TERM: of its first few occurrences, the
 * one closest to the typed TCP[0..TN) (ASCII case ignored).
 * OUT: *SURFACE (malloc'ed; NULL if no occurrence could be read) and *DIST,
 * its distance to the typed word.
 */
static graf_status_t
suggestSurface(graf_index *idx, const char *term, const uint32_t *tcp, int tn,
	       char **surface, int *dist)
{
	sqlite3_stmt *stmt = NULL;
	int rc = grafi_prepare(idx->db, surface_sql, 0, &stmt);
	/* suggestSurfaceToken() only counts positions and reads offsets: no
	 * token needs its stem (positions do not depend on stems), so no
	 * first byte is wanted and nothing is stemmed (1.9 M fewer
	 * instructions for "homc wins", a twentieth). */
	const grafi_first_bytes none = { { 0 } };

	*surface = NULL;
	*dist = INT_MAX;
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(stmt, 1, term, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(stmt, 1);
		int len = sqlite3_column_bytes(stmt, 1), d, n;
		SurfaceContext c = { .want = sqlite3_column_int(stmt, 0), .pos = -1, .start = -1 };
		uint32_t cp[SUGGEST_MAX_CHARS + 2];

		rc = body ? grafi_tokenize_for(idx, body, len, FTS5_TOKENIZE_DOCUMENT, &none, &c,
					       suggestSurfaceToken) : SQLITE_OK;
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		if (rc != SQLITE_OK || c.start < 0 || c.end <= c.start || c.end > len)
			continue;
		n = suggestDecode(body + c.start, (size_t)(c.end - c.start), cp,
				  SUGGEST_MAX_CHARS + 2, true);
		d = n <= SUGGEST_MAX_CHARS + 2
			    ? suggestDistance(tcp, tn, cp, n, SUGGEST_MAX_CHARS + 2)
			    : SUGGEST_MAX_CHARS + 3;
		if (*surface && d >= *dist)
			continue;
		free(*surface);
		*surface = strndup(body + c.start, (size_t)(c.end - c.start));
		*dist = d;
		if (!*surface)
			rc = SQLITE_NOMEM;
		else if (d <= SUGGEST_CLOSEST_FORM && !suggest_exhaustive)
			break;  /* no occurrence can be closer */
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(stmt);
	return grafi_sqlite_error(idx, rc, "cannot read the index vocabulary");
}

/* Choose W's word: of its candidate stems' written forms, the one closest
 * to TYPED[0..TYPED_LEN), then the one whose stem is in more paragraphs. */
static graf_status_t
suggestChoose(graf_index *idx, Unknown *w, const char *typed, size_t typed_len)
{
	uint32_t tcp[SUGGEST_MAX_CHARS + 2];
	int tn = suggestDecode(typed, typed_len, tcp, SUGGEST_MAX_CHARS + 2, true);
	int best = INT_MAX;
	sqlite3_int64 best_docs = 0;
	graf_status_t st = GRAF_STATUS_OK;

	w->done = true;
	if (tn > SUGGEST_MAX_CHARS + 2)
		return GRAF_STATUS_OK;
	for (int k = 0; st == GRAF_STATUS_OK && k < w->n_cand; k++) {
		char *surface = NULL;
		int d;

		/* Each written form it has is at best as close as the best
		 * found, and a tie goes to the stem in more paragraphs: it
		 * cannot win, and its paragraphs are not read (most of a
		 * suggestion's page faults). */
		if (best <= SUGGEST_CLOSEST_FORM && w->cand[k].docs <= best_docs &&
		    !suggest_exhaustive)
			continue;
		st = suggestSurface(idx, w->cand[k].term, tcp, tn, &surface, &d);
		/* The written word may be one letter further than the stem
		 * was (an ending), no more: "avid" is no answer to "nvidai". */
		if (st == GRAF_STATUS_OK && surface && d <= w->max + 1 &&
		    (d < best || (d == best && w->cand[k].docs > best_docs))) {
			free(w->surface);
			w->surface = surface;
			best = d;
			best_docs = w->cand[k].docs;
		} else {
			free(surface);
		}
	}
	return st;
}

/* How the user wrote a word, for writing the suggestion alike. */
typedef enum SuggestCase {
	CASE_LOWER,             /* no capital: "export" */
	CASE_INITIAL,           /* a capital first, then none: "Minster" */
	CASE_AS_IS,             /* anything else: "NVIDIA", "iPhone" */
} SuggestCase;

static SuggestCase
suggestCaseOf(const char *s, size_t len)
{
	size_t upper = 0;

	for (size_t i = 0; i < len; i++)
		upper += s[i] >= 'A' && s[i] <= 'Z';
	if (upper == 0)
		return CASE_LOWER;
	if (upper == 1 && s[0] >= 'A' && s[0] <= 'Z')
		return CASE_INITIAL;
	return CASE_AS_IS;
}

/* Append SUR to S in the case style C (ASCII letters only). */
static void
suggestAppendCased(sqlite3_str *s, const char *sur, SuggestCase c)
{
	for (const char *p = sur; *p; p++) {
		char ch = *p;

		if (c != CASE_AS_IS && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + 'a' - 'A');
		if (c == CASE_INITIAL && p == sur && ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		sqlite3_str_appendchar(s, 1, ch);
	}
}

/* TEXT with each word that maps to a found surface replaced by it, in the
 * case style the user typed it in; *OUT is NULL when nothing changed. */
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
		suggestAppendCased(s, sur, suggestCaseOf(text + w->start, w->end - w->start));
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
		st = suggestUnknown(idx, text, words, n_words, u, &n_u, map);
	if (st == GRAF_STATUS_OK && n_u > 0)
		st = suggestScan(idx, u, n_u);
	for (size_t i = 0; st == GRAF_STATUS_OK && i < n_words; i++) {
		Unknown *w = map[i] >= 0 ? &u[map[i]] : NULL;

		/* The first word with this stem decides its surface. */
		if (w && !w->done)
			st = suggestChoose(idx, w, text + words[i].start,
					   words[i].end - words[i].start);
	}
	if (st == GRAF_STATUS_OK)
		st = suggestRewrite(idx, text, words, n_words, map, u, out);
	for (int k = 0; k < n_u; k++) {
		for (int c = 0; c < u[k].n_cand; c++)
			free(u[k].cand[c].term);
		free(u[k].surface);
	}
	free(map);
	return st;
}

void
grafi_suggest_exhaustive(bool on)
{
	suggest_exhaustive = on;
}
