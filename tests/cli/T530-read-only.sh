#!/bin/sh
# T530-read-only: graf-search reads indexes it cannot write, and writes
# nothing; graf-index refuses them with a one-line error (exit 2).
#   - As the user nobody (the tests run as root in CI): an index in a
#     read-only directory, with and without its -wal and -shm files, and
#     with committed changes still in its WAL; a write-protected index
#     file in a directory nobody can write; a directory nobody cannot
#     enter.
#   - As root: an index on a read-only mount (a bind mount remounted
#     read-only, in a mount namespace of our own).
# Each search must print exactly what root's search of the same index
# prints.  Skipped parts say why (not root; nobody cannot reach the build
# tree; no unshare).

# Root: start again in a mount namespace of our own (for the read-only
# mount, which then dies with the test).
if [ "$(id -u)" -eq 0 ] && [ -z "${GRAF_T530_NS:-}" ] &&
	unshare --mount --propagation private true 2>/dev/null; then
	GRAF_T530_NS=1 exec unshare --mount --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

copy_corpus
bbc=$(shared_dir bbc/articles)
if [ -n "$bbc" ]; then
	mkdir more
	cp "$bbc"/tech/0[0-4]*.txt more/
	chmod -R u+w more
else
	make_articles more 50
fi
printf '%s\n' 1 'export controls' 2 'Nvidia' 3 'title:china' 4 'computer* OR phone' \
	5 'internet' | paste - - >queries

# The index, and root's answers from it.
run 0 graf_index -q -i idx.db corpus
index_state idx.db queries root-state
[ "$state_status" -eq 0 ] || fail "root cannot search its index"
chmod 644 idx.db*

parts=0

# --- as nobody ----------------------------------------------------------------------
nb=$(nobody_cmd)
if [ -z "$nb" ]; then
	say "skipped the parts as nobody: $( [ "$(id -u)" -ne 0 ] && echo 'not root' || echo 'no setpriv or su')"
elif ! nobody_can_reach "$GRAF_SEARCH_BIN" "$tmp/queries"; then
	say "skipped the parts as nobody: nobody cannot reach '$tmp' or the programs (a build tree under a private home?)"
