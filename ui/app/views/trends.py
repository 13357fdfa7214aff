"""Trends page: the eight trends over time (count or share, by week, month or quarter; weekly lines pooled over 4
weeks), what is growing and cooling, rising topics, and the top papers of each trend in the chosen period."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.text import authors_as_prose
from trendscope.foundation.wording import count
from trendscope.index.period_coverage import drop_thin_tail, pooled, with_empty_periods
from trendscope.index.trend_chart import trend_styles
from trendscope.index.trends_over_time import drop_incomplete_tail, period_start, periods_between
from trendscope.ui.app import digest_view as dg
from trendscope.ui.app import rising_view, trend_state, widgets
from trendscope.ui.app import state as app
from trendscope.ui.app.rising_view import TOOLTIP_FORMATS, period_label
from trendscope.ui.app.text import literal_inline, safe_inline

FREQS = {"week": "Weekly", "month": "Monthly", "quarter": "Quarterly"}
METRICS = {"count": "Papers", "share": "Share of all papers"}
WINDOWS = {"week": {"6 months": 26, "1 year": 52, "2 years": 104, "all": None},
           "month": {"1 year": 12, "2 years": 24, "5 years": 60, "all": None},
           "quarter": {"2 years": 8, "5 years": 20, "all": None}}


AXIS_FORMATS = {"week": "%d %b %Y", "month": "%b %Y", "quarter": "%Y-Q%q"}

# Okabe-Ito's colour-blind-safe qualitative palette (8 colours; black swapped for a grey that reads on dark themes)
WEEKS_POOLED = 4
NOISE_GROWTH = 0.25  # a change under 25% is no direction whatever the score ...
STEADY_GROWTH = 0.10  # ... and "steady" only under 10% ("● steady" beside -18 %: a blind walkthrough)
MIN_DIRECTION_PAPERS = 5  # papers of a trend in a period below which no direction is read into its change
LEGEND_COLUMNS = 1  # the long trend names, uncut, one a line: two side by side ran off a phone's screen, half the
# lines unnamed (a narrow-screen walkthrough), as 4 did on a laptop


def _direction(z: float | None, growth: float | None, papers: int | None = None) -> str:
    """The emerging score (> 2 emerging, < -2 cooling) read together with the growth, so the words never
    contradict the number: a large change the score does not support is "up"/"down (noisy)". Under
    MIN_DIRECTION_PAPERS papers in the period nothing is read into it ("Continual learning ▲ growing +4533 %" on
    2 papers: a blind walkthrough)."""
    if z is None or pd.isna(z):
        return "—"
    if papers is not None and not pd.isna(papers) and papers < MIN_DIRECTION_PAPERS:
        return "· too few papers"
    g = 0.0 if growth is None or pd.isna(growth) else float(growth)
    if z > 2 and g > 0:
        return "▲ growing"
    if z < -2 and g < 0:
        return "▼ cooling"
    if g >= NOISE_GROWTH:
        return "△ up (noisy)"
    if g <= -NOISE_GROWTH:
        return "▽ down (noisy)"
    return "● steady" if abs(g) < STEADY_GROWTH else "● within the noise"


def chart_frame(table: pd.DataFrame, metric: str, freq: str, labels: dict[str, str],
                thin: tuple[str, ...] = ()) -> pd.DataFrame:
    """The long (period, trend label, value) frame the chart draws; weekly values pooled over 4 weeks. `papers` is
    the period's papers (the tooltip's), `few` marks the periods of `thin` (drawn hollow), `alone` a value between
    two gaps (a line cannot draw it: a quarter between empty ones vanished from the chart, a blind walkthrough)."""
    if freq == "week":  # pooled over calendar weeks, as the PNG pools them: four empty weeks are a gap
        table = pooled(with_empty_periods(table, freq), WEEKS_POOLED)
    frame = pd.DataFrame({
        "period": pd.to_datetime(table["period"]),
        "trend": table["trend"].map(lambda t: labels.get(t, t)),
        "value": table[metric] * (100 if metric == "share" else 1),
        "papers": table["total"] if "total" in table else float("nan"),
    })
    if not frame.empty:  # a period without papers is a gap (NaN breaks the line), not a straight line across it
        # (weeks too: ten empty weeks were bridged by one line while the note said the lines skip them, a walkthrough)
        months = pd.date_range(frame["period"].min(), frame["period"].max(),
                               freq={"week": "W-MON", "month": "MS"}.get(freq, "QS"))
        full = pd.MultiIndex.from_product([sorted(frame["trend"].unique()), months], names=["trend", "period"])
        frame = frame.set_index(["trend", "period"]).reindex(full).reset_index()
    frame = frame.sort_values(["trend", "period"], ignore_index=True)
    frame["few"] = frame["period"].isin(pd.to_datetime(list(thin))) & frame["value"].notna()
    by_trend = frame.groupby("trend")["value"]
    frame["alone"] = frame["value"].notna() & by_trend.shift(1).isna() & by_trend.shift(-1).isna()
    return frame


def period_ticks(periods: int, freq: str) -> dict:
    """Ticks on whole periods, at most about 12: over a few months Vega put ticks at half months, and the axis read
    "Dec 2025, Dec 2025, Jan 2026, Jan 2026" (a blind walkthrough)."""
    step = max(1, -(-periods // 12))
    if freq == "week":
        return {"interval": "week", "step": step}
    return {"interval": "month", "step": step * (3 if freq == "quarter" else 1)}


def _chart(table: pd.DataFrame, metric: str, freq: str, labels: dict[str, str], thin: tuple[str, ...] = ()) -> None:
    frame = chart_frame(table, metric, freq, labels, thin)
    order = [labels.get(t, t) for t in app.trend_names()]
    order += sorted(set(frame["trend"]) - set(order))
    order = [t for t in order if t in set(frame["trend"])]  # the legend names the trends drawn (each its own colour)
    unit = "% of all papers" if metric == "share" else "papers"
    if freq == "week":
        unit += f" ({WEEKS_POOLED}-week average)"
    styles = trend_styles([*app.trend_names(), *sorted(set(table["trend"]) - set(app.trend_names()))])
    by_label = {labels.get(t, t): style for t, style in styles.items()}
    line = alt.Chart().mark_line(strokeWidth=2).encode(strokeDash=alt.StrokeDash(
        "trend:N", title=None, sort=order,
        scale=alt.Scale(domain=order, range=[[6, 3] if by_label.get(t, ("", True))[1] else [1, 0] for t in order])))
    # a period holding few papers hollow (a 19-paper quarter was the chart's biggest feature, drawn as any other);
    # a value between two gaps as a dot
    few = alt.Chart().mark_point(filled=False, size=80, strokeWidth=2).transform_filter("datum.few")
    alone = alt.Chart().mark_point(filled=True, size=30).transform_filter("datum.alone && !datum.few")
    chart = alt.layer(line, few, alone, data=frame).encode(
        # every tick says its year ("Jan 2026"): by default only January did, as "2026", beside bare month names
        # weekly ticks fall several to a month: "Jan 2026, Jan 2026, Feb 2026" read as repeats, so they say the day
        x=alt.X("period:T", title=None,
                axis=alt.Axis(format=AXIS_FORMATS[freq], labelOverlap=True,
                              tickCount=period_ticks(frame["period"].nunique(), freq))),
        y=alt.Y("value:Q", title=unit, axis=alt.Axis(labelBaseline="middle")),
        color=alt.Color("trend:N", title=None, sort=order,
                        scale=alt.Scale(domain=order, range=[by_label.get(t, ("#999999", True))[0] for t in order]),
                        legend=alt.Legend(orient="bottom", columns=LEGEND_COLUMNS, labelLimit=0,
                                           symbolStrokeWidth=4)),
        tooltip=[alt.Tooltip("trend:N", title="Trend"),
                 alt.Tooltip("period:T", title="Period", format=TOOLTIP_FORMATS[freq]),
                 alt.Tooltip("value:Q", title=unit, format=".1f"),
                 alt.Tooltip("papers:Q", title="Papers that period", format=",.0f")],
    ).properties(height=380)
    st.altair_chart(chart, width="stretch")


def _movers(latest: pd.DataFrame, labels: dict[str, str], period: str, freq: str) -> None:
    st.subheader(f"Growing and cooling, {period_label(period, freq)}")
    frame = latest.assign(
        trend=latest["trend"].map(lambda t: labels.get(t, t)),
        direction=[_direction(z, g, n) for z, g, n in zip(latest["emerging_score"], latest["growth"],
                                                          latest["count"])],
        # rounded as shown: a screen reader read the grid's cells unformatted, "17.150000000000002" beside the
        # screen's "+17 %" (an accessibility walkthrough)
        share=(latest["share"] * 100).round(1),
        growth=(latest["growth"] * 100).round(0),
        emerging_score=latest["emerging_score"].round(2),
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
    _follow_trend(labels)


def _follow_trend(labels: dict[str, str]) -> None:
    """Follow one whole trend as a weekly digest, from here (only rising topics could be followed here, a whole
    trend only from the Digests page's form: a blind walkthrough)."""
    flash = st.session_state.pop("trend_follow_flash", None)
    if flash:
        st.success(flash)
    c_pick, c_go, _ = st.columns([2, 1, 2], vertical_alignment="bottom")
    trend = c_pick.selectbox("Follow a trend weekly", list(labels), format_func=labels.get, key="follow_trend_pick")
    if dg.follows_trend(trend):
        c_go.button("Following", key="follow_trend_go", icon=":material/check:", disabled=True,
                    help="You follow this trend: its digest is on the Digests page")
        return
    if c_go.button("Follow", key="follow_trend_go", icon=":material/add_alert:",
                   help="A weekly digest of the trend's papers (Digests page)"):
        try:
            sub = dg.follow_trend(trend, labels[trend])
        except TrendscopeError as exc:
            st.error(safe_inline(str(exc)))
            return
        st.session_state["trend_follow_flash"] = (f"Following **{safe_inline(labels[trend])}**: the subscription "
                                                  f"“{literal_inline(sub.name)}” lists its papers, "
                                                  f"{dg.delivery_note(sub)}.")
        st.rerun()


def _window_holding(freq: str, period: str, current: str) -> str:
    """`current`, or the first longer range of the chart that holds `period` ("all" at the latest)."""
    names = list(WINDOWS[freq])
    for name in names[names.index(current):] if current in names else names:
        start = trend_state.window_start(freq, WINDOWS[freq][name])
        if start is None or period >= period_start(start, freq):
            return name
    return current


def _period_note(period: str, latest_full: str, thin: dict[str, int]) -> str:
    """How the period picker marks a period: the one the chart leaves out as still filling up was offered as
    "(few papers)" beside the chart's "still filling up" (a blind walkthrough)."""
    if period > latest_full:
        return " (still filling up)"
    return " (few papers)" if period in thin else ""


def _month_bounds(period: str, months: int = 1) -> tuple[str, str]:
    """(first day, last day) of the month (or the `months` months) starting at `period`."""
    first = date.fromisoformat(period[:7] + "-01")
    nxt = first
    for _ in range(months):
        nxt = (nxt + timedelta(days=32)).replace(day=1)
    return first.isoformat(), (nxt - timedelta(days=1)).isoformat()


def _top_papers(labels: dict[str, str], period: str, freq: str) -> None:
    start, end = (trend_state.week_bounds(period) if freq == "week"
                  else _month_bounds(period, 3 if freq == "quarter" else 1))
    what = freq
    st.subheader(f"Top papers of each trend, {period_label(period, freq)}")
    tops = trend_state.top_trend_papers(start, end, per_trend=5)
    if not any(tops.values()):
        st.caption(f"No tagged papers that {what}.")
        return
    tabs = st.tabs([labels.get(t, t) for t in tops])
    for tab, (trend, papers) in zip(tabs, tops.items()):
        with tab:
            if not papers:
                st.caption(f"No paper of this trend that {what}.")
            for p in papers:
                c_text, c_btn = st.columns([6, 1], vertical_alignment="center")
                with c_text:
                    widgets.title_link(p["title"], p["id"])
                    who = safe_inline(", ".join(authors_as_prose(p["authors"][:3])))
                    st.markdown(f":gray[{' · '.join(x for x in (p['published'], who) if x)}]")
                with c_btn:
                    widgets.open_button(p["id"], key=f"top_{trend}_{p['id']}")


@dataclass(frozen=True)
class _View:
    """What the page is asked to show: the granularity, the metric, the chart's range, the period the address names
    (None: none), and whether this granularity's range is shown for the first time in this session."""

    freq: str
    metric: str
    window: str
    asked_period: str | None
    first_view: bool


def render() -> None:
    for stray in ("id", "passage"):  # the reader's: Back from a paper opened here kept `?id=` (a walkthrough)
        if stray in st.query_params:
            del st.query_params[stray]
    st.title("Trends")
    if app.empty_corpus_notice():
        return
    labels = app.trend_labels()
    view = _pick_view()
    freq = view.freq
    table = trend_state.trend_table(freq, WINDOWS[freq][view.window])
    if table.empty or not table["count"].sum():
        st.info("No trend tags yet. Run `trendscope index` (it embeds new papers and tags them by trend).",
                icon=":material/trending_flat:")
        return
    for stale in trend_state.outdated_tag_lines():
        # only the Status page said so, while the counts and topics here came from those tags (a blind walkthrough)
        st.caption(f":material/info: {safe_inline(stale[0].upper() + stale[1:])}; the counts and rising topics "
                   "below are of the tags as they are until then.")
    complete = drop_incomplete_tail(drop_thin_tail(table), freq, app.summary()["last"])
    if complete["period"].max() < table["period"].max():
        st.caption(f"Left out of the chart: {period_label(table['period'].max(), freq)}, still filling up (the "
                   f"newest paper is from {app.summary()['last'][:10]}).")
    thin, latest_full = _chart_section(table, complete, view.metric, freq, labels)
    period = _pick_period(table, view, latest_full, thin)
    st.query_params.update({"freq": freq, "window": view.window, "period": period})
    latest = table[table["period"] == period]
    _movers(latest, labels, period, freq)
    rising_view.render(labels, period, freq)
    _top_papers(labels, period, freq)


def _pick_view() -> _View:
    """The granularity, metric and range controls, started from the address's view where it holds one."""
    # the address holds the view (`?freq=quarter&window=5+years&period=2025-07-01`): Back from a paper opened here
    # lost the quarterly view, its period and its quarter (a blind walkthrough); a widget's own state wins over it
    asked = {k: st.query_params.get(k) for k in ("freq", "window", "period")}
    if asked["freq"] is not None and asked["freq"] not in FREQS:
        st.caption(f":material/info: The address's freq={literal_inline(asked['freq'][:20])} is none of "
                   f"{', '.join(FREQS)}: the monthly view is shown.")
    # one row that wraps: in three columns of a laptop window "Show" lay over "Quarterly" and "Papers" (a
    # narrow-screen walkthrough)
    c_freq = c_metric = c_window = st.container(horizontal=True, gap="medium", vertical_alignment="bottom")
    freq = c_freq.segmented_control("Granularity", list(FREQS), format_func=FREQS.get, key="freq",
                                    default=asked["freq"] if asked["freq"] in FREQS else "month")
    freq = freq or "month"
    metric = c_metric.segmented_control("Show", list(METRICS), format_func=METRICS.get, default="share",
                                        key="metric") or "share"
    chosen = st.session_state.setdefault("trend_windows", {})  # granularity -> period label, and "last"
    first_view = _restore_window(freq, chosen, asked["window"], asked["period"])
    window = c_window.selectbox("Period", list(WINDOWS[freq]), key=f"window_{freq}", width=180)
    chosen.update({freq: window, "last": window, "freq": freq})
    return _View(freq, metric, window, asked["period"], first_view)


def _restore_window(freq: str, chosen: dict, asked_window: str | None, asked_period: str | None) -> bool:
    """Set the range control of `freq` before it is drawn, from the address or the ranges `chosen` before; True
    when this granularity's range was not shown yet in this session."""
    # the period chosen carries over to the other granularity where it has the same one, else that granularity's
    # own last choice ("Weekly" silently turned "1 year" into "6 months": a blind walkthrough)
    first_view = f"window_{freq}" not in st.session_state
    if f"window_{freq}" not in st.session_state and asked_window in WINDOWS[freq]:
        st.session_state[f"window_{freq}"] = asked_window
    elif chosen.get("freq") not in (None, freq):
        wanted = chosen.get("last") if chosen.get("last") in WINDOWS[freq] else chosen.get(freq)
        if wanted in WINDOWS[freq]:
            st.session_state[f"window_{freq}"] = wanted
    if first_view and asked_period:  # a linked period older than the range: the range widened to hold it (it
        # was replaced by the latest period without a word: a walkthrough following rising topics)
        current = st.session_state.get(f"window_{freq}", next(iter(WINDOWS[freq])))
        st.session_state[f"window_{freq}"] = _window_holding(freq, asked_period, current)
    return first_view


def _chart_section(table: pd.DataFrame, complete: pd.DataFrame, metric: str, freq: str,
                   labels: dict[str, str]) -> tuple[dict[str, int], str]:
    """The chart of the complete periods (`complete`), the trends in it picked here, and its notes; returns the
    thin periods (period -> papers) and the latest complete period."""
    # eight overlapping lines over years could not go on a slide (a blind walkthrough): the chart draws the trends
    # picked here, the tables below keep every trend
    names = [t for t in app.trend_names() if t in set(complete["trend"])]
    names += sorted(set(complete["trend"]) - set(names))
    shown = st.multiselect("Trends in the chart", names, default=names, format_func=lambda t: labels.get(t, t),
                           key="chart_trends", help="The chart draws these; the tables below keep every trend.")
    if metric == "count":  # counts follow how many papers the corpus holds each period (a blind walkthrough)
        st.caption(":material/info: Counts follow how many papers the corpus holds in each period (its sources "
                   "and their volume change): compare shares across periods, counts within one.")
    thin, latest_full = trend_state.thin_periods(table, freq), complete["period"].max()
    _chart(complete[complete["trend"].isin(shown or names)], metric, freq, labels, tuple(thin))
    _chart_notes(complete, freq, thin, latest_full)
    return thin, latest_full


def _chart_notes(complete: pd.DataFrame, freq: str, thin: dict[str, int], latest_full: str) -> None:
    """Under the chart: its periods with few papers, the periods without any, and the months whose mix of
    categories differs from the year before."""
    if few := [f"{period_label(p, freq)} ({count(n, 'paper')})" for p, n in sorted(thin.items()) if p <= latest_full]:
        st.caption(":material/info: Few papers in " + ", ".join(few) + " (hollow points): under a quarter of the "
                   "papers of the periods around them, so their shares and growth swing with a handful of papers.")
    held = sorted(complete["period"].unique())
    if len(held) > 1 and (empty := sorted(set(periods_between(held[0], held[-1], freq)) - set(held))):
        st.caption(":material/info: No stored paper was published in " + ", ".join(period_label(p, freq)
                   for p in empty) + ": the chart's lines skip " + ("it." if len(empty) == 1 else "them."))
    shifts = trend_state.mix_shifts(complete["period"].min())
    if shifts:  # cs.CV from 4% to 61% of the papers made "Vision Transformers" rise in efficiency (a walkthrough)
        # "of the chart": "In this month" under the chart read as the month picked below it (a blind walkthrough)
        where = "these months of the chart" if len(shifts) > 1 else "one month of the chart"
        st.caption(f":material/info: In {where}"
                   + " the corpus holds a very different mix of categories than the "
                   "year before, and trend shares move with it (rising topics are listed only when they rise "
                   "within the same categories too): "
                   # each month named as the page names months ("2025-07" beside "June 2026": a walkthrough),
                   # and each one: "(and 3 earlier)" hid 2025-03
                   + "; ".join(safe_inline(m.text(period_label(m.month + "-01", "month"))) for m in shifts) + ".")


def _pick_period(table: pd.DataFrame, view: _View, latest_full: str, thin: dict[str, int]) -> str:
    """The period the tables below compare: the address's, else the latest complete one."""
    freq = view.freq
    periods = sorted(table["period"].unique(), reverse=True)
    first = view.asked_period if view.asked_period in periods else latest_full
    if view.first_view and view.asked_period and view.asked_period not in periods:
        st.caption(f":material/info: The address's period={literal_inline(view.asked_period[:20])} is no "
                   f"{FREQS[freq].lower()} period holding papers: the latest is shown.")
    period = st.selectbox("Period to compare", periods, index=periods.index(first), key=f"period_{freq}",
                          format_func=lambda p: period_label(p, freq) + _period_note(p, latest_full, thin),
                          help="The periods of the chart's range (“Period” above: a longer range offers older "
                               "ones). Starts at the latest period with a usual volume of papers; a newer one is "
                               "still filling up.")
    if period > latest_full:  # the chart leaves it out; its table and topics are of the papers so far
        st.caption(f":material/info: {period_label(period, freq)} is still filling up (the newest paper is from "
                   f"{app.summary()['last'][:10]}): its counts, shares and growth are of its papers so far.")
    return period


if __name__ == "__main__":
    with app.guarded():
        render()
