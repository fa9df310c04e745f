#!/bin/sh
# T030-incremental: re-running graf-index on a copy of corpus/ - unchanged,
# one file edited, one deleted, one added, one touched, one renamed; paths
# outside the run's PATHs are left alone.
. "$(dirname "$0")/lib.sh"

copy_corpus
L=corpus/$LINES_FILE
B=corpus/$BLOCKS_FILE

# summary ADDED UPDATED REMOVED UNCHANGED SKIPPED PARAGRAPHS: assert the
# summary line of the last run.
summary() {
	grep -q -E "^graf-index: $1 added, $2 updated, $3 removed, $4 unchanged, $5 skipped; $6 paragraphs written in [0-9.]+ s$" "$err" ||
		fail "expected '$1 added, $2 updated, $3 removed, $4 unchanged, $5 skipped; $6 paragraphs'"
}
search() {
	graf_search -i idx.db "$@"
}

run 0 graf_index -i idx.db corpus
summary 2 0 0 0 0 "$(( $(count_paragraphs "$L") + $(count_paragraphs "$B") ))"

# --- unchanged ----------------------------------------------------------------
run 0 graf_index -v -i idx.db corpus
summary 0 0 0 2 0 0
assert_not_contains "$err" "added "
assert_not_contains "$err" "updated "
assert_not_contains "$err" "removed "
search -n 0 ByteDance | normalise_scores >bytedance.before
[ -s bytedance.before ] || fail "ByteDance not found"

# --- touched: same content, new time: read again, not re-indexed ----------------
touch -t 200101010000 "$L"
run 0 graf_index -i idx.db corpus
summary 0 0 0 2 0 0
run 0 graf_index -i idx.db corpus
summary 0 0 0 2 0 0

# --- edit one file: only it is updated -------------------------------------------
printf '\nA zanzibar paragraph, added by the test.\n' >>"$L"
run 0 graf_index -v -i idx.db corpus
summary 0 1 0 1 0 1  # the new paragraph: the others are as they were
assert_contains "$err" "updated $L"
assert_not_contains "$err" "$B"
run 0 search zanzibar
assert_eq "$(hit_count "$out")" 1 "hits of the new word"
assert_eq "$(hit_place 1 "$out")" "$L:$(count_paragraphs "$L")" "place of the new paragraph"
# The other file's hits are as before (their scores aside, which depend on
# the whole collection).
search -n 0 ByteDance | normalise_scores >bytedance.after
cmp -s bytedance.before bytedance.after || fail "editing one file changed another's hits"

# --- delete one file: only its paragraphs go ----------------------------------------
rm "$B"
run 0 graf_index -v -i idx.db corpus
summary 0 0 1 1 0 0
assert_contains "$err" "removed $B"
run 1 search ByteDance
run 0 search -n 0 H20
assert_eq "$(hit_count "$out")" "$(tail -n +3 "$L" | grep -c H20)" "hits of H20 after the delete"
assert_not_contains "$out" "$B"
run 0 search zanzibar

# --- add one file (in a new subdirectory) --------------------------------------------
mkdir corpus/more
printf 'Zebras Escape\n\nThree zebras left the zoo on Tuesday.\n\nThey came back for dinner.\n' \
	>corpus/more/zebras.txt
run 0 graf_index -v -i idx.db corpus
summary 1 0 0 1 0 2
assert_contains "$err" "added corpus/more/zebras.txt"
run 0 search zebras
assert_eq "$(hit_place 1 "$out")" "corpus/more/zebras.txt:1" "place of the new file's hit"
assert_contains "$out" "1. Zebras Escape"

# --- rename: the old path is removed, the new one added ---------------------------------
mv corpus/more/zebras.txt corpus/more/zebras-renamed.txt
run 0 graf_index -v -i idx.db corpus
summary 1 0 1 1 0 2
run 0 search zebras
assert_eq "$(hit_place 1 "$out")" "corpus/more/zebras-renamed.txt:1" "place after the rename"

# --- other paths are left alone ------------------------------------------------------------
mkdir other
printf 'Other News\n\nThe okapi is a relative of the giraffe.\n' >other/okapi.txt
run 0 graf_index -i idx.db other
summary 1 0 0 0 0 1
# A run over other/ only does not remove corpus/'s articles...
run 0 search zanzibar
# ...and a run over corpus/ only does not remove other/'s, even when the
# file is gone, until other/ is indexed again.
run 0 graf_index -i idx.db corpus
summary 0 0 0 2 0 0
run 0 search okapi
rm other/okapi.txt
run 0 graf_index -i idx.db corpus
summary 0 0 0 2 0 0
run 0 search okapi
run 0 graf_index -i idx.db other
summary 0 0 1 0 0 0
run 1 search okapi

# --- a failed run changes nothing -----------------------------------------------------------
# (No blank line: one would turn this one-paragraph-per-line file into
# blank-line separated blocks.)
printf 'Another paragraph, about a quokka.\n' >>"$L"
run 2 graf_index -i idx.db --language german corpus
run 1 search quokka
run 0 graf_index -i idx.db corpus
summary 0 1 0 1 0 1
run 0 search quokka

say "ok"
