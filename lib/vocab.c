/*
 * vocab.c - the paragraph vocabulary in blocks, for walking it in order.
 *
 * "Did you mean" (suggest.c) walks the vocabulary in term order and skips
 * the prefixes it can prove too far from the typed word.  Read from post_df
 * through SQL, each term is a step of a statement and each skip a seek:
 * on the news index (161,000 terms) a one-letter typo read 14,000 terms
 * and sought 1,900 times, 24 M instructions, two thirds of its search.
 * Here the same terms are kept a second time, as rows of a few hundred
 * front-coded terms:
 *
 *   vocab(first, terms)     FIRST is the block's first term; TERMS the
 *                           block: for each term in order, varint bytes
 *                           shared with the term before (0 for the
 *                           first), varint bytes after those, the bytes
 *
 * so that a step reads a block, a term costs a few dozen instructions to
 * decode, and a skip inside a block costs no seek.  The blocks hold terms
 * only: counts change with every update, terms seldom.
 *
 * Writing.  The blocks hold exactly the paragraph terms of post_df (tbl 0;
 * --check compares them).  postings.c hands each flush's terms in order:
 * a term whose count rose (it may be new) and a term post_df dropped.  The
 * editor merges them into the blocks they fall in, and rewrites a block
 * only when a term came or went: as one block of at most VOCAB_BLOCK_BYTES,
 * or, when it grew past that, as pieces of equal size (see editCut()); a
 * block that emptied goes, one that only shrank stays as it is.
 * A build from nothing starts from no block and writes them all in one
 * pass, in key order.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* The most bytes of a block (unless its one term is longer): about 500
 * terms of the news vocabulary.  A row of a WITHOUT ROWID table that holds
 * more than about a quarter of a page spills to overflow pages (4,086 bytes
 * of graf's 16 KiB); blocks of 1 KB, 2 KB and 3.5 KB cost a one-letter typo
 * 17.6, 16.5 and 16.0 M instructions (callgrind, news index). */
#define VOCAB_BLOCK_BYTES 3584

/* FTS5 keeps at most this many bytes of a token, and so do post_df and
 * the blocks. */
#define VOCAB_MAX_TERM 32768

/* ---------------------------------------------------------- the format -- */

/* A growable byte buffer. */
typedef struct VocabBuf {
	unsigned char *p;
	size_t len, cap;
} VocabBuf;

static bool
vocabReserve(VocabBuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 256;
	unsigned char *p;

	if (b->len + more <= b->cap)
		return true;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return false;
	b->p = p;
	b->cap = cap;
	return true;
}

static bool
vocabSet(VocabBuf *b, const void *p, size_t len)
{
	b->len = 0;
	if (!vocabReserve(b, len))
		return false;
	if (len)
		memcpy(b->p, p, len);
	b->len = len;
	return true;
}

/* Byte order of A[0..NA) and B[0..NB): post_df's order (memcmp, then the
 * shorter first). */
static int
vocabCompare(const void *a, size_t na, const void *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	return c ? c : (na > nb) - (na < nb);
}

/*
 * Read the header of the term at *P (not past END) of a block: the bytes
 * it shares with the term before, and the bytes that follow, which must
 * be there.  *P moves to those bytes.  Returns 1, 0 at the block's end, or
 * -1 when the bytes are malformed.  Two one-byte varints, nearly always:
 * the walk reads one per term.
 */
static inline int
vocabHeader(const unsigned char **p, const unsigned char *end, uint64_t *shared, uint64_t *rest)
{
	const unsigned char *q = *p;

	if (q >= end)
		return 0;
	if (end - q >= 2 && q[0] < 0x80 && q[1] < 0x80) {
		*shared = q[0];
		*rest = q[1];
		q += 2;
	} else {
		size_t n = grafi_get_varint(q, end, shared), m;

		m = n ? grafi_get_varint(q + n, end, rest) : 0;
		if (m == 0)
			return -1;
		q += n + m;
	}
	if (*rest > (uint64_t)(end - q))
		return -1;
	*p = q;
	return 1;
}

