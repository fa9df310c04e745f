#!/bin/sh
# T550-damaged-index: indexes graf cannot use give one line on stderr that
# says what is wrong and what to do, exit status 2, and never a crash (the
# sanitizer build runs this too):
#   a missing file; a FIFO, a device, a directory; a file that is not a
#   database; an empty file; truncated at many sizes; corrupted at random
#   places (seeded: GRAF_TEST_SEED replays it; GRAF_TEST_CORRUPTIONS of
#   them, default 8); another program's database; an index made by a
#   newer graf; an index whose stemmer this graf lacks; garbage WAL and
#   -shm files.  graf-index --check reports each; graf-index --rebuild
#   makes a sound index again.
. "$(dirname "$0")/lib.sh"

copy_corpus
bbc=$(shared_dir bbc/articles)
if [ -n "$bbc" ]; then
	cp "$bbc"/business/0[0-4]*.txt corpus/
	chmod -R u+w corpus
else
	make_articles corpus 50
fi
run 0 graf_index -q -i good.db corpus
printf '%s\n' 1 'export controls' 2 'title:china' 3 'market* OR shares' 4 'the' | paste - - >queries
index_state good.db queries good-state
[ "$state_status" -eq 0 ] || fail "the good index does not answer"
size=$(wc -c <good.db | tr -d ' ')

# refused ADVICE PROGRAM ARGS...: PROGRAM fails with exit 2 and one line
# on stderr that contains ADVICE.
refused() {
	_advice=$1
	shift
	_st=0
	"$@" >"$out" 2>"$err" || _st=$?
	[ "$_st" -eq 2 ] || fail "'$*' exited with $_st, expected 2"
	assert_one_line "$err"
	assert_contains "$err" "$_advice"
	assert_empty "$out"
}
# refused_by_all ADVICE INDEX: every program refuses INDEX with ADVICE.
refused_by_all() {
	refused "$1" graf_search -i "$2" export
	refused "$1" graf_search -i "$2" --queries queries --format trec
	refused "$1" graf_index -i "$2" corpus
	refused "$1" graf_index --check -i "$2"
}
# searched_or_refused INDEX WHAT: searches of INDEX either work (exit 0 or
# 1, nothing but messages on stderr) or fail with one line of advice.
searched_or_refused() {
	for _args in "-n 0 --format json the OR china" "--unit article -C 1 title:china market*"; do
		_st=0
		# shellcheck disable=SC2086 # the arguments are words
		graf_search -i "$1" $_args >"$out" 2>"$err" || _st=$?
		case $_st in
		0 | 1)
			if grep -v '^graf-search: ' "$err" | grep -q .; then
				fail "$2: '$_args' wrote more than messages"
			fi
			;;
		2)
			assert_one_line "$err"
			if ! grep -q -e "$REBUILD" -e "$CHECK_PATH" "$err"; then
				fail "$2: '$_args': no advice: $(cat "$err")"
			fi
			;;
		*) fail "$2: '$_args' exited with $_st" ;;
		esac
	done
}
# check_finds INDEX WHAT: graf-index --check reports problems, one line
# each, then the advice; exit 2.
check_finds() {
	_st=0
	graf_index --check -i "$1" >"$out" 2>"$err" || _st=$?
	[ "$_st" -eq 2 ] || fail "$2: --check exited with $_st"
	tail -n 1 "$err" | grep -q -e "$REBUILD" -e "$CHECK_PATH" ||
		fail "$2: --check gave no advice: $(tail -n 1 "$err")"
	if grep -v "^graf-index: " "$err" | grep -q .; then
		fail "$2: --check wrote more than messages"
	fi
}
# repaired INDEX: graf-index --rebuild makes INDEX the good index again.
repaired() {
	run 0 graf_index -q --rebuild -i "$1" corpus
	run 0 graf_index -q --check -i "$1"
	index_state "$1" queries state
	cmp -s state good-state || fail "'$1' rebuilt answers differently"
}

REBUILD="rebuild it with graf-index --rebuild"
CHECK_PATH="check the --index path"

# --- no index, and files that are none ---------------------------------------------------
refused "graf-search: no index at 'missing.db' (create it with graf-index)" \
	graf_search -i missing.db export
