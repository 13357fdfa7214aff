"""The FAISS index: a rebuildable cache of the stored vectors, keyed by paper pk.

Small collections get an exact index (`IndexIDMap2(IndexFlatIP)`); above `exact_max` vectors an
inverted-file index with 8-bit scalar quantisation (`IVF<nlist>,SQ8`, ~400 bytes per vector) whose
`nprobe` is calibrated at build time until recall@10 against exact search reaches `target_recall`
(measured on a sample of the stored vectors, recorded in the sidecar).

Files under `Home.index_dir`: `papers.faiss` and its JSON sidecar `papers.faiss.json` (model, count,
pk/content digest, file size and sha256), both written atomically (temp file + fsync + os.replace),
sidecar last, so a crash leaves either the old pair or a pair that `doctor` flags as stale. Every load checks
the file against the sidecar's size and sha256; a file that fails is rebuilt from the stored vectors by its
caller (`indexer`, `search`, `doctor`): SQLite is the truth, this file only a cache.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np

from trendscope.foundation.errors import FileStorageError, TrendscopeError, os_reason
from trendscope.foundation.files import atomic_write
from trendscope.foundation.hashing import file_fingerprint

log = logging.getLogger(__name__)

INDEX_NAME = "papers.faiss"
META_NAME = "papers.faiss.json"
DEFAULT_EXACT_MAX = 100_000
DEFAULT_TARGET_RECALL = 0.98


class IndexFileError(TrendscopeError):
    """The FAISS file is missing or unreadable (`kind` is 'missing' or 'corrupt'; for 'corrupt', `reason` says
    how it was found: 'checksum' (the bytes differ from the sha256 in the sidecar, or their size does), 'meta'
    (the sidecar is unreadable), 'unreadable' (FAISS refuses the file) or 'shape')."""

    def __init__(self, kind: str, message: str, reason: str = ""):
        super().__init__(message)
        self.kind = kind
        self.reason = reason or kind

    @property
    def checksum_failed(self) -> bool:
        return self.kind == "corrupt" and self.reason == "checksum"


def exact_max_default() -> int:
    """Largest collection kept in an exact index (`TRENDSCOPE_FAISS_EXACT_MAX` overrides)."""
    raw = os.environ.get("TRENDSCOPE_FAISS_EXACT_MAX")
    if raw is None:
        return DEFAULT_EXACT_MAX
    try:
        value = int(raw)
        if value < 0:
            raise ValueError(raw)
        return value
    except ValueError:  # said, not ignored in silence (a review)
        log.warning("TRENDSCOPE_FAISS_EXACT_MAX=%r is not a whole number of papers: %d is used", raw,
                    DEFAULT_EXACT_MAX)
        return DEFAULT_EXACT_MAX


@dataclass
class IndexMeta:
    model: str
    dim: int
    count: int
    max_pk: int
    digest: str  # VectorStore.fingerprint digest of the vectors the index holds
    kind: str  # "flat" | "ivf-sq8"
    nlist: int | None = None
    nprobe: int | None = None
    recall_at_10: float | None = None  # measured at build (approximate kinds only)
    file_size: int = 0
    file_sha256: str = ""
    built_at: float = field(default_factory=time.time)


def index_paths(index_dir: Path) -> tuple[Path, Path]:
    return Path(index_dir) / INDEX_NAME, Path(index_dir) / META_NAME


class VectorIndex:
    """A loaded FAISS index plus its metadata; search returns (scores, pks)."""

    def __init__(self, index: faiss.Index, meta: IndexMeta):
        self.index = index
        self.meta = meta

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def kind(self) -> str:
        return self.meta.kind

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k inner-product neighbours of each query among all vectors, or only among `allowed` pks.

        Filtering happens inside the search (an id selector), so k results come back whenever k
        allowed vectors exist; for IVF, nprobe grows until that holds (up to scanning every list).
        Missing results are id -1.
        """
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, int(k))
        sel = None
        want = min(k, self.ntotal)
        if allowed is not None:
            allowed = np.ascontiguousarray(np.asarray(allowed, dtype=np.int64))
            if len(allowed) == 0:
                return np.full((len(q), k), -np.inf, np.float32), np.full((len(q), k), -1, np.int64)
            sel = faiss.IDSelectorBatch(allowed)
            want = min(k, len(allowed), self.ntotal)
        if self.meta.kind == "flat":
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
            return self.index.search(q, k, params=params)
        nlist = self.meta.nlist or 1
        nprobe = max(1, self.meta.nprobe or 1)
        while True:
            params = faiss.SearchParametersIVF(sel=sel, nprobe=min(nprobe, nlist))
            scores, ids = self.index.search(q, k, params=params)
            found = (ids >= 0).sum(axis=1).min() if len(ids) else want
            if found >= want or nprobe >= nlist:
                return scores, ids
            nprobe *= 4

    def add(self, pks: np.ndarray, vecs: np.ndarray) -> None:
        if len(pks):
            self.index.add_with_ids(np.ascontiguousarray(vecs, dtype=np.float32), np.asarray(pks, dtype=np.int64))

    def remove(self, pks: np.ndarray) -> int:
        if not len(pks):
            return 0
        return int(self.index.remove_ids(np.asarray(pks, dtype=np.int64)))


