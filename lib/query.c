/*
 * query.c - run a compiled query and hand out its hits.
 *
 * Ranking happens in one statement that returns (rowid, score) best first;
 * the text of each hit and its match offsets are fetched afterwards, one
 * paragraph at a time, so that only the hits shown pay for them.  Scores are
 * negated bm25() values, so that higher is better in every output format.
 * Ties are broken by rowid, i.e. by article (in order of indexing) and then
 * paragraph, so the same query on the same index always gives the same list.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

struct graf_query {
	graf_index *idx;
	bool reader;                 /* counted in idx->readers */
	struct graf_query *next;     /* in idx->queries */
	graf_search_options opts;
	char *query_text;            /* the query as given (for suggestions) */
	grafi_compiled_query cq;
	sqlite3_stmt *rank;          /* (rowid, score), best first */
	const char *rank_sql;        /* its text (statements are kept by text) */
	const char *text_sql;        /* the text of TEXT */
	sqlite3_stmt *text;          /* (body, matches) of one rowid */
	sqlite3_stmt *article;       /* (docid, path, title) of one article */
	sqlite3_stmt *context;       /* (rowid, body) of a range of paragraphs */
	grafi_rank_model model;      /* bound to graf_rank() in RANK */
	grafi_score_map *titles;     /* article id -> headline score */
	double *fb_weights;          /* phrase weights after feedback */
	double *idf;                 /* per phrase of the ranked expression */
	grafi_topk_hit *fast;        /* the top-k shortcut's hits, best first */
	size_t n_fast, fast_at;
	graf_span *fast_spans;       /* the matches it found in them (fast[].span_at) */
	char **stems;                /* its positive words, for highlighting */
	int n_stems;
	double *head_idf;            /* per phrase of the headline expression */
	graf_status_t status;
	bool done;                   /* the ranking ran out: no more hits */
	long produced;               /* hits handed out */
	long skipped;                /* hits skipped for the offset (article unit) */

	/* Articles already shown (article unit): an open-addressing set. */
	sqlite3_int64 *seen;
	size_t seen_cap, seen_n;

	/* The current hit and what it points to. */
	graf_hit hit;
	char *body;
	graf_span *spans;
	size_t spans_cap;
	sqlite3_int64 article_id;    /* whose strings are cached below; 0: none */
	char *docid, *path, *title;
	graf_paragraph *ctx;         /* context paragraphs of the current hit */
	size_t ctx_n, ctx_cap;
};

void
graf_search_options_init(graf_search_options *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->limit = 10;
	opts->offset = 0;
	opts->unit = GRAF_UNIT_PARAGRAPH;
	opts->match = GRAF_MATCH_ALL;
	opts->fields = GRAF_HIT_ALL;
	opts->rank.k1 = GRAFI_DEFAULT_K1;
	opts->rank.b = GRAFI_DEFAULT_B;
	opts->rank.title_weight = GRAFI_DEFAULT_TITLE_WEIGHT;
	opts->rank.proximity = GRAFI_DEFAULT_PROXIMITY;
	opts->rank.phrase_boost = GRAFI_DEFAULT_PHRASE_BOOST;
	opts->rank.feedback = 0;
	opts->rank.fb_docs = GRAFI_DEFAULT_FB_DOCS;
	opts->rank.fb_terms = GRAFI_DEFAULT_FB_TERMS;
	opts->rank.fb_weight = GRAFI_DEFAULT_FB_WEIGHT;
}

/*
 * The statements of a query, by the kind of its compiled expressions.  The
 * parameters: ?1 the paragraph expression, ?2 the title expression, ?3 and
 * ?4 the limit and offset (paragraph unit only), ?5 the headlines to leave
 * out when there is no ?2 to fold them into, ?6 the paragraphs to leave out
 * when there is no ?1 (the compiler, query-emit.c, sets at most one of each
 * pair), ?7 the rank model.
 */
typedef enum QueryKind {
	KIND_PARA,             /* paragraph terms */
	KIND_PARA_TITLE,       /* paragraph terms, within matching headlines */
	KIND_PARA_NOT_TITLE,   /* paragraph terms, outside excluded headlines */
	KIND_TITLE,            /* only title: terms: those articles' paragraphs */
	KIND_TITLE_NOT_PARA,   /* the same, minus excluded paragraphs */
	KIND_LAST
} QueryKind;

#define TITLE_IN "(rowid >> " GRAFI_PARA_BITS_SQL ") IN (SELECT rowid FROM head WHERE head MATCH ?2)"
#define TITLE_NOT_IN \
	"(rowid >> " GRAFI_PARA_BITS_SQL ") NOT IN (SELECT rowid FROM head WHERE head MATCH ?5)"
/* A title-only query: the matching articles, best headline first, each with
 * all its paragraphs in order. */
#define TITLE_ARTICLES(score) \
	"WITH h AS MATERIALIZED (SELECT rowid AS id, " score " AS score FROM head " \
	"WHERE head MATCH ?2) " \
	"SELECT p.rowid AS pid, h.score FROM h JOIN para AS p " \
	"ON p.rowid BETWEEN (h.id << " GRAFI_PARA_BITS_SQL ") " \
	"AND (h.id << " GRAFI_PARA_BITS_SQL ") + " GRAFI_MAX_PARAGRAPHS_SQL " "
