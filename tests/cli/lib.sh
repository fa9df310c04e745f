# tests/cli/lib.sh - helpers shared by the end-to-end tests (POSIX sh).
#
# Each tests/cli/TNNN-*.sh sources this file, then runs the built programs
# on a copy of corpus/ in a temporary directory under the build tree.  Run
# one test with
#     make check TESTS=tests/cli/T020-search.sh
# or directly from the build directory (sh ../tests/cli/T020-search.sh).
# Exit status, as automake's test driver reads it: 0 pass, 1 fail, 77 skip.
# GRAF_TEST_KEEP=1 keeps the temporary directory for a look afterwards.
# GRAF_TEST_WRAPPER, when set, is put before every run of the programs
# (make check-valgrind sets it to "libtool --mode=execute valgrind ...").
# GRAF_TEST_QUICK=1 asks the heavy tests (T5xx) for smaller sizes; each
# says what it scales down.

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

# graf_index ARGS...  / graf_search ARGS...: the programs under test,
# under $GRAF_TEST_WRAPPER when it is set.
graf_index() {
	${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$GRAF_INDEX_BIN" "$@"
}
graf_search() {
	${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$GRAF_SEARCH_BIN" "$@"
}

# start_bg OUT ERR PROGRAM ARGS...: start PROGRAM (graf_index_bin or
# graf_search_bin: the path, not the shell function) in the background with
# its output in OUT and ERR; $bg_pid is its process id.  The subshell execs
# the program (the libtool wrapper execs the binary in turn), so that
# "kill -9 $bg_pid" hits the program itself, not a shell around it.
start_bg() {
	_o=$1
	_e=$2
	shift 2
	# shellcheck disable=SC2086 # the wrapper is words
	(exec ${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$@" >"$_o" 2>"$_e") &
	bg_pid=$!
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

# --- helpers of the reliability tests (T5xx) ------------------------------------

# quick: true when $GRAF_TEST_QUICK asks for smaller sizes.
quick() {
	[ "${GRAF_TEST_QUICK:-0}" != 0 ]
}

# shared_dir SUBDIR: the directory $GRAF_SHARED/data/SUBDIR, or "" when the
# shared test data is absent (then the caller skips or makes its own data).
shared_dir() {
	if [ -n "${GRAF_SHARED:-}" ] && [ -d "$GRAF_SHARED/data/$1" ]; then
		printf '%s\n' "$GRAF_SHARED/data/$1"
	fi
}

# A seeded pseudo-random sequence (an LCG, in sh arithmetic) so that a
# failing run can be replayed: the tests print their seed; GRAF_TEST_SEED
# sets it.
# rand_init [SEED]: start the sequence (default: $GRAF_TEST_SEED, else from
# the clock and the process id); sets $rand_seed.
rand_init() {
	rand_seed=${1:-${GRAF_TEST_SEED:-$(( ($(date +%s) + $$) % 2147483647 ))}}
	_rand_x=$rand_seed
}
# rand_next N: set $rand to a number in [0, N).
rand_next() {
	_rand_x=$(( (_rand_x * 1103515245 + 12345) % 2147483648 ))
	rand=$(( (_rand_x / 65536) % $1 ))
}

# sleep_ms MS: sleep MS milliseconds (GNU and busybox sleep take fractions).
sleep_ms() {
	sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"
}

# now_ms: milliseconds since the epoch.
now_ms() {
	_t=$(date +%s%N)
	case $_t in
	*N) echo $(( $(date +%s) * 1000 )) ;;
	*) echo $(( _t / 1000000 )) ;;
	esac
}

# make_articles DIR N [TAG]: write N small article files DIR/aNNNNN.txt, each
# a headline and three paragraphs of words drawn from a fixed vocabulary;
# TAG (default "orig") is a word in every paragraph, so that two versions of
# a corpus can be told apart by a search.
make_articles() {
	mkdir -p "$1"
	awk -v dir="$1" -v n="$2" -v tag="${3:-orig}" 'BEGIN {
		split("market government minister election football match company " \
		      "shares profit film music award court police report trade " \
		      "export bank growth oil price strike league season player " \
		      "coach budget tax school health technology phone internet", w, " ")
		nw = 0; for (k in w) nw++
		srand(42)
		for (i = 0; i < n; i++) {
			f = sprintf("%s/a%05d.txt", dir, i)
			printf "Headline %d about %s and %s\n\n", i, w[int(rand() * nw) + 1],
				w[int(rand() * nw) + 1] > f
			for (p = 0; p < 3; p++) {
				line = tag " article" i
				for (k = 0; k < 12; k++)
					line = line " " w[int(rand() * nw) + 1]
				printf "%s.\n\n", line > f
			}
			close(f)
		}
	}'
}

# timed_index NAME ARGS...: run graf-index ARGS (exit 0 or 1) and say how
# long it took and, with /usr/bin/time, its peak memory ($peak_rss_mb; 0
# without /usr/bin/time).
timed_index() {
	_name=$1
	shift
	_t0=$(now_ms)
	_st=0
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$tmp/.rss" ${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} \
			"$GRAF_INDEX_BIN" "$@" >"$out" 2>"$err" || _st=$?
	else
		graf_index "$@" >"$out" 2>"$err" || _st=$?
		echo 0 >"$tmp/.rss"
	fi
	[ "$_st" -le 1 ] || fail "$_name: exit $_st"
	peak_rss_mb=$(( $(tail -n 1 "$tmp/.rss") / 1024 ))
	say "$_name: $(( $(now_ms) - _t0 )) ms, peak RSS $peak_rss_mb MB"
}

# index_state INDEX QUERIES OUTPUT: the answers of INDEX to every query of
# the file QUERIES (QID<TAB>QUERY lines), as one graf-search prints them in
# TSV with no limit and no feedback, then its exit status (and, for an
# error, its message); into OUTPUT.  The same index content gives the same
# OUTPUT.  $state_status is graf-search's exit status.
index_state() {
	_st=0
	graf_search -i "$1" --queries "$2" --format tsv -n 0 --no-feedback \
		>"$3" 2>"$3.err" || _st=$?
	printf '== exit %s\n' "$_st" >>"$3"
	if [ "$_st" -gt 1 ]; then
		cat "$3.err" >>"$3"
	fi
	rm -f "$3.err"
	state_status=$_st
}

# nobody_cmd: the command prefix that runs a program as the unprivileged
# user nobody (setpriv, else su), or "" when that is not possible (not
# root, or neither tool).  The programs then need every directory on their
# paths to be searchable by nobody; nobody_can_reach PATH... checks it.
nobody_cmd() {
	if [ "$(id -u)" -ne 0 ]; then
		return 0
	fi
	if have setpriv && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		echo "setpriv --reuid=65534 --regid=65534 --clear-groups"
	elif have su && su nobody -s /bin/sh -c true 2>/dev/null; then
		echo "su_nobody"
	fi
}
# su_nobody PROGRAM ARGS...: run PROGRAM as nobody with su (the arguments
# quoted for the shell su starts).
su_nobody() {
	_cmd=
	for _a in "$@"; do
		_cmd="$_cmd '$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")'"
	done
	su nobody -s /bin/sh -c "$_cmd"
}
# nobody_can_reach PATH...: true if nobody can reach (search every directory
# above) and read each PATH.
nobody_can_reach() {
	_nb=$(nobody_cmd)
	[ -n "$_nb" ] || return 1
	for _p in "$@"; do
		# shellcheck disable=SC2086 # the prefix is words
		$_nb test -r "$_p" || return 1
	done
}
