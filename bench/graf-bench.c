/*
 * graf-bench - time graf's queries, and check a top-k ranking against an
 * exhaustive one.  A benchmark driver, not installed (make bench builds it).
 *
 *   graf-bench --index DB [-k N] QUERIES.tsv                 figures on stdout
 *   graf-bench --index DB -k 10 --per-query F QUERIES.tsv    and one line per query
 *   graf-bench --index DB -k 10 --ranking F QUERIES.tsv      and the ranked lists
 *   graf-bench --index DB -k 10 --check QUERIES.tsv          top-k == exhaustive?
 *
 * The index is opened once; every query of QUERIES ("qid<TAB>query" lines, as
 * graf-search --queries reads them) runs as a person typed it, in the default
 * query mode (all words), with graf_search_options_init()'s defaults except
 * the limit k.  A query is timed from graf_query_run() to the last
 * graf_query_next() and the graf_query_free() that a caller must also pay;
 * each hit's text and match ranges are fetched (GRAF_HIT_ALL) and turned into
 * "[highlighted]" text, as the FTS5 baseline's highlight() does.  The output
 * has the layout of ../shared/bench/peers (one "name value" per line), so
 * that the same summaries read both.
 *
 * The exhaustive ranking is the library's own with no limit and no top-k
 * search (limit 0, exhaustive = 1): every matching paragraph is scored and
 * sorted, and the first k are kept; --check compares, for every query, the top k with it: same
 * hits (article, paragraph) in the same order, scores equal to 1e-9.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graf.h"

#define PROG "graf-bench"

/* Exit statuses (documented in --help). */
enum {
	EXIT_OK = 0,
	EXIT_MISMATCH = 1,      /* --check: some top-k differs from exhaustive */
	EXIT_ERROR = 2,         /* bad option, unreadable index or query file */
};

/* Scores of the same hit may differ by rounding if a shortcut sums them in
 * another order; more than this relative difference is a wrong score. */
#define BENCH_SCORE_TOLERANCE 1e-9

/* FNV-1a, 64 bits: a fingerprint of a ranked list, to compare runs. */
#define BENCH_HASH_INIT 0xcbf29ce484222325ULL
#define BENCH_HASH_PRIME 0x100000001b3ULL

enum {
	OPT_K = 'k',
	OPT_PER_QUERY = 256,
	OPT_RANKING,
	OPT_CHECK,
	OPT_EXHAUSTIVE,
	OPT_UNIT,
	OPT_ANY,
	OPT_FIELDS,
	OPT_PERTURB,
	OPT_NO_PRELOAD,
};

/* In the order of graf_unit_t. */
static const char *const unit_keywords[] = { "paragraph", "article", NULL };
/* What each hit fetches (--fields), and the GRAF_HIT_* bits of each. */
static const char *const field_keywords[] = { "all", "text", "none", NULL };
static const unsigned field_bits[] = { GRAF_HIT_ALL, GRAF_HIT_TEXT, 0 };

