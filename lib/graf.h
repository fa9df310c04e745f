/*
 * graf.h - the public interface of libgraf, paragraph-level full-text search
 * over articles, stored in an SQLite FTS5 index with Snowball stemming.
 *
 * This is the only header graf's programs include, and the only one that is
 * installed.  Conventions:
 *   - Every function that can fail returns graf_status_t; GRAF_STATUS_OK is 0.
 *     graf_status_to_string() names a status, graf_index_errmsg() gives the
 *     detailed message of the last failure on a handle.
 *   - Handles are opaque.  A constructor sets its OUT pointer only on
 *     success; on failure the OUT pointer is set to NULL.  Destructors accept
 *     NULL.
 *   - Strings returned by the library are borrowed: they stay valid until the
 *     call named in the function's comment, and the caller never frees them,
 *     except where a comment says "malloc'ed, caller frees".
 *   - The library never prints and never exits.
 *   - A handle is used by one thread at a time.
 *
 * Typical use:
 *
 *     graf_index *idx;
 *     char *err;
 *     if (graf_index_open("index/graf.db", GRAF_OPEN_READ, NULL, &idx, &err)) {
 *         fprintf(stderr, "%s\n", err); free(err); return 2;
 *     }
 *     graf_search_options opts;
 *     graf_search_options_init(&opts);
 *     graf_query *q;
 *     if (graf_query_run(idx, "export controls", &opts, &q) == GRAF_STATUS_OK) {
 *         const graf_hit *hit;
 *         while ((hit = graf_query_next(q)))
 *             printf("%ld %s:%ld %s\n", hit->rank, hit->path, hit->paragraph, hit->text);
 *         graf_query_free(q);
 *     }
 *     graf_index_close(idx);
 */
#ifndef GRAF_H
#define GRAF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sqlite3;

/* ---------------------------------------------------------------- status -- */

typedef enum graf_status {
	GRAF_STATUS_OK = 0,
	GRAF_STATUS_NOMEM,           /* out of memory */
	GRAF_STATUS_IO,              /* a file could not be read or written */
	GRAF_STATUS_NO_INDEX,        /* the index file does not exist */
	GRAF_STATUS_BAD_INDEX,       /* not a graf index, or damaged */
	GRAF_STATUS_INDEX_VERSION,   /* made by another version of graf */
	GRAF_STATUS_BUSY,            /* another process holds the index */
	GRAF_STATUS_BAD_QUERY,       /* the query cannot be run */
	GRAF_STATUS_BAD_ARGUMENT,    /* an option or argument is invalid */
	GRAF_STATUS_READ_ONLY,       /* the handle or the file is read-only */
	GRAF_STATUS_FULL,            /* the disk (or the database) is full */
	GRAF_STATUS_INTERRUPTED,     /* graf_index_interrupt() was called */
	GRAF_STATUS_SQLITE,          /* an unexpected SQLite error */
	GRAF_STATUS_INTERNAL,        /* a bug in graf */
	GRAF_STATUS_BAD_INPUT,       /* an input file (qrels, run) is malformed */
	GRAF_STATUS_LAST
} graf_status_t;

/*
 * A short, constant description of a status ("out of memory").
 * @retval never NULL; static storage.
 */
const char *graf_status_to_string(graf_status_t status);

/* The library's version, "MAJOR.MINOR.PATCH"; static storage. */
const char *graf_version(void);

/* ----------------------------------------------------------------- index -- */

typedef struct graf_index graf_index;

typedef enum graf_open_mode {
	GRAF_OPEN_READ = 0,   /* search only; the file must exist */
	GRAF_OPEN_WRITE,      /* search and update; created when missing */
	GRAF_OPEN_LAST
} graf_open_mode_t;

/* Snowball language used when an index is created and none is given. */
#define GRAF_DEFAULT_LANGUAGE "english"

/*
 * Open (or, in GRAF_OPEN_WRITE mode, create) the index at PATH.
 *
 * @param path      the database file, e.g. "index/graf.db"
 * @param mode      GRAF_OPEN_READ or GRAF_OPEN_WRITE
 * @param language  Snowball language for a new index (NULL: "english").  For
 *                  an existing index it must be NULL or the index's own
 *                  language, otherwise GRAF_STATUS_BAD_ARGUMENT.
 * @param out       OUT: the handle, on success; NULL on failure
 * @param error_message  OUT, optional: on failure a malloc'ed one-line
 *                  message naming the file; the caller frees it.  NULL on
 *                  success.
 * @retval GRAF_STATUS_NO_INDEX      (read mode) the file does not exist
 * @retval GRAF_STATUS_BAD_INDEX     not a graf index, or damaged
 * @retval GRAF_STATUS_INDEX_VERSION written by an incompatible graf
 * @retval GRAF_STATUS_BAD_ARGUMENT  unknown language, or a language clash
 */
