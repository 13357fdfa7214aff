"""What search reads: the ingest stage's full-text and filter queries (`PaperReads`) plus this stage's trend tags.

A search filter (`SqlFilter`) may name trends; they become the set of tagged pks that the ingest stage's
`PaperFilter.within` restricts to, so keyword search applies every filter inside one ranked query and semantic
search turns the filter into the set of allowed pks before the vector search.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils

from trendscope.ingest.paper_reads import BM25_WEIGHTS, PaperFilter, PaperReads, PaperRow

from .trend_store import TrendStore

log = logging.getLogger(__name__)

__all__ = ["BM25_WEIGHTS", "HitRow", "SearchStore", "SqlFilter"]

HitRow = PaperRow


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


class SearchStore:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.papers = PaperReads(db)

    # -- this stage's trend tags -------------------------------------------------------------
    def has_trends_table(self) -> bool:
        return self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'paper_trends'"
        ).fetchone() is not None

    def known_trends(self) -> list[str]:
        if not self.has_trends_table():
            return []
        return [r[0] for r in self.db.execute("SELECT DISTINCT trend FROM paper_trends ORDER BY trend")]

    def tagged_pks(self, trends: Sequence[str]) -> list[int]:
        """pks of the papers having any of `trends` (none before anything is tagged)."""
        if not trends or not self.has_trends_table():
            return []
        return TrendStore(self.db).tagged_pks(trends)

    def category_spelling(self, category: str) -> str | None:
        return self.papers.category_spelling(category)

    def paper_filter(self, flt: SqlFilter) -> PaperFilter:
        return PaperFilter(
            categories=flt.categories, excluded_categories=flt.excluded_categories, since=flt.since,
            until=flt.until, require_match=flt.require_match, exclude_match=flt.exclude_match,
            within=self.tagged_pks(flt.trends) if flt.trends else None)

    # -- papers (the ingest stage's API) -----------------------------------------------------
    def keyword(
        self, match: str | None, flt: SqlFilter, limit: int, order: str = "relevance",
        weights: Sequence[float] = BM25_WEIGHTS,
    ) -> list[tuple[int, float]]:
        """(pk, score) of papers matching `match` and the filter, best first (score = -bm25, higher is better).

        With no `match` (a filter-only query) the newest filtered papers come back with score 0.
        """
        return self.papers.keyword(match, self.paper_filter(flt), limit, order, weights)

    def keyword_among(self, match: str, among: str, flt: SqlFilter, limit: int,
                      weights: Sequence[float] = BM25_WEIGHTS) -> list[tuple[int, float]]:
        """`keyword(match, flt)` over the papers that also match `among` (a part of `match`)."""
        return self.papers.keyword_among(match, among, self.paper_filter(flt), limit, weights)

    def filtered_pks(self, flt: SqlFilter, among: Sequence[int] | None = None) -> np.ndarray:
        """Every pk passing the filter (int64, ascending), optionally only among the given pks."""
        return self.papers.filtered_pks(self.paper_filter(flt), among)

    def rows(self, pks: Sequence[int]) -> dict[int, HitRow]:
        return self.papers.rows(pks)

    def snippets(self, match: str, pks: Sequence[int], tokens: int = 24) -> dict[int, str]:
        return self.papers.snippets(match, pks, tokens)

    def doc_count(self, match: str | None = None) -> int:
        return self.papers.doc_count(match)

    def titles(self) -> list[str]:
        return self.papers.titles()

    def fts_stamp(self) -> bytes:
        return self.papers.fts_stamp()

    def matching(self, match: str, pks: Sequence[int]) -> set[int]:
        return self.papers.matching(match, pks)

    def pk_of(self, arxiv_id: str) -> int | None:
        return self.papers.pk_of(arxiv_id)

    def published_range(self) -> tuple[str | None, str | None]:
        return self.papers.published_range()

    def published_of(self, pks: Sequence[int]) -> dict[int, str | None]:
        return {pk: r.published for pk, r in self.rows(pks).items()}
