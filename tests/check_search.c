/*
 * check_search.c - queries on an index of corpus/ (lib/query.c,
 * lib/query-parse.c, lib/match.c).
 *
 * The ranking facts of the issue are asserted by content: the paragraphs a
 * query must find are looked up in the corpus files (parsed with the
 * article reader) rather than copied from graf's output, and only the order
 * the issue demands is checked, not the whole result list.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graf-private.h"
#include "check_graf.h"

static char *dir;
static graf_index *idx;

/* The corpus files as the reader splits them, for expectations. */
typedef struct Doc {
	char *path;          /* as indexed */
	grafi_article a;
} Doc;
static Doc docs[2];

static void
setup(void)
{
	static const char *const names[2] = { CK_CORPUS_LINES, CK_CORPUS_BLOCKS };
	char *db_path, *corpus = ck_srcpath("corpus");
	const char *root = corpus;
	graf_update_stats st;

	dir = ck_tmpdir("search");
	db_path = ck_printf("%s/g.db", dir);
	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_WRITE, NULL, &idx, NULL), GRAF_STATUS_OK);
	ck_assert_int_eq(graf_index_update(idx, &root, 1, NULL, &st), GRAF_STATUS_OK);
	ck_assert_int_eq(st.added, 2);
	for (int i = 0; i < 2; i++) {
		size_t len;
		char *data;

		docs[i].path = ck_printf("%s/%s", corpus, names[i]);
		data = ck_read_file(docs[i].path, &len);
		ck_assert_int_eq(grafi_article_parse(data, len, &docs[i].a), GRAFI_READ_OK);
		free(data);
	}
	free(db_path);
	free(corpus);
}

static void
teardown(void)
{
	graf_index_close(idx);
	idx = NULL;
	for (int i = 0; i < 2; i++) {
		free(docs[i].path);
		grafi_article_release(&docs[i].a);
	}
	ck_rmtree(dir);
	free(dir);
	dir = NULL;
}

/* A hit, copied out of the query. */
typedef struct Hit {
	long rank;
	double score;
	char *path, *docid, *title, *text;
	long paragraph;
	graf_span *spans;
	size_t n_spans;
} Hit;

typedef struct Hits {
	Hit *v;
	size_t n;
} Hits;

static void
hitsFree(Hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].path);
		free(h->v[i].docid);
		free(h->v[i].title);
		free(h->v[i].text);
		free(h->v[i].spans);
	}
	free(h->v);
	memset(h, 0, sizeof *h);
}

/* Run QUERY with OPTS (NULL: all hits, all words) and copy its hits; the
 * query must succeed. */
static Hits
search(const char *query, const graf_search_options *opts)
{
	graf_search_options all;
	graf_query *q;
	const graf_hit *hit;
	Hits h = { 0 };
	graf_status_t st;

	if (!opts) {
		graf_search_options_init(&all);
		all.limit = 0;
		opts = &all;
	}
	st = graf_query_run(idx, query, opts, &q);
	ck_assert_msg(st == GRAF_STATUS_OK, "query '%.60s': %s", query, graf_index_errmsg(idx));
	while ((hit = graf_query_next(q))) {
		Hit *c;

		h.v = realloc(h.v, (h.n + 1) * sizeof *h.v);
		ck_assert_ptr_nonnull(h.v);
		c = &h.v[h.n++];
		c->rank = hit->rank;
		c->score = hit->score;
		c->path = strdup(hit->path);
		c->docid = strdup(hit->docid);
		c->title = strdup(hit->title);
		c->text = strdup(hit->text);
		ck_assert_int_eq(hit->text_len, strlen(hit->text));
		c->paragraph = hit->paragraph;
		c->n_spans = hit->n_matches;
		c->spans = malloc((hit->n_matches + 1) * sizeof *c->spans);
		ck_assert_ptr_nonnull(c->spans);
		if (hit->n_matches)
			memcpy(c->spans, hit->matches, hit->n_matches * sizeof *c->spans);
	}
	ck_assert_msg(graf_query_status(q) == GRAF_STATUS_OK, "query '%.60s': %s", query,
		      graf_index_errmsg(idx));
	graf_query_free(q);
	return h;
}

/* Case-insensitive strstr (ASCII). */
static const char *
findNoCase(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack; haystack++)
		if (strncasecmp(haystack, needle, n) == 0)
			return haystack;
	return NULL;
}

/* The number of corpus paragraphs that contain NEEDLE (ASCII case ignored). */
static size_t
paragraphsWith(const char *needle)
{
	size_t n = 0;

	for (int d = 0; d < 2; d++)
		for (size_t i = 0; i < docs[d].a.n_paragraphs; i++)
			n += findNoCase(docs[d].a.paragraphs[i], needle) != NULL;
	return n;
}

/* Assert that hit H is what the corpus file says: its text is paragraph
 * number H->paragraph of its file, its title that file's headline. */
static void
assertHitFromCorpus(const Hit *h)
{
	for (int d = 0; d < 2; d++) {
		if (strcmp(h->path, docs[d].path) != 0)
			continue;
		ck_assert_str_eq(h->docid, h->path);
		ck_assert_str_eq(h->title, docs[d].a.title);
		ck_assert_int_ge(h->paragraph, 1);
		ck_assert_int_le(h->paragraph, (long)docs[d].a.n_paragraphs);
		ck_assert_str_eq(h->text, docs[d].a.paragraphs[h->paragraph - 1]);
		return;
	}
	ck_abort_msg("hit from an unknown file '%s'", h->path);
}

/* Assert that the hits are ranked 1..n (after OFFSET), best first, and are
 * the corpus's paragraphs. */
