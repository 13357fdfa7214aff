"""The reading stage's tables: reading lists, their items and shares, "not interested" marks, passage notes and
thumbs, as `sqlite_utils` migrations. The store modules (`list_store`, `paper_marks_store`) apply them.
"""
from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from trendscope.foundation.actor import LOCAL_OWNER
from trendscope.foundation.db import apply_migrations, rebuild_table, write_transaction

migrations = Migrations("trendscope.reading")


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Bring the reading tables of `db` up to date (a no-op once they are)."""
    apply_migrations(db, migrations)


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


def _columns(db: sqlite_utils.Database, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info([{table}])").fetchall()}


@migrations(transactional=False)
def m004_owners_and_shares(db: sqlite_utils.Database) -> None:
    """Lists, thumbs and passage notes belong to a user; what existed before goes to the local owner.

    List names become unique per owner (a table rebuild: SQLite cannot drop a column's UNIQUE). Lists can be
    shared with one user or with everyone (`grantee` "*"), read-only or editable. Each step is skipped when
    already done, so an interrupted run completes on the next start."""
    if "owner" not in _columns(db, "reading_lists"):
        rebuild_table(
            db, "reading_lists",
            f"""CREATE TABLE reading_lists__new (
                list_id INTEGER PRIMARY KEY,
                owner TEXT NOT NULL DEFAULT '{LOCAL_OWNER}',
                name TEXT NOT NULL COLLATE NOCASE,
                created TEXT NOT NULL,
                UNIQUE (owner, name)
            )""",
            f"INSERT INTO reading_lists__new (list_id, owner, name, created) "
            f"SELECT list_id, '{LOCAL_OWNER}', name, created FROM reading_lists",
        )
    if "owner" not in _columns(db, "paper_feedback"):
        rebuild_table(
            db, "paper_feedback",
            f"""CREATE TABLE paper_feedback__new (
                owner TEXT NOT NULL DEFAULT '{LOCAL_OWNER}',
                arxiv_id TEXT NOT NULL,
                vote INTEGER NOT NULL,
                at TEXT NOT NULL,
                PRIMARY KEY (owner, arxiv_id)
            )""",
            f"INSERT INTO paper_feedback__new (owner, arxiv_id, vote, at) "
            f"SELECT '{LOCAL_OWNER}', arxiv_id, vote, at FROM paper_feedback",
        )
    with write_transaction(db):
        if "owner" not in _columns(db, "passage_notes"):
            db.execute(f"ALTER TABLE passage_notes ADD COLUMN owner TEXT NOT NULL DEFAULT '{LOCAL_OWNER}'")
            db.execute("CREATE INDEX passage_notes_owner ON passage_notes(owner, arxiv_id, seq)")
        db.execute(
            """
            CREATE TABLE IF NOT EXISTS reading_list_shares (
                list_id INTEGER NOT NULL REFERENCES reading_lists(list_id) ON DELETE CASCADE,
                grantee TEXT NOT NULL,            -- a user name, or '*' for every signed-in user
                can_edit INTEGER NOT NULL DEFAULT 0,
                shared TEXT NOT NULL,
                PRIMARY KEY (list_id, grantee)
            )
            """
        )
        db.execute("CREATE INDEX IF NOT EXISTS reading_list_shares_grantee ON reading_list_shares(grantee)")


@migrations()
def m005_imported_metadata(db: sqlite_utils.Database) -> None:
    """The title and authors an imported BibTeX entry gave for a paper not ingested yet, so an export before the
    paper is ingested keeps them (they were dropped: a bare eprint entry came back out)."""
    cols = _columns(db, "reading_list_items")
    if "imported_title" not in cols:
        db.execute("ALTER TABLE reading_list_items ADD COLUMN imported_title TEXT")
    if "imported_authors" not in cols:
        db.execute("ALTER TABLE reading_list_items ADD COLUMN imported_authors TEXT")  # a JSON list


@migrations()
def m006_imported_year(db: sqlite_utils.Database) -> None:
    """The year an imported BibTeX entry gave (a paper not ingested yet lost it, and with it its citation key's
    year)."""
    if "imported_year" not in _columns(db, "reading_list_items"):
        db.execute("ALTER TABLE reading_list_items ADD COLUMN imported_year TEXT")


@migrations()
def m007_imported_key(db: sqlite_utils.Database) -> None:
    """The citation key an imported BibTeX entry had, so that an export keeps it (`\\cite{wang2023olora}` in a
    thesis broke when the export wrote `wang2023orthogonal`: a blind walkthrough)."""
    if "imported_key" not in _columns(db, "reading_list_items"):
        db.execute("ALTER TABLE reading_list_items ADD COLUMN imported_key TEXT")


@migrations()
def m008_imported_venue(db: sqlite_utils.Database) -> None:
    """Where an imported BibTeX entry says the paper was published (entry type, journal or booktitle, volume,
    pages, DOI...), as JSON, so that an export writes it back (an @article came back as a bare @misc)."""
    if "imported_venue" not in _columns(db, "reading_list_items"):
        db.execute("ALTER TABLE reading_list_items ADD COLUMN imported_venue TEXT")


@migrations()
def m009_imported_forms(db: sqlite_utils.Database) -> None:
    """What an imported BibTeX entry said only in braces and `and others`, as JSON (`imported_forms`): that its
    author list is incomplete, which names are an organisation's written as one brace group, and which title words
    it braced to keep their case. Exports lost all three (`A and B` for `A and B and others`, `Workshop, B.` for
    `{BigScience Workshop}`); a row without it exports as before."""
    if "imported_forms" not in _columns(db, "reading_list_items"):
        db.execute("ALTER TABLE reading_list_items ADD COLUMN imported_forms TEXT")


@migrations()
def m010_ids_without_subject_class(db: sqlite_utils.Database) -> None:
    """Old-style ids as arXiv stores them: `math.GT/0309136` is `math/0309136` (`records.parse_arxiv_id` gives that
    form now; an item stored with its subject class could no longer be removed or changed: a review). A paper the
    same list or user has under both forms keeps the one with the canonical id."""
    import re

    for table in ("reading_list_items", "reading_not_interested", "passage_notes", "paper_feedback"):
        if table not in db.table_names():
            continue
        old = [r[0] for r in db.execute(f"SELECT DISTINCT arxiv_id FROM {table} WHERE arxiv_id GLOB '*.[A-Z][A-Z]/*'")]
        for aid in old:
            canonical = re.sub(r"^([a-z\-]+)\.[A-Z]{2}/", r"\1/", aid)
            if canonical == aid:
                continue
            if table == "reading_list_items":  # a list holding both: the canonical row takes the other's note when
                db.execute("UPDATE reading_list_items SET note = (SELECT o.note FROM reading_list_items o "  # it has
                           "WHERE o.list_id = reading_list_items.list_id AND o.arxiv_id = ?) "  # none (a review)
                           "WHERE arxiv_id = ? AND coalesce(note, '') = '' AND list_id IN (SELECT list_id FROM "
                           "reading_list_items WHERE arxiv_id = ? AND coalesce(note, '') != '')",
                           [aid, canonical, aid])
            db.execute(f"UPDATE OR IGNORE {table} SET arxiv_id = ? WHERE arxiv_id = ?", [canonical, aid])
            db.execute(f"DELETE FROM {table} WHERE arxiv_id = ?", [aid])  # those that had it twice



@migrations()
def m011_items_added_by(db: sqlite_utils.Database) -> None:
    """Who put each item on its list: a reader who may edit a shared list imported a BibTeX entry whose authors
    then showed on the owner's page of the paper and in the owner's other lists and exports (a hostile-input
    check). Only the owner's own imports lend a paper's authors or key to the owner's other lists; items stored
    before (NULL) count as the owner's."""
    if "added_by" not in _columns(db, "reading_list_items"):
        db.execute("ALTER TABLE reading_list_items ADD COLUMN added_by TEXT")
