/*
 * eval.c - graf-eval's engine: read TREC qrels and run files and compute
 * trec_eval's measures with trec_eval's own definitions, so that the values
 * agree with trec_eval's to the 4 decimals it prints and scripts written
 * for trec_eval keep working.
 *
 * The definitions, defaults and edge cases follow trec_eval 9.0.x/10
 * (usnistgov/trec_eval): file reading as in get_qrels.c and
 * get_trec_results.c, ranking as in form_res_rels.c, each measure as in its
 * m_<name>.c, averaging as in meas_avg.c, layout as in meas_print_*.c.  The
 * comment above each measure says what it computes and which trec_eval
 * quirk it keeps.  Floating-point sums run in the same order as trec_eval's,
 * so that even the last bits agree.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/* Relevance of a retrieved document that the qrels do not list, and of one
 * they list with a negative judgement ("pooled, not judged"); trec_eval's
 * RELVALUE_NONPOOL and RELVALUE_UNJUDGED.  Most measures count both as
 * non-relevant; bpref skips them. */
#define EVAL_NOT_POOLED (-1L)
#define EVAL_UNJUDGED (-2L)

/* gm_map floors each query's average precision at this before taking its
 * log, so that one query with no relevant document retrieved does not
 * make the geometric mean 0 (trec_eval's MIN_GEO_MEAN). */
#define EVAL_MIN_GEO_MEAN 0.00001

/* Version of the JSON layout; bump it when a field changes meaning. */
#define EVAL_JSON_VERSION 1

/* ------------------------------------------------------------ the files -- */

/* One line of a qrels or run file. */
typedef struct EvalRow {
	const char *qid;         /* points into the file's buffer */
	const char *docno;
	double score;            /* run: the score */
	long rel;                /* qrels: the judgement */
	long line;               /* 1-based line number, for messages */
} EvalRow;

/* The rows of one query: ROWS[first .. first + n). */
typedef struct EvalGroup {
	const char *qid;
	size_t first;
	size_t n;
} EvalGroup;

/* A parsed file: the rows sorted by query id (strcmp), grouped. */
typedef struct EvalFile {
	char *name;              /* as given, for messages */
	char *buf;               /* the file's bytes; fields are NUL-ended in it */
	EvalRow *rows;
	size_t n_rows;
	EvalGroup *groups;       /* by query id, strcmp order */
	size_t n_groups;
} EvalFile;

struct graf_eval_qrels {
	EvalFile f;              /* rows by query, then docno, then line */
};

struct graf_eval_run {
	EvalFile f;              /* rows by query, then line */
	const char *runid;       /* the last line's run column; "" when empty */
};

/* Set *ERROR_MESSAGE (if wanted) to a printf-style message; return STATUS. */
static graf_status_t __attribute__((format(printf, 3, 4)))
evalFail(char **error_message, graf_status_t status, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (!error_message)
		return status;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = n < 0 ? NULL : malloc((size_t)n + 1);
	if (s) {
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	*error_message = s;
	return status;
}

/* The out-of-memory failure, with its message. */
static graf_status_t
evalNomem(char **error_message)
{
	return evalFail(error_message, GRAF_STATUS_NOMEM, "out of memory");
}

/* Free what F owns and zero it; safe on a zeroed file. */
static void
evalFileRelease(EvalFile *f)
{
	free(f->name);
	free(f->buf);
	free(f->rows);
	free(f->groups);
	memset(f, 0, sizeof *f);
}

/*
 * Read all of PATH ("-": standard input) into a malloc'ed buffer with a NUL
 * after the last byte.
 * OUT: *BUF, *LEN on success.
 * @retval GRAF_STATUS_IO, GRAF_STATUS_NOMEM (with the message)
 */
static graf_status_t
evalSlurp(const char *path, char **buf, size_t *len, char **error_message)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0;
	char *b;

	if (!f)
		return evalFail(error_message, GRAF_STATUS_IO, "cannot open '%s': %s", path,
				strerror(errno));
	b = malloc(cap);
	while (b) {
		size_t got = fread(b + n, 1, cap - n - 1, f);
		char *nb;

		n += got;
		if (n + 1 < cap)
			break;  /* short read: end of file or error */
		nb = realloc(b, cap * 2);
		if (!nb) {
			free(b);
			b = NULL;
		} else {
			b = nb;
			cap *= 2;
		}
	}
	if (!b || ferror(f)) {
		int err = errno;

		free(b);
		if (!is_stdin)
			fclose(f);
		if (!b)
			return evalNomem(error_message);
		return evalFail(error_message, GRAF_STATUS_IO, "cannot read '%s': %s", path,
				strerror(err));
	}
	if (!is_stdin)
		fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return GRAF_STATUS_OK;
}

/*
 * Split LINE (NUL-ended, no newline) at white space into at most MAX fields,
 * NUL-ending each one kept in FIELDS.
 * @retval the number of fields on the line (which may exceed MAX)
 */
static size_t
evalSplit(char *line, char **fields, size_t max)
{
	static const char blanks[] = " \t\r\v\f";
	size_t n = 0;
	char *p = line;

	for (;;) {
		p += strspn(p, blanks);
		if (!*p)
			return n;
		if (n < max)
			fields[n] = p;
		p += strcspn(p, blanks);
		if (n < max && *p)
			*p++ = '\0';
		n++;
	}
}

/* Order rows by query id, then document id, then line. */
static int
evalRowCmpQidDoc(const void *a, const void *b)
{
	const EvalRow *x = a, *y = b;
	int c = strcmp(x->qid, y->qid);

	if (!c)
		c = strcmp(x->docno, y->docno);
	if (!c)
		c = (x->line > y->line) - (x->line < y->line);
	return c;
}

/* Order rows by query id, then line (file order). */
static int
evalRowCmpQidLine(const void *a, const void *b)
{
	const EvalRow *x = a, *y = b;
	int c = strcmp(x->qid, y->qid);

	if (!c)
		c = (x->line > y->line) - (x->line < y->line);
	return c;
}

/* Sort F's rows with CMP and group them by query id. */
static graf_status_t
evalGroup(EvalFile *f, int (*cmp)(const void *, const void *), char **error_message)
{
	size_t i;

	if (f->n_rows > 1)
		qsort(f->rows, f->n_rows, sizeof *f->rows, cmp);
	f->groups = malloc((f->n_rows ? f->n_rows : 1) * sizeof *f->groups);
	if (!f->groups)
		return evalNomem(error_message);
	for (i = 0; i < f->n_rows; i++) {
		if (f->n_groups == 0 || strcmp(f->groups[f->n_groups - 1].qid, f->rows[i].qid) != 0)
			f->groups[f->n_groups++] = (EvalGroup){ f->rows[i].qid, i, 0 };
		f->groups[f->n_groups - 1].n++;
	}
	return GRAF_STATUS_OK;
}

/*
 * Parse F->buf (LEN bytes) as a qrels file (IS_RUN false: "qid iter docno
 * rel", exactly four columns, as get_qrels.c demands) or a run file ("qid
 * iter docno rank score runid", at least six columns; the rest ignored, as
 * in get_trec_results.c).  Rows point into the buffer.  *RUNID (run only)
 * gets the last line's run column.
 */
