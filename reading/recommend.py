"""Recommendations for a reading list: stored papers close to the list's papers and to its topic.

Rank of a candidate = its best cosine similarity to one paper of the list + TOPIC_WEIGHT x its cosine to the
centroid of that paper's topic (vectors are L2-normalised, so dot products); its score is that best cosine, and
the reason names that list paper. A list's topics are groups of its papers (average-linkage clusters of at
least two papers, `reading.list_topics`); a paper in no such group uses the centroid of the whole
list, so one stray paper does not get a topic of its own, and each topic gets places in proportion to its papers.
Papers already in the list and papers marked "not interested" for the list are never returned. `since` keeps only
papers published on or after a date, so recommendations can favour new work. Vectors come from the stored
embeddings (the truth the FAISS cache is built from), so this needs `trendscope index` to have run.

Two ways to find candidates, same scores: brute force over every stored vector (the default), or, given a
`NearestSource` (the FAISS cache, `index.list_nearest.FaissNearest`), the union of each list paper's and each
topic centroid's top `k` neighbours, asked deeper until it provably holds the top `limit` (`_nearest_candidates`);
with an IVF index it is approximate. Either way the candidates are re-scored from their stored vectors, so scores
and reasons are the exact cosines.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from trendscope.foundation.errors import TrendscopeError
from trendscope.ingest.records import abs_url
from trendscope.ingest.store import PaperStore

from .list_closeness import background_sample, close_floor
from .list_store import ListStore
from .list_topics import (
    TOPIC_SIMILARITY,
    holds_every_topics_best,
    list_topics,
    shared_out,
    topic_places,
    topic_similarity,
)

log = logging.getLogger(__name__)

_BLOCK = 8192  # candidate rows scored at once (bounds memory for long lists)
NEAREST_MARGIN = 10  # extra neighbours asked per list paper (ties at the cut)
# Rank = best cosine to one list paper + TOPIC_WEIGHT x cosine to the list's centroid. The best match alone (each
# list paper's own neighbours, spread over the list papers) let one paper of another topic, or a side topic of one
# paper, fill places (a blind walkthrough: 5 of 20 recommendations for a continual-learning list were about it).
# On lists made from the blind search dev set, the share of recommendations graded relevant went from 0.769 to
# 0.907 (tuning half) and 0.752 to 0.859 (report half) (bench/list_recs_eval.py, docs/performance.md).
TOPIC_WEIGHT = 1.0
MAX_NEIGHBOURS = 1 << 16  # the FAISS path asks at most this deep (then it is approximate)


class VectorSource(Protocol):
    """What recommendations need from `index.vector_store.VectorStore`."""

    def load_all(self, model: str) -> tuple[np.ndarray, np.ndarray]: ...

    def get(self, pks, model: str) -> dict: ...

    def model_in_use(self) -> str | None: ...


class NearestSource(Protocol):
    """Top-k stored papers per query vector (what `index.list_nearest.FaissNearest` provides).

    `since` keeps only papers published on/after that ISO date, applied before the top-k cut.
    Returns (pks [n_queries, k] int64, -1 where missing; scores [n_queries, k]).
    """

    def nearest(self, queries: np.ndarray, k: int, since: str | None = None) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass
class Recommendation:
    arxiv_id: str
    pk: int
    title: str
    score: float
    published: str | None
    authors: list[str]
    primary_category: str | None
    because_id: str
    because_title: str
    close: bool = True  # its score passes the list's closeness floor (`list_closeness`)

    @property
    def reason(self) -> str:
        # "close to" below a "further from the list" line contradicted it (a blind walkthrough)
        return f"close to {self.because_title}" if self.close else f"nearest list paper: {self.because_title}"

    def to_dict(self) -> dict:
        return {
            "arxiv_id": self.arxiv_id, "title": self.title, "score": round(self.score, 4),
            "published": self.published, "authors": self.authors, "primary_category": self.primary_category,
            "reason": self.reason, "because_id": self.because_id, "url": abs_url(self.arxiv_id),
            "close": self.close,
        }


@dataclass
class RecommendResult:
    items: list[Recommendation] = field(default_factory=list)
    model: str | None = None
    list_size: int = 0
    used: int = 0  # list papers that had a vector
    not_indexed: list[str] = field(default_factory=list)  # list papers without a vector (or not ingested)
    not_ingested: list[str] = field(default_factory=list)  # of those, the ones not in the corpus at all
    excluded: int = 0  # candidates dropped: in the list, not interested or withdrawn (faiss: among its neighbours)
    candidates: int = 0  # candidates scored (brute force: every stored vector passing `since`)
    method: str = "brute-force"  # or "faiss" (candidates from a NearestSource)
    floor: float | None = None  # the lowest ranking score that counts as close (None: too few papers to tell)

    @property
    def close(self) -> list[Recommendation]:
        return [r for r in self.items if r.close]

    @property
    def further(self) -> list[Recommendation]:
        """The recommendations that only fill places: not close to the list (`list_closeness`)."""
        return [r for r in self.items if not r.close]

    @property
    def why_none(self) -> str:
        """Why no list paper could be used, and what would mend it: `index` cannot embed a paper not ingested (the
        app said "run `trendscope index`" for a list of imported papers not in the corpus: a blind walkthrough)."""
        if self.not_indexed and set(self.not_ingested) == set(self.not_indexed):
            return ("none of the list's papers is in the corpus yet: they arrive with `trendscope ingest` (or a "
                    "snapshot import), then `trendscope index` embeds them")
        return "none of the list's papers is embedded yet: run `trendscope index`"


def default_vector_source(db) -> VectorSource:
    from trendscope.index.vector_store import VectorStore

    return VectorStore(db)


def _spread(best: np.ndarray, which: np.ndarray, c_pks: np.ndarray, limit: int, sources: int) -> list[int]:
    """The `limit` best candidates (highest score first; ties: the newer paper, larger pk, first), at most
    `per_source` of them close to one and the same list paper while others have candidates left: one paper of an
    unusual topic with many near neighbours filled 9 of 12 places and the list's main topic got none (a blind
    walkthrough)."""
    order = np.lexsort((-c_pks, -best.astype(np.float64))).tolist()  # by score, then the newer paper
    per_source = max(2, math.ceil(2 * limit / max(sources, 1)))
    taken: list[int] = []
    held: list[int] = []
    used: dict[int, int] = {}
    for i in order:
        if len(taken) == limit:
            break
        src = int(which[i])
        if used.get(src, 0) < per_source:
            used[src] = used.get(src, 0) + 1
            taken.append(i)
        elif len(held) < limit:
            held.append(i)
    taken += held[: limit - len(taken)]  # too few other sources: the best of the rest after all
    return sorted(taken, key=lambda i: (-float(best[i]), -int(c_pks[i])))


def ranking_scores(q: np.ndarray, c: np.ndarray, topics: tuple[np.ndarray, np.ndarray],
                   topic_weight: float = TOPIC_WEIGHT) -> np.ndarray:
    """What a candidate is ranked by: its best cosine to one list paper + `topic_weight` x its cosine to the
    centroid of that paper's topic."""
    if not len(c):
        return np.zeros(0, dtype=np.float32)
    best, which = _best_matches(q, c)
    return best + np.float32(topic_weight) * topic_similarity(c, which, *topics)


