"""The hybrid's keyword side runs on a worker thread with its own connection, and gives what the caller's own
connection gives; where it cannot (an in-memory database, a connection inside a transaction) the caller reads."""
from __future__ import annotations

import threading

import sqlite_utils

from trendscope.foundation.db import connect
from trendscope.foundation.side_reader import read_beside
from trendscope.index.search import Searcher, SearchRequest

QUERIES = ["speech enhancement with deep learning", "graph neural networks for molecules",
           "privacy attacks on language models", "cat:cs.CV image segmentation -medical"]


def test_read_beside_uses_its_own_connection_on_another_thread(tmp_path):
    db = connect(tmp_path / "t.db")
    db["t"].insert_all([{"x": i} for i in range(5)])
    job = read_beside(db, lambda wdb: (threading.get_ident(), wdb.conn is db.conn,
                                       [r[0] for r in wdb.execute("SELECT x FROM t ORDER BY x")]))
    assert job is not None
    thread, same_conn, rows = job.result(timeout=30)
    assert thread != threading.get_ident() and not same_conn
    assert rows == [0, 1, 2, 3, 4]


def test_read_beside_declines_where_the_worker_would_not_see_the_callers_rows(tmp_path):
    assert read_beside(sqlite_utils.Database(memory=True), lambda wdb: 1) is None
    assert read_beside(connect(":memory:"), lambda wdb: 1) is None  # not a file named ":memory:"
    db = connect(tmp_path / "t.db")
    db["t"].insert({"x": 1})
    db.conn.execute("BEGIN")
    db.conn.execute("INSERT INTO t (x) VALUES (2)")
    try:
        assert read_beside(db, lambda wdb: 1) is None  # uncommitted: only this connection sees x = 2
    finally:
        db.conn.rollback()
    assert read_beside(db, lambda wdb: 1).result(timeout=30) == 1


def test_read_beside_passes_the_workers_error_to_the_caller(tmp_path):
    db = connect(tmp_path / "t.db")
    job = read_beside(db, lambda wdb: wdb.execute("SELECT * FROM no_such_table").fetchall())
    try:
        job.result(timeout=30)
    except Exception as exc:  # noqa: BLE001 - the worker's own exception, whatever its class
        assert "no_such_table" in str(exc)
    else:
        raise AssertionError("the worker's error was lost")


def test_hybrid_gives_the_same_results_with_the_keyword_side_on_a_worker(searchable):
    home, db, searcher = searchable
    sequential = Searcher(db, home, searcher._factory, parallel=False)
    calls = []
    parallel = Searcher(db, home, searcher._factory, parallel=True)
    original = parallel._keyword_beside

    def spy(*args):
        job = original(*args)
        calls.append(job is not None)
        return job

    parallel._keyword_beside = spy
    for q in QUERIES:
        for kw in ({}, {"since": "2020", "sort": "date"}):
            req = SearchRequest(q, mode="hybrid", limit=20, **kw)
            assert [(h.id, h.score) for h in parallel.search(req)] == [(h.id, h.score) for h in sequential.search(req)]
    assert calls and all(calls)  # the file-backed home really took the worker path


def test_hybrid_fuses_the_keyword_sides_top_keyword_depth_but_never_fewer_than_the_limit(searchable):
    home, db, searcher = searchable
    asked: list[int] = []
    s = Searcher(db, home, searcher._factory, parallel=False, keyword_depth=30)
    original = s._keyword

    def spy(pq, flt, k, *rest):
        asked.append(k)
        return original(pq, flt, k, *rest)

    s._keyword = spy
    hits = s.search(SearchRequest("speech enhancement with deep learning", mode="hybrid", limit=10))
    assert asked == [30] and len(hits) == 10
    asked.clear()
    hits = s.search(SearchRequest("speech enhancement with deep learning", mode="hybrid", limit=60))
    assert asked == [60] and len(hits) == 60
    # the keyword side's own 30 first papers all stay within reach of the fused list
    kw = [h.id for h in s.search(SearchRequest("speech enhancement with deep learning", mode="keyword", limit=30))]
    fused = {h.id for h in s.search(SearchRequest("speech enhancement with deep learning", mode="hybrid",
                                                   limit=200))}
    assert set(kw) <= fused