/*
 * Decode the term at *P (not past END) of a block, given the term before it
 * in TERM, into TERM; *P moves past it.  Returns 1, 0 at the block's end, or
 * -1 when the bytes are malformed (more shared than the term before has, or
 * the term longer than any term can be).
 */
static int
vocabDecode(const unsigned char **p, const unsigned char *end, VocabBuf *term)
{
	uint64_t shared, rest;
	int got = vocabHeader(p, end, &shared, &rest);

	if (got <= 0)
		return got;
	if (shared > term->len || shared + rest > VOCAB_MAX_TERM ||
	    !vocabReserve(term, (size_t)rest))
		return -1;
	memcpy(term->p + shared, *p, (size_t)rest);
	term->len = (size_t)(shared + rest);
	*p += rest;
	return 1;
}

bool
grafi_key_successor(unsigned char *key, size_t *len)
{
	while (*len > 0 && key[*len - 1] == 0xff)
		(*len)--;
	if (*len == 0)
		return false;
	key[*len - 1]++;
	return true;
}

/* The paragraph terms of post_df, in order: what the blocks hold. */
static const char paragraph_terms_sql[] = "SELECT term FROM post_df WHERE tbl = 0 ORDER BY term";

/* ------------------------------------------------------------- writing -- */

static const char edit_find_sql[] =
	"SELECT first, terms FROM vocab WHERE first <= ?1 ORDER BY first DESC LIMIT 1";
static const char edit_head_sql[] = "SELECT first, terms FROM vocab ORDER BY first LIMIT 1";
static const char edit_after_sql[] =
	"SELECT first FROM vocab WHERE first > ?1 ORDER BY first LIMIT 1";
static const char edit_delete_sql[] = "DELETE FROM vocab WHERE first = ?1";
static const char edit_put_sql[] = "INSERT INTO vocab(first, terms) VALUES(?1, ?2)";

/*
 * The editor works on one region at a time: a block as stored (or nothing,
 * in an index without blocks) and the key range up to the next block's
 * first term.  Its terms, with the edits merged in, are encoded afresh
 * into OUT, as pieces of about VOCAB_BLOCK_BYTES; if any term came or went
 * (DIRTY) the block is replaced by the pieces when the region closes.
 */
struct grafi_vocab_edit {
	sqlite3_stmt *find, *head, *after, *del, *put;
	bool open;                  /* a region is open */
	bool has_key, has_limit;
	VocabBuf key;               /* the block's first term, as stored */
	VocabBuf limit;             /* the next block's first term */
	VocabBuf old;               /* the block's terms, as stored */
	size_t old_at;              /* bytes of OLD decoded */
	VocabBuf old_term;          /* the last term decoded from OLD */
	bool peeked;                /* OLD_TERM is decoded but not yet merged */
	bool dirty;
	VocabBuf out;               /* the region's pieces, one after another */
	size_t *piece;              /* where each piece starts in OUT */
	size_t n_piece, cap_piece;
	VocabBuf last;              /* the last term written to OUT */
	size_t target;              /* bytes after which a piece is closed */
	VocabBuf all;               /* the region's terms, to cut again */
	size_t block_bytes;         /* VOCAB_BLOCK_BYTES, or a test's size */
};

/* Append TERM[0..LEN) to E's pieces, in a new piece when it would take
 * the current one past E's target size. */
static int
editEmit(grafi_vocab_edit *e, const unsigned char *term, size_t len)
{
	unsigned char head[2 * GRAFI_VARINT_MAX];
	size_t shared = 0, n;
	bool fresh = e->n_piece == 0;

	if (!fresh) {
		while (shared < len && shared < e->last.len && term[shared] == e->last.p[shared])
			shared++;
		n = grafi_put_varint(head, shared);
		n += grafi_put_varint(head + n, len - shared);
		fresh = e->out.len - e->piece[e->n_piece - 1] + n + len - shared > e->target;
	}
	if (fresh) {
		if (e->n_piece == e->cap_piece) {
			size_t cap = e->cap_piece ? 2 * e->cap_piece : 16;
			size_t *p = realloc(e->piece, cap * sizeof *p);

			if (!p)
				return SQLITE_NOMEM;
			e->piece = p;
			e->cap_piece = cap;
		}
		e->piece[e->n_piece++] = e->out.len;
		shared = 0;  /* a piece's first term is whole: its key */
	}
	n = grafi_put_varint(head, shared);
	n += grafi_put_varint(head + n, len - shared);
	if (!vocabReserve(&e->out, n + len - shared) || !vocabSet(&e->last, term, len))
		return SQLITE_NOMEM;
	memcpy(e->out.p + e->out.len, head, n);
	memcpy(e->out.p + e->out.len + n, term + shared, len - shared);
	e->out.len += n + len - shared;
	return SQLITE_OK;
}

