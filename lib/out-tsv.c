/*
 * out-tsv.c - tab-separated values, one line per hit:
 *
 *   [qid]  rank  score  article  paragraph  title  text
 *
 * qid only for queries read from a file.  Context paragraphs (-C) are lines
 * of their own whose rank and score are "-".  In fields, backslash, tab,
 * newline and carriage return are written \\ \t \n \r, so that every record
 * is one line and cut(1) and awk -F'\t' read it safely.
 */
#include "config.h"

#include <string.h>

#include "out.h"

/* Write S[0..LEN) escaped: the one place TSV escapes. */
static void
tsvField(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '\\': fputs("\\\\", out); break;
		case '\t': fputs("\\t", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		default: fputc(s[i], out);
		}
	}
}

static void
tsvString(FILE *out, const char *s)
{
	tsvField(out, s, strlen(s));
}

/* One record: RANK and SCORE are already text ("-" for context). */
static void
tsvRecord(graf_output *o, const char *rank, const char *score, const graf_hit *hit,
	  long paragraph, const char *text, size_t text_len)
{
	if (o->qid) {
		tsvString(o->out, o->qid);
		fputc('\t', o->out);
	}
	fprintf(o->out, "%s\t%s\t", rank, score);
	tsvString(o->out, hit->docid);
	fprintf(o->out, "\t%ld\t", paragraph);
	tsvString(o->out, hit->title);
	fputc('\t', o->out);
	tsvField(o->out, text, text_len);
	fputc('\n', o->out);
}

static void
tsvHit(graf_output *o, const graf_hit *hit)
{
	char rank[32], score[32];

	snprintf(rank, sizeof rank, "%ld", hit->rank);
	graf_format_score(hit->score, score);
	for (size_t i = 0; i < hit->n_before; i++)
		tsvRecord(o, "-", "-", hit, hit->before[i].paragraph, hit->before[i].text,
			  hit->before[i].text_len);
	tsvRecord(o, rank, score, hit, hit->paragraph, hit->text, hit->text_len);
	for (size_t i = 0; i < hit->n_after; i++)
		tsvRecord(o, "-", "-", hit, hit->after[i].paragraph, hit->after[i].text,
			  hit->after[i].text_len);
}

/* [qid TAB] count */
static void
tsvCount(graf_output *o, long count)
{
	if (o->qid) {
		tsvString(o->out, o->qid);
		fputc('\t', o->out);
	}
	fprintf(o->out, "%ld\n", count);
}

static const out_vtable tsv_vtable = { NULL, tsvHit, tsvCount, NULL, NULL };

bool
out_tsv_init(graf_output *o)
{
	o->vt = &tsv_vtable;
	return true;
}
