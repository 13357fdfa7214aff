"""The vector model's vote on stored tags: which way it leans on firm tags, weak tags and untagged papers.

    .venv/bin/python bench/tag_votes.py --home /tmp/trendscope-homes/full

The vote shown beside a tag ("vector model: +2.9") is the packaged (or the home's) tag model's term for the
paper's vector against its average over the fitting papers outside the trend (`TagModel.vector_reference`). On
a tag the model gives 0.9 or more it should lean for the trend, and on the papers it does not tag it should be
about zero on average. Computed from the home's stored vectors and tag scores; nothing is written.

`--stored` also reads the votes stored with the tags (the evidence lists): on a home tagged before the vote was
measured so, the share of firm tags those votes lean against.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trendscope.foundation.home import Home  # noqa: E402
from trendscope.foundation.wording import vector_vote  # noqa: E402
from trendscope.index.tag_model import load_tag_model  # noqa: E402
from trendscope.index.trend_store import TrendStore  # noqa: E402
from trendscope.index.vector_store import VectorStore  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--stored", action="store_true", help="also the votes stored with the firm tags")
    args = ap.parse_args()
    home = Home(args.home)
    db = open_database(home.db_path)
    vectors = VectorStore(db)
    pks, vecs = vectors.load_all(vectors.model_in_use())
    row = {int(pk): i for i, pk in enumerate(pks)}
    model = load_tag_model(home.root)
    store = TrendStore(db)
    scores = store.scores_for(list(row))
    if args.stored:
        print(f"{'trend':17s} stored votes of the firm tags (>= 0.9): against")
        stored: dict[str, list[float]] = {}
        for pk in row:
            for trend, score, evidence in store.tags_of(pk):
                votes = [v for v in map(vector_vote, evidence) if v is not None]
                if score >= 0.9 and votes:
                    stored.setdefault(trend, []).append(votes[0])
        for trend, votes in sorted(stored.items()):
            print(f"{trend:17s} {np.mean(np.array(votes) < 0):.0%} of {len(votes)}")
    print(f"{len(row)} papers with vectors; model fitted on {model.meta.get('papers')} papers")
    print(f"{'trend':17s} {'firm tags':>9s} {'against':>8s} {'strongly for':>12s} {'tags < 0.7':>10s} {'against':>8s}"
          f" {'untagged mean':>13s}")
    for trend, terms in model.vector_terms(vecs).items():
        reference = model.vector_reference(trend)
        if reference is None:
            print(f"{trend:17s} (the model keeps no reference: no vote is shown)")
            continue
        votes = terms - reference
        tagged = {pk: s[trend] for pk, s in scores.items() if trend in s}
        firm = np.array([votes[row[pk]] for pk, s in tagged.items() if s >= 0.9])
        weak = np.array([votes[row[pk]] for pk, s in tagged.items() if s < 0.7])
        untagged = np.delete(votes, [row[pk] for pk in tagged])
        def share(a, cond):
            return float(np.mean(cond(a))) if len(a) else 0.0
        print(f"{trend:17s} {len(firm):9d} {share(firm, lambda a: a < 0):8.0%} {share(firm, lambda a: a >= 2):12.0%} "
              f"{len(weak):10d} {share(weak, lambda a: a < 0):8.0%} {untagged.mean():+13.2f}")


if __name__ == "__main__":
    main()