/* Decode the next term of the stored block into OLD_TERM (PEEKED); false
 * at its end.  *RC gets SQLITE_CORRUPT for malformed bytes. */
static bool
editPeek(grafi_vocab_edit *e, int *rc)
{
	const unsigned char *p, *end;
	int got;

	if (e->peeked)
		return true;
	p = e->old.p + e->old_at;
	end = e->old.p + e->old.len;
	got = e->old.len ? vocabDecode(&p, end, &e->old_term) : 0;
	if (got < 0) {
		*rc = SQLITE_CORRUPT;
		return false;
	}
	e->old_at = (size_t)(p - e->old.p);
	e->peeked = got > 0;
	return e->peeked;
}

/* Run STMT bound to BYTES[0..LEN) as ?1 (and VALUE as ?2 when not NULL)
 * to its end. */
static int
editRun(sqlite3_stmt *stmt, const void *bytes, size_t len, const VocabBuf *value)
{
	int rc = sqlite3_bind_blob(stmt, 1, bytes, (int)len, SQLITE_STATIC);

	if (rc == SQLITE_OK && value)
		rc = sqlite3_bind_blob(stmt, 2, value->p, (int)value->len, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * The region's terms, written as one piece, cut into pieces of equal size:
 * as few as hold them in blocks of at most the block size.  A full block
 * that gains a term becomes two half-full ones (as a b-tree splits a page),
 * not a full one and one of a single term, which every later insertion in
 * its range would repeat: block after tiny block.
 */
static int
editCut(grafi_vocab_edit *e)
{
	size_t k, len = e->out.len;
	const unsigned char *p, *end;
	VocabBuf term = { 0 };
	int rc = SQLITE_OK, got;

	if (len <= e->block_bytes)
		return SQLITE_OK;
	k = (len + e->block_bytes - 1) / e->block_bytes;
	/* the first term of each piece is written whole: a little slack */
	e->target = len / k + len / k / 8;
	if (e->target > e->block_bytes)
		e->target = e->block_bytes;
	/* OUT becomes ALL, and the pieces are written again from it */
	{
		VocabBuf swap = e->all;

		e->all = e->out;
		e->out = swap;
	}
	e->out.len = 0;
	e->n_piece = 0;
	p = e->all.p;
	end = e->all.p + e->all.len;
	while (rc == SQLITE_OK && (got = vocabDecode(&p, end, &term)) != 0)
		rc = got < 0 ? SQLITE_CORRUPT : editEmit(e, term.p, term.len);
	free(term.p);
	return rc;
}

/* Close the open region: the rest of its stored terms, then, if a term
 * came or went, its block replaced by the pieces. */
static int
editClose(grafi_vocab_edit *e)
{
	int rc = SQLITE_OK;

	if (!e->open)
		return SQLITE_OK;
	e->open = false;
	while (rc == SQLITE_OK && editPeek(e, &rc)) {
		rc = editEmit(e, e->old_term.p, e->old_term.len);
		e->peeked = false;
	}
	if (rc != SQLITE_OK || !e->dirty)
		return rc;
	rc = editCut(e);
	if (rc == SQLITE_OK && e->has_key)
		rc = editRun(e->del, e->key.p, e->key.len, NULL);
	for (size_t k = 0; k < e->n_piece && rc == SQLITE_OK; k++) {
		size_t from = e->piece[k], to = k + 1 < e->n_piece ? e->piece[k + 1] : e->out.len;
		const unsigned char *p = e->out.p + from;
		VocabBuf first = { 0 }, piece = { e->out.p + from, to - from, to - from };

		/* a piece's first term is written whole: its key */
		if (vocabDecode(&p, e->out.p + to, &first) != 1)
			rc = SQLITE_CORRUPT;
		else
			rc = editRun(e->put, first.p, first.len, &piece);
		free(first.p);
	}
	return rc;
}

/* Load into KEY, BLOCK (when not NULL) and HAS the row STMT gives, bound
 * to BYTES[0..LEN) when not NULL. */
static int
editLoad(sqlite3_stmt *stmt, const void *bytes, size_t len, VocabBuf *key, VocabBuf *block,
	 bool *has)
{
	int rc = bytes ? sqlite3_bind_blob(stmt, 1, bytes, (int)len, SQLITE_STATIC) : SQLITE_OK;

	*has = false;
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		*has = true;
		if (!vocabSet(key, sqlite3_column_blob(stmt, 0),
			      (size_t)sqlite3_column_bytes(stmt, 0)) ||
		    (block && !vocabSet(block, sqlite3_column_blob(stmt, 1),
					(size_t)sqlite3_column_bytes(stmt, 1))))
			rc = SQLITE_NOMEM;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_reset(stmt);
	return rc;
}

/* Open the region that holds TERM[0..LEN): the last block whose first term
 * is not after it, or the first block, or none. */
static int
editOpen(grafi_vocab_edit *e, const unsigned char *term, size_t len)
{
	int rc = editLoad(e->find, term, len, &e->key, &e->old, &e->has_key);

	if (rc == SQLITE_OK && !e->has_key)
		rc = editLoad(e->head, NULL, 0, &e->key, &e->old, &e->has_key);
	if (!e->has_key)
		e->old.len = 0;
	e->has_limit = false;
	if (rc == SQLITE_OK && e->has_key)
		rc = editLoad(e->after, e->key.p, e->key.len, &e->limit, NULL, &e->has_limit);
	e->old_at = 0;
	e->old_term.len = 0;
	e->peeked = false;
	e->dirty = false;
	e->out.len = 0;
	e->n_piece = 0;
	e->target = SIZE_MAX;  /* one piece, cut when the region closes */
	e->open = rc == SQLITE_OK;
	return rc;
}

int
grafi_vocab_edit_begin(graf_index *idx, grafi_vocab_edit **out)
{
	grafi_vocab_edit *e = calloc(1, sizeof *e);
	const char *debug = getenv("GRAF_DEBUG_VOCAB_BYTES");
	int rc;

	*out = NULL;
	if (!e)
		return SQLITE_NOMEM;
	/* A test hook: tiny blocks, to split and empty them on small inputs
	 * (tests/check_index.c). */
	e->block_bytes = debug && atoi(debug) > 0 ? (size_t)atoi(debug) : VOCAB_BLOCK_BYTES;
	rc = grafi_prepare(idx->db, edit_find_sql, 0, &e->find);
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, edit_head_sql, 0, &e->head);
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, edit_after_sql, 0, &e->after);
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, edit_delete_sql, 0, &e->del);
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, edit_put_sql, 0, &e->put);
	if (rc != SQLITE_OK) {
		grafi_vocab_edit_free(e);
		return rc;
	}
	*out = e;
	return SQLITE_OK;
}

