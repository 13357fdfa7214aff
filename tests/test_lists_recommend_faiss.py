"""Recommendations from the FAISS cache give exactly what the brute-force scan gives.

A real exact index (built by `index.indexer.run_index`) over real MiniLM vectors of 150 sample papers;
10 more papers are ingested without vectors. The FAISS path (`index.list_nearest.FaissNearest`) and the
brute-force path must agree on ids, order, reasons and scores, with and without `since`, when list
members and "not interested" papers are the nearest neighbours, and never return an excluded paper.
"""
from __future__ import annotations

import json

import pytest
from lists_support import cli, ingest_rows
from test_lists_recommend import corpus, expected_ranking, write_vectors  # noqa: F401 (fixture)

from trendscope.foundation.home import Home
from trendscope.index.indexer import run_index
from trendscope.index.list_nearest import FaissNearest, faiss_nearest
from trendscope.index.search import Searcher
from trendscope.ingest.store import PaperStore
from trendscope.reading.lists import ReadingLists

N_INDEXED = 150


@pytest.fixture
def faiss_home(home, corpus, embedder):  # noqa: F811
    """150 papers with stored vectors and an exact FAISS index from run_index; 10 more with no vector."""
    rows, vecs, model = corpus
    db = ingest_rows(home, rows[:N_INDEXED])
    store = PaperStore(db)
    write_vectors(db, [store.pk_of(r["id"]) for r in rows[:N_INDEXED]], vecs[:N_INDEXED], model)
    res = run_index(db, Home(home), progress=False, embedder=embedder, update_tags=False)
    assert res.embedded == 0 and res.faiss_kind == "flat" and res.total == N_INDEXED
    ingest_rows(home, rows[N_INDEXED:]).close()  # ingested after indexing: no vector, not in the index
    return db, rows, vecs


def both(rl: ReadingLists, nearest, name: str, **kw):
    brute = rl.recommend(name, **kw)
    fast = rl.recommend(name, nearest=nearest, **kw)
    assert brute.method == "brute-force" and fast.method == "faiss"
    return brute, fast


def assert_same(brute, fast) -> None:
    assert [r.arxiv_id for r in fast.items] == [r.arxiv_id for r in brute.items]
    assert [r.because_id for r in fast.items] == [r.because_id for r in brute.items]
    assert [r.reason for r in fast.items] == [r.reason for r in brute.items]
    assert [r.score for r in fast.items] == pytest.approx([r.score for r in brute.items], abs=1e-6)
    assert (fast.used, fast.not_indexed, fast.list_size) == (brute.used, brute.not_indexed, brute.list_size)


def test_faiss_path_equals_brute_force_with_exclusions(home, faiss_home):
    db, rows, vecs = faiss_home
    nearest = faiss_nearest(db, Home(home))
    assert isinstance(nearest, FaissNearest)
    rl = ReadingLists(db)
    rl.create("R")
    members = [3, 40, 77, 120, N_INDEXED + 2]  # the last one is ingested but has no vector
    rl.add("R", [rows[i]["id"] for i in members])
    for limit in (1, 5, 10, N_INDEXED):
        brute, fast = both(rl, nearest, "R", limit=limit)
        assert_same(brute, fast)
        assert len(fast.items) == min(limit, N_INDEXED - 4)
    # each member's nearest neighbour in the index is itself (cosine 1): the members are never returned
    assert not {rows[i]["id"] for i in members} & {r.arxiv_id for r in fast.items}
    assert fast.not_indexed == [rows[N_INDEXED + 2]["id"]]

    # "not interested" on the 6 best recommendations: they would rank on top, and never come back
    top = [r.arxiv_id for r in brute.items[:6]]
    rl.mark_not_interested("R", top)
    excluded = {rows[i]["id"] for i in members} | set(top)
    for limit in (3, 10):
        brute, fast = both(rl, nearest, "R", limit=limit)
        assert_same(brute, fast)
        assert not excluded & {r.arxiv_id for r in fast.items}
        idx = {r["id"]: k for k, r in enumerate(rows)}
        assert [r.arxiv_id for r in fast.items] == expected_ranking(
            rows, vecs, members, {idx[a] for a in excluded}, indexed=N_INDEXED, limit=limit)


