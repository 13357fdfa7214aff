"""Dev loop for the trend tagger: rule scores on the labelled dev set, per-trend P/R/F1, threshold sweep.

Usage: .venv/bin/python bench/tagger_dev.py [--vectors /tmp/tsdev/dev_vecs.npy] [--sweep] [--errors TREND]
The dev set is only read here to measure; nothing from it is written into the package.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from trendscope.index.tagger import Tagger  # noqa: E402
from trendscope.index.taxonomy import load_taxonomy  # noqa: E402
from trendscope.index.weak_model import load_packaged_model  # noqa: E402

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "trend_dev_set.jsonl"


def prf(pred: set, gold: set) -> tuple[float, float, float]:
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", default=None)
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--errors", default=None)
    ap.add_argument("--no-model", action="store_true")
    args = ap.parse_args()
    rows = [json.loads(line) for line in DEV.open()]
    tax = load_taxonomy()
    model = None if args.no_model else load_packaged_model()
    tagger = Tagger(tax, model)
    vecs = np.load(args.vectors) if args.vectors else None
    scores = {t: np.zeros(len(rows)) for t in tax.names}
    evid = {}
    for i, r in enumerate(rows):
        v = vecs[i] if vecs is not None else None
        for tag in tagger.score(r["title"], r["abstract"], v, r.get("categories", [])):
            scores[tag.trend][i] = tag.score
            evid[(i, tag.trend)] = tag.evidence
    halves = [np.arange(len(rows)) % 2 == 0, np.arange(len(rows)) % 2 == 1]
    f1s, f1h = [], [[], []]
    for t in tax.names:
        gold = {i for i, r in enumerate(rows) if t in r["labels"]}
        thr = tax.get(t).threshold
        pred = {i for i in range(len(rows)) if scores[t][i] >= thr}
        p, rc, f = prf(pred, gold)
        f1s.append(f)
        hs = []
        for h, mask in enumerate(halves):
            idx = set(np.flatnonzero(mask))
            hf = prf(pred & idx, gold & idx)[2]
            f1h[h].append(hf)
            hs.append(hf)
        line = (
            f"{t:18s} P={p:.3f} R={rc:.3f} F1={f:.3f}  halves {hs[0]:.3f}/{hs[1]:.3f}  n={len(gold)} pred={len(pred)}"
        )
        if args.sweep:
            best = max((prf({i for i in range(len(rows)) if scores[t][i] >= th}, gold)[2], th)
                        for th in np.arange(0.05, 0.96, 0.025))
            line += f"  best F1={best[0]:.3f}@{best[1]:.3f}"
        print(line)
        if args.errors == t:
            for i, r in enumerate(rows):
                if (i in pred) != (i in gold):
                    kind = "FP" if i in pred else "FN"
                    print(f"   {kind} {scores[t][i]:.2f} {r['title'][:90]} || {evid[(i, t)][:5]}")
    if args.sweep:
        # honest check of per-trend thresholds: pick on one half, score on the other
        grid = np.arange(0.05, 0.96, 0.05)
        cv = [[], []]
        for t in tax.names:
            gold = np.array([t in r["labels"] for r in rows])
            for h in (0, 1):
                fit, test = halves[1 - h], halves[h]
                def f1_at(th, mask):
                    p = (scores[t] >= th) & mask
                    g = gold & mask
                    tp = (p & g).sum()
                    return 0.0 if tp == 0 else 2 * tp / (p.sum() + g.sum())
                th = max(grid, key=lambda x: (f1_at(x, fit), -abs(x - 0.5)))
                cv[h].append(f1_at(th, test))
        print(f"per-trend thresholds picked on the other half: macro-F1 {np.mean(cv[0]):.4f}/{np.mean(cv[1]):.4f}")
    print(f"macro-F1 {np.mean(f1s):.4f}  halves {np.mean(f1h[0]):.4f}/{np.mean(f1h[1]):.4f}  min {min(f1s):.3f}")


if __name__ == "__main__":
    main()
