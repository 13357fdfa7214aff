"""Search quality on the blind-graded dev set: nDCG@10 and recall@10 of every mode and the BM25-OR baseline.

The queries (bench/data/search_dev_queries.jsonl) are split by number: odd qids are the tuning half, even qids
the report half. `--tune` searches the fusion settings on the tuning half only and prints both halves for the
best; the shipped defaults (index/search.py) are what the report half is quoted for.

    .venv/bin/python bench/search_dev_eval.py --home /tmp/trendscope-homes/search            # every mode
    .venv/bin/python bench/search_dev_eval.py --home /tmp/trendscope-homes/search --tune     # + grid

Gains are 2^grade - 1 (grades 0/1/2 from bench/data/search_dev_qrels.jsonl); unjudged papers count as
not relevant, and the share of the top 10 that was judged is printed next to every figure. recall@10 is over
the papers graded >= 1 for the query.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_dev_pool import bm25_or  # noqa: E402

from trendscope.foundation.home import Home  # noqa: E402
from trendscope.index.search import Searcher, SearchRequest  # noqa: E402
from trendscope.index.search_store import SearchStore  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402

QUERIES = ROOT / "bench/data/search_dev_queries.jsonl"
QRELS = ROOT / "bench/data/search_dev_qrels.jsonl"
# papers outside the pool that a later change brought into some mode's top 10, graded the same way (blind, two
# readers, adjudicated; docs/search_dev_set.md): the joined compounds of 2026-12-06
EXTRA_QRELS = (ROOT / "bench/data/search_dev_qrels_compounds.jsonl",)
MODES = ("bm25_or", "keyword", "semantic", "hybrid")


def load_dev(qrels_path: Path = QRELS,
             extra: tuple[Path, ...] = EXTRA_QRELS) -> tuple[list[dict], dict[str, dict[str, int]]]:
    """The queries and their grades: `qrels_path`, then the pairs of `extra` it does not hold."""
    queries = [json.loads(x) for x in QUERIES.open(encoding="utf-8")]
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for path in (qrels_path, *extra):
        for line in path.open(encoding="utf-8"):
            r = json.loads(line)
            qrels[r["qid"]].setdefault(r["id"], int(r["grade"]))
    return queries, qrels


def half_of(qid: str) -> str:
    return "tune" if int(qid.lstrip("q")) % 2 == 1 else "report"


def ndcg10(ranked: list[str], grades: dict[str, int]) -> float:
    dcg = sum((2 ** grades.get(pid, 0) - 1) / math.log2(i + 2) for i, pid in enumerate(ranked[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall10(ranked: list[str], grades: dict[str, int]) -> float:
    rel = {p for p, g in grades.items() if g >= 1}
    return len(rel & set(ranked[:10])) / len(rel) if rel else 0.0


def run(searcher: Searcher, store: SearchStore, mode: str, query: str) -> list[str]:
    if mode == "bm25_or":
        pks = bm25_or(store, query, 10)
        return [store.rows(pks)[pk].id for pk in pks]
    return [h.id for h in searcher.search(SearchRequest(query, mode=mode, limit=10))]


def evaluate(searcher: Searcher, store: SearchStore, queries: list[dict], qrels, modes=MODES) -> dict:
    """{mode: {half: (nDCG@10, recall@10, judged share, number of queries, empty results)}}"""
    out: dict = {}
    for mode in modes:
        per: dict[str, list[tuple[float, float, float, int]]] = defaultdict(list)
        for q in queries:
            grades = qrels.get(q["qid"], {})
            if not any(g >= 1 for g in grades.values()):
                continue
            ranked = run(searcher, store, mode, q["query"])
            judged = sum(pid in grades for pid in ranked[:10]) / max(len(ranked[:10]), 1)
            row = (ndcg10(ranked, grades), recall10(ranked, grades), judged, int(not ranked))
            per[half_of(q["qid"])].append(row)
            per["all"].append(row)
        out[mode] = {h: tuple([*(sum(x[i] for x in rows) / len(rows) for i in range(3)), len(rows),
                               sum(x[3] for x in rows)]) for h, rows in per.items()}
    return out


def show(results: dict, halves=("tune", "report", "all")) -> None:
    print(f"{'system':<10} {'half':<7} {'nDCG@10':>8} {'R@10':>6} {'judged':>7} {'queries':>7} {'empty':>5}")
    for mode, by_half in results.items():
        for h in halves:
            if h in by_half:
                n, r, j, k, e = by_half[h]
                print(f"{mode:<10} {h:<7} {n:>8.3f} {r:>6.3f} {j:>7.2f} {k:>7d} {e:>5d}")


def latency(searcher: Searcher, queries: list[dict]) -> None:
    import time

    for mode in ("keyword", "semantic", "hybrid"):
        times = []
        for q in queries:
            req = SearchRequest(q["query"], mode=mode, limit=10)
            searcher.search(req)
            for _ in range(3):
                t = time.perf_counter()
                searcher.search(req)
                times.append(time.perf_counter() - t)
        times.sort()
        p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
        print(f"{mode:<9} warm latency over {len(times)} searches: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")


def show_query(searcher: Searcher, store: SearchStore, query: dict, grades: dict[str, int]) -> None:
    """One query's top 10 per mode: papers graded relevant (>= 1), highly relevant (2) and judged at all."""
    print(f"{query['qid']} {query['query']!r}: {sum(g >= 1 for g in grades.values())} papers graded relevant")
    for mode in MODES:
        top = run(searcher, store, mode, query["query"])[:10]
        print(f"  {mode:<9} relevant {sum(grades.get(p, 0) >= 1 for p in top)}/10, grade 2: "
              f"{sum(grades.get(p, 0) == 2 for p in top)}, judged {sum(p in grades for p in top)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--qrels", type=Path, default=QRELS)
    ap.add_argument("--pool-only", action="store_true",
                    help="grades of the original pool alone, without the later extensions (EXTRA_QRELS)")
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--json", type=Path, help="write the figures here as JSON")
    ap.add_argument("--latency", action="store_true",
                    help="also time every dev query (warm: each run 3 times after a first untimed run), per mode")
    ap.add_argument("--tune-half-only", action="store_true", help="print the tuning half only (while tuning)")
    ap.add_argument("--query", action="append", default=[], metavar="QID",
                    help="also show how many of each mode's top 10 are graded relevant for this query (repeatable; "
                         "q40 is 'graph neural networks for molecule property prediction')")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = Home(args.home)
    db = open_database(home.db_path)
    store = SearchStore(db)
    queries, qrels = load_dev(args.qrels, () if args.pool_only else EXTRA_QRELS)
    searcher = Searcher(db, home)
    results = evaluate(searcher, store, queries, qrels)
    print("shipped defaults:")
    show(results, ("tune",) if args.tune_half_only else ("tune", "report", "all"))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.latency:
        latency(searcher, queries)
    for qid in args.query:
        show_query(searcher, store, next(q for q in queries if q["qid"] == qid), qrels.get(qid, {}))
    if not args.tune:
        return
    tune = [q for q in queries if half_of(q["qid"]) == "tune"]
    grid = []
    for k, w_sem, title_w, prf_docs, prf_weight in itertools.product(
            (5, 10, 20, 60), (0.75, 1.0, 1.5), (2.0, 3.0), (0, 5, 10, 20), (0.5, 1.0, 1.5)):
        if prf_docs == 0 and prf_weight != 1.0:
            continue
        for attr, value in (("rrf_k", k), ("rrf_weights", {"keyword": 1.0, "semantic": w_sem}),
                            ("bm25_weights", (title_w, 1.0, 1.0)), ("prf_docs", prf_docs), ("prf_weight", prf_weight)):
            setattr(searcher, attr, value)  # one Searcher: the model and index stay loaded
        r = evaluate(searcher, store, tune, qrels, modes=("hybrid",))["hybrid"]["tune"]
        grid.append((round(r[0], 4), k, w_sem, title_w, prf_docs, prf_weight))
        print(f"k={k:<3} w_sem={w_sem:<4} title={title_w:<3} prf={prf_docs:>2}x{prf_weight:<4} tune nDCG@10 {r[0]:.3f}",
              flush=True)
    best = max(grid)
    print(f"best on the tuning half: k={best[1]} w_sem={best[2]} title={best[3]} prf={best[4]}x{best[5]} "
          f"({best[0]:.3f})")


if __name__ == "__main__":
    main()
