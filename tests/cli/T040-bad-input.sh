#!/bin/sh
# T040-bad-input: files graf-index must read or skip (empty, binary, CRLF,
# BOM, Windows-1252, a real BBC article, unreadable), indexes graf must
# refuse (missing, not a database, another program's database, another
# schema version), and query strings that must not reach FTS5 as syntax.
. "$(dirname "$0")/lib.sh"

copy_corpus
for f in empty.txt blank.txt binary.txt crlf.txt bom.txt cp1252.txt; do
	cp "$DATA_SRC/$f" corpus/
done
mkdir corpus/empty-folder
chmod -R u+w corpus

# --- the files ------------------------------------------------------------------
# Empty and binary files are skipped with a warning naming them; everything
# else is indexed; exit status 1 says that files were skipped.
run 1 graf_index -i idx.db corpus
assert_empty "$out"
assert_contains "$err" "graf-index: warning: 'corpus/empty.txt': empty file; skipped"
assert_contains "$err" "graf-index: warning: 'corpus/blank.txt': empty file; skipped"
assert_contains "$err" "graf-index: warning: 'corpus/binary.txt': binary file"
assert_contains "$err" "graf-index: warning: 'corpus/cp1252.txt': not valid UTF-8; read as Windows-1252"
assert_contains "$err" "graf-index: 5 added, 0 updated, 0 removed, 0 unchanged, 3 skipped;"
assert_eq "$(grep -c warning "$err")" 4 "warnings"
search() {
	graf_search -i idx.db "$@"
}
run 0 search ByteDance
run 1 search "looks like text"

# CRLF: the paragraph's wrapped lines are joined, no CR is left.
run 0 search "line two"
assert_eq "$(hit_place 1 "$out")" "corpus/crlf.txt:1" "place of the CRLF paragraph"
assert_eq "$(hit_text 1 "$out")" "First paragraph, line one line two." "CRLF paragraph"
assert_contains "$out" "1. CRLF headline"
cr=$(printf '\r')
assert_not_contains "$out" "$cr"
run 0 search cafe
assert_contains "$out" "Second paragraph with a café."

# BOM: not part of the headline or the text.
run 0 search "byte-order mark"
assert_contains "$out" "1. BOM headline"
assert_not_contains "$out" "$(printf '\357\273\277')"

# Windows-1252: decoded to UTF-8, and found with or without diacritics.
run 0 search naive
assert_eq "$(hit_text 1 "$out")" "The “café” now costs €3 – naïve customers pay." "cp1252 text"
assert_contains "$out" "1. Café prices rise"
run 0 search naïve
assert_eq "$(hit_place 1 "$out")" "corpus/cp1252.txt:1" "place of the cp1252 paragraph"

# A second run warns again about the skipped files and changes nothing.
run 1 graf_index -i idx.db corpus
assert_contains "$err" "0 added, 0 updated, 0 removed, 5 unchanged, 3 skipped;"
assert_contains "$err" "'corpus/binary.txt'"

# A real article in Windows-1252 from the BBC collection, when it is there.
bbc=${GRAF_SHARED:-}/data/bbc/articles/sport/199.txt
if [ -n "${GRAF_SHARED:-}" ] && [ -f "$bbc" ]; then
	mkdir bbc
	cp "$bbc" bbc/199.txt
	# Read, with a warning (which makes the exit status 1, as --help says).
	run 1 graf_index -i bbc.db bbc
	assert_contains "$err" "graf-index: warning: 'bbc/199.txt': not valid UTF-8; read as Windows-1252"
	assert_contains "$err" "1 added, 0 updated, 0 removed, 0 unchanged, 0 skipped;"
	run 0 graf_search -i bbc.db Mutu
	assert_contains "$out" "1. Chelsea sack Mutu"
	run 0 graf_search -i bbc.db -n 0 signing
	assert_contains "$out" "£15.8m"
else
	say "skipped the BBC article: no \$GRAF_SHARED/data/bbc"
fi

# An unreadable file is skipped and its indexed article kept.  Root reads
# everything, so this part needs another user.
if [ "$(id -u)" -ne 0 ]; then
	chmod 000 corpus/bom.txt
	touch -t 200101010000 corpus/bom.txt  # a new time: it must be read
	run 1 graf_index -i idx.db corpus
	assert_contains "$err" "graf-index: warning: 'corpus/bom.txt':"
	assert_contains "$err" "0 added, 0 updated, 0 removed, 4 unchanged, 4 skipped;"
	chmod 644 corpus/bom.txt
	run 0 search "byte-order mark"
else
	say "skipped the unreadable file: running as root"
fi

# A named file that is a directory's sibling but not a regular file.
run 1 graf_index -i idx.db corpus /dev/null
assert_contains "$err" "'/dev/null': not a regular file; skipped"

# --- indexes graf refuses ---------------------------------------------------------
run 2 graf_search -i missing.db ByteDance
assert_contains "$err" "graf-search: no index at 'missing.db'"
[ ! -e missing.db ] || fail "searching created the index"

# Not a database: refused by both programs, and left as it was.
printf 'not a database, only some text that is long enough to read\n' >text.db
cp text.db text.db.orig
run 2 graf_search -i text.db ByteDance
assert_contains "$err" "graf-search: 'text.db' is not a graf index"
assert_one_line "$err"
run 2 graf_index -i text.db corpus
assert_contains "$err" "graf-index: 'text.db' is not a graf index"
cmp -s text.db text.db.orig || fail "graf-index modified a file that is not a database"
[ ! -e text.db-wal ] || fail "graf-index left text.db-wal"

