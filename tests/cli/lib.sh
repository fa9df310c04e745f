# tests/cli/lib.sh - helpers shared by the end-to-end tests (POSIX sh).
#
# Each tests/cli/TNNN-*.sh sources this file, then runs the built programs
# on a copy of corpus/ in a temporary directory under the build tree.  Run
# one test with
#     make check TESTS=tests/cli/T020-search.sh
# or directly from the build directory (sh ../tests/cli/T020-search.sh).
# Exit status, as automake's test driver reads it: 0 pass, 1 fail, 77 skip.
# GRAF_TEST_KEEP=1 keeps the temporary directory for a look afterwards.

set -eu

test_name=$(basename "$0" .sh)
test_dir=$(cd "$(dirname "$0")" && pwd)

# The trees: "make check" exports them; by hand, an in-tree build is assumed.
top_srcdir=${abs_top_srcdir:-$(cd "$test_dir/../.." && pwd)}
top_builddir=${abs_top_builddir:-$(pwd)}

GRAF_INDEX_BIN=$top_builddir/indexer/graf-index
GRAF_SEARCH_BIN=$top_builddir/searcher/graf-search
CORPUS_SRC=$top_srcdir/corpus
DATA_SRC=$top_srcdir/tests/data

# The two corpus files: one paragraph per line under a "News" label, and
# blank-line separated paragraphs.
LINES_FILE=nvidia-backs-chinas-ai-surge-sparks-global-tech-rally.txt
BLOCKS_FILE=nvidia-ceo-praises-chinas-ai-talent-confirms-h20-chip-sales-to-resume.txt

# The environment must not choose an index for us.
unset GRAF_INDEX || :

say() {
	printf '%s: %s\n' "$test_name" "$*"
}

# fail MESSAGE...: report and stop with status 1.
fail() {
	printf 'FAIL: %s: %s\n' "$test_name" "$*" >&2
	if [ -n "${out-}" ] && [ -s "$out" ]; then
		printf -- '--- stdout of the last command:\n' >&2
		head -n 40 "$out" >&2
	fi
	if [ -n "${err-}" ] && [ -s "$err" ]; then
		printf -- '--- stderr of the last command:\n' >&2
		head -n 40 "$err" >&2
	fi
	exit 1
}

# skip MESSAGE...: the whole test cannot run here (status 77).
skip() {
	printf 'SKIP: %s: %s\n' "$test_name" "$*"
	exit 77
}

[ -x "$GRAF_INDEX_BIN" ] && [ -x "$GRAF_SEARCH_BIN" ] ||
	fail "the programs are not built in '$top_builddir' (run make first)"
[ -d "$CORPUS_SRC" ] || fail "no corpus at '$CORPUS_SRC'"

