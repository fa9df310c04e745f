/*
 * rank.c - graf_rank(), graf's ranking function, registered with FTS5's
 * auxiliary-function API.
 *
 * For a row d of an FTS5 table (column 0) matched by phrases p_1..p_n:
 *
 *   score(d) = sum_i  w_i idf_i tf_i (k1 + 1) / (tf_i + K)                 BM25
 *            + prox sum_{i<j} min(w_i idf_i, w_j idf_j) tp_ij (k1 + 1) / (tp_ij + K)
 *            + title_weight * headline(d)
 *
 *   K      = k1 (1 - b + b |d| / avgdl)
 *   idf_i  = ln(1 + (N - n_i + 0.5) / (n_i + 0.5))   (Lucene's form: never
 *            negative, unlike the classic one that FTS5's bm25() floors)
 *   tp_ij  = sum over occurrences of p_i and p_j at most PROX_WINDOW tokens
 *            apart of 1/dist^2, times phrase_boost when p_j directly follows
 *            p_i as it does in the query: BM25TP's term-pair proximity
 *            (Rasolofo & Savoy 2003), saturated like a term frequency
 *   w_i    = the phrase's weight (1, or a feedback weight)
 *   headline(d) = graf_rank() of the article's headline in the head table,
 *            computed once per query by query.c (BM25 alone, b = title_b)
 *            and passed in a map
 *
 * The parameters arrive as a pointer bound to the function's argument
 * (sqlite3_bind_pointer, type "graf_rank_model"); without one (from plain
 * SQL) the defaults apply.  Per-query statistics (N, avgdl, idf) are computed
 * once and cached as FTS5 auxdata, as fts5_aux.c does for bm25().
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* Pairs of occurrences further apart than this do not count as close. */
#define PROX_WINDOW 5

/* Proximity is computed for the first this many phrases of a query (long
 * natural-language queries beyond it gain little and would cost n^2). */
#define PROX_MAX_PHRASES 32

#define RANK_POINTER_TYPE "graf_rank_model"

/* ------------------------------------------------------------- score map -- */

/* A key and its value side by side: a lookup that finds its key (most of
 * an update's: the raw hashes of unchanged records) reads one cache line,
 * not one in each of two arrays. */
typedef struct MapSlot {
	sqlite3_int64 key;       /* 0 marks a free slot: ids start at 1 */
	double value;
} MapSlot;

struct grafi_score_map {
	MapSlot *slots;
	size_t cap, n;
};

static size_t
mapSlot(const grafi_score_map *m, sqlite3_int64 key)
{
	size_t mask = m->cap - 1, i = (size_t)((uint64_t)key * 0x9E3779B97F4A7C15ULL) & mask;

	while (m->slots[i].key && m->slots[i].key != key)
		i = (i + 1) & mask;
	return i;
}

grafi_score_map *
grafi_score_map_new(void)
{
	return calloc(1, sizeof(grafi_score_map));
}

void
grafi_score_map_free(grafi_score_map *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

bool
grafi_score_map_put(grafi_score_map *m, sqlite3_int64 key, double value)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		MapSlot *old = m->slots, *slots = calloc(ncap, sizeof *slots);
		size_t old_cap = m->cap;

		if (!slots)
			return false;
		m->slots = slots;
		m->cap = ncap;
		m->n = 0;
		for (size_t k = 0; k < old_cap; k++)
			if (old[k].key)
				grafi_score_map_put(m, old[k].key, old[k].value);
		free(old);
	}
	i = mapSlot(m, key);
	if (!m->slots[i].key) {
		m->slots[i].key = key;
		m->n++;
	}
	m->slots[i].value = value;
	return true;
}

void
grafi_score_map_clear(grafi_score_map *m)
{
	if (!m || m->n == 0)
		return;
	/* Keep the slots for the next use if they were well used: clearing
	 * costs less than growing them again through fresh memory.  Free them
	 * if they were mostly empty, so that many small uses after a large
	 * one (article files after a collection) do not each clear it all. */
	if (m->n * 8 >= m->cap) {
		memset(m->slots, 0, m->cap * sizeof *m->slots);
	} else {
		free(m->slots);
		m->slots = NULL;
		m->cap = 0;
	}
	m->n = 0;
}

double
grafi_score_map_get(const grafi_score_map *m, sqlite3_int64 key)
{
	size_t i;

	if (!m || m->n == 0)
		return 0.0;
	i = mapSlot(m, key);
	return m->slots[i].key ? m->slots[i].value : 0.0;
}

size_t
grafi_score_map_size(const grafi_score_map *m)
{
	return m ? m->n : 0;
}

/* ------------------------------------------------------- the statistics -- */

/* What graf_rank() knows of the whole query, computed on its first row. */
typedef struct RankStats {
	int n_phrase;
	double avgdl;            /* mean tokens per row */
	double *idf;             /* per phrase */
	int *phrase_size;        /* tokens per phrase */
} RankStats;