def test_faiss_path_equals_brute_force_with_since(home, faiss_home):
    db, rows, vecs = faiss_home
    nearest = faiss_nearest(db, Home(home))
    rl = ReadingLists(db)
    rl.create("S")
    rl.add("S", [rows[i]["id"] for i in (7, 8, 60)])
    dates = sorted(r["published"] for r in rows[:N_INDEXED])
    rl.mark_not_interested("S", [rows[9]["id"]])
    for since in (dates[0], dates[N_INDEXED // 2], dates[-5], dates[-1]):
        for limit in (3, 12):
            brute, fast = both(rl, nearest, "S", limit=limit, since=since)
            assert_same(brute, fast)
            assert all(r.published >= since for r in fast.items)
            want = sum(1 for k, r in enumerate(rows[:N_INDEXED]) if r["published"] >= since and k not in (7, 8, 60, 9))
            assert len(fast.items) == min(limit, want)
    brute, fast = both(rl, nearest, "S", limit=5, since="2999-01-01")
    assert fast.items == [] and brute.items == []


def test_long_list_small_limit(home, faiss_home):
    """40 members + 20 not-interested, limit 2: the per-member top-k must reach past all excluded papers."""
    db, rows, vecs = faiss_home
    nearest = faiss_nearest(db, Home(home))
    rl = ReadingLists(db)
    rl.create("L")
    rl.add("L", [rows[i]["id"] for i in range(0, 80, 2)])
    rl.mark_not_interested("L", [rows[i]["id"] for i in range(1, 41, 2)])
    brute, fast = both(rl, nearest, "L", limit=2)
    assert_same(brute, fast)
    assert len(fast.items) == 2


def test_no_index_file_falls_back_and_cli_uses_faiss(home, faiss_home):
    db, rows, vecs = faiss_home
    assert cli(home, "lists", "create", "C").exit_code == 0
    assert cli(home, "lists", "add", "C", rows[10]["id"], rows[11]["id"]).exit_code == 0
    assert cli(home, "lists", "not-interested", "C", rows[12]["id"]).exit_code == 0
    r = cli(home, "lists", "recommend", "C", "-n", "5", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["method"] == "faiss"
    with_faiss = [(x["arxiv_id"], x["because_id"]) for x in data["items"]]
    assert [a for a, _ in with_faiss] == expected_ranking(rows, vecs, [10, 11], {10, 11, 12}, indexed=N_INDEXED,
                                                          limit=5)

    for p in (Home(home).index_dir).iterdir():  # no index file: the CLI scans the stored vectors
        p.unlink()
    assert faiss_nearest(db, Home(home)) is None
    data = json.loads(cli(home, "lists", "recommend", "C", "-n", "5", "--json").stdout)
    assert data["method"] == "brute-force"
    assert [(x["arxiv_id"], x["because_id"]) for x in data["items"]] == with_faiss


def test_adapter_filters_before_the_cut(home, faiss_home):
    """FaissNearest with `since` returns k papers from the period even when the nearest ones are older."""
    db, rows, vecs = faiss_home
    fn = FaissNearest(Searcher(db, Home(home)))
    dates = sorted(r["published"] for r in rows[:N_INDEXED])
    store = PaperStore(db)
    row_pk = [store.pk_of(r["id"]) for r in rows[:N_INDEXED]]
    # a broad period (over-fetch and keep what passes) and a narrow one (search among the allowed pks)
    for since, k in ((dates[-60], 8), (dates[-20], 8), (dates[-4], 3)):
        pks, scores = fn.nearest(vecs[:5], k, since)
        assert pks.shape == (5, k) and (pks >= 0).all()
        for qi in range(5):  # the exact top k among the papers of the period
            sims = sorted(((float(vecs[qi] @ vecs[j]), row_pk[j]) for j in range(N_INDEXED)
                           if rows[j]["published"] >= since), reverse=True)
            assert set(pks[qi].tolist()) == {pk for _, pk in sims[:k]}
            assert scores[qi].tolist() == pytest.approx([s for s, _ in sims[:k]], abs=1e-5)
    pks, _ = fn.nearest(vecs[:2], 4, "2999-01-01")
    assert (pks == -1).all()


def test_a_withdrawn_paper_is_never_recommended_by_either_path(home, faiss_home):
    """A paper whose new version says it is withdrawn is not one to read next, however close to the list."""
    from dataclasses import replace

    db, rows, vecs = faiss_home
    nearest = faiss_nearest(db, Home(home))
    rl = ReadingLists(db)
    rl.create("R")
    members = [3, 40, 77]
    rl.add("R", [rows[i]["id"] for i in members])
    brute, _ = both(rl, nearest, "R", limit=10)
    top = [r.arxiv_id for r in brute.items[:3]]
    store = PaperStore(db)
    withdrawn = [replace(p, version=(p.version or 1) + 1, comment="Withdrawn: the proof of Lemma 2 is wrong")
                 for p in (store.get(a) for a in top)]
    assert store.upsert(withdrawn).updated == 3
    idx = {r["id"]: k for k, r in enumerate(rows)}
    for limit in (3, 10):
        brute, fast = both(rl, nearest, "R", limit=limit)
        assert_same(brute, fast)
        assert [r.arxiv_id for r in fast.items] == expected_ranking(
            rows, vecs, members, set(members) | {idx[a] for a in top}, indexed=N_INDEXED, limit=limit)
