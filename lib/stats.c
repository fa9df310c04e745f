/*
 * stats.c - the collection statistics ranking needs, read without scanning.
 *
 * FTS5's bm25() learns each phrase's document frequency by running the phrase
 * over the whole table (xQueryPhrase), a cost that grows with the phrase's
 * frequency and is paid again by every query.  graf reads a word's frequency
 * from the frequencies graf keeps beside its lists instead (post_df, one
 * b-tree seek; postings.c), and gives a
 * phrase the sum of its words' IDFs, as if they were independent.  So the
 * statistics of a query cost a few seeks, whatever its words, and every way
 * of ranking (the full scan and the top-k shortcut) uses the same numbers.
 *
 * The expressions read here are the ones graf writes (query-emit.c,
 * feedback): phrases are FTS5 strings, "a b" or "a " + "b" * for a prefix.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* One token of a phrase, while reading an expression. */
typedef struct StatsToken {
	int count;             /* tokens seen in the current string */
	double idf;            /* sum of their IDFs */
	bool prefix;           /* the string is the prefix part */
	graf_index *idx;
	int table;             /* GRAFI_TABLE_* */
	sqlite3_int64 n_rows;
	int rc;
} StatsToken;

/* A term's document frequency, and the sum over the terms starting with a
 * prefix (?1 the prefix, ?2 the prefix followed by U+10FFFF's bytes). */
static const char *const df_sql[2] = {
	"SELECT df FROM post_df WHERE tbl = ?3 AND term = ?1",
	"SELECT coalesce(sum(df), 0) FROM post_df WHERE tbl = ?3 AND term >= ?1 AND term < ?2",
};

static const char *const table_name[GRAFI_TABLE_LAST] = {
	[GRAFI_TABLE_PARA] = "para",
	[GRAFI_TABLE_HEAD] = "head",
};

/* Prepare (once per connection) the frequency statements of IDX. */
static int
statsPrepare(graf_index *idx)
{
	int rc = SQLITE_OK;

	if (idx->vocab[0][0])
		return SQLITE_OK;
	for (int k = 0; rc == SQLITE_OK && k < 2; k++)
		rc = grafi_prepare(idx->db, df_sql[k], SQLITE_PREPARE_PERSISTENT, &idx->vocab[0][k]);
	if (rc != SQLITE_OK)
		grafi_stats_release(idx);
	return rc;
}

void
grafi_stats_release(graf_index *idx)
{
	for (int t = 0; t < GRAFI_TABLE_LAST; t++)
		for (int k = 0; k < 2; k++) {
			sqlite3_finalize(idx->vocab[t][k]);
			idx->vocab[t][k] = NULL;
		}
}

