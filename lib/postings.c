/*
 * postings.c - graf's own inverted lists, kept beside FTS5's, so that the
 * top-k search (topk.c) can find the best paragraphs without scoring every
 * match.
 *
 * FTS5 answers "which rows match" well, but to rank them it must visit every
 * matching row.  graf keeps, for each term of each full-text table, the rows
 * that hold it with the term's frequency and the row's length: enough to
 * compute a BM25 score, or a bound on one, in a few nanoseconds per row.
 *
 * Capture.  The lists are not computed by tokenizing the text a second
 * time: while update.c inserts a row, the "graf" tokenizer that FTS5 runs on
 * it hands every token to the capture (grafi_capture_token), so the lists
 * hold exactly the tokens FTS5 indexed.
 *
 * Storage: segments, as in FTS5 and Lucene.  Each update run writes the
 * postings of the rows it inserted into new segments (one each time the
 * lists in memory reach POST_FLUSH_BYTES, so memory stays bounded) and
 * records the rows it deleted as tombstones: post_tomb(tbl, row, seg)
 * means "row's postings in segments older than seg are dead".  When a
 * table has too many segments, or the run built the index from nothing, all
 * its segments are merged into one and the tombstones dropped.  The tables:
 *
 *   post(tbl, seg, term, chunk, n, data)
 *                                   the postings of TERM in segment SEG, in
 *                                   chunks of whole blocks of at most
 *                                   POST_CHUNK bytes (a row that fits in a
 *                                   b-tree page: a large blob spilling to
 *                                   overflow pages would waste most of its
 *                                   last page); keyed by segment first, so
 *                                   that an update's new segment is new
 *                                   pages, and a term is read with one seek
 *                                   per segment
 *   post_seg(id, tbl, postings)     the segments, oldest first
 *   post_tomb(tbl, row, seg)        deleted rows
 *   post_df(tbl, term, df)          how many rows hold TERM: kept exact from
 *                                   the tokens of the rows inserted and of
 *                                   the rows deleted (FTS5 tokenizes a row
 *                                   it deletes, and the capture sees it), so
 *                                   that ranking reads a term's IDF in one
 *                                   seek (stats.c)
 *
 * A list (data) is a sequence of blocks of at most POST_BLOCK postings:
 *   varint body_bytes, varint count, varint last_article, varint last_para,
 *   varint max_tf, varint min_dl, body
 * and a posting in the body is
 *   varint article delta, varint paragraph, varint tf, varint dl
 * where the first posting of a block gives its article in full, and dl is
 * the row's length in tokens (as FTS5 counts it: xColumnSize).  The block
 * header lets a reader skip a block (last row) or bound its scores (max tf,
 * min length) without decoding it.  Rowids are split into article and
 * paragraph (GRAFI_ROWID) because consecutive postings of a term are
 * usually in the same or a nearby article: one byte each.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* Postings per block: small enough to skip finely, large enough that the
 * header is noise. */
#define POST_BLOCK 128

/* FTS5 keeps at most this many bytes of a token; so does the capture. */
#define POST_MAX_TOKEN 32768
#define POST_TOKEN_LEN(len) ((len) > POST_MAX_TOKEN ? POST_MAX_TOKEN : (len))

/* Flush the in-memory lists to a segment when they take this much memory:
 * bounds graf-index's memory whatever the corpus.  The news benchmark's 6.9
 * million postings and 161,000 terms take 62 MiB, so its build from nothing
 * flushes nothing; a corpus a little larger spills once and pays a merge at
 * the end, about 12% of its CPU time (doc/performance.md). */
#define POST_FLUSH_BYTES (64L << 20)

/* Memory a term costs besides postings that outgrow it: its PostTerm and
 * text, the allocator's header and its share of the hash table's slots. */
#define POST_TERM_BYTES(len) (sizeof(PostTerm) + (size_t)(len) + 1 + 8 + 16)

/* Bytes of blocks per stored row (see the file comment). */
#define POST_CHUNK 3000

/* Walking terms scattered in memory, ask for the one this far ahead (and
 * its list at half the distance), so that their fetches overlap. */
#define POST_AHEAD 8

/* Merge a table's segments into one when it has more than this many. */
#define POST_MAX_SEGMENTS 8

/* ------------------------------------------------------------- builder -- */

/*
 * In memory, a term's postings are appended as varints: the article as a
 * zigzag delta from the previous posting's (rows usually come in order, so
 * one byte), the paragraph, tf and the row length.  About four bytes a
 * posting.
 *
 * Most terms are rare (half of the news benchmark's 180,000 terms are in one
 * or two rows), so what a term costs besides its postings decides how many
 * postings fit in the memory budget: the term's bytes live at the end of its
 * PostTerm and its first postings inside it, one allocation in all until
 * the list outgrows POST_INLINE bytes.  Half the memory of a PostTerm with
 * pointers to both, and at 1x the news benchmark's lists then fit in
 * POST_FLUSH_BYTES with no spill to merge (doc/performance.md).
 */
#define POST_INLINE 16

typedef struct PostTerm {
	sqlite3_int64 last_row;  /* of the last posting; -1: none */
	uint64_t row_mark;       /* capture: the row counted in row_slot */
	unsigned char *buf;      /* the postings: inline, or allocated */
	uint32_t n, cap;         /* bytes (a list bigger than 4 GiB fails) */
	uint32_t count;          /* postings */
	uint32_t row_slot;
	int32_t df_delta;        /* rows gained minus rows lost in this run */
	/* the state before the current file first touched it, for a rollback */
	uint32_t file_serial;
	sqlite3_int64 file_last_row;
	uint32_t file_n, file_count;
	int32_t file_df_delta;
	uint16_t len;            /* of the term: at most 32768 bytes */
	bool sorted;             /* rows appended in increasing order */
	bool file_sorted;
	unsigned char inline_buf[POST_INLINE];
	char term[];             /* LEN bytes and a NUL */
} PostTerm;

/* The terms of the row being inserted. */
typedef struct RowTerm {
	PostTerm *term;
	uint32_t tf;
} RowTerm;

/* The in-memory postings of one table: term -> PostTerm. */
typedef struct PostTable {
	PostTerm **slots;        /* open addressing */
	size_t cap, n;
	long postings;           /* held in memory */
	size_t bytes;            /* of memory its terms take (estimated) */
	bool empty_at_start;     /* no segment when the run began */
	bool spilled;            /* postings went to temp.post_spill */
} PostTable;

