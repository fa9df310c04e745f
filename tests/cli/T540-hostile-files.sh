#!/bin/sh
# T540-hostile-files: files graf-index must read or skip, each as
# documented, with a one-line warning naming the file, while every other
# file is indexed and the exit status is 1 (warnings):
#   invalid UTF-8 and Windows-1252 (read as Windows-1252), NUL bytes and
#   random binary data, empty and blank files (skipped), a file over
#   256 MiB (skipped, without being read), symbolic link loops (of files
#   and of directories) and dangling links, a FIFO, a directory named
#   *.txt (walked), control characters, lone CRs, a 1 MB word, 100 000
#   paragraphs, 60 nested directories, file names with quotes, newlines,
#   tabs and bytes that are not UTF-8 (every output format finds them), a
#   JSON Lines and a TREC file full of bad records;
#   as nobody: an unreadable file (its indexed article kept) and an
#   unreadable directory;
#   files deleted, recreated and rewritten by another process while
#   graf-index runs (the index stays sound; the next run catches up).
# The big inputs (a 200 MB line, a 10 MB paragraph, 100 000 files) are in
# T541-big-inputs.sh.
. "$(dirname "$0")/lib.sh"

mkdir in
cp "$CORPUS_SRC/$LINES_FILE" "$CORPUS_SRC/$BLOCKS_FILE" in/
cp "$DATA_SRC/cp1252.txt" "$DATA_SRC/empty.txt" "$DATA_SRC/blank.txt" in/
cp "$DATA_SRC/binary.txt" in/nul.txt
chmod -R u+w in
printf 'Invalid headline\n\nA caf\351 with na\357ve \377\376 bytes, marked invalidmark.\n' \
	>in/invalid-utf8.txt
head -c 65536 /dev/urandom >in/random.txt
truncate -s 300M in/sparse.txt
ln -s loop-b.txt in/loop-a.txt
ln -s loop-a.txt in/loop-b.txt
ln -s nowhere.txt in/dangling.txt
mkdir in/sub
ln -s .. in/sub/up
printf 'In the sub directory\n\nsubmark text.\n' >in/sub/sub.txt
mkfifo in/fifo.txt
mkdir in/folder.txt
printf 'Inner headline\n\nThe innermost article of a folder named like a file.\n' \
	>in/folder.txt/inner.txt
printf 'Control \001\002\033[31m headline\n\nctrlmark \033[0m with \177 and \f form feeds.\n' \
	>in/ctrl.txt
printf 'Lone CR headline\r\rcrmark first paragraph.\r\rSecond paragraph.\r' >in/cr.txt
awk 'BEGIN { printf "A long word\n\nlongmark "; for (i = 0; i < 1048576; i++) printf "x"; print "" }' \
	>in/longword.txt
awk 'BEGIN { print "Many paragraphs\n"; for (i = 1; i <= 100000; i++) printf "manymark number %d\n", i }' \
	>in/many.txt
deep=in/deep
for i in $(seq 1 60); do
	deep=$deep/d
done
mkdir -p "$deep"
printf 'Deep headline\n\ndeepmark sixty levels down.\n' >"$deep/deep.txt"
printf 'Quote\n\nnamemark one.\n' >"in/it's \"q\" \$(x) ;.txt"
printf 'Newline\n\nnamemark two.\n' >"in/new
line.txt"
printf 'Tab\n\nnamemark three.\n' >"$(printf 'in/t\tab.txt')"
printf 'Not UTF-8\n\nnamemark four.\n' >"$(printf 'in/bad\377name.txt')"
{
	printf '{"id": "j1", "title": "JSON one", "text": "jsonmark good record"}\n'
	printf 'not json at all\n'
	printf '[1, 2, 3]\n'
	printf '{"title": "no id", "text": "jsonmark lost"}\n'
	printf '{"id": "j2", "text": 5}\n'
	printf '{"id": "j3", "text": "jsonmark one", "text": "jsonmark two"}\n'
	printf '{"id": "j4", "text": "bad \377 utf-8"}\n'
	printf '\n'
	printf '{"id": "j5", "text": "nul \\u0000 inside"}\n'
	printf '{"id": "j6", "title": "JSON six", "text": "jsonmark last record"}'
} >in/hostile.jsonl
{
	printf '<DOC>\n<TEXT>trecmark without docno</TEXT>\n</DOC>\n'
	printf '<DOC>\n<DOCNO> T1 </DOCNO>\n<HEAD>TREC one</HEAD>\n<TEXT>\ntrecmark good &amp; fine\n</TEXT>\n</DOC>\n'
	printf '<DOC>\n<DOCNO> T2 </DOCNO>\n<TEXT>trecmark unclosed\n'
	printf '<DOC>\n<DOCNO> T3\377 </DOCNO>\n<TEXT>trecmark odd docno</TEXT>\n</DOC>\n'
	printf '<DOC><DOCNO></DOCNO><TEXT>trecmark empty docno</TEXT></DOC>\n'
	printf '<DOC>\n<DOCNO> T4 </DOCNO>\n<TEXT>trecmark truncated\n'
} >in/hostile.trec

