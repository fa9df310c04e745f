/*
 * check_eval.c - graf-eval's measures (lib/eval.c) on small hand-built
 * qrels and runs.  Every expected value is derived by hand in the comment
 * above its check, from trec_eval's definitions (usnistgov/trec_eval
 * m_<measure>.c, form_res_rels.c); the checks write the same arithmetic, so
 * a reader can follow each number.
 */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graf.h"
#include "check_graf.h"


/* Values must agree with trec_eval's to 4 printed decimals; ours are
 * computed the same way, so demand far more. */
#define TOL 1e-9

/*
 * Fixture A.  Judgements (level 1: relevant when >= 1):
 *   q1: d1=1 d2=0 d3=2 d4=1 d6=0   R=3 relevant (d1 d3 d4), 2 judged
 *                                  non-relevant (d2 d6), ideal gains 2,1,1
 *   q2: a=1 b=0                    R=1, 1 judged non-relevant
 *   q3: x=0                        no relevant document at all
 *   q4: z=1                        not in the run (ignored unless -c)
 * The run lists lines out of order and with a rank column that says the
 * opposite of the scores: graf-eval must rank by score.  Ranked:
 *   q1: d1(.9, rel 1) d2(.8, 0) d5(.7, not judged) d3(.6, 2) d6(.5, 0)
 *   q2: b(3, 0) a(2, 1)
 *   q3: x(1.0, 0) y(0.5, not judged)
 *   q9: in the run only: ignored.
 */
static const char QRELS_A[] =
	"q1 0 d1 1\n"
	"q1 0 d2 0\n"
	"q1 0 d3 2\n"
	"q1 0 d4 1\n"
	"q1 0 d6 0\n"
	"q2 0 a 1\n"
	"q2 0 b 0\n"
	"q3 0 x 0\n"
	"q4 0 z 1\n";

static const char RUN_A[] =
	"q2 Q0 a 2 2 runA\n"
	"q1 Q0 d6 1 0.5 runA\n"
	"q1 Q0 d3 2 0.6 runA\n"
	"q1 Q0 d5 3 0.7 runA\n"
	"q1 Q0 d2 4 0.8 runA\n"
	"q1 Q0 d1 5 0.9 runA\n"
	"q2 Q0 b 1 3 runA\n"
	"q3 Q0 y 2 0.5 runA\n"
	"q3 Q0 x 1 1.0 runA\n"
	"q9 Q0 k 1 1 runA\n";

/* ------------------------------------------------------------ helpers -- */

typedef struct Eval {
	graf_eval_qrels *qrels;
	graf_eval_run *run;
	graf_eval_result *res;
	char *err;                /* message of the failing step */
	graf_status_t st;
} Eval;

/*
 * Evaluate RUN against QRELS with OPTS (NULL: defaults) and the measures
 * given as NULL-terminated variadic strings (none: official).  Returns the
 * status of the first step that failed; E holds everything.
 */
static graf_status_t
evalTry(Eval *e, const char *qrels, const char *run, const graf_eval_options *opts, ...)
{
	const char *measures[32];
	graf_eval_options o;
	size_t n = 0;
	va_list ap;

	memset(e, 0, sizeof *e);
	if (opts)
		o = *opts;
	else
		graf_eval_options_init(&o);
	va_start(ap, opts);
	for (const char *m; (m = va_arg(ap, const char *)) && n < 32;)
		measures[n++] = m;
	va_end(ap);
	if (n) {
		o.measures = measures;
		o.n_measures = n;
	}
	e->st = graf_eval_qrels_parse("qrels", qrels, strlen(qrels), &e->qrels, &e->err);
	if (e->st == GRAF_STATUS_OK)
		e->st = graf_eval_run_parse("run", run, strlen(run), &e->run, &e->err);
	if (e->st == GRAF_STATUS_OK)
		e->st = graf_eval_compute(e->qrels, e->run, &o, &e->res, &e->err);
	return e->st;
}

static void
evalDone(Eval *e)
{
	graf_eval_result_free(e->res);
	graf_eval_run_free(e->run);
	graf_eval_qrels_free(e->qrels);
	free(e->err);
	memset(e, 0, sizeof *e);
}

/* The value NAME of query QID (NULL: the summary); fails the test when
 * there is none. */
static double
val(const Eval *e, const char *qid, const char *name)
{
	double v = -1.0;

	ck_assert_msg(e->res, "no result: %s", e->err ? e->err : "?");
	ck_assert_msg(graf_eval_result_get(e->res, qid, name, &v) == GRAF_STATUS_OK,
		      "no value '%s' for query '%s'", name, qid ? qid : "all");
	return v;
}

#define CHECK_VAL(e, qid, name, expected) \
	ck_assert_double_eq_tol(val((e), (qid), (name)), (expected), TOL)

/* True if E's result has a value NAME (for QID). */
static bool
has(const Eval *e, const char *qid, const char *name)
{
	double v;

	return graf_eval_result_get(e->res, qid, name, &v) == GRAF_STATUS_OK;
}

/* Write E's result in FORMAT to a malloc'ed string. */
static char *
written(const Eval *e, graf_eval_format_t format, int per_query)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(graf_eval_result_write(e->res, format, per_query, f), GRAF_STATUS_OK);
	fclose(f);
	return buf;
}

#define EXPECT_OK(e, ...) \
	ck_assert_msg(evalTry((e), __VA_ARGS__, NULL) == GRAF_STATUS_OK, "%s", \
		      (e)->err ? (e)->err : "failed")

/* The failure status of evaluating, with the message containing WANT. */
#define EXPECT_FAIL(e, status, want, ...) \
	do { \
		ck_assert_int_eq(evalTry((e), __VA_ARGS__, NULL), (status)); \
		ck_assert_ptr_nonnull((e)->err); \
		ck_assert_msg(strstr((e)->err, (want)), "message '%s' lacks '%s'", (e)->err, \
			      (want)); \
		evalDone(e); \
	} while (0)

/* ------------------------------------------------------ official measures -- */

START_TEST(test_counts)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL);
	/* q1, q2, q3 have results and judgements; q4 (no results) and q9 (no
	 * judgements) are left out. */
	CHECK_VAL(&e, NULL, "num_q", 3);
	ck_assert_uint_eq(graf_eval_result_n_queries(e.res), 3);
	ck_assert_str_eq(graf_eval_result_qid(e.res, 0), "q1");
	ck_assert_str_eq(graf_eval_result_qid(e.res, 2), "q3");
	/* num_ret: 5 + 2 + 2; num_rel: 3 + 1 + 0; num_rel_ret: d1 d3 + a. */
	CHECK_VAL(&e, "q1", "num_ret", 5);
	CHECK_VAL(&e, "q1", "num_rel", 3);
	CHECK_VAL(&e, "q1", "num_rel_ret", 2);
	CHECK_VAL(&e, NULL, "num_ret", 9);
	CHECK_VAL(&e, NULL, "num_rel", 4);
	CHECK_VAL(&e, NULL, "num_rel_ret", 3);
	/* Summary-only values have no per-query value. */
	ck_assert(!has(&e, "q1", "num_q"));
	ck_assert(!has(&e, "q1", "gm_map"));
	ck_assert(!has(&e, "q4", "map"));
	ck_assert(!has(&e, "q9", "map"));
	ck_assert_str_eq(graf_eval_run_id(e.run), "runA");
	evalDone(&e);
}
END_TEST

START_TEST(test_map)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL);
	/* q1: relevant at ranks 1 (d1) and 4 (d3); d4 never retrieved counts
	 * as precision 0: AP = (1/1 + 2/4) / 3 = 0.5. */
	CHECK_VAL(&e, "q1", "map", (1.0 / 1 + 2.0 / 4) / 3);
	/* q2: a at rank 2: AP = (1/2) / 1 = 0.5. */
	CHECK_VAL(&e, "q2", "map", 0.5);
	/* q3: nothing relevant: 0. */
	CHECK_VAL(&e, "q3", "map", 0.0);
	/* map = (0.5 + 0.5 + 0) / 3 = 0.3333. */
	CHECK_VAL(&e, NULL, "map", 1.0 / 3);
	evalDone(&e);
}
END_TEST

START_TEST(test_gm_map)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL);
	/* Geometric mean of the APs, q3's 0 floored at 0.00001:
	 * exp((ln .5 + ln .5 + ln 1e-5) / 3) = (2.5e-6)^(1/3) = 0.013572. */
	CHECK_VAL(&e, NULL, "gm_map", exp((log(0.5) + log(0.5) + log(0.00001)) / 3));
	ck_assert_double_eq_tol(val(&e, NULL, "gm_map"), cbrt(2.5e-6), TOL);
	evalDone(&e);
}
END_TEST

START_TEST(test_rprec)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL);
	/* q1: R = 3; top 3 = d1 (rel) d2 d5: 1/3.  q2: R = 1; top 1 = b: 0.
	 * q3: R = 0: 0.  Rprec = (1/3 + 0 + 0) / 3 = 0.1111. */
	CHECK_VAL(&e, "q1", "Rprec", 1.0 / 3);
	CHECK_VAL(&e, "q2", "Rprec", 0.0);
	CHECK_VAL(&e, "q3", "Rprec", 0.0);
	CHECK_VAL(&e, NULL, "Rprec", 1.0 / 9);
	evalDone(&e);
}
END_TEST

START_TEST(test_bpref)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL);
	/*
	 * q1: R = 3, judged non-relevant N = 2.  d1 (rel, none above): 1;
	 * d2: non-relevant seen = 1; d5 not judged: skipped; d3 (rel):
	 * 1 - min(1, R)/min(N, R) = 1 - 1/2 = .5; d6 non-relevant.
	 * bpref = (1 + .5) / 3 = 0.5.
	 * q2: b non-relevant, then a: 1 - 1/min(1, 1) = 0.  q3: R = 0: 0.
	 * Summary: (0.5 + 0 + 0) / 3.
	 */
	CHECK_VAL(&e, "q1", "bpref", 0.5);
	CHECK_VAL(&e, "q2", "bpref", 0.0);
	CHECK_VAL(&e, "q3", "bpref", 0.0);
	CHECK_VAL(&e, NULL, "bpref", 0.5 / 3);
	evalDone(&e);
}
END_TEST

START_TEST(test_bpref_cap)
{
	Eval e;

	/*
	 * R = 2 relevant, N = 3 judged non-relevant, one unjudged (-1 in the
	 * qrels: "pooled, not judged") and one not in the qrels at all.
	 * Ranked: u (unjudged, skipped) n1 r1 n2 n3 x (not judged) r2.
	 * r1: 1 non-relevant above: 1 - min(1,2)/min(3,2) = 1 - 1/2 = .5
	 * r2: 3 non-relevant above, capped at R: 1 - min(3,2)/2 = 0
	 * bpref = (.5 + 0) / 2 = 0.25.
	 * num_nonrel_judged_ret = 7 retrieved - 1 not judged - 1 unjudged
	 * - 2 relevant = 3.
	 */
	EXPECT_OK(&e,
		  "b 0 r1 1\nb 0 r2 1\nb 0 n1 0\nb 0 n2 0\nb 0 n3 0\nb 0 u -1\n",
		  "b 0 u 1 7 t\nb 0 n1 2 6 t\nb 0 r1 3 5 t\nb 0 n2 4 4 t\n"
		  "b 0 n3 5 3 t\nb 0 x 6 2 t\nb 0 r2 7 1 t\n",
		  NULL, "bpref", "num_nonrel_judged_ret", "num_rel");
	CHECK_VAL(&e, "b", "bpref", 0.25);
	CHECK_VAL(&e, "b", "num_nonrel_judged_ret", 3);
	/* A negative judgement is not a relevant document. */
	CHECK_VAL(&e, "b", "num_rel", 2);
	evalDone(&e);
}
END_TEST

START_TEST(test_recip_rank)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL);
	/* q1: d1 at rank 1: 1.  q2: a at rank 2: .5.  q3: none: 0.
	 * Summary: 1.5 / 3 = 0.5. */
	CHECK_VAL(&e, "q1", "recip_rank", 1.0);
	CHECK_VAL(&e, "q2", "recip_rank", 0.5);
	CHECK_VAL(&e, "q3", "recip_rank", 0.0);
	CHECK_VAL(&e, NULL, "recip_rank", 0.5);
	evalDone(&e);
}
END_TEST

START_TEST(test_iprec_at_recall)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL);
	/*
	 * A recall level p stands for (long)(p*R + 0.9) relevant documents.
	 * q1 (R = 3): 0.0 -> 0, .1 .2 .3 -> 1, .4 .5 .6 -> 2, .8 .9 1.0 -> 3,
	 * and .7 -> 2, not 3: 0.7*3 is 2.0999999999999996 in binary, + 0.9
	 * = 2.9999999999999996, truncated to 2 (trec_eval's own rounding).
	 * Precision: 1/1 at rank 1, 2/4 at rank 4 (2/5 at 5); interpolated
	 * = best precision at or below: 1 relevant -> 1.0, 2 -> 0.5; 3 never
	 * reached -> 0; 0 relevant -> best anywhere = 1.0.
	 */
	CHECK_VAL(&e, "q1", "iprec_at_recall_0.00", 1.0);
	CHECK_VAL(&e, "q1", "iprec_at_recall_0.30", 1.0);
	CHECK_VAL(&e, "q1", "iprec_at_recall_0.40", 0.5);
	CHECK_VAL(&e, "q1", "iprec_at_recall_0.70", 0.5);
	CHECK_VAL(&e, "q1", "iprec_at_recall_0.80", 0.0);
	CHECK_VAL(&e, "q1", "iprec_at_recall_1.00", 0.0);
	/* q2 (R = 1): every level but 0 stands for 1 document (p + 0.9 < 2);
	 * a at rank 2: precision 1/2 everywhere. */
	CHECK_VAL(&e, "q2", "iprec_at_recall_0.00", 0.5);
	CHECK_VAL(&e, "q2", "iprec_at_recall_1.00", 0.5);
	/* q3 (R = 0): 0 everywhere. */
	CHECK_VAL(&e, "q3", "iprec_at_recall_0.00", 0.0);
	/* Summary: 0.00: (1 + .5 + 0)/3; 0.40: (.5 + .5)/3; 0.80: .5/3. */
	CHECK_VAL(&e, NULL, "iprec_at_recall_0.00", 0.5);
	CHECK_VAL(&e, NULL, "iprec_at_recall_0.40", 1.0 / 3);
	CHECK_VAL(&e, NULL, "iprec_at_recall_0.80", 0.5 / 3);
	evalDone(&e);
}
END_TEST

START_TEST(test_iprec_interpolation)
{
	Eval e;

	/*
	 * Interpolation takes the best precision at the same or a later rank.
	 * R = 2, ranked a b r1 r2: precision 1/3 at rank 3, 2/4 at rank 4.
	 * Levels .1-.5 stand for 1 relevant ((long)(p*2 + 0.9) = 1), .6-1.0
	 * for 2.  1 relevant: max(1/3, 2/4) = 0.5, raised from 1/3 by the
	 * interpolation; 2 relevant: 0.5; level 0: the best anywhere, 0.5.
	 */
	EXPECT_OK(&e, "i 0 r1 1\ni 0 r2 1\n",
		  "i 0 a 1 4 t\ni 0 b 2 3 t\ni 0 r1 3 2 t\ni 0 r2 4 1 t\n",
		  NULL, "iprec_at_recall");
	CHECK_VAL(&e, "i", "iprec_at_recall_0.10", 0.5);
	CHECK_VAL(&e, "i", "iprec_at_recall_0.50", 0.5);
	CHECK_VAL(&e, "i", "iprec_at_recall_1.00", 0.5);
	CHECK_VAL(&e, "i", "iprec_at_recall_0.00", 0.5);
	evalDone(&e);
}
END_TEST

START_TEST(test_P)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL);
	/* q1 retrieves 5 documents, 2 relevant; a cutoff past the end counts
	 * the missing ranks as non-relevant: P_5 = 2/5, P_10 = 2/10,
	 * P_15 = 2/15, ..., P_1000 = 2/1000. */
	CHECK_VAL(&e, "q1", "P_5", 2.0 / 5);
	CHECK_VAL(&e, "q1", "P_10", 2.0 / 10);
	CHECK_VAL(&e, "q1", "P_15", 2.0 / 15);
	CHECK_VAL(&e, "q1", "P_20", 2.0 / 20);
	CHECK_VAL(&e, "q1", "P_30", 2.0 / 30);
	CHECK_VAL(&e, "q1", "P_100", 2.0 / 100);
	CHECK_VAL(&e, "q1", "P_200", 2.0 / 200);
	CHECK_VAL(&e, "q1", "P_500", 2.0 / 500);
	CHECK_VAL(&e, "q1", "P_1000", 2.0 / 1000);
	/* q2: 1 relevant: P_5 = 1/5.  Summary P_5 = (.4 + .2 + 0)/3. */
	CHECK_VAL(&e, "q2", "P_5", 1.0 / 5);
	CHECK_VAL(&e, NULL, "P_5", (0.4 + 0.2) / 3);
	CHECK_VAL(&e, NULL, "P_10", (0.2 + 0.1) / 3);
	evalDone(&e);
}
END_TEST

/* The official set, in trec_eval's order and nothing else. */
START_TEST(test_official_set)
{
	static const char *const want[] = {
		"num_q", "num_ret", "num_rel", "num_rel_ret", "map", "gm_map", "Rprec",
		"bpref", "recip_rank", "iprec_at_recall_0.00", "iprec_at_recall_0.10",
		"iprec_at_recall_0.20", "iprec_at_recall_0.30", "iprec_at_recall_0.40",
		"iprec_at_recall_0.50", "iprec_at_recall_0.60", "iprec_at_recall_0.70",
		"iprec_at_recall_0.80", "iprec_at_recall_0.90", "iprec_at_recall_1.00",
		"P_5", "P_10", "P_15", "P_20", "P_30", "P_100", "P_200", "P_500", "P_1000",
	};
	size_t n = sizeof want / sizeof want[0];
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL);
	ck_assert_uint_eq(graf_eval_result_n_values(e.res), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(graf_eval_result_value_name(e.res, i), want[i]);
	evalDone(&e);
	/* "-m official" is the same. */
	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "official");
	ck_assert_uint_eq(graf_eval_result_n_values(e.res), n);
	evalDone(&e);
}
END_TEST

/* --------------------------------------------------------- other measures -- */

START_TEST(test_recall)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "recall.1,3,4,1000");
	/* q1 (R = 3): relevant at ranks 1 and 4: recall_1 = 1/3, recall_3 =
	 * 1/3, recall_4 = 2/3, recall_1000 = 2/3 (d4 never retrieved).
	 * q2 (R = 1): a at rank 2: 0, 1, 1, 1.  q3 (R = 0): 0.
	 * recall_4 summary: (2/3 + 1 + 0) / 3. */
	CHECK_VAL(&e, "q1", "recall_1", 1.0 / 3);
	CHECK_VAL(&e, "q1", "recall_3", 1.0 / 3);
	CHECK_VAL(&e, "q1", "recall_4", 2.0 / 3);
	CHECK_VAL(&e, "q1", "recall_1000", 2.0 / 3);
	CHECK_VAL(&e, "q2", "recall_1", 0.0);
	CHECK_VAL(&e, "q2", "recall_3", 1.0);
	CHECK_VAL(&e, "q3", "recall_1000", 0.0);
	CHECK_VAL(&e, NULL, "recall_4", (2.0 / 3 + 1.0) / 3);
	ck_assert(!has(&e, NULL, "recall_5"));
	evalDone(&e);

	/* Defaults: recall_5 ... recall_1000. */
	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "recall");
	CHECK_VAL(&e, "q1", "recall_5", 2.0 / 3);
	CHECK_VAL(&e, NULL, "recall_1000", (2.0 / 3 + 1.0) / 3);
	ck_assert_uint_eq(graf_eval_result_n_values(e.res), 9);
	evalDone(&e);
}
END_TEST

START_TEST(test_ndcg)
{
	Eval e;
	double q1_dcg = 1.0 / log2(2) + 2.0 / log2(5);
	double q1_ideal = 2.0 / log2(2) + 1.0 / log2(3) + 1.0 / log2(4);

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "ndcg");
	/*
	 * Gain = the judgement, discount log2(rank + 1), whole ranking.
	 * q1: DCG = 1/log2(2) [d1] + 2/log2(5) [d3 at rank 4] = 1.861353;
	 * ideal from the qrels, 2 1 1: 2/1 + 1/log2(3) + 1/log2(4) = 3.130930;
	 * nDCG = 0.594505.
	 * q2: a (gain 1) at rank 2: 1/log2(3) = 0.630930; ideal 1: 0.630930.
	 * q3: ideal 0: 0.
	 */
	CHECK_VAL(&e, "q1", "ndcg", q1_dcg / q1_ideal);
	ck_assert_double_eq_tol(val(&e, "q1", "ndcg"), 0.594505, 1e-6);
	CHECK_VAL(&e, "q2", "ndcg", 1.0 / log2(3));
	CHECK_VAL(&e, "q3", "ndcg", 0.0);
	CHECK_VAL(&e, NULL, "ndcg", (q1_dcg / q1_ideal + 1.0 / log2(3)) / 3);
	evalDone(&e);
}
END_TEST

START_TEST(test_ndcg_cut)
{
	Eval e;
	double ideal3 = 2.0 + 1.0 / log2(3) + 1.0 / log2(4);

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "ndcg_cut.1,3,5,20");
	/*
	 * q1: @1: DCG 1 (d1) / ideal 2 = 0.5.  @3: DCG 1 (d2 is 0, d5 not
	 * judged) / ideal 2 + 1/log2(3) + 1/log2(4) = 0.319394.  @5: DCG
	 * 1 + 2/log2(5) / the same ideal (only 3 ideal gains) = 0.594505;
	 * @20 the same.
	 * q2: @1: b is 0: 0 / 1 = 0.  @3: 1/log2(3) / 1.
	 */
	CHECK_VAL(&e, "q1", "ndcg_cut_1", 0.5);
	CHECK_VAL(&e, "q1", "ndcg_cut_3", 1.0 / ideal3);
	CHECK_VAL(&e, "q1", "ndcg_cut_5", (1.0 + 2.0 / log2(5)) / ideal3);
	CHECK_VAL(&e, "q1", "ndcg_cut_20", (1.0 + 2.0 / log2(5)) / ideal3);
	CHECK_VAL(&e, "q2", "ndcg_cut_1", 0.0);
	CHECK_VAL(&e, "q2", "ndcg_cut_3", 1.0 / log2(3));
	CHECK_VAL(&e, "q3", "ndcg_cut_5", 0.0);
	CHECK_VAL(&e, NULL, "ndcg_cut_1", 0.5 / 3);
	evalDone(&e);

	/* The set: ndcg_cut.5,10,20 gives exactly those three. */
	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "ndcg_cut.5,10,20");
	ck_assert_uint_eq(graf_eval_result_n_values(e.res), 3);
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 0), "ndcg_cut_5");
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 2), "ndcg_cut_20");
	evalDone(&e);
}
END_TEST

/*
 * Fixture G: graded judgements.  g1: A=3 B=2 C=0 D=1.  Ranked: B(.9)
 * A(.8) E(.7, not judged) D(.6).  Ideal gains 3 2 1.
 */
static const char QRELS_G[] = "g1 0 A 3\ng1 0 B 2\ng1 0 C 0\ng1 0 D 1\n";
static const char RUN_G[] =
	"g1 Q0 B 1 0.9 g\ng1 Q0 A 2 0.8 g\ng1 Q0 E 3 0.7 g\ng1 Q0 D 4 0.6 g\n";

START_TEST(test_graded)
{
	graf_eval_options o;
	double dcg = 2.0 / log2(2) + 3.0 / log2(3) + 1.0 / log2(5);
	double ideal = 3.0 / log2(2) + 2.0 / log2(3) + 1.0 / log2(4);
	Eval e;

	EXPECT_OK(&e, QRELS_G, RUN_G, NULL, "ndcg", "ndcg_cut.1,2", "map");
	/*
	 * nDCG uses the level as gain: DCG = 2/1 + 3/log2(3) + 0 + 1/log2(5)
	 * = 4.323466; ideal 3 + 2/log2(3) + 1/2 = 4.761860: 0.907936.
	 * @1: 2/3.  @2: (2 + 3/log2(3)) / (3 + 2/log2(3)) = 0.913402.
	 * map (level 1: A B D relevant): ranks 1 2 4: (1 + 1 + 3/4)/3.
	 */
	CHECK_VAL(&e, "g1", "ndcg", dcg / ideal);
	CHECK_VAL(&e, "g1", "ndcg_cut_1", 2.0 / 3);
	CHECK_VAL(&e, "g1", "ndcg_cut_2", (2.0 + 3.0 / log2(3)) / (3.0 + 2.0 / log2(3)));
	CHECK_VAL(&e, "g1", "map", (1.0 + 1.0 + 3.0 / 4) / 3);
	evalDone(&e);

	/* -l 2: only A and B are relevant for map (ranks 1, 2: AP 1), but the
	 * graded measures still use every level as gain: unchanged. */
	graf_eval_options_init(&o);
	o.relevance_level = 2;
	EXPECT_OK(&e, QRELS_G, RUN_G, &o, "ndcg", "ndcg_cut.2", "map", "num_rel");
	CHECK_VAL(&e, "g1", "map", 1.0);
	CHECK_VAL(&e, "g1", "num_rel", 2);
	CHECK_VAL(&e, "g1", "ndcg", dcg / ideal);
	CHECK_VAL(&e, "g1", "ndcg_cut_2", (2.0 + 3.0 / log2(3)) / (3.0 + 2.0 / log2(3)));
	evalDone(&e);
}
END_TEST

START_TEST(test_map_cut_success)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "map_cut.1,3,4", "success");
	/* q1: map_cut_1 = (1/1)/3; @3 the same; @4 adds 2/4: 1.5/3 = .5.
	 * q2: @1: 0; @3: (1/2)/1.
	 * success_1/5/10: q1 1 1 1; q2 0 1 1; q3 0 0 0. */
	CHECK_VAL(&e, "q1", "map_cut_1", 1.0 / 3);
	CHECK_VAL(&e, "q1", "map_cut_3", 1.0 / 3);
	CHECK_VAL(&e, "q1", "map_cut_4", 0.5);
	CHECK_VAL(&e, "q2", "map_cut_1", 0.0);
	CHECK_VAL(&e, "q2", "map_cut_3", 0.5);
	CHECK_VAL(&e, "q1", "success_1", 1.0);
	CHECK_VAL(&e, "q2", "success_1", 0.0);
	CHECK_VAL(&e, "q2", "success_5", 1.0);
	CHECK_VAL(&e, "q3", "success_10", 0.0);
	CHECK_VAL(&e, NULL, "success_5", 2.0 / 3);
	evalDone(&e);
}
END_TEST

