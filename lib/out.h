/*
 * out.h - the output writers behind graf_output: one vtable, one
 * implementation per format, chosen once from --format.  Search code hands
 * each hit to the writer and never asks which format is active; each format
 * escapes in exactly one place.
 */
#ifndef GRAF_OUT_H
#define GRAF_OUT_H

#include "graf-private.h"

typedef struct out_vtable {
	/* Start the results of QUERY (QID may be NULL). */
	void (*begin)(graf_output *o, const char *query, const char *qid);
	void (*hit)(graf_output *o, const graf_hit *hit);
	/* The number of matches, instead of hits (--count). */
	void (*count)(graf_output *o, long count);
	void (*end)(graf_output *o);
	/* Free the format's own state (not O itself). */
	void (*destroy)(graf_output *o);
} out_vtable;

/* The part every writer shares; formats keep their state in STATE. */
struct graf_output {
	const out_vtable *vt;
	FILE *out;
	graf_output_options opts;
	const char *query;          /* of the current begin(); borrowed */
	const char *qid;            /* of the current begin(); borrowed, may be NULL */
	void *state;
};

/* Digits (15 to 17) that print VALUE exactly and no more. */
int out_score_digits(double value);

/* Constructors: fill O's vtable (and state); false when out of memory. */
bool out_text_init(graf_output *o);
bool out_json_init(graf_output *o);
bool out_tsv_init(graf_output *o);
bool out_trec_init(graf_output *o);

#endif /* GRAF_OUT_H */