static void
rankStatsFree(void *p)
{
	RankStats *s = p;

	if (!s)
		return;
	sqlite3_free(s->idf);
	sqlite3_free(s->phrase_size);
	sqlite3_free(s);
}

/* xQueryPhrase callback: count the rows. */
static int
rankCountRows(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
	(*(sqlite3_int64 *)ctx)++;
	return SQLITE_OK;
}

/* The cached statistics of this query, computed on first use: IDFs from M
 * when it has them for every phrase, else by counting each phrase's rows. */
static int
rankGetStats(const Fts5ExtensionApi *api, Fts5Context *fts, const grafi_rank_model *m,
	     RankStats **out)
{
	RankStats *s = api->xGetAuxdata(fts, 0);
	sqlite3_int64 n_rows = 0, n_tokens = 0;
	int rc = SQLITE_OK;

	if (s) {
		*out = s;
		return SQLITE_OK;
	}
	s = sqlite3_malloc(sizeof *s);
	if (!s)
		return SQLITE_NOMEM;
	memset(s, 0, sizeof *s);
	s->n_phrase = api->xPhraseCount(fts);
	s->idf = sqlite3_malloc64(sizeof(double) * (size_t)(s->n_phrase + 1));
	s->phrase_size = sqlite3_malloc64(sizeof(int) * (size_t)(s->n_phrase + 1));
	if (!s->idf || !s->phrase_size)
		rc = SQLITE_NOMEM;
	if (rc == SQLITE_OK)
		rc = api->xRowCount(fts, &n_rows);
	if (rc == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, 0, &n_tokens);
	s->avgdl = n_rows > 0 ? (double)n_tokens / (double)n_rows : 1.0;
	if (s->avgdl <= 0)
		s->avgdl = 1.0;
	for (int i = 0; rc == SQLITE_OK && i < s->n_phrase; i++) {
		sqlite3_int64 hits = 0;

		s->phrase_size[i] = api->xPhraseSize(fts, i);
		if (m->idf && m->n_idf == s->n_phrase) {
			s->idf[i] = m->idf[i];  /* from the vocabulary (stats.c) */
			continue;
		}
		rc = api->xQueryPhrase(fts, i, &hits, rankCountRows);
		s->idf[i] = grafi_stats_idf(n_rows, hits);
	}
	if (rc == SQLITE_OK)
		rc = api->xSetAuxdata(fts, s, rankStatsFree);
	else
		rankStatsFree(s);
	if (rc == SQLITE_OK)
		*out = s;
	return rc;
}

/* ------------------------------------------------------------ the score -- */

typedef grafi_rank_inst Inst;

static int
rankCompareInst(const void *a, const void *b)
{
	const Inst *x = a, *y = b;

	if (x->off != y->off)
		return (x->off > y->off) - (x->off < y->off);
	return (x->phrase > y->phrase) - (x->phrase < y->phrase);
}

void
grafi_rank_sort_inst(grafi_rank_inst *inst, int n)
{
	qsort(inst, (size_t)n, sizeof *inst, rankCompareInst);
}

void
grafi_rank_model_init(grafi_rank_model *m)
{
	memset(m, 0, sizeof *m);
	m->k1 = GRAFI_DEFAULT_K1;
	m->b = GRAFI_DEFAULT_B;
	m->title_b = GRAFI_DEFAULT_TITLE_B;
	m->proximity = GRAFI_DEFAULT_PROXIMITY;
	m->phrase_boost = GRAFI_DEFAULT_PHRASE_BOOST;
	m->default_weight = 1.0;
}

double
grafi_rank_bm25_term(double idf, double tf, double k1, double norm)
{
	return idf * tf * (k1 + 1.0) / (tf + norm);
}

/* The weight of phrase I under M. */
static double
rankWeight(const grafi_rank_model *m, int i)
{
	return i < m->n_weights ? m->weights[i] : m->default_weight;
}

