/*
 * query-lex.c - split what a user typed into the tokens of graf's query
 * language: words, "phrases", parentheses and the few operators (OR, AND,
 * NOT, -, title:, NEAR, NEAR/N, NEAR( ).
 *
 * The lexer decides only what is syntax.  What a word is made of (letters,
 * digits, the punctuation inside "U.S.") is left to the index's tokenizer,
 * which the parser runs on each word, so that queries and documents are cut
 * into words by the same code.  A word therefore runs to the next white
 * space, quote or parenthesis: "U.S.-China", "$4", "e-mail" and "a:b" are
 * single words here.
 *
 * Operators are recognised only where they cannot be part of a word: "OR"
 * is an operator, "or" and "ORE" are words; "-" excludes only at the start
 * of a word ("open-source" is one word); "title:" only starts a word.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "graf-private.h"

/*
 * Bytes of the white space character at S[0..N), or 0.  Besides ASCII, the
 * spaces a query pasted from a web page or a word processor may hold:
 * U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000
 * and the byte order mark U+FEFF.
 */
static size_t
lexSpace(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0)
		return 2;
	if (n < 3)
		return 0;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;
	if ((s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) ||
	    (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) ||
	    (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) ||
	    (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf))
		return 3;
	return 0;
}

/*
 * Bytes of the quotation mark at S[0..N), or 0: the ASCII '"' and the
 * typographic U+201C, U+201D, U+201E that word processors and phones put in
 * place of it.  Any of them opens a phrase, any of them closes it.
 */
static size_t
lexQuote(const unsigned char *s, size_t n)
{
	if (n >= 1 && s[0] == '"')
		return 1;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0x9c && s[2] <= 0x9e)
		return 3;
	return 0;
}

/* True if a word ends before S[0..N): the end, white space, a quote, a
 * parenthesis, or (inside NEAR( )) a comma. */
static bool
lexWordEnds(const grafi_qlex *lx, const unsigned char *s, size_t n)
{
	return n == 0 || *s == '(' || *s == ')' || (lx->near_mode && *s == ',') ||
	       lexSpace(s, n) || lexQuote(s, n);
}

/* True if nothing an operator could apply to follows position AT: the end,
 * white space or ')'. */
static bool
lexNothingAt(const grafi_qlex *lx, size_t at)
{
	const unsigned char *s = (const unsigned char *)lx->text + at;
	size_t n = lx->len - at;

	return n == 0 || *s == ')' || lexSpace(s, n) || (lx->near_mode && *s == ',');
}

/* True if TEXT[0..LEN) is the ASCII word W exactly. */
static bool
lexIs(const char *text, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(text, w, len) == 0;
}

/* True if S[0..N) is all ASCII digits. */
static bool
lexDigits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Read a phrase whose opening quote (Q bytes) is at LX->pos. */
static void
lexPhrase(grafi_qlex *lx, size_t q, grafi_qlex_token *tok)
{
	const unsigned char *s = (const unsigned char *)lx->text;
	size_t at = lx->pos + q, from = at, to, n;

	while (at < lx->len && !lexQuote(s + at, lx->len - at))
		at++;
	to = at;
	tok->type = GRAFI_QLEX_PHRASE;
	if (at < lx->len) {
		at += lexQuote(s + at, lx->len - at);
	} else {
		tok->unclosed = true;
	}
	/* "licen"* and "export licen*" both make the last word a prefix. */
	while (at < lx->len && s[at] == '*') {
		tok->prefix = true;
		at++;
	}
	for (n = to; n > from && (s[n - 1] == '*' || lexSpace(s + n - 1, 1)); n--)
		if (s[n - 1] == '*')
			tok->prefix = true;
	tok->text = lx->text + from;
	tok->len = n - from;
	tok->end = lx->pos = at;
}

