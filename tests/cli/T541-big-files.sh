#!/bin/sh
# T541-big-files: big files are indexed as documented.
#   - A file of GRAF_TEST_BIG_MB megabytes with no newline (default 200): no
#     headline (its first line is over 1000 bytes), one paragraph holding
#     all of it, found by a word at its very end.
#   - A paragraph of 10 MB between two small ones (hard-wrapped lines,
#     joined): three paragraphs; the match offsets of a word at its end are
#     right.
# In a sanitizer build the default is 50 MB (200 MB takes a minute there;
# make check-heavy runs it); with GRAF_TEST_QUICK, 20 MB.  Peak memory is
# printed when /usr/bin/time is there.
. "$(dirname "$0")/lib.sh"

if quick; then
	big_mb=${GRAF_TEST_BIG_MB:-20}
elif [ -n "${SAN_FLAGS:-}" ]; then
	big_mb=${GRAF_TEST_BIG_MB:-50}
else
	big_mb=${GRAF_TEST_BIG_MB:-200}
fi
say "a $big_mb MB line, a 10 MB paragraph"

# --- one line of BIG_MB megabytes -------------------------------------------------------
mkdir big
yes 'lorem ipsum dolor sit amet consectetur adipiscing' | tr '\n' ' ' |
	head -c $((big_mb * 1000000 - 8)) >big/line.txt
printf ' bigmark' >>big/line.txt
timed_index "indexing $big_mb MB in one line" -i big.db big
assert_contains "$err" "graf-index: 1 added, 0 updated, 0 removed, 0 unchanged, 0 skipped; 1 paragraphs"
run 0 graf_search -i big.db --count bigmark
assert_eq "$(cat "$out")" 1 "paragraphs with the word at the end"
run 0 graf_search -i big.db --count lorem
assert_eq "$(cat "$out")" 1 "paragraphs of the big line"
timed_index "checking it" -q --check -i big.db
rm -rf big big.db*

# --- a paragraph of 10 MB ------------------------------------------------------------
mkdir para
{
	printf 'A headline over a long paragraph\n\nThe first paragraph is short.\n\n'
	yes 'the second paragraph goes on and on with words that wrap at eighty columns' |
		head -c 10000000
	printf 'and ends with paramark.\n\nThe third paragraph is short again.\n'
} >para/long.txt
timed_index "indexing a 10 MB paragraph" -i para.db para
assert_contains "$err" "graf-index: 1 added, 0 updated, 0 removed, 0 unchanged, 0 skipped; 3 paragraphs"
run 0 graf_search -i para.db --format json paramark
assert_one_line "$out"
# The paragraph is the lines joined by spaces; "paramark" is at its end.
start=$(sed 's/.*"matches":\[\[\([0-9]*\),.*/\1/' "$out")
length=$(( $(wc -c <para/long.txt) - $(head -n 4 para/long.txt | wc -c) - $(tail -n 2 para/long.txt | wc -c) - 1 ))
assert_eq "$start" $((length - 9)) "offset of the word at the end of 10 MB"
assert_contains "$out" '"paragraph":2,'
run 0 graf_search -i para.db --count third
assert_eq "$(cat "$out")" 1 "the paragraph after the long one"
run 0 graf_index -q --check -i para.db
rm -rf para para.db*

say "ok"
