#!/bin/sh
# T100-query: the query language end to end, with the real binaries on
# corpus/: the examples of doc/query-language.md, exit statuses, warnings,
# --explain and "did you mean".
set -eu

srcdir=${srcdir:-.}
builddir=${builddir:-.}
index_bin=$builddir/indexer/graf-index
search_bin=$builddir/searcher/graf-search

mkdir -p "$builddir/tests/tmp"
tmp=$(mktemp -d "$builddir/tests/tmp/T100-query.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
db=$tmp/graf.db
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# search ARGS...: run graf-search, keeping stdout in $tmp/out, stderr in
# $tmp/err and the exit status in $status.
search() {
	status=0
	"$search_bin" --index "$db" --color=never -n 0 "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
}

# The paragraph texts of the hits in $tmp/out, one per line.
texts() {
	awk '/^[0-9]+\. /{ getline; getline; sub(/^   /, ""); print }' "$tmp/out"
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "$2: exit status $status, want $1 ($(sed -n 1,3p "$tmp/err"))"
}

# Every hit contains PATTERN (grep -E), and there is at least one hit.
expect_all() {
	texts >"$tmp/texts"
	[ -s "$tmp/texts" ] || { fail "$2: no hits"; return 0; }
	if grep -Ev -- "$1" "$tmp/texts" >"$tmp/bad"; then
		fail "$2: a hit lacks /$1/: $(head -n 1 "$tmp/bad")"
	fi
}

# No hit contains PATTERN (grep -E).
expect_none() {
	texts >"$tmp/texts"
	if grep -E -- "$1" "$tmp/texts" >"$tmp/bad"; then
		fail "$2: a hit has /$1/: $(head -n 1 "$tmp/bad")"
	fi
}

# stderr contains the fixed string TEXT.
expect_err() {
	grep -F -- "$1" "$tmp/err" >/dev/null || fail "$2: stderr lacks '$1': $(cat "$tmp/err")"
}

expect_out() {
	grep -F -- "$1" "$tmp/out" >/dev/null || fail "$2: stdout lacks '$1'"
}

count() {
	texts | wc -l | tr -d ' '
}

"$index_bin" --index "$db" "$srcdir/corpus" >/dev/null 2>&1

# --- the examples of the issue -----------------------------------------------
search export controls
expect_status 0 "export controls"
expect_all '[Ee]xport' "export controls"
expect_all '[Cc]ontrol' "export controls"

search '"rare earths"'
expect_status 0 "phrase"
expect_all '[Rr]are earth' "phrase"

# A phrase is in order and adjacent: "earths rare" is not "rare earths".
search '"earths rare"'
expect_status 1 "phrase order"

search -- H20 -RTX
expect_status 0 "H20 -RTX"
expect_all 'H20' "H20 -RTX"
expect_none 'RTX' "H20 -RTX"

search U.S.
expect_status 0 "U.S."
expect_all 'U\.S\.' "U.S."

search U.S. licenses
expect_status 0 "U.S. licenses"
expect_all 'U\.S\.' "U.S. licenses"
expect_all '[Ll]icens' "U.S. licenses"

search chips China
all=$(count)
search -- chips China -H20
expect_status 0 "chips China -H20"
expect_none 'H20' "chips China -H20"
[ "$(count)" -lt "$all" ] || fail "chips China -H20: excluded nothing"

search '"scaled-down version"'
expect_status 0 "scaled-down version"
texts | head -n 1 | grep -F 'H20' >/dev/null || fail "scaled-down version: first hit is not the H20 paragraph"

search open-source
expect_status 0 "open-source"
expect_all 'open-source' "open-source"

search "Huang's"
expect_status 0 "Huang's"
expect_all 'Huang' "Huang's"

search 'title:nvidia licen*'
expect_status 0 "title:nvidia licen*"
expect_all '[Ll]icen' "title:nvidia licen*"

# title: only: the articles' paragraphs in order.
search 'title:praises'
expect_status 0 "title only"
awk '/^   corpus\// { print $1 }' "$tmp/out" | sed 's/.*://' >"$tmp/paras"
sort -n "$tmp/paras" | cmp -s - "$tmp/paras" || fail "title only: paragraphs not in order"
grep -F 'Backs' "$tmp/out" >/dev/null && fail "title only: another article's paragraph"

search -- 'title:praises -China'
expect_status 0 "title: with an exclusion"
expect_none 'China' "title: with an exclusion"

search -- chips -title:praises
expect_status 0 "-title:"
grep -F 'Praises' "$tmp/out" >/dev/null && fail "-title: an excluded article's paragraph"

search '$4 trillion'
expect_status 0 "symbols dropped"
expect_all '\$4 trillion' "symbols dropped"
[ ! -s "$tmp/err" ] || fail "symbols dropped: unexpected stderr: $(cat "$tmp/err")"

search 'Tencent OR ByteDance'
expect_status 0 "OR"
expect_all 'Tencent|ByteDance' "OR"

search 'NEAR(Nvidia licenses, 3)'
expect_status 0 "NEAR"
expect_all 'Nvidia' "NEAR"

search the chips China wants from Nvidia and the U.S. export rules and regulations
expect_status 1 "long query, all words"
search --any the chips China wants from Nvidia and the U.S. export rules and regulations
expect_status 0 "long query, --any"

# --- never fail on input ---------------------------------------------------------
search '"rare earths'
expect_status 0 "unclosed quote"
expect_err 'graf-search: warning: unbalanced quote closed at the end of the query' "unclosed quote"

search '(chips OR copper'
expect_status 0 "unclosed parenthesis"
expect_err "graf-search: warning: '(' not closed; closed at the end of the query" "unclosed parenthesis"

search chips OR
expect_status 0 "dangling OR"
expect_err "graf-search: warning: 'OR' has nothing on its right; ignored" "dangling OR"

for q in 'OR chips' 'chips -' 'chips *' 'chips title:' 'chips NEAR(' 'chips)' 'chips "' \
	'multi-agent chips' 'chips NEAR/3' 'chips (' '((((chips'; do
	search -- "$q"
	[ "$status" -le 1 ] || fail "[$q]: exit status $status: $(cat "$tmp/err")"
	grep -Ev '^graf-search: (warning|no match)' "$tmp/err" >/dev/null &&
		fail "[$q]: unexpected stderr: $(cat "$tmp/err")"
done

search -- -H20
expect_status 2 "only exclusions"
expect_err "graf-search: query '-H20' only excludes words; add a word to search for" "only exclusions"

search '$ % &'
expect_status 2 "no word"
expect_err "has no word to search for" "no word"

search "$(printf 'chips \377')"
expect_status 2 "invalid UTF-8"
expect_err "not valid UTF-8" "invalid UTF-8"

search "$(awk 'BEGIN { for (i = 0; i < 10000; i++) printf "w%d ", i }')"
expect_status 2 "10 000 words"
expect_err "more than 1000 words" "10 000 words"

search "$(awk 'BEGIN { for (i = 0; i < 5000; i++) printf "x" }')"
expect_status 1 "5000-character word"

search "$(awk 'BEGIN { for (i = 0; i < 17; i++) printf "("; printf "chips" }')"
expect_status 2 "nesting"
expect_err "more than 16 deep" "nesting"

search --raw multi-agent
expect_status 2 "raw error"
expect_err "graf-search: bad FTS5 query:" "raw error"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "raw error: not one line: $(cat "$tmp/err")"

search --raw 'chips NOT h20'
expect_status 0 "raw"
expect_none 'H20' "raw"

# --- understanding what happened ---------------------------------------------
search --explain -- chips China -H20
expect_status 0 "explain"
expect_out 'tree:' "explain"
expect_out 'NOT word "H20" -> h20' "explain"
expect_out 'paragraphs:          ("chips" AND "China") NOT "H20"' "explain"
expect_out '1. ' "explain"

search exprot contrls
expect_status 1 "did you mean"
expect_err "graf-search: no match; did you mean: export controls" "did you mean"

search 'title:nvidia semiconductrs'
expect_status 1 "did you mean, title"
expect_err "did you mean: title:nvidia semiconductors" "did you mean, title"

# Words that are all indexed get no suggestion, only the status.
search copper Jensen
expect_status 1 "no suggestion"
[ ! -s "$tmp/err" ] || fail "no suggestion: unexpected stderr: $(cat "$tmp/err")"

# An exclusion on the command line without '--' gets a hint.
status=0
"$search_bin" --index "$db" H20 -RTX >/dev/null 2>"$tmp/err" || status=$?
expect_status 2 "option hint"
expect_err "put '--' before the query" "option hint"

search --help
expect_out 'OR binds tighter than AND' "help"

if [ "$failures" -ne 0 ]; then
	echo "T100-query: $failures failures" >&2
	exit 1
fi
echo "T100-query: ok"
