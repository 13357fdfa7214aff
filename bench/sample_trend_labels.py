"""Draw the papers for the blind-labelled trend set (issue 14), without looking at the tagger.

Two parts, recorded per row in `sampling`:
- `random`: a fixed number of papers per year 2015-2026, uniformly at random over the whole corpus
  (every category the corpus holds), excluding the 400-paper dev set.
- `nn:<trend>`: nearest neighbours (MiniLM cosine) of a few hand-picked seed papers per trend; written by
  `--enrich` once the corpus has vectors. The seeds are listed in bench/data/trend_label_seeds.json.

Writes ids only; the text is read from ../shared when labelling.

    python bench/sample_trend_labels.py --corpus ../shared/data/arxiv_corpus.jsonl.gz \
        --dev ../shared/eval/trend_dev_set.jsonl --per-year 75 --out bench/data/trend_labels_sample.jsonl
    python bench/sample_trend_labels.py --corpus ../shared/data/arxiv_corpus.jsonl.gz \
        --dev ../shared/eval/trend_dev_set.jsonl --enrich bench/data/trend_labels_sample.jsonl \
        --seeds bench/data/trend_label_seeds.json --out bench/data/trend_labels_enriched.jsonl

`--enrich` draws a pool of up to 2,000 random papers per year 2015-2026 (not in the dev set or the random
part), embeds it with the packaged MiniLM (about 15 minutes here; `--pool-cache DIR` keeps the vectors), and
takes each seed's nearest neighbours in the pool: `--rare-k` per seed for the rarer trends, `--k` for the
others, keeping neighbours above a similarity floor.
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


RARE = ("continual", "privacy", "zero_shot", "interpretability")


def draw_pool(rows_by_id: dict[str, dict], excluded: set[str], per_year: int = 2000, seed: int = 99) -> list[str]:
    """Up to `per_year` random paper ids per year 2015-2026 (ids in `excluded` are never drawn), year by year."""
    by_year: dict[str, list[str]] = defaultdict(list)
    for pid, row in rows_by_id.items():
        year = row["published"][:4]
        if "2015" <= year <= "2026" and pid not in excluded:
            by_year[year].append(pid)
    rng = random.Random(seed)
    pool: list[str] = []
    for year in sorted(by_year):
        ids = sorted(by_year[year])
        pool += rng.sample(ids, min(len(ids), per_year))
    return pool


def enrich(args, rows_by_id: dict[str, dict], dev_ids: set[str]) -> list[dict]:
    import numpy as np

    from trendscope.index.embedder import load_embedder, paper_text

    taken = {json.loads(line)["id"] for line in args.enrich.open(encoding="utf-8")}
    pool = draw_pool(rows_by_id, dev_ids | taken, args.pool_per_year, args.pool_seed)
    cache = args.pool_cache
    emb = None
    if cache and (cache / "pool_ids.json").exists() and json.loads((cache / "pool_ids.json").read_text()) == pool:
        vecs = np.load(cache / "pool_vecs.npy")
    else:
        emb = load_embedder()
        vecs = emb.encode([paper_text(rows_by_id[i]["title"], rows_by_id[i]["abstract"]) for i in pool])
        if cache:
            cache.mkdir(parents=True, exist_ok=True)
            np.save(cache / "pool_vecs.npy", vecs)
            (cache / "pool_ids.json").write_text(json.dumps(pool))
    seeds = {t: ids for t, ids in json.loads(args.seeds.read_text()).items() if not t.startswith("_")}
    emb = emb or load_embedder()
    out, chosen = [], set(args.exclude_ids)
    for trend, seed_ids in seeds.items():
        qv = emb.encode([paper_text(rows_by_id[i]["title"], rows_by_id[i]["abstract"]) for i in seed_ids])
        k = args.rare_k if trend in RARE else args.k
        for sid, q in zip(seed_ids, qv):
            sims = vecs @ q
            for j in np.argsort(-sims)[:k]:
                pid = pool[int(j)]
                if pid in chosen or pid in seed_ids or sims[j] < args.min_sim:
                    continue
                chosen.add(pid)
                out.append({"id": pid, "sampling": f"nn:{trend}{args.round_tag}", "seed": sid,
                            "year": int(rows_by_id[pid]["published"][:4])})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--dev", type=Path, required=True)
    ap.add_argument("--per-year", type=int, default=75)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--enrich", type=Path, help="the random part's file: draw the nearest-neighbour part instead")
    ap.add_argument("--seeds", type=Path, default=Path("bench/data/trend_label_seeds.json"))
    ap.add_argument("--pool-per-year", type=int, default=2000)
    ap.add_argument("--pool-seed", type=int, default=99)
    ap.add_argument("--pool-cache", type=Path)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--rare-k", type=int, default=32)
    ap.add_argument("--min-sim", type=float, default=0.3)
    ap.add_argument("--round-tag", default="", help="appended to `sampling`, e.g. ':r2'")
    ap.add_argument("--exclude", type=Path, nargs="*", default=[],
                    help="earlier enrichment rounds: their papers are not drawn again (the pool stays the same)")
    args = ap.parse_args()
    args.exclude_ids = {json.loads(line)["id"] for path in args.exclude for line in path.open(encoding="utf-8")}

    dev_ids = {json.loads(line)["id"] for line in args.dev.open(encoding="utf-8")}
    if args.enrich:
        rows_by_id = {r["id"]: r for r in read_corpus(args.corpus)}
        rows = enrich(args, rows_by_id, dev_ids)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
        print(f"wrote {len(rows)} ids to {args.out}")
        return

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
