/*
 * graf-search - search a graf index for the paragraphs that answer a query.
 *
 * Parse options, open the index once, run one query (from the command line)
 * or many (--queries FILE), write each hit through the chosen output format,
 * exit with grep's statuses.  All the work is in libgraf.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graf.h"

#define PROG "graf-search"

/* Exit statuses, as grep's (documented in --help and graf-search(1)). */
enum {
	EXIT_MATCH = 0,
	EXIT_NO_MATCH = 1,
	EXIT_ERROR = 2,
};

enum {
	OPT_CONTEXT = 'C',
	OPT_LIMIT = 'n',
	OPT_QUERIES = 'q',
	OPT_COLOR = 256,
	OPT_ANY,
	OPT_RAW,
	OPT_FORMAT,
	OPT_UNIT,
	OPT_COUNT,
	OPT_OFFSET,
	OPT_RUN_TAG,
	OPT_TOPIC_FIELD,
	OPT_K1,
	OPT_B,
	OPT_TITLE_WEIGHT,
	OPT_PROXIMITY,
	OPT_PHRASE_BOOST,
	OPT_FEEDBACK,
	OPT_NO_FEEDBACK,
	OPT_FB_DOCS,
	OPT_FB_TERMS,
	OPT_FB_WEIGHT,
	OPT_EXPLAIN,
	OPT_EXHAUSTIVE,
};

enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
static const char *const color_keywords[] = { "auto", "always", "never", NULL };
/* In the order of graf_format_t and graf_unit_t. */
static const char *const format_keywords[] = { "text", "json", "tsv", "trec", NULL };
static const char *const unit_keywords[] = { "paragraph", "article", NULL };
static const char *const topic_keywords[] = { "title", "desc", NULL };

