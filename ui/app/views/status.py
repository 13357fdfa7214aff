"""Status page: corpus counts, papers per day, the ingest ledger (last runs and their errors), index health, model."""
from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from trendscope.foundation.wording import count, short_urls
from trendscope.ui.app import state as app
from trendscope.ui.app.text import safe_inline

STALE_DAYS = 7  # data older than this (newest paper) is called out


def _corpus(summary: dict) -> None:
    # metrics as wide as their figures, wrapping (four columns cut the dates to "2015-…" in a laptop window, the
    # data's age hidden: a narrow-screen walkthrough)
    c1 = c2 = c3 = c4 = st.container(horizontal=True, gap="large")
    c1.metric("Papers", f"{summary['papers']:,}", width="content")
    c2.metric("First published", summary["first"] or "—", width="content")
    c3.metric("Last published", summary["last"] or "—", width="content")
    c4.metric("Categories", f"{len(summary['categories']):,}", width="content")
    if summary["categories"]:
        top = pd.DataFrame(summary["categories"][:15], columns=["category", "papers"])
        st.bar_chart(top, x="category", y="papers", horizontal=True, sort="-papers", height=380)


def _per_day(summary: dict) -> None:
    st.subheader("Papers per day")
    if not summary["last"]:
        st.caption("No papers yet.")
        return
    days = st.selectbox("Period", [30, 90, 365], format_func=lambda d: f"last {d} days of data", key="days")
    since = (date.fromisoformat(summary["last"][:10]) - timedelta(days=days)).isoformat()
    rows = app.papers().papers_per_day(since)
    if not rows:
        st.caption("No papers in that period.")
        return
    frame = pd.DataFrame(rows, columns=["published", "papers"])
    frame["published"] = pd.to_datetime(frame["published"], errors="coerce")
    frame = frame.dropna()
    # ticks on whole days: with two days of data the axis read in hours ("02 AM ... 10 PM", a blind walkthrough)
    span = max(1, (frame["published"].max() - frame["published"].min()).days + 1) if len(frame) else 1
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("published:T", title=None, axis=alt.Axis(
            format="%d %b", labelOverlap=True, tickCount={"interval": "day", "step": max(1, -(-span // 10))})),
        y=alt.Y("papers:Q", title="papers"),
        tooltip=[alt.Tooltip("published:T", title="Day", format="%Y-%m-%d"), alt.Tooltip("papers:Q", title="Papers")],
    ).properties(height=220)
    st.altair_chart(chart, width="stretch")


def _ledger() -> None:
    st.subheader("Ingest runs")
    runs = app.ingest_runs(limit=20)
    if not runs:
        st.caption(f"No ingest run recorded yet. {app.INGEST_HINT}")
        return
    frame = pd.DataFrame([{
        "run": r.run_id, "source": r.source, "outcome": r.outcome,
        "started": _when(r.started_at), "ended": _when(r.ended_at),
        "window": f"{r.window_start} → {r.window_end}" if r.window_start or r.window_end else "",
        "seen": r.seen, "new": r.new, "updated": r.updated, "unchanged": r.skipped, "errors": r.errors,
        "pages": r.pages,
    } for r in runs])
    st.dataframe(frame, hide_index=True, width="stretch")
    failing = [r for r in runs if r.error_messages]
    for r in failing[:5]:
        with st.expander(f"Run {r.run_id} ({r.source}, {r.outcome}): {count(r.errors, 'error')}",
                         icon=":material/error:"):
            st.markdown("\n".join(f"- {safe_inline(m)}" for m in r.error_messages[:20]))


def _freshness(summary: dict) -> None:
    """How old the data is and everything `trendscope status` lists as stale, at the top of the page."""
    st.subheader("Freshness")
    age = app.data_age_days()
    if age is not None:
        text = f"The newest paper was published on {summary['last'][:10]}, {count(age, 'day')} ago."
        if age > STALE_DAYS:
            st.warning(text + " Fetch the latest papers with `trendscope ingest` (or set up `trendscope schedule`).",
                       icon=":material/schedule:")
        else:
            st.caption(text)
    stale = app.stale_items()
    if age is not None and age > STALE_DAYS:  # said just above: two warnings said it twice (a blind walkthrough)
        stale = [i for i in stale if not i.startswith("the newest paper was published")]
    if not app.actor().admin:  # the settings' files, paths and secrets are the admin's (a blind lab-admin
        settings = [i for i in stale if i.startswith("settings: ")]  # walkthrough: every user read them)
        stale = [i for i in stale if not i.startswith("settings: ")]
        if settings:
            stale.append(f"{count(len(settings), 'setting')} of this server need{'s' if len(settings) == 1 else ''} "
                         "the administrator's attention.")
    for item in stale:
        st.warning(safe_inline(short_urls(item)), icon=":material/warning:")
    for item in app.status_notes():
        st.info(safe_inline(short_urls(item)), icon=":material/info:")
    if not stale and (age is None or age <= STALE_DAYS):
        st.success("Nothing is stale: papers are recent and every paper is indexed.", icon=":material/check_circle:")


def _index() -> None:
    st.subheader("Search index and model")
    health = app.index_health()
    if not health:
        st.caption("No index information yet: run `trendscope index`.")
        return
    ok = health.pop("ok", None)
    if ok is True:
        st.success("Every stored paper is embedded and in the search index.", icon=":material/check_circle:")
    elif ok is False:
        st.warning(health.pop("problem", "The index needs `trendscope index`."), icon=":material/warning:")
    # counts read "6,000" as on the rest of the page ("papers 6000" stood beside "6,000 vectors": a walkthrough)
    st.dataframe(pd.DataFrame([(k, f"{v:,}" if isinstance(v, int) else str(v)) for k, v in health.items()],
                              columns=["what", "value"]), hide_index=True, width="stretch")


def render() -> None:
    st.title("Status")
    if app.actor().admin:  # where the server keeps its data is the admin's
        st.caption(f"Data home: `{app.home().root}`")
    summary = app.summary()
    if app.empty_corpus_notice():
        _ledger()
        return
    _freshness(summary)
    _corpus(summary)
    _per_day(summary)
    _ledger()
    _index()


def _when(stamp: str | None) -> str:
    """"2026-12-03T16:06:49Z" -> "2026-12-03 16:06" (UTC), as the index's build time is shown."""
    return (stamp or "")[:16].replace("T", " ")


if __name__ == "__main__":
    with app.guarded():
        render()
