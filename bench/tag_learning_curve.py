"""Would more labels help the trend tagger? 5-fold cross-validation with part of each training fold left out.

The test folds stay the same (split by paper, as `trendscope eval-tags --cv`); only a deterministic share of
every training fold is used for fitting (a hash of the arXiv id picks it), so the figures differ only by how
many labelled papers the tagger was fitted on. Each line also gives the macro-F1 on the random part of the
set alone (rows with `sampling: random`, a sample of the corpus as it is) and on the enriched part.

    .venv/bin/python bench/tag_learning_curve.py --fractions 0.5 0.75 1.0
    .venv/bin/python bench/tag_learning_curve.py --fractions 1.0 \
        --labels bench/data/trend_labels.jsonl bench/data/trend_labels_round4.jsonl

Embeds the labelled papers once with the packaged MiniLM (about a minute here).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trendscope.index import tag_training as tt  # noqa: E402
from trendscope.index.embedder import load_embedder, paper_text  # noqa: E402
from trendscope.index.taxonomy import load_taxonomy  # noqa: E402


def curve_point(tax, papers, vectors, fraction: float, k: int = 5) -> tuple[dict[str, np.ndarray], int]:
    """Out-of-fold decisions when only `fraction` of every training fold is fitted on, and that number of papers."""
    keep = np.array([tt.fold_of(p.id, 100, salt="learning-curve") < fraction * 100 for p in papers])
    return tt.cross_validate(tax, papers, vectors, "", k=k, fit_on=keep), int(keep.sum() * (k - 1) / k)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", type=Path, nargs="+", default=[ROOT / "bench/data/trend_labels.jsonl"])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/data/arxiv_corpus.jsonl.gz")
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.5, 0.75, 1.0])
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    tax = load_taxonomy()
    rows = [r for path in args.labels for r in tt.read_label_file(path, tax.names)]  # validated, one error line
    part = {}  # id -> how the paper was drawn ("random" or "nn:<trend>...")
    for path in args.labels:
        for line in path.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                part[row["id"]] = row.get("sampling", "")
    papers, missing = tt.labelled_papers(rows, tt.read_corpus_texts(args.corpus, {r[0] for r in rows}))
    if missing:
        print(f"warning: no text in {args.corpus} for {len(missing)} labelled papers: skipped", file=sys.stderr)
    emb = load_embedder()
    texts = [paper_text(p.title, p.abstract) for p in papers]
    vectors = np.concatenate([emb.encode(texts[i:i + 256]) for i in range(0, len(texts), 256)]).astype(np.float32)
    is_random = np.array([part[p.id] == "random" for p in papers])
    for fraction in args.fractions:
        out, trained_on = curve_point(tax, papers, vectors, fraction)
        m = tt.decisions_metrics(papers, out, tax.names)
        sub = {name: tt.decisions_metrics([p for p, r in zip(papers, mask) if r],
                                          {t: d[mask] for t, d in out.items()}, tax.names)["macro_f1"]
               for name, mask in (("random", is_random), ("enriched", ~is_random))}
        per = " ".join(f"{t}={s['f1']:.3f}" for t, s in m["trends"].items())
        print(f"{len(papers)} papers, fraction {fraction:.2f} (~{trained_on} training papers per fold): macro-F1 "
              f"{m['macro_f1']:.4f} (random part {sub['random']:.4f}, enriched part {sub['enriched']:.4f})  {per}",
              flush=True)


if __name__ == "__main__":
    main()