refused "graf-index: no index at 'missing.db' (create it with graf-index)" \
	graf_index --check -i missing.db
[ ! -e missing.db ] || fail "a missing index was created"
mkfifo fifo.db
refused "graf-search: index 'fifo.db' is not a regular file; $CHECK_PATH" graf_search -i fifo.db x
refused "graf-index: index 'fifo.db' is not a regular file; $CHECK_PATH" graf_index -i fifo.db corpus
refused "graf-search: index '/dev/null' is not a regular file" graf_search -i /dev/null x
mkdir dir.db
refused "graf-search: index 'dir.db' is a directory; give the database file, e.g. 'dir.db/graf.db'" \
	graf_search -i dir.db x
printf 'Just some text, not a database: long enough to hold a header of 100 bytes, and more.\n' >text.db
cp text.db text.db.orig
refused_by_all "is not a graf index (not an SQLite database); $CHECK_PATH" text.db
cmp -s text.db text.db.orig || fail "a file that is not a database was changed"
: >empty.db
refused "graf-search: 'empty.db' is an empty database, not a graf index; create it with graf-index" \
	graf_search -i empty.db x
repaired text.db

# --- truncated ----------------------------------------------------------------------
# One byte is an empty database to SQLite (which graf-index may make an
# index of); ten bytes, not even the "SQLite format 3" of the header.
head -c 1 good.db >cut.db
refused "graf-search: 'cut.db' is an empty database, not a graf index; create it with graf-index" \
	graf_search -i cut.db x
head -c 10 good.db >cut.db
refused_by_all "is not a graf index (not an SQLite database); $CHECK_PATH" cut.db
# Cut in the first pages (the schema), nothing can be read.
for cut in 50 512 16385 32768; do
	rm -f cut.db cut.db-wal cut.db-shm
	head -c "$cut" good.db >cut.db
	refused_by_all "index 'cut.db' is damaged (database disk image is malformed); $REBUILD" cut.db
done
# Cut further on, a search that reads only pages before the cut still
# works (SQLite sees damage when it reads it); --check finds it.
rm -f cut.db cut.db-wal cut.db-shm
head -c $((size / 2)) good.db >cut.db
searched_or_refused cut.db "truncated at half"
check_finds cut.db "truncated at half"
# One byte short: SQLite reads the missing byte as 0, which lands in the
# last page's free space or not; either --check finds it or nothing changed.
rm -f cut.db cut.db-wal cut.db-shm
head -c $((size - 1)) good.db >cut.db
searched_or_refused cut.db "one byte short"
if graf_index -q --check -i cut.db >"$out" 2>"$err"; then
	index_state cut.db queries state
	cmp -s state good-state || fail "one byte short: --check calls it sound, but answers differ"
else
	check_finds cut.db "one byte short"
fi
repaired cut.db

# --- corrupted at random places -------------------------------------------------------------
# Each corruption overwrites a few bytes (1, 4 or 64) at random offsets.
# A search may still succeed (the damage is where it does not look), or
# fail with the advice; --check finds the damage or it is where nothing
# reads; nothing crashes.
rand_init
n=${GRAF_TEST_CORRUPTIONS:-8}
say "seed $rand_seed (GRAF_TEST_SEED=$rand_seed replays it), $n corruptions"
n_found=0
for i in $(seq 1 "$n"); do
	rm -f bad.db bad.db-wal bad.db-shm
	cp good.db bad.db
	rand_next 20
	hits=$((rand + 1))
	for k in $(seq 1 "$hits"); do
		rand_next $((size / 16))
		at=$((rand * 16))
		rand_next 3
		len=$(echo "1 4 64" | cut -d' ' -f$((rand + 1)))
		head -c "$len" /dev/urandom | dd of=bad.db bs=1 seek="$at" conv=notrunc 2>/dev/null
	done
	searched_or_refused bad.db "corruption $i"
	_st=0
	graf_index -q --check -i bad.db >"$out" 2>"$err" || _st=$?
	if [ "$_st" -ne 0 ]; then
		check_finds bad.db "corruption $i"
		n_found=$((n_found + 1))
	fi
	_st=0
	graf_index -q -i bad.db corpus >"$out" 2>"$err" || _st=$?
	[ "$_st" -le 2 ] || fail "corruption $i: an update exited with $_st"
