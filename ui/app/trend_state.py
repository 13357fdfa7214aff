"""The app's access to trend tags, trends over time and rising topics (the index stage's tables, read through
its API). Each call uses the script run's connection and data home from `state`; aggregates are cached with
`st.cache_data`, keyed by the data home (and the index's stamp where `trendscope index` changes them).
"""
from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from trendscope.foundation.clock import week_days_of
from trendscope.ui.app.state import actor, db, home, index_stamp, summary, trend_names


def trend_store():
    from trendscope.index.trend_store import TrendStore

    return TrendStore(db())


def trend_tags(pks) -> dict[int, list[tuple[str, float]]]:
    """pk -> [(trend, score)] best first, for a page of results."""
    store = trend_store()
    return {pk: [(t, s) for t, s, _ in store.tags_of(pk)] for pk in pks}


def is_tagged(pk: int) -> bool:
    return trend_store().is_tagged(pk)


def tags_outdated(pk: int) -> bool:
    """Whether the paper's title or abstract changed since it was tagged (a new version, not yet indexed)."""
    return trend_store().tags_outdated(pk)


def paper_trend_details(pk: int | None) -> list[dict]:
    if pk is None:
        return []
    return [{"trend": t, "score": s, "evidence": list(e)} for t, s, e in trend_store().tags_of(pk)]


def tag_corrections(arxiv_id: str) -> list:
    """The paper's tags corrected by hand (`TagCorrection`s)."""
    from trendscope.index.tag_corrections import corrections_of

    return corrections_of(db(), arxiv_id)


def correct_tags(arxiv_id: str, add: list[str], remove: list[str]):
    """Give the paper the trends `add` and take `remove` away, by hand, as the signed-in admin (a
    `CorrectionResult`); the cached counts and topics are keyed by the corrections' stamp, so they follow."""
    from trendscope.index.tag_corrections import correct_tags as correct

    with st.spinner("Tagging the paper again and bringing the rising topics up to date…"):
        return correct(db(), home(), arxiv_id, actor(), add=add, remove=remove)


def reset_tags(arxiv_id: str):
    from trendscope.index.tag_corrections import reset_tags as reset

    with st.spinner("Tagging the paper again and bringing the rising topics up to date…"):
        return reset(db(), home(), arxiv_id, actor())


def outdated_tag_lines() -> list[str]:
    """The trends whose tags the next `trendscope index` re-tags, in `trendscope status`'s words (read directly: the
    whole status report took 1.2 s over the full corpus after each write)."""
    from trendscope.index.status import outdated_tag_lines as lines

    return lines(db(), home())


def _tags_stamp() -> tuple:
    """Changes when a tag is corrected by hand (the CLI's corrections showed in the app minutes late: a blind
    walkthrough) and when `index` keeps new rising topics, which it does after re-tagging (the page kept the old
    topics while the CLI showed the new ones: a blind walkthrough)."""
    from trendscope.index.topic_listings import listing_version

    return (*trend_store().corrections_stamp(), listing_version(db(), "month"), listing_version(db(), "quarter"))


@st.cache_data(ttl=300, show_spinner="Counting papers per trend…")
def _trend_table(home_key: str, freq: str, since: str | None, tags: tuple = ()):
    from trendscope.index.trends_over_time import trend_table as build

    return build(db(), freq=freq, since=since, with_terms=False)  # the page shows named topics, not terms


@st.cache_data(ttl=600, show_spinner="Finding rising topics…")
def _rising_topics(home_key: str, freq: str, stamp: tuple, tags: tuple = ()) -> dict[tuple[str, str], dict]:
    from trendscope.index.topic_listings import listed_topics

    res = listed_topics(db(), freq=freq)  # read back when the data has not changed since it was computed
    return {(r["trend"], r["period"]): r for r in res.records}


def rising_topics(freq: str, period: str) -> dict[str, list[dict]]:
    """trend -> its rising topics in the month (or quarter) starting at `period`, most rising first."""
    # recomputed after `trendscope index` and after a correction by hand
    found = _rising_topics(str(home().root), freq, index_stamp(home()), _tags_stamp())
    # none where the trend has no paper that period, as `trends --topics` lists it (the digest preview quoted the
    # span before's topics "as of" a month with none: a blind walkthrough)
    return {trend: r["details"] if r.get("papers", 1) else [] for (trend, p), r in found.items() if p == period}


def rising_spans(freq: str, period: str) -> dict[str, tuple[int, str]]:
    """trend -> (its papers in the span its topics were judged over, the span's first period) for `period`."""
    found = _rising_topics(str(home().root), freq, index_stamp(home()), _tags_stamp())
    # the span's papers: "papers" is the period's alone ("0 papers in the 12 months" of a trend with papers)
    return {trend: (r.get("window_papers", r["papers"]), r["since"]) for (trend, p), r in found.items() if p == period}


@st.cache_data(ttl=300, show_spinner=False)
def _mix_shifts(home_key: str) -> list:
    from trendscope.index.period_coverage import category_mix_shifts

    return category_mix_shifts(db())


def mix_shifts(since: str | None) -> list:
    """Months (from `since` on) whose papers' categories are mixed very differently from the year before."""
    return [m for m in _mix_shifts(str(home().root)) if not since or m.month >= since[:7]]


@st.cache_data(ttl=300, show_spinner=False)
def _thin_periods(home_key: str, freq: str, shown: tuple[str, ...]) -> dict[str, int]:
    import pandas as pd

    from trendscope.index.period_coverage import thin_periods_of

    return thin_periods_of(db(), pd.DataFrame({"period": list(shown)}), freq)


def thin_periods(table, freq: str) -> dict[str, int]:
    """The periods of `table` holding few papers, each judged among its neighbours in the whole corpus."""
    return _thin_periods(str(home().root), freq, tuple(sorted(table["period"].unique())))


def trend_table(freq: str, periods: int | None):
    """The tidy trends-over-time table for the last `periods` weeks/months of data (all when None)."""
    return _trend_table(str(home().root), freq, window_start(freq, periods), _tags_stamp())


def window_start(freq: str, periods: int | None) -> str | None:
    """The first day the last `periods` weeks/months/quarters of data cover (None: all of it)."""
    last = summary()["last"]
    if not (periods and last):
        return None
    days = periods * {"week": 7, "month": 30.44, "quarter": 91.31}[freq]
    return (date.fromisoformat(last[:10]) - timedelta(days=int(days))).isoformat()


def week_bounds(day: str) -> tuple[str, str]:
    """(Monday, Sunday) ISO dates of the week containing `day`."""
    return week_days_of(day)


def top_trend_papers(start: str, end: str, per_trend: int = 5) -> dict[str, list[dict]]:
    """trend -> its `per_trend` highest-scoring papers published in [start, end] (ISO dates), best first."""
    end_excl = (date.fromisoformat(end) + timedelta(days=1)).isoformat()
    top = trend_store().top_papers(start, end_excl, per_trend)
    return {name: top.get(name, []) for name in trend_names()} | top
