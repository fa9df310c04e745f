#!/bin/sh
# bench.sh - graf's speed on the news sets, side by side with plain SQLite FTS5
# (and Xapian when it is installed), run by "make bench".  See
# doc/performance.md for what each figure means and the latest run.
#
# For each corpus scale (1x, 2x, 4x: replicas of the three news sets with new
# ids), R times, in turn for each engine:
#   - index the collections (graf: the docs.jsonl files; the peers: the same
#     paragraphs flattened by ../shared/bench/peers/paras.py): wall seconds,
#     MB/s of paragraph text, paragraphs/s, peak RSS, index size (db + wal);
#   - run the 1000 queries of news-queries.tsv at each k of KS with
#     highlighting, in one process per engine: queries/s, p50/p95/p99/max;
#   - graf only: re-index after 1% of the articles changed (every 100th record
#     of each docs.jsonl gets a new last paragraph), from a copy of the full
#     index.
# Once per scale: the wall time of one search process for one query (the
# shell case), with hyperfine when it is installed.  At 1x, once: the same
# incremental run on a directory of article files (bbc/articles), and the
# top-k check (graf-bench --check) for every query at each k.
# Every figure printed is the median of the R runs.
#
# env: GRAF_SHARED  the shared folder (default: ../shared beside the sources)
#      BUILD        the build directory holding the programs (default: .)
#      OUT          where data, indexes and results go (default: $BUILD/bench-out)
#      R            repetitions of each measurement (default 3)
#      SCALE        corpus scales (default "1 2 4")
#      KS           the k of the query runs (default "10 1000")
#      QUICK=1      bbc only, scale 1, R=1: a smoke run of a minute
#      SETS         collections (default "reuters21578 bbc 20newsgroups")
#      XAPIAN       auto (default: when xapian-config exists), 0 or 1
#      XAPIAN_SCALE scales at which Xapian runs too (default "1"; it indexes
#                   at about 1 MB/s)
#      SHELL_RUNS   runs of each single-query process (default 30)
#      CHECK        0: skip the top-k check (default 1)
# Heavy (about 30 minutes with the defaults): never part of make check or CI.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
shared=${GRAF_SHARED:-$here/../shared}
build=$(cd "${BUILD:-.}" && pwd)
out=${OUT:-$build/bench-out}
quick=${QUICK:-0}
if [ "$quick" = 1 ]; then
	sets=${SETS:-bbc}
	scales=${SCALE:-1}
	reps=${R:-1}
	shell_runs=${SHELL_RUNS:-10}
else
	sets=${SETS:-reuters21578 bbc 20newsgroups}
	scales=${SCALE:-1 2 4}
	reps=${R:-3}
	shell_runs=${SHELL_RUNS:-30}
fi
ks=${KS:-10 1000}
xapian=${XAPIAN:-auto}
xapian_scales=${XAPIAN_SCALE:-1}
check=${CHECK:-1}
data=$shared/data
peers=$shared/bench/peers
queries=$data/news-queries.tsv
first_scale=${scales%% *}

die() {
	echo "bench.sh: $*" >&2
	exit 2
}

[ -f "$queries" ] || die "no benchmark queries at '$queries' (set GRAF_SHARED to the folder holding data/)"
for set in $sets; do
	[ -f "$data/$set/docs.jsonl" ] || die "no collection '$data/$set/docs.jsonl'"
done
[ -f "$peers/fts5_native.c" ] || die "no FTS5 baseline at '$peers'"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
command -v python3 >/dev/null || die "python3 is missing (the peers' paras.py needs it)"
command -v sqlite3 >/dev/null || die "the sqlite3 shell is missing (apt-get install sqlite3)"

# The real programs, not libtool's wrapper scripts: a wrapper would add its
# own start-up to every timed process.
export LD_LIBRARY_PATH="$build/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
program() {
	[ -x "$build/$1" ] || die "'$build/$1' is not built (run make bench)"
	# A program linked to the shared libgraf is a libtool wrapper script,
	# the binary itself in .libs (with static dependencies there is none).
	if head -c 2 "$build/$1" | grep -q '#!' &&
		[ -x "$build/$(dirname "$1")/.libs/$(basename "$1")" ]; then
		echo "$build/$(dirname "$1")/.libs/$(basename "$1")"
	else
		echo "$build/$1"
	fi
}
graf_index=$(program indexer/graf-index)
graf_search=$(program searcher/graf-search)
graf_bench=$(program bench/graf-bench)


# --- helpers ---------------------------------------------------------------------
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# record SCALE ENGINE FIGURE VALUE: one measurement
record() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$results"
}