static graf_status_t
evalParse(EvalFile *f, size_t len, bool is_run, const char **runid, char **error_message)
{
	size_t cap = 0;
	long lineno = 0;
	char *p = f->buf, *end = f->buf + len, *nul;

	nul = memchr(f->buf, '\0', len);
	if (nul) {
		for (char *q = f->buf; q < nul; q++)
			lineno += *q == '\n';
		return evalFail(error_message, GRAF_STATUS_BAD_INPUT,
				"'%s' line %ld: contains a NUL byte", f->name, lineno + 1);
	}
	if (runid)
		*runid = "";
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *fields[6];
		size_t want = is_run ? 6 : 4, n;
		EvalRow row = { 0 };
		char *stop;

		if (nl)
			*nl = '\0';
		lineno++;
		n = evalSplit(p, fields, want);
		p = nl ? nl + 1 : end;
		if (n == 0 || fields[0][0] == '#')
			continue;
		if (is_run ? n < want : n != want)
			return evalFail(error_message, GRAF_STATUS_BAD_INPUT,
					is_run ? "'%s' line %ld: expected 6 columns (query, iteration, "
						 "document, rank, score, run), found %zu"
					       : "'%s' line %ld: expected 4 columns (query, iteration, "
						 "document, relevance), found %zu",
					f->name, lineno, n);
		row.qid = fields[0];
		row.docno = fields[2];
		row.line = lineno;
		errno = 0;
		if (is_run) {
			row.score = strtod(fields[4], &stop);
			if (*stop || stop == fields[4] || isnan(row.score))
				return evalFail(error_message, GRAF_STATUS_BAD_INPUT,
						"'%s' line %ld: score '%s' is not a number",
						f->name, lineno, fields[4]);
			*runid = fields[5];
		} else {
			row.rel = strtol(fields[3], &stop, 10);
			if (*stop || stop == fields[3] || errno == ERANGE)
				return evalFail(error_message, GRAF_STATUS_BAD_INPUT,
						"'%s' line %ld: relevance '%s' is not an integer",
						f->name, lineno, fields[3]);
		}
		if (f->n_rows == cap) {
			EvalRow *nr;

			cap = cap ? cap * 2 : 1024;
			nr = realloc(f->rows, cap * sizeof *nr);
			if (!nr)
				return evalNomem(error_message);
			f->rows = nr;
		}
		f->rows[f->n_rows++] = row;
	}
	return GRAF_STATUS_OK;
}

/* Take ownership of BUF (LEN bytes, NUL after) and parse it into F. */
static graf_status_t
evalLoad(EvalFile *f, const char *name, char *buf, size_t len, bool is_run,
	 const char **runid, char **error_message)
{
	graf_status_t st;

	f->buf = buf;
	f->name = strdup(strcmp(name, "-") == 0 ? "standard input" : name);
	if (!f->name)
		return evalNomem(error_message);
	st = evalParse(f, len, is_run, runid, error_message);
	if (st == GRAF_STATUS_OK)
		st = evalGroup(f, is_run ? evalRowCmpQidLine : evalRowCmpQidDoc, error_message);
	if (st == GRAF_STATUS_OK && !is_run && f->n_rows == 0)
		st = evalFail(error_message, GRAF_STATUS_BAD_INPUT, "'%s' has no judgements",
			      f->name);
	return st;
}

/* A malloc'ed copy of DATA[0..LEN) with a NUL after it. */
static char *
evalCopy(const char *data, size_t len)
{
	char *b = malloc(len + 1);

	if (b) {
		memcpy(b, data, len);
		b[len] = '\0';
	}
	return b;
}

/* Parse BUF (owned from now on, freed on failure) into a new *OUT. */
static graf_status_t
evalQrelsLoad(const char *name, char *buf, size_t len, graf_eval_qrels **out,
	      char **error_message)
{
	graf_eval_qrels *q = calloc(1, sizeof *q);
	graf_status_t st;

	if (!q) {
		free(buf);
		return evalNomem(error_message);
	}
	st = evalLoad(&q->f, name, buf, len, false, NULL, error_message);
	if (st != GRAF_STATUS_OK) {
		graf_eval_qrels_free(q);
		return st;
	}
	*out = q;
	return GRAF_STATUS_OK;
}

graf_status_t
graf_eval_qrels_read(const char *path, graf_eval_qrels **out, char **error_message)
{
	graf_status_t st;
	char *buf;
	size_t len;

	*out = NULL;
	if (error_message)
		*error_message = NULL;
	st = evalSlurp(path, &buf, &len, error_message);
	if (st != GRAF_STATUS_OK)
		return st;
	return evalQrelsLoad(path, buf, len, out, error_message);
}

graf_status_t
graf_eval_qrels_parse(const char *name, const char *data, size_t len, graf_eval_qrels **out,
		      char **error_message)
{
	char *buf;

	*out = NULL;
	if (error_message)
		*error_message = NULL;
	buf = evalCopy(data, len);
	if (!buf)
		return evalNomem(error_message);
	return evalQrelsLoad(name, buf, len, out, error_message);
}

size_t
graf_eval_qrels_n_queries(const graf_eval_qrels *qrels)
{
	return qrels->f.n_groups;
}

void
graf_eval_qrels_free(graf_eval_qrels *qrels)
{
	if (!qrels)
		return;
	evalFileRelease(&qrels->f);
	free(qrels);
}

/* Parse BUF (owned from now on, freed on failure) into a new *OUT. */
static graf_status_t
evalRunLoad(const char *name, char *buf, size_t len, graf_eval_run **out, char **error_message)
{
	graf_eval_run *r = calloc(1, sizeof *r);
	graf_status_t st;

	if (!r) {
		free(buf);
		return evalNomem(error_message);
	}
	st = evalLoad(&r->f, name, buf, len, true, &r->runid, error_message);
	if (st != GRAF_STATUS_OK) {
		graf_eval_run_free(r);
		return st;
	}
	*out = r;
	return GRAF_STATUS_OK;
}

graf_status_t
graf_eval_run_read(const char *path, graf_eval_run **out, char **error_message)
{
	graf_status_t st;
	char *buf;
	size_t len;

	*out = NULL;
	if (error_message)
		*error_message = NULL;
	st = evalSlurp(path, &buf, &len, error_message);
	if (st != GRAF_STATUS_OK)
		return st;
	return evalRunLoad(path, buf, len, out, error_message);
}

graf_status_t
graf_eval_run_parse(const char *name, const char *data, size_t len, graf_eval_run **out,
		    char **error_message)
{
	char *buf;

	*out = NULL;
	if (error_message)
		*error_message = NULL;
	buf = evalCopy(data, len);
	if (!buf)
		return evalNomem(error_message);
	return evalRunLoad(name, buf, len, out, error_message);
}

size_t
graf_eval_run_n_queries(const graf_eval_run *run)
{
	return run->f.n_groups;
}

const char *
graf_eval_run_id(const graf_eval_run *run)
{
	return run->runid ? run->runid : "";
}

void
graf_eval_run_free(graf_eval_run *run)
{
	if (!run)
		return;
	evalFileRelease(&run->f);
	free(run);
}

/* --------------------------------------------------------- one query -- */

/* What the measures see of one query: the ranked run joined with the
 * judgements (trec_eval's RES_RELS). */
typedef struct EvalQuery {
	const long *rel;         /* judgement of each ranked result, best first:
				  * >= 0, EVAL_NOT_POOLED or EVAL_UNJUDGED */
	long num_ret;            /* results ranked (after the depth limit) */
	long num_rel;            /* judgements >= level */
	long num_rel_ret;        /* judged results >= level */
	long num_not_pooled;     /* results the qrels do not list */
	long num_unjudged;       /* results judged negative ("not judged") */
	long num_nonrel;         /* judgements in [0, level): bpref's pool of
				  * judged non-relevant documents */
	const long *ideal;       /* positive judgements, highest first: the
				  * gains of the ideal ranking */
	long num_ideal;
	long level;              /* relevance level (-l) */
} EvalQuery;

/* True if result I counts as relevant for the binary measures: its
 * judgement reaches the level (trec_eval compares the raw value). */
