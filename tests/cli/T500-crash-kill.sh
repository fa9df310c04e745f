#!/bin/sh
# T500-crash-kill: graf-index killed with SIGKILL at random moments (from a
# seeded generator: GRAF_TEST_SEED replays a run) while it builds an index,
# updates it with a large change (the BBC articles of the shared data and a
# modified copy) and rebuilds it.  After every kill:
#   - graf-index --check passes (SQLite's integrity_check, FTS5's
#     integrity-check on both tables, graf's invariants);
#   - a set of searches (TSV, no limit) prints exactly what it printed before
#     the killed run (or, when the kill came after the commit, what the
#     completed run gives);
# and the next graf-index completes the update, to the same answers as an
# uninterrupted run and as an index built from scratch.
# Kills: GRAF_TEST_KILLS (default 20: 2 of the first build, the rest of the
# update, 2 of --rebuild), half of them at any moment of the run, half
# around its end (commit, checkpoint, close); when fewer than a quarter came
# before a commit, more kills early in the update, up to as many again.
# Articles: GRAF_TEST_KILL_FILES of the 2225 BBC ones (default 300, a
# spread over the five sections, so that the test takes about half a minute
# in a sanitizer build; "all" for every one, as make
# check-heavy does).  Without the shared data, generated articles stand in.
# GRAF_TEST_QUICK (make check-valgrind): 6 kills, 60 articles.
. "$(dirname "$0")/lib.sh"

if quick; then
	kills=${GRAF_TEST_KILLS:-6}
	want=${GRAF_TEST_KILL_FILES:-60}
else
	kills=${GRAF_TEST_KILLS:-20}
	want=${GRAF_TEST_KILL_FILES:-300}
fi
[ "$kills" -ge 5 ] || fail "GRAF_TEST_KILLS must be at least 5"
rand_init
say "seed $rand_seed (GRAF_TEST_SEED=$rand_seed replays it), $kills kills"

# --- the corpus: the articles, then a modified copy --------------------------------
bbc=$(shared_dir bbc/articles)
if [ -n "$bbc" ]; then
	(cd "$bbc" && find . -name '*.txt') | LC_ALL=C sort >all-files
	total=$(wc -l <all-files | tr -d ' ')
	[ "$want" = all ] && want=$total
	awk -v n="$total" -v k="$want" 'int(NR * k / n) != int((NR - 1) * k / n)' all-files >picked
	mkdir news
	(cd "$bbc" && tar cf - -T "$tmp/picked") | (cd news && tar xf -)
	chmod -R u+w news
else
	say "no \$GRAF_SHARED/data/bbc/articles: generated articles instead"
	[ "$want" = all ] && want=2225
	make_articles news "$want"
fi
find news -name '*.txt' | LC_ALL=C sort >files
n_files=$(wc -l <files | tr -d ' ')

# Words of every section, and the two marks of the modified articles; each
# query finds tens of paragraphs, not thousands (TSV prints their text).
printf '%s\n' 1 'football' 2 'government minister' 3 'title:election' \
	4 'market* shares' 5 '"prime minister"' 6 quokka 7 zebracorn \
	8 'music award' | paste - - >queries

# state INDEX NAME: the answers of INDEX into NAME, which must be sound.
state() {
	index_state "$1" queries "$2"
	[ "$state_status" -le 1 ] || fail "searching '$1' failed: $(tail -n 1 "$2")"
}

# check INDEX WHEN: graf-index --check passes.
check() {
	run 0 graf_index -q --check -i "$1"
	assert_empty "$err"
}

# kill_run DELAY_MS ARGS...: start graf-index ARGS, kill it with SIGKILL
# after DELAY_MS; $killed_status is its exit status (137 when the kill came
# first, 0 or 1 when it had finished).
kill_run() {
	_delay=$1
	shift
	start_bg run.out run.err "$GRAF_INDEX_BIN" "$@"
	sleep_ms "$_delay"
	kill -KILL "$bg_pid" 2>/dev/null || :
	killed_status=0
	# (The redirection silences the shell's "Killed".)
	wait "$bg_pid" 2>/dev/null || killed_status=$?
	case $killed_status in
	137) ;;
	0 | 1) n_finished=$((n_finished + 1)) ;;
	*) err=run.err fail "graf-index exited with $killed_status before the kill" ;;
	esac
}

# timed_run MS_VAR ARGS...: run graf-index ARGS to completion; its time in
# milliseconds goes into the variable MS_VAR.
timed_run() {
	_var=$1
	shift
	_t0=$(now_ms)
	_status=0
	graf_index "$@" >"$out" 2>"$err" || _status=$?
	[ "$_status" -le 1 ] || fail "'graf-index $*' exited with $_status"
	eval "$_var=\$(( \$(now_ms) - _t0 ))"
}

