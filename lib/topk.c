/*
 * topk.c - the best k paragraphs without scoring every match.
 *
 * The exhaustive way (query.c: FTS5 MATCH, graf_rank() on every matching
 * row, sort) costs about a microsecond per matching row: 50 ms for a query
 * on a word in a quarter of the paragraphs.  Here the same ranking is
 * computed from graf's own postings (postings.c): a term frequency and a row
 * length per posting, a few nanoseconds each.
 *
 *   1. The query's expression is read back (it is graf's own syntax); the
 *      shortcut takes a conjunction or a disjunction of phrases, with
 *      excluded phrases.  Anything else (NEAR, prefixes, title: filters,
 *      feedback, raw FTS5) takes the exhaustive way.
 *   2. The candidates are the rows holding every token of the phrases the
 *      expression requires, minus rows holding an excluded word.
 *   3. Each candidate gets a value: its exact score when the postings
 *      determine it (BM25 of one-word phrases, the headline's BM25), else an
 *      upper bound: a phrase occurs at most as often as its rarest word;
 *      the proximity bonus is bounded through the term frequencies.
 *   4. A max-heap pops candidates best first; an exact one is final (no
 *      other can beat it), a bound is replaced by the exact score, computed
 *      by graf_rank() itself through FTS5 for that one row (or dropped, when
 *      the row does not really match: a phrase not adjacent).  The first k
 *      popped are the top k of the exhaustive ranking, in the same order:
 *      same scores, ties broken by rowid.
 *
 * The scores are the same doubles: the arithmetic below follows
 * rank.c's, term by term, in the same order.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* Phrases the shortcut handles in one query. */
#define TOPK_MAX_PHRASES 64

/* The largest buffer kept between queries (topkScratchGive): 16 MiB, a
 * million postings; all GRAFI_TOPK_SCRATCH of them, 128 MiB at most, but
 * only an index of millions of paragraphs has lists that long. */
#define TOPK_SCRATCH_MAX ((size_t)16 << 20)

/* Buffers made before a batch's first query (grafi_topk_warm()): what a
 * query of a few common words holds at once (its lists, the candidates
 * and their merge). */
#define TOPK_WARM_BUFFERS 4

/* The tokens of one phrase of the expression. */
typedef struct TopkPhrase {
	char *tokens[16];
	int n_tokens;
	bool negated;
	int list[16];           /* index in TopkQuery.lists of each token */
} TopkPhrase;

/* A term's postings (all segments merged, dead rows dropped). */
typedef struct TopkList {
	char *term;
	grafi_posting_list pl;
	size_t at;              /* cursor, for candidates in row order */
	int any;                /* head lists: the any_match phrase it is of */
} TopkList;

typedef struct TopkQuery {
	graf_index *idx;
	bool any;               /* phrases OR'ed, else AND'ed */
	TopkPhrase phrase[TOPK_MAX_PHRASES];
	int n_phrase;
	TopkList *lists;        /* para postings of every token */
	int n_lists;
	TopkList *heads;        /* head postings of the tokens of positive phrases */
	int n_heads;
	bool title_exact;       /* every headline phrase is one token */
} TopkQuery;

/* A candidate row in the heap. */
typedef struct TopkCand {
	sqlite3_int64 row;
	double value;           /* exact score, or an upper bound */
	uint32_t read;          /* 1 + its TopkVerify.read entry; 0: text not read */
	bool exact;
} TopkCand;

/* ---------------------------------------------------------- expression -- */

/* Read one FTS5 string at *P ("..." with "" for a quote) into BUF; false if
 * malformed.  On success *P is past it. */
static bool
topkString(const char **p, char *buf, size_t size)
{
	const char *q = *p;
	size_t n = 0;

	if (*q != '"')
		return false;
	q++;
	for (;;) {
		if (!*q)
			return false;
		if (*q == '"') {
			if (q[1] != '"')
				break;
			q++;
		}
		if (n + 1 >= size)
			return false;
		buf[n++] = *q++;
	}
	buf[n] = '\0';
	*p = q + 1;
	return true;
}

/* Collect the tokens of the query string S into PH. */
typedef struct TokenSink {
	TopkPhrase *ph;
	bool overflow;
	bool nomem;
} TokenSink;

