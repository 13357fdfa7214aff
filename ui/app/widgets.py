"""Pieces several pages share: paper cards, trend chips, the open-paper button and the add-to-list control.

Paper text goes through `text` (escaped Markdown, math kept) and never through `unsafe_allow_html`.
"""
from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.text import authors_as_prose
from trendscope.ingest.records import abs_url, pdf_url
from trendscope.reading.lists import MAX_NAME
from trendscope.ui.app import navigation
from trendscope.ui.app import state as app
from trendscope.ui.app.text import highlight, literal_inline, safe_inline, title_text

NEW_LIST = "+ New list…"
DEFAULT_LIST = "To read"
WITHDRAWN_BADGE = ":red-badge[:material/block: Withdrawn]"  # a withdrawn paper's mark, on cards and in lists
_CHIP_COLOURS = ("blue", "green", "orange", "violet", "red", "gray", "yellow", "primary")


def open_paper(arxiv_id: str) -> None:
    """Go to the reader for one paper (query param `?id=` makes the URL shareable)."""
    st.session_state["paper_id"] = arxiv_id
    st.switch_page(navigation.page_path("paper"), query_params={"id": arxiv_id})


def open_button(arxiv_id: str, key: str, label: str = "Open", help: str | None = None) -> None:  # noqa: A002
    if st.button(label, key=key, icon=":material/article:", help=help or f"Read {arxiv_id} in Trendscope"):
        open_paper(arxiv_id)


def title_link(title: str, arxiv_id: str, terms: Sequence[str] = ()) -> None:
    """The paper's title as a link to its page in the reader, query words in bold."""
    label = highlight(title_text(title or arxiv_id), list(terms)) or arxiv_id
    st.page_link(navigation.page_path("paper"), label=label, query_params={"id": arxiv_id})


def source_links(arxiv_id: str) -> None:
    """Buttons to the paper on arXiv: its abstract page and its PDF."""
    # a row of buttons as wide as their labels (in columns, a laptop window cut them to "a…", "P…": a walkthrough)
    row = st.container(horizontal=True, gap="small", width="content", wrap=False)
    row.link_button("arXiv", abs_url(arxiv_id), icon=":material/open_in_new:", help=f"{arxiv_id} on arXiv")
    row.link_button("PDF", pdf_url(arxiv_id), icon=":material/picture_as_pdf:", help="The PDF on arXiv")


def list_marks(names: Sequence[str]) -> str:
    """Markdown saying which reading lists already hold a paper ("" when none)."""
    if not names:
        return ""
    # a list's name as its owner typed it, not paper text: its `$...$` is no math (a list named "$x\\[-9em]X$",
    # perhaps shared with you, drew an "X" over the Search page's controls: a security walkthrough)
    return ":material/bookmark: in " + ", ".join(f"**{literal_inline(n)}**" for n in names)


def memberships(arxiv_ids: Sequence[str]) -> dict[str, list[str]]:
    """arXiv id -> the reading lists holding it, read once per script run for a page of cards."""
    return app.reading_lists().memberships(arxiv_ids)


def feedback_buttons(arxiv_id: str, votes: dict[str, int], key: str) -> None:
    """Thumbs up / down for a paper (what "New for you" learns from); pressing the active one clears it."""
    vote = votes.get(arxiv_id, 0)
    row = st.container(horizontal=True, gap="small", width="content", wrap=False)
    for col, value, icon, words in ((row, 1, ":material/thumb_up:", "More like this"),
                                    (row, -1, ":material/thumb_down:", "Less like this")):
        # the words as the button's label, seen only by screen readers (`navigation.STYLE`, "iconbtn_"): an empty
        # label was read as "thumb_up icon", the chosen one told apart by colour alone (a blind walkthrough)
        label = f"{words} (chosen: press to clear)" if vote == value else words
        if col.container(key=f"iconbtn_{key}_{value}_{arxiv_id}", width="content").button(
                label, key=f"{key}_{'up' if value > 0 else 'down'}_{arxiv_id}", icon=icon, help=words,
                type="primary" if vote == value else "secondary"):
            app.reading_lists().set_feedback(arxiv_id, 0 if vote == value else value)
            # not "on the Search page", which the feed is on (a blind walkthrough)
            st.session_state["list_flash"] = ("Noted: " + words.lower() + ". “New for you” is ranked with it "
                                              "now.") if vote != value else "Cleared."
            st.session_state["list_flash_icon"] = icon  # not the bookmark of an add (a blind walkthrough)
            st.rerun()