else
	parts=$((parts + 1))
	say "as nobody ($nb)"
	# as_nobody STATUS PROGRAM ARGS...: run as nobody, expect STATUS.
	as_nobody() {
		_expected=$1
		shift
		run "$_expected" $nb ${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$@"
	}
	# nobody_state INDEX OUTPUT: nobody's answers (as index_state).
	nobody_state() {
		_st=0
		$nb ${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$GRAF_SEARCH_BIN" -i "$1" \
			--queries queries --format tsv -n 0 --no-feedback >"$2" 2>"$2.err" || _st=$?
		printf '== exit %s\n' "$_st" >>"$2"
		if [ "$_st" -gt 1 ]; then
			cat "$2.err" >>"$2"
		fi
		[ ! -s "$2.err" ] || { err=$2.err; fail "nobody's search of '$1' wrote to stderr"; }
	}
	# listing DIR: the names, sizes, owners and times of the files in DIR.
	listing() {
		ls -la --time-style=+%s.%N "$1" | awk 'NR > 1 && $NF != "." && $NF != ".."'
	}

	# A read-only directory (root's, 0755), the WAL files there.
	mkdir ro
	cp idx.db idx.db-wal idx.db-shm ro/
	chmod 755 ro
	listing ro >before
	nobody_state ro/idx.db state
	cmp -s state root-state || fail "nobody's answers from a read-only directory differ"
	listing ro >after
	cmp -s before after || fail "searching a read-only directory changed its files"
	as_nobody 2 "$GRAF_INDEX_BIN" -i ro/idx.db corpus
	assert_one_line "$err"
	assert_contains "$err" "graf-index: cannot write index 'ro/idx.db'"
	assert_contains "$err" "needs write access to the file and its directory"
	as_nobody 2 "$GRAF_INDEX_BIN" --check -i ro/idx.db
	assert_contains "$err" "graf-index: cannot write index 'ro/idx.db'"
	as_nobody 2 "$GRAF_INDEX_BIN" -i ro/new.db corpus
	assert_eq "$(cat "$err")" "graf-index: cannot create index 'ro/new.db': Permission denied"
	listing ro >after
	cmp -s before after || fail "graf-index changed files in a read-only directory"

	# ... without its -wal and -shm files: read as an immutable file.
	rm ro/idx.db-wal ro/idx.db-shm
	nobody_state ro/idx.db state
	cmp -s state root-state || fail "nobody's answers from a bare read-only index differ"
	[ ! -e ro/idx.db-wal ] && [ ! -e ro/idx.db-shm ] || fail "a reader made WAL files"

	# ... with committed changes still in its WAL: a reader (sqlite3
	# -readonly, which cannot checkpoint) holds a read transaction while
	# graf-index updates, so that nothing reaches the database file.
	if have sqlite3 && have mkfifo; then
		rm -rf ro && mkdir ro
		cp idx.db ro/
		mkfifo ctl
		sqlite3 -readonly ro/idx.db <ctl >reader.out 2>reader.err &
		reader=$!
		exec 3>ctl
		echo "BEGIN; SELECT count(*) FROM source;" >&3
		for _i in $(seq 1 100); do
			[ -s reader.out ] && break
			sleep_ms 50
		done
		[ -s reader.out ] || fail "the sqlite3 reader did not start: $(cat reader.err)"
		run 0 graf_index -q -i ro/idx.db corpus more
		echo "COMMIT;" >&3
		exec 3>&-
		wait "$reader" || fail "the sqlite3 reader failed: $(cat reader.err)"
		[ -s ro/idx.db-wal ] || fail "the WAL is empty: the test did not keep the update in it"
		index_state ro/idx.db queries root-state2
		cmp -s root-state2 root-state && fail "the update changed no answer"
		chmod 644 ro/*
		listing ro >before
		nobody_state ro/idx.db state
		cmp -s state root-state2 || fail "nobody's answers from a read-only index with a full WAL differ"
		listing ro >after
		cmp -s before after || fail "searching a read-only index with a full WAL changed its files"
	else
		say "skipped the read-only index with a full WAL: no sqlite3 or mkfifo"
	fi

	# A write-protected file in a directory nobody may write.
	mkdir rw
	cp idx.db rw/
	chmod 444 rw/idx.db
	chown 65534 rw
	nobody_state rw/idx.db state
	cmp -s state root-state || fail "nobody's answers from a write-protected index differ"
	as_nobody 2 "$GRAF_INDEX_BIN" -i rw/idx.db corpus
	assert_one_line "$err"
	assert_contains "$err" "graf-index: cannot write index 'rw/idx.db'"
	# Root updates it afterwards, whatever files the reader made.
	chown 0 rw
	chmod 644 rw/idx.db
	run 0 graf_index -q -i rw/idx.db corpus
	run 0 graf_index -q --check -i rw/idx.db

	# A directory nobody cannot enter.
	mkdir closed
	cp idx.db closed/
	chmod 700 closed
	as_nobody 2 "$GRAF_SEARCH_BIN" -i closed/idx.db Nvidia
	assert_one_line "$err"
	assert_contains "$err" "graf-search: cannot open index 'closed/idx.db': Permission denied"
fi

# --- a read-only mount (root) ---------------------------------------------------------
if [ -z "${GRAF_T530_NS:-}" ]; then
	say "skipped the read-only mount: not root, or no unshare"
else
	mkdir mnt
	cp idx.db idx.db-wal idx.db-shm mnt/
	if mount --bind "$tmp/mnt" "$tmp/mnt" 2>"$err" &&
		mount -o remount,ro,bind "$tmp/mnt" 2>>"$err"; then
		trap 'umount "$tmp/mnt" 2>/dev/null || :; cleanup' EXIT
		parts=$((parts + 1))
		say "on a read-only mount"
		index_state mnt/idx.db queries state
		cmp -s state root-state || fail "the answers from a read-only mount differ"
		run 2 graf_index -i mnt/idx.db corpus
		assert_one_line "$err"
		assert_contains "$err" "graf-index: cannot write index 'mnt/idx.db'"
		umount "$tmp/mnt"
		rm mnt/idx.db-wal mnt/idx.db-shm
		mount --bind "$tmp/mnt" "$tmp/mnt"
		mount -o remount,ro,bind "$tmp/mnt"
		index_state mnt/idx.db queries state
		cmp -s state root-state || fail "the answers from a bare index on a read-only mount differ"
		umount "$tmp/mnt"
	else
		say "skipped the read-only mount: $(head -n 1 "$err")"
	fi
fi

[ "$parts" -gt 0 ] || skip "neither as nobody nor on a read-only mount"
say "ok"
