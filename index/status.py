"""The index stage's status: vectors stored, papers waiting to be embedded, trend tags written."""
from __future__ import annotations

import sqlite_utils

from .trend_store import TrendStore
from .vector_store import VectorStore


def index_status(db: sqlite_utils.Database) -> dict:
    """`embeddings`, `unindexed` (papers with no current vector for the model in use) and `tagged_rows`."""
    vectors, trends = VectorStore(db), TrendStore(db)
    model = vectors.model_in_use()
    embedded = vectors.count()
    unindexed = vectors.count_pending(model) if model else vectors.count_unembedded()
    stale = [f"{unindexed:,} papers are not indexed yet: run trendscope index"] if unindexed else []
    return {"embeddings": embedded, "unindexed": unindexed, "tagged_rows": trends.tag_rows(), "stale": stale}
