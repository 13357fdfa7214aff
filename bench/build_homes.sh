#!/usr/bin/env bash
# Build the bench data homes that the performance and quality figures are measured on (docs/performance.md).
#   bench/build_homes.sh sample   -> $HOMES/sample: the 6,000-paper shared sample, imported and indexed (~2 min)
#   bench/build_homes.sh full     -> $HOMES/full:   all 162,699 shared papers, real MiniLM vectors (~30-45 min)
# HOMES defaults to /tmp/trendscope-homes; TS to .venv/bin/trendscope; SHARED to ../shared. Reruns are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
HOMES=${HOMES:-/tmp/trendscope-homes}
TS=${TS:-.venv/bin/trendscope}
SHARED=${SHARED:-../shared}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
for which in "${@:-sample}"; do
  case "$which" in
    sample) snap="$SHARED/data/arxiv_corpus_sample.jsonl.gz" ;;
    full) snap="$SHARED/data/arxiv_corpus.jsonl.gz" ;;
    *) echo "usage: $0 [sample|full]..." >&2; exit 2 ;;
  esac
  home="$HOMES/$which"
  echo "== $which -> $home"
  /usr/bin/time -f "ingest: %e s wall" "$TS" --home "$home" ingest --snapshot "$snap"
  /usr/bin/time -f "index: %e s wall" "$TS" --home "$home" index
done