def _best_matches(q: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate, its best cosine to one list paper and which list paper that is."""
    best = np.empty(len(c), dtype=np.float32)
    which = np.empty(len(c), dtype=np.int64)
    for start in range(0, len(c), _BLOCK):
        sims = c[start : start + _BLOCK] @ q.T
        which[start : start + _BLOCK] = sims.argmax(axis=1)
        best[start : start + _BLOCK] = sims.max(axis=1)
    return best, which


def score_candidates(q: np.ndarray, c: np.ndarray, c_pks: np.ndarray, limit: int,
                     topic_weight: float = TOPIC_WEIGHT, spread: bool = False,
                     best_which: tuple[np.ndarray, np.ndarray] | None = None,
                     similarity: float | None = TOPIC_SIMILARITY, balance: bool = True,
                     topics: tuple[np.ndarray, np.ndarray] | None = None) -> list[int]:
    """The indices (into `c`) of the `limit` recommendations, best first: by the best match to one list paper plus
    `topic_weight` x the similarity to the centroid of that paper's topic (`list_topics`; `similarity` None: one
    topic, the whole list), each topic taking places in proportion to its list papers (`balance`). `spread` (the
    earlier ranking, for the bench): at most a share of the places for the neighbours of one list paper.
    `topics`: `list_topics(q, similarity)` when the caller has it already."""
    best, which = best_which if best_which is not None else _best_matches(q, c)
    centroids, of_paper = topics if topics is not None else list_topics(q, similarity)
    if topic_weight:
        best = best + np.float32(topic_weight) * topic_similarity(c, which, centroids, of_paper)
    if spread:
        return _spread(best, which, c_pks, limit, len(q))
    order = np.lexsort((-c_pks, -best.astype(np.float64)))
    if balance and len(centroids) > 1:
        return shared_out(order, of_paper[which], topic_places(of_paper, len(centroids), limit), limit)
    return order[:limit].tolist()


def _nearest_candidates(nearest: NearestSource, vectors: VectorSource, model: str, q: np.ndarray, limit: int,
                        excluded_pks: set[int], since: str | None, topics: tuple[np.ndarray, np.ndarray],
                        first_depth: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Candidates from the nearest neighbours of each list paper and of each of the list's topic centroids, asked
    deeper until they provably hold the top `limit` (with an exact index): a paper outside every neighbour list
    whose best match is list paper j scores at most j's k-th similarity plus TOPIC_WEIGHT x the k-th of j's topic
    centroid, so once each topic's last place scores its largest such sum (`holds_every_topics_best`), no paper
    left out could take a place. `first_depth`: the neighbours asked first (default: enough to pass over every
    excluded paper)."""
    centroids, of_paper = topics  # `list_topics(q)`
    queries = np.vstack([q, centroids])
    k = first_depth or limit + len(excluded_pks) + NEAREST_MARGIN
    while True:
        n_pks, n_sc = nearest.nearest(queries, k, since)
        n_pks, n_sc = np.asarray(n_pks, dtype=np.int64), np.asarray(n_sc, dtype=np.float32)
        cand = [pk for pk in np.unique(n_pks[n_pks >= 0]).tolist() if pk not in excluded_pks]
        got = vectors.get(cand, model)
        c_pks = np.array(sorted(got), dtype=np.int64)
        c = (np.stack([np.asarray(got[int(pk)], dtype=np.float32) for pk in c_pks])
             if len(c_pks) else np.zeros((0, q.shape[1]), dtype=np.float32))
        # the k-th similarity of each query; a query with fewer than k neighbours returned every paper
        kth = [float(row_sc[-1]) if len(row_sc) == k and row_pk[-1] >= 0 else -np.inf
               for row_pk, row_sc in zip(n_pks, n_sc, strict=True)]
        n = len(q)
        bounds = np.full(len(centroids), -np.inf)  # per topic: what a paper not found could score at most
        for j in range(n):
            t = int(of_paper[j])
            bounds[t] = max(bounds[t], kth[j] + TOPIC_WEIGHT * kth[n + t])
        bound = float(bounds.max())
        if bound == -np.inf or k >= MAX_NEIGHBOURS:
            return c_pks, c
        if len(c_pks) >= limit:
            best, which = _best_matches(q, c)
            scores = best + np.float32(TOPIC_WEIGHT) * topic_similarity(c, which, centroids, of_paper)
            places = (topic_places(of_paper, len(centroids), limit) if len(centroids) > 1
                      else np.array([limit], dtype=np.int64))
            if holds_every_topics_best(scores, of_paper[which], places, bounds, limit, bound):
                return c_pks, c
        k *= 4