struct grafi_postings {
	graf_index *idx;
	sqlite3_int64 tomb_seg;  /* segment id tombstones of this run carry */
	size_t flush_bytes;      /* POST_FLUSH_BYTES, or the tests' setting */
	uint32_t serial;         /* of the current file */
	PostTable table[GRAFI_TABLE_LAST];
	/* the row being captured */
	int row_table;           /* -1: capture off */
	bool deleting;           /* the rows tokenized are being deleted */
	sqlite3_int64 row;
	uint64_t row_serial;     /* counts captured rows: PostTerm.row_mark */
	int row_tokens;
	RowTerm *row_terms;
	size_t row_n, row_cap;
	const grafi_tokens *ahead;  /* of the row's text, or NULL */
	graf_status_t status;    /* sticky failure of the capture */
	sqlite3_int64 spill_seg; /* the last segment written to the spill */
	sqlite3_stmt *put_seg, *put_tomb, *drop_df;
};

static uint32_t
postHash(const char *s, int n)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The PostTerm of TERM (postHash() HASH) in TABLE, created if missing; NULL
 * if out of memory. */
static PostTerm *
postTermGet(grafi_postings *p, int table, const char *term, int len, uint32_t hash)
{
	PostTable *t = &p->table[table];
	size_t mask, i;
	PostTerm *pt;

	if ((t->n + 1) * 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 4096;
		PostTerm **ns = calloc(ncap, sizeof *ns);

		if (!ns)
			return NULL;
		for (size_t k = 0; k < t->cap; k++) {
			PostTerm *o = t->slots[k];

			if (!o)
				continue;
			for (i = postHash(o->term, o->len) & (ncap - 1); ns[i]; i = (i + 1) & (ncap - 1))
				;
			ns[i] = o;
		}
		free(t->slots);
		t->slots = ns;
		t->cap = ncap;
	}
	mask = t->cap - 1;
	for (i = hash & mask; (pt = t->slots[i]) != NULL; i = (i + 1) & mask)
		if (pt->len == len && memcmp(pt->term, term, (size_t)len) == 0)
			return pt;
	pt = calloc(1, sizeof *pt + (size_t)len + 1);
	if (!pt)
		return NULL;
	memcpy(pt->term, term, (size_t)len);
	pt->term[len] = '\0';
	pt->len = (uint16_t)len;
	pt->buf = pt->inline_buf;
	pt->cap = POST_INLINE;
	pt->sorted = true;
	pt->last_row = -1;
	pt->file_serial = UINT32_MAX;
	t->slots[i] = pt;
	t->n++;
	t->bytes += POST_TERM_BYTES(len);
	return pt;
}

/* Ask for the term in T's slot K + POST_AHEAD, if any, while slot K is
 * worked on: a walk over the slots touches terms scattered in memory. */
static inline void
postPrefetchSlot(const PostTable *t, size_t k)
{
	if (k + POST_AHEAD < t->cap && t->slots[k + POST_AHEAD])
		GRAFI_PREFETCH(t->slots[k + POST_AHEAD]);
}

static void
postTermsFree(grafi_postings *p, int table)
{
	PostTable *t = &p->table[table];

	for (size_t k = 0; k < t->cap; k++)
		if (t->slots[k]) {
			postPrefetchSlot(t, k);
			if (t->slots[k]->buf != t->slots[k]->inline_buf)
				free(t->slots[k]->buf);
			free(t->slots[k]);
		}
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
	t->postings = 0;
	t->bytes = 0;
}

/* Remember PT's state before the current file first changes it. */
static void
postTouch(PostTerm *pt, uint32_t serial)
{
	if (pt->file_serial == serial)
		return;
	pt->file_serial = serial;
	pt->file_n = pt->n;
	pt->file_count = pt->count;
	pt->file_last_row = pt->last_row;
	pt->file_sorted = pt->sorted;
	pt->file_df_delta = pt->df_delta;
}

void
grafi_capture_text(grafi_postings *p)
{
	/* Each tokenization of a deleted row is one row: count its terms
	 * once each. */
	if (p && p->row_table >= 0 && p->deleting)
		p->row_serial++;
}

/* Count TF more occurrences of TERM (postHash() HASH) in the row being
 * captured. */
static void
captureTerm(grafi_postings *p, const char *term, int len, uint32_t hash, uint32_t tf)
{
	PostTerm *pt = postTermGet(p, p->row_table, term, len, hash);

	if (!pt) {
		p->status = GRAF_STATUS_NOMEM;
		return;
	}
	if (p->deleting) {
		/* a row going away: one document fewer for each of its terms */
		if (pt->row_mark != p->row_serial) {
			pt->row_mark = p->row_serial;
			postTouch(pt, p->serial);
			pt->df_delta--;
		}
		return;
	}
	if (pt->row_mark == p->row_serial) {
		p->row_terms[pt->row_slot].tf += tf;
		return;
	}
	if (p->row_n == p->row_cap) {
		size_t ncap = p->row_cap ? p->row_cap * 2 : 64;
		RowTerm *nv = realloc(p->row_terms, ncap * sizeof *nv);

		if (!nv) {
			p->status = GRAF_STATUS_NOMEM;
			return;
		}
		p->row_terms = nv;
		p->row_cap = ncap;
	}
	pt->row_mark = p->row_serial;
	pt->row_slot = (uint32_t)p->row_n;
	p->row_terms[p->row_n].term = pt;
	p->row_terms[p->row_n].tf = tf;
	p->row_n++;
}

void
grafi_capture_token(grafi_postings *p, const char *token, int n_token, bool colocated)
{
	if (!p || p->row_table < 0 || p->status != GRAF_STATUS_OK)
		return;
	if (!colocated)
		p->row_tokens++;
	n_token = POST_TOKEN_LEN(n_token);
	captureTerm(p, token, n_token, postHash(token, n_token), 1);
}

/*
 * The capture's work on a text, done ahead on the pipe's thread: each
 * token's hash, and each term's count at its first token, so that the
 * writer looks a term up once per row instead of once per token, and
 * hashes nothing (grafi_capture_counted).  A table of the text's terms,
 * by index of their first token, reused from text to text.
 */
