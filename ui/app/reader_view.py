"""The Paper page's reader: the fetched full text section by section (a table of contents to jump), captions with
the page image on demand, notes on passages, the reference list (matched references open in Trendscope and
can be added to a list), and the PDF itself.

Paper text goes through `safe_markdown` (escaped, math kept), never through `unsafe_allow_html`. `?passage=N`
in the URL opens the section holding passage N, marks it and scrolls it into view, once per page load (links from
"search inside papers").
"""
from __future__ import annotations

import json

import streamlit as st

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import clipped, count
from trendscope.ui.app import fulltext_state as fulltext
from trendscope.ui.app import state as app
from trendscope.ui.app import widgets
from trendscope.ui.app.text import literal_inline, message_inline, safe_inline, safe_markdown


def _fetch_button(arxiv_id: str) -> None:
    rec = fulltext.fulltext_record(arxiv_id)
    retrying = bool(st.session_state.get("fetch_fulltext"))  # this run's attempt says how it went, below
    if rec is not None and rec.error and not retrying:  # (the same error twice, yellow and red: a walkthrough)
        st.warning(f"The last attempt to get the full text failed: {message_inline(rec.error)}",
                   icon=":material/warning:")
    st.caption("Fetch the PDF from arXiv to read the paper here: sections, figures and references, with notes "
               "and search inside the text.")
    if st.button("Fetch full text", key="fetch_fulltext", icon=":material/download:", type="primary"):
        with st.status(f"Fetching the PDF of {arxiv_id} from arXiv…", expanded=True) as status:
            st.write("Downloading (arXiv asks for at most one request every 3 seconds), then reading its text…")
            outcome = fulltext.fetch_fulltext(arxiv_id)
            failed = outcome.status == "failed"
            status.update(label="Could not get the full text" if failed else safe_inline(outcome.message),
                          state="error" if failed else "complete", expanded=False)
        if not failed:
            st.rerun()
        # beside the collapsed status, not in it: a blind walkthrough saw only "Could not get the full text" until
        # the page was reloaded; and the uploader stays below it, which the message offers (a walkthrough found
        # it gone after a failed fetch)
        st.error(message_inline(outcome.message), icon=":material/error:")
    pdf_uploader(arxiv_id)


def pdf_uploader(arxiv_id: str) -> None:
    """"Or read a PDF you have": offline, or a copy from a colleague, there was no way to read a PDF one has (a
    blind walkthrough). Also on the page of a paper not in the corpus, where arXiv may be out of reach."""
    if not app.actor().admin:
        # the text read from a PDF is every user's: a student's forged PDF (the real first page, any text after it)
        # became the paper's text for the whole lab, with nothing saying who gave it (a blind lab-admin walkthrough)
        st.caption("A PDF you have can be read in by an admin (its text is what every user of this app reads): "
                   f"ask one, who runs `trendscope fetch {arxiv_id} --pdf FILE` or uploads it here.")
        return
    upload = st.file_uploader("Or read a PDF you have", type=["pdf"], key=f"pdf_upload_{arxiv_id}",
                              help="Read and stored as a fetched PDF would be; nothing is downloaded")
    if upload is not None:
        seen = st.session_state.get("pdf_upload_refused")  # a refused file is read once, not on every rerun
        if seen is None or seen[0] != upload.file_id:
            outcome = fulltext.import_pdf(arxiv_id, upload.getvalue(), upload.name)
            if outcome.status != "failed":
                st.rerun()
            seen = st.session_state["pdf_upload_refused"] = (upload.file_id, outcome.message)
        st.error(message_inline(seen[1]), icon=":material/error:")


def _section_label(s: dict) -> str:
    return s["heading"] or ("Title, authors and affiliations" if s["index"] == 0 else "(untitled)")


def _notes(arxiv_id: str) -> dict[int, list]:
    out: dict[int, list] = {}
    for n in app.reading_lists().passage_notes(arxiv_id):
        out.setdefault(n.seq, []).append(n)
    return out


