/*
 * out-json.c - JSON Lines: one object per hit, nothing else on stdout.
 *
 *   {"format_version": 1, "query": "export controls", "qid": "q1", "rank": 1,
 *    "score": 3.437, "article": "corpus/x.txt", "path": "corpus/x.txt",
 *    "title": "...", "paragraph": 2, "text": "...", "matches": [[310, 317], ...],
 *    "before": [{"paragraph": 1, "text": "..."}], "after": [...]}
 *
 * "qid" appears only for queries read from a file, "before"/"after" only
 * with context.  Offsets in "matches" are bytes of the UTF-8 "text".  The
 * layout is documented in graf-search(1) and kept stable
 * (GRAF_OUTPUT_FORMAT_VERSION).  jansson does the encoding.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "out.h"

/*
 * S as a JSON string.  Paths and document ids come from file names and
 * collection files, which need not be UTF-8 (jansson refuses such strings,
 * and the hit would vanish from the output): each byte that does not start
 * a valid UTF-8 character is written as U+FFFD.  NULL when out of memory.
 */
static json_t *
jsonText(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *copy;
	json_t *j;

	if (grafi_utf8_valid(s, n))
		return json_string(s);
	copy = malloc(3 * n + 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t k = 1;

		while (k <= 4 && i + k <= n && !grafi_utf8_valid(s + i, k))
			k++;
		if (k <= 4 && i + k <= n) {
			memcpy(copy + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(copy + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	copy[o] = '\0';
	j = json_string(copy);
	free(copy);
	return j;
}

/* The context paragraphs P[0..N) as an array of {paragraph, text}. */
static json_t *
jsonParagraphs(const graf_paragraph *p, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:s%}", "paragraph",
						   (json_int_t)p[i].paragraph, "text",
						   p[i].text, p[i].text_len));
	return a;
}

static void
jsonHit(graf_output *o, const graf_hit *hit)
{
	json_t *obj, *matches;
	char *line;

	matches = json_array();
	for (size_t i = 0; matches && i < hit->n_matches; i++)
		json_array_append_new(matches, json_pack("[I, I]", (json_int_t)hit->matches[i].start,
							 (json_int_t)hit->matches[i].end));
	obj = json_pack("{s:i, s:s, s:I, s:f, s:o?, s:o?, s:s, s:I, s:s%, s:o}",
			"format_version", GRAF_OUTPUT_FORMAT_VERSION,
			"query", o->query ? o->query : "",
			"rank", (json_int_t)hit->rank,
			"score", hit->score,
			"article", jsonText(hit->docid),
			"path", jsonText(hit->path),
			"title", hit->title,
			"paragraph", (json_int_t)hit->paragraph,
			"text", hit->text, hit->text_len,
			"matches", matches ? matches : json_array());
	if (!obj)
		return;  /* out of memory (the text and title are UTF-8: graf decoded them) */
	if (o->qid)
		json_object_set_new(obj, "qid", json_string(o->qid));
	if (hit->n_before || hit->n_after) {
		json_object_set_new(obj, "before", jsonParagraphs(hit->before, hit->n_before));
		json_object_set_new(obj, "after", jsonParagraphs(hit->after, hit->n_after));
	}
	line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER |
			       JSON_REAL_PRECISION(out_score_digits(hit->score)));
	if (line) {
		fputs(line, o->out);
		fputc('\n', o->out);
		free(line);
	}
	json_decref(obj);
}

/* {"format_version": 1, "query": ..., ["qid": ...,] "count": N} */
static void
jsonCount(graf_output *o, long count)
{
	json_t *obj = json_pack("{s:i, s:s, s:I}", "format_version", GRAF_OUTPUT_FORMAT_VERSION,
				"query", o->query ? o->query : "", "count", (json_int_t)count);
	char *line;

	if (!obj)
		return;
	if (o->qid)
		json_object_set_new(obj, "qid", json_string(o->qid));
	line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line) {
		fputs(line, o->out);
		fputc('\n', o->out);
		free(line);
	}
	json_decref(obj);
}

static const out_vtable json_vtable = { NULL, jsonHit, jsonCount, NULL, NULL };

bool
out_json_init(graf_output *o)
{
	o->vt = &json_vtable;
	return true;
}