static int
topkToken(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	TokenSink *t = ctx;

	if (tflags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	if (t->ph->n_tokens == 16) {
		t->overflow = true;
		return SQLITE_DONE;
	}
	t->ph->tokens[t->ph->n_tokens] = strndup(token, (size_t)n_token);
	if (!t->ph->tokens[t->ph->n_tokens]) {
		t->nomem = true;
		return SQLITE_NOMEM;
	}
	t->ph->n_tokens++;
	return SQLITE_OK;
}

/* Read a phrase at *P into Q (NEGATED or not); false if it is not one the
 * shortcut takes. */
static bool
topkPhrase(TopkQuery *q, const char **p, bool negated, graf_status_t *st)
{
	char buf[4096];
	TopkPhrase *ph;
	TokenSink sink;

	if (q->n_phrase == TOPK_MAX_PHRASES || !topkString(p, buf, sizeof buf))
		return false;
	/* "a " + "b" * is a prefix phrase: not taken. */
	if (**p == ' ' && ((*p)[1] == '+' || (*p)[1] == '*'))
		return false;
	ph = &q->phrase[q->n_phrase++];
	memset(ph, 0, sizeof *ph);
	ph->negated = negated;
	sink.ph = ph;
	sink.overflow = sink.nomem = false;
	if (grafi_tokenize(q->idx, buf, (int)strlen(buf), FTS5_TOKENIZE_QUERY, &sink, topkToken) !=
	    SQLITE_OK && !sink.overflow) {
		*st = sink.nomem ? GRAF_STATUS_NOMEM : GRAF_STATUS_SQLITE;
		return false;
	}
	/* One word per phrase: adjacency needs positions, which FTS5 has and
	 * checks fast for a phrase; the shortcut declines those queries. */
	return !sink.overflow && ph->n_tokens == 1;
}

/* Expect the literal S at *P. */
static bool
topkExpect(const char **p, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

/*
 * Read EXPR, as query-emit.c writes a flat query:
 *     P1 OP P2 OP ...              OP one of " AND ", " OR "
 *     (P1 OP P2 ...) NOT N1        or  ... NOT (N1 OR N2 ...)
 *     P1 NOT N1
 * false if EXPR has another shape (*ST stays OK) or on failure (*ST set).
 */
static bool
topkParse(TopkQuery *q, const char *expr, graf_status_t *st)
{
	const char *p = expr;
	bool paren = *p == '(', op_set = false;

	if (paren)
		p++;
	for (;;) {
		if (!topkPhrase(q, &p, false, st))
			return false;
		if (topkExpect(&p, " AND ") || topkExpect(&p, " OR ")) {
			bool any = p[-2] == 'R';

			if (op_set && any != q->any)
				return false;  /* mixed: nested groups */
			q->any = any;
			op_set = true;
			continue;
		}
		break;
	}
	if (paren && !topkExpect(&p, ")"))
		return false;
	if (!*p)
		return !paren;  /* a lone group is written without parentheses */
	if (!topkExpect(&p, " NOT "))
		return false;
	if (*p == '(') {
		p++;
		do {
			if (!topkPhrase(q, &p, true, st))
				return false;
		} while (topkExpect(&p, " OR "));
		if (!topkExpect(&p, ")"))
			return false;
	} else if (!topkPhrase(q, &p, true, st)) {
		return false;
	}
	return *p == '\0';
}

/* ------------------------------------------------------------- postings -- */

/* The tombstones and segments of IDX, cached until the index changes. */
static graf_status_t
topkLoadCache(graf_index *idx)
{
	sqlite3_stmt *stmt = NULL;
	sqlite3_int64 version = 0;
	int rc = grafi_prepare(idx->db, "PRAGMA data_version", 0, &stmt);

	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		version = sqlite3_column_int64(stmt, 0), rc = SQLITE_OK;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_OK)
		return grafi_sqlite_error(idx, rc, "cannot read index");
	if (idx->topk.loaded && idx->topk.version == version)
		return GRAF_STATUS_OK;
	for (int t = 0; t < GRAFI_TABLE_LAST; t++) {
		grafi_score_map_free(idx->topk.tombs[t]);
		idx->topk.tombs[t] = grafi_score_map_new();
		if (!idx->topk.tombs[t])
			return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	}
	rc = grafi_prepare(idx->db, "SELECT tbl, row, seg FROM post_tomb", 0, &stmt);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int t = sqlite3_column_int(stmt, 0);

		rc = SQLITE_OK;
		if (t >= 0 && t < GRAFI_TABLE_LAST &&
		    !grafi_score_map_put(idx->topk.tombs[t], sqlite3_column_int64(stmt, 1) + 1,
					 (double)sqlite3_column_int64(stmt, 2)))
			rc = SQLITE_NOMEM;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return grafi_sqlite_error(idx, rc, "cannot read deleted rows");
	if (!idx->topk.get) {
		rc = grafi_prepare(idx->db, /* one seek per segment (post is keyed by
					 * segment first) */
					"SELECT seg, data FROM post WHERE tbl = ?1 AND seg IN "
					"(SELECT id FROM post_seg WHERE tbl = ?1) AND term = ?2 "
					"ORDER BY seg, chunk", SQLITE_PREPARE_PERSISTENT, &idx->topk.get);
		if (rc != SQLITE_OK)
			return grafi_sqlite_error(idx, rc, "cannot read postings");
	}
	idx->topk.version = version;
	idx->topk.loaded = true;
	return GRAF_STATUS_OK;
}

void
grafi_topk_changed(graf_index *idx)
{
	idx->topk.loaded = false;  /* topkLoadCache() reads them again */
}

void
grafi_topk_release(graf_index *idx)
{
	for (int t = 0; t < GRAFI_TABLE_LAST; t++) {
		grafi_score_map_free(idx->topk.tombs[t]);
		idx->topk.tombs[t] = NULL;
	}
	sqlite3_finalize(idx->topk.get);
	idx->topk.get = NULL;
	idx->topk.loaded = false;
	for (int i = 0; i < GRAFI_TOPK_SCRATCH; i++) {
		grafi_region_free(idx->topk.scratch[i], idx->topk.scratch_size[i]);
		idx->topk.scratch[i] = NULL;
		idx->topk.scratch_size[i] = 0;
	}
}

/*
 * The largest buffer IDX kept from past queries (its size in *SIZE), or
 * NULL (*SIZE 0) when none is kept; the caller owns it, and grows it with
 * grafi_region_reserve() as it likes.
 *
 * Why: a query's lists and candidates take up to megabytes.  Freed, they
 * go back to the system (glibc unmaps large blocks and trims the top of
 * the heap), and the next query's fresh pages each cost a page fault: about
 * 10 us on the virtual machines graf is measured on, so that a query of
 * two common words spent more time in faults (170 of them, 2.5 ms) than in
 * its own code (0.6 ms).  Kept, the pages stay mapped.  The largest goes
 * to each caller because a list's size is not known before it is read.
 */
static void *
topkScratchTake(graf_index *idx, size_t *size)
{
	int best = -1;
	void *p;

	for (int i = 0; i < GRAFI_TOPK_SCRATCH; i++)
		if (idx->topk.scratch[i] &&
		    (best < 0 || idx->topk.scratch_size[i] > idx->topk.scratch_size[best]))
			best = i;
	if (best < 0) {
		*size = 0;
		return NULL;
	}
	p = idx->topk.scratch[best];
	*size = idx->topk.scratch_size[best];
	idx->topk.scratch[best] = NULL;
	idx->topk.scratch_size[best] = 0;
	return p;
}

/* Give P (SIZE bytes, or NULL) back to IDX for the next query: kept in a
 * free slot or in place of a smaller buffer (freed), else freed.  At most
 * GRAFI_TOPK_SCRATCH buffers are kept, each at most TOPK_SCRATCH_MAX
 * bytes; grafi_topk_release() frees them. */
static void
topkScratchGive(graf_index *idx, void *p, size_t size)
{
	int slot = -1;

	if (!p)
		return;
	/* a free slot, else the smallest buffer smaller than P */
	for (int i = 0; i < GRAFI_TOPK_SCRATCH && slot < 0; i++)
		if (!idx->topk.scratch[i])
			slot = i;
	if (slot < 0)
		for (int i = 0; i < GRAFI_TOPK_SCRATCH; i++)
			if (idx->topk.scratch_size[i] < size &&
			    (slot < 0 || idx->topk.scratch_size[i] < idx->topk.scratch_size[slot]))
				slot = i;
	if (slot < 0 || size > TOPK_SCRATCH_MAX) {
		grafi_region_free(p, size);
		return;
	}
	grafi_region_free(idx->topk.scratch[slot], idx->topk.scratch_size[slot]);
	idx->topk.scratch[slot] = p;
	idx->topk.scratch_size[slot] = size;
}

/*
 * Make IDX's scratch buffers now, for a batch of queries
 * (graf_index_preload()): TOPK_WARM_BUFFERS of them, each large enough for
 * the longest list the index can have as candidates (a posting in every
 * paragraph; at most TOPK_SCRATCH_MAX), and touched.  The paragraph count
 * is one record to read, where the longest actual list (max(df) over
 * post_df) is a scan of the vocabulary: 8 ms of a batch's start-up.
 *
 * Why: a query whose lists outgrow every buffer kept so far maps
 * a larger one, and on a virtual machine a first touch of fresh memory
 * costs up to 2 ms per MiB while the host backs it.  In the news benchmark
 * those growths were five to eight queries of the thousand, each 3.5 to 5
 * ms instead of under 1: most of the slowest 1%, depending on the host.
 * Made before the first query, most of that is the batch's start-up
 * instead; a query that holds more buffers at once, or larger ones, still
 * maps its own (the same queries were slow again in some runs).
 */
void
grafi_topk_warm(graf_index *idx)
{
	sqlite3_int64 paragraphs = 0, tokens;
	size_t bytes;
	int have = 0;

	if (grafi_stats_totals(idx, GRAFI_TABLE_PARA, &paragraphs, &tokens) != SQLITE_OK ||
	    paragraphs <= 0)
		return;
	bytes = (uint64_t)paragraphs > TOPK_SCRATCH_MAX / sizeof(TopkCand)
			? TOPK_SCRATCH_MAX
			: (size_t)paragraphs * sizeof(TopkCand);
	/* those kept already count (a second preload makes no more) */
	for (int i = 0; i < GRAFI_TOPK_SCRATCH; i++)
		if (idx->topk.scratch[i] && idx->topk.scratch_size[i] >= bytes)
			have++;
	for (int k = have; k < TOPK_WARM_BUFFERS; k++) {
		size_t size = 0;
		volatile char *p = grafi_region_reserve(NULL, &size, 0, bytes, 1);

		if (!p)
			break;
		/* one write a page: the pages exist from now on */
		for (size_t at = 0; at < size; at += 4096)
			p[at] = 0;
		topkScratchGive(idx, (void *)p, size);
	}
}

/* Start L empty, in a buffer kept from a past query when there is one. */
static void
topkListInit(graf_index *idx, grafi_posting_list *l)
{
	size_t size;

	l->v = topkScratchTake(idx, &size);
	l->cap = size / sizeof *l->v;
	l->n = 0;
}

static int
topkComparePosting(const void *a, const void *b)
{
	const grafi_posting *x = a, *y = b;

	return (x->row > y->row) - (x->row < y->row);
}

/* Load TERM's postings in TABLE into L: every segment, dead rows dropped. */
static graf_status_t
topkLoadList(graf_index *idx, int table, const char *term, grafi_posting_list *l)
{
	sqlite3_stmt *get = idx->topk.get;
	sqlite3_int64 last_seg = -1;
	int rc, segs = 0;

	sqlite3_bind_int(get, 1, table);
	sqlite3_bind_blob(get, 2, term, (int)strlen(term), SQLITE_STATIC);
	while ((rc = sqlite3_step(get)) == SQLITE_ROW) {
		sqlite3_int64 seg = sqlite3_column_int64(get, 0);
		size_t from = l->n, keep = 0;

		if (!grafi_postings_decode(sqlite3_column_blob(get, 1),
					   (size_t)sqlite3_column_bytes(get, 1), l)) {
			rc = SQLITE_CORRUPT;
			break;
		}
		if (grafi_score_map_size(idx->topk.tombs[table]) > 0) {
			for (size_t i = from; i < l->n; i++)
				if (!grafi_postings_dead(idx->topk.tombs[table], l->v[i].row, seg))
					l->v[from + keep++] = l->v[i];
			l->n = from + keep;
		}
		if (seg != last_seg)
			segs++;
		last_seg = seg;
	}
	sqlite3_reset(get);
	if (rc != SQLITE_DONE)
		return grafi_sqlite_error(idx, rc, "cannot read postings");
	if (segs > 1)
		qsort(l->v, l->n, sizeof *l->v, topkComparePosting);
	return GRAF_STATUS_OK;
}

/* The index in Q->lists of TERM's list, loaded on first use; -1 on
 * failure (*ST set). */
static int
topkList(TopkQuery *q, const char *term, graf_status_t *st)
{
	for (int i = 0; i < q->n_lists; i++)
		if (strcmp(q->lists[i].term, term) == 0)
			return i;
	q->lists[q->n_lists].term = (char *)term;
	topkListInit(q->idx, &q->lists[q->n_lists].pl);
	*st = topkLoadList(q->idx, GRAFI_TABLE_PARA, term, &q->lists[q->n_lists].pl);
	if (*st != GRAF_STATUS_OK)
		topkScratchGive(q->idx, q->lists[q->n_lists].pl.v,
				q->lists[q->n_lists].pl.cap * sizeof(grafi_posting));
	return *st == GRAF_STATUS_OK ? q->n_lists++ : -1;
}

/* Move L's cursor to ROW; the posting there, or NULL if ROW is absent. */
static const grafi_posting *
topkSeek(TopkList *l, sqlite3_int64 row)
{
	const grafi_posting *v = l->pl.v;
	size_t n = l->pl.n, at = l->at, step = 1;

	/* Mostly forward (candidates in row order); the verification asks in
	 * score order: then start over. */
	if (at > 0 && (at >= n || v[at - 1].row >= row))
		at = 0;

	/* gallop, then binary search: candidates come in row order */
	while (at + step < n && v[at + step].row < row) {
		at += step;
		step *= 2;
	}
	{
		size_t lo = at, hi = at + step < n ? at + step + 1 : n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (v[mid].row < row)
				lo = mid + 1;
			else
				hi = mid;
		}
		at = lo;
	}
	l->at = at;
	return at < n && v[at].row == row ? &v[at] : NULL;
}