/* Read the word at LX->pos: an operator, or a word (maybe a prefix). */
static void
lexWord(grafi_qlex *lx, grafi_qlex_token *tok)
{
	const unsigned char *s = (const unsigned char *)lx->text;
	size_t from = lx->pos, at = from, n;
	const char *w = lx->text + from;

	while (!lexWordEnds(lx, s + at, lx->len - at))
		at++;
	n = at - from;
	tok->end = lx->pos = at;
	if (n >= 6 && strncasecmp(w, "title:", 6) == 0) {
		tok->type = GRAFI_QLEX_FIELD;
		tok->end = lx->pos = from + 6;
		tok->dangling = lexNothingAt(lx, from + 6);
		return;
	}
	if (lexIs(w, n, "OR")) {
		tok->type = GRAFI_QLEX_OR;
		return;
	}
	if (lexIs(w, n, "AND")) {
		tok->type = GRAFI_QLEX_AND;
		return;
	}
	if (lexIs(w, n, "NOT")) {
		tok->type = GRAFI_QLEX_NOT;
		return;
	}
	if (lexIs(w, n, "NEAR")) {
		size_t k = at, sp;

		while ((sp = lexSpace(s + k, lx->len - k)) > 0)
			k += sp;
		if (k < lx->len && s[k] == '(') {
			tok->type = GRAFI_QLEX_NEAR_GROUP;
			tok->end = lx->pos = k + 1;
		} else {
			tok->type = GRAFI_QLEX_NEAR;
			tok->distance = GRAFI_QUERY_NEAR_DEFAULT;
		}
		return;
	}
	if (n > 5 && memcmp(w, "NEAR/", 5) == 0 && lexDigits(w + 5, n - 5)) {
		long d = 0;

		/* Saturate: the value only has to tell "too far" apart. */
		for (size_t k = 5; k < n; k++)
			if (d <= GRAFI_QUERY_NEAR_MAX)
				d = d * 10 + (w[k] - '0');
		tok->type = GRAFI_QLEX_NEAR;
		tok->distance = d;
		return;
	}
	tok->type = GRAFI_QLEX_WORD;
	tok->text = w;
	while (n > 0 && w[n - 1] == '*') {
		tok->prefix = true;
		n--;
	}
	tok->len = n;
}

void
grafi_qlex_init(grafi_qlex *lx, const char *text, size_t len)
{
	memset(lx, 0, sizeof *lx);
	lx->text = text;
	lx->len = len;
}

void
grafi_qlex_next(grafi_qlex *lx, grafi_qlex_token *tok)
{
	const unsigned char *s = (const unsigned char *)lx->text;
	size_t sp, q;

	memset(tok, 0, sizeof *tok);
	while ((sp = lexSpace(s + lx->pos, lx->len - lx->pos)) > 0)
		lx->pos += sp;
	tok->start = tok->end = lx->pos;
	if (lx->pos >= lx->len) {
		tok->type = GRAFI_QLEX_END;
		return;
	}
	switch (s[lx->pos]) {
	case '(':
		tok->type = GRAFI_QLEX_LPAREN;
		tok->end = ++lx->pos;
		return;
	case ')':
		tok->type = GRAFI_QLEX_RPAREN;
		tok->end = ++lx->pos;
		return;
	case ',':
		if (lx->near_mode) {
			tok->type = GRAFI_QLEX_COMMA;
			tok->end = ++lx->pos;
			return;
		}
		break;
	case '-':
		/* "-x" and "--x" exclude; a dash with nothing after it is
		 * reported as dangling. */
		while (lx->pos < lx->len && s[lx->pos] == '-')
			lx->pos++;
		tok->type = GRAFI_QLEX_MINUS;
		tok->end = lx->pos;
		tok->dangling = lexNothingAt(lx, lx->pos);
		return;
	default:
		break;
	}
	if ((q = lexQuote(s + lx->pos, lx->len - lx->pos)) > 0)
		lexPhrase(lx, q, tok);
	else
		lexWord(lx, tok);
}

const char *
grafi_qlex_type_name(grafi_qlex_type_t type)
{
	static const char *const names[GRAFI_QLEX_LAST] = {
		[GRAFI_QLEX_END] = "end of query",
		[GRAFI_QLEX_WORD] = "word",
		[GRAFI_QLEX_PHRASE] = "phrase",
		[GRAFI_QLEX_LPAREN] = "(",
		[GRAFI_QLEX_RPAREN] = ")",
		[GRAFI_QLEX_OR] = "OR",
		[GRAFI_QLEX_AND] = "AND",
		[GRAFI_QLEX_NOT] = "NOT",
		[GRAFI_QLEX_MINUS] = "-",
		[GRAFI_QLEX_FIELD] = "title:",
		[GRAFI_QLEX_NEAR] = "NEAR",
		[GRAFI_QLEX_NEAR_GROUP] = "NEAR(",
		[GRAFI_QLEX_COMMA] = ",",
	};

	return (unsigned)type < GRAFI_QLEX_LAST ? names[type] : "?";
}
