/*
 * query-emit.c - compile a user's query to FTS5 expressions: check the text,
 * parse it (query-parse.c), and write the tree as FTS5 query syntax.
 *
 * Safety comes from one rule: every word or phrase the user typed is written
 * as an FTS5 string ("...", with '"' doubled), so that nothing the user typed
 * can be read as FTS5 syntax; operators, parentheses, '*', '+' and NEAR( )
 * are written only by this file.  FTS5 then runs the index's tokenizer on
 * each string, the same one the parser used to check that the string holds
 * a word, so "U.S." becomes the phrase u s and "$" is never emitted.
 *
 * What comes out, for the root's children:
 *   match          the paragraph terms: "(P1 AND P2) NOT (N1 OR N2)"
 *                  (with --any, P1 OR P2), or NULL if there are none;
 *   exclude        the paragraph exclusions when there is no match to put
 *                  them in (a query of title: terms and -words);
 *   title_match    the title: terms, with their exclusions;
 *   title_exclude  -title: terms when there is no title_match;
 *   any_match      every positive paragraph term, OR-ed (for ranking).
 * FTS5's NOT is binary, hence the grouping; every compound operand is
 * parenthesised, so FTS5's own precedence never matters.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* Which of the root's children an emitter takes. */
typedef enum EmitField {
	EMIT_ALL = 0,       /* all (below the root) */
	EMIT_BODY,          /* those that search paragraphs */
	EMIT_TITLE,         /* those that search headlines */
} EmitField;

static void emitNode(sqlite3_str *s, const grafi_qnode *n);

/* Write TEXT[0..LEN) as an FTS5 string. */
static void
emitString(sqlite3_str *s, const char *text, size_t len)
{
	const char *end = text + len, *q;

	sqlite3_str_appendchar(s, 1, '"');
	while ((q = memchr(text, '"', (size_t)(end - text))) != NULL) {
		sqlite3_str_append(s, text, (int)(q - text + 1));
		sqlite3_str_appendchar(s, 1, '"');
		text = q + 1;
	}
	sqlite3_str_append(s, text, (int)(end - text));
	sqlite3_str_appendchar(s, 1, '"');
}

/* A term: "words", or for a prefix "words before" + "last" * (see
 * parseTerm() for why the last word stands apart). */
static void
emitTerm(sqlite3_str *s, const grafi_qnode *n)
{
	if (!n->prefix) {
		emitString(s, n->text, n->len);
		return;
	}
	if (n->n_tokens > 1) {
		emitString(s, n->text, n->split);
		sqlite3_str_appendall(s, " + ");
	}
	emitString(s, n->text + n->split, n->len - n->split);
	sqlite3_str_appendall(s, " *");
}

/* True if N, one of the root's children, belongs to FIELD. */
static bool
emitWants(const grafi_qnode *n, EmitField field)
{
	return field == EMIT_ALL || (field == EMIT_TITLE) == grafi_qnode_is_title(n);
}

/* N, in parentheses if it is an operator expression. */
static void
emitOperand(sqlite3_str *s, const grafi_qnode *n)
{
	bool paren = n->kind == GRAFI_QNODE_AND || n->kind == GRAFI_QNODE_OR;

	if (paren)
		sqlite3_str_appendchar(s, 1, '(');
	emitNode(s, n);
	if (paren)
		sqlite3_str_appendchar(s, 1, ')');
}

/* How many of the siblings from FIRST are in FIELD and NEGATED (or not). */
static size_t
emitCount(const grafi_qnode *first, EmitField field, bool negated)
{
	size_t k = 0;

	for (const grafi_qnode *c = first; c; c = c->next)
		k += emitWants(c, field) && c->negated == negated;
	return k;
}

/* Those siblings, joined by OP. */
static void
emitJoin(sqlite3_str *s, const grafi_qnode *first, EmitField field, bool negated,
	 const char *op)
{
	size_t k = 0;

	for (const grafi_qnode *c = first; c; c = c->next)
		if (emitWants(c, field) && c->negated == negated) {
			if (k++)
				sqlite3_str_appendall(s, op);
			emitOperand(s, c);
		}
}

/* An AND list: the positive siblings joined by OP, then NOT the negated
 * ones (OR'ed).  There is at least one positive sibling. */
