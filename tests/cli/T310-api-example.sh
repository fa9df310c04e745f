#!/bin/sh
# The C API as a user meets it: install graf into a scratch DESTDIR, compile
# examples/graf-example.c with pkg-config against the installed header and
# library, and run it on an index of the corpus.
set -eu

bin=${abs_top_builddir:-$(pwd)}
src=${abs_top_srcdir:-$(pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/graf-T310.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { printf "FAIL: %s\n" "$*" >&2; exit 1; }

command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }
: "${libdir:?} ${includedir:?} ${CC:=cc}"

dest=$tmp/dest
make -s -C "$bin" install DESTDIR="$dest" >"$tmp/install.log" 2>&1 ||
	fail "make install: $(tail -5 "$tmp/install.log")"
for f in "$includedir/graf.h" "$libdir/pkgconfig/graf.pc"; do
	[ -f "$dest$f" ] || fail "not installed: $f"
done

export PKG_CONFIG_PATH="$dest$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
flags=$(pkg-config --cflags --libs graf) || fail "pkg-config graf"
# shellcheck disable=SC2086 # flags are words
$CC ${SAN_FLAGS:-} -Wall -Wextra -Werror -o "$tmp/graf-example" "$src/examples/graf-example.c" \
	$flags || fail "compiling the example against the installed header"

"$bin/indexer/graf-index" --quiet --index "$tmp/index.db" "$src/corpus"
LD_LIBRARY_PATH="$dest$libdir" "$tmp/graf-example" "$tmp/index.db" "export controls" \
	>"$tmp/out" || fail "graf-example exit $?"
head -1 "$tmp/out" | grep -q '^1	.*\.txt:2	' || fail "first hit: $(head -1 "$tmp/out")"
grep -q 'rare earth \[exports\] and \[export\] \[controls\]' "$tmp/out" ||
	fail "matches not bracketed: $(sed -n 2p "$tmp/out")"
articles=$("$bin/searcher/graf-search" --index "$tmp/index.db" --count --unit article "export controls")
[ "$(grep -c '^[0-9]' "$tmp/out")" -eq "$articles" ] || fail "--unit article: one hit per article"
st=0
LD_LIBRARY_PATH="$dest$libdir" "$tmp/graf-example" "$tmp/index.db" zzzyyyxxx >/dev/null || st=$?
[ "$st" -eq 1 ] || fail "no hit: exit $st"
st=0
LD_LIBRARY_PATH="$dest$libdir" "$tmp/graf-example" "$tmp/missing.db" x 2>"$tmp/err" || st=$?
[ "$st" -eq 2 ] && grep -q "missing.db" "$tmp/err" || fail "missing index: exit $st"
echo "PASS"
