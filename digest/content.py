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
issued to the subscription in another week, papers containing an excluded word and withdrawn papers are left out. Once a
week was issued (see `SubscriptionStore.record_issue`) its paper list, and the papers it named under "Less sure",
are frozen, so retries and feeds show the same papers.

Trend summary: a trend line comes from `index.trends_over_time.trend_table` (the numbers the trends page shows);
a query subscription's line counts its keyword (FTS5) matches per week.

What every digest of a week shares (its papers and counts, term statistics, core evidence, rising topics) is
computed once per run by `week_context.WeekContext`.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import sqlite_utils

from trendscope.foundation.clock import week_bounds, week_of
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.latex_math import readable_latex
from trendscope.foundation.wording import why_tagged
from trendscope.index.rise_statistics import may_be_chance

from .confidence import confident_count
from .model import Digest, DigestPaper, Subscription, TrendLine
from .subscription_store import SubscriptionStore
from .terms import rescale
from .text import excerpt, one_line
from .week_context import TRAILING_WEEKS, FtsQueryScorer, WeekContext

log = logging.getLogger(__name__)

CENTRALITY_WEIGHT = 0.5  # trend subscriptions with vectors: how typical of the trend a paper is
NOVELTY_WEIGHT = 0.02  # a tie-breaker: tag scores of confident tags sit within a few hundredths of 1
MIN_TAG_SCORE = 0.8  # a trend digest shows only confidently tagged papers (the summary counts all tags)
STRENGTH_SCALE = 30.0  # strength -> relevance: min(strength, STRENGTH_SCALE) / STRENGTH_SCALE
# below the confident list, a trend digest names at most this many of the papers it left out that are still likely
# about the trend: a thin week showed none of them, the month's best interpretability paper (P 0.936) among them
LESS_SURE_MIN, LESS_SURE_MAX = 0.8, 3
GROWING, COOLING = 1.2, 0.8  # query lines: share ratio against the trailing average
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


def _direction(share: float, trailing_share: float, count: int, trailing_count: float) -> str:
    """For query lines: growing / cooling when the share moved by 20% against the trailing average and the count
    by more than Poisson noise (two standard deviations of the trailing average, at least 2 papers): one paper
    after weeks of none, or none after an average of 0.1, is within the usual variation."""
    if abs(count - trailing_count) < 2 * max(trailing_count, 1.0) ** 0.5:
        return "steady"
    if trailing_share <= 0:
        return "growing" if count > 0 else "steady"
    ratio = share / trailing_share
    if ratio >= GROWING:
        return "growing"
    if ratio <= COOLING:
        return "cooling"
    return "steady"


def _series(per_week: dict[str, int], ctx: WeekContext) -> tuple[list[int], list[float], float, float, float]:
    counts = [per_week.get(m, 0) for m in ctx.mondays]
    totals = [ctx.totals.get(m, 0) for m in ctx.mondays]
    shares = [c / t if t else 0.0 for c, t in zip(counts, totals)]
    # the average share pools the weeks (their papers over all their papers), as `trends` does: the mean of the
    # weekly shares put "8-week average 1.5 (12.7%)" beside a pooled 11.1% (a blind docs audit), and let a week
    # of a few papers swing it
    pooled = sum(counts[:-1]) / sum(totals[:-1]) if sum(totals[:-1]) else 0.0
    return counts, shares, sum(counts[:-1]) / TRAILING_WEEKS, pooled, sum(totals[:-1]) / TRAILING_WEEKS


def trend_line(trend: str, ctx: WeekContext) -> TrendLine:
    """This week's numbers for a trend, as the trends page computes them (`trend_table`): count, share,
    the trailing 8-week average, growing/cooling by the emerging score (>= 2 / <= -2), and the topics rising in
    the trend this month (`index.emerging_topics`, as the trends page lists them)."""
    rows = ctx.trend_rows()
    counts, shares, avg_count, avg_share, avg_total = _series(
        {m: int(rows[(trend, m)]["count"]) for m in ctx.mondays if (trend, m) in rows}, ctx)
    row = rows.get((trend, ctx.mondays[-1]))
    z = float(row["emerging_score"]) if row is not None else 0.0
    direction = "growing" if z >= EMERGING_Z else "cooling" if z <= -EMERGING_Z else "steady"
    month, rising = ctx.rising_topics(trend)
    return TrendLine(label=ctx.rules().labels.get(trend, trend), count=counts[-1], share=shares[-1],
                     trailing_avg_count=avg_count, trailing_avg_share=avg_share, trailing_avg_total=avg_total,
                     direction=direction,
                     weekly_counts=list(zip(ctx.weeks, counts)), weekly_shares=shares,
                     # a weekly mail names only rises its 90% interval puts above 1x ("Speculative Decoding (4
                     # papers in 12 months, 4.0x, may be chance)" headed three mails in a row: a blind
                     # walkthrough); the Trends page lists the others with "may be chance"
                     rising=[t for t in rising if not may_be_chance(t)][:RISING_SHOWN],
                     rising_month=month)


