"""Is a candidate name a research topic of its own? A small logistic model over five corpus statistics.

Blind readers judged names listed as rising topics (bench/data/emerging_precision_judgements*.jsonl: "a specific
research topic" or not, from the trend and the name alone). The names they rejected are broad domains or data
("surveillance videos", "Indic languages"), plain synonyms of the trend ("privacy leakage" is kept, "preserving
privacy" is not), and phrases that are written inside longer names. Each shows in how the corpus uses the name,
so the model reads five statistics of the name inside trend T, all counted over the whole corpus:

- `title_share`: the share of papers using it that have it in their title (topics are named in titles);
- `closed_share`: the share that write it standing alone at least once (topic_phrases.py; fragments never do);
- `coherence`: the mean cosine between the vectors of the papers using it (topic_coherence.py);
- `log_lift`: log of its share of T's papers over its share of all papers (a plain synonym of T is used almost
  only in T: the fitted weight is negative);
- `trend_share`: the share of papers using it that are tagged T.

Standardised, weighted and summed: one logit per (trend, name); a name is listed only when its probability is at
least the model's threshold. The packaged model (topic_name_model.json) is fitted by `bench/train_topic_names.py`
on the judged names, with its threshold chosen from leave-one-sample-out predictions (docs/performance.md). Where
coherence cannot be judged (papers without vectors), its feature is set to the training mean: it neither helps
nor hurts a name.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

FEATURES = ("title_share", "closed_share", "coherence", "log_lift", "trend_share")
PACKAGED_MODEL = "topic_name_model.json"
FORMAT = 1


@dataclass(frozen=True)
class NameCounts:
    """Corpus-wide counts behind one trend's candidate names (papers, not mentions)."""
    df_all: Mapping[str, int]      # papers using the name
    n_all: int                     # papers in the corpus
    title_df: Mapping[str, int]    # papers with it in the title
    closed_df: Mapping[str, int]   # papers writing it standing alone
    df_trend: Mapping[str, int]    # papers of the trend using it
    n_trend: int                   # papers of the trend
    coherence: Mapping[str, float] | None  # None: not judged (too few vectors)


def name_features(keys: Sequence[str], counts: NameCounts, coherence_default: float) -> np.ndarray:
    """One row of FEATURES per key (in that order)."""
    rows = np.empty((len(keys), len(FEATURES)), dtype=np.float64)
    for i, k in enumerate(keys):
        df = max(counts.df_all.get(k, 0), 1)
        in_trend = counts.df_trend.get(k, 0)
        lift = (in_trend / max(counts.n_trend, 1)) / (df / max(counts.n_all, 1))
        coh = counts.coherence.get(k) if counts.coherence is not None else None
        rows[i] = (counts.title_df.get(k, 0) / df, counts.closed_df.get(k, 0) / df,
                   coherence_default if coh is None or math.isnan(coh) else coh,
                   math.log(max(lift, 1e-3)), in_trend / df)
    return rows


@dataclass(frozen=True)
class TopicNameModel:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    meta: dict

    def probability(self, X: np.ndarray) -> np.ndarray:
        z = (np.asarray(X, dtype=np.float64) - self.mean) / self.scale @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))

    def keep(self, keys: Sequence[str], counts: NameCounts) -> dict[str, float]:
        """{key: its probability of being a research topic} for the keys reaching the threshold."""
        if not keys:
            return {}
        p = self.probability(name_features(keys, counts, self.mean[FEATURES.index("coherence")]))
        return {k: float(pk) for k, pk in zip(keys, p) if pk >= self.threshold}

    def explain(self) -> dict[str, float]:
        """Weight per feature on its standardised scale (the bigger, the more it says "a topic")."""
        return dict(zip(FEATURES, self.weights))


def fit_name_model(X: np.ndarray, y: np.ndarray, threshold: float, l2: float = 1.0,
                   meta: dict | None = None) -> TopicNameModel:
    """Standardise, then fit an L2-penalised logistic regression (deterministic)."""
    from .tag_training import fit_logistic  # scipy only when fitting
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    w, b = fit_logistic((X - mean) / scale, np.asarray(y, dtype=np.float64), np.full(X.shape[1], l2))
    return TopicNameModel(tuple(map(float, mean)), tuple(map(float, scale)), tuple(map(float, w)), float(b),
                          float(threshold), dict(meta or {}))


def save_name_model(path: str | Path, model: TopicNameModel) -> None:
    data = {"format": FORMAT, "features": list(FEATURES), **asdict(model)}
    Path(path).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load_name_model(path: str | Path | None = None) -> TopicNameModel | None:
    """The model at `path` (the packaged one by default); None when missing or of another format or features."""
    path = Path(path) if path is not None else Path(str(resources.files("trendscope.index").joinpath(PACKAGED_MODEL)))
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT or tuple(data.get("features", ())) != FEATURES:
        return None
    return TopicNameModel(tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]), float(data["bias"]),
                          float(data["threshold"]), dict(data.get("meta", {})))
