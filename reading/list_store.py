"""The SQLite store of reading lists: lists, their items and "not interested" marks.

Items refer to papers by arXiv id WITHOUT version (not by `papers.pk`), so they survive re-ingest, new
versions and re-indexing, and can exist before the paper is ingested: reads look them up by id through the
ingest stage's `PaperReads`.
This is the only module of `reading/` that knows SQL.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlite_utils
from sqlite_utils import Migrations

from trendscope.foundation.db import apply_migrations, select_in
from trendscope.ingest.paper_reads import PaperReads
from trendscope.ingest.records import Paper

log = logging.getLogger(__name__)

migrations = Migrations("trendscope.reading")

STATUSES = ("unread", "reading", "read")


@migrations()
def m001_reading_lists(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE reading_lists (
            list_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            created TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE reading_list_items (
            list_id INTEGER NOT NULL REFERENCES reading_lists(list_id) ON DELETE CASCADE,
            arxiv_id TEXT NOT NULL,           -- arXiv id without version; papers.id once ingested
            note TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'unread' CHECK (status IN ('unread', 'reading', 'read')),
            added TEXT NOT NULL,              -- ISO UTC timestamp
            PRIMARY KEY (list_id, arxiv_id)
        )
        """
    )
    db.execute("CREATE INDEX idx_reading_list_items_arxiv_id ON reading_list_items(arxiv_id)")
    db.execute(
        """
        CREATE TABLE reading_not_interested (
            list_id INTEGER NOT NULL REFERENCES reading_lists(list_id) ON DELETE CASCADE,
            arxiv_id TEXT NOT NULL,
            marked TEXT NOT NULL,
            PRIMARY KEY (list_id, arxiv_id)
        )
        """
    )


@dataclass
class ListSummary:
    """One reading list with its counts."""

    name: str
    created: str
    items: int = 0
    unread: int = 0
    reading: int = 0
    read: int = 0
    not_ingested: int = 0


