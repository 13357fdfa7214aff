"""The Trends page's rising topics: per trend, the named topics rising in the chosen month (or quarter), each with
its papers, its growth and uncertainty, its own curve and a Follow button; and how periods are named on the page."""
from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from trendscope.digest.api import follows_topic, topic_queries, topic_query
from trendscope.foundation.clock import quarter_name, span_months
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import count
from trendscope.index.rise_statistics import interval_text, is_new, may_be_chance, same_categories_text
from trendscope.index.trend_chart import TREND_COLOURS
from trendscope.index.trends_over_time import periods_between
from trendscope.ui.app import digest_view as dg
from trendscope.ui.app import state as app
from trendscope.ui.app import trend_state, widgets
from trendscope.ui.app.text import literal_inline, safe_inline, title_text

TOOLTIP_FORMATS = {"week": "%Y-%m-%d", "month": "%Y-%m", "quarter": "%Y-Q%q"}


def period_label(period: str, freq: str) -> str:
    """"June 2026" for a month, "2026-Q2" for a quarter, "the week of 2026-06-01" for a week (periods are ISO dates
    of their first day)."""
    if freq == "month":
        return date.fromisoformat(period[:10]).strftime("%B %Y")
    if freq == "quarter":  # as the CLI's table names it (the page said "Q2 2026", the CLI "2026-Q2": a walkthrough)
        return quarter_name(period)
    return f"the week of {period[:10]}"


def render(labels: dict[str, str], period: str, freq: str) -> None:
    """The rising topics of each trend in the period: a month's (a week's view shows its month's), or a quarter's."""
    # topics are judged by month, or by quarter in the quarterly view (the CLI's `--topics --freq quarter`)
    tfreq = "quarter" if freq == "quarter" else "month"
    month = period if tfreq == "quarter" else period[:7] + "-01"
    unit = tfreq
    st.subheader(f"Rising topics, {period_label(month, tfreq)}")
    if freq == "week":  # say which month a week's view shows
        st.caption(f"Rising topics are judged month by month: these are for {period_label(month, 'month')}, the "
                   f"month of {period_label(period, freq)}.")
    found = trend_state.rising_topics(tfreq, month)
    shown = [(t, d) for t, d in found.items() if d]
    if not shown:
        st.caption(f"No topic rises clearly inside a trend this {unit} (a topic needs at least 4 papers in 2 "
                   "different weeks and 1.5 times its share in the year before).")
        return
    _say_spans(labels, found, month, tfreq)
    flash = st.session_state.pop("trends_flash", None)
    if flash:
        st.success(flash)
    followed = {s.query for s in dg.subscriptions() if s.query}
    for trend, details in sorted(shown, key=lambda x: labels.get(x[0], x[0])):
        _trend_topics(trend, labels.get(trend, trend), details, followed, month, tfreq)


def _say_spans(labels: dict[str, str], found: dict[str, list], month: str, tfreq: str) -> None:
    """Captions for the trends judged over more than one period, and for the trends where nothing rises."""
    unit = tfreq
    spans = trend_state.rising_spans(tfreq, month)
    if any(_periods(since, month, tfreq) > 1 for _, since in spans.values()):
        # "Rising topics, June 2026" above "4 papers in 12 months" read as a month's rise (a blind walkthrough)
        st.caption(f"A trend with few papers is judged over the {unit}s up to this one that it takes to hold 600 "
                   f"of its papers (at most a year): its topics say over how many.")
    quiet = sorted((labels.get(t, t), t) for t, d in found.items() if not d)
    if quiet:
        # with the papers it was judged on: "nothing rises" and "too few papers to tell" read the same (a walkthrough)
        st.caption(f"No topic rises clearly this {unit} in " + ", ".join(
            safe_inline(label) + (f" ({count(spans[t][0], 'paper')} {_span(spans[t][1], month, tfreq)})" if t in spans
                                  else "") for label, t in quiet) + ".")


def _trend_topics(trend: str, label: str, details: list[dict], followed: set[str], month: str, tfreq: str) -> None:
    """One trend's rising topics in a box, summed up in its title."""
    # "may be chance" in the summary too: "Video Generation (8 papers in 12 months, 9.2x)" led the line, its
    # interval (0.8-99.9x) only inside the box (a blind walkthrough)
    names = ", ".join(f"{safe_inline(d['name'])} ({count(d['papers'], 'paper')}{_short_span(d, month, tfreq)}, "
                      f"{'none the year before' if is_new(d) else format(d['growth'], '.1f') + 'x'}"
                      f"{', may be chance' if may_be_chance(d) else ''})" for d in details[:5])
    if len(details) > 5:  # the summary named 5 and the box held 6, with nothing to say so
        names += f" and {len(details) - 5} more"
    # keyed and tracked: Follow (a rerun) and Back from a paper opened here folded it (a blind walkthrough)
    with st.expander(f"Rising in {label}: {names}", key=f"rising_{trend}", on_change="rerun"):
        for d in details:
            _topic_line(trend, d, followed, month, tfreq)
            _topic_papers(trend, d)
            _topic_curve(d, label, tfreq)


