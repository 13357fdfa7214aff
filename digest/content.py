"""Build a subscription's digest for one ISO week: ranked new papers plus a trend summary and chart.

Ranking: relevance (for trend subscriptions the tag's strength -- the tagger's logit, which keeps growing with
the evidence where the score saturates near 1 -- mapped to [0, 1], only tags scored >= MIN_TAG_SCORE and as strong
as MIN_STRENGTH, or a trend's `digest_min_strength` where the user's taxonomy sets one; the search score for
query subscriptions; their mean for both) + CENTRALITY_WEIGHT x centrality (trend subscriptions, when vectors
are stored: cosine to the mean vector of the trend's papers of the 8 weeks before, so papers typical of the
trend beat those that only mention it) + NOVELTY_WEIGHT x novelty (how unusual the paper's vocabulary is
against what the subscription matched in the 8 weeks before; a tie-breaker). Trend subscriptions also check
each paper for core evidence: a match of one of the trend's `digest_core` patterns (taxonomy) in the title or
a subject sentence of the abstract (the first sentence or a contribution sentence, not an evaluation or passing
one), i.e. the trend is what the paper is about rather than an adjective or a tool it uses; papers with core
evidence rank first. Which trend papers are shown at all: each gets P(truly about the trend) from its
strength, core evidence and trend (`digest.confidence`, a logistic fit of hand judgements), and the digest
shows the largest set of the most likely ones, at most the subscription's size, whose mean P reaches the
calibration's target (94%): a week with many clear papers gives a full list, a thin week a short one.
Papers already
issued to the subscription in another week, and papers containing an excluded word, are left out. Once a
week was issued (see `SubscriptionStore.record_issue`) its paper list is frozen, so retries and feeds show
the same papers.

Trend summary: a trend line comes from `index.trends_over_time.trend_table` (the numbers the trends page shows);
a query subscription's line counts its keyword (FTS5) matches per week.
"""
from __future__ import annotations

import logging
import math
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

import numpy as np
import sqlite_utils

from trendscope.foundation.clock import shift_week, week_bounds, week_of
from trendscope.foundation.errors import TrendscopeError
from trendscope.index.tagger import clean_text, split_sentences

from .chart import render_chart
from .confidence import Calibration, confident_count, load_calibration
from .model import Digest, DigestPaper, Subscription, TrendLine
from .subscription_store import SubscriptionStore
from .terms import NoveltyScorer, characteristic_terms, rescale, terms
from .text import excerpt, one_line

log = logging.getLogger(__name__)

CENTRALITY_WEIGHT = 0.5  # trend subscriptions with vectors: how typical of the trend a paper is
NOVELTY_WEIGHT = 0.02  # a tie-breaker: tag scores of confident tags sit within a few hundredths of 1
MIN_TAG_SCORE = 0.8  # a trend digest shows only confidently tagged papers (the summary counts all tags)
MIN_STRENGTH = 2.0  # ... whose tag strength (logit) shows the trend is their subject, not a side topic
STRENGTH_SCALE = 30.0  # strength -> relevance: min(strength, STRENGTH_SCALE) / STRENGTH_SCALE
# sentences that report an evaluation are not subject sentences ("We evaluate ... in semi-supervised settings")
_EVALUATION = re.compile(r"^\W*we (also |further |then |additionally )?(evaluate|assess|test|benchmark|validate|"
                         r"compare|report|experiment|conduct)")
TRAILING_WEEKS = 8
GROWING, COOLING = 1.2, 0.8  # query lines: share ratio against the trailing average
NOVELTY_BACKGROUND = 3000  # most recent papers a novelty background holds
RISING_SHOWN = 5  # rising topics named per trend line
EMERGING_Z = 2.0  # trend lines: trend_table's emerging score that reads as growing / cooling


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
class DigestRules:
    """The digest-only rules of a taxonomy: per-trend core patterns and minimum tag strengths."""

    core: dict[str, tuple[re.Pattern, ...]] = field(default_factory=dict)
    min_strength: dict[str, float] = field(default_factory=dict)  # trend -> its digest_min_strength
    contribution_cues: re.Pattern | None = None
    passing: re.Pattern | None = None
    labels: dict[str, str] = field(default_factory=dict)  # trend id -> the label readers see

    def strength_floor(self, trend: str) -> float:
        """The strength a tag of `trend` needs to be shown: the trend's own minimum, never below MIN_STRENGTH."""
        return max(MIN_STRENGTH, self.min_strength.get(trend, MIN_STRENGTH))