static bool
evalIsRel(const EvalQuery *q, long i)
{
	return q->rel[i] >= q->level;
}

/* ------------------------------------------------------------ measures -- */

/* Kinds of parameters a measure takes after the '.' of -m. */
typedef enum EvalParams {
	EVAL_PARAMS_NONE = 0,
	EVAL_PARAMS_CUTOFFS,     /* positive integers: "5,10" -> P_5, P_10 */
	EVAL_PARAMS_RECALLS,     /* fractions: "0,.5" -> iprec_at_recall_0.00 */
	EVAL_PARAMS_BETA,        /* one number: set_F.0.5 -> set_F_0.5 */
} EvalParams;

/* How per-query values become the summary ("all") value. */
typedef enum EvalAverage {
	EVAL_AVG_MEAN = 0,       /* sum / num_q (te_calc_avg_meas_s) */
	EVAL_AVG_SUM,            /* the counts: sum, not average */
	EVAL_AVG_GEOMETRIC,      /* per-query logs: exp(sum / num_q) */
	EVAL_AVG_NUM_Q,          /* num_q itself */
	EVAL_AVG_NONE,           /* runid: no value */
} EvalAverage;

typedef struct EvalSelection EvalSelection;

/* How graf-eval computes one measure (its public face is in
 * measure_info[] at the same index). */
typedef struct EvalMeasure {
	EvalParams params;
	EvalAverage average;
	bool is_count;           /* printed as an integer */
	bool per_query;          /* printed per query with -q */
	/* Write the measure's values for Q (one per cutoff) to OUT. */
	void (*calc)(const EvalQuery *q, const EvalSelection *s, double *out);
} EvalMeasure;

/* A measure chosen with -m, with its parameters. */
struct EvalSelection {
	bool marked;
	const char *params;      /* text after '.', borrowed; NULL: defaults */
	long *cutoffs;           /* EVAL_PARAMS_CUTOFFS, ascending */
	double *recalls;         /* EVAL_PARAMS_RECALLS, ascending */
	size_t n;                /* number of values (cutoffs, recalls, or 1) */
	double beta;             /* EVAL_PARAMS_BETA */
	size_t first;            /* index of its first value in a result row */
};

/* m_num_q.c: 1 per query; the summary is the number of queries. */
static void
evalNumQ(const EvalQuery *q, const EvalSelection *s, double *out)
{
	out[0] = 1;
}

/* m_num_ret.c, m_num_rel.c, m_num_rel_ret.c: counts, summed. */
static void
evalNumRet(const EvalQuery *q, const EvalSelection *s, double *out)
{
	out[0] = (double)q->num_ret;
}

static void
evalNumRel(const EvalQuery *q, const EvalSelection *s, double *out)
{
	out[0] = (double)q->num_rel;
}

static void
evalNumRelRet(const EvalQuery *q, const EvalSelection *s, double *out)
{
	out[0] = (double)q->num_rel_ret;
}

/* Average precision: the precision at the rank of each relevant retrieved
 * document, summed and divided by the number of relevant documents, so that
 * relevant documents not retrieved count as precision 0.  0 when none is
 * retrieved (m_map.c). */
static double
evalAveragePrecision(const EvalQuery *q)
{
	long rel_so_far = 0;
	double sum = 0.0;

	for (long i = 0; i < q->num_ret; i++)
		if (evalIsRel(q, i)) {
			rel_so_far++;
			sum += (double)rel_so_far / (double)(i + 1);
		}
	return rel_so_far ? sum / (double)q->num_rel : 0.0;
}

static void
evalMap(const EvalQuery *q, const EvalSelection *s, double *out)
{
	out[0] = evalAveragePrecision(q);
}

/* m_gm_map.c: the log of the average precision floored at
 * EVAL_MIN_GEO_MEAN; the summary is exp of the mean log. */
static void
evalGmMap(const EvalQuery *q, const EvalSelection *s, double *out)
{
	double ap = evalAveragePrecision(q);

	out[0] = log(ap > EVAL_MIN_GEO_MEAN ? ap : EVAL_MIN_GEO_MEAN);
}

/* m_Rprec.c: precision after R = num_rel documents; when fewer were
 * retrieved, still divided by R.  0 when R or the run is empty. */
static void
evalRprec(const EvalQuery *q, const EvalSelection *s, double *out)
{
	long k = q->num_ret < q->num_rel ? q->num_ret : q->num_rel, rel_so_far = 0;

	out[0] = 0.0;
	if (k == 0)
		return;
	for (long i = 0; i < k; i++)
		rel_so_far += evalIsRel(q, i);
	out[0] = (double)rel_so_far / (double)q->num_rel;
}

/*
 * m_bpref.c: for each relevant retrieved document, 1 - (judged
 * non-relevant documents ranked above it) / min(R, N), the count capped at
 * R, where N is the number of judged non-relevant documents; summed and
 * divided by R.  Results the qrels do not list, or list as unjudged, are
 * skipped: bpref uses judged documents only.
 */
static void
evalBpref(const EvalQuery *q, const EvalSelection *s, double *out)
{
	long nonrel_so_far = 0;
	double bpref = 0.0;

	for (long i = 0; i < q->num_ret; i++) {
		long r = q->rel[i];

		if (r == EVAL_NOT_POOLED || r == EVAL_UNJUDGED)
			continue;
		if (r >= 0 && r < q->level) {
			nonrel_so_far++;
		} else if (nonrel_so_far > 0) {
			long above = nonrel_so_far < q->num_rel ? nonrel_so_far : q->num_rel;
			long denom = q->num_nonrel < q->num_rel ? q->num_nonrel : q->num_rel;

			bpref += 1.0 - (double)above / (double)denom;
		} else {
			bpref += 1.0;
		}
	}
	out[0] = q->num_rel ? bpref / (double)q->num_rel : bpref;
}

/* m_recip_rank.c: 1 / rank of the first relevant result; 0 when none. */
static void
evalRecipRank(const EvalQuery *q, const EvalSelection *s, double *out)
{
	out[0] = 0.0;
	for (long i = 0; i < q->num_ret; i++)
		if (evalIsRel(q, i)) {
			out[0] = 1.0 / (double)(i + 1);
			return;
		}
}

/* The number of relevant documents that recall level I of S stands for:
 * (long)(p * R + 0.9), trec_eval's rounding, which keeps the historical
 * 11-point figures. */
static long
evalRecallTarget(const EvalQuery *q, const EvalSelection *s, long i)
{
	return (long)(s->recalls[i] * (double)q->num_rel + 0.9);
}

/*
 * m_iprec_at_recall.c: interpolated precision at recall levels, where the
 * interpolated precision at rank X is the highest precision at any rank
 * >= X.  A level the run never reaches gets 0.  Walks the ranking from the
 * bottom up, as trec_eval does.
 */
static void
evalIprec(const EvalQuery *q, const EvalSelection *s, double *out)
{
	long cut = (long)s->n - 1, rel_so_far = q->num_rel_ret;
	double precis, int_precis;

	if (q->num_ret == 0)
		return;
	while (cut >= 0 && evalRecallTarget(q, s, cut) > q->num_rel_ret)
		cut--;
	precis = (double)q->num_rel_ret / (double)q->num_ret;
	int_precis = precis;
	for (long i = q->num_ret; i > 0 && rel_so_far > 0; i--) {
		precis = (double)rel_so_far / (double)i;
		if (int_precis < precis)
			int_precis = precis;
		if (evalIsRel(q, i - 1)) {
			while (cut >= 0 && rel_so_far == evalRecallTarget(q, s, cut))
				out[cut--] = int_precis;
			rel_so_far--;
		}
	}
	while (cut >= 0)
		out[cut--] = int_precis;
}