def _topic_line(trend: str, d: dict, followed: set[str], month: str, tfreq: str) -> None:
    """A topic's papers, share and growth, and its Follow button."""
    c_text, c_follow = st.columns([5, 1], vertical_alignment="center")
    also = f" (also written: {'; '.join(safe_inline(a) for a in d['also'])})" if d.get("also") else ""
    before = (f"none of its {count(d.get('trend_papers_before') or 0, 'paper')} the year before: new in "
              "the trend" if is_new(d) else f"the year before: {_percent(d['before'])}")
    c_text.markdown(f"**{safe_inline(d['name'])}**{also}: {count(d['papers'], 'paper')} "
                    f"{_span(d.get('since') or month, month, tfreq)}, {_percent(d['share'])} of the "
                    "trend's "
                    f"papers ({before}; {_growth_text(d)})")
    if _followed(d["name"], followed, d.get("also") or ()):  # a second click said "already exists"
        c_follow.button("Following", key=f"follow_{trend}_{d['key']}", icon=":material/check:",
                        disabled=True, help="You follow this topic: its digest is on the Digests page")
    elif c_follow.button("Follow", key=f"follow_{trend}_{d['key']}", icon=":material/add_alert:",
                         help="A weekly digest of the papers about this topic (Digests page)"):
        if _follow(d["name"], d.get("also") or ()):
            st.rerun()  # the button then says "Following"


def _topic_picks(d: dict) -> list[tuple[str, str]]:
    """(what, arXiv id) of the papers a topic shows: its first ones, first mention, then typical ones."""
    # the first papers first, "first" then "then" (two "first" buttons two years apart, below a
    # "typical" paper older than the second, read as a contradiction: a blind walkthrough)
    firsts = d["first_papers"][:2]
    # "first here": the first of this corpus's papers, not the topic's first paper ("first (2023-03):
    # ChatGPT for Shaping the Future of Dentistry" for MLLMs on a 6,000-paper sample: a walkthrough)
    picks = [(("first here", "then")[i], p) for i, p in enumerate(firsts)]
    if mention := d.get("first_mention"):  # used before any title named it (a paper of 2026-05 was
        # "first here" beside a curve from 2025-09: a walkthrough following rising topics)
        picks = [("first mention", mention)] + [(("first in a title", "then")[i], p)
                                                for i, p in enumerate(firsts)]
    picks += [("typical", p) for p in d["central_papers"][:3] if p not in firsts and p != mention]
    return picks


def _topic_papers(trend: str, d: dict) -> None:
    picks = _topic_picks(d)
    papers = app.papers().get_many([p for _, p in picks])
    for what, pid in picks:  # one per line: side by side, titles were cut to a dozen letters
        paper = papers.get(pid)
        name = safe_inline(title_text(paper.title if paper else pid, 90))  # a label renders Markdown
        when = f" ({paper.published[:7]})" if paper and paper.published else ""  # which came first
        widgets.open_button(pid, key=f"topic_{trend}_{d['key']}_{what}_{pid}",
                            label=f"{what}{when}: {name}")


# A month whose trend holds fewer papers than this gives its share a faint bar: on a small home "100% of the trend"
# was one paper of one (a blind walkthrough read it as the topic taking over the trend).
THIN_MONTH_PAPERS = 20


def _topic_curve_frame(detail: dict) -> pd.DataFrame:
    """A rising topic's own curve: per month, its papers in the trend, the trend's papers and the topic's share of
    them; `thin` marks the months whose share rests on fewer than THIN_MONTH_PAPERS of the trend's papers."""
    rows = [(p, n, total, (100 * n / total) if total else 0.0) for p, n, total in detail.get("curve") or []]
    return pd.DataFrame({"month": pd.to_datetime([r[0] for r in rows]), "papers": [r[1] for r in rows],
                         "trend_papers": [r[2] for r in rows], "share": [r[3] for r in rows],
                         "thin": [r[2] < THIN_MONTH_PAPERS for r in rows]})