# figure FILE NAME: the value of "NAME value" in a program's output
figure() {
	awk -v n="$2" '$1 == n { print $2; exit }' "$1"
}

# size_of PATH...: bytes of the files (a directory: its files), missing ones 0
size_of() {
	total=0
	for p in "$@"; do
		if [ -d "$p" ]; then
			s=$(du -sb "$p" | cut -f1)
		elif [ -f "$p" ]; then
			s=$(wc -c <"$p")
		else
			s=0
		fi
		total=$((total + s))
	done
	echo "$total"
}

# timed_run TIMEFILE CMD...: run CMD under /usr/bin/time; sets $wall
# (seconds), $cpu (user + system seconds) and $rss_mb (peak resident set).
# CMD's exit status 1 (graf-index: warnings) and 2 (fts5_native: a query it
# cannot translate) are accepted.
timed_run() {
	tf=$1
	shift
	t0=$(now)
	/usr/bin/time -f '%M %U %S' -o "$tf" "$@" || [ $? -le 2 ] || die "failed: $*"
	t1=$(now)
	wall=$(elapsed "$t0" "$t1")
	rss_mb=$(tail -n 1 "$tf" | awk '{ printf "%.1f", $1 / 1024 }')
	cpu=$(tail -n 1 "$tf" | awk '{ printf "%.2f", $2 + $3 }')
}

# load SCALE: note the load average (the machine is shared; see the tables)
load() {
	record "$1" all load1 "$(cut -d ' ' -f 1 /proc/loadavg)"
}

# query_class TEXT: the class of a benchmark query, as graf-bench names it
query_class() {
	printf '%s\n' "$1" | awk '
		/"/ { print "phrase"; exit }
		/ OR / { print "or"; exit }
		/(^| )-/ { print "not"; exit }
		{ print NF "word" }'
}

