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


def characteristic_terms(
    now: Sequence[set[str]], before: Sequence[set[str]], background: Sequence[set[str]] = (),
    limit: int = 8, min_docs: int = 3,
) -> list[str]:
    """Terms much more frequent among `now` documents than among `before` ones (newly characteristic).

    Score: log-ratio of smoothed document frequencies (now vs before; and, when `background` is given, now vs
    the background too, so words frequent everywhere don't count), for terms in at least `min_docs` (and 10%)
    of `now`. A phrase is preferred over the words it contains when both qualify.
    """
    df_now, n_now = doc_freq(now)
    if n_now == 0:
        return []
    refs = [doc_freq(before)] + ([doc_freq(background)] if background else [])
    need = max(min_docs, math.ceil(0.1 * n_now))
    scored = []
    for term, k in df_now.items():
        if k < need:
            continue
        p_now = (k + 0.5) / (n_now + 1)
        ratio = min(math.log(p_now / ((df.get(term, 0) + 0.5) / (n + 1))) for df, n in refs)
        if ratio > math.log(1.5):
            scored.append((ratio * math.sqrt(k), term))
    scored.sort(key=lambda x: (-x[0], x[1]))
    chosen: list[str] = []
    for _, term in scored:
        words = set(term.split(" "))
        if any(words & set(c.split(" ")) for c in chosen):
            continue  # a word already shown (alone or in a phrase)
        chosen.append(term)
        if len(chosen) >= limit:
            break
    return chosen


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