def _topic_curve(detail: dict, trend_label: str, freq: str = "month") -> None:
    frame = _topic_curve_frame(detail)
    unit = "Quarter" if freq == "quarter" else "Month"
    c_chart, c_link = st.columns([5, 1], vertical_alignment="center")
    if len(frame):
        chart = alt.Chart(frame).mark_bar(color=TREND_COLOURS[0], width=alt.RelativeBandSize(0.8)).encode(
            x=alt.X(f"{'yearquarter' if freq == 'quarter' else 'yearmonth'}(month):T", title=None,
                    axis=alt.Axis(format="%Y-Q%q") if freq == "quarter" else alt.Undefined),
            y=alt.Y("share:Q", title="% of trend", axis=alt.Axis(labelBaseline="middle")),
            opacity=alt.condition("datum.thin", alt.value(0.3), alt.value(1.0)),
            tooltip=[alt.Tooltip("month:T", title=unit, format=TOOLTIP_FORMATS[freq]),
                     alt.Tooltip("papers:Q", title="Papers"),
                     alt.Tooltip("trend_papers:Q", title=f"{trend_label} papers"),
                     alt.Tooltip("share:Q", title=f"% of {trend_label} papers", format=".1f")],
        ).properties(height=120)
        c_chart.altair_chart(chart, width="stretch")
        if frame["thin"].any():
            c_chart.caption(f"Faint bars: {unit.lower()}s with fewer than {THIN_MONTH_PAPERS} "
                            f"{safe_inline(trend_label)} papers, where one paper moves the share a lot.")
    try:
        query = topic_query(detail["name"], detail.get("also") or ())  # every name it is written with
    except TrendscopeError:
        return
    # A link by address, not `st.page_link`: the search page is the app's default page, whose page link Streamlit
    # writes as "?q=..." alone, so its address (copied, opened in a new tab) was this page's (a blind walkthrough).
    # "./?q=" is the default page's address under any base path; a Markdown link opens it in a new tab.
    # named with its topic and where it opens (six "All its papers" links, opening new tabs unannounced: an
    # accessibility walkthrough)
    c_link.markdown(f"[:material/search: All papers on “{safe_inline(detail['name'])}” (new tab)]"
                    f"(./?{urllib.parse.urlencode({'q': query})})",
                    help=f"Search for {safe_inline(query)} (in a new tab)")


def _percent(share: float) -> str:
    """A share as readers compare them: "12%", "3.4%", "0.5%", "<0.1%" ("0%" beside "28.4x its share the year
    before" read as a contradiction: a blind walkthrough)."""
    if share <= 0:
        return "0%"
    if share < 0.001:
        return "<0.1%"
    return f"{share:.0%}" if share >= 0.1 else f"{share:.1%}"


def _growth_text(detail: dict) -> str:
    """"2.0x, 90% interval 1.3-3.1x": the growth with its uncertainty."""
    notes = [n for n in (interval_text(detail), same_categories_text(detail)) if n]
    return ", ".join([*([] if is_new(detail) else [f"{detail['growth']:.1f}x"]), *notes])


def _periods(since: str, period: str, freq: str) -> int:
    """How many months (quarters) from the one of `since` through `period`."""
    return span_months(since, period) if freq == "month" else len(periods_between(since, period, freq))


def _short_span(detail: dict, month: str, freq: str = "month") -> str:
    """"" for a topic judged over this month, " in 12 months" when over a longer span (its papers are counted over
    the span, so "52 papers" beside a month of 31 in the table reads right); quarters alike."""
    n = _periods(detail.get("since") or month, month, freq)
    return f" in {n} {freq}s" if n > 1 else ""


def _span(since: str, month: str, freq: str = "month") -> str:
    """"this month", or "in the 5 months to 2020-06" when a thin trend's topics are judged over a longer span
    ("this quarter", "in the 4 quarters to 2025-Q1")."""
    n = _periods(since, month, freq)
    if n == 1:
        return f"this {freq}"
    to = month[:7] if freq == "month" else quarter_name(month)
    return f"in the {n} {freq}s to {to}"


def _followed(topic: str, followed: set[str], also: Sequence[str] = ()) -> bool:
    try:
        return bool(topic_queries(topic, also) & followed) or any(follows_topic(topic, q) for q in followed)
    except TrendscopeError:
        return False


def _follow(topic: str, also: Sequence[str] = ()) -> bool:
    try:
        sub = dg.follow_topic(topic, also)
    except TrendscopeError as exc:
        st.error(safe_inline(str(exc)))
        return False
    st.session_state["trends_flash"] = (f"Following **{safe_inline(topic)}**: the subscription "
                                        f"“{literal_inline(sub.name)}” lists its papers, "
                                        f"{dg.delivery_note(sub)}.")
    return True
