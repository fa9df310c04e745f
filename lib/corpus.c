/*
 * corpus.c - read an article file: decode it, find its headline, split the
 * rest into paragraphs.
 *
 * The rules, which the two corpus files and the BBC collection exercise:
 *   - A file with a NUL byte is binary and is not read; one with nothing but
 *     white space is empty.
 *   - A UTF-8 byte-order mark is dropped; CRLF and lone CR end lines.
 *   - Text that is not valid UTF-8 is decoded as Windows-1252 (a superset of
 *     Latin-1 for printable text), and the caller warns.
 *   - The headline is the first non-blank line.  A lone section label before
 *     it ("News" directly above the headline, which is itself followed by a
 *     blank line) is dropped.  A "first line" longer than GRAF_TITLE_MAX is
 *     not a headline but text: the article then has no headline.
 *   - If the body has a blank line between two of its lines, paragraphs are
 *     the blocks between blank lines, their lines joined by one space (hard-
 *     wrapped text).  Otherwise every line is a paragraph.
 *   - A file that is only a headline has that line as its one paragraph too,
 *     so that every article can be found.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* A headline longer than this is not a headline but a paragraph (a file with
 * no line breaks, for instance). */
#define GRAF_TITLE_MAX 1000

/* A section label is at most this long and this many words ("News",
 * "World news", "Business | Tech"). */
#define LABEL_MAX_BYTES 40
#define LABEL_MAX_WORDS 3

/* One line of the text, white space trimmed: TEXT[start, start+len). */
typedef struct Line {
	size_t start;
	size_t len;
} Line;

static bool
corpusIsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\n' || c == '\r';
}

/* Normalise line ends in place (CRLF and lone CR become LF); returns the new
 * length. */
static size_t
corpusNormaliseNewlines(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r') {
			s[o++] = '\n';
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

/*
 * Split S[0..LEN) into trimmed lines.
 * OUT: *LINES, a malloc'ed array (caller frees), *N_LINES its length.
 * @retval false when out of memory.
 */
static bool
corpusSplitLines(const char *s, size_t len, Line **lines, size_t *n_lines)
{
	size_t n = 0, cap = 0, i = 0;
	Line *v = NULL;

	while (i < len) {
		size_t start = i, end;

		while (i < len && s[i] != '\n')
			i++;
		end = i;
		if (i < len)
			i++;  /* the '\n' */
		while (start < end && corpusIsSpace(s[start]))
			start++;
		while (end > start && corpusIsSpace(s[end - 1]))
			end--;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			Line *nv = realloc(v, ncap * sizeof *nv);
			if (!nv) {
				free(v);
				return false;
			}
			v = nv;
			cap = ncap;
		}
		v[n].start = start;
		v[n].len = end - start;
		n++;
	}
	*lines = v;
	*n_lines = n;
	return true;
}

/* True if LINE looks like a section label: short, few words, and not a
 * sentence. */
static bool
corpusIsLabel(const char *text, const Line *line)
{
	const char *s = text + line->start;
	int words = 1;
	char last;

	if (line->len == 0 || line->len > LABEL_MAX_BYTES)
		return false;
	for (size_t i = 0; i < line->len; i++)
		if (s[i] == ' ' && i + 1 < line->len && s[i + 1] != ' ')
			words++;
	last = s[line->len - 1];
	return words <= LABEL_MAX_WORDS && last != '.' && last != '!' && last != '?' &&
	       last != ':' && last != ',';
}

/* Append the paragraph list; false when out of memory. */
static bool
corpusPushParagraph(grafi_article *a, size_t *cap, const char *p)
{
	if (a->n_paragraphs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		const char **nv = realloc(a->paragraphs, ncap * sizeof *nv);
		if (!nv)
			return false;
		a->paragraphs = nv;
		*cap = ncap;
	}
	a->paragraphs[a->n_paragraphs++] = p;
	return true;
}

