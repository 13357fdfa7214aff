"""Paper embeddings in SQLite: one float32 vector per paper, tagged with the model and the text hash.

The `embeddings` table is the truth for vectors; the FAISS file is a cache rebuilt from it. This module
(with the other `*store*` modules) is the only one in `index/` that knows SQL.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import sqlite_utils
from sqlite_utils import Migrations

from trendscope.foundation.db import apply_migrations, select_in, write_transaction
from trendscope.foundation.hashing import rows_digest
from trendscope.ingest.paper_reads import PaperReads

log = logging.getLogger(__name__)

migrations = Migrations("trendscope.vectors")


@migrations()
def m001_embeddings(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS embeddings (
            pk INTEGER PRIMARY KEY,      -- papers.pk (the FAISS id)
            model TEXT NOT NULL,         -- model id the vector was computed with
            content_hash TEXT NOT NULL,  -- papers.content_hash of the embedded text
            vector BLOB NOT NULL         -- float32, L2-normalised
        )
        """
    )


@migrations()
def m002_embeddings_model_index(db: sqlite_utils.Database) -> None:
    # model_in_use() / count(model) read this index instead of the vectors
    db.execute("CREATE INDEX IF NOT EXISTS idx_embeddings_model ON embeddings(model)")


@dataclass(frozen=True)
class PendingText:
    """A paper whose vector is missing, stale (text changed) or from another model."""

    pk: int
    title: str
    abstract: str
    content_hash: str


@dataclass(frozen=True)
class Fingerprint:
    """What identifies a set of stored vectors: which papers, with which text, from which model."""

    model: str | None
    count: int
    max_pk: int
    digest: str


def to_blob(vec: np.ndarray) -> bytes:
    return np.ascontiguousarray(vec, dtype=np.float32).tobytes()


def from_blobs(blobs: Sequence[bytes], dim: int | None = None) -> np.ndarray:
    if not blobs:
        return np.zeros((0, dim or 0), dtype=np.float32)
    arr = np.frombuffer(bytearray().join(blobs), dtype=np.float32)  # writable, and one allocation, not two
    return arr.reshape(len(blobs), -1)


class VectorStore:
    """Reads and writes the `embeddings` table."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.paper_reads = PaperReads(db)
        apply_migrations(db, migrations)

    # -- reads ----------------------------------------------------------------------------
    def model_in_use(self) -> str | None:
        """The model of the stored vectors (the most common one if a crash left a mix), or None.

        The distinct models are walked by seeks in the model index (counting every vector took 10 ms on 160,000
        papers, paid by every search in the app); only a mix is counted."""
        models: list[str] = []
        row = self.db.execute("SELECT model FROM embeddings ORDER BY model LIMIT 1").fetchone()
        while row is not None:
            models.append(row[0])
            row = self.db.execute("SELECT model FROM embeddings WHERE model > ? ORDER BY model LIMIT 1",
                                  [row[0]]).fetchone()
        if len(models) <= 1:
            return models[0] if models else None
        counts = {m: self.db.execute("SELECT count(*) FROM embeddings WHERE model = ?", [m]).fetchone()[0]
                  for m in models}
        return max(models, key=lambda m: (counts[m], m))

    def models(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT model, count(*) FROM embeddings GROUP BY model").fetchall())

    def count(self, model: str | None = None) -> int:
        if model is None:
            return self.db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM embeddings WHERE model = ?", [model]).fetchone()[0]

    def dim(self, model: str) -> int | None:
        row = self.db.execute("SELECT length(vector) FROM embeddings WHERE model = ? LIMIT 1", [model]).fetchone()
        return row[0] // 4 if row else None

    def _stored(self) -> dict[int, tuple[str, str]]:
        """pk -> (model, content_hash) of every stored vector."""
        return {pk: (m, h) for pk, m, h in self.db.execute("SELECT pk, model, content_hash FROM embeddings")}

    def pending_pks(self, model: str) -> list[int]:
        """pks of the papers whose vector for `model` is missing or stale (their text changed), ascending."""
        stored = self._stored()
        return sorted(pk for pk, h in self.paper_reads.states().items() if stored.get(pk) != (model, h))

    def count_pending(self, model: str) -> int:
        return len(self.pending_pks(model))

    def count_unembedded(self) -> int:
        """Papers with no vector of any model."""
        stored = self._stored()
        return sum(1 for pk in self.paper_reads.states() if pk not in stored)

    def iter_pending(self, model: str, batch_size: int = 1000) -> Iterator[list[PendingText]]:
        """Papers to (re-)embed for `model`, in pk order, a batch at a time."""
        pending = self.pending_pks(model)
        for i in range(0, len(pending), batch_size):
            yield [PendingText(*r) for r in self.paper_reads.texts(pending[i:i + batch_size])]

    def load_all(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(pks int64 [n], vectors float32 [n, dim]) of every stored vector of `model`, in pk order."""
        pks: list[int] = []
        blobs: list[bytes] = []
        for pk, blob in self.db.execute("SELECT pk, vector FROM embeddings WHERE model = ? ORDER BY pk", [model]):
            pks.append(pk)
            blobs.append(blob)
        return np.asarray(pks, dtype=np.int64), from_blobs(blobs, self.dim(model))

    def get(self, pks: Iterable[int], model: str) -> dict[int, np.ndarray]:
        """Vectors of the given papers (absent when not embedded with `model`)."""
        sql = "SELECT pk, vector FROM embeddings WHERE model = ? AND pk IN ({in})"
        return {pk: np.frombuffer(blob, dtype=np.float32).copy()
                for pk, blob in select_in(self.db, sql, [int(p) for p in pks], params=[model])}

    def embedded_among(self, pks: Iterable[int], model: str) -> set[int]:
        """Which of `pks` have a vector of `model` (read from the primary key, not the vectors)."""
        sql = "SELECT pk FROM embeddings WHERE model = ? AND pk IN ({in})"
        return {pk for (pk,) in select_in(self.db, sql, [int(p) for p in pks], params=[model])}

    def fingerprint(self, model: str | None = None) -> Fingerprint:
        """A digest of (pk, content_hash) of the stored vectors of `model` (default: the model in use)."""
        model = model or self.model_in_use()
        cur = self.db.execute("SELECT pk, content_hash FROM embeddings WHERE model = ? ORDER BY pk", [model])
        count, digest, last = rows_digest(cur)
        return Fingerprint(model=model, count=count, max_pk=last or 0, digest=digest)

    # -- writes ---------------------------------------------------------------------------
    def put(self, model: str, rows: Sequence[tuple[int, str, np.ndarray]]) -> None:
        """Store (pk, content_hash, vector) rows for `model` in one transaction."""
        with write_transaction(self.db):
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (pk, model, content_hash, vector) VALUES (?, ?, ?, ?)",
                [(int(pk), model, ch, to_blob(v)) for pk, ch, v in rows],
            )

    def delete_all(self) -> int:
        with write_transaction(self.db):
            return self.db.execute("DELETE FROM embeddings").rowcount

    def delete_other_models(self, model: str) -> int:
        with write_transaction(self.db):
            return self.db.execute("DELETE FROM embeddings WHERE model != ?", [model]).rowcount

    def delete_orphans(self) -> list[int]:
        """Remove vectors of papers that no longer exist; returns their pks."""
        existing = self.paper_reads.states()
        pks = [r[0] for r in self.db.execute("SELECT pk FROM embeddings ORDER BY pk") if r[0] not in existing]
        if pks:
            with write_transaction(self.db):
                self.db.conn.executemany("DELETE FROM embeddings WHERE pk = ?", [(p,) for p in pks])
        return pks
