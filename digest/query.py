"""Query subscriptions through the search area's hybrid search (keyword BM25 + semantic, fused by rank).

The search is limited to the digest's week (since/until) and the subscription's categories; trend and exclude
filters are applied by the digest itself. Without stored embeddings the Searcher answers with keyword results.
"""
from __future__ import annotations

import logging
from datetime import date

import sqlite_utils

from trendscope.foundation.home import Home
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

    def __call__(self, sub: Subscription, start: date, end: date) -> dict[int, float]:
        req = SearchRequest(query=sub.query or "", mode=self.mode, categories=list(sub.categories),
                            since=start.isoformat(), until=end.isoformat(), sort="relevance",
                            limit=max(DEPTH, 10 * sub.size))
        return {h.pk: float(h.score) for h in self.searcher.search(req)}
