"""Trends over time: per trend and period, how many papers carry the tag, their share of all papers,
growth against a trailing window, an emerging/cooling score, and the terms that newly characterise the
trend in that period (class-based TF-IDF per trend and period, as BERTopic's topics_over_time does).

Definitions (W = `window`, default 8 previous periods):
- count: papers of the period tagged with the trend; total: all papers of the period (count <= total).
- share = count / total (0 when total is 0).
- trailing share: pooled share of the previous W periods, smoothed: (sum counts + 0.5) / (sum totals + 1).
- growth = smoothed share of the period / trailing share - 1 (0 when there is no previous period, -1 when the
  period has no paper of the trend but the window before had); the period's
  share is smoothed towards the trailing share with PRIOR pseudo-papers, so a period with one paper cannot
  show a huge swing.
- emerging_score: Fisher's exact test of the period's share against the trailing window's, as a signed
  z-score (`emerging_z`), clipped to [-10, 10]; > 2 reads as emerging, < -2 as cooling.
- terms: up to `n_terms` words whose c-TF-IDF for (trend, period) rose most over their mean in the trailing
  window; c-TF-IDF(t, c) = tf(t, c) / |c| * log(1 + A / f(t)) with A the mean class size in words and f(t)
  the frequency of t over all (trend, period) classes plus the whole corpus (scaled), see `_ctfidf`.
"""
from __future__ import annotations

import bisect
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd

from trendscope.foundation.clock import utc_now
from trendscope.foundation.words import content_words
from trendscope.ingest.record_fields import ARXIV_START, FUTURE_DAYS

from .trend_store import TrendStore

log = logging.getLogger(__name__)