/* Advance *I (a rank index) to CUTOFF, counting relevant results into
 * *REL_SO_FAR; ranks past the end of the run count as non-relevant. */
static void
evalAdvance(const EvalQuery *q, long cutoff, long *i, long *rel_so_far)
{
	for (; *i < q->num_ret && *i < cutoff; (*i)++)
		*rel_so_far += evalIsRel(q, *i);
}

/* m_P.c: relevant in the top k / k, even when fewer than k were
 * retrieved. */
static void
evalP(const EvalQuery *q, const EvalSelection *s, double *out)
{
	long i = 0, rel_so_far = 0;

	for (size_t c = 0; c < s->n; c++) {
		evalAdvance(q, s->cutoffs[c], &i, &rel_so_far);
		out[c] = (double)rel_so_far / (double)s->cutoffs[c];
	}
}

/* m_recall.c: relevant in the top k / R; 0 when R is 0. */
static void
evalRecall(const EvalQuery *q, const EvalSelection *s, double *out)
{
	long i = 0, rel_so_far = 0;

	for (size_t c = 0; c < s->n && q->num_rel; c++) {
		evalAdvance(q, s->cutoffs[c], &i, &rel_so_far);
		out[c] = (double)rel_so_far / (double)q->num_rel;
	}
}

/* m_success.c: 1 if a relevant result is in the top k, else 0. */
static void
evalSuccess(const EvalQuery *q, const EvalSelection *s, double *out)
{
	long i = 0, rel_so_far = 0;

	for (size_t c = 0; c < s->n; c++) {
		evalAdvance(q, s->cutoffs[c], &i, &rel_so_far);
		out[c] = rel_so_far ? 1.0 : 0.0;
	}
}

/* m_map_cut.c: average precision counting only the top k (still divided
 * by R); 0 when R is 0. */
static void
evalMapCut(const EvalQuery *q, const EvalSelection *s, double *out)
{
	long rel_so_far = 0, i = 0;
	double sum = 0.0;

	for (size_t c = 0; c < s->n; c++) {
		for (; i < q->num_ret && i < s->cutoffs[c]; i++)
			if (evalIsRel(q, i)) {
				rel_so_far++;
				sum += (double)rel_so_far / (double)(i + 1);
			}
		out[c] = q->num_rel ? sum / (double)q->num_rel : 0.0;
	}
}

/* The gain of result I for nDCG: its judgement as is (trec_eval's default
 * gains; the relevance level plays no part), 0 for the unjudged. */
static double
evalGain(const EvalQuery *q, long i)
{
	return q->rel[i] > 0 ? (double)q->rel[i] : 0.0;
}

/*
 * m_ndcg.c with default gains: DCG = sum over every retrieved document of
 * gain / log2(rank + 1); the ideal DCG ranks every positive judgement,
 * highest first, however few documents were retrieved.  nDCG = DCG / ideal,
 * 0 when the ideal is 0.
 */
static void
evalNdcg(const EvalQuery *q, const EvalSelection *s, double *out)
{
	double dcg = 0.0, ideal = 0.0;

	for (long i = 0; i < q->num_ret; i++) {
		double g = evalGain(q, i);

		if (g != 0.0)
			dcg += g / log2((double)(i + 2));
	}
	for (long i = 0; i < q->num_ideal; i++)
		ideal += (double)q->ideal[i] / log2((double)(i + 2));
	out[0] = ideal > 0.0 ? dcg / ideal : 0.0;
}

/* m_ndcg_cut.c: DCG of the top k over the ideal DCG of the top k; when
 * the ideal is 0 the (then 0) DCG is left as is. */
static void
evalNdcgCut(const EvalQuery *q, const EvalSelection *s, double *out)
{
	double dcg = 0.0, ideal = 0.0;
	long i = 0, j = 0;

	for (size_t c = 0; c < s->n; c++) {
		for (; i < q->num_ret && i < s->cutoffs[c]; i++) {
			double g = evalGain(q, i);

			if (g > 0.0)
				dcg += g / log2((double)(i + 2));
		}
		for (; j < q->num_ideal && j < s->cutoffs[c]; j++)
			ideal += (double)q->ideal[j] / log2((double)(j + 2));
		out[c] = ideal > 0.0 ? dcg / ideal : dcg;
	}
}

/* m_set_P.c: relevant retrieved / retrieved. */
static void
evalSetP(const EvalQuery *q, const EvalSelection *s, double *out)
{
	out[0] = q->num_ret ? (double)q->num_rel_ret / (double)q->num_ret : 0.0;
}

/* m_set_recall.c: relevant retrieved / relevant. */
static void
evalSetRecall(const EvalQuery *q, const EvalSelection *s, double *out)
{
	out[0] = q->num_rel ? (double)q->num_rel_ret / (double)q->num_rel : 0.0;
}

/* m_set_F.c: (beta + 1) P R / (beta P + R) over the retrieved set; 0 when
 * nothing relevant is retrieved. */
static void
evalSetF(const EvalQuery *q, const EvalSelection *s, double *out)
{
	double p, r;

	out[0] = 0.0;
	if (!q->num_rel_ret)
		return;
	p = (double)q->num_rel_ret / (double)q->num_ret;
	r = (double)q->num_rel_ret / (double)q->num_rel;
	out[0] = (s->beta + 1.0) * p * r / (s->beta * p + r);
}

/* m_num_nonrel_judged_ret.c: judged non-relevant results, summed. */
static void
evalNumNonrelJudgedRet(const EvalQuery *q, const EvalSelection *s, double *out)
{
	out[0] = (double)(q->num_ret - q->num_not_pooled - q->num_unjudged - q->num_rel_ret);
}

/* The measures, in trec_eval's order (measures.c te_trec_measures), which
 * is the order of the output whatever the order of -m. */
enum {
	M_RUNID, M_NUM_Q, M_NUM_RET, M_NUM_REL, M_NUM_REL_RET, M_MAP, M_GM_MAP, M_RPREC,
	M_BPREF, M_RECIP_RANK, M_IPREC, M_P, M_RECALL, M_NDCG, M_NDCG_CUT, M_MAP_CUT,
	M_SUCCESS, M_SET_P, M_SET_RECALL, M_SET_F, M_NUM_NONREL_JUDGED_RET, M_LAST
};

#define EVAL_CUTOFFS "5,10,15,20,30,100,200,500,1000"

