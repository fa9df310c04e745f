/*
 * store.c - the paragraphs' text, compressed.
 *
 * The text is half of an index.  Paragraphs are short (a few hundred
 * bytes), too short for a compressor to learn much from one alone, so graf
 * trains a zstd dictionary on the first ~1 MB of paragraphs an index sees
 * and compresses every paragraph with it: about half the size, where zstd
 * alone keeps two thirds (news benchmark).  The text lives in
 *
 *   para_text(id, z)       one row per paragraph, z = a packed text:
 *                          byte 0, then the UTF-8 text                (raw)
 *                          byte 1, varint dictionary id, zstd frame   (packed)
 *   para_text_delta(id, z) the same, for paragraphs written among others
 *   zdict(id, dict)        the dictionaries
 *   para_body(id, body)    a view: id, graf_unpack(z) of both tables
 *
 * and FTS5's para table takes para_body as its external content, so that
 * MATCH, highlight() and any SQL reading "body" see plain text.
 * graf_unpack() is registered by graf_register(), with the tokenizer: a
 * program reading a graf index needs libgraf loaded either way.
 *
 * Why two tables: para_text is written in id order, so SQLite packs its
 * leaves full, and a paragraph an update adds to an article (its id is the
 * article's) lands in the middle of a full leaf, which SQLite splits across
 * its neighbours: about two changed pages per paragraph, each a WAL
 * frame copied and synced again (a 1% update of the news benchmark changed
 * 891 pages of para_text for 425 paragraphs).  So a paragraph goes to
 * para_text only when its id is above every id stored (a new index, new
 * articles), else to para_text_delta, small and changed in a few pages;
 * each id is in one table or the other.  When the delta holds more than a
 * 1/STORE_DELTA_SHARE of the paragraphs, a run moves it into para_text
 * (grafi_store_checkpoint), so it stays small and readers' second look-up
 * cheap.
 *
 * Paragraphs written before a dictionary exists (the first 1 MB of a new
 * index) are stored raw, then packed as soon as the dictionary is made.
 * The dictionary's row is written inside the current file's savepoint: if
 * that file is rolled back, so are the dictionary and the rows packed with
 * it, and the run goes on raw (grafi_store_rollback); the next run packs.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ZDICT_trainFromBuffer_fastCover() and its parameters, and
 * ZSTD_createDDict_byReference(), are zstd's "experimental" API (exported
 * by the shared library: since 1.3.6 for the first). */
#define ZDICT_STATIC_LINKING_ONLY
#define ZSTD_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include "graf-private.h"

/* Train the dictionary on this much text.  More packs only a little
 * smaller (1.8 MB or 4 MB of news give dictionaries within 0.4% of each
 * other; 2 MB packs the news text 0.6% smaller than 1 MB), and costs the
 * writer twice: training takes about 250 M instructions a megabyte, and
 * the rows written raw before it are rewritten packed, which leaves their
 * pages part empty.  With 1 MB the news index is 0.4 MB smaller, the BBC's
 * 2,225 article files 0.5 MB smaller and indexed 5% faster. */
#define STORE_SAMPLE_BYTES (1L << 20)

/* Dictionary size: zstd's usual 110 KB gains little over 64 KB here. */
#define STORE_DICT_BYTES (64 << 10)

/* Fewer sample bytes than this make no useful dictionary: a small index
 * stays raw. */
#define STORE_MIN_SAMPLE_BYTES (64L << 10)

/*
 * zstd level.  With a dictionary and paragraph-sized input, most of the
 * cost is per frame (setting up, entropy tables), not match finding: level
 * 3 costs no more instructions than level 1 (1.44 G against 1.49 G for
 * Reuters' 16 MB) and packs 8% smaller.  Levels 5 and up cost 5x more.
 */
#define STORE_LEVEL 3

/*
 * Dictionary training: fastCover with fixed parameters.  zstd's
 * ZDICT_trainFromBuffer() tries five segment sizes and compresses the
 * samples with each to keep the best, 1.7 G instructions for 2 MB (a tenth
 * of indexing Reuters); one run with k = 50 (what that search picks for
 * news) costs a quarter of that and packs as small (at STORE_LEVEL:
 * Reuters the same, BBC 1.3% smaller, 20newsgroups 1.4% larger).  d and f
 * are zstd's defaults; its entropy tables are tuned for STORE_LEVEL.
 */
