/*
 * graf-private.h - declarations shared by the modules of libgraf.
 *
 * Nothing here is installed or part of the API.  Cross-module names use the
 * grafi_ prefix (as SQLite separates sqlite3Fts5* from sqlite3_*).
 */
#ifndef GRAF_PRIVATE_H
#define GRAF_PRIVATE_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sqlite3.h>

#include "graf.h"

/* ----------------------------------------------------------- the schema -- */

/*
 * Version of the database layout.  Bump it whenever a table, a column or the
 * tokenizer's output changes; a graf that finds another version refuses the
 * index and asks for graf-index --rebuild, except those from
 * GRAFI_SCHEMA_VERSION_UPGRADABLE on, which it reads as they are and
 * upgrades in their next update (grafi_index_upgrade()).
 */
#define GRAFI_SCHEMA_VERSION 6
/* The oldest version read as it is and upgraded by an update.  Version 4
 * had no para_text_delta (its para_body view reads para_text); versions 4
 * and 5 had no vocab. */
#define GRAFI_SCHEMA_VERSION_UPGRADABLE 4

/* PRAGMA application_id of a graf index: "graf" in ASCII.  It tells a graf
 * index from any other SQLite database. */
#define GRAFI_APPLICATION_ID 0x67726166

/*
 * A paragraph's FTS5 rowid is (article id << GRAFI_PARA_BITS) | paragraph
 * number.  The article's paragraphs are then one contiguous rowid range, read
 * in order by a range scan, and a hit names its article without a lookup
 * table.  2^24 paragraphs per article and 2^39 articles are far beyond any
 * corpus; the reader merges paragraphs past the limit into the last one.
 */
#define GRAFI_PARA_BITS 24
#define GRAFI_MAX_PARAGRAPHS ((1L << GRAFI_PARA_BITS) - 1)
/* GRAFI_PARA_BITS as SQL text, for the statements that split rowids. */
#define GRAFI_PARA_BITS_SQL "24"
#define GRAFI_MAX_PARAGRAPHS_SQL "16777215"
/* A new index's page size, and a writer's page cache (index.c sets both;
 * graf_cli_prepare_writer() sizes its block for that cache). */
#define GRAFI_PAGE_SIZE 16384
#define GRAFI_WRITER_CACHE_KIB 32768
/* An integer macro as SQL text. */
#define GRAFI_SQL_INT(x) GRAFI_SQL_INT_(x)
#define GRAFI_SQL_INT_(x) #x
#define GRAFI_ROWID(article, para) (((sqlite3_int64)(article) << GRAFI_PARA_BITS) | (para))
#define GRAFI_ROWID_ARTICLE(rowid) ((sqlite3_int64)(rowid) >> GRAFI_PARA_BITS)
#define GRAFI_ROWID_PARA(rowid) ((long)((rowid) & GRAFI_MAX_PARAGRAPHS))
_Static_assert(GRAFI_PARA_BITS == 24 && GRAFI_MAX_PARAGRAPHS == 16777215,
	       "update GRAFI_PARA_BITS_SQL and GRAFI_MAX_PARAGRAPHS_SQL");

/* A hint that memory at P will be read soon (no effect where the compiler
 * has no such builtin). */
#if defined(__GNUC__)
#define GRAFI_PREFETCH(p) __builtin_prefetch(p)
#else
#define GRAFI_PREFETCH(p) ((void)(p))
#endif

/*
 * True if the NUL-terminated WORD is the token TOKEN[0..N).  Inline, with
 * the first bytes compared before any call: a query's verification and
 * highlighting ask it for every token of long paragraphs, and nearly every
 * token differs from the query's words at its first byte.
 */
static inline bool
grafi_token_is(const char *word, const char *token, int n)
{
	return n > 0 && word[0] == token[0] && strncmp(word, token, (size_t)n) == 0 &&
	       word[n] == '\0';
}

/*
 * Varints of graf's own blobs (postings, packed text): 7 bits a byte, low
 * bits first, the high bit set on all but the last byte.  Inline: the
 * posting decoder calls them for every posting a query reads.
 */
#define GRAFI_VARINT_MAX 10  /* bytes of the longest: 64 bits, 7 a byte */

static inline size_t
grafi_put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

/* Read a varint from P (never past END); 0 on a truncated one. */
static inline size_t
grafi_get_varint(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;
	int shift = 0;
	size_t n = 0;

	while (p + n < end && shift < 64) {
		unsigned char c = p[n++];

		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return n;
		}
		shift += 7;
	}
	return 0;
}

/* Name under which the stemming tokenizer is registered with FTS5. */
#define GRAFI_TOKENIZER_NAME "graf"

/* ------------------------------------------------------------ the index -- */

/* The two full-text tables. */
enum {
	GRAFI_TABLE_PARA = 0,    /* paragraphs */
	GRAFI_TABLE_HEAD,        /* headlines */
	GRAFI_TABLE_LAST
};

/* Buffers topk.c keeps between queries: the lists and candidates of one
 * query (a list per word, the candidates, the headline lists). */
#define GRAFI_TOPK_SCRATCH 8

struct graf_index {
	sqlite3 *db;                 /* the connection; tokenizer registered */
	char *path;                  /* file name as given */
	char *language;              /* Snowball language of the index */
	graf_open_mode_t mode;
	volatile sig_atomic_t interrupted;  /* set by graf_index_interrupt() */
	volatile sig_atomic_t updating;     /* graf_index_update() runs: it
					     * stops at its progress handler */
	struct graf_query *queries;  /* open queries, freed with the index */
	Fts5Tokenizer *tokenizer;    /* the index's tokenizer, for queries */
	sqlite3_stmt *vocab[GRAFI_TABLE_LAST][2];  /* stats.c: df of a term,
						     * of a prefix */
	struct {                     /* statements kept between queries */
		const char *sql;             /* static text: compared by address */
		sqlite3_stmt *stmt;
	} stmts[16];
	struct grafi_postings *capture;  /* during an update: where the
					  * tokenizer sends document tokens */
	struct grafi_rows *rows;     /* rows.c's module, once registered
				      * (the connection owns it) */
	struct {                     /* topk.c's cache, per connection */
		bool loaded;
		sqlite3_int64 version;       /* PRAGMA data_version it is of */
		struct grafi_score_map *tombs[GRAFI_TABLE_LAST];
		sqlite3_stmt *get;           /* a term's lists */
		/* Buffers of past queries, kept for the next (topk.c:
		 * topkScratchTake): a fresh page costs a fault, 10 us on
		 * a virtual machine, more than decoding it. */
		void *scratch[GRAFI_TOPK_SCRATCH];
		size_t scratch_size[GRAFI_TOPK_SCRATCH];  /* bytes */
	} topk;
	fts5_tokenizer tokenizer_methods;
	int readers;                 /* open queries sharing the read
				      * transaction below (query.c) */
	bool read_txn;               /* query.c began it, and ends it */
	bool building;               /* created by this handle, still in
				      * rollback-journal mode until its first
				      * update ends (index.c) */
	char errmsg[1024];           /* last failure, one line */
};

/*
 * Prepare graf's own statement SQL on DB (an index's connection) with
 * sqlite3_prepare_v3()'s FLAGS.  graf's SQL is fixed and matches its
 * schema, so SQLITE_ERROR here ("no such table", or FTS5's "parse error in
 * tokenize directive" when corruption hit the schema's text) means the
 * index is damaged: it is returned as SQLITE_CORRUPT, which
 * grafi_sqlite_error() words as a damaged index with the advice to
 * rebuild, keeping SQLite's message.
 */
