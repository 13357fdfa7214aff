"""A search's address on the Search page: what `/?q=...` names (query, mode, sort, filters) and back.

A copied, reloaded or shared address is the same search (only `?q=` was kept, so mode, sort and filters were
lost: a blind walkthrough); a value the page does not offer is left at its default.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

MODES = {"hybrid": "Hybrid", "semantic": "Semantic", "keyword": "Keyword", "inside": "Inside papers"}
SORTS = {"relevance": "Relevance", "date": "Newest first"}
EARLIEST = date(1991, 1, 1)  # arXiv's first year: the date boxes accept anything after it
LIMITS = (10, 20, 50, 100)


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
    """The search an address names (`query_params`: Streamlit's, with `get` and `get_all`)."""
    def day(key: str) -> str | None:
        try:
            value = date.fromisoformat(query_params.get(key, ""))
        except ValueError:
            return None
        return value.isoformat() if value >= EARLIEST else None

    known_cats = {c for c, _ in summary["categories"]}
    n = query_params.get("n", "10")
    mode, sort = query_params.get("mode"), query_params.get("sort")
    return {"query": query_params.get("q", "").strip(), "mode": mode if mode in MODES else "hybrid",
            "sort": sort if sort in SORTS else "relevance",
            "limit": int(n) if n.isdigit() and int(n) in LIMITS else 10, "since": day("since"), "until": day("until"),
            "categories": [c for c in query_params.get_all("cat") if c in known_cats],
            "trends": [t for t in query_params.get_all("trend") if t in trend_labels]}