double
grafi_rank_proximity(const grafi_rank_inst *inst, int n, int n_phrase, const int *phrase_size,
		     const double *idf, const grafi_rank_model *m, double k)
{
	int first = m->prox_first > 0 ? m->prox_first : 0;
	int np = n_phrase - first < PROX_MAX_PHRASES ? n_phrase - first : PROX_MAX_PHRASES;
	double tp[PROX_MAX_PHRASES][PROX_MAX_PHRASES];
	double score = 0.0;

	if (np < 2)
		return 0.0;
	for (int i = 0; i < np; i++)
		for (int j = 0; j < np; j++)
			tp[i][j] = 0.0;
	for (int a = 0; a < n; a++) {
		if (inst[a].phrase < first || inst[a].phrase - first >= np)
			continue;
		for (int b = a + 1; b < n && inst[b].off - inst[a].off <= PROX_WINDOW; b++) {
			int pa = inst[a].phrase - first, pb = inst[b].phrase - first;
			/* distance from the end of the first phrase */
			int d = inst[b].off - (inst[a].off + phrase_size[pa + first] - 1);
			double v;

			/* Only pairs of neighbours in the query (as the sequential
			 * dependence model does): in natural-language queries,
			 * other pairs are mostly noise. */
			if (pb < 0 || pb >= np || (pb != pa + 1 && pa != pb + 1) || d < 1)
				continue;
			v = 1.0 / ((double)d * (double)d);
			if (d == 1 && pb == pa + 1)
				v *= m->phrase_boost;  /* adjacent, in query order */
			if (pa < pb)
				tp[pa][pb] += v;
			else
				tp[pb][pa] += v;
		}
	}
	for (int i = 0; i < np; i++)
		for (int j = i + 1; j < np; j++) {
			double wi, wj;

			if (tp[i][j] == 0.0)
				continue;
			wi = idf[i + first] * rankWeight(m, i + first);
			wj = idf[j + first] * rankWeight(m, j + first);
			score += grafi_rank_bm25_term(wi < wj ? wi : wj, tp[i][j], m->k1, k);
		}
	return m->proximity * score;
}

/*
 * graf_rank(TABLE [, MODEL]): the score of the current row (see the file
 * comment).  Higher is better.
 */
static void
rankFunction(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int n_val,
	     sqlite3_value **values)
{
	grafi_rank_model defaults;
	const grafi_rank_model *m = NULL;
	RankStats *s = NULL;
	Inst stack_inst[64], *inst = stack_inst;
	double tf_stack[32], *tf = tf_stack;
	int n_inst = 0, dl = 0, rc, n = 0;
	double score = 0.0, k;

	if (n_val > 0)
		m = sqlite3_value_pointer(values[0], RANK_POINTER_TYPE);
	if (!m) {
		grafi_rank_model_init(&defaults);
		m = &defaults;
	}
	rc = rankGetStats(api, fts, m, &s);
	if (rc == SQLITE_OK && m->rows_seen)
		rc = api->xRowCount(fts, m->rows_seen);
	if (rc == SQLITE_OK)
		rc = api->xInstCount(fts, &n_inst);
	if (rc == SQLITE_OK)
		rc = api->xColumnSize(fts, 0, &dl);
	if (rc == SQLITE_OK && n_inst > (int)(sizeof stack_inst / sizeof stack_inst[0]))
		inst = sqlite3_malloc64(sizeof *inst * (size_t)n_inst);
	if (rc == SQLITE_OK && s->n_phrase > (int)(sizeof tf_stack / sizeof tf_stack[0]))
		tf = sqlite3_malloc64(sizeof *tf * (size_t)s->n_phrase);
	if (rc == SQLITE_OK && (!inst || !tf))
		rc = SQLITE_NOMEM;
	if (rc != SQLITE_OK)
		goto out;

	for (int i = 0; i < s->n_phrase; i++)
		tf[i] = 0.0;
	for (int i = 0; rc == SQLITE_OK && i < n_inst; i++) {
		int phrase, col, off;

		rc = api->xInst(fts, i, &phrase, &col, &off);
		if (rc == SQLITE_OK && col == 0) {
			tf[phrase] += 1.0;
			inst[n].phrase = phrase;
			inst[n].off = off;
			n++;
		}
	}
	if (rc != SQLITE_OK)
		goto out;
	k = m->k1 * (1.0 - m->b + m->b * (double)dl / s->avgdl);
	for (int i = 0; i < s->n_phrase; i++)
		if (tf[i] > 0)
			score += rankWeight(m, i) * grafi_rank_bm25_term(s->idf[i], tf[i], m->k1, k);
	if (m->proximity > 0 && n > 1) {
		grafi_rank_sort_inst(inst, n);
		score += grafi_rank_proximity(inst, n, s->n_phrase, s->phrase_size, s->idf, m, k);
	}
	if (m->titles && m->title_weight > 0)
		score += m->title_weight *
			 grafi_score_map_get(m->titles, GRAFI_ROWID_ARTICLE(api->xRowid(fts)));
out:
	if (inst != stack_inst)
		sqlite3_free(inst);
	if (tf != tf_stack)
		sqlite3_free(tf);
	if (rc == SQLITE_OK)
		sqlite3_result_double(ctx, score);
	else
		sqlite3_result_error_code(ctx, rc);
}

int
grafi_rank_register(sqlite3 *db)
{
	fts5_api *api = grafi_fts5_api(db);

	if (!api)
		return grafi_fts5_api_error(db);
	return api->xCreateFunction(api, "graf_rank", NULL, rankFunction, NULL);
}

int
grafi_rank_bind(sqlite3_stmt *stmt, int param, const grafi_rank_model *model)
{
	return sqlite3_bind_pointer(stmt, param, (void *)model, RANK_POINTER_TYPE, NULL);
}
