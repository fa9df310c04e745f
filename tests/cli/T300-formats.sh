#!/bin/sh
# Output formats, --unit, -C, --count, --queries and exit statuses of
# graf-search, on the corpus plus one article made to need escaping.
set -eu

bin=${abs_top_builddir:-$(pwd)}
src=${abs_top_srcdir:-$(pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/graf-T300.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
index=$tmp/index.db
search() { "$bin/searcher/graf-search" --index "$index" "$@"; }
fail() { printf "FAIL: %s\n" "$*" >&2; exit 1; }

command -v python3 >/dev/null || { echo "SKIP: python3 is needed to parse JSON"; exit 77; }

mkdir "$tmp/corpus"
cp "$src"/corpus/*.txt "$tmp/corpus/"
# A paragraph with a tab and a backslash inside: TSV must escape them.  (A CR
# cannot reach a paragraph: the reader takes it for a line end.)
printf 'Escapes\n\nA zebra\tcrossing with a back\\slash.\n' >"$tmp/corpus/escapes.txt"
"$bin/indexer/graf-index" --quiet --index "$index" "$tmp/corpus"

# --- JSON: parsed, field by field ------------------------------------------------
search --format json -n 0 export controls >"$tmp/out.json"
python3 - "$tmp/out.json" <<'PY' || fail "JSON output"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert lines, "no hits"
prev = None
for n, line in enumerate(lines, 1):
    o = json.loads(line)                      # each line is one object
    assert o["format_version"] == 1
    assert o["query"] == "export controls"
    assert "qid" not in o                     # only with --queries
    assert o["rank"] == n
    assert isinstance(o["score"], float)
    assert prev is None or o["score"] <= prev, "scores not descending"
    prev = o["score"]
    assert o["article"].endswith(".txt") and o["path"] == o["article"]
    assert o["title"].startswith("Nvidia")
    assert o["paragraph"] >= 1
    text = o["text"].encode("utf-8")
    words = [text[s:e].decode("utf-8").lower() for s, e in o["matches"]]
    assert words, "no matches"
    for w in words:                           # offsets point at the words
        assert w.startswith("export") or w.startswith("control"), w
    assert [m for m in o["matches"]] == sorted(o["matches"])
    # the paragraph really is that paragraph of that file
    paras = [p for p in open(o["path"], encoding="utf-8").read().split("\n") if p.strip()]
    assert o["text"] in paras, "text is not a line of the article"
first = json.loads(lines[0])
assert "rare earth exports and export controls" in first["text"]
PY

# Context in JSON: before/after lists of {paragraph, text}.
search --format json -n 1 -C 1 ByteDance | python3 -c '
import json, sys
o = json.loads(sys.stdin.readline())
assert [p["paragraph"] for p in o["before"]] == [o["paragraph"] - 1]
assert [p["paragraph"] for p in o["after"]] == [o["paragraph"] + 1]
assert o["before"][0]["text"] and o["after"][0]["text"]
' || fail "JSON context"

# --- TSV: six columns, escaping ----------------------------------------------------
search --format tsv zebra >"$tmp/out.tsv"
[ "$(wc -l <"$tmp/out.tsv")" -eq 1 ] || fail "TSV: one hit is one line"
awk -F'\t' 'NF != 6 { exit 1 }' "$tmp/out.tsv" || fail "TSV: six fields"
cut -f1 "$tmp/out.tsv" | grep -qx 1 || fail "TSV: rank"
cut -f4 "$tmp/out.tsv" | grep -qx 1 || fail "TSV: paragraph"
cut -f5 "$tmp/out.tsv" | grep -qx Escapes || fail "TSV: title"
# shellcheck disable=SC1003 # the backslashes are literal
cut -f6 "$tmp/out.tsv" | grep -qxF 'A zebra\tcrossing with a back\\slash.' ||
	fail "TSV: escaping: $(cut -f6 "$tmp/out.tsv")"
# Context lines have rank and score "-".
search --format tsv -n 1 -C 1 ByteDance | cut -f1,2 | tr '\t' ' ' >"$tmp/ctx"
[ "$(cat "$tmp/ctx")" = "- -
1 $(search --format tsv -n 1 ByteDance | cut -f2)
- -" ] || fail "TSV context: $(cat "$tmp/ctx")"

# --- TREC ---------------------------------------------------------------------------
search --format trec --unit article --run-tag myrun nvidia >"$tmp/run"
awk 'NF != 6 || $1 != "1" || $2 != "Q0" || $4 != NR || $6 != "myrun" { exit 1 }' "$tmp/run" ||
	fail "TREC lines: $(cat "$tmp/run")"
[ "$(cut -d' ' -f3 "$tmp/run" | sort -u | wc -l)" -eq "$(wc -l <"$tmp/run")" ] ||
	fail "TREC --unit article repeats an article"
search --format trec -n 1 ByteDance | grep -Eq '^1 Q0 [^ ]+\.txt:[0-9]+ 1 [0-9.e-]+ graf$' ||
	fail "TREC paragraph ids"

# --- --unit article, --count, --offset ----------------------------------------------
paras=$(search --count nvidia)
articles=$(search --count --unit article nvidia)
[ "$articles" -eq 2 ] || fail "--count --unit article: $articles"
[ "$paras" -gt "$articles" ] || fail "--count: $paras paragraphs"
[ "$(search --format tsv -n 0 nvidia | wc -l)" -eq "$paras" ] || fail "--count disagrees with -n 0"
[ "$(search --format tsv -n 0 --unit article nvidia | wc -l)" -eq 2 ] || fail "--unit article"
second=$(search --format tsv -n 2 nvidia | sed -n 2p | cut -f3,4)
[ "$(search --format tsv -n 1 --offset 1 nvidia | cut -f3,4)" = "$second" ] || fail "--offset"
[ "$(search --format tsv -n 1 --offset 1 nvidia | cut -f1)" = 2 ] || fail "--offset rank"

# --- -C in text ------------------------------------------------------------------------
search -n 1 -C 2 ByteDance >"$tmp/ctx.txt"
grep -Eq '^   [0-9]+: Under current rules' "$tmp/ctx.txt" || fail "-C: hit line"
[ "$(grep -Ec '^   [0-9]+- ' "$tmp/ctx.txt")" -eq 4 ] || fail "-C 2: four context lines"

# --- --queries: from a file and from stdin; qids on every record ----------------------
printf 'q1\texport controls\nrare earths\n\nq3\tzzzyyyxxx\n' >"$tmp/queries"
search --queries "$tmp/queries" --format trec -n 2 >"$tmp/batch"
[ "$(cut -d' ' -f1 "$tmp/batch" | uniq | tr '\n' ' ')" = "q1 2 " ] ||
	fail "--queries qids: $(cut -d' ' -f1 "$tmp/batch" | tr '\n' ' ')"
search --queries - --format json -n 1 <"$tmp/queries" | python3 -c '
import json, sys
qids = [json.loads(l)["qid"] for l in sys.stdin]
assert qids == ["q1", "2"], qids
' || fail "--queries - (stdin)"
search --queries - --count <"$tmp/queries" >"$tmp/counts"
grep -qx 'q3: 0' "$tmp/counts" || fail "--count per query: $(cat "$tmp/counts")"

# --- exit statuses ------------------------------------------------------------------------
st=0; search --format json zzzyyyxxx >/dev/null || st=$?
[ "$st" -eq 1 ] || fail "no match: exit $st"
st=0; search --format bogus x >/dev/null 2>&1 || st=$?
[ "$st" -eq 2 ] || fail "bad --format: exit $st"
st=0; search --queries "$tmp/none" >/dev/null 2>"$tmp/err" || st=$?
[ "$st" -eq 2 ] && grep -q "none" "$tmp/err" || fail "missing query file: exit $st"
printf 'zzzyyyxxx\nqqqwwweee\n' >"$tmp/nomatch"
st=0; search --queries "$tmp/nomatch" >/dev/null || st=$?
[ "$st" -eq 1 ] || fail "--queries, nothing matched: exit $st"
st=0; search --queries "$tmp/queries" >/dev/null || st=$?
[ "$st" -eq 0 ] || fail "--queries, some matched: exit $st"
st=0; search --queries "$tmp/queries" x >/dev/null 2>&1 || st=$?
[ "$st" -eq 2 ] || fail "QUERY and --queries together: exit $st"
echo "PASS"