# make_data SCALE DIR: the collections at SCALE (the originals, then replicas
# whose ids start with rN-) in DIR/<set>/docs.jsonl, their paragraphs in
# DIR/paras.tsv
make_data() {
	s=$1 dir=$2
	rm -rf "$dir"
	files=
	for set in $sets; do
		mkdir -p "$dir/$set"
		src=$data/$set/docs.jsonl
		lines=$(wc -l <"$src")
		if [ "$(grep -c '^{"id": "' "$src")" -ne "$lines" ]; then
			die "'$src': not every line starts with {\"id\": \"; cannot make replicas"
		fi
		{
			cat "$src"
			i=2
			while [ "$i" -le "$s" ]; do
				sed "s/^{\"id\": \"/{\"id\": \"r$i-/" "$src"
				i=$((i + 1))
			done
		} >"$dir/$set/docs.jsonl"
		files="$files $dir/$set/docs.jsonl"
	done
	# shellcheck disable=SC2086 # the file list
	python3 "$peers/paras.py" "$dir/paras.tsv" $files 2>/dev/null
}

# change_one_percent FILE: rewrite FILE with every 100th record's text given a
# new last paragraph; prints the number of records changed
change_one_percent() {
	awk 'NR % 100 == 0 {
		sub(/"}$/, "")
		printf "%s%s\n", $0, "\\n\\nCorrection: this article was changed for the benchmark.\"}"
		n++
		next
	}
	{ print }
	END { print n + 0 > "/dev/stderr" }' "$1" >"$1.new" 2>"$1.count"
	mv "$1.new" "$1"
	cat "$1.count"
	rm -f "$1.count"
}

# --- indexing ---------------------------------------------------------------------
# index_graf SCALE DIR REP: full index of DIR's collections into DIR/graf.db
index_graf() {
	s=$1 dir=$2
	rm -f "$dir/graf.db" "$dir/graf.db-wal" "$dir/graf.db-shm"
	# shellcheck disable=SC2086 # the file list
	timed_run "$dir/graf-index.time" "$graf_index" --index "$dir/graf.db" $files \
		2>"$dir/graf-index.err"
	paras=$(sed -n 's/.* \([0-9][0-9]*\) paragraphs written.*/\1/p' "$dir/graf-index.err" | tail -n 1)
	[ -n "$paras" ] || die "graf-index gave no summary: $(cat "$dir/graf-index.err")"
	record "$s" graf index_s "$wall"
	record "$s" graf index_cpu_s "$cpu"
	record "$s" graf paragraphs "$paras"
	record "$s" graf paras_per_s "$(awk -v p="$paras" -v w="$wall" 'BEGIN { printf "%.0f", p / w }')"
	record "$s" graf MB_per_s "$(awk -v b="$text_bytes" -v w="$wall" 'BEGIN { printf "%.2f", b / 1e6 / w }')"
	record "$s" graf peak_rss_MB "$rss_mb"
	record "$s" graf index_MB "$(awk -v b="$(size_of "$dir/graf.db" "$dir/graf.db-wal")" 'BEGIN { printf "%.1f", b / 1e6 }')"
}

# index_peer ENGINE SCALE DIR: full index of DIR/paras.tsv with a peer
index_peer() {
	engine=$1 s=$2 dir=$3
	if [ "$engine" = fts5 ]; then
		bin=$fts5 db=$dir/fts5.db
		rm -f "$db" "$db-wal" "$db-shm"
	else
		bin=$xap db=$dir/xapian.db
		rm -rf "$db"
	fi
	timed_run "$dir/$engine-index.time" "$bin" index "$db" "$dir/paras.tsv" >"$dir/$engine-index.out"
	paras=$(figure "$dir/$engine-index.out" paragraphs)
	record "$s" "$engine" index_s "$wall"
	record "$s" "$engine" index_cpu_s "$cpu"
	record "$s" "$engine" paragraphs "$paras"
	record "$s" "$engine" paras_per_s "$(awk -v p="$paras" -v w="$wall" 'BEGIN { printf "%.0f", p / w }')"
	record "$s" "$engine" MB_per_s "$(awk -v b="$text_bytes" -v w="$wall" 'BEGIN { printf "%.2f", b / 1e6 / w }')"
	record "$s" "$engine" peak_rss_MB "$rss_mb"
	if [ "$engine" = fts5 ]; then
		size=$(size_of "$db" "$db-wal")
	else
		size=$(size_of "$db")
	fi
	record "$s" "$engine" index_MB "$(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1e6 }')"
}

# --- queries ------------------------------------------------------------------------
# record_queries SCALE ENGINE K OUTFILE: the figures of a query run, and its
# queries per CPU second (of the whole process: opening the index is a few ms)
record_queries() {
	for f in qps p50_ms p95_ms p99_ms max_ms hits errors; do
		record "$1" "$2" "${f}_k$3" "$(figure "$4" "$f")"
	done
	record "$1" "$2" "cpu_qps_k$3" \
		"$(awk -v n="$(figure "$4" queries)" -v c="$cpu" 'BEGIN { printf "%.1f", (c > 0 ? n / c : 0) }')"
}

# search_all SCALE DIR REP: the query runs of every engine at every k
search_all() {
	s=$1 dir=$2 rep=$3
	for k in $ks; do
		load "$s"
		timed_run "$dir/q.time" "$graf_bench" --index "$dir/graf.db" -k "$k" "$queries" \
			>"$dir/graf-k$k-r$rep.out"
		record_queries "$s" graf "$k" "$dir/graf-k$k-r$rep.out"
		timed_run "$dir/q.time" "$fts5" search "$dir/fts5.db" "$queries" "$k" \
			>"$dir/fts5-k$k-r$rep.out"
		record_queries "$s" fts5 "$k" "$dir/fts5-k$k-r$rep.out"
		if [ -n "$xap" ] && [ -d "$dir/xapian.db" ]; then
			timed_run "$dir/q.time" "$xap" search "$dir/xapian.db" "$queries" "$k" \
				>"$dir/xapian-k$k-r$rep.out"
			record_queries "$s" xapian "$k" "$dir/xapian-k$k-r$rep.out"
			timed_run "$dir/q.time" "$xap" search "$dir/xapian.db" "$queries" "$k" --snippet \
				>"$dir/xapsnip-k$k-r$rep.out"
			record_queries "$s" xapsnip "$k" "$dir/xapsnip-k$k-r$rep.out"
		fi
	done
}

# per_query SCALE DIR: one more run of each engine at the first k, with
# per-query lines (for the latency by query class); not among the medians,
# since each program counts every query's matches afterwards
per_query() {
	dir=$2 k=${ks%% *}
	"$graf_bench" --index "$dir/graf.db" -k "$k" --per-query "$dir/graf-k$k.perq" "$queries" \
		>/dev/null
	"$fts5" search "$dir/fts5.db" "$queries" "$k" --per-query "$dir/fts5-k$k.perq" \
		>/dev/null || [ $? -eq 2 ]
	if [ -n "$xap" ] && [ -d "$dir/xapian.db" ]; then
		"$xap" search "$dir/xapian.db" "$queries" "$k" --per-query "$dir/xapian-k$k.perq" \
			>/dev/null
		"$xap" search "$dir/xapian.db" "$queries" "$k" --snippet \
			--per-query "$dir/xapsnip-k$k.perq" >/dev/null
	fi
}

# --- one query from the shell ---------------------------------------------------------
# The first query of each class in the benchmark file, one per line as
# "class<TAB>qid<TAB>query".
shell_queries() {
	seen=" "
	while IFS="$(printf '\t')" read -r qid text; do
		case $text in *"'"*) continue ;; esac
		c=$(query_class "$text")
		case $seen in *" $c "*) continue ;; esac
		seen="$seen$c "
		printf '%s\t%s\t%s\n' "$c" "$qid" "$text"
	done <"$queries"
}

