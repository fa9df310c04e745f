/*
 * reader-jsonl.c - JSON Lines collections: one document per line,
 *
 *   {"id": "184", "title": "...", "text": "first paragraph\n\nsecond ..."}
 *
 * as in ../shared/data/<set>/docs.jsonl (BEIR and ir_datasets write the same
 * shape).  "id" is the document's identity (a string or an integer);
 * "title" is optional; paragraphs of "text" are separated by blank lines.
 * A line that is not a JSON object, or has no usable id, is reported with its
 * line number and skipped; blank lines are ignored.  jansson parses.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "graf-private.h"

/* Warn about line LINENO of the file through SINK (printf-style). */
static void __attribute__((format(printf, 3, 4)))
jsonlWarn(const grafi_reader_sink *sink, size_t lineno, const char *fmt, ...)
{
	char msg[512], what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	/* jansson's messages quote the input near the error ("invalid escape
	 * near '\"a\\<CR>'"): control characters would break the line. */
	for (char *c = what; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	snprintf(msg, sizeof msg, "line %zu: %s; record skipped", lineno, what);
	sink->warn(sink->ctx, msg);
}

/* The id of OBJ as text into BUF, or NULL if it has none usable. */
static const char *
jsonlId(json_t *obj, char *buf, size_t size)
{
	json_t *id = json_object_get(obj, "id");

	if (json_is_string(id) && json_string_length(id) > 0)
		return json_string_value(id);
	if (json_is_integer(id)) {
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
		return buf;
	}
	return NULL;
}

/* Index one parsed record; false when the sink failed (status in *ST). */
static bool
jsonlRecord(const grafi_reader_sink *sink, json_t *obj, size_t lineno, graf_status_t *st)
{
	json_t *title = json_object_get(obj, "title"), *text = json_object_get(obj, "text");
	char idbuf[32];
	const char *id = jsonlId(obj, idbuf, sizeof idbuf);
	grafi_article a;
	grafi_doc doc;

	if (!id) {
		jsonlWarn(sink, lineno, "no \"id\" (a non-empty string or an integer)");
		return true;
	}
	if ((title && !json_is_string(title) && !json_is_null(title)) ||
	    (text && !json_is_string(text) && !json_is_null(text))) {
		jsonlWarn(sink, lineno, "\"title\" and \"text\" must be strings (id %s)", id);
		return true;
	}
	switch (grafi_article_from_parts(json_is_string(title) ? json_string_value(title) : "",
					 json_is_string(title) ? json_string_length(title) : 0,
					 json_is_string(text) ? json_string_value(text) : "",
					 json_is_string(text) ? json_string_length(text) : 0, &a)) {
	case GRAFI_READ_OK:
		break;
	case GRAFI_READ_NOMEM:
		*st = GRAF_STATUS_NOMEM;
		return false;
	default:
		jsonlWarn(sink, lineno, "document %s has no text", id);
		return true;
	}
	doc.docid = id;
	doc.title = a.title;
	doc.paragraphs = a.paragraphs;
	doc.n_paragraphs = a.n_paragraphs;
	*st = sink->doc(sink->ctx, &doc);
	grafi_article_release(&a);
	return *st == GRAF_STATUS_OK;
}

size_t
grafi_jsonl_record_end(const char *data, size_t len, bool first)
{
	const char *nl;

	if (first) {
		nl = memchr(data, '\n', len);
		return nl ? (size_t)(nl - data) + 1 : 0;
	}
	while (len > 0 && data[len - 1] != '\n')
		len--;
	return len;
}

/* True if LINE[0..N) is only white space (it need not end with a NUL). */
static bool
jsonlIsBlank(const char *line, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

graf_status_t
grafi_read_jsonl(const char *path, const char *data, size_t len, const grafi_reader_sink *sink)
{
	graf_status_t st = GRAF_STATUS_OK;
	size_t lineno = sink->lines_before, at = 0;

	(void)path;
	while (at < len && st == GRAF_STATUS_OK) {
		const char *line = data + at, *nl = memchr(line, '\n', len - at);
		size_t n = nl ? (size_t)(nl - line) : len - at;
		json_error_t error;
		json_t *obj;

		at += n + (nl ? 1 : 0);
		lineno++;
		if (jsonlIsBlank(line, n))
			continue;
		/* Unchanged since the last run: not parsed at all. */
		if (sink->known && sink->known(sink->ctx, line, n))
			continue;
		/* JSON_REJECT_DUPLICATES: a record with two "text" keys is
		 * ambiguous; JSON_ALLOW_NUL is off, so strings stay C strings. */
		obj = json_loadb(line, n, JSON_REJECT_DUPLICATES, &error);
		if (!obj) {
			jsonlWarn(sink, lineno, "invalid JSON (%s)", error.text);
			continue;
		}
		if (!json_is_object(obj))
			jsonlWarn(sink, lineno, "not a JSON object");
		else
			jsonlRecord(sink, obj, lineno, &st);
		json_decref(obj);
	}
	return st;
}