/* ------------------------------------------------------------------ heap -- */

/* A before B in the final order: higher value, then lower row. */
static bool
topkBefore(const TopkCand *a, const TopkCand *b)
{
	return a->value > b->value || (a->value == b->value && a->row < b->row);
}

static void
topkSiftDown(TopkCand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = i;
		TopkCand t;

		if (l < n && topkBefore(&h[l], &h[best]))
			best = l;
		if (r < n && topkBefore(&h[r], &h[best]))
			best = r;
		if (best == i)
			return;
		t = h[i];
		h[i] = h[best];
		h[best] = t;
		i = best;
	}
}

/* --------------------------------------------------------------- scoring -- */

/* Bound on tp(i, j) (rank.c) from the term frequencies: each occurrence of
 * the rarer phrase meets at most one occurrence of the other at each
 * distance on each side, adjacent in query order earning the boost. */
static double
topkPairBound(double tf_i, double tf_j, double boost)
{
	double m = tf_i < tf_j ? tf_i : tf_j, b = boost > 1.0 ? boost : 1.0;
	double per = boost + 1.0 + 2.0 * (1.0 / 4 + 1.0 / 9 + 1.0 / 16 + 1.0 / 25);
	double all_pairs = tf_i * tf_j * b;

	return all_pairs < m * per ? all_pairs : m * per;
}

/* Everything one query's scoring needs. */
typedef struct TopkScore {
	const grafi_rank_model *m;
	double avgdl, avgdl_head;
	const double *head_idf;
	int n_head;             /* phrases of any_match */
	int any_of[TOPK_MAX_PHRASES];  /* phrase -> any_match phrase, -1 */
	grafi_score_map *titles;       /* filled as computed */
	sqlite3_int64 title_article;   /* cache of the last title computed */
	double title_value;
	bool title_is_exact;
} TopkScore;