@dataclass
class WeekContext:
    """What every digest of one week shares (counts and term statistics), computed once per run."""

    store: SubscriptionStore
    week: str
    taxonomy_path: Path | str | None = None  # the user's taxonomy file (its digest_core patterns); None: packaged
    calibration: Calibration | None = None  # P(on-trend) of trend papers; None: the packaged fit
    # (trend, month start YYYY-MM-01) -> that trend's rising topics that month; None: computed here, once
    topics: Callable[[str, str], list[dict]] | None = None
    _cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.start, self.end = week_bounds(self.week)
        self.end_excl = (self.end + timedelta(days=1)).isoformat()
        self.trailing_start = (self.start - timedelta(weeks=TRAILING_WEEKS)).isoformat()
        self.weeks = [shift_week(self.week, -k) for k in range(TRAILING_WEEKS, -1, -1)]  # oldest .. this
        self.mondays = [week_bounds(w)[0].isoformat() for w in self.weeks]

    def confidence_model(self) -> Calibration:
        if self.calibration is None:
            self.calibration = load_calibration()
        return self.calibration

    def _cached(self, key, fn: Callable):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def rising_topics(self, trend: str) -> tuple[str, list[dict]]:
        """(YYYY-MM, topics) rising in `trend` in the month of this week's Sunday, or in the month before when
        that month lists none yet (early in a month); ("", []) when none or they cannot be computed."""
        this = self.end.replace(day=1)
        prev = (this - timedelta(days=1)).replace(day=1)
        lookup = self.topics or self._computed_topics(prev.isoformat())
        for month in (this, prev):
            found = lookup(trend, month.isoformat())
            if found:
                return month.isoformat()[:7], found
        return "", []

    def _computed_topics(self, since: str) -> Callable[[str, str], list[dict]]:
        def build() -> dict[tuple[str, str], list[dict]]:
            from trendscope.index.topic_listings import listed_topics

            try:
                res = listed_topics(self.store.db, freq="month", since=since)
            except (TrendscopeError, sqlite3.Error) as exc:  # e.g. a read-only home whose phrase cache is stale
                log.warning("rising topics left out of the digest: %s", exc)
                return {}
            return {(r["trend"], r["period"]): r["details"] for r in res.records}

        found = self._cached(("topics", since), build)
        return lambda trend, month: found.get((trend, month), [])

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
        return self.doc_terms([(row["pk"], row["title"], row["abstract"])])[0]

    @property
    def week_docs(self) -> list[set[str]]:
        """Term sets of every paper of the week (the background for characteristic terms)."""
        return self._cached("week_docs", lambda: [self.terms_of(r) for r in self.week_rows(())])

    def doc_terms(self, rows: list[tuple[int, str, str]]) -> list[set[str]]:
        """Term sets of (pk, title, abstract) rows, cached by pk."""
        cache = self._cache.setdefault("terms", {})
        out = []
        for pk, title, abstract in rows:
            if pk not in cache:
                cache[pk] = terms(f"{title} {abstract}")
            out.append(cache[pk])
        return out

    def query_matches(self, query: str) -> list[tuple[int, str, float]]:
        """(pk, published, bm25) of the query's keyword matches over the 9 weeks."""
        return self._cached(("matches", query), lambda: FtsQueryScorer(self.store).matches(
            query, self.trailing_start, self.end_excl))

    def novelty_for(self, sub: Subscription) -> NoveltyScorer:
        """Novelty against what the subscription would have seen in the 8 weeks before: the papers of its
        trends, else its query's keyword matches, else its categories (at most NOVELTY_BACKGROUND papers)."""
        key = ("novelty", tuple(sub.trends), sub.query if not sub.trends else None, tuple(sub.categories))

        def build() -> NoveltyScorer:
            start = self.start.isoformat()
            if sub.trends or not sub.query:
                rows = self.store.background_texts(self.trailing_start, start, trends=sub.trends,
                                                   categories=sub.categories, limit=NOVELTY_BACKGROUND)
            else:
                pks = [pk for pk, published, _ in self.query_matches(sub.query) if published < start]
                rows = self.store.texts_for(pks[-NOVELTY_BACKGROUND:])
            return NoveltyScorer(self.doc_terms(rows))
        return self._cached(key, build)

    def _vectors(self):
        """(VectorStore, model) of the search area when paper vectors are stored, else None."""
        def build():
            from trendscope.index.vector_store import VectorStore

            vs = VectorStore(self.store.db)
            model = vs.model_in_use()
            return (vs, model) if model else None
        return self._cached("vectors", build)

    def centrality_for(self, sub: Subscription, pks: list[int]) -> dict[int, float]:
        """Trend subscriptions with stored vectors: pk -> cosine between the paper and the mean vector of the
        subscription's papers of the 8 weeks before (how typical of the trend it is). Empty otherwise."""
        got = self._vectors()
        if not sub.trends or got is None or not pks:
            return {}
        vs, model = got

        def centroid():
            rows = self.store.background_texts(self.trailing_start, self.start.isoformat(), trends=sub.trends,
                                               categories=sub.categories, limit=NOVELTY_BACKGROUND)
            vecs = list(vs.get([pk for pk, _, _ in rows], model).values())
            if not vecs:
                return None
            c = np.mean(np.stack(vecs), axis=0)
            n = float(np.linalg.norm(c))
            return c / n if n > 0 else None
        c = self._cached(("centroid", tuple(sub.trends), tuple(sub.categories)), centroid)
        if c is None:
            return {}
        return {pk: float(np.dot(v, c)) for pk, v in vs.get(pks, model).items()}

    def rules(self) -> DigestRules:
        """The taxonomy's digest-only fields (digest_core patterns, digest_min_strength), loaded once."""
        def build():
            from trendscope.foundation.errors import TrendscopeError
            from trendscope.index.taxonomy import load_taxonomy
            try:
                tax = load_taxonomy(self.taxonomy_path)
            except TrendscopeError as exc:  # a broken user file: rank with the global rules, don't fail
                log.warning("digest ranking without the taxonomy's digest rules: %s", exc)
                return DigestRules()
            return DigestRules(
                core={t.name: t.digest_core for t in tax.trends if t.digest_core},
                min_strength={t.name: t.digest_min_strength for t in tax.trends
                              if t.digest_min_strength is not None},
                contribution_cues=tax.scoring.contribution_cues, passing=tax.scoring.global_passing,
                labels={t.name: t.label for t in tax.trends})
        return self._cached("rules", build)

    def core_for(self, trends: dict[int, list[str]], rows: list[dict]) -> dict[int, bool]:
        """pk -> whether the paper has core evidence of one of its qualifying trends `trends[pk]` (see has_core);
        a trend without digest_core patterns counts as core evidence."""
        rules = self.rules()
        out = {}
        for r in rows:
            mine = trends.get(r["pk"], [])
            if any(t not in rules.core for t in mine):
                out[r["pk"]] = True
                continue
            texts = subject_texts(r["title"], r["abstract"], rules.contribution_cues, rules.passing)
            out[r["pk"]] = any(has_core(rules.core[t], texts) for t in mine)
        return out

    def trend_rows(self) -> dict[tuple[str, str], dict]:
        """(trend, period Monday) -> row of `index.trends_over_time.trend_table` for the 9 weeks (computed once)."""
        def build():
            from trendscope.index.trends_over_time import trend_table

            df = trend_table(self.store.db, freq="week", since=self.trailing_start, window=TRAILING_WEEKS)
            df = df[df["period"] <= self.mondays[-1]]
            return {(r["trend"], r["period"]): r for r in df.to_dict("records")}
        return self._cached("trend_rows", build)


