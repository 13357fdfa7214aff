"""Paper page (the reader): abstract with LaTeX, metadata, arXiv links, trends with evidence, the full text
(`reader_view`: sections, notes on passages, references), similar papers, reading lists with note and status.
The paper comes from `?id=ARXIVID` (or the session's last opened paper)."""
from __future__ import annotations

import streamlit as st

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.latex_math import readable_latex
from trendscope.foundation.text import AUTHORS_SHOWN, authors_as_prose, authors_shortened
from trendscope.ingest.records import BadArxivId, abs_url, html_url, parse_arxiv_id, pdf_url
from trendscope.ui.app import fulltext_state, reader_view, trend_state, widgets
from trendscope.ui.app import state as app
from trendscope.ui.app.text import evidence_sentence, literal_inline, message_inline, safe_inline, safe_markdown

STATUS_ICONS = {"unread": ":material/radio_button_unchecked:", "reading": ":material/auto_stories:",
                "read": ":material/check_circle:"}


def _current_id() -> str | None:
    raw = st.query_params.get("id") or st.session_state.get("paper_id")
    if not raw:
        return None
    try:
        arxiv_id, _ = parse_arxiv_id(str(raw))
    except BadArxivId:
        st.warning(f"“{safe_inline(_shown(str(raw)))}” is not an arXiv id or URL (try e.g. 2106.09685).")
        return None
    st.session_state["paper_id"] = arxiv_id
    return arxiv_id


def _shown(raw: str, width: int = 80) -> str:
    """What was typed, cut for a message (5,000 characters were echoed in full)."""
    return raw if len(raw) <= width else raw[: width - 1] + "…"


def _picker() -> None:
    with st.form("open_form", border=False):
        c_in, c_go = st.columns([5, 1], vertical_alignment="bottom")
        raw = c_in.text_input("Open a paper", key="open_id", placeholder="arXiv id or URL, e.g. 2106.09685")
        if c_go.form_submit_button("Open", width="stretch"):
            try:
                arxiv_id, _ = parse_arxiv_id(raw or "")
            except BadArxivId:
                st.warning(f"“{safe_inline(_shown(raw or ''))}” is not an arXiv id or URL (try e.g. 2106.09685).")
                return
            widgets.open_paper(arxiv_id)


def _links(arxiv_id: str) -> None:
    # a row of buttons as wide as their labels (columns cut them to "ar…", "HT…" in a laptop window: a
    # narrow-screen walkthrough)
    c1 = c2 = c3 = st.container(horizontal=True, gap="small")
    c1.link_button("arXiv abstract", abs_url(arxiv_id), icon=":material/open_in_new:")
    c2.link_button("PDF", pdf_url(arxiv_id), icon=":material/picture_as_pdf:")
    c3.link_button("HTML", html_url(arxiv_id), icon=":material/html:")


def _metadata(paper, imported_authors: list[str]) -> None:
    """The paper's record; authors an import into one of the user's lists gave, where the record has none."""
    names = authors_as_prose(paper.authors)
    authors = safe_inline(authors_shortened(names)) or (
        safe_inline(", ".join(authors_as_prose(imported_authors))) + " *(from your reading-list import)*"
        if imported_authors else "*unknown*")
    rows = [
        ("arXiv", f"`{paper.id}`" + (f" (v{paper.version})" if paper.version else "")),
        ("Authors", authors),
        ("Published", paper.published or "unknown"),
        # the version is in the arXiv row, and a field the source did not give is left out: "Version: —" on every
        # paper of a snapshot import read as missing data (a blind walkthrough)
        *([("Updated", paper.updated)] if paper.updated and paper.updated != paper.published else []),
        ("Categories", " ".join(f"`{c}`" for c in paper.categories if c.replace(".", "").replace("-", "").isalnum())),
    ]
    for label, value in (("DOI", paper.doi), ("Journal", paper.journal_ref), ("Comment", paper.comment)):
        if value:
            rows.append((label, safe_inline(value)))
    st.markdown("\n".join(f"- **{label}:** {value}" for label, value in rows))
    if len(names) > AUTHORS_SHOWN:
        with st.expander(f"All {len(names):,} authors"):
            st.markdown(safe_inline(", ".join(names)))


