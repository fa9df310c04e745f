/*
 * cli.c - the option layer shared by graf's programs: one declarative table
 * per program, the common options inherited, getopt_long underneath, --help
 * generated from the table.  It parses and formats; the programs print.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

#include "graf-private.h"

static const graf_option common_index_option[] = {
	{ "index", GRAF_OPT_INDEX, "FILE",
	  "the index database (default: $GRAF_INDEX, else index/graf.db)", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const graf_option common_options[] = {
	{ "help", GRAF_OPT_HELP, NULL, "show this help and exit", NULL },
	{ "version", GRAF_OPT_VERSION, NULL, "show the version and exit", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static size_t
cliCount(const graf_option *opts)
{
	size_t n = 0;

	while (opts && opts[n].name)
		n++;
	return n;
}

/* The option tables of PROG, in --help order. */
static void
cliTables(const graf_program *prog, const graf_option *tables[3])
{
	tables[0] = prog->has_index ? common_index_option : NULL;
	tables[1] = prog->options;
	tables[2] = common_options;
}

/* Find the option with KEY. */
static const graf_option *
cliFind(const graf_option *const tables[3], int key)
{
	for (int t = 0; t < 3; t++)
		for (const graf_option *o = tables[t]; o && o->name; o++)
			if (o->key == key)
				return o;
	return NULL;
}

int
graf_cli_parse(const graf_program *prog, int argc, char **argv,
	       int (*handle)(void *ctx, int key, const char *arg, int keyword),
	       void *ctx, char *err, size_t err_size)
{
	const graf_option *tables[3];
	struct option *longopts;
	char shortopts[256];
	size_t n = 0, s = 0;
	int c, rc = 0;

	cliTables(prog, tables);
	for (int t = 0; t < 3; t++)
		n += cliCount(tables[t]);
	longopts = calloc(n + 1, sizeof *longopts);
	if (!longopts) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	/* Options may follow operands (GNU style), so no leading '+'; a
	 * leading ':' makes getopt report a missing argument as ':'. */
	shortopts[s++] = ':';
	n = 0;
	for (int t = 0; t < 3; t++)
		for (const graf_option *o = tables[t]; o && o->name; o++) {
			longopts[n].name = o->name;
			longopts[n].has_arg = o->arg ? required_argument : no_argument;
			longopts[n].val = o->key;
			n++;
			if (o->key > 0 && o->key < 256 && s + 3 < sizeof shortopts) {
				shortopts[s++] = (char)o->key;
				if (o->arg)
					shortopts[s++] = ':';
			}
		}
	shortopts[s] = '\0';

	opterr = 0;
	optind = 1;
	while (rc == 0 && (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const graf_option *o;
		int keyword = -1;

		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (optopt > 0 && optopt < 256 && (bad[0] != '-' || bad[1] != '-'))
				snprintf(err, err_size, c == ':' ? "option '-%c' needs an argument"
								 : "unknown option '-%c'", optopt);
			else
				snprintf(err, err_size, c == ':' ? "option '%s' needs an argument"
								 : "unknown option '%s'", bad);
			rc = -1;
			break;
		}
		o = cliFind(tables, c);
		if (o && o->keywords && optarg) {
			for (int k = 0; o->keywords[k]; k++)
				if (strcmp(o->keywords[k], optarg) == 0)
					keyword = k;
			if (keyword < 0) {
				size_t len = (size_t)snprintf(err, err_size,
							      "invalid value '%s' for --%s (one of:",
							      optarg, o->name);
				for (int k = 0; o->keywords[k] && len < err_size; k++)
					len += (size_t)snprintf(err + len, err_size - len, " %s",
								o->keywords[k]);
				if (len < err_size)
					snprintf(err + len, err_size - len, ")");
				rc = -1;
				break;
			}
		}
		rc = handle(ctx, c, optarg, keyword);
	}
	free(longopts);
	return rc == 0 ? optind : -1;
}

