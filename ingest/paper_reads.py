"""The ingest stage's read API for the stages above it (index, digest, reading): papers, dates, full text.

Later stages never name `papers`, `papers_fts`, `papers_terms` or `paper_categories` in their SQL; they ask this
module and combine the answer with their own tables in Python (or pass a set of their own pks as `within`). So
the ingest schema can change without touching them, and `tests/test_packaging.py` checks that no other stage's SQL
names these tables. Keyword matching and BM25 use `papers_terms` (light stemming, `foundation.stemming`: every
FTS5 expression is rewritten by `light_match` here); snippets come from porter's `papers_fts`, which holds the
text.

A paper is identified by `pk` (the `papers` rowid, also the FAISS id and the key of every later stage's rows)
and by its arXiv id without version.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import sqlite_utils

from trendscope.foundation.db import placeholders, select_in
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.hashing import rows_digest
from trendscope.foundation.stemming import light_match
from trendscope.foundation.text import MATCH_CLOSE, MATCH_OPEN

from .records import Paper, author_name, withdrawal_note
from .store import row_to_paper
from .subset_match import SUBSET_LIMIT, SubsetMatcher

log = logging.getLogger(__name__)

# bm25() column weights for (title, abstract, authors), the column order of papers_fts.
BM25_WEIGHTS = (3.0, 1.0, 1.0)
_ROW_COLUMNS = "pk, id, title, abstract, published, categories, authors, content_hash, comment"
# the papers whose comments may say they are withdrawn: the condition of migration m013's partial index, word for word
# (SQLite uses the index only for this very condition)
WITHDRAWAL_COMMENT = "comment LIKE '%withdraw%'"


@dataclass
class PaperRow:
    """The columns later stages show and compute with (the full record is `Paper`, through `papers_by_ids`)."""
    pk: int
    id: str
    title: str
    abstract: str
    published: str | None
    categories: list[str]
    authors: list[str]
    content_hash: str
    comment: str | None = None

    @property
    def withdrawn(self) -> str | None:
        """What the paper says of its withdrawal (`records.withdrawal_note`), None when it is not withdrawn."""
        return withdrawal_note(self.comment, self.abstract)


@dataclass
class PaperFilter:
    """Conditions on papers; all given conditions must hold."""
    categories: list[str] = field(default_factory=list)  # any of
    excluded_categories: list[str] = field(default_factory=list)
    since: str | None = None  # published >= since (ISO date)
    until: str | None = None  # published <= until (ISO date)
    before: str | None = None  # published < before (ISO date)
    require_match: str | None = None  # FTS5 expression every paper must match
    exclude_match: str | None = None  # FTS5 expression no paper may match
    within: Sequence[int] | None = None  # only these pks (a later stage's selection, e.g. papers with a tag)

    @property
    def active(self) -> bool:
        return bool(self.categories or self.excluded_categories or self.since or self.until or self.before
                    or self.require_match or self.exclude_match or self.within is not None)


def _leading_varint(blob: bytes) -> int:
    """The SQLite varint at the start of `blob` (7 bits a byte, big-endian, high bit set on all but the last)."""
    value = 0
    for i, byte in enumerate(blob[:9]):
        if i == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value
    return value


def _row(r: Sequence) -> PaperRow:
    authors = [author_name(a) if isinstance(a, str) else a for a in json.loads(r[6] or "[]")]  # as `Paper` reads them
    return PaperRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5] or "[]"), authors, r[7], r[8])


class PaperReads:
    """Read-only queries over the ingest tables."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._matcher: tuple[tuple | None, SubsetMatcher] | None = None  # the last pks' matcher (`matching`)

    def _run(self, sql: str, args: Sequence) -> list[tuple]:
        try:
            return self.db.execute(sql, list(args)).fetchall()
        except sqlite3.OperationalError as exc:
            # Search expressions come from the query parser, which only emits quoted strings; never show raw SQL.
            log.debug("paper query failed: %s -- %s %r", exc, sql, args)
            raise TrendscopeError(f"cannot run this search: {exc}") from exc

    # -- identity ---------------------------------------------------------------------------
    def states(self) -> dict[int, str]:
        """pk -> content_hash of every paper (what later stages compare their derived rows with)."""
        return dict(self.db.execute("SELECT pk, content_hash FROM papers"))

    def pk_bounds(self) -> tuple[int, int] | None:
        """(lowest, highest) pk of a stored paper; None when none is stored."""
        lo, hi = self.db.execute("SELECT min(pk), max(pk) FROM papers").fetchone()
        return None if lo is None else (int(lo), int(hi))

    def fingerprint(self) -> str:
        """A digest of every paper's (pk, id, published, content_hash): changes when a paper is added, removed,
        redated or its text changes."""
        return rows_digest(self.db.execute("SELECT pk, id, published, content_hash FROM papers ORDER BY pk"))[1]

    def pk_of(self, arxiv_id: str) -> int | None:
        row = self.db.execute("SELECT pk FROM papers WHERE id = ?", [arxiv_id]).fetchone()
        return row[0] if row else None

    def pks_of(self, arxiv_ids: Iterable[str]) -> dict[str, int]:
        return dict(select_in(self.db, "SELECT id, pk FROM papers WHERE id IN ({in})", list(arxiv_ids)))

    def withdrawn_pks(self) -> set[int]:
        """pks of the papers that say they are withdrawn (`records.withdrawal_note`: the comments, or the abstract
        of a paper withdrawn by arXiv's administrators). Only the rows that can say so are read: the comments of
        m013's index and the abstracts the porter index finds "withdrawn" in."""
        rows = self.db.execute(
            f"SELECT pk, comment, abstract FROM papers WHERE {WITHDRAWAL_COMMENT} UNION "
            "SELECT pk, comment, abstract FROM papers WHERE pk IN "
            "(SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'abstract : withdrawn')").fetchall()
        return {pk for pk, comment, abstract in rows if withdrawal_note(comment, abstract)}

    def ids_of(self, pks: Iterable[int]) -> dict[int, str]:
        return dict(select_in(self.db, "SELECT pk, id FROM papers WHERE pk IN ({in})", sorted({int(p) for p in pks})))

    # -- rows -------------------------------------------------------------------------------
    def rows(self, pks: Iterable[int]) -> dict[int, PaperRow]:
        sql = f"SELECT {_ROW_COLUMNS} FROM papers WHERE pk IN ({{in}})"
        return {r[0]: _row(r) for r in select_in(self.db, sql, [int(p) for p in pks])}

    def rows_by_ids(self, arxiv_ids: Iterable[str]) -> dict[str, PaperRow]:
        sql = f"SELECT {_ROW_COLUMNS} FROM papers WHERE id IN ({{in}})"
        return {r[1]: _row(r) for r in select_in(self.db, sql, list(arxiv_ids))}

    def papers_by_ids(self, arxiv_ids: Iterable[str]) -> dict[str, tuple[int, Paper]]:
        """arXiv id -> (pk, full record) of the ids that are stored."""
        return {row["id"]: (row["pk"], row_to_paper(row)) for row in
                select_in(self.db, "SELECT * FROM papers WHERE id IN ({in})", list(arxiv_ids), as_dicts=True)}

    def texts(self, pks: Iterable[int]) -> list[tuple[int, str, str, str]]:
        """(pk, title, abstract, content_hash) of the given papers, in pk order."""
        sql = "SELECT pk, title, abstract, content_hash FROM papers WHERE pk IN ({in})"
        return sorted(select_in(self.db, sql, sorted({int(p) for p in pks})))

    # -- by date ----------------------------------------------------------------------------
    def dated(self, since: str | None = None) -> list[tuple[int, str, str, str]]:
        """(pk, published, title, abstract) of papers with a publication date (on/after `since`), oldest first."""
        q = "SELECT pk, published, title, abstract FROM papers WHERE published IS NOT NULL AND published != ''"
        args: list = []
        if since:
            q += " AND published >= ?"
            args.append(since)
        return self.db.execute(q + " ORDER BY published, pk", args).fetchall()

    def publication_dates(self) -> list[tuple[int, str]]:
        """(pk, published) of papers with a publication date, oldest first: read from the index on `published`
        alone (no paper text), for counting by period."""
        return self.db.execute("SELECT pk, published FROM papers WHERE published IS NOT NULL AND published != '' "
                               "ORDER BY published, pk").fetchall()

    def primary_categories(self) -> dict[int, str]:
        """pk -> primary category ('' when unknown) of every paper with a publication date."""
        return dict(self.db.execute("SELECT pk, coalesce(primary_category, '') FROM papers "
                                    "WHERE published IS NOT NULL AND published != ''").fetchall())

    def primary_category_months(self) -> list[tuple[str, str, int]]:
        """(YYYY-MM, primary category, papers) for every month holding dated papers, oldest month first."""
        return self.db.execute(
            "SELECT substr(published, 1, 7) AS m, coalesce(primary_category, ''), count(*) FROM papers "
            "WHERE published IS NOT NULL AND published != '' GROUP BY 1, 2 ORDER BY 1, 2").fetchall()

    def published_range(self) -> tuple[str | None, str | None]:
        """The oldest and newest publication dates stored (two seeks in the index on `published`)."""
        where = "WHERE published IS NOT NULL AND published != ''"
        first = self.db.execute(f"SELECT min(published) FROM papers {where}").fetchone()[0]
        last = self.db.execute(f"SELECT max(published) FROM papers {where}").fetchone()[0]
        return first, last

    def newest_published_until(self, last_day: str) -> str | None:
        """The newest publication date stored on or before `last_day` (YYYY-MM-DD; an index seek)."""
        after = (date.fromisoformat(last_day) + timedelta(days=1)).isoformat()  # "2026-12-09T..." <= that day too
        return self.db.execute("SELECT max(published) FROM papers WHERE published != '' AND published < ?",
                               [after]).fetchone()[0]

    def published(self, start: str, end_exclusive: str) -> dict[int, str]:
        """pk -> publication date of the papers published in [start, end_exclusive)."""
        return dict(self.db.execute("SELECT pk, published FROM papers WHERE published >= ? AND published < ?",
                                    [start, end_exclusive]))

    def count_between(self, start: str, end_exclusive: str) -> int:
        return self.db.execute(
            "SELECT count(*) FROM papers WHERE published >= ? AND published < ?", [start, end_exclusive]
        ).fetchone()[0]

    def ids_stored_after(self, start: str, end_exclusive: str, after: str) -> list[str]:
        """Ids of the papers published in [start, end) that were stored (or last updated) after `after` (an ISO
        time): papers announced after a digest of their week went out."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM papers WHERE published >= ? AND published < ? AND ingested_at > ? ORDER BY pk",
            [start, end_exclusive, after])]

    def weekly_counts(self, start: str, end_exclusive: str) -> dict[str, int]:
        """Week Monday (ISO date) -> number of papers published that week, for [start, end)."""
        return dict(self.db.execute(
            "SELECT date(published, 'weekday 0', '-6 days') AS wk, count(*) FROM papers "
            "WHERE published >= ? AND published < ? GROUP BY wk", [start, end_exclusive],
        ).fetchall())

    def pks_published_since(self, since: str) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT pk FROM papers WHERE published >= ? ORDER BY pk", [since])]

    def category_spelling(self, category: str) -> str | None:
        """`category` as the stored papers spell it (matched ignoring case), or None when no paper has it."""
        for collate in ("", " COLLATE NOCASE"):  # the exact spelling is an index seek; ignoring case, a scan
            row = self.db.execute(f"SELECT category FROM paper_categories WHERE category = ?{collate} LIMIT 1",
                                  [category]).fetchone()
            if row:
                return row[0]
        return None

    # -- filters ----------------------------------------------------------------------------
    def _where(self, flt: PaperFilter, correlated: bool = True) -> tuple[list[str], list]:
        """SQL conditions on `papers p`. `correlated`: category tests as per-row EXISTS lookups (cheap when few
        rows are tested); otherwise as IN (subquery), built once (cheaper when every paper is tested)."""
        conds: list[str] = []
        args: list = []

        def member(values: list[str], negate: bool = False) -> None:
            marks = placeholders(values)
            if correlated:
                conds.append(f"{'NOT ' if negate else ''}EXISTS (SELECT 1 FROM paper_categories x "
                             f"WHERE x.category IN ({marks}) AND x.pk = p.pk)")
            else:
                conds.append(f"p.pk {'NOT ' if negate else ''}IN "
                             f"(SELECT pk FROM paper_categories WHERE category IN ({marks}))")
            args.extend(values)

        if flt.within is not None:
            conds.append("p.pk IN (SELECT value FROM json_each(?))")
            args.append(json.dumps([int(p) for p in flt.within]))
        if flt.categories:
            member(flt.categories)
        if flt.excluded_categories:
            member(flt.excluded_categories, negate=True)
        for op, value in ((">=", flt.since), ("<=", flt.until), ("<", flt.before)):
            if value:
                conds.append(f"p.published {op} ?")
                args.append(value)
        if flt.require_match:
            conds.append("p.pk IN (SELECT rowid FROM papers_terms WHERE papers_terms MATCH ?)")
            args.append(light_match(flt.require_match))
        if flt.exclude_match:
            conds.append("p.pk NOT IN (SELECT rowid FROM papers_terms WHERE papers_terms MATCH ?)")
            args.append(light_match(flt.exclude_match))
        return conds, args

    def filtered_pks(self, flt: PaperFilter, among: Sequence[int] | None = None) -> np.ndarray:
        """Every pk passing the filter (int64, ascending), optionally only among the given pks."""
        conds, args = self._where(flt, correlated=among is not None)
        if among is not None:
            among = [int(p) for p in among]
            if not among:
                return np.zeros(0, dtype=np.int64)
            conds.append("p.pk IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(among))
        where = " AND ".join(conds) or "1"
        # sorted here, not by SQL: an ORDER BY pk would make SQLite walk the table instead of the date index
        rows = self._run(f"SELECT p.pk FROM papers p WHERE {where}", args)
        return np.sort(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))

    def newest(self, flt: PaperFilter, limit: int | None) -> list[PaperRow]:
        """The most recently published papers passing the filter, newest first (all of them when no limit)."""
        conds, args = self._where(flt, correlated=False)
        where = " AND ".join(conds) or "1"
        cols = ", ".join(f"p.{c.strip()}" for c in _ROW_COLUMNS.split(","))
        rows = self._run(f"SELECT {cols} FROM papers p WHERE {where} ORDER BY p.published DESC, p.pk DESC LIMIT ?",
                         [*args, -1 if limit is None else limit])
        return [_row(r) for r in rows]

    # -- full text (FTS5 over title, abstract, authors) -------------------------------------
    def keyword(
        self, match: str | None, flt: PaperFilter, limit: int, order: str = "relevance",
        weights: Sequence[float] = BM25_WEIGHTS,
    ) -> list[tuple[int, float]]:
        """(pk, score) of papers matching `match` and the filter, best first (score = -bm25, higher is better;
        `order="newest"` puts the newest first). With no `match`, the newest filtered papers with score 0."""
        if match is None:
            return [(r.pk, 0.0) for r in self.newest(flt, limit)]
        match = light_match(match)
        conds, args = self._where(flt)
        w = ", ".join(str(float(x)) for x in weights)
        if not conds and order == "relevance":  # no filter: FTS5 alone (joining papers doubles the cost)
            rows = self._run(f"SELECT rowid, bm25(papers_terms, {w}) AS s FROM papers_terms "
                             "WHERE papers_terms MATCH ? ORDER BY s, rowid LIMIT ?", [match, limit])
            return [(pk, -float(s)) for pk, s in rows]
        where = " AND ".join(["papers_terms MATCH ?"] + conds)
        order_by = "s" if order == "relevance" else "p.published DESC, s"
        rows = self._run(
            f"SELECT papers_terms.rowid, bm25(papers_terms, {w}) AS s FROM papers_terms "
            f"JOIN papers p ON p.pk = papers_terms.rowid WHERE {where} ORDER BY {order_by} LIMIT ?",
            [match] + args + [limit],
        )
        return [(pk, -float(s)) for pk, s in rows]

    def keyword_among(self, match: str, among: str, flt: PaperFilter, limit: int,
                      weights: Sequence[float] = BM25_WEIGHTS) -> list[tuple[int, float]]:
        """`keyword(match, flt)` for the papers that also match `among`, which must be a sub-expression OR-ed
        into `match`: (pk, score), best first, the same scores as `keyword` gives them.

        FTS5's BM25 is a sum over the phrases of the expression, so `among AND match` scores each paper with
        `among`'s phrases twice; subtracting the BM25 of `among` alone leaves the score under `match`. Both
        queries visit only the papers matching `among`, which is cheap when `among` holds the rare words."""
        w = ", ".join(str(float(x)) for x in weights)
        conds, args = self._where(flt)
        where = ("JOIN papers p ON p.pk = twice.pk WHERE " + " AND ".join(conds)) if conds else ""
        rows = self._run(
            f"WITH twice AS MATERIALIZED (SELECT rowid AS pk, bm25(papers_terms, {w}) AS s FROM papers_terms "
            "WHERE papers_terms MATCH ?), "
            f"once AS MATERIALIZED (SELECT rowid AS pk, bm25(papers_terms, {w}) AS s FROM papers_terms "
            "WHERE papers_terms MATCH ?) "
            f"SELECT twice.pk, twice.s - once.s AS s FROM twice JOIN once ON once.pk = twice.pk {where} "
            "ORDER BY s, twice.pk LIMIT ?",
            [light_match(f"({among}) AND ({match})"), light_match(among), *args, limit])
        return [(pk, -float(s)) for pk, s in rows]

    def matches_between(self, match: str, start: str, end_exclusive: str) -> list[tuple[int, str, float]]:
        """(pk, published, bm25 rank with equal column weights; lower is better) of the papers matching an FTS5
        expression published in [start, end_exclusive)."""
        return self._run(
            "SELECT p.pk, p.published, bm25(papers_terms) FROM papers_terms "
            "JOIN papers p ON p.pk = papers_terms.rowid WHERE papers_terms MATCH ? AND p.published >= ? "
            "AND p.published < ?", [light_match(match), start, end_exclusive])

    def snippets(self, match: str, pks: Sequence[int], tokens: int = 24) -> dict[int, str]:
        """FTS5 snippets of the abstract around the matched words (foundation.text.MATCH_OPEN/MATCH_CLOSE mark them:
        "⟦LoRA⟧").

        One lookup per pk (`rowid = ?` lets FTS5 test just that row instead of every match)."""
        out: dict[int, str] = {}
        sql = (f"SELECT snippet(papers_fts, 1, ?, ?, '…', {int(tokens)}) FROM papers_fts "
               "WHERE papers_fts MATCH ? AND rowid = ?")
        for pk in pks:
            rows = self._run(sql, [MATCH_OPEN, MATCH_CLOSE, match, int(pk)])
            if rows and rows[0][0]:
                out[int(pk)] = rows[0][0]
        return out

    def titles(self) -> list[str]:
        """Every stored paper's title (the spelling suggestions' vocabulary)."""
        return [r[0] or "" for r in self._run("SELECT title FROM papers", [])]

    def title_candidates(self, words: Sequence[str], limit: int = 5) -> list[tuple[str, str]]:
        """(arXiv id, title) of papers whose title holds every one of `words`, best BM25 first."""
        terms = [w.replace('"', "") for w in words if w.replace('"', "")]
        if not terms:
            return []
        match = light_match("title : (" + " ".join(f'"{w}"' for w in terms) + ")")
        return self._run("SELECT p.id, p.title FROM papers_terms JOIN papers p ON p.pk = papers_terms.rowid "
                         "WHERE papers_terms MATCH ? ORDER BY bm25(papers_terms) LIMIT ?", [match, int(limit)])

    def fts_stamp(self) -> bytes:
        """FTS5's "averages" record: its row count and the token total of every column, so it changes with any
        paper added, removed or rewritten (b"" for an empty index). Cheap enough to read before every search."""
        rows = self._run("SELECT block FROM papers_terms_data WHERE id = 1", [])
        return bytes(rows[0][0]) if rows and rows[0][0] else b""

    def doc_count(self, match: str | None = None) -> int:
        """How many papers match the FTS5 expression (every paper when None)."""
        if match is None:
            # FTS5 keeps its row count (the N of its BM25) at the head of its "averages" record; counting the rows
            # instead reads the whole table (0.2 s for 160,000 papers).
            stamp = self.fts_stamp()
            if stamp:
                return _leading_varint(stamp)
            return int(self._run("SELECT count(*) FROM papers", [])[0][0])
        return int(self._run("SELECT count(*) FROM papers_terms WHERE papers_terms MATCH ?",
                             [light_match(match)])[0][0])

    def matching(self, match: str, pks: Sequence[int]) -> set[int]:
        """The pks among `pks` whose text matches the FTS5 expression: up to SUBSET_LIMIT papers by their own
        small index (`subset_match`; the same pks asked again reuse it while the database is unchanged)."""
        pks = [int(p) for p in pks]
        if not pks:
            return set()
        if len(pks) <= SUBSET_LIMIT:
            return self._subset(pks).matching(light_match(match))
        rows = self._run("SELECT rowid FROM papers_terms WHERE papers_terms MATCH ? AND rowid IN "
                         "(SELECT value FROM json_each(?))", [light_match(match), json.dumps(pks)])
        return {r[0] for r in rows}

    def _subset(self, pks: list[int]) -> SubsetMatcher:
        # inside a transaction the rows may yet be rolled back, which changes neither number of the key: such a
        # matcher is kept under no key (a review)
        key = None if self.db.conn.in_transaction else (
            frozenset(pks), self.db.execute("PRAGMA data_version").fetchone()[0], self.db.conn.total_changes)
        if key is None or self._matcher is None or self._matcher[0] != key:
            if self._matcher is not None:
                self._matcher[1].close()
            rows = self._run("SELECT pk, title, abstract, authors FROM papers WHERE pk IN "
                             "(SELECT value FROM json_each(?))", [json.dumps(sorted(set(pks)))])
            self._matcher = (key, SubsetMatcher(rows))
        return self._matcher[1]
