#!/bin/sh
# T542-many-files: GRAF_TEST_TINY_FILES tiny files in 100 directories
# (default 100 000) are all indexed, then all found unchanged without
# being read; graf-index --check passes.
# In a sanitizer build the default is 10 000 files (100 000 take minutes
# there; make check-heavy runs them); with GRAF_TEST_QUICK, 2000.  Peak
# memory is printed when /usr/bin/time is there.
. "$(dirname "$0")/lib.sh"

if quick; then
	tiny=${GRAF_TEST_TINY_FILES:-2000}
elif [ -n "${SAN_FLAGS:-}" ]; then
	tiny=${GRAF_TEST_TINY_FILES:-10000}
else
	tiny=${GRAF_TEST_TINY_FILES:-100000}
fi
say "$tiny tiny files"

# --- many tiny files -----------------------------------------------------------------
mkdir tiny
(cd tiny && awk -v n="$tiny" 'BEGIN {
	for (d = 0; d < 100; d++)
		system("mkdir -p " sprintf("d%02d", d))
	for (i = 0; i < n; i++) {
		f = sprintf("d%02d/f%06d.txt", i % 100, i)
		printf "Tiny %d\n\ntinymark w%d file %d.\n", i, i % 1000, i > f
		close(f)
	}
}')
timed_index "indexing $tiny files" -i tiny.db tiny
assert_contains "$err" "graf-index: $tiny added, 0 updated, 0 removed, 0 unchanged, 0 skipped; $tiny paragraphs"
timed_index "the same, unchanged" -i tiny.db tiny
assert_contains "$err" "graf-index: 0 added, 0 updated, 0 removed, $tiny unchanged, 0 skipped; 0 paragraphs"
run 0 graf_search -i tiny.db --count tinymark
assert_eq "$(cat "$out")" "$tiny" "tiny files found"
run 0 graf_search -i tiny.db --count --unit article w7
assert_eq "$(cat "$out")" $(( (tiny + 1000 - 8) / 1000 )) "tiny files with w7"
timed_index "checking it" -q --check -i tiny.db
say "ok"
