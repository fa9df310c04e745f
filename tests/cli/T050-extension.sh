#!/bin/sh
# T050-extension: libgraf as an SQLite loadable extension - the sqlite3
# shell and Python's sqlite3 module load it and MATCH the index with the
# graf tokenizer, stemming as graf does.  Parts whose tool is absent are
# skipped; with neither tool the test is skipped.
. "$(dirname "$0")/lib.sh"

so=$top_builddir/lib/.libs/libgraf.so
[ -f "$so" ] || skip "no shared library at $so (built with --disable-shared?)"

# A sanitizer build of libgraf needs the ASan runtime loaded first in a
# program that was not built with it; leaks of those programs are not ours.
asan=$(ldd "$so" 2>/dev/null | awk '/libasan/ { print $3; exit }')
if [ -n "$asan" ]; then
	LD_PRELOAD=$asan${LD_PRELOAD:+:$LD_PRELOAD}
	ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
	export LD_PRELOAD ASAN_OPTIONS
fi

copy_corpus
run 0 graf_index -q -i idx.db corpus
L=corpus/$LINES_FILE
B=corpus/$BLOCKS_FILE
export_controls=$(cat "$L" "$B" | grep -c "export controls")
rare_earths=$(paragraph_line "$L" "a trade agreement involving rare earths")
[ "$export_controls" -eq 2 ] || fail "the corpus changed"

tested=0

# --- the sqlite3 shell ---------------------------------------------------------
if have sqlite3; then
	q() {  # q SQL: run SQL on the index with libgraf loaded
		sqlite3 -batch idx.db ".load $so" "$1"
	}
	run 0 q "SELECT count(*) FROM para WHERE para MATCH 'export controls'"
	assert_eq "$(cat "$out")" "$export_controls" "sqlite3: paragraphs with export controls"
	# The query is stemmed by the graf tokenizer, as graf-search does.
	run 0 q "SELECT count(*) FROM para WHERE para MATCH 'exported AND controlling'"
	assert_eq "$(cat "$out")" "$export_controls" "sqlite3: stemmed query"
	run 0 q "SELECT count(*) FROM para WHERE para MATCH '\"China''s\"'"
	n_apos=$(cat "$out")
	run 0 q "SELECT count(*) FROM para WHERE para MATCH 'china'"
	assert_eq "$(cat "$out")" "$n_apos" "sqlite3: China's and china"
	# highlight() re-tokenizes with graf's tokenizer: the words as written.
	run 0 q "SELECT highlight(para, 0, '[', ']') FROM para WHERE para MATCH 'huang speech' ORDER BY rank LIMIT 1"
	case $(cat "$out") in
	"[Huang]’s [speech] reinforced this message"*) ;;
	*) fail "sqlite3: highlight() gives: $(cat "$out")" ;;
	esac
	# graf_matches() gives byte offsets into the paragraph.
	run 0 q "SELECT graf_matches(para) FROM para WHERE para MATCH 'bytedance'"
	set -- $(cat "$out")
	[ $# -eq 4 ] || fail "sqlite3: graf_matches() gives '$(cat "$out")'"
	run 0 q "SELECT CAST(substr(CAST(body AS BLOB), $1 + 1, $2 - $1) AS TEXT),
		CAST(substr(CAST(body AS BLOB), $3 + 1, $4 - $3) AS TEXT)
		FROM para WHERE para MATCH 'bytedance'"
	assert_eq "$(cat "$out")" "ByteDance|ByteDance" "sqlite3: text at the offsets of graf_matches()"
	# The file name without its suffix loads too (SQLite adds ".so").
	run 0 sqlite3 -batch idx.db ".load ${so%.so}" "SELECT count(*) FROM head WHERE head MATCH 'h20'"
	assert_eq "$(cat "$out")" 1 "sqlite3: headlines with H20"
	# Without the extension, the table cannot be searched.
	run 1 sqlite3 -batch idx.db "SELECT count(*) FROM para WHERE para MATCH 'china'"
	assert_contains "$err" "graf"
	tested=$((tested + 1))
else
	say "skipped the sqlite3 shell: not installed"
fi

# --- Python ---------------------------------------------------------------------
# The first python3 whose sqlite3 module can load extensions (some builds,
# pyenv's among them, cannot).
python=""
for p in python3 /usr/bin/python3; do
	if have "$p" && "$p" -c 'import sqlite3, sys
sys.exit(0 if hasattr(sqlite3.Connection, "enable_load_extension") else 1)' 2>/dev/null; then
		python=$p
		break
	fi
done
if [ -n "$python" ]; then
	cat >query.py <<'EOF'
import sqlite3, sys

db = sqlite3.connect(sys.argv[1])
db.enable_load_extension(True)
db.load_extension(sys.argv[2])
db.enable_load_extension(False)
for (body,) in db.execute(
        "SELECT body FROM para WHERE para MATCH ? ORDER BY rank", (sys.argv[3],)):
    print(body)
EOF
	run 0 "$python" query.py idx.db "$so" "rare earths"
	assert_eq "$(wc -l <"$out" | tr -d ' ')" "$(cat "$L" "$B" | grep -c "rare earth")" "python: rows"
	head -n 3 "$out" | grep -q -x -F -e "$rare_earths" ||
		fail "python: 'rare earths' lacks among the first three: $rare_earths"
	run 0 "$python" query.py idx.db "$so" "licensing"
	assert_contains "$out" "licenses will be granted"
	tested=$((tested + 1))
else
	say "skipped Python: no python3 whose sqlite3 module loads extensions"
fi

[ "$tested" -gt 0 ] || skip "neither the sqlite3 shell nor a suitable python3"
say "ok ($tested of 2 clients)"