static void
assertWellFormed(const Hits *h, long offset)
{
	for (size_t i = 0; i < h->n; i++) {
		ck_assert_int_eq(h->v[i].rank, offset + (long)i + 1);
		ck_assert(h->v[i].score > 0);
		if (i > 0)
			ck_assert(h->v[i].score <= h->v[i - 1].score);
		assertHitFromCorpus(&h->v[i]);
	}
}

/*
 * Assert that the spans of hit H mark exactly the words of H->text that begin
 * with one of the PREFIXES (ASCII case ignored), in order: every such word is
 * a span from its first to its last byte, and there is no other span.
 */
static void
assertSpans(const Hit *h, const char *const *prefixes)
{
	const char *t = h->text;
	size_t len = strlen(t), s = 0;

	for (size_t i = 0; i < len; i++) {
		bool word_start = isalnum((unsigned char)t[i]) &&
				  (i == 0 || !isalnum((unsigned char)t[i - 1]));
		bool wanted = false;
		size_t end = i;

		if (!word_start)
			continue;
		for (const char *const *p = prefixes; *p && !wanted; p++)
			wanted = strncasecmp(t + i, *p, strlen(*p)) == 0;
		if (!wanted)
			continue;
		while (end < len && isalnum((unsigned char)t[end]))
			end++;
		ck_assert_msg(s < h->n_spans, "'%.20s' at %zu is not marked in: %s", t + i, i, t);
		ck_assert_msg(h->spans[s].start == i && h->spans[s].end == end,
			      "span %zu is [%zu, %zu), expected [%zu, %zu) in: %s", s,
			      h->spans[s].start, h->spans[s].end, i, end, t);
		s++;
	}
	ck_assert_msg(s == h->n_spans, "%zu spans, %zu marked words in: %s", h->n_spans, s, t);
}

/* True if one of the first N hits of H is TEXT. */
static bool
inFirst(const Hits *h, size_t n, const char *text)
{
	for (size_t i = 0; i < n && i < h->n; i++)
		if (strcmp(h->v[i].text, text) == 0)
			return true;
	return false;
}

/* --------------------------------------------------------------- core -- */

START_TEST(test_export_controls)
{
	static const char *const words[] = { "export", "control", NULL };
	Hits h = search("export controls", NULL);

	ck_assert_int_ge(h.n, 1);
	assertWellFormed(&h, 0);
	ck_assert_msg(strstr(h.v[0].text, "rare earth exports and export controls") != NULL,
		      "first hit: %s", h.v[0].text);
	for (size_t i = 0; i < h.n; i++) {
		ck_assert(findNoCase(h.v[i].text, "export") && findNoCase(h.v[i].text, "control"));
		assertSpans(&h.v[i], words);
	}
	/* Every paragraph with "export control..." is found. */
	ck_assert_int_eq(h.n, paragraphsWith("export controls"));
	hitsFree(&h);
}
END_TEST

/* The two paragraphs of the first file that mention rare earths are among
 * the first three hits. */
START_TEST(test_rare_earths)
{
	Hits h = search("rare earths", NULL);
	const grafi_article *a = &docs[0].a;
	int found = 0;

	assertWellFormed(&h, 0);
	for (size_t i = 0; i < a->n_paragraphs; i++) {
		if (!strstr(a->paragraphs[i], "rare earths"))
			continue;
		found++;
		ck_assert_msg(inFirst(&h, 3, a->paragraphs[i]), "not in the first three: %s",
			      a->paragraphs[i]);
	}
	ck_assert_int_eq(found, 2);
	hitsFree(&h);
}
END_TEST

/* "Huang's speech", with either apostrophe, ranks the paragraph that starts
 * so first, and marks the two words (not the possessive "s"). */
START_TEST(test_huangs_speech)
{
	static const char *const queries[] = { "Huang's speech", "Huang\xe2\x80\x99s speech",
					       "huang speech" };
	static const char *const words[] = { "huang", "speech", NULL };
	const char *expected = "Huang\xe2\x80\x99s speech reinforced this message";

	for (size_t q = 0; q < 3; q++) {
		Hits h = search(queries[q], NULL);

		ck_assert_int_ge(h.n, 1);
		assertWellFormed(&h, 0);
		ck_assert_msg(strncmp(h.v[0].text, expected, strlen(expected)) == 0,
			      "%s: first hit: %s", queries[q], h.v[0].text);
		assertSpans(&h.v[0], words);
		ck_assert_int_eq(h.v[0].n_spans, 2);
		hitsFree(&h);
	}
}
END_TEST

START_TEST(test_bytedance)
{
	Hits h = search("ByteDance", NULL);

	ck_assert_int_eq(paragraphsWith("ByteDance"), 1);
	ck_assert_int_eq(h.n, 1);
	assertWellFormed(&h, 0);
	ck_assert_str_eq(h.v[0].path, docs[1].path);
	ck_assert_ptr_nonnull(strstr(h.v[0].text, "ByteDance"));
	/* Both occurrences in the paragraph are marked. */
	ck_assert_int_eq(h.v[0].n_spans, 2);
	hitsFree(&h);
}
END_TEST

/* A headline does not make its paragraphs match: "H20" is in the headline
 * of the second article but only in some of its paragraphs. */
START_TEST(test_headline_not_paragraph)
{
	Hits h = search("H20", NULL);

	assertWellFormed(&h, 0);
	ck_assert_ptr_nonnull(strstr(docs[1].a.title, "H20"));
	ck_assert_int_eq(h.n, paragraphsWith("H20"));
	ck_assert_int_lt(h.n, docs[0].a.n_paragraphs + docs[1].a.n_paragraphs);
	for (size_t i = 0; i < h.n; i++)
		ck_assert_ptr_nonnull(strstr(h.v[i].text, "H20"));
	hitsFree(&h);
	/* "Talent" is only in a headline. */
	h = search("talent", NULL);
	ck_assert_int_eq(h.n, paragraphsWith("talent"));
	hitsFree(&h);
}
END_TEST

