/*
 * graf-eval - score a ranked run against relevance judgements, as trec_eval
 * does: the same measures, definitions and output layout, so that scripts
 * written for trec_eval keep working.
 *
 * Parse options, read the two files, compute, print, exit.  All the work is
 * in libgraf (graf_eval_*).
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "graf.h"

#define PROG "graf-eval"

/* Exit statuses (documented in --help and graf-eval(1)). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 2,         /* bad option, unreadable or malformed file */
};

enum {
	OPT_PER_QUERY = 'q',
	OPT_MEASURE = 'm',
	OPT_COMPLETE = 'c',
	OPT_MAX_RESULTS = 'M',
	OPT_LEVEL = 'l',
	OPT_FORMAT = 256,
};

static const char *const format_keywords[] = { "text", "json", NULL };

static const graf_option options[] = {
	{ "measure", OPT_MEASURE, "NAME[.PARAMS]",
	  "compute this measure (repeatable; default: official)", NULL },
	{ "per-query", OPT_PER_QUERY, NULL, "also print each query's values", NULL },
	{ "complete", OPT_COMPLETE, NULL,
	  "average over every query of QRELS (no results: 0)", NULL },
	{ "max-results", OPT_MAX_RESULTS, "N", "evaluate only each query's first N results", NULL },
	{ "level", OPT_LEVEL, "N", "judgements >= N are relevant (default 1)", NULL },
	{ "format", OPT_FORMAT, "FORMAT", "text (trec_eval's layout, default) or json",
	  format_keywords },
	{ NULL, 0, NULL, NULL, NULL },
};

static graf_program program = {
	.name = PROG,
	.usage = "[OPTION]... QRELS RUN",
	.summary =
		"Evaluate the ranked results in RUN against the relevance judgements in\n"
		"QRELS and print trec_eval's measures in trec_eval's layout:\n"
		"measure<TAB>query<TAB>value, with 'all' for the summary.\n"
		"QRELS lines: qid iter docno relevance.  RUN lines: qid iter docno rank\n"
		"score runid; results are ranked by score (ties: docno, descending), the\n"
		"rank column is ignored.  Either file may be '-' for standard input.",
	.options = options,
	.has_index = 0,
	.epilogue = NULL,  /* built by helpText() from the measure list */
};

typedef struct Args {
	const char **measures;
	size_t n_measures;
	graf_eval_options eval;
	int per_query;
	graf_eval_format_t format;
	bool help, version;
	char *err;
	size_t err_size;
} Args;

/* graf_cli_parse()'s callback: record one option in the Args CTX; -1 with
 * a message in a->err for a bad value. */
static int
handleOption(void *ctx, int key, const char *arg, int keyword)
{
	Args *a = ctx;

	switch (key) {
	case GRAF_OPT_HELP: a->help = true; break;
	case GRAF_OPT_VERSION: a->version = true; break;
	case OPT_PER_QUERY: a->per_query = 1; break;
	case OPT_COMPLETE: a->eval.complete = 1; break;
	case OPT_MEASURE: a->measures[a->n_measures++] = arg; break;
	case OPT_FORMAT: a->format = (graf_eval_format_t)keyword; break;
	case OPT_MAX_RESULTS:
		if (graf_cli_number(arg, 1, LONG_MAX, &a->eval.max_results) != 0) {
			snprintf(a->err, a->err_size, "invalid number of results '%s' (1 or more)",
				 arg);
			return -1;
		}
		break;
	case OPT_LEVEL:
		if (graf_cli_number(arg, 0, LONG_MAX, &a->eval.relevance_level) != 0) {
			snprintf(a->err, a->err_size, "invalid relevance level '%s' (0 or more)",
				 arg);
			return -1;
		}
		break;
	}
	return 0;
}

/* The text after the options in --help: the measures and the exit
 * statuses; malloc'ed, NULL when out of memory. */
static char *
helpText(void)
{
	const graf_eval_measure_info *m = graf_eval_measure_list();
	size_t cap = 4096, len = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	len += (size_t)snprintf(s + len, cap - len,
				"Measures (-m NAME or NAME.PARAMS; * = official, the default;\n"
				"'-m all_trec' for all, '-m official' for the default set):\n");
	for (; m->name && len < cap; m++) {
		len += (size_t)snprintf(s + len, cap - len, " %c %-22s %s\n",
					m->official ? '*' : ' ', m->name, m->summary);
		if (m->params && len < cap)
			len += (size_t)snprintf(s + len, cap - len, "   %-22s default: %s.%s\n", "",
						m->name, m->params);
	}
	if (len < cap)
		snprintf(s + len, cap - len,
			 "\nExamples:\n"
			 "  " PROG " qrels.txt run.txt\n"
			 "  " PROG " -m ndcg_cut.10 -m recall.100 -c qrels.txt run.txt\n"
			 "  " PROG " -q --format=json qrels.txt run.txt\n"
			 "\nExit status: 0 on success, 2 on an error (bad option, unreadable or\n"
			 "malformed file, a document listed twice, no query in common).\n");
	return s;
}

int
main(int argc, char **argv)
{
	Args a = { 0 };
	char err[512], *msg = NULL, *help = NULL;
	graf_eval_qrels *qrels = NULL;
	graf_eval_run *run = NULL;
	graf_eval_result *res = NULL;
	graf_status_t st;
	int first, status = EXIT_ERROR;

	graf_eval_options_init(&a.eval);
	a.err = err;
	a.err_size = sizeof err;
	a.measures = calloc((size_t)argc + 1, sizeof *a.measures);
	if (!a.measures) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_ERROR;
	}
	first = graf_cli_parse(&program, argc, argv, handleOption, &a, err, sizeof err);
	if (first < 0) {
		fprintf(stderr, PROG ": %s\nTry '" PROG " --help' for more information.\n", err);
		goto done;
	}
	if (a.help) {
		program.epilogue = help = helpText();
		graf_cli_help(&program, stdout);
		status = EXIT_OK;
		goto done;
	}
	if (a.version) {
		graf_cli_version(&program, stdout);
		status = EXIT_OK;
		goto done;
	}
	if (argc - first != 2) {
		fprintf(stderr, PROG ": %s\nUsage: " PROG " %s\n",
			argc - first < 2 ? "expected QRELS and RUN" : "too many operands",
			program.usage);
		goto done;
	}
	if (strcmp(argv[first], "-") == 0 && strcmp(argv[first + 1], "-") == 0) {
		fprintf(stderr, PROG ": QRELS and RUN cannot both be standard input\n");
		goto done;
	}
	a.eval.measures = a.measures;
	a.eval.n_measures = a.n_measures;

	st = graf_eval_qrels_read(argv[first], &qrels, &msg);
	if (st == GRAF_STATUS_OK)
		st = graf_eval_run_read(argv[first + 1], &run, &msg);
	if (st == GRAF_STATUS_OK)
		st = graf_eval_compute(qrels, run, &a.eval, &res, &msg);
	if (st != GRAF_STATUS_OK) {
		fprintf(stderr, PROG ": %s\n", msg ? msg : graf_status_to_string(st));
		goto done;
	}
	st = graf_eval_result_write(res, a.format, a.per_query, stdout);
	if (st != GRAF_STATUS_OK || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": cannot write the results\n");
		goto done;
	}
	status = EXIT_OK;
done:
	graf_eval_result_free(res);
	graf_eval_run_free(run);
	graf_eval_qrels_free(qrels);
	free(msg);
	free(help);
	free(a.measures);
	return status;
}