# index_ok ARGS...: graf-index ARGS completes (exit 0, or 1 for the warning
# about the one BBC article in Windows-1252).
index_ok() {
	_st=0
	graf_index "$@" >"$out" 2>"$err" || _st=$?
	[ "$_st" -le 1 ] || fail "'graf-index $*' exited with $_st"
}

# random_delay RUN_MS: $rand, a delay in milliseconds for a run that takes
# about RUN_MS: every other one anywhere in [0, RUN_MS), the others in
# [3/4 RUN_MS, 5/4 RUN_MS), around the commit, the checkpoint and the close.
n_delay=0
random_delay() {
	n_delay=$((n_delay + 1))
	if [ $((n_delay % 2)) -eq 1 ]; then
		rand_next "$1"
	else
		rand_next $(($1 / 2 + 1))
		rand=$((rand + $1 * 3 / 4))
	fi
}

n_kill=0
n_interrupted=0     # the kill stopped the run before its commit
n_committed=0       # it came after the commit ...
n_finished=0        # ... or even after the end of the run

# --- phase 0: a first build killed while its journal is hot ------------------------
# A first build writes the new file in rollback-journal mode: killed after
# its first write to the file, it leaves a hot journal.  A search (which
# cannot roll it back, and must not read the half-written file) refuses the
# index, saying what to do; the next graf-index rolls it back, builds, and
# leaves the index in WAL mode.  Killed before that write, the journal's
# header is still zero (SQLite writes its magic when it syncs the journal,
# just before it first writes the file): not hot, and the file is what
# was last committed, the empty schema, which a search reads as it is.
caught=false
for try in 1 2 3 4 5 6 7 8 9 10 11 12; do
	rm -f hot.db hot.db-journal hot.db-wal hot.db-shm
	start_bg run.out run.err "$GRAF_INDEX_BIN" -q -i hot.db news
	# (a journal beside an empty file is not hot: SQLite drops it)
	while kill -0 "$bg_pid" 2>/dev/null && ! { [ -s hot.db-journal ] && [ -s hot.db ]; }; do
		:
	done
	kill -KILL "$bg_pid" 2>/dev/null || :
	wait "$bg_pid" 2>/dev/null || :
	if [ -s hot.db-journal ] && [ -s hot.db ]; then
		if [ "$(od -An -tx1 -N1 hot.db-journal | tr -d ' ')" != 00 ]; then
			caught=true
			break
		fi
		_st=0
		graf_search -i hot.db football >"$out" 2>"$err" || _st=$?
		[ "$_st" -le 1 ] ||
			fail "a first build killed before it wrote the file: search exited $_st: $(cat "$err")"
	fi
done
$caught || fail "could not kill a first build while its journal was hot"
run 2 graf_search -i hot.db football
assert_one_line "$err"
assert_contains "$err" "graf-search: index 'hot.db' was left half-written by an interrupted graf-index (its journal 'hot.db-journal' must be rolled back); run graf-index on it again"
index_ok -q -i hot.db news
check hot.db
[ ! -e hot.db-journal ] || fail "the journal is still there after graf-index"
[ -e hot.db-wal ] || fail "the rebuilt index is not in WAL mode (no hot.db-wal)"
rm -f hot.db hot.db-wal hot.db-shm

# --- phase 1: kills during the first build ----------------------------------------
timed_run build_ms -q -i probe-a.db news
state probe-a.db state-a
grep -q '^1	' state-a || fail "'football' is not found in the articles"
for i in 1 2; do
	random_delay "$build_ms"
	kill_run "$rand" -q -i idx.db news
	n_kill=$((n_kill + 1))
	if [ "$killed_status" -eq 137 ]; then
		n_interrupted=$((n_interrupted + 1))
		# Nothing was committed, or only the empty schema: an index
		# with no article, a database with no table, or no file, or
		# the first build's hot journal (searches refuse it, the next
		# graf-index rolls it back); or the kill came after the commit
		# (while closing): the build.
		if [ -f idx.db ]; then
			_st=0
			graf_search -i idx.db football >"$out" 2>"$err" || _st=$?
			case $_st in
			0)
				check idx.db
				state idx.db after
				cmp -s after state-a || fail "kill $n_kill after the commit: answers differ"
				;;
			1) assert_empty "$out"; check idx.db ;;
			2)
				# the empty file, or the build's rollback
				# journal, which only a writer may roll back
				grep -q "is an empty database, not a graf index" "$err" ||
					assert_contains "$err" "was left half-written by an interrupted graf-index"
				;;
			*) fail "search after kill $n_kill exited with $_st" ;;
			esac
		fi
	else
		n_committed=$((n_committed + 1))
		check idx.db
		state idx.db after
		cmp -s after state-a || fail "kill $n_kill came after the build, whose answers differ"
	fi
done
index_ok -q -i idx.db news
check idx.db
state idx.db before
cmp -s before state-a || fail "the first build, completed after kills, answers differently"

