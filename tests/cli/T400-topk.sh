#!/bin/sh
# T400-topk.sh - graf's top k equals the exhaustive ranking, cut at k, for a
# third of the benchmark queries (../shared/data/news-queries.tsv) on the BBC
# news set: same articles and paragraphs, same order, same scores.  The
# exhaustive ranking is the library's with no limit (graf-bench --check); the
# same comparison is made again outside the program, on the ranked lists it
# writes.  Guards the top-k search of the library (topk.c), which must
# prove its results exact.  Skipped (77) without ../shared/data.

: "${srcdir:=.}"
: "${builddir:=.}"
: "${abs_top_builddir:=$(cd "$builddir" && pwd)}"
: "${abs_top_srcdir:=$(cd "$srcdir" && pwd)}"
: "${GRAF_SHARED:=$abs_top_srcdir/../shared}"

INDEX="$abs_top_builddir/indexer/graf-index"
BENCH="$abs_top_builddir/bench/graf-bench"
QUERIES="$GRAF_SHARED/data/news-queries.tsv"
DOCS="$GRAF_SHARED/data/bbc/docs.jsonl"

if [ ! -f "$QUERIES" ] || [ ! -f "$DOCS" ]; then
	echo "T400-topk.sh: no news set at '$GRAF_SHARED/data'; skipped" >&2
	exit 77
fi
for p in "$INDEX" "$BENCH"; do
	if [ ! -x "$p" ]; then
		echo "T400-topk.sh: $p is not built" >&2
		exit 99
	fi
done

tmp=$(mktemp -d "$abs_top_builddir/tests/cli/T400-topk.tmp.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

failures=0
n=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failures=$((failures + 1))
	echo "not ok $n - $1"
	[ -f "$tmp/out" ] && sed 's/^/#   out: /' "$tmp/out"
	[ -f "$tmp/err" ] && sed -n '1,20s/^/#   err: /p' "$tmp/err"
}

# run ARGS...: run graf-bench on the slice, output in $tmp/out, $tmp/err,
# status in $status
run() {
	"$BENCH" --index "$tmp/bbc.db" "$@" "$tmp/queries.tsv" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# value NAME: the value of "NAME value" in $tmp/out
value() {
	awk -v n="$1" '$1 == n { print $2 }' "$tmp/out"
}

# expect_agree NAME ARGS...: --check finds every list equal
expect_agree() {
	name=$1
	shift
	run --check "$@"
	if [ "$status" -eq 0 ] && [ "$(value compared)" = "$nq" ] && [ "$(value differ)" = 0 ] &&
		[ "$(value errors)" = 0 ] && [ "$(value hits)" -gt 0 ]; then
		ok "$name"
	else
		not_ok "$name (status $status)"
	fi
}

"$INDEX" --quiet --index "$tmp/bbc.db" "$DOCS" 2>"$tmp/err" || {
	echo "T400-topk.sh: cannot index '$DOCS': $(cat "$tmp/err")" >&2
	exit 99
}
# A third of the queries, every class represented.
awk 'NR % 3 == 1' "$QUERIES" >"$tmp/queries.tsv"
nq=$(wc -l <"$tmp/queries.tsv" | tr -d ' ')

expect_agree "k=10: top k equals the exhaustive ranking for every query" -k 10
expect_agree "k=100" -k 100
expect_agree "k=1" -k 1
expect_agree "article unit, k=10" -k 10 --unit article
expect_agree "any word, k=10" -k 10 --any

# The checker itself: a list that lost its best hit must be caught.
run --check --perturb -k 10
if [ "$status" -eq 1 ] && [ "$(value differ)" -gt 0 ] && grep -q "rank 1: top-k" "$tmp/err"; then
	ok "--check reports a list that differs"
else
	not_ok "--check reports a list that differs (status $status)"
fi

# The same comparison outside the program, on the lists it writes.
run -k 10 --ranking "$tmp/topk.txt"
st1=$status
run -k 10 --exhaustive --ranking "$tmp/exhaustive.txt"
if [ "$st1" -eq 0 ] && [ "$status" -eq 0 ] && [ -s "$tmp/topk.txt" ] &&
	cmp -s "$tmp/topk.txt" "$tmp/exhaustive.txt"; then
	ok "--ranking: the top-k and exhaustive lists are identical"
else
	diff "$tmp/topk.txt" "$tmp/exhaustive.txt" | sed -n '1,10s/^/#   /p'
	not_ok "--ranking: the top-k and exhaustive lists are identical"
fi

echo "1..$n"
[ "$failures" -eq 0 ]