#define STORE_TRAIN_K 50
#define STORE_TRAIN_D 8
#define STORE_TRAIN_F 20

/* The delta is merged into para_text when it holds more than this
 * fraction of the paragraphs: 16 one-percent updates of the news benchmark
 * between merges, each of which rewrites most of para_text's pages. */
#define STORE_DELTA_SHARE 16

enum { STORE_RAW = 0, STORE_PACKED = 1 };

/* The two tables, each with its statements (StoreTable). */
enum { STORE_MAIN, STORE_DELTA, STORE_TABLES };

static const struct {
	const char *put, *get, *del, *raw;
} store_sql[STORE_TABLES] = {
	[STORE_MAIN] = {
		"INSERT OR REPLACE INTO para_text(id, z) VALUES(?1, ?2)",
		"SELECT z FROM para_text WHERE id = ?1",
		"DELETE FROM para_text WHERE id BETWEEN ?1 AND ?2",
		"SELECT id FROM para_text WHERE z < x'01' ORDER BY id",
	},
	[STORE_DELTA] = {
		"INSERT OR REPLACE INTO para_text_delta(id, z) VALUES(?1, ?2)",
		"SELECT z FROM para_text_delta WHERE id = ?1",
		"DELETE FROM para_text_delta WHERE id BETWEEN ?1 AND ?2",
		"SELECT id FROM para_text_delta WHERE z < x'01' ORDER BY id",
	},
};

/*
 * What packs a text: a compression context referring to a dictionary, and
 * the buffer it packs into.  The store has one; so may the pipe's thread
 * (grafi_packer_new()), which then packs paragraphs ahead of the writer
 * with the store's dictionary, byte for byte as the store would.
 */
struct grafi_packer {
	grafi_store *store;          /* whose dictionary (a pipe's packer) */
	ZSTD_CCtx *cctx;
	const ZSTD_CDict *cdict;     /* the one CCTX refers to; NULL: none */
	sqlite3_int64 dict_id;       /* its id; 0: none */
	unsigned char *buf;          /* the packed text */
	size_t buf_cap;
};

struct grafi_store {
	graf_index *idx;
	sqlite3_int64 dict_stored;   /* the index's dictionary, loaded at the
				      * first paragraph (0: none, or loaded) */
	/* The dictionary (NULL: none yet) and its id.  The writer changes
	 * them under LOCK, which the pipes' packers read them under: it
	 * makes or loads a dictionary in the middle of a pipe's run, and
	 * frees one only between files, when no pipe runs. */
	pthread_mutex_t lock;
	ZSTD_CDict *cdict;
	sqlite3_int64 dict_id;
	grafi_packer packer;         /* the writer's: packs with CDICT */
	/* samples, while there is no dictionary */
	char *samples;
	size_t sample_bytes, sample_cap;
	size_t *sample_sizes;
	size_t n_samples, cap_samples;
	bool dict_in_file;           /* the dictionary was made in the current
				      * file's savepoint (gone if it rolls back) */
	bool no_training;            /* a rolled-back dictionary: stay raw */
	/* No paragraph has a larger id (in either table): one above it is
	 * appended to para_text.  A rolled-back file may leave it too
	 * large, which only sends a few rows to the delta. */
	sqlite3_int64 max_id;
	sqlite3_stmt *put[STORE_TABLES], *del[STORE_TABLES];
};

/* ------------------------------------------------------------- packing -- */