graf_status_t graf_index_open(const char *path, graf_open_mode_t mode,
			      const char *language, graf_index **out,
			      char **error_message);

/* Close the index and free everything that belongs to it (its queries
 * included).  NULL is a no-op. */
void graf_index_close(graf_index *idx);

/*
 * The message of the last failure on IDX: one line, no trailing newline.
 * Valid until the next call on IDX.  "" when nothing failed.
 */
const char *graf_index_errmsg(const graf_index *idx);

/* The index's Snowball language; valid until graf_index_close(). */
const char *graf_index_language(const graf_index *idx);

/* The index's file name as given to graf_index_open(). */
const char *graf_index_path(const graf_index *idx);

/*
 * Map the whole index file into memory now, for a process about to run
 * many queries (graf-search --queries does): otherwise each first touch of
 * a part of the memory-mapped file costs a page fault in the middle of a
 * query, which makes most of the slowest queries of a fresh process.  It
 * costs about 5 to 10 ms per 100 MB of index held in the system's page
 * cache, and more when the file has to be read from disk; it adds nothing
 * to the process's private memory (the pages are the page cache's).  Only
 * the first GiB of an index is memory-mapped.  On Linux before 5.14, and
 * where SQLite cannot map the file, it is at most a read-ahead hint.
 * It also makes, in private memory, the buffers that queries of common
 * words need (four, each sized by the index's paragraph count and at most
 * 16 MiB: 6.2 MB each for the news benchmark's index; kept for the
 * handle's life), so that fewer queries of the batch wait for fresh
 * memory: about 1 ms more there.
 * Nothing can fail: it is an optimisation, and a search works without it.
 */
void graf_index_preload(graf_index *idx);

/*
 * The underlying SQLite connection, for programs that want to read the
 * index tables directly.  graf's tokenizer and functions are registered on
 * it.  Owned by IDX: do not close it.
 */
struct sqlite3 *graf_index_db(graf_index *idx);

/* --------------------------------------------------------------- update -- */

/* What happened to one article in an update. */
typedef enum graf_change {
	GRAF_CHANGE_ADDED = 0,
	GRAF_CHANGE_UPDATED,
	GRAF_CHANGE_REMOVED,
	GRAF_CHANGE_UNCHANGED,
	GRAF_CHANGE_SKIPPED,   /* could not be indexed; see the warning */
	GRAF_CHANGE_LAST
} graf_change_t;

/* Totals of one update run. */
typedef struct graf_update_stats {
	long added;             /* articles new to the index */
	long updated;           /* articles whose text changed */
	long removed;           /* articles whose file is gone */
	long unchanged;         /* articles left as they were */
	long skipped;           /* files that could not be indexed */
	long warnings;          /* warnings reported through the callback */
	long paragraphs;        /* paragraphs written by this run */
	int64_t bytes;          /* bytes of input read by this run */
	double seconds;         /* wall time of the run */
} graf_update_stats;

/* Progress of a run, reported after each file. */
typedef struct graf_progress {
	long files_done;        /* files examined so far */
	long files_total;       /* files found by the walk */
	int64_t bytes_done;     /* bytes of those files */
	int64_t bytes_total;    /* bytes of all files found */
} graf_progress;

/* Input formats graf-index reads. */
typedef enum graf_input {
	GRAF_INPUT_AUTO = 0,    /* from the file name: *.jsonl, *.trec, *.sgml, else text */
	GRAF_INPUT_TEXT,        /* one article per file (*.txt) */
	GRAF_INPUT_JSONL,       /* JSON Lines: {"id", "title", "text"} per line */
	GRAF_INPUT_TREC,        /* TREC SGML: <DOC><DOCNO>..</DOCNO>..<TEXT>..</TEXT></DOC> */
	GRAF_INPUT_LAST
} graf_input_t;

typedef struct graf_update_options {
	/* Called for each problem that does not stop the run: a file that is
	 * skipped, a file read as Windows-1252.  PATH is the file concerned,
	 * MESSAGE one line.  Both are borrowed for the call. */
	void (*warning)(void *ctx, const char *path, const char *message);
	/* Called for each article added, updated, removed or (only when
	 * report_unchanged is set) unchanged, and for each file skipped.
	 * PATH is the file, DOCID the article's identity (the path again, for
	 * a text file; NULL for a skipped file). */
	void (*change)(void *ctx, graf_change_t change, const char *path, const char *docid);
	/* Called after each file; the caller decides how often to show it. */
	void (*progress)(void *ctx, const graf_progress *progress);
	void *ctx;              /* passed to the callbacks */
	int report_unchanged;   /* also call change() for unchanged articles */
	int busy_timeout_ms;    /* wait this long for another writer (0: 5000) */
	graf_input_t input;     /* format of the files named in PATHS; files
				 * found in directories go by their name */
} graf_update_options;