/*
 * The headline part of the score of an article, as query.c's title map
 * holds it (graf_rank() on the head table: BM25 of each any_match phrase),
 * exact when every any_match phrase is one token, else an upper bound.
 */
static double
topkTitle(TopkQuery *q, TopkScore *sc, sqlite3_int64 article, bool *exact)
{
	const grafi_rank_model *m = sc->m;
	double score = 0.0;
	uint32_t dl = 0;

	if (article == sc->title_article) {
		*exact = sc->title_is_exact;
		return sc->title_value;
	}
	*exact = q->title_exact;
	for (int i = 0; i < sc->n_head; i++) {
		/* the head lists of any_match phrase i, one per token */
		double tf = -1.0;

		for (int h = 0; h < q->n_heads; h++) {
			const grafi_posting *pp;

			if (q->heads[h].any != i)
				continue;
			pp = topkSeek(&q->heads[h], article);
			if (!pp) {
				tf = 0.0;
				break;
			}
			dl = pp->dl;
			if (tf < 0 || pp->tf < tf)
				tf = pp->tf;  /* a phrase is at most as frequent as its rarest word */
		}
		if (tf > 0) {
			double k = m->k1 * (1.0 - m->title_b + m->title_b * (double)dl / sc->avgdl_head);

			score += 1.0 * grafi_rank_bm25_term(sc->head_idf[i], tf, m->k1, k);
		}
	}
	sc->title_article = article;
	sc->title_value = score;
	sc->title_is_exact = *exact;
	return score;
}

/*
 * The value of candidate ROW, whose phrases occur TF[i] times (0: absent)
 * in a row of DL tokens: its exact score or an upper bound (*EXACT).
 */
static double
topkValue(TopkQuery *q, TopkScore *sc, sqlite3_int64 row, const double *tf, uint32_t dl,
	  bool *exact)
{
	const grafi_rank_model *m = sc->m;
	double score = 0.0, k;
	int present = 0;
	bool title_exact = true;

	*exact = true;
	for (int i = 0; i < q->n_phrase; i++)
		present += tf[i] > 0;
	k = m->k1 * (1.0 - m->b + m->b * (double)dl / sc->avgdl);
	for (int i = 0; i < q->n_phrase; i++)
		if (tf[i] > 0)
			score += (i < m->n_weights ? m->weights[i] : m->default_weight) *
				 grafi_rank_bm25_term(m->idf[i], tf[i], m->k1, k);
	if (m->proximity > 0 && present > 1) {
		/* rank.c: neighbours in the query, found within the window */
		double prox = 0.0;

		for (int i = 0; i + 1 < q->n_phrase && i + 1 < 32; i++) {
			int j = i + 1;
			double wi, wj, tp;

			if (tf[i] == 0 || tf[j] == 0)
				continue;
			wi = m->idf[i] * m->default_weight;
			wj = m->idf[j] * m->default_weight;
			tp = topkPairBound(tf[i], tf[j], m->phrase_boost);
			prox += grafi_rank_bm25_term(wi < wj ? wi : wj, tp, m->k1, k);
		}
		if (prox > 0) {
			score += m->proximity * prox;
			*exact = false;
		}
	}
	if (m->title_weight > 0) {
		double title = topkTitle(q, sc, GRAFI_ROWID_ARTICLE(row), &title_exact);

		if (!title_exact)
			*exact = false;
		score += m->title_weight * title;
	}
	return score;
}

/* Append the rows of L to the candidate array; false when out of memory. */
static bool
topkAppendRows(TopkCand **c, size_t *n, size_t *cap, const TopkList *l)
{
	if (*n + l->pl.n > *cap) {
		TopkCand *nv = grafi_region_reserve(*c, cap, *n, *n + l->pl.n, sizeof *nv);

		if (!nv)
			return false;
		*c = nv;
	}
	for (size_t r = 0; r < l->pl.n; r++)
		(*c)[(*n)++].row = l->pl.v[r].row;
	return true;
}

/* Merge the rows of L into the sorted candidate array (a union, in row
 * order, without duplicates); false when out of memory. */
static bool
topkMergeRows(graf_index *idx, TopkCand **c, size_t *n, size_t *cap, const TopkList *l)
{
	size_t i, j = 0, k = 0, total = *n + l->pl.n, size, merged_cap;
	TopkCand *merged, *nv;

	if (*n == 0)
		return topkAppendRows(c, n, cap, l);
	merged = topkScratchTake(idx, &size);
	merged_cap = size / sizeof *merged;
	nv = grafi_region_reserve(merged, &merged_cap, 0, total, sizeof *merged);
	if (!nv) {
		grafi_region_free(merged, size);
		return false;
	}
	merged = nv;
	for (i = 0; i < *n || j < l->pl.n;) {
		sqlite3_int64 row;

		if (j >= l->pl.n || (i < *n && (*c)[i].row < l->pl.v[j].row))
			row = (*c)[i++].row;
		else if (i >= *n || l->pl.v[j].row < (*c)[i].row)
			row = l->pl.v[j++].row;
		else {
			row = (*c)[i++].row;
			j++;
		}
		merged[k++].row = row;
	}
	topkScratchGive(idx, *c, *cap * sizeof **c);
	*c = merged;
	*n = k;
	*cap = merged_cap;
	return true;
}


/* The candidates: rows with every token of the required phrases (AND), or
 * of some positive phrase (OR), and no excluded one-token phrase. */
static graf_status_t
topkCandidates(TopkQuery *q, TopkScore *sc, TopkCand **out, size_t *n_out, size_t *cap_out)
{
	size_t n = 0, cap, drive_n = SIZE_MAX;
	TopkCand *c = topkScratchTake(q->idx, &cap);
	int drive = -1;

	cap /= sizeof *c;
	*out = NULL;
	*n_out = 0;
	*cap_out = 0;
	/* AND: walk the shortest list of a required token (the others are
	 * tested below).  OR: walk the first token's list of every positive
	 * phrase, then sort the rows and drop the duplicates. */
	for (int i = 0; i < q->n_phrase; i++) {
		TopkPhrase *ph = &q->phrase[i];

		if (ph->negated)
			continue;
		if (q->any) {
			if (!topkMergeRows(q->idx, &c, &n, &cap, &q->lists[ph->list[0]]))
				goto nomem;
			continue;
		}
		for (int t = 0; t < ph->n_tokens; t++)
			if (q->lists[ph->list[t]].pl.n < drive_n) {
				drive_n = q->lists[ph->list[t]].pl.n;
				drive = ph->list[t];
			}
	}
	if (!q->any && drive >= 0 && !topkAppendRows(&c, &n, &cap, &q->lists[drive]))
		goto nomem;
	/* Keep the rows that really match (every required token, no excluded
	 * word), with their values. */
	for (int l = 0; l < q->n_lists; l++)
		q->lists[l].at = 0;
	for (int h = 0; h < q->n_heads; h++)
		q->heads[h].at = 0;
	{
		size_t keep = 0;

		for (size_t i = 0; i < n; i++) {
			sqlite3_int64 row = c[i].row;
			double tf[TOPK_MAX_PHRASES];
			uint32_t dl = 0;
			bool ok = true, any_phrase = false;

			/* one seek per phrase: the row's term frequencies tell
			 * whether it matches, and its score */
			for (int p = 0; p < q->n_phrase && ok; p++) {
				TopkPhrase *ph = &q->phrase[p];
				const grafi_posting *pp = topkSeek(&q->lists[ph->list[0]], row);

				tf[p] = 0.0;
				if (ph->negated) {
					ok = !pp;
				} else if (pp) {
					tf[p] = pp->tf;
					dl = pp->dl;
					any_phrase = true;
				} else if (!q->any) {
					ok = false;
				}
			}
			if (!ok || !any_phrase)
				continue;
			c[keep].row = row;
			c[keep].value = topkValue(q, sc, row, tf, dl, &c[keep].exact);
			c[keep].read = 0;
			keep++;
		}
		n = keep;
	}
	*out = c;
	*n_out = n;
	*cap_out = cap;
	return GRAF_STATUS_OK;

nomem:
	grafi_region_free(c, cap * sizeof *c);
	return grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
}

