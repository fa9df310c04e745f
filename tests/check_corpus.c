/*
 * check_corpus.c - the article reader (lib/corpus.c, lib/text.c):
 * grafi_article_parse() on byte strings and on the real files of corpus/ and
 * tests/data/, grafi_read_text()'s warnings, and the UTF-8 and Windows-1252
 * helpers.
 *
 * Expectations for the corpus files are derived from the files themselves
 * (their non-blank lines), not copied from graf's output.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graf-private.h"
#include "check_graf.h"

/* Parse the string S, which must succeed; release with grafi_article_release(). */
static grafi_article
parseOk(const char *s)
{
	grafi_article a;

	ck_assert_int_eq(grafi_article_parse(s, strlen(s), &a), GRAFI_READ_OK);
	return a;
}

/* Assert that A has headline TITLE and exactly the N paragraphs PARAS. */
static void
assertArticle(const grafi_article *a, const char *title, const char *const *paras, size_t n)
{
	ck_assert_str_eq(a->title, title);
	ck_assert_msg(a->n_paragraphs == n, "%zu paragraphs, expected %zu", a->n_paragraphs, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(a->paragraphs[i], paras[i]);
}

/* The non-blank lines of TEXT, trimmed of white space (CR included), as a
 * malloc'ed array of malloc'ed strings. */
static char **
nonBlankLines(const char *text, size_t *n_out)
{
	char **v = NULL;
	size_t n = 0;

	while (*text) {
		const char *end = strchr(text, '\n'), *s = text, *e;

		if (!end)
			end = text + strlen(text);
		e = end;
		while (s < e && strchr(" \t\r", *s))
			s++;
		while (e > s && strchr(" \t\r", e[-1]))
			e--;
		if (e > s) {
			v = realloc(v, (n + 1) * sizeof *v);
			ck_assert_ptr_nonnull(v);
			v[n] = strndup(s, (size_t)(e - s));
			ck_assert_ptr_nonnull(v[n]);
			n++;
		}
		text = *end ? end + 1 : end;
	}
	*n_out = n;
	return v;
}

static void
freeLines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Read corpus/NAME or tests/data/NAME (REL) and parse it. */
static grafi_read_result_t
parseFile(const char *rel, grafi_article *a, char **data_out)
{
	char *path = ck_srcpath(rel);
	size_t len;
	char *data = ck_read_file(path, &len);
	grafi_read_result_t rc = grafi_article_parse(data, len, a);

	free(path);
	if (data_out)
		*data_out = data;
	else
		free(data);
	return rc;
}

/* --------------------------------------------------------------- core -- */

/* The file with a "News" label and one paragraph per line. */
START_TEST(test_corpus_label_lines)
{
	grafi_article a;
	char *data;
	char **lines;
	size_t n;

	ck_assert_int_eq(parseFile("corpus/" CK_CORPUS_LINES, &a, &data), GRAFI_READ_OK);
	lines = nonBlankLines(data, &n);
	ck_assert_int_gt(n, 10);
	ck_assert_str_eq(lines[0], "News");
	/* The issue names this headline; the label is neither title nor text. */
	ck_assert_str_eq(a.title, "Nvidia Backs China\xe2\x80\x99s AI Surge, Sparks Global Tech Rally");
	ck_assert_str_eq(a.title, lines[1]);
	ck_assert(!a.from_cp1252);
	ck_assert_int_eq(a.n_paragraphs, n - 2);
	for (size_t i = 0; i < a.n_paragraphs; i++) {
		ck_assert_str_eq(a.paragraphs[i], lines[i + 2]);
		ck_assert_str_ne(a.paragraphs[i], "News");
	}
	freeLines(lines, n);
	free(data);
	grafi_article_release(&a);
}
END_TEST

/* The file whose paragraphs are separated by blank lines. */
START_TEST(test_corpus_blocks)
{
	grafi_article a;
	char *data;
	char **lines;
	size_t n;

	ck_assert_int_eq(parseFile("corpus/" CK_CORPUS_BLOCKS, &a, &data), GRAFI_READ_OK);
	/* Every block of this file is one line (no line break is followed by
	 * text), so its paragraphs are its non-blank lines after the headline. */
	for (const char *p = strchr(data, '\n'); p; p = strchr(p + 1, '\n'))
		ck_assert(p[1] == '\n' || p[1] == '\0' || p[-1] == '\n');
	lines = nonBlankLines(data, &n);
	ck_assert_str_eq(a.title, lines[0]);
	ck_assert_str_eq(a.title,
			 "Nvidia CEO Praises China\xe2\x80\x99s AI Talent, Confirms H20 Chip Sales to Resume");
	ck_assert_int_eq(a.n_paragraphs, n - 1);
	for (size_t i = 0; i < a.n_paragraphs; i++)
		ck_assert_str_eq(a.paragraphs[i], lines[i + 1]);
	ck_assert(strstr(a.paragraphs[1], "rare earth exports and export controls") != NULL);
	freeLines(lines, n);
	free(data);
	grafi_article_release(&a);
}
END_TEST

START_TEST(test_blank_line_blocks)
{
	static const char *const want[] = { "First line of one paragraph, second line.",
					    "Another paragraph." };
	grafi_article a = parseOk("The Headline\n\nFirst line of one paragraph,\n  second line.  \n"
				  "\n\n\nAnother paragraph.\n\n");

	assertArticle(&a, "The Headline", want, 2);
	grafi_article_release(&a);
}
END_TEST

/* No blank line between paragraphs: each line is one. */
START_TEST(test_one_per_line)
{
	static const char *const want[] = { "One.", "Two.", "Three." };
	grafi_article a = parseOk("Headline\nOne.\nTwo.\nThree.");

	assertArticle(&a, "Headline", want, 3);
	grafi_article_release(&a);
	/* A blank line after the headline only does not make blocks. */
	a = parseOk("Headline\n\nOne.\nTwo.\nThree.\n\n");
	assertArticle(&a, "Headline", want, 3);
	grafi_article_release(&a);
}
END_TEST

/* A lone section label before the headline is dropped. */
START_TEST(test_section_label)
{
	static const char *const want[] = { "Body one.", "Body two." };
	grafi_article a = parseOk("\n\nWorld news\nThe Real Headline Here\n\nBody one.\nBody two.\n");

	assertArticle(&a, "The Real Headline Here", want, 2);
	grafi_article_release(&a);
}
END_TEST

/* A sentence is not a label, and neither is a first line followed by text
 * that is not a headline on its own. */
START_TEST(test_not_a_label)
{
	static const char *const want1[] = { "Second line.", "Third line." };
	static const char *const want2[] = { "Body." };
	grafi_article a = parseOk("Short\nSecond line.\nThird line.\n");

	assertArticle(&a, "Short", want1, 2);
	grafi_article_release(&a);
	a = parseOk("He said no.\nHeadline\n\nBody.\n");
	ck_assert_str_eq(a.title, "He said no.");
	grafi_article_release(&a);
	a = parseOk("Only headline and body\n\nBody.\n");
	assertArticle(&a, "Only headline and body", want2, 1);
	grafi_article_release(&a);
}
END_TEST

/* A file that is only a headline can still be found: the headline is its
 * one paragraph too. */
START_TEST(test_title_only)
{
	static const char *const want[] = { "Just a headline" };
	grafi_article a = parseOk("  Just a headline  \n\n");

	assertArticle(&a, "Just a headline", want, 1);
	grafi_article_release(&a);
}
END_TEST

START_TEST(test_crlf)
{
	static const char *const want[] = { "First paragraph, line one line two.",
					    "Second paragraph with a caf\xc3\xa9." };
	grafi_article a;
	grafi_article lf;

	ck_assert_int_eq(parseFile("tests/data/crlf.txt", &a, NULL), GRAFI_READ_OK);
	assertArticle(&a, "CRLF headline", want, 2);
	for (size_t i = 0; i < a.n_paragraphs; i++)
		ck_assert_ptr_null(strchr(a.paragraphs[i], '\r'));
	grafi_article_release(&a);
	/* CRLF, LF and lone CR give the same article. */
	a = parseOk("H\r\n\r\nP one\r\nwrapped.\r\n\r\nP two.\r\n");
	lf = parseOk("H\n\nP one\nwrapped.\n\nP two.\n");
	assertArticle(&a, lf.title, lf.paragraphs, lf.n_paragraphs);
	grafi_article_release(&a);
	a = parseOk("H\r\rP one\rwrapped.\r\rP two.\r");
	assertArticle(&a, lf.title, lf.paragraphs, lf.n_paragraphs);
	grafi_article_release(&a);
	grafi_article_release(&lf);
}
END_TEST

START_TEST(test_bom)
{
	static const char *const want[] = { "The only paragraph, after a byte-order mark." };
	grafi_article a;

	ck_assert_int_eq(parseFile("tests/data/bom.txt", &a, NULL), GRAFI_READ_OK);
	assertArticle(&a, "BOM headline", want, 1);
	ck_assert(!a.from_cp1252);
	grafi_article_release(&a);
	/* The BOM is not white space that hides a label either. */
	a = parseOk("\xef\xbb\xbfNews\nHeadline\n\nText.\n");
	ck_assert_str_eq(a.title, "Headline");
	grafi_article_release(&a);
}
END_TEST

START_TEST(test_cp1252)
{
	static const char *const want[] = {
		"The \xe2\x80\x9c" "caf\xc3\xa9\xe2\x80\x9d now costs \xe2\x82\xac" "3 \xe2\x80\x93 "
		"na\xc3\xafve customers pay."
	};
	grafi_article a;

	ck_assert_int_eq(parseFile("tests/data/cp1252.txt", &a, NULL), GRAFI_READ_OK);
	ck_assert(a.from_cp1252);
	assertArticle(&a, "Caf\xc3\xa9 prices rise", want, 1);
	ck_assert(grafi_utf8_valid(a.paragraphs[0], strlen(a.paragraphs[0])));
	grafi_article_release(&a);
}
END_TEST

/* A real BBC article in Windows-1252 ("£15.8m"), when the shared data set is
 * there. */
START_TEST(test_cp1252_bbc)
{
	const char *shared = getenv("GRAF_SHARED");
	char *path;
	char *data;
	size_t len;
	grafi_article a;
	bool found = false;

	if (!shared || !*shared)
		return;
	path = ck_printf("%s/data/bbc/articles/sport/199.txt", shared);
	if (!ck_exists(path)) {
		free(path);
		return;
	}
	data = ck_read_file(path, &len);
	ck_assert(!grafi_utf8_valid(data, len));
	ck_assert_int_eq(grafi_article_parse(data, len, &a), GRAFI_READ_OK);
	ck_assert(a.from_cp1252);
	ck_assert_str_eq(a.title, "Chelsea sack Mutu");
	for (size_t i = 0; i < a.n_paragraphs; i++) {
		ck_assert(grafi_utf8_valid(a.paragraphs[i], strlen(a.paragraphs[i])));
		found = found || strstr(a.paragraphs[i], "\xc2\xa3" "15.8m") != NULL;
	}
	ck_assert_msg(found, "no paragraph has \"\xc2\xa3" "15.8m\"");
	grafi_article_release(&a);
	free(data);
	free(path);
}
END_TEST

START_TEST(test_empty)
{
	grafi_article a;

	ck_assert_int_eq(grafi_article_parse("", 0, &a), GRAFI_READ_EMPTY);
	ck_assert_int_eq(grafi_article_parse(" \n\t\r\n \f\v\n", 9, &a), GRAFI_READ_EMPTY);
	ck_assert_int_eq(grafi_article_parse("\xef\xbb\xbf", 3, &a), GRAFI_READ_EMPTY);
	ck_assert_int_eq(grafi_article_parse("\xef\xbb\xbf\r\n", 5, &a), GRAFI_READ_EMPTY);
	ck_assert_int_eq(parseFile("tests/data/empty.txt", &a, NULL), GRAFI_READ_EMPTY);
	ck_assert_int_eq(parseFile("tests/data/blank.txt", &a, NULL), GRAFI_READ_EMPTY);
	/* A failed parse leaves nothing to release. */
	ck_assert_ptr_null(a.text);
	ck_assert_ptr_null(a.paragraphs);
}
END_TEST

START_TEST(test_binary)
{
	grafi_article a;

	ck_assert_int_eq(grafi_article_parse("A\0B", 3, &a), GRAFI_READ_BINARY);
	ck_assert_int_eq(grafi_article_parse("\0", 1, &a), GRAFI_READ_BINARY);
	ck_assert_int_eq(parseFile("tests/data/binary.txt", &a, NULL), GRAFI_READ_BINARY);
	ck_assert_ptr_null(a.text);
}
END_TEST

/* The input need not be NUL-terminated: only LEN bytes are read. */
START_TEST(test_length_bounded)
{
	static const char *const want[] = { "Body" };
	const char data[] = { 'T', '\n', '\n', 'B', 'o', 'd', 'y', 'X', 'Y', 'Z' };
	grafi_article a;

	ck_assert_int_eq(grafi_article_parse(data, 7, &a), GRAFI_READ_OK);
	assertArticle(&a, "T", want, 1);
	grafi_article_release(&a);
}
END_TEST

/* grafi_read_text(): one document per file (docid = path), and a warning
 * for each file that is skipped or decoded as Windows-1252. */
typedef struct Sink {
	int docs;
	int warnings;
	char warning[256];
	char docid[256];
	char title[256];
	size_t paragraphs;
} Sink;

static graf_status_t
sinkDoc(void *ctx, const grafi_doc *doc)
{
	Sink *s = ctx;

	s->docs++;
	snprintf(s->docid, sizeof s->docid, "%s", doc->docid);
	snprintf(s->title, sizeof s->title, "%s", doc->title);
	s->paragraphs = doc->n_paragraphs;
	return GRAF_STATUS_OK;
}

static void
sinkWarn(void *ctx, const char *message)
{
	Sink *s = ctx;

	s->warnings++;
	snprintf(s->warning, sizeof s->warning, "%s", message);
}

static Sink
readText(const char *data, size_t len)
{
	Sink s = { 0 };
	grafi_reader_sink sink = { .doc = sinkDoc, .warn = sinkWarn, .ctx = &s };

	ck_assert_int_eq(grafi_read_text("dir/a.txt", data, len, &sink), GRAF_STATUS_OK);
	return s;
}

START_TEST(test_read_text)
{
	Sink s = readText("Title\n\nOne.\n\nTwo.\n", 18);

	ck_assert_int_eq(s.docs, 1);
	ck_assert_int_eq(s.warnings, 0);
	ck_assert_str_eq(s.docid, "dir/a.txt");
	ck_assert_str_eq(s.title, "Title");
	ck_assert_int_eq(s.paragraphs, 2);

	s = readText("Caf\xe9\n", 5);
	ck_assert_int_eq(s.docs, 1);
	ck_assert_int_eq(s.warnings, 1);
	ck_assert_str_eq(s.title, "Caf\xc3\xa9");
	ck_assert_msg(strstr(s.warning, "Windows-1252") != NULL, "warning: %s", s.warning);

	s = readText("", 0);
	ck_assert_int_eq(s.docs, 0);
	ck_assert_int_eq(s.warnings, 1);
	ck_assert_msg(strstr(s.warning, "empty") != NULL, "warning: %s", s.warning);

	s = readText("x\0y", 3);
	ck_assert_int_eq(s.docs, 0);
	ck_assert_int_eq(s.warnings, 1);
	ck_assert_msg(strstr(s.warning, "binary") != NULL, "warning: %s", s.warning);
}
END_TEST

/* The sink's failure stops the reader and is its result. */
static graf_status_t
sinkFail(void *ctx, const grafi_doc *doc)
{
	(void)ctx;
	(void)doc;
	return GRAF_STATUS_FULL;
}

START_TEST(test_read_text_sink_error)
{
	grafi_reader_sink sink = { .doc = sinkFail, .warn = sinkWarn, .ctx = NULL };
	Sink s = { 0 };

	sink.ctx = &s;
	ck_assert_int_eq(grafi_read_text("a.txt", "T\n\nx\n", 5, &sink), GRAF_STATUS_FULL);
}
END_TEST

/* Where a collection may be cut: after whole records only. */
START_TEST(test_record_end)
{
	const char *j = "{\"id\": 1}\n{\"id\": 2}\n{\"id\"";
	const char *t = "<DOC>a</DOC>\n<doc>b</doc>\n<DOC>c</DO";

	ck_assert_uint_eq(grafi_jsonl_record_end(j, strlen(j), false), 20);
	ck_assert_uint_eq(grafi_jsonl_record_end(j, strlen(j), true), 10);
	ck_assert_uint_eq(grafi_jsonl_record_end(j, 9, false), 0);
	ck_assert_uint_eq(grafi_jsonl_record_end(j, 0, true), 0);
	/* tag names in any case, as the reader reads them */
	ck_assert_uint_eq(grafi_trec_record_end(t, strlen(t), false), 25);
	ck_assert_uint_eq(grafi_trec_record_end(t, strlen(t), true), 12);
	ck_assert_uint_eq(grafi_trec_record_end(t, 11, false), 0);
	ck_assert_uint_eq(grafi_trec_record_end("</DOC", 5, false), 0);
	ck_assert_ptr_null(grafi_record_end_for(GRAF_INPUT_TEXT));
	ck_assert_ptr_nonnull(grafi_record_end_for(GRAF_INPUT_JSONL));
}
END_TEST

/* The records the sink knows are not parsed; line numbers count from
 * lines_before. */
static bool
sinkKnowsSecond(void *ctx, const char *raw, size_t len)
{
	(void)ctx;
	return len >= 10 && memcmp(raw, "{\"id\": \"2\"", 10) == 0;
}

START_TEST(test_reader_known_lines)
{
	const char *data = "{\"id\": \"1\", \"text\": \"one\"}\n"
			   "{\"id\": \"2\", \"text\": \"two\"}\n"
			   "not json\n";
	Sink s = { 0 };
	grafi_reader_sink sink = { .doc = sinkDoc, .warn = sinkWarn, .ctx = &s,
				   .known = sinkKnowsSecond, .lines_before = 100 };

	ck_assert_int_eq(grafi_read_jsonl("c.jsonl", data, strlen(data), &sink), GRAF_STATUS_OK);
	ck_assert_int_eq(s.docs, 1);
	ck_assert_str_eq(s.docid, "1");
	ck_assert_int_eq(s.warnings, 1);
	ck_assert_msg(strncmp(s.warning, "line 103:", 9) == 0, "warning: %s", s.warning);
}
END_TEST

/* ------------------------------------------------------------- limits -- */

START_TEST(test_utf8_valid)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{ "plain ASCII", true },
		{ "caf\xc3\xa9 \xe2\x80\x99 \xf0\x9f\x98\x80", true },   /* 2, 3, 4 bytes */
		{ "\xf4\x8f\xbf\xbf", true },                            /* U+10FFFF */
		{ "\xef\xbf\xbd", true },                                /* U+FFFD */
		{ "caf\xe9", false },                                    /* Latin-1 */
		{ "\xc0\xaf", false },                                   /* overlong '/' */
		{ "\xc1\xbf", false },                                   /* overlong */
		{ "\xe0\x80\xaf", false },                               /* overlong, 3 bytes */
		{ "\xf0\x80\x80\xaf", false },                           /* overlong, 4 bytes */
		{ "\xed\xa0\x80", false },                               /* surrogate D800 */
		{ "\xed\xbf\xbf", false },                               /* surrogate DFFF */
		{ "\xf4\x90\x80\x80", false },                           /* > U+10FFFF */
		{ "\xf5\x80\x80\x80", false },
		{ "\x80", false },                                       /* lone continuation */
		{ "\xe2\x80", false },                                   /* truncated */
		{ "\xe2\x80x", false },                                  /* bad continuation */
		{ "\xff", false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(grafi_utf8_valid(cases[i].s, strlen(cases[i].s)) == cases[i].ok,
			      "case %zu", i);
	/* A valid sequence cut by LEN is invalid. */
	ck_assert(!grafi_utf8_valid("\xc3\xa9", 1));
	ck_assert(grafi_utf8_valid("", 0));
}
END_TEST

/* Every Windows-1252 byte decodes to valid UTF-8, the five undefined ones to
 * their C1 code points, and printable ASCII is unchanged. */
START_TEST(test_cp1252_table)
{
	char in[256];
	size_t len;
	char *out;

	for (int i = 0; i < 256; i++)
		in[i] = (char)i;
	out = grafi_cp1252_to_utf8(in, 256, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert(grafi_utf8_valid(out, len));
	ck_assert_int_eq(strlen(out + 1) + 1, len);  /* only the first byte is NUL */
	ck_assert_int_eq(memcmp(out, in, 128), 0);
	free(out);

	out = grafi_cp1252_to_utf8("\x80\x81\x8d\x8f\x90\x9d\x9f\xa3\xff", 9, &len);
	ck_assert_str_eq(out, "\xe2\x82\xac\xc2\x81\xc2\x8d\xc2\x8f\xc2\x90\xc2\x9d\xc5\xb8"
			      "\xc2\xa3\xc3\xbf");
	ck_assert_int_eq(len, strlen(out));
	free(out);
}
END_TEST

/* A first line longer than GRAF_TITLE_MAX (1000 bytes) is text, not a
 * headline. */
START_TEST(test_long_first_line)
{
	size_t n = 1500;
	char *s = malloc(n + 20);
	grafi_article a;

	ck_assert_ptr_nonnull(s);
	memset(s, 'a', n);
	strcpy(s + n, "\nSecond.\n");
	a = parseOk(s);
	ck_assert_str_eq(a.title, "");
	ck_assert_int_eq(a.n_paragraphs, 2);
	ck_assert_int_eq(strlen(a.paragraphs[0]), n);
	ck_assert_str_eq(a.paragraphs[1], "Second.");
	grafi_article_release(&a);
	/* 1000 bytes is still a headline. */
	s[1000] = '\0';
	a = parseOk(s);
	ck_assert_int_eq(strlen(a.title), 1000);
	grafi_article_release(&a);
	free(s);
}
END_TEST

/* Many paragraphs, and one long paragraph of many wrapped lines. */
START_TEST(test_many_paragraphs)
{
	size_t n = 100000;
	char *s = malloc(n * 8 + 16), *p;
	grafi_article a;

	ck_assert_ptr_nonnull(s);
	p = s + sprintf(s, "Title\n\n");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "p%05zu\n\n", i % 100000);
	a = parseOk(s);
	ck_assert_int_eq(a.n_paragraphs, n);
	ck_assert_str_eq(a.paragraphs[0], "p00000");
	ck_assert_str_eq(a.paragraphs[n - 1], "p99999");
	grafi_article_release(&a);

	p = s + sprintf(s, "Title\n\n");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "w\n");
	strcpy(p, "\nlast\n");
	a = parseOk(s);
	ck_assert_int_eq(a.n_paragraphs, 2);
	ck_assert_int_eq(strlen(a.paragraphs[0]), 2 * n - 1);
	ck_assert_str_eq(a.paragraphs[1], "last");
	grafi_article_release(&a);
	free(s);
}
END_TEST