/* Pack TEXT[0..LEN) into PK->buf; OUT: its length.  false: out of memory. */
static bool
packerPack(grafi_packer *pk, const char *text, size_t len, size_t *out)
{
	size_t need = (pk->cdict ? ZSTD_compressBound(len) + 11 : len + 1);

	if (need > pk->buf_cap) {
		unsigned char *nb = realloc(pk->buf, need);

		if (!nb)
			return false;
		pk->buf = nb;
		pk->buf_cap = need;
	}
	if (pk->cdict) {
		size_t h, z;

		pk->buf[0] = STORE_PACKED;
		h = 1 + grafi_put_varint(pk->buf + 1, (uint64_t)pk->dict_id);
		z = ZSTD_compress2(pk->cctx, pk->buf + h, pk->buf_cap - h, text, len);
		if (!ZSTD_isError(z) && h + z < len + 1) {
			*out = h + z;
			return true;
		}
		/* incompressible (or a zstd failure): store it raw */
	}
	pk->buf[0] = STORE_RAW;
	memcpy(pk->buf + 1, text, len);
	*out = len + 1;
	return true;
}

/* Make PK pack with CDICT, whose id is ID (NULL, 0: none). */
static bool
packerUse(grafi_packer *pk, const ZSTD_CDict *cdict, sqlite3_int64 id)
{
	if (cdict && !pk->cctx) {
		if (!(pk->cctx = ZSTD_createCCtx()))
			return false;
		/* The frame needs neither the dictionary id (graf writes its
		 * own) nor a checksum (SQLite guards the pages): 6 bytes less
		 * a paragraph. */
		ZSTD_CCtx_setParameter(pk->cctx, ZSTD_c_dictIDFlag, 0);
		ZSTD_CCtx_setParameter(pk->cctx, ZSTD_c_checksumFlag, 0);
		ZSTD_CCtx_setParameter(pk->cctx, ZSTD_c_contentSizeFlag, 1);
	}
	if (pk->cctx && ZSTD_isError(ZSTD_CCtx_refCDict(pk->cctx, cdict)))
		return false;
	pk->cdict = cdict;
	pk->dict_id = cdict ? id : 0;
	return true;
}

static void
packerRelease(grafi_packer *pk)
{
	ZSTD_freeCCtx(pk->cctx);
	free(pk->buf);
	memset(pk, 0, sizeof *pk);
}

/* Set S's dictionary to CDICT (owned; freed if it cannot be used), id ID;
 * NULL: none.  The old one is freed: only between files, when no pipe
 * packs with it.  False: out of memory, and S has no dictionary. */
static bool
storeSetDict(grafi_store *s, ZSTD_CDict *cdict, sqlite3_int64 id)
{
	ZSTD_CDict *old = s->cdict;
	bool ok = packerUse(&s->packer, cdict, id);

	if (!ok) {
		packerUse(&s->packer, NULL, 0);
		ZSTD_freeCDict(cdict);
		cdict = NULL;
	}
	pthread_mutex_lock(&s->lock);
	s->cdict = cdict;
	s->dict_id = cdict ? id : 0;
	pthread_mutex_unlock(&s->lock);
	if (old != cdict)
		ZSTD_freeCDict(old);
	return ok;
}

/* Load the dictionary DICT[0..LEN) with id ID for packing. */
static bool
storeUseDict(grafi_store *s, sqlite3_int64 id, const void *dict, size_t len)
{
	ZSTD_CDict *cdict = ZSTD_createCDict(dict, len, STORE_LEVEL);

	return cdict && storeSetDict(s, cdict, id);
}

grafi_packer *
grafi_packer_new(grafi_store *s)
{
	grafi_packer *pk = calloc(1, sizeof *pk);

	if (pk)
		pk->store = s;
	return pk;
}

graf_status_t
grafi_packer_pack(grafi_packer *pk, const char *text, size_t len, const void **out, size_t *n,
		  sqlite3_int64 *dict_id)
{
	const ZSTD_CDict *cdict;
	sqlite3_int64 id;

	*out = NULL;
	pthread_mutex_lock(&pk->store->lock);
	cdict = pk->store->cdict;
	id = pk->store->dict_id;
	pthread_mutex_unlock(&pk->store->lock);
	if (!cdict)
		return GRAF_STATUS_OK;  /* none yet: the writer packs */
	if ((cdict != pk->cdict && !packerUse(pk, cdict, id)) || !packerPack(pk, text, len, n))
		return GRAF_STATUS_NOMEM;
	*out = pk->buf;
	*dict_id = id;
	return GRAF_STATUS_OK;
}

