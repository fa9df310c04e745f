#!/bin/sh
# T510-disk-full: the disk fills during a run.  graf-index then stops with a
# one-line error that says so (exit 2), the index answers exactly as before
# and passes graf-index --check, and once there is room the next run
# completes the update.
#   - A real full disk: a small tmpfs (root only, in a private mount
#     namespace so that nothing outlives the test), with the free space set
#     to a series of levels by a filler file: at each, the update either
#     completes or fails cleanly, never anything in between.
#   - Everywhere: graf's GRAF_DEBUG_MAX_PAGES hook, which caps the database
#     at a number of pages (SQLite's max_page_count) for the same series.
# Articles: 150 of the BBC ones (or generated ones), then 300 more.

# Root: start again in a mount namespace of our own (unshare), where the
# tmpfs mount dies with the test, whatever happens to it.
if [ "$(id -u)" -eq 0 ] && [ -z "${GRAF_T510_NS:-}" ] &&
	unshare --mount --propagation private true 2>/dev/null; then
	GRAF_T510_NS=1 exec unshare --mount --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

# get_articles DIR FIRST COUNT: COUNT articles, from the FIRST-th on, into DIR.
bbc=$(shared_dir bbc/articles)
if [ -n "$bbc" ]; then
	(cd "$bbc" && find . -name '*.txt') | LC_ALL=C sort | awk 'NR % 5 == 0' >all-files
fi
get_articles() {
	if [ -n "$bbc" ]; then
		awk -v a="$2" -v n="$3" 'NR > a && NR <= a + n' all-files >"$tmp/picked"
		mkdir -p "$1"
		(cd "$bbc" && tar cf - -T "$tmp/picked") | (cd "$1" && tar xf -)
		chmod -R u+w "$1"
	else
		make_articles "$1" "$3" "set$2"
	fi
}
get_articles news 0 150
get_articles more 150 300

printf '%s\n' 1 'government minister' 2 'film award' 3 'title:election' 4 'market* shares' \
	5 'set150' 6 'football' | paste - - >queries

# index_ok ARGS...: graf-index ARGS completes (exit 0, or 1: warnings).
index_ok() {
	_st=0
	graf_index "$@" >"$out" 2>"$err" || _st=$?
	[ "$_st" -le 1 ] || fail "'graf-index $*' exited with $_st"
}
check() {
	run 0 graf_index -q --check -i "$1"
	assert_empty "$err"
}
state() {
	index_state "$1" queries "$2"
	[ "$state_status" -le 1 ] || fail "searching '$1' failed: $(tail -n 1 "$2")"
}

# The index before (A) and after (B) the update, made with room to spare.
index_ok -q -i a.db news
state a.db state-a
cp a.db b.db
index_ok -q -i b.db news more
state b.db state-b
cmp -s state-a state-b && fail "the update changes no answer"
a_bytes=$(wc -c <a.db | tr -d ' ')
b_bytes=$(wc -c <b.db | tr -d ' ')
say "index: $a_bytes bytes before, $b_bytes after the update"

# attempt INDEX [ENV...]: run the update on INDEX (a copy of A); it either
# completes, to B, or fails with the disk-full message, leaving A.  Sets
# $outcome to "done" or "full".
attempt() {
	_idx=$1
	shift
	_st=0
	env "$@" "$GRAF_INDEX_BIN" -q -i "$_idx" news more >"$out" 2>"$err" || _st=$?
	case $_st in
	0 | 1)
		outcome=done
		state "$_idx" after
		cmp -s after state-b || fail "the update completed, but its answers differ"
		;;
	2)
		outcome=full
		grep -v ': warning: ' "$err" >errors || :
		assert_one_line errors
		assert_contains errors "disk full writing '$_idx'; the index is unchanged"
		state "$_idx" after
		cmp -s after state-a || fail "a failed update changed the answers"
		;;
	*)
		fail "graf-index exited with $_st on a full disk"
		;;
	esac
}