START_TEST(test_set_measures)
{
	Eval e;

	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "set_P", "set_recall", "set_F",
		  "num_nonrel_judged_ret");
	/*
	 * q1: 2 relevant of 5 retrieved, R = 3: set_P = .4, set_recall = 2/3,
	 * set_F (beta 1) = 2PR/(P+R) = 2*.4*(2/3) / (.4 + 2/3) = 0.5;
	 * judged non-relevant retrieved: d2 d6 = 2.
	 * q2: 1 of 2, R = 1: .5, 1, F = 2*.5*1/1.5 = 2/3; b: 1.
	 * q3: 0, 0, 0; x: 1.
	 */
	CHECK_VAL(&e, "q1", "set_P", 0.4);
	CHECK_VAL(&e, "q1", "set_recall", 2.0 / 3);
	CHECK_VAL(&e, "q1", "set_F", 0.5);
	CHECK_VAL(&e, "q2", "set_F", 2.0 / 3);
	CHECK_VAL(&e, "q3", "set_F", 0.0);
	CHECK_VAL(&e, "q1", "num_nonrel_judged_ret", 2);
	CHECK_VAL(&e, NULL, "num_nonrel_judged_ret", 4);
	CHECK_VAL(&e, NULL, "set_P", (0.4 + 0.5) / 3);
	evalDone(&e);

	/* set_F.0.5 (beta = .5): q1: 1.5*.4*(2/3) / (.5*.4 + 2/3) = 0.461538;
	 * its name carries the parameter as given. */
	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "set_F.0.5");
	CHECK_VAL(&e, "q1", "set_F_0.5", 1.5 * 0.4 * (2.0 / 3) / (0.5 * 0.4 + 2.0 / 3));
	evalDone(&e);
}
END_TEST

START_TEST(test_all_trec)
{
	Eval e;

	/* Every measure graf-eval implements: 20 with values (runid has
	 * none): 9 singles + 11 iprec + 9 P + 9 recall + ndcg + 9 ndcg_cut +
	 * 9 map_cut + 3 success + set_P set_recall set_F
	 * num_nonrel_judged_ret. */
	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "all_trec");
	ck_assert_uint_eq(graf_eval_result_n_values(e.res),
			  9 + 11 + 9 + 9 + 1 + 9 + 9 + 3 + 4);
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 0), "num_q");
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 29), "recall_5");
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 38), "ndcg");
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 63), "num_nonrel_judged_ret");
	evalDone(&e);
}
END_TEST

/* --------------------------------------------------------------- edge cases -- */

START_TEST(test_ties_and_rank_column)
{
	Eval e;

	/*
	 * Only "a" is relevant.  The run's rank column puts a first and the
	 * lines are in that order, but a, b and c tie on score 1.0: ties go
	 * by document id in descending strcmp order, so c b a, and a is at
	 * rank 3 behind two higher scores: "10" and "9" (numbers, not
	 * strings: 10 > 9).  Ranked: m(10) n(9) c b a.
	 * AP = 1/5; recip_rank = 1/5.
	 */
	EXPECT_OK(&e, "t 0 a 1\nt 0 n 0\n",
		  "t Q0 a 1 1.0 r\nt Q0 b 2 1.0 r\nt Q0 c 3 1.0 r\n"
		  "t Q0 n 4 9 r\nt Q0 m 5 10 r\n",
		  NULL, "map", "recip_rank");
	CHECK_VAL(&e, "t", "map", 1.0 / 5);
	CHECK_VAL(&e, "t", "recip_rank", 1.0 / 5);
	evalDone(&e);

	/* Equal values written differently ("1" and "1.00") are ties too:
	 * z then a; z is relevant: rank 1. */
	EXPECT_OK(&e, "t 0 z 1\n", "t Q0 a 1 1.00 r\nt Q0 z 2 1 r\n", NULL, "recip_rank");
	CHECK_VAL(&e, "t", "recip_rank", 1.0);
	evalDone(&e);
}
END_TEST

START_TEST(test_duplicates)
{
	graf_eval_options o;
	Eval e;

	/* A document twice for one query is an error, as in trec_eval
	 * (form_res_rels.c "duplicate docs"), naming both lines. */
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_INPUT, "'run' line 3: document 'd1' is listed twice "
		    "for query 'q1' (first on line 1)",
		    QRELS_A, "q1 Q0 d1 1 0.9 r\nq1 Q0 d2 2 0.8 r\nq1 Q0 d1 3 0.1 r\n", NULL);
	/* The same document for two queries is fine. */
	EXPECT_OK(&e, QRELS_A, "q1 Q0 d1 1 1 r\nq2 Q0 d1 1 1 r\n", NULL, "num_ret");
	CHECK_VAL(&e, NULL, "num_ret", 2);
	evalDone(&e);
	/* trec_eval checks only the results within the depth (-M): with
	 * -M 2 the second d1 (ranked 3rd) is cut before the check. */
	graf_eval_options_init(&o);
	o.max_results = 2;
	EXPECT_OK(&e, QRELS_A, "q1 Q0 d1 1 0.9 r\nq1 Q0 d2 2 0.8 r\nq1 Q0 d1 3 0.1 r\n", &o,
		  "num_ret", "map");
	CHECK_VAL(&e, "q1", "num_ret", 2);
	CHECK_VAL(&e, "q1", "map", 1.0 / 3);
	evalDone(&e);
	/* A document judged twice for a query is an error too. */
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_INPUT, "'qrels' line 3: document 'd' is judged twice "
		    "for query 'q' (first on line 1)",
		    "q 0 d 1\nq 0 e 0\nq 0 d 0\n", "q Q0 d 1 1 r\n", NULL);
}
END_TEST

START_TEST(test_complete)
{
	graf_eval_options o;
	Eval e;

	graf_eval_options_init(&o);
	o.complete = 1;
	EXPECT_OK(&e, QRELS_A, RUN_A, &o, "official", "ndcg");
	/*
	 * -c averages over every query of the qrels: q4 (no results) joins
	 * with 0 everywhere; its relevant document still counts in num_rel
	 * (as trec_eval 10 scores such a query: an empty ranking).
	 * num_q 4; num_ret 9; num_rel 4 + 1 = 5; map (.5 + .5 + 0 + 0)/4;
	 * gm_map = exp((2 ln .5 + 2 ln 1e-5)/4) = sqrt(.5e-5) = 0.002236;
	 * P_5 = (.4 + .2)/4.
	 */
	CHECK_VAL(&e, NULL, "num_q", 4);
	ck_assert_str_eq(graf_eval_result_qid(e.res, 3), "q4");
	CHECK_VAL(&e, NULL, "num_ret", 9);
	CHECK_VAL(&e, NULL, "num_rel", 5);
	CHECK_VAL(&e, NULL, "num_rel_ret", 3);
	CHECK_VAL(&e, NULL, "map", 0.25);
	CHECK_VAL(&e, NULL, "gm_map", sqrt(0.5 * 0.00001));
	CHECK_VAL(&e, NULL, "P_5", 0.6 / 4);
	CHECK_VAL(&e, "q4", "map", 0.0);
	CHECK_VAL(&e, "q4", "num_ret", 0);
	CHECK_VAL(&e, "q4", "num_rel", 1);
	CHECK_VAL(&e, "q4", "ndcg", 0.0);
	CHECK_VAL(&e, "q4", "iprec_at_recall_0.00", 0.0);
	/* q9 is in the run only: never counted. */
	ck_assert(!has(&e, "q9", "map"));
	evalDone(&e);

	/* With -c even an empty run is evaluated (all 0), where without it
	 * no query has both results and judgements: an error. */
	EXPECT_OK(&e, QRELS_A, "", &o, "map", "num_q");
	CHECK_VAL(&e, NULL, "num_q", 4);
	CHECK_VAL(&e, NULL, "map", 0.0);
	evalDone(&e);
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_INPUT, "no query has both results", QRELS_A,
		    "q9 Q0 k 1 1 r\n", NULL);
}
END_TEST