def _note_form(arxiv_id: str, section: str, passage: dict) -> None:
    seq = passage["seq"]
    with st.popover("Note", icon=":material/edit_note:", help="Leave a note on this passage"):
        with st.form(f"note_form_{seq}", clear_on_submit=True, border=False):
            quote = st.text_input("Quote (optional: the words the note is about)", key=f"quote_{seq}")
            note = st.text_area("Note", key=f"note_text_{seq}", height=100)
            if st.form_submit_button("Save note", icon=":material/save:"):
                # no quote typed: the passage's start, cut at a word ("...One challenge is that even though")
                start = clipped(passage["text"], 300).removesuffix("…")
                try:
                    app.reading_lists().add_passage_note(arxiv_id, seq, note, quote or start, section,
                                                         passage=passage["text"])
                except TrendscopeError as exc:
                    st.error(safe_inline(str(exc)))
                else:
                    st.session_state["reader_flash"] = f"Note saved on passage {seq}."
                    st.rerun()


def _edit_note_form(n) -> None:
    with st.form(f"edit_note_{n.note_id}", border=False):
        text = st.text_area("Note", value=n.note, key=f"edit_note_text_{n.note_id}", height=100)
        if st.form_submit_button("Save", icon=":material/save:"):
            try:
                app.reading_lists().edit_passage_note(n.note_id, text)
            except TrendscopeError as exc:
                st.error(message_inline(str(exc)))
            else:
                st.session_state["reader_flash"] = f"Note on passage {n.seq} changed."
                st.rerun()


def _passage(arxiv_id: str, section: str, p: dict, notes: list, marked: bool) -> None:
    with st.container(border=marked, key=f"passage_{p['seq']}"):
        if p["kind"] == "caption":
            st.caption(f"**{safe_inline(p['label'] or 'Caption')}.** {safe_inline(p['text'])}")
            if p["page"] and st.button(f"Show page {p['page']}", key=f"page_{p['seq']}", icon=":material/image:"):
                st.image(fulltext.page_png(arxiv_id, p["page"]), caption=f"Page {p['page']}",
                         alt=f"Page {p['page']} of the paper's PDF, as printed")  # no alt: an accessibility walkthrough
        else:
            st.markdown(safe_markdown(p["text"]))
        for n in notes:
            c_text, c_edit, c_rm = st.columns([12, 1, 1], vertical_alignment="center")
            c_text.info(f"“{safe_inline(clipped(n.quote, 200))}” — {literal_inline(n.note)}",  # cut at a word
                        icon=":material/sticky_note_2:")
            # labels seen only by screen readers (`navigation.STYLE`, "iconbtn_"; "edit icon": a blind walkthrough)
            with c_edit.container(key=f"iconbtn_edit_{n.note_id}").popover("Edit this note", icon=":material/edit:",
                                                                            help="Edit this note"):
                _edit_note_form(n)  # notes could only be deleted and typed again (a blind walkthrough)
            if c_rm.container(key=f"iconbtn_rm_{n.note_id}").button("Delete this note", key=f"rm_note_{n.note_id}",
                                                                    icon=":material/delete:", help="Delete this note"):
                app.reading_lists().delete_passage_note(n.note_id)
                st.rerun()
        if p["kind"] == "paragraph":
            _note_form(arxiv_id, section, p)
    if marked:
        _scroll_to(f"st-key-passage_{p['seq']}", f"{arxiv_id}#{p['seq']}")


def _scroll_to(css_class: str, once_key: str) -> None:
    """Scroll the page to the element of `css_class`, once per page load and `once_key`: "Open at this passage"
    opened the right section with the passage framed, but at the top of the page, under the title and buttons (a
    blind walkthrough). A zero-height component whose script waits up to 5 s for the element; Streamlit keeps the
    same frame across reruns (same content), so it does not pull the reader back after they scroll on."""
    import streamlit.components.v1 as components

    script = f"""<script>
const doc = window.parent.document, win = window.parent, key = {json.dumps(once_key)};
if (win.__trendscopeScrolled !== key) {{
  let tries = 0;
  const go = () => {{
    const el = doc.querySelector("." + {json.dumps(css_class)});
    if (el) {{ win.__trendscopeScrolled = key; el.scrollIntoView({{block: "center"}}); }}
    else if (tries++ < 50) setTimeout(go, 100);
  }};
  go();
}}
</script>"""
    components.html(script, height=0)