/*
 * Bring the index up to date with the files under PATHS.
 *
 * Directories are walked recursively for "*.txt" (articles), "*.jsonl" and
 * "*.trec" / "*.sgml" (collections, many documents per file); files named
 * explicitly are read whatever their name, in options->input format (by
 * default from the name, text when the name says nothing).  A collection
 * document's identity is its id within its file.  Each file is compared with what
 * the index holds: new files are added, changed ones replaced, unchanged ones
 * skipped cheaply (size and modification time, then a content hash).  Indexed
 * files under PATHS that no longer exist are removed; articles under other
 * paths are left alone.  The whole run is one transaction: if it fails or is
 * interrupted, the index is exactly what it was before.
 *
 * @param idx      opened with GRAF_OPEN_WRITE
 * @param paths    files and directories, as the user wrote them; paths are
 *                 stored as given (lexically cleaned), so run updates from
 *                 the same directory or use absolute paths
 * @param n_paths  number of PATHS
 * @param options  callbacks; may be NULL
 * @param stats    OUT, optional: totals of the run (also on failure)
 * @retval GRAF_STATUS_BUSY       another writer held the index too long
 * @retval GRAF_STATUS_READ_ONLY  the handle was opened for reading
 * @retval GRAF_STATUS_FULL       the disk filled; nothing was changed
 */
graf_status_t graf_index_update(graf_index *idx, const char *const *paths,
				size_t n_paths,
				const graf_update_options *options,
				graf_update_stats *stats);

/*
 * Verify the index: SQLite's integrity check, FTS5's on both full-text
 * tables, and graf's own invariants (every paragraph has its article, every
 * article its paragraphs and its file).  Changes nothing.
 *
 * @param idx         opened with GRAF_OPEN_WRITE (FTS5's check is a command)
 * @param problem     called with a one-line description of each problem;
 *                    may be NULL
 * @param n_problems  OUT, optional: the number of problems found
 * @retval GRAF_STATUS_OK          the index is sound
 * @retval GRAF_STATUS_BAD_INDEX   problems were found
 * @retval GRAF_STATUS_BUSY        another process was updating the index
 *                                 for longer than the busy timeout (5 s)
 */
graf_status_t graf_index_check(graf_index *idx,
			       void (*problem)(void *ctx, const char *message),
			       void *ctx, long *n_problems);

/*
 * Ask a running graf_index_update() or query on IDX to stop as soon as
 * possible; it then fails with GRAF_STATUS_INTERRUPTED and changes nothing.
 * Safe to call from a signal handler or another thread.
 */
void graf_index_interrupt(graf_index *idx);

/* ---------------------------------------------------------------- query -- */

typedef struct graf_query graf_query;

/* How the words of a query combine. */
typedef enum graf_match {
	GRAF_MATCH_ALL = 0,   /* every word must occur (AND) */
	GRAF_MATCH_ANY,       /* any word may occur (OR), ranked by score */
	GRAF_MATCH_RAW,       /* the text is an FTS5 expression, passed as is */
	GRAF_MATCH_LAST
} graf_match_t;

/* What a hit is. */
typedef enum graf_unit {
	GRAF_UNIT_PARAGRAPH = 0,  /* every matching paragraph */
	GRAF_UNIT_ARTICLE,        /* each article once, by its best paragraph */
	GRAF_UNIT_LAST
} graf_unit_t;

/* Ranking parameters (doc/ranking.md explains each and its default). */
typedef struct graf_rank_options {
	double k1;              /* BM25 term-frequency saturation */
	double b;               /* BM25 length normalisation, 0..1 */
	double title_weight;    /* weight of the headline's score in its
				 * paragraphs' scores (0: headlines ignored) */
	double proximity;       /* weight of query words found close together */
	double phrase_boost;    /* extra for query words adjacent in query order */
	int feedback;           /* expand the query with words of its best
				 * paragraphs (pseudo-relevance feedback, RM3) */
	int fb_docs;            /* feedback: paragraphs read */
	int fb_terms;           /* feedback: words added */
	double fb_weight;       /* feedback: share of the added words, 0..1 */
} graf_rank_options;

