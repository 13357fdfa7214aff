"""How likely a tagged paper is truly *about* a trend, and which papers a trend digest can show with confidence.

A trend tag alone over-counts: papers that call their model "interpretable" or evaluate an LLM "zero-shot" are
tagged too. Hand judgements (on-trend or not by the rubric, `docs/digest_precision.md`) fitted by logistic
regression give

    P(on | trend, strength, core) = sigmoid(bias[trend] + w_strength * min(strength, 30) / 10 + w_core * core)

where `strength` is the tag's logit and `core` whether the paper has core evidence (`digest_core` patterns).
A digest then shows the largest set of its most likely papers (at most the subscription's size) whose
expected precision -- the mean P -- is at least `target`: a week with many clear papers shows a full list, a
week with few shows only those. The packaged fit lives in `calibration.json` (written by
`bench/calibrate_digest.py --write`); a trend without its own bias (a user's new trend) gets the mean bias.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

PACKAGED = "calibration.json"
STRENGTH_CAP = 30.0  # strengths above this add nothing (a tag that strong is clear either way)


@dataclass(frozen=True)
class Calibration:
    w_strength: float
    w_core: float
    bias: dict[str, float]
    target: float = 0.94  # the expected share of on-trend papers a digest list must reach
    meta: dict = field(default_factory=dict, compare=False)  # what it was fitted on (for people)

    def default_bias(self) -> float:
        return sum(self.bias.values()) / len(self.bias) if self.bias else 0.0

    def probability(self, trend: str, strength: float, core: bool) -> float:
        """P(the paper is truly about `trend`) for a tag of this strength, with or without core evidence."""
        z = (self.bias.get(trend, self.default_bias()) + self.w_strength * min(strength, STRENGTH_CAP) / 10
             + (self.w_core if core else 0.0))
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def to_json(self) -> str:
        return json.dumps({"w_strength": round(self.w_strength, 4), "w_core": round(self.w_core, 4),
                           "bias": {t: round(b, 4) for t, b in self.bias.items()}, "target": self.target,
                           "meta": self.meta}, indent=2) + "\n"


def load_calibration(text: str | None = None) -> Calibration:
    """The packaged calibration (or one from JSON text)."""
    if text is None:
        text = resources.files("trendscope.digest").joinpath(PACKAGED).read_text("utf-8")
    doc = json.loads(text)
    return Calibration(w_strength=float(doc["w_strength"]), w_core=float(doc["w_core"]),
                       bias={str(t): float(b) for t, b in doc["bias"].items()}, target=float(doc["target"]),
                       meta=dict(doc.get("meta", {})))


def confident_count(probabilities: Sequence[float], size: int, target: float) -> int:
    """How many of the most likely papers to show: the largest k <= size whose top-k mean probability is at
    least `target` (0 when even the most likely paper falls short)."""
    top = sorted(probabilities, reverse=True)[:max(size, 0)]
    means = np.cumsum(top) / np.arange(1, len(top) + 1) if top else np.array([])
    ok = np.flatnonzero(means >= target - 1e-12)
    return int(ok[-1]) + 1 if ok.size else 0


def fit_calibration(rows: Sequence[tuple[str, float, bool, bool]], trends: Sequence[str], target: float,
                    l2: float = 1.0, meta: dict | None = None) -> Calibration:
    """Fit P(on) from judged (trend, strength, core, on) rows: logistic regression on (capped strength / 10,
    core, one-hot trend), L2-penalised (`index.tag_training.fit_logistic`)."""
    from trendscope.index.tag_training import fit_logistic

    trends = list(trends)
    x = np.array([[min(s, STRENGTH_CAP) / 10, float(core)] + [float(t == u) for u in trends]
                  for t, s, core, _on in rows])
    y = np.array([float(on) for *_rest, on in rows])
    w, b = fit_logistic(x, y, np.full(x.shape[1], l2))
    return Calibration(w_strength=float(w[0]), w_core=float(w[1]),
                       bias={t: float(b + w[2 + i]) for i, t in enumerate(trends)}, target=target,
                       meta=dict(meta or {}))
