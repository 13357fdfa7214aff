"""Running the ingest stage: the one entry point that `trendscope ingest`, the scheduler and the app share.

Each run holds the ingest lock, first marks runs left 'running' by a killed process as interrupted, then fetches
(live) or imports (snapshot), and returns the ledger record of what it did.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from trendscope.foundation.home import Home

from .arxiv_ids import fetch_ids
from .arxiv_live import LiveConfig, ingest_live
from .ledger import IngestRun, LedgerStore
from .runlock import ingest_lock
from .snapshot import SnapshotResult, import_snapshot
from .store import open_database


def run_live(home: Home, cfg: LiveConfig, *, progress: bool = False, **io) -> IngestRun:
    """Fetch new papers from the arXiv API (politely) into the home's database."""
    with ingest_lock(home):
        db = open_database(home.db_path)
        try:
            LedgerStore(db).mark_interrupted()
            return ingest_live(db, cfg, progress=progress, **io)
        finally:
            db.close()


def run_ids(home: Home, ids: Sequence[str], cfg: LiveConfig | None = None, **io) -> IngestRun:
    """Fetch the named papers from the arXiv API (politely) into the home's database."""
    with ingest_lock(home):
        db = open_database(home.db_path)
        try:
            LedgerStore(db).mark_interrupted()
            return fetch_ids(db, ids, cfg, **io)
        finally:
            db.close()


def run_snapshot(home: Home, path: str | Path, *, batch_size: int = 2000, progress: bool = False,
                 force: bool = False) -> SnapshotResult:
    """Import a snapshot file (arXiv JSON lines, optionally gzipped) into the home's database."""
    with ingest_lock(home):
        db = open_database(home.db_path)
        try:
            LedgerStore(db).mark_interrupted()
            return import_snapshot(db, path, batch_size=batch_size, progress=progress, force=force)
        finally:
            db.close()