/* Documents and queries are stemmed alike: each query finds a paragraph that
 * has only another form of the word. */
START_TEST(test_stemming_agrees)
{
	static const struct {
		const char *query, *form, *not_form;
	} cases[] = {
		{ "control", "controls", NULL },
		{ "controlling", "controls", NULL },
		{ "licensing", "licenses", "licensing" },
		{ "licenses", "licensing", "licenses" },
		{ "earths", "rare earth exports", "earths" },
		{ "exported", "exports", NULL },
	};

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		Hits h = search(cases[c].query, NULL);
		bool found = false;

		assertWellFormed(&h, 0);
		for (size_t i = 0; i < h.n && !found; i++)
			found = strstr(h.v[i].text, cases[c].form) &&
				(!cases[c].not_form || !strstr(h.v[i].text, cases[c].not_form));
		ck_assert_msg(found, "'%s' does not find '%s'", cases[c].query, cases[c].form);
		hitsFree(&h);
	}
}
END_TEST

/* "China's", "China’s" and "china" are the same query. */
START_TEST(test_apostrophes_same)
{
	Hits a = search("China's", NULL), b = search("China\xe2\x80\x99s", NULL),
	     c = search("china", NULL);

	ck_assert_int_gt(a.n, 5);
	ck_assert_int_eq(a.n, b.n);
	ck_assert_int_eq(a.n, c.n);
	for (size_t i = 0; i < a.n; i++) {
		ck_assert_str_eq(a.v[i].text, b.v[i].text);
		ck_assert_str_eq(a.v[i].text, c.v[i].text);
	}
	ck_assert_int_eq(a.n, paragraphsWith("china"));
	hitsFree(&a);
	hitsFree(&b);
	hitsFree(&c);
}
END_TEST

/* Offsets are those of the original text: matches of "China" in
 * "China’s" cover the five letters only. */
START_TEST(test_spans_original_text)
{
	static const char *const words[] = { "china", NULL };
	Hits h = search("china", NULL);

	for (size_t i = 0; i < h.n; i++) {
		assertSpans(&h.v[i], words);
		for (size_t s = 0; s < h.v[i].n_spans; s++)
			ck_assert_int_eq(h.v[i].spans[s].end - h.v[i].spans[s].start, 5);
	}
	hitsFree(&h);
}
END_TEST

START_TEST(test_limit_offset)
{
	graf_search_options o;
	Hits all = search("China", NULL), h;

	ck_assert_int_gt(all.n, 12);
	graf_search_options_init(&o);
	ck_assert_int_eq(o.limit, 10);
	h = search("China", &o);
	ck_assert_int_eq(h.n, 10);
	hitsFree(&h);
	o.limit = 1;
	h = search("China", &o);
	ck_assert_int_eq(h.n, 1);
	ck_assert_str_eq(h.v[0].text, all.v[0].text);
	hitsFree(&h);
	o.limit = 3;
	o.offset = 2;
	h = search("China", &o);
	ck_assert_int_eq(h.n, 3);
	assertWellFormed(&h, 2);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(h.v[i].text, all.v[i + 2].text);
	hitsFree(&h);
	o.limit = 0;
	o.offset = (long)all.n;
	h = search("China", &o);
	ck_assert_int_eq(h.n, 0);
	hitsFree(&h);
	hitsFree(&all);
}
END_TEST

/* A and B are the same paragraphs in the same order, with the same text;
 * both are freed. */
static void
assertSameHits(Hits *a, Hits *b)
{
	ck_assert_int_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		ck_assert_str_eq(a->v[i].path, b->v[i].path);
		ck_assert_int_eq(a->v[i].paragraph, b->v[i].paragraph);
		ck_assert_str_eq(a->v[i].text, b->v[i].text);
	}
	hitsFree(a);
	hitsFree(b);
}

/* The same query gives the same list, ties included. */
START_TEST(test_deterministic)
{
	Hits a = search("AI", NULL), b = search("AI", NULL);

	assertSameHits(&a, &b);
}
END_TEST

/*
 * The top-k search keeps its buffers from one query to the next (topk.c,
 * topkScratchTake): queries of every shape, in an order that hands each
 * one the dirty buffers of a different one, still give the exhaustive
 * ranking, hit for hit, highlighted alike.  (Where the search read a hit's
 * text to score it exactly, as it does for ANDs of several words, it hands
 * the words' places on to the highlighting, TopkVerify.spans: a repeated
 * word must still give one span per token.)
 */
START_TEST(test_topk_reuses_buffers)
{
	static const char *const queries[] = {
		"AI", "chips OR export OR controls", "export controls", "China -chips",
		"Nvidia", "AI", "chips OR export OR controls", "the", "China China",
		"AI chips", "rare earths",
	};
	graf_search_options fast, full;

	graf_search_options_init(&fast);
	fast.limit = 3;
	full = fast;
	full.limit = 0;
	full.exhaustive = 1;
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
			Hits a = search(queries[i], &fast), b = search(queries[i], &full);

			ck_assert_int_eq(a.n, b.n < 3 ? b.n : 3);
			for (size_t j = 0; j < a.n; j++) {
				ck_assert_str_eq(a.v[j].path, b.v[j].path);
				ck_assert_int_eq(a.v[j].paragraph, b.v[j].paragraph);
				ck_assert_double_eq_tol(a.v[j].score, b.v[j].score, 1e-9);
				ck_assert_msg(a.v[j].n_spans == b.v[j].n_spans && a.v[j].n_spans > 0,
					      "%s: hit %zu: %zu spans, not %zu", queries[i], j,
					      a.v[j].n_spans, b.v[j].n_spans);
				for (size_t k = 0; k < a.v[j].n_spans; k++) {
					ck_assert_uint_eq(a.v[j].spans[k].start, b.v[j].spans[k].start);
					ck_assert_uint_eq(a.v[j].spans[k].end, b.v[j].spans[k].end);
				}
			}
			hitsFree(&a);
			hitsFree(&b);
		}
}
END_TEST

