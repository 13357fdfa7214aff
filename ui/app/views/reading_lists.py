"""Reading lists page: lists, papers with status and notes, export downloads, import, and recommendations with
reasons and "not interested"."""
from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import streamlit as st

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.text import authors_as_prose, slug
from trendscope.foundation.wording import clipped, count
from trendscope.reading.lists import MAX_NAME
from trendscope.ui.app import state as app
from trendscope.ui.app import widgets
from trendscope.ui.app.text import literal_inline, message_inline, safe_inline, title_text

EXPORTS = {"bibtex": ("BibTeX", "bib", "application/x-bibtex"), "md": ("Markdown", "md", "text/markdown"),
           "csv": ("CSV", "csv", "text/csv"), "json": ("JSON", "json", "application/json")}
STATUSES = ["unread", "reading", "read"]
SINCE = {"3 months": 91, "6 months": 182, "1 year": 365, "any time": None}


def _flash(message: str, kind: str = "success") -> None:
    """A message that survives the rerun that follows a change."""
    st.session_state["lists_flash"] = (kind, message)


def _select(name: str) -> None:
    """Make `name` the selected list on the next run."""
    st.session_state["select_list"] = name
    st.session_state["select_list_now"] = True


def _show_flash() -> None:
    kind, message = st.session_state.pop("lists_flash", (None, None))
    if message:
        getattr(st, kind)(message)


def _manage(rl, names: list[str], current: str | None, summary=None) -> None:
    access = summary.access if summary is not None else "own"
    with st.expander("New, rename, delete, import", icon=":material/edit:", expanded=not names):
        with st.form("create_list", border=False):
            new = st.text_input("New list", key="new_list_name", placeholder="e.g. to read", max_chars=MAX_NAME)
            if st.form_submit_button("Create", icon=":material/add:"):
                try:
                    name = rl.create(new)
                except TrendscopeError as exc:
                    st.error(safe_inline(str(exc)))
                else:
                    _select(name)
                    _flash(f"Created **{literal_inline(name)}**.")
                    st.rerun()
        if current is None or access == "read":
            return
        if access == "own":
            _rename_delete(rl, current)
        upload = st.file_uploader("Import arXiv ids, BibTeX, RIS, CSV, JSON or Markdown into this list",
                                  type=["txt", "bib", "ris", "csv", "json", "md"], key="import_file")
        if upload is not None and st.button("Import", key="import_go", icon=":material/upload:"):
            _import(rl, current, upload)
    if current is not None and access == "own":
        _sharing(rl, current, summary)


def _rename_delete(rl, current: str) -> None:
    with st.form("rename_list", border=False):
        to = st.text_input(f"Rename “{literal_inline(current)}” to", key="rename_to", max_chars=MAX_NAME)
        if st.form_submit_button("Rename", icon=":material/drive_file_rename_outline:"):
            try:
                name = rl.rename(current, to)
            except TrendscopeError as exc:
                st.error(safe_inline(str(exc)))
            else:
                _select(name)
                _flash(f"Renamed to **{literal_inline(name)}**.")
                st.rerun()
    confirm = st.checkbox(f"Yes, delete “{literal_inline(current)}” and its notes"
                          f"{literal_inline(rl.deletion_note(current))}", key="confirm_delete")
    if st.button("Delete list", icon=":material/delete:", disabled=not confirm, key="delete_list"):
        n = rl.delete(current)
        st.session_state.pop("current_list", None)
        st.query_params.pop("list", None)
        _flash(f"Deleted **{literal_inline(current)}** ({count(n, 'paper')}).")
        st.rerun()