START_TEST(test_max_results)
{
	graf_eval_options o;
	Eval e;

	graf_eval_options_init(&o);
	o.max_results = 3;
	EXPECT_OK(&e, QRELS_A, RUN_A, &o, NULL);
	/*
	 * -M 3 keeps the 3 best-scored results of each query (after
	 * ranking, not the first 3 lines): q1 d1 d2 d5; q2 and q3 keep 2.
	 * q1: num_ret 3, num_rel_ret 1, AP = (1/1)/3, P_5 = 1/5.
	 * num_ret = 3 + 2 + 2 = 7; map = (1/3 + .5 + 0)/3.
	 */
	CHECK_VAL(&e, "q1", "num_ret", 3);
	CHECK_VAL(&e, "q1", "num_rel_ret", 1);
	CHECK_VAL(&e, "q1", "map", 1.0 / 3);
	CHECK_VAL(&e, "q1", "P_5", 1.0 / 5);
	CHECK_VAL(&e, NULL, "num_ret", 7);
	CHECK_VAL(&e, NULL, "map", (1.0 / 3 + 0.5) / 3);
	evalDone(&e);
}
END_TEST

START_TEST(test_relevance_level)
{
	graf_eval_options o;
	Eval e;

	graf_eval_options_init(&o);
	o.relevance_level = 2;
	EXPECT_OK(&e, QRELS_A, RUN_A, &o, NULL);
	/*
	 * -l 2: in q1 only d3 (2) is relevant, R = 1; d1 d2 d4 d6 are judged
	 * non-relevant (N = 4).  Ranked d1 d2 d5 d3 d6: d3 at rank 4:
	 * AP = 1/4; Rprec (top 1) 0; recip_rank 1/4;
	 * bpref: d3 has 2 judged non-relevant above: 1 - min(2,1)/min(4,1) = 0.
	 * q2, q3: R = 0: all 0.  num_rel = 1, num_rel_ret = 1.
	 */
	CHECK_VAL(&e, "q1", "num_rel", 1);
	CHECK_VAL(&e, "q1", "map", 0.25);
	CHECK_VAL(&e, "q1", "Rprec", 0.0);
	CHECK_VAL(&e, "q1", "recip_rank", 0.25);
	CHECK_VAL(&e, "q1", "bpref", 0.0);
	CHECK_VAL(&e, "q2", "map", 0.0);
	CHECK_VAL(&e, NULL, "num_rel", 1);
	CHECK_VAL(&e, NULL, "num_rel_ret", 1);
	CHECK_VAL(&e, NULL, "map", 0.25 / 3);
	evalDone(&e);

	/* -l 0: every judged document is relevant, even those judged 0:
	 * q2: b (0) and a (1) both relevant, at ranks 1 2: AP 1. */
	o.relevance_level = 0;
	EXPECT_OK(&e, QRELS_A, RUN_A, &o, "map", "num_rel");
	CHECK_VAL(&e, "q2", "num_rel", 2);
	CHECK_VAL(&e, "q2", "map", 1.0);
	evalDone(&e);
}
END_TEST

START_TEST(test_no_relevant)
{
	Eval e;

	/* A query whose judgements are all 0 is evaluated and scores 0 on
	 * every measure (it counts in num_q: trec_eval does the same). */
	EXPECT_OK(&e, "z 0 a 0\nz 0 b 0\n", "z Q0 a 1 2 r\nz Q0 b 2 1 r\n", NULL, "all_trec");
	CHECK_VAL(&e, NULL, "num_q", 1);
	CHECK_VAL(&e, NULL, "map", 0.0);
	CHECK_VAL(&e, NULL, "gm_map", 0.00001);
	CHECK_VAL(&e, NULL, "bpref", 0.0);
	CHECK_VAL(&e, NULL, "iprec_at_recall_0.00", 0.0);
	CHECK_VAL(&e, NULL, "ndcg", 0.0);
	CHECK_VAL(&e, NULL, "ndcg_cut_5", 0.0);
	CHECK_VAL(&e, NULL, "recall_5", 0.0);
	CHECK_VAL(&e, NULL, "set_F", 0.0);
	CHECK_VAL(&e, NULL, "num_nonrel_judged_ret", 2);
	evalDone(&e);
}
END_TEST

/* ------------------------------------------------------- measure choice -- */

START_TEST(test_measure_choice)
{
	Eval e;

	/* Results come in trec_eval's order whatever the order of -m. */
	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "ndcg_cut.5", "P.10,5", "map");
	ck_assert_uint_eq(graf_eval_result_n_values(e.res), 4);
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 0), "map");
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 1), "P_5");
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 2), "P_10");
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 3), "ndcg_cut_5");
	evalDone(&e);

	/* A measure named twice keeps its first parameters (trec_eval). */
	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "P.10", "P.5", "P");
	ck_assert_uint_eq(graf_eval_result_n_values(e.res), 1);
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 0), "P_10");
	evalDone(&e);

	/* Recall levels are named with 2 decimals. */
	EXPECT_OK(&e, QRELS_A, RUN_A, NULL, "iprec_at_recall.0.25,1");
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 0), "iprec_at_recall_0.25");
	ck_assert_str_eq(graf_eval_result_value_name(e.res, 1), "iprec_at_recall_1.00");
	evalDone(&e);

	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "unknown measure 'P_5'", QRELS_A, RUN_A, NULL,
		    "P_5");
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "'infAP' is not implemented", QRELS_A, RUN_A,
		    NULL, "infAP");
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "empty parameter list", QRELS_A, RUN_A, NULL,
		    "P.");
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "invalid cutoffs '0,5'", QRELS_A, RUN_A, NULL,
		    "P.0,5");
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "invalid cutoffs '5,x'", QRELS_A, RUN_A, NULL,
		    "P.5,x");
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "duplicate cutoffs", QRELS_A, RUN_A, NULL,
		    "recall.10,5,10");
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "measure 'map' takes no parameters", QRELS_A,
		    RUN_A, NULL, "map.5");
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "measure 'ndcg' takes no parameters", QRELS_A,
		    RUN_A, NULL, "ndcg.1=3");
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "group 'official' takes no parameters",
		    QRELS_A, RUN_A, NULL, "official.5");
}
END_TEST