void
grafi_packer_free(grafi_packer *pk)
{
	if (pk) {
		packerRelease(pk);
		free(pk);
	}
}

graf_status_t
grafi_store_begin(graf_index *idx, grafi_store **out)
{
	grafi_store *s = calloc(1, sizeof *s);
	sqlite3_stmt *stmt = NULL;
	int rc;

	*out = NULL;
	if (!s)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	}
	s->idx = idx;
	/* Only its id: building the compression tables (level 3: 1.3 MB
	 * of hash tables, cleared) is left to the first paragraph, which an
	 * update of unchanged files never writes. */
	rc = grafi_prepare(idx->db, "SELECT id FROM zdict ORDER BY id DESC LIMIT 1", 0, &stmt);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		s->dict_stored = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (rc == SQLITE_OK)
		rc = grafi_prepare(idx->db,
				   "SELECT max(coalesce((SELECT max(id) FROM para_text), 0),"
				   " coalesce((SELECT max(id) FROM para_text_delta), 0))", 0, &stmt);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		s->max_id = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	for (int t = 0; t < STORE_TABLES && rc == SQLITE_OK; t++) {
		rc = grafi_prepare(idx->db, store_sql[t].put, 0, &s->put[t]);
		if (rc == SQLITE_OK)
			rc = grafi_prepare(idx->db, store_sql[t].del, 0, &s->del[t]);
	}
	if (rc != SQLITE_OK) {
		grafi_store_free(s);
		return grafi_sqlite_error(idx, rc, "cannot prepare the text store");
	}
	*out = s;
	return GRAF_STATUS_OK;
}

static graf_status_t storeTrain(grafi_store *s);

/* Keep TEXT as a training sample; false when out of memory. */
static bool
storeSample(grafi_store *s, const char *text, size_t len)
{
	if (s->sample_bytes + len > s->sample_cap) {
		size_t ncap = (s->sample_bytes + len) * 2;
		char *nb = realloc(s->samples, ncap);

		if (!nb)
			return false;
		s->samples = nb;
		s->sample_cap = ncap;
	}
	if (s->n_samples == s->cap_samples) {
		size_t ncap = s->cap_samples ? s->cap_samples * 2 : 1024;
		size_t *nv = realloc(s->sample_sizes, ncap * sizeof *nv);

		if (!nv)
			return false;
		s->sample_sizes = nv;
		s->cap_samples = ncap;
	}
	memcpy(s->samples + s->sample_bytes, text, len);
	s->sample_bytes += len;
	s->sample_sizes[s->n_samples++] = len;
	return true;
}

/* Load the dictionary the index had when S began, if not yet done. */
static graf_status_t
storeLoadStored(grafi_store *s)
{
	sqlite3_stmt *stmt = NULL;
	int rc = grafi_prepare(s->idx->db, "SELECT dict FROM zdict WHERE id = ?1", 0, &stmt);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, s->dict_stored);
		rc = sqlite3_step(stmt);
	}
	if (rc == SQLITE_ROW)
		rc = storeUseDict(s, s->dict_stored, sqlite3_column_blob(stmt, 0),
				  (size_t)sqlite3_column_bytes(stmt, 0))
			     ? SQLITE_OK : SQLITE_NOMEM;
	else if (rc == SQLITE_DONE)
		rc = SQLITE_CORRUPT;  /* its row was there when S began */
	sqlite3_finalize(stmt);
	s->dict_stored = 0;
	return rc == SQLITE_OK ? GRAF_STATUS_OK
			       : grafi_sqlite_error(s->idx, rc, "cannot read the text dictionary");
}

/* Run STMT, a put or a del of store_sql, with ROW and either the blob
 * P[0..N) (a put) or, P NULL, the last row HI (a del).
 * @retval SQLITE_OK, or SQLite's error */