# median_ms CMD...: the median wall time of CMD (output discarded) over
# $shell_runs runs after 3 warm-up runs, then its mean CPU time (user +
# system; "-" without hyperfine), in milliseconds
median_ms() {
	if [ "$have_hyperfine" = 1 ]; then
		# hyperfine -N parses the command line itself: quote every word.
		cmd=
		for w in "$@"; do
			cmd="$cmd '$w'"
		done
		# -i: graf-search exits with 1 when nothing matched
		if hyperfine -N -i --style none --warmup 3 --runs "$shell_runs" \
			--export-csv "$tmp_csv" -- "$cmd" >/dev/null 2>"$tmp_csv.err"; then
			# median wall, mean user + system
			awk -F, 'NR == 2 { printf "%.2f %.2f", $4 * 1000, ($5 + $6) * 1000 }' "$tmp_csv"
		else
			echo "bench.sh: hyperfine failed on:$cmd: $(cat "$tmp_csv.err")" >&2
			echo "- -"
		fi
	else
		i=0
		: >"$tmp_csv"
		while [ "$i" -lt $((shell_runs + 3)) ]; do
			t0=$(now)
			"$@" >/dev/null 2>&1 || true
			t1=$(now)
			[ "$i" -ge 3 ] && elapsed "$t0" "$t1" >>"$tmp_csv" && echo >>"$tmp_csv"
			i=$((i + 1))
		done
		sort -n "$tmp_csv" | awk '{ v[NR] = $1 } END { printf "%.2f -", v[int((NR + 1) / 2)] * 1000 }'
	fi
}

# shell_case SCALE DIR: graf-search (and each peer's search) as a fresh process
# for one query of each class
shell_case() {
	s=$1 dir=$2
	tmp_csv=$dir/shell.csv
	shell_queries >"$dir/shell-queries.tsv"
	while IFS="$(printf '\t')" read -r c qid text; do
		printf '%s\t%s\n' "$qid" "$text" >"$dir/shell-q.tsv"
		load "$s"
		shell_record "$s" graf "$c" "$graf_search" --index "$dir/graf.db" -n 10 "$text"
		shell_record "$s" fts5 "$c" "$fts5" search "$dir/fts5.db" "$dir/shell-q.tsv" 10
		if [ -n "$xap" ] && [ -d "$dir/xapian.db" ]; then
			shell_record "$s" xapian "$c" "$xap" search "$dir/xapian.db" "$dir/shell-q.tsv" 10
		fi
	done <"$dir/shell-queries.tsv"
}

# shell_record SCALE ENGINE CLASS CMD...: time CMD, record wall and CPU ms
shell_record() {
	s=$1 e=$2 c=$3
	shift 3
	# shellcheck disable=SC2046 # two figures
	set -- $(median_ms "$@")
	record "$s" "$e" "shell_ms_$c" "$1"
	[ "$2" = - ] || record "$s" "$e" "shell_cpu_ms_$c" "$2"
}

# --- incremental update -------------------------------------------------------------
# incremental SCALE DIR: from copies of the full index, R re-index runs after
# 1% of the records of each collection changed
incremental() {
	s=$1 dir=$2
	cp "$dir/graf.db" "$dir/graf-full.db"
	changed=0
	for f in $files; do
		changed=$((changed + $(change_one_percent "$f")))
	done
	rep=1
	while [ "$rep" -le "$reps" ]; do
		cp "$dir/graf-full.db" "$dir/graf-incr.db"
		rm -f "$dir/graf-incr.db-wal" "$dir/graf-incr.db-shm"
		# Write the copy out first: the update's checkpoint ends with
		# fdatasync(), which would otherwise also write back the copy.
		sync
		# shellcheck disable=SC2086 # the file list
		timed_run "$dir/graf-incr.time" "$graf_index" --index "$dir/graf-incr.db" $files \
			2>"$dir/graf-incr.err"
		updated=$(sed -n 's/.* \([0-9][0-9]*\) updated,.*/\1/p' "$dir/graf-incr.err")
		[ "$updated" = "$changed" ] ||
			die "incremental run updated '$updated' articles, not the $changed changed"
		record "$s" graf incr_s "$wall"
		record "$s" graf incr_cpu_s "$cpu"
		record "$s" graf incr_rss_MB "$rss_mb"
		rep=$((rep + 1))
	done
	record "$s" graf incr_articles "$changed"
}

