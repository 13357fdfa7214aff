"""Search page: one query box, mode, filters (dates, categories, trends), sort; result cards with trend chips,
a highlighted snippet, and buttons to open the paper and to add it to a reading list; before a search, "New for you"
(`for_you_view`)."""
from __future__ import annotations

import re
import time
from datetime import date

import streamlit as st

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import count
from trendscope.index.known_item import arxiv_ids_query
from trendscope.index.relevance_floor import has_floor
from trendscope.index.search_request import (
    long_query_note,
    unclosed_quote_note,
    unknown_field_note,
    words_none_holds,
)
from trendscope.ui.app import digest_view as dg
from trendscope.ui.app import fulltext_state as fulltext
from trendscope.ui.app import navigation, trend_state, warmup, widgets
from trendscope.ui.app import state as app
from trendscope.ui.app.for_you_view import render_for_you
from trendscope.ui.app.search_address import EARLIEST, LIMITS, MODES, SORTS, search_from_address, url_params
from trendscope.ui.app.text import (
    literal_inline,
    message_inline,
    query_terms,
    quoted_query,
    safe_inline,
    snippet_markdown,
)

EXAMPLES = ("parameter-efficient fine-tuning", "vision-language models for robotics", "differential privacy LLM")
MAX_ID_NOTES = 3  # ids of a pasted list named one by one when not listed; the rest in one line