static int
storeRun(sqlite3_stmt *stmt, sqlite3_int64 row, const void *p, size_t n, sqlite3_int64 hi)
{
	int rc;

	sqlite3_bind_int64(stmt, 1, row);
	if (p)
		sqlite3_bind_blob(stmt, 2, p, (int)n, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, 2, hi);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Write the packed text PACKED[0..N) as paragraph ROW: appended to
 * para_text when no id is larger, else into the delta (and out of
 * para_text, where an older text of ROW may be).
 * @retval SQLITE_OK, or SQLite's error */
static int
storeWriteRow(grafi_store *s, sqlite3_int64 row, const void *packed, size_t n)
{
	int rc;

	if (row > s->max_id) {
		s->max_id = row;
		return storeRun(s->put[STORE_MAIN], row, packed, n, 0);
	}
	rc = storeRun(s->del[STORE_MAIN], row, NULL, 0, row);
	return rc == SQLITE_OK ? storeRun(s->put[STORE_DELTA], row, packed, n, 0) : rc;
}

/* storeWriteRow(), its failure recorded. */
static graf_status_t
storeWrite(grafi_store *s, sqlite3_int64 row, const void *packed, size_t n)
{
	int rc = storeWriteRow(s, row, packed, n);

	return rc == SQLITE_OK ? GRAF_STATUS_OK
			       : grafi_sqlite_error(s->idx, rc, "cannot store a paragraph");
}

graf_status_t
grafi_store_put(grafi_store *s, sqlite3_int64 row, const char *text, size_t len)
{
	size_t n;

	if (s->dict_stored) {
		graf_status_t st = storeLoadStored(s);

		if (st != GRAF_STATUS_OK)
			return st;
	}
	if (!s->cdict && !s->no_training) {
		/* No dictionary yet: keep a sample; with enough, make one now,
		 * so that few rows are written raw and then rewritten (a
		 * rewritten row leaves its page part empty). */
		if (!storeSample(s, text, len))
			return grafi_error(s->idx, GRAF_STATUS_NOMEM, "out of memory");
		if (s->sample_bytes >= (size_t)STORE_SAMPLE_BYTES) {
			graf_status_t st = storeTrain(s);

			if (st != GRAF_STATUS_OK)
				return st;
		}
	}
	if (!packerPack(&s->packer, text, len, &n))
		return grafi_error(s->idx, GRAF_STATUS_NOMEM, "out of memory");
	return storeWrite(s, row, s->packer.buf, n);
}

graf_status_t
grafi_store_put_packed(grafi_store *s, sqlite3_int64 row, const char *text, size_t len,
		       const void *packed, size_t n, sqlite3_int64 dict_id)
{
	/* Packed with the dictionary the store still has: as it would. */
	if (packed && s->cdict && dict_id == s->dict_id)
		return storeWrite(s, row, packed, n);
	return grafi_store_put(s, row, text, len);
}

graf_status_t
grafi_store_delete(grafi_store *s, sqlite3_int64 lo, sqlite3_int64 hi)
{
	int rc = storeRun(s->del[STORE_MAIN], lo, NULL, 0, hi);

	if (rc == SQLITE_OK)
		rc = storeRun(s->del[STORE_DELTA], lo, NULL, 0, hi);
	return rc == SQLITE_OK ? GRAF_STATUS_OK
			       : grafi_sqlite_error(s->idx, rc, "cannot delete paragraphs");
}

/* The rows of TABLE stored raw, in id order (OUT, *N); false when out
 * of memory.  Raw rows are those written before there was a dictionary
 * (and the few it cannot shrink): a scan, made once per index. */
static int
storeRawRows(sqlite3 *db, int table, sqlite3_int64 **out, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	sqlite3_int64 *v = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = grafi_prepare(db, store_sql[table].raw, 0, &stmt);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			sqlite3_int64 *nv = realloc(v, ncap * sizeof *nv);

			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[(*n)++] = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return rc == SQLITE_OK ? SQLITE_ERROR : rc;
	}
	*out = v;
	return SQLITE_OK;
}

/* Pack the raw row ROW of TABLE again, with the dictionary, in place
 * (GET reads it). */
