"""Newest first in a one-week window: does the relevance floor keep the date-sorted list about the query?

The saved-search set of bench/digest_query_eval.py (10 queries with rubrics written before any output was seen;
the top 12 hybrid papers of each query in 8 weeks graded 0/1/2 by two blind readers) asks the question a date sort
in a narrow window asks: which of the week's papers are about the query at all. For each query and week,
`Searcher.search(sort="date", since=week start, until=week end)` is run with the floor (as shipped) and without
it (the relevance pool ordered by date); the shown papers are looked up in the graded pool.

    .venv/bin/python bench/date_sort_eval.py --home /tmp/trendscope-homes/search [--limit 10]

Reported per setting: papers shown, how many were graded, and the share of graded ones that are relevant (grade
>= 1). A paper outside the graded top 12 is counted as unjudged, not as irrelevant.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True)
    ap.add_argument("--limit", type=int, default=10)
    args = ap.parse_args()

    from trendscope.foundation.clock import week_bounds
    from trendscope.foundation.home import Home
    from trendscope.index.search import Searcher, SearchRequest
    from trendscope.ingest.store import open_database

    grades = {(r["qid"], r["id"]): r["grade"] for path in QRELS for r in read_jsonl(path)}
    home = Home(Path(args.home))
    searcher = Searcher(open_database(home.db_path), home)
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