/* ---------------------------------------------------------- verification -- */

static const char topk_text_sql[] = "SELECT body FROM para_body WHERE id = ?1";

/* The spans of one row read: TopkVerify.spans[at, at + n). */
typedef struct TopkRead {
	size_t at, n;
} TopkRead;

/* What the exact score needs besides the postings: the row's text, read
 * and tokenized as FTS5 would for graf_rank(). */
typedef struct TopkVerify {
	sqlite3_stmt *text;      /* body of one row */
	grafi_rank_inst *inst;   /* occurrences of the positive phrases */
	int n_inst, cap_inst;
	int pos;                 /* token position */
	const TopkQuery *q;
	bool nomem;
	/* Where the positive words are in each row read, kept for the hits'
	 * highlighting (match.c would tokenize the same text again, and the
	 * rows read are the long ones: 30,000 tokens for "filing may later"). */
	graf_span *spans;
	size_t n_spans, cap_spans;
	TopkRead *read;          /* per row read: its spans */
	size_t n_read, cap_read;
	grafi_first_bytes first; /* of the positive words (grafi_tokenize_for()) */
} TopkVerify;

/* xToken callback: record where the query's words occur. */
static int
topkVerifyToken(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	TopkVerify *v = ctx;
	bool matched = false;

	if (!(tflags & FTS5_TOKEN_COLOCATED))
		v->pos++;
	for (int i = 0; i < v->q->n_phrase; i++) {
		const TopkPhrase *ph = &v->q->phrase[i];

		if (ph->negated || !grafi_token_is(ph->tokens[0], token, n_token))
			continue;
		/* one span per token, as grafi_match_words() finds them */
		if (!matched) {
			graf_span *nv = grafi_reserve(v->spans, &v->cap_spans, v->n_spans + 1,
						      sizeof *nv);

			if (!nv) {
				v->nomem = true;
				return SQLITE_NOMEM;
			}
			v->spans = nv;
			v->spans[v->n_spans].start = (size_t)start;
			v->spans[v->n_spans].end = (size_t)end;
			v->n_spans++;
			matched = true;
		}
		if (v->n_inst == v->cap_inst) {
			int ncap = v->cap_inst ? v->cap_inst * 2 : 64;
			grafi_rank_inst *nv = realloc(v->inst, (size_t)ncap * sizeof *nv);

			if (!nv) {
				v->nomem = true;
				return SQLITE_NOMEM;
			}
			v->inst = nv;
			v->cap_inst = ncap;
		}
		v->inst[v->n_inst].phrase = i;
		v->inst[v->n_inst].off = v->pos;
		v->n_inst++;
	}
	return SQLITE_OK;
}

/*
 * The exact score of candidate ROW: what graf_rank() computes for it, the
 * same doubles in the same order (rank.c), with the positions read from
 * the row's text, tokenized by the index's tokenizer as FTS5 does.
 */
static graf_status_t
topkExact(TopkQuery *q, TopkScore *sc, TopkVerify *v, sqlite3_int64 row, double *score,
	  uint32_t *read)
{
	const grafi_rank_model *m = sc->m;
	double tf[TOPK_MAX_PHRASES], k, total = 0.0;
	int phrase_size[TOPK_MAX_PHRASES], rc;
	const char *text;
	TopkRead *nr;
	bool title_exact;

	sqlite3_bind_int64(v->text, 1, row);
	rc = sqlite3_step(v->text);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(v->text);
		return grafi_sqlite_error(q->idx, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc,
					  "cannot read a paragraph");
	}
	text = (const char *)sqlite3_column_text(v->text, 0);
	nr = grafi_reserve(v->read, &v->cap_read, v->n_read + 1, sizeof *nr);
	if (!nr || v->n_read >= UINT32_MAX) {
		sqlite3_reset(v->text);
		return grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
	}
	v->read = nr;
	v->read[v->n_read].at = v->n_spans;
	v->n_inst = 0;
	v->pos = -1;
	v->q = q;
	rc = text ? grafi_tokenize_for(q->idx, text, sqlite3_column_bytes(v->text, 0),
				       FTS5_TOKENIZE_AUX, &v->first, v, topkVerifyToken)
		  : SQLITE_NOMEM;
	sqlite3_reset(v->text);
	if (rc != SQLITE_OK)
		return v->nomem || rc == SQLITE_NOMEM
			       ? grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory")
			       : grafi_sqlite_error(q->idx, rc, "cannot read a paragraph");
	v->read[v->n_read].n = v->n_spans - v->read[v->n_read].at;
	*read = (uint32_t)++v->n_read;

	for (int i = 0; i < q->n_phrase; i++) {
		tf[i] = 0.0;
		phrase_size[i] = 1;
	}
	for (int i = 0; i < v->n_inst; i++)
		tf[v->inst[i].phrase] += 1.0;
	/* the row's length: its tokens, as FTS5 counts them (xColumnSize) */
	k = m->k1 * (1.0 - m->b + m->b * (double)(v->pos + 1) / sc->avgdl);
	for (int i = 0; i < q->n_phrase; i++)
		if (tf[i] > 0)
			total += (i < m->n_weights ? m->weights[i] : m->default_weight) *
				 grafi_rank_bm25_term(m->idf[i], tf[i], m->k1, k);
	if (m->proximity > 0 && v->n_inst > 1) {
		grafi_rank_sort_inst(v->inst, v->n_inst);
		total += grafi_rank_proximity(v->inst, v->n_inst, q->n_phrase, phrase_size, m->idf, m,
					      k);
	}
	if (m->title_weight > 0) {
		double title = topkTitle(q, sc, GRAFI_ROWID_ARTICLE(row), &title_exact);

		if (!grafi_score_map_put(sc->titles, GRAFI_ROWID_ARTICLE(row), title))
			return grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
		total += m->title_weight * title;
	}
	*score = total;
	return GRAF_STATUS_OK;
}