int
grafi_vocab_edit_term(grafi_vocab_edit *e, const void *term, size_t len, bool present)
{
	const unsigned char *t = term;
	int rc = SQLITE_OK;

	if (len > VOCAB_MAX_TERM)
		len = VOCAB_MAX_TERM;
	if (!e->open || (e->has_limit && vocabCompare(t, len, e->limit.p, e->limit.len) >= 0)) {
		rc = editClose(e);
		if (rc == SQLITE_OK)
			rc = editOpen(e, t, len);
	}
	/* the stored terms before it stay */
	while (rc == SQLITE_OK && editPeek(e, &rc) &&
	       vocabCompare(e->old_term.p, e->old_term.len, t, len) < 0) {
		rc = editEmit(e, e->old_term.p, e->old_term.len);
		e->peeked = false;
	}
	if (rc != SQLITE_OK)
		return rc;
	if (e->peeked && vocabCompare(e->old_term.p, e->old_term.len, t, len) == 0) {
		e->peeked = false;
		if (present)
			return editEmit(e, t, len);
		e->dirty = true;  /* gone */
		return SQLITE_OK;
	}
	if (!present)
		return SQLITE_OK;  /* gone, and never there */
	e->dirty = true;
	return editEmit(e, t, len);
}

int
grafi_vocab_edit_end(grafi_vocab_edit *e)
{
	return editClose(e);
}