def recommend(
    store: ListStore,
    list_id: int,
    limit: int = 10,
    since: str | None = None,
    vectors: VectorSource | None = None,
    nearest: NearestSource | None = None,
) -> RecommendResult:
    """Top `limit` papers closest to the list, never one in it or marked not interested.

    With `nearest` the candidates come from it (FAISS) instead of a scan of every stored vector."""
    vectors = vectors or default_vector_source(store.db)
    model = vectors.model_in_use()
    member_ids = store.item_ids(list_id)
    res = RecommendResult(model=model, list_size=len(member_ids))
    if not member_ids:
        return res
    if model is None:
        raise TrendscopeError("no paper vectors stored yet: run `trendscope index` first")
    excluded_ids = member_ids | store.not_interested_ids(list_id)
    member_pks = store.pks_of(member_ids)
    listed_pks = set(store.pks_of(excluded_ids).values())
    # a withdrawn paper is not one to read next (a walkthrough of odd real-world data); few of them are anyone's
    # neighbours, so they do not deepen the first FAISS search as the list's own papers do
    excluded_pks = listed_pks | store.withdrawn_pks()
    member_vecs = vectors.get(list(member_pks.values()), model)
    q_pks = np.array(sorted(member_vecs), dtype=np.int64)
    res.used = len(q_pks)
    pk_to_id = {pk: aid for aid, pk in member_pks.items()}
    res.not_indexed = sorted(a for a in member_ids if member_pks.get(a) not in member_vecs)
    res.not_ingested = sorted(a for a in member_ids if a not in member_pks)
    if res.used == 0:
        return res
    q = np.stack([np.asarray(member_vecs[int(pk)], dtype=np.float32) for pk in q_pks])
    topics = list_topics(q)  # once: the FAISS candidates and the ranking both use them

    if nearest is not None and limit > 0:
        res.method = "faiss"
        c_pks, c = _nearest_candidates(nearest, vectors, model, q, limit, excluded_pks, since, topics,
                                       first_depth=limit + len(listed_pks) + NEAREST_MARGIN)
    elif since:
        cand = store.pks_published_since(since)
        got = vectors.get(cand, model)
        c_pks = np.array(sorted(got), dtype=np.int64)
        c = (np.stack([np.asarray(got[int(pk)], dtype=np.float32) for pk in c_pks])
             if len(c_pks) else np.zeros((0, q.shape[1]), dtype=np.float32))
    else:
        c_pks, c = vectors.load_all(model)
        c_pks = np.asarray(c_pks, dtype=np.int64)
    keep = ~np.isin(c_pks, np.fromiter(excluded_pks, dtype=np.int64, count=len(excluded_pks)))
    res.excluded = int((~keep).sum())
    c_pks, c = c_pks[keep], c[keep]
    res.candidates = len(c_pks)
    if not len(c_pks) or limit <= 0:
        return res

    best, which = _best_matches(q, c)
    top = score_candidates(q, c, c_pks, limit, best_which=(best, which), topics=topics)
    background = vectors.get(background_sample(store.pk_bounds()), model)
    res.floor = close_floor(lambda v: ranking_scores(q, v, topics),
                            np.stack(list(background.values())) if background else np.zeros((0, q.shape[1])))
    ranked = ranking_scores(q, c[top], topics) if top else np.zeros(0)

    papers = PaperStore(store.db).get_by_pks([int(c_pks[i]) for i in top] + [int(p) for p in q_pks])
    for i, rank_score in zip(top, ranked, strict=True):
        pk = int(c_pks[i])
        p = papers.get(pk)
        if p is None:  # vector of a paper that is gone: skip
            continue
        src_pk = int(q_pks[which[i]])
        src = papers.get(src_pk)
        res.items.append(
            Recommendation(
                arxiv_id=p.id, pk=pk, title=p.title, score=float(best[i]), published=p.published,
                authors=list(p.authors), primary_category=p.primary_category,
                because_id=pk_to_id.get(src_pk, ""), because_title=src.title if src else pk_to_id.get(src_pk, ""),
                close=res.floor is None or float(rank_score) >= res.floor,
            )
        )
    res.items = res.close + res.further  # each topic's places hold close papers first; these come first overall
    return res
