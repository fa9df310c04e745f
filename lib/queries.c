/*
 * queries.c - query files for batch runs: "qid<TAB>query" lines, plain
 * lines, or TREC topic files.  The file is read whole (query files are
 * small) and parsed into a list of (qid, text) pairs up front, so that a
 * malformed file fails before any query runs.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graf-private.h"

typedef struct QueryEntry {
	char *qid;
	char *text;
} QueryEntry;

struct graf_query_file {
	QueryEntry *v;
	size_t n, cap, next;
};

void
graf_query_file_close(graf_query_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].qid);
		free(f->v[i].text);
	}
	free(f->v);
	free(f);
}

/* Append a (qid, text) pair, copying QID[0..QLEN) and TEXT[0..TLEN) with
 * white space collapsed and trimmed.  false when out of memory. */
static bool
queriesPush(graf_query_file *f, const char *qid, size_t qlen, const char *text, size_t tlen)
{
	QueryEntry e;
	char *o;

	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 64;
		QueryEntry *nv = realloc(f->v, ncap * sizeof *nv);
		if (!nv)
			return false;
		f->v = nv;
		f->cap = ncap;
	}
	e.qid = strndup(qid, qlen);
	e.text = malloc(tlen + 1);
	if (!e.qid || !e.text) {
		free(e.qid);
		free(e.text);
		return false;
	}
	o = e.text;
	for (size_t i = 0; i < tlen; i++) {
		bool space = text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r';

		if (!space)
			*o++ = text[i];
		else if (o > e.text && o[-1] != ' ')
			*o++ = ' ';
	}
	while (o > e.text && o[-1] == ' ')
		o--;
	*o = '\0';
	f->v[f->n++] = e;
	return true;
}

/* Trim the white space around S[0..*LEN) in place: returns the new start. */
static const char *
queriesTrim(const char *s, size_t *len)
{
	while (*len > 0 && strchr(" \t\r\n", *s)) {
		s++;
		(*len)--;
	}
	while (*len > 0 && strchr(" \t\r\n", s[*len - 1]))
		(*len)--;
	return s;
}

/* The text after "<TAG>" up to the next '<' in TOPIC[0..N), with an optional
 * LABEL ("Number:") removed.  OUT *START, *LEN.  false if there is no TAG. */
static bool
queriesTopicField(const char *topic, size_t n, const char *tag, const char *label,
		  const char **start, size_t *len)
{
	size_t k = strlen(tag);
	const char *p = topic, *end;

	for (; (size_t)(p - topic) + k <= n; p++)
		if (strncasecmp(p, tag, k) == 0)
			break;
	if ((size_t)(p - topic) + k > n)
		return false;
	p += k;
	end = memchr(p, '<', n - (size_t)(p - topic));
	*len = (size_t)((end ? end : topic + n) - p);
	p = queriesTrim(p, len);
	if (*len >= strlen(label) && strncasecmp(p, label, strlen(label)) == 0) {
		p += strlen(label);
		*len -= strlen(label);
		p = queriesTrim(p, len);
	}
	*start = p;
	return true;
}

/* Parse TREC topics in DATA.  On failure, *WHY says what is wrong. */
static graf_status_t
queriesParseTopics(graf_query_file *f, const char *data, size_t len, graf_topic_field_t field,
		   const char **why)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *top = NULL, *close, *num, *text;
		size_t tlen = 0, nlen = 0, qlen = 0;

		for (; p + 5 <= end; p++)
			if (strncasecmp(p, "<top>", 5) == 0) {
				top = p + 5;
				break;
			}
		if (!top)
			break;
		for (close = top; close + 6 <= end && strncasecmp(close, "</top>", 6) != 0; close++)
			;
		if (close + 6 > end)
			close = end;
		tlen = (size_t)(close - top);
		if (!queriesTopicField(top, tlen, "<num>", "Number:", &num, &nlen) || nlen == 0) {
			*why = "a topic without <num>";
			return GRAF_STATUS_BAD_ARGUMENT;
		}
		if (!queriesTopicField(top, tlen, field == GRAF_TOPIC_DESC ? "<desc>" : "<title>",
				       field == GRAF_TOPIC_DESC ? "Description:" : "Topic:",
				       &text, &qlen)) {
			*why = field == GRAF_TOPIC_DESC ? "a topic without <desc>"
							: "a topic without <title>";
			return GRAF_STATUS_BAD_ARGUMENT;
		}
		if (!queriesPush(f, num, nlen, text, qlen))
			return GRAF_STATUS_NOMEM;
		p = close;
	}
	return GRAF_STATUS_OK;
}

