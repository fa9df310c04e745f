#!/bin/sh
# eval.sh - index the shared test collections, run their queries as a batch,
# score the runs with graf-eval and print one table beside the reference
# figures of ../shared/data/README.md.  Run by "make eval".
#
#   scripts/eval.sh [graf-search options...]     e.g. --no-feedback, --k1 0.9
#
# env: GRAF_SHARED  the shared folder (default: ../shared beside the sources)
#      BUILD        the build directory holding the programs (default: .)
#      OUT          where indexes and runs go (default: $BUILD/eval-out)
#      SETS         collections to evaluate (default: "cranfield scifact")
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
shared=${GRAF_SHARED:-$here/../shared}
build=${BUILD:-.}
out=${OUT:-$build/eval-out}
sets=${SETS:-cranfield scifact}

if [ ! -d "$shared/data" ]; then
	echo "eval.sh: no test collections at '$shared/data' (set GRAF_SHARED to the folder holding data/)" >&2
	exit 2
fi
for p in indexer/graf-index searcher/graf-search eval/graf-eval; do
	[ -x "$build/$p" ] || { echo "eval.sh: '$build/$p' is not built (run make first)" >&2; exit 2; }
done
mkdir -p "$out"

# Reference figures (../shared/data/README.md): FTS5 porter+bm25(), Xapian BM25.
ref() {
	case "$1/$2" in
	cranfield/fts5) echo "0.3013 0.3623 0.2316 -" ;;
	cranfield/xapian) echo "0.2844 0.3498 0.2244 -" ;;
	scifact/fts5) echo "0.6426 0.6824 - 0.9253" ;;
	scifact/xapian) echo "0.6463 0.6871 - 0.9143" ;;
	*) echo "- - - -" ;;
	esac
}

printf '%-10s %-8s %8s %8s %8s %8s %8s\n' set engine MAP nDCG@10 P@10 R@100 seconds
for set in $sets; do
	dir=$shared/data/$set
	if [ ! -f "$dir/docs.jsonl" ] || [ ! -f "$dir/queries.tsv" ] || [ ! -f "$dir/qrels.txt" ]; then
		echo "eval.sh: '$dir' lacks docs.jsonl, queries.tsv or qrels.txt; skipped" >&2
		continue
	fi
	db=$out/$set.db
	# A fresh index each time: one left by an older graf may not open.
	rm -f "$db" "$db-wal" "$db-shm"
	st=0
	"$build/indexer/graf-index" --quiet --index "$db" "$dir/docs.jsonl" 2>"$out/$set.index.err" || st=$?
	if [ "$st" -gt 1 ]; then
		cat "$out/$set.index.err" >&2
		exit 2
	fi
	start=$(date +%s.%N)
	"$build/searcher/graf-search" --index "$db" --queries "$dir/queries.tsv" --any \
		--unit article --format trec --limit 1000 --run-tag graf "$@" >"$out/$set.run"
	end=$(date +%s.%N)
	"$build/eval/graf-eval" -m map -m ndcg_cut.10 -m P.10 -m recall.100 \
		"$dir/qrels.txt" "$out/$set.run" >"$out/$set.eval"
	get() { awk -v m="$1" '$1 == m { print $3 }' "$out/$set.eval"; }
	printf '%-10s %-8s %8s %8s %8s %8s %8.1f\n' "$set" graf "$(get map)" "$(get ndcg_cut_10)" \
		"$(get P_10)" "$(get recall_100)" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
	for engine in fts5 xapian; do
		# shellcheck disable=SC2046 # four figures, split on purpose
		printf '%-10s %-8s %8s %8s %8s %8s %8s\n' "$set" "$engine" $(ref "$set" "$engine") -
	done
done
