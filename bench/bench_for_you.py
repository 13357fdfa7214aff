""""New for you" ranking time: one SVM over every kept paper against one SVM per interest
(`reading.for_you.ranked`), over a 30-day window of a large home's stored vectors.

The reader keeps `--interests` groups of `--per-interest` papers: each group a random stored paper and its
nearest stored papers (so the groups are real subjects), drawn outside the window. Read-only: nothing is written.

    .venv/bin/python bench/bench_for_you.py --home /tmp/trendscope-homes/full --interests 3 --per-interest 5

The window is the 30 days ending at the newest paper that has a vector (a home still being embedded has none
for its newest papers), so the figure is for as many candidates as such a month holds.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True)
    ap.add_argument("--interests", type=int, default=3)
    ap.add_argument("--per-interest", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from trendscope.foundation.home import Home
    from trendscope.index.vector_store import VectorStore
    from trendscope.ingest.paper_reads import PaperFilter, PaperReads
    from trendscope.ingest.store import open_database
    from trendscope.reading.for_you import ranked

    db = open_database(Home.resolve(args.home).db_path)
    reads, vs = PaperReads(db), VectorStore(db)
    model = vs.model_in_use()
    t0 = time.perf_counter()
    pks, mat = vs.load_all(model)
    stored = dict(zip(pks.tolist(), range(len(pks)), strict=True))
    newest = max(r.published for r in reads.rows(pks.tolist()).values() if r.published)[:10]
    since = (date.fromisoformat(newest) - timedelta(days=29)).isoformat()
    window = [int(p) for p in reads.filtered_pks(PaperFilter(since=since)) if int(p) in stored]
    cx = mat[[stored[p] for p in window]]
    print(f"{len(pks):,} stored vectors read in {time.perf_counter() - t0:.1f} s; window {since}..{newest}: "
          f"{len(window):,} candidates")
    rng = np.random.default_rng(args.seed)
    outside = np.setdiff1d(np.arange(len(pks)), [stored[p] for p in window])
    kept = []
    for seed_row in rng.choice(outside, args.interests, replace=False):
        sims = mat[outside] @ mat[seed_row]
        kept.extend(outside[np.argsort(-sims)[: args.per_interest]].tolist())
    px = mat[kept]
    for name, kw in (("one SVM", {"similarity": None}), ("an SVM per interest (shipped)", {})):
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            interests = ranked(px, cx, limit=10, **kw).interests
            times.append(time.perf_counter() - t)
        print(f"{name}: {interests} interest(s), {min(times):.2f}-{max(times):.2f} s over {args.repeats} runs")


if __name__ == "__main__":
    main()