bool
grafi_tokens_count(grafi_token_buf *b, size_t from)
{
	size_t n = b->n - from, cap = 16, mask;
	uint32_t *slots;

	while (cap < 2 * n)
		cap *= 2;
	if (!(slots = grafi_reserve(b->slots, &b->slots_cap, cap, sizeof *slots)))
		return false;
	b->slots = slots;
	memset(slots, 0xff, cap * sizeof *slots);  /* UINT32_MAX: free */
	mask = cap - 1;
	for (size_t i = from; i < b->n; i++) {
		grafi_token *t = &b->v[i];
		const char *stem = b->stems + t->stem;
		int len = POST_TOKEN_LEN(t->len);
		size_t j;

		t->hash = postHash(stem, len);
		t->tf = 1;
		for (j = t->hash & mask; slots[j] != UINT32_MAX; j = (j + 1) & mask) {
			grafi_token *first = &b->v[from + slots[j]];

			if (first->hash == t->hash && POST_TOKEN_LEN(first->len) == len &&
			    memcmp(b->stems + first->stem, stem, (size_t)len) == 0) {
				first->tf++;
				t->tf = 0;
				break;
			}
		}
		if (t->tf)
			slots[j] = (uint32_t)(i - from);  /* a text is < 256 MiB */
	}
	return true;
}

void
grafi_capture_counted(grafi_postings *p, const grafi_tokens *t)
{
	const PostTable *tb;

	if (!p || p->row_table < 0)
		return;
	/* The row's terms are all known before the first is looked up: ask
	 * for their slots, then for their PostTerms, so that the memory
	 * fetches (the table is larger than the caches) overlap instead of
	 * coming one after the other. */
	tb = &p->table[p->row_table];
	if (tb->cap) {
		size_t mask = tb->cap - 1;

		for (size_t i = 0; i < t->n; i++)
			if (t->v[i].tf)
				GRAFI_PREFETCH(&tb->slots[t->v[i].hash & mask]);
		for (size_t i = 0; i < t->n; i++)
			if (t->v[i].tf && tb->slots[t->v[i].hash & mask])
				GRAFI_PREFETCH(tb->slots[t->v[i].hash & mask]);
	}
	for (size_t i = 0; i < t->n && p->status == GRAF_STATUS_OK; i++) {
		const grafi_token *k = &t->v[i];

		if (!(k->flags & FTS5_TOKEN_COLOCATED))
			p->row_tokens++;
		if (k->tf)
			captureTerm(p, t->stems + k->stem, POST_TOKEN_LEN(k->len), k->hash, k->tf);
	}
}

void
grafi_capture_ahead(grafi_postings *p, const grafi_tokens *tokens)
{
	if (p)
		p->ahead = tokens;
}

const grafi_tokens *
grafi_capture_ahead_for(const grafi_postings *p, const char *text, int len)
{
	const grafi_tokens *t = p ? p->ahead : NULL;

	return t && t->text == text && t->text_len == len ? t : NULL;
}

void
grafi_capture_deletes(grafi_postings *p, int table)
{
	if (!p)
		return;
	p->row_table = table;
	p->deleting = true;
	p->row_serial++;
}

void
grafi_capture_row(grafi_postings *p, int table, sqlite3_int64 row)
{
	if (!p)
		return;
	p->row_table = table;
	p->deleting = false;
	p->row = row;
	p->row_serial++;
	p->row_tokens = 0;
	p->row_n = 0;
}

/* Append one posting to PT (see PostTerm for the encoding). */
static bool
postAppend(PostTerm *pt, PostTable *t, uint32_t serial, sqlite3_int64 row, uint32_t tf,
	   uint32_t dl)
{
	sqlite3_int64 art = GRAFI_ROWID_ARTICLE(row);
	sqlite3_int64 prev = pt->last_row < 0 ? 0 : GRAFI_ROWID_ARTICLE(pt->last_row);
	sqlite3_int64 d = art - prev;
	uint64_t zz = d >= 0 ? (uint64_t)d << 1 : ((uint64_t)(-d) << 1) - 1;

	unsigned char enc[4 * GRAFI_VARINT_MAX];
	size_t k = 0;

	k += grafi_put_varint(enc + k, zz);
	k += grafi_put_varint(enc + k, (uint64_t)GRAFI_ROWID_PARA(row));
	k += grafi_put_varint(enc + k, tf);
	k += grafi_put_varint(enc + k, dl);
	postTouch(pt, serial);
	if (pt->n + k > pt->cap) {
		bool inline_buf = pt->buf == pt->inline_buf;
		size_t ncap = (size_t)pt->cap * 2;
		unsigned char *nb;

		while (ncap < pt->n + k)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			return false;
		nb = inline_buf ? malloc(ncap) : realloc(pt->buf, ncap);
		if (!nb)
			return false;
		if (inline_buf)
			memcpy(nb, pt->inline_buf, pt->n);
		/* (inline bytes are counted in POST_TERM_BYTES) */
		t->bytes += ncap - (inline_buf ? 0 : pt->cap);
		pt->buf = nb;
		pt->cap = (uint32_t)ncap;
	}
	if (pt->last_row >= row)
		pt->sorted = false;
	memcpy(pt->buf + pt->n, enc, k);
	pt->n += (uint32_t)k;
	pt->count++;
	pt->df_delta++;
	pt->last_row = row;
	t->postings++;
	return true;
}

graf_status_t
grafi_capture_done(grafi_postings *p)
{
	int table;

	if (!p)
		return GRAF_STATUS_OK;
	table = p->row_table;
	p->row_table = -1;
	if (p->status != GRAF_STATUS_OK || table < 0 || p->deleting)
		return p->status;
	/* (the ends of the lists, fetched together: see grafi_capture_counted) */
	for (size_t i = 0; i < p->row_n; i++)
		GRAFI_PREFETCH(p->row_terms[i].term->buf + p->row_terms[i].term->n);
	for (size_t i = 0; i < p->row_n; i++)
		if (!postAppend(p->row_terms[i].term, &p->table[table], p->serial, p->row,
				p->row_terms[i].tf, (uint32_t)p->row_tokens))
			return p->status = GRAF_STATUS_NOMEM;
	return GRAF_STATUS_OK;
}

/* Decode PT's in-memory postings into V (capacity PT->count). */
static void
postTermDecode(const PostTerm *pt, grafi_posting *v)
{
	const unsigned char *q = pt->buf, *end = q + pt->n;
	sqlite3_int64 art = 0;

	for (size_t i = 0; i < pt->count; i++) {
		uint64_t zz = 0, para = 0, tf = 0, dl = 0;

		q += grafi_get_varint(q, end, &zz);
		q += grafi_get_varint(q, end, &para);
		q += grafi_get_varint(q, end, &tf);
		q += grafi_get_varint(q, end, &dl);
		art += (zz & 1) ? -(sqlite3_int64)((zz + 1) >> 1) : (sqlite3_int64)(zz >> 1);
		v[i].row = GRAFI_ROWID(art, (sqlite3_int64)para);
		v[i].tf = (uint32_t)tf;
		v[i].dl = (uint32_t)dl;
	}
}