START_TEST(test_unit_article)
{
	graf_search_options o;
	Hits para = search("H20", NULL), h;

	graf_search_options_init(&o);
	o.unit = GRAF_UNIT_ARTICLE;
	o.limit = 0;
	h = search("H20", &o);
	ck_assert_int_eq(h.n, 2);
	ck_assert_str_ne(h.v[0].path, h.v[1].path);
	/* Each article by its best paragraph. */
	ck_assert_str_eq(h.v[0].text, para.v[0].text);
	hitsFree(&h);
	o.offset = 1;
	h = search("H20", &o);
	ck_assert_int_eq(h.n, 1);
	ck_assert_int_eq(h.v[0].rank, 2);
	hitsFree(&h);
	hitsFree(&para);
}
END_TEST

/*
 * A headline's score is BM25 with full length normalisation (b = 1), worked
 * out by hand on two articles whose paragraphs are the same, "zeta alpha",
 * under the headlines "zeta" (A) and "zeta beta gamma delta" (B).  "zeta" is
 * in both rows of each table: idf = ln(1 + 0.5 / 2.5) = ln 1.2.  Paragraphs:
 * |d| = avgdl = 2, K = k1 = 1.2, BM25 = ln 1.2 * 2.2 / 2.2.  Headlines:
 * avgdl = 2.5, K = 1.2 * |h| / 2.5: 0.48 for A, 1.92 for B (with b = 0.75
 * it would be 0.66 and 1.74).  score = BM25 + 0.4 * ln 1.2 * 2.2 / (1 + K).
 */
START_TEST(test_headline_length_norm)
{
	char *tmp = ck_tmpdir("headnorm"), *db = ck_printf("%s/g.db", tmp);
	char *file = ck_printf("%s/docs.jsonl", tmp);
	const char *root = file;
	double idf = log(1.2), want_a, want_b;
	graf_index *mine = NULL, *saved = idx;
	graf_update_stats st;
	graf_search_options o;
	Hits h;

	ck_write_string(file, "{\"id\": \"A\", \"title\": \"zeta\", \"text\": \"zeta alpha\"}\n"
			      "{\"id\": \"B\", \"title\": \"zeta beta gamma delta\", "
			      "\"text\": \"zeta alpha\"}\n");
	ck_assert_int_eq(graf_index_open(db, GRAF_OPEN_WRITE, NULL, &mine, NULL), GRAF_STATUS_OK);
	ck_assert_int_eq(graf_index_update(mine, &root, 1, NULL, &st), GRAF_STATUS_OK);
	want_a = idf + 0.4 * idf * 2.2 / (1.0 + 0.48);
	want_b = idf + 0.4 * idf * 2.2 / (1.0 + 1.92);
	graf_search_options_init(&o);
	o.limit = 0;
	idx = mine;
	for (int exhaustive = 0; exhaustive < 2; exhaustive++) {
		o.exhaustive = exhaustive;  /* the top-k search agrees */
		h = search("zeta", &o);
		ck_assert_int_eq(h.n, 2);
		ck_assert_str_eq(h.v[0].docid, "A");
		ck_assert_str_eq(h.v[1].docid, "B");
		ck_assert_double_eq_tol(h.v[0].score, want_a, 1e-9);
		ck_assert_double_eq_tol(h.v[1].score, want_b, 1e-9);
		hitsFree(&h);
	}
	idx = saved;
	graf_index_close(mine);
	ck_rmtree(tmp);
	free(tmp);
	free(db);
	free(file);
}
END_TEST

START_TEST(test_match_any)
{
	graf_search_options o;
	Hits h;

	h = search("ByteDance Zanzibar", NULL);
	ck_assert_int_eq(h.n, 0);
	hitsFree(&h);
	graf_search_options_init(&o);
	o.match = GRAF_MATCH_ANY;
	o.limit = 0;
	h = search("ByteDance Zanzibar", &o);
	ck_assert_int_eq(h.n, 1);
	hitsFree(&h);
	h = search("ByteDance Tencent", &o);
	ck_assert_int_eq(h.n, paragraphsWith("ByteDance") + paragraphsWith("Tencent") - 1);
	hitsFree(&h);
}
END_TEST

START_TEST(test_match_raw)
{
	graf_search_options o;
	graf_query *q;
	Hits h;

	graf_search_options_init(&o);
	o.match = GRAF_MATCH_RAW;
	o.limit = 0;
	h = search("\"export controls\"", &o);
	ck_assert_int_eq(h.n, paragraphsWith("export controls"));
	hitsFree(&h);
	h = search("rare NOT earths", &o);
	ck_assert_int_eq(h.n, 0);
	hitsFree(&h);
	/* Bad FTS5 is a query error, reported by graf_query_run(). */
	ck_assert_int_eq(graf_query_run(idx, "title: x", &o, &q), GRAF_STATUS_BAD_QUERY);
	ck_assert_ptr_null(q);
	ck_assert_ptr_nonnull(strstr(graf_index_errmsg(idx), "FTS5"));
	ck_assert_int_eq(graf_query_run(idx, "\"unterminated", &o, &q), GRAF_STATUS_BAD_QUERY);
	ck_assert_int_eq(graf_query_run(idx, "export AND", &o, &q), GRAF_STATUS_BAD_QUERY);
}
END_TEST