void
graf_cli_help(const graf_program *prog, FILE *out)
{
	const graf_option *tables[3];

	cliTables(prog, tables);
	fprintf(out, "Usage: %s %s\n%s\n\nOptions:\n", prog->name, prog->usage, prog->summary);
	for (int t = 0; t < 3; t++)
		for (const graf_option *o = tables[t]; o && o->name; o++) {
			char left[64];
			int n;

			if (o->key > 0 && o->key < 256)
				n = snprintf(left, sizeof left, "-%c, --%s", o->key, o->name);
			else
				n = snprintf(left, sizeof left, "    --%s", o->name);
			if (o->arg && n > 0 && (size_t)n < sizeof left)
				snprintf(left + n, sizeof left - (size_t)n, "%s%s",
					 o->keywords ? "=" : " ", o->arg);
			if (strlen(left) > 24)
				fprintf(out, "  %s\n  %-24s  %s\n", left, "", o->help);
			else
				fprintf(out, "  %-24s  %s\n", left, o->help);
		}
	if (prog->epilogue)
		fprintf(out, "\n%s", prog->epilogue);
}

void
graf_cli_version(const graf_program *prog, FILE *out)
{
	fprintf(out, "%s (graf) %s\n", prog->name, PACKAGE_VERSION);
	fprintf(out, "SQLite %s, Snowball libstemmer\n", sqlite3_libversion());
}

int
graf_cli_number(const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	if (!arg || !*arg)
		return -1;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

const char *
graf_cli_default_index(void)
{
	const char *env = getenv("GRAF_INDEX");

	return env && *env ? env : "index/graf.db";
}

double
graf_cli_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The page cache of a writing connection (GRAFI_WRITER_CACHE_KIB of
 * GRAFI_PAGE_SIZE pages)
 * holds every page a transaction changes, each copied out of the mapped
 * file into a buffer of its own; on a virtual machine every first touch of
 * those buffers is a page fault that costs as much as copying the page.  A
 * 1% update of the news index took 10,900 faults, 6,500 of them here; with
 * one block advised for huge pages it takes 4,400, and 15% less time.
 */
/*
 * Three eighths of the cache's pages (12 MiB); SQLite takes pages past the
 * block from malloc().  The block is all touched when SQLite sets it up,
 * and on this virtual machine fresh memory costs 0.2 to 2 ms per MiB,
 * depending on whether the host has it ready: a block of the whole cache
 * and a quarter more (40 MiB) took 8 to 97 ms to set up.  A 1% update of
 * the news index changes 557 pages (1,454 before the text store's delta
 * table), which 12 MiB hold.  Medians of alternated runs of that update:
 * 160 and 161 ms with this block, 166 and 171 ms with twice as large a
 * one, 167 ms with half; a full index as fast with it, in 13 MB less
 * memory.  (With 1,454 pages: 240 ms with 24 MiB, 300 ms with 40, 290 ms
 * with none.)
 */
#define CLI_PAGE_CACHE_PAGES (GRAFI_WRITER_CACHE_KIB * 1024 / GRAFI_PAGE_SIZE * 3 / 8)

void
graf_cli_prepare_writer(void)
{
	int header = 0;
	size_t slot, mapped;
	void *block;

#if defined(HAVE_MALLOC_H) && defined(M_MMAP_THRESHOLD)
	/* glibc: large blocks (read buffers, hash tables as they grow) from
	 * the heap, and freed ones kept there, rather than fresh mappings
	 * whose every page faults again: 1,000 fewer faults in that update. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
#endif
	if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &header) != SQLITE_OK)
		return;
	slot = ((size_t)GRAFI_PAGE_SIZE + (size_t)header + 7) & ~(size_t)7;
	block = grafi_huge_alloc(slot * CLI_PAGE_CACHE_PAGES, &mapped);
	/* The block lives as long as the process: SQLite may use it to the end. */
	if (block && sqlite3_config(SQLITE_CONFIG_PAGECACHE, block, (int)slot,
				    CLI_PAGE_CACHE_PAGES) != SQLITE_OK)
		grafi_huge_free(block, mapped);
}

void
graf_cli_prepare_reader(void)
{
	/* pMem NULL and N 0: each page is allocated when SQLite needs it
	 * (SQLITE_CONFIG_PAGECACHE; the default, 20, is set up at a
	 * connection's first page).  A one-query graf-search paid for two
	 * connections' blocks, its own and the temporary database's: 40 of
	 * its 330 faults by caller; 30 fewer faults in all without them. */
	(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
}
