"""How many papers match an FTS5 expression: remembered per database file, across searches, until the text changes.

Hybrid search asks for the document frequency of every query word (the common-word cut and the pruning bounds of
keyword_pruning.py). Counting "model" means walking a list of 60,000 papers, about 5-20 ms a word; the app makes
a `Searcher` per search, so a cache inside one `Searcher` would start empty every time. These counts are kept per
database file for the whole process instead, keyed by FTS5's "averages" record (its row count and the token
total of each column, `PaperReads.fts_stamp`), which changes whenever a paper is added, removed or rewritten, by
any connection. A database without a file (in memory) keeps its counts with the caller only.
"""
from __future__ import annotations

import threading

from .search_store import SearchStore

MAX_EXPRESSIONS = 50_000  # per database file; past it the counts start again
MAX_DATABASES = 8

_lock = threading.Lock()
_shared: dict[str, tuple[bytes, dict[str, int]]] = {}


class DocCounts:
    """`count(match)`: papers matching an FTS5 expression (every paper for None)."""

    def __init__(self, store: SearchStore, path: str | None):
        self.store = store
        self.path = path
        self._own: tuple[bytes, dict[str, int]] = (b"", {})

    def _counts(self, stamp: bytes) -> dict[str, int]:
        if self.path is None:
            if self._own[0] != stamp:
                self._own = (stamp, {})
            return self._own[1]
        with _lock:
            entry = _shared.get(self.path)
            if entry is None or entry[0] != stamp or len(entry[1]) > MAX_EXPRESSIONS:
                if entry is None and len(_shared) >= MAX_DATABASES:
                    _shared.pop(next(iter(_shared)))
                entry = _shared[self.path] = (stamp, {})
            return entry[1]

    def count(self, match: str | None) -> int:
        counts = self._counts(self.store.fts_stamp())
        key = match or ""
        n = counts.get(key)
        if n is None:
            n = counts[key] = self.store.doc_count(match)
        return n