/* Queries still open when the index closes are freed with it. */
START_TEST(test_close_with_open_queries)
{
	graf_query *q1, *q2;

	ck_assert_int_eq(graf_query_run(idx, "china", NULL, &q1), GRAF_STATUS_OK);
	ck_assert_int_eq(graf_query_run(idx, "nvidia", NULL, &q2), GRAF_STATUS_OK);
	ck_assert_ptr_nonnull(graf_query_next(q1));
	graf_query_free(q1);
	graf_query_free(NULL);
	/* q2 is left to graf_index_close() in teardown. */
}
END_TEST

/* A reader sees the index while a writer holds it, and searches a
 * read-only handle. */
START_TEST(test_read_handle)
{
	char *db_path = ck_printf("%s/g.db", dir);
	graf_index *r;
	graf_query *q;

	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_READ, NULL, &r, NULL), GRAF_STATUS_OK);
	ck_assert_int_eq(graf_query_run(r, "ByteDance", NULL, &q), GRAF_STATUS_OK);
	ck_assert_ptr_nonnull(graf_query_next(q));
	ck_assert_ptr_null(graf_query_next(q));
	ck_assert_ptr_null(graf_query_next(q));
	ck_assert_int_eq(graf_query_status(q), GRAF_STATUS_OK);
	graf_query_free(q);
	graf_index_close(r);
	free(db_path);
}
END_TEST

/*
 * A query sees one state of the index from graf_query_run() to
 * graf_query_free(), even when an update commits while its hits are read
 * (another connection removes an article): every hit, with its text, as
 * before the update; the next query sees the update.
 */
/* The number of hits of "China" on R, all of them. */
static long
snapshotCount(graf_index *r)
{
	graf_search_options opts;
	graf_query *q;
	long n = 0;

	graf_search_options_init(&opts);
	opts.limit = 0;
	ck_assert_int_eq(graf_query_run(r, "China", &opts, &q), GRAF_STATUS_OK);
	while (graf_query_next(q))
		n++;
	ck_assert_int_eq(graf_query_status(q), GRAF_STATUS_OK);
	graf_query_free(q);
	return n;
}

START_TEST(test_snapshot)
{
	char *corpus = ck_printf("%s/snap", dir), *db_path = ck_printf("%s/snap.db", dir);
	char *gone = ck_printf("%s/%s", corpus, CK_CORPUS_LINES);
	const char *root = corpus;
	graf_search_options opts;
	graf_index *w, *r;
	graf_query *q;
	const graf_hit *hit;
	long counts[3];

	ck_assert_int_eq(mkdir(corpus, 0777), 0);
	for (int i = 0; i < 2; i++) {
		char *to = ck_printf("%s/%s", corpus, i ? CK_CORPUS_BLOCKS : CK_CORPUS_LINES);

		ck_copy_file(docs[i].path, to);
		free(to);
	}
	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_WRITE, NULL, &w, NULL), GRAF_STATUS_OK);
	ck_assert_int_eq(graf_index_update(w, &root, 1, NULL, NULL), GRAF_STATUS_OK);
	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_READ, NULL, &r, NULL), GRAF_STATUS_OK);
	counts[0] = snapshotCount(r);
	ck_assert_int_gt(counts[0], 10);

	/* k = 0: the top-k path (limit 10) while the article goes; k = 1: the
	 * full ranking (no limit) while it comes back. */
	for (int k = 0; k < 2; k++) {
		long read = 1;

		graf_search_options_init(&opts);
		opts.limit = k == 0 ? 10 : 0;
		ck_assert_int_eq(graf_query_run(r, "China", &opts, &q), GRAF_STATUS_OK);
		ck_assert_ptr_nonnull(graf_query_next(q));
		if (k == 0)
			ck_assert_int_eq(unlink(gone), 0);
		else
			ck_copy_file(docs[0].path, gone);
		ck_assert_int_eq(graf_index_update(w, &root, 1, NULL, NULL), GRAF_STATUS_OK);
		while ((hit = graf_query_next(q))) {
			ck_assert_ptr_nonnull(hit->text);
			ck_assert_ptr_nonnull(strstr(hit->text, "China"));
			read++;
		}
		ck_assert_int_eq(graf_query_status(q), GRAF_STATUS_OK);
		graf_query_free(q);
		ck_assert_int_eq(read, k == 0 ? 10 : counts[1]);
		/* the next query sees the update */
		counts[k + 1] = snapshotCount(r);
	}
	ck_assert_int_lt(counts[1], counts[0]);
	ck_assert_int_eq(counts[2], counts[0]);
	graf_index_close(r);
	graf_index_close(w);
	free(gone);
	free(db_path);
	free(corpus);
}
END_TEST

/* ------------------------------------------------------------- limits -- */

/*
 * Run QUERY (with OPTS, NULL: all hits) when it must either answer or be
 * refused as a query with a message; never another failure.  Returns the
 * hits (none when refused) and sets *REFUSED.
 */
