"""Each paper's topic-phrase candidates, kept so that rising topics are computed without re-reading every abstract.

`paper_phrases` rows are a cache of `topic_phrases.paper_phrases(title, abstract)` keyed by the paper's text hash:
`refresh` (run by `trendscope index`, and by `emerging_topics` for anything missing) extracts only papers that
are new or whose text changed, and drops rows of papers that are gone. This module is the only one that knows
this table's SQL.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import orjson
import sqlite_utils
from sqlite_utils import Migrations

from trendscope.foundation.db import apply_migrations, select_in, write_transaction
from trendscope.foundation.errors import StorageError
from trendscope.foundation.wording import count
from trendscope.ingest.paper_reads import PaperReads

from .topic_phrases import PaperPhrases, paper_phrases

log = logging.getLogger(__name__)

migrations = Migrations("trendscope.topics")
EXTRACTOR_VERSION = "8"  # bump when topic_phrases changes what it extracts: every paper is extracted again


@migrations()
def m001_paper_phrases(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS paper_phrases (
            pk INTEGER PRIMARY KEY,      -- papers.pk
            content_hash TEXT NOT NULL,  -- papers.content_hash of the text the phrases come from, + extractor
            phrases TEXT NOT NULL,       -- JSON {merge key: surface form}
            definitions TEXT NOT NULL    -- JSON {acronym: long-form key}
        )
        """
    )


@migrations()
def m002_title_phrases(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE paper_phrases ADD COLUMN title_phrases TEXT NOT NULL DEFAULT '[]'")  # keys in the title


@migrations()
def m003_closed_phrases(db: sqlite_utils.Database) -> None:
    # keys that stand on their own at least once in the paper (topic_phrases.py)
    db.execute("ALTER TABLE paper_phrases ADD COLUMN closed_phrases TEXT NOT NULL DEFAULT '[]'")


@dataclass
class RefreshResult:
    extracted: int
    removed: int
    seconds: float

    def __str__(self) -> str:
        return (f"topic phrases: {count(self.extracted, 'paper')} extracted, {self.removed:,} removed "
                f"({self.seconds:.1f}s)")


def refresh_phrases(db: sqlite_utils.Database, progress: bool) -> RefreshResult:
    """`TopicStore.refresh` with progress (counts, rate, ETA) while it extracts: 100 s after a bulk import of the
    full corpus (measured on 2 cores)."""
    from trendscope.foundation.progress import progress_bar

    bar, shown = None, 0

    def step(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            bar = progress_bar(total, "topic phrases", "paper", enabled=progress)
        bar.update(done - shown)
        shown = done
    try:
        return TopicStore(db).refresh(progress=step)
    finally:
        if bar is not None:
            bar.close()


class TopicStore:
    """Reads and refreshes the `paper_phrases` cache."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.paper_reads = PaperReads(db)
        apply_migrations(db, migrations)

    def _stamp(self, content_hash: str) -> str:
        return f"{content_hash}:{EXTRACTOR_VERSION}"

    def pending_pks(self) -> list[int]:
        """pks of the papers that are new or whose text (or the extractor) changed since their phrases, ascending."""
        stored = dict(self.db.execute("SELECT pk, content_hash FROM paper_phrases"))
        return sorted(pk for pk, h in self.paper_reads.states().items() if stored.get(pk) != self._stamp(h))

    def count_pending(self) -> int:
        return len(self.pending_pks())

    def refresh(self, progress: Callable[[int, int], None] | None = None, batch: int = 2000) -> RefreshResult:
        """Extract the phrases of new and changed papers; drop the rows of papers that are gone."""
        started = time.perf_counter()
        pending = self.pending_pks()
        total, done = len(pending), 0
        for i in range(0, total, batch):
            _extracted, rows = self._extract(pending[i:i + batch])
            self._store(rows)
            done += len(rows)
            if progress:
                progress(done, total)
        existing = self.paper_reads.states()
        gone = [(pk,) for pk, in self.db.execute("SELECT pk FROM paper_phrases") if pk not in existing]
        if gone:
            with write_transaction(self.db):
                self.db.conn.executemany("DELETE FROM paper_phrases WHERE pk = ?", gone)
        return RefreshResult(done, len(gone), time.perf_counter() - started)

    def _extract(self, pks: list[int]) -> tuple[list[tuple[int, PaperPhrases]], list[tuple]]:
        """The given papers' phrases, extracted from their text, and the rows that store them."""
        extracted, rows = [], []
        for pk, title, abstract, chash in self.paper_reads.texts(pks):
            pp = paper_phrases(title, abstract)
            extracted.append((pk, pp))
            rows.append((pk, self._stamp(chash), *(json.dumps(x, ensure_ascii=False)
                                                   for x in (pp.surfaces, pp.definitions, pp.in_title, pp.closed))))
        return extracted, rows

    def _store(self, out: list[tuple]) -> None:
        with write_transaction(self.db):
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO paper_phrases "
                "(pk, content_hash, phrases, definitions, title_phrases, closed_phrases) VALUES (?, ?, ?, ?, ?, ?)",
                out)

    def surfaces(self, pks: Iterable[int]) -> Iterator[tuple[int, dict[str, str]]]:
        """(pk, {phrase key: the surface form the paper wrote}) of the given papers, in pk order; a damaged row is
        left out (`iter_all` extracts it again)."""
        sql = "SELECT pk, phrases FROM paper_phrases WHERE pk IN ({in}) ORDER BY pk"
        for pk, phrases in select_in(self.db, sql, sorted(set(pks))):
            try:
                written = orjson.loads(phrases)
            except (orjson.JSONDecodeError, TypeError):
                continue
            if isinstance(written, dict):
                yield pk, written

    def iter_all(self) -> Iterator[tuple[int, PaperPhrases]]:
        """Every cached paper's phrases. A row that cannot be read (damaged outside Trendscope) is extracted again
        from its paper's text and rewritten once the rest has been read, with one warning line naming it."""
        rows = self.db.execute("SELECT pk, phrases, definitions, title_phrases, closed_phrases FROM paper_phrases "
                               "ORDER BY pk")
        loads = orjson.loads  # about twice as fast as json.loads on these 162,699 x 4 small documents
        damaged: list[int] = []
        for pk, phrases, definitions, in_title, closed in rows:
            try:
                pp = PaperPhrases(loads(phrases), loads(definitions), loads(in_title), loads(closed))
            except (orjson.JSONDecodeError, TypeError):
                damaged.append(pk)
                continue
            if not (isinstance(pp.surfaces, dict) and isinstance(pp.definitions, dict)
                    and isinstance(pp.in_title, list) and isinstance(pp.closed, list)):
                damaged.append(pk)
                continue
            yield pk, pp
        if damaged:
            log.warning("paper_phrases: %d damaged row(s) (pk %s) extracted again from the papers' text",
                        len(damaged), ", ".join(map(str, damaged[:10])) + (" ..." if len(damaged) > 10 else ""))
            extracted, rows = self._extract(damaged)
            try:
                self._store(rows)
            except (StorageError, sqlite3.Error) as exc:  # a read-only home: used as extracted, not kept
                log.warning("paper_phrases: the %d row(s) extracted again could not be stored: %s", len(rows), exc)
            yield from extracted
