/*
 * out-text.c - the human view of graf-search's results:
 *
 *   1. Nvidia CEO Praises China’s AI Talent, Confirms H20 Chip Sales to Resume
 *      corpus/nvidia-ceo-praises-chinas-ai-talent.txt:3  score 5.321
 *      His remarks come amid ... rare earth exports and export controls.
 *
 * Headline, then file:paragraph (as grep and editors read it) and score,
 * then the paragraph on one line.  With colour, matched words are bold red,
 * as in grep and ripgrep; without, the text is printed as is.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "out.h"

/* ANSI SGR sequences. */
#define SGR_RESET "\033[0m"
#define SGR_BOLD "\033[1m"
#define SGR_PATH "\033[35m"          /* magenta, as ripgrep prints paths */
#define SGR_NUMBER "\033[32m"        /* green, as ripgrep prints line numbers */
#define SGR_MATCH "\033[1;31m"       /* bold red */
#define SGR_DIM "\033[2m"             /* context paragraphs */

typedef struct TextState {
	long hits;                   /* hits written for the current query */
} TextState;

static const char *
textSgr(const graf_output *o, const char *sgr)
{
	return o->opts.color ? sgr : "";
}

static void
textBegin(graf_output *o, const char *query, const char *qid)
{
	TextState *st = o->state;

	st->hits = 0;
	if (qid && !o->opts.count_only)
		fprintf(o->out, "%s# %s: %s%s\n", textSgr(o, SGR_BOLD), qid, query,
			textSgr(o, SGR_RESET));
}

/* Write TEXT with the MATCHES ranges highlighted. */
static void
textWriteHighlighted(graf_output *o, const graf_hit *hit)
{
	size_t at = 0;

	for (size_t i = 0; i < hit->n_matches; i++) {
		const graf_span *m = &hit->matches[i];

		if (m->start < at || m->end > hit->text_len || m->start > m->end)
			continue;  /* never trust offsets to stay in bounds */
		fwrite(hit->text + at, 1, m->start - at, o->out);
		fputs(textSgr(o, SGR_MATCH), o->out);
		fwrite(hit->text + m->start, 1, m->end - m->start, o->out);
		fputs(textSgr(o, SGR_RESET), o->out);
		at = m->end;
	}
	fwrite(hit->text + at, 1, hit->text_len - at, o->out);
}

/* A context paragraph, grep-style: "N- text", dimmed. */
static void
textContext(graf_output *o, const graf_paragraph *p)
{
	fprintf(o->out, "   %s%ld-%s %s", textSgr(o, SGR_NUMBER), p->paragraph,
		textSgr(o, SGR_RESET), textSgr(o, SGR_DIM));
	fwrite(p->text, 1, p->text_len, o->out);
	fprintf(o->out, "%s\n", textSgr(o, SGR_RESET));
}

static void
textHit(graf_output *o, const graf_hit *hit)
{
	TextState *st = o->state;
	bool context = hit->n_before || hit->n_after;

	if (st->hits++)
		fputc('\n', o->out);
	fprintf(o->out, "%s%ld. %s%s\n", textSgr(o, SGR_BOLD), hit->rank,
		hit->title[0] ? hit->title : hit->docid, textSgr(o, SGR_RESET));
	/* "file:paragraph"; a document of a collection file is "file#id:paragraph". */
	fprintf(o->out, "   %s%s%s%s%s:%s%ld%s", textSgr(o, SGR_PATH), hit->path,
		strcmp(hit->docid, hit->path) ? "#" : "", strcmp(hit->docid, hit->path) ? hit->docid : "",
		textSgr(o, SGR_RESET), textSgr(o, SGR_NUMBER), hit->paragraph, textSgr(o, SGR_RESET));
	if (o->opts.show_score)
		fprintf(o->out, "  score %.3f", hit->score);
	fputc('\n', o->out);
	for (size_t i = 0; i < hit->n_before; i++)
		textContext(o, &hit->before[i]);
	/* With context, number every paragraph as grep -n does (":" marks the
	 * hit, "-" the context). */
	if (context)
		fprintf(o->out, "   %s%ld:%s ", textSgr(o, SGR_NUMBER), hit->paragraph,
			textSgr(o, SGR_RESET));
	else
		fputs("   ", o->out);
	textWriteHighlighted(o, hit);
	fputc('\n', o->out);
	for (size_t i = 0; i < hit->n_after; i++)
		textContext(o, &hit->after[i]);
}

static void
textEnd(graf_output *o)
{
	fflush(o->out);
}

static void
textDestroy(graf_output *o)
{
	free(o->state);
}

/* "N", or "qid: N" for queries from a file. */
static void
textCount(graf_output *o, long count)
{
	if (o->qid)
		fprintf(o->out, "%s: %ld\n", o->qid, count);
	else
		fprintf(o->out, "%ld\n", count);
}

static const out_vtable text_vtable = { textBegin, textHit, textCount, textEnd, textDestroy };

bool
out_text_init(graf_output *o)
{
	o->vt = &text_vtable;
	o->state = calloc(1, sizeof(TextState));
	return o->state != NULL;
}