@migrations()
def m002_passage_notes(db: sqlite_utils.Database) -> None:
    """Notes on passages of a paper's full text (`seq` of the ingest stage's passages; the quote kept, so a
    note reads on its own even if the full text is fetched again)."""
    db.execute(
        """
        CREATE TABLE passage_notes (
            note_id INTEGER PRIMARY KEY,
            arxiv_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            section TEXT NOT NULL DEFAULT '',
            quote TEXT NOT NULL,
            note TEXT NOT NULL,
            created TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX passage_notes_paper ON passage_notes(arxiv_id, seq)")


@migrations()
def m003_paper_feedback(db: sqlite_utils.Database) -> None:
    """Thumbs up (+1) or down (-1) on any paper card: what the "new for you" ranking learns from."""
    db.execute("CREATE TABLE paper_feedback (arxiv_id TEXT PRIMARY KEY, vote INTEGER NOT NULL, at TEXT NOT NULL)")


@dataclass
class PassageNote:
    note_id: int
    arxiv_id: str
    seq: int
    section: str
    quote: str
    note: str
    created: str


@dataclass
class ListItem:
    """One paper of a list; `paper` is None while the paper is not ingested."""

    arxiv_id: str
    note: str
    status: str
    added: str
    pk: int | None = None
    paper: Paper | None = None
    passage_notes: list[PassageNote] = field(default_factory=list)

    @property
    def ingested(self) -> bool:
        return self.paper is not None


class ListStore:
    """Reads and writes the reading-list tables. Names are matched case-insensitively."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.paper_reads = PaperReads(db)
        apply_migrations(db, migrations)

    # -- lists ----------------------------------------------------------------------------
    def list_id(self, name: str) -> int | None:
        row = self.db.execute("SELECT list_id FROM reading_lists WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    def canonical_name(self, name: str) -> str | None:
        row = self.db.execute("SELECT name FROM reading_lists WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    def create(self, name: str, created: str) -> int:
        with self.db.atomic():
            cur = self.db.conn.execute(
                "INSERT INTO reading_lists (name, created) VALUES (?, ?)", [name, created]
            )
        return cur.lastrowid

    def rename(self, list_id: int, new_name: str) -> None:
        with self.db.atomic():
            self.db.conn.execute("UPDATE reading_lists SET name = ? WHERE list_id = ?", [new_name, list_id])

    def delete(self, list_id: int) -> None:
        with self.db.atomic():
            # explicit deletes, so it does not depend on PRAGMA foreign_keys
            self.db.conn.execute("DELETE FROM reading_list_items WHERE list_id = ?", [list_id])
            self.db.conn.execute("DELETE FROM reading_not_interested WHERE list_id = ?", [list_id])
            self.db.conn.execute("DELETE FROM reading_lists WHERE list_id = ?", [list_id])

    def summaries(self) -> list[ListSummary]:
        rows = self.db.execute(
            """
            SELECT l.list_id, l.name, l.created, count(i.arxiv_id),
                   sum(i.status = 'unread'), sum(i.status = 'reading'), sum(i.status = 'read')
            FROM reading_lists l
            LEFT JOIN reading_list_items i ON i.list_id = l.list_id
            GROUP BY l.list_id ORDER BY l.name COLLATE NOCASE
            """
        ).fetchall()
        members = self.db.execute("SELECT list_id, arxiv_id FROM reading_list_items").fetchall()
        ingested = set(self.paper_reads.pks_of({aid for _, aid in members}))
        missing: dict[int, int] = {}
        for list_id, aid in members:
            if aid not in ingested:
                missing[list_id] = missing.get(list_id, 0) + 1
        return [
            ListSummary(name, created, n, u or 0, r or 0, d or 0, missing.get(list_id, 0))
            for list_id, name, created, n, u, r, d in rows
        ]

    # -- items ----------------------------------------------------------------------------
    def memberships(self, arxiv_ids: Iterable[str]) -> dict[str, list[str]]:
        """arXiv id -> names of the lists holding it (ids in no list are absent)."""
        out: dict[str, list[str]] = {}
        sql = ("SELECT i.arxiv_id, l.name FROM reading_list_items i JOIN reading_lists l ON l.list_id = i.list_id "
               "WHERE i.arxiv_id IN ({in}) ORDER BY l.name COLLATE NOCASE")
        for aid, name in select_in(self.db, sql, list(arxiv_ids)):
            out.setdefault(aid, []).append(name)
        return out

    def item_ids(self, list_id: int) -> set[str]:
        rows = self.db.execute("SELECT arxiv_id FROM reading_list_items WHERE list_id = ?", [list_id])
        return {r[0] for r in rows}

    def add_items(self, list_id: int, items: Sequence[tuple[str, str, str, str]]) -> int:
        """Insert (arxiv_id, note, status, added) rows; ids already in the list are left as they are."""
        with self.db.atomic():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO reading_list_items (list_id, arxiv_id, note, status, added) "
                "VALUES (?, ?, ?, ?, ?)",
                [(list_id, a, n, s, d) for a, n, s, d in items],
            )
            return self.db.conn.total_changes - before

    def remove_items(self, list_id: int, arxiv_ids: Iterable[str]) -> int:
        ids = list(arxiv_ids)
        with self.db.atomic():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "DELETE FROM reading_list_items WHERE list_id = ? AND arxiv_id = ?", [(list_id, a) for a in ids]
            )
            return self.db.conn.total_changes - before

    def set_note(self, list_id: int, arxiv_id: str, note: str) -> bool:
        with self.db.atomic():
            cur = self.db.conn.execute(
                "UPDATE reading_list_items SET note = ? WHERE list_id = ? AND arxiv_id = ?", [note, list_id, arxiv_id]
            )
        return cur.rowcount > 0

    def set_status(self, list_id: int, arxiv_ids: Sequence[str], status: str) -> int:
        with self.db.atomic():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "UPDATE reading_list_items SET status = ? WHERE list_id = ? AND arxiv_id = ?",
                [(status, list_id, a) for a in arxiv_ids],
            )
            return self.db.conn.total_changes - before

    def items(self, list_id: int) -> list[ListItem]:
        """The list's items joined with whatever is ingested now, oldest added first."""
        rows = self.db.execute(
            "SELECT arxiv_id, note, status, added FROM reading_list_items WHERE list_id = ? ORDER BY added, rowid",
            [list_id],
        ).fetchall()
        papers = self.paper_reads.papers_by_ids({r[0] for r in rows})
        notes = self.passage_notes({r[0] for r in rows})
        out = []
        for aid, note, status, added in rows:
            pk, paper = papers.get(aid, (None, None))
            out.append(ListItem(aid, note, status, added, pk, paper, notes.get(aid, [])))
        return out

    # -- notes on passages -----------------------------------------------------------------
    def add_passage_note(self, arxiv_id: str, seq: int, section: str, quote: str, note: str, created: str) -> int:
        with self.db.atomic():
            cur = self.db.conn.execute(
                "INSERT INTO passage_notes (arxiv_id, seq, section, quote, note, created) VALUES (?, ?, ?, ?, ?, ?)",
                [arxiv_id, int(seq), section, quote, note, created])
        return cur.lastrowid

    def delete_passage_note(self, note_id: int) -> bool:
        with self.db.atomic():
            return self.db.conn.execute("DELETE FROM passage_notes WHERE note_id = ?", [int(note_id)]).rowcount > 0

    def passage_notes(self, arxiv_ids: Iterable[str]) -> dict[str, list[PassageNote]]:
        """arXiv id -> its passage notes in reading order (then oldest first)."""
        out: dict[str, list[PassageNote]] = {}
        sql = ("SELECT note_id, arxiv_id, seq, section, quote, note, created FROM passage_notes "
               "WHERE arxiv_id IN ({in}) ORDER BY arxiv_id, seq, note_id")
        for row in select_in(self.db, sql, list(arxiv_ids)):
            out.setdefault(row[1], []).append(PassageNote(*row))
        return out

    # -- feedback ---------------------------------------------------------------------------
    def set_feedback(self, arxiv_id: str, vote: int, at: str) -> None:
        with self.db.atomic():
            if vote:
                self.db.conn.execute("INSERT OR REPLACE INTO paper_feedback (arxiv_id, vote, at) VALUES (?, ?, ?)",
                                     [arxiv_id, 1 if vote > 0 else -1, at])
            else:
                self.db.conn.execute("DELETE FROM paper_feedback WHERE arxiv_id = ?", [arxiv_id])

    def feedback(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT arxiv_id, vote FROM paper_feedback"))

    def kept_ids(self) -> set[str]:
        """Every paper in any reading list."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT arxiv_id FROM reading_list_items")}

    def taste_signature(self) -> str:
        """Changes whenever what "new for you" learns from changes (list items, thumbs, not-interested marks)."""
        import hashlib

        h = hashlib.sha1()
        for sql in ("SELECT arxiv_id FROM reading_list_items ORDER BY arxiv_id",
                    "SELECT arxiv_id, vote FROM paper_feedback ORDER BY arxiv_id",
                    "SELECT arxiv_id FROM reading_not_interested ORDER BY arxiv_id"):
            for row in self.db.execute(sql):
                h.update(repr(row).encode())
            h.update(b"|")
        return h.hexdigest()

    def not_interested_anywhere(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT arxiv_id FROM reading_not_interested")}

    # -- not interested -------------------------------------------------------------------
    def mark_not_interested(self, list_id: int, arxiv_ids: Sequence[str], marked: str) -> int:
        with self.db.atomic():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO reading_not_interested (list_id, arxiv_id, marked) VALUES (?, ?, ?)",
                [(list_id, a, marked) for a in arxiv_ids],
            )
            return self.db.conn.total_changes - before

    def unmark_not_interested(self, list_id: int, arxiv_ids: Sequence[str]) -> int:
        with self.db.atomic():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "DELETE FROM reading_not_interested WHERE list_id = ? AND arxiv_id = ?",
                [(list_id, a) for a in arxiv_ids],
            )
            return self.db.conn.total_changes - before

    def not_interested_ids(self, list_id: int) -> set[str]:
        rows = self.db.execute("SELECT arxiv_id FROM reading_not_interested WHERE list_id = ?", [list_id])
        return {r[0] for r in rows}

    # -- papers (read-only lookups for recommendations, through the ingest stage's PaperReads) -------------
    def pks_of(self, arxiv_ids: Iterable[str]) -> dict[str, int]:
        return self.paper_reads.pks_of(arxiv_ids)

    def pks_published_since(self, since: str) -> list[int]:
        return self.paper_reads.pks_published_since(since)
