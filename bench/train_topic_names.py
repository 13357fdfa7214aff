"""Fit the topic-name model (index/topic_names.py) on the blind judgements of listed rising topics.

    .venv/bin/python bench/train_topic_names.py --home /tmp/trendscope-homes/full [--write]

Every row of the six samples judged before the model existed (bench/data/emerging_precision_judgements*.jsonl
but the `_name_model*` ones, which evaluate it) on which both readers agree is one example (a name judged in
several samples counts once). Features are counted over the home's corpus exactly as `trendscope trends
--topics` counts them. The figures printed are leave-one-sample-out: the model fitted on the other judged samples
predicts each sample's names, so no name is scored by a model that saw its label; the table shows, among the
names that pass the other rules of emerging_topics (those the model is left to judge), the precision and the
share of topics kept at each threshold. The packaged threshold, 0.45, is the lowest at which that precision
reaches 75% (83% of the topics kept); 0.6 lost a rise of the tuning half of the known rises and 0.3 listed far
more names (docs/performance.md#rising-topics). `--write` saves
index/topic_name_model.json.
"""
from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trendscope.foundation.home import Home  # noqa: E402
from trendscope.index.emerging_topics import emerging_topics  # noqa: E402
from trendscope.index.topic_choice import topic_key  # noqa: E402
from trendscope.index.topic_corpus import name_feature_table  # noqa: E402
from trendscope.index.topic_names import FEATURES, PACKAGED_MODEL, fit_name_model, save_name_model  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402

# the samples judged before the model existed; the later ones (..._name_model*.jsonl) evaluate it
TRAINING_SAMPLES = ("", "_before_title_filter", "_closed", "_coherence", "_report", "_spans")  # first wins
JUDGED = [ROOT / f"bench/data/emerging_precision_judgements{s}.jsonl" for s in TRAINING_SAMPLES]
L2 = 1.0
_DEFAULTS = {k: v.default for k, v in inspect.signature(emerging_topics).parameters.items()}
# the other rules (emerging_topics' defaults): which judged names the model is left to judge
PASSES = {"title_share": _DEFAULTS["min_title_share"], "closed_share": _DEFAULTS["min_closed_share"],
          "coherence": _DEFAULTS["min_coherence"], "log_lift": float(np.log(_DEFAULTS["min_lift"]))}


def judged_rows() -> list[dict]:
    rows: dict[tuple[str, str], dict] = {}
    for path in JUDGED:
        for line in path.open(encoding="utf-8"):
            r = json.loads(line)
            if r["reader_a"] != r["reader_b"]:
                continue
            key = topic_key(re.sub(r"\s*\([^()]+\)$", "", r["name"]))  # "X (ACR)" is listed under X's key
            rows.setdefault((r["trend"], key), {**r, "key": key, "sample": path.stem, "y": r["reader_a"]})
    return list(rows.values())


def auc(y: np.ndarray, p: np.ndarray) -> float:
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    pos = y == 1
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--threshold", type=float, default=0.45, help="the probability a name must reach")
    ap.add_argument("--write", action="store_true", help=f"save index/{PACKAGED_MODEL}")
    args = ap.parse_args()
    rows = judged_rows()
    db = open_database(Home(args.home).db_path)
    pairs, X = name_feature_table(db, [(r["trend"], r["key"]) for r in rows])
    by_pair = {(r["trend"], r["key"]): r for r in rows}
    keep = [i for i, (t, k) in enumerate(pairs) if (t, k) in by_pair and not np.isnan(X[i]).any()]
    rows = [by_pair[pairs[i]] for i in keep]
    X = X[keep]
    y = np.array([r["y"] for r in rows], dtype=np.float64)
    samples = np.array([r["sample"] for r in rows])
    print(f"{len(rows)} judged names ({int(y.sum())} topics) from {len(set(samples))} samples")
    p = np.zeros(len(y))
    for s in sorted(set(samples)):
        out = samples == s
        p[out] = fit_name_model(X[~out], y[~out], 0.5, L2).probability(X[out])
    passes = np.all([X[:, FEATURES.index(f)] >= v for f, v in PASSES.items()], axis=0)
    print(f"leave-one-sample-out AUC: all {auc(y, p):.3f}, names passing the other rules "
          f"{auc(y[passes], p[passes]):.3f} ({passes.sum()}, {y[passes].mean():.0%} topics)")
    print("threshold  precision  names kept  topics kept   (names passing the other rules)")
    for t in np.round(np.arange(0.30, 0.81, 0.05), 2):
        sel = passes & (p >= t)
        prec = y[sel].mean() if sel.any() else float("nan")
        print(f"{t:9.2f}  {prec:9.1%}  {sel.sum() / passes.sum():10.0%}  {y[sel].sum() / y[passes].sum():11.0%}")
    threshold = args.threshold
    meta = {"examples": len(rows), "topics": int(y.sum()), "samples": sorted(set(samples)), "l2": L2,
            "lofo_auc": round(auc(y, p), 3),
            "lofo_auc_passing_rules": round(auc(y[passes], p[passes]), 3)}
    model = fit_name_model(X, y, threshold, L2, meta)
    print(f"threshold {threshold}; weights (standardised): "
          + ", ".join(f"{k} {v:+.2f}" for k, v in model.explain().items()))
    if args.write:
        save_name_model(ROOT / "index" / PACKAGED_MODEL, model)
        print(f"wrote index/{PACKAGED_MODEL}")


if __name__ == "__main__":
    main()