void
grafi_vocab_edit_free(grafi_vocab_edit *e)
{
	if (!e)
		return;
	sqlite3_finalize(e->find);
	sqlite3_finalize(e->head);
	sqlite3_finalize(e->after);
	sqlite3_finalize(e->del);
	sqlite3_finalize(e->put);
	free(e->key.p);
	free(e->limit.p);
	free(e->old.p);
	free(e->old_term.p);
	free(e->out.p);
	free(e->all.p);
	free(e->piece);
	free(e->last.p);
	free(e);
}

graf_status_t
grafi_vocab_fill(graf_index *idx)
{
	grafi_vocab_edit *e = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc = grafi_vocab_edit_begin(idx, &e);

	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, paragraph_terms_sql, 0, &stmt);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		rc = grafi_vocab_edit_term(e, sqlite3_column_blob(stmt, 0),
					   (size_t)sqlite3_column_bytes(stmt, 0), true);
	if (rc == SQLITE_DONE)
		rc = grafi_vocab_edit_end(e);
	sqlite3_finalize(stmt);
	grafi_vocab_edit_free(e);
	return grafi_sqlite_error(idx, rc, "cannot write the vocabulary");
}

/* ------------------------------------------------------------- reading -- */

/* From a block on, in order; and the block where a term would be. */
static const char cursor_from_sql[] =
	"SELECT first, terms FROM vocab WHERE first >= ?1 ORDER BY first";
static const char cursor_find_sql[] =
	"SELECT first FROM vocab WHERE first <= ?1 ORDER BY first DESC LIMIT 1";

struct grafi_vocab_cursor {
	sqlite3_stmt *from, *find;
	const unsigned char *p, *end;   /* the rest of FROM's current block */
	size_t skip;                    /* > 0: skip the terms that start with
					 * TERM's first SKIP bytes */
	VocabBuf min;                   /* the first term after the skipped prefix */
	bool placed;                    /* FROM was just moved to MIN's block */
	bool done;
	size_t len;                     /* bytes of TERM */
	unsigned char term[VOCAB_MAX_TERM];  /* the term decoded last */
};

bool
grafi_vocab_present(graf_index *idx)
{
	sqlite3_stmt *stmt = NULL;
	bool present = false;

	if (grafi_prepare(idx->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
				   "AND name = 'vocab'", 0, &stmt) == SQLITE_OK)
		present = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return present;
}

graf_status_t
grafi_vocab_open(graf_index *idx, grafi_vocab_cursor **out)
{
	grafi_vocab_cursor *c = malloc(sizeof *c);
	int rc;

	*out = NULL;
	if (!c)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	/* not the term buffer: 32 KiB of pages no short term touches */
	memset(c, 0, offsetof(grafi_vocab_cursor, term));
	rc = grafi_prepare(idx->db, cursor_from_sql, 0, &c->from);
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, cursor_find_sql, 0, &c->find);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(c->from, 1, "", 0, SQLITE_STATIC);
	if (rc != SQLITE_OK) {
		grafi_vocab_close(c);
		return grafi_sqlite_error(idx, rc, "cannot read the index vocabulary");
	}
	*out = c;
	return GRAF_STATUS_OK;
}

/* Move C's block statement to the block that holds MIN (the last whose
 * first term is not after it), unless that is FIRST's, the block read. */