typedef struct graf_search_options {
	long limit;             /* at most this many hits; 0: no limit */
	long offset;            /* skip this many hits first */
	graf_unit_t unit;
	graf_match_t match;
	long context;           /* also fetch this many paragraphs before and
				 * after each hit (graf_hit.before/after) */
	unsigned fields;        /* GRAF_HIT_* bits: what graf_query_next()
				 * fills in beyond rank, score and article */
	graf_rank_options rank; /* how hits are scored */
	int explain;            /* keep the explanation graf_query_explain()
				 * returns */
	int exhaustive;         /* rank every match, never the top-k shortcut
				 * (for tests and benchmarks: the results are
				 * the same, only slower) */
} graf_search_options;

/* Parts of a hit that cost a lookup each; a batch run that prints only ids
 * and scores (a TREC run) leaves them out and runs many times faster. */
enum {
	GRAF_HIT_TEXT = 1u << 0,     /* graf_hit.text, text_len */
	GRAF_HIT_MATCHES = 1u << 1,  /* graf_hit.matches (implies the text) */
	GRAF_HIT_ALL = GRAF_HIT_TEXT | GRAF_HIT_MATCHES,
};

/* Fill OPTS with the defaults: limit 10, offset 0, paragraphs, all words,
 * no context, all fields, default ranking, no explanation. */
void graf_search_options_init(graf_search_options *opts);

/* A [start, end) range of bytes. */
typedef struct graf_span {
	size_t start;
	size_t end;
} graf_span;

/* A paragraph shown around a hit (context). */
typedef struct graf_paragraph {
	long paragraph;         /* 1-based position in the article */
	const char *text;       /* plain UTF-8, NUL-terminated */
	size_t text_len;
} graf_paragraph;

/* One hit.  All pointers are borrowed from the query and stay valid until the
 * next graf_query_next() or graf_query_free() on it. */
typedef struct graf_hit {
	long rank;              /* 1-based position in the results, after offset */
	double score;           /* higher is better */
	const char *docid;      /* the article's identity: its path for text files */
	const char *path;       /* the file the article was read from, as indexed */
	const char *title;      /* the article's headline ("" when it has none) */
	long paragraph;         /* 1-based position of the paragraph in the article */
	const char *text;       /* the paragraph, plain UTF-8, NUL-terminated
				 * ("" without GRAF_HIT_TEXT) */
	size_t text_len;        /* strlen(text) */
	const graf_span *matches;  /* byte ranges of matched words in TEXT, in
				    * order (none without GRAF_HIT_MATCHES) */
	size_t n_matches;
	const graf_paragraph *before;  /* context before the hit, in order */
	size_t n_before;               /* at most graf_search_options.context */
	const graf_paragraph *after;   /* context after the hit, in order */
	size_t n_after;
} graf_hit;

/*
 * Parse QUERY, run it on IDX and make the results ready for
 * graf_query_next().
 *
 * QUERY is in graf's query language (doc/query-language.md): words that
 * must all occur, "phrases", -exclusions, word* prefixes, OR, parentheses,
 * NEAR, title:.  Any text is accepted: what cannot be read as written is
 * dropped or reread, and each such change is reported as a warning
 * (graf_query_warning()).  Words are always passed to SQLite as bound
 * parameters and quoted as FTS5 strings, so a query can never be read as
 * SQL or as FTS5 syntax (except with GRAF_MATCH_RAW).
 *
 * @param idx    an open index
 * @param query  the query as a user typed it (UTF-8)
 * @param opts   options; NULL for the defaults
 * @param out    OUT: the query, owned by the caller (graf_query_free()) and
 *               by IDX (freed with it); NULL on failure
 * @retval GRAF_STATUS_BAD_QUERY  the query has no searchable word or only
 *                                exclusions, is not valid UTF-8, exceeds a
 *                                limit (64 KiB, 1000 words, parentheses 16
 *                                deep), or (raw mode) is not valid FTS5;
 *                                graf_index_errmsg() says which, on one line
 */
graf_status_t graf_query_run(graf_index *idx, const char *query,
			     const graf_search_options *opts, graf_query **out);

/*
 * The next hit, best first; NULL when there are no more or on failure
 * (graf_query_status() tells which).  The hit is valid until the next call on
 * Q.
 */
const graf_hit *graf_query_next(graf_query *q);

/*
 * Count the paragraphs (or, with GRAF_UNIT_ARTICLE, the articles) that match
 * QUERY, ignoring OPTS' limit, offset and context.
 * @param count  OUT: the number, on success
 * @retval as graf_query_run()
 */
graf_status_t graf_query_count(graf_index *idx, const char *query,
			       const graf_search_options *opts, long *count);

/* GRAF_STATUS_OK, or why graf_query_next() stopped early; the message is in
 * graf_index_errmsg(). */