def query_line(sub: Subscription, ctx: WeekContext) -> TrendLine:
    """Weekly keyword matches of a query subscription (FTS5). Its single "newly characteristic terms" are gone:
    "normalization, layer-wise, form, observation" named no topic (a walkthrough following rising topics), as the
    trend table's had not (performance.md)."""
    per_week: dict[str, int] = {}
    for _pk, published, _ in ctx.query_matches(sub.query or ""):
        monday = week_bounds(week_of(date.fromisoformat(published[:10])))[0].isoformat()
        per_week[monday] = per_week.get(monday, 0) + 1
    counts, shares, avg_count, avg_share, avg_total = _series(per_week, ctx)
    return TrendLine(label=FtsQueryScorer.describe(sub.query or ""), count=counts[-1], share=shares[-1],
                     trailing_avg_count=avg_count, trailing_avg_share=avg_share, trailing_avg_total=avg_total,
                     direction=_direction(shares[-1], avg_share, counts[-1], avg_count),
                     weekly_counts=list(zip(ctx.weeks, counts)), weekly_shares=shares)


def trend_lines(sub: Subscription, ctx: WeekContext) -> list[TrendLine]:
    if sub.trends:
        return [trend_line(t, ctx) for t in sub.trends]
    if sub.query:
        return [query_line(sub, ctx)]
    return []


def tag_strength(score: float, strength: float | None) -> float:
    """A tag's strength: the logit the tagger recorded; for tags written before it did, the logit of the
    (rounded, so capped) score."""
    if strength is not None:
        return strength
    s = min(max(score, 1e-4), 1 - 1e-4)
    return math.log(s / (1 - s))


def trend_labels(taxonomy_path: Path | str | None = None) -> dict[str, str]:
    """Trend id -> label from the taxonomy (the packaged one when no user file); {} when it cannot be read."""
    from trendscope.index.taxonomy import load_taxonomy
    try:
        return {t.name: t.label for t in load_taxonomy(taxonomy_path).trends}
    except TrendscopeError:
        return {}


def paper_from_row(row: dict, trends: dict[str, float]) -> DigestPaper:
    """A DigestPaper from a `papers` row and its {trend: score} tags."""
    return DigestPaper(
        id=row["id"], title=one_line(readable_latex(row["title"]), 500), authors=list(row["authors"]),
        published=row["published"], excerpt=excerpt(row["abstract"]),
        trends=sorted(trends, key=lambda t: -trends[t]), categories=list(row["categories"]),
    )


@dataclass
class _TrendFit:
    """A trend subscription's view of the week's papers: those tagged with one of its trends, those tagged
    strongly enough to be listed, and per listed paper (pk) its strength, core evidence and P(about the trend)."""

    tagged: list[dict]
    rows: list[dict]
    strength: dict[int, float] = field(default_factory=dict)
    core: dict[int, bool] = field(default_factory=dict)
    confidence: dict[int, float] = field(default_factory=dict)


def _rows_with_late(sub: Subscription, ctx: WeekContext) -> tuple[list[dict], dict[str, str]]:
    """The week's rows in the subscription's categories, then the papers of the weeks before that arXiv announced
    after their week's digest went out (a Friday submission is announced on Monday, after a Monday run: they were
    never sent to anyone, a blind walkthrough), and those late papers' arXiv id -> week."""
    rows = ctx.week_rows(tuple(sub.categories))
    late = ctx.late_for(sub)
    if late:
        wanted = set(sub.categories)
        extra = [r for r in ctx.store.papers_by_ids(list(late)).values()
                 if not wanted or wanted & set(r["categories"])]
        rows = rows + sorted(extra, key=lambda r: r["pk"])
    return rows, late


def _trend_fit(sub: Subscription, ctx: WeekContext, rows: list[dict], tags: dict[int, dict[str, float]]) -> _TrendFit:
    """Which of `rows` a trend subscription counts (tagged) and lists (tagged strongly enough), and why."""
    tagged = [r for r in rows if any(t in tags.get(r["pk"], {}) for t in sub.trends)]  # as the summary counts
    rows = [r for r in tagged if max(tags.get(r["pk"], {}).get(t, -1.0) for t in sub.trends) >= MIN_TAG_SCORE]
    stored = ctx.store.tag_strengths([r["pk"] for r in rows], sub.trends)
    rules = ctx.rules()
    fit = _TrendFit(tagged, rows)
    qualifying: dict[int, list[str]] = {}  # pk -> its trends of the subscription tagged strongly enough
    by_trend: dict[int, dict[str, float]] = {}  # pk -> trend -> strength
    for r in rows:
        got = tags.get(r["pk"], {})
        strengths = {t: tag_strength(got[t], stored.get(r["pk"], {}).get(t))
                     for t in sub.trends if got.get(t, -1.0) >= MIN_TAG_SCORE}
        qualifying[r["pk"]] = [t for t, v in strengths.items() if v >= rules.strength_floor(t)]
        by_trend[r["pk"]] = {t: strengths[t] for t in qualifying[r["pk"]]}
        fit.strength[r["pk"]] = max(by_trend[r["pk"]].values(), default=0.0)
    fit.rows = [r for r in rows if qualifying[r["pk"]]]
    fit.core = ctx.core_for(qualifying, fit.rows)
    cal = ctx.confidence_model()
    fit.confidence = {r["pk"]: max(cal.probability(t, v, fit.core[r["pk"]]) for t, v in by_trend[r["pk"]].items())
                      for r in fit.rows}
    return fit


def _scored(sub: Subscription, ctx: WeekContext, rows: list[dict], tags: dict[int, dict[str, float]],
            qscores: dict[int, float], fit: _TrendFit | None, late: dict[str, str]) -> list[DigestPaper]:
    """The listed rows as digest papers with relevance, novelty, centrality and their score."""
    trend_rel = [min(fit.strength[r["pk"]], STRENGTH_SCALE) / STRENGTH_SCALE if fit else 0.0 for r in rows]
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
        p.core = fit.core.get(r["pk"], True) if fit else True
        p.confidence = fit.confidence.get(r["pk"]) if fit else None
        p.late_week = late.get(r["id"])
        papers.append(p)
    return papers


def rank_week(sub: Subscription, ctx: WeekContext, query_scorer: QueryScorer | None,
              less_sure: list[DigestPaper] | None = None,
              likeliest_out: list[DigestPaper] | None = None) -> tuple[list[DigestPaper], int, int]:
    """The week's papers for `sub`, best first, how many were eligible, and how many of those are papers of earlier
    weeks that arXiv announced after their week's digest went out. Query-only subscriptions: every
    match; trend subscriptions: at most `sub.size`, the most likely to be truly about the trend, as many as keep
    the list's expected precision at the calibration's target (see digest.confidence). For a trend subscription
    the count is of every paper tagged with one of its trends (the trend summary's papers, after the category,
    exclusion, already-sent and withdrawn filters), so that a digest can say how many it left out and why.
    `less_sure`, when given, receives the likeliest papers a trend subscription leaves out (P >= LESS_SURE_MIN,
    most likely first); `likeliest_out` the single likeliest one it leaves out, however likely."""
    rows, late = _rows_with_late(sub, ctx)
    qscores: dict[int, float] = {}
    if sub.query:
        if query_scorer is None:
            query_scorer = FtsQueryScorer(ctx.store)
        since = min([ctx.start, *(week_bounds(w)[0] for w in late.values())])
        qscores = query_scorer(sub, since, ctx.end)
        rows = [r for r in rows if r["pk"] in qscores]
    tags = ctx.store.tags_for([r["pk"] for r in rows])
    fit = _trend_fit(sub, ctx, rows, tags) if sub.trends else None
    if fit:
        rows = fit.rows
    pattern = exclude_pattern(sub.exclude)
    sent = ctx.store.ids_sent_elsewhere(sub.id, ctx.week) if sub.id is not None else set()

    def kept(some: list) -> list:  # a withdrawn paper is no news to send, whatever it was about
        return [r for r in some if r["id"] not in sent and not r.get("withdrawn")
                and not (pattern and pattern.search(f"{r['title']}\n{r['abstract']}"))]

    rows = kept(rows)
    eligible = kept(fit.tagged) if fit else rows  # for a trend: every tagged paper (weakly tagged included)
    n_tagged = len(eligible) if fit else 0
    # the count says "this week" only of this week's papers (a walkthrough: late papers made it exceed the summary)
    n_late = sum(r["id"] in late for r in eligible)
    if not rows:
        if likeliest_out is not None and fit and eligible:  # tagged, but all below the strength floor
            best = max(eligible, key=lambda r: (max(tags.get(r["pk"], {}).get(t, -1.0) for t in sub.trends), r["id"]))
            likeliest_out.append(paper_from_row(best, tags.get(best["pk"], {})))
        return [], n_tagged, n_late
    papers = _scored(sub, ctx, rows, tags, qscores, fit, late)
    n = max(len(papers), n_tagged)
    if fit:  # the most likely papers, as many as keep the list's expected precision at the target
        cal = ctx.confidence_model()
        papers.sort(key=lambda p: (-(p.confidence or 0.0), -p.score, p.id))
        shown = confident_count([p.confidence or 0.0 for p in papers], sub.size, cal.target)
        if less_sure is not None:
            less_sure.extend([p for p in papers[shown:] if (p.confidence or 0.0) >= LESS_SURE_MIN][:LESS_SURE_MAX])
        if likeliest_out is not None:
            likeliest_out.extend(papers[shown:shown + 1])
        papers = papers[:shown]
    papers.sort(key=lambda p: (not p.core, -p.score, p.id))  # core evidence first
    return papers, n, n_late


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


def explain(store: SubscriptionStore, sub: Subscription, papers: list[DigestPaper], labels: dict[str, str]) -> None:
    """Set each paper's `why` from the evidence of its tags of the subscription's trends: the phrases it matched
    and where (the trend's label before each when the subscription follows several)."""
    rows = store.papers_by_ids([p.id for p in papers])
    evidence = store.tag_evidence([r["pk"] for r in rows.values()], sub.trends)
    for p in papers:
        got = evidence.get(rows[p.id]["pk"], {}) if p.id in rows else {}
        parts = [(labels.get(t, t), why_tagged(got[t])) for t in sub.trends if t in got]
        parts = [(label, why) for label, why in parts if why]
        p.why = (parts[0][1] if len(sub.trends) == 1 else
                 " · ".join(f"{label}: {why}" for label, why in parts)) if parts else None


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
    less_sure: list[DigestPaper] = []
    likeliest: list[DigestPaper] = []
    ranked, n, n_late = rank_week(sub, ctx, query_scorer, less_sure, likeliest)
    issued = ctx.store.issued_week(sub.id, week) if sub.id is not None else []
    if issued:  # the papers it was issued with, listed and "Less sure", as its mail and its feed showed them
        papers = _frozen(sub, ctx, [i.arxiv_id for i in issued if not i.less_sure], ranked)
        named = {i.arxiv_id: i.confidence for i in issued if i.less_sure}
        less_sure = _frozen(sub, ctx, list(named), less_sure)
        for p in less_sure:
            p.confidence = p.confidence if named[p.id] is None else named[p.id]
    else:
        papers = ranked[: sub.size]
        less_sure = [p for p in less_sure if p.id not in {q.id for q in papers}]
    for p in less_sure:
        p.less_sure = True

    labels = ctx.rules().labels
    for p in papers + less_sure:
        p.trend_labels = [labels.get(t, t) for t in p.trends]
    if sub.trends and papers + less_sure:  # each paper says why it is in the digest (a walkthrough had to open each)
        explain(ctx.store, sub, papers + less_sure, labels)
    if sub.query and papers:  # the papers the summary's line counts: every word of the query (FtsQueryScorer)
        holding = {pk for pk, _published, _score in ctx.query_matches(sub.query)}
        rows = ctx.store.papers_by_ids([p.id for p in papers])
        for p in papers:
            p.by_meaning = p.id in rows and rows[p.id]["pk"] not in holding
    lines = trend_lines(sub, ctx)
    from .chart import render_chart  # matplotlib: imported only when a digest draws its chart

    png = render_chart(lines, title=one_line(
        f"Share of each week's papers: {lines[0].label if len(lines) == 1 else sub.name}", 80)) \
        if chart and lines else None
    return Digest(subscription=sub, week=week, start=ctx.start, end=ctx.end, papers=papers, lines=lines,
                  total_week_papers=ctx.total_this_week, chart_png=png, candidates=n, late_candidates=n_late,
                  labels=dict(labels),
                  less_sure=less_sure,
                  # an empty list with no paper likely enough to name: which one came nearest (a walkthrough read
                  # "1 tagged paper falls below its bar" and had to hunt for it)
                  likeliest_left_out=likeliest[0] if likeliest and not papers and not less_sure else None,
                  corpus_ends=ctx.corpus_ends_inside(), newest_stored=ctx.newest_after())
