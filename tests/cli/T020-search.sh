#!/bin/sh
# T020-search: graf-search on an index of corpus/ - the searches the issue
# must show, exit statuses, --color=always highlighting, -n, --any, --raw.
# Expected paragraphs are taken from the corpus files, not from graf.
. "$(dirname "$0")/lib.sh"

copy_corpus
run 0 graf_index -q -i idx.db corpus
search() {
	graf_search -i idx.db "$@"
}
L=corpus/$LINES_FILE
B=corpus/$BLOCKS_FILE

# --- the searches of the issue -------------------------------------------------
# "export controls": first the paragraph with "rare earth exports and export
# controls".
run 0 search "export controls"
assert_empty "$err"
expected=$(paragraph_line "$B" "rare earth exports and export controls")
assert_eq "$(hit_text 1 "$out")" "$expected" "first hit of 'export controls'"
assert_eq "$(hit_place 1 "$out")" "$B:$(paragraph_number "$B" "$expected")" "place of the first hit"

# "rare earths": the two paragraphs of the first article that mention rare
# earths are among the first three hits.
run 0 search "rare earths"
[ "$(grep -c -F "rare earths" "$L")" -eq 2 ] || fail "the corpus changed"
first3=$(all_hit_texts "$out" | head -n 3)
grep -F "rare earths" "$L" | while IFS= read -r para; do
	printf '%s\n' "$first3" | grep -q -x -F -e "$para" ||
		fail "not among the first three hits of 'rare earths': $para"
done

# "Huang's speech", with either apostrophe: "Huang’s speech reinforced this
# message" first.
expected=$(paragraph_line "$L" "speech reinforced this message")
case $expected in "Huang’s speech reinforced this message"*) ;; *) fail "corpus changed" ;; esac
run 0 search "Huang's speech"
assert_eq "$(hit_text 1 "$out")" "$expected" "first hit of \"Huang's speech\""
# Its headline is the line under the "News" label, not the label.
[ "$(head -n 1 "$L")" = News ] || fail "the corpus changed"
assert_eq "$(head -n 1 "$out")" "1. $(sed -n 2p "$L")" "headline of the first hit"
assert_eq "$(head -n 1 "$out")" "1. Nvidia Backs China’s AI Surge, Sparks Global Tech Rally" \
	"headline of the first hit"
run 0 search "Huang’s speech"
assert_eq "$(hit_text 1 "$out")" "$expected" "first hit of 'Huang’s speech'"

# "ByteDance": exactly one paragraph.  The whole output, scores aside.
run 0 search ByteDance
assert_eq "$(hit_count "$out")" 1 "hits of ByteDance"
para=$(paragraph_line "$B" "ByteDance")
n=$(paragraph_number "$B" "$para")
{
	printf '1. %s\n' "$(head -n 1 "$B")"
	printf '   %s:%s  score S\n' "$B" "$n"
	printf '   %s\n' "$para"
} >expected
normalise_scores <"$out" >actual
diff -u expected actual || fail "the ByteDance hit differs"

# "H20" is in a headline; only paragraphs that contain it match.
run 0 search -n 0 H20
expected_h20=$(( $(tail -n +3 "$L" | grep -c H20) + $(tail -n +2 "$B" | grep -c H20) ))
assert_eq "$(hit_count "$out")" "$expected_h20" "hits of H20"
all_hit_texts "$out" | while IFS= read -r text; do
	case $text in *H20*) ;; *) fail "a hit of H20 does not contain it: $text" ;; esac
done
# "Talent" is only in a headline.
run 1 search talent
assert_empty "$out"

# --- stemming and apostrophes ---------------------------------------------------
# The same stem is the same query: identical output.
for pair in "controls control" "licensing licenses" "earths earth" "China's China’s" "China's china"; do
	set -- $pair
	search -n 0 "$1" >a.out 2>&1 || fail "'$1' failed"
	search -n 0 "$2" >b.out 2>&1 || fail "'$2' failed"
	cmp -s a.out b.out || fail "'$1' and '$2' give different results"
done
run 0 search -n 0 licensing
all_hit_texts "$out" | grep -q "licenses" || fail "'licensing' does not find 'licenses'"

# Words given as several arguments are one query.
search "export controls" >a.out
search export controls >b.out
cmp -s a.out b.out || fail "'export controls' as one or two arguments differ"