static const graf_option options[] = {
	{ "limit", OPT_K, "N", "k: hits per query (default 10; 0: all)", NULL },
	{ "per-query", OPT_PER_QUERY, "FILE",
	  "write qid, class, ms, hits, matches, hash, query per query", NULL },
	{ "ranking", OPT_RANKING, "FILE",
	  "write every query's ranked list: qid, rank, path, docid, paragraph, score", NULL },
	{ "exhaustive", OPT_EXHAUSTIVE, NULL,
	  "rank with no limit and keep the first k (the plain path of the library);\n"
	  "                            with timing, times that path", NULL },
	{ "check", OPT_CHECK, NULL,
	  "compare each query's top k with the exhaustive ranking; no timing", NULL },
	{ "unit", OPT_UNIT, "UNIT", "paragraph (default) or article", unit_keywords },
	{ "any", OPT_ANY, NULL, "any word may match, instead of all words", NULL },
	{ "fields", OPT_FIELDS, "WHAT",
	  "what each hit fetches: all (text and matches, default), text, none", field_keywords },
	{ "no-preload", OPT_NO_PRELOAD, NULL,
	  "leave the index's memory map to fill in a page fault at a time, as one\n"
	  "                            query from the shell does (graf_index_preload())", NULL },
	{ "perturb", OPT_PERTURB, NULL,
	  "test the checker: drop the first hit of every other top-k list", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const graf_program program = {
	.name = PROG,
	.usage = "[OPTION]... QUERIES",
	.summary =
		"Run every query of QUERIES (qid<TAB>query lines) on one open index and\n"
		"print the figures: queries/s and latency percentiles, one 'name value'\n"
		"per line.  Each query is timed from graf_query_run() to the last hit\n"
		"(text, match ranges, highlighted) and graf_query_free(), after the index\n"
		"is preloaded as a batch of graf-search does (not timed: preload_ms).\n"
		"--check instead compares each top-k list with the exhaustive ranking\n"
		"(the library's ranking with no limit, cut at k).",
	.options = options,
	.has_index = 1,
	.epilogue =
		"Per-query lines: qid, class (1word 2word 3word nword phrase or not), ms,\n"
		"hits, matching paragraphs (counted afterwards, untimed), a hash of the\n"
		"hits in order, query.  Percentiles are nearest-rank.\n"
		"\n"
		"Exit status: 0 done (--check: every list agrees), 1 --check found a\n"
		"difference, 2 error.\n",
};

typedef struct Args {
	const char *index;
	const char *per_query;       /* --per-query FILE, or NULL */
	const char *ranking;         /* --ranking FILE, or NULL */
	graf_search_options search;
	bool check, exhaustive, perturb, no_preload, help, version;
	double preload_ms;           /* graf_index_preload(), before the queries */
	char *err;
	size_t err_size;
} Args;

/* One query of the file and what its timed run gave. */
typedef struct Query {
	char *qid;
	char *text;
	double ms;                   /* timed run */
	long hits;                   /* hits returned */
	uint64_t hash;               /* of the hits, in order */
	bool failed;                 /* the query could not be run */
} Query;

typedef struct QueryList {
	Query *v;
	size_t n, cap;
} QueryList;

/* One hit of a ranked list, as --check compares them. */
typedef struct Hit {
	char *path;
	char *docid;
	long paragraph;
	double score;
} Hit;

typedef struct HitList {
	Hit *v;
	size_t n, cap;
} HitList;

/* A growable buffer for the highlighted text of a hit. */
typedef struct Buf {
	char *s;
	size_t len, cap;
} Buf;

/* Make OPTS the exhaustive ranking: every match scored, no top-k search. */
static void
benchExhaustive(graf_search_options *opts)
{
	opts->limit = 0;
	opts->exhaustive = 1;
}

/* graf_cli_parse() callback: store option KEY in the Args at CTX.
 * @retval 0, or -1 with a message in the Args' err buffer */
static int
benchHandleOption(void *ctx, int key, const char *arg, int keyword)
{
	Args *a = ctx;

	switch (key) {
	case GRAF_OPT_INDEX: a->index = arg; break;
	case GRAF_OPT_HELP: a->help = true; break;
	case GRAF_OPT_VERSION: a->version = true; break;
	case OPT_K:
		if (graf_cli_number(arg, 0, 1000000000, &a->search.limit) != 0) {
			snprintf(a->err, a->err_size, "invalid k '%s' (a whole number from 0)", arg);
			return -1;
		}
		break;
	case OPT_PER_QUERY: a->per_query = arg; break;
	case OPT_RANKING: a->ranking = arg; break;
	case OPT_CHECK: a->check = true; break;
	case OPT_EXHAUSTIVE: a->exhaustive = true; break;
	case OPT_UNIT: a->search.unit = (graf_unit_t)keyword; break;
	case OPT_ANY: a->search.match = GRAF_MATCH_ANY; break;
	case OPT_FIELDS: a->search.fields = field_bits[keyword]; break;
	case OPT_PERTURB: a->perturb = true; break;
	case OPT_NO_PRELOAD: a->no_preload = true; break;
	}
	return 0;
}

/* The class of a benchmark query, from its syntax (as the peers name them). */
static const char *
benchQueryClass(const char *q)
{
	static const char *const by_words[] = { "empty", "1word", "2word", "3word" };
	int words = 0;
	bool in_word = false;

	if (strchr(q, '"'))
		return "phrase";
	if (strstr(q, " OR "))
		return "or";
	if (q[0] == '-' || strstr(q, " -"))
		return "not";
	for (const char *p = q; *p; p++) {
		if (*p == ' ' || *p == '\t') {
			in_word = false;
		} else if (!in_word) {
			in_word = true;
			words++;
		}
	}
	return words <= 3 ? by_words[words] : "nword";
}

/*
 * Read every query of the file PATH into OUT, so that reading is never timed.
 * @retval 0, or -1 after printing a message
 */
static int
benchReadQueries(const char *path, QueryList *out)
{
	graf_query_file *f;
	const char *qid, *text;
	char *msg = NULL;

	if (graf_query_file_open(path, GRAF_TOPIC_TITLE, &f, &msg) != GRAF_STATUS_OK) {
		fprintf(stderr, PROG ": %s\n", msg ? msg : "out of memory");
		free(msg);
		return -1;
	}
	while (graf_query_file_next(f, &qid, &text)) {
		Query *q;

		if (out->n == out->cap) {
			size_t ncap = out->cap ? out->cap * 2 : 256;
			Query *nv = realloc(out->v, ncap * sizeof *nv);

			if (!nv)
				goto nomem;
			out->v = nv;
			out->cap = ncap;
		}
		q = &out->v[out->n];
		memset(q, 0, sizeof *q);
		q->qid = strdup(qid);
		q->text = strdup(text);
		out->n++;
		if (!q->qid || !q->text)
			goto nomem;
	}
	graf_query_file_close(f);
	return 0;
nomem:
	graf_query_file_close(f);
	fprintf(stderr, PROG ": out of memory\n");
	return -1;
}

/* Free what L holds (not L). */
static void
benchQueriesFree(QueryList *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].qid);
		free(l->v[i].text);
	}
	free(l->v);
}