static int
cursorFind(grafi_vocab_cursor *c, const unsigned char *first, size_t first_len, bool *moved)
{
	int rc = sqlite3_bind_blob(c->find, 1, c->min.p, (int)c->min.len, SQLITE_STATIC);

	*moved = false;
	if (rc == SQLITE_OK && (rc = sqlite3_step(c->find)) == SQLITE_ROW) {
		const void *key = sqlite3_column_blob(c->find, 0);
		size_t key_len = (size_t)sqlite3_column_bytes(c->find, 0);

		rc = SQLITE_OK;
		if (vocabCompare(key, key_len, first, first_len) > 0) {
			sqlite3_reset(c->from);
			rc = sqlite3_bind_blob(c->from, 1, key, (int)key_len, SQLITE_TRANSIENT);
			*moved = true;
		}
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_reset(c->find);
	return rc;
}

/*
 * Read C's next block.  A skip that runs into it seeks past the skipped
 * prefix, to the block that holds the first term after it, unless that is
 * this block; then goes on in that block, whose first term either has the
 * prefix too or comes after it.  Returns SQLITE_ROW (C->P is the rest of
 * the block), SQLITE_OK (the statement was moved: read again),
 * SQLITE_DONE, or an error.
 */
static int
cursorBlock(grafi_vocab_cursor *c)
{
	int rc = sqlite3_step(c->from);
	const unsigned char *first;
	size_t first_len;
	uint64_t shared, rest;

	if (rc != SQLITE_ROW)
		return rc;
	first = sqlite3_column_blob(c->from, 0);
	first_len = (size_t)sqlite3_column_bytes(c->from, 0);
	c->p = sqlite3_column_blob(c->from, 1);
	c->end = c->p + sqlite3_column_bytes(c->from, 1);
	if (c->skip > 0 && (first_len < c->skip || memcmp(first, c->term, c->skip) != 0))
		c->skip = 0;  /* past the prefix already */
	if (c->skip > 0 && !c->placed) {
		/* the first term past the prefix */
		bool moved;

		if (!vocabSet(&c->min, c->term, c->skip))
			return SQLITE_NOMEM;
		if (!grafi_key_successor(c->min.p, &c->min.len))
			return SQLITE_DONE;  /* every term left has it */
		rc = cursorFind(c, first, first_len, &moved);
		if (rc != SQLITE_OK)
			return rc;
		if (moved) {
			/* TERM keeps the prefix for the block sought */
			c->placed = true;
			c->p = c->end = NULL;
			return SQLITE_OK;
		}
	}
	c->placed = false;
	c->len = 0;
	if (c->skip == 0)
		return SQLITE_ROW;
	/* The block's first term has the prefix, but is written whole (it
	 * shares nothing with a term before): pass over it here, keeping it
	 * as the term the next ones share bytes with. */
	if (vocabHeader(&c->p, c->end, &shared, &rest) != 1 || shared != 0 ||
	    rest > VOCAB_MAX_TERM)
		return SQLITE_CORRUPT;
	memcpy(c->term, c->p, (size_t)rest);
	c->len = (size_t)rest;
	c->p += rest;
	return SQLITE_ROW;
}

int
grafi_vocab_next(grafi_vocab_cursor *c, const unsigned char **term, size_t *len)
{
	for (;;) {
		const unsigned char *q = c->p;
		uint64_t shared, rest;

		if (c->done)
			return SQLITE_DONE;
		/* The skipped prefix's terms, as fast as the bytes allow: a
		 * term that shares at least SKIP bytes with the one before
		 * (which had the prefix) has it too. */
		if (c->skip > 0)
			while (c->end - q >= 2 && q[0] < 0x80 && q[1] < 0x80 && q[0] >= c->skip &&
			       q[1] <= c->end - q - 2)
				q += 2 + q[1];
		c->p = q;
		if (q == c->end) {
			int rc = cursorBlock(c);

			if (rc != SQLITE_ROW && rc != SQLITE_OK) {
				c->done = true;
				return rc;
			}
			continue;
		}
		if (vocabHeader(&q, c->end, &shared, &rest) != 1) {
			c->done = true;
			return SQLITE_CORRUPT;
		}
		c->p = q + rest;
		/* Still the skipped prefix: the term before had it, and this
		 * one shares at least as much. */
		if (c->skip > 0 && shared >= c->skip)
			continue;
		c->skip = 0;
		if (shared > c->len || shared + rest > VOCAB_MAX_TERM) {
			c->done = true;
			return SQLITE_CORRUPT;
		}
		if (rest <= 16) {
			for (size_t i = 0; i < rest; i++)
				c->term[shared + i] = q[i];
		} else {
			memcpy(c->term + shared, q, (size_t)rest);
		}
		c->len = (size_t)(shared + rest);
		*term = c->term;
		*len = c->len;
		return SQLITE_ROW;
	}
}

void
grafi_vocab_skip(grafi_vocab_cursor *c, size_t prefix)
{
	c->skip = prefix <= c->len ? prefix : c->len;
}

void
grafi_vocab_close(grafi_vocab_cursor *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->from);
	sqlite3_finalize(c->find);
	free(c->min.p);
	free(c);
}

