#!/bin/sh
# T200-eval.sh - graf-eval end to end: the real binary on the small qrels and
# run of tests/data/eval (fixture A of tests/check_eval.c, whose comments
# derive every value by hand).  Checks trec_eval's layout byte for byte, the
# options (-q -m -c -M -l --format, standard input), and the exit status and
# message for bad input.  Self-contained: needs only a POSIX shell.

: "${srcdir:=.}"
: "${builddir:=.}"
: "${abs_top_builddir:=$(cd "$builddir" && pwd)}"
: "${abs_top_srcdir:=$(cd "$srcdir" && pwd)}"

EVAL="$abs_top_builddir/eval/graf-eval"
DATA="$abs_top_srcdir/tests/data/eval"
TAB=$(printf '\t')

tmp=$(mktemp -d "$abs_top_builddir/tests/cli/T200-eval.tmp.XXXXXX") || exit 99
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
	[ -f "$tmp/err" ] && sed 's/^/#   err: /' "$tmp/err"
}

# run ARGS...: run graf-eval (under $GRAF_TEST_WRAPPER when set: make
# check-valgrind), output in $tmp/out, $tmp/err, status in $status.
run() {
	# shellcheck disable=SC2086 # the wrapper is words
	${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$EVAL" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# expect_output NAME EXPECTED-FILE ARGS...: status 0, stdout = the file.
expect_output() {
	name=$1 expected=$2
	shift 2
	run "$@"
	if [ "$status" -eq 0 ] && cmp -s "$tmp/out" "$expected" && [ ! -s "$tmp/err" ]; then
		ok "$name"
	else
		diff "$expected" "$tmp/out" | sed 's/^/#   /'
		not_ok "$name (status $status)"
	fi
}

# expect_error NAME MESSAGE ARGS...: status 2, nothing on stdout, stderr
# contains "graf-eval: MESSAGE".
expect_error() {
	name=$1 message=$2
	shift 2
	run "$@"
	if [ "$status" -eq 2 ] && [ ! -s "$tmp/out" ] && grep -qF "graf-eval: $message" "$tmp/err"
	then
		ok "$name"
	else
		not_ok "$name (status $status, wanted 2 and 'graf-eval: $message')"
	fi
}

# expect_line NAME LINE ARGS...: status 0 and LINE is one of stdout's lines.
expect_line() {
	name=$1 line=$2
	shift 2
	run "$@"
	if [ "$status" -eq 0 ] && grep -qxF "$line" "$tmp/out"; then
		ok "$name"
	else
		not_ok "$name (wanted the line '$line')"
	fi
}

if [ ! -x "$EVAL" ]; then
	echo "T200-eval.sh: $EVAL is not built" >&2
	exit 99
fi
cd "$DATA" || exit 99

# --- trec_eval's layout -------------------------------------------------------
expect_output "default: the official measures" official.expected qrels.txt run.txt
expect_output "-q: per-query lines, then the summary" per-query.expected \
	-q -m num_ret -m map -m P.5 qrels.txt run.txt
expect_output "ndcg_cut, recall and ndcg with cutoffs" graded.expected \
	-m ndcg_cut.5,10,20 -m recall.5,10,100,1000 -m ndcg qrels.txt run.txt
expect_output "options after the operands, attached values" graded.expected \
	qrels.txt run.txt -mndcg_cut.5,10,20 --measure=recall.5,10,100,1000 -m ndcg
expect_output "the run from standard input" official.expected qrels.txt - <run.txt

# Every line: the name padded to 22 columns, TAB, query, TAB, value.  With
# -q: 62 per-query values for each of 3 queries (all but num_q and gm_map),
# then runid and the 64 summary values.
run -q -m all_trec qrels.txt run.txt
if [ "$status" -eq 0 ] &&
	! grep -v "^[A-Za-z0-9_.]* *$TAB[a-z0-9]*$TAB[-0-9.a-zA-Z]*\$" "$tmp/out" >/dev/null &&
	awk -F "$TAB" 'length($1) != 22 { bad = 1 } END { exit bad }' "$tmp/out" &&
	[ "$(grep -c "${TAB}all$TAB" "$tmp/out")" -eq 65 ] &&
	[ "$(grep -n "^runid" "$tmp/out" | cut -d: -f1)" -eq $((3 * 62 + 1)) ]; then
	ok "all_trec: layout of every line, runid first in the summary"
else
	not_ok "all_trec: layout of every line, runid first in the summary"
fi

# --- options -------------------------------------------------------------------
expect_line "-c averages over every query of the qrels" "num_q                 ${TAB}all${TAB}4" \
	-c qrels.txt run.txt
expect_line "-c: a query without results scores 0" "map                   ${TAB}q4${TAB}0.0000" \
	-c -q qrels.txt run.txt
expect_line "-M 3 cuts each query at 3 results" "num_ret               ${TAB}all${TAB}7" \
	-M 3 qrels.txt run.txt
expect_line "-l 2 raises the relevance level" "num_rel               ${TAB}all${TAB}1" \
	-l 2 qrels.txt run.txt

run --format=json -q qrels.txt run.txt
if [ "$status" -eq 0 ] && grep -q '"format_version": 1' "$tmp/out" &&
	grep -q '"runid": "runA"' "$tmp/out" && grep -q '"num_q": 3,' "$tmp/out" &&
	grep -q '"q3": {' "$tmp/out" && [ "$(sed -n 1p "$tmp/out")" = "{" ]; then
	ok "--format=json"
else
	not_ok "--format=json"
fi

run --help
if [ "$status" -eq 0 ] && grep -q "^Usage: graf-eval \[OPTION\]... QRELS RUN" "$tmp/out" &&
	grep -q "ndcg_cut" "$tmp/out" && grep -q "^Exit status" "$tmp/out"; then
	ok "--help: usage, measures, exit status"
else
	not_ok "--help"
fi
run --version
if [ "$status" -eq 0 ] && grep -q "^graf-eval (graf) [0-9]" "$tmp/out"; then
	ok "--version"
else
	not_ok "--version"
fi

# --- errors: exit status 2 and a message naming the file and line ---------------
expect_error "missing qrels file" "cannot open 'missing.txt': No such file or directory" \
	missing.txt run.txt
expect_error "missing run file" "cannot open 'missing-run': No such file or directory" \
	qrels.txt missing-run
expect_error "malformed qrels line" "'bad-qrels.txt' line 4: expected 4 columns" \
	bad-qrels.txt run.txt
expect_error "score that is not a number" "'bad-run.txt' line 2: score 'high' is not a number" \
	qrels.txt bad-run.txt
expect_error "duplicate document" \
	"'dup-run.txt' line 3: document 'd1' is listed twice for query 'q1' (first on line 1)" \
	qrels.txt dup-run.txt
expect_error "unknown measure" "unknown measure 'nosuch'" -m nosuch qrels.txt run.txt
expect_error "bad cutoffs" "invalid cutoffs '0' for measure 'P'" -m P.0 qrels.txt run.txt
expect_error "bad option" "unknown option '--nosuch'" --nosuch qrels.txt run.txt
expect_error "bad level" "invalid relevance level 'x'" -l x qrels.txt run.txt
expect_error "bad depth" "invalid number of results '0'" -M 0 qrels.txt run.txt
expect_error "bad format" "invalid value 'xml' for --format" --format=xml qrels.txt run.txt
expect_error "one operand" "expected QRELS and RUN" qrels.txt
expect_error "three operands" "too many operands" qrels.txt run.txt run.txt
expect_error "both from standard input" "QRELS and RUN cannot both be standard input" - - </dev/null
expect_error "no query in common" \
	"no query has both results in 'other-run.txt' and judgements in 'qrels.txt'" \
	qrels.txt other-run.txt

echo "1..$n"
[ "$failures" -eq 0 ]