# incremental_articles DIR: the same on a directory of article files (the
# BBC articles, one file each): full index, then 1% of the files edited
incremental_articles() {
	dir=$1/articles
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -R "$data/bbc/articles" "$dir/bbc"
	rep=1
	while [ "$rep" -le "$reps" ]; do
		rm -f "$dir/graf.db" "$dir/graf.db-wal" "$dir/graf.db-shm"
		timed_run "$dir/full.time" "$graf_index" --index "$dir/graf.db" "$dir/bbc" 2>"$dir/full.err"
		record 1 graf art_full_s "$wall"
		record 1 graf art_full_cpu_s "$cpu"
		rep=$((rep + 1))
	done
	n=0
	for f in $(find "$dir/bbc" -name '*.txt' | LC_ALL=C sort | awk 'NR % 100 == 0'); do
		printf '\nCorrection: this article was changed for the benchmark.\n' >>"$f"
		n=$((n + 1))
	done
	rep=1
	while [ "$rep" -le "$reps" ]; do
		cp "$dir/graf.db" "$dir/graf-incr.db"
		rm -f "$dir/graf-incr.db-wal" "$dir/graf-incr.db-shm"
		sync  # as in incremental()
		timed_run "$dir/incr.time" "$graf_index" --index "$dir/graf-incr.db" "$dir/bbc" \
			2>"$dir/incr.err"
		record 1 graf art_incr_s "$wall"
		record 1 graf art_incr_cpu_s "$cpu"
		rep=$((rep + 1))
	done
	record 1 graf art_files "$(find "$dir/bbc" -name '*.txt' | wc -l)"
	record 1 graf art_changed "$n"
}

# --- the top-k check ----------------------------------------------------------------
topk_check() {
	s=$1 dir=$2
	for k in $ks; do
		st=0
		"$graf_bench" --index "$dir/graf.db" -k "$k" --check "$queries" \
			>"$dir/check-k$k.out" 2>"$dir/check-k$k.err" || st=$?
		[ "$st" -le 1 ] || die "graf-bench --check failed: $(cat "$dir/check-k$k.err")"
		record "$s" graf "differ_k$k" "$(figure "$dir/check-k$k.out" differ)"
	done
}

