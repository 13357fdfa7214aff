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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUERIES = ROOT / "bench/data/digest_queries.jsonl"
WEEKS = ("2023-W20", "2024-W10", "2024-W40", "2025-W15")  # graded first; the floor was chosen on these
FRESH_WEEKS = ("2023-W45", "2024-W25", "2025-W05", "2025-W30")  # graded after the floor was fixed: a fresh check
TOP = 12


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def pool(home: str, out: Path, weeks=WEEKS) -> None:
    from trendscope.digest.model import Subscription
    from trendscope.digest.query import SearchQueryScorer
    from trendscope.foundation.clock import week_bounds
    from trendscope.foundation.home import Home
    from trendscope.index.relevance_floor import query_features
    from trendscope.index.search import Searcher
    from trendscope.ingest.store import open_database

    h = Home(Path(home))
    db = open_database(h.db_path)
    searcher = Searcher(db, h)
    scorer = SearchQueryScorer(searcher)
    rows = []
    for q in read_jsonl(QUERIES):
        for week in weeks:
            start, end = week_bounds(week)
            sub = Subscription(name=q["qid"], query=q["query"])
            ranked = [(h.pk, h.score) for h in scorer.ranked(sub, start, end)][:TOP]
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


RULES = {  # candidate floors, chosen on the tuning half
    "phrase": lambda r: r["phrase"],
    "phrase | all words & z>=3 | z>=4": lambda r: r["phrase"] or (r["all_words"] and r["z"] >= 3) or r["z"] >= 4,
    "phrase | all words & z>=2.5 | z>=3.5":
        lambda r: r["phrase"] or (r["all_words"] and r["z"] >= 2.5) or r["z"] >= 3.5,
    "phrase | all words & z>=2 | z>=3.5": lambda r: r["phrase"] or (r["all_words"] and r["z"] >= 2) or r["z"] >= 3.5,
    "phrase | all words | z>=3.5": lambda r: r["phrase"] or r["all_words"] or r["z"] >= 3.5,
    "phrase | z>=3": lambda r: r["phrase"] or r["z"] >= 3,
    "z>=3": lambda r: r["z"] >= 3,
    "cosine>=0.45": lambda r: r["cosine"] >= 0.45,
}


def calibrate(pool_path: Path, qrels_path: Path) -> None:
    """Pick the floor that keeps the most graded-relevant papers at >= 90% precision on the odd queries; report
    it on the even ones (never used to choose)."""
    grades = {(r["qid"], r["id"]): r["grade"] for r in read_jsonl(qrels_path)}
    rows = [{**r, "grade": grades[(r["qid"], r["id"])]} for r in read_jsonl(pool_path)
            if (r["qid"], r["id"]) in grades]
    tune = [r for r in rows if int(r["qid"][1:]) % 2 == 1]
    report = [r for r in rows if int(r["qid"][1:]) % 2 == 0]
    best = None
    for name, keep in RULES.items():
        p, n, rel = _precision(tune, keep)
        print(f"tuning  {name:40} precision {p:.3f} ({rel}/{n} listed)")
        if p >= 0.9 and (best is None or rel > best[2]):
            best = (name, p, rel)
    name = best[0]
    print(f"chosen on the tuning half: {name}")
    for label, part in (("tuning", tune), ("report", report)):
        p, n, rel = _precision(part, RULES[name])
        total_rel = sum(1 for r in part if r["grade"] >= 1)
        p0, n0, _ = _precision(part, lambda r: True)
        weeks = {(r["qid"], r["week"]) for r in part}
        none_rel = [w for w in weeks if not any(r["grade"] >= 1 for r in part if (r["qid"], r["week"]) == w)]
        empty = sum(1 for w in none_rel if not any(RULES[name](r) for r in part if (r["qid"], r["week"]) == w))
        print(f"{label}: listed precision {p:.3f} ({rel}/{n}); {rel} of {total_rel} graded-relevant listed; without "
              f"the floor {p0:.3f} ({n0} listed); {len(none_rel)} query-weeks with nothing relevant, {empty} of them "
              "empty digests")


def check(pool_path: Path, qrels_path: Path, rule: str) -> None:
    """The shipped floor (`rule`, fixed beforehand) on fresh weeks: every query, no choice made here."""
    grades = {(r["qid"], r["id"]): r["grade"] for r in read_jsonl(qrels_path)}
    rows = [{**r, "grade": grades[(r["qid"], r["id"])]} for r in read_jsonl(pool_path)
            if (r["qid"], r["id"]) in grades]
    for label, part in (("odd queries", [r for r in rows if int(r["qid"][1:]) % 2 == 1]),
                        ("even queries", [r for r in rows if int(r["qid"][1:]) % 2 == 0]), ("all", rows)):
        p, n, rel = _precision(part, RULES[rule])
        p0, n0, _ = _precision(part, lambda r: True)
        weeks = {(r["qid"], r["week"]) for r in part}
        none_rel = [w for w in weeks if not any(r["grade"] >= 1 for r in part if (r["qid"], r["week"]) == w)]
        empty = sum(1 for w in none_rel if not any(RULES[rule](r) for r in part if (r["qid"], r["week"]) == w))
        total_rel = sum(1 for r in part if r["grade"] >= 1)
        print(f"fresh weeks, {label}: listed precision {p:.3f} ({rel}/{n}); {rel} of {total_rel} graded-relevant "
              f"listed; without the floor {p0:.3f}; {len(none_rel)} query-weeks with nothing relevant, {empty} empty")


SHIPPED = "phrase | all words & z>=2 | z>=3.5"  # index/relevance_floor.py passes_floor


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("pool")
    a.add_argument("--home", default="/tmp/trendscope-homes/search")
    a.add_argument("--out", type=Path, default=ROOT / "bench/data/digest_query_pool.jsonl")
    a.add_argument("--fresh", action="store_true", help="the fresh weeks (FRESH_WEEKS) instead")
    c = sub.add_parser("calibrate")
    c.add_argument("--pool", type=Path, default=ROOT / "bench/data/digest_query_pool.jsonl")
    c.add_argument("--qrels", type=Path, default=ROOT / "bench/data/digest_query_qrels.jsonl")
    k = sub.add_parser("check", help="the shipped floor on the fresh weeks")
    k.add_argument("--pool", type=Path, default=ROOT / "bench/data/digest_query_pool_fresh.jsonl")
    k.add_argument("--qrels", type=Path, default=ROOT / "bench/data/digest_query_qrels_fresh.jsonl")
    args = ap.parse_args()
    if args.cmd == "check":
        check(args.pool, args.qrels, SHIPPED)
    elif args.cmd == "pool":
        pool(args.home, args.out, FRESH_WEEKS if args.fresh else WEEKS)
    else:
        calibrate(args.pool, args.qrels)


if __name__ == "__main__":
    main()