static const graf_option options[] = {
	{ "limit", OPT_LIMIT, "N", "show at most N hits per query (default 10; 0: all)", NULL },
	{ "offset", OPT_OFFSET, "N", "skip the first N hits (paging)", NULL },
	{ "any", OPT_ANY, NULL, "any word may match (ranked), instead of all words", NULL },
	{ "raw", OPT_RAW, NULL, "pass the query to FTS5 as is (FTS5 query syntax)", NULL },
	{ "unit", OPT_UNIT, "UNIT",
	  "paragraph (default), or article: each article once, by its best paragraph",
	  unit_keywords },
	{ "context", OPT_CONTEXT, "N", "also show N paragraphs before and after each hit", NULL },
	{ "count", OPT_COUNT, NULL, "print only the number of matching paragraphs (or articles)",
	  NULL },
	{ "format", OPT_FORMAT, "FORMAT", "text (default), json (JSON Lines), tsv, or trec",
	  format_keywords },
	{ "queries", OPT_QUERIES, "FILE",
	  "run every query of FILE ('-': stdin): QID<TAB>QUERY lines, plain lines\n"
	  "                            (qid: line number) or TREC topics", NULL },
	{ "topic-field", OPT_TOPIC_FIELD, "FIELD",
	  "the query of a TREC topic file: title (default) or desc", topic_keywords },
	{ "run-tag", OPT_RUN_TAG, "TAG", "the run tag of --format trec (default: graf)", NULL },
	{ "explain", OPT_EXPLAIN, NULL, "show how the query was read, then the results", NULL },
	{ "color", OPT_COLOR, "WHEN", "highlight matches: auto (on a terminal), always, never",
	  color_keywords },
	{ "k1", OPT_K1, "X", "ranking: BM25 k1, term-frequency saturation", NULL },
	{ "b", OPT_B, "X", "ranking: BM25 b, length normalisation (0..1)", NULL },
	{ "title-weight", OPT_TITLE_WEIGHT, "X", "ranking: weight of the headline (0: off)", NULL },
	{ "proximity", OPT_PROXIMITY, "X", "ranking: weight of query words close together (0: off)",
	  NULL },
	{ "phrase-boost", OPT_PHRASE_BOOST, "X",
	  "ranking: extra for query words adjacent in query order", NULL },
	{ "feedback", OPT_FEEDBACK, NULL,
	  "expand queries with words of their best paragraphs (default with --queries)", NULL },
	{ "no-feedback", OPT_NO_FEEDBACK, NULL, "no feedback (default for a single query)", NULL },
	{ "fb-docs", OPT_FB_DOCS, "N", "feedback: paragraphs to read (default 10)", NULL },
	{ "fb-terms", OPT_FB_TERMS, "N", "feedback: words to add (default 20)", NULL },
	{ "fb-weight", OPT_FB_WEIGHT, "X", "feedback: weight of the added words, 0..1 (default 0.35)",
	  NULL },
	{ "exhaustive", OPT_EXHAUSTIVE, NULL,
	  "score every match instead of the top-k search (same results, slower; for tests)",
	  NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const graf_program program = {
	.name = PROG,
	.usage = "[OPTION]... QUERY...\n   or: " PROG " [OPTION]... --queries FILE",
	.summary =
		"Search a graf index for the paragraphs that contain every word of QUERY,\n"
		"best first (BM25), with the article headline, file:paragraph and score.\n"
		"Words are matched by their stems: 'controls' finds 'control'.\n"
		"\n"
		"Query language (doc/query-language.md):\n"
		"  word word       both words (AND)         a OR b      either word\n"
		"  \"a phrase\"      the words in order       -word       paragraphs without it\n"
		"  licen*          words starting so        ( ... )     group\n"
		"  NEAR(a b, 5)    within 5 words           a NEAR/5 b  the same\n"
		"  title:word      articles whose headline has the word; title:(a OR b)\n"
		"  OR binds tighter than AND: 'chips China OR Beijing' is chips AND (China\n"
		"  OR Beijing).  Lower-case and/or/not are words.  U.S., open-source, 3.5\n"
		"  are phrases of their parts.  Anything else is read as words; what had to\n"
		"  be dropped is reported as a warning.",
	.options = options,
	.has_index = 1,
	.epilogue =
		"Output formats: text for people; json: one JSON object per hit (query, qid,\n"
		"rank, score, article, path, title, paragraph, text, matches); tsv: [qid]\n"
		"rank score article paragraph title text, with \\\\ \\t \\n \\r escaped; trec:\n"
		"qid Q0 docid rank score tag.  Ties in score are broken by the order of\n"
		"the index (article, then paragraph), so output is reproducible.\n"
		"\n"
		"Examples:\n"
		"  " PROG " export controls\n"
		"  " PROG " -n 3 --color=always \"rare earths\" | less -R\n"
		"  " PROG " -- chips China -H20     (after '--', -words are not options)\n"
		"  " PROG " 'title:nvidia licen*'\n"
		"  " PROG " --format json --unit article nvidia | jq .title\n"
		"  " PROG " --queries topics.tsv --format trec --limit 1000 > run.txt\n"
		"\n"
		"When nothing matches, close indexed words are suggested on stderr.\n"
		"Exit status: 0 if a paragraph matched (with --queries: if any query\n"
		"matched), 1 if none did, 2 on an error (bad option, missing or unreadable\n"
		"index, a query with no word to search for or only exclusions, invalid\n"
		"UTF-8, a query over the limits).\n",
};

typedef struct Args {
	const char *index;
	const char *queries;         /* --queries FILE, or NULL */
	graf_search_options search;
	graf_output_options output;
	graf_format_t format;
	graf_topic_field_t topic_field;
	int color;
	bool count, help, version;
	int feedback;                /* -1: the default for the mode */
	char *err;
	size_t err_size;
} Args;

/* One run: the open index and writer, and what happened so far. */
typedef struct Run {
	const Args *args;
	graf_index *idx;
	graf_output *out;
	long matched;                /* queries with at least one match */
	long failed;                 /* queries that could not be run */
	long warnings;               /* about the text of batch queries */
} Run;

/* ARG as a whole number MIN..MAX into *OUT; -1 with a message naming WHAT. */
static int
handleRange(Args *a, const char *arg, const char *what, long min, long max, long *out)
{
	if (graf_cli_number(arg, min, max, out) == 0)
		return 0;
	snprintf(a->err, a->err_size, "invalid %s '%s' (a whole number from %ld to %ld)", what,
		 arg, min, max);
	return -1;
}

static int
handleNumber(Args *a, const char *arg, const char *what, long max, long *out)
{
	return handleRange(a, arg, what, 0, max, out);
}

static int
handleReal(Args *a, const char *arg, const char *what, double max, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end != arg && !*end && v >= 0 && v <= max) {
		*out = v;
		return 0;
	}
	snprintf(a->err, a->err_size, "invalid %s '%s' (a number from 0 to %g)", what, arg, max);
	return -1;
}

static int
handleOption(void *ctx, int key, const char *arg, int keyword)
{
	Args *a = ctx;

	switch (key) {
	case GRAF_OPT_INDEX: a->index = arg; break;
	case GRAF_OPT_HELP: a->help = true; break;
	case GRAF_OPT_VERSION: a->version = true; break;
	case OPT_LIMIT: return handleNumber(a, arg, "limit", 1000000000, &a->search.limit);
	case OPT_OFFSET: return handleNumber(a, arg, "offset", 1000000000, &a->search.offset);
	case OPT_CONTEXT: return handleNumber(a, arg, "context", 1000, &a->search.context);
	case OPT_ANY: a->search.match = GRAF_MATCH_ANY; break;
	case OPT_RAW: a->search.match = GRAF_MATCH_RAW; break;
	case OPT_UNIT: a->search.unit = (graf_unit_t)keyword; break;
	case OPT_FORMAT: a->format = (graf_format_t)keyword; break;
	case OPT_COUNT: a->count = true; break;
	case OPT_QUERIES: a->queries = arg; break;
	case OPT_RUN_TAG: a->output.run_tag = arg; break;
	case OPT_TOPIC_FIELD: a->topic_field = (graf_topic_field_t)keyword; break;
	case OPT_K1: return handleReal(a, arg, "--k1", 100, &a->search.rank.k1);
	case OPT_B: return handleReal(a, arg, "--b", 1, &a->search.rank.b);
	case OPT_TITLE_WEIGHT:
		return handleReal(a, arg, "--title-weight", 1000, &a->search.rank.title_weight);
	case OPT_PROXIMITY: return handleReal(a, arg, "--proximity", 1000, &a->search.rank.proximity);
	case OPT_FEEDBACK: a->feedback = 1; break;
	case OPT_EXHAUSTIVE: a->search.exhaustive = 1; break;
	case OPT_NO_FEEDBACK: a->feedback = 0; break;
	case OPT_FB_DOCS: {
		long v;
		if (handleRange(a, arg, "--fb-docs", 1, 100, &v))
			return -1;
		a->search.rank.fb_docs = (int)v;
		break;
	}
	case OPT_FB_TERMS: {
		long v;
		if (handleRange(a, arg, "--fb-terms", 1, 1000, &v))
			return -1;
		a->search.rank.fb_terms = (int)v;
		break;
	}
	case OPT_FB_WEIGHT: return handleReal(a, arg, "--fb-weight", 1, &a->search.rank.fb_weight);
	case OPT_PHRASE_BOOST:
		return handleReal(a, arg, "--phrase-boost", 1000, &a->search.rank.phrase_boost);
	case OPT_EXPLAIN: a->search.explain = 1; break;
	case OPT_COLOR: a->color = keyword; break;
	}
	return 0;
}

/* Join the operands into one query string; malloc'ed. */
static char *
joinWords(char **words, int n)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (int i = 0; i < n; i++) {
		size_t k = strlen(words[i]);

		if (i)
			*p++ = ' ';
		memcpy(p, words[i], k);
		p += k;
	}
	*p = '\0';
	return s;
}