# warned FILE MESSAGE: the last run warned about FILE with MESSAGE.
warned() {
	assert_contains "$err" "graf-index: warning: '$1': $2"
}
# warned_skips: the last run warned about every file it skips.
warned_skips() {
	warned in/nul.txt "binary file (contains NUL bytes); skipped"
	warned in/random.txt "binary file (contains NUL bytes); skipped"
	warned in/empty.txt "empty file; skipped"
	warned in/blank.txt "empty file; skipped"
	warned in/sparse.txt "file larger than 256 MiB; skipped"
	warned in/loop-a.txt "symbolic link loop; skipped"
	warned in/loop-b.txt "symbolic link loop; skipped"
	warned in/dangling.txt "dangling symbolic link; skipped"
	warned in/sub/up "symbolic link loop; directory skipped"
	warned in/fifo.txt "not a regular file; skipped"
	# Every line of stderr is a warning naming a file, or the summary.
	if grep -v -e "^graf-index: warning: '" -e '^graf-index: [0-9]* added, ' "$err" >other; then
		err=other fail "stderr has other lines"
	fi
}

# --- the first run, and a second --------------------------------------------------
run 1 graf_index -i idx.db in in/fifo.txt
assert_empty "$out"
warned_skips
warned in/invalid-utf8.txt "not valid UTF-8; read as Windows-1252"
warned in/cp1252.txt "not valid UTF-8; read as Windows-1252"
warned in/hostile.jsonl "line 2: invalid JSON"
warned in/hostile.jsonl "line 3: not a JSON object; record skipped"
warned in/hostile.jsonl "line 4: no \"id\""
warned in/hostile.jsonl "line 5: \"title\" and \"text\" must be strings (id j2); record skipped"
warned in/hostile.jsonl "line 6: invalid JSON (duplicate object key"
warned in/hostile.jsonl "line 7: invalid JSON"
warned in/hostile.jsonl "line 9: invalid JSON"
warned in/hostile.trec "line 1: <DOC> without <DOCNO>; document skipped"
warned in/hostile.trec "line 11: <DOC> without </DOC>; document skipped"
warned in/hostile.trec "line 18: empty <DOCNO>; document skipped"
warned in/hostile.trec "line 19: <DOC> without </DOC>; document skipped"
assert_eq "$(grep -c '^graf-index: warning: ' "$err")" 23 "warnings"
assert_contains "$err" "graf-index: 19 added, 0 updated, 0 removed, 0 unchanged, 10 skipped; 100067 paragraphs"
# Skipped files are not remembered: the next run warns about them again
# (the files read as Windows-1252 and the bad records were read once, and
# are not read again), and changes nothing.
run 1 graf_index -i idx.db in in/fifo.txt
warned_skips
assert_eq "$(grep -c '^graf-index: warning: ' "$err")" 10 "warnings of the second run"
assert_contains "$err" "graf-index: 0 added, 0 updated, 0 removed, 19 unchanged, 10 skipped; 0 paragraphs"
run 0 graf_index -q --check -i idx.db

# --- what was indexed is found ------------------------------------------------------
found() {  # found COUNT QUERY...: QUERY finds COUNT paragraphs
	_n=$1
	shift
	_st=0
	graf_search -i idx.db --count -- "$@" >"$out" 2>"$err" || _st=$?
	[ "$_st" -le 1 ] || fail "'$*' exited with $_st"
	assert_eq "$(cat "$out")" "$_n" "paragraphs found by '$*'"
}
found 1 cafe invalidmark
found 1 naive invalidmark
found 1 innermost
found 1 submark
found 1 ctrlmark
found 1 crmark
found 1 longmark
found 100000 manymark
found 1 manymark 100000
found 1 deepmark
found 4 namemark
found 2 jsonmark
found 2 trecmark
found 0 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
run 0 graf_search -i idx.db -n 1 --format tsv longmark
[ "$(cut -f6 "$out" | wc -c)" -gt 1048576 ] || fail "the 1 MB word is not in its paragraph"
run 0 graf_search -i idx.db --format tsv ctrlmark
assert_contains "$out" "$(printf 'ctrlmark \033[0m with \177')"
run 0 graf_search -i idx.db --format tsv crmark
assert_eq "$(cut -f2,4 "$out" | tr '\t' ' ' | sed 's/^[^ ]* //')" "1" "paragraph of crmark"
# Every format finds every odd file name, the TREC DOCNO that is not UTF-8.
for format in text json tsv trec; do
	run 0 graf_search -i idx.db -n 0 --format "$format" namemark OR trecmark
	case $format in
	text) n=$(hit_count "$out") ;;
	*) n=$(grep -c . "$out") ;;
	esac
	assert_eq "$n" 6 "hits of '$format' with odd names"
