"""Saved-search digests: which papers of a week are relevant enough to list? Pool, features, calibration.

    # 1. pool: for each saved query (bench/data/digest_queries.jsonl, written before any system output was seen)
    #    and each of 4 weeks, the top 12 papers of the digest's hybrid search, with the features a floor can use
    .venv/bin/python bench/digest_query_eval.py pool --home /tmp/trendscope-homes/search
    # 2. two blind readers grade the pool (bench/search_dev_grading.py batches/merge with --queries this file)
    # 3. calibrate on the odd queries, report on the even ones
    .venv/bin/python bench/digest_query_eval.py calibrate --pool bench/data/digest_query_pool.jsonl \
        --qrels bench/data/digest_query_qrels.jsonl

Features per (query, paper): `cosine` between the query's and the paper's MiniLM vectors, `all_words` (the paper
matches every content word of the query, FTS5), the hybrid `rank` within the week.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUERIES = ROOT / "bench/data/digest_queries.jsonl"
WEEKS = ("2023-W20", "2024-W10", "2024-W40", "2025-W15")
TOP = 12


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def pool(home: str, out: Path) -> None:
    from trendscope.digest.model import Subscription
    from trendscope.digest.query import SearchQueryScorer, query_features
    from trendscope.foundation.clock import week_bounds
    from trendscope.foundation.home import Home
    from trendscope.index.search import Searcher
    from trendscope.ingest.store import open_database

    h = Home(Path(home))
    db = open_database(h.db_path)
    searcher = Searcher(db, h)
    scorer = SearchQueryScorer(searcher)
    rows = []
    for q in read_jsonl(QUERIES):
        for week in WEEKS:
            start, end = week_bounds(week)
            sub = Subscription(name=q["qid"], query=q["query"])
            ranked = sorted(scorer(sub, start, end).items(), key=lambda kv: -kv[1])[:TOP]
            feats = query_features(searcher, q["query"], [pk for pk, _ in ranked])
            ids = searcher.store.papers.ids_of([pk for pk, _ in ranked])
            for rank, (pk, _) in enumerate(ranked, 1):
                rows.append({"qid": q["qid"], "week": week, "id": ids[pk], "rank": rank, **feats[pk],
                             "systems": ["digest_hybrid"]})
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} pairs -> {out}")


def _precision(rows: list[dict], keep) -> tuple[float, int, int]:
    listed = [r for r in rows if keep(r)]
    rel = sum(1 for r in listed if r["grade"] >= 1)
    return (rel / len(listed) if listed else 1.0), len(listed), rel


def _floor(t: float, lex: bool):
    def keep(r: dict) -> bool:
        return r["cosine"] >= t or (lex and r["all_words"])
    return keep


def calibrate(pool_path: Path, qrels_path: Path) -> None:
    grades = {(r["qid"], r["id"]): r["grade"] for r in read_jsonl(qrels_path)}
    rows = [{**r, "grade": grades[(r["qid"], r["id"])]} for r in read_jsonl(pool_path)
            if (r["qid"], r["id"]) in grades]
    tune = [r for r in rows if int(r["qid"][1:]) % 2 == 1]
    report = [r for r in rows if int(r["qid"][1:]) % 2 == 0]
    grid = [round(x, 2) for x in np.arange(0.20, 0.66, 0.01)]
    print("cosine floor on the tuning half (lexical all-words matches always kept / never kept):")
    best = None
    for lex in (True, False):
        for t in grid:
            p, n, rel = _precision(tune, _floor(t, lex))
            total_rel = sum(1 for r in tune if r["grade"] >= 1)
            if p >= 0.9 and (best is None or rel > best[3]):
                best = (t, lex, p, rel, n, total_rel)
    t, lex, p, rel, n, total_rel = best
    print(f"  chosen: cosine >= {t}{' or every query word' if lex else ''}: precision {p:.3f}, "
          f"{rel} of {total_rel} relevant kept ({n} listed)")
    keep = _floor(t, lex)
    for name, part in (("tuning", tune), ("report", report)):
        p, n, rel = _precision(part, keep)
        total_rel = sum(1 for r in part if r["grade"] >= 1)
        p0, n0, _ = _precision(part, lambda r: True)
        weeks = {(r["qid"], r["week"]) for r in part}
        empty_ok = sum(1 for w in weeks if not any(r["grade"] >= 1 for r in part if (r["qid"], r["week"]) == w)
                       and not any(keep(r) for r in part if (r["qid"], r["week"]) == w))
        no_rel = sum(1 for w in weeks if not any(r["grade"] >= 1 for r in part if (r["qid"], r["week"]) == w))
        print(f"{name}: listed precision {p:.3f} ({rel}/{n}), recall of graded-relevant {rel}/{total_rel}; "
              f"without the floor {p0:.3f} ({n0} listed); weeks with nothing relevant: {no_rel}, "
              f"of which the digest is empty: {empty_ok}")
    print(json.dumps({"cosine_floor": t, "all_words_kept": lex}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("pool")
    a.add_argument("--home", default="/tmp/trendscope-homes/search")
    a.add_argument("--out", type=Path, default=ROOT / "bench/data/digest_query_pool.jsonl")
    c = sub.add_parser("calibrate")
    c.add_argument("--pool", type=Path, default=ROOT / "bench/data/digest_query_pool.jsonl")
    c.add_argument("--qrels", type=Path, default=ROOT / "bench/data/digest_query_qrels.jsonl")
    args = ap.parse_args()
    if args.cmd == "pool":
        pool(args.home, args.out)
    else:
        calibrate(args.pool, args.qrels)


if __name__ == "__main__":
    main()
