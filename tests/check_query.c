/*
 * check_query.c - the query language: what each query text compiles to
 * (tree, FTS5 expressions, warnings, errors), the limits, and the query API
 * around it (explain, warnings, suggestions) on an index of corpus/.
 *
 * The compile tests are a table: one row per rule of doc/query-language.md
 * and per hostile input.  The tree is written with the index's stems
 * ("(and export control)"), so a row also checks what the tokenizer makes of
 * the words.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "graf-private.h"
#include "check_graf.h"


/* The index of corpus/, built once per test case (unchecked fixture) in a
 * temporary directory under the build tree, opened per test. */
static char tmp_dir[4300];
static char db_path[4400];
static graf_index *idx;

static void
indexBuild(void)
{
	const char *srcdir = getenv("srcdir"), *builddir = getenv("builddir");
	char corpus[4200], tmp[4200];
	const char *paths[1] = { corpus };
	graf_index *w = NULL;
	char *err = NULL;

	snprintf(tmp, sizeof tmp, "%s/tests/tmp", builddir ? builddir : ".");
	mkdir(tmp, 0777);
	snprintf(tmp_dir, sizeof tmp_dir, "%s/check_query-XXXXXX", tmp);
	ck_assert_msg(mkdtemp(tmp_dir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(db_path, sizeof db_path, "%s/graf.db", tmp_dir);
	snprintf(corpus, sizeof corpus, "%s/corpus", srcdir ? srcdir : ".");
	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_WRITE, NULL, &w, &err), GRAF_STATUS_OK);
	ck_assert_int_eq(graf_index_update(w, paths, 1, NULL, NULL), GRAF_STATUS_OK);
	graf_index_close(w);
}

static void
indexRemove(void)
{
	char path[4500];

	for (int k = 0; k < 3; k++) {
		snprintf(path, sizeof path, "%s%s", db_path, k == 0 ? "" : k == 1 ? "-wal" : "-shm");
		unlink(path);
	}
	rmdir(tmp_dir);
}

static void
indexOpen(void)
{
	char *err = NULL;

	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_READ, NULL, &idx, &err), GRAF_STATUS_OK);
}

static void
indexClose(void)
{
	graf_index_close(idx);
	idx = NULL;
}

/* ------------------------------------------------------------ the table -- */

#define ALL GRAF_MATCH_ALL
#define ANY GRAF_MATCH_ANY

/*
 * One compile case.  For an accepted query: the tree, the four expressions
 * (NULL: must be NULL), and a text the first warning must contain (NULL: no
 * warning at all).  For a refused one: TREE is NULL and ERROR a text the
 * message must contain.
 */
typedef struct CompileCase {
	const char *query;
	graf_match_t match;
	const char *tree;
	const char *para;             /* cq.match */
	const char *title;            /* cq.title_match */
	const char *warning;
	const char *exclude;          /* cq.exclude */
	const char *title_exclude;    /* cq.title_exclude */
	const char *error;
} CompileCase;

