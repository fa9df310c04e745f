/*
 * graf-index - build or update a graf index from article files.
 *
 * Parse options, open the index, run one update, print one summary line.
 * All the work is in libgraf (graf_index_update).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "graf.h"

#define PROG "graf-index"

/* Exit statuses (documented in --help and graf-index(1)). */
enum {
	EXIT_OK = 0,            /* the index is up to date */
	EXIT_WARNINGS = 1,      /* up to date, but there were warnings */
	EXIT_ERROR = 2,         /* nothing changed: see the message */
	EXIT_INTERRUPTED = 130, /* stopped by a signal; nothing changed */
};

/* Show progress only for runs longer than this, at most this often. */
#define PROGRESS_AFTER_S 1.0
#define PROGRESS_EVERY_S 0.1

enum {
	OPT_LANGUAGE = 'l',
	OPT_QUIET = 'q',
	OPT_VERBOSE = 'v',
	OPT_REBUILD = 256,
	OPT_LIST_LANGUAGES,
	OPT_INPUT_FORMAT,
	OPT_CHECK,
	OPT_WAIT,
};

/* How long to wait for another graf-index by default (seconds), and at most. */
#define WAIT_DEFAULT_S 5
#define WAIT_MAX_S 86400

/* In the order of graf_input_t. */
static const char *const input_keywords[] = { "auto", "text", "jsonl", "trec", NULL };