def _trends(arxiv_id: str, pk: int) -> None:
    st.subheader("Trends")
    tags = trend_state.paper_trend_details(pk)
    hand = trend_state.tag_corrections(arxiv_id)
    labels = app.trend_labels()
    if not tags:
        st.caption("None of the trends: corrected by hand." if hand else
                   "About none of the trends, by the tagger's rules and model." if trend_state.is_tagged(pk)
                   else "Not tagged yet: the next `trendscope index` tags it.")
    if tags and trend_state.tags_outdated(pk):  # the old abstract's evidence was shown as this one's (a walkthrough)
        st.caption(":material/info: Tagged from an earlier version of its title and abstract; the next "
                   "`trendscope index` tags it again.")
    for tag in tags:
        with st.expander(f"{labels.get(tag['trend'], tag['trend'])} · score {tag['score']:.2f}", expanded=True):
            st.progress(min(max(float(tag["score"]), 0.0), 1.0))
            if tag["evidence"]:
                st.markdown("\n".join(f"- {evidence_sentence(e)}" for e in tag["evidence"]))
            else:
                st.caption("No evidence recorded.")
    for c in hand:
        if not c.present:  # a tag gone without a word read as the tagger's miss
            st.caption(f"Not {safe_inline(labels.get(c.trend, c.trend))}: taken away by hand by "
                       f"{safe_inline(c.by)} on {c.at[:10]}.")
    if app.actor().admin and trend_state.is_tagged(pk):
        _correct_tags(arxiv_id, [t["trend"] for t in tags], bool(hand), labels)


def _correct_tags(arxiv_id: str, current: list[str], corrected: bool, labels: dict[str, str]) -> None:
    """An admin's correction of the paper's trends (every user's digests and trend counts follow it)."""
    with st.expander("Correct these trends", icon=":material/edit:"):
        names = list(labels)
        wanted = st.multiselect("This paper's trends", names, default=[t for t in current if t in labels],
                                format_func=lambda t: labels.get(t, t), key=f"tag_fix_{arxiv_id}")
        st.caption("A correction wins over the tagger from now on, for every user (digests, trend counts, rising "
                   "topics). `trendscope correct-tags --export` turns the corrections into labels to re-train on.")
        save, reset = st.columns(2)
        if save.button("Save the trends", key=f"tag_fix_save_{arxiv_id}", disabled=sorted(wanted) == sorted(current)):
            st.session_state["tag_fix_done"] = trend_state.correct_tags(
                arxiv_id, add=sorted(set(wanted) - set(current)), remove=sorted(set(current) - set(wanted)))
            st.rerun()
        if corrected and reset.button("Let the tagger decide again", key=f"tag_fix_reset_{arxiv_id}"):
            st.session_state["tag_fix_done"] = trend_state.reset_tags(arxiv_id)
            st.rerun()
    done = st.session_state.pop("tag_fix_done", None)
    if done is not None:
        now = ", ".join(labels.get(t, t) for t in done.tags_after) or "none"
        by = "the tagger's again" if done.forgotten else "corrected by hand"
        st.success(f"Saved: its trends now, {by}: {safe_inline(now)}.", icon=":material/check:")


