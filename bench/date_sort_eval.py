"""Newest first in a one-week window: does the relevance floor keep the date-sorted list about the query?

The saved-search set of bench/digest_query_eval.py (10 queries with rubrics written before any output was seen;
the top 12 hybrid papers of each query in 8 weeks graded 0/1/2 by two blind readers) asks the question a date sort
in a narrow window asks: which of the week's papers are about the query at all. For each query and week,
`Searcher.search(sort="date", since=week start, until=week end)` is run with the floor (as shipped) and without
it (the relevance pool ordered by date); the shown papers are looked up in the graded pool.

    .venv/bin/python bench/date_sort_eval.py --home /tmp/trendscope-homes/search [--limit 10]

Reported per setting: papers shown, how many were graded, and the share of graded ones that are relevant (grade
>= 1). A paper outside the graded top 12 is counted as unjudged, not as irrelevant.

`--dev-set` asks the other question, newest first over all dates: the 72 queries of the blind search dev set
(bench/data/search_dev_queries.jsonl, graded pool of three systems' top 20), each query's relevance pool of 100
ordered by date with no floor, with the shipped floor, and with a relative floor tried on top of it (a paper's
similarity within D standard deviations of the pool's best one). Most of what a date sort shows lies outside
that graded pool, so the unjudged count matters as much as the share.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.digest_query_eval import FRESH_WEEKS, QUERIES, WEEKS, read_jsonl  # noqa: E402

QRELS = (ROOT / "bench/data/digest_query_qrels.jsonl", ROOT / "bench/data/digest_query_qrels_fresh.jsonl")


def dev_set(searcher, limit: int) -> None:
    from trendscope.index.relevance_floor import passes_floor, query_features
    from trendscope.index.search import SearchRequest

    queries = read_jsonl(ROOT / "bench/data/search_dev_queries.jsonl")
    grades = {(r["qid"], r["id"]): r["grade"] for r in read_jsonl(ROOT / "bench/data/search_dev_qrels.jsonl")}
    pools = []
    for q in queries:
        pool = searcher.search(SearchRequest(q["query"], limit=100))
        feats = query_features(searcher, q["query"], [h.pk for h in pool], embed_text=q["query"])
        best = max((f["z"] for f in feats.values()), default=0.0)
        pools.append((q["qid"], [(h, feats[h.pk], best) for h in pool]))
    settings = {"no floor": lambda f, best: True,
                "the shipped floor": lambda f, best: passes_floor(f, words_without_vectors=True)}
    for d in (2, 3):
        settings[f"shipped + within {d} sd of the best"] = (
            lambda f, best, d=d: passes_floor(f, words_without_vectors=True) and f["z"] >= best - d)
    for name, keep in settings.items():
        shown = judged = relevant = 0
        for qid, pool in pools:
            kept = sorted((h for h, f, best in pool if keep(f, best)), key=lambda h: (h.published or "", h.pk),
                          reverse=True)[:limit]
            g = [grades[(qid, h.id)] for h in kept if (qid, h.id) in grades]
            shown, judged, relevant = shown + len(kept), judged + len(g), relevant + sum(x >= 1 for x in g)
        print(f"all dates, {name}: {shown} shown in {len(pools)} lists, {judged} graded, {relevant} relevant "
              f"({relevant / max(judged, 1):.0%} of the graded); {shown - judged} unjudged")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True)
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--dev-set", action="store_true", help="newest first over all dates on the search dev set")
    args = ap.parse_args()

    from trendscope.foundation.clock import week_bounds
    from trendscope.foundation.home import Home
    from trendscope.index.search import Searcher, SearchRequest
    from trendscope.ingest.store import open_database

    home = Home(Path(args.home))
    searcher = Searcher(open_database(home.db_path), home)
    if args.dev_set:
        dev_set(searcher, args.limit)
        return
    grades = {(r["qid"], r["id"]): r["grade"] for path in QRELS for r in read_jsonl(path)}
    totals = {}
    for floor in (False, True):
        searcher.date_floor = floor
        shown = judged = relevant = empty = lists = 0
        for q in read_jsonl(QUERIES):
            for week in (*WEEKS, *FRESH_WEEKS):
                start, end = week_bounds(week)
                hits = searcher.search(SearchRequest(query=q["query"], sort="date", since=start.isoformat(),
                                                     until=end.isoformat(), limit=args.limit))
                g = [grades[(q["qid"], h.id)] for h in hits if (q["qid"], h.id) in grades]
                shown, judged, relevant = shown + len(hits), judged + len(g), relevant + sum(x >= 1 for x in g)
                empty, lists = empty + (not hits), lists + 1
        totals[floor] = {"shown": shown, "judged": judged, "relevant": relevant, "empty_lists": empty}
        print(f"{'with' if floor else 'without'} the floor: {shown} papers shown in {lists} lists ({empty} empty), "
              f"{judged} graded, {relevant} of them relevant "
              f"({relevant / max(judged, 1):.0%}); {shown - judged} unjudged")
    print(json.dumps(totals))


if __name__ == "__main__":
    main()