def _to_iso(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def _form(summary: dict) -> dict | None:
    """The search form; returns the submitted parameters (or None when nothing was submitted this run)."""
    # defaults through Session State only (a widget given both a default and a state value logs a warning)
    st.session_state.setdefault("mode", "hybrid")
    st.session_state.setdefault("sort", "relevance")
    last = date.fromisoformat(summary["last"][:10]) if summary["last"] else None
    latest = max(date.today(), last) if last else date.today()
    with st.form("search_form", border=False):
        # the box takes the room, the button its label's (in columns a laptop window cut it to "S…": a narrow-screen
        # walkthrough)
        c_query = c_button = st.container(horizontal=True, vertical_alignment="bottom")
        query = c_query.text_input(
            "Query", key="q", placeholder="e.g. " + " · ".join(EXAMPLES),
            help="Words or a phrase. Papers with more of your words come first; \"exact phrases\", +required "
                 "words, ti:/au:/abs: fields, -excluded words and NOT narrow the results, OR widens them.",
        )
        submitted = c_button.form_submit_button("Search", type="primary", icon=":material/search:",
                                                width="content")
        with st.expander("Filters", icon=":material/filter_list:"):
            c_since, c_until, c_limit = st.columns([2, 2, 1])
            # any date (a date outside the corpus's turned the box red and silently kept the last one: a blind
            # walkthrough); a window without papers says so under the results
            since = c_since.date_input("Published from", value=None, min_value=EARLIEST, max_value=latest, key="since")
            until = c_until.date_input("Published until", value=None, min_value=EARLIEST, max_value=latest, key="until")
            limit = c_limit.selectbox("Results", list(LIMITS), index=0, key="limit")
            categories = st.multiselect(
                "Categories", [c for c, _ in summary["categories"]], key="categories",
                format_func=lambda c: f"{c} ({dict(summary['categories'])[c]:,})",
                # by prefix, one at a time: typed "cs.CL" + Enter fuzzily chose "Select 3 matches", cs.CL with
                # physics.class-ph and physics.atm-clus (a blind walkthrough)
                filter_mode="prefix", select_all=False,
            )
            labels = app.trend_labels()
            trends = st.multiselect("Trends", list(labels), format_func=labels.get, key="trends")
    # outside the form, so that a click searches again at once (inside it, Mode changed nothing until Search while
    # Sort re-sorted at once: modes were easy to compare wrongly, a blind walkthrough)
    # one row that wraps (in columns a laptop window cut Sort to "Relevance | Newes": a narrow-screen walkthrough)
    c_mode = c_sort = st.container(horizontal=True, gap="medium")
    mode = c_mode.segmented_control(
        "Mode", list(MODES), format_func=MODES.get, key="mode",
        help="Hybrid: your words and their meaning together, the best ranking on the blind-graded dev set (nDCG@10 "
             "0.85; keyword 0.79, semantic 0.69). Semantic finds related wording but misses exact terms; Inside "
             "papers searches the full text of papers you fetched.")
    # passages inside papers are ranked by relevance only: Newest first there did nothing, silently (a walkthrough)
    inside = mode == "inside"
    sort = c_sort.segmented_control("Sort", list(SORTS), format_func=SORTS.get, key="sort", disabled=inside,
                                    help="Inside papers ranks passages by relevance only." if inside else None)
    if not submitted:
        return None
    return {
        "query": (query or "").strip(), "mode": mode or "hybrid", "sort": sort or "relevance", "limit": limit,
        "since": _to_iso(since), "until": _to_iso(until), "categories": categories, "trends": trends,
    }


def _validate(params: dict) -> str | None:
    """A helpful message for queries that cannot be searched, else None."""
    if not params["query"]:
        return "Type a few words to search, for example: " + ", ".join(f"*{e}*" for e in EXAMPLES) + "."
    if not re.search(r"[^\W_]", params["query"]):
        return (f"“{safe_inline(params['query'])}” has no words to search for. "
                "Use letters or numbers, e.g. *contrastive learning*.")
    if params["since"] and params["until"] and params["since"] > params["until"]:
        return "The 'from' date is after the 'until' date: swap them or clear one."
    return None


def _run_inside(params: dict) -> dict:
    """Search the passages of the papers whose full text is fetched."""
    started = time.perf_counter()
    passages = fulltext.search_passages(params["query"], limit=int(params["limit"]))
    ids = list({h.arxiv_id for h in passages})
    titles = {aid: p.title for aid, p in app.papers().get_many(ids).items()}
    titles.update(fulltext.printed_titles(a for a in ids if a not in titles))  # read from its PDF, not in the corpus
    return {"params": params, "passages": passages, "titles": titles, "seconds": time.perf_counter() - started}


def _inside_results(state: dict) -> None:
    q, terms = quoted_query(state["params"]["query"]), query_terms(state["params"]["query"])
    if not fulltext.fetched_count():
        st.info("No paper's full text is fetched yet: open a paper and press **Fetch full text** (or run "
                "`trendscope fetch ID`), then search inside it here.", icon=":material/description:")
        return
    hits = state["passages"]
    if not hits:
        st.info(f"No passage of your {count(fulltext.fetched_count(), 'fetched paper')} matches {q}.",
                icon=":material/search_off:")
        return
    st.caption(f"{count(len(hits), 'passage')} for {q} inside {count(fulltext.fetched_count(), 'fetched paper')} · "
               f"{state['seconds'] * 1000:.0f} ms")
    for h in hits:
        with st.container(border=True, key=f"passage_hit_{h.arxiv_id}_{h.seq}"):
            title = state["titles"].get(h.arxiv_id) or h.arxiv_id
            widgets.title_link(title, h.arxiv_id, terms)
            st.caption(safe_inline(h.heading) if h.heading else "Title, authors and affiliations")
            st.markdown(snippet_markdown(h.snippet, terms))
            if st.button("Open at this passage", key=f"goto_{h.arxiv_id}_{h.seq}", icon=":material/menu_book:"):
                st.session_state["paper_id"] = h.arxiv_id
                st.switch_page(navigation.page_path("paper"), query_params={"id": h.arxiv_id, "passage": str(h.seq)})


def _run(params: dict) -> dict:
    if params["mode"] == "inside":
        return _run_inside(params)
    started = time.perf_counter()
    root = str(app.home().root)
    # right after the server starts the model may still be loading: wait briefly, then answer by keyword
    warming = params["mode"] != "keyword" and not warmup.ready(root, warmup.SEARCH_WAIT_S)
    hits = app.search({**params, "mode": "keyword"} if warming else params)
    elapsed = time.perf_counter() - started
    tags = trend_state.trend_tags([h.pk for h in hits])
    return {"params": params, "hits": hits, "tags": tags, "seconds": elapsed, "warming": warming,
            "did_you_mean": app.did_you_mean(params["query"]), "unknown_person": app.unknown_person(params["query"]),
            "known_person": app.known_person(params["query"]) if params["sort"] != "date" else None}


def _filters_text(params: dict) -> str:
    """The filters these results were searched with, for the line above them (a filter changed since applies only
    when Search is pressed again; the line says which ones hold for what is shown)."""
    parts = []
    if params.get("since") or params.get("until"):
        parts.append(f"published {params.get('since') or '…'} to {params.get('until') or 'now'}")
    if params.get("categories"):
        parts.append("in " + ", ".join(params["categories"]))
    if params.get("trends"):
        labels = app.trend_labels()
        parts.append("tagged " + ", ".join(labels.get(t, t) for t in params["trends"]))
    parts.append(SORTS.get(params.get("sort") or "relevance", "").lower())
    return "".join(f" · {safe_inline(p)}" for p in parts if p)


def _results(state: dict) -> None:
    if "passages" in state:
        _inside_results(state)
        return
    if _nothing_to_list(state):
        return
    _result_notes(state)
    _hit_cards(state)


def _nothing_to_list(state: dict) -> bool:
    """Say why a search lists nothing (or what its arXiv ids found): True when there are no results to show."""
    params, hits = state["params"], state["hits"]
    q = quoted_query(params["query"])
    newest = params.get("sort") == "date" and has_floor(params["query"])
    if not hits and (params.get("since") or params.get("until")) and not app.papers_in_window(params):
        s = app.summary()  # a weekend, or a window after the newest paper: nothing to do with the query
        st.info(f"No paper was published from {params.get('since') or '…'} to {params.get('until') or 'now'}: the "
                f"stored papers run from {(s['first'] or '?')[:10]} to {(s['last'] or '?')[:10]}.",
                icon=":material/event_busy:")
        return True
    _did_you_mean(state)
    wanted = arxiv_ids_query(params["query"]) or []
    listed = {h.id for h in hits}
    unlisted = [i for i in wanted if i not in listed]
    if unlisted:  # an id lookup listed ten unrelated papers, "missing" every word (a walkthrough); a pasted list
        stored = set(app.papers().get_many(unlisted))
        for wanted_id in unlisted[:MAX_ID_NOTES]:
            st.info(f"arXiv {wanted_id} is stored but outside these filters." if wanted_id in stored else
                    f"arXiv {wanted_id} is not stored here. [Open its page](./paper?id={wanted_id}) to add it "
                    "from arXiv.", icon=":material/search_off:")
        if len(unlisted) > MAX_ID_NOTES:
            st.info(f"{len(unlisted) - MAX_ID_NOTES} more of the ids are not listed: "
                    f"{', '.join(unlisted[MAX_ID_NOTES:])}.", icon=":material/search_off:")
        if not hits:
            return True
    if not hits and newest:
        st.info(f"No paper is clearly about {q} here. *Newest first* lists only papers that hold the query as a "
                "phrase, or most of its words with a close meaning, and come close to the best of them; sort by "
                "*Relevance* to see the nearest matches.", icon=":material/search_off:")
        return True
    if not hits:
        filtered = any(params[k] for k in ("since", "until", "categories", "trends"))
        why = ("with these filters. Try fewer filters or a wider date range, or another mode (semantic finds "
               "related wording)." if filtered else
               "No paper holds every required word or phrase (quoted, +word or ti:/au:/abs:), or the keyword side "
               "finds none of the words. Try fewer required items, or semantic mode (it finds related wording).")
        st.info(f"No papers match {q} {why}" if filtered else f"No papers match {q}. {why}",
                icon=":material/search_off:")
        _open_quote_note(params["query"])
        return True
    return False


def _result_notes(state: dict) -> None:
    """The line above the results and what the search wants the reader to know about them."""
    params, hits = state["params"], state["hits"]
    q = quoted_query(params["query"])
    newest = params.get("sort") == "date" and has_floor(params["query"])
    shown_mode = "keyword" if state.get("warming") else params["mode"]
    st.caption(f"{count(len(hits), 'result')} for {q} · {MODES[shown_mode].lower()}{_filters_text(params)} · "
               f"{state['seconds'] * 1000:.0f} ms", help="Server time for the search itself.")
    _follow_search(params, state.get("did_you_mean"))
    if state.get("warming"):
        st.info(f"The language model is still loading (the server started moments ago), so these are keyword "
                f"results. Search again in a few seconds for {MODES[params['mode']].lower()} results.",
                icon=":material/hourglass_top:")
    if newest and len(hits) < int(params["limit"]):
        st.caption("Newest first lists only papers that hold the query as a phrase, or most of its words with a "
                   "close meaning; sort by *Relevance* to rank every match.")
    if newest and any(h.missing for h in hits):  # "clearly about the query" was said over 52 of 62 lacking a word
        st.caption("A paper marked *Missing* lacks that word of the query: write `+word` to require it.")
    for note in (long_query_note(params["query"], shown_mode), unknown_field_note(params["query"])):
        if note:
            st.caption(note[0].upper() + note[1:] + ".")  # our own words (field names from a fixed list)
    _open_quote_note(params["query"])
    if state.get("known_person") and hits:  # her two papers came first and nothing said why (a walkthrough)
        name, n = state["known_person"]
        st.caption(f"{count(n, 'stored paper')} {'lists' if n == 1 else 'list'} {safe_inline(name)} as an author: "
                   "first, newest first.")
    if state.get("unknown_person"):  # "Christopher Manning" listed unrelated papers without a word (a walkthrough)
        st.info(f"No stored paper lists an author named {safe_inline(state['unknown_person'])}: these results "
                "match the words.", icon=":material/person_off:")
    unmatched = words_none_holds(hits, params["query"]) if params["mode"] != "semantic" else []
    if unmatched:
        words = ", ".join(safe_inline(w) for w in unmatched)
        if any(params[k] for k in ("since", "until", "categories", "trends")):  # "no paper" read as the corpus
            st.info(f"No paper within these filters holds any of the words {words}: these are the nearest by "
                    "meaning. Try fewer filters or a wider date range.", icon=":material/rule:")
        else:
            st.info(f"No paper holds any of the words {words}: these are the nearest by "
                    "meaning. Check the spelling, or try other words.", icon=":material/rule:")
    elif params["mode"] != "semantic" and all(hit.missing for hit in hits):
        st.info("None of these results has every word of your query: they match some of them (each card says "
                "which are missing). Mark a word that must occur with +, e.g. *+diffusion*.", icon=":material/rule:")


def _open_quote_note(query: str) -> None:
    """The words a quote left open made one phrase: it quotes the query, typed text, so it is shown literally."""
    if quote := unclosed_quote_note(query):
        st.caption(literal_inline(quote[0].upper() + quote[1:] + "."))


def _hit_cards(state: dict) -> None:
    """One card per result: title, withdrawal, authors and date, lists, trends, snippet, missing words, buttons."""
    hits = state["hits"]
    terms = query_terms(state["params"]["query"])
    target = widgets.list_target("target")
    widgets.list_flash()
    held = widgets.memberships([h.id for h in hits])
    votes = app.reading_lists().feedback()
    imported = app.reading_lists().imported_authors_of([h.id for h in hits if not h.authors])
    for i, hit in enumerate(hits):
        with st.container(border=True, key=f"hit_{i}"):
            widgets.title_link(hit.title, hit.id, terms)
            if hit.withdrawn:  # arXiv keeps a withdrawn paper listed; its comments say so (odd real-world data)
                widgets.withdrawn_note(hit.withdrawn)
            st.markdown(widgets.meta_line(hit.authors, hit.published, hit.categories,
                                          imported=imported.get(hit.id, ())))
            if held.get(hit.id):
                st.markdown(widgets.list_marks(held[hit.id]))
            chips = widgets.trend_chips(state["tags"].get(hit.pk, []))
            if chips:
                st.markdown(chips)
            st.markdown(snippet_markdown(hit.snippet or hit.abstract[:300], terms))
            if hit.missing:
                st.caption("Missing: " + ", ".join(f"~~{safe_inline(w)}~~" for w in hit.missing))
            # one row of buttons as wide as their labels, wrapping on a phone (columns cut them to "O…", "a…" in a
            # laptop window and stacked six of them on a phone: a narrow-screen walkthrough)
            with st.container(horizontal=True, gap="small"):
                widgets.open_button(hit.id, key=f"open_{hit.id}")
                widgets.add_button(hit.id, target, key=f"add_{hit.id}", target_key="target")
                widgets.source_links(hit.id)
                widgets.feedback_buttons(hit.id, votes, key="hitvote")


def _did_you_mean(state: dict) -> None:
    """"Did you mean ...?" with the corrected query as a link that searches it with the same mode, sort and
    filters ("speculativ decodng" found nothing in keyword mode, without a hint: a blind walkthrough)."""
    fixed = state.get("did_you_mean")
    if not fixed:
        return
    # a button, not a link: Streamlit opens a page's links in a new tab (a blind walkthrough); the corrected
    # search runs here, with its own address
    st.info(f"Did you mean **{safe_inline(fixed)}**?", icon=":material/spellcheck:")
    st.button(f"Search for {safe_inline(fixed)}", key="did_you_mean", icon=":material/search:",
              on_click=_search_instead, args=({**state["params"], "query": fixed},))


def _search_instead(params: dict) -> None:
    """Run `params` as the next search: the form's widgets filled (a callback may set them) and searched once."""
    _restore(params)
    st.session_state["search_from_url"] = {**params, "unused": []}


def _follow_search(params: dict, fixed: str | None = None) -> None:
    """"Follow this search": a weekly digest (Digests page) of new papers for this query and its category and
    trend filters (dates and sort are the search's own, not the digest's). A query with a word no paper holds and a
    correction (`fixed`) is not offered: "speculatve decoding" was followed as typed and its digests found nothing
    (a blind walkthrough); the corrected search's page offers it."""
    query, trends, cats = params["query"], list(params.get("trends") or []), list(params.get("categories") or [])
    if arxiv_ids_query(query):  # papers, not a topic to follow
        return
    unheld = app.held_nowhere(query, fixed) if fixed else []
    if unheld:  # only then: a rare word ("renal") is corrected too, and its search is followed as typed
        st.caption(f"To follow it, follow the corrected search ({safe_inline(fixed)}) from its page: no stored "
                   f"paper holds {', '.join(safe_inline(w) for w in unheld)}.")
        return
    try:
        following = dg.follows_search(query, trends, cats)
    except TrendscopeError:
        return
    if following:
        st.button("Following this search", key="follow_search", icon=":material/check:", disabled=True,
                  help="Its weekly digest is on the Digests page")
        return
    if topic := dg.followed_topic(query):
        st.caption(f"You follow this as a rising topic (“{literal_inline(topic)}”): its digest lists the papers "
                   "that write the phrase; following this search also takes papers that hold its words apart.")
    if st.button("Follow this search", key="follow_search", icon=":material/add_alert:",
                 help="A weekly digest of the new papers for this query and its category and trend filters "
                      "(Digests page)"):
        try:
            sub = dg.follow_search(query, trends, cats)
        except TrendscopeError as exc:
            st.error(safe_inline(str(exc)))
            return
        st.session_state["list_flash"] = (f"Following this search: the subscription “{literal_inline(sub.name)}” "
                                          f"lists its new papers, {dg.delivery_note(sub)}.")
        st.rerun()


def _restore(params: dict) -> None:
    """Put the last search's parameters back into the form's widgets."""
    for key in ("mode", "sort", "limit", "categories", "trends"):
        st.session_state[key] = params[key]
    for key in ("since", "until"):
        st.session_state[key] = date.fromisoformat(params[key]) if params[key] else None
    st.session_state["q"] = params["query"]


def render() -> None:
    st.title("Search")
    if "id" in st.query_params:  # left by a switch to the Paper page: Back must not land on /?id=…
        del st.query_params["id"]
    if app.empty_corpus_notice():
        return
    summary = app.summary()
    if not st.session_state.get("search_state") and "q" in st.query_params and "q" not in st.session_state:
        # a shared link: fill the form (the address keeps mode, sort and filters too) and search once
        st.session_state["search_from_url"] = search_from_address(st.query_params, summary, app.trend_labels())
        _restore(st.session_state["search_from_url"])
    previous = st.session_state.get("search_state")
    if previous and "q" not in st.query_params:  # back from a paper: the address names the search shown again
        st.query_params.from_dict(url_params(previous["params"]))
    if previous and "q" not in st.session_state:  # back from another page: widgets forget, the last search doesn't
        _restore(previous["params"])
    params = _form(summary)
    sort = st.session_state.get("sort") or "relevance"
    mode = st.session_state.get("mode") or "hybrid"
    if params is None and previous and (previous["params"]["sort"], previous["params"]["mode"]) != (sort, mode):
        params = {**previous["params"], "sort": sort, "mode": mode}  # Sort or Mode changed: the same search again
    from_url = st.session_state.pop("search_from_url", None)
    if from_url and (unused := from_url.pop("unused", [])):  # dropped without a word before (a blind walkthrough)
        st.warning("Not used from this address, left at the default: " + "; ".join(safe_inline(u) for u in unused)
                   + ".", icon=":material/link_off:")
    if params is None and from_url:
        params = from_url
    if params is not None:
        problem = _validate(params)
        if problem:
            st.session_state.pop("search_state", None)
            st.info(problem, icon=":material/info:")
            return
        st.query_params.from_dict(url_params(params))
        try:
            st.session_state["search_state"] = _run(params)
        except TrendscopeError as exc:
            st.session_state.pop("search_state", None)
            # the message repeats what was typed (`cat:![x](https://...)` showed an image fetched from that address,
            # from a shared link too: a review), so it is escaped as every other page's errors are
            st.warning(message_inline(str(exc)), icon=":material/warning:")
            return
    state = st.session_state.get("search_state")
    if state:
        _results(state)
    else:
        st.caption(f"{summary['papers']:,} papers from {summary['first']} to {summary['last']}.")
        render_for_you()


if __name__ == "__main__":
    with app.guarded():
        render()
