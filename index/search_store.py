"""The SQL behind search: FTS5/BM25 matching, filters (categories, trend tags, dates) and hit rows.

Filters are plain SQL conditions on `papers p`, so keyword search applies them inside the ranked
query and semantic search turns them into the set of allowed pks before the vector search.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils

from trendscope.foundation.db import placeholders, select_in
from trendscope.foundation.errors import TrendscopeError

log = logging.getLogger(__name__)

# bm25() column weights for (title, abstract, authors), the column order of papers_fts.
BM25_WEIGHTS = (3.0, 1.0, 1.0)


@dataclass
class SqlFilter:
    categories: list[str] = field(default_factory=list)  # any of
    excluded_categories: list[str] = field(default_factory=list)
    trends: list[str] = field(default_factory=list)  # any of
    since: str | None = None  # published >= since (ISO date)
    until: str | None = None  # published <= until (ISO date)
    require_match: str | None = None  # FTS5 expression every result must match
    exclude_match: str | None = None  # FTS5 expression no result may match

    @property
    def active(self) -> bool:
        return bool(self.categories or self.excluded_categories or self.trends or self.since or self.until
                    or self.require_match or self.exclude_match)


@dataclass
class HitRow:
    pk: int
    id: str
    title: str
    abstract: str
    published: str | None
    categories: list[str]
    authors: list[str]


class SearchStore:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def has_trends_table(self) -> bool:
        return self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'paper_trends'"
        ).fetchone() is not None

    def known_trends(self) -> list[str]:
        if not self.has_trends_table():
            return []
        return [r[0] for r in self.db.execute("SELECT DISTINCT trend FROM paper_trends ORDER BY trend")]

    def _where(self, flt: SqlFilter, correlated: bool = True) -> tuple[list[str], list]:
        """SQL conditions on `papers p` for the filter.

        `correlated`: category/trend tests as per-row EXISTS lookups (primary keys (category, pk) and
        (trend, pk)), cheap when few rows are tested; otherwise as IN (subquery), built once, cheaper
        when every paper is tested."""
        conds: list[str] = []
        args: list = []

        def member(table: str, col: str, values: list[str], negate: bool = False) -> None:
            marks = placeholders(values)
            if correlated:
                conds.append(f"{'NOT ' if negate else ''}EXISTS (SELECT 1 FROM {table} x WHERE x.{col} IN ({marks}) "
                             "AND x.pk = p.pk)")
            else:
                conds.append(f"p.pk {'NOT ' if negate else ''}IN (SELECT pk FROM {table} WHERE {col} IN ({marks}))")
            args.extend(values)

        if flt.categories:
            member("paper_categories", "category", flt.categories)
        if flt.excluded_categories:
            member("paper_categories", "category", flt.excluded_categories, negate=True)
        if flt.trends:
            if self.has_trends_table():
                member("paper_trends", "trend", flt.trends)
            else:
                conds.append("0")  # no trend tags yet: nothing has the tag
        if flt.since:
            conds.append("p.published >= ?")
            args.append(flt.since)
        if flt.until:
            conds.append("p.published <= ?")
            args.append(flt.until)
        if flt.require_match:
            conds.append("p.pk IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?)")
            args.append(flt.require_match)
        if flt.exclude_match:
            conds.append("p.pk NOT IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?)")
            args.append(flt.exclude_match)
        return conds, args

    def _run(self, sql: str, args: Sequence) -> list[tuple]:
        try:
            return self.db.execute(sql, list(args)).fetchall()
        except sqlite3.OperationalError as exc:
            # The parser only emits quoted strings, so this is not expected; never show raw SQL errors.
            log.debug("search SQL failed: %s -- %s %r", exc, sql, args)
            raise TrendscopeError(f"cannot run this search: {exc}") from exc

    def keyword(
        self, match: str | None, flt: SqlFilter, limit: int, order: str = "relevance",
        weights: Sequence[float] = BM25_WEIGHTS,
    ) -> list[tuple[int, float]]:
        """(pk, score) of papers matching `match` and the filter, best first (score = -bm25, higher is better).

        With no `match` (a filter-only query) the newest filtered papers come back with score 0.
        """
        conds, args = self._where(flt)
        if match is None:
            where = " AND ".join(conds) or "1"
            return [(pk, 0.0) for pk, in self._run(
                f"SELECT p.pk FROM papers p WHERE {where} ORDER BY p.published DESC, p.pk DESC LIMIT ?",
                args + [limit],
            )]
        w = ", ".join(str(float(x)) for x in weights)
        if not conds and order == "relevance":  # no filter: FTS5 alone (joining papers doubles the cost)
            rows = self._run(f"SELECT rowid, bm25(papers_fts, {w}) AS s FROM papers_fts WHERE papers_fts MATCH ? "
                             "ORDER BY s LIMIT ?", [match, limit])
            return [(pk, -float(s)) for pk, s in rows]
        where = " AND ".join(["papers_fts MATCH ?"] + conds)
        order_by = "s" if order == "relevance" else "p.published DESC, s"
        rows = self._run(
            f"SELECT papers_fts.rowid, bm25(papers_fts, {w}) AS s FROM papers_fts "
            f"JOIN papers p ON p.pk = papers_fts.rowid WHERE {where} ORDER BY {order_by} LIMIT ?",
            [match] + args + [limit],
        )
        return [(pk, -float(s)) for pk, s in rows]

    def filtered_pks(self, flt: SqlFilter, among: Sequence[int] | None = None) -> np.ndarray:
        """Every pk passing the filter (int64, ascending), optionally only among the given pks."""
        conds, args = self._where(flt, correlated=among is not None)
        if among is not None:
            among = [int(p) for p in among]
            if not among:
                return np.zeros(0, dtype=np.int64)
            conds.append(f"p.pk IN ({placeholders(among)})")
            args += among
        where = " AND ".join(conds) or "1"
        rows = self._run(f"SELECT p.pk FROM papers p WHERE {where} ORDER BY p.pk", args)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def rows(self, pks: Sequence[int]) -> dict[int, HitRow]:
        sql = "SELECT pk, id, title, abstract, published, categories, authors FROM papers WHERE pk IN ({in})"
        return {r[0]: HitRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5] or "[]"), json.loads(r[6] or "[]"))
                for r in select_in(self.db, sql, [int(p) for p in pks])}

    def snippets(self, match: str, pks: Sequence[int], tokens: int = 24) -> dict[int, str]:
        """FTS5 snippets of the abstract around the matched words ([brackets] mark them).

        One lookup per pk (`rowid = ?` lets FTS5 test just that row instead of every match)."""
        out: dict[int, str] = {}
        sql = (f"SELECT snippet(papers_fts, 1, '[', ']', '…', {int(tokens)}) FROM papers_fts "
               "WHERE papers_fts MATCH ? AND rowid = ?")
        for pk in pks:
            rows = self._run(sql, [match, int(pk)])
            if rows and rows[0][0]:
                out[int(pk)] = rows[0][0]
        return out

    def data_version(self) -> int:
        """Changes whenever another connection commits (cached counts are stale then)."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def doc_count(self, match: str | None = None) -> int:
        """How many papers match the FTS5 expression (every paper when None)."""
        if match is None:
            return int(self._run("SELECT count(*) FROM papers_fts", [])[0][0])
        return int(self._run("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?", [match])[0][0])

    def matching(self, match: str, pks: Sequence[int]) -> set[int]:
        """The pks among `pks` whose text matches the FTS5 expression."""
        pks = [int(p) for p in pks]
        if not pks:
            return set()
        rows = self._run(f"SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? AND rowid IN ({placeholders(pks)})",
                         [match, *pks])
        return {r[0] for r in rows}

    def pk_of(self, arxiv_id: str) -> int | None:
        row = self.db.execute("SELECT pk FROM papers WHERE id = ?", [arxiv_id]).fetchone()
        return row[0] if row else None

    def published_of(self, pks: Sequence[int]) -> dict[int, str | None]:
        return {pk: r.published for pk, r in self.rows(pks).items()}