/* ------------------------------------------------------------- encoding -- */

/* A growing byte buffer. */
typedef struct PostBuf {
	unsigned char *p;
	size_t n, cap;
} PostBuf;

static bool
postReserve(PostBuf *b, size_t more)
{
	if (b->n + more > b->cap) {
		size_t ncap = (b->n + more) * 2;
		unsigned char *np = realloc(b->p, ncap);

		if (!np)
			return false;
		b->p = np;
		b->cap = ncap;
	}
	return true;
}

/* Encode the postings V[0..N) (sorted by row, unique) as a list into OUT
 * (appended).  false when out of memory. */
static bool
postEncode(const grafi_posting *v, size_t n, PostBuf *out)
{
	unsigned char body[POST_BLOCK * 40];

	for (size_t start = 0; start < n; start += POST_BLOCK) {
		size_t end = start + POST_BLOCK < n ? start + POST_BLOCK : n, bn = 0;
		sqlite3_int64 prev = -1, last = v[end - 1].row;
		uint32_t max_tf = 0, min_dl = UINT32_MAX;

		for (size_t i = start; i < end; i++) {
			sqlite3_int64 art = GRAFI_ROWID_ARTICLE(v[i].row);

			bn += grafi_put_varint(body + bn, (uint64_t)(prev < 0 ? art : art - prev));
			bn += grafi_put_varint(body + bn, (uint64_t)GRAFI_ROWID_PARA(v[i].row));
			bn += grafi_put_varint(body + bn, v[i].tf);
			bn += grafi_put_varint(body + bn, v[i].dl);
			prev = art;
			if (v[i].tf > max_tf)
				max_tf = v[i].tf;
			if (v[i].dl < min_dl)
				min_dl = v[i].dl;
		}
		if (!postReserve(out, bn + 50))
			return false;
		out->n += grafi_put_varint(out->p + out->n, bn);
		out->n += grafi_put_varint(out->p + out->n, end - start);
		out->n += grafi_put_varint(out->p + out->n, (uint64_t)GRAFI_ROWID_ARTICLE(last));
		out->n += grafi_put_varint(out->p + out->n, (uint64_t)GRAFI_ROWID_PARA(last));
		out->n += grafi_put_varint(out->p + out->n, max_tf);
		out->n += grafi_put_varint(out->p + out->n, min_dl);
		memcpy(out->p + out->n, body, bn);
		out->n += bn;
	}
	return true;
}

bool
grafi_postings_block_header(const unsigned char **pp, const unsigned char *end, uint64_t hdr[6])
{
	const unsigned char *p = *pp;

	/* body bytes, count, last article, last paragraph, max tf, min dl */
	for (int h = 0; h < 6; h++) {
		size_t k = grafi_get_varint(p, end, &hdr[h]);

		if (!k)
			return false;
		p += k;
	}
	if ((uint64_t)(end - p) < hdr[0])
		return false;
	*pp = p;
	return true;
}

bool
grafi_postings_decode_block(const unsigned char *body, size_t len, uint64_t count,
			    grafi_posting_list *out)
{
	const unsigned char *bend = body + len;
	uint64_t art = 0;

	/* each posting takes four varints, a byte at least each: a damaged
	 * count must not size the array */
	if (count > len / 4 || count > SIZE_MAX / sizeof *out->v - out->n)
		return false;
	if (out->n + count > out->cap) {
		grafi_posting *nv = grafi_region_reserve(out->v, &out->cap, out->n,
							 out->n + (size_t)count, sizeof *nv);

		if (!nv)
			return false;
		out->v = nv;
	}
	for (uint64_t i = 0; i < count; i++) {
		uint64_t d, para, tf, dl;
		size_t k;

		if (!(k = grafi_get_varint(body, bend, &d)))
			return false;
		body += k;
		art = i == 0 ? d : art + d;
		if (!(k = grafi_get_varint(body, bend, &para)))
			return false;
		body += k;
		if (!(k = grafi_get_varint(body, bend, &tf)))
			return false;
		body += k;
		if (!(k = grafi_get_varint(body, bend, &dl)))
			return false;
		body += k;
		out->v[out->n].row = GRAFI_ROWID(art, (sqlite3_int64)para);
		out->v[out->n].tf = (uint32_t)tf;
		out->v[out->n].dl = (uint32_t)dl;
		out->n++;
	}
	return body == bend;
}

