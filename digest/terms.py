"""Pure text statistics for digests: tokens, characteristic terms of a week, and a paper's novelty.

Terms are lower-cased words (and two-word phrases) of titles and abstracts, without stop words, numbers and
LaTeX commands. Everything here works on document frequencies (in how many papers a term occurs).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from trendscope.foundation.words import content_words


def tokens(text: str) -> list[str]:
    """Content words of a text, in order (see `trendscope.foundation.words`)."""
    return content_words(text)


def terms(text: str) -> set[str]:
    """Distinct words and adjacent two-word phrases of a text."""
    words = tokens(text)
    out = set(words)
    out.update(f"{a} {b}" for a, b in zip(words, words[1:]) if a != b)
    return out


def doc_freq(docs: Iterable[set[str]]) -> tuple[Counter, int]:
    """(term -> number of documents containing it, number of documents)."""
    df: Counter = Counter()
    n = 0
    for d in docs:
        df.update(d)
        n += 1
    return df, n


class NoveltyScorer:
    """How unusual a paper's vocabulary is against a background (the papers of the weeks before).

    novelty(doc) = mean over the doc's terms of idf / log(N + 1), in [0, 1]: 1 when nothing in it was seen before.
    """

    def __init__(self, background: Iterable[set[str]]):
        self.df, self.n = doc_freq(background)
        self._norm = math.log(self.n + 2)

    def novelty(self, doc: set[str]) -> float:
        if not doc:
            return 0.0
        total = sum(math.log((self.n + 2) / (self.df.get(t, 0) + 1)) for t in doc)
        return total / (len(doc) * self._norm)


def rescale(values: Sequence[float]) -> list[float]:
    """Min-max scale to [0, 1]; all-equal values become 1.0."""
    if not values:
        return []
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        return [1.0 for _ in values]
    return [(v - lo) / (hi - lo) for v in values]
