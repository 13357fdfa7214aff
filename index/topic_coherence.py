"""How much the papers that use a phrase are about one thing: the mean cosine between their abstracts' vectors.

A research topic ("knowledge editing", "non-IID data", "speculative decoding") is written by papers that sit close
together in embedding space; a broad phrase ("efficient inference", "best practices", "data streams", "linear
regression") is written by papers about many different things. For unit vectors v_1..v_n with sum S, the mean
cosine over all pairs is (|S|^2 - n) / (n (n - 1)), so one sum per phrase is enough.

Rising topics (emerging_topics.py) leave out phrases below a coherence floor, and weigh coherence in the
topic-name model (topic_names.py), when the papers have vectors; a home tagged by rules alone (`index
--tags-only`) has none, and then coherence neither leaves out nor weighs anything.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import numpy as np
from scipy.sparse import csr_matrix

from .vector_store import VectorStore

log = logging.getLogger(__name__)

MIN_VECTOR_SHARE = 0.5  # below this share of papers with vectors, coherence is not judged at all


def mean_pair_cosines(sums: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Per row, the mean cosine over all pairs of n unit vectors whose sum is that row; 1.0 for fewer than two."""
    sums = np.asarray(sums, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n >= 2, (np.einsum("ij,ij->i", sums, sums) - n) / (n * (n - 1)), 1.0)


def phrase_coherence(db, phrase_sets: Mapping[int, Iterable[str]], keys: set[str]) -> dict[str, float] | None:
    """{phrase key: mean pair cosine of the vectors of the papers using it} for `keys`; None when too few of the
    papers have vectors (a home tagged by rules alone)."""
    store = VectorStore(db)
    model = store.model_in_use()
    if model is None:
        return None
    pks, vectors = store.load_all(model)
    if len(pks) < MIN_VECTOR_SHARE * max(len(phrase_sets), 1):
        log.info("coherence of topic names not judged: %d of %d papers have vectors", len(pks), len(phrase_sets))
        return None
    row_of = {int(pk): i for i, pk in enumerate(pks)}
    index = {k: i for i, k in enumerate(sorted(keys))}
    key_rows: list[int] = []
    paper_rows: list[int] = []
    for pk, phrases in phrase_sets.items():
        row = row_of.get(pk)
        if row is not None:
            for k in keys.intersection(phrases):
                key_rows.append(index[k])
                paper_rows.append(row)
    # one sparse product gives every name's vector sum (no per-name copies of its papers' vectors)
    uses = csr_matrix((np.ones(len(paper_rows), dtype=np.float32), (key_rows, paper_rows)),
                      shape=(len(index), len(pks)))
    n = np.asarray(uses.sum(axis=1)).ravel()
    mean = mean_pair_cosines(uses @ vectors, n)
    return {k: float(mean[i]) for k, i in index.items() if n[i] > 0}