START_TEST(test_bad_options)
{
	graf_eval_options o;
	Eval e;

	graf_eval_options_init(&o);
	o.relevance_level = -1;
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "relevance level -1", QRELS_A, RUN_A, &o);
	graf_eval_options_init(&o);
	o.max_results = -5;
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_ARGUMENT, "depth -5", QRELS_A, RUN_A, &o);
}
END_TEST

/* ---------------------------------------------------------------- reading -- */

START_TEST(test_read_format)
{
	Eval e;

	/*
	 * Comments, blank lines, CRLF line ends, tabs, extra run columns and a
	 * last line without a newline are all accepted.  The run's name is the
	 * last line's (get_trec_results.c keeps the last).
	 */
	EXPECT_OK(&e,
		  "# judgements\r\n\r\nq\t0\ta\t1\r\n  q 0 b 0\r\n",
		  "# a run\n\nq Q0 b 1 2.5 first extra columns\n\n"
		  "q\tQ0\ta\t2\t1e-3\tlast",
		  NULL, "runid", "num_ret", "map");
	CHECK_VAL(&e, "q", "num_ret", 2);
	CHECK_VAL(&e, "q", "map", 0.5);
	ck_assert_str_eq(graf_eval_run_id(e.run), "last");
	ck_assert_uint_eq(graf_eval_qrels_n_queries(e.qrels), 1);
	ck_assert_uint_eq(graf_eval_run_n_queries(e.run), 1);
	evalDone(&e);
}
END_TEST

START_TEST(test_read_errors)
{
	static const char with_nul[] = "q Q0 a 1 1 r\nq Q0 b\0 2 1 r\n";
	graf_eval_qrels *q = (graf_eval_qrels *)1;
	graf_eval_run *r = (graf_eval_run *)1;
	char *err = NULL;
	Eval e;

	EXPECT_FAIL(&e, GRAF_STATUS_BAD_INPUT,
		    "'qrels' line 2: expected 4 columns (query, iteration, document, "
		    "relevance), found 3", "q 0 a 1\nq 0 b\n", RUN_A, NULL);
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_INPUT, "'qrels' line 1: expected 4 columns",
		    "q 0 a 1 extra\n", RUN_A, NULL);
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_INPUT, "'qrels' line 3: relevance 'high' is not an integer",
		    "q 0 a 1\n\nq 0 b high\n", RUN_A, NULL);
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_INPUT, "'qrels' has no judgements", "# nothing\n\n",
		    RUN_A, NULL);
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_INPUT, "'run' line 2: expected 6 columns",
		    QRELS_A, "q1 Q0 d1 1 1 r\nq1 Q0 d2 2 1\n", NULL);
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_INPUT, "'run' line 1: score 'abc' is not a number",
		    QRELS_A, "q1 Q0 d1 1 abc r\n", NULL);
	EXPECT_FAIL(&e, GRAF_STATUS_BAD_INPUT, "score 'nan' is not a number",
		    QRELS_A, "q1 Q0 d1 1 nan r\n", NULL);

	/* A NUL byte: parse takes lengths, so it can see one. */
	ck_assert_int_eq(graf_eval_run_parse("run", with_nul, sizeof with_nul - 1, &r, &err),
			 GRAF_STATUS_BAD_INPUT);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err, "'run' line 2: contains a NUL byte");
	free(err);

	/* Missing files: GRAF_STATUS_IO, the message names the file. */
	ck_assert_int_eq(graf_eval_qrels_read("/nonexistent/qrels.txt", &q, &err), GRAF_STATUS_IO);
	ck_assert_ptr_null(q);
	ck_assert_str_eq(err, "cannot open '/nonexistent/qrels.txt': No such file or directory");
	free(err);
	ck_assert_int_eq(graf_eval_run_read("/nonexistent/run", &r, &err), GRAF_STATUS_IO);
	ck_assert_ptr_null(r);
	free(err);
	/* A directory opens but cannot be read. */
	ck_assert_int_eq(graf_eval_run_read("/", &r, &err), GRAF_STATUS_IO);
	ck_assert_ptr_nonnull(strstr(err, "cannot read '/'"));
	free(err);
	/* The error message is optional. */
	ck_assert_int_eq(graf_eval_run_read("/nonexistent/run", &r, NULL), GRAF_STATUS_IO);
	graf_eval_qrels_free(NULL);
	graf_eval_run_free(NULL);
	graf_eval_result_free(NULL);
}
END_TEST

/* ---------------------------------------------------------------- output -- */

static const char QRELS_OUT[] = "1 0 a 1\n1 0 b 0\n2 0 c 1\n";
static const char RUN_OUT[] = "1 Q0 a 1 2.0 tag\n1 Q0 b 2 1.0 tag\n2 Q0 d 1 1.0 tag\n"
			      "2 Q0 c 2 0.5 tag\n";

START_TEST(test_write_text)
{
	Eval e;
	char *s;

	/*
	 * Query 1: a (relevant) first: AP 1, P_2 = 1/2.  Query 2: c second:
	 * AP 1/2, P_2 = 1/2.  map .75; gm_map sqrt(1 * .5) = 0.7071.
	 * trec_eval's layout: name padded to 22, TAB, query, TAB, value
	 * (%6.4f; counts as integers).  With -q, each query's values (not
	 * runid, num_q, gm_map) first, then runid and the summary.
	 */
	EXPECT_OK(&e, QRELS_OUT, RUN_OUT, NULL, "map", "num_ret", "gm_map", "P.2", "num_q",
		  "runid");
	s = written(&e, GRAF_EVAL_FORMAT_TEXT, 1);
	ck_assert_str_eq(s,
			 "num_ret               \t1\t2\n"
			 "map                   \t1\t1.0000\n"
			 "P_2                   \t1\t0.5000\n"
			 "num_ret               \t2\t2\n"
			 "map                   \t2\t0.5000\n"
			 "P_2                   \t2\t0.5000\n"
			 "runid                 \tall\ttag\n"
			 "num_q                 \tall\t2\n"
			 "num_ret               \tall\t4\n"
			 "map                   \tall\t0.7500\n"
			 "gm_map                \tall\t0.7071\n"
			 "P_2                   \tall\t0.5000\n");
	free(s);
	/* Without -q only the summary; without runid asked, no runid line. */
	evalDone(&e);
	EXPECT_OK(&e, QRELS_OUT, RUN_OUT, NULL, "map");
	s = written(&e, GRAF_EVAL_FORMAT_TEXT, 0);
	ck_assert_str_eq(s, "map                   \tall\t0.7500\n");
	free(s);
	evalDone(&e);
}
END_TEST