static const graf_option options[] = {
	{ "language", OPT_LANGUAGE, "LANG",
	  "Snowball stemmer of a new index (default: english)", NULL },
	{ "input-format", OPT_INPUT_FORMAT, "FORMAT",
	  "read the files named as auto (by name), text, jsonl or trec", input_keywords },
	{ "rebuild", OPT_REBUILD, NULL,
	  "build the index again from scratch, then replace the old one", NULL },
	{ "check", OPT_CHECK, NULL, "verify the index and report its problems; change nothing",
	  NULL },
	{ "wait", OPT_WAIT, "SECONDS",
	  "wait at most SECONDS for another graf-index (default 5)", NULL },
	{ "quiet", OPT_QUIET, NULL, "print only errors and warnings", NULL },
	{ "verbose", OPT_VERBOSE, NULL, "name every article added, updated or removed", NULL },
	{ "list-languages", OPT_LIST_LANGUAGES, NULL, "list the stemmer languages and exit", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const graf_program program = {
	.name = PROG,
	.usage = "[OPTION]... [PATH]...",
	.summary =
		"Index the articles under each PATH (default: corpus/) into a graf index.\n"
		"Directories are searched recursively for *.txt files (one article each)\n"
		"and *.jsonl, *.trec, *.sgml collections; files named on the command line\n"
		"are read whatever their name.  Running it again updates only\n"
		"what changed and removes articles whose files are gone (under the PATHs\n"
		"given).  A run is atomic: if it fails or is stopped, the index is unchanged.",
	.options = options,
	.has_index = 1,
	.epilogue =
		"Article files: the first non-blank line is the headline; paragraphs are\n"
		"separated by blank lines, or are single lines when the file has none.\n"
		"UTF-8 (with or without BOM); other text is read as Windows-1252.\n"
		"Collections: JSON Lines ({\"id\", \"title\", \"text\"} per line, paragraphs\n"
		"separated by blank lines) and TREC SGML (<DOC><DOCNO>..</DOCNO>..<TEXT>..\n"
		"</TEXT></DOC>); a record's id is its identity.  Bad records are reported\n"
		"with their line and skipped.\n"
		"\n"
		"With --check: exit 0 if the index is sound, 2 if it has problems.\n"
		"Exit status: 0 the index is up to date; 1 up to date, but there were\n"
		"warnings (files or records skipped, or text read as Windows-1252);\n"
		"2 error, the index is unchanged; 130 interrupted, the index is unchanged.\n",
};

typedef struct Args {
	const char *index;
	long wait_s;                 /* --wait, or -1: the default */
	const char *language;
	graf_input_t input;
	bool quiet, verbose, rebuild, check, list_languages, help, version;
	char *err;                   /* where option handlers write a usage error */
	size_t err_size;
} Args;

typedef struct Progress {
	double start;
	double last;
	bool shown;
} Progress;

static graf_index *volatile running_index;

/* --wait as a busy timeout in ms; 0: the library's default (5 s).  --wait 0
 * is 1 ms, since 0 would mean the default. */
static int
waitMs(const Args *a)
{
	return a->wait_s < 0 ? 0 : a->wait_s > 0 ? (int)(a->wait_s * 1000) : 1;
}

static int
handleOption(void *ctx, int key, const char *arg, int keyword)
{
	Args *a = ctx;

	switch (key) {
	case GRAF_OPT_INDEX: a->index = arg; break;
	case GRAF_OPT_HELP: a->help = true; break;
	case GRAF_OPT_VERSION: a->version = true; break;
	case OPT_LANGUAGE: a->language = arg; break;
	case OPT_QUIET: a->quiet = true; a->verbose = false; break;
	case OPT_VERBOSE: a->verbose = true; a->quiet = false; break;
	case OPT_REBUILD: a->rebuild = true; break;
	case OPT_LIST_LANGUAGES: a->list_languages = true; break;
	case OPT_INPUT_FORMAT: a->input = (graf_input_t)keyword; break;
	case OPT_CHECK: a->check = true; break;
	case OPT_WAIT:
		if (graf_cli_number(arg, 0, WAIT_MAX_S, &a->wait_s) != 0) {
			snprintf(a->err, a->err_size,
				 "invalid --wait '%s' (a whole number of seconds from 0 to %d)", arg,
				 WAIT_MAX_S);
			return -1;
		}
		break;
	}
	return 0;
}

/* Write the file name PATH to stderr with its control characters (a
 * newline in a file name) as '?', so that each message stays one line. */
static void
putPath(const char *path)
{
	for (const unsigned char *c = (const unsigned char *)path; *c; c++)
		fputc(*c < 0x20 || *c == 0x7f ? '?' : *c, stderr);
}

static void
onWarning(void *ctx, const char *path, const char *message)
{
	Progress *p = ctx;

	if (p->shown) {
		fputs("\r\033[K", stderr);
		p->shown = false;
	}
	fputs(PROG ": warning: '", stderr);
	putPath(path);
	fprintf(stderr, "': %s\n", message);
}

static void
onChange(void *ctx, graf_change_t change, const char *path, const char *docid)
{
	static const char *const verbs[GRAF_CHANGE_LAST] = {
		"added", "updated", "removed", "unchanged", "skipped",
	};

	if (change == GRAF_CHANGE_SKIPPED)
		return;  /* the warning said it */
	fprintf(stderr, "%s ", verbs[change]);
	if (docid && strcmp(docid, path) != 0) {
		putPath(docid);
		fputs(" (", stderr);
		putPath(path);
		fputs(")", stderr);
	} else {
		putPath(path);
	}
	fputc('\n', stderr);
}

/* Progress on a terminal, in place: files, throughput, time left. */
static void
onProgress(void *ctx, const graf_progress *pr)
{
	Progress *p = ctx;
	double t = graf_cli_seconds(), elapsed = t - p->start, rate, left;

	if (elapsed < PROGRESS_AFTER_S || t - p->last < PROGRESS_EVERY_S)
		return;
	p->last = t;
	rate = (double)pr->bytes_done / elapsed;
	left = rate > 0 ? (double)(pr->bytes_total - pr->bytes_done) / rate : 0;
	fprintf(stderr, "\r\033[K" PROG ": %ld/%ld files, %.1f MB/s, %d:%02d left",
		pr->files_done, pr->files_total, rate / 1e6, (int)left / 60, (int)left % 60);
	p->shown = true;
}

static void
onSignal(int sig)
{
	(void)sig;
	if (running_index)
		graf_index_interrupt(running_index);
}

/* The temporary file a rebuild writes before it replaces INDEX. */
static char *
rebuildPath(const char *index)
{
	size_t n = strlen(index) + sizeof ".rebuild";
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s.rebuild", index);
	return s;
}

/* Remove the WAL and shared-memory companions of the database FILE, and
 * the rollback journal a killed first build leaves (which SQLite would
 * otherwise play back onto a new file of that name). */
static void
removeCompanions(const char *file)
{
	static const char *const suffixes[] = { "-wal", "-shm", "-journal" };
	char buf[4096];

	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		snprintf(buf, sizeof buf, "%s%s", file, suffixes[i]);
		unlink(buf);
	}
}

/* Remove the database FILE and its companions. */
static void
removeDatabase(const char *file)
{
	unlink(file);
	removeCompanions(file);
}

static void
onProblem(void *ctx, const char *message)
{
	fprintf(stderr, PROG ": '%s': %s\n", (const char *)ctx, message);
}

/* The language of the index at PATH, which --rebuild keeps; the default
 * if it cannot be read (a damaged index is what --rebuild is for).
 * Malloc'ed; NULL when out of memory. */
static char *
languageOf(const char *path)
{
	graf_index *idx;
	char *msg = NULL, *language;

	if (graf_index_open(path, GRAF_OPEN_READ, NULL, &idx, &msg) != GRAF_STATUS_OK) {
		free(msg);
		return strdup(GRAF_DEFAULT_LANGUAGE);
	}
	language = strdup(graf_index_language(idx));
	graf_index_close(idx);
	return language;
}

/* graf-index --check: verify the index, print its problems. */
static int
checkIndex(const Args *a, bool has_paths)
{
	graf_index *idx;
	char *msg = NULL;
	long problems = 0;
	graf_status_t st;

	if (has_paths || a->rebuild) {
		fprintf(stderr, PROG ": --check takes no PATH and no --rebuild\n");
		return EXIT_ERROR;
	}
	/* Opening for writing would create a missing index. */
	if (access(a->index, F_OK) != 0 && errno == ENOENT) {
		fprintf(stderr, PROG ": no index at '%s' (create it with graf-index)\n", a->index);
		return EXIT_ERROR;
	}
	/* Nor may it make an index of an empty database: read it first
	 * (which refuses anything that is not a graf index), then open it for
	 * writing, as FTS5's check is a command. */
	for (int mode = GRAF_OPEN_READ; mode <= GRAF_OPEN_WRITE; mode++) {
		if (graf_index_open(a->index, (graf_open_mode_t)mode, NULL, &idx, &msg) !=
		    GRAF_STATUS_OK) {
			fprintf(stderr, PROG ": %s\n", msg);
			free(msg);
			return EXIT_ERROR;
		}
		if (mode == GRAF_OPEN_READ)
			graf_index_close(idx);
	}
	/* The check takes the write lock: wait for a running graf-index as
	 * an update would (--wait 0 is 1 ms). */
	if (waitMs(a))
		sqlite3_busy_timeout(graf_index_db(idx), waitMs(a));
	st = graf_index_check(idx, onProblem, (void *)a->index, &problems);
	if (st != GRAF_STATUS_OK)
		fprintf(stderr, PROG ": %s\n", graf_index_errmsg(idx));
	else if (!a->quiet)
		fprintf(stderr, PROG ": '%s' is sound\n", a->index);
	graf_index_close(idx);
	return st == GRAF_STATUS_OK ? EXIT_OK : EXIT_ERROR;
}

int
main(int argc, char **argv)
{
	static const char *const default_paths[] = { "corpus" };
	Args a = { 0 };
	Progress progress = { 0 };
	graf_update_options uo = { 0 };
	graf_update_stats stats;
	const char *const *paths;
	size_t n_paths;
	char err[512], *msg = NULL, *target = NULL, *old_language = NULL;
	graf_index *idx = NULL;
	graf_status_t st;
	struct sigaction sa;
	int first;

	graf_cli_prepare_writer();
	a.wait_s = -1;
	a.err = err;
	a.err_size = sizeof err;
	first = graf_cli_parse(&program, argc, argv, handleOption, &a, err, sizeof err);
	if (first < 0) {
		fprintf(stderr, PROG ": %s\nTry '" PROG " --help' for more information.\n", err);
		return EXIT_ERROR;
	}
	if (a.help) {
		graf_cli_help(&program, stdout);
		return EXIT_OK;
	}
	if (a.version) {
		graf_cli_version(&program, stdout);
		return EXIT_OK;
	}
	if (a.list_languages) {
		for (const char *const *l = graf_languages(); *l; l++)
			puts(*l);
		return EXIT_OK;
	}
	if (!a.index)
		a.index = graf_cli_default_index();
	if (a.check)
		return checkIndex(&a, first < argc);
	if (first < argc) {
		paths = (const char *const *)argv + first;
		n_paths = (size_t)(argc - first);
	} else {
		paths = default_paths;
		n_paths = 1;
	}

	target = a.rebuild ? rebuildPath(a.index) : NULL;
	if (a.rebuild) {
		if (!target || (!a.language && !(old_language = languageOf(a.index)))) {
			fprintf(stderr, PROG ": out of memory\n");
			free(target);
			return EXIT_ERROR;
		}
		removeDatabase(target);
	}
	st = graf_index_open(target ? target : a.index, GRAF_OPEN_WRITE,
			     a.language ? a.language : old_language, &idx, &msg);
	free(old_language);
	if (st != GRAF_STATUS_OK) {
		fprintf(stderr, PROG ": %s\n", msg);
		free(msg);
		free(target);
		return EXIT_ERROR;
	}

	running_index = idx;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = onSignal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	progress.start = graf_cli_seconds();
	uo.ctx = &progress;
	uo.warning = onWarning;
	uo.input = a.input;
	uo.busy_timeout_ms = waitMs(&a);
	uo.change = a.verbose ? onChange : NULL;
	uo.progress = !a.quiet && isatty(STDERR_FILENO) ? onProgress : NULL;
	st = graf_index_update(idx, paths, n_paths, &uo, &stats);
	if (progress.shown)
		fputs("\r\033[K", stderr);
	running_index = NULL;
	if (st != GRAF_STATUS_OK) {
		fprintf(stderr, PROG ": %s\n", graf_index_errmsg(idx));
		graf_index_close(idx);
		if (target)
			removeDatabase(target);
		free(target);
		return st == GRAF_STATUS_INTERRUPTED ? EXIT_INTERRUPTED : EXIT_ERROR;
	}
	graf_index_close(idx);
	if (target) {
		/* The new index is complete and closed (its WAL checkpointed
		 * into it): put it in place in one rename.  The old index's
		 * WAL must go first, or SQLite would replay it onto the new
		 * file. */
		removeCompanions(a.index);
		if (rename(target, a.index) != 0) {
			fprintf(stderr, PROG ": cannot replace '%s' with '%s': %s\n", a.index, target,
				strerror(errno));
			free(target);
			return EXIT_ERROR;
		}
		/* The empty WAL files kept under the temporary name belong to
		 * no database any more. */
		removeCompanions(target);
		free(target);
	}
	if (!a.quiet)
		fprintf(stderr,
			PROG ": %ld added, %ld updated, %ld removed, %ld unchanged, %ld skipped; "
			"%ld paragraphs written in %.2f s\n",
			stats.added, stats.updated, stats.removed, stats.unchanged, stats.skipped,
			stats.paragraphs, stats.seconds);
	return stats.warnings > 0 ? EXIT_WARNINGS : EXIT_OK;
}
