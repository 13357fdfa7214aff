"""Reading-list recommendations: does the closeness floor keep the papers about a list and drop the rest?

The lists are those of bench/list_recs_eval.py (5 grade-2 papers of a blind search dev-set query, and the same
with a stray paper of the next query). For each list the product's floor is computed as `trendscope lists
recommend` computes it (`reading.list_closeness`: a fixed sample of stored papers sets the list's scale), then every
paper graded for the query (not in the list) and 300 random papers of the home that no reader graded for it are
scored as the recommender scores candidates. Printed per half: the share of the papers graded relevant (1 or 2),
of those graded 2, of those graded 0 (the pool: papers some search ranked high for the query) and of the random
papers that pass the floor. A random paper is about a dev query seldom (each query has 10-60 relevant papers among
the home's 22,423), so their share is close to the share of unrelated papers a narrow window would mark close.

`--tune` prints, on the tuning half (odd queries) only, the z-score (standard deviations above the background's
mean) that keeps 95% of the relevant papers: `Z_CLOSE` was set to it, rounded to one decimal, before the report
half was run.

    .venv/bin/python bench/list_closeness_eval.py --home /tmp/trendscope-homes/search [--tune]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from list_recs_eval import EXTRA_QRELS, MIXED_QRELS, home_vectors, lists_from  # noqa: E402
from search_dev_eval import half_of, load_dev  # noqa: E402

from trendscope.reading import list_closeness  # noqa: E402
from trendscope.reading.list_topics import list_topics  # noqa: E402
from trendscope.reading.recommend import ranking_scores  # noqa: E402

RANDOM_PER_LIST = 300


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--tune", action="store_true", help="print the tuning half's z that keeps 95%% of relevant papers")
    args = ap.parse_args()
    db, pks, vecs, ids, row = home_vectors(args.home)
    pk_row = {int(pk): i for i, pk in enumerate(pks)}
    bounds = db.execute("SELECT min(pk), max(pk) FROM papers").fetchone()
    background = vecs[[pk_row[pk] for pk in list_closeness.background_sample(bounds) if pk in pk_row]]
    queries, qrels = load_dev()
    lists = lists_from(queries, qrels, set(row))
    for path in (EXTRA_QRELS, MIXED_QRELS):
        for line in path.open(encoding="utf-8"):
            r = json.loads(line)
            qrels[r["qid"]].setdefault(r["id"], int(r["grade"]))
    rng = np.random.default_rng(7)
    kept: dict[tuple[str, str], list[bool]] = {}
    z_relevant: list[float] = []
    for qid, *variants in lists:
        half = half_of(qid)
        for members in variants:
            q = vecs[[row[m] for m in members]]
            topics = list_topics(q)
            bg = ranking_scores(q, background, topics).astype(np.float64)
            floor = list_closeness.close_floor(lambda v, q=q, topics=topics: ranking_scores(q, v, topics), background)
            graded = [p for p in qrels[qid] if p in row and p not in members]
            rand = [ids[i] for i in rng.choice(len(ids), RANDOM_PER_LIST, replace=False)
                    if ids[i] not in qrels[qid] and ids[i] not in members]
            scores = ranking_scores(q, vecs[[row[p] for p in graded + rand]], topics)
            for p, s in zip(graded + rand, scores, strict=True):
                g = qrels[qid].get(p)
                kinds = ["random"] if g is None else (["relevant", "grade 2"] if g == 2 else
                                                      ["relevant"] if g == 1 else ["graded 0"])
                for kind in kinds:
                    kept.setdefault((half, kind), []).append(bool(s >= floor))
                if g and half == "tune":
                    z_relevant.append(float((s - bg.mean()) / bg.std()))
    print(f"{len(lists)} queries' lists (each with and without a stray paper); Z_CLOSE {list_closeness.Z_CLOSE}, "
          f"background {len(background)} papers")
    for half in ("tune", "report"):
        parts = [f"{kind} {np.mean(kept[(half, kind)]):.3f} of {len(kept[(half, kind)])}"
                 for kind in ("relevant", "grade 2", "graded 0", "random")]
        print(f"{half:6} passing the floor: " + ", ".join(parts))
    if args.tune:
        print(f"tuning half: z keeping 95% of relevant papers {np.percentile(z_relevant, 5):.3f}")


if __name__ == "__main__":
    main()