START_TEST(test_write_json)
{
	json_error_t jerr;
	json_t *root, *all, *queries;
	Eval e;
	char *s;

	EXPECT_OK(&e, QRELS_OUT, RUN_OUT, NULL, "official");
	s = written(&e, GRAF_EVAL_FORMAT_JSON, 1);
	root = json_loads(s, 0, &jerr);
	ck_assert_msg(root != NULL, "invalid JSON: %s", jerr.text);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "format_version")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(root, "runid")), "tag");
	all = json_object_get(root, "all");
	ck_assert(json_is_integer(json_object_get(all, "num_q")));
	ck_assert_int_eq(json_integer_value(json_object_get(all, "num_ret")), 4);
	ck_assert_double_eq_tol(json_real_value(json_object_get(all, "map")), 0.75, TOL);
	ck_assert_double_eq_tol(json_real_value(json_object_get(all, "gm_map")), sqrt(0.5), TOL);
	queries = json_object_get(root, "queries");
	ck_assert_uint_eq(json_object_size(queries), 2);
	ck_assert_double_eq_tol(json_real_value(json_object_get(json_object_get(queries, "2"),
								 "map")), 0.5, TOL);
	ck_assert_ptr_null(json_object_get(json_object_get(queries, "1"), "gm_map"));
	json_decref(root);
	free(s);

	/* Without per-query values, no "queries". */
	s = written(&e, GRAF_EVAL_FORMAT_JSON, 0);
	root = json_loads(s, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	ck_assert_ptr_null(json_object_get(root, "queries"));
	json_decref(root);
	free(s);
	evalDone(&e);
}
END_TEST

START_TEST(test_measure_list)
{
	const graf_eval_measure_info *m = graf_eval_measure_list();
	size_t n = 0, official = 0;

	for (; m[n].name; n++)
		official += m[n].official != 0;
	ck_assert_uint_eq(n, 21);
	ck_assert_uint_eq(official, 12);
	ck_assert_str_eq(m[0].name, "runid");
	ck_assert_str_eq(m[11].params, "5,10,15,20,30,100,200,500,1000");
}
END_TEST

/* ------------------------------------------------------------ shared data -- */

/*
 * The judgements of a real collection used as a run, scored by their own
 * relevance: a perfect ranking, whatever the ties.  Every relevant document
 * comes first, so map, Rprec, recip_rank and nDCG are 1 exactly, bpref 1,
 * and set_recall 1.  With -l 2 the queries judged only 1 have no relevant
 * document left and score 0, the others still 1: map = (queries with a
 * judgement >= 2) / num_q.  Reads $GRAF_SHARED/data/cranfield/qrels.txt;
 * passes trivially when it is absent.
 */
START_TEST(test_shared_perfect_run)
{
	const char *shared = getenv("GRAF_SHARED");
	graf_eval_options o;
	char path[4096], *run = NULL, *err = NULL;
	char q[256], d[256], last[256] = "";
	size_t run_len = 0, n_q = 0, n_q_high = 0;
	graf_eval_qrels *qrels = NULL;
	graf_eval_run *r = NULL;
	graf_eval_result *res = NULL;
	bool high = false;
	FILE *f, *out;
	long rel;
	double v;

	snprintf(path, sizeof path, "%s/data/cranfield/qrels.txt", shared ? shared : "../shared");
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "check_eval: %s absent, skipping the shared-data test\n", path);
		return;
	}
	out = open_memstream(&run, &run_len);
	ck_assert_ptr_nonnull(out);
	/* The file is grouped by query: count the queries, and those with a
	 * judgement >= 2. */
	while (fscanf(f, "%255s %*s %255s %ld", q, d, &rel) == 3) {
		if (strcmp(q, last) != 0) {
			n_q++;
			n_q_high += high;
			high = false;
			snprintf(last, sizeof last, "%s", q);
		}
		high = high || rel >= 2;
		fprintf(out, "%s Q0 %s 0 %ld perfect\n", q, d, rel);
	}
	n_q_high += high;
	fclose(f);
	fclose(out);

	ck_assert_int_eq(graf_eval_qrels_read(path, &qrels, &err), GRAF_STATUS_OK);
	ck_assert_uint_eq(graf_eval_qrels_n_queries(qrels), n_q);
	ck_assert_int_eq(graf_eval_run_parse("perfect", run, run_len, &r, &err), GRAF_STATUS_OK);
	graf_eval_options_init(&o);
	o.measures = (const char *const[]){ "all_trec" };
	o.n_measures = 1;
	ck_assert_int_eq(graf_eval_compute(qrels, r, &o, &res, &err), GRAF_STATUS_OK);
	ck_assert_int_eq(graf_eval_result_get(res, NULL, "num_q", &v), GRAF_STATUS_OK);
	ck_assert_double_eq(v, (double)n_q);
	for (const char *const *name = (const char *const[]){ "map", "Rprec", "bpref",
			"recip_rank", "ndcg", "ndcg_cut_10", "set_recall", NULL }; *name; name++) {
		ck_assert_int_eq(graf_eval_result_get(res, NULL, *name, &v), GRAF_STATUS_OK);
		ck_assert_msg(fabs(v - 1.0) < TOL, "%s = %f on a perfect run", *name, v);
	}
	graf_eval_result_free(res);
	o.relevance_level = 2;
	ck_assert_int_eq(graf_eval_compute(qrels, r, &o, &res, &err), GRAF_STATUS_OK);
	ck_assert_int_eq(graf_eval_result_get(res, NULL, "map", &v), GRAF_STATUS_OK);
	ck_assert_uint_lt(n_q_high, n_q);  /* some queries are judged only 1 */
	ck_assert_double_eq_tol(v, (double)n_q_high / (double)n_q, TOL);
	graf_eval_result_free(res);
	graf_eval_run_free(r);
	graf_eval_qrels_free(qrels);
	free(run);
}
END_TEST

Suite *
eval_suite(void)
{
	Suite *s = suite_create("eval");
	TCase *tc;

	tc = tcase_create("official");
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_map);
	tcase_add_test(tc, test_gm_map);
	tcase_add_test(tc, test_rprec);
	tcase_add_test(tc, test_bpref);
	tcase_add_test(tc, test_bpref_cap);
	tcase_add_test(tc, test_recip_rank);
	tcase_add_test(tc, test_iprec_at_recall);
	tcase_add_test(tc, test_iprec_interpolation);
	tcase_add_test(tc, test_P);
	tcase_add_test(tc, test_official_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("more");
	tcase_add_test(tc, test_recall);
	tcase_add_test(tc, test_ndcg);
	tcase_add_test(tc, test_ndcg_cut);
	tcase_add_test(tc, test_graded);
	tcase_add_test(tc, test_map_cut_success);
	tcase_add_test(tc, test_set_measures);
	tcase_add_test(tc, test_all_trec);
	suite_add_tcase(s, tc);

	tc = tcase_create("edge");
	tcase_add_test(tc, test_ties_and_rank_column);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_complete);
	tcase_add_test(tc, test_max_results);
	tcase_add_test(tc, test_relevance_level);
	tcase_add_test(tc, test_no_relevant);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_measure_choice);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_read_format);
	tcase_add_test(tc, test_read_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("output");
	tcase_add_test(tc, test_write_text);
	tcase_add_test(tc, test_write_json);
	tcase_add_test(tc, test_measure_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("shared");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_shared_perfect_run);
	suite_add_tcase(s, tc);
	return s;
}
