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
ordered by date with no floor, with the floor, and with the floor and a paper's similarity within D standard
deviations of the best one above the floor (D = 1.5 is shipped), then `search --sort date` as shipped. Most of what
a date sort shows lies outside the dev set's graded pool: those pairs were graded blind too
(bench/data/search_date_sort_qrels.jsonl; `--unjudged-out FILE` writes the ones still ungraded). Per half: the
papers shown, relevant (grade >= 1) and not, and relevant minus not relevant, the criterion D was chosen by on the
tuning half (odd queries).
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
# the dev set's graded pool, and the papers that newest first showed outside it, graded blind the same way
SHARES = (0.5, 0.67)  # shares of the query's words tried for papers listed by their similarity alone
DEV_QRELS = (ROOT / "bench/data/search_dev_qrels.jsonl", ROOT / "bench/data/search_date_sort_qrels.jsonl")


def dev_set(searcher, limit: int, unjudged_out: Path | None = None) -> None:
    from trendscope.index.relevance_floor import holds_enough_words, passes_floor, query_features
    from trendscope.index.search import SearchRequest

    queries = read_jsonl(ROOT / "bench/data/search_dev_queries.jsonl")
    grades = {(r["qid"], r["id"]): r["grade"] for path in DEV_QRELS if path.exists() for r in read_jsonl(path)}
    pools = []
    for q in queries:
        pool = searcher.search(SearchRequest(q["query"], limit=100))
        feats = query_features(searcher, q["query"], [h.pk for h in pool], embed_text=q["query"])
        best = max((f["z"] for f in feats.values() if passes_floor(f, words_without_vectors=True)), default=0.0)
        best_words = {share: max((f["z"] for f in feats.values()
                                  if passes_floor(f, words_without_vectors=True) and holds_enough_words(f, share)),
                                 default=0.0) for share in SHARES}
        pools.append((q["qid"], [(h, feats[h.pk], (best, best_words)) for h in pool]))
    settings = {"no floor": lambda f, best: True,
                "the floor": lambda f, best: passes_floor(f, words_without_vectors=True)}
    for d in (1, 1.5, 2, 3):
        settings[f"the floor + within {d} sd of the best"] = (
            lambda f, best, d=d: passes_floor(f, words_without_vectors=True)
            and (f["phrase"] or f["z"] >= best[0] - d))
    for share in (0.25, 0.34, 0.5, 0.67):  # a paper listed for its similarity alone holds this share of the words
        settings[f"the floor + within 1.5 sd + {share:.0%} of the words"] = (
            lambda f, best, share=share: passes_floor(f, words_without_vectors=True)
            and (f["phrase"] or f["z"] >= best[0] - 1.5) and holds_enough_words(f, share))
    for share in SHARES:  # the same, the best taken among the papers that hold that share of the words
        for d in (1.5, 2, 2.5, 3, 4, 99):
            settings[f"the floor + {share:.0%} of the words + within {d} sd of the best of those"] = (
                lambda f, best, d=d, share=share: passes_floor(f, words_without_vectors=True)
                and holds_enough_words(f, share) and (f["phrase"] or f["z"] >= best[1][share] - d))
    shipped = {q["qid"]: searcher.search(SearchRequest(q["query"], sort="date", limit=limit)) for q in queries}
    settings["as shipped: search --sort date"] = None
    unjudged: dict[tuple[str, str], set[str]] = {}
    for name, keep in settings.items():
        halves = {"tuning": [0, 0, 0], "report": [0, 0, 0]}  # shown, graded, relevant
        for qid, pool in pools:
            kept = shipped[qid] if keep is None else sorted(
                (h for h, f, best in pool if keep(f, best)), key=lambda h: (h.published or "", h.pk),
                reverse=True)[:limit]
            for h in kept:
                if (qid, h.id) not in grades:
                    unjudged.setdefault((qid, h.id), set()).add(name)
            g = [grades[(qid, h.id)] for h in kept if (qid, h.id) in grades]
            half = halves["tuning" if int(qid[1:]) % 2 else "report"]
            for i, n in enumerate((len(kept), len(g), sum(x >= 1 for x in g))):
                half[i] += n
        shown, judged, relevant = (sum(h[i] for h in halves.values()) for i in range(3))
        print(f"all dates, {name}: {shown} shown in {len(pools)} lists, {judged} graded, {relevant} relevant "
              f"({relevant / max(judged, 1):.0%} of the graded); {shown - judged} unjudged")
        for half, (n, j, r) in halves.items():
            print(f"    {half} half: {n} shown, {r} relevant, {j - r} graded not relevant, {n - j} unjudged; "
                  f"relevant minus not relevant {r - (j - r)}")
    if unjudged_out is not None:
        with unjudged_out.open("w", encoding="utf-8") as fh:
            for (qid, pid), names in sorted(unjudged.items()):
                fh.write(json.dumps({"qid": qid, "id": pid, "systems": sorted(names)}) + "\n")
        print(f"{len(unjudged)} unjudged (query, paper) pairs written to {unjudged_out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True)
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--dev-set", action="store_true", help="newest first over all dates on the search dev set")
    ap.add_argument("--unjudged-out", type=Path, help="with --dev-set: write the shown pairs nobody graded (a pool "
                    "for bench/search_dev_grading.py batches)")
    args = ap.parse_args()

    from trendscope.foundation.clock import week_bounds
    from trendscope.foundation.home import Home
    from trendscope.index.search import Searcher, SearchRequest
    from trendscope.ingest.store import open_database

    home = Home(Path(args.home))
    searcher = Searcher(open_database(home.db_path), home)
    if args.dev_set:
        dev_set(searcher, args.limit, args.unjudged_out)
        return
    grades = {(r["qid"], r["id"]): r["grade"] for path in QRELS for r in read_jsonl(path)}
    from trendscope.index.relevance_floor import Z_FROM_BEST

    totals = {}
    for name, floor, from_best in (("without the floor", False, None), ("with the floor", True, None),
                                   (f"with the floor, within {Z_FROM_BEST} sd of the best (shipped)", True,
                                    Z_FROM_BEST)):
        searcher.date_floor, searcher.date_floor_from_best = floor, from_best
        shown = judged = relevant = empty = lists = 0
        for q in read_jsonl(QUERIES):
            for week in (*WEEKS, *FRESH_WEEKS):
                start, end = week_bounds(week)
                hits = searcher.search(SearchRequest(query=q["query"], sort="date", since=start.isoformat(),
                                                     until=end.isoformat(), limit=args.limit))
                g = [grades[(q["qid"], h.id)] for h in hits if (q["qid"], h.id) in grades]
                shown, judged, relevant = shown + len(hits), judged + len(g), relevant + sum(x >= 1 for x in g)
                empty, lists = empty + (not hits), lists + 1
        totals[name] = {"shown": shown, "judged": judged, "relevant": relevant, "empty_lists": empty}
        print(f"{name}: {shown} papers shown in {lists} lists ({empty} empty), "
              f"{judged} graded, {relevant} of them relevant "
              f"({relevant / max(judged, 1):.0%}); {shown - judged} unjudged")
    print(json.dumps(totals))


if __name__ == "__main__":
    main()
