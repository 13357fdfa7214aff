"""Query subscriptions through the search area's hybrid search (keyword BM25 + semantic, fused by rank), with a
relevance floor: the hybrid ranking orders a week's papers, the floor (`passes_floor`) decides which are listed,
so a week with nothing about the query gives an empty digest.

The search is limited to the digest's week (since/until) and the subscription's categories; trend and exclude
filters are applied by the digest itself. Without stored embeddings the Searcher answers with keyword results.
"""
from __future__ import annotations

import logging
import re
from datetime import date

import numpy as np
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

    def ranked(self, sub: Subscription, start: date, end: date) -> list:
        """The week's hybrid hits for the query, best first, before the relevance floor."""
        # a category no stored paper has yet (a subscription made before its first paper) lists nothing this week
        categories = [c for c in map(self.searcher.store.category_spelling, sub.categories) if c]
        if sub.categories and not categories:
            return []
        req = SearchRequest(query=sub.query or "", mode=self.mode, categories=categories,
                            since=start.isoformat(), until=end.isoformat(), sort="relevance",
                            limit=max(DEPTH, 10 * sub.size))
        return self.searcher.search(req)

    def __call__(self, sub: Subscription, start: date, end: date) -> dict[int, float]:
        """pk -> hybrid score of the week's papers that pass the relevance floor."""
        hits = self.ranked(sub, start, end)
        feats = query_features(self.searcher, sub.query or "", [h.pk for h in hits])
        return {h.pk: float(h.score) for h in hits if passes_floor(feats[h.pk])}


BACKGROUND_PAPERS = 3000  # random stored papers whose similarity to the query sets its scale (z-scores)
# The relevance floor of a query digest, chosen on the odd half of a blind-graded set (bench/digest_query_eval.py;
# docs/digest_precision.md): a paper is listed when it holds the query as a phrase, or every query word with a
# similarity >= Z_ALL_WORDS standard deviations above the query's similarity to a random paper, or a similarity
# >= Z_ALONE standard deviations above it.
Z_ALL_WORDS = 2.0
Z_ALONE = 3.5


def passes_floor(f: dict) -> bool:
    return bool(f["phrase"] or (f["all_words"] and f["z"] >= Z_ALL_WORDS) or f["z"] >= Z_ALONE)


def _background(searcher: Searcher, model: str) -> np.ndarray:
    """Vectors of a fixed random sample of stored papers (the same sample for every query of one Searcher)."""
    cached = getattr(searcher, "_digest_background", None)
    if cached is not None and cached[0] == model:
        return cached[1]
    pks = sorted(searcher.store.papers.states())
    rng = np.random.default_rng(0)
    pick = [pks[i] for i in rng.choice(len(pks), min(BACKGROUND_PAPERS, len(pks)), replace=False)] if pks else []
    vecs = np.stack(list(searcher.vectors.get(pick, model).values())) if pick else np.zeros((0, 1), np.float32)
    searcher._digest_background = (model, vecs)
    return vecs


def query_features(searcher: Searcher, query: str, pks: list[int]) -> dict[int, dict]:
    """Per paper: `cosine` of the query's and the paper's vectors (0.0 without one), `z` (that cosine in standard
    deviations above the query's mean cosine to random stored papers), `all_words` (the paper holds every content
    word of the query: FTS5 AND over the words keyword search uses) and `phrase` (the query's words as a phrase)."""
    from trendscope.index.fts_query import parse_query

    out = {pk: {"cosine": 0.0, "z": 0.0, "all_words": False, "phrase": False} for pk in pks}
    if not pks:
        return out
    model = searcher.model()
    if model is not None:
        qv = searcher.embed_query(query)
        bg = _background(searcher, model) @ qv if len(_background(searcher, model)) > 1 else np.zeros(2)
        mean, sd = float(bg.mean()), float(bg.std()) or 1.0
        for pk, v in searcher.vectors.get(pks, model).items():
            c = float(np.dot(qv, v))
            out[pk]["cosine"], out[pk]["z"] = round(c, 4), round((c - mean) / sd, 3)
    strict = parse_query(query, all_words=True)
    if strict.match:
        for pk in searcher.store.matching(strict.match, pks):
            out[pk]["all_words"] = True
    words = re.findall(r"[^\W_]+", query)
    if len(words) > 1:
        for pk in searcher.store.matching('"' + " ".join(words) + '"', pks):
            out[pk]["phrase"] = True
    elif strict.match:
        for pk in pks:
            out[pk]["phrase"] = out[pk]["all_words"]
    return out