def _similar(arxiv_id: str) -> None:
    st.subheader("Similar papers")
    try:
        hits = app.similar(arxiv_id, limit=8)
    except TrendscopeError as exc:
        st.caption(f"No similar papers: {message_inline(str(exc))}")
        return
    if not hits:
        st.caption("No similar papers (the paper may not be indexed yet: run `trendscope index`).")
        return
    for hit in hits:
        with st.container(border=True, key=f"similar_{hit.id}"):
            who = (safe_inline(", ".join(authors_as_prose(hit.authors[:3])))
                   + (" et al\\." if len(hit.authors) > 3 else ""))
            widgets.title_link(hit.title, hit.id)
            st.markdown(f":gray[{' · '.join(x for x in (hit.published or 'undated', who) if x)}]")
            widgets.open_button(hit.id, key=f"sim_{hit.id}")


def _lists(arxiv_id: str) -> None:
    st.subheader("Reading lists")
    widgets.list_flash()
    rl = app.reading_lists()
    memberships = _memberships(arxiv_id)
    if not memberships:
        st.caption("Not in any reading list yet.")
    saved = st.session_state.pop("paper_status_saved", None)  # (list, paper, status) the last run saved
    for name, read_only, item in memberships:
        with st.container(border=True, key=widgets.item_key("member", name, arxiv_id, "")):
            st.markdown(f"**{literal_inline(name)}** · added {item.added[:10]}"
                        + (" · shared with you read-only" if read_only else ""))
            # the status is saved when it is picked, as on the Reading lists page (inside the note's form it was
            # lost unless Save was pressed too, with nothing to say so)
            # keys per list, paper and stored value: a key per list alone carried one paper's status and note
            # over to the next paper opened, and wrote them there
            status_key = widgets.item_key("status", name, arxiv_id, item.status)
            status = st.segmented_control(
                "Status", ["unread", "reading", "read"], default=item.status, key=status_key,
                format_func=lambda s: s.capitalize(), disabled=read_only)
            if status and status != item.status:
                try:
                    rl.set_status(name, [arxiv_id], status)
                except TrendscopeError as exc:
                    st.error(safe_inline(str(exc)))
                else:
                    del st.session_state[status_key]
                    st.session_state["paper_status_saved"] = (name, arxiv_id, status)
                    st.rerun()
            if saved and saved[:2] == (name, arxiv_id):
                st.caption(f"Status saved: {saved[2]}.")
            note_key = widgets.item_key("note", name, arxiv_id, item.note or "")
            with st.form(widgets.item_key("item_form", name, arxiv_id, ""), border=False):
                note = st.text_area("Note", value=item.note or "", key=note_key, height=80, disabled=read_only)
                if st.form_submit_button("Save list note", icon=":material/save:", disabled=read_only):
                    try:
                        if (note or "") != (item.note or ""):
                            rl.set_note(name, arxiv_id, note or "")
                    except TrendscopeError as exc:
                        st.error(safe_inline(str(exc)))
                    else:
                        st.success("Saved.")
    widgets.add_to_list(arxiv_id, key="paper_add")


def _not_in_corpus(arxiv_id: str, read: bool = False) -> None:
    if read:  # its PDF is read below: a yellow "not in your corpus yet" above it read as an error (a walkthrough)
        st.info(f"Read from its PDF; {arxiv_id} is not in your corpus, so it has no abstract, tags or similar papers "
                f"here. Add it from arXiv (one polite API request; `trendscope ingest --id {arxiv_id}` does the "
                "same), or read it on arXiv:", icon=":material/info:")
    else:
        st.warning(f"{arxiv_id} is not in your corpus yet. Add it from arXiv (one polite API request; "
                   f"`trendscope ingest --id {arxiv_id}` does the same), or read it on arXiv:",
                   icon=":material/info:")
    if st.button("Add from arXiv", key="fetch_paper", icon=":material/cloud_download:", type="primary"):
        try:
            with st.spinner(f"Fetching {arxiv_id} from arXiv…"):
                run = app.fetch_papers([arxiv_id])
        except TrendscopeError as exc:
            st.error(safe_inline(str(exc)))
        else:
            if run.new or run.updated or run.skipped:
                st.rerun()  # now stored: the page shows it
            st.error(next((m for m in run.error_messages if arxiv_id in m), f"{arxiv_id}: not found on arXiv"))
    _links(arxiv_id)
    # a list keeps a paper not ingested yet (its details fill in once it is): a fetched paper's page had no way to
    # put it on one (a blind walkthrough); the lists holding it, with their status and note (a blind walkthrough:
    # opened from a list, its page showed neither)
    _lists(arxiv_id)


