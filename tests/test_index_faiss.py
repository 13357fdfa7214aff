"""FAISS index: exact search equals numpy brute force, IVF recall, filtered search, atomic files."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from trendscope.index import faiss_index as fi
from trendscope.index.faiss_index import IndexFileError, build_index, exact_topk, load_index, recall_at_k, save_index


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, dim: int, clusters: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(clusters, dim))
    return unit(centers[rng.integers(0, clusters, n)] + 0.6 * rng.normal(size=(n, dim)))


def brute(pks, vecs, queries, k):
    scores, rows = exact_topk(vecs, queries, k)
    return scores, pks[rows]


def test_exact_index_equals_numpy_brute_force():
    rng = np.random.default_rng(1)
    vecs = unit(rng.normal(size=(3000, 48)))
    pks = rng.choice(10**6, size=3000, replace=False).astype(np.int64)
    queries = unit(rng.normal(size=(25, 48)))
    vi = build_index(pks, vecs, "m")
    assert vi.kind == "flat"
    scores, ids = vi.search(queries, 10)
    full = queries @ vecs.T
    for q in range(len(queries)):
        order = np.argsort(-full[q], kind="stable")[:10]
        assert ids[q].tolist() == pks[order].tolist()
        np.testing.assert_allclose(scores[q], full[q][order], rtol=1e-5, atol=1e-5)


def test_filtered_exact_search_returns_k_from_the_allowed_set():
    rng = np.random.default_rng(2)
    vecs = unit(rng.normal(size=(2000, 32)))
    pks = np.arange(10, 2010, dtype=np.int64)
    vi = build_index(pks, vecs, "m")
    allowed = rng.choice(pks, size=37, replace=False)
    q = unit(rng.normal(size=(1, 32)))
    _, ids = vi.search(q, 10, allowed=allowed)
    rows = np.searchsorted(pks, allowed)
    _, truth = brute(allowed, vecs[rows], q, 10)
    assert ids[0].tolist() == truth[0].tolist()
    _, ids = vi.search(q, 10, allowed=allowed[:4])  # fewer than k allowed: all of them, then -1
    assert sorted(i for i in ids[0] if i >= 0) == sorted(allowed[:4].tolist())
    assert (ids[0] == -1).sum() == 6


def test_ivf_index_reaches_recall_and_filters_return_k():
    vecs = clustered(20_000, 32, 200, seed=3)
    pks = np.arange(1, 20_001, dtype=np.int64)
    vi = build_index(pks, vecs, "m", exact_max=1000, target_recall=0.95)
    assert vi.kind == "ivf-sq8" and vi.meta.recall_at_10 >= 0.95
    rng = np.random.default_rng(4)
    queries = unit(vecs[rng.choice(len(vecs), 200)] + 0.15 * rng.normal(size=(200, 32)))
    _, found = vi.search(queries, 10)
    _, truth = brute(pks, vecs, queries, 10)
    assert recall_at_k(found, truth, 10) >= 0.95
    allowed = rng.choice(pks, size=15, replace=False)
    _, ids = vi.search(queries[:3], 10, allowed=allowed)
    assert all((row >= 0).sum() == 10 and set(row.tolist()) <= set(allowed.tolist()) for row in ids)


def test_incremental_remove_and_add_match_a_fresh_build():
    rng = np.random.default_rng(5)
    vecs = unit(rng.normal(size=(1500, 24)))
    pks = np.arange(1, 1501, dtype=np.int64)
    vi = build_index(pks[:1200], vecs[:1200], "m")
    changed = pks[:50]
    new_vecs = vecs.copy()
    new_vecs[:50] = unit(rng.normal(size=(50, 24)))
    vi.remove(changed)
    vi.add(np.concatenate([changed, pks[1200:]]), np.concatenate([new_vecs[:50], new_vecs[1200:]]))
    fresh = build_index(pks, new_vecs, "m")
    q = unit(rng.normal(size=(10, 24)))
    assert vi.ntotal == 1500
    assert vi.search(q, 10)[1].tolist() == fresh.search(q, 10)[1].tolist()


@pytest.fixture
def saved(tmp_path):
    rng = np.random.default_rng(6)
    vi = build_index(np.arange(1, 201), unit(rng.normal(size=(200, 16))), "m", digest="d1")
    save_index(vi, tmp_path)
    return tmp_path, vi


def test_save_and_load_round_trip(saved):
    d, vi = saved
    back = load_index(d, verify_checksum=True)
    assert back.ntotal == 200 and back.meta.digest == "d1" and back.meta.model == "m"


@pytest.mark.parametrize("fail_at", ["fsync", "replace"])
def test_failed_write_leaves_the_old_index_and_no_temp_files(saved, monkeypatch, fail_at):
    d, _ = saved
    before = (d / fi.INDEX_NAME).read_bytes()
    bigger = build_index(np.arange(1, 301), unit(np.random.default_rng(7).normal(size=(300, 16))), "m")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(fi.os, fail_at, boom)
    with pytest.raises(OSError):
        save_index(bigger, d)
    monkeypatch.undo()
    assert (d / fi.INDEX_NAME).read_bytes() == before
    assert load_index(d, verify_checksum=True).ntotal == 200
    assert sorted(p.name for p in d.iterdir()) == [fi.INDEX_NAME, fi.META_NAME]


def test_missing_and_corrupt_files_are_reported(saved):
    d, _ = saved
    path = d / fi.INDEX_NAME
    size = path.stat().st_size
    path.write_bytes(os.urandom(size))
    with pytest.raises(IndexFileError) as e:
        load_index(d)
    assert e.value.kind == "corrupt"
    path.write_bytes(b"x" * 10)
    with pytest.raises(IndexFileError) as e:
        load_index(d)
    assert e.value.kind == "corrupt"
    path.unlink()
    with pytest.raises(IndexFileError) as e:
        load_index(d)
    assert e.value.kind == "missing"


def test_a_malformed_exact_max_setting_is_said_not_ignored(monkeypatch, caplog):
    """`TRENDSCOPE_FAISS_EXACT_MAX=50k` fell back to the default without a word (a review)."""
    import logging

    from trendscope.index.faiss_index import DEFAULT_EXACT_MAX, exact_max_default

    monkeypatch.setenv("TRENDSCOPE_FAISS_EXACT_MAX", "50k")
    with caplog.at_level(logging.WARNING, logger="trendscope.index.faiss_index"):
        assert exact_max_default() == DEFAULT_EXACT_MAX
    assert [r.getMessage() for r in caplog.records] == [
        f"TRENDSCOPE_FAISS_EXACT_MAX='50k' is not a whole number of papers: {DEFAULT_EXACT_MAX} is used"]
    monkeypatch.setenv("TRENDSCOPE_FAISS_EXACT_MAX", "1000")
    assert exact_max_default() == 1000


def test_an_index_file_with_bytes_appended_is_refused_without_the_checksum(saved):
    """A mutation audit: removing the file-size check went uncaught. With `verify_checksum=False` the size is all
    that is left to catch an index file that grew (FAISS reads such a file without complaint)."""
    d, _ = saved
    path = d / fi.INDEX_NAME
    size = path.stat().st_size
    with path.open("ab") as f:
        f.write(b"\0" * 64)
    with pytest.raises(IndexFileError, match=f"has {size + 64} bytes, its metadata says {size}") as e:
        load_index(d, verify_checksum=False)
    assert e.value.kind == "corrupt" and e.value.reason == "checksum"


def test_a_sidecar_with_a_tampered_dimension_is_refused(saved):
    """A mutation audit: the sidecar's `dim` left uncompared went uncaught. The index file is intact (size and
    sha256 match), so only the shape check sees that the sidecar's dimension is not the index's."""
    d, _ = saved
    mpath = d / fi.META_NAME
    meta = json.loads(mpath.read_text())
    assert meta["dim"] == 16
    meta["dim"] = 32
    mpath.write_text(json.dumps(meta))
    with pytest.raises(IndexFileError, match=r"holds 200x16, metadata says 200x32") as e:
        load_index(d, verify_checksum=True)
    assert e.value.kind == "corrupt" and e.value.reason == "shape"
