"""Nearest stored papers for many query vectors at once, from the FAISS cache (used by reading-list
recommendations, which ask for the top-k neighbours of each paper in a list).

`FaissNearest.nearest(queries, k, since)` returns, per query row, the top-k (pks, scores) among papers
published on or after `since`. The date filter is applied before the top-k cut, as semantic search
does it: over-fetch and keep the neighbours that pass, or, when too few pass, search only among the
allowed pks (an id selector inside FAISS), so k results come back whenever k such papers exist. Missing results
are pk -1. `faiss_nearest(db, home)` gives one only when a usable
index file for the stored vectors' model exists (callers fall back to brute force otherwise).
"""
from __future__ import annotations

import logging

import numpy as np
import sqlite_utils

from trendscope.foundation.home import Home

from .faiss_index import IndexFileError, index_paths, read_meta
from .search import Searcher
from .search_store import SqlFilter

log = logging.getLogger(__name__)

OVERFETCH = 8  # with a date filter: neighbours fetched per wanted one before filtering
MAX_CHECKED = 20_000  # above this many over-fetched neighbours, search among the allowed pks directly


class FaissNearest:
    """Batch top-k over a Searcher's FAISS index (the app passes its cached Searcher, so nothing loads twice)."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher

    def nearest(self, queries: np.ndarray, k: int, since: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, int(k))
        vi = self.searcher.vector_index()
        if not since:
            scores, ids = vi.search(q, k)
            return np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float32)
        flt = SqlFilter(since=since)
        out_ids = np.full((len(q), k), -1, np.int64)
        out_scores = np.full((len(q), k), -np.inf, np.float32)
        need = np.arange(len(q))
        deep = k * OVERFETCH
        if len(q) * deep <= MAX_CHECKED:
            # Like Searcher.nearest: over-fetch without a filter and keep the neighbours that pass (one small
            # SQL lookup); a query with fewer than k passing goes through the allowed-pk search below.
            scores, ids = vi.search(q, deep)
            cand = np.unique(ids[ids >= 0])
            passing = self.searcher.store.filtered_pks(flt, among=cand.tolist())
            ok = np.isin(ids, passing) & (ids >= 0)
            short = []
            for r in range(len(q)):
                cols = np.flatnonzero(ok[r])[:k]
                if len(cols) < k and deep < vi.ntotal:
                    short.append(r)
                    continue
                out_ids[r, : len(cols)] = ids[r, cols]
                out_scores[r, : len(cols)] = scores[r, cols]
            need = np.array(short, dtype=np.int64)
        if len(need):
            allowed = self.searcher.store.filtered_pks(flt)
            if len(allowed):
                scores, ids = vi.search(q[need], k, allowed=allowed)
                out_ids[need], out_scores[need] = ids, scores
        return out_ids, out_scores


def index_usable(home: Home, model: str | None) -> bool:
    """True when the home has a FAISS index file built for `model` (cheap: reads the sidecar only)."""
    if model is None or not index_paths(home.index_dir)[0].exists():
        return False
    try:
        return read_meta(home.index_dir).model == model
    except IndexFileError:
        return False


def faiss_nearest(db: sqlite_utils.Database, home: Home, searcher: Searcher | None = None) -> FaissNearest | None:
    """A FaissNearest over the home's index, or None when there is no usable index file (use brute force)."""
    searcher = searcher or Searcher(db, home)
    if not index_usable(searcher.home, searcher.model()):
        log.info("no usable FAISS index under %s: recommendations use the stored vectors directly",
                 searcher.home.index_dir)
        return None
    return FaissNearest(searcher)
