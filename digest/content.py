"""Build a subscription's digest for one ISO week: ranked new papers plus a trend summary and chart.

Ranking: relevance (the trend tag score for trend subscriptions, the search score for query subscriptions,
their mean for both) plus NOVELTY_WEIGHT x novelty (how unusual the paper's vocabulary is against the 8 weeks
before). Papers already issued to the subscription in another week, and papers containing an excluded
word, are left out. Once a week was issued (see `SubscriptionStore.record_issue`) its paper list is frozen,
so retries and feeds show the same papers.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable, Protocol

import sqlite_utils

from ingest.config import Home

from .chart import render_chart
from .model import Digest, DigestPaper, Subscription, TrendLine, shift_week, week_bounds, week_of
from .subscription_store import SubscriptionStore
from .terms import NoveltyScorer, characteristic_terms, rescale, terms
from .text import excerpt, one_line

log = logging.getLogger(__name__)

NOVELTY_WEIGHT = 0.15
TRAILING_WEEKS = 8
GROWING, COOLING = 1.2, 0.8  # share ratio against the trailing average


class QueryScorer(Protocol):
    """Scores papers of a date range against a saved query: pk -> relevance (higher is better)."""

    def __call__(self, sub: Subscription, start: date, end: date) -> dict[int, float]: ...


def exclude_pattern(words: list[str]) -> re.Pattern | None:
    """Whole-word, case-insensitive pattern for a subscription's exclude words/phrases."""
    words = [w.strip() for w in words if w.strip()]
    if not words:
        return None
    alts = "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in words)
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.I)


@dataclass
class WeekContext:
    """What every digest of one week shares (counts and term statistics), computed once per run."""

    store: SubscriptionStore
    week: str
    _cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.start, self.end = week_bounds(self.week)
        self.end_excl = (self.end + timedelta(days=1)).isoformat()
        self.trailing_start = (self.start - timedelta(weeks=TRAILING_WEEKS)).isoformat()
        self.weeks = [shift_week(self.week, -k) for k in range(TRAILING_WEEKS, -1, -1)]  # oldest .. this
        self.mondays = [week_bounds(w)[0].isoformat() for w in self.weeks]

    def _cached(self, key, fn: Callable):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    @property
    def totals(self) -> dict[str, int]:
        """Week Monday -> papers published that week, for the 9 weeks."""
        return self._cached("totals", lambda: self.store.weekly_counts(self.trailing_start, self.end_excl))

    @property
    def total_this_week(self) -> int:
        return self.totals.get(self.mondays[-1], 0)

    def week_rows(self, categories: tuple[str, ...]) -> list[dict]:
        return self._cached(("rows", categories), lambda: self.store.week_papers(
            self.start.isoformat(), self.end_excl, categories))

    def terms_of(self, row: dict) -> set[str]:
        """Term set of a paper row (cached by pk)."""
        cache = self._cache.setdefault("terms", {})
        if row["pk"] not in cache:
            cache[row["pk"]] = terms(f"{row['title']} {row['abstract']}")
        return cache[row["pk"]]

    @property
    def week_docs(self) -> list[set[str]]:
        """Term sets of every paper of the week (the background for characteristic terms)."""
        return self._cached("week_docs", lambda: [self.terms_of(r) for r in self.week_rows(())])

    @property
    def novelty(self) -> NoveltyScorer:
        def build() -> NoveltyScorer:
            rows = self.store.texts_between(self.trailing_start, self.start.isoformat())
            return NoveltyScorer(terms(f"{t} {a}") for _, _, t, a in rows)
        return self._cached("novelty", build)

    def trend_docs(self, trend: str) -> tuple[list[set[str]], list[set[str]]]:
        """(term sets of this week's papers tagged `trend`, of the 8 weeks before)."""
        def build():
            now, before = [], []
            this_monday = self.start.isoformat()
            for _, published, title, abstract in self.store.trend_texts(trend, self.trailing_start, self.end_excl):
                (now if published >= this_monday else before).append(terms(f"{title} {abstract}"))
            return now, before
        return self._cached(("trend_docs", trend), build)


