#!/bin/sh
# T010-index: graf-index on corpus/ - its summary line, its exit statuses,
# where the index goes, --help, --version, --language, --rebuild.
. "$(dirname "$0")/lib.sh"

copy_corpus
lines_paras=$(count_paragraphs "corpus/$LINES_FILE")
blocks_paras=$(count_paragraphs "corpus/$BLOCKS_FILE")
total=$((lines_paras + blocks_paras))
[ "$lines_paras" -gt 10 ] && [ "$blocks_paras" -gt 10 ] || fail "cannot count the paragraphs"

summary_re() {  # summary_re ADDED UPDATED REMOVED UNCHANGED SKIPPED PARAGRAPHS
	printf '^graf-index: %s added, %s updated, %s removed, %s unchanged, %s skipped; %s paragraphs written in [0-9]+\\.[0-9][0-9] s$' "$@"
}

# --- --help, --version, usage errors ----------------------------------------
run 0 graf_index --help
assert_empty "$err"
assert_contains "$out" "Usage: graf-index [OPTION]... [PATH]..."
for opt in --index --language --rebuild --quiet --verbose --list-languages --help --version; do
	assert_contains "$out" "$opt"
done
assert_contains "$out" "Exit status: 0"
run 0 graf_index -h
assert_contains "$out" "Usage: graf-index"

run 0 graf_index --version
assert_empty "$err"
assert_eq "$(head -n 1 "$out")" "graf-index (graf) $(package_version)" "--version"
run 0 graf_index -V
assert_contains "$out" "graf-index (graf)"

run 2 graf_index --bogus corpus
assert_empty "$out"
assert_contains "$err" "graf-index: unknown option '--bogus'"
assert_contains "$err" "Try 'graf-index --help'"
run 2 graf_index -x corpus
assert_contains "$err" "unknown option '-x'"
run 2 graf_index corpus --index
assert_contains "$err" "needs an argument"
[ ! -e index ] || fail "a usage error created an index"

run 0 graf_index --list-languages
for lang in english german french; do
	grep -q -x "$lang" "$out" || fail "--list-languages lacks $lang"
done

# --- a first run ---------------------------------------------------------------
run 0 graf_index -i idx/graf.db corpus
assert_empty "$out"
assert_one_line "$err"
grep -q -E "$(summary_re 2 0 0 0 0 "$total")" "$err" || fail "unexpected summary"
[ -s idx/graf.db ] || fail "no index at idx/graf.db"
[ ! -e index ] || fail "the default index was created too"

# A second run changes nothing.
run 0 graf_index --index idx/graf.db corpus
grep -q -E "$(summary_re 0 0 0 2 0 0)" "$err" || fail "unexpected summary"

# --quiet prints nothing; --verbose names every article.
run 0 graf_index -q -i quiet.db corpus
assert_empty "$out"
assert_empty "$err"
run 0 graf_index -v -i verbose.db corpus
assert_contains "$err" "added corpus/$LINES_FILE"
assert_contains "$err" "added corpus/$BLOCKS_FILE"
grep -q -E "$(summary_re 2 0 0 0 0 "$total")" "$err" || fail "unexpected summary"

# --- where the index goes ------------------------------------------------------
# No PATH: corpus/ of the current directory; no --index: index/graf.db.
run 0 graf_index
grep -q -E "$(summary_re 2 0 0 0 0 "$total")" "$err" || fail "unexpected summary"
[ -s index/graf.db ] || fail "no index at the default index/graf.db"
# $GRAF_INDEX names the index; --index wins over it.
run 0 env GRAF_INDEX="$tmp/env.db" "$GRAF_INDEX_BIN" corpus
[ -s env.db ] || fail "\$GRAF_INDEX was not used"
run 0 env GRAF_INDEX="$tmp/env2.db" "$GRAF_INDEX_BIN" -i opt.db corpus
[ -s opt.db ] && [ ! -e env2.db ] || fail "--index does not win over \$GRAF_INDEX"
# Searching finds what was indexed, through the same variable.
run 0 env GRAF_INDEX="$tmp/env.db" "$GRAF_SEARCH_BIN" ByteDance

# --- languages -------------------------------------------------------------------
run 2 graf_index --language klingon -i klingon.db corpus
assert_contains "$err" "klingon"
assert_one_line "$err"
[ ! -e klingon.db ] || fail "an index was created for an unknown language"

run 0 graf_index --language german -i german.db corpus
run 0 graf_index -l german -i german.db corpus
grep -q -E "$(summary_re 0 0 0 2 0 0)" "$err" || fail "unexpected summary"
run 2 graf_index --language english -i german.db corpus
assert_contains "$err" "german"
assert_contains "$err" "--rebuild"

# --rebuild builds a new index and replaces the old one, in another language
# if asked; nothing is left beside it.
run 0 graf_index --rebuild --language english -i german.db corpus
grep -q -E "$(summary_re 2 0 0 0 0 "$total")" "$err" || fail "unexpected summary"
run 0 graf_index --language english -i german.db corpus
grep -q -E "$(summary_re 0 0 0 2 0 0)" "$err" || fail "the rebuilt index is not English"
[ ! -e german.db.rebuild ] || fail "the rebuild file was left behind"
run 0 graf_search -i german.db "export controls"

# --- errors ------------------------------------------------------------------------
# The index is a directory.
mkdir adir
run 2 graf_index -i adir corpus
assert_contains "$err" "directory"
# A path that does not exist: warned about, named, counted as skipped.
run 1 graf_index -i idx/graf.db corpus no-such-dir
assert_contains "$err" "graf-index: warning: 'no-such-dir':"
grep -q -E "$(summary_re 0 0 0 2 1 0)" "$err" || fail "unexpected summary"

say "ok"