void
grafi_posting_list_free(grafi_posting_list *l)
{
	grafi_region_free(l->v, l->cap * sizeof *l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

bool
grafi_postings_decode(const void *data, size_t size, grafi_posting_list *out)
{
	const unsigned char *p = data, *end = p + size;

	while (p < end) {
		uint64_t hdr[6];

		if (!grafi_postings_block_header(&p, end, hdr) ||
		    !grafi_postings_decode_block(p, (size_t)hdr[0], hdr[1], out))
			return false;
		p += hdr[0];
	}
	return true;
}

/* ------------------------------------------------------------- writing -- */

/* A segment's rows, all in one statement (rows.c, postWriteLists()). */
static const char put_post_sql[] =
	"INSERT OR FAIL INTO post(tbl, term, seg, chunk, n, data) "
	"SELECT c0, c1, c2, c3, c4, c5 FROM graf_rows";
static const char put_spill_sql[] =
	"INSERT OR FAIL INTO temp.post_spill(tbl, term, seg, chunk, n, data) "
	"SELECT c0, c1, c2, c3, c4, c5 FROM graf_rows";
/* Where a build from nothing puts the segments it must write before its
 * end, to merge them into post then: written at once, in key order, post's
 * b-tree is packed full; a segment written into post and merged there would
 * leave it half empty (and the file larger by the segments' size). */
static const char spill_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS post_spill(tbl INTEGER NOT NULL, term BLOB NOT NULL,"
	" seg INTEGER NOT NULL, chunk INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL,"
	" PRIMARY KEY(tbl, term, seg, chunk)) WITHOUT ROWID;"
	"DELETE FROM temp.post_spill;";
static const char put_seg_sql[] = "INSERT INTO post_seg(tbl, postings) VALUES(?1, ?2)";
/* An upsert opens a statement journal whatever its conflict clause, and
 * FTS5 writes its pending terms at the statement's savepoint: nothing at
 * the end of a run or between files, where they are written already; a
 * spill in the middle of a file writes them a little early. */
static const char put_df_sql[] =
	"INSERT INTO post_df(tbl, term, df) SELECT c0, c1, c2 FROM graf_rows WHERE true "
	"ON CONFLICT(tbl, term) DO UPDATE SET df = df + excluded.df";
/* Run for each term whose count fell: a scan of post_df for counts at zero
 * (what this once was) reads all 161,000 terms of the news index on every
 * update. */
static const char drop_df_sql[] = "DELETE FROM post_df WHERE tbl = ?1 AND term = ?2 AND df <= 0";
static const char put_tomb_sql[] =
	"INSERT OR REPLACE INTO post_tomb(tbl, row, seg) VALUES(?1, ?2, ?3)";

/*
 * A term and the first 8 bytes of its text, big-endian, zeros after its end:
 * an order of these numbers is the order of the texts (memcmp, then length)
 * wherever they differ, so sorting 161,000 terms compares numbers in the
 * array, not texts scattered in memory, but where two begin alike.
 */
typedef struct PostKey {
	uint64_t prefix;
	PostTerm *pt;
} PostKey;

static int
postCompareKey(const void *a, const void *b)
{
	const PostKey *x = a, *y = b;
	int c;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	c = memcmp(x->pt->term, y->pt->term, (size_t)(x->pt->len < y->pt->len ? x->pt->len : y->pt->len));
	return c ? c : (x->pt->len > y->pt->len) - (x->pt->len < y->pt->len);
}

/* TABLE's terms with postings or a document-frequency change, in the order
 * of the post and post_df keys, into *OUT (*N of them); false when out of
 * memory. */
static bool
postSortedTerms(PostTable *t, PostKey **out, size_t *n)
{
	PostKey *keys = malloc((t->n ? t->n : 1) * sizeof *keys);

	*out = keys;
	*n = 0;
	if (!keys)
		return false;
	for (size_t k = 0; k < t->cap; k++) {
		PostTerm *pt = t->slots[k];
		unsigned char b[8] = { 0 };
		uint64_t prefix = 0;

		postPrefetchSlot(t, k);
		if (!pt || (pt->count == 0 && pt->df_delta == 0))
			continue;
		memcpy(b, pt->term, pt->len < 8 ? pt->len : 8);
		for (int i = 0; i < 8; i++)
			prefix = prefix << 8 | b[i];
		keys[(*n)++] = (PostKey){ prefix, pt };
	}
	if (*n > 1)
		qsort(keys, *n, sizeof *keys, postCompareKey);
	return true;
}

static int postComparePosting(const void *a, const void *b);

/*
 * The rows of the lists of one segment, made one at a time for
 * grafi_rows_insert(): each list's blocks (see the file comment) grouped
 * into rows of at most POST_CHUNK bytes.  NEXT_LIST sets the next list
 * (TERM, V, N) and returns SQLITE_ROW, or SQLITE_DONE after the last.
 */
typedef struct PostRows {
	int table;
	sqlite3_int64 seg;
	int (*next_list)(struct PostRows *r);
	void *ctx;                 /* NEXT_LIST's */
	const char *errmsg;        /* NEXT_LIST's failure, if it has words */
	/* the list being written */
	const void *term;
	int term_len;
	const grafi_posting *v;
	size_t n, start;           /* postings, and the first not yet written */
	int chunk;
	PostBuf buf;
} PostRows;

static int
postRowsNext(void *arg, grafi_row *row)
{
	PostRows *r = arg;
	size_t count = 0;

	while (r->start >= r->n) {
		int rc = r->next_list(r);

		if (rc != SQLITE_ROW) {
			row->errmsg = r->errmsg;
			return rc;
		}
		r->start = 0;
		r->chunk = 0;
	}
	r->buf.n = 0;
	/* whole blocks, until the row would pass POST_CHUNK */
	while (r->start + count < r->n) {
		size_t before = r->buf.n, left = r->n - r->start - count;
		size_t k = left < POST_BLOCK ? left : POST_BLOCK;

		if (!postEncode(r->v + r->start + count, k, &r->buf))
			return SQLITE_NOMEM;
		if (r->buf.n > POST_CHUNK && before > 0) {
			r->buf.n = before;  /* this block starts the next row */
			break;
		}
		count += k;
	}
	grafi_row_int(row, 0, r->table);
	grafi_row_blob(row, 1, r->term, (size_t)r->term_len);
	grafi_row_int(row, 2, r->seg);
	grafi_row_int(row, 3, r->chunk++);
	grafi_row_int(row, 4, (sqlite3_int64)count);
	grafi_row_blob(row, 5, r->buf.p, r->buf.n);
	r->start += count;
	return SQLITE_ROW;
}

/* Write the lists R's NEXT_LIST gives as rows of post or (SPILL) of
 * temp.post_spill. */
static int
postWriteLists(graf_index *idx, PostRows *r, bool spill)
{
	int rc = grafi_rows_insert(idx, spill ? put_spill_sql : put_post_sql, postRowsNext, r);

	free(r->buf.p);
	r->buf.p = NULL;
	return rc;
}

/* Step STMT once, bound to TABLE and PT's term as ?1 and ?2 (the caller
 * binds the rest). */
static int
postRunTerm(sqlite3_stmt *stmt, int table, const PostTerm *pt)
{
	int rc;

	sqlite3_bind_int(stmt, 1, table);
	sqlite3_bind_blob(stmt, 2, pt->term, pt->len, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The document-frequency changes of a table's terms, as rows (table,
 * term, change) for grafi_rows_insert(). */
typedef struct PostFrequencies {
	int table;
	const PostKey *keys;
	size_t n, next;
	size_t fell;               /* terms whose count fell */
} PostFrequencies;

static int
postFrequencyNext(void *arg, grafi_row *row)
{
	PostFrequencies *f = arg;

	while (f->next < f->n) {
		const PostTerm *pt = f->keys[f->next++].pt;

		if (f->next + POST_AHEAD < f->n)
			GRAFI_PREFETCH(f->keys[f->next + POST_AHEAD].pt);

		if (pt->df_delta == 0)
			continue;
		f->fell += pt->df_delta < 0;
		grafi_row_int(row, 0, f->table);
		grafi_row_blob(row, 1, pt->term, pt->len);
		grafi_row_int(row, 2, pt->df_delta);
		return SQLITE_ROW;
	}
	return SQLITE_DONE;
}

/* Add the document-frequency changes of TABLE's terms KEYS[0..N) to
 * post_df: in key order, so that a build appends to the b-tree. */
static int
postWriteFrequencies(grafi_postings *p, int table, const PostKey *keys, size_t n)
{
	PostFrequencies f = { .table = table, .keys = keys, .n = n };
	int rc = grafi_rows_insert(p->idx, put_df_sql, postFrequencyNext, &f);
	grafi_vocab_edit *vocab = NULL;

	/* The paragraph vocabulary's blocks follow post_df (vocab.c): each
	 * term whose count rose may be new there, each that post_df drops
	 * goes. */
	if (rc == SQLITE_OK && table == GRAFI_TABLE_PARA)
		rc = grafi_vocab_edit_begin(p->idx, &vocab);
	/* Terms gone from every row go (an update's deletions; a build from
	 * nothing has none).  The terms themselves are freed after: their
	 * changes need no reset. */
	for (size_t k = 0; k < n && (f.fell > 0 || vocab) && rc == SQLITE_OK; k++) {
		const PostTerm *pt = keys[k].pt;

		if (pt->df_delta < 0) {
			rc = postRunTerm(p->drop_df, table, pt);
			if (rc == SQLITE_OK && vocab && sqlite3_changes(p->idx->db) > 0)
				rc = grafi_vocab_edit_term(vocab, pt->term, pt->len, false);
		} else if (pt->df_delta > 0 && vocab) {
			rc = grafi_vocab_edit_term(vocab, pt->term, pt->len, true);
		}
	}
	if (rc == SQLITE_OK && vocab)
		rc = grafi_vocab_edit_end(vocab);
	grafi_vocab_edit_free(vocab);
	return rc;
}

/* The in-memory lists of a table, in term order, for PostRows. */
typedef struct PostFlush {
	const PostKey *terms;
	size_t n_terms, next;
	grafi_posting *v;          /* the list being written, decoded */
	size_t cap;
} PostFlush;

static int
postFlushNextList(PostRows *r)
{
	PostFlush *f = r->ctx;

	while (f->next < f->n_terms) {
		const PostTerm *pt = f->terms[f->next++].pt;

		/* the terms a few ahead, then their lists */
		if (f->next + POST_AHEAD < f->n_terms)
			GRAFI_PREFETCH(f->terms[f->next + POST_AHEAD].pt);
		if (f->next + POST_AHEAD / 2 < f->n_terms)
			GRAFI_PREFETCH(f->terms[f->next + POST_AHEAD / 2].pt->buf);

		if (pt->count == 0)
			continue;  /* a document-frequency change only */
		if (pt->count > f->cap) {
			grafi_posting *nv = realloc(f->v, pt->count * sizeof *nv);

			if (!nv)
				return SQLITE_NOMEM;
			f->v = nv;
			f->cap = pt->count;
		}
		postTermDecode(pt, f->v);
		if (!pt->sorted)
			qsort(f->v, pt->count, sizeof *f->v, postComparePosting);
		r->term = pt->term;
		r->term_len = pt->len;
		r->v = f->v;
		r->n = pt->count;
		return SQLITE_ROW;
	}
	return SQLITE_DONE;
}

/* Write TABLE's in-memory postings as a new segment, of post or (SPILL) of
 * temp.post_spill, and forget them. */
static graf_status_t
postFlushTable(grafi_postings *p, int table, bool spill)
{
	graf_index *idx = p->idx;
	PostTable *t = &p->table[table];
	PostKey *terms = NULL;
	size_t n_terms = 0;
	PostFlush f = { 0 };
	PostRows r = { .table = table, .next_list = postFlushNextList, .ctx = &f };
	int rc;

	if (t->n == 0)
		return GRAF_STATUS_OK;
	/* Terms in order, so that segments are written (and later merged)
	 * in the order of the post table's key. */
	if (!postSortedTerms(t, &terms, &n_terms))
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	if (t->postings == 0) {
		/* deletions only: no segment, the document frequencies */
		rc = postWriteFrequencies(p, table, terms, n_terms);
		free(terms);
		postTermsFree(p, table);
		return rc == SQLITE_OK ? GRAF_STATUS_OK
				       : grafi_sqlite_error(idx, rc, "cannot write postings");
	}
	if (spill) {
		r.seg = ++p->spill_seg;
		t->spilled = true;
	} else {
		sqlite3_bind_int(p->put_seg, 1, table);
		sqlite3_bind_int64(p->put_seg, 2, t->postings);
		rc = sqlite3_step(p->put_seg);
		sqlite3_reset(p->put_seg);
		if (rc != SQLITE_DONE) {
			free(terms);
			return grafi_sqlite_error(idx, rc, "cannot write postings");
		}
		r.seg = sqlite3_last_insert_rowid(idx->db);
	}
	f.terms = terms;
	f.n_terms = n_terms;
	rc = postWriteLists(idx, &r, spill);
	if (rc == SQLITE_OK)
		rc = postWriteFrequencies(p, table, terms, n_terms);
	free(terms);
	free(f.v);
	postTermsFree(p, table);
	if (rc != SQLITE_OK)
		return grafi_sqlite_error(idx, rc, "cannot write postings");
	return GRAF_STATUS_OK;
}

graf_status_t
grafi_postings_begin(graf_index *idx, grafi_postings **out)
{
	grafi_postings *p;
	sqlite3_stmt *stmt = NULL;
	int rc;

	*out = NULL;
	p = calloc(1, sizeof *p);
	if (!p)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	p->idx = idx;
	p->row_table = -1;
	/* A test hook: flush often, to see several segments on small inputs
	 * (tests/cli/T035-collections.sh). */
	p->flush_bytes = getenv("GRAF_DEBUG_POSTINGS_BYTES")
				 ? (size_t)strtoul(getenv("GRAF_DEBUG_POSTINGS_BYTES"), NULL, 10)
				 : (size_t)POST_FLUSH_BYTES;
	rc = grafi_prepare(idx->db, "SELECT coalesce(max(id), 0) + 1, "
				"(SELECT count(*) FROM post_seg WHERE tbl = 0), "
				"(SELECT count(*) FROM post_seg WHERE tbl = 1) FROM post_seg", 0, &stmt);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		p->tomb_seg = sqlite3_column_int64(stmt, 0);
		p->table[GRAFI_TABLE_PARA].empty_at_start = sqlite3_column_int64(stmt, 1) == 0;
		p->table[GRAFI_TABLE_HEAD].empty_at_start = sqlite3_column_int64(stmt, 2) == 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	if (rc == SQLITE_OK && (p->table[GRAFI_TABLE_PARA].empty_at_start ||
				p->table[GRAFI_TABLE_HEAD].empty_at_start))
		rc = sqlite3_exec(idx->db, spill_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, put_seg_sql, 0, &p->put_seg);
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, put_tomb_sql, 0, &p->put_tomb);
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, drop_df_sql, 0, &p->drop_df);
	if (rc != SQLITE_OK) {
		grafi_postings_free(p);
		return grafi_sqlite_error(idx, rc, "cannot prepare postings");
	}
	*out = p;
	return GRAF_STATUS_OK;
}

void
grafi_postings_file(grafi_postings *p, bool failed)
{
	if (!p)
		return;
	if (failed) {
		/* Drop what the failed file added (its rows were rolled back):
		 * each term it touched goes back to its state before. */
		for (int t = 0; t < GRAFI_TABLE_LAST; t++) {
			PostTable *tb = &p->table[t];

			for (size_t k = 0; k < tb->cap; k++) {
				PostTerm *pt = tb->slots[k];

				if (!pt || pt->file_serial != p->serial)
					continue;
				tb->postings -= (long)(pt->count - pt->file_count);
				pt->n = pt->file_n;
				pt->count = pt->file_count;
				pt->last_row = pt->file_last_row;
				pt->sorted = pt->file_sorted;
				pt->df_delta = pt->file_df_delta;
			}
		}
		p->status = GRAF_STATUS_OK;
	}
	p->serial++;
}

bool
grafi_postings_full(const grafi_postings *p)
{
	size_t bytes = 0;

	if (!p)
		return false;
	for (int t = 0; t < GRAFI_TABLE_LAST; t++)
		bytes += p->table[t].bytes;
	return bytes >= p->flush_bytes;
}

graf_status_t
grafi_postings_checkpoint(grafi_postings *p)
{
	graf_status_t st = GRAF_STATUS_OK;

	if (!grafi_postings_full(p))
		return GRAF_STATUS_OK;
	/* A build from nothing spills, to write post once at the end. */
	for (int t = 0; t < GRAFI_TABLE_LAST && st == GRAF_STATUS_OK; t++)
		st = postFlushTable(p, t, p->table[t].empty_at_start);
	return st;
}

graf_status_t
grafi_postings_delete(grafi_postings *p, int table, sqlite3_int64 row)
{
	int rc;

	if (!p)
		return GRAF_STATUS_OK;
	sqlite3_bind_int(p->put_tomb, 1, table);
	sqlite3_bind_int64(p->put_tomb, 2, row);
	sqlite3_bind_int64(p->put_tomb, 3, p->tomb_seg);
	rc = sqlite3_step(p->put_tomb);
	sqlite3_reset(p->put_tomb);
	return rc == SQLITE_DONE ? GRAF_STATUS_OK
				 : grafi_sqlite_error(p->idx, rc, "cannot record a deleted row");
}

/* ------------------------------------------------------------- merging -- */

/* The tombstones of TABLE: row -> seg, in a score map (values are seg ids). */
static graf_status_t
postLoadTombs(graf_index *idx, int table, grafi_score_map **out)
{
	sqlite3_stmt *stmt = NULL;
	grafi_score_map *m = grafi_score_map_new();
	int rc;

	*out = NULL;
	if (!m)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	rc = grafi_prepare(idx->db, "SELECT row, seg FROM post_tomb WHERE tbl = ?1", 0, &stmt);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(stmt, 1, table);
		while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
			if (!grafi_score_map_put(m, sqlite3_column_int64(stmt, 0) + 1,
						 (double)sqlite3_column_int64(stmt, 1))) {
				rc = SQLITE_NOMEM;
				break;
			}
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		grafi_score_map_free(m);
		return grafi_sqlite_error(idx, rc, "cannot read deleted rows");
	}
	*out = m;
	return GRAF_STATUS_OK;
}

bool
grafi_postings_dead(const grafi_score_map *tombs, sqlite3_int64 row, sqlite3_int64 seg)
{
	/* Keys are row + 1: the map reserves 0 for "empty". */
	double dead_before = grafi_score_map_get(tombs, row + 1);

	return dead_before > 0 && (double)seg < dead_before;
}

static int
postComparePosting(const void *a, const void *b)
{
	const grafi_posting *x = a, *y = b;

	return (x->row > y->row) - (x->row < y->row);
}

/* Whether V[0..N) is in increasing row order. */
static bool
postSorted(const grafi_posting *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i - 1].row >= v[i].row)
			return false;
	return true;
}