PRIOR = 5.0
MIN_TERM_SHARE = 0.15  # a new term must occur in this share of the period's tagged papers (at least 2)
BACKGROUND_MAX = 20000  # papers (evenly spread) whose words form the c-TF-IDF background
COLUMNS = ["trend", "period", "count", "total", "share", "growth", "emerging_score", "terms"]
def period_start(day: str, freq: str) -> str:
    """ISO start date of the week (Monday), month or quarter containing ISO date `day`."""
    d = date.fromisoformat(day[:10])
    if freq == "week":
        return (d - timedelta(days=d.weekday())).isoformat()
    if freq == "month":
        return d.replace(day=1).isoformat()
    if freq == "quarter":
        return d.replace(month=3 * ((d.month - 1) // 3) + 1, day=1).isoformat()
    raise ValueError(f"freq must be 'week', 'month' or 'quarter', not {freq!r}")


_warned: set[str] = set()  # each edge is warned of once a process, not on every page drawn


def _arxiv_life(today: date) -> tuple[str, str]:
    """The first and last ISO day a paper can be dated (ISO dates compare as text: this runs once per paper)."""
    return ARXIV_START.isoformat(), (today + timedelta(days=FUTURE_DAYS)).isoformat()


def _clamped(day: str, today: date) -> str:
    """`day`, or the edge of arXiv's life it lies beyond, with one warning: a paper dated 9999-12-31 or 0001-01-01,
    stored from a snapshot before the import refused such dates, made every `trendscope index` and `trends` run
    fail (OverflowError stepping past 9999-12-31) and the periods run on for 8,000 years."""
    lo, hi = _arxiv_life(today)
    if lo <= day[:10] <= hi:
        return day
    bound = lo if day[:10] < lo else hi
    if bound not in _warned:
        _warned.add(bound)
        log.warning("%s is outside arXiv's life (%s to %s): papers so dated are left out of trends and the periods "
                    "%s %s (they came from a snapshot read before the import refused such dates)", day[:10], lo, hi,
                    "start at" if bound == lo else "end at", bound)
    return bound


def in_arxiv_life(rows: list, today: date | None = None) -> list:
    """The (pk, published, ...) rows dated within arXiv's life; the others are left out (warned of once)."""
    today = today or utc_now().date()
    lo, hi = _arxiv_life(today)
    inside = []
    for row in rows:
        if row[1] and lo <= row[1][:10] <= hi:
            inside.append(row)
        elif row[1]:
            _clamped(row[1], today)  # the warning
    return inside


def periods_between(first: str, last: str, freq: str, today: date | None = None) -> list[str]:
    """Every period start from the period of `first` through that of `last`, empty ones included; bounds outside
    arXiv's life are taken at its edges (`_clamped`; `today`: default today in UTC)."""
    today = today or utc_now().date()
    first, last = _clamped(first, today), _clamped(last, today)
    out, p, last = [], period_start(first, freq), period_start(last, freq)
    step = {"week": 7, "month": 31, "quarter": 92}[freq]
    while p <= last:
        out.append(p)
        p = period_start((date.fromisoformat(p) + timedelta(days=step)).isoformat(), freq)
    return out


def _baseline_start(store: TrendStore, first: str, freq: str, window: int) -> str:
    """The start of the `window`-th period holding papers before period `first` (`first` when there is none):
    the earliest paper a table shown from `first` compares with. Read from the dates alone, newest first."""
    dates = store.publication_dates()  # oldest first
    i = bisect.bisect_left(dates, first, key=lambda row: row[1])
    seen: list[str] = []
    for _pk, published in reversed(dates[:i]):
        p = period_start(published, freq)
        if not seen or p != seen[-1]:
            seen.append(p)
            if len(seen) == window:
                break
    return seen[-1] if seen else first


def tokens(text: str) -> list[str]:
    return content_words(text)


def _ctfidf(counters: dict, background: Counter, n_background: int) -> dict:
    """c-TF-IDF weights for every class counter (BERTopic's formula, with the corpus as background).

    tf is the share of the class's word occurrences; f(t) counts t over all classes plus the whole corpus
    (scaled to the classes' size), so words common in any paper (not specific to a trend) get a low weight.
    """
    sizes = {key: (sum(c.values()) or 1) for key, c in counters.items()}
    class_total = sum(sizes.values()) or 1
    bg_total = sum(background.values()) or 1
    scale = class_total / bg_total
    freq: Counter = Counter()
    for c in counters.values():
        freq.update(c)
    avg = class_total / max(len(counters), 1)
    out = {}
    for key, c in counters.items():
        out[key] = {t: (n / sizes[key]) * math.log(1 + avg / (freq[t] + scale * background[t]))
                    for t, n in c.items()}
    return out


def trend_table(db, freq: str = "week", since: str | None = None, window: int = 8, n_terms: int = 5,
                trends: list[str] | None = None, with_terms: bool = True,
                categories: Sequence[str] = ()) -> pd.DataFrame:
    """Tidy long table trend x period (see the module docstring for the columns). `with_terms=False` leaves
    `terms` empty: reading every paper's words is nearly all the time the table takes (13 of 14 s over the full
    corpus), and the CLI's table, its chart and the app's Trends page never show them. `categories`: only the
    papers in any of these arXiv categories, counts and totals alike (a trend's share of a field's papers: a lab
    head asked what rises in speech and NLP)."""
    if freq not in ("week", "month", "quarter"):
        raise ValueError(f"freq must be 'week', 'month' or 'quarter', not {freq!r}")
    if freq == "quarter":  # compared with the year before, not two years (a PI asked what rose "this quarter")
        window = min(window, 4)
    store = TrendStore(db)
    # `since` chooses the periods shown, not the data: each shown period is compared with the `window` periods
    # (that hold papers) before it, exactly as without `since` (the first one shown used to read +0.00)
    first = period_start(since, freq) if since else None
    papers = in_arxiv_life(store.dated_papers(_baseline_start(store, first, freq, window) if first else None))
    if categories:
        inside = store.pks_in_categories(categories)
        papers = [p for p in papers if p[0] in inside]
    if not papers:
        return pd.DataFrame(columns=COLUMNS)
    period_of = {pk: period_start(pub, freq) for pk, pub, _t, _a in papers}
    text_of = {pk: f"{t} {a}" for pk, _p, t, a in papers}
    token_sets: dict[int, set[str]] = {}

    def words_of(pk: int) -> set[str]:
        if pk not in token_sets:
            token_sets[pk] = set(tokens(text_of[pk]))
        return token_sets[pk]

    periods = sorted(set(period_of.values()))
    totals = Counter(period_of.values())
    by_trend: dict[str, Counter] = defaultdict(Counter)
    words: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for pk, trend in store.tag_pairs():
        if pk in period_of and (trends is None or trend in trends):
            p = period_of[pk]
            by_trend[trend][p] += 1
            if with_terms:
                words[(trend, p)].update(words_of(pk))
    # every tagged trend, those without a paper in these periods too (a weekly table left continual out: a blind
    # walkthrough; its 0 is an answer)
    names = sorted(trends if trends is not None else set(by_trend) | set(store.versions()))
    background: Counter = Counter()
    step = max(1, len(papers) // BACKGROUND_MAX)
    for pk, _p, _t, _a in papers[::step] if with_terms else ():
        background.update(words_of(pk))
    weights = _ctfidf(words, background, len(papers[::step])) if with_terms else {}
    rows = []
    for trend in names:
        counts = by_trend.get(trend, Counter())
        for i, p in enumerate(periods):
            if first and p < first:
                continue
            c, tot = counts.get(p, 0), totals[p]
            share = c / tot if tot else 0.0
            prev = periods[max(0, i - window): i]
            pc = sum(counts.get(q, 0) for q in prev) if prev else 0
            if prev and (c or pc):  # no paper now nor before: no change (the prior's pseudo-count read -83%)
                pt = sum(totals[q] for q in prev)
                trail = (pc + 0.5) / (pt + 1)
                # no paper now: the share fell to nothing, -100% (the prior's pseudo-papers read -97% beside 0
                # papers: a blind walkthrough)
                growth = ((c + PRIOR * trail) / (tot + PRIOR)) / trail - 1 if c else -1.0
                emerging = max(-10.0, min(10.0, emerging_z(c, tot, pc, pt)))
            else:
                growth, emerging = 0.0, 0.0
            rows.append({
                "trend": trend, "period": p, "count": c, "total": tot, "share": share,
                "growth": round(growth, 4), "emerging_score": round(emerging, 3),
                "terms": _new_terms(weights, trend, p, prev, n_terms, words.get((trend, p)), c),
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def _new_terms(weights: dict, trend: str, period: str, prev: list[str], n: int, counter: Counter | None,
               n_papers: int) -> list[str]:
    now = weights.get((trend, period))
    if not now:
        return []
    before = [weights.get((trend, q), {}) for q in prev]
    # a term needs at least two papers of the trend in the period: one paper's rare words (names, typos) are
    # not a trend's vocabulary, so a period with a single tagged paper has no new terms
    min_docs = max(2, math.ceil(MIN_TERM_SHARE * n_papers))
    scored = []
    for t, w in now.items():
        if counter is not None and counter[t] < min_docs:
            continue
        base = sum(b.get(t, 0.0) for b in before) / len(before) if before else 0.0
        scored.append((w - base, t))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [t for d, t in scored[:n] if d > 0]


def period_end(period: str, freq: str) -> str:
    """The last day (ISO) of the week, month or quarter that starts on `period`."""
    first = date.fromisoformat(period[:10])
    if freq == "week":
        return (first + timedelta(days=6)).isoformat()
    months = 3 if freq == "quarter" else 1
    year, month = divmod(first.month - 1 + months, 12)
    return (date(first.year + year, month + 1, 1) - timedelta(days=1)).isoformat()


def emerging_z(count: int, total: int, before_count: int, before_total: int) -> float:
    """How surely the period's share of the trend (`count` of `total` papers) differs from the window's before it
    (`before_count` of `before_total`), as a signed z-score: Fisher's exact test of the two shares (given the
    count + before_count tagged papers of both, are so many of them in the period by chance?), its one-sided
    p-value read back as a normal quantile. The window's share is itself measured from a handful of papers: a
    z-score against it as if it were known read 2 papers of 28 after none of 300 as 7.6 (a blind walkthrough);
    the exact test gives 2.4. Large counts come out near the usual two-share z-score; a handful of papers does not
    read as a firm rise (3 of 69 papers against 9 of 690 before, 0.9 expected: 1.3)."""
    n = count + before_count
    if not total or not before_total or not n:
        return 0.0
    from scipy.stats import hypergeom, norm  # here: importing scipy.stats takes 0.6 s, which most commands never need

    everyone = total + before_total
    if count * everyone > n * total:  # more than the period's part of the tagged papers
        return float(max(0.0, norm.isf(hypergeom.sf(count - 1, everyone, n, total))))
    fall = float(max(0.0, norm.isf(hypergeom.cdf(count, everyone, n, total))))
    return -fall if fall else 0.0


def is_complete(period: str, freq: str, newest: str | None) -> bool:
    """Whether a period is over as far as the corpus goes: it ends on or before the newest stored paper's date (a
    period after it is still filling up: its counts read as a collapse of every trend)."""
    return not newest or period_end(period, freq) <= newest[:10]


def drop_incomplete_tail(df, freq: str, newest: str | None):
    """The table without a trailing period that ends after the newest paper; kept when it is the only one."""
    if df.empty or df["period"].nunique() < 2:
        return df
    last = df["period"].max()
    return df if is_complete(last, freq, newest) else df[df["period"] < last]


def newest_published(db) -> str | None:
    """The newest publication date within arXiv's life (a paper dated 9999-12-31, stored before the import refused
    such dates, is left out as the trend table leaves it out: taken as "today + 2 days" it made the half-filled
    last period read as complete, every trend cooling: a review)."""
    store = TrendStore(db)
    newest = store.newest_published()
    lo, hi = _arxiv_life(utc_now().date())
    if newest and newest[:10] > hi:
        _clamped(newest, utc_now().date())  # the warning, once
        newest = store.newest_published(until=hi)
    return newest
