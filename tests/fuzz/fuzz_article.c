/*
 * fuzz_article.c - libFuzzer target over the article reader: the bytes of a
 * file through grafi_article_parse() (the first input byte even), or, split
 * at the first NUL, a collection record's title and body through
 * grafi_article_from_parts() (odd), then through grafi_read_text() with a
 * sink that checks what it gets.
 *
 * Besides the sanitizers' findings, these are bugs, and abort():
 *   - a result other than OK, EMPTY, BINARY (never NOMEM: nothing fails);
 *   - an OK article whose headline or paragraphs are not valid UTF-8, hold
 *     a CR or (the headline) a newline, start or end with white space, or
 *     lie outside the article's text; an OK article without a paragraph;
 *   - BINARY for input without a NUL byte, OK or EMPTY for input with one;
 *   - a reader warning that is not one line, or a document that differs
 *     from the parsed article.
 *
 * "make fuzz" builds this with clang -fsanitize=fuzzer; fuzz-replay.c runs
 * it over tests/fuzz/seeds/article and tests/fuzz/regressions/article in
 * "make check", without libFuzzer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Report a bug in graf and stop, so that libFuzzer keeps the input. */
static void __attribute__((noreturn))
fuzzBug(const char *what)
{
	fprintf(stderr, "fuzz_article: %s\n", what);
	abort();
}

static bool
fuzzIsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Check one piece of an article (the headline, or a paragraph, which is
 * never empty): valid UTF-8, no line end (the lines of a paragraph are
 * joined), trimmed, inside the article's text. */
static void
fuzzCheckPiece(const grafi_article *a, const char *s, bool may_be_empty)
{
	size_t n = strlen(s);

	if (n == 0 && !may_be_empty)
		fuzzBug("empty paragraph");
	if (!grafi_utf8_valid(s, n))
		fuzzBug("piece is not valid UTF-8");
	if (strchr(s, '\r') || strchr(s, '\n'))
		fuzzBug("piece holds a line end");
	if (n > 0 && (fuzzIsSpace(s[0]) || fuzzIsSpace(s[n - 1])))
		fuzzBug("piece not trimmed");
	if (n > 0 && s < a->text)
		fuzzBug("piece outside the article's text");
}

static void
fuzzCheckArticle(const grafi_article *a)
{
	if (!a->text || !a->title || a->n_paragraphs == 0 || !a->paragraphs)
		fuzzBug("OK article without text, title or paragraphs");
	fuzzCheckPiece(a, a->title, true);
	for (size_t i = 0; i < a->n_paragraphs; i++)
		fuzzCheckPiece(a, a->paragraphs[i], false);
}

/* The sink of grafi_read_text(): the document must be the article. */
typedef struct Expect {
	const grafi_article *a;
	int docs;
} Expect;

static graf_status_t
fuzzDoc(void *ctx, const grafi_doc *doc)
{
	Expect *e = ctx;

	e->docs++;
	if (strcmp(doc->docid, "fuzz.txt") != 0)
		fuzzBug("wrong docid");
	if (!e->a || strcmp(doc->title, e->a->title) != 0 || doc->n_paragraphs != e->a->n_paragraphs)
		fuzzBug("document differs from the parsed article");
	for (size_t i = 0; i < doc->n_paragraphs; i++)
		if (strcmp(doc->paragraphs[i], e->a->paragraphs[i]) != 0)
			fuzzBug("paragraph differs from the parsed article");
	return GRAF_STATUS_OK;
}

static void
fuzzWarn(void *ctx, const char *message)
{
	(void)ctx;
	if (!message || !*message || strchr(message, '\n'))
		fuzzBug("warning is not one line");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	grafi_article a;
	grafi_read_result_t r;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		/* title NUL body */
		const char *nul = memchr(text, '\0', len);
		size_t title_len = nul ? (size_t)(nul - text) : len;
		const char *body = nul ? nul + 1 : "";
		size_t body_len = nul ? len - title_len - 1 : 0;

		/* Records hold C strings: no NUL inside either part. */
		if (memchr(body, '\0', body_len))
			body_len = (size_t)((const char *)memchr(body, '\0', body_len) - body);
		r = grafi_article_from_parts(text, title_len, body, body_len, &a);
		if (r == GRAFI_READ_OK)
			fuzzCheckArticle(&a);
		else if (r != GRAFI_READ_EMPTY)
			fuzzBug("from_parts: unexpected result");
		grafi_article_release(&a);
		return 0;
	}

	r = grafi_article_parse(text, len, &a);
	switch (r) {
	case GRAFI_READ_OK:
		if (memchr(text, '\0', len))
			fuzzBug("OK for input with a NUL byte");
		fuzzCheckArticle(&a);
		break;
	case GRAFI_READ_EMPTY:
		if (len > 0 && memchr(text, '\0', len))
			fuzzBug("EMPTY for input with a NUL byte");
		break;
	case GRAFI_READ_BINARY:
		if (!memchr(text, '\0', len))
			fuzzBug("BINARY for input without a NUL byte");
		break;
	default:
		fuzzBug("parse: unexpected result");
	}
	{
		Expect e = { r == GRAFI_READ_OK ? &a : NULL, 0 };
		grafi_reader_sink sink = { .doc = fuzzDoc, .warn = fuzzWarn, .ctx = &e };

		if (grafi_read_text("fuzz.txt", text, len, &sink) != GRAF_STATUS_OK)
			fuzzBug("grafi_read_text failed");
		if (e.docs != (r == GRAFI_READ_OK))
			fuzzBug("grafi_read_text delivered the wrong number of documents");
	}
	grafi_article_release(&a);
	return 0;
}