/*
 * What postMergeTable() reads and then deletes: the segments of post
 * (keyed by segment first: a term is one seek per segment) older than the
 * new one (?2, ?3), or all of the spill (keyed by term first; its segments
 * are numbered apart, and ?2, ?3 are bound to INT64_MAX).
 */
static const struct {
	const char *terms, *lists, *del;
} merge_sql[2] = {
	{ "SELECT DISTINCT term FROM post WHERE tbl = ?1 AND seg < ?2 ORDER BY term",
	  "SELECT seg, data FROM post WHERE tbl = ?1 AND seg IN "
	  "(SELECT id FROM post_seg WHERE tbl = ?1 AND id < ?3) AND term = ?2 "
	  "ORDER BY seg, chunk",
	  "DELETE FROM post WHERE tbl = ?1 AND seg < ?2" },
	{ "SELECT DISTINCT term FROM temp.post_spill WHERE tbl = ?1 AND seg < ?2 ORDER BY term",
	  "SELECT seg, data FROM temp.post_spill WHERE tbl = ?1 AND term = ?2 AND seg < ?3 "
	  "ORDER BY seg, chunk",
	  "DELETE FROM temp.post_spill WHERE tbl = ?1 AND seg < ?2" },
};

/* What a merge reads, for PostRows: each term's lists in the segments
 * merged, less the dead postings, as one list. */