static const graf_eval_measure_info measure_info[M_LAST + 1] = {
	[M_RUNID] = { "runid", NULL, 1, "the run's name (last column of the run file)" },
	[M_NUM_Q] = { "num_q", NULL, 1, "number of queries evaluated" },
	[M_NUM_RET] = { "num_ret", NULL, 1, "documents retrieved (summed over queries)" },
	[M_NUM_REL] = { "num_rel", NULL, 1, "relevant documents (summed over queries)" },
	[M_NUM_REL_RET] = { "num_rel_ret", NULL, 1,
			    "relevant documents retrieved (summed over queries)" },
	[M_MAP] = { "map", NULL, 1, "mean average precision" },
	[M_GM_MAP] = { "gm_map", NULL, 1, "geometric mean of average precision" },
	[M_RPREC] = { "Rprec", NULL, 1, "precision after R documents, R = number relevant" },
	[M_BPREF] = { "bpref", NULL, 1, "binary preference (judged documents only)" },
	[M_RECIP_RANK] = { "recip_rank", NULL, 1, "reciprocal rank of the first relevant" },
	[M_IPREC] = { "iprec_at_recall", "0,.1,.2,.3,.4,.5,.6,.7,.8,.9,1", 1,
		      "interpolated precision at recall levels" },
	[M_P] = { "P", EVAL_CUTOFFS, 1, "precision at cutoffs" },
	[M_RECALL] = { "recall", EVAL_CUTOFFS, 0, "recall at cutoffs" },
	[M_NDCG] = { "ndcg", NULL, 0, "nDCG, gain = judgement, whole ranking" },
	[M_NDCG_CUT] = { "ndcg_cut", EVAL_CUTOFFS, 0, "nDCG at cutoffs" },
	[M_MAP_CUT] = { "map_cut", EVAL_CUTOFFS, 0, "average precision at cutoffs" },
	[M_SUCCESS] = { "success", "1,5,10", 0, "1 if a relevant document is in the top k" },
	[M_SET_P] = { "set_P", NULL, 0, "precision of the retrieved set" },
	[M_SET_RECALL] = { "set_recall", NULL, 0, "recall of the retrieved set" },
	[M_SET_F] = { "set_F", "1", 0, "F of the retrieved set: (b+1)PR/(bP+R)" },
	[M_NUM_NONREL_JUDGED_RET] = { "num_nonrel_judged_ret", NULL, 0,
				      "judged non-relevant retrieved (summed over queries)" },
	[M_LAST] = { NULL, NULL, 0, NULL },
};

static const EvalMeasure measures[M_LAST] = {
	[M_RUNID] = { EVAL_PARAMS_NONE, EVAL_AVG_NONE, false, false, NULL },
	[M_NUM_Q] = { EVAL_PARAMS_NONE, EVAL_AVG_NUM_Q, true, false, evalNumQ },
	[M_NUM_RET] = { EVAL_PARAMS_NONE, EVAL_AVG_SUM, true, true, evalNumRet },
	[M_NUM_REL] = { EVAL_PARAMS_NONE, EVAL_AVG_SUM, true, true, evalNumRel },
	[M_NUM_REL_RET] = { EVAL_PARAMS_NONE, EVAL_AVG_SUM, true, true, evalNumRelRet },
	[M_MAP] = { EVAL_PARAMS_NONE, EVAL_AVG_MEAN, false, true, evalMap },
	[M_GM_MAP] = { EVAL_PARAMS_NONE, EVAL_AVG_GEOMETRIC, false, false, evalGmMap },
	[M_RPREC] = { EVAL_PARAMS_NONE, EVAL_AVG_MEAN, false, true, evalRprec },
	[M_BPREF] = { EVAL_PARAMS_NONE, EVAL_AVG_MEAN, false, true, evalBpref },
	[M_RECIP_RANK] = { EVAL_PARAMS_NONE, EVAL_AVG_MEAN, false, true, evalRecipRank },
	[M_IPREC] = { EVAL_PARAMS_RECALLS, EVAL_AVG_MEAN, false, true, evalIprec },
	[M_P] = { EVAL_PARAMS_CUTOFFS, EVAL_AVG_MEAN, false, true, evalP },
	[M_RECALL] = { EVAL_PARAMS_CUTOFFS, EVAL_AVG_MEAN, false, true, evalRecall },
	[M_NDCG] = { EVAL_PARAMS_NONE, EVAL_AVG_MEAN, false, true, evalNdcg },
	[M_NDCG_CUT] = { EVAL_PARAMS_CUTOFFS, EVAL_AVG_MEAN, false, true, evalNdcgCut },
	[M_MAP_CUT] = { EVAL_PARAMS_CUTOFFS, EVAL_AVG_MEAN, false, true, evalMapCut },
	[M_SUCCESS] = { EVAL_PARAMS_CUTOFFS, EVAL_AVG_MEAN, false, true, evalSuccess },
	[M_SET_P] = { EVAL_PARAMS_NONE, EVAL_AVG_MEAN, false, true, evalSetP },
	[M_SET_RECALL] = { EVAL_PARAMS_NONE, EVAL_AVG_MEAN, false, true, evalSetRecall },
	[M_SET_F] = { EVAL_PARAMS_BETA, EVAL_AVG_MEAN, false, true, evalSetF },
	[M_NUM_NONREL_JUDGED_RET] = { EVAL_PARAMS_NONE, EVAL_AVG_SUM, true, true,
				      evalNumNonrelJudgedRet },
};

/* trec_eval measures and groups graf-eval does not implement, so that
 * asking for one says so rather than "unknown". */
static const char *const unimplemented[] = {
	"relstring", "infAP", "gm_bpref", "Rprec_mult", "utility", "11pt_avg", "binG", "G",
	"dcg", "ideal_dcg", "ndcg_rel", "Rndcg", "ndcg_p", "relative_P", "set_relative_P",
	"set_map", "unj", "rbp", "rbp_resid", "yaap", "map_avgjg", "P_avgjg",
	"Rprec_mult_avgjg", "set", "prefs", "all_prefs", "qrels_jg", NULL,
};

const graf_eval_measure_info *
graf_eval_measure_list(void)
{
	return measure_info;
}

void
graf_eval_options_init(graf_eval_options *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->relevance_level = 1;
}

/* ------------------------------------------------------ measure choice -- */

/* Order of longs and doubles, for sorting cutoffs. */
static int
evalCmpLong(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static int
evalCmpDouble(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Parse S's parameters (or measure M's defaults) as m_<name>.c's init does
 * (meas_init.c): comma-separated, sorted ascending, no duplicates; cutoffs
 * must be positive integers.
 */
static graf_status_t
evalParseParams(int m, EvalSelection *s, char **error_message)
{
	const char *text = s->params ? s->params : measure_info[m].params;
	const char *name = measure_info[m].name;
	size_t n = 1;

	if (measures[m].params == EVAL_PARAMS_NONE) {
		if (s->params)
			return evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT,
					"measure '%s' takes no parameters", name);
		s->n = 1;
		return GRAF_STATUS_OK;
	}
	for (const char *p = text; *p; p++)
		n += *p == ',';
	if (measures[m].params == EVAL_PARAMS_BETA && n != 1)
		return evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT,
				"measure '%s' takes one parameter, not '%s'", name, text);
	s->cutoffs = calloc(n, sizeof *s->cutoffs);
	s->recalls = calloc(n, sizeof *s->recalls);
	if (!s->cutoffs || !s->recalls)
		return evalNomem(error_message);
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		char *stop;
		const char *p = text;

		for (size_t k = 0; k < i; k++)
			p = strchr(p, ',') + 1;
		errno = 0;
		if (measures[m].params == EVAL_PARAMS_CUTOFFS) {
			s->cutoffs[i] = strtol(p, &stop, 10);
			if ((*stop && *stop != ',') || stop == p || errno || s->cutoffs[i] <= 0)
				return evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT,
						"invalid cutoffs '%s' for measure '%s' "
						"(positive integers, comma-separated)", text, name);
		} else {
			s->recalls[i] = strtod(p, &stop);
			if ((*stop && *stop != ',') || stop == p || !isfinite(s->recalls[i]))
				return evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT,
						"invalid parameters '%s' for measure '%s' "
						"(numbers, comma-separated)", text, name);
		}
	}
	if (measures[m].params == EVAL_PARAMS_BETA) {
		s->beta = s->recalls[0];
		return GRAF_STATUS_OK;
	}
	if (measures[m].params == EVAL_PARAMS_CUTOFFS)
		qsort(s->cutoffs, n, sizeof *s->cutoffs, evalCmpLong);
	else
		qsort(s->recalls, n, sizeof *s->recalls, evalCmpDouble);
	for (size_t i = 1; i < n; i++)
		if (measures[m].params == EVAL_PARAMS_CUTOFFS ? s->cutoffs[i] == s->cutoffs[i - 1]
							      : s->recalls[i] == s->recalls[i - 1])
			return evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT,
					"duplicate cutoffs in '%s' for measure '%s'", text, name);
	return GRAF_STATUS_OK;
}

