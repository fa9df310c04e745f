/*
 * reader-trec.c - TREC SGML collections, several documents per file:
 *
 *   <DOC>
 *   <DOCNO> AP880212-0001 </DOCNO>
 *   <HEAD>Reagan Proposes ...</HEAD>
 *   <TEXT>
 *   First paragraph ...
 *   <P> Second paragraph ... </P>
 *   </TEXT>
 *   </DOC>
 *
 * DOCNO is the identity.  The headline is the first TITLE, HEADLINE, HEAD or
 * HL element.  The body is every TEXT element, in order; blank lines and
 * <P> tags separate paragraphs; other tags are dropped and the common
 * character entities decoded.  A DOC without DOCNO, or without its </DOC>,
 * is reported with its line number and skipped.  Tag names are matched
 * without regard to case, as the collections vary.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graf-private.h"

/* A growing byte buffer; sticky on allocation failure. */
typedef struct Buf {
	char *s;
	size_t n, cap;
	bool failed;
} Buf;

static void
bufAppend(Buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t ncap = (b->n + n + 1) * 2;
		char *ns = realloc(b->s, ncap);
		if (!ns) {
			b->failed = true;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

/* True if C ends a tag name: "<DOC>" or "<DOC attr...>". */
static bool
trecTagEnd(char c)
{
	return c == '>' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The first "<TAG" (followed by '>' or white space) in S[0..N), or NULL. */
static const char *
trecFindOpen(const char *s, size_t n, const char *tag)
{
	size_t k = strlen(tag);

	for (const char *p = memchr(s, '<', n); p; p = memchr(p + 1, '<', n - (size_t)(p + 1 - s))) {
		if (n - (size_t)(p - s) < k + 2)
			break;
		if (strncasecmp(p + 1, tag, k) == 0 && trecTagEnd(p[k + 1]))
			return p;
	}
	return NULL;
}

/* The first "</TAG>" in S[0..N), or NULL. */
static const char *
trecFindClose(const char *s, size_t n, const char *tag)
{
	size_t k = strlen(tag);

	for (const char *p = memchr(s, '<', n); p; p = memchr(p + 1, '<', n - (size_t)(p + 1 - s))) {
		if (n - (size_t)(p - s) < k + 3)
			break;
		if (p[1] == '/' && strncasecmp(p + 2, tag, k) == 0 && p[k + 2] == '>')
			return p;
	}
	return NULL;
}

/*
 * The content of the first <TAG>...</TAG> in S[0..N): OUT *START, *LEN.
 * @retval false when there is none
 */
static bool
trecElement(const char *s, size_t n, const char *tag, const char **start, size_t *len)
{
	const char *open = trecFindOpen(s, n, tag), *gt, *close;

	if (!open)
		return false;
	gt = memchr(open, '>', n - (size_t)(open - s));
	if (!gt)
		return false;
	gt++;
	close = trecFindClose(gt, n - (size_t)(gt - s), tag);
	if (!close)
		return false;
	*start = gt;
	*len = (size_t)(close - gt);
	return true;
}

/* Append S[0..N) to B without tags, <P> and </P> becoming paragraph breaks,
 * and with &amp; &lt; &gt; &quot; &apos; decoded. */
static void
trecAppendText(Buf *b, const char *s, size_t n)
{
	static const struct {
		const char *name;
		char c;
	} entities[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
			 { "&quot;", '"' }, { "&apos;", '\'' } };
	size_t i = 0;

	while (i < n) {
		size_t run = i;

		while (run < n && s[run] != '<' && s[run] != '&')
			run++;
		bufAppend(b, s + i, run - i);
		i = run;
		if (i >= n)
			break;
		if (s[i] == '<') {
			const char *gt = memchr(s + i, '>', n - i);
			size_t end = gt ? (size_t)(gt - s) + 1 : n;

			if ((s[i + 1] == 'p' || s[i + 1] == 'P') ||
			    (i + 2 < n && s[i + 1] == '/' && (s[i + 2] == 'p' || s[i + 2] == 'P')))
				bufAppend(b, "\n\n", 2);
			else
				bufAppend(b, " ", 1);
			i = end;
		} else {
			bool decoded = false;

			for (size_t e = 0; e < sizeof entities / sizeof entities[0] && !decoded; e++) {
				size_t k = strlen(entities[e].name);

				if (n - i >= k && memcmp(s + i, entities[e].name, k) == 0) {
					bufAppend(b, &entities[e].c, 1);
					i += k;
					decoded = true;
				}
			}
			if (!decoded) {
				bufAppend(b, "&", 1);
				i++;
			}
		}
	}
}

/* Number of '\n' in S[0..N). */
static size_t
trecCountLines(const char *s, size_t n)
{
	size_t lines = 0;

	for (const char *p = s; (p = memchr(p, '\n', n - (size_t)(p - s))) != NULL; p++)
		lines++;
	return lines;
}

static void
trecWarn(const grafi_reader_sink *sink, size_t lineno, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof msg, "line %zu: %s; document skipped", lineno, what);
	sink->warn(sink->ctx, msg);
}

/* Index the document S[0..N) (between <DOC> and </DOC>) that starts on line
 * LINENO. */
static graf_status_t
trecDocument(const grafi_reader_sink *sink, const char *s, size_t n, size_t lineno)
{
	static const char *const title_tags[] = { "TITLE", "HEADLINE", "HEAD", "HL" };
	const char *docno = NULL, *title = "", *text, *p;
	size_t docno_len = 0, title_len = 0, text_len, rest;
	Buf id = { 0 }, head = { 0 }, body = { 0 };
	graf_status_t st = GRAF_STATUS_OK;
	grafi_article a;
	grafi_doc doc;

	/* Unchanged since the last run: not parsed at all. */
	if (sink->known && sink->known(sink->ctx, s, n))
		return GRAF_STATUS_OK;
	if (!trecElement(s, n, "DOCNO", &docno, &docno_len)) {
		trecWarn(sink, lineno, "<DOC> without <DOCNO>");
		return GRAF_STATUS_OK;
	}
	while (docno_len > 0 && strchr(" \t\r\n", *docno)) {
		docno++;
		docno_len--;
	}
	while (docno_len > 0 && strchr(" \t\r\n", docno[docno_len - 1]))
		docno_len--;
	if (docno_len == 0) {
		trecWarn(sink, lineno, "empty <DOCNO>");
		return GRAF_STATUS_OK;
	}
	bufAppend(&id, docno, docno_len);
	for (size_t i = 0; i < sizeof title_tags / sizeof title_tags[0]; i++)
		if (trecElement(s, n, title_tags[i], &title, &title_len))
			break;
	trecAppendText(&head, title, title_len);
	for (p = s, rest = n; trecElement(p, rest, "TEXT", &text, &text_len);) {
		trecAppendText(&body, text, text_len);
		bufAppend(&body, "\n\n", 2);
		rest -= (size_t)(text + text_len - p);
		p = text + text_len;
	}
	if (id.failed || head.failed || body.failed) {
		st = GRAF_STATUS_NOMEM;
		goto out;
	}
	switch (grafi_article_from_parts(head.s ? head.s : "", head.n, body.s ? body.s : "", body.n,
					 &a)) {
	case GRAFI_READ_OK:
		break;
	case GRAFI_READ_NOMEM:
		st = GRAF_STATUS_NOMEM;
		goto out;
	default:
		trecWarn(sink, lineno, "document has no text");
		goto out;
	}
	if (a.from_cp1252) {
		char msg[256];

		snprintf(msg, sizeof msg, "line %zu: not valid UTF-8; read as Windows-1252", lineno);
		sink->warn(sink->ctx, msg);
	}
	doc.docid = id.s;
	doc.title = a.title;
	doc.paragraphs = a.paragraphs;
	doc.n_paragraphs = a.n_paragraphs;
	st = sink->doc(sink->ctx, &doc);
	grafi_article_release(&a);
out:
	free(id.s);
	free(head.s);
	free(body.s);
	return st;
}

size_t
grafi_trec_record_end(const char *data, size_t len, bool first)
{
	const char *close;

	if (first) {
		close = trecFindClose(data, len, "DOC");
		return close ? (size_t)(close - data) + 6 : 0;
	}
	/* The last "</DOC>": back from the end, one '<' at a time. */
	for (size_t i = len; i-- > 0;)
		if (data[i] == '<' && len - i >= 6 && data[i + 1] == '/' &&
		    strncasecmp(data + i + 2, "DOC>", 4) == 0)
			return i + 6;
	return 0;
}

graf_status_t
grafi_read_trec(const char *path, const char *data, size_t len, const grafi_reader_sink *sink)
{
	graf_status_t st = GRAF_STATUS_OK;
	const char *p = data, *end = data + len;
	size_t lineno = sink->lines_before + 1;

	(void)path;
	while (st == GRAF_STATUS_OK && p < end) {
		const char *open = trecFindOpen(p, (size_t)(end - p), "DOC"), *gt, *close;

		if (!open)
			break;
		lineno += trecCountLines(p, (size_t)(open - p));
		gt = memchr(open, '>', (size_t)(end - open));
		close = gt ? trecFindClose(gt, (size_t)(end - gt), "DOC") : NULL;
		if (!close) {
			trecWarn(sink, lineno, "<DOC> without </DOC>");
			break;
		}
		gt++;
		/* A <DOC> inside this one means the previous </DOC> is missing. */
		{
			const char *inner = trecFindOpen(gt, (size_t)(close - gt), "DOC");

			if (inner) {
				trecWarn(sink, lineno, "<DOC> without </DOC>");
				lineno += trecCountLines(open, (size_t)(inner - open));
				p = inner;
				continue;
			}
		}
		st = trecDocument(sink, gt, (size_t)(close - gt), lineno);
		lineno += trecCountLines(open, (size_t)(close - open));
		p = close + 6;
	}
	return st;
}
