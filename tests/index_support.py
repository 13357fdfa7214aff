"""Helpers for the index/search tests: sample papers into a home, a memoising wrapper of the real model."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from trendscope.foundation.home import Home
from trendscope.ingest.records import Paper
from trendscope.ingest.store import PaperStore, open_database

_FIELDS = {f.name for f in dataclasses.fields(Paper)}
_CACHE: dict[str, np.ndarray] = {}


def paper_from_row(row: dict, **changes) -> Paper:
    kw = {k: v for k, v in row.items() if k in _FIELDS}
    kw.update(changes)
    return Paper(**kw)


def spread(rows: list[dict], n: int) -> list[dict]:
    """n rows spread over the whole sample (it is ordered by year), so dates and topics vary."""
    idx = np.linspace(0, len(rows) - 1, n).astype(int)
    return [rows[i] for i in idx]


def make_home(root: Path, rows: list[dict]):
    home = Home.resolve(root).ensure()
    db = open_database(home.db_path)
    PaperStore(db).upsert([paper_from_row(r) for r in rows])
    return home, db


class CachingEmbedder:
    """The real model, remembering vectors of texts it has seen (tests embed the same papers again)."""

    def __init__(self, inner):
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.computed = 0

    def encode(self, texts, progress=None):
        todo = [t for t in dict.fromkeys(texts) if t not in _CACHE]
        if todo:
            for t, v in zip(todo, self.inner.encode(todo)):
                _CACHE[t] = v
            self.computed += len(todo)
        if progress:
            progress(len(texts))
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([_CACHE[t] for t in texts]).astype(np.float32)
