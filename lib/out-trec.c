/*
 * out-trec.c - a TREC run, the format trec_eval and graf-eval read:
 *
 *   qid Q0 docid rank score tag
 *
 * qid is the query's id from the query file ("1" for a single query); docid
 * the article's id (with --unit article) or "docid:paragraph".  Fields are
 * separated by single spaces, so white space inside an id is written as "_".
 * Context paragraphs are not part of a run and are not written.
 */
#include "config.h"

#include "out.h"

/* Write S with white space replaced: the one place TREC escapes. */
static void
trecId(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ? '_' : *s, out);
}

static void
trecHit(graf_output *o, const graf_hit *hit)
{
	char score[32];

	trecId(o->out, o->qid ? o->qid : "1");
	fputs(" Q0 ", o->out);
	trecId(o->out, hit->docid);
	if (o->opts.unit == GRAF_UNIT_PARAGRAPH)
		fprintf(o->out, ":%ld", hit->paragraph);
	fprintf(o->out, " %ld %s ", hit->rank, graf_format_score(hit->score, score));
	trecId(o->out, o->opts.run_tag && *o->opts.run_tag ? o->opts.run_tag : "graf");
	fputc('\n', o->out);
}

/* A run has no place for a count: write it as a comment-free "qid count"
 * line, which is what a script counting a batch wants. */
static void
trecCount(graf_output *o, long count)
{
	trecId(o->out, o->qid ? o->qid : "1");
	fprintf(o->out, " %ld\n", count);
}

static const out_vtable trec_vtable = { NULL, trecHit, trecCount, NULL, NULL };

bool
out_trec_init(graf_output *o)
{
	o->vt = &trec_vtable;
	return true;
}