/* Mark the measures of one -m argument SPEC in SEL (mark_measure() in
 * trec_eval.c). */
static graf_status_t
evalSelectOne(const char *spec, EvalSelection *sel, char **error_message)
{
	const char *dot = strchr(spec, '.');
	size_t len = dot ? (size_t)(dot - spec) : strlen(spec);
	bool official = len == 8 && strncmp(spec, "official", 8) == 0;
	bool all = len == 8 && strncmp(spec, "all_trec", 8) == 0;

	if (dot && !dot[1])
		return evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT,
				"measure '%s' has an empty parameter list", spec);
	if (official || all) {
		if (dot)
			return evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT,
					"measure group '%.*s' takes no parameters", (int)len, spec);
		for (int m = 0; m < M_LAST; m++)
			if (all || measure_info[m].official)
				sel[m].marked = true;
		return GRAF_STATUS_OK;
	}
	for (int m = 0; m < M_LAST; m++)
		if (strlen(measure_info[m].name) == len &&
		    strncmp(measure_info[m].name, spec, len) == 0) {
			sel[m].marked = true;
			if (dot && !sel[m].params)
				sel[m].params = dot + 1;
			return GRAF_STATUS_OK;
		}
	for (int k = 0; unimplemented[k]; k++)
		if (strlen(unimplemented[k]) == len && strncmp(unimplemented[k], spec, len) == 0)
			return evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT,
					"trec_eval measure '%.*s' is not implemented by graf-eval",
					(int)len, spec);
	return evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT, "unknown measure '%.*s'",
			(int)len, spec);
}

/* Free the parameters parsed into SEL. */
static void
evalSelectionRelease(EvalSelection sel[M_LAST])
{
	for (int m = 0; m < M_LAST; m++) {
		free(sel[m].cutoffs);
		free(sel[m].recalls);
	}
}

/* ------------------------------------------------------------- results -- */

/* One value of a result row. */
typedef struct EvalColumn {
	char *name;              /* "P_5" */
	int measure;             /* M_* */
	bool is_count;
	bool per_query;
} EvalColumn;

struct graf_eval_result {
	char *runid;             /* NULL when runid was not asked for */
	EvalColumn *cols;
	size_t n_cols;
	char **qids;             /* copies, output order */
	size_t n_queries;
	double *values;          /* n_queries rows of n_cols */
	double *all;             /* the summary row */
};

/* The name of value I of measure M as trec_eval prints it
 * (meas_init.c append_long, append_double, append_string). */
static char *
evalColumnName(int m, const EvalSelection *s, size_t i)
{
	const char *name = measure_info[m].name;

	switch (measures[m].params) {
	case EVAL_PARAMS_CUTOFFS:
		return grafi_strdup_printf("%s_%ld", name, s->cutoffs[i]);
	case EVAL_PARAMS_RECALLS:
		return grafi_strdup_printf("%s_%3.2f", name, s->recalls[i]);
	case EVAL_PARAMS_BETA:
		if (s->params)
			return grafi_strdup_printf("%s_%s", name, s->params);
		return strdup(name);
	default:
		return strdup(name);
	}
}

/* Lay out RES's columns from the selection. */
static graf_status_t
evalColumns(graf_eval_result *res, EvalSelection sel[M_LAST], const graf_eval_run *run,
	    char **error_message)
{
	size_t n = 0;

	for (int m = 1; m < M_LAST; m++)
		if (sel[m].marked)
			n += sel[m].n;
	res->cols = calloc(n ? n : 1, sizeof *res->cols);
	if (!res->cols)
		return evalNomem(error_message);
	if (sel[M_RUNID].marked && !(res->runid = strdup(graf_eval_run_id(run))))
		return evalNomem(error_message);
	for (int m = 1; m < M_LAST; m++) {
		if (!sel[m].marked)
			continue;
		sel[m].first = res->n_cols;
		for (size_t i = 0; i < sel[m].n; i++) {
			EvalColumn *c = &res->cols[res->n_cols++];

			c->measure = m;
			c->is_count = measures[m].is_count;
			c->per_query = measures[m].per_query;
			c->name = evalColumnName(m, &sel[m], i);
			if (!c->name)
				return evalNomem(error_message);
		}
	}
	return GRAF_STATUS_OK;
}

/* Order of ranked results (form_res_rels.c comp_sim_docno): score
 * descending, ties by document id descending; then file order, so that a
 * duplicate's "first" line is the earlier one. */
static int
evalCmpRank(const void *a, const void *b)
{
	const EvalRow *x = *(const EvalRow *const *)a, *y = *(const EvalRow *const *)b;
	int c;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	c = strcmp(y->docno, x->docno);
	if (!c)
		c = (x->line > y->line) - (x->line < y->line);
	return c;
}

/* Order of results by document id, then line. */
static int
evalCmpDocno(const void *a, const void *b)
{
	const EvalRow *x = *(const EvalRow *const *)a, *y = *(const EvalRow *const *)b;
	int c = strcmp(x->docno, y->docno);

	if (!c)
		c = (x->line > y->line) - (x->line < y->line);
	return c;
}

/* Order of longs, highest first (the ideal ranking's gains). */
static int
evalCmpLongDesc(const void *a, const void *b)
{
	return evalCmpLong(b, a);
}

/* Per-query working space, sized once for the largest query. */
typedef struct EvalWork {
	const EvalRow **ranked;  /* the run's results, best first */
	const EvalRow **bydoc;   /* the same, by document id */
	long *rel;               /* their judgements */
	long *ideal;             /* the qrels' positive judgements */
} EvalWork;

/* The judgement of DOCNO in the qrels rows J[0..N) (sorted by docno). */
static long
evalLookup(const EvalRow *j, size_t n, const char *docno)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(j[mid].docno, docno);

		if (c == 0)
			return j[mid].rel >= 0 ? j[mid].rel : EVAL_UNJUDGED;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return EVAL_NOT_POOLED;
}

/*
 * Join query QG of QRELS with its results RG of RUN (NULL: the query has
 * none) into Q, as form_res_rels.c does: rank by score, keep the first
 * max_results, refuse duplicate documents among those kept, look up each
 * one's judgement, count.
 */