/* Append S[0..N) to B.  false when out of memory. */
static bool
benchBufAdd(Buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t ncap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, ncap);

		if (!ns)
			return false;
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return true;
}

/*
 * Build HIT's text with its matches in [brackets] into B, as a front end
 * would show it.  false when out of memory.
 */
static bool
benchHighlight(Buf *b, const graf_hit *hit)
{
	size_t at = 0;
	bool ok = true;

	b->len = 0;
	for (size_t i = 0; ok && i < hit->n_matches; i++) {
		const graf_span *m = &hit->matches[i];

		if (m->start < at || m->end > hit->text_len || m->end < m->start)
			continue;  /* not ordered: leave it out, as the formatters do */
		ok = benchBufAdd(b, hit->text + at, m->start - at) && benchBufAdd(b, "[", 1) &&
		     benchBufAdd(b, hit->text + m->start, m->end - m->start) &&
		     benchBufAdd(b, "]", 1);
		at = m->end;
	}
	return ok && benchBufAdd(b, hit->text + at, hit->text_len - at);
}

/* Fold HIT's identity (path, docid, paragraph) into the hash H. */
static uint64_t
benchHashHit(uint64_t h, const graf_hit *hit)
{
	const char *parts[2] = { hit->path, hit->docid };
	long para = hit->paragraph;

	for (int k = 0; k < 2; k++)
		for (const unsigned char *p = (const unsigned char *)parts[k];; p++) {
			h = (h ^ *p) * BENCH_HASH_PRIME;
			if (!*p)
				break;
		}
	for (int k = 0; k < 8; k++, para >>= 8)
		h = (h ^ (unsigned char)(para & 0xff)) * BENCH_HASH_PRIME;
	return h;
}

/*
 * Run query Q with OPTS, timed, and fill in its figures; add the bytes of
 * highlighted text to *HL_BYTES.  KEEP > 0: read only the first KEEP hits
 * (the exhaustive path runs with no limit).
 * @retval 0, or -1 when out of memory (the query's own failure is recorded
 *         in Q and reported on stderr)
 */
static int
benchTimeQuery(graf_index *idx, Query *q, const graf_search_options *opts, long keep, Buf *hl,
	       long long *hl_bytes)
{
	graf_query *gq = NULL;
	const graf_hit *hit;
	uint64_t h = BENCH_HASH_INIT;
	long hits = 0;
	double t0 = graf_cli_seconds();
	int rc = 0;

	if (graf_query_run(idx, q->text, opts, &gq) == GRAF_STATUS_OK) {
		while ((keep == 0 || hits < keep) && (hit = graf_query_next(gq))) {
			if (opts->fields & GRAF_HIT_MATCHES) {
				if (!benchHighlight(hl, hit)) {
					rc = -1;
					break;
				}
				*hl_bytes += (long long)hl->len;
			} else {
				*hl_bytes += (long long)hit->text_len;
			}
			h = benchHashHit(h, hit);
			hits++;
		}
		if (graf_query_status(gq) != GRAF_STATUS_OK)
			q->failed = true;
	} else {
		q->failed = true;
	}
	graf_query_free(gq);
	q->ms = (graf_cli_seconds() - t0) * 1000.0;
	q->hits = hits;
	q->hash = h;
	if (q->failed)
		fprintf(stderr, PROG ": query %s: %s\n", q->qid, graf_index_errmsg(idx));
	return rc;
}