def _sharing(rl, current: str, summary) -> None:
    """Who else sees the list: share with a user or everyone, read-only or editable; stop sharing."""
    shares = summary.shared_with if summary is not None else []
    # "Shared with 3 readers" counted everyone as one reader (a blind walkthrough)
    named = [g for g, _edit in shares if g != "*"]
    if not shares:
        label = "Share"
    elif len(named) < len(shares):  # shared with everyone too
        label = "Shared with everyone" + (f" and {count(len(named), 'named reader')}" if named else "")
    else:
        label = f"Shared with {count(len(named), 'reader')}"
    with st.expander(label, icon=":material/group:"):
        for grantee, can_edit in shares:
            c_who, c_stop = st.columns([4, 1], vertical_alignment="center")
            who = "everyone" if grantee == "*" else grantee
            c_who.markdown(f"**{literal_inline(who)}** · {'can edit' if can_edit else 'read-only'}")
            if c_stop.button("Stop", key=f"unshare_{grantee}", icon=":material/person_remove:"):
                rl.unshare(current, grantee)
                _flash(f"**{literal_inline(current)}** is no longer shared with {literal_inline(who)}.", "info")
                st.rerun()
        noted = rl.noted_count(current)
        if noted:  # a paper's note is the list's: shared with it, older ones too (a blind lab-admin walkthrough)
            st.caption(f"The {count(noted, 'paper note')} of this list {'is' if noted == 1 else 'are'} shared with "
                       "it; notes on passages stay yours.")
        with st.form("share_list", border=False):
            c_user, c_edit = st.columns([3, 1], vertical_alignment="bottom")
            whom = c_user.text_input("Share with (a user name, or everyone)", key="share_with")
            edit = c_edit.checkbox("Can edit", key="share_edit")
            if st.form_submit_button("Share", icon=":material/share:"):
                try:
                    grantee = rl.share(current, whom, edit=edit)
                except TrendscopeError as exc:
                    st.error(safe_inline(str(exc)))
                else:
                    who = "everyone" if grantee == "*" else grantee
                    # sharing again with a user changes their right: say so ("Can edit" left unticked took an
                    # editor's right away without a word: a blind walkthrough)
                    before = dict(shares).get(grantee)
                    was = "" if before is None or bool(before) == edit else \
                        f", was {'editable' if before else 'read-only'}"
                    _flash(f"Shared **{literal_inline(current)}** with {literal_inline(who)} "
                           f"({'editable' if edit else 'read-only'}{was}).")
                    st.rerun()


def _import(rl, name: str, upload) -> None:
    suffix = Path(upload.name).suffix or ".txt"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"import{suffix}"
        path.write_bytes(upload.getvalue())
        try:
            res = rl.import_file(name, path, display_name=upload.name)
        except TrendscopeError as exc:
            st.error(safe_inline(str(exc)))
            return
    msg = f"Imported {count(len(res.added), 'paper')} ({len(res.already)} already there"
    msg += f", {len(res.not_ingested)} not ingested yet)." if res.not_ingested else ")."
    msg += "".join(f" {safe_inline(note)}" for note in res.notes())  # papers that differ from the file, repeated ids
    _flash(msg + (" Problems: " + "; ".join(safe_inline(b) for b in res.bad[:5]) if res.bad else ""),
           "warning" if res.bad else "success")
    st.rerun()


def _exports(rl, name: str) -> None:
    cols = st.columns(len(EXPORTS))
    stem = slug(name, 60, fallback="reading-list")  # "Privacy----MIA---review--100.bib" (a blind walkthrough)
    # a .bib for co-authors went out with every private note as `annote` (a blind walkthrough)
    notes = not st.checkbox("Leave the notes out", key="export_no_notes",
                            help="For a file to share: no note and no passage note in any of the downloads.")
    for col, (fmt, (label, ext, mime)) in zip(cols, EXPORTS.items()):
        col.download_button(label, rl.export(name, fmt, as_file=True, notes=notes), file_name=f"{stem}.{ext}",
                            mime=mime, icon=":material/download:", key=f"export_{fmt}", width="stretch")
    if note := rl.authorless_note(name):  # BibTeX entries without authors came without a word (a walkthrough)
        st.caption(message_inline(note[0].upper() + note[1:] + "."))