# The index is a directory.
mkdir dir.db
run 2 graf_search -i dir.db x
assert_contains "$err" "is a directory"

# The tools below need an SQLite client to make the databases.
sql=""
if have sqlite3; then
	sql=sqlite3
elif have python3; then
	sql=python3
fi
sqlite_exec() {  # sqlite_exec DB SQL
	if [ "$sql" = sqlite3 ]; then
		sqlite3 "$1" "$2"
	else
		python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.commit(); db.close()' "$1" "$2"
	fi
}
if [ -n "$sql" ]; then
	# Another program's database: refused, not modified (not even switched
	# to WAL mode).
	sqlite_exec other.db "CREATE TABLE notes(x); INSERT INTO notes VALUES ('hello');"
	cp other.db other.db.orig
	run 2 graf_index -i other.db corpus
	assert_contains "$err" "'other.db' is not a graf index"
	run 2 graf_search -i other.db hello
	assert_contains "$err" "'other.db' is not a graf index"
	cmp -s other.db other.db.orig || fail "graf-index modified another program's database"

	# An index of a newer schema: refused by both, with a hint at --rebuild,
	# which then fixes it.
	run 0 graf_index -i new.db corpus/crlf.txt
	sqlite_exec new.db "PRAGMA user_version = 99;"
	run 2 graf_search -i new.db line
	assert_contains "$err" "--rebuild"
	assert_one_line "$err"
	run 2 graf_index -i new.db corpus/crlf.txt
	assert_contains "$err" "--rebuild"
	run 0 graf_index --rebuild -i new.db corpus/crlf.txt
	run 0 graf_search -i new.db line
else
	say "skipped the database checks: neither sqlite3 nor python3"
fi

# --- query strings ---------------------------------------------------------------------
# No query string reaches FTS5 as syntax it cannot run.  Each is answered
# (exit 0 or 1; anything on stderr is a warning) or refused as a query
# (exit 2, one line about the query).  Never a message from FTS5 or SQL,
# never a crash.
check_query() {  # check_query QUERY
	_status=0
	search "$1" >"$out" 2>"$err" || _status=$?
	case $_status in
	0 | 1)
		if grep -v -q '^graf-search: warning: ' "$err"; then
			fail "query '$1': exit $_status with more than warnings on stderr"
		fi
		;;
	2)
		assert_one_line "$err"
		assert_contains "$err" "graf-search: query"
		;;
	*)
		fail "query '$1' exited with $_status"
		;;
	esac
	for bad in "fts5" "syntax error" "SQL" "sqlite" "no such column"; do
		assert_not_contains "$err" "$bad"
	done
}
# No word at all: refused.
for q in '"' '-' '*' '(' ')' ':' '^' '' '   ' '""'; do
	check_query "$q"
	assert_eq "$_status" 2 "exit status of '$q'"
	assert_contains "$err" "has no word to search for"
done
for q in 'U.S.' 'AND' 'OR' 'NOT' 'NEAR' 'title:' 'body:export' '{body}:x' 'export*' \
	'"export' 'export OR' 'NEAR(export controls)' "'; DROP TABLE para; --" 'a"b' \
	'NOT export' '(export)' 'title: export' 'export -controls' '((((export' 'x:y:z'; do
	check_query "$q"
done
run 0 search ByteDance

# U.S. is the two letters, as written in the corpus.
check_query U.S.
assert_eq "$_status" 0 "exit status of U.S."
run 0 search -n 0 U.S.
assert_eq "$(hit_count "$out")" "$(all_hit_texts "$out" | grep -c 'U\.S\.')" "hits of U.S."

# A leading '-' is an option, as with grep; after '--' it is the query's.
run 2 search -export
assert_contains "$err" "unknown option"
_status=0
search -- -export >"$out" 2>"$err" || _status=$?
[ "$_status" -le 2 ] || fail "'-- -export' exited with $_status"

# Invalid UTF-8 is refused with a message.
run 2 search "$(printf 'caf\351')"
assert_contains "$err" "not valid UTF-8"

# 10 000 words: the same word over and over, or all different; and one
# word of 100 000 letters.  Answered, or refused with a message.
words=$(awk 'BEGIN { for (i = 0; i < 10000; i++) printf "H20 "; }')
check_query "$words"
if [ "$_status" -ne 2 ]; then
	assert_eq "$(hit_count "$out")" "$({ tail -n +3 "corpus/$LINES_FILE"; tail -n +2 "corpus/$BLOCKS_FILE"; } | grep -c H20)" \
		"hits of a long query"
fi
words=$(awk 'BEGIN { for (i = 0; i < 10000; i++) printf "w%d ", i; }')
check_query "$words"
[ "$_status" -ne 0 ] || fail "10 000 different words found something"
_status=0
search --any "$words" >"$out" 2>"$err" || _status=$?
[ "$_status" -eq 1 ] || [ "$_status" -eq 2 ] || fail "--any with 10 000 words exited with $_status"
word=$(awk 'BEGIN { for (i = 0; i < 100000; i++) printf "x"; }')
check_query "$word"
[ "$_status" -ne 0 ] || fail "a word of 100 000 letters found something"

say "ok"
