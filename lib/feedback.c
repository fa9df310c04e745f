/*
 * feedback.c - pseudo-relevance feedback: pick the words that best describe
 * the top-ranked paragraphs of a first pass, to expand the query (RM3,
 * Abdul-Jaleel et al. 2004; the relevance model of Lavrenko & Croft 2001).
 *
 *   p(w|R) = sum_d  p(w|d) * p(d|q)
 *
 * p(w|d) = tf(w, d) / |d| over the feedback paragraphs d; p(d|q) is the
 * softmax of the first-pass scores, exp((s_d - s_1) / T): scores are
 * log-odds-like, so a paragraph scoring far above the rest carries the
 * model, while a flat top ten shares it.  (With weights proportional to the
 * raw scores, queries with a single relevant paragraph, as in SciFact, drift
 * to the topics of the nine others: nDCG@10 0.690 -> 0.653.)  Words in more than
 * FEEDBACK_MAX_DF of the paragraphs are left out: they describe every
 * paragraph, not these (a stop-word list that adapts to the corpus and the
 * language).  So are one-letter words and numbers.  The caller interpolates
 * the chosen words with the original query.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* A word in more than this share of the paragraphs is not a topic word. */
#define FEEDBACK_MAX_DF 0.1

/* T of the softmax over first-pass scores (score units). */
#define FEEDBACK_TEMPERATURE 1.0

/* One token occurrence, before merging. */
typedef struct Token {
	char *stem;
	const char *surface;         /* in the paragraph text */
	int surface_len;
	double weight;               /* p(d|q) / |d| */
} Token;

typedef struct Collect {
	Token *v;
	size_t n, cap;
	const char *text;
	double weight;               /* of each token of the current paragraph */
	long count;                  /* tokens of the current paragraph */
	bool counting;               /* first pass: only count */
	bool failed;
} Collect;

static int
feedbackToken(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	Collect *c = ctx;
	Token *t;

	if (tflags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	if (c->counting) {
		c->count++;
		return SQLITE_OK;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		Token *nv = realloc(c->v, ncap * sizeof *nv);
		if (!nv)
			return SQLITE_NOMEM;
		c->v = nv;
		c->cap = ncap;
	}
	t = &c->v[c->n];
	t->stem = strndup(token, (size_t)n_token);
	if (!t->stem)
		return SQLITE_NOMEM;
	t->surface = c->text + start;
	t->surface_len = end - start;
	t->weight = c->weight;
	c->n++;
	return SQLITE_OK;
}

static int
feedbackCompareStem(const void *a, const void *b)
{
	return strcmp(((const Token *)a)->stem, ((const Token *)b)->stem);
}

static int
feedbackCompareWeight(const void *a, const void *b)
{
	const Token *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	return strcmp(x->stem, y->stem);  /* a fixed order for equal weights */
}

/* True for a stem worth adding: two letters at least, not a number. */
static bool
feedbackUseful(const char *stem)
{
	size_t n = strlen(stem);

	return n >= 2 && strspn(stem, "0123456789.,") < n;
}

void
grafi_feedback_terms_free(grafi_fb_term *terms, size_t n)
{
	for (size_t i = 0; terms && i < n; i++) {
		free(terms[i].word);
		free(terms[i].stem);
	}
	free(terms);
}

graf_status_t
grafi_feedback_terms(graf_index *idx, const grafi_fb_doc *docs, size_t n_docs,
		     size_t n_terms,
		     sqlite3_int64 n_rows, grafi_fb_term **out, size_t *n_out)
{
	Collect c = { 0 };
	grafi_fb_term *terms = NULL;
	size_t merged = 0, chosen = 0;
	double total = 0.0, sum = 0.0, *doc_weight = NULL;
	graf_status_t st = GRAF_STATUS_OK;
	int rc = SQLITE_OK;

	*out = NULL;
	*n_out = 0;
	/* p(d|q) = softmax of the scores: a paragraph far ahead of the others
	 * speaks for the query almost alone (see the file comment). */
	doc_weight = calloc(n_docs + 1, sizeof *doc_weight);
	if (!doc_weight)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	for (size_t i = 0; i < n_docs; i++) {
		doc_weight[i] = exp((docs[i].score - docs[0].score) / FEEDBACK_TEMPERATURE);
		total += doc_weight[i];
	}
	for (size_t i = 0; i < n_docs && rc == SQLITE_OK && total > 0; i++) {
		int len = (int)strlen(docs[i].text);

		c.text = docs[i].text;
		c.counting = true;
		c.count = 0;
		rc = grafi_tokenize(idx, docs[i].text, len, FTS5_TOKENIZE_DOCUMENT, &c, feedbackToken);
		if (rc != SQLITE_OK || c.count == 0)
			continue;
		c.counting = false;
		c.weight = doc_weight[i] / total / (double)c.count;
		rc = grafi_tokenize(idx, docs[i].text, len, FTS5_TOKENIZE_DOCUMENT, &c, feedbackToken);
	}
	if (rc != SQLITE_OK) {
		st = grafi_sqlite_error(idx, rc, "cannot read feedback paragraphs");
		goto out;
	}

	/* Merge the occurrences of each stem, then rank the stems. */
	qsort(c.v, c.n, sizeof *c.v, feedbackCompareStem);
	for (size_t i = 0; i < c.n; i++) {
		if (merged > 0 && strcmp(c.v[merged - 1].stem, c.v[i].stem) == 0) {
			c.v[merged - 1].weight += c.v[i].weight;
			free(c.v[i].stem);
		} else {
			c.v[merged++] = c.v[i];
		}
	}
	c.n = merged;
	qsort(c.v, c.n, sizeof *c.v, feedbackCompareWeight);

	terms = calloc(n_terms ? n_terms : 1, sizeof *terms);
	if (!terms) {
		st = grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c.n && chosen < n_terms; i++) {
		const Token *t = &c.v[i];
		sqlite3_int64 df;

		if (!feedbackUseful(t->stem))
			continue;
		rc = grafi_stats_df(idx, GRAFI_TABLE_PARA, t->stem, (int)strlen(t->stem), false, &df);
		if (rc != SQLITE_OK) {
			st = grafi_sqlite_error(idx, rc, "cannot read the vocabulary");
			goto out;
		}
		if (n_rows > 0 && (double)df > FEEDBACK_MAX_DF * (double)n_rows)
			continue;
		terms[chosen].word = strndup(t->surface, (size_t)t->surface_len);
		terms[chosen].stem = strdup(t->stem);
		terms[chosen].weight = t->weight;
		if (!terms[chosen].word || !terms[chosen].stem) {
			chosen++;
			st = grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
			goto out;
		}
		sum += t->weight;
		chosen++;
	}
	for (size_t i = 0; i < chosen; i++)
		terms[i].weight /= sum;
	*out = terms;
	*n_out = chosen;
	terms = NULL;
out:
	free(doc_weight);
	grafi_feedback_terms_free(terms, chosen);
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i].stem);
	free(c.v);
	return st;
}
