"""Query subscriptions through the search area's hybrid search (keyword BM25 + semantic, fused by rank), with a
relevance floor: the hybrid ranking orders a week's papers, the floor (`index/relevance_floor.py`) decides which
are listed, so a week with nothing about the query gives an empty digest.

The search is limited to the digest's week (since/until) and the subscription's categories; trend and exclude
filters are applied by the digest itself. Without stored embeddings the Searcher answers with keyword results.
"""
from __future__ import annotations

import logging
from datetime import date

import sqlite_utils

from trendscope.foundation.home import Home
from trendscope.index.relevance_floor import passes_floor, query_features
from trendscope.index.search import Searcher, SearchRequest

from .model import Subscription

log = logging.getLogger(__name__)

DEPTH = 200  # hits asked for per week (ranked before trend/exclude filters and the size cut)


class SearchQueryScorer:
    """QueryScorer backed by `index.search.Searcher` (hybrid mode)."""

    def __init__(self, searcher: Searcher, mode: str = "hybrid"):
        self.searcher = searcher
        self.mode = mode

    @classmethod
    def create(cls, db: sqlite_utils.Database, home: Home, embedder_factory=None) -> SearchQueryScorer:
        return cls(Searcher(db, home, embedder_factory))

    def ranked(self, sub: Subscription, start: date, end: date) -> list:
        """The week's hybrid hits for the query, best first, before the relevance floor."""
        # a category no stored paper has yet (a subscription made before its first paper) lists nothing this week
        categories = [c for c in map(self.searcher.store.category_spelling, sub.categories) if c]
        if sub.categories and not categories:
            return []
        req = SearchRequest(query=sub.query or "", mode=self.mode, categories=categories,
                            since=start.isoformat(), until=end.isoformat(), sort="relevance",
                            limit=max(DEPTH, 10 * sub.size),
                            strict_exclusions=False)  # `-cat:cs.RO` saved before any cs.RO paper: none to leave out
        return self.searcher.search(req)

    def __call__(self, sub: Subscription, start: date, end: date) -> dict[int, float]:
        """pk -> hybrid score of the week's papers that pass the relevance floor."""
        hits = self.ranked(sub, start, end)
        feats = query_features(self.searcher, sub.query or "", [h.pk for h in hits])
        return {h.pk: float(h.score) for h in hits if passes_floor(feats[h.pk])}