# --- GRAF_DEBUG_MAX_PAGES: the database may not grow past a number of pages ------
page=16384
a_pages=$((a_bytes / page))
b_pages=$((b_bytes / page))
n_full=0
n_done=0
for extra in 0 2 10 $(((b_pages - a_pages) / 2)) $((b_pages - a_pages - 1)) \
	$((b_pages - a_pages + 50)); do
	rm -f cap.db cap.db-wal cap.db-shm
	cp a.db cap.db
	attempt cap.db GRAF_DEBUG_MAX_PAGES=$((a_pages + extra))
	check cap.db
	if [ "$outcome" = full ]; then n_full=$((n_full + 1)); else n_done=$((n_done + 1)); fi
done
say "max_page_count: $n_full runs stopped by the cap, $n_done completed"
[ "$n_full" -ge 3 ] || fail "the cap never stopped the update"
[ "$n_done" -ge 1 ] || fail "the update never completed under the largest cap"
# The next run, with room, completes the update.
attempt cap.db
assert_eq "$outcome" done "the run after the full disk"

# A new index on a full disk: an error, and no index that claims to be one.
_st=0
GRAF_DEBUG_MAX_PAGES=3 "$GRAF_INDEX_BIN" -q -i new.db news >"$out" 2>"$err" || _st=$?
assert_eq "$_st" 2 "exit status of a first build on a full disk"
assert_contains "$err" "disk full"
_st=0
graf_search -i new.db government >"$out" 2>"$err" || _st=$?
case $_st in
1) assert_empty "$out" ;;
2) assert_contains "$err" "create it with graf-index" ;;
*) fail "searching a new index that filled the disk exited with $_st" ;;
esac
index_ok -q -i new.db news
state new.db after
cmp -s after state-a || fail "the first build after a full disk answers differently"

# --- a real full disk: a small tmpfs ------------------------------------------------
if [ -z "${GRAF_T510_NS:-}" ]; then
	say "skipped the tmpfs part: not root, or no unshare (GRAF_DEBUG_MAX_PAGES only)"
	say "ok"
	exit 0
fi
mkdir small
# Room for A, B and a full WAL of the update, with some to spare.
size_kb=$(( (a_bytes + 3 * b_bytes) / 1024 + 1024 ))
if ! mount -t tmpfs -o "size=${size_kb}k" graf-test "$tmp/small" 2>"$err"; then
	say "skipped the tmpfs part: cannot mount one here ($(head -n 1 "$err"))"
	say "ok"
	exit 0
fi
trap 'umount "$tmp/small" 2>/dev/null || :; cleanup' EXIT

# fill_to KB: leave about KB kilobytes free on the tmpfs.
fill_to() {
	rm -f small/filler
	_free=$(df -k small | awk 'NR == 2 { print $4 }')
	if [ "$_free" -gt "$1" ]; then
		dd if=/dev/zero of=small/filler bs=1024 count=$((_free - $1)) 2>/dev/null || :
	fi
}

n_full=0
n_done=0
need_kb=$(( (b_bytes - a_bytes) / 1024 ))
for free_kb in 0 64 $((need_kb / 2)) "$need_kb" $((need_kb * 2)) $((need_kb * 3 + 512)); do
	rm -f small/i.db small/i.db-wal small/i.db-shm small/filler
	cp a.db small/i.db
	# Every other time, the -wal and -shm files are there before the disk
	# fills, as graf-index leaves them; else they must be made on a full
	# disk (and graf-search then reads the index as immutable).
	if [ $(( (n_full + n_done) % 2 )) -eq 0 ]; then
		run 0 graf_index -q --check -i small/i.db
	fi
	fill_to "$free_kb"
	attempt small/i.db
	# --check writes nothing, but needs room for the -shm file.
	rm -f small/filler
	check small/i.db
	if [ "$outcome" = full ]; then n_full=$((n_full + 1)); else n_done=$((n_done + 1)); fi
done
say "tmpfs: $n_full runs stopped by a full disk, $n_done completed"
[ "$n_full" -ge 3 ] || fail "the disk never filled"
[ "$n_done" -ge 1 ] || fail "the update never completed on the largest free space"

# A new index on a full disk.
rm -f small/*
fill_to 0
_st=0
graf_index -q -i small/new.db news >"$out" 2>"$err" || _st=$?
assert_eq "$_st" 2 "exit status of a first build on a full tmpfs"
assert_one_line "$err"
rm -f small/filler
index_ok -q -i small/new.db news
check small/new.db
say "ok"