static Hits
searchOrRefused(const char *query, const graf_search_options *opts, bool *refused)
{
	graf_search_options all;
	graf_query *q;
	graf_status_t st;
	Hits h = { 0 };

	if (!opts) {
		graf_search_options_init(&all);
		all.limit = 0;
		opts = &all;
	}
	st = graf_query_run(idx, query, opts, &q);
	ck_assert_msg(st == GRAF_STATUS_OK || st == GRAF_STATUS_BAD_QUERY,
		      "query '%.40s': status %d: %s", query, (int)st, graf_index_errmsg(idx));
	*refused = st == GRAF_STATUS_BAD_QUERY;
	if (*refused) {
		ck_assert_ptr_null(q);
		ck_assert_str_ne(graf_index_errmsg(idx), "");
		ck_assert_ptr_null(strstr(graf_index_errmsg(idx), "fts5"));
		ck_assert_ptr_null(strstr(graf_index_errmsg(idx), "SQL"));
		return h;
	}
	graf_query_free(q);
	h = search(query, opts);
	assertWellFormed(&h, opts->offset);
	return h;
}

/* A query of N words: "H20" N times, or N different words. */
static char *
longQuery(size_t n, bool distinct)
{
	char *q = malloc(n * 8 + 1), *p = q;

	ck_assert_ptr_nonnull(q);
	*q = '\0';
	for (size_t i = 0; i < n; i++)
		p += distinct ? sprintf(p, "w%04zu ", i) : sprintf(p, "H20 ");
	return q;
}

/*
 * Long queries.  1 000 words (the query language's limit) are answered: the
 * same word over and over finds what the word finds, different words find
 * nothing, in both modes.  10 000 words are answered alike or refused with
 * a message, nothing else.
 */
START_TEST(test_long_queries)
{
	static const size_t sizes[] = { 1000, 10000 };
	graf_search_options any;

	graf_search_options_init(&any);
	any.match = GRAF_MATCH_ANY;
	any.limit = 0;
	for (size_t k = 0; k < 2; k++) {
		char *same = longQuery(sizes[k], false), *distinct = longQuery(sizes[k], true);
		bool refused;
		Hits h;

		h = searchOrRefused(same, NULL, &refused);
		ck_assert(refused ? k > 0 : h.n == paragraphsWith("H20"));
		hitsFree(&h);
		h = searchOrRefused(distinct, NULL, &refused);
		ck_assert(refused ? k > 0 : h.n == 0);
		hitsFree(&h);
		h = searchOrRefused(distinct, &any, &refused);
		ck_assert(refused ? k > 0 : h.n == 0);
		hitsFree(&h);
		free(same);
		free(distinct);
	}
}
END_TEST

/* One word of 60 000 letters finds nothing; one of 100 000 is answered or
 * refused, with a message. */
START_TEST(test_long_word)
{
	size_t n = 100000;
	char *w = malloc(n + 1);
	bool refused;
	Hits h;

	ck_assert_ptr_nonnull(w);
	memset(w, 'x', n);
	w[60000] = '\0';
	h = search(w, NULL);
	ck_assert_int_eq(h.n, 0);
	hitsFree(&h);
	w[60000] = 'x';
	w[n] = '\0';
	h = searchOrRefused(w, NULL, &refused);
	ck_assert_int_eq(h.n, 0);
	hitsFree(&h);
	free(w);
}
END_TEST

/* ------------------------------------------------------------- errors -- */

/*
 * No query string reaches FTS5 as syntax it cannot run: each is answered
 * (and its hits are paragraphs of the corpus), or refused as a query
 * (GRAF_STATUS_BAD_QUERY) with a message that speaks of the query, not of
 * FTS5 or SQL.  Never another status, never a crash.  Strings with no word
 * at all are refused.
 */
START_TEST(test_hostile_queries)
{
	static const char *const no_word[] = {
		"", "   ", "\"", "-", "*", "(", ")", "^", ":", "\"\"", "''", "+", "{", "}",
		"\xe2\x80\x99", "\xe2\x80\x94", "-- ;", "*:*", "\\", "%", "_",
	};
	static const char *const others[] = {
		"U.S.", "AND", "OR", "NOT", "NEAR", "title:", "body:export", "{body}:x",
		"a\"b", "export*", "^export", "NEAR(export controls)", "export OR", "NOT export",
		"\"export", "export\"", "(export)", "title: export", "'; DROP TABLE para; --",
		"rowid", "para", "*export*", "-export", "export -controls", "100%", "a_b",
		"export AND AND controls", "((((((((((export", "export))))", "\"\"\"export\"\"\"",
		"NEAR(export controls, -1)", "title:title:title:", "export^0", "x:y:z",
	};
	graf_query *q;

	for (size_t i = 0; i < sizeof no_word / sizeof no_word[0]; i++) {
		ck_assert_msg(graf_query_run(idx, no_word[i], NULL, &q) == GRAF_STATUS_BAD_QUERY,
			      "'%s': %s", no_word[i], graf_index_errmsg(idx));
		ck_assert_ptr_null(q);
		ck_assert_ptr_nonnull(strstr(graf_index_errmsg(idx), "no word"));
	}
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		bool refused;
		Hits h = searchOrRefused(others[i], NULL, &refused);

		hitsFree(&h);
	}
	/* The index is intact afterwards. */
	{
		Hits h = search("ByteDance", NULL);

		ck_assert_int_eq(h.n, 1);
		hitsFree(&h);
	}
}
END_TEST

/* Punctuation inside a word does not split the query: "U.S." finds the
 * paragraphs that write U.S., and a stray quote around a word is harmless. */
