"""The Search page's landing view, "New for you": the latest papers ranked by what this reader keeps in reading
lists or gave a thumbs up (a linear SVM over their embeddings, as arxiv-sanity does), laid out as search results,
with the reader's thumbs listed and undoable; the newest papers when there is nothing to rank by yet."""
from __future__ import annotations

import streamlit as st

from trendscope.foundation.wording import count
from trendscope.reading.for_you import WINDOW_DAYS
from trendscope.ui.app import state as app
from trendscope.ui.app import trend_state, widgets
from trendscope.ui.app.text import safe_inline, title_text

# how far back "New for you" looks, counted from the newest stored paper: a narrow interest found nothing in 30 days
# and the feed had no way to look further (a blind walkthrough)
FOR_YOU_WINDOWS = {"30 days": WINDOW_DAYS, "3 months": 91, "year": 365}


def for_you_caption(res, span: str = "30 days") -> str:
    """What the ranked feed is: its window (counted back from the newest stored paper, not from today) and the
    reader's interests."""
    loose = f", and {count(res.loose, 'paper')} that fit{'s' if res.loose == 1 else ''} none" if res.loose else ""
    shared = (f" They form {res.interests} groups of related papers{loose}; each group is an interest with its own "
              "ranking and a share of the places in proportion to its papers." if res.interests > 1 else "")
    return (f"The last {span} of your corpus ({res.since} to {res.newest}, its newest paper), ranked by "
            f"the {count(res.kept, 'paper')} you keep in reading lists or gave a thumbs up (a linear SVM over their "
            f"embeddings, as arxiv-sanity does; thumbs down and “not interested” count against).{shared}"
            f"{weak_note(res)}")


def weak_note(res) -> str:
    """How many picks are weaker matches (below the SVM's boundary): a small corpus fills ten places with papers
    about neither interest, each "close to" a kept one (two blind walkthroughs)."""
    if not res.weak:
        return ""
    if res.weak == len(res.picks):
        return (f" None of the {count(res.candidates, 'paper')} of these days is clearly like what you keep: these "
                "are the nearest, all weaker matches.")
    return (f" {res.weak} of these {len(res.picks)} are weaker matches, marked so: the ranking does not take them "
            "for papers like yours (on a blind test about half such picks were on topic, against over 90% of the "
            "others).")


def render_for_you() -> None:
    """The landing view: the latest papers chosen for this reader (until they search)."""
    c_head, c_span = st.columns([3, 1], vertical_alignment="bottom")
    c_head.subheader("New for you")
    span = c_span.selectbox("From the last", list(FOR_YOU_WINDOWS), key="fy_window",
                            help="Counted back from the newest paper stored, not from today.")
    widgets.list_flash()
    res = app.for_you(10, FOR_YOU_WINDOWS[span])
    if res.mode == "svm":
        st.caption(for_you_caption(res, span))
    else:
        where = res.picks[0].reason.split(" (")[0] if res.picks else "new"  # "new in cs.LG, cs.CL"
        if not res.kept:
            st.caption(f"You keep no papers yet, so these are simply the newest ({safe_inline(where)}). Add papers "
                       "to a reading list or give them a thumbs up or down, and this list is ranked by your "
                       "interests.")
        elif not res.candidates:
            st.caption(f"Every paper of the last {safe_inline(span)} is in your lists or turned down already: "
                       "nothing new to rank. A longer span, or the next ingest, brings more.")
        else:
            st.caption(f"These are simply the newest ({safe_inline(where)}): the papers have no embeddings to rank "
                       "them by what you keep yet (`trendscope index`).")
    if not res.picks:
        st.info("No recent papers to show yet.", icon=":material/inbox:")
        return
    held = widgets.memberships([p.arxiv_id for p in res.picks])
    votes = app.reading_lists().feedback()
    tags = trend_state.trend_tags([p.pk for p in res.picks])
    for p in res.picks:  # laid out as a search result's card: chips, Open (they differed: a blind walkthrough)
        with st.container(border=True, key=f"foryou_{p.arxiv_id}"):
            widgets.title_link(p.title, p.arxiv_id)
            st.markdown(widgets.meta_line(p.authors, p.published, p.categories))
            if res.mode == "svm":  # why this paper; the newest need no reason of their own (said once above)
                st.caption(("Weaker match: " if p.weak else "") + safe_inline(p.reason))
            if held.get(p.arxiv_id):
                st.markdown(widgets.list_marks(held[p.arxiv_id]))
            chips = widgets.trend_chips(tags.get(p.pk, []))
            if chips:
                st.markdown(chips)
            with st.container(horizontal=True, gap="small"):  # as the search cards' row (a narrow-screen walkthrough)
                widgets.open_button(p.arxiv_id, key=f"fyopen_{p.arxiv_id}")
                widgets.add_to_list(p.arxiv_id, key=f"fy_{p.arxiv_id}", holding=held.get(p.arxiv_id, []))
                widgets.source_links(p.arxiv_id)
                widgets.feedback_buttons(p.arxiv_id, votes, key="fyvote")
    _thumbs(votes)


def _thumbs(votes: dict[str, int]) -> None:
    """The papers given a thumb, with an undo each: a thumbed-up paper leaves the feed (it counts as kept) and a
    thumbed-down one too, and no page showed them or took a thumb back (a blind walkthrough)."""
    if not votes:
        return
    up, down = sum(v > 0 for v in votes.values()), sum(v < 0 for v in votes.values())
    with st.expander(f"Your thumbs: {up} up, {down} down (they rank this list; undo any of them here)"):
        papers = app.papers().get_many(list(votes))
        for aid, vote in sorted(votes.items(), key=lambda x: (-x[1], x[0])):
            paper = papers.get(aid)
            c_text, c_undo = st.columns([6, 1], vertical_alignment="center")
            icon = ":material/thumb_up:" if vote > 0 else ":material/thumb_down:"
            c_text.markdown(f"{icon} {safe_inline(title_text(paper.title, 120)) if paper else aid} ({aid})")
            if c_undo.button("Undo", key=f"thumb_undo_{aid}", help="Take this thumb back"):
                app.reading_lists().set_feedback(aid, 0)
                named = f"“{safe_inline(title_text(paper.title, 80))}”" if paper else aid
                st.session_state["list_flash"] = f"Thumb taken back: {named}."
                st.session_state["list_flash_icon"] = icon  # not the bookmark of an add (a blind walkthrough)
                st.rerun()