/* After a query that found nothing: "did you mean", on stderr.  A failure
 * here is only a warning: the search itself went fine. */
static void
suggestWords(graf_index *idx, graf_query *q)
{
	char *better = NULL;

	if (graf_query_suggest(q, &better) != GRAF_STATUS_OK)
		fprintf(stderr, PROG ": warning: no suggestions: %s\n", graf_index_errmsg(idx));
	else if (better)
		fprintf(stderr, PROG ": no match; did you mean: %s\n", better);
	free(better);
}

/*
 * Run one query and write its results.
 * @retval EXIT_MATCH, EXIT_NO_MATCH, or EXIT_ERROR (message printed)
 */
static int
runQuery(Run *run, const char *qid, const char *text)
{
	const Args *a = run->args;
	graf_query *q = NULL;
	const graf_hit *hit;
	long hits = 0;

	if (a->count) {
		if (graf_query_count(run->idx, text, &a->search, &hits) != GRAF_STATUS_OK)
			goto fail;
		graf_output_begin(run->out, text, qid);
		graf_output_count(run->out, hits);
		graf_output_end(run->out);
		return hits > 0 ? EXIT_MATCH : EXIT_NO_MATCH;
	}
	if (graf_query_run(run->idx, text, &a->search, &q) != GRAF_STATUS_OK)
		goto fail;
	/* A person sees what was made of the query; a batch of natural-
	 * language queries would drown in "'.' ignored": count them instead. */
	if (qid)
		run->warnings += (long)graf_query_warning_count(q);
	else
		for (size_t i = 0; i < graf_query_warning_count(q); i++)
			fprintf(stderr, PROG ": warning: %s\n", graf_query_warning(q, i));
	/* The explanation is for a person: beside text output on stdout,
	 * but on stderr when stdout is a format a program parses. */
	if (graf_query_explain(q))
		fprintf(a->format == GRAF_FORMAT_TEXT ? stdout : stderr, "%s\n",
			graf_query_explain(q));
	graf_output_begin(run->out, text, qid);
	while ((hit = graf_query_next(q))) {
		graf_output_hit(run->out, hit);
		hits++;
	}
	graf_output_end(run->out);
	if (graf_query_status(q) != GRAF_STATUS_OK)
		goto fail;
	/* Suggestions help a person at a prompt, not a batch run. */
	if (hits == 0 && !qid)
		suggestWords(run->idx, q);
	graf_query_free(q);
	return hits > 0 ? EXIT_MATCH : EXIT_NO_MATCH;

fail:
	if (qid)
		fprintf(stderr, PROG ": query %s: %s\n", qid, graf_index_errmsg(run->idx));
	else
		fprintf(stderr, PROG ": %s\n", graf_index_errmsg(run->idx));
	graf_query_free(q);
	return EXIT_ERROR;
}

