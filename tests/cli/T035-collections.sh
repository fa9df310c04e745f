#!/bin/sh
# T035-collections: large JSON Lines and TREC collections, read in pieces.
#   - Records that straddle the 1 MiB pieces graf-index reads are indexed
#     whole, and warnings name the right line of the whole file.
#   - Re-reading a changed collection: records whose bytes are unchanged are
#     not parsed again (the summary counts them unchanged); a changed record
#     is updated; the same record in other bytes (keys reordered) stays
#     unchanged; a duplicate record is warned about on every run.
#   - An index whose stored hashes of records and files are another
#     function's (an earlier graf's) is updated to the same answers, and
#     holds this graf's hashes after one run.
#   - Postings written to several segments inside one file (the test hook
#     GRAF_DEBUG_POSTINGS_BYTES makes the memory limit tiny) give the same
#     answers as one segment, for a new index and for an update.
. "$(dirname "$0")/lib.sh"

# summary ADDED UPDATED REMOVED UNCHANGED SKIPPED: assert the last run's
# summary line.
summary() {
	grep -q -E "^graf-index: $1 added, $2 updated, $3 removed, $4 unchanged, $5 skipped; " "$err" ||
		fail "expected '$1 added, $2 updated, $3 removed, $4 unchanged, $5 skipped': $(tail -n 1 "$err")"
}

# answers DB: the ranked hits of a few queries, one file.
answers() {
	for q in 'alpha' 'beta gamma' '"delta epsilon"' 'zeta OR eta' 'record7*' 'theta -iota'; do
		graf_search -i "$1" --format tsv -n 50 "$q" || :
	done
}

# --- a JSON Lines collection of about 3 MB ----------------------------------------------
n=6000
bad=4500   # beyond the first 1 MiB piece
awk -v n=$n -v bad=$bad 'BEGIN {
	split("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu", w, " ")
	for (i = 1; i <= n; i++) {
		if (i == bad) { print "{\"id\": \"broken\", \"text\": "; continue }
		t = ""
		for (p = 1; p <= 3; p++) {
			s = ""
			for (k = 0; k < 60; k++)
				s = s w[1 + (i * 7 + p * 13 + k * k) % 12] " "
			t = t (p > 1 ? "\\n\\n" : "") "Paragraph " p " of record" i ": " s
		}
		printf "{\"id\": \"r%d\", \"title\": \"Record %d\", \"text\": \"%s\"}\n", i, i, t
	}
}' >docs.jsonl
size=$(wc -c <docs.jsonl)
[ "$size" -gt 2500000 ] || fail "the collection is only $size bytes"

run 1 graf_index -i idx.db docs.jsonl
summary $((n - 1)) 0 0 0 0
assert_contains "$err" "'docs.jsonl': line $bad: invalid JSON"
run 0 graf_search -i idx.db --count record6000
assert_eq "$(cat "$out")" 3 "paragraphs of the last record"
run 0 graf_search -i idx.db --count alpha
[ "$(cat "$out")" -gt 1000 ] || fail "only $(cat "$out") paragraphs with alpha"

# --- unchanged, touched, then changed ----------------------------------------------------
# (an unchanged file is not read: no warning this time)
run 0 graf_index -i idx.db docs.jsonl
summary 0 0 0 $((n - 1)) 0
touch -d '2001-01-01' docs.jsonl
run 0 graf_index -i idx.db docs.jsonl
summary 0 0 0 $((n - 1)) 0

