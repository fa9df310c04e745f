#!/bin/sh
# T036-pipe: graf-index reads collections on a second thread, which parses,
# tokenizes and packs ahead of the writer (lib/pipe.c); GRAF_THREADS=1 makes
# it do everything on one.  Both must make the same index, byte for byte,
# and say the same things in the same order:
#   - a new index of a real collection (BBC, when ../shared is there) and of
#     a made one with records to warn about (bad JSON, no text, an id twice);
#   - an update of both after edits (changed, added, removed, reordered
#     records), where known records are skipped on the reading thread;
#   - a run stopped by SIGINT in the middle of a collection: exit 130 and
#     the index as it was, with either kind of run.
. "$(dirname "$0")/lib.sh"

have sqlite3 || skip "no sqlite3 shell to dump the indexes"

# dump DB OUT: the whole content of DB, as SQL text.
dump() {
	sqlite3 "$1" .dump >"$2" || fail "cannot dump '$1'"
}

# both NAME ARGS...: run graf-index ARGS with two threads (index NAME-2.db)
# and with one (NAME-1.db); their stderr and their dumps must be the same.
both() {
	_name=$1
	shift
	_st2=0
	graf_index -i "$_name-2.db" "$@" >out2 2>err2 || _st2=$?
	_st1=0
	GRAF_THREADS=1 graf_index -i "$_name-1.db" "$@" >out1 2>err1 || _st1=$?
	[ "$_st1" -eq "$_st2" ] || fail "$_name: exit $_st2 with two threads, $_st1 with one"
	# (the summary's time aside)
	sed -E "s/$_name-[12].db/X.db/g; s/ in [0-9.]+ s\$//" err2 >err2.x
	sed -E "s/$_name-[12].db/X.db/g; s/ in [0-9.]+ s\$//" err1 >err1.x
	cmp -s err1.x err2.x ||
		fail "$_name: the messages differ: $(diff err1.x err2.x | head -n 5)"
	dump "$_name-2.db" dump2
	dump "$_name-1.db" dump1
	cmp -s dump1 dump2 || fail "$_name: the indexes differ ($(diff dump1 dump2 | wc -l) lines)"
	last_status=$_st2
}

# interrupt_run LABEL BEFORE DELAY_MS PATH: update a copy of the index BEFORE
# from PATH with two threads, then with one (BEFORE ends in -2.db and -1.db),
# sending SIGINT after DELAY_MS: exit 130 and the index as it was (or the
# run ended first).
interrupt_run() {
	_label=$1 _before=$2 _delay=$3 _path=$4
	for threads in 2 1; do
		cp "$_before-$threads.db" before.db
		dump before.db before.dump
		rm -f run.db run.db-wal run.db-shm
		cp before.db run.db
		if [ "$threads" = 1 ]; then
			GRAF_THREADS=1 start_bg run.out run.err "$GRAF_INDEX_BIN" -i run.db "$_path"
		else
			start_bg run.out run.err "$GRAF_INDEX_BIN" -i run.db "$_path"
		fi
		sleep_ms "$_delay"
		kill -INT "$bg_pid" 2>/dev/null || :
		_st=0
		wait "$bg_pid" || _st=$?
		case $_st in
		130)
			dump run.db after.dump
			cmp -s before.dump after.dump ||
				fail "$_label interrupted ($threads threads): the index changed"
			;;
		0 | 1) say "($_label, $threads threads: the run ended before the signal)" ;;
		*) fail "$_label interrupted ($threads threads): exit $_st: $(cat run.err)" ;;
		esac
	done
}

# --- a made collection with records to warn about ---------------------------------
awk 'BEGIN {
	split("alpha beta gamma delta epsilon zeta eta theta iota kappa", w, " ")
	for (i = 1; i <= 3000; i++) {
		if (i == 1200) { print "{\"id\": \"broken\", \"text\": "; continue }
		if (i == 1500) { print "{\"id\": \"empty\", \"text\": \"\"}"; continue }
		id = (i == 2500) ? 7 : i   # id 7 a second time
		t = ""
		for (p = 1; p <= 1 + i % 4; p++) {
			s = ""
			for (k = 0; k < 40; k++)
				s = s w[1 + (i * 7 + p * 13 + k * k) % 10] (k % 9 == 8 ? ". " : " ")
			t = t (p > 1 ? "\\n\\n" : "") "Part " p " of record " i ": " s
		}
		printf "{\"id\": %d, \"title\": \"Record %d\", \"text\": \"%s\"}\n", id, i, t
	}
}' >made.jsonl
both made made.jsonl
[ "$last_status" -eq 1 ] || fail "made: exit $last_status, expected 1 (warnings)"
assert_contains err2 "line 1200: invalid JSON"
assert_contains err2 "line 1500: document empty has no text"
assert_contains err2 "document id '7' appears twice"

