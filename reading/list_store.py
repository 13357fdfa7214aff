"""The SQLite store of reading lists: lists, their items and "not interested" marks.

Items refer to papers by arXiv id WITHOUT version (not by `papers.pk`), so they survive re-ingest, new
versions and re-indexing, and can exist before the paper is ingested: reads look them up by id through the
ingest stage's `PaperReads`. The tables are defined in `store_schema`; passage notes and thumbs have their own
store (`paper_marks_store`). Only these three modules of `reading/` know SQL.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import sqlite_utils

from trendscope.foundation.actor import LAB, LOCAL_OWNER
from trendscope.foundation.db import select_in
from trendscope.ingest.fulltext_store import FulltextStore
from trendscope.ingest.paper_reads import PaperReads
from trendscope.ingest.records import Paper

from .imported_forms import ImportedForms, json_object
from .paper_marks_store import PaperMarksStore, PassageNote

log = logging.getLogger(__name__)

STATUSES = ("unread", "reading", "read")


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
    owner: str = LOCAL_OWNER
    access: str = "own"  # own | edit | read: what the reader may do with it
    shared_with: list[tuple[str, bool]] = field(default_factory=list)  # (grantee, can edit); owner's view only
    last_added: str | None = None  # when a paper was last added to it (ISO UTC; None: empty)
    # the order of that addition among all lists' (its row's number): two lists added to in the same second
    last_order: int = 0

    @property
    def ref(self) -> str:
        """How the reader names it: the bare name for their own lists, `owner/name` for others'."""
        return self.name if self.access == "own" else f"{self.owner}/{self.name}"


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
    imported: Paper | None = None  # title, authors and year an imported BibTeX entry gave (published = the year)
    # the key an imported BibTeX entry had (or, without one, an import into another of the owner's lists): exports
    # write it back
    citation_key: str | None = None
    venue: dict[str, str] = field(default_factory=dict)  # where an imported entry says it was published ("type", ...)
    imported_year: str | None = None  # the year the entry gave: written with its venue
    forms: ImportedForms = field(default_factory=ImportedForms)  # of the import whose authors and title are used

    @property
    def ingested(self) -> bool:
        return self.paper is not None

    @property
    def authors_incomplete(self) -> bool:
        """Whether the authors `metadata` gives are an import's that ended in `and others` (et al.)."""
        return (self.forms.et_al and self.imported is not None and bool(self.imported.authors)
                and not (self.paper is not None and self.paper.authors))

    @property
    def metadata(self) -> Paper | None:
        """What is known of the paper: the ingested record, else what its import said (title, authors, year). An
        ingested record without authors (some snapshots carry none) takes the imported entry's authors."""
        if self.paper is None:
            return self.imported
        if self.imported is not None and self.imported.authors and not self.paper.authors:
            return replace(self.paper, authors=list(self.imported.authors))
        return self.paper


def _venue(stored: str | None) -> dict[str, str]:
    """An imported venue as stored (JSON object of strings); anything else reads as none."""
    return {k: v for k, v in json_object(stored).items() if isinstance(v, str)}


