"""Draw the papers for the blind-labelled trend set (issue 14), without looking at the tagger.

Two parts, recorded per row in `sampling`:
- `random`: a fixed number of papers per year 2015-2026, uniformly at random over the whole corpus
  (every category the corpus holds), excluding the 400-paper dev set.
- `nn:<trend>`: nearest neighbours (MiniLM cosine) of a few hand-picked seed papers per trend; written by
  `--enrich` once the corpus has vectors. The seeds are listed in bench/data/trend_label_seeds.json.

Writes ids only; the text is read from ../shared when labelling.

    python bench/sample_trend_labels.py --corpus ../shared/data/arxiv_corpus.jsonl.gz \
        --dev ../shared/eval/trend_dev_set.jsonl --per-year 75 --out bench/data/trend_labels_sample.jsonl
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
from collections import defaultdict
from pathlib import Path


def read_corpus(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--dev", type=Path, required=True)
    ap.add_argument("--per-year", type=int, default=75)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    dev_ids = {json.loads(line)["id"] for line in args.dev.open(encoding="utf-8")}
    by_year: dict[str, list[str]] = defaultdict(list)
    for row in read_corpus(args.corpus):
        year = row["published"][:4]
        if "2015" <= year <= "2026" and row["id"] not in dev_ids:
            by_year[year].append(row["id"])
    rng = random.Random(args.seed)
    rows = []
    for year in sorted(by_year):
        for pid in rng.sample(sorted(by_year[year]), args.per_year):
            rows.append({"id": pid, "sampling": "random", "year": int(year)})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    print(f"wrote {len(rows)} ids to {args.out}")


if __name__ == "__main__":
    main()