/* ---------------------------------------------------------- the search -- */

static void
topkQueryRelease(TopkQuery *q)
{
	for (int i = 0; i < q->n_phrase; i++)
		for (int t = 0; t < q->phrase[i].n_tokens; t++)
			free(q->phrase[i].tokens[t]);
	for (int l = 0; l < q->n_lists; l++)
		topkScratchGive(q->idx, q->lists[l].pl.v, q->lists[l].pl.cap * sizeof(grafi_posting));
	for (int h = 0; h < q->n_heads; h++) {
		topkScratchGive(q->idx, q->heads[h].pl.v, q->heads[h].pl.cap * sizeof(grafi_posting));
		free(q->heads[h].term);
	}
	free(q->lists);
	free(q->heads);
}

/* Load the postings Q needs: every token's para list; the head lists of the
 * any_match phrases (read from ANY_MATCH, which lists the positive phrases
 * in order). */
static graf_status_t
topkLoad(TopkQuery *q, TopkScore *sc, const char *any_match, bool para_lists)
{
	graf_status_t st = GRAF_STATUS_OK;
	int n_tokens = 0, n_any = 0;

	for (int i = 0; i < q->n_phrase; i++)
		n_tokens += q->phrase[i].n_tokens;
	q->lists = calloc((size_t)n_tokens + 1, sizeof *q->lists);
	q->heads = calloc((size_t)n_tokens + 1, sizeof *q->heads);
	if (!q->lists || !q->heads)
		return grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
	for (int i = 0; i < q->n_phrase && st == GRAF_STATUS_OK && para_lists; i++)
		for (int t = 0; t < q->phrase[i].n_tokens && st == GRAF_STATUS_OK; t++)
			q->phrase[i].list[t] = topkList(q, q->phrase[i].tokens[t], &st);
	if (st != GRAF_STATUS_OK || sc->m->title_weight <= 0 || !any_match)
		return st;

	/* any_match is "P1 OR P2 ..." over the positive phrases, in order. */
	q->title_exact = true;
	for (int i = 0; i < q->n_phrase; i++) {
		TopkPhrase *ph = &q->phrase[i];

		sc->any_of[i] = -1;
		if (ph->negated)
			continue;
		sc->any_of[i] = n_any;
		if (ph->n_tokens > 1)
			q->title_exact = false;
		for (int t = 0; t < ph->n_tokens && st == GRAF_STATUS_OK; t++) {
			TopkList *h = &q->heads[q->n_heads];

			h->term = strdup(ph->tokens[t]);
			if (!h->term)
				return grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
			h->any = n_any;
			q->n_heads++;
			topkListInit(q->idx, &h->pl);
			st = topkLoadList(q->idx, GRAFI_TABLE_HEAD, h->term, &h->pl);
		}
		n_any++;
	}
	return st;
}

/* ------------------------------------------------------------ one word -- */

/*
 * A query of one word (the most common kind) needs no candidate list: its
 * score is BM25 of the word plus its article's headline score, both known
 * from the postings.  Blocks are visited best bound first (postings.c: a
 * block header holds its largest term frequency and smallest row length),
 * and a block whose bound cannot beat the k-th best score found is not even
 * decoded (block-max pruning, Ding & Suel 2011).
 */

/* A block of a stored list, not yet decoded. */
typedef struct TopkBlock {
	const unsigned char *body;
	size_t body_len;
	uint64_t count;
	sqlite3_int64 first_row;     /* at or below its first row: the last row
				      * of the block before it in its segment */
	sqlite3_int64 last_row;
	sqlite3_int64 seg;
	uint32_t max_tf, min_dl;
	double bound;                /* best score a posting of it can have */
} TopkBlock;

/* The raw lists of a term, kept while its blocks are read. */
typedef struct TopkRaw {
	unsigned char **blobs;
	size_t n_blobs;
	TopkBlock *blocks;
	size_t n_blocks, cap_blocks;
} TopkRaw;

static void
topkRawRelease(TopkRaw *r)
{
	for (size_t i = 0; i < r->n_blobs; i++)
		free(r->blobs[i]);
	free(r->blobs);
	free(r->blocks);
}

static int
topkCompareBound(const void *a, const void *b)
{
	const TopkBlock *x = a, *y = b;

	return (x->bound < y->bound) - (x->bound > y->bound);
}

/* Keep a copy of the blob of the current row of GET in R; NULL on failure. */
static const unsigned char *
topkKeepBlob(sqlite3_stmt *get, TopkRaw *r, size_t *len)
{
	const unsigned char *data = sqlite3_column_blob(get, 1);
	unsigned char *copy, **nb;

	*len = (size_t)sqlite3_column_bytes(get, 1);
	nb = realloc(r->blobs, (r->n_blobs + 1) * sizeof *nb);
	if (!nb)
		return NULL;
	r->blobs = nb;
	copy = malloc(*len ? *len : 1);
	if (!copy)
		return NULL;
	if (*len)
		memcpy(copy, data, *len);
	r->blobs[r->n_blobs++] = copy;
	return copy;
}

/* Read the blocks of TERM's para lists into R, headers only. */
static graf_status_t
topkLoadBlocks(graf_index *idx, const char *term, TopkRaw *r)
{
	sqlite3_stmt *get = idx->topk.get;
	int rc;

	sqlite3_int64 prev_last = 0, prev_seg = -1;

	sqlite3_bind_int(get, 1, GRAFI_TABLE_PARA);
	sqlite3_bind_blob(get, 2, term, (int)strlen(term), SQLITE_STATIC);
	while ((rc = sqlite3_step(get)) == SQLITE_ROW) {
		sqlite3_int64 seg = sqlite3_column_int64(get, 0);
		const unsigned char *p, *end;
		size_t len;

		if (!(p = topkKeepBlob(get, r, &len))) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (seg != prev_seg)
			prev_last = 0;
		prev_seg = seg;
		for (end = p + len; p < end;) {
			uint64_t hdr[6];
			TopkBlock *b;

			if (!grafi_postings_block_header(&p, end, hdr)) {
				rc = SQLITE_CORRUPT;
				break;
			}
			if (r->n_blocks == r->cap_blocks) {
				size_t ncap = r->cap_blocks ? r->cap_blocks * 2 : 64;
				TopkBlock *nv = realloc(r->blocks, ncap * sizeof *nv);

				if (!nv) {
					rc = SQLITE_NOMEM;
					break;
				}
				r->blocks = nv;
				r->cap_blocks = ncap;
			}
			b = &r->blocks[r->n_blocks++];
			b->body = p;
			b->body_len = (size_t)hdr[0];
			b->count = hdr[1];
			b->last_row = GRAFI_ROWID((sqlite3_int64)hdr[2], (sqlite3_int64)hdr[3]);
			b->seg = seg;
			b->max_tf = (uint32_t)hdr[4];
			b->min_dl = (uint32_t)hdr[5];
			b->bound = 0;
			b->first_row = prev_last;
			prev_last = b->last_row;
			p += hdr[0];
		}
		if (rc != SQLITE_ROW)
			break;
	}
	sqlite3_reset(get);
	return rc == SQLITE_DONE ? GRAF_STATUS_OK : grafi_sqlite_error(idx, rc, "cannot read postings");
}