/* Parse "qid<TAB>query" and plain lines in DATA. */
static graf_status_t
queriesParseLines(graf_query_file *f, const char *data, size_t len)
{
	size_t at = 0, lineno = 0;

	while (at < len) {
		const char *line = data + at, *nl = memchr(line, '\n', len - at), *tab;
		size_t n = nl ? (size_t)(nl - line) : len - at;
		char num[32];

		at += n + (nl ? 1 : 0);
		lineno++;
		if (strspn(line, " \t\r") >= n)
			continue;
		tab = memchr(line, '\t', n);
		if (tab) {
			size_t qlen = (size_t)(tab - line);
			size_t tlen = n - (size_t)(tab + 1 - line);
			const char *qid = queriesTrim(line, &qlen);

			if (!queriesPush(f, qid, qlen, tab + 1, tlen))
				return GRAF_STATUS_NOMEM;
		} else {
			snprintf(num, sizeof num, "%zu", lineno);
			if (!queriesPush(f, num, strlen(num), line, n))
				return GRAF_STATUS_NOMEM;
		}
	}
	return GRAF_STATUS_OK;
}

/* Read all of FP; malloc'ed into *DATA, *LEN.  0 or an errno value. */
static int
queriesReadAll(FILE *fp, char **data, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return ENOMEM;
	for (;;) {
		size_t r = fread(buf + n, 1, cap - n, fp);

		n += r;
		if (r == 0)
			break;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(fp)) {
		int err = errno ? errno : EIO;

		free(buf);
		return err;
	}
	*data = buf;
	*len = n;
	return 0;
}

graf_status_t
graf_query_file_open(const char *path, graf_topic_field_t field, graf_query_file **out,
		     char **error_message)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *fp = is_stdin ? stdin : fopen(path, "r");
	const char *why = NULL, *p;
	graf_query_file *f = NULL;
	graf_status_t st;
	char *data = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	if (error_message)
		*error_message = NULL;
	if (!fp) {
		err = errno;
		if (error_message)
			*error_message = grafi_strdup_printf("cannot open query file '%s': %s", path,
							     strerror(err));
		return GRAF_STATUS_IO;
	}
	err = queriesReadAll(fp, &data, &len);
	if (!is_stdin)
		fclose(fp);
	if (err) {
		if (error_message)
			*error_message = grafi_strdup_printf("cannot read query file '%s': %s", path,
							     strerror(err));
		return err == ENOMEM ? GRAF_STATUS_NOMEM : GRAF_STATUS_IO;
	}
	f = calloc(1, sizeof *f);
	if (!f) {
		free(data);
		return GRAF_STATUS_NOMEM;
	}
	for (p = data; p < data + len && strchr(" \t\r\n", *p); p++)
		;
	if ((size_t)(data + len - p) >= 5 && strncasecmp(p, "<top>", 5) == 0)
		st = queriesParseTopics(f, data, len, field, &why);
	else
		st = queriesParseLines(f, data, len);
	free(data);
	if (st != GRAF_STATUS_OK) {
		if (error_message)
			*error_message = why ? grafi_strdup_printf("query file '%s': %s", path, why)
					     : strdup("out of memory");
		graf_query_file_close(f);
		return st;
	}
	*out = f;
	return GRAF_STATUS_OK;
}

int
graf_query_file_next(graf_query_file *f, const char **qid, const char **text)
{
	if (f->next >= f->n)
		return 0;
	*qid = f->v[f->next].qid;
	*text = f->v[f->next].text;
	f->next++;
	return 1;
}