/*
 * Run every query of the file NAME ("-": stdin).
 * @retval EXIT_MATCH if any query matched, EXIT_NO_MATCH if none did,
 *         EXIT_ERROR if the file cannot be read or no query could be run
 */
static int
runQueryFile(Run *run, const char *name)
{
	graf_query_file *f;
	const char *qid, *text;
	char *msg = NULL;
	long queries = 0;

	if (graf_query_file_open(name, run->args->topic_field, &f, &msg) != GRAF_STATUS_OK) {
		fprintf(stderr, PROG ": %s\n", msg ? msg : "out of memory");
		free(msg);
		return EXIT_ERROR;
	}
	while (graf_query_file_next(f, &qid, &text)) {
		queries++;
		switch (runQuery(run, qid, text)) {
		case EXIT_MATCH: run->matched++; break;
		case EXIT_ERROR: run->failed++; break;
		}
	}
	graf_query_file_close(f);
	if (run->warnings > 0)
		fprintf(stderr, PROG ": %ld warnings about the text of the queries (punctuation "
			"ignored, operators reread); run one alone to see them\n", run->warnings);
	if (queries > 0 && run->failed == queries)
		return EXIT_ERROR;
	return run->matched > 0 ? EXIT_MATCH : EXIT_NO_MATCH;
}

int
main(int argc, char **argv)
{
	Args a = { 0 };
	Run run = { &a, NULL, NULL, 0, 0, 0 };
	char err[512], *msg = NULL, *query = NULL;
	int first, status = EXIT_ERROR;

	graf_cli_prepare_reader();
	graf_search_options_init(&a.search);
	a.feedback = -1;
	a.err = err;
	a.err_size = sizeof err;
	first = graf_cli_parse(&program, argc, argv, handleOption, &a, err, sizeof err);
	if (first < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		/* "graf-search H20 -RTX": the exclusion looks like an option. */
		if (strncmp(err, "unknown option '-", 17) == 0 && err[17] != '-')
			fprintf(stderr, PROG ": to exclude words, put '--' before the query: "
				PROG " -- H20 -RTX\n");
		fprintf(stderr, "Try '" PROG " --help' for more information.\n");
		return EXIT_ERROR;
	}
	if (a.help) {
		graf_cli_help(&program, stdout);
		return EXIT_MATCH;
	}
	if (a.version) {
		graf_cli_version(&program, stdout);
		return EXIT_MATCH;
	}
	if (a.queries && first < argc) {
		fprintf(stderr, PROG ": give either a QUERY or --queries FILE, not both\n");
		return EXIT_ERROR;
	}
	if (!a.queries && first >= argc) {
		fprintf(stderr, PROG ": no query given\nTry '" PROG " --help' for more information.\n");
		return EXIT_ERROR;
	}
	if (!a.index)
		a.index = graf_cli_default_index();
	/* People expect to see what they typed; batch runs rank better with
	 * feedback (doc/ranking.md has the figures). */
	a.search.rank.feedback = a.feedback >= 0 ? a.feedback : a.queries != NULL;
	if (!a.queries && !(query = joinWords(argv + first, argc - first))) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_ERROR;
	}

	if (graf_index_open(a.index, GRAF_OPEN_READ, NULL, &run.idx, &msg) != GRAF_STATUS_OK) {
		fprintf(stderr, PROG ": %s\n", msg);
		goto done;
	}
	a.output.color = a.format == GRAF_FORMAT_TEXT &&
			 (a.color == COLOR_ALWAYS || (a.color == COLOR_AUTO && isatty(STDOUT_FILENO)));
	a.output.show_score = 1;
	a.output.unit = a.search.unit;
	a.output.count_only = a.count;
	/* A run prints ids and scores only: skip the per-hit text lookups. */
	if (a.format == GRAF_FORMAT_TREC)
		a.search.fields = 0;
	run.out = graf_output_new(a.format, stdout, &a.output);
	if (!run.out) {
		fprintf(stderr, PROG ": out of memory\n");
		goto done;
	}
	/* A batch pays once to map the index rather than a page fault at a
	 * time inside its queries; one query would only pay more. */
	if (a.queries)
		graf_index_preload(run.idx);
	status = a.queries ? runQueryFile(&run, a.queries) : runQuery(&run, NULL, query);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": cannot write the results: %s\n", strerror(errno));
		status = EXIT_ERROR;
	}
done:
	graf_output_free(run.out);
	graf_index_close(run.idx);
	free(msg);
	free(query);
	return status;
}