static int
storeRepack(grafi_store *s, int table, sqlite3_stmt *get, sqlite3_int64 row)
{
	const unsigned char *z;
	size_t n, zlen;
	int rc;

	sqlite3_bind_int64(get, 1, row);
	rc = sqlite3_step(get);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(get);
		return rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	z = sqlite3_column_blob(get, 0);
	zlen = (size_t)sqlite3_column_bytes(get, 0);
	rc = SQLITE_OK;
	if (zlen >= 1 && z[0] == STORE_RAW) {
		if (!packerPack(&s->packer, (const char *)z + 1, zlen - 1, &n)) {
			rc = SQLITE_NOMEM;
		} else if (s->packer.buf[0] == STORE_PACKED) {
			sqlite3_reset(get);
			rc = storeRun(s->put[table], row, s->packer.buf, n, 0);
		}
	}
	sqlite3_reset(get);
	return rc;
}

/* Train a dictionary of at most STORE_DICT_BYTES into DICT on the N
 * SAMPLES (of SIZES bytes each, back to back).  Returns its size, or a
 * zstd error code (ZDICT_isError) when the samples are too few or too
 * uniform. */
static size_t
storeTrainDict(void *dict, const void *samples, const size_t *sizes, size_t n)
{
	ZDICT_fastCover_params_t p;

	memset(&p, 0, sizeof p);
	p.k = STORE_TRAIN_K;
	p.d = STORE_TRAIN_D;
	p.f = STORE_TRAIN_F;
	p.accel = 1;
	p.splitPoint = 1.0;          /* train on every sample (no test split) */
	p.zParams.compressionLevel = STORE_LEVEL;
	return ZDICT_trainFromBuffer_fastCover(dict, STORE_DICT_BYTES, samples, sizes, (unsigned)n,
					       p);
}

/* Train a dictionary on the samples, store it, and pack the rows stored
 * raw so far. */
