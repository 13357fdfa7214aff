"""The SQLite store of papers: upserts with version rules, FTS5 upkeep, lookups (the tables themselves, as
migrations, are `store_schema`'s).

This module and the other `*store*` modules are the only ones that know SQL. The database is the
single source of truth; everything else (FAISS files, feeds) is rebuilt from it.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from trendscope.foundation.db import select_in, write_transaction

from .record_fields import ARXIV_START, FUTURE_DAYS
from .records import Paper, content_hash
from .store_schema import FILL_TERMS, FTS_INSERT_TRIGGER, TERMS_INSERT_TRIGGER
from .store_schema import open_database as open_database  # the database with this schema, for every stage

log = logging.getLogger(__name__)

BULK_FTS_MIN = 50  # new rows in a batch from which FTS is filled in one statement

PAPER_COLUMNS = (
    "id", "version", "title", "abstract", "authors", "categories", "primary_category",
    "published", "updated", "doi", "journal_ref", "comment", "links", "content_hash",
)


@dataclass
class UpsertCounts:
    """What an upsert did."""

    new: int = 0
    updated: int = 0
    skipped: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.new += other.new
        self.updated += other.updated
        self.skipped += other.skipped
        return self

    @property
    def written(self) -> int:
        return self.new + self.updated


def _row(p: Paper) -> dict:
    return {
        "id": p.id,
        "version": p.version,
        "title": p.title,
        "abstract": p.abstract,
        "authors": json.dumps(p.authors, ensure_ascii=False),
        "categories": json.dumps(p.categories),
        "primary_category": p.primary_category,
        "published": p.published,
        "updated": p.updated,
        "doi": p.doi,
        "journal_ref": p.journal_ref,
        "comment": p.comment,
        "links": json.dumps(p.links),
        "content_hash": content_hash(p.title, p.abstract),
    }


def row_to_paper(row: dict) -> Paper:
    return Paper(
        id=row["id"],
        title=row["title"],
        abstract=row["abstract"],
        authors=json.loads(row["authors"] or "[]"),
        categories=json.loads(row["categories"] or "[]"),
        primary_category=row["primary_category"],
        published=row["published"],
        updated=row["updated"],
        version=row["version"],
        doi=row["doi"],
        journal_ref=row["journal_ref"],
        comment=row["comment"],
        links=json.loads(row["links"] or "[]"),
    )


def _is_newer(incoming: int | None, stored: int | None) -> bool:
    """A newer version replaces the stored one; an older or equal one changes nothing (but see `_replaces`)."""
    return (incoming or 0) > (stored or 0)


def _replaces(p: Paper, stored: tuple[int, int | None, bool]) -> bool:
    """Whether record `p` replaces the stored one `(pk, version, has authors)`: a newer version, or the same version
    with the authors the stored record lacks (most of the bulk snapshot's papers carry none; an API record of the
    same version was skipped, so `ingest --id` could not mend a reading list's BibTeX without authors: a blind
    walkthrough)."""
    return _is_newer(p.version, stored[1]) or (
        bool(p.authors) and not stored[2] and not _is_newer(stored[1], p.version))


class PaperStore:
    """Reads and writes the `papers` table (plus its FTS index and category table)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._trigger_sql: tuple[str | None, str | None] | None = None

    # -- writes ---------------------------------------------------------------------------
    def upsert(self, papers: Iterable[Paper], batch_size: int = 2000) -> UpsertCounts:
        """Insert new papers, replace stored ones by newer versions, skip the rest.

        Each batch is one transaction, so a killed process leaves whole batches only.
        """
        total = UpsertCounts()
        batch: list[Paper] = []
        for p in papers:
            batch.append(p)
            if len(batch) >= batch_size:
                total += self._upsert_batch(batch)
                batch = []
        if batch:
            total += self._upsert_batch(batch)
        return total

    def _upsert_batch(self, batch: Sequence[Paper]) -> UpsertCounts:
        counts = UpsertCounts()
        # Within one batch the newest version of an id wins.
        latest: dict[str, Paper] = {}
        for p in batch:
            cur = latest.get(p.id)
            if cur is None:
                latest[p.id] = p
            elif _is_newer(p.version, cur.version):
                latest[p.id] = p
                counts.skipped += 1
            else:
                counts.skipped += 1
        existing = self._versions(list(latest))
        todo = [p for pid, p in latest.items() if pid not in existing or _replaces(p, existing[pid])]
        counts.skipped += len(latest) - len(todo)
        if not todo:  # nothing new: write nothing, not even an empty transaction
            return counts
        conn = self.db.conn
        insert_sql = (
            f"INSERT INTO papers ({', '.join(PAPER_COLUMNS)}) VALUES ({', '.join('?' for _ in PAPER_COLUMNS)})"
        )
        sets = ", ".join(f"{c} = ?" for c in PAPER_COLUMNS if c != "id")
        update_sql = f"UPDATE papers SET {sets}, ingested_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE pk = ?"
        n_new = sum(1 for p in todo if p.id not in existing)
        # Big batches index FTS in one statement instead of one trigger call per row (about 3x faster).
        # The insert trigger is dropped and re-created inside the same transaction, so every committed
        # state (and a process killed at any point) has the trigger in place and FTS in sync.
        bulk_fts = n_new >= BULK_FTS_MIN and None not in self._insert_triggers()
        with write_transaction(self.db):
            # Re-check inside the transaction: another writer may have committed since the read above.
            existing = self._versions([p.id for p in todo])
            if bulk_fts:
                for name in (FTS_INSERT_TRIGGER, TERMS_INSERT_TRIGGER):
                    conn.execute(f"DROP TRIGGER {name}")
            new_pks: list[int] = []
            categories: list[tuple[int, str]] = []
            for p in todo:
                row = _row(p)
                pid = p.id
                if pid not in existing:
                    pk = conn.execute(insert_sql, [row[c] for c in PAPER_COLUMNS]).lastrowid
                    new_pks.append(pk)
                    counts.new += 1
                elif _replaces(p, existing[pid]):
                    pk = existing[pid][0]
                    conn.execute(update_sql, [row[c] for c in PAPER_COLUMNS if c != "id"] + [pk])
                    conn.execute("DELETE FROM paper_categories WHERE pk = ?", [pk])
                    counts.updated += 1
                else:
                    counts.skipped += 1
                    continue
                categories.extend((pk, c) for c in dict.fromkeys(p.categories))
            if categories:
                conn.executemany("INSERT OR IGNORE INTO paper_categories (pk, category) VALUES (?, ?)", categories)
            if bulk_fts:
                if new_pks:
                    conn.execute(
                        "INSERT INTO papers_fts (rowid, title, abstract, authors) "
                        "SELECT pk, title, abstract, authors FROM papers "
                        "WHERE pk IN (SELECT value FROM json_each(?))",
                        [json.dumps(new_pks)],
                    )
                    conn.execute(FILL_TERMS + " WHERE pk IN (SELECT value FROM json_each(?))", [json.dumps(new_pks)])
                for sql in self._insert_triggers():
                    conn.execute(sql)
        return counts

    def _insert_triggers(self) -> tuple[str | None, str | None]:
        """The SQL of the two insert triggers (porter's FTS, the keyword index), None where one is missing."""
        if self._trigger_sql is None:
            found = dict(self.db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
                [FTS_INSERT_TRIGGER, TERMS_INSERT_TRIGGER]).fetchall())
            self._trigger_sql = (found.get(FTS_INSERT_TRIGGER), found.get(TERMS_INSERT_TRIGGER))
        return self._trigger_sql

    # -- FTS maintenance -------------------------------------------------------------------
    def fts_integrity_ok(self) -> bool:
        """True when the FTS index matches the papers table exactly (FTS5 'integrity-check' against content) and
        the keyword index is whole and holds one row per paper (being contentless, it cannot be compared with the
        text)."""
        try:
            self.db.execute("INSERT INTO papers_fts (papers_fts, rank) VALUES ('integrity-check', 1)")
            self.db.execute("INSERT INTO papers_terms (papers_terms, rank) VALUES ('integrity-check', 0)")
        except sqlite3.DatabaseError as exc:
            log.warning("FTS index out of sync: %s", exc)
            return False
        terms, papers = (self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                         for t in ("papers_terms_docsize", "papers"))
        if terms != papers:
            log.warning("keyword index out of sync: %d of %d papers", terms, papers)
            return False
        return True

    def rebuild_fts(self) -> None:
        """Rebuild both FTS indexes from the papers table (repairs any drift)."""
        with self.db.atomic():
            self.db.execute("INSERT INTO papers_fts (papers_fts) VALUES ('rebuild')")
            self.db.execute("INSERT INTO papers_terms (papers_terms) VALUES ('delete-all')")
            self.db.execute(FILL_TERMS)

    def versions(self, ids: Sequence[str]) -> dict[str, tuple[int, int | None]]:
        """{arXiv id: (pk, stored version)} for the ids that are stored."""
        return {pid: v[:2] for pid, v in self._versions(list(ids)).items()}

    def _versions(self, ids: list[str]) -> dict[str, tuple[int, int | None, bool]]:
        """{arXiv id: (pk, stored version, whether it has authors)}."""
        sql = ("SELECT id, pk, version, authors IS NOT NULL AND authors NOT IN ('', '[]') FROM papers "
               "WHERE id IN ({in})")
        return {pid: (pk, version, bool(has)) for pid, pk, version, has in select_in(self.db, sql, ids)}

    # -- reads ----------------------------------------------------------------------------
    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM papers").fetchone()[0]

    def count_without_authors(self) -> int:
        """Papers stored with no author (a snapshot that carries none: most of the shared corpus)."""
        return self.db.execute("SELECT count(*) FROM papers WHERE authors IS NULL OR authors IN ('', '[]')"
                               ).fetchone()[0]

    def has(self, arxiv_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM papers WHERE id = ?", [arxiv_id]).fetchone() is not None

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        return set(self._versions(list(ids)))

    def get(self, arxiv_id: str) -> Paper | None:
        rows = list(self.db.query("SELECT * FROM papers WHERE id = ?", [arxiv_id]))
        return row_to_paper(rows[0]) if rows else None

    def pk_of(self, arxiv_id: str) -> int | None:
        row = self.db.execute("SELECT pk FROM papers WHERE id = ?", [arxiv_id]).fetchone()
        return row[0] if row else None

    def get_by_pks(self, pks: Sequence[int]) -> dict[int, Paper]:
        """Papers by rowid (`pk`), as a dict keyed by pk (missing pks are absent)."""
        return {row["pk"]: row_to_paper(row) for row in
                select_in(self.db, "SELECT * FROM papers WHERE pk IN ({in})", pks, as_dicts=True)}

    def get_many(self, ids: Sequence[str]) -> dict[str, Paper]:
        return {row["id"]: row_to_paper(row) for row in
                select_in(self.db, "SELECT * FROM papers WHERE id IN ({in})", ids, as_dicts=True)}

    def iter_texts(self, since_pk: int = 0) -> Iterator[tuple[int, str, str, str]]:
        """(pk, title, abstract, content_hash) for every paper, in pk order."""
        yield from self.db.execute(
            "SELECT pk, title, abstract, content_hash FROM papers WHERE pk > ? ORDER BY pk", [since_pk]
        )

    def latest_published(self, categories: Sequence[str] | None = None) -> str | None:
        if categories:
            q = (
                "SELECT max(p.published) FROM papers p JOIN paper_categories c ON c.pk = p.pk "
                f"WHERE c.category IN ({', '.join('?' for _ in categories)})"
            )
            return self.db.execute(q, list(categories)).fetchone()[0]
        return self.db.execute("SELECT max(published) FROM papers").fetchone()[0]

    def papers_per_day(self, since: str) -> list[tuple[str, int]]:
        """(published date, count) for papers published on or after `since` (ISO date)."""
        return self.db.execute(
            "SELECT published, count(*) FROM papers WHERE published >= ? GROUP BY published ORDER BY published",
            [since],
        ).fetchall()

    def category_counts(self, limit: int = 20) -> list[tuple[str, int]]:
        return self.db.execute(
            "SELECT category, count(*) AS n FROM paper_categories GROUP BY category ORDER BY n DESC LIMIT ?",
            [limit],
        ).fetchall()

    def date_range(self, today: date | None = None) -> tuple[str | None, str | None]:
        """(first, last) publication dates; as of `today`, within arXiv's life only: a paper dated 9999-12-31 or
        0001-01-01, stored from a snapshot before the import refused such dates, made the app's Trends page say "no
        trend tags yet" and its data 8,000 years fresh (a review)."""
        if today is None:
            return tuple(self.db.execute("SELECT min(published), max(published) FROM papers").fetchone())
        after = (today + timedelta(days=FUTURE_DAYS + 1)).isoformat()
        return tuple(self.db.execute("SELECT min(published), max(published) FROM papers WHERE published >= ? "
                                     "AND published < ?", [ARXIV_START.isoformat(), after]).fetchone())