def trend_chips(trends: Sequence[tuple[str, float]] | Sequence[str]) -> str:
    """Markdown badges for trends (labels come from the taxonomy, not from paper text; escaped anyway)."""
    labels = app.trend_labels()
    names = app.trend_names()
    chips = []
    for item in trends:
        name = item[0] if isinstance(item, (tuple, list)) else item
        colour = _CHIP_COLOURS[names.index(name) % len(_CHIP_COLOURS)] if name in names else "gray"
        label = safe_inline(labels.get(name, name)).replace("]", "\\]")
        chips.append(f":{colour}-badge[{label}]")
    return " ".join(chips)


def withdrawn_note(note: str) -> None:
    """A withdrawn paper's mark above its card or page: arXiv keeps it listed, and only its comments (or, when arXiv's
    administrators withdrew it, its abstract) say so: "This paper has been withdrawn by the author due to ..."."""
    st.markdown(f"{WITHDRAWN_BADGE} {safe_inline(note)}")


def meta_line(authors: Sequence[str], published: str | None, categories: Sequence[str], max_authors: int = 6,
              imported: Sequence[str] = (), et_al: bool = False) -> str:
    """Authors · date · categories of a card; `imported`: the authors a reading-list import gave a paper stored
    without any (said so), shown instead of "authors unknown"; `et_al`: the names are an import's that ended in
    `and others` (the card listed them as the whole list: a blind walkthrough)."""
    named = authors or imported
    shown = authors_as_prose(list(named)[:max_authors])
    more = f" +{len(named) - max_authors}" if len(named) > max_authors else " et al." if et_al else ""
    source = " *(from your reading-list import)*" if imported and not authors else ""
    who = safe_inline(", ".join(shown)) + more + source if shown else "*authors unknown*"
    cats = " ".join(f"`{c}`" for c in categories if c.replace(".", "").replace("-", "").isalnum())
    return f"{who} · {published or 'undated'} · {cats}"


def _addable_lists() -> list:
    """The lists a paper can be added to: the reader's own and those shared with them editable; read once per
    script run (many cards share them)."""
    cache = app.run_cache()
    if "addable_lists" not in cache:
        cache["addable_lists"] = [s for s in app.reading_lists().lists() if s.access != "read"]
    return cache["addable_lists"]


def list_names() -> list[str]:
    """The names of the lists a paper can be added to (others' as `owner/name`)."""
    return [s.ref for s in _addable_lists()]


def default_list() -> str | None:
    """The list an "add to list" choice starts on: the one this session last added to, else the one open on the
    Reading lists page, else the list a paper was last added to (it started on the alphabetically first list, and
    papers went to the wrong one: a blind walkthrough)."""
    names = list_names()
    for name in (st.session_state.get("last_list"), st.session_state.get("current_list")):
        if name in names:
            return name
    used = [s for s in _addable_lists() if s.last_added]
    return max(used, key=lambda s: (s.last_added, s.last_order)).ref if used else None  # same second: the later


def _add(arxiv_id: str, choice: str, new_name: str | None, cited: tuple[str, str] | None = None) -> str | None:
    """Add one paper to the chosen list (creating a new one when asked) and say what happened; returns the
    list's name when the paper was added. `cited`: (title, year) a reference prints, for a paper not ingested."""
    rl = app.reading_lists()
    name = (new_name or "").strip() if choice == NEW_LIST else choice
    if choice == NEW_LIST and not name and not list_names():
        name = DEFAULT_LIST  # the first list: the name its box shows greyed
    try:
        if choice == NEW_LIST:
            if not name:
                raise TrendscopeError("type a name for the new list")
            if not rl.exists(name):
                rl.create(name)
                app.run_cache().pop("addable_lists", None)
        res = rl.add(name, [arxiv_id], cited={arxiv_id: cited} if cited else None)
    except TrendscopeError as exc:
        st.error(safe_inline(str(exc)))
        return None
    st.session_state["last_list"] = res.list
    if res.added:
        app.run_cache().pop("addable_lists", None)
        # the list's name stands out ("Added 2310.02699 to to read." read as a typo: a narrow-screen walkthrough)
        st.session_state["list_flash"] = f"Added {arxiv_id} to the list **“{literal_inline(res.list)}”**."
    elif res.already:
        st.info(f"Already in **{literal_inline(res.list)}**.")
    for msg in res.bad:
        st.error(msg)
    return res.list if res.added else None


