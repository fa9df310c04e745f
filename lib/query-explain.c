/*
 * query-explain.c - say how graf read a query: the text of --explain, and
 * the one-line tree the tests compare.
 *
 *     query:       chips China -H20
 *     mode:        all words must match
 *     tree:
 *       AND
 *         word "chips" -> chip
 *         word "China" -> china
 *         NOT word "H20" -> h20
 *     paragraphs:  ("chips" AND "China") NOT "H20"
 *     headlines:   (any)
 *
 * The one-line tree writes each term by its tokens, as the index holds
 * them: (and chip china -h20).  A phrase is in quotes ("u s"), a prefix ends
 * with '*', a title: term starts with "title:", an exclusion with '-'.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* Write TEXT[0..LEN) with control characters shown as '?', so that the
 * explanation stays one line per item. */
static void
explainText(sqlite3_str *s, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		sqlite3_str_appendchar(s, 1, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
}

/* A term's tokens, space-separated, a prefix token with '*'. */
static void
explainTokens(sqlite3_str *s, const grafi_qnode *n)
{
	for (size_t i = 0; i < n->n_tokens; i++) {
		if (i)
			sqlite3_str_appendchar(s, 1, ' ');
		sqlite3_str_appendall(s, n->tokens[i].text);
		if (n->tokens[i].prefix)
			sqlite3_str_appendchar(s, 1, '*');
	}
}

/* N on one line: (and a "b c" (or d e*) -f title:g). */
static void
explainTree(sqlite3_str *s, const grafi_qnode *n)
{
	if (n->negated)
		sqlite3_str_appendchar(s, 1, '-');
	if (n->kind == GRAFI_QNODE_TERM) {
		bool quote = n->n_tokens > 1;

		if (n->title)
			sqlite3_str_appendall(s, "title:");
		if (quote)
			sqlite3_str_appendchar(s, 1, '"');
		explainTokens(s, n);
		if (quote)
			sqlite3_str_appendchar(s, 1, '"');
		return;
	}
	if (n->kind == GRAFI_QNODE_NEAR)
		sqlite3_str_appendf(s, "(near/%ld", n->distance);
	else
		sqlite3_str_appendall(s, n->kind == GRAFI_QNODE_OR ? "(or" : "(and");
	for (const grafi_qnode *c = n->first; c; c = c->next) {
		sqlite3_str_appendchar(s, 1, ' ');
		explainTree(s, c);
	}
	sqlite3_str_appendchar(s, 1, ')');
}

/* N and its children, one per line, indented by DEPTH. */
static void
explainLines(sqlite3_str *s, const grafi_qnode *n, int depth)
{
	sqlite3_str_appendchar(s, 2 + 2 * depth, ' ');
	if (n->negated)
		sqlite3_str_appendall(s, "NOT ");
	switch (n->kind) {
	case GRAFI_QNODE_TERM:
		sqlite3_str_appendf(s, "%s%s%s \"", n->title ? "title: " : "",
				    n->prefix ? "prefix " : "",
				    n->n_tokens > 1 ? "phrase" : "word");
		explainText(s, n->text, n->len);
		sqlite3_str_appendall(s, n->prefix ? "*\" -> " : "\" -> ");
		explainTokens(s, n);
		sqlite3_str_appendchar(s, 1, '\n');
		return;
	case GRAFI_QNODE_NEAR:
		sqlite3_str_appendf(s, "NEAR/%ld (within %ld words)\n", n->distance, n->distance);
		break;
	case GRAFI_QNODE_OR:
		sqlite3_str_appendall(s, "OR\n");
		break;
	case GRAFI_QNODE_AND:
	default:
		sqlite3_str_appendall(s, "AND\n");
		break;
	}
	for (const grafi_qnode *c = n->first; c; c = c->next)
		explainLines(s, c, depth + 1);
}

/* "label:       value\n", or nothing when VALUE is NULL. */
static void
explainField(sqlite3_str *s, const char *label, const char *value)
{
	if (!value)
		return;
	sqlite3_str_appendf(s, "%-20s ", label);
	explainText(s, value, strlen(value));
	sqlite3_str_appendchar(s, 1, '\n');
}

char *
grafi_query_explain(const char *text, graf_match_t match, const grafi_query_ast *ast,
		    const grafi_compiled_query *cq, bool tree_only)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char *v, *out;

	if (tree_only) {
		if (ast)
			explainTree(s, ast->root);
		else
			sqlite3_str_appendall(s, "(raw)");
	} else {
		explainField(s, "query:", text);
		explainField(s, "mode:", match == GRAF_MATCH_RAW ? "raw FTS5 expression (--raw)"
					 : match == GRAF_MATCH_ANY ? "any word may match (--any)"
								   : "all words must match");
		if (ast) {
			sqlite3_str_appendall(s, "tree:\n");
			explainLines(s, ast->root, 0);
		}
		explainField(s, "paragraphs:", cq->match ? cq->match : "(any, in headline order)");
		explainField(s, "paragraphs without:", cq->exclude);
		explainField(s, "headlines:", cq->title_match ? cq->title_match : "(any)");
		explainField(s, "headlines without:", cq->title_exclude);
	}
	if (sqlite3_str_errcode(s) != SQLITE_OK) {
		sqlite3_free(sqlite3_str_finish(s));
		return NULL;
	}
	v = sqlite3_str_finish(s);
	out = strdup(v ? v : "");
	sqlite3_free(v);
	return out;
}