/* Release is safe on a zeroed article and twice in a row. */
START_TEST(test_release_zeroed)
{
	grafi_article a;

	memset(&a, 0, sizeof a);
	grafi_article_release(&a);
	a = parseOk("T\n\nx\n");
	grafi_article_release(&a);
	grafi_article_release(&a);
}
END_TEST

START_TEST(test_path_clean)
{
	static const char *const cases[][2] = {
		{ "corpus", "corpus" },   { "corpus/", "corpus" },  { "./corpus//a.txt", "corpus/a.txt" },
		{ "/a/./b/", "/a/b" },    { ".", "." },             { "./", "." },
		{ "", "." },              { "/", "/" },             { "a/../b", "a/../b" },
		{ "//x", "/x" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *c = grafi_path_clean(cases[i][0]);

		ck_assert_ptr_nonnull(c);
		ck_assert_msg(strcmp(c, cases[i][1]) == 0, "'%s' -> '%s', expected '%s'",
			      cases[i][0], c, cases[i][1]);
		free(c);
	}
}
END_TEST

/* The hash of raw bytes taken piece by piece is that of the whole, however
 * the pieces are cut (a collection is hashed in 1 MiB reads, a record at
 * once); it tells one changed byte, and the empty input is a value too. */
START_TEST(test_hash_pieces)
{
	enum { N = 3000 };
	static const size_t cuts[] = { 1, 7, 8, 63, 64, 65, 240, 256, 1024, N };
	char *data = malloc(N);
	uint64_t whole;

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < N; i++)
		data[i] = (char)(i * 131 + (i >> 7));
	whole = grafi_hash_bytes(data, N);
	for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
		grafi_hasher *h = grafi_hasher_new();

		ck_assert_ptr_nonnull(h);
		for (size_t at = 0; at < N; at += cuts[c])
			grafi_hasher_add(h, data + at, at + cuts[c] <= N ? cuts[c] : N - at);
		ck_assert_msg(grafi_hasher_value(h) == whole, "pieces of %zu bytes", cuts[c]);
		grafi_hasher_free(h);
	}
	for (size_t i = 0; i < N; i += 499) {
		data[i] ^= 1;
		ck_assert_msg(grafi_hash_bytes(data, N) != whole, "byte %zu changed", i);
		data[i] ^= 1;
	}
	ck_assert(grafi_hash_bytes(data, N) == whole);
	ck_assert(grafi_hash_bytes(data, N - 1) != whole);
	{
		grafi_hasher *h = grafi_hasher_new();

		ck_assert_ptr_nonnull(h);
		ck_assert(grafi_hasher_value(h) == grafi_hash_bytes("", 0));
		grafi_hasher_free(h);
	}
	grafi_hasher_free(NULL);
	free(data);
}
END_TEST

