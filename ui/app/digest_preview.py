"""The Digests page's preview of one digest: what the mail says, drawn with the app's own safe text helpers.

The digest's Markdown rendition escapes Markdown, but shown through `st.markdown` a bare URL or address in an
abstract became a live link, a `\\href` formula went to KaTeX and `:red[...]` was eaten (a blind walkthrough).
Here every piece of paper text goes through `text.safe_markdown`/`safe_inline`, as on every other page (URLs and
addresses as inline code, unsafe math as text), and the only links are the ones the digest itself gives: the
paper's page in the reader and its arXiv abstract and PDF.
"""
from __future__ import annotations

import streamlit as st

from trendscope.digest import api
from trendscope.ui.app import widgets
from trendscope.ui.app.text import message_inline, safe_inline, safe_markdown


def show(digest) -> None:
    """The digest as a reader of the mail sees it (title, trend summary and chart, papers, what was held back)."""
    title, subtitle, heading, sentences = api.summary(digest)
    st.markdown(f"#### {safe_inline(title)}")
    st.caption(safe_inline(subtitle))
    if sentences:
        st.markdown(f"**{safe_inline(heading)}**")
        st.markdown("\n".join(f"- {safe_inline(s)}" for s in sentences))
        if digest.chart_png:
            # at most its own 600 px, narrower on a phone (a fixed 600 px was cut off at 390: a walkthrough)
            from trendscope.digest.text import chart_text

            st.image(digest.chart_png, caption="Share of each week's papers", width="content",
                     alt=chart_text(digest.lines))
    st.markdown("**Papers**")
    if digest.empty:
        st.caption(message_inline(digest.empty_message))  # its command as code (a stray backtick showed)
    for i, p in enumerate(digest.papers, 1):
        with st.container(border=False, key=f"preview_paper_{i}"):
            widgets.title_link(f"{i}. {p.title}", p.id)
            chips = widgets.trend_chips(p.trends)
            st.markdown(widgets.meta_line(p.authors, p.published, p.categories) + (f"  \n{chips}" if chips else ""))
            if p.match_note:
                st.caption(safe_inline(p.match_note))
            if p.why:
                st.caption(safe_inline(f"why: {p.why}"))
            st.markdown(safe_markdown(p.excerpt))
            widgets.source_links(p.id)
    if digest.held_back_message:
        st.caption(safe_inline(digest.held_back_message))
    if digest.less_sure:
        st.markdown(f"**{safe_inline(digest.less_sure_heading)}**")
        for i, p in enumerate(digest.less_sure, 1):
            with st.container(border=False, key=f"preview_less_sure_{i}"):
                widgets.title_link(p.title, p.id)
                st.caption(safe_inline(api.likely(p) + (f"; why: {p.why}" if p.why else "")))
