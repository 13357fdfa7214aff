"""The SQLite store of a user's marks on single papers, outside any list: notes on passages of a paper's full
text, and thumbs up or down (what "new for you" learns from). Papers are referred to by arXiv id without
version, like list items.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from trendscope.foundation.db import select_in

from .store_schema import ensure_schema


@dataclass
class PassageNote:
    note_id: int
    arxiv_id: str
    seq: int
    section: str
    quote: str
    note: str
    created: str


class PaperMarksStore:
    """Reads and writes `passage_notes` and `paper_feedback`, always for one owner."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        ensure_schema(db)

    def owned_count(self, owner: str) -> int:
        """The passage notes and thumbs `owner` has (what a new account of the name would hold)."""
        return sum(self.db.execute(f"SELECT count(*) FROM {table} WHERE owner = ?", [owner]).fetchone()[0]
                   for table in ("passage_notes", "paper_feedback"))

    # -- notes on passages -----------------------------------------------------------------
    def add_passage_note(self, owner: str, arxiv_id: str, seq: int, section: str, quote: str, note: str,
                         created: str) -> int:
        with self.db.atomic():
            cur = self.db.conn.execute(
                "INSERT INTO passage_notes (owner, arxiv_id, seq, section, quote, note, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [owner, arxiv_id, int(seq), section, quote, note, created])
        return cur.lastrowid

    def delete_passage_note(self, note_id: int, owner: str) -> bool:
        with self.db.atomic():
            return self.db.conn.execute("DELETE FROM passage_notes WHERE note_id = ? AND owner = ?",
                                        [int(note_id), owner]).rowcount > 0

    def set_passage_note(self, note_id: int, owner: str, note: str) -> bool:
        with self.db.atomic():
            return self.db.conn.execute("UPDATE passage_notes SET note = ? WHERE note_id = ? AND owner = ?",
                                        [note, int(note_id), owner]).rowcount > 0

    def passage_notes(self, arxiv_ids: Iterable[str], owner: str) -> dict[str, list[PassageNote]]:
        """arXiv id -> the owner's passage notes in reading order (then oldest first)."""
        out: dict[str, list[PassageNote]] = {}
        sql = ("SELECT note_id, arxiv_id, seq, section, quote, note, created FROM passage_notes "
               "WHERE owner = ? AND arxiv_id IN ({in}) ORDER BY arxiv_id, seq, note_id")
        for row in select_in(self.db, sql, list(arxiv_ids), params=[owner]):
            out.setdefault(row[1], []).append(PassageNote(*row))
        return out

    # -- feedback ---------------------------------------------------------------------------
    def set_feedback(self, owner: str, arxiv_id: str, vote: int, at: str) -> None:
        with self.db.atomic():
            if vote:
                self.db.conn.execute("INSERT OR REPLACE INTO paper_feedback (owner, arxiv_id, vote, at) "
                                     "VALUES (?, ?, ?, ?)", [owner, arxiv_id, 1 if vote > 0 else -1, at])
            else:
                self.db.conn.execute("DELETE FROM paper_feedback WHERE owner = ? AND arxiv_id = ?", [owner, arxiv_id])

    def feedback(self, owner: str) -> dict[str, int]:
        return dict(self.db.execute("SELECT arxiv_id, vote FROM paper_feedback WHERE owner = ?", [owner]))