def _memberships(arxiv_id: str) -> list:
    """(list as the user names it, read-only?, its item) for each list holding the paper, read once a run. Each list
    as the user names it (`owner/name` for another's): a shared list named like one of the user's own gave two
    boxes one widget key (an internal error), or no box at all (a blind walkthrough)."""
    cache = app.run_cache()
    if ("memberships", arxiv_id) not in cache:
        rl = app.reading_lists()
        cache["memberships", arxiv_id] = [(summary.ref, summary.access == "read", item)
                                          for summary in rl.lists() for item in rl.items(summary.ref)
                                          if item.arxiv_id == arxiv_id]
    return cache["memberships", arxiv_id]


def _imported(arxiv_id: str):
    """What a reading-list import said of a paper not stored (title, authors, year: `Paper`), else None."""
    return next((item.imported for _, _, item in _memberships(arxiv_id)
                 if item.imported is not None and item.imported.title), None)


def render() -> None:
    _picker()
    if app.empty_corpus_notice():
        return
    arxiv_id = _current_id()
    if not arxiv_id:
        st.info("Open a paper from the search results, or type an arXiv id above.", icon=":material/article:")
        return
    paper = app.papers().get(arxiv_id)
    if paper is None:
        rec = fulltext_state.fulltext_record(arxiv_id)
        read = rec is not None and rec.status == "ok"
        # the title its PDF prints, once read: "arXiv 2302.07302" stayed the heading after the upload (a walkthrough)
        printed = fulltext_state.printed_title(arxiv_id) if read else None
        imported = None if printed else _imported(arxiv_id)  # else its title as an imported entry gave it (a
        title = printed or (imported.title if imported is not None else None)  # blind walkthrough)
        st.title(safe_inline(title) if title else f"arXiv {arxiv_id}", anchor=False)  # (no heading at all: a
        if printed:                                                                   # blind walkthrough)
            st.caption(f"arXiv {arxiv_id} · the title as its PDF prints it")
        elif imported is not None:
            st.caption(f"arXiv {arxiv_id} · as your reading-list import gave it: "
                       + widgets.meta_line(imported.authors, imported.published, []).rstrip(" ·"))
        _not_in_corpus(arxiv_id, read)
        if read:  # fetched (`trendscope fetch`) before its metadata came in: it
            reader_view.render(arxiv_id)             # was a dead end, though "Inside papers" found its passages
        else:  # offline, "Add from arXiv" fails: the PDF one has can still be read (`fetch ID --pdf FILE` could)
            reader_view.pdf_uploader(arxiv_id)
        return
    st.title(safe_inline(paper.title), anchor=False)
    if paper.withdrawn:  # arXiv keeps a withdrawn paper listed; its comments say so (odd real-world data)
        widgets.withdrawn_note(paper.withdrawn)
    # the paper in the tab's title, not "Paper" for every paper (an accessibility walkthrough); plain text
    st.set_page_config(page_title=f"{' '.join(readable_latex(paper.title).split())[:90]} · Trendscope")
    _links(arxiv_id)
    main, side = st.columns([3, 2], gap="large")
    with main:
        st.subheader("Abstract")
        st.markdown(safe_markdown(paper.abstract))
        _metadata(paper, [] if paper.authors else app.reading_lists().imported_authors(arxiv_id))
        _trends(arxiv_id, app.papers().pk_of(arxiv_id))
        reader_view.render(arxiv_id)
    with side:
        _lists(arxiv_id)
        _similar(arxiv_id)


if __name__ == "__main__":
    with app.guarded():
        render()