static graf_status_t
evalJoin(const graf_eval_qrels *qrels, const EvalGroup *qg, const graf_eval_run *run,
	 const EvalGroup *rg, const graf_eval_options *opts, EvalWork *w, EvalQuery *q,
	 char **error_message)
{
	const EvalRow *j = &qrels->f.rows[qg->first];
	long n = 0;

	memset(q, 0, sizeof *q);
	q->level = opts->relevance_level;
	for (size_t i = 1; i < qg->n; i++)
		if (strcmp(j[i].docno, j[i - 1].docno) == 0)
			return evalFail(error_message, GRAF_STATUS_BAD_INPUT,
					"'%s' line %ld: document '%s' is judged twice for query "
					"'%s' (first on line %ld)", qrels->f.name, j[i].line,
					j[i].docno, qg->qid, j[i - 1].line);
	for (size_t i = 0; i < qg->n; i++) {
		if (j[i].rel < 0)
			continue;
		if (j[i].rel >= q->level)
			q->num_rel++;
		else
			q->num_nonrel++;
		if (j[i].rel > 0)
			w->ideal[q->num_ideal++] = j[i].rel;
	}
	qsort(w->ideal, (size_t)q->num_ideal, sizeof *w->ideal, evalCmpLongDesc);
	q->ideal = w->ideal;
	q->rel = w->rel;
	if (!rg)
		return GRAF_STATUS_OK;

	for (size_t i = 0; i < rg->n; i++)
		w->ranked[i] = &run->f.rows[rg->first + i];
	qsort(w->ranked, rg->n, sizeof *w->ranked, evalCmpRank);
	n = (long)rg->n;
	if (opts->max_results > 0 && n > opts->max_results)
		n = opts->max_results;
	memcpy(w->bydoc, w->ranked, (size_t)n * sizeof *w->bydoc);
	qsort(w->bydoc, (size_t)n, sizeof *w->bydoc, evalCmpDocno);
	for (long i = 1; i < n; i++)
		if (strcmp(w->bydoc[i]->docno, w->bydoc[i - 1]->docno) == 0)
			return evalFail(error_message, GRAF_STATUS_BAD_INPUT,
					"'%s' line %ld: document '%s' is listed twice for query "
					"'%s' (first on line %ld)", run->f.name, w->bydoc[i]->line,
					w->bydoc[i]->docno, rg->qid, w->bydoc[i - 1]->line);
	q->num_ret = n;
	for (long i = 0; i < n; i++) {
		long r = evalLookup(j, qg->n, w->ranked[i]->docno);

		w->rel[i] = r;
		if (r == EVAL_NOT_POOLED)
			q->num_not_pooled++;
		else if (r == EVAL_UNJUDGED)
			q->num_unjudged++;
		else if (r >= q->level)
			q->num_rel_ret++;
	}
	return GRAF_STATUS_OK;
}

/*
 * Fill ROW with the values of query Q.  A query of the qrels without
 * results (only evaluated with -c) scores 0 everywhere except num_q,
 * num_rel (its judgements still count) and gm_map (the floor), as
 * trec_eval 10's stand-in empty ranking gives.
 */
static void
evalRow(const EvalQuery *q, bool missing, const EvalSelection sel[M_LAST], double *row,
	size_t n_cols)
{
	memset(row, 0, n_cols * sizeof *row);
	for (int m = 1; m < M_LAST; m++) {
		if (!sel[m].marked)
			continue;
		if (!missing || m == M_NUM_Q || m == M_NUM_REL || m == M_GM_MAP)
			measures[m].calc(q, &sel[m], row + sel[m].first);
	}
}

/* Turn the per-query rows of RES into its summary (meas_avg.c). */
static void
evalSummarize(graf_eval_result *res)
{
	for (size_t c = 0; c < res->n_cols; c++) {
		double sum = 0.0, n = (double)res->n_queries;

		for (size_t q = 0; q < res->n_queries; q++)
			sum += res->values[q * res->n_cols + c];
		switch (measures[res->cols[c].measure].average) {
		case EVAL_AVG_MEAN:
			res->all[c] = n > 0 ? sum / n : 0.0;
			break;
		case EVAL_AVG_GEOMETRIC:
			res->all[c] = n > 0 ? exp(sum / n) : 0.0;
			break;
		case EVAL_AVG_NUM_Q:
			res->all[c] = n;
			break;
		case EVAL_AVG_SUM:
		case EVAL_AVG_NONE:
			res->all[c] = sum;
			break;
		}
	}
}

/* Allocate RES's rows and W for at most N_QUERIES queries of QRELS and
 * RUN. */
static graf_status_t
evalAlloc(graf_eval_result *res, EvalWork *w, const graf_eval_qrels *qrels,
	  const graf_eval_run *run, size_t n_queries, char **error_message)
{
	size_t max_run = 1, max_qrels = 1;

	for (size_t i = 0; i < run->f.n_groups; i++)
		if (run->f.groups[i].n > max_run)
			max_run = run->f.groups[i].n;
	for (size_t i = 0; i < qrels->f.n_groups; i++)
		if (qrels->f.groups[i].n > max_qrels)
			max_qrels = qrels->f.groups[i].n;
	w->ranked = malloc(max_run * sizeof *w->ranked);
	w->bydoc = malloc(max_run * sizeof *w->bydoc);
	w->rel = malloc(max_run * sizeof *w->rel);
	w->ideal = malloc(max_qrels * sizeof *w->ideal);
	res->qids = calloc(n_queries ? n_queries : 1, sizeof *res->qids);
	res->values = calloc((n_queries ? n_queries : 1) * (res->n_cols ? res->n_cols : 1),
			     sizeof *res->values);
	res->all = calloc(res->n_cols ? res->n_cols : 1, sizeof *res->all);
	if (!w->ranked || !w->bydoc || !w->rel || !w->ideal || !res->qids || !res->values ||
	    !res->all)
		return evalNomem(error_message);
	return GRAF_STATUS_OK;
}

/* Evaluate every query (trec_eval.c's main loop: the qrels' queries in
 * order, each joined with its results). */
static graf_status_t
evalQueries(graf_eval_result *res, const graf_eval_qrels *qrels, const graf_eval_run *run,
	    const graf_eval_options *opts, EvalSelection sel[M_LAST], EvalWork *w,
	    char **error_message)
{
	graf_status_t st = GRAF_STATUS_OK;
	size_t r = 0;

	for (size_t i = 0; st == GRAF_STATUS_OK && i < qrels->f.n_groups; i++) {
		const EvalGroup *qg = &qrels->f.groups[i], *rg = NULL;
		EvalQuery q;

		while (r < run->f.n_groups && strcmp(run->f.groups[r].qid, qg->qid) < 0)
			r++;
		if (r < run->f.n_groups && strcmp(run->f.groups[r].qid, qg->qid) == 0)
			rg = &run->f.groups[r];
		if (!rg && !opts->complete)
			continue;
		st = evalJoin(qrels, qg, run, rg, opts, w, &q, error_message);
		if (st != GRAF_STATUS_OK)
			break;
		res->qids[res->n_queries] = strdup(qg->qid);
		if (!res->qids[res->n_queries])
			return evalNomem(error_message);
		evalRow(&q, rg == NULL, sel, res->values + res->n_queries * res->n_cols,
			res->n_cols);
		res->n_queries++;
	}
	if (st == GRAF_STATUS_OK && res->n_queries == 0)
		st = evalFail(error_message, GRAF_STATUS_BAD_INPUT,
			      "no query has both results in '%s' and judgements in '%s'",
			      run->f.name, qrels->f.name);
	return st;
}

graf_status_t
graf_eval_compute(const graf_eval_qrels *qrels, const graf_eval_run *run,
		  const graf_eval_options *opts, graf_eval_result **out, char **error_message)
{
	static const char *const official[] = { "official" };
	EvalSelection sel[M_LAST];
	graf_eval_options defaults;
	graf_eval_result *res = NULL;
	EvalWork w = { 0 };
	graf_status_t st = GRAF_STATUS_OK;
	const char *const *specs;
	size_t n_specs;

	*out = NULL;
	if (error_message)
		*error_message = NULL;
	if (!opts) {
		graf_eval_options_init(&defaults);
		opts = &defaults;
	}
	memset(sel, 0, sizeof sel);
	specs = opts->n_measures ? opts->measures : official;
	n_specs = opts->n_measures ? opts->n_measures : 1;
	if (opts->relevance_level < 0)
		st = evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT,
			      "relevance level %ld is negative", opts->relevance_level);
	else if (opts->max_results < 0)
		st = evalFail(error_message, GRAF_STATUS_BAD_ARGUMENT,
			      "depth %ld is negative", opts->max_results);
	for (size_t i = 0; st == GRAF_STATUS_OK && i < n_specs; i++)
		st = evalSelectOne(specs[i], sel, error_message);
	for (int m = 0; st == GRAF_STATUS_OK && m < M_LAST; m++)
		if (sel[m].marked)
			st = evalParseParams(m, &sel[m], error_message);
	if (st == GRAF_STATUS_OK && !(res = calloc(1, sizeof *res)))
		st = evalNomem(error_message);
	if (st == GRAF_STATUS_OK)
		st = evalColumns(res, sel, run, error_message);
	if (st == GRAF_STATUS_OK)
		st = evalAlloc(res, &w, qrels, run, qrels->f.n_groups, error_message);
	if (st == GRAF_STATUS_OK)
		st = evalQueries(res, qrels, run, opts, sel, &w, error_message);
	if (st == GRAF_STATUS_OK)
		evalSummarize(res);

	free(w.ranked);
	free(w.bydoc);
	free(w.rel);
	free(w.ideal);
	evalSelectionRelease(sel);
	if (st != GRAF_STATUS_OK) {
		graf_eval_result_free(res);
		return st;
	}
	*out = res;
	return GRAF_STATUS_OK;
}