def _direction(share: float, trailing_share: float, count: int) -> str:
    if trailing_share <= 0:
        return "growing" if count > 0 else "steady"
    ratio = share / trailing_share
    if ratio >= GROWING:
        return "growing"
    if ratio <= COOLING:
        return "cooling"
    return "steady"


def _line(label: str, per_week: dict[str, int], ctx: WeekContext, new_terms: list[str]) -> TrendLine:
    counts = [per_week.get(m, 0) for m in ctx.mondays]
    totals = [ctx.totals.get(m, 0) for m in ctx.mondays]
    shares = [c / t if t else 0.0 for c, t in zip(counts, totals)]
    trailing_counts, trailing_shares = counts[:-1], shares[:-1]
    avg_count = sum(trailing_counts) / len(trailing_counts)
    avg_share = sum(trailing_shares) / len(trailing_shares)
    return TrendLine(
        label=label, count=counts[-1], share=shares[-1], trailing_avg_count=avg_count,
        trailing_avg_share=avg_share, direction=_direction(shares[-1], avg_share, counts[-1]),
        new_terms=new_terms, weekly_counts=list(zip(ctx.weeks, counts)),
    )


def trend_lines(sub: Subscription, ctx: WeekContext, query_counts: dict[str, int] | None,
                query_docs: tuple[list[set[str]], list[set[str]]] | None) -> list[TrendLine]:
    lines = []
    if sub.trends:
        per_trend = ctx._cached(("trend_counts", tuple(sub.trends)), lambda: ctx.store.weekly_trend_counts(
            sub.trends, ctx.trailing_start, ctx.end_excl))
        for trend in sub.trends:
            now, before = ctx.trend_docs(trend)
            lines.append(_line(trend, per_trend.get(trend, {}), ctx, characteristic_terms(now, before, ctx.week_docs)))
    elif query_counts is not None:
        now, before = query_docs or ([], [])
        lines.append(_line(f"matches for {sub.query!r}", query_counts, ctx, characteristic_terms(now, before, ctx.week_docs)))
    return lines


class FtsQueryScorer:
    """Keyword scoring through SQLite FTS5 (bm25): every query word must occur (porter-stemmed)."""

    def __init__(self, store: SubscriptionStore):
        self.store = store

    _STOP = frozenset("a an and are as at by for from in into is of on or the to via with without".split())

    @classmethod
    def match_expression(cls, query: str) -> str | None:
        """Every word of the query (quoted, so no FTS syntax gets through), small words left out."""
        words = re.findall(r"\w+", query.lower())
        words = [w for w in words if w not in cls._STOP] or words
        return " ".join(f'"{w}"' for w in words) if words else None

    def matches(self, query: str, start: str, end_excl: str) -> list[tuple[int, str, float]]:
        expr = self.match_expression(query)
        return self.store.fts_matches(expr, start, end_excl) if expr else []

    def __call__(self, sub: Subscription, start: date, end: date) -> dict[int, float]:
        rows = self.matches(sub.query or "", start.isoformat(), (end + timedelta(days=1)).isoformat())
        return {pk: -rank for pk, _, rank in rows}  # bm25: lower is better


def paper_from_row(row: dict, trends: dict[str, float]) -> DigestPaper:
    """A DigestPaper from a `papers` row and its {trend: score} tags."""
    return DigestPaper(
        id=row["id"], title=one_line(row["title"], 500), authors=json.loads(row["authors"] or "[]"),
        published=row["published"], excerpt=excerpt(row["abstract"]),
        trends=sorted(trends, key=lambda t: -trends[t]), categories=json.loads(row["categories"] or "[]"),
    )