START_TEST(test_punctuated_words)
{
	Hits h = search("U.S.", NULL);

	ck_assert_int_eq(h.n, paragraphsWith("U.S."));
	hitsFree(&h);
	h = search("\"ByteDance", NULL);
	ck_assert_int_eq(h.n, 1);
	hitsFree(&h);
	h = search("ByteDance\"", NULL);
	ck_assert_int_eq(h.n, 1);
	hitsFree(&h);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	graf_query *q;

	ck_assert_int_eq(graf_query_run(idx, "caf\xe9", NULL, &q), GRAF_STATUS_BAD_QUERY);
	ck_assert_ptr_null(q);
	ck_assert_ptr_nonnull(strstr(graf_index_errmsg(idx), "UTF-8"));
	ck_assert_int_eq(graf_query_run(idx, "\xc0\xaf", NULL, &q), GRAF_STATUS_BAD_QUERY);
}
END_TEST

START_TEST(test_bad_options)
{
	graf_search_options o;
	graf_query *q;

	graf_search_options_init(&o);
	o.limit = -1;
	ck_assert_int_eq(graf_query_run(idx, "china", &o, &q), GRAF_STATUS_BAD_ARGUMENT);
	ck_assert_ptr_null(q);
	graf_search_options_init(&o);
	o.offset = -5;
	ck_assert_int_eq(graf_query_run(idx, "china", &o, &q), GRAF_STATUS_BAD_ARGUMENT);
	graf_search_options_init(&o);
	o.unit = GRAF_UNIT_LAST;
	ck_assert_int_eq(graf_query_run(idx, "china", &o, &q), GRAF_STATUS_BAD_ARGUMENT);
	graf_search_options_init(&o);
	o.match = (graf_match_t)-1;
	ck_assert_int_eq(graf_query_run(idx, "china", &o, &q), GRAF_STATUS_BAD_ARGUMENT);
}
END_TEST

/* An interrupted query stops with GRAF_STATUS_INTERRUPTED; the next query
 * runs normally. */
START_TEST(test_interrupt_query)
{
	graf_query *q;
	Hits h;

	ck_assert_int_eq(graf_query_run(idx, "china", NULL, &q), GRAF_STATUS_OK);
	ck_assert_ptr_nonnull(graf_query_next(q));
	graf_index_interrupt(idx);
	ck_assert_ptr_null(graf_query_next(q));
	ck_assert_int_eq(graf_query_status(q), GRAF_STATUS_INTERRUPTED);
	graf_query_free(q);
	h = search("china", NULL);
	ck_assert_int_gt(h.n, 0);
	hitsFree(&h);
}
END_TEST

START_TEST(test_status_strings)
{
	for (int s = 0; s < GRAF_STATUS_LAST; s++) {
		ck_assert_ptr_nonnull(graf_status_to_string((graf_status_t)s));
		ck_assert_str_ne(graf_status_to_string((graf_status_t)s), "");
		ck_assert_str_ne(graf_status_to_string((graf_status_t)s), "unknown status");
	}
	ck_assert_str_eq(graf_status_to_string(GRAF_STATUS_LAST), "unknown status");
	ck_assert_str_eq(graf_status_to_string((graf_status_t)-1), "unknown status");
	ck_assert_str_eq(graf_version(), PACKAGE_VERSION);
}
END_TEST

/*
 * Each SQLite allocation made while opening the index and running a query
 * fails in turn: the failure is reported as GRAF_STATUS_NOMEM, never as a
 * crash, a leak (under ASan) or a silently shortened list of hits.
 */
START_TEST(test_oom_query)
{
	char *db_path = ck_printf("%s/g.db", dir);

	/* Plain, then with pseudo-relevance feedback (a second pass that
	 * reads the first one's paragraphs). */
	for (int feedback = 0; feedback < 2; feedback++) {
		graf_search_options o;
		Hits expected;
		long n;

		graf_search_options_init(&o);
		o.limit = 0;
		o.rank.feedback = feedback;
		expected = search("export controls", &o);
		ck_assert_int_gt(expected.n, 0);
		graf_index_close(idx);
		idx = NULL;
		ck_oom_install();
		for (n = 0;; n++) {
			graf_index *r = NULL;
			graf_query *q = NULL;
			const graf_hit *hit;
			char *msg = NULL;
			size_t hits = 0;
			graf_status_t st;
			bool failed;

			ck_oom_fail_at(n);
			st = graf_index_open(db_path, GRAF_OPEN_READ, NULL, &r, &msg);
			if (st == GRAF_STATUS_OK)
				st = graf_query_run(r, "export controls", &o, &q);
			if (st == GRAF_STATUS_OK) {
				while ((hit = graf_query_next(q))) {
					ck_assert_uint_lt(hits, expected.n);
					ck_assert_str_eq(hit->text, expected.v[hits].text);
					ck_assert_uint_eq(hit->n_matches, expected.v[hits].n_spans);
					hits++;
				}
				st = graf_query_status(q);
				if (st == GRAF_STATUS_OK)
					ck_assert_uint_eq(hits, expected.n);
			}
			failed = ck_oom_failed();
			ck_oom_fail_at(-1);
			ck_assert_msg(st == GRAF_STATUS_OK || st == GRAF_STATUS_NOMEM,
				      "feedback %d, allocation %ld failed: status %d (%s): %s",
				      feedback, n, (int)st, graf_status_to_string(st),
				      msg ? msg : graf_index_errmsg(r));
			graf_query_free(q);
			graf_index_close(r);
			free(msg);
			if (!failed) {
				ck_assert_int_eq(st, GRAF_STATUS_OK);
				break;
			}
		}
		ck_oom_uninstall();
		ck_assert_int_gt(n, 10);
		ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_WRITE, NULL, &idx, NULL),
				 GRAF_STATUS_OK);
		hitsFree(&expected);
	}
	free(db_path);
}
END_TEST

/* The score map (rank.c) holds what was put, and forgets it all when
 * cleared, whether it keeps its slots for the next use (well filled) or
 * frees them (mostly empty): the update reuses one map per collection. */
