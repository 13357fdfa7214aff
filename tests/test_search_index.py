"""The FAISS index a search opens (index/search_index.py): a damaged file is rebuilt from SQLite and written
again, a stale or missing one is built in memory, and a search never answers from the damaged file."""
from __future__ import annotations

import logging

import numpy as np
import pytest
from filelock import FileLock
from index_support import make_home, spread
from test_index_doctor import healthy, put_vectors  # noqa: F401  (the fixture)

from trendscope.foundation.errors import TrendscopeError
from trendscope.index.faiss_index import index_paths, load_index
from trendscope.index.search import Searcher
from trendscope.index.search_index import open_search_index
from trendscope.index.vector_store import VectorStore

MODEL = "test-model"


def _flip(path):
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF  # same size, readable by FAISS: only the checksum notices
    path.write_bytes(bytes(data))


def _exact_ids(vi, db, pk):
    """The index answers the stored vector of `pk` with `pk` first."""
    pks, vecs = VectorStore(db).load_all(MODEL)
    q = vecs[list(pks).index(pk)][None, :]
    return vi.search(q, 1)[1][0][0] == pk


def test_a_damaged_index_is_rebuilt_and_written_again(healthy, caplog):  # noqa: F811
    home, db, pks = healthy
    ipath = index_paths(home.index_dir)[0]
    _flip(ipath)
    with caplog.at_level(logging.WARNING):
        vi = Searcher(db, home, lambda model: None).vector_index()
    assert vi.ntotal == 30 and _exact_ids(vi, db, pks[3])
    assert load_index(home.index_dir, verify_checksum=True).ntotal == 30  # the file is good again
    assert any("rebuilt" in r.getMessage() for r in caplog.records)


def test_while_index_runs_a_damaged_file_is_left_alone_and_the_search_uses_memory(healthy):  # noqa: F811
    home, db, pks = healthy
    ipath = index_paths(home.index_dir)[0]
    _flip(ipath)
    damaged = ipath.read_bytes()
    with FileLock(str(home.lock_path("index"))):
        vi = open_search_index(home, VectorStore(db), MODEL)
    assert vi.ntotal == 30 and _exact_ids(vi, db, pks[5])
    assert ipath.read_bytes() == damaged  # not written without the lock


def test_a_missing_index_is_built_in_memory_and_not_written(healthy):  # noqa: F811
    home, db, pks = healthy
    put_vectors(db, pks[30:], seed=1)
    for p in index_paths(home.index_dir):
        p.unlink()
    vi = open_search_index(home, VectorStore(db), MODEL)
    assert vi.ntotal == 40 and _exact_ids(vi, db, pks[35])
    assert not index_paths(home.index_dir)[0].exists()  # `doctor --repair` or `index` writes it, not a search


def test_an_index_of_another_model_is_not_searched(healthy):  # noqa: F811
    home, db, pks = healthy
    rng = np.random.default_rng(7)
    vecs = rng.normal(size=(5, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    hashes = dict(db.execute("SELECT pk, content_hash FROM papers").fetchall())
    VectorStore(db).put("other-model", [(pk, hashes[pk], v) for pk, v in zip(pks[:5], vecs)])
    vi = open_search_index(home, VectorStore(db), "other-model")
    assert vi.ntotal == 5 and vi.meta.model == "other-model"


def test_no_vectors_is_one_clear_error(tmp_path, sample_rows):
    home, db = make_home(tmp_path / "h", spread(sample_rows, 5))
    with pytest.raises(TrendscopeError, match="run `trendscope index` first"):
        open_search_index(home, VectorStore(db), MODEL)
