"""How good is "New for you"? Simulated readers built from the blind-graded search dev set.

Each reader is one dev query's topic (bench/data/search_dev_queries.jsonl): the reader keeps the older half of
the papers graded 2 ("highly relevant") for it; the candidates are every paper of the search-dev home published
in the two years after the newest kept paper. A method ranks the candidates; precision@10 counts the top 10
papers the blind readers graded 1 or 2 for that topic (bench/data/search_dev_qrels.jsonl: graded before this
recommender existed; bench/data/for_you_qrels.jsonl: the papers the methods ranked that the dev set had not
judged, graded afterwards the same way by two blind readers who saw only the topic, rubric, title and abstract,
kappa 0.951, disagreements at the lower grade). Papers still unjudged count as not relevant; the share of the
top 10 that was judged is reported with them.

    .venv/bin/python bench/for_you_eval.py --home /tmp/trendscope-homes/search   # bench/build_search_home.py

Methods: `svm` (what the app runs: reading.for_you.svm_scores), `nearest` (best cosine to a kept paper, as the
reading-list recommender does), `newest` (the fallback: newest first).

`--mixed`: readers of two interests (written down 2026-12-06 before any ranking for them existed). Within each
half (odd qids: tuning), the qualifying queries in order are paired with the next one (A, B). The reader's day
is T, the later of the two topics' own cutoffs (above); they keep every grade-2 paper of A and of B published by
T that is not graded relevant for the other topic ("all"), or all of A's and only the 3 newest of B's ("side":
a side interest); the candidates are the papers of the two years after T. A pair counts only when each topic
keeps at least 3 papers and has at least 3 papers graded relevant among the candidates (known from the grades,
not from any ranking). Reported per half and variant: precision@10 on either topic, the places of the topic
with fewer (of B in "side"), and how many readers get at least 2 places for each topic. Choose on the tuning
half; run the report half once for the ranking before and the one chosen. `--unjudged FILE` writes the (query,
paper) pairs of the top 10s that no grade covers, for blind grading (bench/search_dev_grading.py).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from trendscope.index.vector_store import VectorStore
    from trendscope.ingest.paper_reads import PaperFilter, PaperReads
    from trendscope.ingest.store import open_database
    from trendscope.reading.for_you import ranked as for_you_ranked
    from trendscope.reading.for_you import svm_scores

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default="/tmp/trendscope-homes/search")
    ap.add_argument("--min-kept", type=int, default=4)
    ap.add_argument("--years", type=float, default=2.0)
    ap.add_argument("--out", help="write per-reader rows as JSON here")
    ap.add_argument("--extra-qrels", default=str(ROOT / "bench/data/for_you_qrels.jsonl"),
                    help="grades of the papers the methods ranked that the dev set had not judged ('' for none)")
    ap.add_argument("--mixed", action="store_true", help="readers of two interests (see above)")
    ap.add_argument("--methods", nargs="*", help="the two-interest rankings to run (default: all)")
    ap.add_argument("--half", choices=("tune", "report"), help="with --mixed: one half only")
    ap.add_argument("--unjudged", type=Path, help="with --mixed: write the (query, paper) pairs not graded yet")
    args = ap.parse_args()
    db = open_database(Path(args.home) / "trendscope.db")
    reads, vs = PaperReads(db), VectorStore(db)
    model = vs.model_in_use()
    qrels: dict[str, dict[str, int]] = {}
    for line in (ROOT / "bench/data/search_dev_qrels.jsonl").read_text().splitlines():
        r = json.loads(line)
        qrels.setdefault(r["qid"], {})[r["id"]] = r["grade"]
    kept_from = {q: dict(g) for q, g in qrels.items()}  # who is kept comes from the dev set only
    if args.extra_qrels and Path(args.extra_qrels).exists():
        for line in Path(args.extra_qrels).read_text().splitlines():
            r = json.loads(line)
            qrels.setdefault(r["qid"], {}).setdefault(r["id"], r["grade"])
    query_lines = (ROOT / "bench/data/search_dev_queries.jsonl").read_text().splitlines()
    queries = {json.loads(x)["qid"]: json.loads(x) for x in query_lines}
    if args.mixed:
        if MIXED_QRELS.exists():
            for line in MIXED_QRELS.read_text().splitlines():
                r = json.loads(line)
                qrels.setdefault(r["qid"], {}).setdefault(r["id"], r["grade"])
        return mixed_main(reads, vs, model, queries, kept_from, qrels, args)
    rows = []
    for qid, grades in sorted(qrels.items()):
        rel2 = reads.rows_by_ids([i for i, g in kept_from.get(qid, {}).items() if g == 2])
        dated = sorted((r.published, r.id) for r in rel2.values() if r.published)
        if len(dated) < 2 * args.min_kept:
            continue
        kept = [i for _, i in dated[: len(dated) // 2]]
        cutoff = dated[len(dated) // 2 - 1][0][:10]
        end = (date.fromisoformat(cutoff) + timedelta(days=int(365 * args.years))).isoformat()
        cand = [int(p) for p in reads.filtered_pks(PaperFilter(since=(date.fromisoformat(cutoff) + timedelta(days=1))
                                                               .isoformat(), until=end))]
        kept_pks = list(reads.pks_of(kept).values())
        pos = vs.get(kept_pks, model)
        cv = vs.get(cand, model)
        cand = [p for p in cand if p in cv and p not in pos]
        if not cand or not pos:
            continue
        ids = reads.ids_of(cand)
        px, cx = np.stack([pos[p] for p in sorted(pos)]), np.stack([cv[p] for p in cand])
        published = {pk: r.published for pk, r in reads.rows(cand).items()}
        ranked = {
            "svm": [cand[i] for i in np.argsort(-svm_scores(px, cx), kind="stable")[:10]],
            **{name: [cand[i] for i in for_you_ranked(px, cx, limit=10, **kw).top]
               for name, kw in MIXED_METHODS.items() if name != "svm" and (not args.methods or name in args.methods)},
            "nearest": [cand[i] for i in np.argsort(-(cx @ px.T).max(axis=1), kind="stable")[:10]],
            "newest": sorted(cand, key=lambda p: (published[p] or "", p), reverse=True)[:10],
        }
        row = {"qid": qid, "topic": queries[qid]["query"], "kept": len(kept_pks), "candidates": len(cand),
               "relevant_candidates": sum(1 for p in cand if grades.get(ids[p], 0) >= 1)}
        for m, top in ranked.items():
            row[f"{m}_p10"] = sum(1 for p in top if grades.get(ids[p], 0) >= 1) / 10
            row[f"{m}_judged"] = sum(1 for p in top if ids[p] in grades) / 10
            row[f"{m}_top"] = [ids[p] for p in top]
        rows.append(row)
        print(f"{qid} {row['topic'][:40]:40} kept {row['kept']:2d} cand {row['candidates']:5d} "
              + " ".join(f"{m} {row[m + '_p10']:.1f}/{row[m + '_judged']:.1f}" for m in ranked))
    summary = {m: {"p10_mean": round(statistics.mean(r[f"{m}_p10"] for r in rows), 3),
                   "judged_mean": round(statistics.mean(r[f"{m}_judged"] for r in rows), 3)}
               for m in ranked}
    print(json.dumps({"readers": len(rows), "summary": summary}, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))


MIXED_QRELS = ROOT / "bench/data/for_you_mixed_qrels.jsonl"  # two-interest readers' papers outside the grades
MIXED_METHODS = {  # name -> keyword arguments of reading.for_you.ranked
    "svm": {"similarity": None},
    **{f"topic_svms0.5_min{m}": {"similarity": 0.5, "per_topic": True, "min_score": m} for m in (-0.25, 0.0, 0.25)},
    **{f"places{t}": {"similarity": t, "per_topic": False} for t in (0.3, 0.4, 0.5, 0.6)},
    **{f"topic_svms{t}": {"similarity": t, "per_topic": True, "stray_whole": False} for t in (0.3, 0.4, 0.5, 0.6)},
    **{f"topic_svms{t}w": {"similarity": t, "per_topic": True, "stray_whole": True} for t in (0.4, 0.5, 0.6)},
}


def mixed_readers(reads, kept_from: dict, qrels: dict, queries: dict, min_kept: int, years: float):
    """(half, variant, A, B, kept ids, candidate window (since, until)) per qualifying pair; see the docstring."""
    from search_dev_eval import half_of

    from trendscope.ingest.paper_reads import PaperFilter

    dated = {}
    for qid in queries:
        rel2 = reads.rows_by_ids([i for i, g in kept_from.get(qid, {}).items() if g == 2])
        d = sorted((r.published[:10], r.id) for r in rel2.values() if r.published)
        if len(d) >= 2 * min_kept:
            dated[qid] = d
    out = []
    for half in ("tune", "report"):
        qids = [q for q in sorted(dated) if half_of(q) == half]
        for i, a in enumerate(qids):
            b = qids[(i + 1) % len(qids)]
            cut = max(dated[a][len(dated[a]) // 2 - 1][0], dated[b][len(dated[b]) // 2 - 1][0])
            keep_a = [i for d, i in dated[a] if d <= cut and qrels[b].get(i, 0) == 0]
            keep_b = [i for d, i in dated[b] if d <= cut and qrels[a].get(i, 0) == 0]
            since = (date.fromisoformat(cut) + timedelta(days=1)).isoformat()
            until = (date.fromisoformat(cut) + timedelta(days=int(365 * years))).isoformat()
            window = {r.id for r in reads.rows(reads.filtered_pks(PaperFilter(since=since, until=until))).values()}
            rel_a = sum(1 for p, g in qrels[a].items() if g >= 1 and p in window)
            rel_b = sum(1 for p, g in qrels[b].items() if g >= 1 and p in window)
            if min(len(keep_a), len(keep_b)) < 3 or min(rel_a, rel_b) < 3:
                continue
            out.append((half, "all", a, b, keep_a + keep_b, (since, until)))
            out.append((half, "side", a, b, keep_a + keep_b[-3:], (since, until)))
    return out


def mixed_main(reads, vs, model, queries: dict, kept_from: dict, qrels: dict, args) -> None:
    from trendscope.ingest.paper_reads import PaperFilter
    from trendscope.reading.for_you import ranked

    readers = [r for r in mixed_readers(reads, kept_from, qrels, queries, args.min_kept, args.years)
               if args.half in (None, r[0])]
    res: dict = {}
    shown: dict = {}
    unjudged: dict = {}
    boundary: dict = {}  # (half, method, "below" | "at or above") -> each shown pick: relevant to either interest
    for half, variant, a, b, kept, (since, until) in readers:
        kept_pks = list(reads.pks_of(kept).values())
        cand = [int(p) for p in reads.filtered_pks(PaperFilter(since=since, until=until))]
        pos, cv = vs.get(kept_pks, model), vs.get(cand, model)
        cand = [p for p in cand if p in cv and p not in pos]
        ids = reads.ids_of(cand)
        px, cx = np.stack([pos[p] for p in kept_pks if p in pos]), np.stack([cv[p] for p in cand])
        for name, kw in MIXED_METHODS.items():
            if args.methods and name not in args.methods:
                continue
            ranking = ranked(px, cx, limit=10, **kw)
            top = ranking.top
            recs = [ids[cand[i]] for i in top]
            for i, r in zip(top, recs):  # the feed marks picks below the SVM's boundary (score < 0) as weaker
                side = "at or above" if ranking.scores[i] >= 0 else "below"
                boundary.setdefault((half, name, side), []).append(
                    qrels[a].get(r, 0) >= 1 or qrels[b].get(r, 0) >= 1)
            on_a = sum(1 for r in recs if qrels[a].get(r, 0) >= 1)
            on_b = sum(1 for r in recs if qrels[b].get(r, 0) >= 1)
            either = sum(1 for r in recs if qrels[a].get(r, 0) >= 1 or qrels[b].get(r, 0) >= 1)
            judged = sum(1 for r in recs if r in qrels[a] and r in qrels[b])
            shown.setdefault((half, variant, name), []).append((len(recs), either / max(len(recs), 1)))
            for pair in ((q, r) for r in recs for q, other in ((a, b), (b, a))
                         if r not in qrels[q] and qrels[other].get(r, 0) == 0):
                unjudged.setdefault(pair, []).append(name)
            small = on_b if variant == "side" else min(on_a, on_b)
            res.setdefault((half, variant, name), []).append((either / 10, small, min(on_a, on_b) >= 2, judged / 10))
    print(f"{len(readers) // 2} pairs")
    for (half, variant, name), v in sorted(res.items()):
        print(f"{half:6} {variant:4} {name:14} on topic {np.mean([x[0] for x in v]):.3f}  "
              f"{'side' if variant == 'side' else 'smaller'} topic's places {np.mean([x[1] for x in v]):.2f}  "
              f"both >= 2: {sum(x[2] for x in v)}/{len(v)}  judged {np.mean([x[3] for x in v]):.2f}  "
              f"shown {np.mean([x[0] for x in shown[(half, variant, name)]]):.1f}, "
              f"precision {np.mean([x[1] for x in shown[(half, variant, name)]]):.3f}")
    for (half, name, side), v in sorted(boundary.items()):
        print(f"{half:6} {name:14} picks {side} the boundary: {len(v)}, relevant {np.mean(v):.3f}")
    if args.unjudged:
        with args.unjudged.open("w") as f:
            for (qid, pid), systems in sorted(unjudged.items()):
                f.write(json.dumps({"qid": qid, "id": pid, "systems": sorted(set(systems))}) + "\n")
        print(f"{len(unjudged)} (query, paper) pairs not graded -> {args.unjudged}")


if __name__ == "__main__":
    main()