graf_status_t graf_query_status(const graf_query *q);

/* Free Q and its hits.  NULL is a no-op. */
void graf_query_free(graf_query *q);

/*
 * How Q was read: the query, its parse tree with the stems of each word,
 * and the FTS5 expressions it became, several lines of text ending in a
 * newline.
 * @retval NULL unless Q was run with graf_search_options.explain set;
 *         otherwise a string owned by Q, valid until graf_query_free()
 */
const char *graf_query_explain(const graf_query *q);

/*
 * The number of warnings about Q's text: operators that were dropped or
 * reread, quotes and parentheses closed, words without letters or digits.
 */
size_t graf_query_warning_count(const graf_query *q);

/*
 * Warning I of Q (0 <= I < graf_query_warning_count()): one line, no
 * trailing newline, such as "'OR' has nothing on its right; ignored".
 * @retval a string owned by Q, valid until graf_query_free(); NULL when I is
 *         out of range
 */
const char *graf_query_warning(const graf_query *q, size_t i);

/*
 * "Did you mean": Q's text with each word the index does not hold replaced
 * by the closest word it does hold (as the indexed text writes it), for a
 * query that found nothing.  Reads the index vocabulary through a TEMP
 * fts5vocab table, so it works on a read-only index; it may take a moment
 * on a large index, so call it only when Q found nothing.  Q's hits stay as
 * they were.
 * @param q    a query run with GRAF_MATCH_ALL or GRAF_MATCH_ANY (raw
 *             queries get no suggestion)
 * @param out  OUT: a malloc'ed string, freed by the caller; NULL when there
 *             is nothing to suggest (every word is indexed, or no indexed
 *             word is close)
 * @retval GRAF_STATUS_OK, GRAF_STATUS_NOMEM, GRAF_STATUS_INTERRUPTED, or an
 *         SQLite failure (message in graf_index_errmsg())
 */
graf_status_t graf_query_suggest(graf_query *q, char **out);

/* ---------------------------------------------------------- query files -- */

/*
 * A file of queries, as graf-search --queries reads it.  Three layouts,
 * recognised by content:
 *   - "qid<TAB>query" lines;
 *   - plain lines, whose qid is their line number;
 *   - TREC topics (<top> <num> Number: 301 <title> ... <desc> ... </top>),
 *     whose query is the title (or the description, see graf_topic_field_t).
 * Blank lines are skipped.
 */
typedef struct graf_query_file graf_query_file;

/* Which field of a TREC topic is the query. */
typedef enum graf_topic_field {
	GRAF_TOPIC_TITLE = 0,
	GRAF_TOPIC_DESC,
	GRAF_TOPIC_LAST
} graf_topic_field_t;

/*
 * Read the query file PATH ("-": standard input) completely.
 * @param out            OUT: the file, on success; close with
 *                       graf_query_file_close()
 * @param error_message  OUT, optional: on failure a malloc'ed message
 *                       naming the file; the caller frees it
 * @retval GRAF_STATUS_IO, GRAF_STATUS_NOMEM, GRAF_STATUS_BAD_ARGUMENT (a
 *         topic file without <num> or the chosen field)
 */
graf_status_t graf_query_file_open(const char *path, graf_topic_field_t field,
				   graf_query_file **out, char **error_message);

/*
 * The next query: OUT *QID and *TEXT, borrowed until the next call or
 * graf_query_file_close().
 * @retval 1 for a query, 0 at the end
 */
int graf_query_file_next(graf_query_file *f, const char **qid, const char **text);

/* Free F.  NULL is a no-op. */
void graf_query_file_close(graf_query_file *f);
/* --------------------------------------------------------------- output -- */

/* Output formats of graf-search (see graf-search(1) for each layout). */
typedef enum graf_format {
	GRAF_FORMAT_TEXT = 0,   /* for people: headline, place, highlighted text */
	GRAF_FORMAT_JSON,       /* JSON Lines, one object per hit */
	GRAF_FORMAT_TSV,        /* tab-separated, escaped */
	GRAF_FORMAT_TREC,       /* TREC run: qid Q0 docid rank score tag */
	GRAF_FORMAT_LAST
} graf_format_t;

/* Version of the JSON and TSV layouts; bumped only when a field changes
 * meaning or disappears (new fields may be added within a version). */
#define GRAF_OUTPUT_FORMAT_VERSION 1

typedef struct graf_output graf_output;

typedef struct graf_output_options {
	int color;              /* text: highlight with ANSI colours */
	int show_score;         /* text: print each hit's score */
	const char *run_tag;    /* trec: the run's tag (NULL: "graf") */
	graf_unit_t unit;       /* trec: GRAF_UNIT_ARTICLE prints the docid,
				 * GRAF_UNIT_PARAGRAPH "docid:paragraph" */
	int count_only;         /* only counts will be written (no headers) */
} graf_output_options;