def _items(rl, name: str, editable: bool = True) -> None:
    items = rl.items(name)
    if not items:
        st.info("This list is empty. Add papers from **Search** or a paper's page (“Add to list”).")
        return
    show = st.segmented_control("Show", ["all"] + STATUSES, default="all", key="status_filter")
    if show and show != "all" and not any(item.status == show for item in items):
        st.caption(f"No paper of this list is marked {show}.")
    for item in items:
        if show and show != "all" and item.status != show:
            continue
        with st.container(border=True, key=f"item_{item.arxiv_id}"):
            c_text, c_status = st.columns([4, 1])
            if item.paper:
                # a paper withdrawn since it was added says so (arXiv keeps it listed; its comments tell)
                gone = f" · {widgets.WITHDRAWN_BADGE}" if item.paper.withdrawn else ""
                c_text.markdown(f"**{safe_inline(item.paper.title)}**{gone}  \n"  # authors: an import's if none
                                + widgets.meta_line(item.metadata.authors, item.paper.published, item.paper.categories,
                                                    et_al=item.authors_incomplete))
            elif item.imported is not None:  # what its BibTeX entry said, until it is ingested
                m = item.imported
                c_text.markdown(f"**{safe_inline(m.title or item.arxiv_id)}** · {item.arxiv_id} · "
                                ":orange[not ingested yet]  \n"
                                + widgets.meta_line(m.authors, m.published, [], et_al=item.authors_incomplete))
            else:
                c_text.markdown(f"**{item.arxiv_id}** · :orange[not ingested yet]")
            # Changes are saved by the widgets' callbacks, which run before the next run draws the page: a change
            # made on a page that has gone stale (the list renamed or deleted in another tab or by the CLI) is
            # saved or refused with a message there, never dropped because the page no longer draws its widget.
            status_key = widgets.item_key("st", name, item.arxiv_id, item.status)
            c_status.selectbox("Status", STATUSES, index=STATUSES.index(item.status), key=status_key,
                               label_visibility="collapsed", disabled=not editable,
                               on_change=_save_status, args=(name, item.arxiv_id, status_key))
            note_key = widgets.item_key("note", name, item.arxiv_id, item.note or "")
            # a text area, as on the Paper page: a one-line box showed a note's lines glued together and saved
            # them so (a blind walkthrough)
            st.text_area("Note", value=item.note or "", key=note_key, placeholder="Add a note…",
                         label_visibility="collapsed", disabled=not editable, height=68,
                         on_change=_save_note, args=(name, item.arxiv_id, note_key, item.note or ""))
            for n in item.passage_notes:  # notes left on passages in the reader
                where = f"{safe_inline(n.section)}, passage {n.seq}" if n.section else f"passage {n.seq}"
                st.caption(f":material/sticky_note_2: **{where}:** {literal_inline(n.note)}  \n"
                           f"“{safe_inline(clipped(n.quote, 240))}”")  # cut at a word, as stored
            # a row of buttons as wide as their labels (columns cut them to "O…", "R…" in a laptop window: a
            # narrow-screen walkthrough)
            row = st.container(horizontal=True, gap="small")
            with row:  # a paper not ingested yet too: its page offers "Add from arXiv" (it had no button)
                widgets.open_button(item.arxiv_id, key=f"open_{item.arxiv_id}", help=None if item.paper else (
                    f"{item.arxiv_id} is not stored yet: its page adds it from arXiv"))
            if editable:  # asked first: one click removed a paper with a long note, for good (a blind walkthrough)
                with row.popover("Remove", icon=":material/remove_circle_outline:"):
                    title = item.metadata.title if item.metadata is not None and item.metadata.title else ""
                    named = f"“{safe_inline(title_text(title, 80))}”" if title else item.arxiv_id
                    lost = "Its note and its status go" if item.note.strip() else "Its status goes"
                    passages = " (your notes on its passages stay with the paper)" if item.passage_notes else ""
                    st.markdown(f"Remove {named} from this list? {lost} with it{passages}; added again, it starts "
                                "unread with no note.")
                    st.button("Remove from the list", key=f"rm_{item.arxiv_id}", type="primary",
                              on_click=_remove, args=(name, item.arxiv_id, named))


def _pend(*edit) -> None:
    """A widget's change, kept for `_apply_edits`: callbacks run before the sign-in gate says who acts, so the
    page's run saves it, not the callback."""
    st.session_state.setdefault("list_edits", []).append(edit)


def _save_status(name: str, arxiv_id: str, key: str) -> None:
    _pend("status", name, arxiv_id, st.session_state.pop(key, None))


def _save_note(name: str, arxiv_id: str, key: str, stored: str) -> None:
    note = st.session_state.pop(key, None)
    if note is not None and note != stored:
        _pend("note", name, arxiv_id, note)


def _remove(name: str, arxiv_id: str, named: str) -> None:
    _pend("remove", name, arxiv_id, named)