# record 10 changed; record 20's keys in another order (the same article);
# record 30 twice.
awk '
	/"id": "r10"/ { sub(/"}$/, " omega\"}") }
	/"id": "r20"/ { sub(/^\{"id": "r20", /, "{"); sub(/"}$/, "\", \"id\": \"r20\"}") }
	{ print }
	/"id": "r30"/ { print }
' docs.jsonl >docs.new
mv docs.new docs.jsonl
run 1 graf_index -v -i idx.db docs.jsonl
summary 0 1 0 $((n - 2)) 0
assert_contains "$err" "updated r10 (docs.jsonl)"
assert_contains "$err" "document id 'r30' appears twice; the first one is kept"
assert_contains "$err" "'docs.jsonl': line $((bad + 1)): invalid JSON"  # after the copy of r30
run 0 graf_search -i idx.db --count omega
assert_eq "$(cat "$out")" 1 "paragraphs with the new word"
# the last record moved to the top: the file changed, no record did; each
# is known by its bytes (r20's new ones too); the duplicate is warned about
# again.
{ tail -n 1 docs.jsonl; sed '$d' docs.jsonl; } >docs.new
mv docs.new docs.jsonl
run 1 graf_index -i idx.db docs.jsonl
summary 0 0 0 $((n - 1)) 0
assert_contains "$err" "document id 'r30' appears twice"
assert_contains "$err" "'docs.jsonl': line $((bad + 2)): invalid JSON"
run 0 graf_index --check -i idx.db

# --- raw hashes of another function ------------------------------------------------------
# An index written by an earlier graf, which hashed the bytes of records and
# files another way: the next update parses every record once, finds the
# same articles (nothing updated, the same answers) and records the hashes
# of now (the same as the index had before the test changed them); the file
# only touched after that is known by its hash again, and not read.
if have sqlite3; then
	answers idx.db >answers-before
	sqlite3 idx.db 'SELECT id, raw FROM article ORDER BY id' >raws-before
	# (bit 0 flipped: a | 1 - a & 1, as SQL has no exclusive or)
	sqlite3 idx.db 'UPDATE article SET raw = (raw | 1) - (raw & 1);
		UPDATE source SET hash = (hash | 1) - (hash & 1)'
	sqlite3 idx.db 'SELECT id, raw FROM article ORDER BY id' >raws-flipped
	cmp -s raws-before raws-flipped && fail "the test's change of the hashes changed nothing"
	touch -d '2002-02-02' docs.jsonl
	run 1 graf_index -i idx.db docs.jsonl
	summary 0 0 0 $((n - 1)) 0
	answers idx.db >answers-after
	cmp -s answers-before answers-after || fail "answers changed with the hashes"
	sqlite3 idx.db 'SELECT id, raw FROM article ORDER BY id' >raws-after
	cmp -s raws-before raws-after || fail "the records' hashes were not recorded again"
	touch -d '2003-03-03' docs.jsonl
	run 0 graf_index -i idx.db docs.jsonl
	summary 0 0 0 $((n - 1)) 0
fi

# --- many segments inside one file --------------------------------------------------------
# The same file into two new indexes, one flushing its postings every 200 kB.
graf_index -q -i fresh.db docs.jsonl 2>/dev/null || :
GRAF_DEBUG_POSTINGS_BYTES=200000 graf_index -q -i small.db docs.jsonl 2>/dev/null || :
answers fresh.db >one-segment.txt
answers small.db >small.txt
[ -s one-segment.txt ] || fail "no answers"
cmp -s one-segment.txt small.txt || fail "answers differ with postings flushed inside the file"
run 0 graf_index --check -i small.db
# a new index: the flushes went to a temporary table, merged into one segment
if have sqlite3; then
	assert_eq "$(sqlite3 small.db 'SELECT count(*) FROM post_seg WHERE tbl = 0')" 1 \
		"segments of a new index"
fi

# an update of both, every 50th record changed: new segments and tombstones
awk 'NR % 50 == 0 { sub(/"}$/, " omega\"}") } { print }' docs.jsonl >docs.new
mv docs.new docs.jsonl
graf_index -q -i fresh.db docs.jsonl 2>/dev/null || :
# (a limit for a few segments, not more than the 8 that are merged into one)
GRAF_DEBUG_POSTINGS_BYTES=20000 graf_index -q -i small.db docs.jsonl 2>/dev/null || :
answers fresh.db >one-segment.txt
answers small.db >small.txt
cmp -s one-segment.txt small.txt || fail "answers differ after an update in several segments"
if have sqlite3; then
	segs=$(sqlite3 small.db 'SELECT count(*) FROM post_seg WHERE tbl = 0')
	[ "$segs" -gt 2 ] || fail "the update wrote $segs segments in all, expected several"
fi
run 0 graf_search -i small.db --count omega
[ "$(cat "$out")" -ge $((n / 50)) ] || fail "only $(cat "$out") changed paragraphs found"
run 0 graf_index --check -i small.db

# --- a TREC collection of about 2 MB --------------------------------------------------------
awk 'BEGIN {
	for (i = 1; i <= 3000; i++) {
		if (i == 2500) { print "<DOC>\n<TEXT>no number</TEXT>\n</DOC>"; continue }
		printf "<DOC>\n<DOCNO> T%d </DOCNO>\n<HEAD>Trec %d</HEAD>\n<TEXT>\n", i, i
		for (k = 0; k < 10; k++)
			printf "trecword%d filler text of a document that spans lines %d\n", i, k
		print "</TEXT>\n</DOC>"
	}
}' >docs.trec
line=$(grep -n 'no number' docs.trec | cut -d: -f1)
run 1 graf_index -i trec.db docs.trec
summary 2999 0 0 0 0
assert_contains "$err" "'docs.trec': line $((line - 1)): <DOC> without <DOCNO>"
run 0 graf_search -i trec.db --count trecword2999
assert_eq "$(cat "$out")" 1 "paragraphs of the last document"
# one document changed, the others known by their bytes
sed 's/trecword17 filler/trecword17 changed/' docs.trec >docs.new
mv docs.new docs.trec
run 1 graf_index -i trec.db docs.trec
summary 0 1 0 2998 0

say "ok"