def item_key(kind: str, list_name: str, arxiv_id: str, stored: str) -> str:
    """The widget key of a list item's status or note: one per list, paper and stored value. A key per paper alone
    (or per list alone) kept the widget's state when the page moved to another list (or paper) holding it, and the
    other one's status or note was written over this one's; with the stored value in it, the widget starts from
    what is stored whenever that changes (the CLI, another tab)."""
    import hashlib

    digest = hashlib.sha1("\0".join((list_name, arxiv_id, stored)).encode("utf-8")).hexdigest()[:16]
    return f"{kind}_{digest}"


def list_flash() -> None:
    """The message of the last add, shown after the rerun that refreshed the page's marks and counts."""
    msg = st.session_state.pop("list_flash", None)
    icon = st.session_state.pop("list_flash_icon", ":material/bookmark_added:")
    if msg:
        st.success(msg, icon=icon)


def _list_choice(key: str, label: str, holding: Sequence[str] = ()) -> tuple[str, str | None]:
    """The list to add to: the last one added to, unless it already holds the paper (`holding`: those lists, marked
    so: the paper page offered "to read" to a paper it held, without a word: a narrow-screen walkthrough)."""
    names = list_names()
    options = names + [NEW_LIST]
    last = default_list()
    if last in holding:
        last = next((n for n in names if n not in holding), NEW_LIST)
    choice = st.selectbox(label, options, index=options.index(last) if last in options else 0, key=f"{key}_list",
                          format_func=lambda n: f"{n} (holds it already)" if n in holding else n)
    new_name = _new_list_name(key, names) if choice == NEW_LIST else None
    return choice, new_name


def _new_list_name(key: str, names: list[str]) -> str:
    """The new list's name box. With no list yet it is empty with "To read" shown greyed, which an empty box
    adds to: a first list gets a name, never an unnamed one, and a typed name is not appended to a prefilled
    "To read" ("To readto read": a blind walkthrough)."""
    return st.text_input("New list name", key=f"{key}_new", max_chars=MAX_NAME,
                         placeholder=DEFAULT_LIST if not names else "a name for the new list")


def add_to_list(arxiv_id: str, key: str, cited: tuple[str, str] | None = None,
                holding: Sequence[str] | None = None) -> None:
    """A popover to add one paper to an existing or a new reading list (`cited`: see `_add`; `holding`: the lists
    holding it, when the page has read them already for all its cards)."""
    with st.popover("Add to list", icon=":material/bookmark_add:"):
        if holding is None:
            holding = memberships([arxiv_id]).get(arxiv_id, [])
        choice, new_name = _list_choice(key, "Reading list", holding)
        if st.button("Add", key=f"{key}_add", type="primary") and _add(arxiv_id, choice, new_name, cited):
            st.rerun()


def list_target(key: str) -> tuple[str, str | None]:
    """One "add results to" choice for a whole page of results (one widget instead of one per card)."""
    flash = st.session_state.pop(f"{key}_flash", None)
    if flash:
        st.success(flash)
    if st.session_state.pop(f"{key}_next", None):
        # A list just created from here becomes the target: a fresh widget (new key) starts on it.
        st.session_state[f"{key}_v"] = st.session_state.get(f"{key}_v", 0) + 1
    version = st.session_state.get(f"{key}_v", 0)
    names = list_names()
    c_list, c_new, _ = st.columns([2, 2, 3], vertical_alignment="bottom")
    with c_list:
        options = names + [NEW_LIST]
        last = default_list()
        choice = st.selectbox("Add results to", options, index=options.index(last) if last in options else 0,
                              key=f"{key}_list" + (str(version) if version else ""))
    with c_new:
        new_name = _new_list_name(key, names) if choice == NEW_LIST else None
    return choice, new_name


def add_button(arxiv_id: str, target: tuple[str, str | None], key: str, target_key: str) -> None:
    """The per-result "Add to list" button (adds to the page's chosen list, see `list_target`)."""
    choice, new_name = target
    # an empty name is "To read" only when no list exists yet, which the button cannot tell without a query per card
    where = (f"the new list “{new_name}”" if new_name else "a new list") if choice == NEW_LIST else f"“{choice}”"
    if st.button("Add to list", key=key, icon=":material/bookmark_add:", help=f"Add {arxiv_id} to {where}"):
        added_to = _add(arxiv_id, choice, new_name)
        if added_to and choice == NEW_LIST:  # make the new list the target, keeping the message
            st.session_state.pop("list_flash", None)
            st.session_state[f"{target_key}_next"] = added_to
            st.session_state[f"{target_key}_flash"] = f"Created **{literal_inline(added_to)}** and added {arxiv_id}."
        if added_to:
            st.rerun()  # every card's "in list" mark and the page's counts are read again