# A fresh directory for this test, removed at exit; the test runs in it.
tmp=$top_builddir/tests/tmp/$test_name.$$
rm -rf "$tmp"
mkdir -p "$tmp"
cleanup() {
	if [ "${GRAF_TEST_KEEP-}" = 1 ]; then
		printf '%s: kept %s\n' "$test_name" "$tmp" >&2
	else
		cd "$top_builddir" && rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
cd "$tmp"
out=$tmp/.stdout
err=$tmp/.stderr

# copy_corpus [DIR]: copy corpus/ to DIR (default ./corpus), writable even
# when the source tree is read-only (make distcheck).
copy_corpus() {
	_dest=${1:-corpus}
	mkdir -p "$_dest"
	cp "$CORPUS_SRC"/*.txt "$_dest"/
	chmod -R u+w "$_dest"
}

# run EXPECTED-STATUS COMMAND...: run COMMAND with its stdout in $out and
# its stderr in $err; fail unless it exits with EXPECTED-STATUS.  (Helpers
# name their variables _like_this: sh has no local variables.)
run() {
	_expected=$1
	shift
	_status=0
	"$@" >"$out" 2>"$err" || _status=$?
	[ "$_status" -eq "$_expected" ] ||
		fail "'$*' exited with $_status, expected $_expected"
}

# graf_index ARGS...  / graf_search ARGS...: the programs under test.
graf_index() {
	"$GRAF_INDEX_BIN" "$@"
}
graf_search() {
	"$GRAF_SEARCH_BIN" "$@"
}

# assert_contains FILE STRING: FILE has STRING (a fixed string).
assert_contains() {
	grep -F -q -e "$2" "$1" || fail "'$(basename "$1")' lacks: $2"
}

# assert_not_contains FILE STRING
assert_not_contains() {
	if grep -F -q -e "$2" "$1"; then
		fail "'$(basename "$1")' has: $2"
	fi
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"
}

# assert_empty FILE
assert_empty() {
	[ ! -s "$1" ] || fail "'$(basename "$1")' is not empty: $(head -c 300 "$1")"
}

# assert_one_line FILE: FILE is exactly one line.
assert_one_line() {
	assert_eq "$(wc -l <"$1" | tr -d ' ')" 1 "lines in $(basename "$1")"
}

# The results of graf-search in its text format: "N. headline", then
# "   path:paragraph  score S", then "   paragraph text", hits separated by
# a blank line.

# hit_count FILE: the number of hits in FILE.
hit_count() {
	grep -c -E '^[0-9]+\. ' "$1" || :
}

# hit_text N FILE: the paragraph text of hit N.
hit_text() {
	awk -v n="$1" '/^[0-9]+\. / { k = $1 + 0; line = 0 } { line++ }
		k == n && line == 3 { sub(/^   /, ""); print; exit }' "$2"
}

# hit_place N FILE: "path:paragraph" of hit N.
hit_place() {
	awk -v n="$1" '/^[0-9]+\. / { k = $1 + 0; line = 0 } { line++ }
		k == n && line == 2 { print $1; exit }' "$2"
}

# all_hit_texts FILE: the paragraph text of every hit, one per line.
all_hit_texts() {
	awk '/^[0-9]+\. / { line = 0 } { line++ } line == 3 { sub(/^   /, ""); print }' "$1"
}

# normalise_scores: replace the volatile "score 1.234" by "score S".
normalise_scores() {
	sed 's/  score [0-9.e+-]*$/  score S/'
}

# paragraph_line FILE STRING: the one line of corpus FILE containing STRING.
paragraph_line() {
	_n=$(grep -c -F -e "$2" "$1" || :)
	[ "$_n" -eq 1 ] || fail "expected one line with '$2' in $1, found $_n"
	grep -F -e "$2" "$1" | tr -d '\r'
}

# count_paragraphs FILE: the paragraphs of a corpus file, as the issue
# defines them: non-blank lines after the headline (and after a "News"
# label above it); every paragraph of these files is one line.
count_paragraphs() {
	awk 'NF { n++; if (n == 1 && $0 == "News") label = 1 }
		END { print n - 1 - label }' "$1"
}

# paragraph_number FILE PARAGRAPH: the 1-based number of PARAGRAPH (a whole
# line) among the paragraphs of corpus FILE.
paragraph_number() {
	awk -v p="$2" 'NF { k++; if (k == 1 && $0 == "News") label = 1 }
		$0 == p { print k - 1 - label; exit }' "$1"
}

# highlighted LINE: the words LINE marks in bold red (--color=always),
# separated by spaces.
highlighted() {
	printf '%s\n' "$1" | awk -v on="$(printf '\033[1;31m')" -v off="$(printf '\033[0m')" '{
		s = $0; r = ""
		while ((i = index(s, on)) > 0) {
			s = substr(s, i + length(on))
			j = index(s, off)
			if (j == 0) { r = r "<unterminated>"; break }
			r = r (r == "" ? "" : " ") substr(s, 1, j - 1)
			s = substr(s, j + length(off))
		}
		print r
	}'
}

# package_version: PACKAGE_VERSION from config.h.
package_version() {
	sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h"
}

# have PROGRAM: true if PROGRAM is on $PATH.
have() {
	command -v "$1" >/dev/null 2>&1
}