int
grafi_stats_df(graf_index *idx, int table, const char *term, int len, bool prefix,
	       sqlite3_int64 *df)
{
	unsigned char upper[256 + 4];
	sqlite3_stmt *stmt;
	int rc = statsPrepare(idx);

	if (rc != SQLITE_OK)
		return rc;
	stmt = idx->vocab[0][prefix];
	sqlite3_bind_blob(stmt, 1, term, len, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, table);
	if (prefix) {
		/* every term starting with TERM sorts below TERM + U+10FFFF */
		int n = len < 256 ? len : 256;

		memcpy(upper, term, (size_t)n);
		memcpy(upper + n, "\xf4\x8f\xbf\xbf", 4);
		sqlite3_bind_blob(stmt, 2, upper, n + 4, SQLITE_STATIC);
	}
	rc = sqlite3_step(stmt);
	*df = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Read an FTS5 varint (at most 9 bytes) from P[0..N); 0 on a short read. */
static int
statsVarint(const unsigned char *p, int n, sqlite3_uint64 *v)
{
	sqlite3_uint64 x = 0;

	for (int i = 0; i < n && i < 9; i++) {
		if (i == 8) {
			*v = (x << 8) | p[i];
			return 9;
		}
		x = (x << 7) | (p[i] & 0x7f);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

int
grafi_stats_totals(graf_index *idx, int table, sqlite3_int64 *n_rows, sqlite3_int64 *n_tokens)
{
	/* FTS5 keeps the row count and the token total of each column in the
	 * "averages" record, rowid 1 of its %_data table: two varints here,
	 * as one-column tables.  This is what xRowCount() and
	 * xColumnTotalSize() return. */
	char sql[64];
	sqlite3_stmt *stmt = NULL;
	int rc;

	snprintf(sql, sizeof sql, "SELECT block FROM %s_data WHERE id = 1", table_name[table]);
	*n_rows = *n_tokens = 0;
	rc = grafi_prepare(idx->db, sql, 0, &stmt);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_blob(stmt, 0);
		int n = sqlite3_column_bytes(stmt, 0), k;
		sqlite3_uint64 rows = 0, tokens = 0;

		if ((k = statsVarint(p, n, &rows)) > 0 && statsVarint(p + k, n - k, &tokens) > 0) {
			*n_rows = (sqlite3_int64)rows;
			*n_tokens = (sqlite3_int64)tokens;
		}
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;  /* an empty table */
	}
	sqlite3_finalize(stmt);
	return rc;
}

double
grafi_stats_idf(sqlite3_int64 n_rows, sqlite3_int64 df)
{
	if (df > n_rows)
		df = n_rows;
	return log(1.0 + ((double)(n_rows - df) + 0.5) / ((double)df + 0.5));
}

/* xToken callback: add the token's IDF to the phrase being read. */
static int
statsToken(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	StatsToken *t = ctx;
	sqlite3_int64 df = 0;

	if (tflags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	t->rc = grafi_stats_df(t->idx, t->table, token, n_token, t->prefix, &df);
	if (t->rc != SQLITE_OK)
		return t->rc;
	t->idf += grafi_stats_idf(t->n_rows, df);
	t->count++;
	return SQLITE_OK;
}

graf_status_t
grafi_stats_phrase_idf(graf_index *idx, int table, const char *expr, double **idf, int *n_idf)
{
	sqlite3_int64 n_rows = 0, n_tokens = 0;
	double *v = NULL;
	int n = 0, cap = 0, rc;
	const char *p = expr;

	*idf = NULL;
	*n_idf = 0;
	rc = grafi_stats_totals(idx, table, &n_rows, &n_tokens);
	while (rc == SQLITE_OK && *p) {
		StatsToken t = { 0, 0.0, false, idx, table, n_rows, SQLITE_OK };
		bool more;

		if (*p != '"') {
			p++;
			continue;
		}
		/* A phrase: strings joined by '+', the last maybe starred. */
		do {
			char buf[1024], *b = buf;
			const char *q = p + 1;
			size_t len = 0;
			bool heap = false;

			/* the string's text, "" undoubled */
			for (const char *r = q; *r && !(r[0] == '"' && r[1] != '"'); r += r[0] == '"' ? 2 : 1)
				len++;
			if (len + 1 > sizeof buf) {
				b = malloc(len + 1);
				heap = true;
				if (!b) {
					rc = SQLITE_NOMEM;
					break;
				}
			}
			len = 0;
			for (; *q && !(q[0] == '"' && q[1] != '"'); q += q[0] == '"' ? 2 : 1)
				b[len++] = *q;
			b[len] = '\0';
			p = *q ? q + 1 : q;
			while (*p == ' ')
				p++;
			t.prefix = *p == '*';
			rc = grafi_tokenize(idx, b, (int)len,
					    FTS5_TOKENIZE_QUERY | (t.prefix ? FTS5_TOKENIZE_PREFIX : 0), &t,
					    statsToken);
			if (heap)
				free(b);
			if (rc == SQLITE_OK)
				rc = t.rc;
			if (t.prefix)
				p++;
			while (*p == ' ')
				p++;
			more = *p == '+';
			if (more) {
				p++;
				while (*p == ' ')
					p++;
			}
		} while (rc == SQLITE_OK && more && *p == '"');
		if (rc != SQLITE_OK)
			break;
		if (n == cap) {
			int ncap = cap ? cap * 2 : 16;
			double *nv = realloc(v, (size_t)ncap * sizeof *nv);

			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = t.idf;
	}
	if (rc != SQLITE_OK) {
		free(v);
		return grafi_sqlite_error(idx, rc, "cannot read the index statistics");
	}
	*idf = v;
	*n_idf = n;
	return GRAF_STATUS_OK;
}
