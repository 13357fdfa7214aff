"""Trends page: the eight trends over time (count or share, by week or month), what is growing and cooling,
the newly characteristic terms, and the top papers of each trend in the latest week with data."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from trendscope.foundation.wording import count
from trendscope.index.trends_over_time import drop_thin_tail
from trendscope.ui.app import state as app
from trendscope.ui.app import widgets
from trendscope.ui.app.text import safe_inline

FREQS = {"week": "Weekly", "month": "Monthly"}
METRICS = {"count": "Papers", "share": "Share of all papers"}
WINDOWS = {"week": {"6 months": 26, "1 year": 52, "2 years": 104, "all": None},
           "month": {"1 year": 12, "2 years": 24, "5 years": 60, "all": None}}


def _direction(z: float | None) -> str:
    """The trends area's reading of the emerging score: > 2 emerging, < -2 cooling."""
    if z is None or pd.isna(z):
        return "—"
    if z > 2:
        return "▲ growing"
    if z < -2:
        return "▼ cooling"
    return "● steady"


def _chart(table: pd.DataFrame, metric: str, labels: dict[str, str]) -> None:
    wide = table.pivot_table(index="period", columns="trend", values=metric, aggfunc="sum").sort_index()
    wide.index = pd.to_datetime(wide.index)
    wide = wide.rename(columns=labels)
    if metric == "share":
        wide = wide * 100
    st.line_chart(wide, height=380, y_label="% of all papers" if metric == "share" else "papers",
                  x_label=None)


def _movers(latest: pd.DataFrame, labels: dict[str, str], period: str, freq: str) -> None:
    st.subheader(f"Growing and cooling ({freq} of {period})")
    frame = latest.assign(
        trend=latest["trend"].map(lambda t: labels.get(t, t)),
        direction=latest["emerging_score"].map(_direction),
        share=latest["share"] * 100,
        growth=latest["growth"] * 100,
    ).sort_values("growth", ascending=False, na_position="last")
    st.dataframe(
        frame[["trend", "direction", "count", "share", "growth", "emerging_score"]],
        hide_index=True, width="stretch",
        column_config={
            "trend": "Trend", "direction": "Direction", "count": st.column_config.NumberColumn("Papers"),
            "share": st.column_config.NumberColumn("Share", format="%.1f %%"),
            "growth": st.column_config.NumberColumn("Growth vs. before", format="%+.0f %%"),
            "emerging_score": st.column_config.NumberColumn("Emerging score", format="%.2f"),
        },
    )


def _rising(labels: dict[str, str], period: str, freq: str) -> None:
    month = period[:7] + "-01"
    st.subheader(f"Rising topics, {'month of ' if freq == 'week' else ''}{month[:7]}")
    found = app.rising_topics("month", month)
    shown = [(t, d) for t, d in found.items() if d]
    if not shown:
        st.caption("No topic rises clearly inside a trend this month (a topic needs at least 4 papers in 2 "
                   "different weeks and twice its earlier share).")
        return
    for trend, details in sorted(shown, key=lambda x: labels.get(x[0], x[0])):
        names = ", ".join(f"{safe_inline(d['name'])} ({count(d['papers'], 'paper')}, {d['growth']:.1f}x)"
                          for d in details[:5])
        with st.expander(f"Rising in {labels.get(trend, trend)}: {names}"):
            for d in details:
                st.markdown(f"**{safe_inline(d['name'])}**: {count(d['papers'], 'paper')} this month, "
                            f"{d['share']:.0%} of the trend's papers (before: {d['before']:.1%})")
                cols = st.columns(len(d["central_papers"][:3]) + len(d["first_papers"][:2]) or 1)
                for col, (what, pid) in zip(cols, [("typical", p) for p in d["central_papers"][:3]] +
                                            [("first", p) for p in d["first_papers"][:2]]):
                    with col:
                        widgets.open_button(pid, key=f"topic_{trend}_{d['key']}_{what}_{pid}", label=f"{what}: {pid}")


def _top_papers(labels: dict[str, str], week_start: str | None) -> None:
    week = app.week_bounds(week_start) if week_start else app.latest_week()
    if week is None:
        return
    start, end = week
    st.subheader(f"Top papers of each trend, week of {start}")
    tops = app.top_trend_papers(start, end, per_trend=5)
    if not any(tops.values()):
        st.caption("No tagged papers that week.")
        return
    tabs = st.tabs([labels.get(t, t) for t in tops])
    for tab, (trend, papers) in zip(tabs, tops.items()):
        with tab:
            if not papers:
                st.caption("No paper of this trend that week.")
            for p in papers:
                c_text, c_btn = st.columns([6, 1], vertical_alignment="center")
                c_text.markdown(f"**{safe_inline(p['title'])}**  \n"
                                f":gray[{p['published']} · score {p['score']:.2f} · "
                                f"{safe_inline(', '.join(p['authors'][:3]))}]")
                with c_btn:
                    widgets.open_button(p["id"], key=f"top_{trend}_{p['id']}")


def render() -> None:
    st.title("Trends")
    if app.empty_corpus_notice():
        return
    labels = app.trend_labels()
    c_freq, c_metric, c_window = st.columns(3)
    freq = c_freq.segmented_control("Granularity", list(FREQS), format_func=FREQS.get, default="month", key="freq")
    freq = freq or "month"
    metric = c_metric.segmented_control("Show", list(METRICS), format_func=METRICS.get, default="share",
                                        key="metric") or "share"
    window = c_window.selectbox("Period", list(WINDOWS[freq]), key=f"window_{freq}")
    table = app.trend_table(freq, WINDOWS[freq][window])
    if table.empty or not table["count"].sum():
        st.info("No trend tags yet. Run `trendscope index` (it embeds new papers and tags them by trend).",
                icon=":material/trending_flat:")
        return
    _chart(table, metric, labels)
    periods = sorted(table["period"].unique(), reverse=True)
    latest_full = drop_thin_tail(table)["period"].max()
    period = st.selectbox("Period to compare", periods, index=periods.index(latest_full), key=f"period_{freq}",
                          help="Starts at the latest period with a usual volume of papers; the newest one may "
                               "still be filling up.")
    latest = table[table["period"] == period]
    _movers(latest, labels, period, freq)
    _rising(labels, period, freq)
    _top_papers(labels, period if freq == "week" else None)


if __name__ == "__main__":
    with app.guarded():
        render()
