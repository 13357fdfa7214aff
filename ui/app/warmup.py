"""Warm start: the embedding model and the FAISS index load in a background thread as soon as the server runs
its first script (the first page view), so the first search does not wait for them (9-10 s cold on this
machine's 6,000-paper home).

Once per server process and data home. Until the warm-up is done, a search waits for it at most
`SEARCH_WAIT_S`; after that it answers with keyword search and says so (never a frozen page). Both resources
go through the app's own caches (`state.embedder`, the shared FAISS index), so every session uses what the
warm-up loaded.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

SEARCH_WAIT_S = 0.1


@dataclass
class Warmup:
    root: str
    done: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    error: str | None = None
    thread: threading.Thread | None = None


_lock = threading.Lock()
_runs: dict[str, Warmup] = {}


def _load(w: Warmup) -> None:
    from pathlib import Path

    from trendscope.foundation.home import Home
    from trendscope.ingest.store import open_database
    from trendscope.ui.app import state

    try:
        home = Home(Path(w.root))
        conn = open_database(home.db_path)
        try:
            searcher = state._app_searcher_class()(conn, home, state.embedder)
            if searcher.model() is not None:  # nothing to warm before the first `trendscope index`
                searcher.embedder().encode(["warm up"])  # the first encode is slow too (lazy kernels)
                searcher.vector_index()
        finally:
            conn.close()
    except Exception as exc:  # noqa: BLE001 - a failed warm-up only means the first search loads them itself
        w.error = f"{exc.__class__.__name__}: {exc}"
        log.warning("warm-up failed (the first search will load the model itself): %s", w.error)
    finally:
        w.seconds = time.monotonic() - w.started
        w.done.set()
        log.info("warm-up of %s done in %.1f s", w.root, w.seconds)


class _BeforeRuntime(logging.Filter):
    """Drops Streamlit's "No runtime found" warning: the warm-up imports the app's cached functions while the
    server is still starting, and each `st.cache_data` decorator's parameter check logged it (four warnings opened
    every serve.log, read as a fault by a blind walkthrough). A cache itself is made at its first call."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "No runtime found" not in record.getMessage()


def start(root: str) -> Warmup:
    """Start warming the data home `root` (once per process); returns its state."""
    logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(_BeforeRuntime())
    with _lock:
        w = _runs.get(root)
        if w is None:
            w = _runs[root] = Warmup(root)
            w.thread = threading.Thread(target=_load, args=(w,), name="trendscope-warmup", daemon=True)
            w.thread.start()
        return w


def ready(root: str, wait_s: float = 0.0) -> bool:
    """True once the warm-up of `root` has finished (waiting up to `wait_s`); True when none was started."""
    w = _runs.get(root)
    return w is None or w.done.wait(wait_s)


def elapsed(root: str) -> float | None:
    w = _runs.get(root)
    return None if w is None else time.monotonic() - w.started
