/*
 * fuzz_query.c - libFuzzer target over graf's query path: the compiler
 * (lexer, parser, emitter, explain) and the full run against a small index
 * (graf_query_run, every hit, suggestions).
 *
 * The first input byte picks the options (bits 0-1: all/any/raw words,
 * bit 2: article unit, bit 3: explain, bit 4: compile only, which is many
 * times faster and lets the fuzzer explore the parser); the rest, up to a
 * NUL, is the query.
 *
 * Besides the sanitizers' findings, these are bugs, and abort():
 *   - a compiled query (not --raw) that SQLite refuses: the emitter wrote
 *     bad FTS5 (or exceeded FTS5's parser stack);
 *   - any failure other than GRAF_STATUS_BAD_QUERY for a query that is not
 *     raw; a message or warning that is not one line;
 *   - a compiled query with nothing to search, or a hit whose match spans
 *     leave its text.
 *
 * "make fuzz" builds this with clang -fsanitize=fuzzer; fuzz-replay.c runs
 * it over the seeds and the kept crashers in "make check", without
 * libFuzzer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graf-private.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The articles of the index: headlines and paragraphs with what the query
 * language has to deal with (U.S., hyphens, possessives, digits). */
static const char *const fuzz_articles[] = {
	"Nvidia Backs China's AI Surge\n\n"
	"Nvidia CEO Jensen Huang praised China's open-source AI innovations.\n\n"
	"The U.S. government agreed to lift licensing restrictions on H20 chips.\n\n"
	"Washington restricted the export of Nvidia's most powerful GPUs.\n",
	"Rare Earths and Export Controls\n\n"
	"A trade agreement involving rare earths made the deal possible.\n\n"
	"The H20 is a scaled-down version of its chips, made to comply with U.S.-China rules.\n\n"
	"The RTX Pro GPU costs $4 trillion less than 3.5 e-mail licences.\n",
	"Copper Slips as Tariff Deadline Looms\n\n"
	"Copper prices fell near 10 000 yuan; or, not and, OR NOT AND NEAR title: words.\n",
};

static graf_index *fuzz_idx;
static char fuzz_dir[] = "/tmp/graf-fuzz-XXXXXX";
static char fuzz_db[sizeof fuzz_dir + 16];

/* Report a bug in graf and stop, so that libFuzzer keeps the input. */
static void __attribute__((noreturn))
fuzzBug(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_query: %s: %s\n", what, detail ? detail : "");
	abort();
}

/* At exit: close the index and remove its temporary directory. */
static void
fuzzCleanup(void)
{
	char path[sizeof fuzz_dir + 64];

	graf_index_close(fuzz_idx);
	fuzz_idx = NULL;
	for (size_t i = 0; i < sizeof fuzz_articles / sizeof *fuzz_articles; i++) {
		snprintf(path, sizeof path, "%s/a%zu.txt", fuzz_dir, i);
		unlink(path);
	}
	for (int k = 0; k < 3; k++) {
		snprintf(path, sizeof path, "%s%s", fuzz_db, k == 0 ? "" : k == 1 ? "-wal" : "-shm");
		unlink(path);
	}
	rmdir(fuzz_dir);
}

/* Build the index in a fresh temporary directory. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *paths[1] = { fuzz_dir };
	char *err = NULL, path[sizeof fuzz_dir + 64];

	(void)argc;
	(void)argv;
	if (fuzz_idx)
		return 0;
	if (!mkdtemp(fuzz_dir))
		fuzzBug("cannot create a temporary directory", fuzz_dir);
	for (size_t i = 0; i < sizeof fuzz_articles / sizeof *fuzz_articles; i++) {
		FILE *f;

		snprintf(path, sizeof path, "%s/a%zu.txt", fuzz_dir, i);
		f = fopen(path, "w");
		if (!f || fputs(fuzz_articles[i], f) == EOF || fclose(f) != 0)
			fuzzBug("cannot write", path);
	}
	snprintf(fuzz_db, sizeof fuzz_db, "%s/graf.db", fuzz_dir);
	if (graf_index_open(fuzz_db, GRAF_OPEN_WRITE, NULL, &fuzz_idx, &err) != GRAF_STATUS_OK)
		fuzzBug("cannot create the index", err);
	if (graf_index_update(fuzz_idx, paths, 1, NULL, NULL) != GRAF_STATUS_OK)
		fuzzBug("cannot index", graf_index_errmsg(fuzz_idx));
	atexit(fuzzCleanup);
	return 0;
}

/* Abort unless S is one line. */
static void
fuzzOneLine(const char *what, const char *s)
{
	if (!s || strchr(s, '\n') || strchr(s, '\r'))
		fuzzBug(what, s ? s : "(null)");
}