def _apply_edits(rl) -> None:
    """Save the changes made on the page the user saw, whatever this run will draw. A list renamed or deleted
    since (another tab, the CLI) made the next run draw another list, the note's widget was not drawn again, and
    the typed note was lost without a word (a blind walkthrough); now it is saved or refused with a message."""
    for kind, name, arxiv_id, value in st.session_state.pop("list_edits", []):
        try:
            if kind == "note":
                rl.set_note(name, arxiv_id, value)
                _flash(f"Note saved ({arxiv_id}).")
                continue
            res = rl.set_status(name, [arxiv_id], value) if kind == "status" else rl.remove(name, [arxiv_id])
            if arxiv_id in res.missing:
                raise TrendscopeError(f"{arxiv_id} is no longer in the list")
            if kind == "remove":  # by its title (the id alone said little: a blind walkthrough)
                _flash(f"Removed {value} from the list." if value and value != arxiv_id else f"Removed {arxiv_id}.")
        except TrendscopeError as exc:
            what = {"note": f"Your note on {arxiv_id} (“{literal_inline(value)}”) was not saved",
                    "status": f"The status “{value}” of {arxiv_id} was not saved",
                    "remove": f"{arxiv_id} was not removed"}[kind]
            _flash(f"{what}: {safe_inline(str(exc))} (the list “{literal_inline(name)}” may have been renamed or "
                   "deleted in another tab or by the CLI).", "error")


def _recommendations(rl, name: str, latest: str | None, editable: bool = True) -> None:
    st.subheader("Recommended for this list")
    if editable:
        _dismissed(rl, name)
    c_since, c_n = st.columns(2)
    # counted back from the newest stored paper, not today: a snapshot's "last 3 months" would hold nothing (the
    # label did not say so: a blind walkthrough)
    span = c_since.selectbox("Published in the last", list(SINCE), key="rec_since",
                             help=f"Counted back from the newest paper stored ({latest[:10]}), not from today."
                             if latest else None)
    limit = c_n.selectbox("How many", [5, 10, 20], index=1, key="rec_limit")
    since = None
    if SINCE[span] and latest:
        since = (date.fromisoformat(latest[:10]) - timedelta(days=SINCE[span])).isoformat()
    try:
        res = rl.recommend(name, limit=limit, since=since, nearest=app.list_nearest())
    except TrendscopeError as exc:
        st.info(safe_inline(str(exc)))
        return
    if not res.list_size:
        st.caption("Add papers to this list to get recommendations.")
        return
    if not res.items:
        st.caption("No recommendations: " + (f"{res.why_none}." if not res.used
                                             else "no indexed paper in that period."))
        return
    for i, rec in enumerate(res.items):
        if not rec.close and (i == 0 or res.items[i - 1].close):  # close ones come first, then those that fill places
            # a narrow window filled its places with unrelated papers, and nothing said so (a blind walkthrough)
            where = "of that period" if since else "stored"
            st.caption(f"None of these is close to this list; they are the nearest papers {where}." if not i else
                       "Further from the list:",
                       help="Close: the paper is far more similar to the list than papers picked at random are "
                            "(docs/reading.md).")
        with st.container(border=True, key=f"rec_{rec.arxiv_id}"):
            # "+N" past the fourth name, as the list's own cards say it (8 authors read as 4: a walkthrough)
            who = safe_inline(", ".join(authors_as_prose(rec.authors[:4]))
                              + (f" +{len(rec.authors) - 4}" if len(rec.authors) > 4 else ""))
            byline = " · ".join(x for x in (rec.published or "undated", who) if x)  # no authors: no dangling " ·"
            st.markdown(f"**{safe_inline(rec.title)}**  \n:gray[{byline}]")
            # no similarity figure: the order also weighs the list's topic, so a shown cosine read as out of order
            # (a blind walkthrough; the CLI dropped its score column for the same reason)
            st.caption(f"Because it is close to “{safe_inline(rec.because_title)}”" if rec.close else
                       f"Nearest list paper: “{safe_inline(rec.because_title)}”")
            c_open = c_add = c_no = st.container(horizontal=True, gap="small")  # one row (a narrow-screen walkthrough)
            with c_open:
                widgets.open_button(rec.arxiv_id, key=f"rec_open_{rec.arxiv_id}")
            if not editable:
                continue
            if c_add.button("Add", key=f"rec_add_{rec.arxiv_id}", icon=":material/add:"):
                rl.add(name, [rec.arxiv_id])
                _flash(f"Added “{safe_inline(title_text(rec.title, 80))}” to **{literal_inline(name)}**.")
                st.rerun()
            if c_no.button("Not interested", key=f"rec_no_{rec.arxiv_id}", icon=":material/thumb_down:"):
                rl.mark_not_interested(name, [rec.arxiv_id])
                # said here, with an undo: a message at the top of the page went unseen, and only the CLI could
                # take a mark back (a blind walkthrough)
                st.session_state["rec_dismissed"] = (name, rec.arxiv_id, rec.title)
                st.rerun()


