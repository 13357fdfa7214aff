"""Semantic mode's and hybrid's meaning side: the query's words embedded (cached), moved towards the first
results' vectors in hybrid's feedback round, and the nearest papers in the FAISS index among those passing the
filters (filtered before the top-k cut). A mixin of `search.Searcher`, which holds the store, the vectors, the
model (`model()`), the embedder (`embedder()`), the index (`vector_index()`) and the settings it reads
(`prf_weight`).
"""
from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import asdict

import numpy as np

from .fts_query import ParsedQuery
from .search_store import SearchStore, SqlFilter
from .vector_store import VectorStore


class SemanticSide:
    """Nearest papers by meaning for `Searcher` (see the module's docstring for what it reads)."""

    store: SearchStore
    vectors: VectorStore
    prf_weight: float
    _qcache: OrderedDict[str, np.ndarray]

    def embed_query(self, text: str) -> np.ndarray:
        if text in self._qcache:
            self._qcache.move_to_end(text)
            return self._qcache[text]
        vec = self.embedder().encode([text])[0]
        self._qcache[text] = vec
        if len(self._qcache) > 512:
            self._qcache.popitem(last=False)
        return vec

    def _semantic(self, pq: ParsedQuery, base: SqlFilter, k: int, feedback: list[int] | None = None,
                  allowed: dict[str, np.ndarray] | None = None, strict: bool = False) -> list[tuple[int, float]]:
        """Nearest papers to the query's words. Semantic mode requires only the `au:` items (the other words are
        embedded); hybrid's semantic side (`strict`) every required item, as its keyword side does."""
        required = pq.required_match if strict else pq.author_match
        flt = SqlFilter(**{**asdict(base), "require_match": required, "exclude_match": pq.exclude_match})
        qv = self.embed_query(pq.semantic_text)
        if feedback:
            vecs = list(self.vectors.get(feedback, self.model()).values())
            if vecs:
                qv = qv + self.prf_weight * np.mean(vecs, axis=0)
                qv = (qv / np.linalg.norm(qv)).astype(np.float32)
        return self.nearest(qv, k, flt, allowed=allowed)

    def nearest(self, qv: np.ndarray, k: int, flt: SqlFilter | None = None, exclude: set[int] | None = None,
                allowed: dict[str, np.ndarray] | None = None) -> list[tuple[int, float]]:
        """Top-k (pk, cosine) for a query vector, among papers passing `flt` (filtered before the cut). `allowed`
        keeps each filter's passing pks for the caller's next call (one search's feedback round)."""
        vi = self.vector_index()
        exclude = exclude or set()
        kk = k + len(exclude)
        if flt is None or not flt.active:
            scores, ids = vi.search(qv, kk)
        else:
            # Broad filters: over-fetch and keep the candidates that pass. Narrow ones: search only
            # among the allowed pks (an id selector inside FAISS), which still yields k when k exist.
            scores, ids = vi.search(qv, kk * 8)
            cand = [int(i) for i in ids[0] if i >= 0]
            memo = {} if allowed is None else allowed
            key = json.dumps(asdict(flt), sort_keys=True)
            if key in memo:
                passing = set(np.asarray(cand, dtype=np.int64)[np.isin(cand, memo[key])].tolist())
            else:
                passing = set(self.store.filtered_pks(flt, among=cand).tolist())
            keep = [(int(i), float(s)) for s, i in zip(scores[0], ids[0]) if int(i) in passing]
            if len(keep) >= kk or len(cand) >= vi.ntotal:
                return [(pk, s) for pk, s in keep if pk not in exclude][:k]
            if key not in memo:
                memo[key] = self.store.filtered_pks(flt)
            scores, ids = vi.search(qv, kk, allowed=memo[key])
        out = [(int(i), float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0 and int(i) not in exclude]
        return out[:k]