done
run 0 graf_search -i idx.db --format json "odd docno"
assert_contains "$out" "$(printf '"article":"T3\357\277\275"')"

# --- unreadable files and directories (as nobody) --------------------------------------
nb=$(nobody_cmd)
if [ -z "$nb" ]; then
	say "skipped the unreadable files: not root, or no setpriv or su"
elif ! nobody_can_reach "$GRAF_INDEX_BIN" "$tmp/in"; then
	say "skipped the unreadable files: nobody cannot reach '$tmp' or the programs"
else
	say "unreadable files as nobody"
	mkdir nb
	copy_corpus nb/in
	mkdir nb/in/closed
	printf 'Closed\n\nclosedmark text.\n' >nb/in/closed/c.txt
	chown -R 65534 nb
	run 0 $nb ${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$GRAF_INDEX_BIN" -q -i nb/idx.db nb/in
	chmod 000 "nb/in/$LINES_FILE"
	touch "nb/in/$LINES_FILE"  # a new time: it must be read again
	chown 0 nb/in/closed
	chmod 700 nb/in/closed
	run 1 $nb ${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$GRAF_INDEX_BIN" -i nb/idx.db nb/in
	assert_contains "$err" "graf-index: warning: 'nb/in/$LINES_FILE': Permission denied"
	assert_contains "$err" "graf-index: warning: 'nb/in/closed': cannot read: Permission denied"
	assert_contains "$err" "graf-index: 0 added, 0 updated, 0 removed, 1 unchanged, 2 skipped;"
	# What the index had for them is kept.
	run 0 $nb ${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$GRAF_SEARCH_BIN" -i nb/idx.db --count closedmark
	assert_eq "$(cat "$out")" 1 "the article of the unreadable directory"
	run 0 $nb ${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$GRAF_SEARCH_BIN" -i nb/idx.db --count ByteDance
fi

# --- files that change while graf-index reads them ---------------------------------------
# A writer in the background deletes, recreates and rewrites files while
# graf-index runs over 1000 articles, several times.  Each run must finish
# (exit 0 or 1, no error) with a sound index; once the writer has stopped,
# the next run makes the index of the files as they are.
make_articles race 1000
writer() {
	_i=0
	while [ ! -e stop ]; do
		_i=$((_i + 1))
		_f=race/a$(printf '%05d' $((_i * 37 % 1000))).txt
		case $((_i % 3)) in
		0) rm -f "$_f" ;;
		1) printf 'Rewritten %d\n\nracemark version %d of this file.\n' "$_i" "$_i" >"$_f" ;;
		2) printf '\nracemark appended paragraph %d.\n' "$_i" >>"$_f" ;;
		esac
		sleep_ms 2
	done
}
writer &
writer_pid=$!
n_vanished=0
for i in 1 2 3; do
	_st=0
	graf_index -q -i race.db race >"$out" 2>"$err" || _st=$?
	[ "$_st" -le 1 ] || fail "run $i beside a writer exited with $_st"
	# Deleted after the walk: vanished; caught between the truncation and
	# the write of a rewrite: empty.
	if grep -v -e "': file vanished during the update$" -e "': empty file; skipped$" "$err" |
		grep -q .; then
		fail "run $i beside a writer: unexpected messages"
	fi
	n_vanished=$((n_vanished + $(grep -c 'vanished' "$err" || :)))
	run 0 graf_index -q --check -i race.db
done
touch stop
wait "$writer_pid"
say "3 runs beside a writer: $n_vanished files vanished after the walk"
run 0 graf_index -q -i race.db race
run 0 graf_index -q --check -i race.db
run 0 graf_index -q -i fresh.db race
printf '%s\n' 1 racemark 2 'racemark appended' 3 'orig article1*' | paste - - >queries
index_state race.db queries race-state
index_state fresh.db queries fresh-state
cut -f1,3- race-state | LC_ALL=C sort >race-sorted
cut -f1,3- fresh-state | LC_ALL=C sort >fresh-sorted
cmp -s race-sorted fresh-sorted || fail "after the writer stopped, the index differs from a fresh one"
say "ok"