int grafi_prepare(sqlite3 *db, const char *sql, unsigned flags, sqlite3_stmt **out);

/*
 * A prepared statement of the static text SQL: one kept by IDX from an
 * earlier query when there is one free, else a new one.  Give it back with
 * grafi_stmt_give() (never finalize it).  Preparing costs more than many a
 * query: batch runs reuse them.
 * @retval SQLITE_OK or the error of sqlite3_prepare_v2()
 */
int grafi_stmt_take(graf_index *idx, const char *sql, sqlite3_stmt **out);

/* Return STMT (from grafi_stmt_take) to IDX, reset; NULL is a no-op. */
void grafi_stmt_give(graf_index *idx, const char *sql, sqlite3_stmt *stmt);

/* Finalize the statements IDX keeps. */
void grafi_stmt_release(graf_index *idx);

/* Run SQL (no result rows) on IDX; on failure record "WHAT: <message>". */
graf_status_t grafi_exec(graf_index *idx, const char *sql, const char *what);

/* After an update (or at close): an index this handle created, whose first
 * build wrote the file directly, goes to WAL mode, as every index is
 * between updates (index.c).  Failures are left for the next writer. */
void grafi_index_settle(graf_index *idx);

/* Inside a write transaction: bring an index of version
 * GRAFI_SCHEMA_VERSION_UPGRADABLE or later to GRAFI_SCHEMA_VERSION (from 4:
 * the text store's delta table and the view over both tables; from 4 or 5:
 * the vocabulary's blocks); nothing for one already there. */
graf_status_t grafi_index_upgrade(graf_index *idx);

/* Free every query still open on IDX (called when IDX closes). */
void grafi_query_close_all(graf_index *idx);

/*
 * Record a printf-style message as IDX's last error and return STATUS, so
 * that callers write "return grafi_error(idx, GRAF_STATUS_IO, ...)".
 */
