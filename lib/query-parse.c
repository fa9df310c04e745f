/*
 * query-parse.c - parse what a user typed into a query tree.
 *
 * The grammar, loosest first (doc/query-language.md has it for users):
 *
 *     query   := and
 *     and     := or { [AND] or }           juxtaposition is AND
 *     or      := near { OR near }          OR binds tighter than AND
 *     near    := unary { NEAR[/N] unary }  both sides words or phrases
 *     unary   := { - | NOT | title: } primary
 *     primary := ( and ) | NEAR( term... [, N] ) | word | "phrase"
 *
 * OR binding tighter than juxtaposition is what FTS5 and web search engines
 * do: "chips China OR Beijing" is chips AND (China OR Beijing).
 *
 * The parser never fails on what it reads.  A dangling operator, an
 * unmatched parenthesis, a word with no letters or digits is dropped (or
 * read another way) with a warning; an open quote or parenthesis is closed
 * at the end.  It fails only on the documented limits, when nothing is left
 * to search for, or when memory runs out.
 *
 * Recursion happens once per parenthesis, and parentheses are limited to
 * GRAFI_QUERY_MAX_DEPTH, so the stack stays small whatever the input; runs of
 * prefix operators ("- - - -x", "NOT NOT x") are read in a loop.  Each word is
 * tokenized once with the index's tokenizer, so parsing is linear in the
 * length of the query.
 *
 * After parsing, the tree is normalised (parseFix): nested groups of the
 * same kind are merged, one-child groups replaced by the child, exclusions
 * that FTS5 cannot express (inside OR, a group of exclusions only) dropped
 * with a warning, and title: terms that are not joined by AND at the top
 * level demoted to ordinary words, since a headline can only filter
 * articles.
 */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* ---------------------------------------------------------------- arena -- */

/* Nodes and their strings come from one arena and are freed together: no
 * per-node ownership, no recursive free. */
#define ARENA_BLOCK 8192

typedef struct ArenaBlock {
	struct ArenaBlock *next;
	size_t used, size;
	_Alignas(max_align_t) unsigned char data[];
} ArenaBlock;

struct grafi_arena {
	ArenaBlock *blocks;     /* the newest first */
};

/* N zeroed bytes from A, aligned for any type; NULL when out of memory. */
static void *
arenaAlloc(struct grafi_arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	ArenaBlock *b = a->blocks;
	void *mem;

	n = (n + align - 1) / align * align;
	if (!b || b->size - b->used < n) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;

		b = malloc(sizeof *b + size);
		if (!b)
			return NULL;
		b->used = 0;
		b->size = size;
		b->next = a->blocks;
		a->blocks = b;
	}
	mem = b->data + b->used;
	b->used += n;
	memset(mem, 0, n);
	return mem;
}

/* Free A and everything allocated from it.  Accepts NULL. */
static void
arenaFree(struct grafi_arena *a)
{
	if (!a)
		return;
	while (a->blocks) {
		ArenaBlock *b = a->blocks;

		a->blocks = b->next;
		free(b);
	}
	free(a);
}

/* ---------------------------------------------------------------- parser -- */

/* Room for grafi_query_snippet(). */
#define PARSE_SNIPPET 64

typedef struct Parser {
	graf_index *idx;
	const char *text;            /* the query */
	grafi_qlex lx;
	grafi_qlex_token tok;        /* the lookahead, when HAVE_TOK */
	bool have_tok;
	size_t consumed;             /* tokens consumed so far */
	grafi_query_ast *ast;
	graf_status_t st;            /* sticky: once set, everything unwinds */
	size_t n_words;              /* tokens of the terms read so far */
	int title;                   /* > 0 while reading under title: */
	bool any;                    /* --any: see grafi_query_parse() */

	/* The tokens of the term being read (parseToken). */
	grafi_qtoken *scratch;
	size_t n_scratch, cap_scratch;
	size_t base;                 /* offset in the query of the text tokenized */
} Parser;

