"""The topic-name model: features counted as rising topics count them, a deterministic fit, a checked file."""
from __future__ import annotations

import json

import numpy as np
import pytest

from trendscope.index.topic_names import (
    FEATURES,
    NameCounts,
    fit_name_model,
    load_name_model,
    name_features,
    save_name_model,
)


def _counts(coherence):
    return NameCounts(df_all={"a b": 10, "c d": 40}, n_all=1000, title_df={"a b": 5}, closed_df={"a b": 8, "c d": 4},
                      df_trend={"a b": 5, "c d": 4}, n_trend=100, coherence=coherence)


def test_features_are_shares_of_the_papers_using_the_name():
    X = name_features(["a b", "c d"], _counts({"a b": 0.7}), coherence_default=0.45)
    got = dict(zip(FEATURES, X[0]))
    assert got == pytest.approx({"title_share": 0.5, "closed_share": 0.8, "coherence": 0.7,
                                 "log_lift": np.log((5 / 100) / (10 / 1000)), "trend_share": 0.5})
    assert X[1][FEATURES.index("title_share")] == 0 and X[1][FEATURES.index("coherence")] == 0.45  # not judged
    assert name_features(["a b"], _counts(None), 0.45)[0][FEATURES.index("coherence")] == 0.45  # no vectors


def test_fit_is_deterministic_and_saved_models_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, len(FEATURES)))
    y = (X[:, 1] + 0.5 * X[:, 2] + rng.normal(scale=0.5, size=200) > 0).astype(float)
    m1, m2 = fit_name_model(X, y, 0.6), fit_name_model(X, y, 0.6)
    assert m1 == m2
    w = m1.explain()
    assert w["closed_share"] > w["coherence"] > abs(w["title_share"])
    path = tmp_path / "m.json"
    save_name_model(path, m1)
    back = load_name_model(path)
    assert back == m1 and np.allclose(back.probability(X), m1.probability(X))
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "features": ["title_share"]}))
    assert load_name_model(path) is None  # fitted on other features: not used
    assert load_name_model(tmp_path / "missing.json") is None


def test_the_packaged_model_prefers_names_written_alone_by_papers_about_one_thing():
    model = load_name_model()
    assert model is not None and 0 < model.threshold < 1 and model.meta["examples"] >= 500
    w = model.explain()
    assert w["closed_share"] > 0 and w["coherence"] > 0
    topic = [[0.4, 0.9, 0.6, 2.0, 0.5]]      # in titles, standing alone, papers close together
    phrase = [[0.1, 0.2, 0.4, 2.0, 0.5]]     # seldom alone, papers spread out
    assert model.probability(topic)[0] >= model.threshold > model.probability(phrase)[0]
