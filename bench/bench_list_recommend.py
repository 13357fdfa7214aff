"""Reading-list recommendation latency on a full-corpus home: brute force (every stored vector) vs the
FAISS cache (`index.list_nearest`), for a list of N random indexed papers, plus the overlap of the two
answers (1.0 with an exact index; an IVF index is approximate).

Needs a home with vectors and a FAISS index (e.g. the one bench/bench_search.py builds). It writes a
reading list, so point it at a copy:

    cp /tmp/ts-bench-full/trendscope.db /tmp/rec-bench/ && ln -s /tmp/ts-bench-full/index /tmp/rec-bench/index
    .venv/bin/python bench/bench_list_recommend.py --home /tmp/rec-bench --size 10 --repeats 3
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--size", type=int, default=10, help="papers in the list")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--since", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from trendscope.foundation.home import Home
    from trendscope.index.list_nearest import faiss_nearest
    from trendscope.index.search import Searcher
    from trendscope.ingest.store import open_database
    from trendscope.reading.lists import ReadingLists

    home = Home.resolve(args.home)
    db = open_database(home.db_path)
    rl = ReadingLists(db)
    name = f"bench-{args.size}-{args.seed}"
    if not rl.exists(name):
        rl.create(name)
        pks = [r[0] for r in db.execute("SELECT pk FROM embeddings")]
        pick = np.random.default_rng(args.seed).choice(pks, size=args.size, replace=False)
        ids = [r[0] for r in db.execute(f"SELECT id FROM papers WHERE pk IN ({','.join(map(str, pick))})")]
        rl.add(name, ids)

    def timed(fn):
        times, out = [], None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return out, times

    brute, t_brute = timed(lambda: rl.recommend(name, limit=args.limit, since=args.since))
    # CLI-like: a fresh Searcher each call (index file read every time)
    fast, t_cold = timed(lambda: rl.recommend(name, limit=args.limit, since=args.since,
                                              nearest=faiss_nearest(db, home)))
    # app-like: one Searcher whose index stays loaded
    searcher = Searcher(db, home)
    searcher.vector_index()
    _, t_warm = timed(lambda: rl.recommend(name, limit=args.limit, since=args.since,
                                           nearest=faiss_nearest(db, home, searcher)))
    b_ids, f_ids = [r.arxiv_id for r in brute.items], [r.arxiv_id for r in fast.items]
    same_scores = all(abs(a.score - b.score) < 1e-5 and a.because_id == b.because_id
                      for a, b in zip(brute.items, fast.items) if a.arxiv_id == b.arxiv_id)
    meta = searcher.vector_index().meta
    print(
        f"corpus vectors {searcher.vector_index().ntotal:,}, index {meta.kind} nlist {meta.nlist} nprobe {meta.nprobe}"
    )
    print(f"list {name!r}: {args.size} papers, limit {args.limit}, since {args.since}")
    fmt = lambda ts: ", ".join(f"{t:.3f}" for t in ts)  # noqa: E731
    print(f"brute force          s: {fmt(t_brute)}  (method {brute.method})")
    print(f"faiss, index loaded per call (CLI) s: {fmt(t_cold)}  (method {fast.method})")
    print(f"faiss, index kept (app)          s: {fmt(t_warm)}")
    print(f"overlap of top {args.limit}: {len(set(b_ids) & set(f_ids))}/{len(b_ids)}; same order: {b_ids == f_ids}; "
          f"scores/reasons equal where ids match: {same_scores}")


if __name__ == "__main__":
    main()