Suite *
corpus_suite(void)
{
	Suite *s = suite_create("corpus");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_corpus_label_lines);
	tcase_add_test(core, test_corpus_blocks);
	tcase_add_test(core, test_blank_line_blocks);
	tcase_add_test(core, test_one_per_line);
	tcase_add_test(core, test_section_label);
	tcase_add_test(core, test_not_a_label);
	tcase_add_test(core, test_title_only);
	tcase_add_test(core, test_crlf);
	tcase_add_test(core, test_bom);
	tcase_add_test(core, test_cp1252);
	tcase_add_test(core, test_cp1252_bbc);
	tcase_add_test(core, test_read_text);
	tcase_add_test(core, test_record_end);
	tcase_add_test(core, test_reader_known_lines);
	suite_add_tcase(s, core);

	tcase_set_timeout(limits, CK_SLOW_TIMEOUT);
	tcase_add_test(limits, test_utf8_valid);
	tcase_add_test(limits, test_cp1252_table);
	tcase_add_test(limits, test_long_first_line);
	tcase_add_test(limits, test_many_paragraphs);
	tcase_add_test(limits, test_length_bounded);
	tcase_add_test(limits, test_release_zeroed);
	tcase_add_test(limits, test_path_clean);
	tcase_add_test(limits, test_hash_pieces);
	suite_add_tcase(s, limits);

	tcase_add_test(errors, test_empty);
	tcase_add_test(errors, test_binary);
	tcase_add_test(errors, test_read_text_sink_error);
	suite_add_tcase(s, errors);
	return s;
}
