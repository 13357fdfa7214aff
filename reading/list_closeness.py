"""Which recommendations are close to a reading list at all, and which only fill places.

A ranking always has a first paper. Over a narrow window ("published in the last week") a list's ten
recommendations are the window's ten papers least far from it, however far that is: a blind walkthrough found
off-topic papers recommended for a narrow list with nothing to say they were weaker. A recommendation is *close*
when its ranking score (best cosine to one list paper + TOPIC_WEIGHT x cosine to its topic's centroid) is at least
`Z_CLOSE` standard deviations above the mean score of a fixed random sample of stored papers (the list's own
scale, as the relevance floor of searches and digests uses, so that it holds for any embedding model).

`Z_CLOSE` was chosen on the tuning half of the lists made from the blind search dev set (bench/list_closeness_eval.py,
docs/performance.md#reading-list-recommendations). A first floor kept 95% of the papers graded relevant to the
list's query (z 1.6) and marked 4% of random papers close; a second blind walkthrough still found unrelated papers
called close in a 3-month window, which is mostly unrelated papers. A relevant paper below the floor is still
shown (after the line), an unrelated one above it is presented as close, so the floor is where about 1 random
paper in 70 passes (z 2.0; 89% of the relevant ones on the tuning half).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

Z_CLOSE = 2.0
BACKGROUND_PAPERS = 1000  # random stored papers whose scores set a list's scale
MIN_BACKGROUND = 100  # fewer stored papers with vectors: no scale, every recommendation counts as close


def background_sample(bounds: tuple[int, int] | None, n: int = BACKGROUND_PAPERS) -> list[int]:
    """A fixed random sample of the pks between `bounds` (lowest and highest stored pk, both included), the same
    for every list while no paper is added; pks of deleted papers, and of papers without a vector, are simply
    missing from the vectors it fetches. Drawn from the range rather than from every stored pk: reading all
    162,699 pks took 0.18 s of each recommendation."""
    if bounds is None:
        return []
    lo, hi = bounds
    size = hi - lo + 1
    if size <= n:
        return list(range(lo, hi + 1))
    rng = np.random.default_rng(0)
    return sorted((lo + rng.choice(size, n, replace=False)).tolist())


def close_floor(score: Callable[[np.ndarray], np.ndarray], background: np.ndarray) -> float | None:
    """The lowest score that counts as close: the background's mean + Z_CLOSE standard deviations of the scores
    `score` gives its vectors; None (no floor) when there are too few of them to set a scale."""
    if len(background) < MIN_BACKGROUND:
        return None
    s = np.asarray(score(background), dtype=np.float64)
    return float(s.mean() + Z_CLOSE * s.std())