/* qsort() comparison of doubles, ascending. */
static int
benchCompareDouble(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank P-th percentile of SORTED[0..N). */
static double
benchPercentile(const double *sorted, size_t n, double p)
{
	long idx;

	if (n == 0)
		return 0.0;
	idx = (long)ceil(p / 100.0 * (double)n) - 1;
	if (idx < 0)
		idx = 0;
	if ((size_t)idx >= n)
		idx = (long)n - 1;
	return sorted[idx];
}

/*
 * Write one line per query to PATH: qid, class, ms, hits, matching
 * paragraphs (or articles), hash, query.  The count runs now, untimed.
 * @retval 0, or -1 after printing a message
 */
static int
benchWritePerQuery(graf_index *idx, const char *path, const QueryList *l,
		   const graf_search_options *opts)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, PROG ": cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < l->n; i++) {
		const Query *q = &l->v[i];
		long matches = -1;

		if (!q->failed && graf_query_count(idx, q->text, opts, &matches) != GRAF_STATUS_OK)
			matches = -1;
		fprintf(f, "%s\t%s\t%.3f\t%ld\t%ld\t%016llx\t%s\n", q->qid, benchQueryClass(q->text),
			q->ms, q->hits, matches, (unsigned long long)q->hash, q->text);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, PROG ": cannot write '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Time every query of L on IDX and print the figures.
 * @retval EXIT_OK or EXIT_ERROR
 */
static int
benchTime(graf_index *idx, const Args *a, QueryList *l)
{
	graf_search_options opts = a->search;
	long long hl_bytes = 0, hits = 0;
	double total_ms = 0, *ms;
	long errors = 0;
	Buf hl = { 0 };
	int status = EXIT_OK;

	/* The exhaustive path: rank every match, read the first k. */
	if (a->exhaustive)
		benchExhaustive(&opts);
	for (size_t i = 0; i < l->n; i++) {
		if (benchTimeQuery(idx, &l->v[i], &opts, a->search.limit, &hl, &hl_bytes) != 0) {
			fprintf(stderr, PROG ": out of memory\n");
			free(hl.s);
			return EXIT_ERROR;
		}
		total_ms += l->v[i].ms;
		hits += l->v[i].hits;
		errors += l->v[i].failed;
	}
	free(hl.s);
	ms = malloc((l->n ? l->n : 1) * sizeof *ms);
	if (!ms) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < l->n; i++)
		ms[i] = l->v[i].ms;
	qsort(ms, l->n, sizeof *ms, benchCompareDouble);
	printf("engine      graf%s\n", a->exhaustive ? "-exhaustive" : "");
	printf("k           %ld\n", a->search.limit);
	printf("queries     %zu\n", l->n);
	printf("errors      %ld\n", errors);
	printf("seconds     %.3f\n", total_ms / 1000.0);
	printf("preload_ms  %.3f\n", a->preload_ms);
	printf("qps         %.1f\n", total_ms > 0 ? (double)l->n / (total_ms / 1000.0) : 0.0);
	printf("p50_ms      %.3f\n", benchPercentile(ms, l->n, 50));
	printf("p95_ms      %.3f\n", benchPercentile(ms, l->n, 95));
	printf("p99_ms      %.3f\n", benchPercentile(ms, l->n, 99));
	printf("max_ms      %.3f\n", l->n ? ms[l->n - 1] : 0.0);
	printf("hits        %lld\n", hits);
	printf("hl_MB       %.2f\n", (double)hl_bytes / 1e6);
	free(ms);
	if (a->per_query && benchWritePerQuery(idx, a->per_query, l, &opts) != 0)
		status = EXIT_ERROR;
	return status;
}

