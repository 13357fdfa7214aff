"""Weak supervision: label a corpus with the high-precision part of the rules, fit a logistic regression per
trend on the paper vectors, save/load the weights.

No hand labels are used: positives are papers whose rule score is clearly high, negatives papers with
(almost) no rule evidence; the uncertain middle is left out. The model then generalises from the vectors
(papers on a trend that use other words) and damps keyword hits in papers that do not look like the trend.

The packaged artifact `index/trend_model.npz` is produced by `python -m index.train_weak` from the shared
corpus sample; `trendscope index` retrains on the user's stored corpus when it is large enough.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .tagger import LinearModel, Tagger
from .taxonomy import Taxonomy

log = logging.getLogger(__name__)

PACKAGED_MODEL = "trend_model.npz"
POS_MIN_RAW = 6.0    # positive: raw rule score >= POS_MIN_RAW (e.g. a strong phrase in the title plus one more)
NEG_MAX = 1.0        # negative: raw rule score <= NEG_MAX
MIN_POSITIVES = 15   # fewer weak positives than this: no model for the trend
L2 = 1.0             # ridge penalty on the weights (not the bias)


@dataclass
class WeakLabels:
    pos: np.ndarray  # indices
    neg: np.ndarray


def weak_labels(tagger: Tagger, titles: Sequence[str], abstracts: Sequence[str]) -> dict[str, WeakLabels]:
    """Per trend, indices of confident positives and negatives according to the rules alone."""
    raws = {t: np.zeros(len(titles)) for t in tagger.taxonomy.names}
    for i, (title, abstract) in enumerate(zip(titles, abstracts)):
        for name, rr in tagger.rules(title, abstract).items():
            raws[name][i] = rr.raw
    return {
        t: WeakLabels(np.flatnonzero(r >= POS_MIN_RAW), np.flatnonzero(r <= NEG_MAX))
        for t, r in raws.items()
    }


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = L2, iters: int = 25) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (deterministic, fast for dim ~ 384)."""
    n, d = X.shape
    Xb = np.hstack([X.astype(np.float64), np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 1e-6
    for _ in range(iters):
        z = Xb @ w
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        grad = Xb.T @ (p - y) + reg * w
        H = (Xb * (p * (1 - p))[:, None]).T @ Xb + np.diag(reg)
        step = np.linalg.solve(H, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-6:
            break
    return w[:-1].astype(np.float32), float(w[-1])


def fit_standardised(X: np.ndarray, y: np.ndarray, X_all: np.ndarray) -> tuple[np.ndarray, float]:
    """Fit on (X, y), then rescale so that the logit over the whole corpus `X_all` has mean 0 and sd 1.

    Weak-label models differ in how confident they are; standardised logits can share one weight.
    """
    w, b = fit_logistic(X, y)
    z = X_all @ w + b
    mu, sd = float(z.mean()), float(z.std()) or 1.0
    return (w / sd).astype(np.float32), (b - mu) / sd


def fit_weak_labels(wl: WeakLabels, vecs: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Logistic regression on one trend's confident weak labels; None when either side is too small."""
    if len(wl.pos) < MIN_POSITIVES or len(wl.neg) < MIN_POSITIVES:
        return None
    idx = np.concatenate([wl.pos, wl.neg])
    y = np.concatenate([np.ones(len(wl.pos)), np.zeros(len(wl.neg))])
    return fit_standardised(vecs[idx], y, vecs)


def train_weak_model(
    taxonomy: Taxonomy, titles: Sequence[str], abstracts: Sequence[str], vecs: np.ndarray, model_id: str,
    trends: Sequence[str] | None = None,
) -> LinearModel:
    """Fit one weak-label logistic regression per trend (trends with too few weak positives are skipped)."""
    tagger = Tagger(taxonomy)
    labels = weak_labels(tagger, titles, abstracts)
    weights, biases = {}, {}
    for name, wl in labels.items():
        if trends is not None and name not in trends:
            continue
        fitted = fit_weak_labels(wl, vecs)
        if fitted is None:
            log.info("trend %s: only %d weak positives; no vector model", name, len(wl.pos))
            continue
        weights[name], biases[name] = fitted
        log.info("trend %s: %d weak positives, %d negatives", name, len(wl.pos), len(wl.neg))
    return LinearModel(model_id=model_id, weights=weights, biases=biases)


def save_model(path: str | Path, model: LinearModel, hashes: dict[str, str], meta: dict | None = None) -> None:
    names = sorted(model.weights)
    np.savez_compressed(
        path,
        trends=np.array(names),
        weights=np.stack([model.weights[n] for n in names]).astype(np.float16),
        biases=np.array([model.biases[n] for n in names], dtype=np.float32),
        hashes=np.array([hashes.get(n, "") for n in names]),
        meta=np.array(json.dumps({"model_id": model.model_id, **(meta or {})})),
    )


def load_model(path: str | Path, taxonomy: Taxonomy | None = None, model_id: str | None = None) -> LinearModel | None:
    """Load saved weights; trends whose taxonomy hash changed since training are dropped.

    None when the file is missing or was trained for another embedding model.
    """
    path = Path(path)
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        if model_id is not None and meta["model_id"] != model_id:
            return None
        current = taxonomy.rules_hashes() if taxonomy is not None else None
        weights, biases = {}, {}
        for name, w, b, h in zip(z["trends"], z["weights"], z["biases"], z["hashes"]):
            name = str(name)
            if current is not None and current.get(name) != str(h):
                continue
            weights[name] = w.astype(np.float32)
            biases[name] = float(b)
    return LinearModel(model_id=meta["model_id"], weights=weights, biases=biases)


def packaged_model_path() -> Path:
    return Path(str(resources.files("index").joinpath(PACKAGED_MODEL)))


def load_packaged_model(taxonomy: Taxonomy | None = None, model_id: str | None = None) -> LinearModel | None:
    return load_model(packaged_model_path(), taxonomy, model_id)
