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

int
out_score_digits(double value)
{
	/* %.17g always reads back exactly but prints noise (3.4370000000000001);
	 * the first precision that reads back is the shortest exact form.
	 * Scores are sums of logarithms and fractions: they need 15 digits at
	 * least, nearly always 16 or 17, so the search starts at 15 (%g drops
	 * trailing zeros, so shorter values print short at 15 too). */
	char buf[32];

	for (int precision = 15; precision < 17; precision++) {
		snprintf(buf, sizeof buf, "%.*g", precision, value);
		if (strtod(buf, NULL) == value)
			return precision;
	}
	return 17;
}

char *
graf_format_score(double value, char buf[32])
{
	snprintf(buf, 32, "%.*g", out_score_digits(value), value);
	return buf;
}