static const CompileCase compile_cases[] = {
	/* Words: all must match, each an FTS5 string, stemmed by FTS5. */
	{ .query = "export controls", .match = ALL, .tree = "(and export control)",
	  .para = "\"export\" AND \"controls\"" },
	{ .query = "Export CONTROLS", .match = ALL, .tree = "(and export control)",
	  .para = "\"Export\" AND \"CONTROLS\"" },
	/* Lower-case operators are words. */
	{ .query = "rare and earths or not", .match = ALL, .tree = "(and rare and earth or not)",
	  .para = "\"rare\" AND \"and\" AND \"earths\" AND \"or\" AND \"not\"" },
	{ .query = "near", .match = ALL, .tree = "(and near)", .para = "\"near\"" },
	/* OR, tighter than AND. */
	{ .query = "H20 OR RTX", .match = ALL, .tree = "(and (or h20 rtx))",
	  .para = "\"H20\" OR \"RTX\"" },
	{ .query = "chips China OR Beijing", .match = ALL, .tree = "(and chip (or china beij))",
	  .para = "\"chips\" AND (\"China\" OR \"Beijing\")" },
	{ .query = "a OR b OR c d", .match = ALL, .tree = "(and (or a b c) d)",
	  .para = "(\"a\" OR \"b\" OR \"c\") AND \"d\"" },
	{ .query = "chips AND China", .match = ALL, .tree = "(and chip china)",
	  .para = "\"chips\" AND \"China\"" },
	/* Phrases, stemmed as in documents. */
	{ .query = "\"rare earths\"", .match = ALL, .tree = "(and \"rare earth\")",
	  .para = "\"rare earths\"" },
	{ .query = "\xe2\x80\x9crare earths\xe2\x80\x9d exports", .match = ALL,
	  .tree = "(and \"rare earth\" export)", .para = "\"rare earths\" AND \"exports\"" },
	{ .query = "\"OR\" \"-x\"", .match = ALL, .tree = "(and or x)",
	  .para = "\"OR\" AND \"-x\"" },
	/* Exclusions: FTS5's NOT is binary. */
	{ .query = "H20 -RTX", .match = ALL, .tree = "(and h20 -rtx)",
	  .para = "\"H20\" NOT \"RTX\"" },
	{ .query = "chips China -H20", .match = ALL, .tree = "(and chip china -h20)",
	  .para = "(\"chips\" AND \"China\") NOT \"H20\"" },
	{ .query = "a b -c -d", .match = ALL, .tree = "(and a b -c -d)",
	  .para = "(\"a\" AND \"b\") NOT (\"c\" OR \"d\")" },
	{ .query = "-c a", .match = ALL, .tree = "(and -c a)", .para = "\"a\" NOT \"c\"" },
	{ .query = "NOT c a", .match = ALL, .tree = "(and -c a)", .para = "\"a\" NOT \"c\"" },
	{ .query = "chips -\"rare earths\"", .match = ALL, .tree = "(and chip -\"rare earth\")",
	  .para = "\"chips\" NOT \"rare earths\"" },
	{ .query = "chips -(H20 OR RTX)", .match = ALL, .tree = "(and chip -(or h20 rtx))",
	  .para = "\"chips\" NOT (\"H20\" OR \"RTX\")" },
	{ .query = "chips (China -H20)", .match = ALL, .tree = "(and chip china -h20)",
	  .para = "(\"chips\" AND \"China\") NOT \"H20\"" },
	{ .query = "chips (China OR (Beijing -H20))", .match = ALL,
	  .tree = "(and chip (or china (and beij -h20)))",
	  .para = "\"chips\" AND (\"China\" OR (\"Beijing\" NOT \"H20\"))" },
	{ .query = "a -(b -c)", .match = ALL, .tree = "(and a -(and b -c))",
	  .para = "\"a\" NOT (\"b\" NOT \"c\")" },
	{ .query = "--x y", .match = ALL, .tree = "(and -x y)", .para = "\"y\" NOT \"x\"" },
	{ .query = "- - x y", .match = ALL, .tree = "(and x y)", .para = "\"x\" AND \"y\"",
	  .warning = "'-' has nothing after it" },
	{ .query = "NOT NOT x", .match = ALL, .tree = "(and x)", .para = "\"x\"" },
	/* Prefixes: the last word unstemmed; earlier words stay stemmed. */
	{ .query = "licen*", .match = ALL, .tree = "(and licen*)", .para = "\"licen\" *" },
	{ .query = "Licen**", .match = ALL, .tree = "(and licen*)", .para = "\"Licen\" *" },
	{ .query = "\"export licen\"*", .match = ALL, .tree = "(and \"export licen*\")",
	  .para = "\"export \" + \"licen\" *" },
	{ .query = "\"exports licen*\"", .match = ALL, .tree = "(and \"export licen*\")",
	  .para = "\"exports \" + \"licen\" *" },
	{ .query = "U.S*", .match = ALL, .tree = "(and \"u s*\")", .para = "\"U.\" + \"S\" *" },
	{ .query = "$licen*", .match = ALL, .tree = "(and licen*)", .para = "\"licen\" *" },
	/* NEAR. */
	{ .query = "NEAR(chips export, 5)", .match = ALL, .tree = "(and (near/5 chip export))",
	  .para = "NEAR(\"chips\" \"export\", 5)" },
	{ .query = "NEAR(chips export)", .match = ALL, .tree = "(and (near/10 chip export))",
	  .para = "NEAR(\"chips\" \"export\", 10)" },
	{ .query = "NEAR (\"rare earths\" licen*,2)", .match = ALL,
	  .tree = "(and (near/2 \"rare earth\" licen*))",
	  .para = "NEAR(\"rare earths\" \"licen\" *, 2)" },
	{ .query = "chips NEAR/3 export", .match = ALL, .tree = "(and (near/3 chip export))",
	  .para = "NEAR(\"chips\" \"export\", 3)" },
	{ .query = "a NEAR/3 b NEAR/5 c", .match = ALL, .tree = "(and (near/5 a b c))",
	  .para = "NEAR(\"a\" \"b\" \"c\", 5)" },
	{ .query = "a NEAR b", .match = ALL, .tree = "(and (near/10 a b))",
	  .para = "NEAR(\"a\" \"b\", 10)" },
	{ .query = "x NEAR(a b, 0) -y", .match = ALL, .tree = "(and x (near/0 a b) -y)",
	  .para = "(\"x\" AND NEAR(\"a\" \"b\", 0)) NOT \"y\"" },
	/* Parentheses group. */
	{ .query = "(a OR b) (c OR d)", .match = ALL, .tree = "(and (or a b) (or c d))",
	  .para = "(\"a\" OR \"b\") AND (\"c\" OR \"d\")" },
	{ .query = "((a))", .match = ALL, .tree = "(and a)", .para = "\"a\"" },
	{ .query = "a OR (b OR c)", .match = ALL, .tree = "(and (or a b c))",
	  .para = "\"a\" OR \"b\" OR \"c\"" },
	/* title: restricts to articles; the paragraph matches the rest. */
	{ .query = "title:nvidia licen*", .match = ALL, .tree = "(and title:nvidia licen*)",
	  .para = "\"licen\" *", .title = "\"nvidia\"" },
	{ .query = "Title:\"rare earths\" exports", .match = ALL,
	  .tree = "(and title:\"rare earth\" export)", .para = "\"exports\"",
	  .title = "\"rare earths\"" },
	{ .query = "title:(nvidia OR copper) chips", .match = ALL,
	  .tree = "(and (or title:nvidia title:copper) chip)", .para = "\"chips\"",
	  .title = "\"nvidia\" OR \"copper\"" },
	{ .query = "title:nvidia", .match = ALL, .tree = "(and title:nvidia)",
	  .title = "\"nvidia\"" },
	{ .query = "title:nvidia title:china", .match = ALL,
	  .tree = "(and title:nvidia title:china)", .title = "\"nvidia\" AND \"china\"" },
	{ .query = "title:a OR title:b", .match = ALL, .tree = "(and (or title:a title:b))",
	  .title = "\"a\" OR \"b\"" },
	{ .query = "title:(nvidia -copper) chips", .match = ALL,
	  .tree = "(and title:nvidia -title:copper chip)", .para = "\"chips\"",
	  .title = "\"nvidia\" NOT \"copper\"" },
	{ .query = "title:NEAR(nvidia china)", .match = ALL,
	  .tree = "(and (near/10 title:nvidia title:china))",
	  .title = "NEAR(\"nvidia\" \"china\", 10)" },
	{ .query = "chips -title:copper", .match = ALL, .tree = "(and chip -title:copper)",
	  .para = "\"chips\"", .title_exclude = "\"copper\"" },
	{ .query = "title:-copper chips", .match = ALL, .tree = "(and -title:copper chip)",
	  .para = "\"chips\"", .title_exclude = "\"copper\"" },
	{ .query = "title:nvidia -china", .match = ALL, .tree = "(and title:nvidia -china)",
	  .title = "\"nvidia\"", .exclude = "\"china\"" },
	{ .query = "title:nvidia -china -title:copper", .match = ALL,
	  .tree = "(and title:nvidia -china -title:copper)", .title = "\"nvidia\" NOT \"copper\"",
	  .exclude = "\"china\"" },
	/* Punctuation inside a word makes a phrase of its parts. */
	{ .query = "U.S.", .match = ALL, .tree = "(and \"u s\")", .para = "\"U.S.\"" },
	{ .query = "U.S.-China", .match = ALL, .tree = "(and \"u s china\")",
	  .para = "\"U.S.-China\"" },
	{ .query = "open-source", .match = ALL, .tree = "(and \"open sourc\")",
	  .para = "\"open-source\"" },
	{ .query = "e-mail", .match = ALL, .tree = "(and \"e mail\")", .para = "\"e-mail\"" },
	{ .query = "3.5", .match = ALL, .tree = "(and \"3 5\")", .para = "\"3.5\"" },
	{ .query = "scaled-down", .match = ALL, .tree = "(and \"scale down\")",
	  .para = "\"scaled-down\"" },
	{ .query = "multi-agent", .match = ALL, .tree = "(and \"multi agent\")",
	  .para = "\"multi-agent\"" },
	{ .query = "H20 RTX", .match = ALL, .tree = "(and h20 rtx)",
	  .para = "\"H20\" AND \"RTX\"" },
	{ .query = "a:b", .match = ALL, .tree = "(and \"a b\")", .para = "\"a:b\"" },
	{ .query = "Huang's", .match = ALL, .tree = "(and huang)", .para = "\"Huang's\"" },
	{ .query = "Huang\xe2\x80\x99s", .match = ALL, .tree = "(and huang)",
	  .para = "\"Huang\xe2\x80\x99s\"" },
	/* Symbols around words are dropped (by the tokenizer, inside FTS5). */
	{ .query = "$4 trillion", .match = ALL, .tree = "(and 4 trillion)",
	  .para = "\"$4\" AND \"trillion\"" },
	{ .query = "+chips (China)!", .match = ALL, .tree = "(and chip china)",
	  .para = "\"+chips\" AND \"China\"", .warning = "'!' has no letters or digits" },
	/* Unicode white space separates words. */
	{ .query = "a\xc2\xa0" "b\xe3\x80\x80" "c", .match = ALL, .tree = "(and a b c)",
	  .para = "\"a\" AND \"b\" AND \"c\"" },
	{ .query = "caf\xc3\xa9 Na\xc3\xafve", .match = ALL, .tree = "(and cafe naiv)",
	  .para = "\"caf\xc3\xa9\" AND \"Na\xc3\xafve\"" },
	/* --any: the positive items OR'ed, exclusions still apply. */
	{ .query = "chips export -H20", .match = ANY, .tree = "(and chip export -h20)",
	  .para = "(\"chips\" OR \"export\") NOT \"H20\"" },
	/* ... but parentheses keep their words together. */
	{ .query = "(a b) c", .match = ANY, .tree = "(and (and a b) c)",
	  .para = "(\"a\" AND \"b\") OR \"c\"" },
	{ .query = "(a b) c", .match = ALL, .tree = "(and a b c)",
	  .para = "\"a\" AND \"b\" AND \"c\"" },
	{ .query = "(a -b) c", .match = ANY, .tree = "(and (and a -b) c)",
	  .para = "(\"a\" NOT \"b\") OR \"c\"" },
	{ .query = "(-a -b) c", .match = ANY, .tree = "(and -a -b c)",
	  .para = "\"c\" NOT (\"a\" OR \"b\")" },
	{ .query = "a (b OR c) title:x", .match = ANY, .tree = "(and a (or b c) title:x)",
	  .para = "\"a\" OR (\"b\" OR \"c\")", .title = "\"x\"" },
	/* ... and a compound of words joined by - or / is its words (ranked,
	 * their proximity still counts), unless quoted, excluded, a prefix, a
	 * title: term, or a part is a number or the join something else. */
	{ .query = "fast-twitch TCR/CD3", .match = ANY, .tree = "(and fast twitch tcr cd3)",
	  .para = "\"fast\" OR \"twitch\" OR \"TCR\" OR \"CD3\"" },
	{ .query = "a-b-c x", .match = ANY, .tree = "(and a b c x)",
	  .para = "\"a\" OR \"b\" OR \"c\" OR \"x\"" },
	{ .query = "\"open-source\" IL-6 U.S. x", .match = ANY,
	  .tree = "(and \"open sourc\" \"il 6\" \"u s\" x)",
	  .para = "\"open-source\" OR \"IL-6\" OR \"U.S.\" OR \"x\"" },
	{ .query = "U.S.-China x", .match = ANY, .tree = "(and \"u s china\" x)",
	  .para = "\"U.S.-China\" OR \"x\"" },
	{ .query = "x -open-source", .match = ANY, .tree = "(and x -\"open sourc\")",
	  .para = "\"x\" NOT \"open-source\"" },
	{ .query = "(open-source x) y", .match = ANY, .tree = "(and (and \"open sourc\" x) y)",
	  .para = "(\"open-source\" AND \"x\") OR \"y\"" },

	/* Dangling operators: read as words or dropped, with a warning. */
	{ .query = "OR chips", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'OR' has nothing on its left" },
	{ .query = "chips OR", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'OR' has nothing on its right" },
	{ .query = "chips OR OR export", .match = ALL, .tree = "(and (or chip export))",
	  .para = "\"chips\" OR \"export\"", .warning = "'OR' has nothing on its right" },
	{ .query = "chips AND", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'AND' has nothing on its right" },
	{ .query = "AND chips", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'AND' has nothing on its left" },
	{ .query = "chips NOT", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'NOT' has nothing after it" },
	{ .query = "chips -", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'-' has nothing after it" },
	{ .query = "chips - export", .match = ALL, .tree = "(and chip export)",
	  .para = "\"chips\" AND \"export\"", .warning = "'-' has nothing after it" },
	{ .query = "chips *", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'*' has no letters or digits" },
	{ .query = "chips title:", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'title:' has nothing after it" },
	{ .query = "title: chips", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'title:' has nothing after it" },
	{ .query = "chips NEAR(", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'NEAR(' not closed" },
	{ .query = "chips NEAR()", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "has no words" },
	{ .query = "chips NEAR/3", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'NEAR/3' has nothing on its right" },
	{ .query = "NEAR/3 chips", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'NEAR/3' has nothing on its left" },
	{ .query = "NEAR(a b,)", .match = ALL, .tree = "(and (near/10 a b))",
	  .para = "NEAR(\"a\" \"b\", 10)", .warning = "must be followed by a distance" },
	{ .query = "NEAR(chips OR export -x (y), 3)", .match = ALL,
	  .tree = "(and (near/3 chip export x y))",
	  .para = "NEAR(\"chips\" \"export\" \"x\" \"y\", 3)",
	  .warning = "'OR' inside NEAR() ignored" },
	{ .query = "NEAR(chips export, 99999999999999999999)", .match = ALL,
	  .tree = "(and (near/1000 chip export))", .para = "NEAR(\"chips\" \"export\", 1000)",
	  .warning = "NEAR distance lowered to 1000" },
	{ .query = "chips NEAR/5000 export", .match = ALL, .tree = "(and (near/1000 chip export))",
	  .para = "NEAR(\"chips\" \"export\", 1000)", .warning = "NEAR distance lowered to 1000" },
	{ .query = "(chips export) NEAR/3 china", .match = ALL, .tree = "(and chip export china)",
	  .para = "\"chips\" AND \"export\" AND \"china\"",
	  .warning = "'NEAR/3' needs a word or phrase" },
	{ .query = "-chips NEAR/3 china", .match = ALL, .tree = "(and -chip china)",
	  .para = "\"china\" NOT \"chips\"", .warning = "'NEAR/3' needs a word or phrase" },
	{ .query = "a () b", .match = ALL, .tree = "(and a b)", .para = "\"a\" AND \"b\"",
	  .warning = "empty parentheses" },
	{ .query = "-OR chips", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'-' has nothing after it" },
	/* Unbalanced quotes and parentheses: closed at the end. */
	{ .query = "\"rare earths", .match = ALL, .tree = "(and \"rare earth\")",
	  .para = "\"rare earths\"", .warning = "unbalanced quote" },
	{ .query = "chips \"", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "unbalanced quote" },
	{ .query = "foo\"bar", .match = ALL, .tree = "(and foo bar)",
	  .para = "\"foo\" AND \"bar\"", .warning = "unbalanced quote" },
	{ .query = "(chips OR copper", .match = ALL, .tree = "(and (or chip copper))",
	  .para = "\"chips\" OR \"copper\"", .warning = "'(' not closed" },
	{ .query = "((((chips", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'(' not closed" },
	{ .query = "chips)", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "unmatched ')' ignored" },
	{ .query = ")))chips(((", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "unmatched ')' ignored" },
	/* What FTS5 cannot say: reread, with a warning. */
	{ .query = "chips OR -H20", .match = ALL, .tree = "(and (or chip h20))",
	  .para = "\"chips\" OR \"H20\"", .warning = "cannot exclude inside OR" },
	{ .query = "chips OR (-H20 -RTX)", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "'(-H20 -RTX)' only excludes words" },
	{ .query = "chips -(-H20 -RTX)", .match = ALL, .tree = "(and chip)", .para = "\"chips\"",
	  .warning = "only excludes words" },
	{ .query = "chips (-H20 -RTX)", .match = ALL, .tree = "(and chip -h20 -rtx)",
	  .para = "\"chips\" NOT (\"H20\" OR \"RTX\")" },
	{ .query = "chips OR title:nvidia", .match = ALL, .tree = "(and (or chip nvidia))",
	  .para = "\"chips\" OR \"nvidia\"",
	  .warning = "title: works only on words joined by AND" },
	{ .query = "NEAR(title:nvidia chips)", .match = ALL, .tree = "(and (near/10 nvidia chip))",
	  .para = "NEAR(\"nvidia\" \"chips\", 10)", .warning = "'title:' inside NEAR() ignored" },
	{ .query = "-title:nvidia OR chips", .match = ALL, .tree = "(and (or nvidia chip))",
	  .para = "\"nvidia\" OR \"chips\"", .warning = "cannot exclude inside OR" },
	/* Control characters never reach a message. */
	{ .query = "chips \x01\x02 \x1b[31m", .match = ALL, .tree = "(and chip 31m)",
	  .para = "\"chips\" AND \"\x1b[31m\"", .warning = "'?\?' has no letters or digits" },

	/* Refused, with the reason. */
	{ .query = "", .match = ALL, .error = "query '' has no word to search for" },
	{ .query = "   \t ", .match = ALL, .error = "has no word to search for" },
	{ .query = "$ % &", .match = ALL,
	  .error = "has no word to search for ('$' has no letters or digits" },
	{ .query = "-", .match = ALL,
	  .error = "has no word to search for ('-' has nothing after it" },
	{ .query = "*", .match = ALL, .error = "has no word to search for" },
	{ .query = "OR", .match = ALL, .error = "has no word to search for" },
	{ .query = "title:", .match = ALL, .error = "has no word to search for" },
	{ .query = "NEAR(", .match = ALL, .error = "has no word to search for" },
	{ .query = "()", .match = ALL, .error = "has no word to search for" },
	{ .query = "\"\"", .match = ALL, .error = "has no word to search for" },
	{ .query = "-H20", .match = ALL,
	  .error = "query '-H20' only excludes words; add a word to search for" },
	{ .query = "-H20 -\"rare earths\" -title:x", .match = ALL, .error = "only excludes words" },
	{ .query = "NOT chips", .match = ANY, .error = "only excludes words" },
	{ .query = "abc\xff", .match = ALL, .error = "not valid UTF-8" },
	{ .query = "\xed\xa0\x80", .match = ALL, .error = "not valid UTF-8" },
	{ .query = "\xc0\xaf", .match = ALL, .error = "not valid UTF-8" },
};

START_TEST(test_compile)
{
	const CompileCase *c = &compile_cases[_i];
	grafi_compiled_query cq;
	graf_status_t st = grafi_query_compile(idx, c->query, c->match, &cq);

	if (!c->tree) {
		ck_assert_msg(st == GRAF_STATUS_BAD_QUERY, "[%s] should be refused, got %d (%s)",
			      c->query, st, st ? graf_index_errmsg(idx) : cq.tree);
		ck_assert_msg(strstr(graf_index_errmsg(idx), c->error) != NULL,
			      "[%s]: message '%s' lacks '%s'", c->query, graf_index_errmsg(idx),
			      c->error);
		ck_assert_msg(!strchr(graf_index_errmsg(idx), '\n'), "message not one line");
		return;
	}
	ck_assert_msg(st == GRAF_STATUS_OK, "[%s]: %s", c->query, graf_index_errmsg(idx));
	ck_assert_msg(strcmp(cq.tree, c->tree) == 0, "[%s]: tree %s, want %s", c->query, cq.tree,
		      c->tree);
#define CHECK_EXPR(field, want)                                                               \
	ck_assert_msg((!cq.field && !(want)) || (cq.field && (want) && strcmp(cq.field, want) == 0), \
		      "[%s]: " #field " [%s], want [%s]", c->query, cq.field ? cq.field : "(null)", \
		      (want) ? (want) : "(null)")
	CHECK_EXPR(match, c->para);
	CHECK_EXPR(title_match, c->title);
	CHECK_EXPR(exclude, c->exclude);
	CHECK_EXPR(title_exclude, c->title_exclude);
#undef CHECK_EXPR
	if (c->warning) {
		ck_assert_msg(cq.n_warnings > 0, "[%s]: no warning, want '%s'", c->query, c->warning);
		ck_assert_msg(strstr(cq.warnings[0], c->warning) != NULL,
			      "[%s]: warning '%s' lacks '%s'", c->query, cq.warnings[0], c->warning);
	} else {
		ck_assert_msg(cq.n_warnings == 0, "[%s]: unexpected warning '%s'", c->query,
			      cq.warnings[0]);
	}
	for (size_t i = 0; i < cq.n_warnings; i++)
		ck_assert_msg(!strchr(cq.warnings[i], '\n') && !strchr(cq.warnings[i], '\x1b'),
			      "[%s]: warning not one clean line", c->query);
	grafi_compiled_query_release(&cq);
}
END_TEST

/*
 * Every compiled expression is valid FTS5 and runs: the same table, through
 * the whole query path.  A refused query fails as a query error, nothing
 * else.
 */
START_TEST(test_compile_runs)
{
	const CompileCase *c = &compile_cases[_i];
	graf_search_options opts;
	graf_query *q = NULL;
	graf_status_t st;

	graf_search_options_init(&opts);
	opts.match = c->match;
	opts.limit = 0;
	st = graf_query_run(idx, c->query, &opts, &q);
	if (!c->tree) {
		ck_assert_int_eq(st, GRAF_STATUS_BAD_QUERY);
		ck_assert_ptr_null(q);
		return;
	}
	ck_assert_msg(st == GRAF_STATUS_OK, "[%s]: %s", c->query, graf_index_errmsg(idx));
	while (graf_query_next(q))
		;
	ck_assert_msg(graf_query_status(q) == GRAF_STATUS_OK, "[%s]: %s", c->query,
		      graf_index_errmsg(idx));
	graf_query_free(q);
}
END_TEST

/* ------------------------------------------------------------- limits -- */

/* A malloc'ed query of N words "w0 w1 ..." (or N copies of WORD). */
static char *
manyWords(size_t n, const char *word)
{
	size_t cap = n * 12 + 1, len = 0;
	char *s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)(word ? snprintf(s + len, cap - len, "%s%s", i ? " " : "", word)
				     : snprintf(s + len, cap - len, "%sw%zu", i ? " " : "", i));
	return s;
}

/* Compile TEXT, expecting STATUS; the message must contain WANT. */
static void
compileExpect(const char *text, graf_match_t match, graf_status_t status, const char *want)
{
	grafi_compiled_query cq;
	graf_status_t st = grafi_query_compile(idx, text, match, &cq);

	ck_assert_msg(st == status, "status %d, want %d (%s)", st, status, graf_index_errmsg(idx));
	if (st == GRAF_STATUS_OK)
		grafi_compiled_query_release(&cq);
	else if (want)
		ck_assert_msg(strstr(graf_index_errmsg(idx), want), "message '%s' lacks '%s'",
			      graf_index_errmsg(idx), want);
}

START_TEST(test_limit_words)
{
	char *q = manyWords(GRAFI_QUERY_MAX_WORDS, NULL);

	compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_OK, NULL);
	compileExpect(q, GRAF_MATCH_ANY, GRAF_STATUS_OK, NULL);
	free(q);
	q = manyWords(GRAFI_QUERY_MAX_WORDS + 1, NULL);
	compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_BAD_QUERY, "more than 1000 words");
	free(q);
	/* 10 000 words: refused, quickly, whatever the mode. */
	q = manyWords(10000, NULL);
	compileExpect(q, GRAF_MATCH_ANY, GRAF_STATUS_BAD_QUERY, "more than 1000 words");
	free(q);
	/* The words of a phrase count too. */
	q = manyWords(1002, "a");
	q[0] = '"';
	compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_BAD_QUERY, "more than 1000 words");
	free(q);
}
END_TEST

START_TEST(test_limit_bytes)
{
	char *q = malloc(GRAFI_QUERY_MAX_BYTES + 2);

	ck_assert_ptr_nonnull(q);
	/* One 64 KiB word is answered (it finds nothing). */
	memset(q, 'x', GRAFI_QUERY_MAX_BYTES);
	q[GRAFI_QUERY_MAX_BYTES] = '\0';
	compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_OK, NULL);
	q[GRAFI_QUERY_MAX_BYTES] = 'x';
	q[GRAFI_QUERY_MAX_BYTES + 1] = '\0';
	compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_BAD_QUERY, "longer than 65536 bytes");
	compileExpect(q, GRAF_MATCH_RAW, GRAF_STATUS_BAD_QUERY, "longer than 65536 bytes");
	free(q);
}
END_TEST

/* Queries at the nesting limit, shaped to nest FTS5's parser as deeply as
 * graf's emitter can, must run; one level more is refused. */
START_TEST(test_limit_depth)
{
	/* Per level: "wN -(" / "wN OR (" / "(wN OR (" ... */
	static const char *const shapes[][2] = {
		{ "w%d -(", ")" },
		{ "w%d OR (", ")" },
		{ "w%d (x%d OR (", "))" },
		{ "w%d -(x%d OR (", "))" },
		{ "w%d -(x%d (y%d OR -(", ")))" },
		{ "(", ")" },
	};

	for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
		char q[8192];
		size_t len = 0;
		int levels = 0, opens = 0;
		graf_query *gq = NULL;
		graf_status_t st;

		for (const char *c = shapes[k][0]; *c; c++)
			opens += *c == '(';
		levels = GRAFI_QUERY_MAX_DEPTH / opens;
		for (int i = 0; i < levels; i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			len += (size_t)snprintf(q + len, sizeof q - len, shapes[k][0], i, i, i);
#pragma GCC diagnostic pop
		}
		len += (size_t)snprintf(q + len, sizeof q - len, "chips export");
		for (int i = 0; i < levels; i++)
			len += (size_t)snprintf(q + len, sizeof q - len, "%s", shapes[k][1]);
		len += (size_t)snprintf(q + len, sizeof q - len, " chips");
		st = graf_query_run(idx, q, NULL, &gq);
		ck_assert_msg(st == GRAF_STATUS_OK, "[%s]: %s", q, graf_index_errmsg(idx));
		while (graf_query_next(gq))
			;
		ck_assert_msg(graf_query_status(gq) == GRAF_STATUS_OK, "[%s]: %s", q,
			      graf_index_errmsg(idx));
		graf_query_free(gq);
	}
	{
		char q[256];
		int n = GRAFI_QUERY_MAX_DEPTH;

		snprintf(q, sizeof q, "%.*sa", n, "((((((((((((((((((((((((((((((((((((((((");
		compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_OK, NULL);
		snprintf(q, sizeof q, "%.*sa", n + 1, "((((((((((((((((((((((((((((((((((((((((");
		compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_BAD_QUERY, "more than 16 deep");
	}
}
END_TEST

/* Many warnings are capped, with a count of the rest. */
START_TEST(test_limit_warnings)
{
	char *q = manyWords(100, "$");
	grafi_compiled_query cq;
	size_t len = strlen(q);

	q = realloc(q, len + 8);
	ck_assert_ptr_nonnull(q);
	strcpy(q + len, " chips");
	ck_assert_int_eq(grafi_query_compile(idx, q, GRAF_MATCH_ALL, &cq), GRAF_STATUS_OK);
	ck_assert_uint_eq(cq.n_warnings, GRAFI_QUERY_MAX_WARNINGS + 1);
	ck_assert_str_eq(cq.warnings[GRAFI_QUERY_MAX_WARNINGS], "80 more warnings not shown");
	grafi_compiled_query_release(&cq);
	free(q);
}
END_TEST

/* Deep runs of prefix operators and parentheses that close themselves cost
 * no stack and no time. */
START_TEST(test_limit_long_runs)
{
	size_t n = 60000;
	char *q = malloc(n + 8);

	ck_assert_ptr_nonnull(q);
	for (size_t i = 0; i < n; i += 2)
		memcpy(q + i, "- ", 2);
	strcpy(q + n, "chips");
	compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_OK, NULL);
	for (size_t i = 0; i < n; i++)
		q[i] = ')';
	compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_OK, NULL);
	for (size_t i = 0; i < n; i++)
		q[i] = '"';
	compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_OK, NULL);
	for (size_t i = 0; i < n; i += 4)
		memcpy(q + i, "NOT ", 4);
	compileExpect(q, GRAF_MATCH_ALL, GRAF_STATUS_OK, NULL);
	free(q);
}
END_TEST

/* ------------------------------------------------------------------ api -- */

/* Run TEXT with MATCH (limit 0), collecting the paragraphs it finds. */
static long
runCount(const char *text, graf_match_t match, const char *must_not_contain)
{
	graf_search_options opts;
	graf_query *q = NULL;
	const graf_hit *hit;
	long n = 0;

	graf_search_options_init(&opts);
	opts.match = match;
	opts.limit = 0;
	ck_assert_msg(graf_query_run(idx, text, &opts, &q) == GRAF_STATUS_OK, "[%s]: %s", text,
		      graf_index_errmsg(idx));
	while ((hit = graf_query_next(q))) {
		n++;
		if (must_not_contain)
			ck_assert_msg(!strstr(hit->text, must_not_contain), "[%s] found '%s' in: %s",
				      text, must_not_contain, hit->text);
	}
	ck_assert_int_eq(graf_query_status(q), GRAF_STATUS_OK);
	graf_query_free(q);
	return n;
}

START_TEST(test_api_explain)
{
	graf_search_options opts;
	graf_query *q = NULL;
	const char *e;

	graf_search_options_init(&opts);
	ck_assert_int_eq(opts.explain, 0);
	ck_assert_int_eq(graf_query_run(idx, "chips China -H20", &opts, &q), GRAF_STATUS_OK);
	ck_assert_ptr_null(graf_query_explain(q));
	graf_query_free(q);

	opts.explain = 1;
	ck_assert_int_eq(graf_query_run(idx, "chips China -H20 title:nvidia", &opts, &q),
			 GRAF_STATUS_OK);
	e = graf_query_explain(q);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strstr(e, "word \"chips\" -> chip\n"), "%s", e);
	ck_assert_msg(strstr(e, "NOT word \"H20\" -> h20\n"), "%s", e);
	ck_assert_msg(strstr(e, "title: word \"nvidia\" -> nvidia\n"), "%s", e);
	ck_assert_msg(strstr(e, "(\"chips\" AND \"China\") NOT \"H20\"\n"), "%s", e);
	ck_assert_msg(strstr(e, "headlines:") && strstr(e, "\"nvidia\"\n"), "%s", e);
	graf_query_free(q);

	opts.match = GRAF_MATCH_RAW;
	ck_assert_int_eq(graf_query_run(idx, "chips NOT h20", &opts, &q), GRAF_STATUS_OK);
	e = graf_query_explain(q);
	ck_assert_msg(e && strstr(e, "raw FTS5") && strstr(e, "chips NOT h20"), "%s", e);
	graf_query_free(q);
}
END_TEST

START_TEST(test_api_warnings)
{
	graf_query *q = NULL;

	ck_assert_int_eq(graf_query_run(idx, "chips OR", NULL, &q), GRAF_STATUS_OK);
	ck_assert_uint_eq(graf_query_warning_count(q), 1);
	ck_assert_str_eq(graf_query_warning(q, 0), "'OR' has nothing on its right; ignored");
	ck_assert_ptr_null(graf_query_warning(q, 1));
	graf_query_free(q);
	ck_assert_int_eq(graf_query_run(idx, "chips", NULL, &q), GRAF_STATUS_OK);
	ck_assert_uint_eq(graf_query_warning_count(q), 0);
	ck_assert_ptr_null(graf_query_warning(q, 0));
	graf_query_free(q);
}
END_TEST

/* What the language promises on corpus/, checked on the hits. */
START_TEST(test_api_semantics)
{
	long all = runCount("chips China", GRAF_MATCH_ALL, NULL);
	long excl = runCount("chips China -H20", GRAF_MATCH_ALL, "H20");

	ck_assert_int_gt(excl, 0);
	ck_assert_int_lt(excl, all);
	/* The exclusion of a phrase removes the phrase, not its words. */
	ck_assert_int_gt(runCount("export -\"export controls\"", GRAF_MATCH_ALL, "export controls"), 0);
	ck_assert_int_lt(runCount("export -\"export controls\"", GRAF_MATCH_ALL, NULL),
			 runCount("export", GRAF_MATCH_ALL, NULL));
	/* --any finds at least what AND finds. */
	ck_assert_int_ge(runCount("chips China", GRAF_MATCH_ANY, NULL), all);
	/* OR: the union. */
	ck_assert_int_eq(runCount("Tencent OR ByteDance", GRAF_MATCH_ALL, NULL),
			 runCount("Tencent", GRAF_MATCH_ALL, NULL) +
				 runCount("ByteDance -Tencent", GRAF_MATCH_ALL, NULL));
	/* title-only: all paragraphs of the matching articles. */
	ck_assert_int_gt(runCount("title:praises", GRAF_MATCH_ALL, NULL),
			 runCount("praises", GRAF_MATCH_ALL, NULL));
	ck_assert_int_eq(runCount("title:praises -title:praises chips", GRAF_MATCH_ALL, NULL), 0);
	ck_assert_int_eq(runCount("title:praises chips", GRAF_MATCH_ALL, NULL) +
				 runCount("-title:praises chips", GRAF_MATCH_ALL, NULL),
			 runCount("chips", GRAF_MATCH_ALL, NULL));
	ck_assert_int_eq(runCount("title:praises -china", GRAF_MATCH_ALL, "China") +
				 runCount("title:praises china", GRAF_MATCH_ALL, NULL),
			 runCount("title:praises", GRAF_MATCH_ALL, NULL));
	/* A 5000-character word is answered: nothing. */
	{
		char *w = malloc(5001);

		ck_assert_ptr_nonnull(w);
		memset(w, 'q', 5000);
		w[5000] = '\0';
		ck_assert_int_eq(runCount(w, GRAF_MATCH_ALL, NULL), 0);
		free(w);
	}
}
END_TEST

/* Suggest for TEXT (which must find nothing); *OUT as graf_query_suggest()
 * gives it. */
static void
suggest(const char *text, char **out)
{
	graf_query *q = NULL;

	ck_assert_int_eq(graf_query_run(idx, text, NULL, &q), GRAF_STATUS_OK);
	ck_assert_msg(graf_query_next(q) == NULL, "[%s] found something", text);
	ck_assert_int_eq(graf_query_suggest(q, out), GRAF_STATUS_OK);
	graf_query_free(q);
}

START_TEST(test_api_suggest)
{
	char *s = NULL;

	/* Typos: replaced by the word as the text writes it, case as typed. */
	suggest("exprot contrls", &s);
	ck_assert_pstr_eq(s, "export controls");
	free(s);
	suggest("Nvidai semiconductrs", &s);
	ck_assert_pstr_eq(s, "Nvidia semiconductors");
	free(s);
	/* Words as written, not stems ("govern"); in the case style typed:
	 * lower, capital first, or (anything else) as the text has it. */
	suggest("goverment", &s);
	ck_assert_pstr_eq(s, "government");
	free(s);
	suggest("bejing", &s);
	ck_assert_pstr_eq(s, "beijing");
	free(s);
	suggest("Presidnt Trump", &s);
	ck_assert_pstr_eq(s, "President Trump");
	free(s);
	suggest("NVIDAI", &s);
	ck_assert_pstr_eq(s, "Nvidia");
	free(s);
	/* Operators and known words are kept; only unknown words change. */
	suggest("title:nvidia \"rare earts\" -copper", &s);
	ck_assert_pstr_eq(s, "title:nvidia \"rare earths\" -copper");
	free(s);
	/* Every word indexed: nothing to suggest. */
	suggest("copper Jensen", &s);
	ck_assert_ptr_null(s);
	/* Nothing close: nothing to suggest. */
	suggest("zzzzqqqq", &s);
	ck_assert_ptr_null(s);
	/* Excluded words are not corrected. */
	suggest("chips -exprot zzzzqqqq", &s);
	ck_assert_ptr_null(s);
}
END_TEST

/* The suggestion for TEXT with the vocabulary walk pruned or exhaustive
 * (malloc'ed, or NULL); NULL too when TEXT finds something. */
static char *
suggestWalk(const char *text, bool exhaustive)
{
	graf_query *q = NULL;
	char *out = NULL;

	if (graf_query_run(idx, text, NULL, &q) != GRAF_STATUS_OK)
		return NULL;
	if (graf_query_next(q) == NULL) {
		grafi_suggest_exhaustive(exhaustive);
		ck_assert_int_eq(graf_query_suggest(q, &out), GRAF_STATUS_OK);
		grafi_suggest_exhaustive(false);
	}
	graf_query_free(q);
	return out;
}

/* Write the vocabulary's blocks again, at most BYTES each (0: the size
 * graf writes), through a handle of its own. */
static void
rewriteBlocks(int bytes)
{
	graf_index *w = NULL;
	char *err = NULL, size[32];

	snprintf(size, sizeof size, "%d", bytes);
	if (bytes > 0)
		setenv("GRAF_DEBUG_VOCAB_BYTES", size, 1);
	ck_assert_int_eq(graf_index_open(db_path, GRAF_OPEN_WRITE, NULL, &w, &err), GRAF_STATUS_OK);
	ck_assert_int_eq(sqlite3_exec(graf_index_db(w), "BEGIN; DELETE FROM vocab", NULL, NULL,
				      NULL), SQLITE_OK);
	ck_assert_int_eq(grafi_vocab_fill(w), GRAF_STATUS_OK);
	ck_assert_int_eq(sqlite3_exec(graf_index_db(w), "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	graf_index_close(w);
	unsetenv("GRAF_DEBUG_VOCAB_BYTES");
}

/*
 * The pruned walk through the vocabulary's blocks suggests what the
 * exhaustive one through post_df does: for misspellings of every indexed
 * term (a letter dropped, doubled, changed or swapped with the next, in
 * short and long words, alone and three at a time), and the suggestions
 * are not all empty.  Run twice: with the blocks graf writes (two, for
 * this corpus), and with blocks of a few terms each, where nearly every
 * skip crosses blocks and seeks.
 */
START_TEST(test_suggest_pruned)
{
	sqlite3_stmt *stmt;
	char *words[3] = { NULL, NULL, NULL };
	long compared = 0, suggested = 0, n_terms = 0;

	if (_i == 1) {
		rewriteBlocks(24);
		ck_assert_int_eq(sqlite3_prepare_v2(graf_index_db(idx),
						    "SELECT count(*) FROM vocab", -1, &stmt, NULL),
				 SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
		ck_assert_int_gt(sqlite3_column_int(stmt, 0), 100);
		sqlite3_finalize(stmt);
	}

	ck_assert_int_eq(sqlite3_prepare_v2(graf_index_db(idx),
					    "SELECT CAST(term AS TEXT) FROM post_df WHERE tbl = 0",
					    -1, &stmt, NULL), SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *term = (const char *)sqlite3_column_text(stmt, 0);
		size_t len = strlen(term);

		n_terms++;
		for (int m = 0; m < 5 && len >= 3; m++) {
			size_t at = (len * (size_t)(m + 1)) / 6;
			char typo[256];
			char *pruned, *full;

			if (len + 2 > sizeof typo)
				break;
			switch (m) {
			case 0:  /* a letter dropped */
				snprintf(typo, sizeof typo, "%.*s%s", (int)at, term, term + at + 1);
				break;
			case 1:  /* a letter doubled, capital first */
				snprintf(typo, sizeof typo, "%.*s%s", (int)at + 1, term, term + at);
				typo[0] = (char)(typo[0] >= 'a' && typo[0] <= 'z' ? typo[0] - 32 : typo[0]);
				break;
			case 2:  /* a letter changed */
				snprintf(typo, sizeof typo, "%s", term);
				typo[at] = typo[at] == 'q' ? 'z' : 'q';
				break;
			case 3:  /* two letters swapped */
				snprintf(typo, sizeof typo, "%s", term);
				if (at + 1 < len) {
					char c = typo[at];

					typo[at] = typo[at + 1];
					typo[at + 1] = c;
				}
				break;
			default:  /* a suffix added, for the typed prefix */
				snprintf(typo, sizeof typo, "%sxy", term);
				break;
			}
			pruned = suggestWalk(typo, false);
			full = suggestWalk(typo, true);
			ck_assert_msg((!pruned && !full) || (pruned && full && strcmp(pruned, full) == 0),
				      "[%s]: pruned '%s', exhaustive '%s'", typo,
				      pruned ? pruned : "(none)", full ? full : "(none)");
			compared++;
			suggested += pruned != NULL;
			free(pruned);
			free(full);
			/* three at a time: this one and the two before (every
			 * fifth time, for the test's time under sanitizers) */
			free(words[2]);
			words[2] = words[1];
			words[1] = words[0];
			words[0] = strdup(typo);
			if (words[2] && compared % 5 == 0) {
				char *three = ck_printf("%s %s %s", words[0], words[1], words[2]);

				pruned = suggestWalk(three, false);
				full = suggestWalk(three, true);
				ck_assert_msg((!pruned && !full) ||
					      (pruned && full && strcmp(pruned, full) == 0),
					      "[%s]: pruned '%s', exhaustive '%s'", three,
					      pruned ? pruned : "(none)", full ? full : "(none)");
				free(pruned);
				free(full);
				free(three);
			}
		}
	}
	sqlite3_finalize(stmt);
	for (int i = 0; i < 3; i++)
		free(words[i]);
	ck_assert_int_gt(n_terms, 300);
	ck_assert_int_gt(compared, 1000);
	ck_assert_int_gt(suggested, compared / 4);
	if (_i == 1)
		rewriteBlocks(0);
}
END_TEST

/* Raw mode: FTS5's own errors, on one line; no suggestions. */
START_TEST(test_api_raw)
{
	graf_search_options opts;
	graf_query *q = NULL;
	char *s = (char *)1;

	graf_search_options_init(&opts);
	opts.match = GRAF_MATCH_RAW;
	ck_assert_int_eq(graf_query_run(idx, "multi-agent", &opts, &q), GRAF_STATUS_BAD_QUERY);
	ck_assert_msg(strstr(graf_index_errmsg(idx), "bad FTS5 query"), "%s", graf_index_errmsg(idx));
	ck_assert_int_eq(graf_query_run(idx, "\"a\nb", &opts, &q), GRAF_STATUS_BAD_QUERY);
	ck_assert_msg(!strchr(graf_index_errmsg(idx), '\n'), "%s", graf_index_errmsg(idx));
	ck_assert_int_eq(graf_query_run(idx, "zzzzqqqq", &opts, &q), GRAF_STATUS_OK);
	ck_assert_ptr_null(graf_query_next(q));
	ck_assert_int_eq(graf_query_suggest(q, &s), GRAF_STATUS_OK);
	ck_assert_ptr_null(s);
	graf_query_free(q);
}
END_TEST

/* The lexer alone: byte offsets and token types. */
START_TEST(test_lexer)
{
	static const struct {
		const char *text;
		const char *types;   /* one letter per token */
	} cases[] = {
		/* w word, p phrase, ( ), o OR, a AND, n NOT, - minus, f title:,
		 * N NEAR, G NEAR(, , comma */
		{ "a OR b", "wow" },
		{ "open-source -x --y -", "w-w-w-" },
		{ "title:x -title:\"y\" title:(", "fw-fpf(" },
		{ "NEAR(a, 3) NEAR/4 NEAR NEARS near", "Gw,w)NNww" },
		{ "\"a (b)\" (c)", "p(w)" },
		{ "x\xe2\x80\x9cy z\xe2\x80\x9dw", "wpw" },
	};
	static const char letters[GRAFI_QLEX_LAST + 1] = "Ewp()oan-fNG,";

	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		grafi_qlex lx;
		grafi_qlex_token t;
		char got[64];
		size_t n = 0, prev_end = 0;

		grafi_qlex_init(&lx, cases[k].text, strlen(cases[k].text));
		for (;;) {
			grafi_qlex_next(&lx, &t);
			if (t.type == GRAFI_QLEX_NEAR_GROUP)
				lx.near_mode = true;
			if (t.type == GRAFI_QLEX_RPAREN)
				lx.near_mode = false;
			if (t.type == GRAFI_QLEX_END)
				break;
			ck_assert_uint_ge(t.start, prev_end);
			ck_assert_uint_gt(t.end, t.start);
			prev_end = t.end;
			got[n++] = letters[t.type];
		}
		got[n] = '\0';
		ck_assert_msg(strcmp(got, cases[k].types) == 0, "[%s]: %s, want %s", cases[k].text,
			      got, cases[k].types);
	}
}
END_TEST

START_TEST(test_snippet)
{
	char buf[64];

	ck_assert_str_eq(grafi_query_snippet("abc", 3, buf, sizeof buf), "abc");
	ck_assert_str_eq(grafi_query_snippet("a\nb\x1b", 4, buf, sizeof buf), "a?b?");
	/* 50 bytes: cut at 40, "..." after. */
	ck_assert_str_eq(grafi_query_snippet("0123456789012345678901234567890123456789abcdefghij",
					     50, buf, sizeof buf),
			 "0123456789012345678901234567890123456789...");
	/* Never inside a UTF-8 sequence (U+00E9 is two bytes). */
	grafi_query_snippet("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			    "\xc3\xa9\xc3\xa9x\xc3\xa9",
			    44, buf, sizeof buf);
	ck_assert(grafi_utf8_valid(buf, strlen(buf)));
}
END_TEST

Suite *
query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc;
	int n = (int)(sizeof compile_cases / sizeof *compile_cases);

	tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, indexBuild, indexRemove);
	tcase_add_checked_fixture(tc, indexOpen, indexClose);
	tcase_add_loop_test(tc, test_compile, 0, n);
	tcase_add_loop_test(tc, test_compile_runs, 0, n);
	tcase_add_test(tc, test_lexer);
	tcase_add_test(tc, test_snippet);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_unchecked_fixture(tc, indexBuild, indexRemove);
	tcase_add_checked_fixture(tc, indexOpen, indexClose);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_limit_words);
	tcase_add_test(tc, test_limit_bytes);
	tcase_add_test(tc, test_limit_depth);
	tcase_add_test(tc, test_limit_warnings);
	tcase_add_test(tc, test_limit_long_runs);
	tcase_add_loop_test(tc, test_suggest_pruned, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_unchecked_fixture(tc, indexBuild, indexRemove);
	tcase_add_checked_fixture(tc, indexOpen, indexClose);
	tcase_add_test(tc, test_api_explain);
	tcase_add_test(tc, test_api_warnings);
	tcase_add_test(tc, test_api_semantics);
	tcase_add_test(tc, test_api_suggest);
	tcase_add_test(tc, test_api_raw);
	suite_add_tcase(s, tc);
	return s;
}
