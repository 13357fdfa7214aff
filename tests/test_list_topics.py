"""A reading list of two subjects gets recommendations on both (`reading.list_topics`).

Ranked against the centroid of the whole list, the larger subject of a list took every place; now each topic
(an average-linkage group of 2+ list papers) is ranked against its own centroid and gets places in proportion to
its papers, a stray paper gets no places of its own, and the FAISS path still returns exactly what the scan does.
"""
from __future__ import annotations

import numpy as np
import pytest
from lists_support import ingest_rows
from test_lists_recommend import write_vectors
from test_lists_recommend_faiss import assert_same, both

from trendscope.foundation.home import Home
from trendscope.index.indexer import run_index
from trendscope.index.list_nearest import faiss_nearest
from trendscope.ingest.store import PaperStore
from trendscope.reading.list_topics import holds_every_topics_best, list_topics, shared_out, topic_places
from trendscope.reading.lists import ReadingLists
from trendscope.reading.recommend import score_candidates

DIM = 64


def near(axis: int, sims: list[float], first_noise: int, dim: int = DIM) -> np.ndarray:
    """Unit vectors at exactly these cosines to basis vector `axis`, each with its own orthogonal noise axis."""
    out = np.zeros((len(sims), dim), dtype=np.float32)
    for k, s in enumerate(sims):
        out[k, axis] = s
        out[k, first_noise + k] = np.sqrt(1 - s * s)
    return out


def test_two_topics_share_the_places_in_proportion():
    members = np.vstack([near(0, [0.9] * 4, 2), near(1, [0.9] * 2, 6)])  # 4 papers on topic A, 2 on topic B
    centroids, of_paper = list_topics(members)
    assert of_paper.tolist() == [0, 0, 0, 0, 1, 1] and len(centroids) == 3  # A, B, the whole list
    candidates = np.vstack([near(0, [0.8] * 10, 10), near(1, [0.8] * 10, 20)])  # 10 on A, 10 on B
    pks = np.arange(len(candidates))
    top = score_candidates(members, candidates, pks, limit=10)
    assert sum(i >= 10 for i in top) == 3 and sum(i < 10 for i in top) == 7  # 10 x 2/6 places, rounded
    # before: one centroid for the whole list (closer to A), and topic A took every place
    whole = score_candidates(members, candidates, pks, limit=10, similarity=None)
    assert all(i < 10 for i in whole)
    # a topic with too few candidates leaves its places to the best of the rest
    few_b = np.vstack([near(0, [0.8] * 10, 10), near(1, [0.8], 20)])
    top = score_candidates(members, few_b, np.arange(11), limit=10)
    assert len(top) == 10 and 10 in top  # B's one paper and nine of A's (ties: the larger pk, newer, first)


def test_a_stray_paper_gets_no_topic_of_its_own():
    members = np.vstack([near(0, [0.9] * 5, 2), near(1, [1.0], 7)])  # 5 on the topic, 1 stray
    centroids, of_paper = list_topics(members)
    assert len(centroids) == 1 and of_paper.tolist() == [0] * 6
    candidates = np.vstack([near(0, [0.8] * 10, 10), near(1, [0.95] * 10, 20)])
    top = score_candidates(members, candidates, np.arange(20), limit=10)
    assert sorted(top) == list(range(10))  # the list's topic, not the stray paper's close neighbours


def test_places_and_sharing_out():
    assert topic_places(np.array([0, 0, 0, 1, 1, 1]), 3, 10).tolist() == [5, 5, 0]
    assert topic_places(np.array([0, 0, 0, 0, 1, 1, 2]), 3, 10).tolist() == [6, 3, 1]  # 5.71, 2.86, 1.43
    order = np.array([0, 1, 2, 3, 4, 5])
    assert shared_out(order, np.array([0, 0, 0, 0, 1, 1]), np.array([2, 2]), 4) == [0, 1, 4, 5]
    assert shared_out(order, np.array([0, 0, 0, 0, 0, 1]), np.array([2, 2]), 4) == [0, 1, 2, 5]


@pytest.fixture
def clustered_home(home, sample_rows, embedder):
    """150 sample papers with synthetic stored vectors (two tight subjects of 40 papers and 70 scattered ones) and
    an exact FAISS index built from them by run_index."""
    rows = [r for r in sample_rows if r["authors"] and "/" not in r["id"]][:150]
    rng = np.random.default_rng(3)
    dim = embedder.dim
    vecs = rng.normal(size=(150, dim)).astype(np.float32)
    for block, axis in ((slice(0, 40), 0), (slice(40, 80), 1)):
        vecs[block, axis] += 25.0 + 10.0 * rng.random(40).astype(np.float32)  # cosine 0.8-0.9 to the axis
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    db = ingest_rows(home, rows)
    store = PaperStore(db)
    write_vectors(db, [store.pk_of(r["id"]) for r in rows], vecs, embedder.model_id)
    res = run_index(db, Home(home), progress=False, embedder=embedder, update_tags=False)
    assert res.embedded == 0 and res.faiss_kind == "flat"
    return db, rows, vecs


def test_faiss_path_equals_brute_force_for_a_two_topic_list(home, clustered_home):
    db, rows, vecs = clustered_home
    members = [0, 5, 9, 13, 41, 44, 120]  # 4 of subject A, 2 of subject B, 1 scattered paper
    _, of_paper = list_topics(vecs[members])
    assert of_paper.tolist() == [0, 0, 0, 0, 1, 1, 2]  # two topics; the scattered paper uses the whole list's
    rl = ReadingLists(db)
    rl.create("Two")
    rl.add("Two", [rows[i]["id"] for i in members])
    rl.mark_not_interested("Two", [rows[i]["id"] for i in (1, 42)])
    nearest = faiss_nearest(db, Home(home))
    for limit in (1, 3, 7, 10, 25, 60):
        brute, fast = both(rl, nearest, "Two", limit=limit)
        assert_same(brute, fast)
        if limit == 10:
            top = {r.arxiv_id for r in fast.items}
    subject_b = {rows[i]["id"] for i in range(40, 80)}
    assert len(top & subject_b) >= 3  # subject B holds its share of the first ten (10 x 2/7, rounded)


def test_candidates_are_complete_only_when_every_topic_reaches_its_bound():
    """The FAISS path asks deeper until each topic's last place scores at least what a paper not found yet could
    score with its best match in that topic: topic A's places alone reaching the overall bound is not enough."""
    scores = np.array([1.9, 1.8, 1.7, 1.6, 1.5, 1.4, 1.3, 1.0, 0.9, 0.8])
    topic_of = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1])
    places = np.array([3, 2])
    # topic B's 2nd best (0.9) is below what an unfound B paper could score (1.2): not complete yet
    assert not holds_every_topics_best(scores, topic_of, places, np.array([1.25, 1.2]), 5, 1.25)
    assert holds_every_topics_best(scores, topic_of, places, np.array([1.25, 0.85]), 5, 1.25)
    # topic B has run out (its bound -inf) with 1 paper for 2 places: the rest come from the best 2 x 5 overall
    short = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert not holds_every_topics_best(scores, short, places, np.array([1.25, -np.inf]), 5, 1.25)
    assert holds_every_topics_best(scores, short, places, np.array([0.75, -np.inf]), 5, 0.75)
    # one topic: its own places reaching the bound is enough
    assert holds_every_topics_best(scores, np.zeros(10, dtype=int), np.array([5]), np.array([1.45]), 5, 1.45)
    assert not holds_every_topics_best(scores, np.zeros(10, dtype=int), np.array([5]), np.array([1.55]), 5, 1.55)