graf_status_t grafi_error(graf_index *idx, graf_status_t status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Map the SQLite result code RC (from a call on IDX's connection) to a graf
 * status and record "WHAT: <sqlite message>" as the error.  Returns
 * GRAF_STATUS_OK when RC is SQLITE_OK, SQLITE_ROW or SQLITE_DONE.
 */
graf_status_t grafi_sqlite_error(graf_index *idx, int rc, const char *what);

/* The graf status that corresponds to SQLite result code RC. */
graf_status_t grafi_status_from_sqlite(int rc);

/*
 * True if DB's last error is a bare SQLITE_ERROR, "SQL logic error" and no
 * cause: what FTS5 passes on when one of its own statements fails (on a
 * damaged schema of its tables), where its syntax errors carry a message.
 */
bool grafi_sqlite_error_bare(sqlite3 *db);

/*
 * Column COL of the current row of STMT as UTF-8 text, "" for an SQL NULL.
 * NULL only when out of memory: sqlite3_column_text() returns NULL both
 * for an SQL NULL and when converting the value fails, and a caller that
 * takes the second for the first silently loses text.  Valid as
 * sqlite3_column_text()'s result is.
 */
const char *grafi_column_text(sqlite3_stmt *stmt, int col);

/* printf into a malloc'ed string; NULL when out of memory. */
char *grafi_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --------------------------------------------------------- the tokenizer -- */

/*
 * Register graf's tokenizer and functions on DB; the tokenizer sends the
 * tokens of inserted rows to *CAPTURE when it is set (CAPTURE NULL: never).
 * @retval GRAF_STATUS_OK, GRAF_STATUS_NOMEM, or GRAF_STATUS_SQLITE (no FTS5)
 */
graf_status_t grafi_register(sqlite3 *db, struct grafi_postings **capture);

/*
 * Register the "graf" FTS5 tokenizer on DB.  Its arguments are
 * "<language> [parent [parent-args...]]"; the parent defaults to
 * "unicode61 remove_diacritics 2".  The tokens of documents go to *CAPTURE
 * too, when CAPTURE and *CAPTURE are set (postings.c).
 * @retval SQLITE_OK, SQLITE_NOMEM, or SQLITE_ERROR when DB has no FTS5.
 */
int grafi_tokenizer_register(sqlite3 *db, struct grafi_postings **capture);

/*
 * Tokens made ahead of FTS5 (on the pipe's thread, pipe.c), to be replayed
 * when FTS5 tokenizes the same text for an INSERT: what the graf tokenizer
 * hands FTS5, token by token.  STEM is an offset into the stems' bytes.
 */
typedef struct grafi_token {
	uint32_t stem;
	int len, start, end, flags;
	/* What the capture needs (grafi_tokens_count): the term's hash, and
	 * how often the text holds it at its first token (0 at the others). */
	uint32_t hash, tf;
} grafi_token;

/* The tokens of the text TEXT[0..TEXT_LEN): V[0..N), their bytes in STEMS. */
typedef struct grafi_tokens {
	const char *text;
	int text_len;
	const grafi_token *v;
	size_t n;
	const char *stems;
} grafi_tokens;

/* Tokens of several texts, as grafi_tokenizer_append() adds them. */
typedef struct grafi_token_buf {
	grafi_token *v;
	size_t n, cap;
	char *stems;
	size_t stems_n, stems_cap;
	uint32_t *slots;         /* grafi_tokens_count()'s table, reused */
	size_t slots_cap;
} grafi_token_buf;

/* Count the terms of the text whose tokens are B->v[FROM..B->n), as the
 * capture of a row's postings would (postings.c), so that it need not:
 * sets each token's hash and tf.  @retval false when out of memory */
bool grafi_tokens_count(grafi_token_buf *b, size_t from);

/* A graf tokenizer of its own, for another thread: IDX's language, and
 * it captures and replays nothing. */
typedef struct grafi_tokenizer grafi_tokenizer;

/* Make one (on the thread that owns IDX's connection).
 * @retval SQLITE_OK, SQLITE_NOMEM, or the error of creating it */
int grafi_tokenizer_new(graf_index *idx, grafi_tokenizer **out);

/* Add the tokens of TEXT[0..LEN) to BUF (any thread, one at a time).
 * @retval SQLITE_OK, SQLITE_NOMEM */
int grafi_tokenizer_append(grafi_tokenizer *t, const char *text, int len, grafi_token_buf *buf);

/* Free T (NULL: nothing). */
void grafi_tokenizer_free(grafi_tokenizer *t);

/*
 * The byte ranges of the tokens of TEXT[0..LEN) whose stem is one of
 * STEMS[0..N_STEMS): what graf_matches() gives for a query of those words
 * (and no phrase), without running the query.  Appended to *SPANS (*N of
 * them, *CAP allocated).
 * @retval SQLITE_OK or an SQLite error code
 */
int grafi_match_words(graf_index *idx, const char *text, int len, char *const *stems,
		      int n_stems, graf_span **spans, size_t *n, size_t *cap);

/*
 * Register graf's FTS5 auxiliary functions on DB:
 *   graf_matches(para)  the byte ranges of the matched tokens in the
 *                       paragraph, as text "start end start end ..."
 * @retval SQLITE_OK, SQLITE_NOMEM, or SQLITE_ERROR when DB has no FTS5.
 */
int grafi_functions_register(sqlite3 *db);

/* ------------------------------------------------------------ ranking -- */

/* Defaults of the ranking parameters (see doc/ranking.md for how they were
 * chosen). */
#define GRAFI_DEFAULT_K1 1.2
#define GRAFI_DEFAULT_B 0.75
#define GRAFI_DEFAULT_TITLE_WEIGHT 0.4
/* BM25 b of the headlines: full length normalisation (doc/ranking.md) */
#define GRAFI_DEFAULT_TITLE_B 1.0
#define GRAFI_DEFAULT_PROXIMITY 0.25
#define GRAFI_DEFAULT_PHRASE_BOOST 1.0
#define GRAFI_DEFAULT_FB_DOCS 10
#define GRAFI_DEFAULT_FB_TERMS 20
#define GRAFI_DEFAULT_FB_WEIGHT 0.35
#define GRAFI_MAX_FB_DOCS 100

/* A map from article id to score (headline scores of one query). */
typedef struct grafi_score_map grafi_score_map;
grafi_score_map *grafi_score_map_new(void);
void grafi_score_map_free(grafi_score_map *m);
/* false when out of memory */
bool grafi_score_map_put(grafi_score_map *m, sqlite3_int64 key, double value);
/* 0.0 for a missing key */
double grafi_score_map_get(const grafi_score_map *m, sqlite3_int64 key);
/* Forget M's entries (NULL: nothing). */
void grafi_score_map_clear(grafi_score_map *m);
size_t grafi_score_map_size(const grafi_score_map *m);

/* The parameters graf_rank() reads, bound to its argument by the query. */
typedef struct grafi_rank_model {
	double k1, b;                /* BM25 */
	double proximity;            /* weight of the term-pair proximity part */
	double phrase_boost;         /* for query words adjacent in query order */
	const double *weights;       /* per phrase of the MATCH expression; */
	int n_weights;               /* phrases past n_weights weigh */
	double default_weight;       /* this (1 by default) */
	int prox_first;              /* proximity counts phrases from this one
				  * on (added feedback words come first) */
	sqlite3_int64 *rows_seen;    /* if set, graf_rank() stores the table's
				  * row count here (for feedback) */
	const grafi_score_map *titles;  /* article id -> headline score */
	double title_weight;
	double title_b;              /* BM25 b of the headline scores */
	const double *idf;           /* per phrase (stats.c), or NULL: */
	int n_idf;                   /* graf_rank() counts each phrase's rows */
} grafi_rank_model;

/* Fill M with the defaults (no weights, no titles). */
void grafi_rank_model_init(grafi_rank_model *m);

/* One BM25 term: IDF * TF * (k1 + 1) / (TF + NORM). */
double grafi_rank_bm25_term(double idf, double tf, double k1, double norm);

/* An occurrence of phrase PHRASE at token OFF of a row. */
typedef struct grafi_rank_inst {
	int phrase;
	int off;
} grafi_rank_inst;

/* Sort occurrences by offset, then phrase: the order proximity reads. */
void grafi_rank_sort_inst(grafi_rank_inst *inst, int n);

/*
 * The proximity part of a row's score (rank.c's formula, times M's
 * proximity weight): INST[0..N) its phrase occurrences, sorted; the query
 * has N_PHRASE phrases of PHRASE_SIZE tokens and IDF; K the row's length
 * norm.  Shared by graf_rank() and the top-k search so that both compute
 * the same double.
 */
double grafi_rank_proximity(const grafi_rank_inst *inst, int n, int n_phrase,
			    const int *phrase_size, const double *idf,
			    const grafi_rank_model *m, double k);

/* Register graf_rank() on DB.  SQLITE_OK or an error code. */
int grafi_rank_register(sqlite3 *db);

/* Bind MODEL (borrowed for the statement's life) to parameter PARAM of a
 * statement calling graf_rank(table, ?PARAM). */
int grafi_rank_bind(sqlite3_stmt *stmt, int param, const grafi_rank_model *model);

/* -------------------------------------------------------------- stats -- */

/* The number of rows of TABLE that contain TERM[0..LEN) (PREFIX: a term
 * starting with it, summed over the terms, so an upper bound).  SQLite code. */
int grafi_stats_df(graf_index *idx, int table, const char *term, int len, bool prefix,
		   sqlite3_int64 *df);

/* Rows and tokens of TABLE, as FTS5 counts them.  SQLite code. */
int grafi_stats_totals(graf_index *idx, int table, sqlite3_int64 *n_rows,
		       sqlite3_int64 *n_tokens);

/* ln(1 + (N - df + 0.5) / (df + 0.5)). */
double grafi_stats_idf(sqlite3_int64 n_rows, sqlite3_int64 df);

/*
 * The IDF of every phrase of EXPR (an expression graf wrote) over TABLE, in
 * FTS5's phrase order: the sum of its words' IDFs.
 * @param idf  OUT: malloc'ed array (caller frees), *N_IDF entries
 */
graf_status_t grafi_stats_phrase_idf(graf_index *idx, int table, const char *expr,
				     double **idf, int *n_idf);

/* Finalize IDX's vocabulary statements. */
void grafi_stats_release(graf_index *idx);

/* ------------------------------------------------------------ postings -- */

/* One posting: a row holding a term, how often, and the row's length. */
typedef struct grafi_posting {
	sqlite3_int64 row;
	uint32_t tf;
	uint32_t dl;             /* the row's length in tokens (xColumnSize) */
} grafi_posting;

typedef struct grafi_posting_list {
	grafi_posting *v;
	size_t n, cap;
} grafi_posting_list;

/* Free L's array (grown with grafi_region_reserve()) and empty L. */
void grafi_posting_list_free(grafi_posting_list *l);

/* Append the postings of the list DATA[0..SIZE) to OUT; false if it is
 * malformed or memory runs out. */
bool grafi_postings_decode(const void *data, size_t size, grafi_posting_list *out);

/* Read a block header at *P (not past END): HDR gets body bytes, count,
 * last article, last paragraph, max tf, min dl; *P moves to the body.
 * false if malformed. */
bool grafi_postings_block_header(const unsigned char **p, const unsigned char *end,
				 uint64_t hdr[6]);

/* Append the COUNT postings of the block body BODY[0..LEN) to OUT; false if
 * malformed or out of memory. */
bool grafi_postings_decode_block(const unsigned char *body, size_t len, uint64_t count,
				 grafi_posting_list *out);

/* True if ROW's postings in segment SEG are dead (TOMBS: row + 1 -> seg). */
bool grafi_postings_dead(const grafi_score_map *tombs, sqlite3_int64 row, sqlite3_int64 seg);

/* The postings an update run writes (see postings.c for the protocol:
 * begin; for each inserted row capture_row, the INSERT, capture_done; for
 * each deleted row delete; after each file file(); checkpoint between
 * files, or inside a file when full() (memory is then bounded, but the
 * file can no longer be rolled back alone); finish before COMMIT; free
 * always). */
typedef struct grafi_postings grafi_postings;
graf_status_t grafi_postings_begin(graf_index *idx, grafi_postings **out);
void grafi_capture_row(grafi_postings *p, int table, sqlite3_int64 row);
/* Before a statement deleting rows of TABLE: their tokens lower the
 * document frequencies (capture_done after it). */
void grafi_capture_deletes(grafi_postings *p, int table);
/* At the start of each tokenization of a document (stem-tokenizer.c). */
void grafi_capture_text(grafi_postings *p);
void grafi_capture_token(grafi_postings *p, const char *token, int n_token, bool colocated);
/* All the tokens of T at once, counted ahead (grafi_tokens_count). */
void grafi_capture_counted(grafi_postings *p, const grafi_tokens *t);
graf_status_t grafi_capture_done(grafi_postings *p);
/* The tokens of the next row's text, made ahead (NULL: none); the
 * tokenizer replays them when FTS5 asks it to tokenize that very text. */
void grafi_capture_ahead(grafi_postings *p, const grafi_tokens *tokens);
/* The tokens made ahead for TEXT[0..LEN) (the same pointer), or NULL. */
const grafi_tokens *grafi_capture_ahead_for(const grafi_postings *p, const char *text, int len);
graf_status_t grafi_postings_delete(grafi_postings *p, int table, sqlite3_int64 row);
void grafi_postings_file(grafi_postings *p, bool failed);
graf_status_t grafi_postings_checkpoint(grafi_postings *p);
bool grafi_postings_full(const grafi_postings *p);
graf_status_t grafi_postings_finish(grafi_postings *p);
void grafi_postings_free(grafi_postings *p);

/* -------------------------------------------------------- vocabulary -- */

/* The paragraph terms of post_df, again, in front-coded blocks (vocab.c),
 * for walking them in order ("did you mean"). */

/* True if the index has the blocks (schema version 6). */
bool grafi_vocab_present(graf_index *idx);

/* An edit of the blocks, inside the writer's transaction: begin; edit_term
 * for terms in strictly increasing order (PRESENT: the term is in post_df
 * now, though it may be in the blocks already; !PRESENT: post_df dropped
 * it); end; free always.  All return SQLite codes. */
typedef struct grafi_vocab_edit grafi_vocab_edit;
int grafi_vocab_edit_begin(graf_index *idx, grafi_vocab_edit **out);
int grafi_vocab_edit_term(grafi_vocab_edit *e, const void *term, size_t len, bool present);
int grafi_vocab_edit_end(grafi_vocab_edit *e);
void grafi_vocab_edit_free(grafi_vocab_edit *e);

/* KEY[0..*LEN) made the first key after every key that starts with it
 * (its last byte one higher, less trailing 0xff bytes); false when there
 * is none. */
bool grafi_key_successor(unsigned char *key, size_t *len);

/* Write the blocks of an index that has none from post_df (the upgrade to
 * version 6). */
graf_status_t grafi_vocab_fill(graf_index *idx);

/* The terms in order: next gives SQLITE_ROW and the term (valid until the
 * next call), SQLITE_DONE, or an error; skip makes next pass over the
 * terms that start with the first PREFIX bytes of the term it gave last,
 * seeking only when they outrun the block read. */
typedef struct grafi_vocab_cursor grafi_vocab_cursor;
graf_status_t grafi_vocab_open(graf_index *idx, grafi_vocab_cursor **out);
int grafi_vocab_next(grafi_vocab_cursor *c, const unsigned char **term, size_t *len);
void grafi_vocab_skip(grafi_vocab_cursor *c, size_t prefix);
void grafi_vocab_close(grafi_vocab_cursor *c);

/* --check: PROBLEM (SIZE bytes) gets the first way the blocks differ from
 * post_df's paragraph terms, or "".  Returns an SQLite code. */
int grafi_vocab_verify(graf_index *idx, char *problem, size_t size);

/* ---------------------------------------------------------------- rows -- */

/*
 * Many rows made in C, written by one statement (rows.c): SQL such as
 * "INSERT OR FAIL INTO t(a, b) SELECT c0, c1 FROM graf_rows" reads the rows
 * NEXT makes, until it returns SQLITE_DONE.  One statement keeps its cursor
 * where the last row went; OR FAIL spares it a statement journal (and
 * FTS5 the flush of its pending terms that a statement savepoint causes),
 * so a failure leaves the rows before it: the caller's transaction or
 * savepoint must then be rolled back, as graf's update runs do.
 */
#define GRAFI_ROW_COLUMNS 6
typedef struct grafi_row {
	struct {
		int type;                /* SQLITE_INTEGER, SQLITE_BLOB; 0: NULL */
		sqlite3_int64 i;
		const void *blob;        /* valid until NEXT is called again */
		int len;
	} col[GRAFI_ROW_COLUMNS];
	const char *errmsg;          /* with a failure: why (or NULL) */
} grafi_row;
/* Fill ROW (zeroed) and return SQLITE_ROW; SQLITE_DONE at the end; or a
 * failure's code, which the statement fails with. */
typedef int (*grafi_rows_fn)(void *arg, grafi_row *row);
typedef struct grafi_rows grafi_rows;
int grafi_rows_insert(graf_index *idx, const char *sql, grafi_rows_fn next, void *arg);

static inline void
grafi_row_int(grafi_row *row, int k, sqlite3_int64 v)
{
	row->col[k].type = SQLITE_INTEGER;
	row->col[k].i = v;
}

static inline void
grafi_row_blob(grafi_row *row, int k, const void *p, size_t len)
{
	row->col[k].type = SQLITE_BLOB;
	row->col[k].blob = p;
	row->col[k].len = (int)len;
}

/* ---------------------------------------------------------- text store -- */

/* The paragraphs' text, compressed (store.c).  An update run: begin; put
 * each paragraph before its FTS5 INSERT; delete a range after the FTS5
 * DELETE (which reads the text to unindex it); checkpoint after each
 * released file and with LAST before finishing; rollback after a file's
 * ROLLBACK TO; free always. */
typedef struct grafi_store grafi_store;
graf_status_t grafi_store_begin(graf_index *idx, grafi_store **out);
graf_status_t grafi_store_put(grafi_store *s, sqlite3_int64 row, const char *text, size_t len);
/* grafi_store_put(), given TEXT packed ahead, PACKED[0..N) with the
 * dictionary DICT_ID (grafi_packer_pack()); PACKED NULL: not packed. */
graf_status_t grafi_store_put_packed(grafi_store *s, sqlite3_int64 row, const char *text,
				     size_t len, const void *packed, size_t n,
				     sqlite3_int64 dict_id);

/* Packing on another thread (the pipe's), with the store's dictionary.
 * Made on the writer's thread; used by one other thread at a time; freed
 * before the store. */
typedef struct grafi_packer grafi_packer;
grafi_packer *grafi_packer_new(grafi_store *s);
/* Pack TEXT[0..LEN) as the store would now, into *OUT[0..*N) (valid until
 * the next call) with *DICT_ID; *OUT NULL when the store has no dictionary
 * yet.  @retval GRAF_STATUS_OK, GRAF_STATUS_NOMEM */
graf_status_t grafi_packer_pack(grafi_packer *pk, const char *text, size_t len, const void **out,
				size_t *n, sqlite3_int64 *dict_id);
void grafi_packer_free(grafi_packer *pk);
graf_status_t grafi_store_delete(grafi_store *s, sqlite3_int64 lo, sqlite3_int64 hi);
graf_status_t grafi_store_checkpoint(grafi_store *s, bool last);
void grafi_store_rollback(grafi_store *s);
void grafi_store_free(grafi_store *s);
/* Register graf_unpack() on DB; an SQLite result code. */
int grafi_store_register(sqlite3 *db);

/* --------------------------------------------------------------- top-k -- */

typedef struct grafi_topk_input {
	const char *match;           /* the paragraph expression */
	const char *any_match;       /* the headline expression (positive phrases) */
	const grafi_rank_model *model;  /* with idf; its titles map is TITLES */
	const double *head_idf;      /* per phrase of ANY_MATCH */
	int n_head_idf;
	grafi_score_map *titles;     /* filled with the headline scores used */
	long want;                   /* hits (or, ARTICLE_UNIT, articles) needed */
	bool article_unit;
	char **stems;                /* OUT: the stems of the positive words,
				      * malloc'ed (caller frees each and the
				      * array), for highlighting */
	int n_stems;
	graf_span *spans;            /* OUT, malloc'ed or NULL: where STEMS
				      * occur in the hits whose text the search
				      * read (grafi_topk_hit.span_at) */
} grafi_topk_input;

typedef struct grafi_topk_hit {
	sqlite3_int64 row;
	double score;
	size_t span_at;              /* its matches: IN->spans[span_at ...], */
	long n_spans;                /* ... this many; -1: the text was not read */
} grafi_topk_hit;

/*
 * The best IN->want rows of the query, best first, as the exhaustive
 * ranking orders them, from graf's postings (topk.c).
 * @param taken  OUT: false when the query's shape is not one the shortcut
 *               takes (then nothing else is set; rank exhaustively)
 * @param out    OUT: malloc'ed hits, *N_OUT of them
 */
graf_status_t grafi_topk(graf_index *idx, grafi_topk_input *in, grafi_topk_hit **out,
			 size_t *n_out, bool *taken);

/* Free IDX's top-k cache. */
void grafi_topk_release(graf_index *idx);

/* Forget IDX's cached tombstones after a write through IDX itself, which
 * PRAGMA data_version does not count (it counts other connections'). */
void grafi_topk_changed(graf_index *idx);

/* Make and touch IDX's scratch buffers before a batch of queries
 * (graf_index_preload()); an optimisation that cannot fail. */
void grafi_topk_warm(graf_index *idx);

/* ------------------------------------------------------------ feedback -- */

/* A first-pass paragraph: its text and score. */
typedef struct grafi_fb_doc {
	const char *text;
	double score;
} grafi_fb_doc;

/* An expansion word. */
typedef struct grafi_fb_term {
	char *word;                  /* as written in a paragraph: query syntax */
	char *stem;                  /* what the index holds */
	double weight;               /* p(w|R), the chosen words sum to 1 */
} grafi_fb_term;

/*
 * The N_TERMS words that best describe DOCS (RM3's relevance model), leaving
 * out words in more than a tenth of the N_ROWS paragraphs.  The query's own
 * words are among them when they describe DOCS, as RM3 intends.
 * @param out    OUT: malloc'ed array; free with grafi_feedback_terms_free()
 * @param n_out  OUT: its length (may be 0)
 */
graf_status_t grafi_feedback_terms(graf_index *idx, const grafi_fb_doc *docs, size_t n_docs,
				   size_t n_terms, sqlite3_int64 n_rows, grafi_fb_term **out,
				   size_t *n_out);
void grafi_feedback_terms_free(grafi_fb_term *terms, size_t n);

/* The fts5_api of DB, or NULL when SQLite was built without FTS5 or when
 * out of memory (then sqlite3_errcode(DB) is SQLITE_NOMEM; see
 * grafi_fts5_api_error()). */
struct fts5_api *grafi_fts5_api(sqlite3 *db);

/* Why grafi_fts5_api(DB) just returned NULL: SQLITE_NOMEM or SQLITE_ERROR
 * (no FTS5). */
int grafi_fts5_api_error(sqlite3 *db);

/*
 * Tokenize TEXT[0..LEN) with IDX's tokenizer (the one the index uses), as
 * FTS5 would for a query (FLAGS: FTS5_TOKENIZE_*), calling X_TOKEN for each
 * token.  The tokenizer is created on first use and kept by IDX.
 * @retval SQLITE_OK or an SQLite error code
 */
int grafi_tokenize(graf_index *idx, const char *text, int len, int flags, void *ctx,
		   int (*x_token)(void *ctx, int tflags, const char *token, int n_token,
				  int start, int end));

/*
 * The first bytes of words a caller looks for: a bit per byte value, filled
 * with grafi_first_bytes_add().
 */
typedef struct grafi_first_bytes {
	uint8_t bit[32];
} grafi_first_bytes;

/* Add WORD's first byte to F. */
static inline void
grafi_first_bytes_add(grafi_first_bytes *f, const char *word)
{
	unsigned char b = (unsigned char)word[0];

	f->bit[b >> 3] |= (uint8_t)(1u << (b & 7));
}

/* True if F holds the byte B. */
static inline bool
grafi_first_bytes_has(const grafi_first_bytes *f, unsigned char b)
{
	return (f->bit[b >> 3] >> (b & 7)) & 1u;
}

/* True if F holds no byte. */
static inline bool
grafi_first_bytes_empty(const grafi_first_bytes *f)
{
	for (size_t i = 0; i < sizeof f->bit; i++)
		if (f->bit[i])
			return false;
	return true;
}

/*
 * grafi_tokenize() for a caller that only compares the tokens with words
 * whose first bytes are in FIRST (highlighting, top-k verification).  Where
 * the index's stemmer never changes a word's first byte (English: Porter2
 * rewrites suffixes only), a token that begins with none of them cannot stem
 * to one of the words, and is handed on unstemmed: the positions stay the
 * same, and most of the stemming, the larger part of tokenizing a long
 * paragraph, is skipped.  Other languages stem every token, except for an
 * empty FIRST: a caller that only counts positions and reads offsets wants
 * no stem, in any language.
 */
int grafi_tokenize_for(graf_index *idx, const char *text, int len, int flags,
		       const grafi_first_bytes *first, void *ctx,
		       int (*x_token)(void *ctx, int tflags, const char *token, int n_token,
				      int start, int end));

/* Free IDX's query tokenizer (when IDX closes). */
void grafi_tokenizer_release(graf_index *idx);


/* True if LANGUAGE names a Snowball stemmer libstemmer has. */
bool grafi_language_known(const char *language);

/* --------------------------------------------------------- the articles -- */

/* Why a file was not read as an article. */
typedef enum grafi_read_result {
	GRAFI_READ_OK = 0,
	GRAFI_READ_EMPTY,        /* no text at all (or only white space) */
	GRAFI_READ_BINARY,       /* contains NUL bytes */
	GRAFI_READ_NOMEM
} grafi_read_result_t;

/* An article split into its headline and paragraphs.  All strings point into
 * TEXT, which the article owns. */
typedef struct grafi_article {
	char *text;              /* the decoded UTF-8 text, NULs between pieces */
	const char *title;       /* the headline, "" when none */
	const char **paragraphs; /* the paragraphs, in order, trimmed, non-empty */
	size_t n_paragraphs;
	bool from_cp1252;        /* the input was not UTF-8; read as Windows-1252 */
	bool truncated;          /* more than GRAFI_MAX_PARAGRAPHS: the rest merged */
} grafi_article;

/*
 * Split the raw bytes DATA[0..LEN) of an article file into its headline and
 * paragraphs (see corpus.c for the rules).  DATA is not modified and may be
 * freed afterwards.
 * @param out  OUT: filled on GRAFI_READ_OK; release with grafi_article_release()
 */
grafi_read_result_t grafi_article_parse(const char *data, size_t len, grafi_article *out);

/*
 * Build an article from a collection record: TITLE[0..TITLE_LEN) (white space
 * collapsed) and BODY[0..BODY_LEN), whose paragraphs are separated by blank
 * lines (the lines of one paragraph are joined by a space).  Either part may
 * be Windows-1252 (then from_cp1252 is set).  A record with no body has its
 * title as its one paragraph.
 * @retval GRAFI_READ_EMPTY when both are empty, GRAFI_READ_NOMEM
 */
grafi_read_result_t grafi_article_from_parts(const char *title, size_t title_len,
					     const char *body, size_t body_len,
					     grafi_article *out);

/* Free what an article owns and zero it; safe on a zeroed article. */
void grafi_article_release(grafi_article *article);

/* ------------------------------------------------------------ the readers -- */

/* One document as a reader delivers it; everything borrowed for the call. */
typedef struct grafi_doc {
	const char *docid;               /* identity within its file */
	const char *title;               /* "" when none */
	const char *const *paragraphs;   /* non-empty, in order */
	size_t n_paragraphs;
} grafi_doc;

/* Where a reader delivers documents and warnings. */
typedef struct grafi_reader_sink {
	/* Index DOC; a status other than OK stops the reader, which returns it. */
	graf_status_t (*doc)(void *ctx, const grafi_doc *doc);
	/* A problem with the file (or one record of it): MESSAGE is one line,
	 * without the file name, which the sink knows. */
	void (*warn)(void *ctx, const char *message);
	void *ctx;
	/* Optional: called with the raw bytes of each record of a collection
	 * before it is parsed; true means the index holds it unchanged, and
	 * the reader skips it (an update then parses only what changed). */
	bool (*known)(void *ctx, const char *raw, size_t len);
	/* Lines of the file before DATA, when a collection is read in pieces:
	 * warnings give line numbers of the whole file. */
	size_t lines_before;
} grafi_reader_sink;

/*
 * A reader: turn the bytes DATA[0..LEN) of the file PATH into documents.
 * Records that cannot be read are warned about and skipped.
 * @retval GRAF_STATUS_OK, GRAF_STATUS_NOMEM, or the sink's failure
 */
typedef graf_status_t (*grafi_reader_fn)(const char *path, const char *data, size_t len,
					 const grafi_reader_sink *sink);

/* ---------------------------------------------------------------- the pipe -- */

/* What was made of one text of a document ahead of the writer: its tokens
 * (always, for every text of the document) and its packed form (PACKED
 * NULL: none, before the store has a dictionary; never for the title). */
typedef struct grafi_ahead {
	grafi_tokens tokens;
	const void *packed;
	size_t packed_len;
	sqlite3_int64 dict_id;
} grafi_ahead;

/* What a pipe delivers to the writer, on the writer's thread, in order. */
typedef struct grafi_pipe_sink {
	/* DOC, read from a record whose bytes hash to RAW (0: none).  AHEAD:
	 * NULL, or what was made of its title ([0]) and paragraphs ([1...]). */
	graf_status_t (*doc)(void *ctx, uint64_t raw, const grafi_doc *doc,
			     const grafi_ahead *ahead);
	/* A record whose bytes hash to RAW, as those of the index's article
	 * ID: known unchanged, not parsed. */
	graf_status_t (*known)(void *ctx, uint64_t raw, sqlite3_int64 id);
	/* A warning about the file (one line, without its name). */
	void (*warn)(void *ctx, const char *message);
	/* What the producer put with grafi_pipe_mark() (may be NULL if it
	 * never does): a copy of its bytes, aligned as a pointer is. */
	graf_status_t (*mark)(void *ctx, const void *data);
	void *ctx;
} grafi_pipe_sink;

typedef struct grafi_pipe grafi_pipe;

/*
 * Run PRODUCE(ARG, pipe) on a thread of its own (pipe.c) while this thread
 * delivers what it puts in the pipe to SINK, in order; return when PRODUCE
 * has returned.  With a TOKENIZER and a PACKER (each may be NULL), the
 * documents' texts are tokenized and their paragraphs packed on that
 * thread too, and delivered with them.  Without a thread (none could start, or GRAF_THREADS=1),
 * PRODUCE runs here and each event is delivered as it is put.  PRODUCE must
 * touch nothing of the writer's but through the pipe.
 * @retval GRAF_STATUS_OK, or the first failure of a SINK call (after
 *         which SINK sees nothing more); the producer's own failures are
 *         its to report, through ARG
 */
graf_status_t grafi_pipe_run(void (*produce)(void *arg, grafi_pipe *p), void *arg,
			     const grafi_pipe_sink *sink, grafi_tokenizer *tokenizer,
			     grafi_packer *packer);

/*
 * The producer's calls.  Each copies what it is given.
 * @retval GRAF_STATUS_OK; GRAF_STATUS_INTERRUPTED when the writer has
 *         stopped (produce nothing more); GRAF_STATUS_NOMEM
 */
graf_status_t grafi_pipe_doc(grafi_pipe *p, uint64_t raw, const grafi_doc *doc);
graf_status_t grafi_pipe_known(grafi_pipe *p, uint64_t raw, sqlite3_int64 id);
graf_status_t grafi_pipe_warn(grafi_pipe *p, const char *message);
graf_status_t grafi_pipe_mark(grafi_pipe *p, const void *data, size_t size);

/* True once the writer has stopped: the producer should return. */
bool grafi_pipe_stopped(grafi_pipe *p);

/* Text article files (corpus.c): one document, whose docid is PATH. */
graf_status_t grafi_read_text(const char *path, const char *data, size_t len,
			      const grafi_reader_sink *sink);

/* JSON Lines collections (reader-jsonl.c). */
graf_status_t grafi_read_jsonl(const char *path, const char *data, size_t len,
			       const grafi_reader_sink *sink);

/* TREC SGML collections (reader-trec.c). */
graf_status_t grafi_read_trec(const char *path, const char *data, size_t len,
			      const grafi_reader_sink *sink);

/*
 * Where a collection may be cut so that its pieces can be read one at a
 * time: the length of the prefix of DATA[0..LEN) that ends with a whole
 * record, the end of its last record (FIRST false) or of its first (FIRST
 * true); 0 when no record ends in DATA.
 */
typedef size_t (*grafi_record_end_fn)(const char *data, size_t len, bool first);

size_t grafi_jsonl_record_end(const char *data, size_t len, bool first);
size_t grafi_trec_record_end(const char *data, size_t len, bool first);

/* The record_end of FORMAT; NULL for text, whose file is one document. */
grafi_record_end_fn grafi_record_end_for(graf_input_t format);

/* ------------------------------------------------------------- the walk -- */

/* The input format a file's name says; GRAF_INPUT_AUTO when it says none. */
graf_input_t grafi_format_for_name(const char *path);

/* The reader of FORMAT (text for GRAF_INPUT_AUTO). */
grafi_reader_fn grafi_reader_for(graf_input_t format);

/* A file found by the walk. */
typedef struct grafi_file {
	char *path;              /* as walked from the root */
	int64_t size;
	int64_t mtime_ns;        /* modification time, nanoseconds */
	graf_input_t format;     /* never GRAF_INPUT_AUTO */
} grafi_file;

typedef struct grafi_walk_result {
	grafi_file *files;
	size_t n_files, cap_files;
	int64_t bytes_total;
	char **unreadable;       /* paths that could not be read: keep their
				  * indexed articles */
	size_t n_unreadable, cap_unreadable;
} grafi_walk_result;

/*
 * Add the files under ROOT (a file or directory) to OUT; problems go to
 * WARN (may be NULL) and do not stop the walk.  ROOT itself, if a file, is
 * read as INPUT (GRAF_INPUT_AUTO: by its name, else text).
 * @retval GRAF_STATUS_NOMEM only; everything else is a warning.
 */
graf_status_t grafi_walk(const char *root, graf_input_t input, grafi_walk_result *out,
			 void (*warn)(void *ctx, const char *path, const char *message),
			 void *ctx);

/* Free what OUT holds and zero it. */
void grafi_walk_result_release(grafi_walk_result *out);

/* -------------------------------------------------------------- queries -- */

/*
 * Limits of the query language (doc/query-language.md).  A query beyond one
 * of them is refused with GRAF_STATUS_BAD_QUERY and a message naming the
 * limit; nothing a user types is ever cut short silently.
 */
#define GRAFI_QUERY_MAX_BYTES 65536     /* bytes of query text */
#define GRAFI_QUERY_MAX_WORDS 1000      /* words (tokens) in a query */
/*
 * Parentheses nested deeper than this are refused.  The bound comes from
 * FTS5, not from graf's parser (which is recursive only per parenthesis):
 * SQLite 3.40's FTS5 expression parser has a fixed 100-entry stack and
 * overflows at 33 levels of '"a" AND (...)'; one level of user parentheses
 * can become two levels of FTS5 ones ('("a" AND (...)) NOT "b"').
 */
#define GRAFI_QUERY_MAX_DEPTH 16
#define GRAFI_QUERY_NEAR_DEFAULT 10     /* NEAR distance when none is given */
#define GRAFI_QUERY_NEAR_MAX 1000       /* larger NEAR distances are lowered */
#define GRAFI_QUERY_MAX_WARNINGS 20     /* more are counted in one last warning */

/* What the lexer (query-lex.c) reads. */
typedef enum grafi_qlex_type {
	GRAFI_QLEX_END = 0,      /* end of the query */
	GRAFI_QLEX_WORD,         /* a run of anything else: "U.S.", "licen*" */
	GRAFI_QLEX_PHRASE,       /* "a phrase" (straight or typographic quotes) */
	GRAFI_QLEX_LPAREN,       /* ( */
	GRAFI_QLEX_RPAREN,       /* ) */
	GRAFI_QLEX_OR,           /* OR (upper case only) */
	GRAFI_QLEX_AND,          /* AND */
	GRAFI_QLEX_NOT,          /* NOT */
	GRAFI_QLEX_MINUS,        /* - (or --) at the start of a word */
	GRAFI_QLEX_FIELD,        /* title: */
	GRAFI_QLEX_NEAR,         /* NEAR or NEAR/N between two words */
	GRAFI_QLEX_NEAR_GROUP,   /* NEAR( : the parenthesis is part of it */
	GRAFI_QLEX_COMMA,        /* , inside NEAR( ) only */
	GRAFI_QLEX_LAST
} grafi_qlex_type_t;

typedef struct grafi_qlex_token {
	grafi_qlex_type_t type;
	size_t start, end;       /* bytes of the whole token in the query */
	const char *text;        /* WORD, PHRASE: the words, without the quotes
				  * and the trailing '*'s; points into the query */
	size_t len;              /* bytes of TEXT */
	bool prefix;             /* WORD, PHRASE: ended with '*' */
	bool unclosed;           /* PHRASE: no closing quote before the end */
	bool dangling;           /* MINUS, FIELD: nothing follows (a space, ')'
				  * or the end) */
	long distance;           /* NEAR: the N of NEAR/N (at most
				  * GRAFI_QUERY_NEAR_MAX + 1) */
} grafi_qlex_token;

typedef struct grafi_qlex {
	const char *text;        /* the query (borrowed) */
	size_t len;
	size_t pos;              /* where the next token starts */
	bool near_mode;          /* inside NEAR( ): ',' is a token */
} grafi_qlex;

/* Start reading TEXT[0..LEN), which must be valid UTF-8. */
void grafi_qlex_init(grafi_qlex *lx, const char *text, size_t len);

/* Read the next token into *TOK (GRAFI_QLEX_END at the end, forever).
 * Linear in the length of the text, whatever it holds. */
void grafi_qlex_next(grafi_qlex *lx, grafi_qlex_token *tok);

/* The token type as written in messages ("OR", "NEAR/3", "title:"). */
const char *grafi_qlex_type_name(grafi_qlex_type_t type);

/* Kinds of query tree node. */
typedef enum grafi_qkind {
	GRAFI_QNODE_TERM = 0,    /* a word or phrase (or a prefix) */
	GRAFI_QNODE_AND,         /* all children (the negated ones: none) */
	GRAFI_QNODE_OR,          /* any child */
	GRAFI_QNODE_NEAR,        /* the TERM children within DISTANCE words */
	GRAFI_QNODE_LAST
} grafi_qkind_t;

/* One token of a term, as the index's tokenizer gives it. */
typedef struct grafi_qtoken {
	const char *text;        /* the stem (unstemmed for a prefix), NUL-ended */
	size_t start, end;       /* bytes of the token in the query */
	bool prefix;             /* the prefix token of a prefix term */
} grafi_qtoken;

/* A node of the parsed query.  Everything is owned by the tree's arena. */
typedef struct grafi_qnode {
	grafi_qkind_t kind;
	bool negated;            /* excluded: "-x", "NOT x" */
	size_t start, end;       /* bytes of the node in the query */
	struct grafi_qnode *next;        /* next sibling */
	/* GRAFI_QNODE_TERM */
	const char *text;        /* the words as typed; points into the query */
	size_t len;
	size_t split;            /* prefix: bytes of TEXT before its last token */
	bool quoted;             /* written as "a phrase" */
	bool prefix;             /* word*: the last token is a prefix */
	bool title;              /* title:word: searched in headlines */
	bool group;              /* written in parentheses */
	grafi_qtoken *tokens;    /* at least one */
	size_t n_tokens;
	/* groups */
	struct grafi_qnode *first, *last;  /* children, in query order */
	size_t n_children;       /* two or more, except in the root */
	long distance;           /* GRAFI_QNODE_NEAR */
} grafi_qnode;

/* A parsed and normalised query (query-parse.c). */
typedef struct grafi_query_ast {
	grafi_qnode *root;       /* an AND node, never negated; each child is
				  * either all title: terms or none */
	char **warnings;         /* malloc'ed, one line each */
	size_t n_warnings;
	size_t n_suppressed;     /* warnings past GRAFI_QUERY_MAX_WARNINGS */
	struct grafi_arena *arena;       /* owns the nodes and their strings */
} grafi_query_ast;

/*
 * Parse the user's query TEXT (NUL-terminated, valid UTF-8, at most
 * GRAFI_QUERY_MAX_BYTES) with IDX's tokenizer into OUT, and normalise it:
 * groups of the same kind are merged, one-child groups removed, exclusions
 * that cannot be expressed dropped with a warning.  Never fails on odd
 * input: what cannot be read is dropped or reread with a warning.
 * ANY: the root's items will be OR'ed (--any), so a parenthesised group
 * there stays one item instead of merging into the root.
 * @param out  OUT: filled on success; release with grafi_query_ast_release()
 * @retval GRAF_STATUS_BAD_QUERY  a limit was exceeded, or nothing is left
 *                                to search for; the message is on IDX
 * @retval GRAF_STATUS_NOMEM, or the tokenizer's failure
 */
graf_status_t grafi_query_parse(graf_index *idx, const char *text, bool any,
				grafi_query_ast *out);

/* Free what AST owns and zero it; safe on a zeroed one. */
void grafi_query_ast_release(grafi_query_ast *ast);

/* True if every term under N is a title: term. */
bool grafi_qnode_is_title(const grafi_qnode *n);

/*
 * Write TEXT[0..LEN) for a one-line message into BUF (SIZE bytes): at most
 * about 40 bytes (cut at a character boundary, "..." appended), control
 * characters shown as '?'.  Returns BUF.
 */
const char *grafi_query_snippet(const char *text, size_t len, char *buf, size_t size);

/* A word of the query that must occur, for "did you mean" (suggest.c). */
typedef struct grafi_query_word {
	char *token;             /* the stem, as the index holds it; malloc'ed */
	size_t start, end;       /* bytes of the word in the query */
	bool title;              /* from a title: term */
} grafi_query_word;

/* A user's query compiled to FTS5 expressions (query-emit.c). */
typedef struct grafi_compiled_query {
	char *match;             /* expression for para (paragraph text); NULL
				  * when the query has only title: terms */
	char *title_match;       /* expression for head (headlines); NULL: none */
	char *any_match;         /* every positive word and phrase of the query
				  * OR-ed: scores the headlines for ranking,
				  * anchors feedback; NULL: none */
	int n_any;               /* number of phrases in any_match */
	char *title_exclude;     /* headlines to leave out, when there is no
				  * title_match to fold them into; NULL: none */
	char *exclude;           /* paragraphs to leave out, when there is no
				  * match to fold them into; NULL: none */
	char *explain;           /* the parse, for --explain (several lines) */
	char *tree;              /* the parse tree on one line (explain, tests) */
	char **warnings;         /* things dropped or reinterpreted */
	size_t n_warnings;
	grafi_query_word *words; /* the words that must occur, in query order */
	size_t n_words;
} grafi_compiled_query;

/*
 * Compile the query TEXT for IDX.  MATCH says how words combine; with
 * GRAF_MATCH_RAW the text is used as the FTS5 expression as is.
 * @param out  OUT: filled on success; release with
 *             grafi_compiled_query_release()
 * @retval GRAF_STATUS_BAD_QUERY  no searchable word, invalid UTF-8, a limit
 *                                exceeded; the message is on IDX
 */
graf_status_t grafi_query_compile(graf_index *idx, const char *text, graf_match_t match,
				  grafi_compiled_query *out);

/* Free what CQ owns and zero it; safe on a zeroed one. */
void grafi_compiled_query_release(grafi_compiled_query *cq);

/*
 * The --explain text of a compiled query (query-explain.c): the query, the
 * tree with each term's stems, the FTS5 expressions.  TREE_ONLY: just the
 * tree on one line, as in "(and chip china -h20)".
 * @retval a malloc'ed string, or NULL when out of memory
 */
char *grafi_query_explain(const char *text, graf_match_t match, const grafi_query_ast *ast,
			  const grafi_compiled_query *cq, bool tree_only);

/*
 * "Did you mean": for each of WORDS that the index's vocabulary lacks, the
 * closest indexed word (by edit distance, then frequency), as the text
 * writes it (suggest.c).
 * @param text   the query the words come from
 * @param out    OUT: a malloc'ed copy of TEXT with those words replaced;
 *               NULL when there is nothing to suggest
 * @retval GRAF_STATUS_OK, GRAF_STATUS_NOMEM, an SQLite failure
 */
graf_status_t grafi_suggest(graf_index *idx, const char *text, const grafi_query_word *words,
			    size_t n_words, char **out);

/* Tests: with ON, grafi_suggest() walks every term of post_df through SQL
 * instead of the blocks, skipping no prefix it can prove too far (the same
 * suggestions). */
void grafi_suggest_exhaustive(bool on);

/* ------------------------------------------------------------- text utils -- */

/* True if S[0..LEN) is well-formed UTF-8 (no overlongs, no surrogates). */
bool grafi_utf8_valid(const char *s, size_t len);

/*
 * Decode Windows-1252 bytes S[0..LEN) to a malloc'ed NUL-terminated UTF-8
 * string; *OUT_LEN gets its length.  The five bytes Windows-1252 leaves
 * undefined map to the C1 code points of the same value, so nothing is lost.
 * NULL when out of memory.
 */
char *grafi_cp1252_to_utf8(const char *s, size_t len, size_t *out_len);

/* memory.c: SIZE bytes, zeroed, aligned to a huge page and advised for
 * transparent huge pages where the system has them, else from calloc();
 * *MAPPED gets what to pass to grafi_huge_free() with it.  NULL when out of
 * memory. */
void *grafi_huge_alloc(size_t size, size_t *mapped);
void grafi_huge_free(void *p, size_t mapped);

/*
 * memory.c: grafi_reserve() for the top-k search's arrays.  The array V, of
 * *CAP elements of SIZE bytes (NULL, 0: none yet), of which the first USED
 * are kept, grown to hold N: V itself, or a new array with *CAP updated (at
 * least doubled); NULL when out of memory, and V is as it was.  Free it
 * with grafi_region_free(V, *CAP * SIZE).
 *
 * Why: the arrays a query decodes its lists into, kept between queries,
 * grow to megabytes.  From malloc() each growth is a copy into fresh 4 KiB
 * pages, a fault each; from 64 KiB up these are mappings of their own
 * advised for huge pages (memory.c), a fault per 2 MiB.
 */
void *grafi_region_reserve(void *v, size_t *cap, size_t used, size_t n, size_t size);
/* Free V, of BYTES bytes (its capacity, maybe rounded down to whole
 * elements of another array it served as). */
void grafi_region_free(void *v, size_t bytes);

/* memory.c: map the pages of [P, P + LEN), part of a read-only file
 * mapping, into the process now (Linux: MADV_POPULATE_READ; where that is
 * missing, a read-ahead hint), so that touching them later costs no page
 * fault.  Errors are ignored: this is only ever an optimisation. */
void grafi_populate_read(const void *p, size_t len);

/*
 * The array V, of *CAP elements of SIZE bytes, grown (doubling, from 16) to
 * hold N: V itself, or a new block with *CAP updated; NULL when out of
 * memory, and V is as it was.
 */
void *grafi_reserve(void *v, size_t *cap, size_t n, size_t size);

/* 64-bit FNV-1a hash of DATA[0..LEN), continuing from H (GRAFI_HASH_INIT to
 * start): detects changed content, nothing more.  The content hash of an
 * article (article.hash). */
#define GRAFI_HASH_INIT 0xcbf29ce484222325ULL
uint64_t grafi_hash64(uint64_t h, const void *data, size_t len);

/* XXH3 (xxHash) of DATA[0..LEN): the hash of raw bytes, of a record
 * (article.raw) or of a whole file (source.hash), which an update takes of
 * every byte it reads.  Detects changes; not meant to resist crafted
 * collisions. */
uint64_t grafi_hash_bytes(const void *data, size_t len);

/* The same hash taken piece by piece: the value after adding pieces is
 * grafi_hash_bytes() of their concatenation, however they were cut. */
typedef struct XXH3_state_s grafi_hasher;  /* xxhash.h's XXH3_state_t */
grafi_hasher *grafi_hasher_new(void);  /* NULL when out of memory */
void grafi_hasher_add(grafi_hasher *h, const void *data, size_t len);
uint64_t grafi_hasher_value(const grafi_hasher *h);
void grafi_hasher_free(grafi_hasher *h);

/*
 * Lexically clean PATH: collapse repeated '/', drop "." components and a
 * trailing '/'.  ".." is kept (resolving it needs the file system).
 * Returns a malloc'ed string, or NULL when out of memory.
 */
char *grafi_path_clean(const char *path);

#endif /* GRAF_PRIVATE_H */