def _direction(share: float, trailing_share: float, count: int) -> str:
    """For query lines: growing / cooling when the share moved by 20% against the trailing average."""
    if trailing_share <= 0:
        return "growing" if count > 0 else "steady"
    ratio = share / trailing_share
    if ratio >= GROWING:
        return "growing"
    if ratio <= COOLING:
        return "cooling"
    return "steady"


def _series(per_week: dict[str, int], ctx: WeekContext) -> tuple[list[int], list[float], float, float]:
    counts = [per_week.get(m, 0) for m in ctx.mondays]
    totals = [ctx.totals.get(m, 0) for m in ctx.mondays]
    shares = [c / t if t else 0.0 for c, t in zip(counts, totals)]
    return counts, shares, sum(counts[:-1]) / TRAILING_WEEKS, sum(shares[:-1]) / TRAILING_WEEKS


def trend_line(trend: str, ctx: WeekContext) -> TrendLine:
    """This week's numbers for a trend, as the trends page computes them (`trend_table`): count, share,
    the trailing 8-week average, growing/cooling by the emerging score (>= 2 / <= -2), and the topics rising in
    the trend this month (`index.emerging_topics`, as the trends page lists them)."""
    rows = ctx.trend_rows()
    counts, shares, avg_count, avg_share = _series(
        {m: int(rows[(trend, m)]["count"]) for m in ctx.mondays if (trend, m) in rows}, ctx)
    row = rows.get((trend, ctx.mondays[-1]))
    z = float(row["emerging_score"]) if row is not None else 0.0
    direction = "growing" if z >= EMERGING_Z else "cooling" if z <= -EMERGING_Z else "steady"
    month, rising = ctx.rising_topics(trend)
    return TrendLine(label=ctx.rules().labels.get(trend, trend), count=counts[-1], share=shares[-1],
                     trailing_avg_count=avg_count, trailing_avg_share=avg_share, direction=direction,
                     weekly_counts=list(zip(ctx.weeks, counts)), rising=rising[:RISING_SHOWN], rising_month=month)