typedef struct PostMerge {
	sqlite3 *db;
	sqlite3_stmt *terms, *lists;
	grafi_score_map *tombs;
	bool any_tombs;
	grafi_posting_list all;
	sqlite3_int64 total;       /* postings written */
} PostMerge;

/* R's NEXT_LIST failed on SQL: keep its words for the statement. */
static int
postMergeFailed(PostRows *r, int rc)
{
	r->errmsg = sqlite3_errmsg(((PostMerge *)r->ctx)->db);
	return rc;
}

static int
postMergeNextList(PostRows *r)
{
	PostMerge *m = r->ctx;
	int rc;

	while ((rc = sqlite3_step(m->terms)) == SQLITE_ROW) {
		const void *term = sqlite3_column_blob(m->terms, 0);
		int term_len = sqlite3_column_bytes(m->terms, 0);

		m->all.n = 0;
		sqlite3_bind_blob(m->lists, 2, term, term_len, SQLITE_STATIC);
		while ((rc = sqlite3_step(m->lists)) == SQLITE_ROW) {
			sqlite3_int64 s = sqlite3_column_int64(m->lists, 0);
			size_t from = m->all.n, keep = 0;

			if (!grafi_postings_decode(sqlite3_column_blob(m->lists, 1),
						   (size_t)sqlite3_column_bytes(m->lists, 1), &m->all)) {
				sqlite3_reset(m->lists);
				return SQLITE_CORRUPT;
			}
			if (!m->any_tombs)
				continue;
			for (size_t i = from; i < m->all.n; i++)
				if (!grafi_postings_dead(m->tombs, m->all.v[i].row, s))
					m->all.v[from + keep++] = m->all.v[i];
			m->all.n = from + keep;
		}
		if (rc != SQLITE_DONE) {
			rc = postMergeFailed(r, rc);
			sqlite3_reset(m->lists);
			return rc;
		}
		sqlite3_reset(m->lists);
		if (m->all.n == 0)
			continue;
		/* Segments hold rows in order, and a build from nothing writes
		 * them in order too: then the lists, one after the other, are
		 * already sorted. */
		if (!postSorted(m->all.v, m->all.n))
			qsort(m->all.v, m->all.n, sizeof *m->all.v, postComparePosting);
		r->term = term;  /* (the row's, valid until TERMS steps again) */
		r->term_len = term_len;
		r->v = m->all.v;
		r->n = m->all.n;
		m->total += (sqlite3_int64)m->all.n;
		return SQLITE_ROW;
	}
	return rc == SQLITE_DONE ? SQLITE_DONE : postMergeFailed(r, rc);
}