# --- the tables ---------------------------------------------------------------------
# print_tables MEDIANS: the Markdown tables of doc/performance.md from the
# medians (scale, engine, figure, value); XAPIAN_RUN=1 when Xapian ran.
print_tables() {
	awk -F '\t' -v ks="$ks" '
	function get(s, e, f) { return ((s SUBSEP e SUBSEP f) in m) ? m[s, e, f] : "-" }
	function num(v, fmt) { return v == "-" ? "-" : sprintf(fmt, v) }
	function ratio(a, b) { return (a == "-" || b == "-" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
	function row(label, g, f, x, ref, target) {
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", label, g, f, ratio(g, f), x, ref, target
	}
	# median and max of the shell-case figures of (s, e), into SHMED, SHMAX
	function shell(s, e, cpu,    k, n, v, i, j, t) {
		n = 0
		for (k in m) {
			split(k, p, SUBSEP)
			if (p[1] == s && p[2] == e && p[3] ~ ("^shell_" cpu "ms_")) v[++n] = m[k]
		}
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		SHMED = n ? sprintf("%.2f", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) : "-"
		SHMAX = n ? sprintf("%.2f", v[n]) : "-"
	}
	function spread(s, e, f) { return ((s SUBSEP e SUBSEP f) in m) ? lo[s, e, f] " - " hi[s, e, f] : "-" }
	{ m[$1, $2, $3] = $4; lo[$1, $2, $3] = $5; hi[$1, $2, $3] = $6
	  if (!($1 in seen)) { seen[$1] = 1; order[++ns] = $1 }; if ($2 == "xapian") xrun = 1 }
	END {
		s = order[1]
		reps = get(s, "all", "runs")
		nk = split(ks, kk, " ")
		printf "### graf beside FTS5 at %sx: %s MB of paragraph text, median of %s run(s)\n\n", s, get(s, "all", "text_MB"), reps
		printf "Load average (1 min) when the phases started: median %s, %s.\n\n", get(s, "all", "load1"), spread(s, "all", "load1")
		print "| figure | graf | FTS5 | graf/FTS5 | Xapian" (xrun ? "" : " (not run)") " | Xapian (README) | target |"
		print "|---|---|---|---|---|---|---|"
		row("paragraphs indexed", get(s, "graf", "paragraphs"), get(s, "fts5", "paragraphs"), get(s, "xapian", "paragraphs"), "257256", "")
		row("index: seconds (wall)", get(s, "graf", "index_s"), get(s, "fts5", "index_s"), get(s, "xapian", "index_s"), "", "")
		row("index: CPU seconds (user + system)", get(s, "graf", "index_cpu_s"), get(s, "fts5", "index_cpu_s"), get(s, "xapian", "index_cpu_s"), "", "")
		row("index: MB/s of text", get(s, "graf", "MB_per_s"), get(s, "fts5", "MB_per_s"), get(s, "xapian", "MB_per_s"), "0.94 (FTS5 14.8)", ">= 0.9x FTS5")
		row("index: paragraphs/s", get(s, "graf", "paras_per_s"), get(s, "fts5", "paras_per_s"), get(s, "xapian", "paras_per_s"), "4660 (FTS5 73000)", ">= 0.9x FTS5")
		row("index: peak RSS, MB", get(s, "graf", "peak_rss_MB"), get(s, "fts5", "peak_rss_MB"), get(s, "xapian", "peak_rss_MB"), "121 (FTS5 9)", "bounded, flat with scale")
		row("index size, MB (db + wal)", get(s, "graf", "index_MB"), get(s, "fts5", "index_MB"), get(s, "xapian", "index_MB"), "420 (FTS5 120)", "<= 1.1x FTS5")
		for (i = 1; i <= nk; i++) {
			k = kk[i]
			xq = get(s, "xapian", "qps_k" k)
			if (get(s, "xapsnip", "qps_k" k) != "-") xq = xq " (snippets " get(s, "xapsnip", "qps_k" k) ")"
			row("queries/s, k=" k ", highlighted", get(s, "graf", "qps_k" k), get(s, "fts5", "qps_k" k), xq, k == 10 ? "2385 (snippets 1944)" : "", k == 10 ? ">= 2400" : "")
			split("p50 p95 p99 max", pp, " ")
			for (j = 1; j <= 4; j++) {
				f = pp[j] "_ms_k" k
				xv = get(s, "xapian", f)
				if (get(s, "xapsnip", f) != "-") xv = xv " (" get(s, "xapsnip", f) ")"
				ref = k == 10 ? (pp[j] == "p50" ? "0.27" : pp[j] == "p99" ? "1.46" : pp[j] == "max" ? "1.9" : "") : ""
				row(pp[j] " ms, k=" k, get(s, "graf", f), get(s, "fts5", f), xv, ref, (k == 10 && pp[j] == "p99") ? "<= 1.5" : "")
			}
			row("queries per CPU second, k=" k, get(s, "graf", "cpu_qps_k" k), get(s, "fts5", "cpu_qps_k" k), get(s, "xapian", "cpu_qps_k" k), "", "")
			row("hits returned, k=" k, get(s, "graf", "hits_k" k), get(s, "fts5", "hits_k" k), get(s, "xapian", "hits_k" k), "", "")
		}
		shell(s, "graf"); g1 = SHMED; g2 = SHMAX
		shell(s, "fts5"); f1 = SHMED; f2 = SHMAX
		shell(s, "xapian"); x1 = SHMED; x2 = SHMAX
		row("one query, fresh process, ms: median of classes", g1, f1, x1, "", "< 10")
		row("one query, fresh process, ms: slowest class", g2, f2, x2, "", "< 10")
		shell(s, "graf", "cpu_"); g1 = SHMED
		shell(s, "fts5", "cpu_"); f1 = SHMED
		shell(s, "xapian", "cpu_"); x1 = SHMED
		row("one query, fresh process, CPU ms: median of classes", g1, f1, x1, "", "")
		inc = get(s, "graf", "incr_s"); full = get(s, "graf", "index_s")
		row("re-index after 1% of articles changed (" get(s, "graf", "incr_articles") "), s", inc, "-", "-", "", "")
		row("  as a share of graf full index", (inc == "-" || full == "-") ? "-" : sprintf("%.1f%%", 100 * inc / full), "-", "-", "", "< 5%")
		inc = get(s, "graf", "incr_cpu_s"); full = get(s, "graf", "index_cpu_s")
		if (inc != "-")
			row("  in CPU seconds: incremental / full", (full == "-") ? "-" : sprintf("%s / %s = %.1f%%", inc, full, 100 * inc / full), "-", "-", "", "< 5%")
		ai = get(s, "graf", "art_incr_s"); af = get(s, "graf", "art_full_s")
		if (ai != "-")
			row("article files (bbc/articles, " get(s, "graf", "art_changed") " of " get(s, "graf", "art_files") " edited): incremental / full", sprintf("%.3f / %.3f s = %.1f%%", ai, af, 100 * ai / af), "-", "-", "", "< 5%")
		for (i = 1; i <= nk; i++)
			if (get(s, "graf", "differ_k" kk[i]) != "-")
				row("top-k check, k=" kk[i] ": queries differing from exhaustive", get(s, "graf", "differ_k" kk[i]), "-", "-", "", "0")

		printf "\n### One query from the shell at %sx (median wall ms of one process)\n\n", s
		print "| class | graf-search | FTS5 | Xapian |"
		print "|---|---|---|---|"
		for (k in m) { split(k, p, SUBSEP); if (p[1] == s && p[2] == "graf" && p[3] ~ /^shell_ms_/) cls[substr(p[3], 10)] = 1 }
		nc = 0
		for (c in cls) names[++nc] = c
		for (i = 2; i <= nc; i++) for (j = i; j > 1 && names[j - 1] > names[j]; j--) { t = names[j]; names[j] = names[j - 1]; names[j - 1] = t }
		for (i = 1; i <= nc; i++)
			printf "| %s | %s | %s | %s |\n", names[i], get(s, "graf", "shell_ms_" names[i]), get(s, "fts5", "shell_ms_" names[i]), get(s, "xapian", "shell_ms_" names[i])

		printf "\n### Run-to-run spread at %sx (min - max of the %s runs)\n\n", s, reps
		print "| figure | graf | FTS5 | Xapian |"
		print "|---|---|---|---|"
		split("index_s index_cpu_s", ff, " ")
		for (k = 1; k <= nk; k++) { ff[2 + 3 * k - 2] = "qps_k" kk[k]; ff[2 + 3 * k - 1] = "cpu_qps_k" kk[k]; ff[2 + 3 * k] = "p99_ms_k" kk[k] }
		for (i = 1; i <= 2 + 3 * nk; i++)
			printf "| %s | %s | %s | %s |\n", ff[i], spread(s, "graf", ff[i]), spread(s, "fts5", ff[i]), spread(s, "xapian", ff[i])

		printf "\n### Scale curve (median of %s run(s); k=%s for the latency columns)\n\n", reps, kk[1]
		hdr = "| scale | engine | text MB | paragraphs | index s | index CPU s | MB/s | paras/s | peak RSS MB | index MB"
		sep = "|---|---|---|---|---|---|---|---|---|---"
		for (i = 1; i <= nk; i++) { hdr = hdr " | qps k=" kk[i] " | CPU qps k=" kk[i] " | p99 ms k=" kk[i]; sep = sep "|---|---|---" }
		print hdr " | shell ms | re-index 1% s |"
		print sep "|---|---|"
		for (o = 1; o <= ns; o++) {
			s = order[o]
			for (e = 1; e <= 3; e++) {
				en = e == 1 ? "graf" : e == 2 ? "fts5" : "xapian"
				if (get(s, en, "index_s") == "-") continue
				shell(s, en)
				line = sprintf("| %sx | %s | %s | %s | %s | %s | %s | %s | %s | %s", s, en, get(s, "all", "text_MB"), get(s, en, "paragraphs"), get(s, en, "index_s"), get(s, en, "index_cpu_s"), get(s, en, "MB_per_s"), get(s, en, "paras_per_s"), get(s, en, "peak_rss_MB"), get(s, en, "index_MB"))
				for (i = 1; i <= nk; i++) line = line " | " get(s, en, "qps_k" kk[i]) " | " get(s, en, "cpu_qps_k" kk[i]) " | " get(s, en, "p99_ms_k" kk[i])
				print line " | " SHMED " | " get(s, en, "incr_s") " |"
			}
		}
	}' "$1"
}

if [ "${1:-}" = --table ]; then
	[ -f "${2:-}" ] || die "usage: bench.sh --table OUT/medians.tsv"
	print_tables "$2"
	exit 0
fi

# --- the run ------------------------------------------------------------------------
mkdir -p "$out/peers"
out=$(cd "$out" && pwd)
results=$out/results.tsv
: >"$results"

# --- the peers, built here (../shared is read-only) ----------------------------
fts5=$out/peers/fts5_native
${CC:-cc} -O2 -Wall -Wextra -o "$fts5" "$peers/fts5_native.c" -lsqlite3 ||
	die "cannot build the FTS5 baseline (apt-get install libsqlite3-dev)"
xap=
if [ "$xapian" != 0 ] && command -v xapian-config >/dev/null; then
	xap=$out/peers/xapian_native
	# shellcheck disable=SC2046 # xapian-config prints several flags
	${CXX:-c++} -O2 -Wall -Wextra $(xapian-config --cxxflags) -o "$xap" \
		"$peers/xapian_native.cc" $(xapian-config --libs) || die "cannot build the Xapian baseline"
elif [ "$xapian" = 1 ]; then
	die "xapian-config is missing (apt-get install libxapian-dev)"
fi
have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1

with=FTS5
[ -n "$xap" ] && with="FTS5 and Xapian"
echo "bench.sh: sets: $sets; scales: $scales; R=$reps; k: $ks; beside $with; out: $out" >&2
for s in $scales; do
	dir=$out/x$s
	echo "bench.sh: scale ${s}x: making the data" >&2
	make_data "$s" "$dir"
	text_bytes=$(LC_ALL=C awk -F '\t' '{ n += length($4) } END { printf "%.0f", n }' "$dir/paras.tsv")
	record "$s" all runs "$reps"
	record "$s" all text_MB "$(awk -v b="$text_bytes" 'BEGIN { printf "%.2f", b / 1e6 }')"
	with_xapian=0
	case " $xapian_scales " in *" $s "*) [ -n "$xap" ] && with_xapian=1 ;; esac
	rep=1
	while [ "$rep" -le "$reps" ]; do
		echo "bench.sh: scale ${s}x: indexing, run $rep of $reps" >&2
		load "$s"
		index_graf "$s" "$dir"
		index_peer fts5 "$s" "$dir"
		[ "$with_xapian" = 1 ] && index_peer xapian "$s" "$dir"
		rep=$((rep + 1))
	done
	rep=1
	while [ "$rep" -le "$reps" ]; do
		echo "bench.sh: scale ${s}x: queries, run $rep of $reps" >&2
		search_all "$s" "$dir" "$rep"
		rep=$((rep + 1))
	done
	if [ "$s" = "$first_scale" ]; then
		echo "bench.sh: scale ${s}x: per-query run" >&2
		per_query "$s" "$dir"
	fi
	echo "bench.sh: scale ${s}x: one query from the shell" >&2
	shell_case "$s" "$dir"
	if [ "$check" = 1 ] && [ "$s" = "$first_scale" ]; then
		echo "bench.sh: scale ${s}x: top-k check" >&2
		topk_check "$s" "$dir"
	fi
	echo "bench.sh: scale ${s}x: incremental update" >&2
	incremental "$s" "$dir"
	if [ "$s" = "$first_scale" ] && [ "$quick" != 1 ]; then
		incremental_articles "$dir"
	fi
done

# --- the tables -------------------------------------------------------------------
# medians.tsv: scale, engine, figure, median, min and max of its runs
LC_ALL=C sort -t "$(printf '\t')" -k1,1n -k2,2 -k3,3 -k4,4g "$results" | awk -F '\t' '
	function flush() { if (n) printf "%s\t%s\t%s\t%s\t%s\t%s\n", key1, key2, key3, \
		(n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2), v[1], v[n]; n = 0 }
	{ k = $1 FS $2 FS $3; if (k != cur) { flush(); cur = k; key1 = $1; key2 = $2; key3 = $3 }
	  v[++n] = $4 }
	END { flush() }' >"$out/medians.tsv"

# Per-class latency of graf and FTS5 at the first scale, k = first k.
k1=${ks%% *}
{
	for e in graf fts5 xapian xapsnip; do
		set -- "$out/x$first_scale/$e-k$k1.perq"
		[ -f "$1" ] || continue
		echo "== $e, k=$k1, ${first_scale}x"
		python3 "$peers/summary.py" --slow "$@"
		echo
	done
} >"$out/classes.txt"

print_tables "$out/medians.tsv" | tee "$out/table.md"
echo "bench.sh: figures in $out/table.md, per-class latency in $out/classes.txt, raw runs in $out/results.tsv" >&2
