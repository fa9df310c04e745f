#!/bin/sh
# Retrieval quality must not regress: run scripts/eval.sh (the "make eval"
# table) on the shared test collections and assert the floors that the
# ranking reached (doc/ranking.md).  Skipped when ../shared/data is absent.
set -eu

bin=${abs_top_builddir:-$(pwd)}
src=${abs_top_srcdir:-$(pwd)}
shared=${GRAF_SHARED:-$src/../shared}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/graf-T210.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

[ -d "$shared/data/cranfield" ] && [ -d "$shared/data/scifact" ] ||
	{ echo "SKIP: no test collections under $shared/data"; exit 77; }

BUILD=$bin OUT=$tmp GRAF_SHARED=$shared sh "$src/scripts/eval.sh" >"$tmp/table"
cat "$tmp/table"
figure() { awk -v s="$1" -v c="$2" '$1 == s && $2 == "graf" { print $c }' "$tmp/table"; }
at_least() {
	awk -v v="$2" -v f="$3" 'BEGIN { exit !(v + 0 >= f + 0) }' ||
		fail "$1 is $2, below the floor $3"
}

# Floors: issue 5 asked for Cranfield MAP >= 0.30 and SciFact nDCG@10 >= 0.68
# (plain FTS5 BM25), issue 6 SciFact nDCG@10 >= 0.70; the ranking of
# doc/ranking.md reached the figures below.
at_least "Cranfield MAP" "$(figure cranfield 3)" 0.34
at_least "Cranfield nDCG@10" "$(figure cranfield 4)" 0.40
at_least "SciFact nDCG@10" "$(figure scifact 4)" 0.70
at_least "SciFact R@100" "$(figure scifact 6)" 0.93
echo PASS