/* The k best so far: a min-heap on (score, then row descending), so that
 * its root is the one a better candidate replaces. */
static bool
topkWorse(const grafi_topk_hit *a, const grafi_topk_hit *b)
{
	return a->score < b->score || (a->score == b->score && a->row > b->row);
}

static void
topkBestSift(grafi_topk_hit *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		grafi_topk_hit t;

		if (l < n && topkWorse(&h[l], &h[w]))
			w = l;
		if (r < n && topkWorse(&h[r], &h[w]))
			w = r;
		if (w == i)
			return;
		t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

/* Offer (ROW, SCORE) to the k best H[0..*N) of capacity K. */
static void
topkBestOffer(grafi_topk_hit *h, size_t *n, size_t k, sqlite3_int64 row, double score)
{
	grafi_topk_hit c = { row, score, 0, -1 };  /* text not read */

	if (*n < k) {
		size_t i = (*n)++;

		h[i] = c;
		/* sift up */
		while (i > 0 && topkWorse(&h[i], &h[(i - 1) / 2])) {
			grafi_topk_hit t = h[i];

			h[i] = h[(i - 1) / 2];
			h[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
		return;
	}
	if (!topkWorse(&h[0], &c))
		return;
	h[0] = c;
	topkBestSift(h, *n, 0);
}

static int
topkCompareHit(const void *a, const void *b)
{
	const grafi_topk_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return (x->row > y->row) - (x->row < y->row);
}

/* The headline score of ARTICLE: TITLES[i] for the head list HL's entry i
 * of that article, 0 when the headline lacks the word. */
static double
topkTitleOf(const grafi_posting_list *hl, const double *titles, sqlite3_int64 article)
{
	size_t lo = 0, hi = hl->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (hl->v[mid].row < article)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < hl->n && hl->v[lo].row == article ? titles[lo] : 0.0;
}

/* The best headline score of the articles FIRST..LAST (TITLES beside the
 * head list HL, as topkTitleOf reads them). */
static double
topkTitleMax(const grafi_posting_list *hl, const double *titles, sqlite3_int64 first,
	     sqlite3_int64 last)
{
	size_t lo = 0, hi = hl->n;
	double max = 0.0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (hl->v[mid].row < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < hl->n && hl->v[lo].row <= last; lo++)
		if (titles[lo] > max)
			max = titles[lo];
	return max;
}

/*
 * The best WANT paragraphs of a query of the one word Q->phrase[0]
 * (paragraph unit), into *OUT.
 */
static graf_status_t
topkOneWord(TopkQuery *q, TopkScore *sc, long want, grafi_topk_hit **out, size_t *n_out)
{
	const grafi_rank_model *m = sc->m;
	const grafi_score_map *tombs = q->idx->topk.tombs[GRAFI_TABLE_PARA];
	double weight = 0 < m->n_weights ? m->weights[0] : m->default_weight;
	TopkRaw raw = { 0 };
	double *titles = NULL;       /* headline score of each head-list entry */
	grafi_topk_hit *best = NULL;
	grafi_posting_list pl = { 0 };
	size_t n_best = 0;
	graf_status_t st;

	*out = NULL;
	*n_out = 0;
	st = topkLoadBlocks(q->idx, q->phrase[0].tokens[0], &raw);
	if (st != GRAF_STATUS_OK)
		goto out;
	/* the headline part: exact per article, from the head list, in an
	 * array beside it (articles in order: a binary search finds one) */
	if (m->title_weight > 0 && q->n_heads == 1) {
		const grafi_posting_list *hl = &q->heads[0].pl;

		titles = malloc((hl->n ? hl->n : 1) * sizeof *titles);
		if (!titles) {
			st = grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < hl->n; i++) {
			double k = m->k1 * (1.0 - m->title_b + m->title_b * (double)hl->v[i].dl / sc->avgdl_head);

			titles[i] = 1.0 * grafi_rank_bm25_term(sc->head_idf[0], (double)hl->v[i].tf,
							       m->k1, k);
		}
	}
	for (size_t i = 0; i < raw.n_blocks; i++) {
		TopkBlock *b = &raw.blocks[i];
		double k = m->k1 * (1.0 - m->b + m->b * (double)b->min_dl / sc->avgdl);
		double title = titles ? topkTitleMax(&q->heads[0].pl, titles,
						     GRAFI_ROWID_ARTICLE(b->first_row),
						     GRAFI_ROWID_ARTICLE(b->last_row))
				      : 0.0;

		b->bound = weight * grafi_rank_bm25_term(m->idf[0], (double)b->max_tf, m->k1, k) +
			   m->title_weight * title;
	}
	if (raw.n_blocks > 1)
		qsort(raw.blocks, raw.n_blocks, sizeof *raw.blocks, topkCompareBound);
	best = malloc((size_t)want * sizeof *best);
	if (!best) {
		st = grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < raw.n_blocks; i++) {
		const TopkBlock *b = &raw.blocks[i];

		/* nothing in this block (nor, blocks sorted, in any after it)
		 * can beat the k-th best */
		if (n_best == (size_t)want && b->bound < best[0].score)
			break;
		pl.n = 0;
		if (!grafi_postings_decode_block(b->body, b->body_len, b->count, &pl)) {
			st = grafi_error(q->idx, GRAF_STATUS_BAD_INDEX, "damaged postings of '%s'",
					 q->phrase[0].tokens[0]);
			goto out;
		}
		for (size_t j = 0; j < pl.n; j++) {
			const grafi_posting *pp = &pl.v[j];
			double k, score;

			if (grafi_score_map_size(tombs) > 0 &&
			    grafi_postings_dead(tombs, pp->row, b->seg))
				continue;
			/* rank.c's arithmetic, in its order */
			k = m->k1 * (1.0 - m->b + m->b * (double)pp->dl / sc->avgdl);
			score = 0.0 + weight * grafi_rank_bm25_term(m->idf[0], (double)pp->tf, m->k1, k);
			if (titles)
				score += m->title_weight *
					 topkTitleOf(&q->heads[0].pl, titles, GRAFI_ROWID_ARTICLE(pp->row));
			else if (m->title_weight > 0)
				score += m->title_weight * 0.0;  /* rank.c adds the map's 0 */
			topkBestOffer(best, &n_best, (size_t)want, pp->row, score);
		}
	}
	qsort(best, n_best, sizeof *best, topkCompareHit);
	*out = best;
	*n_out = n_best;
	best = NULL;
out:
	free(best);
	free(titles);
	grafi_posting_list_free(&pl);
	topkRawRelease(&raw);
	return st;
}

/* True if the headline expression's phrases are the positive phrases, one
 * for one (query-emit.c writes any_match so), as the title part assumes. */
static bool
topkHeadsAgree(const TopkQuery *q, const grafi_topk_input *in)
{
	int positive = 0;

	for (int i = 0; i < q->n_phrase; i++)
		positive += !q->phrase[i].negated;
	return in->model->title_weight <= 0 || (in->any_match && positive == in->n_head_idf);
}

graf_status_t
grafi_topk(graf_index *idx, grafi_topk_input *in, grafi_topk_hit **out, size_t *n_out,
	   bool *taken)
{
	TopkQuery q = { 0 };
	TopkScore sc = { 0 };
	TopkVerify v = { 0 };
	TopkCand *heap = NULL;
	grafi_topk_hit *hits = NULL;
	grafi_score_map *emitted = NULL;
	size_t n = 0, n_hits = 0, heap_cap = 0;
	sqlite3_int64 rows = 0, tokens = 0;
	graf_status_t st = GRAF_STATUS_OK;
	int rc;

	*out = NULL;
	*n_out = 0;
	*taken = false;
	in->spans = NULL;
	q.idx = idx;
	if (!in->match || !in->model->idf || in->want <= 0)
		return GRAF_STATUS_OK;
	if (!topkParse(&q, in->match, &st) || q.n_phrase != in->model->n_idf ||
	    !topkHeadsAgree(&q, in)) {
		topkQueryRelease(&q);
		return st;
	}
	*taken = true;
	sc.m = in->model;
	sc.head_idf = in->head_idf;
	sc.n_head = in->n_head_idf;
	sc.titles = in->titles;
	sc.title_article = -1;
	rc = grafi_stats_totals(idx, GRAFI_TABLE_PARA, &rows, &tokens);
	sc.avgdl = rows > 0 ? (double)tokens / (double)rows : 1.0;
	if (sc.avgdl <= 0)
		sc.avgdl = 1.0;
	if (rc == SQLITE_OK)
		rc = grafi_stats_totals(idx, GRAFI_TABLE_HEAD, &rows, &tokens);
	sc.avgdl_head = rows > 0 ? (double)tokens / (double)rows : 1.0;
	if (sc.avgdl_head <= 0)
		sc.avgdl_head = 1.0;
	if (rc != SQLITE_OK)
		st = grafi_sqlite_error(idx, rc, "cannot read the index statistics");
	if (st == GRAF_STATUS_OK)
		st = topkLoadCache(idx);
	if (st == GRAF_STATUS_OK)
		st = topkLoad(&q, &sc, in->any_match, q.n_phrase > 1 || in->article_unit);
	if (st == GRAF_STATUS_OK && q.n_phrase == 1 && !in->article_unit) {
		st = topkOneWord(&q, &sc, in->want, out, n_out);
		if (st == GRAF_STATUS_OK)
			goto stems;
		goto out;
	}
	if (st == GRAF_STATUS_OK)
		st = topkCandidates(&q, &sc, &heap, &n, &heap_cap);
	if (st != GRAF_STATUS_OK)
		goto out;

	/* The first bytes of the words the verification looks for
	 * (grafi_tokenize_for()). */
	for (int i = 0; i < q.n_phrase; i++)
		if (!q.phrase[i].negated)
			grafi_first_bytes_add(&v.first, q.phrase[i].tokens[0]);
	/* The paragraph reader, prepared only if a bound needs it. */
	for (size_t i = 0; i < n && !v.text; i++)
		if (!heap[i].exact) {
			rc = grafi_stmt_take(idx, topk_text_sql, &v.text);
			if (rc != SQLITE_OK) {
				st = grafi_sqlite_error(idx, rc, "cannot prepare the top-k search");
				goto out;
			}
		}

	/* Pop best first; a bound is replaced by its exact score and pushed
	 * back; an exact candidate popped is final. */
	for (size_t i = n / 2; i-- > 0;)
		topkSiftDown(heap, n, i);
	hits = malloc(((size_t)in->want + 1) * sizeof *hits);
	emitted = in->article_unit ? grafi_score_map_new() : NULL;
	if (!hits || (in->article_unit && !emitted)) {
		st = grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
		goto out;
	}
	while (n > 0 && n_hits < (size_t)in->want) {
		TopkCand top = heap[0];

		if (idx->interrupted) {
			st = grafi_error(idx, GRAF_STATUS_INTERRUPTED, "query interrupted");
			goto out;
		}
		if (!top.exact) {
			double score = 0;

			st = topkExact(&q, &sc, &v, top.row, &score, &heap[0].read);
			if (st != GRAF_STATUS_OK)
				goto out;
			heap[0].value = score;
			heap[0].exact = true;
			topkSiftDown(heap, n, 0);
			continue;
		}
		heap[0] = heap[--n];
		topkSiftDown(heap, n, 0);
		if (emitted) {
			sqlite3_int64 article = GRAFI_ROWID_ARTICLE(top.row);

			if (grafi_score_map_get(emitted, article) > 0)
				continue;  /* a weaker paragraph of an article already in */
			if (!grafi_score_map_put(emitted, article, 1.0)) {
				st = grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
				goto out;
			}
		}
		hits[n_hits].row = top.row;
		hits[n_hits].score = top.value;
		hits[n_hits].span_at = top.read ? v.read[top.read - 1].at : 0;
		hits[n_hits].n_spans = top.read ? (long)v.read[top.read - 1].n : -1;
		n_hits++;
	}
stems:
	/* the positive words, for highlighting without FTS5 (match.c) */
	in->stems = calloc((size_t)q.n_phrase + 1, sizeof *in->stems);
	if (!in->stems) {
		st = grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
		goto out;
	}
	in->n_stems = 0;
	for (int i = 0; i < q.n_phrase; i++)
		if (!q.phrase[i].negated) {
			in->stems[in->n_stems] = strdup(q.phrase[i].tokens[0]);
			if (!in->stems[in->n_stems]) {
				st = grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
				goto out;
			}
			in->n_stems++;
		}
	if (hits) {
		*out = hits;
		*n_out = n_hits;
		hits = NULL;
		in->spans = v.spans;
		v.spans = NULL;
	}
out:
	free(hits);
	topkScratchGive(idx, heap, heap_cap * sizeof *heap);
	grafi_score_map_free(emitted);
	grafi_stmt_give(idx, topk_text_sql, v.text);
	free(v.inst);
	free(v.spans);
	free(v.read);
	topkQueryRelease(&q);
	return st;
}
