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
    from trendscope.reading.for_you import svm_scores

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default="/tmp/trendscope-homes/search")
    ap.add_argument("--min-kept", type=int, default=4)
    ap.add_argument("--years", type=float, default=2.0)
    ap.add_argument("--out", help="write per-reader rows as JSON here")
    ap.add_argument("--extra-qrels", default=str(ROOT / "bench/data/for_you_qrels.jsonl"),
                    help="grades of the papers the methods ranked that the dev set had not judged ('' for none)")
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
               for m in ("svm", "nearest", "newest")}
    print(json.dumps({"readers": len(rows), "summary": summary}, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
