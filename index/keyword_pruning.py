"""Exact top-k BM25 without scoring every paper that holds a common query word (MaxScore, Turtle & Flood 1995).

A plain query ("graph neural networks for molecule property prediction") is an OR of its words, so FTS5 scores
every paper holding any of them: tens of thousands for "networks" or "prediction". BM25 is a sum over the
query's phrases, and one phrase adds at most (k1 + 1) x its IDF however often a paper repeats it. So:

1. sort the words from rarest to most common; the rarest ones are *essential*, the others are not;
2. score, with the whole query, only the papers that hold an essential word (`PaperReads.keyword_among`);
3. a paper with none of them scores below the sum of the bounds of the other words. When the k-th score found
   is above that sum, no such paper can enter the top k and the answer is exact; otherwise take one more word
   into the essential set (twice at most) and then run the full query.

Only queries of plain optional items (no required item, no exclusion) are pruned; filters (categories, dates,
trends) apply to both sides alike. Everything else, and a home too small to gain, runs the full query as before.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from .fts_query import ParsedQuery

log = logging.getLogger(__name__)

# FTS5's bm25(): k1 = 1.2, so one phrase adds at most 2.2 x its IDF.
BM25_K1 = 1.2
ATTEMPTS = 2
MIN_PAPERS = 20_000  # below this the full query is fast anyway


def fts5_idf(n_docs: int, n_hit: int) -> float:
    """The IDF that FTS5's bm25() gives a phrase found in `n_hit` of `n_docs` rows."""
    idf = math.log((n_docs - n_hit + 0.5) / (n_hit + 0.5))
    return idf if idf > 0 else 1e-6


@dataclass(frozen=True)
class Split:
    """Essential phrases (OR-ed) and the most that the other phrases can add to a paper's score."""

    essential: str
    bound: float


def plan(pq: ParsedQuery, n_docs: int, df: Callable[[str], int], k: int) -> list[Split]:
    """The splits to try, fewest essential phrases first ([] when the query cannot be pruned)."""
    if n_docs < MIN_PAPERS or pq.required or pq.excluded or len(pq.groups) < 2:
        return []
    phrases = [item.fts() for g in pq.groups for item in g.items]
    if len(set(phrases)) != len(phrases):
        return []
    counted = sorted((df(p), p) for p in phrases)
    bounds = [(BM25_K1 + 1) * fts5_idf(n_docs, n) for n, _ in counted]
    splits, reach = [], 0
    for m in range(1, len(counted)):
        reach += counted[m - 1][0]
        if 2 * counted[m - 1][0] >= n_docs:  # in half the papers: FTS5 clamps its IDF, so nothing is rare
            break
        if reach < k:  # the essential papers cannot fill the top k yet
            continue
        splits.append(Split(" OR ".join(p for _, p in counted[:m]), sum(bounds[m:])))
        if len(splits) == ATTEMPTS:
            break
    return splits


def exact_top(ranked: list[tuple[int, float]], split: Split, k: int) -> bool:
    """Whether the top k among the essential papers is the top k of the whole query."""
    return len(ranked) >= k and ranked[k - 1][1] > split.bound * (1 + 1e-9)