done
say "--check found $n_found of $n corruptions (the others hit unused space)"
repaired bad.db

# --- other programs, other versions ------------------------------------------------------------
if have sqlite3; then
	sqlite3 other.db "CREATE TABLE notes(x); INSERT INTO notes VALUES ('hello');"
	cp other.db other.db.orig
	refused_by_all "'other.db' is not a graf index (an SQLite database of another program); $CHECK_PATH" \
		other.db
	cmp -s other.db other.db.orig || fail "another program's database was changed"

	cp good.db newer.db
	ours=$(sqlite3 good.db "PRAGMA user_version;")
	sqlite3 newer.db "PRAGMA user_version = 99;"
	refused_by_all "index 'newer.db' was made by a newer graf (schema 99, this graf reads $ours); upgrade graf or rebuild the index with graf-index --rebuild" \
		newer.db
	repaired newer.db

	cp good.db lang.db
	sqlite3 lang.db "UPDATE meta SET value = 'klingon' WHERE key = 'language';"
	refused_by_all "index 'lang.db' uses the language 'klingon', which this libstemmer lacks" lang.db
	repaired lang.db

	# Damage to the schema's text that SQLite still parses (random
	# corruption found this): FTS5 refuses the tokenizer's arguments when
	# a statement opens the table.
	cp good.db schema.db
	sqlite3 schema.db "PRAGMA writable_schema = ON;
		UPDATE sqlite_master SET sql = replace(sql, 'unicode61', 'uni\"code61') WHERE name = 'para';"
	damaged="index 'schema.db' is damaged (parse error in tokenize directive); $REBUILD"
	refused "graf-search: cannot prepare query: $damaged" \
		graf_search -i schema.db -n 0 --format json 'the OR china'
	refused "graf-index: cannot prepare update: $damaged" graf_index -i schema.db corpus
	check_finds schema.db "a damaged schema"
	repaired schema.db

	# A column of the text store renamed in the schema's text (random
	# corruption found this too): FTS5 reads the text through a view of
	# it, and finds the column missing only when it reads a hit's text.
	cp good.db column.db
	sqlite3 column.db "PRAGMA writable_schema = ON;
		UPDATE sqlite_master SET sql = replace(sql, ' z BLOB', ' y BLOB') WHERE name = 'para_text';"
	refused "graf-search: cannot read paragraph: index 'column.db' is damaged (no such column: z); $REBUILD" \
		graf_search -i column.db -n 0 --format json 'the OR china'
	check_finds column.db "a column renamed"
	repaired column.db

	# A column of FTS5's own term index renamed (random corruption found
	# this, seed 1795465279): FTS5's statement on it fails, and FTS5 passes
	# on only "SQL logic error".
	cp good.db ftscol.db
	sqlite3 ftscol.db "PRAGMA writable_schema = ON;
		UPDATE sqlite_master SET sql = replace(sql, ' pgno,', ' pgnx,') WHERE name = 'para_idx';"
	refused "graf-search: cannot run query: index 'ftscol.db' is damaged (SQL logic error); $REBUILD" \
		graf_search -i ftscol.db -n 0 --format json 'the OR china'
	refused "graf-search: cannot run query: index 'ftscol.db' is damaged (SQL logic error); $REBUILD" \
		graf_search -i ftscol.db --raw 'china AND export'
	check_finds ftscol.db "a column of FTS5's index renamed"
	repaired ftscol.db

	cp good.db nometa.db
	sqlite3 nometa.db "DROP TABLE meta;"
	refused "$REBUILD" graf_search -i nometa.db export
	refused "$REBUILD" graf_index -i nometa.db corpus
else
	say "skipped other programs' databases and other versions: no sqlite3"
fi

# --- garbage WAL files: SQLite ignores a WAL whose checksums fail, and
# rebuilds a -shm ------------------------------------------------------------------
cp good.db wal.db
head -c 70000 /dev/urandom >wal.db-wal
head -c 32768 /dev/urandom >wal.db-shm
index_state wal.db queries state
cmp -s state good-state || fail "garbage WAL files changed the answers"
run 0 graf_index -q --check -i wal.db
run 0 graf_index -q -i wal.db corpus
say "ok"