void
graf_eval_result_free(graf_eval_result *res)
{
	if (!res)
		return;
	for (size_t c = 0; res->cols && c < res->n_cols; c++)
		free(res->cols[c].name);
	for (size_t q = 0; res->qids && q < res->n_queries; q++)
		free(res->qids[q]);
	free(res->runid);
	free(res->cols);
	free(res->qids);
	free(res->values);
	free(res->all);
	free(res);
}

size_t
graf_eval_result_n_values(const graf_eval_result *res)
{
	return res->n_cols;
}

const char *
graf_eval_result_value_name(const graf_eval_result *res, size_t i)
{
	return i < res->n_cols ? res->cols[i].name : NULL;
}

size_t
graf_eval_result_n_queries(const graf_eval_result *res)
{
	return res->n_queries;
}

const char *
graf_eval_result_qid(const graf_eval_result *res, size_t q)
{
	return q < res->n_queries ? res->qids[q] : NULL;
}

graf_status_t
graf_eval_result_get(const graf_eval_result *res, const char *qid, const char *measure,
		     double *value)
{
	size_t c;

	for (c = 0; c < res->n_cols; c++)
		if (strcmp(res->cols[c].name, measure) == 0)
			break;
	if (c == res->n_cols)
		return GRAF_STATUS_BAD_ARGUMENT;
	if (!qid || strcmp(qid, "all") == 0) {
		*value = res->all[c];
		return GRAF_STATUS_OK;
	}
	if (!res->cols[c].per_query)
		return GRAF_STATUS_BAD_ARGUMENT;
	for (size_t q = 0; q < res->n_queries; q++)
		if (strcmp(res->qids[q], qid) == 0) {
			*value = res->values[q * res->n_cols + c];
			return GRAF_STATUS_OK;
		}
	return GRAF_STATUS_BAD_ARGUMENT;
}

/* ------------------------------------------------------------- writing -- */

/* One line of trec_eval's layout (meas_print_single.c, meas_print_final.c):
 * the name padded to 22, the query, the value with 4 decimals (counts as
 * integers). */
static void
evalWriteLine(FILE *out, const EvalColumn *c, const char *qid, double v)
{
	if (c->is_count)
		fprintf(out, "%-22s\t%s\t%ld\n", c->name, qid, (long)v);
	else
		fprintf(out, "%-22s\t%s\t%6.4f\n", c->name, qid, v);
}

/* trec_eval's output: with PER_QUERY each query's values (those that have
 * per-query values), then the runid line and the summary. */
static void
evalWriteText(const graf_eval_result *res, int per_query, FILE *out)
{
	for (size_t q = 0; per_query && q < res->n_queries; q++)
		for (size_t c = 0; c < res->n_cols; c++)
			if (res->cols[c].per_query)
				evalWriteLine(out, &res->cols[c], res->qids[q],
					      res->values[q * res->n_cols + c]);
	if (res->runid)
		fprintf(out, "%-22s\t%s\t%s\n", "runid", "all", res->runid);
	for (size_t c = 0; c < res->n_cols; c++)
		evalWriteLine(out, &res->cols[c], "all", res->all[c]);
}

/* A JSON string for S, which the files do not promise to be UTF-8: bytes
 * that are not are read as Windows-1252, as graf's reader does. */
static json_t *
evalJsonString(const char *s)
{
	size_t len = strlen(s), n;
	json_t *j;
	char *u;

	if (grafi_utf8_valid(s, len))
		return json_stringn(s, len);
	u = grafi_cp1252_to_utf8(s, len, &n);
	if (!u)
		return NULL;
	j = json_stringn(u, n);
	free(u);
	return j;
}

/* Set KEY of OBJ to the value V of column C; false when out of memory. */
static bool
evalJsonSet(json_t *obj, const EvalColumn *c, double v)
{
	json_t *j = c->is_count ? json_integer((json_int_t)v) : json_real(v);

	return j && json_object_set_new(obj, c->name, j) == 0;
}

/*
 * The JSON layout (version EVAL_JSON_VERSION):
 *   { "format_version": 1, "runid": "...",
 *     "all": { "num_q": 3, "map": 0.25, ... },
 *     "queries": { "q1": { "num_ret": 10, "map": 0.5, ... }, ... } }
 * "runid" only when asked for, "queries" only with PER_QUERY; values in
 * trec_eval's order, full precision, counts as integers.
 */
static graf_status_t
evalWriteJson(const graf_eval_result *res, int per_query, FILE *out)
{
	json_t *root = json_object(), *all = json_object(), *queries = NULL;
	bool ok = root && all;
	graf_status_t st;

	ok = ok && json_object_set_new(root, "format_version", json_integer(EVAL_JSON_VERSION)) == 0;
	if (ok && res->runid) {
		json_t *s = evalJsonString(res->runid);

		ok = s && json_object_set_new(root, "runid", s) == 0;
	}
	for (size_t c = 0; ok && c < res->n_cols; c++)
		ok = evalJsonSet(all, &res->cols[c], res->all[c]);
	ok = ok && json_object_set(root, "all", all) == 0;
	if (ok && per_query) {
		queries = json_object();
		ok = queries && json_object_set(root, "queries", queries) == 0;
	}
	for (size_t q = 0; ok && per_query && q < res->n_queries; q++) {
		json_t *row = json_object(), *key = evalJsonString(res->qids[q]);

		ok = row && key;
		for (size_t c = 0; ok && c < res->n_cols; c++)
			if (res->cols[c].per_query)
				ok = evalJsonSet(row, &res->cols[c], res->values[q * res->n_cols + c]);
		ok = ok && json_object_set(queries, json_string_value(key), row) == 0;
		json_decref(row);
		json_decref(key);
	}
	st = ok ? GRAF_STATUS_OK : GRAF_STATUS_NOMEM;
	if (ok && (json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0 ||
		   fputc('\n', out) == EOF))
		st = GRAF_STATUS_IO;
	json_decref(queries);
	json_decref(all);
	json_decref(root);
	return st;
}

graf_status_t
graf_eval_result_write(const graf_eval_result *res, graf_eval_format_t format, int per_query,
		       FILE *out)
{
	graf_status_t st = GRAF_STATUS_OK;

	switch (format) {
	case GRAF_EVAL_FORMAT_TEXT:
		evalWriteText(res, per_query, out);
		break;
	case GRAF_EVAL_FORMAT_JSON:
		st = evalWriteJson(res, per_query, out);
		break;
	default:
		return GRAF_STATUS_BAD_ARGUMENT;
	}
	if (st == GRAF_STATUS_OK && ferror(out))
		st = GRAF_STATUS_IO;
	return st;
}
