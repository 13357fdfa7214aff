"""The FAISS index a search uses: a checked cache of the stored vectors, never trusted blindly.

SQLite is the truth. `open_search_index` loads the index files (their sha256 checked against the sidecar) and
answers with them only when they hold the stored vectors' model; a stale or missing index is built in memory
from the stored vectors (the user is told to run `trendscope doctor --repair`), and a damaged one is rebuilt and
written again under the index lock, so the next process finds a good file.
"""
from __future__ import annotations

import logging

from filelock import FileLock, Timeout

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home

from .faiss_index import IndexFileError, VectorIndex, build_index, load_index, rebuilt_message, save_index
from .vector_store import VectorStore

log = logging.getLogger(__name__)

NO_VECTORS = "no paper embeddings yet: run `trendscope index` first"


def open_search_index(home: Home, vectors: VectorStore, model: str) -> VectorIndex:
    """The FAISS index of `home` for the stored vectors of `model` (loaded, or built when unusable)."""
    try:
        vi = load_index(home.index_dir)  # checks the file's sha256 against its sidecar
        if vi.meta.model != model:
            raise IndexFileError("stale", f"index was built with {vi.meta.model}, vectors are {model}")
        return vi
    except IndexFileError as exc:
        if exc.kind == "corrupt":
            return _rebuild_damaged(home, vectors, model, exc)
        # no file at all: an `index` run is under way or was stopped (`doctor --repair` was the advice, for a file
        # `index` writes itself: a blind walkthrough); a stale one is `doctor --repair`'s to mend
        mend = ("`trendscope index` writes it (an index run may be under way)" if exc.kind == "missing" else
                "run `trendscope doctor --repair`")
        log.warning("FAISS index unusable (%s); building it in memory -- %s", exc, mend)
        return _build_in_memory(vectors, model, exc)


def _build_in_memory(vectors: VectorStore, model: str, cause: Exception) -> VectorIndex:
    pks, vecs = vectors.load_all(model)
    if not len(pks):
        raise TrendscopeError(NO_VECTORS) from cause
    return build_index(pks, vecs, model)


def _rebuild_damaged(home: Home, vectors: VectorStore, model: str, problem: IndexFileError) -> VectorIndex:
    """The file failed its checksum (or cannot be read): build the index again from the stored vectors and
    replace the file, under the index lock so no `trendscope index` writes meanwhile. When the lock is taken or
    the home is read-only, the rebuilt index serves from memory only."""
    lock = FileLock(str(home.lock_path("index")))
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError) as exc:
        log.warning("%s; `trendscope index` is running or the home is read-only (%s): building it in memory",
                    problem, exc.__class__.__name__)
        return _build_in_memory(vectors, model, problem)
    try:
        fp = vectors.fingerprint(model)
        pks, vecs = vectors.load_all(model)
        if not len(pks):
            raise TrendscopeError(NO_VECTORS) from problem
        vi = build_index(pks, vecs, model, digest=fp.digest)
        try:
            save_index(vi, home.index_dir)
        except TrendscopeError as exc:
            log.warning("%s; rebuilt from %d stored vectors in memory only: %s", problem, len(pks), exc)
            return vi
        log.warning("%s", rebuilt_message(problem, vi.ntotal))
        return vi
    finally:
        lock.release()