# --- a real collection ------------------------------------------------------------
bbc=$(shared_dir bbc)
if [ -n "$bbc" ]; then
	cp "$bbc/docs.jsonl" news.jsonl
else
	# the made one again, under other ids
	sed 's/"id": /"id": 100/' made.jsonl >news.jsonl
fi
both news news.jsonl

# --- updates: known records are skipped on the reading thread -------------------------
# Record 10 edited, record 20 removed, a record added, record 30's keys
# reordered (the same document in other bytes), the duplicate of 7 again.
awk '{
	if (NR == 10) sub(/Part 1/, "Part one")
	if (NR == 20) next
	if (NR == 30) sub(/^\{"id": 30, "title": "Record 30", /, "{\"title\": \"Record 30\", \"id\": 30, ")
	print
}
END { print "{\"id\": \"new\", \"title\": \"New\", \"text\": \"A new record, alpha and omega.\"}" }' \
	made.jsonl >made.new
mv made.new made.jsonl
both made made.jsonl
assert_contains err2 "1 added, 1 updated, 1 removed, "
if [ -n "$bbc" ]; then
	# every 50th article of BBC edited
	awk 'NR % 50 == 0 { sub(/"text": "/, "\"text\": \"Edited. ") } { print }' news.jsonl >news.new
	mv news.new news.jsonl
	both news news.jsonl
	assert_contains err2 " updated, 0 removed, "
fi

# --- a directory of article files -----------------------------------------------------
# Read ahead on the pipe when there are enough to read (64 files or 256 KB),
# a mark before each file's document; a binary, an empty and a Windows-1252
# file among them, then most of them edited.
mkdir arts
i=0
while [ "$i" -lt 120 ]; do
	n=$(printf '%03d' "$i")
	printf 'Article %s\n\nThe first paragraph of article %s, about alpha and beta.\n\nA second one, gamma %s.\n' \
		"$n" "$n" "$n" >"arts/a$n.txt"
	i=$((i + 1))
done
printf 'bin\000ary\000' >arts/a050.txt
: >arts/a060.txt
printf 'Caf\351 na\357ve\n\nA paragraph in Windows-1252: caf\351.\n' >arts/a070.txt
both arts arts
[ "$last_status" -eq 1 ] || fail "arts: exit $last_status, expected 1 (skipped files)"
assert_contains err2 "118 added, 0 updated, 0 removed, 0 unchanged, 2 skipped"
assert_contains err2 "a050.txt"
assert_contains err2 "a070.txt': not valid UTF-8"
sleep_ms 20  # a new modification time for the edited files
for f in arts/a0[0-8]?.txt; do
	sed 's/alpha/omega/' "$f" >edit.tmp && cat edit.tmp >"$f"
done
both arts arts
assert_contains err2 "0 added, 87 updated, 0 removed, 31 unchanged, 2 skipped"
if [ -n "$bbc" ] && [ -d "$bbc/articles" ]; then
	both bbcart "$bbc/articles"
	# Interrupted while the files are read ahead: the index stays as it was.
	interrupt_run articles arts 100 "$bbc/articles"
fi

# --- interrupted in the middle of a collection ---------------------------------------
# A collection large enough to be interrupted while it is read: the index
# stays as it was, with two threads or one.
for i in 1 2 3 4 5 6; do
	awk -v c="$i" '{
		if (match($0, /"id": "?[a-z0-9]+"?/)) {
			id = substr($0, RSTART + 6, RLENGTH - 6)
			gsub(/"/, "", id)
			$0 = substr($0, 1, RSTART - 1) "\"id\": \"c" c "-" id "\"" substr($0, RSTART + RLENGTH)
		}
		print
	}' made.jsonl
done >big.jsonl
interrupt_run collection made 300 big.jsonl
say "ok"