# --- -n ---------------------------------------------------------------------------
run 0 search -n 0 China
all=$(hit_count "$out")
[ "$all" -gt 10 ] || fail "too few hits of China to test -n: $all"
[ "$all" -eq "$({ tail -n +3 "$L"; tail -n +2 "$B"; } | grep -c -i china)" ] ||
	fail "'China' finds $all paragraphs"
run 0 search China
assert_eq "$(hit_count "$out")" 10 "default limit"
run 0 search -n 3 China
assert_eq "$(hit_count "$out")" 3 "-n 3"
run 0 search --limit=1 China
assert_eq "$(hit_count "$out")" 1 "--limit=1"
# Ranks are 1..N and scores do not increase.
run 0 search -n 0 China
grep -E '^[0-9]+\. ' "$out" | awk '$1 + 0 != NR { exit 1 }' || fail "ranks are not 1..N"
grep -o 'score [0-9.]*' "$out" | awk 'NR > 1 && $2 > prev { exit 1 } { prev = $2 }' ||
	fail "scores are not in decreasing order"

# --- --color ------------------------------------------------------------------------
esc=$(printf '\033')
# Not a terminal: no colour unless asked.
run 0 search "export controls"
assert_not_contains "$out" "$esc"
run 0 search --color=never "export controls"
assert_not_contains "$out" "$esc"
plain=$(hit_text 1 "$out")

# --color=always marks exactly the matched words, and only them.
run 0 search --color=always -n 1 "export controls"
marked=$(highlighted "$(sed -n 3p "$out")")
expected_words=$(printf '%s\n' "$plain" | tr -c 'A-Za-z0-9\n' ' ' | tr ' ' '\n' |
	grep -i -E '^(export|control)' | tr '\n' ' ' | sed 's/ $//')
assert_eq "$marked" "$expected_words" "highlighted words"
assert_eq "$marked" "exports export controls" "highlighted words"
# Without its escapes the line is the plain text.
stripped=$(sed -n 3p "$out" | sed "s/$esc\[[0-9;]*m//g; s/^   //")
assert_eq "$stripped" "$plain" "coloured text without colours"

run 0 search --color=always -n 1 "Huang's speech"
assert_eq "$(highlighted "$(sed -n 3p "$out")")" "Huang speech" "highlighted words of Huang's speech"

run 2 search --color=sometimes x
assert_contains "$err" "invalid value 'sometimes' for --color"

# --- --any, --raw ---------------------------------------------------------------------
run 1 search ByteDance Zanzibar
run 0 search --any ByteDance Zanzibar
assert_eq "$(hit_count "$out")" 1 "--any ByteDance Zanzibar"
run 0 search --raw '"export controls"'
assert_eq "$(hit_count "$out")" "$(cat "$L" "$B" | grep -c "export controls")" "hits of a --raw phrase"
all_hit_texts "$out" | grep -v -q "export controls" && fail "a hit of the phrase lacks it"
run 2 search --raw 'title: x'
assert_contains "$err" "graf-search: bad FTS5 query"

# --- exit statuses ----------------------------------------------------------------------
run 1 search zanzibar
assert_empty "$out"
assert_empty "$err"
run 2 search
assert_contains "$err" "graf-search: no query given"
run 2 search --bogus x
assert_contains "$err" "graf-search: unknown option '--bogus'"
run 2 search -n abc x
assert_contains "$err" "invalid limit 'abc'"
run 2 search -n -1 x
run 2 search -n
run 2 graf_search -i missing.db x
assert_contains "$err" "graf-search: no index at 'missing.db'"
assert_one_line "$err"
run 2 graf_search x
assert_contains "$err" "no index at 'index/graf.db'"

# --- --help, --version -------------------------------------------------------------------
run 0 graf_search --help
assert_empty "$err"
assert_contains "$out" "Usage: graf-search [OPTION]... QUERY..."
for opt in --index --limit --any --raw --color --help --version; do
	assert_contains "$out" "$opt"
done
tr '\n' ' ' <"$out" >help.txt
assert_contains help.txt "Exit status: 0 if a paragraph matched"
assert_contains help.txt "1 if none did, 2 on an error"
run 0 graf_search --version
assert_eq "$(head -n 1 "$out")" "graf-search (graf) $(package_version)" "--version"

say "ok"