def _dismissed(rl, name: str) -> None:
    """The last paper marked "not interested" for this list, with a button that takes the mark back."""
    dismissed = st.session_state.get("rec_dismissed")
    if not dismissed or dismissed[0] != name:
        return
    _, arxiv_id, title = dismissed
    c_msg, c_undo = st.columns([5, 1], vertical_alignment="center")
    c_msg.info(f"“{safe_inline(title_text(title, 80))}” will not be recommended for this list again.",
               icon=":material/thumb_down:")
    if c_undo.button("Undo", key="rec_undo", icon=":material/undo:"):
        try:
            rl.mark_not_interested(name, [arxiv_id], undo=True)
        except TrendscopeError as exc:
            st.error(safe_inline(str(exc)))
            return
        st.session_state.pop("rec_dismissed", None)
        st.rerun()


def render() -> None:
    st.title("Reading lists")
    rl = app.reading_lists()
    _apply_edits(rl)
    _show_flash()
    summaries = rl.lists()
    names = [s.ref for s in summaries]  # own lists by name, others' as owner/name
    current = None
    if names:
        # The selectbox's own state is lost when the user visits another page; "current_list" remembers it.
        chosen, previous = st.session_state.pop("select_list", None), st.session_state.get("current_list")
        # the page's address names its list (?list=...), so a reload, a bookmark or a shared link opens it (a
        # reload opened the first list: a blind walkthrough)
        addressed = st.query_params.get("list") if not previous and not chosen else None
        gone = previous or addressed
        if gone and gone not in names and not chosen:
            st.warning(f"The list “{literal_inline(gone)}” is no longer there: renamed or deleted in another tab or "
                       "by the CLI." if previous else  # a link's list may never have been (a blind walkthrough)
                       f"There is no list “{literal_inline(gone)}” here: the link names a list that was renamed or "
                       "deleted, or that never existed.")
        wanted = chosen or previous or addressed
        jump = "select_list_now" in st.session_state
        if wanted in names and (jump or st.session_state.get("list_pick") not in names):
            st.session_state["list_pick"] = wanted
        st.session_state.pop("select_list_now", None)
        if st.session_state.get("list_pick") not in names:
            st.session_state["list_pick"] = names[0]
        by_name = {s.ref: s for s in summaries}
        # the counts are said below, not in the option labels: the box kept showing the label it was drawn
        # with ("6 unread" after a paper was set to "reading", until a reload: a blind walkthrough)
        current = st.selectbox(
            "List", names, key="list_pick",
            format_func=lambda n: n + {"own": "", "edit": " · shared with you",
                                       "read": " · shared with you, read-only"}[by_name[n].access],
        )
        chosen_summary = by_name[current]
        st.caption(f"{count(chosen_summary.items, 'paper')}: {chosen_summary.unread} unread, "
                   f"{chosen_summary.reading} reading, {chosen_summary.read} read"
                   + (f", {chosen_summary.not_ingested} not ingested yet" if chosen_summary.not_ingested else ""))
        st.session_state["current_list"] = current
        if st.query_params.get("list") != current:
            st.query_params["list"] = current
    else:
        st.info("No reading lists yet. Create one below, or use “Add to list” on a search result.")
    summary = by_name[current] if current is not None else None
    _manage(rl, names, current, summary)
    if current is None:
        return
    editable = summary.access != "read"
    if not editable:
        st.caption(f"Shared with you read-only by **{safe_inline(summary.owner)}**: you can read and export it.")
    _exports(rl, current)
    _items(rl, current, editable)
    _recommendations(rl, current, app.summary()["last"], editable)


if __name__ == "__main__":
    with app.guarded():
        render()