/*
 * Build the paragraphs from BODY[0..N) (lines of A->text) into A, compacting
 * the text in place from offset *OUT on.  Each output byte comes from an
 * input byte at the same or a later offset, so writing over the text is safe.
 */
static bool
corpusBuildParagraphs(grafi_article *a, const Line *body, size_t n, size_t *out, bool blocks)
{
	size_t cap = 0;
	char *t = a->text;

	/* Blank-line separated blocks, or one paragraph per line? */
	for (size_t i = 1; i + 1 < n && !blocks; i++)
		if (body[i].len == 0 && body[i - 1].len > 0)
			for (size_t k = i + 1; k < n && !blocks; k++)
				blocks = body[k].len > 0;

	for (size_t i = 0; i < n;) {
		size_t start = *out;
		bool joining = false;

		if (body[i].len == 0) {
			i++;
			continue;
		}
		if (a->n_paragraphs == GRAFI_MAX_PARAGRAPHS) {
			/* Past the limit: reopen the last paragraph (its NUL
			 * becomes a space) and glue the rest to it. */
			(*out)--;
			a->truncated = true;
			joining = true;
		}
		do {
			if (joining)
				t[(*out)++] = ' ';
			joining = true;
			memmove(t + *out, t + body[i].start, body[i].len);
			*out += body[i].len;
			i++;
		} while (blocks && i < n && body[i].len > 0);
		t[(*out)++] = '\0';
		if (!a->truncated && !corpusPushParagraph(a, &cap, t + start))
			return false;
	}
	return true;
}

/*
 * Copy DATA[0..*LEN) as UTF-8 (decoding Windows-1252 when it is not UTF-8,
 * and then setting *CP1252) with line ends normalised to LF; *LEN gets the
 * new length.  Returns a malloc'ed NUL-terminated string, NULL when out of
 * memory.
 */
static char *
corpusDecode(const char *data, size_t *len, bool *cp1252)
{
	char *text;

	if (grafi_utf8_valid(data, *len)) {
		text = malloc(*len + 1);
		if (text && *len)
			memcpy(text, data, *len);
	} else {
		text = grafi_cp1252_to_utf8(data, *len, len);
		*cp1252 = true;
	}
	if (!text)
		return NULL;
	*len = corpusNormaliseNewlines(text, *len);
	text[*len] = '\0';
	return text;
}

grafi_read_result_t
grafi_article_parse(const char *data, size_t len, grafi_article *a)
{
	Line *lines = NULL;
	size_t n_lines = 0, first, body, out = 0, title_at = SIZE_MAX;
	grafi_read_result_t rc = GRAFI_READ_OK;

	memset(a, 0, sizeof *a);
	if (len == 0)
		return GRAFI_READ_EMPTY;
	if (memchr(data, '\0', len))
		return GRAFI_READ_BINARY;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	a->text = corpusDecode(data, &len, &a->from_cp1252);
	if (!a->text)
		return GRAFI_READ_NOMEM;

	if (!corpusSplitLines(a->text, len, &lines, &n_lines)) {
		rc = GRAFI_READ_NOMEM;
		goto fail;
	}
	for (first = 0; first < n_lines && lines[first].len == 0; first++)
		;
	if (first == n_lines) {
		rc = GRAFI_READ_EMPTY;
		goto fail;
	}

	body = first;
	if (first + 1 < n_lines && lines[first + 1].len > 0 &&
	    (first + 2 >= n_lines || lines[first + 2].len == 0) &&
	    lines[first + 1].len <= GRAF_TITLE_MAX && corpusIsLabel(a->text, &lines[first]))
		body = first + 1;  /* drop the section label */
	if (lines[body].len <= GRAF_TITLE_MAX) {
		title_at = body;
		body++;
	}

	/* The title goes first in the compacted text; a title-only file keeps
	 * its one line as a paragraph too (added after the loop). */
	if (title_at != SIZE_MAX) {
		memmove(a->text, a->text + lines[title_at].start, lines[title_at].len);
		out = lines[title_at].len;
		a->text[out++] = '\0';
	}
	if (!corpusBuildParagraphs(a, lines + body, n_lines - body, &out, false)) {
		rc = GRAFI_READ_NOMEM;
		goto fail;
	}
	a->title = title_at != SIZE_MAX ? a->text : "";
	if (a->n_paragraphs == 0) {
		size_t cap = 0;
		if (!corpusPushParagraph(a, &cap, a->title)) {
			rc = GRAFI_READ_NOMEM;
			goto fail;
		}
	}
	free(lines);
	return GRAFI_READ_OK;

fail:
	free(lines);
	grafi_article_release(a);
	return rc;
}