def rank_week(sub: Subscription, ctx: WeekContext, query_scorer: QueryScorer | None) -> tuple[list[DigestPaper], int]:
    """All eligible papers of the week for `sub`, best first, and how many there were."""
    rows = ctx.week_rows(tuple(sub.categories))
    qscores: dict[int, float] = {}
    if sub.query:
        if query_scorer is None:
            query_scorer = FtsQueryScorer(ctx.store)
        qscores = query_scorer(sub, ctx.start, ctx.end)
        rows = [r for r in rows if r["pk"] in qscores]
    tags = ctx.store.tags_for([r["pk"] for r in rows])
    if sub.trends:
        rows = [r for r in rows if any(t in tags.get(r["pk"], {}) for t in sub.trends)]
    pattern = exclude_pattern(sub.exclude)
    if pattern:
        rows = [r for r in rows if not pattern.search(f"{r['title']}\n{r['abstract']}")]
    if sub.id is not None:
        sent = ctx.store.ids_sent_elsewhere(sub.id, ctx.week)
        rows = [r for r in rows if r["id"] not in sent]
    if not rows:
        return [], 0
    trend_rel = [max(tags.get(r["pk"], {}).get(t, 0.0) for t in sub.trends) if sub.trends else 0.0 for r in rows]
    query_rel = rescale([qscores[r["pk"]] for r in rows]) if sub.query else [0.0] * len(rows)
    novelty = rescale([ctx.novelty.novelty(ctx.terms_of(r)) for r in rows])
    papers = []
    for r, tr, qr, nov in zip(rows, trend_rel, query_rel, novelty):
        rel = (tr + qr) / 2 if sub.trends and sub.query else tr if sub.trends else qr
        p = paper_from_row(r, tags.get(r["pk"], {}))
        p.relevance, p.novelty = rel, nov
        p.score = rel + NOVELTY_WEIGHT * nov
        papers.append(p)
    papers.sort(key=lambda p: (-p.score, p.id))
    return papers, len(papers)


def _frozen(sub: Subscription, ctx: WeekContext, issued: list[str], ranked: list[DigestPaper]) -> list[DigestPaper]:
    """The papers a week was issued with, in their issued order (scores from this ranking where present)."""
    by_id = {p.id: p for p in ranked}
    rows = ctx.store.papers_by_ids([i for i in issued if i not in by_id])
    tags = ctx.store.tags_for([r["pk"] for r in rows.values()])
    out = []
    for aid in issued:
        if aid in by_id:
            out.append(by_id[aid])
        elif aid in rows:
            out.append(paper_from_row(rows[aid], tags.get(rows[aid]["pk"], {})))
    return out


def build_digest(
    db: sqlite_utils.Database,
    sub: Subscription,
    week: str,
    *,
    context: WeekContext | None = None,
    query_scorer: QueryScorer | None = None,
    chart: bool = True,
) -> Digest:
    """The digest of `sub` for ISO `week` (frozen to the issued papers if the week was already issued)."""
    week = week_of(week_bounds(week)[0])
    ctx = context or WeekContext(SubscriptionStore(db), week)
    if ctx.week != week:
        raise ValueError(f"context is for {ctx.week}, not {week}")
    ranked, n = rank_week(sub, ctx, query_scorer)
    issued = ctx.store.issued_ids(sub.id, week) if sub.id is not None else []
    papers = _frozen(sub, ctx, issued, ranked) if issued else ranked[: sub.size]

    query_counts = query_docs = None
    if sub.query and not sub.trends:
        fts = FtsQueryScorer(ctx.store)
        matches = fts.matches(sub.query, ctx.trailing_start, ctx.end_excl)
        query_counts = {}
        now, before = [], []
        this_monday = ctx.start.isoformat()
        texts = {pk: (t, a) for pk, t, a in ctx.store.texts_for([pk for pk, _, _ in matches])}
        for pk, published, _ in matches:
            monday = week_bounds(week_of(date.fromisoformat(published[:10])))[0].isoformat()
            query_counts[monday] = query_counts.get(monday, 0) + 1
            if pk in texts:
                (now if published >= this_monday else before).append(terms(" ".join(texts[pk])))
        query_docs = (now, before)
    lines = trend_lines(sub, ctx, query_counts, query_docs)
    png = render_chart(lines, title=one_line(f"Papers per week: {sub.name}", 80)) if chart and lines else None
    return Digest(subscription=sub, week=week, start=ctx.start, end=ctx.end, papers=papers, lines=lines,
                  total_week_papers=ctx.total_this_week, chart_png=png, candidates=n)
