#!/bin/sh
# T060-manpages: the man pages keep up with the programs.  Every long option
# that graf-index, graf-search and graf-eval print in --help (the --name at
# the start of each line of its Options: section) is documented in the
# OPTIONS section of doc/PROGRAM.1, as the tag of an entry (the line after
# .TP) written \-\-name, with \- for each hyphen; and every option the
# OPTIONS section documents is one the program has.  With groff, each page
# also renders without a warning.
. "$(dirname "$0")/lib.sh"

MAN_DIR=$top_srcdir/doc
GRAF_EVAL_BIN=$top_builddir/eval/graf-eval
[ -x "$GRAF_EVAL_BIN" ] || fail "graf-eval is not built in '$top_builddir' (run make first)"

graf_eval() {
	${GRAF_TEST_WRAPPER:+$GRAF_TEST_WRAPPER} "$GRAF_EVAL_BIN" "$@"
}

# help_options FILE: the long options of the --help output in FILE, one
# name (without its dashes) per line, from the lines of its Options:
# section that start with "-x, --name" or "--name".
help_options() {
	awk '/^Options:$/ { on = 1; next } on && /^$/ { exit } on' "$1" |
		sed -n 's/^ *\(-[A-Za-z0-9], \)\{0,1\}--\([A-Za-z0-9][A-Za-z0-9-]*\).*/\2/p' |
		LC_ALL=C sort -u
}

# man_options PAGE: the long options documented in the OPTIONS section of
# the man page PAGE, one name per line: each \-\-name (its hyphens \-) in
# the tag line of a .TP entry.
man_options() {
	awk '/^\.SH/ { on = ($0 ~ /^\.SH +"?OPTIONS"?[ \t]*$/); tag = 0; next }
		on && tag {
			tag = 0
			s = $0
			while (match(s, /\\-\\-[A-Za-z0-9]+(\\-[A-Za-z0-9]+)*/)) {
				name = substr(s, RSTART + 4, RLENGTH - 4)
				gsub(/\\-/, "-", name)
				print name
				s = substr(s, RSTART + RLENGTH)
			}
			next
		}
		on && /^\.TP/ { tag = 1 }' "$1" | LC_ALL=C sort -u
}

# check_page PROGRAM: compare PROGRAM's --help (already in $out) with its
# man page.
check_page() {
	_page=$MAN_DIR/$1.1
	[ -f "$_page" ] || fail "no man page '$_page'"
	help_options "$out" >"$tmp/$1.help"
	man_options "$_page" >"$tmp/$1.man"
	: >"$out"  # the whole --help would only bury the message of fail
	# A parser that finds nothing would let every page pass.
	[ "$(wc -l <"$tmp/$1.help")" -ge 3 ] ||
		fail "$1 --help: found only $(wc -l <"$tmp/$1.help") options"
	_missing=$(LC_ALL=C comm -23 "$tmp/$1.help" "$tmp/$1.man" | sed 's/^/--/' | tr '\n' ' ' | sed 's/ $//')
	[ -z "$_missing" ] ||
		fail "doc/$1.1 does not document (as \\-\\-name in OPTIONS): $_missing"
	_stale=$(LC_ALL=C comm -13 "$tmp/$1.help" "$tmp/$1.man" | sed 's/^/--/' | tr '\n' ' ' | sed 's/ $//')
	[ -z "$_stale" ] ||
		fail "doc/$1.1 documents options that $1 --help does not list: $_stale"
	say "$1: $(wc -l <"$tmp/$1.help" | tr -d ' ') long options, all documented"
}

run 0 graf_index --help
check_page graf-index
run 0 graf_search --help
check_page graf-search
run 0 graf_eval --help
check_page graf-eval

# The pages render without a warning (groff -ww: all of them).
if have groff; then
	for _p in graf-index graf-search graf-eval; do
		groff -man -ww -z "$MAN_DIR/$_p.1" >"$out" 2>"$err" ||
			fail "groff failed on doc/$_p.1"
		assert_empty "$err"
	done
else
	say "no groff: rendering not checked"
fi

# Bash completion: options from each program's --help, values of the
# options that take a word.
if have bash; then
	{
		printf "PATH='%s:%s:%s':\$PATH\n" "$(dirname "$GRAF_INDEX_BIN")" \
			"$(dirname "$GRAF_SEARCH_BIN")" "$(dirname "$GRAF_EVAL_BIN")"
		printf ". '%s/completions/graf.bash'\n" "$abs_top_srcdir"
		# shellcheck disable=SC2016 # bash code, expanded by bash
		printf '%s\n' 'comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _graf_complete; echo "${COMPREPLY[*]}"; }' \
			'comp graf-search --fb' 'comp graf-search --format t' 'comp graf-index --inp' \
			'comp graf-index --input-format j' 'comp graf-eval --f'
	} >complete.bash
	run 0 bash complete.bash
	printf '%s\n' "--fb-docs --fb-terms --fb-weight" "text tsv trec" "--input-format" "jsonl" \
		"--format" >expected
	diff -u expected "$out" >"$err" || fail "bash completion: $(cat "$err")"
else
	say "no bash: completion not checked"
fi

say "ok"