def _references(doc: dict) -> None:
    from trendscope.ingest.records import abs_url, arxiv_id_in_text

    refs = doc["references"]
    matched = sum(1 for r in refs if r["matched_id"])
    with st.expander(f"References ({len(refs)}; {count(matched, 'paper')} in your corpus)",
                     icon=":material/format_quote:"):
        for i, r in enumerate(refs):
            number = f"[{r['number']}] " if r["number"] else ""
            st.markdown(f"{number}{safe_inline(r['text'])}")
            if r["matched_id"]:
                c_open, c_add = st.columns([2, 3])
                with c_open:
                    widgets.open_button(r["matched_id"], key=f"ref_open_{i}", label=f"Open {r['matched_id']}")
                with c_add:
                    widgets.add_to_list(r["matched_id"], key=f"ref_add_{i}")
            elif printed := arxiv_id_in_text(r["text"]):  # an arXiv paper not in the corpus: its arXiv page,
                c_open, c_add = st.columns([2, 3])  # and a list keeps it until it is ingested (a walkthrough)
                c_open.link_button(f"arXiv {printed}", abs_url(printed), icon=":material/open_in_new:")
                with c_add:  # with the title and year the reference prints, until the paper is ingested
                    widgets.add_to_list(printed, key=f"ref_add_{i}", cited=(r["title"] or "", str(r["year"] or "")))


def render(arxiv_id: str) -> None:
    st.subheader("Full text")
    rec = fulltext.fulltext_record(arxiv_id)
    if rec is None or rec.status != "ok":
        _fetch_button(arxiv_id)
        return
    flash = st.session_state.pop("reader_flash", None)
    if flash:
        st.success(flash, icon=":material/sticky_note_2:")
    doc = fulltext.fulltext_document(arxiv_id)
    sections = doc["sections"]
    pdf = fulltext.stored_pdf(arxiv_id)
    if pdf is not None:
        st.download_button("Download PDF", pdf, file_name=f"{arxiv_id}.pdf", mime="application/pdf",
                           icon=":material/picture_as_pdf:", key="dl_pdf")
    wanted = st.query_params.get("passage")
    marked = int(wanted) if wanted and str(wanted).isdigit() else None
    start = next((i for i, s in enumerate(sections) if any(p["seq"] == marked for p in s["passages"])), None)
    key = f"reader_section_{arxiv_id}"
    shown = st.query_params.get("section")  # the section in the address: a reload stays on it (a walkthrough)
    if start is not None and st.session_state.get(f"{key}_for") != marked:
        st.session_state[key] = start  # a link to a passage opens its section (once; then the reader is free)
        st.session_state[f"{key}_for"] = marked
    elif key not in st.session_state and shown and str(shown).isdigit() and int(shown) < len(sections):
        st.session_state[key] = int(shown)
    elif key not in st.session_state and len(sections) > 1 and not sections[0]["heading"]:
        # the page before the first heading is names, e-mail addresses and affiliations: the reader opened on it
        # (a blind walkthrough); it opens on the first headed section, the abstract in most papers
        st.session_state[key] = 1
    idx = st.selectbox("Section", range(len(sections)), format_func=lambda i: _section_label(sections[i]),
                       key=key, help="The paper's table of contents")
    section = sections[idx]
    if st.query_params.get("section") != str(idx):
        st.query_params["section"] = str(idx)
    notes = _notes(arxiv_id)
    with st.container(border=True, key="reader_text"):
        st.markdown(f"**{safe_inline(_section_label(section))}** · page {section['page']}")
        for p in section["passages"]:
            if p["kind"] != "heading":
                _passage(arxiv_id, section["heading"], p, notes.get(p["seq"], []), p["seq"] == marked)
    def go(to: int) -> None:
        st.session_state[key] = to

    # one row of buttons as wide as their labels (in columns of a sixth of the reader they read "Pr…" and "N…")
    with st.container(horizontal=True, key="reader_nav"):
        if idx > 0:
            st.button("Previous section", key="reader_prev", icon=":material/arrow_back:", on_click=go,
                      args=(idx - 1,), help=_section_label(sections[idx - 1]))
        if idx + 1 < len(sections):
            st.button("Next section", key="reader_next", icon=":material/arrow_forward:", on_click=go,
                      args=(idx + 1,), help=_section_label(sections[idx + 1]))
    _references(doc)