static void
emitAnd(sqlite3_str *s, const grafi_qnode *first, EmitField field, const char *op)
{
	size_t np = emitCount(first, field, false), nn = emitCount(first, field, true);

	if (np == 1 && nn == 0) {
		/* One item alone needs no parentheses: "a" OR "b". */
		for (const grafi_qnode *c = first; c; c = c->next)
			if (emitWants(c, field) && !c->negated)
				emitNode(s, c);
		return;
	}
	if (np > 1 && nn > 0)
		sqlite3_str_appendchar(s, 1, '(');
	emitJoin(s, first, field, false, op);
	if (np > 1 && nn > 0)
		sqlite3_str_appendchar(s, 1, ')');
	if (nn == 0)
		return;
	sqlite3_str_appendall(s, " NOT ");
	if (nn > 1)
		sqlite3_str_appendchar(s, 1, '(');
	emitJoin(s, first, field, true, " OR ");
	if (nn > 1)
		sqlite3_str_appendchar(s, 1, ')');
}

/* N without its own exclusion (its parent applies that). */
static void
emitNode(sqlite3_str *s, const grafi_qnode *n)
{
	switch (n->kind) {
	case GRAFI_QNODE_TERM:
		emitTerm(s, n);
		break;
	case GRAFI_QNODE_NEAR:
		sqlite3_str_appendall(s, "NEAR(");
		for (const grafi_qnode *c = n->first; c; c = c->next) {
			emitTerm(s, c);
			if (c->next)
				sqlite3_str_appendchar(s, 1, ' ');
		}
		sqlite3_str_appendf(s, ", %ld)", n->distance);
		break;
	case GRAFI_QNODE_OR:
		emitJoin(s, n->first, EMIT_ALL, false, " OR ");
		break;
	case GRAFI_QNODE_AND:
	default:
		emitAnd(s, n->first, EMIT_ALL, " AND ");
		break;
	}
}

/* Finish S into a malloc'ed string at *OUT; false when out of memory. */
static bool
emitFinish(sqlite3_str *s, char **out)
{
	int rc = sqlite3_str_errcode(s);
	char *v = sqlite3_str_finish(s);

	*out = rc == SQLITE_OK && v ? strdup(v) : NULL;
	sqlite3_free(v);
	return *out != NULL;
}

/* Fill CQ's expressions from the root ROOT.  ANY: OR the positive
 * paragraph terms instead of AND. */
static bool
emitRoot(const grafi_qnode *root, bool any, grafi_compiled_query *cq)
{
	const grafi_qnode *first = root->first;
	bool ok = true;

	if (emitCount(first, EMIT_BODY, false) > 0) {
		sqlite3_str *s = sqlite3_str_new(NULL);

		emitAnd(s, first, EMIT_BODY, any ? " OR " : " AND ");
		ok = ok && emitFinish(s, &cq->match);
	} else if (emitCount(first, EMIT_BODY, true) > 0) {
		sqlite3_str *s = sqlite3_str_new(NULL);

		emitJoin(s, first, EMIT_BODY, true, " OR ");
		ok = ok && emitFinish(s, &cq->exclude);
	}
	if (emitCount(first, EMIT_TITLE, false) > 0) {
		sqlite3_str *s = sqlite3_str_new(NULL);

		emitAnd(s, first, EMIT_TITLE, " AND ");
		ok = ok && emitFinish(s, &cq->title_match);
	} else if (emitCount(first, EMIT_TITLE, true) > 0) {
		sqlite3_str *s = sqlite3_str_new(NULL);

		emitJoin(s, first, EMIT_TITLE, true, " OR ");
		ok = ok && emitFinish(s, &cq->title_exclude);
	}
	return ok;
}

/*
 * Append to S every positive paragraph term under N (not excluded, not
 * title:), joined by OR, counting them in *COUNT: the query's words as one
 * bag, which ranking uses to score headlines and feedback to anchor the
 * expansion.
 */
static void
emitAny(sqlite3_str *s, const grafi_qnode *n, int *count)
{
	if (n->negated || n->title)
		return;
	if (n->kind == GRAFI_QNODE_TERM) {
		if ((*count)++)
			sqlite3_str_appendall(s, " OR ");
		emitTerm(s, n);
		return;
	}
	for (const grafi_qnode *c = n->first; c; c = c->next)
		emitAny(s, c, count);
}

/* Append the words of N that must occur (not excluded, not prefixes) to
 * CQ's word list; false when out of memory. */
