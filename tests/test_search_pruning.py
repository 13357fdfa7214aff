"""The keyword side skips the papers that hold only common query words when that provably keeps the same top k
(index/keyword_pruning.py): same papers, same order, same scores as scoring every match."""
from __future__ import annotations

import math

import pytest
from index_support import make_home

from trendscope.index import keyword_pruning
from trendscope.index.fts_query import parse_query
from trendscope.index.keyword_pruning import BM25_K1, exact_top, fts5_idf, plan
from trendscope.index.search import Searcher, SearchRequest
from trendscope.index.search_store import SearchStore, SqlFilter
from trendscope.ingest.store import PaperStore

QUERIES = [
    "low-resource neural machine translation", "graph neural networks for molecule property prediction",
    "speech emotion recognition", "adversarial attacks on image classifiers", "federated learning with non-IID data",
    "reinforcement learning for robot control", "sparse attention for long documents", "image captioning",
    "knowledge distillation for compressing language models", "privacy of deep learning models",
    "convergence of stochastic gradient descent", "question answering over knowledge graphs",
    "\"the of\" and", "zzqxunfindable speech", "transformer* pruning", "recognition OR detection of objects",
]


@pytest.fixture(scope="module")
def keyword_home(tmp_path_factory, sample_rows):
    home, db = make_home(tmp_path_factory.mktemp("prune") / "home", sample_rows)
    return home, db


def test_one_phrase_never_adds_more_than_its_bound(keyword_home):
    """The bound used for pruning, (k1 + 1) x IDF, holds for FTS5's own bm25() with our column weights."""
    _home, db = keyword_home
    store = SearchStore(db)
    n = store.doc_count()
    for word in ("learning", "speech", "graph", "attention", "privacy"):
        hits = store.doc_count(f'"{word}"')
        scores = [s for _, s in store.keyword(f'"{word}"', SqlFilter(), 10_000)]
        assert len(scores) == hits > 0
        bound = (BM25_K1 + 1) * fts5_idf(n, hits)
        assert max(scores) < bound
        assert math.isclose(fts5_idf(n, hits), math.log((n - hits + 0.5) / (hits + 0.5)))


def test_plan_tries_the_rarest_words_first_and_leaves_filtering_queries_alone():
    counts = {'"speech"': 900, '"emotion"': 120, '"recognition"': 5000}
    pq = parse_query("speech emotion recognition")
    splits = plan(pq, 100_000, counts.__getitem__, 100)
    assert [s.essential for s in splits] == ['"emotion"', '"emotion" OR "speech"']
    assert splits[0].bound > splits[1].bound > 0
    assert plan(pq, 100_000, counts.__getitem__, 1000)[0].essential == '"emotion" OR "speech"'  # 120 < 1000
    assert plan(pq, 1_000, counts.__getitem__, 100) == []  # small home: the full query is fast anyway
    for required in ("+speech emotion recognition", 'speech "emotion recognition"', "speech emotion -music",
                     "ti:speech emotion"):
        assert plan(parse_query(required), 100_000, lambda m: 10, 5) == []


def test_exact_top_needs_k_papers_above_the_bound():
    split = keyword_pruning.Split('"a"', 5.0)
    assert exact_top([(1, 9.0), (2, 6.0)], split, 2)
    assert not exact_top([(1, 9.0), (2, 5.0)], split, 2)  # a paper without "a" could score 4.99: a tie is unsafe
    assert not exact_top([(1, 9.0)], split, 2)


def test_pruned_keyword_side_gives_the_full_querys_top_k(keyword_home, monkeypatch):
    home, db = keyword_home
    monkeypatch.setattr(keyword_pruning, "MIN_PAPERS", 0)
    full = Searcher(db, home, prune=False)
    pruned = Searcher(db, home, prune=True)
    used = []
    original = pruned._ranked

    def spy(store, match, flt, k, splits):
        out = original(store, match, flt, k, splits)
        used.append(any(exact_top(store.keyword_among(match, s.essential, flt, k, pruned.bm25_weights), s, k)
                        for s in splits))
        return out

    pruned._ranked = spy
    filters = [SqlFilter(), SqlFilter(categories=["cs.CL"], since="2019-01-01"), SqlFilter(until="2017-12-31")]
    for q in QUERIES:
        pq = parse_query(q)
        for k, flt in ((10, filters[0]), (100, filters[0]), (10, filters[1]), (30, filters[2])):
            a = full._keyword(pq, flt, k, "relevance")
            b = pruned._keyword(pq, flt, k, "relevance")
            assert [pk for pk, _ in a] == [pk for pk, _ in b], (q, flt)
            assert all(math.isclose(x, y, rel_tol=1e-9) for (_, x), (_, y) in zip(a, b))
    assert sum(used) >= 2 * len(QUERIES)  # most queries really were answered from the rare words alone
    assert not all(used)  # and some fell back to the full query
    for q in QUERIES[:4]:
        for req in (SearchRequest(q, mode="keyword", limit=25),
                    SearchRequest(q, mode="keyword", limit=25, categories=["cs.LG"], since="2020")):
            assert [h.id for h in pruned.search(req)] == [h.id for h in full.search(req)]


def test_the_paper_count_is_the_one_fts5_scores_with(tmp_path, sample_rows):
    """`doc_count()` reads FTS5's own row count (its BM25's N): right when empty, after imports and rebuilds."""
    home, db = make_home(tmp_path / "home", [])
    store = SearchStore(db)
    assert store.doc_count() == 0
    for rows in (sample_rows[:3], sample_rows[:300], sample_rows[:2100]):  # 2,100 rows: a 2-byte varint and more
        home, db = make_home(tmp_path / "home", rows)
        store = SearchStore(db)
        assert store.doc_count() == len(rows) == db.execute("SELECT count(*) FROM papers_fts").fetchone()[0]
    PaperStore(db).rebuild_fts()
    assert SearchStore(db).doc_count() == 2100
