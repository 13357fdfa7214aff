"""Semantic mode's and hybrid's meaning side: the query's words embedded (cached), moved towards the first
results' vectors in hybrid's feedback round, and the nearest papers in the FAISS index among those passing the
filters (filtered before the top-k cut). A mixin of `search.Searcher`, which holds the store, the vectors, the
model (`model()`), the embedder (`embedder()`), the index (`vector_index()`) and the settings it reads
(`prf_weight`).
"""
from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict

import numpy as np

from .embedder import paper_text
from .fts_query import ParsedQuery
from .search_store import SearchStore, SqlFilter
from .vector_store import VectorStore

log = logging.getLogger(__name__)

UNEMBEDDED_MAX = 15  # keyword candidates without a stored vector embedded per search (the keyword side's first)
FRESH_KEPT = 5_000  # such vectors kept by the process, for every searcher (the app makes one per search)
_FRESH: OrderedDict[tuple[str, int, str], np.ndarray] = OrderedDict()  # (model, pk, text) -> vector
_FRESH_LOCK = threading.Lock()  # the app's sessions search on threads of one process


def with_unembedded(found: list[tuple[int, float]], qv: np.ndarray, unembedded: dict[int, np.ndarray],
                    k: int) -> list[tuple[int, float]]:
    """`found` (pk, cosine; best first, at most k) with the `unembedded` papers placed by their cosine to `qv`,
    those that would have been among the k nearest had the index held them."""
    if not unembedded:
        return found
    floor = found[-1][1] if len(found) >= k else -np.inf
    seen = {pk for pk, _ in found}
    extra = [(pk, float(v @ qv)) for pk, v in unembedded.items() if pk not in seen]
    return sorted(found + [e for e in extra if e[1] >= floor], key=lambda x: (-x[1], x[0]))[:k]


class SemanticSide:
    """Nearest papers by meaning for `Searcher` (see the module's docstring for what it reads)."""

    store: SearchStore
    vectors: VectorStore
    _texts: Callable[[list[int]], dict[int, tuple[str, str]]]
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
                  allowed: dict[str, np.ndarray] | None = None, strict: bool = False,
                  unembedded: dict[int, np.ndarray] | None = None) -> list[tuple[int, float]]:
        """Nearest papers to the query's words. Semantic mode requires only the `au:` items (the other words are
        embedded); hybrid's semantic side (`strict`) every required item, as its keyword side does. `unembedded`:
        vectors of papers the index does not hold yet, placed by their cosine (`with_unembedded`)."""
        required = pq.required_match if strict else pq.author_match
        flt = SqlFilter(**{**asdict(base), "require_match": required, "exclude_match": pq.exclude_match})
        qv = self.embed_query(pq.semantic_text)
        if feedback:
            vecs = [*self.vectors.get(feedback, self.model()).values(),
                    *(unembedded[pk] for pk in feedback if unembedded and pk in unembedded)]
            if vecs:
                qv = qv + self.prf_weight * np.mean(vecs, axis=0)
                qv = (qv / np.linalg.norm(qv)).astype(np.float32)
        return with_unembedded(self.nearest(qv, k, flt, allowed=allowed), qv, unembedded or {}, k)

    def embedded_now(self, pks: list[int]) -> dict[int, np.ndarray]:
        """Vectors, computed now, of those of `pks` (keyword candidates, filters passed) that have no stored vector
        yet (ingested since the last `trendscope index`, or an index run stopped halfway): the meaning side could
        not find them, so hybrid ranked a new paper holding the query's very phrase below older papers holding one
        of its words (a blind walkthrough). At most UNEMBEDDED_MAX; none on a home that is fully indexed."""
        model = self.model()
        if model is None or not pks:
            return {}
        have = self.vectors.embedded_among(pks, model)
        missing = [pk for pk in pks if pk not in have][:UNEMBEDDED_MAX]
        if not missing:
            return {}
        texts = {pk: paper_text(*t) for pk, t in self._texts(missing).items()}
        keys = {pk: (model, pk, texts[pk]) for pk in missing if pk in texts}
        with _FRESH_LOCK:
            todo = [pk for pk, key in keys.items() if key not in _FRESH]
        if todo:  # about a quarter of a second each with the NumPy query encoder on 2 cores: once per process
            log.info("%d keyword candidates not embedded yet: embedded for this search", len(todo))
            vecs = self.embedder().encode([texts[pk] for pk in todo])
            with _FRESH_LOCK:
                for pk, v in zip(todo, vecs):
                    _FRESH[keys[pk]] = np.asarray(v, dtype=np.float32)
                while len(_FRESH) > FRESH_KEPT:
                    _FRESH.popitem(last=False)
        with _FRESH_LOCK:
            return {pk: _FRESH[key] for pk, key in keys.items() if key in _FRESH}

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