/*
 * Write DOUBLE with the fewest digits that read back as the same value, so
 * that printed scores keep the order of the real ones.  BUF needs 32 bytes.
 * @retval BUF
 */
char *graf_format_score(double value, char buf[32]);

/*
 * A writer of hits in FORMAT to OUT (which the caller keeps open).
 * @retval NULL when out of memory or FORMAT is unknown
 */
graf_output *graf_output_new(graf_format_t format, FILE *out, const graf_output_options *opts);

/* Start the results of QUERY (QID: its id in a query file, or NULL). */
void graf_output_begin(graf_output *o, const char *query, const char *qid);

/* Write one hit. */
void graf_output_hit(graf_output *o, const graf_hit *hit);

/* Write the number of matches of the current query (graf-search --count),
 * instead of its hits. */
void graf_output_count(graf_output *o, long count);

/* End the results of the current query. */
void graf_output_end(graf_output *o);

/* Free the writer (not its FILE).  NULL is a no-op. */
void graf_output_free(graf_output *o);

/* ----------------------------------------------------- program support -- */

/*
 * A small declarative layer over getopt_long, so that graf-index,
 * graf-search and graf-eval share their common options (--index, --help,
 * --version) and generate --help from one table.
 */
typedef struct graf_option {
	const char *name;                 /* long name, without "--" */
	int key;                          /* short option character, or > 255 */
	const char *arg;                  /* argument name ("FILE"), NULL: none */
	const char *help;                 /* one line */
	const char *const *keywords;      /* allowed values, NULL-terminated;
					   * NULL: any value */
} graf_option;

/* Keys of the options every graf program has. */
enum {
	GRAF_OPT_HELP = 'h',
	GRAF_OPT_VERSION = 'V',
	GRAF_OPT_INDEX = 'i',
};

typedef struct graf_program {
	const char *name;                 /* "graf-search" */
	const char *usage;                /* "[OPTION]... QUERY..." */
	const char *summary;              /* what the program does */
	const graf_option *options;       /* its own options; {NULL} ends */
	int has_index;                    /* it takes --index FILE */
	const char *epilogue;             /* after the options: exit status... */
} graf_program;

/*
 * Parse ARGV with PROG's options and the common ones.  For each option,
 * HANDLE(ctx, key, arg, keyword) is called: ARG is the argument (or NULL),
 * KEYWORD the index of ARG in the option's keywords (or -1).  HANDLE returns
 * 0, or -1 after writing a message into ERR.
 * @param err     OUT: on failure, one line ("unknown option '--x'")
 * @retval the index of the first operand in ARGV, or -1 on a usage error
 */
int graf_cli_parse(const graf_program *prog, int argc, char **argv,
		   int (*handle)(void *ctx, int key, const char *arg, int keyword),
		   void *ctx, char *err, size_t err_size);

/* Write PROG's --help text to OUT. */
void graf_cli_help(const graf_program *prog, FILE *out);

/* Write PROG's --version text to OUT. */
void graf_cli_version(const graf_program *prog, FILE *out);

/*
 * Parse ARG as a whole decimal number in [MIN, MAX] into *OUT.
 * @retval 0, or -1 (then *OUT is unchanged)
 */
int graf_cli_number(const char *arg, long min, long max, long *out);

/* The default index file: $GRAF_INDEX if set, else "index/graf.db". */
const char *graf_cli_default_index(void);

/* Seconds on the monotonic clock, for timing a run (progress, benchmarks). */
double graf_cli_seconds(void);

/*
 * Process-wide set-up for a program that writes an index: SQLite's page
 * cache in one block of memory that the kernel may back with huge pages
 * (where transparent huge pages are available on request), instead of a
 * separate allocation for every page.  Call it first, before any other
 * graf or SQLite call; it changes nothing afterwards, and failing costs
 * only the gain.
 */
void graf_cli_prepare_writer(void);

/*
 * Process-wide set-up for a program that reads an index: no up-front block
 * of page-cache memory per connection.  A reader takes its pages from the
 * file's memory map, so SQLite's cache holds little beyond the first page,
 * and the block SQLite sets up anyway costs a page fault for each of its
 * 20 slots.  Call it first, as graf_cli_prepare_writer().
 */
void graf_cli_prepare_reader(void);

/* ----------------------------------------------------------- evaluation -- */