def query_line(sub: Subscription, ctx: WeekContext) -> TrendLine:
    """Weekly keyword matches of a query subscription (FTS5), with its newly characteristic terms."""
    matches = ctx.query_matches(sub.query or "")
    per_week: dict[str, int] = {}
    now, before = [], []
    this_monday = ctx.start.isoformat()
    docs = dict(zip([pk for pk, _, _ in matches], ctx.doc_terms(ctx.store.texts_for([pk for pk, _, _ in matches]))))
    for pk, published, _ in matches:
        monday = week_bounds(week_of(date.fromisoformat(published[:10])))[0].isoformat()
        per_week[monday] = per_week.get(monday, 0) + 1
        (now if published >= this_monday else before).append(docs[pk])
    counts, shares, avg_count, avg_share = _series(per_week, ctx)
    return TrendLine(label=f"papers with every word of {sub.query!r}", count=counts[-1], share=shares[-1],
                     trailing_avg_count=avg_count, trailing_avg_share=avg_share,
                     direction=_direction(shares[-1], avg_share, counts[-1]),
                     new_terms=characteristic_terms(now, before, ctx.week_docs),
                     weekly_counts=list(zip(ctx.weeks, counts)))


def trend_lines(sub: Subscription, ctx: WeekContext) -> list[TrendLine]:
    if sub.trends:
        return [trend_line(t, ctx) for t in sub.trends]
    if sub.query:
        return [query_line(sub, ctx)]
    return []


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


def subject_texts(title: str, abstract: str, contribution_cues: re.Pattern | None = None,
                  passing: re.Pattern | None = None) -> list[str]:
    """Where a paper states its subject, lower-cased: the title, the abstract's first sentence and its
    contribution sentences (`contribution_cues`), leaving out evaluation sentences and (except the title)
    sentences with a passing cue (`passing`: "such as", "also", numbered lists ...)."""
    out = [clean_text(title).lower()]
    for i, sent in enumerate(split_sentences(abstract or "")):
        sent = sent.lower()
        if i > 0 and (contribution_cues is None or not contribution_cues.search(sent)):
            continue
        if _EVALUATION.search(sent) or (passing is not None and passing.search(sent)):
            continue
        out.append(sent)
    return out


def has_core(patterns: tuple[re.Pattern, ...] | list[re.Pattern], texts: list[str]) -> bool:
    """Whether one of a trend's digest_core patterns matches one of the subject texts."""
    return any(p.search(t) for p in patterns for t in texts)


def tag_strength(score: float, strength: float | None) -> float:
    """A tag's strength: the logit the tagger recorded; for tags written before it did, the logit of the
    (rounded, so capped) score."""
    if strength is not None:
        return strength
    s = min(max(score, 1e-4), 1 - 1e-4)
    return math.log(s / (1 - s))


def trend_labels(taxonomy_path: Path | str | None = None) -> dict[str, str]:
    """Trend id -> label from the taxonomy (the packaged one when no user file); {} when it cannot be read."""
    from trendscope.foundation.errors import TrendscopeError
    from trendscope.index.taxonomy import load_taxonomy
    try:
        return {t.name: t.label for t in load_taxonomy(taxonomy_path).trends}
    except TrendscopeError:
        return {}


def paper_from_row(row: dict, trends: dict[str, float]) -> DigestPaper:
    """A DigestPaper from a `papers` row and its {trend: score} tags."""
    return DigestPaper(
        id=row["id"], title=one_line(row["title"], 500), authors=list(row["authors"]),
        published=row["published"], excerpt=excerpt(row["abstract"]),
        trends=sorted(trends, key=lambda t: -trends[t]), categories=list(row["categories"]),
    )


def rank_week(sub: Subscription, ctx: WeekContext, query_scorer: QueryScorer | None) -> tuple[list[DigestPaper], int]:
    """The week's papers for `sub`, best first, and how many were eligible. Query-only subscriptions: every
    match; trend subscriptions: at most `sub.size`, the most likely to be truly about the trend, as many as keep
    the list's expected precision at the calibration's target (see digest.confidence)."""
    rows = ctx.week_rows(tuple(sub.categories))
    qscores: dict[int, float] = {}
    if sub.query:
        if query_scorer is None:
            query_scorer = FtsQueryScorer(ctx.store)
        qscores = query_scorer(sub, ctx.start, ctx.end)
        rows = [r for r in rows if r["pk"] in qscores]
    tags = ctx.store.tags_for([r["pk"] for r in rows])
    strength: dict[int, float] = {}
    if sub.trends:
        rows = [r for r in rows if max(tags.get(r["pk"], {}).get(t, -1.0) for t in sub.trends) >= MIN_TAG_SCORE]
        stored = ctx.store.tag_strengths([r["pk"] for r in rows], sub.trends)
        rules = ctx.rules()
        qualifying: dict[int, list[str]] = {}  # pk -> its trends of the subscription tagged strongly enough
        by_trend: dict[int, dict[str, float]] = {}  # pk -> trend -> strength
        for r in rows:
            got = tags.get(r["pk"], {})
            strengths = {t: tag_strength(got[t], stored.get(r["pk"], {}).get(t))
                         for t in sub.trends if got.get(t, -1.0) >= MIN_TAG_SCORE}
            qualifying[r["pk"]] = [t for t, v in strengths.items() if v >= rules.strength_floor(t)]
            by_trend[r["pk"]] = {t: strengths[t] for t in qualifying[r["pk"]]}
            strength[r["pk"]] = max(by_trend[r["pk"]].values(), default=0.0)
        rows = [r for r in rows if qualifying[r["pk"]]]
        core = ctx.core_for(qualifying, rows)
        cal = ctx.confidence_model()
        confidence = {r["pk"]: max(cal.probability(t, v, core[r["pk"]]) for t, v in by_trend[r["pk"]].items())
                      for r in rows}
    else:
        core, confidence = {}, {}
    pattern = exclude_pattern(sub.exclude)
    if pattern:
        rows = [r for r in rows if not pattern.search(f"{r['title']}\n{r['abstract']}")]
    if sub.id is not None:
        sent = ctx.store.ids_sent_elsewhere(sub.id, ctx.week)
        rows = [r for r in rows if r["id"] not in sent]
    if not rows:
        return [], 0
    trend_rel = [min(strength[r["pk"]], STRENGTH_SCALE) / STRENGTH_SCALE if sub.trends else 0.0 for r in rows]
    query_rel = rescale([qscores[r["pk"]] for r in rows]) if sub.query else [0.0] * len(rows)
    scorer = ctx.novelty_for(sub)
    novelty = rescale([scorer.novelty(ctx.terms_of(r)) for r in rows])
    central = ctx.centrality_for(sub, [r["pk"] for r in rows])
    papers = []
    for r, tr, qr, nov in zip(rows, trend_rel, query_rel, novelty):
        rel = (tr + qr) / 2 if sub.trends and sub.query else tr if sub.trends else qr
        p = paper_from_row(r, tags.get(r["pk"], {}))
        p.relevance, p.novelty, p.centrality = rel, nov, central.get(r["pk"], 0.0)
        p.score = rel + CENTRALITY_WEIGHT * p.centrality + NOVELTY_WEIGHT * nov
        p.core = core.get(r["pk"], True)
        p.confidence = confidence.get(r["pk"])
        papers.append(p)
    n = len(papers)
    if sub.trends:  # the most likely papers, as many as keep the list's expected precision at the target
        cal = ctx.confidence_model()
        papers.sort(key=lambda p: (-(p.confidence or 0.0), -p.score, p.id))
        papers = papers[:confident_count([p.confidence or 0.0 for p in papers], sub.size, cal.target)]
    papers.sort(key=lambda p: (not p.core, -p.score, p.id))  # core evidence first
    return papers, n


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

    labels = ctx.rules().labels
    for p in papers:
        p.trend_labels = [labels.get(t, t) for t in p.trends]
    lines = trend_lines(sub, ctx)
    png = render_chart(lines, title=one_line(
        f"Papers per week: {lines[0].label if len(lines) == 1 else sub.name}", 80)) if chart and lines else None
    return Digest(subscription=sub, week=week, start=ctx.start, end=ctx.end, papers=papers, lines=lines,
                  total_week_papers=ctx.total_this_week, chart_png=png, candidates=n)