#define NOT_PARA "WHERE p.rowid NOT IN (SELECT rowid FROM para WHERE para MATCH ?6) "
#define RANK_PARA "SELECT rowid, graf_rank(para, ?7) AS score FROM para WHERE para MATCH ?1 "
#define RANK_ORDER "ORDER BY score DESC, rowid LIMIT ?3 OFFSET ?4"
#define COUNT_PARA "SELECT count(*) FROM para WHERE para MATCH ?1 "
#define COUNT_ARTICLE \
	"SELECT count(DISTINCT rowid >> " GRAFI_PARA_BITS_SQL ") FROM para WHERE para MATCH ?1 "

static const struct {
	const char *rank;      /* (rowid, score), best first */
	const char *count[GRAF_UNIT_LAST];
} query_sql[KIND_LAST] = {
	[KIND_PARA] = {
		RANK_PARA RANK_ORDER,
		{ COUNT_PARA, COUNT_ARTICLE },
	},
	[KIND_PARA_TITLE] = {
		RANK_PARA "AND " TITLE_IN RANK_ORDER,
		{ COUNT_PARA "AND " TITLE_IN, COUNT_ARTICLE "AND " TITLE_IN },
	},
	[KIND_PARA_NOT_TITLE] = {
		RANK_PARA "AND " TITLE_NOT_IN RANK_ORDER,
		{ COUNT_PARA "AND " TITLE_NOT_IN, COUNT_ARTICLE "AND " TITLE_NOT_IN },
	},
	[KIND_TITLE] = {
		TITLE_ARTICLES("graf_rank(head, ?7)") "ORDER BY h.score DESC, p.rowid LIMIT ?3 OFFSET ?4",
		{ "SELECT count(*) FROM (" TITLE_ARTICLES("0") ")",
		  "SELECT count(*) FROM head WHERE head MATCH ?2" },
	},
	[KIND_TITLE_NOT_PARA] = {
		TITLE_ARTICLES("graf_rank(head, ?7)") NOT_PARA
			"ORDER BY h.score DESC, p.rowid LIMIT ?3 OFFSET ?4",
		{ "SELECT count(*) FROM (" TITLE_ARTICLES("0") NOT_PARA ")",
		  "SELECT count(DISTINCT pid >> " GRAFI_PARA_BITS_SQL ") FROM (" TITLE_ARTICLES("0")
			  NOT_PARA ")" },
	},
};

/* Headline scores of the articles whose headline has a query word. */
static const char title_scores_sql[] =
	"SELECT rowid, graf_rank(head, ?2) FROM head WHERE head MATCH ?1";

/* The kind of the compiled query CQ. */
static QueryKind
queryKind(const grafi_compiled_query *cq)
{
	if (cq->match)
		return cq->title_match ? KIND_PARA_TITLE
		       : cq->title_exclude ? KIND_PARA_NOT_TITLE : KIND_PARA;
	return cq->exclude ? KIND_TITLE_NOT_PARA : KIND_TITLE;
}

/* Bind CQ's expressions to STMT (one of query_sql's). */
static void
queryBindExpressions(sqlite3_stmt *stmt, const grafi_compiled_query *cq)
{
	if (cq->match)
		sqlite3_bind_text(stmt, 1, cq->match, -1, SQLITE_STATIC);
	if (cq->title_match)
		sqlite3_bind_text(stmt, 2, cq->title_match, -1, SQLITE_STATIC);
	if (cq->title_exclude)
		sqlite3_bind_text(stmt, 5, cq->title_exclude, -1, SQLITE_STATIC);
	if (cq->exclude)
		sqlite3_bind_text(stmt, 6, cq->exclude, -1, SQLITE_STATIC);
}

static const char text_sql_match[] =
	"SELECT body, graf_matches(para) FROM para WHERE para MATCH ?1 AND rowid = ?2";
static const char text_sql_plain[] = "SELECT body, '' FROM para_body WHERE id = ?2";
static const char context_sql[] =
	"SELECT id, body FROM para_body WHERE id BETWEEN ?1 AND ?2 ORDER BY id";
static const char article_sql[] =
	"SELECT a.docid, s.path, a.title FROM article AS a JOIN source AS s ON s.id = a.source "
	"WHERE a.id = ?1";

/* The status of SQLite failure RC on IDX: in raw mode an SQLITE_ERROR is
 * the user's FTS5 syntax, so a query error, unless it comes without a
 * cause (FTS5's own statements failing: grafi_sqlite_error()); anything
 * else is the index's. */
static graf_status_t
querySqliteError(graf_index *idx, graf_match_t match, int rc, const char *what)
{
	graf_status_t st;

	if (match == GRAF_MATCH_RAW && (rc & 0xff) == SQLITE_ERROR &&
	    !grafi_sqlite_error_bare(idx->db))
		st = grafi_error(idx, GRAF_STATUS_BAD_QUERY, "bad FTS5 query: %s",
				 sqlite3_errmsg(idx->db));
	else
		st = grafi_sqlite_error(idx, rc, what);
	return st;
}