/*
 * Evaluate a ranked run against relevance judgements, as trec_eval does:
 * the same files, the same measures with the same definitions and edge
 * cases, so that values agree with trec_eval's to the 4 decimals it prints.
 *
 *   qrels: "qid iter docno rel" per line (rel: an integer judgement; a
 *          negative one means "in the pool but not judged").
 *   run:   "qid iter docno rank score runid" per line; the rank column is
 *          ignored: results are ranked by score, highest first, ties by
 *          document id in descending strcmp() order.  Further columns are
 *          ignored.
 * Blank lines and lines whose first non-blank character is '#' are skipped.
 *
 *     graf_eval_qrels *qrels; graf_eval_run *run; graf_eval_result *res;
 *     graf_eval_options opts;
 *     char *err;
 *     graf_eval_options_init(&opts);
 *     if (graf_eval_qrels_read("qrels.txt", &qrels, &err) == GRAF_STATUS_OK &&
 *         graf_eval_run_read("run.txt", &run, &err) == GRAF_STATUS_OK &&
 *         graf_eval_compute(qrels, run, &opts, &res, &err) == GRAF_STATUS_OK)
 *             graf_eval_result_write(res, GRAF_EVAL_FORMAT_TEXT, 0, stdout);
 */

typedef struct graf_eval_qrels graf_eval_qrels;    /* relevance judgements */
typedef struct graf_eval_run graf_eval_run;        /* one ranked run */
typedef struct graf_eval_result graf_eval_result;  /* computed measures */

/*
 * Read the qrels file PATH ("-": standard input).
 * @param out            OUT: the judgements, freed with graf_eval_qrels_free();
 *                       NULL on failure
 * @param error_message  OUT, optional: on failure a malloc'ed one-line message
 *                       naming the file (and line); the caller frees it.
 *                       NULL on success.
 * @retval GRAF_STATUS_IO         the file cannot be opened or read
 * @retval GRAF_STATUS_BAD_INPUT  a line is malformed, or there is no judgement
 * @retval GRAF_STATUS_NOMEM
 */
graf_status_t graf_eval_qrels_read(const char *path, graf_eval_qrels **out,
				   char **error_message);

/*
 * As graf_eval_qrels_read(), from the bytes DATA[0..LEN) (copied); NAME is the
 * file name that messages give.
 */
graf_status_t graf_eval_qrels_parse(const char *name, const char *data, size_t len,
				    graf_eval_qrels **out, char **error_message);

/* The number of queries that have judgements. */
size_t graf_eval_qrels_n_queries(const graf_eval_qrels *qrels);

/* Free QRELS.  NULL is a no-op. */
void graf_eval_qrels_free(graf_eval_qrels *qrels);

/*
 * Read the run file PATH ("-": standard input).  An empty run is valid.
 * Duplicate documents are reported by graf_eval_compute(), as trec_eval
 * does (only those within the evaluated depth count).
 * @param out            OUT: the run, freed with graf_eval_run_free();
 *                       NULL on failure
 * @param error_message  OUT, optional: as for graf_eval_qrels_read()
 * @retval GRAF_STATUS_IO         the file cannot be opened or read
 * @retval GRAF_STATUS_BAD_INPUT  a line is malformed (too few columns, a
 *                                score that is not a number)
 * @retval GRAF_STATUS_NOMEM
 */
graf_status_t graf_eval_run_read(const char *path, graf_eval_run **out,
				 char **error_message);

/* As graf_eval_run_read(), from the bytes DATA[0..LEN) (copied). */
graf_status_t graf_eval_run_parse(const char *name, const char *data, size_t len,
				  graf_eval_run **out, char **error_message);

/* The number of queries that have results. */
size_t graf_eval_run_n_queries(const graf_eval_run *run);

/* The run's name: the last column of its last line, as trec_eval takes it
 * ("" for an empty run).  Valid until graf_eval_run_free(). */
const char *graf_eval_run_id(const graf_eval_run *run);

/* Free RUN.  NULL is a no-op. */
void graf_eval_run_free(graf_eval_run *run);

typedef struct graf_eval_options {
	/* Measures to compute, each as trec_eval's -m takes it: a name
	 * ("map"), a name with parameters ("P.5,10", "ndcg_cut.10"), or a
	 * group: "official" (trec_eval's default set) or "all_trec" (every
	 * measure graf-eval implements).  When a measure is named several
	 * times, the first parameters given win, as in trec_eval.  Results
	 * always come in trec_eval's own order.  NULL or none: "official". */
	const char *const *measures;
	size_t n_measures;
	long relevance_level;   /* judgements >= this are relevant for the
				 * binary measures (trec_eval -l); >= 0; the
				 * graded ones (ndcg) use the judgement as gain */
	long max_results;       /* rank each query's results and keep only
				 * the first N (trec_eval -M); 0: all */
	int complete;           /* average over every query in the qrels: a
				 * query without results scores 0
				 * (trec_eval -c) */
} graf_eval_options;

