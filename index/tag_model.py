"""The trend tagger's learned part: per-trend logistic regressions fitted on blind-labelled papers.

For each trend the model combines the paper's embedding with two features from the taxonomy's rules, the
trend's own rule score (signed log) and whether one of the trend's arXiv categories is listed:

    logit = w_vec . vector + w_rule * f(rule score) + w_cat * category + bias        (with a vector)
    logit = u_rule * f(rule score) + u_cat * category + bias_rules                  (rules only)

The vector model's vote shown beside a tag is w_vec . vector minus its mean over the fitting papers labelled
outside the trend (`meta["vector_reference"]`): positive when the paper's wording is more like the trend's papers
than like the rest. (The move from the rules-only logit, shown before, was negative on 98-100% of the tags of
0.9 or more over the full shared corpus: the rules-only formula weighs the rules more.)

Each trend's decision threshold (chosen by cross-validation for F1) is folded into its biases, so a paper
gets the tag iff logit >= 0, i.e. score = sigmoid(logit) >= 0.5 (the taxonomy's default threshold). The logit
is the tag's `strength`. A model belongs to one embedding model (`model_id`) and to the rules it was fitted
with (`rules_hashes`): a trend whose rules a user changed falls back to the rules-only formula of the tagger.
Fitted by `trendscope train-tags` (`index/tag_training.py`); packaged as `index/trend_model.npz`.
"""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from trendscope.foundation.files import atomic_write

PACKAGED_MODEL = "trend_model.npz"
FORMAT = "trendscope-tag-model/2"


def rule_feature(raw: float) -> float:
    """Signed log of a rule score: keeps its sign, damps a long tail of repeated phrase hits."""
    return math.copysign(math.log1p(abs(raw)), raw)


@dataclass
class TrendWeights:
    vector: np.ndarray   # (dim,) float32
    rule: float
    category: float
    bias: float
    rules_only: tuple[float, float, float]  # (u_rule, u_cat, bias) for papers without a vector

    def logit(self, rule_raw: float, category: bool, vector_term: float | None) -> float:
        """The tag's logit (strength) from a rule score, the category flag and w_vec . vector (None: rules only)."""
        return self.logit_from_features(rule_feature(rule_raw), float(category), vector_term)

    def logit_from_features(self, f: float, c: float, vector_term: float | None) -> float:
        if vector_term is None or self.vector.size == 0:
            u_rule, u_cat, b = self.rules_only
            return u_rule * f + u_cat * c + b
        return vector_term + self.rule * f + self.category * c + self.bias


@dataclass
class TagModel:
    model_id: str                       # the embedding model whose vectors `vector` weights expect
    weights: dict[str, TrendWeights]
    rules_hashes: dict[str, str] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    def vector_terms(self, vecs: np.ndarray) -> dict[str, np.ndarray]:
        """trend -> w_vec . vector for each row of `vecs` (the embedding model's vote)."""
        vecs = np.atleast_2d(np.asarray(vecs, dtype=np.float32))
        return {t: vecs @ w.vector for t, w in self.weights.items()}

    def vector_reference(self, trend: str) -> float | None:
        """The mean w_vec . vector of the fitting papers labelled outside `trend` (None: a model saved without it)."""
        ref = self.meta.get("vector_reference", {}).get(trend)
        return None if ref is None else float(ref)

    def for_taxonomy(self, current_hashes: dict[str, str]) -> TagModel:
        """The trends whose rules are unchanged since fitting (the others use the rules-only formula)."""
        keep = {t: w for t, w in self.weights.items() if current_hashes.get(t) == self.rules_hashes.get(t)}
        return TagModel(self.model_id, keep, self.rules_hashes, self.meta)

    def trend_signature(self, trend: str) -> str:
        """Changes whenever the numbers that tag `trend` change: editing one trend's rules (it then leaves the
        model) re-tagged every trend, as the whole model's signature changed (a blind walkthrough)."""
        import hashlib

        h = hashlib.sha1(self.model_id.encode() + b"\0" + trend.encode())
        w = self.weights.get(trend)
        if w is not None:
            h.update(w.vector.tobytes())
            h.update(np.array([w.rule, w.category, w.bias, *w.rules_only], dtype=np.float64).tobytes())
            h.update(repr(self.vector_reference(trend)).encode())
        return h.hexdigest()[:16]

    def signature(self) -> str:
        """Changes whenever the fitted numbers change (part of the tag-state hash: a new model re-tags)."""
        import hashlib

        h = hashlib.sha1(self.model_id.encode())
        for t in sorted(self.weights):
            w = self.weights[t]
            h.update(t.encode())
            h.update(w.vector.tobytes())
            h.update(np.array([w.rule, w.category, w.bias, *w.rules_only], dtype=np.float64).tobytes())
        return h.hexdigest()[:16]


def save_model(path: str | Path, model: TagModel) -> None:
    names = sorted(model.weights)
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        trends=np.array(names),
        vectors=np.stack([model.weights[n].vector for n in names]).astype(np.float32),
        scalars=np.array([[model.weights[n].rule, model.weights[n].category, model.weights[n].bias,
                           *model.weights[n].rules_only] for n in names], dtype=np.float64),
        meta=np.array(json.dumps({"format": FORMAT, "model_id": model.model_id,
                                  "rules_hashes": model.rules_hashes, **model.meta})),
    )
    atomic_write(Path(path), buf.getbuffer())  # a crash mid-write leaves the previous model, not a broken one


def load_model(path: str | Path) -> TagModel | None:
    """A saved model, or None when the file is missing or of another format."""
    path = Path(path)
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        if meta.get("format") != FORMAT:
            return None
        weights = {}
        for name, vec, s in zip(z["trends"], z["vectors"], z["scalars"]):
            weights[str(name)] = TrendWeights(vector=vec.astype(np.float32), rule=float(s[0]),
                                              category=float(s[1]), bias=float(s[2]),
                                              rules_only=(float(s[3]), float(s[4]), float(s[5])))
    hashes = meta.pop("rules_hashes", {})
    model_id = meta.pop("model_id")
    meta.pop("format", None)
    return TagModel(model_id=model_id, weights=weights, rules_hashes=hashes, meta=meta)


def packaged_model_path() -> Path:
    return Path(str(resources.files("trendscope.index").joinpath(PACKAGED_MODEL)))


def user_model_path(home_root: Path) -> Path:
    """A model the user fitted on their own labels (`trendscope train-tags`); preferred over the packaged one."""
    return Path(home_root) / PACKAGED_MODEL


def load_tag_model(home_root: Path | None = None) -> TagModel | None:
    """The user's model in the data home if there is one, else the packaged model."""
    if home_root is not None:
        mine = load_model(user_model_path(home_root))
        if mine is not None:
            return mine
    return load_model(packaged_model_path())