/* Record an SQLite failure on Q. */
static graf_status_t
queryFail(graf_query *q, int rc, const char *what)
{
	return q->status = querySqliteError(q->idx, q->opts.match, rc, what);
}

/* Unlink Q from its index's list. */
static void
queryUnlink(graf_query *q)
{
	for (graf_query **pp = &q->idx->queries; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
}

/* Free the texts of the current hit's context paragraphs. */
static void
queryClearContext(graf_query *q)
{
	for (size_t i = 0; i < q->ctx_n; i++)
		free((char *)q->ctx[i].text);
	q->ctx_n = 0;
}

/*
 * A query reads in several statements (statistics, lists, headlines, then
 * each hit's text in graf_query_next()); in autocommit mode each would see
 * the index as of its own start, and an update committed in between would
 * give a mix of two states.  So the open queries of a connection share one
 * read transaction: begun by the first, ended with the last.  A transaction
 * the caller opened is left alone.
 */
static void
queryReadBegin(graf_query *q)
{
	graf_index *idx = q->idx;

	q->reader = true;
	if (idx->readers++ == 0 && sqlite3_get_autocommit(idx->db))
		idx->read_txn = sqlite3_exec(idx->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

static void
queryReadEnd(graf_index *idx)
{
	if (--idx->readers == 0 && idx->read_txn) {
		idx->read_txn = false;
		/* a read transaction: nothing to lose if it fails */
		if (sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
	}
}

static void
queryFree(graf_query *q)
{
	graf_index *idx = q->idx;
	bool reader = q->reader;

	grafi_stmt_give(q->idx, q->rank_sql, q->rank);
	grafi_stmt_give(q->idx, q->text_sql, q->text);
	grafi_stmt_give(q->idx, article_sql, q->article);
	grafi_stmt_give(q->idx, context_sql, q->context);
	grafi_score_map_free(q->titles);
	free(q->fb_weights);
	free(q->idf);
	free(q->head_idf);
	free(q->fast);
	free(q->fast_spans);
	for (int i = 0; i < q->n_stems; i++)
		free(q->stems[i]);
	free(q->stems);
	queryClearContext(q);
	free(q->ctx);
	grafi_compiled_query_release(&q->cq);
	free(q->query_text);
	free(q->seen);
	free(q->body);
	free(q->spans);
	free(q->docid);
	free(q->path);
	free(q->title);
	free(q);
	if (reader)
		queryReadEnd(idx);
}

void
graf_query_free(graf_query *q)
{
	if (!q)
		return;
	queryUnlink(q);
	queryFree(q);
}

void
grafi_query_close_all(graf_index *idx)
{
	while (idx->queries) {
		graf_query *q = idx->queries;

		idx->queries = q->next;
		queryFree(q);
	}
}

/* Add article ID to the seen set; false if it was there already. */
static bool
querySeeArticle(graf_query *q, sqlite3_int64 id)
{
	size_t mask, i;

	if (q->seen_n * 2 >= q->seen_cap) {
		size_t ncap = q->seen_cap ? q->seen_cap * 2 : 64;
		sqlite3_int64 *nv = calloc(ncap, sizeof *nv);

		if (!nv) {
			q->status = grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
			return false;
		}
		for (size_t k = 0; k < q->seen_cap; k++) {
			if (!q->seen[k])
				continue;
			for (i = (size_t)q->seen[k] * 0x9E3779B97F4A7C15ULL & (ncap - 1); nv[i];
			     i = (i + 1) & (ncap - 1))
				;
			nv[i] = q->seen[k];
		}
		free(q->seen);
		q->seen = nv;
		q->seen_cap = ncap;
	}
	mask = q->seen_cap - 1;
	for (i = (size_t)id * 0x9E3779B97F4A7C15ULL & mask; q->seen[i]; i = (i + 1) & mask)
		if (q->seen[i] == id)
			return false;
	q->seen[i] = id;
	q->seen_n++;
	return true;
}

/* Parse "s e s e ..." into Q's span array. */
static graf_status_t
queryParseSpans(graf_query *q, const char *s)
{
	size_t n = 0;

	while (s && *s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b;

		if (end == s)
			break;
		b = strtoul(end, &end, 10);
		s = end;
		if (n == q->spans_cap) {
			size_t ncap = q->spans_cap ? q->spans_cap * 2 : 16;
			graf_span *nv = realloc(q->spans, ncap * sizeof *nv);
			if (!nv)
				return grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
			q->spans = nv;
			q->spans_cap = ncap;
		}
		q->spans[n].start = a;
		q->spans[n].end = b;
		n++;
	}
	q->hit.matches = q->spans;
	q->hit.n_matches = n;
	return GRAF_STATUS_OK;
}

/* Copy column COL of STMT into *DST (freeing the old value); false when out
 * of memory. */
static bool
queryCopyColumn(sqlite3_stmt *stmt, int col, char **dst)
{
	const char *v = grafi_column_text(stmt, col);

	free(*dst);
	*dst = v ? strdup(v) : NULL;
	return *dst != NULL;
}

/* Fill Q->hit's article fields for article ID. */
static graf_status_t
queryLoadArticle(graf_query *q, sqlite3_int64 id)
{
	int rc;

	if (q->article_id == id)
		return GRAF_STATUS_OK;
	q->article_id = 0;
	sqlite3_bind_int64(q->article, 1, id);
	rc = sqlite3_step(q->article);
	if (rc == SQLITE_ROW) {
		if (!queryCopyColumn(q->article, 0, &q->docid) ||
		    !queryCopyColumn(q->article, 1, &q->path) ||
		    !queryCopyColumn(q->article, 2, &q->title))
			rc = SQLITE_NOMEM;
		else
			rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_CORRUPT;  /* a paragraph without its article */
	}
	sqlite3_reset(q->article);
	if (rc != SQLITE_OK)
		return queryFail(q, rc, "cannot read article");
	q->article_id = id;
	return GRAF_STATUS_OK;
}

/* Q->hit's matches in Q->body from the top-k search's words: found as it
 * read the text to score it exactly, else by tokenizing the text now. */
static int
queryMatchWords(graf_query *q)
{
	const grafi_topk_hit *h = &q->fast[q->fast_at - 1];
	size_t n = 0;
	int rc;

	if (h->n_spans >= 0) {
		q->hit.matches = h->n_spans > 0 ? q->fast_spans + h->span_at : NULL;
		q->hit.n_matches = (size_t)h->n_spans;
		return SQLITE_OK;
	}
	rc = grafi_match_words(q->idx, q->body, (int)strlen(q->body), q->stems, q->n_stems,
			       &q->spans, &n, &q->spans_cap);

	q->hit.matches = q->spans;
	q->hit.n_matches = n;
	return rc;
}

/* Fill Q->hit's text and matches for paragraph ROWID. */
static graf_status_t
queryLoadText(graf_query *q, sqlite3_int64 rowid)
{
	int rc;

	sqlite3_bind_int64(q->text, 2, rowid);
	rc = sqlite3_step(q->text);
	if (rc == SQLITE_ROW) {
		const char *spans;

		if (!queryCopyColumn(q->text, 0, &q->body))
			rc = SQLITE_NOMEM;
		else if (q->fast && (q->opts.fields & GRAF_HIT_MATCHES))
			/* the top-k search's words: no FTS5 query per hit */
			rc = queryMatchWords(q);
		else if (!(spans = grafi_column_text(q->text, 1)) || queryParseSpans(q, spans))
			rc = SQLITE_NOMEM;
		else
			rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_CORRUPT;
	}
	sqlite3_reset(q->text);
	if (rc != SQLITE_OK)
		return queryFail(q, rc, "cannot read paragraph");
	q->hit.text = q->body;
	q->hit.text_len = strlen(q->body);
	return GRAF_STATUS_OK;
}

/*
 * Load up to opts.context paragraphs of the same article before and after
 * the hit ROWID into Q->hit.before/after.
 */
static graf_status_t
queryLoadContext(graf_query *q, sqlite3_int64 rowid)
{
	sqlite3_int64 article = GRAFI_ROWID_ARTICLE(rowid);
	sqlite3_int64 first = GRAFI_ROWID(article, 1), last = GRAFI_ROWID(article, GRAFI_MAX_PARAGRAPHS);
	sqlite3_int64 lo = rowid - q->opts.context < first ? first : rowid - q->opts.context;
	sqlite3_int64 hi = rowid + q->opts.context > last ? last : rowid + q->opts.context;
	size_t n_before = 0;
	int rc;

	queryClearContext(q);
	sqlite3_bind_int64(q->context, 1, lo);
	sqlite3_bind_int64(q->context, 2, hi);
	while ((rc = sqlite3_step(q->context)) == SQLITE_ROW) {
		sqlite3_int64 r = sqlite3_column_int64(q->context, 0);
		graf_paragraph *p;

		if (r == rowid)
			continue;
		if (q->ctx_n == q->ctx_cap) {
			size_t ncap = q->ctx_cap ? q->ctx_cap * 2 : 8;
			graf_paragraph *nv = realloc(q->ctx, ncap * sizeof *nv);
			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			q->ctx = nv;
			q->ctx_cap = ncap;
		}
		p = &q->ctx[q->ctx_n];
		p->paragraph = GRAFI_ROWID_PARA(r);
		p->text = NULL;
		if (!queryCopyColumn(q->context, 1, (char **)&p->text)) {
			rc = SQLITE_NOMEM;
			break;
		}
		p->text_len = strlen(p->text);
		q->ctx_n++;
		if (r < rowid)
			n_before++;
	}
	sqlite3_reset(q->context);
	if (rc != SQLITE_DONE)
		return queryFail(q, rc, "cannot read context");
	q->hit.before = q->ctx;
	q->hit.n_before = n_before;
	q->hit.after = q->ctx + n_before;
	q->hit.n_after = q->ctx_n - n_before;
	return GRAF_STATUS_OK;
}

const graf_hit *
graf_query_next(graf_query *q)
{
	for (;;) {
		sqlite3_int64 rowid, article;
		double score;
		int rc;

		if (q->status != GRAF_STATUS_OK || q->done)
			return NULL;
		if (q->opts.limit > 0 && q->produced >= q->opts.limit)
			return NULL;
		if (q->idx->interrupted) {
			q->status = grafi_error(q->idx, GRAF_STATUS_INTERRUPTED, "query interrupted");
			return NULL;
		}
		if (q->fast) {
			if (q->fast_at >= q->n_fast) {
				q->done = true;
				return NULL;
			}
			rowid = q->fast[q->fast_at].row;
			score = q->fast[q->fast_at].score;
			q->fast_at++;
		} else {
			rc = sqlite3_step(q->rank);
			if (rc == SQLITE_DONE) {
				/* Stepping a finished statement would start it
				 * again and hand out the same hits once more. */
				q->done = true;
				return NULL;
			}
			if (rc != SQLITE_ROW) {
				queryFail(q, rc, "cannot run query");
				return NULL;
			}
			rowid = sqlite3_column_int64(q->rank, 0);
			score = sqlite3_column_double(q->rank, 1);
		}
		article = GRAFI_ROWID_ARTICLE(rowid);
		if (q->opts.unit == GRAF_UNIT_ARTICLE) {
			if (!querySeeArticle(q, article)) {
				if (q->status != GRAF_STATUS_OK)
					return NULL;
				continue;  /* a weaker paragraph of an article shown */
			}
			if (q->skipped < q->opts.offset) {
				q->skipped++;
				continue;
			}
		}
		if (queryLoadArticle(q, article) != GRAF_STATUS_OK ||
		    (q->text && queryLoadText(q, rowid) != GRAF_STATUS_OK) ||
		    (q->opts.context > 0 && queryLoadContext(q, rowid) != GRAF_STATUS_OK))
			return NULL;
		if (!q->text) {
			q->hit.text = "";
			q->hit.text_len = 0;
			q->hit.matches = NULL;
			q->hit.n_matches = 0;
		}
		q->produced++;
		q->hit.rank = q->opts.offset + q->produced;
		q->hit.score = score;
		q->hit.docid = q->docid;
		q->hit.path = q->path;
		q->hit.title = q->title;
		q->hit.paragraph = GRAFI_ROWID_PARA(rowid);
		return &q->hit;
	}
}

graf_status_t
graf_query_status(const graf_query *q)
{
	return q->status;
}

/*
 * Score the headlines that contain a query word into Q->titles, so that
 * graf_rank() can add each paragraph's headline score.
 */
static graf_status_t
queryScoreTitles(graf_query *q)
{
	grafi_rank_model head_model = q->model;
	sqlite3_stmt *stmt = NULL;
	int rc;

	head_model.titles = NULL;
	/* Headlines are short and their lengths vary less than paragraphs':
	 * full length normalisation (b = 1) lets a word that is most of its
	 * headline count more than one among many (doc/ranking.md). */
	head_model.b = q->model.title_b;
	/* Headlines are scored by BM25 alone: a proximity bonus inside a
	 * ten-word headline changed neither collection (Cranfield MAP
	 * 0.3337 -> 0.3333, SciFact nDCG@10 0.6921 -> 0.6909), and without it
	 * a headline's score follows from its terms' frequencies, which the
	 * top-k search reads without positions. */
	head_model.proximity = 0;
	head_model.weights = NULL;
	head_model.n_weights = 0;
	q->status = grafi_stats_phrase_idf(q->idx, GRAFI_TABLE_HEAD, q->cq.any_match, &q->head_idf,
					   &head_model.n_idf);
	if (q->status != GRAF_STATUS_OK)
		return q->status;
	head_model.idf = q->head_idf;
	q->titles = grafi_score_map_new();
	if (!q->titles)
		return grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
	rc = grafi_prepare(q->idx->db, title_scores_sql, 0, &stmt);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, q->cq.any_match, -1, SQLITE_STATIC);
		grafi_rank_bind(stmt, 2, &head_model);
		while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
			if (!grafi_score_map_put(q->titles, sqlite3_column_int64(stmt, 0),
						 sqlite3_column_double(stmt, 1))) {
				rc = SQLITE_NOMEM;
				break;
			}
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return queryFail(q, rc, "cannot score headlines");
	q->model.titles = q->titles;
	return GRAF_STATUS_OK;
}

/*
 * The IDF of each phrase of the expression Q ranks with (its paragraph
 * expression, or its headline expression for a title-only query), from
 * the vocabulary, into Q's model.  Raw FTS5 queries are not graf's syntax:
 * graf_rank() counts their phrases itself.
 */
static graf_status_t
queryLoadIdf(graf_query *q)
{
	const char *expr = q->cq.match ? q->cq.match : q->cq.title_match;
	graf_status_t st;

	free(q->idf);
	q->idf = NULL;
	q->model.idf = NULL;
	q->model.n_idf = 0;
	if (q->opts.match == GRAF_MATCH_RAW || !expr)
		return GRAF_STATUS_OK;
	st = grafi_stats_phrase_idf(q->idx, q->cq.match ? GRAFI_TABLE_PARA : GRAFI_TABLE_HEAD, expr,
				    &q->idf, &q->model.n_idf);
	if (st != GRAF_STATUS_OK)
		return q->status = st;
	q->model.idf = q->idf;
	return GRAF_STATUS_OK;
}

/*
 * First pass of pseudo-relevance feedback: the best OPTS.rank.fb_docs
 * paragraphs for Q as it stands.  OUT: DOCS (texts malloc'ed) and N_ROWS,
 * the number of paragraphs in the index.
 */
static graf_status_t
queryFeedbackDocs(graf_query *q, grafi_fb_doc *docs, size_t *n_docs, sqlite3_int64 *n_rows)
{
	grafi_rank_model model = q->model;
	sqlite3_stmt *rank = NULL, *text = NULL;
	sqlite3_int64 rowids[GRAFI_MAX_FB_DOCS];
	size_t n = 0;
	int rc;

	model.rows_seen = n_rows;
	rc = grafi_prepare(q->idx->db, query_sql[queryKind(&q->cq)].rank, 0, &rank);
	if (rc == SQLITE_OK)
		rc = grafi_prepare(q->idx->db, text_sql_plain, 0, &text);
	if (rc == SQLITE_OK) {
		queryBindExpressions(rank, &q->cq);
		sqlite3_bind_int64(rank, 3, q->opts.rank.fb_docs);
		sqlite3_bind_int64(rank, 4, 0);
		grafi_rank_bind(rank, 7, &model);
		while (n < (size_t)q->opts.rank.fb_docs && (rc = sqlite3_step(rank)) == SQLITE_ROW) {
			rowids[n] = sqlite3_column_int64(rank, 0);
			docs[n].score = sqlite3_column_double(rank, 1);
			docs[n].text = NULL;
			n++;
		}
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
		sqlite3_bind_int64(text, 2, rowids[i]);
		rc = sqlite3_step(text);
		if (rc == SQLITE_ROW) {
			const char *body = grafi_column_text(text, 0);

			docs[i].text = body ? strdup(body) : NULL;
			rc = docs[i].text ? SQLITE_OK : SQLITE_NOMEM;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_CORRUPT;
		}
		sqlite3_reset(text);
	}
	sqlite3_finalize(rank);
	sqlite3_finalize(text);
	*n_docs = n;
	if (rc != SQLITE_OK)
		return queryFail(q, rc, "cannot run feedback");
	return GRAF_STATUS_OK;
}

/*
 * Expand Q's expression with the words of its best paragraphs (RM3): the
 * original phrases weigh 1 - fb_weight, the added words share fb_weight in
 * proportion to their relevance-model probability.  With every word
 * required, the added words only rank, they never widen the match:
 *     ("w1" OR ... OR <any>) AND (<original>)
 * With --any they widen it too, as RM3 does:
 *     "w1" OR ... OR (<original>)
 * The added words come first, so that their phrase numbers are known.
 */
static graf_status_t
queryFeedback(graf_query *q)
{
	grafi_fb_doc docs[GRAFI_MAX_FB_DOCS];
	grafi_fb_term *terms = NULL;
	size_t n_docs = 0, n_terms = 0;
	sqlite3_int64 n_rows = 0;
	double lambda = q->opts.rank.fb_weight;
	bool all = q->opts.match == GRAF_MATCH_ALL;
	sqlite3_str *expr = NULL;
	graf_status_t st;

	st = queryFeedbackDocs(q, docs, &n_docs, &n_rows);
	if (st == GRAF_STATUS_OK && n_docs > 0)
		st = grafi_feedback_terms(q->idx, docs, n_docs, (size_t)q->opts.rank.fb_terms, n_rows,
					  &terms, &n_terms);
	if (st == GRAF_STATUS_OK && n_terms > 0) {
		size_t n_weights = n_terms + (all ? (size_t)q->cq.n_any : 0);

		q->fb_weights = calloc(n_weights, sizeof *q->fb_weights);
		expr = sqlite3_str_new(q->idx->db);
		for (size_t i = 0; q->fb_weights && i < n_terms; i++) {
			q->fb_weights[i] = lambda * (double)q->cq.n_any * terms[i].weight;
			sqlite3_str_appendf(expr, "%s\"%w\"", i ? " OR " : "", terms[i].word);
		}
		if (all)
			sqlite3_str_appendf(expr, " OR %s) AND (%s)", q->cq.any_match, q->cq.match);
		else
			sqlite3_str_appendf(expr, " OR (%s)", q->cq.match);
		{
			char *e = sqlite3_str_finish(expr);
			char *full = e ? grafi_strdup_printf("%s%s", all ? "(" : "", e) : NULL;

			sqlite3_free(e);
			if (!q->fb_weights || !full) {
				free(full);
				st = grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
			} else {
				free(q->cq.match);
				q->cq.match = full;
				q->model.weights = q->fb_weights;
				q->model.n_weights = (int)n_weights;
				q->model.default_weight = 1.0 - lambda;
				q->model.prox_first = (int)n_weights;
				st = queryLoadIdf(q);
			}
		}
	}
	for (size_t i = 0; i < n_docs; i++)
		free((char *)docs[i].text);
	grafi_feedback_terms_free(terms, n_terms);
	return st;
}

/*
 * The top-k shortcut (topk.c): for a query it can take, the best
 * offset + limit hits, computed from graf's own lists, in Q->fast; for any
 * other query nothing, and the exhaustive ranking runs.  Its title map is
 * Q's, so that rows it scores through FTS5 see the same headline scores.
 */
static graf_status_t
queryTopk(graf_query *q)
{
	grafi_topk_input in = { 0 };
	bool taken = false;
	int n_head = 0;

	if (q->opts.exhaustive || q->opts.match == GRAF_MATCH_RAW || q->opts.rank.feedback ||
	    !q->cq.match || q->cq.title_match || q->cq.title_exclude || q->cq.exclude ||
	    q->opts.limit <= 0 || !q->model.idf)
		return GRAF_STATUS_OK;
	q->titles = grafi_score_map_new();
	if (!q->titles)
		return q->status = grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
	if (q->model.title_weight > 0 && q->cq.any_match) {
		q->status = grafi_stats_phrase_idf(q->idx, GRAFI_TABLE_HEAD, q->cq.any_match,
						   &q->head_idf, &n_head);
		if (q->status != GRAF_STATUS_OK)
			return q->status;
	}
	q->model.titles = q->titles;
	in.match = q->cq.match;
	in.any_match = q->cq.any_match;
	in.model = &q->model;
	in.head_idf = q->head_idf;
	in.n_head_idf = n_head;
	in.titles = q->titles;
	in.want = q->opts.offset + q->opts.limit;
	in.article_unit = q->opts.unit == GRAF_UNIT_ARTICLE;
	q->status = grafi_topk(q->idx, &in, &q->fast, &q->n_fast, &taken);
	q->stems = in.stems;
	q->n_stems = in.n_stems;
	q->fast_spans = in.spans;
	if (q->status != GRAF_STATUS_OK || !taken) {
		/* not taken: the exhaustive ranking computes its own map */
		grafi_score_map_free(q->titles);
		q->titles = NULL;
		q->model.titles = NULL;
		free(q->head_idf);
		q->head_idf = NULL;
		return q->status;
	}
	if (!q->fast) {
		/* no hit at all: an empty array still marks the shortcut */
		q->fast = malloc(sizeof *q->fast);
		if (!q->fast)
			return q->status = grafi_error(q->idx, GRAF_STATUS_NOMEM, "out of memory");
	}
	if (q->opts.unit == GRAF_UNIT_PARAGRAPH)
		q->fast_at = (size_t)q->opts.offset < q->n_fast ? (size_t)q->opts.offset : q->n_fast;
	return GRAF_STATUS_OK;
}

/* Prepare Q's statements and bind its expressions. */
static graf_status_t
queryPrepare(graf_query *q)
{
	long limit = q->opts.limit > 0 ? q->opts.limit : -1;
	long offset = q->opts.offset;
	int rc;

	if (q->opts.unit == GRAF_UNIT_ARTICLE) {
		/* Articles are picked from the ranked paragraphs here. */
		limit = -1;
		offset = 0;
	}
	grafi_rank_model_init(&q->model);
	q->model.k1 = q->opts.rank.k1;
	q->model.b = q->opts.rank.b;
	q->model.proximity = q->opts.rank.proximity;
	q->model.phrase_boost = q->opts.rank.phrase_boost;
	q->model.title_weight = q->opts.rank.title_weight;
	if (!q->cq.match)
		q->model.b = q->model.title_b;  /* ranked by the headlines alone */
	if (queryLoadIdf(q) != GRAF_STATUS_OK)
		return q->status;
	if (queryTopk(q) != GRAF_STATUS_OK)
		return q->status;
	if (!q->fast && q->model.title_weight > 0 && q->cq.match && q->cq.any_match &&
	    queryScoreTitles(q) != GRAF_STATUS_OK)
		return q->status;
	if (q->opts.rank.feedback && q->opts.match != GRAF_MATCH_RAW && q->cq.match &&
	    q->cq.any_match) {
		graf_status_t st = queryFeedback(q);

		if (st != GRAF_STATUS_OK)
			return q->status = st;
	}
	if (!q->fast) {
		q->rank_sql = query_sql[queryKind(&q->cq)].rank;
		rc = grafi_stmt_take(q->idx, q->rank_sql, &q->rank);
	} else {
		rc = SQLITE_OK;
	}
	/* Offsets need the MATCH (graf_matches() reads its phrase
	 * instances); plain text is a cheaper rowid lookup. */
	if ((q->opts.fields & GRAF_HIT_MATCHES) && q->cq.match && !q->fast)
		q->text_sql = text_sql_match;
	else if (q->opts.fields & GRAF_HIT_ALL)
		q->text_sql = text_sql_plain;
	if (rc == SQLITE_OK && q->text_sql)
		rc = grafi_stmt_take(q->idx, q->text_sql, &q->text);
	if (rc == SQLITE_OK)
		rc = grafi_stmt_take(q->idx, article_sql, &q->article);
	if (rc == SQLITE_OK && q->opts.context > 0)
		rc = grafi_stmt_take(q->idx, context_sql, &q->context);
	if (rc != SQLITE_OK)
		return queryFail(q, rc, "cannot prepare query");
	if (q->cq.match && q->text)  /* text_sql_plain ignores ?1 */
		sqlite3_bind_text(q->text, 1, q->cq.match, -1, SQLITE_STATIC);
	if (q->fast)
		return GRAF_STATUS_OK;
	queryBindExpressions(q->rank, &q->cq);
	sqlite3_bind_int64(q->rank, 3, limit);
	sqlite3_bind_int64(q->rank, 4, offset);
	grafi_rank_bind(q->rank, 7, &q->model);
	return GRAF_STATUS_OK;
}

static bool
queryOptionsValid(const graf_search_options *o)
{
	const graf_rank_options *r = &o->rank;

	return o->limit >= 0 && o->offset >= 0 && o->context >= 0 &&
	       o->context <= GRAFI_MAX_PARAGRAPHS && (unsigned)o->unit < GRAF_UNIT_LAST &&
	       (unsigned)o->match < GRAF_MATCH_LAST && r->k1 >= 0 && r->k1 <= 100 &&
	       r->b >= 0 && r->b <= 1 && r->title_weight >= 0 && r->proximity >= 0 &&
	       r->phrase_boost >= 0 && r->fb_docs >= 1 && r->fb_docs <= GRAFI_MAX_FB_DOCS &&
	       r->fb_terms >= 1 && r->fb_terms <= 1000 && r->fb_weight >= 0 && r->fb_weight <= 1;
}

graf_status_t
graf_query_run(graf_index *idx, const char *text, const graf_search_options *opts,
	       graf_query **out)
{
	graf_query *q;
	graf_status_t st;

	*out = NULL;
	idx->errmsg[0] = '\0';
	idx->interrupted = 0;
	q = calloc(1, sizeof *q);
	if (!q)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	q->idx = idx;
	if (opts)
		q->opts = *opts;
	else
		graf_search_options_init(&q->opts);
	if (!queryOptionsValid(&q->opts)) {
		free(q);
		return grafi_error(idx, GRAF_STATUS_BAD_ARGUMENT, "invalid search options");
	}
	q->next = idx->queries;
	idx->queries = q;
	queryReadBegin(q);
	q->query_text = strdup(text);
	if (!q->query_text) {
		graf_query_free(q);
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	}

	st = grafi_query_compile(idx, text, q->opts.match, &q->cq);
	if (st == GRAF_STATUS_OK)
		st = queryPrepare(q);
	if (st == GRAF_STATUS_OK && q->opts.match == GRAF_MATCH_RAW) {
		/* Surface FTS5 syntax errors now, as a query error, rather
		 * than from the first graf_query_next(). */
		int rc = sqlite3_step(q->rank);

		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			st = queryFail(q, rc, "cannot run query");
		sqlite3_reset(q->rank);
	}
	if (st != GRAF_STATUS_OK) {
		graf_query_free(q);
		return st;
	}
	*out = q;
	return GRAF_STATUS_OK;
}

graf_status_t
graf_query_count(graf_index *idx, const char *query, const graf_search_options *opts,
		 long *count)
{
	graf_search_options o;
	grafi_compiled_query cq;
	sqlite3_stmt *stmt = NULL;
	graf_status_t st;
	int rc;

	idx->errmsg[0] = '\0';
	idx->interrupted = 0;
	if (opts)
		o = *opts;
	else
		graf_search_options_init(&o);
	if (!queryOptionsValid(&o))
		return grafi_error(idx, GRAF_STATUS_BAD_ARGUMENT, "invalid search options");
	st = grafi_query_compile(idx, query, o.match, &cq);
	if (st != GRAF_STATUS_OK)
		return st;
	rc = grafi_prepare(idx->db, query_sql[queryKind(&cq)].count[o.unit], 0, &stmt);
	if (rc == SQLITE_OK) {
		queryBindExpressions(stmt, &cq);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			*count = (long)sqlite3_column_int64(stmt, 0);
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK)
		st = querySqliteError(idx, o.match, rc, "cannot count matches");
	sqlite3_finalize(stmt);
	grafi_compiled_query_release(&cq);
	return st;
}

const char *
graf_query_explain(const graf_query *q)
{
	return q->opts.explain ? q->cq.explain : NULL;
}

size_t
graf_query_warning_count(const graf_query *q)
{
	return q->cq.n_warnings;
}

const char *
graf_query_warning(const graf_query *q, size_t i)
{
	return i < q->cq.n_warnings ? q->cq.warnings[i] : NULL;
}

graf_status_t
graf_query_suggest(graf_query *q, char **out)
{
	*out = NULL;
	if (q->opts.match == GRAF_MATCH_RAW)
		return GRAF_STATUS_OK;
	return grafi_suggest(q->idx, q->query_text, q->cq.words, q->cq.n_words, out);
}