/* The compiler alone: its result must be usable, its failures clean. */
static bool
fuzzCompile(const char *text, graf_match_t match)
{
	grafi_compiled_query cq;
	graf_status_t st = grafi_query_compile(fuzz_idx, text, match, &cq);

	if (st != GRAF_STATUS_OK) {
		if (st != GRAF_STATUS_BAD_QUERY)
			fuzzBug("compile failed with an unexpected status", graf_index_errmsg(fuzz_idx));
		fuzzOneLine("error message is not one line", graf_index_errmsg(fuzz_idx));
		return false;
	}
	if (!cq.match && !cq.title_match)
		fuzzBug("compiled query searches nothing", text);
	if (!cq.explain || !cq.tree)
		fuzzBug("compiled query without explanation", text);
	fuzzOneLine("tree is not one line", cq.tree);
	if (cq.n_warnings > GRAFI_QUERY_MAX_WARNINGS + 1)
		fuzzBug("too many warnings", text);
	for (size_t i = 0; i < cq.n_warnings; i++)
		fuzzOneLine("warning is not one line", cq.warnings[i]);
	for (size_t i = 0; i < cq.n_words; i++)
		if (cq.words[i].start >= cq.words[i].end || cq.words[i].end > strlen(text))
			fuzzBug("word outside the query", text);
	grafi_compiled_query_release(&cq);
	return true;
}

/* The whole path, as graf-search takes it. */
static void
fuzzRun(const char *text, const graf_search_options *opts, bool compiled)
{
	graf_query *q = NULL;
	const graf_hit *hit;
	graf_status_t st = graf_query_run(fuzz_idx, text, opts, &q);
	long hits = 0;
	char *better = NULL;

	if (st != GRAF_STATUS_OK) {
		if (st != GRAF_STATUS_BAD_QUERY || (compiled && opts->match != GRAF_MATCH_RAW))
			fuzzBug("query failed", graf_index_errmsg(fuzz_idx));
		fuzzOneLine("error message is not one line", graf_index_errmsg(fuzz_idx));
		return;
	}
	if (!compiled && opts->match != GRAF_MATCH_RAW)
		fuzzBug("query ran though it did not compile", text);
	if (opts->explain && !graf_query_explain(q))
		fuzzBug("no explanation", text);
	while ((hit = graf_query_next(q))) {
		hits++;
		for (size_t i = 0; i < hit->n_matches; i++)
			if (hit->matches[i].start > hit->matches[i].end ||
			    hit->matches[i].end > hit->text_len)
				fuzzBug("match outside the paragraph", text);
	}
	st = graf_query_status(q);
	if (st != GRAF_STATUS_OK && (st != GRAF_STATUS_BAD_QUERY || opts->match != GRAF_MATCH_RAW))
		fuzzBug("reading the hits failed", graf_index_errmsg(fuzz_idx));
	if (hits == 0) {
		if (graf_query_suggest(q, &better) != GRAF_STATUS_OK)
			fuzzBug("suggestions failed", graf_index_errmsg(fuzz_idx));
		free(better);
	}
	graf_query_free(q);
}

/* One input: options byte, then the query (see the file comment). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	graf_search_options opts;
	char *text;
	bool compiled;

	if (size == 0)
		return 0;
	if (!fuzz_idx)
		LLVMFuzzerInitialize(NULL, NULL);
	text = malloc(size);
	if (!text)
		return 0;
	/* A query is a C string: it ends at the first NUL. */
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	graf_search_options_init(&opts);
	opts.limit = 20;
	opts.match = (graf_match_t)(data[0] & 3) % GRAF_MATCH_LAST;
	opts.unit = data[0] & 4 ? GRAF_UNIT_ARTICLE : GRAF_UNIT_PARAGRAPH;
	opts.explain = (data[0] & 8) != 0;

	compiled = fuzzCompile(text, opts.match);
	if (!(data[0] & 16))
		fuzzRun(text, &opts, compiled);
	free(text);
	return 0;
}
