#!/bin/sh
# T520-concurrent: graf-search and graf-index on the same index at once.
#   - Searches run in a loop while graf-index makes a large update: every
#     one succeeds (exit 0 or 1) and prints exactly the old answers or the
#     new ones, never an error, never a mix.
#   - A second graf-index while one holds the index waits --wait SECONDS
#     (default 5), then fails (exit 2) saying that another graf-index is
#     updating it; graf-index --check likewise; searches go on; nothing is
#     damaged, and the first run completes.  (The first is held with
#     SIGSTOP, so that the timing does not depend on the machine.)
#   - Four graf-index started together on a new index: all complete.
# Articles: the BBC ones (or generated ones) and a modified copy;
# GRAF_TEST_QUICK (make check-valgrind): 80 articles of each BBC section.
. "$(dirname "$0")/lib.sh"

bbc=$(shared_dir bbc/articles)
if [ -n "$bbc" ] && ! quick; then
	cp -R "$bbc" news
	chmod -R u+w news
elif [ -n "$bbc" ]; then
	# every section (the queries are spread over them), 80 articles each
	for section in "$bbc"/*/; do
		mkdir -p "news/$(basename "$section")"
		find "$section" -name '*.txt' | LC_ALL=C sort | head -n 80 |
			while IFS= read -r f; do cp "$f" "news/$(basename "$section")/"; done
	done
	chmod -R u+w news
else
	say "no \$GRAF_SHARED/data/bbc/articles: generated articles instead"
	make_articles news 2000
	# their words, in random order: some pairs are neighbours
	phrase='"minister election"'
fi
find news -name '*.txt' | LC_ALL=C sort >files
cp -R news news2
awk 'NR % 10 == 0' files | sed 's|^news/|news2/|' | while IFS= read -r f; do
	printf '\nA revised edition, marked zebracorn for the tests.\n' >>"$f"
done
awk 'NR % 5 == 0' files | while IFS= read -r f; do
	printf '\nA correction, marked quokka for the tests.\n' >>"$f"
done
mkdir empty

printf '%s\n' 'football coach' 'government minister' 'title:election' 'market* shares' \
	"${phrase:-\"prime minister\"}" quokka zebracorn 'music award' >queries
n_queries=$(wc -l <queries | tr -d ' ')

# answers INDEX DIR: the answer to each query, DIR/N for query N.
answers() {
	mkdir -p "$2"
	_n=0
	while IFS= read -r _q; do
		_n=$((_n + 1))
		_st=0
		graf_search -i "$1" --format tsv -n 0 -- "$_q" >"$2/$_n" 2>"$2/$_n.err" || _st=$?
		[ "$_st" -le 1 ] || fail "query '$_q' on '$1' exited with $_st: $(cat "$2/$_n.err")"
	done <queries
}
index_ok() {
	_st=0
	graf_index "$@" >"$out" 2>"$err" || _st=$?
	[ "$_st" -le 1 ] || fail "'graf-index $*' exited with $_st"
}
check() {
	run 0 graf_index -q --check -i "$1"
	assert_empty "$err"
}

index_ok -q -i idx.db news
answers idx.db old
cp idx.db old.db
cp idx.db probe.db
index_ok -q -i probe.db news news2
answers probe.db new
same=0
for n in $(seq 1 "$n_queries"); do
	cmp -s "old/$n" "new/$n" && same=$((same + 1))
done
[ "$same" -eq 0 ] || fail "$same queries answer the same before and after the update"

# --- searches during an update ------------------------------------------------------
# The update runs in the background; searches cycle through the queries
# until it has finished, and a few more after.
start_bg update.out update.err "$GRAF_INDEX_BIN" -q -i idx.db news news2
n=0
n_old=0
n_new=0
after=0
while [ "$after" -lt "$n_queries" ]; do
	kill -0 "$bg_pid" 2>/dev/null || after=$((after + 1))
	q=$((n % n_queries + 1))
	n=$((n + 1))
	_st=0
	graf_search -i idx.db --format tsv -n 0 -- "$(sed -n "${q}p" queries)" >"$out" 2>"$err" ||
		_st=$?
	[ "$_st" -le 1 ] || fail "search $n ('$(sed -n "${q}p" queries)') during the update exited with $_st"
	if cmp -s "$out" "old/$q"; then
		n_old=$((n_old + 1))
		[ "$after" -eq 0 ] || fail "search $n, after the update, has the old answers"
	elif cmp -s "$out" "new/$q"; then
		n_new=$((n_new + 1))
	else
		diff "old/$q" "$out" | head -n 10 >&2
		fail "search $n ('$(sed -n "${q}p" queries)'): neither the old nor the new answers"
	fi
done
_st=0
wait "$bg_pid" || _st=$?
[ "$_st" -le 1 ] || { err=update.err; fail "the update exited with $_st"; }
say "$n searches during and after the update: $n_old old answers, $n_new new"
[ "$n_old" -ge 2 ] || fail "no search ran during the update"
check idx.db

# --- a second graf-index ------------------------------------------------------------
# Start the large update again, on a copy of the old index, and stop it
# once it holds the index: a second graf-index, run on an empty directory,
# fails straight away (--wait 0) only when the first holds it.
cp old.db idx2.db
start_bg update.out update.err "$GRAF_INDEX_BIN" -q -i idx2.db news news2
held=false
for try in $(seq 1 200); do
	sleep_ms 20
	kill -STOP "$bg_pid" 2>/dev/null || break
	_st=0
	graf_index -q --wait 0 -i idx2.db empty >"$out" 2>"$err" || _st=$?
	if [ "$_st" -eq 2 ] && grep -q 'another graf-index is updating' "$err"; then
		held=true
		break
	fi
	kill -CONT "$bg_pid"
done
if ! $held; then
	kill -CONT "$bg_pid" 2>/dev/null || :
	wait "$bg_pid" 2>/dev/null || :
	fail "could not catch the first graf-index holding the index"
fi
assert_one_line "$err"
assert_contains "$err" "graf-index: another graf-index is updating 'idx2.db' (waited 0 s); try again when it has finished"

# waited RUN...: run graf-index ARGS, which must fail as busy; $waited_ms is
# how long it took.
busy() {
	_t0=$(now_ms)
	run 2 graf_index "$@"
	waited_ms=$(( $(now_ms) - _t0 ))
	assert_one_line "$err"
}
busy --wait 1 -i idx2.db news
assert_contains "$err" "graf-index: another graf-index is updating 'idx2.db' (waited 1 s); try again when it has finished"
[ "$waited_ms" -ge 950 ] || fail "--wait 1 gave up after $waited_ms ms"
busy -i idx2.db news2
assert_contains "$err" "(waited 5 s)"
[ "$waited_ms" -ge 4950 ] || fail "the default wait gave up after $waited_ms ms"
busy --check -i idx2.db
assert_contains "$err" "graf-index: another graf-index is updating 'idx2.db'; check it when it has finished"
say "a second graf-index gave up after $waited_ms ms by default"
# Searches go on, on the index as it was.
run 1 graf_search -i idx2.db --format tsv -n 0 -- "$(sed -n 7p queries)"
cmp -s "$out" old/7 || fail "a search beside a held update has other answers"

kill -CONT "$bg_pid"
_st=0
wait "$bg_pid" || _st=$?
[ "$_st" -le 1 ] || { err=update.err; fail "the held update exited with $_st"; }
check idx2.db
answers idx2.db back
for n in $(seq 1 "$n_queries"); do
	cmp -s "new/$n" "back/$n" || fail "query $n: the held update, completed, answers differently"
done
# ... and the index is free again.
index_ok -q --wait 0 -i idx2.db news news2

# --- four graf-index at once on a new index --------------------------------------------
mkdir -p a b c d
for dir in a b c d; do
	printf 'Headline %s\n\nThe paragraph of %s, written by indexer %s.\n' "$dir" "$dir" "$dir" \
		>"$dir/$dir.txt"
	start_bg "$dir.out" "$dir.err" "$GRAF_INDEX_BIN" -q --wait 60 -i four.db "$dir"
	eval "pid_$dir=\$bg_pid"
done
for dir in a b c d; do
	_st=0
	wait "$(eval "echo \$pid_$dir")" || _st=$?
	[ "$_st" -eq 0 ] || { err=$dir.err; fail "one of four graf-index ($dir) exited with $_st"; }
done
cat a.err b.err c.err d.err >"$err"
assert_empty "$err"
run 0 graf_search -i four.db --count written
assert_eq "$(cat "$out")" 4 "paragraphs written by four graf-index at once"
check four.db
say "ok"