def exact_topk(base: np.ndarray, queries: np.ndarray, k: int, chunk: int = 65_536) -> tuple[np.ndarray, np.ndarray]:
    """Brute-force inner-product top-k (row indices into `base`) with numpy, chunked over `base`."""
    nq = len(queries)
    best_s = np.full((nq, 0), -np.inf, np.float32)
    best_i = np.zeros((nq, 0), np.int64)
    for start in range(0, len(base), chunk):
        s = queries @ base[start : start + chunk].T
        kk = min(k, s.shape[1])
        part = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        best_s = np.concatenate([best_s, np.take_along_axis(s, part, 1)], axis=1)
        best_i = np.concatenate([best_i, part + start], axis=1)
        if best_s.shape[1] > k:
            keep = np.argpartition(-best_s, k - 1, axis=1)[:, :k]
            best_s = np.take_along_axis(best_s, keep, 1)
            best_i = np.take_along_axis(best_i, keep, 1)
    order = np.argsort(-best_s, axis=1, kind="stable")
    return np.take_along_axis(best_s, order, 1), np.take_along_axis(best_i, order, 1)


def recall_at_k(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    hits = sum(len(set(f[:k].tolist()) & set(t[:k].tolist())) for f, t in zip(found, truth))
    return hits / float(truth[:, :k].size)


def calibration_queries(vecs: np.ndarray, sample: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Hard queries to calibrate nprobe with, and the row each came from (-1: none).

    Half are midpoints of two random stored vectors, half stored vectors plus isotropic noise of twice
    their norm. Real text queries land far from every paper (cosine to the best one ~0.5 with MiniLM),
    where an IVF index needs many more probes than stored vectors as queries suggest; measured on the
    sample with real queries (bench/bench_faiss.py --real-home), these are about as hard.
    """
    rng = np.random.default_rng(seed)
    n, dim = vecs.shape
    m = max(1, min(sample, n) // 2)
    a, b, c = rng.choice(n, size=m), rng.choice(n, size=m), rng.choice(n, size=m)
    noise = rng.normal(size=(m, dim)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    q = np.concatenate([vecs[a] + vecs[b], vecs[c] + 2.0 * noise]).astype(np.float32)
    q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    return q, np.full(len(q), -1)


def calibrate_nprobe(
    index: faiss.Index, pks: np.ndarray, vecs: np.ndarray, nlist: int, target: float,
    sample: int = 300, seed: int = 0, k: int = 10,
) -> tuple[int, float]:
    """Smallest nprobe (power of two) whose recall@k against exact search reaches `target`.

    Measured on `calibration_queries` (the lower recall of its two halves); a stored vector used as a
    query is dropped from both lists.
    """
    queries, own_rows = calibration_queries(vecs, sample, seed)
    own = np.where(own_rows >= 0, pks[np.maximum(own_rows, 0)], -3)
    _, truth_rows = exact_topk(vecs, queries, k + 1)
    truth = pks[truth_rows]

    def drop_self(rows: np.ndarray) -> np.ndarray:
        out = np.full((len(rows), k), -2, np.int64)
        for r, (row, me) in enumerate(zip(rows, own)):
            kept = [x for x in row.tolist() if x != me][:k]
            out[r, : len(kept)] = kept
        return out

    truth = drop_self(truth)
    nprobe = 1
    while True:
        _, ids = index.search(queries, k + 1, params=faiss.SearchParametersIVF(nprobe=nprobe))
        found = drop_self(ids)
        half = len(queries) // 2  # the worse of the two kinds of query must reach the target
        recall = min(recall_at_k(found[:half], truth[:half], k), recall_at_k(found[half:], truth[half:], k))
        if recall >= target or nprobe >= nlist:
            return min(nprobe, nlist), recall
        nprobe *= 2


def build_index(
    pks: np.ndarray, vecs: np.ndarray, model: str, digest: str = "",
    exact_max: int | None = None, target_recall: float = DEFAULT_TARGET_RECALL, nlist: int | None = None,
) -> VectorIndex:
    """Build an index over (pks, vecs): exact while small, calibrated IVF-SQ8 above `exact_max`."""
    pks = np.asarray(pks, dtype=np.int64)
    vecs = np.ascontiguousarray(vecs, dtype=np.float32)
    n, dim = vecs.shape if vecs.ndim == 2 else (0, 0)
    exact_max = exact_max_default() if exact_max is None else exact_max
    meta = IndexMeta(model=model, dim=int(dim), count=int(n), max_pk=int(pks.max()) if n else 0,
                     digest=digest, kind="flat")
    if n <= exact_max or n < 1000:
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        index.add_with_ids(vecs, pks)
        return VectorIndex(index, meta)
    nlist = nlist or int(max(16, min(16_384, 4 * np.sqrt(n))))
    index = faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    train = vecs[rng.choice(n, size=min(n, 40 * nlist), replace=False)]
    t0 = time.perf_counter()
    index.train(train)
    index.add_with_ids(vecs, pks)
    nprobe, recall = calibrate_nprobe(index, pks, vecs, nlist, target_recall)
    log.info("IVF%d,SQ8 over %d vectors: trained in %.1fs, nprobe %d gives recall@10 %.3f",
             nlist, n, time.perf_counter() - t0, nprobe, recall)
    meta.kind, meta.nlist, meta.nprobe, meta.recall_at_10 = "ivf-sq8", nlist, nprobe, recall
    return VectorIndex(index, meta)


def save_index(vi: VectorIndex, index_dir: Path) -> IndexMeta:
    """Write the index then its sidecar (with the index's size and sha256), each atomically; returns the
    metadata written. A StorageError (one line naming the file) when the folder is read-only or the disk full."""
    index_dir = Path(index_dir)
    ipath, mpath = index_paths(index_dir)
    data = faiss.serialize_index(vi.index)
    vi.meta.count = vi.ntotal
    vi.meta.file_size = int(data.nbytes)
    vi.meta.file_sha256 = hashlib.sha256(memoryview(data)).hexdigest()
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(ipath, memoryview(data))
        atomic_write(mpath, json.dumps(asdict(vi.meta), indent=1).encode())
    except OSError as exc:
        raise FileStorageError(f"cannot write the FAISS index {ipath}: {os_reason(exc)}", exc) from exc
    return vi.meta


def read_meta(index_dir: Path) -> IndexMeta:
    _, mpath = index_paths(index_dir)
    if not mpath.exists():
        raise IndexFileError("missing", f"no index metadata at {mpath}")
    try:
        raw = json.loads(mpath.read_text(encoding="utf-8"))
        return IndexMeta(**raw)
    except (ValueError, TypeError, OSError) as exc:
        raise IndexFileError("corrupt", f"index metadata {mpath} is unreadable: {exc}", "meta") from exc


def _stat_key(*paths: Path) -> tuple:
    out = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            out.append(None)
            continue
        out.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _load_checked(ipath: Path, meta: IndexMeta, verify_checksum: bool) -> faiss.Index:
    try:
        size = ipath.stat().st_size
        if size != meta.file_size:
            raise IndexFileError("corrupt", f"{ipath} has {size} bytes, its metadata says {meta.file_size}",
                                 "checksum")
        if verify_checksum and file_fingerprint(ipath) != meta.file_sha256:
            raise IndexFileError("corrupt", f"{ipath} failed its checksum (the sha256 in {META_NAME})", "checksum")
        index = faiss.read_index(str(ipath))
    except RuntimeError as exc:
        raise IndexFileError("corrupt", f"cannot read {ipath}: {str(exc).splitlines()[0]}", "unreadable") from exc
    except OSError as exc:
        raise IndexFileError("corrupt", f"cannot read {ipath}: {os_reason(exc)}", "unreadable") from exc
    if index.ntotal != meta.count or index.d != meta.dim:
        raise IndexFileError("corrupt", f"{ipath} holds {index.ntotal}x{index.d}, metadata says "
                                        f"{meta.count}x{meta.dim}", "shape")
    return index


def load_index(index_dir: Path, verify_checksum: bool = True) -> VectorIndex:
    """Load the index and its sidecar; IndexFileError('missing'|'corrupt') when that fails.

    The file's size and sha256 are checked against the sidecar on every load, so bytes damaged in place are
    never searched (about 0.05 s more for the 66 MB index of 162,000 papers: bench/bench_faiss_checksum.py).
    `verify_checksum=False` skips the sha256 (size and shape are still checked). A pair replaced while it is
    read (`trendscope index` writes the file, then its sidecar) is read again instead of being called corrupt.
    """
    ipath, mpath = index_paths(index_dir)
    for _attempt in range(5):
        if not ipath.exists():
            raise IndexFileError("missing", f"no FAISS index at {ipath}")
        before = _stat_key(ipath, mpath)
        try:
            meta = read_meta(index_dir)
            index = _load_checked(ipath, meta, verify_checksum)
        except IndexFileError as exc:
            if exc.kind == "missing":
                raise
            time.sleep(0.2)  # a writer between its two renames? then the pair changes: read it again
            if _stat_key(ipath, mpath) == before:
                raise
            continue
        if _stat_key(ipath, mpath) == before:
            return VectorIndex(index, meta)
    raise IndexFileError("corrupt", f"{ipath} kept changing while it was read", "unreadable")


def remove_index_files(index_dir: Path) -> list[Path]:
    """Delete the index, its sidecar and leftover temp files; returns what was removed."""
    index_dir = Path(index_dir)
    removed = []
    if index_dir.exists():
        for p in index_dir.iterdir():
            if p.name in (INDEX_NAME, META_NAME) or p.name.startswith(f".{INDEX_NAME}"):
                p.unlink()
                removed.append(p)
    return removed


def leftover_temp_files(index_dir: Path) -> list[Path]:
    index_dir = Path(index_dir)
    if not index_dir.exists():
        return []
    return [p for p in index_dir.iterdir() if p.name.startswith(f".{INDEX_NAME}") and ".tmp-" in p.name]


def rebuilt_message(problem: IndexFileError, n: int) -> str:
    """What to tell the user after replacing a damaged index with one built from the stored vectors."""
    if problem.checksum_failed:
        return f"FAISS index failed its checksum; rebuilt from {n} stored vectors"
    return f"FAISS index was unreadable ({problem}); rebuilt from {n} stored vectors"