static bool
emitWords(const grafi_qnode *n, grafi_compiled_query *cq, size_t *cap)
{
	if (n->negated)
		return true;
	for (const grafi_qnode *c = n->first; c; c = c->next)
		if (!emitWords(c, cq, cap))
			return false;
	for (size_t i = 0; i < n->n_tokens; i++) {
		const grafi_qtoken *t = &n->tokens[i];
		grafi_query_word *w;

		if (t->prefix)
			continue;
		if (cq->n_words == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			grafi_query_word *nv = realloc(cq->words, ncap * sizeof *nv);

			if (!nv)
				return false;
			cq->words = nv;
			*cap = ncap;
		}
		w = &cq->words[cq->n_words];
		w->token = strdup(t->text);
		if (!w->token)
			return false;
		w->start = t->start;
		w->end = t->end;
		w->title = n->title;
		cq->n_words++;
	}
	return true;
}

/* Move AST's warnings to CQ, with one more that counts those left out. */
static bool
emitWarnings(grafi_query_ast *ast, grafi_compiled_query *cq)
{
	cq->warnings = ast->warnings;
	cq->n_warnings = ast->n_warnings;
	ast->warnings = NULL;
	ast->n_warnings = 0;
	if (ast->n_suppressed > 0) {
		char **nv = realloc(cq->warnings, (cq->n_warnings + 1) * sizeof *nv);
		char *w;

		if (!nv)
			return false;
		cq->warnings = nv;
		w = grafi_strdup_printf("%zu more warnings not shown", ast->n_suppressed);
		if (!w)
			return false;
		cq->warnings[cq->n_warnings++] = w;
	}
	return true;
}

graf_status_t
grafi_query_compile(graf_index *idx, const char *text, graf_match_t match,
		    grafi_compiled_query *out)
{
	grafi_query_ast ast;
	graf_status_t st;
	size_t len = strlen(text), cap = 0;
	bool ok;

	memset(out, 0, sizeof *out);
	if (len > GRAFI_QUERY_MAX_BYTES)
		return grafi_error(idx, GRAF_STATUS_BAD_QUERY,
				   "query is longer than %d bytes; shorten it", GRAFI_QUERY_MAX_BYTES);
	if (!grafi_utf8_valid(text, len))
		return grafi_error(idx, GRAF_STATUS_BAD_QUERY,
				   "query is not valid UTF-8 (check the terminal's encoding)");
	if (match == GRAF_MATCH_RAW) {
		out->match = strdup(text);
		ok = out->match != NULL;
		if (ok)
			ok = (out->explain = grafi_query_explain(text, match, NULL, out, false)) &&
			     (out->tree = grafi_query_explain(text, match, NULL, out, true));
		if (!ok) {
			grafi_compiled_query_release(out);
			return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
		}
		return GRAF_STATUS_OK;
	}

	st = grafi_query_parse(idx, text, match == GRAF_MATCH_ANY, &ast);
	if (st != GRAF_STATUS_OK)
		return st;
	ok = emitRoot(ast.root, match == GRAF_MATCH_ANY, out);
	if (ok && out->match) {
		sqlite3_str *any = sqlite3_str_new(NULL);

		for (const grafi_qnode *c = ast.root->first; c; c = c->next)
			emitAny(any, c, &out->n_any);
		ok = out->n_any == 0 ? (sqlite3_free(sqlite3_str_finish(any)), true)
				     : emitFinish(any, &out->any_match);
	}
	for (const grafi_qnode *c = ast.root->first; ok && c; c = c->next)
		ok = emitWords(c, out, &cap);
	ok = ok && emitWarnings(&ast, out);
	ok = ok && (out->explain = grafi_query_explain(text, match, &ast, out, false)) &&
	     (out->tree = grafi_query_explain(text, match, &ast, out, true));
	grafi_query_ast_release(&ast);
	if (!ok) {
		grafi_compiled_query_release(out);
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	}
	return GRAF_STATUS_OK;
}

void
grafi_compiled_query_release(grafi_compiled_query *cq)
{
	free(cq->match);
	free(cq->title_match);
	free(cq->title_exclude);
	free(cq->exclude);
	free(cq->any_match);
	free(cq->explain);
	free(cq->tree);
	for (size_t i = 0; i < cq->n_warnings; i++)
		free(cq->warnings[i]);
	free(cq->warnings);
	for (size_t i = 0; i < cq->n_words; i++)
		free(cq->words[i].token);
	free(cq->words);
	memset(cq, 0, sizeof *cq);
}
