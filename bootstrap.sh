#!/bin/sh
# bootstrap.sh - set up graf on a fresh Debian or Ubuntu machine.
#
#   ./bootstrap.sh demo   install what is missing, build, index corpus/, search
#   ./bootstrap.sh test   install what is missing, build, run every test
#                         (a -Werror build, then an ASan+UBSan build)
#   ./bootstrap.sh deps   only install (or name) the missing packages
#
# Missing Debian packages are installed with apt-get when run as root;
# otherwise the exact command to run is printed and nothing else happens.
set -eu

cd "$(dirname "$0")"
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

# Build tools and libraries; the tests also use Check, the sqlite3 shell and
# python3 (extension tests), and clang (fuzzing, optional).
packages_build="build-essential autoconf automake libtool pkg-config libsqlite3-dev libstemmer-dev libjansson-dev libzstd-dev libxxhash-dev"
packages_test="check sqlite3 python3"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

missing_packages() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			printf '%s ' "$p"
	done
}

install_packages() {
	if ! command -v dpkg-query >/dev/null 2>&1; then
		say "not a Debian system: make sure these are installed: $*"
		return 0
	fi
	missing=$(missing_packages "$@")
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		say "missing packages; install them with:"
		printf '    sudo apt-get install -y %s\n' "$missing" >&2
		exit 1
	fi
	say "installing: $missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
		apt-get update -q >/dev/null
		apt-get install -y --no-install-recommends $missing >/dev/null
	}
}

# build DIR [CONFIGURE-ARGS...]: configure (once) and build in DIR, outside
# the source tree, so that several configurations live side by side.
build() {
	dir=$1
	shift
	if [ -f "$top/config.status" ]; then
		say "the source tree is configured in place; run 'make distclean' there first"
		exit 1
	fi
	[ -x "$top/configure" ] || "$top/autogen.sh" >/dev/null
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		say "configuring $dir: $*"
		(cd "$dir" && "$top/configure" -q "$@")
	fi
	say "building in $dir"
	make -s -C "$dir" -j"$jobs"
}

case "${1:-}" in
deps)
	install_packages $packages_build $packages_test
	;;
demo)
	install_packages $packages_build
	build "$top/build/release" --without-check
	bin=$top/build/release
	"$bin/indexer/graf-index" corpus
	say "graf-search -n 3 \"export controls\""
	"$bin/searcher/graf-search" -n 3 "export controls"
	say "the programs are in build/release/indexer and build/release/searcher;"
	say "'make -C build/release install' installs them"
	;;
test)
	install_packages $packages_build $packages_test
	build "$top/build/werror" --enable-werror
	make -s -C "$top/build/werror" -j"$jobs" check
	build "$top/build/sanitizers" --enable-werror --enable-sanitizers
	make -s -C "$top/build/sanitizers" -j"$jobs" check
	say "all tests passed (normal and sanitizer builds)"
	;;
*)
	sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac
