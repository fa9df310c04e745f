/*
 * graf-example.c - embed graf: open an index, run a query, print the hits
 * with their matched words in [brackets].
 *
 *   cc graf-example.c $(pkg-config --cflags --libs graf) -o graf-example
 *   ./graf-example index/graf.db "export controls"
 *
 * Exit status: 0 hits found, 1 none, 2 error.
 */
#include <stdio.h>
#include <stdlib.h>

#include <graf.h>

int
main(int argc, char **argv)
{
	graf_search_options opts;
	graf_index *idx;
	graf_query *q;
	const graf_hit *hit;
	char *err = NULL;
	long hits = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s INDEX QUERY\n", argv[0]);
		return 2;
	}
	if (graf_index_open(argv[1], GRAF_OPEN_READ, NULL, &idx, &err) != GRAF_STATUS_OK) {
		fprintf(stderr, "graf-example: %s\n", err);
		free(err);  /* the message is the caller's to free */
		return 2;
	}

	graf_search_options_init(&opts);
	opts.limit = 5;
	opts.unit = GRAF_UNIT_ARTICLE;  /* each article once, by its best paragraph */
	if (graf_query_run(idx, argv[2], &opts, &q) != GRAF_STATUS_OK) {
		fprintf(stderr, "graf-example: %s\n", graf_index_errmsg(idx));
		graf_index_close(idx);
		return 2;
	}
	while ((hit = graf_query_next(q)) != NULL) {
		size_t at = 0;

		/* Strings in HIT are borrowed until the next graf_query_next(). */
		printf("%ld\t%s:%ld\t%.4f\t%s\n\t", hit->rank, hit->path, hit->paragraph,
		       hit->score, hit->title);
		for (size_t i = 0; i < hit->n_matches; i++) {
			const graf_span *m = &hit->matches[i];

			printf("%.*s[%.*s]", (int)(m->start - at), hit->text + at,
			       (int)(m->end - m->start), hit->text + m->start);
			at = m->end;
		}
		printf("%s\n", hit->text + at);
		hits++;
	}
	if (graf_query_status(q) != GRAF_STATUS_OK) {
		fprintf(stderr, "graf-example: %s\n", graf_index_errmsg(idx));
		hits = -1;
	}
	graf_query_free(q);
	graf_index_close(idx);
	return hits < 0 ? 2 : hits > 0 ? 0 : 1;
}