START_TEST(test_score_map_clear)
{
	grafi_score_map *m = grafi_score_map_new();

	ck_assert_ptr_nonnull(m);
	grafi_score_map_clear(NULL);
	grafi_score_map_clear(m);  /* empty: nothing to do */
	for (int round = 0; round < 3; round++) {
		/* round 0 fills it; round 1 leaves it mostly empty; round 2
		 * refills what round 1's clear freed */
		sqlite3_int64 n = round == 1 ? 3 : 5000;

		for (sqlite3_int64 k = 1; k <= n; k++)
			ck_assert(grafi_score_map_put(m, k * 7919 + round, (double)(k + round)));
		ck_assert_uint_eq(grafi_score_map_size(m), (size_t)n);
		for (sqlite3_int64 k = 1; k <= n; k++)
			ck_assert(grafi_score_map_get(m, k * 7919 + round) == (double)(k + round));
		ck_assert(grafi_score_map_get(m, 7919 + round + 1) == 0.0);
		grafi_score_map_clear(m);
		ck_assert_uint_eq(grafi_score_map_size(m), 0);
		for (sqlite3_int64 k = 1; k <= n; k++)
			ck_assert(grafi_score_map_get(m, k * 7919 + round) == 0.0);
	}
	grafi_score_map_free(m);
}
END_TEST

/* Scratch buffers the suite's index keeps for its queries (topk.c). */
static int
topkBuffersKept(void)
{
	int kept = 0;

	for (int i = 0; i < GRAFI_TOPK_SCRATCH; i++)
		kept += idx->topk.scratch[i] != NULL && idx->topk.scratch_size[i] > 0;
	return kept;
}

/* Preloading the index changes nothing but speed; NULL is a no-op. */
START_TEST(test_preload)
{
	Hits a = search("export controls", NULL), b;
	int kept;

	graf_index_preload(NULL);
	/* The top-k search's buffers are made for the queries to come: none
	 * is kept once the cache is released, some after the preload. */
	grafi_topk_release(idx);
	ck_assert_int_eq(topkBuffersKept(), 0);
	graf_index_preload(idx);
	kept = topkBuffersKept();
	ck_assert_int_gt(kept, 0);
	graf_index_preload(idx);  /* again: nothing new to map or make */
	ck_assert_int_eq(topkBuffersKept(), kept);
	b = search("export controls", NULL);
	ck_assert_int_gt(a.n, 0);
	assertSameHits(&a, &b);
}
END_TEST

/* The top-k search's buffers (memory.c): grown from malloc() sizes into
 * mappings of their own, the bytes in use carried over each time. */
START_TEST(test_region_grow)
{
	unsigned char *p = NULL;
	size_t size = 0, used = 0;
	bool same = true;

	for (size_t need = 100; need <= ((size_t)6 << 20); need *= 3) {
		unsigned char *np = grafi_region_reserve(p, &size, used, need, 1);

		ck_assert_ptr_nonnull(np);
		ck_assert_uint_ge(size, need);
		for (size_t i = 0; i < used; i++)
			same = same && np[i] == (unsigned char)(i * 31 + 7);
		ck_assert_msg(same, "the bytes in use were not carried over to %zu", need);
		for (size_t i = used; i < need; i++)
			np[i] = (unsigned char)(i * 31 + 7);
		p = np;
		used = need;
	}
	ck_assert_uint_gt(size, (size_t)4 << 20);
	ck_assert_ptr_eq(grafi_region_reserve(p, &size, used, 10, 1), p);  /* room enough */
	grafi_populate_read(p, used);
	/* freed with its size rounded down to whole 24-byte elements */
	grafi_region_free(p, size / 24 * 24);
	grafi_region_free(NULL, 0);
}
END_TEST

Suite *
search_suite(void)
{
	Suite *s = suite_create("search");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_set_timeout(core, CK_SLOW_TIMEOUT);
	tcase_add_test(core, test_export_controls);
	tcase_add_test(core, test_rare_earths);
	tcase_add_test(core, test_huangs_speech);
	tcase_add_test(core, test_bytedance);
	tcase_add_test(core, test_snapshot);
	tcase_add_test(core, test_headline_not_paragraph);
	tcase_add_test(core, test_stemming_agrees);
	tcase_add_test(core, test_apostrophes_same);
	tcase_add_test(core, test_spans_original_text);
	tcase_add_test(core, test_limit_offset);
	tcase_add_test(core, test_deterministic);
	tcase_add_test(core, test_topk_reuses_buffers);
	tcase_add_test(core, test_unit_article);
	tcase_add_test(core, test_headline_length_norm);
	tcase_add_test(core, test_match_any);
	tcase_add_test(core, test_match_raw);
	tcase_add_test(core, test_close_with_open_queries);
	tcase_add_test(core, test_read_handle);
	tcase_add_test(core, test_score_map_clear);
	tcase_add_test(core, test_preload);
	tcase_add_test(core, test_region_grow);
	suite_add_tcase(s, core);

	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_set_timeout(limits, CK_SLOW_TIMEOUT);
	tcase_add_test(limits, test_long_queries);
	tcase_add_test(limits, test_long_word);
	suite_add_tcase(s, limits);

	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_set_timeout(errors, CK_SLOW_TIMEOUT);
	tcase_add_test(errors, test_hostile_queries);
	tcase_add_test(errors, test_punctuated_words);
	tcase_add_test(errors, test_invalid_utf8);
	tcase_add_test(errors, test_bad_options);
	tcase_add_test(errors, test_interrupt_query);
	tcase_add_test(errors, test_status_strings);
	tcase_add_test(errors, test_oom_query);
	suite_add_tcase(s, errors);
	return s;
}
