"""Each paper's topic-phrase candidates, kept so that rising topics are computed without re-reading every abstract.

`paper_phrases` rows are a cache of `topic_phrases.paper_phrases(title, abstract)` keyed by the paper's text hash:
`refresh` (run by `trendscope index`, and by `emerging_topics` for anything missing) extracts only papers that
are new or whose text changed, and drops rows of papers that are gone. This module is the only one that knows
this table's SQL.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlite_utils
from sqlite_utils import Migrations

from trendscope.foundation.db import apply_migrations, write_transaction

from .topic_phrases import PaperPhrases, paper_phrases

log = logging.getLogger(__name__)

migrations = Migrations("trendscope.topics")
EXTRACTOR_VERSION = "3"  # bump when topic_phrases changes what it extracts: every paper is extracted again


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


@dataclass
class RefreshResult:
    extracted: int
    removed: int
    seconds: float


class TopicStore:
    """Reads and refreshes the `paper_phrases` cache."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        apply_migrations(db, migrations)

    def _pending(self, batch: int) -> list[tuple]:
        return self.db.execute(
            "SELECT p.pk, p.title, p.abstract, p.content_hash || ':' || ? FROM papers p "
            "LEFT JOIN paper_phrases x ON x.pk = p.pk "
            "WHERE x.pk IS NULL OR x.content_hash != p.content_hash || ':' || ? LIMIT ?",
            [EXTRACTOR_VERSION, EXTRACTOR_VERSION, batch],
        ).fetchall()

    def count_pending(self) -> int:
        return self.db.execute(
            "SELECT count(*) FROM papers p LEFT JOIN paper_phrases x ON x.pk = p.pk "
            "WHERE x.pk IS NULL OR x.content_hash != p.content_hash || ':' || ?", [EXTRACTOR_VERSION]
        ).fetchone()[0]

    def refresh(self, progress: Callable[[int, int], None] | None = None, batch: int = 2000) -> RefreshResult:
        """Extract the phrases of new and changed papers; drop the rows of papers that are gone."""
        started = time.perf_counter()
        total, done = self.count_pending(), 0
        while True:
            rows = self._pending(batch)
            if not rows:
                break
            out = []
            for pk, title, abstract, stamp in rows:
                pp = paper_phrases(title, abstract)
                out.append((pk, stamp, *(json.dumps(x, ensure_ascii=False)
                                         for x in (pp.surfaces, pp.definitions, pp.in_title))))
            with write_transaction(self.db):
                self.db.conn.executemany(
                    "INSERT OR REPLACE INTO paper_phrases (pk, content_hash, phrases, definitions, title_phrases) "
                    "VALUES (?, ?, ?, ?, ?)",
                    out)
            done += len(rows)
            if progress:
                progress(done, total)
        with write_transaction(self.db):
            removed = self.db.execute("DELETE FROM paper_phrases WHERE pk NOT IN (SELECT pk FROM papers)").rowcount
        return RefreshResult(done, removed, time.perf_counter() - started)

    def iter_all(self) -> Iterator[tuple[int, PaperPhrases]]:
        rows = self.db.execute("SELECT pk, phrases, definitions, title_phrases FROM paper_phrases")
        for pk, phrases, definitions, in_title in rows:
            yield pk, PaperPhrases(json.loads(phrases), json.loads(definitions), json.loads(in_title))