/* Merge every segment of TABLE in post, or (SPILL) in temp.post_spill,
 * into one new segment of post, dropping dead postings. */
static graf_status_t
postMergeTable(grafi_postings *p, int table, bool spill)
{
	graf_index *idx = p->idx;
	sqlite3_stmt *del = NULL;
	PostMerge m = { .db = idx->db };
	PostRows r = { .table = table, .next_list = postMergeNextList, .ctx = &m };
	sqlite3_int64 below;
	graf_status_t st;
	int rc;

	st = postLoadTombs(idx, table, &m.tombs);
	if (st != GRAF_STATUS_OK)
		return st;
	m.any_tombs = grafi_score_map_size(m.tombs) > 0;
	sqlite3_bind_int(p->put_seg, 1, table);
	sqlite3_bind_int64(p->put_seg, 2, 0);
	rc = sqlite3_step(p->put_seg);
	sqlite3_reset(p->put_seg);
	r.seg = sqlite3_last_insert_rowid(idx->db);
	below = spill ? INT64_MAX : r.seg;
	if (rc == SQLITE_DONE)
		rc = grafi_prepare(idx->db, merge_sql[spill].terms, 0, &m.terms);
	else if (rc == SQLITE_ROW)
		rc = SQLITE_ERROR;
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, merge_sql[spill].lists, 0, &m.lists);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(m.terms, 1, table);
		sqlite3_bind_int64(m.terms, 2, below);
		sqlite3_bind_int(m.lists, 1, table);
		sqlite3_bind_int64(m.lists, 3, below);
		/* The lists it reads are older than the segment it writes. */
		rc = postWriteLists(idx, &r, false);
	}
	sqlite3_finalize(m.terms);
	sqlite3_finalize(m.lists);
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db, merge_sql[spill].del, 0, &del);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(del, 1, table);
		sqlite3_bind_int64(del, 2, below);
		rc = sqlite3_step(del);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(del);
	if (rc == SQLITE_OK) {
		char *sql = sqlite3_mprintf(
			"DELETE FROM post_seg WHERE tbl = %d AND id < %lld;"
			"DELETE FROM post_tomb WHERE tbl = %d;"
			"UPDATE post_seg SET postings = %lld WHERE id = %lld;",
			table, (long long)r.seg, table, (long long)m.total, (long long)r.seg);

		rc = sql ? sqlite3_exec(idx->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
		sqlite3_free(sql);
	}
	grafi_score_map_free(m.tombs);
	grafi_posting_list_free(&m.all);
	return rc == SQLITE_OK ? GRAF_STATUS_OK : grafi_sqlite_error(idx, rc, "cannot merge postings");
}

graf_status_t
grafi_postings_finish(grafi_postings *p)
{
	graf_status_t st = GRAF_STATUS_OK;

	for (int t = 0; t < GRAFI_TABLE_LAST && st == GRAF_STATUS_OK; t++) {
		sqlite3_stmt *count = NULL;
		sqlite3_int64 n_segs = 0;
		int rc;

		if (p->table[t].spilled) {
			/* the rest after the spilled segments, all merged into one */
			st = postFlushTable(p, t, true);
			if (st == GRAF_STATUS_OK)
				st = postMergeTable(p, t, true);
			continue;
		}
		st = postFlushTable(p, t, false);
		if (st != GRAF_STATUS_OK)
			break;
		rc = grafi_prepare(p->idx->db, "SELECT count(*) FROM post_seg WHERE tbl = ?1", 0, &count);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int(count, 1, t);
			if ((rc = sqlite3_step(count)) == SQLITE_ROW) {
				n_segs = sqlite3_column_int64(count, 0);
				rc = SQLITE_OK;
			}
		}
		sqlite3_finalize(count);
		if (rc != SQLITE_OK)
			return grafi_sqlite_error(p->idx, rc, "cannot read postings");
		/* Too many segments: one reads fastest. */
		if (n_segs > POST_MAX_SEGMENTS)
			st = postMergeTable(p, t, false);
	}
	return st;
}

void
grafi_postings_free(grafi_postings *p)
{
	if (!p)
		return;
	for (int t = 0; t < GRAFI_TABLE_LAST; t++)
		postTermsFree(p, t);
	free(p->row_terms);
	sqlite3_finalize(p->put_seg);
	sqlite3_finalize(p->put_tomb);
	sqlite3_finalize(p->drop_df);
	free(p);
}