/* Free the strings of L's hits and empty it (its array stays). */
static void
benchHitsClear(HitList *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].docid);
	}
	l->n = 0;
}

/*
 * The ranked list of query TEXT into OUT (cleared first): with EXHAUSTIVE,
 * the library's ranking with no limit, cut at LIMIT; else its ranking with
 * the limit.  Texts are not fetched: they do not change the order.
 * @retval GRAF_STATUS_OK, the query's failure (message on IDX), or NOMEM
 */
static graf_status_t
benchRank(graf_index *idx, const char *text, const graf_search_options *base, bool exhaustive,
	  HitList *out)
{
	graf_search_options opts = *base;
	long limit = base->limit;
	graf_query *q = NULL;
	const graf_hit *hit;
	graf_status_t st;

	benchHitsClear(out);
	opts.fields = 0;
	if (exhaustive)
		benchExhaustive(&opts);
	st = graf_query_run(idx, text, &opts, &q);
	while (st == GRAF_STATUS_OK && (limit == 0 || (long)out->n < limit) &&
	       (hit = graf_query_next(q))) {
		Hit *h;

		if (out->n == out->cap) {
			size_t ncap = out->cap ? out->cap * 2 : 64;
			Hit *nv = realloc(out->v, ncap * sizeof *nv);

			if (!nv) {
				st = GRAF_STATUS_NOMEM;
				break;
			}
			out->v = nv;
			out->cap = ncap;
		}
		h = &out->v[out->n++];
		h->path = strdup(hit->path);
		h->docid = strdup(hit->docid);
		h->paragraph = hit->paragraph;
		h->score = hit->score;
		if (!h->path || !h->docid)
			st = GRAF_STATUS_NOMEM;
	}
	if (st == GRAF_STATUS_OK && q)
		st = graf_query_status(q);
	graf_query_free(q);
	return st;
}

/* True if X and Y are the same paragraph of the same article. */
static bool
benchSameHit(const Hit *x, const Hit *y)
{
	return x->paragraph == y->paragraph && strcmp(x->docid, y->docid) == 0 &&
	       strcmp(x->path, y->path) == 0;
}

/* True if scores X and Y agree to BENCH_SCORE_TOLERANCE (relative, or
 * absolute below 1). */
static bool
benchSameScore(double x, double y)
{
	double scale = fabs(x) > fabs(y) ? fabs(x) : fabs(y);

	return fabs(x - y) <= BENCH_SCORE_TOLERANCE * (scale > 1.0 ? scale : 1.0);
}

/*
 * Compare TOPK with EXACT and report the first difference of query QID on
 * stderr.  @retval true when they agree
 */
static bool
benchCompare(const char *qid, const char *text, const HitList *topk, const HitList *exact)
{
	size_t n = topk->n > exact->n ? topk->n : exact->n;

	for (size_t i = 0; i < n; i++) {
		const Hit *t = i < topk->n ? &topk->v[i] : NULL;
		const Hit *e = i < exact->n ? &exact->v[i] : NULL;

		if (t && e && benchSameHit(t, e) && benchSameScore(t->score, e->score))
			continue;
		fprintf(stderr, PROG ": query %s '%s': rank %zu: top-k ", qid, text, i + 1);
		if (t)
			fprintf(stderr, "%s#%s:%ld %.17g", t->path, t->docid, t->paragraph, t->score);
		else
			fprintf(stderr, "(none)");
		fprintf(stderr, ", exhaustive ");
		if (e)
			fprintf(stderr, "%s#%s:%ld %.17g\n", e->path, e->docid, e->paragraph, e->score);
		else
			fprintf(stderr, "(none)\n");
		return false;
	}
	return true;
}

/* Write the list L of query QID to F. */
static void
benchWriteRanking(FILE *f, const char *qid, const HitList *l)
{
	char score[32];

	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s\t%zu\t%s\t%s\t%ld\t%s\n", qid, i + 1, l->v[i].path, l->v[i].docid,
			l->v[i].paragraph, graf_format_score(l->v[i].score, score));
}

/*
 * --check and/or --ranking: rank every query of L (exhaustively, with
 * --exhaustive) and write the lists; with --check also rank it exhaustively
 * and compare.
 * @retval EXIT_OK, EXIT_MISMATCH or EXIT_ERROR
 */
static int
benchRankAll(graf_index *idx, const Args *a, const QueryList *l)
{
	HitList topk = { 0 }, exact = { 0 };
	FILE *f = NULL;
	long differ = 0, errors = 0, compared = 0, hits = 0;
	int status = EXIT_OK;

	if (a->ranking && !(f = fopen(a->ranking, "w"))) {
		fprintf(stderr, PROG ": cannot open '%s': %s\n", a->ranking, strerror(errno));
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < l->n && status == EXIT_OK; i++) {
		const Query *q = &l->v[i];
		graf_status_t st = benchRank(idx, q->text, &a->search, a->exhaustive && !a->check,
					     &topk);

		if (st == GRAF_STATUS_OK && a->check)
			st = benchRank(idx, q->text, &a->search, true, &exact);
		if (st == GRAF_STATUS_NOMEM) {
			fprintf(stderr, PROG ": out of memory\n");
			status = EXIT_ERROR;
			break;
		}
		if (st != GRAF_STATUS_OK) {
			fprintf(stderr, PROG ": query %s: %s\n", q->qid, graf_index_errmsg(idx));
			errors++;
			continue;
		}
		if (a->perturb && i % 2 == 0 && topk.n > 0) {
			/* Drop the best hit, as a faulty shortcut might. */
			free(topk.v[0].path);
			free(topk.v[0].docid);
			memmove(topk.v, topk.v + 1, (topk.n - 1) * sizeof *topk.v);
			topk.n--;
		}
		if (f)
			benchWriteRanking(f, q->qid, &topk);
		hits += (long)topk.n;
		if (a->check) {
			compared++;
			if (!benchCompare(q->qid, q->text, &topk, &exact))
				differ++;
		}
	}
	benchHitsClear(&topk);
	benchHitsClear(&exact);
	free(topk.v);
	free(exact.v);
	if (f && fclose(f) != 0) {
		fprintf(stderr, PROG ": cannot write '%s': %s\n", a->ranking, strerror(errno));
		status = EXIT_ERROR;
	}
	if (a->check) {
		printf("k           %ld\n", a->search.limit);
		printf("queries     %zu\n", l->n);
		printf("errors      %ld\n", errors);
		printf("compared    %ld\n", compared);
		printf("hits        %ld\n", hits);
		printf("differ      %ld\n", differ);
		if (status == EXIT_OK && differ > 0)
			status = EXIT_MISMATCH;
	}
	/* A query the library refuses is refused by both paths alike. */
	return status;
}

int
main(int argc, char **argv)
{
	Args a = { 0 };
	QueryList queries = { 0 };
	graf_index *idx = NULL;
	char err[512], *msg = NULL;
	int first, status = EXIT_ERROR;

	graf_search_options_init(&a.search);
	a.err = err;
	a.err_size = sizeof err;
	first = graf_cli_parse(&program, argc, argv, benchHandleOption, &a, err, sizeof err);
	if (first < 0) {
		fprintf(stderr, PROG ": %s\nTry '" PROG " --help' for more information.\n", err);
		return EXIT_ERROR;
	}
	if (a.help) {
		graf_cli_help(&program, stdout);
		return EXIT_OK;
	}
	if (a.version) {
		graf_cli_version(&program, stdout);
		return EXIT_OK;
	}
	if (argc - first != 1) {
		fprintf(stderr, PROG ": %s\nTry '" PROG " --help' for more information.\n",
			first >= argc ? "no query file given" : "too many operands");
		return EXIT_ERROR;
	}
	if (!a.index)
		a.index = graf_cli_default_index();
	if (benchReadQueries(argv[first], &queries) != 0)
		goto done;
	if (graf_index_open(a.index, GRAF_OPEN_READ, NULL, &idx, &msg) != GRAF_STATUS_OK) {
		fprintf(stderr, PROG ": %s\n", msg);
		goto done;
	}
	if (!a.no_preload) {
		double t0 = graf_cli_seconds();

		graf_index_preload(idx);
		a.preload_ms = (graf_cli_seconds() - t0) * 1000.0;
	}
	if (a.check || a.ranking)
		status = benchRankAll(idx, &a, &queries);
	else
		status = benchTime(idx, &a, &queries);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": cannot write the figures: %s\n", strerror(errno));
		status = EXIT_ERROR;
	}
done:
	graf_index_close(idx);
	benchQueriesFree(&queries);
	free(msg);
	return status;
}