static graf_status_t
storeTrain(grafi_store *s)
{
	graf_index *idx = s->idx;
	sqlite3_stmt *add = NULL, *get = NULL;
	unsigned char *dict = malloc(STORE_DICT_BYTES);
	sqlite3_int64 *raw = NULL;
	size_t len, n_raw = 0;
	int rc;

	if (!dict)
		return grafi_error(idx, GRAF_STATUS_NOMEM, "out of memory");
	len = storeTrainDict(dict, s->samples, s->sample_sizes, s->n_samples);
	free(s->samples);
	free(s->sample_sizes);
	s->samples = NULL;
	s->sample_sizes = NULL;
	s->sample_bytes = s->sample_cap = s->n_samples = s->cap_samples = 0;
	if (ZDICT_isError(len)) {
		/* too little or too uniform text: stay raw this run */
		free(dict);
		s->no_training = true;
		return GRAF_STATUS_OK;
	}
	rc = grafi_prepare(idx->db, "INSERT INTO zdict(dict) VALUES(?1)", 0, &add);
	if (rc == SQLITE_OK) {
		sqlite3_bind_blob(add, 1, dict, (int)len, SQLITE_STATIC);
		rc = sqlite3_step(add);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(add);
	if (rc == SQLITE_OK && !storeUseDict(s, sqlite3_last_insert_rowid(idx->db), dict, len))
		rc = SQLITE_NOMEM;
	free(dict);
	s->dict_in_file = true;
	for (int t = 0; t < STORE_TABLES && rc == SQLITE_OK; t++) {
		rc = storeRawRows(idx->db, t, &raw, &n_raw);
		if (rc == SQLITE_OK)
			rc = grafi_prepare(idx->db, store_sql[t].get, 0, &get);
		for (size_t i = 0; i < n_raw && rc == SQLITE_OK; i++)
			rc = storeRepack(s, t, get, raw[i]);
		sqlite3_finalize(get);
		get = NULL;
		free(raw);
		raw = NULL;
	}
	return rc == SQLITE_OK ? GRAF_STATUS_OK : grafi_sqlite_error(idx, rc, "cannot pack paragraphs");
}


/* Move the delta into para_text if it holds more than its share of the
 * paragraphs (STORE_DELTA_SHARE). */
static graf_status_t
storeMergeDelta(grafi_store *s)
{
	sqlite3_int64 n_delta = 0, n_rows = 0, n_tokens;
	sqlite3_stmt *stmt = NULL;
	int rc;

	/* The delta is small, and FTS5 keeps the paragraph count in one
	 * record (as of the last commit: close enough here). */
	rc = grafi_prepare(s->idx->db, "SELECT count(*) FROM para_text_delta", 0, &stmt);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		n_delta = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	if (rc == SQLITE_OK)
		rc = grafi_stats_totals(s->idx, GRAFI_TABLE_PARA, &n_rows, &n_tokens);
	if (rc == SQLITE_OK && n_delta > 0 && n_delta * STORE_DELTA_SHARE > n_rows)
		rc = sqlite3_exec(s->idx->db,
				  "INSERT OR REPLACE INTO para_text(id, z) SELECT id, z FROM para_text_delta"
				  " ORDER BY id;"
				  "DELETE FROM para_text_delta;", NULL, NULL, NULL);
	return rc == SQLITE_OK ? GRAF_STATUS_OK
			       : grafi_sqlite_error(s->idx, rc, "cannot merge the paragraphs' text");
}

graf_status_t
grafi_store_checkpoint(grafi_store *s, bool last)
{
	graf_status_t st = GRAF_STATUS_OK;

	if (!s)
		return GRAF_STATUS_OK;
	s->dict_in_file = false;
	/* A small index: train on what there is, if that is enough. */
	if (last && !s->cdict && !s->dict_stored && !s->no_training &&
	    s->sample_bytes >= (size_t)STORE_MIN_SAMPLE_BYTES)
		st = storeTrain(s);
	if (last && st == GRAF_STATUS_OK)
		st = storeMergeDelta(s);
	return st;
}

void
grafi_store_rollback(grafi_store *s)
{
	if (!s || !s->dict_in_file)
		return;
	/* The rows it packed are rolled back with it, to what they were:
	 * raw.  Training again would need the samples, gone: stay raw; the
	 * next run trains and packs them. */
	/* Forget the dictionary: its row is gone. */
	storeSetDict(s, NULL, 0);
	s->dict_in_file = false;
	s->no_training = true;
}

void
grafi_store_free(grafi_store *s)
{
	if (!s)
		return;
	storeSetDict(s, NULL, 0);
	packerRelease(&s->packer);
	pthread_mutex_destroy(&s->lock);
	free(s->samples);
	free(s->sample_sizes);
	for (int t = 0; t < STORE_TABLES; t++) {
		sqlite3_finalize(s->put[t]);
		sqlite3_finalize(s->del[t]);
	}
	free(s);
}

/* ----------------------------------------------------------- unpacking -- */

/* Per connection: the decompression dictionaries seen so far. */
typedef struct StoreReader {
	ZSTD_DCtx *dctx;
	struct {
		sqlite3_int64 id;
		ZSTD_DDict *ddict;   /* refers to BYTES */
		void *bytes;
	} dicts[8];
	int n_dicts;
} StoreReader;

/* Free dictionary I of R (the slot keeps its place). */
static void
storeReaderDrop(StoreReader *r, int i)
{
	ZSTD_freeDDict(r->dicts[i].ddict);  /* first: it refers to the bytes */
	free(r->dicts[i].bytes);
}

static void
storeReaderFree(void *p)
{
	StoreReader *r = p;

	if (!r)
		return;
	ZSTD_freeDCtx(r->dctx);
	for (int i = 0; i < r->n_dicts; i++)
		storeReaderDrop(r, i);
	sqlite3_free(r);
}

/* The decompression dictionary ID of DB, loaded on first use; NULL if there
 * is none or it is damaged. */
static ZSTD_DDict *
storeDict(StoreReader *r, sqlite3 *db, sqlite3_int64 id)
{
	sqlite3_blob *blob = NULL;
	ZSTD_DDict *d = NULL;
	void *bytes = NULL;

	for (int i = 0; i < r->n_dicts; i++)
		if (r->dicts[i].id == id)
			return r->dicts[i].ddict;
	/* Read straight into a buffer of ours, which the dictionary then
	 * refers to: a column value would be assembled from the blob's
	 * overflow pages into SQLite's memory and copied again by zstd:
	 * 64 KB more of fresh memory for every process (a search from the
	 * shell took 9 page faults more). */
	if (sqlite3_blob_open(db, "main", "zdict", "dict", id, 0, &blob) == SQLITE_OK) {
		int n = sqlite3_blob_bytes(blob);

		bytes = n > 0 ? malloc((size_t)n) : NULL;
		/* NULL is also zstd's answer to a damaged dictionary, far
		 * likelier for 64 KB than no memory: the caller reports the
		 * paragraph as damaged. */
		if (bytes && sqlite3_blob_read(blob, bytes, n, 0) == SQLITE_OK)
			d = ZSTD_createDDict_byReference(bytes, (size_t)n);
	}
	sqlite3_blob_close(blob);
	if (!d) {
		free(bytes);
		return NULL;
	}
	if (r->n_dicts == (int)(sizeof r->dicts / sizeof r->dicts[0])) {
		storeReaderDrop(r, 0);
		memmove(r->dicts, r->dicts + 1, sizeof r->dicts - sizeof r->dicts[0]);
		r->n_dicts--;
	}
	r->dicts[r->n_dicts].id = id;
	r->dicts[r->n_dicts].ddict = d;
	r->dicts[r->n_dicts].bytes = bytes;
	r->n_dicts++;
	return d;
}

/* graf_unpack(Z): the text of a packed paragraph (see the file comment). */
static void
storeUnpackFunction(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	StoreReader *r = sqlite3_user_data(ctx);
	const unsigned char *z = sqlite3_value_blob(argv[0]);
	size_t len = (size_t)sqlite3_value_bytes(argv[0]), k;
	unsigned long long size;
	uint64_t id;
	ZSTD_DDict *dict;
	char *out;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	if (len >= 1 && z[0] == STORE_RAW) {
		sqlite3_result_text(ctx, (const char *)z + 1, (int)(len - 1), SQLITE_TRANSIENT);
		return;
	}
	if (len < 2 || z[0] != STORE_PACKED || !(k = grafi_get_varint(z + 1, z + len, &id))) {
		sqlite3_result_error(ctx, "graf_unpack: not a packed paragraph", -1);
		sqlite3_result_error_code(ctx, SQLITE_CORRUPT);
		return;
	}
	z += 1 + k;
	len -= 1 + k;
	dict = storeDict(r, sqlite3_context_db_handle(ctx), (sqlite3_int64)id);
	size = ZSTD_getFrameContentSize(z, len);
	if (!dict || size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
	    size > 1000000000ULL) {
		sqlite3_result_error(ctx, "graf_unpack: damaged paragraph", -1);
		sqlite3_result_error_code(ctx, SQLITE_CORRUPT);
		return;
	}
	out = sqlite3_malloc64(size + 1);
	if (!out) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (ZSTD_isError(ZSTD_decompress_usingDDict(r->dctx, out, size + 1, z, len, dict))) {
		sqlite3_free(out);
		sqlite3_result_error(ctx, "graf_unpack: damaged paragraph", -1);
		sqlite3_result_error_code(ctx, SQLITE_CORRUPT);
		return;
	}
	out[size] = '\0';
	sqlite3_result_text64(ctx, out, size, sqlite3_free, SQLITE_UTF8);
}

int
grafi_store_register(sqlite3 *db)
{
	StoreReader *r = sqlite3_malloc(sizeof *r);

	if (!r)
		return SQLITE_NOMEM;
	memset(r, 0, sizeof *r);
	r->dctx = ZSTD_createDCtx();
	if (!r->dctx) {
		sqlite3_free(r);
		return SQLITE_NOMEM;
	}
	/* INNOCUOUS: the para_body view calls it, also where the schema is
	 * not trusted; it only decodes.  sqlite3_create_function_v2 calls
	 * the destructor on failure too. */
	return sqlite3_create_function_v2(db, "graf_unpack", 1,
					  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, r,
					  storeUnpackFunction, NULL, NULL, storeReaderFree);
}