/* Fill OPTS with trec_eval's defaults: official measures, level 1, no
 * depth limit, average over the queries with results. */
void graf_eval_options_init(graf_eval_options *opts);

/* A measure graf-eval implements, for --help and documentation. */
typedef struct graf_eval_measure_info {
	const char *name;        /* as -m takes it: "P" */
	const char *params;      /* default parameters ("5,10,15"), NULL: none */
	int official;            /* in trec_eval's default set */
	const char *summary;     /* one line */
} graf_eval_measure_info;

/* The measures graf-eval implements, in trec_eval's order, ended by an
 * entry whose name is NULL.  Static storage. */
const graf_eval_measure_info *graf_eval_measure_list(void);

/*
 * Compute the measures of RUN against QRELS.  Queries of RUN without
 * judgements are ignored; queries of QRELS without results are ignored, or
 * (opts->complete) score 0.  QRELS and RUN may be freed afterwards.
 * @param opts           options; NULL for the defaults
 * @param out            OUT: the result, freed with graf_eval_result_free();
 *                       NULL on failure
 * @param error_message  OUT, optional: on failure a malloc'ed one-line
 *                       message; the caller frees it.  NULL on success.
 * @retval GRAF_STATUS_BAD_ARGUMENT  an unknown measure, bad parameters, a
 *                                   negative level or depth
 * @retval GRAF_STATUS_BAD_INPUT     a document is listed twice for a query
 *                                   (in the run, or in the qrels), or no
 *                                   query has both results and judgements
 * @retval GRAF_STATUS_NOMEM
 */
graf_status_t graf_eval_compute(const graf_eval_qrels *qrels, const graf_eval_run *run,
				const graf_eval_options *opts, graf_eval_result **out,
				char **error_message);

/* Free RES.  NULL is a no-op. */
void graf_eval_result_free(graf_eval_result *res);

/* The number of values each query (and the summary) has: one per measure,
 * or one per cutoff ("P_5", "P_10"). */
size_t graf_eval_result_n_values(const graf_eval_result *res);

/* The name of value I as trec_eval prints it ("map", "P_5",
 * "iprec_at_recall_0.10"); valid until graf_eval_result_free(). */
const char *graf_eval_result_value_name(const graf_eval_result *res, size_t i);

/* The number of queries evaluated (num_q), in output order (the qrels'
 * query ids in strcmp() order). */
size_t graf_eval_result_n_queries(const graf_eval_result *res);

/* The id of query Q; valid until graf_eval_result_free(). */
const char *graf_eval_result_qid(const graf_eval_result *res, size_t q);

/*
 * The value of MEASURE (a value name, "P_5") for query QID, or for the
 * summary over all queries when QID is NULL (or "all").  Counts (num_ret...)
 * are returned as doubles.
 * @retval GRAF_STATUS_BAD_ARGUMENT  no such value or query; or a value that
 *                                   exists only in the summary (num_q,
 *                                   gm_map) asked for one query
 */
graf_status_t graf_eval_result_get(const graf_eval_result *res, const char *qid,
				   const char *measure, double *value);

/* Output formats of graf-eval. */
typedef enum graf_eval_format {
	GRAF_EVAL_FORMAT_TEXT = 0,   /* trec_eval's: "measure<TAB>qid<TAB>value" */
	GRAF_EVAL_FORMAT_JSON,       /* one JSON document (see graf-eval(1)) */
	GRAF_EVAL_FORMAT_LAST
} graf_eval_format_t;

/*
 * Write RES to OUT (which the caller keeps open) in FORMAT: with PER_QUERY,
 * each query's values first (trec_eval -q), then the summary ("all").
 * @retval GRAF_STATUS_IO  writing failed
 */
graf_status_t graf_eval_result_write(const graf_eval_result *res, graf_eval_format_t format,
				     int per_query, FILE *out);

/* ------------------------------------------------------------ embedding -- */

/*
 * Register graf's FTS5 tokenizer ("graf") and SQL functions on DB, so that a
 * plain SQLite connection can read (and MATCH against) a graf index.
 * @retval GRAF_STATUS_NOMEM   out of memory
 * @retval GRAF_STATUS_SQLITE  DB's SQLite has no FTS5
 */
graf_status_t graf_register(struct sqlite3 *db);

/* The Snowball languages graf can stem, as a NULL-terminated list of
 * static strings. */
const char *const *graf_languages(void);

#ifdef __cplusplus
}
#endif

#endif /* GRAF_H */
