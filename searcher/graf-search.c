/*
 * graf-search - search a graf index for the paragraphs that answer a query.
 *
 * Parse options, open the index, run the query, print the hits, exit with
 * grep's statuses.  All the work is in libgraf.
 */
#include "config.h"

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
	OPT_LIMIT = 'n',
	OPT_COLOR = 256,
	OPT_ANY,
	OPT_RAW,
	OPT_EXPLAIN,
};

enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
static const char *const color_keywords[] = { "auto", "always", "never", NULL };

static const graf_option options[] = {
	{ "limit", OPT_LIMIT, "N", "show at most N hits (default 10; 0: all)", NULL },
	{ "any", OPT_ANY, NULL, "any word may match (ranked), instead of all words", NULL },
	{ "raw", OPT_RAW, NULL, "pass the query to FTS5 as is (FTS5 query syntax)", NULL },
	{ "explain", OPT_EXPLAIN, NULL, "show how the query was read, then the results", NULL },
	{ "color", OPT_COLOR, "WHEN", "highlight matches: auto (on a terminal), always, never",
	  color_keywords },
	{ NULL, 0, NULL, NULL, NULL },
};

static const graf_program program = {
	.name = PROG,
	.usage = "[OPTION]... QUERY...",
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
		"Examples:\n"
		"  " PROG " export controls\n"
		"  " PROG " -n 3 --color=always \"rare earths\" | less -R\n"
		"  " PROG " -- chips China -H20     (after '--', -words are not options)\n"
		"  " PROG " 'title:nvidia licen*'\n"
		"\n"
		"When nothing matches, close indexed words are suggested on stderr.\n"
		"Exit status: 0 if a paragraph matched, 1 if none did, 2 on an error\n"
		"(bad option, missing or unreadable index, a query with no word to\n"
		"search for or only exclusions, invalid UTF-8, a query over the limits).\n",
};

typedef struct Args {
	const char *index;
	graf_search_options search;
	int color;
	bool help, version;
	char *err;
	size_t err_size;
} Args;

static int
handleOption(void *ctx, int key, const char *arg, int keyword)
{
	Args *a = ctx;

	switch (key) {
	case GRAF_OPT_INDEX: a->index = arg; break;
	case GRAF_OPT_HELP: a->help = true; break;
	case GRAF_OPT_VERSION: a->version = true; break;
	case OPT_LIMIT:
		if (graf_cli_number(arg, 0, 1000000000, &a->search.limit) != 0) {
			snprintf(a->err, a->err_size, "invalid limit '%s' (a number, 0 for all)", arg);
			return -1;
		}
		break;
	case OPT_ANY: a->search.match = GRAF_MATCH_ANY; break;
	case OPT_RAW: a->search.match = GRAF_MATCH_RAW; break;
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

int
main(int argc, char **argv)
{
	Args a = { 0 };
	char err[512], *msg = NULL, *query = NULL;
	graf_output_options oo = { 0 };
	graf_output *out = NULL;
	graf_index *idx = NULL;
	graf_query *q = NULL;
	const graf_hit *hit;
	graf_status_t st;
	long hits = 0;
	int first, status = EXIT_ERROR;

	graf_search_options_init(&a.search);
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
	if (first >= argc) {
		fprintf(stderr, PROG ": no query given\nUsage: " PROG " %s\n", program.usage);
		return EXIT_ERROR;
	}
	if (!a.index)
		a.index = graf_cli_default_index();
	query = joinWords(argv + first, argc - first);
	if (!query) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_ERROR;
	}

	st = graf_index_open(a.index, GRAF_OPEN_READ, NULL, &idx, &msg);
	if (st != GRAF_STATUS_OK) {
		fprintf(stderr, PROG ": %s\n", msg);
		goto done;
	}
	oo.color = a.color == COLOR_ALWAYS || (a.color == COLOR_AUTO && isatty(STDOUT_FILENO));
	oo.show_score = 1;
	out = graf_output_new(GRAF_FORMAT_TEXT, stdout, &oo);
	if (!out) {
		fprintf(stderr, PROG ": out of memory\n");
		goto done;
	}
	st = graf_query_run(idx, query, &a.search, &q);
	if (st != GRAF_STATUS_OK) {
		fprintf(stderr, PROG ": %s\n", graf_index_errmsg(idx));
		goto done;
	}
	for (size_t i = 0; i < graf_query_warning_count(q); i++)
		fprintf(stderr, PROG ": warning: %s\n", graf_query_warning(q, i));
	if (graf_query_explain(q))
		printf("%s\n", graf_query_explain(q));
	graf_output_begin(out, query, NULL);
	while ((hit = graf_query_next(q))) {
		graf_output_hit(out, hit);
		hits++;
	}
	graf_output_end(out);
	if (graf_query_status(q) != GRAF_STATUS_OK) {
		fprintf(stderr, PROG ": %s\n", graf_index_errmsg(idx));
		goto done;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": cannot write the results\n");
		goto done;
	}
	status = hits > 0 ? EXIT_MATCH : EXIT_NO_MATCH;
	if (hits == 0)
		suggestWords(idx, q);
done:
	graf_query_free(q);
	graf_output_free(out);
	graf_index_close(idx);
	free(msg);
	free(query);
	return status;
}
