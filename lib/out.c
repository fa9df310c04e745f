/*
 * out.c - graf_output: pick the writer for a format, forward the calls.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "out.h"

graf_output *
graf_output_new(graf_format_t format, FILE *out, const graf_output_options *opts)
{
	static bool (*const init[GRAF_FORMAT_LAST])(graf_output *) = {
		[GRAF_FORMAT_TEXT] = out_text_init,
		[GRAF_FORMAT_JSON] = out_json_init,
		[GRAF_FORMAT_TSV] = out_tsv_init,
		[GRAF_FORMAT_TREC] = out_trec_init,
	};
	graf_output *o;

	if ((unsigned)format >= GRAF_FORMAT_LAST)
		return NULL;
	o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->out = out;
	if (opts)
		o->opts = *opts;
	if (!init[format](o)) {
		free(o);
		return NULL;
	}
	return o;
}

void
graf_output_begin(graf_output *o, const char *query, const char *qid)
{
	o->query = query;
	o->qid = qid;
	if (o->vt->begin)
		o->vt->begin(o, query, qid);
}

void
graf_output_hit(graf_output *o, const graf_hit *hit)
{
	o->vt->hit(o, hit);
}

void
graf_output_count(graf_output *o, long count)
{
	o->vt->count(o, count);
}

void
graf_output_end(graf_output *o)
{
	if (o->vt->end)
		o->vt->end(o);
}

void
graf_output_free(graf_output *o)
{
	if (!o)
		return;
	if (o->vt->destroy)
		o->vt->destroy(o);
	free(o);
}

char *
graf_format_score(double value, char buf[32])
{
	/* %.17g always reads back exactly but prints noise (3.4370000000000001);
	 * the first precision that reads back is the shortest exact form. */
	for (int precision = 6; precision <= 17; precision++) {
		snprintf(buf, 32, "%.*g", precision, value);
		if (strtod(buf, NULL) == value)
			break;
	}
	return buf;
}