grafi_read_result_t
grafi_article_from_parts(const char *title, size_t title_len, const char *body, size_t body_len,
			 grafi_article *a)
{
	char *t, *b = NULL;
	Line *lines = NULL;
	size_t n_lines = 0, out = 0, blen = body_len;
	bool cp1252 = false;

	memset(a, 0, sizeof *a);
	t = corpusDecode(title, &title_len, &a->from_cp1252);
	if (t)
		b = corpusDecode(body, &blen, &cp1252);
	if (!t || !b || !(a->text = malloc(title_len + blen + 2))) {
		free(t);
		free(b);
		return GRAFI_READ_NOMEM;
	}
	a->from_cp1252 |= cp1252;

	/* The title on one line, white space collapsed, at the start of TEXT. */
	for (size_t i = 0; i < title_len; i++) {
		char c = corpusIsSpace(t[i]) ? ' ' : t[i];

		if (c != ' ' || (out > 0 && a->text[out - 1] != ' '))
			a->text[out++] = c;
	}
	while (out > 0 && a->text[out - 1] == ' ')
		out--;
	a->text[out++] = '\0';
	a->title = a->text;
	free(t);

	/* The body after it; corpusBuildParagraphs() compacts within TEXT. */
	memcpy(a->text + out, b, blen);
	a->text[out + blen] = '\0';
	free(b);
	if (!corpusSplitLines(a->text + out, blen, &lines, &n_lines))
		goto nomem;
	for (size_t i = 0; i < n_lines; i++)
		lines[i].start += out;
	if (!corpusBuildParagraphs(a, lines, n_lines, &out, true))
		goto nomem;
	free(lines);
	if (a->n_paragraphs == 0) {
		size_t cap = 0;

		if (!a->title[0]) {
			grafi_article_release(a);
			return GRAFI_READ_EMPTY;
		}
		if (!corpusPushParagraph(a, &cap, a->title))
			goto nomem;
	}
	return GRAFI_READ_OK;

nomem:
	free(lines);
	grafi_article_release(a);
	return GRAFI_READ_NOMEM;
}

void
grafi_article_release(grafi_article *a)
{
	free(a->text);
	free(a->paragraphs);
	memset(a, 0, sizeof *a);
}

graf_status_t
grafi_read_text(const char *path, const char *data, size_t len, const grafi_reader_sink *sink)
{
	grafi_article a;
	grafi_doc doc;
	graf_status_t st;

	switch (grafi_article_parse(data, len, &a)) {
	case GRAFI_READ_OK:
		break;
	case GRAFI_READ_EMPTY:
		sink->warn(sink->ctx, "empty file; skipped");
		return GRAF_STATUS_OK;
	case GRAFI_READ_BINARY:
		sink->warn(sink->ctx, "binary file (contains NUL bytes); skipped");
		return GRAF_STATUS_OK;
	default:
		return GRAF_STATUS_NOMEM;
	}
	if (a.from_cp1252)
		sink->warn(sink->ctx, "not valid UTF-8; read as Windows-1252");
	if (a.truncated)
		sink->warn(sink->ctx, "more paragraphs than graf can number; the rest joined to the last");
	doc.docid = path;
	doc.title = a.title;
	doc.paragraphs = a.paragraphs;
	doc.n_paragraphs = a.n_paragraphs;
	st = sink->doc(sink->ctx, &doc);
	grafi_article_release(&a);
	return st;
}