const char *
grafi_query_snippet(const char *text, size_t len, char *buf, size_t size)
{
	size_t max = size > 44 ? 40 : (size > 4 ? size - 4 : 0), n = len, i;

	if (n > max) {
		n = max;
		/* Do not cut a UTF-8 sequence: back up to a lead byte. */
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (n < len && size >= 4) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	if (size > 0)
		buf[i < size ? i : size - 1] = '\0';
	return buf;
}

/* The query bytes [START, END) as a snippet in BUF (PARSE_SNIPPET bytes). */
static const char *
parseSnip(const Parser *p, size_t start, size_t end, char *buf)
{
	return grafi_query_snippet(p->text + start, end - start, buf, PARSE_SNIPPET);
}

/* Record a warning (printf-style); past GRAFI_QUERY_MAX_WARNINGS only count. */
static void __attribute__((format(printf, 2, 3)))
parseWarn(Parser *p, const char *fmt, ...)
{
	grafi_query_ast *ast = p->ast;
	char msg[512], *copy, **nv;
	va_list ap;

	if (p->st != GRAF_STATUS_OK)
		return;
	if (ast->n_warnings >= GRAFI_QUERY_MAX_WARNINGS) {
		ast->n_suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	copy = strdup(msg);
	nv = copy ? realloc(ast->warnings, (ast->n_warnings + 1) * sizeof *nv) : NULL;
	if (!nv) {
		free(copy);
		p->st = grafi_error(p->idx, GRAF_STATUS_NOMEM, "out of memory");
		return;
	}
	nv[ast->n_warnings++] = copy;
	ast->warnings = nv;
}

/* Fail with STATUS and a printf-style message, unless failed already. */
static void __attribute__((format(printf, 3, 4)))
parseFail(Parser *p, graf_status_t status, const char *fmt, ...)
{
	va_list ap;

	if (p->st != GRAF_STATUS_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(p->idx->errmsg, sizeof p->idx->errmsg, fmt, ap);
	va_end(ap);
	p->st = status;
}

/* The lookahead token (read on demand). */
static const grafi_qlex_token *
parsePeek(Parser *p)
{
	if (!p->have_tok) {
		grafi_qlex_next(&p->lx, &p->tok);
		p->have_tok = true;
	}
	return &p->tok;
}

/* Consume the lookahead token into *TOK (may be NULL). */
static void
parseTake(Parser *p, grafi_qlex_token *tok)
{
	parsePeek(p);
	if (tok)
		*tok = p->tok;
	p->have_tok = false;
	p->consumed++;
}

/* True if the lookahead cannot start an operand: an operator that needs one
 * before it, a closing parenthesis, the end. */
static bool
parseAtStop(Parser *p)
{
	switch (parsePeek(p)->type) {
	case GRAFI_QLEX_END:
	case GRAFI_QLEX_RPAREN:
	case GRAFI_QLEX_OR:
	case GRAFI_QLEX_AND:
	case GRAFI_QLEX_NEAR:
		return true;
	default:
		return false;
	}
}

/* A new node of KIND over the query bytes [START, END); NULL (and the
 * failure recorded) when out of memory. */
static grafi_qnode *
parseNode(Parser *p, grafi_qkind_t kind, size_t start, size_t end)
{
	grafi_qnode *n = arenaAlloc(p->ast->arena, sizeof *n);

	if (!n) {
		parseFail(p, GRAF_STATUS_NOMEM, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->start = start;
	n->end = end;
	n->distance = GRAFI_QUERY_NEAR_DEFAULT;
	return n;
}

/* Append C to the children of G and widen G's span over it. */
static void
groupAdd(grafi_qnode *g, grafi_qnode *c)
{
	c->next = NULL;
	if (g->last)
		g->last->next = c;
	else
		g->first = c;
	g->last = c;
	if (g->n_children++ == 0) {
		g->start = c->start;
		g->end = c->end;
	} else {
		if (c->start < g->start)
			g->start = c->start;
		if (c->end > g->end)
			g->end = c->end;
	}
}

/* G, or its only child (G's exclusion passed on to it), or NULL if empty. */
static grafi_qnode *
groupFinish(grafi_qnode *g)
{
	grafi_qnode *c;

	if (!g || g->n_children == 0)
		return NULL;
	if (g->n_children > 1)
		return g;
	c = g->first;
	c->negated ^= g->negated;
	c->next = NULL;
	return c;
}

/* xToken callback: keep the token (a copy in the arena) with its offsets
 * in the query. */
static int
parseToken(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	Parser *p = ctx;
	grafi_qtoken *t;
	char *copy;

	if (tflags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;  /* synonyms: FTS5 handles them itself */
	if (p->n_scratch == p->cap_scratch) {
		size_t ncap = p->cap_scratch ? p->cap_scratch * 2 : 16;
		grafi_qtoken *nv = realloc(p->scratch, ncap * sizeof *nv);

		if (!nv)
			return SQLITE_NOMEM;
		p->scratch = nv;
		p->cap_scratch = ncap;
	}
	copy = arenaAlloc(p->ast->arena, (size_t)n_token + 1);
	if (!copy)
		return SQLITE_NOMEM;
	memcpy(copy, token, (size_t)n_token);
	t = &p->scratch[p->n_scratch++];
	t->text = copy;
	t->start = p->base + (size_t)start;
	t->end = p->base + (size_t)end;
	t->prefix = false;
	return SQLITE_OK;
}

/* Tokenize the query bytes [FROM, FROM + LEN) onto the scratch list. */
static void
parseTokenize(Parser *p, size_t from, size_t len, int flags)
{
	int rc;

	if (p->st != GRAF_STATUS_OK || len == 0)
		return;
	p->base = from;
	rc = grafi_tokenize(p->idx, p->text + from, (int)len, flags, p, parseToken);
	if (rc != SQLITE_OK)
		p->st = grafi_sqlite_error(p->idx, rc, "cannot read query");
}

/*
 * The term for the WORD or PHRASE token TOK, tokenized as FTS5 will
 * tokenize it; NULL (with a warning) when it holds no word at all.
 *
 * A prefix term is split before its last token: FTS5 tokenizes the whole
 * string of a prefix phrase without stemming, so "export licen"* would look
 * for the unstemmed "export"; the emitter writes "export " + "licen" * and
 * keeps the first part stemmed.
 */
static grafi_qnode *
parseTerm(Parser *p, const grafi_qlex_token *tok)
{
	size_t from = (size_t)(tok->text - p->text);
	char sn[PARSE_SNIPPET];
	grafi_qnode *n;

	if (tok->len > INT_MAX / 2) {
		parseFail(p, GRAF_STATUS_BAD_QUERY, "query word is too long");
		return NULL;
	}
	n = parseNode(p, GRAFI_QNODE_TERM, tok->start, tok->end);
	if (!n)
		return NULL;
	n->text = tok->text;
	n->len = tok->len;
	n->quoted = tok->type == GRAFI_QLEX_PHRASE;
	n->prefix = tok->prefix;
	n->title = p->title > 0;
	p->n_scratch = 0;
	if (!n->prefix) {
		parseTokenize(p, from, n->len, FTS5_TOKENIZE_QUERY);
	} else {
		parseTokenize(p, from, n->len, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX);
		if (p->n_scratch > 0) {
			n->split = p->scratch[p->n_scratch - 1].start - from;
			p->n_scratch = 0;
			parseTokenize(p, from, n->split, FTS5_TOKENIZE_QUERY);
			parseTokenize(p, from + n->split, n->len - n->split,
				      FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX);
			if (p->n_scratch > 0)
				p->scratch[p->n_scratch - 1].prefix = true;
		}
	}
	if (p->st != GRAF_STATUS_OK)
		return NULL;
	if (p->n_scratch == 0) {
		parseWarn(p, "'%s' has no letters or digits; ignored",
			  parseSnip(p, tok->start, tok->end, sn));
		return NULL;
	}
	p->n_words += p->n_scratch;
	if (p->n_words > GRAFI_QUERY_MAX_WORDS) {
		parseFail(p, GRAF_STATUS_BAD_QUERY,
			  "query has more than %d words; shorten it", GRAFI_QUERY_MAX_WORDS);
		return NULL;
	}
	n->tokens = arenaAlloc(p->ast->arena, p->n_scratch * sizeof *n->tokens);
	if (!n->tokens) {
		parseFail(p, GRAF_STATUS_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(n->tokens, p->scratch, p->n_scratch * sizeof *n->tokens);
	n->n_tokens = p->n_scratch;
	return n;
}

static grafi_qnode *parseAnd(Parser *p, int depth);

/*
 * NEAR( term term ... [, N] ) after its opening token OPEN.  Only words and
 * phrases may stand inside; anything else is dropped with a warning.
 */
static grafi_qnode *
parseNearGroup(Parser *p, const grafi_qlex_token *open)
{
	grafi_qnode *g = parseNode(p, GRAFI_QNODE_NEAR, open->start, open->end);
	size_t end = open->end;
	int parens = 0;              /* '(' ignored inside, to skip their ')' */
	grafi_qlex_token t;
	char sn[PARSE_SNIPPET];

	/* The lookahead was consumed with OPEN, so the next token is read
	 * with ',' as a token. */
	p->lx.near_mode = true;
	while (g && p->st == GRAF_STATUS_OK) {
		grafi_qnode *term;

		parseTake(p, &t);
		end = t.end;
		if (t.type == GRAFI_QLEX_END) {
			parseWarn(p, "'NEAR(' not closed; closed at the end of the query");
			break;
		}
		if (t.type == GRAFI_QLEX_RPAREN && parens == 0)
			break;
		if (t.type == GRAFI_QLEX_RPAREN) {
			parens--;
			continue;
		}
		if (t.type == GRAFI_QLEX_LPAREN || t.type == GRAFI_QLEX_NEAR_GROUP)
			parens++;
		if (t.type == GRAFI_QLEX_COMMA) {
			const grafi_qlex_token *d = parsePeek(p);
			long dist = 0;

			if (d->type != GRAFI_QLEX_WORD || d->prefix || d->len == 0 ||
			    strspn(d->text, "0123456789") < d->len) {
				parseWarn(p, "',' in NEAR() must be followed by a distance; ignored");
				continue;
			}
			for (size_t k = 0; k < d->len; k++)
				if (dist <= GRAFI_QUERY_NEAR_MAX)
					dist = dist * 10 + (d->text[k] - '0');
			parseTake(p, NULL);
			g->distance = dist;
			continue;
		}
		if (t.type != GRAFI_QLEX_WORD && t.type != GRAFI_QLEX_PHRASE) {
			parseWarn(p, "'%s' inside NEAR() ignored",
				  parseSnip(p, t.start, t.end, sn));
			continue;
		}
		if (t.unclosed)
			parseWarn(p, "unbalanced quote closed at the end of the query");
		term = parseTerm(p, &t);
		if (term)
			groupAdd(g, term);
	}
	p->lx.near_mode = false;
	if (!g || p->st != GRAF_STATUS_OK)
		return NULL;
	if (g->n_children == 0) {
		parseWarn(p, "'%s' has no words; ignored", parseSnip(p, open->start, end, sn));
		return NULL;
	}
	if (g->distance > GRAFI_QUERY_NEAR_MAX) {
		parseWarn(p, "NEAR distance lowered to %d, the largest allowed", GRAFI_QUERY_NEAR_MAX);
		g->distance = GRAFI_QUERY_NEAR_MAX;
	}
	g = groupFinish(g);
	g->start = open->start;
	g->end = end;
	return g;
}

/* primary := ( and ) | NEAR( ... ) | word | "phrase".  Always consumes a
 * token; NULL when it yields nothing to search for. */
static grafi_qnode *
parsePrimary(Parser *p, int depth)
{
	grafi_qlex_token t;
	grafi_qnode *inner;
	size_t before;

	parseTake(p, &t);
	switch (t.type) {
	case GRAFI_QLEX_LPAREN:
		if (depth >= GRAFI_QUERY_MAX_DEPTH) {
			parseFail(p, GRAF_STATUS_BAD_QUERY,
				  "query nests parentheses more than %d deep; flatten it",
				  GRAFI_QUERY_MAX_DEPTH);
			return NULL;
		}
		before = p->consumed;
		inner = parseAnd(p, depth + 1);
		if (inner)
			inner->group = true;
		if (parsePeek(p)->type == GRAFI_QLEX_RPAREN) {
			grafi_qlex_token r;

			parseTake(p, &r);
			if (p->consumed == before + 1)
				parseWarn(p, "empty parentheses '()' ignored");
			if (inner) {
				inner->start = t.start;
				inner->end = r.end;
			}
		} else {
			parseWarn(p, "'(' not closed; closed at the end of the query");
		}
		return inner;
	case GRAFI_QLEX_NEAR_GROUP:
		return parseNearGroup(p, &t);
	case GRAFI_QLEX_PHRASE:
		if (t.unclosed)
			parseWarn(p, "unbalanced quote closed at the end of the query");
		return parseTerm(p, &t);
	case GRAFI_QLEX_WORD:
		return parseTerm(p, &t);
	default:
		/* Callers stop before these; never loop on one. */
		return NULL;
	}
}

/* unary := { - | NOT | title: } primary.  Runs of prefix operators are read
 * in a loop, so "- - - - x" costs no stack. */
static grafi_qnode *
parseUnary(Parser *p, int depth)
{
	bool neg = false, field = false, any = false;
	grafi_qlex_token t, last = { 0 };
	size_t start = parsePeek(p)->start;
	grafi_qnode *n;
	char sn[PARSE_SNIPPET];

	while (p->st == GRAF_STATUS_OK) {
		grafi_qlex_type_t type = parsePeek(p)->type;

		if (type != GRAFI_QLEX_MINUS && type != GRAFI_QLEX_NOT && type != GRAFI_QLEX_FIELD)
			break;
		parseTake(p, &t);
		if (type == GRAFI_QLEX_NOT && parseAtStop(p))
			t.dangling = true;
		if (t.dangling) {
			parseWarn(p, "'%s' has nothing after it; ignored",
				  parseSnip(p, t.start, t.end, sn));
			continue;
		}
		if (!any)
			start = t.start;
		any = true;
		last = t;
		if (type == GRAFI_QLEX_FIELD)
			field = true;
		else
			neg = !neg;
	}
	if (p->st != GRAF_STATUS_OK)
		return NULL;
	if (parseAtStop(p)) {
		/* "-OR", "title:)": an operator where a word should be. */
		if (any)
			parseWarn(p, "'%s' has nothing after it; ignored",
				  parseSnip(p, last.start, last.end, sn));
		return NULL;
	}
	if (field)
		p->title++;
	n = parsePrimary(p, depth);
	if (field)
		p->title--;
	if (n && any) {
		n->negated ^= neg;
		n->start = start;
	}
	return n;
}

/* True if N can stand in NEAR: a word or phrase, not excluded. */
static bool
parseIsPlainTerm(const grafi_qnode *n)
{
	return n->kind == GRAFI_QNODE_TERM && !n->negated;
}

/* near := unary { NEAR[/N] unary }.  A chain makes one NEAR group with the
 * largest distance; anything but words on either side reads as AND. */
static grafi_qnode *
parseNear(Parser *p, int depth)
{
	grafi_qnode *left = parseUnary(p, depth), *near = NULL;
	char sn[PARSE_SNIPPET];

	while (p->st == GRAF_STATUS_OK && parsePeek(p)->type == GRAFI_QLEX_NEAR) {
		grafi_qlex_token op;
		grafi_qnode *right;
		long d;

		parseTake(p, &op);
		d = op.distance;
		if (parseAtStop(p)) {
			parseWarn(p, "'%s' has nothing on its right; ignored",
				  parseSnip(p, op.start, op.end, sn));
			continue;
		}
		right = parseUnary(p, depth);
		if (!right)
			continue;
		if (!left) {
			parseWarn(p, "'%s' has nothing on its left; ignored",
				  parseSnip(p, op.start, op.end, sn));
			left = right;
			continue;
		}
		if (d > GRAFI_QUERY_NEAR_MAX) {
			parseWarn(p, "NEAR distance lowered to %d, the largest allowed",
				  GRAFI_QUERY_NEAR_MAX);
			d = GRAFI_QUERY_NEAR_MAX;
		}
		if (parseIsPlainTerm(right) && (near || parseIsPlainTerm(left))) {
			if (!near) {
				near = parseNode(p, GRAFI_QNODE_NEAR, left->start, left->end);
				if (!near)
					return NULL;
				near->distance = d;
				groupAdd(near, left);
				left = near;
			}
			groupAdd(near, right);
			if (d > near->distance)
				near->distance = d;
		} else {
			grafi_qnode *and = parseNode(p, GRAFI_QNODE_AND, left->start, left->end);

			parseWarn(p, "'%s' needs a word or phrase on each side; read as AND",
				  parseSnip(p, op.start, op.end, sn));
			if (!and)
				return NULL;
			groupAdd(and, left);
			groupAdd(and, right);
			left = and;
			near = NULL;
		}
	}
	return left;
}

/* or := near { OR near } */
static grafi_qnode *
parseOr(Parser *p, int depth)
{
	grafi_qnode *left = parseNear(p, depth), *or = NULL;

	while (p->st == GRAF_STATUS_OK && parsePeek(p)->type == GRAFI_QLEX_OR) {
		grafi_qlex_token op;
		grafi_qnode *right;

		parseTake(p, &op);
		if (parseAtStop(p)) {
			parseWarn(p, "'OR' has nothing on its right; ignored");
			continue;
		}
		right = parseNear(p, depth);
		if (!right)
			continue;
		if (!left) {
			parseWarn(p, "'OR' has nothing on its left; ignored");
			left = right;
			continue;
		}
		if (!or) {
			or = parseNode(p, GRAFI_QNODE_OR, left->start, left->end);
			if (!or)
				return NULL;
			groupAdd(or, left);
		}
		groupAdd(or, right);
	}
	return or ? or : left;
}

/* and := or { [AND] or }, up to a ')' (inside parentheses) or the end. */
static grafi_qnode *
parseAnd(Parser *p, int depth)
{
	grafi_qnode *g = parseNode(p, GRAFI_QNODE_AND, parsePeek(p)->start, parsePeek(p)->start);
	char sn[PARSE_SNIPPET];

	while (g && p->st == GRAF_STATUS_OK) {
		const grafi_qlex_token *t = parsePeek(p);
		grafi_qlex_token op;
		grafi_qnode *item;

		switch (t->type) {
		case GRAFI_QLEX_END:
			return groupFinish(g);
		case GRAFI_QLEX_RPAREN:
			if (depth > 0)
				return groupFinish(g);
			parseWarn(p, "unmatched ')' ignored");
			parseTake(p, NULL);
			continue;
		case GRAFI_QLEX_AND:
			parseTake(p, &op);
			if (g->n_children == 0)
				parseWarn(p, "'AND' has nothing on its left; ignored");
			else if (parseAtStop(p))
				parseWarn(p, "'AND' has nothing on its right; ignored");
			continue;
		case GRAFI_QLEX_OR:
		case GRAFI_QLEX_NEAR:
			parseTake(p, &op);
			parseWarn(p, "'%s' has nothing on its left; ignored",
				  parseSnip(p, op.start, op.end, sn));
			continue;
		default:
			item = parseOr(p, depth);
			if (item)
				groupAdd(g, item);
			break;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------- normalising -- */

/* Which fields the terms under N search: bit 1 title, bit 2 paragraphs. */
static int
fieldsOf(const grafi_qnode *n)
{
	int f = 0;

	if (n->kind == GRAFI_QNODE_TERM)
		return n->title ? 1 : 2;
	for (const grafi_qnode *c = n->first; c && f != 3; c = c->next)
		f |= fieldsOf(c);
	return f;
}

bool
grafi_qnode_is_title(const grafi_qnode *n)
{
	return fieldsOf(n) == 1;
}

/* Make every title: term under N an ordinary word. */
static void
fieldsDemote(grafi_qnode *n)
{
	n->title = false;
	for (grafi_qnode *c = n->first; c; c = c->next)
		fieldsDemote(c);
}

/* True if F, a child of the root (PARENT is GRAFI_QNODE_LAST), must stay
 * one item: with --any, "(a b) c" is (a AND b) OR c.  A group of exclusions
 * only still merges: its exclusions apply to the whole query. */
static bool
parseKeepGroup(const Parser *p, const grafi_qnode *f, grafi_qkind_t parent)
{
	if (!p->any || parent != GRAFI_QNODE_LAST || !f->group || f->kind != GRAFI_QNODE_AND)
		return false;
	for (const grafi_qnode *c = f->first; c; c = c->next)
		if (!c->negated)
			return true;
	return false;
}

/*
 * True if T, a term, is a compound of words joined by hyphens or slashes
 * ("fast-twitch", "TCR/CD3") and not written in quotes.  With --any such a
 * compound is searched as its words, not as a phrase: a ranked query should
 * credit an abstract that writes "fast and slow twitch" or "TCR and CD3";
 * the proximity part of the score still rewards the words side by side
 * (doc/ranking.md).  A compound with a number for a part ("IL-6", "3.5")
 * and other compounds ("U.S.") stay phrases: their parts mean little apart.
 */
static bool
parseSplittable(const Parser *p, const grafi_qnode *t)
{
	if (t->kind != GRAFI_QNODE_TERM || t->quoted || t->prefix || t->title || t->negated ||
	    t->n_tokens < 2)
		return false;
	for (size_t i = 0; i < t->n_tokens; i++) {
		const grafi_qtoken *k = &t->tokens[i];

		if (strspn(p->text + k->start, "0123456789") >= k->end - k->start)
			return false;  /* a number */
		if (i > 0 && (k->start <= t->tokens[i - 1].end ||
			      strspn(p->text + t->tokens[i - 1].end, "-/") <
				      k->start - t->tokens[i - 1].end))
			return false;  /* joined by something else */
	}
	return true;
}

/* Append the words of the compound T (parseSplittable()) to G, one term
 * each. */
static void
parseSplitInto(Parser *p, grafi_qnode *g, const grafi_qnode *t)
{
	for (size_t i = 0; i < t->n_tokens && p->st == GRAF_STATUS_OK; i++) {
		grafi_qnode *w = parseNode(p, GRAFI_QNODE_TERM, t->tokens[i].start, t->tokens[i].end);

		if (!w)
			return;
		w->text = p->text + t->tokens[i].start;
		w->len = t->tokens[i].end - t->tokens[i].start;
		w->tokens = &t->tokens[i];
		w->n_tokens = 1;
		groupAdd(g, w);
	}
}

/*
 * Normalise N, a child of a PARENT node (GRAFI_QNODE_LAST: N is the root),
 * bottom up.  Returns the node to put in N's place, or NULL to drop it.
 */
static grafi_qnode *
parseFix(Parser *p, grafi_qnode *n, grafi_qkind_t parent)
{
	grafi_qnode *c, *next;
	size_t positives = 0, start, end;
	char sn[PARSE_SNIPPET];

	if (n->negated && parent != GRAFI_QNODE_AND && parent != GRAFI_QNODE_LAST) {
		parseWarn(p, "'%s': cannot exclude inside OR; searched as if without '-'",
			  parseSnip(p, n->start, n->end, sn));
		n->negated = false;
	}
	if (n->kind == GRAFI_QNODE_TERM || n->kind == GRAFI_QNODE_NEAR)
		return n;

	c = n->first;
	start = n->start;
	end = n->end;
	n->first = n->last = NULL;
	n->n_children = 0;
	for (; c && p->st == GRAF_STATUS_OK; c = next) {
		grafi_qnode *f;

		next = c->next;
		f = parseFix(p, c, n->kind);
		if (!f)
			continue;
		if (p->any && parent == GRAFI_QNODE_LAST && parseSplittable(p, f)) {
			parseSplitInto(p, n, f);
		} else if (f->kind == n->kind && !f->negated && !parseKeepGroup(p, f, parent)) {
			/* Merge "a (b c)" into "a b c", "a OR (b OR c)" alike. */
			for (grafi_qnode *g = f->first, *gn; g; g = gn) {
				gn = g->next;
				groupAdd(n, g);
			}
		} else {
			groupAdd(n, f);
		}
	}
	/* groupAdd() spanned the children; keep the parentheses. */
	n->start = start;
	n->end = end;
	for (c = n->first; c; c = c->next)
		positives += !c->negated;
	if (n->kind == GRAFI_QNODE_AND && positives == 0 && n->first) {
		/* "(-a -b)": its exclusions join the enclosing AND when there
		 * is one; elsewhere ("x OR (-a -b)") FTS5 cannot say it. */
		if (parent == GRAFI_QNODE_LAST || (parent == GRAFI_QNODE_AND && !n->negated))
			return n;
		parseWarn(p, "'%s' only excludes words; ignored",
			  parseSnip(p, n->start, n->end, sn));
		return NULL;
	}
	if (parent == GRAFI_QNODE_LAST)
		return n;
	return groupFinish(n);
}

/* Demote title: terms under the root's children that mix fields: a headline
 * can only restrict the articles as a whole. */
static void
parseFixFields(Parser *p, grafi_qnode *root)
{
	char sn[PARSE_SNIPPET];

	for (grafi_qnode *c = root->first; c; c = c->next)
		if (fieldsOf(c) == 3) {
			parseWarn(p, "'%s': title: works only on words joined by AND; "
				  "searched in paragraphs", parseSnip(p, c->start, c->end, sn));
			fieldsDemote(c);
		}
}

graf_status_t
grafi_query_parse(graf_index *idx, const char *text, bool any, grafi_query_ast *out)
{
	Parser p = { 0 };
	grafi_qnode *root;
	size_t positives = 0;
	char sn[PARSE_SNIPPET];

	memset(out, 0, sizeof *out);
	out->arena = calloc(1, sizeof *out->arena);
	if (!out->arena)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	p.idx = idx;
	p.text = text;
	p.ast = out;
	p.any = any;
	grafi_qlex_init(&p.lx, text, strlen(text));

	root = parseAnd(&p, 0);
	if (p.st == GRAF_STATUS_OK && (!root || root->kind != GRAFI_QNODE_AND || root->negated)) {
		grafi_qnode *wrap = parseNode(&p, GRAFI_QNODE_AND, 0, 0);

		if (wrap && root)
			groupAdd(wrap, root);
		root = wrap;
	}
	if (p.st == GRAF_STATUS_OK)
		root = parseFix(&p, root, GRAFI_QNODE_LAST);
	if (p.st == GRAF_STATUS_OK)
		parseFixFields(&p, root);
	if (p.st == GRAF_STATUS_OK) {
		for (grafi_qnode *c = root->first; c; c = c->next)
			positives += !c->negated;
		/* Say why: the first warning is usually what dropped the
		 * only word ("'*' has no letters or digits; ignored"). */
		if (positives == 0 && root->first)
			parseFail(&p, GRAF_STATUS_BAD_QUERY,
				  "query '%s' only excludes words; add a word to search for",
				  parseSnip(&p, 0, strlen(text), sn));
		else if (positives == 0)
			parseFail(&p, GRAF_STATUS_BAD_QUERY, "query '%s' has no word to search for%s%s%s",
				  parseSnip(&p, 0, strlen(text), sn), out->n_warnings ? " (" : "",
				  out->n_warnings ? out->warnings[0] : "", out->n_warnings ? ")" : "");
	}
	free(p.scratch);
	if (p.st != GRAF_STATUS_OK) {
		graf_status_t st = p.st;

		grafi_query_ast_release(out);
		return st;
	}
	out->root = root;
	return GRAF_STATUS_OK;
}

void
grafi_query_ast_release(grafi_query_ast *ast)
{
	for (size_t i = 0; i < ast->n_warnings; i++)
		free(ast->warnings[i]);
	free(ast->warnings);
	arenaFree(ast->arena);
	memset(ast, 0, sizeof *ast);
}
