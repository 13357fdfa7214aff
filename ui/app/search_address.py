"""A search's address on the Search page: what `/?q=...` names (query, mode, sort, filters) and back.

A copied, reloaded or shared address is the same search (only `?q=` was kept, so mode, sort and filters were
lost: a blind walkthrough); a value the page does not offer is left at its default, and the page says so.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

MODES = {"hybrid": "Hybrid", "semantic": "Semantic", "keyword": "Keyword", "inside": "Inside papers"}
SORTS = {"relevance": "Relevance", "date": "Newest first"}
EARLIEST = date(1991, 1, 1)  # arXiv's first year: the date boxes accept anything after it
LIMITS = (10, 20, 50, 100)
ADDRESS_KEYS = ("q", "mode", "sort", "since", "until", "n", "cat", "trend")  # what a search's address may name
OTHER_PAGES_KEYS = frozenset({"id", "passage", "section"})  # left in the address by a switch between pages


def url_params(params: dict) -> dict[str, str | list[str]]:
    """A search's address: the query and whatever differs from the defaults ("/?q=lora&sort=date&cat=cs.CL")."""
    out: dict[str, str | list[str]] = {"q": params["query"]}
    if params.get("mode", "hybrid") != "hybrid":
        out["mode"] = params["mode"]
    if params.get("sort", "relevance") != "relevance":
        out["sort"] = params["sort"]
    for key in ("since", "until"):
        if params.get(key):
            out[key] = params[key]
    if int(params.get("limit") or 10) != 10:
        out["n"] = str(params["limit"])
    if params.get("categories"):
        out["cat"] = list(params["categories"])
    if params.get("trends"):
        out["trend"] = list(params["trends"])
    return out


def search_from_address(query_params, summary: dict, trend_labels: Mapping[str, str]) -> dict:
    """The search an address names (`query_params`: Streamlit's, with `get` and `get_all`). Dates are read as the
    CLI reads them (`2025`, `2025-03`, `6m`: `since=2025` was dropped without a word, a blind walkthrough); a
    value the page cannot use is left at its default and named in `unused`, which the page shows."""
    from trendscope.foundation.clock import parse_day
    from trendscope.foundation.errors import TrendscopeError

    unused: list[str] = []

    def day(key: str) -> str | None:
        text = query_params.get(key, "")
        try:
            value = parse_day(text, key, end=key == "until")
        except TrendscopeError:
            value = None
        if text and (value is None or value < EARLIEST):
            unused.append(f"{key}={text} (not a date: YYYY-MM-DD, YYYY-MM, YYYY or a span such as 6m)")
            return None
        return value.isoformat() if value else None

    known_cats = {c for c, _ in summary["categories"]}
    n = query_params.get("n", "10")
    if not (n.isdigit() and int(n) in LIMITS):
        unused.append(f"n={n} (results per page: {', '.join(map(str, LIMITS))})")
    mode, sort = query_params.get("mode"), query_params.get("sort")
    for key, value, known in (("mode", mode, MODES), ("sort", sort, SORTS)):
        if value is not None and value not in known:
            unused.append(f"{key}={value} ({', '.join(known)})")
    # a name the page does not read was dropped without a word (`t=multimodal` for `trend=`: a blind walkthrough)
    for key in query_params.keys():
        if key not in ADDRESS_KEYS and key not in OTHER_PAGES_KEYS:
            unused.append(f"{key}={query_params.get(key, '')} (not a setting of this page: it reads "
                          f"{', '.join(ADDRESS_KEYS)})")
    # read ignoring case, as the CLI reads `-c cs.cv` (`cat=cs.cv` was refused as "no stored paper has it" while
    # cs.CV held 3,261 papers, and `trend=Privacy` as "no such trend": a blind walkthrough); a trend by its label too
    cat_of = {c.lower(): c for c in known_cats}
    trend_of = {**{label.lower(): t for t, label in trend_labels.items()}, **{t.lower(): t for t in trend_labels}}
    cats = list(dict.fromkeys(cat_of.get(c.strip().lower(), c) for c in query_params.get_all("cat")))
    trends = list(dict.fromkeys(trend_of.get(t.strip().lower(), t) for t in query_params.get_all("trend")))
    unused += [f"cat={c} (not one of the {len(known_cats)} largest categories this page offers)" for c in cats
               if c not in known_cats]
    unused += [f"trend={t} (no such trend: {', '.join(trend_labels)})" for t in trends if t not in trend_labels]
    return {"query": query_params.get("q", "").strip(), "mode": mode if mode in MODES else "hybrid",
            "sort": sort if sort in SORTS else "relevance",
            "limit": int(n) if n.isdigit() and int(n) in LIMITS else 10, "since": day("since"), "until": day("until"),
            "categories": [c for c in cats if c in known_cats], "trends": [t for t in trends if t in trend_labels],
            "unused": unused}