# --- phase 2: kills during a large update -----------------------------------------
# A modified copy of every article (a new paragraph with a new word), and in
# the original: every 7th article changed, every 11th deleted, 50 new ones.
cp -R news news2
awk '{ print }' files | sed 's|^news/|news2/|' | while IFS= read -r f; do
	printf '\nA revised edition, marked zebracorn for the tests.\n' >>"$f"
done
awk 'NR % 7 == 0' files | while IFS= read -r f; do
	printf '\nA correction, marked quokka for the tests.\n' >>"$f"
done
awk 'NR % 11 == 5' files | while IFS= read -r f; do
	rm -f "$f"
done
make_articles news/added 50 quokka

# The expected result: the same update, uninterrupted, on a copy.
# Timed three times, the fastest kept: a run slowed by other work on the
# machine would put the kills after the end of the faster runs they stop.
cp idx.db probe-b.db
timed_run update_ms -q -i probe-b.db news news2
for i in 1 2; do
	cp idx.db probe-t.db
	rm -f probe-t.db-wal probe-t.db-shm
	timed_run t_ms -q -i probe-t.db news news2
	[ "$t_ms" -lt "$update_ms" ] && update_ms=$t_ms
done
check probe-b.db
state probe-b.db state-b
cmp -s state-a state-b && fail "the update changed no answer"
say "build $build_ms ms, update $update_ms ms ($n_files files and a copy)"

# update_kill DELAY_MS: kill an update after DELAY_MS; the index must hold
# the old answers or, when the kill came after the commit, the new ones.
update_kill() {
	kill_run "$1" -q -i idx.db news news2
	n_kill=$((n_kill + 1))
	check idx.db
	state idx.db after
	if cmp -s after before; then
		n_interrupted=$((n_interrupted + 1))
	elif cmp -s after state-b; then
		# Killed after its commit: the update is complete, as it must be
		# once committed.  Go back to the old index for the next kill.
		n_committed=$((n_committed + 1))
		cp probe-a.db idx.db
		rm -f idx.db-wal idx.db-shm
	else
		diff before after | head -n 20 >&2
		fail "kill $n_kill after $1 ms: the answers are neither the old nor the new ones"
	fi
	# A run that ended before its kill took less than the delay: the
	# timing was taken while the machine was busier than it is now.
	if [ "$killed_status" -ne 137 ] && [ "$1" -lt "$update_ms" ]; then
		update_ms=$(($1 > 1 ? $1 : 1))
	fi
}

n_update=$((kills - 4))
for i in $(seq 1 "$n_update"); do
	random_delay "$update_ms"
	update_kill "$rand"
done

# --- phase 3: kills during --rebuild --------------------------------------------
for i in 1 2; do
	random_delay "$update_ms"
	kill_run "$rand" -q --rebuild -i idx.db news news2
	n_kill=$((n_kill + 1))
	check idx.db
	state idx.db after
	if cmp -s after before; then
		n_interrupted=$((n_interrupted + 1))
	else
		# Replaced by the rebuilt index: the new answers, up to the
		# order of ties (article ids differ from an incremental run).
		cut -f1,3- after | LC_ALL=C sort >after.sorted
		cut -f1,3- state-b | LC_ALL=C sort >b.sorted
		cmp -s after.sorted b.sorted ||
			fail "kill $n_kill of --rebuild after $rand ms: neither the old nor the new answers"
		n_committed=$((n_committed + 1))
		cp probe-a.db idx.db
		rm -f idx.db-wal idx.db-shm
	fi
done

assert_eq "$n_kill" "$kills" "kills"
# Too few kills before a commit (the timings were taken on a busy machine,
# or the runs are faster than measured): more kills of the update, in the
# first half of its run, up to as many again.  Only when even those come
# too late are the delays wrong.
while [ "$n_interrupted" -lt $((kills / 4)) ] && [ "$n_kill" -lt $((kills * 2)) ]; do
	rand_next $((update_ms / 2 + 1))
	update_kill "$rand"
done

# --- the next run completes the update ------------------------------------------
index_ok -i idx.db news news2
assert_contains "$err" "skipped;"
check idx.db
state idx.db after
cmp -s after state-b || fail "the update completed after the kills answers differently"
# ... and agrees with an index built from scratch (ties aside).
index_ok -q -i fresh.db news news2
state fresh.db fresh
cut -f1,3- fresh | LC_ALL=C sort >fresh.sorted
cut -f1,3- after | LC_ALL=C sort >after.sorted
cmp -s fresh.sorted after.sorted || fail "the updated index and a fresh one answer differently"

say "$n_kill kills: $n_interrupted before the commit, $n_committed after it" \
	"($n_finished of them after the end of the run); all sound"
[ "$n_interrupted" -ge $((kills / 4)) ] ||
	fail "only $n_interrupted of $n_kill kills interrupted a run: the delays are too long"
say "ok"