class ListStore:
    """Reads and writes the reading-list tables. Names are matched case-insensitively, within one owner."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.paper_reads = PaperReads(db)
        self.marks = PaperMarksStore(db)  # applies the reading stage's migrations (`store_schema`)
        self.fulltext = FulltextStore(db)

    # -- lists ----------------------------------------------------------------------------
    def list_id(self, name: str, owner: str) -> int | None:
        row = self.db.execute("SELECT list_id FROM reading_lists WHERE owner = ? AND name = ?",
                              [owner, name]).fetchone()
        return row[0] if row else None

    def canonical_name(self, name: str, owner: str) -> str | None:
        row = self.db.execute("SELECT name FROM reading_lists WHERE owner = ? AND name = ?", [owner, name]).fetchone()
        return row[0] if row else None

    def owner_and_name(self, list_id: int) -> tuple[str, str] | None:
        return self.db.execute("SELECT owner, name FROM reading_lists WHERE list_id = ?", [list_id]).fetchone()

    def create(self, name: str, created: str, owner: str) -> int:
        with self.db.atomic():
            cur = self.db.conn.execute(
                "INSERT INTO reading_lists (owner, name, created) VALUES (?, ?, ?)", [owner, name, created]
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
            self.db.conn.execute("DELETE FROM reading_list_shares WHERE list_id = ?", [list_id])
            self.db.conn.execute("DELETE FROM reading_lists WHERE list_id = ?", [list_id])

    def summaries(self, owner: str) -> list[ListSummary]:
        """The owner's lists, with whom each is shared."""
        out = self._summaries("WHERE l.owner = ?", [owner], "own")
        shares: dict[int, list[tuple[str, bool]]] = {}
        for lid, grantee, edit in self.db.execute(
                "SELECT s.list_id, s.grantee, s.can_edit FROM reading_list_shares s JOIN reading_lists l "
                "ON l.list_id = s.list_id WHERE l.owner = ? ORDER BY s.grantee", [owner]):
            shares.setdefault(lid, []).append((grantee, bool(edit)))
        for lid, summary in out:
            summary.shared_with = shares.get(lid, [])
        return [s for _, s in out]

    def shared_with_count(self, user: str) -> int:
        """Lists of others shared with `user` by name (a share with everyone is not counted)."""
        return self.db.execute("SELECT count(*) FROM reading_list_shares s JOIN reading_lists l "
                               "ON l.list_id = s.list_id WHERE s.grantee = ? AND l.owner != ?",
                               [user, user]).fetchone()[0]

    def shared_summaries(self, user: str) -> list[ListSummary]:
        """Lists of other users shared with `user` or with everyone (editable when either share allows it)."""
        rows = self.db.execute(
            "SELECT s.list_id, max(s.can_edit) FROM reading_list_shares s "
            "JOIN reading_lists l ON l.list_id = s.list_id WHERE s.grantee IN (?, ?) AND l.owner != ? "
            "GROUP BY s.list_id", [user, LAB, user]).fetchall()
        edit = {lid: bool(e) for lid, e in rows}
        if not edit:
            return []
        out = self._summaries("WHERE l.list_id IN (SELECT value FROM json_each(?))", [json.dumps(list(edit))], "read")
        for lid, summary in out:
            summary.access = "edit" if edit[lid] else "read"
        return sorted((s for _, s in out), key=lambda s: (s.owner, s.name.lower()))

    def _summaries(self, where: str, args: list, access: str) -> list[tuple[int, ListSummary]]:
        rows = self.db.execute(
            f"""
            SELECT l.list_id, l.owner, l.name, l.created, count(i.arxiv_id),
                   sum(i.status = 'unread'), sum(i.status = 'reading'), sum(i.status = 'read'), max(i.added),
                   max(i.rowid)
            FROM reading_lists l
            LEFT JOIN reading_list_items i ON i.list_id = l.list_id
            {where}
            GROUP BY l.list_id ORDER BY l.name COLLATE NOCASE
            """, args,
        ).fetchall()
        ids = [r[0] for r in rows]
        members = list(select_in(self.db, "SELECT list_id, arxiv_id FROM reading_list_items WHERE list_id IN ({in})",
                                 ids))
        ingested = set(self.paper_reads.pks_of({aid for _, aid in members}))
        missing: dict[int, int] = {}
        for list_id, aid in members:
            if aid not in ingested:
                missing[list_id] = missing.get(list_id, 0) + 1
        return [
            (list_id, ListSummary(name, created, n, u or 0, r or 0, d or 0, missing.get(list_id, 0), owner, access,
                                  last_added=last, last_order=order or 0))
            for list_id, owner, name, created, n, u, r, d, last, order in rows
        ]

    # -- sharing ----------------------------------------------------------------------------
    def share(self, list_id: int, grantee: str, can_edit: bool, shared: str) -> None:
        with self.db.atomic():
            self.db.conn.execute(
                "INSERT INTO reading_list_shares (list_id, grantee, can_edit, shared) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (list_id, grantee) DO UPDATE SET can_edit = excluded.can_edit",
                [list_id, grantee, int(can_edit), shared])

    def unshare(self, list_id: int, grantee: str) -> bool:
        with self.db.atomic():
            return self.db.conn.execute("DELETE FROM reading_list_shares WHERE list_id = ? AND grantee = ?",
                                        [list_id, grantee]).rowcount > 0

    def access(self, list_id: int, user: str) -> str | None:
        """own | edit | read | None (the list is not `user`'s and not shared with them or with everyone)."""
        row = self.db.execute("SELECT owner FROM reading_lists WHERE list_id = ?", [list_id]).fetchone()
        if row is None:
            return None
        if row[0] == user:
            return "own"
        share = self.db.execute("SELECT max(can_edit) FROM reading_list_shares WHERE list_id = ? AND grantee IN (?, ?)",
                                [list_id, user, LAB]).fetchone()[0]
        return None if share is None else ("edit" if share else "read")

    def shared_ids_by_name(self, name: str, user: str, owner: str | None = None) -> list[tuple[int, str]]:
        """(list id, owner) of lists named `name` shared with `user` (of `owner` only, when given)."""
        sql = ("SELECT DISTINCT l.list_id, l.owner FROM reading_lists l JOIN reading_list_shares s "
               "ON s.list_id = l.list_id WHERE l.name = ? AND s.grantee IN (?, ?) AND l.owner != ?")
        args = [name, user, LAB, user]
        if owner is not None:
            sql += " AND l.owner = ?"
            args.append(owner)
        return [(r[0], r[1]) for r in self.db.execute(sql + " ORDER BY l.owner", args)]

    def owned_count(self, owner: str) -> int:
        return self.db.execute("SELECT count(*) FROM reading_lists WHERE owner = ?", [owner]).fetchone()[0]

    # -- items ----------------------------------------------------------------------------
    def memberships(self, arxiv_ids: Iterable[str], owner: str) -> dict[str, list[str]]:
        """arXiv id -> names of the owner's lists holding it (ids in none of them are absent)."""
        out: dict[str, list[str]] = {}
        sql = ("SELECT i.arxiv_id, l.name FROM reading_list_items i JOIN reading_lists l ON l.list_id = i.list_id "
               "WHERE l.owner = ? AND i.arxiv_id IN ({in}) ORDER BY l.name COLLATE NOCASE")
        for aid, name in select_in(self.db, sql, list(arxiv_ids), params=[owner]):
            out.setdefault(aid, []).append(name)
        return out

    def shared_memberships(self, arxiv_ids: Iterable[str], user: str) -> dict[str, list[str]]:
        """arXiv id -> `owner/name` of the lists of others shared with `user` (or with everyone) holding it."""
        out: dict[str, list[str]] = {}
        sql = ("SELECT DISTINCT i.arxiv_id, l.owner, l.name FROM reading_list_items i "
               "JOIN reading_lists l ON l.list_id = i.list_id JOIN reading_list_shares s ON s.list_id = l.list_id "
               "WHERE s.grantee IN (?, ?) AND l.owner != ? AND i.arxiv_id IN ({in}) "
               "ORDER BY l.owner, l.name COLLATE NOCASE")
        for aid, owner, name in select_in(self.db, sql, list(arxiv_ids), params=[user, LAB, user]):
            out.setdefault(aid, []).append(f"{owner}/{name}")
        return out

    def item_ids(self, list_id: int) -> set[str]:
        rows = self.db.execute("SELECT arxiv_id FROM reading_list_items WHERE list_id = ?", [list_id])
        return {r[0] for r in rows}

    def add_items(self, list_id: int, items: Sequence[tuple[str, str, str, str, str | None, str | None, str | None,
                                                          str | None, str | None, str | None]],
                  added_by: str | None = None) -> int:
        """Insert (arxiv_id, note, status, added, imported title, imported authors as JSON, imported year, imported
        citation key, imported venue as JSON, imported forms as JSON) rows, put there by user `added_by`; ids
        already in the list are left as they are."""
        with self.db.atomic():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO reading_list_items (list_id, arxiv_id, note, status, added, imported_title, "
                "imported_authors, imported_year, imported_key, imported_venue, imported_forms, added_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(list_id, *row, added_by) for row in items],
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

    def items(self, list_id: int, notes_of: str) -> list[ListItem]:
        """The list's items joined with whatever is ingested now, oldest added first, with the passage notes
        of user `notes_of`."""
        rows = self.db.execute(
            "SELECT arxiv_id, note, status, added, imported_title, imported_authors, imported_year, imported_key, "
            "imported_venue, imported_forms "
            "FROM reading_list_items WHERE list_id = ? ORDER BY added, rowid",
            [list_id],
        ).fetchall()
        papers = self.paper_reads.papers_by_ids({r[0] for r in rows})
        notes = self.marks.passage_notes({r[0] for r in rows}, notes_of)
        owner = self.owner_and_name(list_id)
        # a stored paper without authors takes those an import into another of the owner's lists gave it (and that
        # import's et al. and whole names); a paper without a key of its own, the key such an import gave it (two
        # keys for one paper in one .bib: a blind user test)
        bare = {r[0] for r in rows if not r[5] and r[0] in papers and not papers[r[0]][1].authors}
        elsewhere = self.imported_elsewhere(owner[0], bare, "imported_authors") if owner and bare else {}
        keyless = {r[0] for r in rows if not r[7]}
        keys = self.imported_elsewhere(owner[0], keyless, "imported_key") if owner and keyless else {}
        # a paper not in the corpus whose PDF was read: the title it prints ("2302.07302 · not ingested yet" in the
        # list while the reader showed "CiteSee: ...": a blind walkthrough)
        printed = self.fulltext.printed_titles(r[0] for r in rows if r[0] not in papers and not r[4])
        out = []
        for aid, note, status, added, title, authors, year, key, venue, forms in rows:
            pk, paper = papers.get(aid, (None, None))
            own = ImportedForms.from_json(forms)
            if not authors and aid in elsewhere:
                authors, other = elsewhere[aid]
                own = own.with_authors_of(ImportedForms.from_json(other))
            title = title or printed.get(aid)
            imported = (Paper(id=aid, title=title or "", abstract="", authors=json.loads(authors or "[]"),
                              published=year or None)
                        if title or authors else None)
            out.append(ListItem(aid, note, status, added, pk, paper, notes.get(aid, []), imported,
                                key or keys.get(aid, (None,))[0], _venue(venue), year or None, own))
        return out

    def imported_authors(self, owner: str, arxiv_ids: set[str]) -> dict[str, str]:
        """{arxiv id: its authors as JSON} that a BibTeX import into any of the owner's lists gave (the latest such
        import): a paper imported with its authors into one list had none in the owner's other lists, its exports
        and its page (a blind walkthrough)."""
        return {aid: authors for aid, (authors, _) in self.imported_elsewhere(owner, arxiv_ids,
                                                                              "imported_authors").items()}

    def imported_elsewhere(self, owner: str, arxiv_ids: set[str], column: str) -> dict[str, tuple[str, str | None]]:
        """{arxiv id: (its `column`, that row's imported forms)} that the latest import by the owner giving one into
        any of the owner's lists gave (`column`: imported_authors or imported_key)."""
        if column not in ("imported_authors", "imported_key"):
            raise ValueError(f"not an imported column: {column!r}")
        # the owner's own imports only: an editor of a shared list set the authors of the owner's page of a paper
        sql = (f"SELECT i.arxiv_id, i.{column}, i.imported_forms FROM reading_list_items i JOIN reading_lists l "
               f"ON l.list_id = i.list_id WHERE l.owner = ? AND i.{column} IS NOT NULL AND i.{column} NOT IN "
               "('', '[]') AND coalesce(i.added_by, l.owner) = l.owner AND i.arxiv_id IN ({in}) "
               "ORDER BY i.added, i.rowid")
        return {aid: (value, forms) for aid, value, forms in select_in(self.db, sql, sorted(arxiv_ids), params=[owner])}

    _OWN_ITEMS = ("SELECT DISTINCT i.arxiv_id FROM reading_list_items i JOIN reading_lists l "
                  "ON l.list_id = i.list_id WHERE l.owner = ?")
    _OWN_MARKS = ("SELECT DISTINCT n.arxiv_id FROM reading_not_interested n JOIN reading_lists l "
                  "ON l.list_id = n.list_id WHERE l.owner = ?")

    _SHARED_ITEMS = ("SELECT DISTINCT i.arxiv_id FROM reading_list_items i JOIN reading_list_shares s "
                     "ON s.list_id = i.list_id JOIN reading_lists l ON l.list_id = i.list_id "
                     f"WHERE s.grantee IN (?, '{LAB}') AND l.owner != ?")

    def shared_ids(self, user: str) -> set[str]:
        """Every paper in the lists of others shared with `user` (or with everyone)."""
        return {r[0] for r in self.db.execute(self._SHARED_ITEMS, [user, user])}

    def kept_ids(self, owner: str) -> set[str]:
        """Every paper in any of the owner's reading lists."""
        return {r[0] for r in self.db.execute(self._OWN_ITEMS, [owner])}

    def taste_signature(self, owner: str) -> str:
        """Changes whenever what the owner's "new for you" learns from changes (their list items, thumbs and
        not-interested marks)."""
        import hashlib

        h = hashlib.sha1(owner.encode())
        for sql in (self._OWN_ITEMS + " ORDER BY 1",
                    "SELECT arxiv_id, vote FROM paper_feedback WHERE owner = ? ORDER BY arxiv_id",
                    self._OWN_MARKS + " ORDER BY 1"):
            for row in self.db.execute(sql, [owner]):
                h.update(repr(row).encode())
            h.update(b"|")
        for row in self.db.execute(self._SHARED_ITEMS + " ORDER BY 1", [owner, owner]):  # left out of the picks
            h.update(repr(row).encode())
        return h.hexdigest()

    def not_interested_anywhere(self, owner: str) -> set[str]:
        return {r[0] for r in self.db.execute(self._OWN_MARKS, [owner])}

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

    def withdrawn_pks(self) -> set[int]:
        return self.paper_reads.withdrawn_pks()

    def pks_published_since(self, since: str) -> list[int]:
        return self.paper_reads.pks_published_since(since)

    def pk_bounds(self) -> tuple[int, int] | None:
        return self.paper_reads.pk_bounds()
