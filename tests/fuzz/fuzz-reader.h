/*
 * fuzz-reader.h - what fuzz_jsonl.c and fuzz_trec.c share: a reader sink
 * that checks every document and warning a collection reader delivers, and
 * the one-input driver.  Included by exactly one file of each target.
 *
 * Besides the sanitizers' findings, these are bugs, and abort():
 *   - a document with an empty or missing id, a headline or paragraph that
 *     is not valid UTF-8, holds a line end or is not trimmed, an empty
 *     paragraph, or no paragraph at all;
 *   - a warning that is not one line starting with "line N: ";
 *   - more documents than the input has lines (JSON Lines) or "<DOC"s
 *     (TREC);
 *   - a reader that, after the sink failed, calls it again or does not
 *     return the sink's status; or that fails when the sink did not.
 * The first input byte chooses whether the sink fails, and at which
 * document; the rest is the file.
 */
#ifndef FUZZ_READER_H
#define FUZZ_READER_H

#include <ctype.h>
#include <strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct FuzzSink {
	const char *name;        /* the target, for messages */
	long docs;               /* documents delivered */
	long fail_at;            /* fail on this document (1-based); 0: never */
	bool failed;             /* the sink has failed */
} FuzzSink;

static void __attribute__((noreturn))
fuzzBug(const FuzzSink *s, const char *what)
{
	fprintf(stderr, "%s: %s\n", s->name, what);
	abort();
}

static bool
fuzzIsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A headline (may be empty) or paragraph (never): UTF-8, one line, trimmed. */
static void
fuzzCheckPiece(const FuzzSink *s, const char *p, bool may_be_empty)
{
	size_t n;

	if (!p)
		fuzzBug(s, "NULL piece");
	n = strlen(p);
	if (n == 0 && !may_be_empty)
		fuzzBug(s, "empty paragraph");
	if (!grafi_utf8_valid(p, n))
		fuzzBug(s, "piece is not valid UTF-8");
	if (strchr(p, '\n') || strchr(p, '\r'))
		fuzzBug(s, "piece holds a line end");
	if (n > 0 && (fuzzIsSpace(p[0]) || fuzzIsSpace(p[n - 1])))
		fuzzBug(s, "piece not trimmed");
}

static graf_status_t
fuzzDoc(void *ctx, const grafi_doc *doc)
{
	FuzzSink *s = ctx;

	if (s->failed)
		fuzzBug(s, "the reader went on after the sink failed");
	s->docs++;
	if (!doc->docid || !doc->docid[0])
		fuzzBug(s, "document without an id");
	if (fuzzIsSpace(doc->docid[0]) || fuzzIsSpace(doc->docid[strlen(doc->docid) - 1]))
		fuzzBug(s, "document id not trimmed");
	fuzzCheckPiece(s, doc->title, true);
	if (doc->n_paragraphs == 0 || !doc->paragraphs)
		fuzzBug(s, "document without a paragraph");
	for (size_t i = 0; i < doc->n_paragraphs; i++)
		fuzzCheckPiece(s, doc->paragraphs[i], false);
	if (s->docs == s->fail_at) {
		s->failed = true;
		return GRAF_STATUS_FULL;
	}
	return GRAF_STATUS_OK;
}

static void
fuzzWarn(void *ctx, const char *message)
{
	FuzzSink *s = ctx;
	const char *p = message;

	if (!message || strchr(message, '\n') || strchr(message, '\r'))
		fuzzBug(s, "warning is not one line");
	if (strncmp(p, "line ", 5) != 0 || !isdigit((unsigned char)p[5]))
		fuzzBug(s, "warning without its line number");
	for (p += 5; isdigit((unsigned char)*p); p++)
		;
	if (p[0] != ':' || p[1] != ' ')
		fuzzBug(s, "warning without its line number");
}

/* Count the occurrences of NEEDLE in DATA[0..LEN), ignoring case. */
static long
fuzzCount(const char *data, size_t len, const char *needle)
{
	size_t k = strlen(needle);
	long n = 0;

	for (size_t i = 0; i + k <= len; i++)
		if (strncasecmp(data + i, needle, k) == 0)
			n++;
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* Run READER over DATA (see the file comment); MAX_DOCS: how many documents
 * the input can hold at most. */
static void
fuzzReader(const char *name, grafi_reader_fn reader, const uint8_t *data, size_t size,
	   long (*max_docs)(const char *, size_t))
{
	FuzzSink s = { name, 0, 0, false };
	grafi_reader_sink sink = { .doc = fuzzDoc, .warn = fuzzWarn, .ctx = &s };
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	graf_status_t st;

	if (data[0] & 1)
		s.fail_at = 1 + (data[0] >> 1) % 8;
	st = reader("fuzz.in", text, len, &sink);
	if (s.failed ? st != GRAF_STATUS_FULL : st != GRAF_STATUS_OK)
		fuzzBug(&s, "the reader's status is not the sink's");
	if (s.docs > max_docs(text, len))
		fuzzBug(&s, "more documents than the input can hold");
}

#endif /* FUZZ_READER_H */
