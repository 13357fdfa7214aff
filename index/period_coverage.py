"""How comparable the periods of a trend table are: months whose papers' primary categories are mixed very
differently from the year before (`category_mix_shifts`), periods the corpus collected thinly (`thin_periods`,
`drop_thin_tail`), and the table pooled over several periods (`pooled`) with rows for the periods without papers
(`with_empty_periods`), so that charts and growth figures do not read a change of sources or a gap in the corpus
as a change in the field.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .trend_store import TrendStore
from .trends_over_time import in_arxiv_life, period_start, periods_between


@dataclass(frozen=True)
class MixShift:
    """A month whose papers' primary categories are mixed very differently from the year before: trend shares and
    rising topics move with such a change of the corpus's sources, not only with the field."""

    month: str      # YYYY-MM
    category: str
    before: float   # its share of the papers of the 12 calendar months before
    now: float      # its share of the month's papers

    def text(self, month: str | None = None) -> str:
        """One line; `month`: how to name the month (default "YYYY-MM"; the app writes "July 2025")."""
        return (f"{month or self.month}: {self.category} {self.now:.0%} of the month's papers ({self.before:.0%} "
                "the year before)")


def category_mix_shifts(db, since: str | None = None, min_papers: int = 30, min_change: float = 0.15,
                        window: int = 12, min_z: float = 4.0, categories: Sequence[str] = ()) -> list[MixShift]:
    """Months (from `since` on) where one primary category's share of the papers moved by at least `min_change`,
    at least doubled or halved against the `window` months before, and by more than chance would move it in a
    month of that many papers (`min_z` binomial standard deviations): the largest such change per month. (A
    floor of 200 papers a month instead of the test hid every change in a home of 6,000 papers, where cs.CV went
    from 14 papers in half a year to 153: a blind walkthrough.) `categories`: among the papers in any of them, as
    `trends -c` counts (the speech papers' table was annotated with the whole corpus's cs.CV surge: a walkthrough)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    store = TrendStore(db)
    if categories:
        inside, primary = store.pks_in_categories(categories), store.primary_categories()
        for pk, day in store.publication_dates():
            if pk in inside:
                counts[day[:7]][primary.get(pk) or "(none)"] += 1
    else:
        for month, category, n in store.primary_category_months():
            counts[month][category or "(none)"] += n
    months = sorted(counts)
    out = []
    for i, month in enumerate(months):
        now = counts[month]
        total = sum(now.values())
        y, m = int(month[:4]), int(month[5:7])
        start = f"{y - 1 + (m + 11 - window) // 12:04d}-{(m + 11 - window) % 12 + 1:02d}"  # `window` months back
        prev = [q for q in months[max(0, i - window):i] if q >= start]  # calendar months, as the spans count
        before: Counter = Counter()
        for q in prev:
            before.update(counts[q])
        before_total = sum(before.values())
        if (since and month < since[:7]) or total < min_papers or len(prev) < 3 or before_total < min_papers:
            continue
        found = []
        for category in sorted(set(now) | set(before)):
            a, b = now[category] / total, before[category] / before_total
            sd = math.sqrt(max(b * (1 - b), 1 / before_total) / total)  # a share of 0 before: about one paper
            if abs(a - b) >= min_change and (a >= 2 * b or a <= b / 2) and abs(a - b) >= min_z * sd:
                found.append((round(abs(a - b), 9), a > b, MixShift(month, category, b, a)))
        if found:  # the largest change; of two as large (one category's gain is another's loss), the gain
            out.append(max(found, key=lambda f: (f[0], f[1]))[2])
    return out


def drop_thin_tail(df, window: int = 12, fraction: float = 0.25):
    """Drop trailing periods whose paper total is under `fraction` of the median of the last `window` periods."""
    totals = df.groupby("period")["total"].first().sort_index()
    if totals.empty:
        return df
    usual = totals.tail(window).median()
    keep = list(totals.index)
    while len(keep) > 1 and totals[keep[-1]] < fraction * usual:
        keep.pop()
    return df[df["period"] <= keep[-1]]


def thin_periods(df, window: int = 12, fraction: float = 0.25) -> dict[str, int]:
    """Periods (period -> its paper total) holding under `fraction` of the median total of the `window` periods
    around them (half before, half after): a month the corpus collected thinly, whose shares and growth swing with
    a few papers (2025-02 of the full shared corpus: 49 papers between months of 2,000 and 10,000). The trailing
    thin periods `drop_thin_tail` leaves out are among them when they are still in `df`."""
    totals = df.groupby("period")["total"].first().sort_index()
    if len(totals) < 3:
        return {}
    usual = totals.rolling(window + 1, center=True, min_periods=3).median()
    return {str(p): int(n) for p, n in totals.items() if n < fraction * usual[p]}


def thin_periods_of(db, df, freq: str, window: int = 12, fraction: float = 0.25,
                    categories: Sequence[str] = ()) -> dict[str, int]:
    """`thin_periods` of the periods `df` shows, each judged among the periods around it in the whole corpus, not
    only those shown: a range of a few months had too few neighbours to judge by, and a 9-paper month between
    months of 30 lost its mark as the range narrowed (a blind walkthrough). `categories`: the corpus of the papers
    in any of them (`trends -c eess.AS -c cs.SD` marked no month of 7 speech papers between months of 500)."""
    shown = set(df["period"])
    if not shown:
        return {}
    totals = period_totals(db, freq, categories)
    every = pd.DataFrame({"period": sorted(totals), "total": [totals[p] for p in sorted(totals)]})
    return {p: n for p, n in thin_periods(every, window, fraction).items() if p in shown}


def period_totals(db, freq: str, categories: Sequence[str] = ()) -> dict[str, int]:
    """period start -> papers published in it, over the whole corpus or the papers in any of `categories` (no text
    read)."""
    store = TrendStore(db)
    inside = store.pks_in_categories(categories) if categories else None
    return dict(Counter(period_start(day, freq) for pk, day in in_arxiv_life(store.publication_dates())
                        if inside is None or pk in inside))


def pooled(df: pd.DataFrame, periods: int, center: bool = False) -> pd.DataFrame:
    """The table with `count` and `share` pooled over `periods` periods per trend (trailing, or centred), so
    thin periods do not dominate a chart: share = sum of counts / sum of totals over the window, count = the
    mean count per period of the window."""
    if df.empty or periods <= 1:
        return df
    parts = []
    for _, g in df.groupby("trend", sort=True):
        g = g.sort_values("period").copy()
        counts = g["count"].rolling(periods, min_periods=1, center=center)
        totals = g["total"].rolling(periods, min_periods=1, center=center).sum()
        # a window without any paper has no share (a gap in a chart), not 0%
        g["share"] = (counts.sum() / totals.where(totals > 0)).astype(float)
        # papers per period over the window; none in the whole window is a gap too, not 0 (a count chart slid to 0
        # across an ingest gap while the share chart had a gap: a review)
        g["count"] = counts.mean().where(totals > 0)
        parts.append(g)
    return pd.concat(parts, ignore_index=True)


def with_empty_periods(df: pd.DataFrame, freq: str) -> pd.DataFrame:
    """The table with a row (count 0, total 0) for each period without papers between its first and last, per
    trend: a chart draws them as gaps, and pooling counts calendar periods, not the periods holding papers."""
    if df.empty:
        return df
    every = periods_between(df["period"].min(), df["period"].max(), freq)
    parts = []
    for trend, g in df.groupby("trend", sort=False):
        missing = sorted(set(every) - set(g["period"]))
        filler = pd.DataFrame({"trend": trend, "period": missing, "count": 0, "total": 0, "share": float("nan")})
        parts.append(pd.concat([g, filler], ignore_index=True) if missing else g)
    return pd.concat(parts, ignore_index=True).sort_values(["trend", "period"], ignore_index=True)
