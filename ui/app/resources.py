"""The app's heavy read-only resources, one per server process, shared by every session: the embedding model and
the FAISS index (per index file version). Plain process caches rather than `st.cache_resource`, so the
warm-up thread can fill them before Streamlit's runtime exists (see `warmup` and `server`).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from trendscope.foundation.home import Home

MAX_INDEXES = 4  # index versions kept (an `index` run while sessions still hold the previous one)

_model_lock = threading.Lock()
_models: dict[str | None, object] = {}
_index_lock = threading.Lock()
_indexes: OrderedDict[tuple, object] = OrderedDict()


def embedder(model: str | None = None):
    """The sentence-transformers model (or the fast tier's hashing embedder), loaded once per process; a caller
    arriving while another loads it waits for that load instead of loading it again."""
    with _model_lock:
        if model not in _models:
            from trendscope.index.embedder import load_embedder

            _models[model] = load_embedder(model)
        return _models[model]


def shared_index(root: str, stamp: tuple, model: str):
    """The FAISS index of data home `root` at file version `stamp`, loaded once and shared read-only.

    Loaded through a Searcher on its own short-lived connection (closed here), so the search area's rules
    (stale/missing index -> built in memory from the stored vectors; damaged -> rebuilt) apply unchanged."""
    from trendscope.index.search import Searcher
    from trendscope.ingest.store import open_database

    key = (root, stamp, model)
    with _index_lock:
        if key in _indexes:
            _indexes.move_to_end(key)
            return _indexes[key]
        conn = open_database(Home(Path(root)).db_path)
        try:
            index = Searcher(conn, Home(Path(root)), embedder).vector_index()
        finally:
            conn.close()
        _indexes[key] = index
        while len(_indexes) > MAX_INDEXES:
            _indexes.popitem(last=False)
        return index


def model_loaded(model: str | None) -> bool:
    return model in _models