/* ------------------------------------------------------------ checking -- */

int
grafi_vocab_verify(graf_index *idx, char *problem, size_t size)
{
	grafi_vocab_cursor *c = NULL;
	sqlite3_stmt *stmt = NULL, *keys = NULL;
	const unsigned char *term = NULL;
	size_t len = 0;
	int rc, got;

	problem[0] = '\0';
	if (grafi_vocab_open(idx, &c) != GRAF_STATUS_OK)
		return sqlite3_errcode(idx->db) ? sqlite3_errcode(idx->db) : SQLITE_ERROR;
	rc = grafi_prepare(idx->db, paragraph_terms_sql, 0, &stmt);
	/* the terms of both, side by side */
	while (rc == SQLITE_OK && !problem[0]) {
		int df = sqlite3_step(stmt);

		got = grafi_vocab_next(c, &term, &len);
		if ((df != SQLITE_ROW && df != SQLITE_DONE) ||
		    (got != SQLITE_ROW && got != SQLITE_DONE)) {
			rc = df != SQLITE_ROW && df != SQLITE_DONE ? df : got;
			if (rc == SQLITE_CORRUPT) {
				snprintf(problem, size, "a vocabulary block is malformed");
				rc = SQLITE_OK;
			}
			break;
		}
		if (df == SQLITE_DONE && got == SQLITE_DONE)
			break;
		if (df == SQLITE_DONE || got == SQLITE_DONE ||
		    vocabCompare(term, len, sqlite3_column_blob(stmt, 0),
				 (size_t)sqlite3_column_bytes(stmt, 0)) != 0) {
			const void *t = got == SQLITE_ROW ? (const void *)term
							  : sqlite3_column_blob(stmt, 0);
			size_t n = got == SQLITE_ROW ? len : (size_t)sqlite3_column_bytes(stmt, 0);
			char shown[64];

			snprintf(problem, size,
				 "the vocabulary blocks and the paragraph terms differ at '%s'",
				 grafi_query_snippet(t, n, shown, sizeof shown));
		}
	}
	/* each block's key is its first term, and no block is empty */
	if (rc == SQLITE_OK && !problem[0])
		rc = grafi_prepare(idx->db, "SELECT first, terms FROM vocab", 0, &keys);
	while (rc == SQLITE_OK && !problem[0] && (rc = sqlite3_step(keys)) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_blob(keys, 1);
		VocabBuf first = { 0 };

		rc = SQLITE_OK;
		if (vocabDecode(&p, p + sqlite3_column_bytes(keys, 1), &first) != 1 ||
		    vocabCompare(first.p, first.len, sqlite3_column_blob(keys, 0),
				 (size_t)sqlite3_column_bytes(keys, 0)) != 0)
			snprintf(problem, size, "a vocabulary block's key is not its first term");
		free(first.p);
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(keys);
	sqlite3_finalize(stmt);
	grafi_vocab_close(c);
	return rc;
}
